/* The dashboard and the one endpoint every staff form posts to (/app/do). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dashboard.h"
#include "http/web.h"
#include "http/web_charts.h"
#include "owed/date.h"
#include "owed/money.h"
#include "base.h" /* last: its banned-function list must follow every system header */

/* POST /app/do: the form's "_api" names an API call ("POST /api/v1/promises"); its other
 * fields become that call's JSON body (strings; empty ones left out; NAME[] as an array,
 * NAME# as a whole number, NAME@json as the JSON value it holds). The call runs as the signed-in user through web_api, so the
 * API's validation and its permission for the user's role apply unchanged; the browser then
 * goes back to "_back" with "_ok" (or the API's error) as the message. A form can do nothing
 * the API would not let this user do with a CSRF token. */
static void act(struct hreq *rq, struct hresp *rs)
{
    const char *api = wf(rq, "_api"), *back = wf(rq, "_back"), *ok = wf(rq, "_ok");
    char method[8];
    const char *sp = api ? strchr(api, ' ') : NULL;
    if (!sp || (size_t)(sp - api) >= sizeof method || strncmp(sp + 1, "/api/v1/", 8) != 0) {
        web_error(rq, rs, 400, "this form names no action");
        return;
    }
    memcpy(method, api, (size_t)(sp - api));
    method[sp - api] = 0;
    if (strcmp(method, "POST") && strcmp(method, "PATCH") && strcmp(method, "PUT") &&
        strcmp(method, "DELETE")) {
        web_error(rq, rs, 400, "this form names no action");
        return;
    }
    json_t *body = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(rq->form, key, v) {
        size_t n = strlen(key);
        if (key[0] == '_' || !strcmp(key, "csrf") || n == 0 || n > 100) continue;
        char name[128];
        snprintf(name, sizeof name, "%s", key);
        if (n > 2 && !strcmp(key + n - 2, "[]")) {
            name[n - 2] = 0;
            json_t *arr = json_array(), *vals = wf_all(rq, key);
            size_t i;
            json_t *e;
            json_array_foreach(vals, i, e) if (json_string_length(e)) json_array_append(arr, e);
            json_object_set_new(body, name, arr);
            continue;
        }
        const char *s = wf(rq, key);
        if (!s || !*s) continue;
        if (n > 5 && !strcmp(key + n - 5, "@json")) {
            name[n - 5] = 0;
            json_t *j = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
            if (!j) {
                char msg[200];
                snprintf(msg, sizeof msg, "%.100s: not JSON", name);
                web_redirect(rs, back, msg);
                json_decref(body);
                return;
            }
            json_object_set_new(body, name, j);
            continue;
        }
        if (key[n - 1] == '#') {
            name[n - 1] = 0;
            char *end;
            long long num = strtoll(s, &end, 10);
            if (*end) {
                char msg[200];
                snprintf(msg, sizeof msg, "%.100s: '%.40s' is not a whole number", name, s);
                web_redirect(rs, back, msg);
                json_decref(body);
                return;
            }
            json_object_set_new(body, name, json_integer(num));
        } else {
            json_object_set(body, name, json_object_get(rq->form, key));
        }
    }
    char msg[600];
    snprintf(rs->resource, sizeof rs->resource, "%s", sp + 1);
    int status = web_api(rq, method, sp + 1, body, NULL, msg, sizeof msg);
    json_decref(body);
    if (status >= 400) {
        char flash[700];
        snprintf(flash, sizeof flash, "Not done: %s", msg);
        web_redirect(rs, back, flash);
        rs->no_audit = true;
        return;
    }
    web_redirect(rs, back, ok && *ok ? ok : "Done.");
}

/* ---- dashboard ---- */

/* Sums the decimal member `field` of items per currency: [{currency, amount, count}]. With
 * keep, only items for which keep(item) is true. */
