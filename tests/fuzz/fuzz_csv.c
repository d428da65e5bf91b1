/* libFuzzer harness for the CSV reader: every record read from the input, written back
 * with owed_csv_put_row() and read again, must come back field for field. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"
#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every record; the fields go to `flat` as (count, then len + bytes per field) and
 * the re-serialized rows to `csv` when it is not NULL. Returns the reader's code. */
static int read_all(const char *in, size_t len, struct owed_buf *flat, struct owed_buf *csv,
                    size_t *nrows)
{
    static struct owed_csv_row row;
    struct owed_csv *c = owed_csv_new_mem(in, len);
    int rc;
    *nrows = 0;
    for (;;) {
        bool eof = true;
        rc = owed_csv_next(c, &row, &eof, NULL);
        if (rc || eof) break;
        OWED_ASSERT(row.nfields >= 1 && row.nfields <= OWED_CSV_MAX_FIELDS);
        OWED_ASSERT(row.line >= 1 && row.offset >= 0 && (size_t)row.offset < len);
        owed_buf_add(flat, &row.nfields, sizeof row.nfields);
        for (size_t i = 0; i < row.nfields; i++) {
            owed_buf_add(flat, &row.fields[i].len, sizeof row.fields[i].len);
            owed_buf_add(flat, row.fields[i].ptr, row.fields[i].len);
        }
        if (csv) owed_csv_put_row(csv, row.fields, row.nfields);
        (*nrows)++;
    }
    owed_csv_free(c);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_buf flat1 = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_buf flat2 = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_buf csv = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    size_t n1, n2;
    /* An error may come after some good records; those still have to round-trip. */
    read_all((const char *)data, size, &flat1, &csv, &n1);
    int rc = read_all(csv.ptr, csv.len, &flat2, NULL, &n2);
    /* Doubling quotes can push a record past OWED_CSV_MAX_RECORD; then there is nothing
     * to compare. */
    if (rc != OWED_E_TOO_LARGE) {
        OWED_ASSERT(rc == OWED_OK);
        OWED_ASSERT(n1 == n2);
        OWED_ASSERT(flat1.len == flat2.len);
        OWED_ASSERT(memcmp(flat1.ptr, flat2.ptr, flat1.len) == 0);
    }
    owed_buf_release(&flat1);
    owed_buf_release(&flat2);
    owed_buf_release(&csv);
    return 0;
}
