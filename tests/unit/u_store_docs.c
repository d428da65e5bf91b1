/* The store operations of schema v7 (documents, issue 7: invoices and credit notes as
 * documents, gapless sequences, settings documents, recurring schedules), called
 * directly: the same expectations on every backend. SQLite (a temporary file) always;
 * PostgreSQL too when OWED_PG_STATE names a server of tests/pg/pg-start.sh (a database
 * owed_store_docs_PID is created on it, made afresh for every test, and dropped at the end).
 *
 * Checked: the round trip of every column of a document, with a 100 KB JSON body and UTF-8
 * text; ids from 1 per organization; a lookup by (type, ledger id), never of a draft
 * (ledger id 0); a ledger id taken by another document of the type is OWED_E_EXISTS on
 * insert and on update, writes nothing and leaves the transaction able to commit, while the
 * other type and any number of drafts may share it; updates of a missing document or of
 * another organization's are OWED_E_NOT_FOUND; docs_each with each filter, alone and
 * together, and a store call from inside its callback; sequences 1, 2, 3 per name and per
 * organization, a rolled-back value given back; settings documents unset (OWED_E_NOT_FOUND,
 * the buffer reset), set and overwritten; recurring schedules inserted, updated and listed
 * with the count of periods claimed; a period claimed twice is OWED_E_EXISTS and the
 * transaction goes on; and organization 2 sees none of organization 1's rows. */
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

/* Document types as core/invoice_doc.h numbers them (UNTDID 1001). */
enum { INVOICE = 380, CREDIT_NOTE = 381 };

/* ---- backends ---- */

enum { SQLITE = 0, PG = 1 };

static char pg_base[256];   /* "" without PostgreSQL */
static char pg_db_url[320]; /* BASE/owed_store_docs_PID */
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
    snprintf(sqlite_path, sizeof sqlite_path, "%s/owed_store_docs_%ld.db",
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
    snprintf(pg_db_name, sizeof pg_db_name, "owed_store_docs_%ld", (long)getpid());
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

/* A fresh store at version 7 or later, with a second organization (id 2). */
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
    assert_true(version >= 7);
    owed_buf_release(&err);
    int64_t org2 = 0;
    OK(s->ops->org_create(s, "Second", &org2, E));
    assert_int_equal(org2, 2);
    return s;
}

/* ---- documents ---- */

static void fill_doc(struct owed_doc_rec *d, int type, int64_t customer_id, int64_t ledger_id,
                     const char *number, const char *body)
{
    memset(d, 0, sizeof *d);
    d->type = type;
    d->status = ledger_id ? OWED_DOCST_ISSUED : OWED_DOCST_DRAFT;
    snprintf(d->number, sizeof d->number, "%s", number);
    d->customer_id = customer_id;
    d->ledger_id = ledger_id;
    d->body = body;
    snprintf(d->source, sizeof d->source, "owed");
    snprintf(d->created_at, sizeof d->created_at, "2026-11-23T10:00:00Z");
    if (ledger_id) snprintf(d->issued_at, sizeof d->issued_at, "2026-11-23T10:05:00Z");
}

static void expect_doc(const struct owed_doc_rec *got, const struct owed_doc_rec *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->type, want->type);
    assert_int_equal(got->status, want->status);
    assert_string_equal(got->number, want->number);
    assert_int_equal(got->customer_id, want->customer_id);
    assert_int_equal(got->ledger_id, want->ledger_id);
    assert_non_null(got->body);
    assert_int_equal(strlen(got->body), strlen(want->body ? want->body : "{}"));
    assert_string_equal(got->body, want->body ? want->body : "{}");
    assert_string_equal(got->source, want->source);
    assert_string_equal(got->created_at, want->created_at);
    assert_string_equal(got->issued_at, want->issued_at);
    assert_string_equal(got->ack_at, want->ack_at);
    assert_string_equal(got->ack_via, want->ack_via);
    assert_string_equal(got->sent_at, want->sent_at);
    assert_string_equal(got->delivery, want->delivery);
    assert_int_equal(got->message_id, want->message_id);
}

