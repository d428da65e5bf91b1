/* Aging as of a date (DESIGN.md "Aging").
 *
 * Built for a million invoices: every step is a linear pass or an LSD radix sort over
 * integer keys; nothing compares strings and nothing is allocated per invoice.
 *
 *   1. open[] per invoice: amount minus allocations dated on or before D.
 *   2. One pass over invoices issued on or before D and one over payments received on or
 *      before D accumulate into a slot per (customer, currency): bucketed open amounts and
 *      unapplied cash (payments minus the allocated part of each invoice). Slots are found
 *      through a dense table indexed by customer * ncurrencies + currency, or a hash table
 *      when that product is too large to allocate.
 *   3. Slots that appear are radix-sorted by (customer index, currency index), which is
 *      (customer ref, currency code) because the book keeps both arrays sorted.
 *   4. Items are radix-sorted by (row, due date) after a stable pass by invoice id if the
 *      book's invoices are not already in id order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aging.h"
#include "base.h"

#define DUE_BITS 22
#define DUE_MASK ((UINT64_C(1) << DUE_BITS) - 1)
/* Days from 0001-01-01 to 1970-01-01: shifts every valid date into [0, 2^22). */
#define DUE_BASE 719162

void owed_aging_opts_default(struct owed_aging_opts *o, owed_date as_of)
{
    memset(o, 0, sizeof *o);
    o->as_of = as_of;
    o->by_issue = false;
    o->nedges = 3;
    o->edges[0] = 30;
    o->edges[1] = 60;
    o->edges[2] = 90;
}

int owed_aging_parse_edges(const char *s, struct owed_aging_opts *o)
{
    if (!s || !*s) return OWED_E_PARSE;
    int edges[OWED_AGING_MAX_EDGES];
    int n = 0;
    const char *p = s;
    for (;;) {
        int v = 0, digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (++digits > 6) return OWED_E_PARSE;
            v = v * 10 + (*p - '0');
            p++;
        }
        if (digits == 0 || v <= 0 || n == OWED_AGING_MAX_EDGES) return OWED_E_PARSE;
        if (n > 0 && v <= edges[n - 1]) return OWED_E_PARSE;
        edges[n++] = v;
        if (*p == '\0') break;
        if (*p != ',') return OWED_E_PARSE;
        p++;
    }
    o->nedges = n;
    memcpy(o->edges, edges, sizeof edges[0] * (size_t)n);
    return OWED_OK;
}

static bool opts_valid(const struct owed_aging_opts *o)
{
    if (o->nedges < 0 || o->nedges > OWED_AGING_MAX_EDGES) return false;
    for (int i = 0; i < o->nedges; i++) {
        if (o->edges[i] <= 0 || o->edges[i] > 999999) return false;
        if (i > 0 && o->edges[i] <= o->edges[i - 1]) return false;
    }
    return true;
}

static void name_buckets(const struct owed_aging_opts *o, struct owed_aging *a)
{
    int n = o->nedges, k = 0;
    int lo = o->by_issue ? 0 : 1;
    if (!o->by_issue) snprintf(a->bucket_names[k++], sizeof a->bucket_names[0], "current");
    for (int i = 0; i < n; i++) {
        snprintf(a->bucket_names[k++], sizeof a->bucket_names[0], "d%d_%d", lo, o->edges[i]);
        lo = o->edges[i] + 1;
    }
    snprintf(a->bucket_names[k++], sizeof a->bucket_names[0], "d%d_plus", lo);
    a->nbuckets = k;
}

static int bucket_of(const struct owed_aging_opts *o, int32_t days)
{
    int b = 0;
    if (!o->by_issue) {
        if (days <= 0) return 0;
        b = 1;
    }
    for (int i = 0; i < o->nedges; i++, b++)
        if (days <= o->edges[i]) return b;
    return b;
}

void owed_book_open_amounts(const struct owed_book *book, owed_date as_of, int64_t *open)
{
    size_t n = book->ninvoices;
    const struct owed_book_invoice *inv = book->invoices;
    for (size_t i = 0; i < n; i++) open[i] = inv[i].amount_minor;
    for (size_t k = 0; k < book->nallocs; k++) {
        const struct owed_book_alloc *al = &book->allocs[k];
        if (al->date > as_of) continue;
        OWED_ASSERT(al->invoice < n);
        int64_t *o = &open[al->invoice];
        /* Saturate rather than wrap on absurd data; callers see a huge negative amount. */
        if (__builtin_sub_overflow(*o, al->amount_minor, o))
            *o = al->amount_minor > 0 ? INT64_MIN : INT64_MAX;
    }
    for (size_t i = 0; i < n; i++)
        if (inv[i].issue_date > as_of) open[i] = 0;
}

