/* What a customer sees and does in the portal (portal.h): its open invoices and balance,
 * an invoice with its document, the PDFs, and the actions, each through the use cases the
 * staff use and recorded as a portal event in the same transaction where the use case
 * allows it. Every read is of the session's organization and customer only. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/documents.h"
#include "app/gateway.h"
#include "app/invoicing.h"
#include "app/portal.h"
#include "app/statement_pdf.h"
#include "base.h"
#include "core/collections.h"
#include "core/invoice_doc.h"
#include "owed/money.h"

#define PROMISE_DAYS_MAX 90
#define DISPUTE_TEXT_MAX 1500

/* ---- formatting ---- */

static json_t *jamount(int64_t minor, const char *currency)
{
    char a[OWED__AMOUNT_MAX + 1];
    a[owed__amount_write(a, minor, owed_currency_exponent(currency), true)] = '\0';
    return json_string(a);
}

static void plain_amount(int64_t minor, const char *currency, char out[OWED__AMOUNT_MAX + 1])
{
    out[owed__amount_write(out, minor, owed_currency_exponent(currency), false)] = '\0';
}

static json_t *jdate(owed_date d)
{
    char t[11];
    if (!d) return json_string("");
    owed_date_format(d, t);
    return json_string(t);
}

/* v / 10^dec as decimal text with at least min_dec decimals and no trailing zeros beyond. */
static void fixed_text(int64_t v, int dec, int min_dec, char *out, size_t cap)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t pow = 1;
    for (int i = 0; i < dec; i++) pow *= 10;
    char frac[24] = "";
    if (dec > 0 && dec < (int)sizeof frac) {
        uint64_t f = u % pow;
        for (int i = dec - 1; i >= 0; i--) {
            frac[i] = (char)('0' + f % 10);
            f /= 10;
        }
        frac[dec] = '\0';
        int len = dec;
        while (len > min_dec && frac[len - 1] == '0') frac[--len] = '\0';
    }
    snprintf(out, cap, "%s%llu%s%s", v < 0 ? "-" : "", (unsigned long long)(u / pow),
             frac[0] ? "." : "", frac);
}

static int refused(struct owed_buf *err, int rc, const char *msg)
{
    owed_buf_adds(err, msg);
    return rc;
}

/* ---- the customer's book ---- */

struct book {
    struct owed_invoice *inv; /* id order */
    size_t ninv, cap_inv;
    struct owed_payment *pay; /* id order */
    size_t npay, cap_pay;
    int64_t *pay_used;
    struct flag {
        bool disputed, promised, acked, issued;
        owed_date promised_on;
    } *flags; /* per invoice */
};

static long find_id(const void *base, size_t n, size_t size, size_t off, int64_t want)
{
    size_t lo = 0, hi = n;
    const char *b = base;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t id;
        memcpy(&id, b + mid * size + off, sizeof id);
        if (id < want) lo = mid + 1;
        else hi = mid;
    }
    int64_t id = 0;
    if (lo < n) memcpy(&id, b + lo * size + off, sizeof id);
    return lo < n && id == want ? (long)lo : -1;
}

#define FIND_INV(bk, want)                                                                 \
    find_id((bk)->inv, (bk)->ninv, sizeof *(bk)->inv, offsetof(struct owed_invoice, id), (want))
#define FIND_PAY(bk, want)                                                                 \
    find_id((bk)->pay, (bk)->npay, sizeof *(bk)->pay, offsetof(struct owed_payment, id), (want))

static int on_inv(void *ctx, const struct owed_invoice *inv)
{
    struct book *b = ctx;
    OWED_ALLOC_GROW(b->inv, b->ninv + 1, b->cap_inv);
    b->inv[b->ninv] = *inv;
    b->inv[b->ninv++].allocated_minor = 0;
    return OWED_OK;
}

static int on_pay(void *ctx, const struct owed_payment *p)
{
    struct book *b = ctx;
    OWED_ALLOC_GROW(b->pay, b->npay + 1, b->cap_pay);
    b->pay[b->npay++] = *p;
    return OWED_OK;
}

static int on_alloc(void *ctx, const struct owed_allocation *a)
{
    struct book *b = ctx;
    long i = FIND_INV(b, a->invoice_id), p = FIND_PAY(b, a->payment_id);
    if (i >= 0) b->inv[i].allocated_minor += a->amount_minor;
    if (p >= 0) b->pay_used[p] += a->amount_minor;
    return OWED_OK;
}

static int on_outflow(void *ctx, const struct owed_outflow *o)
{
    struct book *b = ctx;
    long p = FIND_PAY(b, o->payment_id);
    if (p >= 0) b->pay_used[p] += o->amount_minor;
    return OWED_OK;
}

