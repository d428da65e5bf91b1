/* Aging as of a date, exactly as DESIGN.md ("Aging") defines it. Pure. */
#ifndef OWED_CORE_AGING_H
#define OWED_CORE_AGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "book.h"

#define OWED_AGING_MAX_EDGES 8
#define OWED_AGING_MAX_BUCKETS (OWED_AGING_MAX_EDGES + 2)

struct owed_aging_opts {
    owed_date as_of;
    bool by_issue;                   /* age from the issue date instead of the due date */
    int nedges;                      /* default 3: 30, 60, 90 */
    int edges[OWED_AGING_MAX_EDGES]; /* strictly increasing, > 0 */
};

/* One customer and currency with an open amount or unapplied cash as of the date. */
struct owed_aging_row {
    uint32_t customer;
    uint16_t currency;
    int64_t buckets[OWED_AGING_MAX_BUCKETS];
    int64_t unapplied;
    int64_t total; /* sum of buckets minus unapplied */
};

/* One open invoice. */
struct owed_aging_item {
    uint32_t invoice;
    int32_t days; /* days past due (by due) or days since issue (by issue) */
    int bucket;
    int64_t open_minor;
};

struct owed_aging {
    int nbuckets;
    char bucket_names[OWED_AGING_MAX_BUCKETS][24]; /* "current", "d1_30", ..., "d91_plus" */
    struct owed_aging_row *rows; /* sorted by customer ref, then currency code */
    size_t nrows;
    struct owed_aging_item *items; /* sorted like rows, then due date, then invoice id */
    size_t nitems;
    /* Totals over rows: one per currency that appears, in currency order (.customer unused). */
    struct owed_aging_row *totals;
    size_t ntotals;
};

void owed_aging_opts_default(struct owed_aging_opts *o, owed_date as_of);
/* Parses "30,60,90" into the edges. OWED_E_PARSE unless strictly increasing positive ints. */
int owed_aging_parse_edges(const char *s, struct owed_aging_opts *o);
/* Fills *out; want_items adds the per-invoice detail. Release with owed_aging_release(). */
int owed_aging_compute(const struct owed_book *book, const struct owed_aging_opts *opts,
                       bool want_items, struct owed_aging *out);
void owed_aging_release(struct owed_aging *a);

/* Open amount of every invoice as of a date (invoices issued later get 0). open[] has
 * book->ninvoices entries. Shared by aging and KPIs. */
void owed_book_open_amounts(const struct owed_book *book, owed_date as_of, int64_t *open);

#endif
