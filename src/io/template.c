/* Mustache subset (see template.h). Compiling turns the source into a flat node list; a
 * section node records where its body ends, so rendering walks the list and recurses only
 * into sections, at most OWED_TEMPLATE_DEPTH_MAX deep. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/template.h"

#define SHOWN_MAX 40                      /* bytes of a name quoted in a message */
#define SHOWN_BUF (SHOWN_MAX * 4 + 4)     /* every byte as \xHH, "...", NUL */

enum kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED };

struct node {
    uint8_t kind;
    uint32_t off, len; /* N_TEXT: slice of t->text; else the name at t->names + off */
    uint32_t end;      /* sections: index of the first node after the body */
};

struct owed_template {
    struct node *nodes;
    size_t n, cap;
    char *text;  /* copy of the source */
    char *names; /* NUL-terminated names back to back */
};

/* Copies src[0..n) into dst for a message: cut to SHOWN_MAX bytes on a UTF-8 boundary,
 * control bytes, quotes and backslashes as \xHH, so a hostile name stays on one line. */
static const char *shown(char dst[SHOWN_BUF], const char *src, size_t n)
{
    size_t keep = n, w = 0;
    if (keep > SHOWN_MAX) {
        keep = SHOWN_MAX;
        while (keep > 0 && ((unsigned char)src[keep] & 0xC0) == 0x80) keep--;
    }
    for (size_t i = 0; i < keep; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch < 0x20 || ch == 0x7F || ch == '"' || ch == '\\') {
            static const char hex[] = "0123456789abcdef";
            dst[w++] = '\\';
            dst[w++] = 'x';
            dst[w++] = hex[ch >> 4];
            dst[w++] = hex[ch & 15];
        } else {
            dst[w++] = (char)ch;
        }
    }
    if (keep < n) {
        memcpy(dst + w, "...", 3);
        w += 3;
    }
    dst[w] = '\0';
    return dst;
}

/* --- compiling ------------------------------------------------------------------------ */

struct compiler {
    const char *src;
    size_t len;
    struct owed_template *t;
    struct owed_buf names;
    struct owed_buf *err;
};

struct tag {
    char sigil;       /* 0 for a variable, else one of { & # ^ / ! */
    size_t open, end; /* offset of "{{" and one past the closing braces */
    const char *name; /* trimmed content */
    size_t name_len;
};

/* Appends "line L, column C: " and the message for src[pos]; returns OWED_E_PARSE. */
OWED_PRINTF(3, 4)
static int fail(const struct compiler *c, size_t pos, const char *fmt, ...)
{
    if (!c->err) return OWED_E_PARSE;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (c->src[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)c->src[i] & 0xC0) != 0x80) {
            col++; /* UTF-8 continuation bytes do not start a character */
        }
    }
    owed_buf_addf(c->err, "line %zu, column %zu: ", line, col);
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(c->err, fmt, ap);
    va_end(ap);
    return OWED_E_PARSE;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

static bool valid_name(const char *p, size_t n)
{
    if (n == 1 && p[0] == '.') return true;
    bool segment_empty = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '.') {
            if (segment_empty) return false;
            segment_empty = true;
            continue;
        }
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch >= 0x80;
        if (!ok) return false;
        segment_empty = false;
    }
    return !segment_empty;
}

/* Reads the tag whose "{{" is at src[open]. */
static int scan_tag(const struct compiler *c, size_t open, struct tag *tag)
{
    const char *s = c->src;
    size_t p = open + 2;
    tag->open = open;
    tag->sigil = 0;
    if (p < c->len && memchr("{&#^/!>=", s[p], 8)) tag->sigil = s[p++];
    const char *close = memmem(s + p, c->len - p, "}}", 2);
    if (!close) return fail(c, open, "unterminated tag");
    size_t a = p, b = (size_t)(close - s);
    tag->end = b + 2;
    if (tag->sigil == '{') {
        if (tag->end >= c->len || s[tag->end] != '}') return fail(c, open, "expected \"}}}\"");
        tag->end++;
    }
    if (tag->sigil == '>') return fail(c, open, "partials are not supported");
    if (tag->sigil == '=') return fail(c, open, "delimiter changes are not supported");
    while (a < b && is_space(s[a])) a++;
    while (b > a && is_space(s[b - 1])) b--;
    tag->name = s + a;
    tag->name_len = b - a;
    if (tag->sigil == '!') return OWED_OK;
    if (a == b) return fail(c, open, "empty tag");
    char buf[SHOWN_BUF];
    if (!valid_name(tag->name, tag->name_len)) {
        return fail(c, open, "invalid name \"%s\"", shown(buf, tag->name, tag->name_len));
    }
    return OWED_OK;
}

