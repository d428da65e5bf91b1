/* The customer statement as PDF (statement_pdf.h).
 *
 * The figures come from the JSON statement (owed_report_customer, app/customer_show.c),
 * read back rather than computed again: the PDF and the API's JSON statement of the same
 * date cannot disagree on an open amount or the balance. */
#include "app/statement_pdf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/invoicing.h"
#include "app/letters.h"
#include "base.h"
#include "core/epc_qr.h"
#include "io/pdf.h"

/* The statement as owed_report_customer's JSON gives it. */
struct statement {
    json_t *doc;                          /* owns the texts items point to */
    const char *ref, *name, *currency;
    int exponent;
    int64_t balance;
    struct owed_pdf_statement_item *items;
    size_t n;
};

static int bad_json(struct owed_buf *err, const char *what)
{
    owed_buf_addf(err, "customer statement: %s unreadable", what);
    return OWED_E_STORE; /* our own report: a failure here is a bug, not bad input */
}

static bool get_amount(const json_t *o, const char *key, int exp, int64_t *out)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v && owed_amount_parse(v, strlen(v), exp, out) == OWED_OK;
}

static bool get_date(const json_t *o, const char *key, owed_date *out)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v && strlen(v) == 10 && owed_date_parse(v, 10, out) == OWED_OK;
}

/* An invoice with an open amount: an item. (A paid one is not.) */
static int add_invoice(struct statement *st, const json_t *j, owed_date as_of,
                       struct owed_buf *err)
{
    struct owed_pdf_statement_item it = {0};
    it.number = json_string_value(json_object_get(j, "invoice_number"));
    if (!it.number || !get_date(j, "issue_date", &it.date) ||
        !get_date(j, "due_date", &it.due_date) ||
        !get_amount(j, "amount", st->exponent, &it.amount_minor) ||
        !get_amount(j, "open", st->exponent, &it.open_minor))
        return bad_json(err, "an invoice");
    if (!it.open_minor) return OWED_OK;
    int64_t days = (int64_t)as_of - it.due_date;
    it.days_overdue = days > 0 ? (int32_t)(days < INT32_MAX ? days : INT32_MAX) : 0;
    st->items[st->n++] = it;
    return OWED_OK;
}

/* Unapplied cash or credit: a negative item. The number column names a payment as one
 * ("Payment P-17"); a credit note's number speaks for itself. */
static int add_credit(struct statement *st, const json_t *j, struct owed_buf *labels,
                      size_t *label_at, struct owed_buf *err)
{
    struct owed_pdf_statement_item it = {0};
    const char *ref = json_string_value(json_object_get(j, "payment_ref"));
    const char *method = json_string_value(json_object_get(j, "method"));
    int64_t unapplied;
    if (!ref || !method || !get_date(j, "received_date", &it.date) ||
        !get_amount(j, "amount", st->exponent, &it.amount_minor) ||
        !get_amount(j, "unapplied", st->exponent, &unapplied))
        return bad_json(err, "a payment");
    if (!unapplied) return OWED_OK;
    bool cash = strcmp(method, "credit note") && strcmp(method, "discount") &&
                strcmp(method, "write-off") && strcmp(method, "difference");
    label_at[st->n] = labels->len;
    owed_buf_addf(labels, "%s%s", cash ? "Payment " : "", ref);
    owed_buf_addc(labels, '\0');
    it.amount_minor = -it.amount_minor;
    it.open_minor = -unapplied;
    st->items[st->n++] = it;
    return OWED_OK;
}

static int by_date(const void *a, const void *b)
{
    const struct owed_pdf_statement_item *x = a, *y = b;
    if (x->date != y->date) return x->date < y->date ? -1 : 1;
    return strcmp(x->number, y->number);
}

/* Reads the report into st; labels holds the credits' item numbers. */
static int load(struct owed_store *s, int64_t org, const char *ref, owed_date as_of,
                struct statement *st, struct owed_buf *labels, struct owed_buf *err)
{
    struct owed_buf js = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_report_customer(s, org, ref, as_of, OWED_FORMAT_JSON, &js, err);
    if (!rc) st->doc = json_loadb(js.ptr, js.len, 0, NULL);
    owed_buf_release(&js);
    if (rc) return rc;
    const json_t *invs = json_object_get(st->doc, "invoices");
    const json_t *pays = json_object_get(st->doc, "payments");
    st->ref = json_string_value(json_object_get(st->doc, "customer_ref"));
    st->name = json_string_value(json_object_get(st->doc, "name"));
    st->currency = json_string_value(json_object_get(st->doc, "currency"));
    if (!st->ref || !st->name || !st->currency || !json_is_array(invs) || !json_is_array(pays))
        return bad_json(err, "the report");
    st->exponent = owed_currency_exponent(st->currency);
    if (st->exponent < 0) st->exponent = 2; /* a currency ISO has retired since */
    if (!get_amount(st->doc, "balance", st->exponent, &st->balance))
        return bad_json(err, "the balance");
    size_t cap = json_array_size(invs) + json_array_size(pays);
    st->items = owed_xcalloc(cap ? cap : 1, sizeof *st->items);
    size_t *label_at = owed_xcalloc(cap ? cap : 1, sizeof *label_at);
    size_t i;
    json_t *j;
    json_array_foreach(invs, i, j) if (!rc) rc = add_invoice(st, j, as_of, err);
    size_t first_credit = st->n;
    json_array_foreach(pays, i, j) if (!rc) rc = add_credit(st, j, labels, label_at, err);
    /* The labels buffer has stopped moving: point the credits at their labels. */
    for (size_t k = first_credit; !rc && k < st->n; k++)
        st->items[k].number = labels->ptr + label_at[k];
    free(label_at);
    if (!rc && owed_buf_err(labels)) rc = owed_buf_err(labels);
    if (!rc) qsort(st->items, st->n, sizeof *st->items, by_date);
    return rc;
}

