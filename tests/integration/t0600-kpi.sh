#!/bin/bash
# owed kpi --format json against figures worked by hand (tests/data/kpi/README.md).
. "$(dirname "$0")/lib.sh"

K="$OWED_TESTDATA/kpi"
setup_db kpi

# The JSON outputs are checked in one python run (python starts slowly): kpi_case saves the
# last output with its expected file and description, kpi_check_all compares each: exactly
# those objects and keys (plus "conventions"), figures compared as numbers or null.
NCASE=0
kpi_case() {
    NCASE=$((NCASE + 1))
    cp "$T/out" "$T/kpi-$NCASE.got"
    echo "$T/kpi-$NCASE.got $1" >>"$T/kpi-cases"
    echo "$2" >"$T/kpi-$NCASE.what"
}
kpi_check_all() {
    python3 - "$T/kpi-cases" >"$T/kpi.check" 2>&1 <<'PY'
import json, sys
for line in open(sys.argv[1]):
    got_path, want_path = line.split()
    bad = []
    try:
        got = json.load(open(got_path, encoding="utf-8"))
    except ValueError as e:
        got, bad = [], ["not JSON: %s" % e]
    want = json.load(open(want_path, encoding="utf-8"))
    if [o.get("currency") for o in got] != [o["currency"] for o in want]:
        bad.append("currencies %s, expected %s" % ([o.get("currency") for o in got], [o["currency"] for o in want]))
    for g, w in zip(got, want):
        keys = set(w) | {"conventions"}
        if set(g) != keys:
            bad.append("%s: keys differ: extra %s, missing %s" % (w["currency"], sorted(set(g) - keys), sorted(keys - set(g))))
        for k, v in w.items():
            if g.get(k, "<missing>") != v or type(g.get(k)) != type(v):
                bad.append("%s.%s = %r, expected %r" % (w["currency"], k, g.get(k, "<missing>"), v))
        if not isinstance(g.get("conventions"), dict) or not g["conventions"].get("ar"):
            bad.append("%s: no conventions" % w["currency"])
    print(" | ".join(bad) if bad else "ok")
PY
    local n=0 result
    while IFS= read -r result; do
        n=$((n + 1))
        expect_eq "$result" ok "$(cat "$T/kpi-$n.what")"
    done <"$T/kpi.check"
    expect_eq "$n" "$NCASE" "every kpi json case was checked"
}

say "kpi --format json, figures by hand"
expect_exit 0 owed kpi --as-of 2026-06-30 --days 30 --format json
kpi_case "$K/kpi-2026-06-30-30d.json" \
    "06-30, 30 days: USD dso 20.5 best 15.0 add 5.5 cei 75.6 pay 26.7 late 3.3 on time 50.0/66.7; EUR null without sales; GBP half-even 0.2; no JPY"
expect_exit 0 owed kpi --as-of 2026-06-30 --days 60 --format json
kpi_case "$K/kpi-2026-06-30-60d.json" "06-30, 60 days: USD dso 41.0, countback still 20.5"
expect_exit 0 owed kpi --as-of 2026-05-31 --days 30 --format json
kpi_case "$K/kpi-2026-05-31-30d.json" "05-31: USD has no sales (null), later invoices and payments ignored"
expect_exit 0 owed kpi --as-of 2026-07-31 --days 30 --format json
kpi_case "$K/kpi-2026-07-31-30d.json" "07-31: JPY appears once it has an invoice; CEI null on a zero denominator"
kpi_check_all
expect_exit 0 env OWED_TODAY=2026-06-30 "$OWED" kpi --format json
expect_contains "$T/out" '"as_of": "2026-06-30",' "default --as-of: today (OWED_TODAY)"
expect_contains "$T/out" '"days": 90,' "default --days: 90"
expect_exit 0 owed kpi --as-of 2026-01-01 --format json
expect_eq "$(tr -d ' \n' <"$T/out")" "[]" "no invoice on or before the date: an empty array"

say "the unapplied payment KP4 does not reduce AR"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv
expect_line "$T/out" "K1,Kilo Retail,USD,3000.00,600.00,500.00,0.00,0.00,100.00,4000.00" \
    "aging K1: open 4100.00 (C current, E 10 days, F 60 days), 100.00 unapplied"

say "table"
expect_exit 0 owed kpi --as-of 2026-06-30 --days 30
expect_line "$T/out" "KPIs for the 30 days ending 2026-06-30" "title"
python3 - "$T/out" >got 2>&1 <<'PY'
import re, sys
rows = {}
for ln in open(sys.argv[1], encoding="utf-8").read().splitlines():
    parts = re.split(r"\s{2,}", ln.strip())
    if len(parts) == 4:
        rows[parts[0]] = parts[1:]
want = {
    "AR (open invoices)": ["800.00", "100.00", "4,100.00"],
    "Credit sales in period": ["0.00", "12,000.00", "6,000.00"],
    "DSO (days)": ["n/a", "0.2", "20.5"],
    "CEI (%)": ["0.0", "100.0", "75.6"],
    "Average days to pay": ["n/a", "n/a", "26.7"],
    "On time, by amount (%)": ["n/a", "n/a", "66.7"],
}
bad = ["%s: %s, expected %s" % (k, rows.get(k), v) for k, v in want.items() if rows.get(k) != v]
print("\n".join(bad) if bad else "ok")
PY
expect_eq "$(cat got)" ok "table: one column per currency, n/a where there is nothing to measure"
expect_contains "$T/out" "Conventions:" "table names its conventions"

say "usage errors: exit 2"
expect_exit 2 owed kpi --days 0
expect_exit 2 owed kpi --days 3661
expect_exit 2 owed kpi --days 30x
expect_exit 2 owed kpi --format csv
expect_exit 2 owed kpi --as-of 2026-13-01
expect_exit 2 owed kpi extra

finish
