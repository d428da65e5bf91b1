/* Read models of the collections and dunning API (app/collections_views.h). Each read is
 * one snapshot (read_begin): items, then the names of their customers and invoices, which
 * are looked up after a scan, never inside its callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/collections_views.h"
#include "app/dunning_int.h"
#include "app/views.h"
#include "base.h"
#include "core/dunning.h"
#include "owed/money.h"



static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* ---- names of ids, looked up once each ---- */

struct name_cache {
    int64_t *ids;
    char (*names)[OWED_REF_MAX + 1];
    size_t n, cap;
};

static void names_release(struct name_cache *c)
{
    free(c->ids);
    free(c->names);
    memset(c, 0, sizeof *c);
}

static const char *names_find(const struct name_cache *c, int64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->ids[i] == id) return c->names[i];
    return NULL;
}

static void names_put(struct name_cache *c, int64_t id, const char *name)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->ids = owed_xrealloc(c->ids, c->cap * sizeof *c->ids);
        c->names = owed_xrealloc(c->names, c->cap * sizeof *c->names);
    }
    c->ids[c->n] = id;
    snprintf(c->names[c->n], sizeof c->names[c->n], "%s", name);
    c->n++;
}

static int customer_ref_of(struct owed_store *s, int64_t org, struct name_cache *c, int64_t id,
                           const char **out, struct owed_buf *err)
{
    if ((*out = names_find(c, id))) return OWED_OK;
    struct owed_customer cu;
    int rc = s->ops->customer_get_id(s, org, id, &cu, err);
    if (rc) return rc;
    names_put(c, id, cu.ref);
    *out = names_find(c, id);
    return OWED_OK;
}

static int invoice_number_of(struct owed_store *s, int64_t org, struct name_cache *c,
                             int64_t id, const char **out, struct owed_buf *err)
{
    if ((*out = names_find(c, id))) return OWED_OK;
    struct owed_invoice inv;
    int rc = s->ops->invoice_get_id(s, org, id, &inv, err);
    if (rc) return rc;
    names_put(c, id, inv.number);
    *out = names_find(c, id);
    return OWED_OK;
}

/* ---- collection items ---- */

static const struct {
    const char *name;
    enum owed_item_kind kind;
} collections[] = {
    {"holds", OWED_ITEM_HOLD},   {"disputes", OWED_ITEM_DISPUTE}, {"promises", OWED_ITEM_PROMISE},
    {"plans", OWED_ITEM_PLAN},   {"notes", OWED_ITEM_NOTE},       {"calls", OWED_ITEM_CALL},
    {"tasks", OWED_ITEM_TASK},
};

enum owed_item_kind owed_item_kind_of_collection(const char *name)
{
    for (size_t i = 0; name && i < OWED_ARRAY_LEN(collections); i++)
        if (!strcmp(collections[i].name, name)) return collections[i].kind;
    return 0;
}

const char *owed_item_collection_name(enum owed_item_kind k)
{
    for (size_t i = 0; i < OWED_ARRAY_LEN(collections); i++)
        if (collections[i].kind == k) return collections[i].name;
    return "";
}

enum { PAGE_FULL = -1 }; /* a scan's callback stops it: the page has all it needs */

/* The items a scan gives, or with a page (limit > 0) those after its cursor, up to one
 * more than the limit (which says there is a next page). */
struct items {
    struct owed_item *v;
    size_t n, cap;
    struct owed_page pg;
};

static int on_item(void *ctx, const struct owed_item *it)
{
    struct items *l = ctx;
    if (it->id <= l->pg.after) return OWED_OK;
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = *it;
    return l->pg.limit > 0 && l->n > (size_t)l->pg.limit ? PAGE_FULL : OWED_OK;
}

