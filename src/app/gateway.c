/* Payment gateway webhooks and the built-in test gateway (gateway.h). The events are
 * verified with io/webhook.c and posted with the cash use cases (app/cash.c), in one
 * transaction with the claim of their event id. */
#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/auth.h"
#include "app/cash_int.h"
#include "app/gateway.h"
#include "base.h"
#include "io/webhook.h"
#include "owed/money.h"

#define TEST_CARD_OK "4242424242424242"
#define TEST_CARD_DECLINED "4000000000000002"
#define REF_PREFIX "stripe:"
#define ID_MAX 100

/* The state of one event. */
struct gw {
    struct owed_store *s;
    int64_t org;
    owed_date date; /* the event's date in the organization's time zone */
    struct owed_gw_result *res;
    struct owed_buf *out, *err;
};

static int invalid(struct owed_buf *err, const char *fmt, ...) OWED_PRINTF(2, 3);
static int invalid(struct owed_buf *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(err, fmt, ap);
    va_end(ap);
    return OWED_E_INVALID;
}

/* Gateway ids: letters, digits, '_' and '-' (evt_..., pi_..., ch_...). */
static bool id_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return false;
    return true;
}

static void amount_text(int64_t minor, const char *currency, char out[48])
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, owed_currency_exponent(currency), false);
    snprintf(out, 48, "%s", owed_buf_err(&b) ? "" : b.ptr);
    owed_buf_release(&b);
}

/* Upper-cases a three-letter code into out; false when it is no ISO 4217 currency. */
static bool currency_of(const char *s, char out[4])
{
    if (!s || strlen(s) != 3) return false;
    for (int i = 0; i < 3; i++) out[i] = (char)toupper((unsigned char)s[i]);
    out[3] = '\0';
    return owed_currency_valid(out);
}

static const char *method_of(const json_t *obj)
{
    const char *t = json_string_value(json_array_get(json_object_get(obj, "payment_method_types"), 0));
    if (!t) return "card";
    if (!strcmp(t, "sepa_debit")) return "sepa";
    if (!strcmp(t, "us_bank_account") || !strcmp(t, "ach_debit") ||
        !strcmp(t, "ach_credit_transfer"))
        return "ach";
    if (!strcmp(t, "customer_balance") || !strcmp(t, "bank_transfer")) return "wire";
    return "card";
}

static void say(struct gw *g, const char *fmt, ...) OWED_PRINTF(2, 3);
static void say(struct gw *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(g->out, fmt, ap);
    va_end(ap);
    owed_buf_addc(g->out, '\n');
}

/* ---- payment_intent.succeeded ---- */

/* How a payment for `number` is applied: to it when it can take the payment, else left on
 * account (money received is always recorded; a person applies it). */
static int pick_rule(struct gw *g, const char *customer_ref, const char *number,
                     const char *currency, enum owed_apply_rule *rule)
{
    *rule = OWED_APPLY_OLDEST;
    if (!number || !*number) return OWED_OK;
    struct owed_customer c;
    struct owed_invoice inv;
    int rc = g->s->ops->customer_get(g->s, g->org, customer_ref, &c, g->err);
    if (rc == OWED_E_NOT_FOUND) return invalid(g->err, "no customer '%s'", customer_ref);
    if (rc) return rc;
    rc = g->s->ops->invoice_get(g->s, g->org, number, &inv, g->err);
    const char *why = NULL;
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(g->err);
        rc = OWED_OK;
        why = "no such invoice";
    } else if (rc) {
        return rc;
    } else if (inv.customer_id != c.id) {
        why = "it belongs to another customer";
    } else if (strcmp(inv.currency, currency) != 0) {
        why = "it is in another currency";
    } else if (inv.amount_minor - inv.allocated_minor <= 0) {
        why = "nothing is open on it";
    }
    *rule = why ? OWED_APPLY_NONE : OWED_APPLY_LIST;
    if (why) say(g, "invoice %s: %s; the payment stays on account", number, why);
    return OWED_OK;
}

