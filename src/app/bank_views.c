/* Bank entries as JSON documents, for the API (app/bank.h): the review queue and the rest,
 * with what each posted entry paid. The CLI's CSV listing is app/bank_queue.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bank.h"
#include "app/render.h"
#include "base.h"
#include "strmap.h"

struct entry_views {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *err;
    json_t **v;
    size_t n, cap;
    struct owed_strmap refs; /* customer id -> index into names */
    char **names;
    size_t nnames, names_cap;
};

static json_t *date_or_null(owed_date d)
{
    if (d == OWED_BANK_NO_DATE) return json_null();
    char t[11];
    owed_date_format(d, t);
    return json_string(t);
}

static int customer_ref_of(struct entry_views *ev, int64_t id, json_t **out)
{
    int64_t idx;
    if (!owed_strmap_get(&ev->refs, (const char *)&id, sizeof id, &idx)) {
        struct owed_customer c;
        int rc = ev->s->ops->customer_get_id(ev->s, ev->org, id, &c, ev->err);
        if (rc) return rc;
        OWED_ALLOC_GROW(ev->names, ev->nnames + 1, ev->names_cap);
        ev->names[ev->nnames] = owed_xstrdup(c.ref);
        idx = (int64_t)ev->nnames++;
        owed_strmap_put(&ev->refs, (const char *)&id, sizeof id, idx);
    }
    *out = json_string(ev->names[idx]);
    return OWED_OK;
}

/* What a payment is applied to now, per invoice: allocations net of their reversals. */
struct applied_sum {
    int64_t invoice_id, minor;
};
struct applied_list {
    struct applied_sum *v;
    size_t n, cap;
};

static int on_allocation(void *ctx, const struct owed_allocation *a)
{
    struct applied_list *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].invoice_id == a->invoice_id) return owed_i64_add(l->v[i].minor, a->amount_minor, &l->v[i].minor);
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = (struct applied_sum){a->invoice_id, a->amount_minor};
    return OWED_OK;
}

static int applied_numbers(struct entry_views *ev, int64_t payment_id, json_t *numbers)
{
    struct applied_list l = {0};
    struct owed_list_filter f = {.payment_id = payment_id};
    int rc = ev->s->ops->allocations_each(ev->s, ev->org, &f, on_allocation, &l, ev->err);
    for (size_t i = 0; !rc && i < l.n; i++) {
        if (l.v[i].minor <= 0) continue;
        struct owed_invoice inv;
        rc = ev->s->ops->invoice_get_id(ev->s, ev->org, l.v[i].invoice_id, &inv, ev->err);
        if (!rc) json_array_append_new(numbers, json_string(inv.number));
    }
    free(l.v);
    return rc;
}

static int entry_view(struct entry_views *ev, const struct owed_entry_rec *e, json_t **out)
{
    int exp = owed_currency_exponent(e->currency);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "statement_id", json_integer(e->statement_id));
    json_object_set_new(o, "entry_ref", json_string(e->entry_ref));
    json_object_set_new(o, "booking_date", date_or_null(e->booking_date));
    json_object_set_new(o, "value_date", date_or_null(e->value_date));
    json_object_set_new(o, "amount", owed__json_amount(e->amount_minor, exp < 0 ? 2 : exp));
    json_object_set_new(o, "currency", json_string(e->currency));
    json_object_set_new(o, "direction", json_string(e->credit ? "credit" : "debit"));
    json_object_set_new(o, "status", json_string(owed_entry_status_name((int)e->status)));
    json_object_set_new(o, "counterparty_name", json_string(e->counterparty_name));
    json_object_set_new(o, "counterparty_account", json_string(e->counterparty_account));
    json_object_set_new(o, "remittance", json_string(e->remittance));
    json_object_set_new(o, "end_to_end", json_string(e->end_to_end));
    json_object_set_new(o, "score", json_integer(e->score));
    json_t *cust = json_null(), *numbers = json_array();
    int rc = OWED_OK;
    if (e->customer_id) {
        json_decref(cust);
        rc = customer_ref_of(ev, e->customer_id, &cust);
        if (rc) cust = json_null();
    }
    if (!rc && e->payment_id) rc = applied_numbers(ev, e->payment_id, numbers);
    json_object_set_new(o, "customer_ref", cust);
    json_object_set_new(o, "payment_id", e->payment_id ? json_integer(e->payment_id) : json_null());
    json_object_set_new(o, "invoice_numbers", numbers);
    json_t *sug = json_loads(e->suggestions, 0, NULL);
    if (!json_is_array(sug)) {
        json_decref(sug);
        sug = json_array();
    }
    json_object_set_new(o, "suggestions", sug);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return OWED_OK;
}

static int on_entry(void *ctx, const struct owed_entry_rec *e)
{
    struct entry_views *ev = ctx;
    json_t *o;
    int rc = entry_view(ev, e, &o);
    if (rc) return rc;
    OWED_ALLOC_GROW(ev->v, ev->n + 1, ev->cap);
    ev->v[ev->n++] = o;
    return OWED_OK;
}

static int by_id(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));
    return (x > y) - (x < y);
}

static void views_release(struct entry_views *ev)
{
    for (size_t i = 0; i < ev->nnames; i++) free(ev->names[i]);
    free(ev->names);
    owed_strmap_clear(&ev->refs);
    free(ev->v);
}

int owed_bank_entries_json(struct owed_store *s, int64_t org, const int *statuses,
                           size_t nstatuses, json_t **out, struct owed_buf *err)
{
    struct entry_views ev = {.s = s, .org = org, .err = err};
    *out = NULL;
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    if (nstatuses == 0) rc = s->ops->entries_each(s, org, 0, on_entry, &ev, err);
    for (size_t i = 0; i < nstatuses && !rc; i++)
        rc = s->ops->entries_each(s, org, statuses[i], on_entry, &ev, err);
    s->ops->read_end(s);
    if (!rc) {
        if (ev.n > 1) qsort(ev.v, ev.n, sizeof *ev.v, by_id);
        *out = json_array();
        for (size_t i = 0; i < ev.n; i++) json_array_append_new(*out, ev.v[i]);
    } else {
        for (size_t i = 0; i < ev.n; i++) json_decref(ev.v[i]);
    }
    views_release(&ev);
    return rc;
}

int owed_bank_entry_json(struct owed_store *s, int64_t org, int64_t id, json_t **out,
                         struct owed_buf *err)
{
    struct entry_views ev = {.s = s, .org = org, .err = err};
    struct owed_entry_rec *e = owed_xmalloc(sizeof *e);
    *out = NULL;
    int rc = s->ops->read_begin(s, err);
    if (rc) {
        free(e);
        return rc;
    }
    rc = s->ops->entry_get(s, org, id, e, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no bank entry %lld", (long long)id);
    }
    if (!rc) rc = entry_view(&ev, e, out);
    s->ops->read_end(s);
    views_release(&ev);
    free(e);
    return rc;
}
