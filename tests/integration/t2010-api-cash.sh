#!/usr/bin/env bash
# The cash API: payments recorded and applied (a list, oldest first, the one exact
# invoice, on account), applied later, unapplied, refunded, reversed with a fee; credit
# notes and write-offs; every change checked against what `owed customer show` and
# `owed aging` print afterwards. Then validation (422 naming the field, 400 for broken
# JSON, amounts never JSON numbers), roles (a viewer changes nothing), Idempotency-Key
# (a replay answers the same bytes; a ref derived from the key survives a lost answer),
# SQL metacharacters stored verbatim, and bank statements uploaded, listed, confirmed and
# rejected.
. "$(dirname "$0")/lib.sh"

setup_db basic
export OWED_TODAY=2026-07-15 # the server's "today" too: the default of every date
MANAGER=$(make_user manager@example.com manager)
VIEWER=$(make_user viewer@example.com viewer)
mkdir -p "$T/srvtmp"
TMPDIR="$T/srvtmp" start_server --no-scheduler
TOKEN=$MANAGER

# open_of CUSTOMER INVOICE: the invoice's open amount as `owed customer show` prints it.
open_of() {
    owed customer show "$1" --format json >"$T/cust.json" || echo "customer show $1 failed"
    jget "$T/cust.json" "next((i['open'] for i in d['invoices'] if i['invoice_number'] == '$2'), 'absent')"
}
count_ref() { db_query "SELECT COUNT(*) FROM payments WHERE payment_ref = '$1'"; }
field() { jget "$T/body" "$1"; }

say "POST /api/v1/payments: applied to a list of invoices"
PAY1='{"ref":"API-P1","customer_ref":"C001","date":"2026-07-10","amount":"800.00","method":"wire","channel":"bank","apply":"list","targets":[{"invoice_number":"INV-1008"}]}'
expect_status 201 POST /api/v1/payments "$PAY1"
P1=$(field 'd["id"]')
expect_contains "$T/headers" "Location: /api/v1/payments/$P1"
expect_eq "$(field '[d["ref"], d["customer_ref"], d["received_date"], d["amount"], d["applied"], d["unapplied"], d["method"], d["channel"], d["kind"]]')" \
    '["API-P1", "C001", "2026-07-10", "800.00", "800.00", "0.00", "wire", "bank", "cash"]' \
    "the payment as GET /api/v1/payments/{id} shows it"
expect_eq "$(field '[(a["invoice_number"], a["amount"]) for a in d["allocations"]]')" '[["INV-1008", "800.00"]]' \
    "applied to INV-1008"
expect_eq "$(field 'd["result"]')" \
    '["payment API-P1 recorded: 800.00 USD from C001", "applied 800.00 USD to INV-1008 (closed)"]' \
    "the use case's report lines"
expect_eq "$(open_of C001 INV-1008)" 0.00 "INV-1008 is closed (owed customer show)"
expect_status 200 GET "/api/v1/payments/$P1"
expect_eq "$(field 'd["applied"]')" 800.00 "GET shows the same payment"

say "the same payment again: 200, nothing recorded twice; the ref with other content: 409"
expect_status 200 POST /api/v1/payments "$PAY1"
expect_eq "$(field '[d["id"], d["result"]]')" "[$P1, [\"payment API-P1 is already recorded: nothing changed\"]]" \
    "the payment already recorded"
expect_not_contains "$T/headers" "Location:"
expect_eq "$(count_ref API-P1)" 1 "one payment API-P1"
expect_status 409 POST /api/v1/payments '{"ref":"API-P1","customer_ref":"C001","date":"2026-07-10","amount":"801.00"}'
expect_eq "$(field 'd["code"]')" conflict "a different payment under the same ref"

say "apply: oldest first, the one exact invoice, on account"
expect_status 201 POST /api/v1/payments '{"ref":"API-P2","customer_ref":"C001","date":"2026-07-10","amount":"1000.00","apply":"oldest"}'
expect_eq "$(field '[(a["invoice_number"], a["amount"]) for a in d["allocations"]]')" \
    '[["INV-1007", "700.00"], ["INV-1006", "300.00"]]' "the oldest due first: INV-1007, then INV-1006"
