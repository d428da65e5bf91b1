#!/bin/bash
# The outbox delivers each message at most once even when the sender is killed at any
# moment: 200 runs of `owed outbox send` killed with SIGKILL after a random delay, against
# a real SMTP server, then one run to the end. No Message-ID may arrive twice; every
# message must end sent (and have arrived exactly once) or uncertain (the sender died
# after handing over the end of data: presumed delivered, flagged for a person, never
# resent by itself). The figures go to the log.
. "$(dirname "$0")/lib.sh"

N=300     # messages
KILLS=${OWED_CRASH_KILLS:-200}

expect_exit 0 owed init
{
    echo "customer_ref,name,email,currency,terms,credit_limit"
    for i in $(seq 1 $N); do echo "K$i,Customer $i,ap$i@example.com,USD,NET30,"; done
} >"$T/customers.csv"
{
    echo "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number"
    for i in $(seq 1 $N); do echo "INV-$i,K$i,2026-05-01,2026-06-21,USD,$i.00,"; done
} >"$T/invoices.csv"
expect_exit 0 owed import customers "$T/customers.csv"
expect_exit 0 owed import invoices "$T/invoices.csv"
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --mail-from "AR <ar@example.com>" --smtp-url "$SMTP_URL"
export OWED_TODAY=2026-07-01
expect_exit 0 owed dunning run
expect_line "$T/out" "Run 1: $N messages queued, $N firings, 0 charges posted"

say "$KILLS senders killed at random points"
for i in $(seq 1 "$KILLS"); do
    "$OWED" outbox send --lease 0 >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$(printf '%02d' $((RANDOM % 40)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
say "then one sender to the end"
expect_exit 0 owed outbox send --lease 0

received=$(ls "$T/mail" | grep -c '\.eml$')
dups=$(grep -h '^Message-ID:' "$T/mail"/*.eml | sort | uniq -d | wc -l)
sent=$(db_query "SELECT COUNT(*) FROM outbox WHERE status = 4")
uncertain=$(db_query "SELECT COUNT(*) FROM outbox WHERE status = 3")
other=$(db_query "SELECT COUNT(*) FROM outbox WHERE status NOT IN (3, 4)")
expect_eq "$dups" 0 "no message delivered twice"
expect_eq "$other" 0 "every message ended sent or uncertain"
expect_eq "$((sent + uncertain))" "$N" "all $N messages accounted for"

# Each sent message arrived exactly once; each uncertain one at most once. A message's
# Message-ID is <dunning-RUN-KEY.orgORG@domain>, KEY = customer id * 8 + channel.
db_query "SELECT customer_id * 8 + channel, status FROM outbox" | sort >"$T/status"
grep -h '^Message-ID:' "$T/mail"/*.eml | sed 's/^Message-ID: <dunning-1-\([0-9]*\)\..*/\1/' |
    sort | uniq -c | awk '{print $2 "|" $1}' >"$T/got"
read -r bad uncertain_received < <(awk -F'|' '
    NR == FNR { got[$1] = $2; next }
    { n = ($1 in got) ? got[$1] : 0
      if ($2 == 4 && n != 1) { bad++; print "# key " $1 ": sent but received " n " times" > "/dev/stderr" }
      if ($2 == 3) { if (n > 1) bad++; ur += n } }
    END { print bad + 0, ur + 0 }' "$T/got" "$T/status")
expect_eq "$bad" 0 "sent messages arrived exactly once, uncertain ones at most once"
say "figures: $KILLS kills, $N messages, $received received, $sent sent," \
    "$uncertain uncertain ($uncertain_received of them received, $((uncertain - uncertain_received)) not)," \
    "0 duplicates"
finish
