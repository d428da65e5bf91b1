/* Charts for the web app as inline SVG drawn by the server: no script, no library, and the
 * numbers are always in a table beside the chart (the chart is a picture of the table). */
#ifndef OWED_HTTP_WEB_CHARTS_H
#define OWED_HTTP_WEB_CHARTS_H

#include <jansson.h>
#include <stdint.h>

#include "owed/buf.h"

/* The aging report's JSON (GET /api/v1/reports/aging) summed per currency: a new array of
 * {currency, total, buckets: [{key, label, amount, pct}], chart} where chart is an SVG bar
 * chart of the buckets (raw markup for {{{chart}}}). Amounts stay decimal strings. */
json_t *web_aging_totals(const json_t *aging);

/* A bar chart of n values (minor units, >= 0 drawn) with labels, as SVG into svg; title is
 * its accessible name. colors[i] is a CSS colour per bar (NULL: one colour). */
void web_chart_bars(const char *title, const char *const *labels, const int64_t *values,
                    const char *const *value_text, size_t n, const char *const *colors,
                    struct owed_buf *svg);

/* A line chart of n points (y values scaled to the largest), labels under each point. */
void web_chart_line(const char *title, const char *const *labels, const double *values, size_t n,
                    struct owed_buf *svg);

#endif
