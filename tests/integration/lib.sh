# Shared helpers for the integration tests (sourced by every tNNNN-*.sh).
#
# Environment (set by tests/CMakeLists.txt):
#   OWED           the built owed binary (default: build/dev/owed of this checkout)
#   OWED_TESTDATA  tests/data (default: next to this directory)
#   OWED_SHARED    ../shared (optional)
#
# Each test runs in its own temporary directory ($T, also the cwd), removed on exit.
# Assertions print "ok N - what" or "not ok N - what" and details; `finish` prints
# "tNNNN: P passed, F failed" and exits 1 if anything failed.
#
# Command helpers:
#   run CMD...                 runs CMD; stdout in $T/out, stderr in $T/err, status in $RC
#   expect_exit CODE CMD...    run, then assert the exit status (shows stderr on failure)
#   expect_same EXPECTED ACTUAL [WHAT]      byte-for-byte, diff -u on failure
#   expect_line FILE LINE [WHAT]            FILE has exactly this line
#   expect_contains FILE TEXT [WHAT]        FILE contains TEXT (fixed string)
#   expect_not_contains FILE TEXT [WHAT]
#   expect_eq ACTUAL EXPECTED WHAT          two strings are equal
#   db_digest [DB]             prints the whole database state (sqlite3 .dump and the
#                              output of `owed check`)
#   reject_case KIND NAME BASELINE   a file of tests/data/reject must be rejected cleanly
#   setup_db [DATASET]         owed init, then import customers, invoices, payments of
#                              $OWED_TESTDATA/DATASET (asserting each import succeeds)

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

# No ambient configuration leaks into a test.
unset OWED_DB OWED_TODAY
export LC_ALL=C.UTF-8 PYTHONIOENCODING=utf-8 TZ=UTC

T=$(mktemp -d "${TMPDIR:-/tmp}/owed-$TEST_ID.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

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

db_digest() {
    local db=${1:-$T/owed.db}
    # .dump lists every table's rows in key order, the schema and the triggers.
    sqlite3 "$db" .dump
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

# owed init and the three imports of a data set into $OWED_DB (default $T/owed.db).
setup_db() {
    local set=${1:-basic} kind
    export OWED_DB=${OWED_DB:-$T/owed.db}
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
