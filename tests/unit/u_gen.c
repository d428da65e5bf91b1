/* The synthetic-data generator: deterministic bytes per seed, exact headers, and every row
 * valid for import (references resolve, currencies agree, amounts parse at the currency's
 * exponent, payments never before their invoice). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/gen.h"
#include "base.h"

#define NCUST 200
#define NINV 2000
#define NFIELDS 16
#define FIELD_MAX 512

static const char *const files[] = { "customers.csv", "invoices.csv", "payments.csv" };

struct tmpdirs {
    char path[4][64];
    int n;
};

static char *new_dir(struct tmpdirs *t)
{
    assert_true(t->n < 4);
    char *p = t->path[t->n++];
    const char *base = getenv("TMPDIR");
    snprintf(p, 64, "%s/u_gen.XXXXXX", base && strlen(base) < 40 ? base : "/tmp");
    assert_non_null(mkdtemp(p));
    return p;
}

static void remove_dirs(struct tmpdirs *t)
{
    for (int i = 0; i < t->n; i++) {
        char f[128];
        for (size_t k = 0; k < OWED_ARRAY_LEN(files); k++) {
            snprintf(f, sizeof f, "%s/%s", t->path[i], files[k]);
            (void)unlink(f);
        }
        (void)rmdir(t->path[i]);
    }
}

static int gen(const char *dir, long customers, long invoices, uint64_t seed)
{
    struct owed_gen_opts o;
    owed_gen_opts_init(&o);
    o.customers = customers;
    o.invoices = invoices;
    o.seed = seed;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_gen_write(&o, dir, &err);
    if (rc) print_message("owed_gen_write: %s\n", err.ptr);
    owed_buf_release(&err);
    return rc;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct owed_buf b = OWED_BUF_INIT(0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(&b, chunk, n);
    assert_int_equal(ferror(f), 0);
    fclose(f);
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    return owed_buf_detach(&b, len);
}

/* Splits one RFC 4180 record (no embedded newlines: the generator writes none). */
static size_t split(const char *s, size_t len, char out[NFIELDS][FIELD_MAX])
{
    size_t nf = 0, i = 0;
    for (;;) {
        assert_true(nf < NFIELDS);
        size_t o = 0;
        if (i < len && s[i] == '"') {
            for (i++;; i++) {
                assert_true(i < len); /* unterminated quote */
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                assert_true(o + 1 < FIELD_MAX);
                out[nf][o++] = s[i];
            }
            assert_true(i == len || s[i] == ',');
        } else {
            for (; i < len && s[i] != ','; i++) {
                assert_int_not_equal(s[i], '"');
                assert_true(o + 1 < FIELD_MAX);
                out[nf][o++] = s[i];
            }
        }
        out[nf++][o] = '\0';
        if (i == len) return nf;
        i++; /* comma */
    }
}

/* Iterates the lines of a file held in memory. */
struct lines {
    const char *p, *end;
    long n;
};

static bool next_line(struct lines *l, char fields[NFIELDS][FIELD_MAX], size_t *nf)
{
    if (l->p >= l->end) return false;
    const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    assert_non_null(nl); /* every row ends with LF */
    *nf = split(l->p, (size_t)(nl - l->p), fields);
    l->p = nl + 1;
    l->n++;
    return true;
}

static int64_t amount(const char *s, const char *currency)
{
    int exp = owed_currency_exponent(currency);
    assert_true(exp >= 0);
    int64_t v = 0;
    assert_int_equal(owed_amount_parse(s, strlen(s), exp, &v), OWED_OK);
    assert_true(v > 0);
    return v;
}

static owed_date date(const char *s)
{
    owed_date d = 0;
    assert_int_equal(owed_date_parse(s, strlen(s), &d), OWED_OK);
    return d;
}

