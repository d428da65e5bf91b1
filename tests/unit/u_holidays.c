/* Unit tests for holiday calendars (src/io/holidays.c).
 *
 * Part one: the hand-written sample in tests/data/calendars, in-memory documents, the
 * project's own calendars in data/calendars (DE, GB), checked against dates computed here
 * from the date of Easter and the bank-holiday rules, and malformed input with the exact
 * messages. Part two reads every file in ../shared/fixtures/holidays (OWED_SHARED) and
 * compares it with EXPECTED.json there (entries, first and last date, per-year counts, the
 * 2025 dates), and cross-checks our calendars against the upstream snapshots. Part two
 * prints "skipped" and exits 77 when ../shared is absent, after part one passed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base.h"
#include "io/holidays.h"

static const char *shared_dir;

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

static int year_of(owed_date d)
{
    int y, m, dd;
    owed_date_to_ymd(d, &y, &m, &dd);
    return y;
}

/* Path of a file in the repository: from OWED_TESTDATA (= tests/data) when set, else
 * relative to this source file (run by hand). `rel` is relative to the repository root. */
static const char *repo_path(const char *rel)
{
    static char path[4096];
    const char *dir = getenv("OWED_TESTDATA");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/../../%s", dir, rel);
    } else {
        const char *src = __FILE__;
        const char *cut = strstr(src, "tests/unit/");
        int keep = cut ? (int)(cut - src) : 0;
        snprintf(path, sizeof path, "%.*s%s", keep, src, rel);
    }
    return path;
}

struct cal {
    owed_date *d;
    size_t n;
};

static struct cal load_ok(const char *path)
{
    struct cal c = {NULL, 0};
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_holidays_load(path, &c.d, &c.n, &err);
    if (rc) print_error("%s: rc %d: %s\n", path, rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0); /* untouched on success */
    owed_buf_release(&err);
    for (size_t i = 1; i < c.n; i++) assert_true(c.d[i - 1] < c.d[i]); /* sorted, distinct */
    return c;
}

static struct cal parse_ok(const char *json)
{
    struct cal c = {NULL, 0};
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_holidays_parse(json, strlen(json), &c.d, &c.n, &err);
    if (rc) print_error("parse %s: rc %d: %s\n", json, rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    owed_buf_release(&err);
    for (size_t i = 1; i < c.n; i++) assert_true(c.d[i - 1] < c.d[i]);
    return c;
}

static bool has(const struct cal *c, owed_date d)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->d[i] == d) return true;
    return false;
}

static size_t count_year(const struct cal *c, int y)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) k += year_of(c->d[i]) == y;
    return k;
}

/* Gregorian Easter Sunday (the anonymous algorithm of Meeus, Jones and Butcher). */
static owed_date easter(int y)
{
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
    int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return ymd(y, month, day);
}

/* The first (nth = 1) or last (nth = -1) Monday of a month. */
static owed_date monday(int y, int m, int nth)
{
    owed_date d = nth > 0 ? ymd(y, m, 1) : ymd(y, m, owed_month_days(y, m));
    while (owed_date_weekday(d) != 0) d += nth > 0 ? 1 : -1;
    return d;
}

/* --- part one: samples ----------------------------------------------------------------- */

static void test_sample_file(void **state)
{
    (void)state;
    char path[4200];
    const char *dir = getenv("OWED_TESTDATA");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/calendars/sample.json", dir);
    } else {
        snprintf(path, sizeof path, "%s", repo_path("tests/data/calendars/sample.json"));
    }
    struct cal c = load_ok(path);
    /* Written out of order, with an empty name and a Saturday: all kept, sorted. */
    const owed_date want[] = {ymd(2024, 1, 1),  ymd(2024, 2, 29),  ymd(2024, 6, 15),
                              ymd(2024, 7, 4),  ymd(2024, 12, 25), ymd(2024, 12, 26)};
    assert_int_equal(c.n, OWED_ARRAY_LEN(want));
    for (size_t i = 0; i < c.n; i++) assert_int_equal(c.d[i], want[i]);
    free(c.d);
}

