/* The store operations of schema v5 (the platform, issue 6: organizations, users,
 * credentials, the audit trail, stored API responses, webhook subscribers, named locks),
 * called directly: the same expectations on every backend. SQLite (a temporary file)
 * always; PostgreSQL too when OWED_PG_STATE names a server of tests/pg/pg-start.sh (a
 * database owed_store_platform_PID is created on it, made afresh for every test, and
 * dropped at the end).
 *
 * Checked: the round trip of every column; ids from 1 per organization; created_at as ISO
 * 8601 UTC seconds and the audit's at with milliseconds; an email and a credential hash
 * taken in any organization, and an idempotency key taken in the same one, are
 * OWED_E_EXISTS, write nothing and leave the transaction able to commit; updates, deletes
 * and revocations of a missing row are OWED_E_NOT_FOUND; another organization's ids are
 * OWED_E_NOT_FOUND (tenant isolation) and left unchanged; the filters of creds_each; the
 * audit trail newest first, paged by before_id and limit; a stored body with NUL bytes
 * comes back whole; a store call from inside a listing's callback; named locks (on
 * PostgreSQL a second connection cannot take a lock held, until it is released or its
 * holder closes); and migration 5 applied to a database at version 4. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "store/store.h"

/* ---- backends ---- */

enum { SQLITE = 0, PG = 1 };

static char pg_base[256];   /* "" without PostgreSQL */
static char pg_db_url[320]; /* BASE/owed_store_platform_PID */
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
    snprintf(sqlite_path, sizeof sqlite_path, "%s/owed_store_platform_%ld.db",
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
    snprintf(pg_db_name, sizeof pg_db_name, "owed_store_platform_%ld", (long)getpid());
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
    assert_true(version >= 5);
    owed_buf_release(&err);
    return s;
}

static void close_store(struct owed_store *s) { owed_store_close(s); }

/* Runs SQL through the backend's own client, outside the store (which is between
 * transactions then). */
static void run_sql(int backend, const char *sql)
{
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
/* A call expected to fail with `code`. */
#define FAILS(code, call) assert_int_equal((call), (code))

/* "2026-11-23T10:00:00Z" (ms false) or "2026-11-23T10:00:00.123Z" (ms true): ISO 8601 UTC. */
static void expect_iso_utc(const char *t, bool ms)
{
    const char *shape = ms ? "dddd-dd-ddTdd:dd:dd.dddZ" : "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(t) != strlen(shape)) print_error("not ISO 8601 UTC: \"%s\"\n", t);
    assert_int_equal(strlen(t), strlen(shape));
    for (size_t i = 0; shape[i]; i++) {
        bool ok = shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i];
        if (!ok) print_error("not ISO 8601 UTC: \"%s\"\n", t);
        assert_true(ok);
    }
    assert_true(strncmp(t, "2020", 4) > 0);
}

/* ---- listings as text, one line per row ---- */

static int on_pair_line(void *ctx, const char *a, const char *b)
{
    owed_buf_addf(ctx, "%s=%s\n", a, b);
    return OWED_OK;
}

static int on_user_line(void *ctx, const struct owed_user *u)
{
    owed_buf_addf(ctx, "%lld:o%lld:%s:%s:r%d:%s:d%d\n", (long long)u->id, (long long)u->org_id,
                  u->email, u->name, (int)u->role, u->pw_hash, (int)u->disabled);
    return OWED_OK;
}

static int on_cred_line(void *ctx, const struct owed_cred *c)
{
    owed_buf_addf(ctx, "%lld:o%lld:u%lld:k%d:r%d:%s:%s:%s:e%lld:x%d\n", (long long)c->id,
                  (long long)c->org_id, (long long)c->user_id, (int)c->kind, (int)c->role,
                  c->hash, c->label, c->csrf, (long long)c->expires_at, (int)c->revoked);
    return OWED_OK;
}

static int on_audit_line(void *ctx, const struct owed_audit_rec *a)
{
    owed_buf_addf(ctx, "%lld:%s:%s:%s:%d:[%s]:[%s]\n", (long long)a->id, a->actor, a->action,
                  a->resource, a->status, a->before, a->after);
    return OWED_OK;
}

static int on_webhook_line(void *ctx, const struct owed_webhook *w)
{
    owed_buf_addf(ctx, "%lld:%s:%s:%s:a%d\n", (long long)w->id, w->url, w->secret, w->events,
                  (int)w->active);
    return OWED_OK;
}

static int stop_at_first_user(void *ctx, const struct owed_user *u)
{
    (void)u;
    ++*(int *)ctx;
    return OWED_E_EXISTS;
}

/* ---- organizations ---- */

