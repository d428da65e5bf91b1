/* PDF documents for customers: the invoice (or credit note), the terms sheet, the customer
 * statement and the dunning letter. Each renders to the bytes of one PDF appended to an
 * owed_buf, A4 portrait, with libharu.
 *
 * Text is UTF-8 everywhere ("Müller", "Žluťoučký kůň", "Ōkami"): DejaVu Sans, regular and
 * bold, is embedded from options.font_dir, else $OWED_FONT_DIR, else
 * /usr/share/fonts/truetype/dejavu (Debian fonts-dejavu-core). Invalid UTF-8 prints as
 * U+FFFD and control characters as blanks; characters DejaVu Sans lacks print as its
 * missing-glyph box. Amounts are minor units, printed with thousands separators at the
 * exponent given. Long tables continue on the next page under a repeated header, and every
 * page has the footer "<document> ... Page n of m".
 *
 * Metadata: Title ("Invoice 2026-0042"; characters outside ASCII as "?"), Creator "owed",
 * Producer libharu's, CreationDate only when options.created_ms is set. Streams are
 * compressed. The output is deterministic: the same input gives the same bytes (libharu
 * writes no time, random id or file name of its own unless asked to encrypt).
 *
 * Every function borrows its arguments for the call and appends to out only on success.
 * Errors: OWED_E_IO for a font file that cannot be read ("font: PATH: No such file or
 * directory") or any libharu failure ("pdf: libharu error 0x1017 (detail 0)");
 * OWED_E_INVALID for a QR payload that no QR code holds ("qr_payload: ..."); OWED_E_OVERFLOW
 * for a sum that leaves int64; OWED_E_TOO_LARGE at out's size cap. */
#ifndef OWED_IO_PDF_H
#define OWED_IO_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "core/invoice_doc.h"
#include "owed/buf.h"
#include "owed/date.h"

/* What every document takes. Zeroed: the default font directory, no creation date. */
struct owed_pdf_options {
    const char *font_dir;    /* holds DejaVuSans.ttf and DejaVuSans-Bold.ttf; NULL: default */
    owed_time_ms created_ms; /* CreationDate (UTC); 0: none */
};

/* What an invoice shows besides the document itself. */
struct owed_pdf_invoice_extra {
    struct owed_pdf_options opt;
    int exponent;             /* of d->currency (owed_currency_exponent) */
    const char *status;       /* printed under the title: "COPY", "PAID"; NULL: none */
    const char *ack_url;      /* "Confirm receipt" link, clickable; NULL: none */
    const char *qr_payload;   /* EPC QR text (core/epc_qr.h); NULL: no QR code */
    const char *const *terms; /* short terms summary, one line each, under the totals */
    size_t n_terms;
};

/* The invoice or credit note d (its totals and VAT breakdown already computed,
 * owed_doc_compute()). Seller block with address and VAT id top left; title, number,
 * dates, order and buyer references top right; the buyer; the lines table (#, description,
 * qty, unit price, discount, VAT %, net); allowances and charges; the VAT breakdown;
 * totals (net, allowances, charges, VAT, total, prepaid, amount due) beside the QR code;
 * terms; payment instructions (account holder, IBAN, BIC, reference); note; receipt link. */
int owed_pdf_invoice(const struct owed_doc *d, const struct owed_pdf_invoice_extra *x,
                     struct owed_buf *out, struct owed_buf *err);

/* A heading and its text (wrapped; "\n" breaks a line, a blank line starts a paragraph). */
struct owed_pdf_section {
    const char *heading;
    const char *text;
};

/* The terms sheet sent with the first invoice: payment terms, early-payment discount,
 * late fees and interest, bank details, how to dispute an invoice, as the caller words
 * them. */
struct owed_pdf_terms {
    struct owed_pdf_options opt;
    const struct owed_party *seller;   /* required */
    const struct owed_party *customer; /* required */
    owed_date date;
    const char *title; /* NULL: "Terms of payment" */
    const struct owed_pdf_section *sections;
    size_t n_sections;
};

int owed_pdf_terms(const struct owed_pdf_terms *t, struct owed_buf *out, struct owed_buf *err);

/* One open item of a statement. */
struct owed_pdf_statement_item {
    owed_date date;       /* issue date */
    const char *number;   /* invoice or credit note number */
    owed_date due_date;   /* 0: none */
    int64_t amount_minor; /* original amount, negative for credits */
    int64_t open_minor;   /* still open on as_of */
    int32_t days_overdue; /* on as_of; <= 0: not overdue */
};

/* A customer statement as of a date: the open items and the aging summary (current,
 * 1-30, 31-60, 61-90, 91+ days overdue, by days_overdue), which with the balance due
 * (the sum of open amounts) the renderer adds up itself so that they agree with the
 * table. */
struct owed_pdf_statement {
    struct owed_pdf_options opt;
    const struct owed_party *seller;   /* required */
    const struct owed_party *customer; /* required */
    const char *account_ref;           /* customer number; NULL: none */
    owed_date as_of;
    const char *currency; /* ISO 4217 */
    int exponent;
    const struct owed_pdf_statement_item *items;
    size_t n_items;
    const char *note;       /* wrapped under the balance (e.g. how to pay); NULL: none */
    const char *qr_payload; /* EPC QR text for the balance; NULL: none */
};

int owed_pdf_statement(const struct owed_pdf_statement *s, struct owed_buf *out,
                       struct owed_buf *err);

/* One invoice a dunning letter lists. */
struct owed_pdf_letter_item {
    const char *number;
    owed_date due_date;
    int32_t days_overdue;
    int64_t open_minor;
};

/* A dunning letter: the seller's letterhead, the recipient's address, date, subject, the
 * body, a table of the invoices (number, due date, days overdue, open amount) with their
 * total, a "Pay online" link and the QR code, then the closing. */
struct owed_pdf_letter {
    struct owed_pdf_options opt;
    const struct owed_party *seller; /* required */
    const char *recipient_name;      /* required */
    const char *const *address;      /* recipient address lines */
    size_t n_address;
    owed_date date;
    const char *subject;  /* required */
    const char *body;     /* required; "\n" breaks a line, a blank line a paragraph */
    const char *currency; /* ISO 4217 */
    int exponent;
    const struct owed_pdf_letter_item *items;
    size_t n_items;
    const char *pay_url;    /* NULL: none */
    const char *qr_payload; /* NULL: none */
    const char *closing;    /* after the table: "Kind regards\nMüller GmbH"; NULL: none */
};

int owed_pdf_letter(const struct owed_pdf_letter *l, struct owed_buf *out, struct owed_buf *err);

#endif
