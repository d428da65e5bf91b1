#!/usr/bin/env bash
# owed serve: health, readiness, metrics, authentication, reading records, the reports'
# CSV equal to the CLI's bytes, problem+json errors, limits, and a graceful stop.
. "$(dirname "$0")/lib.sh"

setup_db basic
TOKEN=$(make_user admin@example.com admin)
start_server --no-scheduler

say "health, readiness, metrics"
SAVED=$TOKEN TOKEN=""
expect_status 200 GET /healthz
expect_contains "$T/body" '"status":"ok"'
expect_status 200 GET /readyz
expect_contains "$T/body" '"status":"ready"'
TOKEN=$SAVED

say "authentication"
SAVED=$TOKEN TOKEN=""
expect_status 401 GET /api/v1/invoices
expect_contains "$T/headers" 'WWW-Authenticate: Bearer'
expect_contains "$T/headers" 'Content-Type: application/problem+json'
expect_eq "$(jget "$T/body" 'd["code"]')" unauthenticated "a problem with a stable code"
TOKEN=owed_not-a-real-token
expect_status 401 GET /api/v1/invoices
TOKEN=$SAVED
expect_status 200 GET /api/v1/me
expect_eq "$(jget "$T/body" 'd["role"]')" admin "the token acts as its admin user"

say "records"
expect_status 200 GET "/api/v1/invoices?limit=2"
expect_eq "$(jget "$T/body" 'len(d["data"])')" 2 "a page of two"
CURSOR=$(jget "$T/body" 'd["next_cursor"]')
FIRST=$(jget "$T/body" 'd["data"][0]["number"]')
expect_status 200 GET "/api/v1/invoices?limit=2&cursor=$CURSOR"
NEXT=$(jget "$T/body" 'd["data"][0]["number"]')
[ "$FIRST" != "$NEXT" ] && _ok "the next page goes on ($FIRST, then $NEXT)" || _not_ok "the next page repeats $FIRST"
expect_status 400 GET "/api/v1/invoices?cursor=999999"
expect_eq "$(jget "$T/body" 'd["code"]')" bad_cursor "a cursor not from the listing"
expect_status 200 GET /api/v1/invoices/1
expect_eq "$(jget "$T/body" '[d["number"], d["amount"], d["currency"], d["due_date"]]')" \
    '["INV-1001", "1000.00", "USD", "2026-06-30"]' "invoice 1 as imported"
expect_true "no JSON number holds money" /usr/bin/python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert isinstance(d["amount"], str) and isinstance(d["open"], str), d' "$T/body"
expect_status 404 GET /api/v1/invoices/999999
expect_status 404 GET /api/v1/invoices/abc
expect_status 404 GET "/api/v1/invoices/../../etc/passwd"
expect_status 404 GET /api/v1/nothing-here
expect_status 405 DELETE /api/v1/invoices/1
expect_contains "$T/headers" 'Allow: GET'

say "reports: the CLI's bytes"
owed aging --as-of 2026-03-31 --format csv >"$T/cli.csv"
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-03-31" "" -H "Accept: text/csv"
expect_same "$T/cli.csv" "$T/body" "GET aging as CSV equals owed aging --format csv"
owed aging --as-of 2026-03-31 --format json >"$T/cli.json"
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-03-31"
expect_same "$T/cli.json" "$T/body" "GET aging as JSON equals owed aging --format json"
owed kpi --as-of 2026-03-31 --days 90 --format json >"$T/cli.json"
expect_status 200 GET "/api/v1/reports/kpi?as_of=2026-03-31&days=90"
expect_same "$T/cli.json" "$T/body" "GET kpi equals owed kpi --format json"
expect_status 400 GET "/api/v1/reports/aging?as_of=2026-13-45"

say "a new token is shown once: not in the audit trail, not in a replay"
expect_status 201 POST /api/v1/tokens '{"label": "script", "role": "viewer"}' -H "Idempotency-Key: tok-1"
NEW=$(jget "$T/body" 'd["token"]')
case $NEW in owed_*) _ok "the token is shown" ;; *) _not_ok "no token in the answer: $NEW" ;; esac
SAVED=$TOKEN TOKEN=$NEW
expect_status 200 GET /api/v1/me
expect_eq "$(jget "$T/body" 'd["role"]')" viewer "the new token acts as a viewer"
TOKEN=$SAVED
expect_status 201 POST /api/v1/tokens '{"label": "script", "role": "viewer"}' -H "Idempotency-Key: tok-1"
expect_not_contains "$T/body" "$NEW" "a replay does not show the token again"
expect_status 200 GET "/api/v1/audit?limit=5"
expect_not_contains "$T/body" "$NEW" "the audit trail does not hold the token"
expect_contains "$T/body" '"resource":"/api/v1/tokens/'
expect_eq "$(db_query "SELECT COUNT(*) FROM api_idempotency WHERE body LIKE '%$NEW%'")" 0 "nor does the stored answer"

say "metrics and the access log"
expect_status 200 GET /metrics
expect_contains "$T/body" 'owed_http_requests_total{method="GET",route="/api/v1/invoices/{id}",code="2xx"}'
expect_contains "$T/body" 'owed_http_request_duration_seconds_bucket{le="+Inf"}'

say "graceful stop"
stop_server
expect_eq "$SERVER_RC" 0 "SIGTERM stops the server with status 0"
expect_contains "$T/server.err" "owed: stopped"
expect_contains "$T/access.log" 'route="/api/v1/invoices/{id}" status=200'
expect_not_contains "$T/access.log" "$TOKEN" "the access log holds no token"
finish