expect_eq "$(open_of C001 INV-1007)" 0.00 "INV-1007 closed"
expect_eq "$(open_of C001 INV-1006)" 50.00 "INV-1006 has 50.00 left"
expect_status 201 POST /api/v1/payments '{"ref":"API-P3","customer_ref":"C002","amount":"45.50","method":"card","apply":"exact"}'
expect_eq "$(field '[d["received_date"], [(a["invoice_number"], a["amount"]) for a in d["allocations"]]]')" \
    '["2026-07-15", [["INV-2002", "45.50"]]]' "exact: INV-2002, dated today by default"
expect_eq "$(open_of C002 INV-2002)" 0.00 "INV-2002 closed"
expect_status 201 POST /api/v1/payments '{"ref":"API-P4","customer_ref":"C001","date":"2026-07-10","amount":"300.00","apply":"none"}'
P4=$(field 'd["id"]')
expect_eq "$(field '[d["applied"], d["unapplied"], d["allocations"]]')" '["0.00", "300.00", []]' "none: on account"

say "POST /api/v1/payments/{id}/apply, /unapply, /refund, /reverse"
expect_status 200 POST "/api/v1/payments/$P4/apply" '{"targets":[{"invoice_number":"INV-1004","amount":"150.00"}]}'
expect_eq "$(field '[d["id"], d["applied"], d["unapplied"], d["result"]]')" \
    "[$P4, \"150.00\", \"150.00\", [\"applied 150.00 USD to INV-1004 (250.00 still open)\", \"150.00 USD of API-P4 stays unapplied on account\"]]" \
    "150.00 of API-P4 applied to INV-1004"
expect_eq "$(open_of C001 INV-1004)" 250.00 "INV-1004 has 250.00 open"
expect_status 200 POST "/api/v1/payments/$P4/unapply" '{"invoice_number":"INV-1004"}'
expect_eq "$(field '[d["applied"], d["unapplied"]]')" '["0.00", "300.00"]' "unapplied: all on account again"
expect_eq "$(field '[(a["amount"], a["date"]) for a in d["allocations"]]')" \
    '[["150.00", "2026-07-10"], ["-150.00", "2026-07-15"]]' "a reversing allocation dated today"
expect_eq "$(open_of C001 INV-1004)" 400.00 "INV-1004 open in full again"
expect_status 200 POST "/api/v1/payments/$P4/refund" '{"amount":"20.00","reason":"overpaid"}'
expect_eq "$(field '[d["refunded"], d["unapplied"], d["result"]]')" \
    '["20.00", "280.00", ["refunded 20.00 USD of API-P4 (280.00 USD left on account)"]]' "20.00 refunded"
expect_status 200 POST "/api/v1/payments/$P1/reverse" '{"reason":"cheque returned","fee":"25.00"}'
expect_eq "$(field '[d["applied"], d["refunded"], d["unapplied"]]')" '["0.00", "800.00", "0.00"]' \
    "reversed: nothing applied, the money taken out"
expect_contains "$T/body" "fee 25.00 USD charged as invoice FEE-API-P1"
expect_eq "$(open_of C001 INV-1008)" 800.00 "INV-1008 open again"
expect_eq "$(open_of C001 FEE-API-P1)" 25.00 "the fee invoice is open"
expect_status 200 POST "/api/v1/payments/$P1/reverse" '{}'
expect_eq "$(field 'd["result"]')" '["payment API-P1 was already reversed: nothing changed"]' "reversed once only"

say "POST /api/v1/credit-notes, /api/v1/write-offs"
CN1='{"number":"CN-API-1","invoice_number":"INV-1005","amount":"100.00","reason":"damaged goods"}'
expect_status 201 POST /api/v1/credit-notes "$CN1"
CN1_ID=$(field 'd["id"]')
expect_contains "$T/headers" "Location: /api/v1/payments/$CN1_ID"
expect_eq "$(field '[d["ref"], d["kind"], d["customer_ref"], d["amount"], d["reference"]]')" \
    '["CN-API-1", "credit_note", "C001", "100.00", "damaged goods"]' "the credit note"
