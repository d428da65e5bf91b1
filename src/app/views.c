/* Read models of the API (app/views.h). Listings load the organization's records once,
 * filter and sort them in memory, and render only the page asked for. */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/views.h"
#include "base.h"
#include "owed/money.h"

json_t *owed_json_amount(int64_t minor, const char *currency)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    int exp = owed_currency_exponent(currency);
    owed_amount_format(&b, minor, exp < 0 ? 2 : exp, false);
    json_t *v = json_stringn(b.ptr ? b.ptr : "0", b.len);
    owed_buf_release(&b);
    return v;
}

json_t *owed_json_date(owed_date d)
{
    if (!d) return json_null();
    char s[11];
    owed_date_format(d, s);
    return json_string(s);
}

/* Sums per id: an open-addressing hash table (linear probing, at most half full). A dense
 * array indexed by id cost a memset of megabytes per request for one customer whose ids
 * are spread over a book of a million invoices. Id 0 marks an empty slot (ids start at 1). */
struct sums {
    int64_t *key, *v;
    size_t cap, n; /* cap: a power of two, or 0 */
};

static size_t sums_slot(const struct sums *s, int64_t id)
{
    size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15u) & (s->cap - 1);
    while (s->key[h] && s->key[h] != id) h = (h + 1) & (s->cap - 1);
    return h;
}

static int sums_add(struct sums *s, int64_t id, int64_t amount)
{
    if (id <= 0) return OWED_OK;
    if (2 * (s->n + 1) > s->cap) {
        struct sums bigger = {.cap = s->cap ? 2 * s->cap : 64};
        bigger.key = owed_xcalloc(bigger.cap, sizeof *bigger.key);
        bigger.v = owed_xcalloc(bigger.cap, sizeof *bigger.v);
        for (size_t i = 0; i < s->cap; i++)
            if (s->key[i]) {
                size_t h = sums_slot(&bigger, s->key[i]);
                bigger.key[h] = s->key[i];
                bigger.v[h] = s->v[i];
                bigger.n++;
            }
        free(s->key);
        free(s->v);
        *s = bigger;
    }
    size_t h = sums_slot(s, id);
    if (!s->key[h]) {
        s->key[h] = id;
        s->n++;
    }
    s->v[h] += amount;
    return OWED_OK;
}

static int64_t sums_get(const struct sums *s, int64_t id)
{
    if (id <= 0 || !s->cap) return 0;
    size_t h = sums_slot(s, id);
    return s->key[h] ? s->v[h] : 0;
}

static void sums_free(struct sums *s)
{
    free(s->key);
    free(s->v);
}

/* Customer refs by id, for listings. */
struct refs {
    char **ref;
    size_t n;
};

static int refs_add(void *ctx, const struct owed_customer *c)
{
    struct refs *r = ctx;
    size_t old = r->n;
    OWED_ALLOC_GROW(r->ref, (size_t)c->id + 1, r->n);
    memset(r->ref + old, 0, (r->n - old) * sizeof *r->ref);
    r->ref[c->id] = owed_xstrdup(c->ref);
    return OWED_OK;
}

static const char *refs_get(const struct refs *r, int64_t id)
{
    return id >= 0 && (size_t)id < r->n && r->ref[id] ? r->ref[id] : "";
}

static void refs_free(struct refs *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->ref[i]);
    free(r->ref);
}

/* ---- invoices ---- */

bool owed_invoice_sort_parse(const char *s, enum owed_invoice_sort *sort, bool *descending)
{
    static const struct {
        const char *name;
        enum owed_invoice_sort sort;
    } names[] = {{"id", OWED_SORT_ID},         {"due_date", OWED_SORT_DUE},
                 {"issue_date", OWED_SORT_ISSUE}, {"amount", OWED_SORT_AMOUNT},
                 {"open", OWED_SORT_OPEN}};
    *descending = *s == '-';
    if (*s == '-') s++;
    for (size_t i = 0; i < OWED_ARRAY_LEN(names); i++)
        if (!strcmp(s, names[i].name)) {
            *sort = names[i].sort;
            return true;
        }
    return false;
}

