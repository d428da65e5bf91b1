#!/usr/bin/env bash
# The web app over plain HTTP (the browser tests in tests/browser drive it in Chromium):
# signing in and out, the security headers, CSRF on every form, the API's role matrix
# applied to pages' actions, no open redirect, escaping of stored text, static files, and
# every page of the staff app answering 200 on this backend.
. "$(dirname "$0")/lib.sh"

setup_db basic
ADMIN=$(make_user admin@web.example admin)
VIEWER=$(make_user viewer@web.example viewer)
# A customer whose name is markup: pages must show it as text.
printf 'customer_ref,name,email,currency,terms,credit_limit\nXSS1,"<script>alert(1)</script> & Co",x@example.com,EUR,NET30,1000.00\n' >"$T/xss.csv"
expect_exit 0 owed import customers "$T/xss.csv"
start_server --no-scheduler

jar=$T/cookies
notes() { TOKEN=$ADMIN api GET "/api/v1/notes?customer=$1&limit=500"; jget "$T/body" 'len(d["data"])'; }
page() { # METHOD PATH [curl args...]: STATUS, $T/page, $T/page.h
    local method=$1 path=$2
    shift 2
    STATUS=$(curl -s -S -o "$T/page" -D "$T/page.h" -w '%{http_code}' -b "$jar" -c "$jar" \
        -X "$method" "$@" "$BASE_URL$path")
}
header() { tr -d '\r' <"$T/page.h" | sed -n "s/^$1: //Ip" | head -1; }
csrf() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/page" | head -1; }

say "signed out: pages send the browser to the sign-in page"
page GET /app
expect_eq "$STATUS" 303 "GET /app signed out"
expect_eq "$(header Location)" "/login?next=/app" "to /login, coming back to /app"
page GET /app/customers/1
expect_eq "$(header Location)" "/login?next=/app/customers/1" "the page asked for is kept"
page GET /login
expect_eq "$STATUS" 200 "the sign-in page"
expect_contains "$T/page" 'name="password"'
expect_contains "$T/page.h" "Content-Security-Policy: default-src 'none'; script-src 'self'"
expect_contains "$T/page.h" "X-Frame-Options: DENY"

say "signing in"
page POST /login --data-urlencode email=admin@web.example --data-urlencode password=wrong-password
expect_eq "$STATUS" 401 "a wrong password"
expect_contains "$T/page" 'role="alert"'
expect_not_contains "$T/page.h" "owed_session="
page POST /login --data-urlencode email=admin@web.example \
    --data-urlencode password=password-admin@web.example --data-urlencode next=//evil.example/x
expect_eq "$STATUS" 303 "the right password"
expect_eq "$(header Location)" "/app" "a next page of another site is ignored"
expect_contains "$T/page.h" "HttpOnly; SameSite=Strict"

say "every page of the staff app"
for p in /app /app/worklist /app/customers "/app/customers?q=XSS" /app/customers/1 /app/invoices \
    "/app/invoices?status=all" /app/invoices/1 /app/payments /app/bank /app/reports/aging \
    "/app/reports/aging?customer=XSS1" /app/reports/kpi /app/customers/1/statement.pdf \
    /app/reports/aging.csv /app/dunning /app/dunning/policies/default /app/outbox /app/settings; do
    page GET "$p"
    expect_eq "$STATUS" 200 "GET $p"
done
page GET /app/reports/aging.csv
expect_eq "$(head -1 "$T/page")" \
    "customer_ref,customer_name,currency,current,d1_30,d31_60,d61_90,d91_plus,unapplied,total" \
    "the aging download is the CSV report"
expect_contains "$T/page.h" 'Content-Disposition: attachment; filename="aging-'
page GET /app/customers/999999
expect_eq "$STATUS" 404 "a customer that does not exist"
page GET /static/app.css
expect_eq "$STATUS" 200 "the stylesheet"
expect_contains "$T/page.h" "Cache-Control: public"
page GET /static/nothing.css
expect_eq "$STATUS" 404 "no such static file"

say "stored text is escaped"
page GET "/app/customers?q=XSS"
expect_contains "$T/page" "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"
expect_not_contains "$T/page" "<script>alert(1)"

