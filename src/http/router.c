/* One request from start to finish (router.h). Everything a handler must not forget is
 * here, in this order: route, body limit, authentication, CSRF, authorization, JSON body,
 * Idempotency-Key, handler, audit trail. */
#include <microhttpd.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api_requests.h"
#include "base.h"
#include "http/http.h"
#include "http/router.h"
#include "http/server.h"
#include "http/web.h"

#define IDEM_LEASE_S 60 /* a claimed key whose request never finished may be retaken after */

static void add_header(struct http_answer *a, const char *name, const char *value)
{
    if (a->nheaders == HTTP_MAX_HEADERS || !value || !*value) return;
    a->headers[a->nheaders].name = name;
    a->headers[a->nheaders].value = strdup(value);
    if (a->headers[a->nheaders].value) a->nheaders++;
}

void router_answer_release(struct http_answer *a)
{
    for (size_t i = 0; i < a->nheaders; i++) free(a->headers[i].value);
    a->nheaders = 0;
    owed_buf_release(&a->body);
}

/* Matches "/api/v1/invoices/{id}" against a path, splitting the path copy in `scratch`
 * (as long as the path) to point params into it. */
static bool route_match(const char *pattern, const char *path, char *scratch,
                        const char **params, size_t *nparams)
{
    size_t np = 0;
    const char *p = pattern, *q = path;
    char *w = scratch;
    while (*p && *q) {
        if (*p == '{') {
            const char *end = strchr(q, '/');
            size_t len = end ? (size_t)(end - q) : strlen(q);
            if (len == 0 || np == HTTP_MAX_PARAMS) return false;
            memcpy(w, q, len);
            w[len] = 0;
            params[np++] = w;
            w += len + 1;
            q += len;
            p = strchr(p, '}');
            if (!p) return false;
            p++;
            continue;
        }
        if (*p != *q) return false;
        p++, q++;
    }
    if (*p || *q) return false;
    *nparams = np;
    return true;
}

const struct http_route *router_find(const char *method, const char *path, char *scratch,
                                     const char **params, size_t *nparams)
{
    for (size_t i = 0; http_routes[i].pattern; i++)
        if (!strcmp(http_routes[i].method, method) &&
            route_match(http_routes[i].pattern, path, scratch, params, nparams))
            return &http_routes[i];
    return NULL;
}

static bool unsafe_method(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* The secret a request shows: a bearer token, else the session cookie. */
static const char *credential(struct MHD_Connection *conn, bool *from_cookie)
{
    *from_cookie = false;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncasecmp(auth, "Bearer ", 7)) {
        auth += 7;
        while (*auth == ' ') auth++;
        return *auth ? auth : NULL;
    }
    const char *cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "owed_session");
    if (cookie && *cookie) {
        *from_cookie = true;
        return cookie;
    }
    return NULL;
}

static void request_hash(const struct hreq *rq, const char *url, char out[OWED_HASH_HEX + 1])
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)rq->method, strlen(rq->method) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)url, strlen(url) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)rq->body, rq->body_len);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, OWED_HASH_HEX + 1, h, sizeof h);
}

/* Who a secret is, remembered by each thread for AUTH_TTL_S seconds, so that a read costs
 * one database round trip instead of three. A change to users or credentials made through
 * this server (revoke, sign out, a user changed) clears every thread's memory at once (the
 * epoch); one made elsewhere (the CLI, another server) takes effect within AUTH_TTL_S. */
#define AUTH_TTL_S 2
#define AUTH_SLOTS 64

static atomic_long auth_epoch;

struct auth_slot {
    char secret[OWED_SECRET_MAX + 1];
    struct owed_principal who;
    int64_t until;
    long epoch;
};

