# Shared helpers for the integration tests (sourced by every tNNNN-*.sh).
#
# Environment (set by tests/CMakeLists.txt):
#   OWED           the built owed binary (default: build/dev/owed of this checkout)
#   OWED_TESTDATA  tests/data (default: next to this directory)
#   OWED_SHARED    ../shared (optional)
#   OWED_BACKEND   sqlite (default) or pg
#   OWED_PG_STATE  with OWED_BACKEND=pg: the state directory of tests/pg/pg-start.sh (its
#                  url file names the server); unset, the test starts a private server
#
# The test's database is $TEST_DB: $T/owed.db on sqlite; on pg a fresh, uniquely named
# database on the server (already exported as OWED_DB, so every `owed` command uses it),
# dropped on exit. Tests that look inside the database use db_query, which runs one SQL
# statement on either backend; the few checks that only make sense for a SQLite file test
# $OWED_BACKEND and say what they skip and why.
#
# Each test runs in its own temporary directory ($T, also the cwd), removed on exit.
# Assertions print "ok N - what" or "not ok N - what" and details; `finish` prints
# "tNNNN: P passed, F failed" and exits 1 if anything failed.
#
# Command helpers:
#   run CMD...                 runs CMD; stdout in $T/out, stderr in $T/err, status in $RC
#   expect_exit CODE CMD...    run, then assert the exit status (shows stderr on failure)
#   expect_same EXPECTED ACTUAL [WHAT]      byte-for-byte, diff -u on failure (with
#                                           OWED_TEST_BLESS=1 a missing EXPECTED under
#                                           tests/data is written from ACTUAL)
#   expect_line FILE LINE [WHAT]            FILE has exactly this line
#   expect_contains FILE TEXT [WHAT]        FILE contains TEXT (fixed string)
#   expect_not_contains FILE TEXT [WHAT]
#   expect_eq ACTUAL EXPECTED WHAT          two strings are equal
#   db_digest [DB]             prints the whole database state: every table's rows in key
#                              order (timestamps left out), then `owed check` and its status
#   db_query SQL [DB]          one statement's rows, columns separated by |, no header, NULL
#                              as an empty string (write SQL both SQLite and PostgreSQL take)
#   sql_date EXPR              SQL for a stored day number EXPR as YYYY-MM-DD, per backend
#   new_db                     pg: creates another empty database, dropped on exit, echoes its
#                              URL; sqlite: echoes a new file name under $T (not created)
#   copy_db SRC NAME           a copy of database SRC (a file, or a pg database copied with
#                              CREATE DATABASE ... TEMPLATE), echoes its name; dropped on exit
#   pg_sql DB SQL...           pg only: psql -c SQL... on DB (a URL), errors on stderr
#   reject_case KIND NAME BASELINE   a file of tests/data/reject must be rejected cleanly
#   start_smtp_sink DIR        a real SMTP server (tests/tools/smtp_sink.py, aiosmtpd) on
#                              127.0.0.1 storing each message as DIR/NNNNNN.eml; sets
#                              SMTP_URL; stopped on exit
#   start_http_sink DIR [ARGS] the SMS gateway stand-in (tests/tools/http_sink.py); sets
#                              HTTP_URL; stopped on exit
#   setup_db [DATASET]         owed init, then import customers, invoices, payments of
#                              $OWED_TESTDATA/DATASET (asserting each import succeeds)
#
# HTTP helpers (a real `owed serve` on a free loopback port, driven with curl):
#   start_server [ARGS]        owed serve --listen 127.0.0.1:0 ARGS on $OWED_DB (the access
#                              log in $T/access.log, stderr in $T/server.err); sets BASE_URL
#                              and SERVER_PID; stopped with SIGTERM on exit
#   stop_server                SIGTERM and wait; the exit status in $SERVER_RC
#   make_user EMAIL ROLE [ORG] adds a user (password "password-EMAIL") with a token;
#                              echoes the token
#   api METHOD PATH [BODY] [CURL-ARGS...]   one request with "Authorization: Bearer
#                              $TOKEN" (unless TOKEN is empty) and a JSON body; the status
#                              in $STATUS, the body in $T/body, headers in $T/headers
#   expect_status CODE METHOD PATH [BODY] [CURL-ARGS...]   api, then assert the status
#   jget FILE EXPR             a value of the JSON in FILE: python expression on `d`
#                              (jget $T/body 'd["data"][0]["id"]'); strings bare, others JSON

