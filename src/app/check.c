/* `owed check`: the ledger invariants of DESIGN.md "Ledger", recomputed from scratch.
 *   1. every journal entry balances: its lines sum to zero, in one currency, two or more;
 *   2. per customer and currency, the AR account equals the open invoice amounts, and the
 *      unapplied account equals the unallocated part of payments;
 *   3. no invoice is allocated beyond its amount, no payment beyond its amount (allocations
 *      plus refunds and reversals: so nothing is applied twice), no allocation is unapplied
 *      beyond what was applied, and no allocation crosses customers or currencies.
 * One streaming pass over each table; memory is O(customers + documents), no sorting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base.h"
#include "strmap.h"

/* Amounts per customer and currency: from the documents, and from the journal. */
struct pair_totals {
    int64_t customer_id;
    char currency[4];
    int64_t open_ar, unapplied;            /* from invoices, payments, allocations */
    int64_t journal_ar, journal_unapplied; /* journal balances (debit positive) */
};

struct doc {
    int64_t amount, allocated, customer_id;
    char currency[4];
};

/* The entry being read from the journal. */
struct entry_acc {
    int64_t id, sum, nlines;
    char currency[4];
    bool mixed, overflow;
};

struct checker {
    struct owed_buf *out;
    long breaches;
    struct owed_strmap pair_index; /* (customer id, currency) bytes -> index into pairs */
    struct pair_totals *pairs;
    size_t npairs, cap_pairs, last_pair;
    struct doc *invoices, *payments; /* by id */
    size_t cap_invoices, cap_payments;
    int64_t max_invoice, max_payment;
    long long ninvoices, npayments, nentries;
    struct entry_acc entry;
    char **refs; /* customer ref by id */
    size_t cap_refs;
};

static void breach(struct checker *c, const char *fmt, ...) OWED_PRINTF(2, 3);

static void breach(struct checker *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owed_buf_adds(c->out, "breach: ");
    owed_buf_vaddf(c->out, fmt, ap);
    owed_buf_addc(c->out, '\n');
    va_end(ap);
    c->breaches++;
}

static struct pair_totals *pair(struct checker *c, int64_t customer_id, const char *currency)
{
    /* Consecutive rows mostly belong to one customer: try the last pair first. */
    if (c->last_pair < c->npairs && c->pairs[c->last_pair].customer_id == customer_id &&
        strcmp(c->pairs[c->last_pair].currency, currency) == 0)
        return &c->pairs[c->last_pair];
    char key[sizeof(int64_t) + 4] = {0};
    memcpy(key, &customer_id, sizeof customer_id);
    memcpy(key + sizeof customer_id, currency, strnlen(currency, 3));
    int64_t idx;
    if (owed_strmap_get(&c->pair_index, key, sizeof key, &idx)) {
        c->last_pair = (size_t)idx;
        return &c->pairs[idx];
    }
    OWED_ALLOC_GROW(c->pairs, c->npairs + 1, c->cap_pairs);
    struct pair_totals *p = &c->pairs[c->npairs];
    memset(p, 0, sizeof *p);
    p->customer_id = customer_id;
    memcpy(p->currency, key + sizeof customer_id, 3);
    owed_strmap_put(&c->pair_index, key, sizeof key, (int64_t)c->npairs);
    c->last_pair = c->npairs;
    return &c->pairs[c->npairs++];
}

/* Grows a by-id array of T (elem bytes each) so that index id is valid; new slots zeroed. */
static void *grow_by_id(void *arr, size_t *cap, size_t elem, int64_t id)
{
    OWED_ASSERT(id >= 0);
    if ((size_t)id < *cap) return arr;
    size_t n = *cap ? *cap : 1024;
    while (n <= (size_t)id) n *= 2;
    arr = owed_xrealloc(arr, n * elem);
    memset((char *)arr + *cap * elem, 0, (n - *cap) * elem);
    *cap = n;
    return arr;
}

