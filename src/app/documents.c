/* Rendering, rule checks, acknowledgements and delivery of invoice documents
 * (documents.h). */
#include "app/documents.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/doc_json.h"
#include "app/invoicing.h"
#include "app/org_keys.h"
#include "base.h"
#include "core/collections.h"
#include "core/dunning.h"
#include "core/epc_qr.h"
#include "io/mail.h"
#include "io/pdf.h"
#include "io/ubl.h"
#include "io/ubl_rules.h"

/* ---- rules ---- */

struct rule_ctx {
    struct owed_buf *err;
    int fatal;
};

static int on_rule(void *ctx, const struct owed_rule_result *r)
{
    struct rule_ctx *c = ctx;
    /* EN 16931 decides; Peppol's own rules (electronic addresses, a buyer reference) matter
     * for delivery over the Peppol network, which owed does not do: not a reason to refuse. */
    if (strcmp(r->flag, "fatal") || !strncmp(r->rule, "PEPPOL-", 7)) return OWED_OK;
    owed_buf_addf(c->err, "%s%s: %s", c->fatal++ ? "\n" : "", r->rule, r->message);
    return OWED_OK;
}

int owed__doc_check_rules(const struct owed_doc *d, struct owed_buf *err)
{
    struct owed_buf xml = OWED_BUF_INIT(OWED_UBL_MAX_BYTES);
    int rc = owed_ubl_write(d, owed_currency_exponent(d->currency), &xml, err);
    struct rule_ctx c = {err, 0};
    int failures = 0;
    if (!rc) rc = owed_ubl_check(xml.ptr, xml.len, NULL, on_rule, &c, &failures, err);
    if (!rc && c.fatal) rc = OWED_E_REJECTED;
    owed_buf_release(&xml);
    return rc;
}

/* ---- delivery state ---- */

struct state_ctx {
    char *out;
    size_t cap;
};

static int take_state(void *ctx, const struct owed_outbox_msg *m)
{
    struct state_ctx *c = ctx;
    snprintf(c->out, c->cap, "%s", owed_msg_status_name(m->status));
    return OWED_OK;
}

int owed__doc_delivery_state(struct owed_store *s, int64_t org, int64_t msg_id, char *out,
                             size_t cap, struct owed_buf *err)
{
    struct owed_outbox_filter f = {0};
    f.id = msg_id;
    struct state_ctx c = {out, cap};
    return s->ops->outbox_each(s, org, &f, take_state, &c, err);
}

/* ---- rendering ---- */

/* The EPC QR payload for the amount due of an EUR document with a valid IBAN; "" when the
 * document cannot carry one (another currency, no account). */
static void qr_payload(const struct owed_doc *d, struct owed_buf *out)
{
    if (strcmp(d->currency, "EUR") || !d->iban[0] || d->totals.payable <= 0 ||
        d->type != OWED_DOC_INVOICE)
        return;
    const char *name = d->account_name[0] ? d->account_name : d->seller.name;
    struct owed_buf ignore = OWED_BUF_INIT(0);
    if (owed_epc_qr_payload(name, d->iban, d->bic[0] ? d->bic : NULL, d->totals.payable,
                            d->payment_id[0] ? d->payment_id : d->number, out, &ignore))
        owed_buf_reset(out);
    owed_buf_release(&ignore);
}

static int render_invoice_pdf(struct owed_store *s, int64_t org, const struct owed_doc_rec *r,
                              const struct owed_doc *d, struct owed_buf *out,
                              struct owed_buf *err)
{
    char ack[512] = "";
    int rc = OWED_OK;
    if (r->status == OWED_DOCST_ISSUED && d->type == OWED_DOC_INVOICE)
        rc = owed_ack_url(s, org, r->id, ack, err);
    if (rc) return rc;
    struct owed_buf qr = OWED_BUF_INIT(0);
    qr_payload(d, &qr);
    const char *terms[2];
    size_t n_terms = 0;
    if (d->payment_terms[0]) terms[n_terms++] = d->payment_terms;
    struct owed_pdf_invoice_extra x = {
        .exponent = owed_currency_exponent(d->currency),
        .status = r->status == OWED_DOCST_DRAFT ? "DRAFT" : NULL,
        .ack_url = ack[0] ? ack : NULL,
        .qr_payload = qr.len ? qr.ptr : NULL,
        .terms = terms,
        .n_terms = n_terms,
    };
    rc = owed_pdf_invoice(d, &x, out, err);
    owed_buf_release(&qr);
    return rc;
}

