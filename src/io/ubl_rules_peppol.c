/* A subset of the Peppol BIS Billing 3.0 rules (PEPPOL-EN16931-R*, PEPPOL-EN16931-F001,
 * PEPPOL-COMMON-R04x/R050): document level, allowances and charges, currencies, tax totals,
 * line amounts and periods, and the check digits of the identifier schemes (o:check, below).
 * They apply to Peppol documents only (ubl_rules.c runs them when the CustomizationID names
 * the Peppol billing specification, or when asked for one by name). See ubl_rules.h. */
#include <string.h>

#define OWED__UBL_RULES_TABLE
#include "io/ubl_rules.h"

#define PEPPOL_AC                                                                           \
    "/*/cac:AllowanceCharge | /*/cac:InvoiceLine/cac:AllowanceCharge | "                    \
    "/*/cac:CreditNoteLine/cac:AllowanceCharge"
#define PROFILE_TAIL "substring-after(normalize-space(cbc:ProfileID), 'urn:fdc:peppol.eu:2017:poacc:billing:')"
#define ID_SCHEME(s)                                                                        \
    "//cbc:EndpointID[@schemeID='" s "'] | //cac:PartyIdentification/cbc:ID[@schemeID='" s  \
    "'] | //cbc:CompanyID[@schemeID='" s "']"
#define DOC_CUR "/*/cbc:DocumentCurrencyCode"
#define TAX_CUR "/*/cbc:TaxCurrencyCode"
#define TAX_IN(cur) "cac:TaxTotal/cbc:TaxAmount[@currencyID = normalize-space(" cur ")]"
/* Line amounts (R120): quantity x price / base quantity + charges - allowances, within
 * 0.02; multiplied through by the base quantity (> 0) so that nothing is divided. */
#define LINE_QTY "o:dflt(cbc:InvoicedQuantity | cbc:CreditedQuantity, '1')"
#define LINE_BQ "o:dflt(cac:Price/cbc:BaseQuantity[o:ne(., '0')], '1')"
#define LINE_NET                                                                            \
    "o:add(o:sub(o:dflt(cbc:LineExtensionAmount, '0'), "                                    \
    "o:round2(o:sum(cac:AllowanceCharge[normalize-space(cbc:ChargeIndicator)='true']/cbc:Amount))), " \
    "o:round2(o:sum(cac:AllowanceCharge[normalize-space(cbc:ChargeIndicator)='false']/cbc:Amount)))"
#define LINE_GAP                                                                            \
    "o:abs(o:sub(o:mul(" LINE_NET ", " LINE_BQ "), o:mul(" LINE_QTY ", "                    \
    "o:dflt(cac:Price/cbc:PriceAmount, '0'))))"

