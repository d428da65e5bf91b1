#!/usr/bin/env bash
# owed aging --format xlsx and GET /api/v1/reports/aging as a workbook, on the hand-worked
# data set (tests/data/basic: USD, EUR, JPY with no decimals, KWD with three), read back
# with python3's zipfile and xml (tests/tools/xlsx_cells.py), never with the library that
# wrote it: the Summary sheet equals the CSV summary cell for cell and its Total rows the
# JSON totals, the Detail sheet equals the detail CSV, amounts are numbers in each
# currency's number format, dates real dates; the same bytes every time, from the CLI and
# the API; no temporary file left behind; refusals.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TOOLS="$LIB_DIR/../tools"
setup_db basic
# libxlsxwriter builds the workbook in a private directory under $TMPDIR: it must be gone
# after every run, whatever happened.
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# check_workbook WHAT XLSX SUMMARY_CSV DETAIL_CSV JSON: the workbook shows exactly the
# numbers of the CSV summary, the detail CSV and the JSON totals of the same report.
check_workbook() {
    local what=$1
    shift
    "$PY" - "$TOOLS" "$@" >"$T/check" 2>&1 <<'PY'
import csv, json, re, sys
sys.path.insert(0, sys.argv[1])
import xlsx_cells as X
book = X.read(sys.argv[2])
summary = list(csv.reader(open(sys.argv[3], encoding="utf-8", newline="")))
detail = list(csv.DictReader(open(sys.argv[4], encoding="utf-8", newline="")))
doc = json.load(open(sys.argv[5], encoding="utf-8"))
assert list(book) == ["Summary", "Detail"], list(book)

def label(name):  # the CSV's bucket name as the workbook's header says it
    if name == "current":
        return "Current"
    return name[1:].replace("_plus", "+").replace("_", "-")

def decimals(s):
    return len(s.split(".")[1]) if "." in s else 0

def fmt(cur, d):
    return "[$%s] #,##0%s" % (cur, "." + "0" * d if d else "")

def money(cell, want, cur, where):
    d = decimals(want)
    assert cell.fmt == fmt(cur, d), "%s: format %r, want %r" % (where, cell.fmt, fmt(cur, d))
    got = X.number_at(cell, d)
    assert got == want, "%s: %s (%r), want %s" % (where, got, cell.value, want)

def text(cell, want, where):
    if want == "":
        assert cell is None or cell.value == "", "%s: %r, want empty" % (where, cell)
        return
    assert cell is not None and cell.kind == "text" and cell.value == want, \
        "%s: %r, want %r" % (where, cell, want)

# Summary: the header, then the CSV's rows cell for cell, then a bold Total row per currency.
s = book["Summary"]
head = summary[0]
nb = len(head) - 5
want_head = ["Customer", "Name", "Currency"] + [label(b) for b in head[3:3 + nb]] + ["Unapplied", "Total"]
assert [c.value for c in s.rows[0]] == want_head, [c.value for c in s.rows[0]]
assert all(c.bold for c in s.rows[0]), "header not bold"
assert s.frozen_rows == 1, s.frozen_rows
rows = summary[1:]
assert s.autofilter == "A1:%s%d" % (chr(64 + len(head)), 1 + len(rows)), s.autofilter
assert len(s.rows) == 1 + len(rows) + len(doc["totals"]), (len(s.rows), len(rows), len(doc["totals"]))
for i, r in enumerate(rows):
    got = s.rows[1 + i]
    where = "Summary row %d (%s)" % (i + 2, r[0])
    for k in range(3):
        text(got[k], r[k], "%s col %d" % (where, k + 1))
    for k in range(3, len(head)):
        money(got[k], r[k], r[2], "%s %s" % (where, head[k]))
        assert not got[k].bold, where
for i, t in enumerate(doc["totals"]):
    got = s.rows[1 + len(rows) + i]
    where = "Summary Total %s" % t["currency"]
    text(got[0], "Total", where)
    text(got[2], t["currency"], where)
    for k in range(3, len(head)):
        money(got[k], t[head[k]], t["currency"], "%s %s" % (where, head[k]))
        assert got[k].bold, "%s %s not bold" % (where, head[k])

# Detail: the detail CSV's rows; dates are date serials formatted yyyy-mm-dd.
d = book["Detail"]
dcols = ["Customer", "Name", "Invoice", "Currency", "Issue date", "Due date",
         "Days since issue" if doc["by"] == "issue" else "Days past due", "Bucket", "Amount", "Open"]
assert [c.value for c in d.rows[0]] == dcols, [c.value for c in d.rows[0]]
assert len(d.rows) == 1 + len(detail), (len(d.rows), len(detail))
assert d.autofilter == "A1:J%d" % (1 + len(detail)), d.autofilter
days = "days_since_issue" if doc["by"] == "issue" else "days_past_due"
for i, r in enumerate(detail):
    got = d.rows[1 + i]
    where = "Detail row %d (%s)" % (i + 2, r["invoice_number"])
    for k, col in enumerate(["customer_ref", "customer_name", "invoice_number", "currency"]):
        text(got[k], r[col], "%s %s" % (where, col))
    for k, col in ((4, "issue_date"), (5, "due_date")):
        assert got[k].fmt == "yyyy-mm-dd", "%s %s: %r" % (where, col, got[k])
        assert X.date_of(got[k]) == r[col], "%s %s: %s" % (where, col, X.date_of(got[k]))
    assert got[6].kind == "number" and got[6].value == r[days], "%s days: %r" % (where, got[6])
    text(got[7], label(r["bucket"]), where + " bucket")
    money(got[8], r["amount"], r["currency"], where + " amount")
    money(got[9], r["open"], r["currency"], where + " open")
print("ok %d summary rows, %d totals, %d items" % (len(rows), len(doc["totals"]), len(detail)))
PY
    if grep -q '^ok ' "$T/check"; then
        _ok "$what: $(cat "$T/check")"
    else
        _not_ok "$what"
        _show "$T/check"
    fi
}

