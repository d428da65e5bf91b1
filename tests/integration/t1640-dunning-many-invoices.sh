#!/bin/bash
# One message for a customer with many invoices: every invoice is listed and every fee is
# posted, however many there are (no fixed-size lists in a message).
. "$(dirname "$0")/lib.sh"

N=150
expect_exit 0 owed init
printf 'customer_ref,name,email,currency,terms,credit_limit\nM1,Many GmbH,ap@many.example,EUR,NET30,\n' \
    >"$T/customers.csv"
{
    echo "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number"
    for i in $(seq 1 $N); do echo "MI-$i,M1,2026-04-01,2026-05-01,EUR,$i.00,"; done
} >"$T/invoices.csv"
expect_exit 0 owed import customers "$T/customers.csv"
expect_exit 0 owed import invoices "$T/invoices.csv"
expect_exit 0 owed org set --mail-from "AR <ar@example.com>"
export OWED_TODAY=2026-06-05   # 35 days late: late_30, with the EU statutory fee of 40.00

expect_exit 0 owed dunning run
expect_line "$T/out" "Run 1: 1 message queued, $N firings, $N charges posted"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices WHERE invoice_number LIKE 'FEE-%'")" "$N" \
    "a fee invoice for every invoice"
expect_eq "$(db_query "SELECT SUM(amount_minor) FROM invoices WHERE invoice_number LIKE 'FEE-%'")" \
    "$((N * 4000))" "40.00 EUR each"
expect_exit 0 owed outbox show 1
expect_contains "$T/out" "MI-1 " "the first invoice is listed"
expect_contains "$T/out" "MI-$N " "the last invoice is listed"
expect_contains "$T/out" "FEE-MI-$N-late_30" "the last fee is listed"
expect_exit 0 owed check
finish
