/* Unit tests for the KPIs (src/core/kpi.c) on hand-worked books. Every expected figure is
 * worked out in the comments next to it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "core/kpi.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

#define assert_tenths(t, v)              \
    do {                                 \
        assert_true((t).defined);        \
        assert_int_equal((t).tenths, v); \
    } while (0)

/* ---- countback ---- */

static void test_countback_worked_example(void **state)
{
    (void)state;
    /* AR 212,000 over sales 100,000 / 80,000 / 70,000 with 30-day months:
     * 30 + 30 + 32,000 / 70,000 * 30 = 73.714 -> 73.7. */
    const int64_t sales[] = {100000, 80000, 70000};
    const int days[] = {30, 30, 30};
    assert_tenths(owed_kpi_countback(212000, sales, days, 3), 737);
    /* In minor units (x100) nothing changes. */
    const int64_t sales_minor[] = {10000000, 8000000, 7000000};
    assert_tenths(owed_kpi_countback(21200000, sales_minor, days, 3), 737);
    assert_tenths(owed_kpi_countback(0, sales, days, 3), 0);
    assert_tenths(owed_kpi_countback(100000, sales, days, 3), 300);
    assert_tenths(owed_kpi_countback(180000, sales, days, 3), 600);
    assert_tenths(owed_kpi_countback(50000, sales, days, 3), 150);
    /* History runs out: the days counted so far. */
    assert_tenths(owed_kpi_countback(999999, sales, days, 3), 900);
    assert_tenths(owed_kpi_countback(999999, sales, days, 1), 300);
    /* Nothing to measure. */
    assert_false(owed_kpi_countback(5, sales, days, 0).defined);
}

static void test_countback_rounding(void **state)
{
    (void)state;
    const int days1[] = {1};
    const int64_t s4[] = {4}, s8[] = {8};
    assert_tenths(owed_kpi_countback(1, s4, days1, 1), 2); /* 2.5 -> 2 */
    assert_tenths(owed_kpi_countback(3, s4, days1, 1), 8); /* 7.5 -> 8 */
    assert_tenths(owed_kpi_countback(1, s8, days1, 1), 1); /* 1.25 -> 1 */
    assert_tenths(owed_kpi_countback(7, s8, days1, 1), 9); /* 8.75 -> 9 */
    /* A month without sales counts in full. */
    const int64_t s[] = {0, 10};
    const int d[] = {15, 31};
    assert_tenths(owed_kpi_countback(5, s, d, 2), 150 + 155);
}

/* ---- the whole computation ---- */

struct tb {
    struct owed_book b;
    struct owed_book_invoice inv[32];
    struct owed_book_alloc al[32];
    struct owed_book_payment pay[32];
};

static char currencies[][4] = {"CHF", "EUR", "GBP", "USD"};
static int exponents[] = {2, 2, 2, 2};
static struct owed_book_customer customers[] = {{1, "C1", "One"}, {2, "C2", "Two"}};
enum { CHF, EUR, GBP, USD };

static uint32_t add_inv(struct tb *t, uint16_t cur, owed_date issue, int terms, int64_t amt)
{
    size_t i = t->b.ninvoices++;
    t->inv[i] = (struct owed_book_invoice){(int64_t)i + 1, NULL, (uint32_t)(i % 2), cur, issue,
                                           issue + terms, amt, 1 /* sale */};
    return (uint32_t)i;
}

static void add_alloc(struct tb *t, uint32_t inv, owed_date date, int64_t amt)
{
    t->al[t->b.nallocs++] = (struct owed_book_alloc){inv, date, amt, 1};
    t->pay[t->b.npayments++] =
        (struct owed_book_payment){t->inv[inv].customer, t->inv[inv].currency, date, amt, 1};
}

static void build(struct tb *t)
{
    memset(t, 0, sizeof *t);
    t->b.customers = customers;
    t->b.ncustomers = 2;
    t->b.invoices = t->inv;
    t->b.allocs = t->al;
    t->b.payments = t->pay;
    t->b.currencies = currencies;
    t->b.exponents = exponents;
    t->b.ncurrencies = 4;
    /* EUR. D = 2024-06-30, N = 90: the period is (2024-04-01, 2024-06-30]. */
    uint32_t i1 = add_inv(t, EUR, ymd(2024, 3, 15), 30, 50000); /* due 04-14 */
    uint32_t i2 = add_inv(t, EUR, ymd(2024, 4, 10), 30, 100000);
    uint32_t i3 = add_inv(t, EUR, ymd(2024, 5, 20), 30, 80000); /* due 06-19 */
    add_inv(t, EUR, ymd(2024, 6, 15), 30, 70000);               /* current */
    add_inv(t, EUR, ymd(2024, 6, 30), 0, 10000);                /* due on D: current */
    uint32_t i6 = add_inv(t, EUR, ymd(2024, 1, 10), 30, 20000);
    add_inv(t, EUR, ymd(2024, 7, 1), 30, 999999); /* after D */
    add_alloc(t, i1, ymd(2024, 4, 5), 20000);
    add_alloc(t, i1, ymd(2024, 4, 20), 30000); /* closes i1: 36 days, 6 late */
    add_alloc(t, i2, ymd(2024, 5, 5), 40000);
    add_alloc(t, i3, ymd(2024, 6, 10), 80000); /* closes i3: 21 days, on time */
    add_alloc(t, i6, ymd(2024, 2, 20), 20000); /* before the period */
    /* GBP: one old open invoice, no sales in the period. */
    add_inv(t, GBP, ymd(2023, 12, 1), 30, 5000);
    /* CHF: everything is current. */
    add_inv(t, CHF, ymd(2024, 6, 1), 60, 1000);
    /* USD: only an invoice after D. */
    add_inv(t, USD, ymd(2024, 8, 1), 30, 1);
}

