/* The dunning pages' read models (app/web_views.h): a policy's messages rendered before it
 * is saved, the policy and template behind the messages of a preview, the built-in
 * template names.
 *
 * A message is rendered by owed__render_message with the context dunning_run.c gives it
 * (docs/dunning.md "Templates"), built here from a customer and its invoices instead of a
 * run's firings: the same names, so that a template that renders here renders in a run
 * (an unknown name is an error in both). Fees and interest are computed as the run computes
 * them (app/dunning_charges.c), numbered as it numbers them, and posted nowhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/dunning_int.h"
#include "app/files.h"
#include "app/invoicing.h"
#include "app/web_views.h"
#include "base.h"
#include "core/dunning.h"
#include "core/latefee.h"
#include "io/holidays.h"
#include "owed/money.h"

struct embedded_file {
    const char *name;
    const unsigned char *data;
};
#include "templates.h"

/* One invoice of a sample message. */
struct sinv {
    int64_t id;
    char number[OWED_REF_MAX + 1];
    owed_date issue, due;
    char currency[4];
    int exp;
    int64_t amount, open;
};

static json_t *jdate(owed_date day)
{
    char s[11];
    owed_date_format(day, s);
    return json_string(s);
}

static json_t *jamount(int64_t minor, int exp, bool group)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, exp, group);
    json_t *j = json_string(b.ptr ? b.ptr : "0");
    owed_buf_release(&b);
    return j;
}

/* As app/dunning_charges.c: "statutory" is the scheme of the invoice's currency. */
static const char *resolve(const char *text, const char *currency)
{
    if (strcmp(text, "statutory") != 0) return text[0] ? text : "none";
    if (!strcmp(currency, "EUR")) return "eu";
    if (!strcmp(currency, "GBP")) return "uk";
    return "none";
}

/* The template context of a message to customer c about invoices inv[0..n) at step st (as
 * message_context in app/dunning_run.c). */
static json_t *context(const struct owed_org_settings *set, const struct owed_customer *c,
                       const char *address, owed_date as_of,
                       const struct owed_dunning_step *st, const char *step_name,
                       const struct sinv *inv, size_t n, bool charge, const char *portal_url,
                       struct owed_buf *err, int *rc)
{
    json_t *invoices = json_array(), *totals = json_array(), *charges = json_array();
    size_t ncur = 0;
    int64_t *sums = owed_xcalloc(n + 1, sizeof *sums);
    size_t *first_of = owed_xcalloc(n + 1, sizeof *first_of);
    *rc = OWED_OK;
    for (size_t k = 0; k < n; k++) {
        const struct sinv *v = &inv[k];
        int late = as_of - v->due;
        json_t *o = json_pack("{s:s, s:o, s:o, s:i, s:o, s:s}", "number", v->number,
                              "issue_date", jdate(v->issue), "due_date", jdate(v->due),
                              "days_overdue", late, "open", jamount(v->open, v->exp, true),
                              "currency", v->currency);
        json_object_set_new(o, "overdue", json_boolean(late > 0));
        json_object_set_new(o, "due_today", json_boolean(late == 0));
        json_object_set_new(o, "not_due", json_boolean(late < 0));
        json_object_set_new(o, "days_to_due", json_integer(-late));
        json_object_set_new(o, "ack_url", json_string(st && st->unless_acknowledged
                                                          ? "[link to confirm receipt]"
                                                          : ""));
        json_array_append_new(invoices, o);
        size_t ci = 0;
        while (ci < ncur && strcmp(inv[first_of[ci]].currency, v->currency) != 0) ci++;
        if (ci == ncur) first_of[ncur++] = k;
        sums[ci] += v->open;
        if (!charge || !st) continue;
        struct owed_step_charges ch;
        int64_t fee = 0, interest = 0;
        int r = owed_step_charges_parse(resolve(st->fee, v->currency),
                                        resolve(st->interest, v->currency), &ch, err);
        if (!r) r = owed_step_fee(&ch, v->amount, v->currency, v->exp, &fee);
        if (!r && ch.interest != OWED_FEE_NONE && as_of > v->due)
            r = owed_step_interest(&ch, v->open, v->due, v->due, as_of, &interest);
        if (r) {
            if (!err->len)
                owed_buf_addf(err, "fee \"%s\" or interest \"%s\" cannot be charged in %s",
                              st->fee, st->interest, v->currency);
            *rc = r;
            continue;
        }
        char number[OWED_REF_MAX + 1];
        if (fee) {
            snprintf(number, sizeof number, "FEE-%.40s-%.16s", v->number, step_name);
            json_array_append_new(charges, json_pack("{s:s, s:s, s:s, s:o, s:s}", "number",
                                                     number, "what", "late fee", "invoice",
                                                     v->number, "amount",
                                                     jamount(fee, v->exp, true), "currency",
                                                     v->currency));
        }
        if (interest) {
            snprintf(number, sizeof number, "INT-%.40s-%.16s", v->number, step_name);
            json_array_append_new(charges, json_pack("{s:s, s:s, s:s, s:o, s:s}", "number",
                                                     number, "what", "interest", "invoice",
                                                     v->number, "amount",
                                                     jamount(interest, v->exp, true),
                                                     "currency", v->currency));
        }
    }
    for (size_t ci = 0; ci < ncur; ci++)
        json_array_append_new(totals, json_pack("{s:o, s:s, s:b}", "amount",
                                                jamount(sums[ci], inv[first_of[ci]].exp, true),
                                                "currency", inv[first_of[ci]].currency, "last",
                                                ci + 1 == ncur));
    free(sums);
    free(first_of);
    json_t *ctx = json_pack(
        "{s:{s:s}, s:{s:s, s:s, s:s, s:s}, s:o, s:s, s:s, s:b, s:I, s:s, s:o, s:o, s:b, s:o}",
        "org", "name", set->name, "customer", "ref", c->ref, "name", c->name, "email", c->email,
        "address", address, "as_of", jdate(as_of), "step", step_name, "channel",
        owed_channel_name(st ? st->channel : OWED_CHANNEL_EMAIL), "one", n == 1, "count",
        (json_int_t)n, "first_number", n ? inv[0].number : "", "invoices", invoices, "totals",
        totals, "has_charges", json_array_size(charges) > 0, "charges", charges);
    json_object_set_new(ctx, "portal_url", json_string(portal_url));
    if (set->pay_url[0]) {
        char link[600];
        snprintf(link, sizeof link, "%s%s", set->pay_url, c->ref);
        json_object_set_new(ctx, "pay_link", json_string(link));
    }
    return ctx;
}

