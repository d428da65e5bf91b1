/* YAML to JSON through libyaml's event parser (see yaml_json.h).
 *
 * The events of the one document are turned into jansson values as they arrive: a
 * sequence or mapping start recurses (at most OWED_YAML_DEPTH_MAX deep), a scalar is typed
 * by the YAML 1.2 core schema (libyaml itself does no typing: it reports the text, the
 * style and the tag). libyaml's own errors carry a 0-based mark, or for undecodable input
 * a byte offset, which is turned into the same "line L, column C" here. */
#include "io/yaml_json.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base.h"

#define CORE_TAG "tag:yaml.org,2002:" /* what libyaml makes of the "!!" handle */
#define SHOWN_MAX 40                  /* bytes of a key or tag quoted in a message */

struct conv {
    yaml_parser_t parser;
    const char *src;
    size_t len;
    struct owed_buf *err;
    locale_t c_numeric; /* reals are read as in the C locale, whatever the program set */
};

/* Appends s[0..n) for a message: printable ASCII as is, other bytes as \xNN, cut. */
static void put_shown(struct owed_buf *b, const char *s, size_t n)
{
    owed_buf_addc(b, '"');
    for (size_t i = 0; i < n && i < SHOWN_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') owed_buf_addc(b, (char)ch);
        else owed_buf_addf(b, "\\x%02x", ch);
    }
    owed_buf_adds(b, n > SHOWN_MAX ? "...\"" : "\"");
}

static int fail_at(struct conv *c, yaml_mark_t m, const char *fmt, ...) OWED_PRINTF(3, 4);

static int fail_at(struct conv *c, yaml_mark_t m, const char *fmt, ...)
{
    if (c->err) {
        owed_buf_addf(c->err, "line %zu, column %zu: ", m.line + 1, m.column + 1);
        va_list ap;
        va_start(ap, fmt);
        owed_buf_vaddf(c->err, fmt, ap);
        va_end(ap);
    }
    return OWED_E_PARSE;
}

/* "duplicate key "k"", "unsupported tag "!x"": a reason with a quoted text. */
static int fail_shown(struct conv *c, yaml_mark_t m, const char *what, const char *s, size_t n)
{
    if (c->err) {
        fail_at(c, m, "%s ", what);
        put_shown(c->err, s, n);
    }
    return OWED_E_PARSE;
}

/* The mark of a byte offset into the input, for the reader's errors (bad encoding), which
 * report only the offset. Columns count UTF-8 characters, as libyaml's marks do. */
static yaml_mark_t mark_of_offset(const struct conv *c, size_t offset)
{
    yaml_mark_t m = {.index = offset};
    for (size_t i = 0; i < offset && i < c->len; i++) {
        unsigned char ch = (unsigned char)c->src[i];
        if (ch == '\n') {
            m.line++;
            m.column = 0;
        } else if ((ch & 0xc0) != 0x80) {
            m.column++;
        }
    }
    return m;
}

static int parser_error(struct conv *c)
{
    const yaml_parser_t *p = &c->parser;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_MEMORY_ERROR) {
        if (c->err) owed_buf_adds(c->err, "YAML: out of memory");
        return OWED_E_TOO_LARGE;
    }
    if (p->error == YAML_READER_ERROR) {
        yaml_mark_t m = mark_of_offset(c, p->problem_offset);
        if (p->problem_value >= 0)
            return fail_at(c, m, "%s (0x%x)", problem, (unsigned)p->problem_value);
        return fail_at(c, m, "%s", problem);
    }
    if (p->context)
        return fail_at(c, p->problem_mark, "%s (%s at line %zu, column %zu)", problem, p->context,
                       p->context_mark.line + 1, p->context_mark.column + 1);
    return fail_at(c, p->problem_mark, "%s", problem);
}

static int next_event(struct conv *c, yaml_event_t *ev)
{
    return yaml_parser_parse(&c->parser, ev) ? OWED_OK : parser_error(c);
}

/* ---- scalars: the YAML 1.2 core schema ---- */

