/* Collection work: holds, disputes, promises to pay, payment plans, notes, calls and
 * tasks (POST to record, GET to list or read, POST .../{id}/{action} for the closing moves
 * of `owed hold|dispute|promise|plan|tasks`), customers' collections profiles (`owed
 * customer set`, with ETag/If-Match) and the collections report (`owed dispute report`),
 * each through the app/ call its CLI command makes (cmd_collections.c, cmd_customer.c).
 *
 * Request bodies: known fields only, amounts as decimal strings, dates YYYY-MM-DD; "as_of"
 * is the business date the CLI's --as-of gives (default: the org's today). Answers: the
 * item as GET /api/v1/{kind}/{id} shows it (app/collections_views.h); a closing move adds
 * the use case's report lines under "result" (the credit note a resolved dispute made). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/collections_views.h"
#include "base.h"
#include "core/collections.h"
#include "http/http.h"

/* ---- reading the body ---- */


/* A date member; *out = dflt when absent (a required one answers 422 then). */
static bool body_date(struct hreq *rq, struct hresp *rs, const char *field, bool required,
                      owed_date dflt, owed_date *out)
{
    const char *s;
    *out = dflt;
    if (!hq_str(rq, rs, field, required, &s)) return false;
    if (s && owed_date_parse(s, strlen(s), out) != OWED_OK) {
        hr_problem(rs, 422, "validation_failed", "%s: '%s' is not a date (YYYY-MM-DD)", field, s);
        return false;
    }
    return true;
}

/* "as_of": the business date of the change, the org's today when absent. */
static bool body_as_of(struct hreq *rq, struct hresp *rs, owed_date *out)
{
    return body_date(rq, rs, "as_of", false, hq_today(rq), out);
}

/* A whole-number member in [min, max]; dflt when absent and not required. */
static bool body_int(struct hreq *rq, struct hresp *rs, const char *field, bool required,
                     int dflt, int min, int max, int *out)
{
    *out = dflt;
    if (!hq_json(rq, rs)) return false;
    json_t *v = json_object_get(rq->json, field);
    if (!v || json_is_null(v)) {
        if (!required) return true;
        hr_problem(rs, 422, "validation_failed", "%s: required", field);
        return false;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        hr_problem(rs, 422, "validation_failed", "%s: must be a whole number from %d to %d",
                   field, min, max);
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

/* A text member of at most what an item holds. */
static bool body_text(struct hreq *rq, struct hresp *rs, const char *field, bool required,
                      const char **out)
{
    if (!hq_str(rq, rs, field, required, out)) return false;
    if (required && !**out) {
        hr_problem(rs, 422, "validation_failed", "%s: must not be empty", field);
        return false;
    }
    if (*out && strlen(*out) >= OWED_ITEM_BODY_MAX) {
        hr_problem(rs, 422, "validation_failed", "%s: longer than %d bytes", field,
                   OWED_ITEM_BODY_MAX - 1);
        return false;
    }
    return true;
}

/* An amount member: a decimal string ("120.00"); the use case checks it against the
 * currency's decimals. */
static bool body_amount(struct hreq *rq, struct hresp *rs, bool required, const char **out)
{
    if (!hq_str(rq, rs, "amount", required, out)) return false;
    const char *s = *out;
    if (!s) return true;
    size_t digits = 0, dots = 0;
    for (const char *c = s; *c; c++) {
        if (*c >= '0' && *c <= '9') digits++;
        else if (*c == '.' && digits) dots++;
        else dots = 2;
    }
    if (!digits || dots > 1 || s[strlen(s) - 1] == '.') {
        hr_problem(rs, 422, "validation_failed",
                   "amount: '%s' is not a decimal amount like \"120.00\"", s);
        return false;
    }
    return true;
}

/* A customer_ref and/or an invoice_number: at least one. */
static bool body_about(struct hreq *rq, struct hresp *rs, const char **customer,
                       const char **invoice)
{
    if (!hq_str(rq, rs, "customer_ref", false, customer) ||
        !hq_str(rq, rs, "invoice_number", false, invoice))
        return false;
    if (!*customer && !*invoice) {
        hr_problem(rs, 422, "validation_failed", "customer_ref: required (or invoice_number)");
        return false;
    }
    return true;
}

/* ---- answering ---- */

static void set_location(struct hresp *rs, enum owed_item_kind kind, int64_t id)
{
    snprintf(rs->location, sizeof rs->location, "/api/v1/%s/%lld",
             owed_item_collection_name(kind), (long long)id);
    snprintf(rs->resource, sizeof rs->resource, "%s", rs->location);
}

/* After a use case that made item `id`: 201 with the item, or the use case's error. */
static void created(struct hreq *rq, struct hresp *rs, int rc, enum owed_item_kind kind,
                    int64_t id, const struct owed_buf *err)
{
    if (rc) {
        hr_app_error(rs, rc, err);
        return;
    }
    json_t *doc;
    struct owed_buf e = OWED_BUF_INIT(0);
    rc = owed_view_item(rq->store, rq->who.org, kind, id, &doc, &e);
    if (rc) {
        hr_app_error(rs, rc, &e);
    } else {
        hr_json(rs, 201, doc);
        set_location(rs, kind, id);
    }
    owed_buf_release(&e);
}

static void add_item(struct hreq *rq, struct hresp *rs, const struct owed_item_req *r)
{
    int64_t id = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_item_add(rq->store, rq->who.org, r, &id, &err);
    created(rq, rs, rc, r->kind, id, &err);
    owed_buf_release(&err);
}

/* ---- POST /api/v1/{holds,disputes,promises,plans,notes,calls} ---- */

static void hold_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"customer_ref", "invoice_number", "reason", "as_of",
                                         NULL};
    struct owed_item_req r = {.kind = OWED_ITEM_HOLD, .code = "manual"};
    if (!hq_fields(rq, rs, fields) ||
        !body_about(rq, rs, &r.customer_ref, &r.invoice_number) ||
        !body_text(rq, rs, "reason", true, &r.text) || !body_as_of(rq, rs, &r.today))
        return;
    add_item(rq, rs, &r);
}

