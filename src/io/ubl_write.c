/* UBL 2.1 export of an owed_doc (see ubl.h for the mapping).
 *
 * xmlTextWriter writes into a libxml2 buffer, which is copied to the caller's owed_buf at
 * the end. Elements come in the order the UBL 2.1 XSD sequences require; Invoice and
 * CreditNote differ only where the schema makes them (DueDate, the line and quantity
 * names). Text is checked before it is written: XML 1.0 carries neither invalid UTF-8 nor
 * most control characters, and a writer that let them through would produce a file that
 * no one can read back. */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "io/ubl.h"

#include "base.h"

#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CREDIT "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
#define NS_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

struct writer {
    xmlTextWriter *w;
    const struct owed_doc *d;
    int exponent;
    bool credit;
    int rc;               /* first failure, sticky */
    struct owed_buf *err;
};

static void fail(struct writer *x, int rc, const char *field, const char *why)
{
    if (x->rc) return;
    x->rc = rc;
    owed_buf_addf(x->err, "%s: %s", field, why);
}

/* XML 1.0 Char: tab, LF, CR and everything from U+0020 on (libxml2 checks the UTF-8). */
static bool xml_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') return false;
    return xmlCheckUTF8((const xmlChar *)s) != 0;
}

static void start(struct writer *x, const char *name)
{
    if (!x->rc && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
        fail(x, OWED_E_INVALID, name, "the XML writer failed");
}

static void end(struct writer *x)
{
    if (!x->rc && xmlTextWriterEndElement(x->w) < 0)
        fail(x, OWED_E_INVALID, "document", "the XML writer failed");
}

static void attr(struct writer *x, const char *name, const char *value, const char *field)
{
    if (x->rc) return;
    if (!xml_text_ok(value)) {
        fail(x, OWED_E_INVALID, field, "not valid UTF-8 text");
        return;
    }
    if (xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) < 0)
        fail(x, OWED_E_INVALID, field, "the XML writer failed");
}

/* <name>value</name>; field names the model field in error messages. */
static void text(struct writer *x, const char *name, const char *value, const char *field)
{
    if (x->rc) return;
    if (!xml_text_ok(value)) {
        fail(x, OWED_E_INVALID, field, "not valid UTF-8 text");
        return;
    }
    start(x, name);
    if (!x->rc && xmlTextWriterWriteString(x->w, BAD_CAST value) < 0)
        fail(x, OWED_E_INVALID, field, "the XML writer failed");
    end(x);
}

/* text() only when value is set. */
static void opt_text(struct writer *x, const char *name, const char *value, const char *field)
{
    if (value[0]) text(x, name, value, field);
}

static void text_attr(struct writer *x, const char *name, const char *value,
                      const char *attr_name, const char *attr_value, const char *field)
{
    if (x->rc) return;
    if (!xml_text_ok(value)) {
        fail(x, OWED_E_INVALID, field, "not valid UTF-8 text");
        return;
    }
    start(x, name);
    if (attr_value[0]) attr(x, attr_name, attr_value, field);
    if (!x->rc && xmlTextWriterWriteString(x->w, BAD_CAST value) < 0)
        fail(x, OWED_E_INVALID, field, "the XML writer failed");
    end(x);
}

/* A fixed-point number with `scale` decimals, trailing fraction zeros dropped down to
 * `keep` decimals: quantities (3, 0), prices (exponent + 4, exponent), rates (2, 0). */
static void fixed(char out[OWED__AMOUNT_MAX], int64_t v, int scale, int keep)
{
    size_t n = owed__amount_write(out, v, scale, false);
    int dropped = 0;
    while (dropped < scale - keep && out[n - 1] == '0') {
        n--;
        dropped++;
    }
    if (out[n - 1] == '.') n--;
    out[n] = '\0';
}

static void amount(struct writer *x, const char *name, int64_t minor)
{
    char s[OWED__AMOUNT_MAX];
    s[owed__amount_write(s, minor, x->exponent, false)] = '\0';
    text_attr(x, name, s, "currencyID", x->d->currency, name);
}

static void date(struct writer *x, const char *name, owed_date day)
{
    char s[11];
    owed_date_format(day, s);
    text(x, name, s, name);
}