static int on_live_item(void *ctx, const struct owed_item *it)
{
    struct book *b = ctx;
    long i = it->invoice_id ? FIND_INV(b, it->invoice_id) : -1;
    if (i < 0) return OWED_OK;
    if (it->kind == OWED_ITEM_DISPUTE) b->flags[i].disputed = true;
    if (it->kind == OWED_ITEM_PROMISE && it->status == OWED_ST_OPEN) {
        b->flags[i].promised = true;
        b->flags[i].promised_on = it->date1;
    }
    return OWED_OK;
}

static int on_doc(void *ctx, const struct owed_doc_rec *d)
{
    struct book *b = ctx;
    long i = d->type == OWED_DOC_INVOICE && d->ledger_id ? FIND_INV(b, d->ledger_id) : -1;
    if (i < 0) return OWED_OK;
    b->flags[i].issued = true;
    b->flags[i].acked = d->ack_at[0] != '\0';
    return OWED_OK;
}

static int book_load(struct owed_store *s, int64_t org, int64_t customer_id, owed_date today,
                     struct book *b, struct owed_buf *err)
{
    memset(b, 0, sizeof *b);
    struct owed_list_filter f = {.customer_id = customer_id, .on_or_before = today,
                                 .with_text = true};
    int rc = s->ops->invoices_each(s, org, &f, on_inv, b, err);
    if (!rc) rc = s->ops->payments_each(s, org, &f, on_pay, b, err);
    b->pay_used = owed_xcalloc(b->npay + 1, sizeof *b->pay_used);
    b->flags = owed_xcalloc(b->ninv + 1, sizeof *b->flags);
    if (!rc) rc = s->ops->allocations_each(s, org, &f, on_alloc, b, err);
    if (!rc) rc = s->ops->outflows_each(s, org, &f, on_outflow, b, err);
    struct owed_item_filter itf = {.customer_id = customer_id, .live_only = true};
    if (!rc) rc = s->ops->items_each(s, org, &itf, on_live_item, b, err);
    struct owed_doc_filter df = {.customer_id = customer_id, .status = OWED_DOCST_ISSUED,
                                 .type = OWED_DOC_INVOICE};
    if (!rc) rc = s->ops->docs_each(s, org, &df, on_doc, b, err);
    return rc;
}

static void book_release(struct book *b)
{
    free(b->inv);
    free(b->pay);
    free(b->pay_used);
    free(b->flags);
    memset(b, 0, sizeof *b);
}

/* ---- home ---- */

struct sums {
    char currency[4];
    int64_t open, unapplied, overdue;
};

static struct sums *sums_of(struct sums *v, size_t *n, size_t cap, const char *currency)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i].currency, currency)) return &v[i];
    if (*n == cap) return NULL;
    memset(&v[*n], 0, sizeof v[*n]);
    memcpy(v[*n].currency, currency, 4);
    return &v[(*n)++];
}

static int by_due(const void *a, const void *b)
{
    const struct owed_invoice *x = *(const struct owed_invoice *const *)a;
    const struct owed_invoice *y = *(const struct owed_invoice *const *)b;
    if (x->due_date != y->due_date) return x->due_date < y->due_date ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static json_t *invoice_row(const struct owed_invoice *inv, const struct flag *fl, owed_date today)
{
    int64_t open = inv->amount_minor - inv->allocated_minor;
    int late = today - inv->due_date;
    json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:i, s:b, s:b, s:b, s:b, s:b, s:b}",
                          "id", (json_int_t)inv->id, "number", inv->number, "issue_date",
                          jdate(inv->issue_date), "due_date", jdate(inv->due_date), "currency",
                          inv->currency, "amount", jamount(inv->amount_minor, inv->currency),
                          "open", jamount(open, inv->currency), "days_overdue", late > 0 ? late : 0,
                          "overdue", late > 0 && open > 0, "disputed", fl->disputed, "promised",
                          fl->promised, "acknowledged", fl->acked, "has_pdf", fl->issued,
                          "can_ack", fl->issued && !fl->acked);
    json_object_set_new(o, "promised_on", jdate(fl->promised ? fl->promised_on : 0));
    return o;
}

