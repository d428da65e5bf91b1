/* Unit tests for settlement (src/core/settle.c): tolerance parsing and size, discounts on
 * the last day of the window and the day after, and how one payment settles one invoice.
 * Also the posting rules added for cash application (src/core/ledger.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"
#include "core/ledger.h"
#include "core/model.h"
#include "core/settle.h"
#include "core/terms.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

static void test_tolerance_parse(void **state)
{
    (void)state;
    struct owed_tolerance t;
    assert_int_equal(owed_tolerance_parse("", 2, &t), OWED_OK);
    assert_int_equal(t.abs_minor, 0);
    assert_int_equal(t.ppm, 0);
    assert_int_equal(owed_tolerance_parse("1.00", 2, &t), OWED_OK);
    assert_int_equal(t.abs_minor, 100);
    assert_int_equal(owed_tolerance_parse("1", 0, &t), OWED_OK); /* JPY */
    assert_int_equal(t.abs_minor, 1);
    assert_int_equal(owed_tolerance_parse("0.5%", 2, &t), OWED_OK);
    assert_int_equal(t.ppm, 5000);
    assert_int_equal(t.abs_minor, 0);
    assert_int_equal(owed_tolerance_parse("0.0125%", 2, &t), OWED_OK);
    assert_int_equal(t.ppm, 125);
    assert_int_equal(owed_tolerance_parse("5.00,0.1%", 2, &t), OWED_OK);
    assert_int_equal(t.abs_minor, 500);
    assert_int_equal(t.ppm, 1000);
    assert_int_equal(owed_tolerance_parse("0.1%,5.00", 2, &t), OWED_OK);
    assert_int_equal(t.abs_minor, 500);
    assert_int_equal(t.ppm, 1000);
    assert_int_equal(owed_tolerance_parse("5.00", 0, &t), OWED_OK); /* 5 yen */
    assert_int_equal(t.abs_minor, 5);
    assert_int_equal(owed_tolerance_parse("5.00", 3, &t), OWED_OK); /* 5 dinars */
    assert_int_equal(t.abs_minor, 5000);
    const char *bad[] = {"-1", "1.001", "abc", "100%", "%", "1.5.0%", "0.00001%", " 1",
                         "1,2", "1%,2%", ",", "1,", "5.5", /* at exponent 0 below */};
    assert_int_equal(owed_tolerance_parse("5.5", 0, &t), OWED_E_PARSE);
    for (size_t i = 0; i + 1 < OWED_ARRAY_LEN(bad); i++)
        assert_int_equal(owed_tolerance_parse(bad[i], 2, &t), OWED_E_PARSE);
}

static void test_tolerance_size(void **state)
{
    (void)state;
    struct owed_tolerance t = {100, 5000}; /* 1.00 or 0.5% */
    assert_int_equal(owed_tolerance_for(&t, 10000), 100);   /* 0.5% of 100.00 = 0.50 < 1.00 */
    assert_int_equal(owed_tolerance_for(&t, 100000), 500);  /* 0.5% of 1000.00 = 5.00 */
    assert_int_equal(owed_tolerance_for(&t, 30100), 150);   /* 150.5 rounds half-even to 150 */
    struct owed_tolerance none = {0, 0};
    assert_int_equal(owed_tolerance_for(&none, 100000), 0);
}

static struct owed_terms terms(const char *s)
{
    struct owed_terms t;
    assert_int_equal(owed_terms_parse(s, strlen(s), &t, NULL), OWED_OK);
    return t;
}

static void test_discount_window(void **state)
{
    (void)state;
    struct owed_terms t = terms("2/10 NET30");
    owed_date issue = ymd(2026, 5, 20);
    assert_int_equal(owed_discount_for(&t, issue, 100000, ymd(2026, 5, 30)), 2000); /* last day */
    assert_int_equal(owed_discount_for(&t, issue, 100000, ymd(2026, 5, 31)), 0);    /* day after */
    assert_int_equal(owed_discount_for(&t, issue, 100000, ymd(2026, 5, 19)), 0);    /* before issue */
    assert_int_equal(owed_discount_for(&t, issue, 12345, issue), 247);  /* 246.9 -> 247 */
    struct owed_terms t15 = terms("1.5/10 NET45");
    assert_int_equal(owed_discount_for(&t15, issue, 1000, issue), 15);
    struct owed_terms net = terms("NET30");
    assert_int_equal(owed_discount_for(&net, issue, 100000, issue), 0);
}