say "forms need the session's CSRF token"
page GET /app/customers/1
token=$(csrf)
expect_true "the page carries a CSRF token" test -n "$token"
ref=$(sed -n 's/.*name="customer_ref" value="\([^"]*\)".*/\1/p' "$T/page" | head -1)
n0=$(notes "$ref")
page POST /app/do --data-urlencode "_api=POST /api/v1/notes" --data-urlencode "customer_ref=$ref" \
    --data-urlencode "text=no token" --data-urlencode "_back=/app/customers/1"
expect_eq "$STATUS" 403 "a form without the token"
page POST /app/do --data-urlencode "csrf=not-the-token" --data-urlencode "_api=POST /api/v1/notes" \
    --data-urlencode "customer_ref=$ref" --data-urlencode "text=wrong token"
expect_eq "$STATUS" 403 "a form with another token"
expect_eq "$(notes "$ref")" "$n0" "no note was added"

say "an action through /app/do is the API's"
page POST /app/do --data-urlencode "csrf=$token" --data-urlencode "_api=POST /api/v1/promises" \
    --data-urlencode "customer_ref=$ref" --data-urlencode "date=2030-01-31" \
    --data-urlencode "amount=12.34" --data-urlencode "_back=/app/customers/1" \
    --data-urlencode "_ok=Promise recorded."
expect_eq "$STATUS" 303 "the promise form"
expect_eq "$(header Location)" "/app/customers/1" "back to the customer"
TOKEN=$ADMIN api GET "/api/v1/promises?customer=$ref"
expect_eq "$(jget "$T/body" '[p["amount"] for p in d["data"] if p["date"] == "2030-01-31"]')" \
    '["12.34"]' "the API has the promise"
page GET /app/customers/1
expect_contains "$T/page" "role=\"status\">Promise recorded.</p>"
page GET /app/customers/1
expect_not_contains "$T/page" "role=\"status\">Promise recorded." # a flash shows once
page POST /app/do --data-urlencode "csrf=$token" --data-urlencode "_api=POST /api/v1/promises" \
    --data-urlencode "customer_ref=$ref" --data-urlencode "date=2030-01-31" \
    --data-urlencode "amount=12.345" --data-urlencode "_back=/app/customers/1"
expect_eq "$STATUS" 303 "a bad amount still returns to the page"
page GET /app/customers/1
expect_contains "$T/page" "Not done: "
page POST /app/do --data-urlencode "csrf=$token" --data-urlencode "_api=GET /api/v1/customers" \
    --data-urlencode "_back=/app"
expect_eq "$STATUS" 400 "only changes go through /app/do"
page POST /app/do --data-urlencode "csrf=$token" --data-urlencode "_api=POST /login" \
    --data-urlencode "_back=/app"
expect_eq "$STATUS" 400 "only the API goes through /app/do"
page POST /app/do --data-urlencode "csrf=$token" --data-urlencode "_api=POST /api/v1/notes" \
    --data-urlencode "customer_ref=$ref" --data-urlencode "text=hello" \
    --data-urlencode "_back=//evil.example/"
expect_eq "$(header Location)" "/app" "no redirect to another site"

say "a viewer sees the pages but the API's matrix refuses the viewer's changes"
page POST /logout --data-urlencode "csrf=$token"
expect_eq "$STATUS" 303 "sign out"
expect_eq "$(header Location)" "/login" "to the sign-in page"
page GET /app
expect_eq "$STATUS" 303 "the old session is gone"
page POST /login --data-urlencode email=viewer@web.example \
    --data-urlencode password=password-viewer@web.example
page GET /app/customers/1
expect_eq "$STATUS" 200 "a viewer reads the customer page"
token=$(csrf)
n0=$(notes "$ref")
page POST /app/do --data-urlencode "csrf=$token" --data-urlencode "_api=POST /api/v1/notes" \
    --data-urlencode "customer_ref=$ref" --data-urlencode "text=viewer note" \
    --data-urlencode "_back=/app/customers/1"
expect_eq "$STATUS" 303 "the form returns to the page"
page GET /app/customers/1
expect_contains "$T/page" "Not done: your role (viewer) may not"
expect_eq "$(notes "$ref")" "$n0" "the viewer added no note"

say "a token's request cannot sign a session out"
STATUS=$(curl -s -o "$T/page" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
    "$BASE_URL/logout")
expect_eq "$STATUS" 400 "POST /logout with a bearer token"
TOKEN=$ADMIN expect_status 200 GET /api/v1/me
stop_server
finish
