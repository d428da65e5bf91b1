/* Invoices with lines as documents (docs/invoicing.md): drafts, issuing, the PDF, UBL and
 * terms sheet, delivery, acknowledgement (by staff, and by the customer's signed link),
 * the seller's settings, recurring schedules and UBL import. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/documents.h"
#include "app/import_lines.h"
#include "app/invoicing.h"
#include "app/ubl_import.h"
#include "base.h"
#include "http/http.h"
#include "io/template.h"

/* "#ID" for app/ lookups. */
static bool doc_key(struct hreq *rq, struct hresp *rs, char key[32])
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return false;
    snprintf(key, 32, "#%lld", (long long)id);
    return true;
}

static void doc_answer(struct hreq *rq, struct hresp *rs, int status, const char *key)
{
    json_t *v = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_document(rq->store, rq->who.org, key, &v, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, status, v);
    owed_buf_release(&err);
}

static void docs_list(struct hreq *rq, struct hresp *rs)
{
    const char *status = hq_arg(rq, "status"), *type = hq_arg(rq, "type");
    int st = !status ? 0 : !strcmp(status, "draft") ? OWED_DOCST_DRAFT
                         : !strcmp(status, "issued") ? OWED_DOCST_ISSUED : -1;
    int ty = !type ? 0 : !strcmp(type, "invoice") ? OWED_DOC_INVOICE
                       : !strcmp(type, "credit_note") ? OWED_DOC_CREDIT_NOTE : -1;
    if (st < 0 || ty < 0)
        return hr_problem(rs, 400, "bad_query", "status is draft or issued; type is invoice or "
                                                "credit_note");
    json_t *v = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_view_documents(rq->store, rq->who.org, hq_arg(rq, "customer"), st, ty, &v,
                                 &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, v);
    owed_buf_release(&err);
}

/* POST /api/v1/documents: the document JSON with "customer"; "issue": true issues it. */
static void doc_create(struct hreq *rq, struct hresp *rs)
{
    if (!hq_json(rq, rs)) return;
    json_t *in = json_deep_copy(rq->json);
    bool issue = json_is_true(json_object_get(in, "issue"));
    json_object_del(in, "issue");
    struct owed_buf err = OWED_BUF_INIT(0);
    int64_t id = 0;
    int rc = owed_draft_create(rq->store, rq->who.org, in, "api", rq->now_ms, &id, &err);
    json_decref(in);
    char number[65];
    if (!rc && issue)
        rc = owed_draft_issue(rq->store, rq->who.org, id, hq_today(rq), rq->now_ms, number, &err);
    if (rc) {
        if (id) owed_buf_addf(&err, " (the draft #%lld is kept)", (long long)id);
        hr_app_error(rs, rc, &err);
        owed_buf_release(&err);
        return;
    }
    owed_buf_release(&err);
    char key[32];
    snprintf(key, sizeof key, "#%lld", (long long)id);
    snprintf(rs->location, sizeof rs->location, "/api/v1/documents/%lld", (long long)id);
    snprintf(rs->resource, sizeof rs->resource, "%s", rs->location);
    doc_answer(rq, rs, 201, key);
}

static void doc_get(struct hreq *rq, struct hresp *rs)
{
    char key[32];
    if (doc_key(rq, rs, key)) doc_answer(rq, rs, 200, key);
}

static void doc_issue(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    char number[65], key[32];
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_draft_issue(rq->store, rq->who.org, id, hq_today(rq), rq->now_ms, number, &err);
    if (rc) hr_app_error(rs, rc, &err);
    owed_buf_release(&err);
    if (rc) return;
    snprintf(key, sizeof key, "#%lld", (long long)id);
    doc_answer(rq, rs, 200, key);
}

