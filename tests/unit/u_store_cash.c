/* The store operations of schema v2 (cash application, bank statements), called directly:
 * the same expectations on every backend. SQLite (":memory:") always; PostgreSQL too when
 * OWED_PG_STATE names a server of tests/pg/pg-start.sh (a database owed_store_cash_PID is
 * created on it and dropped at the end).
 *
 * Besides the round trip of every new column, this checks what the PostgreSQL backend's
 * buffered writes must not hide: rows written earlier in the same transaction are seen by
 * lookups by key and id, by sums (allocated, outflows) and by listings; a duplicate key is
 * answered with the id of the row that has it, in the same transaction and in the next;
 * and a store call made from inside an iteration callback works, as on SQLite. */
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

static char pg_base[256];   /* "" without PostgreSQL */
static char pg_db_url[320]; /* BASE/owed_store_cash_PID */
static char pg_db_name[64];

static void pg_admin(const char *sql)
{
    char url[320];
    size_t n = strcspn(pg_base, "?");
    while (n > 0 && pg_base[n - 1] == '/') n--;
    snprintf(url, sizeof url, "%.*s/postgres", (int)n, pg_base);
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

static int setup(void **state)
{
    (void)state;
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
    snprintf(pg_db_name, sizeof pg_db_name, "owed_store_cash_%ld", (long)getpid());
    snprintf(pg_db_url, sizeof pg_db_url, "%.*s/%s", (int)n, pg_base, pg_db_name);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", pg_db_name);
    pg_admin(sql);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!pg_base[0]) return 0;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pg_db_name);
    pg_admin(sql);
    return 0;
}

/* Each test runs on every backend, on a fresh schema. */
static int nbackends(void) { return pg_base[0] ? 2 : 1; }

static struct owed_store *open_store(int backend)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    struct owed_store *s = NULL;
    if (backend == 1) {
        /* A fresh schema: drop what the previous test left. */
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pg_db_name);
        pg_admin(sql);
        snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", pg_db_name);
        pg_admin(sql);
    }
    int rc = owed_store_open(backend == 1 ? pg_db_url : ":memory:", true, &s, &err);
    if (rc == OWED_OK) rc = s->ops->migrate(s, &err);
    if (rc) print_error("open: %s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_release(&err);
    return s;
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

/* ---- fixtures ---- */

static void add_customer(struct owed_store *s, const char *ref, struct owed_customer *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->ref, sizeof c->ref, "%s", ref);
    snprintf(c->name, sizeof c->name, "Name of %s", ref);
    snprintf(c->currency, sizeof c->currency, "EUR");
    snprintf(c->terms, sizeof c->terms, "2/10 NET30");
    OK(s->ops->customer_insert(s, 1, c, E));
}

static void fill_entry(struct owed_entry_rec *e, int64_t statement_id, const char *key)
{
    memset(e, 0, sizeof *e);
    e->statement_id = statement_id;
    snprintf(e->key, sizeof e->key, "%s", key);
    e->booking_date = INT32_MIN;
    e->value_date = 20500;
    e->amount_minor = 98000;
    snprintf(e->currency, sizeof e->currency, "EUR");
    e->credit = true;
    snprintf(e->entry_ref, sizeof e->entry_ref, "REF-%s", key);
    snprintf(e->end_to_end, sizeof e->end_to_end, "E2E");
    /* COPY's special bytes must come back as they were. */
    snprintf(e->remittance, sizeof e->remittance, "Rechnung INV-1\ttab\nline \\N back\\slash");
    snprintf(e->counterparty_name, sizeof e->counterparty_name, "Café Zürich");
    snprintf(e->counterparty_account, sizeof e->counterparty_account, "DE89370400440532013000");
    snprintf(e->bank_code, sizeof e->bank_code, "PMNT-RCDT-ESCT");
    e->status = OWED_ENTRY_REVIEW;
    e->score = 60;
    snprintf(e->suggestions, sizeof e->suggestions, "[{\"invoice\":\"INV-1\"}]");
}