static int render_terms(const struct owed_seller *sl, const struct owed_doc *d,
                        struct owed_buf *out, struct owed_buf *err)
{
    char bank[1200];
    if (sl->terms.bank[0])
        snprintf(bank, sizeof bank, "%s", sl->terms.bank);
    else if (sl->iban[0])
        snprintf(bank, sizeof bank, "Account holder: %s\nIBAN: %s%s%s",
                 sl->account_name[0] ? sl->account_name : sl->party.name, sl->iban,
                 sl->bic[0] ? "\nBIC: " : "", sl->bic);
    else
        bank[0] = '\0';
    struct owed_pdf_section sec[5];
    size_t n = 0;
    const char *pay = sl->terms.payment[0] ? sl->terms.payment : d->payment_terms;
    if (pay[0]) sec[n++] = (struct owed_pdf_section){"Payment terms", pay};
    if (sl->terms.discount[0])
        sec[n++] = (struct owed_pdf_section){"Early-payment discount", sl->terms.discount};
    if (sl->terms.late_fees[0])
        sec[n++] = (struct owed_pdf_section){"Late fees and interest", sl->terms.late_fees};
    if (bank[0]) sec[n++] = (struct owed_pdf_section){"Bank details", bank};
    if (sl->terms.disputes[0])
        sec[n++] = (struct owed_pdf_section){"Disputing an invoice", sl->terms.disputes};
    struct owed_pdf_terms t = {
        .seller = &d->seller,
        .customer = &d->buyer,
        .date = d->issue_date,
        .sections = sec,
        .n_sections = n,
    };
    return owed_pdf_terms(&t, out, err);
}

static void file_name(const struct owed_doc_rec *r, const char *ext, char out[128])
{
    char base[80];
    if (r->number[0]) snprintf(base, sizeof base, "%s", r->number);
    else snprintf(base, sizeof base, "draft-%lld", (long long)r->id);
    for (char *p = base; *p; p++)
        if (*p == '/' || *p == '\\' || (unsigned char)*p < 0x20) *p = '-';
    snprintf(out, 128, "%s%s", base, ext);
}

static int render_loaded(struct owed_store *s, int64_t org, const struct owed_doc_rec *r,
                         const struct owed_doc *d, enum owed_doc_render what,
                         struct owed_buf *out, char filename[128], struct owed_buf *err)
{
    switch (what) {
    case OWED_RENDER_PDF:
        file_name(r, ".pdf", filename);
        return render_invoice_pdf(s, org, r, d, out, err);
    case OWED_RENDER_UBL:
        file_name(r, ".xml", filename);
        return owed_ubl_write(d, owed_currency_exponent(d->currency), out, err);
    case OWED_RENDER_TERMS: {
        struct owed_seller sl;
        int rc = owed_seller_get(s, org, &sl, err);
        if (!rc && !sl.has_terms) {
            owed_buf_adds(err, "no terms sheet is set (owed seller set, \"terms\")");
            return OWED_E_NOT_FOUND;
        }
        char base[128];
        file_name(r, "", base);
        snprintf(filename, 128, "terms-%.100s.pdf", base);
        return rc ? rc : render_terms(&sl, d, out, err);
    }
    }
    OWED_UNREACHABLE("render kind");
}

