/* What a dunning run on a date does (DESIGN.md "Dunning"), computed from one snapshot and
 * changing nothing: `owed dunning preview` renders it, `owed dunning run` executes it.
 *
 * For every open sale invoice: the policy of its customer (own, segment, default) gives
 * the latest step on or before the date; it fires unless a step at or after it has fired
 * for that invoice (the firings table), or the invoice is paused:
 *   - a hold on the invoice or on the whole customer (an agency placement is a hold);
 *   - an open dispute: on the whole invoice; a partial one pauses only its amount;
 *   - an open promise to pay, on the invoice or the whole account, until its date;
 *   - a payment plan in good standing: its installments are reminded instead, each with
 *     the policy's steps up to the due step.
 * A promise whose date passed unpaid is broken: the run records it and escalates each of
 * its invoices to the step after the last one fired, even before that step's date. A plan
 * with an installment more than PLAN_GRACE_DAYS late is broken and dunning resumes on the
 * invoice. Fee invoices are not reminded on their own. A step "unless acknowledged" (it
 * asks the customer to confirm receipt) fires only for an invoice whose issued document
 * is not acknowledged; for an acknowledged one, or one without a document (a CSV import),
 * it is still the latest step, so nothing fires in its place.
 *
 * One linear pass over the book; firings sorted by customer (ref order), channel, due
 * date. */
#include <stdlib.h>
#include <string.h>

#include "app/dunning_int.h"
#include "app/files.h"
#include "base.h"
#include "core/aging.h"
#include "core/invoice_doc.h"
#include "io/holidays.h"

enum { PLAN_GRACE_DAYS = 10, THANKS_WINDOW_DAYS = 7 };

static const char *const pause_names[OWED_PAUSE_COUNT] = {
    [OWED_PAUSE_NONE] = "none",       [OWED_PAUSE_HOLD] = "on hold",
    [OWED_PAUSE_DISPUTE] = "disputed", [OWED_PAUSE_PROMISE] = "promised",
    [OWED_PAUSE_PLAN] = "on a plan",  [OWED_PAUSE_MINIMUM] = "under the minimum",
    [OWED_PAUSE_ACKNOWLEDGED] = "acknowledged",
    [OWED_PAUSE_NO_DOCUMENT] = "without a document to acknowledge",
};

const char *owed__pause_name(enum owed__pause p) { return pause_names[p]; }

