/* The storage interface: a table of function pointers (SQLite sqlite3_io_methods,
 * TigerBeetle's Time vtable) so that SQLite and PostgreSQL backends are interchangeable.
 * SQL lives only behind this interface. Every call takes the organization it works on.
 *
 * Errors: OWED_E_NOT_FOUND for a missing record, OWED_E_EXISTS for a duplicate key,
 * OWED_E_STORE for anything the database reports (detail appended to err). */
#ifndef OWED_STORE_H
#define OWED_STORE_H

#include <stdint.h>

#include "core/access.h"
#include "core/collections.h"
#include "core/ledger.h"
#include "core/model.h"
#include "owed/buf.h"

struct owed_store;

/* Iteration callbacks: return OWED_OK to go on, anything else stops and is returned. */
typedef int (*owed_customer_fn)(void *ctx, const struct owed_customer *c);
typedef int (*owed_invoice_fn)(void *ctx, const struct owed_invoice *inv);
typedef int (*owed_payment_fn)(void *ctx, const struct owed_payment *p);
typedef int (*owed_allocation_fn)(void *ctx, const struct owed_allocation *a);
typedef int (*owed_outflow_fn)(void *ctx, const struct owed_outflow *o);
typedef int (*owed_entry_rec_fn)(void *ctx, const struct owed_entry_rec *e);
typedef int (*owed_payer_fn)(void *ctx, const char *key, int64_t customer_id);

/* One stored journal line. */
struct owed_journal_line {
    int64_t entry_id;
    int64_t line_no;
    enum owed_entry_kind kind;
    int64_t source_id;
    int64_t customer_id;
    char currency[4];
    owed_date date;
    enum owed_account account;
    int64_t amount_minor; /* debit positive, credit negative */
};
typedef int (*owed_journal_line_fn)(void *ctx, const struct owed_journal_line *l);

/* Filters for listings; zero values mean "no filter". */
struct owed_list_filter {
    int64_t customer_id;
    owed_date on_or_before; /* issue or received date; 0 = none (1970-01-01 is not used) */
    bool with_text;         /* fill text fields (numbers, names); off for fast report loads */
    int64_t payment_id;     /* allocations_each, outflows_each: of this payment only */
    int64_t invoice_id;     /* allocations_each: of this invoice only */
};

/* Settings of an organization. */
struct owed_org_settings {
    char tolerance[32]; /* "" (none), "1.00" (major units of each currency) or "0.5%" */
    char timezone[64];  /* IANA name; "today" for dunning is the date there */
    char calendar[32];  /* holiday calendar for business days ("" = weekends only) */
    char mail_from[256];
    char smtp_url[256];
    char sms_url[256];
    char pay_url[256];  /* pay link base; the invoice number is appended */
    char out_dir[256];  /* where letters and agency placements are written */
    char name[201];     /* the organization's name, signed under its messages */
    char gateway_secret[128]; /* HMAC key of incoming payment gateway webhooks; "" = none.
                                 Never shown: views say only whether it is set */
};

/* Which collection items items_each returns; zero fields mean "any". */
struct owed_item_filter {
    enum owed_item_kind kind;
    int64_t customer_id;
    int64_t invoice_id;
    int64_t parent_id;
    bool live_only; /* status open or investigating */
};

/* Which outbox messages outbox_each returns; zero fields mean "any". */
struct owed_outbox_filter {
    enum owed_msg_status status;
    int64_t due_by;   /* with status: next_attempt <= due_by (unix seconds) */
    int64_t run_id;
    int64_t customer_id;
    int64_t id;       /* one message */
};

/* Customer settings for collections. */
struct owed_profile {
    int64_t customer_id;
    char segment[64];
    char lang[16];
    char phone[32];
    char address[512];
};

