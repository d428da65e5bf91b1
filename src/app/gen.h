/* Deterministic synthetic receivables: customers.csv, invoices.csv and payments.csv in the
 * import formats of DESIGN.md, for demos, tests and the benchmark.
 *
 * The same options give byte-identical files on every machine: our own PRNG (splitmix64),
 * integer arithmetic only, no locale, no clock. Memory is O(customers); invoices and their
 * payments are generated and written one at a time. */
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
};

#define OWED_GEN_DEFAULT_END_YMD 2026, 6, 30

/* Fills *o with the defaults: 100 customers, 1000 invoices, seed 1, end date 2026-06-30. */
void owed_gen_opts_init(struct owed_gen_opts *o);

/* Writes DIR/customers.csv, DIR/invoices.csv and DIR/payments.csv, creating DIR (one
 * level) if it does not exist, replacing the files if they do.
 *
 * Invoices are spread evenly over the 24 months ending at end_date and numbered in issue
 * order; about 90% get one payment received around their due date (per-customer lateness),
 * never before the issue date; payments received after end_date are left out, so those
 * invoices stay open. Every row is valid for import.
 *
 * Returns OWED_OK, OWED_E_INVALID (bad counts; detail in err) or OWED_E_IO with
 * "path: strerror" in err. On failure the files may be partly written. */
int owed_gen_write(const struct owed_gen_opts *o, const char *dir, struct owed_buf *err);

#endif