static void test_compute(void **state)
{
    (void)state;
    struct tb t;
    build(&t);
    struct owed_kpi *k;
    size_t n;
    assert_int_equal(owed_kpi_compute(&t.b, ymd(2024, 6, 30), 90, &k, &n), OWED_OK);
    assert_int_equal(n, 3);
    assert_int_equal(k[0].currency, CHF);
    assert_int_equal(k[1].currency, EUR);
    assert_int_equal(k[2].currency, GBP);

    const struct owed_kpi *e = &k[1];
    /* S = 100,000 + 80,000 + 70,000 + 10,000; AR(D) = 60,000 + 70,000 + 10,000. */
    assert_int_equal(e->sales_minor, 260000);
    assert_int_equal(e->ar_minor, 140000);
    assert_int_equal(e->current_ar_minor, 80000);
    assert_int_equal(e->ar_start_minor, 50000); /* i1: its first allocation is 04-05 */
    /* 140,000 / 260,000 * 90 = 48.46 */
    assert_tenths(e->dso, 485);
    /* 80,000 / 260,000 * 90 = 27.69 */
    assert_tenths(e->best_possible_dso, 277);
    /* 60,000 / 260,000 * 90 = 20.77 */
    assert_tenths(e->add, 208);
    /* (50,000 + 260,000 - 140,000) / (50,000 + 260,000 - 80,000) = 170/230 = 73.91% */
    assert_tenths(e->cei, 739);
    /* June 30 days, 80,000: AR left 60,000; May 31 days, 80,000: 60/80 * 31 = 23.25.
     * 53.25 -> 53.2 (half to even). */
    assert_tenths(e->countback_dso, 532);
    /* Paid in the period: i1 (50,000; 36 days; 6 late), i3 (80,000; 21 days; on time). */
    assert_int_equal(e->paid_count, 2);
    /* (50,000 * 36 + 80,000 * 21) / 130,000 = 26.77 */
    assert_tenths(e->avg_days_to_pay, 268);
    /* 50,000 * 6 / 130,000 = 2.31 */
    assert_tenths(e->avg_days_late, 23);
    assert_tenths(e->on_time_rate_count, 500);
    /* 80,000 / 130,000 = 61.54% */
    assert_tenths(e->on_time_rate_amount, 615);

    const struct owed_kpi *g = &k[2];
    assert_int_equal(g->sales_minor, 0);
    assert_int_equal(g->ar_minor, 5000);
    assert_int_equal(g->ar_start_minor, 5000);
    assert_false(g->dso.defined);
    assert_false(g->best_possible_dso.defined);
    assert_false(g->add.defined);
    /* (5,000 + 0 - 5,000) / (5,000 + 0 - 0) = 0% */
    assert_tenths(g->cei, 0);
    /* Dec 2023 .. Jun 2024: only December has sales, so every day back to Dec 1 counts. */
    assert_tenths(g->countback_dso, 2130);
    assert_int_equal(g->paid_count, 0);
    assert_false(g->avg_days_to_pay.defined);
    assert_false(g->avg_days_late.defined);
    assert_false(g->on_time_rate_count.defined);
    assert_false(g->on_time_rate_amount.defined);

    const struct owed_kpi *c = &k[0];
    assert_tenths(c->dso, 900);
    assert_tenths(c->best_possible_dso, 900);
    assert_tenths(c->add, 0);
    assert_false(c->cei.defined); /* denominator 0 + 1,000 - 1,000 */
    assert_tenths(c->countback_dso, 300);
    free(k);
}