typedef int (*owed_item_fn)(void *ctx, const struct owed_item *it);
typedef int (*owed_outbox_fn)(void *ctx, const struct owed_outbox_msg *m);
typedef int (*owed_firing_fn)(void *ctx, const struct owed_firing *f);
typedef int (*owed_profile_fn)(void *ctx, const struct owed_profile *p);
typedef int (*owed_pair_fn)(void *ctx, const char *a, const char *b);
typedef int (*owed_user_fn)(void *ctx, const struct owed_user *u);
typedef int (*owed_cred_fn)(void *ctx, const struct owed_cred *c);
typedef int (*owed_audit_fn)(void *ctx, const struct owed_audit_rec *a);
typedef int (*owed_webhook_fn)(void *ctx, const struct owed_webhook *w);

/* ---- documents (issue 7) ---- */

enum owed_doc_status {
    OWED_DOCST_DRAFT = 1,
    OWED_DOCST_ISSUED = 2,
};

/* An invoice or credit note as a document (core/invoice_doc.h as JSON in body). */
struct owed_doc_rec {
    int64_t id;
    int type;   /* enum owed_doc_type */
    int status; /* enum owed_doc_status */
    char number[65];
    int64_t customer_id;
    int64_t ledger_id;  /* the invoice or credit-note payment it posted; 0 = a draft */
    const char *body;   /* borrowed: input on insert/update, valid during a callback */
    char source[64];    /* "owed", "csv", "ubl", "recurring:ID" */
    char created_at[32];
    char issued_at[32];
    char ack_at[32];    /* "" = not acknowledged */
    char ack_via[64];
    char sent_at[32];
    char delivery[16];  /* "", "queued", "sent", "failed" */
    int64_t message_id; /* the outbox message that delivers it */
};

/* Which documents docs_each returns; zero fields mean "any". */
struct owed_doc_filter {
    int64_t customer_id;
    int status;
    int type;
};

/* A recurring invoice schedule; body is the template document as JSON. */
struct owed_recurring_rec {
    int64_t id;
    int64_t customer_id;
    char rule[48]; /* core/recurrence.h text: "monthly", "every 14 days" */
    owed_date start_date;
    owed_date end_date; /* 0 = none */
    int64_t max_count;  /* 0 = unlimited */
    const char *body;   /* borrowed */
    bool active;
    char created_at[32];
    int64_t periods;    /* periods issued so far: filled on read */
};

typedef int (*owed_doc_rec_fn)(void *ctx, const struct owed_doc_rec *d);
typedef int (*owed_recurring_fn)(void *ctx, const struct owed_recurring_rec *r);

/* ---- the customer portal (issue 8) ---- */

/* A magic link (its token is derived, never stored: app/portal.c). */
struct owed_portal_link {
    int64_t id;
    int64_t customer_id;
    char created_at[32];
    int64_t expires_s;   /* unix seconds */
    char used_at[32];    /* "" = never used */
    bool revoked;
    char created_by[64]; /* "cli", "staff:EMAIL", "renew", "dunning" */
    int64_t message_id;  /* the outbox message that carried it; 0 = none */
};

struct owed_portal_session_rec {
    int64_t id;
    int64_t customer_id;
    int64_t link_id;
    char created_at[32];
    int64_t expires_s;
    bool ended;
};

/* What a customer did in the portal, for the staff's timeline. */
struct owed_portal_event {
    int64_t id;
    int64_t customer_id;
    int64_t session_id;
    owed_date on_date;
    char at[32];
    char action[24];    /* "link", "login", "ack", "dispute", "promise", "pay", "feedback" */
    int64_t invoice_id; /* 0 = none */
    int64_t item_id;    /* the collection item it made; 0 = none */
    char ref[OWED_REF_MAX + 1];
    char body[512];
};

struct owed_portal_feedback {
    int64_t id;
    int64_t customer_id;
    int64_t session_id;
    int rating; /* 1..5 */
    char comment[2001];
    char created_at[32];
};

typedef int (*owed_portal_link_fn)(void *ctx, const struct owed_portal_link *l);
typedef int (*owed_portal_event_fn)(void *ctx, const struct owed_portal_event *e);
typedef int (*owed_portal_feedback_fn)(void *ctx, const struct owed_portal_feedback *f);

