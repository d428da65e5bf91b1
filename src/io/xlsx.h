/* Excel workbooks (.xlsx) built in memory from sheets of rows of typed cells, with
 * libxlsxwriter. Knows nothing of owed's records: a caller says "text", "integer", "money
 * in minor units at this exponent", "date", and gets the bytes of a workbook.
 *
 *     struct owed_xlsx *x;
 *     owed_xlsx_new(&(struct owed_xlsx_options){.title = "Aging"}, &x, err);
 *     owed_xlsx_sheet_add(x, "Summary", header, ncols);
 *     owed_xlsx_row_add(x, cells, ncols, 0);              ... as many as there are
 *     owed_xlsx_row_add(x, totals, ncols, OWED_XLSX_ROW_TOTAL);
 *     rc = owed_xlsx_finish(x, &out, err);                 the bytes, appended to out
 *     owed_xlsx_free(x);
 *
 * Each sheet has a bold header row, frozen, with an autofilter over the header and the
 * body rows (not the total rows, which are bold and come last), columns sized to their
 * content, and prints landscape, one page wide, with the workbook's title in the page
 * header. Cells:
 *
 * - text: a string cell, never a formula ("=1+1" stays text). Invalid UTF-8 and control
 *   characters other than tab and newline are written as U+FFFD.
 * - integer: a number with the General format.
 * - money: minor units and the currency's exponent (JPY 0, USD 2, KWD 3); written as the
 *   number minor / 10^exponent with the number format `[$USD] #,##0.00` (the code from the
 *   cell, the decimals from the exponent), so Excel shows 1,234.56 and sums the numbers.
 *   See owed_xlsx_money() for why a double appears there and how far it is exact.
 * - date: a real Excel date (a serial day number) formatted yyyy-mm-dd; a date before
 *   1900-03-01, which Excel's calendar cannot hold, is written as the text YYYY-MM-DD.
 *
 * Rows are streamed (libxlsxwriter's constant_memory mode): sheets are written one after
 * the other, each row once, and memory does not grow with the row count.
 *
 * libxlsxwriter 1.1.4 (Debian 12) can only write a named file, so the workbook is built in
 * a private directory (mkdtemp, mode 0700, under options.tmp_dir, else $TMPDIR, else /tmp)
 * that also holds libxlsxwriter's own temporary files; owed_xlsx_finish() reads the file
 * back and owed_xlsx_free() removes the directory and everything in it, on success and on
 * every error. The output is deterministic: the same cells give the same bytes
 * (libxlsxwriter dates the ZIP entries 1980-01-01 and the properties options.created_ms).
 *
 * Errors are sticky: the first failing call's code is returned by every later call, which
 * does nothing, so a renderer may check only owed_xlsx_finish(), which appends the first
 * error's message to err (may be NULL). OWED_E_IO when the temporary directory or file
 * cannot be made or read ("xlsx: /tmp/owed-xlsx-XXXXXX: Permission denied") or
 * libxlsxwriter fails ("xlsx: Error creating output xlsx file.
 * Usually a permissions error."); OWED_E_OVERFLOW for an amount past what a spreadsheet
 * number shows exactly (OWED_XLSX_MONEY_MAX); OWED_E_TOO_LARGE past Excel's 1,048,576 rows
 * or 32,767 characters in a cell, or at out's size cap; OWED_E_INVALID for a bad sheet name
 * (empty, over 31 characters, one of []:*?/\, or a duplicate), a money exponent outside
 * 0..9, or a row wider than its sheet's header. Every argument is borrowed for the call. */
#ifndef OWED_IO_XLSX_H
#define OWED_IO_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"

#define OWED_XLSX_CONTENT_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define OWED_XLSX_MAX_COLS 64
/* The largest |minor units| a money cell takes: 15 significant digits, all Excel keeps of
 * a number (owed_xlsx_money()). */
#define OWED_XLSX_MONEY_MAX INT64_C(999999999999999)

