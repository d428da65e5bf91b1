/* Fault injection (STYLE.md "Tests": SQLite ioerr, jq inject_errors, curl torture): a store
 * that forwards every call to a real SQLite store but fails the Nth one. For each import
 * and each report, a clean run counts the calls C; then every N in 1..C is run with the
 * fault at N. An import must return an error and leave the database exactly as it was
 * (aging CSV + `owed check` output through a separate connection, and the check passes);
 * the same store must then import cleanly, so no transaction state is left behind. A report
 * must return an error without crashing or leaking (ASan), and then work again.
 *
 * Two kinds of event are counted: calls into the ops table and, with count_rows, also each
 * row an iteration (customers_each, ...) delivers, so that a scan can fail half-way, as a
 * SQLite step error would. rollback, read_end and close never fail: they are the recovery
 * path. The store also notes open transactions and scans made outside one.
 *
 * The reports run a second time with max_ids inflated, so that owed_book_load takes its
 * parallel path (a peer connection, wrapped and counted too, read from a second thread). A
 * last test lets an import commit half-way through a report, which must not see it. Every
 * problem found is collected with its reason and fails the test at the end.
 *
 * With OWED_PG_STATE set (the STATE_DIR of tests/pg/pg-start.sh, whose file `url` holds the
 * server's base URL) the real store is PostgreSQL instead: the database is
 * BASE/owed_faults_PID, each stage is kept as a database of its own (owed_faults_PID_STAGE,
 * made with CREATE DATABASE ... TEMPLATE once every store is closed), and a fresh copy is
 * CREATE DATABASE owed_faults_PID TEMPLATE owed_faults_PID_STAGE, over a libpq connection to
 * BASE/postgres. Digests read through the real store, as on SQLite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/bank.h"
#include "base.h"
#include "store/store.h"

/* ---- the fault-injecting store ---- */

/* owed_book_load reads on a second connection, in a second thread, from this many rows. */
enum { BIG_ROWS = 100000 };

struct fault_store {
    struct owed_store base; /* first, so that a struct owed_store * converts back */
    struct owed_store *real;
    /* The counters live in the root: the store itself, or the one a peer was opened from
     * (a peer shares them, and may count from the loader's second thread). */
    struct fault_store *root;
    _Atomic long calls; /* events so far */
    long fail_at;       /* the event that fails; 0 = none */
    bool count_rows;    /* rows delivered by *_each are events too */
    bool big;           /* max_ids adds BIG_ROWS invoices: reports take the parallel path */
    _Atomic long fired; /* faults returned */
    const char *fired_op;
    _Atomic int open_peers;
    struct fault_store *last_peer;
    bool in_txn;           /* this connection is inside a read or write transaction */
    const char *bare_scan; /* the first scan made outside any transaction, or NULL */
    /* Called before every event (a concurrent writer, in the snapshot test). */
    void (*before)(void *ctx, struct fault_store *fs, const char *op);
    void *before_ctx;
};

static struct fault_store *fs_of(struct owed_store *s) { return (struct fault_store *)s; }

/* Counts one event; true when it is the one to fail (the message goes to err). */
static bool fault(struct fault_store *fs, const char *op, struct owed_buf *err)
{
    struct fault_store *r = fs->root;
    long n = atomic_fetch_add(&r->calls, 1) + 1;
    if (r->before) r->before(r->before_ctx, fs, op);
    if (n != r->fail_at) return false;
    atomic_fetch_add(&r->fired, 1);
    r->fired_op = op;
    if (err) owed_buf_addf(err, "injected fault at call %ld (%s)", n, op);
    return true;
}

/* Scans should read one snapshot: inside a read (or write) transaction. */
static void note_scan(struct fault_store *fs, const char *op)
{
    if (!fs->in_txn && !fs->root->bare_scan) fs->root->bare_scan = op;
}

#define FAULT(s, op, err)                                         \
    do {                                                          \
        if (fault(fs_of(s), op, err)) return OWED_E_STORE;        \
    } while (0)
#define REAL(s) (fs_of(s)->real)

static void f_close(struct owed_store *s)
{
    struct fault_store *fs = fs_of(s);
    if (fs->root != fs) {
        atomic_fetch_sub(&fs->root->open_peers, 1);
        if (fs->root->last_peer == fs) fs->root->last_peer = NULL;
    }
    owed_store_close(fs->real);
    free(fs);
}

static int f_migrate(struct owed_store *s, struct owed_buf *err)
{
    FAULT(s, "migrate", err);
    return REAL(s)->ops->migrate(REAL(s), err);
}

static int f_schema_version(struct owed_store *s, int *version, struct owed_buf *err)
{
    FAULT(s, "schema_version", err);
    return REAL(s)->ops->schema_version(REAL(s), version, err);
}

static int f_default_org(struct owed_store *s, int64_t *org_id, struct owed_buf *err)
{
    FAULT(s, "default_org", err);
    return REAL(s)->ops->default_org(REAL(s), org_id, err);
}

static int f_max_ids(struct owed_store *s, int64_t org, struct owed_store_max_ids *out,
                     struct owed_buf *err)
{
    FAULT(s, "max_ids", err);
    int rc = REAL(s)->ops->max_ids(REAL(s), org, out, err);
    if (rc == OWED_OK && fs_of(s)->root->big) out->invoices += BIG_ROWS;
    return rc;
}

static int f_open_peer(struct owed_store *s, struct owed_store **out, struct owed_buf *err)
{
    FAULT(s, "open_peer", err);
    struct owed_store *real = NULL;
    int rc = REAL(s)->ops->open_peer(REAL(s), &real, err);
    if (rc) return rc;
    struct fault_store *peer = owed_xcalloc(1, sizeof *peer);
    peer->base.ops = s->ops;
    peer->real = real;
    peer->root = fs_of(s)->root;
    atomic_fetch_add(&peer->root->open_peers, 1);
    peer->root->last_peer = peer;
    *out = &peer->base;
    return OWED_OK;
}

static int f_read_begin(struct owed_store *s, struct owed_buf *err)
{
    FAULT(s, "read_begin", err);
    int rc = REAL(s)->ops->read_begin(REAL(s), err);
    if (rc == OWED_OK) fs_of(s)->in_txn = true;
    return rc;
}

static void f_read_end(struct owed_store *s)
{
    REAL(s)->ops->read_end(REAL(s));
    fs_of(s)->in_txn = false;
}

static int f_high_water(struct owed_store *s, int64_t org, int64_t *out, struct owed_buf *err)
{
    FAULT(s, "high_water", err);
    return REAL(s)->ops->high_water(REAL(s), org, out, err);
}

static int f_begin(struct owed_store *s, struct owed_buf *err)
{
    FAULT(s, "begin", err);
    int rc = REAL(s)->ops->begin(REAL(s), err);
    if (rc == OWED_OK) fs_of(s)->in_txn = true;
    return rc;
}

static int f_commit(struct owed_store *s, struct owed_buf *err)
{
    FAULT(s, "commit", err);
    int rc = REAL(s)->ops->commit(REAL(s), err);
    if (rc == OWED_OK) fs_of(s)->in_txn = false;
    return rc;
}

static void f_rollback(struct owed_store *s)
{
    REAL(s)->ops->rollback(REAL(s));
    fs_of(s)->in_txn = false;
}

static int f_customer_get(struct owed_store *s, int64_t org, const char *ref,
                          struct owed_customer *out, struct owed_buf *err)
{
    FAULT(s, "customer_get", err);
    return REAL(s)->ops->customer_get(REAL(s), org, ref, out, err);
}

static int f_customer_insert(struct owed_store *s, int64_t org, struct owed_customer *c,
                             struct owed_buf *err)
{
    FAULT(s, "customer_insert", err);
    return REAL(s)->ops->customer_insert(REAL(s), org, c, err);
}

static int f_invoice_get(struct owed_store *s, int64_t org, const char *number,
                         struct owed_invoice *out, struct owed_buf *err)
{
    FAULT(s, "invoice_get", err);
    return REAL(s)->ops->invoice_get(REAL(s), org, number, out, err);
}

static int f_invoice_insert(struct owed_store *s, int64_t org, struct owed_invoice *inv,
                            struct owed_buf *err)
{
    FAULT(s, "invoice_insert", err);
    return REAL(s)->ops->invoice_insert(REAL(s), org, inv, err);
}

static int f_payment_get(struct owed_store *s, int64_t org, const char *ref,
                         struct owed_payment *out, struct owed_buf *err)
{
    FAULT(s, "payment_get", err);
    return REAL(s)->ops->payment_get(REAL(s), org, ref, out, err);
}

static int f_payment_insert(struct owed_store *s, int64_t org, struct owed_payment *p,
                            struct owed_buf *err)
{
    FAULT(s, "payment_insert", err);
    return REAL(s)->ops->payment_insert(REAL(s), org, p, err);
}