static void dispute_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"invoice_number", "reason", "amount", "text", "as_of",
                                         NULL};
    struct owed_item_req r = {.kind = OWED_ITEM_DISPUTE};
    if (!hq_fields(rq, rs, fields) ||
        !hq_str(rq, rs, "invoice_number", true, &r.invoice_number) ||
        !hq_str(rq, rs, "reason", true, &r.code) || !body_amount(rq, rs, false, &r.amount) ||
        !body_text(rq, rs, "text", false, &r.text) || !body_as_of(rq, rs, &r.today))
        return;
    if (!owed_dispute_reason_valid(r.code)) {
        hr_problem(rs, 422, "validation_failed",
                   "reason: '%s' is not a dispute reason (pricing, quantity, damaged, "
                   "not_received, duplicate_billing, other)",
                   r.code);
        return;
    }
    add_item(rq, rs, &r);
}

static void promise_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"customer_ref", "invoice_number", "date", "amount",
                                         "text",         "as_of",          NULL};
    struct owed_item_req r = {.kind = OWED_ITEM_PROMISE};
    if (!hq_fields(rq, rs, fields) ||
        !body_about(rq, rs, &r.customer_ref, &r.invoice_number) ||
        !body_date(rq, rs, "date", true, 0, &r.date) || !body_amount(rq, rs, true, &r.amount) ||
        !body_text(rq, rs, "text", false, &r.text) || !body_as_of(rq, rs, &r.today))
        return;
    if (r.date < r.today) {
        hr_problem(rs, 422, "validation_failed", "date: a promise date cannot be in the past");
        return;
    }
    add_item(rq, rs, &r);
}

static void note_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"customer_ref", "invoice_number", "text", "as_of", NULL};
    struct owed_item_req r = {.kind = OWED_ITEM_NOTE};
    if (!hq_fields(rq, rs, fields) ||
        !body_about(rq, rs, &r.customer_ref, &r.invoice_number) ||
        !body_text(rq, rs, "text", true, &r.text) || !body_as_of(rq, rs, &r.today))
        return;
    add_item(rq, rs, &r);
}