/* What the page says beside a step's message. */
static const char *channel_note(enum owed_channel ch)
{
    switch (ch) {
    case OWED_CHANNEL_EMAIL: return "An email: the subject and the text part (an HTML part goes with it).";
    case OWED_CHANNEL_SMS: return "A text message to the customer's phone.";
    case OWED_CHANNEL_LETTER: return "A PDF letter with the letterhead, the address and a table of the invoices; this is its text.";
    case OWED_CHANNEL_CALL: return "A call task for a collector, with this script.";
    case OWED_CHANNEL_AGENCY: return "A handoff to the collection agency: the invoices go out in a placement file (CSV) and are put on hold; no message is written.";
    case OWED_CHANNEL_WEBHOOK: break;
    }
    return "";
}

/* Renders one message into entry e. */
static void render_step(json_t *e, const char *lang, const char *template_name, int channel,
                        json_t *ctx)
{
    struct owed__rendered m = {OWED_BUF_INIT(0), OWED_BUF_INIT(0), OWED_BUF_INIT(0)};
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = channel == OWED_CHANNEL_AGENCY
                 ? OWED_OK
                 : owed__render_message(lang, template_name, channel, ctx, &m, &err);
    json_object_set_new(e, "subject", json_string(m.subject.ptr ? m.subject.ptr : ""));
    json_object_set_new(e, "text", json_string(m.text.ptr ? m.text.ptr : ""));
    json_object_set_new(e, "html", json_string(m.html.ptr ? m.html.ptr : ""));
    json_object_set_new(e, "error", json_string(rc ? (err.ptr ? err.ptr : "cannot render") : ""));
    owed_buf_release(&m.subject);
    owed_buf_release(&m.text);
    owed_buf_release(&m.html);
    owed_buf_release(&err);
}

/* ---- a real customer's open invoices on a date ---- */

struct collect {
    struct sinv *v;
    size_t n, cap;
    owed_date as_of;
};

static int on_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct collect *c = ctx;
    if (inv->kind != OWED_INVOICE_SALE || inv->issue_date > c->as_of) return OWED_OK;
    int exp = owed_currency_exponent(inv->currency);
    if (exp < 0) return OWED_OK;
    OWED_ALLOC_GROW(c->v, c->n + 1, c->cap);
    struct sinv *v = &c->v[c->n++];
    memset(v, 0, sizeof *v);
    v->id = inv->id;
    snprintf(v->number, sizeof v->number, "%s", inv->number);
    v->issue = inv->issue_date;
    v->due = inv->due_date;
    memcpy(v->currency, inv->currency, 4);
    v->exp = exp;
    v->amount = v->open = inv->amount_minor;
    return OWED_OK;
}

