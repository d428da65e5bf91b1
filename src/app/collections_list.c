/* Listings of collection items (`owed hold|dispute|promise|plan|tasks list`) and the
 * collections report: dispute reasons and cycle times, promise-kept rate. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/render.h"
#include "base.h"
#include "owed/money.h"

struct row {
    struct owed_item it;
    char customer[OWED_REF_MAX + 1];
    char invoice[OWED_REF_MAX + 1];
};

struct list {
    struct owed_store *s;
    int64_t org;
    bool all;
    struct row *rows;
    size_t n, cap;
    struct owed_buf *err;
};

static int on_item(void *ctx, const struct owed_item *it)
{
    struct list *l = ctx;
    if (!l->all && it->status != OWED_ST_OPEN && it->status != OWED_ST_INVESTIGATING) return OWED_OK;
    OWED_ALLOC_GROW(l->rows, l->n + 1, l->cap);
    struct row *r = &l->rows[l->n++];
    memset(r, 0, sizeof *r);
    r->it = *it;
    return OWED_OK;
}

/* Names for ids, after the scan (a scan's callback must not start another scan). */
static int name_rows(struct list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct row *r = &l->rows[i];
        if (i && r->it.customer_id == r[-1].it.customer_id) {
            memcpy(r->customer, r[-1].customer, sizeof r->customer);
        } else {
            struct owed_customer c;
            int rc = l->s->ops->customer_get_id(l->s, l->org, r->it.customer_id, &c, l->err);
            if (rc) return rc;
            snprintf(r->customer, sizeof r->customer, "%s", c.ref);
        }
        if (r->it.invoice_id) {
            struct owed_invoice inv;
            int rc = l->s->ops->invoice_get_id(l->s, l->org, r->it.invoice_id, &inv, l->err);
            if (rc) return rc;
            snprintf(r->invoice, sizeof r->invoice, "%s", inv.number);
        }
    }
    return OWED_OK;
}

static void date_text(owed_date d, char out[11])
{
    if (d) owed_date_format(d, out);
    else out[0] = '\0';
}

static void amount_text(const struct owed_item *it, struct owed_buf *b)
{
    owed_buf_reset(b);
    if (!it->amount_minor || !it->currency[0]) return;
    owed_amount_format(b, it->amount_minor, owed_currency_exponent(it->currency), true);
    owed_buf_addc(b, ' ');
    owed_buf_adds(b, it->currency);
}

static void first_line(const char *body, char *out, size_t cap)
{
    size_t n = strcspn(body, "\n");
    if (n >= cap) n = cap - 1;
    memcpy(out, body, n);
    out[n] = '\0';
}

static void render_json(const struct list *l, struct owed_buf *out)
{
    json_t *arr = json_array();
    struct owed_buf a = OWED_BUF_INIT(0);
    for (size_t i = 0; i < l->n; i++) {
        const struct row *r = &l->rows[i];
        char d1[11], d0[11], d2[11];
        date_text(r->it.date1, d1);
        date_text(r->it.opened_on, d0);
        date_text(r->it.date2, d2);
        owed_buf_reset(&a);
        if (r->it.currency[0])
            owed_amount_format(&a, r->it.amount_minor, owed_currency_exponent(r->it.currency), false);
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                              "id", (json_int_t)r->it.id, "kind", owed_item_kind_name(r->it.kind),
                              "customer_ref", r->customer, "invoice_number", r->invoice,
                              "status", owed_item_status_name(r->it.status), "code", r->it.code,
                              "amount", a.ptr ? a.ptr : "", "currency", r->it.currency,
                              "date", d1, "opened_on", d0, "closed_on", d2, "text", r->it.body);
        if (r->it.parent_id) json_object_set_new(o, "plan_id", json_integer(r->it.parent_id));
        json_array_append_new(arr, o);
    }
    owed__put_json(out, arr);
    owed_buf_release(&a);
}

static void render_table(const struct list *l, enum owed_item_kind kind, struct owed_buf *out)
{
    if (!l->n) {
        owed_buf_addf(out, "No %ss.\n", owed_item_kind_name(kind));
        return;
    }
    owed_buf_addf(out, "%-5s %-12s %-14s %-15s %-18s %16s  %-10s %-10s %-10s %s\n", "ID",
                  "Customer", "Invoice", "Status", "Code", "Amount", "Date", "Opened", "Closed",
                  "Text");
    struct owed_buf a = OWED_BUF_INIT(0);
    for (size_t i = 0; i < l->n; i++) {
        const struct row *r = &l->rows[i];
        char d1[11], d0[11], d2[11], text[81];
        date_text(r->it.date1, d1);
        date_text(r->it.opened_on, d0);
        date_text(r->it.date2, d2);
        amount_text(&r->it, &a);
        first_line(r->it.body, text, sizeof text);
        bool inst = r->it.kind == OWED_ITEM_INSTALLMENT;
        owed_buf_addf(out, "%-5lld %-12s %-14s %-15s %-18s %16s  %-10s %-10s %-10s %s",
                      (long long)r->it.id, inst ? "" : r->customer, inst ? "" : r->invoice,
                      inst ? "installment" : owed_item_status_name(r->it.status), r->it.code,
                      a.ptr ? a.ptr : "", d1, inst ? "" : d0, d2, text);
        while (out->len && out->ptr[out->len - 1] == ' ') out->len--;
        owed_buf_addc(out, '\n');
    }
    owed_buf_release(&a);
}