static void expect_entry(const struct owed_entry_rec *got, const struct owed_entry_rec *want)
{
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->statement_id, want->statement_id);
    assert_string_equal(got->key, want->key);
    assert_int_equal(got->booking_date, want->booking_date);
    assert_int_equal(got->value_date, want->value_date);
    assert_int_equal(got->amount_minor, want->amount_minor);
    assert_string_equal(got->currency, want->currency);
    assert_int_equal(got->credit, want->credit);
    assert_string_equal(got->entry_ref, want->entry_ref);
    assert_string_equal(got->end_to_end, want->end_to_end);
    assert_string_equal(got->remittance, want->remittance);
    assert_string_equal(got->counterparty_name, want->counterparty_name);
    assert_string_equal(got->counterparty_account, want->counterparty_account);
    assert_string_equal(got->bank_code, want->bank_code);
    assert_int_equal(got->status, want->status);
    assert_int_equal(got->customer_id, want->customer_id);
    assert_int_equal(got->payment_id, want->payment_id);
    assert_int_equal(got->score, want->score);
    assert_string_equal(got->suggestions, want->suggestions);
}

/* Collects listings as text, one line per row. */
static int on_entry_line(void *ctx, const struct owed_entry_rec *e)
{
    owed_buf_addf(ctx, "%lld:%d:%s\n", (long long)e->id, (int)e->status, e->key);
    return OWED_OK;
}

static int on_payer_line(void *ctx, const char *key, int64_t customer_id)
{
    owed_buf_addf(ctx, "%s=%lld\n", key, (long long)customer_id);
    return OWED_OK;
}

static int on_map_line(void *ctx, const char *name, const char *json)
{
    owed_buf_addf(ctx, "%s=%s\n", name, json);
    return OWED_OK;
}

static int on_alloc_line(void *ctx, const struct owed_allocation *a)
{
    owed_buf_addf(ctx, "%lld:p%lld:i%lld:%d:%lld:r%lld\n", (long long)a->id,
                  (long long)a->payment_id, (long long)a->invoice_id, (int)a->date,
                  (long long)a->amount_minor, (long long)a->reverses);
    return OWED_OK;
}

static int on_outflow_line(void *ctx, const struct owed_outflow *o)
{
    owed_buf_addf(ctx, "%lld:p%lld:k%d:%d:%lld:%s\n", (long long)o->id, (long long)o->payment_id,
                  (int)o->kind, (int)o->date, (long long)o->amount_minor, o->reason);
    return OWED_OK;
}

static int on_invoice_line(void *ctx, const struct owed_invoice *inv)
{
    owed_buf_addf(ctx, "%lld:%s:k%d:%s\n", (long long)inv->id, inv->number, (int)inv->kind,
                  inv->terms);
    return OWED_OK;
}

static int on_payment_line(void *ctx, const struct owed_payment *p)
{
    owed_buf_addf(ctx, "%lld:%s:k%d:%s:%s:%s\n", (long long)p->id, p->ref, (int)p->kind,
                  p->channel, p->payer_name, p->payer_account);
    return OWED_OK;
}

/* ---- tests ---- */