static void test_compute_other_periods(void **state)
{
    (void)state;
    struct tb t;
    build(&t);
    struct owed_kpi *k;
    size_t n;
    /* 30 days ending 2024-06-30: period (05-31, 06-30]. */
    assert_int_equal(owed_kpi_compute(&t.b, ymd(2024, 6, 30), 30, &k, &n), OWED_OK);
    assert_int_equal(n, 3);
    const struct owed_kpi *e = &k[1];
    assert_int_equal(e->sales_minor, 80000);
    assert_int_equal(e->ar_start_minor, 60000 + 80000);
    /* 140,000 / 80,000 * 30 = 52.5 -> 52.5 */
    assert_tenths(e->dso, 525);
    /* (140,000 + 80,000 - 140,000) / (140,000 + 80,000 - 80,000) = 57.14% */
    assert_tenths(e->cei, 571);
    assert_int_equal(e->paid_count, 1); /* only i3 */
    assert_tenths(e->avg_days_to_pay, 210);
    assert_tenths(e->avg_days_late, 0);
    assert_tenths(e->on_time_rate_count, 1000);
    assert_tenths(e->on_time_rate_amount, 1000);
    free(k);

    /* Before any invoice: nothing at all. */
    assert_int_equal(owed_kpi_compute(&t.b, ymd(2020, 1, 1), 90, &k, &n), OWED_OK);
    assert_int_equal(n, 0);
    free(k);

    /* On 2024-01-10 only the first EUR invoice exists, issued on D. */
    assert_int_equal(owed_kpi_compute(&t.b, ymd(2024, 1, 10), 1, &k, &n), OWED_OK);
    assert_int_equal(n, 2); /* EUR and GBP */
    assert_int_equal(k[0].currency, EUR);
    assert_int_equal(k[0].sales_minor, 20000);
    assert_tenths(k[0].dso, 10);
    assert_tenths(k[0].countback_dso, 100); /* 10 days of January, all its sales */
    free(k);

    assert_int_equal(owed_kpi_compute(&t.b, ymd(2024, 6, 30), 0, &k, &n), OWED_E_INVALID);
    assert_int_equal(n, 0);
    assert_null(k);
}

static void test_countback_matches_book(void **state)
{
    (void)state;
    /* The worked example as a book: April, May, June 2024 sales of 70,000 / 80,000 /
     * 100,000, AR at 2024-06-30 of 212,000. June and April have 30 days; May has 31, so
     * 30 + 31 + 32,000 / 70,000 * 30 = 74.71. */
    struct tb t;
    memset(&t, 0, sizeof t);
    t.b.customers = customers;
    t.b.ncustomers = 2;
    t.b.invoices = t.inv;
    t.b.allocs = t.al;
    t.b.payments = t.pay;
    t.b.currencies = currencies;
    t.b.exponents = exponents;
    t.b.ncurrencies = 4;
    uint32_t a = add_inv(&t, EUR, ymd(2024, 4, 3), 30, 70000);
    add_inv(&t, EUR, ymd(2024, 5, 31), 30, 80000);
    add_inv(&t, EUR, ymd(2024, 6, 30), 30, 100000);
    add_alloc(&t, a, ymd(2024, 5, 1), 38000);
    struct owed_kpi *k;
    size_t n;
    assert_int_equal(owed_kpi_compute(&t.b, ymd(2024, 6, 30), 91, &k, &n), OWED_OK);
    assert_int_equal(n, 1);
    assert_int_equal(k[0].ar_minor, 212000);
    assert_tenths(k[0].countback_dso, 747);
    free(k);
}

static void test_paid_on_issue(void **state)
{
    (void)state;
    /* Cash allocated before the invoice's issue date: it reached zero when issued. */
    struct tb t;
    memset(&t, 0, sizeof t);
    t.b.customers = customers;
    t.b.ncustomers = 2;
    t.b.invoices = t.inv;
    t.b.allocs = t.al;
    t.b.payments = t.pay;
    t.b.currencies = currencies;
    t.b.exponents = exponents;
    t.b.ncurrencies = 4;
    uint32_t a = add_inv(&t, EUR, ymd(2024, 6, 10), 30, 500);
    add_alloc(&t, a, ymd(2024, 5, 1), 500);
    uint32_t b = add_inv(&t, EUR, ymd(2024, 6, 1), 10, 300);
    add_alloc(&t, b, ymd(2024, 6, 5), 100);
    add_alloc(&t, b, ymd(2024, 6, 20), 200); /* 19 days, 9 late */
    struct owed_kpi *k;
    size_t n;
    assert_int_equal(owed_kpi_compute(&t.b, ymd(2024, 6, 30), 30, &k, &n), OWED_OK);
    assert_int_equal(n, 1);
    assert_int_equal(k[0].paid_count, 2);
    /* (500 * 0 + 300 * 19) / 800 = 7.125 */
    assert_tenths(k[0].avg_days_to_pay, 71);
    /* 300 * 9 / 800 = 3.375 */
    assert_tenths(k[0].avg_days_late, 34);
    assert_tenths(k[0].on_time_rate_count, 500);
    assert_tenths(k[0].on_time_rate_amount, 625);
    assert_int_equal(k[0].ar_minor, 0);
    assert_tenths(k[0].dso, 0);
    /* CEI: (0 + 800 - 0) / (0 + 800 - 0) = 100% */
    assert_tenths(k[0].cei, 1000);
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countback_worked_example),
        cmocka_unit_test(test_countback_rounding),
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_compute_other_periods),
        cmocka_unit_test(test_countback_matches_book),
        cmocka_unit_test(test_paid_on_issue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
