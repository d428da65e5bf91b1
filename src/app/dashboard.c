/* The dashboard's figures (dashboard.h): one book load, then the KPIs, the aging and the
 * amounts falling due, each by core/'s own functions. */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/dashboard.h"
#include "app/render.h"
#include "core/aging.h"
#include "base.h"

static json_t *aging_totals(const struct owed_book *b, const struct owed_aging *ag, owed_date as_of)
{
    json_t *names = json_array(), *rows = json_array();
    for (int k = 0; k < ag->nbuckets; k++) json_array_append_new(names, json_string(ag->bucket_names[k]));
    for (size_t i = 0; i < ag->ntotals; i++) {
        const struct owed_aging_row *t = &ag->totals[i];
        int exp = b->exponents[t->currency];
        json_t *row = json_pack("{s:s}", "currency", b->currencies[t->currency]);
        for (int k = 0; k < ag->nbuckets; k++)
            json_object_set_new(row, ag->bucket_names[k], owed__json_amount(t->buckets[k], exp));
        json_object_set_new(row, "unapplied", owed__json_amount(t->unapplied, exp));
        json_object_set_new(row, "total", owed__json_amount(t->total, exp));
        json_array_append_new(rows, row);
    }
    char d[11];
    owed_date_format(as_of, d);
    return json_pack("{s:s, s:o, s:o}", "as_of", d, "buckets", names, "rows", rows);
}

/* Open invoices due in [from, to], per currency. */
static json_t *falling_due(const struct owed_book *b, const int64_t *open, owed_date from, owed_date to)
{
    int64_t *sum = owed_xcalloc(b->ncurrencies ? b->ncurrencies : 1, sizeof *sum);
    long *count = owed_xcalloc(b->ncurrencies ? b->ncurrencies : 1, sizeof *count);
    for (size_t i = 0; i < b->ninvoices; i++) {
        const struct owed_book_invoice *inv = &b->invoices[i];
        if (open[i] <= 0 || inv->due_date < from || inv->due_date > to) continue;
        sum[inv->currency] += open[i];
        count[inv->currency]++;
    }
    json_t *out = json_array();
    for (size_t c = 0; c < b->ncurrencies; c++)
        if (count[c])
            json_array_append_new(out, json_pack("{s:s, s:o, s:I}", "currency", b->currencies[c],
                                                 "amount", owed__json_amount(sum[c], b->exponents[c]),
                                                 "count", (json_int_t)count[c]));
    free(sum);
    free(count);
    return out;
}

int owed_dashboard(struct owed_store *s, int64_t org, owed_date today, int days, int due_days,
                   json_t **out, struct owed_buf *err)
{
    struct owed_book book;
    int rc = owed_book_load(s, org, today, false, &book, err);
    if (rc) return rc;
    struct owed_kpi *k = NULL;
    size_t nk = 0;
    struct owed_aging ag;
    struct owed_aging_opts ao;
    owed_aging_opts_default(&ao, today);
    rc = owed_kpi_compute(&book, today, days, &k, &nk);
    if (rc) {
        owed_buf_addf(err, "kpi: %s", owed_rc_message(rc));
        owed_book_release(&book);
        return rc;
    }
    rc = owed_aging_compute(&book, &ao, false, &ag);
    if (rc) {
        owed_buf_addf(err, "aging: %s", owed_rc_message(rc));
        free(k);
        owed_book_release(&book);
        return rc;
    }
    int64_t *open = owed_xmalloc_big(book.ninvoices ? book.ninvoices : 1, sizeof *open, false);
    owed_book_open_amounts(&book, today, open);
    *out = json_pack("{s:o, s:o, s:o}", "kpi", owed__kpi_json(&book, k, nk, today, days), "aging",
                     aging_totals(&book, &ag, today), "due",
                     falling_due(&book, open, today, today + due_days - 1));
    free(open);
    owed_aging_release(&ag);
    free(k);
    owed_book_release(&book);
    return OWED_OK;
}
