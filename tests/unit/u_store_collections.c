/* The store operations of schema v4 (the collections workflow, issue 5), called directly:
 * the same expectations on every backend. SQLite (a temporary file) always; PostgreSQL too
 * when OWED_PG_STATE names a server of tests/pg/pg-start.sh (a database
 * owed_store_collections_PID is created on it, made afresh for every test, and dropped at
 * the end).
 *
 * Checked: the round trip of every column; ids from 1 per organization, independent
 * between organizations, and given again after a rollback; created_at as ISO 8601 UTC
 * seconds; each filter of items_each and outbox_each on its own; upserts that overwrite;
 * deleting a policy target; the order of every listing (text in byte order); a firing seen
 * before is OWED_E_EXISTS, writes nothing and leaves the transaction able to commit; an
 * update of a missing row is OWED_E_NOT_FOUND; a store call from inside a listing's
 * callback; all the organization settings; and two writers of one organization on two
 * connections, which take turns, so that the second one's ids follow the first one's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "store/store.h"

/* ---- backends ---- */

enum { SQLITE = 0, PG = 1 };

static char pg_base[256];   /* "" without PostgreSQL */
static char pg_db_url[320]; /* BASE/owed_store_collections_PID */
static char pg_db_name[64];
static char sqlite_path[512];

/* Runs one statement on a libpq connection to url; fails the test when it fails. */
static void pg_run(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) print_error("%s: %s", url, PQerrorMessage(c));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) print_error("%s: %s", sql, PQresultErrorMessage(r));
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static void pg_admin(const char *sql)
{
    char url[320];
    size_t n = strcspn(pg_base, "?");
    while (n > 0 && pg_base[n - 1] == '/') n--;
    snprintf(url, sizeof url, "%.*s/postgres", (int)n, pg_base);
    pg_run(url, sql);
}

static void remove_sqlite_files(void)
{
    char p[600];
    unlink(sqlite_path);
    snprintf(p, sizeof p, "%s-wal", sqlite_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", sqlite_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", sqlite_path);
    unlink(p);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(sqlite_path, sizeof sqlite_path, "%s/owed_store_collections_%ld.db",
             tmp && *tmp ? tmp : "/tmp", (long)getpid());
    const char *dir = getenv("OWED_PG_STATE");
    if (!dir || !*dir) return 0;
    char path[512];
    snprintf(path, sizeof path, "%s/url", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        print_error("OWED_PG_STATE: cannot read %s\n", path);
        return -1;
    }
    if (!fgets(pg_base, sizeof pg_base, f)) pg_base[0] = '\0';
    fclose(f);
    pg_base[strcspn(pg_base, " \t\r\n")] = '\0';
    size_t n = strcspn(pg_base, "?");
    while (n > 0 && pg_base[n - 1] == '/') n--;
    snprintf(pg_db_name, sizeof pg_db_name, "owed_store_collections_%ld", (long)getpid());
    snprintf(pg_db_url, sizeof pg_db_url, "%.*s/%s", (int)n, pg_base, pg_db_name);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_sqlite_files();
    if (!pg_base[0]) return 0;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pg_db_name);
    pg_admin(sql);
    return 0;
}

/* Each test runs on every backend, on a fresh schema. */
static int nbackends(void) { return pg_base[0] ? 2 : 1; }

static const char *backend_name(int backend) { return backend == PG ? "postgres" : "sqlite"; }

static const char *store_url(int backend) { return backend == PG ? pg_db_url : sqlite_path; }

static struct owed_store *open_store(int backend)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_store *s = NULL;
    if (backend == PG) {
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pg_db_name);
        pg_admin(sql);
        snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", pg_db_name);
        pg_admin(sql);
    } else {
        remove_sqlite_files();
    }
    int rc = owed_store_open(store_url(backend), true, &s, &err);
    if (rc == OWED_OK) rc = s->ops->migrate(s, &err);
    if (rc) print_error("open %s: %s\n", backend_name(backend), err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_string_equal(s->ops->name, backend_name(backend));
    int version = 0;
    assert_int_equal(s->ops->schema_version(s, &version, NULL), OWED_OK);
    assert_true(version >= 4);
    owed_buf_release(&err);
    return s;
}

static void close_store(struct owed_store *s)
{
    owed_store_close(s);
}

/* A second organization: no store operation makes one, so it goes in through the backend's
 * own client, outside the store (which is between transactions then). */
static void add_org(int backend, int64_t org)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO orgs (org_id, name, created_at) VALUES (%lld, 'Org %lld',"
             " '2026-01-01T00:00:00.000Z')",
             (long long)org, (long long)org);
    if (backend == PG) {
        pg_run(pg_db_url, sql);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(sqlite_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) print_error("%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(db);
}

#define OK(call)                                                                            \
    do {                                                                                    \
        struct owed_buf e_ = OWED_BUF_INIT(0);                                              \
        int rc_ = (call);                                                                   \
        if (rc_) print_error("%s: %s (%s)\n", #call, owed_rc_name(rc_), e_.ptr);            \
        owed_buf_release(&e_);                                                              \
        assert_int_equal(rc_, OWED_OK);                                                     \
    } while (0)
/* The calls below pass `E` as their error buffer. */
#define E (&e_)

/* "2026-11-23T10:00:00Z": ISO 8601, UTC, whole seconds. */
static void expect_iso_utc(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(t) != sizeof shape - 1) print_error("not ISO 8601 UTC: \"%s\"\n", t);
    assert_int_equal(strlen(t), sizeof shape - 1);
    for (size_t i = 0; shape[i]; i++) {
        bool ok = shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i];
        if (!ok) print_error("not ISO 8601 UTC: \"%s\"\n", t);
        assert_true(ok);
    }
    assert_true(strncmp(t, "2020", 4) > 0);
}

