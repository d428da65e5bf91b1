/* CSV import of invoices with lines (import_lines.h).
 *
 * The whole file is read first (rows are copied: the CSV reader's slices do not outlive
 * the next record), grouped by invoice_number in the order numbers first appear. Each
 * invoice is then checked row by row; one without problems becomes a draft and is issued
 * under its number, in the file's transaction, through the same path as `owed invoice
 * create --issue`. Whatever that path refuses ("lines[2].price: ...", "BR-10: ...") is
 * reported on the row and column it is about. Any problem rolls everything back. */
#include "app/import_lines.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/doc_json.h"
#include "app/invoicing.h"
#include "base.h"
#include "io/csv.h"
#include "strmap.h"

enum col {
    C_NUMBER, C_CUSTOMER, C_ISSUE, C_DUE, C_CURRENCY, C_PO, C_NOTE, /* the invoice's */
    C_NAME, C_QTY, C_UNIT, C_PRICE, C_DISCOUNT, C_CATEGORY, C_RATE,  /* the line's */
    C_COUNT
};
#define C_FIRST_LINE_COL C_NAME

static const struct {
    const char *name;
    bool required;
    const char *json; /* the key of the document JSON's line it becomes, for errors */
} cols[C_COUNT] = {
    {"invoice_number", true, NULL}, {"customer_ref", true, NULL}, {"issue_date", true, NULL},
    {"due_date", false, NULL},      {"currency", false, NULL},    {"po_number", false, NULL},
    {"note", false, NULL},          {"line_name", true, "name"},  {"quantity", true, "quantity"},
    {"unit", false, "unit"},        {"unit_price", true, "price"},
    {"discount", false, "discount"}, {"tax_category", false, "tax_category"},
    {"tax_rate", false, "tax_rate"},
};

static const char source_csv[] = "csv";

struct row {
    long line;
    char *v[C_COUNT]; /* trimmed, NUL-terminated copies; "" when absent */
    bool bad;
    /* The line as parsed (when the row is good). */
    int64_t qty_e3, price_e4, discount_minor;
    int32_t rate_e2;
    char unit[4], category[3];
};

/* One invoice: its rows (indexes into rows) and its header as parsed. */
struct inv {
    size_t *rows;
    size_t n, cap;
    struct owed_customer cust;
    bool has_cust, has_due;
    owed_date issue_date, due_date;
    char currency[4]; /* given, else the customer's; "" when unknown */
};

/* One "FILE:LINE: column: reason"; seq keeps the order of a line's problems. */
struct problem {
    long line;
    size_t seq;
    char *msg;
};

struct liner {
    struct owed_store *s;
    int64_t org;
    owed_date today;
    owed_time_ms now;
    const char *path;
    const struct owed_import_opts *opts;
    struct owed_import_result *res;
    struct owed_buf *err;

    int pos[C_COUNT]; /* field index of each column in the file, -1 if absent */
    size_t nheader;
    struct row *rows;
    size_t nrows, cap_rows;
    struct inv *invs;
    size_t ninvs, cap_invs;
    struct owed_strmap by_number; /* invoice_number -> index into invs */
    struct problem *problems; /* reported in line order at the end */
    size_t nproblems, cap_problems;
    struct owed_seller seller;
};

/* ---- reporting ---- */

static void report(struct liner *lr, struct row *r, long line, const char *column,
                   const char *fmt, ...) OWED_PRINTF(5, 6);

/* One problem as "FILE:LINE: column: reason"; r (may be NULL) is the row it is about. */
static void report(struct liner *lr, struct row *r, long line, const char *column,
                   const char *fmt, ...)
{
    struct owed_buf msg = OWED_BUF_INIT(0);
    owed_buf_addf(&msg, "%s:%ld: %s: ", lr->path, line, column);
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    OWED_ALLOC_GROW(lr->problems, lr->nproblems + 1, lr->cap_problems);
    lr->problems[lr->nproblems] =
        (struct problem){line, lr->nproblems, owed_buf_detach(&msg, NULL)};
    lr->nproblems++;
    if (r && !r->bad) {
        r->bad = true;
        lr->res->rejected++;
    }
    owed_buf_release(&msg);
}

#define BAD(lr, r, col, ...) report((lr), (r), (r)->line, cols[col].name, __VA_ARGS__)

/* Text shown back in a message: at most 40 bytes. */
#define SHOWN(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s)

