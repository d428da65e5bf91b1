/* The dunning letter as PDF (letters.h): the message a dunning run queued for the letter
 * channel, laid out by io/pdf (owed_pdf_letter) with what the store knows about its
 * invoices, the customer and the seller.
 *
 * Everything is as of the run's date, not the moment `owed outbox send` runs: the body
 * was rendered for that date, so the table agrees with it, and writing the letter again
 * gives the same bytes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/letters.h"
#include "base.h"
#include "core/aging.h"
#include "core/epc_qr.h"
#include "io/pdf.h"

/* ---- shared with the statement ---- */

static void add_line(struct owed__address *a, size_t *used, const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t' || *s == '\r')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
    if (!len || *used + len + 3 > sizeof a->text) return;
    if (a->n == OWED__ADDRESS_LINES_MAX) { /* join to the last line: its NUL becomes ", " */
        a->text[*used - 1] = ',';
        a->text[(*used)++] = ' ';
    } else {
        a->line[a->n++] = a->text + *used;
    }
    memcpy(a->text + *used, s, len);
    *used += len;
    a->text[(*used)++] = '\0';
}

void owed__address_lines(const struct owed_party *p, const char *home_country,
                         const char *profile_address, struct owed__address *out)
{
    memset(out, 0, sizeof *out);
    size_t used = 0;
    if (p && (p->street[0] || p->street2[0] || p->postcode[0] || p->city[0])) {
        char town[sizeof p->postcode + sizeof p->city + 1];
        snprintf(town, sizeof town, "%s%s%s", p->postcode, p->postcode[0] && p->city[0] ? " " : "",
                 p->city);
        add_line(out, &used, p->street, strlen(p->street));
        add_line(out, &used, p->street2, strlen(p->street2));
        add_line(out, &used, town, strlen(town));
        if (p->country[0] && (!home_country || strcmp(p->country, home_country) != 0))
            add_line(out, &used, p->country, strlen(p->country));
        return;
    }
    for (const char *s = profile_address ? profile_address : ""; *s;) {
        size_t len = strcspn(s, "\n,");
        add_line(out, &used, s, len);
        s += len;
        if (*s) s++;
    }
}

void owed__seller_qr(const struct owed_seller *sl, const char *currency, int64_t amount_minor,
                     const char *remittance, struct owed_buf *out)
{
    if (strcmp(currency, "EUR") != 0 || !sl->iban[0] || amount_minor <= 0) return;
    const char *name = sl->account_name[0] ? sl->account_name : sl->party.name;
    struct owed_buf ignore = OWED_BUF_INIT(0), qr = OWED_BUF_INIT(OWED_EPC_QR_MAX + 1);
    /* A refusal (a name too long for the code, an amount past its range) only means no
     * code: the letter or statement says how to pay in words as well. */
    if (!owed_epc_qr_payload(name, sl->iban, sl->bic[0] ? sl->bic : NULL, amount_minor,
                             remittance, &qr, &ignore))
        owed_buf_add(out, qr.ptr, qr.len);
    owed_buf_release(&qr);
    owed_buf_release(&ignore);
}

/* ---- the letter's invoices ---- */

struct fired {
    int64_t message_id;
    int64_t *ids; /* ascending: firings_each goes by invoice id */
    size_t n, cap;
    owed_date on; /* the run's date: every firing of a message has it */
};

static int on_firing(void *ctx, const struct owed_firing *f)
{
    struct fired *x = ctx;
    if (f->message_id != x->message_id) return OWED_OK;
    x->on = f->fired_on;
    /* An invoice fires once per message, but a plan installment fires under its invoice. */
    if (x->n && x->ids[x->n - 1] == f->invoice_id) return OWED_OK;
    OWED_ALLOC_GROW(x->ids, x->n + 1, x->cap);
    x->ids[x->n++] = f->invoice_id;
    return OWED_OK;
}

struct letter_data {
    struct owed_invoice *inv; /* in id order, like book.invoices */
    size_t n;
    struct owed_book book;    /* just these invoices and their allocations */
    size_t cap_allocs;
    int64_t *open;            /* by inv */
};

static int on_allocation(void *ctx, const struct owed_allocation *a)
{
    struct letter_data *d = ctx;
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->inv[mid].id < a->invoice_id) lo = mid + 1;
        else hi = mid;
    }
    if (lo == d->n || d->inv[lo].id != a->invoice_id) return OWED_OK;
    OWED_ALLOC_GROW(d->book.allocs, d->book.nallocs + 1, d->cap_allocs);
    d->book.allocs[d->book.nallocs++] =
        (struct owed_book_alloc){.invoice = (uint32_t)lo, .date = a->date,
                                 .amount_minor = a->amount_minor};
    return OWED_OK;
}

/* The invoices and their open amounts on `on`, computed the way aging computes them
 * (owed_book_open_amounts over the invoices and their allocations). */
