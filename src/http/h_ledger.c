/* Customers, invoices and payments: listings, single records, and creation through the
 * very importer `owed import` uses (a JSON record becomes one CSV row), so that the API
 * validates exactly as the CLI does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/views.h"
#include "base.h"
#include "http/http.h"
#include "io/csv.h"

/* ---- reads ---- */

static void customers_list(struct hreq *rq, struct hresp *rs)
{
    struct owed_page pg;
    if (!hq_page(rq, rs, &pg)) return;
    json_t *data = NULL;
    int64_t next = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_customers(rq->store, rq->who.org, hq_arg(rq, "ref"), hq_arg(rq, "q"), &pg,
                                 &data, &next, &err);
    hr_list(rs, rc, data, next, &err);
    owed_buf_release(&err);
}

static void customer_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_customer(rq->store, rq->who.org, id, true, &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, doc);
    owed_buf_release(&err);
}

static bool bool_arg(const struct hreq *rq, struct hresp *rs, const char *name, bool *out)
{
    const char *v = hq_arg(rq, name);
    *out = false;
    if (!v) return true;
    if (!strcmp(v, "true") || !strcmp(v, "1")) *out = true;
    else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
        hr_problem(rs, 400, "bad_parameter", "%s: '%s' is not true or false", name, v);
        return false;
    }
    return true;
}

static void invoices_list(struct hreq *rq, struct hresp *rs)
{
    struct owed_page pg;
    struct owed_invoice_query q = {.customer_ref = hq_arg(rq, "customer"),
                                   .number = hq_arg(rq, "number")};
    if (!hq_page(rq, rs, &pg) || !hq_date(rq, rs, "due_from", 0, &q.due_from) ||
        !hq_date(rq, rs, "due_to", 0, &q.due_to) || !bool_arg(rq, rs, "overdue", &q.overdue))
        return;
    const char *st = hq_arg(rq, "status");
    if (st && !strcmp(st, "open")) q.status = OWED_INV_OPEN;
    else if (st && !strcmp(st, "paid")) q.status = OWED_INV_PAID;
    else if (st && !strcmp(st, "overdue")) q.status = OWED_INV_OPEN, q.overdue = true;
    else if (st && strcmp(st, "all") != 0) {
        hr_problem(rs, 400, "bad_parameter", "status: '%s' is not open, overdue, paid or all", st);
        return;
    }
    const char *sort = hq_arg(rq, "sort");
    if (sort && !owed_invoice_sort_parse(sort, &q.sort, &q.descending)) {
        hr_problem(rs, 400, "bad_parameter",
                   "sort: '%s' is not id, due_date, issue_date, amount or open (- for descending)",
                   sort);
        return;
    }
    q.today = hq_today(rq);
    json_t *data = NULL;
    int64_t next = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_invoices(rq->store, rq->who.org, &q, &pg, &data, &next, &err);
    hr_list(rs, rc, data, next, &err);
    owed_buf_release(&err);
}

static void invoice_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_invoice(rq->store, rq->who.org, id, hq_today(rq), &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, doc);
    owed_buf_release(&err);
}

static void payments_list(struct hreq *rq, struct hresp *rs)
{
    struct owed_page pg;
    if (!hq_page(rq, rs, &pg)) return;
    json_t *data = NULL;
    int64_t next = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_payments(rq->store, rq->who.org, hq_arg(rq, "customer"), hq_arg(rq, "ref"),
                                &pg, &data, &next, &err);
    hr_list(rs, rc, data, next, &err);
    owed_buf_release(&err);
}

static void payment_get(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_payment(rq->store, rq->who.org, id, &doc, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, doc);
    owed_buf_release(&err);
}

/* ---- imports ---- */

struct import_errors {
    json_t *list;
};

