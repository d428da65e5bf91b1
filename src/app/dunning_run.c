/* `owed dunning run`: does what the preview shows (app/dunning_eval.c), in one write
 * transaction, so that a crash at any point leaves either the whole run or nothing:
 *   - one outbox row per message, rendered from its template (an email is stored as the
 *     exact RFC 5322 bytes that will be sent); a call becomes a task for a collector and
 *     its outbox row is delivered at once;
 *   - one firing per invoice (or installment) and step, keyed (org, invoice, step);
 *   - fees and interest as invoices of their own (FEE-/INT-<invoice>-<step>), posted to
 *     the journal like any fee;
 *   - an agency handoff puts its invoices on hold, which stops internal dunning;
 *   - promises and plans that broke or completed get their new status.
 * The evaluation reads a snapshot before the write lock is taken. If another run fired
 * one of the same keys in between, a firing insert finds its key taken: the transaction
 * is rolled back and the run starts over from a fresh snapshot, which no longer has it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/documents.h"
#include "app/dunning_int.h"
#include "app/invoicing.h"
#include "app/portal.h"
#include "app/events.h"
#include "base.h"
#include "core/ledger.h"
#include "io/csv.h"
#include "io/mail.h"
#include "owed/money.h"

enum { RUN_TRIES = 3 };

struct run {
    struct owed_store *s;
    int64_t org;
    const struct owed__dunning *d;
    struct owed_org_settings set;
    bool public_url; /* the seller has one: reminders may carry a portal link */
    owed_time_ms now;
    int64_t run_id;
    struct owed_run_result *res;
    struct owed_buf *err;
};

static json_t *jamount(const struct owed__dunning *d, uint32_t invoice, int64_t minor)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, d->book.exponents[d->book.invoices[invoice].currency], true);
    json_t *j = json_string(b.ptr ? b.ptr : "0");
    owed_buf_release(&b);
    return j;
}

static json_t *jdate(owed_date day)
{
    char s[11];
    owed_date_format(day, s);
    return json_string(s);
}

/* One charge posted for a firing: a fee or interest invoice. */
struct charge {
    char number[OWED_REF_MAX + 1];
    const char *what;
    uint32_t invoice;
    int64_t amount;
};

/* An acknowledgement link (app/documents.h), as owed_ack_url writes it. */
typedef char ack_link[512];

/* The template context of a message (docs/dunning.md "Templates"). links: the invoices'
 * acknowledgement links (links[k - i], "" for none), or NULL when the message has none.
 * portal_url: the customer's portal link, or NULL for none. */
