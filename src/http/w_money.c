/* Invoices, payments and bank statements: lists, the invoice page, the statement upload and
 * the review queue of bank entries the matcher was not sure about. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/web.h"
#include "base.h" /* last: its banned-function list must follow every system header */

/* ---- invoices ---- */

static void invoice_list(struct hreq *rq, struct hresp *rs)
{
    const char *status = hq_arg(rq, "status"), *customer = hq_arg(rq, "customer"),
               *cursor = hq_arg(rq, "cursor"), *sort = hq_arg(rq, "sort");
    if (!status || !*status) status = "open";
    if (!sort || !*sort) sort = "due_date";
    const char *from = hq_arg(rq, "due_from"), *to = hq_arg(rq, "due_to");
    char due[64] = "";
    if (from && to && strlen(from) == 10 && strlen(to) == 10 && !strpbrk(from, "&#") && !strpbrk(to, "&#"))
        snprintf(due, sizeof due, "&due_from=%s&due_to=%s", from, to);
    json_t *list = web_get(rq, "/api/v1/invoices?limit=100&status=%s&sort=%s%s%s%s%s%s",
                           web_q(0, status), web_q(1, sort), customer && *customer ? "&customer=" : "",
                           customer && *customer ? web_q(2, customer) : "", cursor ? "&cursor=" : "",
                           cursor ? web_q(3, cursor) : "", due);
    json_t *ctx = json_pack("{s:s, s:s, s:s}", "status", status, "customer", customer ? customer : "",
                            "sort", sort);
    char sel[32];
    snprintf(sel, sizeof sel, "status_%s", status);
    json_object_set_new(ctx, sel, json_true());
    if (list) {
        json_object_set(ctx, "invoices", json_object_get(list, "data"));
        json_t *next = json_object_get(list, "next_cursor");
        if (json_is_string(next)) {
            char more[400];
            snprintf(more, sizeof more, "/app/invoices?status=%s&sort=%s&customer=%s&cursor=%s%s",
                     web_q(0, status), web_q(1, sort), web_q(2, customer ? customer : ""),
                     web_q(3, json_string_value(next)), due);
            json_object_set_new(ctx, "next", json_string(more));
        }
        json_decref(list);
    } else {
        json_object_set_new(ctx, "error", json_string("the filter is not valid"));
    }
    web_page(rq, rs, "invoice_list", "Invoices", ctx);
}

static void invoice_page(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    json_t *inv = web_get(rq, "/api/v1/invoices/%lld", (long long)id);
    if (!inv) {
        web_error(rq, rs, 404, "no invoice %lld", (long long)id);
        return;
    }
    const char *number = json_string_value(json_object_get(inv, "number"));
    const char *cref = json_string_value(json_object_get(inv, "customer_ref"));
    json_t *ctx = json_pack("{s:O}", "invoice", inv);
    /* The issued document of this number, when owed issued it (lines, PDF, UBL). */
    json_t *docs = web_get(rq, "/api/v1/documents?customer=%s", web_q(0, cref));
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(docs, "data"), i, d) {
        if (number && json_string_value(json_object_get(d, "number")) &&
            !strcmp(json_string_value(json_object_get(d, "number")), number)) {
            json_t *full = web_get(rq, "/api/v1/documents/%lld",
                                   (long long)json_integer_value(json_object_get(d, "id")));
            json_object_set_new(ctx, "document", full ? full : json_incref(d));
            break;
        }
    }
    json_decref(docs);
    json_t *pays = web_get(rq, "/api/v1/payments?customer=%s&limit=200", web_q(0, cref));
    json_object_set_new(ctx, "payments", pays ? json_incref(json_object_get(pays, "data")) : json_array());
    json_decref(pays);
    char back[64];
    snprintf(back, sizeof back, "/app/invoices/%lld", (long long)id);
    json_object_set_new(ctx, "back", json_string(back));
    char title[100];
    snprintf(title, sizeof title, "Invoice %s", number ? number : "");
    json_decref(inv);
    web_page(rq, rs, "invoice", title, ctx);
}

/* /app/invoices/by-number/N: the invoice page of a number (links from lists that carry
 * numbers, not ids). */
static void invoice_by_number(struct hreq *rq, struct hresp *rs)
{
    char path[320], what[300];
    snprintf(path, sizeof path, "/api/v1/invoices?status=all&number=%s", web_q(0, rq->params[0]));
    snprintf(what, sizeof what, "invoice numbered %s", rq->params[0]);
    web_redirect_to_first(rq, rs, path, "/app/invoices/", what);
}

/* A document's PDF, as the API gives it, for a link on the invoice page. */
static void document_pdf(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    char path[64];
    snprintf(path, sizeof path, "/api/v1/documents/%lld/pdf", (long long)id);
    web_pass_through(rq, rs, path, "application/pdf", NULL);
}

/* ---- payments ---- */