set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_ID=$(basename "$0" .sh)
TEST_ID=${TEST_ID%%-*}

if [ -z "${OWED:-}" ]; then
    OWED="$LIB_DIR/../../build/dev/owed"
fi
case "$OWED" in /*) ;; *) OWED="$PWD/$OWED" ;; esac
if [ ! -x "$OWED" ]; then
    echo "$TEST_ID: skipped: no owed binary at $OWED (set OWED)"
    exit 77
fi
if [ -z "${OWED_TESTDATA:-}" ]; then
    OWED_TESTDATA="$LIB_DIR/../data"
fi
OWED_TESTDATA=$(cd "$OWED_TESTDATA" && pwd)
export OWED_TESTDATA
for tool in sqlite3 python3 diff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$TEST_ID: skipped: $tool is not installed"
        exit 77
    fi
done
OWED_BACKEND=${OWED_BACKEND:-sqlite}
case "$OWED_BACKEND" in
sqlite | pg) ;;
*) echo "$TEST_ID: OWED_BACKEND='$OWED_BACKEND' is not sqlite or pg" >&2; exit 1 ;;
esac

# No ambient configuration leaks into a test.
unset OWED_DB OWED_TODAY PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
export LC_ALL=C.UTF-8 PYTHONIOENCODING=utf-8 TZ=UTC

T=$(mktemp -d "${TMPDIR:-/tmp}/owed-$TEST_ID.XXXXXX")
PG_PRIVATE=""    # a server this test started itself (OWED_PG_STATE unset)
# Every pg database of this test is named $PG_PREFIX...: the exit trap drops them all, even
# those created in a $(...) subshell.
PG_PREFIX="owed_${TEST_ID}_$$_"
SINK_PIDS=""     # SMTP and HTTP sinks this test started (start_smtp_sink, start_http_sink)
_cleanup() {
    local p
    for p in $SINK_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    if [ "$OWED_BACKEND" = pg ] && [ -n "${PG_URL:-}" ]; then
        local d args=()
        for d in $(pg_sql "$PG_URL/postgres" \
            "SELECT datname FROM pg_database WHERE starts_with(datname, '$PG_PREFIX')"); do
            args+=(-c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)")
        done
        if [ ${#args[@]} -gt 0 ]; then
            "$PG_BINDIR/psql" -X -q -d "$PG_URL/postgres" "${args[@]}" >/dev/null ||
                echo "$TEST_ID: could not drop the test databases $PG_PREFIX*" >&2
        fi
    fi
    if [ -n "$PG_PRIVATE" ]; then
        "$LIB_DIR/../pg/pg-stop.sh" "$PG_PRIVATE" >/dev/null
    fi
    rm -rf "$T"
}
trap _cleanup EXIT
cd "$T" || exit 1

if [ "$OWED_BACKEND" = pg ]; then
    if [ -z "${OWED_PG_STATE:-}" ]; then
        # Run by hand: start a server of our own for this one test.
        PG_PRIVATE="$T/pg-state"
        OWED_PG_STATE=$PG_PRIVATE
        "$LIB_DIR/../pg/pg-start.sh" "$PG_PRIVATE" >/dev/null || exit 1
    fi
    if [ ! -s "$OWED_PG_STATE/url" ]; then
        # Loud, never a skip: the PostgreSQL half must not pass by doing nothing.
        echo "$TEST_ID: no PostgreSQL server: $OWED_PG_STATE/url is missing (the CTest" \
            "fixture pg/start runs tests/pg/pg-start.sh; did it fail?)" >&2
        exit 1
    fi
    PG_URL=$(cat "$OWED_PG_STATE/url")
    PG_BINDIR=$(cat "$OWED_PG_STATE/bindir")
    export PGCONNECT_TIMEOUT=10
fi

# pg_sql URL SQL...: each SQL in its own psql -c (so CREATE/DROP DATABASE may follow one
# another), stopping at the first error.
pg_sql() {
    local db=$1 args=() q
    shift
    for q in "$@"; do args+=(-c "$q"); done
    "$PG_BINDIR/psql" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$db" "${args[@]}"
}

# new_db: a new, empty database: a file name under $T, or a fresh pg database.
new_db() {
    local name
    if [ "$OWED_BACKEND" = sqlite ]; then
        name=$(mktemp -u "$T/db.XXXXXX")
        echo "$name.db"
        return
    fi
    name="$PG_PREFIX${BASHPID}_$RANDOM"
    pg_sql "$PG_URL/postgres" "CREATE DATABASE \"$name\"" >&2 || {
        echo "$TEST_ID: could not create the database $name on $PG_URL" >&2
        exit 1
    }
    echo "$PG_URL/$name"
}

# copy_db SRC NAME: a copy of the database SRC; echoes where the copy is.
copy_db() {
    local src=$1 name=$2
    if [ "$OWED_BACKEND" = sqlite ]; then
        cp "$src" "$T/$name.db"
        echo "$T/$name.db"
        return
    fi
    local copy
    copy="$PG_PREFIX${name}_$RANDOM"
    pg_sql "$PG_URL/postgres" "CREATE DATABASE \"$copy\" TEMPLATE \"${src##*/}\"" >&2 || {
        echo "$TEST_ID: could not copy the database ${src##*/}" >&2
        exit 1
    }
    echo "$PG_URL/$copy"
}