static bool outcome_valid(struct hresp *rs, const char *code)
{
    if (!code || owed_call_outcome_valid(code)) return true;
    hr_problem(rs, 422, "validation_failed",
               "outcome: '%s' is not a call outcome (reached, no_answer, left_message, "
               "wrong_number, promised, disputed, refused, callback)",
               code);
    return false;
}

static void call_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"customer_ref", "invoice_number", "outcome", "text",
                                         "as_of",        NULL};
    struct owed_item_req r = {.kind = OWED_ITEM_CALL};
    if (!hq_fields(rq, rs, fields) ||
        !body_about(rq, rs, &r.customer_ref, &r.invoice_number) ||
        !hq_str(rq, rs, "outcome", true, &r.code) || !body_text(rq, rs, "text", false, &r.text) ||
        !body_as_of(rq, rs, &r.today) || !outcome_valid(rs, r.code))
        return;
    add_item(rq, rs, &r);
}

static void plan_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"invoice_number", "installments", "first_due",
                                         "every_days",     "as_of",        NULL};
    struct owed_plan_req r = {0};
    if (!hq_fields(rq, rs, fields) ||
        !hq_str(rq, rs, "invoice_number", true, &r.invoice_number) ||
        !body_int(rq, rs, "installments", true, 0, 2, 60, &r.installments) ||
        !body_int(rq, rs, "every_days", false, 30, 1, 366, &r.every_days) ||
        !body_date(rq, rs, "first_due", true, 0, &r.first_due) || !body_as_of(rq, rs, &r.today))
        return;
    if (r.first_due < r.today) {
        hr_problem(rs, 422, "validation_failed",
                   "first_due: the first installment cannot be due in the past");
        return;
    }
    int64_t id = 0;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_plan_create(rq->store, rq->who.org, &r, &id, &out, &err);
    created(rq, rs, rc, OWED_ITEM_PLAN, id, &err);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* ---- GET /api/v1/{kind} and /api/v1/{kind}/{id} ---- */

static void items_list(struct hreq *rq, struct hresp *rs, enum owed_item_kind kind)
{
    /* Notes and calls are done when recorded: "live" would never show one. */
    bool history = kind == OWED_ITEM_NOTE || kind == OWED_ITEM_CALL;
    struct owed_item_query q = {.kind = kind, .customer_ref = hq_arg(rq, "customer"),
                                .all = history};
    const char *st = hq_arg(rq, "status");
    if (st && !strcmp(st, "all")) q.all = true;
    else if (st && !strcmp(st, "live")) q.all = false;
    else if (st) {
        hr_problem(rs, 400, "bad_parameter", "status: '%s' is not live or all", st);
        return;
    }
    if (q.customer_ref && !*q.customer_ref) q.customer_ref = NULL;
    struct owed_page pg;
    if (!hq_page(rq, rs, &pg)) return;
    json_t *data = NULL;
    int64_t next = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_items(rq->store, rq->who.org, &q, &pg, &data, &next, &err);
    hr_list(rs, rc, data, next, &err);
    owed_buf_release(&err);
}

static void item_get(struct hreq *rq, struct hresp *rs, enum owed_item_kind kind)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_item(rq->store, rq->who.org, kind, id, &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, doc);
    owed_buf_release(&err);
}

#define ITEM_READS(name, kind)                                                                \
    static void name##_list(struct hreq *rq, struct hresp *rs) { items_list(rq, rs, kind); } \
    static void name##_get(struct hreq *rq, struct hresp *rs) { item_get(rq, rs, kind); }

ITEM_READS(holds, OWED_ITEM_HOLD)
ITEM_READS(disputes, OWED_ITEM_DISPUTE)
ITEM_READS(promises, OWED_ITEM_PROMISE)
ITEM_READS(plans, OWED_ITEM_PLAN)
ITEM_READS(notes, OWED_ITEM_NOTE)
ITEM_READS(calls, OWED_ITEM_CALL)
ITEM_READS(tasks, OWED_ITEM_TASK)

