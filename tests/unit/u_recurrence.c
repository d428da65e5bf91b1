/* Unit tests for recurring schedules (src/core/recurrence.c).
 *
 * Period dates: month-end clamping over leap and non-leap years without drift, quarterly
 * and yearly from Feb 29 (2100 is not a leap year, 2400 is), every 14 days and weekly;
 * the count and end bounds; the last period before 9999-12-31 and k that would pass it
 * (up to INT64_MAX) refused without overflow. owed_recurrence_due() at the boundaries
 * (the day before a period, the day of it, after end, after count) and, over many
 * schedules and days, equal to counting the periods one by one. Parsing: every accepted
 * spelling, the canonical text and its round trip, and the refusals with their message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"
#include "core/recurrence.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

static struct owed_recurrence sched(owed_date start, enum owed_recur_unit unit, int every)
{
    struct owed_recurrence r = {start, unit, every, 0, 0};
    return r;
}

/* Period k is y-m-d. */
static void expect_date(const struct owed_recurrence *r, int64_t k, int y, int m, int d)
{
    owed_date got = -1;
    if (!owed_recurrence_date(r, k, &got)) {
        print_error("period %lld does not exist\n", (long long)k);
        fail();
    }
    char g[11], w[11];
    owed_date_format(got, g);
    owed_date_format(ymd(y, m, d), w);
    if (strcmp(g, w) != 0) print_error("period %lld: %s, want %s\n", (long long)k, g, w);
    assert_string_equal(g, w);
}

/* Period k does not exist, and *out is left alone. */
static void expect_none(const struct owed_recurrence *r, int64_t k)
{
    owed_date out = 12345;
    if (owed_recurrence_date(r, k, &out)) {
        print_error("period %lld exists\n", (long long)k);
        fail();
    }
    assert_int_equal(out, 12345);
}

/* --- dates ---------------------------------------------------------------------------- */

static void t_month_end_clamping(void **state)
{
    (void)state;
    struct owed_recurrence r = sched(ymd(2024, 1, 31), OWED_RECUR_MONTHS, 1);
    expect_date(&r, 0, 2024, 1, 31);
    expect_date(&r, 1, 2024, 2, 29); /* leap year */
    expect_date(&r, 2, 2024, 3, 31); /* back to the 31st: no drift */
    expect_date(&r, 3, 2024, 4, 30);
    expect_date(&r, 4, 2024, 5, 31);
    expect_date(&r, 11, 2024, 12, 31);
    expect_date(&r, 12, 2025, 1, 31);
    expect_date(&r, 13, 2025, 2, 28); /* not a leap year */
    expect_date(&r, 14, 2025, 3, 31);
    expect_date(&r, 49, 2028, 2, 29);
    expect_date(&r, 913, 2100, 2, 28); /* 2100 is not a leap year */
    expect_date(&r, 4513, 2400, 2, 29);

    r = sched(ymd(2023, 1, 30), OWED_RECUR_MONTHS, 1);
    expect_date(&r, 1, 2023, 2, 28);
    expect_date(&r, 2, 2023, 3, 30);
    r = sched(ymd(2026, 8, 31), OWED_RECUR_MONTHS, 2);
    expect_date(&r, 1, 2026, 10, 31);
    expect_date(&r, 2, 2026, 12, 31);
    expect_date(&r, 3, 2027, 2, 28);
    expect_date(&r, 4, 2027, 4, 30);
    expect_date(&r, 5, 2027, 6, 30);
    expect_date(&r, 6, 2027, 8, 31);
    /* A day that every month has is never moved. */
    r = sched(ymd(2026, 3, 15), OWED_RECUR_MONTHS, 1);
    for (int k = 0; k < 1200; k++) {
        owed_date d;
        int y, m, dd;
        assert_true(owed_recurrence_date(&r, k, &d));
        owed_date_to_ymd(d, &y, &m, &dd);
        assert_int_equal(dd, 15);
        assert_int_equal(y * 12 + m - 1, 2026 * 12 + 2 + k);
    }
}

