#!/usr/bin/env bash
# The customer portal (issue 8, docs/portal.md) on a real `owed serve`, driven with curl:
# magic links from the CLI, the API and email (through a real SMTP server); the link's page
# uses nothing (mail scanners) and its POST starts a session once (single use), never after
# it expired, never with a forged token; a session cookie that is HttpOnly, SameSite=Strict
# and scoped to /portal; every POST refused without the session's form token or from
# another site; a customer sees only its own invoices (another's answer 404 and change
# nothing), and a link for one customer never shows another's data; acknowledge, dispute
# (a line), promise and pay by card, each on the staff API's timeline of the customer at
# once "via" the portal; feedback listed for staff; payment plans only as `owed portal
# settings` allow (refused when off, beyond the installments or the first date allowed,
# on another's invoice), on the staff API; sign-out, revoking, session expiry.
. "$(dirname "$0")/lib.sh"

export OWED_DB=${OWED_DB:-$TEST_DB}
export OWED_TODAY=2026-11-02 # the server's clock is pinned to this day too

say "a seller, two customers with issued invoices"
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
expect_exit 0 owed org set --name "Müller Consulting" --mail-from "Billing <billing@mueller.example>"
cat >"$T/seller.json" <<'EOF'
{"name": "Müller Consulting GmbH", "street": "Hauptstraße 1", "city": "Berlin",
 "postcode": "10115", "country": "DE", "vat_id": "DE123456789",
 "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
EOF
expect_exit 0 owed seller set "$T/seller.json"
echo '{"name": "Café Zürich GmbH", "street": "Bahnhofstrasse 1", "city": "Zürich",
       "postcode": "8001", "country": "CH"}' >"$T/c3.json"
echo '{"name": "Acme, Inc.", "street": "1 Main St", "city": "Springfield",
       "postcode": "12345", "country": "US"}' >"$T/c1.json"
expect_exit 0 owed seller party C003 "$T/c3.json"
expect_exit 0 owed seller party C001 "$T/c1.json"
expect_exit 0 owed invoice create --customer C003 --line 'Consulting;10;95.00;19' \
    --line 'Travel;1;120.50;19' --issue
expect_line "$T/out" "INV-2026-00001"
expect_exit 0 owed invoice create --customer C003 --line 'Workshop;1;400.00;19' --issue
expect_line "$T/out" "INV-2026-00002"
expect_exit 0 owed invoice create --customer C001 --line 'Secret widgets;3;100.00;0;Z' --issue
expect_line "$T/out" "INV-2026-00003"
inv_id() { db_query "SELECT invoice_id FROM invoices WHERE invoice_number = '$1'"; }
I1=$(inv_id INV-2026-00001) I2=$(inv_id INV-2026-00002) I3=$(inv_id INV-2026-00003)
C1=$(db_query "SELECT customer_id FROM customers WHERE customer_ref = 'C001'")
C3=$(db_query "SELECT customer_id FROM customers WHERE customer_ref = 'C003'")
ADMIN=$(make_user admin@example.com admin)
COLLECTOR=$(make_user collector@example.com collector)
VIEWER=$(make_user viewer@example.com viewer)

say "owed portal link: a signed URL; refused for an unknown customer or a bad --days"
expect_exit 0 owed portal link C003
URL=$(cat "$T/out")
expect_true "PUBLIC_URL/portal/login/ORG.LINK.MAC" \
    grep -Eqx 'http://localhost:8080/portal/login/1\.1\.[0-9a-f]{64}' "$T/out"
expect_exit 3 owed portal link NOPE
expect_contains "$T/err" "no customer 'NOPE'"
expect_exit 2 owed portal link C003 --days 0
expect_exit 2 owed portal link C003 --days 91
expect_exit 0 owed portal --help
expect_contains "$T/out" "usage: owed portal link CUSTOMER_REF [--send] [--days N]"
expect_eq "$(db_query "SELECT COUNT(*) FROM portal_links")" "1" "one link recorded, no token stored"
expect_eq "$(db_query "SELECT COUNT(*) FROM org_docs WHERE key = 'secret:portal'")" "1" \
    "the organization's portal key, made on first use"

