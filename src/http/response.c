/* Writing a response: JSON, problem+json (RFC 9457), pages, ETags (http.h). */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/views.h"
#include "base.h"
#include "http/http.h"

void hr_json(struct hresp *rs, int status, json_t *doc)
{
    rs->status = status;
    rs->content_type = "application/json";
    owed_buf_reset(&rs->body);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(doc);
    if (!text) {
        hr_problem(rs, 500, "internal_error", "out of memory");
        return;
    }
    owed_buf_adds(&rs->body, text);
    owed_buf_addc(&rs->body, '\n');
    free(text);
}

void hr_bytes(struct hresp *rs, int status, const char *content_type, const struct owed_buf *b)
{
    rs->status = status;
    rs->content_type = content_type;
    owed_buf_reset(&rs->body);
    if (b->len) owed_buf_add(&rs->body, b->ptr, b->len);
}

static const char *title_of(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}

void hr_problem(struct hresp *rs, int status, const char *code, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    char type[128];
    snprintf(type, sizeof type, "https://owed.dev/problems/%s", code);
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", title_of(status),
                            "status", status, "code", code, "detail", detail);
    hr_json(rs, status, doc);
    rs->content_type = "application/problem+json";
}

void hr_app_error(struct hresp *rs, int rc, const struct owed_buf *err)
{
    const char *msg = err && err->ptr && *err->ptr ? err->ptr : owed_rc_message(rc);
    switch (rc) {
    case OWED_E_NOT_FOUND: hr_problem(rs, 404, "not_found", "%s", msg); break;
    case OWED_E_EXISTS: hr_problem(rs, 409, "conflict", "%s", msg); break;
    case OWED_E_CONFLICT: hr_problem(rs, 409, "conflict", "%s", msg); break;
    case OWED_E_INVALID:
    case OWED_E_PARSE:
    case OWED_E_CURRENCY:
    case OWED_E_OVERFLOW:
    case OWED_E_TOO_LARGE:
        hr_problem(rs, 422, "validation_failed", "%s", msg);
        break;
    case OWED_E_REJECTED: hr_problem(rs, 422, "rejected", "%s", msg); break;
    case OWED_E_DENIED: hr_problem(rs, 403, "forbidden", "%s", msg); break;
    case OWED_E_STORE: hr_problem(rs, 503, "unavailable", "%s", msg); break;
    default: hr_problem(rs, 500, "internal_error", "%s", msg); break;
    }
}

void hr_lines(struct hresp *rs, int status, const struct owed_buf *out, json_t *extra)
{
    json_t *doc = extra ? extra : json_object();
    json_t *lines = json_array();
    const char *p = out && out->ptr ? out->ptr : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n) json_array_append_new(lines, json_stringn(p, n));
        p += n + (nl ? 1 : 0);
    }
    json_object_set_new(doc, "result", lines);
    hr_json(rs, status, doc);
}

void hr_etag_of(struct hresp *rs, const char *repr, size_t len)
{
    unsigned char h[crypto_generichash_BYTES_MIN];
    char hex[2 * sizeof h + 1];
    crypto_generichash(h, sizeof h, (const unsigned char *)repr, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(rs->etag, sizeof rs->etag, "\"%s\"", hex);
}

bool hr_if_match(const struct hreq *rq, struct hresp *rs, const char *repr, size_t len)
{
    const char *im = hq_header(rq, "If-Match");
    if (!im) {
        hr_problem(rs, 428, "precondition_required",
                   "send If-Match with the ETag of the version you are changing");
        return false;
    }
    hr_etag_of(rs, repr, len);
    if (strcmp(im, "*") != 0 && !strstr(im, rs->etag)) {
        hr_problem(rs, 412, "precondition_failed",
                   "the resource changed since you read it (ETag %s); read it again", rs->etag);
        return false;
    }
    rs->etag[0] = 0;
    return true;
}



void hr_page(const struct hreq *rq, struct hresp *rs, json_t *items)
{
    long limit;
    if (!hq_int(rq, rs, "limit", 50, 1, 500, &limit)) {
        json_decref(items);
        return;
    }
    size_t start = 0, n = json_array_size(items);
    const char *cursor = hq_arg(rq, "cursor");
    if (cursor && *cursor) {
        /* The cursor is the id of the last item shown: the page goes on after it. */
        char *end;
        long long after = strtoll(cursor, &end, 10);
        bool found = false;
        if (!*end)
            for (size_t i = 0; i < n; i++)
                if (json_integer_value(json_object_get(json_array_get(items, i), "id")) == after) {
                    start = i + 1;
                    found = true;
                    break;
                }
        if (!found) {
            json_decref(items);
            hr_problem(rs, 400, "bad_cursor", "cursor '%s' is not from this listing", cursor);
            return;
        }
    }
    json_t *page = json_array();
    size_t end = start + (size_t)limit < n ? start + (size_t)limit : n;
    for (size_t i = start; i < end; i++) json_array_append(page, json_array_get(items, i));
    json_t *next = json_null();
    if (end < n) {
        char c[32];
        snprintf(c, sizeof c, "%lld",
                 (long long)json_integer_value(json_object_get(json_array_get(items, end - 1), "id")));
        json_decref(next);
        next = json_string(c);
    }
    json_decref(items);
    hr_json(rs, 200, json_pack("{s:o, s:o}", "data", page, "next_cursor", next));
}
