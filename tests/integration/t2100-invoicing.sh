#!/usr/bin/env bash
# Invoices with lines, end to end: seller settings, a draft and its issue (numbers without
# gaps, an issued invoice never changes), the PDF read back as text and pixels, the UBL
# file validated against the UBL 2.1 schema, the terms sheet, a credit note, delivery by
# email to a real SMTP server with the attachments, the customer's acknowledgement through
# the signed link on a real `owed serve`, the same over the API, and refusals.
. "$(dirname "$0")/lib.sh"

command -v pdftotext >/dev/null || { echo "$TEST_ID: skipped: poppler-utils is not installed"; exit 77; }
command -v xmllint >/dev/null || { echo "$TEST_ID: skipped: libxml2-utils is not installed"; exit 77; }
export OWED_DB=${OWED_DB:-$TEST_DB}
export OWED_TODAY=2026-11-23
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
expect_exit 0 owed org set --name "Müller Consulting" --mail-from "Billing <billing@mueller.example>"

say "seller settings and a customer's billing party"
cat >"$T/seller.json" <<'EOF'
{"name": "Müller Consulting GmbH", "street": "Hauptstraße 1", "city": "Berlin",
 "postcode": "10115", "country": "DE", "vat_id": "DE123456789",
 "iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
 "terms": {"late_fees": "Interest at the ECB rate plus 8 points, and EUR 40.",
           "disputes": "Write to billing@mueller.example within 14 days."}}
EOF
expect_exit 0 owed seller set "$T/seller.json"
expect_exit 0 owed seller show
expect_contains "$T/out" '"invoice_format": "INV-{YYYY}-{SEQ:5}"' "default numbering"
echo '{"iban": "DE00370400440532013000"}' >"$T/bad-iban.json"
expect_exit 3 owed seller set "$T/bad-iban.json"
expect_contains "$T/err" "not a valid IBAN" "a wrong IBAN check digit is refused"
echo '{"name": "Žluťoučký kůň s.r.o.", "street": "Na Příkopě 2", "city": "Praha",
       "postcode": "11000", "country": "CZ", "vat_id": "CZ12345678"}' >"$T/party.json"
expect_exit 0 owed seller party C003 "$T/party.json"

say "a draft, then issued: number, dates from the terms, totals per EN 16931"
expect_exit 0 owed invoice create --customer C003 --line 'Consulting;10;95.00;19' \
    --line 'Travel to Ōkami;1;120.50;7' --line 'Workshop;2.5;400;19;S;HUR;50' --po PO-77
expect_line "$T/out" "#1"
expect_exit 0 owed invoice issue '#1'
expect_line "$T/out" "INV-2026-00001"
expect_exit 0 owed invoice show INV-2026-00001 --format json
cp "$T/out" "$T/inv1.json"
expect_eq "$(jget "$T/inv1.json" 'd["document"]["totals"]["tax_exclusive"]')" "2020.50" \
    "net: 950.00 + 120.50 + (2.5 x 400 - 50)"
expect_eq "$(jget "$T/inv1.json" 'd["document"]["totals"]["tax"]')" "369.44" \
    "VAT rounded once per rate: 19% of 1900.00 = 361.00, 7% of 120.50 = 8.44"
expect_eq "$(jget "$T/inv1.json" 'd["document"]["totals"]["payable"]')" "2389.94" "amount due"
expect_eq "$(jget "$T/inv1.json" 'd["due_date"]')" "2026-12-23" "due in 30 days (2/10 NET30)"
expect_eq "$(jget "$T/inv1.json" 'd["documents"]')" \
    '{"invoice": true, "terms_sheet": true, "acknowledged": null}' "the three-way set so far"
expect_exit 0 owed aging --as-of 2026-11-23 --format csv
expect_contains "$T/out" "2389.94" "the issued invoice is in the ledger"
expect_exit 0 owed check
expect_exit 1 owed invoice issue '#1'
expect_contains "$T/err" "already issued as INV-2026-00001" "issued once only"

