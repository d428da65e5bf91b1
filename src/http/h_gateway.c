/* Payment gateways (docs/webhooks.md "Incoming"): the Stripe-compatible webhook endpoint,
 * public and authenticated by its signature, and the built-in test gateway, which sends
 * its charges through the very same verification and posting (app/gateway.c). */
#include <stdio.h>
#include <string.h>

#include "app/gateway.h"
#include "app/views.h"
#include "base.h"
#include "http/http.h"

static const char *outcome_name(enum owed_gw_outcome o)
{
    switch (o) {
    case OWED_GW_POSTED: return "posted";
    case OWED_GW_REFUNDED: return "refunded";
    case OWED_GW_IGNORED: return "ignored";
    case OWED_GW_REPLAYED: return "replayed";
    case OWED_GW_DECLINED: return "declined";
    }
    return "";
}

/* The problem for a gateway error; a bad signature says no more than "signature". */
static void gateway_error(struct hresp *rs, int rc, const struct owed_buf *err)
{
    if (rc == OWED_E_DENIED)
        hr_problem(rs, 400, "invalid_signature", "signature verification failed");
    else if (rc == OWED_E_PARSE)
        hr_problem(rs, 400, "malformed_event", "%s", err->ptr && *err->ptr ? err->ptr : "not an event");
    else
        hr_app_error(rs, rc, err);
}

/* POST /api/v1/gateway/stripe/{org_id}: one signed event (Stripe-Signature). */
static void stripe_event(struct hreq *rq, struct hresp *rs)
{
    int64_t org;
    if (!hq_id(rq, rs, 0, &org)) return;
    struct owed_gw_result res;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_gateway_stripe(rq->store, org, hq_header(rq, "Stripe-Signature"), rq->body,
                                 rq->body_len, rq->now_ms, &res, &out, &err);
    if (rc) {
        gateway_error(rs, rc, &err);
    } else {
        json_t *doc = json_pack("{s:b, s:s, s:s, s:s}", "received", 1, "event", res.event_id,
                                "type", res.event_type, "outcome", outcome_name(res.outcome));
        if (res.outcome == OWED_GW_IGNORED) json_object_set_new(doc, "ignored", json_true());
        if (res.outcome == OWED_GW_REPLAYED) json_object_set_new(doc, "replayed", json_true());
        if (res.payment_ref[0])
            json_object_set_new(doc, "payment_ref", json_string(res.payment_ref));
        hr_lines(rs, 200, &out, doc);
        /* Public: the router records no change; the gateway is the actor. */
        if (res.outcome == OWED_GW_POSTED || res.outcome == OWED_GW_REFUNDED) {
            struct owed_buf aerr = OWED_BUF_INIT(0);
            char resource[160];
            snprintf(resource, sizeof resource, "/api/v1/gateway/stripe/%lld/%s",
                     (long long)org, res.event_id);
            if (owed_audit_record(rq->store, org, "gateway", "POST", resource, 200, "",
                                  rs->body.ptr, &aerr))
                fprintf(stderr, "owed: audit trail write failed: %s\n", aerr.ptr);
            owed_buf_release(&aerr);
        }
    }
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* POST /api/v1/gateway/test/charges: {customer_ref, invoice_number?, amount, currency?,
 * method? "card"|"bank", card?} -> 201 with the payment, 402 declined. */
static void test_charge(struct hreq *rq, struct hresp *rs)
{
    struct owed_test_charge c;
    memset(&c, 0, sizeof c);
    if (!hq_str(rq, rs, "customer_ref", true, &c.customer_ref) ||
        !hq_str(rq, rs, "invoice_number", false, &c.invoice_number) ||
        !hq_str(rq, rs, "amount", true, &c.amount) ||
        !hq_str(rq, rs, "currency", false, &c.currency) ||
        !hq_str(rq, rs, "method", false, &c.method) || !hq_str(rq, rs, "card", false, &c.card))
        return;
    struct owed_gw_result res;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_gateway_test_charge(rq->store, rq->who.org, &c, rq->now_ms, &res, &out, &err);
    if (rc) {
        gateway_error(rs, rc, &err);
    } else if (res.outcome == OWED_GW_DECLINED) {
        hr_problem(rs, 402, "card_declined", "the card was declined; nothing was posted");
    } else {
        json_t *doc = NULL;
        int64_t id = 0;
        owed_buf_reset(&err);
        rc = owed_payment_id_of(rq->store, rq->who.org, res.payment_ref, &id, &err);
        if (!rc) rc = owed_view_payment(rq->store, rq->who.org, id, &doc, &err);
        if (rc) {
            hr_app_error(rs, rc, &err);
        } else {
            json_object_set_new(doc, "gateway_event", json_string(res.event_id));
            hr_lines(rs, 201, &out, doc);
            snprintf(rs->location, sizeof rs->location, "/api/v1/payments/%lld", (long long)id);
            snprintf(rs->resource, sizeof rs->resource, "%s", rs->location);
        }
    }
    owed_buf_release(&out);
    owed_buf_release(&err);
}

const struct http_route http_routes_gateway[] = {
    {"POST", "/api/v1/gateway/stripe/{org_id}", stripe_event, OWED_PERM_PUBLIC,
     "send payment gateway events", 0},
    {"POST", "/api/v1/gateway/test/charges", test_charge, OWED_PERM_MONEY,
     "charge through the test gateway", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
