/* How a payment settles one invoice: cash applied, early-payment discount taken, and a
 * short difference written off within the org's tolerance. Pure; integer only. */
#ifndef OWED_CORE_SETTLE_H
#define OWED_CORE_SETTLE_H

#include <stdint.h>

#include "core/terms.h"
#include "owed/date.h"

/* The org's short-payment tolerance: the larger of an absolute amount and a share of the
 * open amount. Both 0 = none. */
struct owed_tolerance {
    int64_t abs_minor; /* in the minor units of the currency at hand */
    int64_t ppm;       /* parts per million of the open amount: 0.5% = 5000 */
};

/* Parses "1.00" (an amount, read at `exponent`), "0.5%" (at most 4 decimals, below 100%),
 * both as "1.00,0.5%" (the larger applies), or "" (none). OWED_E_PARSE otherwise. */
int owed_tolerance_parse(const char *s, int exponent, struct owed_tolerance *out);
/* The tolerance for an invoice with this open amount. */
int64_t owed_tolerance_for(const struct owed_tolerance *t, int64_t open_minor);

/* The discount an invoice's terms grant on `amount_minor` if paid on `pay_date`: the
 * rate times the invoice amount, rounded half-even; 0 outside the window. */
int64_t owed_discount_for(const struct owed_terms *terms, owed_date issue_date,
                          int64_t amount_minor, owed_date pay_date);

struct owed_settlement {
    int64_t apply_minor;    /* cash applied */
    int64_t discount_minor; /* discount posted (settles the rest) */
    int64_t writeoff_minor; /* difference written off within tolerance */
};

/* `offered` cash (> 0) against an invoice with `open_minor` open of `amount_minor`:
 *   - offered >= open: apply open (the rest of the cash stays unapplied);
 *   - in the discount window and offered >= open - discount (discount only when nothing
 *     was paid yet, open == amount): apply offered, discount the rest;
 *   - open - offered within the tolerance: apply offered, write off the rest;
 *   - otherwise a partial payment: apply offered. */
void owed_settle(int64_t open_minor, int64_t amount_minor, const struct owed_terms *terms,
                 owed_date issue_date, owed_date pay_date, int64_t offered_minor,
                 const struct owed_tolerance *tol, struct owed_settlement *out);

#endif
