/* The settings page of the staff app (docs/web.md): the organization (with its holiday
 * calendar), the seller, users and roles, API tokens, webhook subscribers, the built-in
 * message templates.
 *
 * Everything goes through the API's routes as the signed-in user (web.h): only admins
 * change settings (OWED_PERM_ADMIN), and a collector or a viewer sees the organization
 * read-only and, for users, tokens and webhooks, the API's own refusal. Changes to a
 * resource with an ETag send it as If-Match with the ETag the page was drawn with, so that
 * a form left open does not undo someone else's change. A new token's or webhook's secret
 * is shown once, on the page that answers the form, never in a redirect or a cookie. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/web_views.h"
#include "base.h"
#include "http/web.h"

static const char *const roles[] = {"admin", "manager", "collector", "viewer"};

/* The organization's fields the form edits (PATCH /api/v1/org). */
static const char *const org_fields[] = {"name",    "timezone", "calendar", "mail_from", "smtp_url",
                                         "sms_url", "pay_url",  "out_dir",  "tolerance"};

/* The ETag of an API resource (GET), or "" when it cannot be read. */
static void etag_of(struct hreq *rq, const char *path, char out[72])
{
    struct web_call c = {.method = "GET", .path = path};
    web_call(rq, &c);
    snprintf(out, 72, "%s", c.status < 400 ? c.etag : "");
    json_decref(c.out);
    owed_buf_release(&c.raw);
}

/* A listing's data (limit 500), or NULL with the API's refusal in msg. */
static json_t *list_of(struct hreq *rq, const char *path, char *msg, size_t cap)
{
    json_t *out = NULL;
    if (web_api(rq, "GET", path, NULL, &out, msg, cap) >= 400) {
        json_decref(out);
        return NULL;
    }
    json_t *data = json_incref(json_object_get(out, "data"));
    json_decref(out);
    return data ? data : json_array();
}

/* The page. org_form: the organization's fields as posted (shown instead of the stored
 * ones after a refused save), with org_error; status: the page's HTTP status. */
