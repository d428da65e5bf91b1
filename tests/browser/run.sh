#!/usr/bin/env bash
# Runs the browser tests: every tests/browser/*.test.mjs, in headless Chromium (Debian's
# chromium driven by playwright-core), against a real `owed serve` on a fresh SQLite
# database with a demo book and one admin user. CTest runs it as browser/web.
#
# Environment:
#   OWED            the built owed binary (default: build/dev/owed of this checkout)
#   OWED_ARTIFACTS  where screenshots and the server's logs go (default: build/dev/browser-artifacts)
# The tests get OWED, OWED_ARTIFACTS, OWED_URL, OWED_EMAIL, OWED_PASSWORD, OWED_DB and
# OWED_TODAY. Arguments are passed to `node --test` (e.g. tests/browser/signin.test.mjs to
# run one file; the default is all of them).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OWED=$(realpath -m "${OWED:-$here/../../build/dev/owed}")
OWED_ARTIFACTS=$(realpath -m "${OWED_ARTIFACTS:-$here/../../build/dev/browser-artifacts}")

# Missing tools fail the test, never skip it: a browser suite that silently does nothing
# would look green.
fail() { echo "browser: $*" >&2; exit 1; }
[ -x "$OWED" ] || fail "no owed binary at $OWED (set OWED)"
command -v node >/dev/null || fail "node is not installed (scripts/deps.sh test)"
command -v npm >/dev/null || fail "npm is not installed (scripts/deps.sh test)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is not installed (scripts/deps.sh test)"

# playwright-core and axe-core, at the versions of package-lock.json. npm writes
# node_modules/.package-lock.json last, so its absence also catches an interrupted install.
# The lock keeps two build trees' CTest runs (build/dev, build/h-*) from installing at once.
(
    cd "$here"
    flock 9
    if [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error >&2
    fi
) 9<"$here/package-lock.json"

T=$(mktemp -d "${TMPDIR:-/tmp}/owed-browser.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$OWED_ARTIFACTS"
rm -f "$OWED_ARTIFACTS"/*.png "$OWED_ARTIFACTS"/server.*

# No ambient configuration leaks in; "today" is pinned so that pages (aging buckets, due
# in N days) and screenshots are the same on every run.
unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE
export LC_ALL=C.UTF-8 TZ=UTC OWED_TODAY=2026-07-01
export OWED OWED_ARTIFACTS OWED_DB=$T/owed.db
export OWED_EMAIL=admin@browser.example OWED_PASSWORD=browser-test-password

# The demo book of scripts/demo.sh, smaller: 25 customers, 400 invoices, some overdue.
owed() { "$OWED" "$@"; }
{
    owed gen --customers 25 --invoices 400 --seed 7 --end 2026-06-30 --out "$T/data"
    owed init
    owed org set --name "Browser Test Ltd" --out-dir "$T/out" # letters, agency files
    for kind in customers invoices payments; do
        owed import "$kind" "$T/data/$kind.csv"
    done
    printf '%s\n' "$OWED_PASSWORD" |
        owed user add "$OWED_EMAIL" --name "Browser Admin" --role admin --password-stdin
} >"$T/setup.log" 2>&1 || { cat "$T/setup.log" >&2; fail "setting up the database failed"; }

# Port 0: the server takes a free port and prints it. No scheduler: nothing changes the
# data behind the tests' backs. "$OWED", not the function owed: $! must be the server
# itself, not a subshell that SIGTERM would end while the server lived on.
"$OWED" serve --listen 127.0.0.1:0 --no-scheduler --drain 5 \
    --access-log "$OWED_ARTIFACTS/server.access.log" \
    >"$T/server.out" 2>"$OWED_ARTIFACTS/server.err" &
SERVER_PID=$!
OWED_URL=""
for _ in $(seq 1 100); do
    OWED_URL=$(sed -n 's/^owed: listening on \(http:[^ ]*\).*/\1/p' "$T/server.out")
    [ -n "$OWED_URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
done
[ -n "$OWED_URL" ] || { cat "$OWED_ARTIFACTS/server.err" >&2; fail "owed serve did not start"; }
export OWED_URL

# One file at a time: they share the server and the database. `timeout` ends a hung run
# before CTest's 600 s do, so that the trap still stops the server.
[ $# -gt 0 ] || set -- "$here"/*.test.mjs
rc=0
timeout --kill-after=10 540 node --test --test-concurrency=1 --test-reporter=spec "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "browser: screenshots and the server's logs are in $OWED_ARTIFACTS" >&2
fi
exit "$rc"
