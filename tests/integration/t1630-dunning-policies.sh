#!/bin/bash
# Dunning policies end to end (tests/data/dunningpolicy): storing policies, good files and
# bad ones (exact errors naming the file and field, nothing stored), the JSON round trip;
# who follows which policy (customer, segment, default, unassign); business days on the
# German calendar around Easter and Christmas 2026; the org's time zone as "today"; then
# delivery: an SMS through a gateway that first answers 503, a call task, thank-you notes
# (once), a German reminder; a partial dispute settled by a credit note; a step's minimum.
. "$(dirname "$0")/lib.sh"

DATA=$OWED_TESTDATA/dunningpolicy
export OWED_TODAY=2026-07-01

# fired: the preview or run JSON in $T/out as one line per invoice:
#   CUSTOMER CHANNEL MESSAGE-STEP INVOICE STEP DAYS-PAST-DUE OPEN CURRENCY
cat >"$T/fired.py" <<'PY'
import json, sys
for m in json.load(open(sys.argv[1], encoding="utf-8")):
    for i in m["invoices"]:
        print(m["customer_ref"], m["channel"], m["step"], i["invoice_number"], i["step"],
              i["days_past_due"], i["open"], i["currency"])
PY
fired() { "$SINK_PYTHON" "$T/fired.py" "$T/out"; }
# preview_lines DATE REGEX: the preview's lines (as fired prints them) matching REGEX.
preview_lines() {
    run owed dunning preview --as-of "$1" --format json
    [ "$RC" -eq 0 ] || { echo "preview failed: $(cat "$T/err")"; return; }
    fired | grep -E "$2"
}
# mail_part FILE: an email's Subject and To headers (RFC 2047 decoded) and its text part.
cat >"$T/mail_part.py" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("To: " + str(m["To"]))
print("Subject: " + str(m["Subject"]))
print(m.get_body(preferencelist=("plain",)).get_content().rstrip("\n"))
PY
mail_part() { "$SINK_PYTHON" "$T/mail_part.py" "$1"; }

# fresh_db: another database with the data set, for a part of the test that runs dunning
# (firings and messages would otherwise mix with those of another part).
fresh_db() {
    OWED_DB=$(new_db) || exit 1
    export OWED_DB
    expect_exit 0 owed init
    local kind
    for kind in customers invoices payments; do
        expect_exit 0 owed import "$kind" "$DATA/$kind.csv"
    done
    expect_exit 0 owed org set --name "Acme Collections" --mail-from "Acme AR <ar@acme.example>"
}

# A default policy that never fires: only the customers given a policy of their own speak.
cat >"$T/quiet.json" <<'JSON'
{"steps": [{"name": "never", "offset": 3650, "channel": "email"}]}
JSON

setup_db dunningpolicy

# ---------------------------------------------------------------------------------------
say "policy set: a good file is stored"
cat >"$T/gentle.json" <<'JSON'
{"steps": [{"name": "nudge", "offset": 5, "channel": "email", "template": "late_10"}]}
JSON
expect_exit 0 owed policy set gentle gentle.json
expect_line "$T/out" "policy gentle stored"
expect_exit 0 owed policy show gentle --format json
cat >"$T/want" <<'JSON'
{
  "thank_you": false,
  "steps": [
    {
      "name": "nudge",
      "offset": 5,
      "days": "calendar",
      "channel": "email",
      "template": "late_10",
      "min_open": 0,
      "fee": "",
      "interest": ""
    }
  ]
}
JSON
expect_same "$T/want" "$T/out" "the stored policy, every field spelled out"
cp "$T/out" "$T/gentle.stored"

say "policy set: bad files are rejected with the file and the field, nothing stored"
# bad NAME ERROR: owed policy set gentle NAME.json exits 3 with exactly ERROR on stderr.
bad() {
    expect_exit 3 owed policy set gentle "$1.json"
    expect_eq "$(cat "$T/err")" "owed: $1.json$2" "$1: the error names the file and field"
    expect_true "$1: nothing on stdout" test ! -s "$T/out"
}
printf 'steps: [nudge]\n' >"$T/notjson.json"
bad notjson ":1: '[' or '{' expected near 'steps'"
printf '{"steps": [\n  {"name": "a", "offset": 5, "channel": "email"},\n]}\n' >"$T/comma.json"
bad comma ":3: unexpected token near ']'"
printf '[{"name": "a", "offset": 5, "channel": "email"}]\n' >"$T/array.json"
bad array ": steps: required, an array of 1 to 16 steps"
printf '{"steps": []}\n' >"$T/nosteps.json"
bad nosteps ": steps: required, an array of 1 to 16 steps"
cat >"$T/offsets.json" <<'JSON'
{"steps": [{"name": "a", "offset": 0, "channel": "email"},
           {"name": "b", "offset": 10, "channel": "email"},
           {"name": "c", "offset": 10, "channel": "letter"}]}
