/* Unit tests for the posting rules (src/core/ledger.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base.h"
#include "core/ledger.h"

static void expect_entry(const struct owed_entry *e, enum owed_entry_kind kind, int64_t source,
                         enum owed_account debit, enum owed_account credit, int64_t amount)
{
    assert_int_equal(e->kind, kind);
    assert_int_equal(e->source_id, source);
    assert_int_equal(e->customer_id, 77);
    assert_string_equal(e->currency, "EUR");
    assert_int_equal(e->date, 19000);
    assert_int_equal(e->nlines, 2);
    assert_int_equal(e->lines[0].account, debit);
    assert_int_equal(e->lines[0].amount_minor, amount);
    assert_int_equal(e->lines[1].account, credit);
    assert_int_equal(e->lines[1].amount_minor, -amount);
    assert_true(owed_entry_balanced(e));
}

static void test_posting_rules(void **state)
{
    (void)state;
    struct owed_entry e;
    assert_int_equal(owed_ledger_invoice(5, 77, "EUR", 19000, 12345, &e), OWED_OK);
    expect_entry(&e, OWED_ENTRY_INVOICE, 5, OWED_ACC_AR, OWED_ACC_REVENUE, 12345);
    assert_int_equal(owed_ledger_payment(6, 77, "EUR", 19000, 500, &e), OWED_OK);
    expect_entry(&e, OWED_ENTRY_PAYMENT, 6, OWED_ACC_CASH, OWED_ACC_UNAPPLIED, 500);
    assert_int_equal(owed_ledger_allocation(7, 77, "EUR", 19000, INT64_MAX, &e), OWED_OK);
    expect_entry(&e, OWED_ENTRY_ALLOCATION, 7, OWED_ACC_UNAPPLIED, OWED_ACC_AR, INT64_MAX);
}

static void test_invalid(void **state)
{
    (void)state;
    struct owed_entry e;
    memset(&e, 0xAB, sizeof e);
    assert_int_equal(owed_ledger_invoice(1, 1, "EUR", 0, 0, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_invoice(1, 1, "EUR", 0, -5, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_payment(1, 1, "EUR", 0, INT64_MIN, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_allocation(1, 1, "EUR", 0, -1, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_invoice(1, 1, "EU", 0, 5, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_invoice(1, 1, "EURO", 0, 5, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_invoice(1, 1, "eur", 0, 5, &e), OWED_E_INVALID);
    assert_int_equal(owed_ledger_invoice(1, 1, NULL, 0, 5, &e), OWED_E_INVALID);
    assert_int_equal(e.nlines, (size_t)0xABABABABABABABABu); /* untouched on failure */
}

static void test_balanced(void **state)
{
    (void)state;
    struct owed_entry e;
    memset(&e, 0, sizeof e);
    assert_false(owed_entry_balanced(&e)); /* no lines */
    e.nlines = 3;
    e.lines[0] = (struct owed_entry_line){OWED_ACC_AR, 100};
    e.lines[1] = (struct owed_entry_line){OWED_ACC_REVENUE, -80};
    e.lines[2] = (struct owed_entry_line){OWED_ACC_CASH, -20};
    assert_true(owed_entry_balanced(&e));
    e.lines[2].amount_minor = -21;
    assert_false(owed_entry_balanced(&e));
    e.lines[2].amount_minor = 0;
    e.lines[1].amount_minor = -100;
    assert_false(owed_entry_balanced(&e)); /* zero line */
    /* Overflow on the way is not balanced, even if it would wrap back to zero. */
    e.nlines = 4;
    e.lines[0].amount_minor = INT64_MAX;
    e.lines[1].amount_minor = 2;
    e.lines[2].amount_minor = INT64_MAX;
    e.lines[3].amount_minor = 1;
    assert_false(owed_entry_balanced(&e));
    e.nlines = 2;
    e.lines[0].amount_minor = INT64_MIN;
    e.lines[1].amount_minor = INT64_MAX;
    assert_false(owed_entry_balanced(&e));
    e.lines[1].amount_minor = -INT64_MAX;
    e.lines[0].amount_minor = INT64_MAX;
    assert_true(owed_entry_balanced(&e));
    e.nlines = OWED_ENTRY_MAX_LINES + 1;
    assert_false(owed_entry_balanced(&e));
    assert_false(owed_entry_balanced(NULL));
}

static void test_account_names(void **state)
{
    (void)state;
    assert_string_equal(owed_account_name(OWED_ACC_AR), "ar");
    assert_string_equal(owed_account_name(OWED_ACC_REVENUE), "revenue");
    assert_string_equal(owed_account_name(OWED_ACC_CASH), "cash");
    assert_string_equal(owed_account_name(OWED_ACC_UNAPPLIED), "unapplied");
    assert_string_equal(owed_account_name((enum owed_account)99), "unknown");
    /* Stored as integers: never renumbered. */
    assert_int_equal(OWED_ACC_AR, 1);
    assert_int_equal(OWED_ACC_REVENUE, 2);
    assert_int_equal(OWED_ACC_CASH, 3);
    assert_int_equal(OWED_ACC_UNAPPLIED, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_posting_rules),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_balanced),
        cmocka_unit_test(test_account_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
