/* Unit tests for civil dates (src/base/date.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

static void expect_parse(const char *s, int y, int m, int d)
{
    owed_date v = -99;
    int rc = owed_date_parse(s, strlen(s), &v);
    if (rc) print_error("rejected \"%s\"\n", s);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(v, ymd(y, m, d));
}

static void test_parse_strict(void **state)
{
    (void)state;
    expect_parse("1970-01-01", 1970, 1, 1);
    expect_parse("2024-02-29", 2024, 2, 29);
    expect_parse("2000-02-29", 2000, 2, 29);
    expect_parse("0001-01-01", 1, 1, 1);
    expect_parse("9999-12-31", 9999, 12, 31);
    const char *bad[] = {
        "",           "2024-1-01",   "2024-01-1",   "24-01-01",    "2024/01/01",
        "20240101",   "2024-01-01T", " 2024-01-01", "2024-01-01 ", "2024-13-01",
        "2024-00-10", "2024-01-00",  "2024-01-32",  "2024-04-31",  "2023-02-29",
        "1900-02-29", "2100-02-29",  "0000-01-01",  "+024-01-01",  "-024-01-01",
        "2024-0a-01", "2024-01-0 ",  "2024--01-01", "2024-02-30",  "２０２４-01-01",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) {
        owed_date v = -99;
        int rc = owed_date_parse(bad[i], strlen(bad[i]), &v);
        if (rc != OWED_E_PARSE) print_error("accepted \"%s\"\n", bad[i]);
        assert_int_equal(rc, OWED_E_PARSE);
        assert_int_equal(v, -99);
    }
    owed_date v;
    assert_int_equal(owed_date_parse("2024-01-015", 10, &v), OWED_OK); /* length honoured */
    assert_int_equal(v, ymd(2024, 1, 1));
    assert_int_equal(owed_date_parse(NULL, 0, &v), OWED_E_PARSE);
}

static void test_leap(void **state)
{
    (void)state;
    assert_false(owed_year_is_leap(1900));
    assert_true(owed_year_is_leap(2000));
    assert_true(owed_year_is_leap(2024));
    assert_false(owed_year_is_leap(2023));
    assert_false(owed_year_is_leap(2100));
    assert_true(owed_year_is_leap(2400));
    assert_int_equal(owed_month_days(1900, 2), 28);
    assert_int_equal(owed_month_days(2000, 2), 29);
    assert_int_equal(owed_month_days(2024, 2), 29);
    assert_int_equal(owed_month_days(2023, 2), 28);
    assert_int_equal(owed_month_days(2024, 4), 30);
    assert_int_equal(owed_month_days(2024, 12), 31);
    assert_int_equal(owed_month_days(2024, 13), 0);
    assert_int_equal(owed_month_days(2024, 0), 0);
    assert_true(owed_date_valid_ymd(2000, 2, 29));
    assert_false(owed_date_valid_ymd(1900, 2, 29));
    assert_int_equal(ymd(1900, 3, 1) - ymd(1900, 2, 28), 1);
    assert_int_equal(ymd(2000, 3, 1) - ymd(2000, 2, 28), 2);
    assert_int_equal(ymd(2024, 3, 1) - ymd(2024, 2, 28), 2);
    assert_int_equal(ymd(2025, 1, 1) - ymd(2024, 1, 1), 366);
    assert_int_equal(ymd(2101, 1, 1) - ymd(2100, 1, 1), 365);
    assert_int_equal(ymd(2400, 1, 1) - ymd(2000, 1, 1), 146097);
}

static void test_known_days(void **state)
{
    (void)state;
    assert_int_equal(ymd(1970, 1, 1), 0);
    assert_int_equal(ymd(1969, 12, 31), -1);
    assert_int_equal(ymd(2000, 3, 1), 11017);
    assert_int_equal(ymd(2024, 1, 1), 19723);
    assert_int_equal(ymd(1, 1, 1), -719162);
    assert_int_equal(ymd(9999, 12, 31), 2932896);
}

static void test_round_trip(void **state)
{
    (void)state;
    /* Every day from 0001-01-01 to 9999-12-31 converts both ways and is consecutive. */
    int py = 1, pm = 1, pd = 0;
    for (owed_date day = ymd(1, 1, 1); day <= ymd(9999, 12, 31); day++) {
        int y, m, d;
        owed_date_to_ymd(day, &y, &m, &d);
        if (d != pd + 1) {
            assert_int_equal(d, 1);
            assert_int_equal(pd, owed_month_days(py, pm));
            assert_true((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1) ||
                        day == ymd(1, 1, 1));
        }
        assert_true(owed_date_valid_ymd(y, m, d));
        assert_int_equal(owed_date_from_ymd(y, m, d), day);
        if (day % 97 == 0) {
            char s[11];
            owed_date_format(day, s);
            owed_date back;
            assert_int_equal(owed_date_parse(s, 10, &back), OWED_OK);
            assert_int_equal(back, day);
        }
        py = y;
        pm = m;
        pd = d;
    }
    char s[11];
    owed_date_format(0, s);
    assert_string_equal(s, "1970-01-01");
    owed_date_format(ymd(2024, 2, 29), s);
    assert_string_equal(s, "2024-02-29");
    owed_date_format(ymd(1, 1, 1), s);
    assert_string_equal(s, "0001-01-01");
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_adds(&b, "on ");
    owed_date_add_to_buf(&b, ymd(1999, 12, 31));
    assert_string_equal(b.ptr, "on 1999-12-31");
    owed_buf_release(&b);
}

