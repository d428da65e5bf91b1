#!/usr/bin/env bash
# The collections and dunning API (src/http/h_collections.c, h_dunning.c) over a real
# `owed serve`: the dunning preview is the CLI's bytes; a run over HTTP fires and queues
# exactly what `owed dunning run` does on a copy of the database; the outbox (list, show,
# send through a real SMTP server, retry and mark-sent after real refusals); holds,
# disputes, promises, plans, notes, calls and tasks, recorded, listed, read and closed;
# customers' profiles and dunning policies with ETag/If-Match and the audit trail of
# their before and after; assignments; the collections report. Validation (422 naming the
# field, 400 for malformed JSON), who may do what (viewer, collector, manager), and text
# with SQL metacharacters stored verbatim.
. "$(dirname "$0")/lib.sh"

setup_db dunning
export OWED_TODAY=2026-07-01
expect_exit 0 owed org set --name "Acme Collections" --mail-from "Acme AR <ar@acme.example>" \
    --out-dir "$T/files"
start_smtp_sink "$T/mail"
GOOD_SMTP=$SMTP_URL
# A second SMTP server that refuses C1's address for good (550): real failed messages.
_start_sink smtp_sink.py "$T/badmail" "$T/bad.port" --fail-rcpt ap@acme.example=550
BAD_SMTP="smtp://127.0.0.1:$(cat "$T/bad.port")"
expect_exit 0 owed org set --smtp-url "$GOOD_SMTP"

ADMIN=$(make_user admin@acme.example admin)
MANAGER=$(make_user manager@acme.example manager)
COLLECTOR=$(make_user collector@acme.example collector)
VIEWER=$(make_user viewer@acme.example viewer)
# The same books for the CLI to run dunning on (copied before the server connects).
CLI_DB=$(copy_db "$TEST_DB" cli)
start_server --no-scheduler
TOKEN=$MANAGER

# jq_is EXPR WANT [WHAT]: a value of the last answer's JSON.
jq_is() { expect_eq "$(jget "$T/body" "$1")" "$2" "${3:-$1 is $2}"; }
# problem STATUS CODE DETAIL-PREFIX METHOD PATH [BODY] [CURL-ARGS...]: the request is
# answered with a problem whose code and the start of whose detail are these.
problem() {
    local status=$1 code=$2 detail=$3
    shift 3
    expect_status "$status" "$@"
    local got
    got=$(jget "$T/body" 'd["code"] + " | " + d["detail"]' 2>/dev/null)
    case "$got" in
    "$code | $detail"*) _ok "$1 $2: $code: $detail..." ;;
    *) _not_ok "$1 $2: wanted $code: $detail..."; _show "$T/body" ;;
    esac
}
# as ROLE-TOKEN CMD...: one request with another token.
as() {
    local saved=$TOKEN
    TOKEN=$1
    shift
    "$@"
    TOKEN=$saved
}
# body KEY VALUE...: a JSON object of string members (any characters, escaped properly).
body() {
    /usr/bin/python3 -c '
import json, sys
print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@"
}
# The current ETag of the last answer.
etag() { sed -n 's/^ETag: \(.*\)\r$/\1/p' "$T/headers"; }
# audit_entry METHOD RESOURCE PYEXPR: PYEXPR on the newest audit entry (admin token) of this
# method and resource, as `a`.
audit_entry() {
    local saved=$TOKEN
    TOKEN=$ADMIN
    api GET "/api/v1/audit?limit=500"
    TOKEN=$saved
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
hits = [a for a in d["data"] if a["action"] == sys.argv[2] and a["resource"] == sys.argv[3]]
a = max(hits, key=lambda a: a["id"])
v = eval(sys.argv[4], {"a": a})
print(v if isinstance(v, str) else json.dumps(v))' "$T/body" "$1" "$2" "$3"
}

# ---------------------------------------------------------------------------------------
say "dunning preview: the very bytes of the CLI"
owed dunning preview --as-of 2026-07-01 --format json >"$T/cli-preview.json"
as "$VIEWER" expect_status 200 GET "/api/v1/dunning/preview?as_of=2026-07-01"
expect_same "$T/cli-preview.json" "$T/body" "GET preview = owed dunning preview --format json"
expect_contains "$T/headers" "Content-Type: application/json"
owed dunning preview --as-of 2026-08-15 --format json >"$T/cli-preview-later.json"
expect_status 200 GET "/api/v1/dunning/preview?as_of=2026-08-15"
expect_same "$T/cli-preview-later.json" "$T/body" "the same on another date"
expect_status 200 GET /api/v1/dunning/preview
expect_same "$T/cli-preview.json" "$T/body" "without as_of: the org's today"
problem 400 bad_parameter "as_of: '2026-13-45' is not a date" GET "/api/v1/dunning/preview?as_of=2026-13-45"

say "a dunning run over HTTP does what the CLI does"
as "$VIEWER" problem 403 forbidden "role viewer may not run dunning" POST /api/v1/dunning/runs '{}'
as "$COLLECTOR" problem 403 forbidden "role collector may not run dunning" POST /api/v1/dunning/runs '{}'
problem 422 validation_failed "as_of: '2026-02-30' is not a date" \
    POST /api/v1/dunning/runs '{"as_of": "2026-02-30"}'