static json_t *message_context(const struct run *r, size_t i, size_t j, const char *step,
                               const struct owed_customer *c, const struct owed_profile *prof,
                               const struct charge *charges, size_t ncharges,
                               const ack_link *links, const char *portal_url)
{
    const struct owed__dunning *d = r->d;
    const struct owed_book *b = &d->book;
    json_t *invoices = json_array(), *totals = json_array(), *jcharges = json_array();
    /* Totals per currency, in order of first appearance (at most one per invoice). */
    int64_t *sums = owed_xcalloc(j - i, sizeof *sums);
    uint16_t *curs = owed_xcalloc(j - i, sizeof *curs);
    uint32_t *of_cur = owed_xcalloc(j - i, sizeof *of_cur); /* an invoice of it: its exponent */
    size_t ncur = 0;
    for (size_t k = i; k < j; k++) {
        const struct owed__firing *f = &d->f[k];
        const struct owed_book_invoice *inv = &b->invoices[f->invoice];
        json_t *o = json_pack("{s:s, s:o, s:o, s:i, s:o, s:s}", "number",
                              inv->number ? inv->number : "", "issue_date", jdate(inv->issue_date),
                              "due_date", jdate(f->due), "days_overdue", d->as_of - f->due,
                              "open", jamount(d, f->invoice, f->open), "currency",
                              b->currencies[inv->currency]);
        int late = d->as_of - f->due;
        json_object_set_new(o, "overdue", json_boolean(late > 0));
        json_object_set_new(o, "due_today", json_boolean(late == 0));
        json_object_set_new(o, "not_due", json_boolean(late < 0));
        json_object_set_new(o, "days_to_due", json_integer(-late));
        if (f->installment) json_object_set_new(o, "installment", json_integer(f->installment_no));
        json_object_set_new(o, "ack_url", json_string(links ? links[k - i] : ""));
        json_array_append_new(invoices, o);
        size_t c_ = 0;
        while (c_ < ncur && curs[c_] != inv->currency) c_++;
        if (c_ == ncur) {
            curs[ncur] = inv->currency;
            of_cur[ncur++] = f->invoice;
        }
        sums[c_] += f->open;
    }
    for (size_t c_ = 0; c_ < ncur; c_++)
        json_array_append_new(totals, json_pack("{s:o, s:s, s:b}", "amount",
                                                jamount(d, of_cur[c_], sums[c_]), "currency",
                                                b->currencies[curs[c_]], "last", c_ + 1 == ncur));
    free(sums);
    free(curs);
    free(of_cur);
    for (size_t k = 0; k < ncharges; k++) {
        const struct owed_book_invoice *inv = &b->invoices[charges[k].invoice];
        json_array_append_new(jcharges,
                              json_pack("{s:s, s:s, s:s, s:o, s:s}", "number", charges[k].number,
                                        "what", charges[k].what, "invoice",
                                        inv->number ? inv->number : "", "amount",
                                        jamount(d, charges[k].invoice, charges[k].amount),
                                        "currency", b->currencies[inv->currency]));
    }
    const struct owed_book_invoice *first = &b->invoices[d->f[i].invoice];
    json_t *ctx = json_pack(
        "{s:{s:s}, s:{s:s, s:s, s:s, s:s}, s:o, s:s, s:s, s:b, s:I, s:s, s:o, s:o, s:o, s:b}",
        "org", "name", r->set.name, "customer", "ref", c->ref, "name", c->name, "email",
        c->email, "address", prof->address, "as_of", jdate(d->as_of), "step", step, "channel",
        owed_channel_name((enum owed_channel)d->f[i].channel), "one", j - i == 1, "count",
        (json_int_t)(j - i), "first_number", first->number ? first->number : "", "invoices",
        invoices, "totals", totals, "charges", jcharges, "has_charges", ncharges > 0);
    json_object_set_new(ctx, "portal_url", json_string(portal_url ? portal_url : ""));
    if (r->set.pay_url[0]) {
        char link[600];
        snprintf(link, sizeof link, "%s%s", r->set.pay_url, c->ref);
        json_object_set_new(ctx, "pay_link", json_string(link));
    }
    return ctx;
}

/* The acknowledgement links of firings [i, j), for a message whose step asks for them
 * ("unless acknowledged"): each invoice with an issued, unacknowledged document gets the
 * link of owed_ack_url, the one the server's /ack route checks. Only the invoices of such
 * messages cost a link; the first one makes the org's key, in the run's transaction. */
static int ack_links(struct run *r, size_t i, size_t j, ack_link **out)
{
    *out = owed_xcalloc(j - i, sizeof **out);
    for (size_t k = i; k < j; k++) {
        int64_t doc = owed__ack_doc(r->d, &r->d->f[k]);
        int rc = doc ? owed_ack_url(r->s, r->org, doc, (*out)[k - i], r->err) : OWED_OK;
        if (rc) return rc;
    }
    return OWED_OK;
}

/* Posts a fee or interest invoice for firing f. */
static int post_charge(struct run *r, const struct owed__firing *f, const char *prefix,
                       const char *what, int64_t amount, struct charge *out)
{
    const struct owed__dunning *d = r->d;
    const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
    const char *step = d->policies.list[f->policy].steps[f->step].name;
    struct owed_invoice fee;
    memset(&fee, 0, sizeof fee);
    snprintf(fee.number, sizeof fee.number, "%s-%.40s-%.16s", prefix,
             inv->number ? inv->number : "", step);
    fee.customer_id = d->book.customers[inv->customer].id;
    fee.issue_date = fee.due_date = d->as_of;
    memcpy(fee.currency, d->book.currencies[inv->currency], 4);
    fee.kind = OWED_INVOICE_FEE;
    fee.amount_minor = amount;
    int rc = r->s->ops->invoice_insert(r->s, r->org, &fee, r->err);
    if (rc == OWED_E_EXISTS) {
        owed_buf_addf(r->err, "invoice %s already exists", fee.number);
        return rc;
    }
    struct owed_entry e;
    if (!rc && owed_ledger_fee(fee.id, fee.customer_id, fee.currency, d->as_of, amount, &e)) {
        owed_buf_addf(r->err, "cannot post %s %s", what, fee.number);
        rc = OWED_E_INVALID;
    }
    if (!rc) rc = r->s->ops->entry_append(r->s, r->org, &e, NULL, r->err);
    if (!rc) {
        snprintf(out->number, sizeof out->number, "%s", fee.number);
        out->what = what;
        out->invoice = f->invoice;
        out->amount = amount;
        r->res->fees++;
    }
    return rc;
}