/* A JSON document of a little over `size` bytes with multi-byte UTF-8 in every line. */
static char *big_json(size_t size, const char *tag)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_addf(&b, "{\"tag\":\"%s\",\"lines\":[", tag);
    for (int i = 0; b.len < size; i++) {
        owed_buf_addf(&b, "%s{\"n\":%d,\"name\":\"Größe ✓ 日本語 €%d\",\"qty\":\"1.50\"}",
                      i ? "," : "", i, i);
    }
    owed_buf_addf(&b, "]}");
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    return owed_buf_detach(&b, NULL);
}

static int on_doc_line(void *ctx, const struct owed_doc_rec *d)
{
    owed_buf_addf(ctx, "%lld:t%d:s%d:%s:c%lld:l%lld:b%zu\n", (long long)d->id, d->type, d->status,
                  d->number, (long long)d->customer_id, (long long)d->ledger_id, strlen(d->body));
    return OWED_OK;
}

static char *docs_listing(struct owed_store *s, int64_t org, const struct owed_doc_filter *f)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->docs_each(s, org, f, on_doc_line, &b, E));
    return owed_buf_detach(&b, NULL);
}

static void expect_listing(struct owed_store *s, int64_t org, const struct owed_doc_filter *f,
                           const char *want)
{
    char *got = docs_listing(s, org, f);
    assert_string_equal(got, want);
    free(got);
}

/* Insert, get by id and by (type, ledger id), update: every column, a 100 KB body. */
static void docs_roundtrip_on(int backend)
{
    struct owed_store *s = open_store(backend);
    char *body = big_json(100 * 1024, "first");
    char *body2 = big_json(120 * 1024, "second ✓");
    struct owed_doc_rec a, got;
    struct owed_buf out = OWED_BUF_INIT(0);
    fill_doc(&a, INVOICE, 7, 0, "", body);
    snprintf(a.source, sizeof a.source, "recurring:12");
    OK(s->ops->begin(s, E));
    OK(s->ops->doc_insert(s, 1, &a, E));
    assert_int_equal(a.id, 1);
    OK(s->ops->doc_get(s, 1, a.id, 0, 0, &got, &out, E)); /* its own write, before commit */
    expect_doc(&got, &a);
    OK(s->ops->commit(s, E));
    OK(s->ops->doc_get(s, 1, 1, 0, 0, &got, &out, E));
    expect_doc(&got, &a);
    assert_ptr_equal(got.body, out.ptr);
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_get(s, 1, 2, 0, 0, &got, &out, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_get(s, 1, 0, INVOICE, 0, &got, &out, NULL)); /* draft */

    /* Issue it: every field doc_update sets; type, customer, source and created_at stay. */
    struct owed_doc_rec upd = a;
    upd.status = OWED_DOCST_ISSUED;
    snprintf(upd.number, sizeof upd.number, "RE-2026-Ä0001");
    upd.ledger_id = 41;
    upd.body = body2;
    snprintf(upd.issued_at, sizeof upd.issued_at, "2026-11-24T08:00:00Z");
    snprintf(upd.ack_at, sizeof upd.ack_at, "2026-11-25T09:30:00Z");
    snprintf(upd.ack_via, sizeof upd.ack_via, "link:jörg@example.com");
    snprintf(upd.sent_at, sizeof upd.sent_at, "2026-11-24T08:01:00Z");
    snprintf(upd.delivery, sizeof upd.delivery, "sent");
    upd.message_id = 9;
    struct owed_doc_rec ignored = upd;
    ignored.type = CREDIT_NOTE;
    ignored.customer_id = 99;
    snprintf(ignored.source, sizeof ignored.source, "csv");
    snprintf(ignored.created_at, sizeof ignored.created_at, "1999-01-01T00:00:00Z");
    OK(s->ops->doc_update(s, 1, &ignored, E));
    OK(s->ops->doc_get(s, 1, 1, 0, 0, &got, &out, E));
    expect_doc(&got, &upd);
    OK(s->ops->doc_get(s, 1, 0, INVOICE, 41, &got, &out, E));
    expect_doc(&got, &upd);
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_get(s, 1, 0, CREDIT_NOTE, 41, &got, &out, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_get(s, 1, 0, INVOICE, 42, &got, &out, NULL));

    /* No body: "{}". Updates of a missing document are OWED_E_NOT_FOUND. */
    struct owed_doc_rec b;
    fill_doc(&b, CREDIT_NOTE, 7, 0, "", NULL);
    OK(s->ops->doc_insert(s, 1, &b, E));
    assert_int_equal(b.id, 2);
    OK(s->ops->doc_get(s, 1, 2, 0, 0, &got, &out, E));
    expect_doc(&got, &b);
    upd.id = 3;
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_update(s, 1, &upd, NULL));
    OK(s->ops->begin(s, E));
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_update(s, 1, &upd, NULL));
    OK(s->ops->commit(s, E));
    owed_buf_release(&out);
    free(body);
    free(body2);
    owed_store_close(s);
}