/* ---- POST /api/v1/{kind}/{id}/{action}: the closing moves ---- */

/* Item {id} of `kind` as it is, when a closing move may start from it: kept as the audit
 * trail's "before". False after answering 404, or 409 when it is closed already. */
static bool live_item(struct hreq *rq, struct hresp *rs, enum owed_item_kind kind,
                      enum owed_item_status to, int64_t id)
{
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_item(rq->store, rq->who.org, kind, id, &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    owed_buf_release(&err);
    if (rc) return false;
    const char *status = json_string_value(json_object_get(doc, "status"));
    bool live = !strcmp(status, owed_item_status_name(OWED_ST_OPEN)) ||
                !strcmp(status, owed_item_status_name(OWED_ST_INVESTIGATING));
    if (!live)
        hr_problem(rs, 409, "conflict", "%s %lld is %s: it cannot become %s",
                   owed_item_kind_name(kind), (long long)id, status, owed_item_status_name(to));
    else {
        free(rs->before);
        rs->before = json_dumps(doc, JSON_COMPACT);
    }
    json_decref(doc);
    return live;
}

/* Moves item {id} of `kind` to status `to` with the body's text (and the code and amount
 * given), then answers with the item and the use case's lines. */
static void close_item(struct hreq *rq, struct hresp *rs, enum owed_item_kind kind,
                       enum owed_item_status to, const char *code, const char *amount,
                       const char *text)
{
    int64_t id;
    owed_date today;
    if (!hq_id(rq, rs, 0, &id) || !body_as_of(rq, rs, &today) || !live_item(rq, rs, kind, to, id))
        return;
    struct owed_item_close r = {.id = id, .kind = kind, .status = to, .code = code,
                                .text = text, .amount = amount, .today = today};
    json_t *doc = NULL;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_item_close(rq->store, rq->who.org, &r, &out, &err);
    if (!rc) rc = owed_view_item(rq->store, rq->who.org, kind, id, &doc, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        hr_lines(rs, 200, &out, doc);
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/%s/%lld",
                 owed_item_collection_name(kind), (long long)id);
    }
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* The moves that take only a text ("text", and "as_of"). */
static void close_simple(struct hreq *rq, struct hresp *rs, enum owed_item_kind kind,
                         enum owed_item_status to)
{
    static const char *const fields[] = {"text", "as_of", NULL};
    const char *text;
    if (!hq_fields(rq, rs, fields) || !body_text(rq, rs, "text", false, &text)) return;
    close_item(rq, rs, kind, to, NULL, NULL, text);
}

static void hold_release(struct hreq *rq, struct hresp *rs)
{
    close_simple(rq, rs, OWED_ITEM_HOLD, OWED_ST_RELEASED);
}

static void dispute_investigate(struct hreq *rq, struct hresp *rs)
{
    close_simple(rq, rs, OWED_ITEM_DISPUTE, OWED_ST_INVESTIGATING);
}

static void dispute_reject(struct hreq *rq, struct hresp *rs)
{
    close_simple(rq, rs, OWED_ITEM_DISPUTE, OWED_ST_REJECTED);
}

/* {"resolution": "credit_note" | "upheld", "amount"?, "text"?}: a credit note posts money,
 * so it needs the money permission on top of the route's work permission. */
static void dispute_resolve(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"resolution", "amount", "text", "as_of", NULL};
    const char *how, *amount, *text;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "resolution", true, &how) ||
        !body_amount(rq, rs, false, &amount) || !body_text(rq, rs, "text", false, &text))
        return;
    bool credit = !strcmp(how, "credit_note");
    if (!credit && strcmp(how, "upheld") != 0) {
        hr_problem(rs, 422, "validation_failed", "resolution: '%s' is not credit_note or upheld",
                   how);
        return;
    }
    if (amount && !credit) {
        hr_problem(rs, 422, "validation_failed",
                   "amount: only with resolution credit_note (the credit note's amount)");
        return;
    }
    if (credit && !owed_role_allows(rq->who.role, OWED_PERM_MONEY)) {
        hr_problem(rs, 403, "forbidden",
                   "role %s may not resolve disputes with a credit note (needs permission '%s')",
                   owed_role_name(rq->who.role), owed_perm_name(OWED_PERM_MONEY));
        return;
    }
    close_item(rq, rs, OWED_ITEM_DISPUTE,
               credit ? OWED_ST_RESOLVED_CREDIT : OWED_ST_RESOLVED_UPHELD, NULL, amount, text);
}

