/* The collector's pages: the worklist, the customer list, and the customer page (the credit
 * picture, open items and one timeline, with every action at hand). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/web.h"
#include "owed/money.h"
#include "base.h" /* last: its banned-function list must follow every system header */

/* Minor units of a decimal string in a currency; 0 when absent or unreadable. */
static int64_t minor_of(const json_t *v, const char *currency)
{
    const char *s = json_string_value(v);
    int exp = currency ? owed_currency_exponent(currency) : -1;
    int64_t m = 0;
    if (!s || exp < 0 || owed_amount_parse(s, strlen(s), exp, &m)) return 0;
    return m;
}

/* ---- worklist ---- */

/* Who to work first: the accounts with money overdue, the oldest money weighing most (a
 * euro 91+ days late counts four times a euro 1-30 days late), open tasks first. */
struct work_row {
    json_t *row;
    int64_t weight;
};

static int by_weight(const void *a, const void *b)
{
    const struct work_row *x = a, *y = b;
    return (x->weight < y->weight) - (x->weight > y->weight);
}

/* The accounts with money overdue, heaviest first (at most 100), from the aging report:
 * figures of the ledger alone, so kept until the book changes (web_cached). */
static json_t *overdue_accounts(struct hreq *rq, void *unused)
{
    (void)unused;
    json_t *aging = web_get(rq, "/api/v1/reports/aging");
    if (!aging) return NULL;
    json_t *rows = json_object_get(aging, "rows");
    size_t n = json_array_size(rows), i;
    struct work_row *work = owed_xcalloc(n ? n : 1, sizeof *work);
    size_t nw = 0;
    json_t *row;
    static const char *const keys[] = {"d1_30", "d31_60", "d61_90", "d91_plus"};
    static const char *const names[] = {"1–30 days", "31–60 days", "61–90 days", "91+ days"};
    json_array_foreach(rows, i, row) {
        const char *cur = json_string_value(json_object_get(row, "currency"));
        int64_t w = 0, overdue = 0;
        int oldest = -1;
        for (int k = 0; k < 4; k++) {
            int64_t m = minor_of(json_object_get(row, keys[k]), cur);
            if (m > 0) {
                w += m * (k + 1);
                overdue += m;
                oldest = k;
            }
        }
        if (overdue <= 0) continue;
        char text[OWED__AMOUNT_MAX + 1];
        text[owed__amount_write(text, overdue, owed_currency_exponent(cur), true)] = 0;
        json_object_set_new(row, "overdue", json_string(text));
        json_object_set_new(row, "oldest", json_string(names[oldest]));
        json_object_set_new(row, "late_class", json_string(oldest == 3 ? "bad" : "warn"));
        work[nw].row = row;
        work[nw].weight = w;
        nw++;
    }
    qsort(work, nw, sizeof *work, by_weight);
    json_t *accounts = json_array();
    for (size_t k = 0; k < nw && k < 100; k++) json_array_append(accounts, work[k].row);
    free(work);
    json_t *out = json_pack("{s:o, s:I, s:O}", "accounts", accounts, "accounts_total",
                            (json_int_t)nw, "today", json_object_get(aging, "as_of"));
    json_decref(aging);
    return out;
}

static void worklist(struct hreq *rq, struct hresp *rs)
{
    json_t *ctx = web_cached(rq, "worklist", overdue_accounts, NULL);
    if (!ctx) ctx = json_object();
    /* Promises and tasks are not the ledger's: read each time. */
    json_t *tasks = web_get(rq, "/api/v1/tasks?limit=200");
    json_t *promises = web_get(rq, "/api/v1/promises?limit=500");
    size_t i, j;
    json_t *row, *p;
    json_array_foreach(json_object_get(ctx, "accounts"), i, row) {
        json_array_foreach(json_object_get(promises, "data"), j, p) {
            if (json_equal(json_object_get(p, "customer_ref"), json_object_get(row, "customer_ref"))) {
                json_object_set(row, "promise", p);
                break;
            }
        }
    }
    if (tasks) json_object_set(ctx, "tasks", json_object_get(tasks, "data"));
    json_decref(tasks);
    json_decref(promises);
    web_page(rq, rs, "worklist", "Worklist", ctx);
}