long owed__book_invoice_index(const struct owed_book *b, int64_t id)
{
    size_t lo = 0, hi = b->ninvoices; /* the book holds invoices in id order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->invoices[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < b->ninvoices && b->invoices[lo].id == id ? (long)lo : -1;
}

static int cmp_firing(const void *a, const void *b)
{
    const struct owed__firing *x = a, *y = b;
    if (x->customer != y->customer) return x->customer < y->customer ? -1 : 1;
    if (x->channel != y->channel) return x->channel < y->channel ? -1 : 1;
    if (x->due != y->due) return x->due < y->due ? -1 : 1;
    if (x->invoice != y->invoice) return x->invoice < y->invoice ? -1 : 1;
    return x->installment < y->installment ? -1 : x->installment > y->installment;
}

/* Sorts the n firings of one group (one customer and channel) by due date, invoice and
 * installment: insertion for the usual handful, qsort for a customer with hundreds. */
static void sort_group(struct owed__firing *f, size_t n)
{
    if (n > 16) {
        qsort(f, n, sizeof *f, cmp_firing);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct owed__firing x = f[i];
        size_t k = i;
        for (; k > 0 && cmp_firing(&f[k - 1], &x) > 0; k--) f[k] = f[k - 1];
        f[k] = x;
    }
}

size_t owed__message_end(const struct owed__dunning *d, size_t i)
{
    size_t j = i + 1;
    while (j < d->n && d->f[j].customer == d->f[i].customer && d->f[j].channel == d->f[i].channel)
        j++;
    return j;
}

int owed__most_severe(const struct owed__dunning *d, size_t i, size_t j)
{
    int s = 0;
    for (size_t k = i; k < j; k++)
        if (d->f[k].step > s) s = d->f[k].step;
    return s;
}

/* Rows grouped by a key (an invoice, a customer): rows of key k are
 * row[start[k] .. start[k + 1]). Built by counting, once, the first time a promise or a
 * plan asks: a scan of every allocation per promise would make many promises quadratic. */
struct group_index {
    uint32_t *start, *row;
};

static void group_index_build(struct group_index *g, size_t nkeys, const uint32_t *keys,
                              size_t nrows)
{
    g->start = owed_xmalloc_big(nkeys + 2, sizeof *g->start, true);
    g->row = owed_xmalloc_big(nrows + 1, sizeof *g->row, false);
    for (size_t k = 0; k < nrows; k++) g->start[keys[k] + 2]++;
    for (size_t k = 2; k < nkeys + 2; k++) g->start[k] += g->start[k - 1];
    for (size_t k = 0; k < nrows; k++) g->row[g->start[keys[k] + 1]++] = (uint32_t)k;
}

static void group_index_free(struct group_index *g)
{
    free(g->start);
    free(g->row);
}

/* Working state of one evaluation. */
struct eval {
    struct owed__dunning *d;
    struct owed_calendar cal;
    uint32_t *cust_by_id; /* customer id -> book index + 1 */
    size_t ncust_by_id;
    int8_t *last_fired;   /* by book invoice: highest step index fired, -1 none */
    owed_date *interest_from; /* by book invoice: the last firing that charged interest */
    bool *thanked;
    uint8_t *pause;       /* by book invoice: enum owed__pause */
    bool *escalate;       /* by book invoice: a promise on it broke in this run */
    int64_t *disputed;    /* by book invoice: amount under partial dispute */
    bool *cust_held, *cust_promised, *cust_escalate; /* by book customer */
    bool *has_profile;                               /* by book customer */
    struct owed_item *items; /* live holds, disputes, promises, plans, installments */
    size_t nitems, cap_items;
    struct { int64_t installment; int8_t last; } *inst_fired;
    size_t ninst_fired, cap_inst_fired;
    size_t cap_f;
    uint8_t *fire;      /* by book invoice: the step that fires + 1, 0 = none */
    size_t nfire;
    uint32_t *group_at; /* by (customer, channel) group: firings, then where they go */
    size_t nch;         /* channels a group index spans */
    struct group_index allocs_by_invoice, payments_by_customer; /* built when first asked */
};

/* Firings are grouped by customer (in ref order, the book's), then channel. */
static size_t group_of(const struct eval *e, uint32_t customer, int channel)
{
    OWED_ASSERT((size_t)channel < e->nch);
    return (size_t)customer * e->nch + (size_t)channel;
}

static long cust_index(const struct eval *e, int64_t id)
{
    return id > 0 && (size_t)id < e->ncust_by_id && e->cust_by_id[id] ? (long)e->cust_by_id[id] - 1
                                                                       : -1;
}

static int on_profile(void *ctx, const struct owed_profile *p)
{
    struct eval *e = ctx;
    long c = cust_index(e, p->customer_id);
    if (c >= 0) {
        e->d->profiles[c] = *p;
        e->has_profile[c] = true;
    }
    return OWED_OK;
}

static int on_firing(void *ctx, const struct owed_firing *f)
{
    struct eval *e = ctx;
    struct owed__dunning *d = e->d;
    if (f->step[0] == 'i' && strchr(f->step, '.')) { /* "i<installment>.<step>" */
        OWED_ALLOC_GROW(e->inst_fired, e->ninst_fired + 1, e->cap_inst_fired);
        e->inst_fired[e->ninst_fired].installment = strtoll(f->step + 1, NULL, 10);
        e->inst_fired[e->ninst_fired++].last = (int8_t)f->severity;
        return OWED_OK;
    }
    long i = owed__book_invoice_index(&d->book, f->invoice_id);
    if (i < 0) return OWED_OK;
    if (strcmp(f->step, "thanks") == 0) {
        e->thanked[i] = true;
        return OWED_OK;
    }
    /* By name in the invoice's current policy; a step the policy no longer has counts
     * with the severity it fired with, so that editing a policy never re-sends. */
    const struct owed_dunning_policy *p =
        &d->policies.list[d->cust_policy[d->book.invoices[i].customer]];
    int k = owed_dunning_step_index(p, f->step);
    if (k < 0) k = f->severity < (int)p->nsteps ? f->severity : (int)p->nsteps - 1;
    if (k > e->last_fired[i]) e->last_fired[i] = (int8_t)k;
    if (owed_dunning_step_index(p, f->step) >= 0 && p->steps[k].interest[0] &&
        f->fired_on > e->interest_from[i])
        e->interest_from[i] = f->fired_on;
    return OWED_OK;
}

static int on_item(void *ctx, const struct owed_item *it)
{
    struct eval *e = ctx;
    if (it->kind > OWED_ITEM_INSTALLMENT) return OWED_OK; /* notes, calls, tasks */
    OWED_ALLOC_GROW(e->items, e->nitems + 1, e->cap_items);
    e->items[e->nitems++] = *it;
    return OWED_OK;
}

static void change(struct owed__dunning *d, const struct owed_item *it, enum owed_item_status st)
{
    OWED_ALLOC_GROW(d->changes, d->nchanges + 1, d->cap_changes);
    d->changes[d->nchanges++] = (struct owed__change){it->id, it->kind, st};
}

/* Money paid: cash, not a credit note, discount or write-off. */
static bool is_cash(uint8_t kind) { return kind == 0 || kind == OWED_PAYMENT_CASH; }

/* Cash allocated to invoice i, dated in [from, to]. */
static int64_t paid_on_invoice(struct eval *e, size_t i, owed_date from, owed_date to)
{
    const struct owed_book *b = &e->d->book;
    if (!e->allocs_by_invoice.start) {
        uint32_t *keys = owed_xmalloc_big(b->nallocs + 1, sizeof *keys, false);
        for (size_t k = 0; k < b->nallocs; k++) keys[k] = b->allocs[k].invoice;
        group_index_build(&e->allocs_by_invoice, b->ninvoices, keys, b->nallocs);
        free(keys);
    }
    int64_t sum = 0;
    const struct group_index *g = &e->allocs_by_invoice;
    for (uint32_t r = g->start[i]; r < g->start[i + 1]; r++) {
        const struct owed_book_alloc *a = &b->allocs[g->row[r]];
        if (a->date >= from && a->date <= to && is_cash(a->kind)) sum += a->amount_minor;
    }
    return sum;
}

/* Cash received from customer c, dated in [from, to]. */
static int64_t paid_by_customer(struct eval *e, size_t c, owed_date from, owed_date to)
{
    const struct owed_book *b = &e->d->book;
    if (!e->payments_by_customer.start) {
        uint32_t *keys = owed_xmalloc_big(b->npayments + 1, sizeof *keys, false);
        for (size_t k = 0; k < b->npayments; k++) keys[k] = b->payments[k].customer;
        group_index_build(&e->payments_by_customer, b->ncustomers, keys, b->npayments);
        free(keys);
    }
    int64_t sum = 0;
    const struct group_index *g = &e->payments_by_customer;
    for (uint32_t r = g->start[c]; r < g->start[c + 1]; r++) {
        const struct owed_book_payment *p = &b->payments[g->row[r]];
        if (p->received_date >= from && p->received_date <= to && is_cash(p->kind))
            sum += p->amount_minor;
    }
    return sum;
}

static void pause_invoice(struct eval *e, long i, enum owed__pause why)
{
    if (i >= 0 && !e->pause[i]) e->pause[i] = (uint8_t)why;
}

static void add_firing(struct eval *e, struct owed__firing f)
{
    struct owed__dunning *d = e->d;
    OWED_ALLOC_GROW(d->f, d->n + 1, e->cap_f);
    d->f[d->n++] = f;
}

/* The next installment of a plan in good standing, reminded with the policy's steps up to
 * the due step; `rest` is what is still unpaid of it. */
static void remind_installment(struct eval *e, long inv, const struct owed_item *it,
                               int64_t rest, int number)
{
    struct owed__dunning *d = e->d;
    const struct owed_book_invoice *bi = &d->book.invoices[inv];
    uint16_t pol = d->cust_policy[bi->customer];
    const struct owed_dunning_policy *p = &d->policies.list[pol];
    struct owed_dunning_policy upto_due = *p;
    upto_due.nsteps = 0;
    while (upto_due.nsteps < p->nsteps && p->steps[upto_due.nsteps].offset_days <= 0)
        upto_due.nsteps++;
    if (!upto_due.nsteps || rest <= 0) return;
    int last = -1;
    for (size_t k = 0; k < e->ninst_fired; k++)
        if (e->inst_fired[k].installment == it->id && e->inst_fired[k].last > last)
            last = e->inst_fired[k].last;
    int k = owed_dunning_due_step(&upto_due, &e->cal, it->date1, d->as_of, rest,
                                  d->book.exponents[bi->currency], last);
    /* A customer on a plan has the invoice: a step asking to confirm receipt is the latest
     * step, and nothing fires. */
    if (k < 0 || p->steps[k].unless_acknowledged) return;
    add_firing(e, (struct owed__firing){.invoice = (uint32_t)inv, .customer = bi->customer,
                                        .policy = pol, .step = (uint8_t)k,
                                        .channel = (uint8_t)p->steps[k].channel,
                                        .due = it->date1, .open = rest,
                                        .installment = it->id, .installment_no = number});
}

static int cmp_installment(const void *a, const void *b)
{
    const struct owed_item *x = *(const struct owed_item *const *)a;
    const struct owed_item *y = *(const struct owed_item *const *)b;
    return x->date1 != y->date1 ? (x->date1 < y->date1 ? -1 : 1) : (x->id > y->id) - (x->id < y->id);
}

static void apply_plan(struct eval *e, const struct owed_item *plan)
{
    struct owed__dunning *d = e->d;
    long inv = owed__book_invoice_index(&d->book, plan->invoice_id);
    if (inv < 0) return;
    const struct owed_item **inst = owed_xmalloc_big(e->nitems + 1, sizeof *inst, false);
    size_t ninst = 0;
    for (size_t k = 0; k < e->nitems; k++)
        if (e->items[k].kind == OWED_ITEM_INSTALLMENT && e->items[k].parent_id == plan->id)
            inst[ninst++] = &e->items[k];
    qsort(inst, ninst, sizeof *inst, cmp_installment);
    owed_date *dues = owed_xmalloc_big(ninst + 1, sizeof *dues, false);
    int64_t *amounts = owed_xmalloc_big(ninst + 1, sizeof *amounts, false);
    for (size_t k = 0; k < ninst; k++) {
        dues[k] = inst[k]->date1;
        amounts[k] = inst[k]->amount_minor;
    }
    int64_t paid = paid_on_invoice(e, (size_t)inv, plan->opened_on, d->as_of);
    size_t next;
    enum owed_item_status st =
        owed_plan_state(dues, amounts, ninst, paid, d->as_of, PLAN_GRACE_DAYS, &next);
    if (st == OWED_ST_OPEN) {
        pause_invoice(e, inv, OWED_PAUSE_PLAN);
        int64_t covered = paid; /* what earlier installments left over for this one */
        for (size_t k = 0; k < next; k++) covered -= amounts[k];
        if (next < ninst)
            remind_installment(e, inv, inst[next], amounts[next] - covered, (int)next + 1);
    } else {
        change(d, plan, st); /* broken: dunning resumes; completed: nothing to ask */
    }
    free(dues);
    free(amounts);
    free(inst);
}

static void apply_items(struct eval *e)
{
    struct owed__dunning *d = e->d;
    for (size_t k = 0; k < e->nitems; k++) {
        const struct owed_item *it = &e->items[k];
        long inv = it->invoice_id ? owed__book_invoice_index(&d->book, it->invoice_id) : -1;
        long cust = cust_index(e, it->customer_id);
        if (it->status != OWED_ST_OPEN && it->status != OWED_ST_INVESTIGATING) continue;
        switch (it->kind) {
        case OWED_ITEM_HOLD:
            if (it->invoice_id) pause_invoice(e, inv, OWED_PAUSE_HOLD);
            else if (cust >= 0) e->cust_held[cust] = true;
            break;
        case OWED_ITEM_DISPUTE:
            if (inv < 0) break;
            if (it->amount_minor > 0) e->disputed[inv] += it->amount_minor;
            else pause_invoice(e, inv, OWED_PAUSE_DISPUTE);
            break;
        case OWED_ITEM_PROMISE: {
            int64_t paid = it->invoice_id
                               ? (inv >= 0 ? paid_on_invoice(e, (size_t)inv,
                                                             it->opened_on, d->as_of)
                                           : 0)
                               : (cust >= 0 ? paid_by_customer(e, (size_t)cust,
                                                               it->opened_on, d->as_of)
                                            : 0);
            enum owed_item_status st =
                owed_promise_state(it->date1, it->amount_minor, paid, d->as_of);
            if (st != OWED_ST_OPEN) change(d, it, st);
            if (st == OWED_ST_OPEN) {
                if (it->invoice_id) pause_invoice(e, inv, OWED_PAUSE_PROMISE);
                else if (cust >= 0) e->cust_promised[cust] = true;
            } else if (st == OWED_ST_BROKEN) {
                if (it->invoice_id && inv >= 0) e->escalate[inv] = true;
                else if (cust >= 0) e->cust_escalate[cust] = true;
            }
            break;
        }
        case OWED_ITEM_PLAN:
            apply_plan(e, it);
            break;
        default:
            break;
        }
    }
}

static int load_calendar(struct owed_store *s, int64_t org, owed_date **dates, size_t *n,
                         struct owed_buf *err)
{
    struct owed_org_settings set;
    memset(&set, 0, sizeof set);
    int rc = s->ops->org_settings_get(s, org, &set, err);
    if (rc || !set.calendar[0]) return rc;
    char path[4096];
    owed__data_path("calendars", set.calendar, ".json", path, sizeof path);
    return owed_holidays_load(path, dates, n, err);
}

/* Why a step "unless acknowledged" does not fire for book invoice i, or NONE when it does:
 * the invoice has an issued document that is not acknowledged yet. */
static enum owed__pause ack_pause(const struct owed__dunning *d, size_t i)
{
    if (d->ack_doc && d->ack_doc[i] > 0) return OWED_PAUSE_NONE;
    return d->ack_doc && d->ack_doc[i] == OWED__ACKNOWLEDGED ? OWED_PAUSE_ACKNOWLEDGED
                                                            : OWED_PAUSE_NO_DOCUMENT;
}

int64_t owed__ack_doc(const struct owed__dunning *d, const struct owed__firing *f)
{
    if (f->installment || !d->ack_doc) return 0;
    return d->ack_doc[f->invoice] > 0 ? d->ack_doc[f->invoice] : 0;
}

static int on_doc(void *ctx, const struct owed_doc_rec *r)
{
    struct owed__dunning *d = ctx;
    long i = r->ledger_id > 0 ? owed__book_invoice_index(&d->book, r->ledger_id) : -1;
    if (i >= 0) d->ack_doc[i] = r->ack_at[0] ? OWED__ACKNOWLEDGED : r->id;
    return OWED_OK;
}

/* The acknowledgement state of every issued invoice document, in one pass over them (not a
 * query per invoice: a book holds a million), and only when some policy asks for it. */
static int load_ack_states(struct owed_store *s, int64_t org, struct owed__dunning *d,
                           struct owed_buf *err)
{
    bool any = false;
    for (size_t p = 0; p < d->policies.n; p++)
        for (size_t k = 0; k < d->policies.list[p].nsteps; k++)
            any |= d->policies.list[p].steps[k].unless_acknowledged;
    if (!any) return OWED_OK;
    d->ack_doc = owed_xmalloc_big(d->book.ninvoices + 1, sizeof *d->ack_doc, true);
    struct owed_doc_filter f = {.status = OWED_DOCST_ISSUED, .type = OWED_DOC_INVOICE};
    return s->ops->docs_each(s, org, &f, on_doc, d, err);
}

static void evaluate_invoices(struct eval *e)
{
    struct owed__dunning *d = e->d;
    const struct owed_book *b = &d->book;
    for (size_t i = 0; i < b->ninvoices; i++) {
        const struct owed_book_invoice *inv = &b->invoices[i];
        if (d->open[i] <= 0 || inv->kind == OWED_INVOICE_FEE) continue;
        const struct owed_dunning_policy *p = &d->policies.list[d->cust_policy[inv->customer]];
        int64_t ask = d->open[i] - e->disputed[i];
        bool escalate = e->escalate[i] || e->cust_escalate[inv->customer];
        int exp = b->exponents[inv->currency];
        /* The step by date alone (INT64_MAX passes every minimum); the minimum below. */
        int k = owed_dunning_due_step(p, &e->cal, inv->due_date, d->as_of, INT64_MAX, exp,
                                      e->last_fired[i]);
        if (k < 0 && escalate && inv->due_date <= d->as_of &&
            e->last_fired[i] + 1 < (int)p->nsteps)
            k = e->last_fired[i] + 1; /* a broken promise: the next step now */
        if (k < 0) continue;
        enum owed__pause why = (enum owed__pause)e->pause[i];
        if (!why && e->cust_held[inv->customer]) why = OWED_PAUSE_HOLD;
        if (!why && e->cust_promised[inv->customer]) why = OWED_PAUSE_PROMISE;
        if (!why && ask <= 0) why = OWED_PAUSE_DISPUTE;
        if (!why && p->steps[k].unless_acknowledged) why = ack_pause(d, i);
        if (!why && !owed_dunning_step_minimum_met(&p->steps[k], ask, exp))
            why = OWED_PAUSE_MINIMUM;
        if (why) {
            d->paused[why]++;
            continue;
        }
        e->fire[i] = (uint8_t)(k + 1);
        e->nfire++;
        e->group_at[group_of(e, inv->customer, p->steps[k].channel) + 1]++;
    }
}

/* The firing of invoice i at step k (evaluate_invoices() decided that it fires). */
static struct owed__firing invoice_firing(const struct eval *e, size_t i, int k)
{
    const struct owed__dunning *d = e->d;
    const struct owed_book_invoice *inv = &d->book.invoices[i];
    uint16_t pol = d->cust_policy[inv->customer];
    return (struct owed__firing){.invoice = (uint32_t)i, .customer = inv->customer,
                                 .policy = pol, .step = (uint8_t)k,
                                 .channel = (uint8_t)d->policies.list[pol].steps[k].channel,
                                 .due = inv->due_date, .open = d->open[i] - e->disputed[i],
                                 .escalated = e->escalate[i] || e->cust_escalate[inv->customer],
                                 .interest_from = e->interest_from[i]};
}

/* Builds d->f in the order of cmp_firing from the installments' firings (already in d->f)
 * and the invoices' (e->fire), each written once at its group's place. */
static void place_firings(struct eval *e)
{
    struct owed__dunning *d = e->d;
    size_t ninst = d->n, n = ninst + e->nfire;
    size_t ngroups = d->book.ncustomers * e->nch;
    OWED_ASSERT(n < UINT32_MAX);
    for (size_t k = 0; k < ninst; k++)
        e->group_at[group_of(e, d->f[k].customer, d->f[k].channel) + 1]++;
    for (size_t g = 1; g <= ngroups; g++) e->group_at[g] += e->group_at[g - 1];
    struct owed__firing *out = owed_xmalloc_big(n + 1, sizeof *out, false);
    for (size_t k = 0; k < ninst; k++)
        out[e->group_at[group_of(e, d->f[k].customer, d->f[k].channel)]++] = d->f[k];
    for (size_t i = 0; i < d->book.ninvoices; i++) {
        if (!e->fire[i]) continue;
        struct owed__firing f = invoice_firing(e, i, e->fire[i] - 1);
        out[e->group_at[group_of(e, f.customer, f.channel)]++] = f;
    }
    free(d->f);
    d->f = out;
    d->n = n;
    for (size_t i = 0, j; i < n; i = j) {
        j = owed__message_end(d, i);
        if (j - i > 1) sort_group(&d->f[i], j - i);
    }
}

/* Sale invoices paid in full on or before their due date, within the last week, not yet
 * thanked, of customers whose policy thanks. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Thank-you notes in customer order (the book's, by ref), each customer's invoices in book
 * order: one message per customer, in the preview as in the run. */
static void group_thanks(struct owed__dunning *d)
{
    if (d->nthanks < 2) return;
    uint64_t *keys = owed_xmalloc_big(d->nthanks, sizeof *keys, false);
    for (size_t i = 0; i < d->nthanks; i++)
        keys[i] = (uint64_t)d->book.invoices[d->thanks[i]].customer << 32 | d->thanks[i];
    qsort(keys, d->nthanks, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < d->nthanks; i++) d->thanks[i] = (uint32_t)keys[i];
    free(keys);
}

static void find_thanks(struct eval *e)
{
    struct owed__dunning *d = e->d;
    const struct owed_book *b = &d->book;
    bool any = false;
    for (size_t p = 0; p < d->policies.n; p++) any |= d->policies.list[p].thank_you;
    if (!any) return;
    /* Paid means paid with money: an invoice settled by a credit note or a write-off is
     * not thanked for (a discount taken or a small difference still is). */
    owed_date *last = owed_xmalloc_big(b->ninvoices + 1, sizeof *last, true);
    uint8_t *how = owed_xmalloc_big(b->ninvoices + 1, sizeof *how, true); /* 1 cash, 2 credit */
    for (size_t k = 0; k < b->nallocs; k++) {
        const struct owed_book_alloc *a = &b->allocs[k];
        if (a->date > d->as_of) continue;
        if (a->date > last[a->invoice]) last[a->invoice] = a->date;
        if (is_cash(a->kind)) how[a->invoice] |= 1;
        if (a->kind == OWED_PAYMENT_CREDIT_NOTE || a->kind == OWED_PAYMENT_WRITE_OFF)
            how[a->invoice] |= 2;
    }
    d->thanks = owed_xmalloc_big(b->ninvoices + 1, sizeof *d->thanks, false);
    for (size_t i = 0; i < b->ninvoices; i++) {
        const struct owed_book_invoice *inv = &b->invoices[i];
        if (d->open[i] != 0 || inv->kind == OWED_INVOICE_FEE || e->thanked[i] ||
            !d->policies.list[d->cust_policy[inv->customer]].thank_you)
            continue;
        if (last[i] && last[i] <= inv->due_date && last[i] > d->as_of - THANKS_WINDOW_DAYS &&
            how[i] == 1)
            d->thanks[d->nthanks++] = (uint32_t)i;
    }
    free(last);
    free(how);
    group_thanks(d);
}

int owed__dunning_eval(struct owed_store *s, int64_t org, owed_date as_of,
                       struct owed__dunning *d, struct owed_buf *err)
{
    memset(d, 0, sizeof *d);
    d->as_of = as_of;
    struct eval e = {.d = d};
    owed_date *holidays = NULL;
    size_t nholidays = 0;
    int rc = load_calendar(s, org, &holidays, &nholidays, err);
    if (!rc) rc = owed__policies_load(s, org, &d->policies, err);
    if (!rc) rc = owed_book_load(s, org, as_of, true, &d->book, err);
    if (rc) {
        free(holidays);
        owed__policies_release(&d->policies);
        return rc;
    }
    e.cal = (struct owed_calendar){holidays, nholidays};
    const struct owed_book *b = &d->book;
    size_t ni = b->ninvoices + 1, nc = b->ncustomers + 1;
    d->open = owed_xmalloc_big(ni, sizeof *d->open, false);
    owed_book_open_amounts(b, as_of, d->open);
    d->cust_policy = owed_xmalloc_big(nc, sizeof *d->cust_policy, true);
    /* calloc, not owed_xmalloc_big: few customers have a profile, and the pages of the
     * others (600 bytes each) are never touched. */
    d->profiles = owed_xcalloc(nc, sizeof *d->profiles);
    e.has_profile = owed_xcalloc(nc, sizeof *e.has_profile);
    for (size_t c = 0; c < b->ncustomers; c++)
        if ((size_t)b->customers[c].id + 1 > e.ncust_by_id) e.ncust_by_id = (size_t)b->customers[c].id + 1;
    e.cust_by_id = owed_xmalloc_big(e.ncust_by_id + 1, sizeof *e.cust_by_id, true);
    for (size_t c = 0; c < b->ncustomers; c++) e.cust_by_id[b->customers[c].id] = (uint32_t)c + 1;
    e.last_fired = owed_xmalloc_big(ni, sizeof *e.last_fired, false);
    memset(e.last_fired, -1, ni);
    e.interest_from = owed_xmalloc_big(ni, sizeof *e.interest_from, true);
    e.thanked = owed_xmalloc_big(ni, sizeof *e.thanked, true);
    e.pause = owed_xmalloc_big(ni, sizeof *e.pause, true);
    e.escalate = owed_xmalloc_big(ni, sizeof *e.escalate, true);
    e.disputed = owed_xmalloc_big(ni, sizeof *e.disputed, true);
    e.cust_held = owed_xmalloc_big(nc, sizeof *e.cust_held, true);
    e.cust_promised = owed_xmalloc_big(nc, sizeof *e.cust_promised, true);
    e.cust_escalate = owed_xmalloc_big(nc, sizeof *e.cust_escalate, true);
    e.fire = owed_xcalloc(ni, sizeof *e.fire);
    for (size_t p = 0; p < d->policies.n; p++)
        for (size_t k = 0; k < d->policies.list[p].nsteps; k++)
            if ((size_t)d->policies.list[p].steps[k].channel + 1 > e.nch)
                e.nch = (size_t)d->policies.list[p].steps[k].channel + 1;
    e.group_at = owed_xcalloc(b->ncustomers * e.nch + 1, sizeof *e.group_at);

    rc = s->ops->profiles_each(s, org, on_profile, &e, err);
    for (size_t c = 0; !rc && c < b->ncustomers; c++)
        d->cust_policy[c] = (uint16_t)owed__policy_for(
            &d->policies, b->customers[c].ref, e.has_profile[c] ? d->profiles[c].segment : "");
    if (!rc) rc = s->ops->firings_each(s, org, on_firing, &e, err);
    if (!rc) rc = load_ack_states(s, org, d, err);
    struct owed_item_filter live = {.live_only = true};
    if (!rc) rc = s->ops->items_each(s, org, &live, on_item, &e, err);
    if (!rc) {
        apply_items(&e);
        evaluate_invoices(&e);
        find_thanks(&e);
        place_firings(&e);
    }
    free(e.cust_by_id);
    free(e.last_fired);
    free(e.interest_from);
    free(e.thanked);
    free(e.pause);
    free(e.escalate);
    free(e.disputed);
    free(e.cust_held);
    free(e.cust_promised);
    free(e.cust_escalate);
    free(e.has_profile);
    free(e.fire);
    free(e.group_at);
    free(e.items);
    free(e.inst_fired);
    group_index_free(&e.allocs_by_invoice);
    group_index_free(&e.payments_by_customer);
    free(holidays);
    if (rc) owed__dunning_release(d);
    return rc;
}

void owed__dunning_release(struct owed__dunning *d)
{
    owed_book_release(&d->book);
    owed__policies_release(&d->policies);
    free(d->open);
    free(d->ack_doc);
    free(d->cust_policy);
    free(d->profiles);
    free(d->f);
    free(d->thanks);
    free(d->changes);
    memset(d, 0, sizeof *d);
}