static int f_allocation_insert(struct owed_store *s, int64_t org, struct owed_allocation *a,
                               struct owed_buf *err)
{
    FAULT(s, "allocation_insert", err);
    return REAL(s)->ops->allocation_insert(REAL(s), org, a, err);
}

static int f_entry_append(struct owed_store *s, int64_t org, const struct owed_entry *e,
                          int64_t *entry_id, struct owed_buf *err)
{
    FAULT(s, "entry_append", err);
    return REAL(s)->ops->entry_append(REAL(s), org, e, entry_id, err);
}

/* Iterations: the callback is wrapped so that, with count_rows, a row can fail too. */
struct row_ctx {
    struct fault_store *fs;
    const char *op;
    struct owed_buf *err;
    void *ctx;
    owed_customer_fn customer;
    owed_invoice_fn invoice;
    owed_payment_fn payment;
    owed_allocation_fn allocation;
    owed_journal_line_fn line;
};

static bool row_fault(struct row_ctx *r)
{
    return r->fs->count_rows && fault(r->fs, r->op, r->err);
}

static int w_customer(void *ctx, const struct owed_customer *c)
{
    struct row_ctx *r = ctx;
    return row_fault(r) ? OWED_E_STORE : r->customer(r->ctx, c);
}

static int w_invoice(void *ctx, const struct owed_invoice *inv)
{
    struct row_ctx *r = ctx;
    return row_fault(r) ? OWED_E_STORE : r->invoice(r->ctx, inv);
}

static int w_payment(void *ctx, const struct owed_payment *p)
{
    struct row_ctx *r = ctx;
    return row_fault(r) ? OWED_E_STORE : r->payment(r->ctx, p);
}

static int w_allocation(void *ctx, const struct owed_allocation *a)
{
    struct row_ctx *r = ctx;
    return row_fault(r) ? OWED_E_STORE : r->allocation(r->ctx, a);
}

static int w_line(void *ctx, const struct owed_journal_line *l)
{
    struct row_ctx *r = ctx;
    return row_fault(r) ? OWED_E_STORE : r->line(r->ctx, l);
}

static int f_customers_each(struct owed_store *s, int64_t org, owed_customer_fn fn, void *ctx,
                            struct owed_buf *err)
{
    FAULT(s, "customers_each", err);
    note_scan(fs_of(s), "customers_each");
    struct row_ctx r = {.fs = fs_of(s), .op = "customers_each row", .err = err, .ctx = ctx,
                        .customer = fn};
    return REAL(s)->ops->customers_each(REAL(s), org, w_customer, &r, err);
}

static int f_invoices_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                           owed_invoice_fn fn, void *ctx, struct owed_buf *err)
{
    FAULT(s, "invoices_each", err);
    note_scan(fs_of(s), "invoices_each");
    struct row_ctx r = {.fs = fs_of(s), .op = "invoices_each row", .err = err, .ctx = ctx,
                        .invoice = fn};
    return REAL(s)->ops->invoices_each(REAL(s), org, f, w_invoice, &r, err);
}

static int f_payments_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                           owed_payment_fn fn, void *ctx, struct owed_buf *err)
{
    FAULT(s, "payments_each", err);
    note_scan(fs_of(s), "payments_each");
    struct row_ctx r = {.fs = fs_of(s), .op = "payments_each row", .err = err, .ctx = ctx,
                        .payment = fn};
    return REAL(s)->ops->payments_each(REAL(s), org, f, w_payment, &r, err);
}

static int f_allocations_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                              owed_allocation_fn fn, void *ctx, struct owed_buf *err)
{
    FAULT(s, "allocations_each", err);
    note_scan(fs_of(s), "allocations_each");
    struct row_ctx r = {.fs = fs_of(s), .op = "allocations_each row", .err = err, .ctx = ctx,
                        .allocation = fn};
    return REAL(s)->ops->allocations_each(REAL(s), org, f, w_allocation, &r, err);
}

static int f_journal_lines_each(struct owed_store *s, int64_t org, owed_journal_line_fn fn,
                                void *ctx, struct owed_buf *err)
{
    FAULT(s, "journal_lines_each", err);
    note_scan(fs_of(s), "journal_lines_each");
    struct row_ctx r = {.fs = fs_of(s), .op = "journal_lines_each row", .err = err, .ctx = ctx,
                        .line = fn};
    return REAL(s)->ops->journal_lines_each(REAL(s), org, w_line, &r, err);
}

