#!/bin/bash
# owed import customers: stored values, re-import, rejections, --skip-bad.
. "$(dirname "$0")/lib.sh"

export OWED_DB="$TEST_DB"
expect_exit 0 owed init
cp "$OWED_TESTDATA/basic/customers.csv" customers.csv

say "import the basic customers"
expect_exit 0 owed import customers customers.csv
expect_same <(echo "customers.csv: 6 rows: 6 new customers, 0 already recorded") "$T/out" \
    "summary line on stdout"
expect_true "nothing on stderr" test ! -s "$T/err"
db_query "SELECT customer_ref, name, email, currency, terms,
     COALESCE(CAST(credit_limit_minor AS TEXT), 'NULL') FROM customers ORDER BY customer_ref" >got
cat >want <<'WANT'
C001|Acme, Inc.|ap@acme.example|USD|NET30|5000000
C002|Bob "Best" Supplies||USD|DUE|NULL
C003|Café Zürich GmbH|buchhaltung@cafe-zuerich.example|EUR|2/10 NET30|1000000
C004|Kyoto Trading 京都||JPY|EOM30|5000000
C005|Gulf Traders|finance@gulf.example|KWD|NET60|2500000
C006|Zero Balance Co||USD|NET30|NULL
WANT
expect_same want got "stored customers: unquoted names, UTF-8 intact, limits in minor units (JPY x1, KWD x1000), blank terms NET30"

say "re-importing the same file changes nothing"
db_digest >before
expect_exit 0 owed import customers customers.csv
expect_same <(echo "customers.csv: 6 rows: 0 new customers, 6 already recorded") "$T/out" \
    "re-import says already recorded"
db_digest >after
expect_same before after "re-import: database unchanged"

say "terms and currency are stored canonically; a new customer with all terms forms"
cat >more.csv <<'CSV'
customer_ref,name,email,currency,terms,credit_limit
M1,Lower Case,,usd,net 45,0
M2,Discount Decimal,,EUR,1.5/10 NET30,
M3,End Of Month,,USD,eom 15,
M4,On Receipt,,USD,due,
CSV
expect_exit 0 owed import customers more.csv
db_query "SELECT customer_ref, currency, terms,
    COALESCE(CAST(credit_limit_minor AS TEXT), 'NULL') FROM customers WHERE customer_ref LIKE 'M%' ORDER BY 1" >got
printf '%s\n' 'M1|USD|NET45|0' 'M2|EUR|1.5/10 NET30|NULL' 'M3|USD|EOM15|NULL' 'M4|USD|DUE|NULL' >want
expect_same want got "currency upper-cased, terms canonical, credit limit 0 kept"
expect_exit 0 owed import customers more.csv
expect_line "$T/out" "more.csv: 4 rows: 0 new customers, 4 already recorded" \
    "canonicalised rows count as already recorded on re-import"

say "rejections"
db_digest >baseline
reject_case customers cust-many-bad baseline

say "--skip-bad: good rows imported, bad rows to FILE.rejects.csv"
cp "$OWED_TESTDATA/reject/cust-many-bad.csv" skip.csv
expect_exit 0 owed import customers skip.csv --skip-bad
expect_line "$T/out" "skip.csv: 10 rows: 2 new customers, 0 already recorded, 8 rejected (see skip.csv.rejects.csv)"
expect_eq "$(grep -c '^owed: skip.csv:[0-9]*: ' "$T/err")" 8 "the 8 bad rows are still reported on stderr"
cat >want <<'WANT'
customer_ref,name,email,currency,terms,credit_limit,error
C001,"Acme, Inc",ap@acme.example,USD,NET30,50000.00,customer_ref: C001 is already recorded with a different name
N1,,,USD,NET30,,name: required value is empty
N2,New Two,not-an-email,USD,NET30,,email: 'not-an-email' is not an email address
N4,New Four,,USD,NET,,"terms: 'NET' is not payment terms (NET<n>, DUE, <p>/<d> NET<n>, EOM<n>): expected NET<n> with n in 0..3660"
N5,New Five,,ZZZ,NET30,,currency: 'ZZZ' is not an ISO 4217 currency code
N6,New Six,,JPY,NET30,10.5,"credit_limit: '10.5' is not an amount in JPY (digits, '.', at most 0 decimals)"
N3,New Three again,,USD,NET45,,customer_ref: N3 appears twice in this file (first on line 6)
N7,New Seven,,USD,2/10 NET30,-1,credit_limit: '-1' must be zero or more
WANT
expect_same want skip.csv.rejects.csv "rejects file: the header plus error, each bad row with its reasons"
db_query "SELECT customer_ref, name, currency, terms FROM customers
    WHERE customer_ref LIKE 'N%' ORDER BY 1" >got
printf '%s\n' 'N0|New Zero|USD|NET30' 'N3|New Three|USD|NET45' >want
expect_same want got "the good rows N0 and N3 (first occurrence) were imported"
expect_eq "$(db_query "SELECT name FROM customers WHERE customer_ref = 'C001'")" \
    "Acme, Inc." "C001 kept its recorded name"
expect_exit 0 owed check

say "--skip-bad with nothing bad writes no rejects file"
expect_exit 0 owed import customers customers.csv --skip-bad
expect_true "no customers.csv.rejects.csv" test ! -e customers.csv.rejects.csv

finish
