/* The web app's plumbing (web.h): embedded pages and static files, layouts, forms, flash
 * messages, redirects, error pages, and API calls made on the user's behalf. */
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "http/server.h"
#include "http/web.h"
#include "app/report_cache.h"
#include "io/template.h"

struct embedded_file {
    const char *name;
    const unsigned char *data;
};
#include "web_assets.h"
#include "base.h" /* last: its banned-function list must follow every system header */

#define NASSETS (sizeof web_assets / sizeof *web_assets)

static struct owed_template *compiled[NASSETS];
static char compile_errors[2048];
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

/* Every page template is compiled once, at the first page (or at `owed serve`'s start
 * through web_check_templates, so that a broken template stops the server, not a user). */
static void compile_all(void)
{
    for (size_t i = 0; i < NASSETS; i++) {
        if (strncmp(web_assets[i].name, "pages/", 6) != 0) continue;
        const char *src = (const char *)web_assets[i].data;
        struct owed_buf err = OWED_BUF_INIT(0);
        if (owed_template_compile(src, strlen(src), &compiled[i], &err)) {
            size_t used = strlen(compile_errors);
            snprintf(compile_errors + used, sizeof compile_errors - used, "%s%s: %s",
                     used ? "; " : "", web_assets[i].name, err.ptr ? err.ptr : "");
        }
        owed_buf_release(&err);
    }
}

int web_check_templates(struct owed_buf *err)
{
    pthread_once(&compile_once, compile_all);
    if (!compile_errors[0]) return OWED_OK;
    owed_buf_addf(err, "web page templates: %s", compile_errors);
    return OWED_E_PARSE;
}

static const struct owed_template *page_template(const char *name)
{
    pthread_once(&compile_once, compile_all);
    char path[128];
    snprintf(path, sizeof path, "pages/%s.html", name);
    for (size_t i = 0; i < NASSETS; i++)
        if (!strcmp(web_assets[i].name, path)) return compiled[i];
    return NULL;
}

const char *web_static(const char *name, size_t *len)
{
    char path[128];
    snprintf(path, sizeof path, "static/%s", name);
    for (size_t i = 0; i < NASSETS; i++)
        if (!strcmp(web_assets[i].name, path)) {
            *len = strlen((const char *)web_assets[i].data);
            return (const char *)web_assets[i].data;
        }
    return NULL;
}

/* ---- flash messages: one short text carried to the next page in a cookie ---- */

#define FLASH_MAX 120

