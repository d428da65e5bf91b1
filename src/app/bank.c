/* Bank statements: import (parse, store with idempotency keys, match, post), the review
 * queue (confirm, reject), listings and the match report. One transaction per import and
 * per decision; the parse happens before it, so a malformed file changes nothing. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/events.h"
#include "app/bank.h"
#include "app/cash_int.h"
#include "app/files.h"
#include "app/render.h"
#include "base.h"
#include "core/match.h"
#include "core/settle.h"
#include "core/terms.h"
#include "io/bank.h"
#include "owed/money.h"
#include "strmap.h"

/* ---- reading a file and choosing a CSV mapping ---- */

/* A mapping parsed from its JSON; strings point into `doc`. */
struct saved_map {
    json_t *doc;
    struct owed_bank_csv_map map;
};

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && s[0] ? s : NULL;
}

static int map_from_json(const char *json, struct saved_map *out, struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    out->doc = json_loads(json, 0, &je);
    if (!out->doc || !json_is_object(out->doc)) {
        owed_buf_addf(err, "mapping: line %d: %s", je.line, out->doc ? "not an object" : je.text);
        json_decref(out->doc);
        out->doc = NULL;
        return OWED_E_PARSE;
    }
    struct owed_bank_csv_map *m = &out->map;
    json_t *o = out->doc;
    m->account = jstr(o, "account");
    m->statement_id = jstr(o, "statement_id");
    m->entry_ref = jstr(o, "entry_ref");
    m->booking_date = jstr(o, "booking_date");
    m->value_date = jstr(o, "value_date");
    m->amount = jstr(o, "amount");
    m->credit = jstr(o, "credit");
    m->debit = jstr(o, "debit");
    m->currency = jstr(o, "currency");
    m->remittance = jstr(o, "remittance");
    m->end_to_end = jstr(o, "end_to_end");
    m->counterparty_name = jstr(o, "counterparty_name");
    m->counterparty_account = jstr(o, "counterparty_account");
    m->date_format = jstr(o, "date_format");
    m->decimal_comma = json_is_true(json_object_get(o, "decimal_comma"));
    const char *d = jstr(o, "delimiter");
    m->delimiter = d ? d[0] : 0;
    m->default_currency = jstr(o, "default_currency");
    m->default_account = jstr(o, "default_account");
    if (!m->booking_date && !m->value_date) {
        owed_buf_adds(err, "mapping: needs a booking_date or value_date column");
        return OWED_E_PARSE;
    }
    if (!m->amount && !m->credit && !m->debit) {
        owed_buf_adds(err, "mapping: needs an amount column (or credit/debit columns)");
        return OWED_E_PARSE;
    }
    if (!m->currency && !m->default_currency) {
        owed_buf_adds(err, "mapping: needs a currency column or a default_currency");
        return OWED_E_PARSE;
    }
    return OWED_OK;
}

/* True when every column the mapping names appears in the first line. */
static bool header_fits(const char *data, size_t len, const struct owed_bank_csv_map *m)
{
    const char *nl = memchr(data, '\n', len);
    size_t n = nl ? (size_t)(nl - data) : len;
    const char *cols[] = {m->account,    m->statement_id,      m->entry_ref,
                          m->booking_date, m->value_date,      m->amount,
                          m->credit,     m->debit,             m->currency,
                          m->remittance, m->end_to_end,        m->counterparty_name,
                          m->counterparty_account};
    for (size_t i = 0; i < OWED_ARRAY_LEN(cols); i++)
        if (cols[i] && !memmem(data, n, cols[i], strlen(cols[i]))) return false;
    return true;
}

struct map_pick {
    const char *data;
    size_t len;
    const char *want; /* a name, or NULL to pick by header */
    struct saved_map *out;
    bool found;
    struct owed_buf *err;
    int rc;
};

static int on_map(void *ctx, const char *name, const char *json)
{
    struct map_pick *p = ctx;
    if (p->found || (p->want && strcmp(p->want, name) != 0)) return OWED_OK;
    struct saved_map m;
    struct owed_buf e = OWED_BUF_INIT(0);
    int rc = map_from_json(json, &m, &e);
    owed_buf_release(&e);
    if (rc) {
        json_decref(m.doc);
        return OWED_OK;
    }
    if (p->want || header_fits(p->data, p->len, &m.map)) {
        *p->out = m;
        p->found = true;
        return OWED_OK;
    }
    json_decref(m.doc);
    return OWED_OK;
}

