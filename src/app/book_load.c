/* Builds the in-memory book (core/book.h) from the store: one pass over each table, ids
 * mapped to array indices through dense lookup arrays (ids are allocated sequentially).
 *
 * On a large book the customers, payments and allocations are read on a second connection
 * in a second thread while this one reads the invoices (their customer ids are mapped to
 * indices once both are done): the scans dominate report time, and the machine has more
 * than one core. Both connections read one snapshot: each opens a read transaction and
 * their journal high-water marks must agree (every change appends to the journal), else
 * they try again. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base.h"

enum { PARALLEL_MIN_ROWS = 100000, SNAPSHOT_TRIES = 5 };

/* The strings of one array of the book (customer refs and names, invoice numbers), packed
 * in one block instead of a malloc each: a million invoice numbers cost a million mallocs
 * and frees, and three times the memory. The block is sized for the longest text of every
 * row, so it never moves; only the pages written are ever touched. The first row's first
 * string starts the block, which is how owed_book_release() frees it. */
struct text_block {
    char *p;
    size_t len, cap;
};

static void text_block_init(struct text_block *t, size_t rows, size_t row_bytes)
{
    t->cap = rows * row_bytes;
    t->p = owed_xmalloc_big(t->cap ? t->cap : 1, 1, false);
    t->len = 0;
}

static char *keep(struct text_block *t, const char *s)
{
    size_t n = strlen(s) + 1;
    OWED_ASSERT(n <= t->cap - t->len); /* each text fits its field: see text_block_init() */
    char *at = t->p + t->len;
    memcpy(at, s, n);
    t->len += n;
    return at;
}

/* Frees a block that no row points into (owed_book_release() frees the others). */
static void text_block_drop_unused(struct text_block *t, size_t rows)
{
    if (rows == 0) free(t->p);
    t->p = NULL;
}

/* A loader fills part of a book. Currencies are numbered per loader and renumbered once
 * at the end, so that two loaders never share mutable state. */
struct loader {
    struct owed_book *b;
    bool with_numbers;
    const uint32_t *customer_index; /* by customer id */
    size_t customer_index_len;
    uint32_t *invoice_index; /* by invoice id, index + 1 (0 = not loaded) */
    struct text_block customer_text, numbers;
    size_t invoice_index_len;
    char (*cur)[4];
    size_t ncur, cap_cur;
    int last_cur;
    size_t cap_customers, cap_invoices, cap_allocs, cap_payments;
    /* Refunds and reversals, by payment id: each becomes a negative book payment, so that
     * unapplied cash = payments - allocations still holds in the book. */
    struct owed_outflow *outs;
    size_t nouts, cap_outs, next_out;
    /* Payment kinds by payment id, so that each allocation knows what paid it (cash, or a
     * credit note, discount, write-off): payments are read before allocations. */
    uint8_t *payment_kind;
    size_t payment_kind_len;
};

static uint16_t currency_of(struct loader *l, const char *code)
{
    if (l->last_cur >= 0 && memcmp(l->cur[l->last_cur], code, 4) == 0)
        return (uint16_t)l->last_cur;
    for (size_t i = 0; i < l->ncur; i++) {
        if (memcmp(l->cur[i], code, 4) == 0) {
            l->last_cur = (int)i;
            return (uint16_t)i;
        }
    }
    OWED_ASSERT(l->ncur < UINT16_MAX);
    OWED_ALLOC_GROW(l->cur, l->ncur + 1, l->cap_cur);
    memcpy(l->cur[l->ncur], code, 4);
    l->last_cur = (int)l->ncur;
    return (uint16_t)l->ncur++;
}

static int on_customer(void *ctx, const struct owed_customer *c)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    OWED_ALLOC_GROW(b->customers, b->ncustomers + 1, l->cap_customers);
    struct owed_book_customer *bc = &b->customers[b->ncustomers];
    bc->id = c->id;
    bc->ref = keep(&l->customer_text, c->ref); /* customers[0].ref starts the block */
    bc->name = keep(&l->customer_text, c->name);
    OWED_ASSERT(c->id >= 0 && (size_t)c->id < l->customer_index_len);
    ((uint32_t *)l->customer_index)[c->id] = (uint32_t)b->ncustomers;
    b->ncustomers++;
    return OWED_OK;
}

