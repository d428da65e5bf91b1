/* libFuzzer harness for owed_amount_parse(): at every exponent 0..4, a value that parses
 * must format and parse back to the same minor units, and formatting must be canonical. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    for (int exp = 0; exp <= 4; exp++) {
        int64_t v;
        int rc = owed_amount_parse(s, size, exp, &v);
        OWED_ASSERT(rc == OWED_OK || rc == OWED_E_PARSE || rc == OWED_E_OVERFLOW);
        if (rc) continue;
        for (int group = 0; group <= 1; group++) {
            struct owed_buf b = OWED_BUF_INIT(256);
            owed_amount_format(&b, v, exp, group != 0);
            OWED_ASSERT(owed_buf_err(&b) == OWED_OK && b.len > 0);
            if (!group) {
                int64_t back;
                OWED_ASSERT(owed_amount_parse(b.ptr, b.len, exp, &back) == OWED_OK);
                OWED_ASSERT(back == v);
                /* Formatting the re-parsed value gives the same text. */
                struct owed_buf b2 = OWED_BUF_INIT(256);
                owed_amount_format(&b2, back, exp, false);
                OWED_ASSERT(b2.len == b.len && memcmp(b.ptr, b2.ptr, b.len) == 0);
                owed_buf_release(&b2);
            } else {
                /* Grouped output differs only by the commas. */
                struct owed_buf plain = OWED_BUF_INIT(256);
                owed_amount_format(&plain, v, exp, false);
                size_t j = 0;
                for (size_t i = 0; i < b.len; i++) {
                    if (b.ptr[i] == ',') continue;
                    OWED_ASSERT(j < plain.len && b.ptr[i] == plain.ptr[j]);
                    j++;
                }
                OWED_ASSERT(j == plain.len);
                owed_buf_release(&plain);
            }
            owed_buf_release(&b);
        }
    }
    return 0;
}