const struct owed__ubl_rule owed__ubl_rules_peppol[] = {
    {"PEPPOL-EN16931-R001", F, "/*", "boolean(cbc:ProfileID)", "Business process MUST be provided."},
    {"PEPPOL-EN16931-R003", F, "/*", "boolean(cbc:BuyerReference or cac:OrderReference/cbc:ID)",
     "A buyer reference or purchase order reference MUST be provided."},
    {"PEPPOL-EN16931-R004", F, "/*",
     "starts-with(normalize-space(cbc:CustomizationID), "
     "'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0')",
     "Specification identifier MUST have the value "
     "'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0'."},
    {"PEPPOL-EN16931-R007", F, "/*",
     "string-length(substring(" PROFILE_TAIL ", 1, 2)) = 2 and "
     "translate(substring(" PROFILE_TAIL ", 1, 2), '0123456789', '') = '' and "
     "starts-with(substring(" PROFILE_TAIL ", 3), ':1') and substring(" PROFILE_TAIL ", 6, 1) = '0'",
     "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' "
     "where NN indicates the process number."},
    {"PEPPOL-EN16931-R010", F, "//cac:AccountingCustomerParty/cac:Party", "boolean(cbc:EndpointID)",
     "Buyer electronic address MUST be provided."},
    {"PEPPOL-EN16931-R020", F, "//cac:AccountingSupplierParty/cac:Party", "boolean(cbc:EndpointID)",
     "Seller electronic address MUST be provided."},
    {"PEPPOL-EN16931-R040", F, PEPPOL_AC,
     "not(cbc:MultiplierFactorNumeric and cbc:BaseAmount) or "
     "o:le(o:abs(o:sub(o:sum(cbc:Amount), o:mul(o:mul(cbc:BaseAmount, cbc:MultiplierFactorNumeric), "
     "'0.01'))), '0.02')",
     "Allowance/charge amount must equal base amount * percentage/100 if base amount and "
     "percentage exists."},
    {"PEPPOL-EN16931-R041", F, PEPPOL_AC, "not(cbc:MultiplierFactorNumeric and not(cbc:BaseAmount))",
     "Allowance/charge base amount MUST be provided when allowance/charge percentage is "
     "provided."},
    {"PEPPOL-EN16931-R042", F, PEPPOL_AC, "not(cbc:BaseAmount and not(cbc:MultiplierFactorNumeric))",
     "Allowance/charge percentage MUST be provided when allowance/charge base amount is "
     "provided."},
    {"PEPPOL-EN16931-R043", F, PEPPOL_AC,
     "normalize-space(cbc:ChargeIndicator) = 'true' or normalize-space(cbc:ChargeIndicator) = 'false'",
     "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'."},
    {"PEPPOL-EN16931-R044", F, "//cac:Price/cac:AllowanceCharge",
     "normalize-space(cbc:ChargeIndicator) = 'false'",
     "Charge on price level is NOT allowed. Only value 'false' allowed."},
    {"PEPPOL-EN16931-R046", F, "//cac:Price/cac:AllowanceCharge",
     "not(cbc:BaseAmount) or o:eq(../cbc:PriceAmount, o:sub(cbc:BaseAmount, cbc:Amount))",
     "Item net price MUST equal (Gross price - Allowance amount) when gross price is provided."},
    {"PEPPOL-EN16931-R051", F,
     "//cbc:Amount | //cbc:BaseAmount | //cbc:PriceAmount | //cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount | "
     "//cac:TaxSubtotal/cbc:TaxAmount | "
     "//cbc:TaxableAmount | //cbc:LineExtensionAmount | //cbc:TaxExclusiveAmount | "
     "//cbc:TaxInclusiveAmount | //cbc:AllowanceTotalAmount | //cbc:ChargeTotalAmount | "
     "//cbc:PrepaidAmount | //cbc:PayableRoundingAmount | //cbc:PayableAmount",
     "@currencyID = " DOC_CUR,
     "All currencyID attributes must have the same value as the invoice currency code (BT-5), "
     "except for the invoice total VAT amount in accounting currency (BT-111)."},
    {"PEPPOL-EN16931-R053", F, "/*", "count(cac:TaxTotal[cac:TaxSubtotal]) = 1",
     "Only one tax total with tax subtotals MUST be provided."},
    {"PEPPOL-EN16931-R054", F, "/*",
     "(cbc:TaxCurrencyCode and count(cac:TaxTotal[not(cac:TaxSubtotal)]) = 1) or "
     "(not(cbc:TaxCurrencyCode) and count(cac:TaxTotal[not(cac:TaxSubtotal)]) = 0)",
     "Only one tax total without tax subtotals MUST be provided when tax currency code is "
     "provided."},
    {"PEPPOL-EN16931-R055", F, "/*",
     "not(cbc:TaxCurrencyCode) or (o:le(" TAX_IN(TAX_CUR) ", '0') and o:le(" TAX_IN(DOC_CUR)
     ", '0')) or (o:ge(" TAX_IN(TAX_CUR) ", '0') and o:ge(" TAX_IN(DOC_CUR) ", '0'))",
     "Invoice total VAT amount and Invoice total VAT amount in accounting currency MUST have "
     "the same operational sign."},
    {"PEPPOL-EN16931-R061", F,
     "//cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode)='49' or "
     "normalize-space(cbc:PaymentMeansCode)='59']",
     "boolean(cac:PaymentMandate/cbc:ID)", "Mandate reference MUST be provided for direct debit."},
    {"PEPPOL-EN16931-R100", F, LINES, "count(cac:DocumentReference) <= 1",
     "Only one invoiced object is allowed pr line."},
    {"PEPPOL-EN16931-R101", F, LINES,
     "not(cac:DocumentReference) or cac:DocumentReference/cbc:DocumentTypeCode = '130'",
     "Element Document reference can only be used for Invoice line object."},
    {"PEPPOL-EN16931-R110", F,
     "/*[cac:InvoicePeriod/cbc:StartDate]/cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate | "
     "/*[cac:InvoicePeriod/cbc:StartDate]/cac:CreditNoteLine/cac:InvoicePeriod/cbc:StartDate",
     "o:date-le(/*/cac:InvoicePeriod/cbc:StartDate, .)",
     "Start date of line period MUST be within invoice period."},
    {"PEPPOL-EN16931-R111", F,
     "/*[cac:InvoicePeriod/cbc:EndDate]/cac:InvoiceLine/cac:InvoicePeriod/cbc:EndDate | "
     "/*[cac:InvoicePeriod/cbc:EndDate]/cac:CreditNoteLine/cac:InvoicePeriod/cbc:EndDate",
     "o:date-le(., /*/cac:InvoicePeriod/cbc:EndDate)",
     "End date of line period MUST be within invoice period."},
    {"PEPPOL-EN16931-R120", F, LINES, "o:le(" LINE_GAP ", o:mul('0.02', " LINE_BQ "))",
     "Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base "
     "quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount."},
    {"PEPPOL-EN16931-R121", F, LINES,
     "not(cac:Price/cbc:BaseQuantity) or o:gt(cac:Price/cbc:BaseQuantity, '0')",
     "Base quantity MUST be a positive number above zero."},
    {"PEPPOL-EN16931-R130", F, "//cac:Price/cbc:BaseQuantity[@unitCode]",
     "not(../../cbc:InvoicedQuantity or ../../cbc:CreditedQuantity) or "
     "@unitCode = ../../cbc:InvoicedQuantity/@unitCode or "
     "@unitCode = ../../cbc:CreditedQuantity/@unitCode",
     "Unit code of price base quantity MUST be same as invoiced quantity."},
    {"PEPPOL-EN16931-F001", F,
     "//cbc:IssueDate | //cbc:DueDate | //cbc:TaxPointDate | //cbc:StartDate | //cbc:EndDate | "
     "//cbc:ActualDeliveryDate",
     "string-length(normalize-space(.)) = 10 and o:date-le(., '9999-12-31')",
     "A date MUST be formatted YYYY-MM-DD."},
    {"PEPPOL-COMMON-R040", F, ID_SCHEME("0088"), "o:check(., 'gln')",
     "GLN must have a valid format according to GS1 rules."},
    {"PEPPOL-COMMON-R043", F, ID_SCHEME("0208"), "o:check(., 'be0208')",
     "Belgian enterprise number MUST be stated in the correct format."},
    {"PEPPOL-COMMON-R044", W, ID_SCHEME("0201"), "o:check(., 'ipa')",
     "IPA Code (Codice Univoco Unita Organizzativa) must be stated in the correct format."},
    {"PEPPOL-COMMON-R045", W, ID_SCHEME("0210"), "o:check(., 'cf')",
     "Tax Code (Codice Fiscale) must be stated in the correct format."},
    {"PEPPOL-COMMON-R046", W, "//cbc:EndpointID[@schemeID='9907']", "o:check(., 'cf')",
     "Tax Code (Codice Fiscale) must be stated in the correct format."},
    {"PEPPOL-COMMON-R047", W, ID_SCHEME("0211"), "o:check(., 'piva')",
     "Italian VAT Code (Partita Iva) must be stated in the correct format."},
    {"PEPPOL-COMMON-R050", F, ID_SCHEME("0151"), "o:check(., 'abn')",
     "Australian Business Number (ABN) MUST be stated in the correct format."},
};

