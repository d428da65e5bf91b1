/* Cash application use cases (app.h): record a payment, apply it, unapply, credit notes,
 * write-offs, reversals of bounced payments, refunds. Each public function is one store
 * transaction: everything it posts commits together or not at all. The posting rules are
 * core/ledger.c; how one payment settles one invoice (discount, tolerance) is
 * core/settle.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/cash_int.h"
#include "app/events.h"
#include "base.h"
#include "core/ledger.h"
#include "core/settle.h"
#include "core/terms.h"
#include "owed/money.h"

const char *const owed_payment_methods[] = {"card",   "ach",    "sepa", "wire",  "check",
                                            "echeck", "wallet", "cash", "other", NULL};
const char *const owed_payment_channels[] = {"portal", "gateway", "bank", "invoice",
                                             "po",     "other",   NULL};

/* The state of one use case. */
struct cash {
    struct owed_store *s;
    int64_t org;
    struct owed_buf *out, *err;
    struct owed_events *ev; /* the webhook events it queues; NULL = none */
    struct owed_events own; /* ev of a use case of its own */
};

static int invalid(struct cash *c, const char *fmt, ...) OWED_PRINTF(2, 3);
static int invalid(struct cash *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(c->err, fmt, ap);
    va_end(ap);
    return OWED_E_INVALID;
}

static void say(struct cash *c, const char *fmt, ...) OWED_PRINTF(2, 3);
static void say(struct cash *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(c->out, fmt, ap);
    va_end(ap);
    owed_buf_addc(c->out, '\n');
}

/* Formats an amount for messages into a small rotating set of buffers. */
static const char *amt(int64_t minor, const char *currency)
{
    static __thread char ring[4][48];
    static __thread int next;
    char *dst = ring[next++ & 3];
    struct owed_buf b = OWED_BUF_INIT(40);
    owed_amount_format(&b, minor, owed_currency_exponent(currency), true);
    snprintf(dst, 48, "%s", owed_buf_err(&b) ? "?" : b.ptr);
    owed_buf_release(&b);
    return dst;
}

static int parse_amount(struct cash *c, const char *what, const char *text, const char *currency,
                        int64_t *out)
{
    int exp = owed_currency_exponent(currency);
    if (exp < 0) return invalid(c, "%s: unknown currency %s", what, currency);
    if (owed_amount_parse(text, strlen(text), exp, out) != OWED_OK || *out <= 0)
        return invalid(c, "%s: '%s' is not a positive amount in %s (%d decimals at most)", what,
                       text, currency, exp);
    return OWED_OK;
}

static bool given(const char *s) { return s && s[0]; }

static int post(struct cash *c, int rc, const struct owed_entry *e)
{
    if (rc) return invalid(c, "cannot post this entry (amount or currency out of range)");
    return c->s->ops->entry_append(c->s, c->org, e, NULL, c->err);
}

static int load_tolerance(struct cash *c, const char *currency, struct owed_tolerance *tol)
{
    struct owed_org_settings st;
    int rc = c->s->ops->org_settings_get(c->s, c->org, &st, c->err);
    if (rc) return rc;
    if (owed_tolerance_parse(st.tolerance, owed_currency_exponent(currency), tol) != OWED_OK)
        memset(tol, 0, sizeof *tol); /* validated when set; an old value may not fit JPY */
    return OWED_OK;
}

