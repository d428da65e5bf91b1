/* Unit tests for the streaming CSV reader and writer (src/io/csv.c).
 *
 * Most cases go through expect_csv(), which reads the input three ways (straight from
 * memory, through a callback that returns 1 byte per call, and one that returns 7) and
 * checks that all three give the same records, the same return code and the same error.
 * Records are dumped as "LINE:[field][field]\n" so that expectations read like the input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/csv.h"

struct chunked {
    const char *data;
    size_t len, pos;
    size_t chunk;    /* bytes returned per call at most */
    size_t fail_at;  /* return -1 once pos reaches this (0: never) */
};

static long read_chunked(void *ctx, char *dst, size_t cap)
{
    struct chunked *ch = ctx;
    if (ch->fail_at && ch->pos >= ch->fail_at) return -1;
    size_t n = ch->len - ch->pos;
    if (n > ch->chunk) n = ch->chunk;
    if (n > cap) n = cap;
    memcpy(dst, ch->data + ch->pos, n);
    ch->pos += n;
    return (long)n;
}

/* Reads every record into out; returns the first non-OK code. */
static int dump_all(struct owed_csv *c, struct owed_buf *out, struct owed_buf *err)
{
    static struct owed_csv_row row;
    for (;;) {
        bool eof = true;
        int rc = owed_csv_next(c, &row, &eof, err);
        if (rc) {
            assert_false(eof);
            return rc;
        }
        if (eof) return OWED_OK;
        assert_true(row.nfields >= 1);
        owed_buf_addf(out, "%ld:", row.line);
        for (size_t i = 0; i < row.nfields; i++) {
            owed_buf_addc(out, '[');
            owed_buf_add(out, row.fields[i].ptr, row.fields[i].len);
            owed_buf_addc(out, ']');
        }
        owed_buf_addc(out, '\n');
    }
}

static int run_mode(const char *in, size_t len, size_t chunk, struct owed_buf *out,
                    struct owed_buf *err)
{
    struct chunked ch = { in, len, 0, chunk, 0 };
    struct owed_csv *c = chunk ? owed_csv_new(read_chunked, &ch) : owed_csv_new_mem(in, len);
    int rc = dump_all(c, out, err);
    if (rc) {
        /* The reader stays failed, with the same code and nothing more in err. */
        size_t errlen = err->len;
        struct owed_csv_row row;
        bool eof;
        assert_int_equal(owed_csv_next(c, &row, &eof, err), rc);
        assert_int_equal(err->len, errlen);
    }
    owed_csv_free(c);
    return rc;
}

/* Checks records, code and error text (substring; NULL means err stays empty). */
static void expect_csv_n(const char *in, size_t len, const char *want, int want_rc,
                         const char *want_err)
{
    static const size_t chunks[] = { 0, 1, 7 };
    for (size_t k = 0; k < OWED_ARRAY_LEN(chunks); k++) {
        struct owed_buf out = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
        struct owed_buf err = OWED_BUF_INIT(4096);
        int rc = run_mode(in, len, chunks[k], &out, &err);
        if (strcmp(out.ptr, want) != 0 || rc != want_rc) {
            size_t d = 0;
            while (out.ptr[d] && out.ptr[d] == want[d]) d++;
            size_t from = d > 60 ? d - 60 : 0;
            print_error("chunk %zu: rc %d (want %d), err: %s\nfirst difference at byte %zu:\n"
                        "got:  %.120s\nwant: %.120s\n",
                        chunks[k], rc, want_rc, err.ptr, d, out.ptr + from, want + from);
        }
        assert_int_equal(rc, want_rc);
        assert_string_equal(out.ptr, want);
        if (want_err) {
            if (!strstr(err.ptr, want_err)) print_error("err: %s\nwant: %s\n", err.ptr, want_err);
            assert_non_null(strstr(err.ptr, want_err));
        } else {
            assert_int_equal(err.len, 0);
        }
        owed_buf_release(&out);
        owed_buf_release(&err);
    }
}

static void expect_csv(const char *in, const char *want)
{
    expect_csv_n(in, strlen(in), want, OWED_OK, NULL);
}

static void expect_fail(const char *in, const char *want, int want_rc, const char *want_err)
{
    expect_csv_n(in, strlen(in), want, want_rc, want_err);
}