/* ---- listings as text, one line per row ---- */

static int on_item_line(void *ctx, const struct owed_item *it)
{
    owed_buf_addf(ctx, "%lld:k%d:p%lld:c%lld:i%lld:s%d:%s\n", (long long)it->id, (int)it->kind,
                  (long long)it->parent_id, (long long)it->customer_id,
                  (long long)it->invoice_id, (int)it->status, it->code);
    return OWED_OK;
}

static int on_pair_line(void *ctx, const char *a, const char *b)
{
    owed_buf_addf(ctx, "%s=%s\n", a, b);
    return OWED_OK;
}

static int on_profile_line(void *ctx, const struct owed_profile *p)
{
    owed_buf_addf(ctx, "%lld|%s|%s|%s|%s\n", (long long)p->customer_id, p->segment, p->lang,
                  p->phone, p->address);
    return OWED_OK;
}

static int on_firing_line(void *ctx, const struct owed_firing *f)
{
    owed_buf_addf(ctx, "%lld:%s:s%d:r%lld:m%lld:%d\n", (long long)f->invoice_id, f->step,
                  f->severity, (long long)f->run_id, (long long)f->message_id, (int)f->fired_on);
    return OWED_OK;
}

static int on_outbox_line(void *ctx, const struct owed_outbox_msg *m)
{
    owed_buf_addf(ctx, "%lld:r%lld:c%lld:ch%d:%s:s%d:a%d:n%lld\n", (long long)m->id,
                  (long long)m->run_id, (long long)m->customer_id, m->channel, m->step,
                  (int)m->status, m->attempts, (long long)m->next_attempt);
    return OWED_OK;
}

/* Every field of one message, the borrowed texts included (read during the callback). */
static int on_outbox_full(void *ctx, const struct owed_outbox_msg *m)
{
    owed_buf_addf(ctx, "%lld|%s|%s|%s|%s|%s|%s\n", (long long)m->id, m->recipient, m->subject,
                  m->body, m->last_error, m->sent_at, m->created_at);
    return OWED_OK;
}

static int stop_after_first(void *ctx, const struct owed_item *it)
{
    (void)it;
    ++*(int *)ctx;
    return OWED_E_EXISTS;
}

/* ---- collection items ---- */

static void fill_item(struct owed_item *it, enum owed_item_kind kind, int64_t customer_id,
                      int64_t invoice_id, int64_t parent_id, enum owed_item_status status,
                      const char *code)
{
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->customer_id = customer_id;
    it->invoice_id = invoice_id;
    it->parent_id = parent_id;
    it->status = status;
    snprintf(it->code, sizeof it->code, "%s", code);
}

static void expect_item(const struct owed_item *got, const struct owed_item *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->kind, want->kind);
    assert_int_equal(got->parent_id, want->parent_id);
    assert_int_equal(got->customer_id, want->customer_id);
    assert_int_equal(got->invoice_id, want->invoice_id);
    assert_int_equal(got->status, want->status);
    assert_string_equal(got->code, want->code);
    assert_int_equal(got->amount_minor, want->amount_minor);
    assert_string_equal(got->currency, want->currency);
    assert_int_equal(got->date1, want->date1);
    assert_int_equal(got->opened_on, want->opened_on);
    assert_int_equal(got->date2, want->date2);
    assert_string_equal(got->body, want->body);
    assert_string_equal(got->created_at, want->created_at);
}

/* From inside items_each: the item again, by id. */
struct nested {
    struct owed_store *s;
    struct owed_buf out;
};

static int on_nested_item(void *ctx, const struct owed_item *it)
{
    struct nested *n = ctx;
    struct owed_item again;
    int rc = n->s->ops->item_get(n->s, 1, it->id, &again, NULL);
    if (!rc) owed_buf_addf(&n->out, "%lld=%lld:%s\n", (long long)it->id, (long long)again.id,
                           again.code);
    return rc;
}