static int load_invoices(struct owed_store *s, int64_t org, int64_t customer_id,
                         const struct fired *x, owed_date on, struct letter_data *d,
                         struct owed_buf *err)
{
    d->inv = owed_xcalloc(x->n ? x->n : 1, sizeof *d->inv);
    d->book.invoices = owed_xcalloc(x->n ? x->n : 1, sizeof *d->book.invoices);
    d->open = owed_xcalloc(x->n ? x->n : 1, sizeof *d->open);
    int rc = OWED_OK;
    for (size_t i = 0; i < x->n && !rc; i++) {
        rc = s->ops->invoice_get_id(s, org, x->ids[i], &d->inv[i], err);
        if (rc) break;
        const struct owed_invoice *v = &d->inv[i];
        d->book.invoices[i] = (struct owed_book_invoice){
            .id = v->id, .issue_date = v->issue_date, .due_date = v->due_date,
            .amount_minor = v->amount_minor, .kind = (uint8_t)v->kind};
        d->n = d->book.ninvoices = i + 1;
    }
    struct owed_list_filter f = {.customer_id = customer_id, .on_or_before = on};
    if (!rc && d->n) rc = s->ops->allocations_each(s, org, &f, on_allocation, d, err);
    if (!rc) owed_book_open_amounts(&d->book, on, d->open);
    return rc;
}

static void letter_data_release(struct letter_data *d)
{
    free(d->inv);
    free(d->book.invoices);
    free(d->book.allocs);
    free(d->open);
}

/* The order of the table: due date, then number. */
static int by_due(const void *a, const void *b, void *ctx)
{
    const struct letter_data *d = ctx;
    const struct owed_invoice *x = &d->inv[*(const size_t *)a], *y = &d->inv[*(const size_t *)b];
    if (x->due_date != y->due_date) return x->due_date < y->due_date ? -1 : 1;
    return strcmp(x->number, y->number);
}

/* ---- the letter ---- */

/* The text of a letter as stored, less what the PDF prints in its own places. A template's
 * letter section (data/templates/en/late_60.tmpl) was written for a text letter: it opens
 * with the recipient's name and address and the date, and then a heading, which stands for
 * the subject (the run renders no subject for letters). When the body opens so (its first
 * line the recipient's name, the date on one of the next lines), text starts after that
 * block, and with want_subject after the heading, which becomes subject; else text is the
 * body as stored and subject NULL. */
struct letter_text {
    const char *text;
    char *subject; /* heap, or NULL */
};

static const char *next_line(const char *p)
{
    const char *nl = strchr(p, '\n');
    return nl ? nl + 1 : p + strlen(p);
}

static bool line_is(const char *p, const char *want)
{
    size_t n = strlen(want);
    return !strncmp(p, want, n) && (p[n] == '\n' || (p[n] == '\r' && p[n + 1] == '\n'));
}

static void letter_text(const char *body, const char *name, owed_date on, bool want_subject,
                        struct letter_text *t)
{
    enum { ADDRESS_LINES_MAX = 12 };
    char day[11];
    owed_date_format(on, day);
    t->text = body;
    t->subject = NULL;
    if (!name[0] || !line_is(body, name)) return;
    const char *p = next_line(body);
    for (int i = 0; *p && i < ADDRESS_LINES_MAX && !line_is(p, day); i++) p = next_line(p);
    if (!line_is(p, day)) return;
    p = next_line(p);
    while (*p == '\n' || (*p == '\r' && p[1] == '\n')) p = next_line(p);
    if (!*p) return;
    t->text = p;
    if (!want_subject) return;
    const char *end = next_line(p);
    size_t len = (size_t)(end - p);
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ')) len--;
    if (!len || !*end) return; /* no heading, or nothing after it */
    t->subject = owed_xstrndup(p, len);
    t->text = end;
}

/* What the letter's table, total, QR code and pay link are made of. */
struct letter_items {
    struct owed_pdf_letter_item *items;
    size_t n;
    const char *currency;
    int64_t total;
    struct owed_buf remittance; /* the invoice numbers, or "Customer REF" when too long */
    struct owed_buf others;     /* invoices in other currencies, as a closing note */
};

static void pick_items(const struct letter_data *d, const size_t *order, owed_date on,
                       const struct owed_customer *c, struct letter_items *li)
{
    li->currency = d->n ? d->inv[order[0]].currency : c->currency;
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->inv[i].currency, c->currency)) li->currency = c->currency;
    li->items = owed_xcalloc(d->n ? d->n : 1, sizeof *li->items);
    for (size_t k = 0; k < d->n; k++) {
        const struct owed_invoice *v = &d->inv[order[k]];
        int64_t open = d->open[order[k]];
        if (strcmp(v->currency, li->currency) != 0) {
            /* Amounts of different currencies never add up: named below the table. */
            char amt[OWED__AMOUNT_MAX];
            int exp = owed_currency_exponent(v->currency);
            amt[owed__amount_write(amt, open, exp < 0 ? 2 : exp, true)] = '\0';
            owed_buf_addf(&li->others, "%s%s %s %s", li->others.len ? ", " : "", v->number, amt,
                          v->currency);
            continue;
        }
        int64_t days = (int64_t)on - v->due_date;
        li->items[li->n++] = (struct owed_pdf_letter_item){
            .number = v->number, .due_date = v->due_date,
            .days_overdue = days > 0 ? (int32_t)days : 0, .open_minor = open};
        if (owed_i64_add(li->total, open, &li->total)) li->total = 0; /* no QR; pdf says why */
        owed_buf_addf(&li->remittance, "%s%s", li->remittance.len ? " " : "", v->number);
    }
    if (li->remittance.len > OWED_EPC_REMITTANCE_MAX) {
        owed_buf_reset(&li->remittance);
        owed_buf_addf(&li->remittance, "Customer %s", c->ref);
    }
}

