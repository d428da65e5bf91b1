/* The customer portal (issue 8, docs/portal.md): magic links, portal sessions, and what a
 * customer sees and does there. Every action goes through the use cases the staff use
 * (collection items, acknowledgements, the test gateway) and is recorded as a portal event
 * that the customer's timeline shows (app/customer_timeline.c).
 *
 * Links. PUBLIC_URL/portal/login/TOKEN, TOKEN = "ORG.LINK.MAC": MAC is the HMAC-SHA256 (hex)
 * of "portal-link:ORG:LINK:CUSTOMER:EXPIRES" under the organization's key "secret:portal"
 * (app/org_keys.h), so the token names one customer of one organization and its expiry,
 * and cannot be made or changed without the key. The link row records when it was used:
 * a link opens one session, once, before it expires, unless revoked.
 *
 * Sessions. The cookie owed_portal = "ORG.SESSION.CUSTOMER.EXPIRES.MAC" (MAC of
 * "portal-session:ORG:SESSION:CUSTOMER:EXPIRES"), checked in constant time, then against the
 * session's row (not ended, same customer and expiry). The form token of a session is the
 * MAC of "portal-csrf:ORG:SESSION": every portal POST carries it.
 *
 * Scope. Every call below takes the session and reads or changes only its organization's
 * rows of its customer: an invoice of another customer is OWED_E_NOT_FOUND, exactly as
 * one that does not exist. */
#ifndef OWED_APP_PORTAL_H
#define OWED_APP_PORTAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

#define OWED_PORTAL_LINK_DAYS 7      /* default validity of a link */
#define OWED_PORTAL_LINK_DAYS_MAX 90
#define OWED_PORTAL_SESSION_S 3600   /* a session lasts an hour */
#define OWED_PORTAL_TOKEN_MAX 120    /* longest token accepted (longer: invalid) */
#define OWED_PORTAL_COOKIE "owed_portal"
#define OWED_PORTAL_RENEW_S 900      /* at most one renewed link per customer this often */
#define OWED_PORTAL_REMINDER_DAYS 14 /* a link in a reminder ({{portal_url}}) */

/* ---- links ---- */

struct owed_portal_link_req {
    const char *customer_ref; /* or customer_id */
    int64_t customer_id;
    int days;                 /* 0: OWED_PORTAL_LINK_DAYS; 1..OWED_PORTAL_LINK_DAYS_MAX */
    bool send;                /* queue an email with the link to the customer */
    const char *by;           /* who asked: "cli", "staff:EMAIL" (recorded) */
};

struct owed_portal_link_out {
    int64_t link_id;
    int64_t customer_id;
    char customer_ref[OWED_REF_MAX + 1];
    char url[600];
    int64_t expires_s;
    char expires_at[32]; /* ISO 8601 UTC */
    int64_t message_id;  /* the queued email, 0 without send */
    char sent_to[256];
};

/* Makes a link (and with send, queues the email: template portal_link in the customer's
 * language). OWED_E_NOT_FOUND for an unknown customer; OWED_E_INVALID for days out of
 * range, or with send for a customer without an email address or an organization without
 * a sender (owed org set --mail-from). */
int owed_portal_link_create(struct owed_store *s, int64_t org,
                            const struct owed_portal_link_req *r, owed_time_ms now,
                            struct owed_portal_link_out *out, struct owed_buf *err);

/* The same inside the caller's write transaction, for a message about to be sent (a
 * reminder's {{portal_url}}): no email of its own. */
int owed__portal_link_in(struct owed_store *s, int64_t org, int64_t customer_id, int days,
                         const char *by, owed_time_ms now, struct owed_portal_link_out *out,
                         struct owed_buf *err);

enum owed_portal_link_state {
    OWED_PLINK_INVALID = 0, /* malformed, forged, unknown: nothing is said about it */
    OWED_PLINK_VALID = 1,
    OWED_PLINK_EXPIRED = 2,
    OWED_PLINK_USED = 3,
    OWED_PLINK_REVOKED = 4,
};
const char *owed_portal_link_state_name(enum owed_portal_link_state st);

/* What a link's page may say, without using it. org_name is set for every state but
 * INVALID; customer fields only for VALID; email_hint ("j***@example.com") for an
 * authentic link of a customer with an address (to offer a new link). */
struct owed_portal_link_info {
    enum owed_portal_link_state state;
    int64_t org;
    int64_t link_id;
    char org_name[201];
    char customer_name[201];
    char email_hint[256];
    char expires_at[32];
};

/* Checks a link token and says what state it is in: OWED_OK for every state (INVALID
 * included); an error only when the store fails. Changes nothing. */
int owed_portal_link_check(struct owed_store *s, const char *token, owed_time_ms now,
                           struct owed_portal_link_info *out, struct owed_buf *err);

