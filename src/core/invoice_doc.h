/* An invoice or credit note as a document: parties, lines, allowances and charges, the VAT
 * breakdown and the totals of EN 16931 (the European e-invoicing semantic model). This is
 * what owed renders (PDF), exports and imports (UBL 2.1), and stores as the immutable
 * snapshot of an issued invoice. The ledger's struct owed_invoice carries only the total.
 *
 * Amounts are integers in minor units of the document currency. A unit price may carry
 * more digits than the currency (EN 16931 allows it): it is held with four extra decimal
 * digits (price_e4 = minor units × 10^4). Quantities carry three decimals (qty_e3).
 * VAT rates are hundredths of a percent (1900 = 19 %). Fixed-size text keeps the records
 * copyable; limits are checked on input. */
#ifndef OWED_CORE_INVOICE_DOC_H
#define OWED_CORE_INVOICE_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"

#define OWED_DOC_TEXT_MAX 300 /* line names, notes, reasons */
#define OWED_DOC_ID_MAX 64    /* numbers, references, identifiers */
#define OWED_DOC_NOTE_MAX 2000 /* the document's note (BT-22, all notes joined) */
#define OWED_DOC_MAX_TAX 16   /* VAT breakdown groups (category, rate) */

/* UNTDID 1001 document type codes that owed writes and reads. */
enum owed_doc_type {
    OWED_DOC_INVOICE = 380,
    OWED_DOC_CREDIT_NOTE = 381,
};

/* A seller or a buyer (EN 16931 BG-4 / BG-7). country is ISO 3166-1 alpha-2. */
struct owed_party {
    char name[OWED_DOC_TEXT_MAX + 1];         /* BT-27 / BT-44 registration name */
    char trading_name[OWED_DOC_TEXT_MAX + 1]; /* BT-28 / BT-45, optional */
    char street[OWED_DOC_TEXT_MAX + 1];
    char street2[OWED_DOC_TEXT_MAX + 1];
    char city[OWED_DOC_ID_MAX + 1];
    char postcode[OWED_DOC_ID_MAX + 1];
    char country[3];
    char vat_id[OWED_DOC_ID_MAX + 1];     /* BT-31 / BT-48, with the country prefix */
    char legal_id[OWED_DOC_ID_MAX + 1];   /* BT-30 / BT-47 company registration number */
    char endpoint_id[OWED_DOC_ID_MAX + 1]; /* BT-34 / BT-49 electronic address */
    char endpoint_scheme[8];              /* its EAS code, e.g. "0088", "EM" */
    char contact_email[OWED_DOC_ID_MAX * 4 + 1];
};

/* One invoice line (BG-25). */
struct owed_doc_line {
    char id[OWED_DOC_ID_MAX + 1];           /* BT-126; "1", "2", ... when owed makes it */
    char name[OWED_DOC_TEXT_MAX + 1];       /* BT-153 item name */
    char description[OWED_DOC_TEXT_MAX + 1]; /* BT-154, optional */
    int64_t qty_e3;                          /* BT-129, × 1000; may be negative on credit */
    char unit[4];                            /* BT-130 UN/ECE Rec. 20, "C62" = one */
    int64_t price_e4;                        /* BT-146 net unit price, minor units × 10^4 */
    int64_t discount_minor;                  /* line allowance (BT-136), >= 0 */
    char tax_category[3];                    /* BT-151: S Z E AE K G O L M */
    int32_t tax_rate_e2;                     /* BT-152 */
    int64_t net_minor;                       /* BT-131 = round(qty × price) − discount + charge */
    int64_t charge_minor; /* line charge (BT-141), >= 0; added for UBL import (io/ubl) */
};

/* A document-level allowance (a discount, BG-20) or charge (BG-21). */
struct owed_doc_adjust {
    bool charge;
    int64_t amount_minor; /* >= 0 */
    char reason[OWED_DOC_TEXT_MAX + 1];
    char tax_category[3];
    int32_t tax_rate_e2;
};

