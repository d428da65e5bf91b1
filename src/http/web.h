/* The web app for staff (/app/...) and the customer portal (/portal/...): pages rendered by
 * the server from the templates in src/web/pages with the same template engine as emails
 * (io/template.h, HTML-escaped by default), plain forms that work without JavaScript.
 *
 * A staff page gets its data the way an API client would: web_api() dispatches to the API
 * route itself, with the signed-in user's role checked against that route's permission, so
 * the pages can never show or change more than the API allows that user. Forms post
 * application/x-www-form-urlencoded (or multipart/form-data for uploads); the router parses
 * them into rq->form and checks the field "csrf" against the session's token before any
 * web handler runs. Every HTML answer carries a strict Content-Security-Policy (scripts and
 * styles only from /static, nothing inline). */
#ifndef OWED_HTTP_WEB_H
#define OWED_HTTP_WEB_H

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"

/* Renders the page template NAME (src/web/pages/NAME.html) with ctx (stolen) inside the
 * staff layout (navigation, the signed-in user, a sign-out form). The layout adds to ctx:
 * "csrf" (for forms), "me" {email, role}, "nav_NAME": true for the current section, and
 * "flash" (the message of the last action, shown once). title is the page's <title>.
 * Every page's ctx also gets "has_KEY": true for each top-level KEY holding a non-empty
 * array (for a table around {{#KEY}} rows), and JSON reals as text with one decimal. */
void web_page(struct hreq *rq, struct hresp *rs, const char *name, const char *title,
              json_t *ctx);
/* The same inside the portal's layout (no staff navigation); ctx gets "csrf" when the
 * portal session has one (rq->portal_csrf). */
void web_portal_page(struct hreq *rq, struct hresp *rs, const char *name, const char *title,
                     json_t *ctx);
/* A page without a layout (the sign-in page, errors). */
void web_bare_page(struct hreq *rq, struct hresp *rs, int status, const char *name,
                   const char *title, json_t *ctx);

/* 303 See Other to `to`, which must be a path of this site ("/app/..." or "/portal/...");
 * anything else goes to "/app". With a flash message (may be NULL) shown on the next page. */
void web_redirect(struct hresp *rs, const char *to, const char *flash);
/* An error page with status and message (escaped). */
void web_error(struct hreq *rq, struct hresp *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A form field (the first when repeated), or NULL. */
const char *wf(const struct hreq *rq, const char *name);
/* Every value of a repeated field (a JSON array of strings; borrowed, never NULL). */
json_t *wf_all(const struct hreq *rq, const char *name);

/* Calls the API route for METHOD and PATH (with an optional "?query") as the signed-in
 * user, with body (borrowed; may be NULL) as its JSON body. Returns the HTTP status;
 * *out (may be NULL) gets the parsed JSON answer (a new reference, NULL when not JSON);
 * on a status >= 400, msg gets the problem's detail. 403 when the user's role may not. */
int web_api(struct hreq *rq, const char *method, const char *path, json_t *body, json_t **out,
            char *msg, size_t msg_cap);

/* GET of an API path built like printf (values in the query must be web_q()-encoded):
 * the JSON answer (a new reference), or NULL when the call failed. */
json_t *web_get(struct hreq *rq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What make(rq, ctx) builds from the whole book, kept until the book changes (app/
 * report_cache.h) under key and the org's today: a copy (a new reference), or NULL when
 * make failed. Only for figures that depend on the ledger alone (aging, KPIs), never on
 * promises, notes or settings. */
json_t *web_cached(struct hreq *rq, const char *key, json_t *(*make)(struct hreq *rq, void *ctx),
                   void *ctx);

/* s percent-encoded for a query string, in a buffer of the calling thread (valid until the
 * next call with the same slot 0..3). */
const char *web_q(int slot, const char *s);

/* [{"value", "selected"}] of the n values, the one equal to current (may be NULL) selected:
 * the options of a <select>. */
json_t *web_options(const char *const *values, size_t n, const char *current);
/* The member key of o, "2026-11-24T00:03:39Z", as "2026-11-24 00:03" (UTC), in place. */
void web_short_time(json_t *o, const char *key);
/* The first item of the API listing at list_path: 303 to page_prefix + its "id", else a 404
 * page saying what was not found (links of lists that carry refs or numbers, not ids). */
void web_redirect_to_first(struct hreq *rq, struct hresp *rs, const char *list_path,
                           const char *page_prefix, const char *what);

/* The same with more control: headers to send (If-Match), and the answer's ETag, content
 * type and raw bytes (a CSV, a PDF). The caller releases c->raw and c->out. */
struct web_call {
    const char *method, *path;
    json_t *body, *headers;  /* borrowed; may be NULL */
    const char *raw_body;    /* instead of body: bytes sent as they are (an uploaded file) */
    size_t raw_len;
    int status;
    json_t *out;             /* the parsed JSON answer, or NULL */
    const char *content_type;
    struct owed_buf raw;     /* the answer's bytes */
    char etag[72];
    char msg[600];           /* the problem's detail when status >= 400 */
};
int web_call(struct hreq *rq, struct web_call *c);

/* Answers with the bytes of GET path (a PDF, a CSV, a workbook) as the API gives them, as
 * content_type, with Content-Disposition `disposition` when not NULL; an error page when
 * the API refuses. */
void web_pass_through(struct hreq *rq, struct hresp *rs, const char *path,
                      const char *content_type, const char *disposition);

/* Compiles every page template; OWED_E_PARSE naming the broken ones (owed serve refuses to
 * start rather than fail a user's page later). */
int web_check_templates(struct owed_buf *err);

/* The bytes of an embedded static file (src/web/static/NAME), or NULL. */
const char *web_static(const char *name, size_t *len);

/* For the router (router.c) only. */
/* Parses a form body (urlencoded or multipart) into rq->form; false after answering 400
 * or 415. */
bool web_form_parse(struct hreq *rq, struct hresp *rs);
/* 303 to /login?next=PATH (a GET's path; else the dashboard). */
void web_to_login(struct hreq *rq, struct hresp *rs);
/* A problem+json answer becomes an error page with the same status. */
void web_problem_page(struct hreq *rq, struct hresp *rs);

#endif
