/* Internal helpers shared by every layer: allocation that aborts on OOM, assertions that
 * stay on in release builds, and the banned-function list. No domain words here. */
#ifndef OWED_BASE_H
#define OWED_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"
#include "owed/error.h"
#include "owed/money.h"

#define OWED_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Aborts with file:line on failure, in every build type (Redis serverAssert). */
#define OWED_ASSERT(cond) \
    ((cond) ? (void)0 : owed__assert_fail(#cond, __FILE__, __LINE__))
#define OWED_UNREACHABLE(what) owed__assert_fail("unreachable: " what, __FILE__, __LINE__)
_Noreturn void owed__assert_fail(const char *expr, const char *file, int line);

/* Abort on out-of-memory (Redis, git), so callers never test for NULL. */
void *owed_xmalloc(size_t n);
void *owed_xcalloc(size_t count, size_t size);
void *owed_xrealloc(void *p, size_t n);
char *owed_xstrdup(const char *s);
/* For arrays of many megabytes: asks Linux for huge pages, because first-touch page faults
 * dominated report times at a million invoices. Free with free(). */
void *owed_xmalloc_big(size_t count, size_t size, bool zero);
char *owed_xstrndup(const char *s, size_t n);

/* owed_amount_format() into out, which holds OWED__AMOUNT_MAX bytes; returns the length
 * (no NUL). For renderers that write a million amounts. */
#define OWED__AMOUNT_MAX 48
size_t owed__amount_write(char out[OWED__AMOUNT_MAX], int64_t minor, int exponent, bool group);

/* Makes room for n more bytes in b without changing its content, so that a large output
 * whose size is known in advance is allocated once, on huge pages (owed_xmalloc_big),
 * instead of growing by doubling through tens of thousands of page faults. Does nothing
 * past b's cap or after an error: the appends that follow report those as usual. */
void owed__buf_reserve(struct owed_buf *b, size_t n);

/* Grows *p (an array of `elem` bytes) to hold at least `need` elements. */
#define OWED_ALLOC_GROW(p, need, cap)                                        \
    do {                                                                     \
        if ((need) > (cap)) {                                                \
            size_t owed__c = (cap) ? (cap) * 2 : 16;                         \
            while (owed__c < (need)) owed__c *= 2;                           \
            (p) = owed_xrealloc((p), owed__c * sizeof(*(p)));                \
            (cap) = owed__c;                                                 \
        }                                                                    \
    } while (0)

#include "banned.h"

#endif
