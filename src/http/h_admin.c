/* Users, API tokens, the audit trail and the organization's settings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/views.h"
#include "base.h"
#include "http/http.h"

/* Reads ?limit and ?cursor into a page; false after answering 400. */
bool hq_page(const struct hreq *rq, struct hresp *rs, struct owed_page *pg)
{
    long limit;
    if (!hq_int(rq, rs, "limit", 50, 1, 500, &limit)) return false;
    pg->limit = (int)limit;
    pg->after = 0;
    const char *c = hq_arg(rq, "cursor");
    if (c && *c) {
        char *end;
        long long v = strtoll(c, &end, 10);
        if (*end || v <= 0) {
            hr_problem(rs, 400, "bad_cursor", "cursor '%s' is not from this listing", c);
            return false;
        }
        pg->after = v;
    }
    return true;
}

void hr_list(struct hresp *rs, int rc, json_t *data, int64_t next, const struct owed_buf *err)
{
    if (rc == OWED_E_INVALID) { /* the listings' only invalid input is a stale cursor */
        hr_problem(rs, 400, "bad_cursor", "%s", err->ptr ? err->ptr : "bad cursor");
        return;
    }
    if (rc) {
        hr_app_error(rs, rc, err);
        return;
    }
    json_t *nc = json_null();
    if (next) {
        char c[32];
        snprintf(c, sizeof c, "%lld", (long long)next);
        json_decref(nc);
        nc = json_string(c);
    }
    hr_json(rs, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", nc));
}

/* ---- users ---- */

static void users_list(struct hreq *rq, struct hresp *rs)
{
    json_t *data;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_users(rq->store, rq->who.org, &data, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, data);
    owed_buf_release(&err);
}

static bool role_field(struct hreq *rq, struct hresp *rs, bool required, enum owed_role *role)
{
    const char *r;
    *role = 0;
    if (!hq_str(rq, rs, "role", required, &r)) return false;
    if (r && !(*role = owed_role_parse(r))) {
        hr_problem(rs, 422, "validation_failed",
                   "role: '%s' is not admin, manager, collector or viewer", r);
        return false;
    }
    return true;
}

static int user_repr(struct hreq *rq, int64_t id, char **text, struct owed_buf *err)
{
    json_t *j;
    int rc = owed_view_user(rq->store, rq->who.org, id, &j, err);
    if (rc) return rc;
    *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return *text ? OWED_OK : OWED_E_STORE;
}

static void user_answer(struct hreq *rq, struct hresp *rs, int status, int64_t id)
{
    char *text = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = user_repr(rq, id, &text, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        hr_json(rs, status, json_loads(text, 0, NULL));
        hr_etag_of(rs, text, strlen(text));
        if (status == 201) snprintf(rs->location, sizeof rs->location, "/api/v1/users/%lld", (long long)id);
    }
    free(text);
    owed_buf_release(&err);
}

static void user_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"email", "name", "password", "role", NULL};
    const char *email, *name, *password;
    enum owed_role role;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "email", true, &email) || !hq_str(rq, rs, "name", false, &name) ||
        !hq_str(rq, rs, "password", false, &password) || !role_field(rq, rs, true, &role))
        return;
    int64_t id;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_user_add(rq->store, rq->who.org, email, name, role, password, &id, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else user_answer(rq, rs, 201, id);
    owed_buf_release(&err);
}

static void user_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (hq_id(rq, rs, 0, &id)) user_answer(rq, rs, 200, id);
}

static void user_patch(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"password", "role", "disabled", NULL};
    int64_t id;
    const char *password;
    enum owed_role role;
    if (!hq_id(rq, rs, 0, &id) || !hq_fields(rq, rs, fields) || !hq_str(rq, rs, "password", false, &password) ||
        !role_field(rq, rs, false, &role))
        return;
    json_t *dis = json_object_get(rq->json, "disabled");
    if (dis && !json_is_boolean(dis)) {
        hr_problem(rs, 422, "validation_failed", "disabled: must be true or false");
        return;
    }
    char *before = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = user_repr(rq, id, &before, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (hr_if_match(rq, rs, before, strlen(before))) {
        if (id == rq->who.user_id && ((role && role != OWED_ROLE_ADMIN) || json_is_true(dis))) {
            hr_problem(rs, 422, "validation_failed",
                       "you cannot demote or disable yourself; ask another admin");
        } else {
            rc = owed_user_change(rq->store, rq->who.org, id, role, password,
                                  dis ? json_is_true(dis) : -1, &err);
            if (rc) hr_app_error(rs, rc, &err);
            else {
                rs->before = before;
                before = NULL;
                user_answer(rq, rs, 200, id);
            }
        }
    }
    free(before);
    owed_buf_release(&err);
}

/* ---- tokens ---- */

static void tokens_list(struct hreq *rq, struct hresp *rs)
{
    json_t *data;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_tokens(rq->store, rq->who.org, &data, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, data);
    owed_buf_release(&err);
}