static int get_payment(struct cash *c, const char *ref, struct owed_payment *p)
{
    int rc = c->s->ops->payment_get(c->s, c->org, ref, p, c->err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(c->err, "no payment or credit note '%s'", ref);
    return rc;
}

static int get_invoice(struct cash *c, const char *number, struct owed_invoice *inv)
{
    int rc = c->s->ops->invoice_get(c->s, c->org, number, inv, c->err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(c->err, "no invoice '%s'", number);
    return rc;
}

static int64_t unapplied_of(const struct owed_payment *p)
{
    return p->amount_minor - p->allocated_minor - p->outflow_minor;
}

/* Inserts a payment row of any kind and posts it. */
static int insert_payment(struct cash *c, struct owed_payment *p)
{
    int rc = c->s->ops->payment_insert(c->s, c->org, p, c->err);
    if (rc) return rc;
    struct owed_entry e;
    if (p->kind == OWED_PAYMENT_CASH)
        return post(c, owed_ledger_payment(p->id, p->customer_id, p->currency, p->received_date,
                                           p->amount_minor, &e),
                    &e);
    return post(c, owed_ledger_credit((int)p->kind, p->id, p->customer_id, p->currency,
                                      p->received_date, p->amount_minor, &e),
                &e);
}

static int insert_allocation(struct cash *c, const struct owed_payment *p,
                             const struct owed_invoice *inv, owed_date date, int64_t amount,
                             int64_t reverses)
{
    struct owed_allocation a = {.payment_id = p->id, .invoice_id = inv->id, .date = date,
                                .amount_minor = amount, .reverses = reverses};
    int rc = c->s->ops->allocation_insert(c->s, c->org, &a, c->err);
    if (rc) return rc;
    struct owed_entry e;
    if (amount > 0)
        return post(c, owed_ledger_allocation(a.id, p->customer_id, p->currency, date, amount, &e),
                    &e);
    return post(c, owed_ledger_unapply(a.id, p->customer_id, p->currency, date, -amount, &e), &e);
}

/* The reference of the non-cash credit that goes with a payment on an invoice: one
 * discount and one small difference at most per (payment, invoice). */
static void linked_ref(char *dst, size_t cap, enum owed_payment_kind kind, int64_t payment_id,
                       int64_t invoice_id)
{
    snprintf(dst, cap, "%s-P%lld-I%lld", kind == OWED_PAYMENT_DISCOUNT ? "DISC" : "DIFF",
             (long long)payment_id, (long long)invoice_id);
}

/* A non-cash credit of `kind` applied in full to the invoice. */
static int credit_and_apply(struct cash *c, enum owed_payment_kind kind, const char *ref,
                            const struct owed_invoice *inv, owed_date date, int64_t amount,
                            const char *why)
{
    struct owed_payment d;
    memset(&d, 0, sizeof d);
    snprintf(d.ref, sizeof d.ref, "%s", ref);
    d.customer_id = inv->customer_id;
    d.received_date = date;
    d.amount_minor = amount;
    memcpy(d.currency, inv->currency, 4);
    d.kind = kind;
    snprintf(d.invoice_number, sizeof d.invoice_number, "%s", inv->number);
    snprintf(d.reference, sizeof d.reference, "%s", why ? why : "");
    int rc = insert_payment(c, &d);
    if (rc == OWED_E_EXISTS) owed_buf_addf(c->err, "reference '%s' is already taken", ref);
    if (rc) return rc;
    return insert_allocation(c, &d, inv, date, amount, 0);
}

static owed_date max_date(owed_date a, owed_date b) { return a > b ? a : b; }

/* Applies up to `offered` of payment p to inv, settling by discount or tolerance where the
 * terms and the org allow. *used is the cash applied. */
static int settle_one(struct cash *c, struct owed_payment *p, const struct owed_invoice *inv,
                      int64_t offered, bool may_settle, int64_t *used)
{
    *used = 0;
    if (inv->customer_id != p->customer_id)
        return invalid(c, "invoice %s belongs to another customer than %s %s", inv->number,
                       p->kind == OWED_PAYMENT_CASH ? "payment" : "credit", p->ref);
    if (strcmp(inv->currency, p->currency) != 0)
        return invalid(c, "invoice %s is in %s, %s %s in %s", inv->number, inv->currency,
                       p->kind == OWED_PAYMENT_CASH ? "payment" : "credit", p->ref, p->currency);
    int64_t open = inv->amount_minor - inv->allocated_minor;
    if (open <= 0) return invalid(c, "invoice %s has nothing open", inv->number);
    struct owed_terms terms;
    bool has_terms = inv->terms[0] &&
                     owed_terms_parse(inv->terms, strlen(inv->terms), &terms, NULL) == OWED_OK;
    struct owed_tolerance tol = {0, 0};
    if (may_settle && p->kind == OWED_PAYMENT_CASH) {
        int rc = load_tolerance(c, p->currency, &tol);
        if (rc) return rc;
    }
    struct owed_settlement st;
    owed_settle(open, inv->amount_minor, has_terms && may_settle ? &terms : NULL,
                inv->issue_date, p->received_date, offered,
                may_settle && p->kind == OWED_PAYMENT_CASH ? &tol : NULL, &st);
    owed_date date = max_date(p->received_date, inv->issue_date);
    int rc = insert_allocation(c, p, inv, date, st.apply_minor, 0);
    if (rc) return rc;
    int64_t left = open - st.apply_minor - st.discount_minor - st.writeoff_minor;
    char ref[OWED_REF_MAX + 1];
    if (st.discount_minor) {
        linked_ref(ref, sizeof ref, OWED_PAYMENT_DISCOUNT, p->id, inv->id);
        char why[80];
        snprintf(why, sizeof why, "early-payment discount, terms %s", inv->terms);
        if ((rc = credit_and_apply(c, OWED_PAYMENT_DISCOUNT, ref, inv, date, st.discount_minor,
                                   why)))
            return rc;
    }
    if (st.writeoff_minor) {
        linked_ref(ref, sizeof ref, OWED_PAYMENT_SMALL_DIFF, p->id, inv->id);
        if ((rc = credit_and_apply(c, OWED_PAYMENT_SMALL_DIFF, ref, inv, date, st.writeoff_minor,
                                   "short payment within tolerance")))
            return rc;
    }
    const char *cur = inv->currency;
    if (left == 0)
        say(c, "applied %s %s to %s (closed)", amt(st.apply_minor, cur), cur, inv->number);
    else
        say(c, "applied %s %s to %s (%s still open)", amt(st.apply_minor, cur), cur, inv->number,
            amt(left, cur));
    if (st.discount_minor) {
        char paid[11];
        owed_date_format(p->received_date, paid);
        say(c, "discount %s %s on %s: paid %s, within the discount window of %s",
            amt(st.discount_minor, cur), cur, inv->number, paid, inv->terms);
    }
    if (st.writeoff_minor)
        say(c, "written off %s %s on %s: short payment within the tolerance of %s",
            amt(st.writeoff_minor, cur), cur, inv->number,
            amt(owed_tolerance_for(&tol, open), cur));
    *used = st.apply_minor;
    return OWED_OK;
}

/* ---- open invoices of a customer, for the rules ---- */

struct open_list {
    struct owed_invoice *v;
    size_t n, cap;
    const char *currency;
};

static int on_open_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct open_list *l = ctx;
    if (strcmp(inv->currency, l->currency) != 0) return OWED_OK;
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = *inv;
    return OWED_OK;
}

static int by_due(const void *a, const void *b)
{
    const struct owed_invoice *x = a, *y = b;
    if (x->due_date != y->due_date) return x->due_date < y->due_date ? -1 : 1;
    if (x->issue_date != y->issue_date) return x->issue_date < y->issue_date ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The customer's invoices in the currency with something open, oldest due first, with
 * allocated_minor filled. */
static int open_invoices(struct cash *c, int64_t customer_id, const char *currency,
                         struct open_list *l)
{
    memset(l, 0, sizeof *l);
    l->currency = currency;
    struct owed_list_filter f = {.customer_id = customer_id};
    int rc = c->s->ops->invoices_each(c->s, c->org, &f, on_open_invoice, l, c->err);
    size_t k = 0;
    for (size_t i = 0; !rc && i < l->n; i++) {
        struct owed_invoice full;
        rc = c->s->ops->invoice_get_id(c->s, c->org, l->v[i].id, &full, c->err);
        if (!rc && full.amount_minor - full.allocated_minor > 0) l->v[k++] = full;
    }
    l->n = k;
    if (!rc && l->n) qsort(l->v, l->n, sizeof *l->v, by_due);
    return rc;
}

/* The one open invoice the amount settles exactly (open, discounted or within tolerance). */
static int exact_match(struct cash *c, const struct owed_payment *p, const struct open_list *l,
                       int64_t amount, size_t *found, size_t *count)
{
    struct owed_tolerance tol;
    int rc = load_tolerance(c, p->currency, &tol);
    if (rc) return rc;
    *count = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct owed_invoice *inv = &l->v[i];
        int64_t open = inv->amount_minor - inv->allocated_minor;
        struct owed_terms terms;
        bool has_terms = owed_terms_parse(inv->terms, strlen(inv->terms), &terms, NULL) == OWED_OK;
        int64_t disc = open == inv->amount_minor && has_terms
                           ? owed_discount_for(&terms, inv->issue_date, inv->amount_minor,
                                               p->received_date)
                           : 0;
        bool hit = amount == open || (disc && amount == open - disc) ||
                   (amount < open && open - amount <= owed_tolerance_for(&tol, open));
        if (hit) {
            if (*count == 0) *found = i;
            ++*count;
        }
    }
    return OWED_OK;
}

/* payment.applied, when the payment `ref` now has more applied than before_minor. */
static int emit_applied(struct cash *c, const char *ref, int64_t before_minor)
{
    bool wanted = false;
    int rc = c->ev ? owed_events_wanted(c->ev, "payment.applied", &wanted, c->err) : OWED_OK;
    if (rc || !wanted) return rc;
    struct owed_payment p;
    rc = c->s->ops->payment_get(c->s, c->org, ref, &p, c->err);
    if (rc || p.allocated_minor <= before_minor) return rc;
    return owed__event_payment(c->ev, "payment.applied", ref, c->err);
}

static int apply_rule(struct cash *c, struct owed_payment *p, enum owed_apply_rule rule,
                      const struct owed_apply_target *targets, size_t ntargets)
{
    int64_t left = unapplied_of(p);
    int rc = OWED_OK;
    if (rule == OWED_APPLY_LIST) {
        for (size_t i = 0; i < ntargets && !rc; i++) {
            if (left <= 0)
                return invalid(c, "nothing left of %s to apply to %s", p->ref,
                               targets[i].invoice_number);
            struct owed_invoice inv;
            if ((rc = get_invoice(c, targets[i].invoice_number, &inv))) return rc;
            int64_t want = left;
            if (given(targets[i].amount)) {
                if ((rc = parse_amount(c, targets[i].invoice_number, targets[i].amount,
                                       p->currency, &want)))
                    return rc;
                if (want > left)
                    return invalid(c, "%s: %s %s is more than the %s %s left of %s",
                                   inv.number, amt(want, p->currency), p->currency,
                                   amt(left, p->currency), p->currency, p->ref);
                int64_t open = inv.amount_minor - inv.allocated_minor;
                if (want > open)
                    return invalid(c, "%s: %s %s is more than its open %s %s", inv.number,
                                   amt(want, p->currency), p->currency, amt(open, p->currency),
                                   p->currency);
            }
            int64_t used;
            /* Discounts and tolerance settle only when the amount was not dictated. */
            rc = settle_one(c, p, &inv, want, !given(targets[i].amount), &used);
            left -= used;
        }
    } else if (rule == OWED_APPLY_OLDEST || rule == OWED_APPLY_EXACT) {
        struct open_list l;
        rc = open_invoices(c, p->customer_id, p->currency, &l);
        if (!rc && rule == OWED_APPLY_OLDEST) {
            for (size_t i = 0; i < l.n && left > 0 && !rc; i++) {
                int64_t used;
                rc = settle_one(c, p, &l.v[i], left, true, &used);
                left -= used;
            }
        } else if (!rc) {
            size_t found = 0, count = 0;
            rc = exact_match(c, p, &l, left, &found, &count);
            if (!rc && count == 1) {
                int64_t used;
                rc = settle_one(c, p, &l.v[found], left, true, &used);
                left -= used;
            } else if (!rc) {
                say(c, "%zu open invoices match %s %s exactly: left on account", count,
                    amt(left, p->currency), p->currency);
            }
        }
        free(l.v);
    }
    if (!rc && left > 0)
        say(c, "%s %s of %s stays unapplied on account", amt(left, p->currency), p->currency,
            p->ref);
    return rc;
}

/* ---- inside a caller's transaction (cash_int.h) ---- */

int owed__cash_record(struct owed_store *s, int64_t org, struct owed_payment *p,
                      struct owed_buf *out, struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    int rc = insert_payment(&c, p);
    if (!rc)
        say(&c, "payment %s recorded: %s %s", p->ref, amt(p->amount_minor, p->currency),
            p->currency);
    return rc;
}

int owed__cash_apply_line(struct owed_store *s, int64_t org, const struct owed_payment *p,
                          int64_t invoice_id, int64_t apply_minor, int64_t discount_minor,
                          int64_t writeoff_minor, struct owed_buf *out, struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    struct owed_invoice inv;
    int rc = s->ops->invoice_get_id(s, org, invoice_id, &inv, err);
    if (rc) return rc;
    int64_t open = inv.amount_minor - inv.allocated_minor;
    if (apply_minor + discount_minor + writeoff_minor > open || apply_minor <= 0)
        return invalid(&c, "invoice %s has only %s %s open", inv.number, amt(open, inv.currency),
                       inv.currency);
    owed_date date = max_date(p->received_date, inv.issue_date);
    rc = insert_allocation(&c, p, &inv, date, apply_minor, 0);
    char ref[OWED_REF_MAX + 1];
    if (!rc && discount_minor) {
        linked_ref(ref, sizeof ref, OWED_PAYMENT_DISCOUNT, p->id, inv.id);
        rc = credit_and_apply(&c, OWED_PAYMENT_DISCOUNT, ref, &inv, date, discount_minor,
                              "early-payment discount");
    }
    if (!rc && writeoff_minor) {
        linked_ref(ref, sizeof ref, OWED_PAYMENT_SMALL_DIFF, p->id, inv.id);
        rc = credit_and_apply(&c, OWED_PAYMENT_SMALL_DIFF, ref, &inv, date, writeoff_minor,
                              "short payment within tolerance");
    }
    if (!rc)
        say(&c, "applied %s %s to %s%s", amt(apply_minor, inv.currency), inv.currency,
            inv.number,
            apply_minor + discount_minor + writeoff_minor == open ? " (closed)" : "");
    return rc;
}

int owed__cash_apply(struct owed_store *s, int64_t org, struct owed_payment *p,
                     enum owed_apply_rule rule, const struct owed_apply_target *targets,
                     size_t ntargets, struct owed_buf *out, struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    return apply_rule(&c, p, rule, targets, ntargets);
}

/* ---- transactions ---- */

static int finish(struct cash *c, int rc)
{
    owed_events_release(&c->own);
    if (rc == OWED_OK) rc = c->s->ops->commit(c->s, c->err);
    if (rc != OWED_OK) {
        c->s->ops->rollback(c->s);
        c->out->len = 0; /* nothing happened: say nothing */
        if (c->out->cap) c->out->ptr[0] = '\0';
    }
    return rc;
}

static int start(struct cash *c, struct owed_store *s, int64_t org, struct owed_buf *out,
                 struct owed_buf *err)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->org = org;
    c->out = out;
    c->err = err;
    owed_events_init(&c->own, s, org, 0);
    c->ev = &c->own;
    return s->ops->begin(s, err);
}