static void test_parse_memory(void **state)
{
    (void)state;
    struct cal c = parse_ok("{}");
    assert_int_equal(c.n, 0);
    assert_null(c.d);
    c = parse_ok(" \r\n\t{ } \n");
    assert_int_equal(c.n, 0);
    free(c.d);

    c = parse_ok("{\"2026-12-25\":\"b\",\"1999-12-31\":\"a\",\"2000-01-01\":\"c\"}");
    assert_int_equal(c.n, 3);
    assert_int_equal(c.d[0], ymd(1999, 12, 31));
    assert_int_equal(c.d[1], ymd(2000, 1, 1));
    assert_int_equal(c.d[2], ymd(2026, 12, 25));
    free(c.d);

    /* The extremes of the date range; non-ASCII names. */
    c = parse_ok("{\"9999-12-31\":\"Ende\",\"0001-01-01\":\"Anfang \\u00e4\","
                 "\"2024-10-03\":\"Tag der Deutschen Einheit \xc3\xa4\"}");
    assert_int_equal(c.n, 3);
    assert_int_equal(c.d[0], ymd(1, 1, 1));
    assert_int_equal(c.d[2], ymd(9999, 12, 31));
    free(c.d);

    /* A UTF-8 byte order mark is skipped. */
    c = parse_ok("\xEF\xBB\xBF{\"2025-01-01\":\"x\"}");
    assert_int_equal(c.n, 1);
    assert_int_equal(c.d[0], ymd(2025, 1, 1));
    free(c.d);

    /* The length is honoured: junk past it is not read. NULL err is fine on success. */
    const char *s = "{\"2025-05-01\":\"x\"}garbage";
    owed_date *d = NULL;
    size_t n = 99;
    assert_int_equal(owed_holidays_parse(s, strlen(s) - 7, &d, &n, NULL), OWED_OK);
    assert_int_equal(n, 1);
    assert_int_equal(d[0], ymd(2025, 5, 1));
    free(d);

    /* Many dates, written newest first: sorted on the way out. */
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_adds(&b, "{");
    for (int i = 999; i >= 0; i--) {
        owed_buf_adds(&b, i == 999 ? "\"" : ",\"");
        owed_date_add_to_buf(&b, ymd(2000, 1, 1) + i * 3);
        owed_buf_adds(&b, "\":\"h\"");
    }
    owed_buf_adds(&b, "}");
    assert_int_equal(owed_holidays_parse(b.ptr, b.len, &d, &n, NULL), OWED_OK);
    assert_int_equal(n, 1000);
    for (size_t i = 0; i < n; i++) assert_int_equal(d[i], ymd(2000, 1, 1) + (owed_date)i * 3);
    free(d);
    owed_buf_release(&b);
}

/* data/calendars/DE.json: the nine national holidays of 2025-2027, recomputed here. */
static void test_project_de(void **state)
{
    (void)state;
    struct cal c = load_ok(repo_path("data/calendars/DE.json"));
    assert_int_equal(c.n, 27);
    assert_int_equal(c.d[0], ymd(2025, 1, 1));
    assert_int_equal(c.d[c.n - 1], ymd(2027, 12, 26));
    for (int y = 2025; y <= 2027; y++) {
        owed_date e = easter(y);
        const owed_date want[] = {
            ymd(y, 1, 1), e - 2,  e + 1,          ymd(y, 5, 1),   e + 39,
            e + 50,       ymd(y, 10, 3), ymd(y, 12, 25), ymd(y, 12, 26),
        };
        assert_int_equal(count_year(&c, y), OWED_ARRAY_LEN(want));
        for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) {
            if (!has(&c, want[i])) {
                char s[11];
                owed_date_format(want[i], s);
                print_error("DE.json lacks %s\n", s);
            }
            assert_true(has(&c, want[i]));
        }
    }
    /* Spot checks written out, so a shared mistake in easter() would not hide. */
    assert_true(has(&c, ymd(2026, 4, 3)));   /* Good Friday */
    assert_true(has(&c, ymd(2026, 4, 6)));   /* Easter Monday */
    assert_true(has(&c, ymd(2026, 5, 14)));  /* Ascension */
    assert_true(has(&c, ymd(2026, 5, 25)));  /* Whit Monday */
    assert_true(has(&c, ymd(2026, 12, 25)));
    assert_true(has(&c, ymd(2025, 6, 9)));
    assert_true(has(&c, ymd(2027, 3, 26)));
    assert_false(has(&c, ymd(2026, 4, 5))); /* Easter Sunday is no extra entry */
    free(c.d);
}