static void payment_list(struct hreq *rq, struct hresp *rs)
{
    const char *customer = hq_arg(rq, "customer"), *cursor = hq_arg(rq, "cursor");
    json_t *list = web_get(rq, "/api/v1/payments?limit=100%s%s%s%s", customer && *customer ? "&customer=" : "",
                           customer && *customer ? web_q(0, customer) : "", cursor ? "&cursor=" : "",
                           cursor ? web_q(1, cursor) : "");
    json_t *ctx = json_pack("{s:s}", "customer", customer ? customer : "");
    if (list) {
        json_object_set(ctx, "payments", json_object_get(list, "data"));
        json_t *next = json_object_get(list, "next_cursor");
        if (json_is_string(next)) {
            char more[300];
            snprintf(more, sizeof more, "/app/payments?customer=%s&cursor=%s", web_q(0, customer ? customer : ""),
                     web_q(1, json_string_value(next)));
            json_object_set_new(ctx, "next", json_string(more));
        }
        json_decref(list);
    }
    web_page(rq, rs, "payment_list", "Payments", ctx);
}

/* ---- bank ---- */

static void bank_page(struct hreq *rq, struct hresp *rs)
{
    json_t *queue = web_get(rq, "/api/v1/bank/entries?status=review&limit=200");
    json_t *posted = web_get(rq, "/api/v1/bank/entries?status=posted&limit=50");
    json_t *ctx = json_object();
    json_t *items = json_object_get(queue, "data"), *e;
    size_t i;
    /* The first suggestion of each entry, for the one-key confirm. */
    json_array_foreach(items, i, e) {
        json_t *s = json_array_get(json_object_get(e, "suggestions"), 0);
        if (s) json_object_set(e, "best", s);
        if (json_is_string(json_object_get(e, "customer_ref")) || s) json_object_set_new(e, "can_confirm", json_true());
    }
    if (queue) json_object_set(ctx, "queue", items);
    if (posted) json_object_set(ctx, "posted", json_object_get(posted, "data"));
    json_decref(queue);
    json_decref(posted);
    web_page(rq, rs, "bank", "Bank", ctx);
}

/* The statement file from the upload form goes to POST /api/v1/bank/statements as it is. */
static void bank_upload(struct hreq *rq, struct hresp *rs)
{
    const char *file = wf(rq, "file");
    size_t len = json_string_length(json_object_get(rq->form, "file"));
    if (!file || !len) {
        web_redirect(rs, "/app/bank", "Choose a statement file first.");
        return;
    }
    struct web_call c = {.method = "POST", .path = "/api/v1/bank/statements", .raw_body = file,
                         .raw_len = len};
    const char *mapping = wf(rq, "mapping");
    char path[200];
    if (mapping && *mapping) {
        snprintf(path, sizeof path, "/api/v1/bank/statements?mapping=%s", web_q(0, mapping));
        c.path = path;
    }
    snprintf(rs->resource, sizeof rs->resource, "/api/v1/bank/statements");
    char flash[700];
    if (web_call(rq, &c) >= 400) {
        snprintf(flash, sizeof flash, "Not imported: %s", c.msg);
        rs->no_audit = true;
    } else {
        snprintf(flash, sizeof flash,
                 "Read %s: %lld entries, %lld new, %lld duplicates; %lld matched and posted, %lld to review, %lld unmatched.",
                 json_string_value(json_object_get(c.out, "format")),
                 (long long)json_integer_value(json_object_get(c.out, "entries")),
                 (long long)json_integer_value(json_object_get(c.out, "inserted")),
                 (long long)json_integer_value(json_object_get(c.out, "duplicates")),
                 (long long)json_integer_value(json_object_get(c.out, "matched")),
                 (long long)json_integer_value(json_object_get(c.out, "review")),
                 (long long)json_integer_value(json_object_get(c.out, "unmatched")));
    }
    json_decref(c.out);
    owed_buf_release(&c.raw);
    web_redirect(rs, "/app/bank", flash);
}

const struct http_route http_routes_w_money[] = {
    {"GET", "/app/invoices", invoice_list, OWED_PERM_READ, "read invoices", HTTP_ROUTE_WEB},
    {"GET", "/app/invoices/by-number/{number}", invoice_by_number, OWED_PERM_READ,
     "read invoices", HTTP_ROUTE_WEB},
    {"GET", "/app/invoices/{id}", invoice_page, OWED_PERM_READ, "read invoices", HTTP_ROUTE_WEB},
    {"GET", "/app/documents/{id}/pdf", document_pdf, OWED_PERM_READ, "read documents",
     HTTP_ROUTE_WEB},
    {"GET", "/app/payments", payment_list, OWED_PERM_READ, "read payments", HTTP_ROUTE_WEB},
    {"GET", "/app/bank", bank_page, OWED_PERM_READ, "read bank entries", HTTP_ROUTE_WEB},
    {"POST", "/app/bank/statements", bank_upload, OWED_PERM_READ, "import bank statements",
     HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