static json_t *invoice_json(const struct owed_invoice *inv, const char *customer_ref,
                            int64_t paid, owed_date today)
{
    int64_t open = inv->amount_minor - paid;
    const char *status = open <= 0 ? "paid" : inv->due_date < today ? "overdue" : "open";
    return json_pack("{s:I, s:s, s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:i, s:s, s:s, s:s}",
                     "id", (json_int_t)inv->id, "number", inv->number, "customer_id",
                     (json_int_t)inv->customer_id, "customer_ref", customer_ref, "issue_date",
                     owed_json_date(inv->issue_date), "due_date", owed_json_date(inv->due_date),
                     "currency", inv->currency, "amount",
                     owed_json_amount(inv->amount_minor, inv->currency), "paid",
                     owed_json_amount(paid, inv->currency), "open",
                     owed_json_amount(open > 0 ? open : 0, inv->currency), "status", status,
                     "days_past_due", (int)(today - inv->due_date), "po_number", inv->po_number,
                     "kind", inv->kind == OWED_INVOICE_FEE ? "fee" : "sale", "terms", inv->terms);
}

int owed_view_invoice(struct owed_store *s, int64_t org, int64_t id, owed_date today,
                      json_t **out, struct owed_buf *err)
{
    struct owed_invoice inv;
    struct owed_customer c;
    /* One read transaction: on SQLite each statement outside one takes and drops the file
     * lock (fcntl calls) on its own. */
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->invoice_get_id(s, org, id, &inv, err);
    if (rc == OWED_OK) rc = s->ops->customer_get_id(s, org, inv.customer_id, &c, err);
    s->ops->read_end(s);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no invoice %lld", (long long)id);
    }
    if (rc) return rc;
    *out = invoice_json(&inv, c.ref, inv.allocated_minor, today);
    return *out ? OWED_OK : OWED_E_STORE;
}

struct inv_list {
    struct owed_invoice *v;
    size_t n, cap;
    const struct owed_invoice_query *q;
    struct sums paid;
    bool oom;
};

static int collect_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct inv_list *l = ctx;
    if (l->q->number && strcmp(inv->number, l->q->number) != 0) return OWED_OK;
    if (l->q->due_from && inv->due_date < l->q->due_from) return OWED_OK;
    if (l->q->due_to && inv->due_date > l->q->due_to) return OWED_OK;
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = *inv;
    return OWED_OK;
}

static int sum_allocation(void *ctx, const struct owed_allocation *a)
{
    return sums_add(ctx, a->invoice_id, a->amount_minor);
}

static int64_t inv_key(const struct owed_invoice *inv, const struct inv_list *l)
{
    switch (l->q->sort) {
    case OWED_SORT_DUE: return inv->due_date;
    case OWED_SORT_ISSUE: return inv->issue_date;
    case OWED_SORT_AMOUNT: return inv->amount_minor;
    case OWED_SORT_OPEN: return inv->amount_minor - sums_get(&l->paid, inv->id);
    case OWED_SORT_ID: break;
    }
    return inv->id;
}

static int inv_cmp(const void *a, const void *b, void *ctx)
{
    const struct inv_list *l = ctx;
    const struct owed_invoice *x = a, *y = b;
    int64_t kx = inv_key(x, l), ky = inv_key(y, l);
    int c = kx < ky ? -1 : kx > ky;
    if (l->q->descending) c = -c;
    if (c == 0) c = x->id < y->id ? -1 : x->id > y->id; /* ties by id: a stable order */
    return c;
}

/* The index just after the item with id `after` (0 = the start); -1 when not listed. */
static long page_start(int64_t after, size_t n, int64_t (*id_at)(const void *, size_t),
                       const void *v)
{
    if (!after) return 0;
    for (size_t i = 0; i < n; i++)
        if (id_at(v, i) == after) return (long)i + 1;
    return -1;
}

static int64_t inv_id_at(const void *v, size_t i) { return ((const struct owed_invoice *)v)[i].id; }

static int bad_cursor(int64_t after, struct owed_buf *err)
{
    owed_buf_addf(err, "cursor %lld is not from this listing", (long long)after);
    return OWED_E_INVALID;
}