/* The mapping for a CSV file: the named one, owed's own format, or the first saved
 * mapping whose columns are all in the header. */
static int choose_map(struct owed_store *s, int64_t org, const char *data, size_t len,
                      const char *name, struct saved_map *out, const struct owed_bank_csv_map **map,
                      struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    *map = NULL;
    if (!name && header_fits(data, len, &owed_bank_csv_owed_map)) return OWED_OK;
    struct map_pick p = {data, len, name, out, false, err, OWED_OK};
    int rc = s->ops->csv_maps_each(s, org, on_map, &p, err);
    if (rc) return rc;
    if (!p.found) {
        if (name) owed_buf_addf(err, "no saved CSV mapping '%s' (owed bank mapping save)", name);
        else
            owed_buf_adds(err, "1: the CSV header matches neither owed's bank CSV nor a saved "
                               "mapping (owed bank mapping save NAME FILE)");
        return name ? OWED_E_NOT_FOUND : OWED_E_PARSE;
    }
    *map = &out->map;
    return OWED_OK;
}

int owed_bank_mapping_save(struct owed_store *s, int64_t org, const char *name,
                           const char *path, struct owed_buf *err)
{
    struct owed_buf data = OWED_BUF_INIT(1 << 20);
    int rc = owed__read_file(path, &data, err);
    struct saved_map m = {0};
    if (!rc) rc = map_from_json(data.ptr, &m, err);
    json_decref(m.doc);
    if (!rc) rc = s->ops->begin(s, err);
    if (!rc) {
        rc = s->ops->csv_map_save(s, org, name, data.ptr, err);
        if (!rc) rc = s->ops->commit(s, err);
        if (rc) s->ops->rollback(s);
    }
    owed_buf_release(&data);
    return rc;
}

int owed_bank_read(struct owed_store *s, int64_t org, const char *path, const char *mapping,
                   struct owed_bank_file *file, struct owed_buf *err)
{
    struct owed_buf data = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed__read_file(path, &data, err);
    struct saved_map m = {0};
    const struct owed_bank_csv_map *map = NULL;
    owed_bank_file_init(file);
    if (!rc && (mapping || owed_bank_detect(data.ptr, data.len) == OWED_BANK_CSV)) {
        if (s) rc = choose_map(s, org, data.ptr, data.len, mapping, &m, &map, err);
        if (rc == OWED_E_PARSE) {
            struct owed_buf msg = OWED_BUF_INIT(0);
            owed_buf_addf(&msg, "%s:%s", path, err->ptr);
            owed_buf_reset(err);
            owed_buf_add(err, msg.ptr, msg.len);
            owed_buf_release(&msg);
        }
    }
    if (!rc) {
        struct owed_buf perr = OWED_BUF_INIT(0);
        rc = owed_bank_parse(data.ptr, data.len, map, file, &perr);
        if (rc) owed_buf_addf(err, "%s:%s", path, perr.ptr);
        owed_buf_release(&perr);
    }
    json_decref(m.doc);
    owed_buf_release(&data);
    if (rc) owed_bank_file_free(file);
    return rc;
}

/* ---- the matcher's view of the org ---- */

struct book_view {
    struct owed_match_invoice *inv;
    size_t ninv, cap_inv;
    struct owed_match_customer *cust;
    size_t ncust, cap_cust;
    struct owed_match_payer *payers;
    size_t npayers, cap_payers;
    char **blocks; /* the strings the arrays point into, packed in blocks that never move */
    size_t nblocks, cap_blocks, block_used;
    int64_t *alloc_by_invoice; /* by invoice id */
    size_t alloc_len;
    /* Ids are dense (MAX + 1 per table): index + 1 by id, 0 = none. */
    uint32_t *cust_by_id, *inv_by_id;
    size_t cust_by_id_len, inv_by_id_len;
    /* The last terms text seen and its discount: invoices share a handful of terms. */
    char last_terms[OWED_TERMS_TEXT_MAX + 1];
    bool last_has_discount;
    struct owed_terms last_parsed;
    struct owed_match_index *ix;
};