static void settings_page(struct hreq *rq, struct hresp *rs, const struct hreq *posted,
                          const char *org_error, int status)
{
    bool admin = owed_role_allows(rq->who.role, OWED_PERM_ADMIN);
    json_t *ctx = json_pack("{s:b}", "admin", admin);
    char msg[600], path[96];

    /* The organization. */
    struct web_call org = {.method = "GET", .path = "/api/v1/org"};
    web_call(rq, &org);
    if (org.status < 400 && json_is_object(org.out)) {
        json_t *o = json_deep_copy(org.out);
        if (posted)
            for (size_t i = 0; i < OWED_ARRAY_LEN(org_fields); i++) {
                const char *v = wf(posted, org_fields[i]);
                if (v) json_object_set_new(o, org_fields[i], json_string(v));
            }
        json_object_set_new(ctx, "org", o);
        json_object_set_new(ctx, "org_etag", json_string(posted && wf(posted, "etag") ? wf(posted, "etag") : org.etag));
    } else {
        json_object_set_new(ctx, "org_load_error", json_string(org.msg));
    }
    json_decref(org.out);
    owed_buf_release(&org.raw);
    if (org_error) json_object_set_new(ctx, "org_error", json_string(org_error));

    /* Holidays of the next twelve months. */
    owed_date today = hq_today(rq);
    json_t *hol = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_org_holidays(rq->store, rq->who.org, today, today + 365, &hol, &err) == OWED_OK) {
        json_t *h;
        size_t i;
        json_array_foreach(json_object_get(hol, "holidays"), i, h) {
            owed_date d;
            const char *s = json_string_value(json_object_get(h, "date"));
            static const char *const wd[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                             "Friday", "Saturday", "Sunday"};
            if (s && owed_date_parse(s, strlen(s), &d) == OWED_OK) {
                int w = owed_date_weekday(d);
                json_object_set_new(h, "weekday", json_string(w >= 0 && w <= 6 ? wd[w] : ""));
            } else {
                json_object_set_new(h, "weekday", json_string(""));
            }
        }
        json_object_set_new(hol, "has_holidays", json_boolean(json_array_size(json_object_get(hol, "holidays")) > 0));
        json_object_set_new(ctx, "hol", hol);
    }
    owed_buf_release(&err);

    /* The seller (read here; changed with owed seller set or PATCH /api/v1/seller). */
    json_t *seller = web_get(rq, "/api/v1/seller");
    if (seller) json_object_set_new(ctx, "seller", seller);

    /* Users, tokens, webhooks: admins only, as the API decides. */
    json_t *users = list_of(rq, "/api/v1/users?limit=500", msg, sizeof msg);
    if (!users) {
        json_object_set_new(ctx, "admin_error", json_string(msg));
    } else {
        json_t *u;
        size_t i;
        json_array_foreach(users, i, u) {
            long long id = (long long)json_integer_value(json_object_get(u, "id"));
            char etag[72];
            snprintf(path, sizeof path, "/api/v1/users/%lld", id);
            etag_of(rq, path, etag);
            json_object_set_new(u, "etag", json_string(etag));
            const char *role = json_string_value(json_object_get(u, "role"));
            json_object_set_new(u, "role_options", web_options(roles, OWED_ARRAY_LEN(roles), role));
            json_object_set_new(u, "is_me", json_boolean(id == rq->who.user_id));
            web_short_time(u, "created_at");
        }
        json_t *tokens = list_of(rq, "/api/v1/tokens?limit=500", msg, sizeof msg), *t;
        json_array_foreach(tokens, i, t) {
            json_int_t uid = json_integer_value(json_object_get(t, "user_id"));
            const char *email = "";
            size_t k;
            json_array_foreach(users, k, u) if (json_integer_value(json_object_get(u, "id")) == uid)
                email = json_string_value(json_object_get(u, "email"));
            json_object_set_new(t, "user_email", json_string(email));
            web_short_time(t, "created_at");
        }
        json_t *hooks = list_of(rq, "/api/v1/webhooks?limit=500", msg, sizeof msg), *w;
        json_array_foreach(hooks, i, w) {
            char etag[72];
            snprintf(path, sizeof path, "/api/v1/webhooks/%lld", (long long)json_integer_value(json_object_get(w, "id")));
            etag_of(rq, path, etag);
            json_object_set_new(w, "etag", json_string(etag));
            web_short_time(w, "created_at");
        }
        json_object_set_new(ctx, "users", users);
        json_object_set_new(ctx, "tokens", tokens ? tokens : json_array());
        json_object_set_new(ctx, "webhooks", hooks ? hooks : json_array());
        json_object_set_new(ctx, "new_role_options",
                            web_options(roles, OWED_ARRAY_LEN(roles), "collector"));
        json_object_set_new(ctx, "token_role_options", web_options(roles, OWED_ARRAY_LEN(roles), NULL));
    }
    json_object_set_new(ctx, "templates", owed_dunning_template_names());
    web_page(rq, rs, "settings", "Settings", ctx);
    if (rs->status == 200) rs->status = status; /* not over a page that failed */
}

static void settings_get(struct hreq *rq, struct hresp *rs) { settings_page(rq, rs, NULL, NULL, 200); }

/* POST /app/settings/org: the fields that differ from the stored ones (a password masked
 * in a URL is never written back), PATCHed with the ETag the form was drawn with. */
