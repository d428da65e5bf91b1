/* Unit tests for aging (src/core/aging.c): hand-built books with known answers for every
 * bucket edge, by-issue aging, custom edges, allocations either side of the date, unapplied
 * cash and multi-currency customers; then a randomized comparison against a naive
 * implementation of DESIGN.md "Aging", on both slot tables and both id orders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "core/aging.h"

/* ---- a small book builder ---- */

struct tb {
    struct owed_book b;
    size_t cap_inv, cap_alloc, cap_pay;
};

static char test_currencies[][4] = {"EUR", "USD"};
static int test_exponents[] = {2, 2};
static struct owed_book_customer test_customers[] = {
    {1, "A", "Alpha"}, {2, "B", "Beta"}, {3, "C", "Gamma"}, {4, "D", "Delta"}};

static void tb_init(struct tb *t)
{
    memset(t, 0, sizeof *t);
    t->b.customers = test_customers;
    t->b.ncustomers = OWED_ARRAY_LEN(test_customers);
    t->b.currencies = test_currencies;
    t->b.exponents = test_exponents;
    t->b.ncurrencies = 2;
}

static uint32_t tb_inv(struct tb *t, int64_t id, uint32_t cust, uint16_t cur, owed_date issue,
                       owed_date due, int64_t amount)
{
    OWED_ALLOC_GROW(t->b.invoices, t->b.ninvoices + 1, t->cap_inv);
    t->b.invoices[t->b.ninvoices] =
        (struct owed_book_invoice){id, NULL, cust, cur, issue, due, amount, 1 /* sale */};
    return (uint32_t)t->b.ninvoices++;
}

static void tb_alloc(struct tb *t, uint32_t inv, owed_date date, int64_t amount)
{
    OWED_ALLOC_GROW(t->b.allocs, t->b.nallocs + 1, t->cap_alloc);
    t->b.allocs[t->b.nallocs++] = (struct owed_book_alloc){inv, date, amount, 1};
}

static void tb_pay(struct tb *t, uint32_t cust, uint16_t cur, owed_date date, int64_t amount)
{
    OWED_ALLOC_GROW(t->b.payments, t->b.npayments + 1, t->cap_pay);
    t->b.payments[t->b.npayments++] = (struct owed_book_payment){cust, cur, date, amount, 1};
}

static void tb_release(struct tb *t)
{
    free(t->b.invoices);
    free(t->b.allocs);
    free(t->b.payments);
}

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

#define D0 ymd(2024, 6, 30)

static const struct owed_aging_row *find_row(const struct owed_aging *a, uint32_t cust,
                                             uint16_t cur)
{
    for (size_t i = 0; i < a->nrows; i++)
        if (a->rows[i].customer == cust && a->rows[i].currency == cur) return &a->rows[i];
    return NULL;
}

/* ---- options ---- */

static void test_defaults_and_names(void **state)
{
    (void)state;
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    assert_int_equal(o.as_of, D0);
    assert_false(o.by_issue);
    assert_int_equal(o.nedges, 3);
    struct tb t;
    tb_init(&t);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    assert_int_equal(a.nbuckets, 5);
    assert_string_equal(a.bucket_names[0], "current");
    assert_string_equal(a.bucket_names[1], "d1_30");
    assert_string_equal(a.bucket_names[2], "d31_60");
    assert_string_equal(a.bucket_names[3], "d61_90");
    assert_string_equal(a.bucket_names[4], "d91_plus");
    assert_int_equal(a.nrows, 0);
    assert_int_equal(a.nitems, 0);
    assert_int_equal(a.ntotals, 0);
    owed_aging_release(&a);

    o.by_issue = true;
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    assert_int_equal(a.nbuckets, 4);
    assert_string_equal(a.bucket_names[0], "d0_30");
    assert_string_equal(a.bucket_names[1], "d31_60");
    assert_string_equal(a.bucket_names[2], "d61_90");
    assert_string_equal(a.bucket_names[3], "d91_plus");
    owed_aging_release(&a);

    assert_int_equal(owed_aging_parse_edges("15,45", &o), OWED_OK);
    o.by_issue = false;
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    assert_int_equal(a.nbuckets, 4);
    assert_string_equal(a.bucket_names[0], "current");
    assert_string_equal(a.bucket_names[1], "d1_15");
    assert_string_equal(a.bucket_names[2], "d16_45");
    assert_string_equal(a.bucket_names[3], "d46_plus");
    owed_aging_release(&a);
    tb_release(&t);
}