static void render(struct hreq *rq, struct hresp *rs, enum owed_doc_render what,
                   const char *type)
{
    char key[32], name[128];
    if (!doc_key(rq, rs, key)) return;
    struct owed_buf out = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), err = OWED_BUF_INIT(0);
    int rc = owed_doc_render(rq->store, rq->who.org, key, what, &out, name, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_bytes(rs, 200, type, &out);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void doc_pdf(struct hreq *rq, struct hresp *rs) { render(rq, rs, OWED_RENDER_PDF, "application/pdf"); }
static void doc_ubl(struct hreq *rq, struct hresp *rs) { render(rq, rs, OWED_RENDER_UBL, "application/xml"); }
static void doc_terms(struct hreq *rq, struct hresp *rs) { render(rq, rs, OWED_RENDER_TERMS, "application/pdf"); }

static void doc_send(struct hreq *rq, struct hresp *rs)
{
    char key[32];
    if (!doc_key(rq, rs, key)) return;
    struct owed_buf err = OWED_BUF_INIT(0);
    int64_t msg = 0;
    int rc = owed_doc_send(rq->store, rq->who.org, key, rq->now_ms, &msg, &err);
    if (rc) hr_app_error(rs, rc, &err);
    owed_buf_release(&err);
    if (!rc) doc_answer(rq, rs, 202, key);
}

static void doc_ack(struct hreq *rq, struct hresp *rs)
{
    char key[32], via[OWED_EMAIL_MAX + 8];
    if (!doc_key(rq, rs, key)) return;
    snprintf(via, sizeof via, "staff:%s", rq->who.email);
    bool first;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_ack_by_staff(rq->store, rq->who.org, key, via, rq->now_ms, &first, &err);
    if (rc) hr_app_error(rs, rc, &err);
    owed_buf_release(&err);
    if (!rc) doc_answer(rq, rs, 200, key);
}

/* ---- the customer's acknowledgement link (public) ---- */

static void page(struct hresp *rs, int status, const char *title, const char *text,
                 bool form)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_adds(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    owed_html_escape(&b, title, strlen(title));
    owed_buf_adds(&b, "</title></head><body><main><h1>");
    owed_html_escape(&b, title, strlen(title));
    owed_buf_adds(&b, "</h1><p>");
    owed_html_escape(&b, text, strlen(text));
    owed_buf_adds(&b, "</p>");
    if (form)
        owed_buf_adds(&b, "<form method=\"post\"><button type=\"submit\">I confirm that I "
                          "received this invoice</button></form>");
    owed_buf_adds(&b, "</main></body></html>\n");
    hr_bytes(rs, status, "text/html; charset=utf-8", &b);
    owed_buf_release(&b);
}

static bool ack_params(struct hreq *rq, struct hresp *rs, int64_t *org, int64_t *doc)
{
    if (!hq_id(rq, rs, 0, org) || !hq_id(rq, rs, 1, doc)) return false;
    return true;
}

/* GET shows what is acknowledged and a button: mail scanners that follow links must not
 * acknowledge anything. POST records it. */
static void ack_page(struct hreq *rq, struct hresp *rs)
{
    int64_t org, doc;
    if (!ack_params(rq, rs, &org, &doc)) return;
    struct owed_buf err = OWED_BUF_INIT(0), body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc_rec r;
    int rc = owed_ack_lookup(rq->store, org, doc, rq->params[2], &r, &body, &err);
    char text[400];
    if (rc) {
        page(rs, 404, "Link not valid", "This acknowledgement link is not valid.", false);
    } else if (r.ack_at[0]) {
        snprintf(text, sizeof text, "Invoice %s was acknowledged on %s. Thank you.", r.number,
                 r.ack_at);
        page(rs, 200, "Invoice acknowledged", text, false);
    } else {
        snprintf(text, sizeof text, "Please confirm that you received invoice %s.", r.number);
        page(rs, 200, "Confirm receipt", text, true);
    }
    owed_buf_release(&err);
    owed_buf_release(&body);
}

static void ack_post(struct hreq *rq, struct hresp *rs)
{
    int64_t org, doc;
    if (!ack_params(rq, rs, &org, &doc)) return;
    bool first;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_ack_record(rq->store, org, doc, rq->params[2], "link", rq->now_ms, &first, &err);
    if (rc == OWED_E_DENIED || rc == OWED_E_NOT_FOUND)
        page(rs, 404, "Link not valid", "This acknowledgement link is not valid.", false);
    else if (rc)
        page(rs, 500, "Something went wrong", "Your confirmation was not recorded; please try "
                                              "again later.", false);
    else
        page(rs, 200, "Thank you", first ? "Your confirmation of receipt has been recorded."
                                         : "Your confirmation had already been recorded.",
             false);
    owed_buf_release(&err);
}

/* ---- seller settings ---- */

/* The seller as the API shows it (compact, sorted: the ETag is a hash of these bytes). */
static int seller_repr(struct hreq *rq, char **text, struct owed_buf *err)
{
    struct owed_seller sl;
    int rc = owed_seller_get(rq->store, rq->who.org, &sl, err);
    if (rc) return rc;
    json_t *j = owed_seller_json(&sl);
    *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return *text ? OWED_OK : OWED_E_STORE;
}

static void seller_get(struct hreq *rq, struct hresp *rs)
{
    char *text = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = seller_repr(rq, &text, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        hr_json(rs, 200, json_loads(text, 0, NULL));
        hr_etag_of(rs, text, strlen(text));
    }
    free(text);
    owed_buf_release(&err);
}

/* PATCH with If-Match, like every other setting (a stale form must not undo a change). */
static void seller_patch(struct hreq *rq, struct hresp *rs)
{
    if (!hq_json(rq, rs)) return;
    char *text = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = seller_repr(rq, &text, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else if (hr_if_match(rq, rs, text, strlen(text))) {
        rs->before = owed_xstrdup(text);
        rc = owed_seller_set(rq->store, rq->who.org, rq->json, &err);
        if (rc) hr_app_error(rs, rc, &err);
        else seller_get(rq, rs);
    }
    free(text);
    owed_buf_release(&err);
}

/* ---- recurring schedules ---- */

static void recurring_list(struct hreq *rq, struct hresp *rs)
{
    json_t *v = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_recurring_list(rq->store, rq->who.org, &v, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, v);
    owed_buf_release(&err);
}

/* {"rule", "start", "end"?, "count"?, "template": {document with customer}} */
static void recurring_create(struct hreq *rq, struct hresp *rs)
{
    static const char *const allowed[] = {"rule", "start", "end", "count", "template", NULL};
    if (!hq_json(rq, rs) || !hq_fields(rq, rs, allowed)) return;
    const char *rule, *start_s, *end_s;
    if (!hq_str(rq, rs, "rule", true, &rule) || !hq_str(rq, rs, "start", true, &start_s) ||
        !hq_str(rq, rs, "end", false, &end_s))
        return;
    owed_date start, end = 0;
    if (owed_date_parse(start_s, strlen(start_s), &start) ||
        (end_s && owed_date_parse(end_s, strlen(end_s), &end)))
        return hr_problem(rs, 422, "invalid", "start and end are dates (YYYY-MM-DD)");
    const json_t *count = json_object_get(rq->json, "count");
    if (count && !json_is_integer(count))
        return hr_problem(rs, 422, "invalid", "count: an integer");
    const json_t *tmpl = json_object_get(rq->json, "template");
    if (!json_is_object(tmpl))
        return hr_problem(rs, 422, "invalid", "template: the document of each period");
    int64_t id = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_recurring_add(rq->store, rq->who.org, tmpl, rule, start, end,
                                count ? json_integer_value(count) : 0, rq->now_ms, &id, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 201, json_pack("{s:I}", "id", (json_int_t)id));
    owed_buf_release(&err);
}

static void recurring_stop(struct hreq *rq, struct hresp *rs)
{
    int64_t id;
    if (!hq_id(rq, rs, 0, &id)) return;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_recurring_stop(rq->store, rq->who.org, id, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_json(rs, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "active", 0));
    owed_buf_release(&err);
}

/* POST /api/v1/imports/ubl: one UBL 2.1 Invoice or CreditNote as the body. */
static void ubl_import(struct hreq *rq, struct hresp *rs)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_ubl_import_result res;
    int rc = owed_ubl_import_mem(rq->store, rq->who.org, "request", rq->body, rq->body_len,
                                 rq->now_ms, &res, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        char key[32];
        snprintf(key, sizeof key, "#%lld", (long long)res.doc_id);
        doc_answer(rq, rs, res.created ? 201 : 200, key);
    }
    owed_buf_release(&err);
}

/* POST /api/v1/imports/invoice-lines: a CSV of invoice lines as the body (app/import_lines.h). */
static int run_lines_import(struct hreq *rq, const struct owed_import_opts *opts,
                            struct owed_import_result *res, struct owed_buf *err, void *ctx)
{
    (void)ctx;
    return owed_import_invoice_lines_mem(rq->store, rq->who.org, "body", rq->body, rq->body_len,
                                         hq_today(rq), rq->now_ms, opts, res, err);
}

static void lines_import(struct hreq *rq, struct hresp *rs)
{
    http_import_answer(rq, rs, "invoice-lines", run_lines_import, NULL);
}

const struct http_route http_routes_documents[] = {
    {"GET", "/api/v1/documents", docs_list, OWED_PERM_READ, "list invoice documents", 0},
    {"POST", "/api/v1/documents", doc_create, OWED_PERM_MONEY, "create invoice documents", 0},
    {"GET", "/api/v1/documents/{id}", doc_get, OWED_PERM_READ, "read invoice documents", 0},
    {"POST", "/api/v1/documents/{id}/issue", doc_issue, OWED_PERM_MONEY, "issue invoices", 0},
    {"GET", "/api/v1/documents/{id}/pdf", doc_pdf, OWED_PERM_READ, "read invoice documents", 0},
    {"GET", "/api/v1/documents/{id}/ubl", doc_ubl, OWED_PERM_READ, "read invoice documents", 0},
    {"GET", "/api/v1/documents/{id}/terms", doc_terms, OWED_PERM_READ, "read invoice documents", 0},
    {"POST", "/api/v1/documents/{id}/send", doc_send, OWED_PERM_WORK, "send invoices", 0},
    {"POST", "/api/v1/documents/{id}/ack", doc_ack, OWED_PERM_WORK,
     "record acknowledgements", 0},
    {"GET", "/api/v1/seller", seller_get, OWED_PERM_READ, "read the seller settings", 0},
    {"PATCH", "/api/v1/seller", seller_patch, OWED_PERM_CONFIGURE, "change the seller settings", 0},
    {"GET", "/api/v1/recurring", recurring_list, OWED_PERM_READ, "list recurring invoices", 0},
    {"POST", "/api/v1/recurring", recurring_create, OWED_PERM_MONEY, "add recurring invoices", 0},
    {"POST", "/api/v1/recurring/{id}/stop", recurring_stop, OWED_PERM_MONEY,
     "stop recurring invoices", 0},
    {"POST", "/api/v1/imports/ubl", ubl_import, OWED_PERM_MONEY, "import UBL invoices", 0},
    {"POST", "/api/v1/imports/invoice-lines", lines_import, OWED_PERM_MONEY,
     "import invoices with lines", 0},
    {"GET", "/ack/{org_id}/{doc_id}/{token}", ack_page, OWED_PERM_PUBLIC,
     "show an acknowledgement link", 0},
    {"POST", "/ack/{org_id}/{doc_id}/{token}", ack_post, OWED_PERM_PUBLIC,
     "acknowledge receipt by link", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