/* An authentic link that can no longer be used (expired, used): queues a new one to the
 * customer's address on file, at most once per OWED_PORTAL_RENEW_S (*sent false when
 * nothing was queued: the caller answers the same either way). OWED_E_DENIED for an
 * invalid token. */
int owed_portal_link_renew(struct owed_store *s, const char *token, owed_time_ms now,
                           bool *sent, struct owed_buf *err);

/* Lists a customer's links (state, made, expires, used, by; never their tokens). */
int owed_portal_links_view(struct owed_store *s, int64_t org, const char *customer_ref,
                           owed_time_ms now, json_t **out, struct owed_buf *err);

/* Revokes the customer's unused links and ends its sessions; *n how many. */
int owed_portal_revoke(struct owed_store *s, int64_t org, const char *customer_ref,
                       owed_time_ms now, int64_t *n, struct owed_buf *err);

/* ---- sessions ---- */

/* A signed-in customer. */
struct owed_portal_session {
    int64_t org;
    int64_t customer_id;
    int64_t session_id;
    int64_t expires_s;
    char customer_ref[OWED_REF_MAX + 1];
    char customer_name[201];
    char csrf[OWED_HASH_HEX + 1];     /* the form token */
    char cookie[160];                 /* the cookie's value */
};

/* Uses the link (once) and starts a session. OWED_E_DENIED with err saying why ("this
 * link has expired", "... was already used", "... is not valid") when it cannot. */
int owed_portal_login(struct owed_store *s, const char *token, owed_time_ms now,
                      struct owed_portal_session *out, struct owed_buf *err);

/* The session of a cookie value: OWED_E_DENIED when it is malformed, forged, expired or
 * ended, or its customer is gone. */
int owed_portal_session_check(struct owed_store *s, const char *cookie, owed_time_ms now,
                              struct owed_portal_session *out, struct owed_buf *err);

/* True when token is the session's form token (constant time). */
bool owed_portal_csrf_ok(const struct owed_portal_session *ps, const char *token);

/* Ends the session (sign-out). */
int owed_portal_logout(struct owed_store *s, const struct owed_portal_session *ps,
                       owed_time_ms now, struct owed_buf *err);

/* ---- what the customer sees ---- */

/* The name the organization signs with (its settings' name, else the seller's): the
 * portal's header. */
int owed_portal_org_name(struct owed_store *s, int64_t org, char *out, size_t cap,
                         struct owed_buf *err);

/* The home page: {org_name, customer {ref, name, email}, as_of, balances [{currency, open,
 * unapplied, balance, overdue}], invoices [{id, number, issue_date, due_date, currency,
 * amount, open, days_overdue, overdue, disputed, promised, acknowledged, has_pdf,
 * can_ack}], has_invoices, paid [the last 10 fully paid: {id, number, amount, currency,
 * issue_date}]} of the customer, as of its organization's today. */
int owed_portal_home(struct owed_store *s, const struct owed_portal_session *ps,
                     owed_time_ms now, json_t **out, struct owed_buf *err);

/* An invoice of the customer: {id, number, issue_date, due_date, currency, amount, paid,
 * open, days_overdue, overdue, po_number, document: {number, lines [{id, name,
 * description, qty, unit, price, net, tax}], totals {net, tax, total}}|null, acknowledged,
 * ack_at, can_ack, has_pdf, disputes [{id, reason, status, amount, text, opened}],
 * promises [{id, date, amount, status}], plans [{id, opened, amount, currency, text,
 * status, live, installments [{n, date, amount, currency, status}]}], has_live_plan,
 * plan_offer ({options [{n, label}], first_min, first_max, every_days, max_installments}
 * while the settings offer plans and the invoice is open without a live plan, else false),
 * payments [{date, amount}], bank {iban, bic, account_name, reference}|null, reasons [...],
 * today, max_promise_date}.
 * OWED_E_NOT_FOUND when it is not this customer's. */
int owed_portal_invoice(struct owed_store *s, const struct owed_portal_session *ps,
                        int64_t invoice_id, owed_time_ms now, json_t **out,
                        struct owed_buf *err);

/* The PDF of the invoice's issued document (OWED_E_NOT_FOUND when none). */
int owed_portal_invoice_pdf(struct owed_store *s, const struct owed_portal_session *ps,
                            int64_t invoice_id, struct owed_buf *pdf, char filename[128],
                            struct owed_buf *err);

/* The customer's statement as PDF (app/statement_pdf.h) as of today. */
int owed_portal_statement_pdf(struct owed_store *s, const struct owed_portal_session *ps,
                              owed_time_ms now, struct owed_buf *pdf, struct owed_buf *err);

/* ---- what the customer does (each one transaction, each a portal event) ---- */

/* Acknowledges receipt of the invoice's issued document (via "portal"); *first false when
 * it was acknowledged before. OWED_E_NOT_FOUND without an issued document. */