static void test_parse_edges(void **state)
{
    (void)state;
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, 0);
    assert_int_equal(owed_aging_parse_edges("7", &o), OWED_OK);
    assert_int_equal(o.nedges, 1);
    assert_int_equal(o.edges[0], 7);
    assert_int_equal(owed_aging_parse_edges("1,2,3,4,5,6,7,8", &o), OWED_OK);
    assert_int_equal(o.nedges, 8);
    assert_int_equal(o.edges[7], 8);
    const char *bad[] = {"", ",", "30,", ",30", "30,,60", "60,30", "30,30", "0,30", "-5",
                         "30 ,60", " 30", "30;60", "a", "1,2,3,4,5,6,7,8,9", "9999999"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) {
        owed_aging_opts_default(&o, 0);
        assert_int_equal(owed_aging_parse_edges(bad[i], &o), OWED_E_PARSE);
        /* Untouched on failure. */
        assert_int_equal(o.nedges, 3);
        assert_int_equal(o.edges[2], 90);
    }
    assert_int_equal(owed_aging_parse_edges(NULL, &o), OWED_E_PARSE);
}

static void test_invalid_opts(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t);
    struct owed_aging_opts o;
    struct owed_aging a;
    owed_aging_opts_default(&o, D0);
    o.edges[1] = 30; /* not increasing */
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_E_INVALID);
    owed_aging_opts_default(&o, D0);
    o.nedges = OWED_AGING_MAX_EDGES + 1;
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_E_INVALID);
    tb_release(&t);
}

/* ---- bucket edges ---- */

static void test_bucket_edges_by_due(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t);
    const int days[] = {-5, 0, 1, 30, 31, 60, 61, 90, 91, 400};
    const int expect_bucket[] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
    for (size_t i = 0; i < OWED_ARRAY_LEN(days); i++) {
        owed_date due = D0 - days[i];
        tb_inv(&t, (int64_t)(i + 1), 0, 0, due - 30, due, (int64_t)1 << i);
    }
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    assert_int_equal(a.nrows, 1);
    const struct owed_aging_row *r = &a.rows[0];
    assert_int_equal(r->customer, 0);
    assert_int_equal(r->currency, 0);
    int64_t want[5] = {0};
    for (size_t i = 0; i < OWED_ARRAY_LEN(days); i++) want[expect_bucket[i]] += (int64_t)1 << i;
    for (int b = 0; b < 5; b++) assert_int_equal(r->buckets[b], want[b]);
    assert_int_equal(r->unapplied, 0);
    assert_int_equal(r->total, (1 << 10) - 1);
    /* Items by due date: the invoice with the most days past due comes first. */
    assert_int_equal(a.nitems, OWED_ARRAY_LEN(days));
    for (size_t k = 0; k < a.nitems; k++) {
        size_t i = OWED_ARRAY_LEN(days) - 1 - k;
        assert_int_equal(a.items[k].invoice, i);
        assert_int_equal(a.items[k].days, days[i]);
        assert_int_equal(a.items[k].bucket, expect_bucket[i]);
        assert_int_equal(a.items[k].open_minor, (int64_t)1 << i);
    }
    assert_int_equal(a.ntotals, 1);
    assert_int_equal(a.totals[0].currency, 0);
    assert_int_equal(a.totals[0].total, (1 << 10) - 1);
    assert_int_equal(a.totals[0].buckets[4], want[4]);
    owed_aging_release(&a);

    /* Custom edges 15,45. */
    assert_int_equal(owed_aging_parse_edges("15,45", &o), OWED_OK);
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    const int days2[] = {-5, 0, 1, 30, 31, 60, 61, 90, 91, 400};
    for (size_t k = 0; k < a.nitems; k++) {
        int dd = a.items[k].days;
        int want_b = dd <= 0 ? 0 : dd <= 15 ? 1 : dd <= 45 ? 2 : 3;
        assert_int_equal(a.items[k].bucket, want_b);
    }
    (void)days2;
    /* 30 and 31 both land in d16_45: buckets = current(1+2), d1_15(4), d16_45(8+16),
     * d46_plus(the rest). */
    assert_int_equal(a.rows[0].buckets[0], 3);
    assert_int_equal(a.rows[0].buckets[1], 4);
    assert_int_equal(a.rows[0].buckets[2], 24);
    assert_int_equal(a.rows[0].buckets[3], 1024 - 1 - 31);
    owed_aging_release(&a);
    tb_release(&t);
}