static json_t *installment_json(const struct owed_item *in)
{
    long number = strtol(in->code, NULL, 10);
    return json_pack("{s:I, s:I, s:o, s:o, s:s}", "id", (json_int_t)in->id, "number",
                     (json_int_t)number, "amount", owed_json_amount(in->amount_minor, in->currency),
                     "due_date", owed_json_date(in->date1), "status",
                     owed_item_status_name(in->status));
}

static json_t *item_json(const struct owed_item *it, const char *customer_ref,
                         const char *invoice_number)
{
    bool has_amount = it->amount_minor != 0 && it->currency[0];
    return json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:s}",
                     "id", (json_int_t)it->id, "kind", owed_item_kind_name(it->kind), "status",
                     owed_item_status_name(it->status), "customer_id",
                     (json_int_t)it->customer_id, "customer_ref", customer_ref, "invoice_id",
                     it->invoice_id ? json_integer(it->invoice_id) : json_null(),
                     "invoice_number", text_or_null(invoice_number), "code", it->code, "amount",
                     has_amount ? owed_json_amount(it->amount_minor, it->currency) : json_null(),
                     "currency", it->currency, "opened_on", owed_json_date(it->opened_on), "date",
                     owed_json_date(it->date1), "closed_on", owed_json_date(it->date2), "text", it->body,
                     "created_at", it->created_at);
}

/* The JSON of items v[0..n), with a plan's installments; appended to arr. */
static int items_to_json(struct owed_store *s, int64_t org, const struct owed_item *v, size_t n,
                         json_t *arr, struct owed_buf *err)
{
    struct name_cache customers = {0}, invoices = {0};
    int rc = OWED_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *cref = "", *inum = NULL;
        rc = customer_ref_of(s, org, &customers, v[i].customer_id, &cref, err);
        if (!rc && v[i].invoice_id)
            rc = invoice_number_of(s, org, &invoices, v[i].invoice_id, &inum, err);
        if (rc) break;
        json_t *o = item_json(&v[i], cref, inum);
        if (v[i].kind == OWED_ITEM_PLAN) {
            struct items ins = {0};
            struct owed_item_filter f = {.kind = OWED_ITEM_INSTALLMENT, .parent_id = v[i].id};
            rc = s->ops->items_each(s, org, &f, on_item, &ins, err);
            json_t *list = json_array();
            for (size_t k = 0; !rc && k < ins.n; k++)
                json_array_append_new(list, installment_json(&ins.v[k]));
            json_object_set_new(o, "installments", list);
            free(ins.v);
        }
        json_array_append_new(arr, o);
    }
    names_release(&customers);
    names_release(&invoices);
    return rc;
}

int owed_view_item(struct owed_store *s, int64_t org, enum owed_item_kind kind, int64_t id,
                   json_t **out, struct owed_buf *err)
{
    struct owed_item it;
    *out = NULL;
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->item_get(s, org, id, &it, err);
    if (rc == OWED_OK && (it.kind == OWED_ITEM_INSTALLMENT || (kind && it.kind != kind)))
        rc = OWED_E_NOT_FOUND;
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no %s %lld", kind ? owed_item_kind_name(kind) : "item", (long long)id);
    }
    json_t *arr = json_array();
    if (rc == OWED_OK) rc = items_to_json(s, org, &it, 1, arr, err);
    s->ops->read_end(s);
    if (rc == OWED_OK) *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return rc;
}

int owed_view_items(struct owed_store *s, int64_t org, const struct owed_item_query *q,
                    const struct owed_page *pg, json_t **data, int64_t *next,
                    struct owed_buf *err)
{
    OWED_ASSERT(q->kind && q->kind != OWED_ITEM_INSTALLMENT && pg->limit > 0);
    *data = NULL;
    *next = 0;
    struct owed_item_filter f = {.kind = q->kind, .live_only = !q->all};
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    if (q->customer_ref) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, q->customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            owed_buf_addf(err, "no customer '%s'", q->customer_ref);
        }
        if (!rc) f.customer_id = c.id;
    }
    struct items l = {.pg = *pg};
    if (!rc) rc = s->ops->items_each(s, org, &f, on_item, &l, err);
    if (rc == PAGE_FULL) {
        rc = OWED_OK;
        l.n = (size_t)pg->limit;
        *next = l.v[l.n - 1].id;
    }
    json_t *arr = json_array();
    if (!rc) rc = items_to_json(s, org, l.v, l.n, arr, err);
    s->ops->read_end(s);
    free(l.v);
    if (rc) json_decref(arr);
    else *data = arr;
    return rc;
}

