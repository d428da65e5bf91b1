/* Unit tests for late-payment fees and interest (src/core/latefee.c): the daily interest
 * formula over one period and across a half-year, 365-day years, rounding half away from
 * zero, refusals, the statutory compensation of the EU and UK schemes, the policy-file
 * parser, and the shape of the built-in rate tables.
 *
 * Worked examples (open × rate × days / 365, rounded once at the end):
 *   A. 10,000.00 EUR open 30 days in 2025-H2, eu: 2.15 + 8 = 10.15%
 *      10000.00 × 0.1015 × 30 / 365 = 83.4246... -> 83.42 EUR
 *   B. 1,000.00 EUR open 2025-06-21 .. 2025-07-10, eu: 10 days at 3.15 + 8 = 11.15%, then
 *      10 days at 10.15%: 3.0548 + 2.7808 = 5.8356 -> 5.84 EUR (rounding each half-year
 *      apart would give 3.05 + 2.78 = 5.83: the sum is exact, the rounding happens once)
 *   C. 10,000.00 GBP due 2025-06-20, interest to 2025-07-10, uk: interest starts to run on
 *      2025-06-21, in 2025-H1 (Bank Rate 4.75% on 31 Dec 2024), so 12.75% for all 20 days:
 *      10000.00 × 0.1275 × 20 / 365 = 69.8630 -> 69.86 GBP. The same span at each
 *      half-year's own rate (10 days 12.75%, 10 days 12.25%) would be 68.49 GBP.
 *   D. 1,000.00 at 10% over the whole of 2024 (366 days): 1000 × 0.10 × 366 / 365 =
 *      100.2740 -> 100.27, not 100.00: the divisor is 365 in leap years too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"
#include "core/latefee.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

/* owed_interest() on the built-in table of s plus 8 points. */
static int statutory(enum owed_fee_scheme s, int64_t open, owed_date from, owed_date to,
                     int64_t *out)
{
    size_t n;
    const struct owed_rate_period *t = owed_reference_rates(s, &n);
    return owed_interest(open, t, n, OWED_STATUTORY_ADD_BP, from, to, out);
}

static void test_interest_single_period(void **state)
{
    (void)state;
    int64_t v = -1;
    /* Example A: days 2025-09-02 .. 2025-10-01. */
    assert_int_equal(statutory(OWED_FEE_EU, 1000000, ymd(2025, 9, 1), ymd(2025, 10, 1), &v),
                     OWED_OK);
    assert_int_equal(v, 8342);
    /* One day: 10000.00 × 0.1015 / 365 = 2.7808 -> 2.78. */
    assert_int_equal(statutory(OWED_FEE_EU, 1000000, ymd(2025, 9, 1), ymd(2025, 9, 2), &v),
                     OWED_OK);
    assert_int_equal(v, 278);
    /* No days: from == to. */
    assert_int_equal(statutory(OWED_FEE_EU, 1000000, ymd(2025, 9, 1), ymd(2025, 9, 1), &v),
                     OWED_OK);
    assert_int_equal(v, 0);
    /* uk 2024-H2: 5.25 + 8 = 13.25%; 5,000.00 GBP for 31 days (Aug 2024):
     * 5000 × 0.1325 × 31 / 365 = 56.2671 -> 56.27. */
    assert_int_equal(statutory(OWED_FEE_UK, 500000, ymd(2024, 7, 31), ymd(2024, 8, 31), &v),
                     OWED_OK);
    assert_int_equal(v, 5627);
    /* eu 2019-H2 and 2020-H1, MRO 0%: 8% only, on 1,000.00 for the 366 days 2019-07-01 ..
     * 2020-06-30: 1000 × 0.08 × 366 / 365 = 80.2192 -> 80.22. */
    assert_int_equal(statutory(OWED_FEE_EU, 100000, ymd(2019, 6, 30), ymd(2020, 6, 30), &v),
                     OWED_OK);
    assert_int_equal(v, 8022); /* 100000 × 800 × 366 / 3650000 = 8021.9 */
}

