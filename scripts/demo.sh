#!/usr/bin/env bash
# `make run`: a fresh demo book in demo/owed.db, imported through the real CLI, then the
# aging report, the KPIs and the ledger check, a dunning run, and finally `owed serve` on
# it with a demo login. Usage: scripts/demo.sh PATH_TO_OWED   (OWED_PORT, default 8080)
set -euo pipefail

owed=${1:-build/release/owed}
dir=demo
# The book ends a week before today, so that the web app's dashboard (which works as of
# today) shows current, recently overdue and old receivables, and the bank entries of the
# days after it are in the past.
as_of=$(date -u -d '7 days ago' +%F)
rm -rf "$dir"
mkdir -p "$dir"
export OWED_DB=$dir/owed.db

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "owed demo: 40 customers and 1,500 invoices over the two years ending $as_of"
step "$owed" gen --customers 40 --invoices 1500 --seed 42 --end "$as_of" --bank 120 --out "$dir/data"
step "$owed" init
step "$owed" import customers "$dir/data/customers.csv"
step "$owed" import invoices "$dir/data/invoices.csv"
step "$owed" import payments "$dir/data/payments.csv"
echo
echo "A bank statement of the days after $as_of: sure matches are posted, the rest queued."
step "$owed" bank import "$dir/data/bank.camt053.xml"
step "$owed" match --report --truth "$dir/data/bank-truth.csv"
step "$owed" aging --as-of "$as_of"
step "$owed" kpi --as-of "$as_of" --days 90
step "$owed" check
echo
echo "Reminders: the default policy, run on $as_of; letters and agency files go to $dir/out."
step "$owed" org set --name "Demo Supplies Ltd" --mail-from "Demo AR <ar@demo.example>" \
    --out-dir "$dir/out" --timezone Europe/Berlin
step "$owed" dunning run --as-of "$as_of" | tail -n 4
step "$owed" outbox list --status queued | sed -n 1,6p
first=$(sed -n '2p' "$dir/data/customers.csv" | cut -d, -f1)

echo
echo "Invoices with lines: the seller, a customer's address, an invoice issued with its PDF,"
echo "UBL e-invoice and terms sheet, and a monthly recurring invoice."
port=${OWED_PORT:-8080}
cat >"$dir/seller.json" <<JSON
{"name": "Demo Supplies Ltd", "street": "Hauptstraße 1", "city": "Berlin", "postcode": "10115",
 "country": "DE", "vat_id": "DE123456789", "iban": "DE89370400440532013000",
 "bic": "COBADEFFXXX", "public_url": "http://127.0.0.1:$port",
 "terms": {"late_fees": "Interest at the ECB rate plus 8 points a year from the day after the due date, and EUR 40 per invoice.",
           "disputes": "Tell us within 14 days of the invoice date: reply to the invoice email or use the portal."}}
JSON
step "$owed" seller set "$dir/seller.json"
echo '{"street": "Müllerstraße 12", "city": "München", "postcode": "80331", "country": "DE"}' \
    >"$dir/party.json"
step "$owed" seller party "$first" "$dir/party.json"
number=$("$owed" invoice create --customer "$first" --issue-date "$as_of" \
    --line 'Consulting;10;95.00;19' --line 'Workshop materials;4;12.50;7' --issue)
step "$owed" invoice show "$number"
step "$owed" invoice pdf "$number" -o "$dir/$number.pdf"
step "$owed" invoice ubl "$number" -o "$dir/$number.xml"
step "$owed" recurring add --customer "$first" --every monthly --start "$as_of" \
    --line 'Support plan;1;49.00;19' >/dev/null
step "$owed" recurring run --as-of "$as_of" | tail -n 1

echo
echo "Users and an API token for the server (passwords are stored as argon2id hashes)."
password=owed-demo-password
printf '%s\n' "$password" | step "$owed" user add demo@owed.example --name "Demo Admin" --role admin --password-stdin
printf '%s\n' "$password" | step "$owed" user add collector@owed.example --name "Demo Collector" --role collector --password-stdin
token=$("$owed" token create --user demo@owed.example --label demo)
url=http://127.0.0.1:$port
cat <<MSG

The demo database is $OWED_DB. The server starts now on $url (Ctrl-C stops it).

  Web app:     open $url/ in a browser and sign in (the dashboard comes first)
  Demo login:  demo@owed.example / $password  (admin)
               collector@owed.example / $password  (collector)
  API token:   $token

Try, in another terminal:
  curl -H "Authorization: Bearer $token" $url/api/v1/invoices?status=overdue\&limit=3
  curl -H "Authorization: Bearer $token" -H "Accept: text/csv" "$url/api/v1/reports/aging?as_of=$as_of"
  curl -H "Authorization: Bearer $token" $url/api/v1/customers/1/statement?as_of=$as_of
  curl -H "Authorization: Bearer $token" $url/api/v1/documents
  curl -o invoice.pdf -H "Authorization: Bearer $token" $url/api/v1/documents/1/pdf
  curl $url/metrics
  OWED_DB=$OWED_DB $owed customer show $first --as-of $as_of
  $owed help serve

The invoice $number is at $dir/$number.pdf (and .xml, its UBL e-invoice).
MSG
exec "$owed" serve --listen "127.0.0.1:$port"
