/* Growable byte buffer with a hard cap and a sticky error (git strbuf, curl dynbuf,
 * SQLite StrAccum). Many appends, one owed_buf_err() check at the end. */
#ifndef OWED_BUF_H
#define OWED_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "owed/export.h"

struct owed_buf {
    char *ptr;  /* never NULL, always NUL-terminated */
    size_t len, cap;
    size_t max; /* hard cap on len */
    int err;    /* first failure (OWED_E_TOO_LARGE), sticky */
};

#define OWED_BUF_MAX_DEFAULT ((size_t)1 << 30)
extern char owed__buf_empty[];
#define OWED_BUF_INIT(maxlen) { owed__buf_empty, 0, 0, (maxlen), 0 }

OWED_EXTERN void owed_buf_init(struct owed_buf *b, size_t max);
OWED_EXTERN void owed_buf_add(struct owed_buf *b, const void *p, size_t n);
OWED_EXTERN void owed_buf_adds(struct owed_buf *b, const char *s);
OWED_EXTERN void owed_buf_addc(struct owed_buf *b, char c);
OWED_EXTERN void owed_buf_addf(struct owed_buf *b, const char *fmt, ...) OWED_PRINTF(2, 3);
OWED_EXTERN void owed_buf_vaddf(struct owed_buf *b, const char *fmt, va_list ap);
/* Keeps capacity, drops content (and the sticky error). */
OWED_EXTERN void owed_buf_reset(struct owed_buf *b);
OWED_EXTERN int owed_buf_err(const struct owed_buf *b);
/* Hands the heap string to the caller (free() it); the buffer is empty afterwards. */
OWED_EXTERN char *owed_buf_detach(struct owed_buf *b, size_t *len);
OWED_EXTERN void owed_buf_release(struct owed_buf *b);

#endif
