/* CSV import of customers, invoices and payments (DESIGN.md "CSV import formats").
 *
 * One transaction per file. Every row is validated and, when good, written; a bad row is
 * reported as "FILE:LINE: column: reason" and the import goes on so that every problem is
 * listed. At the end the transaction commits only if no row was bad, or with --skip-bad
 * (the bad rows then go to FILE.rejects.csv). A row whose ref is already recorded with the
 * same content changes nothing, so re-importing a file is harmless. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "app/app.h"
#include "app/events.h"
#include "base.h"
#include "core/ledger.h"
#include "core/terms.h"
#include "io/csv.h"
#include "strmap.h"

enum { MAX_COLS = 8 };

struct column {
    const char *name;
    bool required;
};

enum { CU_REF, CU_NAME, CU_EMAIL, CU_CURRENCY, CU_TERMS, CU_LIMIT, CU_N };
static const struct column customer_cols[CU_N] = {
    {"customer_ref", true}, {"name", true},   {"email", false},
    {"currency", true},     {"terms", false}, {"credit_limit", false},
};

enum { IN_NUMBER, IN_CUSTOMER, IN_ISSUE, IN_DUE, IN_CURRENCY, IN_AMOUNT, IN_PO, IN_N };
static const struct column invoice_cols[IN_N] = {
    {"invoice_number", true}, {"customer_ref", true}, {"issue_date", true}, {"due_date", false},
    {"currency", false},      {"amount", true},       {"po_number", false},
};

enum { PA_REF, PA_CUSTOMER, PA_RECEIVED, PA_AMOUNT, PA_CURRENCY, PA_METHOD, PA_REFERENCE,
       PA_INVOICE, PA_N };
static const struct column payment_cols[PA_N] = {
    {"payment_ref", true}, {"customer_ref", true}, {"received_date", true},
    {"amount", true},      {"currency", false},    {"method", false},
    {"reference", false},  {"invoice_number", false},
};

static const char *const methods[] = {"card",   "ach",    "sepa", "wire", "check",
                                      "echeck", "wallet", "cash", "other"};

/* What the import keeps about each customer: enough to validate rows without queries. */
struct cust_info {
    int64_t id;
    char currency[4];
    struct owed_terms terms;
    char terms_text[OWED_TERMS_TEXT_MAX + 1]; /* canonical, stored on its invoices */
    long line; /* line of this file that created it, 0 if it existed before */
};

struct importer {
    struct owed_store *s;
    int64_t org;
    enum owed_import_kind kind;
    const char *path;
    const struct owed_import_opts *opts;
    struct owed_import_result *res;
    struct owed_buf *err;

    const struct column *cols;
    size_t ncols;
    int pos[MAX_COLS]; /* field index of each spec column in the file, -1 if absent */
    size_t nheader;
    char **header; /* the file's header fields, for the rejects file */

    struct owed_csv_row row;
    bool row_bad;
    struct owed_buf row_errors; /* this row's reasons, "; "-joined, for the rejects file */

    struct owed_strmap cust_index; /* ref -> index into custs */
    struct cust_info *custs;
    size_t ncusts, cap_custs;

    int64_t first_new_id; /* first record id written by this import; 0 before */
    struct owed_events ev; /* webhook events (invoice.created, payment.*), queued with the rows */
    FILE *rejects;
    char rejects_tmp[4200];
};

/* ---- reporting ---- */

static void report(struct importer *im, long line, const char *column, const char *fmt, ...)
    OWED_PRINTF(4, 5);

static void report(struct importer *im, long line, const char *column, const char *fmt, ...)
{
    struct owed_buf msg = OWED_BUF_INIT(0);
    owed_buf_addf(&msg, "%s:%ld: %s: ", im->path, line, column);
    size_t reason_at = msg.len;
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    if (im->opts->on_error) im->opts->on_error(im->opts->error_ctx, msg.ptr);
    if (im->row_errors.len) owed_buf_adds(&im->row_errors, "; ");
    owed_buf_addf(&im->row_errors, "%s: %s", column, msg.ptr + reason_at);
    im->row_bad = true;
    owed_buf_release(&msg);
}

static void bad(struct importer *im, int col, const char *fmt, ...) OWED_PRINTF(3, 4);

