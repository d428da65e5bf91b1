/* A customer's collections timeline for `owed customer show`: reminders sent (from the
 * firings and the outbox), holds, disputes, promises, plans, notes, calls and tasks, and
 * what the customer did in the portal (app/portal.h), in date order, up to the report
 * date. An item the customer made in the portal (a dispute, a promise) says so ("via":
 * "portal"); its portal event is not shown again. Invoices and payments have their own
 * sections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/timeline.h"
#include "base.h"
#include "core/dunning.h"
#include "owed/money.h"

struct ctx {
    struct owed__timeline *t;
    int64_t customer_id;
    owed_date as_of;
    /* invoice ids of the customer (sorted) and their numbers, for firings */
    const int64_t *inv_ids;
    const char *const *inv_numbers;
    size_t ninv;
    struct firing_row {
        int64_t message_id;
        owed_date on;
        char step[48];
        char number[OWED_REF_MAX + 1];
    } *fired;
    size_t nfired, cap_fired;
    int64_t *portal_items; /* items made in the portal, in event (so id) order */
    size_t nportal, cap_portal;
};

static struct owed__event *add(struct owed__timeline *t, owed_date date, const char *kind)
{
    OWED_ALLOC_GROW(t->ev, t->n + 1, t->cap);
    struct owed__event *e = &t->ev[t->n++];
    memset(e, 0, sizeof *e);
    e->date = date;
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    return e;
}

static const char *number_of(const struct ctx *c, int64_t invoice_id)
{
    size_t lo = 0, hi = c->ninv;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->inv_ids[mid] < invoice_id) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->ninv && c->inv_ids[lo] == invoice_id ? c->inv_numbers[lo] : NULL;
}

static int on_firing(void *ctx, const struct owed_firing *f)
{
    struct ctx *c = ctx;
    const char *number = number_of(c, f->invoice_id);
    if (!number || f->fired_on > c->as_of) return OWED_OK;
    OWED_ALLOC_GROW(c->fired, c->nfired + 1, c->cap_fired);
    struct firing_row *r = &c->fired[c->nfired++];
    r->message_id = f->message_id;
    r->on = f->fired_on;
    snprintf(r->step, sizeof r->step, "%s", f->step);
    snprintf(r->number, sizeof r->number, "%s", number);
    return OWED_OK;
}

static int on_message(void *ctx, const struct owed_outbox_msg *m)
{
    struct ctx *c = ctx;
    owed_date on = 0;
    struct owed_buf invoices = OWED_BUF_INIT(0);
    for (size_t i = 0; i < c->nfired; i++) {
        if (c->fired[i].message_id != m->id) continue;
        on = c->fired[i].on;
        owed_buf_addf(&invoices, "%s%s", invoices.len ? ", " : "", c->fired[i].number);
    }
    if (on) {
        struct owed__event *e = add(c->t, on, "reminder");
        snprintf(e->text, sizeof e->text, "%s by %s (%s): %s", m->step,
                 owed_channel_name((enum owed_channel)m->channel), owed_msg_status_name(m->status),
                 invoices.ptr);
        e->id = m->id;
    }
    owed_buf_release(&invoices);
    return OWED_OK;
}

static void amount(char *dst, size_t cap, const struct owed_item *it)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, it->amount_minor, owed_currency_exponent(it->currency), true);
    snprintf(dst, cap, "%s %s", b.ptr ? b.ptr : "0", it->currency);
    owed_buf_release(&b);
}

static int on_portal_event(void *ctx, const struct owed_portal_event *pe)
{
    struct ctx *c = ctx;
    if (pe->item_id) {
        OWED_ALLOC_GROW(c->portal_items, c->nportal + 1, c->cap_portal);
        c->portal_items[c->nportal++] = pe->item_id;
        return OWED_OK;
    }
    if (pe->on_date > c->as_of) return OWED_OK;
    struct owed__event *e = add(c->t, pe->on_date, "portal");
    e->id = pe->id;
    if (pe->session_id) snprintf(e->via, sizeof e->via, "portal"); /* the customer did it */
    snprintf(e->text, sizeof e->text, "%.*s", (int)sizeof e->text - 1, pe->body);
    return OWED_OK;
}

static bool made_in_portal(const struct ctx *c, int64_t item_id)
{
    for (size_t i = 0; i < c->nportal; i++)
        if (c->portal_items[i] == item_id) return true;
    return false;
}