static void token_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"email", "label", "role", NULL};
    const char *email, *label;
    enum owed_role role;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "email", false, &email) || !hq_str(rq, rs, "label", false, &label) ||
        !role_field(rq, rs, false, &role))
        return;
    int64_t id;
    char secret[OWED_SECRET_MAX + 1];
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_token_create(rq->store, rq->who.org, email ? email : rq->who.email, role,
                               label, &id, secret, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else {
        hr_json(rs, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "token", secret,
                                   "note", "shown once: store it now"));
        /* Kept by the audit trail and a replay under the same Idempotency-Key: no secret. */
        json_t *kept = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "token", "(shown once)",
                                 "note", "shown once: a replay does not show it again");
        rs->redacted = json_dumps(kept, JSON_COMPACT);
        json_decref(kept);
        snprintf(rs->location, sizeof rs->location, "/api/v1/tokens/%lld", (long long)id);
        /* The audit trail gets the id, never the secret. */
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/tokens/%lld", (long long)id);
    }
    owed_buf_release(&err);
}

static void token_revoke(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_token_revoke(rq->store, rq->who.org, id, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else {
        rs->status = 204;
        owed_buf_reset(&rs->body);
    }
    owed_buf_release(&err);
}

/* ---- audit ---- */

static void audit_list(struct hreq *rq, struct hresp *rs)
{
    struct owed_page pg;
    if (!hq_page(rq, rs, &pg)) return;
    json_t *data = NULL;
    int64_t next = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_audit(rq->store, rq->who.org, &pg, &data, &next, &err);
    hr_list(rs, rc, data, next, &err);
    owed_buf_release(&err);
}

/* ---- organization ---- */

static int org_repr(struct hreq *rq, char **text, struct owed_buf *err)
{
    json_t *j;
    int rc = owed_view_org(rq->store, rq->who.org, &j, err);
    if (rc) return rc;
    *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return *text ? OWED_OK : OWED_E_STORE;
}

static void org_answer(struct hreq *rq, struct hresp *rs)
{
    char *text = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = org_repr(rq, &text, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else {
        hr_json(rs, 200, json_loads(text, 0, NULL));
        hr_etag_of(rs, text, strlen(text));
    }
    free(text);
    owed_buf_release(&err);
}

static void org_get(struct hreq *rq, struct hresp *rs) { org_answer(rq, rs); }

static void org_patch(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"name", "timezone", "calendar", "mail_from",
                                         "smtp_url", "sms_url", "pay_url", "out_dir",
                                         "tolerance", NULL};
    struct owed_org_changes ch = {0};
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "name", false, &ch.name) || !hq_str(rq, rs, "timezone", false, &ch.timezone) ||
        !hq_str(rq, rs, "calendar", false, &ch.calendar) ||
        !hq_str(rq, rs, "mail_from", false, &ch.mail_from) ||
        !hq_str(rq, rs, "smtp_url", false, &ch.smtp_url) ||
        !hq_str(rq, rs, "sms_url", false, &ch.sms_url) ||
        !hq_str(rq, rs, "pay_url", false, &ch.pay_url) || !hq_str(rq, rs, "out_dir", false, &ch.out_dir))
        return;
    const char *tolerance;
    if (!hq_str(rq, rs, "tolerance", false, &tolerance)) return;
    char *before = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = org_repr(rq, &before, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (hr_if_match(rq, rs, before, strlen(before))) {
        rc = owed_org_set(rq->store, rq->who.org, &ch, &err);
        if (rc == OWED_OK && tolerance) rc = owed_tolerance_set(rq->store, rq->who.org, tolerance, &err);
        if (rc) hr_app_error(rs, rc, &err);
        else {
            rs->before = before;
            before = NULL;
            org_answer(rq, rs);
        }
    }
    free(before);
    owed_buf_release(&err);
}

const struct http_route http_routes_admin[] = {
    {"GET", "/api/v1/users", users_list, OWED_PERM_ADMIN, "list users", 0},
    {"POST", "/api/v1/users", user_create, OWED_PERM_ADMIN, "add users", 0},
    {"GET", "/api/v1/users/{id}", user_get, OWED_PERM_ADMIN, "read users", 0},
    {"PATCH", "/api/v1/users/{id}", user_patch, OWED_PERM_ADMIN, "change users", 0},
    {"GET", "/api/v1/tokens", tokens_list, OWED_PERM_ADMIN, "list API tokens", 0},
    {"POST", "/api/v1/tokens", token_create, OWED_PERM_ADMIN, "create API tokens", 0},
    {"DELETE", "/api/v1/tokens/{id}", token_revoke, OWED_PERM_ADMIN, "revoke API tokens", 0},
    {"GET", "/api/v1/audit", audit_list, OWED_PERM_ADMIN, "read the audit trail", 0},
    {"GET", "/api/v1/org", org_get, OWED_PERM_READ, "read the organization", 0},
    {"PATCH", "/api/v1/org", org_patch, OWED_PERM_ADMIN, "change the organization", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