static void flash_set(struct hresp *rs, const char *msg)
{
    if (rs->cookie[0]) return; /* one Set-Cookie per answer: a session cookie comes first */
    size_t n = strlen(msg);
    if (n > FLASH_MAX) {
        n = FLASH_MAX;
        while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80) n--; /* whole characters */
    }
    char enc[sodium_base64_ENCODED_LEN(FLASH_MAX, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(enc, sizeof enc, (const unsigned char *)msg, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(rs->cookie, sizeof rs->cookie,
             "owed_flash=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=60", enc);
}

/* The flash message of this request (cleared by the answer), or "". */
static void flash_take(struct hreq *rq, struct hresp *rs, char out[FLASH_MAX + 1])
{
    out[0] = 0;
    if (rq->internal || !rq->conn) return;
    const char *c = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, "owed_flash");
    if (!c || !*c) return;
    size_t n = 0;
    if (sodium_base642bin((unsigned char *)out, FLASH_MAX, c, strlen(c), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING))
        n = 0;
    out[n] = 0;
    if (!rs->cookie[0])
        snprintf(rs->cookie, sizeof rs->cookie, "owed_flash=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

/* ---- pages ---- */

/* The template engine refuses numbers with a fraction (money travels as strings); ratios
 * such as DSO come from the API as JSON reals and are shown with one decimal. */
static void reals_to_text(json_t *v)
{
    const char *key;
    json_t *e;
    size_t i;
    if (json_is_object(v)) {
        void *tmp;
        json_object_foreach_safe(v, tmp, key, e) {
            if (json_is_real(e)) {
                char t[40];
                snprintf(t, sizeof t, "%.1f", json_real_value(e));
                json_object_set_new(v, key, json_string(t));
            } else {
                reals_to_text(e);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            if (json_is_real(e)) {
                char t[40];
                snprintf(t, sizeof t, "%.1f", json_real_value(e));
                json_array_set_new(v, i, json_string(t));
            } else {
                reals_to_text(e);
            }
        }
    }
}

static void render_into(struct hreq *rq, struct hresp *rs, int status, const char *name,
                        const char *layout, const char *title, json_t *ctx)
{
    (void)rq;
    struct owed_buf content = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), err = OWED_BUF_INIT(0);
    const struct owed_template *page = page_template(name);
    const struct owed_template *frame = layout ? page_template(layout) : NULL;
    json_object_set_new(ctx, "title", json_string(title));
    reals_to_text(ctx);
    /* Mustache cannot ask "is this list empty?" without repeating what it wraps. */
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(ctx, tmp, key, v) {
        if (json_is_array(v) && json_array_size(v) && strlen(key) < 100) {
            char has[112];
            snprintf(has, sizeof has, "has_%s", key);
            json_object_set_new(ctx, has, json_true());
        }
    }
    int rc = OWED_E_NOT_FOUND;
    if (page) rc = owed_template_render(page, ctx, OWED_ESCAPE_HTML, &content, &err);
    else owed_buf_addf(&err, "no page template %s", name);
    owed_buf_reset(&rs->body);
    if (!rc && frame) {
        json_object_set_new(ctx, "content", json_stringn_nocheck(content.ptr, content.len));
        rc = owed_template_render(frame, ctx, OWED_ESCAPE_HTML, &rs->body, &err);
    } else if (!rc) {
        owed_buf_add(&rs->body, content.ptr, content.len);
    }
    if (rc) {
        fprintf(stderr, "owed: page %s: %s\n", name, err.ptr ? err.ptr : "");
        owed_buf_reset(&rs->body);
        owed_buf_addf(&rs->body, "<!doctype html><title>Error</title><p>This page could not be shown.</p>");
        status = 500;
    }
    rs->status = status;
    rs->content_type = "text/html; charset=utf-8";
    owed_buf_release(&content);
    owed_buf_release(&err);
    json_decref(ctx);
}

void web_page(struct hreq *rq, struct hresp *rs, const char *name, const char *title, json_t *ctx)
{
    if (!ctx) ctx = json_object();
    char flash[FLASH_MAX + 1], nav[80];
    flash_take(rq, rs, flash);
    json_object_set_new(ctx, "csrf", json_string(rq->who.csrf));
    json_object_set_new(ctx, "me", json_pack("{s:s, s:s}", "email", rq->who.email, "role",
                                             owed_role_name(rq->who.role)));
    if (flash[0]) json_object_set_new(ctx, "flash", json_string(flash));
    snprintf(nav, sizeof nav, "nav_%s", name);
    char *cut = strchr(nav + 4, '_'); /* customer_list and customer share "nav_customer" */
    if (cut) *cut = 0;
    json_object_set_new(ctx, nav, json_true());
    render_into(rq, rs, 200, name, "layout", title, ctx);
}

void web_portal_page(struct hreq *rq, struct hresp *rs, const char *name, const char *title,
                     json_t *ctx)
{
    if (!ctx) ctx = json_object();
    char flash[FLASH_MAX + 1];
    flash_take(rq, rs, flash);
    if (rq->portal_csrf[0]) json_object_set_new(ctx, "csrf", json_string(rq->portal_csrf));
    if (flash[0]) json_object_set_new(ctx, "flash", json_string(flash));
    render_into(rq, rs, 200, name, "portal_layout", title, ctx);
}

void web_bare_page(struct hreq *rq, struct hresp *rs, int status, const char *name,
                   const char *title, json_t *ctx)
{
    if (!ctx) ctx = json_object();
    char flash[FLASH_MAX + 1];
    flash_take(rq, rs, flash);
    if (flash[0]) json_object_set_new(ctx, "flash", json_string(flash));
    render_into(rq, rs, status, name, NULL, title, ctx);
}

/* Only paths of this site, never "//host" (a URL of another site to a browser). */
static bool local_path(const char *to)
{
    return to && to[0] == '/' && to[1] != '/' && to[1] != '\\' &&
           (!strncmp(to, "/app", 4) || !strncmp(to, "/portal", 7)) && !strpbrk(to, "\r\n");
}

void web_redirect(struct hresp *rs, const char *to, const char *flash)
{
    rs->status = 303;
    rs->content_type = "text/html; charset=utf-8";
    snprintf(rs->location, sizeof rs->location, "%s", local_path(to) ? to : "/app");
    owed_buf_reset(&rs->body);
    owed_buf_addf(&rs->body, "<!doctype html><title>Moved</title><a href=\"");
    owed_html_escape(&rs->body, rs->location, strlen(rs->location));
    owed_buf_addf(&rs->body, "\">Continue</a>");
    if (flash && *flash) flash_set(rs, flash);
}

void web_error(struct hreq *rq, struct hresp *rs, int status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *title = status == 404   ? "Not found"
                        : status == 403 ? "Not allowed"
                        : status >= 500 ? "Something went wrong"
                                        : "That did not work";
    bool staff = rq->signed_in && strncmp(rq->path, "/portal", 7) != 0;
    json_t *ctx = json_pack("{s:i, s:s, s:s, s:s}", "status", status, "message", msg, "heading",
                            title, "home", strncmp(rq->path, "/portal", 7) ? "/app" : "/portal");
    if (staff) {
        web_page(rq, rs, "error", title, ctx);
        rs->status = status;
    } else {
        web_bare_page(rq, rs, status, "error", title, ctx);
    }
}

void web_problem_page(struct hreq *rq, struct hresp *rs)
{
    if (strcmp(rs->content_type, "application/problem+json") != 0) return;
    json_t *p = json_loadb(rs->body.ptr, rs->body.len, 0, NULL);
    const char *detail = json_string_value(json_object_get(p, "detail"));
    web_error(rq, rs, rs->status, "%s", detail ? detail : "the request failed");
    json_decref(p);
}

void web_to_login(struct hreq *rq, struct hresp *rs)
{
    rs->status = 303;
    rs->content_type = "text/html; charset=utf-8";
    char next[400] = "";
    if (!strcmp(rq->method, "GET") && strlen(rq->path) < 200) {
        /* The path only: the query string is not carried over. */
        snprintf(next, sizeof next, "?next=");
        for (const char *p = rq->path; *p; p++) {
            size_t used = strlen(next);
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("/-_.", *p))
                next[used] = *p, next[used + 1] = 0;
            else
                snprintf(next + used, sizeof next - used, "%%%02X", (unsigned char)*p);
        }
    }
    snprintf(rs->location, sizeof rs->location, "/login%s", next);
    owed_buf_reset(&rs->body);
    owed_buf_addf(&rs->body, "<!doctype html><title>Sign in</title><a href=\"/login\">Sign in</a>");
}

/* ---- forms ---- */

struct form_parse {
    json_t *form;
    char key[128];
    struct owed_buf value;
    bool is_file, have, bad;
};

static void form_flush(struct form_parse *fp)
{
    if (!fp->have) return;
    const char *v = fp->value.ptr;
    /* An uploaded file keeps its bytes as they are (a bank file may be Latin-1); a field
     * must be UTF-8. */
    json_t *s = fp->is_file ? json_stringn_nocheck(v, fp->value.len) : json_stringn(v, fp->value.len);
    if (!s) {
        fp->bad = true;
    } else {
        json_t *old = json_object_get(fp->form, fp->key);
        if (!old) {
            json_object_set_new(fp->form, fp->key, s);
        } else if (json_is_array(old)) {
            json_array_append_new(old, s);
        } else {
            json_t *arr = json_pack("[O, o]", old, s);
            json_object_set_new(fp->form, fp->key, arr);
        }
    }
    owed_buf_reset(&fp->value);
    fp->have = false;
}

static enum MHD_Result form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding;
    struct form_parse *fp = cls;
    if (off == 0 || !fp->have || strcmp(fp->key, key) != 0) {
        form_flush(fp);
        snprintf(fp->key, sizeof fp->key, "%s", key);
        fp->is_file = filename != NULL;
        fp->have = true;
        if (filename) {
            char fkey[160];
            snprintf(fkey, sizeof fkey, "%s.filename", key);
            json_object_set_new(fp->form, fkey, json_string(filename));
        }
    }
    if (size) owed_buf_add(&fp->value, data, size);
    return owed_buf_err(&fp->value) ? MHD_NO : MHD_YES;
}

bool web_form_parse(struct hreq *rq, struct hresp *rs)
{
    rq->form = json_object();
    if (rq->body_len == 0) return true;
    const char *ct = hq_header(rq, "Content-Type");
    if (!ct || (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 &&
                strncasecmp(ct, "multipart/form-data", 19) != 0)) {
        hr_problem(rs, 415, "unsupported_media_type", "send the form as a web form");
        return false;
    }
    struct form_parse fp = {.form = rq->form};
    owed_buf_init(&fp.value, 0);
    struct MHD_PostProcessor *pp = MHD_create_post_processor(rq->conn, 16384, form_field, &fp);
    bool ok = pp && MHD_post_process(pp, rq->body, rq->body_len) == MHD_YES;
    if (pp) MHD_destroy_post_processor(pp);
    form_flush(&fp);
    owed_buf_release(&fp.value);
    if (!ok || fp.bad) {
        hr_problem(rs, 400, "malformed_form", "the form could not be read%s",
                   fp.bad ? " (a field is not UTF-8 text)" : "");
        return false;
    }
    return true;
}

const char *wf(const struct hreq *rq, const char *name)
{
    json_t *v = json_object_get(rq->form, name);
    if (json_is_array(v)) v = json_array_get(v, 0);
    return json_string_value(v);
}

json_t *wf_all(const struct hreq *rq, const char *name)
{
    static __thread json_t *empty;
    json_t *v = json_object_get(rq->form, name);
    if (json_is_array(v)) return v;
    if (!empty) empty = json_array();
    if (!v) return empty;
    /* One value: an array of one, kept on the form so that it is freed with it. */
    char key[160];
    snprintf(key, sizeof key, "%s[]", name);
    json_t *arr = json_object_get(rq->form, key);
    if (!arr) {
        arr = json_pack("[O]", v);
        json_object_set_new(rq->form, key, arr);
    }
    return arr;
}

/* ---- calling the API as the user ---- */

static int url_decode(const char *s, size_t n, struct owed_buf *out)
{
    owed_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') c = ' ';
        else if (c == '%' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end) return -1;
            c = (char)v;
            i += 2;
        }
        owed_buf_addc(out, c);
    }
    return owed_buf_err(out) ? -1 : 0;
}

