/* The collections workflow's records (issue 5): holds, disputes, promises to pay, payment
 * plans and their installments, notes, calls and call tasks, all stored as "collection
 * items" of one shape; dunning runs, firings and outbox messages. Plus the pure rules that
 * decide whether dunning is paused for an invoice. Stored numbers: never renumber. */
#ifndef OWED_CORE_COLLECTIONS_H
#define OWED_CORE_COLLECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/date.h"

enum owed_item_kind {
    OWED_ITEM_HOLD = 1,        /* a customer (invoice_id 0) or an invoice excluded from dunning */
    OWED_ITEM_DISPUTE = 2,     /* amount 0 = the whole invoice */
    OWED_ITEM_PROMISE = 3,     /* date1 = promised date; invoice_id 0 = the customer's account */
    OWED_ITEM_PLAN = 4,        /* an invoice's balance in installments */
    OWED_ITEM_INSTALLMENT = 5, /* parent_id = the plan; date1 = due date; code = its number */
    OWED_ITEM_NOTE = 6,
    OWED_ITEM_CALL = 7,        /* code = outcome */
    OWED_ITEM_TASK = 8,        /* a call for a collector to make; date1 = due */
};
#define OWED_ITEM_KIND_MAX 8
const char *owed_item_kind_name(enum owed_item_kind k); /* "hold", "dispute", ... */

/* Statuses. Each kind uses its own subset; 1 is always the live one. */
enum owed_item_status {
    OWED_ST_OPEN = 1,           /* hold active, dispute open, promise open, plan active, task open */
    OWED_ST_INVESTIGATING = 2,  /* dispute */
    OWED_ST_RELEASED = 3,       /* hold */
    OWED_ST_RESOLVED_CREDIT = 4, /* dispute resolved with a credit note */
    OWED_ST_RESOLVED_UPHELD = 5, /* dispute resolved: the invoice stands as billed */
    OWED_ST_REJECTED = 6,       /* dispute rejected */
    OWED_ST_KEPT = 7,           /* promise */
    OWED_ST_BROKEN = 8,         /* promise or plan */
    OWED_ST_COMPLETED = 9,      /* plan paid off */
    OWED_ST_CANCELLED = 10,     /* promise, plan, task */
    OWED_ST_DONE = 11,          /* task */
};
#define OWED_ITEM_STATUS_MAX 11
const char *owed_item_status_name(enum owed_item_status s); /* "open", "investigating", ... */
enum owed_item_status owed_item_status_parse(const char *s); /* 0 when unknown */

/* Dispute reasons and call outcomes: the causes of delinquency and what a call achieved. */
bool owed_dispute_reason_valid(const char *code);
extern const char *const owed_dispute_reasons[]; /* NULL-terminated */
bool owed_call_outcome_valid(const char *code);
extern const char *const owed_call_outcomes[];   /* NULL-terminated */

#define OWED_ITEM_CODE_MAX 31
#define OWED_ITEM_BODY_MAX 2000

struct owed_item {
    int64_t id;
    enum owed_item_kind kind;
    int64_t parent_id; /* installments: the plan */
    int64_t customer_id;
    int64_t invoice_id; /* 0 = none (the customer as a whole) */
    enum owed_item_status status;
    char code[OWED_ITEM_CODE_MAX + 1]; /* dispute reason, call outcome, hold reason code */
    int64_t amount_minor;
    char currency[4];
    owed_date opened_on; /* the business date it began (the --as-of of its command) */
    owed_date date1;     /* the date that matters: promised, due; 0 = none */
    owed_date date2;     /* the date it closed; 0 = open */
    char body[OWED_ITEM_BODY_MAX + 1];
    char created_at[32]; /* ISO 8601 UTC, set by the store */
};

/* Outbox message delivery states (see docs/dunning.md "Delivery"). */
enum owed_msg_status {
    OWED_MSG_QUEUED = 1,
    OWED_MSG_SENDING = 2,   /* handed to the transport; the end of data has not gone out */
    OWED_MSG_UNCERTAIN = 3, /* stopped after the end of data went out: never resent by itself */
    OWED_MSG_SENT = 4,
    OWED_MSG_FAILED = 5,
    OWED_MSG_CANCELLED = 6,
};
const char *owed_msg_status_name(enum owed_msg_status s);
enum owed_msg_status owed_msg_status_parse(const char *s);

struct owed_outbox_msg {
    int64_t id;
    int64_t run_id;
    int64_t customer_id;
    int channel; /* enum owed_channel */
    char step[48];
    const char *recipient; /* borrowed: input on insert, valid during a callback on read */
    const char *subject;
    const char *body;
    enum owed_msg_status status;
    int attempts;
    int64_t next_attempt; /* unix seconds */
    char last_error[256];
    char created_at[32];
    char sent_at[32];
};

struct owed_firing {
    int64_t invoice_id;
    char step[48];
    int severity; /* the step's index in its policy, for "no step at or after k fired" */
    int64_t run_id;
    int64_t message_id;
    owed_date fired_on;
};

struct owed_run_rec {
    int64_t id;
    owed_date as_of;
    int64_t messages, firings;
    char created_at[32];
};

/* ---- pure rules ---- */

/* A promise to pay: open until its date; kept when the customer has paid at least its
 * amount since it was made (paid_since_minor), broken when the date has passed without. */
enum owed_item_status owed_promise_state(owed_date promised, int64_t amount_minor,
                                         int64_t paid_since_minor, owed_date as_of);

/* Splits total_minor into n installments as equal as possible (the first ones take the
 * remainder, one minor unit each), due every `every_days` from first_due. */
void owed_plan_split(int64_t total_minor, int n, owed_date first_due, int every_days,
                     int64_t *amounts, owed_date *dues);

/* A plan's standing on as_of: installments (dues ascending, amounts) against what has been
 * paid on the invoice since the plan began. It is broken when the installments due more
 * than grace_days before as_of add up to more than was paid; completed when everything is
 * paid. *next_due_index is the first installment not fully paid (n when none). */
enum owed_item_status owed_plan_state(const owed_date *dues, const int64_t *amounts, size_t n,
                                      int64_t paid_minor, owed_date as_of, int grace_days,
                                      size_t *next_due_index);

#endif
