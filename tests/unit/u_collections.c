/* Unit tests for the pure rules of the collections workflow (src/core/collections.h),
 * written from the header: promises to pay (open, kept, broken, on the promised day and the
 * day after), splitting a balance into 2..60 installments (remainders to the first ones, due
 * dates, sums, against a reference), a plan's standing (good standing, broken only after
 * the grace days, completed, partial payments covering installments in order,
 * next_due_index), the names of kinds, statuses and message statuses and their round
 * trips, dispute reasons and call outcomes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "core/collections.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

/* --- promises -------------------------------------------------------------------------- */

static void test_promise_state(void **state)
{
    (void)state;
    const owed_date promised = ymd(2026, 8, 20);
    /* Before and on the promised date, unpaid: open. */
    assert_int_equal(owed_promise_state(promised, 50000, 0, ymd(2026, 8, 10)), OWED_ST_OPEN);
    assert_int_equal(owed_promise_state(promised, 50000, 0, promised), OWED_ST_OPEN);
    /* The day after, unpaid: broken. */
    assert_int_equal(owed_promise_state(promised, 50000, 0, promised + 1), OWED_ST_BROKEN);
    assert_int_equal(owed_promise_state(promised, 50000, 0, ymd(2027, 1, 1)), OWED_ST_BROKEN);
    /* Paid in part: still open until the date, broken after it. */
    assert_int_equal(owed_promise_state(promised, 50000, 49999, promised), OWED_ST_OPEN);
    assert_int_equal(owed_promise_state(promised, 50000, 49999, promised + 1), OWED_ST_BROKEN);
    /* Paid the amount exactly, or more: kept, before, on and after the date. */
    assert_int_equal(owed_promise_state(promised, 50000, 50000, ymd(2026, 8, 10)), OWED_ST_KEPT);
    assert_int_equal(owed_promise_state(promised, 50000, 50000, promised), OWED_ST_KEPT);
    assert_int_equal(owed_promise_state(promised, 50000, 50000, promised + 1), OWED_ST_KEPT);
    assert_int_equal(owed_promise_state(promised, 50000, 90000, promised + 30), OWED_ST_KEPT);
    /* One minor unit. */
    assert_int_equal(owed_promise_state(promised, 1, 1, promised + 1), OWED_ST_KEPT);
    assert_int_equal(owed_promise_state(promised, 1, 0, promised + 1), OWED_ST_BROKEN);
}

/* --- plan splitting -------------------------------------------------------------------- */

static void test_plan_split_examples(void **state)
{
    (void)state;
    int64_t a[60];
    owed_date d[60];
    const owed_date first = ymd(2026, 9, 1);

    /* 1000.00 in 3: 333.34, 333.33, 333.33. */
    owed_plan_split(100000, 3, first, 30, a, d);
    assert_int_equal(a[0], 33334);
    assert_int_equal(a[1], 33333);
    assert_int_equal(a[2], 33333);
    assert_int_equal(d[0], first);
    assert_int_equal(d[1], ymd(2026, 10, 1));
    assert_int_equal(d[2], ymd(2026, 10, 31));

    /* Divides evenly: no remainder anywhere. */
    owed_plan_split(90000, 2, first, 14, a, d);
    assert_int_equal(a[0], 45000);
    assert_int_equal(a[1], 45000);
    assert_int_equal(d[1], ymd(2026, 9, 15));

    /* 100.00 in 7: 14.29 x 4, 14.28 x 3 (10000 = 7 * 1428 + 4). */
    owed_plan_split(10000, 7, first, 7, a, d);
    for (int i = 0; i < 7; i++) assert_int_equal(a[i], i < 4 ? 1429 : 1428);
    assert_int_equal(d[6], first + 42);

    /* Remainder n - 1: every installment but the last takes one more. */
    owed_plan_split(100 * 6 + 5, 6, first, 1, a, d);
    for (int i = 0; i < 6; i++) assert_int_equal(a[i], i < 5 ? 101 : 100);

    /* 60 installments, 12345.67 (1234567 = 60 * 20576 + 7). */
    owed_plan_split(1234567, 60, first, 30, a, d);
    for (int i = 0; i < 60; i++) assert_int_equal(a[i], i < 7 ? 20577 : 20576);
    assert_int_equal(d[59], first + 59 * 30);

    /* Less than one minor unit per installment: the first ones take one each. */
    owed_plan_split(3, 5, first, 30, a, d);
    assert_int_equal(a[0], 1);
    assert_int_equal(a[2], 1);
    assert_int_equal(a[3], 0);
    assert_int_equal(a[4], 0);

    /* A year-end crossing and a leap day in the dates. */
    owed_plan_split(300, 3, ymd(2027, 12, 31), 60, a, d);
    assert_int_equal(d[1], ymd(2028, 2, 29));
    assert_int_equal(d[2], ymd(2028, 4, 29));
}

