#!/bin/bash
# owed init: creates the database, prints the schema version, is harmless twice; where the
# database lives (--db, OWED_DB, ./owed.db); commands on a missing database fail cleanly.
. "$(dirname "$0")/lib.sh"

say "default ./owed.db in the current directory"
mkdir cwd && cd cwd || exit 1
expect_exit 0 owed init
expect_line "$T/out" "initialized owed.db (schema version 1)"
expect_true "./owed.db exists" test -s owed.db
expect_eq "$(sqlite3 owed.db 'SELECT MAX(version) FROM schema_migrations')" 1 \
    "schema_migrations records version 1"
expect_eq "$(sqlite3 owed.db 'SELECT COUNT(*) FROM orgs')" 1 "one default organization"
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
db_digest owed.db >before
expect_exit 0 owed init
expect_line "$T/out" "initialized owed.db (schema version 1)" "second init prints the version again"
db_digest owed.db >after
expect_same before after "second init changes nothing (customers kept, still one org)"
cd "$T" || exit 1

say "--db PATH"
expect_exit 0 owed init --db "$T/viaopt.db"
expect_line "$T/out" "initialized $T/viaopt.db (schema version 1)"
expect_true "--db file exists" test -s "$T/viaopt.db"
expect_true "no ./owed.db was created" test ! -e "$T/owed.db"

say "OWED_DB"
expect_exit 0 env OWED_DB="$T/viaenv.db" "$OWED" init
expect_line "$T/out" "initialized $T/viaenv.db (schema version 1)"
expect_true "OWED_DB file exists" test -s "$T/viaenv.db"
expect_true "no ./owed.db was created" test ! -e "$T/owed.db"
expect_exit 0 env OWED_DB="$T/viaenv.db" "$OWED" init --db "$T/both.db"
expect_true "--db wins over OWED_DB" test -s "$T/both.db"
expect_exit 0 env OWED_DB="$T/viaenv.db" "$OWED" aging --as-of 2026-06-30 --format csv
expect_same <(echo "customer_ref,customer_name,currency,current,d1_30,d31_60,d61_90,d91_plus,unapplied,total") \
    "$T/out" "aging on an empty database: the header only"

say "commands on a missing database: exit 1, a clear message, no file created"
mkdir empty && cd empty || exit 1
for cmd in "aging --as-of 2026-06-30" "kpi --as-of 2026-06-30" "check" "customer show C001" \
    "import customers $OWED_TESTDATA/basic/customers.csv"; do
    # shellcheck disable=SC2086
    expect_exit 1 owed $cmd
    expect_line "$T/err" "owed: owed.db: no database here (create one with \`owed init\`)" \
        "owed $cmd says there is no database"
done
expect_exit 1 owed check --db "$T/missing.db"
expect_contains "$T/err" "$T/missing.db" "the message names the --db path"
expect_true "nothing was created by the failed commands" test -z "$(ls -A .)" -a ! -e "$T/missing.db"
cd "$T" || exit 1

say "a file that is not an owed database"
: >"$T/zero.db"
expect_exit 1 owed check --db "$T/zero.db"
expect_line "$T/err" "owed: $T/zero.db is not an owed database (create one with \`owed init\`)"
echo "this is not sqlite" >"$T/garbage.db"
expect_exit 1 owed aging --as-of 2026-06-30 --db "$T/garbage.db"
expect_contains "$T/err" "$T/garbage.db" "the error for a non-SQLite file names the file"

say "init where the file cannot be created"
expect_exit 1 owed init --db "$T/no/such/dir/x.db"
expect_contains "$T/err" "owed: $T/no/such/dir/x.db: " "the error names the path"

say "usage errors"
expect_exit 2 owed init extra-argument
expect_exit 2 owed init --frobnicate

finish
