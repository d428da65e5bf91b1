/* Bank statements: upload a statement file, list its entries (the review queue and the
 * rest), confirm or reject what waits for review; through the calls of `owed bank`
 * (cmd_bank.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/bank.h"
#include "base.h"
#include "http/http.h"

#define MAX_INVOICES 256 /* as `owed bank confirm --invoice` */

/* ---- POST /api/v1/bank/statements ---- */

/* Writes the body to a new private file (0600) under $TMPDIR or /tmp: owed_bank_import
 * reads a path. False after answering 503. */
static bool body_to_file(const struct hreq *rq, struct hresp *rs, char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    int n = snprintf(path, cap, "%s/owed-statement-XXXXXX", dir);
    int fd = n > 0 && (size_t)n < cap ? mkstemp(path) : -1;
    if (fd < 0) {
        hr_problem(rs, 503, "unavailable", "cannot keep the statement for reading: %s",
                   n > 0 && (size_t)n < cap ? strerror(errno) : "TMPDIR is too long");
        return false;
    }
    bool ok = fchmod(fd, 0600) == 0;
    for (size_t done = 0; ok && done < rq->body_len;) {
        ssize_t w = write(fd, rq->body + done, rq->body_len - done);
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) done += (size_t)w;
    }
    int saved = errno;
    if (close(fd) != 0 && ok) ok = false, saved = errno;
    if (!ok) {
        unlink(path);
        hr_problem(rs, 503, "unavailable", "cannot keep the statement for reading: %s",
                   strerror(saved));
    }
    return ok;
}

/* The use case names the file in its messages ("PATH:LINE: reason"): the client knows it
 * as "statement", and the temporary path is nothing of its business. */
static void unname(const struct owed_buf *err, const char *path, struct owed_buf *out)
{
    const char *p = err->ptr ? err->ptr : "";
    size_t plen = strlen(path);
    for (const char *hit; (hit = strstr(p, path)); p = hit + plen) {
        owed_buf_add(out, p, (size_t)(hit - p));
        owed_buf_adds(out, "statement");
    }
    owed_buf_adds(out, p);
}

static void statement_import(struct hreq *rq, struct hresp *rs)
{
    if (rq->body_len == 0) {
        hr_problem(rs, 422, "validation_failed",
                   "body: send the statement file (camt.053, MT940, BAI2, OFX or CSV)");
        return;
    }
    const char *mapping = hq_arg(rq, "mapping");
    if (mapping && !*mapping) mapping = NULL;
    char path[4096];
    if (!body_to_file(rq, rs, path, sizeof path)) return;
    struct owed_bank_import_result r;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_bank_import(rq->store, rq->who.org, path, mapping, &r, &err);
    unlink(path);
    if (rc) {
        struct owed_buf msg = OWED_BUF_INIT(0);
        unname(&err, path, &msg);
        hr_app_error(rs, rc, &msg);
        owed_buf_release(&msg);
    } else {
        json_t *doc = json_pack(
            "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "format",
            owed_bank_format_name(r.format), "statements", (json_int_t)r.statements, "entries",
            (json_int_t)r.entries, "inserted", (json_int_t)r.inserted, "duplicates",
            (json_int_t)r.duplicates, "ignored", (json_int_t)r.ignored, "matched",
            (json_int_t)r.matched, "review", (json_int_t)r.review, "unmatched",
            (json_int_t)r.unmatched);
        hr_json(rs, r.inserted ? 201 : 200, doc);
    }
    owed_buf_release(&err);
}

/* ---- GET /api/v1/bank/entries ---- */