/* An email as the exact bytes to send. */
static int compose_email(struct run *r, const struct owed_customer *c,
                         const struct owed__rendered *m, int64_t key, struct owed_buf *out)
{
    if (!r->set.mail_from[0]) {
        owed_buf_adds(r->err, "emails need a sender: owed org set --mail-from 'Name <address>'");
        return OWED_E_INVALID;
    }
    char from_addr[300], msgid[400], seed[64];
    const char *domain = "owed.invalid";
    if (owed_mail_address(r->set.mail_from, from_addr, sizeof from_addr) == OWED_OK) {
        const char *at = strrchr(from_addr, '@');
        if (at) domain = at + 1;
    }
    snprintf(msgid, sizeof msgid, "dunning-%lld-%lld.org%lld@%s", (long long)r->run_id,
             (long long)key, (long long)r->org, domain);
    snprintf(seed, sizeof seed, "%lld-%lld-%lld", (long long)r->org, (long long)r->run_id,
             (long long)key);
    struct owed_mail mail = {
        .from = r->set.mail_from,
        .to = c->email,
        .subject = m->subject.ptr ? m->subject.ptr : "",
        .text = m->text.ptr ? m->text.ptr : "",
        .html = m->html.len ? m->html.ptr : NULL,
        .message_id = msgid,
        .date_unix = r->now / 1000,
        .boundary_seed = seed,
    };
    return owed_mail_compose(&mail, out, r->err);
}

/* The email of a message; a customer without a usable address gets the message recorded
 * as failed, with the reason, and the run goes on. */
static int email_or_failed(struct run *r, const struct owed_customer *c,
                           const struct owed__rendered *m, int64_t key, struct owed_buf *body,
                           struct owed_outbox_msg *msg)
{
    if (!c->email[0]) {
        msg->status = OWED_MSG_FAILED;
        snprintf(msg->last_error, sizeof msg->last_error, "the customer has no email address");
        return OWED_OK;
    }
    size_t mark = r->err->len;
    int rc = compose_email(r, c, m, key, body);
    if (rc == OWED_E_INVALID && r->set.mail_from[0]) {
        msg->status = OWED_MSG_FAILED;
        snprintf(msg->last_error, sizeof msg->last_error, "cannot compose the email: %s",
                 r->err->ptr + mark);
        r->err->len = mark;
        if (r->err->ptr) r->err->ptr[mark] = '\0';
        owed_buf_reset(body);
        return OWED_OK;
    }
    return rc;
}

static void agency_csv(const struct run *r, size_t i, size_t j, const struct owed_customer *c,
                       struct owed_buf *out)
{
    const struct owed__dunning *d = r->d;
    owed_buf_adds(out, "customer_ref,customer_name,email,invoice_number,issue_date,due_date,"
                       "days_past_due,currency,open\n");
    for (size_t k = i; k < j; k++) {
        const struct owed__firing *f = &d->f[k];
        const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
        char issue[11], due[11];
        owed_date_format(inv->issue_date, issue);
        owed_date_format(f->due, due);
        owed_csv_put_field(out, c->ref, strlen(c->ref));
        owed_buf_addc(out, ',');
        owed_csv_put_field(out, c->name, strlen(c->name));
        owed_buf_addc(out, ',');
        owed_csv_put_field(out, c->email, strlen(c->email));
        owed_buf_addc(out, ',');
        owed_csv_put_field(out, inv->number ? inv->number : "", strlen(inv->number ? inv->number : ""));
        owed_buf_addf(out, ",%s,%s,%d,%s,", issue, due, d->as_of - f->due,
                      d->book.currencies[inv->currency]);
        owed_amount_format(out, f->open, d->book.exponents[inv->currency], false);
        owed_buf_addc(out, '\n');
    }
}

static int hold_for_agency(struct run *r, const struct owed__firing *f)
{
    const struct owed__dunning *d = r->d;
    struct owed_item h;
    memset(&h, 0, sizeof h);
    h.kind = OWED_ITEM_HOLD;
    h.customer_id = d->book.customers[f->customer].id;
    h.invoice_id = d->book.invoices[f->invoice].id;
    h.status = OWED_ST_OPEN;
    snprintf(h.code, sizeof h.code, "agency");
    snprintf(h.body, sizeof h.body, "placed with the collection agency by dunning run %lld",
             (long long)r->run_id);
    h.opened_on = h.date1 = d->as_of;
    return r->s->ops->item_insert(r->s, r->org, &h, r->err);
}