static int render(struct owed_store *s, int64_t org, const struct owed_org_settings *set,
                  const struct owed_outbox_msg *m, const struct owed_customer *c,
                  const struct letter_items *li, owed_date on, struct owed_buf *out,
                  struct owed_buf *err)
{
    struct owed_seller sl;
    struct owed_party party;
    struct owed_profile prof;
    int rc = owed_seller_get(s, org, &sl, err);
    if (!rc) rc = owed_customer_party_get(s, org, c->id, &party, err);
    if (!rc) rc = owed_profile_get(s, org, c->id, &prof, err);
    if (rc) return rc;
    struct owed__address addr;
    owed__address_lines(&party, sl.party.country, prof.address, &addr);
    struct owed_buf qr = OWED_BUF_INIT(0), link = OWED_BUF_INIT(0), closing = OWED_BUF_INIT(0);
    owed__seller_qr(&sl, li->currency, li->total, li->remittance.ptr, &qr);
    if (set->pay_url[0])
        owed_buf_addf(&link, "%s%s", set->pay_url, li->n == 1 ? li->items[0].number : c->ref);
    if (li->others.len) owed_buf_addf(&closing, "Also overdue: %s.", li->others.ptr);
    struct letter_text txt;
    letter_text(m->body ? m->body : "", c->name, on, !(m->subject && m->subject[0]), &txt);
    const char *subject = m->subject && m->subject[0] ? m->subject
                          : txt.subject                ? txt.subject
                                                       : "Payment reminder";
    struct owed_pdf_letter l = {
        .seller = &sl.party,
        .recipient_name = party.name[0] ? party.name : c->name,
        .address = addr.line,
        .n_address = addr.n,
        .date = on,
        .subject = subject,
        .body = txt.text,
        .currency = li->currency,
        .exponent = owed_currency_exponent(li->currency),
        .items = li->items,
        .n_items = li->n,
        .pay_url = link.len ? link.ptr : NULL,
        .qr_payload = qr.len ? qr.ptr : NULL,
        .closing = closing.len ? closing.ptr : NULL,
    };
    if (l.exponent < 0) l.exponent = 2; /* a currency ISO has retired since: print cents */
    rc = owed_buf_err(&qr) || owed_buf_err(&link) || owed_buf_err(&closing)
             ? OWED_E_TOO_LARGE
             : owed_pdf_letter(&l, out, err);
    owed_buf_release(&qr);
    owed_buf_release(&link);
    owed_buf_release(&closing);
    free(txt.subject);
    return rc;
}

/* The run's date; a message queued by hand has no firings: the day it was created. */
static owed_date letter_date(const struct fired *x, const struct owed_outbox_msg *m)
{
    owed_date d;
    if (x->n) return x->on;
    if (strlen(m->created_at) >= 10 && owed_date_parse(m->created_at, 10, &d) == OWED_OK)
        return d;
    return 0;
}

int owed__letter_pdf(struct owed_store *s, int64_t org, const struct owed_org_settings *set,
                     const struct owed_outbox_msg *m, struct owed_buf *out,
                     struct owed_buf *err)
{
    OWED_ASSERT(s && set && m && out);
    struct owed_customer c;
    struct fired x = {.message_id = m->id};
    int rc = s->ops->customer_get_id(s, org, m->customer_id, &c, err);
    if (!rc) rc = s->ops->firings_each(s, org, on_firing, &x, err);
    owed_date on = letter_date(&x, m);
    struct letter_data d;
    memset(&d, 0, sizeof d);
    if (!rc) rc = load_invoices(s, org, c.id, &x, on, &d, err);
    size_t *order = owed_xcalloc(d.n ? d.n : 1, sizeof *order);
    for (size_t i = 0; i < d.n; i++) order[i] = i;
    qsort_r(order, d.n, sizeof *order, by_due, &d);
    struct letter_items li = {.remittance = OWED_BUF_INIT(0), .others = OWED_BUF_INIT(0)};
    if (!rc) {
        pick_items(&d, order, on, &c, &li);
        rc = render(s, org, set, m, &c, &li, on, out, err);
    }
    free(li.items);
    owed_buf_release(&li.remittance);
    owed_buf_release(&li.others);
    free(order);
    letter_data_release(&d);
    free(x.ids);
    return rc;
}
