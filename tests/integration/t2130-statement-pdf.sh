#!/usr/bin/env bash
# The customer statement as PDF (src/app/statement_pdf.c): `owed customer statement` and
# GET /api/v1/customers/{id}/statement with Accept: application/pdf on a real `owed serve`,
# read back with pdftotext: the customer, each open invoice, unapplied cash as a credit,
# the balance equal to the JSON statement's for the same date, the same bytes from both;
# the EPC QR code only for an EUR customer once the seller has an IBAN; refusals.
. "$(dirname "$0")/lib.sh"

command -v pdftotext >/dev/null || { echo "$TEST_ID: skipped: poppler-utils is not installed"; exit 77; }
setup_db basic
export OWED_TODAY=2026-07-15
AS_OF=2026-06-30

# The open invoices of a JSON statement, one number a line.
open_invoices() {
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for i in d["invoices"]:
    if i["open"].lstrip("-").strip("0.") != "":
        print(i["invoice_number"])' "$1"
}

# The amount after "Balance due (CUR)" in a statement's text, without thousands separators.
pdf_balance() {
    sed -n 's/.*Balance due ([A-Z]*) *\([-0-9,.]*\).*/\1/p' "$1" | tr -d ,
}

# check_statement WHAT PDF JSON: the PDF shows the JSON statement's customer, open
# invoices and balance.
check_statement() {
    local what=$1 pdf=$2 json=$3 inv
    pdftotext -layout "$pdf" "$pdf.txt"
    expect_contains "$pdf.txt" "$(jget "$json" 'd["name"]')" "$what: the customer's name"
    expect_true "$what: the account" grep -Eq "Account +$(jget "$json" 'd["customer_ref"]')\$" "$pdf.txt"
    for inv in $(open_invoices "$json"); do
        expect_contains "$pdf.txt" "$inv" "$what: open invoice $inv"
    done
    expect_eq "$(pdf_balance "$pdf.txt")" "$(jget "$json" 'd["balance"]')" \
        "$what: the balance is the JSON statement's"
}

say "through the CLI: open invoices, the balance of the JSON statement"
for c in C001 C004 C005; do
    expect_exit 0 owed customer show "$c" --as-of $AS_OF --format json
    cp "$T/out" "$T/$c.json"
    expect_exit 0 owed customer statement "$c" --as-of $AS_OF -o "$T/$c.pdf"
    expect_eq "$(head -c 5 "$T/$c.pdf")" "%PDF-" "$c: a PDF"
    check_statement "$c" "$T/$c.pdf" "$T/$c.json"
done
expect_eq "$(open_invoices "$T/C001.json" | wc -l)" 9 "C001 has nine open invoices"
expect_contains "$T/C004.pdf.txt" "Kyoto Trading 京都" "a name outside Latin-1"
expect_contains "$T/C005.pdf.txt" "1,000.250" "KWD with three decimals"
expect_eq "$(pdfinfo "$T/C001.pdf" | sed -n 's/^Pages: *//p')" 1 "C001 fits on one page"
expect_not_contains "$T/C001.pdf.txt" "Scan to pay" "no QR code for USD"

say "unapplied cash is a credit: a balance in the customer's favour"
expect_exit 0 owed customer show C002 --as-of $AS_OF --format json
cp "$T/out" "$T/C002.json"
expect_exit 0 owed customer statement C002 --as-of $AS_OF -o "$T/C002.pdf"
check_statement C002 "$T/C002.pdf" "$T/C002.json"
expect_eq "$(jget "$T/C002.json" 'd["balance"]')" "-4.50" "C002's JSON balance is negative"
expect_contains "$T/C002.pdf.txt" "Payment P-" "the unapplied payment is an item"
expect_contains "$T/C002.pdf.txt" "in your favour" "and the note says so"

say "a statement as of another date follows that date"
expect_exit 0 owed customer show C005 --as-of 2026-05-15 --format json
cp "$T/out" "$T/C005-may.json"
expect_exit 0 owed customer statement C005 --as-of 2026-05-15 -o "$T/C005-may.pdf"
check_statement "C005 on 2026-05-15" "$T/C005-may.pdf" "$T/C005-may.json"
expect_contains "$T/C005-may.pdf.txt" "2026-05-15" "the date"