say "numbers have no gaps: a refused issue gives its number back"
expect_exit 0 owed invoice create --customer C003 --line 'Nothing;1;0;19'
expect_exit 3 owed invoice issue '#2'
expect_contains "$T/err" "above zero" "a zero invoice is refused"
expect_exit 0 owed invoice create --customer C003 --line 'Support;1;100;19' --issue
expect_line "$T/out" "INV-2026-00002"
expect_exit 3 owed invoice create --customer C003 --line 'Bad;1;10;19;X'
expect_contains "$T/err" "not a VAT category code" "an unknown VAT category"
expect_exit 3 owed invoice create --customer C003 --line 'Bad;1;10.1234567;19'
expect_contains "$T/err" "lines[1].price" "a price with more than 4 extra decimals, named"
echo '{"currency": "USD"}' >"$T/usd.json"
expect_exit 1 owed invoice create --customer C003 --line 'Wrong currency;1;10;19' --file "$T/usd.json"
expect_contains "$T/err" "customer C003 is billed in EUR"
expect_exit 3 owed invoice create --customer NOPE --line 'x;1;1;0;Z'
expect_contains "$T/err" "no customer 'NOPE'"

say "the PDF: text, fonts, QR code"
expect_exit 0 owed invoice pdf INV-2026-00001 -o "$T/inv1.pdf"
pdftotext -layout "$T/inv1.pdf" "$T/inv1.txt"
for text in "Müller Consulting GmbH" "Žluťoučký kůň s.r.o." "Travel to Ōkami" "INV-2026-00001" \
    "DE89 3704 0044 0532 0130 00" "2,389.94" "PO-77" "Page 1 of 1" "Confirm receipt: http"; do
    expect_contains "$T/inv1.txt" "$text"
done
pdffonts "$T/inv1.pdf" >"$T/fonts"
expect_true "DejaVu Sans is embedded" grep -Eq 'DejaVuSans,Book +CID TrueType +Identity-H +yes' "$T/fonts"
expect_true "the acknowledgement link is a link annotation" grep -aq "/URI" "$T/inv1.pdf"
expect_exit 0 owed invoice terms INV-2026-00001 -o "$T/terms.pdf"
pdftotext "$T/terms.pdf" "$T/terms.txt"
expect_contains "$T/terms.txt" "ECB rate plus 8 points" "the terms sheet's late-fee section"
expect_contains "$T/terms.txt" "within 14 days" "the terms sheet's dispute section"

say "the UBL file validates against the UBL 2.1 schema"
expect_exit 0 owed invoice ubl INV-2026-00001 -o "$T/inv1.xml"
XSD=$OWED_SHARED/fixtures/einvoice/ubl21-xsd/maindoc
if [ -d "$XSD" ]; then
    expect_true "invoice valid (xmllint --schema)" xmllint --noout --schema "$XSD/UBL-Invoice-2.1.xsd" "$T/inv1.xml"
else
    echo "# skipped: the UBL schemas (../shared) are absent"
fi
expect_contains "$T/inv1.xml" "<cbc:PayableAmount currencyID=\"EUR\">2389.94</cbc:PayableAmount>"

say "a credit note corrects the invoice"
expect_exit 0 owed invoice create --customer C003 --credit-for INV-2026-00001 \
    --line 'Workshop hours not used;0.5;400;19' --issue
expect_line "$T/out" "CN-2026-00001"
expect_exit 0 owed invoice ubl CN-2026-00001 -o "$T/cn.xml"
[ -d "$XSD" ] && expect_true "credit note valid" xmllint --noout --schema "$XSD/UBL-CreditNote-2.1.xsd" "$T/cn.xml"
expect_contains "$T/cn.xml" "<cbc:ID>INV-2026-00001</cbc:ID>" "it names the invoice it corrects"
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_exit 0 owed customer show C003
expect_exit 0 owed check

say "delivery by email with the PDF, the UBL file and the terms sheet"
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --smtp-url "$SMTP_URL"
expect_exit 0 owed invoice send INV-2026-00001
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_eq "$(jget "$T/out" 'd["delivery"]')" "queued" "queued in the outbox"
expect_exit 0 owed outbox send
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_eq "$(jget "$T/out" 'd["delivery"]')" "sent" "delivery status follows the outbox"
/usr/bin/python3 - "$T/mail/000001.eml" >"$T/parts" <<'EOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print("subject:", m["Subject"])
for p in m.walk():
    if p.get_filename():
        data = p.get_payload(decode=True)
        print("attachment:", p.get_filename(), p.get_content_type(), data[:5].decode("latin-1"))
    elif p.get_content_type() == "text/plain":
        print(p.get_payload(decode=True).decode())