static int on_item(void *ctx, const struct owed_item *it)
{
    struct ctx *c = ctx;
    owed_date on = it->opened_on ? it->opened_on : it->date1;
    if (it->kind == OWED_ITEM_INSTALLMENT || on > c->as_of) return OWED_OK;
    const char *number = it->invoice_id ? number_of(c, it->invoice_id) : NULL;
    char amt[64] = "", when[11] = "";
    if (it->amount_minor && it->currency[0]) amount(amt, sizeof amt, it);
    if (it->date1) owed_date_format(it->date1, when);
    struct owed__event *e = add(c->t, on, owed_item_kind_name(it->kind));
    e->id = it->id;
    const char *on_what = number ? number : "the account";
    const char *status = owed_item_status_name(it->status);
    char body[160]; /* the timeline shows the start of a long text */
    snprintf(body, sizeof body, "%.*s", (int)sizeof body - 1, it->body);
    switch (it->kind) {
    case OWED_ITEM_HOLD:
        snprintf(e->text, sizeof e->text, "%s on hold (%s): %s", on_what, status, body);
        break;
    case OWED_ITEM_DISPUTE:
        snprintf(e->text, sizeof e->text, "%s disputed, %s (%s)%s%s%s%s", on_what, it->code,
                 status, amt[0] ? ": " : "", amt, body[0] ? "; " : "", body);
        break;
    case OWED_ITEM_PROMISE:
        snprintf(e->text, sizeof e->text, "promise to pay %s by %s on %s (%s)", amt, when,
                 on_what, status);
        break;
    case OWED_ITEM_PLAN:
        snprintf(e->text, sizeof e->text, "payment plan for %s, %s: %s (%s)", on_what, amt,
                 body, status);
        break;
    case OWED_ITEM_CALL:
        snprintf(e->text, sizeof e->text, "call, %s%s%s", it->code, body[0] ? ": " : "",
                 body);
        break;
    case OWED_ITEM_TASK:
        snprintf(e->text, sizeof e->text, "task (%s): %s", status, body);
        break;
    default:
        snprintf(e->text, sizeof e->text, "%s%s%s", number ? number : "", number ? ": " : "",
                 body);
    }
    /* One line: a multi-line body (a call script) is cut at its first line break. */
    char *nl = strchr(e->text, '\n');
    if (nl) *nl = '\0';
    if (made_in_portal(c, it->id)) {
        snprintf(e->via, sizeof e->via, "portal");
        size_t len = strlen(e->text);
        if (len + 13 < sizeof e->text) memcpy(e->text + len, " (via portal)", 14);
    }
    return OWED_OK;
}

static int by_date(const void *a, const void *b)
{
    const struct owed__event *x = a, *y = b;
    if (x->date != y->date) return x->date < y->date ? -1 : 1;
    int k = strcmp(x->kind, y->kind);
    if (k) return k;
    return (x->id > y->id) - (x->id < y->id);
}

int owed__customer_timeline(struct owed_store *s, int64_t org, int64_t customer_id,
                            owed_date as_of, const int64_t *inv_ids,
                            const char *const *inv_numbers, size_t ninv,
                            struct owed__timeline *t, struct owed_buf *err)
{
    memset(t, 0, sizeof *t);
    struct ctx c = {.t = t, .customer_id = customer_id, .as_of = as_of, .inv_ids = inv_ids,
                    .inv_numbers = inv_numbers, .ninv = ninv};
    int rc = s->ops->firings_each(s, org, on_firing, &c, err);
    struct owed_outbox_filter of = {.customer_id = customer_id};
    if (!rc) rc = s->ops->outbox_each(s, org, &of, on_message, &c, err);
    if (!rc) rc = s->ops->portal_events_each(s, org, customer_id, on_portal_event, &c, err);
    struct owed_item_filter f = {.customer_id = customer_id};
    if (!rc) rc = s->ops->items_each(s, org, &f, on_item, &c, err);
    free(c.fired);
    free(c.portal_items);
    if (rc) owed__timeline_release(t);
    else if (t->n) qsort(t->ev, t->n, sizeof *t->ev, by_date);
    return rc;
}

void owed__timeline_release(struct owed__timeline *t)
{
    free(t->ev);
    memset(t, 0, sizeof *t);
}
