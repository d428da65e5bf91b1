/* libFuzzer harness for owed_holidays_parse(): it accepts or rejects with OWED_E_PARSE and
 * a message, never crashes or leaks; what it accepts is sorted, distinct, valid dates, and
 * writing them back out as a calendar parses to the same dates. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/holidays.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    owed_date sentinel = 0, *dates = &sentinel;
    size_t n = 12345;
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_holidays_parse((const char *)data, size, &dates, &n, &err);
    OWED_ASSERT(rc == OWED_OK || rc == OWED_E_PARSE);
    if (rc) {
        OWED_ASSERT(err.len > 0);
        OWED_ASSERT(dates == &sentinel && n == 12345); /* untouched on error */
        owed_buf_release(&err);
        return 0;
    }
    OWED_ASSERT(err.len == 0);
    OWED_ASSERT((n == 0) == (dates == NULL));

    /* Round trip through a canonical calendar. */
    struct owed_buf json = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_addc(&json, '{');
    for (size_t i = 0; i < n; i++) {
        OWED_ASSERT(i == 0 || dates[i - 1] < dates[i]);
        int y, m, d;
        owed_date_to_ymd(dates[i], &y, &m, &d);
        OWED_ASSERT(owed_date_valid_ymd(y, m, d));
        owed_buf_adds(&json, i ? ",\"" : "\"");
        owed_date_add_to_buf(&json, dates[i]);
        owed_buf_adds(&json, "\":\"h\"");
    }
    owed_buf_addc(&json, '}');
    owed_date *again = NULL;
    size_t n2 = 0;
    OWED_ASSERT(owed_holidays_parse(json.ptr, json.len, &again, &n2, NULL) == OWED_OK);
    OWED_ASSERT(n2 == n);
    OWED_ASSERT(n == 0 || memcmp(again, dates, n * sizeof *dates) == 0);
    free(again);
    free(dates);
    owed_buf_release(&json);
    owed_buf_release(&err);
    return 0;
}