/* Highest id per table: an upper bound on row counts, for sizing arrays up front. */
struct owed_store_max_ids {
    int64_t customers, invoices, payments, allocations;
};

struct owed_store_ops {
    const char *name;
    void (*close)(struct owed_store *s);

    /* Creates or upgrades the schema (numbered migrations) and the default organization. */
    int (*migrate)(struct owed_store *s, struct owed_buf *err);
    int (*schema_version)(struct owed_store *s, int *version, struct owed_buf *err);
    int (*default_org)(struct owed_store *s, int64_t *org_id, struct owed_buf *err);

    int (*max_ids)(struct owed_store *s, int64_t org, struct owed_store_max_ids *out,
                   struct owed_buf *err);

    /* A second connection to the same database, for reading in parallel; OWED_E_INVALID
     * where there is none (an in-memory database). */
    int (*open_peer)(struct owed_store *s, struct owed_store **out, struct owed_buf *err);
    /* A read transaction: one consistent snapshot until read_end. */
    int (*read_begin)(struct owed_store *s, struct owed_buf *err);
    void (*read_end)(struct owed_store *s);
    /* The highest journal entry id. Every change appends to the journal, so two snapshots
     * with the same high-water mark hold the same data. */
    int (*high_water)(struct owed_store *s, int64_t org, int64_t *out, struct owed_buf *err);

    int (*begin)(struct owed_store *s, struct owed_buf *err); /* write transaction */
    /* A write transaction whose commit survives the death of this process but, to be
     * fast, not necessarily a power loss (no fsync on SQLite; synchronous_commit off on
     * PostgreSQL). For a marker that only has to outlive a killed process. */
    int (*begin_relaxed)(struct owed_store *s, struct owed_buf *err);
    int (*commit)(struct owed_store *s, struct owed_buf *err);
    void (*rollback)(struct owed_store *s);

    int (*customer_get)(struct owed_store *s, int64_t org, const char *ref,
                        struct owed_customer *out, struct owed_buf *err);
    /* Sets c->id. */
    int (*customer_insert)(struct owed_store *s, int64_t org, struct owed_customer *c,
                           struct owed_buf *err);
    int (*customers_each)(struct owed_store *s, int64_t org, owed_customer_fn fn, void *ctx,
                          struct owed_buf *err); /* ordered by ref */

    int (*invoice_get)(struct owed_store *s, int64_t org, const char *number,
                       struct owed_invoice *out, struct owed_buf *err);
    int (*invoice_insert)(struct owed_store *s, int64_t org, struct owed_invoice *inv,
                          struct owed_buf *err);
    /* Ordered by id. allocated_minor is left 0: sum allocations_each as of the date wanted.
     * Text fields are filled when filtering by customer or with f->with_text. */
    int (*invoices_each)(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                         owed_invoice_fn fn, void *ctx, struct owed_buf *err);

    int (*payment_get)(struct owed_store *s, int64_t org, const char *ref,
                       struct owed_payment *out, struct owed_buf *err);
    int (*payment_insert)(struct owed_store *s, int64_t org, struct owed_payment *p,
                          struct owed_buf *err);
    int (*payments_each)(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                         owed_payment_fn fn, void *ctx, struct owed_buf *err);

    int (*allocation_insert)(struct owed_store *s, int64_t org, struct owed_allocation *a,
                             struct owed_buf *err);
    /* f->on_or_before filters by allocation date; f->customer_id by the invoice's customer. */
    int (*allocations_each)(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_allocation_fn fn, void *ctx, struct owed_buf *err);

    /* By id; OWED_E_NOT_FOUND when missing. allocated_minor (and outflow_minor) filled. */
    int (*invoice_get_id)(struct owed_store *s, int64_t org, int64_t id,
                          struct owed_invoice *out, struct owed_buf *err);
    int (*payment_get_id)(struct owed_store *s, int64_t org, int64_t id,
                          struct owed_payment *out, struct owed_buf *err);
    int (*customer_get_id)(struct owed_store *s, int64_t org, int64_t id,
                           struct owed_customer *out, struct owed_buf *err);