/* Mustache "standalone": when the tag's line holds nothing else but spaces and tabs,
 * [*ls, *le) is that whole line, its line ending included, to be left out of the output. */
static bool standalone(const struct compiler *c, const struct tag *tag, size_t *ls, size_t *le)
{
    const char *s = c->src;
    size_t a = tag->open, b = tag->end;
    while (a > 0 && (s[a - 1] == ' ' || s[a - 1] == '\t')) a--;
    if (a > 0 && s[a - 1] != '\n') return false;
    while (b < c->len && (s[b] == ' ' || s[b] == '\t')) b++;
    if (b + 1 < c->len && s[b] == '\r' && s[b + 1] == '\n') b++;
    if (b < c->len && s[b] != '\n') return false;
    *ls = a;
    *le = b < c->len ? b + 1 : b;
    return true;
}

static size_t add_node(struct compiler *c, enum kind kind, size_t off, size_t len)
{
    struct owed_template *t = c->t;
    OWED_ALLOC_GROW(t->nodes, t->n + 1, t->cap);
    /* Offsets fit: the source is at most 1 MiB, the names pool no bigger. */
    t->nodes[t->n] = (struct node){(uint8_t)kind, (uint32_t)off, (uint32_t)len, 0};
    return t->n++;
}

static size_t add_named(struct compiler *c, enum kind kind, const struct tag *tag)
{
    size_t off = c->names.len;
    owed_buf_add(&c->names, tag->name, tag->name_len);
    owed_buf_addc(&c->names, '\0');
    return add_node(c, kind, off, tag->name_len);
}

/* Handles {{/name}}: checks it closes the innermost open section and records the end. */
static int close_section(struct compiler *c, const struct tag *tag, const size_t *open_node,
                         size_t *depth)
{
    char a[SHOWN_BUF], b[SHOWN_BUF];
    shown(a, tag->name, tag->name_len);
    if (*depth == 0) return fail(c, tag->open, "unexpected {{/%s}}", a);
    struct node *sec = &c->t->nodes[open_node[*depth - 1]];
    const char *want = c->names.ptr + sec->off;
    if (sec->len != tag->name_len || memcmp(want, tag->name, sec->len) != 0) {
        return fail(c, tag->open, "unexpected {{/%s}}, expected {{/%s}}", a,
                    shown(b, want, sec->len));
    }
    sec->end = (uint32_t)c->t->n;
    (*depth)--;
    return OWED_OK;
}

static int parse(struct compiler *c)
{
    size_t open_node[OWED_TEMPLATE_DEPTH_MAX], open_at[OWED_TEMPLATE_DEPTH_MAX], depth = 0;
    size_t pos = 0;
    const char *o;
    while (pos < c->len && (o = memmem(c->src + pos, c->len - pos, "{{", 2)) != NULL) {
        struct tag tag = {0}; /* gcc -O2 cannot see scan_tag() sets it */
        int rc = scan_tag(c, (size_t)(o - c->src), &tag);
        if (rc) return rc;
        size_t text_end = tag.open, next = tag.end, ls, le;
        if (tag.sigil && memchr("#^/!", tag.sigil, 4) && standalone(c, &tag, &ls, &le)) {
            OWED_ASSERT(ls >= pos); /* only blanks lie between the line start and the tag */
            text_end = ls;
            next = le;
        }
        if (text_end > pos) add_node(c, N_TEXT, pos, text_end - pos);
        pos = next;
        switch (tag.sigil) {
        case '!':
            break;
        case '#':
        case '^':
            if (depth == OWED_TEMPLATE_DEPTH_MAX) {
                return fail(c, tag.open, "sections nested deeper than %d",
                            OWED_TEMPLATE_DEPTH_MAX);
            }
            open_at[depth] = tag.open;
            open_node[depth++] = add_named(c, tag.sigil == '#' ? N_SECTION : N_INVERTED, &tag);
            break;
        case '/':
            rc = close_section(c, &tag, open_node, &depth);
            if (rc) return rc;
            break;
        default:
            add_named(c, tag.sigil ? N_RAW : N_VAR, &tag);
        }
    }
    if (pos < c->len) add_node(c, N_TEXT, pos, c->len - pos);
    if (depth > 0) {
        const struct node *sec = &c->t->nodes[open_node[depth - 1]];
        char a[SHOWN_BUF];
        return fail(c, open_at[depth - 1], "unclosed section \"%s\"",
                    shown(a, c->names.ptr + sec->off, sec->len));
    }
    return OWED_OK;
}