static void test_custom_edge_values(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t);
    const int days[] = {15, 16, 45, 46};
    for (size_t i = 0; i < 4; i++) tb_inv(&t, (int64_t)i + 1, 0, 0, D0 - 100, D0 - days[i], 10);
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    assert_int_equal(owed_aging_parse_edges("15,45", &o), OWED_OK);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    assert_int_equal(a.nitems, 0); /* not requested */
    assert_int_equal(a.rows[0].buckets[0], 0);
    assert_int_equal(a.rows[0].buckets[1], 10);
    assert_int_equal(a.rows[0].buckets[2], 20);
    assert_int_equal(a.rows[0].buckets[3], 10);
    owed_aging_release(&a);
    tb_release(&t);
}

static void test_by_issue(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t);
    const int ages[] = {0, 30, 31, 60, 61, 90, 91};
    const int expect_bucket[] = {0, 0, 1, 1, 2, 2, 3};
    for (size_t i = 0; i < OWED_ARRAY_LEN(ages); i++) {
        owed_date issue = D0 - ages[i];
        /* Due dates in the future: by due they would all be current. */
        tb_inv(&t, (int64_t)i + 1, 0, 0, issue, D0 + 100 - (int)i, 100 * ((int64_t)i + 1));
    }
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    o.by_issue = true;
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    assert_int_equal(a.nbuckets, 4);
    assert_int_equal(a.rows[0].buckets[0], 100 + 200);
    assert_int_equal(a.rows[0].buckets[1], 300 + 400);
    assert_int_equal(a.rows[0].buckets[2], 500 + 600);
    assert_int_equal(a.rows[0].buckets[3], 700);
    assert_int_equal(a.rows[0].total, 2800);
    assert_int_equal(a.nitems, 7);
    /* Still sorted by due date (the last invoice is due first). */
    for (size_t k = 0; k < 7; k++) {
        size_t i = 6 - k;
        assert_int_equal(a.items[k].invoice, i);
        assert_int_equal(a.items[k].days, ages[i]);
        assert_int_equal(a.items[k].bucket, expect_bucket[i]);
    }
    owed_aging_release(&a);

    o.by_issue = false;
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    assert_int_equal(a.rows[0].buckets[0], 2800);
    owed_aging_release(&a);
    tb_release(&t);
}

/* ---- allocations, unapplied cash, appearance ---- */

static void build_mixed(struct tb *t)
{
    tb_init(t);
    /* A, EUR. */
    uint32_t x = tb_inv(t, 10, 0, 0, D0 - 40, D0 - 10, 1000); /* partly paid before D */
    uint32_t y = tb_inv(t, 11, 0, 0, D0 - 40, D0 - 10, 500);  /* paid in full before D */
    uint32_t z = tb_inv(t, 12, 0, 0, D0 - 40, D0 - 45, 700);  /* paid in full after D */
    tb_inv(t, 13, 0, 0, D0 + 1, D0 + 31, 900);                /* issued after D */
    tb_inv(t, 14, 0, 0, D0, D0, 50);                          /* issued and due on D */
    tb_pay(t, 0, 0, D0 - 10, 1000);
    tb_alloc(t, x, D0 - 10, 300);
    tb_alloc(t, y, D0 - 10, 500);
    tb_pay(t, 0, 0, D0 + 1, 900);
    tb_alloc(t, x, D0 + 1, 200);
    tb_alloc(t, z, D0 + 1, 700);
    /* B: unapplied USD only. */
    tb_pay(t, 1, 1, D0 - 3, 50);
    /* C: open in both currencies. */
    tb_inv(t, 20, 2, 1, D0 - 60, D0 - 45, 20);
    tb_inv(t, 21, 2, 0, D0 - 5, D0 + 10, 10);
    /* D: everything settled before D; a later payment does not count. */
    uint32_t w = tb_inv(t, 30, 3, 0, D0 - 100, D0 - 70, 400);
    tb_pay(t, 3, 0, D0 - 50, 400);
    tb_alloc(t, w, D0 - 50, 400);
    tb_pay(t, 3, 1, D0 + 5, 77);
}

