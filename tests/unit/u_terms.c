/* Unit tests for payment terms (src/core/terms.c): every form, canonical spelling, due
 * dates including EOM across a year end and a leap February, discount windows, and the
 * inputs that must be rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"
#include "core/terms.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

static struct owed_terms parse_ok(const char *s)
{
    struct owed_terms t;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_terms_parse(s, strlen(s), &t, &err);
    if (rc != OWED_OK) print_error("parse \"%s\": %s\n", s, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0); /* untouched on success */
    owed_buf_release(&err);
    return t;
}

/* Parses s and checks its canonical spelling. */
static void expect_canonical(const char *s, const char *canon)
{
    struct owed_terms t = parse_ok(s);
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_terms_format(&t, &b);
    assert_string_equal(b.ptr, canon);
    /* The canonical form parses back to the same terms. */
    struct owed_terms t2 = parse_ok(b.ptr);
    assert_int_equal(t2.kind, t.kind);
    assert_int_equal(t2.days, t.days);
    assert_int_equal(t2.discount_days, t.discount_days);
    assert_int_equal(t2.discount_bp, t.discount_bp);
    owed_buf_release(&b);
}

static void test_forms(void **state)
{
    (void)state;
    struct owed_terms t = parse_ok("NET30");
    assert_int_equal(t.kind, OWED_TERMS_NET);
    assert_int_equal(t.days, 30);
    assert_int_equal(t.discount_days, 0);
    assert_int_equal(t.discount_bp, 0);

    t = parse_ok("DUE");
    assert_int_equal(t.kind, OWED_TERMS_DUE);
    assert_int_equal(t.days, 0);

    t = parse_ok("2/10 NET30");
    assert_int_equal(t.kind, OWED_TERMS_DISCOUNT);
    assert_int_equal(t.days, 30);
    assert_int_equal(t.discount_days, 10);
    assert_int_equal(t.discount_bp, 200);

    t = parse_ok("1.5/10 net 45");
    assert_int_equal(t.kind, OWED_TERMS_DISCOUNT);
    assert_int_equal(t.days, 45);
    assert_int_equal(t.discount_days, 10);
    assert_int_equal(t.discount_bp, 150);

    t = parse_ok("0.25/5 NET5");
    assert_int_equal(t.discount_bp, 25);
    t = parse_ok("99.99/0 NET0");
    assert_int_equal(t.discount_bp, 9999);
    assert_int_equal(t.discount_days, 0);

    t = parse_ok("EOM15");
    assert_int_equal(t.kind, OWED_TERMS_EOM);
    assert_int_equal(t.days, 15);
    t = parse_ok("eom 0");
    assert_int_equal(t.kind, OWED_TERMS_EOM);
    assert_int_equal(t.days, 0);

    t = parse_ok("NET0");
    assert_int_equal(t.kind, OWED_TERMS_NET);
    assert_int_equal(t.days, 0);
    t = parse_ok("NET3660");
    assert_int_equal(t.days, OWED_TERMS_MAX_DAYS);
}

static void test_canonical(void **state)
{
    (void)state;
    expect_canonical("net30", "NET30");
    expect_canonical("Net 30", "NET30");
    expect_canonical("NET 7", "NET7");
    expect_canonical("due", "DUE");
    expect_canonical("Due", "DUE");
    expect_canonical("2/10 net30", "2/10 NET30");
    expect_canonical("2.0/10 NET 30", "2/10 NET30");
    expect_canonical("2.00/10 NET30", "2/10 NET30");
    expect_canonical("1.5/10 net 45", "1.5/10 NET45");
    expect_canonical("1.50/10 NET45", "1.5/10 NET45");
    expect_canonical("1.05/10 NET45", "1.05/10 NET45");
    expect_canonical("0.5/1 NET2", "0.5/1 NET2");
    expect_canonical("eom15", "EOM15");
    expect_canonical("EOM 60", "EOM60");
    expect_canonical("NET030", "NET30");
}

static void expect_bad(const char *s)
{
    struct owed_terms t = {OWED_TERMS_NET, 99, 0, 0};
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_terms_parse(s, strlen(s), &t, &err);
    if (rc != OWED_E_PARSE) print_error("accepted \"%s\"\n", s);
    assert_int_equal(rc, OWED_E_PARSE);
    assert_true(err.len > 0);
    assert_true(strncmp(err.ptr, "expected", 8) == 0 || strncmp(err.ptr, "discount", 8) == 0 ||
                strcmp(err.ptr, "empty") == 0);
    assert_int_equal(t.days, 99); /* untouched */
    owed_buf_release(&err);
}

