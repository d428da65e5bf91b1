/* Streaming RFC 4180 reader (see csv.h).
 *
 * Bytes arrive through the read callback into one buffer. The scanner is a small state
 * machine that can stop at any byte when the buffer runs dry and resume after a refill, so
 * a record is scanned once however the input is chunked. While scanning it records each
 * field as an offset from the record start (the buffer may move when it is compacted or
 * grown); the slices handed to the caller are made only when the record is complete, and
 * quoted fields with doubled quotes are unescaped in place at that point.
 *
 * UTF-8 is validated inline: the hot loops stop on any byte >= 0x80 as well as on the
 * delimiters, so plain ASCII fields cost one table lookup per byte. */
#include "io/csv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define READ_CHUNK ((size_t)64 << 10)
#define BUF_INITIAL (2 * READ_CHUNK)
/* A record of OWED_CSV_MAX_RECORD bytes plus its CRLF must fit. */
#define BUF_MAX ((size_t)OWED_CSV_MAX_RECORD + 2)

enum scan_state {
    ST_START,  /* before a record: skip blank lines (and the BOM, once) */
    ST_FIELD,  /* at the first byte of a field */
    ST_UNQ,    /* inside an unquoted field */
    ST_Q,      /* inside a quoted field */
    ST_AFTERQ, /* just after a closing quote */
};

enum scan_result { SCAN_DONE, SCAN_NEED, SCAN_EOF, SCAN_ERROR };

struct owed_csv {
    owed_csv_read_fn read;
    void *ctx;

    char *buf;
    size_t cap, end;  /* allocated size; bytes filled */
    size_t rec, pos;  /* start of the current record; scan position */
    long long base;   /* stream offset of buf[0] */
    bool eof;         /* the callback returned 0 */
    bool bom_done;
    int failed;       /* sticky error code */

    /* Scanner state for the record in progress. */
    enum scan_state st;
    long line;        /* line on which the current record starts */
    long nl;          /* newlines seen inside quoted fields of this record */
    long qline;       /* line on which the open quoted field started */
    size_t nf;        /* completed fields */
    size_t term;      /* length of the record terminator (0 at end of input, 1, 2) */
    uint32_t foff[OWED_CSV_MAX_FIELDS];
    uint32_t flen[OWED_CSV_MAX_FIELDS];
    bool fesc[OWED_CSV_MAX_FIELDS]; /* quoted field containing "" */

    /* owed_csv_new_mem */
    const char *mem;
    size_t mem_len, mem_pos;
};

#define HI16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
#define HI128 HI16, HI16, HI16, HI16, HI16, HI16, HI16, HI16

