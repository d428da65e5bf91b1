/* EN 16931 business rules on UBL 2.1 Invoice and CreditNote documents, checked in C over the
 * libxml2 tree (the official artefacts are Schematron/XSLT 2.0, which we cannot run).
 *
 * Each rule is a row {id, flag, message, context, test}: the context is an XPath 1.0
 * expression selecting the nodes the rule applies to, the test an XPath 1.0 expression that
 * must be true on each of them. Arithmetic on amounts never goes through XPath numbers
 * (doubles): the tests call extension functions in the namespace "urn:owed:ubl-rules"
 * (prefix o:) that parse decimal text into scaled 128-bit integers and compute exactly
 * (ubl_rules.c). The table is in ubl_rules_table.c, in rule order. */
#ifndef OWED_IO_UBL_RULES_H
#define OWED_IO_UBL_RULES_H

#include <stddef.h>

#include "base.h"

struct owed_rule_result {
    const char *rule;    /* "BR-CO-15" */
    const char *flag;    /* "fatal" or "warning" */
    const char *message; /* the rule's text */
};

/* Called once per failed rule. A nonzero return stops the check, and owed_ubl_check()
 * returns that value. */
typedef int (*owed_rule_fn)(void *ctx, const struct owed_rule_result *r);

/* Checks the rules on a UBL 2.1 Invoice or CreditNote held in memory. Calls fn (may be NULL)
 * once per failed rule (per rule, not per occurrence), in rule order. only: NULL for every
 * EN 16931 rule, and every Peppol BIS 3 rule implemented too when the CustomizationID names
 * Peppol BIS Billing 3.0; or one rule id ("BR-CO-15", "PEPPOL-EN16931-R001"; the earlier names BR-AF-* and BR-AG-* of the IGIC and
 * IPSI rules BR-IG-* and BR-IP-* are accepted too, and report the current name). Returns OWED_OK having called fn for each failure
 * (*failures, when not NULL, set to the count of fatal ones); OWED_E_PARSE when the XML is
 * not well-formed, has a DOCTYPE, or its root is neither Invoice nor CreditNote (err says so,
 * "LINE: reason"); OWED_E_NOT_FOUND when only names no implemented rule; OWED_E_TOO_LARGE
 * past INT_MAX bytes. External entities are never resolved and nothing is fetched. */
int owed_ubl_check(const char *xml, size_t len, const char *only, owed_rule_fn fn, void *ctx,
                   int *failures, struct owed_buf *err);

/* The same on a document already parsed (an xmlDocPtr as void *, so that callers need no
 * libxml2 header). The document is borrowed and not changed. */
int owed_ubl_check_doc(void *xml_doc, const char *only, owed_rule_fn fn, void *ctx,
                       int *failures, struct owed_buf *err);

/* Every rule implemented, in order, NULL-terminated: for the tests and for docs. */
const char *const *owed_ubl_rules_list(void);

/* --- internal: shared by ubl_rules.c and ubl_rules_table.c ----------------------------- */

struct owed__ubl_rule {
    const char *id;
    const char *flag;    /* "fatal" or "warning" */
    const char *context; /* XPath 1.0: the nodes checked */
    const char *test;    /* XPath 1.0: true on each of them */
    const char *message;
};

/* The table, in three parts run in this order: mandatory elements, conditions, totals and
 * decimals (ubl_rules_core.c); the VAT categories (ubl_rules_vat.c); code lists and UBL
 * syntax rules (ubl_rules_syntax.c). */
extern const struct owed__ubl_rule owed__ubl_rules_core[];
extern const size_t owed__ubl_rules_core_count;
extern const struct owed__ubl_rule owed__ubl_rules_vat[];
extern const size_t owed__ubl_rules_vat_count;
extern const struct owed__ubl_rule owed__ubl_rules_syntax[];
extern const size_t owed__ubl_rules_syntax_count;
/* Peppol BIS Billing 3.0 (ubl_rules_peppol.c): ids "PEPPOL-*", run on Peppol documents. */
extern const struct owed__ubl_rule owed__ubl_rules_peppol[];
extern const size_t owed__ubl_rules_peppol_count;

/* UN/ECE Recommendation 20 and 21 units (ubl_rules_units.c), a space-separated list. */
extern const char owed__ubl_rec20[];

/* Code list lookup for o:in(value, 'list'): true when value (already whitespace-normalized)
 * is one code of the named list. Unknown list names abort (a bug in the table). */
bool owed__ubl_code_in(const char *list, const char *value);

/* Identifier check digits for o:check(value, kind): kind "gln", "be0208", "abn", "ipa",
 * "cf" or "piva" (ubl_rules_peppol.c). */
bool owed__ubl_id_valid(const char *kind, const char *value);