static json_t *home_json(const char *org_name, const struct owed_customer *c,
                         const struct book *b, owed_date today)
{
    struct sums sums[16];
    size_t nsums = 0;
    const struct owed_invoice **open = owed_xcalloc(b->ninv + 1, sizeof *open);
    size_t nopen = 0;
    for (size_t i = 0; i < b->ninv; i++) {
        const struct owed_invoice *inv = &b->inv[i];
        int64_t o = inv->amount_minor - inv->allocated_minor;
        if (o <= 0) continue;
        open[nopen++] = inv;
        struct sums *sm = sums_of(sums, &nsums, OWED_ARRAY_LEN(sums), inv->currency);
        if (!sm) continue;
        sm->open += o;
        if (inv->due_date < today) sm->overdue += o;
    }
    for (size_t i = 0; i < b->npay; i++) {
        int64_t u = b->pay[i].amount_minor - b->pay_used[i];
        struct sums *sm = u > 0 ? sums_of(sums, &nsums, OWED_ARRAY_LEN(sums), b->pay[i].currency)
                                : NULL;
        if (sm) sm->unapplied += u;
    }
    if (nopen) qsort(open, nopen, sizeof *open, by_due);
    json_t *invoices = json_array(), *balances = json_array(), *paid = json_array();
    for (size_t i = 0; i < nopen; i++) {
        long k = open[i] - b->inv;
        json_array_append_new(invoices, invoice_row(open[i], &b->flags[k], today));
    }
    for (size_t i = 0; i < nsums; i++)
        json_array_append_new(balances,
                              json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:b}", "currency",
                                        sums[i].currency, "open",
                                        jamount(sums[i].open, sums[i].currency), "unapplied",
                                        jamount(sums[i].unapplied, sums[i].currency), "balance",
                                        jamount(sums[i].open - sums[i].unapplied, sums[i].currency),
                                        "overdue", jamount(sums[i].overdue, sums[i].currency),
                                        "has_overdue", sums[i].overdue > 0, "has_unapplied",
                                        sums[i].unapplied > 0));
    for (size_t i = b->ninv, shown = 0; i-- > 0 && shown < 10;) {
        const struct owed_invoice *inv = &b->inv[i];
        if (inv->amount_minor <= 0 || inv->allocated_minor < inv->amount_minor) continue;
        json_array_append_new(paid, invoice_row(inv, &b->flags[i], today));
        shown++;
    }
    free(open);
    char as_of[11];
    owed_date_format(today, as_of);
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:o, s:b, s:o, s:b, s:o, s:b}", "org_name",
                     org_name, "customer", "ref", c->ref, "name", c->name, "email", c->email,
                     "as_of", as_of, "balances", balances, "has_balance", nsums > 0, "invoices",
                     invoices, "has_invoices", nopen > 0, "paid", paid, "has_paid",
                     json_array_size(paid) > 0);
}

int owed_portal_home(struct owed_store *s, const struct owed_portal_session *ps,
                     owed_time_ms now, json_t **out, struct owed_buf *err)
{
    owed_date today;
    int rc = owed_org_today(s, ps->org, now, &today, err);
    if (rc) return rc;
    if ((rc = s->ops->read_begin(s, err))) return rc;
    struct owed_customer c;
    struct book b;
    char name[201];
    rc = s->ops->customer_get_id(s, ps->org, ps->customer_id, &c, err);
    if (!rc) rc = owed_portal_org_name(s, ps->org, name, sizeof name, err);
    if (!rc) rc = book_load(s, ps->org, ps->customer_id, today, &b, err);
    s->ops->read_end(s);
    if (!rc) *out = home_json(name, &c, &b, today);
    book_release(&b);
    return rc;
}

/* ---- an invoice ---- */

/* The invoice if it is the session's customer's: anything else is "no such invoice". */
static int own_invoice(struct owed_store *s, const struct owed_portal_session *ps,
                       int64_t invoice_id, struct owed_invoice *inv, struct owed_buf *err)
{
    int rc = invoice_id > 0 ? s->ops->invoice_get_id(s, ps->org, invoice_id, inv, err)
                            : OWED_E_NOT_FOUND;
    if (rc == OWED_E_NOT_FOUND || (!rc && inv->customer_id != ps->customer_id))
        return refused(err, OWED_E_NOT_FOUND, "no such invoice");
    return rc;
}

/* The invoice's issued document: OWED_E_NOT_FOUND when there is none. */
static int issued_doc(struct owed_store *s, int64_t org, int64_t invoice_id,
                      struct owed_doc_rec *rec, struct owed_buf *body, struct owed_buf *err)
{
    int rc = s->ops->doc_get(s, org, 0, OWED_DOC_INVOICE, invoice_id, rec, body, err);
    if (!rc && rec->status != OWED_DOCST_ISSUED) rc = OWED_E_NOT_FOUND;
    if (rc == OWED_E_NOT_FOUND) owed_buf_adds(err, "this invoice has no document to show");
    return rc;
}

static json_t *doc_json(const struct owed_doc *d)
{
    int e = owed_currency_exponent(d->currency);
    json_t *lines = json_array();
    for (size_t i = 0; i < d->n_lines; i++) {
        const struct owed_doc_line *l = &d->lines[i];
        char qty[40], price[48], tax[32];
        fixed_text(l->qty_e3, 3, 0, qty, sizeof qty);
        fixed_text(l->price_e4, e + 4, e, price, sizeof price);
        char rate[24];
        fixed_text(l->tax_rate_e2, 2, 0, rate, sizeof rate);
        snprintf(tax, sizeof tax, "%s%%", rate);
        json_array_append_new(lines, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id",
                                               l->id, "name", l->name, "description",
                                               l->description, "qty", qty, "unit", l->unit,
                                               "price", price, "net",
                                               jamount(l->net_minor, d->currency), "tax", tax));
    }
    return json_pack("{s:s, s:o, s:b, s:{s:o, s:o, s:o}, s:s}", "number", d->number, "lines",
                     lines, "has_lines", d->n_lines > 0, "totals", "net",
                     jamount(d->totals.tax_exclusive, d->currency), "tax",
                     jamount(d->totals.tax, d->currency), "total",
                     jamount(d->totals.payable, d->currency), "note", d->note);
}