static void test_interest_across_half_years(void **state)
{
    (void)state;
    int64_t v;
    /* Example B: 10 days at 11.15%, 10 at 10.15%. */
    assert_int_equal(statutory(OWED_FEE_EU, 100000, ymd(2025, 6, 20), ymd(2025, 7, 10), &v),
                     OWED_OK);
    assert_int_equal(v, 584);
    /* 10,000.00 EUR over the same days: 30.5479 + 27.8082 = 58.3562 -> 58.36. */
    assert_int_equal(statutory(OWED_FEE_EU, 1000000, ymd(2025, 6, 20), ymd(2025, 7, 10), &v),
                     OWED_OK);
    assert_int_equal(v, 5836);
    /* The per-period table of uk, used as a plain table (not the statutory uk rule): 68.49. */
    assert_int_equal(statutory(OWED_FEE_UK, 1000000, ymd(2025, 6, 20), ymd(2025, 7, 10), &v),
                     OWED_OK);
    assert_int_equal(v, 6849);
    /* A caller's own table: 5% to 2024-03-31, 7% from 2024-04-01; 3,650.00 for 2024-03-30
     * .. 2024-04-02: 2 days at 5% and 2 days at 7% = 365000 × (500 × 2 + 700 × 2) /
     * 3650000 = 240 exactly -> 2.40. */
    const struct owed_rate_period own[] = {{ymd(2024, 1, 1), 500}, {ymd(2024, 4, 1), 700}};
    assert_int_equal(owed_interest(365000, own, 2, 0, ymd(2024, 3, 29), ymd(2024, 4, 2), &v),
                     OWED_OK);
    assert_int_equal(v, 240);
    /* The first day of interest is from + 1: from = 2024-03-31 leaves 2 days at 7%. */
    assert_int_equal(owed_interest(365000, own, 2, 0, ymd(2024, 3, 31), ymd(2024, 4, 2), &v),
                     OWED_OK);
    assert_int_equal(v, 140);
}

static void test_interest_leap_year(void **state)
{
    (void)state;
    int64_t v;
    const struct owed_rate_period flat[] = {{ymd(2000, 1, 1), 1000}};
    /* Example D: 366 days / 365. */
    assert_int_equal(owed_interest(100000, flat, 1, 0, ymd(2023, 12, 31), ymd(2024, 12, 31), &v),
                     OWED_OK);
    assert_int_equal(v, 10027);
    /* A common year is exactly 10%. */
    assert_int_equal(owed_interest(100000, flat, 1, 0, ymd(2024, 12, 31), ymd(2025, 12, 31), &v),
                     OWED_OK);
    assert_int_equal(v, 10000);
    /* 29 February accrues like any day: 2024-02-28 .. 2024-03-01 is 2 days. */
    assert_int_equal(owed_interest(3650000, flat, 1, 0, ymd(2024, 2, 28), ymd(2024, 3, 1), &v),
                     OWED_OK);
    assert_int_equal(v, 2000); /* 3650000 × 1000 × 2 / 3650000 */
}