static void test_weekday(void **state)
{
    (void)state;
    assert_int_equal(owed_date_weekday(ymd(1970, 1, 1)), 3); /* Thursday */
    assert_int_equal(owed_date_weekday(ymd(1969, 12, 29)), 0); /* Monday */
    assert_int_equal(owed_date_weekday(ymd(2024, 6, 30)), 6); /* Sunday */
    assert_int_equal(owed_date_weekday(ymd(2000, 1, 1)), 5); /* Saturday */
    assert_int_equal(owed_date_weekday(ymd(1, 1, 1)), 0);    /* Monday (proleptic) */
    assert_int_equal(owed_date_weekday(ymd(2024, 2, 29)), 3);
    for (owed_date d = ymd(1900, 1, 1); d < ymd(1900, 1, 1) + 30; d++)
        assert_int_equal(owed_date_weekday(d + 7), owed_date_weekday(d));
}

static void test_month_end_start(void **state)
{
    (void)state;
    assert_int_equal(owed_date_month_end(ymd(2024, 2, 10)), ymd(2024, 2, 29));
    assert_int_equal(owed_date_month_end(ymd(2023, 2, 10)), ymd(2023, 2, 28));
    assert_int_equal(owed_date_month_end(ymd(1900, 2, 1)), ymd(1900, 2, 28));
    assert_int_equal(owed_date_month_end(ymd(2000, 2, 29)), ymd(2000, 2, 29));
    assert_int_equal(owed_date_month_end(ymd(2024, 12, 5)), ymd(2024, 12, 31));
    assert_int_equal(owed_date_month_end(ymd(2024, 4, 30)), ymd(2024, 4, 30));
    assert_int_equal(owed_date_month_start(ymd(2024, 12, 31)), ymd(2024, 12, 1));
    assert_int_equal(owed_date_month_start(ymd(1969, 12, 31)), ymd(1969, 12, 1));
    assert_int_equal(owed_date_month_start(ymd(2024, 3, 1)), ymd(2024, 3, 1));
}

static void test_add_months(void **state)
{
    (void)state;
    assert_int_equal(owed_date_add_months(ymd(2024, 1, 31), 1), ymd(2024, 2, 29));
    assert_int_equal(owed_date_add_months(ymd(2023, 1, 31), 1), ymd(2023, 2, 28));
    assert_int_equal(owed_date_add_months(ymd(2024, 3, 31), -1), ymd(2024, 2, 29));
    assert_int_equal(owed_date_add_months(ymd(2024, 3, 31), 1), ymd(2024, 4, 30));
    assert_int_equal(owed_date_add_months(ymd(2024, 12, 15), 1), ymd(2025, 1, 15));
    assert_int_equal(owed_date_add_months(ymd(2024, 1, 15), -1), ymd(2023, 12, 15));
    assert_int_equal(owed_date_add_months(ymd(2024, 2, 29), 12), ymd(2025, 2, 28));
    assert_int_equal(owed_date_add_months(ymd(2024, 2, 29), -24), ymd(2022, 2, 28));
    assert_int_equal(owed_date_add_months(ymd(2024, 2, 29), 48), ymd(2028, 2, 29));
    assert_int_equal(owed_date_add_months(ymd(2024, 5, 31), -3), ymd(2024, 2, 29));
    assert_int_equal(owed_date_add_months(ymd(2024, 5, 31), 0), ymd(2024, 5, 31));
    assert_int_equal(owed_date_add_months(ymd(1999, 11, 30), 3), ymd(2000, 2, 29));
    assert_int_equal(owed_date_add_months(ymd(1899, 11, 30), 3), ymd(1900, 2, 28));
    assert_int_equal(owed_date_add_months(ymd(2024, 1, 10), -25), ymd(2021, 12, 10));
}

static void test_from_time(void **state)
{
    (void)state;
    assert_int_equal(owed_date_from_time(0), 0);
    assert_int_equal(owed_date_from_time(86399999), 0);
    assert_int_equal(owed_date_from_time(86400000), 1);
    assert_int_equal(owed_date_from_time(-1), -1);
    assert_int_equal(owed_date_from_time(-86400000), -1);
    assert_int_equal(owed_date_from_time(-86400001), -2);
    assert_int_equal(owed_date_from_time((owed_time_ms)19723 * 86400000 + 5), ymd(2024, 1, 1));
    /* The system clock is after 2020. */
    assert_true(owed_date_from_time(owed_clock_system_now(NULL)) > ymd(2020, 1, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_strict), cmocka_unit_test(test_leap),
        cmocka_unit_test(test_known_days),   cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_weekday),      cmocka_unit_test(test_month_end_start),
        cmocka_unit_test(test_add_months),   cmocka_unit_test(test_from_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
