/* Dunning: the preview (the very bytes of `owed dunning preview --format json`), runs,
 * the outbox (list, show, send, retry, mark-sent), policies (read, and PUT with
 * If-Match) and who follows which policy; through the calls of cmd_dunning.c,
 * cmd_outbox.c and cmd_policy.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/collections_views.h"
#include "app/views.h"
#include "base.h"
#include "core/collections.h"
#include "http/http.h"


/* A whole-number member in [min, max], dflt when absent; false after answering 422. */
static bool body_long(struct hreq *rq, struct hresp *rs, const char *field, long dflt, long min,
                      long max, long *out)
{
    json_t *v = json_object_get(rq->json, field);
    *out = dflt;
    if (!v || json_is_null(v)) return true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        hr_problem(rs, 422, "validation_failed", "%s: must be a whole number from %ld to %ld",
                   field, min, max);
        return false;
    }
    *out = (long)json_integer_value(v);
    return true;
}

/* {"data": items, "next_cursor": null}: a listing short enough to come whole. */
static void whole_list(struct hresp *rs, json_t *items)
{
    hr_json(rs, 200, json_pack("{s:o, s:n}", "data", items, "next_cursor"));
}

/* ---- preview and runs ---- */

static void preview(struct hreq *rq, struct hresp *rs)
{
    owed_date as_of;
    if (!hq_date(rq, rs, "as_of", hq_today(rq), &as_of)) return;
    if (hq_wants_csv(rq)) {
        hr_problem(rs, 406, "not_acceptable", "the dunning preview is JSON only");
        return;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_dunning_preview(rq->store, rq->who.org, as_of, OWED_FORMAT_JSON, &out, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_bytes(rs, 200, "application/json", &out);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* {"as_of"?} -> 201 {"run_id", "as_of", "counts": {...}, "messages": [the messages queued,
 * as the preview shows them]}. Running again fires nothing twice (an empty run). */
static void run(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"as_of", NULL};
    const char *s;
    owed_date as_of = hq_today(rq);
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "as_of", false, &s)) return;
    if (s && owed_date_parse(s, strlen(s), &as_of) != OWED_OK) {
        hr_problem(rs, 422, "validation_failed", "as_of: '%s' is not a date (YYYY-MM-DD)", s);
        return;
    }
    struct owed_run_result res;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_dunning_run(rq->store, rq->who.org, as_of, rq->now_ms, OWED_FORMAT_JSON, &res,
                              &out, &err);
    json_t *messages = rc ? NULL : json_loadb(out.ptr, out.len, 0, NULL);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (!messages) {
        hr_problem(rs, 500, "internal_error", "run %lld: its report is not JSON",
                   (long long)res.run_id);
    } else {
        hr_json(rs, 201,
                json_pack("{s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:o}", "run_id",
                          (json_int_t)res.run_id, "as_of", owed_json_date(as_of), "counts", "messages",
                          (json_int_t)res.messages, "firings", (json_int_t)res.firings,
                          "already_fired", (json_int_t)res.already_fired, "charges",
                          (json_int_t)res.fees, "changes", (json_int_t)res.changes, "messages",
                          messages));
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/dunning/runs/%lld",
                 (long long)res.run_id);
    }
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* ---- the outbox ---- */

static void outbox_list(struct hreq *rq, struct hresp *rs)
{
    const char *st = hq_arg(rq, "status");
    enum owed_msg_status status = 0;
    if (st && *st && !(status = owed_msg_status_parse(st))) {
        hr_problem(rs, 400, "bad_parameter",
                   "status: '%s' is not queued, sending, uncertain, sent, failed or cancelled", st);
        return;
    }
    struct owed_page pg;
    if (!hq_page(rq, rs, &pg)) return;
    json_t *data = NULL;
    int64_t next = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_outbox(rq->store, rq->who.org, status, &pg, &data, &next, &err);
    hr_list(rs, rc, data, next, &err);
    owed_buf_release(&err);
}

static void outbox_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_outbox_msg(rq->store, rq->who.org, id, true, &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, doc);
    owed_buf_release(&err);
}

/* An uncertain or failed message, queued again (resend) or recorded as sent; answers with
 * the message (without its body), the one before in the audit trail. */
static void outbox_resolve(struct hreq *rq, struct hresp *rs, bool resend)
{
    static const char *const fields[] = {NULL};
    int64_t id;
    if (!hq_id(rq, rs, 0, &id) || !hq_fields(rq, rs, fields)) return;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_outbox_msg(rq->store, rq->who.org, id, false, &doc, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
        owed_buf_release(&err);
        return;
    }
    const char *status = json_string_value(json_object_get(doc, "status"));
    if (strcmp(status, owed_msg_status_name(OWED_MSG_UNCERTAIN)) != 0 &&
        strcmp(status, owed_msg_status_name(OWED_MSG_FAILED)) != 0) {
        hr_problem(rs, 409, "conflict",
                   "message %lld is %s: only uncertain or failed messages are resolved by hand",
                   (long long)id, status);
        json_decref(doc);
        owed_buf_release(&err);
        return;
    }
    free(rs->before);
    rs->before = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    rc = owed_outbox_resolve(rq->store, rq->who.org, id, resend, rq->now_ms, &err);
    if (!rc) rc = owed_view_outbox_msg(rq->store, rq->who.org, id, false, &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, doc);
    owed_buf_release(&err);
}