static void test_docs_roundtrip(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) docs_roundtrip_on(i);
}

/* A ledger id is unique per type and organization; drafts (0) share it freely. */
static void docs_unique_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_doc_rec a, b, c, d, dup, got;
    struct owed_buf out = OWED_BUF_INIT(0);
    fill_doc(&a, INVOICE, 1, 10, "INV-1", "{\"a\":1}");
    fill_doc(&b, CREDIT_NOTE, 1, 10, "CN-1", "{\"b\":1}"); /* the other type: allowed */
    fill_doc(&c, INVOICE, 1, 0, "", "{\"c\":1}");
    fill_doc(&d, INVOICE, 1, 0, "", "{\"d\":1}");
    OK(s->ops->begin(s, E));
    OK(s->ops->doc_insert(s, 1, &a, E));
    OK(s->ops->doc_insert(s, 1, &b, E));
    OK(s->ops->doc_insert(s, 1, &c, E));
    OK(s->ops->doc_insert(s, 1, &d, E));
    OK(s->ops->commit(s, E));
    assert_int_equal(d.id, 4);

    /* Inside a transaction: EXISTS, nothing written, and the next insert commits. */
    fill_doc(&dup, INVOICE, 2, 10, "INV-dup", "{}");
    OK(s->ops->begin(s, E));
    FAILS(OWED_E_EXISTS, s->ops->doc_insert(s, 1, &dup, NULL));
    struct owed_doc_rec e;
    fill_doc(&e, INVOICE, 2, 11, "INV-2", "{\"e\":1}");
    OK(s->ops->doc_insert(s, 1, &e, E));
    assert_int_equal(e.id, 5);
    OK(s->ops->commit(s, E));
    FAILS(OWED_E_EXISTS, s->ops->doc_insert(s, 1, &dup, NULL)); /* and outside one */

    /* An update onto a taken ledger id likewise; the draft stays as it was. */
    struct owed_doc_rec issue = c;
    issue.status = OWED_DOCST_ISSUED;
    issue.ledger_id = 11;
    OK(s->ops->begin(s, E));
    FAILS(OWED_E_EXISTS, s->ops->doc_update(s, 1, &issue, NULL));
    issue.ledger_id = 12;
    OK(s->ops->doc_update(s, 1, &issue, E)); /* the transaction goes on */
    issue.ledger_id = 10;
    FAILS(OWED_E_EXISTS, s->ops->doc_update(s, 1, &issue, NULL));
    struct owed_doc_rec f;
    fill_doc(&f, INVOICE, 3, 13, "INV-3", "{\"f\":1}");
    OK(s->ops->doc_insert(s, 1, &f, E));
    OK(s->ops->commit(s, E));
    issue.ledger_id = 12;
    OK(s->ops->doc_get(s, 1, 0, INVOICE, 12, &got, &out, E));
    expect_doc(&got, &issue);
    OK(s->ops->doc_update(s, 1, &d, E)); /* drafts share ledger id 0 */
    struct owed_doc_rec d2 = d;
    d2.ledger_id = 13;
    FAILS(OWED_E_EXISTS, s->ops->doc_update(s, 1, &d2, NULL)); /* outside a transaction */
    d2.ledger_id = 41; /* a document may keep its own ledger id when updated again */
    OK(s->ops->doc_update(s, 1, &d2, E));
    OK(s->ops->doc_update(s, 1, &d2, E));
    expect_listing(s, 1, NULL,
                   "1:t380:s2:INV-1:c1:l10:b7\n"
                   "2:t381:s2:CN-1:c1:l10:b7\n"
                   "3:t380:s2::c1:l12:b7\n"
                   "4:t380:s1::c1:l41:b7\n"
                   "5:t380:s2:INV-2:c2:l11:b7\n"
                   "6:t380:s2:INV-3:c3:l13:b7\n");
    owed_buf_release(&out);
    owed_store_close(s);
}

