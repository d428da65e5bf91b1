/* The EPC069-12 "SEPA Credit Transfer" QR payload (GiroCode): the text a banking app reads
 * from the QR code printed on an invoice, statement or reminder. Pure: builds text only;
 * io/pdf draws it.
 *
 * Version 002, character set 1 (UTF-8), lines joined by "\n", no trailing newline:
 *
 *     BCD                     service tag
 *     002                     version
 *     1                       character set: UTF-8
 *     SCT                     SEPA credit transfer
 *     COBADEFFXXX             BIC, optional in 002 (empty line without it)
 *     Müller GmbH             beneficiary name, 1..70 characters
 *     DE89370400440532013000  IBAN, upper case, no blanks
 *     EUR1234.50              amount, 0.01 .. 999999999.99
 *                             purpose code: always empty
 *     RF18539007547034        structured creditor reference (ISO 11649), or else
 *     Invoice 2026-0042       unstructured remittance, up to 140 characters
 *
 * Lines after the last non-empty one are left out, so the payload ends with the reference
 * (structured) or the remittance text (unstructured, on the line after the empty
 * structured one). The whole payload is at most 331 bytes. */
#ifndef OWED_CORE_EPC_QR_H
#define OWED_CORE_EPC_QR_H

#include <stdbool.h>
#include <stdint.h>

#include "owed/buf.h"

#define OWED_EPC_QR_MAX 331         /* bytes of the payload */
#define OWED_EPC_NAME_MAX 70        /* characters (code points) */
#define OWED_EPC_REMITTANCE_MAX 140 /* characters, unstructured */
#define OWED_EPC_AMOUNT_MAX_CENTS 99999999999LL

/* True for an IBAN (ISO 13616) whose check digits are right (mod 97 == 1): two letters,
 * two digits, then 11..30 letters or digits, and for the SEPA countries (plus a few
 * neighbours) the country's length. Blanks between groups ("DE89 3704 0044 ...") and lower
 * case are accepted. */
bool owed_iban_valid(const char *iban);

/* True for an ISO 11649 creditor reference: "RF", two check digits, 1..21 letters or
 * digits, mod 97 == 1. Blanks are accepted as with IBANs. */
bool owed_creditor_ref_valid(const char *ref);

/* Appends the EPC QR payload to out. bic may be NULL or "" (left out, allowed in 002).
 * remittance may be NULL or "": an ISO 11649 reference ("RF18 5390 0754 7034") goes in
 * the structured field, anything else in the unstructured one. IBAN and reference are
 * written upper case without blanks.
 *
 * Returns OWED_E_INVALID with "FIELD: reason" appended to err (out unchanged), checking in
 * this order: name (empty, over 70 characters, not UTF-8, control characters), iban
 * (form, country length, check digits), bic (not 8 or 11 characters of the form AAAA CC
 * LL [BBB]), amount (outside 1 .. 99999999999 cents), remittance (over 140 characters, not
 * UTF-8, control characters), payload (over 331 bytes); then the sticky error of out. */
int owed_epc_qr_payload(const char *name, const char *iban, const char *bic, int64_t amount_cents,
                        const char *remittance, struct owed_buf *out, struct owed_buf *err);

#endif