start_server --no-scheduler
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --smtp-url "$SMTP_URL"
# From now on links point at this server.
python3 - "$BASE_URL" <<'PY' >"$T/public.json"
import json, sys
print(json.dumps({"public_url": sys.argv[1] + "/"}))
PY
expect_exit 0 owed seller set "$T/public.json"

# web METHOD PATH [CURL-ARGS...]: a page; status in $STATUS, body in $T/page, headers in
# $T/ph. Paths may be full URLs of this server.
web() {
    local method=$1 path=$2
    shift 2
    case "$path" in http*) ;; *) path="$BASE_URL$path" ;; esac
    STATUS=$(curl -s -S -o "$T/page" -D "$T/ph" -w '%{http_code}' -X "$method" "$@" "$path")
}
expect_web() { # CODE METHOD PATH [CURL-ARGS...]
    local want=$1
    shift
    web "$@"
    if [ "$STATUS" = "$want" ]; then
        _ok "$want: $1 ${2#"$BASE_URL"}"
    else
        _not_ok "$want: $1 ${2#"$BASE_URL"} (got $STATUS)"
        _show "$T/page"
    fi
}
csrf_of() { grep -o 'name="csrf" value="[0-9a-f]*"' "$T/page" | head -n 1 | sed 's/.*value="//; s/"//'; }
path_of() { echo "/${1#http*://*/}"; }
LOGIN=$(path_of "$URL")

say "the link's page shows a Continue button and uses nothing, however often it is opened"
expect_web 200 GET "$LOGIN"
expect_contains "$T/page" "Welcome, Café Zürich GmbH"
expect_contains "$T/page" "<button type=\"submit\">Continue</button>"
expect_contains "$T/page" "method=\"post\" action=\"$LOGIN\""
expect_contains "$T/ph" "Content-Security-Policy: default-src 'none'"
expect_web 200 GET "$LOGIN"
expect_eq "$(db_query "SELECT used_at FROM portal_links WHERE link_id = 1")" "" "still unused"
expect_not_contains "$T/ph" "Set-Cookie: owed_portal"

say "its POST uses it and starts a session: the cookie"
expect_web 303 POST "$LOGIN" -c "$T/jar3"
expect_contains "$T/ph" "Location: /portal"
grep -i '^Set-Cookie: owed_portal=' "$T/ph" >"$T/cookie"
expect_true "the cookie is HttpOnly, SameSite=Strict, Path=/portal, Max-Age=3600" grep -Eq \
    'owed_portal=1\.[0-9]+\.'"$C3"'\.[0-9]+\.[0-9a-f]{64}; Path=/portal; Max-Age=3600; HttpOnly; SameSite=Strict' \
    "$T/cookie"
expect_eq "$(db_query "SELECT used_at FROM portal_links WHERE link_id = 1")" "2026-11-02T00:00:00Z" \
    "the use is recorded"

say "single use: the second POST, and the page after it, say so"
expect_web 410 POST "$LOGIN" -c "$T/jar-again"
expect_contains "$T/page" "This link was already used"
expect_not_contains "$T/ph" "Set-Cookie: owed_portal"
expect_web 410 GET "$LOGIN"
expect_contains "$T/page" "This link was already used"
expect_not_contains "$T/page" "Café Zürich"