/* The customer as the statement's addressee: its billing party, with the profile's address
 * when the party has none. */
static int addressee(struct owed_store *s, int64_t org, const char *ref, const char *home,
                     struct owed_party *out, struct owed_buf *err)
{
    struct owed_customer c;
    struct owed_profile prof;
    int rc = s->ops->customer_get(s, org, ref, &c, err);
    if (!rc) rc = owed_customer_party_get(s, org, c.id, out, err);
    if (!rc) rc = owed_profile_get(s, org, c.id, &prof, err);
    if (rc || out->street[0] || out->street2[0] || out->postcode[0] || out->city[0]) return rc;
    struct owed__address a;
    owed__address_lines(NULL, home, prof.address, &a);
    struct owed_buf rest = OWED_BUF_INIT(0);
    for (size_t i = 2; i < a.n; i++) owed_buf_addf(&rest, "%s%s", rest.len ? ", " : "", a.line[i]);
    snprintf(out->street, sizeof out->street, "%s", a.n > 0 ? a.line[0] : "");
    snprintf(out->street2, sizeof out->street2, "%s", a.n > 1 ? a.line[1] : "");
    snprintf(out->city, sizeof out->city, "%s", rest.ptr);
    owed_buf_release(&rest);
    return OWED_OK;
}

/* The invoice numbers as the transfer's reference when they fit, else the account. */
static void remittance(const struct statement *st, struct owed_buf *out)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->items[i].open_minor > 0 && st->items[i].due_date)
            owed_buf_addf(out, "%s%s", out->len ? " " : "", st->items[i].number);
    if (out->len > OWED_EPC_REMITTANCE_MAX || !out->len) {
        owed_buf_reset(out);
        owed_buf_addf(out, "Customer %s", st->ref);
    }
}

/* How to pay: the bank account (or the seller's own wording of it), the pay link. */
static void pay_note(const struct statement *st, const struct owed_seller *sl,
                     const char *pay_url, const char *reference, struct owed_buf *out)
{
    char amt[OWED__AMOUNT_MAX];
    amt[owed__amount_write(amt, st->balance, st->exponent, true)] = '\0';
    if (st->balance <= 0) {
        owed_buf_adds(out, st->balance ? "The balance is in your favour: it will be set against "
                                         "your next invoices, or paid back on request."
                                       : "Nothing is due. Thank you.");
        return;
    }
    owed_buf_addf(out, "Please pay the balance of %s %s", amt, st->currency);
    if (sl->iban[0]) {
        owed_buf_addf(out, " by bank transfer to %s, IBAN ",
                      sl->account_name[0] ? sl->account_name : sl->party.name);
        for (size_t i = 0, k = 0; sl->iban[i]; i++) {
            if (sl->iban[i] == ' ') continue;
            if (k && k % 4 == 0) owed_buf_addc(out, ' ');
            owed_buf_addc(out, sl->iban[i]);
            k++;
        }
        if (sl->bic[0]) owed_buf_addf(out, ", BIC %s", sl->bic);
        owed_buf_adds(out, ",");
    }
    owed_buf_addf(out, " with the reference \"%s\"", reference);
    if (!sl->iban[0] && sl->terms.bank[0]) owed_buf_addf(out, " to:\n%s", sl->terms.bank);
    else owed_buf_adds(out, ".");
    if (pay_url[0]) owed_buf_addf(out, "\nPay online: %s%s", pay_url, st->ref);
}

static int render(struct owed_store *s, int64_t org, const struct statement *st,
                  owed_date as_of, struct owed_buf *out, struct owed_buf *err)
{
    struct owed_seller sl;
    struct owed_org_settings set;
    struct owed_party cust;
    int rc = owed_seller_get(s, org, &sl, err);
    if (!rc) rc = s->ops->org_settings_get(s, org, &set, err);
    if (!rc) rc = addressee(s, org, st->ref, sl.party.country, &cust, err);
    if (rc) return rc;
    struct owed_buf ref = OWED_BUF_INIT(0), note = OWED_BUF_INIT(0), qr = OWED_BUF_INIT(0);
    remittance(st, &ref);
    pay_note(st, &sl, set.pay_url, ref.ptr, &note);
    owed__seller_qr(&sl, st->currency, st->balance, ref.ptr, &qr);
    struct owed_pdf_statement p = {
        .seller = &sl.party,
        .customer = &cust,
        .account_ref = st->ref,
        .as_of = as_of,
        .currency = st->currency,
        .exponent = st->exponent,
        .items = st->items,
        .n_items = st->n,
        .note = note.ptr,
        .qr_payload = qr.len ? qr.ptr : NULL,
    };
    rc = owed_buf_err(&ref) || owed_buf_err(&note) || owed_buf_err(&qr)
             ? OWED_E_TOO_LARGE
             : owed_pdf_statement(&p, out, err);
    owed_buf_release(&ref);
    owed_buf_release(&note);
    owed_buf_release(&qr);
    return rc;
}

int owed_statement_pdf(struct owed_store *s, int64_t org, const char *customer_ref,
                       owed_date as_of, struct owed_buf *out, struct owed_buf *err)
{
    OWED_ASSERT(s && customer_ref && out);
    struct statement st;
    memset(&st, 0, sizeof st);
    struct owed_buf labels = OWED_BUF_INIT(0);
    int rc = load(s, org, customer_ref, as_of, &st, &labels, err);
    if (!rc) rc = render(s, org, &st, as_of, out, err);
    json_decref(st.doc);
    free(st.items);
    owed_buf_release(&labels);
    return rc;
}