int owed_view_invoices(struct owed_store *s, int64_t org, const struct owed_invoice_query *q,
                       const struct owed_page *pg, json_t **data, int64_t *next,
                       struct owed_buf *err)
{
    struct inv_list l = {.q = q};
    struct refs refs = {0};
    struct owed_list_filter f = {.with_text = true};
    *data = NULL;
    *next = 0;
    if (q->number) { /* one indexed lookup, not a scan of the book */
        struct owed_invoice inv;
        int rc = s->ops->invoice_get(s, org, q->number, &inv, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            *data = json_array();
            return pg->after ? bad_cursor(pg->after, err) : OWED_OK;
        }
        json_t *one = NULL;
        if (rc == OWED_OK) rc = owed_view_invoice(s, org, inv.id, q->today, &one, err);
        if (rc) return rc;
        const char *status = json_string_value(json_object_get(one, "status"));
        const char *cref = json_string_value(json_object_get(one, "customer_ref"));
        bool keep = !pg->after && (!q->customer_ref || !strcmp(cref, q->customer_ref)) &&
                    (!q->due_from || inv.due_date >= q->due_from) &&
                    (!q->due_to || inv.due_date <= q->due_to) &&
                    (q->status != OWED_INV_OPEN || strcmp(status, "paid") != 0) &&
                    (q->status != OWED_INV_PAID || !strcmp(status, "paid")) &&
                    (!q->overdue || !strcmp(status, "overdue"));
        if (pg->after && pg->after != inv.id) {
            json_decref(one);
            return bad_cursor(pg->after, err);
        }
        *data = json_array();
        if (keep) json_array_append_new(*data, one);
        else json_decref(one);
        return OWED_OK;
    }
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    if (q->customer_ref) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, q->customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            owed_buf_addf(err, "no customer %s", q->customer_ref);
        }
        f.customer_id = c.id;
        if (rc == OWED_OK) rc = refs_add(&refs, &c);
    } else {
        rc = s->ops->customers_each(s, org, refs_add, &refs, err);
    }
    if (rc == OWED_OK) rc = s->ops->invoices_each(s, org, &f, collect_invoice, &l, err);
    struct owed_list_filter af = {.customer_id = f.customer_id};
    if (rc == OWED_OK) rc = s->ops->allocations_each(s, org, &af, sum_allocation, &l.paid, err);
    s->ops->read_end(s);
    if (rc) goto out;

    /* Status filters need the paid sums: drop what does not qualify. */
    size_t kept = 0;
    for (size_t i = 0; i < l.n; i++) {
        int64_t open = l.v[i].amount_minor - sums_get(&l.paid, l.v[i].id);
        if (q->status == OWED_INV_OPEN && open <= 0) continue;
        if (q->status == OWED_INV_PAID && open > 0) continue;
        if (q->overdue && (open <= 0 || l.v[i].due_date >= q->today)) continue;
        l.v[kept++] = l.v[i];
    }
    l.n = kept;
    if (l.n > 1) qsort_r(l.v, l.n, sizeof *l.v, inv_cmp, &l);
    long start = page_start(pg->after, l.n, inv_id_at, l.v);
    if (start < 0) {
        rc = bad_cursor(pg->after, err);
        goto out;
    }
    *data = json_array();
    size_t end = (size_t)start + (size_t)pg->limit;
    if (end > l.n) end = l.n;
    for (size_t i = (size_t)start; i < end; i++)
        json_array_append_new(*data, invoice_json(&l.v[i], refs_get(&refs, l.v[i].customer_id),
                                                  sums_get(&l.paid, l.v[i].id), q->today));
    if (end < l.n && end > 0) *next = l.v[end - 1].id;
out:
    free(l.v);
    sums_free(&l.paid);
    refs_free(&refs);
    return rc;
}

/* ---- customers ---- */

static json_t *customer_json(const struct owed_customer *c, const struct owed_profile *p)
{
    json_t *limit = c->has_credit_limit ? owed_json_amount(c->credit_limit_minor, c->currency)
                                        : json_null();
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id",
                     (json_int_t)c->id, "ref", c->ref, "name", c->name, "email", c->email,
                     "currency", c->currency, "terms", c->terms, "credit_limit", limit,
                     "segment", p ? p->segment : "", "lang", p ? p->lang : "", "phone",
                     p ? p->phone : "");
}