static void orgs_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org = 0;
    OK(s->ops->org_create(s, "Acme GmbH", &org, E));
    assert_int_equal(org, 2); /* 1 is the default organization made by migrate */
    OK(s->ops->begin(s, E));
    OK(s->ops->org_create(s, "Büro & Co 'quoted'", &org, E));
    assert_int_equal(org, 3);
    OK(s->ops->commit(s, E));
    OK(s->ops->begin(s, E));
    OK(s->ops->org_create(s, "rolled back", &org, E));
    assert_int_equal(org, 4);
    s->ops->rollback(s);
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->orgs_each(s, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "1=Default\n2=Acme GmbH\n3=Büro & Co 'quoted'\n");
    OK(s->ops->org_create(s, "next", &org, E));
    assert_int_equal(org, 4);
    struct owed_org_settings st;
    OK(s->ops->org_settings_get(s, 4, &st, E));
    assert_string_equal(st.name, "next");
    owed_buf_release(&b);
    close_store(s);
}

static void test_orgs(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) orgs_on(i);
}

/* ---- users ---- */

static void fill_user(struct owed_user *u, const char *email, const char *name,
                      enum owed_role role)
{
    memset(u, 0, sizeof *u);
    snprintf(u->email, sizeof u->email, "%s", email);
    snprintf(u->name, sizeof u->name, "%s", name);
    u->role = role;
}

static void expect_user(const struct owed_user *got, const struct owed_user *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->org_id, want->org_id);
    assert_string_equal(got->email, want->email);
    assert_string_equal(got->name, want->name);
    assert_int_equal(got->role, want->role);
    assert_string_equal(got->pw_hash, want->pw_hash);
    assert_int_equal(got->disabled, want->disabled);
    assert_string_equal(got->created_at, want->created_at);
}

/* From inside users_each: a credential for each user (a write during a read). */
struct nested {
    struct owed_store *s;
    int64_t org;
    int n;
};

static int on_nested_user(void *ctx, const struct owed_user *u)
{
    struct nested *n = ctx;
    struct owed_cred c = {.user_id = u->id, .kind = OWED_CRED_TOKEN, .role = u->role};
    snprintf(c.hash, sizeof c.hash, "nested-%lld-%lld", (long long)n->org, (long long)u->id);
    int rc = n->s->ops->cred_insert(n->s, n->org, &c, NULL);
    if (!rc) n->n++;
    return rc;
}

