/* Bank entries after import: listings, the review queue, confirm and reject, the match
 * report, and the JSON dump of a parsed file. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bank.h"
#include "app/events.h"
#include "app/cash_int.h"
#include "app/render.h"
#include "base.h"
#include "core/match.h"
#include "io/csv.h"
#include "owed/money.h"
#include "strmap.h"

static const char *const status_names[] = {
    [OWED_ENTRY_MATCHED] = "matched",     [OWED_ENTRY_REVIEW] = "review",
    [OWED_ENTRY_UNMATCHED] = "unmatched", [OWED_ENTRY_IGNORED] = "ignored",
    [OWED_ENTRY_REJECTED] = "rejected",   [OWED_ENTRY_CONFIRMED] = "confirmed",
};

const char *owed_entry_status_name(int status)
{
    return status > 0 && (size_t)status < OWED_ARRAY_LEN(status_names) ? status_names[status]
                                                                        : "unknown";
}

int owed_entry_status_parse(const char *s, int *out)
{
    for (size_t i = 1; i < OWED_ARRAY_LEN(status_names); i++)
        if (!strcmp(s, status_names[i])) {
            *out = (int)i;
            return OWED_OK;
        }
    return OWED_E_PARSE;
}

/* ---- parse dump ---- */

static json_t *date_json(owed_date d)
{
    if (d == OWED_BANK_NO_DATE) return json_null();
    char t[11];
    owed_date_format(d, t);
    return json_string(t);
}

static json_t *balance_json(const struct owed_bank_balance *b, const char *currency)
{
    if (!b->present) return json_null();
    json_t *o = json_object();
    int exp = owed_currency_exponent(currency);
    json_object_set_new(o, "type", json_string(b->type));
    json_object_set_new(o, "amount", owed__json_amount(b->amount_minor, exp < 0 ? 2 : exp));
    json_object_set_new(o, "date", date_json(b->date));
    return o;
}

void owed_bank_file_json(const struct owed_bank_file *f, struct owed_buf *out)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "format", json_string(owed_bank_format_name(f->format)));
    json_object_set_new(doc, "version", json_string(f->version));
    json_t *stmts = json_array();
    for (size_t i = 0; i < f->nstmts; i++) {
        const struct owed_bank_statement *st = &f->stmts[i];
        json_t *s = json_object();
        json_object_set_new(s, "account", json_string(st->account));
        json_object_set_new(s, "statement_id", json_string(st->statement_id));
        json_object_set_new(s, "currency", json_string(st->currency));
        json_object_set_new(s, "date", date_json(st->date));
        json_object_set_new(s, "opening_balance", balance_json(&st->opening, st->currency));
        json_object_set_new(s, "closing_balance", balance_json(&st->closing, st->currency));
        json_t *entries = json_array();
        for (size_t j = 0; j < st->nentries; j++) {
            const struct owed_bank_entry *e = &st->entries[j];
            const char *cur = e->currency[0] ? e->currency : st->currency;
            int exp = owed_currency_exponent(cur);
            json_t *o = json_object();
            json_object_set_new(o, "booking_date", date_json(e->booking_date));
            json_object_set_new(o, "value_date", date_json(e->value_date));
            json_object_set_new(o, "amount", owed__json_amount(e->amount_minor, exp < 0 ? 2 : exp));
            json_object_set_new(o, "currency", json_string(cur));
            json_object_set_new(o, "direction", json_string(e->credit ? "credit" : "debit"));
            if (e->reversal) json_object_set_new(o, "reversal", json_true());
            json_object_set_new(o, "entry_ref", json_string(e->entry_ref));
            json_object_set_new(o, "end_to_end", json_string(e->end_to_end));
            json_object_set_new(o, "remittance", json_string(e->remittance));
            json_object_set_new(o, "counterparty_name", json_string(e->counterparty_name));
            json_object_set_new(o, "counterparty_account", json_string(e->counterparty_account));
            json_object_set_new(o, "bank_code", json_string(e->bank_code));
            json_array_append_new(entries, o);
        }
        json_object_set_new(s, "entries", entries);
        json_array_append_new(stmts, s);
    }
    json_object_set_new(doc, "statements", stmts);
    owed__put_json(out, doc);
}