say "forged tokens: a changed MAC, another link's MAC, garbage"
MAC=${LOGIN##*.}
FLIP=$(echo "$MAC" | sed 's/^\(.\)/\1/' | tr '0-9a-f' '1-9a-f0')
expect_web 404 GET "${LOGIN%.*}.$FLIP"
expect_contains "$T/page" "This link is not valid"
expect_web 404 POST "${LOGIN%.*}.$FLIP" -c "$T/jar-forged"
expect_not_contains "$T/ph" "Set-Cookie: owed_portal"
expect_exit 0 owed portal link C001
LINK_C1=$(path_of "$(cat "$T/out")")
expect_web 404 GET "/portal/login/1.2.$MAC" # C003's MAC on C001's link
expect_web 404 GET "/portal/login/2.1.$MAC"
expect_web 404 GET "/portal/login/not-a-token"
expect_web 404 GET "/portal/login/1.1.${MAC}00"
expect_not_contains "$T/page" "Café Zürich"

say "expired: a link made a month ago for one day"
OWED_TODAY=2026-10-01 owed portal link C003 --days 1 >"$T/old" || _not_ok "old link"
OLD=$(path_of "$(cat "$T/old")")
expect_web 410 GET "$OLD"
expect_contains "$T/page" "This link has expired"
expect_not_contains "$T/page" "Café Zürich"
expect_contains "$T/page" "b***@cafe-zuerich.example"
expect_web 410 POST "$OLD" -c "$T/jar-old"
expect_not_contains "$T/ph" "Set-Cookie: owed_portal"
n_out() { db_query "SELECT COUNT(*) FROM outbox WHERE step LIKE 'portal-link:%'"; }
before=$(n_out)
expect_web 200 POST "$OLD/renew"
expect_contains "$T/page" "Check your inbox"
expect_eq "$(n_out)" "$((before + 1))" "a new link is queued to the address on file"
expect_web 200 POST "$OLD/renew"
expect_eq "$(n_out)" "$((before + 1))" "asked again at once: the same answer, nothing more sent"
expect_web 404 POST "/portal/login/1.1.$FLIP/renew"
expect_eq "$(n_out)" "$((before + 1))" "a forged link asks for nothing"

say "the home page: this customer's open invoices and balance, nobody else's"
expect_web 200 GET /portal -b "$T/jar3"
expect_contains "$T/page" "Hello, Café Zürich GmbH"
expect_contains "$T/page" "INV-2026-00001"
expect_contains "$T/page" "INV-2026-00002"
expect_contains "$T/page" "1,749.90" # 1273.90 + 476.00
expect_contains "$T/page" "/portal/statement.pdf"
expect_not_contains "$T/page" "INV-2026-00003"
expect_not_contains "$T/page" "Acme"
expect_not_contains "$T/page" "Secret widgets"
expect_web 200 GET "/portal/invoices/$I1" -b "$T/jar3"
expect_contains "$T/page" "Travel"
expect_contains "$T/page" "DE89370400440532013000"
CSRF3=$(csrf_of)
expect_true "the page carries a form token" test -n "$CSRF3"

say "customer A's session never shows or changes customer B's invoice"
for p in "/portal/invoices/$I3" "/portal/invoices/$I3/pdf" "/portal/invoices/999999" \
    "/portal/invoices/0" "/portal/invoices/abc"; do
    expect_web 404 GET "$p" -b "$T/jar3"
    expect_not_contains "$T/page" "Secret widgets"
done
for a in ack dispute promise pay; do
    expect_web 404 POST "/portal/invoices/$I3/$a" -b "$T/jar3" --data-urlencode "csrf=$CSRF3" \
        --data-urlencode "reason=other" --data-urlencode "text=x" --data-urlencode "date=2026-11-20" \
        --data-urlencode "amount=1.00" --data-urlencode "card=4242424242424242"
done
expect_eq "$(db_query "SELECT ack_at FROM documents WHERE number = 'INV-2026-00003'")" "" \
    "B's invoice: not acknowledged"
expect_eq "$(db_query "SELECT COUNT(*) FROM collection_items WHERE customer_id = $C1")" "0" \
    "B's invoice: no dispute, no promise"
expect_eq "$(db_query "SELECT COUNT(*) FROM payments WHERE customer_id = $C1")" "0" "B: no payment"
# B's own session sees B only.
expect_web 303 POST "$LINK_C1" -c "$T/jar1"
expect_web 200 GET /portal -b "$T/jar1"
expect_contains "$T/page" "INV-2026-00003"
expect_not_contains "$T/page" "INV-2026-00001"
expect_not_contains "$T/page" "Café"
expect_web 404 GET "/portal/invoices/$I1" -b "$T/jar1"
CSRF1=$(csrf_of)
# A cookie whose customer is changed is not a session.
sed "s/\t1\.\([0-9]*\)\.$C3\./\t1.\1.$C1./" "$T/jar3" >"$T/jar-tampered"
expect_web 401 GET /portal -b "$T/jar-tampered"
expect_not_contains "$T/page" "INV-2026-0000"
expect_web 401 GET /portal
expect_contains "$T/page" "Please sign in"

say "CSRF: every POST needs this session's form token, from this site"
expect_web 403 POST "/portal/invoices/$I1/ack" -b "$T/jar3"
case "${CSRF3: -1}" in 0) ALT=1 ;; *) ALT=0 ;; esac
expect_web 403 POST "/portal/invoices/$I1/ack" -b "$T/jar3" --data-urlencode "csrf=${CSRF3%?}$ALT"
expect_web 403 POST "/portal/invoices/$I1/ack" -b "$T/jar3" --data-urlencode "csrf=$CSRF1"
expect_web 403 POST "/portal/invoices/$I1/ack" -b "$T/jar3" --data-urlencode "csrf=$CSRF3" \
    -H "Sec-Fetch-Site: cross-site"