static void t_from_feb_29(void **state)
{
    (void)state;
    struct owed_recurrence q = sched(ymd(2024, 2, 29), OWED_RECUR_MONTHS, 3);
    expect_date(&q, 1, 2024, 5, 29);
    expect_date(&q, 2, 2024, 8, 29);
    expect_date(&q, 3, 2024, 11, 29);
    expect_date(&q, 4, 2025, 2, 28);
    expect_date(&q, 5, 2025, 5, 29);
    expect_date(&q, 16, 2028, 2, 29);
    struct owed_recurrence y = sched(ymd(2024, 2, 29), OWED_RECUR_MONTHS, 12);
    expect_date(&y, 1, 2025, 2, 28);
    expect_date(&y, 2, 2026, 2, 28);
    expect_date(&y, 3, 2027, 2, 28);
    expect_date(&y, 4, 2028, 2, 29);
    expect_date(&y, 76, 2100, 2, 28);
    expect_date(&y, 376, 2400, 2, 29);
}

static void t_days(void **state)
{
    (void)state;
    struct owed_recurrence r = sched(ymd(2026, 1, 5), OWED_RECUR_DAYS, 14);
    expect_date(&r, 0, 2026, 1, 5);
    expect_date(&r, 1, 2026, 1, 19);
    expect_date(&r, 2, 2026, 2, 2);
    expect_date(&r, 4, 2026, 3, 2); /* across February */
    expect_date(&r, 26, 2027, 1, 4);
    r = sched(ymd(2024, 2, 26), OWED_RECUR_DAYS, 7);
    expect_date(&r, 1, 2024, 3, 4); /* across Feb 29 */
    r = sched(ymd(2026, 12, 31), OWED_RECUR_DAYS, 1);
    expect_date(&r, 1, 2027, 1, 1);
    expect_none(&r, -1);
    expect_none(&r, INT64_MIN);
}

static void t_count_and_end(void **state)
{
    (void)state;
    struct owed_recurrence r = sched(ymd(2026, 1, 31), OWED_RECUR_MONTHS, 1);
    r.count = 3;
    expect_date(&r, 2, 2026, 3, 31);
    expect_none(&r, 3);
    expect_none(&r, 1000);
    r.count = 0;
    r.end = ymd(2026, 4, 29);
    expect_date(&r, 2, 2026, 3, 31);
    expect_none(&r, 3); /* 2026-04-30 is after end */
    r.end = ymd(2026, 4, 30);
    expect_date(&r, 3, 2026, 4, 30); /* on end: included */
    expect_none(&r, 4);
    r.count = 2; /* both bounds: the tighter one wins */
    expect_none(&r, 2);
    /* end before start: no period at all */
    r = sched(ymd(2026, 1, 31), OWED_RECUR_DAYS, 1);
    r.end = ymd(2026, 1, 30);
    expect_none(&r, 0);
    assert_int_equal(owed_recurrence_due(&r, ymd(2030, 1, 1)), 0);
    r.end = r.start; /* end on start: exactly one */
    expect_date(&r, 0, 2026, 1, 31);
    expect_none(&r, 1);
    assert_int_equal(owed_recurrence_due(&r, ymd(2030, 1, 1)), 1);
}

/* The last period on or before 9999-12-31 exists; the next one, and any k up to
 * INT64_MAX, does not, without overflowing on the way. */
