/* Builds the in-memory book (core/book.h) from the store: one pass over each table, ids
 * mapped to array indices through dense lookup arrays (ids are allocated sequentially). */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base.h"

struct loader {
    struct owed_book *b;
    bool with_numbers;
    size_t cap_customers, cap_invoices, cap_allocs, cap_payments, cap_currencies;
    uint32_t *customer_index; /* by customer id */
    size_t customer_index_len;
    uint32_t *invoice_index; /* by invoice id, +1 (0 = not loaded) */
    size_t invoice_index_len;
    int last_currency; /* cache: rows of one customer tend to share a currency */
};

static void index_put(uint32_t **arr, size_t *len, int64_t id, uint32_t value)
{
    OWED_ASSERT(id >= 0);
    size_t need = (size_t)id + 1;
    if (need > *len) {
        size_t n = *len ? *len : 1024;
        while (n < need) n *= 2;
        *arr = owed_xrealloc(*arr, n * sizeof **arr);
        memset(*arr + *len, 0, (n - *len) * sizeof **arr);
        *len = n;
    }
    (*arr)[id] = value;
}

/* Index of a currency in the (not yet sorted) currency list, adding it when new. */
static uint16_t currency_of(struct loader *l, const char *code)
{
    struct owed_book *b = l->b;
    if (l->last_currency >= 0 && memcmp(b->currencies[l->last_currency], code, 4) == 0)
        return (uint16_t)l->last_currency;
    for (size_t i = 0; i < b->ncurrencies; i++) {
        if (memcmp(b->currencies[i], code, 4) == 0) {
            l->last_currency = (int)i;
            return (uint16_t)i;
        }
    }
    OWED_ASSERT(b->ncurrencies < UINT16_MAX);
    OWED_ALLOC_GROW(b->currencies, b->ncurrencies + 1, l->cap_currencies);
    memcpy(b->currencies[b->ncurrencies], code, 4);
    l->last_currency = (int)b->ncurrencies;
    return (uint16_t)b->ncurrencies++;
}

/* Sizes the arrays from the highest ids so that a million-row load never reallocates;
 * huge pages keep first-touch page faults from dominating. */
static void presize(struct loader *l, const struct owed_store_max_ids *m)
{
    struct owed_book *b = l->b;
    l->cap_customers = (size_t)m->customers + 1;
    l->cap_invoices = (size_t)m->invoices + 1;
    l->cap_payments = (size_t)m->payments + 1;
    l->cap_allocs = (size_t)m->allocations + 1;
    b->customers = owed_xmalloc_big(l->cap_customers, sizeof *b->customers, false);
    b->invoices = owed_xmalloc_big(l->cap_invoices, sizeof *b->invoices, false);
    b->payments = owed_xmalloc_big(l->cap_payments, sizeof *b->payments, false);
    b->allocs = owed_xmalloc_big(l->cap_allocs, sizeof *b->allocs, false);
    l->customer_index_len = (size_t)m->customers + 1;
    l->customer_index = owed_xmalloc_big(l->customer_index_len, sizeof *l->customer_index, true);
    l->invoice_index_len = (size_t)m->invoices + 1;
    l->invoice_index = owed_xmalloc_big(l->invoice_index_len, sizeof *l->invoice_index, true);
}

static int on_customer(void *ctx, const struct owed_customer *c)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    OWED_ALLOC_GROW(b->customers, b->ncustomers + 1, l->cap_customers);
    struct owed_book_customer *bc = &b->customers[b->ncustomers];
    bc->id = c->id;
    bc->ref = owed_xstrdup(c->ref);
    bc->name = owed_xstrdup(c->name);
    index_put(&l->customer_index, &l->customer_index_len, c->id, (uint32_t)b->ncustomers);
    b->ncustomers++;
    return OWED_OK;
}