static void bad(struct importer *im, int col, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    report(im, im->row.line, im->cols[col].name, "%s", reason);
}

/* ---- fields ---- */

static struct owed_str field(const struct importer *im, int col)
{
    struct owed_str f = {"", 0};
    int p = im->pos[col];
    if (p < 0 || (size_t)p >= im->row.nfields) return f;
    f = im->row.fields[p];
    while (f.len && (f.ptr[0] == ' ' || f.ptr[0] == '\t')) {
        f.ptr++;
        f.len--;
    }
    while (f.len && (f.ptr[f.len - 1] == ' ' || f.ptr[f.len - 1] == '\t')) f.len--;
    return f;
}

/* Copies a text field into dst; false (and reported) when missing or too long. */
static bool take_text(struct importer *im, int col, char *dst, size_t cap, bool required)
{
    struct owed_str f = field(im, col);
    dst[0] = '\0';
    if (f.len == 0) {
        if (required) bad(im, col, "required value is empty");
        return !required;
    }
    if (f.len >= cap) {
        bad(im, col, "longer than %zu bytes", cap - 1);
        return false;
    }
    for (size_t i = 0; i < f.len; i++) {
        if ((unsigned char)f.ptr[i] < 0x20) {
            bad(im, col, "contains a control character");
            return false;
        }
    }
    memcpy(dst, f.ptr, f.len);
    dst[f.len] = '\0';
    return true;
}

static bool take_date(struct importer *im, int col, owed_date *out, bool *present)
{
    struct owed_str f = field(im, col);
    if (present) *present = f.len > 0;
    if (f.len == 0) {
        if (present) return true;
        bad(im, col, "required date is empty");
        return false;
    }
    if (owed_date_parse(f.ptr, f.len, out) != OWED_OK) {
        bad(im, col, "'%.*s' is not a date (YYYY-MM-DD)", (int)(f.len > 40 ? 40 : f.len), f.ptr);
        return false;
    }
    return true;
}

/* Parses an amount at the currency's exponent; `positive` demands > 0, else >= 0. */
static bool take_amount(struct importer *im, int col, const char *currency, bool positive,
                        bool *present, int64_t *out)
{
    struct owed_str f = field(im, col);
    if (present) *present = f.len > 0;
    if (f.len == 0) {
        if (present) return true;
        bad(im, col, "required amount is empty");
        return false;
    }
    int exp = owed_currency_exponent(currency);
    if (exp < 0) return false; /* the currency column reports it */
    int rc = owed_amount_parse(f.ptr, f.len, exp, out);
    int shown = (int)(f.len > 40 ? 40 : f.len);
    if (rc == OWED_E_OVERFLOW) {
        bad(im, col, "'%.*s' is out of range", shown, f.ptr);
        return false;
    }
    if (rc != OWED_OK) {
        bad(im, col, "'%.*s' is not an amount in %s (digits, '.', at most %d decimals)", shown,
            f.ptr, currency, exp);
        return false;
    }
    if (*out < 0 || (positive && *out == 0)) {
        bad(im, col, "'%.*s' must be %s", shown, f.ptr, positive ? "positive" : "zero or more");
        return false;
    }
    return true;
}

/* Currency column: blank means `fallback` (when given); must be ISO 4217 and, with a
 * customer, equal to the customer's currency. */
static bool take_currency(struct importer *im, int col, const char *fallback, char out[4])
{
    struct owed_str f = field(im, col);
    if (f.len == 0 && fallback) {
        memcpy(out, fallback, 4);
        return true;
    }
    char code[4] = "";
    if (f.len == 3) {
        for (int i = 0; i < 3; i++) code[i] = (char)toupper((unsigned char)f.ptr[i]);
        code[3] = '\0';
    }
    if (!owed_currency_valid(code)) {
        bad(im, col, "'%.*s' is not an ISO 4217 currency code", (int)(f.len > 20 ? 20 : f.len),
            f.ptr);
        out[0] = '\0';
        return false;
    }
    memcpy(out, code, 4);
    if (fallback && strcmp(code, fallback) != 0) {
        bad(im, col, "%s differs from the customer's currency %s", code, fallback);
        return false;
    }
    return true;
}

