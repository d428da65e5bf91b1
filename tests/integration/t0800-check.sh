#!/bin/bash
# owed check: green after imports; each kind of corruption made with sqlite3 (psql on pg)
# is reported as a "breach:" line (naming the customer where one is involved) with exit 1.
. "$(dirname "$0")/lib.sh"

setup_db basic

say "a consistent ledger"
expect_exit 0 owed check
expect_true "one line starting 'ledger ok'" grep -q '^ledger ok' "$T/out"
expect_eq "$(wc -l <"$T/out")" 1 "exactly one line"
expect_contains "$T/out" "22 invoices and 15 payments" "counts the documents"
expect_true "nothing on stderr" test ! -s "$T/err"

# corrupt NAME SQL: a copy of the database with SQL applied; echoes its path (or URL). On
# pg the SQL runs with triggers and foreign keys off (session_replication_role = replica),
# as a raw edit of a SQLite file would.
corrupt() {
    local db
    db=$(copy_db "$OWED_DB" "$1") || return 1
    if [ "$OWED_BACKEND" = sqlite ]; then
        sqlite3 "$db" "$2" >&2
    else
        pg_sql "$db" "SET session_replication_role = replica" "$2" >&2
    fi
    echo "$db"
}
# sql DB SQL: one statement on DB (either backend), for `run`.
sql() {
    if [ "$OWED_BACKEND" = sqlite ]; then sqlite3 "$1" "$2"; else pg_sql "$1" "$2"; fi
}

say "an invoice amount changed behind the journal's back"
db=$(corrupt amount "UPDATE invoices SET amount_minor = amount_minor + 1 WHERE invoice_number = 'INV-3003'")
expect_exit 1 owed check --db "$db"
expect_same <(echo "breach: customer C003 EUR: AR account 500.00, open invoices 500.01") "$T/out" \
    "breach names C003 and both amounts"
expect_not_contains "$T/out" "ledger ok" "no 'ledger ok' when there is a breach"

say "an extra, unbalanced journal line (the journal takes INSERTs only)"
db=$(corrupt line "INSERT INTO journal_lines SELECT org_id, entry_id, 3, kind, source_id, customer_id,
    currency, posted_date, account, 5 FROM journal_lines WHERE kind = 1 AND line_no = 1
    AND source_id = (SELECT invoice_id FROM invoices WHERE invoice_number = 'INV-2002')")
expect_exit 1 owed check --db "$db"
expect_true "breach: the entry does not balance (3 lines, sum 5)" \
    grep -Eq '^breach: journal entry [0-9]+ does not balance \(3 lines, sum 5 minor units\)$' "$T/out"
expect_line "$T/out" "breach: customer C002 USD: AR account 45.55, open invoices 45.50" \
    "breach names C002: its AR account is 0.05 off"

say "an allocation beyond the invoice and the payment"
db=$(corrupt alloc "INSERT INTO allocations SELECT org_id, (SELECT MAX(allocation_id) + 1 FROM allocations),
    payment_id, invoice_id, alloc_date, 1, 0 FROM allocations WHERE allocation_id = 1")
expect_exit 1 owed check --db "$db"
expect_line "$T/out" "breach: customer C001 USD: AR account 17194.67, open invoices 17194.66" "AR breach names C001"
expect_line "$T/out" "breach: customer C001 USD: unapplied account 0.00, unallocated payments -0.01" \
    "unapplied breach names C001"
expect_true "invoice allocated beyond its amount" grep -q '^breach: invoice id [0-9]* is allocated beyond its amount$' "$T/out"
expect_true "payment applied beyond its amount" grep -q '^breach: payment id [0-9]* is applied beyond its amount$' "$T/out"

say "the journal is append-only; with the trigger dropped, an edited line is caught"
edit=$(copy_db "$OWED_DB" edit)
run sql "$edit" "UPDATE journal_lines SET amount_minor = 0 WHERE entry_id = 1"
expect_true "UPDATE fails" test "$RC" -ne 0
expect_contains "$T/err" "journal is append-only" "UPDATE on journal_lines is refused"
run sql "$edit" "DELETE FROM journal_lines WHERE entry_id = 1"
expect_true "DELETE fails" test "$RC" -ne 0
expect_contains "$T/err" "journal is append-only" "DELETE on journal_lines is refused"
if [ "$OWED_BACKEND" = sqlite ]; then
    drop_trigger="DROP TRIGGER journal_lines_no_update"
else
    drop_trigger="ALTER TABLE journal_lines DISABLE TRIGGER USER"
fi
sql "$edit" "$drop_trigger" >&2
sql "$edit" "UPDATE journal_lines SET amount_minor = amount_minor + 100
    WHERE (entry_id, line_no) = (SELECT entry_id, line_no FROM journal_lines
        WHERE kind = 1 AND account = 1 AND source_id = (SELECT invoice_id FROM invoices
            WHERE invoice_number = 'INV-5001'))" >&2
expect_exit 1 owed check --db "$edit"
expect_true "the edited entry does not balance" \
    grep -Eq '^breach: journal entry [0-9]+ does not balance \(2 lines, sum 100 minor units\)$' "$T/out"
expect_line "$T/out" "breach: customer C005 KWD: AR account 1075.475, open invoices 1075.375" \
    "breach names C005, amount in KWD decimals"

say "a payment deleted under its allocation"
db=$(corrupt payment "DELETE FROM payments WHERE payment_ref = 'P-050'")
expect_exit 1 owed check --db "$db"
expect_true "allocation names a missing payment" grep -Eq '^breach: allocation [0-9]+ names a missing invoice or payment$' "$T/out"
expect_line "$T/out" "breach: customer C006 USD: AR account 0.00, open invoices 100.00" "breach names C006"

say "the original database is still green"
expect_exit 0 owed check

finish