JSON
bad offsets ": steps[2].offset: must be later than the step before"
cat >"$T/backwards.json" <<'JSON'
{"steps": [{"name": "a", "offset": 10, "channel": "email"},
           {"name": "b", "offset": -7, "channel": "email"}]}
JSON
bad backwards ": steps[1].offset: must be later than the step before"
cat >"$T/nooffset.json" <<'JSON'
{"steps": [{"name": "a", "offset": "10", "channel": "email"}]}
JSON
bad nooffset ": steps[0].offset: required, whole days from -3650 to 3650"
cat >"$T/channel.json" <<'JSON'
{"steps": [{"name": "a", "offset": 0, "channel": "email"},
           {"name": "b", "offset": 10, "channel": "fax"}]}
JSON
bad channel ": steps[1].channel: must be email, sms, letter, call or agency"
cat >"$T/days.json" <<'JSON'
{"steps": [{"name": "a", "offset": 0, "days": "weekdays", "channel": "email"}]}
JSON
bad days ': steps[0].days: must be "calendar" or "business"'
fee_error=': steps[0].fee: must be "", an amount like "40.00", "eu", "uk" or "statutory"'
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "fee": "forty"}]}' >"$T/fee.json"
bad fee "$fee_error"
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "fee": "-40.00"}]}' >"$T/fee_negative.json"
bad fee_negative "$fee_error"
# A number is not a fee text: it was once dropped silently (no fee at all).
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "fee": 40}]}' >"$T/fee_number.json"
bad fee_number "$fee_error"
# Texts that look like amounts but that a run cannot charge: once stored, then every
# preview and run of the org failed.
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "fee": "40.001"}]}' >"$T/fee_decimals.json"
bad fee_decimals "$fee_error"
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "fee": "0.00"}]}' >"$T/fee_zero.json"
bad fee_zero "$fee_error"
interest_error=': steps[0].interest: must be "", a rate like "8.5%", "eu", "uk" or "statutory"'
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "interest": "8.5"}]}' >"$T/interest.json"
bad interest "$interest_error"
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "interest": "150%%"}]}' >"$T/interest_high.json"
bad interest_high "$interest_error"
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "min_open": "50"}]}' >"$T/min.json"
bad min ": steps[0].min_open: must be a whole amount >= 0"
printf '{"steps": [{"name": "a", "offset": 30, "channel": "email", "min_opn": 50}]}' >"$T/typo.json"
bad typo ": steps[0].min_opn: unknown field (name, offset, days, channel, template, min_open, fee, interest)"
printf '{"thankyou": true, "steps": [{"name": "a", "offset": 30, "channel": "email"}]}' >"$T/typo_top.json"
bad typo_top ": thankyou: unknown field (thank_you, steps)"
printf '{"thank_you": "yes", "steps": [{"name": "a", "offset": 30, "channel": "email"}]}' >"$T/thanks_flag.json"
bad thanks_flag ": thank_you: must be true or false"
printf '{"steps": [{"name": "a", "offset": 1, "channel": "email"}, {"name": "a", "offset": 2, "channel": "email"}]}' >"$T/twice.json"
bad twice ": steps[1].name: used twice"
# A step's name is its firing key: "thanks" is the key of thank-you notes (a step of that
# name once fired again on every run until runs failed), "i<id>.<step>" an installment's.
printf '{"steps": [{"name": "thanks", "offset": 5, "channel": "email"}]}' >"$T/reserved.json"
bad reserved ': steps[0].name: "thanks" is the key of thank-you notes; pick another name'
printf '{"steps": [{"name": "i1.due", "offset": 5, "channel": "email"}]}' >"$T/dotted.json"
bad dotted ": steps[0].name: letters, digits, _ and - only"
expect_exit 1 owed policy set gentle missing.json
expect_eq "$(cat "$T/err")" "owed: missing.json: No such file or directory" "a missing file"
expect_exit 0 owed policy show gentle --format json
expect_same "$T/gentle.stored" "$T/out" "the stored policy is unchanged"
expect_eq "$(db_query "SELECT name FROM dunning_policies ORDER BY name")" "gentle" \
    "no other policy was stored"
expect_exit 3 owed policy show nope
expect_eq "$(cat "$T/err")" "owed: no policy named 'nope'" "show: an unknown policy"

say "policy show --format json round-trips every field"
cat >"$T/full.json" <<'JSON'
{"thank_you": true,
 "steps": [
  {"name": "heads-up", "offset": -3, "days": "business", "channel": "sms", "template": "pre_due_7"},
  {"name": "late_30", "offset": 30, "channel": "email", "min_open": 50, "fee": "statutory",
   "interest": "eu"},
  {"name": "late_45", "offset": 45, "days": "calendar", "channel": "call", "fee": "12.50",
   "interest": "8.5%"},
  {"name": "late_90", "offset": 90, "channel": "agency", "fee": "uk", "interest": "statutory"}
 ]}