static void test_interest_rounding(void **state)
{
    (void)state;
    int64_t v;
    /* One day at 10%: open × 1000 / 3650000, so open 1825 gives exactly 0.5. */
    const struct owed_rate_period flat[] = {{ymd(2000, 1, 1), 1000}};
    owed_date d = ymd(2025, 1, 1);
    assert_int_equal(owed_interest(1825, flat, 1, 0, d, d + 1, &v), OWED_OK);
    assert_int_equal(v, 1); /* 0.5 -> 1 (half-even would give 0) */
    assert_int_equal(owed_interest(1824, flat, 1, 0, d, d + 1, &v), OWED_OK);
    assert_int_equal(v, 0); /* 0.4997 -> 0 */
    assert_int_equal(owed_interest(9125, flat, 1, 0, d, d + 1, &v), OWED_OK);
    assert_int_equal(v, 3); /* 2.5 -> 3 (half-even would give 2) */
    assert_int_equal(owed_interest(5475, flat, 1, 0, d, d + 1, &v), OWED_OK);
    assert_int_equal(v, 2); /* 1.5 -> 2 */
    /* add_bp: 0% table + 10% added is the same. */
    const struct owed_rate_period zero[] = {{ymd(2000, 1, 1), 0}};
    assert_int_equal(owed_interest(1825, zero, 1, 1000, d, d + 1, &v), OWED_OK);
    assert_int_equal(v, 1);
    /* A day whose total rate is below zero accrues nothing (never a credit). */
    const struct owed_rate_period neg[] = {{ymd(2000, 1, 1), -900}};
    assert_int_equal(owed_interest(1000000, neg, 1, 800, d, d + 30, &v), OWED_OK);
    assert_int_equal(v, 0);
}

static void test_interest_no_open(void **state)
{
    (void)state;
    int64_t v = -1;
    owed_date from = ymd(2025, 9, 1), to = ymd(2025, 10, 1);
    assert_int_equal(statutory(OWED_FEE_EU, 0, from, to, &v), OWED_OK);
    assert_int_equal(v, 0);
    v = -1;
    assert_int_equal(statutory(OWED_FEE_EU, -1000000, from, to, &v), OWED_OK); /* a credit */
    assert_int_equal(v, 0);
    assert_int_equal(statutory(OWED_FEE_EU, INT64_MIN, from, to, &v), OWED_OK);
    assert_int_equal(v, 0);
    /* Arguments are still checked. */
    assert_int_equal(statutory(OWED_FEE_EU, 0, to, from, &v), OWED_E_INVALID);
}

static void test_interest_refusals(void **state)
{
    (void)state;
    int64_t v = 12345;
    const struct owed_rate_period flat[] = {{ymd(2000, 1, 1), 10000}}; /* 100% a year */
    owed_date y0 = ymd(2025, 1, 1);
    /* INT64_MAX at 100% for 365 days is INT64_MAX exactly; one more day overflows. */
    assert_int_equal(owed_interest(INT64_MAX, flat, 1, 0, y0 - 1, y0 + 364, &v), OWED_OK);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(owed_interest(INT64_MAX, flat, 1, 0, y0 - 1, y0 + 365, &v),
                     OWED_E_OVERFLOW);
    assert_int_equal(v, INT64_MAX); /* untouched on failure */
    /* An absurd span and rate still fit the 128-bit sum and are refused, not wrapped. */
    const struct owed_rate_period always[] = {{INT32_MIN, 10000}};
    assert_int_equal(owed_interest(INT64_MAX, always, 1, INT32_MAX, ymd(1, 1, 1),
                                   ymd(9999, 12, 31), &v),
                     OWED_E_OVERFLOW);
    /* 10^15.00 at 100% for 100 years. */
    assert_int_equal(owed_interest(100000000000000000LL, flat, 1, 0, ymd(2000, 1, 1),
                                   ymd(2100, 1, 1), &v),
                     OWED_E_OVERFLOW);
    assert_int_equal(v, INT64_MAX);
    /* to before from. */
    assert_int_equal(owed_interest(100, flat, 1, 0, y0, y0 - 1, &v), OWED_E_INVALID);
    /* A day before the first period; the day after from is the first that counts. */
    assert_int_equal(owed_interest(100, flat, 1, 0, ymd(1999, 12, 30), y0, &v),
                     OWED_E_INVALID);
    assert_int_equal(owed_interest(100, flat, 1, 0, ymd(1999, 12, 31), y0, &v), OWED_OK);
    /* Empty or unsorted tables. */
    assert_int_equal(owed_interest(100, flat, 0, 0, y0, y0 + 1, &v), OWED_E_INVALID);
    assert_int_equal(owed_interest(100, NULL, 1, 0, y0, y0 + 1, &v), OWED_E_INVALID);
    const struct owed_rate_period unsorted[] = {{ymd(2001, 1, 1), 100}, {ymd(2000, 1, 1), 200}};
    assert_int_equal(owed_interest(100, unsorted, 2, 0, y0, y0 + 1, &v), OWED_E_INVALID);
    const struct owed_rate_period dup[] = {{ymd(2000, 1, 1), 100}, {ymd(2000, 1, 1), 200}};
    assert_int_equal(owed_interest(100, dup, 2, 0, y0, y0 + 1, &v), OWED_E_INVALID);
    /* A day in an OWED_RATE_NONE period, but not the days before it. */
    const struct owed_rate_period ends[] = {{ymd(2000, 1, 1), 100}, {y0, OWED_RATE_NONE}};
    assert_int_equal(owed_interest(100, ends, 2, 0, y0 - 10, y0, &v), OWED_E_INVALID);
    assert_int_equal(owed_interest(100, ends, 2, 0, y0 - 10, y0 - 1, &v), OWED_OK);
    /* The extreme date does not wrap from + 1. */
    assert_int_equal(owed_interest(100, flat, 1, 0, INT32_MAX, INT32_MAX, &v), OWED_OK);
    assert_int_equal(v, 0);
}

