#!/usr/bin/env bash
# Dunning asks for a missing acknowledgement of receipt before the due date (issue 7): a
# policy step with "unless": "acknowledged" fires only for invoices whose issued document
# is not acknowledged, never for an acknowledged one or a CSV import (no document), and
# nothing fires in its place; the email (template ack_request) carries each invoice's
# signed link, the very link of `owed invoice ack-link`, made by the run (the preview
# reads only), and the link works on a real `owed serve`; the condition is refused on a
# step from the due date on.
. "$(dirname "$0")/lib.sh"

export OWED_DB=${OWED_DB:-$TEST_DB}
export OWED_TODAY=2026-11-02 # invoices issued today are due 2026-12-02 (C003: 2/10 NET30)
ASK_DAY=2026-11-22           # the ack step's day: 10 days before the due date
expect_exit 0 owed init
expect_exit 0 owed import customers "$OWED_TESTDATA/basic/customers.csv"
expect_exit 0 owed org set --name "Müller Consulting" --mail-from "Billing <billing@mueller.example>"

# fired: the preview or run JSON in $T/out as one line per invoice: CUSTOMER STEP INVOICE STEP
cat >"$T/fired.py" <<'PY'
import json, sys
for m in json.load(open(sys.argv[1], encoding="utf-8")):
    for i in m["invoices"]:
        print(m["customer_ref"], m["step"], i["invoice_number"], i["step"])
PY
fired() { "$SINK_PYTHON" "$T/fired.py" "$T/out"; }
# mail_text FILE: an email's Subject and its text part, then its HTML part.
cat >"$T/mail_text.py" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("Subject: " + str(m["Subject"]))
print(m.get_body(preferencelist=("plain",)).get_content().rstrip("\n"))
print(m.get_body(preferencelist=("html",)).get_content().rstrip("\n"))
PY
mail_text() { "$SINK_PYTHON" "$T/mail_text.py" "$1"; }
ack_keys() { db_query "SELECT COUNT(*) FROM org_docs WHERE key = 'secret:ack'"; }

say "a seller with a public URL, two invoices issued with lines, one imported from CSV"
cat >"$T/seller.json" <<'EOF'
{"name": "Müller Consulting GmbH", "street": "Hauptstraße 1", "city": "Berlin",
 "postcode": "10115", "country": "DE", "vat_id": "DE123456789",
 "iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
 "public_url": "https://ar.mueller.example/"}
EOF
expect_exit 0 owed seller set "$T/seller.json"
echo '{"name": "Café Zürich GmbH", "street": "Bahnhofstrasse 1", "city": "Zürich",
       "postcode": "8001", "country": "CH"}' >"$T/party.json"
expect_exit 0 owed seller party C003 "$T/party.json"
expect_exit 0 owed invoice create --customer C003 --line 'Consulting;10;95.00;19' --issue
expect_line "$T/out" "INV-2026-00001"
expect_exit 0 owed invoice create --customer C003 --line 'Workshop;1;400.00;19' --issue
expect_line "$T/out" "INV-2026-00002"
cat >"$T/invoices.csv" <<'EOF'
invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number
CSV-1,C003,2026-11-02,2026-12-02,EUR,500.00,
EOF
expect_exit 0 owed import invoices "$T/invoices.csv"
expect_exit 0 owed invoice show INV-2026-00002 --format json
expect_eq "$(jget "$T/out" 'd["due_date"]')" "2026-12-02" "due in 30 days"

say "policies: the condition is stored and shown; refused from the due date on"
cat >"$T/confirm.json" <<'EOF'
{"steps": [{"name": "ack", "offset": -10, "channel": "email", "template": "ack_request",
            "unless": "acknowledged"},
           {"name": "due", "offset": 0, "channel": "email"}]}
EOF
expect_exit 0 owed policy set confirm confirm.json
expect_exit 0 owed policy show confirm --format json
expect_eq "$(jget "$T/out" 'd["steps"][0]["unless"]')" "acknowledged" "the condition is stored"
expect_eq "$(jget "$T/out" '"unless" in d["steps"][1]')" "false" "and only where it was given"
expect_exit 0 owed policy show confirm
expect_contains "$T/out" "(unless acknowledged)" "the table shows it"
# bad NAME ERROR: the policy file NAME.json is refused with exactly ERROR, nothing stored.
bad() {
    expect_exit 3 owed policy set confirm "$1.json"
    expect_eq "$(cat "$T/err")" "owed: $1.json: $2" "$1: refused, naming the file and field"
}
cat >"$T/late.json" <<'EOF'
{"steps": [{"name": "due", "offset": 0, "channel": "email"},
           {"name": "late", "offset": 5, "channel": "email", "unless": "acknowledged"}]}
EOF
bad late 'steps[1].unless: "acknowledged" only on a step before the due date (a negative offset)'
cat >"$T/ondue.json" <<'EOF'
{"steps": [{"name": "due", "offset": 0, "channel": "email", "unless": "acknowledged"}]}
EOF
bad ondue 'steps[0].unless: "acknowledged" only on a step before the due date (a negative offset)'
cat >"$T/paid.json" <<'EOF'
{"steps": [{"name": "early", "offset": -5, "channel": "email", "unless": "paid"}]}
EOF
bad paid 'steps[0].unless: must be "acknowledged" or ""'
expect_exit 0 owed policy show confirm --format json
expect_eq "$(jget "$T/out" 'd["steps"][0]["name"]')" "ack" "the stored policy is unchanged"
expect_exit 0 owed policy assign confirm --customer C003

