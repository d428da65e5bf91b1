/* UBL 2.1 import into an owed_doc (see ubl.h for the mapping).
 *
 * libxml2 builds the tree with no network, no entity substitution and no DTD loading, and
 * a document with a DOCTYPE is refused outright, so nothing outside the input is ever read
 * and no entity can expand. Elements are matched by namespace and local name, so any
 * prefixes work; messages name them with the usual cac:/cbc: prefixes, as a path from the
 * root: "cac:InvoiceLine[2]/cac:Price/cbc:PriceAmount: ... (line 88)". Repeated elements
 * are found with XPath, single ones by walking the children.
 *
 * Numbers are parsed straight into integers: amounts at the currency's exponent, unit
 * prices at exponent + 4, quantities at 3 decimals, VAT rates at 2 (trailing zeros of a
 * rate are ignored: "25.000" is 25 %). More decimals than that are refused, not rounded. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "io/ubl.h"

#include "base.h"

#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CREDIT "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
#define NS_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

struct span {
    const char *p;
    size_t n;
};

struct reader {
    struct owed_buf *err;
    char path[512]; /* "cac:InvoiceLine[2]/cac:Item" */
    size_t pathlen;
    struct owed_buf scratch; /* text of the last element asked for */
    xmlXPathContext *xp;
    struct owed_doc *d;
    bool credit;
    int exponent;
    char tax_currency[4]; /* cbc:TaxCurrencyCode, "" when absent */
};

/* --- tree helpers ------------------------------------------------------------------- */

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

/* First child element "cac:Name" or "cbc:Name" (the prefix picks the namespace). */
static xmlNode *child(xmlNode *p, const char *qname)
{
    const char *ns = strncmp(qname, "cac:", 4) == 0 ? NS_CAC : NS_CBC;
    for (xmlNode *k = p ? p->children : NULL; k; k = k->next)
        if (is_el(k, ns, qname + 4)) return k;
    return NULL;
}

/* child() along a path "cac:A/cac:B/cbc:C". */
static xmlNode *find(xmlNode *p, const char *qpath)
{
    char name[64];
    while (p && *qpath) {
        const char *slash = strchr(qpath, '/');
        size_t n = slash ? (size_t)(slash - qpath) : strlen(qpath);
        OWED_ASSERT(n < sizeof(name));
        memcpy(name, qpath, n);
        name[n] = '\0';
        p = child(p, name);
        qpath += n + (slash ? 1 : 0);
    }
    return p;
}

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static struct span trim(const char *p, size_t n)
{
    while (n && is_xml_space(*p)) p++, n--;
    while (n && is_xml_space(p[n - 1])) n--;
    return (struct span){p, n};
}

/* The trimmed text of n (its descendants' text, CDATA included); empty for NULL. Valid
 * until the next call. */
static struct span value(struct reader *r, xmlNode *n)
{
    owed_buf_reset(&r->scratch);
    if (!n) return (struct span){"", 0};
    xmlChar *c = xmlNodeGetContent(n);
    if (c) owed_buf_adds(&r->scratch, (const char *)c);
    xmlFree(c);
    return trim(r->scratch.ptr, r->scratch.len);
}

/* The trimmed attribute `name` of n, copied into out[cap]; "" when absent. */
static struct span attribute(xmlNode *n, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    xmlChar *a = n ? xmlGetProp(n, BAD_CAST name) : NULL;
    if (a) {
        snprintf(out, cap, "%s", (const char *)a);
        xmlFree(a);
    }
    struct span s = trim(out, strlen(out));
    memmove(out, s.p, s.n);
    out[s.n] = '\0';
    return (struct span){out, s.n};
}

/* --- errors and the path ------------------------------------------------------------ */

static size_t path_push(struct reader *r, const char *qname, size_t index)
{
    size_t old = r->pathlen;
    int n = index ? snprintf(r->path + old, sizeof(r->path) - old, "%s%s[%zu]",
                             old ? "/" : "", qname, index)
                  : snprintf(r->path + old, sizeof(r->path) - old, "%s%s", old ? "/" : "",
                             qname);
    if (n > 0) r->pathlen = old + (size_t)n < sizeof(r->path) ? old + (size_t)n : old;
    r->path[r->pathlen] = '\0';
    return old;
}

static void path_pop(struct reader *r, size_t old)
{
    r->pathlen = old;
    r->path[old] = '\0';
}

