#!/bin/bash
# Two owed processes import into the same database at once. Writers of one organization
# take turns (SQLite's write lock; a PostgreSQL advisory lock), so both imports succeed and
# the ledger stays green; when both bring the same invoice number with different content,
# exactly one row survives and the loser gets a clear error.
. "$(dirname "$0")/lib.sh"

expect_exit 0 owed gen --customers 200 --invoices 20000 --seed 5 --out data
expect_exit 0 owed init
expect_exit 0 owed import customers data/customers.csv

say "two different invoice files at once"
head -n 1 data/invoices.csv >a.csv
cp a.csv b.csv
tail -n +2 data/invoices.csv | awk 'NR % 2 == 1' >>a.csv
tail -n +2 data/invoices.csv | awk 'NR % 2 == 0' >>b.csv
"$OWED" import invoices a.csv >a.out 2>a.err &
pa=$!
"$OWED" import invoices b.csv >b.out 2>b.err &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
expect_eq "$ra $rb" "0 0" "both imports succeed"
expect_contains a.out "10000 new invoices" "the first file's rows are all in"
expect_contains b.out "10000 new invoices" "the second file's rows are all in"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices")" 20000 "20,000 invoices, none twice"
expect_exit 0 owed check
expect_contains "$T/out" "ledger ok" "the ledger is green after concurrent imports"

say "the same invoice number from two processes"
cust=$(sed -n 2p data/customers.csv | cut -d, -f1)
cur=$(sed -n 2p data/customers.csv | awk -F, '{ print $(NF-2) }')
printf 'invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number\n' >r1.csv
cp r1.csv r2.csv
echo "RACE-1,$cust,2026-06-01,2026-07-01,,100,first" >>r1.csv
echo "RACE-1,$cust,2026-06-01,2026-07-01,,200,second" >>r2.csv
"$OWED" import invoices r1.csv >r1.out 2>r1.err &
p1=$!
"$OWED" import invoices r2.csv >r2.out 2>r2.err &
p2=$!
wait "$p1"; c1=$?
wait "$p2"; c2=$?
outcome=$(printf '%s\n' "$c1" "$c2" | sort | tr '\n' ' ')
expect_eq "$outcome" "0 3 " "one import wins (exit 0), the other is rejected (exit 3)"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices WHERE invoice_number = 'RACE-1'")" 1 \
    "exactly one RACE-1 row"
cat r1.err r2.err >race.err
expect_contains race.err "RACE-1 is already recorded with a different" \
    "the loser is told why, naming the invoice"
expect_exit 0 owed check
expect_contains "$T/out" "ledger ok" "the ledger is green after the race"

finish
