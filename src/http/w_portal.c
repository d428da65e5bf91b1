/* The customer portal (docs/portal.md): pages under /portal for a customer signed in by a
 * magic link (app/portal.h), and the staff API that makes those links and reads the
 * feedback customers leave.
 *
 * The portal's routes are public to the router (a customer has no user account); each
 * page checks the portal session itself: the cookie owed_portal (HttpOnly, SameSite=Strict,
 * Path=/portal), signed and backed by a row that sign-out ends. Every POST also carries the
 * session's form token in the field "csrf" and, when the browser says where it comes from
 * (Sec-Fetch-Site), comes from this site. A page of the portal shows only the session's
 * customer's data: an invoice of anyone else is "not found", as one that does not exist. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "app/portal.h"
#include "app/views.h"
#include "base.h"
#include "http/http.h"
#include "http/server.h"
#include "http/web.h"
#include "io/template.h"

/* ---- pages ---- */

static json_t *base_ctx(const struct owed_portal_session *ps, const char *org_name)
{
    json_t *ctx = json_object();
    json_object_set_new(ctx, "org_name", json_string(org_name ? org_name : ""));
    json_object_set_new(ctx, "signed_in", json_boolean(ps && ps->session_id));
    json_object_set_new(ctx, "customer_name", json_string(ps ? ps->customer_name : ""));
    return ctx;
}

/* A page with a heading and a message, at status. */
static void message(struct hreq *rq, struct hresp *rs, const struct owed_portal_session *ps,
                    const char *org_name, int status, const char *heading, const char *text,
                    bool bad)
{
    char name[201] = "";
    if ((!org_name || !*org_name) && ps && ps->org) {
        struct owed_buf err = OWED_BUF_INIT(0);
        owed_portal_org_name(rq->store, ps->org, name, sizeof name, &err);
        owed_buf_release(&err);
        org_name = name;
    }
    json_t *ctx = base_ctx(ps, org_name);
    json_object_set_new(ctx, "heading", json_string(heading));
    json_object_set_new(ctx, "message", json_string(text));
    json_object_set_new(ctx, "bad", json_boolean(bad));
    json_object_set_new(ctx, "home", json_boolean(ps && ps->session_id));
    web_portal_page(rq, rs, "portal_message", heading, ctx);
    rs->status = status;
}

static void not_signed_in(struct hreq *rq, struct hresp *rs, const char *why)
{
    char text[300];
    snprintf(text, sizeof text,
             "%s. To see your account, open the link from the latest email we sent you; if it "
             "has expired, its page lets you ask for a new one.",
             why);
    message(rq, rs, NULL, "", 401, "Please sign in", text, true);
}

/* The browser's word on where a form comes from: another site may not post here. */
static bool same_site(const struct hreq *rq)
{
    const char *site = hq_header(rq, "Sec-Fetch-Site");
    return !site || !strcmp(site, "same-origin") || !strcmp(site, "none");
}

/* The signed-in customer, or false after answering with a page that says to sign in. A
 * POST must carry the session's form token. */
static bool session(struct hreq *rq, struct hresp *rs, struct owed_portal_session *ps)
{
    const char *cookie =
        rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, OWED_PORTAL_COOKIE)
                 : NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_session_check(rq->store, cookie, rq->now_ms, ps, &err);
    if (rc == OWED_E_DENIED) {
        char why[120];
        snprintf(why, sizeof why, "%s", err.ptr);
        if (why[0]) why[0] = (char)(why[0] - (why[0] >= 'a' && why[0] <= 'z' ? 32 : 0));
        not_signed_in(rq, rs, why);
    } else if (rc) {
        message(rq, rs, NULL, "", 503, "Something went wrong",
                "Your account cannot be shown right now. Please try again in a moment.", true);
    }
    owed_buf_release(&err);
    if (rc) return false;
    snprintf(rq->portal_csrf, sizeof rq->portal_csrf, "%s", ps->csrf);
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        if (!same_site(rq) || !owed_portal_csrf_ok(ps, wf(rq, "csrf"))) {
            message(rq, rs, ps, "", 403, "Please try again",
                    "This form has expired or did not come from this page. Go back, reload the "
                    "page and send it again.",
                    true);
            return false;
        }
    }
    return true;
}