int owed_apply_rule_parse(const char *s, enum owed_apply_rule *out)
{
    if (!strcmp(s, "none")) *out = OWED_APPLY_NONE;
    else if (!strcmp(s, "oldest")) *out = OWED_APPLY_OLDEST;
    else if (!strcmp(s, "exact")) *out = OWED_APPLY_EXACT;
    else return OWED_E_PARSE;
    return OWED_OK;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s)) return true;
    return false;
}

static bool same_payment(const struct owed_payment *a, const struct owed_payment *b)
{
    return a->customer_id == b->customer_id && a->received_date == b->received_date &&
           a->amount_minor == b->amount_minor && !strcmp(a->currency, b->currency) &&
           a->kind == b->kind;
}

/* The reference of p exists: a retry of the same document changes nothing (*unchanged);
 * a different document under it is refused with `taken` (one %s: the reference). */
static int retried(struct cash *c, const struct owed_payment *p, const char *what,
                   const char *taken, bool *unchanged)
{
    struct owed_payment old;
    int rc = get_payment(c, p->ref, &old);
    if (rc) return rc;
    if (same_payment(&old, p)) {
        say(c, "%s %s is already recorded: nothing changed", what, p->ref);
        *unchanged = true;
        return OWED_OK;
    }
    owed_buf_addf(c->err, taken, p->ref);
    return OWED_E_EXISTS;
}