/* ---- LSD radix sort of (key, payload) pairs, 16 bits a pass, stable ---- */

struct rpair {
    uint64_t key;
    uint32_t a;
    int32_t b;
};

/* Sorts a[0..n) by key; tmp has n entries. Returns whichever buffer holds the result. */
static struct rpair *radix_sort(struct rpair *a, struct rpair *tmp, size_t n)
{
    enum { PASSES = 4, RADIX = 1 << 16 };
    if (n < 2) return a;
    uint32_t *count = owed_xcalloc((size_t)PASSES * RADIX, sizeof *count);
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < PASSES; p++) count[p * RADIX + ((a[i].key >> (16 * p)) & 0xffff)]++;
    for (int p = 0; p < PASSES; p++) {
        uint32_t *c = count + (size_t)p * RADIX;
        /* A digit shared by every key changes nothing: skip the pass. */
        if (c[(a[0].key >> (16 * p)) & 0xffff] == n) continue;
        uint32_t sum = 0;
        for (size_t d = 0; d < RADIX; d++) {
            uint32_t t = c[d];
            c[d] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++) tmp[c[(a[i].key >> (16 * p)) & 0xffff]++] = a[i];
        struct rpair *s = a;
        a = tmp;
        tmp = s;
    }
    free(count);
    return a;
}

/* ---- (customer, currency) -> accumulator slot ---- */

struct acc {
    int64_t buckets[OWED_AGING_MAX_BUCKETS];
    int64_t unapplied;
    uint32_t customer;
    uint16_t currency;
    bool has_open;
};

struct slots {
    uint64_t ncur;
    uint32_t *dense; /* slot + 1 by key, or NULL when hashing */
    uint64_t *hkeys; /* key + 1, 0 = empty */
    uint32_t *hvals;
    uint64_t hmask;
    int hshift;
    struct acc *acc;
    size_t n, cap;
};

static void slots_init(struct slots *s, const struct owed_book *book, size_t events)
{
    memset(s, 0, sizeof *s);
    s->ncur = book->ncurrencies;
    uint64_t nkeys = (uint64_t)book->ncustomers * s->ncur;
    uint64_t dense_max = (uint64_t)events * 4;
    if (dense_max < (UINT64_C(1) << 22)) dense_max = UINT64_C(1) << 22;
    if (nkeys <= dense_max) {
        s->dense = owed_xcalloc(nkeys ? (size_t)nkeys : 1, sizeof *s->dense);
        return;
    }
    uint64_t cap = 64;
    int bits = 6;
    while (cap < (uint64_t)events * 2) {
        cap <<= 1;
        bits++;
    }
    s->hkeys = owed_xcalloc((size_t)cap, sizeof *s->hkeys);
    s->hvals = owed_xmalloc((size_t)cap * sizeof *s->hvals);
    s->hmask = cap - 1;
    s->hshift = 64 - bits;
}

static void slots_release(struct slots *s)
{
    free(s->dense);
    free(s->hkeys);
    free(s->hvals);
    free(s->acc);
}

static uint32_t slot_new(struct slots *s, uint32_t customer, uint16_t currency)
{
    OWED_ALLOC_GROW(s->acc, s->n + 1, s->cap);
    struct acc *a = &s->acc[s->n];
    memset(a, 0, sizeof *a);
    a->customer = customer;
    a->currency = currency;
    OWED_ASSERT(s->n < UINT32_MAX);
    return (uint32_t)s->n++;
}

static uint32_t slot_of(struct slots *s, uint32_t customer, uint16_t currency)
{
    uint64_t key = (uint64_t)customer * s->ncur + currency;
    if (s->dense) {
        uint32_t v = s->dense[key];
        if (v) return v - 1;
        uint32_t slot = slot_new(s, customer, currency);
        s->dense[key] = slot + 1;
        return slot;
    }
    uint64_t h = (key * UINT64_C(0x9E3779B97F4A7C15)) >> s->hshift;
    for (;; h = (h + 1) & s->hmask) {
        if (s->hkeys[h] == key + 1) return s->hvals[h];
        if (s->hkeys[h] == 0) {
            uint32_t slot = slot_new(s, customer, currency);
            s->hkeys[h] = key + 1;
            s->hvals[h] = slot;
            return slot;
        }
    }
}

/* ---- the computation ---- */

