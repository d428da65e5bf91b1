/* EN 16931 rules per VAT category (see ubl_rules.h): for each category the rules say that
 * a category used on a line, allowance or charge has its VAT breakdown (-01), which party
 * identifiers it needs (-02 to -04), which rates it allows (-05 to -07), that the breakdown's
 * taxable amount is the sum of what carries the category (-08), what its tax amount is
 * (-09) and whether it needs an exemption reason (-10). The families are macros; the
 * differences between categories are their arguments. */
#define OWED__UBL_RULES_TABLE
#include "io/ubl_rules.h"

#define USED "where the VAT category code (BT-151, BT-95 or BT-102) is \""
#define LINE_USED "An Invoice that contains an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is \""
#define ALLOW_USED "An Invoice that contains a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is \""
#define CHARGE_USED "An Invoice that contains a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is \""

/* -01: exactly one breakdown of the category (ONE) or at least one (SOME). */
#define R01_ONE(P, c, name)                                                                 \
    {P "01", F, "/*",                                                                       \
     "(" ANY_CAT(c) " and count(" BREAKDOWN_CAT(c) ")=1) or not(" ANY_CAT(c) ")",           \
     "An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) " \
     "or a Document level charge (BG-21) " USED name "\" shall contain in the VAT breakdown " \
     "(BG-23) exactly one VAT category code (BT-118) equal with \"" name "\"."}
#define USES_COUNT(c, vat)                                                                  \
    "(count(//cac:AllowanceCharge/cac:TaxCategory" IS(c) vat ") + "                        \
    "count(//cac:ClassifiedTaxCategory" IS(c) vat "))"
#define R01_SOME(P, c, name, vat)                                                           \
    {P "01", F, "/*",                                                                       \
     "(" USES_COUNT(c, vat) " > 0 and count(cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"   \
     IS(c) vat ") > 0) or (" USES_COUNT(c, vat) " = 0 and "                                 \
     "count(cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory" IS(c) vat ") = 0)",               \
     "An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) " \
     "or a Document level charge (BG-21) " USED name "\" shall contain in the VAT breakdown " \
     "(BG-23) at least one VAT category code (BT-118) equal with \"" name "\"."}

/* -02 to -04: the identifiers a category needs when used on a line, allowance, charge. */
#define R02_04(P, c, name, ids, needs)                                                      \
    {P "02", F, "/*", "(" LINE_CAT(c) " and " ids ") or not(" LINE_CAT(c) ")",              \
     LINE_USED name "\" " needs},                                                           \
    {P "03", F, "/*", "(" DOC_ALLOW_CAT(c) " and " ids ") or not(" DOC_ALLOW_CAT(c) ")",    \
     ALLOW_USED name "\" " needs},                                                          \
    {P "04", F, "/*", "(" DOC_CHARGE_CAT(c) " and " ids ") or not(" DOC_CHARGE_CAT(c) ")",  \
     CHARGE_USED name "\" " needs}
#define NEEDS_SELLER                                                                        \
    "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration "         \
    "identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63)."
#define NEEDS_SELLER_VAT                                                                    \
    "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT " \
    "identifier (BT-63)."
#define NEEDS_AE                                                                            \
    "shall contain the Seller VAT Identifier (BT-31), the Seller Tax registration "         \
    "identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63) and "   \
    "the Buyer VAT identifier (BT-48) and/or the Buyer legal registration identifier (BT-47)."
#define NEEDS_K                                                                             \
    "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT " \
    "identifier (BT-63) and the Buyer VAT identifier (BT-48)."
#define NEEDS_NONE                                                                          \
    "shall not contain the Seller VAT identifier (BT-31), the Seller tax representative "   \
    "VAT identifier (BT-63) or the Buyer VAT identifier (BT-48)."