static void items_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_item hold, dispute, plan, inst1, inst2, note, got;
    OK(s->ops->begin(s, E));
    fill_item(&hold, OWED_ITEM_HOLD, 10, 0, 0, OWED_ST_OPEN, "legal");
    OK(s->ops->item_insert(s, 1, &hold, E));
    assert_int_equal(hold.id, 1);
    expect_iso_utc(hold.created_at);

    fill_item(&dispute, OWED_ITEM_DISPUTE, 10, 100, 0, OWED_ST_INVESTIGATING, "pricing");
    dispute.amount_minor = -123456789012345;
    snprintf(dispute.currency, sizeof dispute.currency, "EUR");
    dispute.date1 = 20400;
    dispute.opened_on = 20399;
    dispute.date2 = 0;
    /* Characters COPY or SQL would mangle must come back as they were. */
    snprintf(dispute.body, sizeof dispute.body,
             "Caf\xc3\xa9 says: \"wrong price\"\tline\nnext \\N back\\slash 'quote' %%s");
    OK(s->ops->item_insert(s, 1, &dispute, E));
    assert_int_equal(dispute.id, 2);

    fill_item(&plan, OWED_ITEM_PLAN, 20, 200, 0, OWED_ST_OPEN, "");
    plan.amount_minor = 90000;
    snprintf(plan.currency, sizeof plan.currency, "USD");
    OK(s->ops->item_insert(s, 1, &plan, E));
    fill_item(&inst1, OWED_ITEM_INSTALLMENT, 20, 200, plan.id, OWED_ST_OPEN, "1");
    inst1.date1 = 20500;
    OK(s->ops->item_insert(s, 1, &inst1, E));
    fill_item(&inst2, OWED_ITEM_INSTALLMENT, 20, 200, plan.id, OWED_ST_COMPLETED, "2");
    inst2.date1 = 20530;
    OK(s->ops->item_insert(s, 1, &inst2, E));
    fill_item(&note, OWED_ITEM_NOTE, 10, 0, 0, OWED_ST_DONE, "");
    memset(note.body, 'x', OWED_ITEM_BODY_MAX); /* the longest body */
    note.body[OWED_ITEM_BODY_MAX] = '\0';
    OK(s->ops->item_insert(s, 1, &note, E));
    assert_int_equal(note.id, 6);

    /* Seen in the transaction that wrote them. */
    OK(s->ops->item_get(s, 1, dispute.id, &got, E));
    expect_item(&got, &dispute);
    OK(s->ops->commit(s, E));

    OK(s->ops->item_get(s, 1, hold.id, &got, E));
    expect_item(&got, &hold);
    OK(s->ops->item_get(s, 1, dispute.id, &got, E));
    expect_item(&got, &dispute);
    OK(s->ops->item_get(s, 1, inst1.id, &got, E));
    expect_item(&got, &inst1);
    OK(s->ops->item_get(s, 1, note.id, &got, E));
    expect_item(&got, &note);
    assert_int_equal(s->ops->item_get(s, 1, 99, &got, NULL), OWED_E_NOT_FOUND);
    assert_int_equal(s->ops->item_get(s, 2, 1, &got, NULL), OWED_E_NOT_FOUND);

    /* Update: status, code, amount, currency, dates and body; kind, customer, invoice,
     * parent and created_at stay. */
    OK(s->ops->begin(s, E));
    struct owed_item upd = dispute;
    upd.kind = OWED_ITEM_NOTE;
    upd.customer_id = 999;
    upd.invoice_id = 999;
    upd.parent_id = 999;
    upd.status = OWED_ST_RESOLVED_CREDIT;
    snprintf(upd.code, sizeof upd.code, "damaged");
    upd.amount_minor = 500;
    snprintf(upd.currency, sizeof upd.currency, "CHF");
    upd.date1 = 20401;
    upd.date2 = 20410;
    snprintf(upd.body, sizeof upd.body, "credited");
    snprintf(upd.created_at, sizeof upd.created_at, "1999-01-01T00:00:00Z");
    OK(s->ops->item_update(s, 1, &upd, E));
    OK(s->ops->item_get(s, 1, dispute.id, &got, E));
    dispute.status = upd.status;
    memcpy(dispute.code, upd.code, sizeof dispute.code);
    dispute.amount_minor = upd.amount_minor;
    memcpy(dispute.currency, upd.currency, sizeof dispute.currency);
    dispute.date1 = upd.date1;
    dispute.date2 = upd.date2;
    memcpy(dispute.body, upd.body, sizeof dispute.body);
    expect_item(&got, &dispute);
    upd.id = 99;
    assert_int_equal(s->ops->item_update(s, 1, &upd, NULL), OWED_E_NOT_FOUND);
    upd.id = dispute.id;
    assert_int_equal(s->ops->item_update(s, 2, &upd, NULL), OWED_E_NOT_FOUND);
    OK(s->ops->commit(s, E));
    OK(s->ops->item_get(s, 1, dispute.id, &got, E));
    expect_item(&got, &dispute);

    /* Listings, by id, with each filter on its own and some together. */
    struct owed_buf b = OWED_BUF_INIT(0);
    const char *all = "1:k1:p0:c10:i0:s1:legal\n"
                      "2:k2:p0:c10:i100:s4:damaged\n"
                      "3:k4:p0:c20:i200:s1:\n"
                      "4:k5:p3:c20:i200:s1:1\n"
                      "5:k5:p3:c20:i200:s9:2\n"
                      "6:k6:p0:c10:i0:s11:\n";
    OK(s->ops->items_each(s, 1, NULL, on_item_line, &b, E));
    assert_string_equal(b.ptr, all);
    struct owed_item_filter f = {0};
    owed_buf_reset(&b);
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, all);
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.kind = OWED_ITEM_INSTALLMENT};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "4:k5:p3:c20:i200:s1:1\n5:k5:p3:c20:i200:s9:2\n");
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.customer_id = 10};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "1:k1:p0:c10:i0:s1:legal\n2:k2:p0:c10:i100:s4:damaged\n"
                               "6:k6:p0:c10:i0:s11:\n");
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.invoice_id = 100};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "2:k2:p0:c10:i100:s4:damaged\n");
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.parent_id = plan.id};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "4:k5:p3:c20:i200:s1:1\n5:k5:p3:c20:i200:s9:2\n");
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.live_only = true};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "1:k1:p0:c10:i0:s1:legal\n3:k4:p0:c20:i200:s1:\n"
                               "4:k5:p3:c20:i200:s1:1\n");
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.kind = OWED_ITEM_INSTALLMENT, .customer_id = 20,
                                  .invoice_id = 200, .parent_id = plan.id, .live_only = true};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "4:k5:p3:c20:i200:s1:1\n");
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.kind = OWED_ITEM_HOLD, .invoice_id = 100};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "");
    owed_buf_reset(&b);
    OK(s->ops->items_each(s, 2, NULL, on_item_line, &b, E));
    assert_string_equal(b.ptr, "");
    /* A live item of the investigating status counts too. */
    upd = dispute;
    upd.status = OWED_ST_INVESTIGATING;
    OK(s->ops->begin(s, E));
    OK(s->ops->item_update(s, 1, &upd, E));
    owed_buf_reset(&b);
    f = (struct owed_item_filter){.live_only = true, .customer_id = 10};
    OK(s->ops->items_each(s, 1, &f, on_item_line, &b, E));
    assert_string_equal(b.ptr, "1:k1:p0:c10:i0:s1:legal\n2:k2:p0:c10:i100:s2:damaged\n");
    s->ops->rollback(s);

    /* A callback's code stops the listing and is returned. */
    int calls = 0;
    assert_int_equal(s->ops->items_each(s, 1, NULL, stop_after_first, &calls, NULL),
                     OWED_E_EXISTS);
    assert_int_equal(calls, 1);
    /* A store call from inside the callback. */
    struct nested n = {.s = s, .out = OWED_BUF_INIT(0)};
    f = (struct owed_item_filter){.customer_id = 20};
    OK(s->ops->items_each(s, 1, &f, on_nested_item, &n, E));
    assert_string_equal(n.out.ptr, "3=3:\n4=4:1\n5=5:2\n");
    owed_buf_release(&n.out);

    /* A rolled-back insert gives its id back. */
    OK(s->ops->begin(s, E));
    struct owed_item gone;
    fill_item(&gone, OWED_ITEM_CALL, 10, 0, 0, OWED_ST_DONE, "no_answer");
    OK(s->ops->item_insert(s, 1, &gone, E));
    assert_int_equal(gone.id, 7);
    s->ops->rollback(s);
    assert_int_equal(s->ops->item_get(s, 1, 7, &got, NULL), OWED_E_NOT_FOUND);
    OK(s->ops->begin(s, E));
    OK(s->ops->item_insert(s, 1, &gone, E));
    assert_int_equal(gone.id, 7);
    OK(s->ops->commit(s, E));
    owed_buf_release(&b);
    close_store(s);
}

