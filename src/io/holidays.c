/* Holiday calendars from JSON (see holidays.h). jansson does the JSON; we check the shape
 * and turn keys into dates. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/holidays.h"

#define KEY_SHOWN_MAX 40

/* Appends "PATH:LINE: ", "PATH: ", "LINE: " or nothing, as DESIGN.md's FILE:LINE form. */
static void prefix(struct owed_buf *err, const char *path, int line)
{
    if (path && line > 0) {
        owed_buf_addf(err, "%s:%d: ", path, line);
    } else if (path) {
        owed_buf_addf(err, "%s: ", path);
    } else if (line > 0) {
        owed_buf_addf(err, "%d: ", line);
    }
}

/* "key 'X': " with X cut to KEY_SHOWN_MAX bytes on a UTF-8 boundary and control bytes
 * escaped, so a hostile key cannot flood or break a one-line message. */
static void add_key(struct owed_buf *err, const char *key, size_t len)
{
    size_t shown = len;
    if (shown > KEY_SHOWN_MAX) {
        shown = KEY_SHOWN_MAX;
        while (shown > 0 && ((unsigned char)key[shown] & 0xC0) == 0x80) shown--;
    }
    owed_buf_adds(err, "key '");
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 0x20 || c == 0x7F || c == '\\') {
            owed_buf_addf(err, "\\x%02x", c);
        } else {
            owed_buf_addc(err, (char)c);
        }
    }
    owed_buf_adds(err, shown < len ? "...': " : "': ");
}

/* Line (1-based) of the first byte that is not JSON whitespace: where the top-level value
 * starts, for "expected a JSON object". */
static int value_line(const char *s, size_t len)
{
    int line = 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            line++;
        } else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            break;
        }
    }
    return line;
}

static int cmp_date(const void *a, const void *b)
{
    owed_date x = *(const owed_date *)a, y = *(const owed_date *)b;
    return (x > y) - (x < y);
}

/* Checks every member of obj and collects the dates (unsorted) into a new array. */
static int collect(json_t *obj, owed_date **out, size_t *nout, const char *path,
                   struct owed_buf *err)
{
    size_t cap = json_object_size(obj), n = 0;
    owed_date *dates = cap ? owed_xmalloc(cap * sizeof *dates) : NULL;
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach(obj, key, key_len, value)
    {
        const char *why = NULL;
        owed_date d;
        if (owed_date_parse(key, key_len, &d) != OWED_OK) {
            why = "not a date";
        } else if (!json_is_string(value)) {
            why = "name is not a string";
        }
        if (why) {
            if (err) {
                prefix(err, path, 0);
                add_key(err, key, key_len);
                owed_buf_adds(err, why);
            }
            free(dates);
            return OWED_E_PARSE;
        }
        OWED_ASSERT(n < cap);
        dates[n++] = d;
    }
    *out = dates;
    *nout = n;
    return OWED_OK;
}

/* owed_holidays_parse() with the file name, when there is one, leading each message. */
static int parse_named(const char *json, size_t len, owed_date **dates, size_t *n,
                       const char *path, struct owed_buf *err)
{
    OWED_ASSERT(json || len == 0);
    OWED_ASSERT(dates && n);
    /* A UTF-8 byte order mark from a Windows editor: RFC 8259 lets a parser ignore it. */
    if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) {
        json += 3;
        len -= 3;
    }
    json_error_t je;
    json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (err) {
            prefix(err, path, je.line);
            owed_buf_adds(err, je.text);
        }
        return OWED_E_PARSE;
    }
    if (!json_is_object(root)) {
        if (err) {
            prefix(err, path, value_line(json, len));
            owed_buf_adds(err, "expected a JSON object");
        }
        json_decref(root);
        return OWED_E_PARSE;
    }
    owed_date *out = NULL;
    size_t count = 0;
    int rc = collect(root, &out, &count, path, err);
    json_decref(root);
    if (rc) return rc;
    if (count > 1) qsort(out, count, sizeof *out, cmp_date);
    /* Keys are distinct (duplicates rejected) and the date syntax is strict, so dates are
     * too; keep the postcondition honest anyway. */
    size_t w = 0;
    for (size_t i = 0; i < count; i++) {
        if (w == 0 || out[w - 1] != out[i]) out[w++] = out[i];
    }
    for (size_t i = 1; i < w; i++) OWED_ASSERT(out[i - 1] < out[i]);
    *dates = out;
    *n = w;
    return OWED_OK;
}

int owed_holidays_parse(const char *json, size_t len, owed_date **dates, size_t *n,
                        struct owed_buf *err)
{
    return parse_named(json, len, dates, n, NULL, err);
}

int owed_holidays_load(const char *path, owed_date **dates, size_t *n, struct owed_buf *err)
{
    OWED_ASSERT(path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err) owed_buf_addf(err, "%s: %s", path, strerror(errno));
        return OWED_E_IO;
    }
    struct owed_buf data = OWED_BUF_INIT(OWED_HOLIDAYS_MAX_BYTES);
    char chunk[1 << 14];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        owed_buf_add(&data, chunk, got);
        if (owed_buf_err(&data)) break;
    }
    int read_errno = ferror(f) ? errno : 0;
    fclose(f);
    int rc = OWED_OK;
    if (read_errno) {
        if (err) owed_buf_addf(err, "%s: %s", path, strerror(read_errno));
        rc = OWED_E_IO;
    } else if (owed_buf_err(&data)) {
        if (err) owed_buf_addf(err, "%s: file too large", path);
        rc = OWED_E_TOO_LARGE;
    } else {
        rc = parse_named(data.ptr, data.len, dates, n, path, err);
    }
    owed_buf_release(&data);
    return rc;
}