/* "NAME:LINE: column: reason" -> {"line", "field", "reason"} */
static void on_import_error(void *ctx, const char *msg)
{
    struct import_errors *ie = ctx;
    const char *p = strchr(msg, ':');
    json_t *e = json_object();
    if (p) {
        char *end;
        long line = strtol(p + 1, &end, 10);
        if (end != p + 1 && *end == ':') {
            json_object_set_new(e, "line", json_integer(line));
            p = end + 1;
            while (*p == ' ') p++;
            const char *colon = strstr(p, ": ");
            if (colon) {
                json_object_set_new(e, "field", json_stringn(p, (size_t)(colon - p)));
                p = colon + 2;
            }
        } else {
            p = msg;
        }
    } else {
        p = msg;
    }
    json_object_set_new(e, "reason", json_string(p));
    json_array_append_new(ie->list, e);
}

/* The answer of an import from a request body: 201/200 with the counts, or 422 listing
 * every problem with its line and field. `run` is the use case (owed_import_mem or the
 * invoice-lines import). */
void http_import_answer(struct hreq *rq, struct hresp *rs, const char *kind_name,
                        int (*run)(struct hreq *rq, const struct owed_import_opts *opts,
                                   struct owed_import_result *res, struct owed_buf *err,
                                   void *ctx),
                        void *ctx)
{
    struct import_errors ie = {.list = json_array()};
    struct owed_import_opts opts = {.on_error = on_import_error, .error_ctx = &ie};
    struct owed_import_result res;
    memset(&res, 0, sizeof res);
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = run(rq, &opts, &res, &err, ctx);
    if (rc == OWED_E_REJECTED) {
        json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "type",
                                "https://owed.dev/problems/rejected", "title",
                                "Unprocessable Content", "status", 422, "code", "rejected", "detail",
                                err.ptr && *err.ptr ? err.ptr
                                                    : "the input has errors; nothing was imported",
                                "errors", ie.list);
        hr_json(rs, 422, doc);
        rs->content_type = "application/problem+json";
    } else if (rc) {
        json_decref(ie.list);
        hr_app_error(rs, rc, &err);
    } else {
        json_decref(ie.list);
        hr_json(rs, res.inserted ? 201 : 200,
                json_pack("{s:s, s:I, s:I, s:I, s:I}", "kind", kind_name, "rows",
                          (json_int_t)res.rows, "inserted", (json_int_t)res.inserted, "unchanged",
                          (json_int_t)res.unchanged, "unapplied", (json_int_t)res.unapplied));
    }
    owed_buf_release(&err);
}

struct csv_import {
    enum owed_import_kind kind;
    const char *name, *data;
    size_t len;
};

static int run_csv_import(struct hreq *rq, const struct owed_import_opts *opts,
                          struct owed_import_result *res, struct owed_buf *err, void *ctx)
{
    const struct csv_import *c = ctx;
    return owed_import_mem(rq->store, rq->who.org, c->kind, c->name, c->data, c->len, opts, res,
                           err);
}

static void import_answer(struct hreq *rq, struct hresp *rs, enum owed_import_kind kind,
                          const char *name, const char *data, size_t len)
{
    struct csv_import c = {kind, name, data, len};
    http_import_answer(rq, rs, owed_import_kind_name(kind), run_csv_import, &c);
}

/* POST /api/v1/imports/{kind}: a CSV file as the body, all or nothing. */
static void import_csv(struct hreq *rq, struct hresp *rs)
{
    enum owed_import_kind kind = owed_import_kind_parse(rq->params[0]);
    if (!kind) {
        hr_problem(rs, 404, "not_found", "imports are customers, invoices or payments");
        return;
    }
    import_answer(rq, rs, kind, "body", rq->body, rq->body_len);
}

/* One JSON object as a two-line CSV (header, row) of the import's columns. */
static bool json_to_csv(struct hreq *rq, struct hresp *rs, const char *const *cols,
                        struct owed_buf *csv)
{
    if (!hq_json(rq, rs)) return false;
    const char *key;
    json_t *v;
    json_object_foreach(rq->json, key, v) {
        bool known = false;
        for (size_t i = 0; cols[i]; i++) known |= !strcmp(cols[i], key);
        if (!known) {
            hr_problem(rs, 422, "validation_failed", "%s: not a field of this resource", key);
            return false;
        }
    }
    for (size_t i = 0; cols[i]; i++) {
        if (i) owed_buf_addc(csv, ',');
        owed_buf_adds(csv, cols[i]);
    }
    owed_buf_addc(csv, '\n');
    for (size_t i = 0; cols[i]; i++) {
        const char *s;
        if (!hq_str(rq, rs, cols[i], false, &s)) return false;
        if (i) owed_buf_addc(csv, ',');
        if (s) owed_csv_put_field(csv, s, strlen(s));
    }
    owed_buf_addc(csv, '\n');
    return true;
}