static void test_reference_tables(void **state)
{
    (void)state;
    const enum owed_fee_scheme schemes[] = {OWED_FEE_EU, OWED_FEE_UK};
    for (size_t k = 0; k < OWED_ARRAY_LEN(schemes); k++) {
        size_t n;
        const struct owed_rate_period *t = owed_reference_rates(schemes[k], &n);
        assert_non_null(t);
        assert_true(n >= 31); /* 2012-H1 .. 2026-H2 and the end row */
        assert_int_equal(t[0].from, ymd(2012, 1, 1));
        for (size_t i = 0; i < n; i++) {
            int y, m, d;
            owed_date_to_ymd(t[i].from, &y, &m, &d);
            /* One row per half-year, in order, without gaps. */
            assert_int_equal(y, 2012 + (int)(i / 2));
            assert_int_equal(m, i % 2 ? 7 : 1);
            assert_int_equal(d, 1);
            if (i + 1 < n) {
                assert_in_range(t[i].rate_bp, 0, 2000);
            } else {
                assert_int_equal(t[i].rate_bp, OWED_RATE_NONE); /* end of data */
            }
        }
        /* Interest reaching the end row is refused, up to its eve it is computed. */
        owed_date end = t[n - 1].from;
        int64_t v;
        assert_int_equal(statutory(schemes[k], 100000, end - 10, end, &v), OWED_E_INVALID);
        assert_int_equal(statutory(schemes[k], 100000, end - 10, end - 1, &v), OWED_OK);
        int32_t bp;
        assert_int_equal(owed_reference_rate_on(schemes[k], end, &bp), OWED_E_INVALID);
        assert_int_equal(owed_reference_rate_on(schemes[k], ymd(2011, 12, 31), &bp),
                         OWED_E_INVALID);
    }
    /* Spot checks against the published history. */
    struct {
        enum owed_fee_scheme s;
        int y, m, d;
        int32_t bp;
    } spots[] = {
        {OWED_FEE_EU, 2012, 7, 1, 100},  {OWED_FEE_EU, 2013, 1, 1, 75},
        {OWED_FEE_EU, 2016, 7, 1, 0},    {OWED_FEE_EU, 2022, 12, 31, 0},
        {OWED_FEE_EU, 2023, 1, 1, 250},  {OWED_FEE_EU, 2023, 7, 1, 400},
        {OWED_FEE_EU, 2024, 1, 1, 450},  {OWED_FEE_EU, 2024, 7, 1, 425},
        {OWED_FEE_EU, 2025, 1, 1, 315},  {OWED_FEE_EU, 2025, 12, 31, 215},
        {OWED_FEE_UK, 2016, 12, 31, 50}, {OWED_FEE_UK, 2017, 1, 1, 25},
        {OWED_FEE_UK, 2020, 7, 1, 10},   {OWED_FEE_UK, 2022, 1, 1, 25},
        {OWED_FEE_UK, 2023, 7, 1, 500},  {OWED_FEE_UK, 2024, 1, 1, 525},
        {OWED_FEE_UK, 2025, 1, 1, 475},  {OWED_FEE_UK, 2025, 7, 1, 425},
        {OWED_FEE_UK, 2026, 1, 1, 375},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(spots); i++) {
        int32_t bp = -1;
        assert_int_equal(owed_reference_rate_on(spots[i].s, ymd(spots[i].y, spots[i].m,
                                                                spots[i].d), &bp),
                         OWED_OK);
        assert_int_equal(bp, spots[i].bp);
    }
    size_t n = 7;
    assert_null(owed_reference_rates(OWED_FEE_FIXED, &n));
    assert_int_equal(n, 0);
    assert_null(owed_reference_rates(OWED_FEE_NONE, &n));
    int32_t bp;
    assert_int_equal(owed_reference_rate_on(OWED_FEE_FIXED, ymd(2025, 1, 1), &bp),
                     OWED_E_INVALID);
}