JSON
expect_exit 0 owed policy set full full.json
expect_exit 0 owed policy show full --format json
cp "$T/out" "$T/full.shown"
cat >"$T/want" <<'JSON'
{
  "thank_you": true,
  "steps": [
    {
      "name": "heads-up",
      "offset": -3,
      "days": "business",
      "channel": "sms",
      "template": "pre_due_7",
      "min_open": 0,
      "fee": "",
      "interest": ""
    },
    {
      "name": "late_30",
      "offset": 30,
      "days": "calendar",
      "channel": "email",
      "template": "late_30",
      "min_open": 50,
      "fee": "statutory",
      "interest": "eu"
    },
    {
      "name": "late_45",
      "offset": 45,
      "days": "calendar",
      "channel": "call",
      "template": "late_45",
      "min_open": 0,
      "fee": "12.50",
      "interest": "8.5%"
    },
    {
      "name": "late_90",
      "offset": 90,
      "days": "calendar",
      "channel": "agency",
      "template": "late_90",
      "min_open": 0,
      "fee": "uk",
      "interest": "statutory"
    }
  ]
}
JSON
expect_same "$T/want" "$T/full.shown" "show --format json: the canonical document"
expect_exit 0 owed policy set full2 full.shown
expect_exit 0 owed policy show full2 --format json
expect_same "$T/full.shown" "$T/out" "what show prints, set takes back unchanged"
expect_exit 0 owed policy show full
cat >"$T/want" <<'TABLE'
Policy full (thanks customers who pay on time)
Step          Offset  Days      Channel  Template     Min open  Fee        Interest
heads-up          -3  business  sms      pre_due_7           0  -          -
late_30          +30  calendar  email    late_30            50  statutory  eu
late_45          +45  calendar  call     late_45             0  12.50      8.5%
late_90          +90  calendar  agency   late_90             0  uk         statutory
TABLE
expect_same "$T/want" "$T/out" "show: the table"

# ---------------------------------------------------------------------------------------
say "who follows which policy: customer, then segment, then the default"
cat >"$T/key.json" <<'JSON'
{"steps": [{"name": "courtesy_call", "offset": 3, "channel": "call", "template": "late_10"}]}
JSON
cat >"$T/house.json" <<'JSON'
{"steps": [{"name": "house_due", "offset": 0, "channel": "email", "template": "due"},
           {"name": "house_late", "offset": 7, "channel": "letter", "template": "late_60"}]}
JSON
expect_exit 0 owed policy set key key.json
expect_exit 0 owed policy set house house.json
abc="^A[123] "
preview_lines 2026-07-01 "$abc" >"$T/got"
cat >"$T/want" <<'TXT'
A1 email late_10 PA-1 late_10 10 100.00 USD
A2 email late_10 PA-2 late_10 10 200.00 USD
A3 email late_10 PA-3 late_10 10 300.00 USD
TXT
expect_same "$T/want" "$T/got" "before any assignment: the built-in default"
expect_exit 0 owed policy assign gentle --customer A1
expect_line "$T/out" "customer:A1: gentle"
expect_exit 0 owed customer set A1 --segment key
expect_exit 0 owed customer set A2 --segment key
expect_exit 0 owed policy assign key --segment key
expect_line "$T/out" "segment:key: key"
expect_exit 0 owed policy assign house --default
expect_line "$T/out" "default: house"
preview_lines 2026-07-01 "$abc" >"$T/got"
cat >"$T/want" <<'TXT'
A1 email nudge PA-1 nudge 10 100.00 USD
A2 call courtesy_call PA-2 courtesy_call 10 200.00 USD
A3 letter house_late PA-3 house_late 10 300.00 USD
TXT
expect_same "$T/want" "$T/got" "A1 its own (before its segment's), A2 its segment's, A3 the default"
expect_exit 0 owed policy list
cat >"$T/want" <<'TXT'
default  6 steps
full  4 steps
full2  4 steps
gentle  1 steps  customer:A1
house  2 steps  default
key  1 steps  segment:key
TXT
expect_same "$T/want" "$T/out" "policy list names who uses which"
expect_exit 0 owed policy show
expect_line "$T/out" "Policy house" "show without a name: the default in force, not the built-in one"
expect_line "$T/out" "Used by: default"
expect_exit 3 owed policy assign nope --customer A1
expect_eq "$(cat "$T/err")" "owed: no policy named 'nope' (owed policy set nope FILE)" "assign: unknown policy"
expect_exit 3 owed policy assign gentle --customer ZZ9
expect_eq "$(cat "$T/err")" "owed: no customer 'ZZ9'" "assign: unknown customer"
expect_exit 2 owed policy assign gentle
expect_contains "$T/err" "say who: --customer REF, --segment S or --default"

