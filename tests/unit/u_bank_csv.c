/* Unit tests for the bank CSV reader (src/io/bank_csv.c): owed's own layout and mapped
 * bank exports (other delimiters, decimal comma, day-first dates, credit/debit columns),
 * with every field checked, and one case per error. No shared fixtures exist for CSV. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/bank.h"
#include "bank_files.h"

static void expect_date(owed_date got, const char *want)
{
    char s[11] = "";
    if (got != OWED_BANK_NO_DATE) owed_date_format(got, s);
    assert_string_equal(s, want);
}

static void expect_stmt(const struct owed_bank_statement *s, const char *account,
                        const char *id, const char *currency, size_t nentries)
{
    assert_string_equal(s->account, account);
    assert_string_equal(s->statement_id, id);
    assert_string_equal(s->currency, currency);
    assert_int_equal(s->date, OWED_BANK_NO_DATE);
    assert_false(s->opening.present);
    assert_false(s->closing.present);
    assert_int_equal(s->nentries, nentries);
}

struct want_entry {
    const char *booking, *value;
    int64_t amount;
    bool credit;
    const char *currency, *ref, *e2e, *remittance, *cp_name, *cp_account;
    long line;
};

static void expect_entry(const struct owed_bank_entry *e, struct want_entry w)
{
    expect_date(e->booking_date, w.booking);
    expect_date(e->value_date, w.value);
    assert_int_equal(e->amount_minor, w.amount);
    assert_int_equal(e->credit, w.credit);
    assert_false(e->reversal);
    assert_string_equal(e->currency, w.currency);
    assert_string_equal(e->entry_ref, w.ref);
    assert_string_equal(e->end_to_end, w.e2e);
    assert_string_equal(e->remittance, w.remittance);
    assert_string_equal(e->counterparty_name, w.cp_name);
    assert_string_equal(e->counterparty_account, w.cp_account);
    assert_string_equal(e->bank_code, "");
    assert_int_equal(e->line, w.line);
}

static int parse(const char *in, size_t len, const struct owed_bank_csv_map *map,
                 struct owed_bank_file *f, struct owed_buf *err)
{
    owed_bank_file_init(f);
    int rc = owed_bank_parse_csv(in, len, map, f, err);
    assert_int_equal(f->format, OWED_BANK_CSV);
    return rc;
}

static void expect_error_map(const char *in, const struct owed_bank_csv_map *map, int want_rc,
                             const char *want)
{
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, strlen(in), map, &f, &err);
    if (rc != want_rc || strcmp(err.ptr, want) != 0)
        print_error("input:\n%s\nrc %d, err: %s\nwant: %s\n", in, rc, err.ptr, want);
    assert_int_equal(rc, want_rc);
    assert_string_equal(err.ptr, want);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

static void expect_error(const char *in, const char *want)
{
    expect_error_map(in, NULL, OWED_E_PARSE, want);
}

#define OWED_HEADER                                                                          \
    "account,statement_id,entry_ref,booking_date,value_date,amount,currency,end_to_end,"      \
    "counterparty_name,counterparty_account,remittance\n"

/* A German bank export: ';', decimal comma, day-first dates, Soll/Haben columns. */
static const struct owed_bank_csv_map german = {
    .booking_date = "Buchungstag",
    .value_date = "Valuta",
    .debit = "Soll",
    .credit = "Haben",
    .remittance = "Verwendungszweck",
    .counterparty_name = "Auftraggeber",
    .counterparty_account = "IBAN",
    .date_format = "DD.MM.YYYY",
    .decimal_comma = true,
    .delimiter = ';',
    .default_currency = "EUR",
    .default_account = "DE89370400440532013000",
};

static void test_owed_layout(void **state)
{
    (void)state;
    size_t len;
    char *in = testdata("sample.csv", &len);
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(parse(in, len, NULL, &f, &err), OWED_OK);
    assert_int_equal(err.len, 0);
    assert_string_equal(f.version, "CSV");
    /* Two (account, statement_id) pairs, in order of first appearance. */
    assert_int_equal(f.nstmts, 2);
    const struct owed_bank_statement *s = &f.stmts[0];
    expect_stmt(s, "DE89370400440532013000", "S1", "EUR", 3);
    expect_entry(&s->entries[0],
                 (struct want_entry){"2024-03-15", "2024-03-16", 123456, true, "EUR", "R1", "E2E-1",
                                     "INV-1, INV-2", "ACME, Inc.", "DE44500105175407324931", 2});
    expect_entry(&s->entries[1], (struct want_entry){"2024-03-15", "", 9950, false, "EUR", "R2",
                                                     "", "Fee \"March\"", "", "", 3});
    expect_entry(&s->entries[2], (struct want_entry){"2024-03-17", "", 1, true, "EUR", "R4", "",
                                                     "", "", "", 6});
    s = &f.stmts[1];
    expect_stmt(s, "GB29NWBK60161331926819", "S9", "GBP", 1);
    /* The quoted remittance spans lines 4-5; its line break becomes one space. */
    expect_entry(&s->entries[0], (struct want_entry){"2024-03-16", "2024-03-16", 25000, true,
                                                     "GBP", "R3", "", "two lines", "", "", 4});
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    free(in);
}

