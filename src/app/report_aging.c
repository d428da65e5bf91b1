/* The aging report (DESIGN.md "Aging"): compute over the book, then render as a table for
 * people, as CSV/JSON with stable columns for scripts, or as an Excel workbook with a
 * Summary and a Detail sheet (io/xlsx.c). */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/render.h"
#include "base.h"
#include "io/csv.h"
#include "io/xlsx.h"

int owed_format_parse(const char *s, enum owed_format *out)
{
    if (strcmp(s, "table") == 0) *out = OWED_FORMAT_TABLE;
    else if (strcmp(s, "csv") == 0) *out = OWED_FORMAT_CSV;
    else if (strcmp(s, "json") == 0) *out = OWED_FORMAT_JSON;
    else return OWED_E_PARSE;
    return OWED_OK;
}

struct view {
    const struct owed_book *book;
    const struct owed_aging_opts *opts;
    const struct owed_aging *ag;
};

static const char *days_column(const struct owed_aging_opts *o)
{
    return o->by_issue ? "days_since_issue" : "days_past_due";
}

/* "d31_60" -> "31-60", "d91_plus" -> "91+", "current" -> "Current". */
static void bucket_label(const char *name, char *out, size_t cap)
{
    if (strcmp(name, "current") == 0) {
        snprintf(out, cap, "Current");
        return;
    }
    snprintf(out, cap, "%s", name + 1);
    char *u = strchr(out, '_');
    if (!u) return;
    if (strcmp(u, "_plus") == 0) snprintf(u, cap - (size_t)(u - out), "+");
    else *u = '-';
}

/* ---- CSV ---- */

static void csv_header(struct owed_buf *out, const struct view *v, bool detail)
{
    if (detail) {
        owed_buf_addf(out,
                      "customer_ref,customer_name,invoice_number,currency,issue_date,due_date,"
                      "%s,bucket,amount,open\n",
                      days_column(v->opts));
        return;
    }
    owed_buf_adds(out, "customer_ref,customer_name,currency");
    for (int k = 0; k < v->ag->nbuckets; k++) owed_buf_addf(out, ",%s", v->ag->bucket_names[k]);
    owed_buf_adds(out, ",unapplied,total\n");
}

static void csv_customer(struct owed_buf *out, const struct owed_book_customer *c)
{
    owed_csv_put_field(out, c->ref, strlen(c->ref));
    owed_buf_addc(out, ',');
    owed_csv_put_field(out, c->name, strlen(c->name));
}

static void render_csv(struct owed_buf *out, const struct view *v, bool detail)
{
    const struct owed_book *b = v->book;
    csv_header(out, v, detail);
    if (detail) {
        for (size_t i = 0; i < v->ag->nitems; i++) {
            const struct owed_aging_item *it = &v->ag->items[i];
            const struct owed_book_invoice *inv = &b->invoices[it->invoice];
            int exp = b->exponents[inv->currency];
            csv_customer(out, &b->customers[inv->customer]);
            owed_buf_addc(out, ',');
            owed_csv_put_field(out, inv->number, strlen(inv->number));
            owed_buf_addf(out, ",%s,", b->currencies[inv->currency]);
            owed_date_add_to_buf(out, inv->issue_date);
            owed_buf_addc(out, ',');
            owed_date_add_to_buf(out, inv->due_date);
            owed_buf_addf(out, ",%d,%s,", (int)it->days, v->ag->bucket_names[it->bucket]);
            owed_amount_format(out, inv->amount_minor, exp, false);
            owed_buf_addc(out, ',');
            owed_amount_format(out, it->open_minor, exp, false);
            owed_buf_addc(out, '\n');
        }
        return;
    }
    for (size_t i = 0; i < v->ag->nrows; i++) {
        const struct owed_aging_row *r = &v->ag->rows[i];
        int exp = b->exponents[r->currency];
        csv_customer(out, &b->customers[r->customer]);
        owed_buf_addf(out, ",%s", b->currencies[r->currency]);
        for (int k = 0; k < v->ag->nbuckets; k++) {
            owed_buf_addc(out, ',');
            owed_amount_format(out, r->buckets[k], exp, false);
        }
        owed_buf_addc(out, ',');
        owed_amount_format(out, r->unapplied, exp, false);
        owed_buf_addc(out, ',');
        owed_amount_format(out, r->total, exp, false);
        owed_buf_addc(out, '\n');
    }
}

/* ---- JSON ---- */

