#!/usr/bin/env bash
# owed import invoice-lines: invoices with lines from CSV, one row per line, issued under
# the numbers the file gives. A good file issues its invoices (lines, totals per EN 16931,
# due dates from terms), `owed check` stays green and the aging has them; importing it
# again changes nothing; a file with several bad rows is rejected with each one listed as
# FILE:LINE: column: reason and the database unchanged; the UBL export validates.
. "$(dirname "$0")/lib.sh"

command -v xmllint >/dev/null || { echo "$TEST_ID: skipped: libxml2-utils is not installed"; exit 77; }
export OWED_DB=${OWED_DB:-$TEST_DB}
export OWED_TODAY=2026-11-23
DATA=$OWED_TESTDATA/invoicelines
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
expect_exit 0 owed import invoices "$OWED_TESTDATA/basic/invoices.csv"
cat >"$T/seller.json" <<'JSON'
{"name": "Müller Consulting GmbH", "street": "Hauptstraße 1", "city": "Berlin",
 "postcode": "10115", "country": "DE", "vat_id": "DE123456789",
 "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
JSON
expect_exit 0 owed seller set "$T/seller.json"
echo '{"name": "Café Zürich GmbH", "street": "Bahnhofstrasse 1", "city": "Zürich",
       "postcode": "8001", "country": "CH"}' >"$T/c003.json"
echo '{"name": "Acme, Inc.", "street": "1 Main St", "city": "Springfield",
       "postcode": "12345", "country": "US"}' >"$T/c001.json"
expect_exit 0 owed seller party C003 "$T/c003.json"
expect_exit 0 owed seller party C001 "$T/c001.json"

say "a good file: three invoices from eight rows (the rows of one need not be adjacent)"
cp "$DATA/good.csv" good.csv
expect_exit 0 owed import invoice-lines good.csv
expect_same <(echo "good.csv: 8 rows: 3 invoices issued, 0 already recorded") "$T/out" \
    "summary line on stdout"
expect_true "nothing on stderr" test ! -s "$T/err"

expect_exit 0 owed invoice show ERP-1001 --format json
cp "$T/out" "$T/erp1001.json"
expect_eq "$(jget "$T/erp1001.json" 'd["status"] + " " + d["source"] + " " + d["number"]')" \
    "issued csv ERP-1001" "issued under the file's number, source csv"
expect_eq "$(jget "$T/erp1001.json" '[l["name"] for l in d["document"]["lines"]]')" \
    '["Consulting", "Travel to \u014ckami", "Workshop"]' "its three lines, in file order"
expect_eq "$(jget "$T/erp1001.json" '[(l["quantity"], l["unit"], l["net"]) for l in d["document"]["lines"]]')" \
    '[["10", "HUR", "950.00"], ["1", "C62", "120.50"], ["2.5", "HUR", "950.00"]]' \
    "line nets: 10 x 95.00; 1 x 120.50 (unit blank: C62); 2.5 x 400 - 50"
expect_eq "$(jget "$T/erp1001.json" 'd["document"]["lines"][2]["tax_category"]')" "S" \
    "a lower-case category is read as S"
expect_eq "$(jget "$T/erp1001.json" 'd["document"]["totals"]["tax"]')" "369.44" \
    "VAT per rate: 19% of 1900.00 = 361.00, 7% of 120.50 = 8.435 -> 8.44"
expect_eq "$(jget "$T/erp1001.json" 'd["document"]["totals"]["payable"]')" "2389.94" \
    "amount due: 2020.50 + 369.44"
expect_eq "$(jget "$T/erp1001.json" 'd["due_date"]')" "2026-12-02" \
    "blank due date: from the customer's terms (2/10 NET30)"
expect_eq "$(jget "$T/erp1001.json" 'd["document"]["po_number"] + " / " + d["document"]["note"]')" \
    "PO-77 / Consulting, November" "po_number and note"
expect_exit 0 owed invoice show ERP-1003 --format json
expect_eq "$(jget "$T/out" '[(t["taxable"], t["tax"]) for t in d["document"]["tax"]]')" \
    '[["30.30", "1.52"]]' "VAT rounded once per rate: 5% of 30.30 = 1.515 -> 1.52 (per line it would be 3 x 0.51)"
expect_eq "$(jget "$T/out" 'd["document"]["totals"]["payable"]')" "31.82" "and the amount due"
expect_exit 0 owed invoice show ERP-1002 --format json
expect_eq "$(jget "$T/out" 'd["document"]["lines"][0]["net"] + " " + d["document"]["totals"]["payable"]')" \
    "100.00 210.00" "3 x 33.3333 rounds once, to 100.00; Z at 0 beside S at 10%"