static void test_docs_unique(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) docs_unique_on(i);
}

/* From inside docs_each: a lookup of each document (a read during a read). */
struct nested {
    struct owed_store *s;
    int n;
};

static int on_nested_doc(void *ctx, const struct owed_doc_rec *d)
{
    struct nested *n = ctx;
    struct owed_doc_rec got;
    struct owed_buf out = OWED_BUF_INIT(0);
    int rc = n->s->ops->doc_get(n->s, 1, d->id, 0, 0, &got, &out, NULL);
    if (rc == OWED_OK && strcmp(got.body, d->body) == 0) n->n++;
    owed_buf_release(&out);
    return rc;
}

static void docs_each_on(int backend)
{
    struct owed_store *s = open_store(backend);
    char *body = big_json(100 * 1024, "listed");
    /* customer, type, ledger id (0: a draft) */
    static const struct {
        int64_t customer;
        int type;
        int64_t ledger;
    } rows[] = {{1, INVOICE, 0},
                {1, INVOICE, 5},
                {2, CREDIT_NOTE, 5},
                {2, INVOICE, 6},
                {1, CREDIT_NOTE, 0}};
    OK(s->ops->begin(s, E));
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct owed_doc_rec d;
        fill_doc(&d, rows[i].type, rows[i].customer, rows[i].ledger, "", i == 1 ? body : "{}");
        OK(s->ops->doc_insert(s, 1, &d, E));
    }
    OK(s->ops->commit(s, E));
    char all[256];
    snprintf(all, sizeof all,
             "1:t380:s1::c1:l0:b2\n2:t380:s2::c1:l5:b%zu\n3:t381:s2::c2:l5:b2\n"
             "4:t380:s2::c2:l6:b2\n5:t381:s1::c1:l0:b2\n",
             strlen(body));
    expect_listing(s, 1, NULL, all);
    struct owed_doc_filter f = {0};
    expect_listing(s, 1, &f, all);
    f.customer_id = 2;
    expect_listing(s, 1, &f, "3:t381:s2::c2:l5:b2\n4:t380:s2::c2:l6:b2\n");
    f = (struct owed_doc_filter){.status = OWED_DOCST_DRAFT};
    expect_listing(s, 1, &f, "1:t380:s1::c1:l0:b2\n5:t381:s1::c1:l0:b2\n");
    f = (struct owed_doc_filter){.type = CREDIT_NOTE};
    expect_listing(s, 1, &f, "3:t381:s2::c2:l5:b2\n5:t381:s1::c1:l0:b2\n");
    f = (struct owed_doc_filter){.customer_id = 1, .status = OWED_DOCST_ISSUED, .type = INVOICE};
    char one[64];
    snprintf(one, sizeof one, "2:t380:s2::c1:l5:b%zu\n", strlen(body));
    expect_listing(s, 1, &f, one);
    f = (struct owed_doc_filter){.customer_id = 3};
    expect_listing(s, 1, &f, "");

    /* A store call from inside the callback, the 100 KB body still streaming. */
    struct nested n = {s, 0};
    OK(s->ops->docs_each(s, 1, NULL, on_nested_doc, &n, E));
    assert_int_equal(n.n, 5);
    free(body);
    owed_store_close(s);
}