say "unassign: each customer falls back one level"
expect_exit 0 owed policy unassign --customer A1
expect_line "$T/out" "customer:A1: the default policy"
preview_lines 2026-07-01 "$abc" >"$T/got"
cat >"$T/want" <<'TXT'
A1 call courtesy_call PA-1 courtesy_call 10 100.00 USD
A2 call courtesy_call PA-2 courtesy_call 10 200.00 USD
A3 letter house_late PA-3 house_late 10 300.00 USD
TXT
expect_same "$T/want" "$T/got" "A1 now follows its segment"
expect_exit 0 owed policy unassign --segment key
preview_lines 2026-07-01 "$abc" >"$T/got"
cat >"$T/want" <<'TXT'
A1 letter house_late PA-1 house_late 10 100.00 USD
A2 letter house_late PA-2 house_late 10 200.00 USD
A3 letter house_late PA-3 house_late 10 300.00 USD
TXT
expect_same "$T/want" "$T/got" "without the segment's: the default"
expect_exit 0 owed policy unassign --default
preview_lines 2026-07-01 "$abc" >"$T/got"
cat >"$T/want" <<'TXT'
A1 email late_10 PA-1 late_10 10 100.00 USD
A2 email late_10 PA-2 late_10 10 200.00 USD
A3 email late_10 PA-3 late_10 10 300.00 USD
TXT
expect_same "$T/want" "$T/got" "without an assigned default: the built-in one again"
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_policy_targets")" 0 "no assignment left"

# ---------------------------------------------------------------------------------------
say "a partial dispute pauses only its amount; a credit note settles it"
preview_lines 2026-07-01 "^D1 " >"$T/got"
expect_eq "$(cat "$T/got")" "D1 email late_10 DP-1 late_10 10 400.00 EUR" "DP-1: 500.00 less 100.00 paid"
expect_exit 3 owed dispute open --invoice DP-1 --reason quantity --amount 400.01
expect_eq "$(cat "$T/err")" "owed: the disputed amount is more than is open on DP-1" "more than is open"
expect_exit 0 owed dispute open --invoice DP-1 --reason quantity --amount 150.00 --text "3 of 8 pallets"
expect_line "$T/out" "dispute 1 recorded"
preview_lines 2026-07-01 "^D1 " >"$T/got"
expect_eq "$(cat "$T/got")" "D1 email late_10 DP-1 late_10 10 250.00 EUR" "the reminder asks for open less disputed"
# Partial disputes add up: 150.00 + 300.00 is more than the 400.00 open.
expect_exit 3 owed dispute open --invoice DP-1 --reason pricing --amount 300.00
expect_eq "$(cat "$T/err")" "owed: the disputed amounts add up to more than is open on DP-1" \
    "a second dispute cannot take the open amount past zero"
expect_exit 3 owed dispute resolve 1 --upheld --outcome reached
expect_eq "$(cat "$T/err")" \
    "owed: --outcome is for tasks (owed tasks done ID --outcome CODE), not a dispute" \
    "an outcome never replaces a dispute's reason"
expect_exit 0 owed dispute resolve 1 --credit-note
cat >"$T/want" <<'TXT'
credit note CN-DISPUTE-1: 150.00 EUR for D1
applied 150.00 EUR to DP-1 (250.00 still open)
dispute 1 is now resolved_credit
TXT
expect_same "$T/want" "$T/out" "resolve --credit-note issues CN-DISPUTE-1"
preview_lines 2026-07-01 "^D1 " >"$T/got"
expect_eq "$(cat "$T/got")" "D1 email late_10 DP-1 late_10 10 250.00 EUR" "after the credit note: 250.00 open, nothing disputed"
expect_exit 0 owed dispute list --all --format json
expect_contains "$T/out" '"code": "quantity"' "the dispute keeps its reason"
expect_contains "$T/out" '"status": "resolved_credit"'
expect_exit 0 owed check
expect_exit 0 owed dispute report
expect_line "$T/out" "quantity                  1        1        0        0        0              0"

# ---------------------------------------------------------------------------------------
say "a step's minimum: 20.00 open does not reach 50"
cat >"$T/min50.json" <<'JSON'
{"steps": [{"name": "late_10", "offset": 10, "channel": "email", "min_open": 50}]}
JSON
expect_exit 0 owed policy set min50 min50.json
expect_exit 0 owed policy assign min50 --customer M1
preview_lines 2026-07-01 "^M1 " >"$T/got"
expect_eq "$(cat "$T/got")" "M1 email late_10 MN-2 late_10 10 80.00 USD" "MN-2 (80.00) fires, MN-1 (20.00 open) does not"
expect_exit 0 owed dunning preview --as-of 2026-07-01
expect_line "$T/out" "Paused: 1 under the minimum"
# The minimum is reached at exactly the amount: 80.00 against 80.
sed 's/"min_open": 50/"min_open": 80/' "$T/min50.json" >"$T/min80.json"
expect_exit 0 owed policy set min50 min80.json
preview_lines 2026-07-01 "^M1 " >"$T/got"
expect_eq "$(cat "$T/got")" "M1 email late_10 MN-2 late_10 10 80.00 USD" "80.00 open reaches a minimum of 80"
sed 's/"min_open": 50/"min_open": 81/' "$T/min50.json" >"$T/min81.json"
expect_exit 0 owed policy set min50 min81.json
preview_lines 2026-07-01 "^M1 " >"$T/got"
expect_eq "$(cat "$T/got")" "" "nothing fires for M1 under 81"
expect_exit 0 owed dunning preview --as-of 2026-07-01
expect_line "$T/out" "Paused: 2 under the minimum"

