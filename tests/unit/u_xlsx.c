/* Unit tests for the Excel workbook writer (src/io/xlsx.c).
 *
 * Every workbook is read back here by a reader that shares nothing with libxlsxwriter: the
 * ZIP container with zlib (central directory, raw inflate), the parts with libxml2 and
 * XPath. Checked: each kind of cell (text, never a formula; integer; money at exponents 0,
 * 2, 3 with its currency's number format; a real date; a date before Excel's calendar as
 * text; blank), cleaned text (invalid UTF-8, control characters), bold header and total
 * rows with the autofilter over header and body only, frozen header, page header; money
 * read back and rounded at its exponent is the amount, up to OWED_XLSX_MONEY_MAX, and past
 * it is refused; sticky errors with their messages; the private directory is gone after
 * every run, finished, failed or abandoned; the same cells give the same bytes; the size
 * cap of the output and Excel's row limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <zlib.h>

#include "base.h"
#include "io/xlsx.h"

/* --- a minimal ZIP reader ------------------------------------------------------------ */

static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const unsigned char *p) { return le16(p) | le16(p + 2) << 16; }

/* The bytes of member `name` (malloc'd, NUL-terminated), or NULL when absent. */
static char *zip_member(const struct owed_buf *zip, const char *name, size_t *len)
{
    const unsigned char *z = (const unsigned char *)zip->ptr;
    size_t n = zip->len, eocd = n >= 22 ? n - 22 : 0;
    while (eocd > 0 && le32(z + eocd) != 0x06054b50) eocd--;
    assert_int_equal(le32(z + eocd), 0x06054b50);
    size_t entries = le16(z + eocd + 10), p = le32(z + eocd + 16);
    for (size_t i = 0; i < entries; i++) {
        assert_int_equal(le32(z + p), 0x02014b50);
        uint32_t method = le16(z + p + 10), csize = le32(z + p + 20), usize = le32(z + p + 24);
        size_t nlen = le16(z + p + 28), local = le32(z + p + 42);
        bool match = nlen == strlen(name) && !memcmp(z + p + 46, name, nlen);
        uint32_t crc = le32(z + p + 16);
        p += 46 + nlen + le16(z + p + 30) + le16(z + p + 32);
        if (!match) continue;
        assert_int_equal(le32(z + local), 0x04034b50);
        const unsigned char *data = z + local + 30 + le16(z + local + 26) + le16(z + local + 28);
        char *out = malloc((size_t)usize + 1);
        if (method == 0) {
            assert_int_equal(csize, usize);
            memcpy(out, data, usize);
        } else {
            assert_int_equal(method, 8);
            z_stream s = {0};
            assert_int_equal(inflateInit2(&s, -15), Z_OK);
            s.next_in = (unsigned char *)data;
            s.avail_in = csize;
            s.next_out = (unsigned char *)out;
            s.avail_out = usize;
            assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
            assert_int_equal(s.total_out, usize);
            inflateEnd(&s);
        }
        assert_int_equal(crc32(0, (unsigned char *)out, usize), crc);
        out[usize] = '\0';
        if (len) *len = usize;
        return out;
    }
    return NULL;
}

/* --- the parts, through XPath -------------------------------------------------------- */

struct book {
    xmlDocPtr sheet[2], styles, workbook, core;
    char *raw_sheet[2];
};

static xmlDocPtr part(const struct owed_buf *zip, const char *name, char **raw)
{
    size_t len;
    char *x = zip_member(zip, name, &len);
    assert_non_null(x);
    xmlDocPtr d = xmlReadMemory(x, (int)len, name, NULL, XML_PARSE_NONET);
    assert_non_null(d);
    if (raw) *raw = x;
    else free(x);
    return d;
}

static void book_open(struct book *b, const struct owed_buf *zip, int nsheets)
{
    memset(b, 0, sizeof *b);
    for (int i = 0; i < nsheets; i++) {
        char name[64];
        snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i + 1);
        b->sheet[i] = part(zip, name, &b->raw_sheet[i]);
    }
    b->styles = part(zip, "xl/styles.xml", NULL);
    b->workbook = part(zip, "xl/workbook.xml", NULL);
    b->core = part(zip, "docProps/core.xml", NULL);
}