const size_t owed__ubl_rules_peppol_count = OWED_ARRAY_LEN(owed__ubl_rules_peppol);

/* --- check digits --------------------------------------------------------------------- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return n > 0;
}

static bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* GS1: weights 3, 1, 3, ... from the digit left of the check digit. */
static bool gln(const char *v, size_t n)
{
    if (n < 2 || !all_digits(v, n)) return false;
    int sum = 0;
    for (size_t i = 0; i + 1 < n; i++) sum += (v[n - 2 - i] - '0') * (i % 2 == 0 ? 3 : 1);
    return (10 - sum % 10) % 10 == v[n - 1] - '0';
}

/* Belgian enterprise number: 97 - (first eight digits mod 97) is the last two. */
static bool be0208(const char *v, size_t n)
{
    if (n != 10 || !all_digits(v, n)) return false;
    long first = 0;
    for (int i = 0; i < 8; i++) first = first * 10 + (v[i] - '0');
    return 97 - first % 97 == (v[8] - '0') * 10 + (v[9] - '0');
}

/* ABN: (first digit - 1) x 10 + the others weighted 1, 3, 5, ... 19, divisible by 89. */
static bool abn(const char *v, size_t n)
{
    if (n != 11 || !all_digits(v, n)) return false;
    int sum = (v[0] - '0' - 1) * 10;
    for (int i = 1; i < 11; i++) sum += (v[i] - '0') * (2 * i - 1);
    return sum % 89 == 0;
}

static bool ipa(const char *v, size_t n)
{
    if (n != 6) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_letter(v[i]) && !(v[i] >= '0' && v[i] <= '9')) return false;
    return true;
}

/* Codice fiscale: eleven digits, or the sixteen-character personal form. */
static bool cf(const char *v, size_t n)
{
    if (n == 11) return all_digits(v, n);
    if (n != 16) return false;
    for (int i = 0; i < 6; i++)
        if (!is_letter(v[i])) return false;
    return all_digits(v + 6, 2) && is_letter(v[8]) && all_digits(v + 9, 2) &&
           all_digits(v + 14, 1) && is_letter(v[15]);
}

/* Partita IVA: only "IT" numbers are checked: eleven digits, Luhn-style sum. */
static bool piva(const char *v, size_t n)
{
    if (n < 2 || !((v[0] == 'I' && v[1] == 'T') || (v[0] == 'i' && v[1] == 't'))) return true;
    v += 2;
    n -= 2;
    if (n != 11 || !all_digits(v, n)) return false;
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = v[i] - '0';
        sum += i % 2 == 0 ? d : "0246813579"[d] - '0';
    }
    return sum % 10 == 0;
}

bool owed__ubl_id_valid(const char *kind, const char *value)
{
    static const struct {
        const char *kind;
        bool (*ok)(const char *, size_t);
    } checks[] = {{"gln", gln}, {"be0208", be0208}, {"abn", abn},
                  {"ipa", ipa}, {"cf", cf},         {"piva", piva}};
    for (size_t i = 0; i < OWED_ARRAY_LEN(checks); i++)
        if (strcmp(kind, checks[i].kind) == 0) return checks[i].ok(value, strlen(value));
    OWED_UNREACHABLE("unknown identifier check");
}