static const struct cust_info *take_customer(struct importer *im, int col)
{
    struct owed_str f = field(im, col);
    if (f.len == 0) {
        bad(im, col, "required value is empty");
        return NULL;
    }
    int64_t idx;
    if (!owed_strmap_get(&im->cust_index, f.ptr, f.len, &idx)) {
        bad(im, col, "no customer '%.*s' (import customers first)",
            (int)(f.len > 64 ? 64 : f.len), f.ptr);
        return NULL;
    }
    return &im->custs[idx];
}

static void date_text(char dst[11], owed_date d) { owed_date_format(d, dst); }

/* ---- customers ---- */

static void cache_customer(struct importer *im, const struct owed_customer *c, long line)
{
    OWED_ALLOC_GROW(im->custs, im->ncusts + 1, im->cap_custs);
    struct cust_info *ci = &im->custs[im->ncusts];
    memset(ci, 0, sizeof *ci);
    ci->id = c->id;
    memcpy(ci->currency, c->currency, 4);
    ci->line = line;
    snprintf(ci->terms_text, sizeof ci->terms_text, "%s", c->terms);
    if (owed_terms_parse(c->terms, strlen(c->terms), &ci->terms, NULL) != OWED_OK)
        owed_terms_parse("NET30", 5, &ci->terms, NULL);
    owed_strmap_put(&im->cust_index, c->ref, strlen(c->ref), (int64_t)im->ncusts);
    im->ncusts++;
}

static int load_customer(void *ctx, const struct owed_customer *c)
{
    cache_customer(ctx, c, 0);
    return OWED_OK;
}

/* Names the first field in which two customer records differ, or NULL. */
static const char *customer_diff(const struct owed_customer *a, const struct owed_customer *b)
{
    if (strcmp(a->name, b->name)) return "name";
    if (strcmp(a->email, b->email)) return "email";
    if (strcmp(a->currency, b->currency)) return "currency";
    if (strcmp(a->terms, b->terms)) return "terms";
    if (a->has_credit_limit != b->has_credit_limit || a->credit_limit_minor != b->credit_limit_minor)
        return "credit_limit";
    return NULL;
}

static int customer_row(struct importer *im)
{
    struct owed_customer c;
    memset(&c, 0, sizeof c);
    take_text(im, CU_REF, c.ref, sizeof c.ref, true);
    take_text(im, CU_NAME, c.name, sizeof c.name, true);
    if (take_text(im, CU_EMAIL, c.email, sizeof c.email, false) && c.email[0]) {
        const char *at = strchr(c.email, '@');
        if (!at || at == c.email || !at[1] || strchr(c.email, ' '))
            bad(im, CU_EMAIL, "'%s' is not an email address", c.email);
    }
    bool currency_ok = take_currency(im, CU_CURRENCY, NULL, c.currency);
    struct owed_str t = field(im, CU_TERMS);
    struct owed_terms terms;
    struct owed_buf why = OWED_BUF_INIT(256);
    if (t.len == 0) {
        t.ptr = "NET30";
        t.len = 5;
    }
    if (owed_terms_parse(t.ptr, t.len, &terms, &why) != OWED_OK) {
        bad(im, CU_TERMS, "'%.*s' is not payment terms (NET<n>, DUE, <p>/<d> NET<n>, EOM<n>)%s%s",
            (int)(t.len > 40 ? 40 : t.len), t.ptr, why.len ? ": " : "", why.ptr);
    } else {
        struct owed_buf canon = OWED_BUF_INIT(sizeof c.terms - 1);
        owed_terms_format(&terms, &canon);
        snprintf(c.terms, sizeof c.terms, "%s", canon.ptr);
        owed_buf_release(&canon);
    }
    owed_buf_release(&why);
    if (currency_ok)
        take_amount(im, CU_LIMIT, c.currency, false, &c.has_credit_limit, &c.credit_limit_minor);
    if (im->row_bad) return OWED_OK;

    int64_t idx;
    if (owed_strmap_get(&im->cust_index, c.ref, strlen(c.ref), &idx)) {
        const struct cust_info *ci = &im->custs[idx];
        if (ci->line) {
            bad(im, CU_REF, "%s appears twice in this file (first on line %ld)", c.ref, ci->line);
            return OWED_OK;
        }
        struct owed_customer old;
        int rc = im->s->ops->customer_get(im->s, im->org, c.ref, &old, im->err);
        if (rc) return rc;
        const char *diff = customer_diff(&old, &c);
        if (diff) {
            bad(im, CU_REF, "%s is already recorded with a different %s", c.ref, diff);
            return OWED_OK;
        }
        im->res->unchanged++;
        return OWED_OK;
    }
    int rc = im->s->ops->customer_insert(im->s, im->org, &c, im->err);
    if (rc) return rc;
    cache_customer(im, &c, im->row.line);
    im->res->inserted++;
    return OWED_OK;
}