static void test_items(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) items_on(i);
}

/* ---- policies, targets, profiles ---- */

static void policies_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->policies_each(s, 1, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "");
    OK(s->ops->policy_targets_each(s, 1, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "");

    OK(s->ops->begin(s, E));
    OK(s->ops->policy_save(s, 1, "standard", "{\"steps\":[]}", E));
    OK(s->ops->policy_save(s, 1, "Gentle", "{\"v\":1}", E));
    OK(s->ops->policy_save(s, 1, "\xc3\x89" "lite", "{\"v\":\"\xc3\xa9\"}", E));
    OK(s->ops->policy_save(s, 1, "standard", "{\"steps\":[1]}", E)); /* overwritten */
    OK(s->ops->policy_target_set(s, 1, "default", "standard", E));
    OK(s->ops->policy_target_set(s, 1, "segment:vip", "Gentle", E));
    OK(s->ops->policy_target_set(s, 1, "customer:C-1", "standard", E));
    OK(s->ops->policy_target_set(s, 1, "customer:B-2", "Gentle", E));
    OK(s->ops->policy_target_set(s, 1, "default", "\xc3\x89" "lite", E)); /* overwritten */
    OK(s->ops->policy_target_set(s, 1, "customer:C-1", NULL, E));        /* deleted */
    OK(s->ops->policy_target_set(s, 1, "customer:none", NULL, E));       /* nothing to delete */
    /* Seen in the transaction that wrote them. */
    OK(s->ops->policies_each(s, 1, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "Gentle={\"v\":1}\nstandard={\"steps\":[1]}\n"
                               "\xc3\x89" "lite={\"v\":\"\xc3\xa9\"}\n");
    OK(s->ops->commit(s, E));

    /* Byte order, as SQLite sorts (not the server's collation). */
    owed_buf_reset(&b);
    OK(s->ops->policies_each(s, 1, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "Gentle={\"v\":1}\nstandard={\"steps\":[1]}\n"
                               "\xc3\x89" "lite={\"v\":\"\xc3\xa9\"}\n");
    owed_buf_reset(&b);
    OK(s->ops->policy_targets_each(s, 1, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "customer:B-2=Gentle\ndefault=\xc3\x89" "lite\n"
                               "segment:vip=Gentle\n");
    owed_buf_reset(&b);
    OK(s->ops->policies_each(s, 2, on_pair_line, &b, E));
    OK(s->ops->policy_targets_each(s, 2, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "");

    /* Profiles: upserted, listed by customer id. */
    OK(s->ops->begin(s, E));
    struct owed_profile p = {.customer_id = 30};
    snprintf(p.segment, sizeof p.segment, "vip");
    snprintf(p.lang, sizeof p.lang, "de");
    snprintf(p.phone, sizeof p.phone, "+49 30 123456");
    snprintf(p.address, sizeof p.address, "Hauptstra\xc3\x9f" "e 1\n10115 Berlin");
    OK(s->ops->profile_set(s, 1, &p, E));
    struct owed_profile q = {.customer_id = 4};
    OK(s->ops->profile_set(s, 1, &q, E)); /* all empty */
    struct owed_profile r = {.customer_id = 12};
    snprintf(r.lang, sizeof r.lang, "fr");
    OK(s->ops->profile_set(s, 1, &r, E));
    snprintf(r.segment, sizeof r.segment, "smb");
    snprintf(r.lang, sizeof r.lang, "en");
    OK(s->ops->profile_set(s, 1, &r, E)); /* overwritten */
    OK(s->ops->commit(s, E));
    owed_buf_reset(&b);
    OK(s->ops->profiles_each(s, 1, on_profile_line, &b, E));
    assert_string_equal(b.ptr, "4||||\n12|smb|en||\n"
                               "30|vip|de|+49 30 123456|Hauptstra\xc3\x9f" "e 1\n10115 Berlin\n");
    owed_buf_reset(&b);
    OK(s->ops->profiles_each(s, 2, on_profile_line, &b, E));
    assert_string_equal(b.ptr, "");
    owed_buf_release(&b);
    close_store(s);
}

static void test_policies_and_profiles(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) policies_on(i);
}

/* ---- runs and firings ---- */

static void fill_firing(struct owed_firing *f, int64_t invoice_id, const char *step, int severity,
                        int64_t run_id, int64_t message_id, owed_date fired_on)
{
    memset(f, 0, sizeof *f);
    f->invoice_id = invoice_id;
    snprintf(f->step, sizeof f->step, "%s", step);
    f->severity = severity;
    f->run_id = run_id;
    f->message_id = message_id;
    f->fired_on = fired_on;
}

static void runs_and_firings_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    struct owed_run_rec r1 = {.as_of = 20500, .messages = 3, .firings = 4};
    OK(s->ops->run_insert(s, 1, &r1, E));
    assert_int_equal(r1.id, 1);
    expect_iso_utc(r1.created_at);
    struct owed_run_rec r2 = {.as_of = 20501};
    OK(s->ops->run_insert(s, 1, &r2, E));
    assert_int_equal(r2.id, 2);
    expect_iso_utc(r2.created_at);

    struct owed_firing f;
    fill_firing(&f, 5, "first", 0, r1.id, 1, 20500);
    OK(s->ops->firing_insert(s, 1, &f, E));
    fill_firing(&f, 2, "reminder", 1, r1.id, 2, 20500);
    OK(s->ops->firing_insert(s, 1, &f, E));
    fill_firing(&f, 2, "Final", 2, r1.id, 0, 20500);
    OK(s->ops->firing_insert(s, 1, &f, E));
    fill_firing(&f, 2, "plan1.due", 0, r1.id, 3, 20500);
    OK(s->ops->firing_insert(s, 1, &f, E));
    fill_firing(&f, 10, "thanks", 0, r1.id, 4, 20500);
    OK(s->ops->firing_insert(s, 1, &f, E));
    /* Fired before, in this transaction: OWED_E_EXISTS, and nothing changes. */
    fill_firing(&f, 5, "first", 7, r2.id, 99, 20501);
    assert_int_equal(s->ops->firing_insert(s, 1, &f, NULL), OWED_E_EXISTS);
    /* The transaction goes on: more writes, then it commits. */
    fill_firing(&f, 5, "second", 1, r2.id, 5, 20501);
    OK(s->ops->firing_insert(s, 1, &f, E));
    OK(s->ops->commit(s, E));

    /* Fired before, in an earlier transaction; the same step of another invoice fires. */
    OK(s->ops->begin(s, E));
    fill_firing(&f, 2, "reminder", 9, r2.id, 98, 20501);
    assert_int_equal(s->ops->firing_insert(s, 1, &f, NULL), OWED_E_EXISTS);
    fill_firing(&f, 3, "reminder", 1, r2.id, 6, 20501);
    OK(s->ops->firing_insert(s, 1, &f, E));
    struct owed_run_rec r3 = {.as_of = 20502, .messages = 1, .firings = 1};
    OK(s->ops->run_insert(s, 1, &r3, E));
    assert_int_equal(r3.id, 3);
    OK(s->ops->commit(s, E));

    /* By invoice id, then step in byte order. */
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->firings_each(s, 1, on_firing_line, &b, E));
    assert_string_equal(b.ptr, "2:Final:s2:r1:m0:20500\n"
                               "2:plan1.due:s0:r1:m3:20500\n"
                               "2:reminder:s1:r1:m2:20500\n"
                               "3:reminder:s1:r2:m6:20501\n"
                               "5:first:s0:r1:m1:20500\n"
                               "5:second:s1:r2:m5:20501\n"
                               "10:thanks:s0:r1:m4:20500\n");
    owed_buf_reset(&b);
    OK(s->ops->firings_each(s, 2, on_firing_line, &b, E));
    assert_string_equal(b.ptr, "");
    owed_buf_release(&b);
    close_store(s);
}

static void test_runs_and_firings(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) runs_and_firings_on(i);
}

