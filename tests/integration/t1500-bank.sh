#!/bin/bash
# owed bank: a hand-written camt.053 statement is imported, sure credits are posted (an
# early-payment discount, one payment for two invoices), the others wait for review with
# suggestions; an overlapping CSV statement adds only what is new and is matched through
# the payer learned from the first; confirm and reject settle the queue; a malformed file
# changes nothing; the ledger stays consistent throughout.
. "$(dirname "$0")/lib.sh"

D=$OWED_TESTDATA/bankflow
export OWED_DB=$TEST_DB OWED_TODAY=2026-06-02
expect_exit 0 owed init
expect_exit 0 owed import customers "$D/customers.csv"
expect_exit 0 owed import invoices "$D/invoices.csv"

say "parse prints what was read, without a database"
expect_exit 0 owed bank parse "$D/statement.camt053.xml" --format json
expect_contains "$T/out" '"format": "camt.053"'
expect_contains "$T/out" '"account": "DE89370400440532013000"'
expect_contains "$T/out" '"amount": "980.00"'
expect_contains "$T/out" '"remittance": "Rechnung INV-1001 abzgl. 2% Skonto"'
expect_contains "$T/out" '"direction": "debit"'

say "import: two posted, two to review, the debit kept"
expect_exit 0 owed bank import "$D/statement.camt053.xml"
expect_contains "$T/out" "5 entries: 5 new, 0 already imported; 1 debits kept; 2 matched and posted, 2 to review, 0 unmatched"
expect_exit 0 owed check
expect_exit 0 owed bank entries --format csv
cat >"$T/want" <<'CSV'
entry_id,statement_id,value_date,amount,currency,status,customer_ref,invoice_numbers,score
1,1,2026-05-29,980.00,EUR,matched,C100,INV-1001,98
2,1,2026-06-01,960.00,EUR,matched,C200,INV-2001 INV-2002,98
3,1,2026-06-01,99.90,EUR,review,C300,INV-3002,60
4,1,2026-06-01,500.00,EUR,review,C300,INV-3001,70
5,1,2026-06-01,-12.50,EUR,ignored,,,0
CSV
expect_same "$T/want" "$T/out" "entries as CSV"

say "the discount was taken and posted as such"
expect_exit 0 owed customer show C100 --format json
expect_contains "$T/out" '"method": "discount"'
expect_eq "$(db_query "SELECT amount_minor FROM payments WHERE kind = 3")" 2000 "discount 20.00 recorded"
expect_exit 0 owed aging --as-of 2026-06-02 --format csv
expect_not_contains "$T/out" "C200," "C200 paid in full by one transfer"

say "the review queue explains its suggestions"
expect_exit 0 owed bank review
expect_contains "$T/out" "1. C300  score 70  INV-3001 500.00  (number_exact, customer_name, partial)"
expect_contains "$T/out" "1. C300  score 60  INV-3002 99.90  (amount_exact)"

say "importing again adds nothing"
db_digest >"$T/before"
expect_exit 0 owed bank import "$D/statement.camt053.xml"
expect_contains "$T/out" "5 entries: 0 new, 5 already imported"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "database unchanged by the second import"

say "an overlapping CSV statement: the shared entry is skipped, the new one matched by payer and amount"
expect_exit 0 owed bank import "$D/overlap.csv"
expect_contains "$T/out" "2 entries: 1 new, 1 already imported; 0 debits kept; 1 matched and posted"
expect_exit 0 owed bank entries --status matched
expect_line "$T/out" "6,2,2026-06-02,250.00,EUR,matched,C100,INV-1002,90" \
    "the payer's name and the only open amount of 250.00 of that customer"

say "confirm and reject"
expect_exit 0 owed bank confirm 4
expect_contains "$T/out" "applied 500.00 EUR to INV-3001 (231.20 still open)"
expect_exit 3 owed bank confirm 4
expect_contains "$T/err" "bank entry 4 is confirmed, not waiting for review"
expect_exit 0 owed bank reject 3
expect_exit 0 owed bank entries
expect_line "$T/out" "4,1,2026-06-01,500.00,EUR,confirmed,C300,INV-3001,70"
expect_line "$T/out" "3,1,2026-06-01,99.90,EUR,rejected,,,60"
say "confirming taught owed the payer of entry 4"
expect_eq "$(db_query "SELECT COUNT(*) FROM bank_payers WHERE customer_id = 3")" 1 "one payer key (the name)"
expect_exit 0 owed bank review
expect_line "$T/out" "the review queue is empty"
expect_exit 0 owed check
expect_exit 0 owed match --report
expect_contains "$T/out" "auto-matched          3 (60.0%)"
expect_contains "$T/out" "confirmed by people   1"

say "a bank's own CSV through a saved column mapping"
expect_exit 3 owed bank import "$D/sparkasse.csv"
expect_contains "$T/err" "sparkasse.csv:1: the CSV header matches neither owed's bank CSV nor a saved mapping"
expect_exit 0 owed bank mapping save sparkasse "$D/sparkasse.json"
expect_exit 0 owed bank parse "$D/sparkasse.csv" --mapping sparkasse --format json
expect_contains "$T/out" '"amount": "99.90"'
expect_contains "$T/out" '"value_date": "2026-06-03"'
expect_exit 0 owed bank import "$D/sparkasse.csv"
expect_contains "$T/out" "2 entries: 2 new, 0 already imported; 1 debits kept; 1 matched and posted"
expect_exit 0 owed bank entries --status matched
expect_line "$T/out" "7,3,2026-06-03,99.90,EUR,matched,C300,INV-3002,100"
expect_exit 0 owed check

say "a malformed statement is rejected whole"
db_digest >"$T/before"
expect_exit 3 owed bank import "$D/broken.camt053.xml"
expect_contains "$T/err" "broken.camt053.xml:Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt: not a decimal amount"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "database unchanged"

finish
