/* Invoice documents to and from JSON (see doc_json.h). */
#include "app/doc_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void owed_decimal_text(int64_t v, int e, int min_frac, char *out, size_t cap)
{
    char tmp[OWED__AMOUNT_MAX + 1];
    size_t n = owed__amount_write(tmp, v, e, false);
    tmp[n] = '\0';
    if (e > min_frac) {
        char *dot = strchr(tmp, '.');
        if (dot) {
            size_t keep = (size_t)(dot - tmp) + 1 + (size_t)min_frac;
            while (n > keep && tmp[n - 1] == '0') tmp[--n] = '\0';
            if (n > 0 && tmp[n - 1] == '.') tmp[--n] = '\0';
        }
    }
    snprintf(out, cap, "%s", tmp);
}

static json_t *dec(int64_t v, int e, int min_frac)
{
    char t[OWED__AMOUNT_MAX + 1];
    owed_decimal_text(v, e, min_frac, t, sizeof t);
    return json_string(t);
}

static void set_text(json_t *o, const char *k, const char *v)
{
    if (v && *v) json_object_set_new(o, k, json_string(v));
}

static void set_date(json_t *o, const char *k, owed_date d)
{
    if (!d) return;
    char t[16];
    owed_date_format(d, t);
    json_object_set_new(o, k, json_string(t));
}

json_t *owed_party_to_json(const struct owed_party *p)
{
    json_t *o = json_object();
    set_text(o, "name", p->name);
    set_text(o, "trading_name", p->trading_name);
    set_text(o, "street", p->street);
    set_text(o, "street2", p->street2);
    set_text(o, "city", p->city);
    set_text(o, "postcode", p->postcode);
    set_text(o, "country", p->country);
    set_text(o, "vat_id", p->vat_id);
    set_text(o, "legal_id", p->legal_id);
    set_text(o, "endpoint_id", p->endpoint_id);
    set_text(o, "endpoint_scheme", p->endpoint_scheme);
    set_text(o, "email", p->contact_email);
    return o;
}

json_t *owed_doc_to_json(const struct owed_doc *d)
{
    int e = owed_currency_exponent(d->currency);
    if (e < 0) e = 2;
    json_t *o = json_object();
    json_object_set_new(o, "type",
                        json_string(d->type == OWED_DOC_CREDIT_NOTE ? "credit_note" : "invoice"));
    set_text(o, "number", d->number);
    set_date(o, "issue_date", d->issue_date);
    set_date(o, "due_date", d->due_date);
    set_text(o, "currency", d->currency);
    set_text(o, "buyer_reference", d->buyer_reference);
    set_text(o, "po_number", d->order_reference);
    set_text(o, "preceding_number", d->preceding_number);
    set_text(o, "note", d->note);
    set_text(o, "payment_terms", d->payment_terms);
    json_object_set_new(o, "seller", owed_party_to_json(&d->seller));
    json_object_set_new(o, "buyer", owed_party_to_json(&d->buyer));
    json_t *pay = json_object();
    set_text(pay, "means", d->payment_means);
    set_text(pay, "reference", d->payment_id);
    set_text(pay, "iban", d->iban);
    set_text(pay, "bic", d->bic);
    set_text(pay, "account_name", d->account_name);
    json_object_set_new(o, "payment", pay);

    json_t *lines = json_array();
    for (size_t i = 0; i < d->n_lines; i++) {
        const struct owed_doc_line *l = &d->lines[i];
        json_t *x = json_object();
        set_text(x, "id", l->id);
        set_text(x, "name", l->name);
        set_text(x, "description", l->description);
        json_object_set_new(x, "quantity", dec(l->qty_e3, 3, 0));
        set_text(x, "unit", l->unit);
        json_object_set_new(x, "price", dec(l->price_e4, e + 4, e));
        json_object_set_new(x, "discount", dec(l->discount_minor, e, e));
        if (l->charge_minor) json_object_set_new(x, "charge", dec(l->charge_minor, e, e));
        set_text(x, "tax_category", l->tax_category);
        json_object_set_new(x, "tax_rate", dec(l->tax_rate_e2, 2, 0));
        json_object_set_new(x, "net", dec(l->net_minor, e, e));
        json_array_append_new(lines, x);
    }
    json_object_set_new(o, "lines", lines);
    json_t *allow = json_array(), *charge = json_array();
    for (size_t i = 0; i < d->n_adjust; i++) {
        const struct owed_doc_adjust *a = &d->adjust[i];
        json_t *x = json_object();
        json_object_set_new(x, "amount", dec(a->amount_minor, e, e));
        set_text(x, "reason", a->reason);
        set_text(x, "tax_category", a->tax_category);
        json_object_set_new(x, "tax_rate", dec(a->tax_rate_e2, 2, 0));
        json_array_append_new(a->charge ? charge : allow, x);
    }
    json_object_set_new(o, "allowances", allow);
    json_object_set_new(o, "charges", charge);
    json_t *tax = json_array();
    for (size_t i = 0; i < d->n_tax; i++) {
        const struct owed_doc_tax *t = &d->tax[i];
        json_t *x = json_object();
        set_text(x, "category", t->category);
        json_object_set_new(x, "rate", dec(t->rate_e2, 2, 0));
        json_object_set_new(x, "taxable", dec(t->taxable_minor, e, e));
        json_object_set_new(x, "tax", dec(t->tax_minor, e, e));
        set_text(x, "exemption_reason", t->exemption_reason);
        json_array_append_new(tax, x);
    }
    json_object_set_new(o, "tax", tax);
    const struct owed_doc_totals *t = &d->totals;
    json_object_set_new(
        o, "totals",
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "line_net", dec(t->line_net, e, e),
                  "allowances", dec(t->allowances, e, e), "charges", dec(t->charges, e, e),
                  "tax_exclusive", dec(t->tax_exclusive, e, e), "tax", dec(t->tax, e, e),
                  "tax_inclusive", dec(t->tax_inclusive, e, e), "prepaid", dec(t->prepaid, e, e),
                  "rounding", dec(t->rounding, e, e), "payable", dec(t->payable, e, e)));
    return o;
}