static void test_simple(void **state)
{
    (void)state;
    expect_csv("", "");
    expect_csv("a,b,c\n1,2,3\n", "1:[a][b][c]\n2:[1][2][3]\n");
    expect_csv("a,b", "1:[a][b]\n");
    expect_csv("x", "1:[x]\n");
    expect_csv(" a , b \n", "1:[ a ][ b ]\n");
}

static void test_quoting(void **state)
{
    (void)state;
    expect_csv("\"a,b\",\"c\"\"d\",\"\"\n", "1:[a,b][c\"d][]\n");
    expect_csv("\"\"\"\"\n", "1:[\"]\n");
    expect_csv("\"\"\"\"\"\"\n", "1:[\"\"]\n");
    expect_csv("\"x\"\"\",\"\"\"y\"\n", "1:[x\"][\"y]\n");
    expect_csv("\"a\"\"b\"\"c\"\"\"\"d\"\n", "1:[a\"b\"c\"\"d]\n");
    expect_csv("\"quoted\"", "1:[quoted]\n");
    expect_csv("\"\"", "1:[]\n");
    expect_csv("a,\"\"", "1:[a][]\n");
    expect_csv("\"a\",\"b\"\n", "1:[a][b]\n");
}

static void test_embedded(void **state)
{
    (void)state;
    expect_csv("x,\"l1\nl2\",y\nnext,1\n", "1:[x][l1\nl2][y]\n3:[next][1]\n");
    expect_csv("\"a,b\nc\"\"d\"\"\ne\"\n", "1:[a,b\nc\"d\"\ne]\n");
    expect_csv("\"\n\"\n", "1:[\n]\n");
    expect_csv("\"\r\n\"\r\n", "1:[\r\n]\n");
}

static void test_crlf(void **state)
{
    (void)state;
    expect_csv("a,b\r\nc,d\r\n", "1:[a][b]\n2:[c][d]\n");
    expect_csv("\"q\"\r\nz\r\n", "1:[q]\n2:[z]\n");
    expect_csv("\"a\r\nb\"\r\nz\r\n", "1:[a\r\nb]\n3:[z]\n");
    expect_csv("a\r\nb\nc\r\n", "1:[a]\n2:[b]\n3:[c]\n");
    expect_csv("a,\r\n", "1:[a][]\n");
}

static void test_bom(void **state)
{
    (void)state;
    expect_csv("\xEF\xBB\xBF" "a,b\n", "1:[a][b]\n");
    expect_csv("\xEF\xBB\xBF", "");
    expect_csv("\xEF\xBB\xBF\n\nx\n", "3:[x]\n");
    expect_csv("\xEF\xBB\xBF\"q\"\n", "1:[q]\n");
    /* Only the first one is a byte order mark; later ones are data. */
    expect_csv("\xEF\xBB\xBF\xEF\xBB\xBF" "a\n", "1:[\xEF\xBB\xBF" "a]\n");
    expect_csv("a\n\xEF\xBB\xBF" "b\n", "1:[a]\n2:[\xEF\xBB\xBF" "b]\n");
    /* A partial mark is just invalid UTF-8. */
    expect_fail("\xEF\xBB", "", OWED_E_PARSE, "line 1: invalid UTF-8");
}

static void test_empty_fields(void **state)
{
    (void)state;
    expect_csv(",,\n", "1:[][][]\n");
    expect_csv("a,\n", "1:[a][]\n");
    expect_csv("a,", "1:[a][]\n");
    expect_csv(",a\n", "1:[][a]\n");
    expect_csv("a,,b\n", "1:[a][][b]\n");
    expect_csv(",", "1:[][]\n");
    expect_csv("\"\",\"\"\n", "1:[][]\n");
}

static void test_blank_lines(void **state)
{
    (void)state;
    expect_csv("\n\na\n\r\n\nb\n\n", "3:[a]\n6:[b]\n");
    expect_csv("\n\n\n", "");
    expect_csv("\r\n\r\n", "");
    expect_csv("a\n\n\n", "1:[a]\n");
    expect_csv("\"\"\n\n,\n", "1:[]\n3:[][]\n");
}