/* ---- reading ---- */

static bool read_header(struct liner *lr, const struct owed_csv_row *cr)
{
    for (int i = 0; i < C_COUNT; i++) lr->pos[i] = -1;
    lr->nheader = cr->nfields;
    bool ok = true;
    for (size_t f = 0; f < cr->nfields; f++) {
        const struct owed_str *h = &cr->fields[f];
        int i;
        for (i = 0; i < C_COUNT; i++)
            if (h->len == strlen(cols[i].name) && !strncasecmp(h->ptr, cols[i].name, h->len))
                break;
        if (i == C_COUNT) {
            report(lr, NULL, cr->line, "header", "unknown column '%.*s' (expected: %s, %s ...)",
                   (int)(h->len > 40 ? 40 : h->len), h->ptr, cols[0].name, cols[1].name);
            ok = false;
        } else if (lr->pos[i] >= 0) {
            report(lr, NULL, cr->line, "header", "column '%s' appears twice", cols[i].name);
            ok = false;
        } else {
            lr->pos[i] = (int)f;
        }
    }
    for (int i = 0; i < C_COUNT; i++) {
        if (cols[i].required && lr->pos[i] < 0) {
            report(lr, NULL, cr->line, "header", "missing column '%s'", cols[i].name);
            ok = false;
        }
    }
    return ok;
}

static struct owed_str trimmed(struct owed_str f)
{
    while (f.len && (f.ptr[0] == ' ' || f.ptr[0] == '\t')) {
        f.ptr++;
        f.len--;
    }
    while (f.len && (f.ptr[f.len - 1] == ' ' || f.ptr[f.len - 1] == '\t')) f.len--;
    return f;
}

/* Copies the record and files it under its invoice number. */
static void add_row(struct liner *lr, const struct owed_csv_row *cr)
{
    OWED_ALLOC_GROW(lr->rows, lr->nrows + 1, lr->cap_rows);
    size_t ri = lr->nrows++;
    struct row *r = &lr->rows[ri];
    memset(r, 0, sizeof *r);
    r->line = cr->line;
    for (int i = 0; i < C_COUNT; i++) {
        struct owed_str f = {"", 0};
        if (lr->pos[i] >= 0 && (size_t)lr->pos[i] < cr->nfields)
            f = trimmed(cr->fields[lr->pos[i]]);
        r->v[i] = owed_xstrndup(f.ptr, f.len);
    }
    lr->res->rows++;
    if (cr->nfields != lr->nheader)
        report(lr, r, r->line, "row", "has %zu fields, the header has %zu", cr->nfields,
               lr->nheader);
    if (!r->v[C_NUMBER][0]) {
        BAD(lr, r, C_NUMBER, "required value is empty");
        return;
    }
    int64_t idx;
    if (!owed_strmap_get(&lr->by_number, r->v[C_NUMBER], strlen(r->v[C_NUMBER]), &idx)) {
        OWED_ALLOC_GROW(lr->invs, lr->ninvs + 1, lr->cap_invs);
        idx = (int64_t)lr->ninvs++;
        memset(&lr->invs[idx], 0, sizeof lr->invs[idx]);
        owed_strmap_put(&lr->by_number, r->v[C_NUMBER], strlen(r->v[C_NUMBER]), idx);
    }
    struct inv *iv = &lr->invs[idx];
    OWED_ALLOC_GROW(iv->rows, iv->n + 1, iv->cap);
    iv->rows[iv->n++] = ri;
}

/* Reads every record. OWED_E_REJECTED for a file that cannot be read as CSV or has no
 * usable header (reported); OWED_E_IO. */
static int read_all(struct liner *lr, struct owed_csv *csv)
{
    struct owed_csv_row *cr = owed_xmalloc(sizeof *cr);
    bool eof = false, header = true;
    int rc;
    while ((rc = owed_csv_next(csv, cr, &eof, lr->err)) == OWED_OK && !eof) {
        if (!header) {
            add_row(lr, cr);
            continue;
        }
        header = false;
        if (!read_header(lr, cr)) {
            rc = OWED_E_REJECTED;
            break;
        }
    }
    free(cr);
    if (rc == OWED_OK && header) {
        report(lr, NULL, 1, "header", "file is empty (a header row is required)");
        rc = OWED_E_REJECTED;
    }
    if (rc == OWED_E_REJECTED) lr->res->bad_header = true;
    if (rc == OWED_E_PARSE || rc == OWED_E_TOO_LARGE) {
        /* "line N: reason": the reader cannot go on after it. */
        long line = 0;
        const char *reason = lr->err->ptr;
        if (sscanf(reason, "line %ld: ", &line) == 1) reason = strchr(reason, ':') + 2;
        report(lr, NULL, line, "csv", "%s", reason);
        owed_buf_reset(lr->err);
        lr->res->rejected++;
        rc = OWED_E_REJECTED;
    }
    return rc;
}

