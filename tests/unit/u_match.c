/* Unit tests for cash application (src/core/match.c): each reason, tolerant invoice numbers
 * (case, spaces, missing prefix, one wrong or two swapped characters), sums of several
 * invoices, the discount window's last day, short-payment tolerance (absolute and ppm),
 * ambiguity, consume, learn, determinism, the inconsistent inputs the index refuses, and
 * the normalizations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "core/match.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

/* ---- A small book ---- */

static const struct owed_match_customer customers[] = {
    { 1, "C001", "Acme Logistics Inc." },
    { 2, "C002", "Beta Foods GmbH" },
    { 3, "C003", "Gamma Trading Ltd" },
};

struct book {
    struct owed_match_invoice inv[16];
    size_t n;
};

static void add(struct book *b, int64_t id, int64_t cust, const char *number, int64_t open)
{
    assert_true(b->n < OWED_ARRAY_LEN(b->inv));
    struct owed_match_invoice *v = &b->inv[b->n++];
    memset(v, 0, sizeof *v);
    v->invoice_id = id;
    v->customer_id = cust;
    v->number = number;
    memcpy(v->currency, "EUR", 4);
    v->issue_date = ymd(2026, 5, 1) + (owed_date)id;
    v->due_date = ymd(2026, 6, 1) + (owed_date)id;
    v->open_minor = open;
}

static struct owed_match_index *index_of(const struct book *b)
{
    struct owed_match_index *ix =
        owed_match_index_new(b->inv, b->n, customers, OWED_ARRAY_LEN(customers), NULL, 0);
    assert_non_null(ix);
    return ix;
}

static struct owed_match_entry entry(int64_t amount, const char *remittance)
{
    struct owed_match_entry e;
    memset(&e, 0, sizeof e);
    e.amount_minor = amount;
    memcpy(e.currency, "EUR", 4);
    e.date = ymd(2026, 7, 1);
    e.remittance = remittance;
    e.end_to_end = "NOTPROVIDED";
    e.counterparty_name = "Someone Else";
    e.counterparty_account = "DE00 1111 2222 3333 4444 55";
    return e;
}

struct result {
    struct owed_match_candidate c[8];
    size_t n;
    bool is_auto;
};

static struct result find(const struct owed_match_index *ix, const struct owed_match_entry *e,
                          const struct owed_match_opts *o)
{
    struct result r;
    memset(&r, 0, sizeof r);
    owed_match_find(ix, e, o, r.c, OWED_ARRAY_LEN(r.c), &r.n);
    r.is_auto = owed_match_is_auto(r.c, r.n, e, o);
    return r;
}

static struct result find_default(const struct owed_match_index *ix,
                                  const struct owed_match_entry *e)
{
    struct owed_match_opts o;
    owed_match_opts_init(&o);
    return find(ix, e, &o);
}

/* The top candidate is exactly the invoices ids[0..n) (ascending). */
static void expect_top(const struct result *r, const int64_t *ids, size_t n)
{
    assert_true(r->n >= 1);
    assert_int_equal(r->c[0].nlines, n);
    for (size_t k = 0; k < n; k++) assert_int_equal(r->c[0].lines[k].invoice_id, ids[k]);
}

static void expect_top1(const struct result *r, int64_t id) { expect_top(r, &id, 1); }

/* A standard book: C001 has INV0001234 (100.00) and INV0001500 (250.00); C002 has
 * INV0002000 (333.33); C003 has INV0003000 (47.11). */
static struct book standard(void)
{
    struct book b = { .n = 0 };
    add(&b, 10, 1, "INV0001234", 10000);
    add(&b, 11, 1, "INV0001500", 25000);
    add(&b, 20, 2, "INV0002000", 33333);
    add(&b, 30, 3, "INV0003000", 4711);
    return b;
}

/* ---- Options, names ---- */