static const char *ref_of(const struct checker *c, int64_t customer_id)
{
    if (customer_id < 0 || (size_t)customer_id >= c->cap_refs || !c->refs[customer_id])
        return "?";
    return c->refs[customer_id];
}

static int on_customer(void *ctx, const struct owed_customer *cu)
{
    struct checker *c = ctx;
    c->refs = grow_by_id(c->refs, &c->cap_refs, sizeof *c->refs, cu->id);
    c->refs[cu->id] = owed_xstrdup(cu->ref);
    return OWED_OK;
}

static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct checker *c = ctx;
    c->invoices = grow_by_id(c->invoices, &c->cap_invoices, sizeof *c->invoices, inv->id);
    struct doc *d = &c->invoices[inv->id];
    *d = (struct doc){inv->amount_minor, 0, inv->customer_id, ""};
    memcpy(d->currency, inv->currency, 4);
    if (inv->id > c->max_invoice) c->max_invoice = inv->id;
    c->ninvoices++;
    pair(c, inv->customer_id, inv->currency)->open_ar += inv->amount_minor;
    return OWED_OK;
}

static int on_payment(void *ctx, const struct owed_payment *p)
{
    struct checker *c = ctx;
    c->payments = grow_by_id(c->payments, &c->cap_payments, sizeof *c->payments, p->id);
    struct doc *d = &c->payments[p->id];
    *d = (struct doc){p->amount_minor, 0, p->customer_id, ""};
    memcpy(d->currency, p->currency, 4);
    if (p->id > c->max_payment) c->max_payment = p->id;
    c->npayments++;
    pair(c, p->customer_id, p->currency)->unapplied += p->amount_minor;
    return OWED_OK;
}

static int on_allocation(void *ctx, const struct owed_allocation *a)
{
    struct checker *c = ctx;
    struct doc *inv = a->invoice_id <= c->max_invoice ? &c->invoices[a->invoice_id] : NULL;
    struct doc *pay = a->payment_id <= c->max_payment ? &c->payments[a->payment_id] : NULL;
    if (!inv || !inv->amount || !pay || !pay->amount) {
        breach(c, "allocation %lld names a missing invoice or payment", (long long)a->id);
        return OWED_OK;
    }
    if (inv->customer_id != pay->customer_id || strcmp(inv->currency, pay->currency) != 0)
        breach(c, "allocation %lld crosses customers or currencies", (long long)a->id);
    inv->allocated += a->amount_minor;
    pay->allocated += a->amount_minor;
    pair(c, inv->customer_id, inv->currency)->open_ar -= a->amount_minor;
    pair(c, pay->customer_id, pay->currency)->unapplied -= a->amount_minor;
    return OWED_OK;
}

/* Refunds and reversals take unapplied cash out of a payment. */
static int on_outflow(void *ctx, const struct owed_outflow *o)
{
    struct checker *c = ctx;
    struct doc *pay = o->payment_id <= c->max_payment ? &c->payments[o->payment_id] : NULL;
    if (!pay || !pay->amount) {
        breach(c, "outflow %lld names a missing payment", (long long)o->id);
        return OWED_OK;
    }
    pay->allocated += o->amount_minor;
    pair(c, pay->customer_id, pay->currency)->unapplied -= o->amount_minor;
    return OWED_OK;
}

static void close_entry(struct checker *c)
{
    struct entry_acc *e = &c->entry;
    if (e->id == 0) return;
    c->nentries++;
    if (e->sum != 0 || e->nlines < 2 || e->mixed || e->overflow)
        breach(c, "journal entry %lld does not balance (%lld lines, sum %lld minor units%s)",
               (long long)e->id, (long long)e->nlines, (long long)e->sum,
               e->mixed ? ", mixed currencies" : "");
}

