#!/usr/bin/env bash
# Recurring invoices are issued exactly once per period: a run on the day, a second run
# the same day, two runs racing, a run after weeks of downtime (each missed period dated
# its own day), month ends, an end date. Then UBL import: the EN 16931 and Peppol examples
# of ../shared import with their lines and totals; a broken one is refused with the rule
# that fails and leaves the database as it was; importing again changes nothing.
. "$(dirname "$0")/lib.sh"

export OWED_DB=${OWED_DB:-$TEST_DB}
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
echo '{"name": "Müller Consulting GmbH", "country": "DE", "vat_id": "DE123456789",
       "invoice_format": "R{YYYY}-{SEQ:4}"}' >"$T/seller.json"
expect_exit 0 owed seller set "$T/seller.json"
echo '{"name": "Café Zürich GmbH", "city": "Zürich", "country": "CH"}' >"$T/party.json"

say "a monthly schedule from the 31st"
export OWED_TODAY=2026-01-15
expect_exit 3 owed invoice create --customer C003 --line 'Hosting;1;49.00;19' --issue
expect_contains "$T/err" "BR-10" "without the buyer's address an invoice is not issued"
expect_contains "$T/err" "owed seller party C003" "and the message says how to fix it"
expect_exit 0 owed seller party C003 "$T/party.json"
expect_exit 0 owed recurring add --customer C003 --every monthly --start 2026-01-31 --count 5 \
    --line 'Hosting;1;49.00;19'
expect_line "$T/out" "1"
expect_exit 3 owed recurring add --customer C003 --every fortnightly --start 2026-01-31 \
    --line 'x;1;1;19'
expect_contains "$T/err" "recurrence: expected" "an unknown rule is refused"
expect_exit 3 owed recurring add --customer C003 --every monthly --start 2026-01-31 \
    --line 'x;1;1;19;Q'
expect_contains "$T/err" "not a VAT category code" "the template is checked when added"
expect_exit 0 owed recurring run
expect_line "$T/out" "0 invoices issued" "nothing before the first period"

export OWED_TODAY=2026-01-31
expect_exit 0 owed recurring run
expect_line "$T/out" "recurring 1 period 1 (2026-01-31): R2026-0001"
expect_exit 0 owed recurring run
expect_line "$T/out" "0 invoices issued" "a second run the same day issues nothing"

say "two runs racing"
export OWED_TODAY=2026-02-28
owed recurring run >"$T/race1" 2>&1 &
P1=$!
owed recurring run >"$T/race2" 2>&1 &
P2=$!
wait "$P1"
R1=$?
wait "$P2"
R2=$?
expect_eq "$R1$R2" "00" "both runs succeed"
expect_eq "$(cat "$T/race1" "$T/race2" | grep -c 'period 2 (2026-02-28)')" 1 \
    "February (clamped to the 28th) is issued by one run only"

say "after downtime: each missed period once, dated its own day"
export OWED_TODAY=2026-05-10
expect_exit 0 owed recurring run
expect_line "$T/out" "recurring 1 period 3 (2026-03-31): R2026-0003"
expect_line "$T/out" "recurring 1 period 4 (2026-04-30): R2026-0004"
expect_line "$T/out" "2 invoices issued"
export OWED_TODAY=2026-09-01
expect_exit 0 owed recurring run
expect_line "$T/out" "recurring 1 period 5 (2026-05-31): R2026-0005"
expect_line "$T/out" "1 invoice issued" "the count of 5 ends the schedule"
expect_exit 0 owed recurring list --format json
expect_eq "$(jget "$T/out" 'd[0]["issued"]')" 5 "five periods issued"
expect_eq "$(jget "$T/out" 'd[0]["next"]')" null "no next period"
expect_eq "$(db_query "SELECT COUNT(*) FROM recurring_periods")" 5 "one claim per period"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices")" 5 "five invoices, no more"
expect_exit 0 owed invoice show R2026-0003 --format json
expect_eq "$(jget "$T/out" 'd["issue_date"]')" "2026-03-31" "issued on its period's date"
expect_eq "$(jget "$T/out" 'd["amount"]')" "58.31" "49.00 + 19% VAT"
expect_exit 0 owed check

say "a stopped schedule issues nothing"
expect_exit 0 owed recurring add --customer C003 --every 'every 14 days' --start 2026-09-01 \
    --line 'Support;2;30;19'
expect_exit 0 owed recurring stop 2
export OWED_TODAY=2026-10-01
expect_exit 0 owed recurring run
expect_line "$T/out" "0 invoices issued"

say "UBL import of the EN 16931 and Peppol examples"
F=$OWED_SHARED/fixtures/einvoice
if [ ! -d "$F" ]; then
    echo "# skipped: ../shared/fixtures/einvoice is absent"
    finish
fi
n=0
for f in "$F"/en16931-examples/*.[xX][mM][lL] "$F"/en16931-testfiles/*.xml "$F"/peppol-examples/*.xml; do
    # Each example in an organization of its own: several reuse one invoice number.
    n=$((n + 1))
    org=$(owed org create "ubl $n")
    number=$(/usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["files"][sys.argv[2]]["derived_facts"]
print(e.get("ID", ""), e["totals"]["PayableAmount"]["value"], e.get("root", ""))' \
        "$F/EXPECTED.json" "${f#"$F"/}")
    read -r id payable root <<<"$number"
    [ "$root" = Invoice ] || [ "$root" = CreditNote ] || continue
    expect_exit 0 owed import ubl "$f" --org "$org"
    expect_exit 0 owed invoice show "$id" --org "$org" --format json
    got=$(jget "$T/out" 'd["document"]["totals"]["payable"]')
    expect_true "$(basename "$f"): $id payable $payable" /usr/bin/python3 -c \
        'import sys; from decimal import Decimal as D; sys.exit(D(sys.argv[1]) != D(sys.argv[2]))' \
        "$got" "$payable"
    expect_exit 0 owed check --org "$org"
done

say "a broken document is refused with its rule; nothing changes"
org=$(owed org create "ubl broken")
sed -e 's|<cbc:PayableAmount currencyID="SEK">500</cbc:PayableAmount>|<cbc:PayableAmount currencyID="SEK">499</cbc:PayableAmount>|' \
    "$F/en16931-testfiles/Invoice-Min_content_with_VAT.xml" >"$T/broken.xml"
expect_exit 1 cmp -s "$T/broken.xml" "$F/en16931-testfiles/Invoice-Min_content_with_VAT.xml"
db_digest >"$T/before"
expect_exit 3 owed import ubl "$T/broken.xml" --org "$org"
expect_contains "$T/err" "BR-CO-16" "the rule on the amount due is named"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "the database is unchanged"
expect_exit 0 owed import ubl "$F/en16931-testfiles/Invoice-Min_content_with_VAT.xml" --org "$org"
expect_exit 0 owed import ubl "$F/en16931-testfiles/Invoice-Min_content_with_VAT.xml" --org "$org"
expect_contains "$T/out" "already imported" "importing again changes nothing"
expect_exit 3 owed import ubl "$F/ubl21-examples/UBL-Reminder-2.1-Example.xml" --org "$org"
expect_contains "$T/err" "Reminder" "a Reminder is not an invoice"

finish
