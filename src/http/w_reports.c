/* Reports: aging as of any date with drill-down from customer to invoice, downloadable as
 * CSV and Excel (the API's very bytes), and the KPI page with its monthly trend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/web.h"
#include "http/web_charts.h"
#include "owed/date.h"
#include "base.h" /* last: its banned-function list must follow every system header */

/* The report's query from the page's: as_of and by, checked by the API itself. */
static void aging_query(struct hreq *rq, char *q, size_t cap, bool detail)
{
    const char *as_of = hq_arg(rq, "as_of"), *by = hq_arg(rq, "by");
    snprintf(q, cap, "/api/v1/reports/aging?by=%s%s%s%s", by && !strcmp(by, "issue") ? "issue" : "due",
             as_of && *as_of ? "&as_of=" : "", as_of && *as_of ? web_q(0, as_of) : "",
             detail ? "&detail=true" : "");
}

static void aging_page(struct hreq *rq, struct hresp *rs)
{
    const char *customer = hq_arg(rq, "customer"), *currency = hq_arg(rq, "currency"),
               *bucket = hq_arg(rq, "bucket"), *as_of = hq_arg(rq, "as_of"), *by = hq_arg(rq, "by");
    bool detail = (customer && *customer) || (bucket && *bucket);
    char path[400];
    aging_query(rq, path, sizeof path, detail);
    struct web_call c = {.method = "GET", .path = path};
    if (web_call(rq, &c) >= 400) {
        json_t *ctx = json_pack("{s:s, s:s}", "error", c.msg, "as_of", as_of ? as_of : "");
        owed_buf_release(&c.raw);
        json_decref(c.out);
        web_page(rq, rs, "reports_aging", "Aging", ctx);
        return;
    }
    json_t *rep = c.out;
    owed_buf_release(&c.raw);
    /* Keep the rows of the customer, currency and bucket asked for. */
    json_t *rows = json_array(), *r;
    size_t i;
    json_t *keys = json_object_get(rep, "buckets");
    json_array_foreach(json_object_get(rep, detail ? "items" : "rows"), i, r) {
        const char *ref = json_string_value(json_object_get(r, "customer_ref"));
        const char *cur = json_string_value(json_object_get(r, "currency"));
        const char *bk = json_string_value(json_object_get(r, "bucket"));
        if (customer && *customer && (!ref || strcmp(ref, customer))) continue;
        if (currency && *currency && (!cur || strcmp(cur, currency))) continue;
        if (detail && bucket && *bucket && (!bk || strcmp(bk, bucket))) continue;
        if (detail) {
            json_t *days = json_object_get(r, "days_past_due");
            json_object_set(r, "days", days ? days : json_object_get(r, "days_since_issue"));
        } else {
            /* The amounts in the buckets' order: a template cannot look a key up by name. */
            json_t *cells = json_array(), *k;
            size_t j;
            json_array_foreach(keys, j, k) json_array_append(cells, json_object_get(r, json_string_value(k)));
            json_object_set_new(r, "cells", cells);
        }
        json_array_append(rows, r);
    }
    json_t *ctx = json_pack("{s:O, s:o, s:s, s:s, s:s, s:s, s:b}", "report", rep, "rows", rows,
                            "as_of", json_string_value(json_object_get(rep, "as_of")), "customer",
                            customer ? customer : "", "currency", currency ? currency : "",
                            "bucket", bucket ? bucket : "", "detail", detail);
    if (!detail) json_object_set_new(ctx, "totals", web_aging_totals(rep));
    if (by && !strcmp(by, "issue")) json_object_set_new(ctx, "by_issue", json_true());
    char q[300];
    snprintf(q, sizeof q, "as_of=%s&by=%s", web_q(0, json_string_value(json_object_get(rep, "as_of"))),
             by && !strcmp(by, "issue") ? "issue" : "due");
    json_object_set_new(ctx, "q", json_string(q));
    json_decref(rep);
    web_page(rq, rs, "reports_aging", "Aging", ctx);
}

/* The report as a file: the API's CSV or workbook, named for the date. */
static void aging_download(struct hreq *rq, struct hresp *rs, const char *format,
                           const char *content_type)
{
    char path[400];
    aging_query(rq, path, sizeof path, hq_arg(rq, "detail") && !strcmp(hq_arg(rq, "detail"), "true"));
    size_t used = strlen(path);
    snprintf(path + used, sizeof path - used, "&format=%s", format);
    const char *as_of = hq_arg(rq, "as_of");
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"aging-%s.%s\"",
             as_of && strlen(as_of) == 10 && !strpbrk(as_of, "\"\\") ? as_of : "today", format);
    web_pass_through(rq, rs, path, content_type, disp);
}