static void book_close(struct book *b)
{
    for (int i = 0; i < 2; i++) {
        if (b->sheet[i]) xmlFreeDoc(b->sheet[i]);
        free(b->raw_sheet[i]);
    }
    xmlFreeDoc(b->styles);
    xmlFreeDoc(b->workbook);
    xmlFreeDoc(b->core);
}

/* The string value of an XPath expression (string(...), count(...)) on doc, into out. */
static const char *xp(xmlDocPtr doc, char *out, size_t cap, const char *fmt, ...)
{
    char expr[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(expr, sizeof expr, fmt, ap);
    va_end(ap);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "m",
                       BAD_CAST "http://schemas.openxmlformats.org/spreadsheetml/2006/main");
    xmlXPathRegisterNs(ctx, BAD_CAST "dc", BAD_CAST "http://purl.org/dc/elements/1.1/");
    xmlXPathRegisterNs(ctx, BAD_CAST "dcterms", BAD_CAST "http://purl.org/dc/terms/");
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    assert_non_null(r);
    xmlChar *s = xmlXPathCastToString(r);
    snprintf(out, cap, "%s", (const char *)s);
    xmlFree(s);
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    return out;
}

struct cell {
    char type[16];   /* "n" (number), "inlineStr", "s" */
    char value[256]; /* <v> or the inline string */
    char fmt[64];    /* the number format code ("General" for 0) */
    bool bold;
    bool present;
};

static struct cell cell_at(const struct book *b, int sheet, const char *ref)
{
    struct cell c = {0};
    xmlDocPtr d = b->sheet[sheet];
    char n[32], s[16], fmt_id[16], font[16];
    c.present = !strcmp(xp(d, n, sizeof n, "count(//m:c[@r='%s'])", ref), "1");
    if (!c.present) return c;
    xp(d, c.type, sizeof c.type, "string(//m:c[@r='%s']/@t)", ref);
    if (!c.type[0]) snprintf(c.type, sizeof c.type, "n");
    if (!strcmp(c.type, "inlineStr"))
        xp(d, c.value, sizeof c.value, "string(//m:c[@r='%s']/m:is/m:t)", ref);
    else
        xp(d, c.value, sizeof c.value, "string(//m:c[@r='%s']/m:v)", ref);
    xp(d, s, sizeof s, "string(//m:c[@r='%s']/@s)", ref);
    int xf = s[0] ? (int)strtol(s, NULL, 10) : 0;
    xp(b->styles, fmt_id, sizeof fmt_id, "string(/m:styleSheet/m:cellXfs/m:xf[%d]/@numFmtId)",
       xf + 1);
    xp(b->styles, font, sizeof font, "string(/m:styleSheet/m:cellXfs/m:xf[%d]/@fontId)", xf + 1);
    if (!strcmp(fmt_id, "0")) snprintf(c.fmt, sizeof c.fmt, "General");
    else
        xp(b->styles, c.fmt, sizeof c.fmt, "string(//m:numFmt[@numFmtId='%s']/@formatCode)",
           fmt_id);
    c.bold = !strcmp(xp(b->styles, n, sizeof n, "count(/m:styleSheet/m:fonts/m:font[%ld]/m:b)",
                        strtol(font, NULL, 10) + 1), "1");
    return c;
}

#define assert_cell(b, sheet, ref, want_type, want_value, want_fmt, want_bold)     \
    do {                                                                           \
        struct cell c_ = cell_at((b), (sheet), (ref));                             \
        assert_true(c_.present);                                                   \
        assert_string_equal(c_.type, (want_type));                                 \
        assert_string_equal(c_.value, (want_value));                               \
        assert_string_equal(c_.fmt, (want_fmt));                                   \
        assert_int_equal(c_.bold, (want_bold));                                    \
    } while (0)

