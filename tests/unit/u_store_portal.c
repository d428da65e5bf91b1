/* The store operations of schema v8 (the customer portal, issue 8), called directly: the
 * same expectations on every backend. SQLite (a temporary file) always; PostgreSQL too when
 * OWED_PG_STATE names a server of tests/pg/pg-start.sh (a database owed_store_portal_PID is
 * created on it, made afresh for every test, and dropped at the end).
 *
 * Checked: links round-trip every column and get ids from 1 per organization; a link is
 * used once (a second use, or a use of a revoked link, is OWED_E_EXISTS and writes
 * nothing; a missing one OWED_E_NOT_FOUND), inside a transaction that goes on and commits;
 * portal_link_sent; portal_links_each by customer and for all; portal_revoke revokes only
 * the unused links and ends only the open sessions of that customer and counts them;
 * sessions round-trip and end (a missing one OWED_E_NOT_FOUND); events round-trip with
 * UTF-8 text and list by customer in id order; feedback round-trips (a 2000-byte comment)
 * and lists newest first; and organization 2 sees none of organization 1's rows, nor can
 * it use, end or mark them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "store/store.h"

/* ---- backends ---- */

enum { SQLITE = 0, PG = 1 };

static char pg_base[256];   /* "" without PostgreSQL */
static char pg_db_url[320]; /* BASE/owed_store_portal_PID */
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
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[600];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(p, sizeof p, "%s%s", sqlite_path, suffixes[i]);
        unlink(p);
    }
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(sqlite_path, sizeof sqlite_path, "%s/owed_store_portal_%ld.db",
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
    snprintf(pg_db_name, sizeof pg_db_name, "owed_store_portal_%ld", (long)getpid());
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

#define OK(call)                                                                                   \
    do {                                                                                           \
        struct owed_buf e_ = OWED_BUF_INIT(0);                                                     \
        int rc_ = (call);                                                                          \
        if (rc_) print_error("%s: %s (%s)\n", #call, owed_rc_name(rc_), e_.ptr);                   \
        owed_buf_release(&e_);                                                                     \
        assert_int_equal(rc_, OWED_OK);                                                            \
    } while (0)
/* The calls below pass `E` as their error buffer. */
#define E (&e_)
/* A call expected to fail with `code`. */
#define FAILS(code, call) assert_int_equal((call), (code))

/* A fresh store at version 8 or later, with a second organization (id 2). */
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
    assert_true(version >= 8);
    owed_buf_release(&err);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    assert_int_equal(org2, 2);
    return s;
}


/* ---- links ---- */

static void fill_link(struct owed_portal_link *l, int64_t customer_id, int64_t expires_s,
                      const char *by)
{
    memset(l, 0, sizeof *l);
    l->customer_id = customer_id;
    snprintf(l->created_at, sizeof l->created_at, "2026-11-23T10:00:00Z");
    l->expires_s = expires_s;
    snprintf(l->created_by, sizeof l->created_by, "%s", by);
}

static void expect_link(const struct owed_portal_link *got, const struct owed_portal_link *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->customer_id, want->customer_id);
    assert_string_equal(got->created_at, want->created_at);
    assert_int_equal(got->expires_s, want->expires_s);
    assert_string_equal(got->used_at, want->used_at);
    assert_int_equal(got->revoked, want->revoked);
    assert_string_equal(got->created_by, want->created_by);
    assert_int_equal(got->message_id, want->message_id);
}

static int on_link_line(void *ctx, const struct owed_portal_link *l)
{
    owed_buf_addf(ctx, "%lld:c%lld:%s:%s:m%lld\n", (long long)l->id, (long long)l->customer_id,
                  l->used_at[0] ? "used" : l->revoked ? "revoked" : "open", l->created_by,
                  (long long)l->message_id);
    return OWED_OK;
}

static void expect_links(struct owed_store *s, int64_t org, int64_t customer, const char *want)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->portal_links_each(s, org, customer, on_link_line, &b, E));
    assert_string_equal(b.ptr, want);
    owed_buf_release(&b);
}