/* ---- checking an invoice ---- */

static bool text_ok(struct liner *lr, struct row *r, int col, size_t max, bool multiline)
{
    const char *v = r->v[col];
    if (strlen(v) > max) {
        BAD(lr, r, col, "longer than %zu bytes", max);
        return false;
    }
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) {
            BAD(lr, r, col, "contains a control character");
            return false;
        }
    }
    return true;
}

/* Does `number` fit the series `format` ("INV-{YYYY}-{SEQ:5}")? */
static bool in_series(const char *format, const char *number)
{
    const char *f = format, *n = number;
    while (*f) {
        if (!strncmp(f, "{YYYY}", 6)) {
            for (int i = 0; i < 4; i++, n++)
                if (!isdigit((unsigned char)*n)) return false;
            f += 6;
        } else if (!strncmp(f, "{SEQ:", 5) && strchr(f, '}')) {
            if (!isdigit((unsigned char)*n)) return false;
            while (isdigit((unsigned char)*n)) n++;
            f = strchr(f, '}') + 1;
        } else if (*f++ != *n++) {
            return false;
        }
    }
    return *n == '\0';
}

static bool date_ok(struct liner *lr, struct row *r, int col, owed_date *out)
{
    const char *v = r->v[col];
    if (owed_date_parse(v, strlen(v), out) == OWED_OK) return true;
    BAD(lr, r, col, "'%.*s' is not a date (YYYY-MM-DD)", SHOWN(v));
    return false;
}

/* The invoice's header, from its first row. OWED_E_STORE and the like only. */
static int check_header(struct liner *lr, struct inv *iv, struct row *r)
{
    if (text_ok(lr, r, C_NUMBER, OWED_DOC_ID_MAX, false) &&
        in_series(lr->seller.invoice_format, r->v[C_NUMBER]))
        BAD(lr, r, C_NUMBER, "%s fits the series %s that owed numbers its own invoices from "
            "(one would later get this number): change the number, or invoice_format with "
            "owed seller set", r->v[C_NUMBER], lr->seller.invoice_format);
    struct owed_buf e = OWED_BUF_INIT(0);
    int rc = lr->s->ops->customer_get(lr->s, lr->org, r->v[C_CUSTOMER], &iv->cust, &e);
    if (rc == OWED_E_NOT_FOUND && r->v[C_CUSTOMER][0])
        BAD(lr, r, C_CUSTOMER, "no customer '%.*s' (import customers first)",
            SHOWN(r->v[C_CUSTOMER]));
    else if (rc == OWED_E_NOT_FOUND)
        BAD(lr, r, C_CUSTOMER, "required value is empty");
    else if (rc)
        owed_buf_add(lr->err, e.ptr, e.len);
    owed_buf_release(&e);
    if (rc && rc != OWED_E_NOT_FOUND) return rc;
    iv->has_cust = rc == OWED_OK;

    bool issue_ok = r->v[C_ISSUE][0] ? date_ok(lr, r, C_ISSUE, &iv->issue_date)
                                     : (BAD(lr, r, C_ISSUE, "required date is empty"), false);
    iv->has_due = r->v[C_DUE][0] != '\0';
    if (iv->has_due && date_ok(lr, r, C_DUE, &iv->due_date) && issue_ok &&
        iv->due_date < iv->issue_date)
        BAD(lr, r, C_DUE, "%s is before the issue date %s", r->v[C_DUE], r->v[C_ISSUE]);

    const char *cur = r->v[C_CURRENCY];
    if (cur[0]) {
        char code[4] = "";
        if (strlen(cur) == 3)
            for (int i = 0; i < 4; i++) code[i] = (char)toupper((unsigned char)cur[i]);
        if (!owed_currency_valid(code)) {
            BAD(lr, r, C_CURRENCY, "'%.*s' is not an ISO 4217 currency code", SHOWN(cur));
        } else if (iv->has_cust && strcmp(code, iv->cust.currency)) {
            BAD(lr, r, C_CURRENCY, "%s differs from the customer's currency %s", code,
                iv->cust.currency);
        } else {
            memcpy(iv->currency, code, 4);
        }
    } else if (iv->has_cust) {
        memcpy(iv->currency, iv->cust.currency, 4);
    }
    text_ok(lr, r, C_PO, OWED_DOC_ID_MAX, false);
    text_ok(lr, r, C_NOTE, OWED_DOC_NOTE_MAX, true);
    return OWED_OK;
}