static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    OWED_ASSERT((size_t)inv->customer_id < l->customer_index_len);
    OWED_ALLOC_GROW(b->invoices, b->ninvoices + 1, l->cap_invoices);
    struct owed_book_invoice *bi = &b->invoices[b->ninvoices];
    bi->id = inv->id;
    bi->number = l->with_numbers ? owed_xstrdup(inv->number) : NULL;
    bi->customer = l->customer_index[inv->customer_id];
    bi->currency = currency_of(l, inv->currency);
    bi->issue_date = inv->issue_date;
    bi->due_date = inv->due_date;
    bi->amount_minor = inv->amount_minor;
    index_put(&l->invoice_index, &l->invoice_index_len, inv->id, (uint32_t)b->ninvoices + 1);
    b->ninvoices++;
    return OWED_OK;
}

static int on_allocation(void *ctx, const struct owed_allocation *a)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    uint32_t idx = (size_t)a->invoice_id < l->invoice_index_len ? l->invoice_index[a->invoice_id]
                                                                 : 0;
    OWED_ASSERT(idx != 0); /* allocations are never dated before their invoice's issue */
    OWED_ALLOC_GROW(b->allocs, b->nallocs + 1, l->cap_allocs);
    b->allocs[b->nallocs++] = (struct owed_book_alloc){idx - 1, a->date, a->amount_minor};
    return OWED_OK;
}

static int on_payment(void *ctx, const struct owed_payment *p)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    OWED_ASSERT((size_t)p->customer_id < l->customer_index_len);
    OWED_ALLOC_GROW(b->payments, b->npayments + 1, l->cap_payments);
    b->payments[b->npayments++] = (struct owed_book_payment){
        l->customer_index[p->customer_id], currency_of(l, p->currency), p->received_date,
        p->amount_minor};
    return OWED_OK;
}

static int cmp_code(const void *a, const void *b) { return memcmp(a, b, 4); }

/* Sorts the currency list by code and renumbers every row to match. */
static void sort_currencies(struct owed_book *b)
{
    size_t n = b->ncurrencies;
    char(*sorted)[4] = owed_xmalloc((n ? n : 1) * sizeof *sorted);
    memcpy(sorted, b->currencies, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_code);
    uint16_t *remap = owed_xmalloc((n ? n : 1) * sizeof *remap);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (memcmp(b->currencies[i], sorted[j], 4) == 0) remap[i] = (uint16_t)j;
    for (size_t i = 0; i < b->ninvoices; i++) b->invoices[i].currency = remap[b->invoices[i].currency];
    for (size_t i = 0; i < b->npayments; i++) b->payments[i].currency = remap[b->payments[i].currency];
    free(remap);
    free(b->currencies);
    b->currencies = sorted;
    b->exponents = owed_xmalloc((n ? n : 1) * sizeof *b->exponents);
    for (size_t i = 0; i < n; i++) b->exponents[i] = owed_currency_exponent(sorted[i]);
}

int owed_book_load(struct owed_store *s, int64_t org, owed_date as_of, bool with_numbers,
                   struct owed_book *book, struct owed_buf *err)
{
    memset(book, 0, sizeof *book);
    struct loader l;
    memset(&l, 0, sizeof l);
    l.b = book;
    l.with_numbers = with_numbers;
    l.last_currency = -1;
    struct owed_list_filter f = {0, as_of, with_numbers};
    struct owed_store_max_ids max;
    int rc = s->ops->max_ids(s, org, &max, err);
    if (rc) return rc;
    presize(&l, &max);
    rc = s->ops->customers_each(s, org, on_customer, &l, err);
    if (!rc) rc = s->ops->invoices_each(s, org, &f, on_invoice, &l, err);
    if (!rc) rc = s->ops->allocations_each(s, org, &f, on_allocation, &l, err);
    if (!rc) rc = s->ops->payments_each(s, org, &f, on_payment, &l, err);
    free(l.customer_index);
    free(l.invoice_index);
    if (rc) {
        owed_book_release(book);
        return rc;
    }
    sort_currencies(book);
    return OWED_OK;
}

void owed_book_release(struct owed_book *b)
{
    for (size_t i = 0; i < b->ncustomers; i++) {
        free(b->customers[i].ref);
        free(b->customers[i].name);
    }
    for (size_t i = 0; i < b->ninvoices; i++) free(b->invoices[i].number);
    free(b->customers);
    free(b->invoices);
    free(b->allocs);
    free(b->payments);
    free(b->currencies);
    free(b->exponents);
    memset(b, 0, sizeof *b);
}