static void users_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    assert_int_equal(org2, 2);

    struct owed_user a, b, c, got;
    fill_user(&a, "ann@example.com", "Ann Admin", OWED_ROLE_ADMIN);
    snprintf(a.pw_hash, sizeof a.pw_hash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    OK(s->ops->user_insert(s, 1, &a, E));
    assert_int_equal(a.id, 1);
    assert_int_equal(a.org_id, 1);
    expect_iso_utc(a.created_at, false);
    fill_user(&b, "bob@example.com", "Bob", OWED_ROLE_VIEWER);
    b.disabled = true;
    OK(s->ops->user_insert(s, 1, &b, E));
    assert_int_equal(b.id, 2);
    fill_user(&c, "cy@other.example", "Cy", OWED_ROLE_COLLECTOR);
    OK(s->ops->user_insert(s, 2, &c, E));
    assert_int_equal(c.id, 1); /* ids per organization */
    assert_int_equal(c.org_id, 2);

    /* An email is taken in every organization, in or out of a transaction; the failed
     * insert writes nothing and the transaction goes on. */
    struct owed_user dup;
    fill_user(&dup, "ann@example.com", "Other Ann", OWED_ROLE_VIEWER);
    FAILS(OWED_E_EXISTS, s->ops->user_insert(s, 1, &dup, NULL));
    FAILS(OWED_E_EXISTS, s->ops->user_insert(s, 2, &dup, NULL));
    OK(s->ops->begin(s, E));
    FAILS(OWED_E_EXISTS, s->ops->user_insert(s, 2, &dup, NULL));
    struct owed_user d;
    fill_user(&d, "dee@other.example", "Dee", OWED_ROLE_MANAGER);
    OK(s->ops->user_insert(s, 2, &d, E));
    assert_int_equal(d.id, 2);
    OK(s->ops->commit(s, E));

    OK(s->ops->user_get(s, 1, 1, &got, E));
    expect_user(&got, &a);
    OK(s->ops->user_get(s, 1, 2, &got, E));
    expect_user(&got, &b);
    OK(s->ops->user_get(s, 2, 1, &got, E));
    expect_user(&got, &c);
    FAILS(OWED_E_NOT_FOUND, s->ops->user_get(s, 1, 3, &got, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->user_get(s, 3, 1, &got, NULL));

    /* Sign-in: by email across organizations. */
    OK(s->ops->user_find_email(s, "dee@other.example", &got, E));
    expect_user(&got, &d);
    assert_int_equal(got.org_id, 2);
    OK(s->ops->user_find_email(s, "ann@example.com", &got, E));
    expect_user(&got, &a);
    FAILS(OWED_E_NOT_FOUND, s->ops->user_find_email(s, "nobody@example.com", &got, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->user_find_email(s, "ANN@example.com", &got, NULL));

    /* Update: name, role, pw_hash, disabled; not the email. */
    struct owed_user upd = b;
    snprintf(upd.name, sizeof upd.name, "Robert");
    snprintf(upd.email, sizeof upd.email, "ignored@example.com");
    snprintf(upd.pw_hash, sizeof upd.pw_hash, "$argon2id$new");
    upd.role = OWED_ROLE_MANAGER;
    upd.disabled = false;
    OK(s->ops->user_update(s, 1, &upd, E));
    OK(s->ops->user_get(s, 1, 2, &got, E));
    assert_string_equal(got.name, "Robert");
    assert_string_equal(got.email, "bob@example.com");
    assert_string_equal(got.pw_hash, "$argon2id$new");
    assert_int_equal(got.role, OWED_ROLE_MANAGER);
    assert_false(got.disabled);
    assert_string_equal(got.created_at, b.created_at);
    /* Organization 1's user 3 seen from organization 2, which has no user 3: not found,
     * not changed. */
    struct owed_user e;
    fill_user(&e, "eve@example.com", "Eve", OWED_ROLE_COLLECTOR);
    OK(s->ops->user_insert(s, 1, &e, E));
    assert_int_equal(e.id, 3);
    FAILS(OWED_E_NOT_FOUND, s->ops->user_get(s, 2, 3, &got, NULL));
    upd = e;
    snprintf(upd.name, sizeof upd.name, "Hijacked");
    upd.role = OWED_ROLE_ADMIN;
    FAILS(OWED_E_NOT_FOUND, s->ops->user_update(s, 2, &upd, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->user_update(s, 3, &upd, NULL));
    OK(s->ops->user_get(s, 1, 3, &got, E));
    expect_user(&got, &e);
    upd.id = 4;
    FAILS(OWED_E_NOT_FOUND, s->ops->user_update(s, 1, &upd, NULL));
    OK(s->ops->user_get(s, 1, 1, &got, E));
    expect_user(&got, &a);

    struct owed_buf lines = OWED_BUF_INIT(0);
    OK(s->ops->users_each(s, 1, on_user_line, &lines, E));
    assert_string_equal(lines.ptr,
                        "1:o1:ann@example.com:Ann Admin:r4:"
                        "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA:d0\n"
                        "2:o1:bob@example.com:Robert:r3:$argon2id$new:d0\n"
                        "3:o1:eve@example.com:Eve:r2::d0\n");
    owed_buf_reset(&lines);
    OK(s->ops->users_each(s, 2, on_user_line, &lines, E));
    assert_string_equal(lines.ptr, "1:o2:cy@other.example:Cy:r2::d0\n"
                                   "2:o2:dee@other.example:Dee:r3::d0\n");
    owed_buf_reset(&lines);
    OK(s->ops->users_each(s, 3, on_user_line, &lines, E));
    assert_string_equal(lines.ptr, "");
    int calls = 0;
    FAILS(OWED_E_EXISTS, s->ops->users_each(s, 1, stop_at_first_user, &calls, NULL));
    assert_int_equal(calls, 1);

    /* A store call from inside the callback, in a transaction and out of one. */
    struct nested n = {.s = s, .org = 2};
    OK(s->ops->users_each(s, 2, on_nested_user, &n, E));
    assert_int_equal(n.n, 2);
    OK(s->ops->begin(s, E));
    n.org = 1;
    OK(s->ops->users_each(s, 1, on_nested_user, &n, E));
    OK(s->ops->commit(s, E));
    assert_int_equal(n.n, 5);
    OK(s->ops->creds_each(s, 2, 0, 0, on_cred_line, &lines, E));
    OK(s->ops->creds_each(s, 1, 0, 0, on_cred_line, &lines, E));
    assert_string_equal(lines.ptr, "1:o2:u1:k1:r2:nested-2-1:::e0:x0\n"
                                   "2:o2:u2:k1:r3:nested-2-2:::e0:x0\n"
                                   "1:o1:u1:k1:r4:nested-1-1:::e0:x0\n"
                                   "2:o1:u2:k1:r3:nested-1-2:::e0:x0\n"
                                   "3:o1:u3:k1:r2:nested-1-3:::e0:x0\n");
    owed_buf_release(&lines);
    close_store(s);
}

static void test_users(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) users_on(i);
}

/* ---- credentials ---- */

static void fill_cred(struct owed_cred *c, int64_t user_id, enum owed_cred_kind kind,
                      enum owed_role role, const char *hash, const char *label, int64_t expires)
{
    memset(c, 0, sizeof *c);
    c->user_id = user_id;
    c->kind = kind;
    c->role = role;
    snprintf(c->hash, sizeof c->hash, "%s", hash);
    snprintf(c->label, sizeof c->label, "%s", label);
    if (kind == OWED_CRED_SESSION) snprintf(c->csrf, sizeof c->csrf, "csrf-%s", hash);
    c->expires_at = expires;
}

static void expect_cred(const struct owed_cred *got, const struct owed_cred *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->org_id, want->org_id);
    assert_int_equal(got->user_id, want->user_id);
    assert_int_equal(got->kind, want->kind);
    assert_int_equal(got->role, want->role);
    assert_string_equal(got->hash, want->hash);
    assert_string_equal(got->label, want->label);
    assert_string_equal(got->csrf, want->csrf);
    assert_int_equal(got->expires_at, want->expires_at);
    assert_int_equal(got->revoked, want->revoked);
    assert_string_equal(got->created_at, want->created_at);
}

static void creds_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    const char *h64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    struct owed_cred t1, s1, t2, s2, o1, got;
    fill_cred(&t1, 1, OWED_CRED_TOKEN, OWED_ROLE_VIEWER, h64, "ci token", 0);
    OK(s->ops->cred_insert(s, 1, &t1, E));
    assert_int_equal(t1.id, 1);
    assert_int_equal(t1.org_id, 1);
    expect_iso_utc(t1.created_at, false);
    fill_cred(&s1, 1, OWED_CRED_SESSION, OWED_ROLE_ADMIN, "sess-1", "", 1700000000);
    OK(s->ops->cred_insert(s, 1, &s1, E));
    assert_int_equal(s1.id, 2);
    fill_cred(&t2, 2, OWED_CRED_TOKEN, OWED_ROLE_MANAGER, "tok-2", "export", 4102444800);
    t2.revoked = true; /* stored as given */
    OK(s->ops->cred_insert(s, 1, &t2, E));
    assert_int_equal(t2.id, 3);
    fill_cred(&s2, 2, OWED_CRED_SESSION, OWED_ROLE_MANAGER, "sess-2", "", 1700000100);
    OK(s->ops->cred_insert(s, 1, &s2, E));
    fill_cred(&o1, 1, OWED_CRED_TOKEN, OWED_ROLE_ADMIN, "other-org", "", 0);
    OK(s->ops->cred_insert(s, 2, &o1, E));
    assert_int_equal(o1.id, 1);

    /* A hash is unique across organizations; the transaction goes on after it. */
    struct owed_cred dup;
    fill_cred(&dup, 1, OWED_CRED_TOKEN, OWED_ROLE_VIEWER, h64, "dup", 0);
    FAILS(OWED_E_EXISTS, s->ops->cred_insert(s, 1, &dup, NULL));
    OK(s->ops->begin(s, E));
    FAILS(OWED_E_EXISTS, s->ops->cred_insert(s, 2, &dup, NULL));
    snprintf(dup.hash, sizeof dup.hash, "fresh");
    OK(s->ops->cred_insert(s, 2, &dup, E));
    assert_int_equal(dup.id, 2);
    OK(s->ops->commit(s, E));

    /* By hash, across organizations; expired and revoked ones too. */
    OK(s->ops->cred_find(s, h64, &got, E));
    expect_cred(&got, &t1);
    OK(s->ops->cred_find(s, "sess-1", &got, E));
    expect_cred(&got, &s1);
    assert_string_equal(got.csrf, "csrf-sess-1");
    OK(s->ops->cred_find(s, "tok-2", &got, E));
    expect_cred(&got, &t2);
    OK(s->ops->cred_find(s, "other-org", &got, E));
    expect_cred(&got, &o1);
    assert_int_equal(got.org_id, 2);
    FAILS(OWED_E_NOT_FOUND, s->ops->cred_find(s, "nope", &got, NULL));

    /* Revocation: only the organization's own. */
    FAILS(OWED_E_NOT_FOUND, s->ops->cred_revoke(s, 2, 4, NULL)); /* org 1's s2 */
    FAILS(OWED_E_NOT_FOUND, s->ops->cred_revoke(s, 1, 99, NULL));
    OK(s->ops->cred_find(s, "sess-2", &got, E));
    assert_false(got.revoked);
    OK(s->ops->cred_revoke(s, 1, 4, E));
    OK(s->ops->cred_revoke(s, 1, 4, E)); /* again: still there, still revoked */
    OK(s->ops->cred_find(s, "sess-2", &got, E));
    assert_true(got.revoked);
    OK(s->ops->cred_find(s, "other-org", &got, E)); /* org 2's credential 1: untouched */
    assert_false(got.revoked);
    OK(s->ops->cred_revoke(s, 2, 1, E));
    OK(s->ops->cred_find(s, h64, &got, E)); /* org 1's credential 1: untouched */
    assert_false(got.revoked);

    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->creds_each(s, 1, 0, 0, on_cred_line, &b, E));
    char want[1024];
    snprintf(want, sizeof want,
             "1:o1:u1:k1:r1:%s:ci token::e0:x0\n"
             "2:o1:u1:k2:r4:sess-1::csrf-sess-1:e1700000000:x0\n"
             "3:o1:u2:k1:r3:tok-2:export::e4102444800:x1\n"
             "4:o1:u2:k2:r3:sess-2::csrf-sess-2:e1700000100:x1\n",
             h64);
    assert_string_equal(b.ptr, want);
    owed_buf_reset(&b);
    OK(s->ops->creds_each(s, 1, 2, 0, on_cred_line, &b, E));
    assert_string_equal(b.ptr, "3:o1:u2:k1:r3:tok-2:export::e4102444800:x1\n"
                               "4:o1:u2:k2:r3:sess-2::csrf-sess-2:e1700000100:x1\n");
    owed_buf_reset(&b);
    OK(s->ops->creds_each(s, 1, 0, OWED_CRED_SESSION, on_cred_line, &b, E));
    assert_string_equal(b.ptr, "2:o1:u1:k2:r4:sess-1::csrf-sess-1:e1700000000:x0\n"
                               "4:o1:u2:k2:r3:sess-2::csrf-sess-2:e1700000100:x1\n");
    owed_buf_reset(&b);
    OK(s->ops->creds_each(s, 1, 2, OWED_CRED_TOKEN, on_cred_line, &b, E));
    assert_string_equal(b.ptr, "3:o1:u2:k1:r3:tok-2:export::e4102444800:x1\n");
    owed_buf_reset(&b);
    OK(s->ops->creds_each(s, 1, 3, 0, on_cred_line, &b, E));
    assert_string_equal(b.ptr, "");
    OK(s->ops->creds_each(s, 2, 0, 0, on_cred_line, &b, E));
    assert_string_equal(b.ptr, "1:o2:u1:k1:r4:other-org:::e0:x1\n"
                               "2:o2:u1:k1:r1:fresh:dup::e0:x0\n");
    owed_buf_release(&b);
    close_store(s);
}