struct balance {
    json_t *open; /* currency -> minor, summed then formatted */
    struct sums inv_paid, pay_used;
    struct owed_invoice *inv;
    size_t ninv, capinv;
};

static int bal_alloc(void *ctx, const struct owed_allocation *a)
{
    struct balance *b = ctx;
    int rc = sums_add(&b->inv_paid, a->invoice_id, a->amount_minor);
    return rc ? rc : sums_add(&b->pay_used, a->payment_id, a->amount_minor);
}

static int bal_outflow(void *ctx, const struct owed_outflow *o)
{
    struct balance *b = ctx;
    return sums_add(&b->pay_used, o->payment_id, o->amount_minor);
}

static void bal_add(json_t *per_ccy, const char *ccy, const char *field, int64_t minor)
{
    json_t *row = json_object_get(per_ccy, ccy);
    if (!row) {
        row = json_pack("{s:I, s:I}", "open", (json_int_t)0, "unapplied", (json_int_t)0);
        json_object_set_new(per_ccy, ccy, row);
    }
    json_object_set_new(row, field,
                        json_integer(json_integer_value(json_object_get(row, field)) + minor));
}

static int bal_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct balance *b = ctx;
    int64_t open = inv->amount_minor - sums_get(&b->inv_paid, inv->id);
    if (open > 0) bal_add(b->open, inv->currency, "open", open);
    return OWED_OK;
}

static int bal_payment(void *ctx, const struct owed_payment *p)
{
    struct balance *b = ctx;
    int64_t left = p->amount_minor - sums_get(&b->pay_used, p->id);
    if (left > 0) bal_add(b->open, p->currency, "unapplied", left);
    return OWED_OK;
}

int owed_view_customer(struct owed_store *s, int64_t org, int64_t id, bool with_balance,
                       json_t **out, struct owed_buf *err)
{
    struct owed_customer c;
    struct owed_profile prof;
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->customer_get_id(s, org, id, &c, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no customer %lld", (long long)id);
    }
    if (rc == OWED_OK) rc = owed_profile_get(s, org, id, &prof, err);
    struct balance b = {.open = json_object()};
    if (rc == OWED_OK && with_balance) {
        struct owed_list_filter f = {.customer_id = id};
        rc = s->ops->allocations_each(s, org, &f, bal_alloc, &b, err);
        if (rc == OWED_OK) rc = s->ops->outflows_each(s, org, &f, bal_outflow, &b, err);
        if (rc == OWED_OK) rc = s->ops->invoices_each(s, org, &f, bal_invoice, &b, err);
        if (rc == OWED_OK) rc = s->ops->payments_each(s, org, &f, bal_payment, &b, err);
    }
    s->ops->read_end(s);
    if (rc == OWED_OK) {
        *out = customer_json(&c, &prof);
        if (with_balance) {
            json_t *bal = json_array();
            const char *ccy;
            json_t *row;
            json_object_foreach(b.open, ccy, row) {
                json_array_append_new(
                    bal, json_pack("{s:s, s:o, s:o}", "currency", ccy, "open",
                                   owed_json_amount(json_integer_value(json_object_get(row, "open")), ccy),
                                   "unapplied",
                                   owed_json_amount(json_integer_value(json_object_get(row, "unapplied")),
                                               ccy)));
            }
            json_object_set_new(*out, "balances", bal);
        }
    }
    json_decref(b.open);
    sums_free(&b.inv_paid);
    sums_free(&b.pay_used);
    return rc;
}

struct cust_list {
    struct owed_customer *v;
    size_t n, cap;
    const char *ref, *search;
};

static bool contains_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

static int collect_customer(void *ctx, const struct owed_customer *c)
{
    struct cust_list *l = ctx;
    if (l->ref && strcmp(c->ref, l->ref) != 0) return OWED_OK;
    if (l->search && !contains_ci(c->name, l->search) && !contains_ci(c->ref, l->search) &&
        !contains_ci(c->email, l->search))
        return OWED_OK;
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = *c;
    return OWED_OK;
}

static int64_t cust_id_at(const void *v, size_t i)
{
    return ((const struct owed_customer *)v)[i].id;
}