static void test_docs_each(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) docs_each_on(i);
}

/* ---- sequences ---- */

static int64_t seq(struct owed_store *s, int64_t org, const char *name)
{
    int64_t v = -1;
    OK(s->ops->seq_next(s, org, name, &v, E));
    return v;
}

static void seq_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    assert_int_equal(seq(s, 1, "invoice"), 1);
    assert_int_equal(seq(s, 1, "invoice"), 2);
    assert_int_equal(seq(s, 1, "credit_note"), 1);
    assert_int_equal(seq(s, 1, "invoice"), 3);
    assert_int_equal(seq(s, 2, "invoice"), 1); /* per organization */
    OK(s->ops->commit(s, E));

    /* A rolled-back transaction gives its values back: gapless. */
    OK(s->ops->begin(s, E));
    assert_int_equal(seq(s, 1, "invoice"), 4);
    assert_int_equal(seq(s, 1, "invoice"), 5);
    assert_int_equal(seq(s, 1, "Rechnung 2026 ✓"), 1); /* a new name, rolled back too */
    s->ops->rollback(s);
    OK(s->ops->begin(s, E));
    assert_int_equal(seq(s, 1, "invoice"), 4);
    assert_int_equal(seq(s, 1, "Rechnung 2026 ✓"), 1);
    assert_int_equal(seq(s, 2, "invoice"), 2);
    assert_int_equal(seq(s, 2, "credit_note"), 1);
    OK(s->ops->commit(s, E));
    OK(s->ops->begin(s, E));
    assert_int_equal(seq(s, 1, "invoice"), 5);
    assert_int_equal(seq(s, 1, "credit_note"), 2);
    OK(s->ops->commit(s, E));
    owed_store_close(s);
}

static void test_seq(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) seq_on(i);
}

/* ---- settings documents ---- */

static void orgdoc_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_buf json = OWED_BUF_INIT(0);
    owed_buf_addf(&json, "stale");
    FAILS(OWED_E_NOT_FOUND, s->ops->orgdoc_get(s, 1, "seller", &json, NULL));
    assert_int_equal(json.len, 0);
    assert_string_equal(json.ptr, "");

    static const char seller[] = "{\"name\":\"Müller & Söhne GmbH\",\"iban\":\"DE89 3704\"}";
    OK(s->ops->orgdoc_put(s, 1, "seller", seller, E));
    OK(s->ops->orgdoc_get(s, 1, "seller", &json, E));
    assert_string_equal(json.ptr, seller);
    char *big = big_json(100 * 1024, "terms");
    OK(s->ops->begin(s, E));
    OK(s->ops->orgdoc_put(s, 1, "terms", big, E));
    OK(s->ops->orgdoc_put(s, 1, "seller", "{\"name\":\"Neu ✓\"}", E)); /* overwrite */
    OK(s->ops->commit(s, E));
    OK(s->ops->orgdoc_get(s, 1, "seller", &json, E));
    assert_string_equal(json.ptr, "{\"name\":\"Neu ✓\"}");
    OK(s->ops->orgdoc_get(s, 1, "terms", &json, E));
    assert_int_equal(json.len, strlen(big));
    assert_string_equal(json.ptr, big);

    /* A rolled-back overwrite leaves the value; another organization has its own keys. */
    OK(s->ops->begin(s, E));
    OK(s->ops->orgdoc_put(s, 1, "seller", "{}", E));
    s->ops->rollback(s);
    OK(s->ops->orgdoc_get(s, 1, "seller", &json, E));
    assert_string_equal(json.ptr, "{\"name\":\"Neu ✓\"}");
    FAILS(OWED_E_NOT_FOUND, s->ops->orgdoc_get(s, 2, "seller", &json, NULL));
    assert_int_equal(json.len, 0);
    OK(s->ops->orgdoc_put(s, 2, "seller", "{\"org\":2}", E));
    OK(s->ops->orgdoc_get(s, 2, "seller", &json, E));
    assert_string_equal(json.ptr, "{\"org\":2}");
    OK(s->ops->orgdoc_get(s, 1, "seller", &json, E));
    assert_string_equal(json.ptr, "{\"name\":\"Neu ✓\"}");
    FAILS(OWED_E_NOT_FOUND, s->ops->orgdoc_get(s, 1, "party:7", &json, NULL));
    free(big);
    owed_buf_release(&json);
    owed_store_close(s);
}

