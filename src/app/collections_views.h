/* Read models of the collections and dunning API (src/http/h_collections.c, h_dunning.c):
 * collection items, customer profiles, outbox messages, dunning policies and their
 * assignments, as JSON documents. As in app/views.h, amounts are decimal strings with
 * their currency and dates ISO 8601 (null when there is none), never JSON numbers for
 * money. The listings of items and messages, which grow without bound, come a page at a
 * time in id order (struct owed_page of app/views.h: *next is the cursor of the next page,
 * 0 at the end); the others come whole. */
#ifndef OWED_APP_COLLECTIONS_VIEWS_H
#define OWED_APP_COLLECTIONS_VIEWS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/views.h"
#include "core/collections.h"
#include "owed/buf.h"
#include "store/store.h"

/* ---- collection items (holds, disputes, promises, plans, notes, calls, tasks) ----
 *
 * An item:
 *   {"id", "kind", "status", "customer_id", "customer_ref", "invoice_id", "invoice_number",
 *    "code", "amount", "currency", "opened_on", "date", "closed_on", "text", "created_at"}
 * invoice_id and invoice_number are null for an item about the whole customer; amount is
 * null when the item has none (a whole-invoice dispute, a note). code is the dispute
 * reason, the call or task outcome, or the hold's origin (manual, agency); date is the
 * promised date, a task's or installment's due date, or the day a hold, dispute, note or
 * call was recorded. A plan adds "installments": [{"id", "number", "amount", "due_date",
 * "status"}]. */

struct owed_item_query {
    enum owed_item_kind kind; /* required; not OWED_ITEM_INSTALLMENT */
    const char *customer_ref; /* NULL = every customer */
    bool all;                 /* false: live items only (open, investigating) */
};

/* The item `id`; OWED_E_NOT_FOUND ("no KIND ID") when there is none of that kind (kind 0:
 * any kind but an installment). */
int owed_view_item(struct owed_store *s, int64_t org, enum owed_item_kind kind, int64_t id,
                   json_t **out, struct owed_buf *err);
/* *data: a page of items; OWED_E_NOT_FOUND for an unknown customer_ref. */
int owed_view_items(struct owed_store *s, int64_t org, const struct owed_item_query *q,
                    const struct owed_page *pg, json_t **data, int64_t *next,
                    struct owed_buf *err);
/* "holds" -> OWED_ITEM_HOLD, ... (the API's collection names); 0 when unknown. */
enum owed_item_kind owed_item_kind_of_collection(const char *name);
const char *owed_item_collection_name(enum owed_item_kind k);

/* ---- customer profiles ---- */

/* {"customer_id", "customer_ref", "segment", "lang", "phone", "address"}; the empty
 * profile ("" everywhere) when none was set. */
int owed_view_profile(struct owed_store *s, int64_t org, int64_t customer_id, json_t **out,
                      struct owed_buf *err);

/* ---- the outbox ---- */

/* {"id", "run_id", "customer_id", "customer_ref", "channel", "step", "status",
 *  "attempts", "next_attempt", "last_error", "recipient", "subject", "created_at",
 *  "sent_at"}; next_attempt is an ISO 8601 UTC time (null when 0), sent_at null until
 * sent. with_body adds "body": the message as it is (or was) delivered. */
int owed_view_outbox_msg(struct owed_store *s, int64_t org, int64_t id, bool with_body,
                         json_t **out, struct owed_buf *err);
/* A page of messages (without their bodies); status 0 = every status. */
int owed_view_outbox(struct owed_store *s, int64_t org, enum owed_msg_status status,
                     const struct owed_page *pg, json_t **data, int64_t *next,
                     struct owed_buf *err);

/* ---- dunning policies ---- */

/* [{"name", "steps", "stored", "default", "targets": ["customer:C1", ...]}], by name,
 * the default first: steps is the number of steps; stored is false for the built-in
 * default; default is true for the policy customers follow when nothing else is
 * assigned. */
int owed_view_policies(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err);
/* [{"target", "policy"}] by target, as stored. */
int owed_view_policy_targets(struct owed_store *s, int64_t org, json_t **data,
                             struct owed_buf *err);

/* owed_policy_set from a document in memory (an API request body) instead of a file: the
 * same checks, the same canonical form stored. Errors name `where` as owed_policy_set's
 * name the file ("body: steps[1].channel: must be ..."): OWED_E_REJECTED for a bad
 * document, OWED_E_INVALID for a bad name (app/policy_text.c). */
int owed_policy_set_text(struct owed_store *s, int64_t org, const char *name, const char *text,
                         size_t len, const char *where, struct owed_buf *err);

#endif
