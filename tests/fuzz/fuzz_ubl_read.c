/* libFuzzer harness for the UBL 2.1 reader and writer (src/io/ubl_*.c): read arbitrary
 * bytes. Never crashes or leaks; an error is one of the documented codes with a message;
 * a success leaves err untouched, and the document written back reads again, and writing
 * that gives the same bytes (the writer carries every field the reader fills). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/ubl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_doc(const struct owed_doc *d, struct owed_buf *out)
{
    struct owed_buf err = OWED_BUF_INIT(4096);
    int exponent = owed_currency_exponent(d->currency);
    OWED_ASSERT(exponent >= 0);
    int rc = owed_ubl_write(d, exponent, out, &err);
    OWED_ASSERT(rc == OWED_OK && err.len == 0);
    owed_buf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_doc d, again;
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_ubl_read((const char *)data, size, &d, &err);
    if (rc) {
        OWED_ASSERT(rc == OWED_E_PARSE || rc == OWED_E_INVALID || rc == OWED_E_CURRENCY ||
                    rc == OWED_E_OVERFLOW || rc == OWED_E_TOO_LARGE);
        OWED_ASSERT(err.len > 0);
        OWED_ASSERT(rc != OWED_E_PARSE || strncmp(err.ptr, "line ", 5) == 0);
        owed_doc_free(&d);
        owed_buf_release(&err);
        return 0;
    }
    OWED_ASSERT(err.len == 0 && d.n_lines > 0 && d.n_tax <= OWED_DOC_MAX_TAX);
    OWED_ASSERT(d.type == OWED_DOC_INVOICE || d.type == OWED_DOC_CREDIT_NOTE);

    struct owed_buf first = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_buf second = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    write_doc(&d, &first);
    rc = owed_ubl_read(first.ptr, first.len, &again, &err);
    OWED_ASSERT(rc == OWED_OK);
    OWED_ASSERT(again.n_lines == d.n_lines && again.n_adjust == d.n_adjust);
    OWED_ASSERT(memcmp(&again.totals, &d.totals, sizeof(d.totals)) == 0);
    write_doc(&again, &second);
    OWED_ASSERT(first.len == second.len && memcmp(first.ptr, second.ptr, first.len) == 0);

    owed_doc_free(&again);
    owed_doc_free(&d);
    owed_buf_release(&second);
    owed_buf_release(&first);
    owed_buf_release(&err);
    return 0;
}
