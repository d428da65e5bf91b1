/* Reports: the bytes app/ renders for the CLI, as JSON, or as CSV with Accept: text/csv
 * (GET /api/v1/reports/aging?as_of=D equals `owed aging --as-of D --format csv`); the aging
 * report also as an Excel workbook with Accept: OWED_XLSX_CONTENT_TYPE or ?format=xlsx
 * (`owed aging --format xlsx`); the customer statement also as PDF with Accept:
 * application/pdf (`owed customer statement`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/statement_pdf.h"
#include "app/views.h"
#include "base.h"
#include "core/aging.h"
#include "http/http.h"
#include "io/xlsx.h"

static void answer(struct hresp *rs, int rc, enum owed_format fmt, const struct owed_buf *out,
                   const struct owed_buf *err)
{
    if (rc) hr_app_error(rs, rc, err);
    else hr_bytes(rs, 200, fmt == OWED_FORMAT_CSV    ? "text/csv"
                           : fmt == OWED_FORMAT_XLSX ? OWED_XLSX_CONTENT_TYPE
                                                     : "application/json",
                  out);
}

/* True when the client asks for this binary format: ?format=NAME, or MIME in Accept ahead
 * of (or without) application/json. */
static bool prefers(const struct hreq *rq, const char *name, const char *mime)
{
    const char *fmt = hq_arg(rq, "format");
    if (fmt) return !strcmp(fmt, name);
    const char *acc = hq_header(rq, "Accept");
    const char *want = acc ? strstr(acc, mime) : NULL;
    const char *json = acc ? strstr(acc, "application/json") : NULL;
    return want && (!json || want < json);
}

static void aging(struct hreq *rq, struct hresp *rs)
{
    struct owed_aging_opts ao;
    owed_date today = hq_today(rq);
    owed_aging_opts_default(&ao, today);
    if (!hq_date(rq, rs, "as_of", today, &ao.as_of)) return;
    const char *by = hq_arg(rq, "by"), *buckets = hq_arg(rq, "buckets"),
               *detail = hq_arg(rq, "detail");
    if (by && strcmp(by, "due") != 0 && strcmp(by, "issue") != 0) {
        hr_problem(rs, 400, "bad_parameter", "by: '%s' is not due or issue", by);
        return;
    }
    ao.by_issue = by && !strcmp(by, "issue");
    if (buckets && owed_aging_parse_edges(buckets, &ao)) {
        hr_problem(rs, 400, "bad_parameter",
                   "buckets: '%s' is not increasing day counts like 30,60,90", buckets);
        return;
    }
    enum owed_format fmt = prefers(rq, "xlsx", OWED_XLSX_CONTENT_TYPE) ? OWED_FORMAT_XLSX
                           : hq_wants_csv(rq)                           ? OWED_FORMAT_CSV
                                                                        : OWED_FORMAT_JSON;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_aging(rq->store, rq->who.org, &ao, detail && !strcmp(detail, "true"), fmt,
                               &out, &err);
    answer(rs, rc, fmt, &out, &err);
    if (fmt == OWED_FORMAT_XLSX && !rc) {
        char d[11];
        owed_date_format(ao.as_of, d);
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"aging-%s.xlsx\"",
                 d);
    }
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void kpi(struct hreq *rq, struct hresp *rs)
{
    owed_date as_of;
    long days;
    if (!hq_date(rq, rs, "as_of", hq_today(rq), &as_of) ||
        !hq_int(rq, rs, "days", 90, 1, 3660, &days))
        return;
    if (hq_wants_csv(rq)) {
        hr_problem(rs, 406, "not_acceptable", "the KPI report is JSON only");
        return;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_kpi(rq->store, rq->who.org, as_of, (int)days, OWED_FORMAT_JSON, &out, &err);
    answer(rs, rc, OWED_FORMAT_JSON, &out, &err);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void statement(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    owed_date as_of;
    if (!hq_id(rq, rs, 0, &id) || !hq_date(rq, rs, "as_of", hq_today(rq), &as_of)) return;
    bool pdf = prefers(rq, "pdf", "application/pdf");
    if (!pdf && hq_wants_csv(rq)) {
        hr_problem(rs, 406, "not_acceptable", "the customer statement is JSON or PDF");
        return;
    }
    json_t *c;
    struct owed_buf out = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), err = OWED_BUF_INIT(0);
    int rc = owed_view_customer(rq->store, rq->who.org, id, false, &c, &err);
    enum owed_format fmt = OWED_FORMAT_JSON;
    if (rc == OWED_OK) {
        const char *ref = json_string_value(json_object_get(c, "ref"));
        rc = pdf ? owed_statement_pdf(rq->store, rq->who.org, ref, as_of, &out, &err)
                 : owed_report_customer(rq->store, rq->who.org, ref, as_of, fmt, &out, &err);
        json_decref(c);
    }
    if (pdf && !rc) hr_bytes(rs, 200, "application/pdf", &out);
    else answer(rs, rc, fmt, &out, &err);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

const struct http_route http_routes_reports[] = {
    {"GET", "/api/v1/reports/aging", aging, OWED_PERM_READ, "read the aging report", 0},
    {"GET", "/api/v1/reports/kpi", kpi, OWED_PERM_READ, "read KPIs", 0},
    {"GET", "/api/v1/customers/{id}/statement", statement, OWED_PERM_READ,
     "read customer statements", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