static void test_mixed_book(void **state)
{
    (void)state;
    struct tb t;
    build_mixed(&t);
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    assert_int_equal(a.nrows, 4);
    /* Sorted by customer, then currency. */
    assert_int_equal(a.rows[0].customer, 0);
    assert_int_equal(a.rows[0].currency, 0);
    assert_int_equal(a.rows[1].customer, 1);
    assert_int_equal(a.rows[1].currency, 1);
    assert_int_equal(a.rows[2].customer, 2);
    assert_int_equal(a.rows[2].currency, 0);
    assert_int_equal(a.rows[3].customer, 2);
    assert_int_equal(a.rows[3].currency, 1);

    const struct owed_aging_row *ra = &a.rows[0];
    assert_int_equal(ra->buckets[0], 50);  /* due on D: current */
    assert_int_equal(ra->buckets[1], 700); /* x: 1000 - 300 */
    assert_int_equal(ra->buckets[2], 700); /* z, 45 days: its allocation is after D */
    assert_int_equal(ra->buckets[3], 0);
    assert_int_equal(ra->buckets[4], 0);
    assert_int_equal(ra->unapplied, 200); /* 1000 received, 800 applied */
    assert_int_equal(ra->total, 1450 - 200);

    const struct owed_aging_row *rb = &a.rows[1];
    for (int b = 0; b < 5; b++) assert_int_equal(rb->buckets[b], 0);
    assert_int_equal(rb->unapplied, 50);
    assert_int_equal(rb->total, -50);

    assert_int_equal(a.rows[2].buckets[0], 10);
    assert_int_equal(a.rows[2].total, 10);
    assert_int_equal(a.rows[3].buckets[2], 20);
    assert_int_equal(a.rows[3].total, 20);

    /* Items: A's x (due D-10, id 10), z (due D-45, id 12) -> z first; then the one due D. */
    assert_int_equal(a.nitems, 5);
    assert_int_equal(a.items[0].invoice, 2);
    assert_int_equal(a.items[0].days, 45);
    assert_int_equal(a.items[1].invoice, 0);
    assert_int_equal(a.items[1].open_minor, 700);
    assert_int_equal(a.items[2].invoice, 4);
    assert_int_equal(a.items[2].days, 0);
    assert_int_equal(a.items[2].bucket, 0);
    assert_int_equal(a.items[3].invoice, 6); /* C, EUR */
    assert_int_equal(a.items[3].days, -10);
    assert_int_equal(a.items[4].invoice, 5); /* C, USD */

    assert_int_equal(a.ntotals, 2);
    assert_int_equal(a.totals[0].currency, 0);
    assert_int_equal(a.totals[0].buckets[0], 60);
    assert_int_equal(a.totals[0].unapplied, 200);
    assert_int_equal(a.totals[0].total, 1250 + 10);
    assert_int_equal(a.totals[1].currency, 1);
    assert_int_equal(a.totals[1].unapplied, 50);
    assert_int_equal(a.totals[1].buckets[2], 20);
    assert_int_equal(a.totals[1].total, 20 - 50);
    owed_aging_release(&a);

    /* A day later every payment counts: x has 500 open, z is closed, unapplied is
     * 1000 + 900 - 1700 = 200 and invoice 13 is issued. D's USD payment arrives at D0+5. */
    owed_aging_opts_default(&o, D0 + 1);
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    ra = find_row(&a, 0, 0);
    assert_non_null(ra);
    assert_int_equal(ra->buckets[0], 900);      /* 13 is current */
    assert_int_equal(ra->buckets[1], 50 + 500); /* 14 is 1 day past due; x has 500 left */
    assert_int_equal(ra->buckets[2], 0);
    assert_int_equal(ra->unapplied, 200);
    assert_null(find_row(&a, 3, 1));
    owed_aging_release(&a);

    owed_aging_opts_default(&o, D0 + 5);
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    const struct owed_aging_row *rd = find_row(&a, 3, 1);
    assert_non_null(rd);
    assert_int_equal(rd->unapplied, 77);
    assert_null(find_row(&a, 3, 0));
    owed_aging_release(&a);
    tb_release(&t);
}