static void test_line_numbers(void **state)
{
    (void)state;
    expect_csv("h\n\"a\nb\nc\",x\nnext\n\"\n\",y\n\nlast\n",
               "1:[h]\n2:[a\nb\nc][x]\n5:[next]\n6:[\n][y]\n9:[last]\n");
    expect_csv("\"a\n\",\"b\n\"\nc\n", "1:[a\n][b\n]\n4:[c]\n");
}

static void test_offsets(void **state)
{
    (void)state;
    const char *in = "\xEF\xBB\xBF" "a\n\nbb,\"c\nd\"\r\ne";
    struct owed_csv *c = owed_csv_new_mem(in, strlen(in));
    struct owed_csv_row row;
    bool eof;
    long long want_off[] = { 3, 6, 16 };
    long want_line[] = { 1, 3, 5 };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(owed_csv_next(c, &row, &eof, NULL), OWED_OK);
        assert_false(eof);
        assert_int_equal(row.offset, want_off[i]);
        assert_int_equal(row.line, want_line[i]);
    }
    assert_int_equal(owed_csv_next(c, &row, &eof, NULL), OWED_OK);
    assert_true(eof);
    assert_int_equal(row.nfields, 0);
    assert_int_equal(owed_csv_next(c, &row, &eof, NULL), OWED_OK);
    assert_true(eof);
    owed_csv_free(c);
    owed_csv_free(NULL);
}

static void test_utf8(void **state)
{
    (void)state;
    expect_csv("\xC3\xA9,\xE2\x82\xAC,\xF0\x90\x8D\x88\n", "1:[\xC3\xA9][\xE2\x82\xAC][\xF0\x90\x8D\x88]\n");
    /* Edges: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF. */
    expect_csv("\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF"
               "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
               "1:[\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF"
               "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF]\n");
    expect_csv("\"\xC3\xA9\n\xE2\x82\xAC\"\n", "1:[\xC3\xA9\n\xE2\x82\xAC]\n");

    static const char *bad[] = {
        "\x80",             /* lone continuation */
        "\xBF",
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong 3-byte */
        "\xE0\x9F\xBF",     /* overlong 3-byte, top */
        "\xF0\x80\x80\xAF", /* overlong 4-byte */
        "\xF0\x8F\xBF\xBF", /* overlong 4-byte, top */
        "\xED\xA0\x80",     /* surrogate U+D800 */
        "\xED\xBF\xBF",     /* surrogate U+DFFF */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80",
        "\xF8\x88\x80\x80\x80",
        "\xFE",
        "\xFF",
        "\xC3",             /* truncated at end of input */
        "\xE2\x82",
        "\xF0\x90\x8D",
        "\303a",            /* ASCII where a continuation belongs (octal: 0xC3) */
        "\xE2\x82,",
        "\xE2\x82\n",
        "\xC3\xA9\xA9",     /* extra continuation */
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) {
        char in[64];
        int n = snprintf(in, sizeof in, "ok\nx,%s\n", bad[i]);
        expect_csv_n(in, (size_t)n, "1:[ok]\n", OWED_E_PARSE, "line 2: invalid UTF-8");
        n = snprintf(in, sizeof in, "ok\n\"x\n%s\"\n", bad[i]);
        expect_csv_n(in, (size_t)n, "1:[ok]\n", OWED_E_PARSE, "line 3: invalid UTF-8");
        /* And with nothing after it. */
        n = snprintf(in, sizeof in, "%s", bad[i]);
        expect_csv_n(in, (size_t)n, "", OWED_E_PARSE, "line 1: invalid UTF-8");
    }
}