static void test_statutory_fee(void **state)
{
    (void)state;
    int64_t v = -1;
    /* eu: 40.00 EUR whatever the amount. */
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 1, "EUR", 2, &v), OWED_OK);
    assert_int_equal(v, 4000);
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 500000000, "EUR", 2, &v), OWED_OK);
    assert_int_equal(v, 4000);
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 0, "EUR", 2, &v), OWED_OK);
    assert_int_equal(v, 0); /* nothing owed, nothing charged */
    /* uk bands on the debt. */
    struct {
        int64_t amount, fee;
    } uk[] = {
        {1, 4000},          {99999, 4000},      /* 999.99 */
        {100000, 7000},                         /* 1,000.00 */
        {999999, 7000},                         /* 9,999.99 */
        {1000000, 10000},                       /* 10,000.00 */
        {INT64_MAX, 10000},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(uk); i++) {
        assert_int_equal(owed_statutory_fee(OWED_FEE_UK, uk[i].amount, "GBP", 2, &v), OWED_OK);
        assert_int_equal(v, uk[i].fee);
    }
    assert_int_equal(owed_statutory_fee(OWED_FEE_UK, -5, "GBP", 2, &v), OWED_OK);
    assert_int_equal(v, 0);
    /* Currency mismatch, checked before the exponent. */
    v = 99;
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 100000, "USD", 2, &v), OWED_E_CURRENCY);
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 100000, "GBP", 2, &v), OWED_E_CURRENCY);
    assert_int_equal(owed_statutory_fee(OWED_FEE_UK, 100000, "EUR", 2, &v), OWED_E_CURRENCY);
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 100000, "eur", 2, &v), OWED_E_CURRENCY);
    assert_int_equal(owed_statutory_fee(OWED_FEE_UK, 100000, NULL, 2, &v), OWED_E_CURRENCY);
    assert_int_equal(owed_statutory_fee(OWED_FEE_UK, 100000, "JPY", 3, &v), OWED_E_CURRENCY);
    assert_int_equal(v, 99);
    /* The caller's exponent must be the currency's. */
    assert_int_equal(owed_statutory_fee(OWED_FEE_EU, 100000, "EUR", 3, &v), OWED_E_INVALID);
    assert_int_equal(owed_statutory_fee(OWED_FEE_UK, 100000, "GBP", 0, &v), OWED_E_INVALID);
    /* Schemes without a statutory amount. */
    assert_int_equal(owed_statutory_fee(OWED_FEE_FIXED, 100000, "EUR", 2, &v), OWED_E_INVALID);
    assert_int_equal(owed_statutory_fee(OWED_FEE_UNKNOWN, 100000, "EUR", 2, &v),
                     OWED_E_INVALID);
    assert_int_equal(owed_statutory_fee(OWED_FEE_NONE, 100000, "USD", 2, &v), OWED_OK);
    assert_int_equal(v, 0);
}