static void test_before_everything(void **state)
{
    (void)state;
    struct tb t;
    build_mixed(&t);
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0 - 1000);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    assert_int_equal(a.nrows, 0);
    assert_int_equal(a.nitems, 0);
    assert_int_equal(a.ntotals, 0);
    owed_aging_release(&a);
    owed_aging_release(&a); /* releasing twice is harmless */
    tb_release(&t);
}

static void test_unapplied_zero_and_negative(void **state)
{
    (void)state;
    struct tb t;
    tb_init(&t);
    /* B pays 100 and it is all applied to an invoice issued before D: no row. */
    uint32_t i = tb_inv(&t, 1, 1, 0, D0 - 10, D0, 100);
    tb_pay(&t, 1, 0, D0 - 1, 100);
    tb_alloc(&t, i, D0 - 1, 100);
    /* C's payment applied to B's invoice (paid on behalf): the allocation counts against
     * B's unapplied, which goes negative, and C keeps its cash as unapplied. */
    uint32_t j = tb_inv(&t, 2, 1, 1, D0 - 10, D0, 30);
    tb_pay(&t, 2, 1, D0 - 1, 30);
    tb_alloc(&t, j, D0 - 1, 30);
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, false, &a), OWED_OK);
    assert_int_equal(a.nrows, 2);
    assert_int_equal(a.rows[0].customer, 1);
    assert_int_equal(a.rows[0].currency, 1);
    assert_int_equal(a.rows[0].unapplied, -30);
    assert_int_equal(a.rows[0].total, 30);
    assert_int_equal(a.rows[1].customer, 2);
    assert_int_equal(a.rows[1].unapplied, 30);
    owed_aging_release(&a);
    tb_release(&t);
}

static void test_open_amounts(void **state)
{
    (void)state;
    struct tb t;
    build_mixed(&t);
    int64_t open[16];
    owed_book_open_amounts(&t.b, D0, open);
    assert_int_equal(open[0], 700);
    assert_int_equal(open[1], 0);
    assert_int_equal(open[2], 700);
    assert_int_equal(open[3], 0); /* issued after D */
    assert_int_equal(open[4], 50);
    owed_book_open_amounts(&t.b, D0 + 1, open);
    assert_int_equal(open[0], 500);
    assert_int_equal(open[2], 0);
    assert_int_equal(open[3], 900);
    tb_release(&t);
}

static void test_items_id_order(void **state)
{
    (void)state;
    /* Same due date: ties broken by invoice id, whatever the array order. */
    struct tb t;
    tb_init(&t);
    const int64_t ids[] = {50, 7, 1000, -3, 8};
    for (size_t i = 0; i < 5; i++) tb_inv(&t, ids[i], 0, 0, D0 - 5, D0 + 3, 1);
    tb_inv(&t, 2, 0, 0, D0 - 5, D0 + 2, 1); /* earlier due date, first */
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, D0);
    struct owed_aging a;
    assert_int_equal(owed_aging_compute(&t.b, &o, true, &a), OWED_OK);
    assert_int_equal(a.nitems, 6);
    const uint32_t want[] = {5, 3, 1, 4, 0, 2};
    for (size_t k = 0; k < 6; k++) assert_int_equal(a.items[k].invoice, want[k]);
    owed_aging_release(&a);
    tb_release(&t);
}

/* ---- randomized comparison with a naive implementation ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
static int rnd_int(int n) { return (int)(rnd() % (uint64_t)n); }

static int naive_bucket(const struct owed_aging_opts *o, int days)
{
    if (!o->by_issue) {
        if (days <= 0) return 0;
        for (int i = 0; i < o->nedges; i++)
            if (days <= o->edges[i]) return i + 1;
        return o->nedges + 1;
    }
    for (int i = 0; i < o->nedges; i++)
        if (days <= o->edges[i]) return i;
    return o->nedges;
}

static const struct owed_book *cmp_book;
static int cmp_items(const void *pa, const void *pb)
{
    const struct owed_book_invoice *a = &cmp_book->invoices[((const struct owed_aging_item *)pa)->invoice];
    const struct owed_book_invoice *b = &cmp_book->invoices[((const struct owed_aging_item *)pb)->invoice];
    if (a->customer != b->customer) return a->customer < b->customer ? -1 : 1;
    if (a->currency != b->currency) return a->currency < b->currency ? -1 : 1;
    if (a->due_date != b->due_date) return a->due_date < b->due_date ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* Compact index of a (customer, currency) key among the sorted distinct keys. */
