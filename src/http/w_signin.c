/* The web app's doors: the sign-in page, signing out, the static files, and "/". */
#include <stdio.h>
#include <string.h>

#include "http/web.h"
#include "base.h" /* last: its banned-function list must follow every system header */

/* Where to go after signing in: a page of the app, else the dashboard. */
static const char *next_page(const char *next)
{
    return next && !strncmp(next, "/app", 4) && (next[4] == 0 || next[4] == '/') &&
                   !strstr(next, "//") && !strpbrk(next, "\\\r\n")
               ? next
               : "/app";
}

static void login_form(struct hreq *rq, struct hresp *rs, int status, const char *error,
                       const char *email)
{
    const char *next = wf(rq, "next");
    if (!next) next = hq_arg(rq, "next");
    json_t *ctx = json_pack("{s:s, s:s}", "next", next_page(next), "email", email ? email : "");
    if (error) json_object_set_new(ctx, "error", json_string(error));
    web_bare_page(rq, rs, status, "login", "Sign in", ctx);
}

static void login_page(struct hreq *rq, struct hresp *rs)
{
    login_form(rq, rs, 200, NULL, NULL);
}

static void login_post(struct hreq *rq, struct hresp *rs)
{
    const char *email = wf(rq, "email"), *password = wf(rq, "password");
    if (!email || !*email || !password || !*password) {
        login_form(rq, rs, 422, "Enter your email and password.", email);
        return;
    }
    struct owed_principal p;
    if (http_sign_in(rq, rs, email, password, &p)) {
        json_t *prob = json_loadb(rs->body.ptr, rs->body.len, 0, NULL);
        const char *detail = json_string_value(json_object_get(prob, "detail"));
        char msg[300];
        snprintf(msg, sizeof msg, "%s", detail ? detail : "Sign-in failed.");
        json_decref(prob);
        login_form(rq, rs, rs->status, msg, email);
        return;
    }
    web_redirect(rs, next_page(wf(rq, "next")), NULL);
}

static void logout_post(struct hreq *rq, struct hresp *rs)
{
    if (rq->who.kind != OWED_CRED_SESSION) { /* an API token is revoked with owed token */
        web_error(rq, rs, 400, "signing out ends a browser session; this request has none");
        return;
    }
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_token_revoke(rq->store, rq->who.org, rq->who.cred_id, &err);
    owed_buf_release(&err);
    if (rc) {
        web_error(rq, rs, 503, "signing out failed; try again");
        return;
    }
    rs->status = 303;
    rs->content_type = "text/html; charset=utf-8";
    snprintf(rs->location, sizeof rs->location, "/login");
    snprintf(rs->cookie, sizeof rs->cookie,
             "owed_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

static void root(struct hreq *rq, struct hresp *rs)
{
    (void)rq;
    rs->status = 303;
    rs->content_type = "text/html; charset=utf-8";
    snprintf(rs->location, sizeof rs->location, "/app");
}

static void static_file(struct hreq *rq, struct hresp *rs)
{
    const char *name = rq->params[0];
    size_t len;
    const char *bytes = web_static(name, &len);
    if (!bytes) {
        hr_problem(rs, 404, "not_found", "no such file");
        return;
    }
    const char *dot = strrchr(name, '.');
    rs->content_type = dot && !strcmp(dot, ".css")  ? "text/css; charset=utf-8"
                       : dot && !strcmp(dot, ".js") ? "text/javascript; charset=utf-8"
                       : dot && !strcmp(dot, ".svg") ? "image/svg+xml"
                                                     : "application/octet-stream";
    /* Pages link /static/NAME?v=HASH: a new build has new URLs, so a day is safe. */
    rs->cache_control = "public, max-age=86400";
    rs->status = 200;
    owed_buf_add(&rs->body, bytes, len);
}

const struct http_route http_routes_w_signin[] = {
    {"GET", "/", root, OWED_PERM_PUBLIC, "open the web app", HTTP_ROUTE_WEB},
    {"GET", "/login", login_page, OWED_PERM_PUBLIC, "sign in", HTTP_ROUTE_WEB},
    {"POST", "/login", login_post, OWED_PERM_PUBLIC, "sign in", HTTP_ROUTE_WEB},
    {"POST", "/logout", logout_post, OWED_PERM_READ, "sign out", HTTP_ROUTE_WEB},
    {"GET", "/static/{name}", static_file, OWED_PERM_PUBLIC, "read the web app's files",
     HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