#define BLOCK_SIZE ((size_t)1 << 20)

/* A copy of s for the lifetime of the view: a million invoice numbers are a million small
 * strings, so they are packed into 1 MiB blocks instead of one malloc each. */
static const char *keep(struct book_view *v, const char *s)
{
    size_t n = strlen(s) + 1;
    OWED_ASSERT(n <= BLOCK_SIZE);
    if (v->nblocks == 0 || v->block_used + n > BLOCK_SIZE) {
        OWED_ALLOC_GROW(v->blocks, v->nblocks + 1, v->cap_blocks);
        v->blocks[v->nblocks++] = owed_xmalloc(BLOCK_SIZE);
        v->block_used = 0;
    }
    char *p = v->blocks[v->nblocks - 1] + v->block_used;
    memcpy(p, s, n);
    v->block_used += n;
    return p;
}

/* Records index + 1 of id in a dense table, growing it. */
static void index_put(uint32_t **tab, size_t *len, int64_t id, size_t index)
{
    OWED_ASSERT(id > 0 && index < UINT32_MAX);
    if ((size_t)id >= *len) {
        size_t n = *len ? *len : 1024;
        while (n <= (size_t)id) n *= 2;
        *tab = owed_xrealloc(*tab, n * sizeof **tab);
        memset(*tab + *len, 0, (n - *len) * sizeof **tab);
        *len = n;
    }
    (*tab)[id] = (uint32_t)index + 1;
}

static long index_get(const uint32_t *tab, size_t len, int64_t id)
{
    return id > 0 && (size_t)id < len && tab[id] ? (long)tab[id] - 1 : -1;
}

static int on_view_customer(void *ctx, const struct owed_customer *c)
{
    struct book_view *v = ctx;
    OWED_ALLOC_GROW(v->cust, v->ncust + 1, v->cap_cust);
    v->cust[v->ncust] = (struct owed_match_customer){c->id, keep(v, c->ref), keep(v, c->name)};
    index_put(&v->cust_by_id, &v->cust_by_id_len, c->id, v->ncust);
    v->ncust++;
    return OWED_OK;
}

static int on_view_alloc(void *ctx, const struct owed_allocation *a)
{
    struct book_view *v = ctx;
    if ((size_t)a->invoice_id >= v->alloc_len) {
        size_t n = v->alloc_len ? v->alloc_len : 1024;
        while (n <= (size_t)a->invoice_id) n *= 2;
        v->alloc_by_invoice = owed_xrealloc(v->alloc_by_invoice, n * sizeof *v->alloc_by_invoice);
        memset(v->alloc_by_invoice + v->alloc_len, 0, (n - v->alloc_len) * sizeof(int64_t));
        v->alloc_len = n;
    }
    v->alloc_by_invoice[a->invoice_id] += a->amount_minor;
    return OWED_OK;
}

static int on_view_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct book_view *v = ctx;
    int64_t alloc = (size_t)inv->id < v->alloc_len ? v->alloc_by_invoice[inv->id] : 0;
    int64_t open = inv->amount_minor - alloc;
    if (open <= 0) return OWED_OK;
    OWED_ALLOC_GROW(v->inv, v->ninv + 1, v->cap_inv);
    struct owed_match_invoice *m = &v->inv[v->ninv];
    memset(m, 0, sizeof *m);
    m->invoice_id = inv->id;
    m->customer_id = inv->customer_id;
    m->number = keep(v, inv->number);
    memcpy(m->currency, inv->currency, 4);
    m->issue_date = inv->issue_date;
    m->due_date = inv->due_date;
    m->open_minor = open;
    if (strcmp(inv->terms, v->last_terms) != 0) {
        memcpy(v->last_terms, inv->terms, sizeof v->last_terms);
        v->last_has_discount =
            inv->terms[0] &&
            owed_terms_parse(inv->terms, strlen(inv->terms), &v->last_parsed, NULL) == OWED_OK &&
            v->last_parsed.kind == OWED_TERMS_DISCOUNT;
    }
    owed_date last;
    int bp;
    if (open == inv->amount_minor && v->last_has_discount &&
        owed_terms_discount_window(&v->last_parsed, inv->issue_date, &last, &bp)) {
        m->discount_until = last;
        m->discount_minor =
            owed_discount_for(&v->last_parsed, inv->issue_date, inv->amount_minor, last);
    }
    index_put(&v->inv_by_id, &v->inv_by_id_len, inv->id, v->ninv);
    v->ninv++;
    return OWED_OK;
}

