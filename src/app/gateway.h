/* Payment gateways (issue 6, docs/webhooks.md "Incoming"): Stripe-compatible webhooks that
 * post payments through the cash use cases, and a built-in test gateway that makes such
 * events itself and feeds them through the very same path.
 *
 * An event is verified (Stripe-Signature against the organization's gateway secret,
 * timestamp within OWED_GATEWAY_TOLERANCE_S), then handled at most once: its id is claimed
 * as the idempotency key "gw:EVENT_ID" in the transaction that posts it.
 *   payment_intent.succeeded  data.object {id "pi_...", amount (minor units), currency
 *                             (lower case), metadata {customer_ref, invoice_number?},
 *                             payment_method_types?} -> a payment "stripe:" + id, method
 *                             card (sepa/ach/wire for bank debits), channel gateway
 *                             (portal when metadata.channel is "portal"),
 *                             applied to the invoice given, else oldest first
 *   charge.refunded           data.object {payment_intent, amount_refunded (minor, all
 *                             refunds so far), refunded (true: in full)} -> in full: the
 *                             payment reversed; in part: unapplied from its newest
 *                             invoices as far as needed, the new part refunded, the rest
 *                             applied again
 *   anything else             ignored */
#ifndef OWED_APP_GATEWAY_H
#define OWED_APP_GATEWAY_H

#include <stdint.h>

#include "core/model.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

#define OWED_GATEWAY_TOLERANCE_S 300

enum owed_gw_outcome {
    OWED_GW_POSTED = 1,   /* a payment recorded (or found recorded with the same content) */
    OWED_GW_REFUNDED = 2, /* (part of) a payment refunded or reversed */
    OWED_GW_IGNORED = 3,  /* an event type owed does not act on */
    OWED_GW_REPLAYED = 4, /* this event was handled before: nothing done */
    OWED_GW_DECLINED = 5, /* test gateway: the card was declined, nothing posted */
};

struct owed_gw_result {
    enum owed_gw_outcome outcome;
    char event_id[128];
    char event_type[64];
    char payment_ref[OWED_REF_MAX + 1];
};

/* Verifies and handles one gateway event for organization org. The signature header may
 * be NULL (missing). What the cash use cases did goes to out, one line each.
 * Errors (nothing written): OWED_E_NOT_FOUND no such organization; OWED_E_DENIED the
 * signature (missing, malformed, wrong, stale, or no gateway secret set: err says only
 * "signature"); OWED_E_PARSE not an event; OWED_E_INVALID an event that cannot be posted
 * (unknown customer, invoice or payment, bad amount or currency: err says why);
 * OWED_E_STORE. */
int owed_gateway_stripe(struct owed_store *s, int64_t org, const char *signature,
                        const char *body, size_t len, owed_time_ms now,
                        struct owed_gw_result *res, struct owed_buf *out, struct owed_buf *err);

/* A charge for the built-in test gateway. */
struct owed_test_charge {
    const char *customer_ref;
    const char *invoice_number; /* NULL: oldest first */
    const char *amount;         /* decimal, major units */
    const char *currency;       /* NULL: the customer's */
    const char *method;         /* "card" (NULL) or "bank" */
    const char *card;           /* 4242424242424242 succeeds, 4000000000000002 is declined */
    const char *channel;        /* "portal": paid by the customer in the portal (the
                                   payment's channel, metadata.channel); NULL: gateway */
};

/* Makes a Stripe-shaped payment_intent.succeeded event for the charge, signs it with the
 * organization's gateway secret (one is generated on first use), and hands it to
 * owed_gateway_stripe. A declined card: OWED_OK with outcome OWED_GW_DECLINED and nothing
 * posted. OWED_E_INVALID for a bad charge (another card number, amount, customer, ...). */
int owed_gateway_test_charge(struct owed_store *s, int64_t org, const struct owed_test_charge *c,
                             owed_time_ms now, struct owed_gw_result *res, struct owed_buf *out,
                             struct owed_buf *err);

#endif
