#!/bin/bash
# Cash application end to end, the same on SQLite and PostgreSQL: a payment applied by the
# exact rule with an early-payment discount (and its retry), a payment to a named invoice,
# a short payment closed within the org's tolerance, a refund, credit notes, a write-off,
# apply, a reversal with a fee, unapply (which cancels the discount). Every command's
# output is asserted exactly and `owed check` must pass after each step; at the end the
# stored rows of schema v2 (kinds, terms, channel and payer, negative allocations with
# what they reverse, outflows, the tolerance) are asserted too. Many steps read in one
# transaction what they wrote earlier in it (sums of allocations and outflows, the
# allocations of a payment, its reversals), which PostgreSQL's buffered writes must show.
. "$(dirname "$0")/lib.sh"

export OWED_DB=$TEST_DB OWED_TODAY=2026-03-31

# step CODE CMD... <<EXPECTED: exit status CODE and exactly EXPECTED on stdout (on stderr
# when CODE is not 0), then `owed check` passes.
step() {
    local code=$1 stream=out
    shift
    cat >"$T/want"
    expect_exit "$code" owed "$@"
    [ "$code" -eq 0 ] || stream=err
    expect_same "$T/want" "$T/$stream" "$stream of: owed $*"
    run owed check
    if [ "$RC" -eq 0 ]; then
        _ok "owed check after: owed $*"
    else
        _not_ok "owed check after: owed $* (exit $RC)"
        _show "$T/out" "$T/err"
    fi
}

cat >customers.csv <<'CSV'
customer_ref,name,email,currency,terms,credit_limit
C1,Discount Buyer,ap@c1.example,USD,2/10 NET30,10000.00
C2,Net Buyer,ap@c2.example,USD,NET30,
CSV
cat >invoices.csv <<'CSV'
invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number
INV-1,C1,2026-02-10,,USD,500.00,PO-1
INV-2,C1,2026-02-01,,USD,300.00,
INV-3,C1,2026-03-01,,USD,200.00,
INV-4,C2,2026-02-01,,USD,100.00,
INV-5,C2,2026-02-15,,USD,250.00,
INV-6,C2,2026-03-01,,USD,400.00,
INV-7,C2,2026-03-10,,USD,80.00,
CSV

say "setup: customers with 2/10 NET30 and NET30, seven invoices"
expect_exit 0 owed init
step 0 import customers customers.csv <<'EOF'
customers.csv: 2 rows: 2 new customers, 0 already recorded
EOF
step 0 import invoices invoices.csv <<'EOF'
invoices.csv: 7 rows: 7 new invoices, 0 already recorded
EOF

say "the exact rule finds INV-1 at its discounted amount (within 10 days of issue)"
step 0 pay --ref P1 --customer C1 --amount 490.00 --date 2026-02-15 --apply exact <<'EOF'
payment P1 recorded: 490.00 USD from C1
applied 490.00 USD to INV-1 (closed)
discount 10.00 USD on INV-1: paid 2026-02-15, within the discount window of 2/10 NET30
EOF
db_digest >digest.before
step 0 pay --ref P1 --customer C1 --amount 490.00 --date 2026-02-15 --apply exact <<'EOF'
payment P1 is already recorded: nothing changed
EOF
db_digest >digest.after
expect_same digest.before digest.after "the retry changed nothing"
step 3 pay --ref P1 --customer C1 --amount 491.00 --date 2026-02-15 <<'EOF'
owed: payment reference 'P1' is taken by a different payment
EOF
step 3 pay --ref P1B --customer C1 --amount 10.00 --date 2026-02-16 --invoice INV-1 <<'EOF'
owed: invoice INV-1 has nothing open
EOF
expect_eq "$(db_query "SELECT COUNT(*) FROM payments WHERE payment_ref = 'P1B'")" 0 \
    "a refused payment is not recorded"

say "a payment to a named invoice, with method, channel, reference and payer"
step 0 pay --ref P2 --customer C1 --amount 300.00 --date 2026-02-20 --method check \
    --channel bank --reference "cheque 881" --payer-name "Discount Buyer" \
    --payer-account DE00123 --invoice INV-2 <<'EOF'
payment P2 recorded: 300.00 USD from C1
applied 300.00 USD to INV-2 (closed)
EOF

say "tolerance: a short payment applied oldest first closes the second invoice"
expect_exit 0 owed org show
expect_line "$T/out" "tolerance: none"
expect_exit 0 owed org set --tolerance 1.00
expect_line "$T/out" "tolerance: 1.00"
expect_exit 0 owed org show
expect_line "$T/out" "tolerance: 1.00"
step 0 pay --ref P3 --customer C2 --amount 349.40 --date 2026-03-05 --apply oldest <<'EOF'
payment P3 recorded: 349.40 USD from C2
applied 100.00 USD to INV-4 (closed)
applied 249.40 USD to INV-5 (closed)
written off 0.60 USD on INV-5: short payment within the tolerance of 1.00
EOF

