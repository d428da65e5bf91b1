/* Invoices with lines: the seller's settings, billing parties, drafts and issuing
 * (invoicing.h). */
#include "app/invoicing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/doc_json.h"
#include "app/documents.h"
#include "app/events.h"
#include "base.h"
#include "core/ledger.h"
#include "core/epc_qr.h"
#include "core/terms.h"
#include "app/cash_int.h"

void owed__iso_time(owed_time_ms now, char out[32])
{
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- the seller ---- */

static void copy_str(const json_t *o, const char *k, char *dst, size_t cap)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_string(v)) snprintf(dst, cap, "%s", json_string_value(v));
}

static void terms_from_json(const json_t *t, struct owed_terms_sheet *ts)
{
    if (!json_is_object(t)) return;
    copy_str(t, "payment", ts->payment, sizeof ts->payment);
    copy_str(t, "discount", ts->discount, sizeof ts->discount);
    copy_str(t, "late_fees", ts->late_fees, sizeof ts->late_fees);
    copy_str(t, "bank", ts->bank, sizeof ts->bank);
    copy_str(t, "disputes", ts->disputes, sizeof ts->disputes);
}

json_t *owed_seller_json(const struct owed_seller *sl)
{
    json_t *o = owed_party_to_json(&sl->party);
    json_object_set_new(o, "iban", json_string(sl->iban));
    json_object_set_new(o, "bic", json_string(sl->bic));
    json_object_set_new(o, "account_name", json_string(sl->account_name));
    json_object_set_new(o, "invoice_format", json_string(sl->invoice_format));
    json_object_set_new(o, "credit_format", json_string(sl->credit_format));
    json_object_set_new(o, "public_url", json_string(sl->public_url));
    json_object_set_new(o, "terms",
                        json_pack("{s:s,s:s,s:s,s:s,s:s}", "payment", sl->terms.payment,
                                  "discount", sl->terms.discount, "late_fees",
                                  sl->terms.late_fees, "bank", sl->terms.bank, "disputes",
                                  sl->terms.disputes));
    return o;
}

static int seller_from_json(const json_t *j, struct owed_seller *sl, struct owed_buf *err)
{
    int rc = owed_party_from_json(j, "seller", &sl->party, err);
    if (rc) return rc;
    copy_str(j, "iban", sl->iban, sizeof sl->iban);
    copy_str(j, "bic", sl->bic, sizeof sl->bic);
    copy_str(j, "account_name", sl->account_name, sizeof sl->account_name);
    copy_str(j, "invoice_format", sl->invoice_format, sizeof sl->invoice_format);
    copy_str(j, "credit_format", sl->credit_format, sizeof sl->credit_format);
    copy_str(j, "public_url", sl->public_url, sizeof sl->public_url);
    terms_from_json(json_object_get(j, "terms"), &sl->terms);
    return OWED_OK;
}

static void seller_defaults(struct owed_seller *sl, const struct owed_org_settings *set)
{
    if (!sl->party.name[0]) snprintf(sl->party.name, sizeof sl->party.name, "%s", set->name);
    if (!sl->invoice_format[0])
        snprintf(sl->invoice_format, sizeof sl->invoice_format, "INV-{YYYY}-{SEQ:5}");
    if (!sl->credit_format[0])
        snprintf(sl->credit_format, sizeof sl->credit_format, "CN-{YYYY}-{SEQ:5}");
    const struct owed_terms_sheet *t = &sl->terms;
    sl->has_terms = t->payment[0] || t->discount[0] || t->late_fees[0] || t->bank[0] ||
                    t->disputes[0];
}