/* A decimal of `col` at exponent e; `min` 0: >= 0, 1: > 0, -1: any but zero. */
static bool decimal_ok(struct liner *lr, struct row *r, int col, int e, int min, int64_t *out)
{
    const char *v = r->v[col];
    int rc = owed_amount_parse(v, strlen(v), e, out);
    if (rc == OWED_E_OVERFLOW) {
        BAD(lr, r, col, "'%.*s' is out of range", SHOWN(v));
        return false;
    }
    if (rc) {
        BAD(lr, r, col, "'%.*s' is not a decimal with at most %d decimals", SHOWN(v), e);
        return false;
    }
    if ((min >= 0 && *out < 0) || (min != 0 && *out == 0)) {
        BAD(lr, r, col, "'%.*s' must be %s", SHOWN(v),
            min > 0 ? "positive" : min == 0 ? "zero or more" : "other than zero");
        return false;
    }
    return true;
}

/* The line of row r; e: the currency's exponent, -1 when unknown (amounts not checked). */
static void check_line(struct liner *lr, struct row *r, int e)
{
    if (!r->v[C_NAME][0]) BAD(lr, r, C_NAME, "required value is empty");
    else text_ok(lr, r, C_NAME, OWED_DOC_TEXT_MAX, false);
    if (!r->v[C_QTY][0]) BAD(lr, r, C_QTY, "required value is empty");
    else decimal_ok(lr, r, C_QTY, 3, -1, &r->qty_e3);
    const char *u = r->v[C_UNIT][0] ? r->v[C_UNIT] : "C62";
    bool unit_ok = strlen(u) <= 3;
    for (const char *p = u; unit_ok && *p; p++)
        unit_ok = isupper((unsigned char)*p) || isdigit((unsigned char)*p);
    if (unit_ok) snprintf(r->unit, sizeof r->unit, "%s", u);
    else BAD(lr, r, C_UNIT, "'%.*s' is not a UN/ECE Rec. 20 unit code (C62, HUR, KGM, ...)",
             SHOWN(u));
    if (e >= 0 && !r->v[C_PRICE][0]) BAD(lr, r, C_PRICE, "required value is empty");
    else if (e >= 0) decimal_ok(lr, r, C_PRICE, e + 4, 0, &r->price_e4);
    if (e >= 0 && r->v[C_DISCOUNT][0]) decimal_ok(lr, r, C_DISCOUNT, e, 0, &r->discount_minor);
    const char *c = r->v[C_CATEGORY][0] ? r->v[C_CATEGORY] : "S";
    char cat[3] = "";
    if (strlen(c) <= 2)
        for (size_t i = 0; i <= strlen(c); i++) cat[i] = (char)toupper((unsigned char)c[i]);
    if (!owed_tax_category_valid(cat)) {
        BAD(lr, r, C_CATEGORY, "'%.*s' is not a VAT category code (S, Z, E, AE, K, G, O, L, M)",
            SHOWN(c));
        return;
    }
    memcpy(r->category, cat, sizeof cat);
    int64_t rate = 0;
    if (!r->v[C_RATE][0] && !strcmp(cat, "S"))
        BAD(lr, r, C_RATE, "required for VAT category S");
    else if (r->v[C_RATE][0] && decimal_ok(lr, r, C_RATE, 2, 0, &rate) && rate > 10000)
        BAD(lr, r, C_RATE, "'%s' must be between 0 and 100", r->v[C_RATE]);
    r->rate_e2 = (int32_t)(rate > 10000 ? 0 : rate);
}

