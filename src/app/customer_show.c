/* `owed customer show REF`: one customer's terms, open items, payments and balance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/timeline.h"
#include "app/render.h"
#include "base.h"

struct lists {
    struct owed_invoice *inv; /* by id order */
    size_t ninv, cap_inv;
    struct owed_payment *pay; /* by id order */
    size_t npay, cap_pay;
};

static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct lists *l = ctx;
    OWED_ALLOC_GROW(l->inv, l->ninv + 1, l->cap_inv);
    l->inv[l->ninv] = *inv;
    l->inv[l->ninv++].allocated_minor = 0; /* summed as of the date below */
    return OWED_OK;
}

static int on_payment(void *ctx, const struct owed_payment *p)
{
    struct lists *l = ctx;
    OWED_ALLOC_GROW(l->pay, l->npay + 1, l->cap_pay);
    l->pay[l->npay] = *p;
    l->pay[l->npay++].allocated_minor = 0;
    return OWED_OK;
}

/* Index of the record with this id in an id-ordered array, or -1. */
#define FIND_BY_ID(arr, n, want, out)                                                      \
    do {                                                                                   \
        size_t lo_ = 0, hi_ = (n);                                                         \
        (out) = -1;                                                                        \
        while (lo_ < hi_) {                                                                \
            size_t mid_ = lo_ + (hi_ - lo_) / 2;                                           \
            if ((arr)[mid_].id < (want)) lo_ = mid_ + 1;                                   \
            else hi_ = mid_;                                                               \
        }                                                                                  \
        if (lo_ < (n) && (arr)[lo_].id == (want)) (out) = (long)lo_;                       \
    } while (0)

/* Allocations as of the date: each reduces its invoice and uses up its payment. */
static int on_allocation(void *ctx, const struct owed_allocation *a)
{
    struct lists *l = ctx;
    long i, p;
    FIND_BY_ID(l->inv, l->ninv, a->invoice_id, i);
    FIND_BY_ID(l->pay, l->npay, a->payment_id, p);
    if (i >= 0) l->inv[i].allocated_minor += a->amount_minor;
    if (p >= 0) l->pay[p].allocated_minor += a->amount_minor;
    return OWED_OK;
}

/* Refunds and reversals as of the date use up their payment like allocations. */
static int on_outflow(void *ctx, const struct owed_outflow *o)
{
    struct lists *l = ctx;
    long p;
    FIND_BY_ID(l->pay, l->npay, o->payment_id, p);
    if (p >= 0) l->pay[p].allocated_minor += o->amount_minor;
    return OWED_OK;
}

/* What the "method" of a payment row shows: the method of cash, the kind of a credit. */
static const char *method_text(const struct owed_payment *p)
{
    switch (p->kind) {
    case OWED_PAYMENT_CREDIT_NOTE: return "credit note";
    case OWED_PAYMENT_DISCOUNT: return "discount";
    case OWED_PAYMENT_WRITE_OFF: return "write-off";
    case OWED_PAYMENT_SMALL_DIFF: return "difference";
    case OWED_PAYMENT_CASH: break;
    }
    return p->method;
}

static void amount_text(char *dst, size_t cap, int64_t minor, int exp, bool group)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, exp, group);
    snprintf(dst, cap, "%s", b.ptr);
    owed_buf_release(&b);
}