struct inv_items {
    json_t *disputes, *promises;
    json_t *plans, *installments; /* installments: {plan, ...} until attached to their plan */
    const struct owed_invoice *inv;
};

static int on_inv_item(void *ctx, const struct owed_item *it)
{
    struct inv_items *c = ctx;
    char amount[OWED__AMOUNT_MAX + 1];
    plain_amount(it->amount_minor, it->currency[0] ? it->currency : c->inv->currency, amount);
    const char *cur = it->currency[0] ? it->currency : c->inv->currency;
    if (it->kind == OWED_ITEM_DISPUTE)
        json_array_append_new(c->disputes,
                              json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:b}", "id",
                                        (json_int_t)it->id, "reason", it->code, "status",
                                        owed_item_status_name(it->status), "amount",
                                        it->amount_minor ? jamount(it->amount_minor, cur)
                                                         : json_string(""),
                                        "text", it->body, "opened", jdate(it->opened_on),
                                        "live", it->status == OWED_ST_OPEN ||
                                                    it->status == OWED_ST_INVESTIGATING));
    else if (it->kind == OWED_ITEM_PROMISE)
        json_array_append_new(c->promises,
                              json_pack("{s:I, s:o, s:o, s:s, s:s}", "id", (json_int_t)it->id,
                                        "date", jdate(it->date1), "amount",
                                        jamount(it->amount_minor, cur), "currency", cur,
                                        "status", owed_item_status_name(it->status)));
    else if (it->kind == OWED_ITEM_PLAN)
        json_array_append_new(c->plans,
                              json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:b, s:[]}", "id",
                                        (json_int_t)it->id, "opened", jdate(it->opened_on),
                                        "amount", jamount(it->amount_minor, cur), "currency",
                                        cur, "text", it->body, "status",
                                        owed_item_status_name(it->status), "live",
                                        it->status == OWED_ST_OPEN, "installments"));
    else if (it->kind == OWED_ITEM_INSTALLMENT)
        json_array_append_new(c->installments,
                              json_pack("{s:I, s:s, s:o, s:o, s:s, s:s}", "plan",
                                        (json_int_t)it->parent_id, "n", it->code, "date",
                                        jdate(it->date1), "amount",
                                        jamount(it->amount_minor, cur), "currency", cur,
                                        "status", owed_item_status_name(it->status)));
    return OWED_OK;
}

/* Puts each installment under its plan; *live_plan when a plan is still open. */
static void plans_attach(struct inv_items *c, bool *live_plan)
{
    *live_plan = false;
    size_t i, k;
    json_t *p, *in;
    json_array_foreach(c->plans, i, p) {
        json_int_t id = json_integer_value(json_object_get(p, "id"));
        json_t *list = json_object_get(p, "installments");
        json_array_foreach(c->installments, k, in)
            if (json_integer_value(json_object_get(in, "plan")) == id)
                json_array_append(list, in);
        *live_plan |= json_is_true(json_object_get(p, "live"));
    }
}

/* What the policy offers for an invoice with open minor units open: the choices of the
 * form ({n, label} per number of installments, the first date's bounds), or false when
 * plans are not offered. */
static json_t *plan_offer(const struct owed_portal_settings *set, int64_t open,
                          const char *currency, owed_date today)
{
    if (!set->plans || open <= 0) return json_false();
    int e = owed_currency_exponent(currency);
    json_t *options = json_array();
    for (int n = 2; n <= set->max_installments && n <= OWED_PORTAL_PLAN_INSTALLMENTS_MAX; n++) {
        int64_t amounts[OWED_PORTAL_PLAN_INSTALLMENTS_MAX];
        owed_date dues[OWED_PORTAL_PLAN_INSTALLMENTS_MAX];
        owed_plan_split(open, n, today, set->every_days, amounts, dues);
        char hi[OWED__AMOUNT_MAX + 1], lo[OWED__AMOUNT_MAX + 1], label[128];
        hi[owed__amount_write(hi, amounts[0], e, true)] = '\0';
        lo[owed__amount_write(lo, amounts[n - 1], e, true)] = '\0';
        if (amounts[0] == amounts[n - 1])
            snprintf(label, sizeof label, "%d payments of %s %s", n, hi, currency);
        else
            snprintf(label, sizeof label, "%d payments of %s to %s %s", n, lo, hi, currency);
        json_array_append_new(options, json_pack("{s:i, s:s}", "n", n, "label", label));
    }
    return json_pack("{s:o, s:o, s:o, s:i, s:i}", "options", options, "first_min", jdate(today),
                     "first_max", jdate(today + set->max_days), "every_days", set->every_days,
                     "max_installments", set->max_installments);
}