static void test_errors(void **state)
{
    (void)state;
    expect_fail("a\nb,\"open\nmore\n", "1:[a]\n", OWED_E_PARSE,
                "line 2: unterminated quoted field");
    expect_fail("\"", "", OWED_E_PARSE, "line 1: unterminated quoted field");
    expect_fail("\"a\"\"", "", OWED_E_PARSE, "line 1: unterminated quoted field");
    expect_fail("a\nb\"c\n", "1:[a]\n", OWED_E_PARSE, "line 2: quote inside unquoted field");
    expect_fail("a\nb,c\"\n", "1:[a]\n", OWED_E_PARSE, "line 2: quote inside unquoted field");
    expect_fail("\"x\n\",y\"\n", "", OWED_E_PARSE, "line 2: quote inside unquoted field");
    expect_fail("a\n\"x\n\"y,z\n", "1:[a]\n", OWED_E_PARSE,
                "line 3: characters after closing quote");
    expect_fail("\"x\" ,y\n", "", OWED_E_PARSE, "line 1: characters after closing quote");
    expect_fail("\"x\"\"\"z\n", "", OWED_E_PARSE, "line 1: characters after closing quote");
    expect_fail("a\rb\n", "", OWED_E_PARSE, "line 1: carriage return not followed by line feed");
    expect_fail("a\n\"q\"\r", "1:[a]\n", OWED_E_PARSE, "line 2: carriage return");
    expect_fail("a\r", "", OWED_E_PARSE, "line 1: carriage return");
    expect_fail("\r", "", OWED_E_PARSE, "line 1: carriage return");
    expect_fail("\n\rx\n", "", OWED_E_PARSE, "line 2: carriage return");
}

static void test_error_appends(void **state)
{
    (void)state;
    struct owed_buf err = OWED_BUF_INIT(4096);
    owed_buf_adds(&err, "t.csv: ");
    const char *in = "a\nb\"\n";
    struct owed_csv *c = owed_csv_new_mem(in, strlen(in));
    struct owed_csv_row row;
    bool eof;
    assert_int_equal(owed_csv_next(c, &row, &eof, &err), OWED_OK);
    assert_string_equal(err.ptr, "t.csv: ");
    assert_int_equal(owed_csv_next(c, &row, &eof, &err), OWED_E_PARSE);
    assert_string_equal(err.ptr, "t.csv: line 2: quote inside unquoted field");
    /* A NULL err is allowed. */
    assert_int_equal(owed_csv_next(c, &row, &eof, NULL), OWED_E_PARSE);
    owed_csv_free(c);
    owed_buf_release(&err);
}

static char *fields_line(size_t n, size_t *len)
{
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_adds(&b, "h\n");
    for (size_t i = 0; i < n; i++) owed_buf_adds(&b, i ? ",f" : "f");
    owed_buf_adds(&b, "\nnext\n");
    return owed_buf_detach(&b, len);
}

static void test_too_many_fields(void **state)
{
    (void)state;
    size_t len;
    char *in = fields_line(OWED_CSV_MAX_FIELDS, &len);
    struct owed_buf want = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_adds(&want, "1:[h]\n2:");
    for (size_t i = 0; i < OWED_CSV_MAX_FIELDS; i++) owed_buf_adds(&want, "[f]");
    owed_buf_adds(&want, "\n3:[next]\n");
    expect_csv_n(in, len, want.ptr, OWED_OK, NULL);
    free(in);
    owed_buf_release(&want);

    in = fields_line(OWED_CSV_MAX_FIELDS + 1, &len);
    expect_csv_n(in, len, "1:[h]\n", OWED_E_TOO_LARGE, "line 2: more than 256 fields");
    free(in);
    /* 256 fields ending in an empty one, then one more comma. */
    char commas[OWED_CSV_MAX_FIELDS + 2];
    memset(commas, ',', OWED_CSV_MAX_FIELDS);
    commas[OWED_CSV_MAX_FIELDS] = '\0';
    expect_csv_n(commas, OWED_CSV_MAX_FIELDS, "", OWED_E_TOO_LARGE, "line 1: more than 256");
}

/* "h\n" + a record of `size` bytes (quoted when asked) + "\r\nnext\n". */
static char *big_record(size_t size, bool quoted, size_t *len)
{
    size_t n = 2 + size + 7;
    char *s = owed_xmalloc(n + 1);
    memcpy(s, "h\n", 2);
    memset(s + 2, 'x', size);
    if (quoted) {
        s[2] = '"';
        s[2 + size - 1] = '"';
        for (size_t i = 10; i + 10 < size; i += 1000) s[2 + i] = '\n';
    }
    memcpy(s + 2 + size, "\r\nnext\n", 7);
    s[n] = '\0';
    *len = n;
    return s;
}