/* "PATH/leaf: reason (line N)"; leaf may be NULL. Returns rc. */
OWED_PRINTF(5, 6)
static int fail(struct reader *r, int rc, xmlNode *at, const char *leaf, const char *fmt, ...)
{
    if (!r->err) return rc;
    owed_buf_addf(r->err, "%s%s%s: ", r->path, r->pathlen && leaf ? "/" : "", leaf ? leaf : "");
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(r->err, fmt, ap);
    va_end(ap);
    if (at) owed_buf_addf(r->err, " (line %ld)", xmlGetLineNo(at));
    return rc;
}

#define QUOTE_FMT "\"%.*s\""
#define QUOTE_ARGS(s) (int)((s).n > 40 ? 40 : (s).n), (s).p

static int missing(struct reader *r, xmlNode *parent, const char *leaf)
{
    return fail(r, OWED_E_INVALID, parent, leaf, "missing");
}

/* --- values ------------------------------------------------------------------------- */

/* Copies the text of parent/qpath into dst[cap]. Absent: "" (or an error if required). */
static int get_text(struct reader *r, xmlNode *parent, const char *qpath, bool required,
                    char *dst, size_t cap)
{
    xmlNode *n = find(parent, qpath);
    if (!n) return required ? missing(r, parent, qpath) : OWED_OK;
    struct span s = value(r, n);
    if (s.n >= cap)
        return fail(r, OWED_E_INVALID, n, qpath, "%zu bytes, longer than the %zu owed keeps",
                    s.n, cap - 1);
    memcpy(dst, s.p, s.n);
    dst[s.n] = '\0';
    return OWED_OK;
}

/* Joins the texts of the nodes XPath `expr` selects under p with "\n", skipping empty
 * ones, into dst[cap]. */
static int join_texts(struct reader *r, xmlNode *p, const char *expr, char *dst, size_t cap)
{
    xmlXPathObject *o = xmlXPathNodeEval(p, BAD_CAST expr, r->xp);
    OWED_ASSERT(o != NULL);
    int rc = OWED_OK;
    size_t len = 0;
    dst[0] = '\0';
    for (int i = 0; o->nodesetval && i < o->nodesetval->nodeNr && !rc; i++) {
        xmlNode *n = o->nodesetval->nodeTab[i];
        struct span s = value(r, n);
        if (!s.n) continue;
        size_t need = len + (len ? 1 : 0) + s.n;
        if (need >= cap) {
            rc = fail(r, OWED_E_INVALID, n, expr, "%zu bytes in all, longer than the %zu owed "
                      "keeps", need, cap - 1);
            break;
        }
        if (len) dst[len++] = '\n';
        memcpy(dst + len, s.p, s.n);
        len += s.n;
        dst[len] = '\0';
    }
    xmlXPathFreeObject(o);
    return rc;
}

/* Parses an xs:decimal into an integer with `scale` decimals. */
static int decimal(struct reader *r, xmlNode *n, const char *leaf, int scale, bool drop_zeros,
                   const char *what, int64_t *out)
{
    struct span s = value(r, n);
    size_t i = (s.n && (s.p[0] == '-' || s.p[0] == '+')) ? 1 : 0, ints = 0, fracs = 0;
    bool dot = false;
    for (; i < s.n; i++) {
        if (s.p[i] == '.' && !dot) {
            dot = true;
        } else if (s.p[i] >= '0' && s.p[i] <= '9') {
            dot ? fracs++ : ints++;
        } else {
            break;
        }
    }
    if (i < s.n || ints == 0 || (dot && fracs == 0))
        return fail(r, OWED_E_INVALID, n, leaf, "not a decimal %s: " QUOTE_FMT, what,
                    QUOTE_ARGS(s));
    if (drop_zeros)
        while (fracs > (size_t)scale && s.p[s.n - 1] == '0') s.n--, fracs--;
    if (fracs > (size_t)scale)
        return fail(r, OWED_E_INVALID, n, leaf, "%s " QUOTE_FMT " has more than %d decimals",
                    what, QUOTE_ARGS(s), scale);
    int rc = owed_amount_parse(s.p, s.n, scale, out);
    if (rc == OWED_E_OVERFLOW)
        return fail(r, OWED_E_OVERFLOW, n, leaf, "%s out of range: " QUOTE_FMT, what,
                    QUOTE_ARGS(s));
    if (rc) return fail(r, OWED_E_INVALID, n, leaf, "not a decimal %s: " QUOTE_FMT, what,
                        QUOTE_ARGS(s));
    return OWED_OK;
}

