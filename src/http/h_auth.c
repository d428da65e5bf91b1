/* Signing in and out with a password: a session cookie (HttpOnly, SameSite=Strict) and
 * its CSRF token; who am I. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "http/http.h"
#include "http/server.h"
#include "app/views.h"

/* The client's address is a second key beside the email, so that guessing across many
 * emails from one place is limited too. The connection's own address: a header such as
 * X-Forwarded-For is the client's to choose, so it cannot be trusted for this. */
static void client_key(const struct hreq *rq, char *out, size_t cap)
{
    char ip[64];
    owed_client_ip(rq->conn, ip, sizeof ip);
    snprintf(out, cap, "ip:%s", ip);
}

int http_sign_in(struct hreq *rq, struct hresp *rs, const char *email, const char *password,
                 struct owed_principal *p)
{
    rs->no_audit = true;
    char ekey[300], ikey[128];
    snprintf(ekey, sizeof ekey, "email:%s", email);
    client_key(rq, ikey, sizeof ikey);
    int wait = owed_login_blocked(rq->server, ekey, rq->now_s);
    if (!wait) wait = owed_login_blocked(rq->server, ikey, rq->now_s);
    if (wait) {
        rs->retry_after = wait;
        hr_problem(rs, 429, "too_many_attempts", "too many failed sign-ins; try again in %d s", wait);
        return -1;
    }
    char secret[OWED_SECRET_MAX + 1];
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_login(rq->store, email, password, rq->now_s, p, secret, &err);
    if (rc == OWED_E_DENIED) {
        owed_login_failed(rq->server, ekey, rq->now_s);
        owed_login_failed(rq->server, ikey, rq->now_s);
        hr_problem(rs, 401, "unauthenticated", "%s", err.ptr);
    } else if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        owed_login_succeeded(rq->server, ekey);
        snprintf(rs->cookie, sizeof rs->cookie,
                 "owed_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", secret,
                 OWED_SESSION_SECONDS, rq->server->cfg.secure_cookies ? "; Secure" : "");
        /* A sign-in is worth a line in the audit trail. */
        char actor[320];
        owed_principal_actor(p, actor, sizeof actor);
        owed_buf_reset(&err);
        owed_audit_record(rq->store, p->org, actor, "LOGIN", "/api/v1/auth/login", 200, "", "", &err);
    }
    owed_buf_release(&err);
    return rc ? -1 : 0;
}

static void login(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"email", "password", NULL};
    const char *email, *password;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "email", true, &email) ||
        !hq_str(rq, rs, "password", true, &password))
        return;
    struct owed_principal p;
    if (http_sign_in(rq, rs, email, password, &p)) return;
    hr_json(rs, 200, json_pack("{s:s, s:s, s:I, s:s}", "email", p.email, "role",
                               owed_role_name(p.role), "org_id", (json_int_t)p.org,
                               "csrf_token", p.csrf));
}

static void logout(struct hreq *rq, struct hresp *rs)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_token_revoke(rq->store, rq->who.org, rq->who.cred_id, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else {
        snprintf(rs->cookie, sizeof rs->cookie,
                 "owed_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        rs->status = 204;
        rs->content_type = "application/json";
    }
    owed_buf_release(&err);
}

static void me(struct hreq *rq, struct hresp *rs)
{
    hr_json(rs, 200, json_pack("{s:s, s:s, s:I, s:I, s:s}", "email", rq->who.email, "role",
                               owed_role_name(rq->who.role), "org_id", (json_int_t)rq->who.org,
                               "user_id", (json_int_t)rq->who.user_id, "credential",
                               rq->who.kind == OWED_CRED_TOKEN ? "token" : "session"));
}

const struct http_route http_routes_auth[] = {
    {"POST", "/api/v1/auth/login", login, OWED_PERM_PUBLIC, "sign in", 0},
    {"POST", "/api/v1/auth/logout", logout, OWED_PERM_READ, "sign out", 0},
    {"GET", "/api/v1/me", me, OWED_PERM_READ, "read who they are", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