static int on_view_payer(void *ctx, const char *key, int64_t customer_id)
{
    struct book_view *v = ctx;
    OWED_ALLOC_GROW(v->payers, v->npayers + 1, v->cap_payers);
    v->payers[v->npayers++] = (struct owed_match_payer){keep(v, key), customer_id};
    return OWED_OK;
}

static void view_release(struct book_view *v)
{
    if (v->ix) owed_match_index_free(v->ix);
    for (size_t i = 0; i < v->nblocks; i++) free(v->blocks[i]);
    free(v->blocks);
    free(v->inv);
    free(v->cust);
    free(v->payers);
    free(v->alloc_by_invoice);
    free(v->cust_by_id);
    free(v->inv_by_id);
    memset(v, 0, sizeof *v);
}

static int view_load(struct owed_store *s, int64_t org, struct book_view *v, struct owed_buf *err)
{
    memset(v, 0, sizeof *v);
    struct owed_list_filter all = {.with_text = true};
    int rc = s->ops->customers_each(s, org, on_view_customer, v, err);
    if (!rc) rc = s->ops->allocations_each(s, org, &all, on_view_alloc, v, err);
    if (!rc) rc = s->ops->invoices_each(s, org, &all, on_view_invoice, v, err);
    if (!rc) rc = s->ops->payers_each(s, org, on_view_payer, v, err);
    free(v->alloc_by_invoice);
    v->alloc_by_invoice = NULL;
    v->alloc_len = 0;
    if (!rc) {
        v->ix = owed_match_index_new(v->inv, v->ninv, v->cust, v->ncust, v->payers, v->npayers);
        if (!v->ix) {
            owed_buf_adds(err, "cannot index the open invoices");
            rc = OWED_E_INVARIANT;
        }
    }
    return rc;
}

static const struct owed_match_customer *view_customer(const struct book_view *v, int64_t id)
{
    long idx = index_get(v->cust_by_id, v->cust_by_id_len, id);
    return idx >= 0 ? &v->cust[idx] : NULL;
}

static const char *view_number(const struct book_view *v, int64_t invoice_id)
{
    long idx = index_get(v->inv_by_id, v->inv_by_id_len, invoice_id);
    return idx >= 0 ? v->inv[idx].number : "?";
}

/* ---- suggestions as stored with a review entry ---- */

static void put_json_amount(struct owed_buf *b, int64_t minor, int exp)
{
    owed_buf_addc(b, '"');
    owed_amount_format(b, minor, exp, false);
    owed_buf_addc(b, '"');
}

/* The top three candidates as stored with an entry (read back by bank_queue.c):
 * [{"customer_ref":..,"score":..,"invoices":[{"invoice_number":..,"apply":"1.00",
 *   "discount":..,"write_off":..}],"reasons":["number_exact",..]}] */