static void test_creds(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) creds_on(i);
}

/* ---- audit trail ---- */

static void add_audit(struct owed_store *s, int64_t org, const char *actor, const char *action,
                      const char *resource, int status, const char *before, const char *after,
                      int64_t want_id)
{
    struct owed_audit_rec a;
    memset(&a, 0, sizeof a);
    snprintf(a.actor, sizeof a.actor, "%s", actor);
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.resource, sizeof a.resource, "%s", resource);
    a.status = status;
    a.before = before;
    a.after = after;
    OK(s->ops->audit_insert(s, org, &a, E));
    assert_int_equal(a.id, want_id);
    expect_iso_utc(a.at, true);
}

static void audit_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    add_audit(s, 1, "user:ann@example.com", "POST", "/api/v1/invoices", 201, NULL,
              "{\"number\":\"INV-1\"}", 1);
    add_audit(s, 1, "token:3 (bob@example.com)", "PATCH", "/api/v1/customers/C1", 200,
              "{\"name\":\"Old\"}", "{\"name\":\"New \\u00e9\"}", 2);
    add_audit(s, 2, "cli", "import", "invoices.csv", 0, "", "", 1);
    OK(s->ops->begin(s, E));
    add_audit(s, 1, "scheduler", "dunning", "run 7", 0, NULL, NULL, 3);
    add_audit(s, 1, "gateway", "POST", "/hooks/stripe", 202, NULL, "{}", 4);
    OK(s->ops->commit(s, E));
    OK(s->ops->begin(s, E));
    add_audit(s, 1, "rolled", "back", "x", 0, NULL, NULL, 5);
    s->ops->rollback(s);
    add_audit(s, 1, "user:ann@example.com", "DELETE", "/api/v1/webhooks/1", 204, "{\"id\":1}",
              NULL, 5);

    static const char *const rows[] = {
        "1:user:ann@example.com:POST:/api/v1/invoices:201:[]:[{\"number\":\"INV-1\"}]\n",
        ("2:token:3 (bob@example.com):PATCH:/api/v1/customers/C1:200:[{\"name\":\"Old\"}]:"
         "[{\"name\":\"New \\u00e9\"}]\n"),
        "3:scheduler:dunning:run 7:0:[]:[]\n",
        "4:gateway:POST:/hooks/stripe:202:[]:[{}]\n",
        "5:user:ann@example.com:DELETE:/api/v1/webhooks/1:204:[{\"id\":1}]:[]\n",
    };
    struct owed_buf b = OWED_BUF_INIT(0), want = OWED_BUF_INIT(0);
    /* Newest first, from the newest (before_id 0), everything (limit 0). */
    OK(s->ops->audit_each(s, 1, 0, 0, on_audit_line, &b, E));
    for (int i = 5; i >= 1; i--) owed_buf_adds(&want, rows[i - 1]);
    assert_string_equal(b.ptr, want.ptr);
    /* Pages of two. */
    struct {
        int64_t before;
        int limit;
        int first, last;
    } pages[] = {{0, 2, 5, 4}, {4, 2, 3, 2}, {2, 2, 1, 1}, {1, 2, 0, 1}, {99, 1, 5, 5},
                 {3, 100, 2, 1}, {6, 0, 5, 1}};
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        owed_buf_reset(&b);
        owed_buf_reset(&want);
        OK(s->ops->audit_each(s, 1, pages[p].before, pages[p].limit, on_audit_line, &b, E));
        for (int i = pages[p].first; i >= pages[p].last && i >= 1; i--)
            owed_buf_adds(&want, rows[i - 1]);
        if (strcmp(b.ptr, want.ptr) != 0)
            print_error("page before %lld limit %d\n", (long long)pages[p].before,
                        pages[p].limit);
        assert_string_equal(b.ptr, want.ptr);
    }
    owed_buf_reset(&b);
    OK(s->ops->audit_each(s, 2, 0, 10, on_audit_line, &b, E));
    assert_string_equal(b.ptr, "1:cli:import:invoices.csv:0:[]:[]\n");
    owed_buf_reset(&b);
    OK(s->ops->audit_each(s, 3, 0, 10, on_audit_line, &b, E));
    assert_string_equal(b.ptr, "");
    owed_buf_release(&b);
    owed_buf_release(&want);
    close_store(s);
}