expect_eq "$(open_of C001 INV-1005)" 400.00 "INV-1005 reduced by 100.00"
expect_status 200 POST /api/v1/credit-notes "$CN1"
expect_eq "$(field 'd["id"]')" "$CN1_ID" "the same credit note again: nothing new"
expect_eq "$(count_ref CN-API-1)" 1 "one credit note CN-API-1"
EVIL="O'Brien; DROP TABLE payments;--"
expect_status 201 POST /api/v1/credit-notes "{\"number\":\"CN-API-2\",\"customer_ref\":\"C002\",\"amount\":\"10.00\",\"reason\":\"$EVIL\"}"
expect_eq "$(field '[d["unapplied"], d["reference"]]')" "[\"10.00\", \"$EVIL\"]" "credit on account, the reason verbatim"
expect_status 201 POST /api/v1/write-offs '{"ref":"WO-API-1","invoice_number":"INV-1002","reason":"small balance"}'
expect_eq "$(field '[d["ref"], d["kind"], d["amount"], [a["invoice_number"] for a in d["allocations"]]]')" \
    '["WO-API-1", "write_off", "100.00", ["INV-1002"]]' "all that was open written off"
expect_eq "$(open_of C001 INV-1002)" 0.00 "INV-1002 closed"
expect_status 201 POST /api/v1/write-offs '{"invoice_number":"INV-5002","amount":"0.125","reason":"rounding"}' \
    -H "Idempotency-Key: wo-key-1"
WO_REF=$(python3 -c 'import hashlib; print("api-wo-" + hashlib.sha256(b"wo-key-1").hexdigest()[:24])')
expect_eq "$(field '[d["ref"], d["amount"]]')" "[\"$WO_REF\", \"0.125\"]" "a ref-less write-off takes its ref from the Idempotency-Key"
expect_eq "$(open_of C005 INV-5002)" 75.000 "KWD: three decimals"

say "the books afterwards: owed aging and owed check"
expect_exit 0 owed aging --format csv
expect_line "$T/out" "C001,\"Acme, Inc.\",USD,13369.67,1000.00,400.00,450.00,800.00,280.00,15739.67"
expect_line "$T/out" "C005,Gulf Traders,KWD,0.000,75.000,1000.250,0.000,0.000,10.005,1065.245"
expect_exit 0 owed check

say "validation: 400 for broken JSON, 422 naming the field"
expect_status 400 POST /api/v1/payments '{"ref":"X1","customer_ref":'
expect_eq "$(field 'd["code"]')" malformed_json "malformed JSON"
check_422() { # WHAT TEXT METHOD PATH BODY...
    local what=$1 text=$2
    shift 2
    expect_status 422 "$@"
    if [ "$(field 'd["code"]')" = validation_failed ] && grep -Fq -- "$text" "$T/body"; then
        _ok "$what: validation_failed, names $text"
    else
        _not_ok "$what: wanted validation_failed naming $text"
        _show "$T/body"
    fi
}
check_422 "an amount as a JSON number" '"amount: must be a string' \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":12.5}'
check_422 "a target's amount as a JSON number" 'targets[0].amount: must be a string' \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"12.50","targets":[{"invoice_number":"INV-1001","amount":12.5}]}'
check_422 "a refund amount as a JSON number" 'amount: must be a string' \
    POST "/api/v1/payments/$P4/refund" '{"amount":1}'
check_422 "a fee as a JSON number" 'fee: must be a string' \
    POST "/api/v1/payments/$P4/reverse" '{"fee":25}'
check_422 "an unknown field" 'colour: not a field' \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"1.00","colour":"red"}'
check_422 "an unknown field of a target" 'targets[0].note: not a field' \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"1.00","targets":[{"invoice_number":"INV-1001","note":"x"}]}'
check_422 "a missing customer" 'customer_ref: required' POST /api/v1/payments '{"ref":"X1","amount":"1.00"}'
check_422 "a missing amount" 'amount: required' POST /api/v1/payments '{"ref":"X1","customer_ref":"C001"}'
check_422 "no ref and no Idempotency-Key" 'ref: required' \
    POST /api/v1/payments '{"customer_ref":"C001","amount":"1.00"}'
check_422 "a date that does not exist" "date: '2026-02-30' is not a date" \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"1.00","date":"2026-02-30"}'
check_422 "an unknown rule" "apply: 'sometimes'" \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"1.00","apply":"sometimes"}'
check_422 "too many decimals for JPY" "'1000.5' is not a positive amount in JPY" \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C004","amount":"1000.5"}'
check_422 "an unknown method" "unknown method 'bitcoin'" \
    POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"1.00","method":"bitcoin"}'
check_422 "apply without a rule" 'apply: required' POST "/api/v1/payments/$P4/apply" '{}'
check_422 "a refund of more than is unapplied" 'is more than the 280.00 USD unapplied' \
    POST "/api/v1/payments/$P4/refund" '{"amount":"300.00"}'