/* Index from a reference such as "C000042" (prefix then exactly `width` digits). */
static long ref_index(const char *s, const char *prefix, size_t width, long max)
{
    size_t pl = strlen(prefix);
    assert_int_equal(strncmp(s, prefix, pl), 0);
    assert_int_equal(strlen(s), pl + width);
    long v = 0;
    for (const char *c = s + pl; *c; c++) {
        assert_true(*c >= '0' && *c <= '9');
        v = v * 10 + (*c - '0');
    }
    assert_true(v >= 1 && v <= max);
    return v - 1;
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    struct tmpdirs t = { .n = 0 };
    const char *a = new_dir(&t), *b = new_dir(&t), *c = new_dir(&t);
    assert_int_equal(gen(a, NCUST, NINV, 42), OWED_OK);
    assert_int_equal(gen(b, NCUST, NINV, 42), OWED_OK);
    assert_int_equal(gen(c, NCUST, NINV, 43), OWED_OK);
    for (size_t k = 0; k < OWED_ARRAY_LEN(files); k++) {
        size_t la, lb, lc;
        char *fa = slurp(a, files[k], &la), *fb = slurp(b, files[k], &lb);
        char *fc = slurp(c, files[k], &lc);
        assert_int_equal(la, lb);
        assert_memory_equal(fa, fb, la);
        assert_true(la != lc || memcmp(fa, fc, la) != 0);
        free(fa);
        free(fb);
        free(fc);
    }
    remove_dirs(&t);
}

struct book {
    char currency[NCUST][4];
    char customer[NINV][8];
    owed_date issue[NINV];
};

static void check_customers(const char *dir, struct book *bk)
{
    static char f[NFIELDS][FIELD_MAX];
    size_t len, nf;
    char *text = slurp(dir, "customers.csv", &len);
    struct lines l = { text, text + len, 0 };
    assert_true(next_line(&l, f, &nf));
    assert_int_equal(strncmp(text, "customer_ref,name,email,currency,terms,credit_limit\n", 52), 0);
    bool quoted = false, utf8 = false;
    while (next_line(&l, f, &nf)) {
        assert_int_equal(nf, 6);
        long i = ref_index(f[0], "C", 6, NCUST);
        assert_int_equal(i, l.n - 2); /* in order, none missing */
        assert_true(f[1][0] != '\0');
        assert_non_null(strchr(f[2], '@'));
        assert_true(owed_currency_valid(f[3]));
        memcpy(bk->currency[i], f[3], 4);
        assert_true(strcmp(f[4], "NET30") == 0 || strcmp(f[4], "NET45") == 0 ||
                    strcmp(f[4], "NET60") == 0 || strcmp(f[4], "DUE") == 0 ||
                    strcmp(f[4], "2/10 NET30") == 0 || strcmp(f[4], "EOM30") == 0);
        (void)amount(f[5], f[3]);
        quoted |= strpbrk(f[1], ",\"") != NULL;
        for (const char *c = f[1]; *c; c++) utf8 |= (*c & 0x80) != 0;
    }
    assert_int_equal(l.n, NCUST + 1);
    assert_true(quoted); /* CSV quoting is exercised */
    assert_true(utf8);
    free(text);
}

static void check_invoices(const char *dir, struct book *bk)
{
    static char f[NFIELDS][FIELD_MAX];
    size_t len, nf;
    char *text = slurp(dir, "invoices.csv", &len);
    struct lines l = { text, text + len, 0 };
    const char *hdr = "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number\n";
    assert_int_equal(strncmp(text, hdr, strlen(hdr)), 0);
    assert_true(next_line(&l, f, &nf));
    owed_date end = owed_date_from_ymd(2026, 6, 30), prev = 0;
    while (next_line(&l, f, &nf)) {
        assert_int_equal(nf, 7);
        long i = ref_index(f[0], "INV", 7, NINV);
        assert_int_equal(i, l.n - 2);
        long c = ref_index(f[1], "C", 6, NCUST);
        assert_string_equal(f[4], bk->currency[c]); /* same currency as the customer */
        memcpy(bk->customer[i], f[1], 8);
        owed_date issue = date(f[2]);
        assert_true(issue >= prev && issue <= end && issue > end - 731);
        prev = bk->issue[i] = issue;
        if (f[3][0]) assert_true(date(f[3]) >= issue);
        (void)amount(f[5], f[4]);
    }
    assert_int_equal(l.n, NINV + 1);
    free(text);
}