static void test_audit(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) audit_on(i);
}

/* ---- stored API responses ---- */

static void fill_idem(struct owed_idem_rec *r, const char *key, const char *path)
{
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->method, sizeof r->method, "POST");
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(r->req_hash, sizeof r->req_hash,
             "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    r->state = OWED_IDEM_PENDING;
    r->updated_at = 1790000000;
}

static void expect_idem(const struct owed_idem_rec *got, const struct owed_idem_rec *want)
{
    assert_string_equal(got->key, want->key);
    assert_string_equal(got->method, want->method);
    assert_string_equal(got->path, want->path);
    assert_string_equal(got->req_hash, want->req_hash);
    assert_int_equal(got->state, want->state);
    assert_int_equal(got->status, want->status);
    assert_string_equal(got->content_type, want->content_type);
    assert_int_equal(got->body_len, want->body_len);
    assert_non_null(got->body);
    if (want->body_len) assert_memory_equal(got->body, want->body, want->body_len);
    assert_int_equal(got->updated_at, want->updated_at);
}

static void idem_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    struct owed_idem_rec r, got;
    fill_idem(&r, "key-1", "/api/v1/payments");
    OK(s->ops->idem_insert(s, 1, &r, E));
    OK(s->ops->idem_get(s, 1, "key-1", &got, E));
    expect_idem(&got, &r);
    assert_int_equal(got.body_len, 0);

    /* Taken in this organization, in or out of a transaction; free in another one. */
    struct owed_idem_rec other;
    fill_idem(&other, "key-1", "/api/v1/invoices");
    FAILS(OWED_E_EXISTS, s->ops->idem_insert(s, 1, &other, NULL));
    OK(s->ops->begin(s, E));
    FAILS(OWED_E_EXISTS, s->ops->idem_insert(s, 1, &other, NULL));
    OK(s->ops->idem_insert(s, 2, &other, E));
    OK(s->ops->commit(s, E));
    OK(s->ops->idem_get(s, 1, "key-1", &got, E));
    assert_string_equal(got.path, "/api/v1/payments");
    OK(s->ops->idem_get(s, 2, "key-1", &got, E));
    assert_string_equal(got.path, "/api/v1/invoices");
    FAILS(OWED_E_NOT_FOUND, s->ops->idem_get(s, 1, "key-2", &got, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->idem_get(s, 3, "key-1", &got, NULL));

    /* Done: the response, a body with NUL bytes and every byte value. */
    static const char bin[] = "{\"id\":1}\0tail\0\xff\x80\x01";
    r.state = OWED_IDEM_DONE;
    r.status = 201;
    snprintf(r.content_type, sizeof r.content_type, "application/json");
    r.body = bin;
    r.body_len = sizeof bin; /* the final NUL too */
    r.updated_at = 1790000042;
    OK(s->ops->idem_update(s, 1, &r, E));
    OK(s->ops->idem_get(s, 1, "key-1", &got, E));
    expect_idem(&got, &r);
    assert_int_equal(got.body_len, 18);
    OK(s->ops->idem_get(s, 2, "key-1", &got, E)); /* the other organization's: untouched */
    assert_int_equal(got.state, OWED_IDEM_PENDING);
    assert_int_equal(got.body_len, 0);

    char *big = owed_xmalloc(300000);
    for (size_t i = 0; i < 300000; i++) big[i] = (char)(unsigned char)(i * 7 + i / 256);
    struct owed_idem_rec large = r;
    snprintf(large.key, sizeof large.key, "large");
    large.body = big;
    large.body_len = 300000;
    OK(s->ops->begin(s, E));
    OK(s->ops->idem_insert(s, 1, &large, E));
    OK(s->ops->commit(s, E));
    OK(s->ops->idem_get(s, 1, "large", &got, E));
    expect_idem(&got, &large);
    free(big);

    /* Back to an empty body; updates of a missing key or another org's are NOT_FOUND. */
    r.body = NULL;
    r.body_len = 0;
    r.status = 409;
    OK(s->ops->idem_update(s, 1, &r, E));
    OK(s->ops->idem_get(s, 1, "key-1", &got, E));
    expect_idem(&got, &r);
    snprintf(r.key, sizeof r.key, "key-2");
    FAILS(OWED_E_NOT_FOUND, s->ops->idem_update(s, 1, &r, NULL));
    snprintf(r.key, sizeof r.key, "large");
    FAILS(OWED_E_NOT_FOUND, s->ops->idem_update(s, 2, &r, NULL));
    OK(s->ops->idem_get(s, 1, "large", &got, E));
    assert_int_equal(got.body_len, 300000);
    close_store(s);
}