static int authenticate_cached(struct owed_store *s, const char *secret, int64_t now_s,
                               struct owed_principal *who, struct owed_buf *err)
{
    static __thread struct auth_slot slots[AUTH_SLOTS];
    size_t n = strlen(secret);
    if (n > OWED_SECRET_MAX) return owed_authenticate(s, secret, now_s, who, err);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)secret[i]) * 1099511628211ULL;
    struct auth_slot *slot = &slots[h % AUTH_SLOTS];
    long epoch = atomic_load(&auth_epoch);
    if (slot->epoch == epoch && now_s < slot->until && now_s >= slot->until - AUTH_TTL_S &&
        owed_secret_equal(slot->secret, secret)) {
        *who = slot->who;
        return OWED_OK;
    }
    int rc = owed_authenticate(s, secret, now_s, who, err);
    if (rc == OWED_OK) {
        memcpy(slot->secret, secret, n + 1);
        slot->who = *who;
        slot->until = now_s + AUTH_TTL_S;
        slot->epoch = epoch;
    }
    return rc;
}

/* After a change to users or credentials: forget every remembered principal. */
static void auth_changed(const char *method, const char *path)
{
    if (!strcmp(method, "GET")) return;
    if (!strncmp(path, "/api/v1/tokens", 14) || !strncmp(path, "/api/v1/users", 13) ||
        !strcmp(path, "/api/v1/auth/logout"))
        atomic_fetch_add(&auth_epoch, 1);
}

enum idem_outcome { IDEM_NONE, IDEM_CLAIMED, IDEM_ANSWERED };

/* Claims the request's Idempotency-Key, or answers from what was stored under it. */
static enum idem_outcome idem_begin(struct hreq *rq, struct hresp *rs, const char *key,
                                    const char *url, struct owed_idem_rec *rec)
{
    size_t n = strlen(key);
    bool printable = n > 0 && n <= 255;
    for (size_t i = 0; printable && i < n; i++)
        printable = (unsigned char)key[i] > ' ' && (unsigned char)key[i] < 0x7f;
    if (!printable) {
        hr_problem(rs, 400, "bad_idempotency_key",
                   "Idempotency-Key must be 1 to 255 printable ASCII characters");
        return IDEM_ANSWERED;
    }
    memset(rec, 0, sizeof *rec);
    snprintf(rec->key, sizeof rec->key, "%s", key);
    snprintf(rec->method, sizeof rec->method, "%s", rq->method);
    snprintf(rec->path, sizeof rec->path, "%s", url);
    request_hash(rq, url, rec->req_hash);
    rec->state = OWED_IDEM_PENDING;
    rec->body = "";
    rec->updated_at = rq->now_s;
    struct owed_idem_rec old;
    enum owed_idem_claim res;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_idem_claim(rq->store, rq->who.org, rec, IDEM_LEASE_S, &res, &old, &err);
    enum idem_outcome out = IDEM_ANSWERED;
    if (rc) {
        hr_problem(rs, 503, "unavailable", "the Idempotency-Key could not be recorded: %s",
                   err.ptr ? err.ptr : "storage error");
    } else if (res == OWED_IDEM_CLAIMED) {
        out = IDEM_CLAIMED;
    } else if (res == OWED_IDEM_MISMATCH) {
        hr_problem(rs, 422, "idempotency_key_reused",
                   "this Idempotency-Key was used for a different request (%s %s)", old.method,
                   old.path);
    } else if (res == OWED_IDEM_REPLAY) {
        rs->status = old.status;
        rs->content_type = !strcmp(old.content_type, "application/problem+json")
                               ? "application/problem+json"
                           : !strcmp(old.content_type, "text/csv") ? "text/csv"
                                                                   : "application/json";
        owed_buf_add(&rs->body, old.body, old.body_len);
        rs->no_audit = true;
        rs->replayed = true;
    } else {
        rs->retry_after = 1;
        hr_problem(rs, 409, "request_in_progress",
                   "a request with this Idempotency-Key is still being processed");
    }
    owed_buf_release(&err);
    return out;
}

/* After the handler: the answer under the Idempotency-Key (a server error frees the key
 * for a retry instead) and the change in the audit trail, in one relaxed commit. */