/* --- fixtures ------------------------------------------------------------------------ */

static char tmp_root[4096];

/* A fresh directory for the workbooks' private directories, so that what they leave
 * behind can be counted. */
static int setup(void **state)
{
    (void)state;
    const char *t = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/u_xlsx-XXXXXX", t && *t ? t : "/tmp");
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static int teardown(void **state)
{
    (void)state;
    int left = entries_in(tmp_root);
    rmdir(tmp_root);
    return left == 0 ? 0 : -1;
}

static struct owed_xlsx *start(const char *title)
{
    struct owed_xlsx_options o = {.title = title, .tmp_dir = tmp_root};
    struct owed_xlsx *x = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(owed_xlsx_new(&o, &x, &err), OWED_OK);
    assert_non_null(x);
    assert_int_equal(entries_in(tmp_root), 1); /* its private directory */
    owed_buf_release(&err);
    return x;
}

static void finish_ok(struct owed_xlsx *x, struct owed_buf *out)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_xlsx_finish(x, out, &err);
    if (rc) fprintf(stderr, "finish: %s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    owed_xlsx_free(x);
    assert_int_equal(entries_in(tmp_root), 0);
    owed_buf_release(&err);
}

/* --- tests --------------------------------------------------------------------------- */

static void test_cells(void **state)
{
    (void)state;
    struct owed_xlsx *x = start("Aging & more");
    const char *head[] = {"Text", "Int", "Money", "Date", "Blank", "Yen", "Dinar"};
    assert_int_equal(owed_xlsx_sheet_add(x, "Summary", head, 7), OWED_OK);
    struct owed_xlsx_cell r1[] = {
        owed_xlsx_text("=1+1"),
        owed_xlsx_int(-42),
        owed_xlsx_money(123456, 2, "USD"),
        owed_xlsx_date(owed_date_from_ymd(2026, 6, 30)),
        {.kind = OWED_XLSX_BLANK},
        owed_xlsx_money(150000, 0, "JPY"),
        owed_xlsx_money(1000250, 3, "KWD"),
    };
    struct owed_xlsx_cell r2[] = {
        owed_xlsx_text("Kyoto Trading \xE4\xBA\xAC\xE9\x83\xBD <&>"),
        owed_xlsx_int(0),
        owed_xlsx_money(-450, 2, "USD"),
        owed_xlsx_date(owed_date_from_ymd(1900, 3, 1)),
        owed_xlsx_text(""),
        owed_xlsx_money(-1, 0, "JPY"),
        owed_xlsx_money(5, 3, "KWD"),
    };
    struct owed_xlsx_cell r3[] = {
        owed_xlsx_text("bad \xFF byte, \x01 control, tab\tok, \xC0\xAF overlong"),
        owed_xlsx_int(INT64_C(1) << 53),
        owed_xlsx_money(7, 2, NULL),
        owed_xlsx_date(owed_date_from_ymd(1899, 12, 31)),
    };
    struct owed_xlsx_cell total[] = {owed_xlsx_text("Total"), {.kind = OWED_XLSX_BLANK},
                                     owed_xlsx_money(123013, 2, "USD")};
    assert_int_equal(owed_xlsx_row_add(x, r1, 7, 0), OWED_OK);
    assert_int_equal(owed_xlsx_row_add(x, r2, 7, 0), OWED_OK);
    assert_int_equal(owed_xlsx_row_add(x, r3, 4, 0), OWED_OK);
    assert_int_equal(owed_xlsx_row_add(x, total, 3, OWED_XLSX_ROW_TOTAL), OWED_OK);
    const char *head2[] = {"Only"};
    assert_int_equal(owed_xlsx_sheet_add(x, "Detail", head2, 1), OWED_OK);
    struct owed_buf out = OWED_BUF_INIT(0);
    finish_ok(x, &out);

    struct book b;
    book_open(&b, &out, 2);
    char s[256];
    assert_string_equal(xp(b.workbook, s, sizeof s, "string(//m:sheet[1]/@name)"), "Summary");
    assert_string_equal(xp(b.workbook, s, sizeof s, "string(//m:sheet[2]/@name)"), "Detail");
    /* The header: bold text, frozen; the autofilter stops above the total row. */
    assert_cell(&b, 0, "A1", "inlineStr", "Text", "General", true);
    assert_cell(&b, 0, "G1", "inlineStr", "Dinar", "General", true);
    assert_string_equal(xp(b.sheet[0], s, sizeof s, "string(//m:pane/@state)"), "frozen");
    assert_string_equal(xp(b.sheet[0], s, sizeof s, "string(//m:pane/@ySplit)"), "1");
    assert_string_equal(xp(b.sheet[0], s, sizeof s, "string(//m:autoFilter/@ref)"), "A1:G4");
    assert_string_equal(xp(b.sheet[1], s, sizeof s, "string(//m:autoFilter/@ref)"), "A1");
    /* Text is never a formula. */
    assert_cell(&b, 0, "A2", "inlineStr", "=1+1", "General", false);
    assert_string_equal(xp(b.sheet[0], s, sizeof s, "count(//m:f)"), "0");
    assert_cell(&b, 0, "A3", "inlineStr", "Kyoto Trading \xE4\xBA\xAC\xE9\x83\xBD <&>", "General",
                false);
    assert_cell(&b, 0, "A4", "inlineStr",
                "bad \xEF\xBF\xBD byte, \xEF\xBF\xBD control, tab\tok, "
                "\xEF\xBF\xBD\xEF\xBF\xBD overlong",
                "General", false);
    /* Integers: General. */
    assert_cell(&b, 0, "B2", "n", "-42", "General", false);
    assert_cell(&b, 0, "B3", "n", "0", "General", false);
    assert_cell(&b, 0, "B4", "n", "9007199254740992", "General", false);
    /* Money: the major-unit number, the currency's decimals in the format. */
    assert_cell(&b, 0, "C2", "n", "1234.56", "[$USD] #,##0.00", false);
    assert_cell(&b, 0, "C3", "n", "-4.5", "[$USD] #,##0.00", false);
    /* No code: no [$...]. libxlsxwriter prints "%.16G", which shows 0.07's double as
     * 0.07000000000000001: a reader gets the very double of 0.07 back. */
    struct cell c4 = cell_at(&b, 0, "C4");
    assert_string_equal(c4.fmt, "#,##0.00");
    assert_true(strtod(c4.value, NULL) == 0.07);
    assert_cell(&b, 0, "F2", "n", "150000", "[$JPY] #,##0", false);
    assert_cell(&b, 0, "F3", "n", "-1", "[$JPY] #,##0", false);
    assert_cell(&b, 0, "G2", "n", "1000.25", "[$KWD] #,##0.000", false);
    assert_cell(&b, 0, "G3", "n", "0.005", "[$KWD] #,##0.000", false);
    /* Dates: serial days (2026-06-30 is 46203; 1900-03-01 is 61), or text before. */
    assert_cell(&b, 0, "D2", "n", "46203", "yyyy-mm-dd", false);
    assert_cell(&b, 0, "D3", "n", "61", "yyyy-mm-dd", false);
    assert_cell(&b, 0, "D4", "inlineStr", "1899-12-31", "General", false);
    /* Blank cells are not written. */
    assert_false(cell_at(&b, 0, "E2").present);
    assert_false(cell_at(&b, 0, "E3").present);
    assert_false(cell_at(&b, 0, "E4").present);
    /* The total row: bold. */
    assert_cell(&b, 0, "A5", "inlineStr", "Total", "General", true);
    assert_cell(&b, 0, "C5", "n", "1230.13", "[$USD] #,##0.00", true);
    assert_false(cell_at(&b, 0, "B5").present);
    /* Columns fit their widest cell, at least 8 characters; the page header escapes '&'. */
    assert_string_equal(xp(b.sheet[0], s, sizeof s, "count(//m:col)"), "7");
    assert_true(atof(xp(b.sheet[0], s, sizeof s, "string(//m:col[@min='1']/@width)")) >= 44);
    assert_true(atof(xp(b.sheet[0], s, sizeof s, "string(//m:col[@min='5']/@width)")) >= 8);
    assert_string_equal(xp(b.sheet[0], s, sizeof s, "string(//m:oddHeader)"),
                        "&LAging && more&RPage &P of &N");
    assert_string_equal(xp(b.core, s, sizeof s, "string(//dc:title)"), "Aging & more");
    assert_string_equal(xp(b.core, s, sizeof s, "string(//dcterms:created)"),
                        "1980-01-01T00:00:00Z");
    book_close(&b);
    owed_buf_release(&out);
}

/* Money read back from the XML and rounded at its exponent is the amount: at every
 * exponent, near the limit and for values whose double is not exact (9.20, 0.10). */
static void test_money_exact(void **state)
{
    (void)state;
    static const int64_t fixed[] = {0, 1, -1, 5, 10, 920, 999, 1001, 123456789,
                                    OWED_XLSX_MONEY_MAX, -OWED_XLSX_MONEY_MAX,
                                    OWED_XLSX_MONEY_MAX - 1, 450359962737049, 900719925474099};
    enum { NF = sizeof fixed / sizeof fixed[0], NRANDOM = 400 };
    struct owed_xlsx *x = start(NULL);
    const char *head[] = {"Amount"};
    owed_xlsx_sheet_add(x, "Money", head, 1);
    int64_t want[10][NF + NRANDOM];
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int e = 0; e <= 9; e++) {
        for (int i = 0; i < NF + NRANDOM; i++) {
            int64_t v = fixed[i < NF ? i : 0];
            if (i >= NF) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                int digits = 1 + (int)((seed >> 33) % 15);
                int64_t m = 1;
                for (int k = 0; k < digits; k++) m *= 10;
                v = (int64_t)((seed >> 11) % (uint64_t)m) * ((seed & 1) ? -1 : 1);
            }
            want[e][i] = v;
            struct owed_xlsx_cell c = owed_xlsx_money(v, e, "EUR");
            assert_int_equal(owed_xlsx_row_add(x, &c, 1, 0), OWED_OK);
        }
    }
    struct owed_buf out = OWED_BUF_INIT(0);
    finish_ok(x, &out);
    struct book b;
    book_open(&b, &out, 1);
    /* The numbers in row order, in one pass (an XPath per cell would be quadratic). */
    xmlXPathContextPtr ctx = xmlXPathNewContext(b.sheet[0]);
    xmlXPathRegisterNs(ctx, BAD_CAST "m",
                       BAD_CAST "http://schemas.openxmlformats.org/spreadsheetml/2006/main");
    xmlXPathObjectPtr vs = xmlXPathEvalExpression(BAD_CAST "//m:row[@r > 1]/m:c/m:v", ctx);
    assert_non_null(vs);
    assert_int_equal(xmlXPathNodeSetGetLength(vs->nodesetval), 10 * (NF + NRANDOM));
    int k = 0;
    for (int e = 0; e <= 9; e++) {
        for (int i = 0; i < NF + NRANDOM; i++, k++) {
            xmlChar *v = xmlNodeGetContent(xmlXPathNodeSetItem(vs->nodesetval, k));
            /* What a reader does with the number: parse it, show it at e decimals. */
            long double got = strtold((const char *)v, NULL) * powl(10.0L, e);
            if (llroundl(got) != want[e][i])
                fail_msg("exponent %d: %lld minor units came back as %s", e,
                         (long long)want[e][i], (const char *)v);
            xmlFree(v);
        }
    }
    xmlXPathFreeObject(vs);
    xmlXPathFreeContext(ctx);
    struct cell c = cell_at(&b, 0, "A2");
    assert_string_equal(c.fmt, "[$EUR] #,##0");
    book_close(&b);
    owed_buf_release(&out);
}