static void test_semicolon_export(void **state)
{
    (void)state;
    size_t len;
    char *in = testdata("sample-semicolon.csv", &len);
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, len, &german, &f, &err);
    if (rc) print_error("%s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(f.nstmts, 1);
    const struct owed_bank_statement *s = &f.stmts[0];
    expect_stmt(s, "DE89370400440532013000", "", "EUR", 2);
    /* A quoted ';' and a bare ',' are both just text. */
    expect_entry(&s->entries[0],
                 (struct want_entry){"2024-03-15", "2024-03-15", 123456, true, "EUR", "", "",
                                     "RE 2024-001; RE 2024-002", "M\xC3\xBCller, Hans",
                                     "DE44500105175407324931", 2});
    /* A debit written negative in the debit column. */
    expect_entry(&s->entries[1], (struct want_entry){"2024-03-16", "2024-03-18", 1250, false,
                                                     "EUR", "", "", "Kontof\xC3\xBChrung", "", "",
                                                     3});
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    free(in);
}

static void test_delimiters_and_headers(void **state)
{
    (void)state;
    /* Tab-separated, headers in another case and padded, columns in another order, a
     * quoted tab and an unquoted comma; US dates. */
    const struct owed_bank_csv_map tsv = {
        .booking_date = "Date", .amount = "Amount", .remittance = "Memo",
        .currency = "Currency", .account = "Account", .date_format = "MM/DD/YYYY",
        .delimiter = '\t',
    };
    const char *in = " memo \tCURRENCY\tamount\tdate\taccount\r\n"
                     "\"a\tb\"\tUSD\t-1.5\t03/31/2024\tX,1\r\n"
                     "c,d\tJPY\t1500\t12/01/2023\tY\r\n";
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, strlen(in), &tsv, &f, &err);
    if (rc) print_error("%s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(f.nstmts, 2);
    expect_stmt(&f.stmts[0], "X,1", "", "USD", 1);
    expect_entry(&f.stmts[0].entries[0], (struct want_entry){"2024-03-31", "", 150, false, "USD",
                                                             "", "", "a b", "", "", 2});
    expect_stmt(&f.stmts[1], "Y", "", "JPY", 1);
    expect_entry(&f.stmts[1].entries[0], (struct want_entry){"2023-12-01", "", 1500, true, "JPY",
                                                             "", "", "c,d", "", "", 3});
    owed_bank_file_free(&f);

    /* '|' works as well; an empty account cell is the empty account, not the default. */
    const struct owed_bank_csv_map pipe = {.booking_date = "d", .amount = "a", .account = "k",
                                           .delimiter = '|', .default_currency = "CHF",
                                           .default_account = "unused"};
    in = "d|a|k\n2024-01-01|\"1|2\"|\n";
    rc = parse(in, strlen(in), &pipe, &f, &err);
    assert_int_equal(rc, OWED_E_PARSE);
    assert_string_equal(err.ptr, "2: a: 1|2 is not a decimal amount");
    owed_bank_file_free(&f);
    owed_buf_reset(&err);
    in = "d|a|k\n2024-01-01|12.05|\n";
    assert_int_equal(parse(in, strlen(in), &pipe, &f, &err), OWED_OK);
    expect_stmt(&f.stmts[0], "", "", "CHF", 1);
    assert_int_equal(f.stmts[0].entries[0].amount_minor, 1205);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

static void test_amounts(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool decimal_comma;
        const char *currency;
        int64_t want; /* 0: rejected */
    } cases[] = {
        {"1234.56", false, "EUR", 123456},   {"+7", false, "EUR", 700},
        {"-0.01", false, "EUR", -1},         {"1.5", false, "KWD", 1500},
        {"1500", false, "JPY", 1500},        {"1.500", false, "EUR", 150},
        {"1,234.56", false, "EUR", 0},       {"12,50", false, "EUR", 0},
        {"1.234,56", true, "EUR", 123456},   {"1234,5", true, "EUR", 123450},
        {"12.345.678,9", true, "EUR", 1234567890}, {"1.234", true, "EUR", 123400},
        {"1234.56", true, "EUR", 0},         {"1.23,4", true, "EUR", 0},
        {"12345.678,00", true, "EUR", 0},    {".5", false, "EUR", 0},
        {"5.", false, "EUR", 0},             {"1,", true, "EUR", 0},
        {"1.2.3", false, "EUR", 0},          {"1e3", false, "EUR", 0},
        {"1.001", false, "EUR", 0},          {" 3 ", false, "EUR", 300},
        {"- 3", false, "EUR", 0},            {"", false, "EUR", 0},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        struct owed_bank_csv_map map = {.booking_date = "d", .amount = "a",
                                        .decimal_comma = cases[i].decimal_comma,
                                        .delimiter = ';',
                                        .default_currency = cases[i].currency};
        char in[128];
        snprintf(in, sizeof in, "d;a\n2024-01-01;%s\n", cases[i].text);
        struct owed_bank_file f;
        struct owed_buf err = OWED_BUF_INIT(4096);
        int rc = parse(in, strlen(in), &map, &f, &err);
        if ((rc == OWED_OK) != (cases[i].want != 0))
            print_error("%s (comma %d): rc %d %s\n", cases[i].text, cases[i].decimal_comma, rc,
                        err.ptr);
        if (cases[i].want) {
            assert_int_equal(rc, OWED_OK);
            const struct owed_bank_entry *e = &f.stmts[0].entries[0];
            int64_t got = e->credit ? e->amount_minor : -e->amount_minor;
            assert_int_equal(got, cases[i].want);
        } else {
            assert_int_equal(rc, OWED_E_PARSE);
            assert_non_null(strstr(err.ptr, "2: a: "));
        }
        owed_bank_file_free(&f);
        owed_buf_release(&err);
    }
}