static void org_save(struct hreq *rq, struct hresp *rs)
{
    json_t *cur = NULL, *body = json_object();
    char msg[600];
    rs->no_audit = true;
    if (web_api(rq, "GET", "/api/v1/org", NULL, &cur, msg, sizeof msg) >= 400) {
        json_decref(cur);
        json_decref(body);
        web_error(rq, rs, 500, "%s", msg);
        return;
    }
    for (size_t i = 0; i < OWED_ARRAY_LEN(org_fields); i++) {
        const char *v = wf(rq, org_fields[i]);
        const char *old = json_string_value(json_object_get(cur, org_fields[i]));
        if (v && strcmp(v, old ? old : "") != 0) json_object_set_new(body, org_fields[i], json_string(v));
    }
    json_decref(cur);
    if (json_object_size(body) == 0) {
        json_decref(body);
        web_redirect(rs, "/app/settings#org", "Nothing changed.");
        return;
    }
    const char *etag = wf(rq, "etag");
    json_t *headers = json_pack("{s:s}", "If-Match", etag ? etag : "");
    struct web_call c = {.method = "PATCH", .path = "/api/v1/org", .body = body, .headers = headers};
    web_call(rq, &c);
    json_decref(headers);
    json_decref(body);
    if (c.status < 400) {
        rs->no_audit = false;
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/org");
        web_redirect(rs, "/app/settings#org", "Organization saved.");
    } else {
        char text[800];
        if (c.status == 412)
            snprintf(text, sizeof text, "Someone changed the organization's settings after you "
                                        "opened this page, so yours were not saved over theirs. "
                                        "Reload the page to see theirs. (%s)", c.msg);
        else snprintf(text, sizeof text, "%s", c.msg);
        settings_page(rq, rs, rq, text, c.status);
    }
    json_decref(c.out);
    owed_buf_release(&c.raw);
}

/* PATCH of a resource with an ETag from a form ("etag") and a body; back to `back` with
 * `ok` or the API's refusal. */
static void patch_back(struct hreq *rq, struct hresp *rs, const char *path, json_t *body,
                       const char *back, const char *ok, const char *what)
{
    const char *etag = wf(rq, "etag");
    json_t *headers = json_pack("{s:s}", "If-Match", etag ? etag : "");
    struct web_call c = {.method = "PATCH", .path = path, .body = body, .headers = headers};
    web_call(rq, &c);
    json_decref(headers);
    char flash[700];
    if (c.status >= 400) {
        rs->no_audit = true;
        if (c.status == 412)
            snprintf(flash, sizeof flash, "Not changed: someone changed this %s meanwhile; the page now shows it as it is.", what);
        else snprintf(flash, sizeof flash, "Not changed: %s", c.msg);
    } else {
        snprintf(rs->resource, sizeof rs->resource, "%s", path);
        snprintf(flash, sizeof flash, "%s", ok);
    }
    json_decref(c.out);
    owed_buf_release(&c.raw);
    web_redirect(rs, back, flash);
}

/* POST /app/settings/users/{id}: {role} or {disabled: "true"|"false"}. */
static void user_change(struct hreq *rq, struct hresp *rs)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/users/%s", rq->params[0]);
    const char *role = wf(rq, "role"), *disabled = wf(rq, "disabled");
    json_t *body = json_object();
    const char *ok = "User changed.";
    if (role && *role) {
        json_object_set_new(body, "role", json_string(role));
        ok = "Role changed.";
    }
    if (disabled && *disabled) {
        bool off = !strcmp(disabled, "true");
        json_object_set_new(body, "disabled", json_boolean(off));
        ok = off ? "User disabled: they can no longer sign in." : "User enabled again.";
    }
    patch_back(rq, rs, path, body, "/app/settings#users", ok, "user");
    json_decref(body);
}

/* POST /app/settings/webhooks/{id}: {active: "true"|"false"}. */
static void webhook_change(struct hreq *rq, struct hresp *rs)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/webhooks/%s", rq->params[0]);
    const char *active = wf(rq, "active");
    bool on = active && !strcmp(active, "true");
    json_t *body = json_pack("{s:b}", "active", on);
    patch_back(rq, rs, path, body, "/app/settings#webhooks",
               on ? "Webhook resumed." : "Webhook paused: nothing is delivered to it until resumed.",
               "webhook");
    json_decref(body);
}