problem 422 validation_failed "as_of: must be a string" POST /api/v1/dunning/runs '{"as_of": 20260701}'
problem 422 validation_failed "when: not a field of this request" POST /api/v1/dunning/runs '{"when": "now"}'
problem 400 malformed_json "the body is not JSON" POST /api/v1/dunning/runs '{"as_of": '
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 0 "nothing ran on a refused request"
expect_status 201 POST /api/v1/dunning/runs '{"as_of": "2026-07-01"}'
jq_is 'd["run_id"]' 1
jq_is 'd["as_of"]' 2026-07-01
jq_is 'd["counts"]' '{"messages": 3, "firings": 5, "already_fired": 0, "charges": 0, "changes": 0}'
expect_true "the run's messages are the preview's" /usr/bin/python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["messages"] == json.load(open(sys.argv[2]))' \
    "$T/body" "$T/cli-preview.json"
expect_exit 0 owed dunning run --as-of 2026-07-01 --format json --db "$CLI_DB"
expect_same "$T/cli-preview.json" "$T/out" "the CLI's run on the copy shows the same messages"
FIRINGS="SELECT invoice_id, step, severity, run_id, message_id, fired_on FROM dunning_firings ORDER BY invoice_id, step"
OUTBOX="SELECT message_id, run_id, customer_id, channel, step, recipient, subject, body, status, attempts FROM outbox ORDER BY message_id"
ITEMS="SELECT item_id, kind, customer_id, invoice_id, status, code, body FROM collection_items ORDER BY item_id"
for q in FIRINGS OUTBOX ITEMS; do
    db_query "${!q}" >"$T/http.$q"
    db_query "${!q}" "$CLI_DB" >"$T/cli.$q"
    expect_same "$T/cli.$q" "$T/http.$q" "$q: the same rows as the CLI's run"
done
expect_eq "$(wc -l <"$T/http.FIRINGS")" 5 "five firings"
expect_status 201 POST /api/v1/dunning/runs '{"as_of": "2026-07-01"}'
jq_is 'd["run_id"]' 2 "running again is another run"
jq_is 'd["counts"]["firings"]' 0 "that fires nothing twice"
jq_is 'd["messages"]' '[]'
expect_eq "$(db_query "SELECT COUNT(*) FROM outbox")" 3 "still three messages"

say "the outbox: list, show, send, retry and mark-sent"
as "$VIEWER" expect_status 200 GET /api/v1/outbox
jq_is '[(m["id"], m["channel"], m["step"], m["status"], m["customer_ref"], m["recipient"]) for m in d["data"]]' \
    '[[1, "email", "late_10", "queued", "C1", "ap@acme.example"], [2, "letter", "late_60", "queued", "C1", "Acme Inc."], [3, "agency", "late_90", "queued", "C2", "agency"]]' \
    "three messages queued, as the CLI lists them"
jq_is '"body" in d["data"][0]' false "a listing leaves the bodies out"
expect_status 200 GET "/api/v1/outbox?status=queued&limit=2"
jq_is '[m["id"] for m in d["data"]]' '[1, 2]' "a page of two"
jq_is 'd["next_cursor"]' 2
expect_status 200 GET "/api/v1/outbox?status=sent"
jq_is 'd["data"]' '[]'
problem 400 bad_parameter "status: 'lost' is not queued" GET "/api/v1/outbox?status=lost"
expect_status 200 GET /api/v1/outbox/1
jq_is 'd["subject"]' "$(db_query "SELECT subject FROM outbox WHERE message_id = 1")" "the subject"
db_query "SELECT body FROM outbox WHERE message_id = 1" >"$T/want-body"
jget "$T/body" 'd["body"]' >"$T/got-body"
expect_same "$T/want-body" "$T/got-body" "the message's body as it will be sent"
problem 404 not_found "no message 99" GET /api/v1/outbox/99
problem 409 conflict "message 1 is queued: only uncertain or failed" POST /api/v1/outbox/1/retry '{}'
for who in VIEWER COLLECTOR; do
    for p in /api/v1/outbox/send /api/v1/outbox/1/retry /api/v1/outbox/1/mark-sent; do
        as "${!who}" problem 403 forbidden "role ${who,,} may not" POST "$p" '{}'
    done
done
expect_exit 0 owed org set --smtp-url "$BAD_SMTP"
problem 422 validation_failed "limit: must be a whole number from 0 to" POST /api/v1/outbox/send '{"limit": -1}'
expect_status 200 POST /api/v1/outbox/send '{}'
jq_is '[d[k] for k in ("sent", "retry", "failed", "uncertain", "requeued")]' '[2, 0, 1, 0, 0]' \
    "the letter and the placement go out; the refused email fails"
jq_is 'd["result"][-1]' "sent 2, to retry 0, failed 1, uncertain 0, requeued 0"
expect_eq "$(head -c 5 "$T/files/letters/letter-2.pdf" 2>&1)" "%PDF-" "the letter file, a PDF"
if command -v pdftotext >/dev/null; then
    pdftotext -layout "$T/files/letters/letter-2.pdf" "$T/letter-2.txt"
    for text in "Acme Inc." "FINAL NOTICE BEFORE COLLECTION PROCEEDINGS" "Dear Acme Inc.," \
        "INV-D" "2026-05-01" "Total (USD)" "400.00"; do
        expect_contains "$T/letter-2.txt" "$text" "the letter: $text"
    done
else
    echo "# skipped: the letter's text (pdftotext is not installed)"