# The test's own database.
if [ "$OWED_BACKEND" = sqlite ]; then
    TEST_DB="$T/owed.db"
else
    TEST_DB=$(new_db) || exit 1
    export OWED_DB="$TEST_DB"
fi

PASSED=0
FAILED=0
NCHECK=0
RC=0

owed() { "$OWED" "$@"; }

_ok() {
    NCHECK=$((NCHECK + 1))
    PASSED=$((PASSED + 1))
    echo "ok $NCHECK - $*"
}

_not_ok() {
    NCHECK=$((NCHECK + 1))
    FAILED=$((FAILED + 1))
    echo "not ok $NCHECK - $*"
}

# Indented details under a failed check.
_show() { sed 's/^/#   /' "$@" | head -n 60; }

# Say what the next group of checks is about.
say() { echo "# $*"; }

run() {
    "$@" >"$T/out" 2>"$T/err"
    RC=$?
}

# The command line as text, with $OWED shortened to "owed".
_cmdline() {
    local s="$*"
    echo "${s//$OWED/owed}"
}

expect_exit() {
    local want=$1
    shift
    run "$@"
    if [ "$RC" -eq "$want" ]; then
        _ok "exit $want: $(_cmdline "$@")"
    else
        _not_ok "exit $want: $(_cmdline "$@") (got $RC)"
        echo "#   stdout:"
        _show "$T/out"
        echo "#   stderr:"
        _show "$T/err"
    fi
}

expect_same() {
    local want=$1 got=$2 what=${3:-"$got is $want"}
    # OWED_TEST_BLESS=1 (by hand only) writes a missing expected file of tests/data from the
    # actual output, to be read and committed: the test still reports it as not ok.
    if [ "${OWED_TEST_BLESS:-}" = 1 ] && [ ! -e "$want" ] && [ "${want#"$OWED_TESTDATA"/}" != "$want" ]; then
        cp "$got" "$want"
        _not_ok "$what (blessed: $want written)"
        return
    fi
    if diff -u "$want" "$got" >"$T/diff" 2>&1; then
        _ok "$what"
    else
        _not_ok "$what"
        _show "$T/diff"
    fi
}

expect_line() {
    local file=$1 line=$2 what=${3:-"has the line: $2"}
    if grep -Fxq -- "$line" "$file"; then
        _ok "$what"
    else
        _not_ok "$what"
        echo "#   wanted the line: $line"
        echo "#   in:"
        _show "$file"
    fi
}

expect_contains() {
    local file=$1 text=$2 what=${3:-"contains: $2"}
    if grep -Fq -- "$text" "$file"; then
        _ok "$what"
    else
        _not_ok "$what"
        echo "#   wanted: $text"
        echo "#   in:"
        _show "$file"
    fi
}

expect_not_contains() {
    local file=$1 text=$2 what=${3:-"does not contain: $2"}
    if ! grep -Fq -- "$text" "$file"; then
        _ok "$what"
    else
        _not_ok "$what"
        _show "$file"
    fi
}

expect_eq() {
    local got=$1 want=$2 what=$3
    if [ "$got" = "$want" ]; then
        _ok "$what"
    else
        _not_ok "$what"
        echo "#   expected: $want"
        echo "#   actual:   $got"
    fi
}

