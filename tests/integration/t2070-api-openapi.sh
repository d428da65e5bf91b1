#!/usr/bin/env bash
# The API's description: GET /api/v1/openapi.json is OpenAPI 3.1 JSON converted from the
# embedded docs/openapi.yaml (GET /api/v1/openapi.yaml, byte for byte), and it describes
# the server as it is: the same (method, path) set as `owed serve --list-routes`, in both
# directions, each with the route's permission as x-owed-permission; every operation has
# a 2xx answer, every non-public one a 401 and a 403, and the server really answers 401
# without a credential and 403 to a viewer where the permission is above read.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
setup_db basic
ADMIN=$(make_user admin@example.com admin)
VIEWER=$(make_user viewer@example.com viewer)
start_server --no-scheduler

say "served as JSON and as YAML, without a credential"
TOKEN=""
expect_status 200 GET /api/v1/openapi.json
expect_contains "$T/headers" "Content-Type: application/json"
cp "$T/body" "$T/openapi.json"
expect_true "the body is OpenAPI 3.1 JSON with paths" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, dict), type(d)
assert isinstance(d.get("openapi"), str) and d["openapi"].startswith("3.1."), d.get("openapi")
assert d["info"]["title"] and d["info"]["version"], d["info"]
assert d["paths"], "no paths"' "$T/openapi.json"
expect_status 200 GET /api/v1/openapi.yaml
expect_contains "$T/headers" "Content-Type: application/yaml"
expect_same "$OWED_TESTDATA/../../docs/openapi.yaml" "$T/body" \
    "openapi.yaml is docs/openapi.yaml as built in"
TOKEN=$ADMIN
expect_status 200 GET /api/v1/openapi.json "" -H "Accept: application/json"
expect_same "$T/openapi.json" "$T/body" "the same JSON again, with a token"

say "the shared parts"
expect_true "security schemes, Problem, the shared error responses, Amount" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["components"]
b, k = c["securitySchemes"]["bearerAuth"], c["securitySchemes"]["cookieAuth"]
assert (b["type"], b["scheme"]) == ("http", "bearer"), b
assert (k["type"], k["in"], k["name"]) == ("apiKey", "cookie", "owed_session"), k
problem = {"$ref": "#/components/schemas/Problem"}
used = {}
for item in d["paths"].values():
    for op in item.values():
        if isinstance(op, dict) and "responses" in op:
            for st, r in op["responses"].items():
                if "$ref" in r:
                    used.setdefault(st, set()).add(r["$ref"])
for st in ("400", "401", "403", "404", "409", "412", "415", "422", "428", "429"):
    assert used.get(st), "no operation answers %s from components/responses" % st
    for ref in used[st]:
        r = c["responses"][ref.rsplit("/", 1)[1]]
        assert r["content"]["application/problem+json"]["schema"] == problem, ref
p = c["schemas"]["Problem"]
assert {"type", "title", "status", "code", "detail"} <= set(p["required"]), p
a = c["schemas"]["Amount"]
assert a["type"] == "string" and a["pattern"] == "^-?[0-9]+(\\.[0-9]+)?$", a
for name in ("Invoice", "Customer", "Payment", "Date", "InvoicePage", "CustomerPage", "PaymentPage"):
    assert name in c["schemas"], name
assert d["servers"][0]["url"] == "http://127.0.0.1:8080", d["servers"]' "$T/openapi.json"

say "every route, and nothing else, with its permission"
# The web app's pages (the last column says web) are HTML, not the API: t2300 covers them.
owed serve --list-routes | awk '$4 == "api"' >"$T/routes.txt"
expect_true "--list-routes printed routes" test -s "$T/routes.txt"
# One line per operation: METHOD PATH PERMISSION STATUSES(comma-separated), sorted.
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for path, item in d["paths"].items():
    for method, op in item.items():
        if method in ("parameters", "summary", "description", "servers"):
            continue
        print(method.upper(), path, op.get("x-owed-permission", "-"),
              ",".join(sorted(op.get("responses", {}))) or "-", op.get("operationId", "-"))
' "$T/openapi.json" | sort >"$T/ops.txt"
awk '{print $1, $2}' "$T/ops.txt" | sort >"$T/doc-pairs.txt"
awk '{print $1, $2}' "$T/routes.txt" | sort >"$T/route-pairs.txt"
comm -23 "$T/route-pairs.txt" "$T/doc-pairs.txt" >"$T/undocumented.txt"
comm -13 "$T/route-pairs.txt" "$T/doc-pairs.txt" >"$T/unrouted.txt"
expect_true "every route is documented" test ! -s "$T/undocumented.txt"
[ -s "$T/undocumented.txt" ] && _show "$T/undocumented.txt"
expect_true "every documented operation is a route" test ! -s "$T/unrouted.txt"
[ -s "$T/unrouted.txt" ] && _show "$T/unrouted.txt"
expect_eq "$(wc -l <"$T/doc-pairs.txt")" "$(sort -u "$T/doc-pairs.txt" | wc -l)" \
    "no operation documented twice"