/* Every n from 2 to 60 over a range of totals: the parts sum to the total, differ by at
 * most one, never increase, and the larger ones come first (total % n of them). */
static void test_plan_split_properties(void **state)
{
    (void)state;
    const int64_t totals[] = {0, 1, 2, 59, 60, 61, 99, 100, 101, 9999, 10000, 123456,
                              100000000, INT64_C(922337203685477), INT64_MAX / 2};
    int64_t a[61];
    owed_date d[61];
    for (int n = 2; n <= 60; n++) {
        for (size_t t = 0; t < OWED_ARRAY_LEN(totals); t++) {
            const int64_t total = totals[t];
            a[n] = -12345; /* a guard: nothing is written past n */
            d[n] = -12345;
            owed_plan_split(total, n, ymd(2026, 1, 31), 31, a, d);
            assert_int_equal(a[n], -12345);
            assert_int_equal(d[n], -12345);
            int64_t sum = 0, base = total / n;
            int64_t bigger = total % n;
            for (int i = 0; i < n; i++) {
                sum += a[i];
                assert_int_equal(a[i], base + (i < bigger ? 1 : 0));
                if (i) {
                    assert_true(a[i] <= a[i - 1]);
                    assert_int_equal(d[i] - d[i - 1], 31);
                }
            }
            assert_int_equal(sum, total);
            assert_int_equal(d[0], ymd(2026, 1, 31));
        }
    }
}

/* --- plan standing --------------------------------------------------------------------- */

struct plan {
    owed_date dues[8];
    int64_t amounts[8];
    size_t n;
};

/* Three installments of 300.00, 300.00, 400.00 due 09-01, 10-01, 11-01. */
static struct plan three(void)
{
    struct plan p = {{ymd(2026, 9, 1), ymd(2026, 10, 1), ymd(2026, 11, 1)},
                     {30000, 30000, 40000},
                     3};
    return p;
}

static enum owed_item_status standing(const struct plan *p, int64_t paid, owed_date as_of,
                                      int grace, size_t *next)
{
    *next = 12345;
    return owed_plan_state(p->dues, p->amounts, p->n, paid, as_of, grace, next);
}

