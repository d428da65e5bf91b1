#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base.h"

void owed__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "owed: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

static void *check(void *p, size_t n)
{
    if (!p && n) {
        fprintf(stderr, "owed: out of memory allocating %zu bytes\n", n);
        abort();
    }
    return p;
}

void *owed_xmalloc(size_t n) { return check(malloc(n ? n : 1), n ? n : 1); }

void *owed_xcalloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1), 1);
}

void *owed_xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), n ? n : 1); }

char *owed_xstrndup(const char *s, size_t n)
{
    char *d = owed_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *owed_xstrdup(const char *s) { return owed_xstrndup(s, strlen(s)); }

void *owed_xmalloc_big(size_t count, size_t size, bool zero)
{
    size_t n;
    if (__builtin_mul_overflow(count ? count : 1, size, &n)) OWED_UNREACHABLE("allocation size");
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (n >= huge) {
        size_t rounded = (n + huge - 1) / huge * huge;
        void *p = aligned_alloc(huge, rounded);
        if (p) {
            madvise(p, rounded, MADV_HUGEPAGE);
            if (zero) memset(p, 0, n);
            return p;
        }
    }
#endif
    return zero ? owed_xcalloc(1, n) : owed_xmalloc(n);
}