static void test_idem(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) idem_on(i);
}

/* ---- webhooks ---- */

static void fill_webhook(struct owed_webhook *w, const char *url, const char *events,
                         bool active)
{
    memset(w, 0, sizeof *w);
    snprintf(w->url, sizeof w->url, "%s", url);
    snprintf(w->secret, sizeof w->secret, "whsec_%s", events);
    snprintf(w->events, sizeof w->events, "%s", events);
    w->active = active;
}

static void expect_webhook(const struct owed_webhook *got, const struct owed_webhook *want)
{
    assert_int_equal(got->id, want->id);
    assert_string_equal(got->url, want->url);
    assert_string_equal(got->secret, want->secret);
    assert_string_equal(got->events, want->events);
    assert_int_equal(got->active, want->active);
    assert_string_equal(got->created_at, want->created_at);
}

static void webhooks_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    struct owed_webhook a, b, c, got;
    fill_webhook(&a, "https://a.example/hook", "*", true);
    OK(s->ops->webhook_insert(s, 1, &a, E));
    assert_int_equal(a.id, 1);
    expect_iso_utc(a.created_at, false);
    fill_webhook(&b, "https://b.example/h?x=1", "invoice.created,payment.received", false);
    OK(s->ops->begin(s, E));
    OK(s->ops->webhook_insert(s, 1, &b, E));
    OK(s->ops->commit(s, E));
    assert_int_equal(b.id, 2);
    fill_webhook(&c, "https://c.example/", "payment.received", true);
    OK(s->ops->webhook_insert(s, 2, &c, E));
    assert_int_equal(c.id, 1);

    OK(s->ops->webhook_get(s, 1, 1, &got, E));
    expect_webhook(&got, &a);
    OK(s->ops->webhook_get(s, 1, 2, &got, E));
    expect_webhook(&got, &b);
    OK(s->ops->webhook_get(s, 2, 1, &got, E));
    expect_webhook(&got, &c);
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_get(s, 2, 2, &got, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_get(s, 3, 1, &got, NULL));

    struct owed_webhook upd = b;
    snprintf(upd.url, sizeof upd.url, "https://b.example/v2");
    snprintf(upd.secret, sizeof upd.secret, "whsec_rotated");
    snprintf(upd.events, sizeof upd.events, "*");
    upd.active = true;
    OK(s->ops->webhook_update(s, 1, &upd, E));
    OK(s->ops->webhook_get(s, 1, 2, &got, E));
    expect_webhook(&got, &upd);
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_update(s, 2, &upd, NULL)); /* org 2 has no 2 */
    upd.id = 7;
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_update(s, 1, &upd, NULL));

    struct owed_buf lines = OWED_BUF_INIT(0);
    OK(s->ops->webhooks_each(s, 1, on_webhook_line, &lines, E));
    assert_string_equal(lines.ptr, "1:https://a.example/hook:whsec_*:*:a1\n"
                                   "2:https://b.example/v2:whsec_rotated:*:a1\n");

    /* Delete: only the organization's own. */
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_delete(s, 2, 2, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_delete(s, 3, 1, NULL));
    OK(s->ops->webhook_delete(s, 1, 1, E));
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_delete(s, 1, 1, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->webhook_get(s, 1, 1, &got, NULL));
    OK(s->ops->webhook_get(s, 2, 1, &got, E)); /* org 2's webhook 1 stays */
    expect_webhook(&got, &c);
    owed_buf_reset(&lines);
    OK(s->ops->webhooks_each(s, 1, on_webhook_line, &lines, E));
    OK(s->ops->webhooks_each(s, 2, on_webhook_line, &lines, E));
    assert_string_equal(lines.ptr,
                        "2:https://b.example/v2:whsec_rotated:*:a1\n"
                        "1:https://c.example/:whsec_payment.received:payment.received:a1\n");
    owed_buf_release(&lines);
    close_store(s);
}