static void test_record_cap(void **state)
{
    (void)state;
    size_t len;
    /* Exactly at the cap, unquoted: accepted. */
    char *in = big_record(OWED_CSV_MAX_RECORD, false, &len);
    struct owed_buf want = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_adds(&want, "1:[h]\n2:[");
    owed_buf_add(&want, in + 2, OWED_CSV_MAX_RECORD);
    owed_buf_adds(&want, "]\n3:[next]\n");
    expect_csv_n(in, len, want.ptr, OWED_OK, NULL);
    owed_buf_release(&want);
    free(in);

    /* One byte over, with and without a terminator. */
    in = big_record(OWED_CSV_MAX_RECORD + 1, false, &len);
    expect_csv_n(in, len, "1:[h]\n", OWED_E_TOO_LARGE, "line 2: record exceeds");
    expect_csv_n(in, len - 7, "1:[h]\n", OWED_E_TOO_LARGE, "line 2: record exceeds");
    free(in);

    /* Far over, in a quoted field spanning many lines. */
    in = big_record(3 * OWED_CSV_MAX_RECORD, true, &len);
    expect_csv_n(in, len, "1:[h]\n", OWED_E_TOO_LARGE, "line 2: record exceeds");
    free(in);

    /* Blank lines before a record do not count towards it. */
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    for (size_t i = 0; i < 300000; i++) owed_buf_adds(&b, "\r\n");
    owed_buf_adds(&b, "x\n");
    expect_csv_n(b.ptr, b.len, "300001:[x]\n", OWED_OK, NULL);
    owed_buf_release(&b);
}

/* Deterministic mix of records of all sizes, so fields, quotes, CRLFs and multi-byte
 * characters land on every position relative to the 64 KiB reads. */
static void test_buffer_boundaries(void **state)
{
    (void)state;
    struct owed_buf in = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_buf want = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    uint32_t seed = 12345;
    long line = 1;
    while (in.len < 400000) {
        seed = seed * 1103515245u + 12345u;
        size_t nf = 1 + (seed >> 16) % 6;
        owed_buf_addf(&want, "%ld:", line);
        for (size_t f = 0; f < nf; f++) {
            seed = seed * 1103515245u + 12345u;
            size_t flen = (seed >> 16) % 40;
            /* A lone empty unquoted field would be a blank line, which is skipped. */
            bool quoted = ((seed >> 8) & 1) || (nf == 1 && flen == 0);
            if (f) owed_buf_addc(&in, ',');
            if (quoted) owed_buf_addc(&in, '"');
            owed_buf_addc(&want, '[');
            for (size_t i = 0; i < flen; i++) {
                seed = seed * 1103515245u + 12345u;
                unsigned r = (seed >> 16) % 20;
                if (quoted && r == 0) {
                    owed_buf_adds(&in, "\"\"");
                    owed_buf_addc(&want, '"');
                } else if (quoted && r == 1) {
                    owed_buf_addc(&in, '\n');
                    owed_buf_addc(&want, '\n');
                    line++;
                } else if (r == 2) {
                    owed_buf_adds(&in, "\xE2\x82\xAC");
                    owed_buf_adds(&want, "\xE2\x82\xAC");
                } else if (r == 3) {
                    owed_buf_adds(&in, "\xF0\x9F\x92\xB6");
                    owed_buf_adds(&want, "\xF0\x9F\x92\xB6");
                } else {
                    owed_buf_addc(&in, (char)('a' + r));
                    owed_buf_addc(&want, (char)('a' + r));
                }
            }
            if (quoted) owed_buf_addc(&in, '"');
            owed_buf_addc(&want, ']');
        }
        owed_buf_addc(&want, '\n');
        owed_buf_adds(&in, (seed >> 4) & 1 ? "\r\n" : "\n");
        line++;
        if ((seed >> 5) % 8 == 0) {
            owed_buf_addc(&in, '\n');
            line++;
        }
    }
    expect_csv_n(in.ptr, in.len, want.ptr, OWED_OK, NULL);
    owed_buf_release(&in);
    owed_buf_release(&want);
}