say "a fee a run cannot charge stops the preview with a reason"
printf '{"steps": [{"name": "late_5", "offset": 5, "channel": "email", "fee": "eu"}]}' >"$T/eufee.json"
expect_exit 0 owed policy set eufee eufee.json
expect_exit 0 owed policy assign eufee --customer A2
expect_exit 1 owed dunning preview --as-of 2026-07-01
expect_eq "$(cat "$T/err")" \
    "owed: fee \"eu\" cannot be charged in USD (eu is for EUR, uk for GBP; \"statutory\" picks by currency) (invoice PA-2, step late_5)" \
    "the error says why (it once said nothing but the invoice)"
expect_exit 0 owed policy unassign --customer A2

# ---------------------------------------------------------------------------------------
say "time zone: without --as-of, today is the org's local date"
# OWED_TODAY pins the clock to 00:00 UTC of that day: 17:00 the day before in Los Angeles
# (PDT), 12:00 the same day in Auckland (NZST), so Auckland cannot move the date here.
expect_exit 0 owed dunning preview
expect_eq "$(head -n 1 "$T/out")" "Dunning preview as of 2026-07-01: 9 messages for 9 invoices (email 7, letter 1, agency 1)" "UTC: 2026-07-01"
expect_exit 0 owed org set --timezone America/Los_Angeles
expect_line "$T/out" "timezone: America/Los_Angeles"
expect_exit 0 owed dunning preview
expect_eq "$(head -n 1 "$T/out" | cut -d: -f1)" "Dunning preview as of 2026-06-30" "Los Angeles: 2026-06-30"
expect_exit 0 owed dunning preview --format json
cp "$T/out" "$T/la.json"
expect_exit 0 owed dunning preview --as-of 2026-06-30 --format json
expect_same "$T/la.json" "$T/out" "the same as --as-of 2026-06-30"
expect_exit 0 owed org set --timezone Pacific/Auckland
expect_exit 0 owed dunning preview
expect_eq "$(head -n 1 "$T/out" | cut -d: -f1)" "Dunning preview as of 2026-07-01" "Auckland: 2026-07-01"
OWED_TODAY=2026-06-30 run owed dunning preview
expect_eq "$(head -n 1 "$T/out" | cut -d: -f1)" "Dunning preview as of 2026-06-30" "Auckland, a day earlier"
for tz in Mars/Base America zone.tab ../etc/passwd ""; do
    expect_exit 3 owed org set --timezone "$tz"
    expect_eq "$(cat "$T/err")" \
        "owed: timezone '$tz' is not an IANA time zone (e.g. Europe/Berlin)" "timezone '$tz' is refused"
done
expect_exit 0 owed org show
expect_line "$T/out" "timezone: Pacific/Auckland" "a refused zone changes nothing"
expect_exit 0 owed org set --timezone UTC

