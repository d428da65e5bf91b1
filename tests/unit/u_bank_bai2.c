/* Unit tests for the BAI2 reader (src/io/bank_bai2.c).
 *
 * First our own files in tests/data/bank (every field of every statement and entry), and
 * small inline files for each rule and each error. Then every file of
 * ../shared/fixtures/bai2 against its EXPECTED.json: peer_assertions (what the upstream
 * suites assert) decide, derived_facts are cross-checks. Without OWED_SHARED the fixture
 * part prints "skipped" and the program exits 77 after the own tests pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/bank.h"
#include "bank_files.h"

/* ---- helpers ---- */

static void date_str(owed_date d, char out[11])
{
    if (d == OWED_BANK_NO_DATE) {
        out[0] = '\0';
        return;
    }
    owed_date_format(d, out);
}

static void expect_date(owed_date got, const char *want)
{
    char s[11];
    date_str(got, s);
    assert_string_equal(s, want);
}

static void expect_balance(const struct owed_bank_balance *b, const char *type, int64_t amount,
                           const char *date)
{
    if (!type) {
        assert_false(b->present);
        return;
    }
    assert_true(b->present);
    assert_string_equal(b->type, type);
    assert_int_equal(b->amount_minor, amount);
    expect_date(b->date, date);
}

static void expect_stmt(const struct owed_bank_statement *s, const char *account,
                        const char *id, const char *currency, const char *date, size_t nentries)
{
    assert_string_equal(s->account, account);
    assert_string_equal(s->statement_id, id);
    assert_string_equal(s->currency, currency);
    expect_date(s->date, date);
    assert_int_equal(s->nentries, nentries);
}

struct want_entry {
    const char *booking, *value;
    int64_t amount;
    bool credit;
    const char *currency, *ref, *e2e, *remittance, *code;
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
    assert_string_equal(e->counterparty_name, "");
    assert_string_equal(e->counterparty_account, "");
    assert_string_equal(e->bank_code, w.code);
    assert_int_equal(e->line, w.line);
}

static int parse(const char *in, size_t len, struct owed_bank_file *f, struct owed_buf *err)
{
    owed_bank_file_init(f);
    int rc = owed_bank_parse_bai2(in, len, f, err);
    /* A failed parse still leaves a file that owed_bank_file_free takes. */
    assert_true(rc == OWED_OK || rc == OWED_E_PARSE);
    assert_int_equal(f->format, OWED_BANK_BAI2);
    return rc;
}

/* The input must be rejected with exactly this message. */
static void expect_error(const char *in, const char *want)
{
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, strlen(in), &f, &err);
    if (rc != OWED_E_PARSE || strcmp(err.ptr, want) != 0)
        print_error("input:\n%s\nrc %d, err: %s\nwant: %s\n", in, rc, err.ptr, want);
    assert_int_equal(rc, OWED_E_PARSE);
    assert_string_equal(err.ptr, want);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

#define HEAD "01,S,R,240315,0800,F1,,,2/\n02,R,ORIG,1,240314,,USD,/\n"
#define TAIL "98,0,1,4/\n99,0,1,6/\n"

/* ---- own samples ---- */