/* Every row of the invoice: its header equal to the first row's, and its line. */
static int check_inv(struct liner *lr, struct inv *iv)
{
    struct row *first = &lr->rows[iv->rows[0]];
    int rc = check_header(lr, iv, first);
    if (rc) return rc;
    int e = iv->currency[0] ? owed_currency_exponent(iv->currency) : -1;
    for (size_t k = 0; k < iv->n; k++) {
        struct row *r = &lr->rows[iv->rows[k]];
        for (int c = C_CUSTOMER; k > 0 && c < C_FIRST_LINE_COL; c++) {
            if (!strcmp(r->v[c], first->v[c])) continue;
            BAD(lr, r, c, "'%.*s' differs from line %ld of invoice %s ('%.*s'): an invoice's "
                "%s is the same on all its rows", SHOWN(r->v[c]), first->line, r->v[C_NUMBER],
                SHOWN(first->v[c]), cols[c].name);
        }
        check_line(lr, r, e);
    }
    return OWED_OK;
}

/* ---- already recorded? ---- */

/* The first column in which the stored document differs from the invoice of the file
 * (*at: the row it is about), or NULL. */
static const char *doc_diff(const struct liner *lr, const struct inv *iv,
                            const struct owed_doc_rec *rec, const struct owed_doc *d, size_t *at)
{
    const struct row *first = &lr->rows[iv->rows[0]];
    *at = iv->rows[0];
    if (rec->customer_id != iv->cust.id) return cols[C_CUSTOMER].name;
    if (d->issue_date != iv->issue_date) return cols[C_ISSUE].name;
    if (iv->has_due && d->due_date != iv->due_date) return cols[C_DUE].name;
    if (strcmp(d->currency, iv->currency)) return cols[C_CURRENCY].name;
    if (strcmp(d->order_reference, first->v[C_PO])) return cols[C_PO].name;
    if (strcmp(d->note, first->v[C_NOTE])) return cols[C_NOTE].name;
    for (size_t k = 0; k < iv->n || k < d->n_lines; k++) {
        *at = iv->rows[k < iv->n ? k : iv->n - 1];
        if (k >= iv->n || k >= d->n_lines) return "number of lines";
        const struct row *r = &lr->rows[iv->rows[k]];
        const struct owed_doc_line *l = &d->lines[k];
        if (strcmp(l->name, r->v[C_NAME])) return cols[C_NAME].name;
        if (l->qty_e3 != r->qty_e3) return cols[C_QTY].name;
        if (strcmp(l->unit, r->unit)) return cols[C_UNIT].name;
        if (l->price_e4 != r->price_e4) return cols[C_PRICE].name;
        if (l->discount_minor != r->discount_minor) return cols[C_DISCOUNT].name;
        if (strcmp(l->tax_category, r->category)) return cols[C_CATEGORY].name;
        if (l->tax_rate_e2 != r->rate_e2) return cols[C_RATE].name;
    }
    return NULL;
}

/* Is the number taken? *repeat: by this very invoice, imported before. Problems are
 * reported; the return is a store failure only. */
static int check_taken(struct liner *lr, const struct inv *iv, bool *repeat)
{
    struct row *first = &lr->rows[iv->rows[0]];
    const char *number = first->v[C_NUMBER];
    struct owed_buf e = OWED_BUF_INIT(0), body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_invoice inv;
    struct owed_doc_rec rec;
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    *repeat = false;
    int rc = lr->s->ops->invoice_get(lr->s, lr->org, number, &inv, &e);
    bool ledger = rc == OWED_OK; /* an invoice of that number is in the ledger */
    if (ledger)
        rc = lr->s->ops->doc_get(lr->s, lr->org, 0, OWED_DOC_INVOICE, inv.id, &rec, &body, &e);
    if (rc == OWED_E_NOT_FOUND && ledger) {
        BAD(lr, first, C_NUMBER, "%s is already used by an invoice imported with its total "
            "only (owed import invoices)", number);
    } else if (!rc && strcmp(rec.source, source_csv)) {
        BAD(lr, first, C_NUMBER, "%s is already used by another invoice (source: %s)", number,
            rec.source);
    } else if (!rc && (rc = owed_doc_load(&rec, &d, &e)) == OWED_OK) {
        size_t at;
        const char *diff = doc_diff(lr, iv, &rec, &d, &at);
        if (diff)
            report(lr, &lr->rows[at], lr->rows[at].line, cols[C_NUMBER].name,
                   "%s is already recorded with a different %s", number, diff);
        else *repeat = true;
    }
    if (rc && rc != OWED_E_NOT_FOUND) owed_buf_add(lr->err, e.ptr, e.len);
    owed_doc_free(&d);
    owed_buf_release(&e);
    owed_buf_release(&body);
    return rc == OWED_E_NOT_FOUND ? OWED_OK : rc;
}

