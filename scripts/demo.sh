#!/usr/bin/env bash
# `make run`: a fresh demo book in demo/owed.db, imported through the real CLI, then the
# aging report, the KPIs and the ledger check. Usage: scripts/demo.sh PATH_TO_OWED
set -euo pipefail

owed=${1:-build/release/owed}
dir=demo
as_of=2026-06-30
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
cat <<MSG

The demo database is $OWED_DB. Try:
  export OWED_DB=$OWED_DB
  $owed customer show $first --as-of $as_of
  $owed dunning preview --as-of 2026-07-15
  $owed outbox show 1
  $owed tasks
  $owed bank review
  $owed bank entries --format csv
  $owed aging --as-of $as_of --format csv
  $owed aging --as-of $as_of --detail --by issue
  $owed kpi --as-of $as_of --format json
  $owed help
MSG