check_422 "a credit note without a number" 'number: required' \
    POST /api/v1/credit-notes '{"invoice_number":"INV-1001"}'
check_422 "a credit note for nobody" 'invoice_number: required' \
    POST /api/v1/credit-notes '{"number":"CN-X"}'
check_422 "a write-off without a reason" 'reason: required' \
    POST /api/v1/write-offs '{"ref":"WO-X","invoice_number":"INV-1001"}'
check_422 "a write-off without a ref or an Idempotency-Key" 'ref: required' \
    POST /api/v1/write-offs '{"invoice_number":"INV-1001","reason":"x"}'
check_422 "a write-off of more than is open" 'is more than the 1,000.00 USD open on INV-1001' \
    POST /api/v1/write-offs '{"ref":"WO-X","invoice_number":"INV-1001","amount":"1000.01","reason":"x"}'
expect_status 404 POST /api/v1/payments '{"ref":"X1","customer_ref":"C001","amount":"10.00","targets":[{"invoice_number":"INV-NOPE"}]}'
expect_contains "$T/body" "no invoice 'INV-NOPE'"
expect_status 404 POST /api/v1/payments '{"ref":"X1","customer_ref":"C999","amount":"10.00"}'
expect_contains "$T/body" "no customer 'C999'"
expect_eq "$(count_ref X1)" 0 "nothing recorded by the refused payments"
expect_status 404 POST /api/v1/write-offs '{"ref":"WO-X","invoice_number":"INV-NOPE","reason":"x"}'
expect_contains "$T/body" "no invoice 'INV-NOPE'"
expect_status 404 POST /api/v1/credit-notes '{"number":"CN-X","invoice_number":"INV-NOPE"}'
expect_eq "$(count_ref WO-X)$(count_ref CN-X)" 00 "nothing recorded by the refused corrections"
expect_status 404 POST /api/v1/payments/999999/apply '{"apply":"oldest"}'
expect_status 404 POST /api/v1/payments/abc/refund '{}'
expect_status 404 POST /api/v1/payments/0/unapply '{}'

say "roles: a viewer may read but change nothing"
db_digest >"$T/before"
TOKEN=$VIEWER
for route in /api/v1/payments "/api/v1/payments/$P4/apply" "/api/v1/payments/$P4/unapply" \
    "/api/v1/payments/$P4/reverse" "/api/v1/payments/$P4/refund" /api/v1/credit-notes \
    /api/v1/write-offs /api/v1/bank/statements /api/v1/bank/entries/1/confirm \
    /api/v1/bank/entries/1/reject; do
    expect_status 403 POST "$route" '{"ref":"V1","customer_ref":"C001","amount":"1.00"}'
done
expect_status 200 GET /api/v1/bank/entries
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "the viewer's requests changed nothing"
TOKEN=$MANAGER

say "Idempotency-Key: a replay, a reused key, a lost answer"
KEYED='{"customer_ref":"C006","amount":"5.00","method":"ach"}'
KEY_REF=$(python3 -c 'import hashlib; print("api-" + hashlib.sha256(b"pay-key-1").hexdigest()[:24])')
expect_status 201 POST /api/v1/payments "$KEYED" -H "Idempotency-Key: pay-key-1"
cp "$T/body" "$T/first"
expect_eq "$(field 'd["ref"]')" "$KEY_REF" "the ref is derived from the key"
expect_not_contains "$T/headers" "Idempotent-Replayed"
expect_status 201 POST /api/v1/payments "$KEYED" -H "Idempotency-Key: pay-key-1"
expect_same "$T/first" "$T/body" "the replay answers the same bytes"
expect_contains "$T/headers" "Idempotent-Replayed: true"
expect_eq "$(count_ref "$KEY_REF")" 1 "one payment for the key"
expect_status 422 POST /api/v1/payments '{"customer_ref":"C006","amount":"6.00"}' -H "Idempotency-Key: pay-key-1"
expect_eq "$(field 'd["code"]')" idempotency_key_reused "the key with another body"
# The server died after posting but before storing its answer: the key's claim is left
# as idem_begin made it (pending, no answer) and goes stale, so the next try runs the
# handler again, which must find the payment it made instead of making another.
db_query "UPDATE api_idempotency SET state = 1, status = 0, content_type = '', body = substr(body, 1, 0), updated_at = 0 WHERE idem_key = 'pay-key-1'"
expect_status 200 POST /api/v1/payments "$KEYED" -H "Idempotency-Key: pay-key-1"
expect_eq "$(field '[d["ref"], d["amount"], d["result"]]')" \
    "[\"$KEY_REF\", \"5.00\", [\"payment $KEY_REF is already recorded: nothing changed\"]]" \
    "the retried request finds the payment it made"
