#!/bin/bash
# owed customer show: open items, payments and balance of one customer (table and json).
. "$(dirname "$0")/lib.sh"

setup_db basic

# rows_of FILE: each table line as cells separated by "|" (cells are split on 2+ blanks).
rows_of() { sed -E 's/^ +//; s/ {2,}/|/g' "$1"; }

say "table for C001 as of 2026-06-30 (what aging counts: INV-1009 and P-004 come later)"
expect_exit 0 owed customer show C001 --as-of 2026-06-30
rows_of "$T/out" >rows
expect_line "$T/out" "Customer C001  Acme, Inc."
expect_line "$T/out" "Email ap@acme.example  Currency USD  Terms NET30  Credit limit 50,000.00"
# Open: 1000 + 100 + 300 + 400 + 500 + 350 + 700 + 800 + 12345.67 = aging's total for C001
# (INV-1011 paid; INV-1003 is paid by P-004 only on 07-01; INV-1009 is issued on 07-01).
expect_line "$T/out" "Open 16,495.67 USD in 9 invoices; unapplied cash 0.00; balance 16,495.67 (as of 2026-06-30)"
expect_line "$T/out" "Open invoices"
expect_line rows "INV-1002|2026-05-30|2026-06-29|200.00|100.00|1" "INV-1002: partly paid, 1 day late"
expect_line rows "INV-1006|2026-03-31|2026-04-30|600.00|350.00|61" "INV-1006: 350.00 open, 61 days late"
expect_line rows "INV-1008|2026-03-01|2026-03-31|800.00|800.00|91" "INV-1008: 91 days late"
expect_line rows "INV-1010|2026-06-15|2026-07-15|12,345.67|12,345.67|0" "INV-1010: not due, 0 days late, grouped"
expect_true "INV-1011 (paid in full) is not an open item" test -z "$(grep '^INV-1011|' rows)"
expect_line rows "INV-1003|2026-04-01|2026-05-31|300.00|300.00|30" "INV-1003: P-004 comes after the date"
expect_true "INV-1009 (issued after the date) is not listed" test -z "$(grep '^INV-1009|' rows)"
expect_line rows "P-002|2026-06-20|250.00|wire|INV-1006|0.00" "payment P-002 listed"
expect_line rows "P-003|2026-06-30|100.00|check|INV-1002|0.00" "payment P-003 listed"
expect_eq "$(grep -c '^P-00' rows)" 3 "three payments by the date"

say "unapplied cash and a negative balance: C002"
expect_exit 0 owed customer show C002 --as-of 2026-06-30
rows_of "$T/out" >rows
expect_line "$T/out" "Customer C002  Bob \"Best\" Supplies"
expect_line "$T/out" "Email -  Currency USD  Terms DUE  Credit limit none"
# Unapplied: 20.00 left from P-010 + 30.00 of P-011 = aging's 50.00 (P-012 comes on 07-05).
expect_line "$T/out" "Open 45.50 USD in 1 invoice; unapplied cash 50.00; balance -4.50 (as of 2026-06-30)"
expect_line rows "P-010|2026-06-15|100.00|card|INV-2001|20.00" "overpayment: 20.00 left unapplied"
expect_line rows "P-011|2026-06-28|30.00|cash|-|30.00" "payment on account: all unapplied"

say "currency decimals: C004 (JPY) and C005 (KWD)"
expect_exit 0 owed customer show C004 --as-of 2026-06-30
rows_of "$T/out" >rows
expect_line "$T/out" "Open 434,567 JPY in 3 invoices; unapplied cash 0; balance 434,567 (as of 2026-06-30)"
expect_line rows "INV-4002|2026-04-15|2026-05-30|1,234,567|234,567|31" "JPY without decimals"
expect_exit 0 owed customer show C005 --as-of 2026-06-30
expect_line "$T/out" "Open 1,075.375 KWD in 2 invoices; unapplied cash 10.005; balance 1,065.370 (as of 2026-06-30)"

say "nothing open: C006"
expect_exit 0 owed customer show C006 --as-of 2026-06-30
expect_line "$T/out" "Open 0.00 USD in 0 invoices; unapplied cash 0.00; balance 0.00 (as of 2026-06-30)"
expect_line "$T/out" "(none)" "no open invoices: (none)"

say "json"
expect_exit 0 owed customer show C003 --as-of 2026-06-30 --format json
python3 - "$T/out" >got 2>&1 <<'PY'
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
want = {"customer_ref": "C003", "name": "Café Zürich GmbH", "email": "buchhaltung@cafe-zuerich.example",
        "currency": "EUR", "terms": "2/10 NET30", "credit_limit": "10000.00", "as_of": "2026-06-30",
        "open": "520.00", "unapplied": "0.00", "balance": "520.00"}
bad = ["%s = %r, expected %r" % (k, c.get(k), v) for k, v in want.items() if c.get(k) != v]
inv = [(i["invoice_number"], i["issue_date"], i["due_date"], i["amount"], i["open"]) for i in c["invoices"]]
want_inv = [("INV-3001", "2026-05-15", "2026-06-14", "1000.00", "20.00"),
            ("INV-3002", "2026-05-20", "2026-06-19", "2000.00", "0.00"),
            ("INV-3003", "2026-06-20", "2026-07-20", "500.00", "500.00")]
if inv != want_inv:
    bad.append("invoices %s" % inv)
pay = [(p["payment_ref"], p["received_date"], p["amount"], p["method"], p["reference"],
        p["invoice_number"], p["unapplied"]) for p in c["payments"]]
want_pay = [("P-020", "2026-06-01", "980.00", "sepa", "took a 2% discount", "INV-3001", "0.00"),
            ("P-021", "2026-06-01", "2000.00", "sepa", "second invoice same day", "INV-3002", "0.00")]
if pay != want_pay:
    bad.append("payments %s" % pay)
print("\n".join(bad) if bad else "ok")
PY
expect_eq "$(cat got)" ok "json: customer fields, invoices with open amounts, payments with unapplied"
expect_exit 0 owed customer show C004 --as-of 2026-06-30 --format json
expect_eq "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(c["name"], c["credit_limit"], c["open"], c["unapplied"], c["balance"])' "$T/out")" \
    "Kyoto Trading 京都 5000000 434567 0 434567" "json: JPY amounts without decimals, UTF-8 name (P-032 comes after the date)"

say "errors"
expect_exit 1 owed customer show NOPE
expect_line "$T/err" "owed: no customer 'NOPE'" "unknown customer: exit 1 and a clear message"
expect_exit 2 owed customer show
expect_exit 2 owed customer list C001
expect_exit 2 owed customer show C001 --format csv
expect_exit 2 owed customer show C001 --as-of 2026-13-01

finish
