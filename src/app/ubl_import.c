/* UBL import (ubl_import.h). */
#include "app/ubl_import.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/doc_json.h"
#include "app/files.h"
#include "app/invoicing.h"
#include "base.h"
#include "io/ubl.h"
#include "io/ubl_rules.h"

struct rules {
    struct owed_buf *err;
    const char *name;
    int fatal;
};

static int on_rule(void *ctx, const struct owed_rule_result *r)
{
    struct rules *c = ctx;
    /* As when issuing (documents.c): EN 16931 decides, Peppol's network rules do not. */
    if (strcmp(r->flag, "fatal") || !strncmp(r->rule, "PEPPOL-", 7)) return OWED_OK;
    owed_buf_addf(c->err, "%s%s: %s: %s", c->fatal++ ? "\n" : "", c->name, r->rule, r->message);
    return OWED_OK;
}

/* The buyer's key as a customer ref: VAT id, legal id, electronic address, else name. */
static bool buyer_ref(const struct owed_party *b, char out[OWED_REF_MAX + 1])
{
    const char *k = b->vat_id[0]        ? b->vat_id
                    : b->legal_id[0]    ? b->legal_id
                    : b->endpoint_id[0] ? b->endpoint_id
                                        : b->name;
    if (!k[0]) return false;
    snprintf(out, OWED_REF_MAX + 1, "%.64s", k);
    return true;
}

static int find_customer(struct owed_store *s, int64_t org, const struct owed_doc *d,
                         struct owed_customer *c, bool *made, struct owed_buf *err)
{
    char ref[OWED_REF_MAX + 1];
    *made = false;
    if (!buyer_ref(&d->buyer, ref)) {
        owed_buf_adds(err, "the buyer has no name, VAT id, legal id or electronic address "
                           "to find the customer by");
        return OWED_E_INVALID;
    }
    int rc = s->ops->customer_get(s, org, ref, c, err);
    if (rc != OWED_E_NOT_FOUND) return rc;
    memset(c, 0, sizeof *c);
    snprintf(c->ref, sizeof c->ref, "%s", ref);
    snprintf(c->name, sizeof c->name, "%.200s", d->buyer.name);
    if (strlen(d->buyer.contact_email) < sizeof c->email)
        snprintf(c->email, sizeof c->email, "%.254s", d->buyer.contact_email);
    memcpy(c->currency, d->currency, 4);
    int days = d->due_date > d->issue_date ? (int)(d->due_date - d->issue_date) : 0;
    if (days > 365) days = 365;
    if (days) snprintf(c->terms, sizeof c->terms, "NET%d", days);
    else snprintf(c->terms, sizeof c->terms, "DUE");
    if ((rc = s->ops->customer_insert(s, org, c, err))) return rc;
    *made = true;
    char key[40];
    snprintf(key, sizeof key, "party:%lld", (long long)c->id);
    json_t *j = owed_party_to_json(&d->buyer);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    rc = s->ops->orgdoc_put(s, org, key, text, err);
    free(text);
    json_decref(j);
    return rc;
}

/* Same number: the same body is a repeat; anything else a conflict. */
static int already(struct owed_store *s, int64_t org, const struct owed_doc *d, const char *body,
                   struct owed_ubl_import_result *res, bool *repeat, struct owed_buf *err)
{
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    *repeat = false;
    int rc = owed_doc_find(s, org, d->number, &r, &b, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        rc = OWED_OK;
        /* A number taken by a ledger invoice without a document (a CSV import). */
        struct owed_invoice inv;
        if (d->type == OWED_DOC_INVOICE &&
            s->ops->invoice_get(s, org, d->number, &inv, err) == OWED_OK) {
            owed_buf_addf(err, "invoice %s is already recorded (not from this file)", d->number);
            rc = OWED_E_CONFLICT;
        }
    } else if (!rc && !strcmp(r.body, body) && !strcmp(r.source, "ubl")) {
        *repeat = true;
        res->doc_id = r.id;
    } else if (!rc) {
        owed_buf_addf(err, "%s %s is already recorded with different content", d->type ==
                      OWED_DOC_CREDIT_NOTE ? "credit note" : "invoice", d->number);
        rc = OWED_E_CONFLICT;
    }
    owed_buf_release(&b);
    return rc;
}

int owed_ubl_import_mem(struct owed_store *s, int64_t org, const char *name, const char *xml,
                        size_t len, owed_time_ms now, struct owed_ubl_import_result *res,
                        struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    struct owed_doc d;
    struct owed_buf e = OWED_BUF_INIT(0);
    int rc = owed_ubl_read(xml, len, &d, &e);
    if (rc) {
        owed_buf_addf(err, "%s: %s", name, e.ptr);
        owed_buf_release(&e);
        return rc;
    }
    struct rules rr = {err, name, 0};
    rc = owed_ubl_check(xml, len, NULL, on_rule, &rr, NULL, &e);
    if (rc) owed_buf_addf(err, "%s: %s", name, e.ptr);
    else if (rr.fatal) rc = OWED_E_REJECTED;
    owed_buf_release(&e);
    if (rc) {
        owed_doc_free(&d);
        return rc;
    }
    snprintf(res->number, sizeof res->number, "%s", d.number);
    snprintf(res->type, sizeof res->type, "%s",
             d.type == OWED_DOC_CREDIT_NOTE ? "credit_note" : "invoice");
    json_t *j = owed_doc_to_json(&d);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    rc = s->ops->begin(s, err);
    bool repeat = false;
    if (!rc) rc = already(s, org, &d, body, res, &repeat, err);
    struct owed_customer c;
    if (!rc && !repeat) rc = find_customer(s, org, &d, &c, &res->new_customer, err);
    if (!rc && !repeat && strcmp(c.currency, d.currency)) {
        owed_buf_addf(err, "%s: the document is in %s, customer %s in %s", name, d.currency,
                      c.ref, c.currency);
        rc = OWED_E_CURRENCY;
    }
    int64_t ledger_id = 0;
    if (!rc && !repeat) rc = owed__doc_post(s, org, &d, &c, &ledger_id, err);
    if (!rc && !repeat) {
        struct owed_doc_rec r;
        memset(&r, 0, sizeof r);
        r.type = (int)d.type;
        r.status = OWED_DOCST_ISSUED;
        snprintf(r.number, sizeof r.number, "%s", d.number);
        r.customer_id = c.id;
        r.ledger_id = ledger_id;
        r.body = body;
        snprintf(r.source, sizeof r.source, "ubl");
        owed__iso_time(now, r.created_at);
        memcpy(r.issued_at, r.created_at, sizeof r.issued_at);
        rc = s->ops->doc_insert(s, org, &r, err);
        res->doc_id = r.id;
        res->created = true;
        snprintf(res->customer_ref, sizeof res->customer_ref, "%s", c.ref);
    }
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    free(body);
    owed_doc_free(&d);
    return rc;
}

int owed_ubl_import_file(struct owed_store *s, int64_t org, const char *path, owed_time_ms now,
                         struct owed_ubl_import_result *res, struct owed_buf *err)
{
    struct owed_buf data = OWED_BUF_INIT(OWED_UBL_MAX_BYTES);
    int rc = owed__read_file(path, &data, err);
    if (!rc) rc = owed_ubl_import_mem(s, org, path, data.ptr, data.len, now, res, err);
    owed_buf_release(&data);
    return rc;
}