/* An amount element: currencyID must be the document's, decimals the currency's. */
static int amount_at(struct reader *r, xmlNode *n, const char *leaf, int scale,
                     const char *what, int64_t *out)
{
    char cur[16];
    attribute(n, "currencyID", cur, sizeof(cur));
    if (cur[0] && strcmp(cur, r->d->currency) != 0)
        return fail(r, OWED_E_CURRENCY, n, leaf, "currencyID %s is not the document currency %s",
                    cur, r->d->currency);
    return decimal(r, n, leaf, scale, false, what, out);
}

static int get_amount(struct reader *r, xmlNode *parent, const char *qpath, bool required,
                      int64_t *out)
{
    xmlNode *n = find(parent, qpath);
    *out = 0;
    if (!n) return required ? missing(r, parent, qpath) : OWED_OK;
    return amount_at(r, n, qpath, r->exponent, "amount", out);
}

static int get_date(struct reader *r, xmlNode *parent, const char *qpath, bool required,
                    owed_date *out)
{
    xmlNode *n = find(parent, qpath);
    if (!n) return required ? missing(r, parent, qpath) : OWED_OK;
    struct span s = value(r, n);
    if (owed_date_parse(s.p, s.n, out))
        return fail(r, OWED_E_INVALID, n, qpath, "not a date (YYYY-MM-DD): " QUOTE_FMT,
                    QUOTE_ARGS(s));
    return OWED_OK;
}

static int get_bool(struct reader *r, xmlNode *parent, const char *qpath, bool *out)
{
    xmlNode *n = find(parent, qpath);
    if (!n) return missing(r, parent, qpath);
    struct span s = value(r, n);
    if ((s.n == 4 && memcmp(s.p, "true", 4) == 0) || (s.n == 1 && s.p[0] == '1')) {
        *out = true;
    } else if ((s.n == 5 && memcmp(s.p, "false", 5) == 0) || (s.n == 1 && s.p[0] == '0')) {
        *out = false;
    } else {
        return fail(r, OWED_E_INVALID, n, qpath, "not true or false: " QUOTE_FMT,
                    QUOTE_ARGS(s));
    }
    return OWED_OK;
}

/* cac:TaxCategory or cac:ClassifiedTaxCategory: ID and Percent (absent: 0). */
static int tax_category(struct reader *r, xmlNode *parent, const char *qname, char cat[3],
                        int32_t *rate_e2)
{
    xmlNode *tc = child(parent, qname);
    if (!tc) return missing(r, parent, qname);
    size_t old = path_push(r, qname, 0);
    int rc = get_text(r, tc, "cbc:ID", true, cat, 3);
    if (!rc && !owed_tax_category_valid(cat))
        rc = fail(r, OWED_E_INVALID, child(tc, "cbc:ID"), "cbc:ID",
                  "\"%s\" is not a VAT category code (S, Z, E, AE, K, G, O, L, M)", cat);
    xmlNode *pc = child(tc, "cbc:Percent");
    if (!pc && strcmp(qname, "cac:TaxCategory") == 0) pc = child(parent, "cbc:Percent");
    int64_t rate = 0;
    if (!rc && pc) rc = decimal(r, pc, "cbc:Percent", 2, true, "percentage", &rate);
    if (!rc && (rate < 0 || rate > 10000))
        rc = fail(r, OWED_E_INVALID, pc, "cbc:Percent", "not between 0 and 100");
    *rate_e2 = (int32_t)rate;
    path_pop(r, old);
    return rc;
}

/* The nodes XPath `expr` selects under p; free with xmlXPathFreeObject. */
static xmlXPathObject *select_nodes(struct reader *r, xmlNode *p, const char *expr,
                                    int *count)
{
    xmlXPathObject *o = xmlXPathNodeEval(p, BAD_CAST expr, r->xp);
    OWED_ASSERT(o != NULL);
    *count = o->nodesetval ? o->nodesetval->nodeNr : 0;
    return o;
}

/* --- the document ------------------------------------------------------------------- */