static int on_alloc(void *ctx, const struct owed_allocation *a)
{
    struct collect *c = ctx;
    size_t lo = 0, hi = c->n; /* invoices come in id order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->v[mid].id < a->invoice_id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < c->n && c->v[lo].id == a->invoice_id) c->v[lo].open -= a->amount_minor;
    return OWED_OK;
}

static int load_open(struct owed_store *s, int64_t org, int64_t customer_id, owed_date as_of,
                     struct collect *c, struct owed_buf *err)
{
    c->as_of = as_of;
    struct owed_list_filter f = {.customer_id = customer_id, .with_text = true};
    int rc = s->ops->invoices_each(s, org, &f, on_invoice, c, err);
    struct owed_list_filter fa = {.customer_id = customer_id, .on_or_before = as_of};
    if (!rc) rc = s->ops->allocations_each(s, org, &fa, on_alloc, c, err);
    size_t keep = 0;
    for (size_t i = 0; !rc && i < c->n; i++)
        if (c->v[i].open > 0) c->v[keep++] = c->v[i];
    if (!rc) c->n = keep;
    return rc;
}

/* The org's holiday calendar, as app/dunning_eval.c loads it (weekends only without). */
static void load_calendar(const struct owed_org_settings *set, owed_date **dates, size_t *n)
{
    *dates = NULL;
    *n = 0;
    if (!set->calendar[0]) return;
    char path[4096];
    owed__data_path("calendars", set->calendar, ".json", path, sizeof path);
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_holidays_load(path, dates, n, &err)) *dates = NULL, *n = 0;
    owed_buf_release(&err);
}

/* Two invoices of the sample customer, due so that step `offset` is reached on as_of. */
static size_t sample_invoices(owed_date as_of, int offset, struct sinv v[2])
{
    static const int64_t amounts[2] = {125000, 38050};
    for (int k = 0; k < 2; k++) {
        memset(&v[k], 0, sizeof v[k]);
        snprintf(v[k].number, sizeof v[k].number, "INV-SAMPLE-%d", k + 1);
        v[k].due = as_of - offset - 3 * k;
        v[k].issue = v[k].due - 30;
        memcpy(v[k].currency, "EUR", 4);
        v[k].exp = 2;
        v[k].amount = v[k].open = amounts[k];
    }
    return 2;
}