static void bank_statements_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    struct owed_stmt_rec st;
    memset(&st, 0, sizeof st);
    snprintf(st.key, sizeof st.key, "camt.053|DE89|STMT-1|2026-06-01");
    snprintf(st.format, sizeof st.format, "camt.053");
    snprintf(st.account, sizeof st.account, "DE89");
    snprintf(st.bank_stmt_id, sizeof st.bank_stmt_id, "STMT-1");
    snprintf(st.currency, sizeof st.currency, "EUR");
    st.date = INT32_MIN;
    st.has_opening = true;
    st.opening_minor = -500;
    st.opening_date = 20499;
    snprintf(st.file_name, sizeof st.file_name, "statement.xml");
    OK(s->ops->statement_insert(s, 1, &st, E));
    assert_int_equal(st.id, 1);
    struct owed_stmt_rec again = st;
    again.id = 0;
    assert_int_equal(s->ops->statement_insert(s, 1, &again, NULL), OWED_E_EXISTS);
    assert_int_equal(again.id, 1);

    struct owed_entry_rec e1, e2, dup, got;
    fill_entry(&e1, st.id, "k1");
    OK(s->ops->entry_insert(s, 1, &e1, E));
    assert_int_equal(e1.id, 1);
    fill_entry(&e2, st.id, "k2");
    e2.booking_date = 20499;
    e2.value_date = INT32_MIN;
    e2.credit = false;
    e2.status = OWED_ENTRY_IGNORED;
    OK(s->ops->entry_insert(s, 1, &e2, E));
    assert_int_equal(e2.id, 2);
    /* A duplicate in the same transaction: the id of the one recorded, no id used up. */
    fill_entry(&dup, st.id, "k1");
    assert_int_equal(s->ops->entry_insert(s, 1, &dup, NULL), OWED_E_EXISTS);
    assert_int_equal(dup.id, 1);

    /* Lookups and updates see the transaction's own entries. */
    OK(s->ops->entry_get(s, 1, 1, &got, E));
    expect_entry(&got, &e1);
    OK(s->ops->entry_get(s, 1, 2, &got, E));
    expect_entry(&got, &e2);
    e1.status = OWED_ENTRY_MATCHED;
    e1.customer_id = 7;
    e1.payment_id = 9;
    e1.score = 98;
    snprintf(e1.suggestions, sizeof e1.suggestions, "%s", "");
    OK(s->ops->entry_update(s, 1, &e1, E));
    OK(s->ops->entry_get(s, 1, 1, &got, E));
    expect_entry(&got, &e1);
    struct owed_entry_rec missing = e1;
    missing.id = 99;
    assert_int_equal(s->ops->entry_update(s, 1, &missing, NULL), OWED_E_NOT_FOUND);
    assert_int_equal(s->ops->entry_get(s, 1, 99, &got, NULL), OWED_E_NOT_FOUND);

    struct owed_entry_rec e3;
    fill_entry(&e3, st.id, "k3");
    OK(s->ops->entry_insert(s, 1, &e3, E));
    assert_int_equal(e3.id, 3);
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->entries_each(s, 1, 0, on_entry_line, &b, E));
    assert_string_equal(b.ptr, "1:1:k1\n2:4:k2\n3:2:k3\n");
    owed_buf_reset(&b);
    OK(s->ops->entries_each(s, 1, OWED_ENTRY_REVIEW, on_entry_line, &b, E));
    assert_string_equal(b.ptr, "3:2:k3\n");
    OK(s->ops->commit(s, E));

    /* The next transaction knows the keys too. */
    OK(s->ops->begin(s, E));
    fill_entry(&dup, st.id, "k2");
    assert_int_equal(s->ops->entry_insert(s, 1, &dup, NULL), OWED_E_EXISTS);
    assert_int_equal(dup.id, 2);
    again.id = 0;
    assert_int_equal(s->ops->statement_insert(s, 1, &again, NULL), OWED_E_EXISTS);
    assert_int_equal(again.id, 1);
    struct owed_entry_rec e4;
    fill_entry(&e4, st.id, "k4");
    OK(s->ops->entry_insert(s, 1, &e4, E));
    assert_int_equal(e4.id, 4);
    s->ops->rollback(s);
    owed_buf_reset(&b);
    OK(s->ops->entries_each(s, 1, 0, on_entry_line, &b, E));
    assert_string_equal(b.ptr, "1:1:k1\n2:4:k2\n3:2:k3\n");
    owed_buf_release(&b);
    owed_store_close(s);
}

static void test_bank_statements(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) bank_statements_on(i);
}

static void payers_and_maps_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    OK(s->ops->payer_learn(s, 1, "alpha", 1, E));
    OK(s->ops->payer_learn(s, 1, "Zeta", 2, E));
    OK(s->ops->payer_learn(s, 1, "\xc3\x89" "clair", 3, E));
    OK(s->ops->payer_learn(s, 1, "alpha", 4, E)); /* learned again: the latest wins */
    OK(s->ops->csv_map_save(s, 1, "sparkasse", "{\"v\":1}", E));
    OK(s->ops->csv_map_save(s, 1, "Bank", "{}", E));
    OK(s->ops->csv_map_save(s, 1, "sparkasse", "{\"v\":2}", E));
    OK(s->ops->commit(s, E));
    struct owed_buf b = OWED_BUF_INIT(0);
    OK(s->ops->payers_each(s, 1, on_payer_line, &b, E));
    /* Byte order, as SQLite sorts (not the server's collation). */
    assert_string_equal(b.ptr, "Zeta=2\nalpha=4\n\xc3\x89" "clair=3\n");
    owed_buf_reset(&b);
    OK(s->ops->csv_maps_each(s, 1, on_map_line, &b, E));
    assert_string_equal(b.ptr, "Bank={}\nsparkasse={\"v\":2}\n");
    owed_buf_release(&b);

    struct owed_org_settings set;
    OK(s->ops->org_settings_get(s, 1, &set, E));
    assert_string_equal(set.tolerance, "");
    OK(s->ops->begin(s, E));
    snprintf(set.tolerance, sizeof set.tolerance, "0.5%%");
    OK(s->ops->org_settings_set(s, 1, &set, E));
    OK(s->ops->commit(s, E));
    memset(&set, 0, sizeof set);
    OK(s->ops->org_settings_get(s, 1, &set, E));
    assert_string_equal(set.tolerance, "0.5%");
    assert_int_equal(s->ops->org_settings_get(s, 2, &set, NULL), OWED_E_NOT_FOUND);
    owed_store_close(s);
}