expect_web 401 POST "/portal/invoices/$I1/ack" --data-urlencode "csrf=$CSRF3"
expect_eq "$(db_query "SELECT ack_at FROM documents WHERE number = 'INV-2026-00001'")" "" \
    "nothing was acknowledged"

# timeline: the staff API's timeline of C003 as "KIND|VIA|TEXT" lines in $T/tl
timeline() {
    TOKEN=$COLLECTOR api GET "/api/v1/customers/$C3/statement"
    "$SINK_PYTHON" -c '
import json, sys
for e in json.load(open(sys.argv[1]))["timeline"]:
    print("%s|%s|%s" % (e["kind"], e.get("via", ""), e["text"]))' "$T/body" >"$T/tl"
}
post3() { # ACTION CODE FIELDS... (name=value)
    local action=$1 code=$2 args=() f
    shift 2
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    expect_web "$code" POST "/portal/invoices/$I1/$action" -b "$T/jar3" \
        --data-urlencode "csrf=$CSRF3" "${args[@]}"
}

say "acknowledge receipt: on the timeline at once"
post3 ack 303
expect_contains "$T/ph" "Location: /portal/invoices/$I1"
expect_eq "$(db_query "SELECT ack_via FROM documents WHERE number = 'INV-2026-00001'")" "portal" \
    "the document is acknowledged via the portal"
timeline
expect_line "$T/tl" "portal|portal|acknowledged receipt of INV-2026-00001"
post3 ack 303
timeline
expect_eq "$(grep -c 'acknowledged receipt' "$T/tl")" "1" "a second click records nothing more"

say "dispute a line, with a reason: a dispute item made via the portal"
post3 dispute 422 reason=bogus text=x
post3 dispute 422 reason=pricing text=x line=9
post3 dispute 303 reason=pricing line=2 amount=20.50 "text=Travel was agreed at 100.00"
timeline
expect_line "$T/tl" "dispute|portal|INV-2026-00001 disputed, pricing (open): 20.50 EUR; Line 2 (Travel): Travel was agreed at 100.00 (via portal)"
TOKEN=$COLLECTOR api GET "/api/v1/disputes?customer_ref=C003"
expect_eq "$(jget "$T/body" '[(i["code"], i["amount"], i["invoice_number"]) for i in d["data"]]')" \
    '[["pricing", "20.50", "INV-2026-00001"]]' "the staff API lists the dispute"

