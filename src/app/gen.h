/* Deterministic synthetic receivables: customers.csv, invoices.csv and payments.csv in the
 * import formats of DESIGN.md, and optionally a noisy bank statement that pays some of the
 * open invoices, for demos, tests and the benchmark.
 *
 * The same options give byte-identical files on every machine: our own PRNG (splitmix64),
 * integer arithmetic only, no locale, no clock. Memory is O(customers); invoices and their
 * payments are generated and written one at a time. With a bank statement, the open
 * invoices (a few dozen bytes each) and the statement's entries are also kept. */
#ifndef OWED_APP_GEN_H
#define OWED_APP_GEN_H

#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"

struct owed_gen_opts {
    long customers; /* >= 1 when invoices > 0 */
    long invoices;  /* >= 0 */
    uint64_t seed;
    owed_date end_date; /* last issue date and the data's "today"; 0 means 2026-06-30 */
    int paid_pct;       /* percent of invoices that get a payment drawn, 0..100 (default 90);
                           0 leaves every invoice open (the matching benchmark) */
    long bank_entries;  /* entries of the bank statement, 0..10000000; 0 (default): no
                           bank files */
};

#define OWED_GEN_DEFAULT_END_YMD 2026, 6, 30

/* Fills *o with the defaults: 100 customers, 1000 invoices, seed 1, end date 2026-06-30,
 * 90% paid, no bank statement. (`owed gen --bank N --paid PCT` sets the last two.) */
void owed_gen_opts_init(struct owed_gen_opts *o);

/* Writes DIR/customers.csv, DIR/invoices.csv and DIR/payments.csv, creating DIR (one
 * level) if it does not exist, replacing the files if they do.
 *
 * Invoices are spread evenly over the 24 months ending at end_date and numbered in issue
 * order; about paid_pct% get one payment received around their due date (per-customer
 * lateness), never before the issue date; payments received after end_date are left out,
 * so those invoices stay open. Every row is valid for import. With the defaults the three
 * files are byte-identical to those of earlier versions.
 *
 * With bank_entries > 0, also DIR/bank.csv (owed's own bank CSV: account, statement_id,
 * entry_ref, booking_date, value_date, amount (signed, major units), currency, end_to_end,
 * counterparty_name, counterparty_account, remittance), DIR/bank.camt053.xml (the same
 * entries as a camt.053.001.02 document) and DIR/bank-truth.csv (entry_ref, customer_ref, invoice_numbers space-separated, kind): the
 * answer a perfect matcher gives. The entries are booked on the first five business days
 * after end_date and pay invoices that have no applied payment in payments.csv, each at
 * most once, with this noise (percent of entries; a kind whose invoices run out becomes
 * `exact`, or `unknown_payer` when no open invoice is left):
 *
 *   50 exact          the open amount; the number in the remittance in one of several
 *                     spellings (lower case, spaces, "INV-", no prefix and zeros, next to a
 *                     PO number or the customer ref), a few only in the end-to-end id
 *   10 typo           the open amount; the number with one wrong or two swapped characters
 *   10 noref          the open amount; no number (blank or generic text, maybe a PO number)
 *    8 multi          2-4 invoices of one customer in one payment; 60% list their numbers,
 *                     40% do not and pay some of the customer's 8 oldest open invoices
 *    5 short          up to 500 minor units less than the open amount, with the number
 *    5 discount       the early-payment discount of "2/10 NET30" taken inside the window
 *                     (discount = amount x 2% rounded half-even), with the number (80%)
 *    4 partial        20-80% of the open amount, with the number
 *    5 unknown_payer  a credit from someone who is not a customer (truth: no invoices)
 *    3 debit          a bank fee (negative amount; truth: no invoices)
 *
 * One statement id; an account holds one currency (owed's parsers reject a statement that
 * mixes them), so the EUR entries are on our account DE89370400440532013000 and those in
 * USD, GBP, JPY and KWD on sibling accounts DE..370400440532013001..04 (a camt Stmt each,
 * with OPBD and CLBD balances). Bank fees are EUR debits.
 *
 * Each customer pays under one stable name (its own, sometimes upper-cased or with another
 * or no legal suffix) from one stable IBAN-shaped account (valid ISO 7064 check digits).
 *
 * Returns OWED_OK, OWED_E_INVALID (bad counts; detail in err) or OWED_E_IO with
 * "path: strerror" in err. On failure the files may be partly written. */
int owed_gen_write(const struct owed_gen_opts *o, const char *dir, struct owed_buf *err);

#endif