static void test_scheme_names(void **state)
{
    (void)state;
    const char *names[] = {"none", "fixed", "eu", "uk"};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(owed_fee_scheme_name((enum owed_fee_scheme)i), names[i]);
        assert_int_equal(owed_fee_scheme_parse(names[i]), i);
    }
    assert_string_equal(owed_fee_scheme_name(OWED_FEE_UNKNOWN), "unknown");
    assert_string_equal(owed_fee_scheme_name((enum owed_fee_scheme)9), "unknown");
    assert_int_equal(owed_fee_scheme_parse("EU"), OWED_FEE_UNKNOWN); /* stored names: exact */
    assert_int_equal(owed_fee_scheme_parse(""), OWED_FEE_UNKNOWN);
    assert_int_equal(owed_fee_scheme_parse(NULL), OWED_FEE_UNKNOWN);
    /* Stored as integers: the values never change. */
    assert_int_equal(OWED_FEE_NONE, 0);
    assert_int_equal(OWED_FEE_FIXED, 1);
    assert_int_equal(OWED_FEE_EU, 2);
    assert_int_equal(OWED_FEE_UK, 3);
}

static struct owed_step_charges parse_ok(const char *fee, const char *interest)
{
    struct owed_step_charges c;
    memset(&c, 0xAB, sizeof c);
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_step_charges_parse(fee, interest, &c, &err);
    if (rc != OWED_OK) print_error("parse \"%s\" \"%s\": %s\n", fee, interest, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0); /* untouched on success */
    owed_buf_release(&err);
    return c;
}

static void parse_bad(const char *fee, const char *interest, const char *why)
{
    struct owed_step_charges c, before;
    memset(&c, 0x5A, sizeof c);
    before = c;
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(owed_step_charges_parse(fee, interest, &c, &err), OWED_E_PARSE);
    assert_string_equal(err.ptr, why);
    assert_memory_equal(&c, &before, sizeof c); /* untouched on failure */
    owed_buf_release(&err);
}

static void test_parse_accepted(void **state)
{
    (void)state;
    struct owed_step_charges c = parse_ok("none", "none");
    assert_int_equal(c.fee, OWED_FEE_NONE);
    assert_int_equal(c.interest, OWED_FEE_NONE);
    assert_int_equal(c.fee_hundredths, 0);
    assert_int_equal(c.interest_bp, 0);
    c = parse_ok(NULL, NULL); /* absent from the policy file */
    assert_int_equal(c.fee, OWED_FEE_NONE);
    assert_int_equal(c.interest, OWED_FEE_NONE);
    c = parse_ok("40.00", "8.5%");
    assert_int_equal(c.fee, OWED_FEE_FIXED);
    assert_int_equal(c.fee_hundredths, 4000);
    assert_int_equal(c.interest, OWED_FEE_FIXED);
    assert_int_equal(c.interest_bp, 850);
    c = parse_ok("40", "8%");
    assert_int_equal(c.fee_hundredths, 4000);
    assert_int_equal(c.interest_bp, 800);
    c = parse_ok("12.5", "0.01%");
    assert_int_equal(c.fee_hundredths, 1250);
    assert_int_equal(c.interest_bp, 1);
    c = parse_ok("0.01", "100%");
    assert_int_equal(c.fee_hundredths, 1);
    assert_int_equal(c.interest_bp, 10000);
    c = parse_ok("1000000.00", "12.34%");
    assert_int_equal(c.fee_hundredths, 100000000);
    assert_int_equal(c.interest_bp, 1234);
    c = parse_ok("eu", "eu");
    assert_int_equal(c.fee, OWED_FEE_EU);
    assert_int_equal(c.interest, OWED_FEE_EU);
    c = parse_ok("UK", "Uk");
    assert_int_equal(c.fee, OWED_FEE_UK);
    assert_int_equal(c.interest, OWED_FEE_UK);
    c = parse_ok("NONE", "uk");
    assert_int_equal(c.fee, OWED_FEE_NONE);
    assert_int_equal(c.interest, OWED_FEE_UK);
}