static void test_dates(void **state)
{
    (void)state;
    static const struct {
        const char *format, *text, *want; /* want NULL: rejected */
    } cases[] = {
        {NULL, "2024-02-29", "2024-02-29"},       {NULL, "2023-02-29", NULL},
        {NULL, "29.02.2024", NULL},               {"YYYY-MM-DD", "2024-12-31", "2024-12-31"},
        {"DD.MM.YYYY", "29.02.2024", "2024-02-29"}, {"DD.MM.YYYY", "29/02/2024", NULL},
        {"DD.MM.YYYY", "1.2.2024", NULL},         {"DD/MM/YYYY", "31/12/2024", "2024-12-31"},
        {"DD/MM/YYYY", "12/31/2024", NULL},       {"MM/DD/YYYY", "12/31/2024", "2024-12-31"},
        {"MM/DD/YYYY", "31/12/2024", NULL},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        struct owed_bank_csv_map map = {.value_date = "v", .amount = "a",
                                        .date_format = cases[i].format,
                                        .default_currency = "EUR"};
        char in[128];
        snprintf(in, sizeof in, "a,v\n1,%s\n", cases[i].text);
        struct owed_bank_file f;
        struct owed_buf err = OWED_BUF_INIT(4096);
        int rc = parse(in, strlen(in), &map, &f, &err);
        if (cases[i].want) {
            if (rc) print_error("%s: %s\n", cases[i].text, err.ptr);
            assert_int_equal(rc, OWED_OK);
            expect_date(f.stmts[0].entries[0].value_date, cases[i].want);
            expect_date(f.stmts[0].entries[0].booking_date, "");
        } else {
            assert_int_equal(rc, OWED_E_PARSE);
            char want[128];
            snprintf(want, sizeof want, "2: v: %s is not a date (%s)", cases[i].text,
                     cases[i].format ? cases[i].format : "YYYY-MM-DD");
            assert_string_equal(err.ptr, want);
        }
        owed_bank_file_free(&f);
        owed_buf_release(&err);
    }
}