static void promise_cancel(struct hreq *rq, struct hresp *rs)
{
    close_simple(rq, rs, OWED_ITEM_PROMISE, OWED_ST_CANCELLED);
}

static void plan_cancel(struct hreq *rq, struct hresp *rs)
{
    close_simple(rq, rs, OWED_ITEM_PLAN, OWED_ST_CANCELLED);
}

/* {"outcome"?, "text"?}: what the call achieved. */
static void task_done(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"outcome", "text", "as_of", NULL};
    const char *outcome, *text;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "outcome", false, &outcome) ||
        !body_text(rq, rs, "text", false, &text) || !outcome_valid(rs, outcome))
        return;
    close_item(rq, rs, OWED_ITEM_TASK, OWED_ST_DONE, outcome, NULL, text);
}

static void task_cancel(struct hreq *rq, struct hresp *rs)
{
    close_simple(rq, rs, OWED_ITEM_TASK, OWED_ST_CANCELLED);
}

/* ---- customers' collections profiles ---- */

static int profile_repr(struct hreq *rq, int64_t customer_id, char **text, char *ref,
                        size_t cap, struct owed_buf *err)
{
    json_t *doc;
    int rc = owed_view_profile(rq->store, rq->who.org, customer_id, &doc, err);
    if (rc) return rc;
    if (ref) snprintf(ref, cap, "%s", json_string_value(json_object_get(doc, "customer_ref")));
    *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return *text ? OWED_OK : OWED_E_STORE;
}

static void profile_answer(struct hreq *rq, struct hresp *rs, int64_t customer_id)
{
    char *text = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = profile_repr(rq, customer_id, &text, NULL, 0, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        hr_json(rs, 200, json_loads(text, 0, NULL));
        hr_etag_of(rs, text, strlen(text));
    }
    free(text);
    owed_buf_release(&err);
}

static void profile_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (hq_id(rq, rs, 0, &id)) profile_answer(rq, rs, id);
}

static void profile_patch(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"segment", "lang", "phone", "address", NULL};
    int64_t id;
    struct owed_profile_changes ch = {0};
    if (!hq_id(rq, rs, 0, &id) || !hq_fields(rq, rs, fields) ||
        !hq_str(rq, rs, "segment", false, &ch.segment) ||
        !hq_str(rq, rs, "lang", false, &ch.lang) || !hq_str(rq, rs, "phone", false, &ch.phone) ||
        !hq_str(rq, rs, "address", false, &ch.address))
        return;
    if (!ch.segment && !ch.lang && !ch.phone && !ch.address) {
        hr_problem(rs, 422, "validation_failed", "body: send segment, lang, phone or address");
        return;
    }
    char *before = NULL, ref[OWED_REF_MAX + 1];
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = profile_repr(rq, id, &before, ref, sizeof ref, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (hr_if_match(rq, rs, before, strlen(before))) {
        rc = owed_profile_set(rq->store, rq->who.org, ref, &ch, &err);
        if (rc) {
            hr_app_error(rs, rc, &err);
        } else {
            rs->before = before;
            before = NULL;
            profile_answer(rq, rs, id);
        }
    }
    free(before);
    owed_buf_release(&err);
}

/* ---- GET /api/v1/reports/collections ---- */