static int open_task(struct run *r, const struct owed_customer *c, const char *text,
                     int64_t message_id)
{
    struct owed_item t;
    memset(&t, 0, sizeof t);
    t.kind = OWED_ITEM_TASK;
    t.customer_id = c->id;
    t.status = OWED_ST_OPEN;
    snprintf(t.code, sizeof t.code, "dunning");
    snprintf(t.body, sizeof t.body, "%s", text);
    t.opened_on = t.date1 = r->d->as_of;
    t.amount_minor = message_id;
    return r->s->ops->item_insert(r->s, r->org, &t, r->err);
}

static void step_key(const struct owed__dunning *d, const struct owed__firing *f, char *key,
                     size_t cap)
{
    const char *name = d->policies.list[f->policy].steps[f->step].name;
    if (f->installment) snprintf(key, cap, "i%lld.%s", (long long)f->installment, name);
    else snprintf(key, cap, "%s", name);
}

/* One message: firings [i, j) of one customer and channel. */
static int send_message(struct run *r, size_t i, size_t j)
{
    const struct owed__dunning *d = r->d;
    const struct owed__firing *f0 = &d->f[i];
    const struct owed_dunning_policy *p = &d->policies.list[f0->policy];
    const struct owed_dunning_step *severe = &p->steps[owed__most_severe(d, i, j)];
    struct owed_customer c;
    int rc = r->s->ops->customer_get_id(r->s, r->org, d->book.customers[f0->customer].id, &c,
                                        r->err);
    if (rc) return rc;
    const struct owed_profile *prof = &d->profiles[f0->customer];

    struct charge *charges = owed_xcalloc(2 * (j - i), sizeof *charges); /* fee, interest */
    size_t ncharges = 0;
    for (size_t k = i; k < j && !rc; k++) {
        int64_t fee, interest;
        rc = owed__firing_charges(d, &d->f[k], &fee, &interest, r->err);
        if (!rc && fee)
            rc = post_charge(r, &d->f[k], "FEE", "late fee", fee, &charges[ncharges++]);
        if (!rc && interest)
            rc = post_charge(r, &d->f[k], "INT", "interest", interest, &charges[ncharges++]);
    }
    ack_link *links = NULL;
    if (!rc && severe->unless_acknowledged) rc = ack_links(r, i, j, &links);
    if (rc) {
        free(charges);
        free(links);
        return rc;
    }

    /* A portal link for the customer, made (in this transaction) only when the seller says
     * where the portal is and the message's template shows one. */
    struct owed_portal_link_out portal = {0};
    if (r->public_url && f0->channel != OWED_CHANNEL_AGENCY &&
        owed__template_mentions(prof->lang, severe->template_name, "portal_url"))
        rc = owed__portal_link_in(r->s, r->org, c.id, OWED_PORTAL_REMINDER_DAYS, "dunning", r->now,
                                  &portal, r->err);
    if (rc) {
        free(charges);
        free(links);
        return rc;
    }
    json_t *ctx = message_context(r, i, j, severe->name, &c, prof, charges, ncharges, links,
                                  portal.url);
    free(charges);
    free(links);
    struct owed__rendered m = {OWED_BUF_INIT(0), OWED_BUF_INIT(0), OWED_BUF_INIT(0)};
    struct owed_buf body = OWED_BUF_INIT(0);
    struct owed_outbox_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.run_id = r->run_id;
    msg.customer_id = c.id;
    msg.channel = f0->channel;
    snprintf(msg.step, sizeof msg.step, "%s", severe->name);
    msg.status = OWED_MSG_QUEUED;
    msg.recipient = "";
    if (f0->channel != OWED_CHANNEL_AGENCY)
        rc = owed__render_message(prof->lang, severe->template_name, f0->channel, ctx, &m, r->err);
    switch ((enum owed_channel)f0->channel) {
    case OWED_CHANNEL_EMAIL:
        msg.recipient = c.email;
        if (!rc) rc = email_or_failed(r, &c, &m, (int64_t)c.id * 8 + f0->channel, &body, &msg);
        break;
    case OWED_CHANNEL_SMS:
        msg.recipient = prof->phone;
        owed_buf_add(&body, m.text.ptr ? m.text.ptr : "", m.text.len);
        if (!prof->phone[0]) {
            msg.status = OWED_MSG_FAILED;
            snprintf(msg.last_error, sizeof msg.last_error,
                     "the customer has no phone number (owed customer set REF --phone)");
        }
        break;
    case OWED_CHANNEL_LETTER:
    case OWED_CHANNEL_CALL:
        msg.recipient = c.name;
        owed_buf_add(&body, m.text.ptr ? m.text.ptr : "", m.text.len);
        if (f0->channel == OWED_CHANNEL_CALL) msg.status = OWED_MSG_SENT; /* to the task list */
        break;
    case OWED_CHANNEL_AGENCY:
        msg.recipient = "agency";
        agency_csv(r, i, j, &c, &body);
        break;
    case OWED_CHANNEL_WEBHOOK: /* never a dunning step (owed_dunning_policy_valid) */
        break;
    }
    msg.subject = m.subject.ptr ? m.subject.ptr : "";
    msg.body = body.ptr ? body.ptr : "";
    if (msg.status == OWED_MSG_SENT) {
        char day[11];
        owed_date_format(d->as_of, day);
        snprintf(msg.sent_at, sizeof msg.sent_at, "%s", day);
    }
    if (!rc) rc = r->s->ops->outbox_insert(r->s, r->org, &msg, r->err);
    if (!rc && f0->channel == OWED_CHANNEL_CALL) rc = open_task(r, &c, msg.body, msg.id);
    for (size_t k = i; k < j && !rc; k++) {
        const struct owed__firing *f = &d->f[k];
        struct owed_firing rec = {.invoice_id = d->book.invoices[f->invoice].id,
                                  .severity = f->step, .run_id = r->run_id,
                                  .message_id = msg.id, .fired_on = d->as_of};
        step_key(d, f, rec.step, sizeof rec.step);
        rc = r->s->ops->firing_insert(r->s, r->org, &rec, r->err);
        if (!rc && f0->channel == OWED_CHANNEL_AGENCY) rc = hold_for_agency(r, f);
        if (!rc) r->res->firings++;
    }
    if (!rc) r->res->messages++;
    json_decref(ctx);
    owed_buf_release(&m.subject);
    owed_buf_release(&m.text);
    owed_buf_release(&m.html);
    owed_buf_release(&body);
    return rc;
}