/* ---- customers ---- */

static void customer_list(struct hreq *rq, struct hresp *rs)
{
    const char *q = hq_arg(rq, "q"), *cursor = hq_arg(rq, "cursor");
    json_t *list = web_get(rq, "/api/v1/customers?limit=100%s%s%s%s", q && *q ? "&q=" : "",
                           q && *q ? web_q(0, q) : "", cursor ? "&cursor=" : "",
                           cursor ? web_q(1, cursor) : "");
    json_t *ctx = json_pack("{s:s}", "q", q ? q : "");
    if (list) {
        json_object_set(ctx, "customers", json_object_get(list, "data"));
        json_t *next = json_object_get(list, "next_cursor");
        if (json_is_string(next)) {
            char more[300];
            snprintf(more, sizeof more, "/app/customers?cursor=%s%s%s", web_q(0, json_string_value(next)),
                     q && *q ? "&q=" : "", q && *q ? web_q(1, q) : "");
            json_object_set_new(ctx, "next", json_string(more));
        }
        json_decref(list);
    }
    web_page(rq, rs, "customer_list", "Customers", ctx);
}

/* One timeline, newest first: invoices, payments and the collections events. */
static int by_date_desc(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *dx = json_string_value(json_object_get(x, "date")),
               *dy = json_string_value(json_object_get(y, "date"));
    int c = strcmp(dy ? dy : "", dx ? dx : "");
    return c;
}

static json_t *timeline(json_t *st)
{
    json_t *items = json_array(), *e;
    size_t i;
    const char *cur = json_string_value(json_object_get(st, "currency"));
    json_array_foreach(json_object_get(st, "invoices"), i, e) {
        char text[300];
        snprintf(text, sizeof text, "Invoice %s issued, %s %s, due %s", json_string_value(json_object_get(e, "invoice_number")),
                 cur ? cur : "", json_string_value(json_object_get(e, "amount")),
                 json_string_value(json_object_get(e, "due_date")));
        json_array_append_new(items, json_pack("{s:O, s:s, s:s}", "date", json_object_get(e, "issue_date"),
                                               "kind", "invoice", "text", text));
    }
    json_array_foreach(json_object_get(st, "payments"), i, e) {
        char text[300];
        const char *inv = json_string_value(json_object_get(e, "invoice_number"));
        snprintf(text, sizeof text, "Payment %s received, %s %s by %s%s%s", json_string_value(json_object_get(e, "payment_ref")),
                 cur ? cur : "", json_string_value(json_object_get(e, "amount")),
                 json_string_value(json_object_get(e, "method")), inv && *inv ? " for " : "",
                 inv ? inv : "");
        json_array_append_new(items, json_pack("{s:O, s:s, s:s}", "date", json_object_get(e, "received_date"),
                                               "kind", "payment", "text", text));
    }
    json_array_foreach(json_object_get(st, "timeline"), i, e) json_array_append(items, e);
    size_t n = json_array_size(items);
    json_t **v = owed_xcalloc(n ? n : 1, sizeof *v);
    for (i = 0; i < n; i++) v[i] = json_incref(json_array_get(items, i));
    qsort(v, n, sizeof *v, by_date_desc);
    json_t *sorted = json_array();
    for (i = 0; i < n; i++) json_array_append_new(sorted, v[i]);
    free(v);
    json_decref(items);
    return sorted;
}

