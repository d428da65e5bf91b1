/* Holds, disputes, promises to pay, payment plans, notes, calls and tasks: the collection
 * items (core/collections.h) that people record and that pause or shape dunning
 * (app/dunning_eval.c). Each use case is one transaction. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/cash_int.h"
#include "app/events.h"
#include "app/render.h"
#include "base.h"
#include "core/collections.h"
#include "owed/money.h"

static int refused(struct owed_buf *err, int rc, const char *fmt, const char *arg)
{
    owed_buf_addf(err, fmt, arg);
    return rc;
}

/* Resolves the customer (by ref) and/or the invoice (by number) an item is about. With only
 * an invoice, the customer is the invoice's. */
static int resolve(struct owed_store *s, int64_t org, const char *customer_ref,
                   const char *invoice_number, struct owed_item *it, struct owed_invoice *inv,
                   struct owed_buf *err)
{
    int rc;
    if (invoice_number && *invoice_number) {
        rc = s->ops->invoice_get(s, org, invoice_number, inv, err);
        if (rc == OWED_E_NOT_FOUND)
            return refused(err, rc, "no invoice '%s'", invoice_number);
        if (rc) return rc;
        it->invoice_id = inv->id;
        it->customer_id = inv->customer_id;
        memcpy(it->currency, inv->currency, 4);
    }
    if (customer_ref && *customer_ref) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) return refused(err, rc, "no customer '%s'", customer_ref);
        if (rc) return rc;
        if (it->invoice_id && it->customer_id != c.id)
            return refused(err, OWED_E_INVALID, "invoice %s belongs to another customer",
                           invoice_number);
        it->customer_id = c.id;
        if (!it->currency[0]) memcpy(it->currency, c.currency, 4);
    }
    if (!it->customer_id) {
        owed_buf_adds(err, "say which customer or invoice");
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

static int parse_amount(const char *text, const char *currency, int64_t *out, struct owed_buf *err)
{
    if (owed_amount_parse(text, strlen(text), owed_currency_exponent(currency), out) != OWED_OK ||
        *out <= 0)
        return refused(err, OWED_E_INVALID, "'%s' is not an amount above zero", text);
    return OWED_OK;
}

static int insert(struct owed_store *s, int64_t org, struct owed_item *it, struct owed_buf *err)
{
    if (strlen(it->body) >= sizeof it->body - 1) {
        owed_buf_addf(err, "text longer than %d bytes", OWED_ITEM_BODY_MAX - 1);
        return OWED_E_INVALID;
    }
    return s->ops->item_insert(s, org, it, err);
}

#define TX(call)                                                 \
    do {                                                         \
        int rc_ = s->ops->begin(s, err);                         \
        if (rc_) return rc_;                                     \
        rc_ = (call);                                            \
        if (!rc_) rc_ = s->ops->commit(s, err);                  \
        if (rc_) s->ops->rollback(s);                            \
        return rc_;                                              \
    } while (0)

static int add_disputed(void *ctx, const struct owed_item *it)
{
    *(int64_t *)ctx += it->amount_minor;
    return OWED_OK;
}

/* The amount under open partial disputes on an invoice. */
static int disputed_on(struct owed_store *s, int64_t org, int64_t invoice_id, int64_t *sum,
                       struct owed_buf *err)
{
    struct owed_item_filter f = {.kind = OWED_ITEM_DISPUTE, .invoice_id = invoice_id,
                                 .live_only = true};
    *sum = 0;
    return s->ops->items_each(s, org, &f, add_disputed, sum, err);
}

int owed__item_add_in(struct owed_store *s, int64_t org, const struct owed_item_req *r,
                      int64_t *id, struct owed_buf *err)
{
    struct owed_item it;
    struct owed_invoice inv;
    memset(&it, 0, sizeof it);
    it.kind = r->kind;
    it.status = OWED_ST_OPEN;
    it.opened_on = r->today;
    int rc = resolve(s, org, r->customer_ref, r->invoice_number, &it, &inv, err);
    if (rc) return rc;
    if (r->code) snprintf(it.code, sizeof it.code, "%s", r->code);
    if (r->text) snprintf(it.body, sizeof it.body, "%s", r->text);
    switch (r->kind) {
    case OWED_ITEM_HOLD:
        if (!r->text || !*r->text) return refused(err, OWED_E_INVALID, "%s", "a hold needs --reason");
        it.date1 = r->today;
        break;
    case OWED_ITEM_DISPUTE:
        if (!it.invoice_id) return refused(err, OWED_E_INVALID, "%s", "a dispute is about an invoice (--invoice)");
        if (!r->code || !owed_dispute_reason_valid(r->code))
            return refused(err, OWED_E_INVALID,
                           "'%s' is not a dispute reason (pricing, quantity, damaged, "
                           "not_received, duplicate_billing, other)", r->code ? r->code : "");
        if (r->amount && (rc = parse_amount(r->amount, it.currency, &it.amount_minor, err))) return rc;
        /* Partial disputes add up: together they cannot exceed what is open. */
        int64_t disputed = 0;
        if (it.amount_minor && (rc = disputed_on(s, org, inv.id, &disputed, err))) return rc;
        if (it.amount_minor > inv.amount_minor - inv.allocated_minor - disputed)
            return refused(err, OWED_E_INVALID,
                           disputed ? "the disputed amounts add up to more than is open on %s"
                                    : "the disputed amount is more than is open on %s",
                           inv.number);
        it.date1 = r->today;
        break;
    case OWED_ITEM_PROMISE:
        if (!r->date) return refused(err, OWED_E_INVALID, "%s", "a promise needs --date");
        if (r->date < r->today)
            return refused(err, OWED_E_INVALID, "%s", "a promise date cannot be in the past");
        if (!r->amount) return refused(err, OWED_E_INVALID, "%s", "a promise needs --amount");
        if ((rc = parse_amount(r->amount, it.currency, &it.amount_minor, err))) return rc;
        it.date1 = r->date;
        break;
    case OWED_ITEM_CALL:
        if (!r->code || !owed_call_outcome_valid(r->code))
            return refused(err, OWED_E_INVALID,
                           "'%s' is not a call outcome (reached, no_answer, left_message, "
                           "wrong_number, promised, disputed, refused, callback)",
                           r->code ? r->code : "");
        it.status = OWED_ST_DONE;
        it.date1 = r->today;
        break;
    case OWED_ITEM_NOTE:
        if (!r->text || !*r->text) return refused(err, OWED_E_INVALID, "%s", "a note needs text");
        it.status = OWED_ST_DONE;
        it.date1 = r->today;
        break;
    default:
        return refused(err, OWED_E_INVALID, "%s", "not an item one adds this way");
    }
    rc = insert(s, org, &it, err);
    if (!rc) *id = it.id;
    if (!rc && it.kind == OWED_ITEM_DISPUTE) { /* in this transaction: told iff recorded */
        struct owed_events ev;
        owed_events_init(&ev, s, org, 0);
        rc = owed__event_item(&ev, "dispute.opened", &it, err);
        owed_events_release(&ev);
    }
    return rc;
}

int owed_item_add(struct owed_store *s, int64_t org, const struct owed_item_req *r, int64_t *id,
                  struct owed_buf *err)
{
    TX(owed__item_add_in(s, org, r, id, err));
}

/* Which status changes are allowed, by kind: from a live status to a closing one. */
static bool transition_ok(enum owed_item_kind k, enum owed_item_status from,
                          enum owed_item_status to)
{
    bool live = from == OWED_ST_OPEN || from == OWED_ST_INVESTIGATING;
    switch (k) {
    case OWED_ITEM_HOLD:
        return from == OWED_ST_OPEN && to == OWED_ST_RELEASED;
    case OWED_ITEM_DISPUTE:
        return live && (to == OWED_ST_INVESTIGATING || to == OWED_ST_RESOLVED_CREDIT ||
                        to == OWED_ST_RESOLVED_UPHELD || to == OWED_ST_REJECTED) &&
               from != to;
    case OWED_ITEM_PROMISE:
    case OWED_ITEM_PLAN:
        return from == OWED_ST_OPEN && to == OWED_ST_CANCELLED;
    case OWED_ITEM_TASK:
        return from == OWED_ST_OPEN && (to == OWED_ST_DONE || to == OWED_ST_CANCELLED);
    default:
        return false;
    }
}

static int item_close_body(struct owed_store *s, int64_t org, const struct owed_item_close *r,
                           struct owed_buf *out, struct owed_buf *err)
{
    struct owed_item it;
    int rc = s->ops->item_get(s, org, r->id, &it, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_addf(err, "no item %lld", (long long)r->id);
        return rc;
    }
    if (rc) return rc;
    if (r->kind && it.kind != r->kind) {
        owed_buf_addf(err, "item %lld is a %s, not a %s", (long long)r->id,
                      owed_item_kind_name(it.kind), owed_item_kind_name(r->kind));
        return OWED_E_INVALID;
    }
    if (!transition_ok(it.kind, it.status, r->status)) {
        owed_buf_addf(err, "%s %lld is %s: it cannot become %s", owed_item_kind_name(it.kind),
                      (long long)it.id, owed_item_status_name(it.status),
                      owed_item_status_name(r->status));
        return OWED_E_INVALID;
    }
    /* An outcome is what a call achieved: it closes a task, and never replaces a dispute's
     * reason or a hold's code. */
    if (r->code && it.kind != OWED_ITEM_TASK) {
        owed_buf_addf(err, "--outcome is for tasks (owed tasks done ID --outcome CODE), not a %s",
                      owed_item_kind_name(it.kind));
        return OWED_E_INVALID;
    }
    if (r->code && !owed_call_outcome_valid(r->code))
        return refused(err, OWED_E_INVALID,
                       "'%s' is not a call outcome (reached, no_answer, left_message, "
                       "wrong_number, promised, disputed, refused, callback)",
                       r->code);
    if (r->status == OWED_ST_RESOLVED_CREDIT) {
        /* The credit note that settles the dispute, in this same transaction. */
        struct owed_invoice inv;
        if ((rc = s->ops->invoice_get_id(s, org, it.invoice_id, &inv, err))) return rc;
        char number[OWED_REF_MAX + 1], amount[64];
        snprintf(number, sizeof number, "CN-DISPUTE-%lld", (long long)it.id);
        struct owed_buf a = OWED_BUF_INIT(0);
        int64_t credit = it.amount_minor ? it.amount_minor : inv.amount_minor - inv.allocated_minor;
        owed_amount_format(&a, credit, owed_currency_exponent(inv.currency), false);
        snprintf(amount, sizeof amount, "%s", r->amount ? r->amount : a.ptr);
        owed_buf_release(&a);
        rc = owed__cash_credit_note_in(s, org, number, NULL, inv.number, amount, r->today,
                                       "dispute resolved", out, err);
        if (rc) return rc;
    }
    if (r->code) snprintf(it.code, sizeof it.code, "%s", r->code);
    if (r->text && *r->text) {
        size_t len = strlen(it.body);
        snprintf(it.body + len, sizeof it.body - len, "%s%s", len ? "\n" : "", r->text);
    }
    it.status = r->status;
    if (r->status != OWED_ST_INVESTIGATING) it.date2 = r->today;
    return s->ops->item_update(s, org, &it, err);
}

int owed_item_close(struct owed_store *s, int64_t org, const struct owed_item_close *r,
                    struct owed_buf *out, struct owed_buf *err)
{
    TX(item_close_body(s, org, r, out, err));
}

static int item_exists(void *ctx, const struct owed_item *it)
{
    (void)it;
    *(bool *)ctx = true;
    return OWED_OK;
}

static int plan_create_body(struct owed_store *s, int64_t org, const struct owed_plan_req *r,
                            int64_t *id, struct owed_buf *out, struct owed_buf *err)
{
    if (r->installments < 2 || r->installments > 60 || r->every_days < 1 || r->every_days > 366)
        return refused(err, OWED_E_INVALID, "%s",
                       "a plan has 2 to 60 installments, 1 to 366 days apart");
    struct owed_item plan;
    struct owed_invoice inv;
    memset(&plan, 0, sizeof plan);
    int rc = resolve(s, org, NULL, r->invoice_number, &plan, &inv, err);
    if (rc) return rc;
    int64_t open = inv.amount_minor - inv.allocated_minor;
    if (open <= 0) return refused(err, OWED_E_INVALID, "invoice %s is paid", inv.number);
    if (r->first_due < r->today)
        return refused(err, OWED_E_INVALID, "%s", "the first installment cannot be due in the past");
    struct owed_item_filter f = {.kind = OWED_ITEM_PLAN, .invoice_id = inv.id, .live_only = true};
    bool exists = false;
    rc = s->ops->items_each(s, org, &f, item_exists, &exists, err);
    if (rc) return rc;
    if (exists) return refused(err, OWED_E_EXISTS, "invoice %s already has an active plan", inv.number);
    plan.kind = OWED_ITEM_PLAN;
    plan.status = OWED_ST_OPEN;
    plan.amount_minor = open;
    plan.opened_on = r->today;
    plan.date1 = r->first_due;
    snprintf(plan.body, sizeof plan.body, "%d installments every %d days", r->installments,
             r->every_days);
    if ((rc = insert(s, org, &plan, err))) return rc;
    int64_t amounts[60];
    owed_date dues[60];
    owed_plan_split(open, r->installments, r->first_due, r->every_days, amounts, dues);
    int exp = owed_currency_exponent(inv.currency);
    owed_buf_addf(out, "plan %lld for %s:\n", (long long)plan.id, inv.number);
    for (int k = 0; k < r->installments && !rc; k++) {
        struct owed_item in = plan;
        in.id = 0;
        in.kind = OWED_ITEM_INSTALLMENT;
        in.parent_id = plan.id;
        in.amount_minor = amounts[k];
        in.date1 = dues[k];
        snprintf(in.code, sizeof in.code, "%d", k + 1);
        in.body[0] = '\0';
        rc = insert(s, org, &in, err);
        char d[11];
        owed_date_format(dues[k], d);
        owed_buf_addf(out, "  %2d  %s  ", k + 1, d);
        owed_amount_format(out, amounts[k], exp, true);
        owed_buf_addf(out, " %s\n", inv.currency);
    }
    if (!rc) *id = plan.id;
    return rc;
}

int owed_plan_create(struct owed_store *s, int64_t org, const struct owed_plan_req *r,
                     int64_t *id, struct owed_buf *out, struct owed_buf *err)
{
    TX(plan_create_body(s, org, r, id, out, err));
}

int owed__plan_create_in(struct owed_store *s, int64_t org, const struct owed_plan_req *r,
                         int64_t *id, struct owed_buf *out, struct owed_buf *err)
{
    return plan_create_body(s, org, r, id, out, err);
}

struct profile_find {
    int64_t customer_id;
    struct owed_profile profile;
    bool found;
};

static int profile_find(void *ctx, const struct owed_profile *p)
{
    struct profile_find *pf = ctx;
    if (p->customer_id != pf->customer_id) return OWED_OK;
    pf->profile = *p;
    pf->found = true;
    return OWED_E_EXISTS; /* found: stop */
}

int owed_profile_get(struct owed_store *s, int64_t org, int64_t customer_id,
                     struct owed_profile *out, struct owed_buf *err)
{
    struct profile_find pf = {.customer_id = customer_id};
    int rc = s->ops->profiles_each(s, org, profile_find, &pf, err);
    if (rc == OWED_E_EXISTS) rc = OWED_OK;
    if (rc) return rc;
    *out = pf.found ? pf.profile : (struct owed_profile){.customer_id = customer_id};
    return OWED_OK;
}

int owed_profile_set(struct owed_store *s, int64_t org, const char *customer_ref,
                     const struct owed_profile_changes *ch, struct owed_buf *err)
{
    struct owed_customer c;
    int rc = s->ops->customer_get(s, org, customer_ref, &c, err);
    if (rc == OWED_E_NOT_FOUND) return refused(err, rc, "no customer '%s'", customer_ref);
    if (rc) return rc;
    struct owed_profile p;
    rc = owed_profile_get(s, org, c.id, &p, err);
    if (rc) return rc;
    const struct { const char *v; char *dst; size_t cap; const char *name; } f[] = {
        {ch->segment, p.segment, sizeof p.segment, "segment"},
        {ch->lang, p.lang, sizeof p.lang, "lang"},
        {ch->phone, p.phone, sizeof p.phone, "phone"},
        {ch->address, p.address, sizeof p.address, "address"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(f); i++) {
        if (!f[i].v) continue;
        if (strlen(f[i].v) >= f[i].cap)
            return refused(err, OWED_E_INVALID, "%s is too long", f[i].name);
        snprintf(f[i].dst, f[i].cap, "%s", f[i].v);
    }
    TX(s->ops->profile_set(s, org, &p, err));
}