static void suggestions_json(const struct book_view *v, const struct owed_match_candidate *c,
                             size_t n, const char *currency, char *out, size_t cap)
{
    int exp = owed_currency_exponent(currency);
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_addc(&b, '[');
    for (size_t i = 0; i < n && i < 3; i++) {
        size_t start = b.len;
        const struct owed_match_customer *cu = view_customer(v, c[i].customer_id);
        owed_buf_adds(&b, i ? ",{\"customer_ref\":" : "{\"customer_ref\":");
        owed__put_json_string(&b, cu ? cu->ref : "?");
        owed_buf_addf(&b, ",\"score\":%d,\"invoices\":[", c[i].score);
        for (size_t k = 0; k < c[i].nlines; k++) {
            const struct owed_match_line *l = &c[i].lines[k];
            owed_buf_adds(&b, k ? ",{\"invoice_number\":" : "{\"invoice_number\":");
            owed__put_json_string(&b, view_number(v, l->invoice_id));
            owed_buf_adds(&b, ",\"apply\":");
            put_json_amount(&b, l->apply_minor, exp);
            if (l->discount_minor) {
                owed_buf_adds(&b, ",\"discount\":");
                put_json_amount(&b, l->discount_minor, exp);
            }
            if (l->writeoff_minor) {
                owed_buf_adds(&b, ",\"write_off\":");
                put_json_amount(&b, l->writeoff_minor, exp);
            }
            owed_buf_addc(&b, '}');
        }
        owed_buf_adds(&b, "],\"reasons\":[");
        bool first = true;
        for (unsigned bit = 1; bit && bit <= OWED_MATCH_PARTIAL; bit <<= 1) {
            if (!(c[i].reasons & bit)) continue;
            if (!first) owed_buf_addc(&b, ',');
            first = false;
            owed__put_json_string(&b, owed_match_reason_name((enum owed_match_reason)bit));
        }
        owed_buf_adds(&b, "]}");
        /* Fewer suggestions rather than a cut JSON document. */
        if (b.len + 1 >= cap) {
            b.len = start;
            break;
        }
    }
    owed_buf_addc(&b, ']');
    snprintf(out, cap, "%s", owed_buf_err(&b) || b.len >= cap ? "[]" : b.ptr);
    owed_buf_release(&b);
}

/* ---- import ---- */

/* Copies at most cap - 1 bytes (texts from files are cut to the record's field). */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

struct importer {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *err;
    struct owed_buf log; /* messages of cash steps: discarded, counts are reported */
    struct owed_bank_import_result *res;
    struct book_view view;
    bool view_loaded;
    struct owed_match_opts mopts;
    struct owed_tolerance tol;
    char tol_text[32];
    struct owed_events ev; /* payment.received and .applied for what matched */
};

/* The payment for a bank credit: ref BANK-<entry id>. */
static void entry_payment(const struct owed_entry_rec *e, int64_t customer_id,
                          struct owed_payment *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->ref, sizeof p->ref, "BANK-%lld", (long long)e->id);
    p->customer_id = customer_id;
    p->received_date = e->value_date != INT32_MIN ? e->value_date : e->booking_date;
    p->amount_minor = e->amount_minor;
    memcpy(p->currency, e->currency, 4);
    p->kind = OWED_PAYMENT_CASH;
    copy_text(p->method, sizeof p->method, "wire");
    copy_text(p->channel, sizeof p->channel, "bank");
    copy_text(p->reference, sizeof p->reference, e->remittance[0] ? e->remittance : e->end_to_end);
    copy_text(p->payer_name, sizeof p->payer_name, e->counterparty_name);
    copy_text(p->payer_account, sizeof p->payer_account, e->counterparty_account);
}

static void match_entry_of(const struct owed_entry_rec *e, struct owed_match_entry *m)
{
    memset(m, 0, sizeof *m);
    m->amount_minor = e->amount_minor;
    memcpy(m->currency, e->currency, 4);
    m->date = e->value_date != INT32_MIN ? e->value_date : e->booking_date;
    m->remittance = e->remittance;
    m->end_to_end = e->end_to_end;
    m->counterparty_name = e->counterparty_name;
    m->counterparty_account = e->counterparty_account;
}