/* ---- invoices ---- */

static int post(struct importer *im, int rc, struct owed_entry *e)
{
    if (rc) {
        owed_buf_addf(im->err, "line %ld: cannot post: %s", im->row.line, owed_rc_message(rc));
        return rc;
    }
    return im->s->ops->entry_append(im->s, im->org, e, NULL, im->err);
}

static void note_new_id(struct importer *im, int64_t id)
{
    if (!im->first_new_id) im->first_new_id = id;
}

static bool from_this_file(const struct importer *im, int64_t id)
{
    return im->first_new_id && id >= im->first_new_id;
}

/* A ref that is already recorded: the same content is "unchanged", anything else is an
 * error on the row (a repeat within this file, or different content). */
static void settle_existing(struct importer *im, int col, const char *ref, int64_t old_id,
                            const char *diff)
{
    if (from_this_file(im, old_id)) bad(im, col, "%s appears twice in this file", ref);
    else if (diff) bad(im, col, "%s is already recorded with a different %s", ref, diff);
    else im->res->unchanged++;
}

static const char *invoice_diff(const struct owed_invoice *a, const struct owed_invoice *b)
{
    if (a->customer_id != b->customer_id) return "customer";
    if (a->issue_date != b->issue_date) return "issue_date";
    if (a->due_date != b->due_date) return "due_date";
    if (strcmp(a->currency, b->currency)) return "currency";
    if (a->amount_minor != b->amount_minor) return "amount";
    if (strcmp(a->po_number, b->po_number)) return "po_number";
    return NULL;
}

static int invoice_row(struct importer *im)
{
    struct owed_invoice inv;
    memset(&inv, 0, sizeof inv);
    take_text(im, IN_NUMBER, inv.number, sizeof inv.number, true);
    const struct cust_info *cust = take_customer(im, IN_CUSTOMER);
    bool issue_ok = take_date(im, IN_ISSUE, &inv.issue_date, NULL);
    bool has_due = false;
    bool due_ok = take_date(im, IN_DUE, &inv.due_date, &has_due);
    /* With no customer, a blank currency has nothing to default to: the customer column
     * already says what is wrong. */
    bool currency_ok = (cust || field(im, IN_CURRENCY).len) &&
                       take_currency(im, IN_CURRENCY, cust ? cust->currency : NULL, inv.currency);
    if (currency_ok) take_amount(im, IN_AMOUNT, inv.currency, true, NULL, &inv.amount_minor);
    take_text(im, IN_PO, inv.po_number, sizeof inv.po_number, false);
    if (issue_ok && due_ok && has_due && inv.due_date < inv.issue_date) {
        char d1[11], d2[11];
        date_text(d1, inv.due_date);
        date_text(d2, inv.issue_date);
        bad(im, IN_DUE, "%s is before the issue date %s", d1, d2);
    }
    if (im->row_bad) return OWED_OK;
    inv.customer_id = cust->id;
    inv.kind = OWED_INVOICE_SALE;
    memcpy(inv.terms, cust->terms_text, sizeof inv.terms);
    if (!has_due) inv.due_date = owed_terms_due_date(&cust->terms, inv.issue_date);

    int rc = im->s->ops->invoice_insert(im->s, im->org, &inv, im->err);
    if (rc == OWED_E_EXISTS) {
        struct owed_invoice old;
        if ((rc = im->s->ops->invoice_get(im->s, im->org, inv.number, &old, im->err))) return rc;
        settle_existing(im, IN_NUMBER, inv.number, old.id, invoice_diff(&old, &inv));
        return OWED_OK;
    }
    if (rc) return rc;
    note_new_id(im, inv.id);
    im->res->inserted++;
    struct owed_entry e;
    rc = post(im,
              owed_ledger_invoice(inv.id, inv.customer_id, inv.currency, inv.issue_date,
                                  inv.amount_minor, &e),
              &e);
    bool wanted = false;
    if (!rc) rc = owed_events_wanted(&im->ev, "invoice.created", &wanted, im->err);
    if (!rc && wanted) {
        struct owed_str ref = field(im, IN_CUSTOMER);
        char cref[OWED_REF_MAX + 1];
        snprintf(cref, sizeof cref, "%.*s", (int)ref.len, ref.ptr);
        rc = owed__event_invoice(&im->ev, "invoice.created", &inv, cref, 0, im->err);
    }
    return rc;
}