int owed_dunning_sample(struct owed_store *s, int64_t org, const char *policy_text,
                        const char *customer_ref, const char *lang, owed_date as_of,
                        json_t **out, struct owed_buf *err)
{
    *out = NULL;
    struct owed_dunning_policy p;
    struct owed_buf perr = OWED_BUF_INIT(0);
    int rc = owed__policy_from_json(policy_text, "preview", "policy", &p, &perr);
    if (!rc && !owed_dunning_policy_valid(&p)) {
        owed_buf_adds(&perr, "policy: not a valid policy (offsets must increase; \"unless\" "
                             "only before the due date)");
        rc = OWED_E_REJECTED;
    }
    if (rc) {
        owed_buf_adds(err, perr.ptr ? perr.ptr : "policy: not a valid policy");
        owed_buf_release(&perr);
        return OWED_E_REJECTED;
    }
    owed_buf_release(&perr);

    bool sample = !customer_ref || !*customer_ref;
    struct owed_org_settings set;
    memset(&set, 0, sizeof set);
    struct owed_customer c;
    memset(&c, 0, sizeof c);
    struct owed_profile prof;
    memset(&prof, 0, sizeof prof);
    struct collect open = {0};
    rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->org_settings_get(s, org, &set, err);
    /* A run gives each reminder a personal portal link when the seller has a public URL
     * (app/dunning_run.c); the preview makes none and shows where it goes. */
    struct owed_seller seller;
    memset(&seller, 0, sizeof seller);
    if (!rc) rc = owed_seller_get(s, org, &seller, err);
    char portal[sizeof seller.public_url + 64] = "";
    if (!rc && seller.public_url[0])
        snprintf(portal, sizeof portal, "%s/portal/[a personal link, made when it is sent]",
                 seller.public_url);
    if (!rc && !sample) {
        rc = s->ops->customer_get(s, org, customer_ref, &c, err);
        if (rc == OWED_E_NOT_FOUND) {
            owed_buf_reset(err);
            owed_buf_addf(err, "no customer '%s'", customer_ref);
        }
        if (!rc) rc = owed_profile_get(s, org, c.id, &prof, err);
        if (!rc) rc = load_open(s, org, c.id, as_of, &open, err);
    }
    s->ops->read_end(s);
    if (rc) {
        free(open.v);
        return rc;
    }
    if (sample) {
        snprintf(c.ref, sizeof c.ref, "SAMPLE");
        snprintf(c.name, sizeof c.name, "Sample Customer Ltd");
        snprintf(c.email, sizeof c.email, "accounts@sample.example");
        snprintf(prof.address, sizeof prof.address, "1 Sample Street, Springfield");
    }
    if (!set.name[0]) snprintf(set.name, sizeof set.name, "Your organization");
    const char *use_lang = lang && *lang ? lang : prof.lang[0] ? prof.lang : "en";
    owed_date *holidays;
    size_t nholidays;
    load_calendar(&set, &holidays, &nholidays);
    struct owed_calendar cal = {holidays, nholidays};

    json_t *steps = json_array();
    struct sinv *pick = owed_xcalloc(open.n + 2, sizeof *pick);
    for (size_t i = 0; i < p.nsteps + (p.thank_you ? 1 : 0); i++) {
        bool thanks = i == p.nsteps;
        const struct owed_dunning_step *st = thanks ? NULL : &p.steps[i];
        const char *name = thanks ? "thanks" : st->name;
        const char *tmpl = thanks ? "thanks" : st->template_name[0] ? st->template_name : st->name;
        int channel = thanks ? OWED_CHANNEL_EMAIL : (int)st->channel;
        size_t n = 0;
        bool fallback = false;
        if (!sample) {
            for (size_t k = 0; k < open.n; k++) {
                bool at = thanks ? false
                                 : owed_dunning_due_step(&p, &cal, open.v[k].due, as_of,
                                                         open.v[k].open, open.v[k].exp,
                                                         -1) == (int)i;
                if (at) pick[n++] = open.v[k];
            }
            if (n == 0) {
                fallback = true;
                memcpy(pick, open.v, open.n * sizeof *pick);
                n = open.n;
            }
        }
        if (n == 0) {
            n = sample_invoices(as_of, thanks ? 0 : st->offset_days, pick);
            fallback = !sample;
        }
        struct owed_buf cerr = OWED_BUF_INIT(0);
        int crc;
        json_t *ctx = context(&set, &c, prof.address, as_of, st, name, pick, n, !thanks,
                              thanks || channel == OWED_CHANNEL_AGENCY ? "" : portal, &cerr, &crc);
        json_t *e = json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:I, s:b, s:s}", "index",
                              (json_int_t)i, "name", name, "offset",
                              thanks ? 0 : st->offset_days, "days",
                              st && st->business_days ? "business" : "calendar", "channel",
                              owed_channel_name((enum owed_channel)channel), "template", tmpl,
                              "invoices", (json_int_t)n, "fallback", fallback, "note",
                              thanks ? "A thank-you email for invoices paid in full by their due date."
                                     : channel_note((enum owed_channel)channel));
        render_step(e, use_lang, tmpl, channel, ctx);
        if (crc && !json_string_length(json_object_get(e, "error")))
            json_object_set_new(e, "error", json_string(cerr.ptr ? cerr.ptr : "charges"));
        json_array_append_new(steps, e);
        json_decref(ctx);
        owed_buf_release(&cerr);
    }
    free(pick);
    free(open.v);
    free(holidays);
    *out = json_pack("{s:{s:s, s:s, s:s, s:s, s:b}, s:o, s:o}", "customer", "ref", c.ref,
                     "name", c.name, "email", c.email, "lang", use_lang, "sample", sample,
                     "as_of", jdate(as_of), "steps", steps);
    return OWED_OK;
}

/* ---- what a preview's messages follow ---- */

struct want {
    int64_t id;      /* customer id */
    char segment[64];
};

static int cmp_want(const void *a, const void *b)
{
    const struct want *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

struct want_set {
    struct want *w;
    size_t n;
};

static int on_profile(void *ctx, const struct owed_profile *p)
{
    struct want_set *ws = ctx;
    struct want key = {.id = p->customer_id};
    struct want *hit = bsearch(&key, ws->w, ws->n, sizeof *ws->w, cmp_want);
    if (hit) snprintf(hit->segment, sizeof hit->segment, "%s", p->segment);
    return OWED_OK;
}

/* Adds amount (a decimal string) in currency to the totals array (grouped, formatted). */
static void add_total(json_t *totals, int64_t *sums, const char *amount, const char *currency)
{
    int exp = owed_currency_exponent(currency);
    int64_t minor;
    if (exp < 0 || owed_amount_parse(amount, strlen(amount), exp, &minor)) return;
    size_t i = 0;
    for (; i < json_array_size(totals); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(totals, i), "currency")),
                    currency))
            break;
    if (i == json_array_size(totals)) {
        if (i >= 8) return; /* a message in more than 8 currencies: the first 8 */
        json_array_append_new(totals, json_pack("{s:s, s:s}", "amount", "", "currency", currency));
        sums[i] = 0;
    }
    sums[i] += minor;
    json_object_set_new(json_array_get(totals, i), "amount", jamount(sums[i], exp, true));
}