static void test_opts_and_reason_names(void **state)
{
    (void)state;
    struct owed_match_opts o;
    memset(&o, 0xff, sizeof o);
    owed_match_opts_init(&o);
    assert_int_equal(o.tolerance_abs_minor, 0);
    assert_int_equal(o.tolerance_ppm, 0);
    assert_int_equal(o.auto_threshold, 90);
    assert_int_equal(o.auto_margin, 10);
    assert_int_equal(o.max_subset, 20);
    assert_int_equal(o.max_sum_size, 5);
    assert_string_equal(owed_match_reason_name(OWED_MATCH_NUMBER_EXACT), "number_exact");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_NUMBER_FUZZY), "number_fuzzy");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_AMOUNT_EXACT), "amount_exact");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_AMOUNT_SUM), "amount_sum");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_DISCOUNT), "discount");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_TOLERANCE), "tolerance");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_PAYER_KNOWN), "payer_known");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_CUSTOMER_REF), "customer_ref");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_CUSTOMER_NAME), "customer_name");
    assert_string_equal(owed_match_reason_name(OWED_MATCH_PARTIAL), "partial");
}

static void norm_name(const char *in, const char *want)
{
    char out[128];
    owed_match_normalize_name(in, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
    (void)state;
    char out[64];
    owed_match_normalize_account("de89 3704 0044 0532 0130 00", out, sizeof out);
    assert_string_equal(out, "DE89370400440532013000");
    owed_match_normalize_account("GB29-NWBK-6016-1331-9268-19", out, sizeof out);
    assert_string_equal(out, "GB29NWBK60161331926819");
    owed_match_normalize_account(NULL, out, sizeof out);
    assert_string_equal(out, "");
    owed_match_normalize_account("DE89370400440532013000", out, 5); /* truncated */
    assert_string_equal(out, "DE89");

    norm_name("Acme Logistics Inc.", "ACME LOGISTICS");
    norm_name("ACME LOGISTICS, LLC", "ACME LOGISTICS");
    norm_name("  acme   logistics  ", "ACME LOGISTICS");
    norm_name("Müller & Söhne GmbH", "M\xc3\xbcLLER S\xc3\xb6HNE"); /* ASCII upper-cased only */
    norm_name("The \"Harbor\" Chemicals Company", "HARBOR CHEMICALS");
    norm_name("Smith, Jones and Co", "SMITH JONES");
    norm_name("Summit Chemicals, S.p.A.", "SUMMIT CHEMICALS");
    norm_name("Tokyo Seimitsu Co., Ltd.", "TOKYO SEIMITSU");
    norm_name("Łódź Logistyka Sp. z o.o.", "\xc5\x81\xc3\xb3" "D\xc5\xba LOGISTYKA");
    norm_name("O'Brien Motors B.V.", "OBRIEN MOTORS");
    norm_name("Beta AG", "BETA");
    norm_name("AG", "AG"); /* a name is never stripped to nothing */
    norm_name("", "");
    owed_match_normalize_name("Acme Logistics Inc.", out, 6);
    assert_string_equal(out, "ACME ");
}

/* ---- Reasons ---- */

static void test_number_and_amount_exact(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(10000, "Invoice INV0001234, thank you");
    struct result r = find_default(ix, &e);
    expect_top1(&r, 10);
    assert_int_equal(r.c[0].customer_id, 1);
    assert_int_equal(r.c[0].score, 100);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_NUMBER_EXACT | OWED_MATCH_AMOUNT_EXACT);
    assert_int_equal(r.c[0].lines[0].apply_minor, 10000);
    assert_int_equal(r.c[0].lines[0].discount_minor, 0);
    assert_int_equal(r.c[0].lines[0].writeoff_minor, 0);
    assert_true(r.is_auto);
    owed_match_index_free(ix);
}