/* ---- payments ---- */

static const char *payment_diff(const struct owed_payment *a, const struct owed_payment *b)
{
    if (a->customer_id != b->customer_id) return "customer";
    if (a->received_date != b->received_date) return "received_date";
    if (a->amount_minor != b->amount_minor) return "amount";
    if (strcmp(a->currency, b->currency)) return "currency";
    if (strcmp(a->method, b->method)) return "method";
    if (strcmp(a->reference, b->reference)) return "reference";
    if (strcmp(a->invoice_number, b->invoice_number)) return "invoice_number";
    return NULL;
}

static void take_method(struct importer *im, char *dst, size_t cap)
{
    if (!take_text(im, PA_METHOD, dst, cap, false)) return;
    if (!dst[0]) {
        snprintf(dst, cap, "other");
        return;
    }
    for (char *p = dst; *p; p++) *p = (char)tolower((unsigned char)*p);
    for (size_t i = 0; i < OWED_ARRAY_LEN(methods); i++)
        if (strcmp(dst, methods[i]) == 0) return;
    bad(im, PA_METHOD, "'%s' is not a payment method (card, ach, sepa, wire, check, echeck, "
                       "wallet, cash, other)", dst);
}

/* Checks the named invoice can take this payment; fills *inv. */
static int check_target(struct importer *im, const struct owed_payment *p,
                        struct owed_invoice *inv)
{
    int rc = im->s->ops->invoice_get(im->s, im->org, p->invoice_number, inv, im->err);
    if (rc == OWED_E_NOT_FOUND) {
        bad(im, PA_INVOICE, "no invoice %s", p->invoice_number);
        return OWED_OK;
    }
    if (rc) return rc;
    if (inv->customer_id != p->customer_id) {
        bad(im, PA_INVOICE, "%s belongs to another customer", p->invoice_number);
    } else if (strcmp(inv->currency, p->currency) != 0) {
        bad(im, PA_INVOICE, "%s is in %s, the payment in %s", p->invoice_number, inv->currency,
            p->currency);
    } else if (inv->issue_date > p->received_date) {
        char d[11];
        date_text(d, inv->issue_date);
        bad(im, PA_INVOICE, "%s was issued on %s, after the payment was received",
            p->invoice_number, d);
    }
    return OWED_OK;
}

/* Applies up to the invoice's open amount; the rest stays unapplied on the customer. */
static int allocate(struct importer *im, const struct owed_payment *p,
                    const struct owed_invoice *inv)
{
    int64_t open = inv->amount_minor - inv->allocated_minor;
    int64_t amount = p->amount_minor < open ? p->amount_minor : open;
    if (amount < p->amount_minor) im->res->unapplied++;
    if (amount <= 0) return OWED_OK;
    struct owed_allocation a = {.payment_id = p->id, .invoice_id = inv->id, .date = p->received_date, .amount_minor = amount};
    int rc = im->s->ops->allocation_insert(im->s, im->org, &a, im->err);
    if (rc) return rc;
    struct owed_entry e;
    return post(im,
                owed_ledger_allocation(a.id, p->customer_id, p->currency, a.date, amount, &e),
                &e);
}