static void test_read_error(void **state)
{
    (void)state;
    const char *in = "a\nb\nc\n";
    struct chunked ch = { in, strlen(in), 0, 1, 3 };
    struct owed_csv *c = owed_csv_new(read_chunked, &ch);
    struct owed_buf out = OWED_BUF_INIT(4096);
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(dump_all(c, &out, &err), OWED_E_IO);
    assert_string_equal(out.ptr, "1:[a]\n");
    assert_string_equal(err.ptr, "line 2: read error");
    owed_csv_free(c);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void test_file(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("\xEF\xBB\xBFid,name\r\n1,\"Smith, J\"\r\n2,\"say \"\"hi\"\"\"\r\n", f);
    rewind(f);
    struct owed_csv *c = owed_csv_new_file(f);
    struct owed_buf out = OWED_BUF_INIT(4096);
    assert_int_equal(dump_all(c, &out, NULL), OWED_OK);
    assert_string_equal(out.ptr, "1:[id][name]\n2:[1][Smith, J]\n3:[2][say \"hi\"]\n");
    owed_csv_free(c);
    owed_buf_release(&out);
    fclose(f);
}

static void test_put_field(void **state)
{
    (void)state;
    struct owed_buf b = OWED_BUF_INIT(4096);
    owed_csv_put_field(&b, "plain", 5);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "", 0);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "a,b", 3);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "say \"hi\"", 8);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "\"", 1);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "l1\nl2", 5);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "cr\r", 3);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, " sp ", 4);
    owed_buf_addc(&b, '|');
    owed_csv_put_field(&b, "\xEF\xBB\xBFx", 4);
    assert_string_equal(b.ptr, "plain||\"a,b\"|\"say \"\"hi\"\"\"|\"\"\"\"|\"l1\nl2\"|\"cr\r\"| sp |"
                               "\"\xEF\xBB\xBFx\"");
    owed_buf_release(&b);

    struct owed_str row[] = { { "a", 1 }, { "", 0 }, { "b,c", 3 } };
    owed_csv_put_row(&b, row, 3);
    owed_csv_put_row(&b, row + 1, 1);
    owed_csv_put_row(&b, row + 1, 2);
    assert_string_equal(b.ptr, "a,,\"b,c\"\n\"\"\n,\"b,c\"\n");
    owed_buf_release(&b);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *vals[] = {
        "", "a", "a,b", "\"", "\"\"", "x\"y", "l1\nl2", "l1\r\nl2", "\r", " lead", "trail ",
        "\xC3\xA9t\xC3\xA9", "\357\273\277bom", ",", "\n", "a\"\"b\"",
    };
    size_t nv = OWED_ARRAY_LEN(vals);
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_str fields[8];
    /* Row r takes 1 + r % 8 values starting at r; row 0 is a lone empty field. */
    size_t nrows = 64;
    for (size_t r = 0; r < nrows; r++) {
        size_t n = 1 + r % 8;
        for (size_t i = 0; i < n; i++) {
            const char *v = vals[(r + i) % nv];
            fields[i] = (struct owed_str){ v, strlen(v) };
        }
        owed_csv_put_row(&b, fields, n);
    }
    assert_int_equal(owed_buf_err(&b), OWED_OK);

    static const size_t chunks[] = { 0, 1, 7 };
    for (size_t k = 0; k < OWED_ARRAY_LEN(chunks); k++) {
        struct chunked ch = { b.ptr, b.len, 0, chunks[k], 0 };
        struct owed_csv *c = chunks[k] ? owed_csv_new(read_chunked, &ch)
                                       : owed_csv_new_mem(b.ptr, b.len);
        struct owed_csv_row row;
        bool eof;
        for (size_t r = 0; r < nrows; r++) {
            size_t n = 1 + r % 8;
            assert_int_equal(owed_csv_next(c, &row, &eof, NULL), OWED_OK);
            assert_false(eof);
            assert_int_equal(row.nfields, n);
            for (size_t i = 0; i < n; i++) {
                const char *v = vals[(r + i) % nv];
                assert_int_equal(row.fields[i].len, strlen(v));
                assert_memory_equal(row.fields[i].ptr, v, strlen(v));
            }
        }
        assert_int_equal(owed_csv_next(c, &row, &eof, NULL), OWED_OK);
        assert_true(eof);
        owed_csv_free(c);
    }
    owed_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_embedded),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_appends),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_record_cap),
        cmocka_unit_test(test_buffer_boundaries),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_put_field),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
