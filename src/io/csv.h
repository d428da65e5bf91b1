/* Streaming RFC 4180 CSV reader and writer helpers. Knows nothing of owed's records.
 *
 * The reader pulls bytes through a read callback into a bounded buffer, so memory does not
 * grow with the file. Fields are slices into the reader's buffer, valid until the next
 * call to owed_csv_next(). */
#ifndef OWED_IO_CSV_H
#define OWED_IO_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "owed/buf.h"

struct owed_str {
    const char *ptr;
    size_t len;
};

#define OWED_CSV_MAX_FIELDS 256
#define OWED_CSV_MAX_RECORD (1u << 20) /* bytes in one record */

/* Returns bytes read (0 at end of input) or -1 on error. */
typedef long (*owed_csv_read_fn)(void *ctx, char *dst, size_t cap);

struct owed_csv_row {
    struct owed_str fields[OWED_CSV_MAX_FIELDS];
    size_t nfields;
    long line;           /* physical line on which the record starts, 1-based */
    long long offset;    /* byte offset of the record start, for progress */
};

struct owed_csv; /* opaque reader */

struct owed_csv *owed_csv_new(owed_csv_read_fn read, void *ctx);
struct owed_csv *owed_csv_new_file(FILE *f);
struct owed_csv *owed_csv_new_mem(const char *data, size_t len);
void owed_csv_free(struct owed_csv *c);

/* Reads the next record into *row. Sets *eof and returns OWED_OK at the end of input.
 * Skips a UTF-8 byte order mark at the start and lines that are entirely empty. Accepts
 * LF and CRLF. OWED_E_PARSE (bad quoting, invalid UTF-8), OWED_E_TOO_LARGE (record over
 * OWED_CSV_MAX_RECORD or more than OWED_CSV_MAX_FIELDS fields) or OWED_E_IO, with
 * "line N: reason" appended to err. After an error the reader is unusable. */
int owed_csv_next(struct owed_csv *c, struct owed_csv_row *row, bool *eof, struct owed_buf *err);

/* Appends one field, quoted only when it contains a comma, quote, CR or LF, or starts with
 * a UTF-8 byte order mark (which a reader would otherwise strip at the start of a file). */
void owed_csv_put_field(struct owed_buf *b, const char *p, size_t n);
/* Appends the fields joined by commas and a trailing "\n". A row of one empty field is
 * written as "" so that it is not read back as a blank line. */
void owed_csv_put_row(struct owed_buf *b, const struct owed_str *fields, size_t n);

#endif