/* The number in whatever spelling payers use. */
static void test_number_spellings(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_index *ix = index_of(&b);
    static const struct {
        const char *text;
        unsigned reason;
    } cases[] = {
        { "inv0001234", OWED_MATCH_NUMBER_EXACT },          /* case */
        { "INV 0001234", OWED_MATCH_NUMBER_EXACT },         /* a space */
        { "INV 000 1234", OWED_MATCH_NUMBER_EXACT },        /* two spaces */
        { "RE:INV-0001234/2026", OWED_MATCH_NUMBER_EXACT }, /* punctuation */
        { "Payment 1234", OWED_MATCH_NUMBER_FUZZY },        /* no prefix, no zeros */
        { "0001234", OWED_MATCH_NUMBER_FUZZY },             /* no prefix */
        { "IMV0001234", OWED_MATCH_NUMBER_FUZZY },          /* a wrong letter */
        { "INV0001235", OWED_MATCH_NUMBER_FUZZY },          /* a wrong digit */
        { "INV0001324", OWED_MATCH_NUMBER_FUZZY },          /* two digits swapped */
        { "INV0010234", OWED_MATCH_NUMBER_FUZZY },          /* swapped with a zero */
    };
    for (size_t k = 0; k < OWED_ARRAY_LEN(cases); k++) {
        struct owed_match_entry e = entry(10000, cases[k].text);
        struct result r = find_default(ix, &e);
        if (r.n == 0 || r.c[0].lines[0].invoice_id != 10) print_error("case %s\n", cases[k].text);
        expect_top1(&r, 10);
        assert_true(r.c[0].reasons & cases[k].reason);
        assert_true(r.c[0].reasons & OWED_MATCH_AMOUNT_EXACT);
        assert_true(r.c[0].score >= 90);
        assert_true(r.is_auto);
    }
    /* In the end-to-end id instead of the remittance. */
    struct owed_match_entry e = entry(10000, "");
    e.end_to_end = "INV0001234";
    struct result r = find_default(ix, &e);
    expect_top1(&r, 10);
    assert_true(r.is_auto);
    /* An edited number alone, with an amount that fits nothing, suggests nothing. */
    e = entry(12345, "INV0001235");
    r = find_default(ix, &e);
    for (size_t k = 0; k < r.n; k++) assert_false(r.c[k].reasons & OWED_MATCH_NUMBER_FUZZY);
    owed_match_index_free(ix);
}

/* A typo that is another open invoice's number: the edit finds the real one, whose amount
 * agrees, and the other becomes a weak (partial) suggestion. */
static void test_typo_names_other_invoice(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 12, 2, "INV0001243", 55500);
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(10000, "INV0001243");
    struct result r = find_default(ix, &e);
    expect_top1(&r, 10);
    assert_int_equal(r.c[0].score, 92);
    assert_true(r.n >= 2);
    assert_int_equal(r.c[1].lines[0].invoice_id, 12);
    assert_true(r.c[1].reasons & OWED_MATCH_PARTIAL);
    assert_true(r.is_auto);
    /* With a tolerance wide enough that the other invoice's amount fits too: no longer
     * sure, since both readings explain the credit. */
    struct owed_match_opts o;
    owed_match_opts_init(&o);
    o.tolerance_ppm = 1000000;
    e = entry(55000, "INV0001243");
    b.inv[0].open_minor = 55000;
    owed_match_index_free(ix);
    ix = index_of(&b);
    r = find(ix, &e, &o);
    assert_false(r.is_auto);
    owed_match_index_free(ix);
}

/* Seen at a million open invoices: a short payment names its invoice exactly, and its
 * amount is by chance the open amount of another customer's invoice one digit away. The
 * edit must not win: a person decides. */
static void test_short_payment_near_an_edit(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 12, 2, "INV0001284", 9990); /* one digit from INV0001234, open 99.90 */
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(9990, "INV0001234"); /* 10.00 short of 100.00 */
    struct result r = find_default(ix, &e);
    assert_false(r.is_auto);
    assert_true(r.n >= 2);
    /* Both readings are offered. */
    bool named = false, edited = false;
    for (size_t k = 0; k < r.n; k++) {
        named |= r.c[k].nlines == 1 && r.c[k].lines[0].invoice_id == 10;
        edited |= r.c[k].nlines == 1 && r.c[k].lines[0].invoice_id == 12;
    }
    assert_true(named && edited);
    owed_match_index_free(ix);
}