int web_call(struct hreq *rq, struct web_call *c)
{
    c->status = 0;
    c->msg[0] = c->etag[0] = 0;
    c->out = NULL;
    owed_buf_init(&c->raw, OWED_BUF_MAX_DEFAULT);
    const char *q = strchr(c->path, '?');
    size_t plen = q ? (size_t)(q - c->path) : strlen(c->path);
    char *path = owed_xstrndup(c->path, plen);
    char *scratch = owed_xmalloc(plen + HTTP_MAX_PARAMS + 1);
    json_t *query = json_object();
    struct owed_buf k = OWED_BUF_INIT(0), v = OWED_BUF_INIT(0);
    for (const char *a = q ? q + 1 : NULL; a && *a;) {
        const char *amp = strchr(a, '&'), *end = amp ? amp : a + strlen(a);
        const char *eq = memchr(a, '=', (size_t)(end - a));
        if (eq && !url_decode(a, (size_t)(eq - a), &k) && !url_decode(eq + 1, (size_t)(end - eq - 1), &v))
            json_object_set_new(query, k.ptr, json_string(v.ptr));
        a = amp ? amp + 1 : NULL;
    }
    struct hreq sub = *rq;
    const struct http_route *route = router_find(c->method, path, scratch, sub.params, &sub.nparams);
    if (!route) {
        snprintf(c->msg, sizeof c->msg, "no such resource");
        c->status = 404;
        goto out;
    }
    if (route->perm != OWED_PERM_PUBLIC && !owed_role_allows(rq->who.role, route->perm)) {
        snprintf(c->msg, sizeof c->msg, "your role (%s) may not %s", owed_role_name(rq->who.role),
                 route->summary);
        c->status = 403;
        goto out;
    }
    sub.method = c->method;
    sub.path = path;
    sub.body = c->raw_body ? c->raw_body : "";
    sub.body_len = c->raw_body ? c->raw_len : 0;
    sub.json = c->body ? json_incref(c->body) : NULL;
    sub.form = NULL;
    sub.query = query;
    sub.headers = c->headers;
    sub.internal = true;
    struct hresp srs = {.status = 200, .content_type = "application/json"};
    owed_buf_init(&srs.body, OWED_BUF_MAX_DEFAULT);
    route->fn(&sub, &srs);
    c->status = srs.status;
    c->content_type = srs.content_type;
    snprintf(c->etag, sizeof c->etag, "%s", srs.etag);
    if (!strcmp(srs.content_type, "application/json") ||
        !strcmp(srs.content_type, "application/problem+json"))
        c->out = json_loadb(srs.body.ptr, srs.body.len, 0, NULL);
    if (c->status >= 400) {
        const char *d = json_string_value(json_object_get(c->out, "detail"));
        snprintf(c->msg, sizeof c->msg, "%s", d ? d : "the request failed");
    }
    c->raw = srs.body;
    if (sub.json) json_decref(sub.json);
    free(srs.before);
    free(srs.redacted);
out:
    owed_buf_release(&k);
    owed_buf_release(&v);
    json_decref(query);
    free(path);
    free(scratch);
    return c->status;
}