static void test_errors(void **state)
{
    (void)state;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    const char *head[] = {"A", "B"};
    struct owed_xlsx_cell two[] = {owed_xlsx_int(1), owed_xlsx_int(2), owed_xlsx_int(3)};

    /* Past 15 digits: refused, not written a cent off; sticky; nothing appended. */
    struct owed_xlsx *x = start(NULL);
    assert_int_equal(owed_xlsx_sheet_add(x, "S", head, 2), OWED_OK);
    struct owed_xlsx_cell big = owed_xlsx_money(OWED_XLSX_MONEY_MAX + 1, 2, "USD");
    assert_int_equal(owed_xlsx_row_add(x, &big, 1, 0), OWED_E_OVERFLOW);
    assert_int_equal(owed_xlsx_row_add(x, two, 1, 0), OWED_E_OVERFLOW);
    assert_int_equal(owed_xlsx_sheet_add(x, "T", head, 2), OWED_E_OVERFLOW);
    owed_buf_adds(&out, "kept");
    assert_int_equal(owed_xlsx_finish(x, &out, &err), OWED_E_OVERFLOW);
    assert_string_equal(err.ptr, "xlsx: sheet S: 1000000000000000 minor units is more than the "
                                 "15 digits a spreadsheet number holds exactly");
    assert_string_equal(out.ptr, "kept");
    owed_xlsx_free(x);
    assert_int_equal(entries_in(tmp_root), 0);
    owed_buf_reset(&err);

    /* A bad exponent, a row too wide, a row before any sheet, bad sheet names. */
    struct {
        const char *sheet;
        size_t ncols, nrow;
        int exponent;
        int rc;
        const char *msg;
    } cases[] = {
        {"S", 2, 1, 10, OWED_E_INVALID, "xlsx: sheet S: exponent 10 is not 0 to 9"},
        {"S", 2, 3, 2, OWED_E_INVALID, "xlsx: sheet S: a row of 3 cells under 2 columns"},
        {NULL, 2, 1, 2, OWED_E_INVALID, "xlsx: a row before the first sheet"},
        {"a/b", 2, 1, 2, OWED_E_INVALID, "xlsx: sheet name 'a/b': "},
        {"0123456789012345678901234567890123", 2, 1, 2, OWED_E_INVALID, "xlsx: sheet name '0123"},
        {"S", 0, 1, 2, OWED_E_INVALID, "xlsx: sheet S: 0 columns (1 to 64)"},
        {"S", OWED_XLSX_MAX_COLS + 1, 1, 2, OWED_E_INVALID, "xlsx: sheet S: 65 columns (1 to 64)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        x = start(NULL);
        const char *many[OWED_XLSX_MAX_COLS + 1] = {0};
        int rc = cases[i].sheet ? owed_xlsx_sheet_add(x, cases[i].sheet, many, cases[i].ncols)
                                : OWED_OK;
        struct owed_xlsx_cell m[3] = {owed_xlsx_money(1, cases[i].exponent, "USD"),
                                      owed_xlsx_int(2), owed_xlsx_int(3)};
        if (!rc) rc = owed_xlsx_row_add(x, m, cases[i].nrow, 0);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(owed_xlsx_finish(x, &out, &err), cases[i].rc);
        if (strncmp(err.ptr, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: '%s', want '%s...'", i, err.ptr, cases[i].msg);
        owed_xlsx_free(x);
        owed_buf_reset(&err);
    }
    x = start(NULL);
    assert_int_equal(owed_xlsx_sheet_add(x, "Same", head, 2), OWED_OK);
    assert_int_equal(owed_xlsx_sheet_add(x, "Same", head, 2), OWED_E_INVALID);
    owed_xlsx_free(x); /* abandoned: the directory goes all the same */
    assert_int_equal(entries_in(tmp_root), 0);
    assert_string_equal(out.ptr, "kept");

    /* No place for the private directory. */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/missing", tmp_root);
    struct owed_xlsx_options o = {.tmp_dir = missing};
    x = (struct owed_xlsx *)&o; /* set to NULL on error */
    assert_int_equal(owed_xlsx_new(&o, &x, &err), OWED_E_IO);
    assert_null(x);
    assert_non_null(strstr(err.ptr, "/missing/owed-xlsx-"));
    assert_non_null(strstr(err.ptr, ": No such file or directory"));
    owed_xlsx_free(NULL);

    /* A cell too long for Excel. */
    char *longtext = malloc(40000);
    memset(longtext, 'x', 39999);
    longtext[39999] = '\0';
    owed_buf_reset(&err);
    x = start(NULL);
    owed_xlsx_sheet_add(x, "S", head, 2);
    struct owed_xlsx_cell t = owed_xlsx_text(longtext);
    assert_int_equal(owed_xlsx_row_add(x, &t, 1, 0), OWED_E_TOO_LARGE);
    assert_int_equal(owed_xlsx_finish(x, &out, &err), OWED_E_TOO_LARGE);
    owed_xlsx_free(x);
    free(longtext);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* The same cells, the same bytes; the creation date is the one given. */
static void test_deterministic(void **state)
{
    (void)state;
    struct owed_buf out[2] = {OWED_BUF_INIT(0), OWED_BUF_INIT(0)};
    for (int i = 0; i < 2; i++) {
        struct owed_xlsx_options o = {.title = "T", .tmp_dir = tmp_root,
                                      .created_ms = (owed_time_ms)owed_date_from_ymd(2026, 6, 30) *
                                                    86400000};
        struct owed_xlsx *x;
        assert_int_equal(owed_xlsx_new(&o, &x, NULL), OWED_OK);
        const char *head[] = {"A", "B"};
        owed_xlsx_sheet_add(x, "S", head, 2);
        struct owed_xlsx_cell r[] = {owed_xlsx_text("x"), owed_xlsx_money(1234, 2, "EUR")};
        owed_xlsx_row_add(x, r, 2, 0);
        if (i == 1) sleep(1); /* a wall-clock time anywhere would show now */
        finish_ok(x, &out[i]);
    }
    assert_int_equal(out[0].len, out[1].len);
    assert_memory_equal(out[0].ptr, out[1].ptr, out[0].len);
    struct book b;
    book_open(&b, &out[0], 1);
    char s[64];
    assert_string_equal(xp(b.core, s, sizeof s, "string(//dcterms:created)"),
                        "2026-06-30T00:00:00Z");
    book_close(&b);
    owed_buf_release(&out[0]);
    owed_buf_release(&out[1]);
}

/* The output's cap: OWED_E_TOO_LARGE, out untouched. */
static void test_out_cap(void **state)
{
    (void)state;
    struct owed_buf out = OWED_BUF_INIT(100), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "before");
    struct owed_xlsx *x = start(NULL);
    const char *head[] = {"A"};
    owed_xlsx_sheet_add(x, "S", head, 1);
    assert_int_equal(owed_xlsx_finish(x, &out, &err), OWED_E_TOO_LARGE);
    assert_non_null(strstr(err.ptr, "past the output's cap"));
    assert_string_equal(out.ptr, "before");
    assert_int_equal(owed_buf_err(&out), OWED_OK);
    owed_xlsx_free(x);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* Excel's 1,048,576 rows: the header and 1,048,575 body rows fit, one more does not. */
static void test_row_limit(void **state)
{
    (void)state;
    struct owed_xlsx *x = start(NULL);
    const char *head[] = {"N"};
    owed_xlsx_sheet_add(x, "Rows", head, 1);
    struct owed_xlsx_cell c = {.kind = OWED_XLSX_BLANK};
    for (int i = 1; i < 1048576; i++)
        if (owed_xlsx_row_add(x, &c, 1, 0)) fail_msg("row %d refused", i);
    assert_int_equal(owed_xlsx_row_add(x, &c, 1, 0), OWED_E_TOO_LARGE);
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    assert_int_equal(owed_xlsx_finish(x, &out, &err), OWED_E_TOO_LARGE);
    assert_string_equal(err.ptr, "xlsx: sheet Rows: more than 1048576 rows");
    assert_int_equal(out.len, 0);
    owed_xlsx_free(x);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_money_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_limit, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
