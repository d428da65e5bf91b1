/* Cash application: payments (record, apply, unapply, reverse, refund), credit notes and
 * write-offs, each through the very app/ call its CLI command makes (cmd_pay.c,
 * cmd_credit.c). A handler checks the JSON body (known fields only, amounts as decimal
 * strings), calls the use case, and answers with the document as GET /api/v1/payments/{id}
 * shows it plus the use case's report lines under "result". */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/views.h"
#include "base.h"
#include "http/http.h"

#define MAX_TARGETS 256 /* as `owed pay --invoice` */

/* ---- reading the body ---- */


/* A date member (YYYY-MM-DD), the org's today when absent; false after answering 422. */
static bool body_date(struct hreq *rq, struct hresp *rs, const char *field, owed_date *out)
{
    const char *s;
    if (!hq_str(rq, rs, field, false, &s)) return false;
    if (!s) {
        *out = hq_today(rq);
        return true;
    }
    if (owed_date_parse(s, strlen(s), out) != OWED_OK) {
        hr_problem(rs, 422, "validation_failed", "%s: '%s' is not a date (YYYY-MM-DD)", field, s);
        return false;
    }
    return true;
}

/* What is wrong with one element of "targets" (NULL: nothing), and in *bad its member. */
static const char *target_problem(json_t *o, const char **bad)
{
    const char *key;
    json_t *v;
    *bad = NULL;
    if (!json_is_object(o)) return "must be an object";
    json_object_foreach(o, key, v) {
        *bad = key;
        if (strcmp(key, "invoice_number") != 0 && strcmp(key, "amount") != 0)
            return "not a field of a target";
        if (json_is_null(v) && !strcmp(key, "amount")) continue;
        if (json_is_number(v)) return "must be a string (amounts are decimal strings like \"12.34\")";
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
            return "must be a string";
    }
    *bad = "invoice_number";
    return json_object_get(o, "invoice_number") ? NULL : "required";
}

/* "apply" and "targets": the rule, and the invoices of the rule "list" (given targets
 * alone mean "list"). *t is malloc'd (free it); false after answering 422. */
static bool apply_fields(struct hreq *rq, struct hresp *rs, bool required,
                         enum owed_apply_rule *rule, struct owed_apply_target **t, size_t *n)
{
    const char *r;
    *rule = OWED_APPLY_NONE;
    *t = NULL;
    *n = 0;
    if (!hq_str(rq, rs, "apply", false, &r)) return false;
    json_t *arr = json_object_get(rq->json, "targets");
    if (arr && json_is_null(arr)) arr = NULL;
    bool list = r && !strcmp(r, "list");
    if (r && !list && owed_apply_rule_parse(r, rule) != OWED_OK) {
        hr_problem(rs, 422, "validation_failed", "apply: '%s' is not none, oldest, exact or list",
                   r);
        return false;
    }
    if (!r && !arr && required) {
        hr_problem(rs, 422, "validation_failed",
                   "apply: required (oldest, exact, or list with targets)");
        return false;
    }
    if (arr && r && !list) {
        hr_problem(rs, 422, "validation_failed", "targets: only with apply \"list\"");
        return false;
    }
    if (!arr && !list) return true;
    size_t count = json_array_size(arr);
    if (!json_is_array(arr) || count == 0 || count > MAX_TARGETS) {
        hr_problem(rs, 422, "validation_failed",
                   "targets: an array of 1 to %d {\"invoice_number\", \"amount\"} objects",
                   MAX_TARGETS);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        const char *bad, *why = target_problem(json_array_get(arr, i), &bad);
        if (why) {
            hr_problem(rs, 422, "validation_failed", "targets[%zu]%s%s: %s", i, bad ? "." : "",
                       bad ? bad : "", why);
            return false;
        }
    }
    *rule = OWED_APPLY_LIST;
    *t = owed_xcalloc(count, sizeof **t);
    for (size_t i = 0; i < count; i++) {
        json_t *o = json_array_get(arr, i);
        (*t)[i].invoice_number = json_string_value(json_object_get(o, "invoice_number"));
        (*t)[i].amount = json_string_value(json_object_get(o, "amount"));
    }
    *n = count;
    return true;
}