int web_api(struct hreq *rq, const char *method, const char *path, json_t *body, json_t **out,
            char *msg, size_t msg_cap)
{
    struct web_call c = {.method = method, .path = path, .body = body};
    int status = web_call(rq, &c);
    if (msg && msg_cap) snprintf(msg, msg_cap, "%s", c.msg);
    if (out) *out = c.out;
    else json_decref(c.out);
    owed_buf_release(&c.raw);
    return status;
}

json_t *web_get(struct hreq *rq, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof path) return NULL;
    json_t *out = NULL;
    if (web_api(rq, "GET", path, NULL, &out, NULL, 0) >= 400) {
        json_decref(out);
        return NULL;
    }
    return out;
}

const char *web_q(int slot, const char *s)
{
    static __thread char bufs[4][256];
    char *b = bufs[slot & 3];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n + 4 < sizeof bufs[0]; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~", *p))
            b[n++] = (char)*p;
        else
            n += (size_t)snprintf(b + n, 4, "%%%02X", *p);
    }
    b[n] = 0;
    return b;
}

json_t *web_cached(struct hreq *rq, const char *key, json_t *(*make)(struct hreq *rq, void *ctx),
                   void *ctx)
{
    char full[160];
    char day[11];
    owed_date_format(hq_today(rq), day);
    snprintf(full, sizeof full, "%.140s@%s", key, day);
    int64_t version = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    /* The version first: a change made while make() runs leaves a stale entry, not a
     * wrong one. */
    bool versioned = owed_book_version(rq->store, rq->who.org, &version, &err) == OWED_OK;
    owed_buf_release(&err);
    json_t *v = versioned ? owed_report_cache_get(rq->who.org, full, version) : NULL;
    if (v) return v;
    v = make(rq, ctx);
    if (v && versioned) owed_report_cache_put(rq->who.org, full, version, v);
    return v;
}