/* -05 to -07: the rate on a line, allowance, charge. */
#define R05_07(P, c, name, test, rate)                                                      \
    {P "05", F, LINE_ITEM_CTX(c), test,                                                     \
     "In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is \""  \
     name "\" the Invoiced item VAT rate (BT-152) " rate},                                  \
    {P "06", F, DOC_ALLOW_CAT(c), test,                                                     \
     "In a Document level allowance (BG-20) where the Document level allowance VAT "        \
     "category code (BT-95) is \"" name "\" the Document level allowance VAT rate (BT-96) " \
     rate},                                                                                 \
    {P "07", F, DOC_CHARGE_CAT(c), test,                                                    \
     "In a Document level charge (BG-21) where the Document level charge VAT category "     \
     "code (BT-102) is \"" name "\" the Document level charge VAT rate (BT-103) " rate}
#define RATE_ZERO "o:eq(cbc:Percent, '0')"
#define RATE_POSITIVE "o:gt(cbc:Percent, '0')"
#define RATE_NOT_NEGATIVE "o:ge(cbc:Percent, '0')"
#define RATE_ABSENT "not(cbc:Percent)"
#define SAYS_ZERO "shall be 0 (zero)."
#define SAYS_POSITIVE "shall be greater than zero."
#define SAYS_NOT_NEGATIVE "shall be 0 (zero) or greater than zero."
#define SAYS_ABSENT "shall not be present."

/* -08: the breakdown's taxable amount; EXACT for the one-breakdown categories, PER_RATE
 * (within 1, per rate) for S, L and M. */
#define SUM_TEXT(name)                                                                      \
    "the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net "     \
    "amounts (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the "  \
    "sum of Document level charge amounts (BT-99) where the VAT category codes (BT-151, "   \
    "BT-95, BT-102) are \"" name "\"."
#define R08_EXACT(P, c, name)                                                               \
    {P "08", F, SUBTOTAL_CTX(c),                                                            \
     HAS_LINES " and o:eq(../cbc:TaxableAmount, " SUM_CAT(c, NO_RATE) ")",                  \
     "In a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"" name "\" "     \
     SUM_TEXT(name)}
#define R08_PER_RATE(P, c, name, exists)                                                    \
    {P "08", F, SUBTOTAL_CTX(c),                                                            \
     exists " and " WITHIN_1("../cbc:TaxableAmount", SUM_CAT(c, SAME_RATE)),                \
     "For each different value of VAT category rate (BT-119) where the VAT category code "  \
     "(BT-118) is \"" name "\", " SUM_TEXT(name) " and the VAT rate equals the VAT "        \
     "category rate (BT-119)."}
#define USED_AT_RATE(c)                                                                     \
    "(" ROOTLINES "[cac:Item/cac:ClassifiedTaxCategory" IS(c) SAME_RATE "] or "             \
    "//cac:AllowanceCharge[cac:TaxCategory" IS(c) SAME_RATE "])"

/* -09: the breakdown's tax amount. */
#define R09_ZERO(P, c, name)                                                                \
    {P "09", F, SUBTOTAL_CTX(c), "o:eq(../cbc:TaxAmount, '0')",                             \
     "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT "       \
     "category code (BT-118) is \"" name "\" shall be 0 (zero)."}
#define R09_RATE(P, c, name)                                                                \
    {P "09", F, SUBTOTAL_CTX(c), TAX_WITHIN_1,                                              \
     "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category "  \
     "code (BT-118) is \"" name "\" shall equal the VAT category taxable amount (BT-116) "  \
     "multiplied by the VAT category rate (BT-119)."}

/* -10: the exemption reason, required (NEED) or not allowed (NONE). */
#define R10_NEED(P, c, name)                                                                \
    {P "10", F, SUBTOTAL_CTX(c), "boolean(cbc:TaxExemptionReason or cbc:TaxExemptionReasonCode)", \
     "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"" name "\" shall have a "   \
     "VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120)."}
#define R10_NONE(P, c, name)                                                                \
    {P "10", F, SUBTOTAL_CTX(c), "not(cbc:TaxExemptionReason) and not(cbc:TaxExemptionReasonCode)", \
     "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"" name "\" shall not have "  \
     "a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120)."}

#define NOT_O_IN(path) "count(" path "[normalize-space(cbc:ID) != 'O']" VAT ") = 0"

