/* Queueing webhook events in the outbox, inside the caller's transaction (events.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/events.h"
#include "app/views.h"
#include "base.h"
#include "core/dunning.h"
#include "owed/money.h"

const char *const owed_event_types[] = {
    "invoice.created", "invoice.overdue", "payment.received", "payment.applied",
    "dispute.opened",  "promise.broken",  NULL,
};

void owed_events_init(struct owed_events *ev, struct owed_store *s, int64_t org,
                      owed_time_ms now)
{
    memset(ev, 0, sizeof *ev);
    ev->s = s;
    ev->org = org;
    ev->now_s = (now ? now : owed_clock_system_now(NULL)) / 1000;
}

void owed_events_release(struct owed_events *ev)
{
    free(ev->subs);
    ev->subs = NULL;
    ev->nsubs = ev->cap = 0;
    ev->loaded = false;
}

static int on_sub(void *ctx, const struct owed_webhook *w)
{
    struct owed_events *ev = ctx;
    if (!w->active) return OWED_OK;
    OWED_ALLOC_GROW(ev->subs, ev->nsubs + 1, ev->cap);
    ev->subs[ev->nsubs] = *w;
    /* Delivery reads the secret when it signs; none is kept here. */
    sodium_memzero(ev->subs[ev->nsubs].secret, sizeof ev->subs[ev->nsubs].secret);
    ev->nsubs++;
    return OWED_OK;
}

static int load(struct owed_events *ev, struct owed_buf *err)
{
    if (ev->loaded) return OWED_OK;
    int rc = ev->s->ops->webhooks_each(ev->s, ev->org, on_sub, ev, err);
    if (rc) {
        owed_events_release(ev);
        return rc;
    }
    ev->loaded = true;
    return OWED_OK;
}

int owed_events_wanted(struct owed_events *ev, const char *type, bool *wanted,
                       struct owed_buf *err)
{
    *wanted = false;
    int rc = load(ev, err);
    for (size_t i = 0; !rc && i < ev->nsubs && !*wanted; i++)
        *wanted = owed_webhook_wants(ev->subs[i].events, type);
    return rc;
}

static void new_event_id(char out[40])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "evt_", 4);
    sodium_bin2hex(out + 4, 40 - 4, raw, sizeof raw);
}

int owed_events_emit(struct owed_events *ev, const char *type, int64_t customer_id,
                     json_t *data, struct owed_buf *err)
{
    bool wanted;
    int rc = owed_events_wanted(ev, type, &wanted, err);
    if (rc || !wanted) {
        json_decref(data);
        return rc;
    }
    char id[40];
    new_event_id(id);
    json_t *env = json_pack("{s:s, s:s, s:I, s:I, s:o}", "id", id, "type", type, "created",
                            (json_int_t)ev->now_s, "org_id", (json_int_t)ev->org, "data",
                            data ? data : json_object());
    char *body = env ? json_dumps(env, JSON_COMPACT) : NULL;
    json_decref(env);
    if (!body) {
        owed_buf_addf(err, "event %s: cannot encode its data as JSON", type);
        return OWED_E_INVALID;
    }
    for (size_t i = 0; !rc && i < ev->nsubs; i++) {
        const struct owed_webhook *w = &ev->subs[i];
        if (!owed_webhook_wants(w->events, type)) continue;
        struct owed_outbox_msg m;
        memset(&m, 0, sizeof m);
        m.customer_id = customer_id;
        m.channel = OWED_CHANNEL_WEBHOOK;
        snprintf(m.step, sizeof m.step, "webhook:%lld", (long long)w->id);
        m.recipient = w->url;
        m.subject = type;
        m.body = body;
        m.status = OWED_MSG_QUEUED;
        rc = ev->s->ops->outbox_insert(ev->s, ev->org, &m, err);
    }
    free(body);
    return rc;
}

/* ---- the resources, as the API shows them (amounts as decimal strings) ---- */



static int customer_ref_of(struct owed_events *ev, int64_t id, char out[OWED_REF_MAX + 1],
                           struct owed_buf *err)
{
    struct owed_customer c;
    int rc = ev->s->ops->customer_get_id(ev->s, ev->org, id, &c, err);
    if (!rc) snprintf(out, OWED_REF_MAX + 1, "%s", c.ref);
    return rc;
}

