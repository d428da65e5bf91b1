/* Receivables KPIs for a period of N days ending D, as DESIGN.md ("KPIs") defines them.
 * Pure and integer-only: ratios are fixed point in tenths, rounded half-even once. */
#ifndef OWED_CORE_KPI_H
#define OWED_CORE_KPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "book.h"

/* A figure in tenths (737 == 73.7); undefined when the period has nothing to measure. */
struct owed_tenths {
    bool defined;
    int64_t tenths;
};

struct owed_kpi {
    uint16_t currency;
    int64_t ar_minor;         /* open invoice amounts at D, not netted against unapplied */
    int64_t ar_start_minor;   /* at D - N */
    int64_t current_ar_minor; /* not yet due at D */
    int64_t sales_minor;      /* invoices issued in (D - N, D] */
    struct owed_tenths dso;
    struct owed_tenths countback_dso;
    struct owed_tenths best_possible_dso;
    struct owed_tenths add;
    struct owed_tenths cei;
    struct owed_tenths avg_days_to_pay;
    struct owed_tenths avg_days_late;
    struct owed_tenths on_time_rate_count;
    struct owed_tenths on_time_rate_amount;
    int64_t paid_count; /* invoices fully paid in the period */
};

/* One result for every currency with an invoice issued on or before as_of, in currency
 * order. *out is heap-allocated; free() it. days >= 1. */
int owed_kpi_compute(const struct owed_book *book, owed_date as_of, int days,
                     struct owed_kpi **out, size_t *nout);

/* Countback DSO: month_sales[0] is the month of D (its days up to D), [1] the month before,
 * ...; month_days likewise. Walks back until AR is used up; if the history runs out first,
 * the result is the days counted so far. Exposed for unit tests of the worked example. */
struct owed_tenths owed_kpi_countback(int64_t ar_minor, const int64_t *month_sales,
                                      const int *month_days, size_t nmonths);

#endif
