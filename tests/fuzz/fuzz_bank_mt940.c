/* libFuzzer harness for the MT940 reader (src/io/bank_mt940.c): every input is either
 * read into a model that keeps the contract of io/bank.h (amounts > 0, strings never
 * NULL, ISO currency codes, known dates) or rejected with OWED_E_PARSE and "LINE: reason";
 * nothing leaks and nothing reads out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"
#include "io/bank.h"
#include "bank_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_bank_file f;
    owed_bank_file_init(&f);
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_bank_parse_mt940((const char *)data, size, &f, &err);
    OWED_ASSERT(f.format == OWED_BANK_MT940);
    if (rc == OWED_OK) {
        OWED_ASSERT(err.len == 0);
        check_file(&f);
    } else {
        /* "LINE: reason", the line counted from 1. */
        OWED_ASSERT(rc == OWED_E_PARSE);
        OWED_ASSERT(err.len > 3 && err.ptr[0] >= '1' && err.ptr[0] <= '9');
        OWED_ASSERT(strstr(err.ptr, ": ") != NULL);
    }
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    return 0;
}
