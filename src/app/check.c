/* `owed check`: the ledger invariants of DESIGN.md "Ledger", recomputed from scratch.
 *   1. every journal entry balances (lines sum to zero, one currency, two lines or more);
 *   2. per customer and currency, the AR account equals the open invoice amounts, and the
 *      unapplied account equals the unallocated part of payments;
 *   3. no invoice is allocated beyond its amount, no payment beyond its amount (so nothing
 *      is applied twice). */
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
    int64_t open_ar, unapplied;           /* from invoices, payments, allocations */
    int64_t journal_ar, journal_unapplied; /* journal balances (debit positive) */
};

struct doc {
    int64_t amount, allocated, customer_id;
    char currency[4];
};

struct checker {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *out;
    long breaches;
    long entries_bad;
    struct owed_strmap pair_index;
    struct pair_totals *pairs;
    size_t npairs, cap_pairs;
    struct doc *invoices, *payments; /* by id */
    size_t cap_invoices, cap_payments;
    int64_t max_invoice, max_payment;
    long long ninvoices, npayments;
    struct owed_strmap customer_refs; /* id (as text) -> index into refs */
    char **refs;
    size_t nrefs, cap_refs;
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
    char key[48];
    int n = snprintf(key, sizeof key, "%lld:%s", (long long)customer_id, currency);
    int64_t idx;
    if (owed_strmap_get(&c->pair_index, key, (size_t)n, &idx)) return &c->pairs[idx];
    OWED_ALLOC_GROW(c->pairs, c->npairs + 1, c->cap_pairs);
    struct pair_totals *p = &c->pairs[c->npairs];
    memset(p, 0, sizeof *p);
    p->customer_id = customer_id;
    snprintf(p->currency, sizeof p->currency, "%s", currency);
    owed_strmap_put(&c->pair_index, key, (size_t)n, (int64_t)c->npairs);
    return &c->pairs[c->npairs++];
}

static const char *ref_of(struct checker *c, int64_t customer_id)
{
    char key[24];
    int n = snprintf(key, sizeof key, "%lld", (long long)customer_id);
    int64_t idx;
    return owed_strmap_get(&c->customer_refs, key, (size_t)n, &idx) ? c->refs[idx] : "?";
}

static int on_customer(void *ctx, const struct owed_customer *cu)
{
    struct checker *c = ctx;
    char key[24];
    int n = snprintf(key, sizeof key, "%lld", (long long)cu->id);
    OWED_ALLOC_GROW(c->refs, c->nrefs + 1, c->cap_refs);
    c->refs[c->nrefs] = owed_xstrdup(cu->ref);
    owed_strmap_put(&c->customer_refs, key, (size_t)n, (int64_t)c->nrefs++);
    return OWED_OK;
}

static struct doc *doc_slot(struct doc **arr, size_t *cap, int64_t id)
{
    OWED_ASSERT(id > 0);
    if ((size_t)id >= *cap) {
        size_t n = *cap ? *cap : 1024;
        while (n <= (size_t)id) n *= 2;
        *arr = owed_xrealloc(*arr, n * sizeof **arr);
        memset(*arr + *cap, 0, (n - *cap) * sizeof **arr);
        *cap = n;
    }
    return &(*arr)[id];
}

static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct checker *c = ctx;
    struct doc *d = doc_slot(&c->invoices, &c->cap_invoices, inv->id);
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
    struct doc *d = doc_slot(&c->payments, &c->cap_payments, p->id);
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

static int on_balance(void *ctx, const struct owed_account_balance *b)
{
    struct checker *c = ctx;
    struct pair_totals *p = pair(c, b->customer_id, b->currency);
    if (b->account == OWED_ACC_AR) p->journal_ar += b->balance_minor;
    else if (b->account == OWED_ACC_UNAPPLIED) p->journal_unapplied += b->balance_minor;
    return OWED_OK;
}

static int on_unbalanced(void *ctx, const struct owed_unbalanced_entry *e)
{
    struct checker *c = ctx;
    breach(c, "journal entry %lld does not balance (%lld lines, sum %lld minor units)",
           (long long)e->entry_id, (long long)e->nlines, (long long)e->sum_minor);
    c->entries_bad++;
    return OWED_OK;
}

static void put_amount(struct owed_buf *b, int64_t minor, const char *currency)
{
    owed_amount_format(b, minor, owed_currency_exponent(currency), false);
}

static void compare(struct checker *c)
{
    for (size_t i = 0; i < c->npairs; i++) {
        struct pair_totals *p = &c->pairs[i];
        const char *ref = ref_of(c, p->customer_id);
        struct owed_buf a = OWED_BUF_INIT(0), b = OWED_BUF_INIT(0);
        if (p->journal_ar != p->open_ar) {
            put_amount(&a, p->journal_ar, p->currency);
            put_amount(&b, p->open_ar, p->currency);
            breach(c, "customer %s %s: AR account %s, open invoices %s", ref, p->currency, a.ptr,
                   b.ptr);
        }
        if (-p->journal_unapplied != p->unapplied) {
            owed_buf_reset(&a);
            owed_buf_reset(&b);
            put_amount(&a, -p->journal_unapplied, p->currency);
            put_amount(&b, p->unapplied, p->currency);
            breach(c, "customer %s %s: unapplied account %s, unallocated payments %s", ref,
                   p->currency, a.ptr, b.ptr);
        }
        owed_buf_release(&a);
        owed_buf_release(&b);
    }
    for (int64_t id = 1; id <= c->max_invoice; id++)
        if (c->invoices[id].allocated > c->invoices[id].amount)
            breach(c, "invoice id %lld is allocated beyond its amount", (long long)id);
    for (int64_t id = 1; id <= c->max_payment; id++)
        if (c->payments[id].allocated > c->payments[id].amount)
            breach(c, "payment id %lld is applied beyond its amount", (long long)id);
}

int owed_ledger_check(struct owed_store *s, int64_t org, struct owed_buf *out,
                      struct owed_buf *err)
{
    struct checker c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.org = org;
    c.out = out;
    struct owed_list_filter all = {0, 0, false};
    int rc = s->ops->customers_each(s, org, on_customer, &c, err);
    if (!rc) rc = s->ops->unbalanced_entries_each(s, org, on_unbalanced, &c, err);
    if (!rc) rc = s->ops->invoices_each(s, org, &all, on_invoice, &c, err);
    if (!rc) rc = s->ops->payments_each(s, org, &all, on_payment, &c, err);
    if (!rc) rc = s->ops->allocations_each(s, org, &all, on_allocation, &c, err);
    if (!rc) rc = s->ops->balances_each(s, org, on_balance, &c, err);
    if (!rc) compare(&c);
    if (!rc && c.breaches == 0)
        owed_buf_addf(out,
                      "ledger ok: every journal entry balances; AR and unapplied cash agree "
                      "with %lld invoices and %lld payments over %zu customer balances\n",
                      c.ninvoices, c.npayments, c.npairs);
    for (size_t i = 0; i < c.nrefs; i++) free(c.refs[i]);
    free(c.refs);
    free(c.pairs);
    free(c.invoices);
    free(c.payments);
    owed_strmap_clear(&c.pair_index);
    owed_strmap_clear(&c.customer_refs);
    if (rc) return rc;
    return c.breaches ? OWED_E_INVARIANT : OWED_OK;
}