# ---------------------------------------------------------------------------------------
say "business days on the German calendar: Easter 2026"
fresh_db
expect_exit 0 owed policy set quiet quiet.json
expect_exit 0 owed policy assign quiet --default
cat >"$T/werktage.json" <<'JSON'
{"steps": [
  {"name": "vorab", "offset": -2, "days": "business", "channel": "email", "template": "pre_due_7"},
  {"name": "faellig", "offset": 1, "days": "business", "channel": "email", "template": "due"},
  {"name": "mahnung", "offset": 3, "days": "business", "channel": "email", "template": "late_10"}
]}
JSON
expect_exit 0 owed policy set werktage werktage.json
expect_exit 0 owed policy assign werktage --customer B1
# BE-1 is due Thursday 2026-04-02, BE-2 Tuesday 2026-04-07. Good Friday (04-03) and Easter
# Monday (04-06) are German holidays. Weekends only first: +1 business day from 04-02 is
# Good Friday itself.
preview_lines 2026-04-02 "BE-1" >"$T/got"
expect_eq "$(cat "$T/got")" "B1 email vorab BE-1 vorab 0 1000.00 EUR" "weekends only, 04-02: vorab"
preview_lines 2026-04-03 "BE-1" >"$T/got"
expect_eq "$(cat "$T/got")" "B1 email faellig BE-1 faellig 1 1000.00 EUR" "weekends only: faellig on Good Friday"
preview_lines 2026-04-01 "BE-2" >"$T/got"
expect_eq "$(cat "$T/got")" "" "weekends only: BE-2's vorab (-2 from 04-07 = 04-03) not yet on 04-01"
expect_exit 0 owed org set --calendar DE
expect_line "$T/out" "calendar: DE"
# scan REGEX FROM TO: the first line of each day's preview matching REGEX, as "DATE: line".
scan() {
    local d=$2
    while :; do
        echo "$d: $(preview_lines "$d" "$1" | head -n 1)"
        [ "$d" = "$3" ] && break
        d=$(date -u -d "$d + 1 day" +%F)
    done
}
scan "BE-1" 2026-03-30 2026-04-10 >"$T/got"
cat >"$T/want" <<'TXT'
2026-03-30: 
2026-03-31: B1 email vorab BE-1 vorab -2 1000.00 EUR
2026-04-01: B1 email vorab BE-1 vorab -1 1000.00 EUR
2026-04-02: B1 email vorab BE-1 vorab 0 1000.00 EUR
2026-04-03: B1 email vorab BE-1 vorab 1 1000.00 EUR
2026-04-04: B1 email vorab BE-1 vorab 2 1000.00 EUR
2026-04-05: B1 email vorab BE-1 vorab 3 1000.00 EUR
2026-04-06: B1 email vorab BE-1 vorab 4 1000.00 EUR
2026-04-07: B1 email faellig BE-1 faellig 5 1000.00 EUR
2026-04-08: B1 email faellig BE-1 faellig 6 1000.00 EUR
2026-04-09: B1 email mahnung BE-1 mahnung 7 1000.00 EUR
2026-04-10: B1 email mahnung BE-1 mahnung 8 1000.00 EUR
TXT
expect_same "$T/want" "$T/got" "BE-1: +1 business day skips Good Friday to Easter Monday (04-07), +3 is 04-09"
scan "BE-2" 2026-03-31 2026-04-10 | grep -v ': $' | sed -n '1p;/ BE-2 faellig /{p;q}' >"$T/got"
cat >"$T/want" <<'TXT'
2026-04-01: B1 email vorab BE-2 vorab -6 2000.00 EUR
2026-04-08: B1 email faellig BE-2 faellig 1 2000.00 EUR
TXT
expect_same "$T/want" "$T/got" "BE-2: -2 business days from 04-07 is 04-01 (not Sunday 04-05); +1 is 04-08"
expect_exit 0 owed dunning preview --as-of 2026-04-07 --format json
cat >"$T/want" <<'JSON'
[
  {
    "customer_ref": "B1",
    "channel": "email",
    "step": "faellig",
    "invoices": [
      {
        "invoice_number": "BE-1",
        "step": "faellig",
        "open": "1000.00",
        "currency": "EUR",
        "days_past_due": 5
      },
      {
        "invoice_number": "BE-2",
        "step": "vorab",
        "open": "2000.00",
        "currency": "EUR",
        "days_past_due": 0
      }
    ]
  }
]
JSON
expect_same "$T/want" "$T/out" "the preview of Tuesday after Easter, exactly"

say "business days: Christmas 2026"
# BX-1 is due Thursday 2026-12-24; 12-25 (Friday) and 12-26 (Saturday) are holidays.
scan "BX-1" 2026-12-21 2026-12-31 >"$T/got"
cat >"$T/want" <<'TXT'
2026-12-21: 
2026-12-22: B1 email mahnung BX-1 vorab -2 3000.00 EUR
2026-12-23: B1 email mahnung BX-1 vorab -1 3000.00 EUR
2026-12-24: B1 email mahnung BX-1 vorab 0 3000.00 EUR
2026-12-25: B1 email mahnung BX-1 vorab 1 3000.00 EUR
2026-12-26: B1 email mahnung BX-1 vorab 2 3000.00 EUR
2026-12-27: B1 email mahnung BX-1 vorab 3 3000.00 EUR
2026-12-28: B1 email mahnung BX-1 faellig 4 3000.00 EUR
2026-12-29: B1 email mahnung BX-1 faellig 5 3000.00 EUR
2026-12-30: B1 email mahnung BX-1 mahnung 6 3000.00 EUR
2026-12-31: B1 email mahnung BX-1 mahnung 7 3000.00 EUR
TXT
expect_same "$T/want" "$T/got" "BX-1: +1 business day is Monday 12-28, +3 is 12-30"
expect_exit 3 owed org set --calendar XX
expect_eq "$(cat "$T/err")" \
    "owed: calendar 'XX' is neither a name from data/calendars (DE, GB, ...) nor a path to a JSON calendar" \
    "an unknown calendar is refused"