/* ---- customer profiles ---- */

int owed_view_profile(struct owed_store *s, int64_t org, int64_t customer_id, json_t **out,
                      struct owed_buf *err)
{
    struct owed_customer c;
    struct owed_profile prof;
    *out = NULL;
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->customer_get_id(s, org, customer_id, &c, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no customer %lld", (long long)customer_id);
    }
    if (!rc) rc = owed_profile_get(s, org, customer_id, &prof, err);
    s->ops->read_end(s);
    if (rc) return rc;
    *out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "customer_id", (json_int_t)c.id,
                     "customer_ref", c.ref, "segment", prof.segment, "lang", prof.lang, "phone",
                     prof.phone, "address", prof.address);
    return *out ? OWED_OK : OWED_E_STORE;
}

/* ---- the outbox ---- */

static json_t *time_json(int64_t unix_s)
{
    if (!unix_s) return json_null();
    char d[11], s[32];
    owed_date_format(owed_date_from_time(unix_s * 1000), d);
    int64_t secs = unix_s % 86400;
    if (secs < 0) secs += 86400;
    snprintf(s, sizeof s, "%sT%02d:%02d:%02dZ", d, (int)(secs / 3600), (int)(secs / 60 % 60),
             (int)(secs % 60));
    return json_string(s);
}

struct outbox_list {
    json_t *arr;
    bool with_body;
    struct owed_page pg; /* limit 0: every message */
    int64_t next;
};

static int on_msg(void *ctx, const struct owed_outbox_msg *m)
{
    struct outbox_list *l = ctx;
    if (m->id <= l->pg.after) return OWED_OK;
    size_t n = json_array_size(l->arr);
    if (l->pg.limit > 0 && n == (size_t)l->pg.limit) { /* one more: there is a next page */
        l->next = json_integer_value(json_object_get(json_array_get(l->arr, n - 1), "id"));
        return PAGE_FULL;
    }
    json_t *o = json_pack(
        "{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:o, s:s, s:s, s:s, s:s, s:o}", "id",
        (json_int_t)m->id, "run_id", (json_int_t)m->run_id, "customer_id",
        (json_int_t)m->customer_id, "customer_ref", "", "channel",
        owed_channel_name((enum owed_channel)m->channel), "step", m->step, "status",
        owed_msg_status_name(m->status), "attempts", m->attempts, "next_attempt",
        time_json(m->next_attempt), "last_error", m->last_error, "recipient",
        m->recipient ? m->recipient : "", "subject", m->subject ? m->subject : "", "created_at",
        m->created_at, "sent_at", text_or_null(m->sent_at));
    if (l->with_body) json_object_set_new(o, "body", json_string(m->body ? m->body : ""));
    json_array_append_new(l->arr, o);
    return OWED_OK;
}