static int intent_succeeded(struct gw *g, const json_t *obj)
{
    const char *id = json_string_value(json_object_get(obj, "id"));
    const json_t *amount = json_object_get(obj, "amount");
    const json_t *md = json_object_get(obj, "metadata");
    const char *cref = json_string_value(json_object_get(md, "customer_ref"));
    const char *number = json_string_value(json_object_get(md, "invoice_number"));
    /* A payment the customer started in owed's portal says so; any other is the gateway's. */
    const char *via = json_string_value(json_object_get(md, "channel"));
    const char *channel = via && !strcmp(via, "portal") ? "portal" : "gateway";
    char cur[4];
    if (!id_ok(id, OWED_REF_MAX - strlen(REF_PREFIX)))
        return invalid(g->err, "data.object.id: not a payment intent id");
    if (!json_is_integer(amount) || json_integer_value(amount) <= 0)
        return invalid(g->err, "data.object.amount: a whole number of minor units above zero");
    if (!currency_of(json_string_value(json_object_get(obj, "currency")), cur))
        return invalid(g->err, "data.object.currency: not an ISO 4217 currency");
    if (!cref || !*cref || strlen(cref) > OWED_REF_MAX)
        return invalid(g->err, "data.object.metadata.customer_ref: required");
    char ref[OWED_REF_MAX + 1], text[48];
    snprintf(ref, sizeof ref, REF_PREFIX "%s", id);
    snprintf(g->res->payment_ref, sizeof g->res->payment_ref, "%s", ref);
    amount_text((int64_t)json_integer_value(amount), cur, text);
    enum owed_apply_rule rule;
    int rc = pick_rule(g, cref, number, cur, &rule);
    if (rc) return rc;
    struct owed_apply_target t = {.invoice_number = number, .amount = NULL};
    struct owed_pay_req r = {.ref = ref, .customer_ref = cref, .date = g->date, .amount = text,
                             .currency = cur, .method = method_of(obj), .channel = channel,
                             .reference = id, .rule = rule, .targets = &t,
                             .ntargets = rule == OWED_APPLY_LIST ? 1 : 0};
    rc = owed__cash_pay_in(g->s, g->org, &r, g->out, g->err);
    g->res->outcome = OWED_GW_POSTED;
    return rc;
}

/* ---- charge.refunded ---- */

struct net {
    int64_t invoice_id, amount, first_alloc;
};
struct nets {
    struct net *v;
    size_t n, cap;
};

static int on_alloc(void *ctx, const struct owed_allocation *a)
{
    struct nets *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].invoice_id == a->invoice_id) {
            l->v[i].amount += a->amount_minor;
            return OWED_OK;
        }
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = (struct net){a->invoice_id, a->amount_minor, a->id};
    return OWED_OK;
}

/* A partial refund of delta: unapplied from the newest invoices as far as needed, then
 * refunded, then what was unapplied beyond the refund applied to them again. */
static int refund_part(struct gw *g, const struct owed_payment *p, int64_t delta,
                       const char *reason)
{
    int64_t unapplied = p->amount_minor - p->allocated_minor - p->outflow_minor;
    struct nets l = {0};
    struct owed_list_filter f = {.payment_id = p->id};
    int rc = OWED_OK;
    size_t reopened_from = 0; /* l.v[reopened_from..] were unapplied, in application order */
    if (unapplied < delta) {
        rc = g->s->ops->allocations_each(g->s, g->org, &f, on_alloc, &l, g->err);
        reopened_from = l.n;
        for (size_t i = l.n; !rc && i-- > 0 && unapplied < delta;) {
            if (l.v[i].amount <= 0) continue;
            struct owed_invoice inv;
            rc = g->s->ops->invoice_get_id(g->s, g->org, l.v[i].invoice_id, &inv, g->err);
            owed_date on = g->date > inv.issue_date ? g->date : inv.issue_date;
            if (!rc)
                rc = owed__cash_unapply_in(g->s, g->org, p->ref, inv.number, on, g->out, g->err);
            unapplied += l.v[i].amount;
            reopened_from = i;
        }
    }
    char text[48];
    amount_text(delta, p->currency, text);
    if (!rc) rc = owed__cash_refund_in(g->s, g->org, p->ref, text, g->date, reason, g->out, g->err);
    int64_t left = unapplied - delta;
    for (size_t i = reopened_from; !rc && i < l.n && left > 0; i++) {
        if (l.v[i].amount <= 0) continue;
        struct owed_invoice inv;
        rc = g->s->ops->invoice_get_id(g->s, g->org, l.v[i].invoice_id, &inv, g->err);
        int64_t a = left < l.v[i].amount ? left : l.v[i].amount;
        amount_text(a, p->currency, text);
        struct owed_apply_target t = {.invoice_number = inv.number, .amount = text};
        if (!rc)
            rc = owed__cash_apply_in(g->s, g->org, p->ref, OWED_APPLY_LIST, &t, 1, g->out, g->err);
        left -= a;
    }
    free(l.v);
    return rc;
}