struct inv_pays {
    json_t *arr;
    const char *currency;
};

static int on_inv_alloc(void *ctx, const struct owed_allocation *a)
{
    struct inv_pays *c = ctx;
    json_array_append_new(c->arr, json_pack("{s:o, s:o, s:b}", "date", jdate(a->date), "amount",
                                            jamount(a->amount_minor, c->currency), "reversal",
                                            a->amount_minor < 0));
    return OWED_OK;
}

static json_t *reasons_json(void)
{
    static const char *const codes[][2] = {
        {"pricing", "The price is wrong"},
        {"quantity", "The quantity is wrong"},
        {"damaged", "Goods arrived damaged"},
        {"not_received", "Goods or services not received"},
        {"duplicate_billing", "Billed twice"},
        {"other", "Something else"},
    };
    json_t *a = json_array();
    for (size_t i = 0; i < OWED_ARRAY_LEN(codes); i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "code", codes[i][0], "label",
                                           codes[i][1]));
    return a;
}

/* The bank transfer details: the document's, else the seller's account; null without. */
static json_t *bank_json(const struct owed_seller *sl, const struct owed_doc *d,
                         const struct owed_invoice *inv)
{
    const char *iban = d && d->iban[0] ? d->iban : sl->iban;
    if (!iban[0]) return json_null();
    const char *bic = d && d->iban[0] ? d->bic : sl->bic;
    const char *holder = d && d->account_name[0] ? d->account_name
                         : sl->account_name[0]   ? sl->account_name
                                                 : sl->party.name;
    const char *ref = d && d->payment_id[0] ? d->payment_id : inv->number;
    return json_pack("{s:s, s:s, s:s, s:s}", "iban", iban, "bic", bic, "account_name", holder,
                     "reference", ref);
}

static int invoice_view(struct owed_store *s, const struct owed_portal_session *ps,
                        const struct owed_invoice *inv, owed_date today, json_t **out,
                        struct owed_buf *err)
{
    struct owed_doc_rec rec;
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), ignore = OWED_BUF_INIT(0);
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    bool has_doc = s->ops->doc_get(s, ps->org, 0, OWED_DOC_INVOICE, inv->id, &rec, &body,
                                   &ignore) == OWED_OK && rec.status == OWED_DOCST_ISSUED;
    owed_buf_release(&ignore);
    int rc = has_doc ? owed_doc_load(&rec, &d, err) : OWED_OK;
    struct owed_seller sl;
    if (!rc) rc = owed_seller_get(s, ps->org, &sl, err);
    struct inv_items it = {json_array(), json_array(), json_array(), json_array(), inv};
    struct owed_item_filter f = {.customer_id = ps->customer_id, .invoice_id = inv->id};
    if (!rc) rc = s->ops->items_each(s, ps->org, &f, on_inv_item, &it, err);
    struct owed_portal_settings set = {0};
    if (!rc) rc = owed_portal_settings_get(s, ps->org, &set, err);
    bool live_plan = false;
    if (!rc) plans_attach(&it, &live_plan);
    struct inv_pays ip = {json_array(), inv->currency};
    struct owed_list_filter lf = {.customer_id = ps->customer_id, .invoice_id = inv->id};
    if (!rc) rc = s->ops->allocations_each(s, ps->org, &lf, on_inv_alloc, &ip, err);
    if (!rc) {
        int64_t open = inv->amount_minor - inv->allocated_minor;
        int late = today - inv->due_date;
        char open_plain[OWED__AMOUNT_MAX + 1];
        plain_amount(open > 0 ? open : 0, inv->currency, open_plain);
        bool acked = has_doc && rec.ack_at[0];
        bool live_dispute = false;
        for (size_t i = 0; i < json_array_size(it.disputes); i++)
            live_dispute |= json_is_true(json_object_get(json_array_get(it.disputes, i), "live"));
        json_t *o = json_pack(
            "{s:I, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:i, s:b, s:s, s:b, s:b, s:b}", "id",
            (json_int_t)inv->id, "number", inv->number, "issue_date", jdate(inv->issue_date),
            "due_date", jdate(inv->due_date), "currency", inv->currency, "amount",
            jamount(inv->amount_minor, inv->currency), "paid",
            jamount(inv->allocated_minor, inv->currency), "open", jamount(open, inv->currency),
            "open_plain", open_plain, "days_overdue", late > 0 ? late : 0, "overdue",
            late > 0 && open > 0, "po_number", inv->po_number, "is_open", open > 0,
            "has_pdf", has_doc, "disputed", live_dispute);
        json_object_set_new(o, "document", has_doc ? doc_json(&d) : json_null());
        json_object_set_new(o, "acknowledged", json_boolean(acked));
        json_object_set_new(o, "ack_at", json_string(acked ? rec.ack_at : ""));
        json_object_set_new(o, "can_ack", json_boolean(has_doc && !acked));
        json_object_set_new(o, "disputes", it.disputes);
        json_object_set_new(o, "has_disputes", json_boolean(json_array_size(it.disputes) > 0));
        json_object_set_new(o, "promises", it.promises);
        json_object_set_new(o, "has_promises", json_boolean(json_array_size(it.promises) > 0));
        json_object_set_new(o, "plans", it.plans);
        json_object_set_new(o, "has_plans", json_boolean(json_array_size(it.plans) > 0));
        json_object_set_new(o, "has_live_plan", json_boolean(live_plan));
        json_object_set_new(o, "plan_offer", live_plan ? json_false()
                                                       : plan_offer(&set, open, inv->currency,
                                                                    today));
        json_decref(it.installments);
        json_object_set_new(o, "payments", ip.arr);
        json_object_set_new(o, "has_payments", json_boolean(json_array_size(ip.arr) > 0));
        json_object_set_new(o, "bank", open > 0 ? bank_json(&sl, has_doc ? &d : NULL, inv)
                                                : json_null());
        json_object_set_new(o, "reasons", reasons_json());
        json_object_set_new(o, "today", jdate(today));
        json_object_set_new(o, "max_promise_date", jdate(today + PROMISE_DAYS_MAX));
        *out = o;
    } else {
        json_decref(it.disputes);
        json_decref(it.promises);
        json_decref(it.plans);
        json_decref(it.installments);
        json_decref(ip.arr);
    }
    owed_doc_free(&d);
    owed_buf_release(&body);
    return rc;
}

