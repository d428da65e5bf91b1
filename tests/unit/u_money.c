/* Unit tests for money (src/base/money.c): strict decimal parsing into minor units,
 * formatting, overflow-checked arithmetic and half-even rounding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"

static int parse(const char *s, int exponent, int64_t *out)
{
    return owed_amount_parse(s, strlen(s), exponent, out);
}

static void expect_amount(const char *s, int exponent, int64_t want)
{
    int64_t v = 12345;
    int rc = parse(s, exponent, &v);
    if (rc != OWED_OK) print_error("\"%s\" at exponent %d: %s\n", s, exponent, owed_rc_name(rc));
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(v, want);
}

static void expect_reject(const char *s, int exponent, int rc_want)
{
    int64_t v = 12345;
    int rc = parse(s, exponent, &v);
    if (rc != rc_want) print_error("\"%s\" at exponent %d: %s\n", s, exponent, owed_rc_name(rc));
    assert_int_equal(rc, rc_want);
    assert_int_equal(v, 12345); /* untouched */
}

static void test_parse(void **state)
{
    (void)state;
    expect_amount("1234.56", 2, 123456);
    expect_amount("12", 2, 1200);
    expect_amount("0", 2, 0);
    expect_amount("-0", 2, 0);
    expect_amount("-0.5", 2, -50);
    expect_amount("+1.5", 2, 150);
    expect_amount("0.01", 2, 1);
    expect_amount("007.10", 2, 710);
    expect_amount("1.2", 3, 1200);
    expect_amount("5", 0, 5);
    const char *bad[] = {"",    "-",     "+",    ".",  "1.",  ".5",  "-.5", "1e3", "1E3", " 1",
                         "1 ",  "1,000", "1.2.3", "--1", "+-1", "1-",  "0x10", "1_000", "١",
                         "1.0 ", "\t1", "NaN", "inf"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) expect_reject(bad[i], 2, OWED_E_PARSE);
    /* Too many fraction digits is rejected, never rounded. */
    expect_reject("1.234", 2, OWED_E_PARSE);
    expect_reject("1.000", 2, OWED_E_PARSE);
    expect_reject("1.0", 0, OWED_E_PARSE);
    expect_reject("1.", 0, OWED_E_PARSE);
    /* Length is honoured. */
    int64_t v;
    assert_int_equal(owed_amount_parse("12.345", 4, 2, &v), OWED_OK);
    assert_int_equal(v, 1230);
    assert_int_equal(owed_amount_parse(NULL, 0, 2, &v), OWED_E_PARSE);
}

static void test_parse_bounds(void **state)
{
    (void)state;
    expect_amount("9223372036854775807", 0, INT64_MAX);
    expect_amount("-9223372036854775808", 0, INT64_MIN);
    expect_amount("00009223372036854775807", 0, INT64_MAX);
    expect_reject("9223372036854775808", 0, OWED_E_OVERFLOW);
    expect_reject("-9223372036854775809", 0, OWED_E_OVERFLOW);
    expect_reject("99999999999999999999999", 0, OWED_E_OVERFLOW);
    expect_amount("92233720368547758.07", 2, INT64_MAX);
    expect_amount("-92233720368547758.08", 2, INT64_MIN);
    expect_reject("92233720368547758.08", 2, OWED_E_OVERFLOW);
    expect_reject("-92233720368547758.09", 2, OWED_E_OVERFLOW);
    /* Overflow while scaling the missing fraction digits. */
    expect_reject("92233720368547759", 2, OWED_E_OVERFLOW);
    expect_amount("92233720368547758", 2, 9223372036854775800);
    expect_amount("922337203685477.5807", 4, INT64_MAX);
    expect_reject("922337203685478", 4, OWED_E_OVERFLOW);
}

