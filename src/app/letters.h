/* Customer-facing PDFs of the collections workflow (issue 7): the dunning letter that
 * `owed outbox send` writes (app/letter_pdf.c) and what it shares with the customer
 * statement (app/statement_pdf.c). Internal to app/. */
#ifndef OWED_APP_LETTERS_H
#define OWED_APP_LETTERS_H

#include <stddef.h>
#include <stdint.h>

#include "app/invoicing.h"
#include "core/collections.h"
#include "owed/buf.h"
#include "store/store.h"

/* Renders letter message m (channel letter, queued by a dunning run) as the PDF the
 * outbox writes to OUT_DIR/letters/letter-ID.pdf: the seller's letterhead; the customer's
 * billing party as recipient (its address, else the profile's address text); the run's
 * date (the date of m's firings, else the day m was created); m's subject and body as
 * stored, less the recipient block a text letter's body opens with (name, address, date:
 * the PDF prints them in their places) and, when m has no subject, with the heading after
 * that block as the subject; the invoices m fired for, with due date, days overdue and
 * open amount as of that date, and their total; the pay link (set->pay_url followed by
 * the invoice number, or by the customer's ref when the letter lists several invoices);
 * and for EUR with a seller IBAN the EPC QR code for the total. The same message gives
 * the same bytes.
 * Appends to out; errors: the store's, and those of owed_pdf_letter() (io/pdf.h). */
int owed__letter_pdf(struct owed_store *s, int64_t org, const struct owed_org_settings *set,
                     const struct owed_outbox_msg *m, struct owed_buf *out,
                     struct owed_buf *err);

/* A postal address as lines. */
#define OWED__ADDRESS_LINES_MAX 8
struct owed__address {
    char text[600]; /* the lines, NUL-separated; line[] points into it */
    const char *line[OWED__ADDRESS_LINES_MAX];
    size_t n;
};

/* The address of party p (street, street2, "postcode city", and the country when it is
 * not home_country) when p has one; else profile_address (free text, as `owed customer
 * set --address` takes it) split on newlines and commas, each piece trimmed and blank
 * ones dropped. Lines past OWED__ADDRESS_LINES_MAX are joined to the last one. */
void owed__address_lines(const struct owed_party *p, const char *home_country,
                         const char *profile_address, struct owed__address *out);

/* Appends the EPC QR payload (core/epc_qr.h) paying amount_minor of currency to the
 * seller's account with this remittance; appends nothing when no code can carry it:
 * another currency than EUR, no IBAN, an amount outside the EPC range. */
void owed__seller_qr(const struct owed_seller *sl, const char *currency, int64_t amount_minor,
                     const char *remittance, struct owed_buf *out);

#endif