/* The audit trail: what a customer changed, as "portal:REF". The resource is the path
 * (resource NULL) or, for a sign-in, "/portal/login": a token stays out of the trail. */
static void audit(struct hreq *rq, const struct owed_portal_session *ps, int status,
                  const char *resource)
{
    char actor[96];
    snprintf(actor, sizeof actor, "portal:%s", ps->customer_ref);
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_audit_record(rq->store, ps->org, actor, rq->method, resource ? resource : rq->path,
                          status, "", "", &err))
        fprintf(stderr, "owed: audit trail write failed: %s\n", err.ptr ? err.ptr : "");
    owed_buf_release(&err);
}

/* A positive id from the path, or 0. */
static int64_t path_id(const struct hreq *rq, size_t i)
{
    const char *v = i < rq->nparams ? rq->params[i] : "";
    char *end;
    long long n = strtoll(v, &end, 10);
    return *v && !*end && n > 0 && v[0] != '0' && v[0] != '+' ? (int64_t)n : 0;
}

static const char *org_name_of(const json_t *page)
{
    const char *n = json_string_value(json_object_get(page, "org_name"));
    return n ? n : "";
}

static void no_invoice(struct hreq *rq, struct hresp *rs, const struct owed_portal_session *ps)
{
    message(rq, rs, ps, "", 404, "Not found",
            "There is no such invoice in your account.", true);
}

/* An error of app/ as a page: not found, refused input (422, with the reason), else 500. */
static void app_failed(struct hreq *rq, struct hresp *rs, const struct owed_portal_session *ps,
                       int rc, const struct owed_buf *err)
{
    if (rc == OWED_E_NOT_FOUND) return no_invoice(rq, rs, ps);
    if (rc == OWED_E_INVALID || rc == OWED_E_CONFLICT)
        return message(rq, rs, ps, "", 422, "That did not work", err->ptr ? err->ptr : "", true);
    fprintf(stderr, "owed: portal %s %s: %s\n", rq->method, rq->path, err->ptr ? err->ptr : "");
    message(rq, rs, ps, "", 500, "Something went wrong",
            "This could not be done right now. Please try again later.", true);
}

/* ---- signing in ---- */

static const char *link_heading(enum owed_portal_link_state st)
{
    switch (st) {
    case OWED_PLINK_EXPIRED: return "This link has expired";
    case OWED_PLINK_USED: return "This link was already used";
    case OWED_PLINK_REVOKED: return "This link was withdrawn";
    default: return "This link is not valid";
    }
}

static const char *link_message(enum owed_portal_link_state st)
{
    switch (st) {
    case OWED_PLINK_EXPIRED: return "For your security, sign-in links work for a few days only.";
    case OWED_PLINK_USED:
        return "For your security, each sign-in link works once. If that was not you, please "
               "tell us.";
    case OWED_PLINK_REVOKED: return "Access with this link has been withdrawn.";
    default: return "This link is not one of ours, or it was copied incompletely.";
    }
}

static void link_page(struct hreq *rq, struct hresp *rs, const struct owed_portal_link_info *in)
{
    json_t *ctx = base_ctx(NULL, in->org_name);
    bool valid = in->state == OWED_PLINK_VALID;
    json_object_set_new(ctx, "valid", json_boolean(valid));
    json_object_set_new(ctx, "token", json_string(rq->params[0]));
    json_object_set_new(ctx, "customer_name", json_string(in->customer_name));
    char until[40]; /* "2026-11-09 00:00 UTC" */
    snprintf(until, sizeof until, "%.10s %.5s UTC", in->expires_at,
             strlen(in->expires_at) >= 16 ? in->expires_at + 11 : "00:00");
    json_object_set_new(ctx, "expires_at", json_string(until));
    json_object_set_new(ctx, "heading", json_string(link_heading(in->state)));
    json_object_set_new(ctx, "message", json_string(link_message(in->state)));
    json_object_set_new(ctx, "email_hint", json_string(in->email_hint));
    json_object_set_new(ctx, "can_renew",
                        json_boolean((in->state == OWED_PLINK_EXPIRED ||
                                      in->state == OWED_PLINK_USED) &&
                                     in->email_hint[0]));
    web_portal_page(rq, rs, "portal_login", valid ? "Sign in" : link_heading(in->state), ctx);
    rs->status = valid ? 200 : in->state == OWED_PLINK_INVALID ? 404 : 410;
}