static int pay_body(struct cash *c, const struct owed_pay_req *r)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    if (!given(r->ref) || strlen(r->ref) > OWED_REF_MAX) {
        owed_buf_addf(err, "a payment needs a reference of 1 to %d bytes (--ref)", OWED_REF_MAX);
        return OWED_E_INVALID;
    }
    const char *method = given(r->method) ? r->method : "other";
    if (!in_list(owed_payment_methods, method)) {
        owed_buf_addf(err, "unknown method '%s' (card, ach, sepa, wire, check, echeck, wallet, "
                           "cash, other)", method);
        return OWED_E_INVALID;
    }
    if (given(r->channel) && !in_list(owed_payment_channels, r->channel)) {
        owed_buf_addf(err, "unknown channel '%s' (portal, gateway, bank, invoice, po, other)",
                      r->channel);
        return OWED_E_INVALID;
    }
    int rc = OWED_OK;
    struct owed_customer cu;
    rc = s->ops->customer_get(s, org, r->customer_ref, &cu, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", r->customer_ref);
    struct owed_payment p;
    memset(&p, 0, sizeof p);
    if (!rc) {
        snprintf(p.ref, sizeof p.ref, "%s", r->ref);
        p.customer_id = cu.id;
        p.received_date = r->date;
        snprintf(p.currency, sizeof p.currency, "%s", given(r->currency) ? r->currency : cu.currency);
        p.kind = OWED_PAYMENT_CASH;
        snprintf(p.method, sizeof p.method, "%s", method);
        snprintf(p.channel, sizeof p.channel, "%s", r->channel ? r->channel : "");
        snprintf(p.reference, sizeof p.reference, "%s", r->reference ? r->reference : "");
        snprintf(p.payer_name, sizeof p.payer_name, "%s", r->payer_name ? r->payer_name : "");
        snprintf(p.payer_account, sizeof p.payer_account, "%s",
                 r->payer_account ? r->payer_account : "");
        if (!owed_currency_valid(p.currency))
            rc = invalid(c, "unknown currency '%s'", p.currency);
    }
    if (!rc) rc = parse_amount(c, "amount", r->amount ? r->amount : "", p.currency, &p.amount_minor);
    if (!rc) rc = s->ops->payment_insert(s, org, &p, err);
    bool unchanged = false;
    if (rc == OWED_E_EXISTS)
        rc = retried(c, &p, "payment", "payment reference '%s' is taken by a different payment",
                     &unchanged);
    if (unchanged) return OWED_OK;
    struct owed_entry e;
    if (!rc)
        rc = post(c, owed_ledger_payment(p.id, p.customer_id, p.currency, p.received_date,
                                          p.amount_minor, &e),
                  &e);
    if (!rc) {
        say(c, "payment %s recorded: %s %s from %s", p.ref, amt(p.amount_minor, p.currency),
            p.currency, cu.ref);
        if (c->ev) rc = owed__event_payment(c->ev, "payment.received", p.ref, err);
    }
    if (!rc) rc = apply_rule(c, &p, r->rule, r->targets, r->ntargets);
    if (!rc) rc = emit_applied(c, p.ref, 0);
    return rc;
}