static void tax_scheme(struct writer *x)
{
    start(x, "cac:TaxScheme");
    text(x, "cbc:ID", "VAT", "tax scheme");
    end(x);
}

/* cac:TaxCategory / cac:ClassifiedTaxCategory: Peppol wants no Percent on category O. */
static void tax_category(struct writer *x, const char *el, const char *cat, int32_t rate_e2,
                         const char *exemption, const char *field)
{
    start(x, el);
    text(x, "cbc:ID", cat, field);
    if (strcmp(cat, "O") != 0) {
        char s[OWED__AMOUNT_MAX];
        fixed(s, rate_e2, 2, 0);
        text(x, "cbc:Percent", s, field);
    }
    if (exemption) opt_text(x, "cbc:TaxExemptionReason", exemption, field);
    tax_scheme(x);
    end(x);
}

static bool address_set(const struct owed_party *p)
{
    return p->street[0] || p->street2[0] || p->city[0] || p->postcode[0] || p->country[0];
}

static void party(struct writer *x, const char *el, const struct owed_party *p,
                  const char *who)
{
    char f[64];
#define F(name) (snprintf(f, sizeof f, "%s.%s", who, name), f)
    start(x, el);
    start(x, "cac:Party");
    if (p->endpoint_id[0] || p->endpoint_scheme[0])
        text_attr(x, "cbc:EndpointID", p->endpoint_id, "schemeID", p->endpoint_scheme,
                  F("endpoint_id"));
    if (p->trading_name[0]) {
        start(x, "cac:PartyName");
        text(x, "cbc:Name", p->trading_name, F("trading_name"));
        end(x);
    }
    if (address_set(p)) {
        start(x, "cac:PostalAddress");
        opt_text(x, "cbc:StreetName", p->street, F("street"));
        opt_text(x, "cbc:AdditionalStreetName", p->street2, F("street2"));
        opt_text(x, "cbc:CityName", p->city, F("city"));
        opt_text(x, "cbc:PostalZone", p->postcode, F("postcode"));
        if (p->country[0]) {
            start(x, "cac:Country");
            text(x, "cbc:IdentificationCode", p->country, F("country"));
            end(x);
        }
        end(x);
    }
    if (p->vat_id[0]) {
        start(x, "cac:PartyTaxScheme");
        text(x, "cbc:CompanyID", p->vat_id, F("vat_id"));
        tax_scheme(x);
        end(x);
    }
    if (p->name[0] || p->legal_id[0]) {
        start(x, "cac:PartyLegalEntity");
        opt_text(x, "cbc:RegistrationName", p->name, F("name"));
        opt_text(x, "cbc:CompanyID", p->legal_id, F("legal_id"));
        end(x);
    }
    if (p->contact_email[0]) {
        start(x, "cac:Contact");
        text(x, "cbc:ElectronicMail", p->contact_email, F("contact_email"));
        end(x);
    }
#undef F
    end(x);
    end(x);
}

static void payment(struct writer *x)
{
    const struct owed_doc *d = x->d;
    bool account = d->iban[0] || d->bic[0] || d->account_name[0];
    bool due_here = x->credit && d->due_date != 0;
    if (d->payment_means[0] || d->payment_id[0] || account || due_here) {
        start(x, "cac:PaymentMeans");
        text(x, "cbc:PaymentMeansCode", d->payment_means[0] ? d->payment_means : "1",
             "payment_means");
        if (due_here) date(x, "cbc:PaymentDueDate", d->due_date);
        opt_text(x, "cbc:PaymentID", d->payment_id, "payment_id");
        if (account) {
            start(x, "cac:PayeeFinancialAccount");
            opt_text(x, "cbc:ID", d->iban, "iban");
            opt_text(x, "cbc:Name", d->account_name, "account_name");
            if (d->bic[0]) {
                start(x, "cac:FinancialInstitutionBranch");
                text(x, "cbc:ID", d->bic, "bic");
                end(x);
            }
            end(x);
        }
        end(x);
    }
    if (d->payment_terms[0]) {
        start(x, "cac:PaymentTerms");
        text(x, "cbc:Note", d->payment_terms, "payment_terms");
        end(x);
    }
}