fi
expect_same "$OWED_TESTDATA/dunningflow/placement-3.csv" "$T/files/agency/placement-3.csv" "the placement"
expect_status 200 GET "/api/v1/outbox?status=failed"
jq_is '[(m["id"], m["attempts"]) for m in d["data"]]' '[[1, 1]]' "message 1 failed after one attempt"
expect_contains "$T/body" "550"
expect_status 200 POST /api/v1/outbox/1/retry '{}'
jq_is '[d["status"], d["attempts"], "body" in d]' '["queued", 0, false]' "retry queues it again"
expect_eq "$(audit_entry POST /api/v1/outbox/1/retry 'a["before"]["status"] + " -> " + a["after"]["status"]')" \
    "failed -> queued" "the audit trail has the message before and after"
expect_exit 0 owed org set --smtp-url "$GOOD_SMTP"
expect_status 200 POST /api/v1/outbox/send '{"limit": 10, "lease": 60}'
jq_is '[d["sent"], d["failed"]]' '[1, 0]' "sent on the second try"
expect_same "$OWED_TESTDATA/dunningflow/late_10.eml" "$T/mail/000001.eml" \
    "the email, byte for byte as the CLI's run sends it"
expect_status 200 GET /api/v1/outbox/1
jq_is '[d["status"], d["sent_at"][:10]]' '["sent", "2026-07-01"]'

# ---------------------------------------------------------------------------------------
say "holds"
TOKEN=$COLLECTOR
expect_status 201 POST /api/v1/holds '{"invoice_number": "INV-B", "reason": "customer in talks"}'
jq_is '[d["id"], d["kind"], d["status"], d["code"], d["customer_ref"], d["invoice_number"], d["text"], d["opened_on"], d["closed_on"]]' \
    '[2, "hold", "open", "manual", "C1", "INV-B", "customer in talks", "2026-07-01", null]'
expect_contains "$T/headers" "Location: /api/v1/holds/2"
expect_status 201 POST /api/v1/holds '{"customer_ref": "C2", "reason": "administration", "as_of": "2026-06-30"}'
jq_is '[d["id"], d["invoice_number"], d["invoice_id"], d["opened_on"]]' '[3, null, null, "2026-06-30"]' \
    "a hold on the whole customer, recorded as of a date"
problem 422 validation_failed "reason: required" POST /api/v1/holds '{"invoice_number": "INV-B"}'
problem 422 validation_failed "customer_ref: required (or invoice_number)" POST /api/v1/holds '{"reason": "x"}'
problem 422 validation_failed "as_of: '1 July' is not a date" POST /api/v1/holds \
    '{"customer_ref": "C1", "reason": "x", "as_of": "1 July"}'
problem 404 not_found "no invoice 'INV-Z'" POST /api/v1/holds '{"invoice_number": "INV-Z", "reason": "x"}'
problem 422 validation_failed "invoice INV-B belongs to another customer" POST /api/v1/holds \
    '{"customer_ref": "C2", "invoice_number": "INV-B", "reason": "x"}'
expect_status 200 GET /api/v1/holds
jq_is '[(h["id"], h["code"], h["invoice_number"]) for h in d["data"]]' \
    '[[1, "agency", "INV-E"], [2, "manual", "INV-B"], [3, "manual", null]]' \
    "the live holds: the agency's and ours"
expect_status 200 GET "/api/v1/holds?customer=C1"
jq_is '[h["id"] for h in d["data"]]' '[2]' "one customer's"
problem 404 not_found "no customer 'C9'" GET "/api/v1/holds?customer=C9"
problem 400 bad_parameter "status: 'open' is not live or all" GET "/api/v1/holds?status=open"
expect_status 200 POST /api/v1/holds/2/release '{"text": "talks went well"}'
jq_is '[d["status"], d["closed_on"], d["text"], d["result"]]' \
    '["released", "2026-07-01", "customer in talks\ntalks went well", []]'
expect_eq "$(audit_entry POST /api/v1/holds/2 'a["before"]["status"] + " -> " + a["after"]["status"]')" \
    "open -> released" "the audit trail has the hold before and after"
problem 409 conflict "hold 2 is released: it cannot become released" POST /api/v1/holds/2/release '{}'
problem 404 not_found "no hold 99" POST /api/v1/holds/99/release '{}'
expect_status 200 GET /api/v1/holds
jq_is '[h["id"] for h in d["data"]]' '[1, 3]' "released holds leave the live list"
expect_status 200 GET "/api/v1/holds?status=all&customer=C1"
jq_is '[(h["id"], h["status"]) for h in d["data"]]' '[[2, "released"]]'
expect_status 200 GET "/api/v1/holds?status=all&limit=2"
jq_is '[[h["id"] for h in d["data"]], d["next_cursor"]]' '[[1, 2], "2"]' "a page of two holds"
expect_status 200 GET "/api/v1/holds?status=all&limit=2&cursor=2"
jq_is '[[h["id"] for h in d["data"]], d["next_cursor"]]' '[[3], null]' "the next page ends the listing"
problem 400 bad_cursor "cursor 'x' is not from this listing" GET "/api/v1/holds?cursor=x"
expect_status 200 GET /api/v1/holds/3
jq_is 'd["customer_ref"]' C2
problem 404 not_found "no dispute 3" GET /api/v1/disputes/3
expect_status 200 POST /api/v1/holds/3/release '{}'

