/* The dashboard's figures in one pass over the book: the KPIs (as GET /api/v1/reports/kpi),
 * the aging totals per currency and what falls due in the next days. One book load instead
 * of one per report: the first dashboard after a change at a million invoices is what
 * costs. */
#ifndef OWED_APP_DASHBOARD_H
#define OWED_APP_DASHBOARD_H

#include <jansson.h>

#include "core/book.h"
#include "core/kpi.h"
#include "owed/buf.h"
#include "store/store.h"

/* *out = {"kpi": [as the KPI report's JSON, over `days` days to today],
 *         "aging": {"as_of", "buckets": [names], "rows": [one per currency: {"currency",
 *                   BUCKET: amount..., "unapplied", "total"}]},
 *         "due": [{"currency", "amount", "count"}: open invoices due from today to
 *                 today + due_days - 1]}
 * with amounts as decimal strings. */
int owed_dashboard(struct owed_store *s, int64_t org, owed_date today, int days, int due_days,
                   json_t **out, struct owed_buf *err);

/* The KPI report's JSON array (report_kpi.c). */
json_t *owed__kpi_json(const struct owed_book *b, const struct owed_kpi *k, size_t n,
                       owed_date as_of, int days);

#endif