int owed_view_customers(struct owed_store *s, int64_t org, const char *ref, const char *search,
                        const struct owed_page *pg, json_t **data, int64_t *next,
                        struct owed_buf *err)
{
    struct cust_list l = {.ref = ref, .search = search};
    *data = NULL;
    *next = 0;
    int rc;
    if (ref) { /* one indexed lookup */
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            rc = OWED_OK;
        } else if (rc == OWED_OK) {
            rc = collect_customer(&l, &c);
        }
    } else {
        rc = s->ops->customers_each(s, org, collect_customer, &l, err); /* by ref */
    }
    if (rc) goto out;
    long start = page_start(pg->after, l.n, cust_id_at, l.v);
    if (start < 0) {
        rc = bad_cursor(pg->after, err);
        goto out;
    }
    *data = json_array();
    size_t end = (size_t)start + (size_t)pg->limit;
    if (end > l.n) end = l.n;
    for (size_t i = (size_t)start; i < end; i++)
        json_array_append_new(*data, customer_json(&l.v[i], NULL));
    if (end < l.n && end > 0) *next = l.v[end - 1].id;
out:
    free(l.v);
    return rc;
}

/* ---- payments ---- */

static const char *payment_kind_name(enum owed_payment_kind k)
{
    switch (k) {
    case OWED_PAYMENT_CASH: return "cash";
    case OWED_PAYMENT_CREDIT_NOTE: return "credit_note";
    case OWED_PAYMENT_DISCOUNT: return "discount";
    case OWED_PAYMENT_WRITE_OFF: return "write_off";
    case OWED_PAYMENT_SMALL_DIFF: return "small_difference";
    }
    return "cash";
}

static json_t *payment_json(const struct owed_payment *p, const char *customer_ref, int64_t applied,
                            int64_t refunded)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s}",
                     "id", (json_int_t)p->id, "ref", p->ref, "customer_id",
                     (json_int_t)p->customer_id, "customer_ref", customer_ref, "received_date",
                     owed_json_date(p->received_date), "currency", p->currency, "amount",
                     owed_json_amount(p->amount_minor, p->currency), "applied",
                     owed_json_amount(applied, p->currency), "refunded",
                     owed_json_amount(refunded, p->currency), "unapplied",
                     owed_json_amount(p->amount_minor - applied - refunded, p->currency), "method",
                     p->method, "channel", p->channel, "reference", p->reference, "kind",
                     payment_kind_name(p->kind));
}

struct alloc_rows {
    struct owed_store *s;
    int64_t org;
    json_t *rows;
    const char *currency;
    struct owed_buf *err;
};

static int alloc_row(void *ctx, const struct owed_allocation *a)
{
    struct alloc_rows *r = ctx;
    struct owed_invoice inv;
    int rc = r->s->ops->invoice_get_id(r->s, r->org, a->invoice_id, &inv, r->err);
    if (rc) return rc;
    json_array_append_new(r->rows, json_pack("{s:I, s:I, s:s, s:o, s:o}", "id", (json_int_t)a->id,
                                             "invoice_id", (json_int_t)a->invoice_id,
                                             "invoice_number", inv.number, "amount",
                                             owed_json_amount(a->amount_minor, r->currency), "date",
                                             owed_json_date(a->date)));
    return OWED_OK;
}

int owed_view_payment(struct owed_store *s, int64_t org, int64_t id, json_t **out,
                      struct owed_buf *err)
{
    struct owed_payment p;
    struct owed_customer c;
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->payment_get_id(s, org, id, &p, err);
    if (rc == OWED_OK) rc = s->ops->customer_get_id(s, org, p.customer_id, &c, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no payment %lld", (long long)id);
    }
    struct alloc_rows r = {.s = s, .org = org, .rows = json_array(), .currency = p.currency,
                           .err = err};
    struct owed_list_filter f = {.payment_id = id};
    if (rc == OWED_OK) rc = s->ops->allocations_each(s, org, &f, alloc_row, &r, err);
    s->ops->read_end(s);
    if (rc) {
        json_decref(r.rows);
        return rc;
    }
    *out = payment_json(&p, c.ref, p.allocated_minor, p.outflow_minor);
    json_object_set_new(*out, "allocations", r.rows);
    return OWED_OK;
}

