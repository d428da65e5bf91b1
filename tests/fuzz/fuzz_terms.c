/* libFuzzer harness for owed_terms_parse(): a parsed value formats to a canonical spelling
 * that parses back to an equal struct and formats to the same text again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"
#include "core/terms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool terms_equal(const struct owed_terms *a, const struct owed_terms *b)
{
    return a->kind == b->kind && a->days == b->days && a->discount_days == b->discount_days &&
           a->discount_bp == b->discount_bp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_buf err = OWED_BUF_INIT(4096);
    struct owed_terms t;
    memset(&t, 0, sizeof t);
    int rc = owed_terms_parse((const char *)data, size, &t, &err);
    OWED_ASSERT(rc == OWED_OK || rc == OWED_E_PARSE);
    if (rc) {
        owed_buf_release(&err);
        return 0;
    }
    OWED_ASSERT(err.len == 0);
    OWED_ASSERT(t.days >= 0 && t.days <= OWED_TERMS_MAX_DAYS);

    struct owed_buf text = OWED_BUF_INIT(256);
    owed_terms_format(&t, &text);
    OWED_ASSERT(owed_buf_err(&text) == OWED_OK && text.len > 0);
    struct owed_terms back;
    memset(&back, 0xA5, sizeof back);
    OWED_ASSERT(owed_terms_parse(text.ptr, text.len, &back, &err) == OWED_OK);
    OWED_ASSERT(terms_equal(&t, &back));

    struct owed_buf again = OWED_BUF_INIT(256);
    owed_terms_format(&back, &again);
    OWED_ASSERT(again.len == text.len && memcmp(again.ptr, text.ptr, text.len) == 0);

    owed_buf_release(&again);
    owed_buf_release(&text);
    owed_buf_release(&err);
    return 0;
}