int owed__event_invoice(struct owed_events *ev, const char *type, const struct owed_invoice *inv,
                        const char *customer_ref, int64_t paid_minor, struct owed_buf *err)
{
    bool wanted;
    int rc = owed_events_wanted(ev, type, &wanted, err);
    if (rc || !wanted) return rc;
    char ref[OWED_REF_MAX + 1] = "";
    if (!customer_ref && (rc = customer_ref_of(ev, inv->customer_id, ref, err))) return rc;
    int64_t open = inv->amount_minor - paid_minor;
    json_t *d = json_pack("{s:I, s:s, s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:s, s:s}",
                          "id", (json_int_t)inv->id, "number", inv->number, "customer_id",
                          (json_int_t)inv->customer_id, "customer_ref",
                          customer_ref ? customer_ref : ref, "issue_date",
                          owed_json_date(inv->issue_date), "due_date", owed_json_date(inv->due_date),
                          "currency", inv->currency, "amount",
                          owed_json_amount(inv->amount_minor, inv->currency), "paid",
                          owed_json_amount(paid_minor, inv->currency), "open",
                          owed_json_amount(open > 0 ? open : 0, inv->currency), "po_number",
                          inv->po_number, "kind", inv->kind == OWED_INVOICE_FEE ? "fee" : "sale",
                          "terms", inv->terms);
    return owed_events_emit(ev, type, inv->customer_id, d, err);
}

struct alloc_ctx {
    struct owed_allocation *v;
    size_t n, cap;
};

static int on_alloc(void *ctx, const struct owed_allocation *a)
{
    struct alloc_ctx *c = ctx;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].invoice_id == a->invoice_id) {
            c->v[i].amount_minor += a->amount_minor;
            if (a->amount_minor > 0) c->v[i].date = a->date;
            return OWED_OK;
        }
    OWED_ALLOC_GROW(c->v, c->n + 1, c->cap);
    c->v[c->n++] = *a;
    return OWED_OK;
}

int owed__event_payment(struct owed_events *ev, const char *type, const char *payment_ref,
                        struct owed_buf *err)
{
    bool wanted;
    int rc = owed_events_wanted(ev, type, &wanted, err);
    if (rc || !wanted) return rc;
    struct owed_payment p;
    memset(&p, 0, sizeof p);
    char ref[OWED_REF_MAX + 1] = "";
    rc = ev->s->ops->payment_get(ev->s, ev->org, payment_ref, &p, err);
    if (!rc) rc = customer_ref_of(ev, p.customer_id, ref, err);
    /* Net amounts per invoice, collected first: the store cannot be asked from inside
     * its own iteration. */
    struct alloc_ctx al = {0};
    struct owed_list_filter f = {.payment_id = p.id};
    if (!rc) rc = ev->s->ops->allocations_each(ev->s, ev->org, &f, on_alloc, &al, err);
    json_t *allocs = json_array();
    for (size_t i = 0; !rc && i < al.n; i++) {
        if (al.v[i].amount_minor <= 0) continue;
        struct owed_invoice inv;
        rc = ev->s->ops->invoice_get_id(ev->s, ev->org, al.v[i].invoice_id, &inv, err);
        if (!rc)
            json_array_append_new(allocs,
                                  json_pack("{s:I, s:s, s:o, s:o}", "invoice_id",
                                            (json_int_t)inv.id, "invoice_number", inv.number,
                                            "amount", owed_json_amount(al.v[i].amount_minor, p.currency),
                                            "date", owed_json_date(al.v[i].date)));
    }
    free(al.v);
    if (rc) {
        json_decref(allocs);
        return rc;
    }
    int64_t unapplied = p.amount_minor - p.allocated_minor - p.outflow_minor;
    json_t *d = json_pack(
        "{s:I, s:s, s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o}", "id",
        (json_int_t)p.id, "ref", p.ref, "customer_id", (json_int_t)p.customer_id, "customer_ref",
        ref, "received_date", owed_json_date(p.received_date), "currency", p.currency, "amount",
        owed_json_amount(p.amount_minor, p.currency), "applied",
        owed_json_amount(p.allocated_minor, p.currency), "unapplied",
        owed_json_amount(unapplied > 0 ? unapplied : 0, p.currency), "method", p.method, "channel",
        p.channel, "reference", p.reference, "allocations", allocs);
    return owed_events_emit(ev, type, p.customer_id, d, err);
}

