#!/bin/bash
# owed import invoices: due dates from every terms form, amounts per currency exponent,
# all-or-nothing rejections with every bad row listed, --skip-bad, re-import.
. "$(dirname "$0")/lib.sh"

export OWED_DB="$TEST_DB"
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
cp "$OWED_TESTDATA/basic/invoices.csv" invoices.csv

say "import the basic invoices"
expect_exit 0 owed import invoices invoices.csv
expect_same <(echo "invoices.csv: 22 rows: 22 new invoices, 0 already recorded") "$T/out" \
    "summary line on stdout"
expect_true "nothing on stderr" test ! -s "$T/err"
db_query "SELECT i.invoice_number, c.customer_ref,
    $(sql_date i.issue_date), $(sql_date i.due_date),
    i.currency, i.amount_minor, i.po_number
    FROM invoices i JOIN customers c USING (org_id, customer_id) ORDER BY i.invoice_number" >got
cat >want <<'WANT'
INV-1001|C001|2026-05-31|2026-06-30|USD|100000|PO-1
INV-1002|C001|2026-05-30|2026-06-29|USD|20000|
INV-1003|C001|2026-04-01|2026-05-31|USD|30000|
INV-1004|C001|2026-04-30|2026-05-30|USD|40000|
INV-1005|C001|2026-04-01|2026-05-01|USD|50000|
INV-1006|C001|2026-03-31|2026-04-30|USD|60000|
INV-1007|C001|2026-03-02|2026-04-01|USD|70000|
INV-1008|C001|2026-03-01|2026-03-31|USD|80000|
INV-1009|C001|2026-07-01|2026-07-31|USD|99900|
INV-1010|C001|2026-06-15|2026-07-15|USD|1234567|PO, with comma
INV-1011|C001|2026-05-01|2026-05-31|USD|15000|
INV-2001|C002|2026-06-10|2026-06-10|USD|8000|
INV-2002|C002|2026-06-30|2026-06-30|USD|4550|
INV-3001|C003|2026-05-15|2026-06-14|EUR|100000|
INV-3002|C003|2026-05-20|2026-06-19|EUR|200000|
INV-3003|C003|2026-06-20|2026-07-20|EUR|50000|
INV-4001|C004|2026-05-10|2026-06-30|JPY|150000|
INV-4002|C004|2026-04-15|2026-05-30|JPY|1234567|
INV-4003|C004|2026-02-10|2026-03-30|JPY|50000|
INV-5001|C005|2026-04-01|2026-05-31|KWD|1250500|
INV-5002|C005|2026-05-01|2026-06-30|KWD|75125|
INV-6001|C006|2026-05-01|2026-05-31|USD|10000|
WANT
expect_same want got "due dates from NET30, DUE, 2/10 NET30, EOM30, NET60, blank terms; explicit due kept; blank currency; amounts in minor units"
expect_eq "$(db_query "SELECT COUNT(*) FROM journal_lines WHERE kind = 1")" 44 \
    "one two-line journal entry per invoice"
expect_exit 0 owed check

say "EOM terms at a month end, in a leap year"
cat >eom.csv <<'CSV'
invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number
EOM-1,C004,2026-01-31,,JPY,1000,
EOM-2,C004,2028-02-29,,JPY,1000,
EOM-3,C004,2026-12-01,,JPY,1000,
CSV
expect_exit 0 owed import invoices eom.csv
db_query "SELECT invoice_number, $(sql_date due_date)
    FROM invoices WHERE invoice_number LIKE 'EOM-%' ORDER BY 1" >got
printf '%s\n' 'EOM-1|2026-03-02' 'EOM-2|2028-03-30' 'EOM-3|2027-01-30' >want
expect_same want got "EOM30: end of the issue month + 30 days"

say "a header-only file imports nothing and succeeds"
head -n 1 invoices.csv >header-only.csv
expect_exit 0 owed import invoices header-only.csv
expect_line "$T/out" "header-only.csv: 0 rows: 0 new invoices, 0 already recorded"

say "re-importing the same file changes nothing"
db_digest >before
expect_exit 0 owed import invoices invoices.csv
expect_line "$T/out" "invoices.csv: 22 rows: 0 new invoices, 22 already recorded" \
    "re-import says already recorded"
db_digest >after
expect_same before after "re-import: database unchanged"

say "rejections: exit 3, every bad row listed, nothing imported (not even the good rows)"
db_digest >baseline
for f in "$OWED_TESTDATA"/reject/inv-*.err; do
    reject_case invoices "$(basename "$f" .err)" baseline
done
say "a rejected header is not summed up as '0 bad rows'"
cp "$OWED_TESTDATA/reject/inv-missing-column.csv" .
run owed import invoices inv-missing-column.csv
expect_not_contains "$T/err" "(0 bad rows)" "the summary of a header rejection does not say 0 bad rows"

say "--skip-bad: good rows imported, bad rows to FILE.rejects.csv, exit 0"
cp "$OWED_TESTDATA/reject/inv-many-bad.csv" skip.csv
expect_exit 0 owed import invoices skip.csv --skip-bad
expect_line "$T/out" "skip.csv: 6 rows: 2 new invoices, 0 already recorded, 4 rejected (see skip.csv.rejects.csv)"
sed 's/inv-many-bad\.csv/skip.csv/' "$OWED_TESTDATA/reject/inv-many-bad.err" >want
grep '^owed: skip.csv:[0-9]' "$T/err" >got
expect_same want got "--skip-bad still reports every bad row on stderr"
expect_same "$OWED_TESTDATA/reject/inv-many-bad.rejects.csv" skip.csv.rejects.csv \
    "rejects file: the bad rows as read, with an error column"
db_query "SELECT invoice_number, amount_minor FROM invoices
    WHERE invoice_number LIKE 'INV-900%' ORDER BY 1" >got
printf '%s\n' 'INV-9000|1000' 'INV-9005|2000' >want
expect_same want got "only the good rows INV-9000 and INV-9005 were imported"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv
# No payments in this database: C001 is the README's table without payments, plus
# INV-9000 (10.00) and INV-9005 (20.00) in current.
expect_line "$T/out" 'C001,"Acme, Inc.",USD,13375.67,650.00,900.00,1300.00,800.00,0.00,17025.67' \
    "aging counts the two new invoices as current"
expect_exit 0 owed check

say "--skip-bad again: the good rows are already recorded, the rejects file is rewritten"
rm skip.csv.rejects.csv
expect_exit 0 owed import invoices skip.csv --skip-bad
expect_line "$T/out" "skip.csv: 6 rows: 0 new invoices, 2 already recorded, 4 rejected (see skip.csv.rejects.csv)"
expect_same "$OWED_TESTDATA/reject/inv-many-bad.rejects.csv" skip.csv.rejects.csv "same rejects file"

finish
