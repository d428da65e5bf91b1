/* EN 16931 code-list rules (BR-CL-*, lists in ubl_rules_codes.c) and the UBL syntax rules
 * (UBL-SR-*: cardinalities the UBL schema allows but EN 16931 does not; UBL-DT-*: data
 * types) of the UBL binding. See ubl_rules.h. */
#define OWED__UBL_RULES_TABLE
#include "io/ubl_rules.h"

#define AMOUNTS                                                                             \
    "//cbc:Amount | //cbc:BaseAmount | //cbc:PriceAmount | //cbc:TaxAmount | "              \
    "//cbc:TaxableAmount | //cbc:LineExtensionAmount | //cbc:TaxExclusiveAmount | "         \
    "//cbc:TaxInclusiveAmount | //cbc:AllowanceTotalAmount | //cbc:ChargeTotalAmount | "    \
    "//cbc:PrepaidAmount | //cbc:PayableRoundingAmount | //cbc:PayableAmount"
#define ENDS_WITH(s, n) "substring(local-name(), string-length(local-name()) - " n ") = '" s "'"
#define AT_MOST(n, path) "count(" path ") <= " n

const struct owed__ubl_rule owed__ubl_rules_syntax[] = {
    /* --- code lists ----------------------------------------------------------------- */
    {"BR-CL-01", F, "/*/cbc:InvoiceTypeCode | /*/cbc:CreditNoteTypeCode",
     "(self::cbc:InvoiceTypeCode and o:in(., 'untdid1001-invoice')) or "
     "(self::cbc:CreditNoteTypeCode and o:in(., 'untdid1001-credit'))",
     "The document type code MUST be coded by the invoice and credit note related code lists "
     "of UNTDID 1001."},
    {"BR-CL-03", F, AMOUNTS, "o:in(@currencyID, 'iso4217')",
     "currencyID MUST be coded using ISO code list 4217 alpha-3."},
    {"BR-CL-04", F, "//cbc:DocumentCurrencyCode", "o:in(., 'iso4217')",
     "Invoice currency code MUST be coded using ISO code list 4217 alpha-3."},
    {"BR-CL-05", F, "//cbc:TaxCurrencyCode", "o:in(., 'iso4217')",
     "Tax currency code MUST be coded using ISO code list 4217 alpha-3."},
    {"BR-CL-06", F, "//cac:InvoicePeriod/cbc:DescriptionCode", "o:in(., 'untdid2005')",
     "Value added tax point date code MUST be coded using a restriction of UNTDID 2005."},
    {"BR-CL-07", F,
     "//cac:AdditionalDocumentReference[normalize-space(cbc:DocumentTypeCode)='130']/cbc:ID[@schemeID] | "
     "//cac:DocumentReference[normalize-space(cbc:DocumentTypeCode)='130']/cbc:ID[@schemeID]",
     "o:in(@schemeID, 'untdid1153')",
     "Object identifier identification scheme identifier MUST be coded using a restriction "
     "of UNTDID 1153."},
    {"BR-CL-10", F, "//cac:PartyIdentification/cbc:ID[@schemeID]",
     "o:in(@schemeID, 'icd') or (normalize-space(@schemeID) = 'SEPA' and "
     "(ancestor::cac:AccountingSupplierParty or ancestor::cac:PayeeParty))",
     "Any identifier identification scheme identifier MUST be coded using one of the ISO "
     "6523 ICD list."},
    {"BR-CL-11", F, "//cac:PartyLegalEntity/cbc:CompanyID[@schemeID]", "o:in(@schemeID, 'icd')",
     "Any registration identifier identification scheme identifier MUST be coded using one "
     "of the ISO 6523 ICD list."},
    {"BR-CL-13", F, "//cac:CommodityClassification/cbc:ItemClassificationCode[@listID]",
     "o:in(@listID, 'untdid7143')",
     "Item classification identifier identification scheme identifier MUST be coded using "
     "one of the UNTDID 7143 list."},
    {"BR-CL-14", F, "//cac:Country/cbc:IdentificationCode", "o:in(., 'iso3166')",
     "Country codes in an invoice MUST be coded using ISO code list 3166-1."},
    {"BR-CL-15", F, "//cac:OriginCountry/cbc:IdentificationCode", "o:in(., 'iso3166')",
     "Country codes in an invoice MUST be coded using ISO code list 3166-1."},
    {"BR-CL-16", F, "//cac:PaymentMeans/cbc:PaymentMeansCode", "o:in(., 'uncl4461')",
     "Payment means in an invoice MUST be coded using UNCL4461 code list."},
    {"BR-CL-17", F, "//cac:TaxCategory/cbc:ID", "o:in(., 'uncl5305')",
     "Invoice tax categories MUST be coded using UNCL5305 code list."},
    {"BR-CL-18", F, "//cac:ClassifiedTaxCategory/cbc:ID", "o:in(., 'uncl5305')",
     "Invoice tax categories MUST be coded using UNCL5305 code list."},
    {"BR-CL-19", F, "//cac:AllowanceCharge" ALLOW "/cbc:AllowanceChargeReasonCode",
     "o:in(., 'uncl5189')", "Coded allowance reasons MUST belong to the UNCL 5189 code list."},
    {"BR-CL-20", F, "//cac:AllowanceCharge" CHARGE "/cbc:AllowanceChargeReasonCode",
     "o:in(., 'uncl7161')", "Coded charge reasons MUST belong to the UNCL 7161 code list."},
    {"BR-CL-21", F, "//cac:StandardItemIdentification/cbc:ID[@schemeID]", "o:in(@schemeID, 'icd')",
     "Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list."},
    {"BR-CL-22", F, "//cbc:TaxExemptionReasonCode", "o:in(., 'vatex')",
     "Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX "
     "code list."},
    {"BR-CL-23", F,
     "//cbc:InvoicedQuantity[@unitCode] | //cbc:CreditedQuantity[@unitCode] | "
     "//cbc:BaseQuantity[@unitCode]",
     "o:in(@unitCode, 'rec20')",
     "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 "
     "extension."},
    {"BR-CL-24", F, "//cbc:EmbeddedDocumentBinaryObject[@mimeCode]", "o:in(@mimeCode, 'mime')",
     "For Mime code in attribute use MIMEMediaType."},
    {"BR-CL-25", F, "//cbc:EndpointID[@schemeID]", "o:in(@schemeID, 'eas')",
     "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list."},

    /* --- UBL syntax: cardinalities ---------------------------------------------------- */
    {"UBL-SR-01", W, "/*", AT_MOST("1", "cac:ContractDocumentReference/cbc:ID"),
     "Contract identifier shall occur maximum once."},
    {"UBL-SR-02", W, "/*", AT_MOST("1", "cac:ReceiptDocumentReference/cbc:ID"),
     "Receive advice identifier shall occur maximum once."},
    {"UBL-SR-03", W, "/*", AT_MOST("1", "cac:DespatchDocumentReference/cbc:ID"),
     "Despatch advice identifier shall occur maximum once."},
    {"UBL-SR-04", W, "/*",
     AT_MOST("1", "cac:AdditionalDocumentReference[normalize-space(cbc:DocumentTypeCode)='130']/cbc:ID"),
     "Invoice object identifier shall occur maximum once."},
    {"UBL-SR-05", W, "/*", AT_MOST("1", "cac:PaymentTerms/cbc:Note"),
     "Payment terms shall occur maximum once."},
    {"UBL-SR-08", W, "/*", AT_MOST("1", "cac:InvoicePeriod"),
     "Invoice period shall occur maximum once."},
    {"UBL-SR-09", W, "/*",
     AT_MOST("1", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
     "Seller name shall occur maximum once."},
    {"UBL-SR-10", W, "/*", AT_MOST("1", "cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"),
     "Seller trader name shall occur maximum once."},
    {"UBL-SR-11", W, "/*",
     AT_MOST("1", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
     "Seller legal registration identifier shall occur maximum once."},
    {"UBL-SR-12", W, "/*",
     AT_MOST("1", "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme[o:upper(cbc:ID)='VAT']]/cbc:CompanyID"),
     "Seller VAT identifier shall occur maximum once."},
    {"UBL-SR-13", W, "/*",
     AT_MOST("1", "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme[o:upper(cbc:ID)!='VAT']]/cbc:ID"),
     "Seller tax registration shall occur maximum once."},
    {"UBL-SR-14", W, "/*",
     AT_MOST("1", "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm"),
     "Seller additional legal information shall occur maximum once."},
    {"UBL-SR-15", W, "/*",
     AT_MOST("1", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
     "Buyer name shall occur maximum once."},
    {"UBL-SR-16", W, "/*",
     AT_MOST("1", "cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"),
     "Buyer identifier shall occur maximum once."},
    {"UBL-SR-17", W, "/*",
     AT_MOST("1", "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
     "Buyer legal registration identifier shall occur maximum once."},
    {"UBL-SR-18", W, "/*",
     AT_MOST("1", "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme[o:upper(cbc:ID)='VAT']]/cbc:CompanyID"),
     "Buyer VAT identifier shall occur maximum once."},
    {"UBL-SR-24", W, "/*", AT_MOST("1", "cac:Delivery"),
     "Deliver to information shall occur maximum once."},
    {"UBL-SR-29", W, "/*", AT_MOST("1", "//cac:PartyIdentification/cbc:ID[o:upper(@schemeID)='SEPA']"),
     "Bank creditor reference shall occur maximum once."},
    {"UBL-SR-39", W, "/*", AT_MOST("1", "cac:ProjectReference/cbc:ID"),
     "Project reference shall occur maximum once."},
    {"UBL-SR-40", W, "/*", AT_MOST("1", "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name"),
     "Buyer trade name shall occur maximum once."},
    {"UBL-SR-42", W, "//cac:AccountingSupplierParty/cac:Party", AT_MOST("2", "cac:PartyTaxScheme"),
     "Party tax scheme shall occur maximum twice in accounting supplier party."},
    {"UBL-SR-44", W, "/*", "not(cac:PaymentMeans/cbc:PaymentID != cac:PaymentMeans/cbc:PaymentID)",
     "Payment ID shall occur maximum once."},
    {"UBL-SR-45", W, "/*", AT_MOST("1", "cac:PaymentMeans/cbc:PaymentDueDate"),
     "Due Date shall occur maximum once."},
    {"UBL-SR-46", W, "/*", AT_MOST("1", "cac:PaymentMeans/cbc:PaymentMeansCode/@name"),
     "Payment means text shall occur maximum once."},
    {"UBL-SR-47", W, "/*",
     "not(cac:PaymentMeans/cbc:PaymentMeansCode != cac:PaymentMeans/cbc:PaymentMeansCode)",
     "When there are more than one payment means code, they shall be equal."},

    /* --- UBL syntax: data types ------------------------------------------------------- */
    {"UBL-DT-01", F,
     "//*[" ENDS_WITH("Amount", "5") " and not(" ENDS_WITH("PriceAmount", "10")
     ") and not(ancestor::cac:Price/cac:AllowanceCharge)]",
     DEC2("."), "Amounts shall be decimal up to two fraction digits."},
    {"UBL-DT-06", F, "//*[" ENDS_WITH("BinaryObject", "11") "]", "boolean(@mimeCode)",
     "Binary object elements shall contain the mime code attribute."},
    {"UBL-DT-07", F, "//*[" ENDS_WITH("BinaryObject", "11") "]", "boolean(@filename)",
     "Binary object elements shall contain the file name attribute."},
};

const size_t owed__ubl_rules_syntax_count = OWED_ARRAY_LEN(owed__ubl_rules_syntax);