static int read_party(struct reader *r, xmlNode *root, const char *qname,
                      struct owed_party *p)
{
    xmlNode *party = find(child(root, qname), "cac:Party");
    if (!party) return OWED_OK;
    size_t old = path_push(r, qname, 0);
    path_push(r, "cac:Party", 0);
    char reg[OWED_DOC_TEXT_MAX + 1] = "", trading[OWED_DOC_TEXT_MAX + 1] = "";
    xmlNode *ep = child(party, "cbc:EndpointID");
    int rc = get_text(r, party, "cac:PartyLegalEntity/cbc:RegistrationName", false, reg,
                      sizeof(reg));
    if (!rc) rc = get_text(r, party, "cac:PartyName/cbc:Name", false, trading, sizeof(trading));
    if (!rc && reg[0]) {
        memcpy(p->name, reg, sizeof(p->name));
        memcpy(p->trading_name, trading, sizeof(p->trading_name));
    } else if (!rc) {
        memcpy(p->name, trading, sizeof(p->name));
    }
    if (!rc) rc = get_text(r, party, "cbc:EndpointID", false, p->endpoint_id,
                           sizeof(p->endpoint_id));
    if (!rc && ep) {
        char scheme[64];
        attribute(ep, "schemeID", scheme, sizeof(scheme));
        if (strlen(scheme) >= sizeof(p->endpoint_scheme))
            rc = fail(r, OWED_E_INVALID, ep, "cbc:EndpointID/@schemeID", "too long: \"%s\"",
                      scheme);
        else
            memcpy(p->endpoint_scheme, scheme, strlen(scheme) + 1);
    }
    static const struct {
        const char *path;
        size_t off, cap;
    } fields[] = {
        {"cac:PostalAddress/cbc:StreetName", offsetof(struct owed_party, street),
         sizeof(((struct owed_party *)0)->street)},
        {"cac:PostalAddress/cbc:AdditionalStreetName", offsetof(struct owed_party, street2),
         sizeof(((struct owed_party *)0)->street2)},
        {"cac:PostalAddress/cbc:CityName", offsetof(struct owed_party, city),
         sizeof(((struct owed_party *)0)->city)},
        {"cac:PostalAddress/cbc:PostalZone", offsetof(struct owed_party, postcode),
         sizeof(((struct owed_party *)0)->postcode)},
        {"cac:PostalAddress/cac:Country/cbc:IdentificationCode",
         offsetof(struct owed_party, country), sizeof(((struct owed_party *)0)->country)},
        {"cac:PartyLegalEntity/cbc:CompanyID", offsetof(struct owed_party, legal_id),
         sizeof(((struct owed_party *)0)->legal_id)},
        {"cac:Contact/cbc:ElectronicMail", offsetof(struct owed_party, contact_email),
         sizeof(((struct owed_party *)0)->contact_email)},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(fields) && !rc; i++)
        rc = get_text(r, party, fields[i].path, false, (char *)p + fields[i].off, fields[i].cap);
    /* The VAT identifier; other tax schemes (Swedish F-skatt, ...) are not in the model. */
    for (xmlNode *k = party->children; k && !rc; k = k->next) {
        if (!is_el(k, NS_CAC, "PartyTaxScheme")) continue;
        struct span id = value(r, find(k, "cac:TaxScheme/cbc:ID"));
        if (id.n != 3 || memcmp(id.p, "VAT", 3) != 0) continue;
        size_t o2 = path_push(r, "cac:PartyTaxScheme", 0);
        rc = get_text(r, k, "cbc:CompanyID", false, p->vat_id, sizeof(p->vat_id));
        path_pop(r, o2);
        break;
    }
    path_pop(r, old);
    return rc;
}

static int read_payment(struct reader *r, xmlNode *root)
{
    struct owed_doc *d = r->d;
    int rc = join_texts(r, root, "cac:PaymentTerms/cbc:Note", d->payment_terms,
                        sizeof(d->payment_terms));
    xmlNode *pm = child(root, "cac:PaymentMeans");
    if (rc || !pm) return rc;
    size_t old = path_push(r, "cac:PaymentMeans", 0);
    rc = get_text(r, pm, "cbc:PaymentMeansCode", true, d->payment_means,
                  sizeof(d->payment_means));
    if (!rc && d->due_date == 0) rc = get_date(r, pm, "cbc:PaymentDueDate", false, &d->due_date);
    if (!rc) rc = get_text(r, pm, "cbc:PaymentID", false, d->payment_id, sizeof(d->payment_id));
    if (!rc) rc = get_text(r, pm, "cac:PayeeFinancialAccount/cbc:ID", false, d->iban,
                           sizeof(d->iban));
    if (!rc) rc = get_text(r, pm, "cac:PayeeFinancialAccount/cbc:Name", false,
                           d->account_name, sizeof(d->account_name));
    if (!rc) rc = get_text(r, pm, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID",
                           false, d->bic, sizeof(d->bic));
    path_pop(r, old);
    return rc;
}