static int charge_refunded(struct gw *g, const json_t *obj)
{
    const char *pi = json_string_value(json_object_get(obj, "payment_intent"));
    const char *charge = json_string_value(json_object_get(obj, "id"));
    const json_t *refunded = json_object_get(obj, "amount_refunded");
    const json_t *full = json_object_get(obj, "refunded");
    if (!id_ok(pi, OWED_REF_MAX - strlen(REF_PREFIX)))
        return invalid(g->err, "data.object.payment_intent: not a payment intent id");
    if (!json_is_integer(refunded) || json_integer_value(refunded) < 0)
        return invalid(g->err, "data.object.amount_refunded: a whole number of minor units");
    if (full && !json_is_boolean(full))
        return invalid(g->err, "data.object.refunded: true or false");
    char ref[OWED_REF_MAX + 1];
    snprintf(ref, sizeof ref, REF_PREFIX "%s", pi);
    snprintf(g->res->payment_ref, sizeof g->res->payment_ref, "%s", ref);
    g->res->outcome = OWED_GW_REFUNDED;
    struct owed_payment p;
    int rc = g->s->ops->payment_get(g->s, g->org, ref, &p, g->err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(g->err);
        return invalid(g->err, "no payment %s: its payment_intent.succeeded has not arrived", ref);
    }
    if (rc) return rc;
    char cur[4];
    const char *c = json_string_value(json_object_get(obj, "currency"));
    if (c && (!currency_of(c, cur) || strcmp(cur, p.currency) != 0))
        return invalid(g->err, "data.object.currency: the payment %s is in %s", ref, p.currency);
    char reason[OWED_REASON_MAX + 1];
    snprintf(reason, sizeof reason, "refunded through the payment gateway%s%.80s%s",
             id_ok(charge, 80) ? " (" : "", id_ok(charge, 80) ? charge : "",
             id_ok(charge, 80) ? ")" : "");
    owed_date date = g->date > p.received_date ? g->date : p.received_date;
    g->date = date;
    int64_t total = (int64_t)json_integer_value(refunded);
    if (json_is_true(full) || total >= p.amount_minor)
        return owed__cash_reverse_in(g->s, g->org, ref, date, reason, NULL, g->out, g->err);
    int64_t delta = total - p.outflow_minor;
    if (delta <= 0) {
        say(g, "payment %s: nothing more to refund; nothing changed", ref);
        return OWED_OK;
    }
    return refund_part(g, &p, delta, reason);
}

/* ---- one event ---- */

static owed_date event_date(struct owed_store *s, int64_t org, const json_t *created,
                            owed_time_ms now)
{
    owed_time_ms at = json_is_integer(created) && json_integer_value(created) > 0 &&
                              json_integer_value(created) < (json_int_t)1 << 40
                          ? (owed_time_ms)json_integer_value(created) * 1000
                          : now;
    owed_date d;
    struct owed_buf ignored = OWED_BUF_INIT(0);
    if (owed_org_today(s, org, at, &d, &ignored) != OWED_OK) d = owed_date_from_time(at);
    owed_buf_release(&ignored);
    return d;
}