static bool is_one_of(const char *s, size_t n, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strlen(words[i]) == n && memcmp(s, words[i], n) == 0) return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static int hex_value(char ch)
{
    if (is_digit(ch)) return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

enum int_form { NOT_INT, INT_OK, INT_RANGE };

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ into *out. */
static enum int_form int_value(const char *s, size_t n, int64_t *out)
{
    if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        int base = s[1] == 'o' ? 8 : 16;
        uint64_t v = 0;
        bool range = false;
        for (size_t i = 2; i < n; i++) {
            int d = hex_value(s[i]);
            if (d < 0 || d >= base) return NOT_INT;
            if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
                __builtin_add_overflow(v, (uint64_t)d, &v) || v > INT64_MAX)
                range = true, v = 0;
        }
        *out = (int64_t)v;
        return range ? INT_RANGE : INT_OK;
    }
    size_t i = n && (s[0] == '-' || s[0] == '+');
    bool negative = n && s[0] == '-';
    if (i == n) return NOT_INT;
    int64_t v = 0; /* accumulated negative: INT64_MIN fits */
    bool range = false;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return NOT_INT;
        if (__builtin_mul_overflow(v, (int64_t)10, &v) ||
            __builtin_sub_overflow(v, (int64_t)(s[i] - '0'), &v))
            range = true, v = 0;
    }
    if (!negative && !range && v == INT64_MIN) range = true, v = 0;
    *out = negative ? v : -v;
    return range ? INT_RANGE : INT_OK;
}

enum float_form { NOT_FLOAT, FLOAT_NUM, FLOAT_INF, FLOAT_NAN };

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN) */
static enum float_form float_form(const char *s, size_t n)
{
    if (is_one_of(s, n, nan_words)) return FLOAT_NAN;
    size_t i = n && (s[0] == '-' || s[0] == '+');
    if (is_one_of(s + i, n - i, inf_words)) return FLOAT_INF;
    size_t whole = 0, frac = 0;
    while (i < n && is_digit(s[i])) i++, whole++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) i++, frac++;
    }
    if (whole == 0 && frac == 0) return NOT_FLOAT;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        size_t exp = 0;
        while (i < n && is_digit(s[i])) i++, exp++;
        if (exp == 0) return NOT_FLOAT;
    }
    return i == n ? FLOAT_NUM : NOT_FLOAT;
}

enum want { WANT_AUTO, WANT_STR, WANT_INT, WANT_FLOAT, WANT_BOOL, WANT_NULL };

/* What the scalar's tag asks for; false for a tag outside the core schema. */
static bool scalar_want(const yaml_event_t *ev, enum want *w)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    static const struct {
        const char *name;
        enum want want;
    } core[] = {{"str", WANT_STR},    {"int", WANT_INT},   {"float", WANT_FLOAT},
                {"bool", WANT_BOOL},  {"null", WANT_NULL}};
    if (!tag) {
        *w = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? WANT_AUTO : WANT_STR;
        return true;
    }
    if (!strcmp(tag, "!")) { /* the non-specific tag: a string (YAML 1.2, 6.9.1) */
        *w = WANT_STR;
        return true;
    }
    if (strncmp(tag, CORE_TAG, strlen(CORE_TAG)) != 0) return false;
    for (size_t i = 0; i < OWED_ARRAY_LEN(core); i++)
        if (!strcmp(tag + strlen(CORE_TAG), core[i].name)) {
            *w = core[i].want;
            return true;
        }
    return false;
}

static int real_value(struct conv *c, const yaml_event_t *ev, enum float_form form,
                      json_t **out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (form != FLOAT_NUM) return fail_shown(c, ev->start_mark, "no JSON form for", s, n);
    char *copy = owed_xstrndup(s, n);
    double d = strtod_l(copy, NULL, c->c_numeric);
    free(copy);
    if (!isfinite(d)) return fail_shown(c, ev->start_mark, "real out of range:", s, n);
    *out = json_real(d);
    return OWED_OK;
}

