#!/bin/bash
# The matching targets of issue 4, end to end through the CLI on a generated noisy
# statement (2,000 entries against the open invoices of 2,000 customers): at least 90% of
# the credits from customers posted automatically, none of them wrong, and the right answer
# among the top three suggestions for at least 95% of the queued entries that have one.
. "$(dirname "$0")/lib.sh"

export OWED_DB=$TEST_DB
expect_exit 0 owed gen --customers 2000 --invoices 20000 --paid 70 --bank 2000 --seed 1 --out "$T/g"
expect_exit 0 owed init
for kind in customers invoices payments; do
    expect_exit 0 owed import "$kind" "$T/g/$kind.csv"
done
expect_exit 0 owed org set --tolerance "5.00,0.1%"
expect_exit 0 owed bank import "$T/g/bank.camt053.xml"
expect_exit 0 owed check
expect_exit 0 owed match --report --truth "$T/g/bank-truth.csv" --format json
cp "$T/out" "$T/report.json"
say "$(tr -d '\n ' <"$T/report.json")"
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$T/report.json" "$1"; }
expect_eq "$(field auto_wrong)" 0 "no wrong automatic match"
expect_true "auto-matched >= 90% of customer credits ($(field auto_match_rate_customer_credits_pct)%)" \
    python3 -c "import sys; sys.exit(float(sys.argv[1]) < 90)" "$(field auto_match_rate_customer_credits_pct)"
expect_true "right answer in the top 3 for >= 95% of queued entries ($(field queue_top3_pct)%)" \
    python3 -c "import sys; sys.exit(float(sys.argv[1]) < 95)" "$(field queue_top3_pct)"

say "the CSV of the same statement adds nothing"
expect_exit 0 owed bank import "$T/g/bank.csv"
expect_contains "$T/out" "2000 entries: 0 new, 2000 already imported"

finish