/* The reference of a document the client did not name: derived from its Idempotency-Key,
 * so that the same request sent again after a crash (the key's stored answer lost with
 * it) finds the document it already made instead of making another. */
static bool derived_ref(const struct hreq *rq, const char *prefix, char *out, size_t cap)
{
    const char *key = hq_header(rq, "Idempotency-Key");
    if (!key || !*key) return false;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof h + 1];
    crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, cap, "%s%.24s", prefix, hex);
    return true;
}

/* ---- answering ---- */

/* The id of the payment, credit note or write-off `ref`; 0 when there is none. The
 * customer is the use case's to check. */
static int payment_id_of(struct hreq *rq, const char *customer_ref, const char *ref,
                         int64_t *id, struct owed_buf *err)
{
    (void)customer_ref;
    *id = 0;
    if (!ref) return OWED_OK;
    int rc = owed_payment_id_of(rq->store, rq->who.org, ref, id, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        rc = OWED_OK;
    }
    return rc;
}

/* The customer of invoice `number` into out ("" when there is no such invoice). */
static int invoice_customer(struct hreq *rq, const char *number, char *out, size_t cap,
                            struct owed_buf *err)
{
    struct owed_invoice_query q = {.number = number, .today = hq_today(rq)};
    struct owed_page pg = {.limit = 1};
    json_t *data = NULL;
    int64_t next;
    out[0] = 0;
    int rc = owed_view_invoices(rq->store, rq->who.org, &q, &pg, &data, &next, err);
    const char *c = json_string_value(json_object_get(json_array_get(data, 0), "customer_ref"));
    if (!rc && c) snprintf(out, cap, "%s", c);
    json_decref(data);
    return rc;
}

/* Answers with the document `id` and the report lines: 201 with its Location when it was
 * made now, else 200. */
static void doc_answer(struct hreq *rq, struct hresp *rs, int64_t id, bool created,
                       const struct owed_buf *out)
{
    json_t *doc = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_payment(rq->store, rq->who.org, id, &doc, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/payments/%lld", (long long)id);
        if (created) snprintf(rs->location, sizeof rs->location, "%s", rs->resource);
        hr_lines(rs, created ? 201 : 200, out, doc);
    }
    owed_buf_release(&err);
}

/* After a use case that made the document `ref` (or found it made): its answer, 201 when
 * `created`. The document is looked up within customer_ref, or when that is NULL within
 * the customer of `invoice`, which exists now that the use case has succeeded (asking
 * owed_view_invoices for an invoice that does not exist trips UBSan: see views.c). */
static void made_answer(struct hreq *rq, struct hresp *rs, int rc, const char *customer_ref,
                        const char *invoice, const char *ref, bool created,
                        const struct owed_buf *out, struct owed_buf *err)
{
    if (rc) {
        hr_app_error(rs, rc, err);
        return;
    }
    char of_invoice[OWED_REF_MAX + 1];
    int64_t id = 0;
    owed_buf_reset(err);
    if (!customer_ref) {
        rc = invoice_customer(rq, invoice, of_invoice, sizeof of_invoice, err);
        customer_ref = of_invoice;
    }
    if (!rc) rc = payment_id_of(rq, customer_ref, ref, &id, err);
    if (rc || !id) hr_app_error(rs, rc ? rc : OWED_E_NOT_FOUND, err);
    else doc_answer(rq, rs, id, created, out);
}

/* ---- POST /api/v1/payments ---- */