# A copy of the book before anything is acknowledged or run, for the second part.
DB2=$(copy_db "$OWED_DB" second) || exit 1

say "10 days before the due date the ack step fires for both documents, not for the CSV invoice"
export OWED_TODAY=$ASK_DAY
expect_exit 0 owed dunning preview --as-of 2026-11-21 --format json
expect_eq "$(fired)" "" "nothing on the day before"
expect_exit 0 owed dunning preview
expect_contains "$T/out" "1 message for 2 invoices" "one message for the two documents"
expect_contains "$T/out" "Paused: 1 without a document to acknowledge" "the CSV invoice is not asked"
expect_exit 0 owed dunning preview --format json
cp "$T/out" "$T/preview.json"
expect_eq "$(fired | tr '\n' ';')" "C003 ack INV-2026-00001 ack;C003 ack INV-2026-00002 ack;" \
    "the preview: both documents at the ack step"
expect_eq "$(ack_keys)" 0 "the preview makes no link key (it only reads)"
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --smtp-url "$SMTP_URL"
expect_exit 0 owed dunning run --format json
expect_same "$T/preview.json" "$T/out" "the run does what the preview showed"
expect_eq "$(ack_keys)" 1 "the run made the link key"
expect_eq "$(db_query "SELECT step FROM outbox")" "ack" "one message queued, at the ack step"
expect_exit 0 owed outbox send
expect_line "$T/out" "sent 1, to retry 0, failed 0, uncertain 0, requeued 0"
mail_text "$T/mail/000001.eml" >"$T/mail1.txt"
expect_contains "$T/mail1.txt" "Subject: Did our 2 invoices reach you?" "the ack_request subject"
expect_not_contains "$T/mail1.txt" "CSV-1" "the CSV invoice is not in it"
for n in 1 2; do
    expect_exit 0 owed invoice ack-link INV-2026-0000$n
    LINK[$n]=$(cat "$T/out")
    expect_contains "$T/mail1.txt" "Confirm receipt: ${LINK[$n]}" "the text has INV-2026-0000$n's link"
    expect_contains "$T/mail1.txt" "<a href=\"${LINK[$n]}\">Confirm receipt</a>" \
        "the HTML has INV-2026-0000$n's link"
done
expect_true "the links are under the public URL" grep -q '^https://ar.mueller.example/ack/1/1/[0-9a-f]\{32\}$' <<<"${LINK[1]}"
expect_eq "$(grep -c '/ack/' "$T/mail1.txt")" 4 "two links in the text, two in the HTML: none for CSV-1"
expect_exit 0 owed dunning run
expect_line "$T/out" "Run 2: 0 messages queued, 0 firings, 0 charges posted"

say "the link in the email works on a real server"
start_server --no-scheduler
LINK_PATH=${LINK[1]#https://ar.mueller.example/}
expect_status 200 GET "/$LINK_PATH"
expect_contains "$T/body" "Please confirm that you received invoice INV-2026-00001"
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_eq "$(jget "$T/out" 'd["documents"]["acknowledged"]')" "null" "a GET records nothing"
expect_status 200 POST "/$LINK_PATH"
expect_contains "$T/body" "has been recorded"
expect_exit 0 owed invoice show INV-2026-00001 --format json
expect_eq "$(jget "$T/out" 'd["acknowledged_via"]')" "link" "acknowledged through the link"
expect_true "with its time" grep -q '"acknowledged": "2026-' "$T/out"
stop_server

say "an acknowledged invoice is not asked, and nothing fires in its place"
export OWED_DB=$DB2
expect_exit 0 owed invoice ack INV-2026-00001
expect_exit 0 owed dunning preview
expect_contains "$T/out" "1 message for 1 invoice" "one invoice is asked"
expect_contains "$T/out" "Paused: 1 acknowledged, 1 without a document to acknowledge" \
    "the acknowledged and the CSV invoice are not"
expect_exit 0 owed dunning run --format json
expect_eq "$(fired | tr '\n' ';')" "C003 ack INV-2026-00002 ack;" "only INV-2026-00002 fires"
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_firings")" 1 "one firing recorded"
expect_exit 0 owed org set --smtp-url "$SMTP_URL"
expect_exit 0 owed outbox send
expect_true "a second email arrived" test -s "$T/mail/000002.eml"
mail_text "$T/mail/000002.eml" >"$T/mail2.txt"
expect_contains "$T/mail2.txt" "Subject: Did invoice INV-2026-00002 reach you?"
expect_exit 0 owed invoice ack-link INV-2026-00002
expect_contains "$T/mail2.txt" "Confirm receipt: $(cat "$T/out")" "its link"
expect_not_contains "$T/mail2.txt" "INV-2026-00001" "the acknowledged invoice is not mentioned"

say "on the due date the due step fires for all three, acknowledged or not"
export OWED_TODAY=2026-12-02
expect_exit 0 owed dunning preview --format json
expect_eq "$(fired | tr '\n' ';')" \
    "C003 due INV-2026-00001 due;C003 due INV-2026-00002 due;C003 due CSV-1 due;" "all three at due"

finish