# report NAME ARGS...: the xlsx, the CSV summary and detail and the JSON of one report.
report() {
    local name=$1
    shift
    expect_exit 0 owed aging "$@" --format xlsx -o "$T/$name.xlsx"
    expect_exit 0 owed aging "$@" --format csv
    cp "$T/out" "$T/$name.csv"
    expect_exit 0 owed aging "$@" --format csv --detail
    cp "$T/out" "$T/$name-detail.csv"
    expect_exit 0 owed aging "$@" --format json
    cp "$T/out" "$T/$name.json"
}

say "the workbook equals the CSV report: USD, EUR, JPY (no decimals), KWD (three)"
report basic --as-of 2026-06-30
expect_eq "$(head -c 2 "$T/basic.xlsx")" "PK" "a ZIP container"
check_workbook "as of 2026-06-30" "$T/basic.xlsx" "$T/basic.csv" "$T/basic-detail.csv" "$T/basic.json"
"$PY" - "$TOOLS" "$T/basic.xlsx" >"$T/check" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import xlsx_cells as X
s = X.read(sys.argv[2])["Summary"]
by_ref = {r[0].value: r for r in s.rows[1:]}
jpy = by_ref["C004"]
assert jpy[2].value == "JPY" and jpy[3].value == "150000" and jpy[3].fmt == "[$JPY] #,##0", jpy
kwd = by_ref["C005"]
assert X.number_at(kwd[4], 3) == "1000.250" and kwd[4].fmt == "[$KWD] #,##0.000", kwd
assert by_ref["C004"][1].value == "Kyoto Trading 京都", by_ref["C004"][1]
assert by_ref["C002"][9].value == "-4.5", by_ref["C002"][9]
totals = [r for r in s.rows if r[0].value == "Total"]
assert [r[2].value for r in totals] == ["EUR", "JPY", "KWD", "USD"], totals
assert X.number_at(totals[3][9], 2) == "16491.17", totals[3]
print("ok")
PY
expect_eq "$(cat "$T/check")" ok "by hand: JPY 150000 as [\$JPY] #,##0, KWD 1000.250, 京都, a negative total, USD total 16491.17"

report later --as-of 2026-07-01 --by issue --buckets 15,45
check_workbook "as of 2026-07-01 --by issue --buckets 15,45" "$T/later.xlsx" "$T/later.csv" \
    "$T/later-detail.csv" "$T/later.json"
