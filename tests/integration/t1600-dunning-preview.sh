#!/bin/bash
# owed dunning preview: the latest due step per invoice under the default policy, one
# message per customer and channel with its most severe step, exact JSON; nothing changes.
. "$(dirname "$0")/lib.sh"

setup_db dunning
export OWED_TODAY=2026-07-01

expect_exit 0 owed dunning preview --as-of 2026-07-01 --format json
cat >"$T/want" <<'JSON'
[
  {
    "customer_ref": "C1",
    "channel": "email",
    "step": "late_10",
    "invoices": [
      {
        "invoice_number": "INV-C",
        "step": "late_10",
        "open": "250.00",
        "currency": "USD",
        "days_past_due": 10
      },
      {
        "invoice_number": "INV-B",
        "step": "due",
        "open": "200.00",
        "currency": "USD",
        "days_past_due": 0
      },
      {
        "invoice_number": "INV-A",
        "step": "pre_due_7",
        "open": "100.00",
        "currency": "USD",
        "days_past_due": -7
      }
    ]
  },
  {
    "customer_ref": "C1",
    "channel": "letter",
    "step": "late_60",
    "invoices": [
      {
        "invoice_number": "INV-D",
        "step": "late_60",
        "open": "400.00",
        "currency": "USD",
        "days_past_due": 61
      }
    ]
  },
  {
    "customer_ref": "C2",
    "channel": "agency",
    "step": "late_90",
    "invoices": [
      {
        "invoice_number": "INV-E",
        "step": "late_90",
        "open": "500.00",
        "currency": "EUR",
        "days_past_due": 122
      }
    ]
  }
]
JSON
expect_same "$T/want" "$T/out" "the messages of 2026-07-01"

say "the table says the same for people"
expect_exit 0 owed dunning preview --as-of 2026-07-01
cat >"$T/want" <<'TABLE'
Dunning preview as of 2026-07-01: 3 messages for 5 invoices (email 1, letter 1, agency 1)
Nothing is sent: this is a preview (owed dunning run sends).

Customer  Channel  Message  Invoice  Step       Days        Open  Charges
-------------------------------------------------------------------------
C1        email    late_10  INV-C    late_10      10  250.00 USD
                            INV-B    due           0  200.00 USD
                            INV-A    pre_due_7    -7  100.00 USD
C1        letter   late_60  INV-D    late_60      61  400.00 USD
C2        agency   late_90  INV-E    late_90     122  500.00 EUR
TABLE
expect_same "$T/want" "$T/out" "the table"

say "a day earlier: INV-A is not yet 7 days before due, INV-C not yet 10 days late"
expect_exit 0 owed dunning preview --as-of 2026-06-30 --format json
expect_not_contains "$T/out" '"INV-A"'
expect_contains "$T/out" '"step": "due"'
expect_not_contains "$T/out" '"late_10"'

say "nothing open: an empty array; and the preview changed nothing"
db_digest >"$T/before"
expect_exit 0 owed dunning preview --as-of 2025-01-01 --format json
expect_line "$T/out" "[]"
db_digest >"$T/after"
expect_same "$T/before" "$T/after" "database unchanged"

finish