/* ---- outbox ---- */

static void fill_msg(struct owed_outbox_msg *m, int64_t run_id, int64_t customer_id, int channel,
                     const char *step, enum owed_msg_status status, int64_t next_attempt)
{
    memset(m, 0, sizeof *m);
    m->run_id = run_id;
    m->customer_id = customer_id;
    m->channel = channel;
    snprintf(m->step, sizeof m->step, "%s", step);
    m->recipient = "ap@example.com";
    m->subject = "Reminder";
    m->body = "Please pay.";
    m->status = status;
    m->next_attempt = next_attempt;
}

static void outbox_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    struct owed_outbox_msg m1, m2, m3, m4, m5;
    fill_msg(&m1, 1, 10, 1, "reminder", OWED_MSG_QUEUED, 1000);
    m1.recipient = "Ren\xc3\xa9 <rene@example.com>";
    m1.subject = "Invoice INV-1: \"overdue\"\t(2)";
    m1.body = "Dear Ren\xc3\xa9,\r\n\r\nline \\N back\\slash 'q' %s\n";
    OK(s->ops->outbox_insert(s, 1, &m1, E));
    assert_int_equal(m1.id, 1);
    expect_iso_utc(m1.created_at);
    fill_msg(&m2, 1, 20, 2, "final", OWED_MSG_QUEUED, 2000);
    OK(s->ops->outbox_insert(s, 1, &m2, E));
    fill_msg(&m3, 2, 10, 1, "reminder", OWED_MSG_SENT, 0);
    snprintf(m3.last_error, sizeof m3.last_error, "none");
    m3.attempts = 1;
    OK(s->ops->outbox_insert(s, 1, &m3, E));
    fill_msg(&m4, 2, 20, 3, "letter", OWED_MSG_QUEUED, 0);
    m4.recipient = NULL; /* absent texts are stored empty */
    m4.subject = NULL;
    m4.body = NULL;
    OK(s->ops->outbox_insert(s, 1, &m4, E));
    fill_msg(&m5, 2, 30, 1, "first", OWED_MSG_FAILED, 500);
    OK(s->ops->outbox_insert(s, 1, &m5, E));
    assert_int_equal(m5.id, 5);
    /* Seen in the transaction that wrote them. */
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->outbox_each(s, 1, NULL, on_outbox_line, &b, E));
    const char *all = "1:r1:c10:ch1:reminder:s1:a0:n1000\n"
                      "2:r1:c20:ch2:final:s1:a0:n2000\n"
                      "3:r2:c10:ch1:reminder:s4:a1:n0\n"
                      "4:r2:c20:ch3:letter:s1:a0:n0\n"
                      "5:r2:c30:ch1:first:s5:a0:n500\n";
    assert_string_equal(b.ptr, all);
    OK(s->ops->commit(s, E));

    struct owed_outbox_filter f = {0};
    owed_buf_reset(&b);
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, all);
    /* Queued and due by 1500. */
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.status = OWED_MSG_QUEUED, .due_by = 1500};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "1:r1:c10:ch1:reminder:s1:a0:n1000\n4:r2:c20:ch3:letter:s1:a0:n0\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.status = OWED_MSG_QUEUED};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "1:r1:c10:ch1:reminder:s1:a0:n1000\n"
                               "2:r1:c20:ch2:final:s1:a0:n2000\n"
                               "4:r2:c20:ch3:letter:s1:a0:n0\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.due_by = 999};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "3:r2:c10:ch1:reminder:s4:a1:n0\n4:r2:c20:ch3:letter:s1:a0:n0\n"
                               "5:r2:c30:ch1:first:s5:a0:n500\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.run_id = 1};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "1:r1:c10:ch1:reminder:s1:a0:n1000\n"
                               "2:r1:c20:ch2:final:s1:a0:n2000\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.customer_id = 20};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "2:r1:c20:ch2:final:s1:a0:n2000\n4:r2:c20:ch3:letter:s1:a0:n0\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.run_id = 2, .customer_id = 20};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "4:r2:c20:ch3:letter:s1:a0:n0\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.id = 3};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "3:r2:c10:ch1:reminder:s4:a1:n0\n");
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.id = 99};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "");

    /* Every text, the borrowed ones included. */
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.id = 1};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_full, &b, E));
    struct owed_buf want = OWED_BUF_INIT(0);
    owed_buf_addf(&want, "1|%s|%s|%s|||%s\n", m1.recipient, m1.subject, m1.body, m1.created_at);
    assert_string_equal(b.ptr, want.ptr);
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.id = 4};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_full, &b, E));
    owed_buf_reset(&want);
    owed_buf_addf(&want, "4||||||%s\n", m4.created_at);
    assert_string_equal(b.ptr, want.ptr);

    /* Update: status, attempts, next attempt, last error, sent at; the rest stays. */
    OK(s->ops->begin(s, E));
    struct owed_outbox_msg u = m1;
    u.run_id = 77;
    u.customer_id = 77;
    u.channel = 9;
    snprintf(u.step, sizeof u.step, "other");
    u.recipient = "x";
    u.status = OWED_MSG_SENT;
    u.attempts = 2;
    u.next_attempt = 1234567890123;
    snprintf(u.last_error, sizeof u.last_error, "421 try\tlater");
    snprintf(u.sent_at, sizeof u.sent_at, "2026-11-23T10:00:00Z");
    OK(s->ops->outbox_update(s, 1, &u, E));
    u.id = 99;
    assert_int_equal(s->ops->outbox_update(s, 1, &u, NULL), OWED_E_NOT_FOUND);
    u.id = 1;
    assert_int_equal(s->ops->outbox_update(s, 2, &u, NULL), OWED_E_NOT_FOUND);
    OK(s->ops->commit(s, E));
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.id = 1};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "1:r1:c10:ch1:reminder:s4:a2:n1234567890123\n");
    owed_buf_reset(&b);
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_full, &b, E));
    owed_buf_reset(&want);
    owed_buf_addf(&want, "1|%s|%s|%s|421 try\tlater|2026-11-23T10:00:00Z|%s\n", m1.recipient,
                  m1.subject, m1.body, m1.created_at);
    assert_string_equal(b.ptr, want.ptr);
    owed_buf_reset(&b);
    f = (struct owed_outbox_filter){.status = OWED_MSG_QUEUED, .due_by = 1500};
    OK(s->ops->outbox_each(s, 1, &f, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "4:r2:c20:ch3:letter:s1:a0:n0\n");
    owed_buf_reset(&b);
    OK(s->ops->outbox_each(s, 2, NULL, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "");
    owed_buf_release(&want);
    owed_buf_release(&b);
    close_store(s);
}

static void test_outbox(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) outbox_on(i);
}