static void payment_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {
        "ref",     "customer_ref", "date",          "amount", "currency", "method", "channel",
        "reference", "payer_name", "payer_account", "apply", "targets",  NULL};
    struct owed_pay_req r = {0};
    struct owed_apply_target *t = NULL;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "ref", false, &r.ref) ||
        !hq_str(rq, rs, "customer_ref", true, &r.customer_ref) ||
        !hq_str(rq, rs, "amount", true, &r.amount) ||
        !hq_str(rq, rs, "currency", false, &r.currency) ||
        !hq_str(rq, rs, "method", false, &r.method) ||
        !hq_str(rq, rs, "channel", false, &r.channel) ||
        !hq_str(rq, rs, "reference", false, &r.reference) ||
        !hq_str(rq, rs, "payer_name", false, &r.payer_name) ||
        !hq_str(rq, rs, "payer_account", false, &r.payer_account) ||
        !body_date(rq, rs, "date", &r.date) ||
        !apply_fields(rq, rs, false, &r.rule, &t, &r.ntargets))
        return;
    r.targets = t;
    char ref[OWED_REF_MAX + 1];
    if (!r.ref) {
        if (!derived_ref(rq, "api-", ref, sizeof ref)) {
            hr_problem(rs, 422, "validation_failed",
                       "ref: required, unless the request has an Idempotency-Key header to "
                       "derive it from");
            free(t);
            return;
        }
        r.ref = ref;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int64_t existed = 0;
    int rc = payment_id_of(rq, r.customer_ref, r.ref, &existed, &err);
    if (!rc) rc = owed_pay(rq->store, rq->who.org, &r, &out, &err);
    made_answer(rq, rs, rc, r.customer_ref, NULL, r.ref, existed == 0, &out, &err);
    free(t);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* ---- POST /api/v1/payments/{id}/... ---- */

/* The payment of the path: its document (kept as the audit trail's "before") and ref. */
static bool path_payment(struct hreq *rq, struct hresp *rs, int64_t *id, json_t **doc)
{
    *doc = NULL;
    if (!hq_id(rq, rs, 0, id)) return false;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_payment(rq->store, rq->who.org, *id, doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    owed_buf_release(&err);
    if (rc) return false;
    free(rs->before);
    rs->before = json_dumps(*doc, JSON_COMPACT);
    return true;
}

static const char *doc_ref(json_t *doc)
{
    return json_string_value(json_object_get(doc, "ref"));
}

static void after_change(struct hreq *rq, struct hresp *rs, int rc, int64_t id,
                         const struct owed_buf *out, const struct owed_buf *err)
{
    if (rc) hr_app_error(rs, rc, err);
    else doc_answer(rq, rs, id, false, out);
}

static void payment_apply(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"apply", "targets", NULL};
    int64_t id;
    json_t *doc;
    enum owed_apply_rule rule;
    struct owed_apply_target *t = NULL;
    size_t n;
    if (!hq_fields(rq, rs, fields) || !apply_fields(rq, rs, true, &rule, &t, &n)) return;
    if (rule == OWED_APPLY_NONE) {
        hr_problem(rs, 422, "validation_failed", "apply: oldest, exact or list (with targets)");
        free(t);
        return;
    }
    if (!path_payment(rq, rs, &id, &doc)) {
        free(t);
        return;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_apply(rq->store, rq->who.org, doc_ref(doc), rule, t, n, &out, &err);
    after_change(rq, rs, rc, id, &out, &err);
    json_decref(doc);
    free(t);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void payment_unapply(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"invoice_number", "date", NULL};
    int64_t id;
    json_t *doc;
    const char *invoice;
    owed_date date;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "invoice_number", false, &invoice) ||
        !body_date(rq, rs, "date", &date) || !path_payment(rq, rs, &id, &doc))
        return;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_unapply(rq->store, rq->who.org, doc_ref(doc), invoice, date, &out, &err);
    after_change(rq, rs, rc, id, &out, &err);
    json_decref(doc);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void payment_reverse(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"date", "reason", "fee", NULL};
    int64_t id;
    json_t *doc;
    const char *reason, *fee;
    owed_date date;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "reason", false, &reason) ||
        !hq_str(rq, rs, "fee", false, &fee) || !body_date(rq, rs, "date", &date) ||
        !path_payment(rq, rs, &id, &doc))
        return;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_reverse(rq->store, rq->who.org, doc_ref(doc), date, reason, fee, &out, &err);
    after_change(rq, rs, rc, id, &out, &err);
    json_decref(doc);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void payment_refund(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"amount", "date", "reason", NULL};
    int64_t id;
    json_t *doc;
    const char *amount, *reason;
    owed_date date;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "amount", false, &amount) ||
        !hq_str(rq, rs, "reason", false, &reason) || !body_date(rq, rs, "date", &date) ||
        !path_payment(rq, rs, &id, &doc))
        return;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_refund(rq->store, rq->who.org, doc_ref(doc), amount, date, reason, &out, &err);
    after_change(rq, rs, rc, id, &out, &err);
    json_decref(doc);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* ---- credit notes, write-offs ---- */