say "promise a payment date: refused in the past or above what is open"
post3 promise 422 date=2026-11-01 amount=100.00
post3 promise 422 date=2026-11-20 amount=99999.00
post3 promise 303 date=2026-11-20 amount=500.00
timeline
expect_line "$T/tl" "promise|portal|promise to pay 500.00 EUR by 2026-11-20 on INV-2026-00001 (open) (via portal)"

say "pay by card through the test gateway: a payment whose channel is portal"
post3 pay 402 amount=100.00 card=4000000000000002
expect_contains "$T/page" "declined"
post3 pay 422 amount=100.00 card=1234
post3 pay 422 amount=99999.00 card=4242424242424242
post3 pay 303 amount=100.00 "card=4242 4242 4242 4242"
TOKEN=$COLLECTOR api GET "/api/v1/payments?customer_ref=C003"
expect_eq "$(jget "$T/body" '[p["channel"] for p in d["data"]]')" '["portal"]' "one payment, channel portal"
expect_eq "$(jget "$T/body" 'd["data"][0]["amount"]')" "100.00" "of 100.00"
TOKEN=$COLLECTOR api GET "/api/v1/payments/$(jget "$T/body" 'd["data"][0]["id"]')"
expect_eq "$(jget "$T/body" '[(a["invoice_number"], a["amount"]) for a in d["allocations"]]')" \
    '[["INV-2026-00001", "100.00"]]' "applied to the invoice"
timeline
expect_true "the payment on the timeline" grep -Eq \
    '^portal\|portal\|paid 100\.00 EUR by card for INV-2026-00001 \(payment stripe:pi_test_[0-9a-f]+\)$' "$T/tl"
expect_line "$T/tl" "portal|portal|card payment of 100.00 EUR for INV-2026-00001 declined (nothing charged)"
expect_web 200 GET "/portal/invoices/$I1" -b "$T/jar3"
expect_contains "$T/page" "1,173.90 EUR" # open after the payment
expect_contains "$T/page" "confirmed on"
expect_contains "$T/page" "Travel was agreed at 100.00"

say "documents: the invoice and the statement as PDF"
expect_web 200 GET "/portal/invoices/$I1/pdf" -b "$T/jar3"
expect_contains "$T/ph" "Content-Type: application/pdf"
expect_true "a PDF" grep -q '^%PDF-' "$T/page"
expect_web 200 GET /portal/statement.pdf -b "$T/jar3"
expect_contains "$T/ph" "Content-Type: application/pdf"

say "feedback: 1 to 5 stars and a comment, listed for staff"
expect_web 200 GET /portal/feedback -b "$T/jar3"
expect_web 422 POST /portal/feedback -b "$T/jar3" --data-urlencode "csrf=$CSRF3" \
    --data-urlencode "rating=9"
expect_web 303 POST /portal/feedback -b "$T/jar3" --data-urlencode "csrf=$CSRF3" \
    --data-urlencode "rating=5" --data-urlencode "comment=Quick & clear <b>thanks</b>"
TOKEN=$VIEWER api GET /api/v1/portal/feedback
expect_eq "$STATUS" 200 "a viewer reads the feedback"
expect_eq "$(jget "$T/body" '[(f["customer_ref"], f["rating"], f["comment"]) for f in d["data"]]')" \
    '[["C003", 5, "Quick & clear <b>thanks</b>"]]' "the feedback as given"
expect_exit 0 owed portal feedback --format csv
expect_line "$T/out" '1,2026-11-02T00:00:00Z,C003,Café Zürich GmbH,5,Quick & clear <b>thanks</b>'
timeline
expect_line "$T/tl" "portal|portal|feedback 5/5: Quick & clear <b>thanks</b>"
expect_exit 0 owed customer show C003
expect_contains "$T/out" "(via portal)"
TOKEN=$ADMIN api GET "/api/v1/audit?limit=500"
expect_eq "$(jget "$T/body" 'sorted({a["resource"] for a in d["data"] if a["actor"] == "portal:C003"})')" \
    "[\"/portal/feedback\", \"/portal/invoices/$I1/ack\", \"/portal/invoices/$I1/dispute\", \"/portal/invoices/$I1/pay\", \"/portal/invoices/$I1/promise\", \"/portal/login\"]" \
    "the audit trail: what the customer did, as portal:C003"