/* data/calendars/GB.json: England & Wales bank holidays 2025-2027, with substitute days
 * for Christmas and Boxing Day on a weekend; every date is a weekday. */
static void test_project_gb(void **state)
{
    (void)state;
    struct cal c = load_ok(repo_path("data/calendars/GB.json"));
    assert_int_equal(c.n, 24);
    for (int y = 2025; y <= 2027; y++) {
        owed_date e = easter(y);
        owed_date xmas = ymd(y, 12, 25), boxing = ymd(y, 12, 26);
        /* Christmas on a Saturday moves to Monday, Boxing Day to Tuesday; Boxing Day on a
         * Saturday moves to Monday. (New Year's Day is a weekday in 2025-2027.) */
        if (owed_date_weekday(xmas) == 5) {
            xmas += 2;
            boxing += 2;
        } else if (owed_date_weekday(xmas) == 6) {
            xmas += 1;
            boxing += 1;
        } else if (owed_date_weekday(boxing) == 5) {
            boxing += 2;
        }
        const owed_date want[] = {
            ymd(y, 1, 1),        e - 2, e + 1, monday(y, 5, 1), monday(y, 5, -1),
            monday(y, 8, -1),    xmas,  boxing,
        };
        assert_int_equal(count_year(&c, y), OWED_ARRAY_LEN(want));
        for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) assert_true(has(&c, want[i]));
    }
    for (size_t i = 0; i < c.n; i++) assert_true(owed_date_weekday(c.d[i]) < 5);
    assert_true(has(&c, ymd(2026, 12, 25)));
    assert_true(has(&c, ymd(2026, 12, 28)));  /* Boxing Day (Saturday) substitute */
    assert_false(has(&c, ymd(2026, 12, 26)));
    assert_true(has(&c, ymd(2027, 12, 27)));  /* Christmas (Saturday) substitute */
    assert_true(has(&c, ymd(2027, 12, 28)));
    assert_true(has(&c, ymd(2025, 8, 25)));   /* Summer bank holiday */
    free(c.d);
}

/* --- part one: rejects ----------------------------------------------------------------- */

static void expect_error(const char *json, size_t len, const char *msg)
{
    owed_date sentinel = 12345;
    owed_date *d = &sentinel;
    size_t n = 77;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_holidays_parse(json, len, &d, &n, &err);
    if (rc != OWED_E_PARSE) print_error("accepted %.*s\n", (int)len, json);
    assert_int_equal(rc, OWED_E_PARSE);
    assert_string_equal(err.ptr, msg);
    assert_ptr_equal(d, &sentinel); /* untouched */
    assert_int_equal(n, 77);
    owed_buf_release(&err);
    /* NULL err is fine too. */
    assert_int_equal(owed_holidays_parse(json, len, &d, &n, NULL), OWED_E_PARSE);
}

static void expect_bad(const char *json, const char *msg) { expect_error(json, strlen(json), msg); }