/* Thank-you notes: one email per customer for its invoices paid on time. */
static int send_thanks(struct run *r)
{
    const struct owed__dunning *d = r->d;
    int rc = OWED_OK;
    for (size_t i = 0; i < d->nthanks && !rc;) {
        uint32_t cust = d->book.invoices[d->thanks[i]].customer;
        size_t j = i;
        while (j < d->nthanks && d->book.invoices[d->thanks[j]].customer == cust) j++;
        /* Borrow the message machinery: a firing list of these invoices. */
        struct owed__dunning view = *d;
        struct owed__firing *fs = owed_xcalloc(j - i, sizeof *fs);
        size_t n = 0;
        for (size_t k = i; k < j; k++)
            fs[n++] = (struct owed__firing){.invoice = d->thanks[k], .customer = cust,
                                            .channel = OWED_CHANNEL_EMAIL,
                                            .due = d->book.invoices[d->thanks[k]].due_date};
        view.f = fs;
        view.n = n;
        struct run rv = *r;
        rv.d = &view;
        struct owed_customer c;
        rc = r->s->ops->customer_get_id(r->s, r->org, d->book.customers[cust].id, &c, r->err);
        json_t *ctx = rc ? NULL
                         : message_context(&rv, 0, n, "thanks", &c, &d->profiles[cust], NULL, 0,
                                           NULL, NULL);
        struct owed__rendered m = {OWED_BUF_INIT(0), OWED_BUF_INIT(0), OWED_BUF_INIT(0)};
        struct owed_buf body = OWED_BUF_INIT(0);
        if (!rc) rc = owed__render_message(d->profiles[cust].lang, "thanks", OWED_CHANNEL_EMAIL, ctx, &m, r->err);
        struct owed_outbox_msg msg = {.run_id = r->run_id, .customer_id = c.id,
                                      .channel = OWED_CHANNEL_EMAIL, .step = "thanks",
                                      .recipient = c.email, .status = OWED_MSG_QUEUED};
        if (!rc) rc = email_or_failed(r, &c, &m, (int64_t)c.id * 8 + 7, &body, &msg);
        msg.subject = m.subject.ptr ? m.subject.ptr : "";
        msg.body = body.ptr ? body.ptr : "";
        if (!rc) rc = r->s->ops->outbox_insert(r->s, r->org, &msg, r->err);
        for (size_t k = 0; k < n && !rc; k++) {
            struct owed_firing rec = {.invoice_id = d->book.invoices[fs[k].invoice].id,
                                      .step = "thanks", .run_id = r->run_id,
                                      .message_id = msg.id, .fired_on = d->as_of};
            rc = r->s->ops->firing_insert(r->s, r->org, &rec, r->err);
            if (!rc) r->res->firings++;
        }
        if (!rc) r->res->messages++;
        json_decref(ctx);
        owed_buf_release(&m.subject);
        owed_buf_release(&m.text);
        owed_buf_release(&m.html);
        owed_buf_release(&body);
        free(fs);
        i = j;
    }
    return rc;
}