report empty --as-of 2026-01-31
check_workbook "before the first invoice: headers only" "$T/empty.xlsx" "$T/empty.csv" \
    "$T/empty-detail.csv" "$T/empty.json"

say "the same bytes every time; stdout when it is not a terminal; -o -"
expect_exit 0 owed aging --as-of 2026-06-30 --format xlsx --detail
expect_true "stdout (a redirection) and --detail: the same workbook as -o" cmp "$T/out" "$T/basic.xlsx"
expect_exit 0 owed aging --as-of 2026-06-30 --format xlsx -o -
expect_true "-o - is stdout" cmp "$T/out" "$T/basic.xlsx"
expect_true "no temporary file left behind" test -z "$(ls -A "$TMPDIR")"

say "refusals"
"$PY" - "$OWED" >"$T/tty" 2>&1 <<'PY'
import os, pty, sys
# stdout a terminal: owed must refuse before it computes anything.
status = pty.spawn([sys.argv[1], "aging", "--as-of", "2026-06-30", "--format", "xlsx"])
print("\nexit", os.waitstatus_to_exitcode(status))
PY
expect_contains "$T/tty" "exit 2" "to a terminal: a usage error (exit 2)"
expect_contains "$T/tty" "write it to a file with -o FILE.xlsx" "to a terminal: says to use -o"
expect_exit 2 owed aging --format xls
expect_contains "$T/err" "'xls' is not a format (table, csv, json, xlsx)" "an unknown format names xlsx"
expect_exit 1 owed aging --as-of 2026-06-30 --format xlsx -o "$T/no/such/dir/a.xlsx"
expect_contains "$T/err" "no/such/dir/a.xlsx: cannot write" "-o into a missing directory"
expect_exit 1 env TMPDIR="$T/missing" "$OWED" aging --as-of 2026-06-30 --format xlsx -o "$T/x.xlsx"
expect_contains "$T/err" "owed: xlsx: $T/missing/owed-xlsx-" "no temporary directory: the path"
expect_true "no temporary directory: no file written" test ! -e "$T/x.xlsx"
expect_exit 2 owed customer show C001 --format xlsx

say "the API: ?format=xlsx and Accept, an attachment, the CLI's bytes"
TOKEN=$(make_user viewer@example.com viewer)
start_server --no-scheduler
XLSX=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-06-30&format=xlsx"
expect_contains "$T/headers" "Content-Type: $XLSX"
expect_contains "$T/headers" 'Content-Disposition: attachment; filename="aging-2026-06-30.xlsx"'
expect_true "?format=xlsx: the bytes of owed aging --format xlsx" cmp "$T/body" "$T/basic.xlsx"
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-07-01&by=issue&buckets=15,45" "" \
    -H "Accept: $XLSX"
expect_true "Accept: $XLSX with by and buckets: the CLI's bytes" cmp "$T/body" "$T/later.xlsx"
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-06-30" "" -H "Accept: application/json, $XLSX"
expect_contains "$T/headers" "Content-Type: application/json"
expect_not_contains "$T/headers" "Content-Disposition" "JSON ahead of xlsx in Accept: JSON, inline"
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-06-30&format=csv" "" -H "Accept: $XLSX"
expect_contains "$T/headers" "Content-Type: text/csv" "?format=csv wins over Accept"
expect_status 400 GET "/api/v1/reports/aging?as_of=2026-02-30&format=xlsx"
pids=""
for i in 1 2 3 4 5 6 7 8; do
    q="as_of=2026-06-30&format=xlsx"
    [ $((i % 2)) = 1 ] && q="as_of=2026-07-01&by=issue&buckets=15,45&format=xlsx"
    curl -s -S -o "$T/par$i.xlsx" -H "Authorization: Bearer $TOKEN" \
        "$BASE_URL/api/v1/reports/aging?$q" &
    pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
bad=""
for i in 1 2 3 4 5 6 7 8; do
    want="$T/basic.xlsx"
    [ $((i % 2)) = 1 ] && want="$T/later.xlsx"
    cmp -s "$T/par$i.xlsx" "$want" || bad="$bad $i"
done
expect_eq "$bad" "" "eight downloads at once, two dates: each the CLI's bytes"
expect_true "the server left no temporary file behind" test -z "$(ls -A "$TMPDIR")"

finish