static json_t *sum_by_currency(json_t *items, const char *field, bool (*keep)(json_t *item, void *ctx),
                               void *ctx)
{
    struct {
        char code[4];
        int64_t sum;
        int n;
    } cur[16];
    size_t ncur = 0, i;
    json_t *e;
    json_array_foreach(items, i, e) {
        if (keep && !keep(e, ctx)) continue;
        const char *code = json_string_value(json_object_get(e, "currency"));
        const char *v = json_string_value(json_object_get(e, field));
        int exp = code ? owed_currency_exponent(code) : -1;
        int64_t m;
        if (exp < 0 || !v || owed_amount_parse(v, strlen(v), exp, &m)) continue;
        size_t c = 0;
        while (c < ncur && strcmp(cur[c].code, code)) c++;
        if (c == ncur) {
            if (ncur == OWED_ARRAY_LEN(cur)) continue;
            snprintf(cur[c].code, sizeof cur[c].code, "%s", code);
            cur[c].sum = 0;
            cur[c].n = 0;
            ncur++;
        }
        owed_i64_add(cur[c].sum, m, &cur[c].sum);
        cur[c].n++;
    }
    json_t *out = json_array();
    for (size_t c = 0; c < ncur; c++) {
        char t[OWED__AMOUNT_MAX + 1];
        t[owed__amount_write(t, cur[c].sum, owed_currency_exponent(cur[c].code), true)] = 0;
        json_array_append_new(out, json_pack("{s:s, s:s, s:i}", "currency", cur[c].code, "amount", t,
                                             "count", cur[c].n));
    }
    return out;
}

struct window {
    char from[11], to[11];
    const char *status; /* NULL: any */
};

static bool in_window(json_t *item, void *ctx)
{
    const struct window *w = ctx;
    const char *d = json_string_value(json_object_get(item, "date"));
    const char *st = json_string_value(json_object_get(item, "status"));
    return d && strcmp(d, w->from) >= 0 && strcmp(d, w->to) <= 0 &&
           (!w->status || (st && !strcmp(st, w->status)));
}

/* The dashboard's figures, from one pass over the book (app/dashboard.h): the KPIs, the
 * aging per currency drawn as charts, the invoices falling due this week. */
static json_t *dashboard_figures(struct hreq *rq, void *unused)
{
    (void)unused;
    json_t *fig = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    owed_date today = hq_today(rq);
    int rc = owed_dashboard(rq->store, rq->who.org, today, 90, 7, &fig, &err);
    if (rc) {
        fprintf(stderr, "owed: dashboard: %s\n", err.ptr);
        owed_buf_release(&err);
        return NULL;
    }
    owed_buf_release(&err);
    json_t *aging = json_incref(json_object_get(fig, "aging"));
    json_object_set_new(fig, "aging", web_aging_totals(aging));
    json_decref(aging);
    json_object_set(fig, "due_week", json_object_get(fig, "due"));
    json_object_del(fig, "due");
    char from[11], to[11];
    owed_date_format(today, from);
    owed_date_format(today + 6, to);
    json_object_set_new(fig, "due_from", json_string(from));
    json_object_set_new(fig, "due_to", json_string(to));
    return fig;
}

static void dashboard(struct hreq *rq, struct hresp *rs)
{
    json_t *ctx = web_cached(rq, "dashboard", dashboard_figures, NULL);
    if (!ctx) ctx = json_object();
    /* Promises, disputes: not the ledger's, so read on every visit. */
    owed_date today = hq_today(rq);
    struct window week, past;
    owed_date_format(today, week.from);
    owed_date_format(today + 6, week.to);
    week.status = "open";
    owed_date_format(today - 14, past.from);
    owed_date_format(today - 1, past.to);
    past.status = "broken";
    json_t *promises = web_get(rq, "/api/v1/promises?status=all&limit=500");
    json_object_set_new(ctx, "promised_week",
                        sum_by_currency(json_object_get(promises, "data"), "amount", in_window, &week));
    json_object_set_new(ctx, "broken",
                        sum_by_currency(json_object_get(promises, "data"), "amount", in_window, &past));
    json_decref(promises);
    json_t *disputes = web_get(rq, "/api/v1/disputes?limit=500");
    size_t n = json_array_size(json_object_get(disputes, "data")), fresh = 0, i;
    json_t *d;
    char since[11];
    owed_date_format(today - 7, since);
    json_array_foreach(json_object_get(disputes, "data"), i, d) {
        const char *opened = json_string_value(json_object_get(d, "opened_on"));
        if (opened && strcmp(opened, since) >= 0) fresh++;
    }
    json_object_set_new(ctx, "disputes_open", json_integer((json_int_t)n));
    json_object_set_new(ctx, "disputes_new", json_integer((json_int_t)fresh));
    json_decref(disputes);
    web_page(rq, rs, "dashboard", "Dashboard", ctx);
}

const struct http_route http_routes_w_app[] = {
    {"GET", "/app", dashboard, OWED_PERM_READ, "read the dashboard", HTTP_ROUTE_WEB},
    {"POST", "/app/do", act, OWED_PERM_READ, "act from a page", HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