/* ---- issuing ---- */

static json_t *doc_input(const struct liner *lr, const struct inv *iv)
{
    const struct row *first = &lr->rows[iv->rows[0]];
    json_t *o = json_pack("{s:s,s:s,s:s}", "customer", first->v[C_CUSTOMER], "issue_date",
                          first->v[C_ISSUE], "currency", iv->currency);
    if (iv->has_due) json_object_set_new(o, "due_date", json_string(first->v[C_DUE]));
    if (first->v[C_PO][0]) json_object_set_new(o, "po_number", json_string(first->v[C_PO]));
    if (first->v[C_NOTE][0]) json_object_set_new(o, "note", json_string(first->v[C_NOTE]));
    json_t *lines = json_array();
    for (size_t k = 0; k < iv->n; k++) {
        const struct row *r = &lr->rows[iv->rows[k]];
        json_t *l = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", r->v[C_NAME], "quantity",
                              r->v[C_QTY], "unit", r->unit, "price", r->v[C_PRICE],
                              "tax_category", r->category);
        if (r->v[C_DISCOUNT][0]) json_object_set_new(l, "discount", json_string(r->v[C_DISCOUNT]));
        json_object_set_new(l, "tax_rate", json_string(r->v[C_RATE][0] ? r->v[C_RATE] : "0"));
        json_array_append_new(lines, l);
    }
    json_object_set_new(o, "lines", lines);
    return o;
}

/* Reports one message of the issuing path on the row and column it names: "lines[2].price:
 * ..." and "line 2: tax_rate: ..." are about a line, "due_date: ..." about a header column;
 * anything else (an EN 16931 rule) about the invoice, on its first row. */
static void report_refusal(struct liner *lr, const struct inv *iv, const char *msg)
{
    struct row *r = &lr->rows[iv->rows[0]];
    const char *column = NULL, *rest = msg;
    size_t k = 0;
    int n = 0;
    if (sscanf(msg, "lines[%zu].%n", &k, &n) == 1 || sscanf(msg, "line %zu: %n", &k, &n) == 1) {
        if (n > 0 && k >= 1 && k <= iv->n) {
            r = &lr->rows[iv->rows[k - 1]];
            rest = msg + n;
        }
    }
    for (int c = 0; c < C_COUNT; c++) {
        const char *key = c >= C_FIRST_LINE_COL ? cols[c].json : cols[c].name;
        size_t len = strlen(key);
        if ((rest != msg || c < C_FIRST_LINE_COL) && !strncmp(rest, key, len) &&
            rest[len] == ':') {
            column = cols[c].name;
            rest += len + 1;
            while (*rest == ' ') rest++;
            break;
        }
    }
    if (column) report(lr, r, r->line, column, "%s", rest);
    else if (rest != msg) report(lr, r, r->line, "row", "%s", rest);
    else report(lr, r, r->line, cols[C_NUMBER].name, "%s not issued: %s", r->v[C_NUMBER], msg);
}

/* Drafts the invoice and issues it under its number. A refusal is reported (each line of
 * err on its own); the return is a store failure only. */
static int issue(struct liner *lr, const struct inv *iv)
{
    const char *number = lr->rows[iv->rows[0]].v[C_NUMBER];
    json_t *in = doc_input(lr, iv);
    struct owed_buf e = OWED_BUF_INIT(0);
    int64_t doc_id = 0;
    char issued[65];
    int rc = owed__draft_create_in(lr->s, lr->org, in, source_csv, lr->now, &doc_id, &e);
    if (!rc) rc = owed__draft_issue_as(lr->s, lr->org, doc_id, lr->today, lr->now, number,
                                       issued, &e);
    json_decref(in);
    if (rc == OWED_E_STORE || rc == OWED_E_IO) {
        owed_buf_add(lr->err, e.ptr, e.len);
        owed_buf_release(&e);
        return rc;
    }
    if (!rc) lr->res->inserted++;
    /* Hints in parentheses (how to fix a rule) go with the message before them. */
    for (char *p = e.ptr; rc && *p;) {
        char *nl = strchr(p, '\n');
        while (nl && nl[1] == '(') {
            *nl = ' ';
            nl = strchr(nl, '\n');
        }
        if (nl) *nl = '\0';
        if (*p) report_refusal(lr, iv, p);
        if (!nl) break;
        p = nl + 1;
    }
    if (rc && !e.len) report_refusal(lr, iv, owed_rc_message(rc));
    owed_buf_release(&e);
    return OWED_OK;
}

