/* Read models of the API (issue 6): records as JSON documents, listings with filters,
 * sorting and keyset pagination. Amounts are decimal strings with their currency, dates
 * ISO 8601: never JSON numbers for money. */
#ifndef OWED_APP_VIEWS_H
#define OWED_APP_VIEWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* An amount as the API writes it: a decimal string in the currency's major units. */
json_t *owed_json_amount(int64_t minor, const char *currency);
/* "YYYY-MM-DD", or null for 0. */
json_t *owed_json_date(owed_date d);

/* A page request: at most `limit` items after the item with id `after` (0 = from the
 * first) in the listing's order. */
struct owed_page {
    int limit;
    int64_t after;
};

enum owed_invoice_status_filter {
    OWED_INV_ANY = 0,
    OWED_INV_OPEN = 1, /* open amount above zero */
    OWED_INV_PAID = 2, /* fully settled */
};

enum owed_invoice_sort {
    OWED_SORT_ID = 0,
    OWED_SORT_DUE = 1,
    OWED_SORT_ISSUE = 2,
    OWED_SORT_AMOUNT = 3,
    OWED_SORT_OPEN = 4,
};

struct owed_invoice_query {
    enum owed_invoice_status_filter status;
    const char *customer_ref; /* NULL = all */
    const char *number;       /* NULL = all */
    owed_date due_from, due_to; /* 0 = open-ended */
    bool overdue;             /* open and due before today */
    owed_date today;
    enum owed_invoice_sort sort;
    bool descending;
};

/* Parses "due_date", "-amount", ...; false when unknown. */
bool owed_invoice_sort_parse(const char *s, enum owed_invoice_sort *sort, bool *descending);

/* {"id", "number", "customer_id", "customer_ref", "issue_date", "due_date", "currency",
 *  "amount", "paid", "open", "status", "days_past_due", "po_number", "kind", "terms"} */
int owed_view_invoice(struct owed_store *s, int64_t org, int64_t id, owed_date today,
                      json_t **out, struct owed_buf *err);
/* *data: an array of invoices; *next: the cursor of the next page, or 0 at the end. */
int owed_view_invoices(struct owed_store *s, int64_t org, const struct owed_invoice_query *q,
                       const struct owed_page *pg, json_t **data, int64_t *next,
                       struct owed_buf *err);

/* {"id", "ref", "name", "email", "currency", "terms", "credit_limit", "segment", ...};
 * with_balance adds "open" (per currency) of open invoices and unapplied cash. */
int owed_view_customer(struct owed_store *s, int64_t org, int64_t id, bool with_balance,
                       json_t **out, struct owed_buf *err);
int owed_view_customers(struct owed_store *s, int64_t org, const char *ref, const char *search,
                        const struct owed_page *pg, json_t **data, int64_t *next,
                        struct owed_buf *err);

/* {"id", "ref", "customer_id", "customer_ref", "received_date", "amount", "currency",
 *  "applied", "refunded", "unapplied", "method", "channel", "reference", "kind",
 *  "allocations": [{"invoice_id", "invoice_number", "amount", "date"}]} */
int owed_view_payment(struct owed_store *s, int64_t org, int64_t id, json_t **out,
                      struct owed_buf *err);
/* The id of the payment (or credit note, write-off) with this ref: one indexed lookup. */
int owed_payment_id_of(struct owed_store *s, int64_t org, const char *ref, int64_t *id,
                       struct owed_buf *err);
int owed_view_payments(struct owed_store *s, int64_t org, const char *customer_ref,
                       const char *ref, const struct owed_page *pg, json_t **data,
                       int64_t *next, struct owed_buf *err);

/* Users, tokens (never their secrets), webhooks (never their secrets) and the audit
 * trail, of one organization. */
json_t *owed_user_json(const struct owed_user *u);
json_t *owed_cred_json(const struct owed_cred *c);
json_t *owed_webhook_json(const struct owed_webhook *w);
int owed_view_users(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err);
int owed_view_user(struct owed_store *s, int64_t org, int64_t id, json_t **out,
                   struct owed_buf *err);
int owed_view_tokens(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err);
int owed_view_audit(struct owed_store *s, int64_t org, const struct owed_page *pg,
                    json_t **data, int64_t *next, struct owed_buf *err);

/* The organization's settings, passwords in URLs masked. */
int owed_view_org(struct owed_store *s, int64_t org, json_t **out, struct owed_buf *err);

#endif