static void outbox_retry(struct hreq *rq, struct hresp *rs) { outbox_resolve(rq, rs, true); }
static void outbox_mark_sent(struct hreq *rq, struct hresp *rs) { outbox_resolve(rq, rs, false); }

/* {"limit"?, "lease"?} as `owed outbox send --limit N --lease S`: delivers what is due
 * and answers with the counts and the report lines. */
static void outbox_send(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"limit", "lease", NULL};
    long limit, lease;
    if (!hq_fields(rq, rs, fields) || !body_long(rq, rs, "limit", 0, 0, 86400 * 7, &limit) ||
        !body_long(rq, rs, "lease", 300, 0, 86400 * 7, &lease))
        return;
    struct owed_send_stats st;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_outbox_send(rq->store, rq->who.org, rq->now_ms, lease, (size_t)limit, &st, &out,
                              &err);
    if (rc) hr_app_error(rs, rc, &err);
    else
        hr_lines(rs, 200, &out,
                 json_pack("{s:I, s:I, s:I, s:I, s:I}", "sent", (json_int_t)st.sent, "retry",
                           (json_int_t)st.retry, "failed", (json_int_t)st.failed, "uncertain",
                           (json_int_t)st.uncertain, "requeued", (json_int_t)st.requeued));
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* ---- policies ---- */

static void policies_list(struct hreq *rq, struct hresp *rs)
{
    json_t *data;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_policies(rq->store, rq->who.org, &data, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else whole_list(rs, data);
    owed_buf_release(&err);
}

/* The policy as `owed policy show NAME --format json` prints it: its representation, whose
 * hash is its ETag. */
static int policy_repr(struct hreq *rq, const char *name, struct owed_buf *out,
                       struct owed_buf *err)
{
    return owed_policy_show(rq->store, rq->who.org, name, OWED_FORMAT_JSON, out, err);
}

static void policy_answer(struct hreq *rq, struct hresp *rs, int status, const char *name)
{
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = policy_repr(rq, name, &out, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        hr_bytes(rs, status, "application/json", &out);
        hr_etag_of(rs, out.ptr, out.len);
    }
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void policy_get(struct hreq *rq, struct hresp *rs)
{
    policy_answer(rq, rs, 200, rq->params[0]);
}

/* The policy document as the body: an update of a policy that exists (the built-in
 * default too) needs If-Match; one that does not is created (If-Match then fails, and
 * If-None-Match: * makes sure of it). */
static void policy_put(struct hreq *rq, struct hresp *rs)
{
    const char *name = rq->params[0];
    if (!hq_json(rq, rs)) return;
    struct owed_buf before = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = policy_repr(rq, name, &before, &err);
    bool exists = rc == OWED_OK;
    const char *inm = hq_header(rq, "If-None-Match");
    if (rc && rc != OWED_E_NOT_FOUND) {
        hr_app_error(rs, rc, &err);
    } else if (exists && inm && !strcmp(inm, "*")) {
        hr_problem(rs, 412, "precondition_failed", "policy %s exists (If-None-Match: *)", name);
    } else if (!exists && hq_header(rq, "If-Match")) {
        hr_problem(rs, 412, "precondition_failed",
                   "there is no policy %s to match; send no If-Match to create it", name);
    } else if (!exists || hr_if_match(rq, rs, before.ptr, before.len)) {
        owed_buf_reset(&err);
        rc = owed_policy_set_text(rq->store, rq->who.org, name, rq->body, rq->body_len, "body",
                                  &err);
        if (rc == OWED_E_REJECTED || rc == OWED_E_INVALID) {
            hr_problem(rs, 422, "validation_failed", "%s", err.ptr);
        } else if (rc) {
            hr_app_error(rs, rc, &err);
        } else {
            if (exists) rs->before = owed_buf_detach(&before, NULL);
            policy_answer(rq, rs, exists ? 200 : 201, name);
            snprintf(rs->resource, sizeof rs->resource, "/api/v1/dunning/policies/%s", name);
            if (!exists && rs->status == 201)
                snprintf(rs->location, sizeof rs->location, "%s", rs->resource);
        }
    }
    owed_buf_release(&before);
    owed_buf_release(&err);
}

/* ---- assignments: who follows which policy ---- */

static void assignments_list(struct hreq *rq, struct hresp *rs)
{
    json_t *data;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_policy_targets(rq->store, rq->who.org, &data, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else whole_list(rs, data);
    owed_buf_release(&err);
}

/* The stored assignment of `target` ({"target", "policy"}) into *out, or NULL. */
static int assignment_of(struct hreq *rq, const char *target, json_t **out, struct owed_buf *err)
{
    json_t *data;
    *out = NULL;
    int rc = owed_view_policy_targets(rq->store, rq->who.org, &data, err);
    if (rc) return rc;
    for (size_t i = 0; i < json_array_size(data) && !*out; i++) {
        json_t *a = json_array_get(data, i);
        if (!strcmp(json_string_value(json_object_get(a, "target")), target))
            *out = json_incref(a);
    }
    json_decref(data);
    return OWED_OK;
}

#define TARGET_MAX 95 /* as the policies' loader keeps targets */

static bool target_valid(const char *t)
{
    if (strlen(t) > TARGET_MAX) return false;
    if (!strcmp(t, "default")) return true;
    if (!strncmp(t, "customer:", 9)) return t[9] != '\0';
    if (!strncmp(t, "segment:", 8)) return t[8] != '\0';
    return false;
}

/* {"policy", "target"}: assigns (or reassigns) the target. */
static void assignment_set(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"policy", "target", NULL};
    const char *policy, *target;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "policy", true, &policy) ||
        !hq_str(rq, rs, "target", true, &target))
        return;
    if (!target_valid(target)) {
        hr_problem(rs, 422, "validation_failed",
                   "target: '%s' is not default, customer:REF or segment:NAME (up to %d "
                   "characters)",
                   target, TARGET_MAX);
        return;
    }
    json_t *old;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = assignment_of(rq, target, &old, &err);
    if (!rc) rc = owed_policy_assign(rq->store, rq->who.org, policy, target, &err);
    if (rc == OWED_E_NOT_FOUND && strstr(err.ptr, "no policy named")) {
        hr_problem(rs, 422, "validation_failed", "policy: no policy named '%s'", policy);
    } else if (rc == OWED_E_NOT_FOUND) {
        hr_problem(rs, 422, "validation_failed", "target: %s", err.ptr);
    } else if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        if (old) rs->before = json_dumps(old, JSON_COMPACT);
        hr_json(rs, old ? 200 : 201, json_pack("{s:s, s:s}", "target", target, "policy", policy));
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/dunning/assignments/%s", target);
    }
    json_decref(old);
    owed_buf_release(&err);
}