static size_t key_index(const uint64_t *keys, size_t n, uint64_t key)
{
    const uint64_t *p = bsearch(&key, keys, n, sizeof *keys, cmp_u64);
    assert_non_null(p);
    return (size_t)(p - keys);
}

static void check_against_naive(const struct owed_book *b, const struct owed_aging_opts *o)
{
    size_t ncur = b->ncurrencies;
    int nb = o->nedges + (o->by_issue ? 1 : 2);
    /* Distinct (customer, currency) keys, sorted: that is the row order. */
    uint64_t *keys = calloc(b->ninvoices + b->npayments + 1, sizeof *keys);
    size_t nk = 0;
    for (size_t i = 0; i < b->ninvoices; i++)
        keys[nk++] = (uint64_t)b->invoices[i].customer * ncur + b->invoices[i].currency;
    for (size_t i = 0; i < b->npayments; i++)
        keys[nk++] = (uint64_t)b->payments[i].customer * ncur + b->payments[i].currency;
    qsort(keys, nk, sizeof *keys, cmp_u64);
    size_t nu = 0;
    for (size_t i = 0; i < nk; i++)
        if (nu == 0 || keys[nu - 1] != keys[i]) keys[nu++] = keys[i];

    int64_t *bk = calloc(nu * (size_t)nb + 1, sizeof *bk);
    int64_t *un = calloc(nu + 1, sizeof *un);
    bool *has_open = calloc(nu + 1, sizeof *has_open);
    struct owed_aging_item *items = calloc(b->ninvoices + 1, sizeof *items);
    size_t nitems = 0;
    for (size_t i = 0; i < b->ninvoices; i++) {
        const struct owed_book_invoice *inv = &b->invoices[i];
        if (inv->issue_date > o->as_of) continue;
        int64_t open = inv->amount_minor;
        for (size_t k = 0; k < b->nallocs; k++)
            if (b->allocs[k].invoice == i && b->allocs[k].date <= o->as_of)
                open -= b->allocs[k].amount_minor;
        size_t key = key_index(keys, nu, (uint64_t)inv->customer * ncur + inv->currency);
        un[key] -= inv->amount_minor - open;
        if (open <= 0) continue;
        int days = o->by_issue ? o->as_of - inv->issue_date : o->as_of - inv->due_date;
        int bb = naive_bucket(o, days);
        bk[key * (size_t)nb + (size_t)bb] += open;
        has_open[key] = true;
        items[nitems++] = (struct owed_aging_item){(uint32_t)i, days, bb, open};
    }
    for (size_t k = 0; k < b->npayments; k++) {
        const struct owed_book_payment *p = &b->payments[k];
        if (p->received_date <= o->as_of)
            un[key_index(keys, nu, (uint64_t)p->customer * ncur + p->currency)] +=
                p->amount_minor;
    }
    cmp_book = b;
    qsort(items, nitems, sizeof *items, cmp_items);

    struct owed_aging a;
    assert_int_equal(owed_aging_compute(b, o, true, &a), OWED_OK);
    assert_int_equal(a.nbuckets, nb);
    size_t r = 0;
    for (size_t key = 0; key < nu; key++) {
        if (!has_open[key] && un[key] == 0) continue;
        assert_true(r < a.nrows);
        assert_int_equal(a.rows[r].customer, keys[key] / ncur);
        assert_int_equal(a.rows[r].currency, keys[key] % ncur);
        int64_t total = -un[key];
        for (int bb = 0; bb < nb; bb++) {
            assert_int_equal(a.rows[r].buckets[bb], bk[key * (size_t)nb + (size_t)bb]);
            total += bk[key * (size_t)nb + (size_t)bb];
        }
        assert_int_equal(a.rows[r].unapplied, un[key]);
        assert_int_equal(a.rows[r].total, total);
        r++;
    }
    assert_int_equal(a.nrows, r);
    assert_int_equal(a.nitems, nitems);
    for (size_t k = 0; k < nitems; k++) {
        assert_int_equal(a.items[k].invoice, items[k].invoice);
        assert_int_equal(a.items[k].days, items[k].days);
        assert_int_equal(a.items[k].bucket, items[k].bucket);
        assert_int_equal(a.items[k].open_minor, items[k].open_minor);
    }
    owed_aging_release(&a);
    free(keys);
    free(bk);
    free(un);
    free(has_open);
    free(items);
}

