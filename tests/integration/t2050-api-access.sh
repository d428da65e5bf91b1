#!/usr/bin/env bash
# Who may do what, route by route, and tenant isolation: for every route the server has
# (owed serve --list-routes), every role gets 403 exactly when the matrix says so; a
# second organization's admin, whatever ids it sends, reads nothing of the first and
# changes nothing of it.
. "$(dirname "$0")/lib.sh"

setup_db basic
ADMIN=$(make_user admin@a.example admin)
MANAGER=$(make_user manager@a.example manager)
COLLECTOR=$(make_user collector@a.example collector)
VIEWER=$(make_user viewer@a.example viewer)
ORG_B=$(owed org create "Beta Ltd")
expect_eq "$ORG_B" 2 "owed org create prints the new organization's id"
B_ADMIN=$(make_user admin@b.example admin "$ORG_B")
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv" --org "$ORG_B"
start_server --no-scheduler
owed serve --list-routes >"$T/routes"

# The matrix, written down independently of the server: which roles hold a permission.
allowed() { # PERM ROLE
    case "$1:$2" in
    read:*) return 0 ;;
    work:collector | work:manager | work:admin) return 0 ;;
    money:manager | money:admin | configure:manager | configure:admin) return 0 ;;
    admin:admin) return 0 ;;
    *) return 1 ;;
    esac
}

# A path of the route with placeholders filled: ids that exist nowhere.
fill() { sed -e 's/{id}/999999/g' -e 's/{name}/no-such-name/g' -e 's/{kind}/customers/g' <<<"$1"; }

say "the authorization matrix, route by route"
while read -r method pattern perm kind; do
    [ "$perm" = public ] && continue
    [ "$kind" = web ] && continue # pages: tests/integration/t2300-web.sh
    [ "$pattern" = /api/v1/auth/logout ] && continue # signs the token itself out
    path=$(fill "$pattern")
    for role in viewer collector manager admin; do
        case $role in viewer) TOKEN=$VIEWER ;; collector) TOKEN=$COLLECTOR ;;
        manager) TOKEN=$MANAGER ;; admin) TOKEN=$ADMIN ;; esac
        body=""
        [ "$method" != GET ] && body='{}'
        api "$method" "$path" "$body"
        if allowed "$perm" "$role"; then
            if [ "$STATUS" = 403 ] || [ "$STATUS" = 401 ]; then
                _not_ok "$role may $method $pattern ($perm) but got $STATUS"
                _show "$T/body"
            else
                _ok "$role may $method $pattern ($perm): $STATUS"
            fi
        else
            if [ "$STATUS" = 403 ] && grep -q '"code":"forbidden"' "$T/body"; then
                _ok "$role may not $method $pattern ($perm): 403"
            else
                _not_ok "$role may not $method $pattern ($perm) but got $STATUS"
                _show "$T/body"
            fi
        fi
    done
done <"$T/routes"

say "tenant isolation: organization B's admin against organization A's records"
db_digest >"$T/before"
TOKEN=$B_ADMIN
while read -r method pattern perm kind; do
    [ "$perm" = public ] && continue
    [ "$kind" = web ] && continue # pages: tests/integration/t2300-web.sh
    [ "$pattern" = /api/v1/auth/logout ] && continue
    for id in 1 2 3 5; do
        # Id 1 is B's own user and token: B may revoke its own token, so only read it.
        [ "$id" = 1 ] && [ "$method" != GET ] && continue
        path=$(sed -e "s/{id}/$id/g" -e 's/{name}/default/g' -e 's/{kind}/customers/g' <<<"$pattern")
        body=""
        [ "$method" != GET ] && body='{}'
        api "$method" "$path" "$body"
        # Nothing of A may show: its invoice numbers, its users' emails.
        if grep -q -e 'INV-10' -e '@a.example' "$T/body"; then
            _not_ok "B's $method $path shows organization A's data"
            _show "$T/body"
        fi
        case "$pattern" in *'{id}'*)
            # B has customers 1..n of its own (the same file): those ids are B's. Users,
            # tokens and every other kind of record: B has none but its admin (user 1,
            # token 1), so ids 2, 3, 5 are A's and must not be found.
            if [ "$id" != 1 ] && [ "$method" = GET ] && [ "${pattern#/api/v1/customers}" = "$pattern" ]; then
                [ "$STATUS" = 404 ] && _ok "404: B's GET $path" ||
                    { _not_ok "B's GET $path is $STATUS, not 404"; _show "$T/body"; }
            fi ;;
        esac
    done
done <"$T/routes"
db_digest >"$T/after"
# B's own requests may change B (tokens, dunning runs of its own); A must be untouched.
grep -v '^[a-z_]*|2|' "$T/before" | grep -v "^orgs" >"$T/a-before"
grep -v '^[a-z_]*|2|' "$T/after" | grep -v "^orgs" >"$T/a-after"
expect_true "organization A's rows are unchanged by B's requests" diff "$T/a-before" "$T/a-after"

say "listings of B show B's records only"
expect_status 200 GET /api/v1/invoices
expect_eq "$(jget "$T/body" 'len(d["data"])')" 0 "B has no invoices"
expect_status 200 GET /api/v1/users
expect_eq "$(jget "$T/body" '[u["email"] for u in d["data"]]')" '["admin@b.example"]' "B's users only"
expect_status 200 GET "/api/v1/reports/aging?as_of=2026-06-30" "" -H "Accept: text/csv"
expect_eq "$(wc -l <"$T/body")" 1 "B's aging is its header only"
finish