/* Keeps the raw customer id in .customer (the customers load on the other thread);
 * resolve_customers() maps it to an index. */
static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    OWED_ASSERT(inv->customer_id >= 0 && (size_t)inv->customer_id < l->customer_index_len);
    OWED_ASSERT(inv->id >= 0 && (size_t)inv->id < l->invoice_index_len);
    OWED_ALLOC_GROW(b->invoices, b->ninvoices + 1, l->cap_invoices);
    struct owed_book_invoice *bi = &b->invoices[b->ninvoices];
    bi->id = inv->id;
    bi->number = l->with_numbers ? keep(&l->numbers, inv->number) : NULL;
    bi->customer = (uint32_t)inv->customer_id;
    bi->currency = currency_of(l, inv->currency);
    bi->kind = (uint8_t)inv->kind;
    bi->issue_date = inv->issue_date;
    bi->due_date = inv->due_date;
    bi->amount_minor = inv->amount_minor;
    l->invoice_index[inv->id] = (uint32_t)b->ninvoices + 1;
    b->ninvoices++;
    return OWED_OK;
}

/* Keeps the raw invoice id in .invoice; resolve_allocations() maps it to an index. */
static int on_allocation(void *ctx, const struct owed_allocation *a)
{
    struct loader *l = ctx;
    struct owed_book *b = l->b;
    OWED_ASSERT(a->invoice_id > 0 && a->invoice_id <= UINT32_MAX);
    OWED_ALLOC_GROW(b->allocs, b->nallocs + 1, l->cap_allocs);
    uint8_t kind = a->payment_id > 0 && (size_t)a->payment_id < l->payment_kind_len
                       ? l->payment_kind[a->payment_id]
                       : 0;
    b->allocs[b->nallocs++] =
        (struct owed_book_alloc){(uint32_t)a->invoice_id, a->date, a->amount_minor, kind};
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
        p->amount_minor, (uint8_t)p->kind};
    if (p->id > 0 && (size_t)p->id < l->payment_kind_len)
        l->payment_kind[p->id] = (uint8_t)p->kind;
    while (l->next_out < l->nouts && l->outs[l->next_out].payment_id <= p->id) {
        const struct owed_outflow *o = &l->outs[l->next_out++];
        if (o->payment_id != p->id) continue;
        OWED_ALLOC_GROW(b->payments, b->npayments + 1, l->cap_payments);
        b->payments[b->npayments] = b->payments[b->npayments - 1];
        b->payments[b->npayments].received_date = o->date;
        b->payments[b->npayments].amount_minor = -o->amount_minor;
        b->npayments++;
    }
    return OWED_OK;
}

static int on_outflow(void *ctx, const struct owed_outflow *o)
{
    struct loader *l = ctx;
    OWED_ALLOC_GROW(l->outs, l->nouts + 1, l->cap_outs);
    l->outs[l->nouts++] = *o;
    return OWED_OK;
}