static void links_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_portal_link a, b, c, got;
    fill_link(&a, 7, 1800000000, "cli");
    fill_link(&b, 7, 1800000100, "staff:jörg@example.com");
    fill_link(&c, 8, 1800000200, "renew");
    OK(s->ops->begin(s, E));
    OK(s->ops->portal_link_insert(s, 1, &a, E));
    OK(s->ops->portal_link_insert(s, 1, &b, E));
    OK(s->ops->portal_link_get(s, 1, a.id, &got, E)); /* its own write, before commit */
    expect_link(&got, &a);
    OK(s->ops->commit(s, E));
    OK(s->ops->portal_link_insert(s, 1, &c, E)); /* outside a transaction */
    assert_int_equal(a.id, 1);
    assert_int_equal(b.id, 2);
    assert_int_equal(c.id, 3);
    OK(s->ops->portal_link_get(s, 1, 2, &got, E));
    expect_link(&got, &b);
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_link_get(s, 1, 4, &got, NULL));

    /* Used once: the second use writes nothing, and the transaction goes on. */
    OK(s->ops->begin(s, E));
    OK(s->ops->portal_link_use(s, 1, 1, "2026-11-24T08:00:00Z", E));
    FAILS(OWED_E_EXISTS, s->ops->portal_link_use(s, 1, 1, "2026-11-24T09:00:00Z", NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_link_use(s, 1, 9, "2026-11-24T09:00:00Z", NULL));
    OK(s->ops->portal_link_sent(s, 1, 2, 41, E));
    OK(s->ops->commit(s, E));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_link_sent(s, 1, 9, 41, NULL));
    OK(s->ops->portal_link_get(s, 1, 1, &got, E));
    snprintf(a.used_at, sizeof a.used_at, "2026-11-24T08:00:00Z");
    expect_link(&got, &a);
    b.message_id = 41;
    OK(s->ops->portal_link_get(s, 1, 2, &got, E));
    expect_link(&got, &b);
    expect_links(s, 1, 0,
                 "1:c7:used:cli:m0\n2:c7:open:staff:jörg@example.com:m41\n3:c8:open:renew:m0\n");
    expect_links(s, 1, 7, "1:c7:used:cli:m0\n2:c7:open:staff:jörg@example.com:m41\n");
    expect_links(s, 1, 9, "");
    owed_store_close(s);
}

static void test_links(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) links_on(i);
}

/* ---- sessions and revoking ---- */

static void fill_session(struct owed_portal_session_rec *p, int64_t customer_id, int64_t link_id)
{
    memset(p, 0, sizeof *p);
    p->customer_id = customer_id;
    p->link_id = link_id;
    snprintf(p->created_at, sizeof p->created_at, "2026-11-24T08:00:00Z");
    p->expires_s = 1800003600;
}

