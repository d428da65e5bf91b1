/* Outgoing webhooks (docs/webhooks.md): subscribers, and the events that use cases queue
 * for them in the outbox, inside their own write transaction, so that an event goes out
 * if and only if what it tells about was committed.
 *
 * An event is the JSON envelope
 *     {"id": "evt_...", "type": "invoice.created", "created": UNIX, "org_id": N,
 *      "data": {...the resource...}}
 * queued once per active subscriber that wants its type, as an outbox message of channel
 * webhook: recipient the subscriber's URL, step "webhook:ID", subject the event type.
 * `owed outbox send` (and the server's scheduler) POSTs it, signed with the subscriber's
 * secret at each attempt (io/webhook.h). */
#ifndef OWED_APP_EVENTS_H
#define OWED_APP_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/auth.h"
#include "core/access.h"
#include "core/collections.h"
#include "core/model.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* Event types, NULL-terminated. */
extern const char *const owed_event_types[];

/* ---- queueing events (app/events.c) ---- */

/* The events of one use case: its subscribers are loaded once, on the first question,
 * inside the caller's transaction; a use case with no subscriber pays one query. Lives on
 * the caller's stack; init, then release. */
struct owed_events {
    struct owed_store *s;
    int64_t org;
    int64_t now_s; /* "created" of every event */
    bool loaded;
    struct owed_webhook *subs; /* active subscribers */
    size_t nsubs, cap;
};

/* now: the events' time (0 = the system clock, read once here). */
void owed_events_init(struct owed_events *ev, struct owed_store *s, int64_t org,
                      owed_time_ms now);
void owed_events_release(struct owed_events *ev);

/* *wanted: some active subscriber wants `type`. Call it before building an event's data;
 * never from inside a store iteration callback (it may query). */
int owed_events_wanted(struct owed_events *ev, const char *type, bool *wanted,
                       struct owed_buf *err);

/* Queues `type` with `data` (stolen; NULL = {}) for each subscriber that wants it;
 * customer_id files the messages under a customer (0 = none). */
int owed_events_emit(struct owed_events *ev, const char *type, int64_t customer_id,
                     json_t *data, struct owed_buf *err);

/* The same with the data built from a record, when it is wanted; customer_ref may be NULL
 * (looked up then). paid_minor: what is paid on the invoice. */
int owed__event_invoice(struct owed_events *ev, const char *type, const struct owed_invoice *inv,
                        const char *customer_ref, int64_t paid_minor, struct owed_buf *err);
/* The payment as stored now (applied and unapplied amounts read back). */
int owed__event_payment(struct owed_events *ev, const char *type, const char *payment_ref,
                        struct owed_buf *err);
/* A collection item (dispute.opened, promise.broken). */
int owed__event_item(struct owed_events *ev, const char *type, const struct owed_item *it,
                     struct owed_buf *err);

/* The daily job (the server's scheduler): invoice.overdue for each open invoice whose due
 * date is before today, at most OWED_OVERDUE_WINDOW_DAYS before, once per invoice (the
 * idempotency key "evt:overdue:ID" is claimed in the same transaction). Nothing is scanned
 * when no subscriber wants the event. *count: events queued (one per invoice). */
#define OWED_OVERDUE_WINDOW_DAYS 30
int owed_events_overdue(struct owed_store *s, int64_t org, owed_date today, owed_time_ms now,
                        size_t *count, struct owed_buf *err);

/* ---- subscribers (app/webhooks.c): one transaction each ---- */

/* A new subscriber: url http:// or https://; events a comma-separated list of event types,
 * "prefix.*" or "*" (NULL or "" = "*"). The signing secret ("whsec_...") goes to `secret`
 * and is never shown again. *out is the stored subscriber (its secret cleared). */
int owed_webhook_create(struct owed_store *s, int64_t org, const char *url, const char *events,
                        struct owed_webhook *out, char secret[OWED_SECRET_MAX + 1],
                        struct owed_buf *err);
/* Changes url, events (NULL = unchanged) and active (-1 = unchanged). */
int owed_webhook_change(struct owed_store *s, int64_t org, int64_t id, const char *url,
                        const char *events, int active, struct owed_buf *err);
int owed_webhook_remove(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err);
/* One subscriber, its secret cleared. OWED_E_NOT_FOUND "no webhook N". */
int owed_webhook_show(struct owed_store *s, int64_t org, int64_t id, struct owed_webhook *out,
                      struct owed_buf *err);
/* Every subscriber as JSON (owed_webhook_json: never a secret), by id. */
int owed_webhook_list(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err);

#endif