static void render_table(struct owed_buf *out, const struct owed_customer *c,
                         const struct lists *l, const struct owed__timeline *tl, owed_date as_of,
                         int exp, int64_t open, int64_t unapplied, long nopen)
{
    char a[48], b[48], d1[11], d2[11];
    owed_buf_addf(out, "Customer %s  %s\n", c->ref, c->name);
    owed_buf_addf(out, "Email %s  Currency %s  Terms %s  Credit limit ", c->email[0] ? c->email : "-",
                  c->currency, c->terms);
    if (c->has_credit_limit) {
        amount_text(a, sizeof a, c->credit_limit_minor, exp, true);
        owed_buf_addf(out, "%s\n", a);
    } else {
        owed_buf_adds(out, "none\n");
    }
    amount_text(a, sizeof a, open, exp, true);
    amount_text(b, sizeof b, unapplied, exp, true);
    owed_buf_addf(out, "Open %s %s in %ld invoice%s; unapplied cash %s; ", a, c->currency, nopen,
                  nopen == 1 ? "" : "s", b);
    amount_text(a, sizeof a, open - unapplied, exp, true);
    owed_date_format(as_of, d1);
    owed_buf_addf(out, "balance %s (as of %s)\n", a, d1);

    owed_buf_adds(out, "\nOpen invoices\n");
    struct owed_table t;
    owed__table_init(&t, 6);
    t.left[0] = true;
    const char *head[] = {"Invoice", "Issued", "Due", "Amount", "Open", "Days late"};
    owed__table_add(&t, head);
    owed__table_rule(&t);
    for (size_t i = 0; i < l->ninv; i++) {
        const struct owed_invoice *inv = &l->inv[i];
        if (inv->amount_minor == inv->allocated_minor) continue;
        char late[16];
        owed_date_format(inv->issue_date, d1);
        owed_date_format(inv->due_date, d2);
        amount_text(a, sizeof a, inv->amount_minor, exp, true);
        amount_text(b, sizeof b, inv->amount_minor - inv->allocated_minor, exp, true);
        int days = as_of - inv->due_date;
        snprintf(late, sizeof late, "%d", days > 0 ? days : 0);
        const char *row[] = {inv->number, d1, d2, a, b, late};
        owed__table_add(&t, row);
    }
    if (t.nrows == 1) owed_buf_adds(out, "(none)\n");
    else owed__table_render(&t, out);
    owed__table_release(&t);

    owed_buf_adds(out, "\nPayments\n");
    owed__table_init(&t, 6);
    t.left[0] = t.left[3] = t.left[4] = true;
    const char *phead[] = {"Payment", "Received", "Amount", "Method", "Invoice", "Unapplied"};
    owed__table_add(&t, phead);
    owed__table_rule(&t);
    for (size_t i = 0; i < l->npay; i++) {
        const struct owed_payment *p = &l->pay[i];
        owed_date_format(p->received_date, d1);
        amount_text(a, sizeof a, p->amount_minor, exp, true);
        amount_text(b, sizeof b, p->amount_minor - p->allocated_minor, exp, true);
        const char *row[] = {p->ref, d1, a, method_text(p), p->invoice_number[0] ? p->invoice_number : "-",
                             b};
        owed__table_add(&t, row);
    }
    if (t.nrows == 1) owed_buf_adds(out, "(none)\n");
    else owed__table_render(&t, out);
    owed__table_release(&t);

    owed_buf_adds(out, "\nTimeline\n");
    if (!tl->n) owed_buf_adds(out, "(nothing yet)\n");
    for (size_t i = 0; i < tl->n; i++) {
        owed_date_format(tl->ev[i].date, d1);
        owed_buf_addf(out, "%s  %-8s  %s\n", d1, tl->ev[i].kind, tl->ev[i].text);
    }
}

