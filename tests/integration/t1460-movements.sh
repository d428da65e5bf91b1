#!/bin/bash
# owed import movements: the cash commands from CSV in one transaction; every row's messages
# prefixed with its line; a second import skips every row; a refused row rejects the whole
# file with each problem listed and the database unchanged.
. "$(dirname "$0")/lib.sh"

D=$OWED_TESTDATA/movements
export OWED_DB=$TEST_DB OWED_TODAY=2026-03-01
expect_exit 0 owed init
expect_exit 0 owed import customers "$D/customers.csv"
expect_exit 0 owed import invoices "$D/invoices.csv"

say "a bad file changes nothing and names every problem"
db_digest >"$T/before"
expect_exit 3 owed import movements "$D/bad.csv"
expect_line "$T/err" "owed: $D/bad.csv:3: apply: P9 has nothing unapplied"
expect_line "$T/err" "owed: $D/bad.csv:4: fly: 'fly' is not an action (pay, apply, unapply, credit-note, write-off, reverse, refund)"
expect_line "$T/err" "owed: $D/bad.csv: rejected (2 bad rows); nothing was imported"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "database unchanged"

say "every command once"
expect_exit 0 owed import movements "$D/movements.csv"
cat >"$T/want" <<OUT
2: payment P1 recorded: 490.00 EUR from C1
2: applied 490.00 EUR to INV-2 (closed)
2: discount 10.00 EUR on INV-2: paid 2026-02-15, within the discount window of 2/10 NET30
3: payment P2 recorded: 1,200.00 EUR from C1
3: applied 1,000.00 EUR to INV-1 (closed)
3: 200.00 EUR of P2 stays unapplied on account
4: credit note CN-1: 50.00 EUR for C2
4: applied 50.00 EUR to INV-4 (150.00 still open)
5: written off 150.00 EUR of INV-4 to bad debt (WO-1): insolvent
6: refunded 50.00 EUR of P2 (150.00 EUR left on account)
7: unapplied 1,000.00 EUR of P2 from INV-1
7: reversed payment P2: 1,150.00 EUR taken out of cash
7: fee 25.00 EUR charged as invoice FEE-P2, due now
$D/movements.csv: 6 rows: 6 carried out, 0 already imported
OUT
expect_same "$T/want" "$T/out" "what each row did"
expect_exit 0 owed check
expect_exit 0 owed aging --as-of 2026-03-01 --format csv
cat >"$T/want" <<'CSV'
customer_ref,customer_name,currency,current,d1_30,d31_60,d61_90,d91_plus,unapplied,total
C1,Acme GmbH,EUR,1000.00,25.00,0.00,0.00,0.00,0.00,1025.00
C2,Beta Ltd,EUR,0.00,300.00,0.00,0.00,0.00,0.00,300.00
CSV
expect_same "$T/want" "$T/out" "aging after the movements"

say "importing again changes nothing"
db_digest >"$T/before"
expect_exit 0 owed import movements "$D/movements.csv"
expect_line "$T/out" "$D/movements.csv: 6 rows: 0 carried out, 6 already imported"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "database unchanged by the second import"

finish