int owed_doc_render(struct owed_store *s, int64_t org, const char *key,
                    enum owed_doc_render what, struct owed_buf *out, char filename[128],
                    struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    /* A write transaction: the first acknowledgement link makes the org's key. */
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = owed_doc_find(s, org, key, &r, &body, err);
    if (!rc) rc = owed_doc_load(&r, &d, err);
    if (!rc) rc = render_loaded(s, org, &r, &d, what, out, filename, err);
    owed_doc_free(&d);
    owed_buf_release(&body);
    return owed__tx_end(s, rc, err);
}

/* ---- acknowledgement links ---- */

#define ACK_KEY "secret:ack"

/* The token of document doc_id's link: HMAC-SHA256 of "ack:ORG:DOC", first 128 bits. */
static void ack_token(const unsigned char key[OWED_ORG_KEY_BYTES], int64_t org, int64_t doc_id,
                      char out[33])
{
    char msg[64];
    snprintf(msg, sizeof msg, "ack:%lld:%lld", (long long)org, (long long)doc_id);
    owed__mac_hex(key, msg, 16, out);
}

int owed_ack_url(struct owed_store *s, int64_t org, int64_t doc_id, char out[512],
                 struct owed_buf *err)
{
    unsigned char key[OWED_ORG_KEY_BYTES];
    int rc = owed__org_key(s, org, ACK_KEY, true, key, err);
    struct owed_seller sl;
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    if (rc) return rc;
    char tok[33];
    ack_token(key, org, doc_id, tok);
    sodium_memzero(key, sizeof key);
    const char *base = sl.public_url[0] ? sl.public_url : "http://localhost:8080";
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    snprintf(out, 512, "%.*s/ack/%lld/%lld/%s", (int)n, base, (long long)org, (long long)doc_id,
             tok);
    return OWED_OK;
}

int owed_doc_ack_url(struct owed_store *s, int64_t org, const char *key, char out[512],
                     struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    int rc = s->ops->begin(s, err); /* the first link makes the org's key */
    if (rc) return rc;
    rc = owed_doc_find(s, org, key, &r, &body, err);
    if (!rc) rc = owed_ack_url(s, org, r.id, out, err);
    owed_buf_release(&body);
    return owed__tx_end(s, rc, err);
}

int owed__ack_write(struct owed_store *s, int64_t org, struct owed_doc_rec *r, const char *via,
                    owed_time_ms now, bool *first, struct owed_buf *err)
{
    *first = false;
    if (r->status != OWED_DOCST_ISSUED) {
        owed_buf_addf(err, "#%lld is a draft: only an issued document is acknowledged",
                      (long long)r->id);
        return OWED_E_CONFLICT;
    }
    if (r->ack_at[0]) return OWED_OK; /* the first acknowledgement stands */
    owed__iso_time(now, r->ack_at);
    snprintf(r->ack_via, sizeof r->ack_via, "%s", via);
    *first = true;
    return s->ops->doc_update(s, org, r, err);
}

/* Inside a transaction: the document doc_id when token is its link's (constant time).
 * OWED_E_DENIED for a wrong token or an organization that never made a link. */
static int ack_verified(struct owed_store *s, int64_t org, int64_t doc_id, const char *token,
                        struct owed_doc_rec *out, struct owed_buf *body, struct owed_buf *err)
{
    unsigned char key[OWED_ORG_KEY_BYTES];
    char want[33];
    int rc = owed__org_key(s, org, ACK_KEY, false, key, err);
    if (rc == OWED_E_NOT_FOUND) rc = OWED_E_DENIED; /* no link was ever made */
    if (!rc) {
        ack_token(key, org, doc_id, want);
        sodium_memzero(key, sizeof key);
        if (!owed__mac_equal(want, token)) rc = OWED_E_DENIED;
    }
    if (rc == OWED_E_DENIED) owed_buf_adds(err, "this acknowledgement link is not valid");
    if (!rc) rc = s->ops->doc_get(s, org, doc_id, 0, 0, out, body, err);
    return rc;
}

int owed_ack_lookup(struct owed_store *s, int64_t org, int64_t doc_id, const char *token,
                    struct owed_doc_rec *out, struct owed_buf *body, struct owed_buf *err)
{
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = ack_verified(s, org, doc_id, token, out, body, err);
    s->ops->read_end(s);
    return rc;
}

