/* `owed import movements FILE`: the cash commands from CSV, one row each, the whole file
 * in one transaction. Columns (header names; only those an action needs must be filled):
 *
 *   action, ref, customer_ref, invoice_number, amount, currency, date, method, channel,
 *   reference, rule, reason, fee
 *
 * action is pay | apply | unapply | credit-note | write-off | reverse | refund, with the
 * same meaning and checks as the commands (docs/cash.md). invoice_number may list several
 * invoices separated by spaces (pay, apply); date blank = today.
 *
 * All or nothing: any refused row rejects the file (every problem listed as FILE:LINE:
 * action: reason) and the database is unchanged. Each row claims an idempotency key made of
 * its content, so importing the same file again, or a file that repeats rows, changes
 * nothing for those rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/cash_int.h"
#include "app/events.h"
#include "base.h"
#include "io/csv.h"

enum col {
    C_ACTION, C_REF, C_CUSTOMER, C_INVOICE, C_AMOUNT, C_CURRENCY, C_DATE, C_METHOD,
    C_CHANNEL, C_REFERENCE, C_RULE, C_REASON, C_FEE, C_COUNT
};
static const char *const col_names[C_COUNT] = {
    "action", "ref", "customer_ref", "invoice_number", "amount", "currency", "date",
    "method", "channel", "reference", "rule", "reason", "fee",
};

#define MAX_TARGETS 64

struct row {
    char *v[C_COUNT]; /* NUL-terminated copies; "" when absent */
    long line;
};

struct mover {
    struct owed_store *s;
    int64_t org;
    owed_date today;
    const char *path;
    struct owed_buf *out, *err;
    const struct owed_import_opts *opts;
    long rows, done, unchanged, rejected;
    struct owed_events *ev; /* the file's webhook events: subscribers loaded once */
};

static void problem(struct mover *m, const struct row *r, const char *fmt, ...) OWED_PRINTF(3, 4);
static void problem(struct mover *m, const struct row *r, const char *fmt, ...)
{
    struct owed_buf msg = OWED_BUF_INIT(0);
    owed_buf_addf(&msg, "%s:%ld: %s: ", m->path, r->line, r->v[C_ACTION][0] ? r->v[C_ACTION] : "action");
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    if (m->opts && m->opts->on_error) m->opts->on_error(m->opts->error_ctx, msg.ptr);
    m->rejected++;
    owed_buf_release(&msg);
}

/* Splits "INV-1 INV-2" in place into targets. */
static size_t split_targets(char *s, struct owed_apply_target *t, const char *amount)
{
    size_t n = 0;
    for (char *w = s; *w && n < MAX_TARGETS;) {
        while (*w == ' ') w++;
        if (!*w) break;
        char *sp = strchr(w, ' ');
        if (sp) *sp = '\0';
        t[n].invoice_number = w;
        t[n].amount = NULL;
        n++;
        if (!sp) break;
        w = sp + 1;
    }
    if (n == 1) t[0].amount = amount; /* an amount names what goes to a single invoice */
    return n;
}

static int run_row(struct mover *m, struct row *r, bool *unknown)
{
    char **v = r->v;
    const char *a = v[C_ACTION];
    owed_date date = m->today;
    if (v[C_DATE][0] && owed_date_parse(v[C_DATE], strlen(v[C_DATE]), &date) != OWED_OK) {
        owed_buf_addf(m->err, "date: '%s' is not a date (YYYY-MM-DD)", v[C_DATE]);
        return OWED_E_INVALID;
    }
    struct owed_apply_target targets[MAX_TARGETS];
    *unknown = false;
    if (!strcmp(a, "pay")) {
        struct owed_pay_req q = {
            .ref = v[C_REF], .customer_ref = v[C_CUSTOMER], .date = date, .amount = v[C_AMOUNT],
            .currency = v[C_CURRENCY], .method = v[C_METHOD], .channel = v[C_CHANNEL],
            .reference = v[C_REFERENCE], .targets = targets};
        if (v[C_INVOICE][0]) {
            q.ntargets = split_targets(v[C_INVOICE], targets, NULL);
            q.rule = OWED_APPLY_LIST;
        } else if (v[C_RULE][0] && owed_apply_rule_parse(v[C_RULE], &q.rule)) {
            owed_buf_addf(m->err, "rule: '%s' is not a rule (oldest, exact, none)", v[C_RULE]);
            return OWED_E_INVALID;
        }
        return owed__cash_pay_ev(m->s, m->org, &q, m->ev, m->out, m->err);
    }
    if (!strcmp(a, "apply")) {
        enum owed_apply_rule rule = OWED_APPLY_LIST;
        size_t n = 0;
        if (v[C_INVOICE][0]) n = split_targets(v[C_INVOICE], targets, v[C_AMOUNT]);
        else if (owed_apply_rule_parse(v[C_RULE], &rule) || rule == OWED_APPLY_NONE) {
            owed_buf_adds(m->err, "needs invoice_number or a rule (oldest, exact)");
            return OWED_E_INVALID;
        }
        return owed__cash_apply_ev(m->s, m->org, v[C_REF], rule, targets, n, m->ev, m->out,
                                   m->err);
    }
    if (!strcmp(a, "unapply"))
        return owed__cash_unapply_in(m->s, m->org, v[C_REF], v[C_INVOICE], date, m->out, m->err);
    if (!strcmp(a, "credit-note"))
        return owed__cash_credit_note_in(m->s, m->org, v[C_REF],
                                         v[C_CUSTOMER][0] ? v[C_CUSTOMER] : NULL,
                                         v[C_INVOICE][0] ? v[C_INVOICE] : NULL, v[C_AMOUNT],
                                         date, v[C_REASON], m->out, m->err);
    if (!strcmp(a, "write-off"))
        return owed__cash_write_off_in(m->s, m->org, v[C_INVOICE], v[C_AMOUNT], date,
                                       v[C_REASON], v[C_REF][0] ? v[C_REF] : NULL, m->out,
                                       m->err);
    if (!strcmp(a, "reverse"))
        return owed__cash_reverse_in(m->s, m->org, v[C_REF], date, v[C_REASON], v[C_FEE],
                                     m->out, m->err);
    if (!strcmp(a, "refund"))
        return owed__cash_refund_in(m->s, m->org, v[C_REF], v[C_AMOUNT], date, v[C_REASON],
                                    m->out, m->err);
    *unknown = true;
    owed_buf_addf(m->err, "'%s' is not an action (pay, apply, unapply, credit-note, write-off, "
                          "reverse, refund)", a);
    return OWED_E_INVALID;
}