static int handle(struct gw *g, const char *type, const json_t *obj)
{
    struct owed_store *s = g->s;
    char key[8 + sizeof g->res->event_id];
    snprintf(key, sizeof key, "gw:%s", g->res->event_id);
    size_t out_mark = g->out->len;
    int rc = s->ops->begin(s, g->err);
    if (rc) return rc;
    rc = s->ops->idem_claim(s, g->org, key, g->err);
    if (rc == OWED_E_EXISTS) {
        s->ops->rollback(s);
        g->res->outcome = OWED_GW_REPLAYED;
        return OWED_OK;
    }
    if (!rc)
        rc = !strcmp(type, "payment_intent.succeeded") ? intent_succeeded(g, obj)
                                                        : charge_refunded(g, obj);
    if (rc == OWED_E_NOT_FOUND) rc = OWED_E_INVALID; /* a customer, invoice or payment */
    if (!rc) rc = s->ops->commit(s, g->err);
    if (rc) {
        s->ops->rollback(s);
        g->out->len = out_mark; /* nothing happened: say nothing */
        if (g->out->cap) g->out->ptr[out_mark] = '\0';
    }
    return rc;
}

int owed_gateway_stripe(struct owed_store *s, int64_t org, const char *signature,
                        const char *body, size_t len, owed_time_ms now,
                        struct owed_gw_result *res, struct owed_buf *out, struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    struct owed_org_settings set;
    int rc = s->ops->org_settings_get(s, org, &set, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no organization %lld", (long long)org);
    }
    if (rc) return rc;
    rc = signature ? owed_sig_verify(set.gateway_secret, signature, strlen(signature), body, len,
                                     now / 1000, OWED_GATEWAY_TOLERANCE_S)
                   : OWED_E_DENIED;
    sodium_memzero(set.gateway_secret, sizeof set.gateway_secret);
    if (rc) {
        owed_buf_adds(err, "signature verification failed");
        return OWED_E_DENIED;
    }
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    const char *id = json_string_value(json_object_get(root, "id"));
    const char *type = json_string_value(json_object_get(root, "type"));
    const json_t *obj = json_object_get(json_object_get(root, "data"), "object");
    if (!json_is_object(root)) {
        owed_buf_addf(err, "not a JSON event: %s", root ? "not an object" : je.text);
        rc = OWED_E_PARSE;
    } else if (!id_ok(id, ID_MAX) || !type || strlen(type) >= sizeof res->event_type ||
               !json_is_object(obj)) {
        owed_buf_adds(err, "not an event: it needs an id, a type and data.object");
        rc = OWED_E_PARSE;
    }
    if (!rc) {
        snprintf(res->event_id, sizeof res->event_id, "%s", id);
        snprintf(res->event_type, sizeof res->event_type, "%s", type);
        if (strcmp(type, "payment_intent.succeeded") != 0 && strcmp(type, "charge.refunded") != 0) {
            res->outcome = OWED_GW_IGNORED;
        } else {
            struct gw g = {s, org, event_date(s, org, json_object_get(root, "created"), now), res,
                           out, err};
            rc = handle(&g, type, obj);
        }
    }
    json_decref(root);
    return rc;
}

/* ---- the test gateway ---- */

/* The organization's gateway secret, made on first use. */
static int gateway_secret(struct owed_store *s, int64_t org, char out[128], struct owed_buf *err)
{
    struct owed_org_settings set;
    int rc = s->ops->begin(s, err);
    if (!rc) rc = s->ops->org_settings_get(s, org, &set, err);
    if (!rc && !set.gateway_secret[0]) {
        char secret[OWED_SECRET_MAX + 1];
        owed_secret_new("whsec_", secret);
        snprintf(set.gateway_secret, sizeof set.gateway_secret, "%s", secret);
        sodium_memzero(secret, sizeof secret);
        rc = s->ops->org_settings_set(s, org, &set, err);
    }
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    if (!rc) snprintf(out, 128, "%s", set.gateway_secret);
    sodium_memzero(set.gateway_secret, sizeof set.gateway_secret);
    return rc;
}