int owed_portal_invoice(struct owed_store *s, const struct owed_portal_session *ps,
                        int64_t invoice_id, owed_time_ms now, json_t **out,
                        struct owed_buf *err)
{
    owed_date today;
    int rc = owed_org_today(s, ps->org, now, &today, err);
    if (rc) return rc;
    if ((rc = s->ops->read_begin(s, err))) return rc;
    struct owed_invoice inv;
    rc = own_invoice(s, ps, invoice_id, &inv, err);
    if (!rc) rc = invoice_view(s, ps, &inv, today, out, err);
    s->ops->read_end(s);
    return rc;
}

int owed_portal_invoice_pdf(struct owed_store *s, const struct owed_portal_session *ps,
                            int64_t invoice_id, struct owed_buf *pdf, char filename[128],
                            struct owed_buf *err)
{
    struct owed_invoice inv;
    struct owed_doc_rec rec;
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = own_invoice(s, ps, invoice_id, &inv, err);
    if (!rc) rc = issued_doc(s, ps->org, inv.id, &rec, &body, err);
    owed_buf_release(&body);
    if (rc) return rc;
    char key[32];
    snprintf(key, sizeof key, "#%lld", (long long)rec.id);
    return owed_doc_render(s, ps->org, key, OWED_RENDER_PDF, pdf, filename, err);
}

int owed_portal_statement_pdf(struct owed_store *s, const struct owed_portal_session *ps,
                              owed_time_ms now, struct owed_buf *pdf, struct owed_buf *err)
{
    owed_date today;
    int rc = owed_org_today(s, ps->org, now, &today, err);
    if (!rc) rc = owed_statement_pdf(s, ps->org, ps->customer_ref, today, pdf, err);
    return rc;
}

/* ---- actions ---- */

int owed_portal_ack(struct owed_store *s, const struct owed_portal_session *ps,
                    int64_t invoice_id, owed_time_ms now, bool *first, struct owed_buf *err)
{
    *first = false;
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_invoice inv;
    struct owed_doc_rec rec;
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    rc = own_invoice(s, ps, invoice_id, &inv, err);
    if (!rc) rc = issued_doc(s, ps->org, inv.id, &rec, &body, err);
    if (!rc) rc = owed__ack_write(s, ps->org, &rec, "portal", now, first, err);
    if (!rc && *first) {
        char text[128];
        snprintf(text, sizeof text, "acknowledged receipt of %s", inv.number);
        rc = owed__portal_event(s, ps->org, ps->customer_id, ps->session_id, now, "ack", inv.id,
                                0, rec.number, text, err);
    }
    owed_buf_release(&body);
    return owed__tx_end(s, rc, err);
}