static void sessions_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_portal_session_rec a, b, c, got;
    fill_session(&a, 7, 1);
    fill_session(&b, 7, 2);
    fill_session(&c, 8, 3);
    OK(s->ops->begin(s, E));
    OK(s->ops->portal_session_insert(s, 1, &a, E));
    OK(s->ops->portal_session_insert(s, 1, &b, E));
    OK(s->ops->portal_session_insert(s, 1, &c, E));
    OK(s->ops->commit(s, E));
    assert_int_equal(c.id, 3);
    OK(s->ops->portal_session_get(s, 1, 1, &got, E));
    assert_int_equal(got.id, 1);
    assert_int_equal(got.customer_id, 7);
    assert_int_equal(got.link_id, 1);
    assert_string_equal(got.created_at, a.created_at);
    assert_int_equal(got.expires_s, a.expires_s);
    assert_false(got.ended);
    OK(s->ops->portal_session_end(s, 1, 1, E));
    OK(s->ops->portal_session_get(s, 1, 1, &got, E));
    assert_true(got.ended);
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_session_end(s, 1, 4, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_session_get(s, 1, 4, &got, NULL));

    /* Links of customers 7 and 8: one of 7's used. Revoking 7 touches 7's unused link and
     * its one open session, nothing of 8's. */
    struct owed_portal_link l;
    for (int i = 0; i < 3; i++) {
        fill_link(&l, i < 2 ? 7 : 8, 1800000000, "cli");
        OK(s->ops->portal_link_insert(s, 1, &l, E));
    }
    OK(s->ops->portal_link_use(s, 1, 1, "2026-11-24T08:00:00Z", E));
    int64_t n = -1;
    OK(s->ops->begin(s, E));
    OK(s->ops->portal_revoke(s, 1, 7, &n, E));
    OK(s->ops->commit(s, E));
    assert_int_equal(n, 2);
    expect_links(s, 1, 0, "1:c7:used:cli:m0\n2:c7:revoked:cli:m0\n3:c8:open:cli:m0\n");
    FAILS(OWED_E_EXISTS, s->ops->portal_link_use(s, 1, 2, "2026-11-24T09:00:00Z", NULL));
    OK(s->ops->portal_session_get(s, 1, 2, &got, E));
    assert_true(got.ended);
    OK(s->ops->portal_session_get(s, 1, 3, &got, E));
    assert_false(got.ended);
    OK(s->ops->portal_revoke(s, 1, 7, &n, E)); /* again: nothing left to change */
    assert_int_equal(n, 0);
    OK(s->ops->portal_revoke(s, 1, 7, NULL, E));
    owed_store_close(s);
}

static void test_sessions(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) sessions_on(i);
}

/* ---- events and feedback ---- */

static int on_event_line(void *ctx, const struct owed_portal_event *e)
{
    owed_buf_addf(ctx, "%lld:c%lld:s%lld:d%d:%s:%s:i%lld:t%lld:%s:%s\n", (long long)e->id,
                  (long long)e->customer_id, (long long)e->session_id, (int)e->on_date, e->at,
                  e->action, (long long)e->invoice_id, (long long)e->item_id, e->ref, e->body);
    return OWED_OK;
}

static void expect_events(struct owed_store *s, int64_t org, int64_t customer, const char *want)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->portal_events_each(s, org, customer, on_event_line, &b, E));
    assert_string_equal(b.ptr, want);
    owed_buf_release(&b);
}

static void add_event(struct owed_store *s, int64_t org, int64_t customer, int64_t session,
                      const char *action, int64_t invoice, int64_t item, const char *ref,
                      const char *body, int64_t want_id)
{
    struct owed_portal_event e;
    memset(&e, 0, sizeof e);
    e.customer_id = customer;
    e.session_id = session;
    e.on_date = 20781;
    snprintf(e.at, sizeof e.at, "2026-11-24T08:00:00Z");
    snprintf(e.action, sizeof e.action, "%s", action);
    e.invoice_id = invoice;
    e.item_id = item;
    snprintf(e.ref, sizeof e.ref, "%s", ref);
    snprintf(e.body, sizeof e.body, "%s", body);
    OK(s->ops->portal_event_insert(s, org, &e, E));
    assert_int_equal(e.id, want_id);
}

static int on_feedback_line(void *ctx, const struct owed_portal_feedback *f)
{
    owed_buf_addf(ctx, "%lld:c%lld:s%lld:r%d:%zu:%s\n", (long long)f->id, (long long)f->customer_id,
                  (long long)f->session_id, f->rating, strlen(f->comment), f->created_at);
    return OWED_OK;
}