say "disputes"
SQLTEXT='Robert'"'"'); DROP TABLE collection_items;-- "50% off" _x_ \ $1 `id` ; DELETE FROM invoices'
expect_status 201 POST /api/v1/disputes \
    "$(body invoice_number INV-C reason pricing amount 100.00 text "$SQLTEXT")"
jq_is '[d["id"], d["kind"], d["status"], d["code"], d["amount"], d["currency"], d["invoice_number"]]' \
    '[4, "dispute", "open", "pricing", "100.00", "USD", "INV-C"]'
jq_is 'd["text"]' "$SQLTEXT" "SQL metacharacters come back verbatim"
expect_eq "$(db_query "SELECT body FROM collection_items WHERE item_id = 4")" "$SQLTEXT" \
    "and are stored verbatim"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices")" 7 "no invoice went anywhere"
expect_status 201 POST /api/v1/disputes '{"invoice_number": "INV-C", "reason": "damaged", "amount": "50.00"}'
jq_is 'd["id"]' 5
expect_status 201 POST /api/v1/disputes '{"invoice_number": "INV-A", "reason": "not_received"}'
jq_is '[d["id"], d["amount"]]' '[6, null]' "a whole-invoice dispute has no amount"
problem 422 validation_failed "reason: 'weather' is not a dispute reason" POST /api/v1/disputes \
    '{"invoice_number": "INV-C", "reason": "weather"}'
problem 422 validation_failed "invoice_number: required" POST /api/v1/disputes '{"reason": "pricing"}'
problem 422 validation_failed "amount: must be a string (amounts are decimal strings" POST /api/v1/disputes \
    '{"invoice_number": "INV-C", "reason": "pricing", "amount": 12.5}'
problem 422 validation_failed "amount: 'twelve' is not a decimal amount" POST /api/v1/disputes \
    '{"invoice_number": "INV-C", "reason": "pricing", "amount": "twelve"}'
problem 422 validation_failed "the disputed amounts add up to more than is open on INV-C" \
    POST /api/v1/disputes '{"invoice_number": "INV-C", "reason": "pricing", "amount": "200.00"}'
problem 422 validation_failed "text: longer than 1999 bytes" POST /api/v1/disputes \
    "{\"invoice_number\": \"INV-C\", \"reason\": \"other\", \"text\": \"$(printf '%02000d' 0)\"}"
problem 400 malformed_json "the body is not JSON" POST /api/v1/disputes '{"invoice_number": "INV-C",}'
problem 415 unsupported_media_type "send the body as application/json" POST /api/v1/disputes "" \
    --data-binary 'invoice_number=INV-C' -H "Content-Type: application/x-www-form-urlencoded"
expect_status 200 POST /api/v1/disputes/4/investigate '{"text": "asked sales"}'
jq_is '[d["status"], d["closed_on"]]' '["investigating", null]'
problem 403 forbidden "role collector may not resolve disputes with a credit note" \
    POST /api/v1/disputes/4/resolve '{"resolution": "credit_note"}'
problem 422 validation_failed "resolution: 'maybe' is not credit_note or upheld" \
    POST /api/v1/disputes/4/resolve '{"resolution": "maybe"}'
problem 422 validation_failed "resolution: required" POST /api/v1/disputes/4/resolve '{}'
as "$MANAGER" expect_status 200 POST /api/v1/disputes/4/resolve '{"resolution": "credit_note", "amount": "80.00"}'
jq_is '[d["status"], d["closed_on"]]' '["resolved_credit", "2026-07-01"]'
expect_contains "$T/body" "CN-DISPUTE-4" "the result names the credit note"
expect_eq "$(db_query "SELECT amount_minor FROM payments WHERE payment_ref = 'CN-DISPUTE-4'")" 8000 \
    "a credit note of 80.00 was posted"
expect_status 200 POST /api/v1/disputes/5/resolve '{"resolution": "upheld", "text": "price list was right"}'
jq_is 'd["status"]' resolved_upheld
expect_status 200 POST /api/v1/disputes/6/reject '{}'
jq_is 'd["status"]' rejected
problem 409 conflict "dispute 6 is rejected: it cannot become investigating" POST /api/v1/disputes/6/investigate '{}'
expect_status 200 GET "/api/v1/disputes?status=all"
jq_is '[(x["id"], x["status"]) for x in d["data"]]' \
    '[[4, "resolved_credit"], [5, "resolved_upheld"], [6, "rejected"]]'
expect_status 200 GET /api/v1/disputes
jq_is 'd["data"]' '[]' "no live disputes"
expect_exit 0 owed check

say "the collections report is the CLI's"
owed dispute report --format json >"$T/cli-report.json"
as "$VIEWER" expect_status 200 GET /api/v1/reports/collections
expect_same "$T/cli-report.json" "$T/body" "GET report = owed dispute report --format json"
jq_is '[(r["reason"], r["disputes"], r["credited"], r["upheld"], r["rejected"]) for r in d["disputes"] if r["disputes"]]' \
    '[["pricing", 1, 1, 0, 0], ["damaged", 1, 0, 1, 0], ["not_received", 1, 0, 0, 1]]'

say "promises to pay"
expect_status 201 POST /api/v1/promises '{"invoice_number": "INV-A", "date": "2026-07-20", "amount": "100.00", "text": "CFO promised"}'
jq_is '[d["id"], d["status"], d["date"], d["amount"], d["currency"]]' '[7, "open", "2026-07-20", "100.00", "USD"]'
expect_status 201 POST /api/v1/promises '{"customer_ref": "C2", "date": "2026-07-15", "amount": "600.00"}'
jq_is '[d["id"], d["invoice_number"], d["currency"]]' '[8, null, "EUR"]' "a promise on the account"
problem 422 validation_failed "date: a promise date cannot be in the past" POST /api/v1/promises \
    '{"invoice_number": "INV-A", "date": "2026-06-01", "amount": "100.00"}'