static void aging_csv(struct hreq *rq, struct hresp *rs)
{
    aging_download(rq, rs, "csv", "text/csv; charset=utf-8");
}

static void aging_xlsx(struct hreq *rq, struct hresp *rs)
{
    aging_download(rq, rs, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}

/* KPIs now, and DSO per month-end over the last six months as a trend. */
static void kpi_page(struct hreq *rq, struct hresp *rs)
{
    const char *as_of = hq_arg(rq, "as_of");
    json_t *now = web_get(rq, "/api/v1/reports/kpi%s%s", as_of && *as_of ? "?as_of=" : "",
                          as_of && *as_of ? web_q(0, as_of) : "");
    json_t *ctx = json_object();
    if (!now) {
        json_object_set_new(ctx, "error", json_string("no KPIs for that date"));
        web_page(rq, rs, "reports_kpi", "KPIs", ctx);
        return;
    }
    json_object_set(ctx, "kpi", now);
    const char *end = json_string_value(json_object_get(json_array_get(now, 0), "as_of"));
    owed_date d;
    if (end && owed_date_parse(end, strlen(end), &d) == OWED_OK) {
        /* Month ends, oldest first; for each currency a DSO series. */
        enum { MONTHS = 6 };
        json_t *months[MONTHS];
        char labels[MONTHS][8];
        const char *short_labels[MONTHS];
        for (int k = MONTHS - 1; k >= 0; k--) {
            /* The end of the month k months before d's month (k = 0: d itself). */
            owed_date me = k == 0 ? d : owed_date_month_end(owed_date_add_months(owed_date_month_start(d), -k));
            char ds[11];
            owed_date_format(me, ds);
            snprintf(labels[MONTHS - 1 - k], sizeof labels[0], "%.7s", ds);
            static const char *const names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
            int y, m, day;
            owed_date_to_ymd(me, &y, &m, &day);
            short_labels[MONTHS - 1 - k] = names[m - 1];
            months[MONTHS - 1 - k] = web_get(rq, "/api/v1/reports/kpi?days=30&as_of=%s", ds);
        }
        json_t *trend = json_array(), *cur;
        size_t i;
        json_array_foreach(now, i, cur) {
            const char *code = json_string_value(json_object_get(cur, "currency"));
            double v[MONTHS];
            const char *lab[MONTHS];
            json_t *points = json_array();
            for (int k = 0; k < MONTHS; k++) {
                v[k] = 0;
                lab[k] = short_labels[k];
                size_t j;
                json_t *e;
                json_array_foreach(months[k], j, e)
                    if (code && json_string_value(json_object_get(e, "currency")) &&
                        !strcmp(code, json_string_value(json_object_get(e, "currency"))))
                        v[k] = json_number_value(json_object_get(e, "dso"));
                json_array_append_new(points, json_pack("{s:s, s:f}", "month", labels[k], "dso", v[k]));
            }
            struct owed_buf svg = OWED_BUF_INIT(0);
            char title[80];
            snprintf(title, sizeof title, "DSO in %s at each month end (30-day window)", code ? code : "");
            web_chart_line(title, lab, v, MONTHS, &svg);
            json_array_append_new(trend, json_pack("{s:s, s:o, s:s%}", "currency", code ? code : "",
                                                   "points", points, "chart", svg.ptr, svg.len));
            owed_buf_release(&svg);
        }
        for (int k = 0; k < MONTHS; k++) json_decref(months[k]);
        json_object_set_new(ctx, "trend", trend);
    }
    json_decref(now);
    web_page(rq, rs, "reports_kpi", "KPIs", ctx);
}

const struct http_route http_routes_w_reports[] = {
    {"GET", "/app/reports/aging", aging_page, OWED_PERM_READ, "read the aging report", HTTP_ROUTE_WEB},
    {"GET", "/app/reports/aging.csv", aging_csv, OWED_PERM_READ, "read the aging report", HTTP_ROUTE_WEB},
    {"GET", "/app/reports/aging.xlsx", aging_xlsx, OWED_PERM_READ, "read the aging report", HTTP_ROUTE_WEB},
    {"GET", "/app/reports/kpi", kpi_page, OWED_PERM_READ, "read KPIs", HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