static void events_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    add_event(s, 1, 7, 1, "login", 0, 0, "", "signed in (link #1)", 1);
    add_event(s, 1, 7, 1, "dispute", 12, 5, "INV-12", "disputed INV-12 (pricing) — Größe ✓", 2);
    OK(s->ops->commit(s, E));
    add_event(s, 1, 8, 0, "link", 0, 0, "", "link #2 sent to a@b.example", 3);
    add_event(s, 2, 7, 9, "ack", 3, 0, "RE-1", "acknowledged receipt of RE-1", 1);
    expect_events(s, 1, 7,
                  "1:c7:s1:d20781:2026-11-24T08:00:00Z:login:i0:t0::signed in (link #1)\n"
                  "2:c7:s1:d20781:2026-11-24T08:00:00Z:dispute:i12:t5:INV-12:disputed INV-12"
                  " (pricing) — Größe ✓\n");
    expect_events(s, 1, 0,
                  "1:c7:s1:d20781:2026-11-24T08:00:00Z:login:i0:t0::signed in (link #1)\n"
                  "2:c7:s1:d20781:2026-11-24T08:00:00Z:dispute:i12:t5:INV-12:disputed INV-12"
                  " (pricing) — Größe ✓\n"
                  "3:c8:s0:d20781:2026-11-24T08:00:00Z:link:i0:t0::link #2 sent to a@b.example\n");
    expect_events(s, 2, 0,
                  "1:c7:s9:d20781:2026-11-24T08:00:00Z:ack:i3:t0:RE-1:acknowledged receipt of"
                  " RE-1\n");

    /* Feedback, newest first; a comment of 2000 bytes. */
    struct owed_portal_feedback f;
    char *big = malloc(2001);
    for (int i = 0; i < 2000; i++) big[i] = (char)('a' + i % 26);
    big[2000] = '\0';
    for (int i = 0; i < 3; i++) {
        memset(&f, 0, sizeof f);
        f.customer_id = i == 2 ? 8 : 7;
        f.session_id = i + 1;
        f.rating = i + 3;
        snprintf(f.comment, sizeof f.comment, "%s", i == 1 ? big : "Schnell und klar ✓");
        snprintf(f.created_at, sizeof f.created_at, "2026-11-24T08:0%d:00Z", i);
        OK(s->ops->portal_feedback_insert(s, 1, &f, E));
        assert_int_equal(f.id, i + 1);
    }
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->portal_feedback_each(s, 1, 0, on_feedback_line, &b, E));
    assert_string_equal(b.ptr, "3:c8:s3:r5:20:2026-11-24T08:02:00Z\n"
                               "2:c7:s2:r4:2000:2026-11-24T08:01:00Z\n"
                               "1:c7:s1:r3:20:2026-11-24T08:00:00Z\n");
    owed_buf_reset(&b);
    OK(s->ops->portal_feedback_each(s, 1, 7, on_feedback_line, &b, E));
    assert_string_equal(b.ptr, "2:c7:s2:r4:2000:2026-11-24T08:01:00Z\n"
                               "1:c7:s1:r3:20:2026-11-24T08:00:00Z\n");
    owed_buf_reset(&b);
    OK(s->ops->portal_feedback_each(s, 2, 0, on_feedback_line, &b, E));
    assert_string_equal(b.ptr, "");
    owed_buf_release(&b);
    free(big);
    owed_store_close(s);
}

static void test_events(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) events_on(i);
}

/* ---- organizations ---- */

static void isolation_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_portal_link l, got;
    fill_link(&l, 7, 1800000000, "cli");
    OK(s->ops->portal_link_insert(s, 1, &l, E));
    struct owed_portal_session_rec p, pg;
    fill_session(&p, 7, 1);
    OK(s->ops->portal_session_insert(s, 1, &p, E));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_link_get(s, 2, 1, &got, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_link_use(s, 2, 1, "2026-11-24T08:00:00Z", NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_link_sent(s, 2, 1, 5, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_session_get(s, 2, 1, &pg, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->portal_session_end(s, 2, 1, NULL));
    int64_t n = -1;
    OK(s->ops->portal_revoke(s, 2, 7, &n, E));
    assert_int_equal(n, 0);
    expect_links(s, 2, 0, "");
    expect_links(s, 1, 0, "1:c7:open:cli:m0\n");
    OK(s->ops->portal_session_get(s, 1, 1, &pg, E));
    assert_false(pg.ended);
    /* Organization 2 counts its own ids from 1. */
    fill_link(&l, 7, 1800000000, "cli");
    OK(s->ops->portal_link_insert(s, 2, &l, E));
    assert_int_equal(l.id, 1);
    owed_store_close(s);
}

static void test_isolation(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) isolation_on(i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_isolation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