static void test_own_malformed_files(void **state)
{
    (void)state;
    static const struct {
        const char *file, *err;
    } cases[] = {
        {"missing-column.csv", "1: missing column booking_date"},
        {"bad-amount.csv", "3: amount: 1.234.00 is not a decimal amount"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        size_t len;
        char *in = testdata(cases[i].file, &len);
        struct owed_bank_file f;
        struct owed_buf err = OWED_BUF_INIT(4096);
        assert_int_equal(parse(in, len, NULL, &f, &err), OWED_E_PARSE);
        assert_string_equal(err.ptr, cases[i].err);
        owed_bank_file_free(&f);
        owed_buf_release(&err);
        free(in);
    }
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", "1: missing header row");
    expect_error("\xEF\xBB\xBF\n\n", "1: missing header row");
    expect_error("account,booking_date\n", "1: missing column statement_id");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,EUR,,,\n", "2: expected 11 fields, found 10");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,EUR,,,,\"x\n",
                 "2: unterminated quoted field");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,EUR,,,,\xff\n", "2: invalid UTF-8");
    expect_error(OWED_HEADER "A,S,R,,,1,EUR,,,,\n", "2: booking_date: missing date");
    expect_error(OWED_HEADER "A,S,R,2024-13-01,,1,EUR,,,,\n",
                 "2: booking_date: 2024-13-01 is not a date (YYYY-MM-DD)");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,EUR,,,,\nA,S,R,2024-01-01,,0.00,EUR,,,,\n",
                 "3: amount: zero amount");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,,EUR,,,,\n", "2: amount: missing");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1.234,EUR,,,,\n",
                 "2: amount: 1.234 has more decimals than EUR allows");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,-9223372036854775808,JPY,,,,\n",
                 "2: amount: -9223372036854775808 is out of range");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,EURO,,,,\n",
                 "2: currency: unknown currency EURO");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,,,,,\n", "2: currency: missing");
    expect_error(OWED_HEADER "A,S,R,2024-01-01,,1,EUR,,,,\nA,S,R,2024-01-01,,1,USD,,,,\n",
                 "3: currency: USD differs from the statement's EUR");
    expect_error("account,AMOUNT,statement_id,entry_ref,booking_date,value_date,amount,currency,"
                 "end_to_end,counterparty_name,counterparty_account,remittance\n",
                 "1: column amount appears twice");

    /* Credit and debit columns: exactly one carries the amount. */
    const struct owed_bank_csv_map cd = {.booking_date = "d", .credit = "c", .debit = "s",
                                         .default_currency = "EUR"};
    expect_error_map("d,c,s\n2024-01-01,1,2\n", &cd, OWED_E_PARSE,
                     "2: c: both a credit and a debit");
    expect_error_map("d,c,s\n2024-01-01,,\n", &cd, OWED_E_PARSE, "2: c: no amount");
    expect_error_map("d,c,s\n2024-01-01,0,0\n", &cd, OWED_E_PARSE, "2: c: no amount");
    expect_error_map("d,c,s\n2024-01-01,-1,\n", &cd, OWED_E_PARSE, "2: c: negative credit");
}

static void test_bad_maps(void **state)
{
    (void)state;
    const char *in = "d,a\n2024-01-01,1\n";
    struct owed_bank_csv_map m = {.booking_date = "d", .amount = "a", .default_currency = "EUR"};
    m.delimiter = '"';
    expect_error_map(in, &m, OWED_E_INVALID, "1: delimiter 0x22 cannot separate CSV fields");
    m.delimiter = '\n';
    expect_error_map(in, &m, OWED_E_INVALID, "1: delimiter 0x0a cannot separate CSV fields");
    m.delimiter = 0;
    m.date_format = "YYYYMMDD";
    expect_error_map(in, &m, OWED_E_INVALID,
                     "1: date format YYYYMMDD is not one of YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY, "
                     "MM/DD/YYYY");
    m.date_format = NULL;
    m.default_currency = "XXX";
    expect_error_map(in, &m, OWED_E_INVALID, "1: default currency XXX is not an ISO 4217 code");
    m.default_currency = NULL;
    expect_error_map(in, &m, OWED_E_INVALID,
                     "1: the mapping has no currency column and no default");
    m.default_currency = "EUR";
    m.booking_date = "";
    expect_error_map(in, &m, OWED_E_INVALID, "1: the mapping names no date column");
    m.booking_date = "d";
    m.amount = NULL;
    expect_error_map(in, &m, OWED_E_INVALID, "1: the mapping names no amount column");
    m.amount = "a";
    m.credit = "c";
    expect_error_map(in, &m, OWED_E_INVALID,
                     "1: the mapping names a signed amount and credit/debit columns");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owed_layout),     cmocka_unit_test(test_semicolon_export),
        cmocka_unit_test(test_delimiters_and_headers), cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_dates),           cmocka_unit_test(test_own_malformed_files),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_bad_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