problem 422 validation_failed "date: required" POST /api/v1/promises '{"invoice_number": "INV-A", "amount": "100.00"}'
problem 422 validation_failed "amount: required" POST /api/v1/promises '{"invoice_number": "INV-A", "date": "2026-07-20"}'
problem 422 validation_failed "date: '2026-7-20' is not a date" POST /api/v1/promises \
    '{"invoice_number": "INV-A", "date": "2026-7-20", "amount": "1.00"}'
problem 422 validation_failed "'1.001' is not an amount above zero" POST /api/v1/promises \
    '{"invoice_number": "INV-A", "date": "2026-07-20", "amount": "1.001"}'
expect_status 200 GET /api/v1/promises
jq_is '[p["id"] for p in d["data"]]' '[7, 8]'
expect_status 200 POST /api/v1/promises/8/cancel '{}'
jq_is '[d["status"], d["closed_on"]]' '["cancelled", "2026-07-01"]'
expect_status 200 POST /api/v1/promises/7/cancel '{"text": "superseded"}'
expect_status 200 GET /api/v1/promises/7
jq_is 'd["text"]' "CFO promised
superseded" "a closing text is added on a line of its own"

say "payment plans"
expect_status 201 POST /api/v1/plans '{"invoice_number": "INV-D", "installments": 2, "first_due": "2026-08-20", "every_days": 14}'
jq_is '[d["id"], d["kind"], d["amount"], d["date"], d["text"]]' \
    '[9, "plan", "400.00", "2026-08-20", "2 installments every 14 days"]'
jq_is '[(i["number"], i["amount"], i["due_date"]) for i in d["installments"]]' \
    '[[1, "200.00", "2026-08-20"], [2, "200.00", "2026-09-03"]]'
expect_contains "$T/headers" "Location: /api/v1/plans/9"
problem 409 conflict "invoice INV-D already has an active plan" POST /api/v1/plans \
    '{"invoice_number": "INV-D", "installments": 3, "first_due": "2026-08-20"}'
problem 422 validation_failed "installments: must be a whole number from 2 to 60" POST /api/v1/plans \
    '{"invoice_number": "INV-D", "installments": 1, "first_due": "2026-08-20"}'
problem 422 validation_failed "installments: must be a whole number from 2 to 60" POST /api/v1/plans \
    '{"invoice_number": "INV-D", "installments": "3", "first_due": "2026-08-20"}'
problem 422 validation_failed "first_due: required" POST /api/v1/plans '{"invoice_number": "INV-D", "installments": 3}'
problem 422 validation_failed "first_due: the first installment cannot be due in the past" POST /api/v1/plans \
    '{"invoice_number": "INV-D", "installments": 3, "first_due": "2026-06-01"}'
expect_status 200 GET "/api/v1/plans?customer=C1"
jq_is '[(p["id"], len(p["installments"])) for p in d["data"]]' '[[9, 2]]'
expect_status 200 POST /api/v1/plans/9/cancel '{}'
jq_is 'd["status"]' cancelled

say "notes and calls"
NOTE="Müller: it's \"paid\"; UPDATE invoices SET amount_minor = 0; -- ' OR '1'='1"
expect_status 201 POST /api/v1/notes "$(body customer_ref C2 text "$NOTE")"
jq_is '[d["id"], d["kind"], d["status"], d["customer_ref"]]' '[12, "note", "done", "C2"]'
jq_is 'd["text"]' "$NOTE" "the note verbatim"
expect_eq "$(db_query "SELECT body FROM collection_items WHERE item_id = 12")" "$NOTE" "stored verbatim"
expect_eq "$(db_query "SELECT SUM(amount_minor) FROM invoices WHERE kind = 1")" 280000 "no invoice changed"
expect_status 201 POST /api/v1/notes '{"customer_ref": "C1", "invoice_number": "INV-A", "text": "sent a copy"}' \
    -H "Idempotency-Key: note-once"
jq_is 'd["id"]' 13
expect_status 201 POST /api/v1/notes '{"customer_ref": "C1", "invoice_number": "INV-A", "text": "sent a copy"}' \
    -H "Idempotency-Key: note-once"
jq_is 'd["id"]' 13 "the same Idempotency-Key records the note once"
expect_contains "$T/headers" "Idempotent-Replayed: true"
problem 422 validation_failed "text: required" POST /api/v1/notes '{"customer_ref": "C1"}'
problem 422 validation_failed "text: must not be empty" POST /api/v1/notes '{"customer_ref": "C1", "text": ""}'
problem 422 validation_failed "colour: not a field of this request" POST /api/v1/notes '{"customer_ref": "C1", "text": "x", "colour": "red"}'
expect_status 200 GET "/api/v1/notes?customer=C2"
jq_is '[n["id"] for n in d["data"]]' '[12]' "notes are listed without ?status=all"
expect_status 201 POST /api/v1/calls '{"customer_ref": "C1", "outcome": "promised", "text": "will pay Friday"}'
jq_is '[d["id"], d["kind"], d["status"], d["code"], d["text"]]' '[14, "call", "done", "promised", "will pay Friday"]'
problem 422 validation_failed "outcome: 'busy' is not a call outcome" POST /api/v1/calls '{"customer_ref": "C1", "outcome": "busy"}'
problem 422 validation_failed "outcome: required" POST /api/v1/calls '{"customer_ref": "C1"}'
expect_status 200 GET /api/v1/calls
jq_is '[(c["id"], c["code"]) for c in d["data"]]' '[[14, "promised"]]'
expect_status 200 GET /api/v1/calls/14
jq_is 'd["customer_ref"]' C1
problem 404 not_found "no call 12" GET /api/v1/calls/12
problem 404 not_found "no such resource" GET /api/v1/calls/abc