expect_eq "$(count_ref "$KEY_REF")" 1 "still one payment for the key"

say "SQL metacharacters are data"
expect_status 201 POST /api/v1/payments "{\"ref\":\"API-EVIL\",\"customer_ref\":\"C006\",\"amount\":\"1.00\",\"reference\":\"$EVIL\",\"payer_name\":\"$EVIL\",\"payer_account\":\"x'--\"}"
expect_eq "$(field 'd["reference"]')" "$EVIL" "the reference as sent"
expect_eq "$(db_query "SELECT payer_name FROM payments WHERE payment_ref = 'API-EVIL'")" "$EVIL" "the payer's name stored verbatim"
expect_eq "$(db_query "SELECT payer_account FROM payments WHERE payment_ref = 'API-EVIL'")" "x'--" "the payer's account stored verbatim"
expect_status 200 GET "/api/v1/payments?limit=500"
expect_true "the payments table is intact" test "$(count_ref API-P1)" = 1
expect_exit 0 owed aging --format csv
expect_line "$T/out" "C006,Zero Balance Co,USD,0.00,0.00,0.00,0.00,0.00,6.00,-6.00"

say "POST /api/v1/bank/statements: a CSV statement"
expect_status 201 POST /api/v1/bank/statements "" --data-binary "@$OWED_TESTDATA/bank/sample.csv" -H "Content-Type: text/csv"
expect_eq "$(field '[d["format"], d["statements"], d["entries"], d["inserted"], d["duplicates"], d["ignored"], d["matched"], d["review"], d["unmatched"]]')" \
    '["csv", 2, 4, 4, 0, 1, 0, 1, 2]' "four entries: a debit kept, three credits to review"
expect_status 200 POST /api/v1/bank/statements "" --data-binary "@$OWED_TESTDATA/bank/sample.csv" -H "Content-Type: text/csv"
expect_eq "$(field '[d["inserted"], d["duplicates"]]')" '[0, 4]' "the same statement again adds nothing"
expect_status 200 GET /api/v1/bank/entries
expect_eq "$(field '[(e["entry_ref"], e["amount"], e["currency"], e["direction"], e["status"]) for e in d["data"]]')" \
    '[["R1", "1234.56", "EUR", "credit", "review"], ["R2", "99.50", "EUR", "debit", "ignored"], ["R4", "0.01", "EUR", "credit", "unmatched"], ["R3", "250.00", "GBP", "credit", "unmatched"]]' \
    "every entry listed, in id order"
expect_eq "$(field '[d["data"][0]["counterparty_name"], d["data"][0]["remittance"], d["data"][1]["remittance"]]')" \
    '["ACME, Inc.", "INV-1, INV-2", "Fee \"March\""]' "names and texts as read"
R1=$(field 'd["data"][0]["id"]')
R4=$(field 'd["data"][2]["id"]')
expect_status 200 GET "/api/v1/bank/entries?status=review&limit=2"
expect_eq "$(field '[[e["entry_ref"] for e in d["data"]], d["next_cursor"]]')" "[[\"R1\", \"R4\"], \"$R4\"]" "the review queue, a page of two"
expect_status 200 GET "/api/v1/bank/entries?status=review&cursor=$R4"
expect_eq "$(field '[e["entry_ref"] for e in d["data"]]')" '["R3"]' "the next page"
expect_status 400 GET "/api/v1/bank/entries?status=sometimes"

say "an MT940 statement, and a bank's CSV through a saved mapping"
expect_status 201 POST /api/v1/bank/statements "" --data-binary "@$OWED_TESTDATA/bank/sample.mt940" -H "Content-Type: text/plain"
expect_eq "$(field '[d["format"], d["statements"], d["entries"], d["inserted"], d["ignored"]]')" '["mt940", 2, 3, 3, 2]' \
    "MT940: three entries, a debit and a reversal kept unmatched"