enum owed_xlsx_kind {
    OWED_XLSX_BLANK = 0,
    OWED_XLSX_TEXT = 1,
    OWED_XLSX_INT = 2,
    OWED_XLSX_MONEY = 3,
    OWED_XLSX_DATE = 4,
};

struct owed_xlsx_cell {
    enum owed_xlsx_kind kind;
    const char *text;   /* TEXT: UTF-8, NUL-terminated; NULL is an empty cell */
    int64_t value;      /* INT: the integer; MONEY: the amount in minor units */
    int exponent;       /* MONEY: the currency's decimals, 0..9 */
    char currency[4];   /* MONEY: ISO 4217 code shown by the number format; "" for none */
    owed_date date;     /* DATE */
};

static inline struct owed_xlsx_cell owed_xlsx_text(const char *s)
{
    return (struct owed_xlsx_cell){.kind = OWED_XLSX_TEXT, .text = s};
}

static inline struct owed_xlsx_cell owed_xlsx_int(int64_t v)
{
    return (struct owed_xlsx_cell){.kind = OWED_XLSX_INT, .value = v};
}

/* Money stays int64 minor units all the way into the cell. Only when the cell is written
 * does it become minor / 10^exponent as a double, because libxlsxwriter (and the xlsx
 * format) take nothing else for a number. Both operands are exact doubles (|minor| < 2^53,
 * 10^exponent <= 10^9 < 2^53), so the quotient is the double nearest the decimal amount.
 * libxlsxwriter prints it with 16 significant digits ("%.16G") and Excel keeps 15: up to
 * OWED_XLSX_MONEY_MAX minor units (15 digits), what Excel reads back and shows at the
 * format's decimals is exactly the amount; anything larger is refused (OWED_E_OVERFLOW)
 * rather than written a cent off. Sums that Excel computes in the sheet are its own. */
static inline struct owed_xlsx_cell owed_xlsx_money(int64_t minor, int exponent,
                                                    const char *currency)
{
    struct owed_xlsx_cell c = {.kind = OWED_XLSX_MONEY, .value = minor, .exponent = exponent};
    for (size_t i = 0; currency && i < 3 && currency[i]; i++) c.currency[i] = currency[i];
    return c;
}

static inline struct owed_xlsx_cell owed_xlsx_date(owed_date d)
{
    return (struct owed_xlsx_cell){.kind = OWED_XLSX_DATE, .date = d};
}

struct owed_xlsx_options {
    const char *title;       /* the workbook's Title property and every page header; NULL */
    owed_time_ms created_ms; /* the Created property (UTC); 0: 1980-01-01T00:00:00Z */
    const char *tmp_dir;     /* where the private directory goes; NULL: $TMPDIR, else /tmp */
};

#define OWED_XLSX_ROW_TOTAL 1u /* bold, below the autofilter: a totals row */

struct owed_xlsx;

/* Starts a workbook in a new private directory; *out is freed with owed_xlsx_free(). On
 * error *out is NULL, nothing is left behind and the message is appended to err. opts may
 * be NULL. */
int owed_xlsx_new(const struct owed_xlsx_options *opts, struct owed_xlsx **out,
                  struct owed_buf *err);
/* Adds a sheet, the next rows' sheet, with its header row (ncols bold text cells,
 * 1..OWED_XLSX_MAX_COLS). */
int owed_xlsx_sheet_add(struct owed_xlsx *x, const char *name, const char *const *header,
                        size_t ncols);
/* Appends a row of n cells (n <= the sheet's columns; the rest stay empty) to the current
 * sheet; flags: 0 or OWED_XLSX_ROW_TOTAL. The workbook needs a sheet first. */
int owed_xlsx_row_add(struct owed_xlsx *x, const struct owed_xlsx_cell *cells, size_t n,
                      unsigned flags);
/* Writes the workbook and appends its bytes to out (on success only). After it, only
 * owed_xlsx_free() may be called. */
int owed_xlsx_finish(struct owed_xlsx *x, struct owed_buf *out, struct owed_buf *err);
/* Removes the private directory with everything in it; NULL does nothing. */
void owed_xlsx_free(struct owed_xlsx *x);

#endif
