#!/bin/bash
# A crash mid-import leaves the database consistent and unchanged: owed is killed with
# SIGKILL while it writes a large invoices file, then the ledger check passes, nothing of
# the file is there, and the same import then runs to completion.
. "$(dirname "$0")/lib.sh"

state() {
    db_query "SELECT (SELECT COUNT(*) FROM invoices), (SELECT COUNT(*) FROM journal_lines)" "${OWED_DB:-owed.db}"
}

# Waits (up to 10 s) until the import's transaction has written rows: on pg, its server
# session has a transaction id; on sqlite, 0.4 s in (300,000 rows take seconds).
wait_mid_import() {
    if [ "$OWED_BACKEND" = sqlite ]; then
        sleep 0.4
        return
    fi
    local i
    for i in $(seq 1 200); do
        [ "$(db_query "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
            AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")" -gt 0 ] && return
        kill -0 "$pid" 2>/dev/null || return
        sleep 0.05
    done
}

expect_exit 0 owed gen --customers 500 --invoices 300000 --seed 3 --out data
expect_exit 0 owed init
expect_exit 0 owed import customers data/customers.csv
before=$(state)

say "kill -9 during the invoices import"
"$OWED" import invoices data/invoices.csv >import.out 2>import.err &
pid=$!
# Half-way through its transaction (if it finished already, the check below says so and the
# test fails).
wait_mid_import
killed=no
if kill -9 "$pid" 2>/dev/null; then killed=yes; fi
wait "$pid" 2>/dev/null
expect_eq "$killed" yes "the import was still running when killed"

expect_exit 0 owed check
expect_contains "$T/out" "ledger ok" "ledger invariants hold after the crash"
expect_eq "$(state)" "$before" "nothing of the killed import is in the database"

say "the same import afterwards"
expect_exit 0 owed import invoices data/invoices.csv
expect_contains "$T/out" "300000 new invoices" "every row is imported once"
expect_exit 0 owed check
expect_contains "$T/out" "ledger ok" "ledger invariants hold"

finish
