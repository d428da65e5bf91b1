/* Payment terms: NET<n>, DUE, <p>/<d> NET<n>, EOM<n>. Pure. */
#ifndef OWED_CORE_TERMS_H
#define OWED_CORE_TERMS_H

#include <stdbool.h>
#include <stddef.h>

#include "owed/buf.h"
#include "owed/date.h"

enum owed_terms_kind {
    OWED_TERMS_NET = 1,      /* NET30: due 30 days after issue */
    OWED_TERMS_DUE = 2,      /* DUE: due on the issue date (on receipt) */
    OWED_TERMS_DISCOUNT = 3, /* 2/10 NET30: 2% off if paid within 10 days, else NET30 */
    OWED_TERMS_EOM = 4,      /* EOM15: due 15 days after the end of the issue month */
};

#define OWED_TERMS_MAX_DAYS 3660

struct owed_terms {
    enum owed_terms_kind kind;
    int days;              /* NET n, EOM n; 0 for DUE */
    int discount_days;     /* d of p/d; 0 otherwise */
    int discount_bp;       /* p in basis points (2% = 200, 1.5% = 150); 0 otherwise */
};

/* Parses case-insensitively ("net30", "NET 30", "2/10 NET30", "1.5/10 net 45", "EOM15", "DUE").
 * Days 0..OWED_TERMS_MAX_DAYS, discount percent above 0 and below 100 with at most two
 * decimals, discount days no later than the net days. OWED_E_PARSE with detail in err. */
int owed_terms_parse(const char *s, size_t len, struct owed_terms *out, struct owed_buf *err);
/* Canonical spelling: "NET30", "DUE", "2/10 NET30", "1.5/10 NET45", "EOM15". */
void owed_terms_format(const struct owed_terms *t, struct owed_buf *b);
owed_date owed_terms_due_date(const struct owed_terms *t, owed_date issue);
/* For discount terms: the last day the discount applies and its rate; false otherwise. */
bool owed_terms_discount_window(const struct owed_terms *t, owed_date issue, owed_date *last_day,
                                int *discount_bp);

#endif