static int apply_body(struct cash *c, const char *payment_ref,
               enum owed_apply_rule rule, const struct owed_apply_target *targets,
               size_t ntargets)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    int rc = OWED_OK;
    struct owed_payment p;
    rc = get_payment(c, payment_ref, &p);
    if (!rc && unapplied_of(&p) <= 0) rc = invalid(c, "%s has nothing unapplied", payment_ref);
    if (!rc) rc = apply_rule(c, &p, rule, targets, ntargets);
    if (!rc) rc = emit_applied(c, p.ref, p.allocated_minor);
    return rc;
}

/* ---- unapply ---- */

/* Net amount a payment applied to each invoice, as of now. */
struct net_alloc {
    int64_t invoice_id, net, last_id;
};
struct net_list {
    struct net_alloc *v;
    size_t n, cap;
};

static int on_payment_alloc(void *ctx, const struct owed_allocation *a)
{
    struct net_list *l = ctx;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].invoice_id == a->invoice_id) {
            l->v[i].net += a->amount_minor;
            if (a->amount_minor > 0) l->v[i].last_id = a->id;
            return OWED_OK;
        }
    }
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = (struct net_alloc){a->invoice_id, a->amount_minor, a->id};
    return OWED_OK;
}

static int net_allocations(struct cash *c, int64_t payment_id, struct net_list *l)
{
    memset(l, 0, sizeof *l);
    struct owed_list_filter f = {.payment_id = payment_id};
    return c->s->ops->allocations_each(c->s, c->org, &f, on_payment_alloc, l, c->err);
}

/* Reverses all of a non-cash credit: unapplies it and cancels it. */
static int cancel_credit(struct cash *c, const char *ref, owed_date date)
{
    struct owed_payment d;
    int rc = c->s->ops->payment_get(c->s, c->org, ref, &d, c->err);
    if (rc == OWED_E_NOT_FOUND) return OWED_OK;
    if (rc) return rc;
    struct net_list l;
    rc = net_allocations(c, d.id, &l);
    for (size_t i = 0; !rc && i < l.n; i++) {
        if (l.v[i].net <= 0) continue;
        struct owed_invoice inv;
        rc = c->s->ops->invoice_get_id(c->s, c->org, l.v[i].invoice_id, &inv, c->err);
        if (!rc) rc = insert_allocation(c, &d, &inv, date, -l.v[i].net, l.v[i].last_id);
    }
    free(l.v);
    if (!rc) rc = c->s->ops->payment_get(c->s, c->org, ref, &d, c->err);
    int64_t left = rc ? 0 : unapplied_of(&d);
    if (!rc && left > 0) {
        struct owed_outflow o = {.payment_id = d.id, .kind = OWED_OUTFLOW_REVERSAL, .date = date,
                                 .amount_minor = left};
        snprintf(o.reason, sizeof o.reason, "reversed with its payment");
        rc = c->s->ops->outflow_insert(c->s, c->org, &o, c->err);
        struct owed_entry e;
        if (!rc)
            rc = post(c, owed_ledger_outflow(o.kind, (int)d.kind, o.id, d.customer_id, d.currency,
                                             date, left, &e),
                      &e);
        if (!rc)
            say(c, "reversed %s %s %s", d.kind == OWED_PAYMENT_DISCOUNT ? "discount" : "write-off",
                amt(left, d.currency), d.currency);
    }
    return rc;
}

/* Unapplies everything p applied (to one invoice when invoice_id != 0). */
static int unapply_payment(struct cash *c, const struct owed_payment *p, int64_t invoice_id,
                           owed_date date, long *count)
{
    struct net_list l;
    int rc = net_allocations(c, p->id, &l);
    *count = 0;
    for (size_t i = 0; !rc && i < l.n; i++) {
        if (l.v[i].net <= 0 || (invoice_id && l.v[i].invoice_id != invoice_id)) continue;
        struct owed_invoice inv;
        rc = c->s->ops->invoice_get_id(c->s, c->org, l.v[i].invoice_id, &inv, c->err);
        if (!rc && date < max_date(p->received_date, inv.issue_date))
            rc = invalid(c, "cannot unapply before the allocation's date");
        if (!rc) rc = insert_allocation(c, p, &inv, date, -l.v[i].net, l.v[i].last_id);
        if (!rc)
            say(c, "unapplied %s %s of %s from %s", amt(l.v[i].net, p->currency), p->currency,
                p->ref, inv.number);
        char ref[OWED_REF_MAX + 1];
        if (!rc) {
            linked_ref(ref, sizeof ref, OWED_PAYMENT_DISCOUNT, p->id, inv.id);
            rc = cancel_credit(c, ref, date);
        }
        if (!rc) {
            linked_ref(ref, sizeof ref, OWED_PAYMENT_SMALL_DIFF, p->id, inv.id);
            rc = cancel_credit(c, ref, date);
        }
        ++*count;
    }
    free(l.v);
    return rc;
}