static int match_one(struct importer *im, struct owed_entry_rec *e)
{
    struct owed_match_entry me;
    match_entry_of(e, &me);
    struct owed_tolerance tol = {0, 0};
    owed_tolerance_parse(im->tol_text, owed_currency_exponent(e->currency), &tol);
    im->mopts.tolerance_abs_minor = tol.abs_minor;
    im->mopts.tolerance_ppm = tol.ppm;
    struct owed_match_candidate cand[5];
    size_t n = 0;
    owed_match_find(im->view.ix, &me, &im->mopts, cand, OWED_ARRAY_LEN(cand), &n);
    if (n > 0 && owed_match_is_auto(cand, n, &me, &im->mopts)) {
        struct owed_payment p;
        entry_payment(e, cand[0].customer_id, &p);
        int rc = owed__cash_record(im->s, im->org, &p, &im->log, im->err);
        for (size_t k = 0; !rc && k < cand[0].nlines; k++) {
            const struct owed_match_line *l = &cand[0].lines[k];
            rc = owed__cash_apply_line(im->s, im->org, &p, l->invoice_id, l->apply_minor,
                                       l->discount_minor, l->writeoff_minor, &im->log, im->err);
            if (!rc)
                owed_match_consume(im->view.ix, l->invoice_id,
                                   l->apply_minor + l->discount_minor + l->writeoff_minor);
        }
        if (!rc) rc = owed__event_payment(&im->ev, "payment.received", p.ref, im->err);
        if (!rc && cand[0].nlines)
            rc = owed__event_payment(&im->ev, "payment.applied", p.ref, im->err);
        if (rc) return rc;
        e->status = OWED_ENTRY_MATCHED;
        e->customer_id = cand[0].customer_id;
        e->payment_id = p.id;
        e->score = cand[0].score;
        suggestions_json(&im->view, cand, 1, e->currency, e->suggestions, sizeof e->suggestions);
        im->res->matched++;
        owed_buf_reset(&im->log);
        /* Only a person's confirmation teaches payers (owed_bank_confirm): learning from
         * automatic matches would let one coincidence vouch for the next. */
        return OWED_OK;
    }
    e->status = n ? OWED_ENTRY_REVIEW : OWED_ENTRY_UNMATCHED;
    e->customer_id = n ? cand[0].customer_id : 0;
    e->score = n ? cand[0].score : 0;
    suggestions_json(&im->view, cand, n, e->currency, e->suggestions, sizeof e->suggestions);
    if (n) im->res->review++;
    else im->res->unmatched++;
    return OWED_OK;
}

static void stmt_rec_of(const struct owed_bank_file *f, const struct owed_bank_statement *st,
                        const char *path, struct owed_stmt_rec *r)
{
    memset(r, 0, sizeof *r);
    copy_text(r->format, sizeof r->format, owed_bank_format_name(f->format));
    copy_text(r->account, sizeof r->account, st->account);
    copy_text(r->bank_stmt_id, sizeof r->bank_stmt_id, st->statement_id);
    copy_text(r->currency, sizeof r->currency, st->currency);
    r->date = st->date;
    r->has_opening = st->opening.present;
    r->opening_minor = st->opening.amount_minor;
    r->opening_date = st->opening.date;
    r->has_closing = st->closing.present;
    r->closing_minor = st->closing.amount_minor;
    r->closing_date = st->closing.date;
    const char *base = strrchr(path, '/');
    copy_text(r->file_name, sizeof r->file_name, base ? base + 1 : path);
    char d1[11] = "", d2[11] = "";
    if (st->opening.present && st->opening.date != OWED_BANK_NO_DATE)
        owed_date_format(st->opening.date, d1);
    if (st->closing.present && st->closing.date != OWED_BANK_NO_DATE)
        owed_date_format(st->closing.date, d2);
    snprintf(r->key, sizeof r->key, "%s|%.64s|%.64s|%s|%s|%zu", r->format, r->account,
             r->bank_stmt_id, d1, d2, st->nentries);
}

static void entry_rec_of(const struct owed_bank_statement *st, const struct owed_bank_entry *e,
                         int occurrence, int64_t statement_id, struct owed_entry_rec *r)
{
    memset(r, 0, sizeof *r);
    struct owed_buf key = OWED_BUF_INIT(sizeof r->key - 1);
    owed_bank_entry_key(st, e, occurrence, &key);
    copy_text(r->key, sizeof r->key, key.ptr);
    owed_buf_release(&key);
    r->statement_id = statement_id;
    r->booking_date = e->booking_date;
    r->value_date = e->value_date;
    r->amount_minor = e->amount_minor;
    memcpy(r->currency, e->currency[0] ? e->currency : st->currency, 4);
    r->credit = e->credit;
    copy_text(r->entry_ref, sizeof r->entry_ref, e->entry_ref);
    copy_text(r->end_to_end, sizeof r->end_to_end, e->end_to_end);
    copy_text(r->remittance, sizeof r->remittance, e->remittance);
    copy_text(r->counterparty_name, sizeof r->counterparty_name, e->counterparty_name);
    copy_text(r->counterparty_account, sizeof r->counterparty_account, e->counterparty_account);
    copy_text(r->bank_code, sizeof r->bank_code, e->bank_code);
}