int owed_ack_record(struct owed_store *s, int64_t org, int64_t doc_id, const char *token,
                    const char *via, owed_time_ms now, bool *first, struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_doc_rec r;
    rc = ack_verified(s, org, doc_id, token, &r, &body, err);
    if (!rc) rc = owed__ack_write(s, org, &r, via, now, first, err);
    owed_buf_release(&body);
    return owed__tx_end(s, rc, err);
}

int owed_ack_by_staff(struct owed_store *s, int64_t org, const char *key, const char *via,
                      owed_time_ms now, bool *first, struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_doc_rec r;
    rc = owed_doc_find(s, org, key, &r, &body, err);
    if (!rc) rc = owed__ack_write(s, org, &r, via, now, first, err);
    owed_buf_release(&body);
    return owed__tx_end(s, rc, err);
}

/* ---- delivery ---- */

static void body_text(const struct owed_doc *d, const char *org_name, const char *ack,
                      bool with_terms, struct owed_buf *b)
{
    int e = owed_currency_exponent(d->currency);
    char amount[OWED__AMOUNT_MAX + 1], due[11] = "";
    amount[owed__amount_write(amount, d->totals.payable, e, true)] = '\0';
    if (d->due_date) owed_date_format(d->due_date, due);
    bool credit = d->type == OWED_DOC_CREDIT_NOTE;
    owed_buf_addf(b, "Dear %s,\n\n", d->buyer.name);
    if (credit)
        owed_buf_addf(b, "please find attached our credit note %s for %s %s, correcting "
                         "invoice %s.\n", d->number, d->currency, amount, d->preceding_number);
    else
        owed_buf_addf(b, "please find attached our invoice %s for %s %s, due on %s.\n",
                      d->number, d->currency, amount, due);
    owed_buf_adds(b, "The PDF is for reading and printing; the XML file is the same invoice as "
                     "a UBL 2.1 / Peppol BIS Billing 3.0 e-invoice for your accounting "
                     "system.\n");
    if (with_terms) owed_buf_adds(b, "Our terms of payment are attached as well.\n");
    if (!credit && d->iban[0])
        owed_buf_addf(b, "\nPlease pay to IBAN %s%s%s with the reference %s.\n", d->iban,
                      d->bic[0] ? ", BIC " : "", d->bic, d->payment_id[0] ? d->payment_id
                                                                          : d->number);
    if (ack[0])
        owed_buf_addf(b, "\nPlease confirm that you received this invoice:\n%s\n", ack);
    owed_buf_addf(b, "\nKind regards,\n%s\n", org_name);
}