/* ---- suggestions stored with entries ---- */

/* The customer ref and the space-separated invoice numbers of suggestion k. */
static bool suggestion(const char *json, size_t k, char *customer, size_t ccap, struct owed_buf *invoices,
                       int *score)
{
    json_t *arr = json_loads(json, 0, NULL);
    json_t *s = json_array_get(arr, k);
    bool ok = json_is_object(s);
    if (ok) {
        snprintf(customer, ccap, "%s", json_string_value(json_object_get(s, "customer_ref")) ?: "");
        if (score) *score = (int)json_integer_value(json_object_get(s, "score"));
        json_t *invs = json_object_get(s, "invoices");
        for (size_t i = 0; i < json_array_size(invs); i++) {
            const char *n = json_string_value(json_object_get(json_array_get(invs, i), "invoice_number"));
            if (!n) continue;
            if (invoices->len) owed_buf_addc(invoices, ' ');
            owed_buf_adds(invoices, n);
        }
    }
    json_decref(arr);
    return ok;
}

/* The invoices a posted payment was applied to, space-separated. */
struct applied {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *out, *err;
};

static int on_applied(void *ctx, const struct owed_allocation *a)
{
    struct applied *ap = ctx;
    if (a->amount_minor <= 0) return OWED_OK;
    struct owed_invoice inv;
    int rc = ap->s->ops->invoice_get_id(ap->s, ap->org, a->invoice_id, &inv, ap->err);
    if (rc) return rc;
    if (ap->out->len) owed_buf_addc(ap->out, ' ');
    owed_buf_adds(ap->out, inv.number);
    return OWED_OK;
}

static int applied_invoices(struct owed_store *s, int64_t org, int64_t payment_id,
                            struct owed_buf *out, struct owed_buf *err)
{
    struct applied ap = {s, org, out, err};
    struct owed_list_filter f = {.payment_id = payment_id};
    return s->ops->allocations_each(s, org, &f, on_applied, &ap, err);
}

/* ---- entries CSV ---- */

struct lister {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *out, *err;
    struct owed_strmap refs; /* customer id -> index into names */
    char **names;
    size_t nnames, cap;
};

static const char *customer_ref(struct lister *l, int64_t id)
{
    if (!id) return "";
    int64_t idx;
    if (owed_strmap_get(&l->refs, (const char *)&id, sizeof id, &idx)) return l->names[idx];
    struct owed_customer c;
    if (l->s->ops->customer_get_id(l->s, l->org, id, &c, NULL)) return "?";
    OWED_ALLOC_GROW(l->names, l->nnames + 1, l->cap);
    l->names[l->nnames] = owed_xstrdup(c.ref);
    owed_strmap_put(&l->refs, (const char *)&id, sizeof id, (int64_t)l->nnames);
    return l->names[l->nnames++];
}

static void lister_release(struct lister *l)
{
    for (size_t i = 0; i < l->nnames; i++) free(l->names[i]);
    free(l->names);
    owed_strmap_clear(&l->refs);
}

static int on_entry_csv(void *ctx, const struct owed_entry_rec *e)
{
    struct lister *l = ctx;
    struct owed_buf *o = l->out;
    struct owed_buf invs = OWED_BUF_INIT(0);
    char cust[OWED_REF_MAX + 1] = "";
    int score = e->score;
    int rc = OWED_OK;
    if (e->payment_id) {
        snprintf(cust, sizeof cust, "%s", customer_ref(l, e->customer_id));
        rc = applied_invoices(l->s, l->org, e->payment_id, &invs, l->err);
    } else if (e->status == OWED_ENTRY_REVIEW) {
        suggestion(e->suggestions, 0, cust, sizeof cust, &invs, &score);
    }
    owed_date d = e->value_date != INT32_MIN ? e->value_date : e->booking_date;
    char date[11] = "";
    if (d != INT32_MIN) owed_date_format(d, date);
    owed_buf_addf(o, "%lld,%lld,%s,%s", (long long)e->id, (long long)e->statement_id, date,
                  e->credit ? "" : "-");
    owed_amount_format(o, e->amount_minor, owed_currency_exponent(e->currency), false);
    owed_buf_addf(o, ",%s,%s,", e->currency, owed_entry_status_name((int)e->status));
    owed_csv_put_field(o, cust, strlen(cust));
    owed_buf_addc(o, ',');
    owed_csv_put_field(o, invs.ptr, invs.len);
    owed_buf_addf(o, ",%d\n", score);
    owed_buf_release(&invs);
    return rc;
}