/* A reason text, else the reason code (both optional). */
static int reason(struct reader *r, xmlNode *p, const char *text_el, const char *code_el,
                  char *dst, size_t cap)
{
    int rc = get_text(r, p, text_el, false, dst, cap);
    if (!rc && !dst[0]) rc = get_text(r, p, code_el, false, dst, cap);
    return rc;
}

static int read_adjust(struct reader *r, xmlNode *root)
{
    int count, rc = OWED_OK;
    xmlXPathObject *o = select_nodes(r, root, "cac:AllowanceCharge", &count);
    for (int i = 0; i < count && !rc; i++) {
        xmlNode *ac = o->nodesetval->nodeTab[i];
        size_t old = path_push(r, "cac:AllowanceCharge", (size_t)i + 1);
        struct owed_doc_adjust *a = owed_doc_add_adjust(r->d);
        rc = get_bool(r, ac, "cbc:ChargeIndicator", &a->charge);
        if (!rc) rc = reason(r, ac, "cbc:AllowanceChargeReason", "cbc:AllowanceChargeReasonCode",
                             a->reason, sizeof(a->reason));
        if (!rc) rc = get_amount(r, ac, "cbc:Amount", true, &a->amount_minor);
        if (!rc && a->amount_minor < 0)
            rc = fail(r, OWED_E_INVALID, child(ac, "cbc:Amount"), "cbc:Amount",
                      "must not be negative");
        if (!rc) rc = tax_category(r, ac, "cac:TaxCategory", a->tax_category, &a->tax_rate_e2);
        path_pop(r, old);
    }
    xmlXPathFreeObject(o);
    return rc;
}

static int read_subtotals(struct reader *r, xmlNode *tt)
{
    int count, rc = OWED_OK;
    xmlXPathObject *o = select_nodes(r, tt, "cac:TaxSubtotal", &count);
    if (count > OWED_DOC_MAX_TAX)
        rc = fail(r, OWED_E_INVALID, tt, "cac:TaxSubtotal", "%d groups, more than the %d owed "
                  "keeps", count, OWED_DOC_MAX_TAX);
    for (int i = 0; i < count && !rc; i++) {
        xmlNode *st = o->nodesetval->nodeTab[i];
        size_t old = path_push(r, "cac:TaxSubtotal", (size_t)i + 1);
        struct owed_doc_tax *t = &r->d->tax[r->d->n_tax++];
        rc = get_amount(r, st, "cbc:TaxableAmount", true, &t->taxable_minor);
        if (!rc) rc = get_amount(r, st, "cbc:TaxAmount", true, &t->tax_minor);
        if (!rc) rc = tax_category(r, st, "cac:TaxCategory", t->category, &t->rate_e2);
        if (!rc) rc = reason(r, child(st, "cac:TaxCategory"), "cbc:TaxExemptionReason",
                             "cbc:TaxExemptionReasonCode", t->exemption_reason,
                             sizeof(t->exemption_reason));
        path_pop(r, old);
    }
    xmlXPathFreeObject(o);
    return rc;
}

/* The TaxTotal in the document currency; one in the tax currency (BT-111) is skipped. */
static int read_tax(struct reader *r, xmlNode *root)
{
    int count, rc = OWED_OK;
    bool seen = false;
    xmlXPathObject *o = select_nodes(r, root, "cac:TaxTotal", &count);
    for (int i = 0; i < count && !rc; i++) {
        xmlNode *tt = o->nodesetval->nodeTab[i];
        xmlNode *amt = child(tt, "cbc:TaxAmount");
        char cur[16];
        attribute(amt, "currencyID", cur, sizeof(cur));
        if (cur[0] && strcmp(cur, r->d->currency) != 0 && strcmp(cur, r->tax_currency) == 0)
            continue;
        size_t old = path_push(r, "cac:TaxTotal", (size_t)i + 1);
        int64_t tax;
        rc = get_amount(r, tt, "cbc:TaxAmount", true, &tax);
        if (!rc && seen)
            rc = fail(r, OWED_E_INVALID, tt, NULL, "a second TaxTotal in the document currency");
        if (!rc) {
            seen = true;
            r->d->totals.tax = tax;
            rc = read_subtotals(r, tt);
        }
        path_pop(r, old);
    }
    xmlXPathFreeObject(o);
    return rc;
}