static int scalar_value(struct conv *c, const yaml_event_t *ev, json_t **out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    enum want w;
    if (!scalar_want(ev, &w)) {
        const char *tag = (const char *)ev->data.scalar.tag;
        return fail_shown(c, ev->start_mark, "unsupported tag", tag, strlen(tag));
    }
    int64_t iv = 0;
    enum int_form ik = w == WANT_STR ? NOT_INT : int_value(s, n, &iv);
    enum float_form fk = w == WANT_STR ? NOT_FLOAT : float_form(s, n);
    switch (w) {
    case WANT_AUTO:
        if (is_one_of(s, n, null_words)) *out = json_null();
        else if (is_one_of(s, n, true_words)) *out = json_true();
        else if (is_one_of(s, n, false_words)) *out = json_false();
        else if (ik == INT_RANGE) return fail_shown(c, ev->start_mark, "integer out of range:", s, n);
        else if (ik == INT_OK) *out = json_integer(iv);
        else if (fk != NOT_FLOAT) return real_value(c, ev, fk, out);
        else break; /* a string */
        return OWED_OK;
    case WANT_STR: break;
    case WANT_INT:
        if (ik == INT_OK) *out = json_integer(iv);
        else if (ik == INT_RANGE) return fail_shown(c, ev->start_mark, "integer out of range:", s, n);
        else return fail_shown(c, ev->start_mark, "not an integer (!!int):", s, n);
        return OWED_OK;
    case WANT_FLOAT:
        if (fk == NOT_FLOAT && ik == NOT_INT)
            return fail_shown(c, ev->start_mark, "not a number (!!float):", s, n);
        return real_value(c, ev, fk == NOT_FLOAT ? FLOAT_NUM : fk, out);
    case WANT_BOOL:
        if (is_one_of(s, n, true_words)) *out = json_true();
        else if (is_one_of(s, n, false_words)) *out = json_false();
        else return fail_shown(c, ev->start_mark, "not true or false (!!bool):", s, n);
        return OWED_OK;
    case WANT_NULL:
        if (!is_one_of(s, n, null_words))
            return fail_shown(c, ev->start_mark, "not null (!!null):", s, n);
        *out = json_null();
        return OWED_OK;
    }
    *out = json_stringn(s, n);
    if (!*out) return fail_at(c, ev->start_mark, "text is not valid UTF-8");
    return OWED_OK;
}

/* ---- collections ---- */

static int node_value(struct conv *c, const yaml_event_t *ev, int depth, json_t **out);

static int sequence_value(struct conv *c, int depth, json_t **out)
{
    json_t *arr = json_array();
    for (;;) {
        yaml_event_t ev;
        int rc = next_event(c, &ev);
        if (rc) {
            json_decref(arr);
            return rc;
        }
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        json_t *v = NULL;
        rc = node_value(c, &ev, depth, &v);
        yaml_event_delete(&ev);
        if (rc) {
            json_decref(arr);
            return rc;
        }
        json_array_append_new(arr, v);
    }
    *out = arr;
    return OWED_OK;
}

/* A key: a scalar, taken as its text whatever it looks like; its tag must still be one
 * we know. */
static int key_check(struct conv *c, const yaml_event_t *ev)
{
    enum want w;
    if (ev->type == YAML_ALIAS_EVENT)
        return fail_at(c, ev->start_mark, "aliases are not supported (*%s)",
                       (const char *)ev->data.alias.anchor);
    if (ev->type != YAML_SCALAR_EVENT)
        return fail_at(c, ev->start_mark, "mapping keys must be scalars");
    if (ev->data.scalar.anchor)
        return fail_at(c, ev->start_mark, "anchors are not supported (&%s)",
                       (const char *)ev->data.scalar.anchor);
    if (!scalar_want(ev, &w)) {
        const char *tag = (const char *)ev->data.scalar.tag;
        return fail_shown(c, ev->start_mark, "unsupported tag", tag, strlen(tag));
    }
    return OWED_OK;
}

static int mapping_value(struct conv *c, int depth, json_t **out)
{
    json_t *obj = json_object();
    for (;;) {
        yaml_event_t key, ev;
        int rc = next_event(c, &key);
        if (rc) {
            json_decref(obj);
            return rc;
        }
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            break;
        }
        const char *k = (const char *)key.data.scalar.value;
        size_t klen = key.data.scalar.length;
        rc = key_check(c, &key);
        if (!rc && json_object_getn(obj, k, klen))
            rc = fail_shown(c, key.start_mark, "duplicate key", k, klen);
        if (!rc) rc = next_event(c, &ev);
        if (!rc) {
            json_t *v = NULL;
            rc = node_value(c, &ev, depth, &v);
            yaml_event_delete(&ev);
            /* NULL: the key is not valid UTF-8 (libyaml checks the input, so never). */
            if (!rc && json_object_setn_new(obj, k, klen, v) != 0)
                rc = fail_at(c, key.start_mark, "key is not valid UTF-8");
        }
        yaml_event_delete(&key);
        if (rc) {
            json_decref(obj);
            return rc;
        }
    }
    *out = obj;
    return OWED_OK;
}