int owed_bank_entries_csv(struct owed_store *s, int64_t org, int status, struct owed_buf *out,
                          struct owed_buf *err)
{
    owed_buf_adds(out, "entry_id,statement_id,value_date,amount,currency,status,customer_ref,"
                       "invoice_numbers,score\n");
    struct lister l = {.s = s, .org = org, .out = out, .err = err};
    int rc = s->ops->read_begin(s, err);
    if (!rc) rc = s->ops->entries_each(s, org, status, on_entry_csv, &l, err);
    s->ops->read_end(s);
    lister_release(&l);
    return rc;
}

/* ---- review ---- */

struct reviewer {
    struct lister l;
    enum owed_format fmt;
    json_t *arr;
    long n;
};

static int on_review(void *ctx, const struct owed_entry_rec *e)
{
    struct reviewer *r = ctx;
    struct owed_buf *o = r->l.out;
    int exp = owed_currency_exponent(e->currency);
    json_t *sug = json_loads(e->suggestions, 0, NULL);
    if (!json_is_array(sug)) {
        json_decref(sug);
        sug = json_array();
    }
    r->n++;
    if (r->fmt == OWED_FORMAT_JSON) {
        json_t *x = json_object();
        json_object_set_new(x, "entry_id", json_integer(e->id));
        json_object_set_new(x, "amount", owed__json_amount(e->amount_minor, exp));
        json_object_set_new(x, "currency", json_string(e->currency));
        owed_date d = e->value_date != INT32_MIN ? e->value_date : e->booking_date;
        json_object_set_new(x, "value_date", date_json(d));
        json_object_set_new(x, "counterparty_name", json_string(e->counterparty_name));
        json_object_set_new(x, "counterparty_account", json_string(e->counterparty_account));
        json_object_set_new(x, "remittance", json_string(e->remittance));
        json_object_set_new(x, "suggestions", sug);
        json_array_append_new(r->arr, x);
        return OWED_OK;
    }
    char date[11] = "";
    owed_date d = e->value_date != INT32_MIN ? e->value_date : e->booking_date;
    if (d != INT32_MIN) owed_date_format(d, date);
    owed_buf_addf(o, "entry %lld  %s  ", (long long)e->id, date);
    owed_amount_format(o, e->amount_minor, exp, true);
    owed_buf_addf(o, " %s  from %s%s%s\n", e->currency,
                  e->counterparty_name[0] ? e->counterparty_name : "(no name)",
                  e->counterparty_account[0] ? ", " : "", e->counterparty_account);
    if (e->remittance[0]) owed_buf_addf(o, "  text: %s\n", e->remittance);
    for (size_t k = 0; k < json_array_size(sug); k++) {
        json_t *s = json_array_get(sug, k);
        owed_buf_addf(o, "  %zu. %s  score %lld  ", k + 1,
                      json_string_value(json_object_get(s, "customer_ref")) ?: "?",
                      (long long)json_integer_value(json_object_get(s, "score")));
        json_t *invs = json_object_get(s, "invoices");
        if (json_array_size(invs) == 0) owed_buf_adds(o, "on account");
        for (size_t i = 0; i < json_array_size(invs); i++) {
            json_t *l = json_array_get(invs, i);
            owed_buf_addf(o, "%s%s %s", i ? ", " : "",
                          json_string_value(json_object_get(l, "invoice_number")) ?: "?",
                          json_string_value(json_object_get(l, "apply")) ?: "");
        }
        owed_buf_adds(o, "  (");
        json_t *why = json_object_get(s, "reasons");
        for (size_t i = 0; i < json_array_size(why); i++)
            owed_buf_addf(o, "%s%s", i ? ", " : "", json_string_value(json_array_get(why, i)));
        owed_buf_adds(o, ")\n");
    }
    if (json_array_size(sug) == 0) owed_buf_adds(o, "  no suggestion\n");
    json_decref(sug);
    return OWED_OK;
}