static void test_orgdoc(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) orgdoc_on(i);
}

/* ---- recurring schedules ---- */

static void fill_recurring(struct owed_recurring_rec *r, int64_t customer_id, const char *rule,
                           const char *body)
{
    memset(r, 0, sizeof *r);
    r->customer_id = customer_id;
    snprintf(r->rule, sizeof r->rule, "%s", rule);
    r->start_date = 20500;
    r->body = body;
    r->active = true;
    snprintf(r->created_at, sizeof r->created_at, "2026-11-23T10:00:00Z");
}

static int on_recurring_line(void *ctx, const struct owed_recurring_rec *r)
{
    owed_buf_addf(ctx, "%lld:c%lld:%s:%d-%d:m%lld:%s:a%d:%s:p%lld\n", (long long)r->id,
                  (long long)r->customer_id, r->rule, (int)r->start_date, (int)r->end_date,
                  (long long)r->max_count, r->body, (int)r->active, r->created_at,
                  (long long)r->periods);
    return OWED_OK;
}

static char *recurring_listing(struct owed_store *s, int64_t org, int64_t id)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->recurring_each(s, org, id, on_recurring_line, &b, E));
    return owed_buf_detach(&b, NULL);
}

static void expect_recurring(struct owed_store *s, int64_t org, int64_t id, const char *want)
{
    char *got = recurring_listing(s, org, id);
    assert_string_equal(got, want);
    free(got);
}

static void recurring_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_recurring_rec a, b;
    fill_recurring(&a, 7, "monthly", "{\"lines\":[\"Wartung ✓\"]}");
    fill_recurring(&b, 8, "every 14 days", NULL);
    b.end_date = 21000;
    b.max_count = 12;
    OK(s->ops->recurring_insert(s, 1, &a, E));
    OK(s->ops->begin(s, E));
    OK(s->ops->recurring_insert(s, 1, &b, E));
    OK(s->ops->commit(s, E));
    assert_int_equal(a.id, 1);
    assert_int_equal(b.id, 2);
    const char *line1 = "1:c7:monthly:20500-0:m0:{\"lines\":[\"Wartung ✓\"]}:a1:"
                        "2026-11-23T10:00:00Z:p";
    const char *line2 = "2:c8:every 14 days:20500-21000:m12:{}:a1:2026-11-23T10:00:00Z:p";
    char want[512];
    snprintf(want, sizeof want, "%s0\n%s0\n", line1, line2);
    expect_recurring(s, 1, 0, want);

    /* Periods: a second claim is EXISTS, writes nothing, and the transaction commits. */
    OK(s->ops->begin(s, E));
    OK(s->ops->period_claim(s, 1, 1, 1, 100, E));
    OK(s->ops->period_claim(s, 1, 1, 2, 101, E));
    FAILS(OWED_E_EXISTS, s->ops->period_claim(s, 1, 1, 1, 102, NULL));
    OK(s->ops->period_claim(s, 1, 2, 1, 103, E)); /* the same period of another schedule */
    OK(s->ops->period_claim(s, 1, 1, 3, 104, E));
    OK(s->ops->commit(s, E));
    FAILS(OWED_E_EXISTS, s->ops->period_claim(s, 1, 1, 2, 105, NULL));
    OK(s->ops->begin(s, E));
    OK(s->ops->period_claim(s, 1, 2, 2, 106, E));
    s->ops->rollback(s); /* not counted */
    snprintf(want, sizeof want, "%s3\n%s1\n", line1, line2);
    expect_recurring(s, 1, 0, want);
    snprintf(want, sizeof want, "%s1\n", line2);
    expect_recurring(s, 1, 2, want);
    expect_recurring(s, 1, 3, "");

    /* Update: rule, dates, count, body and active; customer and created_at stay. */
    struct owed_recurring_rec upd = b;
    snprintf(upd.rule, sizeof upd.rule, "quarterly");
    upd.start_date = 20600;
    upd.end_date = 0;
    upd.max_count = 0;
    upd.body = "{\"v\":2}";
    upd.active = false;
    upd.customer_id = 99;
    snprintf(upd.created_at, sizeof upd.created_at, "1999-01-01T00:00:00Z");
    OK(s->ops->recurring_update(s, 1, &upd, E));
    expect_recurring(s, 1, 2, "2:c8:quarterly:20600-0:m0:{\"v\":2}:a0:2026-11-23T10:00:00Z:p1\n");
    upd.id = 3;
    FAILS(OWED_E_NOT_FOUND, s->ops->recurring_update(s, 1, &upd, NULL));
    owed_store_close(s);
}