expect_eq "$(jget "$T/out" 'd["currency"] + " " + d["due_date"]')" "USD 2026-11-14" "currency and due date given"
expect_exit 0 owed check
expect_exit 0 owed aging --as-of 2026-11-23 --format csv --detail
for n in "ERP-1001,EUR,2026-11-02,2026-12-02" "ERP-1002,USD,2026-10-15,2026-11-14" \
    "ERP-1003,EUR,2026-11-10,2026-11-20"; do
    expect_contains "$T/out" "$n" "the aging has $n"
done
expect_contains "$T/out" "ERP-1001,EUR,2026-11-02,2026-12-02,-9,current,2389.94,2389.94" \
    "with its amount due open"

say "the UBL export of an imported invoice validates"
expect_exit 0 owed invoice ubl ERP-1001 -o "$T/erp1001.xml"
XSD=$OWED_SHARED/fixtures/einvoice/ubl21-xsd/maindoc
if [ -d "$XSD" ]; then
    expect_true "invoice valid (xmllint --schema)" xmllint --noout --schema "$XSD/UBL-Invoice-2.1.xsd" "$T/erp1001.xml"
else
    echo "# skipped: the UBL schemas (../shared) are absent"
fi
expect_contains "$T/erp1001.xml" "<cbc:ID>ERP-1001</cbc:ID>"
expect_contains "$T/erp1001.xml" '<cbc:PayableAmount currencyID="EUR">2389.94</cbc:PayableAmount>'

say "importing the same file again changes nothing"
db_digest >"$T/digest.before"
db_query "SELECT count(*) FROM documents" >"$T/docs.before"
expect_exit 0 owed import invoice-lines good.csv
expect_same <(echo "good.csv: 8 rows: 0 invoices issued, 3 already recorded") "$T/out" \
    "all three already recorded"
db_digest >"$T/digest.after"
expect_same "$T/digest.before" "$T/digest.after" "database unchanged"
db_query "SELECT count(*) FROM documents" >"$T/docs.after"
expect_same "$T/docs.before" "$T/docs.after" "no new document"

say "a file repeating one invoice and adding another"
cp "$DATA/repeat.csv" repeat.csv
expect_exit 0 owed import invoice-lines repeat.csv
expect_same <(echo "repeat.csv: 4 rows: 1 invoice issued, 1 already recorded") "$T/out" \
    "ERP-1003 already recorded, ERP-1004 issued"
expect_exit 0 owed invoice show ERP-1004 --format json
expect_eq "$(jget "$T/out" 'd["document"]["totals"]["payable"]')" "58.31" "49.00 + 19% VAT"
expect_exit 0 owed check

say "a file with several bad rows is rejected, each listed, the database unchanged"
db_digest >"$T/digest.before"
db_query "SELECT count(*) FROM documents" >"$T/docs.before"
cp "$DATA/bad.csv" bad.csv
expect_exit 3 owed import invoice-lines bad.csv
grep -E '^owed: bad\.csv:[0-9]+: ' "$T/err" >"$T/err.rows"
expect_same "$DATA/bad.err" "$T/err.rows" "every problem as FILE:LINE: column: reason, in file order"
expect_eq "$(tail -n 1 "$T/err")" "owed: bad.csv: rejected (9 bad rows); nothing was imported" \
    "the last stderr line sums up"
expect_true "nothing on stdout" test ! -s "$T/out"
db_digest >"$T/digest.after"
expect_same "$T/digest.before" "$T/digest.after" "database unchanged (owed check green)"
db_query "SELECT count(*) FROM documents" >"$T/docs.after"
expect_same "$T/docs.before" "$T/docs.after" "no draft left behind"
expect_exit 0 owed invoice create --customer C003 --line 'Support;1;100;19' --issue
expect_line "$T/out" "INV-2026-00001" "the numbering series did not move"

say "usage"
expect_exit 2 owed import invoice-lines good.csv --skip-bad
expect_contains "$T/err" "all or nothing"
printf 'invoice_number,customer_ref,issue_date,line_name,quantity,price\n' >hdr.csv
expect_exit 3 owed import invoice-lines hdr.csv
expect_contains "$T/err" "hdr.csv:1: header: unknown column 'price'"
expect_contains "$T/err" "hdr.csv:1: header: missing column 'unit_price'"
expect_contains "$T/err" "hdr.csv: rejected (bad header); nothing was imported"
expect_exit 0 owed help import
expect_contains "$T/out" "invoice-lines: invoice_number, customer_ref"

finish
