#!/bin/bash
# PostgreSQL connection failures: a clear error naming the database (never the password),
# a non-zero exit, and no partial import when the server drops the connection mid-import.
. "$(dirname "$0")/lib.sh"

if [ "$OWED_BACKEND" != pg ]; then
    echo "t1300: skipped: PostgreSQL connection failures (run with OWED_BACKEND=pg)"
    exit 77
fi

say "nothing listening"
expect_exit 1 owed check --db "postgresql://owed:s3cret@127.0.0.1:1/owed"
expect_contains "$T/err" "postgresql://owed@127.0.0.1:1/owed" "the error names the database"
expect_not_contains "$T/err" "s3cret" "the error never shows the password"

say "authentication failure"
port=${PG_URL##*:}
expect_exit 1 owed check --db "postgresql://owed_pw:wrong-pw@127.0.0.1:$port/postgres"
expect_contains "$T/err" "postgresql://owed_pw@127.0.0.1:$port/postgres" "the error names the database"
expect_contains "$T/err" "password authentication failed" "and says why"
expect_not_contains "$T/err" "wrong-pw" "the error never shows the password"
expect_exit 1 owed check --db "postgresql://owed_pw@127.0.0.1:$port/postgres?password=wrong-pw"
expect_not_contains "$T/err" "wrong-pw" "nor a password given as a URL parameter"
say "the right password"
db=$(new_db)
expect_exit 0 owed init --db "postgresql://owed_pw:owed-test-pw@127.0.0.1:$port/${db##*/}"
expect_not_contains "$T/out" "owed-test-pw" "init does not print the password either"

say "no such database"
expect_exit 1 owed check --db "$PG_URL/owed_no_such_db"
expect_contains "$T/err" "owed_no_such_db" "the error names the database"

say "a database without owed's schema"
empty=$(new_db)
expect_exit 1 owed aging --db "$empty"
expect_contains "$T/err" "is not an owed database" "says to run owed init"

say "the server drops the connection mid-import"
expect_exit 0 owed gen --customers 100 --invoices 100000 --seed 9 --out data
expect_exit 0 owed init
expect_exit 0 owed import customers data/customers.csv
before=$(db_query "SELECT COUNT(*) FROM invoices")
"$OWED" import invoices data/invoices.csv >imp.out 2>imp.err &
pid=$!
# Wait until the import is writing (its session holds the organization's write lock).
for _ in $(seq 1 200); do
    # Only this test's database: under ctest -j2 other tests hold advisory locks too.
    n=$(pg_sql "$PG_URL/postgres" "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'
        AND database = (SELECT oid FROM pg_database WHERE datname = '${TEST_DB##*/}')")
    [ "$n" -gt 0 ] && break
    sleep 0.05
done
pg_sql "$PG_URL/postgres" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = '${TEST_DB##*/}' AND pid <> pg_backend_pid()" >/dev/null
wait "$pid"
rc=$?
expect_eq "$rc" 1 "the import fails with exit 1"
expect_contains imp.err "${TEST_DB##*/}" "the error names the database"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices")" "$before" "nothing of the import is there"
expect_exit 0 owed check
expect_contains "$T/out" "ledger ok" "the ledger is green"

finish