say "payment plans: not offered while the settings do not allow them (the default)"
expect_exit 0 owed portal settings
expect_line "$T/out" "payment plans: off"
expect_web 200 GET "/portal/invoices/$I2" -b "$T/jar3"
expect_not_contains "$T/page" "Pay in installments"
n_plans() { db_query "SELECT COUNT(*) FROM collection_items WHERE kind = 4 AND customer_id = $1"; }
plan3() { # CODE INVOICE_ID FIELDS... (name=value)
    local code=$1 inv=$2 args=() f
    shift 2
    for f in "$@"; do args+=(--data-urlencode "$f"); done
    expect_web "$code" POST "/portal/invoices/$inv/plan" -b "$T/jar3" \
        --data-urlencode "csrf=$CSRF3" "${args[@]}"
}
plan3 403 "$I2" installments=2 first_due=2026-11-10
expect_contains "$T/page" "Payment plans are not available"
expect_eq "$(n_plans "$C3")" "0" "no plan while plans are off"

say "owed portal settings: plans on, within limits; nonsense refused"
expect_exit 2 owed portal settings --plans maybe
expect_exit 2 owed portal settings --max-installments 13
expect_exit 2 owed portal settings --max-installments 1
expect_exit 2 owed portal settings --max-days 400
expect_exit 2 owed portal link C003 --plans on
expect_exit 0 owed portal settings --plans on --max-installments 4 --max-days 14
expect_line "$T/out" "payment plans: on"
expect_line "$T/out" "  max installments: 4"
expect_line "$T/out" "  first payment within: 14 days"
expect_line "$T/out" "  installments every: 30 days"
expect_exit 0 owed portal settings --format json
expect_eq "$(jget "$T/out" '[d["plans"][k] for k in ("allowed", "max_installments", "max_days", "every_days")]')" \
    "[true, 4, 14, 30]" "stored, and shown as JSON"
expect_exit 0 owed portal --help
expect_contains "$T/out" "owed portal settings [--plans on|off] [--max-installments N] [--max-days D]"

say "the invoice page offers what the policy allows"
expect_web 200 GET "/portal/invoices/$I2" -b "$T/jar3"
expect_contains "$T/page" "Pay in installments"
expect_contains "$T/page" "action=\"/portal/invoices/$I2/plan\""
expect_contains "$T/page" '<option value="4">4 payments of 119.00 EUR</option>'
expect_contains "$T/page" '<option value="3">3 payments of 158.66 to 158.67 EUR</option>'
expect_not_contains "$T/page" '<option value="5">'
expect_contains "$T/page" 'min="2026-11-02" max="2026-11-16"'

say "refused beyond the policy, whatever the form says"
plan3 422 "$I2" installments=5 first_due=2026-11-10
expect_contains "$T/page" "installments: choose from 2 to 4 payments"
plan3 422 "$I2" installments=60 first_due=2026-11-10
plan3 422 "$I2" installments=1 first_due=2026-11-10
plan3 422 "$I2" installments=x first_due=2026-11-10
plan3 422 "$I2" installments=3 first_due=2026-11-17
expect_contains "$T/page" "first payment: choose a day from 2026-11-02 to 2026-11-16"
plan3 422 "$I2" installments=3 first_due=2026-11-01
plan3 422 "$I2" installments=3 first_due=soon
expect_eq "$(n_plans "$C3")" "0" "nothing out of policy was set up"