/* GET /portal/login/{token}: what the link is, and a button. Mail scanners that follow
 * links use nothing: only the button's POST does. */
static void login_page(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_link_info in;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_link_check(rq->store, rq->params[0], rq->now_ms, &in, &err);
    if (rc) message(rq, rs, NULL, "", 503, "Something went wrong", "Please try again later.", true);
    else link_page(rq, rs, &in);
    owed_buf_release(&err);
}

/* POST /portal/login/{token}: uses the link and starts the session. */
static void login_post(struct hreq *rq, struct hresp *rs)
{
    if (!same_site(rq)) return message(rq, rs, NULL, "", 403, "Please try again",
                                       "Open the link from your email again.", true);
    struct owed_portal_session ps;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_login(rq->store, rq->params[0], rq->now_ms, &ps, &err);
    if (rc == OWED_E_DENIED) {
        /* Say what the link is now (used, expired), as its page would. */
        struct owed_portal_link_info in;
        owed_buf_reset(&err);
        if (owed_portal_link_check(rq->store, rq->params[0], rq->now_ms, &in, &err) == OWED_OK)
            link_page(rq, rs, &in);
        else
            message(rq, rs, NULL, "", 403, "This link is not valid", "Please try again.", true);
    } else if (rc) {
        message(rq, rs, NULL, "", 503, "Something went wrong", "Please try again later.", true);
    } else {
        snprintf(rs->cookie, sizeof rs->cookie,
                 OWED_PORTAL_COOKIE "=%s; Path=/portal; Max-Age=%d; HttpOnly; SameSite=Strict%s",
                 ps.cookie, OWED_PORTAL_SESSION_S,
                 rq->server && rq->server->cfg.secure_cookies ? "; Secure" : "");
        audit(rq, &ps, 303, "/portal/login");
        web_redirect(rs, "/portal", NULL);
    }
    owed_buf_release(&err);
}

/* POST /portal/login/{token}/renew: a new link to the address on file, for an authentic
 * link that can no longer be used. The same answer whether or not one was sent. */
static void login_renew(struct hreq *rq, struct hresp *rs)
{
    if (!same_site(rq)) return message(rq, rs, NULL, "", 403, "Please try again",
                                       "Open the link from your email again.", true);
    struct owed_portal_link_info in;
    struct owed_buf err = OWED_BUF_INIT(0);
    bool sent = false;
    int rc = owed_portal_link_check(rq->store, rq->params[0], rq->now_ms, &in, &err);
    if (!rc && in.state != OWED_PLINK_INVALID)
        rc = owed_portal_link_renew(rq->store, rq->params[0], rq->now_ms, &sent, &err);
    if (!rc && in.state == OWED_PLINK_INVALID) {
        link_page(rq, rs, &in);
    } else if (rc) {
        fprintf(stderr, "owed: portal renew: %s\n", err.ptr ? err.ptr : "");
        message(rq, rs, NULL, in.org_name, 503, "Something went wrong", "Please try again later.",
                true);
    } else {
        char text[400];
        snprintf(text, sizeof text,
                 "If %s is still your address, a new link is on its way. It may take a few "
                 "minutes to arrive.",
                 in.email_hint[0] ? in.email_hint : "the address we have for you");
        message(rq, rs, NULL, in.org_name, 200, "Check your inbox", text, false);
    }
    owed_buf_release(&err);
}