int owed__event_item(struct owed_events *ev, const char *type, const struct owed_item *it,
                     struct owed_buf *err)
{
    bool wanted;
    int rc = owed_events_wanted(ev, type, &wanted, err);
    if (rc || !wanted) return rc;
    char ref[OWED_REF_MAX + 1];
    if ((rc = customer_ref_of(ev, it->customer_id, ref, err))) return rc;
    json_t *d = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)it->id, "kind",
                          owed_item_kind_name(it->kind), "status",
                          owed_item_status_name(it->status), "customer_id",
                          (json_int_t)it->customer_id, "customer_ref", ref);
    if (it->invoice_id) {
        struct owed_invoice inv;
        if ((rc = ev->s->ops->invoice_get_id(ev->s, ev->org, it->invoice_id, &inv, err))) {
            json_decref(d);
            return rc;
        }
        json_object_set_new(d, "invoice_id", json_integer(it->invoice_id));
        json_object_set_new(d, "invoice_number", json_string(inv.number));
    } else {
        json_object_set_new(d, "invoice_id", json_null());
        json_object_set_new(d, "invoice_number", json_null());
    }
    if (it->kind == OWED_ITEM_DISPUTE)
        json_object_set_new(d, "reason", json_string(it->code));
    /* A dispute of amount 0 is about the whole invoice. */
    json_object_set_new(d, "amount",
                        it->amount_minor ? owed_json_amount(it->amount_minor, it->currency)
                                         : json_null());
    json_object_set_new(d, "currency", json_string(it->currency));
    json_object_set_new(d, "opened_on", owed_json_date(it->opened_on));
    if (it->kind == OWED_ITEM_PROMISE) json_object_set_new(d, "promised_date", owed_json_date(it->date1));
    if (it->date2) json_object_set_new(d, "closed_on", owed_json_date(it->date2));
    json_object_set_new(d, "text", json_string(it->body));
    return owed_events_emit(ev, type, it->customer_id, d, err);
}

/* ---- the daily invoice.overdue job ---- */

struct overdue_scan {
    owed_date from, to; /* due dates in [from, to] */
    int64_t *ids;
    size_t n, cap;
};

static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct overdue_scan *sc = ctx;
    if (inv->due_date < sc->from || inv->due_date > sc->to) return OWED_OK;
    OWED_ALLOC_GROW(sc->ids, sc->n + 1, sc->cap);
    sc->ids[sc->n++] = inv->id;
    return OWED_OK;
}

static int overdue_in(struct owed_events *ev, owed_date today, size_t *count,
                      struct owed_buf *err)
{
    bool wanted;
    int rc = owed_events_wanted(ev, "invoice.overdue", &wanted, err);
    if (rc || !wanted) return rc;
    struct overdue_scan sc = {.from = today - OWED_OVERDUE_WINDOW_DAYS, .to = today - 1};
    struct owed_list_filter f = {0};
    rc = ev->s->ops->invoices_each(ev->s, ev->org, &f, on_invoice, &sc, err);
    for (size_t i = 0; !rc && i < sc.n; i++) {
        struct owed_invoice inv;
        rc = ev->s->ops->invoice_get_id(ev->s, ev->org, sc.ids[i], &inv, err);
        if (rc || inv.amount_minor - inv.allocated_minor <= 0) continue;
        char key[48];
        snprintf(key, sizeof key, "evt:overdue:%lld", (long long)inv.id);
        rc = ev->s->ops->idem_claim(ev->s, ev->org, key, err);
        if (rc == OWED_E_EXISTS) {
            rc = OWED_OK; /* told before */
            continue;
        }
        if (!rc) rc = owed__event_invoice(ev, "invoice.overdue", &inv, NULL, inv.allocated_minor, err);
        if (!rc) (*count)++;
    }
    free(sc.ids);
    return rc;
}

int owed_events_overdue(struct owed_store *s, int64_t org, owed_date today, owed_time_ms now,
                        size_t *count, struct owed_buf *err)
{
    *count = 0;
    struct owed_events ev;
    owed_events_init(&ev, s, org, now);
    int rc = s->ops->begin(s, err);
    if (!rc) rc = overdue_in(&ev, today, count, err);
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        *count = 0;
    }
    owed_events_release(&ev);
    return rc;
}