static void test_webhooks(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) webhooks_on(i);
}

/* ---- named locks ---- */

static bool try_lock(struct owed_store *s, const char *name)
{
    bool got = false;
    OK(s->ops->try_lock(s, name, &got, E));
    return got;
}

/* try_lock, retried every 10 ms for up to ms milliseconds. */
static bool lock_within(struct owed_store *st, const char *name, int ms)
{
    for (int waited = 0;; waited += 10) {
        if (try_lock(st, name)) return true;
        if (waited >= ms) return false;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void locks_on(int backend)
{
    struct owed_store *s = open_store(backend);
    if (backend == SQLITE) {
        /* One file, one scheduler: always granted. */
        assert_true(try_lock(s, "dunning"));
        assert_true(try_lock(s, "dunning"));
        s->ops->unlock(s, "dunning");
        s->ops->unlock(s, "never taken");
        close_store(s);
        return;
    }
    struct owed_store *t = NULL, *u = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    OK(owed_store_open(store_url(backend), false, &t, E));
    assert_true(try_lock(s, "dunning"));
    assert_true(try_lock(s, "dunning")); /* held: yes again, and one unlock frees it */
    assert_false(try_lock(t, "dunning"));
    assert_true(try_lock(t, "outbox")); /* another name */
    assert_false(try_lock(s, "outbox"));
    /* A session lock outlives a transaction rolled back. */
    OK(s->ops->begin(s, E));
    assert_true(try_lock(s, "sweeper"));
    s->ops->rollback(s);
    assert_false(try_lock(t, "sweeper"));
    s->ops->unlock(s, "dunning");
    assert_true(try_lock(t, "dunning"));
    assert_false(try_lock(s, "dunning"));
    t->ops->unlock(t, "dunning");
    t->ops->unlock(t, "dunning"); /* not held any more: nothing */
    t->ops->unlock(t, "never taken");
    assert_true(try_lock(s, "dunning"));
    /* The store's organization write locks are another key space: a writer of
     * organization 1 is not blocked by named locks, nor are they by it. */
    OK(t->ops->begin(t, E));
    struct owed_webhook w;
    fill_webhook(&w, "https://x.example/", "*", true);
    OK(t->ops->webhook_insert(t, 1, &w, E));
    assert_false(try_lock(t, "dunning"));
    OK(t->ops->commit(t, E));
    /* Closing the connection releases its locks. */
    OK(owed_store_open(store_url(backend), false, &u, E));
    assert_false(try_lock(u, "dunning"));
    assert_false(try_lock(u, "sweeper"));
    close_store(s);
    /* The server ends the closed session's backend a moment after the client goes, and
     * only then frees its locks: wait for that, up to 5 s. */
    assert_true(lock_within(u, "dunning", 5000));
    assert_true(try_lock(u, "sweeper"));
    assert_false(try_lock(t, "dunning"));
    close_store(u);
    close_store(t);
    owed_buf_release(&err);
}

static void test_locks(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) locks_on(i);
}

/* ---- migration ---- */

/* A database at version 4 (the platform tables and the gateway secret dropped, versions 5
 * and up forgotten) gets version 5 and up from migrate, its data kept. */
static void migrate_on(int backend)
{
    struct owed_store *s = open_store(backend);
    int64_t org = 0;
    OK(s->ops->org_create(s, "Kept", &org, E));
    close_store(s);
    run_sql(backend, "DROP TABLE users; DROP TABLE credentials; DROP TABLE audit;"
                     " DROP TABLE api_idempotency; DROP TABLE webhooks;"
                     " ALTER TABLE orgs DROP COLUMN gateway_secret;"
                     " DROP TABLE documents; DROP TABLE sequences; DROP TABLE org_docs;"
                     " DROP TABLE recurring; DROP TABLE recurring_periods;"
                     " DROP TABLE portal_links; DROP TABLE portal_sessions;"
                     " DROP TABLE portal_events; DROP TABLE portal_feedback;"
                     " DELETE FROM schema_migrations WHERE version >= 5");
    s = NULL;
    OK(owed_store_open(store_url(backend), false, &s, E));
    int version = 0;
    OK(s->ops->schema_version(s, &version, E));
    assert_int_equal(version, 4);
    OK(s->ops->migrate(s, E));
    OK(s->ops->schema_version(s, &version, E));
    assert_true(version >= 5);
    struct owed_user u;
    fill_user(&u, "late@example.com", "Late", OWED_ROLE_ADMIN);
    OK(s->ops->user_insert(s, org, &u, E));
    assert_int_equal(u.id, 1);
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->orgs_each(s, on_pair_line, &b, E));
    assert_string_equal(b.ptr, "1=Default\n2=Kept\n");
    owed_buf_release(&b);
    close_store(s);
}

static void test_migrate_from_v4(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) migrate_on(i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orgs),     cmocka_unit_test(test_users),
        cmocka_unit_test(test_creds),    cmocka_unit_test(test_audit),
        cmocka_unit_test(test_idem),     cmocka_unit_test(test_webhooks),
        cmocka_unit_test(test_locks),    cmocka_unit_test(test_migrate_from_v4),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