static int payment_row(struct importer *im)
{
    struct owed_payment p;
    struct owed_invoice inv;
    memset(&p, 0, sizeof p);
    take_text(im, PA_REF, p.ref, sizeof p.ref, true);
    const struct cust_info *cust = take_customer(im, PA_CUSTOMER);
    take_date(im, PA_RECEIVED, &p.received_date, NULL);
    if ((cust || field(im, PA_CURRENCY).len) &&
        take_currency(im, PA_CURRENCY, cust ? cust->currency : NULL, p.currency))
        take_amount(im, PA_AMOUNT, p.currency, true, NULL, &p.amount_minor);
    take_method(im, p.method, sizeof p.method);
    take_text(im, PA_REFERENCE, p.reference, sizeof p.reference, false);
    take_text(im, PA_INVOICE, p.invoice_number, sizeof p.invoice_number, false);
    if (im->row_bad) return OWED_OK;
    p.customer_id = cust->id;
    int rc;
    if (p.invoice_number[0] && (rc = check_target(im, &p, &inv))) return rc;
    if (im->row_bad) return OWED_OK;

    rc = im->s->ops->payment_insert(im->s, im->org, &p, im->err);
    if (rc == OWED_E_EXISTS) {
        struct owed_payment old;
        if ((rc = im->s->ops->payment_get(im->s, im->org, p.ref, &old, im->err))) return rc;
        settle_existing(im, PA_REF, p.ref, old.id, payment_diff(&old, &p));
        return OWED_OK;
    }
    if (rc) return rc;
    note_new_id(im, p.id);
    im->res->inserted++;
    struct owed_entry e;
    rc = post(im,
              owed_ledger_payment(p.id, p.customer_id, p.currency, p.received_date,
                                  p.amount_minor, &e),
              &e);
    if (rc) return rc;
    if ((rc = owed__event_payment(&im->ev, "payment.received", p.ref, im->err))) return rc;
    if (!p.invoice_number[0]) {
        im->res->unapplied++;
        return OWED_OK;
    }
    if ((rc = allocate(im, &p, &inv))) return rc;
    return inv.amount_minor - inv.allocated_minor > 0
               ? owed__event_payment(&im->ev, "payment.applied", p.ref, im->err)
               : OWED_OK;
}

/* ---- header, rejects, driver ---- */

static bool read_header(struct importer *im)
{
    for (size_t i = 0; i < im->ncols; i++) im->pos[i] = -1;
    im->nheader = im->row.nfields;
    im->header = owed_xcalloc(im->nheader, sizeof *im->header);
    bool ok = true;
    for (size_t f = 0; f < im->row.nfields; f++) {
        struct owed_str h = im->row.fields[f];
        im->header[f] = owed_xstrndup(h.ptr, h.len);
        char *name = im->header[f];
        size_t i;
        for (i = 0; i < im->ncols; i++)
            if (strcasecmp(name, im->cols[i].name) == 0) break;
        if (i == im->ncols) {
            report(im, im->row.line, "header", "unknown column '%s' (expected: %s ...)", name,
                   im->cols[0].name);
            ok = false;
        } else if (im->pos[i] >= 0) {
            report(im, im->row.line, "header", "column '%s' appears twice", name);
            ok = false;
        } else {
            im->pos[i] = (int)f;
        }
    }
    for (size_t i = 0; i < im->ncols; i++) {
        if (im->cols[i].required && im->pos[i] < 0) {
            report(im, im->row.line, "header", "missing column '%s'", im->cols[i].name);
            ok = false;
        }
    }
    return ok;
}

static int open_rejects(struct importer *im)
{
    snprintf(im->res->rejects_path, sizeof im->res->rejects_path, "%s.rejects.csv", im->path);
    snprintf(im->rejects_tmp, sizeof im->rejects_tmp, "%s.tmp", im->res->rejects_path);
    im->rejects = fopen(im->rejects_tmp, "w");
    if (!im->rejects) {
        owed_buf_addf(im->err, "%s: %s", im->rejects_tmp, strerror(errno));
        return OWED_E_IO;
    }
    struct owed_buf b = OWED_BUF_INIT(0);
    for (size_t i = 0; i < im->nheader; i++) {
        owed_csv_put_field(&b, im->header[i], strlen(im->header[i]));
        owed_buf_addc(&b, ',');
    }
    owed_buf_adds(&b, "error\n");
    fwrite(b.ptr, 1, b.len, im->rejects);
    owed_buf_release(&b);
    return OWED_OK;
}