expect_status 422 POST "/api/v1/bank/statements" "" --data-binary "@$OWED_TESTDATA/bankflow/sparkasse.csv" -H "Content-Type: text/csv"
expect_exit 0 owed bank mapping save sparkasse "$OWED_TESTDATA/bankflow/sparkasse.json"
expect_status 201 POST "/api/v1/bank/statements?mapping=sparkasse" "" --data-binary "@$OWED_TESTDATA/bankflow/sparkasse.csv" -H "Content-Type: text/csv"
expect_eq "$(field '[d["format"], d["entries"], d["inserted"], d["ignored"]]')" '["csv", 2, 2, 1]' "?mapping=sparkasse reads the bank's CSV"

say "broken statements: nothing imported, the file named 'statement'"
db_digest >"$T/before"
expect_status 422 POST /api/v1/bank/statements "" --data-binary "@$OWED_TESTDATA/bank/bad-amount.csv" -H "Content-Type: text/csv"
expect_eq "$(field 'd["detail"]')" "statement:3: amount: 1.234.00 is not a decimal amount" "where and why"
expect_status 422 POST /api/v1/bank/statements "" --data-binary "@$OWED_TESTDATA/bank/not-well-formed.camt053.xml" -H "Content-Type: application/xml"
expect_not_contains "$T/body" "owed-statement" "no temporary path in the answer"
expect_status 422 POST /api/v1/bank/statements ""
expect_contains "$T/body" "send the statement file"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "the refused statements changed nothing"
expect_eq "$(ls -A "$T/srvtmp")" "" "no temporary file left behind"

say "confirm and reject"
expect_status 200 POST "/api/v1/bank/entries/$R1/confirm" '{"invoice_numbers":["INV-3003"]}'
expect_eq "$(field '[d["id"], d["status"], d["customer_ref"], d["invoice_numbers"]]')" \
    "[$R1, \"confirmed\", \"C003\", [\"INV-3003\"]]" "R1 confirmed to INV-3003"
expect_contains "$T/body" "applied 500.00 EUR to INV-3003 (closed)"
BANK_PAY=$(field 'd["payment_id"]')
expect_eq "$(open_of C003 INV-3003)" 0.00 "INV-3003 closed"
expect_status 200 GET "/api/v1/payments/$BANK_PAY"
expect_eq "$(field '[d["ref"], d["amount"], d["applied"], d["unapplied"]]')" \
    "[\"BANK-$R1\", \"1234.56\", \"500.00\", \"734.56\"]" "the payment the entry became"
expect_status 422 POST "/api/v1/bank/entries/$R1/confirm" '{}'
expect_contains "$T/body" "is confirmed, not waiting for review"
expect_status 200 POST "/api/v1/bank/entries/$R4/reject" '{}'
expect_eq "$(field 'd["status"]')" rejected "R4 rejected"
check_422 "confirm with an unknown field" 'invoice: not a field' \
    POST "/api/v1/bank/entries/$R4/confirm" '{"invoice":"INV-1"}'
check_422 "confirm with invoice numbers that are not strings" 'invoice_numbers[0]' \
    POST "/api/v1/bank/entries/$R4/confirm" '{"invoice_numbers":[3003]}'
expect_status 404 POST /api/v1/bank/entries/999999/confirm '{}'
expect_status 404 POST /api/v1/bank/entries/999999/reject '{}'
expect_status 200 GET "/api/v1/bank/entries?status=posted"
expect_eq "$(field '[e["entry_ref"] for e in d["data"]]')" '["R1"]' "posted: R1"
expect_status 200 GET "/api/v1/bank/entries?status=rejected"
expect_eq "$(field '[e["entry_ref"] for e in d["data"]]')" '["R4"]' "rejected: R4"
expect_exit 0 owed aging --format csv
expect_line "$T/out" "C003,Café Zürich GmbH,EUR,0.00,0.00,0.00,0.00,0.00,734.56,-734.56"
expect_exit 0 owed check

say "the audit trail keeps the payment before a change"
TOKEN=$(make_user admin@example.com admin)
expect_status 200 GET "/api/v1/audit?limit=500"
expect_true "the reversal of API-P1 is audited with its state before" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["data"] if r["resource"] == "/api/v1/payments/" + sys.argv[2] and
        r["action"] == "POST" and isinstance(r["before"], dict) and
        r["before"].get("applied") == "800.00" and r["after"].get("applied") == "0.00"]
assert len(rows) == 1, d
' "$T/body" "$P1"
finish
