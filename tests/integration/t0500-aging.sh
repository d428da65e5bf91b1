#!/bin/bash
# owed aging on the hand-worked data set (tests/data/basic/README.md): every bucket edge,
# earlier and later dates, --by issue, --buckets, --detail, csv, json and table.
. "$(dirname "$0")/lib.sh"

B="$OWED_TESTDATA/basic"
setup_db basic

say "CSV, byte for byte"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv
expect_same "$B/aging-2026-06-30.csv" "$T/out" "as of 2026-06-30: edges 0/1/30/31/60/61/90/91, payment on D counts, D+1 not"
expect_exit 0 owed aging --as-of 2026-05-31 --format csv
expect_same "$B/aging-2026-05-31.csv" "$T/out" "as of 2026-05-31: later invoices and payments do not count"
expect_exit 0 owed aging --as-of 2026-07-01 --format csv
expect_same "$B/aging-2026-07-01.csv" "$T/out" "as of 2026-07-01: the payments and invoice of D+1 count"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv --by issue
expect_same "$B/aging-2026-06-30-by-issue.csv" "$T/out" "--by issue: d0_30, d31_60, d61_90, d91_plus"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv --buckets 15,45
expect_same "$B/aging-2026-06-30-buckets-15-45.csv" "$T/out" "--buckets 15,45: current, d1_15, d16_45, d46_plus"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv --detail
expect_same "$B/aging-2026-06-30-detail.csv" "$T/out" "--detail: one row per open invoice, by customer then due date"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv --detail --by issue
expect_eq "$(head -n 1 "$T/out")" \
    "customer_ref,customer_name,invoice_number,currency,issue_date,due_date,days_since_issue,bucket,amount,open" \
    "--detail --by issue: the days column is days_since_issue"
expect_line "$T/out" 'C001,"Acme, Inc.",INV-1006,USD,2026-03-31,2026-04-30,91,d91_plus,600.00,350.00' \
    "--detail --by issue: INV-1006 is 91 days old"
expect_line "$T/out" 'C002,"Bob ""Best"" Supplies",INV-2002,USD,2026-06-30,2026-06-30,0,d0_30,45.50,45.50' \
    "--detail --by issue: issued on D is 0 days old"
expect_exit 0 owed aging --as-of 2026-01-31 --format csv
expect_same <(head -n 1 "$B/aging-2026-06-30.csv") "$T/out" "before the first invoice: the header only"
expect_exit 0 env OWED_TODAY=2026-06-30 "$OWED" aging --format csv
expect_same "$B/aging-2026-06-30.csv" "$T/out" "the default --as-of is today (OWED_TODAY pins it)"

say "JSON"
expect_exit 0 owed aging --as-of 2026-06-30 --format json
python3 - "$T/out" "$B/aging-2026-06-30.csv" >got 2>&1 <<'PY'
import csv, json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert doc["as_of"] == "2026-06-30", doc["as_of"]
assert doc["by"] == "due", doc["by"]
assert doc["buckets"] == ["current", "d1_30", "d31_60", "d61_90", "d91_plus"], doc["buckets"]
want = list(csv.DictReader(open(sys.argv[2], encoding="utf-8", newline="")))
assert doc["rows"] == want, "rows differ from the CSV:\n%s\n%s" % (doc["rows"], want)
cols = ["currency", "current", "d1_30", "d31_60", "d61_90", "d91_plus", "unapplied", "total"]
totals = [[t[c] for c in cols] for t in doc["totals"]]
hand = [
    ["EUR", "500.00", "20.00", "0.00", "0.00", "0.00", "0.00", "520.00"],
    ["JPY", "150000", "0", "234567", "0", "50000", "0", "434567"],
    ["KWD", "75.125", "1000.250", "0.000", "0.000", "0.000", "10.005", "1065.370"],
    ["USD", "13391.17", "400.00", "900.00", "1050.00", "800.00", "50.00", "16491.17"],
]
assert totals == hand, "totals %s, expected %s" % (totals, hand)
print("ok")
PY
expect_eq "$(cat got)" ok "json: as_of, by, buckets, rows equal the CSV, totals per currency (amounts as strings)"
expect_exit 0 owed aging --as-of 2026-06-30 --format json --detail --by issue
python3 - "$T/out" >got 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert doc["by"] == "issue" and doc["buckets"] == ["d0_30", "d31_60", "d61_90", "d91_plus"], doc["buckets"]
items = {i["invoice_number"]: i for i in doc["items"]}
assert len(items) == 17, len(items)
i = items["INV-4002"]
got = (i["customer_ref"], i["currency"], i["days_since_issue"], i["bucket"], i["amount"], i["open"])
assert got == ("C004", "JPY", 76, "d61_90", "1234567", "234567"), got
i = items["INV-5002"]
assert (i["days_since_issue"], i["bucket"], i["open"]) == (60, "d31_60", "75.125"), i
assert "INV-1009" not in items and "INV-1011" not in items
print("ok")
PY
expect_eq "$(cat got)" ok "json --detail --by issue: items with days_since_issue, bucket, amount, open"

say "table"
expect_exit 0 owed aging --as-of 2026-06-30
cp "$T/out" table
expect_eq "$(head -n 1 table)" "Aging as of 2026-06-30, by due date" "title line"
python3 - table >got 2>&1 <<'PY'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
cells = {}
totals = []
for ln in lines[2:]:
    parts = re.split(r"\s{2,}", ln.strip())
    if parts[0] == "Total":
        totals.append(parts[1:])
    elif re.match(r"C00\d$", parts[0]):
        cells[parts[0]] = parts