static int outbox_scan(struct owed_store *s, int64_t org, const struct owed_outbox_filter *f,
                       bool with_body, const struct owed_page *pg, json_t **data,
                       int64_t *next, struct owed_buf *err)
{
    struct outbox_list l = {.arr = json_array(), .with_body = with_body, .pg = *pg};
    struct name_cache customers = {0};
    int rc = s->ops->read_begin(s, err);
    if (rc) {
        json_decref(l.arr);
        return rc;
    }
    rc = s->ops->outbox_each(s, org, f, on_msg, &l, err);
    if (rc == PAGE_FULL) rc = OWED_OK;
    *next = l.next;
    for (size_t i = 0; !rc && i < json_array_size(l.arr); i++) {
        json_t *o = json_array_get(l.arr, i);
        const char *ref;
        int64_t cid = json_integer_value(json_object_get(o, "customer_id"));
        rc = customer_ref_of(s, org, &customers, cid, &ref, err);
        if (rc == OWED_E_NOT_FOUND) { /* a webhook event: no customer of its own */
            owed_buf_reset(err);
            rc = OWED_OK;
            json_object_set_new(o, "customer_ref", json_null());
        } else if (!rc) {
            json_object_set_new(o, "customer_ref", json_string(ref));
        }
    }
    s->ops->read_end(s);
    names_release(&customers);
    if (rc) json_decref(l.arr);
    else *data = l.arr;
    return rc;
}

int owed_view_outbox_msg(struct owed_store *s, int64_t org, int64_t id, bool with_body,
                         json_t **out, struct owed_buf *err)
{
    struct owed_outbox_filter f = {.id = id};
    struct owed_page all = {0};
    json_t *arr = NULL;
    int64_t next;
    *out = NULL;
    int rc = outbox_scan(s, org, &f, with_body, &all, &arr, &next, err);
    if (!rc && json_array_size(arr) != 1) {
        owed_buf_addf(err, "no message %lld", (long long)id);
        rc = OWED_E_NOT_FOUND;
    }
    if (!rc) *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return rc;
}

int owed_view_outbox(struct owed_store *s, int64_t org, enum owed_msg_status status,
                     const struct owed_page *pg, json_t **data, int64_t *next,
                     struct owed_buf *err)
{
    OWED_ASSERT(pg->limit > 0);
    struct owed_outbox_filter f = {.status = status};
    *data = NULL;
    return outbox_scan(s, org, &f, false, pg, data, next, err);
}

/* ---- dunning policies ---- */

static int on_stored(void *ctx, const char *name, const char *json)
{
    (void)json;
    json_array_append_new(ctx, json_string(name));
    return OWED_OK;
}

static bool in_list(json_t *names, const char *name)
{
    for (size_t i = 0; i < json_array_size(names); i++)
        if (!strcmp(json_string_value(json_array_get(names, i)), name)) return true;
    return false;
}

int owed_view_policies(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err)
{
    struct owed__policies ps;
    json_t *stored = json_array();
    *data = NULL;
    int rc = s->ops->read_begin(s, err);
    if (rc) {
        json_decref(stored);
        return rc;
    }
    rc = s->ops->policies_each(s, org, on_stored, stored, err);
    if (!rc) rc = owed__policies_load(s, org, &ps, err);
    s->ops->read_end(s);
    if (rc) {
        json_decref(stored);
        return rc;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < ps.n; i++) {
        json_t *targets = json_array();
        for (size_t t = 0; t < ps.ntargets; t++)
            if (ps.targets[t].policy == (int)i)
                json_array_append_new(targets, json_string(ps.targets[t].target));
        json_array_append_new(
            arr, json_pack("{s:s, s:I, s:b, s:b, s:o}", "name", ps.list[i].name, "steps",
                           (json_int_t)ps.list[i].nsteps, "stored",
                           in_list(stored, ps.list[i].name), "default",
                           (int)i == ps.default_index, "targets", targets));
    }
    owed__policies_release(&ps);
    json_decref(stored);
    *data = arr;
    return OWED_OK;
}

static int on_target(void *ctx, const char *target, const char *policy)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s}", "target", target, "policy", policy));
    return OWED_OK;
}

int owed_view_policy_targets(struct owed_store *s, int64_t org, json_t **data,
                             struct owed_buf *err)
{
    json_t *arr = json_array();
    *data = NULL;
    int rc = s->ops->read_begin(s, err);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    rc = s->ops->policy_targets_each(s, org, on_target, arr, err);
    s->ops->read_end(s);
    if (rc) json_decref(arr);
    else *data = arr;
    return rc;
}