static void test_parse_rejected(void **state)
{
    (void)state;
    const char *fee_word = "fee: expected \"none\", \"eu\", \"uk\" or an amount such as \"40.00\"";
    const char *fee_amount =
        "fee: amount must be above 0 and at most 1000000.00, with at most 2 decimals";
    const char *int_word =
        "interest: expected \"none\", \"eu\", \"uk\" or an annual rate such as \"8.5%\"";
    const char *int_rate =
        "interest: rate must be above 0% and at most 100%, with at most 2 decimals";
    const char *bad_fee_words[] = {"", "fixed", "eur", "EUR 40", " 40", "de", "base+8"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad_fee_words); i++)
        parse_bad(bad_fee_words[i], "none", fee_word);
    const char *bad_fee_amounts[] = {"0",     "0.00",       "-5",   "+40", "40.001",
                                     "40.",   "1000000.01", "40 ",  "4,0", "1e3", "40EUR",
                                     ".5",    "99999999999999999999"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad_fee_amounts); i++)
        parse_bad(bad_fee_amounts[i], "none", fee_amount);
    const char *bad_int_words[] = {"", "8.5", "base+8", "fixed", "ecb", "%8", " 8%", "8.5% "};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad_int_words); i++)
        parse_bad("none", bad_int_words[i], int_word);
    const char *bad_int_rates[] = {"0%", "0.00%", "8.555%", "100.01%", "-1%", "+8%",
                                   "%",  "8.5 %", "8,5%",   "1e1%"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad_int_rates); i++) {
        if (strcmp(bad_int_rates[i], "%") == 0) {
            parse_bad("none", "%", int_word); /* nothing that looks like a number */
            continue;
        }
        parse_bad("none", bad_int_rates[i], int_rate);
    }
    /* The fee is checked first; only its reason is reported. */
    parse_bad("abc", "xyz", fee_word);
    /* No err buffer: still refused. */
    struct owed_step_charges c;
    assert_int_equal(owed_step_charges_parse("abc", "none", &c, NULL), OWED_E_PARSE);
}

static void test_step_fee(void **state)
{
    (void)state;
    int64_t v = -1;
    struct owed_step_charges c = parse_ok("40.00", "none");
    assert_int_equal(owed_step_fee(&c, 123456, "EUR", 2, &v), OWED_OK);
    assert_int_equal(v, 4000);
    assert_int_equal(owed_step_fee(&c, 123456, "USD", 2, &v), OWED_OK); /* any currency */
    assert_int_equal(v, 4000);
    assert_int_equal(owed_step_fee(&c, 123456, "JPY", 0, &v), OWED_OK);
    assert_int_equal(v, 40);
    assert_int_equal(owed_step_fee(&c, 123456, "KWD", 3, &v), OWED_OK);
    assert_int_equal(v, 40000);
    assert_int_equal(owed_step_fee(&c, 0, "EUR", 2, &v), OWED_OK);
    assert_int_equal(v, 0);
    assert_int_equal(owed_step_fee(&c, 123456, "EUR", 0, &v), OWED_E_INVALID);
    c = parse_ok("40.50", "none");
    v = 7;
    assert_int_equal(owed_step_fee(&c, 123456, "JPY", 0, &v), OWED_E_CURRENCY);
    assert_int_equal(v, 7);
    c = parse_ok("uk", "none");
    assert_int_equal(owed_step_fee(&c, 100000, "GBP", 2, &v), OWED_OK);
    assert_int_equal(v, 7000);
    assert_int_equal(owed_step_fee(&c, 100000, "EUR", 2, &v), OWED_E_CURRENCY);
    c = parse_ok("eu", "none");
    assert_int_equal(owed_step_fee(&c, 100000, "EUR", 2, &v), OWED_OK);
    assert_int_equal(v, 4000);
    c = parse_ok("none", "none");
    assert_int_equal(owed_step_fee(&c, 100000, "CHF", 2, &v), OWED_OK);
    assert_int_equal(v, 0);
}