    int (*outflow_insert)(struct owed_store *s, int64_t org, struct owed_outflow *o,
                          struct owed_buf *err);
    /* f->on_or_before by date, f->payment_id, f->customer_id by the payment's customer. */
    int (*outflows_each)(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                         owed_outflow_fn fn, void *ctx, struct owed_buf *err);

    int (*org_settings_get)(struct owed_store *s, int64_t org, struct owed_org_settings *out,
                            struct owed_buf *err);
    int (*org_settings_set)(struct owed_store *s, int64_t org,
                            const struct owed_org_settings *in, struct owed_buf *err);

    /* Bank statements. statement_insert: OWED_E_EXISTS when the key is known (then
     * st->id is set to the existing statement). entry_insert: OWED_E_EXISTS likewise. */
    int (*statement_insert)(struct owed_store *s, int64_t org, struct owed_stmt_rec *st,
                            struct owed_buf *err);
    int (*entry_insert)(struct owed_store *s, int64_t org, struct owed_entry_rec *e,
                        struct owed_buf *err);
    int (*entry_get)(struct owed_store *s, int64_t org, int64_t id, struct owed_entry_rec *out,
                     struct owed_buf *err);
    /* Sets status, customer_id, payment_id, score and suggestions of entry e->id. */
    int (*entry_update)(struct owed_store *s, int64_t org, const struct owed_entry_rec *e,
                        struct owed_buf *err);
    /* status 0 = all; ordered by id. */
    int (*entries_each)(struct owed_store *s, int64_t org, int status, owed_entry_rec_fn fn,
                        void *ctx, struct owed_buf *err);
    int (*payer_learn)(struct owed_store *s, int64_t org, const char *key, int64_t customer_id,
                       struct owed_buf *err);
    int (*payers_each)(struct owed_store *s, int64_t org, owed_payer_fn fn, void *ctx,
                       struct owed_buf *err);
    int (*csv_map_save)(struct owed_store *s, int64_t org, const char *name, const char *json,
                        struct owed_buf *err);
    /* Calls fn(ctx, name, json) for every saved mapping, by name. */
    int (*csv_maps_each)(struct owed_store *s, int64_t org,
                         int (*fn)(void *ctx, const char *name, const char *json), void *ctx,
                         struct owed_buf *err);

    /* Claims an idempotency key inside the current write transaction: OWED_OK when it is
     * new (and now taken), OWED_E_EXISTS when it was claimed before. */
    int (*idem_claim)(struct owed_store *s, int64_t org, const char *key, struct owed_buf *err);

    /* ---- collections (issue 5) ---- */

    /* Sets it->id (the next free one) and created_at. */
    int (*item_insert)(struct owed_store *s, int64_t org, struct owed_item *it,
                       struct owed_buf *err);
    /* Sets status, code, amount, currency, date1, date2 and body of item it->id. */
    int (*item_update)(struct owed_store *s, int64_t org, const struct owed_item *it,
                       struct owed_buf *err);
    int (*item_get)(struct owed_store *s, int64_t org, int64_t id, struct owed_item *out,
                    struct owed_buf *err);
    /* Ordered by id. */
    int (*items_each)(struct owed_store *s, int64_t org, const struct owed_item_filter *f,
                      owed_item_fn fn, void *ctx, struct owed_buf *err);

    /* Dunning policies by name (JSON documents) and their targets ("default",
     * "customer:REF", "segment:NAME"); policy NULL deletes a target. */
    int (*policy_save)(struct owed_store *s, int64_t org, const char *name, const char *json,
                       struct owed_buf *err);
    int (*policies_each)(struct owed_store *s, int64_t org, owed_pair_fn fn, void *ctx,
                         struct owed_buf *err); /* fn(ctx, name, json), by name */
    int (*policy_target_set)(struct owed_store *s, int64_t org, const char *target,
                             const char *policy, struct owed_buf *err);
    int (*policy_targets_each)(struct owed_store *s, int64_t org, owed_pair_fn fn, void *ctx,
                               struct owed_buf *err); /* fn(ctx, target, policy) */

