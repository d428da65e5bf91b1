/* KPIs per currency (DESIGN.md "KPIs"), rendered for people or scripts. Figures are fixed
 * point in tenths from core/kpi.c; this file only formats them. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/dashboard.h"
#include "app/render.h"
#include "base.h"
#include "core/kpi.h"

/* Where a convention could differ, the output names the one used. */
static const char *const conventions[][2] = {
    {"ar", "open invoice amounts, not netted against unapplied cash"},
    {"period", "the N days ending on as_of, as_of included"},
    {"cei", "uses the period's total credit sales"},
    {"countback_dso", "newest month first; the month of as_of counts its days up to as_of"},
    {"avg_days_late", "amount-weighted over invoices paid in full in the period; early payment "
                      "counts as 0 days late"},
    {"on_time", "paid in full on or before the due date"},
};

struct figure {
    const char *key;
    const char *label;
    size_t offset;
};

#define FIG(k, l) {#k, l, offsetof(struct owed_kpi, k)}
static const struct figure figures[] = {
    FIG(dso, "DSO (days)"),
    FIG(countback_dso, "Countback DSO (days)"),
    FIG(best_possible_dso, "Best possible DSO (days)"),
    FIG(add, "Average days delinquent"),
    FIG(cei, "CEI (%)"),
    FIG(avg_days_to_pay, "Average days to pay"),
    FIG(avg_days_late, "Average days late"),
    FIG(on_time_rate_count, "On time, by count (%)"),
    FIG(on_time_rate_amount, "On time, by amount (%)"),
};

static struct owed_tenths figure_of(const struct owed_kpi *k, const struct figure *f)
{
    return *(const struct owed_tenths *)((const char *)k + f->offset);
}

static void tenths_text(char *dst, size_t cap, struct owed_tenths t)
{
    if (!t.defined) {
        snprintf(dst, cap, "n/a");
        return;
    }
    int64_t v = t.tenths < 0 ? -t.tenths : t.tenths;
    snprintf(dst, cap, "%s%lld.%lld", t.tenths < 0 ? "-" : "", (long long)(v / 10),
             (long long)(v % 10));
}

static json_t *json_tenths(struct owed_tenths t)
{
    if (!t.defined) return json_null();
    return json_real((double)t.tenths / 10.0);
}

json_t *owed__kpi_json(const struct owed_book *b, const struct owed_kpi *k, size_t n,
                       owed_date as_of, int days)
{
    char d[11];
    owed_date_format(as_of, d);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        int exp = b->exponents[k[i].currency];
        json_t *o = json_object();
        json_object_set_new(o, "currency", json_string(b->currencies[k[i].currency]));
        for (size_t f = 0; f < OWED_ARRAY_LEN(figures); f++)
            json_object_set_new(o, figures[f].key, json_tenths(figure_of(&k[i], &figures[f])));
        json_object_set_new(o, "as_of", json_string(d));
        json_object_set_new(o, "days", json_integer(days));
        json_object_set_new(o, "ar", owed__json_amount(k[i].ar_minor, exp));
        json_object_set_new(o, "ar_start", owed__json_amount(k[i].ar_start_minor, exp));
        json_object_set_new(o, "current_ar", owed__json_amount(k[i].current_ar_minor, exp));
        json_object_set_new(o, "sales", owed__json_amount(k[i].sales_minor, exp));
        json_object_set_new(o, "paid_invoices", json_integer(k[i].paid_count));
        json_t *conv = json_object();
        for (size_t c = 0; c < OWED_ARRAY_LEN(conventions); c++)
            json_object_set_new(conv, conventions[c][0], json_string(conventions[c][1]));
        json_object_set_new(o, "conventions", conv);
        json_array_append_new(arr, o);
    }
    return arr;
}

static void render_json(struct owed_buf *out, const struct owed_book *b, const struct owed_kpi *k,
                        size_t n, owed_date as_of, int days)
{
    owed__put_json(out, owed__kpi_json(b, k, n, as_of, days));
}

/* One table of up to KPI_COLS currencies side by side (k has n of them). */
enum { KPI_COLS = 15 };

static void render_columns(struct owed_buf *out, const struct owed_book *b,
                           const struct owed_kpi *k, size_t n)
{
    struct owed_table t;
    owed__table_init(&t, n + 1);
    t.left[0] = true;
    const char *row[KPI_COLS + 1] = {""};
    char cells[KPI_COLS][48];
    for (size_t i = 0; i < n; i++) row[i + 1] = b->currencies[k[i].currency];
    owed__table_add(&t, row);
    owed__table_rule(&t);
    static const char *const money_labels[] = {"AR (open invoices)", "Credit sales in period"};
    for (int m = 0; m < 2; m++) {
        row[0] = money_labels[m];
        for (size_t i = 0; i < n; i++) {
            struct owed_buf a = OWED_BUF_INIT(0);
            owed_amount_format(&a, m == 0 ? k[i].ar_minor : k[i].sales_minor,
                               b->exponents[k[i].currency], true);
            snprintf(cells[i], sizeof cells[i], "%s", a.ptr);
            owed_buf_release(&a);
            row[i + 1] = cells[i];
        }
        owed__table_add(&t, row);
    }
    for (size_t f = 0; f < OWED_ARRAY_LEN(figures); f++) {
        row[0] = figures[f].label;
        for (size_t i = 0; i < n; i++) {
            tenths_text(cells[i], sizeof cells[i], figure_of(&k[i], &figures[f]));
            row[i + 1] = cells[i];
        }
        owed__table_add(&t, row);
    }
    owed__table_render(&t, out);
    owed__table_release(&t);
}

static void render_table(struct owed_buf *out, const struct owed_book *b, const struct owed_kpi *k,
                         size_t n, owed_date as_of, int days)
{
    char d[11];
    owed_date_format(as_of, d);
    owed_buf_addf(out, "KPIs for the %d days ending %s\n\n", days, d);
    if (n == 0) {
        owed_buf_adds(out, "No invoices issued on or before this date.\n");
        return;
    }
    /* More currencies than fit side by side continue in further tables below. */
    for (size_t first = 0; first < n; first += KPI_COLS) {
        if (first) owed_buf_addc(out, '\n');
        render_columns(out, b, k + first, n - first < KPI_COLS ? n - first : KPI_COLS);
    }
    owed_buf_adds(out, "\nConventions:\n");
    for (size_t c = 0; c < OWED_ARRAY_LEN(conventions); c++)
        owed_buf_addf(out, "  %s: %s\n", conventions[c][0], conventions[c][1]);
    owed_buf_adds(out, "  n/a: nothing to measure in the period (no sales or no paid invoices)\n");
}

int owed_report_kpi(struct owed_store *s, int64_t org, owed_date as_of, int days,
                    enum owed_format fmt, struct owed_buf *out, struct owed_buf *err)
{
    struct owed_book book;
    int rc = owed_book_load(s, org, as_of, false, &book, err);
    if (rc) return rc;
    struct owed_kpi *k = NULL;
    size_t n = 0;
    rc = owed_kpi_compute(&book, as_of, days, &k, &n);
    if (rc) {
        owed_buf_addf(err, "kpi: %s", owed_rc_message(rc));
    } else if (fmt == OWED_FORMAT_JSON) {
        render_json(out, &book, k, n, as_of, days);
    } else if (fmt == OWED_FORMAT_TABLE) {
        render_table(out, &book, k, n, as_of, days);
    } else {
        owed_buf_adds(err, "kpi: formats are table and json");
        rc = OWED_E_INVALID;
    }
    free(k);
    owed_book_release(&book);
    return rc;
}