static void render_json(struct owed_buf *out, const struct owed_customer *c,
                        const struct lists *l, const struct owed__timeline *tl, owed_date as_of,
                        int exp, int64_t open, int64_t unapplied)
{
    char d[11];
    json_t *o = json_object();
    json_object_set_new(o, "customer_ref", json_string(c->ref));
    json_object_set_new(o, "name", json_string(c->name));
    json_object_set_new(o, "email", json_string(c->email));
    json_object_set_new(o, "currency", json_string(c->currency));
    json_object_set_new(o, "terms", json_string(c->terms));
    json_object_set_new(o, "credit_limit",
                        c->has_credit_limit ? owed__json_amount(c->credit_limit_minor, exp)
                                            : json_null());
    owed_date_format(as_of, d);
    json_object_set_new(o, "as_of", json_string(d));
    json_object_set_new(o, "open", owed__json_amount(open, exp));
    json_object_set_new(o, "unapplied", owed__json_amount(unapplied, exp));
    json_object_set_new(o, "balance", owed__json_amount(open - unapplied, exp));
    json_t *invs = json_array();
    for (size_t i = 0; i < l->ninv; i++) {
        const struct owed_invoice *inv = &l->inv[i];
        json_t *j = json_object();
        json_object_set_new(j, "invoice_number", json_string(inv->number));
        owed_date_format(inv->issue_date, d);
        json_object_set_new(j, "issue_date", json_string(d));
        owed_date_format(inv->due_date, d);
        json_object_set_new(j, "due_date", json_string(d));
        json_object_set_new(j, "amount", owed__json_amount(inv->amount_minor, exp));
        json_object_set_new(j, "open",
                            owed__json_amount(inv->amount_minor - inv->allocated_minor, exp));
        json_object_set_new(j, "po_number", json_string(inv->po_number));
        json_array_append_new(invs, j);
    }
    json_object_set_new(o, "invoices", invs);
    json_t *pays = json_array();
    for (size_t i = 0; i < l->npay; i++) {
        const struct owed_payment *p = &l->pay[i];
        json_t *j = json_object();
        json_object_set_new(j, "payment_ref", json_string(p->ref));
        owed_date_format(p->received_date, d);
        json_object_set_new(j, "received_date", json_string(d));
        json_object_set_new(j, "amount", owed__json_amount(p->amount_minor, exp));
        json_object_set_new(j, "method", json_string(method_text(p)));
        json_object_set_new(j, "reference", json_string(p->reference));
        json_object_set_new(j, "invoice_number", json_string(p->invoice_number));
        json_object_set_new(j, "unapplied",
                            owed__json_amount(p->amount_minor - p->allocated_minor, exp));
        json_array_append_new(pays, j);
    }
    json_object_set_new(o, "payments", pays);
    json_t *events = json_array();
    for (size_t i = 0; i < tl->n; i++) {
        owed_date_format(tl->ev[i].date, d);
        json_t *ev = json_pack("{s:s, s:s, s:I, s:s}", "date", d, "kind", tl->ev[i].kind, "id",
                               (json_int_t)tl->ev[i].id, "text", tl->ev[i].text);
        if (tl->ev[i].via[0]) json_object_set_new(ev, "via", json_string(tl->ev[i].via));
        json_array_append_new(events, ev);
    }
    json_object_set_new(o, "timeline", events);
    owed__put_json(out, o);
}

int owed_report_customer(struct owed_store *s, int64_t org, const char *ref, owed_date as_of,
                         enum owed_format fmt, struct owed_buf *out, struct owed_buf *err)
{
    struct owed_customer c;
    int rc = s->ops->read_begin(s, err); /* one snapshot for the lookup and the scans */
    if (rc) return rc;
    rc = s->ops->customer_get(s, org, ref, &c, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", ref);
    if (rc) {
        s->ops->read_end(s);
        return rc;
    }
    struct lists l;
    memset(&l, 0, sizeof l);
    /* As of the date, the way aging sees it: invoices issued and payments received on or
     * before it, and the allocations of those payments. */
    struct owed_list_filter f = {.customer_id = c.id, .on_or_before = as_of, .with_text = true};
    rc = s->ops->invoices_each(s, org, &f, on_invoice, &l, err);
    if (!rc) rc = s->ops->payments_each(s, org, &f, on_payment, &l, err);
    if (!rc) rc = s->ops->allocations_each(s, org, &f, on_allocation, &l, err);
    if (!rc) rc = s->ops->outflows_each(s, org, &f, on_outflow, &l, err);
    struct owed__timeline tl = {0};
    int64_t *ids = owed_xmalloc_big(l.ninv + 1, sizeof *ids, false);
    const char **numbers = owed_xmalloc_big(l.ninv + 1, sizeof *numbers, false);
    for (size_t i = 0; i < l.ninv; i++) {
        ids[i] = l.inv[i].id;
        numbers[i] = l.inv[i].number;
    }
    if (!rc) rc = owed__customer_timeline(s, org, c.id, as_of, ids, numbers, l.ninv, &tl, err);
    free(ids);
    free(numbers);
    s->ops->read_end(s);
    if (!rc) {
        int exp = owed_currency_exponent(c.currency);
        int64_t open = 0, unapplied = 0;
        long nopen = 0;
        for (size_t i = 0; i < l.ninv; i++) {
            int64_t o = l.inv[i].amount_minor - l.inv[i].allocated_minor;
            open += o;
            nopen += o > 0;
        }
        for (size_t i = 0; i < l.npay; i++)
            unapplied += l.pay[i].amount_minor - l.pay[i].allocated_minor;
        if (fmt == OWED_FORMAT_JSON) render_json(out, &c, &l, &tl, as_of, exp, open, unapplied);
        else render_table(out, &c, &l, &tl, as_of, exp, open, unapplied, nopen);
    }
    owed__timeline_release(&tl);
    free(l.inv);
    free(l.pay);
    return rc;
}