say "another customer's invoice: 404, nothing set up"
plan3 404 "$I3" installments=2 first_due=2026-11-10
expect_not_contains "$T/page" "Secret widgets"
plan3 404 999999 installments=2 first_due=2026-11-10
expect_eq "$(n_plans "$C1")" "0" "B's invoice: no plan"
expect_web 403 POST "/portal/invoices/$I2/plan" -b "$T/jar3" --data-urlencode "csrf=$CSRF1" \
    --data-urlencode installments=2 --data-urlencode first_due=2026-11-10

say "within the policy: a plan (the spacing is the policy's, not the form's)"
plan3 303 "$I2" installments=3 first_due=2026-11-10 every_days=1
expect_contains "$T/ph" "Location: /portal/invoices/$I2"
expect_eq "$(n_plans "$C3")" "1" "one plan"
TOKEN=$COLLECTOR api GET "/api/v1/plans?customer=C003"
expect_eq "$STATUS" 200 "the staff API lists plans"
expect_eq "$(jget "$T/body" '[(p["invoice_number"], p["amount"], p["text"]) for p in d["data"]]')" \
    '[["INV-2026-00002", "476.00", "3 installments every 30 days"]]' "the staff API shows the plan"
expect_eq "$(jget "$T/body" '[(i["number"], i["due_date"], i["amount"]) for i in d["data"][0]["installments"]]')" \
    '[[1, "2026-11-10", "158.67"], [2, "2026-12-10", "158.67"], [3, "2027-01-09", "158.66"]]' \
    "its installments, in minor units that add up to what is open"
timeline
expect_line "$T/tl" "plan|portal|payment plan for INV-2026-00002, 476.00 EUR: 3 installments every 30 days (open) (via portal)"
expect_web 200 GET "/portal/invoices/$I2" -b "$T/jar3"
expect_contains "$T/page" 'data-installment="3"'
expect_contains "$T/page" "2027-01-09"
expect_not_contains "$T/page" "Pay in installments"
plan3 422 "$I2" installments=2 first_due=2026-11-10
expect_contains "$T/page" "this invoice already has a payment plan"
expect_eq "$(n_plans "$C3")" "1" "still one plan"

say "plans off again: the form goes, a post is refused"
expect_exit 0 owed portal settings --plans off
expect_line "$T/out" "payment plans: off"
expect_web 200 GET "/portal/invoices/$I1" -b "$T/jar3"
expect_not_contains "$T/page" "Pay in installments"
plan3 403 "$I1" installments=2 first_due=2026-11-10
expect_eq "$(n_plans "$C3")" "1" "no second plan"

say "the staff API makes a link and emails it; the email's link signs in"
TOKEN=$VIEWER api POST "/api/v1/customers/$C3/portal-link" '{}'
expect_eq "$STATUS" 403 "a viewer may not"
TOKEN=$COLLECTOR api POST "/api/v1/customers/$C3/portal-link" '{"days": 0}'
expect_eq "$STATUS" 422 "days 0 is refused"
TOKEN=$COLLECTOR api POST "/api/v1/customers/999/portal-link" '{}'
expect_eq "$STATUS" 404 "an unknown customer is 404"
TOKEN=$COLLECTOR api POST "/api/v1/customers/$C3/portal-link" '{"send": true, "days": 3}'
expect_eq "$STATUS" 201 "a collector makes one"
expect_eq "$(jget "$T/body" 'd["sent_to"]')" "buchhaltung@cafe-zuerich.example" "to the customer"
expect_eq "$(jget "$T/body" 'd["expires_at"]')" "2026-11-05T00:00:00Z" "valid 3 days"
API_URL=$(jget "$T/body" 'd["url"]')
expect_true "the URL is on this server" test "${API_URL#"$BASE_URL"/portal/login/}" != "$API_URL"
TOKEN=$ADMIN api GET "/api/v1/audit?limit=500"
expect_eq "$(jget "$T/body" '[a["after"]["url"] for a in d["data"] if a["resource"].startswith("/api/v1/customers/'"$C3"'/portal-links/")]')" \
    '["(redacted)"]' "the audit trail keeps the answer without the URL"