static void collections_report(struct hreq *rq, struct hresp *rs)
{
    if (hq_wants_csv(rq)) {
        hr_problem(rs, 406, "not_acceptable", "the collections report is JSON only");
        return;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_collections_report(rq->store, rq->who.org, OWED_FORMAT_JSON, &out, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_bytes(rs, 200, "application/json", &out);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

const struct http_route http_routes_collections[] = {
    {"GET", "/api/v1/holds", holds_list, OWED_PERM_READ, "list holds", 0},
    {"POST", "/api/v1/holds", hold_create, OWED_PERM_WORK, "place holds", 0},
    {"GET", "/api/v1/holds/{id}", holds_get, OWED_PERM_READ, "read holds", 0},
    {"POST", "/api/v1/holds/{id}/release", hold_release, OWED_PERM_WORK, "release holds", 0},
    {"GET", "/api/v1/disputes", disputes_list, OWED_PERM_READ, "list disputes", 0},
    {"POST", "/api/v1/disputes", dispute_create, OWED_PERM_WORK, "open disputes", 0},
    {"GET", "/api/v1/disputes/{id}", disputes_get, OWED_PERM_READ, "read disputes", 0},
    {"POST", "/api/v1/disputes/{id}/investigate", dispute_investigate, OWED_PERM_WORK,
     "investigate disputes", 0},
    {"POST", "/api/v1/disputes/{id}/resolve", dispute_resolve, OWED_PERM_WORK,
     "resolve disputes", 0},
    {"POST", "/api/v1/disputes/{id}/reject", dispute_reject, OWED_PERM_WORK, "reject disputes", 0},
    {"GET", "/api/v1/promises", promises_list, OWED_PERM_READ, "list promises to pay", 0},
    {"POST", "/api/v1/promises", promise_create, OWED_PERM_WORK, "record promises to pay", 0},
    {"GET", "/api/v1/promises/{id}", promises_get, OWED_PERM_READ, "read promises to pay", 0},
    {"POST", "/api/v1/promises/{id}/cancel", promise_cancel, OWED_PERM_WORK,
     "cancel promises to pay", 0},
    {"GET", "/api/v1/plans", plans_list, OWED_PERM_READ, "list payment plans", 0},
    {"POST", "/api/v1/plans", plan_create, OWED_PERM_WORK, "create payment plans", 0},
    {"GET", "/api/v1/plans/{id}", plans_get, OWED_PERM_READ, "read payment plans", 0},
    {"POST", "/api/v1/plans/{id}/cancel", plan_cancel, OWED_PERM_WORK, "cancel payment plans", 0},
    {"GET", "/api/v1/notes", notes_list, OWED_PERM_READ, "list notes", 0},
    {"POST", "/api/v1/notes", note_create, OWED_PERM_WORK, "add notes", 0},
    {"GET", "/api/v1/notes/{id}", notes_get, OWED_PERM_READ, "read notes", 0},
    {"GET", "/api/v1/calls", calls_list, OWED_PERM_READ, "list calls", 0},
    {"POST", "/api/v1/calls", call_create, OWED_PERM_WORK, "log calls", 0},
    {"GET", "/api/v1/calls/{id}", calls_get, OWED_PERM_READ, "read calls", 0},
    {"GET", "/api/v1/tasks", tasks_list, OWED_PERM_READ, "list tasks", 0},
    {"GET", "/api/v1/tasks/{id}", tasks_get, OWED_PERM_READ, "read tasks", 0},
    {"POST", "/api/v1/tasks/{id}/done", task_done, OWED_PERM_WORK, "complete tasks", 0},
    {"POST", "/api/v1/tasks/{id}/cancel", task_cancel, OWED_PERM_WORK, "cancel tasks", 0},
    {"GET", "/api/v1/customers/{id}/profile", profile_get, OWED_PERM_READ,
     "read collections profiles", 0},
    {"PATCH", "/api/v1/customers/{id}/profile", profile_patch, OWED_PERM_CONFIGURE,
     "change collections profiles", 0},
    {"GET", "/api/v1/reports/collections", collections_report, OWED_PERM_READ,
     "read the collections report", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
