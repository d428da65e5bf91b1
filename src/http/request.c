/* Reading a request: query arguments, headers, the JSON body (http.h). */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"
#include "http/http.h"
#include "http/server.h"

const char *hq_arg(const struct hreq *rq, const char *name)
{
    if (rq->query || rq->internal) return json_string_value(json_object_get(rq->query, name));
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *hq_header(const struct hreq *rq, const char *name)
{
    if (rq->internal) {
        const char *key;
        json_t *v;
        json_object_foreach(rq->headers, key, v) if (!strcasecmp(key, name)) return json_string_value(v);
        return NULL;
    }
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

bool hq_date(const struct hreq *rq, struct hresp *rs, const char *name, owed_date dflt,
             owed_date *out)
{
    const char *v = hq_arg(rq, name);
    *out = dflt;
    if (!v || !*v) return true;
    if (owed_date_parse(v, strlen(v), out) == OWED_OK) return true;
    hr_problem(rs, 400, "bad_parameter", "%s: '%s' is not a date (YYYY-MM-DD)", name, v);
    return false;
}

bool hq_int(const struct hreq *rq, struct hresp *rs, const char *name, long dflt, long min,
            long max, long *out)
{
    const char *v = hq_arg(rq, name);
    *out = dflt;
    if (!v || !*v) return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max) {
        hr_problem(rs, 400, "bad_parameter", "%s: '%s' is not a whole number from %ld to %ld",
                   name, v, min, max);
        return false;
    }
    *out = n;
    return true;
}

bool hq_json(struct hreq *rq, struct hresp *rs)
{
    if (rq->json) return true;
    const char *ct = hq_header(rq, "Content-Type");
    if (rq->body_len == 0) {
        rq->json = json_object(); /* no body: no fields */
        return rq->json != NULL;
    }
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        hr_problem(rs, 415, "unsupported_media_type", "send the body as application/json");
        return false;
    }
    json_error_t je;
    rq->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!rq->json) {
        hr_problem(rs, 400, "malformed_json", "the body is not JSON: line %d, column %d: %s",
                   je.line, je.column, je.text);
        return false;
    }
    if (!json_is_object(rq->json)) {
        hr_problem(rs, 400, "malformed_json", "the body must be a JSON object");
        return false;
    }
    return true;
}

bool hq_str(struct hreq *rq, struct hresp *rs, const char *field, bool required,
            const char **out)
{
    *out = NULL;
    if (!hq_json(rq, rs)) return false;
    json_t *v = json_object_get(rq->json, field);
    if (!v || json_is_null(v)) {
        if (!required) return true;
        hr_problem(rs, 422, "validation_failed", "%s: required", field);
        return false;
    }
    if (!json_is_string(v)) {
        hr_problem(rs, 422, "validation_failed",
                   "%s: must be a string%s", field,
                   json_is_number(v) ? " (amounts are decimal strings like \"12.34\")" : "");
        return false;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        hr_problem(rs, 422, "validation_failed", "%s: must not contain NUL characters", field);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

/* The org's local date changes at most once a day and costs a time zone lookup (under a
 * process-wide lock): each thread keeps its last answer for a few seconds. */
owed_date hq_today(const struct hreq *rq)
{
    static __thread int64_t cached_org, cached_at;
    static __thread owed_date cached;
    if (cached_org == rq->who.org && cached_at && rq->now_s - cached_at < 5 && rq->now_s >= cached_at)
        return cached;
    owed_date d = owed_date_from_time(rq->now_ms);
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_org_today(rq->store, rq->who.org, rq->now_ms, &d, &err) == OWED_OK) {
        cached_org = rq->who.org;
        cached_at = rq->now_s;
        cached = d;
    }
    owed_buf_release(&err);
    return d;
}

bool hq_wants_csv(const struct hreq *rq)
{
    const char *acc = hq_header(rq, "Accept");
    const char *fmt = hq_arg(rq, "format");
    if (fmt) return !strcmp(fmt, "csv");
    return acc && strstr(acc, "text/csv") != NULL;
}

bool hq_id(const struct hreq *rq, struct hresp *rs, size_t i, int64_t *out)
{
    const char *v = i < rq->nparams ? rq->params[i] : "";
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n <= 0 || v[0] == '0' || v[0] == '+' || v[0] == '-') {
        hr_problem(rs, 404, "not_found", "no such resource");
        return false;
    }
    *out = n;
    return true;
}

bool hq_fields(struct hreq *rq, struct hresp *rs, const char *const *allowed)
{
    if (!hq_json(rq, rs)) return false;
    const char *key;
    json_t *v;
    json_object_foreach(rq->json, key, v) {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++) known = !strcmp(allowed[i], key);
        if (!known) {
            hr_problem(rs, 422, "validation_failed", "%s: not a field of this request", key);
            return false;
        }
    }
    return true;
}
