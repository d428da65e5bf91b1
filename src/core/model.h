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
    int64_t allocated_minor; /* sum of all allocations: filled by _get lookups only */
};

struct owed_allocation {
    int64_t id;
    int64_t payment_id;
    int64_t invoice_id;
    owed_date date; /* the payment's received date */
    int64_t amount_minor;
};

#endif
