/* The EN 16931 rules on UBL, in rule order: {id, flag, context, test, message}.
 *
 * Written from the rule texts of EN 16931-1 and the UBL binding of the CEN validation
 * artefacts, translated to XPath 1.0 with the exact-decimal functions of ubl_rules.c (o:).
 * Translation notes:
 * - Schematron applies only the first matching rule of a pattern to a node, so contexts
 *   that overlap there are made disjoint here (the document InvoicePeriod excludes the line
 *   ones, document allowances exclude line allowances).
 * - cbc:ChargeIndicator = false() in XPath 2.0 casts the text to a boolean; here it is
 *   compared as text ('false' or '0', 'true' or '1').
 * - upper-case() is o:upper(); exists(x) is boolean(x); "every $x in ... satisfies" and
 *   $rate become predicates on o:cur(), the rule's context node.
 * - BR-DEC-13/15 compare @currencyID with the document's currency codes, as the rule text
 *   says (the published XPath compares with a child of TaxAmount, which never exists). */
#define OWED__UBL_RULES_TABLE
#include "io/ubl_rules.h"

const struct owed__ubl_rule owed__ubl_rules_core[] = {
    /* --- mandatory elements ----------------------------------------------------------- */
    {"BR-01", F, "/*", "cbc:CustomizationID != ''",
     "An Invoice shall have a Specification identifier (BT-24)."},
    {"BR-02", F, "/*", "cbc:ID != ''", "An Invoice shall have an Invoice number (BT-1)."},
    {"BR-03", F, "/*", "cbc:IssueDate != ''", "An Invoice shall have an Invoice issue date (BT-2)."},
    {"BR-04", F, "/*", "cbc:InvoiceTypeCode != '' or cbc:CreditNoteTypeCode != ''",
     "An Invoice shall have an Invoice type code (BT-3)."},
    {"BR-05", F, "/*", "cbc:DocumentCurrencyCode != ''",
     "An Invoice shall have an Invoice currency code (BT-5)."},
    {"BR-06", F, "/*",
     "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName != ''",
     "An Invoice shall contain the Seller name (BT-27)."},
    {"BR-07", F, "/*",
     "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName != ''",
     "An Invoice shall contain the Buyer name (BT-44)."},
    {"BR-08", F, "/*", "boolean(cac:AccountingSupplierParty/cac:Party/cac:PostalAddress)",
     "An Invoice shall contain the Seller postal address (BG-5)."},
    {"BR-09", F, "//cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
     "cac:Country/cbc:IdentificationCode != ''",
     "The Seller postal address (BG-5) shall contain a Seller country code (BT-40)."},
    {"BR-10", F, "/*", "boolean(cac:AccountingCustomerParty/cac:Party/cac:PostalAddress)",
     "An Invoice shall contain the Buyer postal address (BG-8)."},
    {"BR-11", F, "//cac:AccountingCustomerParty/cac:Party/cac:PostalAddress",
     "cac:Country/cbc:IdentificationCode != ''",
     "The Buyer postal address shall contain a Buyer country code (BT-55)."},
    {"BR-12", F, "//cac:LegalMonetaryTotal", "boolean(cbc:LineExtensionAmount)",
     "An Invoice shall have the Sum of Invoice line net amount (BT-106)."},
    {"BR-13", F, "//cac:LegalMonetaryTotal", "boolean(cbc:TaxExclusiveAmount)",
     "An Invoice shall have the Invoice total amount without VAT (BT-109)."},
    {"BR-14", F, "//cac:LegalMonetaryTotal", "boolean(cbc:TaxInclusiveAmount)",
     "An Invoice shall have the Invoice total amount with VAT (BT-112)."},
    {"BR-15", F, "//cac:LegalMonetaryTotal", "boolean(cbc:PayableAmount)",
     "An Invoice shall have the Amount due for payment (BT-115)."},
    {"BR-16", F, "/*", "boolean(cac:InvoiceLine or cac:CreditNoteLine)",
     "An Invoice shall have at least one Invoice line (BG-25)."},
    {"BR-17", F, "//cac:PayeeParty",
     "cac:PartyName/cbc:Name and not(cac:PartyName/cbc:Name = "
     "../cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name) and "
     "not(cac:PartyIdentification/cbc:ID = "
     "../cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID) and "
     "not(cac:PartyLegalEntity/cbc:RegistrationName = "
     "../cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName)",
     "The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is "
     "different from the Seller (BG-4)."},
    {"BR-18", F, "//cac:TaxRepresentativeParty", "cac:PartyName/cbc:Name != ''",
     "The Seller tax representative name (BT-62) shall be provided in the Invoice, if the "
     "Seller (BG-4) has a Seller tax representative party (BG-11)."},
    {"BR-19", F, "//cac:TaxRepresentativeParty", "boolean(cac:PostalAddress)",
     "The Seller tax representative postal address (BG-12) shall be provided in the Invoice, "
     "if the Seller (BG-4) has a Seller tax representative party (BG-11)."},
    {"BR-20", F, "//cac:TaxRepresentativeParty/cac:PostalAddress",
     "cac:Country/cbc:IdentificationCode != ''",
     "The Seller tax representative postal address (BG-12) shall contain a Tax representative "
     "country code (BT-69), if the Seller (BG-4) has a Seller tax representative party "
     "(BG-11)."},
    {"BR-21", F, LINES, "cbc:ID != ''",
     "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126)."},
    {"BR-22", F, LINES, "boolean(cbc:InvoicedQuantity or cbc:CreditedQuantity)",
     "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129)."},
    {"BR-23", F, LINES, "boolean(cbc:InvoicedQuantity/@unitCode or cbc:CreditedQuantity/@unitCode)",
     "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130)."},
    {"BR-24", F, LINES, "boolean(cbc:LineExtensionAmount)",
     "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131)."},
    {"BR-25", F, LINES, "cac:Item/cbc:Name != ''",
     "Each Invoice line (BG-25) shall contain the Item name (BT-153)."},
    {"BR-26", F, LINES, "boolean(cac:Price/cbc:PriceAmount)",
     "Each Invoice line (BG-25) shall contain the Item net price (BT-146)."},
    {"BR-27", F, LINES, "o:ge(cac:Price/cbc:PriceAmount, '0')",
     "The Item net price (BT-146) shall NOT be negative."},
    {"BR-28", F, LINES,
     "o:ge(cac:Price/cac:AllowanceCharge/cbc:BaseAmount, '0') or "
     "not(cac:Price/cac:AllowanceCharge/cbc:BaseAmount)",
     "The Item gross price (BT-148) shall NOT be negative."},
    {"BR-29", F, "//cac:InvoicePeriod[not(parent::cac:InvoiceLine or parent::cac:CreditNoteLine)]",
     "(cbc:EndDate and cbc:StartDate and o:date-le(cbc:StartDate, cbc:EndDate)) or "
     "not(cbc:StartDate) or not(cbc:EndDate)",
     "If both Invoicing period start date (BT-73) and Invoicing period end date (BT-74) are "
     "given then the Invoicing period end date (BT-74) shall be later or equal to the "
     "Invoicing period start date (BT-73)."},
    {"BR-30", F, "//cac:InvoiceLine/cac:InvoicePeriod | //cac:CreditNoteLine/cac:InvoicePeriod",
     "(cbc:EndDate and cbc:StartDate and o:date-le(cbc:StartDate, cbc:EndDate)) or "
     "not(cbc:StartDate) or not(cbc:EndDate)",
     "If both Invoice line period start date (BT-134) and Invoice line period end date "
     "(BT-135) are given then the Invoice line period end date (BT-135) shall be later or "
     "equal to the Invoice line period start date (BT-134)."},
    {"BR-31", F, DOC_AC ALLOW, "boolean(cbc:Amount)",
     "Each Document level allowance (BG-20) shall have a Document level allowance amount "
     "(BT-92)."},
    {"BR-32", F, DOC_AC ALLOW, "boolean(cac:TaxCategory" VAT "/cbc:ID)",
     "Each Document level allowance (BG-20) shall have a Document level allowance VAT "
     "category code (BT-95)."},
    {"BR-33", F, DOC_AC ALLOW, "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Document level allowance (BG-20) shall have a Document level allowance reason "
     "(BT-97) or a Document level allowance reason code (BT-98)."},
    {"BR-36", F, DOC_AC CHARGE, "boolean(cbc:Amount)",
     "Each Document level charge (BG-21) shall have a Document level charge amount (BT-99)."},
    {"BR-37", F, DOC_AC CHARGE, "boolean(cac:TaxCategory" VAT "/cbc:ID)",
     "Each Document level charge (BG-21) shall have a Document level charge VAT category code "
     "(BT-102)."},
    {"BR-38", F, DOC_AC CHARGE, "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Document level charge (BG-21) shall have a Document level charge reason (BT-104) "
     "or a Document level charge reason code (BT-105)."},
    {"BR-41", F, "(" LINE_AC ")" ALLOW, "boolean(cbc:Amount)",
     "Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount "
     "(BT-136)."},
    {"BR-42", F, "(" LINE_AC ")" ALLOW,
     "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Invoice line allowance (BG-27) shall have an Invoice line allowance reason (BT-139) "
     "or an Invoice line allowance reason code (BT-140)."},
    {"BR-43", F, "(" LINE_AC ")" CHARGE, "boolean(cbc:Amount)",
     "Each Invoice line charge (BG-28) shall have an Invoice line charge amount (BT-141)."},
    {"BR-44", F, "(" LINE_AC ")" CHARGE,
     "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Invoice line charge shall have an Invoice line charge reason or an invoice line "
     "allowance reason code."},
    {"BR-45", F, "//cac:TaxTotal/cac:TaxSubtotal", "boolean(cbc:TaxableAmount)",
     "Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116)."},
    {"BR-46", F, "//cac:TaxTotal/cac:TaxSubtotal", "boolean(cbc:TaxAmount)",
     "Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117)."},
    {"BR-47", F, "//cac:TaxTotal/cac:TaxSubtotal", "boolean(cac:TaxCategory" VAT "/cbc:ID)",
     "Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118)."},
    {"BR-48", F, "//cac:TaxTotal/cac:TaxSubtotal",
     "boolean(cac:TaxCategory" VAT "/cbc:Percent) or cac:TaxCategory" VAT IS("O"),
     "Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the "
     "Invoice is not subject to VAT."},
    {"BR-49", F, "//cac:PaymentMeans", "boolean(cbc:PaymentMeansCode)",
     "A Payment instruction (BG-16) shall specify the Payment means type code (BT-81)."},
    {"BR-50", F,
     "//cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode)='30' or "
     "normalize-space(cbc:PaymentMeansCode)='58']/cac:PayeeFinancialAccount",
     "cbc:ID != ''",
     "A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) "
     "information is provided in the Invoice."},
    {"BR-51", W, "//cac:PaymentMeans/cac:CardAccount",
     "string-length(cbc:PrimaryAccountNumberID) >= 4 and "
     "string-length(cbc:PrimaryAccountNumberID) <= 6",
     "The last 4 to 6 digits of the Payment card primary account number (BT-87) shall be "
     "present if Payment card information (BG-18) is provided in the Invoice."},
    {"BR-52", F, "//cac:AdditionalDocumentReference", "cbc:ID != ''",
     "Each Additional supporting document (BG-24) shall contain a Supporting document "
     "reference (BT-122)."},
    {"BR-53", F, "/*",
     "not(cbc:TaxCurrencyCode) or "
     "boolean(//cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:TaxCurrencyCode])",
     "If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT "
     "amount in accounting currency (BT-111) shall be provided."},
    {"BR-54", F, "//cac:AdditionalItemProperty", "boolean(cbc:Name and cbc:Value)",
     "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item "
     "attribute value (BT-161)."},
    {"BR-55", F, "//cac:BillingReference", "boolean(cac:InvoiceDocumentReference/cbc:ID)",
     "Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference "
     "(BT-25)."},
    {"BR-56", F, "//cac:TaxRepresentativeParty", "boolean(cac:PartyTaxScheme" VAT "/cbc:CompanyID)",
     "Each Seller tax representative party (BG-11) shall have a Seller tax representative "
     "VAT identifier (BT-63)."},
    {"BR-57", F, "//cac:Delivery/cac:DeliveryLocation/cac:Address",
     "boolean(cac:Country/cbc:IdentificationCode)",
     "Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80)."},
    {"BR-61", F, "//cac:PaymentMeans",
     "(cac:PayeeFinancialAccount/cbc:ID and (normalize-space(cbc:PaymentMeansCode)='30' or "
     "normalize-space(cbc:PaymentMeansCode)='58')) or (normalize-space(cbc:PaymentMeansCode) "
     "!= '30' and normalize-space(cbc:PaymentMeansCode) != '58')",
     "If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer "
     "or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall "
     "be present."},
    {"BR-62", F, "//cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "boolean(@schemeID)",
     "The Seller electronic address (BT-34) shall have a Scheme identifier."},
    {"BR-63", F, "//cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", "boolean(@schemeID)",
     "The Buyer electronic address (BT-49) shall have a Scheme identifier."},
    {"BR-64", F,
     "//cac:InvoiceLine/cac:Item/cac:StandardItemIdentification/cbc:ID | "
     "//cac:CreditNoteLine/cac:Item/cac:StandardItemIdentification/cbc:ID",
     "boolean(@schemeID)", "The Item standard identifier (BT-157) shall have a Scheme identifier."},
    {"BR-65", F,
     "//cac:InvoiceLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode | "
     "//cac:CreditNoteLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode",
     "boolean(@listID)", "The Item classification identifier (BT-158) shall have a Scheme identifier."},

    /* --- conditions and totals ------------------------------------------------------- */
    {"BR-CO-03", F, "/*", "not(cbc:TaxPointDate and cac:InvoicePeriod/cbc:DescriptionCode)",
     "Value added tax point date (BT-7) and Value added tax point date code (BT-8) are "
     "mutually exclusive."},
    {"BR-CO-04", F, LINES, "boolean(cac:Item/cac:ClassifiedTaxCategory" VAT "/cbc:ID)",
     "Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code "
     "(BT-151)."},
    {"BR-CO-09", F, "//cac:PartyTaxScheme" VAT,
     "substring(cbc:CompanyID,1,2) = '' or o:in(substring(cbc:CompanyID,1,2), 'vat-prefix')",
     "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) "
     "and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code "
     "ISO 3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, "
     "Greece may use the prefix 'EL'."},
    {"BR-CO-10", F, "//cac:LegalMonetaryTotal",
     "o:eq(cbc:LineExtensionAmount, o:round2(o:sum(//cac:InvoiceLine/cbc:LineExtensionAmount))) or "
     "o:eq(cbc:LineExtensionAmount, o:round2(o:sum(//cac:CreditNoteLine/cbc:LineExtensionAmount)))",
     "Sum of Invoice line net amount (BT-106) = Sum of Invoice line net amount (BT-131)."},
    {"BR-CO-11", F, "//cac:LegalMonetaryTotal",
     "o:eq(cbc:AllowanceTotalAmount, o:round2(o:sum(../cac:AllowanceCharge" ALLOW "/cbc:Amount))) or "
     "(not(cbc:AllowanceTotalAmount) and not(../cac:AllowanceCharge" ALLOW "))",
     "Sum of allowances on document level (BT-107) = Sum of Document level allowance amount "
     "(BT-92)."},
    {"BR-CO-12", F, "//cac:LegalMonetaryTotal",
     "o:eq(cbc:ChargeTotalAmount, o:round2(o:sum(../cac:AllowanceCharge" CHARGE "/cbc:Amount))) or "
     "(not(cbc:ChargeTotalAmount) and not(../cac:AllowanceCharge" CHARGE "))",
     "Sum of charges on document level (BT-108) = Sum of Document level charge amount (BT-99)."},
    {"BR-CO-13", F, "//cac:LegalMonetaryTotal",
     "(cbc:ChargeTotalAmount and cbc:AllowanceTotalAmount and o:eq(cbc:TaxExclusiveAmount, "
     "o:round2(o:sub(o:add(cbc:LineExtensionAmount, cbc:ChargeTotalAmount), cbc:AllowanceTotalAmount))))"
     " or (not(cbc:ChargeTotalAmount) and cbc:AllowanceTotalAmount and o:eq(cbc:TaxExclusiveAmount, "
     "o:round2(o:sub(cbc:LineExtensionAmount, cbc:AllowanceTotalAmount))))"
     " or (cbc:ChargeTotalAmount and not(cbc:AllowanceTotalAmount) and o:eq(cbc:TaxExclusiveAmount, "
     "o:round2(o:add(cbc:LineExtensionAmount, cbc:ChargeTotalAmount))))"
     " or (not(cbc:ChargeTotalAmount) and not(cbc:AllowanceTotalAmount) and "
     "o:eq(cbc:TaxExclusiveAmount, cbc:LineExtensionAmount))",
     "Invoice total amount without VAT (BT-109) = Sum of Invoice line net amount (BT-131) - "
     "Sum of allowances on document level (BT-107) + Sum of charges on document level "
     "(BT-108)."},
    {"BR-CO-14", F, "/*/cac:TaxTotal",
     "o:eq(cbc:TaxAmount, o:round2(o:sum(cac:TaxSubtotal/cbc:TaxAmount))) or not(cac:TaxSubtotal)",
     "Invoice total VAT amount (BT-110) = Sum of VAT category tax amount (BT-117)."},
    {"BR-CO-15", F, "/*",
     "not(cbc:DocumentCurrencyCode) or (count(cac:TaxTotal/cbc:TaxAmount[@currencyID = "
     "/*/cbc:DocumentCurrencyCode]) = 1 and o:eq(cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount, "
     "o:round2(o:add(cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount, "
     "cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:DocumentCurrencyCode]))))",
     "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + "
     "Invoice total VAT amount (BT-110)."},
    {"BR-CO-16", F, "//cac:LegalMonetaryTotal",
     "(o:nz(cbc:PrepaidAmount) and not(o:nz(cbc:PayableRoundingAmount)) and "
     "o:eq(cbc:PayableAmount, o:round2(o:sub(cbc:TaxInclusiveAmount, cbc:PrepaidAmount))))"
     " or (not(o:nz(cbc:PrepaidAmount)) and not(o:nz(cbc:PayableRoundingAmount)) and "
     "o:eq(cbc:PayableAmount, cbc:TaxInclusiveAmount))"
     " or (o:nz(cbc:PrepaidAmount) and o:nz(cbc:PayableRoundingAmount) and "
     "o:eq(o:round2(o:sub(cbc:PayableAmount, cbc:PayableRoundingAmount)), "
     "o:round2(o:sub(cbc:TaxInclusiveAmount, cbc:PrepaidAmount))))"
     " or (not(o:nz(cbc:PrepaidAmount)) and o:nz(cbc:PayableRoundingAmount) and "
     "o:eq(o:round2(o:sub(cbc:PayableAmount, cbc:PayableRoundingAmount)), cbc:TaxInclusiveAmount))",
     "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount "
     "(BT-113) + Rounding amount (BT-114)."},
    {"BR-CO-17", F, "//cac:TaxTotal/cac:TaxSubtotal",
     "(o:eq(o:round(cac:TaxCategory" VAT "/cbc:Percent), '0') and o:eq(o:round(cbc:TaxAmount), '0'))"
     " or (o:ne(o:round(cac:TaxCategory" VAT "/cbc:Percent), '0') and "
     WITHIN_1("o:abs(cbc:TaxAmount)",
              "o:round2(o:mul(o:abs(cbc:TaxableAmount), o:mul(cac:TaxCategory" VAT
              "/cbc:Percent, '0.01')))") ")"
     " or (not(cac:TaxCategory" VAT "/cbc:Percent) and o:eq(o:round(cbc:TaxAmount), '0'))",
     "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category "
     "rate (BT-119) / 100), rounded to two decimals."},
    {"BR-CO-18", F, "/*", "boolean(cac:TaxTotal/cac:TaxSubtotal)",
     "An Invoice shall at least have one VAT breakdown group (BG-23)."},
    {"BR-CO-19", F, "//cac:InvoicePeriod[not(parent::cac:InvoiceLine or parent::cac:CreditNoteLine)]",
     "boolean(cbc:StartDate or cbc:EndDate or cbc:DescriptionCode)",
     "If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) or the "
     "Invoicing period end date (BT-74) shall be filled, or both."},
    {"BR-CO-20", F, "//cac:InvoiceLine/cac:InvoicePeriod | //cac:CreditNoteLine/cac:InvoicePeriod",
     "boolean(cbc:StartDate or cbc:EndDate)",
     "If Invoice line period (BG-26) is used, the Invoice line period start date (BT-134) or "
     "the Invoice line period end date (BT-135) shall be filled, or both."},
    {"BR-CO-21", F, DOC_AC ALLOW, "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Document level allowance (BG-20) shall contain a Document level allowance reason "
     "(BT-97) or a Document level allowance reason code (BT-98), or both."},
    {"BR-CO-22", F, DOC_AC CHARGE, "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Document level charge (BG-21) shall contain a Document level charge reason (BT-104) "
     "or a Document level charge reason code (BT-105), or both."},
    {"BR-CO-23", F, "(" LINE_AC ")" ALLOW,
     "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Invoice line allowance (BG-27) shall contain an Invoice line allowance reason "
     "(BT-139) or an Invoice line allowance reason code (BT-140), or both."},
    {"BR-CO-24", F, "(" LINE_AC ")" CHARGE,
     "boolean(cbc:AllowanceChargeReason or cbc:AllowanceChargeReasonCode)",
     "Each Invoice line charge (BG-28) shall contain an Invoice line charge reason (BT-144) or "
     "an Invoice line charge reason code (BT-145), or both."},
    {"BR-CO-25", F, "/ubl:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
     "(o:gt(., '0') and (//cbc:DueDate or //cac:PaymentTerms/cbc:Note)) or o:le(., '0')",
     "In case the Amount due for payment (BT-115) is positive, either the Payment due date "
     "(BT-9) or the Payment terms (BT-20) shall be present."},
    {"BR-CO-26", F, "//cac:AccountingSupplierParty",
     "boolean(cac:Party/cac:PartyTaxScheme" VAT "/cbc:CompanyID or "
     "cac:Party/cac:PartyIdentification/cbc:ID or cac:Party/cac:PartyLegalEntity/cbc:CompanyID)",
     "In order for the buyer to automatically identify a supplier, the Seller identifier "
     "(BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT "
     "identifier (BT-31) shall be present."},

    /* --- decimals -------------------------------------------------------------------- */
    {"BR-DEC-01", F, DOC_AC ALLOW, DEC2("cbc:Amount"),
     "The allowed maximum number of decimals for the Document level allowance amount (BT-92) "
     "is 2."},
    {"BR-DEC-02", F, DOC_AC ALLOW, DEC2("cbc:BaseAmount"),
     "The allowed maximum number of decimals for the Document level allowance base amount "
     "(BT-93) is 2."},
    {"BR-DEC-05", F, DOC_AC CHARGE, DEC2("cbc:Amount"),
     "The allowed maximum number of decimals for the Document level charge amount (BT-99) is "
     "2."},
    {"BR-DEC-06", F, DOC_AC CHARGE, DEC2("cbc:BaseAmount"),
     "The allowed maximum number of decimals for the Document level charge base amount "
     "(BT-100) is 2."},
    {"BR-DEC-09", F, "//cac:LegalMonetaryTotal", DEC2("cbc:LineExtensionAmount"),
     "The allowed maximum number of decimals for the Sum of Invoice line net amount (BT-106) "
     "is 2."},
    {"BR-DEC-10", F, "//cac:LegalMonetaryTotal", DEC2("cbc:AllowanceTotalAmount"),
     "The allowed maximum number of decimals for the Sum of allowances on document level "
     "(BT-107) is 2."},
    {"BR-DEC-11", F, "//cac:LegalMonetaryTotal", DEC2("cbc:ChargeTotalAmount"),
     "The allowed maximum number of decimals for the Sum of charges on document level "
     "(BT-108) is 2."},
    {"BR-DEC-12", F, "//cac:LegalMonetaryTotal", DEC2("cbc:TaxExclusiveAmount"),
     "The allowed maximum number of decimals for the Invoice total amount without VAT "
     "(BT-109) is 2."},
    {"BR-DEC-13", F, "/*",
     "not(cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:DocumentCurrencyCode]) or "
     DEC2("cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:DocumentCurrencyCode]"),
     "The allowed maximum number of decimals for the Invoice total VAT amount (BT-110) is 2."},
    {"BR-DEC-14", F, "//cac:LegalMonetaryTotal", DEC2("cbc:TaxInclusiveAmount"),
     "The allowed maximum number of decimals for the Invoice total amount with VAT (BT-112) "
     "is 2."},
    {"BR-DEC-15", F, "/*",
     "not(cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:TaxCurrencyCode]) or "
     DEC2("cac:TaxTotal/cbc:TaxAmount[@currencyID = /*/cbc:TaxCurrencyCode]"),
     "The allowed maximum number of decimals for the Invoice total VAT amount in accounting "
     "currency (BT-111) is 2."},
    {"BR-DEC-16", F, "//cac:LegalMonetaryTotal", DEC2("cbc:PrepaidAmount"),
     "The allowed maximum number of decimals for the Paid amount (BT-113) is 2."},
    {"BR-DEC-17", F, "//cac:LegalMonetaryTotal", DEC2("cbc:PayableRoundingAmount"),
     "The allowed maximum number of decimals for the Rounding amount (BT-114) is 2."},
    {"BR-DEC-18", F, "//cac:LegalMonetaryTotal", DEC2("cbc:PayableAmount"),
     "The allowed maximum number of decimals for the Amount due for payment (BT-115) is 2."},
    {"BR-DEC-19", F, "//cac:TaxTotal/cac:TaxSubtotal", DEC2("cbc:TaxableAmount"),
     "The allowed maximum number of decimals for the VAT category taxable amount (BT-116) is "
     "2."},
    {"BR-DEC-20", F, "//cac:TaxTotal/cac:TaxSubtotal", DEC2("cbc:TaxAmount"),
     "The allowed maximum number of decimals for the VAT category tax amount (BT-117) is 2."},
    {"BR-DEC-23", F, LINES, DEC2("cbc:LineExtensionAmount"),
     "The allowed maximum number of decimals for the Invoice line net amount (BT-131) is 2."},
    {"BR-DEC-24", F, "(" LINE_AC ")" ALLOW, DEC2("cbc:Amount"),
     "The allowed maximum number of decimals for the Invoice line allowance amount (BT-136) "
     "is 2."},
    {"BR-DEC-25", F, "(" LINE_AC ")" ALLOW, DEC2("cbc:BaseAmount"),
     "The allowed maximum number of decimals for the Invoice line allowance base amount "
     "(BT-137) is 2."},
    {"BR-DEC-27", F, "(" LINE_AC ")" CHARGE, DEC2("cbc:Amount"),
     "The allowed maximum number of decimals for the Invoice line charge amount (BT-141) is "
     "2."},
    {"BR-DEC-28", F, "(" LINE_AC ")" CHARGE, DEC2("cbc:BaseAmount"),
     "The allowed maximum number of decimals for the Invoice line charge base amount (BT-142) "
     "is 2."},
};

const size_t owed__ubl_rules_core_count = OWED_ARRAY_LEN(owed__ubl_rules_core);