static void record(struct hreq *rq, struct hresp *rs, struct owed_idem_rec *idem,
                   const char *actor, bool audited)
{
    if (idem) {
        if (rs->status >= 500) {
            idem->state = OWED_IDEM_PENDING;
            idem->updated_at = 0;
            idem->body = "";
            idem->body_len = 0;
        } else {
            idem->state = OWED_IDEM_DONE;
            idem->status = rs->status;
            snprintf(idem->content_type, sizeof idem->content_type, "%s", rs->content_type);
            idem->body = rs->redacted ? rs->redacted : rs->body.ptr ? rs->body.ptr : "";
            idem->body_len = rs->redacted ? strlen(rs->redacted) : rs->body.len;
            idem->updated_at = rq->now_s;
        }
    }
    struct owed_audit_rec a = {.status = rs->status, .before = rs->before ? rs->before : ""};
    if (audited) {
        a.after = rs->redacted ? rs->redacted
                  : rs->body.ptr && !strcmp(rs->content_type, "application/json") ? rs->body.ptr
                                                                                   : "";
        snprintf(a.actor, sizeof a.actor, "%.299s", actor);
        snprintf(a.action, sizeof a.action, "%s", rq->method);
        snprintf(a.resource, sizeof a.resource, "%s", rs->resource[0] ? rs->resource : rq->path);
    }
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_request_record(rq->store, rq->who.org, idem, audited ? &a : NULL, &err))
        fprintf(stderr, "owed: recording %s %s (Idempotency-Key, audit trail) failed: %s\n",
                rq->method, rq->path, err.ptr ? err.ptr : "");
    owed_buf_release(&err);
}

