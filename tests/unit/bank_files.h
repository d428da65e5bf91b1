/* Reading sample files in the bank parser tests (u_bank_*.c). Include after cmocka.h. */
#ifndef OWED_TEST_BANK_FILES_H
#define OWED_TEST_BANK_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owed/buf.h"

/* The whole file, NUL-terminated (free() it); NULL when it cannot be opened. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(&b, chunk, n);
    fclose(f);
    return owed_buf_detach(&b, len);
}

/* tests/data/bank/NAME: under $OWED_TESTDATA, else beside this source file. */
static inline char *testdata(const char *name, size_t *len)
{
    char path[4096];
    const char *dir = getenv("OWED_TESTDATA");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/bank/%s", dir, name);
    } else {
        const char *src = __FILE__;
        const char *cut = strstr(src, "tests/unit/");
        int keep = cut ? (int)(cut - src) : 0;
        snprintf(path, sizeof path, "%.*stests/data/bank/%s", keep, src, name);
    }
    char *data = slurp(path, len);
    if (!data) print_error("cannot read %s\n", path);
    assert_non_null(data);
    return data;
}

#endif