    int (*profile_set)(struct owed_store *s, int64_t org, const struct owed_profile *p,
                       struct owed_buf *err);
    int (*profiles_each)(struct owed_store *s, int64_t org, owed_profile_fn fn, void *ctx,
                         struct owed_buf *err); /* by customer id */

    /* Sets r->id. */
    int (*run_insert)(struct owed_store *s, int64_t org, struct owed_run_rec *r,
                      struct owed_buf *err);
    /* OWED_E_EXISTS when (invoice, step) has fired before; nothing is written then. */
    int (*firing_insert)(struct owed_store *s, int64_t org, const struct owed_firing *f,
                         struct owed_buf *err);
    int (*firings_each)(struct owed_store *s, int64_t org, owed_firing_fn fn, void *ctx,
                        struct owed_buf *err); /* by invoice id, step */

    /* Sets m->id. */
    int (*outbox_insert)(struct owed_store *s, int64_t org, struct owed_outbox_msg *m,
                         struct owed_buf *err);
    /* Sets status, attempts, next_attempt, last_error and sent_at of message m->id. */
    int (*outbox_update)(struct owed_store *s, int64_t org, const struct owed_outbox_msg *m,
                         struct owed_buf *err);
    /* Ordered by id. */
    int (*outbox_each)(struct owed_store *s, int64_t org, const struct owed_outbox_filter *f,
                       owed_outbox_fn fn, void *ctx, struct owed_buf *err);

    /* Appends a balanced entry (asserted before the write); sets *entry_id. */
    int (*entry_append)(struct owed_store *s, int64_t org, const struct owed_entry *e,
                        int64_t *entry_id, struct owed_buf *err);
    /* Every line in (entry_id, line_no) order. */
    int (*journal_lines_each)(struct owed_store *s, int64_t org, owed_journal_line_fn fn,
                              void *ctx, struct owed_buf *err);

    /* ---- platform (issue 6): organizations, users, credentials, audit, API ---- */

    /* A new organization; sets *org_id. */
    int (*org_create)(struct owed_store *s, const char *name, int64_t *org_id,
                      struct owed_buf *err);
    /* Every organization, by id: fn(ctx, id as decimal text, name). */
    int (*orgs_each)(struct owed_store *s, owed_pair_fn fn, void *ctx, struct owed_buf *err);

    /* Sets u->id and created_at; OWED_E_EXISTS when the email is taken (in any org:
     * signing in finds the organization by the email). */
    int (*user_insert)(struct owed_store *s, int64_t org, struct owed_user *u,
                       struct owed_buf *err);
    /* Sets name, role, pw_hash and disabled of user u->id. */
    int (*user_update)(struct owed_store *s, int64_t org, const struct owed_user *u,
                       struct owed_buf *err);
    int (*user_get)(struct owed_store *s, int64_t org, int64_t id, struct owed_user *out,
                    struct owed_buf *err);
    /* Across organizations (sign-in); out->org_id says whose. */
    int (*user_find_email)(struct owed_store *s, const char *email, struct owed_user *out,
                           struct owed_buf *err);
    int (*users_each)(struct owed_store *s, int64_t org, owed_user_fn fn, void *ctx,
                      struct owed_buf *err); /* by id */

    /* Sets c->id and created_at. */
    int (*cred_insert)(struct owed_store *s, int64_t org, struct owed_cred *c,
                       struct owed_buf *err);
    /* By the hash of its secret, across organizations; revoked and expired ones too (the
     * caller decides). */
    int (*cred_find)(struct owed_store *s, const char *hash, struct owed_cred *out,
                     struct owed_buf *err);
    /* OWED_E_NOT_FOUND when the org has no such credential. */
    int (*cred_revoke)(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err);
    /* user_id 0 = all; kind 0 = both; by id. */
    int (*creds_each)(struct owed_store *s, int64_t org, int64_t user_id, int kind,
                      owed_cred_fn fn, void *ctx, struct owed_buf *err);