int owed_payment_id_of(struct owed_store *s, int64_t org, const char *ref, int64_t *id,
                       struct owed_buf *err)
{
    struct owed_payment p;
    int rc = s->ops->payment_get(s, org, ref, &p, err);
    *id = rc == OWED_OK ? p.id : 0;
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no payment %s", ref);
    }
    return rc;
}

struct pay_list {
    struct owed_payment *v;
    size_t n, cap;
    const char *ref;
    struct sums used, out;
};

static int collect_payment(void *ctx, const struct owed_payment *p)
{
    struct pay_list *l = ctx;
    if (l->ref && strcmp(p->ref, l->ref) != 0) return OWED_OK;
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = *p;
    return OWED_OK;
}

static int pay_alloc(void *ctx, const struct owed_allocation *a)
{
    return sums_add(&((struct pay_list *)ctx)->used, a->payment_id, a->amount_minor);
}

static int pay_outflow(void *ctx, const struct owed_outflow *o)
{
    return sums_add(&((struct pay_list *)ctx)->out, o->payment_id, o->amount_minor);
}

static int64_t pay_id_at(const void *v, size_t i) { return ((const struct owed_payment *)v)[i].id; }

int owed_view_payments(struct owed_store *s, int64_t org, const char *customer_ref,
                       const char *ref, const struct owed_page *pg, json_t **data,
                       int64_t *next, struct owed_buf *err)
{
    struct pay_list l = {.ref = ref};
    struct refs refs = {0};
    struct owed_list_filter f = {.with_text = true};
    *data = NULL;
    *next = 0;
    if (ref) { /* one indexed lookup, not a scan of every payment */
        int64_t id;
        json_t *one = NULL;
        int rc = owed_payment_id_of(s, org, ref, &id, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            *data = json_array();
            return pg->after ? bad_cursor(pg->after, err) : OWED_OK;
        }
        if (rc == OWED_OK) rc = owed_view_payment(s, org, id, &one, err);
        if (rc) return rc;
        if (pg->after) {
            json_decref(one);
            return bad_cursor(pg->after, err);
        }
        json_object_del(one, "allocations"); /* as the listing shows a payment */
        *data = json_array();
        if (!customer_ref ||
            !strcmp(json_string_value(json_object_get(one, "customer_ref")), customer_ref))
            json_array_append_new(*data, one);
        else
            json_decref(one);
        return OWED_OK;
    }
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    if (customer_ref) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            owed_buf_addf(err, "no customer %s", customer_ref);
        }
        f.customer_id = c.id;
        if (rc == OWED_OK) rc = refs_add(&refs, &c);
    } else {
        rc = s->ops->customers_each(s, org, refs_add, &refs, err);
    }
    struct owed_list_filter af = {.customer_id = f.customer_id};
    if (rc == OWED_OK) rc = s->ops->payments_each(s, org, &f, collect_payment, &l, err);
    if (rc == OWED_OK) rc = s->ops->allocations_each(s, org, &af, pay_alloc, &l, err);
    if (rc == OWED_OK) rc = s->ops->outflows_each(s, org, &af, pay_outflow, &l, err);
    s->ops->read_end(s);
    if (rc) goto out;
    long start = page_start(pg->after, l.n, pay_id_at, l.v);
    if (start < 0) {
        rc = bad_cursor(pg->after, err);
        goto out;
    }
    *data = json_array();
    size_t end = (size_t)start + (size_t)pg->limit;
    if (end > l.n) end = l.n;
    for (size_t i = (size_t)start; i < end; i++)
        json_array_append_new(*data, payment_json(&l.v[i], refs_get(&refs, l.v[i].customer_id),
                                                  sums_get(&l.used, l.v[i].id),
                                                  sums_get(&l.out, l.v[i].id)));
    if (end < l.n && end > 0) *next = l.v[end - 1].id;
out:
    free(l.v);
    sums_free(&l.used);
    sums_free(&l.out);
    refs_free(&refs);
    return rc;
}

/* ---- platform ---- */