say "cash on account, partly refunded"
step 0 pay --ref P4 --customer C2 --amount 50.00 --date 2026-03-06 <<'EOF'
payment P4 recorded: 50.00 USD from C2
50.00 USD of P4 stays unapplied on account
EOF
step 0 refund P4 --amount 20.00 --date 2026-03-07 --reason overpaid <<'EOF'
refunded 20.00 USD of P4 (30.00 USD left on account)
EOF
step 3 refund P4 --amount 30.01 --date 2026-03-07 <<'EOF'
owed: 30.01 USD is more than the 30.00 USD unapplied on P4
EOF

say "credit notes, a write-off, and applying what is left"
step 0 credit-note CN-1 --invoice INV-6 --amount 100.00 --date 2026-03-08 --reason damaged <<'EOF'
credit note CN-1: 100.00 USD for C2
applied 100.00 USD to INV-6 (300.00 still open)
EOF
step 0 credit-note CN-2 --customer C2 --amount 15.00 --date 2026-03-08 --reason goodwill <<'EOF'
credit note CN-2: 15.00 USD for C2
15.00 USD stays as credit on account
EOF
step 0 write-off INV-7 --reason insolvent --date 2026-03-20 --amount 40.00 <<'EOF'
written off 40.00 USD of INV-7 to bad debt (WO-I7-1): insolvent
EOF
step 0 apply P4 --invoice INV-6 <<'EOF'
applied 30.00 USD to INV-6 (270.00 still open)
EOF
step 3 apply P4 --invoice INV-6 <<'EOF'
owed: P4 has nothing unapplied
EOF
step 0 apply CN-2 --rule oldest <<'EOF'
applied 15.00 USD to INV-6 (255.00 still open)
EOF

say "a bounced cheque: reversed once (a repeat changes nothing), with a fee invoice"
step 0 reverse P2 --date 2026-03-25 --reason "cheque returned" --fee 25 <<'EOF'
unapplied 300.00 USD of P2 from INV-2
reversed payment P2: 300.00 USD taken out of cash
fee 25.00 USD charged as invoice FEE-P2, due now
EOF
db_digest >digest.before
step 0 reverse P2 --date 2026-03-25 --fee 25 <<'EOF'
payment P2 was already reversed: nothing changed
EOF
db_digest >digest.after
expect_same digest.before digest.after "reversing again changed nothing"

say "unapply: the discount goes with the allocation; a partial payment unapplied and refunded"
step 0 unapply P1 --date 2026-03-26 <<'EOF'
unapplied 490.00 USD of P1 from INV-1
reversed discount 10.00 USD
EOF
step 0 pay --ref P5 --customer C1 --amount 100.00 --date 2026-03-27 --invoice INV-3=60.00 <<'EOF'
payment P5 recorded: 100.00 USD from C1
applied 60.00 USD to INV-3 (140.00 still open)
40.00 USD of P5 stays unapplied on account
EOF
step 0 unapply P5 --invoice INV-3 --date 2026-03-28 <<'EOF'
unapplied 60.00 USD of P5 from INV-3
EOF
step 3 unapply P5 --invoice INV-3 --date 2026-03-28 <<'EOF'
owed: P5 has nothing applied to INV-3
EOF
step 0 refund P5 --date 2026-03-29 <<'EOF'
refunded 100.00 USD of P5 (0.00 USD left on account)
EOF

say "reports"
step 0 check <<'EOF'
ledger ok: 37 journal entries balance; AR and unapplied cash agree with 8 invoices and 10 payments over 2 customer balances
EOF
# C1: INV-1 (open again, 19 days late), INV-2 (28) and FEE-P2 (6) are 1-30; INV-3 is due
# today; P1 is unapplied. C2: INV-6 255.00 and INV-7 40.00 are not yet due.
step 0 aging --as-of 2026-03-31 --format csv <<'EOF'
customer_ref,customer_name,currency,current,d1_30,d31_60,d61_90,d91_plus,unapplied,total
C1,Discount Buyer,USD,200.00,825.00,0.00,0.00,0.00,490.00,535.00
C2,Net Buyer,USD,295.00,0.00,0.00,0.00,0.00,0.00,295.00
EOF
step 0 customer show C1 --as-of 2026-03-31 <<'EOF'
Customer C1  Discount Buyer
Email ap@c1.example  Currency USD  Terms 2/10 NET30  Credit limit 10,000.00
Open 1,025.00 USD in 4 invoices; unapplied cash 490.00; balance 535.00 (as of 2026-03-31)

Open invoices
Invoice      Issued         Due  Amount    Open  Days late
----------------------------------------------------------
INV-1    2026-02-10  2026-03-12  500.00  500.00         19
INV-2    2026-02-01  2026-03-03  300.00  300.00         28
INV-3    2026-03-01  2026-03-31  200.00  200.00          0
FEE-P2   2026-03-25  2026-03-25   25.00   25.00          6