static json_t *json_row(const struct view *v, const struct owed_aging_row *r, bool with_customer)
{
    const struct owed_book *b = v->book;
    int exp = b->exponents[r->currency];
    json_t *o = json_object();
    if (with_customer) {
        json_object_set_new(o, "customer_ref", json_string(b->customers[r->customer].ref));
        json_object_set_new(o, "customer_name", json_string(b->customers[r->customer].name));
    }
    json_object_set_new(o, "currency", json_string(b->currencies[r->currency]));
    for (int k = 0; k < v->ag->nbuckets; k++)
        json_object_set_new(o, v->ag->bucket_names[k], owed__json_amount(r->buckets[k], exp));
    json_object_set_new(o, "unapplied", owed__json_amount(r->unapplied, exp));
    json_object_set_new(o, "total", owed__json_amount(r->total, exp));
    return o;
}

static json_t *json_item(const struct view *v, const struct owed_aging_item *it)
{
    const struct owed_book *b = v->book;
    const struct owed_book_invoice *inv = &b->invoices[it->invoice];
    int exp = b->exponents[inv->currency];
    char d[11];
    json_t *o = json_object();
    json_object_set_new(o, "customer_ref", json_string(b->customers[inv->customer].ref));
    json_object_set_new(o, "customer_name", json_string(b->customers[inv->customer].name));
    json_object_set_new(o, "invoice_number", json_string(inv->number));
    json_object_set_new(o, "currency", json_string(b->currencies[inv->currency]));
    owed_date_format(inv->issue_date, d);
    json_object_set_new(o, "issue_date", json_string(d));
    owed_date_format(inv->due_date, d);
    json_object_set_new(o, "due_date", json_string(d));
    json_object_set_new(o, days_column(v->opts), json_integer(it->days));
    json_object_set_new(o, "bucket", json_string(v->ag->bucket_names[it->bucket]));
    json_object_set_new(o, "amount", owed__json_amount(inv->amount_minor, exp));
    json_object_set_new(o, "open", owed__json_amount(it->open_minor, exp));
    return o;
}

static void render_json(struct owed_buf *out, const struct view *v, bool detail)
{
    char d[11];
    owed_date_format(v->opts->as_of, d);
    json_t *doc = json_object();
    json_object_set_new(doc, "as_of", json_string(d));
    json_object_set_new(doc, "by", json_string(v->opts->by_issue ? "issue" : "due"));
    json_t *names = json_array();
    for (int k = 0; k < v->ag->nbuckets; k++)
        json_array_append_new(names, json_string(v->ag->bucket_names[k]));
    json_object_set_new(doc, "buckets", names);
    json_t *list = json_array();
    if (detail) {
        for (size_t i = 0; i < v->ag->nitems; i++)
            json_array_append_new(list, json_item(v, &v->ag->items[i]));
        json_object_set_new(doc, "items", list);
    } else {
        for (size_t i = 0; i < v->ag->nrows; i++)
            json_array_append_new(list, json_row(v, &v->ag->rows[i], true));
        json_object_set_new(doc, "rows", list);
    }
    json_t *totals = json_array();
    for (size_t i = 0; i < v->ag->ntotals; i++)
        json_array_append_new(totals, json_row(v, &v->ag->totals[i], false));
    json_object_set_new(doc, "totals", totals);
    owed__put_json(out, doc);
}

/* ---- xlsx ---- */

/* The Summary sheet: the CSV summary's rows with people's headers, then one bold Total
 * row per currency. */
static void xlsx_summary(struct owed_xlsx *x, const struct view *v)
{
    const struct owed_book *b = v->book;
    int nb = v->ag->nbuckets;
    char labels[OWED_AGING_MAX_BUCKETS][24];
    const char *head[OWED_AGING_MAX_BUCKETS + 5] = {"Customer", "Name", "Currency"};
    for (int k = 0; k < nb; k++) {
        bucket_label(v->ag->bucket_names[k], labels[k], sizeof labels[k]);
        head[3 + k] = labels[k];
    }
    head[3 + nb] = "Unapplied";
    head[4 + nb] = "Total";
    owed_xlsx_sheet_add(x, "Summary", head, (size_t)nb + 5);
    for (size_t i = 0; i < v->ag->nrows + v->ag->ntotals; i++) {
        bool total = i >= v->ag->nrows;
        const struct owed_aging_row *r = total ? &v->ag->totals[i - v->ag->nrows]
                                               : &v->ag->rows[i];
        const char *cur = b->currencies[r->currency];
        int exp = b->exponents[r->currency];
        struct owed_xlsx_cell cells[OWED_AGING_MAX_BUCKETS + 5] = {
            owed_xlsx_text(total ? "Total" : b->customers[r->customer].ref),
            owed_xlsx_text(total ? NULL : b->customers[r->customer].name),
            owed_xlsx_text(cur),
        };
        for (int k = 0; k < nb; k++) cells[3 + k] = owed_xlsx_money(r->buckets[k], exp, cur);
        cells[3 + nb] = owed_xlsx_money(r->unapplied, exp, cur);
        cells[4 + nb] = owed_xlsx_money(r->total, exp, cur);
        owed_xlsx_row_add(x, cells, (size_t)nb + 5, total ? OWED_XLSX_ROW_TOTAL : 0);
    }
}