hdr = re.split(r"\s{2,}", lines[2].strip())
assert hdr == ["Customer", "Name", "Cur", "Current", "1-30", "31-60", "61-90", "91+", "Unapplied", "Total"], hdr
assert cells["C001"] == ["C001", "Acme, Inc.", "USD", "13,345.67", "400.00", "900.00", "1,050.00", "800.00", "0.00", "16,495.67"], cells["C001"]
assert cells["C004"][3:] == ["150,000", "0", "234,567", "0", "50,000", "0", "434,567"], cells["C004"]
assert cells["C005"][3:] == ["75.125", "1,000.250", "0.000", "0.000", "0.000", "10.005", "1,065.370"], cells["C005"]
assert cells["C002"][1] == 'Bob "Best" Supplies', cells["C002"]
assert "C006" not in cells
want = [
    ["EUR", "500.00", "20.00", "0.00", "0.00", "0.00", "0.00", "520.00"],
    ["JPY", "150,000", "0", "234,567", "0", "50,000", "0", "434,567"],
    ["KWD", "75.125", "1,000.250", "0.000", "0.000", "0.000", "10.005", "1,065.370"],
    ["USD", "13,391.17", "400.00", "900.00", "1,050.00", "800.00", "50.00", "16,491.17"],
]
assert totals == want, "Total rows %s" % totals
print("ok")
PY
expect_eq "$(cat got)" ok "table: thousands separators, currency decimals, one Total row per currency"
python3 - table >got 2>&1 <<'PY'
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()[2:]
ws = {width(l) for l in lines}
if len(ws) != 1:
    for l in lines:
        print(width(l), l)
    sys.exit(1)
print("ok")
PY
expect_eq "$(cat got)" ok "table: columns line up on a terminal (京都 is two columns wide per character)"
expect_exit 0 owed aging --as-of 2026-06-30 --detail
expect_line "$T/out" "Aging as of 2026-06-30, by due date" "detail table title"
expect_true "detail table: INV-1010 with its open amount 12,345.67" \
    grep -Eq '^C001 .*INV-1010 .*2026-07-15 +-15 +Current +12,345\.67$' "$T/out"
expect_exit 0 owed aging --as-of 2026-01-31
expect_line "$T/out" "No open receivables or unapplied cash." "empty table says so"

say "usage errors: exit 2"
expect_exit 2 owed aging --as-of 2026-13-01
expect_contains "$T/err" "'2026-13-01' is not a date" "bad date named"
expect_exit 2 owed aging --as-of 2026-02-29
expect_exit 2 owed aging --buckets 30,20
expect_exit 2 owed aging --buckets 0,30
expect_exit 2 owed aging --buckets abc
expect_exit 2 owed aging --buckets 10,20,30,40,50,60,70,80,90
expect_exit 2 owed aging --by week
expect_exit 2 owed aging --format xml
expect_exit 2 owed aging extra
expect_exit 0 owed aging --as-of 2026-06-30 --format csv --buckets 10,20,30,40,50,60,70,80
expect_eq "$(head -n 1 "$T/out")" \
    "customer_ref,customer_name,currency,current,d1_10,d11_20,d21_30,d31_40,d41_50,d51_60,d61_70,d71_80,d81_plus,unapplied,total" \
    "eight edges: nine buckets after current"
expect_line "$T/out" 'C001,"Acme, Inc.",USD,13345.67,100.00,0.00,300.00,400.00,0.00,500.00,350.00,0.00,1500.00,0.00,16495.67' \
    "eight edges: C001 spread by hand (1, 30, 31, 60, 61, 90+91)"

say "rows sort by customer_ref byte by byte, whatever the database's collation"
export OWED_DB
OWED_DB=$(new_db)
expect_exit 0 owed init
printf '%s\n' "customer_ref,name,email,currency,terms,credit_limit" "b-1,Lower b,,USD,NET30," \
    "B2,Upper B,,USD,NET30," "_x,Underscore,,USD,NET30," "a1,Lower a,,USD,NET30," \
    "Z9,Upper Z,,USD,NET30," "é1,Accent,,USD,NET30," >sort-cust.csv
printf '%s\n' "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number" \
    "S-1,b-1,2026-06-01,,,1.00," "S-2,B2,2026-06-01,,,1.00," "S-3,_x,2026-06-01,,,1.00," \
    "S-4,a1,2026-06-01,,,1.00," "S-5,Z9,2026-06-01,,,1.00," "S-6,é1,2026-06-01,,,1.00," >sort-inv.csv
expect_exit 0 owed import customers sort-cust.csv
expect_exit 0 owed import invoices sort-inv.csv
expect_exit 0 owed aging --as-of 2026-06-30 --format csv
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1 | tr '\n' ' ')" "B2 Z9 _x a1 b-1 é1 " \
    "aging: B2 Z9 _x a1 b-1 é1 (bytes), not a language's order"
expect_exit 0 owed aging --as-of 2026-06-30 --format csv --detail
expect_eq "$(tail -n +2 "$T/out" | cut -d, -f1 | tr '\n' ' ')" "B2 Z9 _x a1 b-1 é1 " "aging --detail: the same order"

finish