static void test_payers_and_maps(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) payers_and_maps_on(i);
}

static void cash_in_one_transaction_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    struct owed_customer c1, c2, cu;
    add_customer(s, "C1", &c1);
    add_customer(s, "C2", &c2);
    OK(s->ops->customer_get_id(s, 1, c2.id, &cu, E));
    assert_string_equal(cu.ref, "C2");
    assert_int_equal(s->ops->customer_get_id(s, 1, 99, &cu, NULL), OWED_E_NOT_FOUND);

    struct owed_invoice inv = {0}, fee = {0}, got;
    snprintf(inv.number, sizeof inv.number, "INV-1");
    inv.customer_id = c1.id;
    inv.issue_date = 20400;
    inv.due_date = 20430;
    snprintf(inv.currency, sizeof inv.currency, "EUR");
    inv.amount_minor = 50000;
    snprintf(inv.terms, sizeof inv.terms, "2/10 NET30");
    OK(s->ops->invoice_insert(s, 1, &inv, E)); /* kind 0: a sale */
    fee = inv;
    snprintf(fee.number, sizeof fee.number, "FEE-1");
    fee.kind = OWED_INVOICE_FEE;
    fee.terms[0] = '\0';
    fee.amount_minor = 2500;
    OK(s->ops->invoice_insert(s, 1, &fee, E));

    struct owed_payment pay = {0}, pgot;
    snprintf(pay.ref, sizeof pay.ref, "P1");
    pay.customer_id = c1.id;
    pay.received_date = 20405;
    pay.amount_minor = 60000;
    snprintf(pay.currency, sizeof pay.currency, "EUR");
    snprintf(pay.method, sizeof pay.method, "wire");
    snprintf(pay.channel, sizeof pay.channel, "bank");
    snprintf(pay.payer_name, sizeof pay.payer_name, "Payer\tName");
    snprintf(pay.payer_account, sizeof pay.payer_account, "DE00");
    OK(s->ops->payment_insert(s, 1, &pay, E)); /* kind 0: cash */
    struct owed_payment cn = pay;
    snprintf(cn.ref, sizeof cn.ref, "CN-1");
    cn.customer_id = c2.id;
    cn.kind = OWED_PAYMENT_CREDIT_NOTE;
    cn.amount_minor = 1000;
    OK(s->ops->payment_insert(s, 1, &cn, E));

    struct owed_allocation a1 = {.payment_id = pay.id, .invoice_id = inv.id, .date = 20405,
                                 .amount_minor = 50000};
    OK(s->ops->allocation_insert(s, 1, &a1, E));
    struct owed_allocation a2 = {.payment_id = pay.id, .invoice_id = fee.id, .date = 20405,
                                 .amount_minor = 2500};
    OK(s->ops->allocation_insert(s, 1, &a2, E));
    struct owed_allocation un = {.payment_id = pay.id, .invoice_id = inv.id, .date = 20410,
                                 .amount_minor = -20000, .reverses = a1.id};
    OK(s->ops->allocation_insert(s, 1, &un, E));
    struct owed_outflow o1 = {.payment_id = pay.id, .kind = OWED_OUTFLOW_REFUND, .date = 20411,
                              .amount_minor = 3000};
    snprintf(o1.reason, sizeof o1.reason, "over\\paid");
    OK(s->ops->outflow_insert(s, 1, &o1, E));
    struct owed_outflow o2 = {.payment_id = cn.id, .kind = OWED_OUTFLOW_REFUND, .date = 20420,
                              .amount_minor = 400};
    OK(s->ops->outflow_insert(s, 1, &o2, E));

    /* Sums include the transaction's own allocations and outflows. */
    OK(s->ops->payment_get(s, 1, "P1", &pgot, E));
    assert_int_equal(pgot.kind, OWED_PAYMENT_CASH);
    assert_string_equal(pgot.channel, "bank");
    assert_string_equal(pgot.payer_name, "Payer\tName");
    assert_string_equal(pgot.payer_account, "DE00");
    assert_int_equal(pgot.allocated_minor, 32500);
    assert_int_equal(pgot.outflow_minor, 3000);
    OK(s->ops->payment_get_id(s, 1, cn.id, &pgot, E));
    assert_string_equal(pgot.ref, "CN-1");
    assert_int_equal(pgot.kind, OWED_PAYMENT_CREDIT_NOTE);
    assert_int_equal(pgot.allocated_minor, 0);
    assert_int_equal(pgot.outflow_minor, 400);
    assert_int_equal(s->ops->payment_get_id(s, 1, 99, &pgot, NULL), OWED_E_NOT_FOUND);
    OK(s->ops->invoice_get(s, 1, "INV-1", &got, E));
    assert_int_equal(got.kind, OWED_INVOICE_SALE);
    assert_string_equal(got.terms, "2/10 NET30");
    assert_int_equal(got.allocated_minor, 30000);
    OK(s->ops->invoice_get_id(s, 1, fee.id, &got, E));
    assert_string_equal(got.number, "FEE-1");
    assert_int_equal(got.kind, OWED_INVOICE_FEE);
    assert_string_equal(got.terms, "");
    assert_int_equal(got.allocated_minor, 2500);
    assert_int_equal(s->ops->invoice_get_id(s, 1, 99, &got, NULL), OWED_E_NOT_FOUND);

    struct owed_buf b = OWED_BUF_INIT(0);
    struct owed_list_filter f = {.payment_id = pay.id};
    OK(s->ops->allocations_each(s, 1, &f, on_alloc_line, &b, E));
    assert_string_equal(b.ptr, "1:p1:i1:20405:50000:r0\n2:p1:i2:20405:2500:r0\n"
                               "3:p1:i1:20410:-20000:r1\n");
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.invoice_id = inv.id, .on_or_before = 20409};
    OK(s->ops->allocations_each(s, 1, &f, on_alloc_line, &b, E));
    assert_string_equal(b.ptr, "1:p1:i1:20405:50000:r0\n");
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.customer_id = c2.id};
    OK(s->ops->allocations_each(s, 1, &f, on_alloc_line, &b, E));
    assert_string_equal(b.ptr, "");

    owed_buf_reset(&b);
    OK(s->ops->outflows_each(s, 1, NULL, on_outflow_line, &b, E));
    assert_string_equal(b.ptr, "1:p1:k1:20411:3000:over\\paid\n2:p2:k1:20420:400:\n");
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.payment_id = cn.id};
    OK(s->ops->outflows_each(s, 1, &f, on_outflow_line, &b, E));
    assert_string_equal(b.ptr, "2:p2:k1:20420:400:\n");
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.customer_id = c1.id};
    OK(s->ops->outflows_each(s, 1, &f, on_outflow_line, &b, E));
    assert_string_equal(b.ptr, "1:p1:k1:20411:3000:over\\paid\n");
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.on_or_before = 20415};
    OK(s->ops->outflows_each(s, 1, &f, on_outflow_line, &b, E));
    assert_string_equal(b.ptr, "1:p1:k1:20411:3000:over\\paid\n");
    OK(s->ops->commit(s, E));

    /* Listings: kind always, the text fields when asked for. */
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.with_text = true};
    OK(s->ops->invoices_each(s, 1, &f, on_invoice_line, &b, E));
    assert_string_equal(b.ptr, "1:INV-1:k1:2/10 NET30\n2:FEE-1:k2:\n");
    owed_buf_reset(&b);
    OK(s->ops->invoices_each(s, 1, NULL, on_invoice_line, &b, E));
    assert_string_equal(b.ptr, "1::k1:\n2::k2:\n");
    owed_buf_reset(&b);
    f = (struct owed_list_filter){.customer_id = c1.id};
    OK(s->ops->payments_each(s, 1, &f, on_payment_line, &b, E));
    assert_string_equal(b.ptr, "1:P1:k1:bank:Payer\tName:DE00\n");
    owed_buf_reset(&b);
    OK(s->ops->payments_each(s, 1, NULL, on_payment_line, &b, E));
    assert_string_equal(b.ptr, "1::k1:::\n2::k2:::\n");
    owed_buf_release(&b);
    owed_store_close(s);
}