static void test_recurring(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) recurring_on(i);
}

/* ---- tenant isolation ---- */

static void isolation_on(int backend)
{
    struct owed_store *s = open_store(backend);
    struct owed_doc_rec a, got;
    struct owed_recurring_rec r;
    struct owed_buf out = OWED_BUF_INIT(0);
    fill_doc(&a, INVOICE, 1, 10, "INV-1", "{\"org\":1}");
    fill_recurring(&r, 1, "monthly", "{}");
    OK(s->ops->begin(s, E));
    OK(s->ops->doc_insert(s, 1, &a, E));
    OK(s->ops->recurring_insert(s, 1, &r, E));
    OK(s->ops->period_claim(s, 1, r.id, 1, a.id, E));
    OK(s->ops->orgdoc_put(s, 1, "seller", "{}", E));
    assert_int_equal(seq(s, 1, "invoice"), 1);
    OK(s->ops->commit(s, E));

    /* Organization 2 sees none of it, and cannot change it. */
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_get(s, 2, a.id, 0, 0, &got, &out, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_get(s, 2, 0, INVOICE, 10, &got, &out, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->doc_update(s, 2, &a, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->recurring_update(s, 2, &r, NULL));
    FAILS(OWED_E_NOT_FOUND, s->ops->orgdoc_get(s, 2, "seller", &out, NULL));
    expect_listing(s, 2, NULL, "");
    expect_recurring(s, 2, 0, "");
    expect_recurring(s, 2, r.id, "");

    /* Its own rows: ids from 1, the same ledger id and period free there. */
    struct owed_doc_rec b;
    struct owed_recurring_rec r2;
    fill_doc(&b, INVOICE, 1, 10, "INV-1", "{\"org\":2}");
    fill_recurring(&r2, 1, "monthly", "{}");
    OK(s->ops->begin(s, E));
    OK(s->ops->doc_insert(s, 2, &b, E));
    OK(s->ops->recurring_insert(s, 2, &r2, E));
    OK(s->ops->period_claim(s, 2, r2.id, 1, b.id, E));
    assert_int_equal(seq(s, 2, "invoice"), 1);
    OK(s->ops->commit(s, E));
    assert_int_equal(b.id, 1);
    assert_int_equal(r2.id, 1);
    OK(s->ops->doc_get(s, 2, 0, INVOICE, 10, &got, &out, E));
    expect_doc(&got, &b);
    OK(s->ops->doc_get(s, 1, 0, INVOICE, 10, &got, &out, E));
    expect_doc(&got, &a);
    expect_listing(s, 1, NULL, "1:t380:s2:INV-1:c1:l10:b9\n");
    expect_recurring(s, 1, 0, "1:c1:monthly:20500-0:m0:{}:a1:2026-11-23T10:00:00Z:p1\n");
    owed_buf_release(&out);
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
        cmocka_unit_test(test_docs_roundtrip), cmocka_unit_test(test_docs_unique),
        cmocka_unit_test(test_docs_each),      cmocka_unit_test(test_seq),
        cmocka_unit_test(test_orgdoc),         cmocka_unit_test(test_recurring),
        cmocka_unit_test(test_isolation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