/* Promises and plans that broke or completed; a broken promise is told to webhook
 * subscribers (promise.broken), in the run's transaction. */
static int apply_changes(struct run *r)
{
    struct owed_events ev;
    owed_events_init(&ev, r->s, r->org, r->now);
    int rc = OWED_OK;
    for (size_t k = 0; k < r->d->nchanges && !rc; k++) {
        struct owed_item it;
        rc = r->s->ops->item_get(r->s, r->org, r->d->changes[k].item, &it, r->err);
        if (rc) break;
        it.status = r->d->changes[k].status;
        it.date2 = r->d->as_of;
        if ((rc = r->s->ops->item_update(r->s, r->org, &it, r->err))) break;
        r->res->changes++;
        if (it.kind == OWED_ITEM_PROMISE && it.status == OWED_ST_BROKEN)
            rc = owed__event_item(&ev, "promise.broken", &it, r->err);
    }
    owed_events_release(&ev);
    return rc;
}

static int run_once(struct run *r)
{
    const struct owed__dunning *d = r->d;
    struct owed_store *s = r->s;
    int rc = s->ops->begin(s, r->err);
    if (rc) return rc;
    size_t nmsg = 0; /* as send_message and send_thanks will count them */
    for (size_t i = 0; i < d->n; i = owed__message_end(d, i)) nmsg++;
    for (size_t i = 0; i < d->nthanks; i++)
        if (i == 0 || d->book.invoices[d->thanks[i]].customer !=
                          d->book.invoices[d->thanks[i - 1]].customer)
            nmsg++;
    struct owed_run_rec rec = {.as_of = d->as_of, .messages = (int64_t)nmsg,
                               .firings = (int64_t)(d->n + d->nthanks)};
    rc = s->ops->run_insert(s, r->org, &rec, r->err);
    r->run_id = rec.id;
    r->res->run_id = rec.id;
    for (size_t i = 0; i < d->n && !rc;) {
        size_t j = owed__message_end(d, i);
        rc = send_message(r, i, j);
        i = j;
    }
    if (!rc) rc = send_thanks(r);
    if (!rc) rc = apply_changes(r);
    if (!rc) rc = s->ops->commit(s, r->err);
    if (rc) s->ops->rollback(s);
    return rc;
}

int owed_dunning_run(struct owed_store *s, int64_t org, owed_date as_of, owed_time_ms now,
                     enum owed_format fmt, struct owed_run_result *res, struct owed_buf *out,
                     struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    int rc = OWED_OK;
    for (int attempt = 0; attempt < RUN_TRIES; attempt++) {
        struct owed__dunning d;
        if ((rc = owed__dunning_eval(s, org, as_of, &d, err))) return rc;
        struct run r = {.s = s, .org = org, .d = &d, .now = now, .res = res, .err = err};
        rc = s->ops->org_settings_get(s, org, &r.set, err);
        struct owed_seller sl;
        if (!rc) rc = owed_seller_get(s, org, &sl, err);
        r.public_url = !rc && sl.public_url[0];
        size_t err_mark = err->len;
        if (!rc) rc = run_once(&r);
        if (!rc) rc = owed__dunning_render(&d, fmt, true, out, err);
        owed__dunning_release(&d);
        if (rc != OWED_E_EXISTS) return rc;
        /* Another run fired one of these keys after our snapshot: start over. */
        err->len = err_mark;
        memset(res, 0, sizeof *res);
    }
    owed_buf_adds(err, "other dunning runs kept firing the same invoices; try again");
    return rc;
}