/* XPath fragments the table files share. */
#ifdef OWED__UBL_RULES_TABLE
#define VAT "[cac:TaxScheme[normalize-space(o:upper(cbc:ID))='VAT']]"
#define ALLOW "[normalize-space(cbc:ChargeIndicator)='false' or normalize-space(cbc:ChargeIndicator)='0']"
#define CHARGE "[normalize-space(cbc:ChargeIndicator)='true' or normalize-space(cbc:ChargeIndicator)='1']"
#define IS(c) "[normalize-space(cbc:ID)='" c "']"
#define DOC_AC "/*/cac:AllowanceCharge"
#define LINE_AC "//cac:InvoiceLine/cac:AllowanceCharge | //cac:CreditNoteLine/cac:AllowanceCharge"
#define LINES "//cac:InvoiceLine | //cac:CreditNoteLine"
#define ROOTLINES "(/*/cac:InvoiceLine | /*/cac:CreditNoteLine)"
#define DEC2(x) "string-length(substring-after(" x ",'.'))<=2"
#define HAS_LINES "(//cac:InvoiceLine or //cac:CreditNoteLine)"

#define SELLER_ANY_TAX "//cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
#define SELLER_VAT "//cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme" VAT "/cbc:CompanyID"
#define REP_VAT "//cac:TaxRepresentativeParty/cac:PartyTaxScheme" VAT "/cbc:CompanyID"
#define BUYER_VAT "//cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme" VAT "/cbc:CompanyID"
#define BUYER_LEGAL "//cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"

/* Who must (or must not) be identified when a VAT category is used. */
#define IDS_SELLER "(" SELLER_ANY_TAX " or " REP_VAT ")"
#define IDS_SELLER_VAT "(" SELLER_VAT " or " REP_VAT ")"
#define IDS_AE "(" IDS_SELLER " and (" BUYER_VAT " or " BUYER_LEGAL "))"
#define IDS_K "(" IDS_SELLER_VAT " and " BUYER_VAT ")"
#define IDS_NONE "(not(" SELLER_VAT ") and not(" REP_VAT ") and not(" BUYER_VAT "))"

#define LINE_CAT(c) "//cac:ClassifiedTaxCategory" IS(c) VAT
#define DOC_ALLOW_CAT(c) "//cac:AllowanceCharge" ALLOW "/cac:TaxCategory" IS(c) VAT
#define DOC_CHARGE_CAT(c) "//cac:AllowanceCharge" CHARGE "/cac:TaxCategory" IS(c) VAT
#define BREAKDOWN_CAT(c) "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory" VAT IS(c)
#define ANY_CAT(c) "(//cac:TaxCategory" VAT IS(c) " or //cac:ClassifiedTaxCategory" VAT IS(c) ")"

/* The nodes carrying a category: line items, document allowances, document charges. */
#define LINE_ITEM_CTX(c)                                                             \
    "//cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory" IS(c) VAT                \
    " | //cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory" IS(c) VAT
#define SUBTOTAL_CTX(c) "//cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory" IS(c) VAT

/* Σ line net + Σ document charges - Σ document allowances of one category, seen from the
 * breakdown's TaxCategory (../../.. is the document); RATE restricts to one rate. */
#define SUM_CAT(c, RATE)                                                                   \
    "o:sub(o:add(o:sum(" SUM_LINES(c, RATE) "/cbc:LineExtensionAmount),"                   \
    " o:sum(../../../cac:AllowanceCharge" CHARGE "[cac:TaxCategory[normalize-space(cbc:ID)='" c \
    "']" RATE "]/cbc:Amount)),"                                                            \
    " o:sum(../../../cac:AllowanceCharge" ALLOW "[cac:TaxCategory[normalize-space(cbc:ID)='" c  \
    "']" RATE "]/cbc:Amount))"
#define SUM_LINES(c, RATE)                                                                  \
    "(../../../cac:InvoiceLine[cac:Item/cac:ClassifiedTaxCategory[normalize-space(cbc:ID)='" c \
    "']" RATE "] | ../../../cac:CreditNoteLine[cac:Item/cac:ClassifiedTaxCategory"          \
    "[normalize-space(cbc:ID)='" c "']" RATE "])"
#define NO_RATE ""
#define SAME_RATE "[o:eq(o:round(cbc:Percent), o:round(o:cur()/cbc:Percent))]"
#define WITHIN_1(x, y) "(o:lt(o:sub(" x ",'1'), " y ") and o:gt(o:add(" x ",'1'), " y "))"
/* round(|taxable| x rate / 100, 2), the tax a breakdown should carry. */
#define TAX_DUE "o:round2(o:mul(o:abs(../cbc:TaxableAmount), o:mul(cbc:Percent,'0.01')))"
#define TAX_WITHIN_1 WITHIN_1("o:abs(../cbc:TaxAmount)", TAX_DUE)

#define F "fatal"
#define W "warning"
#endif

#endif