/* "Line 2 (Widget): " for a disputed line of the invoice's document. */
static int line_prefix(struct owed_store *s, int64_t org, int64_t invoice_id, const char *line,
                       char *out, size_t cap, struct owed_buf *err)
{
    struct owed_doc_rec rec;
    struct owed_buf body = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_doc d;
    memset(&d, 0, sizeof d);
    int rc = issued_doc(s, org, invoice_id, &rec, &body, err);
    if (!rc) rc = owed_doc_load(&rec, &d, err);
    size_t i = 0;
    while (!rc && i < d.n_lines && strcmp(d.lines[i].id, line) != 0) i++;
    if (!rc && i == d.n_lines) rc = refused(err, OWED_E_INVALID, "line: no such line on the invoice");
    if (!rc) snprintf(out, cap, "Line %s (%.80s): ", d.lines[i].id, d.lines[i].name);
    owed_doc_free(&d);
    owed_buf_release(&body);
    return rc;
}

int owed_portal_dispute(struct owed_store *s, const struct owed_portal_session *ps,
                        const struct owed_portal_dispute *d, owed_time_ms now, int64_t *item_id,
                        struct owed_buf *err)
{
    const char *text = d->text ? d->text : "";
    if (!d->reason || !owed_dispute_reason_valid(d->reason))
        return refused(err, OWED_E_INVALID, "reason: choose what is wrong with the invoice");
    if (strlen(text) > DISPUTE_TEXT_MAX)
        return refused(err, OWED_E_INVALID, "text: at most 1500 characters");
    owed_date today;
    int rc = owed_org_today(s, ps->org, now, &today, err);
    if (rc || (rc = s->ops->begin(s, err))) return rc;
    struct owed_invoice inv;
    rc = own_invoice(s, ps, d->invoice_id, &inv, err);
    char prefix[160] = "";
    if (!rc && d->line && *d->line)
        rc = line_prefix(s, ps->org, inv.id, d->line, prefix, sizeof prefix, err);
    char body[OWED_ITEM_BODY_MAX + 1];
    snprintf(body, sizeof body, "%s%s", prefix, text);
    struct owed_item_req r = {.kind = OWED_ITEM_DISPUTE, .invoice_number = inv.number,
                              .code = d->reason, .text = body,
                              .amount = d->amount && *d->amount ? d->amount : NULL,
                              .today = today};
    if (!rc) rc = owed__item_add_in(s, ps->org, &r, item_id, err);
    if (!rc) {
        char what[160];
        snprintf(what, sizeof what, "disputed %s (%s)", inv.number, d->reason);
        rc = owed__portal_event(s, ps->org, ps->customer_id, ps->session_id, now, "dispute",
                                inv.id, *item_id, inv.number, what, err);
    }
    return owed__tx_end(s, rc, err);
}

/* The amount text, or what is open when it is empty; OWED_E_INVALID above what is open. */
static int amount_or_open(const struct owed_invoice *inv, const char *amount,
                          char out[OWED__AMOUNT_MAX + 1], struct owed_buf *err)
{
    int64_t open = inv->amount_minor - inv->allocated_minor, minor = open;
    if (open <= 0) return refused(err, OWED_E_INVALID, "nothing is open on this invoice");
    if (amount && *amount &&
        (owed_amount_parse(amount, strlen(amount), owed_currency_exponent(inv->currency),
                           &minor) != OWED_OK || minor <= 0))
        return refused(err, OWED_E_INVALID, "amount: not an amount above zero");
    if (minor > open) return refused(err, OWED_E_INVALID, "amount: more than is open");
    plain_amount(minor, inv->currency, out);
    return OWED_OK;
}

int owed_portal_promise(struct owed_store *s, const struct owed_portal_session *ps,
                        int64_t invoice_id, owed_date date, const char *amount, owed_time_ms now,
                        int64_t *item_id, struct owed_buf *err)
{
    owed_date today;
    int rc = owed_org_today(s, ps->org, now, &today, err);
    if (rc) return rc;
    if (date < today || date > today + PROMISE_DAYS_MAX)
        return refused(err, OWED_E_INVALID, "date: choose a day from today to 90 days ahead");
    if ((rc = s->ops->begin(s, err))) return rc;
    struct owed_invoice inv;
    char text[OWED__AMOUNT_MAX + 1];
    rc = own_invoice(s, ps, invoice_id, &inv, err);
    if (!rc) rc = amount_or_open(&inv, amount, text, err);
    struct owed_item_req r = {.kind = OWED_ITEM_PROMISE, .invoice_number = inv.number,
                              .amount = text, .date = date, .today = today};
    if (!rc) rc = owed__item_add_in(s, ps->org, &r, item_id, err);
    if (!rc) {
        char what[200], day[11];
        owed_date_format(date, day);
        snprintf(what, sizeof what, "promised to pay %s %s on %s by %s", text, inv.currency,
                 inv.number, day);
        rc = owed__portal_event(s, ps->org, ps->customer_id, ps->session_id, now, "promise",
                                inv.id, *item_id, inv.number, what, err);
    }
    return owed__tx_end(s, rc, err);
}