/* ---- driver ---- */

static int run(struct liner *lr, struct owed_csv *csv)
{
    int rc = owed_seller_get(lr->s, lr->org, &lr->seller, lr->err);
    if (!rc) rc = read_all(lr, csv);
    for (size_t i = 0; !rc && i < lr->ninvs; i++) rc = check_inv(lr, &lr->invs[i]);
    for (size_t i = 0; !rc && i < lr->ninvs; i++) {
        const struct inv *iv = &lr->invs[i];
        bool repeat = false;
        size_t before = lr->nproblems;
        for (size_t k = 0; k < iv->n; k++)
            if (lr->rows[iv->rows[k]].bad) before = SIZE_MAX;
        if (before == SIZE_MAX) continue; /* what is wrong with it is reported */
        if ((rc = check_taken(lr, iv, &repeat))) break;
        if (repeat) lr->res->unchanged++;
        else if (lr->nproblems == before) rc = issue(lr, iv);
    }
    if (!rc && lr->nproblems) rc = OWED_E_REJECTED;
    return rc;
}

static int by_line(const void *a, const void *b)
{
    const struct problem *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The problems in the order of the file (invoices are checked one after the other, and
 * an invoice's rows need not be next to each other). */
static void emit_problems(struct liner *lr)
{
    if (lr->nproblems) qsort(lr->problems, lr->nproblems, sizeof *lr->problems, by_line);
    for (size_t i = 0; i < lr->nproblems; i++) {
        if (lr->opts && lr->opts->on_error)
            lr->opts->on_error(lr->opts->error_ctx, lr->problems[i].msg);
        free(lr->problems[i].msg);
    }
    free(lr->problems);
}

static int import_csv(struct owed_store *s, int64_t org, const char *name, struct owed_csv *csv,
                      owed_date today, owed_time_ms now, const struct owed_import_opts *opts,
                      struct owed_import_result *res, struct owed_buf *err)
{
    struct liner lr;
    memset(&lr, 0, sizeof lr);
    lr.s = s;
    lr.org = org;
    lr.today = today;
    lr.now = now;
    lr.path = name;
    lr.opts = opts;
    lr.res = res;
    lr.err = err;
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = run(&lr, csv);
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        res->inserted = 0;
        res->unchanged = 0;
    }
    emit_problems(&lr);
    for (size_t i = 0; i < lr.nrows; i++)
        for (int c = 0; c < C_COUNT; c++) free(lr.rows[i].v[c]);
    free(lr.rows);
    for (size_t i = 0; i < lr.ninvs; i++) free(lr.invs[i].rows);
    free(lr.invs);
    owed_strmap_clear(&lr.by_number);
    return rc;
}

static int no_skip_bad(const struct owed_import_opts *opts, struct owed_buf *err)
{
    if (!opts || !opts->skip_bad) return OWED_OK;
    owed_buf_adds(err, "invoice lines are imported all or nothing: no skip_bad");
    return OWED_E_INVALID;
}

int owed_import_invoice_lines(struct owed_store *s, int64_t org, const char *path,
                              owed_date today, owed_time_ms now,
                              const struct owed_import_opts *opts,
                              struct owed_import_result *res, struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    int rc = no_skip_bad(opts, err);
    if (rc) return rc;
    FILE *f = fopen(path, "rb");
    if (!f) {
        owed_buf_addf(err, "%s: %s", path, strerror(errno));
        return OWED_E_IO;
    }
    struct owed_csv *csv = owed_csv_new_file(f);
    rc = import_csv(s, org, path, csv, today, now, opts, res, err);
    owed_csv_free(csv);
    fclose(f);
    return rc;
}

int owed_import_invoice_lines_mem(struct owed_store *s, int64_t org, const char *name,
                                  const char *data, size_t len, owed_date today,
                                  owed_time_ms now, const struct owed_import_opts *opts,
                                  struct owed_import_result *res, struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    int rc = no_skip_bad(opts, err);
    if (rc) return rc;
    struct owed_csv *csv = owed_csv_new_mem(data, len);
    rc = import_csv(s, org, name, csv, today, now, opts, res, err);
    owed_csv_free(csv);
    return rc;
}
