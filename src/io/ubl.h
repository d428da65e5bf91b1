/* UBL 2.1 Invoice and CreditNote, as Peppol BIS Billing 3.0 (EN 16931) profiles them:
 * export of a struct owed_doc and import of a received document into one.
 *
 * Mapping (BT numbers of EN 16931; paths relative to the root element):
 *   BT-1 number            cbc:ID
 *   BT-2/9 issue/due date  cbc:IssueDate, cbc:DueDate (Invoice); a CreditNote has no DueDate:
 *                          cac:PaymentMeans/cbc:PaymentDueDate, read for both as a fallback
 *   BT-3 type              root Invoice with InvoiceTypeCode 380, CreditNote with 381;
 *                          other type codes are refused (the model has only these two)
 *   BT-5 currency          cbc:DocumentCurrencyCode; every amount's currencyID must match,
 *                          except a second cac:TaxTotal in cbc:TaxCurrencyCode (BT-111,
 *                          not in the model: skipped)
 *   BT-10, BT-13, BT-25    cbc:BuyerReference, cac:OrderReference/cbc:ID,
 *                          cac:BillingReference[1]/cac:InvoiceDocumentReference/cbc:ID
 *   BT-22 note             every cbc:Note, trimmed, joined with "\n"
 *   BT-20 payment terms    every cac:PaymentTerms/cbc:Note, joined with "\n"
 *   BG-4/BG-7 parties      name = PartyLegalEntity/RegistrationName, else PartyName/Name;
 *                          trading_name = PartyName/Name when there is a registration name;
 *                          vat_id = the PartyTaxScheme whose TaxScheme/ID is "VAT";
 *                          legal_id = PartyLegalEntity/CompanyID; endpoint = EndpointID and
 *                          its schemeID; contact_email = Contact/ElectronicMail
 *   BG-16 payment          the first cac:PaymentMeans: code, PaymentID, PayeeFinancialAccount
 *                          ID (iban), Name, FinancialInstitutionBranch/ID (bic)
 *   BG-20/21               document-level cac:AllowanceCharge: adjust entries; reason =
 *                          AllowanceChargeReason, else AllowanceChargeReasonCode
 *   BG-25 lines            line allowances (ChargeIndicator false) are summed into
 *                          discount_minor, line charges into charge_minor (a field added to
 *                          struct owed_doc_line for this); the net unit price is
 *                          Price/PriceAmount divided by Price/BaseQuantity (rounded half to
 *                          even at price_e4); Price/AllowanceCharge (gross price) is not kept
 *   BG-23 VAT breakdown    the TaxTotal in the document currency and its TaxSubtotals;
 *                          exemption_reason = TaxExemptionReason, else ...ReasonCode
 *   BG-22 totals           cac:LegalMonetaryTotal; absent optional amounts are 0
 * Not in the model, so skipped on import and absent on export: delivery, invoice period,
 * payee and tax representative parties, additional documents and attachments, accounting
 * cost, line notes, periods and item identifiers, PaymentMeans after the first, BT-111.
 * Text longer than the model holds (OWED_DOC_TEXT_MAX, OWED_DOC_ID_MAX, OWED_DOC_NOTE_MAX for
 * the joined notes) is refused, not cut.
 */
#ifndef OWED_IO_UBL_H
#define OWED_IO_UBL_H

#include <stddef.h>

#include "core/invoice_doc.h"
#include "owed/buf.h"

#define OWED_UBL_CUSTOMIZATION_ID \
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
#define OWED_UBL_PROFILE_ID "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#define OWED_UBL_MAX_BYTES ((size_t)64 << 20)

/* Writes d (type 380 -> <Invoice>, 381 -> <CreditNote>) as UBL 2.1 following Peppol BIS
 * Billing 3.0 and appends it, UTF-8 with an XML declaration, to out. Every field of the
 * model that is set is written (see the mapping above); amounts carry the currency's
 * decimals (exponent = owed_currency_exponent(d->currency)) and currencyID attributes.
 * The document is written exactly as given: totals are not recomputed. When the payment
 * instructions or a credit note's due date need a cac:PaymentMeans and payment_means is
 * empty, its code is "1" (UNCL 4461: instrument not defined).
 * OWED_E_INVALID ("seller.name: not valid UTF-8") for a type other than 380/381, an
 * exponent outside 0..4, or text that XML cannot carry; OWED_E_TOO_LARGE when out is full.
 * On error out may hold part of the document. */
int owed_ubl_write(const struct owed_doc *d, int exponent, struct owed_buf *out,
                   struct owed_buf *err);

/* Reads the UBL 2.1 Invoice or CreditNote xml[0..len) into *out, which is zeroed first and
 * freed with owed_doc_free (also after an error). Never resolves external entities or
 * DTDs: a document with a DOCTYPE is refused. Errors, one message appended to err:
 *   OWED_E_PARSE     "line 3: not well-formed XML: ...", "line 1: a DOCTYPE is not allowed
 *                    in UBL", "line 2: the root element is Reminder, not a UBL 2.1 Invoice
 *                    or CreditNote"
 *   OWED_E_INVALID   a missing or bad value: "PATH: reason (line N)", e.g.
 *                    "cac:LegalMonetaryTotal/cbc:PayableAmount: not a decimal amount: "1,0"
 *                    (line 40)"; amounts with more decimals than the currency, unit prices
 *                    with more than 4 extra, quantities with more than 3, VAT rates with
 *                    more than 2; text too long for the model
 *   OWED_E_CURRENCY  an unknown currency code, or an amount in another currency
 *   OWED_E_OVERFLOW  an amount or a sum that leaves int64
 *   OWED_E_TOO_LARGE more than OWED_UBL_MAX_BYTES
 * xml is not retained and needs no NUL terminator. */
int owed_ubl_read(const char *xml, size_t len, struct owed_doc *out, struct owed_buf *err);

#endif