expect_not_contains "$T/body" "${API_URL##*/}"
TOKEN=$COLLECTOR api GET "/api/v1/customers/$C3/portal-links"
expect_eq "$(jget "$T/body" '[l["state"] for l in d["data"]]')" \
    '["used", "expired", "valid", "valid"]' "the links' states; their tokens are not shown"
expect_not_contains "$T/body" "$MAC"
expect_exit 0 owed outbox send
# Every portal link in the plain text of the emails the SMTP server got, with the subject.
"$SINK_PYTHON" -c '
import email, email.policy, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    t = m.get_body(preferencelist=("plain",)).get_content()
    for u in re.findall(r"http://\S+/portal/login/\S+", t):
        print(str(m["To"]) + "|" + str(m["Subject"]) + "|" + u)' "$T/mail" >"$T/mailed"
expect_eq "$(wc -l <"$T/mailed")" "2" "two links were mailed: the renewed one and this one"
expect_line "$T/mailed" "buchhaltung@cafe-zuerich.example|Your account with Müller Consulting: invoices, statement and payments|$API_URL"
MAIL_URL=$(tail -n 1 "$T/mailed" | cut -d'|' -f3)
expect_eq "$MAIL_URL" "$API_URL" "the email carries the link"
expect_web 200 GET "$MAIL_URL"
expect_web 303 POST "$MAIL_URL" -c "$T/jar-mail"
expect_web 200 GET /portal -b "$T/jar-mail"
expect_contains "$T/page" "Hello, Café Zürich GmbH"

say "a reminder carries a portal link ({{portal_url}}) that signs in"
echo '{"steps": [{"name": "early", "offset": -30, "channel": "email", "template": "due"}]}' \
    >"$T/early.json"
expect_exit 0 owed policy set early "$T/early.json"
expect_exit 0 owed policy assign early --customer C003
expect_exit 0 owed dunning run
expect_eq "$(db_query "SELECT COUNT(*) FROM portal_links WHERE created_by = 'dunning'")" "1" \
    "the run made one link, for the one message"
expect_exit 0 owed outbox send
"$SINK_PYTHON" -c '
import email, email.policy, glob, re, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if "due" not in str(m["Subject"]).lower():
        continue
    t = m.get_body(preferencelist=("plain",)).get_content()
    for u in re.findall(r"http://\S+/portal/login/\S+", t):
        print(u)' "$T/mail" >"$T/reminded"
expect_eq "$(wc -l <"$T/reminded")" "1" "the reminder's text has the link"
expect_web 303 POST "$(cat "$T/reminded")" -c "$T/jar-reminded"
expect_web 200 GET /portal -b "$T/jar-reminded"
expect_contains "$T/page" "INV-2026-00002"

say "sign-out ends the session; revoking ends the others and withdraws unused links"
expect_web 200 GET /portal -b "$T/jar-mail"
CSRFM=$(csrf_of)
cp "$T/jar-mail" "$T/jar-mail-old"
expect_web 200 POST /portal/logout -b "$T/jar-mail" --data-urlencode "csrf=$CSRFM"
expect_contains "$T/ph" "owed_portal=; Path=/portal; Max-Age=0"
expect_web 401 GET /portal -b "$T/jar-mail-old"
expect_contains "$T/page" "The session has ended"
expect_exit 0 owed portal link C001
UNUSED_C1=$(path_of "$(cat "$T/out")")
expect_exit 0 owed portal revoke C001
expect_contains "$T/out" "portal access of C001 revoked (2 links and sessions)"
expect_web 401 GET /portal -b "$T/jar1"
expect_web 410 GET "$UNUSED_C1"
expect_contains "$T/page" "This link was withdrawn"
expect_not_contains "$T/page" "Email me a new link"

say "a session lasts an hour: the next day its cookie is refused"
stop_server
OWED_TODAY=2026-11-03 start_server --no-scheduler
expect_web 401 GET /portal -b "$T/jar3"
expect_contains "$T/page" "The session has expired"

expect_exit 0 owed check
finish