# ---------------------------------------------------------------------------------------
say "customer profiles: ETag and If-Match"
expect_status 200 GET /api/v1/customers/2/profile
jq_is 'd' '{"customer_id": 2, "customer_ref": "C2", "segment": "", "lang": "", "phone": "", "address": ""}'
TAG=$(etag)
expect_true "the profile has an ETag" test -n "$TAG"
as "$VIEWER" problem 403 forbidden "role viewer may not change collections profiles" \
    PATCH /api/v1/customers/2/profile '{"segment": "key"}' -H "If-Match: $TAG"
problem 403 forbidden "role collector may not change collections profiles" \
    PATCH /api/v1/customers/2/profile '{"segment": "key"}' -H "If-Match: $TAG"
TOKEN=$MANAGER
problem 428 precondition_required "send If-Match" PATCH /api/v1/customers/2/profile '{"segment": "key"}'
problem 412 precondition_failed "the resource changed since you read it" \
    PATCH /api/v1/customers/2/profile '{"segment": "key"}' -H 'If-Match: "0123456789abcdef"'
problem 422 validation_failed "segment: must be a string" PATCH /api/v1/customers/2/profile '{"segment": 7}' -H "If-Match: $TAG"
problem 422 validation_failed "email: not a field of this request" PATCH /api/v1/customers/2/profile '{"email": "x@y"}' -H "If-Match: $TAG"
problem 422 validation_failed "body: send segment, lang, phone or address" PATCH /api/v1/customers/2/profile '{}' -H "If-Match: $TAG"
ADDRESS="Hauptstr. 1'; DROP TABLE customer_profiles; --"
expect_status 200 PATCH /api/v1/customers/2/profile "$(body segment key lang de address "$ADDRESS")" \
    -H "If-Match: $TAG"
jq_is '[d["segment"], d["lang"], d["phone"], d["address"]]' "[\"key\", \"de\", \"\", \"$ADDRESS\"]"
NEWTAG=$(etag)
expect_true "the change has a new ETag" test -n "$NEWTAG" -a "$NEWTAG" != "$TAG"
expect_eq "$(audit_entry PATCH /api/v1/customers/2/profile '[a["status"], a["before"]["segment"], a["after"]["segment"], a["after"]["address"]]')" \
    "[200, \"\", \"key\", \"$ADDRESS\"]" "the audit trail has the profile before and after"
problem 412 precondition_failed "the resource changed" PATCH /api/v1/customers/2/profile '{"phone": "+49 1"}' -H "If-Match: $TAG"
expect_status 200 PATCH /api/v1/customers/2/profile '{"phone": "+49 30 1234"}' -H "If-Match: $NEWTAG"
jq_is '[d["segment"], d["phone"]]' '["key", "+49 30 1234"]' "a PATCH leaves other fields alone"
problem 404 not_found "no customer 99" PATCH /api/v1/customers/99/profile '{"phone": "1"}' -H "If-Match: *"
expect_status 200 GET /api/v1/customers/2
jq_is '[d["segment"], d["lang"]]' '["key", "de"]' "the customer shows its profile"

say "dunning policies: read, create, update with If-Match"
owed policy show default --format json >"$T/cli-default.json"
as "$VIEWER" expect_status 200 GET /api/v1/dunning/policies/default
expect_same "$T/cli-default.json" "$T/body" "GET the built-in default = owed policy show --format json"
DEFAULT_TAG=$(etag)
expect_status 200 GET /api/v1/dunning/policies
jq_is 'd["data"]' '[{"name": "default", "steps": 6, "stored": false, "default": true, "targets": []}]'
problem 404 not_found "no policy named 'callfirst'" GET /api/v1/dunning/policies/callfirst
CALLFIRST='{"steps": [{"name": "ring", "offset": -8, "channel": "call", "template": "generic"}]}'
as "$VIEWER" problem 403 forbidden "role viewer may not store dunning policies" PUT /api/v1/dunning/policies/callfirst "$CALLFIRST"
as "$COLLECTOR" problem 403 forbidden "role collector may not store dunning policies" PUT /api/v1/dunning/policies/callfirst "$CALLFIRST"
problem 422 validation_failed "body: steps[0].channel: must be email, sms, letter, call or agency" \
    PUT /api/v1/dunning/policies/callfirst '{"steps": [{"name": "ring", "offset": -8, "channel": "fax"}]}'
problem 422 validation_failed "body: steps[1].offset: must be later than the step before" \
    PUT /api/v1/dunning/policies/callfirst \
    '{"steps": [{"name": "a", "offset": 5, "channel": "email"}, {"name": "b", "offset": 5, "channel": "email"}]}'