/* One group of the VAT breakdown (BG-23). */
struct owed_doc_tax {
    char category[3];
    int32_t rate_e2;
    int64_t taxable_minor; /* BT-116 */
    int64_t tax_minor;     /* BT-117 */
    char exemption_reason[OWED_DOC_TEXT_MAX + 1]; /* BT-120, for E, AE, K, G, O */
};

struct owed_doc_totals {
    int64_t line_net;      /* BT-106 */
    int64_t allowances;    /* BT-107 */
    int64_t charges;       /* BT-108 */
    int64_t tax_exclusive; /* BT-109 */
    int64_t tax;           /* BT-110 */
    int64_t tax_inclusive; /* BT-112 */
    int64_t prepaid;       /* BT-113 */
    int64_t rounding;      /* BT-114 */
    int64_t payable;       /* BT-115 */
};

struct owed_doc {
    enum owed_doc_type type;
    char number[OWED_DOC_ID_MAX + 1]; /* BT-1 */
    owed_date issue_date;             /* BT-2 */
    owed_date due_date;               /* BT-9; 0 = none */
    char currency[4];                 /* BT-5 */
    char buyer_reference[OWED_DOC_ID_MAX + 1]; /* BT-10 */
    char order_reference[OWED_DOC_ID_MAX + 1]; /* BT-13, the PO number */
    char preceding_number[OWED_DOC_ID_MAX + 1]; /* BT-25: the invoice a credit note corrects */
    char note[OWED_DOC_NOTE_MAX + 1];           /* BT-22 */
    char payment_terms[OWED_DOC_TEXT_MAX + 1];  /* BT-20, e.g. "Net 30 days" */

    struct owed_party seller, buyer;

    /* Payment instructions (BG-16): credit transfer to an account. */
    char payment_means[4];                 /* BT-81 UNCL 4461: "30" / "58" SEPA transfer */
    char payment_id[OWED_DOC_ID_MAX + 1];  /* BT-83 remittance information */
    char iban[OWED_DOC_ID_MAX + 1];        /* BT-84 */
    char bic[16];                          /* BT-86 */
    char account_name[OWED_DOC_TEXT_MAX + 1]; /* BT-85 */

    size_t n_lines;
    struct owed_doc_line *lines; /* owned: owed_doc_free */
    size_t n_adjust;
    struct owed_doc_adjust *adjust; /* owned */

    size_t n_tax;
    struct owed_doc_tax tax[OWED_DOC_MAX_TAX];
    struct owed_doc_totals totals;
};

/* Frees lines and adjust and zeroes the counts; the rest of *d is left as it is. */
void owed_doc_free(struct owed_doc *d);
/* Appends a zeroed line (or adjustment) and returns it. */
struct owed_doc_line *owed_doc_add_line(struct owed_doc *d);
struct owed_doc_adjust *owed_doc_add_adjust(struct owed_doc *d);

/* Computes every derived amount from the lines and adjustments, following EN 16931:
 *   line net (BT-131) = round(qty × price, to the currency's minor unit) − discount +
 *   charge;
 *   VAT breakdown: one group per (category, rate), taxable = Σ line nets + charges −
 *   allowances of that group, tax = round(taxable × rate) once per group (BR-CO-17);
 *   BT-106 = Σ line nets, BT-109 = BT-106 − BT-107 + BT-108, BT-110 = Σ group taxes,
 *   BT-112 = BT-109 + BT-110, BT-115 = BT-112 − BT-113 + BT-114 (prepaid and rounding are
 *   kept as given). Rounding is half away from zero. The exponent is the currency's.
 * OWED_E_INVALID ("line 2: tax_category: ...") for an unknown category, a rate on a
 * category that has none (Z, E, AE, K, G, O: rate 0), more than OWED_DOC_MAX_TAX groups;
 * OWED_E_OVERFLOW when a sum leaves int64. */
int owed_doc_compute(struct owed_doc *d, int exponent, struct owed_buf *err);

/* True when the VAT category code is one of EN 16931's (UNCL 5305 subset). */
bool owed_tax_category_valid(const char *code);

#endif