static int on_line(void *ctx, const struct owed_journal_line *l)
{
    struct checker *c = ctx;
    struct entry_acc *e = &c->entry;
    if (l->entry_id != e->id) {
        close_entry(c);
        memset(e, 0, sizeof *e);
        e->id = l->entry_id;
        memcpy(e->currency, l->currency, 4);
    }
    e->nlines++;
    if (strcmp(e->currency, l->currency) != 0) e->mixed = true;
    if (owed_i64_add(e->sum, l->amount_minor, &e->sum)) e->overflow = true;
    struct pair_totals *p = pair(c, l->customer_id, l->currency);
    if (l->account == OWED_ACC_AR) p->journal_ar += l->amount_minor;
    else if (l->account == OWED_ACC_UNAPPLIED) p->journal_unapplied += l->amount_minor;
    return OWED_OK;
}

static void compare_pair(struct checker *c, const struct pair_totals *p)
{
    const char *ref = ref_of(c, p->customer_id);
    int exp = owed_currency_exponent(p->currency);
    struct owed_buf a = OWED_BUF_INIT(0), b = OWED_BUF_INIT(0);
    if (p->journal_ar != p->open_ar) {
        owed_amount_format(&a, p->journal_ar, exp, false);
        owed_amount_format(&b, p->open_ar, exp, false);
        breach(c, "customer %s %s: AR account %s, open invoices %s", ref, p->currency, a.ptr,
               b.ptr);
    }
    if (-p->journal_unapplied != p->unapplied) {
        owed_buf_reset(&a);
        owed_buf_reset(&b);
        owed_amount_format(&a, -p->journal_unapplied, exp, false);
        owed_amount_format(&b, p->unapplied, exp, false);
        breach(c, "customer %s %s: unapplied account %s, unallocated payments %s", ref,
               p->currency, a.ptr, b.ptr);
    }
    owed_buf_release(&a);
    owed_buf_release(&b);
}

static void compare(struct checker *c)
{
    for (size_t i = 0; i < c->npairs; i++) compare_pair(c, &c->pairs[i]);
    for (int64_t id = 1; id <= c->max_invoice; id++)
        if (c->invoices[id].allocated > c->invoices[id].amount)
            breach(c, "invoice id %lld is allocated beyond its amount", (long long)id);
        else if (c->invoices[id].allocated < 0)
            breach(c, "invoice id %lld has more unapplied than was applied", (long long)id);
    for (int64_t id = 1; id <= c->max_payment; id++)
        if (c->payments[id].allocated > c->payments[id].amount)
            breach(c, "payment id %lld is applied beyond its amount", (long long)id);
        else if (c->payments[id].allocated < 0)
            breach(c, "payment id %lld has more unapplied than was applied", (long long)id);
}

int owed_ledger_check(struct owed_store *s, int64_t org, struct owed_buf *out,
                      struct owed_buf *err)
{
    struct checker c;
    memset(&c, 0, sizeof c);
    c.out = out;
    struct owed_list_filter all = {0};
    /* One snapshot for every scan, or a commit in between would look like a breach. */
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->customers_each(s, org, on_customer, &c, err);
    if (!rc) rc = s->ops->journal_lines_each(s, org, on_line, &c, err);
    if (!rc) close_entry(&c);
    if (!rc) rc = s->ops->invoices_each(s, org, &all, on_invoice, &c, err);
    if (!rc) rc = s->ops->payments_each(s, org, &all, on_payment, &c, err);
    if (!rc) rc = s->ops->allocations_each(s, org, &all, on_allocation, &c, err);
    if (!rc) rc = s->ops->outflows_each(s, org, &all, on_outflow, &c, err);
    s->ops->read_end(s);
    if (!rc) compare(&c);
    if (!rc && c.breaches == 0)
        owed_buf_addf(out,
                      "ledger ok: %lld journal entries balance; AR and unapplied cash agree "
                      "with %lld invoices and %lld payments over %zu customer balances\n",
                      c.nentries, c.ninvoices, c.npayments, c.npairs);
    for (size_t i = 0; i < c.cap_refs; i++) free(c.refs[i]);
    free(c.refs);
    free(c.pairs);
    free(c.invoices);
    free(c.payments);
    owed_strmap_clear(&c.pair_index);
    if (rc) return rc;
    return c.breaches ? OWED_E_INVARIANT : OWED_OK;
}