static void test_cash_in_one_transaction(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) cash_in_one_transaction_on(i);
}

/* Store calls made from inside iteration callbacks, two levels deep. */
struct nested {
    struct owed_store *s;
    struct owed_buf out;
    int rc;
};

static int on_nested_alloc(void *ctx, const struct owed_allocation *a)
{
    struct nested *n = ctx;
    struct owed_invoice inv;
    int rc = n->s->ops->invoice_get_id(n->s, 1, a->invoice_id, &inv, NULL);
    if (!rc) owed_buf_addf(&n->out, " %s", inv.number);
    return rc;
}

static int on_nested_entry(void *ctx, const struct owed_entry_rec *e)
{
    struct nested *n = ctx;
    struct owed_customer c;
    struct owed_entry_rec again;
    int rc = n->s->ops->customer_get_id(n->s, 1, e->customer_id, &c, NULL);
    if (!rc) rc = n->s->ops->entry_get(n->s, 1, e->id, &again, NULL);
    if (!rc) owed_buf_addf(&n->out, "%lld %s %s:", (long long)again.id, c.ref, again.key);
    struct owed_list_filter f = {.payment_id = e->payment_id};
    if (!rc) rc = n->s->ops->allocations_each(n->s, 1, &f, on_nested_alloc, n, NULL);
    owed_buf_addc(&n->out, '\n');
    return rc;
}