/* ncur large enough forces the hash slot table (customers * currencies > 4M). */
static void random_book(struct tb *t, size_t ncust, size_t ncur, size_t ninv, bool shuffle_ids)
{
    memset(t, 0, sizeof *t);
    t->b.customers = calloc(ncust, sizeof *t->b.customers);
    t->b.ncustomers = ncust;
    t->b.currencies = calloc(ncur, sizeof *t->b.currencies);
    t->b.ncurrencies = ncur;
    for (size_t i = 0; i < ninv; i++) {
        uint32_t c = (uint32_t)rnd_int((int)ncust);
        /* Up to three currencies, spread over the table. */
        size_t step = ncur >= 3 ? ncur / 3 : 1;
        uint16_t cur = (uint16_t)((size_t)rnd_int(ncur >= 3 ? 3 : (int)ncur) * step);
        owed_date issue = D0 - 200 + rnd_int(220);
        owed_date due = issue + rnd_int(4) * 15;
        /* Unique ids; shuffled ones are a permutation (ninv < 100003, a prime). */
        int64_t id = shuffle_ids ? (int64_t)((i * 7919) % 100003) - 50000 : (int64_t)i;
        int64_t amt = 1 + rnd_int(1000);
        uint32_t inv = tb_inv(t, id, c, cur, issue, due, amt);
        int np = rnd_int(3);
        int64_t left = amt;
        for (int p = 0; p < np && left > 0; p++) {
            int64_t part = p == np - 1 && rnd_int(2) ? left : 1 + rnd_int((int)left);
            owed_date when = issue + rnd_int(120);
            int64_t extra = rnd_int(4) == 0 ? rnd_int(50) : 0;
            tb_pay(t, c, cur, when, part + extra);
            tb_alloc(t, inv, when, part);
            left -= part;
        }
        if (rnd_int(10) == 0)
            tb_pay(t, (uint32_t)rnd_int((int)ncust), cur, D0 - 100 + rnd_int(200), rnd_int(3) * 10);
    }
}

static void random_release(struct tb *t)
{
    free(t->b.customers);
    free(t->b.currencies);
    tb_release(t);
}

static void test_random_vs_naive(void **state)
{
    (void)state;
    rng_state = 42;
    const struct {
        size_t ncust, ncur, ninv;
        bool shuffle;
    } cases[] = {
        {5, 2, 300, false}, {40, 3, 800, true}, {200, 1, 600, false},
        {5000, 1000, 400, false}, /* hash table */
        {5000, 1000, 400, true},
    };
    for (size_t c = 0; c < OWED_ARRAY_LEN(cases); c++) {
        struct tb t;
        random_book(&t, cases[c].ncust, cases[c].ncur, cases[c].ninv, cases[c].shuffle);
        struct owed_aging_opts o;
        const owed_date dates[] = {D0 - 150, D0 - 30, D0, D0 + 60};
        for (size_t d = 0; d < 4; d++) {
            owed_aging_opts_default(&o, dates[d]);
            check_against_naive(&t.b, &o);
            o.by_issue = true;
            check_against_naive(&t.b, &o);
            assert_int_equal(owed_aging_parse_edges("7,14,21,28,35,42,49,56", &o), OWED_OK);
            check_against_naive(&t.b, &o);
            o.by_issue = false;
            assert_int_equal(owed_aging_parse_edges("45", &o), OWED_OK);
            check_against_naive(&t.b, &o);
        }
        random_release(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_names),
        cmocka_unit_test(test_parse_edges),
        cmocka_unit_test(test_invalid_opts),
        cmocka_unit_test(test_bucket_edges_by_due),
        cmocka_unit_test(test_custom_edge_values),
        cmocka_unit_test(test_by_issue),
        cmocka_unit_test(test_mixed_book),
        cmocka_unit_test(test_before_everything),
        cmocka_unit_test(test_unapplied_zero_and_negative),
        cmocka_unit_test(test_open_amounts),
        cmocka_unit_test(test_items_id_order),
        cmocka_unit_test(test_random_vs_naive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