# A plain predicate: expect_true WHAT CMD...
expect_true() {
    local what=$1
    shift
    if "$@" >"$T/pred" 2>&1; then
        _ok "$what"
    else
        _not_ok "$what"
        _show "$T/pred"
    fi
}

db_query() {
    local sql=$1 db=${2:-${OWED_DB:-$TEST_DB}}
    if [ "$OWED_BACKEND" = sqlite ]; then
        sqlite3 -bail -separator '|' "$db" "$sql"
    else
        pg_sql "$db" "$sql"
    fi
}

sql_date() {
    if [ "$OWED_BACKEND" = sqlite ]; then
        echo "date(($1) * 86400, 'unixepoch')"
    else
        echo "to_char(DATE '1970-01-01' + ($1)::integer, 'YYYY-MM-DD')"
    fi
}

# Every table's rows in key order, with the columns of 0001_init.sql named one by one (so
# both backends print the same thing); orgs.created_at and schema_migrations.applied_at
# are left out (they are times of day).
_DIGEST_TABLES=(
    "schema_migrations|version, name|version"
    "orgs|org_id, name, timezone, tolerance|org_id"
    "customers|org_id, customer_id, customer_ref, name, email, currency, terms, credit_limit_minor|org_id, customer_id"
    "invoices|org_id, invoice_id, invoice_number, customer_id, issue_date, due_date, currency, amount_minor, po_number, kind, terms|org_id, invoice_id"
    "payments|org_id, payment_id, payment_ref, customer_id, received_date, amount_minor, currency, method, reference, invoice_number, kind, channel, payer_name, payer_account|org_id, payment_id"
    "allocations|org_id, allocation_id, payment_id, invoice_id, alloc_date, amount_minor, reverses|org_id, allocation_id"
    "outflows|org_id, outflow_id, payment_id, kind, out_date, amount_minor, reason|org_id, outflow_id"
    "bank_statements|org_id, statement_id, stmt_key, format, account, bank_stmt_id, currency, stmt_date, opening_minor, closing_minor|org_id, statement_id"
    "bank_entries|org_id, entry_id, statement_id, entry_key, amount_minor, currency, credit, status, customer_id, payment_id, score, suggestions|org_id, entry_id"
    "bank_payers|org_id, payer_key, customer_id|org_id, payer_key"
    "journal_lines|org_id, entry_id, line_no, kind, source_id, customer_id, currency, posted_date, account, amount_minor|org_id, entry_id, line_no"
)
db_digest() {
    local db=${1:-${OWED_DB:-$TEST_DB}} spec table cols key script=""
    for spec in "${_DIGEST_TABLES[@]}"; do
        IFS='|' read -r table cols key <<<"$spec"
        if [ "$OWED_BACKEND" = sqlite ]; then
            script+=".print '== $table'"$'\n'
        else
            script+="\\echo '== $table'"$'\n'
        fi
        script+="SELECT $cols FROM $table ORDER BY $key;"$'\n'
    done
    if [ "$OWED_BACKEND" = sqlite ]; then
        sqlite3 -bail -separator '|' "$db" <<<"$script" 2>&1
    else
        "$PG_BINDIR/psql" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$db" <<<"$script" 2>&1
    fi
    echo "== owed check"
    "$OWED" check --db "$db" 2>&1
    echo "exit $?"
}

# reject_case KIND NAME BASELINE: imports a copy of $OWED_TESTDATA/reject/NAME.csv from $T
# and expects exit 3, exactly the lines of NAME.err on stderr (then a summary line),
# nothing on stdout, no rejects file, and a database digest equal to the file BASELINE.
reject_case() {
    local kind=$1 name=$2 baseline=$3 want nbad
    want="$OWED_TESTDATA/reject/$name.err"
    cp "$OWED_TESTDATA/reject/$name.csv" "$T/$name.csv"
    expect_exit 3 owed import "$kind" "$name.csv"
    grep -E "^owed: ${name//./\\.}\\.csv:[0-9]+: " "$T/err" >"$T/err.rows"
    expect_same "$want" "$T/err.rows" "$name: every bad row on stderr as FILE:LINE: column: reason"
    nbad=$(grep -v "^owed: $name.csv:1: header:" "$want" | cut -d: -f3 | sort -u | wc -l)
    if [ "$nbad" -gt 0 ]; then
        local rows="rows"
        [ "$nbad" -eq 1 ] && rows="row"
        expect_eq "$(tail -n 1 "$T/err")" \
            "owed: $name.csv: rejected ($nbad bad $rows); nothing was imported" \
            "$name: the last stderr line sums up"
    else
        expect_eq "$(tail -n 1 "$T/err" | sed 's/ (.*)//')" \
            "owed: $name.csv: rejected; nothing was imported" "$name: the last stderr line sums up"
    fi
    expect_true "$name: nothing on stdout" test ! -s "$T/out"
    expect_true "$name: no rejects file without --skip-bad" test ! -e "$T/$name.csv.rejects.csv"
    db_digest >"$T/digest.after"
    expect_same "$baseline" "$T/digest.after" "$name: database unchanged"
}

