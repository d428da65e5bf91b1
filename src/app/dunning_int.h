/* Internals shared by the dunning use cases: stored policies (app/policy.c) and the
 * evaluation of a run (app/dunning_eval.c), which the preview renders and the run
 * executes. */
#ifndef OWED_APP_DUNNING_INT_H
#define OWED_APP_DUNNING_INT_H

#include <jansson.h>

#include "app/app.h"
#include "core/collections.h"
#include "core/dunning.h"

/* ---- policies ---- */

struct owed__policy_target {
    char target[96]; /* "default", "customer:REF", "segment:NAME" */
    int policy;      /* index into list */
};

struct owed__policies {
    struct owed_dunning_policy *list; /* [0] is the default: stored, else built in */
    size_t n, cap;
    struct owed__policy_target *targets;
    size_t ntargets, cap_targets;
    int default_index;
};

int owed__policies_load(struct owed_store *s, int64_t org, struct owed__policies *ps,
                        struct owed_buf *err);
void owed__policies_release(struct owed__policies *ps);
int owed__policy_find(const struct owed__policies *ps, const char *name);
/* The policy a customer follows: its own target, else its segment's, else the default. */
int owed__policy_for(const struct owed__policies *ps, const char *customer_ref,
                     const char *segment);
/* `where` names the source in errors ("FILE: steps[2].channel: ..."). */
int owed__policy_from_json(const char *text, const char *name, const char *where,
                           struct owed_dunning_policy *p, struct owed_buf *err);
void owed__policy_to_json(const struct owed_dunning_policy *p, struct owed_buf *out);

/* ---- evaluation ---- */

/* Why an invoice that reached a step does not fire. */
enum owed__pause {
    OWED_PAUSE_NONE = 0,
    OWED_PAUSE_HOLD,
    OWED_PAUSE_DISPUTE,
    OWED_PAUSE_PROMISE,
    OWED_PAUSE_PLAN,
    OWED_PAUSE_MINIMUM,
    OWED_PAUSE_ACKNOWLEDGED, /* an "unless acknowledged" step: the document is acknowledged */
    OWED_PAUSE_NO_DOCUMENT,  /* ... or the invoice has no issued document (a CSV import) */
    OWED_PAUSE_COUNT
};
const char *owed__pause_name(enum owed__pause p);

/* One invoice (or one installment of a plan) that fires a step in this run. */
struct owed__firing {
    uint32_t invoice;  /* book index */
    uint32_t customer; /* book index */
    uint16_t policy;   /* index into policies.list */
    uint8_t step;      /* index into its policy's steps */
    uint8_t channel;
    owed_date due;     /* the invoice's due date, or the installment's */
    int64_t open;      /* what is asked for: open less disputed, or the installment's rest */
    int64_t installment; /* the installment item's id; 0 for the invoice itself */
    int installment_no;  /* 1-based, with installment */
    bool escalated;      /* fired early because a promise broke */
    owed_date interest_from; /* the last firing that charged interest; 0 = none */
};

/* An item whose status the run changes (a promise kept or broken, a plan broken or done). */
struct owed__change {
    int64_t item;
    enum owed_item_kind kind;
    enum owed_item_status status;
};

struct owed__dunning {
    owed_date as_of;
    struct owed_book book;
    struct owed__policies policies;
    int64_t *open;          /* by book invoice: open amount on as_of */
    /* By book invoice, loaded only when some policy has an "unless acknowledged" step
     * (NULL otherwise): the id of its issued invoice document while not acknowledged,
     * OWED__ACKNOWLEDGED once acknowledged, 0 without a document. */
    int64_t *ack_doc;
    uint16_t *cust_policy;  /* by book customer */
    struct owed_profile *profiles; /* by book customer (customer_id 0 = none stored) */
    struct owed__firing *f; /* sorted: customer, channel, due date, invoice */
    size_t n;
    uint32_t *thanks; /* book invoices paid in full by their due date, to thank for */
    size_t nthanks;
    struct owed__change *changes;
    size_t nchanges, cap_changes;
    size_t paused[OWED_PAUSE_COUNT]; /* invoices that reached a step but were paused */
};

#define OWED__ACKNOWLEDGED (-1)

/* The document whose acknowledgement link a firing's invoice gets in a message: the id of
 * its issued, unacknowledged invoice document, or 0 (none, or ack state not loaded). */
int64_t owed__ack_doc(const struct owed__dunning *d, const struct owed__firing *f);

/* Everything a run on as_of would do, computed from one snapshot; changes nothing. */
int owed__dunning_eval(struct owed_store *s, int64_t org, owed_date as_of,
                       struct owed__dunning *d, struct owed_buf *err);
void owed__dunning_release(struct owed__dunning *d);
/* The book index of invoice id, or -1. */
long owed__book_invoice_index(const struct owed_book *b, int64_t id);
/* The firings of one message start at i and end before the returned index. */
size_t owed__message_end(const struct owed__dunning *d, size_t i);
/* The most severe step among firings [i, j). */
int owed__most_severe(const struct owed__dunning *d, size_t i, size_t j);
/* The preview's table or JSON; ran: after a run (the summary says so). */
int owed__dunning_render(const struct owed__dunning *d, enum owed_format fmt, bool ran,
                         struct owed_buf *out, struct owed_buf *err);
/* The fee and interest a firing charges (0 when none). */
int owed__firing_charges(const struct owed__dunning *d, const struct owed__firing *f,
                         int64_t *fee_minor, int64_t *interest_minor, struct owed_buf *err);

/* ---- messages (app/dunning_render.c) ---- */

struct owed__rendered {
    struct owed_buf subject, text, html; /* html empty: text only */
};
/* Renders the template's sections for a channel with context ctx (a jansson object). */
int owed__render_message(const char *lang, const char *template_name, int channel,
                         const json_t *ctx, struct owed__rendered *r, struct owed_buf *err);
/* True when the template file that would be used for (lang, template_name) mentions name
 * (a variable such as "portal_url" that costs something to fill). */
bool owed__template_mentions(const char *lang, const char *template_name, const char *name);

#endif