json_t *owed_user_json(const struct owed_user *u)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:b, s:b, s:s}", "id", (json_int_t)u->id, "email",
                     u->email, "name", u->name, "role", owed_role_name(u->role), "disabled",
                     u->disabled, "has_password", u->pw_hash[0] != 0, "created_at",
                     u->created_at);
}

json_t *owed_cred_json(const struct owed_cred *c)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)c->id, "user_id",
                     (json_int_t)c->user_id, "role", owed_role_name(c->role), "label", c->label,
                     "revoked", c->revoked, "created_at", c->created_at);
}

json_t *owed_webhook_json(const struct owed_webhook *w)
{
    return json_pack("{s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)w->id, "url", w->url, "events",
                     w->events, "active", w->active, "created_at", w->created_at);
}

int owed_view_user(struct owed_store *s, int64_t org, int64_t id, json_t **out,
                   struct owed_buf *err)
{
    struct owed_user u;
    int rc = s->ops->user_get(s, org, id, &u, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no user %lld", (long long)id);
    }
    if (rc) return rc;
    *out = owed_user_json(&u);
    return *out ? OWED_OK : OWED_E_STORE;
}

static int user_row(void *ctx, const struct owed_user *u)
{
    return json_array_append_new(ctx, owed_user_json(u)) ? OWED_E_STORE : OWED_OK;
}

int owed_view_users(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err)
{
    *data = json_array();
    int rc = s->ops->users_each(s, org, user_row, *data, err);
    if (rc) {
        json_decref(*data);
        *data = NULL;
    }
    return rc;
}

static int token_row(void *ctx, const struct owed_cred *c)
{
    return json_array_append_new(ctx, owed_cred_json(c)) ? OWED_E_STORE : OWED_OK;
}

int owed_view_tokens(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err)
{
    *data = json_array();
    int rc = s->ops->creds_each(s, org, 0, OWED_CRED_TOKEN, token_row, *data, err);
    if (rc) {
        json_decref(*data);
        *data = NULL;
    }
    return rc;
}

static json_t *json_or_string(const char *text)
{
    if (!text || !*text) return json_null();
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

struct audit_rows {
    json_t *rows;
    int64_t last;
};

static int audit_row(void *ctx, const struct owed_audit_rec *a)
{
    struct audit_rows *r = ctx;
    r->last = a->id;
    return json_array_append_new(
               r->rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "id",
                                  (json_int_t)a->id, "at", a->at, "actor", a->actor, "action",
                                  a->action, "resource", a->resource, "status", a->status,
                                  "before", json_or_string(a->before), "after",
                                  json_or_string(a->after)))
               ? OWED_E_STORE
               : OWED_OK;
}

int owed_view_audit(struct owed_store *s, int64_t org, const struct owed_page *pg,
                    json_t **data, int64_t *next, struct owed_buf *err)
{
    struct audit_rows r = {.rows = json_array()};
    /* One more than asked tells whether there is a next page. */
    int rc = s->ops->audit_each(s, org, pg->after, pg->limit + 1, audit_row, &r, err);
    if (rc) {
        json_decref(r.rows);
        return rc;
    }
    *next = 0;
    if (json_array_size(r.rows) > (size_t)pg->limit) {
        json_array_remove(r.rows, (size_t)pg->limit);
        *next = json_integer_value(json_object_get(json_array_get(r.rows, (size_t)pg->limit - 1), "id"));
    }
    *data = r.rows;
    return OWED_OK;
}

int owed_view_org(struct owed_store *s, int64_t org, json_t **out, struct owed_buf *err)
{
    struct owed_org_settings st;
    int rc = s->ops->org_settings_get(s, org, &st, err);
    if (rc) return rc;
    char *smtp = owed_store_url_redacted(st.smtp_url); /* no password in an answer */
    *out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
                     (json_int_t)org, "name", st.name, "timezone",
                     st.timezone[0] ? st.timezone : "UTC", "calendar", st.calendar, "tolerance",
                     st.tolerance, "mail_from", st.mail_from, "smtp_url", smtp ? smtp : "",
                     "sms_url", st.sms_url, "pay_url", st.pay_url, "out_dir", st.out_dir,
                     "gateway_secret_set", st.gateway_secret[0] != 0); /* never the secret */
    free(smtp);
    return *out ? OWED_OK : OWED_E_STORE;
}