expect_exit 0 owed org show
expect_line "$T/out" "calendar: DE" "and changes nothing"

say "the run records the org's local date"
expect_exit 0 owed org set --timezone America/Los_Angeles
expect_exit 0 owed dunning run
expect_line "$T/out" "Run 1: 1 message queued, 2 firings, 0 charges posted"
expect_eq "$(db_query "SELECT $(sql_date as_of) FROM dunning_runs")" 2026-06-30 "dunning_runs.as_of"
expect_eq "$(db_query "SELECT DISTINCT $(sql_date fired_on) FROM dunning_firings")" 2026-06-30 "fired_on"

# ---------------------------------------------------------------------------------------
say "delivery: SMS, a call task, thank-you notes and a German reminder from one run"
fresh_db
expect_exit 0 owed policy set quiet quiet.json
expect_exit 0 owed policy assign quiet --default
cat >"$T/texts.json" <<'JSON'
{"steps": [{"name": "sms_late", "offset": 5, "channel": "sms", "template": "late_10"}]}
JSON
cat >"$T/calls.json" <<'JSON'
{"steps": [{"name": "call_late", "offset": 10, "channel": "call", "template": "late_10"}]}
JSON
cat >"$T/thankful.json" <<'JSON'
{"thank_you": true, "steps": [{"name": "due", "offset": 0, "channel": "email"}]}
JSON
cat >"$T/firm.json" <<'JSON'
{"steps": [{"name": "late_10", "offset": 10, "channel": "email"}]}
JSON
for p in texts calls thankful firm; do expect_exit 0 owed policy set "$p" "$p.json"; done
expect_exit 0 owed policy assign texts --customer S1
expect_exit 0 owed policy assign calls --customer C1
expect_exit 0 owed policy assign thankful --customer T1
expect_exit 0 owed policy assign thankful --customer U1
expect_exit 0 owed policy assign firm --customer G1
expect_exit 0 owed customer set S1 --phone +4915112345678
expect_exit 0 owed customer set G1 --lang de
start_http_sink "$T/sms" --status-seq 503
start_smtp_sink "$T/mail"
expect_exit 0 owed org set --sms-url "$HTTP_URL" --smtp-url "$SMTP_URL"

# Thanks: TY-1 (due 06-28, paid 06-26) and TY-4 (due 06-30, paid on 06-30) of T1, TU-1 of
# U1 (paid on its due date), all within the last 7 days; not TY-2 (paid late), TY-3 (paid
# 06-20: too long ago), TY-5 (written off) or TY-6 (paid 06-24: 7 days ago is out).
# TU-1 lies between T1's invoices: T1 still gets one email, not two. TY-5's rest written
# off before its due date settles it, but nobody is thanked for a write-off.
expect_exit 0 owed write-off TY-5 --reason "goodwill" --date 2026-06-30
expect_exit 0 owed dunning run --format json
fired >"$T/got"
cat >"$T/want" <<'TXT'
C1 call call_late CL-1 call_late 10 80.00 USD
G1 email late_10 GR-1 late_10 10 750.00 EUR
S1 sms sms_late SM-1 sms_late 10 150.00 EUR
T1 email thanks TY-1 thanks 3 0.00 USD
T1 email thanks TY-4 thanks 1 0.00 USD
U1 email thanks TU-1 thanks 2 0.00 USD
TXT
expect_same "$T/want" "$T/got" "what the run did"
expect_eq "$(db_query "SELECT step, channel, status FROM outbox ORDER BY message_id")" \
    "call_late|4|4
late_10|1|1
sms_late|2|1
thanks|1|1
thanks|1|1" "five messages: the call delivered to the task list, four queued"
expect_eq "$(db_query "SELECT messages, firings FROM dunning_runs")" "5|6" "the run's counts"
expect_exit 0 owed dunning run
expect_line "$T/out" "Run 2: 0 messages queued, 0 firings, 0 charges posted" "a second run the same day: nothing"

say "the call: a task for a collector"
expect_exit 0 owed tasks
expect_contains "$T/out" "C1" "the task names the customer"
expect_contains "$T/out" "Call Call Corp: invoice CL-1 overdue, total 80.00 USD. Ask for a payment date."
task=$(db_query "SELECT item_id FROM collection_items WHERE kind = 8")
expect_eq "$task" 1 "one task"
expect_exit 3 owed tasks done "$task" --outcome weather
expect_eq "$(cat "$T/err")" "owed: 'weather' is not a call outcome (reached, no_answer, left_message, wrong_number, promised, disputed, refused, callback)" "an unknown outcome is refused"
expect_exit 0 owed tasks done "$task" --outcome reached
expect_line "$T/out" "task $task is now done"
expect_exit 0 owed tasks
expect_line "$T/out" "No tasks." "the list is empty"
expect_exit 0 owed tasks --all --format json
cat >"$T/want" <<'JSON'
[
  {
    "id": 1,
    "kind": "task",
    "customer_ref": "C1",
    "invoice_number": "",
    "status": "done",
    "code": "reached",
    "amount": "",
    "currency": "",
    "date": "2026-07-01",
    "opened_on": "2026-07-01",
    "closed_on": "2026-07-01",
    "text": "Call Call Corp: invoice CL-1 overdue, total 80.00 USD. Ask for a payment date."
  }
]
JSON
expect_same "$T/want" "$T/out" "the closed task"
expect_exit 3 owed tasks done "$task" --outcome reached
expect_eq "$(cat "$T/err")" "owed: task 1 is done: it cannot become done" "done only once"