int owed_portal_pay(struct owed_store *s, const struct owed_portal_session *ps,
                    int64_t invoice_id, const char *amount, const char *card, owed_time_ms now,
                    bool *declined, char payment_ref[OWED_REF_MAX + 1], struct owed_buf *err)
{
    *declined = false;
    payment_ref[0] = '\0';
    struct owed_invoice inv;
    char text[OWED__AMOUNT_MAX + 1];
    int rc = own_invoice(s, ps, invoice_id, &inv, err);
    if (!rc) rc = amount_or_open(&inv, amount, text, err);
    if (rc) return rc;
    struct owed_test_charge c = {.customer_ref = ps->customer_ref,
                                 .invoice_number = inv.number,
                                 .amount = text,
                                 .currency = inv.currency,
                                 .method = "card",
                                 .card = card ? card : "",
                                 .channel = "portal"};
    struct owed_gw_result res;
    struct owed_buf lines = OWED_BUF_INIT(0);
    rc = owed_gateway_test_charge(s, ps->org, &c, now, &res, &lines, err);
    owed_buf_release(&lines);
    if (rc) return rc;
    *declined = res.outcome == OWED_GW_DECLINED;
    if (!*declined) snprintf(payment_ref, OWED_REF_MAX + 1, "%s", res.payment_ref);
    /* The payment is posted (channel portal); the event that shows it on the timeline
     * follows in a transaction of its own, as the gateway's path commits its own. */
    char what[256];
    if (*declined)
        snprintf(what, sizeof what, "card payment of %s %s for %s declined (nothing charged)",
                 text, inv.currency, inv.number);
    else
        snprintf(what, sizeof what, "paid %s %s by card for %s (payment %s)", text, inv.currency,
                 inv.number, res.payment_ref);
    if ((rc = s->ops->begin(s, err))) return rc;
    rc = owed__portal_event(s, ps->org, ps->customer_id, ps->session_id, now, "pay", inv.id, 0,
                            *declined ? "" : res.payment_ref, what, err);
    return owed__tx_end(s, rc, err);
}

int owed_portal_plan(struct owed_store *s, const struct owed_portal_session *ps,
                     int64_t invoice_id, int installments, owed_date first_due,
                     owed_time_ms now, int64_t *plan_id, struct owed_buf *err)
{
    *plan_id = 0;
    owed_date today;
    int rc = owed_org_today(s, ps->org, now, &today, err);
    if (rc || (rc = s->ops->begin(s, err))) return rc;
    struct owed_invoice inv;
    struct owed_portal_settings set = {0};
    char open_text[OWED__AMOUNT_MAX + 1];
    /* Another customer's invoice is not found whatever the policy says. */
    rc = own_invoice(s, ps, invoice_id, &inv, err);
    if (!rc) rc = owed_portal_settings_get(s, ps->org, &set, err);
    if (!rc && !set.plans)
        rc = refused(err, OWED_E_DENIED,
                     "Payment plans cannot be set up here. Please contact us to agree on one.");
    if (!rc) rc = amount_or_open(&inv, NULL, open_text, err);
    if (!rc && (installments < 2 || installments > set.max_installments)) {
        owed_buf_addf(err, "installments: choose from 2 to %d payments", set.max_installments);
        rc = OWED_E_INVALID;
    }
    if (!rc && (first_due < today || first_due > today + set.max_days)) {
        char from[11], to[11];
        owed_date_format(today, from);
        owed_date_format(today + set.max_days, to);
        owed_buf_addf(err, "first payment: choose a day from %s to %s", from, to);
        rc = OWED_E_INVALID;
    }
    /* The spacing is the policy's: nothing of it comes from the form. */
    struct owed_plan_req r = {.invoice_number = inv.number, .installments = installments,
                              .every_days = set.every_days, .first_due = first_due,
                              .today = today};
    struct owed_buf out = OWED_BUF_INIT(0);
    if (!rc) {
        rc = owed__plan_create_in(s, ps->org, &r, plan_id, &out, err);
        if (rc == OWED_E_EXISTS) {
            owed_buf_reset(err);
            rc = refused(err, OWED_E_INVALID, "this invoice already has a payment plan");
        }
    }
    owed_buf_release(&out);
    if (!rc) {
        char what[320], day[11];
        owed_date_format(first_due, day);
        snprintf(what, sizeof what,
                 "set up a payment plan for %s: %s %s in %d installments from %s, every %d days",
                 inv.number, open_text, inv.currency, installments, day, set.every_days);
        rc = owed__portal_event(s, ps->org, ps->customer_id, ps->session_id, now, "plan",
                                inv.id, *plan_id, inv.number, what, err);
    }
    return owed__tx_end(s, rc, err);
}