/* ---- organization settings and a second organization ---- */

static void fill_settings(struct owed_org_settings *o, const char *tag)
{
    memset(o, 0, sizeof *o);
    snprintf(o->tolerance, sizeof o->tolerance, "0.5%%");
    snprintf(o->timezone, sizeof o->timezone, "Europe/%s", tag);
    snprintf(o->calendar, sizeof o->calendar, "%s-holidays", tag);
    snprintf(o->mail_from, sizeof o->mail_from, "AR %s <ar@%s.example>", tag, tag);
    snprintf(o->smtp_url, sizeof o->smtp_url, "smtp://user@%s.example:587", tag);
    snprintf(o->sms_url, sizeof o->sms_url, "https://sms.example/%s?x=1&y='2'", tag);
    snprintf(o->pay_url, sizeof o->pay_url, "https://pay.example/%s/", tag);
    snprintf(o->out_dir, sizeof o->out_dir, "/var/lib/owed/%s out", tag);
    snprintf(o->name, sizeof o->name, "Müller & Söhne %s", tag);
    snprintf(o->gateway_secret, sizeof o->gateway_secret, "whsec_%s'\"=", tag);
}

static void expect_settings(const struct owed_org_settings *got,
                            const struct owed_org_settings *want)
{
    assert_string_equal(got->tolerance, want->tolerance);
    assert_string_equal(got->timezone, want->timezone);
    assert_string_equal(got->calendar, want->calendar);
    assert_string_equal(got->mail_from, want->mail_from);
    assert_string_equal(got->smtp_url, want->smtp_url);
    assert_string_equal(got->sms_url, want->sms_url);
    assert_string_equal(got->pay_url, want->pay_url);
    assert_string_equal(got->out_dir, want->out_dir);
    assert_string_equal(got->name, want->name);
    assert_string_equal(got->gateway_secret, want->gateway_secret);
}