static int unapply_body(struct cash *c, const char *payment_ref,
                 const char *invoice_number, owed_date date)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    int rc = OWED_OK;
    struct owed_payment p;
    struct owed_invoice inv = {0};
    rc = get_payment(c, payment_ref, &p);
    if (!rc && given(invoice_number)) rc = get_invoice(c, invoice_number, &inv);
    long n = 0;
    if (!rc) rc = unapply_payment(c, &p, inv.id, date, &n);
    if (!rc && n == 0)
        rc = invalid(c, "%s has nothing applied%s%s", payment_ref,
                     given(invoice_number) ? " to " : "", given(invoice_number) ? invoice_number : "");
    return rc;
}

/* ---- credit notes, write-offs ---- */

static int credit_note_body(struct cash *c, const char *number,
                     const char *customer_ref, const char *invoice_number, const char *amount,
                     owed_date date, const char *reason)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    if (!given(number) || strlen(number) > OWED_REF_MAX) {
        owed_buf_addf(err, "a credit note needs a number of 1 to %d bytes", OWED_REF_MAX);
        return OWED_E_INVALID;
    }
    int rc = OWED_OK;
    struct owed_invoice inv = {0};
    struct owed_customer cu = {0};
    if (given(invoice_number)) rc = get_invoice(c, invoice_number, &inv);
    if (!rc && given(customer_ref)) {
        rc = s->ops->customer_get(s, org, customer_ref, &cu, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", customer_ref);
        if (!rc && inv.id && inv.customer_id != cu.id)
            rc = invalid(c, "invoice %s belongs to another customer", inv.number);
    } else if (!rc && inv.id) {
        rc = s->ops->customer_get_id(s, org, inv.customer_id, &cu, err);
    } else if (!rc) {
        rc = invalid(c, "a credit note needs a customer (--customer) or an invoice (--invoice)");
    }
    struct owed_payment d;
    memset(&d, 0, sizeof d);
    if (!rc) {
        snprintf(d.ref, sizeof d.ref, "%s", number);
        d.customer_id = cu.id;
        d.received_date = date;
        memcpy(d.currency, inv.id ? inv.currency : cu.currency, 4);
        d.kind = OWED_PAYMENT_CREDIT_NOTE;
        snprintf(d.reference, sizeof d.reference, "%s", reason ? reason : "");
        snprintf(d.invoice_number, sizeof d.invoice_number, "%s", inv.id ? inv.number : "");
        int64_t open = inv.amount_minor - inv.allocated_minor;
        if (given(amount)) rc = parse_amount(c, "amount", amount, d.currency, &d.amount_minor);
        else if (inv.id) d.amount_minor = open;
        else rc = invalid(c, "a credit note on account needs an amount");
        if (!rc && inv.id && open <= 0) rc = invalid(c, "invoice %s has nothing open", inv.number);
        if (!rc && inv.id && d.amount_minor > open)
            rc = invalid(c, "credit %s %s is more than the %s %s open on %s",
                         amt(d.amount_minor, d.currency), d.currency, amt(open, d.currency),
                         d.currency, inv.number);
        if (!rc && inv.id && date < inv.issue_date)
            rc = invalid(c, "a credit note cannot be dated before its invoice");
    }
    if (!rc) rc = insert_payment(c, &d);
    bool unchanged = false;
    if (rc == OWED_E_EXISTS)
        rc = retried(c, &d, "credit note", "reference '%s' is taken by a different document",
                     &unchanged);
    if (unchanged) return OWED_OK;
    if (!rc)
        say(c, "credit note %s: %s %s for %s", d.ref, amt(d.amount_minor, d.currency),
            d.currency, cu.ref);
    if (!rc && inv.id) {
        int64_t used;
        rc = settle_one(c, &d, &inv, d.amount_minor, false, &used);
    } else if (!rc) {
        say(c, "%s %s stays as credit on account", amt(d.amount_minor, d.currency), d.currency);
    }
    return rc;
}

static int write_off_body(struct cash *c, const char *invoice_number,
                   const char *amount, owed_date date, const char *reason, const char *ref)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    if (!given(reason)) {
        owed_buf_adds(err, "a write-off needs a reason (--reason)");
        return OWED_E_INVALID;
    }
    int rc = OWED_OK;
    struct owed_invoice inv;
    rc = get_invoice(c, invoice_number, &inv);
    int64_t open = rc ? 0 : inv.amount_minor - inv.allocated_minor, value = open;
    if (!rc && open <= 0) rc = invalid(c, "invoice %s has nothing open", inv.number);
    if (!rc && given(amount)) rc = parse_amount(c, "amount", amount, inv.currency, &value);
    if (!rc && value > open)
        rc = invalid(c, "%s %s is more than the %s %s open on %s", amt(value, inv.currency),
                     inv.currency, amt(open, inv.currency), inv.currency, inv.number);
    if (!rc && date < inv.issue_date) rc = invalid(c, "a write-off cannot predate its invoice");
    char gen[OWED_REF_MAX + 1];
    if (!rc && !given(ref)) {
        /* Generated: WO-<invoice id>-<n>, n counting write-offs of the invoice. */
        for (int n = 1; n < 1000 && !rc; n++) {
            snprintf(gen, sizeof gen, "WO-I%lld-%d", (long long)inv.id, n);
            struct owed_payment old;
            int g = s->ops->payment_get(s, org, gen, &old, err);
            if (g == OWED_E_NOT_FOUND) break;
            if (g) rc = g;
        }
        ref = gen;
    }
    if (!rc) rc = credit_and_apply(c, OWED_PAYMENT_WRITE_OFF, ref, &inv, date, value, reason);
    if (!rc)
        say(c, "written off %s %s of %s to bad debt (%s): %s", amt(value, inv.currency),
            inv.currency, inv.number, ref, reason);
    return rc;
}

