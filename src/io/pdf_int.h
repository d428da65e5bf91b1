/* Internals of the PDF renderers (pdf_invoice.c, pdf_statement.c, pdf_letter.c): one
 * A4 portrait document being written with libharu, a cursor that falls down the page, text
 * with word wrapping, tables whose header repeats after a page break, the footer
 * "Page n of m" added to every page at the end, links and the payment QR code.
 *
 * Coordinates are PDF points (1/72 inch) from the bottom left, as HPDF_REAL (float): the
 * only floating point in owed, and it never touches an amount. Errors are sticky: the
 * first libharu error (through its error handler) or failure of ours is kept in rc and
 * msg, drawing calls after it do nothing, and owed__pdf_finish() reports it. */
#ifndef OWED_IO_PDF_INT_H
#define OWED_IO_PDF_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <hpdf.h>

#include "base.h"
#include "io/pdf.h"

/* A4 and the margins. The body runs from PDF_TOP down to PDF_BOTTOM; the footer sits below. */
#define PDF_PAGE_W 595.276f
#define PDF_PAGE_H 841.89f
#define PDF_LEFT 50.0f
#define PDF_RIGHT 545.0f
#define PDF_TOP 800.0f
#define PDF_BOTTOM 62.0f
#define PDF_FOOTER_Y 36.0f
#define PDF_WIDTH (PDF_RIGHT - PDF_LEFT)

/* Text sizes and the line advance as a multiple of the size. */
#define PDF_SIZE_BODY 9.5f
#define PDF_SIZE_SMALL 8.0f
#define PDF_SIZE_TABLE 8.5f
#define PDF_SIZE_HEADING 11.0f
#define PDF_SIZE_TITLE 20.0f
#define PDF_LEADING 1.3f

/* The payment QR code: its side (about 32 mm, above the EPC's 2 cm minimum) and the block it
 * occupies with the caption "Scan to pay" under it. */
#define PDF_QR_SIDE 90.0f
#define PDF_QR_BLOCK_H (PDF_QR_SIDE + 16.0f)

enum pdf_align { PDF_ALIGN_LEFT, PDF_ALIGN_RIGHT };

struct pdf_col {
    const char *head;
    HPDF_REAL width;
    enum pdf_align align;
};

struct pdf_table {
    const struct pdf_col *cols;
    size_t n_cols;
    HPDF_REAL x; /* left edge */
};

struct pdf_ctx {
    HPDF_Doc doc;
    HPDF_Page page;
    HPDF_Font regular, bold;
    HPDF_REAL y; /* where the next line's top is */
    HPDF_Page *pages;
    size_t n_pages, cap_pages;
    int rc;                         /* first failure, sticky */
    struct owed_buf msg;            /* its detail */
    const char *footer;             /* left part of each footer, borrowed */
    const struct pdf_table *table;  /* its header repeats on each new page while set */
    struct owed_buf scratch, clean; /* text being drawn; sanitized input */
};

/* Creates the document with metadata (title, creator "owed", the creation date of o if
 * set), compression, the embedded DejaVu Sans fonts (UTF-8) and the first page. On failure
 * returns OWED_E_IO (a font file that cannot be opened: "font: PATH: reason") with detail
 * in err, and p holds nothing to release. footer is borrowed until owed__pdf_finish(). */
int owed__pdf_begin(struct pdf_ctx *p, const struct owed_pdf_options *o, const char *title,
                    const char *footer, struct owed_buf *err);
/* Writes the footers, saves the document to out and releases p. On an earlier failure,
 * appends its detail to err, returns its code and leaves out unchanged. */
int owed__pdf_finish(struct pdf_ctx *p, struct owed_buf *out, struct owed_buf *err);
/* Records a failure of our own (the first one wins). */
void owed__pdf_fail(struct pdf_ctx *p, int rc, const char *fmt, ...) OWED_PRINTF(3, 4);

/* Starts a new page (and repeats the current table's header). */
void owed__pdf_new_page(struct pdf_ctx *p);
/* Starts a new page unless h points fit above the bottom margin. */
void owed__pdf_need(struct pdf_ctx *p, HPDF_REAL h);
/* Moves the cursor down. */
void owed__pdf_skip(struct pdf_ctx *p, HPDF_REAL h);

/* Width of s in font at size. s must be clean (owed__pdf_text and friends clean it). */
HPDF_REAL owed__pdf_width(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, const char *s,
                          size_t len);
/* One line of text at a baseline, left or right aligned; no wrapping, no cursor change.
 * Invalid UTF-8 becomes U+FFFD and control characters blanks. Returns the width drawn. */
HPDF_REAL owed__pdf_text(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL x,
                         HPDF_REAL baseline, enum pdf_align align, const char *s);
/* Wrapped text at the cursor between x and x + width: "\n" breaks the line, a blank line
 * separates paragraphs; the cursor moves down, over page breaks. */
void owed__pdf_para(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL x, HPDF_REAL width,
                    const char *s);
/* Number of lines owed__pdf_para would need. */
size_t owed__pdf_para_lines(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL width,
                            const char *s);
/* A section heading at the cursor, kept together with the next min_after points. */
void owed__pdf_heading(struct pdf_ctx *p, const char *s, HPDF_REAL min_after);
/* A label and value pair at the cursor: label bold at x, value at x + label_w. */
void owed__pdf_field(struct pdf_ctx *p, HPDF_REAL x, HPDF_REAL label_w, const char *label,
                     const char *value);

/* Tables: the header row now (and on each page the table reaches), then rows whose cells
 * wrap within their columns; a row never splits across pages. */
void owed__pdf_table_begin(struct pdf_ctx *p, const struct pdf_table *t);
void owed__pdf_table_row(struct pdf_ctx *p, const char *const *cells, bool bold);
void owed__pdf_table_end(struct pdf_ctx *p);

/* A horizontal rule. */
void owed__pdf_rule(struct pdf_ctx *p, HPDF_REAL x0, HPDF_REAL x1, HPDF_REAL y, HPDF_REAL w);
/* Text with a URI link annotation over it (no border), at a baseline. */
void owed__pdf_link(struct pdf_ctx *p, HPDF_REAL x, HPDF_REAL baseline, const char *label,
                    const char *uri);
/* The QR code of payload (byte mode, error correction M) as filled squares, side points
 * wide, top left at (x, top), with "Scan to pay" centred under it. */
void owed__pdf_qr(struct pdf_ctx *p, const char *payload, HPDF_REAL x, HPDF_REAL top,
                  HPDF_REAL side);

/* A party's address block from top at x: name (bold), trading name, streets, postcode and
 * city, country, and with ids set VAT id, registration and email. Returns its height. */
HPDF_REAL owed__pdf_party(struct pdf_ctx *p, const struct owed_party *party, HPDF_REAL x,
                          HPDF_REAL top, HPDF_REAL width, bool ids);

/* Amount with thousands separators, "-1,234.50". */
const char *owed__pdf_amount(char out[OWED__AMOUNT_MAX], int64_t minor, int exponent);
/* "YYYY-MM-DD", or "" for 0 when blank_zero. */
const char *owed__pdf_date(char out[11], owed_date d, bool blank_zero);

#endif
