/* libFuzzer harness for owed_date_parse(): whatever parses is a canonical "YYYY-MM-DD",
 * so formatting the result gives the same 10 bytes back. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    owed_date d;
    int rc = owed_date_parse((const char *)data, size, &d);
    OWED_ASSERT(rc == OWED_OK || rc == OWED_E_PARSE);
    if (rc) return 0;
    OWED_ASSERT(size == 10);
    char out[11];
    owed_date_format(d, out);
    OWED_ASSERT(out[10] == '\0');
    OWED_ASSERT(memcmp(out, data, 10) == 0);
    int y, m, dd;
    owed_date_to_ymd(d, &y, &m, &dd);
    OWED_ASSERT(owed_date_valid_ymd(y, m, dd));
    OWED_ASSERT(owed_date_from_ymd(y, m, dd) == d);
    return 0;
}
