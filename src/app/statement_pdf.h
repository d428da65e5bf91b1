/* The customer statement as PDF (issue 7): `owed customer statement REF -o FILE.pdf` and
 * GET /api/v1/customers/{id}/statement with Accept: application/pdf. */
#ifndef OWED_APP_STATEMENT_PDF_H
#define OWED_APP_STATEMENT_PDF_H

#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* Appends the PDF statement of customer customer_ref as of as_of to out. Its figures are
 * those of owed_report_customer() (app/customer_show.c) for the same date, so the PDF's
 * balance equals the JSON statement's: every invoice with an open amount, and unapplied
 * cash and credit notes as negative items; the aging summary by days overdue (DESIGN.md
 * "Aging", with the credits under "Current"); the balance; a note on how to pay (bank
 * transfer to the seller's account, the pay link); and for EUR, when the seller has an
 * IBAN and the balance is due, the EPC QR code for it.
 *
 * The recipient is the customer's billing party, its address else the profile's. Amounts
 * are in the customer's currency. The same data gives the same bytes.
 *
 * Errors: OWED_E_NOT_FOUND ("no customer 'REF'"); the store's; those of
 * owed_pdf_statement() (io/pdf.h). Nothing is appended to out on error. */
int owed_statement_pdf(struct owed_store *s, int64_t org, const char *customer_ref,
                       owed_date as_of, struct owed_buf *out, struct owed_buf *err);

#endif