static void t_year_9999(void **state)
{
    (void)state;
    const owed_date last = ymd(9999, 12, 31);
    struct owed_recurrence r = sched(ymd(2026, 1, 1), OWED_RECUR_DAYS, 1);
    int64_t k = (int64_t)last - r.start;
    expect_date(&r, k, 9999, 12, 31);
    expect_none(&r, k + 1);
    expect_none(&r, INT64_MAX);
    expect_none(&r, INT64_MAX / 2 + 1);
    assert_int_equal(owed_recurrence_due(&r, last), k + 1);
    assert_int_equal(owed_recurrence_due(&r, INT32_MAX), k + 1);

    r = sched(ymd(2026, 1, 31), OWED_RECUR_MONTHS, 1);
    k = (9999 * 12 + 11) - (2026 * 12);
    expect_date(&r, k, 9999, 12, 31);
    expect_none(&r, k + 1);
    expect_none(&r, INT64_MAX);
    assert_int_equal(owed_recurrence_due(&r, INT32_MAX), k + 1);

    r = sched(ymd(2024, 2, 29), OWED_RECUR_MONTHS, 12);
    expect_date(&r, 9999 - 2024, 9999, 2, 28);
    expect_none(&r, 9999 - 2024 + 1);
    assert_int_equal(owed_recurrence_due(&r, INT32_MAX), 9999 - 2024 + 1);

    /* `every` as large as an int goes. */
    r = sched(ymd(2026, 1, 1), OWED_RECUR_DAYS, INT32_MAX);
    expect_date(&r, 0, 2026, 1, 1);
    expect_none(&r, 1);
    expect_none(&r, INT64_MAX);
    r.unit = OWED_RECUR_MONTHS;
    expect_none(&r, 1);
    assert_int_equal(owed_recurrence_due(&r, INT32_MAX), 1);
    /* A start in year 9999, and in year 1. */
    r = sched(ymd(9999, 12, 31), OWED_RECUR_MONTHS, 1);
    expect_date(&r, 0, 9999, 12, 31);
    expect_none(&r, 1);
    r = sched(ymd(1, 1, 31), OWED_RECUR_MONTHS, 1);
    expect_date(&r, 1, 1, 2, 28);
}

/* --- due ------------------------------------------------------------------------------ */

static void t_due_boundaries(void **state)
{
    (void)state;
    struct owed_recurrence r = sched(ymd(2026, 1, 15), OWED_RECUR_MONTHS, 1);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 1, 14)), 0); /* day before start */
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 1, 15)), 1); /* day of start */
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 2, 14)), 1);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 2, 15)), 2);
    assert_int_equal(owed_recurrence_due(&r, ymd(2027, 1, 15)), 13);
    assert_int_equal(owed_recurrence_due(&r, INT32_MIN), 0);
    r.end = ymd(2026, 6, 30);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 6, 14)), 5);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 6, 15)), 6);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 6, 30)), 6);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 7, 15)), 6); /* after end */
    assert_int_equal(owed_recurrence_due(&r, ymd(2099, 1, 1)), 6);
    r.end = 0;
    r.count = 4;
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 4, 14)), 3);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 4, 15)), 4);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 5, 15)), 4); /* after count */

    /* Clamped month ends: the period is due on the clamped day. */
    r = sched(ymd(2026, 1, 31), OWED_RECUR_MONTHS, 1);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 2, 27)), 1);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 2, 28)), 2);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 3, 30)), 2);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 3, 31)), 3);

    r = sched(ymd(2026, 1, 5), OWED_RECUR_DAYS, 14);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 1, 18)), 1);
    assert_int_equal(owed_recurrence_due(&r, ymd(2026, 1, 19)), 2);
    /* After downtime: today's number says which periods are still to be issued. */
    assert_int_equal(owed_recurrence_due(&r, ymd(2027, 1, 4)), 27);
}

/* Periods 0..n-1 counted one by one. */
static int64_t due_by_counting(const struct owed_recurrence *r, owed_date day)
{
    int64_t n = 0;
    owed_date d;
    while (owed_recurrence_date(r, n, &d) && d <= day) n++;
    return n;
}