/* ---- reading ---- */

struct reader {
    struct owed_buf *err;
    int rc;
};

static void fail(struct reader *r, int rc, const char *where, const char *key, const char *why)
{
    if (r->rc) return;
    r->rc = rc;
    owed_buf_addf(r->err, "%s%s%s: %s", where, *where ? "." : "", key, why);
}

static void text(struct reader *r, const json_t *o, const char *where, const char *key,
                 char *dst, size_t cap)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return;
    if (!json_is_string(v)) return fail(r, OWED_E_INVALID, where, key, "must be a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap) return fail(r, OWED_E_INVALID, where, key, "too long");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            return fail(r, OWED_E_INVALID, where, key, "contains a control character");
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void date(struct reader *r, const json_t *o, const char *where, const char *key,
                 owed_date *dst)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) return;
    if (!json_is_string(v) ||
        owed_date_parse(json_string_value(v), json_string_length(v), dst) != OWED_OK)
        fail(r, OWED_E_INVALID, where, key, "not a date (YYYY-MM-DD)");
}

/* A decimal string with at most e fraction digits; absent: dflt. */
static void decimal(struct reader *r, const json_t *o, const char *where, const char *key, int e,
                    int64_t dflt, int64_t *dst)
{
    const json_t *v = json_object_get(o, key);
    *dst = dflt;
    if (!v || json_is_null(v)) return;
    char why[128];
    if (!json_is_string(v)) {
        snprintf(why, sizeof why, "must be a decimal string (\"12.50\"), not a JSON %s",
                 json_is_number(v) ? "number" : "value");
        return fail(r, OWED_E_INVALID, where, key, why);
    }
    if (owed_amount_parse(json_string_value(v), json_string_length(v), e, dst) != OWED_OK) {
        snprintf(why, sizeof why, "\"%.32s\" is not a decimal with at most %d decimals",
                 json_string_value(v), e);
        fail(r, OWED_E_INVALID, where, key, why);
    }
}

int owed_party_from_json(const json_t *j, const char *where, struct owed_party *p,
                         struct owed_buf *err)
{
    struct reader r = {err, OWED_OK};
    memset(p, 0, sizeof *p);
    if (!j || json_is_null(j)) return OWED_OK;
    if (!json_is_object(j)) {
        owed_buf_addf(err, "%s: must be an object", where);
        return OWED_E_INVALID;
    }
    text(&r, j, where, "name", p->name, sizeof p->name);
    text(&r, j, where, "trading_name", p->trading_name, sizeof p->trading_name);
    text(&r, j, where, "street", p->street, sizeof p->street);
    text(&r, j, where, "street2", p->street2, sizeof p->street2);
    text(&r, j, where, "city", p->city, sizeof p->city);
    text(&r, j, where, "postcode", p->postcode, sizeof p->postcode);
    text(&r, j, where, "country", p->country, sizeof p->country);
    text(&r, j, where, "vat_id", p->vat_id, sizeof p->vat_id);
    text(&r, j, where, "legal_id", p->legal_id, sizeof p->legal_id);
    text(&r, j, where, "endpoint_id", p->endpoint_id, sizeof p->endpoint_id);
    text(&r, j, where, "endpoint_scheme", p->endpoint_scheme, sizeof p->endpoint_scheme);
    text(&r, j, where, "email", p->contact_email, sizeof p->contact_email);
    if (!r.rc && p->country[0] &&
        (strlen(p->country) != 2 || p->country[0] < 'A' || p->country[0] > 'Z' ||
         p->country[1] < 'A' || p->country[1] > 'Z'))
        fail(&r, OWED_E_INVALID, where, "country", "not an ISO 3166 code (two capitals)");
    return r.rc;
}