static void test_parse_currencies(void **state)
{
    (void)state;
    int jpy = owed_currency_exponent("JPY"), kwd = owed_currency_exponent("KWD");
    int clf = owed_currency_exponent("CLF"), usd = owed_currency_exponent("USD");
    assert_int_equal(jpy, 0);
    assert_int_equal(kwd, 3);
    assert_int_equal(clf, 4);
    assert_int_equal(usd, 2);
    expect_amount("1234", jpy, 1234);
    expect_reject("1234.5", jpy, OWED_E_PARSE);
    expect_reject("1234.", jpy, OWED_E_PARSE);
    expect_amount("12.345", kwd, 12345);
    expect_amount("12.3", kwd, 12300);
    expect_reject("12.3456", kwd, OWED_E_PARSE);
    expect_amount("1.2345", clf, 12345);
    expect_amount("1", clf, 10000);
    expect_reject("1.23456", clf, OWED_E_PARSE);
    assert_int_equal(owed_currency_exponent("XXX"), -1);
    assert_int_equal(owed_currency_exponent("usd"), -1);
    assert_int_equal(owed_currency_exponent("US"), -1);
    assert_int_equal(owed_currency_exponent("USDX"), -1);
    assert_int_equal(owed_currency_exponent(NULL), -1);
    assert_true(owed_currency_valid("EUR"));
    assert_false(owed_currency_valid("EURO"));
}

static void expect_format(int64_t minor, int exponent, bool group, const char *want)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, exponent, group);
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    assert_string_equal(b.ptr, want);
    /* Ungrouped output parses back. */
    if (!group) {
        int64_t back;
        assert_int_equal(owed_amount_parse(b.ptr, b.len, exponent, &back), OWED_OK);
        assert_int_equal(back, minor);
    }
    owed_buf_release(&b);
}

static void test_format(void **state)
{
    (void)state;
    expect_format(123456, 2, false, "1234.56");
    expect_format(123456, 2, true, "1,234.56");
    expect_format(-123456, 2, true, "-1,234.56");
    expect_format(-123456, 2, false, "-1234.56");
    expect_format(0, 2, false, "0.00");
    expect_format(0, 0, true, "0");
    expect_format(5, 2, false, "0.05");
    expect_format(-5, 2, true, "-0.05");
    expect_format(-50, 2, false, "-0.50");
    expect_format(100, 0, true, "100");
    expect_format(999, 0, true, "999");
    expect_format(1000, 0, true, "1,000");
    expect_format(-1000, 0, true, "-1,000");
    expect_format(123456, 0, true, "123,456");
    expect_format(1234567, 0, true, "1,234,567");
    expect_format(12345, 3, false, "12.345");
    expect_format(1234567, 3, true, "1,234.567");
    expect_format(12345, 4, true, "1.2345");
    expect_format(1, 4, false, "0.0001");
    expect_format(100000, 2, true, "1,000.00");
    expect_format(99999, 2, true, "999.99");
    expect_format(INT64_MAX, 0, true, "9,223,372,036,854,775,807");
    expect_format(INT64_MIN, 0, true, "-9,223,372,036,854,775,808");
    expect_format(INT64_MIN, 2, true, "-92,233,720,368,547,758.08");
    expect_format(INT64_MIN, 2, false, "-92233720368547758.08");
    expect_format(INT64_MAX, 4, false, "922337203685477.5807");
    /* Appends. */
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_adds(&b, "x=");
    owed_amount_format(&b, 7, 2, true);
    assert_string_equal(b.ptr, "x=0.07");
    owed_buf_release(&b);
}

static void test_arithmetic(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(owed_i64_add(INT64_MAX - 1, 1, &v), OWED_OK);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(owed_i64_add(INT64_MAX, 1, &v), OWED_E_OVERFLOW);
    assert_int_equal(owed_i64_add(INT64_MIN, -1, &v), OWED_E_OVERFLOW);
    assert_int_equal(owed_i64_sub(INT64_MIN, 1, &v), OWED_E_OVERFLOW);
    assert_int_equal(owed_i64_sub(0, INT64_MIN, &v), OWED_E_OVERFLOW);
    assert_int_equal(owed_i64_sub(-1, INT64_MAX, &v), OWED_OK);
    assert_int_equal(v, INT64_MIN);
    assert_int_equal(owed_i64_mul(INT64_MAX / 2, 2, &v), OWED_OK);
    assert_int_equal(owed_i64_mul(INT64_MAX / 2 + 1, 2, &v), OWED_E_OVERFLOW);
    assert_int_equal(owed_i64_mul(INT64_MIN, -1, &v), OWED_E_OVERFLOW);

    struct owed_money a = {150, "EUR"}, b = {50, "EUR"}, c = {1, "USD"}, r = {0, ""};
    assert_int_equal(owed_money_add(a, b, &r), OWED_OK);
    assert_int_equal(r.minor, 200);
    assert_string_equal(r.currency, "EUR");
    assert_int_equal(owed_money_sub(b, a, &r), OWED_OK);
    assert_int_equal(r.minor, -100);
    r.minor = 9;
    assert_int_equal(owed_money_add(a, c, &r), OWED_E_CURRENCY);
    assert_int_equal(owed_money_sub(a, c, &r), OWED_E_CURRENCY);
    assert_int_equal(r.minor, 9);
    struct owed_money big = {INT64_MAX, "EUR"};
    assert_int_equal(owed_money_add(big, b, &r), OWED_E_OVERFLOW);
    assert_int_equal(r.minor, 9);
}