/* The n-th identical reference-less entry in a statement gets occurrence n. */
static int occurrence_of(struct owed_strmap *seen, const struct owed_bank_statement *st,
                         const struct owed_bank_entry *e)
{
    if (e->entry_ref[0]) return 1;
    struct owed_buf k = OWED_BUF_INIT(0);
    owed_bank_entry_key(st, e, 0, &k);
    int64_t n = 0;
    owed_strmap_get(seen, k.ptr, k.len, &n);
    owed_strmap_put(seen, k.ptr, k.len, ++n);
    owed_buf_release(&k);
    return (int)n;
}

static int import_statement(struct importer *im, const struct owed_bank_file *f,
                            const struct owed_bank_statement *st, const char *path)
{
    struct owed_stmt_rec sr;
    stmt_rec_of(f, st, path, &sr);
    int rc = im->s->ops->statement_insert(im->s, im->org, &sr, im->err);
    if (rc == OWED_E_EXISTS) rc = OWED_OK; /* the same statement again: entries tell */
    if (rc) return rc;
    im->res->statements++;
    struct owed_strmap seen = {0};
    struct owed_entry_rec *r = owed_xmalloc(sizeof *r);
    for (size_t i = 0; !rc && i < st->nentries; i++) {
        const struct owed_bank_entry *e = &st->entries[i];
        entry_rec_of(st, e, occurrence_of(&seen, st, e), sr.id, r);
        im->res->entries++;
        if (!owed_currency_valid(r->currency)) {
            owed_buf_addf(im->err, "%s:%ld: entry has no known currency", path, e->line);
            rc = OWED_E_PARSE;
            break;
        }
        r->status = r->credit && !e->reversal ? OWED_ENTRY_UNMATCHED : OWED_ENTRY_IGNORED;
        /* Inserted before matching: its id names the payment (BANK-<id>). */
        rc = im->s->ops->entry_insert(im->s, im->org, r, im->err);
        if (rc == OWED_E_EXISTS) {
            im->res->duplicates++;
            rc = OWED_OK;
            continue;
        }
        if (rc) break;
        im->res->inserted++;
        if (r->status == OWED_ENTRY_IGNORED) {
            im->res->ignored++;
            continue;
        }
        /* The open invoices are loaded once, and only when there is something to match. */
        if (!im->view_loaded) {
            im->view_loaded = true;
            if ((rc = view_load(im->s, im->org, &im->view, im->err))) break;
        }
        rc = match_one(im, r);
        if (!rc) rc = im->s->ops->entry_update(im->s, im->org, r, im->err);
    }
    free(r);
    owed_strmap_clear(&seen);
    return rc;
}

int owed_bank_import(struct owed_store *s, int64_t org, const char *path, const char *mapping,
                     struct owed_bank_import_result *res, struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    struct owed_bank_file f;
    int rc = owed_bank_read(s, org, path, mapping, &f, err);
    if (rc) return rc;
    res->format = f.format;
    struct importer im = {.s = s, .org = org, .err = err, .res = res};
    owed_buf_init(&im.log, OWED_BUF_MAX_DEFAULT);
    owed_match_opts_init(&im.mopts);
    owed_events_init(&im.ev, s, org, 0);
    rc = s->ops->begin(s, err);
    if (!rc) rc = owed_tolerance_get(s, org, im.tol_text, sizeof im.tol_text, err);
    for (size_t i = 0; !rc && i < f.nstmts; i++) rc = import_statement(&im, &f, &f.stmts[i], path);
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        memset(res, 0, sizeof *res);
    }
    if (im.view_loaded) view_release(&im.view);
    owed_events_release(&im.ev);
    owed_buf_release(&im.log);
    owed_bank_file_free(&f);
    return rc;
}