static void settings_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_org_settings got, want, other;
    memset(&want, 0, sizeof want);
    snprintf(want.timezone, sizeof want.timezone, "UTC"); /* the defaults */
    snprintf(want.name, sizeof want.name, "Default");
    memset(&got, 'z', sizeof got);
    OK(s->ops->org_settings_get(s, 1, &got, E));
    expect_settings(&got, &want);

    add_org(backend, 2);
    fill_settings(&want, "Berlin");
    OK(s->ops->begin(s, E));
    OK(s->ops->org_settings_set(s, 1, &want, E));
    OK(s->ops->org_settings_get(s, 1, &got, E)); /* in the same transaction */
    expect_settings(&got, &want);
    OK(s->ops->commit(s, E));
    memset(&got, 0, sizeof got);
    OK(s->ops->org_settings_get(s, 1, &got, E));
    expect_settings(&got, &want);
    /* The other organization keeps its defaults, and has its own. */
    memset(&other, 0, sizeof other);
    snprintf(other.timezone, sizeof other.timezone, "UTC");
    snprintf(other.name, sizeof other.name, "Org 2");
    OK(s->ops->org_settings_get(s, 2, &got, E));
    expect_settings(&got, &other);
    fill_settings(&other, "Zurich");
    OK(s->ops->begin(s, E));
    OK(s->ops->org_settings_set(s, 2, &other, E));
    OK(s->ops->commit(s, E));
    OK(s->ops->org_settings_get(s, 2, &got, E));
    expect_settings(&got, &other);
    OK(s->ops->org_settings_get(s, 1, &got, E));
    expect_settings(&got, &want);
    /* Cleared again. */
    memset(&want, 0, sizeof want);
    OK(s->ops->begin(s, E));
    OK(s->ops->org_settings_set(s, 1, &want, E));
    OK(s->ops->commit(s, E));
    OK(s->ops->org_settings_get(s, 1, &got, E));
    expect_settings(&got, &want);
    assert_int_equal(s->ops->org_settings_get(s, 3, &got, NULL), OWED_E_NOT_FOUND);
    close_store(s);
}

static void test_org_settings(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) settings_on(i);
}

/* Ids count from 1 in each organization; nothing of one is seen from the other. */
static void two_orgs_on(int backend)
{
    struct owed_store *s = open_store(backend);
    add_org(backend, 2);
    struct owed_item it;
    struct owed_run_rec run = {.as_of = 20500};
    struct owed_outbox_msg m;
    struct owed_firing f;
    OK(s->ops->begin(s, E));
    for (int i = 1; i <= 3; i++) {
        fill_item(&it, OWED_ITEM_NOTE, 1, 0, 0, OWED_ST_DONE, "org1");
        OK(s->ops->item_insert(s, 1, &it, E));
        assert_int_equal(it.id, i);
    }
    OK(s->ops->run_insert(s, 1, &run, E));
    OK(s->ops->run_insert(s, 1, &run, E));
    assert_int_equal(run.id, 2);
    fill_msg(&m, 2, 1, 1, "a", OWED_MSG_QUEUED, 0);
    OK(s->ops->outbox_insert(s, 1, &m, E));
    OK(s->ops->outbox_insert(s, 1, &m, E));
    assert_int_equal(m.id, 2);
    fill_firing(&f, 1, "a", 0, 2, 2, 20500);
    OK(s->ops->firing_insert(s, 1, &f, E));
    OK(s->ops->policy_save(s, 1, "p", "{\"org\":1}", E));
    OK(s->ops->policy_target_set(s, 1, "default", "p", E));
    struct owed_profile p = {.customer_id = 1};
    snprintf(p.lang, sizeof p.lang, "de");
    OK(s->ops->profile_set(s, 1, &p, E));
    OK(s->ops->commit(s, E));

    /* Organization 2, in a transaction of its own. */
    OK(s->ops->begin(s, E));
    fill_item(&it, OWED_ITEM_TASK, 1, 0, 0, OWED_ST_OPEN, "org2");
    OK(s->ops->item_insert(s, 2, &it, E));
    assert_int_equal(it.id, 1);
    run.id = 0;
    OK(s->ops->run_insert(s, 2, &run, E));
    assert_int_equal(run.id, 1);
    fill_msg(&m, 1, 1, 1, "a", OWED_MSG_QUEUED, 0);
    OK(s->ops->outbox_insert(s, 2, &m, E));
    assert_int_equal(m.id, 1);
    fill_firing(&f, 1, "a", 0, 1, 1, 20500); /* the same key as in organization 1 */
    OK(s->ops->firing_insert(s, 2, &f, E));
    assert_int_equal(s->ops->firing_insert(s, 2, &f, NULL), OWED_E_EXISTS);
    OK(s->ops->policy_save(s, 2, "p", "{\"org\":2}", E));
    OK(s->ops->policy_target_set(s, 2, "default", "p", E));
    snprintf(p.lang, sizeof p.lang, "fr");
    OK(s->ops->profile_set(s, 2, &p, E));
    OK(s->ops->commit(s, E));

    /* Both organizations in one transaction: each its own next id. */
    OK(s->ops->begin(s, E));
    OK(s->ops->item_insert(s, 1, &it, E));
    assert_int_equal(it.id, 4);
    OK(s->ops->item_insert(s, 2, &it, E));
    assert_int_equal(it.id, 2);
    OK(s->ops->commit(s, E));

    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->items_each(s, 2, NULL, on_item_line, &b, E));
    assert_string_equal(b.ptr, "1:k8:p0:c1:i0:s1:org2\n2:k8:p0:c1:i0:s1:org2\n");
    owed_buf_reset(&b);
    struct owed_item_filter itf = {.kind = OWED_ITEM_TASK};
    OK(s->ops->items_each(s, 1, &itf, on_item_line, &b, E));
    assert_string_equal(b.ptr, "4:k8:p0:c1:i0:s1:org2\n");
    owed_buf_reset(&b);
    OK(s->ops->outbox_each(s, 2, NULL, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "1:r1:c1:ch1:a:s1:a0:n0\n");
    owed_buf_reset(&b);
    OK(s->ops->firings_each(s, 2, on_firing_line, &b, E));
    assert_string_equal(b.ptr, "1:a:s0:r1:m1:20500\n");
    owed_buf_reset(&b);
    OK(s->ops->firings_each(s, 1, on_firing_line, &b, E));
    assert_string_equal(b.ptr, "1:a:s0:r2:m2:20500\n");
    owed_buf_reset(&b);
    OK(s->ops->policies_each(s, 1, on_pair_line, &b, E));
    OK(s->ops->policy_targets_each(s, 1, on_pair_line, &b, E));
    OK(s->ops->profiles_each(s, 1, on_profile_line, &b, E));
    assert_string_equal(b.ptr, "p={\"org\":1}\ndefault=p\n1||de||\n");
    owed_buf_reset(&b);
    OK(s->ops->policies_each(s, 2, on_pair_line, &b, E));
    OK(s->ops->policy_targets_each(s, 2, on_pair_line, &b, E));
    OK(s->ops->profiles_each(s, 2, on_profile_line, &b, E));
    assert_string_equal(b.ptr, "p={\"org\":2}\ndefault=p\n1||fr||\n");
    struct owed_item got;
    OK(s->ops->item_get(s, 2, 1, &got, E));
    assert_string_equal(got.code, "org2");
    OK(s->ops->item_get(s, 1, 1, &got, E));
    assert_string_equal(got.code, "org1");
    owed_buf_release(&b);
    close_store(s);
}

