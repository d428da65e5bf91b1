/* The HTTP front end (owed serve): requests in, app/ calls, JSON out. Handlers are plain
 * functions over a parsed request and a response to fill; the server (server.c) owns the
 * connection, the router (router.c) authentication, authorization, Idempotency-Key and the
 * audit trail, so that no handler can forget them. */
#ifndef OWED_HTTP_H
#define OWED_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/auth.h"
#include "core/access.h"
#include "owed/buf.h"

struct MHD_Connection;
struct owed_server;

#define HTTP_MAX_PARAMS 4

struct hreq {
    const char *method;
    const char *path;     /* without the query string */
    const char *body;     /* NUL-terminated copy; body_len excludes the NUL */
    size_t body_len;
    const char *params[HTTP_MAX_PARAMS]; /* {name} segments of the route, in order */
    size_t nparams;
    struct MHD_Connection *conn;
    struct owed_store *store; /* this thread's connection */
    struct owed_server *server;
    struct owed_principal who; /* valid when the route is not public */
    bool signed_in;
    int64_t now_s;
    owed_time_ms now_ms;
    json_t *json; /* the parsed body of a JSON request, else NULL */
    /* The web app (web.h): a form body as {name: value} (a repeated name's values as an
     * array; an uploaded file's content as the value, its name as "NAME.filename"), else
     * NULL. query replaces the URL's arguments and `internal` hides the connection's
     * headers when a page calls an API route itself (web_api). */
    json_t *form;
    json_t *query;
    json_t *headers; /* an internal request's headers ({name: value}), or NULL */
    bool internal;
    char portal_csrf[OWED_HASH_HEX + 1]; /* the portal session's form token, when one */
};

struct hresp {
    int status;
    const char *content_type; /* static string */
    struct owed_buf body;
    char etag[72];            /* sent as ETag when set */
    char location[512];       /* sent as Location when set */
    char cookie[256];         /* sent as Set-Cookie when set */
    int retry_after;          /* seconds, sent as Retry-After when > 0 */
    const char *cache_control; /* static string; NULL means no-store */
    char disposition[192];    /* sent as Content-Disposition when set */
    bool no_audit;            /* a POST that changes nothing durable (login, preview) */
    bool replayed;            /* answered from the Idempotency-Key's stored response */
    char resource[512];       /* the audit trail's resource, when not the path */
    char *before;             /* the resource before the change, for the audit trail (heap) */
    char *redacted;           /* the body without its secrets (heap): what the audit trail
                                 and the Idempotency-Key store keep of an answer that shows
                                 a secret once (a new token, a webhook's signing secret) */
};

typedef void (*http_handler)(struct hreq *rq, struct hresp *rs);

struct http_route {
    const char *method;
    const char *pattern; /* "/api/v1/invoices/{id}" */
    http_handler fn;
    enum owed_perm perm;
    const char *summary;
    /* HTTP_ROUTE_WEB: an HTML page of the web app. Not signed in sends the browser to
     * /login; an unsafe method's form body is parsed into rq->form and must carry the
     * session's token in the field "csrf"; a problem answer becomes an error page. */
    unsigned flags;
};

#define HTTP_ROUTE_WEB 1u

/* Every route (routes.c): each area's table, joined by http_routes_init into one array,
 * NULL-pattern terminated. The authorization matrix is the perm column. */
extern const struct http_route *http_routes;
int http_routes_init(void);
extern const struct http_route http_routes_system[], http_routes_auth[], http_routes_admin[],
    http_routes_ledger[], http_routes_reports[];
extern const struct http_route http_routes_cash[], http_routes_bank[]; /* h_cash.c, h_bank.c */
extern const struct http_route http_routes_collections[], http_routes_dunning[]; /* h_*.c */
extern const struct http_route http_routes_webhooks[], http_routes_gateway[]; /* h_webhooks.c, h_gateway.c */
extern const struct http_route http_routes_openapi[]; /* h_openapi.c */
extern const struct http_route http_routes_documents[]; /* h_documents.c */
/* The web app (web.h): w_signin.c, w_app.c (dashboard, worklist, actions), w_customers.c,
 * w_money.c (invoices, bank), w_dunning.c, w_reports.c, w_settings.c. */
extern const struct http_route http_routes_w_signin[], http_routes_w_app[],
    http_routes_w_customers[], http_routes_w_money[], http_routes_w_dunning[],
    http_routes_w_reports[], http_routes_w_settings[];