int owed_dunning_preview_annotate(struct owed_store *s, int64_t org, json_t *messages,
                                  size_t max, struct owed_buf *err)
{
    size_t n = json_array_size(messages);
    if (n > max) n = max;
    struct owed__policies ps;
    int rc = owed__policies_load(s, org, &ps, err);
    if (rc) return rc;
    struct want *ids = owed_xcalloc(n + 1, sizeof *ids);
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *m = json_array_get(messages, i);
        const char *ref = json_string_value(json_object_get(m, "customer_ref"));
        struct owed_customer c;
        ids[i].id = 0;
        if (ref && s->ops->customer_get(s, org, ref, &c, err) == OWED_OK) ids[i].id = c.id;
        owed_buf_reset(err);
    }
    /* The segments of these customers, in one pass over the profiles. */
    struct want_set ws = {owed_xcalloc(n + 1, sizeof *ws.w), n};
    memcpy(ws.w, ids, n * sizeof *ids);
    qsort(ws.w, ws.n, sizeof *ws.w, cmp_want);
    rc = s->ops->profiles_each(s, org, on_profile, &ws, err);
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *m = json_array_get(messages, i);
        const char *ref = json_string_value(json_object_get(m, "customer_ref"));
        const char *step = json_string_value(json_object_get(m, "step"));
        struct want key = {.id = ids[i].id};
        struct want *hit = ids[i].id ? bsearch(&key, ws.w, ws.n, sizeof *ws.w, cmp_want) : NULL;
        int pi = owed__policy_for(&ps, ref ? ref : "", hit ? hit->segment : "");
        const struct owed_dunning_policy *p = &ps.list[pi];
        int si = step ? owed_dunning_step_index(p, step) : -1;
        const char *tmpl = step && !strcmp(step, "thanks") ? "thanks"
                           : si < 0                       ? ""
                           : p->steps[si].template_name[0] ? p->steps[si].template_name
                                                           : p->steps[si].name;
        json_object_set_new(m, "customer_id", json_integer(ids[i].id));
        json_object_set_new(m, "policy", json_string(p->name));
        json_object_set_new(m, "template", json_string(tmpl));
        json_t *totals = json_array(), *inv;
        int64_t sums[8];
        size_t k;
        json_array_foreach(json_object_get(m, "invoices"), k, inv) {
            const char *amount = json_string_value(json_object_get(inv, "open"));
            const char *cur = json_string_value(json_object_get(inv, "currency"));
            if (amount && cur) add_total(totals, sums, amount, cur);
            int exp = cur ? owed_currency_exponent(cur) : -1;
            int64_t minor;
            if (amount && exp >= 0 && !owed_amount_parse(amount, strlen(amount), exp, &minor))
                json_object_set_new(inv, "open_text", jamount(minor, exp, true));
            else
                json_object_set_new(inv, "open_text", json_string(amount ? amount : ""));
        }
        json_array_foreach(totals, k, inv)
            json_object_set_new(inv, "last", json_boolean(k + 1 == json_array_size(totals)));
        json_object_set_new(m, "totals", totals);
    }
    free(ws.w);
    free(ids);
    owed__policies_release(&ps);
    return rc;
}

/* ---- the built-in templates ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *owed_dunning_template_names(void)
{
    enum { N = OWED_ARRAY_LEN(builtin_templates) };
    char names[N][64];
    const char *sorted[N];
    size_t n = 0;
    for (size_t i = 0; i < N; i++) {
        const char *slash = strchr(builtin_templates[i].name, '/');
        const char *dot = slash ? strstr(slash, ".tmpl") : NULL;
        if (!dot || (size_t)(dot - slash - 1) >= sizeof names[0]) continue;
        snprintf(names[n], sizeof names[n], "%.*s", (int)(dot - slash - 1), slash + 1);
        sorted[n] = names[n];
        n++;
    }
    qsort(sorted, n, sizeof *sorted, cmp_str);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
            json_array_append_new(out, json_string(sorted[i]));
    return out;
}