/* POST /portal/logout */
static void logout(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_logout(rq->store, &ps, rq->now_ms, &err);
    if (rc) app_failed(rq, rs, &ps, rc, &err);
    owed_buf_release(&err);
    if (rc) return;
    snprintf(rs->cookie, sizeof rs->cookie,
             OWED_PORTAL_COOKIE "=; Path=/portal; Max-Age=0; HttpOnly; SameSite=Strict");
    rq->portal_csrf[0] = '\0';
    message(rq, rs, NULL, "", 200, "Signed out",
            "You are signed out. Use a new link from us to sign in again.", false);
}

/* ---- what the customer sees ---- */

/* GET /portal */
static void home(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    json_t *page = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_home(rq->store, &ps, rq->now_ms, &page, &err);
    if (rc) {
        app_failed(rq, rs, &ps, rc == OWED_E_NOT_FOUND ? OWED_E_STORE : rc, &err);
    } else {
        json_t *ctx = base_ctx(&ps, org_name_of(page));
        json_object_update(ctx, page);
        json_decref(page);
        json_object_set_new(ctx, "nav_home", json_true());
        web_portal_page(rq, rs, "portal_home", "Your invoices", ctx);
    }
    owed_buf_release(&err);
}

static void invoice_page(struct hreq *rq, struct hresp *rs, const struct owed_portal_session *ps,
                         int64_t id, int status, const char *error)
{
    json_t *inv = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_invoice(rq->store, ps, id, rq->now_ms, &inv, &err);
    if (rc) {
        app_failed(rq, rs, ps, rc, &err);
        owed_buf_release(&err);
        return;
    }
    char org[201] = "";
    owed_portal_org_name(rq->store, ps->org, org, sizeof org, &err);
    json_t *ctx = base_ctx(ps, org);
    char title[96];
    snprintf(title, sizeof title, "Invoice %s", json_string_value(json_object_get(inv, "number")));
    json_object_set_new(ctx, "invoice", inv);
    if (error) json_object_set_new(ctx, "error", json_string(error));
    web_portal_page(rq, rs, "portal_invoice", title, ctx);
    rs->status = status;
    owed_buf_release(&err);
}

/* GET /portal/invoices/{id} */
static void invoice_get(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    invoice_page(rq, rs, &ps, id, 200, NULL);
}

/* GET /portal/invoices/{id}/pdf */
static void invoice_pdf(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    struct owed_buf pdf = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), err = OWED_BUF_INIT(0);
    char filename[128];
    int rc = owed_portal_invoice_pdf(rq->store, &ps, id, &pdf, filename, &err);
    if (rc) {
        app_failed(rq, rs, &ps, rc, &err);
    } else {
        hr_bytes(rs, 200, "application/pdf", &pdf);
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"%.100s\"",
                 filename);
    }
    owed_buf_release(&pdf);
    owed_buf_release(&err);
}

/* GET /portal/statement.pdf */
static void statement_pdf(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    struct owed_buf pdf = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), err = OWED_BUF_INIT(0);
    int rc = owed_portal_statement_pdf(rq->store, &ps, rq->now_ms, &pdf, &err);
    if (rc) {
        app_failed(rq, rs, &ps, rc == OWED_E_NOT_FOUND ? OWED_E_STORE : rc, &err);
    } else {
        hr_bytes(rs, 200, "application/pdf", &pdf);
        snprintf(rs->disposition, sizeof rs->disposition,
                 "attachment; filename=\"statement-%.60s.pdf\"", ps.customer_ref);
    }
    owed_buf_release(&pdf);
    owed_buf_release(&err);
}

/* ---- what the customer does ---- */

/* After an action on invoice id: back to its page with a word of thanks, or the page again
 * with the reason it was refused. */
static void action_done(struct hreq *rq, struct hresp *rs, const struct owed_portal_session *ps,
                        int64_t id, int rc, const struct owed_buf *err, const char *thanks)
{
    if (rc == OWED_OK) {
        audit(rq, ps, 303, NULL);
        char to[64];
        snprintf(to, sizeof to, "/portal/invoices/%lld", (long long)id);
        web_redirect(rs, to, thanks);
    } else if (rc == OWED_E_INVALID || rc == OWED_E_CONFLICT) {
        invoice_page(rq, rs, ps, id, 422, err->ptr);
    } else {
        app_failed(rq, rs, ps, rc, err);
    }
}