int owed_portal_ack(struct owed_store *s, const struct owed_portal_session *ps,
                    int64_t invoice_id, owed_time_ms now, bool *first, struct owed_buf *err);

/* Disputes the invoice (or part of it: amount; a line: line, its id on the document) with
 * a reason (pricing, quantity, damaged, not_received, duplicate_billing, other) and a
 * text. OWED_E_INVALID with the reason in err. */
struct owed_portal_dispute {
    int64_t invoice_id;
    const char *reason;
    const char *text;
    const char *amount; /* NULL or "": the whole invoice */
    const char *line;   /* NULL or "": none */
};
int owed_portal_dispute(struct owed_store *s, const struct owed_portal_session *ps,
                        const struct owed_portal_dispute *d, owed_time_ms now, int64_t *item_id,
                        struct owed_buf *err);

/* Promises to pay amount (NULL or "": what is open) on date (today .. today + 90). */
int owed_portal_promise(struct owed_store *s, const struct owed_portal_session *ps,
                        int64_t invoice_id, owed_date date, const char *amount, owed_time_ms now,
                        int64_t *item_id, struct owed_buf *err);

/* Pays amount (NULL or "": what is open) of the invoice by card through the test gateway
 * (app/gateway.h); the payment's channel is "portal". *declined when the card was
 * declined (nothing posted); payment_ref: the payment. */
int owed_portal_pay(struct owed_store *s, const struct owed_portal_session *ps,
                    int64_t invoice_id, const char *amount, const char *card, owed_time_ms now,
                    bool *declined, char payment_ref[OWED_REF_MAX + 1], struct owed_buf *err);

/* Sets up a payment plan for the invoice, as the organization's policy allows
 * (owed_portal_settings): installments (2 .. max_installments), the first one due on
 * first_due (today .. today + max_days), then every every_days of the policy. It is the
 * staff's plan (owed_plan_create) of what is open, made via the portal. OWED_E_DENIED when
 * the policy offers no plans; OWED_E_INVALID (the reason in err) out of policy, for an
 * invoice with nothing open or one that already has an active plan. */
int owed_portal_plan(struct owed_store *s, const struct owed_portal_session *ps,
                     int64_t invoice_id, int installments, owed_date first_due,
                     owed_time_ms now, int64_t *plan_id, struct owed_buf *err);

/* Feedback on the portal: rating 1..5, comment up to 2000 bytes (may be empty). */
int owed_portal_feedback(struct owed_store *s, const struct owed_portal_session *ps, int rating,
                         const char *comment, owed_time_ms now, struct owed_buf *err);

/* Records a portal event (the customer's timeline) inside the caller's transaction. */
int owed__portal_event(struct owed_store *s, int64_t org, int64_t customer_id,
                       int64_t session_id, owed_time_ms now, const char *action,
                       int64_t invoice_id, int64_t item_id, const char *ref, const char *body,
                       struct owed_buf *err);

/* ---- for staff ---- */

/* The portal's settings: the organization's document "portal",
 * {"plans": {"allowed", "max_installments", "max_days", "every_days"}}. */
#define OWED_PORTAL_PLAN_INSTALLMENTS_MAX 12
#define OWED_PORTAL_PLAN_DAYS_MAX 365
struct owed_portal_settings {
    bool plans;           /* customers may set up payment plans (default false) */
    int max_installments; /* 2 .. OWED_PORTAL_PLAN_INSTALLMENTS_MAX (default 3) */
    int max_days;         /* the first payment at most this many days ahead, 0 .. 365 (30) */
    int every_days;       /* days between installments, 1 .. 366 (default 30) */
};
/* The settings, or the defaults when none were set. */
int owed_portal_settings_get(struct owed_store *s, int64_t org, struct owed_portal_settings *out,
                             struct owed_buf *err);
/* Changes what is given (plans: -1 leaves it; the numbers: 0 leaves them) and stores the
 * result in *out. OWED_E_INVALID for a number out of range. */
struct owed_portal_settings_change {
    int plans;
    int max_installments, max_days, every_days;
    bool max_days_set; /* max_days 0 is a value: the first payment today */
};
int owed_portal_settings_set(struct owed_store *s, int64_t org,
                             const struct owed_portal_settings_change *ch,
                             struct owed_portal_settings *out, struct owed_buf *err);
/* The settings as {"plans": {"allowed", "max_installments", "max_days", "every_days"}}. */
json_t *owed_portal_settings_json(const struct owed_portal_settings *set);


/* Feedback, newest first, of one customer (customer_ref) or all (NULL): an array of
 * {id, customer_id, customer_ref, customer_name, rating, comment, created_at}. */
int owed_portal_feedback_view(struct owed_store *s, int64_t org, const char *customer_ref,
                              json_t **out, struct owed_buf *err);

#endif