static void test_sum_of_numbers(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 13, 1, "INV0001600", 1234);
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(10000 + 25000 + 1234,
                                      "Invoices INV0001234, INV0001500 and INV0001600");
    struct result r = find_default(ix, &e);
    int64_t want[] = { 10, 11, 13 };
    expect_top(&r, want, 3);
    assert_int_equal(r.c[0].score, 98);
    assert_true(r.c[0].reasons & OWED_MATCH_AMOUNT_SUM);
    assert_true(r.c[0].reasons & OWED_MATCH_NUMBER_EXACT);
    assert_int_equal(r.c[0].lines[0].apply_minor, 10000);
    assert_int_equal(r.c[0].lines[1].apply_minor, 25000);
    assert_int_equal(r.c[0].lines[2].apply_minor, 1234);
    assert_true(r.is_auto);
    /* Two of the three named: the subset that adds up. */
    e = entry(10000 + 1234, "INV0001234 INV0001500 INV0001600");
    r = find_default(ix, &e);
    int64_t want2[] = { 10, 13 };
    expect_top(&r, want2, 2);
    assert_true(r.is_auto);
    owed_match_index_free(ix);
}

/* No references: the customer is known by name, and its oldest invoices add up. */
static void test_sum_by_customer(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 14, 2, "INV0002100", 12345);
    add(&b, 15, 2, "INV0002200", 70001);
    add(&b, 16, 2, "INV0002300", 99999);
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(33333 + 12345 + 99999, "Sammelzahlung");
    e.counterparty_name = "BETA FOODS";
    struct result r = find_default(ix, &e);
    int64_t want[] = { 14, 16, 20 };
    expect_top(&r, want, 3);
    assert_int_equal(r.c[0].customer_id, 2);
    assert_true(r.c[0].reasons & OWED_MATCH_AMOUNT_SUM);
    assert_true(r.c[0].reasons & OWED_MATCH_CUSTOMER_NAME);
    assert_true(r.is_auto);
    /* Without the name nothing says whose invoices they are. */
    e.counterparty_name = "";
    r = find_default(ix, &e);
    assert_false(r.is_auto);
    /* max_sum_size bounds the search. */
    struct owed_match_opts o;
    owed_match_opts_init(&o);
    o.max_sum_size = 2;
    e.counterparty_name = "Beta Foods GmbH";
    r = find(ix, &e, &o);
    for (size_t k = 0; k < r.n; k++) assert_true(r.c[k].nlines <= 2);
    assert_false(r.is_auto);
    owed_match_index_free(ix);
}

static void test_discount_window(void **state)
{
    (void)state;
    struct book b = standard();
    b.inv[1].discount_minor = 500; /* INV0001500: 250.00, 2% off until 2026-07-03 */
    b.inv[1].discount_until = ymd(2026, 7, 3);
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(24500, "INV0001500");
    e.date = ymd(2026, 7, 3); /* the last day: yes */
    struct result r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_NUMBER_EXACT | OWED_MATCH_DISCOUNT);
    assert_int_equal(r.c[0].lines[0].apply_minor, 24500);
    assert_int_equal(r.c[0].lines[0].discount_minor, 500);
    assert_true(r.is_auto);
    e.date = ymd(2026, 7, 4); /* the day after: a partial payment for a person */
    r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_false(r.c[0].reasons & OWED_MATCH_DISCOUNT);
    assert_true(r.c[0].reasons & OWED_MATCH_PARTIAL);
    assert_false(r.is_auto);
    /* Discounted amount without a reference, customer known by name. */
    e = entry(24500, "Thanks");
    e.counterparty_name = "Acme Logistics";
    r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_true(r.c[0].reasons & OWED_MATCH_DISCOUNT);
    assert_true(r.is_auto);
    owed_match_index_free(ix);
}