int owed_bank_review(struct owed_store *s, int64_t org, enum owed_format fmt,
                     struct owed_buf *out, struct owed_buf *err)
{
    struct reviewer r = {.l = {.s = s, .org = org, .out = out, .err = err}, .fmt = fmt};
    if (fmt == OWED_FORMAT_JSON) r.arr = json_array();
    int rc = s->ops->read_begin(s, err);
    if (!rc) rc = s->ops->entries_each(s, org, OWED_ENTRY_REVIEW, on_review, &r, err);
    if (!rc) rc = s->ops->entries_each(s, org, OWED_ENTRY_UNMATCHED, on_review, &r, err);
    s->ops->read_end(s);
    if (fmt == OWED_FORMAT_JSON) owed__put_json(out, r.arr);
    else if (!rc && r.n == 0) owed_buf_adds(out, "the review queue is empty\n");
    lister_release(&r.l);
    return rc;
}

/* ---- confirm, reject ---- */

static int load_open_entry(struct owed_store *s, int64_t org, int64_t id,
                           struct owed_entry_rec *e, struct owed_buf *err)
{
    int rc = s->ops->entry_get(s, org, id, e, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no bank entry %lld", (long long)id);
    if (rc) return rc;
    if (e->status != OWED_ENTRY_REVIEW && e->status != OWED_ENTRY_UNMATCHED) {
        owed_buf_addf(err, "bank entry %lld is %s, not waiting for review", (long long)id,
                      owed_entry_status_name((int)e->status));
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

int owed_bank_confirm(struct owed_store *s, int64_t org, int64_t entry_id,
                      const char *const *invoices, size_t ninvoices, const char *customer_ref,
                      struct owed_buf *out, struct owed_buf *err)
{
    struct owed_entry_rec *e = owed_xmalloc(sizeof *e);
    struct owed_buf picked = OWED_BUF_INIT(0);
    char cust[OWED_REF_MAX + 1] = "";
    int rc = s->ops->begin(s, err);
    if (!rc) rc = load_open_entry(s, org, entry_id, e, err);
    /* Which invoices: those given, else the top suggestion's. */
    const char **names = NULL;
    size_t nnames = 0;
    if (!rc && ninvoices) {
        names = owed_xcalloc(ninvoices, sizeof *names);
        for (size_t i = 0; i < ninvoices; i++) names[nnames++] = invoices[i];
    } else if (!rc && !customer_ref) {
        if (!suggestion(e->suggestions, 0, cust, sizeof cust, &picked, NULL)) {
            owed_buf_addf(err, "bank entry %lld has no suggestion: name the invoices (--invoice) "
                               "or the customer (--customer)", (long long)entry_id);
            rc = OWED_E_INVALID;
        }
        for (char *p = picked.ptr; !rc && *p;) {
            names = owed_xrealloc(names, (nnames + 1) * sizeof *names);
            names[nnames++] = p;
            char *sp = strchr(p, ' ');
            if (!sp) break;
            *sp = '\0';
            p = sp + 1;
        }
    }
    /* The customer: of the invoices, or given. */
    struct owed_customer cu = {0};
    if (!rc && customer_ref) {
        rc = s->ops->customer_get(s, org, customer_ref, &cu, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", customer_ref);
    } else if (!rc && nnames) {
        struct owed_invoice inv;
        rc = s->ops->invoice_get(s, org, names[0], &inv, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no invoice '%s'", names[0]);
        if (!rc) rc = s->ops->customer_get_id(s, org, inv.customer_id, &cu, err);
    } else if (!rc && cust[0]) {
        rc = s->ops->customer_get(s, org, cust, &cu, err);
    }
    struct owed_payment p;
    memset(&p, 0, sizeof p);
    if (!rc) {
        snprintf(p.ref, sizeof p.ref, "BANK-%lld", (long long)e->id);
        p.customer_id = cu.id;
        p.received_date = e->value_date != INT32_MIN ? e->value_date : e->booking_date;
        p.amount_minor = e->amount_minor;
        memcpy(p.currency, e->currency, 4);
        p.kind = OWED_PAYMENT_CASH;
        snprintf(p.method, sizeof p.method, "wire");
        snprintf(p.channel, sizeof p.channel, "bank");
        snprintf(p.reference, sizeof p.reference, "%.140s", e->remittance);
        snprintf(p.payer_name, sizeof p.payer_name, "%s", e->counterparty_name);
        snprintf(p.payer_account, sizeof p.payer_account, "%s", e->counterparty_account);
        rc = owed__cash_record(s, org, &p, out, err);
    }
    if (!rc && nnames) {
        struct owed_apply_target *t = owed_xcalloc(nnames, sizeof *t);
        for (size_t i = 0; i < nnames; i++) t[i].invoice_number = names[i];
        rc = owed__cash_apply(s, org, &p, OWED_APPLY_LIST, t, nnames, out, err);
        free(t);
    } else if (!rc) {
        owed_buf_addf(out, "left on account of %s\n", cu.ref);
    }
    if (!rc) {
        e->status = OWED_ENTRY_CONFIRMED;
        e->customer_id = cu.id;
        e->payment_id = p.id;
        rc = s->ops->entry_update(s, org, e, err);
    }
    if (!rc) { /* webhook events, in this transaction */
        struct owed_events ev;
        owed_events_init(&ev, s, org, 0);
        rc = owed__event_payment(&ev, "payment.received", p.ref, err);
        if (!rc && nnames) rc = owed__event_payment(&ev, "payment.applied", p.ref, err);
        owed_events_release(&ev);
    }
    /* The payer's account and name now point at this customer. */
    char key[OWED_NAME_MAX + 1];
    if (!rc && e->counterparty_account[0]) {
        owed_match_normalize_account(e->counterparty_account, key, sizeof key);
        if (key[0]) rc = s->ops->payer_learn(s, org, key, cu.id, err);
    }
    if (!rc && e->counterparty_name[0]) {
        owed_match_normalize_name(e->counterparty_name, key, sizeof key);
        if (key[0]) rc = s->ops->payer_learn(s, org, key, cu.id, err);
    }
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        owed_buf_reset(out);
    } else {
        owed_buf_addf(out, "bank entry %lld confirmed\n", (long long)entry_id);
    }
    free(names);
    owed_buf_release(&picked);
    free(e);
    return rc;
}

int owed_bank_reject(struct owed_store *s, int64_t org, int64_t entry_id, struct owed_buf *out,
                     struct owed_buf *err)
{
    struct owed_entry_rec *e = owed_xmalloc(sizeof *e);
    int rc = s->ops->begin(s, err);
    if (!rc) rc = load_open_entry(s, org, entry_id, e, err);
    if (!rc) {
        e->status = OWED_ENTRY_REJECTED;
        e->customer_id = 0;
        rc = s->ops->entry_update(s, org, e, err);
    }
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    else owed_buf_addf(out, "bank entry %lld rejected: kept, not a customer payment\n",
                       (long long)entry_id);
    free(e);
    return rc;
}

/* ---- match report ---- */

/* Ground truth by entry reference: "customer|sorted invoice numbers". */
struct truth {
    struct owed_strmap by_ref; /* entry_ref -> index */
    char **answer;             /* "" = must not match */
    size_t n, cap;
};

/* Sorts space-separated words in place (insertion sort: a handful of words). */
static void sort_words(char *s, struct owed_buf *out)
{
    char *words[64];
    size_t n = 0;
    for (char *w = s; *w && n < 64;) {
        while (*w == ' ') w++;
        if (!*w) break;
        words[n++] = w;
        char *sp = strchr(w, ' ');
        if (!sp) break;
        *sp = '\0';
        w = sp + 1;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(words[j - 1], words[j]) > 0; j--) {
            char *t = words[j];
            words[j] = words[j - 1];
            words[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        if (i) owed_buf_addc(out, ' ');
        owed_buf_adds(out, words[i]);
    }
}

static int truth_load(const char *path, struct truth *t, struct owed_buf *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f) {
        owed_buf_addf(err, "%s: cannot open", path);
        return OWED_E_IO;
    }
    struct owed_csv *r = owed_csv_new_file(f);
    struct owed_csv_row *row = owed_xmalloc(sizeof *row);
    bool eof = false;
    int rc, ref = -1, inv = -1;
    long line = 0;
    while ((rc = owed_csv_next(r, row, &eof, err)) == OWED_OK && !eof) {
        if (line++ == 0) {
            for (size_t i = 0; i < row->nfields; i++) {
                const struct owed_str *c = &row->fields[i];
                if (c->len == 9 && !memcmp(c->ptr, "entry_ref", 9)) ref = (int)i;
                if (c->len == 15 && !memcmp(c->ptr, "invoice_numbers", 15)) inv = (int)i;
            }
            if (ref < 0 || inv < 0) {
                owed_buf_addf(err, "%s:1: needs columns entry_ref and invoice_numbers", path);
                rc = OWED_E_PARSE;
                break;
            }
            continue;
        }
        if ((size_t)ref >= row->nfields || (size_t)inv >= row->nfields) continue;
        const struct owed_str *w = &row->fields[inv];
        char *words = owed_xmalloc(w->len + 1);
        memcpy(words, w->ptr, w->len);
        words[w->len] = '\0';
        struct owed_buf sorted = OWED_BUF_INIT(0);
        sort_words(words, &sorted);
        free(words);
        OWED_ALLOC_GROW(t->answer, t->n + 1, t->cap);
        t->answer[t->n] = sorted.len ? owed_buf_detach(&sorted, NULL) : owed_xstrdup("");
        owed_buf_release(&sorted);
        owed_strmap_put(&t->by_ref, row->fields[ref].ptr, row->fields[ref].len, (int64_t)t->n);
        t->n++;
    }
    free(row);
    owed_csv_free(r);
    fclose(f);
    return rc;
}

static void truth_release(struct truth *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->answer[i]);
    free(t->answer);
    owed_strmap_clear(&t->by_ref);
}

struct report {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *err;
    struct truth truth;
    bool has_truth;
    long credits, matched, confirmed, review, unmatched, rejected, ignored;
    long auto_right, auto_wrong, auto_judged, with_answer;
    long queue_with_answer, queue_top3;
};

static int on_report(void *ctx, const struct owed_entry_rec *e)
{
    struct report *r = ctx;
    switch (e->status) {
    case OWED_ENTRY_IGNORED: r->ignored++; return OWED_OK;
    case OWED_ENTRY_MATCHED: r->matched++; break;
    case OWED_ENTRY_CONFIRMED: r->confirmed++; break;
    case OWED_ENTRY_REVIEW: r->review++; break;
    case OWED_ENTRY_UNMATCHED: r->unmatched++; break;
    case OWED_ENTRY_REJECTED: r->rejected++; break;
    }
    r->credits++;
    int64_t idx;
    if (!r->has_truth ||
        !owed_strmap_get(&r->truth.by_ref, e->entry_ref, strlen(e->entry_ref), &idx))
        return OWED_OK;
    const char *answer = r->truth.answer[idx];
    if (answer[0]) r->with_answer++;
    if (e->status == OWED_ENTRY_MATCHED) {
        struct owed_buf got = OWED_BUF_INIT(0), sorted = OWED_BUF_INIT(0);
        int rc = applied_invoices(r->s, r->org, e->payment_id, &got, r->err);
        if (rc) return rc;
        sort_words(got.ptr, &sorted);
        r->auto_judged++;
        if (answer[0] && !strcmp(sorted.ptr, answer)) r->auto_right++;
        else r->auto_wrong++;
        owed_buf_release(&got);
        owed_buf_release(&sorted);
    } else if ((e->status == OWED_ENTRY_REVIEW || e->status == OWED_ENTRY_UNMATCHED) &&
               answer[0]) {
        r->queue_with_answer++;
        for (size_t k = 0; k < 3; k++) {
            char cust[OWED_REF_MAX + 1];
            struct owed_buf invs = OWED_BUF_INIT(0), sorted = OWED_BUF_INIT(0);
            bool ok = suggestion(e->suggestions, k, cust, sizeof cust, &invs, NULL);
            if (ok) sort_words(invs.ptr, &sorted);
            bool hit = ok && !strcmp(sorted.ptr, answer);
            owed_buf_release(&invs);
            owed_buf_release(&sorted);
            if (hit) {
                r->queue_top3++;
                break;
            }
            if (!ok) break;
        }
    }
    return OWED_OK;
}

/* a / b in percent with one decimal, rounded down ("93.4"; 99.97% is "99.9", never
 * "100.0" while anything is wrong), "-" when b is 0. */
static void pct(char *out, size_t cap, long a, long b)
{
    if (b == 0) {
        snprintf(out, cap, "-");
        return;
    }
    long t = a * 1000 / b;
    snprintf(out, cap, "%ld.%ld", t / 10, t % 10);
}

int owed_match_report(struct owed_store *s, int64_t org, const char *truth_path,
                      enum owed_format fmt, struct owed_buf *out, struct owed_buf *err)
{
    struct report r = {.s = s, .org = org, .err = err};
    int rc = OWED_OK;
    if (truth_path) {
        rc = truth_load(truth_path, &r.truth, err);
        r.has_truth = rc == OWED_OK;
    }
    if (!rc) rc = s->ops->read_begin(s, err);
    if (!rc) {
        rc = s->ops->entries_each(s, org, 0, on_report, &r, err);
        s->ops->read_end(s);
    }
    if (!rc) {
        char auto_rate[48], precision[48], top3[48];
        pct(auto_rate, sizeof auto_rate, r.matched, r.credits);
        pct(precision, sizeof precision, r.auto_right, r.auto_judged);
        pct(top3, sizeof top3, r.queue_top3, r.queue_with_answer);
        if (fmt == OWED_FORMAT_JSON) {
            json_t *o = json_object();
            json_object_set_new(o, "credit_entries", json_integer(r.credits));
            json_object_set_new(o, "auto_matched", json_integer(r.matched));
            json_object_set_new(o, "auto_match_rate_pct", json_string(auto_rate));
            json_object_set_new(o, "confirmed", json_integer(r.confirmed));
            json_object_set_new(o, "review_queue", json_integer(r.review + r.unmatched));
            json_object_set_new(o, "rejected", json_integer(r.rejected));
            json_object_set_new(o, "debits_ignored", json_integer(r.ignored));
            if (r.has_truth) {
                char payable[48];
                pct(payable, sizeof payable, r.auto_right, r.with_answer);
                json_object_set_new(o, "customer_credits", json_integer(r.with_answer));
                json_object_set_new(o, "auto_match_rate_customer_credits_pct", json_string(payable));
                json_object_set_new(o, "auto_judged", json_integer(r.auto_judged));
                json_object_set_new(o, "auto_wrong", json_integer(r.auto_wrong));
                json_object_set_new(o, "precision_pct", json_string(precision));
                json_object_set_new(o, "queue_with_answer", json_integer(r.queue_with_answer));
                json_object_set_new(o, "queue_top3_pct", json_string(top3));
            }
            owed__put_json(out, o);
        } else {
            owed_buf_addf(out, "credit entries        %ld\n", r.credits);
            owed_buf_addf(out, "auto-matched          %ld (%s%%)\n", r.matched, auto_rate);
            owed_buf_addf(out, "confirmed by people   %ld\n", r.confirmed);
            owed_buf_addf(out, "review queue          %ld (%ld with suggestions, %ld without)\n",
                          r.review + r.unmatched, r.review, r.unmatched);
            owed_buf_addf(out, "rejected              %ld\n", r.rejected);
            owed_buf_addf(out, "debits (not matched)  %ld\n", r.ignored);
            if (r.has_truth) {
                char payable[48];
                pct(payable, sizeof payable, r.auto_right, r.with_answer);
                owed_buf_addf(out, "auto-matched right    %s%% of %ld credits from customers\n",
                              payable, r.with_answer);
                owed_buf_addf(out, "precision of auto     %s%% (%ld wrong of %ld)\n", precision,
                              r.auto_wrong, r.auto_judged);
                owed_buf_addf(out, "right answer in top 3 %s%% of %ld queued entries that have one\n",
                              top3, r.queue_with_answer);
            }
        }
    }
    if (r.has_truth) truth_release(&r.truth);
    return rc;
}