EOF
expect_contains "$T/parts" "attachment: INV-2026-00001.pdf application/pdf %PDF-"
expect_contains "$T/parts" "attachment: INV-2026-00001.xml application/xml <?xml"
expect_contains "$T/parts" "attachment: terms-INV-2026-00001.pdf application/pdf %PDF-"
expect_contains "$T/parts" "/ack/1/1/" "the acknowledgement link in the body"
LINK=$(grep -o 'http://[^ ]*/ack/1/1/[0-9a-f]*' "$T/parts" | head -1)

say "the customer acknowledges through the signed link"
start_server --no-scheduler
LINK_PATH=${LINK#http://*/}
expect_status 200 GET "/$LINK_PATH"
expect_contains "$T/body" "Please confirm that you received invoice INV-2026-00001"
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_eq "$(jget "$T/out" 'd["documents"]["acknowledged"]')" "null" "a GET (a mail scanner) records nothing"
expect_status 404 POST "/${LINK_PATH%?}x"
expect_status 200 POST "/$LINK_PATH"
expect_contains "$T/body" "has been recorded"
expect_status 200 POST "/$LINK_PATH"
expect_contains "$T/body" "had already been recorded" "a second click changes nothing"
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_eq "$(jget "$T/out" 'd["acknowledged_via"]')" "link" "acknowledged by link"
expect_true "with its time" grep -q '"acknowledged": "2026-' "$T/out"

say "the same over the API"
TOKEN=$(make_user ana@mueller.example manager)
api POST /api/v1/documents '{"customer": "C003", "lines": [{"name": "Licence", "quantity": "3", "price": "49.90", "tax_rate": "19"}], "issue": true}'
expect_eq "$STATUS" 201 "POST /api/v1/documents with issue: 201"
expect_eq "$(jget "$T/body" 'd["number"]')" "INV-2026-00003" "the next number"
DOC=$(jget "$T/body" 'd["id"]')
expect_eq "$(jget "$T/body" 'd["document"]["totals"]["payable"]')" "178.14" "149.70 + 28.44 VAT"
api GET "/api/v1/documents/$DOC/pdf"
expect_eq "$STATUS" 200 "the PDF over the API"
expect_true "it is a PDF" grep -aq '^%PDF-' "$T/body"
api GET "/api/v1/documents/$DOC/ubl"
expect_true "the UBL over the API" grep -q "INV-2026-00003" "$T/body"
api POST "/api/v1/documents/$DOC/ack" '{}'
expect_eq "$(jget "$T/body" 'd["acknowledged_via"]')" "staff:ana@mueller.example" "staff acknowledgement"
api POST /api/v1/documents '{"customer": "C003", "lines": [{"name": "x", "quantity": 1, "price": "1", "tax_rate": "19"}]}'
expect_eq "$STATUS" 422 "a JSON number for a quantity is refused"
expect_contains "$T/body" "lines[1].quantity"
api GET "/api/v1/documents?status=issued"
expect_eq "$(jget "$T/body" 'len(d["data"])')" 4 "four issued documents"
api PATCH /api/v1/seller '{"invoice_format": "X-{SEQ:3}"}'
expect_eq "$STATUS" 428 "changing the seller needs If-Match"
api GET /api/v1/seller
ETAG=$(sed -n 's/^ETag: *\(.*\)\r$/\1/Ip' "$T/headers")
api PATCH /api/v1/seller '{"invoice_format": "no sequence"}' -H "If-Match: $ETAG"
expect_eq "$STATUS" 422 "a number format without {SEQ:n} is refused"
api PATCH /api/v1/seller '{"invoice_format": "X-{SEQ:3}"}' -H "If-Match: $ETAG"
expect_eq "$STATUS" 200 "with the ETag as read: changed"
expect_eq "$(jget "$T/body" 'd["invoice_format"]')" "X-{SEQ:3}" "the new format"
api PATCH /api/v1/seller '{"invoice_format": "Y-{SEQ:3}"}' -H "If-Match: $ETAG"
expect_eq "$STATUS" 412 "a stale ETag is refused"
stop_server

finish