static void check_sample(const struct owed_bank_file *f)
{
    assert_string_equal(f->version, "BAI2");
    assert_int_equal(f->nstmts, 3);

    const struct owed_bank_statement *s = &f->stmts[0];
    expect_stmt(s, "1001-77", "021000021/FILE42/1001-77/2024-03-14", "USD", "2024-03-14", 3);
    /* 010 wins over the 040 before it, 015 over the 045 after it. */
    expect_balance(&s->opening, "010", 150000, "2024-03-14");
    expect_balance(&s->closing, "015", 225000, "2024-03-14");
    expect_entry(&s->entries[0],
                 (struct want_entry){"2024-03-14", "2024-03-15", 75000, true, "USD", "BR-0001",
                                     "INV-2024-001",
                                     "Payment for INV-2024-001, INV-2024-002/partial ACME GMBH, "
                                     "MUNICH",
                                     "165", 6});
    expect_entry(&s->entries[1], (struct want_entry){"2024-03-14", "", 15000, false, "USD",
                                                     "BR-0002", "CHK-88", "Check 88 paid", "475",
                                                     8});
    expect_entry(&s->entries[2], (struct want_entry){"2024-03-14", "", 15000, true, "USD",
                                                     "BR-0003", "", "LOCKBOX 12/14 DEPOSIT",
                                                     "115", 9});

    s = &f->stmts[1];
    expect_stmt(s, "2002-99", "021000021/FILE42/2002-99/2024-03-14", "JPY", "2024-03-14", 1);
    expect_balance(&s->opening, "010", 500000, "2024-03-14");
    expect_balance(&s->closing, NULL, 0, NULL);
    expect_entry(&s->entries[0], (struct want_entry){"2024-03-14", "", 120000, true, "JPY",
                                                     "BR-JP1", "ORD-7", "Yen wire", "195", 15});

    s = &f->stmts[2];
    expect_stmt(s, "3003", "021000021/FILE42/3003/2024-03-15", "USD", "2024-03-15", 1);
    expect_balance(&s->opening, NULL, 0, NULL); /* 040 without an amount */
    expect_balance(&s->closing, "015", -2500, "2024-03-15");
    expect_entry(&s->entries[0], (struct want_entry){"2024-03-15", "", 2500, false, "USD", "BR-9",
                                                     "", "Fee", "495", 21});
}

static void test_sample(void **state)
{
    (void)state;
    size_t len;
    char *in = testdata("sample.bai2", &len);
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(parse(in, len, &f, &err), OWED_OK);
    assert_int_equal(err.len, 0);
    check_sample(&f);
    owed_bank_file_free(&f);

    /* The same file with CRLF line ends, trailing blanks and a byte order mark. */
    struct owed_buf crlf = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_adds(&crlf, "\xEF\xBB\xBF");
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\n') owed_buf_adds(&crlf, "  \r");
        owed_buf_addc(&crlf, in[i]);
    }
    assert_int_equal(parse(crlf.ptr, crlf.len, &f, &err), OWED_OK);
    check_sample(&f);
    owed_bank_file_free(&f);
    owed_buf_release(&crlf);
    owed_buf_release(&err);
    free(in);
}