int owed_template_compile(const char *src, size_t len, struct owed_template **out,
                          struct owed_buf *err)
{
    OWED_ASSERT(src || len == 0);
    OWED_ASSERT(out);
    if (len > OWED_TEMPLATE_MAX_BYTES) {
        if (err) {
            owed_buf_addf(err, "template is %zu bytes, limit %zu", len, OWED_TEMPLATE_MAX_BYTES);
        }
        return OWED_E_TOO_LARGE;
    }
    struct owed_template *t = owed_xcalloc(1, sizeof *t);
    t->text = owed_xmalloc(len + 1);
    if (len) memcpy(t->text, src, len);
    t->text[len] = '\0';
    struct compiler c = {t->text, len, t, OWED_BUF_INIT(2 * OWED_TEMPLATE_MAX_BYTES), err};
    int rc = parse(&c);
    OWED_ASSERT(owed_buf_err(&c.names) == OWED_OK);
    if (rc) {
        owed_buf_release(&c.names);
        owed_template_free(t);
        return rc;
    }
    t->names = owed_buf_detach(&c.names, NULL);
    *out = t;
    return OWED_OK;
}

void owed_template_free(struct owed_template *t)
{
    if (!t) return;
    free(t->nodes);
    free(t->text);
    free(t->names);
    free(t);
}

/* --- rendering ------------------------------------------------------------------------ */

struct render {
    const struct owed_template *t;
    enum owed_escape esc;
    struct owed_buf *out, *err;
    const json_t *stack[OWED_TEMPLATE_DEPTH_MAX + 1]; /* the context, then one per section */
    size_t depth, steps, steps_max;
};