static void entries_list(struct hreq *rq, struct hresp *rs)
{
    const char *st = hq_arg(rq, "status");
    int statuses[2];
    size_t n = 0;
    if (!st || !strcmp(st, "all")) {
        n = 0;
    } else if (!strcmp(st, "review")) { /* the queue, as `owed bank review` shows it */
        statuses[n++] = OWED_ENTRY_REVIEW;
        statuses[n++] = OWED_ENTRY_UNMATCHED;
    } else if (!strcmp(st, "posted")) {
        statuses[n++] = OWED_ENTRY_MATCHED;
        statuses[n++] = OWED_ENTRY_CONFIRMED;
    } else if (owed_entry_status_parse(st, &statuses[0]) == OWED_OK) {
        n = 1;
    } else {
        hr_problem(rs, 400, "bad_parameter",
                   "status: '%s' is not review, posted, rejected or all (or matched, confirmed, "
                   "unmatched, ignored)",
                   st);
        return;
    }
    json_t *items;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_bank_entries_json(rq->store, rq->who.org, statuses, n, &items, &err);
    if (rc) hr_app_error(rs, rc, &err);
    else hr_page(rq, rs, items);
    owed_buf_release(&err);
}

/* ---- POST /api/v1/bank/entries/{id}/confirm, /reject ---- */

/* The entry of the path, kept as the audit trail's "before"; false after answering. */
static bool path_entry(struct hreq *rq, struct hresp *rs, int64_t *id)
{
    if (!hq_id(rq, rs, 0, id)) return false;
    json_t *doc;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_bank_entry_json(rq->store, rq->who.org, *id, &doc, &err);
    if (rc) {
        hr_app_error(rs, rc, &err);
    } else {
        free(rs->before);
        rs->before = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
    }
    owed_buf_release(&err);
    return rc == OWED_OK;
}

/* 200 with the entry as it is now and the use case's lines, or the use case's error. */
static void entry_answer(struct hreq *rq, struct hresp *rs, int rc, int64_t id,
                         const struct owed_buf *out, struct owed_buf *err)
{
    if (rc) {
        hr_app_error(rs, rc, err);
        return;
    }
    json_t *doc;
    owed_buf_reset(err);
    rc = owed_bank_entry_json(rq->store, rq->who.org, id, &doc, err);
    if (rc) hr_app_error(rs, rc, err);
    else hr_lines(rs, 200, out, doc);
}


static void entry_confirm(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {"invoice_numbers", "customer_ref", NULL};
    const char *customer;
    int64_t id;
    if (!hq_fields(rq, rs, fields) || !hq_str(rq, rs, "customer_ref", false, &customer))
        return;
    json_t *arr = json_object_get(rq->json, "invoice_numbers");
    if (arr && json_is_null(arr)) arr = NULL;
    size_t n = json_array_size(arr);
    if (arr && (!json_is_array(arr) || n > MAX_INVOICES)) {
        hr_problem(rs, 422, "validation_failed",
                   "invoice_numbers: an array of at most %d invoice numbers", MAX_INVOICES);
        return;
    }
    const char **invoices = n ? owed_xcalloc(n, sizeof *invoices) : NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v) || !json_string_length(v) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            hr_problem(rs, 422, "validation_failed",
                       "invoice_numbers[%zu]: must be an invoice number (a string)", i);
            free(invoices);
            return;
        }
        invoices[i] = json_string_value(v);
    }
    if (path_entry(rq, rs, &id)) {
        struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
        int rc = owed_bank_confirm(rq->store, rq->who.org, id, invoices, n, customer, &out,
                                   &err);
        entry_answer(rq, rs, rc, id, &out, &err);
        owed_buf_release(&out);
        owed_buf_release(&err);
    }
    free(invoices);
}

static void entry_reject(struct hreq *rq, struct hresp *rs)
{
    static const char *const fields[] = {NULL};
    int64_t id;
    if (!hq_fields(rq, rs, fields) || !path_entry(rq, rs, &id)) return;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_bank_reject(rq->store, rq->who.org, id, &out, &err);
    entry_answer(rq, rs, rc, id, &out, &err);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

const struct http_route http_routes_bank[] = {
    {"POST", "/api/v1/bank/statements", statement_import, OWED_PERM_MONEY,
     "import bank statements", 0},
    {"GET", "/api/v1/bank/entries", entries_list, OWED_PERM_READ, "list bank entries", 0},
    {"POST", "/api/v1/bank/entries/{id}/confirm", entry_confirm, OWED_PERM_MONEY,
     "confirm bank entries", 0},
    {"POST", "/api/v1/bank/entries/{id}/reject", entry_reject, OWED_PERM_MONEY,
     "reject bank entries", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