say "delivery: the gateway answers 503 first; the SMS stays queued, then goes once"
org=$(db_query "SELECT org_id FROM orgs")
sms_id=$(db_query "SELECT message_id FROM outbox WHERE channel = 2")
expect_exit 1 owed outbox send
cat >"$T/want" <<TXT
message $sms_id to +4915112345678: sms: HTTP 503: {"status": 503} (will retry)
sent 3, to retry 1, failed 0, uncertain 0, requeued 0
TXT
expect_same "$T/want" "$T/out" "three emails sent, the SMS to retry"
printf '{"to":"+4915112345678","text":"Acme Collections: invoice SM-1 overdue, total 150.00 EUR. Please pay.","id":"owed-%s-%s"}' \
    "$org" "$sms_id" >"$T/want"
expect_same "$T/want" "$T/sms/000001.json" "the SMS body as posted, exactly"
expect_eq "$(cat "$T/sms/000001.key")" "owed-$org-$sms_id" "its Idempotency-Key"
expect_eq "$(db_query "SELECT status, attempts FROM outbox WHERE channel = 2")" "1|1" "queued, one attempt"
expect_exit 0 owed outbox send
expect_line "$T/out" "sent 0, to retry 0, failed 0, uncertain 0, requeued 0" "not due again within the backoff"
expect_eq "$(ls "$T/sms" | grep -c '\.json$')" 1 "no second POST yet"
OWED_TODAY=2026-07-02 expect_exit 0 owed outbox send
expect_line "$T/out" "sent 1, to retry 0, failed 0, uncertain 0, requeued 0" "the next day: delivered"
expect_same "$T/sms/000001.json" "$T/sms/000002.json" "the retry posts the same body"
expect_eq "$(cat "$T/sms/000002.key")" "owed-$org-$sms_id" "and the same Idempotency-Key"
OWED_TODAY=2026-07-03 expect_exit 0 owed outbox send
expect_line "$T/out" "sent 0, to retry 0, failed 0, uncertain 0, requeued 0"
expect_eq "$(ls "$T/sms" | grep -c '\.json$')" 2 "two POSTs in all: the SMS went once"
expect_eq "$(db_query "SELECT status, attempts FROM outbox WHERE channel = 2")" "4|2" "sent after two attempts"

say "the emails: German for G1, one thank-you note per customer"
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 3 "three emails"
expect_eq "$(grep -c '^Subject: =?UTF-8?' "$T/mail/000001.eml")" 1 "the German subject is RFC 2047 encoded"
mail_part "$T/mail/000001.eml" >"$T/got"
expect_line "$T/got" "To: einkauf@gruen.example"
expect_line "$T/got" "Subject: Zahlungserinnerung: Rechnung GR-1 überfällig" "the subject of de/late_10.tmpl"
expect_line "$T/got" "Sehr geehrte Damen und Herren (Grün & Söhne GmbH),"
expect_line "$T/got" "  GR-1  fällig am 2026-06-21  10 Tage überfällig  750.00 EUR"
mail_part "$T/mail/000002.eml" >"$T/got"
cat >"$T/want" <<'TXT'
To: ap@thanks.example
Subject: Thank you for your payment
Dear Thanks Co,

Thank you for paying on time. We have received payment in full for:

  TY-1  due 2026-06-28
  TY-4  due 2026-06-30

We appreciate your business.

Acme Collections
TXT
expect_same "$T/want" "$T/got" "one thank-you note for TY-1 and TY-4"
mail_part "$T/mail/000003.eml" >"$T/got"
expect_line "$T/got" "To: ap@upsilon.example"
expect_line "$T/got" "  TU-1  due 2026-06-29"

say "thank-you notes go once"
OWED_TODAY=2026-07-02 expect_exit 0 owed dunning run
expect_line "$T/out" "Run 3: 0 messages queued, 0 firings, 0 charges posted"
OWED_TODAY=2026-07-02 expect_exit 0 owed outbox send
expect_eq "$(ls "$T/mail" | grep -c '\.eml$')" 3 "no email after the second run"
expect_eq "$(db_query "SELECT COUNT(*) FROM dunning_firings WHERE step = 'thanks'")" 3 "three invoices thanked"
expect_exit 0 owed check

finish
