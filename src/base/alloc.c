#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