const struct owed__ubl_rule owed__ubl_rules_vat[] = {
    /* AE: reverse charge */
    R01_ONE("BR-AE-", "AE", "Reverse charge"),
    R02_04("BR-AE-", "AE", "Reverse charge", IDS_AE, NEEDS_AE),
    R05_07("BR-AE-", "AE", "Reverse charge", RATE_ZERO, SAYS_ZERO),
    R08_EXACT("BR-AE-", "AE", "Reverse charge"),
    R09_ZERO("BR-AE-", "AE", "Reverse charge"),
    R10_NEED("BR-AE-", "AE", "Reverse charge"),

    /* E: exempt from VAT */
    R01_ONE("BR-E-", "E", "Exempt from VAT"),
    R02_04("BR-E-", "E", "Exempt from VAT", IDS_SELLER, NEEDS_SELLER),
    R05_07("BR-E-", "E", "Exempt from VAT", RATE_ZERO, SAYS_ZERO),
    R08_EXACT("BR-E-", "E", "Exempt from VAT"),
    R09_ZERO("BR-E-", "E", "Exempt from VAT"),
    R10_NEED("BR-E-", "E", "Exempt from VAT"),

    /* G: export outside the EU */
    R01_ONE("BR-G-", "G", "Export outside the EU"),
    R02_04("BR-G-", "G", "Export outside the EU", IDS_SELLER_VAT, NEEDS_SELLER_VAT),
    R05_07("BR-G-", "G", "Export outside the EU", RATE_ZERO, SAYS_ZERO),
    R08_EXACT("BR-G-", "G", "Export outside the EU"),
    R09_ZERO("BR-G-", "G", "Export outside the EU"),
    R10_NEED("BR-G-", "G", "Export outside the EU"),

    /* K: intra-community supply */
    R01_ONE("BR-IC-", "K", "Intra-community supply"),
    R02_04("BR-IC-", "K", "Intra-community supply", IDS_K, NEEDS_K),
    R05_07("BR-IC-", "K", "Intra-community supply", RATE_ZERO, SAYS_ZERO),
    R08_EXACT("BR-IC-", "K", "Intra-community supply"),
    R09_ZERO("BR-IC-", "K", "Intra-community supply"),
    R10_NEED("BR-IC-", "K", "Intra-community supply"),
    {"BR-IC-11", F, "/*",
     "not(" BREAKDOWN_CAT("K") ") or string-length(cac:Delivery/cbc:ActualDeliveryDate) > 1 "
     "or boolean(cac:InvoicePeriod/*)",
     "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "
     "\"Intra-community supply\" the Actual delivery date (BT-72) or the Invoicing period "
     "(BG-14) shall not be blank."},
    {"BR-IC-12", F, "/*",
     "not(" BREAKDOWN_CAT("K") ") or "
     "string-length(cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode) > 1",
     "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is "
     "\"Intra-community supply\" the Deliver to country code (BT-80) shall not be blank."},

    /* L: IGIC (Canary Islands) */
    R01_SOME("BR-IG-", "L", "IGIC", VAT),
    R02_04("BR-IG-", "L", "IGIC", IDS_SELLER, NEEDS_SELLER),
    R05_07("BR-IG-", "L", "IGIC", RATE_NOT_NEGATIVE, SAYS_NOT_NEGATIVE),
    R08_PER_RATE("BR-IG-", "L", "IGIC", HAS_LINES),
    R09_RATE("BR-IG-", "L", "IGIC"),
    R10_NONE("BR-IG-", "L", "IGIC"),

    /* M: IPSI (Ceuta and Melilla) */
    R01_SOME("BR-IP-", "M", "IPSI", VAT),
    R02_04("BR-IP-", "M", "IPSI", IDS_SELLER, NEEDS_SELLER),
    R05_07("BR-IP-", "M", "IPSI", RATE_NOT_NEGATIVE, SAYS_NOT_NEGATIVE),
    R08_PER_RATE("BR-IP-", "M", "IPSI", HAS_LINES),
    R09_RATE("BR-IP-", "M", "IPSI"),
    R10_NONE("BR-IP-", "M", "IPSI"),

    /* O: not subject to VAT */
    R01_ONE("BR-O-", "O", "Not subject to VAT"),
    {"BR-O-02", F, "/*", "(" LINE_CAT("O") " and " IDS_NONE ") or not(" LINE_CAT("O") ")",
     LINE_USED "Not subject to VAT\" " NEEDS_NONE},
    {"BR-O-03", F, "/*",
     "(" DOC_AC ALLOW "/cac:TaxCategory" IS("O") VAT " and " IDS_NONE ") or not("
     DOC_AC ALLOW "/cac:TaxCategory" IS("O") VAT ")",
     ALLOW_USED "Not subject to VAT\" " NEEDS_NONE},
    {"BR-O-04", F, "/*",
     "(" DOC_AC CHARGE "/cac:TaxCategory" IS("O") VAT " and " IDS_NONE ") or not("
     DOC_AC CHARGE "/cac:TaxCategory" IS("O") VAT ")",
     CHARGE_USED "Not subject to VAT\" " NEEDS_NONE},
    R05_07("BR-O-", "O", "Not subject to VAT", RATE_ABSENT, SAYS_ABSENT),
    R08_EXACT("BR-O-", "O", "Not subject to VAT"),
    R09_ZERO("BR-O-", "O", "Not subject to VAT"),
    R10_NEED("BR-O-", "O", "Not subject to VAT"),
    {"BR-O-11", F, "/*",
     "not(" BREAKDOWN_CAT("O") ") or " NOT_O_IN("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"),
     "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
     "\"Not subject to VAT\" shall not contain other VAT breakdown groups (BG-23)."},
    {"BR-O-12", F, "/*",
     "not(" BREAKDOWN_CAT("O") ") or " NOT_O_IN("//cac:ClassifiedTaxCategory"),
     "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
     "\"Not subject to VAT\" shall not contain an Invoice line (BG-25) where the Invoiced item "
     "VAT category code (BT-151) is not \"Not subject to VAT\"."},
    {"BR-O-13", F, "/*",
     "not(" BREAKDOWN_CAT("O") ") or " NOT_O_IN("//cac:AllowanceCharge" ALLOW "/cac:TaxCategory"),
     "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
     "\"Not subject to VAT\" shall not contain Document level allowances (BG-20) where "
     "Document level allowance VAT category code (BT-95) is not \"Not subject to VAT\"."},
    {"BR-O-14", F, "/*",
     "not(" BREAKDOWN_CAT("O") ") or " NOT_O_IN("//cac:AllowanceCharge" CHARGE "/cac:TaxCategory"),
     "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) "
     "\"Not subject to VAT\" shall not contain Document level charges (BG-21) where Document "
     "level charge VAT category code (BT-102) is not \"Not subject to VAT\"."},

    /* S: standard rated (BR-S-01 counts categories whatever their scheme, as published) */
    R01_SOME("BR-S-", "S", "Standard rated", ""),
    R02_04("BR-S-", "S", "Standard rated", IDS_SELLER, NEEDS_SELLER),
    R05_07("BR-S-", "S", "Standard rated", RATE_POSITIVE, SAYS_POSITIVE),
    R08_PER_RATE("BR-S-", "S", "Standard rated", USED_AT_RATE("S")),
    R09_RATE("BR-S-", "S", "Standard rated"),
    R10_NONE("BR-S-", "S", "Standard rated"),

    /* Z: zero rated */
    R01_ONE("BR-Z-", "Z", "Zero rated"),
    R02_04("BR-Z-", "Z", "Zero rated", IDS_SELLER, NEEDS_SELLER),
    R05_07("BR-Z-", "Z", "Zero rated", RATE_ZERO, SAYS_ZERO),
    R08_EXACT("BR-Z-", "Z", "Zero rated"),
    R09_ZERO("BR-Z-", "Z", "Zero rated"),
    R10_NONE("BR-Z-", "Z", "Zero rated"),
};

const size_t owed__ubl_rules_vat_count = OWED_ARRAY_LEN(owed__ubl_rules_vat);