static void t_due_matches_dates(void **state)
{
    (void)state;
    static const struct {
        int y, m, d;
        enum owed_recur_unit unit;
        int every;
    } starts[] = {
        {2024, 1, 31, OWED_RECUR_MONTHS, 1}, {2024, 2, 29, OWED_RECUR_MONTHS, 3},
        {2024, 2, 29, OWED_RECUR_MONTHS, 12}, {2025, 8, 30, OWED_RECUR_MONTHS, 2},
        {2026, 3, 1, OWED_RECUR_MONTHS, 5},  {2025, 12, 29, OWED_RECUR_DAYS, 1},
        {2025, 12, 29, OWED_RECUR_DAYS, 7},  {2026, 1, 5, OWED_RECUR_DAYS, 14},
        {2026, 2, 28, OWED_RECUR_DAYS, 30},
    };
    static const int counts[] = {0, 1, 5};
    const owed_date first = ymd(2024, 1, 1), lastday = ymd(2028, 12, 31);
    for (size_t i = 0; i < OWED_ARRAY_LEN(starts); i++) {
        for (size_t c = 0; c < OWED_ARRAY_LEN(counts); c++) {
            for (int with_end = 0; with_end < 2; with_end++) {
                struct owed_recurrence r = sched(ymd(starts[i].y, starts[i].m, starts[i].d),
                                                 starts[i].unit, starts[i].every);
                r.count = counts[c];
                r.end = with_end ? ymd(2027, 2, 28) : 0;
                for (owed_date day = first; day <= lastday; day++) {
                    int64_t want = due_by_counting(&r, day), got = owed_recurrence_due(&r, day);
                    if (got != want) {
                        char s[11];
                        owed_date_format(day, s);
                        print_error("start %zu count %d end %d day %s: due %lld, want %lld\n", i,
                                    r.count, with_end, s, (long long)got, (long long)want);
                    }
                    assert_int_equal(got, want);
                }
            }
        }
    }
}

/* --- parse and text ------------------------------------------------------------------- */

static void expect_parse(const char *text, enum owed_recur_unit unit, int every,
                         const char *canonical)
{
    struct owed_recurrence r = sched(ymd(2026, 1, 1), OWED_RECUR_DAYS, 99);
    r.count = 7;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_recurrence_parse(text, &r, &err);
    if (rc) print_error("parse '%s': %s\n", text, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0); /* untouched on success */
    assert_int_equal(r.unit, unit);
    assert_int_equal(r.every, every);
    assert_int_equal(r.start, ymd(2026, 1, 1)); /* the other fields are left alone */
    assert_int_equal(r.count, 7);
    char out[OWED_RECURRENCE_TEXT_MAX];
    owed_recurrence_text(&r, out, sizeof out);
    assert_string_equal(out, canonical);
    owed_buf_release(&err);
}

static void t_parse(void **state)
{
    (void)state;
    expect_parse("monthly", OWED_RECUR_MONTHS, 1, "monthly");
    expect_parse("MONTHLY", OWED_RECUR_MONTHS, 1, "monthly");
    expect_parse("  Quarterly\t", OWED_RECUR_MONTHS, 3, "quarterly");
    expect_parse("yearly", OWED_RECUR_MONTHS, 12, "yearly");
    expect_parse("weekly", OWED_RECUR_DAYS, 7, "weekly");
    expect_parse("daily", OWED_RECUR_DAYS, 1, "daily");
    expect_parse("every 14 days", OWED_RECUR_DAYS, 14, "every 14 days");
    expect_parse("Every  14\tDAYS", OWED_RECUR_DAYS, 14, "every 14 days");
    expect_parse("every 7 days", OWED_RECUR_DAYS, 7, "weekly");
    expect_parse("every 1 day", OWED_RECUR_DAYS, 1, "daily");
    expect_parse("every 1 days", OWED_RECUR_DAYS, 1, "daily");
    expect_parse("every 1 month", OWED_RECUR_MONTHS, 1, "monthly");
    expect_parse("every 2 months", OWED_RECUR_MONTHS, 2, "every 2 months");
    expect_parse("every 3 months", OWED_RECUR_MONTHS, 3, "quarterly");
    expect_parse("every 12 months", OWED_RECUR_MONTHS, 12, "yearly");
    expect_parse("every 24 months", OWED_RECUR_MONTHS, 24, "every 24 months");
    expect_parse("every 007 days", OWED_RECUR_DAYS, 7, "weekly");
    expect_parse("every 3660 days", OWED_RECUR_DAYS, 3660, "every 3660 days");
    expect_parse("every 120 months", OWED_RECUR_MONTHS, 120, "every 120 months");
}