/* Creates one record through the importer, then answers with it (201), or with the
 * record already there when the same content was posted before (200). */
static void create_one(struct hreq *rq, struct hresp *rs, enum owed_import_kind kind,
                       const char *const *cols, const char *key_field)
{
    struct owed_buf csv = OWED_BUF_INIT(0);
    if (!json_to_csv(rq, rs, cols, &csv)) {
        owed_buf_release(&csv);
        return;
    }
    import_answer(rq, rs, kind, "request", csv.ptr, csv.len);
    owed_buf_release(&csv);
    if (rs->status >= 300) return;
    const char *key = json_string_value(json_object_get(rq->json, key_field));
    json_t *data = NULL;
    int64_t next;
    struct owed_page pg = {.limit = 1};
    struct owed_buf err = OWED_BUF_INIT(0);
    int status = rs->status, rc;
    if (kind == OWED_IMPORT_CUSTOMERS) {
        rc = owed_view_customers(rq->store, rq->who.org, key, NULL, &pg, &data, &next, &err);
    } else if (kind == OWED_IMPORT_INVOICES) {
        struct owed_invoice_query q = {.number = key, .today = hq_today(rq)};
        rc = owed_view_invoices(rq->store, rq->who.org, &q, &pg, &data, &next, &err);
    } else {
        rc = owed_view_payments(rq->store, rq->who.org, NULL, key, &pg, &data, &next, &err);
    }
    if (rc || json_array_size(data) != 1) {
        json_decref(data);
        hr_app_error(rs, rc ? rc : OWED_E_NOT_FOUND, &err);
    } else {
        json_t *doc = json_incref(json_array_get(data, 0));
        json_decref(data);
        static const char *const where[] = {"", "customers", "invoices", "payments"};
        snprintf(rs->location, sizeof rs->location, "/api/v1/%s/%lld", where[kind],
                 (long long)json_integer_value(json_object_get(doc, "id")));
        snprintf(rs->resource, sizeof rs->resource, "%s", rs->location);
        hr_json(rs, status, doc);
    }
    owed_buf_release(&err);
}

static void customer_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const cols[] = {"customer_ref", "name", "email", "currency", "terms",
                                       "credit_limit", NULL};
    create_one(rq, rs, OWED_IMPORT_CUSTOMERS, cols, "customer_ref");
}

static void invoice_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const cols[] = {"invoice_number", "customer_ref", "issue_date", "due_date",
                                       "currency", "amount", "po_number", NULL};
    create_one(rq, rs, OWED_IMPORT_INVOICES, cols, "invoice_number");
}

const struct http_route http_routes_ledger[] = {
    {"GET", "/api/v1/customers", customers_list, OWED_PERM_READ, "list customers", 0},
    {"POST", "/api/v1/customers", customer_create, OWED_PERM_MONEY, "create customers", 0},
    {"GET", "/api/v1/customers/{id}", customer_get, OWED_PERM_READ, "read customers", 0},
    {"GET", "/api/v1/invoices", invoices_list, OWED_PERM_READ, "list invoices", 0},
    {"POST", "/api/v1/invoices", invoice_create, OWED_PERM_MONEY, "create invoices", 0},
    {"GET", "/api/v1/invoices/{id}", invoice_get, OWED_PERM_READ, "read invoices", 0},
    {"GET", "/api/v1/payments", payments_list, OWED_PERM_READ, "list payments", 0},
    {"GET", "/api/v1/payments/{id}", payment_get, OWED_PERM_READ, "read payments", 0},
    {"POST", "/api/v1/imports/{kind}", import_csv, OWED_PERM_MONEY, "import CSV files", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
