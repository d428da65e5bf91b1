#!/bin/bash
# owed gen -> import -> check -> aging, with aging recomputed independently in python from
# the generated CSV files (exact integers in minor units).
. "$(dirname "$0")/lib.sh"

say "gen is deterministic"
expect_exit 0 owed gen --customers 30 --invoices 400 --seed 7 --out gen
expect_line "$T/out" "wrote gen/customers.csv, invoices.csv, payments.csv"
expect_exit 0 owed gen --customers 30 --invoices 400 --seed 7 --out gen2
expect_true "same seed, same bytes" diff -r gen gen2
expect_eq "$(($(wc -l <gen/customers.csv) - 1)) $(($(wc -l <gen/invoices.csv) - 1))" "30 400" \
    "30 customers and 400 invoices"

say "import all three; check is green"
export OWED_DB="$TEST_DB"
# On PostgreSQL, switch the payments import to its in-memory invoice lookups early, so that
# this test covers that path (by default it starts after 2,000 lookups).
export OWED_PG_INVOICE_CACHE_AFTER=50
expect_exit 0 owed init
for kind in customers invoices payments; do
    expect_exit 0 owed import "$kind" "gen/$kind.csv"
done
expect_exit 0 owed check
expect_true "ledger ok" grep -q '^ledger ok' "$T/out"

cat >model.py <<'PY'
"""Aging from the generated CSV files, per DESIGN.md "Aging", written independently."""
import csv, datetime, json, sys

EXP = {"JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3, "OMR": 3, "USD": 2, "EUR": 2, "GBP": 2,
       "CHF": 2, "CAD": 2, "AUD": 2, "SEK": 2, "NOK": 2, "DKK": 2, "NZD": 2, "SGD": 2}

def rows(path):
    return list(csv.DictReader(open(path, encoding="utf-8", newline="")))

def day(s):
    return datetime.date.fromisoformat(s)

def minor(s, exp):
    neg = s.startswith("-")
    s = s.lstrip("+-")
    whole, _, frac = s.partition(".")
    assert len(frac) <= exp, s
    v = int(whole) * 10 ** exp + (int(frac.ljust(exp, "0")) if exp else 0)
    return -v if neg else v