int owed_items_list(struct owed_store *s, int64_t org, enum owed_item_kind kind,
                    const char *customer_ref, bool all, enum owed_format fmt,
                    struct owed_buf *out, struct owed_buf *err)
{
    struct list l = {.s = s, .org = org, .all = all, .err = err};
    struct owed_item_filter f = {.kind = kind};
    int rc = OWED_OK;
    if (customer_ref) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", customer_ref);
        f.customer_id = c.id;
    }
    if (!rc) rc = s->ops->items_each(s, org, &f, on_item, &l, err);
    if (!rc && kind == OWED_ITEM_PLAN) {
        /* Each plan followed by its installments. */
        size_t nplans = l.n;
        struct row *plans = l.rows;
        l.rows = NULL;
        l.n = l.cap = 0;
        bool was_all = l.all;
        for (size_t i = 0; i < nplans && !rc; i++) {
            l.all = true;
            OWED_ALLOC_GROW(l.rows, l.n + 1, l.cap);
            l.rows[l.n++] = plans[i];
            struct owed_item_filter fi = {.kind = OWED_ITEM_INSTALLMENT, .parent_id = plans[i].it.id};
            rc = s->ops->items_each(s, org, &fi, on_item, &l, err);
        }
        l.all = was_all;
        free(plans);
    }
    if (!rc) rc = name_rows(&l);
    if (!rc) {
        if (fmt == OWED_FORMAT_JSON) render_json(&l, out);
        else render_table(&l, kind, out);
    }
    free(l.rows);
    return rc;
}

/* ---- the collections report ---- */

struct report {
    struct {
        const char *reason;
        long count, closed, days_open;
        long by_outcome[4]; /* credit, upheld, rejected, live */
    } reasons[8];
    long promises, kept, broken, cancelled;
};

static int on_report_item(void *ctx, const struct owed_item *it)
{
    struct report *r = ctx;
    if (it->kind == OWED_ITEM_PROMISE) {
        r->promises++;
        r->kept += it->status == OWED_ST_KEPT;
        r->broken += it->status == OWED_ST_BROKEN;
        r->cancelled += it->status == OWED_ST_CANCELLED;
        return OWED_OK;
    }
    if (it->kind != OWED_ITEM_DISPUTE) return OWED_OK;
    for (size_t i = 0; owed_dispute_reasons[i] && i < OWED_ARRAY_LEN(r->reasons); i++) {
        if (strcmp(owed_dispute_reasons[i], it->code) != 0) continue;
        r->reasons[i].count++;
        int o = it->status == OWED_ST_RESOLVED_CREDIT ? 0 : it->status == OWED_ST_RESOLVED_UPHELD ? 1
              : it->status == OWED_ST_REJECTED        ? 2 : 3;
        r->reasons[i].by_outcome[o]++;
        if (o < 3 && it->date2 >= it->opened_on) {
            r->reasons[i].closed++;
            r->reasons[i].days_open += it->date2 - it->opened_on;
        }
    }
    return OWED_OK;
}

int owed_collections_report(struct owed_store *s, int64_t org, enum owed_format fmt,
                            struct owed_buf *out, struct owed_buf *err)
{
    struct report r;
    memset(&r, 0, sizeof r);
    int rc = s->ops->items_each(s, org, NULL, on_report_item, &r, err);
    if (rc) return rc;
    long decided = r.kept + r.broken;
    if (fmt == OWED_FORMAT_JSON) {
        json_t *reasons = json_array();
        for (size_t i = 0; owed_dispute_reasons[i]; i++) {
            json_array_append_new(
                reasons,
                json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:o}", "reason", owed_dispute_reasons[i],
                          "disputes", (int)r.reasons[i].count, "credited",
                          (int)r.reasons[i].by_outcome[0], "upheld", (int)r.reasons[i].by_outcome[1],
                          "rejected", (int)r.reasons[i].by_outcome[2], "open",
                          (int)r.reasons[i].by_outcome[3], "mean_days_to_close",
                          r.reasons[i].closed ? json_integer(r.reasons[i].days_open / r.reasons[i].closed)
                                              : json_null()));
        }
        json_t *doc = json_pack("{s:o, s:{s:i, s:i, s:i, s:i, s:o}}", "disputes", reasons,
                                "promises", "total", (int)r.promises, "kept", (int)r.kept,
                                "broken", (int)r.broken, "cancelled", (int)r.cancelled,
                                "kept_rate_percent",
                                decided ? json_integer(r.kept * 100 / decided) : json_null());
        owed__put_json(out, doc);
        return OWED_OK;
    }
    owed_buf_addf(out, "%-18s %8s %8s %8s %8s %8s %14s\n", "Dispute reason", "Disputes",
                  "Credited", "Upheld", "Rejected", "Open", "Days to close");
    for (size_t i = 0; owed_dispute_reasons[i]; i++) {
        char days[16] = "-";
        if (r.reasons[i].closed)
            snprintf(days, sizeof days, "%ld", r.reasons[i].days_open / r.reasons[i].closed);
        owed_buf_addf(out, "%-18s %8ld %8ld %8ld %8ld %8ld %14s\n", owed_dispute_reasons[i],
                      r.reasons[i].count, r.reasons[i].by_outcome[0], r.reasons[i].by_outcome[1],
                      r.reasons[i].by_outcome[2], r.reasons[i].by_outcome[3], days);
    }
    owed_buf_addf(out, "\nPromises to pay: %ld (kept %ld, broken %ld, cancelled %ld, open %ld)",
                  r.promises, r.kept, r.broken, r.cancelled,
                  r.promises - r.kept - r.broken - r.cancelled);
    if (decided) owed_buf_addf(out, "; kept rate %ld%%", r.kept * 100 / decided);
    owed_buf_addc(out, '\n');
    return OWED_OK;
}
