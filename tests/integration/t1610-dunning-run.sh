#!/bin/bash
# owed dunning run and owed outbox send, end to end against a real SMTP server: the run
# queues exactly what the preview shows, a second run sends nothing twice, the messages
# arrive byte for byte, letters (PDF, read back with pdftotext) and agency placements are
# written as files; then holds,
# disputes, promises, plans, fees and a missed week of runs over the following weeks.
. "$(dirname "$0")/lib.sh"

setup_db dunning
want=$OWED_TESTDATA/dunningflow
export OWED_TODAY=2026-07-01
expect_exit 0 owed org set --name "Acme Collections" --mail-from "Acme AR <ar@acme.example>" \
    --out-dir "$T/files"
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --smtp-url "$SMTP_URL"

say "the run does what the preview shows"
expect_exit 0 owed dunning preview --format json
cp "$T/out" "$T/preview.json"
expect_exit 0 owed dunning run --format json
expect_same "$T/preview.json" "$T/out" "run JSON = preview JSON"
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_firings")" 5 "five firings recorded"
expect_eq "$(db_query "SELECT COUNT(*) FROM outbox WHERE status = 1")" 3 "three messages queued"

say "running again the same day sends nothing twice"
expect_exit 0 owed dunning run
expect_line "$T/out" "Run 2: 0 messages queued, 0 firings, 0 charges posted"
expect_eq "$(db_query "SELECT COUNT(*) FROM outbox")" 3 "still three messages"

say "delivery: the email over SMTP, the letter and the placement as files"
# Set after the run: the letter's body was rendered then; the PDF's address block and pay
# link come from the customer and the org when it is sent.
expect_exit 0 owed customer set C1 --address "1 Main Street, Springfield IL 62701"
expect_exit 0 owed org set --pay-url "https://pay.acme.example/"
expect_exit 0 owed outbox send
expect_line "$T/out" "sent 3, to retry 0, failed 0, uncertain 0, requeued 0"
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 1 "one email received"
expect_same "$want/late_10.eml" "$T/mail/000001.eml" "the email, byte for byte"
expect_line "$T/mail/000001.env" "RCPT TO:<ap@acme.example>"
letter=$T/files/letters/letter-2.pdf
expect_eq "$(head -c 5 "$letter" 2>&1)" "%PDF-" "the final notice letter is a PDF"
expect_true "no text letter any more" test ! -e "$T/files/letters/letter-2.txt"
if command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null; then
    pdftotext -layout "$letter" "$T/letter-2.txt"
    expect_same "$want/letter-2.pdf.txt" "$T/letter-2.txt" "the final notice letter, as text"
    expect_eq "$(pdfinfo "$letter" | sed -n 's/^Pages: *//p')" 1 "the letter is one page"
else
    echo "# skipped: the letter's text and page count (pdftotext is not installed)"
fi
cp "$letter" "$T/letter-2.first"
expect_same "$want/placement-3.csv" "$T/files/agency/placement-3.csv" "the agency placement"
expect_exit 0 owed outbox send
expect_line "$T/out" "sent 0, to retry 0, failed 0, uncertain 0, requeued 0"
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 1 "nothing sent twice"
expect_true "the letter is left as it was" cmp "$T/letter-2.first" "$letter"
expect_exit 0 owed hold list
expect_contains "$T/out" "INV-E" "the agency invoice is on hold"

say "a week later only the due step of INV-A and the heads-up for INV-F"
export OWED_TODAY=2026-07-08
expect_exit 0 owed dunning run --format json
expect_same "$want/run-2026-07-08.json" "$T/out" "the messages of 2026-07-08"

say "holds, disputes, promises and plans pause dunning; a missed month catches up"
export OWED_TODAY=2026-08-10
expect_exit 0 owed hold add --invoice INV-B --reason "customer in talks"
expect_line "$T/out" "hold 2 recorded"
expect_exit 0 owed dispute open --invoice INV-C --reason pricing --text "price list 2026 not applied"
expect_exit 3 owed dispute open --invoice INV-C --reason weather
expect_contains "$T/err" "'weather' is not a dispute reason"
expect_exit 0 owed promise add --invoice INV-A --date 2026-08-20 --amount 100.00
expect_exit 3 owed promise add --invoice INV-A --date 2026-08-01 --amount 100.00
expect_contains "$T/err" "a promise date cannot be in the past"
expect_exit 0 owed plan create --invoice INV-D --installments 2 --first 2026-08-20 --every 14
expect_same "$want/plan.txt" "$T/out" "the plan's installments"
expect_exit 0 owed dunning preview --as-of 2026-08-15
expect_same "$want/preview-2026-08-15.txt" "$T/out" "what is paused and why"
expect_exit 0 owed dunning run --as-of 2026-08-15
expect_line "$T/out" "Run 4: 2 messages queued, 2 firings, 1 charge posted"

say "the statutory fee is an invoice of its own, in the ledger"
expect_exit 0 owed customer show C2 --as-of 2026-08-15
expect_contains "$T/out" "FEE-INV-F-late_30"
expect_exit 0 owed check

say "a broken promise escalates; an installment is reminded like an invoice"
export OWED_TODAY=2026-08-25
expect_exit 0 owed dunning run --format json
expect_same "$want/run-2026-08-25.json" "$T/out" "the messages of 2026-08-25"
expect_exit 0 owed promise list --all --format json
expect_contains "$T/out" '"status": "broken"'

say "a resolved dispute lets dunning resume; a plan missing an installment breaks"
expect_exit 0 owed dispute resolve 3 --upheld --text "the price list was right"
expect_exit 3 owed dispute resolve 3 --upheld
expect_contains "$T/err" "dispute 3 is resolved_upheld: it cannot become resolved_upheld"
export OWED_TODAY=2026-09-14
expect_exit 0 owed dunning run --format json
expect_same "$want/run-2026-09-14.json" "$T/out" "the messages of 2026-09-14"
expect_exit 0 owed plan list --all --format json
expect_contains "$T/out" '"status": "broken"'

say "the outbox delivers the rest, each message once"
expect_exit 0 owed outbox send
n_sent=$(db_query "SELECT COUNT(*) FROM outbox WHERE status = 4 AND channel = 1")
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" "$n_sent" "one email per sent message"
expect_eq "$(grep -h '^Message-ID:' "$T/mail"/*.eml | sort | uniq -d)" "" "no Message-ID twice"
expect_exit 0 owed check

finish