void web_pass_through(struct hreq *rq, struct hresp *rs, const char *path,
                      const char *content_type, const char *disposition)
{
    struct web_call c = {.method = "GET", .path = path};
    if (web_call(rq, &c) >= 400) {
        web_error(rq, rs, c.status, "%s", c.msg);
    } else {
        rs->status = 200;
        rs->content_type = content_type;
        if (disposition) snprintf(rs->disposition, sizeof rs->disposition, "%s", disposition);
        owed_buf_reset(&rs->body);
        owed_buf_add(&rs->body, c.raw.ptr, c.raw.len);
    }
    json_decref(c.out);
    owed_buf_release(&c.raw);
}

json_t *web_options(const char *const *values, size_t n, const char *current)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:b}", "value", values[i], "selected",
                                           current && !strcmp(current, values[i])));
    return a;
}

void web_short_time(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || strlen(s) < 16 || s[10] != 'T') return;
    char t[17];
    memcpy(t, s, 16);
    t[10] = ' ';
    t[16] = 0;
    json_object_set_new(o, key, json_string(t));
}

void web_redirect_to_first(struct hreq *rq, struct hresp *rs, const char *list_path,
                           const char *page_prefix, const char *what)
{
    json_t *list = web_get(rq, "%s", list_path);
    json_t *first = json_array_get(json_object_get(list, "data"), 0);
    if (!first) {
        web_error(rq, rs, 404, "no %s", what);
    } else {
        char to[160];
        snprintf(to, sizeof to, "%s%lld", page_prefix,
                 (long long)json_integer_value(json_object_get(first, "id")));
        web_redirect(rs, to, NULL);
    }
    json_decref(list);
}