/* The Detail sheet: the detail CSV's rows, real dates, the bucket by its label. */
static void xlsx_detail(struct owed_xlsx *x, const struct view *v)
{
    const struct owed_book *b = v->book;
    const char *head[] = {"Customer", "Name", "Invoice", "Currency", "Issue date", "Due date",
                          v->opts->by_issue ? "Days since issue" : "Days past due",
                          "Bucket", "Amount", "Open"};
    owed_xlsx_sheet_add(x, "Detail", head, OWED_ARRAY_LEN(head));
    for (size_t i = 0; i < v->ag->nitems; i++) {
        const struct owed_aging_item *it = &v->ag->items[i];
        const struct owed_book_invoice *inv = &b->invoices[it->invoice];
        const struct owed_book_customer *c = &b->customers[inv->customer];
        const char *cur = b->currencies[inv->currency];
        int exp = b->exponents[inv->currency];
        char label[24];
        bucket_label(v->ag->bucket_names[it->bucket], label, sizeof label);
        struct owed_xlsx_cell cells[] = {
            owed_xlsx_text(c->ref),          owed_xlsx_text(c->name),
            owed_xlsx_text(inv->number),     owed_xlsx_text(cur),
            owed_xlsx_date(inv->issue_date), owed_xlsx_date(inv->due_date),
            owed_xlsx_int(it->days),         owed_xlsx_text(label),
            owed_xlsx_money(inv->amount_minor, exp, cur),
            owed_xlsx_money(it->open_minor, exp, cur),
        };
        owed_xlsx_row_add(x, cells, OWED_ARRAY_LEN(cells), 0);
    }
}

/* Both sheets whatever `detail` says. The workbook's Created property is the as-of date
 * (midnight UTC), so the same report is the same bytes, on the CLI and the API alike. */
static int render_xlsx(struct owed_buf *out, const struct view *v, struct owed_buf *err)
{
    char d[11], title[64];
    owed_date_format(v->opts->as_of, d);
    snprintf(title, sizeof title, "Aging as of %s, by %s date", d,
             v->opts->by_issue ? "issue" : "due");
    struct owed_xlsx_options xo = {.title = title,
                                   .created_ms = (owed_time_ms)v->opts->as_of * 86400000};
    struct owed_xlsx *x;
    int rc = owed_xlsx_new(&xo, &x, err);
    if (rc) return rc;
    xlsx_summary(x, v);
    xlsx_detail(x, v);
    rc = owed_xlsx_finish(x, out, err); /* the first error of the calls above, if any */
    owed_xlsx_free(x);
    return rc;
}

/* ---- table ---- */

static void amount_cell(char *dst, size_t cap, int64_t minor, int exp)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, exp, true);
    snprintf(dst, cap, "%s", b.ptr);
    owed_buf_release(&b);
}

static void table_summary_row(struct owed_table *t, const struct view *v,
                              const struct owed_aging_row *r, const char *ref, const char *name)
{
    char cells[OWED_AGING_MAX_BUCKETS + 5][48];
    const char *ptrs[OWED_AGING_MAX_BUCKETS + 5];
    int exp = v->book->exponents[r->currency];
    size_t n = 0;
    ptrs[n++] = ref;
    ptrs[n++] = name;
    ptrs[n++] = v->book->currencies[r->currency];
    for (int k = 0; k < v->ag->nbuckets; k++) {
        amount_cell(cells[n], sizeof cells[n], r->buckets[k], exp);
        ptrs[n] = cells[n];
        n++;
    }
    amount_cell(cells[n], sizeof cells[n], r->unapplied, exp);
    ptrs[n] = cells[n];
    n++;
    amount_cell(cells[n], sizeof cells[n], r->total, exp);
    ptrs[n] = cells[n];
    owed__table_add(t, ptrs);
}