static void random_id(const char *prefix, char *out, size_t cap)
{
    unsigned char raw[12];
    char hex[2 * sizeof raw + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(out, cap, "%s%s", prefix, hex);
}

int owed_gateway_test_charge(struct owed_store *s, int64_t org, const struct owed_test_charge *c,
                             owed_time_ms now, struct owed_gw_result *res, struct owed_buf *out,
                             struct owed_buf *err)
{
    memset(res, 0, sizeof *res);
    bool bank = c->method && !strcmp(c->method, "bank");
    if (c->method && !bank && strcmp(c->method, "card") != 0)
        return invalid(err, "method: '%s' is not card or bank", c->method);
    if (!c->customer_ref || !*c->customer_ref)
        return invalid(err, "customer_ref: required");
    struct owed_customer cu;
    int rc = s->ops->customer_get(s, org, c->customer_ref, &cu, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        return invalid(err, "customer_ref: no customer '%s'", c->customer_ref);
    }
    if (rc) return rc;
    char cur[4];
    const char *currency = c->currency && *c->currency ? c->currency : cu.currency;
    if (!currency_of(currency, cur))
        return invalid(err, "currency: '%.20s' is not an ISO 4217 currency", currency);
    int64_t minor = 0;
    if (!c->amount || owed_amount_parse(c->amount, strlen(c->amount),
                                        owed_currency_exponent(cur), &minor) != OWED_OK ||
        minor <= 0)
        return invalid(err, "amount: '%s' is not an amount above zero in %s",
                       c->amount ? c->amount : "", cur);
    if (!bank) {
        char digits[32] = "";
        size_t n = 0;
        for (const char *p = c->card ? c->card : ""; *p && n + 1 < sizeof digits; p++)
            if (*p != ' ' && *p != '-') digits[n++] = *p;
        digits[n] = '\0';
        if (!strcmp(digits, TEST_CARD_DECLINED)) {
            res->outcome = OWED_GW_DECLINED;
            return OWED_OK;
        }
        if (strcmp(digits, TEST_CARD_OK) != 0)
            return invalid(err, "card: the test gateway takes %s (succeeds) or %s (declined)",
                           TEST_CARD_OK, TEST_CARD_DECLINED);
    }
    char secret[128];
    if ((rc = gateway_secret(s, org, secret, err))) return rc;

    char evt[64], pi[64], lower[4];
    random_id("evt_test_", evt, sizeof evt);
    random_id("pi_test_", pi, sizeof pi);
    for (int i = 0; i < 4; i++) lower[i] = (char)tolower((unsigned char)cur[i]);
    int64_t now_s = now / 1000;
    json_t *metadata = json_pack("{s:s}", "customer_ref", cu.ref);
    if (c->invoice_number && *c->invoice_number)
        json_object_set_new(metadata, "invoice_number", json_string(c->invoice_number));
    if (c->channel && !strcmp(c->channel, "portal"))
        json_object_set_new(metadata, "channel", json_string("portal"));
    json_t *event = json_pack(
        "{s:s, s:s, s:s, s:I, s:b, s:{s:{s:s, s:s, s:I, s:s, s:s, s:[s], s:o}}}", "id", evt,
        "object", "event", "type", "payment_intent.succeeded", "created", (json_int_t)now_s,
        "livemode", 0, "data", "object", "id", pi, "object", "payment_intent", "amount",
        (json_int_t)minor, "currency", lower, "status", "succeeded", "payment_method_types",
        bank ? "sepa_debit" : "card", "metadata", metadata);
    char *body = event ? json_dumps(event, JSON_COMPACT) : NULL;
    json_decref(event);
    if (!body) {
        sodium_memzero(secret, sizeof secret);
        return invalid(err, "the charge cannot be written as an event");
    }
    char header[OWED_SIG_HEADER_CAP];
    owed_sig_header(secret, now_s, body, strlen(body), header);
    sodium_memzero(secret, sizeof secret);
    rc = owed_gateway_stripe(s, org, header, body, strlen(body), now, res, out, err);
    free(body);
    return rc;
}
