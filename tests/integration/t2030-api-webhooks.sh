#!/usr/bin/env bash
# Webhooks and payment gateways over real HTTP (docs/webhooks.md): subscribers through the
# API (the secret shown once, never listed, changes with If-Match); the events that use
# cases queue, delivered by `owed outbox send` to tests/tools/http_sink.py, each signature
# checked here with python3's hmac, a 500 retried with the same event; the built-in test
# gateway; and the Stripe-compatible endpoint: a signed event posts a payment once, bad or
# stale signatures and unknown organizations are refused, refunds reverse or refund.
. "$(dirname "$0")/lib.sh"

setup_db basic
ADMIN=$(make_user admin@example.com admin)
MANAGER=$(make_user manager@example.com manager)
TOKEN=$ADMIN
start_server --no-scheduler
start_http_sink "$T/hooks" --status-seq 500
SINK=${HTTP_URL%/sms}

# verify_hooks PATH SECRET: one line "ok|BAD TYPE EVENT_ID" per delivery to PATH, in order;
# ok when Owed-Signature is t=T,v1=HMAC-SHA256(SECRET, "T." + body), Owed-Event-Id is the
# body's id and the body is JSON.
verify_hooks() {
    /usr/bin/python3 - "$T/hooks" "$1" "$2" <<'PY'
import glob, hashlib, hmac, json, os, sys
d, path, secret = sys.argv[1:4]
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    meta = json.load(open(f[:-len(".json")] + ".headers"))
    if meta["path"] != path:
        continue
    body = open(f, "rb").read()
    h = meta["headers"]
    sig = dict(item.split("=", 1) for item in h.get("owed-signature", "").split(","))
    want = hmac.new(secret.encode(), sig.get("t", "").encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    ev = json.loads(body)
    ok = (hmac.compare_digest(want, sig.get("v1", "")) and h.get("owed-event-id") == ev["id"]
          and h.get("content-type") == "application/json")
    print("%s %s %s" % ("ok" if ok else "BAD", ev["type"], ev["id"]))
PY
}

# ---- subscribers ----

say "webhook subscribers: create, the secret shown once"
expect_status 422 POST /api/v1/webhooks '{"url":"ftp://example.com/hook"}'
expect_contains "$T/body" "http:// or https://"
expect_status 422 POST /api/v1/webhooks "{\"url\":\"$SINK/a\",\"events\":\"invoice.paid\"}"
expect_contains "$T/body" "'invoice.paid' is not an event type"
A_BODY="{\"url\":\"$SINK/a\",\"events\":\"invoice.*, payment.received,dispute.opened\"}"
expect_status 201 POST /api/v1/webhooks "$A_BODY" -H "Idempotency-Key: hook-a"
A_ID=$(jget "$T/body" 'd["id"]')
A_SECRET=$(jget "$T/body" 'd["secret"]')
expect_true "the signing secret is whsec_ and 43 random characters" \
    grep -Eq '^whsec_[A-Za-z0-9_-]{43}$' <<<"$A_SECRET"
expect_eq "$(jget "$T/body" 'd["events"]')" "invoice.*,payment.received,dispute.opened" \
    "the events list, canonical"
expect_contains "$T/headers" "Location: /api/v1/webhooks/$A_ID"
expect_status 201 POST /api/v1/webhooks "$A_BODY" -H "Idempotency-Key: hook-a"
expect_eq "$(jget "$T/body" 'd["id"]')" "$A_ID" "a replay answers with the same subscriber"
expect_not_contains "$T/body" "$A_SECRET" "and does not show its secret again"
expect_eq "$(db_query "SELECT COUNT(*) FROM api_idempotency WHERE body LIKE '%whsec_%'")" 0 \
    "the stored answer holds no secret"
expect_status 201 POST /api/v1/webhooks "{\"url\":\"$SINK/b\",\"events\":\"*\"}"
B_ID=$(jget "$T/body" 'd["id"]')
B_SECRET=$(jget "$T/body" 'd["secret"]')
[ "$A_SECRET" != "$B_SECRET" ] && _ok "each subscriber has its own secret" ||
    _not_ok "two subscribers got the same secret"
expect_status 201 POST /api/v1/webhooks "{\"url\":\"$SINK/c\"}"
C_ID=$(jget "$T/body" 'd["id"]')
expect_eq "$(jget "$T/body" 'd["events"]')" "*" "no events list: all of them"
expect_status 201 POST /api/v1/webhooks "{\"url\":\"$SINK/d\",\"events\":\"payment.*\"}"
D_ID=$(jget "$T/body" 'd["id"]')

say "reads never show a secret"
expect_status 200 GET /api/v1/webhooks
expect_eq "$(jget "$T/body" 'len(d["data"])')" 4 "four subscribers"
expect_not_contains "$T/body" "whsec_" "the listing shows no secret"
expect_status 200 GET "/api/v1/webhooks/$A_ID"
expect_not_contains "$T/body" "whsec_" "a subscriber shows no secret"
expect_eq "$(jget "$T/body" 'd["url"]')" "$SINK/a" "its URL"
expect_status 404 GET /api/v1/webhooks/999
SAVED=$TOKEN TOKEN=$MANAGER
expect_status 403 GET /api/v1/webhooks
TOKEN=$SAVED

say "changes with If-Match, deletion"
expect_status 200 GET "/api/v1/webhooks/$C_ID"
ETAG=$(sed -n 's/^ETag: //p' "$T/headers" | tr -d '\r')
expect_status 428 PATCH "/api/v1/webhooks/$C_ID" '{"active":false}'
expect_status 412 PATCH "/api/v1/webhooks/$C_ID" '{"active":false}' -H 'If-Match: "stale"'
expect_status 422 PATCH "/api/v1/webhooks/$C_ID" '{"active":"no"}' -H "If-Match: $ETAG"
expect_status 200 PATCH "/api/v1/webhooks/$C_ID" '{"active":false}' -H "If-Match: $ETAG"
expect_eq "$(jget "$T/body" 'd["active"]')" false "subscriber C is disabled"
expect_status 412 PATCH "/api/v1/webhooks/$C_ID" '{"active":true}' -H "If-Match: $ETAG"
expect_status 204 DELETE "/api/v1/webhooks/$D_ID"
expect_status 404 GET "/api/v1/webhooks/$D_ID"
expect_status 404 DELETE "/api/v1/webhooks/$D_ID"
expect_status 200 GET /api/v1/audit
expect_not_contains "$T/body" "$A_SECRET" "the audit trail holds no secret"
expect_contains "$T/body" "/api/v1/webhooks/$A_ID" "the audit trail has the new subscriber"

# ---- events ----

say "events queued by the use cases"
expect_status 201 POST /api/v1/invoices \
    '{"invoice_number":"INV-H1","customer_ref":"C001","issue_date":"2026-06-01","amount":"500.00"}'
expect_exit 0 owed pay --ref PAY-H1 --customer C001 --amount 200.00 --invoice INV-H1 \
    --date 2026-06-05 --method wire
expect_exit 0 owed dispute open --invoice INV-H1 --reason pricing --as-of 2026-06-06
# A: invoice.created, payment.received, dispute.opened; B: those and payment.applied;
# C is disabled, D deleted.
expect_eq "$(db_query "SELECT COUNT(*) FROM outbox WHERE channel = 6")" 7 "7 webhook messages queued"
expect_exit 0 owed outbox list
expect_contains "$T/out" "webhook" "the outbox lists them on channel webhook"

say "delivery: signed, a 500 retried with the same event"
expect_exit 1 owed outbox send
expect_contains "$T/out" "sent 6, to retry 1"
expect_contains "$T/out" "HTTP 500"
expect_eq "$(ls "$T/hooks" | grep -c '\.json$')" 7 "7 POSTs"
expect_exit 0 owed outbox send
expect_contains "$T/out" "sent 0, to retry 0" "the retry waits for its backoff"
LATER=$(date -u -d '+2 days' +%F)
OWED_TODAY=$LATER expect_exit 0 owed outbox send
expect_contains "$T/out" "sent 1, to retry 0, failed 0"
expect_eq "$(ls "$T/hooks" | grep -c '\.json$')" 8 "8 POSTs: the one that failed, again"
expect_same "$T/hooks/000001.json" "$T/hooks/000008.json" "the retry posts the same event"
verify_hooks /a "$A_SECRET" >"$T/a.txt"
verify_hooks /b "$B_SECRET" >"$T/b.txt"
verify_hooks /c "$A_SECRET" >"$T/c.txt"
expect_not_contains "$T/a.txt" "BAD" "every signature to A verifies with A's secret"
expect_not_contains "$T/b.txt" "BAD" "every signature to B verifies with B's secret"
expect_eq "$(cut -d' ' -f2 "$T/a.txt" | tr '\n' ' ')" \
    "invoice.created payment.received dispute.opened invoice.created " \
    "A got what it subscribed to (the 500 and its retry last)"
expect_eq "$(cut -d' ' -f2 "$T/b.txt" | tr '\n' ' ')" \
    "invoice.created payment.received payment.applied dispute.opened " "B got every event"
expect_eq "$(sed -n '1p;4p' "$T/a.txt" | cut -d' ' -f3 | uniq | wc -l)" 1 \
    "the retry carries the first attempt's event id"
expect_true "C (disabled) got nothing" test ! -s "$T/c.txt"
verify_hooks /a "$B_SECRET" >"$T/a-wrong.txt"
expect_contains "$T/a-wrong.txt" "BAD" "another secret does not verify A's deliveries"
expect_true "the envelopes and their data" /usr/bin/python3 - "$T/hooks" <<'PY'
import glob, json, sys
evs = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    e = json.load(open(f))
    assert set(e) == {"id", "type", "created", "org_id", "data"}, e
    assert e["id"].startswith("evt_") and e["org_id"] == 1 and isinstance(e["created"], int), e
    evs[e["type"]] = e["data"]
inv = evs["invoice.created"]
assert inv["number"] == "INV-H1" and inv["customer_ref"] == "C001", inv
assert inv["amount"] == "500.00" and inv["currency"] == "USD" and inv["due_date"] == "2026-07-01", inv
pay = evs["payment.received"]
assert pay["ref"] == "PAY-H1" and pay["amount"] == "200.00" and pay["method"] == "wire", pay
app = evs["payment.applied"]
assert app["allocations"][0]["invoice_number"] == "INV-H1", app
assert app["allocations"][0]["amount"] == "200.00" and app["applied"] == "200.00", app
dis = evs["dispute.opened"]
assert dis["invoice_number"] == "INV-H1" and dis["reason"] == "pricing", dis
assert dis["kind"] == "dispute" and dis["status"] == "open", dis
PY

# ---- the test gateway ----

say "the test gateway: cards and bank transfers"
TOKEN=$MANAGER
expect_status 201 POST /api/v1/gateway/test/charges \
    '{"customer_ref":"C003","amount":"50.00","card":"4242 4242 4242 4242"}'
expect_true "a payment stripe:pi_test_... by card through the gateway" /usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["ref"].startswith("stripe:pi_test_") and p["amount"] == "50.00", p
assert p["currency"] == "EUR" and p["method"] == "card" and p["channel"] == "gateway", p' "$T/body"
expect_contains "$T/headers" "Location: /api/v1/payments/"
NPAY=$(db_query "SELECT COUNT(*) FROM payments")
NLINES=$(db_query "SELECT COUNT(*) FROM journal_lines")
expect_status 402 POST /api/v1/gateway/test/charges \
    '{"customer_ref":"C003","amount":"50.00","card":"4000000000000002"}'
expect_eq "$(jget "$T/body" 'd["code"]')" card_declined "a declined card"
expect_status 422 POST /api/v1/gateway/test/charges \
    '{"customer_ref":"C003","amount":"50.00","card":"5555555555554444"}'
expect_status 422 POST /api/v1/gateway/test/charges \
    '{"customer_ref":"NOPE","amount":"50.00","card":"4242424242424242"}'
expect_eq "$(db_query "SELECT COUNT(*) FROM payments")|$(db_query "SELECT COUNT(*) FROM journal_lines")" \
    "$NPAY|$NLINES" "declined and refused charges post nothing"
expect_status 201 POST /api/v1/gateway/test/charges \
    '{"customer_ref":"C001","amount":"25.00","method":"bank","invoice_number":"INV-H1"}'
expect_eq "$(jget "$T/body" 'd["method"]')/$(jget "$T/body" 'd["allocations"][0]["invoice_number"]')" \
    "sepa/INV-H1" "a bank transfer: sepa, applied to the invoice named"
TOKEN=$ADMIN
expect_exit 0 owed org show
expect_contains "$T/out" "gateway-secret: set" "the first test charge made a gateway secret"
expect_not_contains "$T/out" "whsec_" "org show does not show it"
expect_status 200 GET /api/v1/org
expect_eq "$(jget "$T/body" 'd["gateway_secret_set"]')" true "GET /api/v1/org says it is set"
expect_not_contains "$T/body" "whsec_" "and not what it is"

# ---- Stripe ----

GW_SECRET=whsec_owed_test_gateway_0123456789
expect_exit 0 owed org set --gateway-secret "$GW_SECRET"
expect_not_contains "$T/out" "$GW_SECRET" "org set does not echo the secret"
expect_exit 3 owed org set --gateway-secret short
NOW=$(date +%s)

# event FILE ID TYPE OBJECT: a Stripe-shaped event.
event() {
    printf '{"id":"%s","object":"event","type":"%s","created":%s,"data":{"object":%s}}' \
        "$2" "$3" "$NOW" "$4" >"$1"
}
# sign FILE SECRET TIMESTAMP: the Stripe-Signature value.
sign() {
    /usr/bin/python3 -c '
import hashlib, hmac, sys
body = open(sys.argv[1], "rb").read()
t = sys.argv[3]
print("t=%s,v1=%s" % (t, hmac.new(sys.argv[2].encode(), t.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()))' "$@"
}
# gw WANT ORG FILE [SIGNATURE]: POSTs the file as it is, without a token.
gw() {
    local want=$1 org=$2 file=$3 sig=${4-}
    local saved=$TOKEN args=(-H "Content-Type: application/json" --data-binary "@$file")
    TOKEN=""
    [ -n "$sig" ] && args+=(-H "Stripe-Signature: $sig")
    expect_status "$want" POST "/api/v1/gateway/stripe/$org" "" "${args[@]}"
    TOKEN=$saved
}

say "Stripe: a signed payment_intent.succeeded posts a payment, once"
event "$T/e1.json" evt_1 payment_intent.succeeded \
    '{"id":"pi_1","object":"payment_intent","amount":12345,"currency":"usd","metadata":{"customer_ref":"C001","invoice_number":"INV-1001"}}'
SIG1=$(sign "$T/e1.json" "$GW_SECRET" "$NOW")
gw 200 1 "$T/e1.json" "$SIG1"
expect_eq "$(jget "$T/body" 'd["outcome"]')/$(jget "$T/body" 'd["payment_ref"]')" "posted/stripe:pi_1" \
    "posted as stripe:pi_1"
expect_status 200 GET "/api/v1/payments?ref=stripe:pi_1"
expect_eq "$(jget "$T/body" '[(p["amount"], p["currency"], p["method"], p["channel"]) for p in d["data"]]')" \
    '[["123.45", "USD", "card", "gateway"]]' "123.45 USD by card through the gateway"
PI1=$(jget "$T/body" 'd["data"][0]["id"]')
expect_status 200 GET "/api/v1/payments/$PI1"
expect_eq "$(jget "$T/body" '[(a["invoice_number"], a["amount"]) for a in d["allocations"]]')" \
    '[["INV-1001", "123.45"]]' "applied to the invoice of its metadata"
NPAY=$(db_query "SELECT COUNT(*) FROM payments")
NLINES=$(db_query "SELECT COUNT(*) FROM journal_lines")
gw 200 1 "$T/e1.json" "$SIG1"
expect_eq "$(jget "$T/body" 'd["replayed"]')" true "a replay of the event is answered 200"
expect_eq "$(db_query "SELECT COUNT(*) FROM payments")|$(db_query "SELECT COUNT(*) FROM journal_lines")" \
    "$NPAY|$NLINES" "and posts nothing"

say "Stripe: bad, missing and stale signatures; unknown organizations"
gw 400 1 "$T/e1.json" "$(sign "$T/e1.json" whsec_not_the_secret_000000 "$NOW")"
expect_eq "$(jget "$T/body" 'd["code"]')|$(jget "$T/body" 'd["detail"]')" \
    "invalid_signature|signature verification failed" "a wrong secret: 400, no hint beyond signature"
gw 400 1 "$T/e1.json"
expect_eq "$(jget "$T/body" 'd["detail"]')" "signature verification failed" "no signature: the same answer"
event "$T/e2.json" evt_2 payment_intent.succeeded \
    '{"id":"pi_2","object":"payment_intent","amount":10000,"currency":"usd","metadata":{"customer_ref":"C001","invoice_number":"INV-1001"}}'
gw 400 1 "$T/e2.json" "$SIG1"
expect_eq "$(jget "$T/body" 'd["detail"]')" "signature verification failed" "another body under a signature: the same"
gw 400 1 "$T/e2.json" "$(sign "$T/e2.json" "$GW_SECRET" $((NOW - 600)))"
expect_eq "$(jget "$T/body" 'd["detail"]')" "signature verification failed" "ten minutes old: the same"
gw 400 1 "$T/e2.json" "t=$NOW,v1=zz"
gw 404 99 "$T/e2.json" "$(sign "$T/e2.json" "$GW_SECRET" "$NOW")"
gw 404 abc "$T/e2.json" "$(sign "$T/e2.json" "$GW_SECRET" "$NOW")"
expect_status 200 GET "/api/v1/payments?ref=stripe:pi_2"
expect_eq "$(jget "$T/body" 'len(d["data"])')" 0 "none of them posted anything"

say "Stripe: other events are ignored, malformed ones refused"
event "$T/e3.json" evt_3 customer.created '{"id":"cus_1","object":"customer"}'
gw 200 1 "$T/e3.json" "$(sign "$T/e3.json" "$GW_SECRET" "$NOW")"
expect_eq "$(jget "$T/body" 'd["ignored"]')" true "customer.created: ignored"
printf '{"id":"evt_4","type":' >"$T/e4.json"
gw 400 1 "$T/e4.json" "$(sign "$T/e4.json" "$GW_SECRET" "$NOW")"
expect_eq "$(jget "$T/body" 'd["code"]')" malformed_event "signed, but not JSON"
event "$T/e5.json" evt_5 payment_intent.succeeded \
    '{"id":"pi_5","amount":100,"currency":"usd","metadata":{"customer_ref":"NOPE"}}'
gw 422 1 "$T/e5.json" "$(sign "$T/e5.json" "$GW_SECRET" "$NOW")"
expect_contains "$T/body" "no customer 'NOPE'"
gw 422 1 "$T/e5.json" "$(sign "$T/e5.json" "$GW_SECRET" "$NOW")"
expect_contains "$T/body" "no customer 'NOPE'" "a refused event is not marked handled: retried, refused again"

say "Stripe: charge.refunded, in part and in full"
gw 200 1 "$T/e2.json" "$(sign "$T/e2.json" "$GW_SECRET" "$NOW")"
event "$T/r1.json" evt_r1 charge.refunded \
    '{"id":"ch_2","object":"charge","payment_intent":"pi_2","amount":10000,"amount_refunded":3000,"currency":"usd","refunded":false}'
gw 200 1 "$T/r1.json" "$(sign "$T/r1.json" "$GW_SECRET" "$NOW")"
expect_eq "$(jget "$T/body" 'd["outcome"]')" refunded "a partial refund"
expect_status 200 GET "/api/v1/payments?ref=stripe:pi_2"
expect_eq "$(jget "$T/body" '[(p["applied"], p["refunded"], p["unapplied"]) for p in d["data"]]')" \
    '[["70.00", "30.00", "0.00"]]' "30.00 refunded, 70.00 stays applied"
event "$T/r2.json" evt_r2 charge.refunded \
    '{"id":"ch_1","object":"charge","payment_intent":"pi_1","amount":12345,"amount_refunded":12345,"currency":"usd","refunded":true}'
gw 200 1 "$T/r2.json" "$(sign "$T/r2.json" "$GW_SECRET" "$NOW")"
expect_status 200 GET "/api/v1/payments?ref=stripe:pi_1"
expect_eq "$(jget "$T/body" '[(p["applied"], p["refunded"], p["unapplied"]) for p in d["data"]]')" \
    '[["0.00", "123.45", "0.00"]]' "a full refund reverses the payment"
NLINES=$(db_query "SELECT COUNT(*) FROM journal_lines")
gw 200 1 "$T/r2.json" "$(sign "$T/r2.json" "$GW_SECRET" "$NOW")"
expect_eq "$(jget "$T/body" 'd["replayed"]')|$(db_query "SELECT COUNT(*) FROM journal_lines")" \
    "true|$NLINES" "the refund replayed changes nothing"
event "$T/r3.json" evt_r3 charge.refunded \
    '{"id":"ch_9","payment_intent":"pi_unknown","amount_refunded":100,"refunded":true}'
gw 422 1 "$T/r3.json" "$(sign "$T/r3.json" "$GW_SECRET" "$NOW")"
expect_contains "$T/body" "has not arrived" "a refund of a payment owed never saw"
expect_exit 0 owed check
expect_status 200 GET /api/v1/audit
expect_contains "$T/body" '"actor":"gateway"' "the audit trail names the gateway"

say "gateway payments are events too"
expect_exit 0 owed outbox send
verify_hooks /b "$B_SECRET" >"$T/b.txt"
expect_not_contains "$T/b.txt" "BAD" "every signature to B verifies"
expect_true "B was told of the gateway's payments" /usr/bin/python3 - "$T/hooks" <<'PY'
import glob, json, sys
refs = {json.load(open(f))["data"].get("ref") for f in glob.glob(sys.argv[1] + "/*.json")}
assert {"stripe:pi_1", "stripe:pi_2"} <= refs, refs
PY

say "promise.broken: told by the dunning run that finds it"
expect_exit 0 owed promise add --invoice INV-1002 --date 2026-07-10 --amount 10.00 --as-of 2026-07-01
expect_exit 0 owed org set --mail-from 'AR <ar@example.com>'
expect_exit 0 owed dunning run --as-of 2026-07-20
run owed outbox send # reminder emails have no SMTP server here: they wait
verify_hooks /b "$B_SECRET" >"$T/b.txt"
expect_not_contains "$T/b.txt" "BAD" "every signature to B verifies"
expect_true "B was told of the broken promise" /usr/bin/python3 - "$T/hooks" <<'PY'
import glob, json, sys
evs = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json"))]
broken = [e["data"] for e in evs if e["type"] == "promise.broken"]
assert len(broken) == 1, broken
b = broken[0]
assert b["invoice_number"] == "INV-1002" and b["status"] == "broken", b
assert b["promised_date"] == "2026-07-10" and b["amount"] == "10.00", b
PY

say "invoice.overdue: the scheduler's daily job, once per invoice"
d() { date -u -d "$1 days" +%F; }
expect_status 201 POST /api/v1/invoices \
    "{\"invoice_number\":\"INV-OD1\",\"customer_ref\":\"C001\",\"issue_date\":\"$(d -40)\",\"due_date\":\"$(d -3)\",\"amount\":\"10.00\"}"
expect_status 201 POST /api/v1/invoices \
    "{\"invoice_number\":\"INV-OD2\",\"customer_ref\":\"C001\",\"issue_date\":\"$(d -60)\",\"due_date\":\"$(d -45)\",\"amount\":\"10.00\"}"
expect_status 201 POST /api/v1/invoices \
    "{\"invoice_number\":\"INV-OD3\",\"customer_ref\":\"C001\",\"issue_date\":\"$(d -40)\",\"due_date\":\"$(d -2)\",\"amount\":\"10.00\"}"
expect_exit 0 owed pay --ref PAY-OD3 --customer C001 --amount 10.00 --invoice INV-OD3 --date "$(d -1)"
stop_server
expect_eq "$SERVER_RC" 0 "the server stops cleanly (status 0)"
# Pinned to midnight: the day's dunning (06:00) stays away, the overdue job does not.
OWED_TODAY=$(d 0) start_server --tick 1
overdue() {
    /usr/bin/python3 - "$T/hooks" <<'PY'
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    e = json.load(open(f))
    if e["type"] == "invoice.overdue":
        print(json.load(open(f[:-5] + ".headers"))["path"], e["data"]["number"], e["data"]["open"])
PY
}
for _ in $(seq 1 100); do
    [ "$(overdue | wc -l)" -ge 2 ] && break
    sleep 0.1
done
sleep 2 # two more ticks: nothing more may come
overdue | sort >"$T/overdue.txt"
printf '/a INV-OD1 10.00\n/b INV-OD1 10.00\n' >"$T/overdue.want"
expect_same "$T/overdue.want" "$T/overdue.txt" \
    "INV-OD1 overdue, told once to A and B; not INV-OD2 (too long ago) nor INV-OD3 (paid)"
verify_hooks /a "$A_SECRET" >"$T/a.txt"
expect_not_contains "$T/a.txt" "BAD" "the scheduler's deliveries are signed too"
stop_server
expect_eq "$SERVER_RC" 0 "the server stops cleanly (status 0)"
OWED_TODAY=$(d 0) start_server --tick 1
sleep 2
overdue | sort >"$T/overdue.txt"
expect_same "$T/overdue.want" "$T/overdue.txt" "a restarted server does not tell it again"

stop_server
expect_eq "$SERVER_RC" 0 "the server stops cleanly (status 0)"
finish