/* The cash and bank operations: each can fail; scans wrap their rows like the others. */
#define FORWARD(name, params, args)                         \
    static int f_##name params                              \
    {                                                       \
        FAULT(s, #name, err);                               \
        return REAL(s)->ops->name args;                     \
    }
FORWARD(customer_get_id, (struct owed_store *s, int64_t org, int64_t id, struct owed_customer *out,
                          struct owed_buf *err), (REAL(s), org, id, out, err))
FORWARD(invoice_get_id, (struct owed_store *s, int64_t org, int64_t id, struct owed_invoice *out,
                         struct owed_buf *err), (REAL(s), org, id, out, err))
FORWARD(payment_get_id, (struct owed_store *s, int64_t org, int64_t id, struct owed_payment *out,
                         struct owed_buf *err), (REAL(s), org, id, out, err))
FORWARD(outflow_insert, (struct owed_store *s, int64_t org, struct owed_outflow *o,
                         struct owed_buf *err), (REAL(s), org, o, err))
FORWARD(org_settings_get, (struct owed_store *s, int64_t org, struct owed_org_settings *o,
                           struct owed_buf *err), (REAL(s), org, o, err))
FORWARD(org_settings_set, (struct owed_store *s, int64_t org, const struct owed_org_settings *o,
                           struct owed_buf *err), (REAL(s), org, o, err))
FORWARD(statement_insert, (struct owed_store *s, int64_t org, struct owed_stmt_rec *r,
                           struct owed_buf *err), (REAL(s), org, r, err))
FORWARD(entry_insert, (struct owed_store *s, int64_t org, struct owed_entry_rec *r,
                       struct owed_buf *err), (REAL(s), org, r, err))
FORWARD(entry_get, (struct owed_store *s, int64_t org, int64_t id, struct owed_entry_rec *r,
                    struct owed_buf *err), (REAL(s), org, id, r, err))
FORWARD(entry_update, (struct owed_store *s, int64_t org, const struct owed_entry_rec *r,
                       struct owed_buf *err), (REAL(s), org, r, err))
FORWARD(entries_each, (struct owed_store *s, int64_t org, int status, owed_entry_rec_fn fn,
                       void *ctx, struct owed_buf *err), (REAL(s), org, status, fn, ctx, err))
FORWARD(payer_learn, (struct owed_store *s, int64_t org, const char *key, int64_t customer_id,
                      struct owed_buf *err), (REAL(s), org, key, customer_id, err))
FORWARD(payers_each, (struct owed_store *s, int64_t org, owed_payer_fn fn, void *ctx,
                      struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(csv_map_save, (struct owed_store *s, int64_t org, const char *name, const char *json,
                       struct owed_buf *err), (REAL(s), org, name, json, err))
FORWARD(csv_maps_each, (struct owed_store *s, int64_t org,
                        int (*fn)(void *, const char *, const char *), void *ctx,
                        struct owed_buf *err), (REAL(s), org, fn, ctx, err))
static int f_begin_relaxed(struct owed_store *s, struct owed_buf *err)
{
    FAULT(s, "begin_relaxed", err);
    int rc = REAL(s)->ops->begin_relaxed(REAL(s), err);
    if (rc == OWED_OK) fs_of(s)->in_txn = true;
    return rc;
}
FORWARD(idem_claim, (struct owed_store *s, int64_t org, const char *key, struct owed_buf *err),
        (REAL(s), org, key, err))
FORWARD(outflows_each, (struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                        owed_outflow_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), org, f, fn, ctx, err))

/* The collections operations (issue 5). */
FORWARD(item_insert, (struct owed_store *s, int64_t org, struct owed_item *it,
                      struct owed_buf *err), (REAL(s), org, it, err))
FORWARD(item_update, (struct owed_store *s, int64_t org, const struct owed_item *it,
                      struct owed_buf *err), (REAL(s), org, it, err))
FORWARD(item_get, (struct owed_store *s, int64_t org, int64_t id, struct owed_item *out,
                   struct owed_buf *err), (REAL(s), org, id, out, err))
FORWARD(items_each, (struct owed_store *s, int64_t org, const struct owed_item_filter *f,
                     owed_item_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), org, f, fn, ctx, err))
FORWARD(policy_save, (struct owed_store *s, int64_t org, const char *name, const char *json,
                      struct owed_buf *err), (REAL(s), org, name, json, err))
FORWARD(policies_each, (struct owed_store *s, int64_t org, owed_pair_fn fn, void *ctx,
                        struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(policy_target_set, (struct owed_store *s, int64_t org, const char *target,
                            const char *policy, struct owed_buf *err),
        (REAL(s), org, target, policy, err))
FORWARD(policy_targets_each, (struct owed_store *s, int64_t org, owed_pair_fn fn, void *ctx,
                              struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(profile_set, (struct owed_store *s, int64_t org, const struct owed_profile *p,
                      struct owed_buf *err), (REAL(s), org, p, err))
FORWARD(profiles_each, (struct owed_store *s, int64_t org, owed_profile_fn fn, void *ctx,
                        struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(run_insert, (struct owed_store *s, int64_t org, struct owed_run_rec *r,
                     struct owed_buf *err), (REAL(s), org, r, err))
FORWARD(firing_insert, (struct owed_store *s, int64_t org, const struct owed_firing *f,
                        struct owed_buf *err), (REAL(s), org, f, err))
FORWARD(firings_each, (struct owed_store *s, int64_t org, owed_firing_fn fn, void *ctx,
                       struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(outbox_insert, (struct owed_store *s, int64_t org, struct owed_outbox_msg *m,
                        struct owed_buf *err), (REAL(s), org, m, err))
FORWARD(outbox_update, (struct owed_store *s, int64_t org, const struct owed_outbox_msg *m,
                        struct owed_buf *err), (REAL(s), org, m, err))
FORWARD(outbox_each, (struct owed_store *s, int64_t org, const struct owed_outbox_filter *f,
                      owed_outbox_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), org, f, fn, ctx, err))

/* The platform operations (issue 6). unlock never fails (like rollback: a recovery path). */
FORWARD(org_create, (struct owed_store *s, const char *name, int64_t *org_id,
                     struct owed_buf *err), (REAL(s), name, org_id, err))
FORWARD(orgs_each, (struct owed_store *s, owed_pair_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), fn, ctx, err))
FORWARD(user_insert, (struct owed_store *s, int64_t org, struct owed_user *u,
                      struct owed_buf *err), (REAL(s), org, u, err))
FORWARD(user_update, (struct owed_store *s, int64_t org, const struct owed_user *u,
                      struct owed_buf *err), (REAL(s), org, u, err))
FORWARD(user_get, (struct owed_store *s, int64_t org, int64_t id, struct owed_user *out,
                   struct owed_buf *err), (REAL(s), org, id, out, err))
FORWARD(user_find_email, (struct owed_store *s, const char *email, struct owed_user *out,
                          struct owed_buf *err), (REAL(s), email, out, err))
FORWARD(users_each, (struct owed_store *s, int64_t org, owed_user_fn fn, void *ctx,
                     struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(cred_insert, (struct owed_store *s, int64_t org, struct owed_cred *c,
                      struct owed_buf *err), (REAL(s), org, c, err))
FORWARD(cred_find, (struct owed_store *s, const char *hash, struct owed_cred *out,
                    struct owed_buf *err), (REAL(s), hash, out, err))
FORWARD(cred_revoke, (struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err),
        (REAL(s), org, id, err))
FORWARD(creds_each, (struct owed_store *s, int64_t org, int64_t user_id, int kind,
                     owed_cred_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), org, user_id, kind, fn, ctx, err))
FORWARD(audit_insert, (struct owed_store *s, int64_t org, struct owed_audit_rec *a,
                       struct owed_buf *err), (REAL(s), org, a, err))
FORWARD(audit_each, (struct owed_store *s, int64_t org, int64_t before_id, int limit,
                     owed_audit_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), org, before_id, limit, fn, ctx, err))
FORWARD(idem_insert, (struct owed_store *s, int64_t org, const struct owed_idem_rec *r,
                      struct owed_buf *err), (REAL(s), org, r, err))
FORWARD(idem_get, (struct owed_store *s, int64_t org, const char *key,
                   struct owed_idem_rec *out, struct owed_buf *err), (REAL(s), org, key, out, err))
FORWARD(idem_update, (struct owed_store *s, int64_t org, const struct owed_idem_rec *r,
                      struct owed_buf *err), (REAL(s), org, r, err))
FORWARD(webhook_insert, (struct owed_store *s, int64_t org, struct owed_webhook *w,
                         struct owed_buf *err), (REAL(s), org, w, err))
FORWARD(webhook_update, (struct owed_store *s, int64_t org, const struct owed_webhook *w,
                         struct owed_buf *err), (REAL(s), org, w, err))
FORWARD(webhook_delete, (struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err),
        (REAL(s), org, id, err))
FORWARD(webhook_get, (struct owed_store *s, int64_t org, int64_t id, struct owed_webhook *out,
                      struct owed_buf *err), (REAL(s), org, id, out, err))
FORWARD(webhooks_each, (struct owed_store *s, int64_t org, owed_webhook_fn fn, void *ctx,
                        struct owed_buf *err), (REAL(s), org, fn, ctx, err))
FORWARD(orgdoc_get, (struct owed_store *s, int64_t org, const char *key, struct owed_buf *json,
                     struct owed_buf *err), (REAL(s), org, key, json, err))
FORWARD(portal_events_each, (struct owed_store *s, int64_t org, int64_t customer_id,
                             owed_portal_event_fn fn, void *ctx, struct owed_buf *err),
        (REAL(s), org, customer_id, fn, ctx, err))
FORWARD(try_lock, (struct owed_store *s, const char *name, bool *got, struct owed_buf *err),
        (REAL(s), name, got, err))
static void f_unlock(struct owed_store *s, const char *name)
{
    REAL(s)->ops->unlock(REAL(s), name);
}

static const struct owed_store_ops fault_ops = {
    .name = "fault",
    .close = f_close,
    .migrate = f_migrate,
    .schema_version = f_schema_version,
    .default_org = f_default_org,
    .max_ids = f_max_ids,
    .open_peer = f_open_peer,
    .read_begin = f_read_begin,
    .read_end = f_read_end,
    .high_water = f_high_water,
    .begin = f_begin,
    .commit = f_commit,
    .rollback = f_rollback,
    .customer_get = f_customer_get,
    .customer_insert = f_customer_insert,
    .customers_each = f_customers_each,
    .invoice_get = f_invoice_get,
    .invoice_insert = f_invoice_insert,
    .invoices_each = f_invoices_each,
    .payment_get = f_payment_get,
    .payment_insert = f_payment_insert,
    .payments_each = f_payments_each,
    .allocation_insert = f_allocation_insert,
    .allocations_each = f_allocations_each,
    .entry_append = f_entry_append,
    .journal_lines_each = f_journal_lines_each,
    .customer_get_id = f_customer_get_id,
    .invoice_get_id = f_invoice_get_id,
    .payment_get_id = f_payment_get_id,
    .outflow_insert = f_outflow_insert,
    .outflows_each = f_outflows_each,
    .org_settings_get = f_org_settings_get,
    .org_settings_set = f_org_settings_set,
    .statement_insert = f_statement_insert,
    .entry_insert = f_entry_insert,
    .entry_get = f_entry_get,
    .entry_update = f_entry_update,
    .entries_each = f_entries_each,
    .payer_learn = f_payer_learn,
    .payers_each = f_payers_each,
    .csv_map_save = f_csv_map_save,
    .csv_maps_each = f_csv_maps_each,
    .idem_claim = f_idem_claim,
    .begin_relaxed = f_begin_relaxed,
    .item_insert = f_item_insert,
    .item_update = f_item_update,
    .item_get = f_item_get,
    .items_each = f_items_each,
    .policy_save = f_policy_save,
    .policies_each = f_policies_each,
    .policy_target_set = f_policy_target_set,
    .policy_targets_each = f_policy_targets_each,
    .profile_set = f_profile_set,
    .profiles_each = f_profiles_each,
    .run_insert = f_run_insert,
    .firing_insert = f_firing_insert,
    .firings_each = f_firings_each,
    .outbox_insert = f_outbox_insert,
    .outbox_update = f_outbox_update,
    .outbox_each = f_outbox_each,
    .org_create = f_org_create,
    .orgs_each = f_orgs_each,
    .user_insert = f_user_insert,
    .user_update = f_user_update,
    .user_get = f_user_get,
    .user_find_email = f_user_find_email,
    .users_each = f_users_each,
    .cred_insert = f_cred_insert,
    .cred_find = f_cred_find,
    .cred_revoke = f_cred_revoke,
    .creds_each = f_creds_each,
    .audit_insert = f_audit_insert,
    .audit_each = f_audit_each,
    .idem_insert = f_idem_insert,
    .idem_get = f_idem_get,
    .idem_update = f_idem_update,
    .webhook_insert = f_webhook_insert,
    .webhook_update = f_webhook_update,
    .webhook_delete = f_webhook_delete,
    .webhook_get = f_webhook_get,
    .webhooks_each = f_webhooks_each,
    .orgdoc_get = f_orgdoc_get,
    .portal_events_each = f_portal_events_each,
    .try_lock = f_try_lock,
    .unlock = f_unlock,
};

static struct fault_store *fault_open(const char *path)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_store *real = NULL;
    int rc = owed_store_open(path, true, &real, &err);
    if (rc == OWED_OK) rc = real->ops->migrate(real, &err);
    if (rc) print_error("open %s: %s\n", path, err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_release(&err);
    struct fault_store *fs = owed_xcalloc(1, sizeof *fs);
    fs->base.ops = &fault_ops;
    fs->real = real;
    fs->root = fs;
    return fs;
}

/* Resets the counter for the next run; fail_at 0 = no fault. */
static void arm(struct fault_store *fs, long fail_at, bool count_rows)
{
    fs->calls = 0;
    fs->fired = 0;
    fs->fired_op = NULL;
    fs->bare_scan = NULL;
    fs->fail_at = fail_at;
    fs->count_rows = count_rows;
}

/* Problems a test meets are collected (each once) and fail it at the end, so that one run
 * lists them all. */
static struct owed_buf known_bugs = OWED_BUF_INIT(0);

static void known_bug(const char *fmt, ...) OWED_PRINTF(1, 2);

static void known_bug(const char *fmt, ...)
{
    struct owed_buf msg = OWED_BUF_INIT(0);
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    owed_buf_addc(&msg, '\n');
    if (!strstr(known_bugs.ptr, msg.ptr)) owed_buf_add(&known_bugs, msg.ptr, msg.len);
    owed_buf_release(&msg);
}

static void settle_known_bugs(void)
{
    if (!known_bugs.len) return;
    print_error("BUG(S):\n%s", known_bugs.ptr);
    owed_buf_release(&known_bugs);
    fail();
}

/* ---- fixture: a temporary directory with the CSV files and database snapshots ---- */

static const char customers_csv[] =
    "customer_ref,name,email,currency,terms,credit_limit\n"
    "C1,\"Acme, Inc.\",ap@acme.example,USD,NET30,50000.00\n"
    "C2,Café Zürich GmbH,,EUR,2/10 NET30,\n"
    "C3,Kyoto Trading,,JPY,EOM30,5000000\n"
    "C4,Bob Supplies,,USD,DUE,\n"
    "C5,Gulf Traders,,KWD,NET45,\n";

static const char invoices_csv[] =
    "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number\n"
    "INV-01,C1,2026-01-05,,USD,1000.00,PO-1\n"
    "INV-02,C1,2026-01-20,2026-02-20,USD,250.50,\n"
    "INV-03,C1,2026-02-01,,,75.25,\n"
    "INV-04,C1,2026-03-01,,USD,3000.00,PO-7\n"
    "INV-05,C1,2026-04-15,2026-04-15,USD,12.34,\n"
    "INV-06,C2,2026-01-10,,EUR,500.00,\n"
    "INV-07,C2,2026-02-10,,EUR,20.00,\n"
    "INV-08,C2,2026-03-10,2026-05-01,EUR,999.99,\"PO, with comma\"\n"
    "INV-09,C3,2026-01-31,,JPY,150000,\n"
    "INV-10,C3,2026-02-28,,JPY,234567,\n"
    "INV-11,C3,2026-03-15,,,50000,\n"
    "INV-12,C4,2026-01-01,,USD,45.50,\n"
    "INV-13,C4,2026-02-01,,USD,100.00,\n"
    "INV-14,C4,2026-03-01,,USD,0.01,\n"
    "INV-15,C5,2026-01-15,,KWD,1325.625,\n"
    "INV-16,C5,2026-02-15,,KWD,0.500,\n"
    "INV-17,C1,2026-05-01,,USD,800.00,\n"
    "INV-18,C2,2026-05-02,,EUR,1.00,\n"
    "INV-19,C3,2026-05-03,,JPY,7,\n"
    "INV-20,C4,2026-05-04,,USD,60.00,\n";

/* Applied in full, in part, twice to one invoice, to an invoice already paid, unapplied,
 * and one (P04) paying more than its invoice. */
static const char payments_csv[] =
    "payment_ref,customer_ref,received_date,amount,currency,method,reference,invoice_number\n"
    "P01,C1,2026-02-01,1000.00,USD,ach,full,INV-01\n"
    "P02,C1,2026-02-10,100.00,USD,wire,part,INV-02\n"
    "P03,C1,2026-02-11,150.50,USD,check,rest,INV-02\n"
    "P04,C1,2026-03-01,100.00,USD,card,overpays,INV-03\n"
    "P05,C1,2026-03-02,50.00,USD,,on account,\n"
    "P06,C1,2026-03-03,10.00,USD,ach,already paid,INV-02\n"
    "P07,C2,2026-02-01,500.00,EUR,sepa,,INV-06\n"
    "P08,C2,2026-03-15,10.00,EUR,sepa,part,INV-08\n"
    "P09,C2,2026-03-16,30.00,,sepa,on account,\n"
    "P10,C3,2026-03-01,150000,JPY,wire,,INV-09\n"
    "P11,C3,2026-03-20,1000,JPY,wire,part,INV-11\n"
    "P12,C4,2026-02-15,45.50,USD,cash,,INV-12\n"
    "P13,C4,2026-03-05,20.00,USD,other,on account,\n"
    "P14,C5,2026-02-01,1000.000,KWD,wire,part,INV-15\n"
    "P15,C5,2026-02-20,0.500,KWD,wire,,INV-16\n";

/* Every cash command once, in an order where each row is valid (docs/cash.md). */
static const char movements_csv[] =
    "action,ref,customer_ref,invoice_number,amount,currency,date,method,channel,reference,"
    "rule,reason,fee\n"
    "pay,M1,C1,INV-04,3000.00,,2026-03-05,wire,bank,,,,\n"
    "write-off,,,INV-13,,,2026-03-10,,,,,insolvent,\n"
    "pay,M2,C4,,100.00,,2026-03-06,ach,,,oldest,,\n"
    "credit-note,CN-1,,INV-05,,,2026-04-20,,,,,damaged,\n"
    "credit-note,CN-2,C2,,15.00,,2026-04-21,,,,,goodwill,\n"
    "refund,P05,,,20.00,,2026-03-12,,,,,overpaid,\n"
    "reverse,P12,,,,,2026-03-20,,,,,returned,5.00\n"
    "unapply,P02,,INV-02,,,2026-03-21,,,,,,\n"
    "apply,P09,,INV-08,,,,,,,,,\n";

/* A statement: a credit naming its invoice (posted), one nobody can place, a debit. */
static const char bank_csv[] =
    "account,statement_id,entry_ref,booking_date,value_date,amount,currency,end_to_end,"
    "counterparty_name,counterparty_account,remittance\n"
    "US001,S1,E1,2026-05-20,2026-05-20,800.00,USD,,\"Acme, Inc.\",,Invoice INV-17\n"
    "US001,S1,E2,2026-05-21,2026-05-21,123.45,USD,,Stranger,,hello\n"
    "US001,S1,E3,2026-05-21,2026-05-21,-9.99,USD,,Bank,,fee\n";

/* What a concurrent writer adds in the snapshot test. */
static const char extra_csv[] =
    "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number\n"
    "INV-99,C1,2026-03-20,,USD,99.00,\n";

struct fixture {
    char dir[64];
    char db[320];       /* the SQLite file, or the PostgreSQL URL of the database pg_name */
    char pg_prefix[64]; /* owed_faults_PID: the databases' names start with it */
    char pg_name[96];   /* the working database; "" on SQLite */
    char customers[128], invoices[128], payments[128], extra[128], movements[128], bank[128];
    int64_t org;
    /* database files (after close, so no WAL) at each stage; on PostgreSQL the name of the
     * database that keeps the stage */
    struct owed_buf snap_customers, snap_invoices, snap_payments;
    /* digests of those stages */
    struct owed_buf dig_customers, dig_invoices, dig_payments;
};

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void read_file(const char *path, struct owed_buf *out)
{
    owed_buf_reset(out);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(out, chunk, n);
    assert_int_equal(ferror(f), 0);
    fclose(f);
    assert_int_equal(owed_buf_err(out), 0);
}

/* ---- PostgreSQL: databases as the snapshots ---- */

/* A copy is CREATE DATABASE ... TEMPLATE, and a connection to it tens of milliseconds of
 * server time; the import tests need a copy, and connections to it, per fault. So while the
 * test works on one copy, the next PG_SPARES copies of the same stage are under way, each
 * under a new name on a connection of its own, with a thread that waits for it and opens
 * the digests' store on it; the copy done with is dropped on another connection
 * (pg_dropper), without waiting. (More than one spare did not help on a 2-core machine: the
 * server's CPU is the bottleneck there.) The working database is PREFIX_wN, N counting the
 * copies; a stage is kept as PREFIX_STAGE. */
enum { PG_SPARES = 1 };
static char pg_base[256];  /* "" on SQLite */
static PGconn *pg_admin;   /* BASE/postgres: drops, and copies made on the spot */
static PGconn *pg_dropper; /* BASE/postgres: drops the copy done with, in the background */
static bool pg_dropping;
static unsigned pg_copies;
/* The store digests read through, kept open until the database is dropped: the import
 * tests digest twice per copy. */
static struct owed_store *pg_reader;

/* The next copies, oldest first from pg_next: made on their maker connection (BASE/postgres),
 * then a thread opens their reader. */
struct pg_spare {
    PGconn *maker;
    char name[96], of[96]; /* "" when none is under way; its template */
    pthread_t thread;
    struct owed_store *reader;
    struct owed_buf err; /* what failed, "" when all went well */
};
static struct pg_spare pg_spares[PG_SPARES];
static int pg_next;

static void pg_reader_close(void)
{
    owed_store_close(pg_reader);
    pg_reader = NULL;
}

/* BASE/NAME, keeping any ?parameters of the base URL at the end. */
static void pg_url(char *dst, size_t cap, const char *name)
{
    size_t n = strcspn(pg_base, "?");
    size_t host = n;
    while (host > 0 && pg_base[host - 1] == '/') host--;
    snprintf(dst, cap, "%.*s/%s%s", (int)host, pg_base, name, pg_base + n);
}

static PGconn *pg_connect_admin(void)
{
    char url[320];
    pg_url(url, sizeof url, "postgres");
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        print_error("cannot connect to %s: %s", url, PQerrorMessage(c));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

/* Reads $OWED_PG_STATE/url and connects to BASE/postgres; false on SQLite (unset). */
static bool pg_init(void)
{
    const char *state = getenv("OWED_PG_STATE");
    if (!state || !*state) return false;
    char path[512];
    snprintf(path, sizeof path, "%s/url", state);
    FILE *f = fopen(path, "r");
    if (!f) print_error("OWED_PG_STATE: cannot read %s: %s\n", path, strerror(errno));
    assert_non_null(f);
    if (!fgets(pg_base, sizeof pg_base, f)) pg_base[0] = '\0';
    fclose(f);
    pg_base[strcspn(pg_base, " \t\r\n")] = '\0';
    if (strncmp(pg_base, "postgresql://", 13) != 0 && strncmp(pg_base, "postgres://", 11) != 0)
        print_error("%s holds no postgresql:// URL: '%s'\n", path, pg_base);
    assert_true(strncmp(pg_base, "postgres", 8) == 0);
    pg_admin = pg_connect_admin();
    pg_dropper = pg_connect_admin();
    for (int i = 0; i < PG_SPARES; i++) {
        pg_spares[i].maker = pg_connect_admin();
        owed_buf_init(&pg_spares[i].err, 0);
    }
    return true;
}

static void pg_admin_exec(const char *fmt, ...) OWED_PRINTF(1, 2);

static void pg_admin_exec(const char *fmt, ...)
{
    struct owed_buf sql = OWED_BUF_INIT(0);
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(&sql, fmt, ap);
    va_end(ap);
    PGresult *r = PQexec(pg_admin, sql.ptr);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) print_error("%s: %s", sql.ptr, PQresultErrorMessage(r));
    PQclear(r);
    owed_buf_release(&sql);
    assert_true(ok);
}

/* Collects the results of a statement sent with PQsendQuery; false (and the message in
 * err) when it failed. */
static bool pg_collect(PGconn *c, const char *what, struct owed_buf *err)
{
    PGresult *r;
    bool ok = true;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            owed_buf_addf(err, "%s: %s", what, PQresultErrorMessage(r));
            ok = false;
        }
        PQclear(r);
    }
    return ok;
}

/* Waits until no server process is attached to the database. A store's server process
 * exits a moment after PQfinish returns, and DROP DATABASE and CREATE DATABASE ... TEMPLATE
 * wait for it in rounds of 100 ms (erroring out after 5 s). */
static void pg_wait_idle(const char *name)
{
    for (int i = 0; i < 5000; i++) {
        PGresult *r = PQexecParams(pg_admin,
                                   "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                                   1, NULL, &name, NULL, NULL, 0);
        bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        bool idle = ok && strcmp(PQgetvalue(r, 0, 0), "0") == 0;
        if (!ok) print_error("pg_stat_activity: %s", PQresultErrorMessage(r));
        PQclear(r);
        assert_true(ok);
        if (idle) return;
        usleep(1000);
    }
}

static void pg_drop(const char *name)
{
    pg_wait_idle(name);
    pg_admin_exec("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
}

/* Waits for the drop under way on pg_dropper. */
static void pg_drop_finish(void)
{
    if (!pg_dropping) return;
    pg_dropping = false;
    struct owed_buf err = OWED_BUF_INIT(0);
    bool ok = pg_collect(pg_dropper, "DROP DATABASE", &err);
    if (!ok) print_error("%s", err.ptr);
    owed_buf_release(&err);
    assert_true(ok);
}

/* Drops a database no store uses any more, in the background (FORCE: its server processes
 * may still be on their way out). */
static void pg_drop_later(const char *name)
{
    pg_drop_finish();
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    if (!PQsendQuery(pg_dropper, sql)) print_error("%s: %s", sql, PQerrorMessage(pg_dropper));
    pg_dropping = true;
}

/* A copy of a database, made now (no other connection may be open on the template). */
static void pg_copy(const char *name, const char *template)
{
    pg_reader_close();
    pg_wait_idle(template);
    pg_admin_exec("CREATE DATABASE \"%s\" TEMPLATE \"%s\"", name, template);
}

/* A spare's thread: waits for its CREATE DATABASE, then opens its reader. */
static void *pg_spare_main(void *arg)
{
    struct pg_spare *sp = arg;
    if (!pg_collect(sp->maker, "CREATE DATABASE", &sp->err)) return NULL;
    char url[320];
    pg_url(url, sizeof url, sp->name);
    if (owed_store_open(url, false, &sp->reader, &sp->err) != OWED_OK) sp->reader = NULL;
    return NULL;
}

/* Starts a copy of a stage in a free spare. */
static void pg_spare_start(struct pg_spare *sp, const struct fixture *fx, const char *template)
{
    snprintf(sp->name, sizeof sp->name, "%s_w%u", fx->pg_prefix, ++pg_copies);
    snprintf(sp->of, sizeof sp->of, "%s", template);
    owed_buf_reset(&sp->err);
    sp->reader = NULL;
    pg_wait_idle(template);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" TEMPLATE \"%s\"", sp->name, template);
    int sent = PQsendQuery(sp->maker, sql);
    if (!sent) print_error("%s: %s", sql, PQerrorMessage(sp->maker));
    assert_true(sent);
    assert_int_equal(pthread_create(&sp->thread, NULL, pg_spare_main, sp), 0);
}

/* Waits for a spare: afterwards it exists with its reader open. */
static void pg_spare_finish(struct pg_spare *sp)
{
    assert_int_equal(pthread_join(sp->thread, NULL), 0);
    if (sp->err.len) print_error("copy %s of %s: %s\n", sp->name, sp->of, sp->err.ptr);
    assert_int_equal(sp->err.len, 0);
}

/* Drops every spare (made from another stage than the one wanted now, or at the end). */
static void pg_spares_drop(void)
{
    for (int i = 0; i < PG_SPARES; i++) {
        struct pg_spare *sp = &pg_spares[i];
        if (!sp->name[0]) continue;
        pg_spare_finish(sp);
        owed_store_close(sp->reader);
        sp->reader = NULL;
        pg_drop(sp->name);
        sp->name[0] = '\0';
    }
    pg_next = 0;
}

static void pg_use(struct fixture *fx, const char *name)
{
    snprintf(fx->pg_name, sizeof fx->pg_name, "%s", name);
    pg_url(fx->db, sizeof fx->db, fx->pg_name);
}

/* The stage's database: a copy of the working one, made while no store is open on it. */
static void pg_snapshot(const struct fixture *fx, const char *stage, struct owed_buf *snap)
{
    owed_buf_reset(snap);
    owed_buf_addf(snap, "%s_%s", fx->pg_prefix, stage);
    pg_admin_exec("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", snap->ptr);
    pg_copy(snap->ptr, fx->pg_name);
}

static void remove_db(const struct fixture *fx)
{
    if (fx->pg_name[0]) {
        pg_reader_close();
        pg_drop_finish();
        pg_drop(fx->pg_name);
        return;
    }
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(suffixes); i++) {
        char p[sizeof fx->db + 16];
        snprintf(p, sizeof p, "%s%s", fx->db, suffixes[i]);
        if (remove(p) != 0) assert_int_equal(errno, ENOENT);
    }
}

/* A fresh copy of a stage. On SQLite the file is written anew under open connections (if
 * any). On PostgreSQL every store must be closed: the copy done with is dropped, and the
 * fresh copy has a new name (fx->db). */
static void restore(struct fixture *fx, const struct owed_buf *snap)
{
    if (!fx->pg_name[0]) {
        remove_db(fx);
        write_file(fx->db, snap->ptr, snap->len);
        return;
    }
    pg_reader_close();
    pg_drop_later(fx->pg_name);
    struct pg_spare *sp = &pg_spares[pg_next];
    if (!sp->name[0] || strcmp(sp->of, snap->ptr) != 0) {
        pg_spares_drop(); /* of another stage: start afresh */
        sp = &pg_spares[pg_next];
        for (int i = 0; i < PG_SPARES; i++) pg_spare_start(&pg_spares[i], fx, snap->ptr);
    }
    pg_spare_finish(sp);
    pg_use(fx, sp->name);
    pg_reader = sp->reader;
    sp->reader = NULL;
    pg_spare_start(sp, fx, snap->ptr); /* the next but PG_SPARES - 1 */
    pg_next = (pg_next + 1) % PG_SPARES;
}

/* What a user can see: the aging detail and summary (CSV, far in the future so every
 * document counts) and the ledger check, read through a connection of its own (on
 * PostgreSQL one per copy of the database: pg_reader). The check must pass. */
static void digest(const struct fixture *fx, struct owed_buf *out)
{
    owed_buf_reset(out);
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_store *s = fx->pg_name[0] ? pg_reader : NULL;
    if (!s) {
        int rc = owed_store_open(fx->db, false, &s, &err);
        if (rc) print_error("digest: open %s: %s\n", fx->db, err.ptr);
        assert_int_equal(rc, OWED_OK);
        if (fx->pg_name[0]) pg_reader = s;
    }
    struct owed_aging_opts ao;
    owed_aging_opts_default(&ao, owed_date_from_ymd(2099, 12, 31));
    int rc = owed_report_aging(s, fx->org, &ao, true, OWED_FORMAT_CSV, out, &err);
    if (rc == OWED_OK) rc = owed_report_aging(s, fx->org, &ao, false, OWED_FORMAT_CSV, out, &err);
    if (rc) print_error("digest: aging: %s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    struct owed_buf check = OWED_BUF_INIT(0);
    rc = owed_ledger_check(s, fx->org, &check, &err);
    if (rc) print_error("digest: check: %s\n%s", err.ptr, check.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_add(out, check.ptr, check.len);
    owed_buf_reset(&check);
    rc = owed_bank_entries_csv(s, fx->org, 0, &check, &err);
    if (rc) print_error("digest: bank entries: %s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_add(out, check.ptr, check.len);
    /* What dunning has done: the outbox, and what a later run would still send. */
    owed_buf_reset(&check);
    rc = owed_outbox_list(s, fx->org, 0, 0, &check, &err);
    if (!rc) rc = owed_dunning_preview(s, fx->org, owed_date_from_ymd(2026, 12, 31),
                                       OWED_FORMAT_JSON, &check, &err);
    if (rc) print_error("digest: dunning: %s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_add(out, check.ptr, check.len);
    owed_buf_release(&check);
    owed_buf_release(&err);
    if (s != pg_reader) owed_store_close(s);
}

static void assert_same(const struct owed_buf *want, const struct owed_buf *got, const char *what,
                        long n)
{
    if (want->len == got->len && memcmp(want->ptr, got->ptr, want->len) == 0) return;
    print_error("%s (fault at %ld): database changed\n--- before\n%s--- after\n%s", what, n,
                want->ptr, got->ptr);
    fail();
}

/* Beyond the CSV kinds: the movements import and a bank statement import. */
#define KIND_MOVEMENTS ((enum owed_import_kind)101)
#define KIND_BANK ((enum owed_import_kind)102)
#define KIND_DUNNING ((enum owed_import_kind)103) /* a dunning run: firings, outbox, fees */

static int import(struct owed_store *s, int64_t org, enum owed_import_kind kind,
                  const char *path, struct owed_import_result *res, struct owed_buf *err)
{
    struct owed_import_opts opts;
    memset(&opts, 0, sizeof opts);
    if (kind == KIND_MOVEMENTS) {
        struct owed_buf out = OWED_BUF_INIT(0);
        int rc = owed_import_movements(s, org, path, owed_date_from_ymd(2026, 6, 30), &opts, res,
                                       &out, err);
        owed_buf_release(&out);
        return rc;
    }
    if (kind == KIND_DUNNING) {
        struct owed_buf out = OWED_BUF_INIT(0);
        struct owed_run_result r;
        int rc = owed_dunning_run(s, org, owed_date_from_ymd(2026, 4, 20), 1776643200000,
                                  OWED_FORMAT_TABLE, &r, &out, err);
        owed_buf_release(&out);
        memset(res, 0, sizeof *res);
        res->inserted = (long)r.messages;
        return rc;
    }
    if (kind == KIND_BANK) {
        struct owed_bank_import_result b;
        int rc = owed_bank_import(s, org, path, NULL, &b, err);
        memset(res, 0, sizeof *res);
        res->inserted = b.inserted;
        res->unchanged = b.duplicates;
        res->unapplied = b.matched * 1000 + b.review * 100 + b.unmatched * 10 + b.ignored;
        return rc;
    }
    return owed_import_file(s, org, kind, path, &opts, res, err);
}

/* Imports with a plain store, then closes it and keeps the file (the database) as a
 * snapshot. */
static void stage(struct fixture *fx, enum owed_import_kind kind, const char *name,
                  const char *path, struct owed_buf *snap, struct owed_buf *dig)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_store *s = NULL;
    int rc = owed_store_open(fx->db, true, &s, &err);
    if (!rc) rc = s->ops->migrate(s, &err);
    if (!rc) rc = s->ops->default_org(s, &fx->org, &err);
    struct owed_import_result res;
    if (!rc) rc = import(s, fx->org, kind, path, &res, &err);
    if (!rc && kind == OWED_IMPORT_PAYMENTS) { /* the dunning run's emails need a sender */
        struct owed_org_changes ch = {.mail_from = "AR <ar@example.com>"};
        rc = owed_org_set(s, fx->org, &ch, &err);
    }
    if (rc) print_error("stage %s: %s\n", path, err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_store_close(s);
    owed_buf_release(&err);
    owed_buf_init(snap, 0);
    if (fx->pg_name[0])
        pg_snapshot(fx, name, snap);
    else
        read_file(fx->db, snap);
    owed_buf_init(dig, 0);
    digest(fx, dig);
}

static int setup(void **state)
{
    struct fixture *fx = owed_xcalloc(1, sizeof *fx);
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->dir, sizeof fx->dir, "%s/owed-faults-XXXXXX",
             tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(fx->dir)) {
        print_error("mkdtemp %s: %s\n", fx->dir, strerror(errno));
        free(fx);
        return -1;
    }
    if (pg_init()) {
        snprintf(fx->pg_prefix, sizeof fx->pg_prefix, "owed_faults_%ld", (long)getpid());
        char name[96];
        snprintf(name, sizeof name, "%s_w%u", fx->pg_prefix, ++pg_copies);
        pg_use(fx, name);
        pg_admin_exec("CREATE DATABASE \"%s\"", fx->pg_name);
    } else {
        snprintf(fx->db, sizeof fx->db, "%s/owed.db", fx->dir);
    }
    snprintf(fx->customers, sizeof fx->customers, "%s/customers.csv", fx->dir);
    snprintf(fx->invoices, sizeof fx->invoices, "%s/invoices.csv", fx->dir);
    snprintf(fx->payments, sizeof fx->payments, "%s/payments.csv", fx->dir);
    snprintf(fx->extra, sizeof fx->extra, "%s/extra.csv", fx->dir);
    snprintf(fx->movements, sizeof fx->movements, "%s/movements.csv", fx->dir);
    snprintf(fx->bank, sizeof fx->bank, "%s/bank.csv", fx->dir);
    write_file(fx->movements, movements_csv, sizeof movements_csv - 1);
    write_file(fx->bank, bank_csv, sizeof bank_csv - 1);
    write_file(fx->customers, customers_csv, sizeof customers_csv - 1);
    write_file(fx->invoices, invoices_csv, sizeof invoices_csv - 1);
    write_file(fx->payments, payments_csv, sizeof payments_csv - 1);
    write_file(fx->extra, extra_csv, sizeof extra_csv - 1);
    stage(fx, OWED_IMPORT_CUSTOMERS, "customers", fx->customers, &fx->snap_customers,
          &fx->dig_customers);
    stage(fx, OWED_IMPORT_INVOICES, "invoices", fx->invoices, &fx->snap_invoices,
          &fx->dig_invoices);
    stage(fx, OWED_IMPORT_PAYMENTS, "payments", fx->payments, &fx->snap_payments,
          &fx->dig_payments);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    remove_db(fx);
    if (fx->pg_name[0]) {
        pg_spares_drop();
        struct owed_buf *snaps[] = {&fx->snap_customers, &fx->snap_invoices, &fx->snap_payments};
        for (size_t i = 0; i < OWED_ARRAY_LEN(snaps); i++)
            if (snaps[i]->len) pg_drop(snaps[i]->ptr);
        pg_drop_finish();
        for (int i = 0; i < PG_SPARES; i++) {
            owed_buf_release(&pg_spares[i].err);
            PQfinish(pg_spares[i].maker);
            pg_spares[i].maker = NULL;
        }
        PQfinish(pg_dropper);
        PQfinish(pg_admin);
        pg_dropper = pg_admin = NULL;
    }
    remove(fx->customers);
    remove(fx->invoices);
    remove(fx->payments);
    remove(fx->extra);
    remove(fx->movements);
    remove(fx->bank);
    rmdir(fx->dir);
    struct owed_buf *bufs[] = {&fx->snap_customers, &fx->snap_invoices, &fx->snap_payments,
                               &fx->dig_customers,  &fx->dig_invoices,  &fx->dig_payments};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bufs); i++) owed_buf_release(bufs[i]);
    free(fx);
    return 0;
}

/* ---- imports ---- */

/* One file imported onto `before` (whose digest is dig_before; dig_after is the state a
 * successful import gives), with the fault at every call in turn. */
static void import_under_faults(struct fixture *fx, enum owed_import_kind kind, const char *path,
                                const struct owed_buf *before, const struct owed_buf *dig_before,
                                const struct owed_buf *dig_after)
{
    struct owed_buf err = OWED_BUF_INIT(0), dig = OWED_BUF_INIT(0);
    struct owed_import_result res, clean;

    /* The clean run counts the calls. */
    restore(fx, before);
    struct fault_store *fs = fault_open(fx->db);
    arm(fs, 0, true);
    int rc = import(&fs->base, fx->org, kind, path, &clean, &err);
    if (rc) print_error("clean import %s: %s\n", path, err.ptr);
    assert_int_equal(rc, OWED_OK);
    long total = fs->calls;
    assert_true(total > 2);
    f_close(&fs->base);
    digest(fx, &dig);
    struct owed_buf clean_dig = OWED_BUF_INIT(0);
    if (!dig_after) {
        owed_buf_add(&clean_dig, dig.ptr, dig.len);
        dig_after = &clean_dig;
        assert_false(dig_before->len == dig.len && !memcmp(dig_before->ptr, dig.ptr, dig.len));
    }
    assert_same(dig_after, &dig, path, 0);

    for (long n = 1; n <= total; n++) {
        restore(fx, before);
        fs = fault_open(fx->db);
        arm(fs, n, true);
        owed_buf_reset(&err);
        rc = import(&fs->base, fx->org, kind, path, &res, &err);
        if (rc == OWED_OK || fs->fired != 1)
            print_error("%s: fault at %ld of %ld: rc %d, fired %ld\n", path, n, total, rc,
                        fs->fired);
        assert_int_equal(fs->fired, 1);
        assert_int_not_equal(rc, OWED_OK);
        assert_int_equal(rc, OWED_E_STORE);
        if (!strstr(err.ptr, "injected fault"))
            print_error("%s: fault at %ld: message lost: '%s'\n", path, n, err.ptr);
        assert_non_null(strstr(err.ptr, "injected fault"));
        assert_false(fs->in_txn); /* rolled back */
        digest(fx, &dig);
        assert_same(dig_before, &dig, path, n);

        /* The same store, no fault: nothing of the failed run may linger. */
        arm(fs, 0, true);
        owed_buf_reset(&err);
        rc = import(&fs->base, fx->org, kind, path, &res, &err);
        if (rc) print_error("%s: retry after fault at %ld: %s\n", path, n, err.ptr);
        assert_int_equal(rc, OWED_OK);
        assert_int_equal(res.inserted, clean.inserted);
        assert_int_equal(res.unchanged, clean.unchanged);
        assert_int_equal(res.unapplied, clean.unapplied);
        f_close(&fs->base);
        digest(fx, &dig);
        assert_same(dig_after, &dig, path, n);
    }
    owed_buf_release(&clean_dig);
    owed_buf_release(&err);
    owed_buf_release(&dig);
}

static void check_import(void **state, enum owed_import_kind kind)
{
    struct fixture *fx = *state;
    bool inv = kind == OWED_IMPORT_INVOICES;
    const char *path = inv ? fx->invoices : fx->payments;
    const struct owed_buf *before = inv ? &fx->snap_customers : &fx->snap_invoices;
    const struct owed_buf *after = inv ? &fx->snap_invoices : &fx->snap_payments;
    const struct owed_buf *dig_before = inv ? &fx->dig_customers : &fx->dig_invoices;
    const struct owed_buf *dig_after = inv ? &fx->dig_invoices : &fx->dig_payments;
    assert_false(dig_before->len == dig_after->len &&
                 memcmp(dig_before->ptr, dig_after->ptr, dig_before->len) == 0);
    /* First import, then a re-import onto the imported state (every row "unchanged"). */
    import_under_faults(fx, kind, path, before, dig_before, dig_after);
    import_under_faults(fx, kind, path, after, dig_after, dig_after);
}

/* Rows count as events here: with them, every N still reaches every call of the ops table
 * (the run is the same up to the fault), and also every row of the customer scan. */
static void test_import_invoices(void **state) { check_import(state, OWED_IMPORT_INVOICES); }
static void test_import_payments(void **state) { check_import(state, OWED_IMPORT_PAYMENTS); }

/* Every cash command (the movements import) and a bank statement import, with the fault at
 * every call in turn: each run that fails leaves the database as it was. */
static void test_import_movements(void **state)
{
    struct fixture *fx = *state;
    import_under_faults(fx, KIND_MOVEMENTS, fx->movements, &fx->snap_payments, &fx->dig_payments,
                        NULL);
}

static void test_import_bank(void **state)
{
    struct fixture *fx = *state;
    import_under_faults(fx, KIND_BANK, fx->bank, &fx->snap_payments, &fx->dig_payments, NULL);
}

/* A dunning run is one transaction too: a fault anywhere leaves no firing, no message and
 * no fee behind. */
static void test_dunning_run(void **state)
{
    struct fixture *fx = *state;
    import_under_faults(fx, KIND_DUNNING, "dunning run", &fx->snap_payments, &fx->dig_payments,
                        NULL);
}

/* No fault: the counts are as written above, and a re-import changes nothing. */
static void test_import_clean(void **state)
{
    struct fixture *fx = *state;
    struct owed_buf err = OWED_BUF_INIT(0), dig = OWED_BUF_INIT(0);
    struct owed_import_result res;
    restore(fx, &fx->snap_customers);
    struct fault_store *fs = fault_open(fx->db);
    arm(fs, 0, true);
    assert_int_equal(import(&fs->base, fx->org, OWED_IMPORT_INVOICES, fx->invoices, &res, &err),
                     OWED_OK);
    assert_int_equal(res.rows, 20);
    assert_int_equal(res.inserted, 20);
    assert_int_equal(res.rejected, 0);
    assert_int_equal(import(&fs->base, fx->org, OWED_IMPORT_PAYMENTS, fx->payments, &res, &err),
                     OWED_OK);
    assert_int_equal(res.rows, 15);
    assert_int_equal(res.inserted, 15);
    assert_int_equal(res.rejected, 0);
    /* P04 overpays, P06 finds its invoice paid, P05 P09 P13 name no invoice. */
    assert_int_equal(res.unapplied, 5);
    digest(fx, &dig);
    assert_same(&fx->dig_payments, &dig, "clean import", 0);
    assert_non_null(strstr(dig.ptr, "ledger ok: 46 journal entries"));

    for (int k = OWED_IMPORT_CUSTOMERS; k <= OWED_IMPORT_PAYMENTS; k++) {
        const char *path = k == OWED_IMPORT_CUSTOMERS ? fx->customers
                           : k == OWED_IMPORT_INVOICES ? fx->invoices
                                                       : fx->payments;
        int rc = import(&fs->base, fx->org, (enum owed_import_kind)k, path, &res, &err);
        if (rc) print_error("re-import %s: %s\n", path, err.ptr);
        assert_int_equal(rc, OWED_OK);
        assert_int_equal(res.inserted, 0);
        assert_int_equal(res.unchanged, res.rows);
        assert_int_equal(res.rejected, 0);
        digest(fx, &dig);
        assert_same(&fx->dig_payments, &dig, path, 0);
    }
    f_close(&fs->base);
    owed_buf_release(&err);
    owed_buf_release(&dig);
}

/* ---- reports ---- */

enum report {
    R_AGING_DETAIL_CSV,
    R_AGING_SUMMARY_TABLE,
    R_AGING_DETAIL_JSON,
    R_KPI_TABLE,
    R_KPI_JSON,
    R_CUSTOMER,
    R_CHECK,
    R_COUNT
};

static const char *const report_names[R_COUNT] = {
    "aging detail csv", "aging summary table", "aging detail json", "kpi table",
    "kpi json",         "customer C1",         "check",
};

static int run_report(struct owed_store *s, int64_t org, enum report r, struct owed_buf *out,
                      struct owed_buf *err)
{
    owed_date as_of = owed_date_from_ymd(2026, 3, 31);
    struct owed_aging_opts ao;
    owed_aging_opts_default(&ao, as_of);
    switch (r) {
    case R_AGING_DETAIL_CSV:
        return owed_report_aging(s, org, &ao, true, OWED_FORMAT_CSV, out, err);
    case R_AGING_SUMMARY_TABLE:
        return owed_report_aging(s, org, &ao, false, OWED_FORMAT_TABLE, out, err);
    case R_AGING_DETAIL_JSON:
        return owed_report_aging(s, org, &ao, true, OWED_FORMAT_JSON, out, err);
    case R_KPI_TABLE:
        return owed_report_kpi(s, org, as_of, 90, OWED_FORMAT_TABLE, out, err);
    case R_KPI_JSON:
        return owed_report_kpi(s, org, as_of, 90, OWED_FORMAT_JSON, out, err);
    case R_CUSTOMER:
        return owed_report_customer(s, org, "C1", as_of, OWED_FORMAT_TABLE, out, err);
    case R_CHECK:
        return owed_ledger_check(s, org, out, err);
    case R_COUNT:
        break;
    }
    fail();
    return OWED_E_INVALID;
}

static bool is_snapshot_setup(const char *op)
{
    return op && (strcmp(op, "open_peer") == 0 || strcmp(op, "read_begin") == 0 ||
                  strcmp(op, "high_water") == 0);
}

/* After a faulted report: nothing may stay open. What did is recorded and cleaned up so
 * that the rest of the run means something. */
static void after_report_fault(struct fault_store *fs, const char *name, long n)
{
    bool leaked_peer = atomic_load(&fs->open_peers) > 0;
    if (leaked_peer) {
        known_bug("book_load.c:224: when %s fails after the peer snapshot was taken, "
                  "owed_book_load returns without read_end on either connection and without "
                  "closing the peer (a leaked connection and two open read transactions)",
                  fs->fired_op);
        while (fs->last_peer) f_close(&fs->last_peer->base);
    }
    if (fs->in_txn) {
        if (!leaked_peer)
                known_bug("%s: a read transaction is left open after %s fails (fault at %ld)",
                      name, fs->fired_op, n);
        f_read_end(&fs->base);
    }
}

static void reports_under_faults(void **state, bool count_rows, bool big)
{
    struct fixture *fx = *state;
    restore(fx, &fx->snap_payments);
    struct fault_store *fs = fault_open(fx->db);
    fs->big = big;
    struct owed_buf err = OWED_BUF_INIT(0), want = OWED_BUF_INIT(0), out = OWED_BUF_INIT(0);
    /* The parallel path exists only in owed_book_load (aging, kpi). */
    int nreports = big ? R_CUSTOMER : R_COUNT;
    for (int r = 0; r < nreports; r++) {
        const char *name = report_names[r];
        owed_buf_reset(&want);
        owed_buf_reset(&err);
        arm(fs, 0, count_rows);
        int rc = run_report(&fs->base, fx->org, (enum report)r, &want, &err);
        if (rc) print_error("%s: %s\n", name, err.ptr);
        assert_int_equal(rc, OWED_OK);
        assert_false(fs->in_txn);
        assert_int_equal(atomic_load(&fs->open_peers), 0);
        long total = fs->calls;
        assert_true(total > 0);
        for (long n = 1; n <= total; n++) {
            owed_buf_reset(&out);
            owed_buf_reset(&err);
            arm(fs, n, count_rows);
            rc = run_report(&fs->base, fx->org, (enum report)r, &out, &err);
            if (fs->fired != 1)
                print_error("%s: fault at %ld of %ld (rows %d, big %d): rc %d, fired %ld\n",
                            name, n, total, count_rows, big, rc, (long)fs->fired);
            assert_int_equal(fs->fired, 1);
            after_report_fault(fs, name, n);
            if (rc == OWED_OK) {
                /* Only a failed attempt at the parallel snapshot may be absorbed: the load
                 * retries, or goes on alone. The report must still be whole. */
                if (!big || !is_snapshot_setup(fs->fired_op))
                    print_error("%s: fault at %ld (%s) swallowed\n", name, n, fs->fired_op);
                assert_true(big && is_snapshot_setup(fs->fired_op));
                assert_same(&want, &out, name, n);
                if (fs->bare_scan)
                    known_bug("book_load.c:221: when no peer snapshot can be had (%s failed), "
                              "owed_book_load reads without any read transaction: the tables "
                              "come from different snapshots (begin one on s instead)",
                              fs->fired_op);
            } else {
                assert_int_equal(rc, OWED_E_STORE);
                if (!strstr(err.ptr, "injected fault"))
                    print_error("%s: fault at %ld: message lost: '%s'\n", name, n, err.ptr);
                assert_non_null(strstr(err.ptr, "injected fault"));
            }
            /* No read transaction or statement left open: the next run is whole. */
            owed_buf_reset(&out);
            owed_buf_reset(&err);
            arm(fs, 0, count_rows);
            rc = run_report(&fs->base, fx->org, (enum report)r, &out, &err);
            if (rc) print_error("%s: after fault at %ld: %s\n", name, n, err.ptr);
            assert_int_equal(rc, OWED_OK);
            assert_int_equal(fs->calls, total);
            assert_same(&want, &out, name, n);
        }
    }
    /* Reports read only: nothing changed. */
    f_close(&fs->base);
    digest(fx, &out);
    assert_same(&fx->dig_payments, &out, "reports", 0);
    owed_buf_release(&err);
    owed_buf_release(&want);
    owed_buf_release(&out);
    settle_known_bugs();
}

static void test_reports(void **state) { reports_under_faults(state, false, false); }
static void test_reports_rows(void **state) { reports_under_faults(state, true, false); }
/* max_ids says the book is large, so owed_book_load opens a peer and a second thread. */
static void test_reports_parallel(void **state) { reports_under_faults(state, false, true); }
static void test_reports_parallel_rows(void **state) { reports_under_faults(state, true, true); }

/* ---- snapshots ---- */

struct writer {
    const struct fixture *fx;
    const char *at_op; /* writes once, just before this call on the report's connection */
    bool done;
};

static void concurrent_import(void *ctx, struct fault_store *fs, const char *op)
{
    struct writer *w = ctx;
    if (w->done || fs != fs->root || strcmp(op, w->at_op) != 0) return;
    w->done = true;
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_store *s = NULL;
    struct owed_import_result res;
    int rc = owed_store_open(w->fx->db, false, &s, &err);
    if (!rc) rc = import(s, w->fx->org, OWED_IMPORT_INVOICES, w->fx->extra, &res, &err);
    if (rc) print_error("concurrent import: %s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_store_close(s);
    owed_buf_release(&err);
}

/* A report reads several tables; it must read them on one snapshot, or a write that
 * commits in between shows up in some tables and not others. */
static void test_reports_one_snapshot(void **state)
{
    struct fixture *fx = *state;
    restore(fx, &fx->snap_payments);
    struct fault_store *fs = fault_open(fx->db);
    struct owed_buf err = OWED_BUF_INIT(0), out = OWED_BUF_INIT(0);
    for (int r = 0; r < R_COUNT; r++) {
        owed_buf_reset(&out);
        arm(fs, 0, false);
        assert_int_equal(run_report(&fs->base, fx->org, (enum report)r, &out, &err), OWED_OK);
        if (fs->bare_scan)
            known_bug("%s: %s runs outside any read transaction, so the report's scans can "
                      "see different snapshots",
                      report_names[r], fs->bare_scan);
    }
    /* The concrete failure: an import commits between the journal scan and the invoice
     * scan of `owed check`. */
    struct writer w = {fx, "invoices_each", false};
    fs->before = concurrent_import;
    fs->before_ctx = &w;
    owed_buf_reset(&out);
    arm(fs, 0, false);
    int rc = owed_ledger_check(&fs->base, fx->org, &out, &err);
    fs->before = NULL;
    assert_true(w.done);
    if (rc != OWED_OK)
        known_bug("check.c:231: owed_ledger_check reads the journal and the documents in "
                  "separate statements with no read transaction; an import committing in "
                  "between yields a false breach (rc %d): %s",
                  rc, out.ptr);
    f_close(&fs->base);
    owed_buf_release(&err);
    owed_buf_release(&out);
    settle_known_bugs();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import_clean),
        cmocka_unit_test(test_import_invoices),
        cmocka_unit_test(test_import_payments),
        cmocka_unit_test(test_import_movements),
        cmocka_unit_test(test_import_bank),
        cmocka_unit_test(test_dunning_run),
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_reports_rows),
        cmocka_unit_test(test_reports_parallel),
        cmocka_unit_test(test_reports_parallel_rows),
        cmocka_unit_test(test_reports_one_snapshot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