static int by_payment_id(const void *a, const void *b)
{
    const struct owed_outflow *x = a, *y = b;
    if (x->payment_id != y->payment_id) return x->payment_id < y->payment_id ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void resolve_allocations(struct owed_book *b, const struct loader *l)
{
    for (size_t i = 0; i < b->nallocs; i++) {
        uint32_t id = b->allocs[i].invoice;
        uint32_t idx = id < l->invoice_index_len ? l->invoice_index[id] : 0;
        OWED_ASSERT(idx != 0); /* allocations are never dated before their invoice's issue */
        b->allocs[i].invoice = idx - 1;
    }
}

static void resolve_customers(struct owed_book *b, const struct loader *l)
{
    for (size_t i = 0; i < b->ninvoices; i++)
        b->invoices[i].customer = l->customer_index[b->invoices[i].customer];
}

static int cmp_code(const void *a, const void *b) { return memcmp(a, b, 4); }

/* Builds the book's sorted currency list from both loaders and renumbers every row. */
static void merge_currencies(struct owed_book *b, const struct loader *inv_l,
                             const struct loader *pay_l)
{
    size_t n = 0, cap = inv_l->ncur + pay_l->ncur;
    char(*all)[4] = owed_xmalloc((cap ? cap : 1) * sizeof *all);
    const struct loader *ls[2] = {inv_l, pay_l};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < ls[k]->ncur; i++) {
            size_t j = 0;
            while (j < n && memcmp(all[j], ls[k]->cur[i], 4) != 0) j++;
            if (j == n) memcpy(all[n++], ls[k]->cur[i], 4);
        }
    qsort(all, n, sizeof *all, cmp_code);
    uint16_t *map[2];
    for (int k = 0; k < 2; k++) {
        map[k] = owed_xmalloc((ls[k]->ncur ? ls[k]->ncur : 1) * sizeof **map);
        for (size_t i = 0; i < ls[k]->ncur; i++)
            for (size_t j = 0; j < n; j++)
                if (memcmp(all[j], ls[k]->cur[i], 4) == 0) map[k][i] = (uint16_t)j;
    }
    for (size_t i = 0; i < b->ninvoices; i++) b->invoices[i].currency = map[0][b->invoices[i].currency];
    for (size_t i = 0; i < b->npayments; i++) b->payments[i].currency = map[1][b->payments[i].currency];
    free(map[0]);
    free(map[1]);
    b->currencies = all;
    b->ncurrencies = n;
    b->exponents = owed_xmalloc((n ? n : 1) * sizeof *b->exponents);
    for (size_t i = 0; i < n; i++) b->exponents[i] = owed_currency_exponent(all[i]);
}

/* Sizes the arrays from the highest ids so that a million-row load never reallocates;
 * huge pages keep first-touch page faults from dominating. */
static void presize(struct owed_book *b, struct loader *l, const struct owed_store_max_ids *m)
{
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
    l->payment_kind_len = (size_t)m->payments + 1;
    l->payment_kind = owed_xmalloc_big(l->payment_kind_len, sizeof *l->payment_kind, true);
    const struct owed_customer *c = NULL;
    const struct owed_invoice *inv = NULL;
    text_block_init(&l->customer_text, l->cap_customers, sizeof c->ref + sizeof c->name);
    if (l->with_numbers) text_block_init(&l->numbers, l->cap_invoices, sizeof inv->number);
}

/* The second thread's work: customers, payments and allocations. */
struct cash_job {
    struct owed_store *s;
    int64_t org;
    struct owed_list_filter f;
    struct loader *l;
    struct owed_buf err;
    int rc;
};

static void *load_cash(void *arg)
{
    struct cash_job *j = arg;
    j->rc = j->s->ops->customers_each(j->s, j->org, on_customer, j->l, &j->err);
    if (!j->rc) j->rc = j->s->ops->outflows_each(j->s, j->org, &j->f, on_outflow, j->l, &j->err);
    if (!j->rc && j->l->nouts) qsort(j->l->outs, j->l->nouts, sizeof *j->l->outs, by_payment_id);
    if (!j->rc) j->rc = j->s->ops->payments_each(j->s, j->org, &j->f, on_payment, j->l, &j->err);
    if (!j->rc)
        j->rc = j->s->ops->allocations_each(j->s, j->org, &j->f, on_allocation, j->l, &j->err);
    return NULL;
}

/* Opens a peer whose snapshot matches s's; NULL when none can be had. Both stay in a read
 * transaction on success. */