OWED_PRINTF(3, 4)
static int render_fail(const struct render *r, int rc, const char *fmt, ...)
{
    if (r->err) {
        va_list ap;
        va_start(ap, fmt);
        owed_buf_vaddf(r->err, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Mustache lookup: the first segment through the stack, innermost object first; the rest
 * only inside what that found. NULL when missing. */
static const json_t *lookup(const struct render *r, const char *name)
{
    if (name[0] == '.' && name[1] == '\0') return r->stack[r->depth - 1];
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    const json_t *v = NULL;
    for (size_t k = r->depth; k-- > 0 && !v;) {
        if (json_is_object(r->stack[k])) v = json_object_getn(r->stack[k], name, n);
    }
    while (v && dot) {
        name = dot + 1;
        dot = strchr(name, '.');
        n = dot ? (size_t)(dot - name) : strlen(name);
        v = json_is_object(v) ? json_object_getn(v, name, n) : NULL;
    }
    return v;
}

static bool truthy(const json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT: return true;
    case JSON_ARRAY: return json_array_size(v) > 0;
    case JSON_STRING: return json_string_length(v) > 0;
    case JSON_INTEGER: return json_integer_value(v) != 0;
    case JSON_REAL: return json_real_value(v) < 0 || json_real_value(v) > 0;
    case JSON_TRUE: return true;
    default: return false;
    }
}

void owed_html_escape(struct owed_buf *b, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        owed_buf_add(b, p + run, i - run);
        owed_buf_adds(b, rep);
        run = i + 1;
    }
    owed_buf_add(b, p + run, n - run);
}

static int put_var(struct render *r, const struct node *nd)
{
    const char *name = r->t->names + nd->off;
    const json_t *v = lookup(r, name);
    char a[SHOWN_BUF];
    if (!v) {
        return render_fail(r, OWED_E_NOT_FOUND, "unknown variable \"%s\"",
                           shown(a, name, nd->len));
    }
    const char *why = NULL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (nd->kind == N_VAR && r->esc == OWED_ESCAPE_HTML) {
            owed_html_escape(r->out, json_string_value(v), json_string_length(v));
        } else {
            owed_buf_add(r->out, json_string_value(v), json_string_length(v));
        }
        break;
    case JSON_INTEGER: owed_buf_addf(r->out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_TRUE: owed_buf_adds(r->out, "true"); break;
    case JSON_FALSE: owed_buf_adds(r->out, "false"); break;
    case JSON_NULL: break;
    case JSON_REAL: why = "a number with a fraction"; break;
    case JSON_OBJECT: why = "an object"; break;
    case JSON_ARRAY: why = "an array"; break;
    }
    if (why) {
        return render_fail(r, OWED_E_INVALID, "variable \"%s\" is %s", shown(a, name, nd->len),
                           why);
    }
    return OWED_OK;
}

static int render_range(struct render *r, size_t i, size_t end);

/* One step of the budget; fails once it is spent or the output is over its cap. */
static int step(struct render *r)
{
    if (++r->steps > r->steps_max) {
        return render_fail(r, OWED_E_TOO_LARGE, "template needs more than %zu steps",
                           r->steps_max);
    }
    if (owed_buf_err(r->out)) {
        return render_fail(r, OWED_E_TOO_LARGE, "output exceeds %zu bytes", r->out->max);
    }
    return OWED_OK;
}

/* Renders the body of section i with v pushed (or nothing pushed when v is NULL). */
static int body(struct render *r, size_t i, const json_t *v)
{
    const struct node *nd = &r->t->nodes[i];
    if (v) {
        OWED_ASSERT(r->depth < OWED_ARRAY_LEN(r->stack));
        r->stack[r->depth++] = v;
    }
    int rc = render_range(r, i + 1, nd->end);
    if (v) r->depth--;
    return rc;
}

static int section(struct render *r, size_t i)
{
    const struct node *nd = &r->t->nodes[i];
    const json_t *v = lookup(r, r->t->names + nd->off);
    if (nd->kind == N_INVERTED) return truthy(v) ? OWED_OK : body(r, i, NULL);
    if (!truthy(v)) return OWED_OK;
    if (!json_is_array(v)) return body(r, i, json_is_true(v) ? NULL : v);
    for (size_t k = 0; k < json_array_size(v); k++) {
        int rc = step(r); /* an empty body still costs: nested loops must end */
        if (!rc) rc = body(r, i, json_array_get(v, k));
        if (rc) return rc;
    }
    return OWED_OK;
}

static int render_range(struct render *r, size_t i, size_t end)
{
    while (i < end) {
        int rc = step(r);
        if (rc) return rc;
        const struct node *nd = &r->t->nodes[i];
        switch (nd->kind) {
        case N_TEXT:
            owed_buf_add(r->out, r->t->text + nd->off, nd->len);
            i++;
            break;
        case N_VAR:
        case N_RAW:
            rc = put_var(r, nd);
            i++;
            break;
        default:
            rc = section(r, i);
            i = nd->end;
        }
        if (rc) return rc;
    }
    return OWED_OK;
}

int owed_template_render_steps(const struct owed_template *t, const json_t *ctx,
                               enum owed_escape esc, size_t steps_max, struct owed_buf *out,
                               struct owed_buf *err)
{
    OWED_ASSERT(t && ctx && out);
    OWED_ASSERT(esc == OWED_ESCAPE_NONE || esc == OWED_ESCAPE_HTML);
    struct render r = {.t = t, .esc = esc, .out = out, .err = err, .depth = 1};
    r.steps_max = steps_max ? steps_max : OWED_TEMPLATE_STEPS_MAX;
    r.stack[0] = ctx;
    size_t start = out->len;
    int rc = render_range(&r, 0, t->n);
    if (!rc && owed_buf_err(out)) {
        rc = render_fail(&r, OWED_E_TOO_LARGE, "output exceeds %zu bytes", out->max);
    }
    if (rc && out->len > start) {
        out->len = start;
        out->ptr[start] = '\0';
    }
    OWED_ASSERT(rc || r.depth == 1);
    return rc;
}

int owed_template_render(const struct owed_template *t, const json_t *ctx, enum owed_escape esc,
                         struct owed_buf *out, struct owed_buf *err)
{
    return owed_template_render_steps(t, ctx, esc, 0, out, err);
}

/* --- names ---------------------------------------------------------------------------- */

struct name_ref {
    const char *name;
    bool is_section;
};

static int cmp_ref(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int d = strcmp(x->name, y->name);
    return d ? d : (x->is_section > y->is_section) - (x->is_section < y->is_section);
}

int owed_template_names(const struct owed_template *t, int (*fn)(void *, const char *, bool),
                        void *ctx)
{
    OWED_ASSERT(t && fn);
    struct name_ref *refs = owed_xmalloc((t->n ? t->n : 1) * sizeof *refs);
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        const struct node *nd = &t->nodes[i];
        if (nd->kind == N_TEXT) continue;
        const char *name = t->names + nd->off;
        if (strcmp(name, ".") == 0) continue;
        refs[n++] = (struct name_ref){name, nd->kind == N_SECTION || nd->kind == N_INVERTED};
    }
    if (n > 1) qsort(refs, n, sizeof *refs, cmp_ref);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0 && cmp_ref(&refs[i - 1], &refs[i]) == 0) continue;
        rc = fn(ctx, refs[i].name, refs[i].is_section);
    }
    free(refs);
    return rc;
}