/* The page that shows a new secret, once. */
static void secret_page(struct hreq *rq, struct hresp *rs, json_t *ctx)
{
    web_page(rq, rs, "settings_secret", json_string_value(json_object_get(ctx, "heading")), ctx);
}

/* POST /app/settings/tokens: {label, role?, email?} -> the token, shown once. */
static void token_create(struct hreq *rq, struct hresp *rs)
{
    json_t *body = json_object(), *out = NULL;
    static const char *const fields[] = {"label", "role", "email"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(fields); i++) {
        const char *v = wf(rq, fields[i]);
        if (v && *v) json_object_set_new(body, fields[i], json_string(v));
    }
    char msg[600], flash[700];
    int status = web_api(rq, "POST", "/api/v1/tokens", body, &out, msg, sizeof msg);
    json_decref(body);
    if (status >= 400) {
        json_decref(out);
        rs->no_audit = true;
        snprintf(flash, sizeof flash, "No token created: %s", msg);
        web_redirect(rs, "/app/settings#tokens", flash);
        return;
    }
    long long id = (long long)json_integer_value(json_object_get(out, "id"));
    snprintf(rs->resource, sizeof rs->resource, "/api/v1/tokens/%lld", id);
    const char *label = wf(rq, "label");
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:s}", "heading", "New API token",
                            "what", "API token", "secret",
                            json_string_value(json_object_get(out, "token")), "id", (json_int_t)id,
                            "label", label ? label : "", "is_token", true, "back",
                            "/app/settings#tokens");
    json_decref(out);
    secret_page(rq, rs, ctx);
}

/* POST /app/settings/webhooks: {url, events?} -> the signing secret, shown once. */
static void webhook_create(struct hreq *rq, struct hresp *rs)
{
    json_t *body = json_object(), *out = NULL;
    const char *url = wf(rq, "url"), *events = wf(rq, "events");
    if (url) json_object_set_new(body, "url", json_string(url));
    if (events && *events) json_object_set_new(body, "events", json_string(events));
    char msg[600], flash[700];
    int status = web_api(rq, "POST", "/api/v1/webhooks", body, &out, msg, sizeof msg);
    json_decref(body);
    if (status >= 400) {
        json_decref(out);
        rs->no_audit = true;
        snprintf(flash, sizeof flash, "No webhook added: %s", msg);
        web_redirect(rs, "/app/settings#webhooks", flash);
        return;
    }
    long long id = (long long)json_integer_value(json_object_get(out, "id"));
    snprintf(rs->resource, sizeof rs->resource, "/api/v1/webhooks/%lld", id);
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:s}", "heading", "New webhook",
                            "what", "signing secret", "secret",
                            json_string_value(json_object_get(out, "secret")), "id",
                            (json_int_t)id, "label", url ? url : "", "is_webhook", true, "back",
                            "/app/settings#webhooks");
    json_decref(out);
    secret_page(rq, rs, ctx);
}

const struct http_route http_routes_w_settings[] = {
    {"GET", "/app/settings", settings_get, OWED_PERM_READ, "read the settings", HTTP_ROUTE_WEB},
    {"POST", "/app/settings/org", org_save, OWED_PERM_READ, "change the organization",
     HTTP_ROUTE_WEB},
    {"POST", "/app/settings/users/{id}", user_change, OWED_PERM_READ, "change users",
     HTTP_ROUTE_WEB},
    {"POST", "/app/settings/tokens", token_create, OWED_PERM_READ, "create API tokens",
     HTTP_ROUTE_WEB},
    {"POST", "/app/settings/webhooks", webhook_create, OWED_PERM_READ, "add webhooks",
     HTTP_ROUTE_WEB},
    {"POST", "/app/settings/webhooks/{id}", webhook_change, OWED_PERM_READ, "change webhooks",
     HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