/* The row's idempotency key: the import kind and every cell, NUL-separated in text form. */
static void row_key(const struct row *r, owed_date today, struct owed_buf *k)
{
    owed_buf_adds(k, "movements");
    for (int i = 0; i < C_COUNT; i++) {
        owed_buf_addc(k, '|');
        if (i == C_DATE && !r->v[i][0]) owed_date_add_to_buf(k, today);
        else owed_buf_adds(k, r->v[i]);
    }
}

static int fill_row(struct mover *m, const struct owed_csv_row *cr, const int *map,
                    struct row *r)
{
    r->line = cr->line;
    for (int i = 0; i < C_COUNT; i++) {
        const struct owed_str *f =
            map[i] >= 0 && (size_t)map[i] < cr->nfields ? &cr->fields[map[i]] : NULL;
        size_t n = f ? f->len : 0;
        free(r->v[i]);
        r->v[i] = owed_xmalloc(n + 1);
        if (n) memcpy(r->v[i], f->ptr, n);
        r->v[i][n] = '\0';
    }
    (void)m;
    return OWED_OK;
}

int owed_import_movements(struct owed_store *s, int64_t org, const char *path, owed_date today,
                          const struct owed_import_opts *opts, struct owed_import_result *res,
                          struct owed_buf *out, struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    FILE *f = fopen(path, "rb");
    if (!f) {
        owed_buf_addf(err, "%s: cannot open", path);
        return OWED_E_IO;
    }
    struct owed_buf rowout = OWED_BUF_INIT(0); /* one row's messages */
    struct owed_events ev;
    owed_events_init(&ev, s, org, 0);
    struct mover m = {s, org, today, path, &rowout, err, opts, 0, 0, 0, 0, &ev};
    struct owed_csv *csv = owed_csv_new_file(f);
    struct owed_csv_row *cr = owed_xmalloc(sizeof *cr);
    struct row r = {0};
    int map[C_COUNT];
    for (int i = 0; i < C_COUNT; i++) map[i] = -1;
    bool eof = false, header = true;
    int rc = s->ops->begin(s, err);
    struct owed_buf key = OWED_BUF_INIT(0);
    while (!rc && (rc = owed_csv_next(csv, cr, &eof, err)) == OWED_OK && !eof) {
        if (header) {
            header = false;
            for (size_t i = 0; i < cr->nfields; i++)
                for (int k = 0; k < C_COUNT; k++)
                    if (cr->fields[i].len == strlen(col_names[k]) &&
                        !memcmp(cr->fields[i].ptr, col_names[k], cr->fields[i].len))
                        map[k] = (int)i;
            if (map[C_ACTION] < 0) {
                res->bad_header = true;
                struct row h = {.line = cr->line};
                h.v[C_ACTION] = "header";
                problem(&m, &h, "no action column (action, ref, customer_ref, invoice_number, "
                                "amount, currency, date, method, channel, reference, rule, "
                                "reason, fee)");
                break;
            }
            continue;
        }
        fill_row(&m, cr, map, &r);
        m.rows++;
        owed_buf_reset(&key);
        row_key(&r, today, &key);
        int k = s->ops->idem_claim(s, org, key.ptr, err);
        if (k == OWED_E_EXISTS) {
            m.unchanged++;
            continue;
        }
        if (k) {
            rc = k;
            break;
        }
        owed_buf_reset(&rowout);
        bool unknown;
        int x = run_row(&m, &r, &unknown);
        if (x == OWED_E_STORE || x == OWED_E_IO) {
            rc = x;
            break;
        }
        if (x) {
            problem(&m, &r, "%s", err->len ? err->ptr : "refused");
            owed_buf_reset(err);
            continue;
        }
        m.done++;
        /* Each line of the row's output, prefixed with its line number. */
        for (char *p = rowout.ptr; rowout.len && *p;) {
            char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            owed_buf_addf(out, "%ld: %.*s\n", r.line, (int)n, p);
            if (!nl) break;
            p = nl + 1;
        }
    }
    if (rc == OWED_E_PARSE) {
        struct owed_buf msg = OWED_BUF_INIT(0);
        owed_buf_addf(&msg, "%s: %s", path, err->ptr);
        owed_buf_reset(err);
        owed_buf_add(err, msg.ptr, msg.len);
        owed_buf_release(&msg);
    }
    if (!rc && (m.rejected || res->bad_header)) rc = OWED_E_REJECTED;
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        owed_buf_reset(out);
    }
    res->rows = m.rows;
    res->inserted = rc ? 0 : m.done;
    res->unchanged = m.unchanged;
    res->rejected = m.rejected;
    for (int i = 0; i < C_COUNT; i++) free(r.v[i]);
    owed_buf_release(&rowout);
    owed_buf_release(&key);
    owed_events_release(&ev);
    free(cr);
    owed_csv_free(csv);
    fclose(f);
    return rc;
}
