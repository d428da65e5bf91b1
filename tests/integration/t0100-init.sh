#!/bin/bash
# owed init: creates the database, prints the schema version, is harmless twice; where the
# database lives (--db, OWED_DB, ./owed.db); commands on a missing database fail cleanly.
# On pg: the same through postgresql:// URLs, missing databases and servers, no password
# in any message.
. "$(dirname "$0")/lib.sh"

# The latest schema version: the number of the last migration file.
LATEST=$(cd "$LIB_DIR/../../src/store/migrations/sqlite" && ls [0-9]*.sql | sort | tail -n 1)
LATEST=$((10#${LATEST%%_*}))

if [ "$OWED_BACKEND" = sqlite ]; then
    say "default ./owed.db in the current directory"
    unset OWED_DB
    mkdir cwd && cd cwd || exit 1
    DB=owed.db
else
    say "OWED_DB=postgresql://... (the test's fresh database)"
    echo "# pg: the ./owed.db default and the file checks below are SQLite's; skipped here"
    DB=$OWED_DB
fi
expect_exit 0 owed init
expect_line "$T/out" "initialized $DB (schema version $LATEST)"
[ "$OWED_BACKEND" = sqlite ] && expect_true "./owed.db exists" test -s owed.db
expect_eq "$(db_query 'SELECT MAX(version) FROM schema_migrations' "$DB")" "$LATEST" \
    "schema_migrations records version $LATEST"
expect_eq "$(db_query 'SELECT COUNT(*) FROM orgs' "$DB")" 1 "one default organization"
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
db_digest "$DB" >before
expect_exit 0 owed init
expect_line "$T/out" "initialized $DB (schema version $LATEST)" "second init prints the version again"
db_digest "$DB" >after
expect_same before after "second init changes nothing (customers kept, still one org)"
cd "$T" || exit 1
unset OWED_DB

say "--db DB"
db=$(new_db)
expect_exit 0 owed init --db "$db"
expect_line "$T/out" "initialized $db (schema version $LATEST)"
[ "$OWED_BACKEND" = sqlite ] && expect_true "--db file exists" test -s "$db"
expect_eq "$(db_query 'SELECT MAX(version) FROM schema_migrations' "$db")" "$LATEST" "--db database initialized"
expect_true "no ./owed.db was created" test ! -e "$T/owed.db"

say "OWED_DB"
viaenv=$(new_db)
expect_exit 0 env OWED_DB="$viaenv" "$OWED" init
expect_line "$T/out" "initialized $viaenv (schema version $LATEST)"
[ "$OWED_BACKEND" = sqlite ] && expect_true "OWED_DB file exists" test -s "$viaenv"
expect_eq "$(db_query 'SELECT MAX(version) FROM schema_migrations' "$viaenv")" "$LATEST" "OWED_DB database initialized"
expect_true "no ./owed.db was created" test ! -e "$T/owed.db"
both=$(new_db)
expect_exit 0 env OWED_DB="$viaenv" "$OWED" init --db "$both"
[ "$OWED_BACKEND" = sqlite ] && expect_true "--db file exists" test -s "$both"
expect_eq "$(db_query 'SELECT MAX(version) FROM schema_migrations' "$both")" "$LATEST" "--db wins over OWED_DB"
expect_exit 0 env OWED_DB="$viaenv" "$OWED" aging --as-of 2026-06-30 --format csv
expect_same <(echo "customer_ref,customer_name,currency,current,d1_30,d31_60,d61_90,d91_plus,unapplied,total") \
    "$T/out" "aging on an empty database: the header only"

if [ "$OWED_BACKEND" = sqlite ]; then
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
else
    say "commands on a database that does not exist: exit 1, a message naming it, nothing created"
    missing="${PG_PREFIX}missing"
    mkdir empty && cd empty || exit 1
    for cmd in "aging --as-of 2026-06-30" "kpi --as-of 2026-06-30" "check" "customer show C001" \
        "import customers $OWED_TESTDATA/basic/customers.csv"; do
        # shellcheck disable=SC2086
        expect_exit 1 owed $cmd --db "$PG_URL/$missing"
        expect_contains "$T/err" "$missing" "owed $cmd names the missing database"
        expect_true "owed $cmd: stdout empty" test ! -s "$T/out"
    done
    expect_eq "$(db_query "SELECT COUNT(*) FROM pg_database WHERE datname = '$missing'" "$PG_URL/postgres")" 0 \
        "no database was created by the failed commands"
    expect_true "no ./owed.db was created" test -z "$(ls -A .)"
    cd "$T" || exit 1

    say "an empty database, and one with other tables, are not owed databases"
    zero=$(new_db)
    expect_exit 1 owed check --db "$zero"
    expect_line "$T/err" "owed: $zero is not an owed database (create one with \`owed init\`)"
    other=$(new_db)
    pg_sql "$other" "CREATE TABLE not_owed (x integer)" "INSERT INTO not_owed VALUES (1)"
    expect_exit 1 owed aging --as-of 2026-06-30 --db "$other"
    expect_contains "$T/err" "${other##*/}" "the error for a database of another program names it"
    expect_eq "$(db_query "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'" "$other")" 1 \
        "aging created no tables in it"

    say "a server that is not there; a password is never printed"
    # A port nothing listens on: the server's own port + 1000 is free unless something
    # else happens to use it, then this part says so and fails.
    port=${PG_URL##*:}
    dead="postgresql://owed:s3cret-pw@127.0.0.1:$((port + 1000))/owed"
    expect_exit 1 owed check --db "$dead"
    expect_contains "$T/err" "127.0.0.1:$((port + 1000))" "the error names the server"
    expect_not_contains "$T/err" "s3cret-pw" "the error does not show the password"
    expect_exit 1 owed init --db "$dead"
    expect_not_contains "$T/err" "s3cret-pw" "init: the error does not show the password"
    expect_true "init: nothing on stdout" test ! -s "$T/out"
    pw="postgresql://owed:s3cret-pw@${PG_URL#postgresql://owed@}/$missing"
    expect_exit 1 owed aging --as-of 2026-06-30 --db "$pw"
    expect_contains "$T/err" "$missing" "a missing database with a password in the URL: named"
    expect_not_contains "$T/err" "s3cret-pw" "a missing database: the password is not shown"
    expect_exit 1 owed check --db "$(sed 's|://owed@|://owed:s3cret-pw@|' <<<"$zero")"
    expect_not_contains "$T/err" "s3cret-pw" "not an owed database: the password is not shown"
fi

say "usage errors"
expect_exit 2 owed init extra-argument
expect_exit 2 owed init --frobnicate

finish