static void test_settle(void **state)
{
    (void)state;
    struct owed_terms t = terms("2/10 NET30");
    owed_date issue = ymd(2026, 5, 20);
    struct owed_tolerance tol = {100, 0};
    struct owed_settlement s;
    /* Full and over payment: apply what is open. */
    owed_settle(100000, 100000, &t, issue, ymd(2026, 6, 10), 120000, &tol, &s);
    assert_int_equal(s.apply_minor, 100000);
    assert_int_equal(s.discount_minor + s.writeoff_minor, 0);
    /* The discounted amount inside the window: discount the rest. */
    owed_settle(100000, 100000, &t, issue, ymd(2026, 5, 29), 98000, &tol, &s);
    assert_int_equal(s.apply_minor, 98000);
    assert_int_equal(s.discount_minor, 2000);
    /* The same amount after the window: a partial payment (2.00 is beyond the tolerance). */
    owed_settle(100000, 100000, &t, issue, ymd(2026, 5, 31), 98000, &tol, &s);
    assert_int_equal(s.apply_minor, 98000);
    assert_int_equal(s.discount_minor, 0);
    assert_int_equal(s.writeoff_minor, 0);
    /* Short by the tolerance exactly: written off; by one cent more: partial. */
    owed_settle(100000, 100000, NULL, issue, ymd(2026, 6, 30), 99900, &tol, &s);
    assert_int_equal(s.writeoff_minor, 100);
    owed_settle(100000, 100000, NULL, issue, ymd(2026, 6, 30), 99899, &tol, &s);
    assert_int_equal(s.writeoff_minor, 0);
    assert_int_equal(s.apply_minor, 99899);
    /* No discount once something was paid: open 50000 of 100000. */
    owed_settle(50000, 100000, &t, issue, ymd(2026, 5, 25), 48000, NULL, &s);
    assert_int_equal(s.discount_minor, 0);
    assert_int_equal(s.apply_minor, 48000);
}

static int64_t line(const struct owed_entry *e, enum owed_account a)
{
    for (size_t i = 0; i < e->nlines; i++)
        if (e->lines[i].account == a) return e->lines[i].amount_minor;
    return 0;
}

static void test_ledger_rules(void **state)
{
    (void)state;
    struct owed_entry e;
    assert_int_equal(owed_ledger_credit(OWED_PAYMENT_CREDIT_NOTE, 1, 2, "EUR", 0, 500, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_REVENUE), 500);
    assert_int_equal(line(&e, OWED_ACC_UNAPPLIED), -500);
    assert_true(owed_entry_balanced(&e));
    assert_int_equal(owed_ledger_credit(OWED_PAYMENT_WRITE_OFF, 1, 2, "EUR", 0, 500, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_BAD_DEBT), 500);
    assert_int_equal(owed_ledger_credit(OWED_PAYMENT_DISCOUNT, 1, 2, "EUR", 0, 500, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_DISCOUNTS), 500);
    assert_int_equal(owed_ledger_credit(OWED_PAYMENT_SMALL_DIFF, 1, 2, "EUR", 0, 5, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_SMALL_DIFF), 5);
    assert_int_equal(owed_ledger_credit(OWED_PAYMENT_CASH, 1, 2, "EUR", 0, 5, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_unapply(1, 2, "EUR", 0, 700, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_AR), 700);
    assert_int_equal(line(&e, OWED_ACC_UNAPPLIED), -700);
    assert_int_equal(owed_ledger_outflow(OWED_OUTFLOW_REFUND, OWED_PAYMENT_CASH, 1, 2, "EUR", 0,
                                         300, &e), OWED_OK);
    assert_int_equal(e.kind, OWED_ENTRY_REFUND);
    assert_int_equal(line(&e, OWED_ACC_CASH), -300);
    assert_int_equal(owed_ledger_outflow(OWED_OUTFLOW_REVERSAL, OWED_PAYMENT_DISCOUNT, 1, 2, "EUR",
                                         0, 300, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_DISCOUNTS), -300); /* back to its own account */
    assert_int_equal(line(&e, OWED_ACC_UNAPPLIED), 300);
    assert_int_equal(owed_ledger_fee(1, 2, "EUR", 0, 2500, &e), OWED_OK);
    assert_int_equal(line(&e, OWED_ACC_AR), 2500);
    assert_int_equal(line(&e, OWED_ACC_FEE_INCOME), -2500);
    assert_int_equal(owed_ledger_outflow(9, OWED_PAYMENT_CASH, 1, 2, "EUR", 0, 300, &e),
                     OWED_E_INVALID);
    assert_int_equal(owed_ledger_fee(1, 2, "EUR", 0, 0, &e), OWED_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tolerance_parse), cmocka_unit_test(test_tolerance_size),
        cmocka_unit_test(test_discount_window), cmocka_unit_test(test_settle),
        cmocka_unit_test(test_ledger_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