/* DELETE /api/v1/dunning/assignments/{target}: the target follows the next rule again
 * (its segment's policy, else the default). */
static void assignment_delete(struct hreq *rq, struct hresp *rs)
{
    const char *target = rq->params[0];
    json_t *old;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = assignment_of(rq, target, &old, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (!old) {
        hr_problem(rs, 404, "not_found", "'%s' has no policy assigned", target);
    } else {
        rs->before = json_dumps(old, JSON_COMPACT);
        rc = owed_policy_assign(rq->store, rq->who.org, NULL, target, &err);
        if (rc) {
            hr_app_error(rs, rc, &err);
        } else {
            rs->status = 204;
            owed_buf_reset(&rs->body);
        }
    }
    json_decref(old);
    owed_buf_release(&err);
}

const struct http_route http_routes_dunning[] = {
    {"GET", "/api/v1/dunning/preview", preview, OWED_PERM_READ, "preview dunning runs", 0},
    {"POST", "/api/v1/dunning/runs", run, OWED_PERM_MONEY, "run dunning", 0},
    {"GET", "/api/v1/outbox", outbox_list, OWED_PERM_READ, "list outbox messages", 0},
    {"POST", "/api/v1/outbox/send", outbox_send, OWED_PERM_MONEY, "send outbox messages", 0},
    {"GET", "/api/v1/outbox/{id}", outbox_get, OWED_PERM_READ, "read outbox messages", 0},
    {"POST", "/api/v1/outbox/{id}/retry", outbox_retry, OWED_PERM_MONEY,
     "queue outbox messages again", 0},
    {"POST", "/api/v1/outbox/{id}/mark-sent", outbox_mark_sent, OWED_PERM_MONEY,
     "mark outbox messages sent", 0},
    {"GET", "/api/v1/dunning/policies", policies_list, OWED_PERM_READ, "list dunning policies", 0},
    {"GET", "/api/v1/dunning/policies/{name}", policy_get, OWED_PERM_READ,
     "read dunning policies", 0},
    {"PUT", "/api/v1/dunning/policies/{name}", policy_put, OWED_PERM_CONFIGURE,
     "store dunning policies", 0},
    {"GET", "/api/v1/dunning/assignments", assignments_list, OWED_PERM_READ,
     "list dunning policy assignments", 0},
    {"POST", "/api/v1/dunning/assignments", assignment_set, OWED_PERM_CONFIGURE,
     "assign dunning policies", 0},
    /* {name} is the target: default, customer:REF or segment:NAME */
    {"DELETE", "/api/v1/dunning/assignments/{name}", assignment_delete, OWED_PERM_CONFIGURE,
     "unassign dunning policies", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