static int queue_mail(struct owed_store *s, int64_t org, const struct owed_doc_rec *r,
                      const struct owed_doc *d, owed_time_ms now, int64_t *msg_id,
                      struct owed_buf *err)
{
    struct owed_org_settings set;
    struct owed_seller sl;
    struct owed_customer c;
    int rc = s->ops->org_settings_get(s, org, &set, err);
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    if (!rc) rc = s->ops->customer_get_id(s, org, r->customer_id, &c, err);
    if (rc) return rc;
    if (!set.mail_from[0]) {
        owed_buf_adds(err, "emails need a sender: owed org set --mail-from 'Name <address>'");
        return OWED_E_INVALID;
    }
    const char *to = d->buyer.contact_email[0] ? d->buyer.contact_email : c.email;
    if (!to[0]) {
        owed_buf_addf(err, "customer %s has no email address", c.ref);
        return OWED_E_INVALID;
    }
    char ack[512] = "";
    if (d->type == OWED_DOC_INVOICE && (rc = owed_ack_url(s, org, r->id, ack, err))) return rc;
    bool with_terms = d->type == OWED_DOC_INVOICE && sl.has_terms;
    struct owed_buf pdf = OWED_BUF_INIT(0), ubl = OWED_BUF_INIT(0), terms = OWED_BUF_INIT(0),
                    text = OWED_BUF_INIT(0), subject = OWED_BUF_INIT(0), mail = OWED_BUF_INIT(0);
    char f_pdf[128], f_ubl[128], f_terms[128];
    rc = render_loaded(s, org, r, d, OWED_RENDER_PDF, &pdf, f_pdf, err);
    if (!rc) rc = render_loaded(s, org, r, d, OWED_RENDER_UBL, &ubl, f_ubl, err);
    if (!rc && with_terms) rc = render_loaded(s, org, r, d, OWED_RENDER_TERMS, &terms, f_terms, err);
    struct owed_outbox_msg m;
    memset(&m, 0, sizeof m);
    if (!rc) {
        body_text(d, set.name[0] ? set.name : sl.party.name, ack, with_terms, &text);
        owed_buf_addf(&subject, "%s %s from %s",
                      d->type == OWED_DOC_CREDIT_NOTE ? "Credit note" : "Invoice", d->number,
                      set.name[0] ? set.name : sl.party.name);
        struct owed_mail_attachment att[3] = {
            {f_pdf, "application/pdf", pdf.ptr, pdf.len},
            {f_ubl, "application/xml", ubl.ptr, ubl.len},
            {f_terms, "application/pdf", terms.ptr, terms.len},
        };
        char from_addr[300], msgid[400], seed[96];
        const char *domain = "owed.invalid";
        if (owed_mail_address(set.mail_from, from_addr, sizeof from_addr) == OWED_OK) {
            const char *at = strrchr(from_addr, '@');
            if (at) domain = at + 1;
        }
        snprintf(msgid, sizeof msgid, "invoice-%lld-%lld.org%lld@%s", (long long)r->id,
                 (long long)now, (long long)org, domain);
        snprintf(seed, sizeof seed, "doc-%lld-%lld-%lld", (long long)org, (long long)r->id,
                 (long long)now);
        struct owed_mail mm = {
            .from = set.mail_from,
            .to = to,
            .subject = subject.ptr,
            .text = text.ptr,
            .message_id = msgid,
            .date_unix = now / 1000,
            .boundary_seed = seed,
            .attachments = att,
            .n_attachments = with_terms ? 3 : 2,
        };
        rc = owed_mail_compose(&mm, &mail, err);
    }
    if (!rc) {
        m.customer_id = c.id;
        m.channel = OWED_CHANNEL_EMAIL;
        snprintf(m.step, sizeof m.step, "document:%lld", (long long)r->id);
        m.recipient = to;
        m.subject = subject.ptr;
        m.body = mail.ptr;
        m.status = OWED_MSG_QUEUED;
        m.next_attempt = now / 1000;
        rc = s->ops->outbox_insert(s, org, &m, err);
    }
    if (!rc) *msg_id = m.id;
    owed_buf_release(&pdf);
    owed_buf_release(&ubl);
    owed_buf_release(&terms);
    owed_buf_release(&text);
    owed_buf_release(&subject);
    owed_buf_release(&mail);
    return rc;
}

int owed_doc_send(struct owed_store *s, int64_t org, const char *key, owed_time_ms now,
                  int64_t *msg_id, struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = owed_doc_find(s, org, key, &r, &body, err);
    if (!rc && r.status != OWED_DOCST_ISSUED) {
        owed_buf_addf(err, "%s is a draft: issue it first (owed invoice issue)", key);
        rc = OWED_E_CONFLICT;
    }
    if (!rc) rc = owed_doc_load(&r, &d, err);
    if (!rc) rc = queue_mail(s, org, &r, &d, now, msg_id, err);
    if (!rc) {
        r.message_id = *msg_id;
        snprintf(r.delivery, sizeof r.delivery, "queued");
        owed__iso_time(now, r.sent_at);
        rc = s->ops->doc_update(s, org, &r, err);
    }
    owed_doc_free(&d);
    owed_buf_release(&body);
    return owed__tx_end(s, rc, err);
}
