#!/usr/bin/env bash
# The server under hostile and unlucky input: malformed JSON, huge bodies and headers,
# slow clients, path tricks, SQL metacharacters; sessions with CSRF, sign-in rate
# limiting; Idempotency-Key across a restart; SIGTERM with a request in flight. The
# server must answer each correctly and stay up.
. "$(dirname "$0")/lib.sh"

setup_db basic
TOKEN=$(make_user admin@example.com admin)
ADMIN=$TOKEN
start_server --no-scheduler --body-max 65536 --timeout 2 --request-time 3

alive() {
    local saved=$TOKEN
    TOKEN=""
    api GET /healthz
    TOKEN=$saved
    expect_eq "$STATUS" 200 "the server is still up ($1)"
}

say "malformed and hostile bodies"
expect_status 400 POST /api/v1/invoices '{"invoice_number": "X-1",'
expect_eq "$(jget "$T/body" 'd["code"]')" malformed_json "malformed JSON is a 400 problem"
expect_status 400 POST /api/v1/invoices '[1, 2, 3]'
expect_status 400 POST /api/v1/invoices '{"a": 1, "a": 2}'
expect_status 415 POST /api/v1/invoices "" --data-binary '{}' -H "Content-Type: text/plain"
expect_status 422 POST /api/v1/invoices '{"invoice_number": "X-1", "customer_ref": "C001", "issue_date": "2026-07-01", "amount": 12.5, "currency": "USD"}'
expect_contains "$T/body" 'amount: must be a string'
expect_status 422 POST /api/v1/invoices '{"invoice_number": "X-1", "customer_ref": "C001", "issue_date": "2026-07-01", "amount": "12.50", "currency": "USD", "color": "red"}'
expect_contains "$T/body" 'color: not a field'
expect_status 422 POST /api/v1/invoices '{"invoice_number": "X-1", "customer_ref": "C001", "issue_date": "2026-02-30", "amount": "12.50", "currency": "USD"}'
expect_eq "$(jget "$T/body" 'd["errors"][0]["field"]')" issue_date "the bad field is named"
expect_status 400 POST /api/v1/invoices '{"invoice_number": "X\u0000Y", "customer_ref": "C001", "issue_date": "2026-07-01", "amount": "1.00", "currency": "USD"}'
head -c 70000 /dev/zero | tr '\0' 'x' >"$T/big"
expect_status 413 POST /api/v1/invoices "" --data-binary @"$T/big" -H "Content-Type: application/json"
expect_eq "$(jget "$T/body" 'd["code"]')" payload_too_large "a body over --body-max is refused"
api GET /api/v1/me "" -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' 'y')"
[ "$STATUS" -ge 400 ] && _ok "a 100 KB header is refused ($STATUS)" || _not_ok "a 100 KB header got $STATUS"
alive "after huge input"

say "SQL metacharacters are data"
NAME="O'Brien; DROP TABLE invoices;--"
expect_status 201 POST /api/v1/customers "{\"customer_ref\": \"Q'1\", \"name\": \"$NAME\", \"currency\": \"USD\", \"terms\": \"NET30\"}"
expect_eq "$(jget "$T/body" 'd["name"]')" "$NAME" "stored verbatim"
expect_status 201 POST /api/v1/invoices "{\"invoice_number\": \"INV' OR '1'='1\", \"customer_ref\": \"Q'1\", \"issue_date\": \"2026-07-01\", \"amount\": \"10.00\", \"currency\": \"USD\"}"
expect_contains "$T/headers" "Location: /api/v1/invoices/"
expect_status 200 GET "/api/v1/invoices?number=INV'%20OR%20'1'='1"
expect_eq "$(jget "$T/body" 'len(d["data"])')" 1 "found by its exact number only"
expect_status 200 GET "/api/v1/customers?q=%27%20OR%201%3D1--"
expect_eq "$(jget "$T/body" 'len(d["data"])')" 0 "a search with SQL in it finds nothing"
expect_status 404 GET "/api/v1/invoices/1%20OR%201=1"
expect_status 404 GET "/api/v1/invoices/%2e%2e%2f%2e%2e%2fetc%2fpasswd"
expect_status 404 GET "/api/v1/../../etc/passwd"
alive "after SQL and path tricks"