# owed init and the three imports of a data set into $OWED_DB (default $TEST_DB).
setup_db() {
    local set=${1:-basic} kind
    export OWED_DB=${OWED_DB:-$TEST_DB}
    expect_exit 0 owed init
    for kind in customers invoices payments; do
        expect_exit 0 owed import "$kind" "$OWED_TESTDATA/$set/$kind.csv"
    done
}

finish() {
    echo "$TEST_ID: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# Debian's python3 (the one python3-aiosmtpd installs into), whatever else is on PATH.
SINK_PYTHON=/usr/bin/python3
[ -x "$SINK_PYTHON" ] || SINK_PYTHON=python3

_start_sink() { # SCRIPT DIR PORTFILE ARGS...
    local script=$1 dir=$2 portfile=$3
    shift 3
    mkdir -p "$dir"
    "$SINK_PYTHON" "$LIB_DIR/../tools/$script" --dir "$dir" --port-file "$portfile" "$@" \
        2>>"$T/sink.log" &
    SINK_PIDS="$SINK_PIDS $!"
    local i
    for i in $(seq 1 100); do
        [ -s "$portfile" ] && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
    done
    echo "$TEST_ID: $script did not start:" >&2
    cat "$T/sink.log" >&2
    exit 1
}

start_smtp_sink() {
    _start_sink smtp_sink.py "$1" "$T/smtp.port"
    SMTP_URL="smtp://127.0.0.1:$(cat "$T/smtp.port")"
}

start_http_sink() {
    local dir=$1
    shift
    _start_sink http_sink.py "$dir" "$T/http.port" "$@"
    HTTP_URL="http://127.0.0.1:$(cat "$T/http.port")/sms"
}

# ---- HTTP ----

SERVER_PID=""
TOKEN=""

start_server() {
    command -v curl >/dev/null || { echo "$TEST_ID: skipped: curl is not installed"; exit 77; }
    rm -f "$T/server.out"
    "$OWED" serve --listen 127.0.0.1:0 --access-log "$T/access.log" "$@" \
        >"$T/server.out" 2>"$T/server.err" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 100); do
        if grep -q "listening on" "$T/server.out" 2>/dev/null; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.05
    done
    BASE_URL=$(sed -n 's/^owed: listening on \(http:[^ ]*\).*/\1/p' "$T/server.out")
    if [ -z "$BASE_URL" ]; then
        echo "$TEST_ID: owed serve did not start:" >&2
        cat "$T/server.err" >&2
        exit 1
    fi
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID"
    SERVER_RC=$?
    SERVER_PID=""
}

make_user() {
    local email=$1 role=$2 org=${3:-}
    local orgarg=()
    [ -n "$org" ] && orgarg=(--org "$org")
    printf 'password-%s\n' "$email" | "$OWED" user add "$email" --role "$role" --password-stdin \
        "${orgarg[@]}" >/dev/null || { echo "$TEST_ID: user add $email failed" >&2; exit 1; }
    "$OWED" token create --user "$email" "${orgarg[@]}"
}

api() {
    local method=$1 path=$2 body=${3:-}
    shift 3 2>/dev/null || shift $#
    local args=(-s -S -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$method")
    [ -n "$TOKEN" ] && args+=(-H "Authorization: Bearer $TOKEN")
    if [ -n "$body" ]; then args+=(-H "Content-Type: application/json" --data-binary "$body"); fi
    STATUS=$(curl "${args[@]}" "$@" "$BASE_URL$path")
}

expect_status() {
    local want=$1
    shift
    local method=$1 path=$2
    api "$@"
    if [ "$STATUS" = "$want" ]; then
        _ok "$want: $method $path"
    else
        _not_ok "$want: $method $path (got $STATUS)"
        _show "$T/body"
    fi
}

jget() {
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}