static void answer(struct hresp *rs, struct http_answer *a)
{
    a->status = rs->status;
    a->body = rs->body;
    rs->body = (struct owed_buf)OWED_BUF_INIT(0);
    add_header(a, "Content-Type", rs->content_type);
    add_header(a, "ETag", rs->etag);
    add_header(a, "Location", rs->location);
    add_header(a, "Set-Cookie", rs->cookie);
    if (rs->retry_after > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", rs->retry_after);
        add_header(a, "Retry-After", v);
    }
    add_header(a, "Content-Disposition", rs->disposition);
    add_header(a, "Cache-Control", rs->cache_control ? rs->cache_control : "no-store");
    add_header(a, "X-Content-Type-Options", "nosniff");
    if (!strncmp(rs->content_type, "text/html", 9)) {
        /* Pages load scripts and styles from /static only: nothing inline can run. */
        add_header(a, "Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        add_header(a, "X-Frame-Options", "DENY");
        add_header(a, "Referrer-Policy", "same-origin");
    }
}

void router_handle(struct owed_server *srv, struct MHD_Connection *conn, const char *method,
                   const char *url, const char *body, size_t body_len, bool too_large,
                   struct http_answer *a)
{
    memset(a, 0, sizeof *a);
    a->route = -1;
    owed_time_ms now = srv->cfg.clock.now_ms(srv->cfg.clock.ctx);
    struct hreq rq = {.method = method, .path = url, .body = body, .body_len = body_len,
                      .conn = conn, .server = srv, .now_ms = now, .now_s = now / 1000};
    struct hresp rs = {.status = 200, .content_type = "application/json"};
    owed_buf_init(&rs.body, 0);
    size_t plen = strlen(url);
    char *scratch = malloc(plen + HTTP_MAX_PARAMS + 1);
    const struct http_route *route = NULL;
    struct owed_idem_rec idem;
    enum idem_outcome idem_state = IDEM_NONE;
    if (!scratch) {
        hr_problem(&rs, 503, "unavailable", "out of memory");
        goto done;
    }

    char allow[64] = "";
    for (size_t i = 0; http_routes[i].pattern; i++) {
        if (!route_match(http_routes[i].pattern, url, scratch, rq.params, &rq.nparams)) continue;
        if (!strcmp(http_routes[i].method, method)) {
            route = &http_routes[i];
            a->route = (int)i;
            break;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof allow - used, "%s%s", used ? ", " : "", http_routes[i].method);
    }
    if (!route) {
        if (*allow) {
            hr_problem(&rs, 405, "method_not_allowed", "%s is not allowed here; use %s", method,
                       allow);
            add_header(a, "Allow", allow);
        } else {
            hr_problem(&rs, 404, "not_found", "no such resource");
        }
        goto done;
    }
    if (too_large) {
        hr_problem(&rs, 413, "payload_too_large", "the request body exceeds %zu bytes",
                   srv->cfg.body_max);
        goto done;
    }
    struct owed_buf err = OWED_BUF_INIT(0);
    rq.store = owed_server_store(srv, &err);
    if (!rq.store) {
        hr_problem(&rs, 503, "unavailable", "database unavailable: %s", err.ptr ? err.ptr : "");
        owed_buf_release(&err);
        goto done;
    }
    bool web = route->flags & HTTP_ROUTE_WEB;
    if (web && unsafe_method(method) && !web_form_parse(&rq, &rs)) {
        owed_buf_release(&err);
        goto done;
    }
    if (route->perm != OWED_PERM_PUBLIC) {
        bool from_cookie;
        const char *secret = credential(conn, &from_cookie);
        if (web && (!secret || authenticate_cached(rq.store, secret, rq.now_s, &rq.who, &err))) {
            web_to_login(&rq, &rs);
            owed_buf_release(&err);
            goto done;
        }
        if (!secret) {
            hr_problem(&rs, 401, "unauthenticated",
                       "sign in, or send Authorization: Bearer TOKEN (owed token create)");
            add_header(a, "WWW-Authenticate", "Bearer realm=\"owed\"");
            owed_buf_release(&err);
            goto done;
        }
        int rc = authenticate_cached(rq.store, secret, rq.now_s, &rq.who, &err);
        if (rc) {
            if (rc == OWED_E_DENIED)
                hr_problem(&rs, 401, "unauthenticated", "%s", err.ptr);
            else
                hr_app_error(&rs, rc, &err);
            add_header(a, "WWW-Authenticate", "Bearer realm=\"owed\", error=\"invalid_token\"");
            owed_buf_release(&err);
            goto done;
        }
        rq.signed_in = true;
        owed_principal_actor(&rq.who, a->actor, sizeof a->actor);
        if (from_cookie && unsafe_method(method)) {
            const char *csrf = web ? wf(&rq, "csrf")
                                   : MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
            if (!csrf || !owed_secret_equal(csrf, rq.who.csrf)) {
                hr_problem(&rs, 403, "csrf_failed",
                           "a change made with a session cookie needs its X-CSRF-Token");
                owed_buf_release(&err);
                goto done;
            }
        }
        if (!owed_role_allows(rq.who.role, route->perm)) {
            hr_problem(&rs, 403, "forbidden", "role %s may not %s (needs permission '%s')",
                       owed_role_name(rq.who.role), route->summary, owed_perm_name(route->perm));
            owed_buf_release(&err);
            goto done;
        }
    }
    owed_buf_release(&err);

    bool serialized = srv->serialize_writes && unsafe_method(method);
    if (serialized) pthread_mutex_lock(&srv->write_mu);
    const char *idem_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    if (idem_key && !strcmp(method, "POST") && rq.signed_in)
        idem_state = idem_begin(&rq, &rs, idem_key, url, &idem);
    if (idem_state == IDEM_ANSWERED) {
        if (rs.replayed) add_header(a, "Idempotent-Replayed", "true");
    } else {
        route->fn(&rq, &rs);
        if (rs.status < 400) {
            auth_changed(method, url);
            /* A page's form changes through an API route (web_api), named here. */
            if (rs.resource[0]) auth_changed(method, rs.resource);
        }
        record(&rq, &rs, idem_state == IDEM_CLAIMED ? &idem : NULL, a->actor,
               unsafe_method(method) && rq.signed_in && rs.status < 400 && !rs.no_audit);
    }
    if (serialized) pthread_mutex_unlock(&srv->write_mu);
done:
    if (route && (route->flags & HTTP_ROUTE_WEB)) web_problem_page(&rq, &rs);
    if (rq.json) json_decref(rq.json);
    if (rq.form) json_decref(rq.form);
    free(rs.before);
    free(rs.redacted);
    free(scratch);
    answer(&rs, a);
}