static void test_two_orgs(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) two_orgs_on(i);
}

/* The second writer, on a connection of its own: it inserts while the first one holds its
 * transaction open, and must wait for it. */
struct writer {
    int backend;
    _Atomic bool inserted;
    int rc;
    int64_t item_id, run_id, message_id;
};

static void *second_writer(void *arg)
{
    struct writer *w = arg;
    struct owed_store *s = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    w->rc = owed_store_open(store_url(w->backend), false, &s, &err);
    if (!w->rc) w->rc = s->ops->begin(s, &err);
    struct owed_item it;
    fill_item(&it, OWED_ITEM_NOTE, 2, 0, 0, OWED_ST_DONE, "second");
    if (!w->rc) w->rc = s->ops->item_insert(s, 1, &it, &err);
    struct owed_run_rec run = {.as_of = 20500};
    if (!w->rc) w->rc = s->ops->run_insert(s, 1, &run, &err);
    struct owed_outbox_msg m;
    fill_msg(&m, run.id, 2, 1, "second", OWED_MSG_QUEUED, 0);
    if (!w->rc) w->rc = s->ops->outbox_insert(s, 1, &m, &err);
    atomic_store(&w->inserted, true);
    if (!w->rc) w->rc = s->ops->commit(s, &err);
    if (w->rc) print_error("second writer: %s (%s)\n", owed_rc_name(w->rc), err.ptr);
    w->item_id = it.id;
    w->run_id = run.id;
    w->message_id = m.id;
    if (s) owed_store_close(s);
    owed_buf_release(&err);
    return NULL;
}

static void writers_take_turns_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    struct owed_item it;
    fill_item(&it, OWED_ITEM_NOTE, 1, 0, 0, OWED_ST_DONE, "first");
    OK(s->ops->item_insert(s, 1, &it, E));
    struct owed_run_rec run = {.as_of = 20500};
    OK(s->ops->run_insert(s, 1, &run, E));
    struct owed_outbox_msg m;
    fill_msg(&m, run.id, 1, 1, "first", OWED_MSG_QUEUED, 0);
    OK(s->ops->outbox_insert(s, 1, &m, E));
    assert_int_equal(it.id, 1);
    assert_int_equal(run.id, 1);
    assert_int_equal(m.id, 1);

    struct writer w = {.backend = backend};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, second_writer, &w), 0);
    usleep(300 * 1000);
    assert_false(atomic_load(&w.inserted)); /* waiting for this transaction */
    OK(s->ops->commit(s, E));
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.rc, OWED_OK);
    assert_int_equal(w.item_id, 2);
    assert_int_equal(w.run_id, 2);
    assert_int_equal(w.message_id, 2);

    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->items_each(s, 1, NULL, on_item_line, &b, E));
    assert_string_equal(b.ptr, "1:k6:p0:c1:i0:s11:first\n2:k6:p0:c2:i0:s11:second\n");
    owed_buf_reset(&b);
    OK(s->ops->outbox_each(s, 1, NULL, on_outbox_line, &b, E));
    assert_string_equal(b.ptr, "1:r1:c1:ch1:first:s1:a0:n0\n2:r2:c2:ch1:second:s1:a0:n0\n");
    owed_buf_release(&b);
    close_store(s);
}

static void test_writers_take_turns(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) writers_take_turns_on(i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_policies_and_profiles),
        cmocka_unit_test(test_runs_and_firings),
        cmocka_unit_test(test_outbox),
        cmocka_unit_test(test_org_settings),
        cmocka_unit_test(test_two_orgs),
        cmocka_unit_test(test_writers_take_turns),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