static void check_payments(const char *dir, const struct book *bk)
{
    static char f[NFIELDS][FIELD_MAX];
    size_t len, nf;
    char *text = slurp(dir, "payments.csv", &len);
    struct lines l = { text, text + len, 0 };
    const char *hdr = "payment_ref,customer_ref,received_date,amount,currency,method,reference,"
                      "invoice_number\n";
    assert_int_equal(strncmp(text, hdr, strlen(hdr)), 0);
    assert_true(next_line(&l, f, &nf));
    owed_date end = owed_date_from_ymd(2026, 6, 30);
    long unapplied = 0;
    while (next_line(&l, f, &nf)) {
        assert_int_equal(nf, 8);
        assert_int_equal(ref_index(f[0], "P", 7, NINV), l.n - 2);
        long c = ref_index(f[1], "C", 6, NCUST);
        assert_string_equal(f[4], bk->currency[c]);
        owed_date received = date(f[2]);
        assert_true(received <= end);
        (void)amount(f[3], f[4]);
        assert_true(strcmp(f[5], "ach") == 0 || strcmp(f[5], "wire") == 0 ||
                    strcmp(f[5], "check") == 0 || strcmp(f[5], "card") == 0 ||
                    strcmp(f[5], "sepa") == 0);
        if (!f[7][0]) {
            unapplied++;
            continue;
        }
        long i = ref_index(f[7], "INV", 7, NINV);
        assert_string_equal(f[1], bk->customer[i]);
        assert_true(received >= bk->issue[i]);
    }
    long npay = l.n - 1;
    print_message("payments: %ld of %d invoices, %ld unapplied\n", npay, NINV, unapplied);
    assert_true(npay > NINV * 70 / 100 && npay <= NINV * 90 / 100 + 50);
    assert_true(unapplied > 0 && unapplied < npay / 10);
    free(text);
}

static void test_rows_valid_for_import(void **state)
{
    (void)state;
    struct tmpdirs t = { .n = 0 };
    const char *d = new_dir(&t);
    assert_int_equal(gen(d, NCUST, NINV, 1), OWED_OK);
    struct book *bk = owed_xcalloc(1, sizeof *bk);
    check_customers(d, bk);
    check_invoices(d, bk);
    check_payments(d, bk);
    free(bk);
    remove_dirs(&t);
}

static void test_no_invoices(void **state)
{
    (void)state;
    struct tmpdirs t = { .n = 0 };
    const char *d = new_dir(&t);
    assert_int_equal(gen(d, 3, 0, 1), OWED_OK);
    size_t len;
    char *p = slurp(d, "payments.csv", &len);
    assert_string_equal(p, "payment_ref,customer_ref,received_date,amount,currency,method,"
                           "reference,invoice_number\n");
    free(p);
    remove_dirs(&t);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct owed_gen_opts o;
    owed_gen_opts_init(&o);
    struct owed_buf err = OWED_BUF_INIT(0);
    o.customers = 0;
    assert_int_equal(owed_gen_write(&o, "/nonexistent-never-created", &err), OWED_E_INVALID);
    assert_non_null(strstr(err.ptr, "customer"));
    owed_buf_reset(&err);
    o.customers = 1;
    o.invoices = -1;
    assert_int_equal(owed_gen_write(&o, "/nonexistent-never-created", &err), OWED_E_INVALID);
    owed_buf_release(&err);
}

static void test_io_error_names_path(void **state)
{
    (void)state;
    struct tmpdirs t = { .n = 0 };
    const char *d = new_dir(&t);
    char file[128], below[160];
    snprintf(file, sizeof file, "%s/%s", d, files[0]);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    /* A directory below a regular file cannot be created. */
    snprintf(below, sizeof below, "%s/sub", file);
    struct owed_gen_opts o;
    owed_gen_opts_init(&o);
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(owed_gen_write(&o, below, &err), OWED_E_IO);
    assert_non_null(strstr(err.ptr, below));
    assert_non_null(strstr(err.ptr, strerror(ENOTDIR)));
    owed_buf_release(&err);
    remove_dirs(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes), cmocka_unit_test(test_rows_valid_for_import),
        cmocka_unit_test(test_no_invoices),          cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_io_error_names_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