static void adjustments(struct writer *x)
{
    for (size_t i = 0; i < x->d->n_adjust; i++) {
        const struct owed_doc_adjust *a = &x->d->adjust[i];
        start(x, "cac:AllowanceCharge");
        text(x, "cbc:ChargeIndicator", a->charge ? "true" : "false", "adjust.charge");
        opt_text(x, "cbc:AllowanceChargeReason", a->reason, "adjust.reason");
        amount(x, "cbc:Amount", a->amount_minor);
        tax_category(x, "cac:TaxCategory", a->tax_category, a->tax_rate_e2, NULL,
                     "adjust.tax_category");
        end(x);
    }
}

static void tax_total(struct writer *x)
{
    start(x, "cac:TaxTotal");
    amount(x, "cbc:TaxAmount", x->d->totals.tax);
    for (size_t i = 0; i < x->d->n_tax && i < OWED_DOC_MAX_TAX; i++) {
        const struct owed_doc_tax *t = &x->d->tax[i];
        start(x, "cac:TaxSubtotal");
        amount(x, "cbc:TaxableAmount", t->taxable_minor);
        amount(x, "cbc:TaxAmount", t->tax_minor);
        tax_category(x, "cac:TaxCategory", t->category, t->rate_e2, t->exemption_reason,
                     "tax.category");
        end(x);
    }
    end(x);
}

static bool has_adjust(const struct owed_doc *d, bool charge)
{
    for (size_t i = 0; i < d->n_adjust; i++)
        if (d->adjust[i].charge == charge) return true;
    return false;
}

static void monetary_total(struct writer *x)
{
    const struct owed_doc_totals *t = &x->d->totals;
    start(x, "cac:LegalMonetaryTotal");
    amount(x, "cbc:LineExtensionAmount", t->line_net);
    amount(x, "cbc:TaxExclusiveAmount", t->tax_exclusive);
    amount(x, "cbc:TaxInclusiveAmount", t->tax_inclusive);
    if (t->allowances || has_adjust(x->d, false))
        amount(x, "cbc:AllowanceTotalAmount", t->allowances);
    if (t->charges || has_adjust(x->d, true)) amount(x, "cbc:ChargeTotalAmount", t->charges);
    if (t->prepaid) amount(x, "cbc:PrepaidAmount", t->prepaid);
    if (t->rounding) amount(x, "cbc:PayableRoundingAmount", t->rounding);
    amount(x, "cbc:PayableAmount", t->payable);
    end(x);
}

/* A line allowance or charge; Peppol wants a reason (BR-41, BR-42), the model keeps none. */
static void line_adjust(struct writer *x, bool charge, int64_t minor)
{
    start(x, "cac:AllowanceCharge");
    text(x, "cbc:ChargeIndicator", charge ? "true" : "false", "line.charge");
    text(x, "cbc:AllowanceChargeReason", charge ? "Charge" : "Discount", "line.charge");
    amount(x, "cbc:Amount", minor);
    end(x);
}

static void line(struct writer *x, const struct owed_doc_line *l)
{
    char s[OWED__AMOUNT_MAX];
    start(x, x->credit ? "cac:CreditNoteLine" : "cac:InvoiceLine");
    text(x, "cbc:ID", l->id, "line.id");
    fixed(s, l->qty_e3, 3, 0);
    text_attr(x, x->credit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity", s, "unitCode",
              l->unit, "line.unit");
    amount(x, "cbc:LineExtensionAmount", l->net_minor);
    if (l->discount_minor) line_adjust(x, false, l->discount_minor);
    if (l->charge_minor) line_adjust(x, true, l->charge_minor);
    start(x, "cac:Item");
    opt_text(x, "cbc:Description", l->description, "line.description");
    text(x, "cbc:Name", l->name, "line.name");
    tax_category(x, "cac:ClassifiedTaxCategory", l->tax_category, l->tax_rate_e2, NULL,
                 "line.tax_category");
    end(x);
    start(x, "cac:Price");
    fixed(s, l->price_e4, x->exponent + 4, x->exponent);
    text_attr(x, "cbc:PriceAmount", s, "currencyID", x->d->currency, "line.price");
    end(x);
    end(x);
}