/* Bytes that stop the scan of an unquoted field: , " CR LF and every non-ASCII byte. */
static const unsigned char stop_unq[256] = {
    ['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1, [0x80] = HI128,
};

/* Inside quotes only the quote, LF (for line counting) and non-ASCII bytes matter. */
static const unsigned char stop_q[256] = {
    ['\n'] = 1, ['"'] = 1, [0x80] = HI128,
};

#undef HI128
#undef HI16

static size_t skip(const unsigned char *tab, const unsigned char *b, size_t p, size_t end)
{
    while (end - p >= 4) {
        if (tab[b[p]]) return p;
        if (tab[b[p + 1]]) return p + 1;
        if (tab[b[p + 2]]) return p + 2;
        if (tab[b[p + 3]]) return p + 3;
        p += 4;
    }
    while (p < end && !tab[b[p]]) p++;
    return p;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 if it is ill-formed, or -1 if it is a valid prefix
 * cut off by the end of the buffer and more input may follow. */
static int utf8_seq(const unsigned char *p, size_t avail, bool eof)
{
    unsigned c0 = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c0 >= 0xC2 && c0 <= 0xDF) {
        n = 2;
    } else if (c0 >= 0xE0 && c0 <= 0xEF) {
        n = 3;
        if (c0 == 0xE0) lo = 0xA0;
        if (c0 == 0xED) hi = 0x9F;
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
        n = 4;
        if (c0 == 0xF0) lo = 0x90;
        if (c0 == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (i >= avail) return eof ? 0 : -1;
        unsigned ci = p[i];
        if (i == 1 ? (ci < lo || ci > hi) : (ci & 0xC0) != 0x80) return 0;
    }
    return (int)n;
}

static int fail(struct owed_csv *c, int rc, long line, const char *reason, struct owed_buf *err)
{
    c->failed = rc;
    if (err) owed_buf_addf(err, "line %ld: %s", line, reason);
    return rc;
}

static void end_field(struct owed_csv *c, size_t p)
{
    c->flen[c->nf] = (uint32_t)(p - c->rec - c->foff[c->nf]);
}

/* Skips blank lines and, at the very start, a byte order mark. */
static enum scan_result scan_start(struct owed_csv *c, size_t *pp)
{
    const unsigned char *b = (const unsigned char *)c->buf;
    size_t p = *pp;
    if (!c->bom_done) {
        if (c->end - p < 3 && !c->eof) return SCAN_NEED;
        if (c->end - p >= 3 && memcmp(b + p, "\xEF\xBB\xBF", 3) == 0) p += 3;
        c->bom_done = true;
    }
    for (;;) {
        if (p == c->end) {
            c->rec = *pp = p;
            return c->eof ? SCAN_EOF : SCAN_NEED;
        }
        if (b[p] == '\n') {
            p++;
        } else if (b[p] == '\r' && p + 1 < c->end && b[p + 1] == '\n') {
            p += 2;
        } else if (b[p] == '\r' && p + 1 == c->end && !c->eof) {
            c->rec = *pp = p;
            return SCAN_NEED;
        } else {
            break;
        }
        c->line++;
    }
    c->rec = *pp = p;
    c->st = ST_FIELD;
    return SCAN_DONE;
}

/* Checks the non-ASCII sequence at p. Returns its length, 0 to wait for more input, or -1
 * after reporting an error. */
static int scan_utf8(struct owed_csv *c, size_t p, struct owed_buf *err)
{
    int n = utf8_seq((const unsigned char *)c->buf + p, c->end - p, c->eof);
    if (n > 0) return n;
    if (n < 0) return 0;
    fail(c, OWED_E_PARSE, c->line + c->nl, "invalid UTF-8", err);
    return -1;
}

/* Decides what a CR at p means in the given state: returns 2 for CRLF, 0 to wait for more
 * input, or -1 after reporting a bare CR. */
static int scan_cr(struct owed_csv *c, size_t p, struct owed_buf *err)
{
    if (p + 1 < c->end) {
        if (c->buf[p + 1] == '\n') return 2;
    } else if (!c->eof) {
        return 0;
    }
    fail(c, OWED_E_PARSE, c->line + c->nl, "carriage return not followed by line feed", err);
    return -1;
}

#define NEED(state)        \
    do {                   \
        c->st = (state);   \
        c->pos = p;        \
        return SCAN_NEED;  \
    } while (0)
#define RECORD_END(len)    \
    do {                   \
        c->term = (len);   \
        c->pos = p + (len); \
        return SCAN_DONE;  \
    } while (0)

/* Scans from c->pos until the record is complete, the buffer runs dry, or an error. */
static enum scan_result scan(struct owed_csv *c, struct owed_buf *err)
{
    const unsigned char *b = (const unsigned char *)c->buf;
    const size_t end = c->end;
    const bool eof = c->eof;
    size_t p = c->pos;
    int n;

    if (c->st == ST_START) {
        enum scan_result r = scan_start(c, &p);
        c->pos = p;
        if (r != SCAN_DONE) return r;
    }
    switch (c->st) {
    case ST_START:
    case ST_FIELD: goto field;
    case ST_UNQ: goto unq;
    case ST_Q: goto q;
    case ST_AFTERQ: goto afterq;
    }

field:
    if (c->nf == OWED_CSV_MAX_FIELDS) {
        fail(c, OWED_E_TOO_LARGE, c->line + c->nl, "more than 256 fields", err);
        return SCAN_ERROR;
    }
    if (p == end && !eof) NEED(ST_FIELD);
    c->foff[c->nf] = (uint32_t)(p - c->rec);
    c->fesc[c->nf] = false;
    if (p < end && b[p] == '"') {
        c->qline = c->line + c->nl;
        p++;
        c->foff[c->nf] = (uint32_t)(p - c->rec);
        goto q;
    }

unq:
    p = skip(stop_unq, b, p, end);
    if (p == end) {
        if (!eof) NEED(ST_UNQ);
        end_field(c, p);
        c->nf++;
        RECORD_END(0);
    }
    switch (b[p]) {
    case ',':
        end_field(c, p);
        c->nf++;
        p++;
        goto field;
    case '\n':
        end_field(c, p);
        c->nf++;
        RECORD_END(1);
    case '\r':
        n = scan_cr(c, p, err);
        if (n < 0) return SCAN_ERROR;
        if (n == 0) NEED(ST_UNQ);
        end_field(c, p);
        c->nf++;
        RECORD_END(2);
    case '"':
        fail(c, OWED_E_PARSE, c->line + c->nl, "quote inside unquoted field", err);
        return SCAN_ERROR;
    default:
        n = scan_utf8(c, p, err);
        if (n < 0) return SCAN_ERROR;
        if (n == 0) NEED(ST_UNQ);
        p += (size_t)n;
        goto unq;
    }

q:
    p = skip(stop_q, b, p, end);
    if (p == end) {
        if (!eof) NEED(ST_Q);
        fail(c, OWED_E_PARSE, c->qline, "unterminated quoted field", err);
        return SCAN_ERROR;
    }
    if (b[p] == '\n') {
        c->nl++;
        p++;
        goto q;
    }
    if (b[p] == '"') {
        if (p + 1 == end && !eof) NEED(ST_Q);
        if (p + 1 < end && b[p + 1] == '"') {
            c->fesc[c->nf] = true;
            p += 2;
            goto q;
        }
        end_field(c, p);
        p++;
        goto afterq;
    }
    n = scan_utf8(c, p, err);
    if (n < 0) return SCAN_ERROR;
    if (n == 0) NEED(ST_Q);
    p += (size_t)n;
    goto q;

afterq:
    if (p == end) {
        if (!eof) NEED(ST_AFTERQ);
        c->nf++;
        RECORD_END(0);
    }
    switch (b[p]) {
    case ',':
        c->nf++;
        p++;
        goto field;
    case '\n':
        c->nf++;
        RECORD_END(1);
    case '\r':
        n = scan_cr(c, p, err);
        if (n < 0) return SCAN_ERROR;
        if (n == 0) NEED(ST_AFTERQ);
        c->nf++;
        RECORD_END(2);
    default:
        fail(c, OWED_E_PARSE, c->line + c->nl, "characters after closing quote", err);
        return SCAN_ERROR;
    }
}

#undef NEED
#undef RECORD_END

/* Makes room and reads once. Returns OWED_OK (c->eof set at end of input) or an error. */
static int refill(struct owed_csv *c, struct owed_buf *err)
{
    if (c->rec > 0 && (c->cap - c->end < READ_CHUNK || c->rec == c->end)) {
        size_t keep = c->end - c->rec;
        memmove(c->buf, c->buf + c->rec, keep);
        c->base += (long long)c->rec;
        c->pos -= c->rec;
        c->end = keep;
        c->rec = 0;
    }
    if (c->end == c->cap) {
        if (c->cap >= BUF_MAX) {
            return fail(c, OWED_E_TOO_LARGE, c->line, "record exceeds 1048576 bytes", err);
        }
        c->cap = c->cap * 2 < BUF_MAX ? c->cap * 2 : BUF_MAX;
        c->buf = owed_xrealloc(c->buf, c->cap);
    }
    size_t want = c->cap - c->end;
    if (want > READ_CHUNK) want = READ_CHUNK;
    long got = c->read(c->ctx, c->buf + c->end, want);
    if (got < 0) return fail(c, OWED_E_IO, c->line + c->nl, "read error", err);
    OWED_ASSERT((size_t)got <= want);
    if (got == 0) c->eof = true;
    c->end += (size_t)got;
    return OWED_OK;
}

/* Turns "" into " inside a quoted field; returns the new length. */
static size_t unescape(char *s, size_t len)
{
    char *w = memchr(s, '"', len);
    if (!w) return len;
    const char *r = w, *e = s + len;
    while (r < e) {
        /* r points at the first quote of a pair: keep one, drop the other. */
        *w++ = '"';
        r += 2;
        const char *q = memchr(r, '"', (size_t)(e - r));
        size_t run = (size_t)((q ? q : e) - r);
        memmove(w, r, run);
        w += run;
        r += run;
    }
    return (size_t)(w - s);
}

static void emit(struct owed_csv *c, struct owed_csv_row *row)
{
    char *rec = c->buf + c->rec;
    row->nfields = c->nf;
    row->line = c->line;
    row->offset = c->base + (long long)c->rec;
    for (size_t i = 0; i < c->nf; i++) {
        char *s = rec + c->foff[i];
        size_t len = c->flen[i];
        if (c->fesc[i]) len = unescape(s, len);
        row->fields[i].ptr = s;
        row->fields[i].len = len;
    }
    c->line += 1 + c->nl;
    c->rec = c->pos;
    c->st = ST_START;
    c->nl = 0;
    c->nf = 0;
}

int owed_csv_next(struct owed_csv *c, struct owed_csv_row *row, bool *eof, struct owed_buf *err)
{
    OWED_ASSERT(c && row && eof);
    *eof = false;
    row->nfields = 0;
    if (c->failed) return c->failed;
    for (;;) {
        switch (scan(c, err)) {
        case SCAN_DONE:
            if (c->pos - c->term - c->rec > OWED_CSV_MAX_RECORD) {
                return fail(c, OWED_E_TOO_LARGE, c->line, "record exceeds 1048576 bytes", err);
            }
            emit(c, row);
            return OWED_OK;
        case SCAN_EOF:
            *eof = true;
            return OWED_OK;
        case SCAN_ERROR:
            return c->failed;
        case SCAN_NEED: {
            int rc = refill(c, err);
            if (rc) return rc;
            break;
        }
        }
    }
}

struct owed_csv *owed_csv_new(owed_csv_read_fn read_fn, void *ctx)
{
    OWED_ASSERT(read_fn);
    struct owed_csv *c = owed_xcalloc(1, sizeof *c);
    c->read = read_fn;
    c->ctx = ctx;
    c->cap = BUF_INITIAL;
    c->buf = owed_xmalloc(c->cap);
    c->line = 1;
    c->st = ST_START;
    return c;
}

static long read_file(void *ctx, char *dst, size_t cap)
{
    FILE *f = ctx;
    size_t n = fread(dst, 1, cap, f);
    if (n == 0 && ferror(f)) return -1;
    return (long)n;
}

struct owed_csv *owed_csv_new_file(FILE *f)
{
    OWED_ASSERT(f);
    return owed_csv_new(read_file, f);
}

static long read_mem(void *ctx, char *dst, size_t cap)
{
    struct owed_csv *c = ctx;
    size_t n = c->mem_len - c->mem_pos;
    if (n > cap) n = cap;
    if (n) memcpy(dst, c->mem + c->mem_pos, n);
    c->mem_pos += n;
    return (long)n;
}

struct owed_csv *owed_csv_new_mem(const char *data, size_t len)
{
    OWED_ASSERT(data || len == 0);
    struct owed_csv *c = owed_csv_new(read_mem, NULL);
    c->ctx = c;
    c->mem = data;
    c->mem_len = len;
    return c;
}

void owed_csv_free(struct owed_csv *c)
{
    if (!c) return;
    free(c->buf);
    free(c);
}

/* A field that starts with U+FEFF is quoted too, so that a reader does not take it for the
 * byte order mark when it is the first field of a file. */
void owed_csv_put_field(struct owed_buf *b, const char *p, size_t n)
{
    bool quote = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
    for (size_t i = 0; i < n && !quote; i++) {
        char ch = p[i];
        quote = ch == ',' || ch == '"' || ch == '\r' || ch == '\n';
    }
    if (!quote) {
        owed_buf_add(b, p, n);
        return;
    }
    owed_buf_addc(b, '"');
    const char *e = p + n;
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) {
            owed_buf_add(b, p, (size_t)(e - p));
            break;
        }
        owed_buf_add(b, p, (size_t)(q - p) + 1);
        owed_buf_addc(b, '"');
        p = q + 1;
    }
    owed_buf_addc(b, '"');
}

void owed_csv_put_row(struct owed_buf *b, const struct owed_str *fields, size_t n)
{
    /* A lone empty field would be a blank line, which readers skip. */
    if (n == 1 && fields[0].len == 0) {
        owed_buf_add(b, "\"\"\n", 3);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i) owed_buf_addc(b, ',');
        owed_csv_put_field(b, fields[i].ptr, fields[i].len);
    }
    owed_buf_addc(b, '\n');
}