def fmt(v, exp):
    sign = "-" if v < 0 else ""
    v = abs(v)
    if exp == 0:
        return sign + str(v)
    return "%s%d.%0*d" % (sign, v // 10 ** exp, exp, v % 10 ** exp)

def due_from_terms(terms, issue):
    t = (terms or "NET30").upper().replace(" NET", "|NET").replace(" ", "")
    if t == "DUE":
        return issue
    if t.startswith("EOM"):
        nxt = (issue.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return nxt - datetime.timedelta(days=1) + datetime.timedelta(days=int(t[3:]))
    if "|" in t:
        t = t.split("|")[1]
    assert t.startswith("NET"), terms
    return issue + datetime.timedelta(days=int(t[3:]))

src = sys.argv[1]
cust = {c["customer_ref"]: c for c in rows(src + "/customers.csv")}
inv = {}
for r in rows(src + "/invoices.csv"):
    c = cust[r["customer_ref"]]
    cur = (r["currency"] or c["currency"]).upper()
    issue = day(r["issue_date"])
    due = day(r["due_date"]) if r["due_date"] else due_from_terms(c["terms"], issue)
    inv[r["invoice_number"]] = dict(cust=r["customer_ref"], cur=cur, issue=issue, due=due,
                                    amount=minor(r["amount"], EXP[cur]), allocs=[])
pays = []
for p in rows(src + "/payments.csv"):
    cur = (p["currency"] or cust[p["customer_ref"]]["currency"]).upper()
    amt = minor(p["amount"], EXP[cur])
    when = day(p["received_date"])
    pays.append((p["customer_ref"], cur, when, amt))
    if p["invoice_number"]:
        i = inv[p["invoice_number"]]
        left = i["amount"] - sum(a for _, a in i["allocs"])
        take = min(amt, left)
        if take > 0:
            i["allocs"].append((when, take))

def aging(as_of, by_issue, out):
    names = (["d0_30", "d31_60", "d61_90", "d91_plus"] if by_issue
             else ["current", "d1_30", "d31_60", "d61_90", "d91_plus"])
    def bucket(days):
        if not by_issue and days <= 0:
            return 0
        base = 0 if by_issue else 1
        for k, edge in enumerate((30, 60, 90)):
            if days <= edge:
                return base + k
        return base + 3
    acc = {}
    def slot(ref, cur):
        return acc.setdefault((ref, cur), {"b": [0] * len(names), "open": False, "u": 0})
    for i in inv.values():
        if i["issue"] > as_of:
            continue
        paid = sum(a for when, a in i["allocs"] if when <= as_of)
        s = slot(i["cust"], i["cur"])
        s["u"] -= paid
        left = i["amount"] - paid
        if left > 0:
            days = (as_of - (i["issue"] if by_issue else i["due"])).days
            s["b"][bucket(days)] += left
            s["open"] = True
    for ref, cur, when, amt in pays:
        if when <= as_of:
            slot(ref, cur)["u"] += amt
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["customer_ref", "customer_name", "currency"] + names + ["unapplied", "total"])
    totals = {}
    for (ref, cur) in sorted(acc, key=lambda k: (k[0].encode(), k[1])):
        s = acc[(ref, cur)]
        if not s["open"] and s["u"] == 0:
            continue
        e = EXP[cur]
        vals = s["b"] + [s["u"], sum(s["b"]) - s["u"]]
        t = totals.setdefault(cur, [0] * len(vals))
        for k, v in enumerate(vals):
            t[k] += v
        w.writerow([ref, cust[ref]["name"], cur] + [fmt(v, e) for v in vals])
    return names, totals

# argv: SRC then MODE:DATE ... (MODE due or issue); writes model-MODE-DATE.csv and, for
# json-DATE.json files present, compares their totals.
for spec in sys.argv[2:]:
    mode, d = spec.split(":")
    with open("model-%s-%s.csv" % (mode, d), "w", encoding="utf-8", newline="") as f:
        names, totals = aging(day(d), mode == "issue", f)
    try:
        doc = json.load(open("owed-%s-%s.json" % (mode, d), encoding="utf-8"))
    except FileNotFoundError:
        continue
    cols = names + ["unapplied", "total"]
    got = {t["currency"]: [minor(t[c], EXP[t["currency"]]) for c in cols] for t in doc["totals"]}
    with open("totals-%s-%s.txt" % (mode, d), "w") as f:
        if got == totals and len(totals) >= 2:
            f.write("ok %s\n" % " ".join(sorted(totals)))
        else:
            f.write("owed totals %s\nmodel       %s\n" % (got, totals))
PY

say "aging equals the python model, byte for byte"
specs=""
for spec in due:2026-06-30 due:2025-12-31 due:2025-03-15 issue:2026-06-30; do
    mode=${spec%%:*} when=${spec#*:}
    expect_exit 0 owed aging --as-of "$when" --by "$mode" --format csv
    mv "$T/out" "owed-$mode-$when.csv"
    specs="$specs $spec"
done
expect_exit 0 owed aging --as-of 2026-06-30 --format json
mv "$T/out" owed-due-2026-06-30.json
# shellcheck disable=SC2086
expect_true "the python model runs" python3 model.py gen $specs
for spec in $specs; do
    mode=${spec%%:*} when=${spec#*:}
    expect_same "model-$mode-$when.csv" "owed-$mode-$when.csv" \
        "aging --by $mode as of $when: every customer row equals the model"
done

say "json totals per currency equal the model's column sums"
expect_true "totals for every currency equal the model ($(head -c 40 totals-due-2026-06-30.txt 2>/dev/null))" \
    grep -q '^ok' totals-due-2026-06-30.txt

if [ "$OWED_BACKEND" = pg ]; then
    say "pg: the same files imported into SQLite give the same rows and the same output"
    ref="$T/ref.db"
    expect_exit 0 env OWED_DB="$ref" "$OWED" init
    for kind in customers invoices payments; do
        expect_exit 0 env OWED_DB="$ref" "$OWED" import "$kind" "gen/$kind.csv"
    done
    OWED_BACKEND=sqlite db_digest "$ref" >digest.sqlite
    db_digest >digest.pg
    expect_same digest.sqlite digest.pg "every table's rows (ids, dates, amounts, journal) and owed check"
    cust=$(sed -n 2p gen/customers.csv | cut -d, -f1)
    for args in "kpi --as-of 2026-06-30 --format json" "kpi --as-of 2026-06-30" \
        "aging --as-of 2026-06-30" "aging --as-of 2026-06-30 --detail --format json" \
        "customer show $cust --as-of 2026-06-30" "customer show $cust --as-of 2026-06-30 --format json"; do
        # shellcheck disable=SC2086
        expect_exit 0 env OWED_DB="$ref" "$OWED" $args
        mv "$T/out" want.out
        # shellcheck disable=SC2086
        expect_exit 0 owed $args
        expect_same want.out "$T/out" "owed $args: byte for byte as on SQLite"
    done
fi

finish
