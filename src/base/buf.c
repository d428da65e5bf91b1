#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

char owed__buf_empty[1];

void owed_buf_init(struct owed_buf *b, size_t max)
{
    b->ptr = owed__buf_empty;
    b->len = b->cap = 0;
    b->max = max ? max : OWED_BUF_MAX_DEFAULT;
    b->err = OWED_OK;
}

/* Makes room for n more bytes plus the NUL; sets the sticky error past the cap. */
static int grow(struct owed_buf *b, size_t n)
{
    if (b->err) return b->err;
    size_t max = b->max ? b->max : OWED_BUF_MAX_DEFAULT;
    if (n > max || b->len > max - n) {
        b->err = OWED_E_TOO_LARGE;
        return b->err;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap) return OWED_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    if (b->cap == 0) {
        b->ptr = owed_xmalloc(cap);
        b->ptr[0] = '\0';
    } else {
        b->ptr = owed_xrealloc(b->ptr, cap);
    }
    b->cap = cap;
    return OWED_OK;
}

void owed__buf_reserve(struct owed_buf *b, size_t n)
{
    size_t max = b->max ? b->max : OWED_BUF_MAX_DEFAULT;
    if (b->err || n > max || b->len > max - n || b->len + n + 1 <= b->cap) return;
    size_t cap = b->len + n + 1;
    char *p = owed_xmalloc_big(cap, 1, false);
    memcpy(p, b->ptr, b->len + 1); /* owed__buf_empty or the content, NUL included */
    if (b->cap) free(b->ptr);
    b->ptr = p;
    b->cap = cap;
}

void owed_buf_add(struct owed_buf *b, const void *p, size_t n)
{
    if (n == 0 || grow(b, n)) return;
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void owed_buf_adds(struct owed_buf *b, const char *s) { owed_buf_add(b, s, strlen(s)); }

void owed_buf_addc(struct owed_buf *b, char c) { owed_buf_add(b, &c, 1); }

void owed_buf_vaddf(struct owed_buf *b, const char *fmt, va_list ap)
{
    if (b->err) return;
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0) {
        b->err = OWED_E_PARSE;
        return;
    }
    if ((size_t)n < sizeof small) {
        owed_buf_add(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n)) return;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void owed_buf_addf(struct owed_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void owed_buf_reset(struct owed_buf *b)
{
    b->len = 0;
    if (b->cap) b->ptr[0] = '\0';
    b->err = OWED_OK;
}

int owed_buf_err(const struct owed_buf *b) { return b->err; }

char *owed_buf_detach(struct owed_buf *b, size_t *len)
{
    char *p = b->cap ? b->ptr : owed_xstrdup("");
    if (len) *len = b->len;
    size_t max = b->max;
    owed_buf_init(b, max);
    return p;
}

void owed_buf_release(struct owed_buf *b)
{
    if (b->cap) free(b->ptr);
    owed_buf_init(b, b->max);
}