static void adjustments(struct reader *r, const json_t *j, const char *key, bool charge,
                        int e, struct owed_doc *d)
{
    const json_t *arr = json_object_get(j, key);
    if (!arr || json_is_null(arr)) return;
    if (!json_is_array(arr)) return fail(r, OWED_E_INVALID, "", key, "must be an array");
    size_t i;
    const json_t *x;
    json_array_foreach(arr, i, x) {
        char where[48];
        snprintf(where, sizeof where, "%s[%zu]", key, i + 1);
        if (!json_is_object(x)) return fail(r, OWED_E_INVALID, where, "", "must be an object");
        struct owed_doc_adjust *a = owed_doc_add_adjust(d);
        a->charge = charge;
        decimal(r, x, where, "amount", e, 0, &a->amount_minor);
        text(r, x, where, "reason", a->reason, sizeof a->reason);
        text(r, x, where, "tax_category", a->tax_category, sizeof a->tax_category);
        if (!a->tax_category[0]) snprintf(a->tax_category, sizeof a->tax_category, "S");
        int64_t rate;
        decimal(r, x, where, "tax_rate", 2, 0, &rate);
        a->tax_rate_e2 = (int32_t)(rate > 10000 || rate < 0 ? -1 : rate);
    }
}

int owed_doc_from_json(const json_t *j, struct owed_doc *d, struct owed_buf *err)
{
    struct reader r = {err, OWED_OK};
    memset(d, 0, sizeof *d);
    d->type = OWED_DOC_INVOICE;
    if (!json_is_object(j)) {
        owed_buf_adds(err, "document: must be a JSON object");
        return OWED_E_INVALID;
    }
    char type[16] = "";
    text(&r, j, "", "type", type, sizeof type);
    if (!strcmp(type, "credit_note")) d->type = OWED_DOC_CREDIT_NOTE;
    else if (type[0] && strcmp(type, "invoice"))
        fail(&r, OWED_E_INVALID, "", "type", "must be \"invoice\" or \"credit_note\"");
    text(&r, j, "", "number", d->number, sizeof d->number);
    date(&r, j, "", "issue_date", &d->issue_date);
    date(&r, j, "", "due_date", &d->due_date);
    text(&r, j, "", "currency", d->currency, sizeof d->currency);
    text(&r, j, "", "buyer_reference", d->buyer_reference, sizeof d->buyer_reference);
    text(&r, j, "", "po_number", d->order_reference, sizeof d->order_reference);
    text(&r, j, "", "preceding_number", d->preceding_number, sizeof d->preceding_number);
    text(&r, j, "", "note", d->note, sizeof d->note);
    text(&r, j, "", "payment_terms", d->payment_terms, sizeof d->payment_terms);
    if (r.rc) return r.rc;
    int rc = owed_party_from_json(json_object_get(j, "seller"), "seller", &d->seller, err);
    if (!rc) rc = owed_party_from_json(json_object_get(j, "buyer"), "buyer", &d->buyer, err);
    if (rc) return rc;
    const json_t *pay = json_object_get(j, "payment");
    if (json_is_object(pay)) {
        text(&r, pay, "payment", "means", d->payment_means, sizeof d->payment_means);
        text(&r, pay, "payment", "reference", d->payment_id, sizeof d->payment_id);
        text(&r, pay, "payment", "iban", d->iban, sizeof d->iban);
        text(&r, pay, "payment", "bic", d->bic, sizeof d->bic);
        text(&r, pay, "payment", "account_name", d->account_name, sizeof d->account_name);
    }
    int e = 2;
    if (d->currency[0]) {
        e = owed_currency_exponent(d->currency);
        if (e < 0) {
            owed_buf_addf(err, "currency: %s is not an ISO 4217 code", d->currency);
            return OWED_E_CURRENCY;
        }
    }
    const json_t *lines = json_object_get(j, "lines");
    if (lines && !json_is_array(lines)) fail(&r, OWED_E_INVALID, "", "lines", "must be an array");
    size_t i;
    const json_t *x;
    if (json_is_array(lines)) json_array_foreach(lines, i, x) {
        char where[32];
        snprintf(where, sizeof where, "lines[%zu]", i + 1);
        if (!json_is_object(x)) {
            fail(&r, OWED_E_INVALID, where, "", "must be an object");
            break;
        }
        struct owed_doc_line *l = owed_doc_add_line(d);
        text(&r, x, where, "id", l->id, sizeof l->id);
        if (!l->id[0]) snprintf(l->id, sizeof l->id, "%zu", i + 1);
        text(&r, x, where, "name", l->name, sizeof l->name);
        text(&r, x, where, "description", l->description, sizeof l->description);
        decimal(&r, x, where, "quantity", 3, 1000, &l->qty_e3);
        text(&r, x, where, "unit", l->unit, sizeof l->unit);
        if (!l->unit[0]) snprintf(l->unit, sizeof l->unit, "C62");
        decimal(&r, x, where, "price", e + 4, 0, &l->price_e4);
        decimal(&r, x, where, "discount", e, 0, &l->discount_minor);
        decimal(&r, x, where, "charge", e, 0, &l->charge_minor);
        text(&r, x, where, "tax_category", l->tax_category, sizeof l->tax_category);
        if (!l->tax_category[0]) snprintf(l->tax_category, sizeof l->tax_category, "S");
        int64_t rate;
        decimal(&r, x, where, "tax_rate", 2, 0, &rate);
        l->tax_rate_e2 = (int32_t)(rate > 10000 || rate < 0 ? -1 : rate);
        decimal(&r, x, where, "net", e, 0, &l->net_minor);
        if (!r.rc && !l->name[0]) fail(&r, OWED_E_INVALID, where, "name", "is required");
    }
    adjustments(&r, j, "allowances", false, e, d);
    adjustments(&r, j, "charges", true, e, d);
    const json_t *tax = json_object_get(j, "tax");
    if (json_is_array(tax)) json_array_foreach(tax, i, x) {
        if (d->n_tax == OWED_DOC_MAX_TAX) break;
        struct owed_doc_tax *t = &d->tax[d->n_tax++];
        char where[32];
        snprintf(where, sizeof where, "tax[%zu]", i + 1);
        text(&r, x, where, "category", t->category, sizeof t->category);
        int64_t rate;
        decimal(&r, x, where, "rate", 2, 0, &rate);
        t->rate_e2 = (int32_t)rate;
        decimal(&r, x, where, "taxable", e, 0, &t->taxable_minor);
        decimal(&r, x, where, "tax", e, 0, &t->tax_minor);
        text(&r, x, where, "exemption_reason", t->exemption_reason, sizeof t->exemption_reason);
    }
    const json_t *tot = json_object_get(j, "totals");
    if (json_is_object(tot)) {
        struct owed_doc_totals *t = &d->totals;
        decimal(&r, tot, "totals", "line_net", e, 0, &t->line_net);
        decimal(&r, tot, "totals", "allowances", e, 0, &t->allowances);
        decimal(&r, tot, "totals", "charges", e, 0, &t->charges);
        decimal(&r, tot, "totals", "tax_exclusive", e, 0, &t->tax_exclusive);
        decimal(&r, tot, "totals", "tax", e, 0, &t->tax);
        decimal(&r, tot, "totals", "tax_inclusive", e, 0, &t->tax_inclusive);
        decimal(&r, tot, "totals", "prepaid", e, 0, &t->prepaid);
        decimal(&r, tot, "totals", "rounding", e, 0, &t->rounding);
        decimal(&r, tot, "totals", "payable", e, 0, &t->payable);
    }
    if (r.rc) owed_doc_free(d);
    return r.rc;
}

json_t *owed_doc_line_spec(const char *spec)
{
    char *copy = owed_xstrdup(spec), *save = NULL;
    const char *f[7] = {0};
    int n = 0;
    for (char *t = strtok_r(copy, ";", &save); t && n < 7; t = strtok_r(NULL, ";", &save))
        f[n++] = t;
    json_t *o = NULL;
    if (n >= 4) {
        o = json_pack("{s:s,s:s,s:s,s:s}", "name", f[0], "quantity", f[1], "price", f[2],
                      "tax_rate", f[3]);
        if (n > 4) json_object_set_new(o, "tax_category", json_string(f[4]));
        if (n > 5) json_object_set_new(o, "unit", json_string(f[5]));
        if (n > 6) json_object_set_new(o, "discount", json_string(f[6]));
    }
    free(copy);
    return o;
}