static void write_reject(struct importer *im)
{
    if (!im->rejects) return;
    struct owed_buf b = OWED_BUF_INIT(0);
    for (size_t i = 0; i < im->row.nfields; i++) {
        owed_csv_put_field(&b, im->row.fields[i].ptr, im->row.fields[i].len);
        owed_buf_addc(&b, ',');
    }
    /* A short row is padded so that the reason lands in the error column. */
    for (size_t i = im->row.nfields; i < im->nheader; i++) owed_buf_addc(&b, ',');
    owed_csv_put_field(&b, im->row_errors.ptr, im->row_errors.len);
    owed_buf_addc(&b, '\n');
    fwrite(b.ptr, 1, b.len, im->rejects);
    owed_buf_release(&b);
}

static int close_rejects(struct importer *im, bool keep)
{
    if (!im->rejects) return OWED_OK;
    int failed = fclose(im->rejects) != 0;
    im->rejects = NULL;
    if (!keep || failed) {
        remove(im->rejects_tmp);
        im->res->rejects_path[0] = '\0';
        if (failed) {
            owed_buf_addf(im->err, "%s: write failed", im->rejects_tmp);
            return OWED_E_IO;
        }
        return OWED_OK;
    }
    if (rename(im->rejects_tmp, im->res->rejects_path) != 0) {
        owed_buf_addf(im->err, "%s: %s", im->res->rejects_path, strerror(errno));
        return OWED_E_IO;
    }
    return OWED_OK;
}

static int process_row(struct importer *im)
{
    im->row_bad = false;
    owed_buf_reset(&im->row_errors);
    im->res->rows++;
    if (im->row.nfields != im->nheader) {
        report(im, im->row.line, "row", "has %zu fields, the header has %zu", im->row.nfields,
               im->nheader);
    } else {
        int rc = im->kind == OWED_IMPORT_CUSTOMERS  ? customer_row(im)
                 : im->kind == OWED_IMPORT_INVOICES ? invoice_row(im)
                                                    : payment_row(im);
        if (rc) return rc;
    }
    if (im->row_bad) {
        im->res->rejected++;
        write_reject(im);
    }
    return OWED_OK;
}

/* Reads every record; returns a store/io failure, or OWED_OK once the file is consumed. */
static int run(struct importer *im, struct owed_csv *csv, long long size)
{
    bool eof = false;
    int rc = owed_csv_next(csv, &im->row, &eof, im->err);
    if (rc == OWED_OK && eof) {
        report(im, 1, "header", "file is empty (a header row is required)");
        im->res->bad_header = true;
        return OWED_E_REJECTED;
    }
    if (rc) goto csv_error;
    if (!read_header(im)) { /* no row can be read without it */
        im->res->bad_header = true;
        return OWED_E_REJECTED;
    }
    if (im->opts->skip_bad && (rc = open_rejects(im))) return rc;
    for (long n = 0;; n++) {
        rc = owed_csv_next(csv, &im->row, &eof, im->err);
        if (rc) goto csv_error;
        if (eof) break;
        if ((rc = process_row(im))) return rc;
        if (im->opts->on_progress && (n & 0x3fff) == 0)
            im->opts->on_progress(im->opts->progress_ctx, im->row.offset, size);
    }
    if (im->opts->on_progress) im->opts->on_progress(im->opts->progress_ctx, size, size);
    return OWED_OK;

csv_error:;
    /* The reader cannot resynchronise after malformed quoting: reject the file. Its message
     * reads "line N: reason". */
    long line = 0;
    const char *reason = im->err->ptr;
    if (sscanf(reason, "line %ld: ", &line) == 1) reason = strchr(reason, ':') + 2;
    report(im, line, "csv", "%s", reason);
    owed_buf_reset(im->err);
    im->res->rejected++;
    return OWED_E_REJECTED;
}

static void release(struct importer *im)
{
    for (size_t i = 0; i < im->nheader; i++) free(im->header[i]);
    free(im->header);
    free(im->custs);
    owed_strmap_clear(&im->cust_index);
    owed_buf_release(&im->row_errors);
}