problem 422 validation_failed "body: colour: unknown field (thank_you, steps)" \
    PUT /api/v1/dunning/policies/callfirst '{"colour": 1, "steps": [{"name": "a", "offset": 5, "channel": "email"}]}'
problem 400 malformed_json "the body is not JSON" PUT /api/v1/dunning/policies/callfirst '{"steps": ['
problem 412 precondition_failed "there is no policy callfirst to match" \
    PUT /api/v1/dunning/policies/callfirst "$CALLFIRST" -H 'If-Match: "0123456789abcdef"'
expect_status 404 GET /api/v1/dunning/policies/callfirst
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_policies")" 0 "nothing stored by refused requests"
expect_status 201 PUT /api/v1/dunning/policies/callfirst "$CALLFIRST"
expect_contains "$T/headers" "Location: /api/v1/dunning/policies/callfirst"
owed policy show callfirst --format json >"$T/cli-callfirst.json"
expect_same "$T/cli-callfirst.json" "$T/body" "the answer is the stored policy, as the CLI shows it"
jq_is 'd["steps"][0]' '{"name": "ring", "offset": -8, "days": "calendar", "channel": "call", "template": "generic", "min_open": 0, "fee": "", "interest": ""}'
CF_TAG=$(etag)
problem 428 precondition_required "send If-Match" PUT /api/v1/dunning/policies/callfirst "$CALLFIRST"
problem 412 precondition_failed "policy callfirst exists (If-None-Match: *)" \
    PUT /api/v1/dunning/policies/callfirst "$CALLFIRST" -H "If-None-Match: *"
CALLFIRST2='{"steps": [{"name": "ring", "offset": -8, "channel": "call", "template": "generic"},
                       {"name": "ring2", "offset": -6, "channel": "call", "template": "generic"}]}'
problem 412 precondition_failed "the resource changed since you read it" \
    PUT /api/v1/dunning/policies/callfirst "$CALLFIRST2" -H "If-Match: $DEFAULT_TAG"
expect_status 200 GET /api/v1/dunning/policies/callfirst
expect_eq "$(etag)" "$CF_TAG" "GET shows the ETag PUT answered with"
expect_status 200 PUT /api/v1/dunning/policies/callfirst "$CALLFIRST2" -H "If-Match: $CF_TAG"
jq_is '[s["name"] for s in d["steps"]]' '["ring", "ring2"]'
expect_true "the update has a new ETag" test "$(etag)" != "$CF_TAG"
expect_eq "$(audit_entry PUT /api/v1/dunning/policies/callfirst '[a["status"], [s["name"] for s in a["before"]["steps"]], [s["name"] for s in a["after"]["steps"]]]')" \
    '[200, ["ring"], ["ring", "ring2"]]' "the audit trail has the policy before and after"
problem 412 precondition_failed "the resource changed" PUT /api/v1/dunning/policies/callfirst "$CALLFIRST" -H "If-Match: $CF_TAG"
expect_status 200 GET /api/v1/dunning/policies
jq_is '[(p["name"], p["steps"], p["stored"]) for p in d["data"]]' '[["default", 6, false], ["callfirst", 2, true]]'

say "assignments: who follows which policy"
as "$VIEWER" problem 403 forbidden "role viewer may not assign dunning policies" POST /api/v1/dunning/assignments \
    '{"policy": "callfirst", "target": "segment:key"}'
as "$COLLECTOR" problem 403 forbidden "role collector may not assign dunning policies" POST /api/v1/dunning/assignments \
    '{"policy": "callfirst", "target": "segment:key"}'
problem 422 validation_failed "target: 'vip' is not default, customer:REF or segment:NAME" \
    POST /api/v1/dunning/assignments '{"policy": "callfirst", "target": "vip"}'
problem 422 validation_failed "policy: no policy named 'nope'" \
    POST /api/v1/dunning/assignments '{"policy": "nope", "target": "segment:key"}'
problem 422 validation_failed "target: no customer 'C9'" \
    POST /api/v1/dunning/assignments '{"policy": "callfirst", "target": "customer:C9"}'
problem 422 validation_failed "policy: required" POST /api/v1/dunning/assignments '{"target": "default"}'
expect_status 201 POST /api/v1/dunning/assignments '{"policy": "callfirst", "target": "segment:key"}'
jq_is 'd' '{"target": "segment:key", "policy": "callfirst"}'
expect_status 201 POST /api/v1/dunning/assignments '{"policy": "callfirst", "target": "customer:C1"}'
expect_status 200 POST /api/v1/dunning/assignments '{"policy": "default", "target": "customer:C1"}'
jq_is 'd["policy"]' default "a second assignment of a target replaces the first"
expect_eq "$(audit_entry POST /api/v1/dunning/assignments/customer:C1 'a["before"]["policy"] + " -> " + a["after"]["policy"]')" \
    "callfirst -> default" "the audit trail has the assignment before and after"
expect_status 200 GET /api/v1/dunning/assignments
jq_is 'd["data"]' '[{"target": "customer:C1", "policy": "default"}, {"target": "segment:key", "policy": "callfirst"}]'
expect_exit 0 owed policy list
expect_line "$T/out" "callfirst  2 steps  segment:key" "the CLI sees the assignment"
for who in VIEWER COLLECTOR; do
    as "${!who}" problem 403 forbidden "role ${who,,} may not unassign dunning policies" \
        DELETE /api/v1/dunning/assignments/customer:C1