int owed_seller_get(struct owed_store *s, int64_t org, struct owed_seller *out,
                    struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    struct owed_org_settings set;
    int rc = s->ops->org_settings_get(s, org, &set, err);
    if (rc) return rc;
    struct owed_buf js = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    rc = s->ops->orgdoc_get(s, org, "seller", &js, err);
    if (rc == OWED_E_NOT_FOUND) {
        rc = OWED_OK;
    } else if (!rc) {
        json_error_t je;
        json_t *j = json_loads(js.ptr, 0, &je);
        if (!j) {
            owed_buf_addf(err, "seller settings: stored JSON unreadable: %s", je.text);
            rc = OWED_E_STORE;
        } else {
            rc = seller_from_json(j, out, err);
            json_decref(j);
        }
    }
    owed_buf_release(&js);
    if (!rc) seller_defaults(out, &set);
    return rc;
}

/* A member `owed seller set` takes (besides "terms"). */
static bool seller_key(const char *k)
{
    static const char *const keys[] = {
        "name",    "trading_name", "street",         "street2",     "city",
        "postcode", "country",     "vat_id",         "legal_id",    "endpoint_id",
        "endpoint_scheme", "email", "iban",          "bic",         "account_name",
        "invoice_format", "credit_format", "public_url"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(keys); i++)
        if (!strcmp(k, keys[i])) return true;
    return false;
}

/* "{YYYY}" and "{SEQ:n}" (n 1..12) only, once each for SEQ, within 64 bytes. */
static bool format_ok(const char *f, struct owed_buf *err, const char *what)
{
    const char *seq = strstr(f, "{SEQ:");
    bool ok = seq && seq[5] >= '1' && seq[5] <= '9' &&
              (seq[6] == '}' || (seq[6] >= '0' && seq[6] <= '2' && seq[5] == '1' && seq[7] == '}')) &&
              !strstr(seq + 1, "{SEQ:");
    for (const char *p = f; ok && *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) ok = false;
    if (!ok)
        owed_buf_addf(err, "%s: \"%s\" must contain {SEQ:n} (n from 1 to 12) once, optionally "
                           "{YYYY}, and no spaces", what, f);
    return ok;
}

int owed_seller_set(struct owed_store *s, int64_t org, const json_t *patch, struct owed_buf *err)
{
    if (!json_is_object(patch)) {
        owed_buf_adds(err, "seller: must be a JSON object");
        return OWED_E_INVALID;
    }
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_seller sl;
    rc = owed_seller_get(s, org, &sl, err);
    json_t *cur = NULL;
    if (!rc) {
        cur = owed_seller_json(&sl);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)patch, k, v) {
            if (!strcmp(k, "terms") && json_is_object(v)) {
                json_object_update(json_object_get(cur, "terms"), v);
            } else if (seller_key(k)) {
                if (!json_is_string(v)) {
                    owed_buf_addf(err, "seller.%s: must be a string", k);
                    rc = OWED_E_INVALID;
                    break;
                }
                json_object_set(cur, k, v);
            } else {
                owed_buf_addf(err, "seller.%s: unknown setting", k);
                rc = OWED_E_INVALID;
                break;
            }
        }
    }
    struct owed_seller next;
    memset(&next, 0, sizeof next);
    if (!rc) rc = seller_from_json(cur, &next, err);
    if (!rc && !format_ok(next.invoice_format, err, "invoice_format")) rc = OWED_E_INVALID;
    if (!rc && !format_ok(next.credit_format, err, "credit_format")) rc = OWED_E_INVALID;
    if (!rc && next.iban[0] && !owed_iban_valid(next.iban)) {
        owed_buf_addf(err, "iban: %s is not a valid IBAN (check digits)", next.iban);
        rc = OWED_E_INVALID;
    }
    if (!rc && next.public_url[0] && strncmp(next.public_url, "http://", 7) &&
        strncmp(next.public_url, "https://", 8)) {
        owed_buf_adds(err, "public_url: must start with http:// or https://");
        rc = OWED_E_INVALID;
    }
    if (!rc) {
        char *text = json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS);
        rc = s->ops->orgdoc_put(s, org, "seller", text, err);
        free(text);
    }
    json_decref(cur);
    return owed__tx_end(s, rc, err);
}