/* POST /portal/invoices/{id}/ack */
static void ack(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    bool first = false;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_ack(rq->store, &ps, id, rq->now_ms, &first, &err);
    action_done(rq, rs, &ps, id, rc, &err,
                first ? "Thank you for confirming that the invoice reached you."
                      : "You had already confirmed this invoice. Thank you.");
    owed_buf_release(&err);
}

/* POST /portal/invoices/{id}/dispute: reason, text, amount?, line? */
static void dispute(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    struct owed_portal_dispute d = {.invoice_id = id, .reason = wf(rq, "reason"),
                                    .text = wf(rq, "text"), .amount = wf(rq, "amount"),
                                    .line = wf(rq, "line")};
    int64_t item = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_dispute(rq->store, &ps, &d, rq->now_ms, &item, &err);
    action_done(rq, rs, &ps, id, rc, &err,
                "Thank you. We have your report and will look into it; reminders for this "
                "invoice are paused meanwhile.");
    owed_buf_release(&err);
}

/* POST /portal/invoices/{id}/promise: date, amount? */
static void promise(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    const char *date = wf(rq, "date");
    owed_date on = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = OWED_OK;
    if (!date || owed_date_parse(date, strlen(date), &on) != OWED_OK) {
        owed_buf_adds(&err, "date: choose the day you will pay");
        rc = OWED_E_INVALID;
    }
    int64_t item = 0;
    if (!rc) rc = owed_portal_promise(rq->store, &ps, id, on, wf(rq, "amount"), rq->now_ms, &item,
                                      &err);
    action_done(rq, rs, &ps, id, rc, &err, "Thank you. We have noted your payment date.");
    owed_buf_release(&err);
}

/* POST /portal/invoices/{id}/pay: amount?, card */
static void pay(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    bool declined = false;
    char ref[OWED_REF_MAX + 1];
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_pay(rq->store, &ps, id, wf(rq, "amount"), wf(rq, "card"), rq->now_ms,
                             &declined, ref, &err);
    if (!rc && declined) {
        audit(rq, &ps, 402, NULL);
        invoice_page(rq, rs, &ps, id, 402,
                     "Your card was declined; nothing was charged. Please try another card.");
    } else {
        action_done(rq, rs, &ps, id, rc, &err, "Thank you for your payment.");
    }
    owed_buf_release(&err);
}

/* POST /portal/invoices/{id}/plan: installments, first_due. Whether plans are offered, how
 * many installments, how soon the first and how far apart are the organization's policy
 * (owed portal settings), checked by app/ whatever the form says. */
static void plan(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    int64_t id = path_id(rq, 0);
    if (!id) return no_invoice(rq, rs, &ps);
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = OWED_OK;
    const char *n = wf(rq, "installments"), *date = wf(rq, "first_due");
    int installments = 0;
    if (n && n[0] >= '1' && n[0] <= '9' && (!n[1] || (n[1] >= '0' && n[1] <= '9' && !n[2])))
        installments = (int)strtol(n, NULL, 10);
    owed_date first = 0;
    if (!date || owed_date_parse(date, strlen(date), &first) != OWED_OK) {
        owed_buf_adds(&err, "first payment: choose the day of the first payment");
        rc = OWED_E_INVALID;
    }
    int64_t item = 0;
    if (!rc) rc = owed_portal_plan(rq->store, &ps, id, installments, first, rq->now_ms, &item,
                                   &err);
    if (rc == OWED_E_DENIED) {
        audit(rq, &ps, 403, NULL);
        message(rq, rs, &ps, "", 403, "Payment plans are not available",
                err.ptr ? err.ptr : "", true);
    } else {
        action_done(rq, rs, &ps, id, rc, &err,
                    "Thank you. Your payment plan is set up; the dates and amounts are below.");
    }
    owed_buf_release(&err);
}