static void test_bad(void **state)
{
    (void)state;
    const char *bad[] = {
        "", " ", "NET", "NET ", "NET  30", " NET30", "NET30 ", "NET-30", "NET+30", "NET3661",
        "NET99999", "NET30X", "NET 3 0", "NETT30", "NE30", "30", "DUE0", "DUE ", "DUEX",
        "EOM", "EOM-1", "EOM 3661", "EOM15 ", "0/10 NET30", "100/10 NET30", "150/10 NET30",
        "2/10NET30", "2/10  NET30", "2 /10 NET30", "2/ 10 NET30", "2/10 NET", "2/40 NET30",
        "1.555/10 NET30", "1./10 NET30", ".5/10 NET30", "2/10", "2/10 EOM30", "2/10 DUE",
        "2//10 NET30", "a/10 NET30", "2/10 NET30 extra", "NET\t30", "net30\n",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) expect_bad(bad[i]);
    /* NULL err is allowed. */
    struct owed_terms t;
    assert_int_equal(owed_terms_parse("NETX", 4, &t, NULL), OWED_E_PARSE);
    /* Length is honoured: "NET30" followed by junk outside the slice. */
    assert_int_equal(owed_terms_parse("NET30junk", 5, &t, NULL), OWED_OK);
    assert_int_equal(t.days, 30);
    assert_int_equal(owed_terms_parse("NET30", 4, &t, NULL), OWED_OK);
    assert_int_equal(t.days, 3);
}

static owed_date due_of(const char *s, owed_date issue)
{
    struct owed_terms t = parse_ok(s);
    return owed_terms_due_date(&t, issue);
}

static void test_due_dates(void **state)
{
    (void)state;
    assert_int_equal(due_of("NET30", ymd(2024, 1, 15)), ymd(2024, 2, 14));
    assert_int_equal(due_of("NET0", ymd(2024, 1, 15)), ymd(2024, 1, 15));
    assert_int_equal(due_of("DUE", ymd(2024, 1, 15)), ymd(2024, 1, 15));
    assert_int_equal(due_of("2/10 NET30", ymd(2024, 12, 15)), ymd(2025, 1, 14));
    assert_int_equal(due_of("NET60", ymd(2023, 12, 31)), ymd(2024, 2, 29));
    /* EOM: n days after the last day of the issue month. */
    assert_int_equal(due_of("EOM15", ymd(2024, 1, 1)), ymd(2024, 2, 15));
    assert_int_equal(due_of("EOM15", ymd(2024, 1, 31)), ymd(2024, 2, 15));
    assert_int_equal(due_of("EOM0", ymd(2024, 1, 10)), ymd(2024, 1, 31));
    /* Across the year end. */
    assert_int_equal(due_of("EOM15", ymd(2024, 12, 3)), ymd(2025, 1, 15));
    assert_int_equal(due_of("EOM30", ymd(2023, 12, 31)), ymd(2024, 1, 30));
    assert_int_equal(due_of("EOM0", ymd(2024, 12, 31)), ymd(2024, 12, 31));
    /* Leap and common Februaries. */
    assert_int_equal(due_of("EOM0", ymd(2024, 2, 10)), ymd(2024, 2, 29));
    assert_int_equal(due_of("EOM1", ymd(2024, 2, 10)), ymd(2024, 3, 1));
    assert_int_equal(due_of("EOM0", ymd(2023, 2, 10)), ymd(2023, 2, 28));
    assert_int_equal(due_of("EOM1", ymd(2023, 2, 28)), ymd(2023, 3, 1));
    assert_int_equal(due_of("EOM0", ymd(2000, 2, 1)), ymd(2000, 2, 29));
    assert_int_equal(due_of("EOM0", ymd(1900, 2, 1)), ymd(1900, 2, 28));
    assert_int_equal(due_of("EOM30", ymd(2024, 1, 20)), ymd(2024, 3, 1));
    assert_int_equal(due_of("EOM30", ymd(2023, 1, 20)), ymd(2023, 3, 2));
}

static void test_discount_window(void **state)
{
    (void)state;
    struct owed_terms t = parse_ok("2/10 NET30");
    owed_date last = 0;
    int bp = 0;
    assert_true(owed_terms_discount_window(&t, ymd(2024, 12, 25), &last, &bp));
    assert_int_equal(last, ymd(2025, 1, 4)); /* issue + 10, inclusive */
    assert_int_equal(bp, 200);
    t = parse_ok("1.25/0 NET15");
    assert_true(owed_terms_discount_window(&t, ymd(2024, 3, 1), &last, &bp));
    assert_int_equal(last, ymd(2024, 3, 1));
    assert_int_equal(bp, 125);
    const char *none[] = {"NET30", "DUE", "EOM15"};
    for (size_t i = 0; i < 3; i++) {
        t = parse_ok(none[i]);
        last = 7;
        bp = 7;
        assert_false(owed_terms_discount_window(&t, ymd(2024, 3, 1), &last, &bp));
        assert_int_equal(last, 7);
        assert_int_equal(bp, 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),         cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_bad),           cmocka_unit_test(test_due_dates),
        cmocka_unit_test(test_discount_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