static void header(struct writer *x)
{
    const struct owed_doc *d = x->d;
    text(x, "cbc:CustomizationID", OWED_UBL_CUSTOMIZATION_ID, "customization");
    text(x, "cbc:ProfileID", OWED_UBL_PROFILE_ID, "profile");
    text(x, "cbc:ID", d->number, "number");
    date(x, "cbc:IssueDate", d->issue_date);
    if (!x->credit && d->due_date != 0) date(x, "cbc:DueDate", d->due_date);
    text(x, x->credit ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode",
         x->credit ? "381" : "380", "type");
    opt_text(x, "cbc:Note", d->note, "note");
    text(x, "cbc:DocumentCurrencyCode", d->currency, "currency");
    opt_text(x, "cbc:BuyerReference", d->buyer_reference, "buyer_reference");
    if (d->order_reference[0]) {
        start(x, "cac:OrderReference");
        text(x, "cbc:ID", d->order_reference, "order_reference");
        end(x);
    }
    if (d->preceding_number[0]) {
        start(x, "cac:BillingReference");
        start(x, "cac:InvoiceDocumentReference");
        text(x, "cbc:ID", d->preceding_number, "preceding_number");
        end(x);
        end(x);
    }
}

static void document(struct writer *x)
{
    const char *root = x->credit ? "CreditNote" : "Invoice";
    if (xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0) {
        fail(x, OWED_E_INVALID, "document", "the XML writer failed");
        return;
    }
    start(x, root);
    attr(x, "xmlns", x->credit ? NS_CREDIT : NS_INVOICE, "document");
    attr(x, "xmlns:cac", NS_CAC, "document");
    attr(x, "xmlns:cbc", NS_CBC, "document");
    header(x);
    party(x, "cac:AccountingSupplierParty", &x->d->seller, "seller");
    party(x, "cac:AccountingCustomerParty", &x->d->buyer, "buyer");
    payment(x);
    adjustments(x);
    tax_total(x);
    monetary_total(x);
    for (size_t i = 0; i < x->d->n_lines; i++) line(x, &x->d->lines[i]);
    end(x);
    if (!x->rc && xmlTextWriterEndDocument(x->w) < 0)
        fail(x, OWED_E_INVALID, "document", "the XML writer failed");
}

int owed_ubl_write(const struct owed_doc *d, int exponent, struct owed_buf *out,
                   struct owed_buf *err)
{
    OWED_ASSERT(d != NULL && out != NULL);
    OWED_ASSERT(d->n_lines == 0 || d->lines != NULL);
    OWED_ASSERT(d->n_adjust == 0 || d->adjust != NULL);
    if (d->type != OWED_DOC_INVOICE && d->type != OWED_DOC_CREDIT_NOTE) {
        owed_buf_addf(err, "type: %d is neither 380 (invoice) nor 381 (credit note)",
                      (int)d->type);
        return OWED_E_INVALID;
    }
    if (exponent < 0 || exponent > 4) {
        owed_buf_addf(err, "currency: exponent %d is outside 0..4", exponent);
        return OWED_E_INVALID;
    }
    if (d->n_tax > OWED_DOC_MAX_TAX) {
        owed_buf_addf(err, "tax: more than %d VAT groups", OWED_DOC_MAX_TAX);
        return OWED_E_INVALID;
    }
    xmlBuffer *buf = xmlBufferCreate();
    OWED_ASSERT(buf != NULL);
    xmlTextWriter *w = xmlNewTextWriterMemory(buf, 0);
    OWED_ASSERT(w != NULL);
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, BAD_CAST "  ");
    struct writer x = {.w = w, .d = d, .exponent = exponent,
                       .credit = d->type == OWED_DOC_CREDIT_NOTE, .err = err};
    document(&x);
    xmlFreeTextWriter(w); /* flushes into buf */
    if (!x.rc) {
        owed_buf_add(out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
        if (owed_buf_err(out)) {
            owed_buf_addf(err, "document: %d bytes exceed the output buffer's limit",
                          xmlBufferLength(buf));
            x.rc = OWED_E_TOO_LARGE;
        }
    }
    xmlBufferFree(buf);
    return x.rc;
}