static void test_rejects(void **state)
{
    (void)state;
    /* Not JSON: jansson's reason after the line. */
    expect_bad("", "1: '[' or '{' expected near end of file");
    expect_error(NULL, 0, "1: '[' or '{' expected near end of file");
    expect_bad("{", "1: string or '}' expected near end of file");
    expect_bad("{\n\"2025-01-01\":\n}", "3: unexpected token near '}'");
    expect_bad("{\"2025-01-01\":\"a\",}", "1: string or '}' expected near '}'");
    expect_bad("{} {}", "1: end of file expected near '{'");
    expect_bad("42", "1: '[' or '{' expected near '42'");
    expect_bad("\"2025-01-01\"", "1: '[' or '{' expected near '\"2025-01-01\"'");
    /* A repeated date is most likely a typo for another day: rejected. */
    expect_bad("{\"2025-01-01\":\"a\",\n\"2025-01-01\":\"b\"}",
               "2: duplicate object key near '\"2025-01-01\"'");
    /* The top level must be an object; the line is where the value starts. */
    expect_bad("[]", "1: expected a JSON object");
    expect_bad("\n\n  [{\"2025-01-01\": \"x\"}]", "3: expected a JSON object");
    /* Keys: strict ISO dates. */
    expect_bad("{\"2025-13-01\":\"x\"}", "key '2025-13-01': not a date");
    expect_bad("{\"2025-02-29\":\"x\"}", "key '2025-02-29': not a date");
    expect_bad("{\"2025-1-01\":\"x\"}", "key '2025-1-01': not a date");
    expect_bad("{\" 2025-01-01\":\"x\"}", "key ' 2025-01-01': not a date");
    expect_bad("{\"2025-01-01 \":\"x\"}", "key '2025-01-01 ': not a date");
    expect_bad("{\"20250101\":\"x\"}", "key '20250101': not a date");
    expect_bad("{\"2025-01-01T00:00\":\"x\"}", "key '2025-01-01T00:00': not a date");
    expect_bad("{\"\":\"x\"}", "key '': not a date");
    expect_bad("{\"_about\":\"a comment\"}", "key '_about': not a date");
    /* Values: strings. */
    expect_bad("{\"2025-01-01\":1}", "key '2025-01-01': name is not a string");
    expect_bad("{\"2025-01-01\":null}", "key '2025-01-01': name is not a string");
    expect_bad("{\"2025-01-01\":true}", "key '2025-01-01': name is not a string");
    expect_bad("{\"2025-01-01\":[\"x\"]}", "key '2025-01-01': name is not a string");
    expect_bad("{\"2025-01-01\":{}}", "key '2025-01-01': name is not a string");
    /* The first bad member in file order is the one reported. */
    expect_bad("{\"2025-01-01\":\"a\",\"2025-01-02\":7,\"bad\":\"c\"}",
               "key '2025-01-02': name is not a string");
    expect_bad("{\"2025-01-01\":\"a\",\"bad\":\"b\",\"2025-01-02\":3}",
               "key 'bad': not a date");
    /* A long key is cut at 40 bytes (on a UTF-8 boundary); control bytes are escaped. */
    expect_bad("{\"0123456789012345678901234567890123456789XYZ\":\"x\"}",
               "key '0123456789012345678901234567890123456789...': not a date");
    expect_bad("{\"01234567890123456789012345678901234567\xc3\xa4\":\"x\"}",
               "key '01234567890123456789012345678901234567\xc3\xa4': not a date");
    expect_bad("{\"012345678901234567890123456789012345678\xc3\xa4\":\"x\"}",
               "key '012345678901234567890123456789012345678...': not a date");
    expect_bad("{\"0123456789012345678901234567890123456789\xc3\xa4\":\"x\"}",
               "key '0123456789012345678901234567890123456789...': not a date");
    expect_bad("{\"01234567890123456789012345678901234567\xe2\x82\xac\":\"x\"}",
               "key '01234567890123456789012345678901234567...': not a date");
    expect_bad("{\"a\\tb\\n\\\\\":\"x\"}", "key 'a\\x09b\\x0a\\x5c': not a date");
}

static char *temp_file(const void *data, size_t len)
{
    char tmpl[] = "/tmp/u_holidays.XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return owed_xstrdup(tmpl);
}