struct run {
    const struct owed_book *book;
    const struct owed_aging_opts *o;
    const int64_t *open;
    struct slots s;
    struct rpair *items; /* key: slot << DUE_BITS | due offset; a: invoice; b: days */
    size_t nitems;
    bool ids_sorted;
};

static uint64_t due_offset(owed_date due)
{
    int64_t v = (int64_t)due + DUE_BASE;
    if (v < 0) v = 0;
    if ((uint64_t)v > DUE_MASK) v = (int64_t)DUE_MASK;
    return (uint64_t)v;
}

static int accumulate_invoices(struct run *r, bool want_items)
{
    const struct owed_book *book = r->book;
    owed_date d = r->o->as_of;
    r->ids_sorted = true;
    for (size_t i = 0; i < book->ninvoices; i++) {
        const struct owed_book_invoice *inv = &book->invoices[i];
        if (i > 0 && inv->id < book->invoices[i - 1].id) r->ids_sorted = false;
        if (inv->issue_date > d) continue;
        OWED_ASSERT(inv->customer < book->ncustomers && inv->currency < book->ncurrencies);
        uint32_t slot = slot_of(&r->s, inv->customer, inv->currency);
        struct acc *a = &r->s.acc[slot];
        int64_t open = r->open[i], allocated;
        /* Cash applied to this invoice is no longer unapplied. */
        if (owed_i64_sub(inv->amount_minor, open, &allocated) ||
            owed_i64_sub(a->unapplied, allocated, &a->unapplied))
            return OWED_E_OVERFLOW;
        if (open <= 0) continue;
        int32_t days = r->o->by_issue ? d - inv->issue_date : d - inv->due_date;
        int b = bucket_of(r->o, days);
        if (owed_i64_add(a->buckets[b], open, &a->buckets[b])) return OWED_E_OVERFLOW;
        a->has_open = true;
        if (want_items)
            r->items[r->nitems++] = (struct rpair){
                ((uint64_t)slot << DUE_BITS) | due_offset(inv->due_date), (uint32_t)i, days};
    }
    return OWED_OK;
}

static int accumulate_payments(struct run *r)
{
    const struct owed_book *book = r->book;
    for (size_t k = 0; k < book->npayments; k++) {
        const struct owed_book_payment *p = &book->payments[k];
        if (p->received_date > r->o->as_of) continue;
        OWED_ASSERT(p->customer < book->ncustomers && p->currency < book->ncurrencies);
        struct acc *a = &r->s.acc[slot_of(&r->s, p->customer, p->currency)];
        if (owed_i64_add(a->unapplied, p->amount_minor, &a->unapplied)) return OWED_E_OVERFLOW;
    }
    return OWED_OK;
}

/* Sorted rows from the slots that appear; row_of_slot[] maps slot to row. */
static int emit_rows(struct run *r, struct owed_aging *out, uint32_t *row_of_slot)
{
    struct slots *s = &r->s;
    struct rpair *keys = owed_xmalloc((s->n ? s->n : 1) * sizeof *keys);
    struct rpair *tmp = owed_xmalloc((s->n ? s->n : 1) * sizeof *tmp);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->acc[i].has_open && s->acc[i].unapplied == 0) continue;
        keys[n++] = (struct rpair){(uint64_t)s->acc[i].customer * s->ncur + s->acc[i].currency,
                                   (uint32_t)i, 0};
    }
    struct rpair *sorted = radix_sort(keys, tmp, n);
    out->rows = owed_xcalloc(n ? n : 1, sizeof *out->rows);
    out->nrows = n;
    int rc = OWED_OK;
    for (size_t k = 0; k < n && rc == OWED_OK; k++) {
        const struct acc *a = &s->acc[sorted[k].a];
        struct owed_aging_row *row = &out->rows[k];
        row_of_slot[sorted[k].a] = (uint32_t)k;
        row->customer = a->customer;
        row->currency = a->currency;
        row->unapplied = a->unapplied;
        int64_t total = 0;
        for (int b = 0; b < out->nbuckets; b++) {
            row->buckets[b] = a->buckets[b];
            if (owed_i64_add(total, a->buckets[b], &total)) rc = OWED_E_OVERFLOW;
        }
        if (owed_i64_sub(total, a->unapplied, &row->total)) rc = OWED_E_OVERFLOW;
    }
    free(keys);
    free(tmp);
    return rc;
}