static void test_tolerance(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 40, 3, "INV0004000", 100000000); /* 1,000,000.00 */
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_opts o;
    owed_match_opts_init(&o);
    o.tolerance_abs_minor = 50;
    struct owed_match_entry e = entry(9950, "INV0001234"); /* 0.50 short */
    struct result r = find(ix, &e, &o);
    expect_top1(&r, 10);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_NUMBER_EXACT | OWED_MATCH_TOLERANCE);
    assert_int_equal(r.c[0].lines[0].apply_minor, 9950);
    assert_int_equal(r.c[0].lines[0].writeoff_minor, 50);
    assert_true(r.is_auto);
    e.amount_minor = 9949; /* 0.51 short */
    r = find(ix, &e, &o);
    expect_top1(&r, 10);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_NUMBER_EXACT | OWED_MATCH_PARTIAL);
    assert_int_equal(r.c[0].lines[0].writeoff_minor, 0);
    assert_false(r.is_auto);
    /* ppm: 100 ppm of 1,000,000.00 is 100.00, more than the absolute 0.50. */
    o.tolerance_ppm = 100;
    e = entry(100000000 - 10000, "INV0004000");
    r = find(ix, &e, &o);
    expect_top1(&r, 40);
    assert_true(r.c[0].reasons & OWED_MATCH_TOLERANCE);
    assert_int_equal(r.c[0].lines[0].writeoff_minor, 10000);
    assert_true(r.is_auto);
    e.amount_minor--;
    r = find(ix, &e, &o);
    assert_true(r.c[0].reasons & OWED_MATCH_PARTIAL);
    assert_false(r.is_auto);
    /* No tolerance at all: any short payment is partial. */
    owed_match_opts_init(&o);
    e = entry(9999, "INV0001234");
    r = find(ix, &e, &o);
    assert_true(r.c[0].reasons & OWED_MATCH_PARTIAL);
    owed_match_index_free(ix);
}

static void test_partial_and_over(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(4000, "Teilzahlung INV0001500");
    struct result r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_NUMBER_EXACT | OWED_MATCH_PARTIAL);
    assert_int_equal(r.c[0].lines[0].apply_minor, 4000); /* the whole credit */
    assert_int_equal(r.c[0].score, 70);
    assert_false(r.is_auto);
    /* Overpaid: the open amount is applied, the rest stays; never automatic. */
    e = entry(30000, "INV0001500");
    r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_int_equal(r.c[0].lines[0].apply_minor, 25000);
    assert_false(r.is_auto);
    owed_match_index_free(ix);
}

static void test_amount_only(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_index *ix = index_of(&b);
    /* Unique amount, unknown payer: a suggestion only. */
    struct owed_match_entry e = entry(4711, "Payment");
    struct result r = find_default(ix, &e);
    expect_top1(&r, 30);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_AMOUNT_EXACT);
    assert_false(r.is_auto);
    /* The payer's name is the customer's (another legal form): sure enough. */
    e.counterparty_name = "GAMMA TRADING PLC";
    r = find_default(ix, &e);
    expect_top1(&r, 30);
    assert_int_equal(r.c[0].reasons, OWED_MATCH_AMOUNT_EXACT | OWED_MATCH_CUSTOMER_NAME);
    assert_true(r.is_auto);
    /* The customer reference in the text works as well. */
    e = entry(4711, "Customer C003");
    r = find_default(ix, &e);
    expect_top1(&r, 30);
    assert_true(r.c[0].reasons & OWED_MATCH_CUSTOMER_REF);
    assert_true(r.is_auto);
    /* A customer known, no invoice fits: a payment on account for a person. */
    e = entry(777, "Customer C003");
    r = find_default(ix, &e);
    assert_true(r.n >= 1);
    assert_int_equal(r.c[0].nlines, 0);
    assert_int_equal(r.c[0].customer_id, 3);
    assert_false(r.is_auto);
    /* Nothing at all. */
    e = entry(777, "Refund");
    r = find_default(ix, &e);
    assert_int_equal(r.n, 0);
    assert_false(r.is_auto);
    owed_match_index_free(ix);
}

static void test_ambiguous(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 31, 2, "INV0003100", 4711); /* same amount as INV0003000, another customer */
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(4711, "Payment");
    struct result r = find_default(ix, &e);
    assert_true(r.n >= 2);
    assert_int_equal(r.c[0].score, r.c[1].score);
    assert_int_equal(r.c[0].customer_id, 2); /* ties: customer id, then invoice id */
    assert_false(r.is_auto);
    owed_match_index_free(ix);
    /* Two invoices of the same amount of the one customer the payer is. */
    b = standard();
    add(&b, 32, 3, "INV0003200", 4711);
    ix = index_of(&b);
    e.counterparty_name = "Gamma Trading Ltd";
    r = find_default(ix, &e);
    assert_true(r.n >= 2);
    assert_false(r.is_auto);
    owed_match_index_free(ix);
}