Payments
Payment       Received  Amount  Method    Invoice  Unapplied
------------------------------------------------------------
P1          2026-02-15  490.00  other     -           490.00
DISC-P1-I1  2026-02-15   10.00  discount  INV-1         0.00
P2          2026-02-20  300.00  check     -             0.00
P5          2026-03-27  100.00  other     -             0.00

Timeline
(nothing yet)
EOF
expect_exit 0 owed customer show C2 --as-of 2026-03-31 --format json
python3 - "$T/out" >got 2>&1 <<'PY'
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
bad = []
for k, v in {"open": "295.00", "unapplied": "0.00", "balance": "295.00"}.items():
    if c.get(k) != v:
        bad.append("%s = %r, expected %r" % (k, c.get(k), v))
inv = [(i["invoice_number"], i["open"]) for i in c["invoices"]]
if inv != [("INV-4", "0.00"), ("INV-5", "0.00"), ("INV-6", "255.00"), ("INV-7", "40.00")]:
    bad.append("invoices %s" % inv)
pay = [(p["payment_ref"], p["amount"], p["method"], p["invoice_number"], p["unapplied"])
       for p in c["payments"]]
want = [("P3", "349.40", "other", "", "0.00"),
        ("DIFF-P4-I5", "0.60", "difference", "INV-5", "0.00"),
        ("P4", "50.00", "other", "", "0.00"),
        ("CN-1", "100.00", "credit note", "INV-6", "0.00"),
        ("CN-2", "15.00", "credit note", "", "0.00"),
        ("WO-I7-1", "40.00", "write-off", "INV-7", "0.00")]
if pay != want:
    bad.append("payments %s" % pay)
print("\n".join(bad) if bad else "ok")
PY
expect_eq "$(cat got)" ok "customer show C2 json: credits by kind, refund and applications counted"

say "what is stored (schema v2), the same on both backends"
db_query "SELECT invoice_number, kind, terms FROM invoices ORDER BY invoice_id" >got
cat >want <<'EOF'
INV-1|1|2/10 NET30
INV-2|1|2/10 NET30
INV-3|1|2/10 NET30
INV-4|1|NET30
INV-5|1|NET30
INV-6|1|NET30
INV-7|1|NET30
FEE-P2|2|
EOF
expect_same want got "invoices: kind (sale, fee) and the terms they were issued on"
db_query "SELECT payment_ref, kind, method, channel, payer_name, payer_account, reference,
          invoice_number FROM payments ORDER BY payment_id" >got
cat >want <<'EOF'
P1|1|other|||||
DISC-P1-I1|3|||||early-payment discount, terms 2/10 NET30|INV-1
P2|1|check|bank|Discount Buyer|DE00123|cheque 881|
P3|1|other|||||
DIFF-P4-I5|5|||||short payment within tolerance|INV-5
P4|1|other|||||
CN-1|2|||||damaged|INV-6
CN-2|2|||||goodwill|
WO-I7-1|4|||||insolvent|INV-7
P5|1|other|||||
EOF
expect_same want got "payments: kind, channel and payer"
db_query "SELECT allocation_id, payment_id, invoice_id, $(sql_date alloc_date), amount_minor,
          reverses FROM allocations ORDER BY allocation_id" >got
cat >want <<'EOF'
1|1|1|2026-02-15|49000|0
2|2|1|2026-02-15|1000|0
3|3|2|2026-02-20|30000|0
4|4|4|2026-03-05|10000|0
5|4|5|2026-03-05|24940|0
6|5|5|2026-03-05|60|0
7|7|6|2026-03-08|10000|0
8|9|7|2026-03-20|4000|0
9|6|6|2026-03-06|3000|0
10|8|6|2026-03-08|1500|0
11|3|2|2026-03-25|-30000|3
12|1|1|2026-03-26|-49000|1
13|2|1|2026-03-26|-1000|2
14|10|3|2026-03-27|6000|0
15|10|3|2026-03-28|-6000|14
EOF
expect_same want got "allocations: an unapply is negative and names what it reverses"
db_query "SELECT outflow_id, payment_id, kind, $(sql_date out_date), amount_minor, reason
          FROM outflows ORDER BY outflow_id" >got
cat >want <<'EOF'
1|6|1|2026-03-07|2000|overpaid
2|3|2|2026-03-25|30000|cheque returned
3|2|2|2026-03-26|1000|reversed with its payment
4|10|1|2026-03-29|10000|credit balance refunded
EOF
expect_same want got "outflows: refunds and reversals"
expect_eq "$(db_query "SELECT tolerance FROM orgs WHERE org_id = 1")" 1.00 "orgs.tolerance"

finish