static json_t *ratings(void)
{
    static const char *const labels[] = {"1 — poor", "2", "3", "4", "5 — excellent"};
    json_t *a = json_array();
    for (int i = 0; i < 5; i++)
        json_array_append_new(a, json_pack("{s:i, s:s, s:b}", "value", i + 1, "label", labels[i],
                                           "checked", false));
    return a;
}

static void feedback_page(struct hreq *rq, struct hresp *rs, const struct owed_portal_session *ps,
                          int status, const char *error)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    char org[201] = "";
    owed_portal_org_name(rq->store, ps->org, org, sizeof org, &err);
    json_t *ctx = base_ctx(ps, org);
    owed_buf_release(&err);
    json_object_set_new(ctx, "ratings", ratings());
    json_object_set_new(ctx, "nav_feedback", json_true());
    if (error) json_object_set_new(ctx, "error", json_string(error));
    web_portal_page(rq, rs, "portal_feedback", "Feedback", ctx);
    rs->status = status;
}

/* GET /portal/feedback */
static void feedback_get(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    feedback_page(rq, rs, &ps, 200, NULL);
}

/* POST /portal/feedback: rating (1..5), comment */
static void feedback_post(struct hreq *rq, struct hresp *rs)
{
    struct owed_portal_session ps;
    if (!session(rq, rs, &ps)) return;
    const char *r = wf(rq, "rating");
    int rating = r && r[0] >= '1' && r[0] <= '5' && !r[1] ? r[0] - '0' : 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_feedback(rq->store, &ps, rating, wf(rq, "comment"), rq->now_ms, &err);
    if (rc == OWED_E_INVALID) {
        feedback_page(rq, rs, &ps, 422, err.ptr);
    } else if (rc) {
        app_failed(rq, rs, &ps, rc, &err);
    } else {
        audit(rq, &ps, 303, NULL);
        web_redirect(rs, "/portal", "Thank you for your feedback.");
    }
    owed_buf_release(&err);
}

/* ---- the staff API ---- */

/* POST /api/v1/customers/{id}/portal-link: {days?, send?} -> 201 the link. The URL opens
 * the customer's account: the audit trail and the Idempotency-Key store keep the answer
 * without it. */
static void link_create(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    static const char *const allowed[] = {"days", "send", NULL};
    json_t *days = NULL, *send = NULL;
    if (rq->body_len) {
        if (!hq_json(rq, rs) || !hq_fields(rq, rs, allowed)) return;
        days = json_object_get(rq->json, "days");
        send = json_object_get(rq->json, "send");
    }
    if (days && (!json_is_integer(days) || json_integer_value(days) < 1 ||
                 json_integer_value(days) > OWED_PORTAL_LINK_DAYS_MAX))
        return hr_problem(rs, 422, "invalid", "days: a whole number from 1 to %d",
                          OWED_PORTAL_LINK_DAYS_MAX);
    if (send && !json_is_boolean(send))
        return hr_problem(rs, 422, "invalid", "send: true or false");
    char by[340];
    snprintf(by, sizeof by, "staff:%.300s", rq->who.email[0] ? rq->who.email : "token");
    struct owed_portal_link_req r = {.customer_id = id,
                                     .days = days ? (int)json_integer_value(days) : 0,
                                     .send = json_is_true(send),
                                     .by = by};
    struct owed_portal_link_out l;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_link_create(rq->store, rq->who.org, &r, rq->now_ms, &l, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
        owed_buf_release(&err);
        return;
    }
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)l.link_id,
                          "customer_id", (json_int_t)l.customer_id, "customer_ref",
                          l.customer_ref, "url", l.url, "expires_at", l.expires_at);
    json_object_set_new(o, "message_id", l.message_id ? json_integer(l.message_id) : json_null());
    json_object_set_new(o, "sent_to", l.sent_to[0] ? json_string(l.sent_to) : json_null());
    json_t *shown = json_deep_copy(o);
    json_object_set_new(shown, "url", json_string("(redacted)"));
    rs->redacted = json_dumps(shown, JSON_COMPACT);
    json_decref(shown);
    snprintf(rs->resource, sizeof rs->resource, "/api/v1/customers/%lld/portal-links/%lld",
             (long long)id, (long long)l.link_id);
    hr_json(rs, 201, o);
    owed_buf_release(&err);
}