static void test_currency(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(10000, "INV0001234");
    memcpy(e.currency, "USD", 4);
    struct result r = find_default(ix, &e);
    assert_int_equal(r.n, 0);
    owed_match_index_free(ix);
}

static void test_consume(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_index *ix = index_of(&b);
    owed_match_consume(ix, 11, 5000); /* INV0001500: 250.00 -> 200.00 */
    struct owed_match_entry e = entry(20000, "Payment");
    e.counterparty_name = "Acme Logistics";
    struct result r = find_default(ix, &e);
    expect_top1(&r, 11); /* found by its new open amount */
    assert_true(r.is_auto);
    e = entry(25000, "INV0001500");
    r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_int_equal(r.c[0].lines[0].apply_minor, 20000); /* overpaid now */
    assert_false(r.is_auto);
    owed_match_consume(ix, 11, 20000); /* settled */
    r = find_default(ix, &e);
    for (size_t k = 0; k < r.n; k++) {
        for (size_t j = 0; j < r.c[k].nlines; j++) assert_int_not_equal(r.c[k].lines[j].invoice_id, 11);
    }
    owed_match_consume(ix, 999, 1); /* unknown: ignored */
    owed_match_index_free(ix);
}

static void test_learn(void **state)
{
    (void)state;
    struct book b = standard();
    struct owed_match_payer payers[] = { { "DE89370400440532013000", 2 } };
    struct owed_match_index *ix =
        owed_match_index_new(b.inv, b.n, customers, OWED_ARRAY_LEN(customers), payers, 1);
    assert_non_null(ix);
    struct owed_match_entry e = entry(33333, "Payment");
    e.counterparty_account = "de89 3704 0044 0532 0130 00";
    struct result r = find_default(ix, &e);
    expect_top1(&r, 20);
    assert_true(r.c[0].reasons & OWED_MATCH_PAYER_KNOWN);
    assert_true(r.is_auto);
    /* A payer learned during the run. */
    e = entry(4711, "Payment");
    e.counterparty_account = "FR7630006000011234567890189";
    r = find_default(ix, &e);
    assert_false(r.is_auto);
    char key[64];
    owed_match_normalize_account(e.counterparty_account, key, sizeof key);
    owed_match_learn(ix, key, 3);
    r = find_default(ix, &e);
    expect_top1(&r, 30);
    assert_true(r.c[0].reasons & OWED_MATCH_PAYER_KNOWN);
    assert_true(r.is_auto);
    /* A learned name works like a learned account. */
    e = entry(25000, "Payment");
    e.counterparty_name = "A. Logistics Holding";
    owed_match_normalize_name(e.counterparty_name, key, sizeof key);
    owed_match_learn(ix, key, 1);
    r = find_default(ix, &e);
    expect_top1(&r, 11);
    assert_true(r.is_auto);
    owed_match_index_free(ix);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct book b = standard();
    add(&b, 31, 2, "INV0003100", 4711);
    add(&b, 33, 1, "INV0003300", 4711);
    struct owed_match_index *ix = index_of(&b);
    struct owed_match_entry e = entry(4711, "INV0003000 INV0003100 1234");
    struct result r1 = find_default(ix, &e), r2 = find_default(ix, &e);
    assert_true(r1.n >= 3);
    assert_int_equal(r1.n, r2.n);
    assert_memory_equal(r1.c, r2.c, r1.n * sizeof r1.c[0]);
    /* The same book in reverse order gives the same answer. */
    struct book rev = { .n = 0 };
    for (size_t k = b.n; k-- > 0;) rev.inv[rev.n++] = b.inv[k];
    struct owed_match_index *ix2 = index_of(&rev);
    struct result r3 = find_default(ix2, &e);
    assert_int_equal(r1.n, r3.n);
    assert_memory_equal(r1.c, r3.c, r1.n * sizeof r1.c[0]);
    /* Sorted best first, ties by customer then invoice id. */
    for (size_t k = 1; k < r1.n; k++) {
        const struct owed_match_candidate *a = &r1.c[k - 1], *c = &r1.c[k];
        assert_true(a->score > c->score ||
                    (a->score == c->score && (a->customer_id < c->customer_id ||
                                              (a->customer_id == c->customer_id &&
                                               a->lines[0].invoice_id <= c->lines[0].invoice_id))));
    }
    /* max limits the answer; is_auto with fewer candidates still needs the margin. */
    struct owed_match_candidate one[1];
    size_t n = 99;
    struct owed_match_opts o;
    owed_match_opts_init(&o);
    owed_match_find(ix, &e, &o, one, 1, &n);
    assert_int_equal(n, 1);
    assert_memory_equal(&one[0], &r1.c[0], sizeof one[0]);
    owed_match_find(ix, &e, &o, NULL, 0, &n);
    assert_int_equal(n, 0);
    owed_match_index_free(ix);
    owed_match_index_free(ix2);
}