/* ---- reversals and refunds ---- */

static int take_out(struct cash *c, const struct owed_payment *p, enum owed_outflow_kind kind,
                    owed_date date, int64_t amount, const char *reason)
{
    struct owed_outflow o = {.payment_id = p->id, .kind = kind, .date = date,
                             .amount_minor = amount};
    snprintf(o.reason, sizeof o.reason, "%s", reason ? reason : "");
    int rc = c->s->ops->outflow_insert(c->s, c->org, &o, c->err);
    struct owed_entry e;
    if (!rc)
        rc = post(c, owed_ledger_outflow(kind, (int)p->kind, o.id, p->customer_id, p->currency,
                                         date, amount, &e),
                  &e);
    return rc;
}

static int on_reversal(void *ctx, const struct owed_outflow *o)
{
    (void)ctx;
    return o->kind == OWED_OUTFLOW_REVERSAL ? OWED_E_EXISTS : OWED_OK;
}

/* True when the payment has a reversal; a store error lands in *rc. */
static bool already_reversed(struct cash *c, const struct owed_payment *p, int *rc)
{
    struct owed_list_filter f = {.payment_id = p->id};
    int r = c->s->ops->outflows_each(c->s, c->org, &f, on_reversal, NULL, c->err);
    if (r == OWED_E_EXISTS) return true;
    *rc = r;
    return false;
}

static int reverse_body(struct cash *c, const char *payment_ref, owed_date date,
                 const char *reason, const char *fee_amount)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    int rc = OWED_OK;
    struct owed_payment p;
    rc = get_payment(c, payment_ref, &p);
    if (!rc && p.kind != OWED_PAYMENT_CASH)
        rc = invalid(c, "%s is not a cash payment; reverse a credit by unapplying it", p.ref);
    if (!rc && already_reversed(c, &p, &rc)) {
        say(c, "payment %s was already reversed: nothing changed", p.ref);
        return OWED_OK;
    }
    if (!rc && date < p.received_date)
        rc = invalid(c, "a reversal cannot predate its payment");
    long n = 0;
    if (!rc) rc = unapply_payment(c, &p, 0, date, &n);
    if (!rc) rc = get_payment(c, payment_ref, &p);
    /* What was refunded already has left; the rest leaves now. */
    int64_t taken = rc ? 0 : unapplied_of(&p);
    if (!rc && taken > 0)
        rc = take_out(c, &p, OWED_OUTFLOW_REVERSAL, date, taken,
                      given(reason) ? reason : "payment returned");
    if (!rc)
        say(c, "reversed payment %s: %s %s taken out of cash", p.ref, amt(taken, p.currency),
            p.currency);
    if (!rc && given(fee_amount)) {
        struct owed_invoice fee;
        memset(&fee, 0, sizeof fee);
        snprintf(fee.number, sizeof fee.number, "FEE-%.60s", p.ref);
        fee.customer_id = p.customer_id;
        fee.issue_date = fee.due_date = date;
        memcpy(fee.currency, p.currency, 4);
        fee.kind = OWED_INVOICE_FEE;
        snprintf(fee.po_number, sizeof fee.po_number, "%s", "");
        rc = parse_amount(c, "fee", fee_amount, p.currency, &fee.amount_minor);
        if (!rc) rc = s->ops->invoice_insert(s, org, &fee, err);
        if (rc == OWED_E_EXISTS) owed_buf_addf(err, "invoice %s already exists", fee.number);
        struct owed_entry e;
        if (!rc)
            rc = post(c, owed_ledger_fee(fee.id, fee.customer_id, fee.currency, date,
                                          fee.amount_minor, &e),
                      &e);
        if (!rc)
            say(c, "fee %s %s charged as invoice %s, due %s", amt(fee.amount_minor, p.currency),
                p.currency, fee.number, "now");
    }
    return rc;
}

static int refund_body(struct cash *c, const char *payment_ref, const char *amount,
                owed_date date, const char *reason)
{
    struct owed_store *s = c->s;
    int64_t org = c->org;
    struct owed_buf *err = c->err;
    (void)s, (void)org, (void)err;
    int rc = OWED_OK;
    struct owed_payment p;
    rc = get_payment(c, payment_ref, &p);
    int64_t left = rc ? 0 : unapplied_of(&p), value = left;
    if (!rc && (p.kind != OWED_PAYMENT_CASH && p.kind != OWED_PAYMENT_CREDIT_NOTE))
        rc = invalid(c, "%s is not a payment or credit note", p.ref);
    if (!rc && left <= 0) rc = invalid(c, "%s has no unapplied credit to refund", p.ref);
    if (!rc && given(amount)) rc = parse_amount(c, "amount", amount, p.currency, &value);
    if (!rc && value > left)
        rc = invalid(c, "%s %s is more than the %s %s unapplied on %s", amt(value, p.currency),
                     p.currency, amt(left, p.currency), p.currency, p.ref);
    if (!rc && date < p.received_date) rc = invalid(c, "a refund cannot predate its payment");
    if (!rc)
        rc = take_out(c, &p, OWED_OUTFLOW_REFUND, date, value,
                      given(reason) ? reason : "credit balance refunded");
    if (!rc)
        say(c, "refunded %s %s of %s (%s %s left on account)", amt(value, p.currency),
            p.currency, p.ref, amt(left - value, p.currency), p.currency);
    return rc;
}