static void credit_note_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"number", "customer_ref", "invoice_number", "amount",
                                         "date",   "reason",       NULL};
    const char *number, *customer, *invoice, *amount, *reason;
    owed_date date;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "number", true, &number) ||
        !hq_str(rq, rs, "customer_ref", false, &customer) ||
        !hq_str(rq, rs, "invoice_number", false, &invoice) ||
        !hq_str(rq, rs, "amount", false, &amount) || !hq_str(rq, rs, "reason", false, &reason) ||
        !body_date(rq, rs, "date", &date))
        return;
    if (!customer && !invoice) {
        hr_problem(rs, 422, "validation_failed",
                   "invoice_number: required, or customer_ref and amount for credit on account");
        return;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int64_t existed = 0;
    int rc = payment_id_of(rq, customer, number, &existed, &err);
    if (!rc)
        rc = owed_credit_note(rq->store, rq->who.org, number, customer, invoice, amount, date,
                              reason, &out, &err);
    /* Without customer_ref nothing could be looked up before (see made_answer): the use
     * case's own report tells a retry. */
    bool created = customer ? existed == 0
                            : !strstr(out.ptr ? out.ptr : "", " is already recorded: nothing changed");
    made_answer(rq, rs, rc, customer, invoice, number, created, &out, &err);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void write_off_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"invoice_number", "amount", "date", "reason", "ref", NULL};
    const char *invoice, *amount, *reason, *ref;
    owed_date date;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "invoice_number", true, &invoice) ||
        !hq_str(rq, rs, "amount", false, &amount) || !hq_str(rq, rs, "reason", true, &reason) ||
        !hq_str(rq, rs, "ref", false, &ref) || !body_date(rq, rs, "date", &date))
        return;
    /* As for payments: a write-off retried after a crash must find its ref taken rather
     * than write the invoice off twice. */
    char derived[OWED_REF_MAX + 1];
    if (!ref) {
        if (!derived_ref(rq, "api-wo-", derived, sizeof derived)) {
            hr_problem(rs, 422, "validation_failed",
                       "ref: required, unless the request has an Idempotency-Key header to "
                       "derive it from");
            return;
        }
        ref = derived;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    /* A write-off's ref is never taken twice (owed_write_off refuses it): a success made
     * it now. */
    int rc = owed_write_off(rq->store, rq->who.org, invoice, amount, date, reason, ref, &out,
                            &err);
    made_answer(rq, rs, rc, NULL, invoice, ref, true, &out, &err);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

const struct http_route http_routes_cash[] = {
    {"POST", "/api/v1/payments", payment_create, OWED_PERM_MONEY, "record payments", 0},
    {"POST", "/api/v1/payments/{id}/apply", payment_apply, OWED_PERM_MONEY, "apply payments", 0},
    {"POST", "/api/v1/payments/{id}/unapply", payment_unapply, OWED_PERM_MONEY,
     "unapply payments", 0},
    {"POST", "/api/v1/payments/{id}/reverse", payment_reverse, OWED_PERM_MONEY,
     "reverse payments", 0},
    {"POST", "/api/v1/payments/{id}/refund", payment_refund, OWED_PERM_MONEY, "refund payments", 0},
    {"POST", "/api/v1/credit-notes", credit_note_create, OWED_PERM_MONEY, "issue credit notes", 0},
    {"POST", "/api/v1/write-offs", write_off_create, OWED_PERM_MONEY, "write off invoices", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