static void render_table_summary(struct owed_buf *out, const struct view *v)
{
    struct owed_table t;
    size_t ncols = (size_t)v->ag->nbuckets + 5;
    owed__table_init(&t, ncols);
    t.left[0] = t.left[1] = t.left[2] = true;
    t.max_width[1] = 30;
    char labels[OWED_AGING_MAX_BUCKETS][24];
    const char *head[OWED_AGING_MAX_BUCKETS + 5] = {"Customer", "Name", "Cur"};
    for (int k = 0; k < v->ag->nbuckets; k++) {
        bucket_label(v->ag->bucket_names[k], labels[k], sizeof labels[k]);
        head[3 + k] = labels[k];
    }
    head[3 + v->ag->nbuckets] = "Unapplied";
    head[4 + v->ag->nbuckets] = "Total";
    owed__table_add(&t, head);
    owed__table_rule(&t);
    for (size_t i = 0; i < v->ag->nrows; i++) {
        const struct owed_book_customer *c = &v->book->customers[v->ag->rows[i].customer];
        table_summary_row(&t, v, &v->ag->rows[i], c->ref, c->name);
    }
    owed__table_rule(&t);
    for (size_t i = 0; i < v->ag->ntotals; i++)
        table_summary_row(&t, v, &v->ag->totals[i], "Total", "");
    owed__table_render(&t, out);
    owed__table_release(&t);
}

static void render_table_detail(struct owed_buf *out, const struct view *v)
{
    struct owed_table t;
    owed__table_init(&t, 9);
    t.left[0] = t.left[1] = t.left[2] = t.left[3] = t.left[7] = true;
    t.max_width[1] = 24;
    const char *head[] = {"Customer", "Name",   "Invoice", "Cur",  "Issued",
                          "Due",      v->opts->by_issue ? "Age" : "Late", "Bucket", "Open"};
    owed__table_add(&t, head);
    owed__table_rule(&t);
    for (size_t i = 0; i < v->ag->nitems; i++) {
        const struct owed_aging_item *it = &v->ag->items[i];
        const struct owed_book_invoice *inv = &v->book->invoices[it->invoice];
        const struct owed_book_customer *c = &v->book->customers[inv->customer];
        char issued[11], due[11], days[16], label[24], open[48];
        owed_date_format(inv->issue_date, issued);
        owed_date_format(inv->due_date, due);
        snprintf(days, sizeof days, "%d", (int)it->days);
        bucket_label(v->ag->bucket_names[it->bucket], label, sizeof label);
        amount_cell(open, sizeof open, it->open_minor, v->book->exponents[inv->currency]);
        const char *cells[] = {c->ref, c->name, inv->number, v->book->currencies[inv->currency],
                               issued, due, days, label, open};
        owed__table_add(&t, cells);
    }
    owed__table_render(&t, out);
    owed__table_release(&t);
}

static void render_table(struct owed_buf *out, const struct view *v, bool detail)
{
    char d[11];
    owed_date_format(v->opts->as_of, d);
    owed_buf_addf(out, "Aging as of %s, by %s date\n\n", d, v->opts->by_issue ? "issue" : "due");
    if (v->ag->nrows == 0) {
        owed_buf_adds(out, "No open receivables or unapplied cash.\n");
        return;
    }
    if (detail) render_table_detail(out, v);
    else render_table_summary(out, v);
}

int owed_report_aging_xlsx(struct owed_store *s, int64_t org, owed_date as_of,
                           struct owed_buf *out, struct owed_buf *err)
{
    struct owed_aging_opts ao;
    owed_aging_opts_default(&ao, as_of);
    return owed_report_aging(s, org, &ao, true, OWED_FORMAT_XLSX, out, err);
}

int owed_report_aging(struct owed_store *s, int64_t org, const struct owed_aging_opts *opts,
                      bool detail, enum owed_format fmt, struct owed_buf *out,
                      struct owed_buf *err)
{
    if (fmt == OWED_FORMAT_XLSX) detail = true; /* the workbook has both sheets */
    struct owed_book book;
    int rc = owed_book_load(s, org, opts->as_of, detail, &book, err);
    if (rc) return rc;
    struct owed_aging ag;
    rc = owed_aging_compute(&book, opts, detail, &ag);
    if (rc) {
        owed_buf_addf(err, "aging: %s", owed_rc_message(rc));
        owed_book_release(&book);
        return rc;
    }
    struct view v = {&book, opts, &ag};
    if (fmt == OWED_FORMAT_XLSX) rc = render_xlsx(out, &v, err);
    else if (fmt == OWED_FORMAT_CSV) render_csv(out, &v, detail);
    else if (fmt == OWED_FORMAT_JSON) render_json(out, &v, detail);
    else render_table(out, &v, detail);
    owed_aging_release(&ag);
    owed_book_release(&book);
    if (rc) return rc;
    if (owed_buf_err(out)) {
        owed_buf_adds(err, "report too large");
        return owed_buf_err(out);
    }
    return OWED_OK;
}