awk '{print $1, $2, $3}' "$T/ops.txt" | sort >"$T/doc-perms.txt"
awk '{print $1, $2, $3}' "$T/routes.txt" | sort >"$T/route-perms.txt"
if diff -u "$T/route-perms.txt" "$T/doc-perms.txt" >"$T/perm.diff"; then
    _ok "each operation's x-owed-permission is its route's permission"
else
    _not_ok "each operation's x-owed-permission is its route's permission"
    _show "$T/perm.diff"
fi

say "every operation: an operationId, a 2xx, and 401 and 403 unless public"
expect_true "operationIds are there and unique" "$PY" -c '
import sys
ids = [l.split()[4] for l in open(sys.argv[1])]
assert "-" not in ids, "an operation without operationId"
dup = sorted({i for i in ids if ids.count(i) > 1})
assert not dup, dup' "$T/ops.txt"
awk '$4 !~ /(^|,)2[0-9][0-9](,|$)/ {print}' "$T/ops.txt" >"$T/no2xx.txt"
expect_true "every operation has a 2xx response" test ! -s "$T/no2xx.txt"
[ -s "$T/no2xx.txt" ] && _show "$T/no2xx.txt"
awk '$3 != "public" && ($4 !~ /(^|,)401(,|$)/ || $4 !~ /(^|,)403(,|$)/) {print}' "$T/ops.txt" \
    >"$T/no401.txt"
expect_true "every non-public operation has 401 and 403 responses" test ! -s "$T/no401.txt"
[ -s "$T/no401.txt" ] && _show "$T/no401.txt"

say "the server answers as documented: 401 without a credential, 403 to a viewer"
# {id}, {org_id} -> 1, {kind} -> customers, {name} -> default: the router refuses before
# any handler runs, so nothing is changed.
bad401="" bad403="" public_bad="" n401=0 n403=0
while read -r method path perm statuses _; do
    url=$(echo "$path" | sed -e 's/{id}/1/g; s/{org_id}/1/g; s/{kind}/customers/g; s/{name}/default/g')
    if [ "$perm" = public ]; then
        # An acknowledgement link answers only with its signed token (t2100 follows one).
        if [ "$method" = GET ] && [ "${path#/ack/}" = "$path" ]; then
            TOKEN="" api GET "$url"
            case "$STATUS" in 2??) ;; *) public_bad="$public_bad $method $path=$STATUS" ;; esac
        fi
        continue
    fi
    TOKEN="" api "$method" "$url"
    n401=$((n401 + 1))
    [ "$STATUS" = 401 ] || bad401="$bad401 $method $path=$STATUS"
    if [ "$perm" != read ]; then
        TOKEN=$VIEWER api "$method" "$url"
        n403=$((n403 + 1))
        [ "$STATUS" = 403 ] && grep -q '"code":"forbidden"' "$T/body" ||
            bad403="$bad403 $method $path=$STATUS"
    fi
done <"$T/ops.txt"
expect_eq "$bad401" "" "all $n401 non-public operations answer 401 without a credential"
expect_eq "$bad403" "" "all $n403 operations above read answer 403 forbidden to a viewer"
expect_eq "$public_bad" "" "the public GET operations answer 2xx without a credential"

say "the documented shapes of a few answers"
TOKEN=$ADMIN
expect_status 200 GET "/api/v1/invoices?limit=2"
expect_true "an invoice page has the documented required members" "$PY" -c '
import json, sys
spec = json.load(open(sys.argv[1]))["components"]["schemas"]
page = json.load(open(sys.argv[2]))
assert set(spec["InvoicePage"]["required"]) <= set(page), page.keys()
for inv in page["data"]:
    missing = set(spec["Invoice"]["required"]) - set(inv)
    assert not missing, missing
    assert all(isinstance(inv[k], str) for k in ("amount", "paid", "open")), inv' \
    "$T/openapi.json" "$T/body"
expect_status 404 GET /api/v1/invoices/999999
expect_true "a problem has the documented required members" "$PY" -c '
import json, sys
spec = json.load(open(sys.argv[1]))["components"]["schemas"]
p = json.load(open(sys.argv[2]))
assert set(spec["Problem"]["required"]) <= set(p), p' "$T/openapi.json" "$T/body"

say "the YAML and the JSON agree"
if "$PY" -c 'import yaml' 2>/dev/null; then
    expect_true "docs/openapi.yaml read by PyYAML equals the served JSON" "$PY" -c '
import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
assert a == b, "differ"' "$OWED_TESTDATA/../../docs/openapi.yaml" "$T/openapi.json"
else
    say "skipped: python3-yaml is not installed"
fi
finish