say "slow clients"
# A client that sends half a request and stalls is dropped after --timeout seconds;
# others are served meanwhile.
/usr/bin/python3 - "$BASE_URL" <<'PY' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((u.hostname, u.port))
s.sendall(b"POST /api/v1/invoices HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
time.sleep(4)
try:
    s.sendall(b"x" * 999)
    s.recv(100)
except OSError:
    pass
PY
SLOW=$!
sleep 0.2
alive "while a slow client stalls"
wait $SLOW
alive "after the slow client was dropped"
# One that trickles a byte a second stays under the idle timeout; --request-time drops it.
/usr/bin/python3 - "$BASE_URL" >"$T/trickle" <<'PY'
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
s = socket.create_connection((u.hostname, u.port))
s.sendall(b"POST /api/v1/invoices HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
start = time.time()
try:
    for i in range(100):
        s.sendall(b"x")
        time.sleep(1)
        if time.time() - start > 12:
            break
    print("not dropped")
except OSError:
    print("dropped after %d s" % round(time.time() - start))
PY
expect_contains "$T/trickle" "dropped after" "a body trickled in a byte a second is dropped"
alive "after the trickle"

say "sessions: cookie, CSRF, sign-out"
TOKEN=""
expect_status 401 POST /api/v1/auth/login '{"email": "admin@example.com", "password": "wrong password"}'
expect_status 200 POST /api/v1/auth/login '{"email": "ADMIN@example.com", "password": "password-admin@example.com"}' -c "$T/jar"
expect_contains "$T/headers" "HttpOnly; SameSite=Strict"
CSRF=$(jget "$T/body" 'd["csrf_token"]')
expect_status 200 GET /api/v1/me "" -b "$T/jar"
expect_eq "$(jget "$T/body" 'd["credential"]')" session "signed in by the cookie"
expect_status 403 POST /api/v1/customers '{"customer_ref": "S1", "name": "S", "currency": "USD", "terms": "NET30"}' -b "$T/jar"
expect_eq "$(jget "$T/body" 'd["code"]')" csrf_failed "a change by cookie without the CSRF token is refused"
expect_status 403 POST /api/v1/customers '{"customer_ref": "S1", "name": "S", "currency": "USD", "terms": "NET30"}' -b "$T/jar" -H "X-CSRF-Token: wrong"
expect_status 201 POST /api/v1/customers '{"customer_ref": "S1", "name": "S", "currency": "USD", "terms": "NET30"}' -b "$T/jar" -H "X-CSRF-Token: $CSRF"
expect_status 204 POST /api/v1/auth/logout "" -b "$T/jar" -H "X-CSRF-Token: $CSRF"
expect_status 401 GET /api/v1/me "" -b "$T/jar"

say "sign-in rate limiting"
for i in 1 2 3 4 5; do api POST /api/v1/auth/login '{"email": "victim@example.com", "password": "guess number '$i'"}'; done
expect_status 429 POST /api/v1/auth/login '{"email": "victim@example.com", "password": "guess number 6"}'
expect_contains "$T/headers" "Retry-After:"
expect_status 200 POST /api/v1/auth/login '{"email": "admin@example.com", "password": "password-admin@example.com"}'
# One address may fail 20 times in 5 minutes across emails (people share addresses).
for i in $(seq 1 14); do api POST /api/v1/auth/login '{"email": "u'$i'@example.com", "password": "guess"}'; done
expect_status 429 POST /api/v1/auth/login '{"email": "admin@example.com", "password": "password-admin@example.com"}'
expect_eq "$(jget "$T/body" 'd["code"]')" too_many_attempts "20 failures from one address block it"
expect_status 422 POST /api/v1/auth/login '{"email": "a@b.example", "password": "x", "remember": true}' 
TOKEN=$ADMIN
expect_status 200 GET /metrics
expect_contains "$T/body" "owed_login_failures_total"

say "Idempotency-Key, across a restart"
BODY='{"invoice_number": "IDEM-1", "customer_ref": "C001", "issue_date": "2026-07-01", "amount": "99.00", "currency": "USD"}'
expect_status 201 POST /api/v1/invoices "$BODY" -H "Idempotency-Key: k-1"
cp "$T/body" "$T/first"
stop_server
start_server --no-scheduler
expect_status 201 POST /api/v1/invoices "$BODY" -H "Idempotency-Key: k-1"
expect_same "$T/first" "$T/body" "the retry answers the first response"
expect_contains "$T/headers" "Idempotent-Replayed: true"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices WHERE invoice_number = 'IDEM-1'")" 1 "one invoice"
expect_status 422 POST /api/v1/invoices "${BODY/99.00/98.00}" -H "Idempotency-Key: k-1"
expect_eq "$(jget "$T/body" 'd["code"]')" idempotency_key_reused "a key reused for another request"
# Retries racing each other: one runs, the others replay or wait; one invoice.
BODY2=${BODY//IDEM-1/IDEM-2}
RACERS=()
for i in 1 2 3 4 5 6; do
    curl -s -o "$T/race.$i" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $TOKEN" \
        -H "Content-Type: application/json" -H "Idempotency-Key: k-2" --data-binary "$BODY2" \
        "$BASE_URL/api/v1/invoices" >"$T/race.$i.status" &
    RACERS+=($!)
done
wait "${RACERS[@]}"
expect_eq "$(db_query "SELECT COUNT(*) FROM invoices WHERE invoice_number = 'IDEM-2'")" 1 "six racing retries: one invoice"
expect_eq "$(cat "$T"/race.*.status | sort -u | grep -v -e 201 -e 409 | wc -l)" 0 "each answered 201 or 409 (still running)"

say "graceful stop with a request in flight"
# A 60 KB import trickled at 20 KB/s is still uploading when SIGTERM comes; it completes.
{
    echo "customer_ref,name,email,currency,terms,credit_limit"
    for i in $(seq 1 900); do printf 'SLOW%04d,Slow customer %d with a long name,s%d@example.com,USD,NET30,\n' "$i" "$i" "$i"; done
} >"$T/slow.csv"
curl -s -o "$T/slow.body" -w '%{http_code}' --limit-rate 20K -X POST -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: text/csv" --data-binary @"$T/slow.csv" "$BASE_URL/api/v1/imports/customers" >"$T/slow.status" &
CURL=$!
sleep 1
stop_server
wait $CURL
expect_eq "$(cat "$T/slow.status")" 201 "the request in flight was answered"
expect_eq "$SERVER_RC" 0 "and the server stopped cleanly"
expect_eq "$(db_query "SELECT COUNT(*) FROM customers WHERE customer_ref LIKE 'SLOW%'")" 900 "its 900 customers are in"
expect_contains "$T/server.err" "request(s) in flight"
finish