static int on_update_entry(void *ctx, const struct owed_entry_rec *e)
{
    struct nested *n = ctx;
    struct owed_entry_rec u = *e;
    u.status = OWED_ENTRY_REJECTED;
    return n->s->ops->entry_update(n->s, 1, &u, NULL);
}

static void nested_calls_on(int backend)
{
    struct owed_store *s = open_store(backend);
    OK(s->ops->begin(s, E));
    struct owed_customer c;
    add_customer(s, "C1", &c);
    struct owed_invoice inv = {0};
    inv.customer_id = c.id;
    inv.issue_date = inv.due_date = 20400;
    snprintf(inv.currency, sizeof inv.currency, "EUR");
    inv.amount_minor = 100;
    for (int i = 1; i <= 3; i++) {
        snprintf(inv.number, sizeof inv.number, "INV-%d", i);
        OK(s->ops->invoice_insert(s, 1, &inv, E));
    }
    struct owed_payment pay = {0};
    pay.customer_id = c.id;
    pay.received_date = 20400;
    pay.amount_minor = 300;
    snprintf(pay.currency, sizeof pay.currency, "EUR");
    for (int i = 1; i <= 2; i++) {
        snprintf(pay.ref, sizeof pay.ref, "P%d", i);
        OK(s->ops->payment_insert(s, 1, &pay, E));
        for (int64_t k = 1; k <= i + 1; k++) {
            struct owed_allocation a = {.payment_id = pay.id, .invoice_id = k, .date = 20400,
                                        .amount_minor = 10};
            OK(s->ops->allocation_insert(s, 1, &a, E));
        }
    }
    struct owed_stmt_rec st;
    memset(&st, 0, sizeof st);
    snprintf(st.key, sizeof st.key, "k");
    st.date = INT32_MIN;
    OK(s->ops->statement_insert(s, 1, &st, E));
    for (int i = 1; i <= 2; i++) {
        struct owed_entry_rec e;
        char key[8];
        snprintf(key, sizeof key, "e%d", i);
        fill_entry(&e, st.id, key);
        e.customer_id = c.id;
        e.payment_id = i;
        OK(s->ops->entry_insert(s, 1, &e, E));
    }
    /* In the write transaction, before anything is committed. */
    struct nested n = {.s = s, .out = OWED_BUF_INIT(0)};
    OK(s->ops->entries_each(s, 1, 0, on_nested_entry, &n, E));
    assert_string_equal(n.out.ptr, "1 C1 e1: INV-1 INV-2\n2 C1 e2: INV-1 INV-2 INV-3\n");
    OK(s->ops->entries_each(s, 1, OWED_ENTRY_REVIEW, on_update_entry, &n, E));
    OK(s->ops->commit(s, E));

    /* In a read transaction. */
    owed_buf_reset(&n.out);
    OK(s->ops->read_begin(s, E));
    OK(s->ops->entries_each(s, 1, OWED_ENTRY_REJECTED, on_nested_entry, &n, E));
    s->ops->read_end(s);
    assert_string_equal(n.out.ptr, "1 C1 e1: INV-1 INV-2\n2 C1 e2: INV-1 INV-2 INV-3\n");
    owed_buf_release(&n.out);
    owed_store_close(s);
}

static void test_nested_calls(void **state)
{
    (void)state;
    for (int i = 0; i < nbackends(); i++) nested_calls_on(i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bank_statements),
        cmocka_unit_test(test_payers_and_maps),
        cmocka_unit_test(test_cash_in_one_transaction),
        cmocka_unit_test(test_nested_calls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