/* ---- customers' parties ---- */

int owed_customer_party_get(struct owed_store *s, int64_t org, int64_t customer_id,
                            struct owed_party *out, struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    char key[40];
    snprintf(key, sizeof key, "party:%lld", (long long)customer_id);
    struct owed_buf js = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = s->ops->orgdoc_get(s, org, key, &js, err);
    if (!rc) {
        json_t *j = json_loads(js.ptr, 0, NULL);
        rc = j ? owed_party_from_json(j, "party", out, err) : OWED_E_STORE;
        json_decref(j);
    } else if (rc == OWED_E_NOT_FOUND) {
        rc = OWED_OK;
    }
    owed_buf_release(&js);
    if (rc) return rc;
    struct owed_customer c;
    if ((rc = s->ops->customer_get_id(s, org, customer_id, &c, err))) return rc;
    if (!out->name[0]) snprintf(out->name, sizeof out->name, "%s", c.name);
    if (!out->contact_email[0])
        snprintf(out->contact_email, sizeof out->contact_email, "%s", c.email);
    return OWED_OK;
}

int owed_customer_party_of(struct owed_store *s, int64_t org, const char *customer_ref,
                           struct owed_party *out, struct owed_buf *err)
{
    struct owed_customer c;
    int rc = s->ops->customer_get(s, org, customer_ref, &c, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", customer_ref);
    return rc ? rc : owed_customer_party_get(s, org, c.id, out, err);
}

int owed_customer_party_set(struct owed_store *s, int64_t org, const char *customer_ref,
                            const json_t *party, struct owed_buf *err)
{
    struct owed_party p;
    int rc = owed_party_from_json(party, "party", &p, err);
    if (rc) return rc;
    if ((rc = s->ops->begin(s, err))) return rc;
    struct owed_customer c;
    rc = s->ops->customer_get(s, org, customer_ref, &c, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", customer_ref);
    if (!rc) {
        char key[40];
        snprintf(key, sizeof key, "party:%lld", (long long)c.id);
        json_t *j = owed_party_to_json(&p);
        char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        rc = s->ops->orgdoc_put(s, org, key, text, err);
        free(text);
        json_decref(j);
    }
    return owed__tx_end(s, rc, err);
}

/* ---- drafts ---- */

/* "Net 30 days", "2% discount within 10 days, net 30 days", "Due on receipt". */
static void terms_text(const struct owed_terms *t, char *out, size_t cap)
{
    char disc[96] = "";
    if (t->discount_bp)
        snprintf(disc, sizeof disc, "%d.%02d%% discount if paid within %d days, ",
                 t->discount_bp / 100, t->discount_bp % 100, t->discount_days);
    switch (t->kind) {
    case OWED_TERMS_DUE: snprintf(out, cap, "%sdue on receipt", disc); break;
    case OWED_TERMS_EOM:
        snprintf(out, cap, "%snet %d days after the end of the month of issue", disc, t->days);
        break;
    default: snprintf(out, cap, "%snet %d days", disc, t->days); break;
    }
    if (out[0] >= 'a' && out[0] <= 'z') out[0] = (char)(out[0] - 'a' + 'A');
}

static int customer_terms(const struct owed_customer *c, struct owed_terms *t,
                          struct owed_buf *err)
{
    return owed_terms_parse(c->terms, strlen(c->terms), t, err);
}

int owed__draft_create_in(struct owed_store *s, int64_t org, const json_t *input,
                          const char *source, owed_time_ms now, int64_t *doc_id,
                          struct owed_buf *err)
{
    if (!json_is_object(input)) {
        owed_buf_adds(err, "document: must be a JSON object");
        return OWED_E_INVALID;
    }
    const char *cref = json_string_value(json_object_get(input, "customer"));
    if (!cref || !*cref) {
        owed_buf_adds(err, "customer: the customer's ref is required");
        return OWED_E_INVALID;
    }
    struct owed_customer c;
    int rc = s->ops->customer_get(s, org, cref, &c, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "customer: no customer '%s'", cref);
    if (rc) return rc;
    json_t *in = json_deep_copy(input);
    if (!json_object_get(in, "currency")) json_object_set_new(in, "currency", json_string(c.currency));
    struct owed_doc d;
    if ((rc = owed_doc_from_json(in, &d, err))) {
        json_decref(in);
        return rc;
    }
    json_decref(in);
    if (strcmp(d.currency, c.currency)) {
        owed_buf_addf(err, "currency: %s, but customer %s is billed in %s", d.currency, cref,
                      c.currency);
        rc = OWED_E_CURRENCY;
    }
    if (!rc && d.n_lines == 0) {
        owed_buf_adds(err, "lines: a document needs at least one line");
        rc = OWED_E_INVALID;
    }
    if (!rc && d.type == OWED_DOC_CREDIT_NOTE) {
        struct owed_invoice inv;
        if (!d.preceding_number[0]) {
            owed_buf_adds(err, "preceding_number: a credit note names the invoice it corrects");
            rc = OWED_E_INVALID;
        } else if ((rc = s->ops->invoice_get(s, org, d.preceding_number, &inv, err))) {
            if (rc == OWED_E_NOT_FOUND)
                owed_buf_addf(err, "preceding_number: no invoice %s", d.preceding_number);
        } else if (inv.customer_id != c.id) {
            owed_buf_addf(err, "preceding_number: invoice %s belongs to another customer",
                          d.preceding_number);
            rc = OWED_E_INVALID;
        }
    }
    struct owed_seller sl;
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    if (!rc) {
        /* Whatever the input left out comes from the settings, as they are today. */
        if (!d.seller.name[0]) d.seller = sl.party;
        if (!d.buyer.name[0]) rc = owed_customer_party_get(s, org, c.id, &d.buyer, err);
        if (!d.iban[0]) {
            snprintf(d.iban, sizeof d.iban, "%s", sl.iban);
            snprintf(d.bic, sizeof d.bic, "%s", sl.bic);
            snprintf(d.account_name, sizeof d.account_name, "%s", sl.account_name);
        }
        /* 58 SEPA credit transfer to the account; without one, 1 "not defined" (30 and 58
         * need an account: BR-61). */
        if (!d.payment_means[0]) snprintf(d.payment_means, sizeof d.payment_means, "%s",
                                          d.iban[0] ? "58" : "1");
        struct owed_terms t;
        if (!d.payment_terms[0] && customer_terms(&c, &t, err) == OWED_OK)
            terms_text(&t, d.payment_terms, sizeof d.payment_terms);
    }
    if (!rc) rc = owed_doc_compute(&d, owed_currency_exponent(d.currency), err);
    if (!rc) {
        json_t *j = owed_doc_to_json(&d);
        char *body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        struct owed_doc_rec r;
        memset(&r, 0, sizeof r);
        r.type = (int)d.type;
        r.status = OWED_DOCST_DRAFT;
        r.customer_id = c.id;
        r.body = body;
        snprintf(r.source, sizeof r.source, "%s", source ? source : "owed");
        owed__iso_time(now, r.created_at);
        rc = s->ops->doc_insert(s, org, &r, err);
        free(body);
        if (!rc) *doc_id = r.id;
    }
    owed_doc_free(&d);
    return rc;
}

int owed_draft_create(struct owed_store *s, int64_t org, const json_t *input, const char *source,
                      owed_time_ms now, int64_t *doc_id, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = owed__draft_create_in(s, org, input, source, now, doc_id, err);
    return owed__tx_end(s, rc, err);
}

/* ---- issuing ---- */

/* The next number of the series `format` on `issue`: "INV-{YYYY}-{SEQ:5}" -> INV-2026-00042.
 * The counter is per series as written with its year, so each year starts again at 1. */
static int next_number(struct owed_store *s, int64_t org, const char *format, owed_date issue,
                       char out[65], struct owed_buf *err)
{
    int y, m, dd;
    owed_date_to_ymd(issue, &y, &m, &dd);
    char series[96] = "";
    size_t n = 0;
    int width = 0;
    for (const char *p = format; *p && n + 8 < sizeof series; p++) {
        if (!strncmp(p, "{YYYY}", 6)) {
            n += (size_t)snprintf(series + n, sizeof series - n, "%04d", y);
            p += 5;
        } else {
            if (!strncmp(p, "{SEQ:", 5)) {
                width = (int)strtol(p + 5, NULL, 10);
            }
            series[n++] = *p;
            series[n] = '\0';
        }
    }
    char name[128];
    snprintf(name, sizeof name, "doc:%s", series);
    int64_t v;
    int rc = s->ops->seq_next(s, org, name, &v, err);
    if (rc) return rc;
    /* Replace {SEQ:n} in the series by the zero-padded value. */
    const char *open = strstr(series, "{SEQ:");
    const char *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) {
        owed_buf_addf(err, "number format \"%s\" has no {SEQ:n}", format);
        return OWED_E_INVALID;
    }
    int len = snprintf(out, 65, "%.*s%0*lld%s", (int)(open - series), series, width,
                       (long long)v, close + 1);
    if (len >= 65) {
        owed_buf_addf(err, "number format \"%s\" makes numbers longer than 64 bytes", format);
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

static int post_invoice(struct owed_store *s, int64_t org, const struct owed_doc *d,
                        const struct owed_customer *c, int64_t *ledger_id, struct owed_buf *err)
{
    struct owed_invoice inv;
    memset(&inv, 0, sizeof inv);
    snprintf(inv.number, sizeof inv.number, "%s", d->number);
    inv.customer_id = c->id;
    inv.issue_date = d->issue_date;
    inv.due_date = d->due_date;
    memcpy(inv.currency, d->currency, 4);
    inv.amount_minor = d->totals.payable;
    snprintf(inv.po_number, sizeof inv.po_number, "%s", d->order_reference);
    inv.kind = OWED_INVOICE_SALE;
    memcpy(inv.terms, c->terms, sizeof inv.terms);
    int rc = s->ops->invoice_insert(s, org, &inv, err);
    if (rc == OWED_E_EXISTS) {
        owed_buf_addf(err, "number %s is already used by another invoice", inv.number);
        return OWED_E_CONFLICT;
    }
    struct owed_entry e;
    if (!rc) rc = owed_ledger_invoice(inv.id, inv.customer_id, inv.currency, inv.issue_date,
                                      inv.amount_minor, &e);
    if (!rc) rc = s->ops->entry_append(s, org, &e, NULL, err);
    struct owed_events ev;
    owed_events_init(&ev, s, org, 0);
    bool wanted = false;
    if (!rc) rc = owed_events_wanted(&ev, "invoice.created", &wanted, err);
    if (!rc && wanted) rc = owed__event_invoice(&ev, "invoice.created", &inv, c->ref, 0, err);
    owed_events_release(&ev);
    if (!rc) *ledger_id = inv.id;
    return rc;
}

static int post_credit_note(struct owed_store *s, int64_t org, const struct owed_doc *d,
                            const struct owed_customer *c, int64_t *ledger_id,
                            struct owed_buf *err)
{
    char amount[OWED__AMOUNT_MAX + 1];
    size_t n = owed__amount_write(amount, d->totals.payable,
                                  owed_currency_exponent(d->currency), false);
    amount[n] = '\0';
    struct owed_buf out = OWED_BUF_INIT(0);
    struct owed_invoice inv;
    const char *against = d->preceding_number;
    int rc = against[0] ? s->ops->invoice_get(s, org, against, &inv, err) : OWED_E_NOT_FOUND;
    if (rc == OWED_E_NOT_FOUND) against = NULL; /* an invoice owed never saw: on account */
    else if (rc) return rc;
    rc = owed__cash_credit_note_in(s, org, d->number, c->ref, against, amount,
                                       d->issue_date, d->note[0] ? d->note : "credit note", &out,
                                       err);
    owed_buf_release(&out);
    struct owed_payment p;
    if (!rc) rc = s->ops->payment_get(s, org, d->number, &p, err);
    if (!rc) *ledger_id = p.id;
    return rc;
}

int owed__doc_post(struct owed_store *s, int64_t org, const struct owed_doc *d,
                   const struct owed_customer *c, int64_t *ledger_id, struct owed_buf *err)
{
    return d->type == OWED_DOC_INVOICE ? post_invoice(s, org, d, c, ledger_id, err)
                                       : post_credit_note(s, org, d, c, ledger_id, err);
}

/* The body of owed__draft_issue_in and owed__draft_issue_as: `given` is the number to
 * issue under, NULL for the next of the series. */
static int issue_draft(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                       owed_time_ms now, const char *given, char number[65],
                       struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    int rc = s->ops->doc_get(s, org, doc_id, 0, 0, &r, &body, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no draft #%lld", (long long)doc_id);
    if (!rc && r.status != OWED_DOCST_DRAFT) {
        owed_buf_addf(err, "#%lld is already issued as %s", (long long)doc_id, r.number);
        rc = OWED_E_CONFLICT;
    }
    if (!rc) rc = owed_doc_load(&r, &d, err);
    struct owed_customer c;
    struct owed_terms t;
    if (!rc) rc = s->ops->customer_get_id(s, org, r.customer_id, &c, err);
    if (!rc) rc = customer_terms(&c, &t, err);
    struct owed_seller sl;
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    if (!rc) {
        if (!d.issue_date) d.issue_date = today;
        if (!d.due_date && d.type == OWED_DOC_INVOICE)
            d.due_date = owed_terms_due_date(&t, d.issue_date);
        if (d.due_date && d.due_date < d.issue_date) {
            owed_buf_adds(err, "due_date: before the issue date");
            rc = OWED_E_INVALID;
        }
    }
    if (!rc) rc = owed_doc_compute(&d, owed_currency_exponent(d.currency), err);
    if (!rc && d.totals.payable <= 0) {
        owed_buf_addf(err, "the amount due must be above zero (%s)",
                      d.type == OWED_DOC_INVOICE ? "to give money back, issue a credit note"
                                                 : "a credit note credits a positive amount");
        rc = OWED_E_INVALID;
    }
    if (!rc && given)
        snprintf(d.number, sizeof d.number, "%s", given);
    else if (!rc)
        rc = next_number(s, org, d.type == OWED_DOC_INVOICE ? sl.invoice_format : sl.credit_format,
                         d.issue_date, d.number, err);
    if (!rc && !d.payment_id[0]) snprintf(d.payment_id, sizeof d.payment_id, "%s", d.number);
    if (!rc && (rc = owed__doc_check_rules(&d, err)) == OWED_E_REJECTED)
        owed_buf_addf(err, "\n(the seller's details: owed seller set; the customer's address: "
                           "owed seller party %s)", c.ref);
    int64_t ledger_id = 0;
    if (!rc) rc = owed__doc_post(s, org, &d, &c, &ledger_id, err);
    if (!rc) {
        json_t *j = owed_doc_to_json(&d);
        char *text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        r.status = OWED_DOCST_ISSUED;
        snprintf(r.number, sizeof r.number, "%s", d.number);
        r.ledger_id = ledger_id;
        r.body = text;
        owed__iso_time(now, r.issued_at);
        rc = s->ops->doc_update(s, org, &r, err);
        free(text);
    }
    if (!rc) snprintf(number, 65, "%s", d.number);
    owed_doc_free(&d);
    owed_buf_release(&body);
    return rc;
}

int owed__draft_issue_in(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                         owed_time_ms now, char number[65], struct owed_buf *err)
{
    return issue_draft(s, org, doc_id, today, now, NULL, number, err);
}

int owed__draft_issue_as(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                         owed_time_ms now, const char *given, char number[65],
                         struct owed_buf *err)
{
    OWED_ASSERT(given && given[0] && strlen(given) <= OWED_DOC_ID_MAX);
    return issue_draft(s, org, doc_id, today, now, given, number, err);
}

int owed_draft_issue(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                     owed_time_ms now, char number[65], struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = owed__draft_issue_in(s, org, doc_id, today, now, number, err);
    return owed__tx_end(s, rc, err);
}

/* ---- finding and showing ---- */

int owed_doc_load(const struct owed_doc_rec *r, struct owed_doc *out, struct owed_buf *err)
{
    json_error_t je;
    json_t *j = json_loads(r->body, 0, &je);
    if (!j) {
        owed_buf_addf(err, "document #%lld: stored JSON unreadable: %s", (long long)r->id, je.text);
        return OWED_E_STORE;
    }
    int rc = owed_doc_from_json(j, out, err);
    json_decref(j);
    return rc;
}

int owed_doc_find(struct owed_store *s, int64_t org, const char *key, struct owed_doc_rec *out,
                  struct owed_buf *body, struct owed_buf *err)
{
    if (key[0] == '#') {
        char *end;
        long long id = strtoll(key + 1, &end, 10);
        if (*end || id <= 0) {
            owed_buf_addf(err, "'%s' is not a document id (#N)", key);
            return OWED_E_INVALID;
        }
        int rc = s->ops->doc_get(s, org, id, 0, 0, out, body, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no document %s", key);
        return rc;
    }
    struct owed_invoice inv;
    int rc = s->ops->invoice_get(s, org, key, &inv, err);
    if (!rc) rc = s->ops->doc_get(s, org, 0, OWED_DOC_INVOICE, inv.id, out, body, err);
    if (rc == OWED_E_NOT_FOUND) {
        struct owed_payment p;
        rc = s->ops->payment_get(s, org, key, &p, err);
        if (!rc) rc = s->ops->doc_get(s, org, 0, OWED_DOC_CREDIT_NOTE, p.id, out, body, err);
    }
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no invoice document %s", key);
    return rc;
}

static json_t *iso_or_null(const char *t) { return t[0] ? json_string(t) : json_null(); }

static const char *status_name(int st) { return st == OWED_DOCST_DRAFT ? "draft" : "issued"; }

/* The summary every listing and the full view share. */
static json_t *doc_summary(const struct owed_doc_rec *r, const char *customer_ref,
                           const struct owed_doc *d, bool has_terms, const char *delivery)
{
    int e = owed_currency_exponent(d->currency);
    char amount[OWED__AMOUNT_MAX + 1];
    owed_decimal_text(d->totals.payable, e < 0 ? 2 : e, e < 0 ? 2 : e, amount, sizeof amount);
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:s}", "id", (json_int_t)r->id, "type",
        r->type == OWED_DOC_CREDIT_NOTE ? "credit_note" : "invoice", "status",
        status_name(r->status), "number", r->number[0] ? json_string(r->number) : json_null(),
        "customer", customer_ref, "currency", d->currency, "amount", amount, "source",
        r->source);
    char day[11];
    if (d->issue_date) {
        owed_date_format(d->issue_date, day);
        json_object_set_new(o, "issue_date", json_string(day));
    }
    if (d->due_date) {
        owed_date_format(d->due_date, day);
        json_object_set_new(o, "due_date", json_string(day));
    }
    /* The three-way set: the invoice, the terms sheet that goes with it, and the
     * customer's acknowledgement of receipt. */
    json_object_set_new(o, "documents",
                        json_pack("{s:b,s:b,s:o}", "invoice", r->status == OWED_DOCST_ISSUED,
                                  "terms_sheet", has_terms && r->status == OWED_DOCST_ISSUED,
                                  "acknowledged", iso_or_null(r->ack_at)));
    if (r->ack_at[0]) json_object_set_new(o, "acknowledged_via", json_string(r->ack_via));
    json_object_set_new(o, "delivery", json_string(delivery[0] ? delivery : "not sent"));
    json_object_set_new(o, "sent_at", iso_or_null(r->sent_at));
    json_object_set_new(o, "issued_at", iso_or_null(r->issued_at));
    return o;
}

/* The delivery state: the outbox message's when one was queued. */
static int delivery_of(struct owed_store *s, int64_t org, const struct owed_doc_rec *r,
                       char *out, size_t cap, struct owed_buf *err)
{
    snprintf(out, cap, "%s", r->delivery);
    if (!r->message_id) return OWED_OK;
    return owed__doc_delivery_state(s, org, r->message_id, out, cap, err);
}

int owed_view_document(struct owed_store *s, int64_t org, const char *key, json_t **out,
                       struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = owed_doc_find(s, org, key, &r, &body, err);
    if (!rc) rc = owed_doc_load(&r, &d, err);
    struct owed_customer c;
    struct owed_seller sl;
    char delivery[16] = "";
    if (!rc) rc = s->ops->customer_get_id(s, org, r.customer_id, &c, err);
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    if (!rc) rc = delivery_of(s, org, &r, delivery, sizeof delivery, err);
    if (!rc) {
        *out = doc_summary(&r, c.ref, &d, sl.has_terms, delivery);
        json_object_set_new(*out, "document", owed_doc_to_json(&d));
    }
    s->ops->read_end(s);
    owed_doc_free(&d);
    owed_buf_release(&body);
    return rc;
}

struct list_ctx {
    struct owed_doc_rec *recs;
    char **bodies;
    size_t n, cap;
};

static int collect(void *ctx, const struct owed_doc_rec *r)
{
    struct list_ctx *l = ctx;
    OWED_ALLOC_GROW(l->recs, l->n + 1, l->cap);
    l->bodies = owed_xrealloc(l->bodies, l->cap * sizeof *l->bodies);
    l->recs[l->n] = *r;
    l->bodies[l->n] = owed_xstrdup(r->body);
    l->recs[l->n].body = l->bodies[l->n];
    l->n++;
    return OWED_OK;
}

int owed_view_documents(struct owed_store *s, int64_t org, const char *customer_ref, int status,
                        int type, json_t **out, struct owed_buf *err)
{
    struct owed_doc_filter f = {0, status, type};
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    if (customer_ref && *customer_ref) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", customer_ref);
        f.customer_id = c.id;
    }
    struct list_ctx l = {0};
    if (!rc) rc = s->ops->docs_each(s, org, &f, collect, &l, err);
    struct owed_seller sl;
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    json_t *arr = json_array();
    for (size_t i = 0; !rc && i < l.n; i++) {
        struct owed_doc d;
        struct owed_customer c;
        char delivery[16] = "";
        rc = owed_doc_load(&l.recs[i], &d, err);
        if (!rc) rc = s->ops->customer_get_id(s, org, l.recs[i].customer_id, &c, err);
        if (!rc) rc = delivery_of(s, org, &l.recs[i], delivery, sizeof delivery, err);
        if (!rc) json_array_append_new(arr, doc_summary(&l.recs[i], c.ref, &d, sl.has_terms,
                                                        delivery));
        owed_doc_free(&d);
    }
    s->ops->read_end(s);
    for (size_t i = 0; i < l.n; i++) free(l.bodies[i]);
    free(l.bodies);
    free(l.recs);
    if (rc) json_decref(arr);
    else *out = arr;
    return rc;
}