static int read_totals(struct reader *r, xmlNode *root)
{
    xmlNode *mt = child(root, "cac:LegalMonetaryTotal");
    if (!mt) return missing(r, root, "cac:LegalMonetaryTotal");
    struct owed_doc_totals *t = &r->d->totals;
    const struct {
        const char *el;
        int64_t *out;
        bool required;
    } fields[] = {
        {"cbc:LineExtensionAmount", &t->line_net, true},
        {"cbc:TaxExclusiveAmount", &t->tax_exclusive, true},
        {"cbc:TaxInclusiveAmount", &t->tax_inclusive, true},
        {"cbc:AllowanceTotalAmount", &t->allowances, false},
        {"cbc:ChargeTotalAmount", &t->charges, false},
        {"cbc:PrepaidAmount", &t->prepaid, false},
        {"cbc:PayableRoundingAmount", &t->rounding, false},
        {"cbc:PayableAmount", &t->payable, true},
    };
    size_t old = path_push(r, "cac:LegalMonetaryTotal", 0);
    int rc = OWED_OK;
    for (size_t i = 0; i < OWED_ARRAY_LEN(fields) && !rc; i++)
        rc = get_amount(r, mt, fields[i].el, fields[i].required, fields[i].out);
    path_pop(r, old);
    return rc;
}

/* Line allowances add up to discount_minor, line charges to charge_minor. */
static int read_line_adjust(struct reader *r, xmlNode *ln, struct owed_doc_line *l)
{
    int count, rc = OWED_OK;
    xmlXPathObject *o = select_nodes(r, ln, "cac:AllowanceCharge", &count);
    for (int i = 0; i < count && !rc; i++) {
        xmlNode *ac = o->nodesetval->nodeTab[i];
        size_t old = path_push(r, "cac:AllowanceCharge", (size_t)i + 1);
        bool charge;
        int64_t v;
        rc = get_bool(r, ac, "cbc:ChargeIndicator", &charge);
        if (!rc) rc = get_amount(r, ac, "cbc:Amount", true, &v);
        if (!rc && v < 0)
            rc = fail(r, OWED_E_INVALID, child(ac, "cbc:Amount"), "cbc:Amount",
                      "must not be negative");
        int64_t *sum = charge ? &l->charge_minor : &l->discount_minor;
        if (!rc && owed_i64_add(*sum, v, sum))
            rc = fail(r, OWED_E_OVERFLOW, ac, "cbc:Amount", "the line's sum is out of range");
        path_pop(r, old);
    }
    xmlXPathFreeObject(o);
    return rc;
}

/* Price/PriceAmount per Price/BaseQuantity units, at 4 more decimals than the currency. */
static int read_price(struct reader *r, xmlNode *ln, struct owed_doc_line *l)
{
    xmlNode *price = child(ln, "cac:Price");
    if (!price) return missing(r, ln, "cac:Price");
    size_t old = path_push(r, "cac:Price", 0);
    xmlNode *pa = child(price, "cbc:PriceAmount"), *bq = child(price, "cbc:BaseQuantity");
    int rc = pa ? amount_at(r, pa, "cbc:PriceAmount", r->exponent + 4, "unit price",
                            &l->price_e4)
                : missing(r, price, "cbc:PriceAmount");
    int64_t base_e3 = 1000;
    if (!rc && bq) rc = decimal(r, bq, "cbc:BaseQuantity", 3, false, "quantity", &base_e3);
    if (!rc && base_e3 <= 0)
        rc = fail(r, OWED_E_INVALID, bq, "cbc:BaseQuantity", "must be more than 0");
    if (!rc && base_e3 != 1000 &&
        owed_muldiv_half_even(l->price_e4, 1000, base_e3, &l->price_e4))
        rc = fail(r, OWED_E_OVERFLOW, pa, "cbc:PriceAmount", "unit price out of range");
    path_pop(r, old);
    return rc;
}