static int64_t hev(int64_t num, int64_t den)
{
    int64_t v = 0;
    assert_int_equal(owed_div_round_half_even(num, den, &v), OWED_OK);
    return v;
}

static void test_half_even(void **state)
{
    (void)state;
    /* Ties go to the even neighbour, both ways and for negatives. */
    assert_int_equal(hev(5, 2), 2);   /* 2.5 */
    assert_int_equal(hev(7, 2), 4);   /* 3.5 */
    assert_int_equal(hev(1, 2), 0);   /* 0.5 */
    assert_int_equal(hev(3, 2), 2);   /* 1.5 */
    assert_int_equal(hev(-5, 2), -2); /* -2.5 */
    assert_int_equal(hev(-7, 2), -4); /* -3.5 */
    assert_int_equal(hev(-1, 2), 0);
    assert_int_equal(hev(5, -2), -2);
    assert_int_equal(hev(-5, -2), 2);
    assert_int_equal(hev(25, 10), 2);
    assert_int_equal(hev(35, 10), 4);
    assert_int_equal(hev(-25, 10), -2);
    assert_int_equal(hev(-35, 10), -4);
    /* Not ties. */
    assert_int_equal(hev(1, 3), 0);
    assert_int_equal(hev(2, 3), 1);
    assert_int_equal(hev(-2, 3), -1);
    assert_int_equal(hev(251, 100), 3);
    assert_int_equal(hev(249, 100), 2);
    assert_int_equal(hev(-251, 100), -3);
    assert_int_equal(hev(0, 7), 0);
    assert_int_equal(hev(INT64_MAX, 1), INT64_MAX);
    assert_int_equal(hev(INT64_MIN, 1), INT64_MIN);
    int64_t v = 42;
    assert_int_equal(owed_div_round_half_even(1, 0, &v), OWED_E_INVALID);
    assert_int_equal(owed_div_round_half_even(INT64_MIN, -1, &v), OWED_E_OVERFLOW);
    assert_int_equal(v, 42);
}

static void test_muldiv(void **state)
{
    (void)state;
    int64_t v;
    /* The product would overflow 64 bits; the quotient does not. */
    assert_int_equal(owed_muldiv_half_even(INT64_MAX, 2, 2, &v), OWED_OK);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(owed_muldiv_half_even(INT64_MAX, INT64_MAX, INT64_MAX, &v), OWED_OK);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(owed_muldiv_half_even(INT64_MIN, INT64_MIN, INT64_MIN, &v), OWED_OK);
    assert_int_equal(v, INT64_MIN);
    assert_int_equal(owed_muldiv_half_even(INT64_MAX, 3, 2, &v), OWED_E_OVERFLOW);
    /* 2% of 1234.55 = 24.691 -> 24.69; 2% of 1234.75 = 24.695 -> 24.70 (tie, to even 70). */
    assert_int_equal(owed_muldiv_half_even(123455, 200, 10000, &v), OWED_OK);
    assert_int_equal(v, 2469);
    assert_int_equal(owed_muldiv_half_even(123475, 200, 10000, &v), OWED_OK);
    assert_int_equal(v, 2470);
    assert_int_equal(owed_muldiv_half_even(123425, 200, 10000, &v), OWED_OK);
    assert_int_equal(v, 2468); /* 24.685 -> 24.68 */
    assert_int_equal(owed_muldiv_half_even(-123425, 200, 10000, &v), OWED_OK);
    assert_int_equal(v, -2468);
    /* The KPI worked example: 212,000 / 100,000 ... as tenths. */
    assert_int_equal(owed_muldiv_half_even(32000, 300, 70000, &v), OWED_OK);
    assert_int_equal(v, 137);
    assert_int_equal(owed_muldiv_half_even(1, 1, 0, &v), OWED_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),      cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_parse_currencies), cmocka_unit_test(test_format),
        cmocka_unit_test(test_arithmetic), cmocka_unit_test(test_half_even),
        cmocka_unit_test(test_muldiv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