/* The text of every accepted unit/every parses back to it. */
static void t_text_round_trip(void **state)
{
    (void)state;
    for (int unit = OWED_RECUR_DAYS; unit <= OWED_RECUR_MONTHS; unit++) {
        int max = unit == OWED_RECUR_DAYS ? OWED_RECUR_EVERY_MAX_DAYS : OWED_RECUR_EVERY_MAX_MONTHS;
        for (int every = 1; every <= max; every++) {
            struct owed_recurrence r = sched(0, (enum owed_recur_unit)unit, every), back = r;
            char text[OWED_RECURRENCE_TEXT_MAX];
            owed_recurrence_text(&r, text, sizeof text);
            back.every = 0;
            assert_int_equal(owed_recurrence_parse(text, &back, NULL), OWED_OK);
            assert_int_equal(back.unit, r.unit);
            assert_int_equal(back.every, r.every);
        }
    }
    /* The longest text fits OWED_RECURRENCE_TEXT_MAX; a short buffer truncates. */
    struct owed_recurrence r = sched(0, OWED_RECUR_MONTHS, INT32_MAX);
    char text[OWED_RECURRENCE_TEXT_MAX], small[6];
    owed_recurrence_text(&r, text, sizeof text);
    assert_string_equal(text, "every 2147483647 months");
    owed_recurrence_text(&r, small, sizeof small);
    assert_string_equal(small, "every");
}

static void t_parse_errors(void **state)
{
    (void)state;
    static const char accepted[] = "recurrence: expected daily, weekly, monthly, quarterly, "
                                   "yearly, every N days or every N months";
    static const struct {
        const char *text, *err;
    } cases[] = {
        {"", accepted},
        {"   ", accepted},
        {"fortnightly", accepted},
        {"monthlyx", accepted},
        {"month", accepted},
        {"every", accepted},
        {"every days", accepted},
        {"every 14", accepted},
        {"every14 days", accepted},
        {"every 14days", accepted},
        {"every 2 weeks", accepted},
        {"every 2 years", accepted},
        {"every -1 days", accepted},
        {"every +1 days", accepted},
        {"every 1.5 months", accepted},
        {"every one month", accepted},
        {"every 2 days please", accepted},
        {"monthly monthly", accepted},
        {"every 9999999999 days", accepted},
        {"every 0 days", "recurrence: every N days takes N from 1 to 3660"},
        {"every 3661 days", "recurrence: every N days takes N from 1 to 3660"},
        {"every 000 months", "recurrence: every N months takes N from 1 to 120"},
        {"every 121 months", "recurrence: every N months takes N from 1 to 120"},
        {"every 999999999 months", "recurrence: every N months takes N from 1 to 120"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        struct owed_recurrence r = sched(ymd(2026, 1, 1), OWED_RECUR_DAYS, 5), before = r;
        struct owed_buf err = OWED_BUF_INIT(0);
        int rc = owed_recurrence_parse(cases[i].text, &r, &err);
        if (rc != OWED_E_INVALID) print_error("'%s' accepted\n", cases[i].text);
        assert_int_equal(rc, OWED_E_INVALID);
        assert_string_equal(err.ptr, cases[i].err);
        assert_memory_equal(&r, &before, sizeof r); /* untouched */
        assert_int_equal(owed_recurrence_parse(cases[i].text, &r, NULL), OWED_E_INVALID);
        owed_buf_release(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_month_end_clamping), cmocka_unit_test(t_from_feb_29),
        cmocka_unit_test(t_days),               cmocka_unit_test(t_count_and_end),
        cmocka_unit_test(t_year_9999),          cmocka_unit_test(t_due_boundaries),
        cmocka_unit_test(t_due_matches_dates),  cmocka_unit_test(t_parse),
        cmocka_unit_test(t_text_round_trip),    cmocka_unit_test(t_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