static struct owed_store *peer_on_same_snapshot(struct owed_store *s, int64_t org)
{
    struct owed_store *peer = NULL;
    if (s->ops->open_peer(s, &peer, NULL)) return NULL;
    for (int i = 0; i < SNAPSHOT_TRIES; i++) {
        int64_t a = -1, b = -2;
        if (s->ops->read_begin(s, NULL) == OWED_OK && peer->ops->read_begin(peer, NULL) == OWED_OK &&
            s->ops->high_water(s, org, &a, NULL) == OWED_OK &&
            peer->ops->high_water(peer, org, &b, NULL) == OWED_OK && a == b)
            return peer;
        s->ops->read_end(s);
        peer->ops->read_end(peer);
    }
    owed_store_close(peer);
    return NULL;
}

/* Opens the snapshot the load reads: a peer on the same snapshot for a large book, else a
 * read transaction on s alone. Sets *peer (or NULL). */
static int begin_snapshot(struct owed_store *s, int64_t org, struct owed_store **peer,
                          struct owed_buf *err)
{
    struct owed_store_max_ids guess;
    int rc = s->ops->max_ids(s, org, &guess, err);
    if (rc) return rc;
    *peer = NULL;
    if (guess.invoices + guess.allocations >= PARALLEL_MIN_ROWS)
        *peer = peer_on_same_snapshot(s, org);
    return *peer ? OWED_OK : s->ops->read_begin(s, err);
}

static void end_snapshot(struct owed_store *s, struct owed_store *peer)
{
    s->ops->read_end(s);
    if (peer) {
        peer->ops->read_end(peer);
        owed_store_close(peer);
    }
}

int owed_book_load(struct owed_store *s, int64_t org, owed_date as_of, bool with_numbers,
                   struct owed_book *book, struct owed_buf *err)
{
    memset(book, 0, sizeof *book);
    struct owed_store *peer;
    int rc = begin_snapshot(s, org, &peer, err);
    if (rc) return rc;
    struct owed_store_max_ids max;
    if ((rc = s->ops->max_ids(s, org, &max, err))) { /* again, inside the snapshot */
        end_snapshot(s, peer);
        return rc;
    }
    struct loader l, cash_l;
    memset(&l, 0, sizeof l);
    l.b = book;
    l.with_numbers = with_numbers;
    l.last_cur = -1;
    presize(book, &l, &max);
    cash_l = l;
    l.customer_text = cash_l.numbers = (struct text_block){NULL, 0, 0};
    cash_l.cur = NULL;
    cash_l.ncur = cash_l.cap_cur = 0;

    struct owed_list_filter f = {.on_or_before = as_of, .with_text = with_numbers};
    struct cash_job job = {peer, org, f, &cash_l, OWED_BUF_INIT(0), OWED_OK};
    pthread_t thread;
    bool threaded = peer && pthread_create(&thread, NULL, load_cash, &job) == 0;
    rc = s->ops->invoices_each(s, org, &f, on_invoice, &l, err);
    if (threaded) {
        pthread_join(thread, NULL);
    } else if (!rc) {
        job.s = s; /* no thread: this connection reads the same snapshot */
        load_cash(&job);
    }
    if (!rc && job.rc) {
        rc = job.rc;
        owed_buf_add(err, job.err.ptr, job.err.len);
    }
    end_snapshot(s, peer);
    owed_buf_release(&job.err);
    if (!rc) {
        resolve_customers(book, &cash_l);
        resolve_allocations(book, &l);
        merge_currencies(book, &l, &cash_l);
    }
    text_block_drop_unused(&cash_l.customer_text, book->ncustomers);
    text_block_drop_unused(&l.numbers, book->ninvoices);
    free((void *)l.customer_index);
    free(l.invoice_index);
    free(l.payment_kind);
    free(l.cur);
    free(cash_l.cur);
    free(cash_l.outs);
    if (rc) owed_book_release(book);
    return rc;
}

void owed_book_release(struct owed_book *b)
{
    /* The first row's text starts its block (struct text_block). */
    if (b->ncustomers) free(b->customers[0].ref);
    if (b->ninvoices) free(b->invoices[0].number);
    free(b->customers);
    free(b->invoices);
    free(b->allocs);
    free(b->payments);
    free(b->currencies);
    free(b->exponents);
    memset(b, 0, sizeof *b);
}