done
expect_status 204 DELETE /api/v1/dunning/assignments/customer:C1
expect_true "no body" test ! -s "$T/body"
problem 404 not_found "'customer:C1' has no policy assigned" DELETE /api/v1/dunning/assignments/customer:C1
expect_status 200 GET /api/v1/dunning/assignments
jq_is '[a["target"] for a in d["data"]]' '["segment:key"]'

# ---------------------------------------------------------------------------------------
say "tasks: the segment's call policy opens them"
expect_status 201 POST /api/v1/dunning/runs '{"as_of": "2026-07-02"}'
jq_is '[(m["customer_ref"], m["channel"], m["step"]) for m in d["messages"]]' '[["C2", "call", "ring"]]' \
    "C2 (segment key) follows callfirst"
expect_status 201 POST /api/v1/dunning/runs '{"as_of": "2026-07-03"}'
jq_is '[(m["customer_ref"], m["channel"], m["step"]) for m in d["messages"]]' '[["C2", "call", "ring2"]]'
as "$VIEWER" expect_status 200 GET /api/v1/tasks
jq_is '[(t["id"], t["kind"], t["status"], t["code"], t["customer_ref"], t["date"], t["text"]) for t in d["data"]]' \
    '[[15, "task", "open", "dunning", "C2", "2026-07-02", "Call M\u00fcller GmbH about invoice INV-F."], [16, "task", "open", "dunning", "C2", "2026-07-03", "Call M\u00fcller GmbH about invoice INV-F."]]' \
    "one task per call message, due on its run's date"
TOKEN=$COLLECTOR
problem 422 validation_failed "outcome: 'busy' is not a call outcome" POST /api/v1/tasks/15/done '{"outcome": "busy"}'
expect_status 200 POST /api/v1/tasks/15/done '{"outcome": "reached", "text": "spoke to AP"}'
jq_is '[d["status"], d["code"], d["closed_on"]]' '["done", "reached", "2026-07-01"]'
problem 409 conflict "task 15 is done: it cannot become done" POST /api/v1/tasks/15/done '{}'
expect_status 200 POST /api/v1/tasks/16/cancel '{}'
jq_is 'd["status"]' cancelled
expect_status 200 GET /api/v1/tasks
jq_is 'd["data"]' '[]' "no open tasks"
expect_status 200 GET "/api/v1/tasks?status=all&customer=C2"
jq_is '[(t["id"], t["status"]) for t in d["data"]]' '[[15, "done"], [16, "cancelled"]]'
expect_status 200 GET /api/v1/tasks/16
jq_is 'd["status"]' cancelled

say "mark-sent after a real refusal"
TOKEN=$MANAGER
expect_status 201 POST /api/v1/dunning/runs '{"as_of": "2026-07-08"}'
jq_is '[(m["customer_ref"], m["channel"], m["step"]) for m in d["messages"]]' '[["C1", "email", "due"]]'
MSG=$(db_query "SELECT MAX(message_id) FROM outbox WHERE channel = 1")
expect_exit 0 owed org set --smtp-url "$BAD_SMTP"
expect_status 200 POST /api/v1/outbox/send '{}'
jq_is '[d["sent"], d["failed"]]' '[0, 1]'
expect_status 200 POST "/api/v1/outbox/$MSG/mark-sent" '{}'
jq_is '[d["id"], d["status"], d["sent_at"][:10]]' "[$MSG, \"sent\", \"2026-07-01\"]"
problem 409 conflict "message $MSG is sent: only uncertain or failed" POST "/api/v1/outbox/$MSG/mark-sent" '{}'
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 1 "nothing more reached the good server"

# ---------------------------------------------------------------------------------------
say "a viewer may change nothing here"
TOKEN=$VIEWER
while read -r method path; do
    problem 403 forbidden "role viewer may not" "$method" "$path" '{}'
done <<'ROUTES'
POST /api/v1/holds
POST /api/v1/holds/1/release
POST /api/v1/disputes
POST /api/v1/disputes/4/investigate
POST /api/v1/disputes/4/resolve
POST /api/v1/disputes/4/reject
POST /api/v1/promises
POST /api/v1/promises/7/cancel
POST /api/v1/plans
POST /api/v1/plans/9/cancel
POST /api/v1/notes
POST /api/v1/calls
POST /api/v1/tasks/15/done
POST /api/v1/tasks/15/cancel
PATCH /api/v1/customers/1/profile
POST /api/v1/dunning/runs
POST /api/v1/outbox/send
POST /api/v1/outbox/1/retry
POST /api/v1/outbox/1/mark-sent
PUT /api/v1/dunning/policies/default
POST /api/v1/dunning/assignments
DELETE /api/v1/dunning/assignments/segment:key
ROUTES
say "a collector works accounts, and does not run dunning or change policies"
TOKEN=$COLLECTOR
while read -r method path; do
    problem 403 forbidden "role collector may not" "$method" "$path" '{}'
done <<'ROUTES'
PATCH /api/v1/customers/1/profile
POST /api/v1/dunning/runs
POST /api/v1/outbox/send
POST /api/v1/outbox/1/retry
POST /api/v1/outbox/1/mark-sent
PUT /api/v1/dunning/policies/default
POST /api/v1/dunning/assignments
DELETE /api/v1/dunning/assignments/segment:key
ROUTES
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 5 "no refused request ran dunning"
expect_exit 0 owed check

stop_server
expect_eq "$SERVER_RC" 0 "the server stops cleanly"
finish