static void test_load_errors(void **state)
{
    (void)state;
    owed_date *d = NULL;
    size_t n = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(owed_holidays_load("/nonexistent/owed/DE.json", &d, &n, &err), OWED_E_IO);
    assert_string_equal(err.ptr, "/nonexistent/owed/DE.json: No such file or directory");
    owed_buf_reset(&err);
    assert_int_equal(owed_holidays_load("/", &d, &n, &err), OWED_E_IO);
    assert_string_equal(err.ptr, "/: Is a directory");
    assert_int_equal(owed_holidays_load("/nonexistent", &d, &n, NULL), OWED_E_IO);
    assert_null(d);

    /* A parse error names the file, FILE:LINE as in the CLI contract. */
    const char bad_json[] = "{\n  \"2025-01-01\": \"a\"\n  \"2025-01-02\": \"b\"\n}\n";
    char *path = temp_file(bad_json, sizeof bad_json - 1);
    owed_buf_reset(&err);
    assert_int_equal(owed_holidays_load(path, &d, &n, &err), OWED_E_PARSE);
    struct owed_buf want = OWED_BUF_INIT(0);
    owed_buf_addf(&want, "%s:3: '}' expected near '\"2025-01-02\"'", path);
    assert_string_equal(err.ptr, want.ptr);
    unlink(path);
    free(path);

    const char bad_key[] = "{\"2025-04-31\": \"x\"}";
    path = temp_file(bad_key, sizeof bad_key - 1);
    owed_buf_reset(&err);
    owed_buf_reset(&want);
    assert_int_equal(owed_holidays_load(path, &d, &n, &err), OWED_E_PARSE);
    owed_buf_addf(&want, "%s: key '2025-04-31': not a date", path);
    assert_string_equal(err.ptr, want.ptr);
    unlink(path);
    free(path);

    /* Past the size cap: a sparse file of zero bytes, never parsed. */
    path = temp_file("{", 1);
    assert_int_equal(truncate(path, (off_t)OWED_HOLIDAYS_MAX_BYTES + 1), 0);
    owed_buf_reset(&err);
    owed_buf_reset(&want);
    assert_int_equal(owed_holidays_load(path, &d, &n, &err), OWED_E_TOO_LARGE);
    owed_buf_addf(&want, "%s: file too large", path);
    assert_string_equal(err.ptr, want.ptr);
    unlink(path);
    free(path);
    assert_null(d);

    owed_buf_release(&want);
    owed_buf_release(&err);
}

/* --- part two: ../shared/fixtures/holidays ---------------------------------------------- */

static size_t nfixtures;

static owed_date jdate(const json_t *s)
{
    const char *v = json_string_value(s);
    assert_non_null(v);
    owed_date d;
    assert_int_equal(owed_date_parse(v, strlen(v), &d), OWED_OK);
    return d;
}

static void check_fixture(const char *dir, const char *file, const json_t *meta)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    assert_null(json_object_get(meta, "peer_assertions")); /* none yet: check them if added */
    const json_t *facts = json_object_get(meta, "derived_facts");
    assert_true(json_is_object(facts));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, json_integer_value(json_object_get(meta, "bytes")));

    struct cal c = load_ok(path);
    assert_int_equal(c.n, json_integer_value(json_object_get(facts, "entries")));
    assert_int_equal(c.d[0], jdate(json_object_get(facts, "first")));
    assert_int_equal(c.d[c.n - 1], jdate(json_object_get(facts, "last")));
    const char *year;
    json_t *count;
    json_object_foreach(json_object_get(facts, "per_year_2024_2026"), year, count) {
        assert_int_equal(count_year(&c, (int)strtol(year, NULL, 10)),
                         json_integer_value(count));
    }
    const json_t *in2025 = json_object_get(facts, "dates_2025");
    assert_int_equal(count_year(&c, 2025), json_object_size(in2025));
    const char *key;
    json_t *name;
    json_object_foreach((json_t *)in2025, key, name) {
        owed_date d;
        assert_int_equal(owed_date_parse(key, strlen(key), &d), OWED_OK);
        assert_true(has(&c, d));
    }
    printf("holidays fixture %s: %zu dates %s..%s ok\n", file, c.n,
           json_string_value(json_object_get(facts, "first")),
           json_string_value(json_object_get(facts, "last")));
    free(c.d);
    nfixtures++;
}