    /* Sets a->id and at. */
    int (*audit_insert)(struct owed_store *s, int64_t org, struct owed_audit_rec *a,
                        struct owed_buf *err);
    /* Newest first, ids below before_id (0 = from the newest), at most limit. */
    int (*audit_each)(struct owed_store *s, int64_t org, int64_t before_id, int limit,
                      owed_audit_fn fn, void *ctx, struct owed_buf *err);

    /* Stored API responses by Idempotency-Key. insert: OWED_E_EXISTS when the key is
     * taken. update: sets state, status, content_type, body and updated_at. */
    int (*idem_insert)(struct owed_store *s, int64_t org, const struct owed_idem_rec *r,
                       struct owed_buf *err);
    int (*idem_get)(struct owed_store *s, int64_t org, const char *key,
                    struct owed_idem_rec *out, struct owed_buf *err);
    int (*idem_update)(struct owed_store *s, int64_t org, const struct owed_idem_rec *r,
                       struct owed_buf *err);

    /* Webhook subscribers. insert sets w->id and created_at; update sets url, secret,
     * events and active of w->id. */
    int (*webhook_insert)(struct owed_store *s, int64_t org, struct owed_webhook *w,
                          struct owed_buf *err);
    int (*webhook_update)(struct owed_store *s, int64_t org, const struct owed_webhook *w,
                          struct owed_buf *err);
    int (*webhook_delete)(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err);
    int (*webhook_get)(struct owed_store *s, int64_t org, int64_t id, struct owed_webhook *out,
                       struct owed_buf *err);
    int (*webhooks_each)(struct owed_store *s, int64_t org, owed_webhook_fn fn, void *ctx,
                         struct owed_buf *err); /* by id */

    /* A named lock held by this connection until unlock or close, so that one server of
     * many runs a singleton job (PostgreSQL advisory lock). *got false when another
     * holder has it. SQLite: a single file has a single scheduler; always granted. */
    int (*try_lock)(struct owed_store *s, const char *name, bool *got, struct owed_buf *err);
    void (*unlock)(struct owed_store *s, const char *name);

    /* ---- documents (issue 7) ---- */

    /* Sets d->id. */
    int (*doc_insert)(struct owed_store *s, int64_t org, struct owed_doc_rec *d,
                      struct owed_buf *err);
    /* Sets every field but id, type, customer_id, source and created_at of d->id.
     * OWED_E_EXISTS when ledger_id is taken by another document of the type. */
    int (*doc_update)(struct owed_store *s, int64_t org, const struct owed_doc_rec *d,
                      struct owed_buf *err);
    /* By id (ledger_id 0) or, with id 0, by (type, ledger_id). out->body points into body,
     * which is reset and filled. */
    int (*doc_get)(struct owed_store *s, int64_t org, int64_t id, int type, int64_t ledger_id,
                   struct owed_doc_rec *out, struct owed_buf *body, struct owed_buf *err);
    int (*docs_each)(struct owed_store *s, int64_t org, const struct owed_doc_filter *f,
                     owed_doc_rec_fn fn, void *ctx, struct owed_buf *err); /* by id */

    /* The next value of a gapless counter (1 for a new one), inside the write
     * transaction. */
    int (*seq_next)(struct owed_store *s, int64_t org, const char *name, int64_t *value,
                    struct owed_buf *err);

    /* Settings documents by key; get: OWED_E_NOT_FOUND when unset (json reset). */
    int (*orgdoc_get)(struct owed_store *s, int64_t org, const char *key, struct owed_buf *json,
                      struct owed_buf *err);
    int (*orgdoc_put)(struct owed_store *s, int64_t org, const char *key, const char *json,
                      struct owed_buf *err);

    /* Sets r->id. update: rule, dates, count, body and active of r->id. */
    int (*recurring_insert)(struct owed_store *s, int64_t org, struct owed_recurring_rec *r,
                            struct owed_buf *err);
    int (*recurring_update)(struct owed_store *s, int64_t org,
                            const struct owed_recurring_rec *r, struct owed_buf *err);
    int (*recurring_each)(struct owed_store *s, int64_t org, int64_t id, owed_recurring_fn fn,
                          void *ctx, struct owed_buf *err); /* id 0 = all, by id */
    /* Claims period `period` of schedule rec_id for document doc_id: OWED_E_EXISTS when it
     * was claimed before (nothing written). */
    int (*period_claim)(struct owed_store *s, int64_t org, int64_t rec_id, int64_t period,
                        int64_t doc_id, struct owed_buf *err);