static void test_plan_state_good_standing(void **state)
{
    (void)state;
    struct plan p = three();
    size_t next;
    /* Nothing due yet. */
    assert_int_equal(standing(&p, 0, ymd(2026, 8, 15), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 0);
    /* The first installment is due today, unpaid: still in good standing. */
    assert_int_equal(standing(&p, 0, ymd(2026, 9, 1), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 0);
    /* The first paid: the second is next. */
    assert_int_equal(standing(&p, 30000, ymd(2026, 9, 20), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 1);
    /* Paid ahead of time: 600.00 on 09-02 covers two installments. */
    assert_int_equal(standing(&p, 60000, ymd(2026, 9, 2), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 2);
}

static void test_plan_state_broken_after_grace(void **state)
{
    (void)state;
    struct plan p = three();
    size_t next;
    const owed_date due1 = p.dues[0];
    /* Within the grace days, up to and including the last one: good standing. */
    for (int late = 0; late <= 10; late++) {
        assert_int_equal(standing(&p, 0, due1 + late, 10, &next), OWED_ST_OPEN);
        assert_int_equal(next, 0);
    }
    /* More than 10 days late: broken. */
    assert_int_equal(standing(&p, 0, due1 + 11, 10, &next), OWED_ST_BROKEN);
    assert_int_equal(next, 0);
    /* Short by one minor unit: broken as well. */
    assert_int_equal(standing(&p, 29999, due1 + 11, 10, &next), OWED_ST_BROKEN);
    assert_int_equal(next, 0);
    /* Grace 0: broken the day after the due date. */
    assert_int_equal(standing(&p, 0, due1, 0, &next), OWED_ST_OPEN);
    assert_int_equal(standing(&p, 0, due1 + 1, 0, &next), OWED_ST_BROKEN);
    /* The second installment late beyond grace while the first is paid: broken, and the
     * second is the one not fully paid. */
    assert_int_equal(standing(&p, 30000, p.dues[1] + 11, 10, &next), OWED_ST_BROKEN);
    assert_int_equal(next, 1);
    /* ... unless enough was paid for both. */
    assert_int_equal(standing(&p, 60000, p.dues[1] + 11, 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 2);
}

static void test_plan_state_partial_payments(void **state)
{
    (void)state;
    struct plan p = three();
    size_t next;
    /* 450.00 paid: covers the first (300.00) and half of the second; the second is next. */
    assert_int_equal(standing(&p, 45000, ymd(2026, 10, 1), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 1);
    /* Eleven days after the second's due date, it is 150.00 short: broken. */
    assert_int_equal(standing(&p, 45000, ymd(2026, 10, 12), 10, &next), OWED_ST_BROKEN);
    assert_int_equal(next, 1);
    /* 599.99: the second is still one cent short. */
    assert_int_equal(standing(&p, 59999, ymd(2026, 10, 5), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 1);
    /* 600.00: exactly two installments; the third is next. */
    assert_int_equal(standing(&p, 60000, ymd(2026, 10, 5), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 2);
    /* 999.99: the third is one cent short, not completed; past its grace: broken. */
    assert_int_equal(standing(&p, 99999, ymd(2026, 11, 5), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 2);
    assert_int_equal(standing(&p, 99999, ymd(2026, 11, 12), 10, &next), OWED_ST_BROKEN);
    assert_int_equal(next, 2);
    /* A payment covers installments in order: a first installment of 0 (a tiny plan) is
     * covered by nothing at all. */
    struct plan tiny = {{ymd(2026, 9, 1), ymd(2026, 10, 1)}, {0, 1}, 2};
    assert_int_equal(standing(&tiny, 0, ymd(2026, 9, 20), 10, &next), OWED_ST_OPEN);
    assert_int_equal(next, 1);
}

static void test_plan_state_completed(void **state)
{
    (void)state;
    struct plan p = three();
    size_t next;
    /* Everything paid: completed, before, on and long after the last due date. */
    assert_int_equal(standing(&p, 100000, ymd(2026, 9, 1), 10, &next), OWED_ST_COMPLETED);
    assert_int_equal(next, 3);
    assert_int_equal(standing(&p, 100000, ymd(2027, 6, 1), 10, &next), OWED_ST_COMPLETED);
    assert_int_equal(next, 3);
    /* Overpaid: still completed. */
    assert_int_equal(standing(&p, 150000, ymd(2026, 12, 1), 10, &next), OWED_ST_COMPLETED);
    assert_int_equal(next, 3);
    /* Paid late but in full: completed, not broken. */
    assert_int_equal(standing(&p, 100000, ymd(2026, 12, 31), 0, &next), OWED_ST_COMPLETED);

    /* A 60-installment plan from owed_plan_split, paid installment by installment. */
    int64_t a[60];
    owed_date d[60];
    owed_plan_split(1234567, 60, ymd(2026, 1, 15), 30, a, d);
    int64_t paid = 0;
    for (size_t k = 0; k < 60; k++) {
        assert_int_equal(owed_plan_state(d, a, 60, paid, d[k], 10, &next), OWED_ST_OPEN);
        assert_int_equal(next, k);
        assert_int_equal(owed_plan_state(d, a, 60, paid, d[k] + 11, 10, &next), OWED_ST_BROKEN);
        paid += a[k];
    }
    assert_int_equal(owed_plan_state(d, a, 60, paid, d[59] + 100, 10, &next), OWED_ST_COMPLETED);
    assert_int_equal(next, 60);
}

/* --- names ----------------------------------------------------------------------------- */

static void test_kind_names(void **state)
{
    (void)state;
    static const char *const want[] = {NULL,    "hold", "dispute", "promise", "plan",
                                       "installment", "note", "call",   "task"};
    assert_int_equal(OWED_ARRAY_LEN(want), OWED_ITEM_KIND_MAX + 1);
    for (int k = 1; k <= OWED_ITEM_KIND_MAX; k++)
        assert_string_equal(owed_item_kind_name((enum owed_item_kind)k), want[k]);
    /* Stored numbers never change. */
    assert_int_equal(OWED_ITEM_HOLD, 1);
    assert_int_equal(OWED_ITEM_TASK, 8);
    assert_string_equal(owed_item_kind_name((enum owed_item_kind)0), "unknown");
    assert_string_equal(owed_item_kind_name((enum owed_item_kind)9), "unknown");
    assert_string_equal(owed_item_kind_name((enum owed_item_kind)-1), "unknown");
    assert_string_equal(owed_item_kind_name((enum owed_item_kind)1000), "unknown");
}

static void test_status_names(void **state)
{
    (void)state;
    static const char *const want[] = {NULL,      "open",   "investigating", "released",
                                       "resolved_credit", "resolved_upheld", "rejected",
                                       "kept",      "broken", "completed", "cancelled",
                                       "done"};
    assert_int_equal(OWED_ARRAY_LEN(want), OWED_ITEM_STATUS_MAX + 1);
    for (int s = 1; s <= OWED_ITEM_STATUS_MAX; s++) {
        const char *name = owed_item_status_name((enum owed_item_status)s);
        assert_string_equal(name, want[s]);
        assert_int_equal(owed_item_status_parse(name), s); /* the round trip */
    }
    assert_int_equal(OWED_ST_OPEN, 1);
    assert_int_equal(OWED_ST_DONE, 11);
    assert_string_equal(owed_item_status_name((enum owed_item_status)0), "unknown");
    assert_string_equal(owed_item_status_name((enum owed_item_status)12), "unknown");
    assert_string_equal(owed_item_status_name((enum owed_item_status)-3), "unknown");
    const char *bad[] = {"", "Open", "OPEN", "open ", " open", "unknown", "resolved", "kep",
                         "donee", "hold"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++)
        assert_int_equal(owed_item_status_parse(bad[i]), 0);
    assert_int_equal(owed_item_status_parse(NULL), 0);
}

static void test_msg_status_names(void **state)
{
    (void)state;
    static const char *const want[] = {NULL,   "queued", "sending",  "uncertain",
                                       "sent", "failed", "cancelled"};
    for (int s = 1; s < (int)OWED_ARRAY_LEN(want); s++) {
        const char *name = owed_msg_status_name((enum owed_msg_status)s);
        assert_string_equal(name, want[s]);
        assert_int_equal(owed_msg_status_parse(name), s);
    }
    assert_int_equal(OWED_MSG_QUEUED, 1);
    assert_int_equal(OWED_MSG_CANCELLED, 6);
    assert_string_equal(owed_msg_status_name((enum owed_msg_status)0), "unknown");
    assert_string_equal(owed_msg_status_name((enum owed_msg_status)7), "unknown");
    const char *bad[] = {"", "Sent", "send", "unknown", "open", "queued "};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++)
        assert_int_equal(owed_msg_status_parse(bad[i]), 0);
    assert_int_equal(owed_msg_status_parse(NULL), 0);
}

/* --- reasons and outcomes -------------------------------------------------------------- */

static size_t list_len(const char *const *list)
{
    size_t n = 0;
    while (list[n]) n++;
    return n;
}

static void test_dispute_reasons(void **state)
{
    (void)state;
    static const char *const want[] = {"pricing", "quantity", "damaged", "not_received",
                                       "duplicate_billing", "other"};
    assert_int_equal(list_len(owed_dispute_reasons), OWED_ARRAY_LEN(want));
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) {
        assert_string_equal(owed_dispute_reasons[i], want[i]);
        assert_true(owed_dispute_reason_valid(want[i]));
        /* Each fits an item's code. */
        assert_true(strlen(want[i]) <= OWED_ITEM_CODE_MAX);
    }
    const char *bad[] = {"", "Pricing", "PRICING", "pricing ", "weather", "not received",
                         "duplicate", "reached", "other\n"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++)
        assert_false(owed_dispute_reason_valid(bad[i]));
    assert_false(owed_dispute_reason_valid(NULL));
}

static void test_call_outcomes(void **state)
{
    (void)state;
    static const char *const want[] = {"reached",  "no_answer", "left_message", "wrong_number",
                                       "promised", "disputed",  "refused",      "callback"};
    assert_int_equal(list_len(owed_call_outcomes), OWED_ARRAY_LEN(want));
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) {
        assert_string_equal(owed_call_outcomes[i], want[i]);
        assert_true(owed_call_outcome_valid(want[i]));
        assert_true(strlen(want[i]) <= OWED_ITEM_CODE_MAX);
    }
    const char *bad[] = {"", "Reached", "no answer", "answered", "pricing", "reached\t"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) assert_false(owed_call_outcome_valid(bad[i]));
    assert_false(owed_call_outcome_valid(NULL));
    /* The two lists do not share a code: a reason is never taken for an outcome. */
    for (size_t i = 0; owed_dispute_reasons[i]; i++)
        assert_false(owed_call_outcome_valid(owed_dispute_reasons[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_promise_state),
        cmocka_unit_test(test_plan_split_examples),
        cmocka_unit_test(test_plan_split_properties),
        cmocka_unit_test(test_plan_state_good_standing),
        cmocka_unit_test(test_plan_state_broken_after_grace),
        cmocka_unit_test(test_plan_state_partial_payments),
        cmocka_unit_test(test_plan_state_completed),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_msg_status_names),
        cmocka_unit_test(test_dispute_reasons),
        cmocka_unit_test(test_call_outcomes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
