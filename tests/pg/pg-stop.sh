#!/usr/bin/env bash
# Stops the server that tests/pg/pg-start.sh STATE_DIR started, and removes its cluster
# directory and STATE_DIR. Harmless when nothing runs or STATE_DIR does not exist.
# Usage: tests/pg/pg-stop.sh STATE_DIR
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
state=$1
[ -e "$state" ] || exit 0

base=$(cat "$state/datadir" 2>/dev/null || true)
bindir=$(cat "$state/bindir" 2>/dev/null || true)
status=0
if [ -n "$base" ] && [ -f "$base/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$base/data/postmaster.pid")
    as_server=()
    if [ "$(id -u)" -eq 0 ] && [ "$(stat -c %U "$base/data")" != root ]; then
        as_server=(runuser -u "$(stat -c %U "$base/data")" --)
        command -v runuser >/dev/null 2>&1 || as_server=()
    fi
    (cd / && "${as_server[@]}" "$bindir/pg_ctl" -D "$base/data" -m immediate -w stop) >/dev/null 2>&1
    # pg_ctl missing or refused: end the postmaster by its pid (from its own pid file).
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "pg-stop: the server (pid $pid) did not stop" >&2
            status=1
        fi
    fi
fi
if [ -n "$base" ] && [ "$status" -eq 0 ]; then
    case "$base" in
    */owed-pg.*) rm -rf "$base" ;;
    esac
fi
[ "$status" -eq 0 ] && rm -rf "$state"
[ "$status" -eq 0 ] && echo "pg-stop: stopped${base:+ and removed $base}"
exit $status