static int read_line(struct reader *r, xmlNode *ln, struct owed_doc_line *l)
{
    const char *qty_el = r->credit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity";
    xmlNode *q = child(ln, qty_el);
    int rc = get_text(r, ln, "cbc:ID", true, l->id, sizeof(l->id));
    if (!rc && !q) rc = missing(r, ln, qty_el);
    if (!rc) rc = decimal(r, q, qty_el, 3, false, "quantity", &l->qty_e3);
    if (!rc) {
        char unit[16];
        attribute(q, "unitCode", unit, sizeof(unit));
        if (strlen(unit) >= sizeof(l->unit))
            rc = fail(r, OWED_E_INVALID, q, qty_el, "unitCode \"%s\" is not a UN/ECE Rec. 20 "
                      "code", unit);
        else
            memcpy(l->unit, unit, strlen(unit) + 1);
    }
    if (!rc) rc = get_amount(r, ln, "cbc:LineExtensionAmount", true, &l->net_minor);
    if (!rc) rc = read_line_adjust(r, ln, l);
    xmlNode *item = child(ln, "cac:Item");
    if (!rc && !item) rc = missing(r, ln, "cac:Item");
    if (!rc) {
        size_t old = path_push(r, "cac:Item", 0);
        rc = get_text(r, item, "cbc:Name", true, l->name, sizeof(l->name));
        if (!rc) rc = get_text(r, item, "cbc:Description", false, l->description,
                               sizeof(l->description));
        if (!rc) rc = tax_category(r, item, "cac:ClassifiedTaxCategory", l->tax_category,
                                   &l->tax_rate_e2);
        path_pop(r, old);
    }
    if (!rc) rc = read_price(r, ln, l);
    return rc;
}

static int read_lines(struct reader *r, xmlNode *root)
{
    const char *el = r->credit ? "cac:CreditNoteLine" : "cac:InvoiceLine";
    int count, rc = OWED_OK;
    xmlXPathObject *o = select_nodes(r, root, el, &count);
    if (count == 0) rc = fail(r, OWED_E_INVALID, root, el, "missing: a document has a line");
    for (int i = 0; i < count && !rc; i++) {
        size_t old = path_push(r, el, (size_t)i + 1);
        rc = read_line(r, o->nodesetval->nodeTab[i], owed_doc_add_line(r->d));
        path_pop(r, old);
    }
    xmlXPathFreeObject(o);
    return rc;
}

static int read_currency(struct reader *r, xmlNode *root)
{
    struct owed_doc *d = r->d;
    xmlNode *n = child(root, "cbc:DocumentCurrencyCode");
    if (!n) return missing(r, root, "cbc:DocumentCurrencyCode");
    struct span s = value(r, n);
    if (s.n != 3)
        return fail(r, OWED_E_CURRENCY, n, "cbc:DocumentCurrencyCode",
                    "not an ISO 4217 code: " QUOTE_FMT, QUOTE_ARGS(s));
    memcpy(d->currency, s.p, 3);
    r->exponent = owed_currency_exponent(d->currency);
    if (r->exponent < 0)
        return fail(r, OWED_E_CURRENCY, n, "cbc:DocumentCurrencyCode",
                    "unknown currency \"%s\"", d->currency);
    return get_text(r, root, "cbc:TaxCurrencyCode", false, r->tax_currency,
                    sizeof(r->tax_currency));
}

static int read_header(struct reader *r, xmlNode *root)
{
    struct owed_doc *d = r->d;
    const char *type_el = r->credit ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode";
    const char *want = r->credit ? "381" : "380";
    d->type = r->credit ? OWED_DOC_CREDIT_NOTE : OWED_DOC_INVOICE;
    int rc = get_text(r, root, "cbc:ID", true, d->number, sizeof(d->number));
    if (!rc) rc = get_date(r, root, "cbc:IssueDate", true, &d->issue_date);
    if (!rc) rc = get_date(r, root, "cbc:DueDate", false, &d->due_date);
    xmlNode *tc = child(root, type_el);
    struct span t = value(r, tc);
    if (!rc && tc && (t.n != 3 || memcmp(t.p, want, 3) != 0))
        rc = fail(r, OWED_E_INVALID, tc, type_el, "type " QUOTE_FMT " is not supported: owed "
                  "reads %s (%s)", QUOTE_ARGS(t), want,
                  r->credit ? "credit note" : "commercial invoice");
    if (!rc) rc = read_currency(r, root);
    if (!rc) rc = join_texts(r, root, "cbc:Note", d->note, sizeof(d->note));
    if (!rc) rc = get_text(r, root, "cbc:BuyerReference", false, d->buyer_reference,
                           sizeof(d->buyer_reference));
    if (!rc) rc = get_text(r, root, "cac:OrderReference/cbc:ID", false, d->order_reference,
                           sizeof(d->order_reference));
    if (!rc) rc = get_text(r, root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                           false, d->preceding_number, sizeof(d->preceding_number));
    return rc;
}