/* ---- the public calls: one transaction each ---- */

#define CASH_TX(call)                                  \
    struct cash c_;                                    \
    int rc_ = start(&c_, s, org, out, err);            \
    if (!rc_) rc_ = (call);                            \
    return finish(&c_, rc_)

int owed_pay(struct owed_store *s, int64_t org, const struct owed_pay_req *r, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(pay_body(&c_, r));
}

int owed__cash_pay_in(struct owed_store *s, int64_t org, const struct owed_pay_req *r, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    owed_events_init(&c.own, s, org, 0);
    c.ev = &c.own;
    int rc = pay_body(&c, r);
    owed_events_release(&c.own);
    return rc;
}

int owed__cash_pay_ev(struct owed_store *s, int64_t org, const struct owed_pay_req *r,
                      struct owed_events *ev, struct owed_buf *out, struct owed_buf *err)
{
    struct cash c = {s, org, out, err, ev, {0}};
    return pay_body(&c, r);
}

int owed_apply(struct owed_store *s, int64_t org, const char *payment_ref,
               enum owed_apply_rule rule, const struct owed_apply_target *targets,
               size_t ntargets, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(apply_body(&c_, payment_ref, rule, targets, ntargets));
}

int owed__cash_apply_in(struct owed_store *s, int64_t org, const char *payment_ref,
               enum owed_apply_rule rule, const struct owed_apply_target *targets,
               size_t ntargets, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    owed_events_init(&c.own, s, org, 0);
    c.ev = &c.own;
    int rc = apply_body(&c, payment_ref, rule, targets, ntargets);
    owed_events_release(&c.own);
    return rc;
}

int owed__cash_apply_ev(struct owed_store *s, int64_t org, const char *payment_ref,
                        enum owed_apply_rule rule, const struct owed_apply_target *targets,
                        size_t ntargets, struct owed_events *ev, struct owed_buf *out,
                        struct owed_buf *err)
{
    struct cash c = {s, org, out, err, ev, {0}};
    return apply_body(&c, payment_ref, rule, targets, ntargets);
}

int owed_unapply(struct owed_store *s, int64_t org, const char *payment_ref,
                 const char *invoice_number, owed_date date, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(unapply_body(&c_, payment_ref, invoice_number, date));
}

int owed__cash_unapply_in(struct owed_store *s, int64_t org, const char *payment_ref,
                 const char *invoice_number, owed_date date, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    return unapply_body(&c, payment_ref, invoice_number, date);
}

int owed_credit_note(struct owed_store *s, int64_t org, const char *number,
                     const char *customer_ref, const char *invoice_number, const char *amount,
                     owed_date date, const char *reason, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(credit_note_body(&c_, number, customer_ref, invoice_number, amount, date, reason));
}

int owed__cash_credit_note_in(struct owed_store *s, int64_t org, const char *number,
                     const char *customer_ref, const char *invoice_number, const char *amount,
                     owed_date date, const char *reason, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    return credit_note_body(&c, number, customer_ref, invoice_number, amount, date, reason);
}

int owed_write_off(struct owed_store *s, int64_t org, const char *invoice_number,
                   const char *amount, owed_date date, const char *reason, const char *ref, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(write_off_body(&c_, invoice_number, amount, date, reason, ref));
}

int owed__cash_write_off_in(struct owed_store *s, int64_t org, const char *invoice_number,
                   const char *amount, owed_date date, const char *reason, const char *ref, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    return write_off_body(&c, invoice_number, amount, date, reason, ref);
}

int owed_reverse(struct owed_store *s, int64_t org, const char *payment_ref, owed_date date,
                 const char *reason, const char *fee_amount, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(reverse_body(&c_, payment_ref, date, reason, fee_amount));
}

int owed__cash_reverse_in(struct owed_store *s, int64_t org, const char *payment_ref, owed_date date,
                 const char *reason, const char *fee_amount, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    return reverse_body(&c, payment_ref, date, reason, fee_amount);
}

int owed_refund(struct owed_store *s, int64_t org, const char *payment_ref, const char *amount,
                owed_date date, const char *reason, struct owed_buf *out,
             struct owed_buf *err)
{
    CASH_TX(refund_body(&c_, payment_ref, amount, date, reason));
}

int owed__cash_refund_in(struct owed_store *s, int64_t org, const char *payment_ref, const char *amount,
                owed_date date, const char *reason, struct owed_buf *out,
             struct owed_buf *err)
{
    struct cash c = {s, org, out, err, NULL, {0}};
    return refund_body(&c, payment_ref, amount, date, reason);
}

/* ---- settings ---- */

int owed_tolerance_get(struct owed_store *s, int64_t org, char *out, size_t cap,
                       struct owed_buf *err)
{
    struct owed_org_settings st;
    int rc = s->ops->org_settings_get(s, org, &st, err);
    if (!rc) snprintf(out, cap, "%s", st.tolerance);
    return rc;
}

int owed_tolerance_set(struct owed_store *s, int64_t org, const char *tolerance,
                       struct owed_buf *err)
{
    struct owed_tolerance t;
    if (strlen(tolerance) >= sizeof(((struct owed_org_settings *)0)->tolerance) ||
        owed_tolerance_parse(tolerance, 2, &t) != OWED_OK) {
        owed_buf_addf(err, "'%s' is not a tolerance: an amount like 1.00 or a share like 0.5%%",
                      tolerance);
        return OWED_E_INVALID;
    }
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_org_settings st;
    rc = s->ops->org_settings_get(s, org, &st, err);
    if (!rc) {
        snprintf(st.tolerance, sizeof st.tolerance, "%s", tolerance);
        rc = s->ops->org_settings_set(s, org, &st, err);
    }
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}