say "EUR with a seller IBAN: the EPC QR code and the bank details"
expect_exit 0 owed customer statement C003 --as-of $AS_OF -o "$T/C003-plain.pdf"
pdftotext -layout "$T/C003-plain.pdf" "$T/C003-plain.txt"
expect_not_contains "$T/C003-plain.txt" "Scan to pay" "no QR code without an IBAN"
cat >"$T/seller.json" <<'EOF'
{"name": "Müller Consulting GmbH", "street": "Hauptstraße 1", "city": "Berlin",
 "postcode": "10115", "country": "DE", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
EOF
expect_exit 0 owed seller set "$T/seller.json"
expect_exit 0 owed customer set C003 --address "Bahnhofstrasse 5, 8001 Zürich"
expect_exit 0 owed org set --pay-url "https://pay.mueller.example/"
expect_exit 0 owed customer show C003 --as-of $AS_OF --format json
cp "$T/out" "$T/C003.json"
expect_exit 0 owed customer statement C003 --as-of $AS_OF -o "$T/C003.pdf"
check_statement C003 "$T/C003.pdf" "$T/C003.json"
for text in "Scan to pay" "Müller Consulting GmbH" "Bahnhofstrasse 5" "8001 Zürich" \
    "IBAN DE89 3704" "https://pay.mueller.example/C003"; do
    expect_contains "$T/C003.pdf.txt" "$text" "C003: $text"
done
if command -v pdftoppm >/dev/null; then
    expect_true "the page renders (pdftoppm)" pdftoppm -r 50 -gray -singlefile "$T/C003.pdf" "$T/C003"
    # The QR code's modules are black: a page with them has many more dark pixels than the
    # one without.
    pdftoppm -r 50 -gray -singlefile "$T/C003-plain.pdf" "$T/C003-plain"
    dark() { /usr/bin/python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
# PGM: P5, width, height, maxval, then one byte a pixel
parts = data.split(maxsplit=4)
print(sum(1 for b in parts[4] if b < 64))' "$1"; }
    expect_true "the QR code adds dark pixels" test "$(dark "$T/C003.pgm")" -gt \
        "$(( $(dark "$T/C003-plain.pgm") + 500 ))"
else
    echo "# skipped: the rendered page (pdftoppm is not installed)"
fi
expect_exit 0 owed customer statement C001 --as-of $AS_OF -o "$T/C001-iban.pdf"
pdftotext -layout "$T/C001-iban.pdf" "$T/C001-iban.txt"
expect_not_contains "$T/C001-iban.txt" "Scan to pay" "still no QR code for USD"
expect_exit 0 owed customer statement C006 --as-of $AS_OF -o "$T/C006.pdf"
pdftotext -layout "$T/C006.pdf" "$T/C006.txt"
expect_contains "$T/C006.txt" "No open items." "a customer with nothing open"
expect_not_contains "$T/C006.txt" "Scan to pay" "and nothing to pay"

say "refusals on the CLI"
expect_exit 1 owed customer statement NOPE -o "$T/nope.pdf"
expect_contains "$T/err" "no customer 'NOPE'"
expect_true "nothing written" test ! -e "$T/nope.pdf"
expect_exit 2 owed customer statement C001 --as-of 2026-13-01
expect_exit 0 owed customer statement C001 --as-of $AS_OF
expect_eq "$(head -c 5 "$T/out")" "%PDF-" "without -o the PDF goes to stdout"
expect_exit 0 owed customer --help
expect_contains "$T/out" "owed customer statement REF" "the usage names it"

say "through the API: Accept: application/pdf"
start_server --no-scheduler
TOKEN=$(make_user viewer@example.com viewer)
expect_status 200 GET "/api/v1/customers?ref=C003"
id=$(jget "$T/body" 'd["data"][0]["id"]')
expect_status 200 GET "/api/v1/customers/$id/statement?as_of=$AS_OF" "" -H "Accept: application/pdf"
expect_contains "$T/headers" "Content-Type: application/pdf"
cp "$T/body" "$T/api.pdf"
expect_same "$T/C003.pdf" "$T/api.pdf" "the same bytes as the CLI's"
expect_status 200 GET "/api/v1/customers/$id/statement?as_of=$AS_OF"
expect_contains "$T/headers" "Content-Type: application/json"
cp "$T/body" "$T/api.json"
check_statement "API" "$T/api.pdf" "$T/api.json"
expect_status 200 GET "/api/v1/customers/$id/statement?as_of=$AS_OF&format=pdf"
expect_same "$T/C003.pdf" "$T/body" "?format=pdf: the same"
expect_status 200 GET "/api/v1/customers/$id/statement?as_of=$AS_OF" "" \
    -H "Accept: application/json, application/pdf"
expect_contains "$T/headers" "Content-Type: application/json" "JSON first in Accept: JSON"
expect_status 406 GET "/api/v1/customers/$id/statement" "" -H "Accept: text/csv"
expect_status 404 GET "/api/v1/customers/9999/statement" "" -H "Accept: application/pdf"
expect_contains "$T/body" "not_found"
expect_status 400 GET "/api/v1/customers/$id/statement?as_of=2026-02-30" "" -H "Accept: application/pdf"
TOKEN=""
expect_status 401 GET "/api/v1/customers/$id/statement" "" -H "Accept: application/pdf"

finish