static int walk(struct reader *r, xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        if (r->err) owed_buf_addf(r->err, "line %ld: a DOCTYPE is not allowed in UBL",
                                  root ? xmlGetLineNo(root) : 1L);
        return OWED_E_PARSE;
    }
    r->credit = is_el(root, NS_CREDIT, "CreditNote");
    if (!r->credit && !is_el(root, NS_INVOICE, "Invoice")) {
        if (r->err)
            owed_buf_addf(r->err, "line %ld: the root element is %s%s, not a UBL 2.1 Invoice "
                          "or CreditNote", root ? xmlGetLineNo(root) : 1L,
                          root ? (const char *)root->name : "missing",
                          root && root->ns ? "" : " without a namespace");
        return OWED_E_PARSE;
    }
    xmlXPathSetContextNode(root, r->xp);
    xmlXPathRegisterNs(r->xp, BAD_CAST "cac", BAD_CAST NS_CAC);
    xmlXPathRegisterNs(r->xp, BAD_CAST "cbc", BAD_CAST NS_CBC);
    int rc = read_header(r, root);
    if (!rc) rc = read_party(r, root, "cac:AccountingSupplierParty", &r->d->seller);
    if (!rc) rc = read_party(r, root, "cac:AccountingCustomerParty", &r->d->buyer);
    if (!rc) rc = read_payment(r, root);
    if (!rc) rc = read_adjust(r, root);
    if (!rc) rc = read_tax(r, root);
    if (!rc) rc = read_totals(r, root);
    if (!rc) rc = read_lines(r, root);
    return rc;
}

/* --- libxml2 plumbing (as in bank_camt.c) ------------------------------------------- */

/* The first error explains the file; the later ones are often "Premature end of data". */
struct first_error {
    bool set;
    int line;
    char message[256];
};

static void keep_first_error(void *data, xmlError *e)
{
    const xmlParserCtxt *ctxt = data;
    struct first_error *first = ctxt ? ctxt->_private : NULL;
    if (!first || first->set || !e || e->level < XML_ERR_ERROR) return;
    const char *msg = e->message ? e->message : "parse error";
    struct span m = trim(msg, strlen(msg));
    snprintf(first->message, sizeof(first->message), "%.*s", (int)m.n, m.p);
    for (char *q = first->message; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' ';
    first->line = e->line;
    first->set = true;
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int owed_ubl_read(const char *xml, size_t len, struct owed_doc *out, struct owed_buf *err)
{
    OWED_ASSERT(out != NULL && (xml != NULL || len == 0));
    memset(out, 0, sizeof(*out));
    if (len > OWED_UBL_MAX_BYTES || len > INT_MAX) {
        owed_buf_addf(err, "line 1: %zu bytes, more than the %zu owed reads", len,
                      OWED_UBL_MAX_BYTES);
        return OWED_E_TOO_LARGE;
    }
    xmlInitParser();
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    OWED_ASSERT(ctxt != NULL && ctxt->sax != NULL);
    struct first_error first = {0};
    ctxt->_private = &first;
    ctxt->sax->serror = keep_first_error;
    /* No XML_PARSE_NOENT (entities stay unexpanded), no XML_PARSE_DTDLOAD, NONET; the
     * library never prints; BIG_LINES for line numbers past 65535. */
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_BIG_LINES;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, xml ? xml : "", (int)len, NULL, NULL, options);
    int rc;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        int line = first.set ? first.line : e ? e->line : 0;
        const char *msg = first.set ? first.message : e && e->message ? e->message : "";
        struct span m = trim(msg, strlen(msg));
        owed_buf_addf(err, "line %d: not well-formed XML: %.*s", line > 0 ? line : 1,
                      (int)m.n, m.p);
        rc = OWED_E_PARSE;
    } else {
        struct reader r = {.err = err, .d = out};
        owed_buf_init(&r.scratch, OWED_UBL_MAX_BYTES);
        r.xp = xmlXPathNewContext(doc);
        OWED_ASSERT(r.xp != NULL);
        rc = walk(&r, doc);
        xmlXPathFreeContext(r.xp);
        owed_buf_release(&r.scratch);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    return rc;
}