static void customer_page(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *c = web_get(rq, "/api/v1/customers/%lld", (long long)id);
    json_t *st = web_get(rq, "/api/v1/customers/%lld/statement", (long long)id);
    if (!c || !st) {
        json_decref(c);
        json_decref(st);
        web_error(rq, rs, 404, "no customer %lld", (long long)id);
        return;
    }
    const char *cur = json_string_value(json_object_get(c, "currency"));
    int64_t limit = minor_of(json_object_get(c, "credit_limit"), cur);
    int64_t open = minor_of(json_object_get(st, "open"), cur);
    json_t *ctx = json_pack("{s:O, s:O}", "customer", c, "statement", st);
    if (limit > 0) {
        int pct = (int)((__int128)open * 100 / limit);
        json_object_set_new(ctx, "usage_pct", json_integer(pct));
        if (open > limit) json_object_set_new(ctx, "over_limit", json_true());
    }
    /* Open items only, for the actions' invoice choices. */
    json_t *open_items = json_array(), *e;
    size_t i;
    json_array_foreach(json_object_get(st, "invoices"), i, e)
        if (minor_of(json_object_get(e, "open"), cur) != 0) json_array_append(open_items, e);
    json_object_set_new(ctx, "open_items", open_items);
    json_object_set_new(ctx, "timeline", timeline(st));
    json_t *holds = web_get(rq, "/api/v1/holds?customer=%s", web_q(0, json_string_value(json_object_get(c, "ref"))));
    json_t *disputes = web_get(rq, "/api/v1/disputes?customer=%s", web_q(0, json_string_value(json_object_get(c, "ref"))));
    json_t *promises = web_get(rq, "/api/v1/promises?customer=%s", web_q(0, json_string_value(json_object_get(c, "ref"))));
    if (holds) json_object_set(ctx, "holds", json_object_get(holds, "data"));
    if (disputes) json_object_set(ctx, "disputes", json_object_get(disputes, "data"));
    if (promises) json_object_set(ctx, "promises", json_object_get(promises, "data"));
    json_decref(holds);
    json_decref(disputes);
    json_decref(promises);
    char back[64];
    snprintf(back, sizeof back, "/app/customers/%lld", (long long)id);
    json_object_set_new(ctx, "back", json_string(back));
    char title[200];
    snprintf(title, sizeof title, "%s", json_string_value(json_object_get(c, "name")));
    json_decref(c);
    json_decref(st);
    web_page(rq, rs, "customer", title, ctx);
}

/* /app/customers/by-ref/REF: the customer page of a reference (lists that carry refs). */
static void customer_by_ref(struct hreq *rq, struct hresp *rs)
{
    char path[320], what[300];
    snprintf(path, sizeof path, "/api/v1/customers?ref=%s", web_q(0, rq->params[0]));
    snprintf(what, sizeof what, "customer %s", rq->params[0]);
    web_redirect_to_first(rq, rs, path, "/app/customers/", what);
}

static void statement_pdf(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    char path[80], disp[80];
    snprintf(path, sizeof path, "/api/v1/customers/%lld/statement?format=pdf", (long long)id);
    snprintf(disp, sizeof disp, "inline; filename=\"statement-%lld.pdf\"", (long long)id);
    web_pass_through(rq, rs, path, "application/pdf", disp);
}

const struct http_route http_routes_w_customers[] = {
    {"GET", "/app/customers/by-ref/{ref}", customer_by_ref, OWED_PERM_READ, "read a customer",
     HTTP_ROUTE_WEB},
    {"GET", "/app/customers/{id}/statement.pdf", statement_pdf, OWED_PERM_READ,
     "read customer statements", HTTP_ROUTE_WEB},
    {"GET", "/app/worklist", worklist, OWED_PERM_READ, "read the worklist", HTTP_ROUTE_WEB},
    {"GET", "/app/customers", customer_list, OWED_PERM_READ, "read customers", HTTP_ROUTE_WEB},
    {"GET", "/app/customers/{id}", customer_page, OWED_PERM_READ, "read a customer",
     HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