static void test_own_malformed_files(void **state)
{
    (void)state;
    static const struct {
        const char *file, *err;
    } cases[] = {
        {"truncated.bai2", "4: file ends before its trailer (49 missing)"},
        {"bad-amount.bai2", "4: amount 75.00 is not a number"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        size_t len;
        char *in = testdata(cases[i].file, &len);
        struct owed_bank_file f;
        struct owed_buf err = OWED_BUF_INIT(4096);
        assert_int_equal(parse(in, len, &f, &err), OWED_E_PARSE);
        assert_string_equal(err.ptr, cases[i].err);
        owed_bank_file_free(&f);
        owed_buf_release(&err);
        free(in);
    }
}

/* Continuations join fields across lines; text takes the rest of the record. */
static void test_continuations(void **state)
{
    (void)state;
    const char *in = HEAD
        "03,A1,EUR,010,100/\n"             /* record ends after an amount... */
        "88,,,015,-200,,,/\n"              /* ...the next line brings the rest */
        "16,409\n"                         /* a detail cut after its type code */
        "88,300,V,240313,,REF1,CUST\n"    /* fields go on; the text starts on the next */
        "88,text, with /slashes/ inside\n"
        "88,and commas,/\n"                /* ",/" closes an empty field after the text */
        "49,0,6/\n" TAIL;
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(parse(in, strlen(in), &f, &err), OWED_OK);
    assert_int_equal(f.nstmts, 1);
    const struct owed_bank_statement *s = &f.stmts[0];
    expect_stmt(s, "A1", "ORIG/F1/A1/2024-03-14", "EUR", "2024-03-14", 1);
    expect_balance(&s->opening, "010", 100, "2024-03-14");
    expect_balance(&s->closing, "015", -200, "2024-03-14");
    const struct owed_bank_entry *e = &s->entries[0];
    assert_string_equal(e->entry_ref, "REF1");
    assert_string_equal(e->end_to_end, "CUST");
    assert_string_equal(e->remittance, "text, with /slashes/ inside and commas");
    expect_date(e->value_date, "2024-03-13");
    assert_int_equal(e->amount_minor, 300);
    assert_false(e->credit);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

static void test_rules(void **state)
{
    (void)state;
    /* No currency anywhere: USD. Blank trailer totals are accepted; totals and counts
     * that do not reconcile are not checked (see bank_bai2.c). */
    const char *in = "01,S,R,240315,0800,F1,,,3/\n02,R,ORIG,1,991231,,,/\n"
                     "03,A1,,040,5,,,045,6,,/\n"
                     "16,100,1,,,,\n" /* no text at all */
                     "16,699,2,Z,,,\n"
                     "16,700,3,,,,loan detail: no entry\n"
                     "49,,/\n98,123,9,9/\n99,,,/\n";
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(parse(in, strlen(in), &f, &err), OWED_OK);
    assert_string_equal(f.version, "BTRS3");
    const struct owed_bank_statement *s = &f.stmts[0];
    expect_stmt(s, "A1", "ORIG/F1/A1/1999-12-31", "USD", "1999-12-31", 2);
    expect_balance(&s->opening, "040", 5, "1999-12-31");
    expect_balance(&s->closing, "045", 6, "1999-12-31");
    assert_true(s->entries[0].credit);
    assert_string_equal(s->entries[0].remittance, "");
    assert_false(s->entries[1].credit);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", "1: no BAI2 file header (01)");
    expect_error("\n\n", "2: no BAI2 file header (01)");
    expect_error("00,0004,1/2/345,06/0321,0829,001,80,1,2/\n", "1: unsupported record type 00");
    expect_error("hello\n", "1: unsupported record type hello");
    expect_error("88,x\n", "1: continuation (88) without a record to continue");
    expect_error("02,R,O,1,240314,,,/\n", "1: expected file header (01), found record 02");
    expect_error("01,S,R,240315,0800,F1,,,1/\n", "1: BAI version 1 is not supported (2 or 3)");
    expect_error("01,S,R,241315,0800,F1,,,2/\n",
                 "1: file creation date 241315 is not a calendar date");
    expect_error(HEAD "16,165,1,,,,\n", "3: record 16 cannot follow record 02");
    expect_error(HEAD "03,A,XXX/\n", "3: unknown currency XXX");
    expect_error(HEAD "03,,USD/\n", "3: account number missing");
    expect_error(HEAD "03,A/\n16,010,5/\n", "4: type code 010 is not a detail type code");
    expect_error(HEAD "03,A/\n16,16,5/\n", "4: type code 16 is not three digits");
    expect_error(HEAD "03,A/\n16,165/\n", "4: detail amount missing");
    expect_error(HEAD "03,A/\n16,165,-5/\n", "4: amount -5 is not a number");
    expect_error(HEAD "03,A/\n16,165,99999999999999999999/\n",
                 "4: amount 99999999999999999999 is out of range");
    expect_error(HEAD "03,A/\n16,165,5,Q/\n", "4: unknown funds type Q");
    expect_error(HEAD "03,A/\n16,165,5,V,240230/\n", "4: value date 240230 is not a calendar date");
    expect_error(HEAD "03,A/\n16,165,5,D,2,0,5/\n",
                 "4: funds type D lists fewer distributions than 2");
    expect_error(HEAD "03,A,,010,x/\n", "3: amount x is not a number");
    expect_error(HEAD "03,A,,010,1,x/\n", "3: item count x is not a number");
    expect_error(HEAD "03,A/\n49,1,x/\n", "4: record count x is not a number");
    expect_error(HEAD "03,A/\n49,1,2/\n98,1,2,3/\n99,0,1/\n03,B/\n",
                 "7: record 03 after the file trailer (99)");
    expect_error(HEAD "03,A/\n49,1,2/\n98,1,2,3/\n",
                 "5: file ends before its trailer (99 missing)");
    expect_error(HEAD "03,A/\n49,1,2/\n", "4: file ends before its trailer (98 missing)");
}

/* Text that is not UTF-8 is taken as ISO 8859-1; control characters become blanks. */
static void test_text_encoding(void **state)
{
    (void)state;
    const char in[] = HEAD "03,A/\n16,165,5,,,,M\xFC" "ller\tGmbH\n49,5,3/\n" TAIL;
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(parse(in, sizeof in - 1, &f, &err), OWED_OK);
    assert_string_equal(f.stmts[0].entries[0].remittance, "M\xC3\xBCller GmbH");
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

/* ---- ../shared/fixtures/bai2 ---- */

static const char *shared_dir;

static const char *jstr(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A whole number from a JSON string ("+000000000000") or integer; never a real. */
static int64_t jint(json_t *v)
{
    int64_t out = 0;
    if (json_is_integer(v)) return (int64_t)json_integer_value(v);
    assert_true(json_is_string(v));
    const char *s = json_string_value(v);
    assert_int_equal(owed_amount_parse(s, strlen(s), 0, &out), OWED_OK);
    return out;
}

/* "YYMMDD" as the statement_id writes it. */
static void yymmdd_iso(const char *s, char out[11])
{
    int yy = (s[0] - '0') * 10 + (s[1] - '0');
    snprintf(out, 11, "%04d-%.2s-%.2s", yy < 80 ? 2000 + yy : 1900 + yy, s + 2, s + 4);
}

/* The last summary of a type that reports an amount. */
static json_t *last_summary(json_t *summaries, const char *type)
{
    json_t *found = NULL, *sum;
    size_t i;
    json_array_foreach(summaries, i, sum) {
        const char *t = jstr(sum, "type"), *a = jstr(sum, "amount");
        if (t && strcmp(t, type) == 0 && a && *a) found = sum;
    }
    return found;
}

/* Opening from 010 else 040, closing from 015 else 045. */
static void check_summaries(const struct owed_bank_statement *s, json_t *summaries,
                            const char *asof)
{
    const char *types[2][2] = {{"010", "040"}, {"015", "045"}};
    const struct owed_bank_balance *bal[2] = {&s->opening, &s->closing};
    for (int k = 0; k < 2; k++) {
        json_t *found = last_summary(summaries, types[k][0]);
        if (!found) found = last_summary(summaries, types[k][1]);
        if (!found) {
            assert_false(bal[k]->present);
            continue;
        }
        expect_balance(bal[k], jstr(found, "type"), jint(json_object_get(found, "amount")), asof);
    }
}

/* One account of derived_facts against statement s: entries are the details with a
 * credit (100-399) or debit (400-699) type code and a non-zero amount, in order. */
static void check_account(const struct owed_bank_statement *s, json_t *acct, json_t *group,
                          json_t *header)
{
    assert_string_equal(s->account, jstr(acct, "account"));
    const char *cur = jstr(acct, "currency");
    if (!cur) cur = jstr(group, "currency");
    assert_string_equal(s->currency, cur ? cur : "USD");
    char asof[11];
    yymmdd_iso(jstr(group, "as_of_date"), asof);
    expect_date(s->date, asof);
    char id[512];
    snprintf(id, sizeof id, "%s/%s/%s/%s", jstr(group, "originator"), jstr(header, "file_id"),
             jstr(acct, "account"), asof);
    assert_string_equal(s->statement_id, id);
    check_summaries(s, json_object_get(acct, "summaries"), asof);
    size_t k = 0, i;
    json_t *d;
    json_array_foreach(json_object_get(acct, "details"), i, d) {
        int type = (int)jint(json_object_get(d, "type"));
        int64_t amount = jint(json_object_get(d, "amount"));
        if (type < 100 || type >= 700 || amount == 0) continue;
        assert_true(k < s->nentries);
        const struct owed_bank_entry *e = &s->entries[k++];
        assert_int_equal(e->amount_minor, amount);
        assert_int_equal(e->credit, type < 400);
        assert_string_equal(e->bank_code, jstr(d, "type"));
        assert_string_equal(e->currency, s->currency);
        expect_date(e->booking_date, asof);
    }
    assert_int_equal(k, s->nentries);
}

static void check_fixture(const char *name, json_t *exp, int *parsed, int *rejected)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fixtures/bai2/%s", shared_dir, name);
    size_t len;
    char *in = slurp(path, &len);
    if (!in) print_error("cannot read %s\n", path);
    assert_non_null(in);
    json_t *peer = json_object_get(exp, "peer_assertions");
    json_t *facts = json_object_get(exp, "derived_facts");
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, len, &f, &err);
    const char *want_err = jstr(peer, "expected_error");
    if (want_err) {
        /* moov-io: "ERROR parsing file on line 1 (unsupported record type 00)". */
        const char *open = strchr(want_err, '('), *close = strrchr(want_err, ')');
        assert_non_null(open);
        char reason[256];
        snprintf(reason, sizeof reason, "1: %.*s", (int)(close - open - 1), open + 1);
        if (rc != OWED_E_PARSE) print_error("%s: should be rejected\n", name);
        assert_int_equal(rc, OWED_E_PARSE);
        assert_string_equal(err.ptr, reason);
        printf("  %-62s rejected: %s\n", name, err.ptr);
        (*rejected)++;
    } else {
        if (rc) print_error("%s: %s\n", name, err.ptr);
        assert_int_equal(rc, OWED_OK);
        /* Every account is one statement, in file order. */
        size_t n = 0, gi, ai;
        json_t *g, *a;
        json_array_foreach(json_object_get(facts, "groups"), gi, g) {
            json_array_foreach(json_object_get(g, "accounts"), ai, a) {
                assert_true(n < f.nstmts);
                check_account(&f.stmts[n++], a, g, json_object_get(facts, "file_header"));
            }
        }
        assert_int_equal(n, f.nstmts);
        assert_int_equal((int64_t)f.nstmts, jint(json_object_get(facts, "account_count")));
        json_t *pc = json_object_get(peer, "account_count");
        if (pc) assert_int_equal((int64_t)f.nstmts, jint(pc));
        json_t *per = json_object_get(peer, "details_per_account");
        if (per) {
            assert_int_equal(json_array_size(per), f.nstmts);
            for (size_t i = 0; i < f.nstmts; i++)
                assert_int_equal((int64_t)f.stmts[i].nentries, jint(json_array_get(per, i)));
        }
        /* venturehacks: the type code and direction of each transaction. */
        json_t *tx = json_object_get(peer, "transactions");
        if (tx) {
            assert_int_equal(f.nstmts, 1);
            assert_int_equal(f.stmts[0].nentries, json_array_size(tx));
            for (size_t i = 0; i < json_array_size(tx); i++) {
                json_t *t = json_array_get(tx, i);
                char code[8];
                snprintf(code, sizeof code, "%lld", (long long)jint(json_object_get(t, "code")));
                assert_string_equal(f.stmts[0].entries[i].bank_code, code);
                assert_int_equal(f.stmts[0].entries[i].credit,
                                 strcmp(jstr(t, "transaction"), "credit") == 0);
            }
        }
        size_t entries = 0;
        for (size_t i = 0; i < f.nstmts; i++) entries += f.stmts[i].nentries;
        printf("  %-62s %zu statement(s), %zu entries\n", name, f.nstmts, entries);
        (*parsed)++;
    }
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    free(in);
}

static void test_fixtures(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/fixtures/bai2/EXPECTED.json", shared_dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) print_error("%s: %s\n", path, jerr.text);
    assert_non_null(root);
    json_t *files = json_object_get(root, "files");
    assert_true(json_object_size(files) >= 10);
    int parsed = 0, rejected = 0;
    const char *name;
    json_t *exp;
    json_object_foreach(files, name, exp) check_fixture(name, exp, &parsed, &rejected);
    printf("bai2 fixtures: %d parsed, %d rejected as the peers expect\n", parsed, rejected);
    assert_int_equal(parsed + rejected, (int)json_object_size(files));
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_sample),        cmocka_unit_test(test_own_malformed_files),
        cmocka_unit_test(test_continuations), cmocka_unit_test(test_rules),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_text_encoding),
    };
    int rc = cmocka_run_group_tests_name("bai2", own, NULL, NULL);
    if (rc) return rc;
    shared_dir = getenv("OWED_SHARED");
    if (!shared_dir || !*shared_dir) {
        printf("skipped: OWED_SHARED is not set, ../shared/fixtures/bai2 not checked\n");
        return 77;
    }
    const struct CMUnitTest fixtures[] = {cmocka_unit_test(test_fixtures)};
    return cmocka_run_group_tests_name("bai2 fixtures", fixtures, NULL, NULL);
}