extern const struct http_route http_routes_portal[]; /* w_portal.c: the customer portal */

/* An import from a request body answered as POST /api/v1/imports/{kind} answers (h_ledger.c):
 * the counts, or 422 with every problem's line, field and reason. */
struct owed_import_opts;
struct owed_import_result;
void http_import_answer(struct hreq *rq, struct hresp *rs, const char *kind_name,
                        int (*run)(struct hreq *rq, const struct owed_import_opts *opts,
                                   struct owed_import_result *res, struct owed_buf *err,
                                   void *ctx),
                        void *ctx);

/* Signs in with email and password (h_auth.c), with the limit on failed attempts: 0 with
 * the session cookie set in rs and the principal in *p; else -1 after answering 401, 429
 * or a storage error. */
int http_sign_in(struct hreq *rq, struct hresp *rs, const char *email, const char *password,
                 struct owed_principal *p);

/* ---- request helpers (request.c) ---- */

/* The query parameter, or NULL. */
const char *hq_arg(const struct hreq *rq, const char *name);
const char *hq_header(const struct hreq *rq, const char *name);
/* A query date (YYYY-MM-DD); *out = dflt when absent. False after answering 400. */
bool hq_date(const struct hreq *rq, struct hresp *rs, const char *name, owed_date dflt,
             owed_date *out);
/* A query integer in [min, max]; false after answering 400. */
bool hq_int(const struct hreq *rq, struct hresp *rs, const char *name, long dflt, long min,
            long max, long *out);
/* The body as a JSON object; false after answering 400/415. */
bool hq_json(struct hreq *rq, struct hresp *rs);
/* A string member of the body object: NULL when absent or null; false after answering 422
 * when present with another type or when required and missing. */
bool hq_str(struct hreq *rq, struct hresp *rs, const char *field, bool required,
            const char **out);
/* The body is a JSON object with no member outside `allowed` (NULL-terminated); false
 * after answering 422 naming the first unknown one. */
bool hq_fields(struct hreq *rq, struct hresp *rs, const char *const *allowed);
/* The org's today (its time zone). */
owed_date hq_today(const struct hreq *rq);
/* True when the client prefers text/csv over JSON. */
bool hq_wants_csv(const struct hreq *rq);
/* Parses a route {param} as a positive id; false after answering 404. */
bool hq_id(const struct hreq *rq, struct hresp *rs, size_t i, int64_t *out);

/* ---- responses (response.c) ---- */

/* Answers with a JSON document (steals the reference). */
void hr_json(struct hresp *rs, int status, json_t *doc);
/* Answers with bytes already rendered by app/ (the very bytes the CLI prints). */
void hr_bytes(struct hresp *rs, int status, const char *content_type, const struct owed_buf *b);
/* RFC 9457 problem+json: code is stable ("not_found"), detail says what to fix. */
void hr_problem(struct hresp *rs, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A problem for an app/ error code and its message. */
void hr_app_error(struct hresp *rs, int rc, const struct owed_buf *err);
/* 201/200 with the use case's report lines as {"result": [...lines]} plus extra members. */
void hr_lines(struct hresp *rs, int status, const struct owed_buf *out, json_t *extra);
/* Sets the ETag from a representation (a hash of its bytes). */
void hr_etag_of(struct hresp *rs, const char *repr, size_t len);
/* If-Match against the ETag of the current representation `repr`: true to go on, false
 * after answering 412 (mismatch) or 428 (an update without If-Match). */
bool hr_if_match(const struct hreq *rq, struct hresp *rs, const char *repr, size_t len);


/* ---- pagination (response.c, h_admin.c) ---- */

struct owed_page;
/* ?limit (1..500, default 50) and ?cursor; false after answering 400. */
bool hq_page(const struct hreq *rq, struct hresp *rs, struct owed_page *pg);
/* Answers {"data": data, "next_cursor": "ID"|null} or the error of rc (steals data). */
void hr_list(struct hresp *rs, int rc, json_t *data, int64_t next, const struct owed_buf *err);

/* A page of `items` (an array, already filtered and sorted, whose elements have the
 * integer member "id" and the sort member): ?limit (1..500, default 50) and ?cursor.
 * Answers {"data": [...], "next_cursor": "..."|null} and steals items. */
void hr_page(const struct hreq *rq, struct hresp *rs, json_t *items);

#endif
