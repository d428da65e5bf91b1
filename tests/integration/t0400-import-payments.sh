#!/bin/bash
# owed import payments: allocation up to the open amount, the rest unapplied; rejections
# (another customer's invoice, dated before the invoice, ...); re-import.
. "$(dirname "$0")/lib.sh"

export OWED_DB="$TEST_DB"
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
expect_exit 0 owed import invoices "$OWED_TESTDATA/basic/invoices.csv"
cp "$OWED_TESTDATA/basic/payments.csv" payments.csv

say "import the basic payments"
expect_exit 0 owed import payments payments.csv
expect_same <(echo "payments.csv: 15 rows: 15 new payments, 0 already recorded; 5 payments left cash unapplied") \
    "$T/out" "summary: P-010 (overpaid), P-011, P-012, P-032, P-041 left cash unapplied"
expect_true "nothing on stderr" test ! -s "$T/err"

allocations() {
    db_query "SELECT p.payment_ref, i.invoice_number,
        $(sql_date a.alloc_date), a.amount_minor
        FROM allocations a JOIN payments p USING (org_id, payment_id)
        JOIN invoices i USING (org_id, invoice_id) ORDER BY p.payment_ref, a.allocation_id"
}
allocations >got
cat >want <<'WANT'
P-001|INV-1011|2026-06-10|15000
P-002|INV-1006|2026-06-20|25000
P-003|INV-1002|2026-06-30|10000
P-004|INV-1003|2026-07-01|30000
P-010|INV-2001|2026-06-15|8000
P-020|INV-3001|2026-06-01|98000
P-021|INV-3002|2026-06-01|200000
P-022|INV-3001|2026-07-01|2000
P-030|INV-4002|2026-06-05|1000000
P-040|INV-5001|2026-06-15|250250
P-050|INV-6001|2026-06-01|10000
WANT
expect_same want got "allocations: each payment applied up to the open amount, dated on receipt (P-010: 80.00 of 100.00)"
expect_eq "$(db_query "SELECT method FROM payments WHERE payment_ref = 'P-050'")" ach \
    "method ACH stored as ach"
expect_eq "$(db_query "SELECT method FROM payments WHERE payment_ref = 'P-012'")" other \
    "blank method stored as other"
expect_exit 0 owed check
expect_contains "$T/out" "ledger ok" "check is green"

say "unapplied cash in aging (received on or before D only) and in customer show"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv
expect_line "$T/out" 'C002,"Bob ""Best"" Supplies",USD,45.50,0.00,0.00,0.00,0.00,50.00,-4.50' \
    "C002 as of 06-30: 20.00 left from P-010 + 30.00 P-011; P-012 (07-05) not yet"
expect_exit 0 owed aging --as-of 2026-07-05 --format csv
expect_line "$T/out" 'C002,"Bob ""Best"" Supplies",USD,0.00,45.50,0.00,0.00,0.00,60.00,-14.50' \
    "C002 as of 07-05: P-012 counts, INV-2002 is 5 days late"
expect_line "$T/out" 'C004,Kyoto Trading 京都,JPY,0,150000,234567,0,50000,5000,429567' \
    "C004 as of 07-05: P-032 (07-02) unapplied 5000 JPY"
expect_exit 0 owed customer show C002 --as-of 2026-07-05 --format json
python3 - "$T/out" >got <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print(c["open"], c["unapplied"], c["balance"])
for p in c["payments"]:
    print(p["payment_ref"], p["amount"], p["invoice_number"] or "-", p["unapplied"])
PY
printf '%s\n' '45.50 60.00 -14.50' 'P-010 100.00 INV-2001 20.00' 'P-011 30.00 - 30.00' \
    'P-012 10.00 - 10.00' >want
expect_same want got "customer show C002: the overpayment's 20.00 and the on-account payments are unapplied"

say "two payments of one invoice in one file; a payment of a paid invoice"
cat >more.csv <<'CSV'
payment_ref,customer_ref,received_date,amount,currency,method,reference,invoice_number
X-1,C001,2026-07-10,500.00,USD,wire,,INV-1007
X-2,C001,2026-07-10,500.00,USD,wire,,INV-1007
X-3,C001,2026-07-10,150.00,USD,wire,paid twice,INV-1011
CSV
expect_exit 0 owed import payments more.csv
expect_line "$T/out" "more.csv: 3 rows: 3 new payments, 0 already recorded; 2 payments left cash unapplied"
allocations | grep '^X-' >got
printf '%s\n' 'X-1|INV-1007|2026-07-10|50000' 'X-2|INV-1007|2026-07-10|20000' >want
expect_same want got "X-1 takes 500.00, X-2 the remaining 200.00, X-3 nothing"
expect_exit 0 owed aging --as-of 2026-07-10 --format csv
expect_line "$T/out" 'C001,"Acme, Inc.",USD,13344.67,1100.00,400.00,850.00,800.00,450.00,16044.67' \
    "C001 as of 07-10: INV-1007 paid, 300.00 + 150.00 unapplied"
expect_exit 0 owed customer show C001 --as-of 2026-07-10 --format json
expect_eq "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["unapplied"], [p["unapplied"] for p in c["payments"] if p["payment_ref"].startswith("X-")])' "$T/out")" \
    "450.00 ['0.00', '300.00', '150.00']" "customer show C001: unapplied per payment"
expect_exit 0 owed check

say "re-importing the same file changes nothing"
db_digest >before
expect_exit 0 owed import payments payments.csv
expect_line "$T/out" "payments.csv: 15 rows: 0 new payments, 15 already recorded" \
    "re-import says already recorded"
db_digest >after
expect_same before after "re-import: database unchanged (no second allocation)"

say "rejections: exit 3, every bad row listed, database unchanged"
db_digest >baseline
for f in "$OWED_TESTDATA"/reject/pay-*.err; do
    reject_case payments "$(basename "$f" .err)" baseline
done

finish