/* The value of the node that starts with ev (borrowed), inside `depth` collections. */
static int node_value(struct conv *c, const yaml_event_t *ev, int depth, json_t **out)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    const char *core = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return fail_at(c, ev->start_mark, "aliases are not supported (*%s)",
                       (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.anchor)
            return fail_at(c, ev->start_mark, "anchors are not supported (&%s)",
                           (const char *)ev->data.scalar.anchor);
        return scalar_value(c, ev, out);
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        core = CORE_TAG "seq";
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        core = CORE_TAG "map";
        break;
    default:
        return fail_at(c, ev->start_mark, "unexpected YAML event %d", (int)ev->type);
    }
    if (anchor)
        return fail_at(c, ev->start_mark, "anchors are not supported (&%s)", (const char *)anchor);
    if (tag && strcmp((const char *)tag, "!") != 0 && strcmp((const char *)tag, core) != 0)
        return fail_shown(c, ev->start_mark, "unsupported tag", (const char *)tag,
                          strlen((const char *)tag));
    if (depth >= OWED_YAML_DEPTH_MAX)
        return fail_at(c, ev->start_mark, "nested deeper than %d", OWED_YAML_DEPTH_MAX);
    return ev->type == YAML_SEQUENCE_START_EVENT ? sequence_value(c, depth + 1, out)
                                                 : mapping_value(c, depth + 1, out);
}

/* ---- the stream: exactly one document ---- */

static int convert(struct conv *c, json_t **doc)
{
    yaml_event_t ev;
    int rc = next_event(c, &ev); /* stream start */
    if (rc) return rc;
    OWED_ASSERT(ev.type == YAML_STREAM_START_EVENT);
    yaml_event_delete(&ev);
    if ((rc = next_event(c, &ev))) return rc;
    if (ev.type == YAML_STREAM_END_EVENT) {
        rc = fail_at(c, ev.start_mark, "no YAML document");
        yaml_event_delete(&ev);
        return rc;
    }
    OWED_ASSERT(ev.type == YAML_DOCUMENT_START_EVENT);
    yaml_event_delete(&ev);
    if ((rc = next_event(c, &ev))) return rc;
    rc = node_value(c, &ev, 0, doc);
    yaml_event_delete(&ev);
    if (rc) return rc;
    if (!(rc = next_event(c, &ev))) { /* document end */
        OWED_ASSERT(ev.type == YAML_DOCUMENT_END_EVENT);
        yaml_event_delete(&ev);
        rc = next_event(c, &ev);
    }
    if (!rc) {
        if (ev.type == YAML_DOCUMENT_START_EVENT)
            rc = fail_at(c, ev.start_mark, "more than one document");
        else
            OWED_ASSERT(ev.type == YAML_STREAM_END_EVENT);
        yaml_event_delete(&ev);
    }
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    return rc;
}

int owed_yaml_to_json(const char *src, size_t len, json_t **out, struct owed_buf *err)
{
    if (len > OWED_YAML_MAX_BYTES) {
        if (err) owed_buf_addf(err, "YAML is %zu bytes, limit %zu", len, OWED_YAML_MAX_BYTES);
        return OWED_E_TOO_LARGE;
    }
    struct conv c = {.src = src, .len = len, .err = err};
    c.c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c.c_numeric == (locale_t)0 || !yaml_parser_initialize(&c.parser)) {
        if (c.c_numeric != (locale_t)0) freelocale(c.c_numeric);
        if (err) owed_buf_adds(err, "YAML: out of memory");
        return OWED_E_TOO_LARGE;
    }
    yaml_parser_set_input_string(&c.parser, (const unsigned char *)(src ? src : ""), len);
    json_t *doc = NULL;
    int rc = convert(&c, &doc);
    yaml_parser_delete(&c.parser);
    freelocale(c.c_numeric);
    if (rc == OWED_OK) *out = doc;
    return rc;
}