/* Imports from an open stream of `size` bytes (0 when unknown); `path` names it in
 * messages (and, with skip_bad, is where rejects go beside). */
static int import_stream(struct owed_store *s, int64_t org, enum owed_import_kind kind,
                         const char *path, FILE *f, long long size,
                         const struct owed_import_opts *opts, struct owed_import_result *res,
                         struct owed_buf *err)
{
    struct importer im;
    memset(&im, 0, sizeof im);
    im.s = s;
    im.org = org;
    im.kind = kind;
    im.path = path;
    im.opts = opts;
    im.res = res;
    im.err = err;
    owed_buf_init(&im.row_errors, 0);
    owed_events_init(&im.ev, s, org, 0);
    im.cols = kind == OWED_IMPORT_CUSTOMERS  ? customer_cols
              : kind == OWED_IMPORT_INVOICES ? invoice_cols
                                             : payment_cols;
    im.ncols = kind == OWED_IMPORT_CUSTOMERS ? CU_N : kind == OWED_IMPORT_INVOICES ? IN_N : PA_N;
    struct owed_csv *csv = owed_csv_new_file(f);

    int rc = s->ops->begin(s, err);
    if (rc == OWED_OK) rc = s->ops->customers_each(s, org, load_customer, &im, err);
    if (rc == OWED_OK) rc = run(&im, csv, size);
    bool rejected = rc == OWED_E_REJECTED || (rc == OWED_OK && res->rejected && !opts->skip_bad);
    if (rc == OWED_OK && !rejected) rc = s->ops->commit(s, err);
    if (rc != OWED_OK || rejected) s->ops->rollback(s);
    int rrc = close_rejects(&im, rc == OWED_OK && !rejected && res->rejected > 0);
    if (rc == OWED_OK) rc = rrc;
    if (rc == OWED_OK && rejected) rc = OWED_E_REJECTED;
    owed_csv_free(csv);
    owed_events_release(&im.ev);
    release(&im);
    return rc;
}

int owed_import_file(struct owed_store *s, int64_t org, enum owed_import_kind kind,
                     const char *path, const struct owed_import_opts *opts,
                     struct owed_import_result *res, struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    FILE *f = fopen(path, "rb");
    if (!f) {
        owed_buf_addf(err, "%s: %s", path, strerror(errno));
        return OWED_E_IO;
    }
    struct stat st;
    long long size = fstat(fileno(f), &st) == 0 ? (long long)st.st_size : 0;
    int rc = import_stream(s, org, kind, path, f, size, opts, res, err);
    fclose(f);
    return rc;
}

int owed_import_mem(struct owed_store *s, int64_t org, enum owed_import_kind kind,
                    const char *name, const char *data, size_t len,
                    const struct owed_import_opts *opts, struct owed_import_result *res,
                    struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    if (opts->skip_bad) {
        owed_buf_adds(err, "skip_bad needs a file to write the rejects beside");
        return OWED_E_INVALID;
    }
    if (len == 0) {
        owed_buf_addf(err, "%s: empty: a CSV file needs a header row", name);
        res->bad_header = true;
        return OWED_E_REJECTED;
    }
    FILE *f = fmemopen((void *)data, len, "rb");
    if (!f) {
        owed_buf_addf(err, "%s: %s", name, strerror(errno));
        return OWED_E_IO;
    }
    int rc = import_stream(s, org, kind, name, f, (long long)len, opts, res, err);
    fclose(f);
    return rc;
}

enum owed_import_kind owed_import_kind_parse(const char *s)
{
    if (strcmp(s, "customers") == 0) return OWED_IMPORT_CUSTOMERS;
    if (strcmp(s, "invoices") == 0) return OWED_IMPORT_INVOICES;
    if (strcmp(s, "payments") == 0) return OWED_IMPORT_PAYMENTS;
    return 0;
}

const char *owed_import_kind_name(enum owed_import_kind k)
{
    switch (k) {
    case OWED_IMPORT_CUSTOMERS:
        return "customers";
    case OWED_IMPORT_INVOICES:
        return "invoices";
    case OWED_IMPORT_PAYMENTS:
        return "payments";
    }
    return "?";
}