static void test_step_interest(void **state)
{
    (void)state;
    int64_t v = -1;
    owed_date due = ymd(2025, 6, 20), to = ymd(2025, 7, 10);
    /* Example C: uk keeps the rate of the half-year interest started in. */
    struct owed_step_charges c = parse_ok("none", "uk");
    assert_int_equal(owed_step_interest(&c, 1000000, due, due, to, &v), OWED_OK);
    assert_int_equal(v, 6986);
    /* A later charge on the same debt (from 2025-07-10 to 2025-08-09, 30 days) is still
     * at 12.75%: 10000 × 0.1275 × 30 / 365 = 104.79. */
    assert_int_equal(owed_step_interest(&c, 1000000, due, to, to + 30, &v), OWED_OK);
    assert_int_equal(v, 10479);
    /* A debt due on 30 June starts to run on 1 July: 2025-H2, 4.25 + 8 = 12.25%. */
    assert_int_equal(owed_step_interest(&c, 1000000, ymd(2025, 6, 30), ymd(2025, 6, 30),
                                        ymd(2025, 7, 30), &v),
                     OWED_OK);
    assert_int_equal(v, 10068); /* 10000 × 0.1225 × 30 / 365 = 100.68 */
    /* Only the start needs a published rate: the end row does not stop a uk debt. */
    size_t n;
    const struct owed_rate_period *t = owed_reference_rates(OWED_FEE_UK, &n);
    owed_date end = t[n - 1].from;
    assert_int_equal(owed_step_interest(&c, 1000000, end - 2, end - 2, end + 30, &v), OWED_OK);
    assert_int_equal(owed_step_interest(&c, 1000000, end - 1, end - 1, end + 30, &v),
                     OWED_E_INVALID);
    /* eu resets each half-year: the same as the table. */
    c = parse_ok("none", "eu");
    assert_int_equal(owed_step_interest(&c, 100000, due, due, to, &v), OWED_OK);
    assert_int_equal(v, 584); /* example B */
    /* fixed: 8.5% for 30 days on 2,000.00: 2000 × 0.085 × 30 / 365 = 13.97. */
    c = parse_ok("none", "8.5%");
    assert_int_equal(owed_step_interest(&c, 200000, due, due, due + 30, &v), OWED_OK);
    assert_int_equal(v, 1397);
    /* none: 0. */
    c = parse_ok("none", "none");
    assert_int_equal(owed_step_interest(&c, 200000, due, due, due + 30, &v), OWED_OK);
    assert_int_equal(v, 0);
    /* Interest never runs before the due date, nor backwards. */
    c = parse_ok("none", "8.5%");
    assert_int_equal(owed_step_interest(&c, 200000, due, due - 1, due + 30, &v), OWED_E_INVALID);
    assert_int_equal(owed_step_interest(&c, 200000, due, due + 5, due + 4, &v), OWED_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interest_single_period),
        cmocka_unit_test(test_interest_across_half_years),
        cmocka_unit_test(test_interest_leap_year),
        cmocka_unit_test(test_interest_rounding),
        cmocka_unit_test(test_interest_no_open),
        cmocka_unit_test(test_interest_refusals),
        cmocka_unit_test(test_reference_tables),
        cmocka_unit_test(test_statutory_fee),
        cmocka_unit_test(test_scheme_names),
        cmocka_unit_test(test_parse_accepted),
        cmocka_unit_test(test_parse_rejected),
        cmocka_unit_test(test_step_fee),
        cmocka_unit_test(test_step_interest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
