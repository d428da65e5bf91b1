/* Webhook subscribers (docs/webhooks.md): list, create (the signing secret shown once),
 * read, change (ETag/If-Match), delete. Admins only. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events.h"
#include "app/views.h"
#include "base.h"
#include "http/http.h"

static void webhooks_list(struct hreq *rq, struct hresp *rs)
{
    json_t *data;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_webhook_list(rq->store, rq->who.org, &data, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, data);
    owed_buf_release(&err);
}

static int webhook_repr(struct hreq *rq, int64_t id, char **text, struct owed_buf *err)
{
    struct owed_webhook w;
    int rc = owed_webhook_show(rq->store, rq->who.org, id, &w, err);
    if (rc) return rc;
    json_t *j = owed_webhook_json(&w);
    *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return *text ? OWED_OK : OWED_E_STORE;
}

static void webhook_answer(struct hreq *rq, struct hresp *rs, int64_t id)
{
    char *text = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = webhook_repr(rq, id, &text, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        hr_json(rs, 200, json_loads(text, 0, NULL));
        hr_etag_of(rs, text, strlen(text));
    }
    free(text);
    owed_buf_release(&err);
}

static void webhook_create(struct hreq *rq, struct hresp *rs)
{
    const char *url, *events;
    if (!hq_str(rq, rs, "url", true, &url) || !hq_str(rq, rs, "events", false, &events)) return;
    struct owed_webhook w;
    char secret[OWED_SECRET_MAX + 1];
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_webhook_create(rq->store, rq->who.org, url, events, &w, secret, &err);
    if (rc) hr_app_error(rs, rc, &err);
    owed_buf_release(&err);
    if (rc) return;
    json_t *doc = owed_webhook_json(&w);
    /* Kept by the audit trail and a replay under the same Idempotency-Key: no secret. */
    json_t *kept = json_deep_copy(doc);
    json_object_set_new(kept, "secret", json_string("(shown once)"));
    json_object_set_new(kept, "note", json_string("shown once: a replay does not show it again"));
    rs->redacted = json_dumps(kept, JSON_COMPACT);
    json_decref(kept);
    json_object_set_new(doc, "secret", json_string(secret));
    json_object_set_new(doc, "note", json_string("shown once: store the secret now; it signs "
                                                 "every delivery (Owed-Signature)"));
    hr_json(rs, 201, doc);
    sodium_memzero(secret, sizeof secret);
    snprintf(rs->location, sizeof rs->location, "/api/v1/webhooks/%lld", (long long)w.id);
    snprintf(rs->resource, sizeof rs->resource, "%s", rs->location);
}

static void webhook_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (hq_id(rq, rs, 0, &id)) webhook_answer(rq, rs, id);
}

static void webhook_patch(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    const char *url, *events;
    if (!hq_id(rq, rs, 0, &id) || !hq_str(rq, rs, "url", false, &url) ||
        !hq_str(rq, rs, "events", false, &events))
        return;
    json_t *active = json_object_get(rq->json, "active");
    if (active && !json_is_boolean(active)) {
        hr_problem(rs, 422, "validation_failed", "active: must be true or false");
        return;
    }
    char *before = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = webhook_repr(rq, id, &before, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (hr_if_match(rq, rs, before, strlen(before))) {
        rc = owed_webhook_change(rq->store, rq->who.org, id, url, events,
                                 active ? json_is_true(active) : -1, &err);
        if (rc) hr_app_error(rs, rc, &err);
        else {
            rs->before = before;
            before = NULL;
            webhook_answer(rq, rs, id);
        }
    }
    free(before);
    owed_buf_release(&err);
}

static void webhook_delete(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    char *before = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = webhook_repr(rq, id, &before, &err);
    if (!rc) rc = owed_webhook_remove(rq->store, rq->who.org, id, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        rs->status = 204;
        owed_buf_reset(&rs->body);
        rs->before = before;
        before = NULL;
    }
    free(before);
    owed_buf_release(&err);
}

const struct http_route http_routes_webhooks[] = {
    {"GET", "/api/v1/webhooks", webhooks_list, OWED_PERM_ADMIN, "list webhooks", 0},
    {"POST", "/api/v1/webhooks", webhook_create, OWED_PERM_ADMIN, "add webhooks", 0},
    {"GET", "/api/v1/webhooks/{id}", webhook_get, OWED_PERM_ADMIN, "read webhooks", 0},
    {"PATCH", "/api/v1/webhooks/{id}", webhook_patch, OWED_PERM_ADMIN, "change webhooks", 0},
    {"DELETE", "/api/v1/webhooks/{id}", webhook_delete, OWED_PERM_ADMIN, "delete webhooks", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