    /* ---- the customer portal (issue 8) ---- */

    /* Sets l->id (per organization, from 1). */
    int (*portal_link_insert)(struct owed_store *s, int64_t org, struct owed_portal_link *l,
                              struct owed_buf *err);
    int (*portal_link_get)(struct owed_store *s, int64_t org, int64_t id,
                           struct owed_portal_link *out, struct owed_buf *err);
    /* Marks link id used at `used_at` if it is neither used nor revoked: OWED_E_EXISTS
     * (nothing written) otherwise, OWED_E_NOT_FOUND when there is no such link. Two calls
     * at once: one wins. */
    int (*portal_link_use)(struct owed_store *s, int64_t org, int64_t id, const char *used_at,
                           struct owed_buf *err);
    /* Sets message_id of link id. */
    int (*portal_link_sent)(struct owed_store *s, int64_t org, int64_t id, int64_t message_id,
                            struct owed_buf *err);
    /* customer_id 0 = all; by id. */
    int (*portal_links_each)(struct owed_store *s, int64_t org, int64_t customer_id,
                             owed_portal_link_fn fn, void *ctx, struct owed_buf *err);
    /* Revokes every unused link and ends every session of the customer; *n: how many
     * links and sessions it changed (may be NULL). */
    int (*portal_revoke)(struct owed_store *s, int64_t org, int64_t customer_id, int64_t *n,
                         struct owed_buf *err);

    /* Sets p->id. */
    int (*portal_session_insert)(struct owed_store *s, int64_t org,
                                 struct owed_portal_session_rec *p, struct owed_buf *err);
    int (*portal_session_get)(struct owed_store *s, int64_t org, int64_t id,
                              struct owed_portal_session_rec *out, struct owed_buf *err);
    /* OWED_E_NOT_FOUND when there is no such session. */
    int (*portal_session_end)(struct owed_store *s, int64_t org, int64_t id,
                              struct owed_buf *err);

    /* Sets e->id. */
    int (*portal_event_insert)(struct owed_store *s, int64_t org, struct owed_portal_event *e,
                               struct owed_buf *err);
    /* customer_id 0 = all; by id. */
    int (*portal_events_each)(struct owed_store *s, int64_t org, int64_t customer_id,
                              owed_portal_event_fn fn, void *ctx, struct owed_buf *err);

    /* Sets f->id. */
    int (*portal_feedback_insert)(struct owed_store *s, int64_t org,
                                  struct owed_portal_feedback *f, struct owed_buf *err);
    /* customer_id 0 = all; newest first. */
    int (*portal_feedback_each)(struct owed_store *s, int64_t org, int64_t customer_id,
                                owed_portal_feedback_fn fn, void *ctx, struct owed_buf *err);
};

struct owed_store {
    const struct owed_store_ops *ops;
};

/* Opens the store named by `url`: a file path (SQLite) or a postgresql:// URL.
 * `create` makes a missing SQLite file; without it a missing file is OWED_E_NOT_FOUND. */
int owed_store_open(const char *url, bool create, struct owed_store **out, struct owed_buf *err);
void owed_store_close(struct owed_store *s);
/* The URL as it may be shown: without a password (user:secret@ or password=...). Heap
 * string: free() it. */
char *owed_store_url_redacted(const char *url);

/* The PostgreSQL backend: url is a libpq connection URI (postgresql://...). */
int owed__postgres_open(const char *url, bool create, struct owed_store **out,
                        struct owed_buf *err);

/* The SQLite backend; ":memory:" works for tests. */
int owed__sqlite_open(const char *path, bool create, struct owed_store **out,
                      struct owed_buf *err);

#endif