/* Our own calendars against the upstream snapshots, 2025-2027: DE equals DE_COMMON; every
 * GB_COMMON weekday is in GB (GB_COMMON has only the UK-wide days and lists the weekend
 * originals beside the substitutes); every ECB TARGET closing day is a DE holiday. */
static void cross_check(const char *dir)
{
    char path[4200];
    struct cal de = load_ok(repo_path("data/calendars/DE.json"));
    struct cal gb = load_ok(repo_path("data/calendars/GB.json"));
    const char *names[] = {"DE_COMMON.json", "GB_COMMON.json", "XECB.json"};
    for (size_t k = 0; k < OWED_ARRAY_LEN(names); k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        struct cal up = load_ok(path);
        size_t in_range = 0;
        for (size_t i = 0; i < up.n; i++) {
            int y = year_of(up.d[i]);
            if (y < 2025 || y > 2027) continue;
            in_range++;
            if (k == 1 && owed_date_weekday(up.d[i]) >= 5) continue;
            assert_true(has(k == 1 ? &gb : &de, up.d[i]));
        }
        if (k == 0) assert_int_equal(in_range, de.n);
        free(up.d);
    }
    free(de.d);
    free(gb.d);
}

static void test_shared_fixtures(void **state)
{
    (void)state;
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/fixtures/holidays", shared_dir);
    snprintf(path, sizeof path, "%s/EXPECTED.json", dir);
    json_error_t jerr;
    json_t *expected = json_load_file(path, 0, &jerr);
    if (!expected) print_error("%s: %s\n", path, jerr.text);
    assert_non_null(expected);
    const json_t *files = json_object_get(expected, "files");
    const char *file;
    json_t *meta;
    json_object_foreach((json_t *)files, file, meta) check_fixture(dir, file, meta);

    /* Every calendar in the folder has its expectations: none is left unchecked. */
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *de;
    size_t njson = 0;
    while ((de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        if (strcmp(de->d_name, "EXPECTED.json") == 0) continue;
        if (!json_object_get(files, de->d_name)) print_error("%s not in EXPECTED\n", de->d_name);
        assert_non_null(json_object_get(files, de->d_name));
        njson++;
    }
    closedir(dp);
    assert_int_equal(njson, nfixtures);
    assert_true(nfixtures >= 3);
    cross_check(dir);
    printf("holidays fixtures: %zu files parsed and matched; DE/GB cross-checked\n", nfixtures);
    json_decref(expected);
}

int main(void)
{
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_sample_file), cmocka_unit_test(test_parse_memory),
        cmocka_unit_test(test_project_de),  cmocka_unit_test(test_project_gb),
        cmocka_unit_test(test_rejects),     cmocka_unit_test(test_load_errors),
    };
    int rc = cmocka_run_group_tests_name("holidays", own, NULL, NULL);
    if (rc) return rc;

    shared_dir = getenv("OWED_SHARED");
    char probe[4096];
    FILE *f = NULL;
    if (shared_dir && *shared_dir &&
        snprintf(probe, sizeof probe, "%s/fixtures/holidays/EXPECTED.json", shared_dir) <
            (int)sizeof probe)
        f = fopen(probe, "r");
    if (!f) {
        printf("skipped: ../shared/fixtures/holidays not present\n");
        return 77;
    }
    fclose(f);
    const struct CMUnitTest fixtures[] = {cmocka_unit_test(test_shared_fixtures)};
    return cmocka_run_group_tests_name("holidays shared fixtures", fixtures, NULL, NULL);
}