static void test_is_auto_rules(void **state)
{
    (void)state;
    struct owed_match_opts o;
    owed_match_opts_init(&o);
    struct owed_match_entry e = entry(10000, "");
    struct owed_match_candidate c[2];
    memset(c, 0, sizeof c);
    c[0].score = 95;
    c[0].nlines = 1;
    c[0].lines[0].invoice_id = 1;
    c[0].lines[0].apply_minor = 10000;
    c[1] = c[0];
    c[1].score = 85;
    assert_true(owed_match_is_auto(c, 2, &e, &o));
    c[1].score = 86; /* margin 9 */
    assert_false(owed_match_is_auto(c, 2, &e, &o));
    assert_true(owed_match_is_auto(c, 1, &e, &o));
    c[0].score = 89;
    assert_false(owed_match_is_auto(c, 1, &e, &o));
    c[0].score = 95;
    c[0].lines[0].apply_minor = 9999; /* does not account for the whole amount */
    assert_false(owed_match_is_auto(c, 1, &e, &o));
    c[0].nlines = 0; /* on account */
    assert_false(owed_match_is_auto(c, 1, &e, &o));
    assert_false(owed_match_is_auto(NULL, 0, &e, &o));
}

static void test_inconsistent_input(void **state)
{
    (void)state;
    struct book b = standard();
    b.inv[2].customer_id = 99; /* no such customer */
    assert_null(owed_match_index_new(b.inv, b.n, customers, OWED_ARRAY_LEN(customers), NULL, 0));
    b = standard();
    b.inv[3].invoice_id = 10; /* duplicate id */
    assert_null(owed_match_index_new(b.inv, b.n, customers, OWED_ARRAY_LEN(customers), NULL, 0));
    b = standard();
    b.inv[0].open_minor = 0; /* not open */
    assert_null(owed_match_index_new(b.inv, b.n, customers, OWED_ARRAY_LEN(customers), NULL, 0));
    struct owed_match_customer dup[] = { { 1, "A", "A" }, { 1, "B", "B" } };
    assert_null(owed_match_index_new(NULL, 0, dup, 2, NULL, 0));
    /* Empty is fine. */
    struct owed_match_index *ix = owed_match_index_new(NULL, 0, NULL, 0, NULL, 0);
    assert_non_null(ix);
    struct owed_match_entry e = entry(100, "INV0001234");
    struct result r = find_default(ix, &e);
    assert_int_equal(r.n, 0);
    owed_match_index_free(ix);
    owed_match_index_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_and_reason_names),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_number_and_amount_exact),
        cmocka_unit_test(test_number_spellings),
        cmocka_unit_test(test_typo_names_other_invoice),
        cmocka_unit_test(test_short_payment_near_an_edit),
        cmocka_unit_test(test_sum_of_numbers),
        cmocka_unit_test(test_sum_by_customer),
        cmocka_unit_test(test_discount_window),
        cmocka_unit_test(test_tolerance),
        cmocka_unit_test(test_partial_and_over),
        cmocka_unit_test(test_amount_only),
        cmocka_unit_test(test_ambiguous),
        cmocka_unit_test(test_currency),
        cmocka_unit_test(test_consume),
        cmocka_unit_test(test_learn),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_is_auto_rules),
        cmocka_unit_test(test_inconsistent_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
