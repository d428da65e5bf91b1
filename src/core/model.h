/* Plain records of the domain, shared by core/, store/ and app/. Fixed-size text fields keep
 * records copyable without ownership rules; the limits are enforced on input (app/). */
#ifndef OWED_CORE_MODEL_H
#define OWED_CORE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "owed/date.h"

#define OWED_REF_MAX 64       /* customer_ref, invoice_number, payment_ref, po_number */
#define OWED_NAME_MAX 200
#define OWED_EMAIL_MAX 254
#define OWED_TERMS_TEXT_MAX 31
#define OWED_METHOD_MAX 16
#define OWED_REFERENCE_MAX 140
#define OWED_CHANNEL_MAX 16
#define OWED_REASON_MAX 200

/* Stored as integers: never renumber. */
enum owed_invoice_kind {
    OWED_INVOICE_SALE = 1,
    OWED_INVOICE_FEE = 2, /* a fee charged to the customer (returned payment, dunning) */
};

/* What a "payment" row is. Cash is money received; the others are non-cash credits to the
 * customer's account, applied to invoices exactly like cash (see docs/ledger.md). */
enum owed_payment_kind {
    OWED_PAYMENT_CASH = 1,
    OWED_PAYMENT_CREDIT_NOTE = 2,
    OWED_PAYMENT_DISCOUNT = 3,   /* early-payment discount taken */
    OWED_PAYMENT_WRITE_OFF = 4,  /* bad debt */
    OWED_PAYMENT_SMALL_DIFF = 5, /* short payment within the org's tolerance */
};

enum owed_outflow_kind {
    OWED_OUTFLOW_REFUND = 1,   /* credit balance paid back */
    OWED_OUTFLOW_REVERSAL = 2, /* payment bounced or returned */
};

struct owed_customer {
    int64_t id;
    char ref[OWED_REF_MAX + 1];
    char name[OWED_NAME_MAX + 1];
    char email[OWED_EMAIL_MAX + 1];
    char currency[4];
    char terms[OWED_TERMS_TEXT_MAX + 1]; /* canonical form, see core/terms.h */
    bool has_credit_limit;
    int64_t credit_limit_minor;
};

struct owed_invoice {
    int64_t id;
    char number[OWED_REF_MAX + 1];
    int64_t customer_id;
    owed_date issue_date;
    owed_date due_date;
    char currency[4];
    int64_t amount_minor;
    char po_number[OWED_REF_MAX + 1];
    enum owed_invoice_kind kind;
    char terms[OWED_TERMS_TEXT_MAX + 1]; /* as issued; "" = the customer's */
    int64_t allocated_minor; /* sum of all allocations: filled by _get lookups only */
};

struct owed_payment {
    int64_t id;
    char ref[OWED_REF_MAX + 1];
    int64_t customer_id;
    owed_date received_date;
    int64_t amount_minor;
    char currency[4];
    char method[OWED_METHOD_MAX + 1];
    char reference[OWED_REFERENCE_MAX + 1];
    char invoice_number[OWED_REF_MAX + 1]; /* as given on import; "" = unapplied */
    enum owed_payment_kind kind;
    char channel[OWED_CHANNEL_MAX + 1];
    char payer_name[OWED_NAME_MAX + 1];
    char payer_account[OWED_REF_MAX + 1];
    int64_t allocated_minor; /* sum of all allocations: filled by _get lookups only */
    int64_t outflow_minor;   /* sum of refunds and reversals: filled by _get lookups only */
};

struct owed_allocation {
    int64_t id;
    int64_t payment_id;
    int64_t invoice_id;
    owed_date date; /* the payment's received date; an unapply's own date */
    int64_t amount_minor; /* negative: an unapply, reversing allocation `reverses` */
    int64_t reverses;
};

struct owed_outflow {
    int64_t id;
    int64_t payment_id;
    enum owed_outflow_kind kind;
    owed_date date;
    int64_t amount_minor; /* > 0 */
    char reason[OWED_REASON_MAX + 1];
};

/* ---- bank statements as stored (the parsed form is io/bank.h) ---- */

#define OWED_REMITTANCE_MAX 500
#define OWED_SUGGESTIONS_MAX 4000

enum owed_entry_status {
    OWED_ENTRY_MATCHED = 1,   /* posted: a payment applied to invoices or on account */
    OWED_ENTRY_REVIEW = 2,    /* waiting for a person, with suggestions */
    OWED_ENTRY_UNMATCHED = 3, /* a credit nobody could place */
    OWED_ENTRY_IGNORED = 4,   /* a debit: kept, never matched */
    OWED_ENTRY_REJECTED = 5,  /* a person said it is not a customer payment */
    OWED_ENTRY_CONFIRMED = 6, /* posted by a person from the review queue */
};

struct owed_stmt_rec {
    int64_t id;
    char key[300];
    char format[16];
    char account[OWED_REF_MAX + 1];
    char bank_stmt_id[OWED_REF_MAX + 1];
    char currency[4];
    owed_date date; /* INT32_MIN = none */
    bool has_opening, has_closing;
    int64_t opening_minor, closing_minor;
    owed_date opening_date, closing_date;
    char file_name[256];
};

struct owed_entry_rec {
    int64_t id;
    int64_t statement_id;
    char key[400];
    owed_date booking_date, value_date; /* INT32_MIN = none */
    int64_t amount_minor;               /* > 0 */
    char currency[4];
    bool credit;
    char entry_ref[OWED_REF_MAX + 1];
    char end_to_end[OWED_REF_MAX + 1];
    char remittance[OWED_REMITTANCE_MAX + 1];
    char counterparty_name[OWED_NAME_MAX + 1];
    char counterparty_account[OWED_REF_MAX + 1];
    char bank_code[32];
    enum owed_entry_status status;
    int64_t customer_id, payment_id;
    int score;
    char suggestions[OWED_SUGGESTIONS_MAX + 1]; /* JSON */
};

#endif
