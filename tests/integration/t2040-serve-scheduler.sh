#!/usr/bin/env bash
# The scheduler inside owed serve: once the organization's dunning time has come it runs
# dunning for the day exactly once (a restart does not run it again), and the outbox
# worker delivers the messages to a real SMTP server. On PostgreSQL two servers share the
# database and the advisory lock lets only one of them run the day's dunning.
. "$(dirname "$0")/lib.sh"

setup_db dunning
export OWED_TODAY=2026-07-01 OWED_DUNNING_AT=00:00
expect_exit 0 owed org set --name "Acme Collections" --mail-from "Acme AR <ar@acme.example>" \
    --out-dir "$T/files"
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --smtp-url "$SMTP_URL"
expect_exit 0 owed dunning preview --format json
cp "$T/out" "$T/preview.json"

# Waits up to 10 s for a command to succeed.
eventually() {
    local i
    for i in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    return 1
}
sent_count() { db_query "SELECT COUNT(*) FROM outbox WHERE status = 4"; }
all_sent() { [ "$(sent_count)" = 3 ]; }

say "the day's run and its delivery, by the scheduler alone"
start_server --tick 1
expect_true "three messages sent within 10 s" eventually all_sent
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_firings")" 5 "five firings, as the preview said"
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 1 "one run"
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 1 "one email arrived"
expect_contains "$T/server.err" "dunning: run for 2026-07-01: 3 message(s), 5 firing(s)"
stop_server

say "a restart on the same day runs nothing again"
start_server --tick 1
sleep 2.5
stop_server
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 1 "still one run"
expect_not_contains "$T/server.err" "dunning: run for" "no second run logged"
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 1 "still one email"

say "the next day runs again, for that day"
export OWED_TODAY=2026-07-08
start_server --tick 1
expect_true "the run of 2026-07-08 happens" eventually grep -q "run for 2026-07-08" "$T/server.err"
stop_server
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 2 "two runs"

say "--no-scheduler runs nothing"
export OWED_TODAY=2026-07-15
start_server --tick 1 --no-scheduler
sleep 2
stop_server
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 2 "no run on 2026-07-15"

if [ "$OWED_BACKEND" = pg ]; then
    say "two servers on one PostgreSQL database: one scheduler at a time"
    export OWED_TODAY=2026-07-22
    start_server --tick 1
    FIRST_ERR=$T/server.err
    mv "$FIRST_ERR" "$T/server1.err"
    FIRST_PID=$SERVER_PID
    # A second server in the same test directory: its own log files.
    "$OWED" serve --listen 127.0.0.1:0 --tick 1 --access-log off >"$T/server2.out" 2>"$T/server2.err" &
    SECOND_PID=$!
    sleep 4
    kill -TERM "$SECOND_PID"; wait "$SECOND_PID"
    stop_server
    runs=$(cat "$T/server1.err" "$T/server2.err" | grep -c "run for 2026-07-22")
    expect_eq "$runs" 1 "the day's run happened once across two servers"
    expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_runs")" 3 "three runs in all"
fi
finish