static bool customer_ref_of(struct hreq *rq, struct hresp *rs, char ref[OWED_REF_MAX + 1])
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return false;
    json_t *c = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_customer(rq->store, rq->who.org, id, false, &c, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else snprintf(ref, OWED_REF_MAX + 1, "%s", json_string_value(json_object_get(c, "ref")));
    json_decref(c);
    owed_buf_release(&err);
    return rc == OWED_OK;
}

/* GET /api/v1/customers/{id}/portal-links */
static void links_list(struct hreq *rq, struct hresp *rs)
{
    char ref[OWED_REF_MAX + 1];
    if (!customer_ref_of(rq, rs, ref)) return;
    json_t *arr = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_links_view(rq->store, rq->who.org, ref, rq->now_ms, &arr, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, arr);
    owed_buf_release(&err);
}

/* POST /api/v1/customers/{id}/portal-revoke */
static void access_revoke(struct hreq *rq, struct hresp *rs)
{
    char ref[OWED_REF_MAX + 1];
    if (!customer_ref_of(rq, rs, ref)) return;
    int64_t n = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_revoke(rq->store, rq->who.org, ref, rq->now_ms, &n, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, json_pack("{s:s, s:I}", "customer_ref", ref, "revoked", (json_int_t)n));
    owed_buf_release(&err);
}

/* GET /api/v1/portal/feedback?customer_ref= */
static void feedback_list(struct hreq *rq, struct hresp *rs)
{
    json_t *arr = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_portal_feedback_view(rq->store, rq->who.org, hq_arg(rq, "customer_ref"), &arr,
                                       &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, arr);
    owed_buf_release(&err);
}

#define PORTAL(m, p, fn, what) {m, p, fn, OWED_PERM_PUBLIC, what, HTTP_ROUTE_WEB}

const struct http_route http_routes_portal[] = {
    PORTAL("GET", "/portal", home, "see their account (customers)"),
    PORTAL("GET", "/portal/login/{token}", login_page, "open a portal link (customers)"),
    PORTAL("POST", "/portal/login/{token}", login_post, "sign in to the portal (customers)"),
    PORTAL("POST", "/portal/login/{token}/renew", login_renew, "ask for a new portal link"),
    PORTAL("POST", "/portal/logout", logout, "sign out of the portal (customers)"),
    PORTAL("GET", "/portal/statement.pdf", statement_pdf, "download their statement"),
    PORTAL("GET", "/portal/invoices/{id}", invoice_get, "see an invoice (customers)"),
    PORTAL("GET", "/portal/invoices/{id}/pdf", invoice_pdf, "download an invoice (customers)"),
    PORTAL("POST", "/portal/invoices/{id}/ack", ack, "acknowledge receipt (customers)"),
    PORTAL("POST", "/portal/invoices/{id}/dispute", dispute, "dispute an invoice (customers)"),
    PORTAL("POST", "/portal/invoices/{id}/promise", promise, "promise a payment (customers)"),
    PORTAL("POST", "/portal/invoices/{id}/pay", pay, "pay an invoice (customers)"),
    PORTAL("POST", "/portal/invoices/{id}/plan", plan, "set up a payment plan (customers)"),
    PORTAL("GET", "/portal/feedback", feedback_get, "leave feedback (customers)"),
    PORTAL("POST", "/portal/feedback", feedback_post, "leave feedback (customers)"),
    {"POST", "/api/v1/customers/{id}/portal-link", link_create, OWED_PERM_WORK,
     "make customer portal links", 0},
    {"GET", "/api/v1/customers/{id}/portal-links", links_list, OWED_PERM_READ,
     "list customer portal links", 0},
    {"POST", "/api/v1/customers/{id}/portal-revoke", access_revoke, OWED_PERM_WORK,
     "revoke customer portal access", 0},
    {"GET", "/api/v1/portal/feedback", feedback_list, OWED_PERM_READ, "read portal feedback", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