static int emit_totals(const struct owed_book *book, struct owed_aging *out)
{
    size_t ncur = book->ncurrencies;
    struct owed_aging_row *t = owed_xcalloc(ncur ? ncur : 1, sizeof *t);
    bool *seen = owed_xcalloc(ncur ? ncur : 1, sizeof *seen);
    int rc = OWED_OK;
    for (size_t k = 0; k < out->nrows && rc == OWED_OK; k++) {
        const struct owed_aging_row *row = &out->rows[k];
        struct owed_aging_row *tot = &t[row->currency];
        seen[row->currency] = true;
        for (int b = 0; b < out->nbuckets; b++)
            if (owed_i64_add(tot->buckets[b], row->buckets[b], &tot->buckets[b]))
                rc = OWED_E_OVERFLOW;
        if (owed_i64_add(tot->unapplied, row->unapplied, &tot->unapplied) ||
            owed_i64_add(tot->total, row->total, &tot->total))
            rc = OWED_E_OVERFLOW;
    }
    size_t n = 0;
    for (size_t c = 0; c < ncur; c++) {
        if (!seen[c]) continue;
        t[n] = t[c];
        t[n].customer = 0; /* unused in totals */
        t[n].currency = (uint16_t)c;
        n++;
    }
    free(seen);
    out->totals = t;
    out->ntotals = n;
    return rc;
}

/* Items in (row, due date, invoice id) order. */
static void emit_items(struct run *r, const uint32_t *row_of_slot, struct owed_aging *out)
{
    size_t n = r->nitems;
    struct rpair *a = r->items, *tmp = owed_xmalloc((n ? n : 1) * sizeof *tmp);
    if (!r->ids_sorted) {
        /* Stable pass by id first; ids compared as unsigned after flipping the sign bit. */
        struct rpair *ids = owed_xmalloc((n ? n : 1) * sizeof *ids);
        for (size_t i = 0; i < n; i++)
            ids[i] = (struct rpair){(uint64_t)r->book->invoices[a[i].a].id ^ (UINT64_C(1) << 63),
                                    (uint32_t)i, 0};
        struct rpair *sorted = radix_sort(ids, tmp, n);
        struct rpair *perm = sorted == ids ? tmp : ids; /* the free buffer */
        for (size_t i = 0; i < n; i++) perm[i] = a[sorted[i].a];
        memcpy(a, perm, n * sizeof *a);
        free(ids); /* tmp stays as scratch for the next sort */
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t slot = a[i].key >> DUE_BITS;
        a[i].key = ((uint64_t)row_of_slot[slot] << DUE_BITS) | (a[i].key & DUE_MASK);
    }
    struct rpair *sorted = radix_sort(a, tmp, n);
    out->items = owed_xmalloc((n ? n : 1) * sizeof *out->items);
    out->nitems = n;
    for (size_t i = 0; i < n; i++) {
        struct owed_aging_item *it = &out->items[i];
        it->invoice = sorted[i].a;
        it->days = sorted[i].b;
        it->bucket = bucket_of(r->o, sorted[i].b);
        it->open_minor = r->open[sorted[i].a];
    }
    free(tmp);
}

int owed_aging_compute(const struct owed_book *book, const struct owed_aging_opts *opts,
                       bool want_items, struct owed_aging *out)
{
    memset(out, 0, sizeof *out);
    if (!book || !opts || !opts_valid(opts)) return OWED_E_INVALID;
    name_buckets(opts, out);

    int64_t *open = owed_xmalloc((book->ninvoices ? book->ninvoices : 1) * sizeof *open);
    owed_book_open_amounts(book, opts->as_of, open);
    size_t nopen = 0;
    for (size_t i = 0; i < book->ninvoices; i++) nopen += open[i] > 0;

    struct run r = {.book = book, .o = opts, .open = open};
    slots_init(&r.s, book, book->ninvoices + book->npayments);
    if (want_items) r.items = owed_xmalloc((nopen ? nopen : 1) * sizeof *r.items);

    int rc = accumulate_invoices(&r, want_items);
    if (rc == OWED_OK) rc = accumulate_payments(&r);
    uint32_t *row_of_slot = NULL;
    if (rc == OWED_OK) {
        row_of_slot = owed_xmalloc((r.s.n ? r.s.n : 1) * sizeof *row_of_slot);
        rc = emit_rows(&r, out, row_of_slot);
    }
    if (rc == OWED_OK) rc = emit_totals(book, out);
    if (rc == OWED_OK && want_items) emit_items(&r, row_of_slot, out);

    free(row_of_slot);
    free(r.items);
    slots_release(&r.s);
    free(open);
    if (rc != OWED_OK) owed_aging_release(out);
    return rc;
}

void owed_aging_release(struct owed_aging *a)
{
    if (!a) return;
    free(a->rows);
    free(a->items);
    free(a->totals);
    memset(a, 0, sizeof *a);
}
