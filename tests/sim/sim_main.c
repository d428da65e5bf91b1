/* Seeded simulation (TigerBeetle VOPR style): random sequences of CSV imports, re-imports
 * and restarts against a real SQLite file, or a real PostgreSQL database, keep `owed check`
 * green and agree with a model kept here in plain integer arithmetic.
 *
 *   sim_main [--seeds N | --seed S] [--steps K] [--pg STATE_DIR] [-v]
 *
 * With --pg STATE_DIR (or OWED_PG_STATE=STATE_DIR in the environment; --pg wins) every seed
 * runs on a fresh PostgreSQL database instead of a SQLite file: STATE_DIR is the one that
 * tests/pg/pg-start.sh fills, and its file `url` holds the server's base URL. The database
 * "owed_sim_PID_SEED" is created over BASE/postgres with libpq, used as BASE/owed_sim_PID_SEED
 * and dropped after the seed, unless the seed fails: then it is kept and its URL printed.
 *
 * Each seed draws 40-60 steps from its own splitmix64 stream and a simulated clock (no
 * time(), no rand()): a new customers/invoices/payments file of 1-30 rows, sometimes with
 * injected bad rows and sometimes imported with --skip-bad; a verbatim re-import of an
 * earlier file; or a restart (close and reopen the store). After every step it checks:
 *   1. owed_ledger_check() is OWED_OK, and independently in SQL: every journal entry sums
 *      to zero, the AR and unapplied accounts per customer equal the model's open items
 *      and unallocated cash;
 *   2. an import that returned OWED_E_REJECTED left the database unchanged (digest: the
 *      aging summary CSV as of 2099-12-31 plus every row of every table, read over a
 *      separate connection: sqlite3, or libpq on PostgreSQL, with the same queries);
 *   3. re-importing an imported file changes nothing and reports its rows unchanged;
 *   4. the aging detail and summary CSV and JSON totals as of 2099-12-31, the summary (and
 *      every fourth step the detail) as of the simulated today, and the KPI "ar" per
 *      currency as of today, equal the model;
 *   5. no payment or invoice is allocated beyond its amount, and every recorded invoice
 *      and payment (due date, amount, allocated part) equals the model.
 * A failure prints "sim: FAILED seed S step K: ..." with the files kept for inspection,
 * and the command that replays it. */
#ifndef OWED_GIT_COMMIT
#define OWED_GIT_COMMIT "unknown"
#endif

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "core/ledger.h"
#include "io/csv.h"
#include "owed/date.h"
#include "owed/error.h"
#include "owed/money.h"

/* ---- deterministic randomness ---- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r) {
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n <= 1. */
static int64_t rng_below(struct rng *r, int64_t n) {
    return n <= 1 ? 0 : (int64_t)(rng_next(r) % (uint64_t)n);
}

static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi) {
    return lo + rng_below(r, hi - lo + 1);
}

static bool rng_pct(struct rng *r, int pct) { return rng_below(r, 100) < pct; }

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "sim: out of memory\n");
        abort();
    }
    return q;
}

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) >= (cap)) {                                                                        \
            (cap) = (cap) ? (cap)*2 : 16;                                                          \
            (arr) = xrealloc((arr), (cap) * sizeof *(arr));                                        \
        }                                                                                          \
    } while (0)

/* ---- the model ---- */

struct currency {
    const char *code;
    int exp;
};
static const struct currency currencies[] = {
    {"USD", 2}, {"EUR", 2}, {"JPY", 0}, {"KWD", 3}, {"GBP", 2}, {"CHF", 2},
};
#define NCUR ((int)(sizeof currencies / sizeof currencies[0]))

enum terms_kind { T_NET, T_DUE, T_DISCOUNT, T_EOM };

struct m_cust {
    char ref[16];
    char name[80];
    int cur;
    enum terms_kind terms;
    int days;
};

struct m_inv {
    char number[24];
    int cust;
    owed_date issue, due;
    int64_t amount, allocated;
};

struct m_pay {
    char ref[24];
    int cust;
    owed_date received;
    int64_t amount, allocated;
    int inv; /* -1: unapplied */
};

struct m_alloc {
    int pay, inv;
    int64_t amount;
    owed_date date;
};

enum file_kind { F_CUSTOMERS = 1, F_INVOICES = 2, F_PAYMENTS = 3 };

struct sim_file {
    char path[320];
    enum file_kind kind;
    long rows, bad;
    bool applied; /* the import committed (OK) */
};

struct sim {
    uint64_t seed;
    int step;
    struct rng rng;
    bool verbose, failed;
    char dir[256];
    char db_path[320]; /* the SQLite file, or the PostgreSQL URL (with pg_name) */
    char pg_name[64];  /* the seed's PostgreSQL database; "" on SQLite */
    struct owed_store *store;
    int64_t org;
    sqlite3 *db; /* a separate read connection for checks (SQLite) */
    PGconn *pg;  /* the same on PostgreSQL */
    struct {
        const char *sql; /* by identity: the queries are string constants */
        sqlite3_stmt *st;
    } stmts[16];
    int nstmts;
    owed_date today;
    int next_file, next_cust, next_inv, next_pay, next_bad;

    struct m_cust *custs;
    size_t ncusts, cap_custs;
    struct m_inv *invs;
    size_t ninvs, cap_invs;
    struct m_pay *pays;
    size_t npays, cap_pays;
    struct m_alloc *allocs;
    size_t nallocs, cap_allocs;
    struct sim_file *files;
    size_t nfiles, cap_files;

    struct owed_buf msgs; /* on_error messages of the last import */
    long nmsgs;
    const char *msg_path; /* every message must start with it */
    long bad_prefix;

    long imports_ok, imports_rejected, reimports, restarts, bad_rows;
    bool proven_unchanged; /* this step compared the whole database with before: same */
};

static bool fail(struct sim *sim, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(struct sim *sim, const char *fmt, ...) {
    if (sim->failed) return false;
    sim->failed = true;
    fflush(stdout);
    fprintf(stderr, "sim: FAILED seed %" PRIu64 " step %d (commit %s): ", sim->seed, sim->step,
            OWED_GIT_COMMIT);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return false;
}

#define CHECK(sim, cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) return fail(sim, __VA_ARGS__);                                                \
    } while (0)

/* ---- text helpers ---- */

static int64_t pow10i(int exp) {
    int64_t v = 1;
    for (int i = 0; i < exp; i++) v *= 10;
    return v;
}

/* Plain decimal text of an amount; `trim` drops trailing fraction zeros ("12.5", "12"). */
static void fmt_amount(char *dst, size_t cap, int64_t minor, int exp, bool trim) {
    bool neg = minor < 0;
    uint64_t v = neg ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t scale = (uint64_t)pow10i(exp);
    unsigned long long ip = (unsigned long long)(v / scale), fp = (unsigned long long)(v % scale);
    if (exp == 0) {
        snprintf(dst, cap, "%s%llu", neg ? "-" : "", ip);
        return;
    }
    char frac[32];
    snprintf(frac, sizeof frac, "%0*llu", exp & 7, fp); /* exponents are 0..4 */
    if (trim) {
        size_t n = strlen(frac);
        while (n > 0 && frac[n - 1] == '0') frac[--n] = '\0';
        if (n == 0) {
            snprintf(dst, cap, "%s%llu", neg ? "-" : "", ip);
            return;
        }
    }
    snprintf(dst, cap, "%s%llu.%s", neg ? "-" : "", ip, frac);
}

static void fmt_date(char dst[11], owed_date d) { owed_date_format(d, dst); }

/* Appends one CSV field, quoted when it holds a comma, quote, CR or LF. */
static void put_field(struct owed_buf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        owed_buf_adds(b, s);
        return;
    }
    owed_buf_addc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') owed_buf_addc(b, '"');
        owed_buf_addc(b, *p);
    }
    owed_buf_addc(b, '"');
}

static bool write_file(struct sim *sim, const char *path, const struct owed_buf *b) {
    FILE *f = fopen(path, "wb");
    CHECK(sim, f, "cannot write %s: %s", path, strerror(errno));
    size_t n = fwrite(b->ptr, 1, b->len, f);
    int rc = fclose(f);
    CHECK(sim, n == b->len && rc == 0, "cannot write %s", path);
    return true;
}

/* ---- terms ---- */

static owed_date expected_due(const struct m_cust *c, owed_date issue) {
    switch (c->terms) {
    case T_DUE:
        return issue;
    case T_EOM: {
        int y, m, d;
        owed_date_to_ymd(issue, &y, &m, &d);
        return owed_date_from_ymd(y, m, owed_month_days(y, m)) + c->days;
    }
    case T_NET:
    case T_DISCOUNT:
        break;
    }
    return issue + c->days;
}

/* Draws terms for a customer and the text to write (in one of the accepted spellings). */
static void draw_terms(struct sim *sim, struct m_cust *c, char *text, size_t cap) {
    struct rng *r = &sim->rng;
    bool lower = rng_pct(r, 30);
    bool space = rng_pct(r, 30);
    switch (rng_below(r, 5)) {
    case 0:
        c->terms = T_NET;
        c->days = (int)rng_range(r, 0, 120);
        snprintf(text, cap, "%s%s%d", lower ? "net" : "NET", space ? " " : "", c->days);
        break;
    case 1:
        c->terms = T_DUE;
        c->days = 0;
        snprintf(text, cap, "%s", lower ? "due" : "DUE");
        break;
    case 2: {
        c->terms = T_DISCOUNT;
        c->days = (int)rng_range(r, 10, 90);
        int d = (int)rng_range(r, 0, c->days);
        if (rng_pct(r, 50))
            snprintf(text, cap, "%d/%d %s%s%d", (int)rng_range(r, 1, 5), d, lower ? "net" : "NET",
                     space ? " " : "", c->days);
        else
            snprintf(text, cap, "%d.5/%d %s%d", (int)rng_range(r, 0, 9), d, lower ? "net" : "NET",
                     c->days);
        break;
    }
    case 3:
        c->terms = T_EOM;
        c->days = (int)rng_range(r, 0, 60);
        snprintf(text, cap, "%s%s%d", lower ? "eom" : "EOM", space ? " " : "", c->days);
        break;
    default: /* blank: NET30 */
        c->terms = T_NET;
        c->days = 30;
        text[0] = '\0';
        break;
    }
}

/* ---- file generation ---- */

enum { MAX_COLS = 8, CELL = 200 };

struct row {
    char v[MAX_COLS][CELL];
};

struct kind_spec {
    const char *name;
    int ncols;
    const char *cols[MAX_COLS];
    bool required[MAX_COLS];
};

enum { CU_REF, CU_NAME, CU_EMAIL, CU_CURRENCY, CU_TERMS, CU_LIMIT };
enum { IN_NUMBER, IN_CUSTOMER, IN_ISSUE, IN_DUE, IN_CURRENCY, IN_AMOUNT, IN_PO };
enum {
    PA_REF,
    PA_CUSTOMER,
    PA_RECEIVED,
    PA_AMOUNT,
    PA_CURRENCY,
    PA_METHOD,
    PA_REFERENCE,
    PA_INVOICE
};

static const struct kind_spec specs[4] = {
    [F_CUSTOMERS] = {"customers",
                     6,
                     {"customer_ref", "name", "email", "currency", "terms", "credit_limit"},
                     {true, true, false, true, false, false}},
    [F_INVOICES] = {"invoices",
                    7,
                    {"invoice_number", "customer_ref", "issue_date", "due_date", "currency",
                     "amount", "po_number"},
                    {true, true, true, false, false, true, false}},
    [F_PAYMENTS] = {"payments",
                    8,
                    {"payment_ref", "customer_ref", "received_date", "amount", "currency", "method",
                     "reference", "invoice_number"},
                    {true, true, true, true, false, false, false, false}},
};

struct good_row {
    struct row row;
    int amount_col; /* -1 for customers */
    int64_t amount;
    int exp;
};

struct filegen {
    enum file_kind kind;
    const struct kind_spec *spec;
    bool has[MAX_COLS];
    int order[MAX_COLS];
    int norder;
    bool crlf;
    struct owed_buf text;
    long rows, bad;
    long expect_unapplied;
    struct good_row *good; /* good rows of this file, for duplicates */
    size_t ngood, cap_good;
    size_t cust_mark, pay_mark, alloc_mark; /* model sizes before this file */
};

static void gen_header(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    g->spec = &specs[g->kind];
    g->norder = 0;
    for (int c = 0; c < g->spec->ncols; c++) {
        g->has[c] = g->spec->required[c] || !rng_pct(r, 15);
        if (g->has[c]) g->order[g->norder++] = c;
    }
    if (rng_pct(r, 40)) { /* columns are matched by name, in any order */
        for (int i = g->norder - 1; i > 0; i--) {
            int j = (int)rng_below(r, i + 1);
            int t = g->order[i];
            g->order[i] = g->order[j];
            g->order[j] = t;
        }
    }
    g->crlf = rng_pct(r, 20);
    if (rng_pct(r, 10)) owed_buf_adds(&g->text, "\xEF\xBB\xBF");
    bool upper = rng_pct(r, 10);
    for (int i = 0; i < g->norder; i++) {
        if (i) owed_buf_addc(&g->text, ',');
        const char *name = g->spec->cols[g->order[i]];
        for (const char *p = name; *p; p++)
            owed_buf_addc(&g->text, upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p);
    }
    owed_buf_adds(&g->text, g->crlf ? "\r\n" : "\n");
}

static void emit_row(struct sim *sim, struct filegen *g, const struct row *row, bool bad) {
    for (int i = 0; i < g->norder; i++) {
        if (i) owed_buf_addc(&g->text, ',');
        put_field(&g->text, row->v[g->order[i]]);
    }
    owed_buf_adds(&g->text, g->crlf ? "\r\n" : "\n");
    g->rows++;
    if (bad) {
        g->bad++;
        sim->bad_rows++;
    }
}

static void keep_good(struct filegen *g, const struct row *row, int amount_col, int64_t amount,
                      int exp) {
    GROW(g->good, g->ngood, g->cap_good);
    struct good_row *k = &g->good[g->ngood++];
    k->row = *row;
    k->amount_col = amount_col;
    k->amount = amount;
    k->exp = exp;
}

/* An amount as written in a file: sometimes trimmed, sometimes padded with blanks. */
static void put_amount(struct sim *sim, char *dst, int64_t minor, int exp) {
    char a[64];
    fmt_amount(a, sizeof a, minor, exp, rng_pct(&sim->rng, 30));
    snprintf(dst, CELL, rng_pct(&sim->rng, 5) ? " %s " : "%s", a);
}

static void put_currency(struct sim *sim, char *dst, int cur) {
    const char *code = currencies[cur].code;
    if (rng_pct(&sim->rng, 15)) {
        snprintf(dst, CELL, "%c%c%c", code[0] + 32, code[1] + 32, code[2] + 32);
    } else {
        snprintf(dst, CELL, "%s", code);
    }
}

static int64_t draw_amount(struct sim *sim, int exp) {
    /* About 1 to 20,000 major units whatever the exponent. */
    int64_t major =
        rng_pct(&sim->rng, 20) ? rng_range(&sim->rng, 1, 50) : rng_range(&sim->rng, 1, 20000);
    int64_t frac = rng_pct(&sim->rng, 30) ? 0 : rng_below(&sim->rng, pow10i(exp));
    return major * pow10i(exp) + frac;
}

/* A malformed amount for a currency of exponent exp. */
static void bad_amount(struct sim *sim, char *dst, int exp) {
    switch (rng_below(&sim->rng, 6)) {
    case 0: /* one decimal too many */
        snprintf(dst, CELL, "12.%.*s", exp + 1, "34567");
        break;
    case 1:
        snprintf(dst, CELL, "1,234%s", exp ? ".00" : "");
        break;
    case 2:
        snprintf(dst, CELL, "twelve");
        break;
    case 3:
        snprintf(dst, CELL, "0");
        break;
    case 4:
        snprintf(dst, CELL, "-5");
        break;
    default:
        snprintf(dst, CELL, "1e3");
        break;
    }
}

static void bad_date(struct sim *sim, char *dst) {
    static const char *const dates[] = {"2024-02-30", "2024/03/01", "20240301", "2023-13-01",
                                        "01.03.2024", "2024-3-1",   "yesterday"};
    snprintf(dst, CELL, "%s", dates[rng_below(&sim->rng, 7)]);
}

static int other_currency(struct sim *sim, int cur) {
    return (cur + 1 + (int)rng_below(&sim->rng, NCUR - 1)) % NCUR;
}

/* ---- customers ---- */

static const char *const name_forms[] = {"Acme %d",         "M\xC3\xBCller & S\xC3\xB6hne %d",
                                         "Smith, Jones %d", "The \"Best\" Co %d",
                                         "Yamada KK %d",    "Al-Kuwait Trading %d"};

static void gen_customer_good(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    struct row row;
    memset(&row, 0, sizeof row);
    GROW(sim->custs, sim->ncusts, sim->cap_custs);
    struct m_cust *c = &sim->custs[sim->ncusts];
    memset(c, 0, sizeof *c);
    snprintf(c->ref, sizeof c->ref, "C%05d", ++sim->next_cust);
    snprintf(c->name, sizeof c->name, name_forms[rng_below(r, 6)], sim->next_cust);
    c->cur = (int)rng_below(r, NCUR);
    char terms[64];
    draw_terms(sim, c, terms, sizeof terms);
    if (!g->has[CU_TERMS]) {
        c->terms = T_NET;
        c->days = 30;
        terms[0] = '\0';
    }
    snprintf(row.v[CU_REF], CELL, "%s", c->ref);
    snprintf(row.v[CU_NAME], CELL, "%s", c->name);
    if (rng_pct(r, 60)) snprintf(row.v[CU_EMAIL], CELL, "ap%d@example.com", sim->next_cust);
    put_currency(sim, row.v[CU_CURRENCY], c->cur);
    snprintf(row.v[CU_TERMS], CELL, "%s", terms);
    if (rng_pct(r, 50))
        put_amount(sim, row.v[CU_LIMIT], draw_amount(sim, currencies[c->cur].exp) * 10,
                   currencies[c->cur].exp);
    sim->ncusts++;
    emit_row(sim, g, &row, false);
    keep_good(g, &row, -1, 0, 0);
}

static void gen_customer_bad(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    struct row row;
    memset(&row, 0, sizeof row);
    snprintf(row.v[CU_REF], CELL, "CBAD%05d", ++sim->next_bad);
    snprintf(row.v[CU_NAME], CELL, "Bad %d", sim->next_bad);
    snprintf(row.v[CU_CURRENCY], CELL, "USD");
    for (;;) {
        switch (rng_below(r, 6)) {
        case 0:
            snprintf(row.v[CU_CURRENCY], CELL, rng_pct(r, 50) ? "EURO" : "US$");
            break;
        case 1:
            if (!g->has[CU_TERMS]) continue;
            snprintf(row.v[CU_TERMS], CELL, rng_pct(r, 50) ? "NET-5" : "30 days");
            break;
        case 2:
            if (!g->has[CU_EMAIL]) continue;
            snprintf(row.v[CU_EMAIL], CELL, "billing.example.com");
            break;
        case 3: /* duplicate ref in this file, different name */
            if (g->ngood == 0) continue;
            row = g->good[rng_below(r, (int64_t)g->ngood)].row;
            snprintf(row.v[CU_NAME] + strlen(row.v[CU_NAME]), 8, " II");
            break;
        case 4: /* already recorded with a different name */
            if (g->cust_mark == 0) continue;
            snprintf(row.v[CU_REF], CELL, "%s",
                     sim->custs[rng_below(r, (int64_t)g->cust_mark)].ref);
            snprintf(row.v[CU_NAME], CELL, "Renamed %d", sim->next_bad);
            break;
        default:
            if (!g->has[CU_LIMIT]) continue;
            snprintf(row.v[CU_LIMIT], CELL, "-100");
            break;
        }
        break;
    }
    emit_row(sim, g, &row, true);
}

/* ---- invoices ---- */

static void invoice_row(struct sim *sim, struct filegen *g, const struct m_inv *inv, bool due,
                        struct row *row) {
    const struct m_cust *c = &sim->custs[inv->cust];
    memset(row, 0, sizeof *row);
    snprintf(row->v[IN_NUMBER], CELL, "%s", inv->number);
    snprintf(row->v[IN_CUSTOMER], CELL, "%s", c->ref);
    fmt_date(row->v[IN_ISSUE], inv->issue);
    if (due) fmt_date(row->v[IN_DUE], inv->due);
    if (g->has[IN_CURRENCY] && rng_pct(&sim->rng, 50))
        put_currency(sim, row->v[IN_CURRENCY], c->cur);
    put_amount(sim, row->v[IN_AMOUNT], inv->amount, currencies[c->cur].exp);
    if (rng_pct(&sim->rng, 40))
        snprintf(row->v[IN_PO], CELL, "PO-%d", (int)rng_below(&sim->rng, 100000));
}

static void gen_invoice_good(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    GROW(sim->invs, sim->ninvs, sim->cap_invs);
    struct m_inv *inv = &sim->invs[sim->ninvs];
    memset(inv, 0, sizeof *inv);
    snprintf(inv->number, sizeof inv->number, "INV-%05d", ++sim->next_inv);
    inv->cust = (int)rng_below(r, (int64_t)sim->ncusts);
    const struct m_cust *c = &sim->custs[inv->cust];
    inv->issue = sim->today - (owed_date)rng_range(r, -3, 60);
    bool due = g->has[IN_DUE] && rng_pct(r, 40);
    inv->due = due ? inv->issue + (owed_date)rng_range(r, 0, 90) : expected_due(c, inv->issue);
    int exp = currencies[c->cur].exp;
    inv->amount = draw_amount(sim, exp);
    struct row row;
    invoice_row(sim, g, inv, due, &row);
    sim->ninvs++;
    emit_row(sim, g, &row, false);
    keep_good(g, &row, IN_AMOUNT, inv->amount, exp);
}

static void gen_invoice_bad(struct sim *sim, struct filegen *g, size_t inv_mark) {
    struct rng *r = &sim->rng;
    struct m_inv tmp;
    memset(&tmp, 0, sizeof tmp);
    snprintf(tmp.number, sizeof tmp.number, "IBAD%05d", ++sim->next_bad);
    tmp.cust = (int)rng_below(r, (int64_t)sim->ncusts);
    tmp.issue = sim->today - (owed_date)rng_below(r, 30);
    tmp.due = tmp.issue + 30;
    const struct m_cust *c = &sim->custs[tmp.cust];
    int exp = currencies[c->cur].exp;
    tmp.amount = draw_amount(sim, exp);
    struct row row;
    invoice_row(sim, g, &tmp, false, &row);
    for (;;) {
        switch (rng_below(r, 7)) {
        case 0:
            snprintf(row.v[IN_CUSTOMER], CELL, "NOPE%05d", sim->next_bad);
            break;
        case 1:
            bad_amount(sim, row.v[IN_AMOUNT], exp);
            break;
        case 2:
            bad_date(sim, row.v[IN_ISSUE]);
            break;
        case 3:
            if (!g->has[IN_DUE]) continue;
            fmt_date(row.v[IN_DUE], tmp.issue - (owed_date)rng_range(r, 1, 10));
            break;
        case 4:
            if (!g->has[IN_CURRENCY]) continue;
            put_currency(sim, row.v[IN_CURRENCY], other_currency(sim, c->cur));
            break;
        case 5: { /* duplicate number in this file, different amount */
            if (g->ngood == 0) continue;
            const struct good_row *k = &g->good[rng_below(r, (int64_t)g->ngood)];
            row = k->row;
            fmt_amount(row.v[IN_AMOUNT], CELL, k->amount + 1, k->exp, false);
            break;
        }
        default: { /* already recorded with a different amount */
            if (inv_mark == 0) continue;
            const struct m_inv *old = &sim->invs[rng_below(r, (int64_t)inv_mark)];
            invoice_row(sim, g, old, false, &row);
            fmt_amount(row.v[IN_AMOUNT], CELL, old->amount + 1,
                       currencies[sim->custs[old->cust].cur].exp, false);
            break;
        }
        }
        break;
    }
    emit_row(sim, g, &row, true);
}

/* ---- payments ---- */

static const char *const methods[] = {"card",   "ach",    "SEPA", "wire",  "check",
                                      "echeck", "Wallet", "cash", "other", ""};

static void payment_row(struct sim *sim, struct filegen *g, const struct m_pay *p,
                        struct row *row) {
    struct rng *r = &sim->rng;
    const struct m_cust *c = &sim->custs[p->cust];
    memset(row, 0, sizeof *row);
    snprintf(row->v[PA_REF], CELL, "%s", p->ref);
    snprintf(row->v[PA_CUSTOMER], CELL, "%s", c->ref);
    fmt_date(row->v[PA_RECEIVED], p->received);
    put_amount(sim, row->v[PA_AMOUNT], p->amount, currencies[c->cur].exp);
    if (g->has[PA_CURRENCY] && rng_pct(r, 50)) put_currency(sim, row->v[PA_CURRENCY], c->cur);
    snprintf(row->v[PA_METHOD], CELL, "%s", methods[rng_below(r, 10)]);
    if (rng_pct(r, 40))
        snprintf(row->v[PA_REFERENCE], CELL, "wire %d, batch %d", (int)rng_below(r, 1000),
                 (int)rng_below(r, 10));
    if (p->inv >= 0) snprintf(row->v[PA_INVOICE], CELL, "%s", sim->invs[p->inv].number);
}

/* Picks an invoice for a payment: often one already paid in this file, often an open one. */
static int pick_invoice(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    if (g->ngood && rng_pct(r, 35)) {
        size_t from = g->pay_mark + (size_t)rng_below(r, (int64_t)(sim->npays - g->pay_mark));
        if (from < sim->npays && sim->pays[from].inv >= 0) return sim->pays[from].inv;
    }
    for (int tries = 0; tries < 8; tries++) {
        int i = (int)rng_below(r, (int64_t)sim->ninvs);
        if (sim->invs[i].allocated < sim->invs[i].amount || rng_pct(r, 25)) return i;
    }
    return (int)rng_below(r, (int64_t)sim->ninvs);
}

static void gen_payment_good(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    GROW(sim->pays, sim->npays, sim->cap_pays);
    struct m_pay *p = &sim->pays[sim->npays];
    memset(p, 0, sizeof *p);
    snprintf(p->ref, sizeof p->ref, "PAY-%05d", ++sim->next_pay);
    p->inv = -1;
    if (g->has[PA_INVOICE] && sim->ninvs && rng_pct(r, 75)) p->inv = pick_invoice(sim, g);
    if (p->inv >= 0) {
        struct m_inv *inv = &sim->invs[p->inv];
        p->cust = inv->cust;
        owed_date d = sim->today - (owed_date)rng_range(r, -3, 20);
        p->received = d < inv->issue ? inv->issue + (owed_date)rng_below(r, 3) : d;
        int64_t open = inv->amount - inv->allocated;
        int mode = (int)rng_below(r, 4);
        if (open <= 0 || mode == 3)
            p->amount = draw_amount(sim, currencies[sim->custs[p->cust].cur].exp);
        else if (mode == 0)
            p->amount = open; /* full */
        else if (mode == 1)
            p->amount = open > 1 ? rng_range(r, 1, open - 1) : open; /* partial */
        else
            p->amount = open + rng_range(r, 1, open); /* over */
    } else {
        p->cust = (int)rng_below(r, (int64_t)sim->ncusts);
        p->received = sim->today - (owed_date)rng_range(r, -3, 30);
        p->amount = draw_amount(sim, currencies[sim->custs[p->cust].cur].exp);
    }
    struct row row;
    payment_row(sim, g, p, &row);
    /* The model: applied up to the invoice's open amount, the rest stays unapplied. */
    if (p->inv >= 0) {
        struct m_inv *inv = &sim->invs[p->inv];
        int64_t open = inv->amount - inv->allocated;
        int64_t amt = p->amount < open ? p->amount : open;
        if (amt > 0) {
            GROW(sim->allocs, sim->nallocs, sim->cap_allocs);
            sim->allocs[sim->nallocs++] =
                (struct m_alloc){(int)sim->npays, p->inv, amt, p->received};
            inv->allocated += amt;
            p->allocated = amt;
        }
    }
    if (p->allocated < p->amount) g->expect_unapplied++;
    sim->npays++;
    emit_row(sim, g, &row, false);
    keep_good(g, &row, PA_AMOUNT, p->amount, currencies[sim->custs[p->cust].cur].exp);
}

static void gen_payment_bad(struct sim *sim, struct filegen *g) {
    struct rng *r = &sim->rng;
    struct m_pay tmp;
    memset(&tmp, 0, sizeof tmp);
    snprintf(tmp.ref, sizeof tmp.ref, "PBAD%05d", ++sim->next_bad);
    tmp.inv = -1;
    tmp.cust = (int)rng_below(r, (int64_t)sim->ncusts);
    tmp.received = sim->today;
    tmp.amount = draw_amount(sim, currencies[sim->custs[tmp.cust].cur].exp);
    int exp = currencies[sim->custs[tmp.cust].cur].exp;
    struct row row;
    payment_row(sim, g, &tmp, &row);
    for (;;) {
        switch (rng_below(r, 10)) {
        case 0:
            snprintf(row.v[PA_CUSTOMER], CELL, "NOPE%05d", sim->next_bad);
            break;
        case 1:
            bad_amount(sim, row.v[PA_AMOUNT], exp);
            break;
        case 2:
            bad_date(sim, row.v[PA_RECEIVED]);
            break;
        case 3:
            if (!g->has[PA_CURRENCY]) continue;
            put_currency(sim, row.v[PA_CURRENCY], other_currency(sim, sim->custs[tmp.cust].cur));
            break;
        case 4: { /* an invoice of another customer */
            if (!g->has[PA_INVOICE] || sim->ninvs == 0) continue;
            const struct m_inv *inv = &sim->invs[rng_below(r, (int64_t)sim->ninvs)];
            if (inv->cust == tmp.cust) continue;
            snprintf(row.v[PA_INVOICE], CELL, "%s", inv->number);
            break;
        }
        case 5:
            if (!g->has[PA_INVOICE]) continue;
            snprintf(row.v[PA_INVOICE], CELL, "INV-NOPE%d", sim->next_bad);
            break;
        case 6: { /* received before the invoice was issued */
            if (!g->has[PA_INVOICE] || sim->ninvs == 0) continue;
            const struct m_inv *inv = &sim->invs[rng_below(r, (int64_t)sim->ninvs)];
            snprintf(row.v[PA_CUSTOMER], CELL, "%s", sim->custs[inv->cust].ref);
            snprintf(row.v[PA_CURRENCY], CELL, "%s", "");
            fmt_amount(row.v[PA_AMOUNT], CELL, 1, 0, false);
            fmt_date(row.v[PA_RECEIVED], inv->issue - (owed_date)rng_range(r, 1, 30));
            snprintf(row.v[PA_INVOICE], CELL, "%s", inv->number);
            break;
        }
        case 7: { /* duplicate ref in this file, different amount */
            if (g->ngood == 0) continue;
            const struct good_row *k = &g->good[rng_below(r, (int64_t)g->ngood)];
            row = k->row;
            fmt_amount(row.v[PA_AMOUNT], CELL, k->amount + 1, k->exp, false);
            break;
        }
        case 8: { /* already recorded with a different amount */
            if (g->pay_mark == 0) continue;
            const struct m_pay *old = &sim->pays[rng_below(r, (int64_t)g->pay_mark)];
            if (old->inv >= 0 && !g->has[PA_INVOICE]) continue;
            payment_row(sim, g, old, &row);
            fmt_amount(row.v[PA_AMOUNT], CELL, old->amount + 1,
                       currencies[sim->custs[old->cust].cur].exp, false);
            break;
        }
        default:
            if (!g->has[PA_METHOD]) continue;
            snprintf(row.v[PA_METHOD], CELL, "bitcoin");
            break;
        }
        break;
    }
    emit_row(sim, g, &row, true);
}

/* ---- checks ---- */

/* Prepares each query once on the check connection. */
static sqlite3_stmt *sql_stmt(struct sim *sim, const char *sql) {
    for (int i = 0; i < sim->nstmts; i++) {
        if (sim->stmts[i].sql == sql) {
            sqlite3_reset(sim->stmts[i].st);
            return sim->stmts[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    int n = (int)(sizeof sim->stmts / sizeof sim->stmts[0]);
    if (sim->nstmts == n || sqlite3_prepare_v2(sim->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(sim, "sql: %s: %s", sql, sqlite3_errmsg(sim->db));
        sqlite3_finalize(st);
        return NULL;
    }
    sim->stmts[sim->nstmts].sql = sql;
    sim->stmts[sim->nstmts++].st = st;
    return st;
}

/* The same on PostgreSQL: every value arrives as text (integers in the same decimal form as
 * on SQLite), NULL as "NULL". */
static bool pg_text(struct sim *sim, const char *sql, struct owed_buf *out) {
    PGresult *r = PQexec(sim->pg, sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) fail(sim, "sql: %s: %s", sql, PQresultErrorMessage(r));
    int nrows = ok ? PQntuples(r) : 0, ncols = ok ? PQnfields(r) : 0;
    for (int row = 0; row < nrows; row++) {
        for (int i = 0; i < ncols; i++) {
            if (i) owed_buf_addc(out, '|');
            if (PQgetisnull(r, row, i))
                owed_buf_adds(out, "NULL");
            else
                owed_buf_add(out, PQgetvalue(r, row, i), (size_t)PQgetlength(r, row, i));
        }
        owed_buf_addc(out, '\n');
    }
    PQclear(r);
    return ok;
}

/* Appends every row as "a|b|c\n"; integers are formatted here, not converted by SQLite
 * (which allocates per value: slow under ASan). The queries run unchanged on both backends;
 * where text order matters they say COLLATE "C" (byte order; registered on the SQLite
 * connection as such, see sqlite_collate_c). */
static bool sql_text(struct sim *sim, const char *sql, struct owed_buf *out) {
    if (sim->pg) return pg_text(sim, sql, out);
    sqlite3_stmt *st = sql_stmt(sim, sql);
    if (!st) return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            if (i) owed_buf_addc(out, '|');
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER: { /* by hand: formatting is most of a dump's cost */
                char digits[24], *p = digits + sizeof digits;
                int64_t v = sqlite3_column_int64(st, i);
                uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
                do {
                    *--p = (char)('0' + u % 10);
                    u /= 10;
                } while (u);
                if (v < 0) *--p = '-';
                owed_buf_add(out, p, (size_t)(digits + sizeof digits - p));
                break;
            }
            case SQLITE_NULL:
                owed_buf_adds(out, "NULL");
                break;
            default:
                owed_buf_add(out, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
                break;
            }
        }
        owed_buf_addc(out, '\n');
    }
    sqlite3_reset(st);
    CHECK(sim, rc == SQLITE_DONE, "sql: %s: %s", sql, sqlite3_errmsg(sim->db));
    return true;
}

static owed_date far_future(void) { return owed_date_from_ymd(2099, 12, 31); }

static bool aging_text(struct sim *sim, owed_date as_of, bool detail, enum owed_format fmt,
                       struct owed_buf *out) {
    struct owed_aging_opts o;
    owed_aging_opts_default(&o, as_of);
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_report_aging(sim->store, sim->org, &o, detail, fmt, out, &err);
    if (rc != OWED_OK) fail(sim, "owed_report_aging: %s: %s", owed_rc_name(rc), err.ptr);
    owed_buf_release(&err);
    return rc == OWED_OK;
}

/* What must not change when an import is rejected or repeated: the aging summary as of
 * 2099-12-31 and every row of every table (read over the separate connection). */
static bool take_digest(struct sim *sim, struct owed_buf *d) {
    static const char *const dumps[] = {
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers ORDER BY customer_id",
        "SELECT invoice_id, invoice_number, customer_id, issue_date, due_date, currency,"
        " amount_minor, po_number FROM invoices ORDER BY invoice_id",
        "SELECT payment_id, payment_ref, customer_id, received_date, amount_minor, currency,"
        " method, reference, invoice_number FROM payments ORDER BY payment_id",
        "SELECT allocation_id, payment_id, invoice_id, alloc_date, amount_minor FROM"
        " allocations ORDER BY allocation_id",
        "SELECT entry_id, line_no, kind, source_id, customer_id, currency, posted_date, account,"
        " amount_minor FROM journal_lines ORDER BY entry_id, line_no",
    };
    owed_buf_reset(d);
    if (!aging_text(sim, far_future(), false, OWED_FORMAT_CSV, d)) return false;
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++)
        if (!sql_text(sim, dumps[i], d)) return false;
    return true;
}

static bool check_ledger(struct sim *sim) {
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_ledger_check(sim->store, sim->org, &out, &err);
    bool ok = rc == OWED_OK;
    if (!ok) fail(sim, "owed_ledger_check: %s: %s%s", owed_rc_name(rc), out.ptr, err.ptr);
    owed_buf_release(&out);
    owed_buf_release(&err);
    return ok;
}

/* Open amount of each invoice as of a date (0 for invoices issued later) and unapplied cash
 * per customer. */
static void model_as_of(const struct sim *sim, owed_date as_of, int64_t *open, int64_t *unapplied) {
    for (size_t i = 0; i < sim->ninvs; i++) open[i] = sim->invs[i].amount;
    for (size_t k = 0; k < sim->nallocs; k++)
        if (sim->allocs[k].date <= as_of) open[sim->allocs[k].inv] -= sim->allocs[k].amount;
    for (size_t i = 0; i < sim->ninvs; i++)
        if (sim->invs[i].issue > as_of) open[i] = 0;
    for (size_t c = 0; c < sim->ncusts; c++) unapplied[c] = 0;
    for (size_t p = 0; p < sim->npays; p++)
        if (sim->pays[p].received <= as_of)
            unapplied[sim->pays[p].cust] += sim->pays[p].amount - sim->pays[p].allocated;
}

static int bucket_of(int days) {
    if (days <= 0) return 0;
    if (days <= 30) return 1;
    if (days <= 60) return 2;
    if (days <= 90) return 3;
    return 4;
}

static const char *const bucket_names[5] = {"current", "d1_30", "d31_60", "d61_90", "d91_plus"};

static const struct sim *sort_sim;

/* Aging detail order: customer ref (model order), due date, invoice id (model order). */
static int cmp_item(const void *a, const void *b) {
    const struct m_inv *x = &sort_sim->invs[*(const int *)a];
    const struct m_inv *y = &sort_sim->invs[*(const int *)b];
    if (x->cust != y->cust) return x->cust < y->cust ? -1 : 1;
    if (x->due != y->due) return x->due < y->due ? -1 : 1;
    return *(const int *)a < *(const int *)b ? -1 : *(const int *)a > *(const int *)b;
}

struct csv_cursor {
    struct owed_csv *csv;
    struct owed_csv_row row;
    long n;
};

static bool next_record(struct sim *sim, struct csv_cursor *c, bool *eof) {
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_csv_next(c->csv, &c->row, eof, &err);
    if (rc) fail(sim, "report output is not CSV: %s", err.ptr);
    owed_buf_release(&err);
    if (!rc && !*eof) c->n++;
    return rc == OWED_OK;
}

static bool field_is(const struct owed_csv_row *row, size_t i, const char *want) {
    return i < row->nfields && row->fields[i].len == strlen(want) &&
           memcmp(row->fields[i].ptr, want, row->fields[i].len) == 0;
}

/* Compares one CSV record with the expected fields; names the first difference. */
static bool expect_record(struct sim *sim, const char *what, const struct owed_csv_row *row,
                          const char *const *want, size_t n, const char *const *names) {
    if (row->nfields != n)
        return fail(sim, "%s line %ld: %zu fields, want %zu", what, row->line, row->nfields, n);
    for (size_t i = 0; i < n; i++) {
        if (!field_is(row, i, want[i]))
            return fail(sim, "%s line %ld: %s is '%.*s', model says '%s'", what, row->line,
                        names[i], (int)row->fields[i].len, row->fields[i].ptr, want[i]);
    }
    return true;
}

static bool check_aging_detail(struct sim *sim, owed_date as_of, const int64_t *open) {
    static const char *const cols[] = {
        "customer_ref", "customer_name", "invoice_number", "currency", "issue_date",
        "due_date",     "days_past_due", "bucket",         "amount",   "open"};
    char what[64], d[11];
    fmt_date(d, as_of);
    snprintf(what, sizeof what, "aging --detail --as-of %s", d);
    int *items = xrealloc(NULL, (sim->ninvs + 1) * sizeof *items);
    size_t nitems = 0;
    for (size_t i = 0; i < sim->ninvs; i++)
        if (open[i] > 0) items[nitems++] = (int)i;
    sort_sim = sim;
    qsort(items, nitems, sizeof *items, cmp_item);

    struct owed_buf out = OWED_BUF_INIT(0);
    bool ok = aging_text(sim, as_of, true, OWED_FORMAT_CSV, &out);
    struct csv_cursor c;
    memset(&c, 0, sizeof c);
    c.csv = owed_csv_new_mem(out.ptr, out.len);
    bool eof = false;
    if (ok && (ok = next_record(sim, &c, &eof)) &&
        !expect_record(sim, what, &c.row, cols, 10, cols))
        ok = false;
    for (size_t k = 0; ok && k <= nitems; k++) {
        if (!(ok = next_record(sim, &c, &eof))) break;
        if (k == nitems) {
            if (!eof)
                ok = fail(sim, "%s: more than the %zu open invoices of the model", what, nitems);
            break;
        }
        const struct m_inv *inv = &sim->invs[items[k]];
        const struct m_cust *cu = &sim->custs[inv->cust];
        if (eof) {
            ok = fail(sim, "%s: ends after %zu items, model has %zu (next %s)", what, k, nitems,
                      inv->number);
            break;
        }
        int exp = currencies[cu->cur].exp;
        char issue[11], due[11], days[16], amount[40], op[40];
        fmt_date(issue, inv->issue);
        fmt_date(due, inv->due);
        int dd = (int)(as_of - inv->due);
        snprintf(days, sizeof days, "%d", dd);
        fmt_amount(amount, sizeof amount, inv->amount, exp, false);
        fmt_amount(op, sizeof op, open[items[k]], exp, false);
        const char *want[] = {cu->ref, cu->name, inv->number, currencies[cu->cur].code,
                              issue,   due,      days,        bucket_names[bucket_of(dd)],
                              amount,  op};
        ok = expect_record(sim, what, &c.row, want, 10, cols);
    }
    owed_csv_free(c.csv);
    owed_buf_release(&out);
    free(items);
    return ok;
}

struct cust_total {
    int64_t buckets[5];
    int64_t unapplied;
    bool shown;
};

static bool check_aging_summary(struct sim *sim, owed_date as_of, const int64_t *open,
                                const int64_t *unapplied, struct cust_total *tot) {
    static const char *const cols[] = {"customer_ref", "customer_name", "currency", "current",
                                       "d1_30",        "d31_60",        "d61_90",   "d91_plus",
                                       "unapplied",    "total"};
    char what[64], d[11];
    fmt_date(d, as_of);
    snprintf(what, sizeof what, "aging --as-of %s", d);
    for (size_t c = 0; c < sim->ncusts; c++) {
        memset(&tot[c], 0, sizeof tot[c]);
        tot[c].unapplied = unapplied[c];
    }
    for (size_t i = 0; i < sim->ninvs; i++) {
        if (open[i] <= 0) continue;
        struct cust_total *t = &tot[sim->invs[i].cust];
        t->buckets[bucket_of((int)(as_of - sim->invs[i].due))] += open[i];
        t->shown = true;
    }
    struct owed_buf out = OWED_BUF_INIT(0);
    bool ok = aging_text(sim, as_of, false, OWED_FORMAT_CSV, &out);
    struct csv_cursor c;
    memset(&c, 0, sizeof c);
    c.csv = owed_csv_new_mem(out.ptr, out.len);
    bool eof = false;
    if (ok && (ok = next_record(sim, &c, &eof)) &&
        !expect_record(sim, what, &c.row, cols, 10, cols))
        ok = false;
    for (size_t k = 0; ok && k <= sim->ncusts; k++) {
        if (k < sim->ncusts && !tot[k].shown && tot[k].unapplied == 0) continue;
        if (!(ok = next_record(sim, &c, &eof))) break;
        if (k == sim->ncusts) {
            if (!eof)
                ok = fail(sim, "%s: a row the model does not have: '%.*s'", what,
                          (int)c.row.fields[0].len, c.row.fields[0].ptr);
            break;
        }
        const struct m_cust *cu = &sim->custs[k];
        if (eof) {
            ok = fail(sim, "%s: no row for %s", what, cu->ref);
            break;
        }
        int exp = currencies[cu->cur].exp;
        char cells[7][40];
        int64_t total = -tot[k].unapplied;
        for (int b = 0; b < 5; b++) {
            fmt_amount(cells[b], sizeof cells[b], tot[k].buckets[b], exp, false);
            total += tot[k].buckets[b];
        }
        fmt_amount(cells[5], sizeof cells[5], tot[k].unapplied, exp, false);
        fmt_amount(cells[6], sizeof cells[6], total, exp, false);
        const char *want[] = {cu->ref,  cu->name, currencies[cu->cur].code,
                              cells[0], cells[1], cells[2],
                              cells[3], cells[4], cells[5],
                              cells[6]};
        ok = expect_record(sim, what, &c.row, want, 10, cols);
        tot[k].shown = true;
    }
    owed_csv_free(c.csv);
    owed_buf_release(&out);
    return ok;
}

static const char *json_str(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The JSON totals per currency equal the sums of the model's rows. */
static bool check_aging_json_totals(struct sim *sim, owed_date as_of,
                                    const struct cust_total *tot) {
    struct owed_buf out = OWED_BUF_INIT(0);
    bool ok = aging_text(sim, as_of, false, OWED_FORMAT_JSON, &out);
    json_error_t jerr;
    json_t *doc = ok ? json_loadb(out.ptr, out.len, 0, &jerr) : NULL;
    json_t *totals = doc ? json_object_get(doc, "totals") : NULL;
    if (ok && !json_is_array(totals)) ok = fail(sim, "aging JSON: no totals array: %s", out.ptr);
    size_t seen = 0;
    for (int cur = 0; ok && cur < NCUR; cur++) {
        int64_t want[6] = {0};
        bool any = false;
        for (size_t c = 0; c < sim->ncusts; c++) {
            if (sim->custs[c].cur != cur || !tot[c].shown) continue;
            any = true;
            for (int b = 0; b < 5; b++) want[b] += tot[c].buckets[b];
            want[5] += tot[c].unapplied;
        }
        json_t *row = NULL;
        for (size_t i = 0; i < json_array_size(totals); i++) {
            const char *code = json_str(json_array_get(totals, i), "currency");
            if (code && strcmp(code, currencies[cur].code) == 0) row = json_array_get(totals, i);
        }
        if (!any) {
            if (row)
                ok = fail(sim, "aging JSON: totals for %s, model has none", currencies[cur].code);
            continue;
        }
        seen++;
        if (!row) {
            ok = fail(sim, "aging JSON: no totals for %s", currencies[cur].code);
            break;
        }
        static const char *const keys[6] = {"current", "d1_30",    "d31_60",
                                            "d61_90",  "d91_plus", "unapplied"};
        for (int k = 0; ok && k < 6; k++) {
            char a[40];
            fmt_amount(a, sizeof a, want[k], currencies[cur].exp, false);
            const char *got = json_str(row, keys[k]);
            if (!got || strcmp(got, a) != 0)
                ok = fail(sim, "aging JSON totals %s %s: '%s', model says '%s'",
                          currencies[cur].code, keys[k], got ? got : "(missing)", a);
        }
    }
    if (ok && json_array_size(totals) != seen)
        ok = fail(sim, "aging JSON: %zu totals rows, model has %zu currencies",
                  json_array_size(totals), seen);
    json_decref(doc);
    owed_buf_release(&out);
    return ok;
}

/* KPI "ar" per currency (open invoice amounts, not netted) and the set of currencies. */
static bool check_kpi(struct sim *sim, owed_date as_of, const int64_t *open) {
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_kpi(sim->store, sim->org, as_of, 90, OWED_FORMAT_JSON, &out, &err);
    bool ok = rc == OWED_OK;
    if (!ok) fail(sim, "owed_report_kpi: %s: %s", owed_rc_name(rc), err.ptr);
    json_error_t jerr;
    json_t *doc = ok ? json_loadb(out.ptr, out.len, 0, &jerr) : NULL;
    if (ok && !json_is_array(doc)) ok = fail(sim, "kpi JSON is not an array: %s", out.ptr);
    size_t seen = 0;
    for (int cur = 0; ok && cur < NCUR; cur++) {
        int64_t ar = 0;
        bool any = false;
        for (size_t i = 0; i < sim->ninvs; i++) {
            if (sim->custs[sim->invs[i].cust].cur != cur || sim->invs[i].issue > as_of) continue;
            any = true;
            ar += open[i];
        }
        json_t *row = NULL;
        for (size_t i = 0; i < json_array_size(doc); i++) {
            const char *code = json_str(json_array_get(doc, i), "currency");
            if (code && strcmp(code, currencies[cur].code) == 0) row = json_array_get(doc, i);
        }
        if (!any) {
            if (row)
                ok = fail(sim, "kpi: a result for %s, which has no invoice yet",
                          currencies[cur].code);
            continue;
        }
        seen++;
        char a[40];
        fmt_amount(a, sizeof a, ar, currencies[cur].exp, false);
        const char *got = row ? json_str(row, "ar") : NULL;
        if (!got || strcmp(got, a) != 0)
            ok = fail(sim, "kpi %s ar: '%s', model says '%s'", currencies[cur].code,
                      got ? got : "(missing)", a);
    }
    if (ok && json_array_size(doc) != seen)
        ok = fail(sim, "kpi: %zu currencies, model has %zu", json_array_size(doc), seen);
    json_decref(doc);
    owed_buf_release(&out);
    owed_buf_release(&err);
    return ok;
}

/* JSON parsing is slow under ASan: the aging JSON totals are checked as of 2099-12-31 and
 * the KPIs as of the simulated today, where as-of filtering matters. */
static bool check_reports(struct sim *sim, owed_date as_of, bool detail) {
    bool far = as_of == far_future();
    int64_t *open = xrealloc(NULL, (sim->ninvs + 1) * sizeof *open);
    int64_t *unapplied = xrealloc(NULL, (sim->ncusts + 1) * sizeof *unapplied);
    struct cust_total *tot = xrealloc(NULL, (sim->ncusts + 1) * sizeof *tot);
    model_as_of(sim, as_of, open, unapplied);
    bool ok = (!detail || check_aging_detail(sim, as_of, open)) &&
              check_aging_summary(sim, as_of, open, unapplied, tot) &&
              (!far || check_aging_json_totals(sim, as_of, tot)) &&
              (far || check_kpi(sim, as_of, open));
    free(open);
    free(unapplied);
    free(tot);
    return ok;
}

/* Database rows against the model, read over the separate connection. */
static bool check_tables(struct sim *sim) {
    /* Independent of the model: nothing applied beyond its amount, allocations follow their
     * payment, every journal entry sums to zero in one currency. */
    static const char counts[] =
        "SELECT (SELECT COUNT(*) FROM payments p WHERE p.amount_minor < (SELECT"
        " COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.org_id = p.org_id AND"
        " a.payment_id = p.payment_id)),"
        " (SELECT COUNT(*) FROM invoices i WHERE i.amount_minor < (SELECT"
        " COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.org_id = i.org_id AND"
        " a.invoice_id = i.invoice_id)),"
        " (SELECT COUNT(*) FROM allocations a JOIN payments p ON p.org_id = a.org_id AND"
        " p.payment_id = a.payment_id JOIN invoices i ON i.org_id = a.org_id AND"
        " i.invoice_id = a.invoice_id WHERE a.alloc_date != p.received_date OR"
        " p.customer_id != i.customer_id OR p.currency != i.currency),"
        " (SELECT COUNT(*) FROM (SELECT entry_id FROM journal_lines GROUP BY org_id, entry_id"
        " HAVING SUM(amount_minor) != 0 OR COUNT(DISTINCT currency) != 1) AS unbalanced)";
    struct owed_buf got = OWED_BUF_INIT(0), want = OWED_BUF_INIT(0);
    if (!sql_text(sim, counts, &got)) {
        owed_buf_release(&got);
        return false;
    }
    long long over_pay = 0, over_inv = 0, odd_alloc = 0, unbalanced = 0;
    sscanf(got.ptr, "%lld|%lld|%lld|%lld", &over_pay, &over_inv, &odd_alloc, &unbalanced);
    owed_buf_reset(&got);
    bool ok = true;
    if (over_pay)
        ok = fail(sim, "%lld payments are applied beyond their amount", over_pay);
    else if (over_inv)
        ok = fail(sim, "%lld invoices are allocated beyond their amount", over_inv);
    else if (odd_alloc)
        ok = fail(sim, "%lld allocations differ from their payment's date, customer or currency",
                  odd_alloc);
    else if (unbalanced)
        ok = fail(sim, "%lld journal entries do not sum to zero", unbalanced);

    /* Every record, in id order, against the model. */
    ok = ok && sql_text(sim,
                        "SELECT i.invoice_number, c.customer_ref, i.issue_date, i.due_date,"
                        " i.currency, i.amount_minor, (SELECT COALESCE(SUM(a.amount_minor), 0)"
                        " FROM allocations a WHERE a.org_id = i.org_id AND a.invoice_id ="
                        " i.invoice_id) FROM invoices i JOIN customers c ON c.org_id = i.org_id"
                        " AND c.customer_id = i.customer_id ORDER BY i.invoice_id",
                        &got);
    for (size_t i = 0; i < sim->ninvs; i++) {
        const struct m_inv *v = &sim->invs[i];
        owed_buf_addf(&want, "%s|%s|%d|%d|%s|%lld|%lld\n", v->number, sim->custs[v->cust].ref,
                      (int)v->issue, (int)v->due, currencies[sim->custs[v->cust].cur].code,
                      (long long)v->amount, (long long)v->allocated);
    }
    ok = ok && sql_text(sim,
                        "SELECT p.payment_ref, c.customer_ref, p.received_date, p.currency,"
                        " p.amount_minor, (SELECT COALESCE(SUM(a.amount_minor), 0) FROM"
                        " allocations a WHERE a.org_id = p.org_id AND a.payment_id ="
                        " p.payment_id) FROM payments p JOIN customers c ON c.org_id = p.org_id"
                        " AND c.customer_id = p.customer_id ORDER BY p.payment_id",
                        &got);
    for (size_t i = 0; i < sim->npays; i++) {
        const struct m_pay *p = &sim->pays[i];
        owed_buf_addf(&want, "%s|%s|%d|%s|%lld|%lld\n", p->ref, sim->custs[p->cust].ref,
                      (int)p->received, currencies[sim->custs[p->cust].cur].code,
                      (long long)p->amount, (long long)p->allocated);
    }
    /* The control accounts: AR is the open items, unapplied the unallocated cash. */
    _Static_assert(OWED_ACC_AR == 1 && OWED_ACC_UNAPPLIED == 4, "account numbers in the query");
    static const char sql[] =
        "SELECT c.customer_ref, SUM(CASE WHEN j.account = 1 THEN j.amount_minor ELSE 0 END),"
        " -SUM(CASE WHEN j.account = 4 THEN j.amount_minor ELSE 0 END) FROM customers c"
        " LEFT JOIN journal_lines j ON j.org_id = c.org_id AND j.customer_id = c.customer_id"
        " GROUP BY c.customer_ref ORDER BY c.customer_ref COLLATE \"C\"";
    ok = ok && sql_text(sim, sql, &got);
    for (size_t c = 0; c < sim->ncusts; c++) {
        int64_t ar = 0, un = 0;
        for (size_t i = 0; i < sim->ninvs; i++)
            if (sim->invs[i].cust == (int)c) ar += sim->invs[i].amount - sim->invs[i].allocated;
        for (size_t i = 0; i < sim->npays; i++)
            if (sim->pays[i].cust == (int)c) un += sim->pays[i].amount - sim->pays[i].allocated;
        owed_buf_addf(&want, "%s|%lld|%lld\n", sim->custs[c].ref, (long long)ar, (long long)un);
    }
    if (ok && strcmp(got.ptr, want.ptr) != 0) {
        const char *g = got.ptr, *w = want.ptr;
        while (*g && *g == *w) g++, w++;
        while (g > got.ptr && g[-1] != '\n') g--, w--;
        ok = fail(sim, "database rows differ from the model:\n  db:    %.*s\n  model: %.*s",
                  (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
    }
    owed_buf_release(&got);
    owed_buf_release(&want);
    return ok;
}

static bool check_all(struct sim *sim) {
    /* A rejected import or a re-import compared every row of every table and the aging
     * summary with the state before the step, which passed all checks: the ledger check
     * suffices. */
    if (sim->proven_unchanged) return check_ledger(sim);
    /* A detail report costs the most (the radix sort allocates 1 MiB per call): every step
     * checks the detail as of 2099-12-31, every fourth one also as of the simulated today. */
    return check_ledger(sim) && check_tables(sim) && check_reports(sim, far_future(), true) &&
           check_reports(sim, sim->today, sim->step % 4 == 0);
}

/* ---- store lifecycle ---- */

static bool open_store(struct sim *sim) {
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_store_open(sim->db_path, true, &sim->store, &err);
    if (rc == OWED_OK) rc = sim->store->ops->migrate(sim->store, &err);
    int64_t org = 0;
    if (rc == OWED_OK) rc = sim->store->ops->default_org(sim->store, &org, &err);
    bool ok = rc == OWED_OK;
    if (!ok)
        fail(sim, "open %s: %s: %s", sim->db_path, owed_rc_name(rc), err.ptr);
    else if (sim->org && org != sim->org)
        ok =
            fail(sim, "default org changed from %lld to %lld", (long long)sim->org, (long long)org);
    sim->org = org;
    owed_buf_release(&err);
    return ok;
}

static void close_store(struct sim *sim) {
    if (sim->store) owed_store_close(sim->store);
    sim->store = NULL;
}

/* ---- steps ---- */

static void on_error(void *ctx, const char *msg) {
    struct sim *sim = ctx;
    sim->nmsgs++;
    size_t n = strlen(sim->msg_path);
    if (strncmp(msg, sim->msg_path, n) != 0 || msg[n] != ':') sim->bad_prefix++;
    if (sim->msgs.len < 8192) owed_buf_addf(&sim->msgs, "    %s\n", msg);
}

static int import(struct sim *sim, const struct sim_file *f, bool skip_bad,
                  struct owed_import_result *res, struct owed_buf *err) {
    struct owed_import_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.skip_bad = skip_bad;
    opts.on_error = on_error;
    opts.error_ctx = sim;
    owed_buf_reset(&sim->msgs);
    sim->nmsgs = 0;
    sim->bad_prefix = 0;
    sim->msg_path = f->path;
    enum owed_import_kind kind = f->kind == F_CUSTOMERS  ? OWED_IMPORT_CUSTOMERS
                                 : f->kind == F_INVOICES ? OWED_IMPORT_INVOICES
                                                         : OWED_IMPORT_PAYMENTS;
    return owed_import_file(sim->store, sim->org, kind, f->path, &opts, res, err);
}

/* Rows of the rejects file beside the input (header excluded). */
static bool count_rejects(struct sim *sim, const char *path, long *rows) {
    FILE *f = fopen(path, "rb");
    CHECK(sim, f, "no rejects file %s: %s", path, strerror(errno));
    struct owed_csv *csv = owed_csv_new_file(f);
    struct owed_csv_row row;
    struct owed_buf err = OWED_BUF_INIT(0);
    bool eof = false;
    long n = -1;
    int rc;
    while ((rc = owed_csv_next(csv, &row, &eof, &err)) == OWED_OK && !eof) n++;
    owed_csv_free(csv);
    fclose(f);
    bool ok = rc == OWED_OK;
    if (!ok) fail(sim, "rejects file %s is not CSV: %s", path, err.ptr);
    owed_buf_release(&err);
    *rows = n;
    return ok;
}

/* The outcome every import must have, new or repeated. */
static bool check_outcome(struct sim *sim, const struct sim_file *f, bool skip_bad, int rc,
                          const struct owed_import_result *res, const struct owed_buf *err,
                          long want_inserted, long want_unchanged) {
    bool reject = f->bad > 0 && !skip_bad;
    CHECK(sim, rc == (reject ? OWED_E_REJECTED : OWED_OK),
          "import %s %s%s (%ld rows, %ld bad): %s, want %s: %s\n%s", specs[f->kind].name, f->path,
          skip_bad ? " --skip-bad" : "", f->rows, f->bad, owed_rc_name(rc),
          reject ? "REJECTED" : "OK", err->ptr, sim->msgs.ptr);
    CHECK(sim, res->rows == f->rows, "import %s: %ld rows read, file has %ld", f->path, res->rows,
          f->rows);
    CHECK(sim, res->rejected == f->bad, "import %s: %ld rows rejected, want %ld:\n%s", f->path,
          res->rejected, f->bad, sim->msgs.ptr);
    CHECK(sim, sim->nmsgs >= f->bad && (f->bad > 0 || sim->nmsgs == 0),
          "import %s: %ld messages for %ld bad rows", f->path, sim->nmsgs, f->bad);
    CHECK(sim, sim->bad_prefix == 0, "import %s: a message not in FILE:LINE: form:\n%s", f->path,
          sim->msgs.ptr);
    if (reject) {
        CHECK(sim, res->rejects_path[0] == '\0', "rejected import %s wrote rejects %s", f->path,
              res->rejects_path);
        return true;
    }
    CHECK(sim, res->inserted == want_inserted && res->unchanged == want_unchanged,
          "import %s: inserted %ld unchanged %ld, want %ld and %ld", f->path, res->inserted,
          res->unchanged, want_inserted, want_unchanged);
    if (f->bad == 0) {
        CHECK(sim, res->rejects_path[0] == '\0', "import %s: rejects file %s with no bad row",
              f->path, res->rejects_path);
        return true;
    }
    long n = 0;
    if (!count_rejects(sim, res->rejects_path, &n)) return false;
    CHECK(sim, n == f->bad, "rejects file %s has %ld rows, want %ld", res->rejects_path, n, f->bad);
    return true;
}

static bool step_new_file(struct sim *sim, enum file_kind kind) {
    struct rng *r = &sim->rng;
    struct filegen g;
    memset(&g, 0, sizeof g);
    g.kind = kind;
    owed_buf_init(&g.text, 0);
    g.cust_mark = sim->ncusts;
    g.pay_mark = sim->npays;
    g.alloc_mark = sim->nallocs;
    size_t inv_mark = sim->ninvs;
    gen_header(sim, &g);
    long nrows = kind == F_CUSTOMERS ? (long)rng_range(r, 1, 10) : (long)rng_range(r, 1, 30);
    long nbad = rng_pct(r, 35) ? (long)rng_range(r, 1, 3) : 0;
    if (nbad > nrows) nbad = nrows;
    /* Bad rows go at random places among the good ones. */
    for (long left = nrows, bad_left = nbad; left > 0; left--) {
        bool bad = rng_below(r, left) < bad_left;
        if (bad) bad_left--;
        if (kind == F_CUSTOMERS && bad)
            gen_customer_bad(sim, &g);
        else if (kind == F_CUSTOMERS)
            gen_customer_good(sim, &g);
        else if (kind == F_INVOICES && bad)
            gen_invoice_bad(sim, &g, inv_mark);
        else if (kind == F_INVOICES)
            gen_invoice_good(sim, &g);
        else if (bad)
            gen_payment_bad(sim, &g);
        else
            gen_payment_good(sim, &g);
    }
    GROW(sim->files, sim->nfiles, sim->cap_files);
    struct sim_file *f = &sim->files[sim->nfiles];
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s/f%03d-%s.csv", sim->dir, ++sim->next_file,
             specs[kind].name);
    f->kind = kind;
    f->rows = g.rows;
    f->bad = g.bad;
    bool skip_bad = rng_pct(r, 40);
    bool ok = write_file(sim, f->path, &g.text);
    struct owed_buf before = OWED_BUF_INIT(0), after = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    struct owed_import_result res;
    if (ok && f->bad && !skip_bad) ok = take_digest(sim, &before);
    int rc = ok ? import(sim, f, skip_bad, &res, &err) : OWED_OK;
    if (sim->verbose)
        printf("sim: seed %" PRIu64 " step %d: import %s%s: %ld rows, %ld bad -> %s\n", sim->seed,
               sim->step, f->path, skip_bad ? " --skip-bad" : "", f->rows, f->bad,
               owed_rc_name(rc));
    ok = ok && check_outcome(sim, f, skip_bad, rc, &res, &err, f->rows - f->bad, 0);
    if (ok && rc == OWED_E_REJECTED) {
        ok = take_digest(sim, &after);
        sim->proven_unchanged = ok && strcmp(before.ptr, after.ptr) == 0;
        if (ok && strcmp(before.ptr, after.ptr) != 0)
            ok = fail(sim, "rejected import %s changed the database:\nbefore:\n%safter:\n%s",
                      f->path, before.ptr, after.ptr);
    }
    if (rc == OWED_E_REJECTED) { /* the model forgets the file's rows */
        for (size_t k = g.alloc_mark; k < sim->nallocs; k++)
            sim->invs[sim->allocs[k].inv].allocated -= sim->allocs[k].amount;
        sim->nallocs = g.alloc_mark;
        sim->npays = g.pay_mark;
        sim->ncusts = g.cust_mark;
        sim->ninvs = inv_mark;
        sim->imports_rejected++;
    } else {
        sim->imports_ok++;
        f->applied = rc == OWED_OK;
    }
    if (ok && kind == F_PAYMENTS && rc == OWED_OK && res.unapplied != g.expect_unapplied)
        ok = fail(sim, "import %s: %ld payments left unapplied, model says %ld", f->path,
                  res.unapplied, g.expect_unapplied);
    sim->nfiles++;
    owed_buf_release(&before);
    owed_buf_release(&after);
    owed_buf_release(&err);
    owed_buf_release(&g.text);
    free(g.good);
    return ok;
}

/* Re-imports an earlier file verbatim: nothing changes. */
static bool step_reimport(struct sim *sim) {
    struct rng *r = &sim->rng;
    const struct sim_file *f = &sim->files[rng_below(r, (int64_t)sim->nfiles)];
    /* A rejected file would import its good rows with --skip-bad: keep it all-or-nothing. */
    bool skip_bad = f->applied && rng_pct(r, 50);
    struct owed_buf before = OWED_BUF_INIT(0), after = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    struct owed_import_result res;
    bool ok = take_digest(sim, &before);
    int rc = ok ? import(sim, f, skip_bad, &res, &err) : OWED_OK;
    if (sim->verbose)
        printf("sim: seed %" PRIu64 " step %d: re-import %s%s -> %s\n", sim->seed, sim->step,
               f->path, skip_bad ? " --skip-bad" : "", owed_rc_name(rc));
    ok = ok && check_outcome(sim, f, skip_bad, rc, &res, &err, 0, f->rows - f->bad);
    ok = ok && take_digest(sim, &after);
    sim->proven_unchanged = ok && strcmp(before.ptr, after.ptr) == 0;
    if (ok && strcmp(before.ptr, after.ptr) != 0)
        ok = fail(sim, "re-import of %s changed the database:\nbefore:\n%safter:\n%s", f->path,
                  before.ptr, after.ptr);
    sim->reimports++;
    owed_buf_release(&before);
    owed_buf_release(&after);
    owed_buf_release(&err);
    return ok;
}

static bool step_restart(struct sim *sim) {
    if (sim->verbose) printf("sim: seed %" PRIu64 " step %d: restart\n", sim->seed, sim->step);
    close_store(sim);
    sim->restarts++;
    return open_store(sim);
}

static bool step(struct sim *sim) {
    struct rng *r = &sim->rng;
    sim->today += (owed_date)rng_range(r, 0, 6);
    sim->proven_unchanged = false;
    int64_t roll = rng_below(r, 100);
    if (sim->ncusts < 3 || (roll < 12 && sim->ncusts < 60)) return step_new_file(sim, F_CUSTOMERS);
    if (roll < 20) return step_restart(sim);
    if (roll < 34 && sim->nfiles) return step_reimport(sim);
    if (roll < 62 || sim->ninvs == 0) return step_new_file(sim, F_INVOICES);
    return step_new_file(sim, F_PAYMENTS);
}

/* ---- one seed ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- PostgreSQL: a database per seed ---- */

static const char *pg_state; /* STATE_DIR of tests/pg/pg-start.sh; NULL on SQLite */
static char pg_base[256];    /* its base URL, postgresql://USER@HOST:PORT */
static PGconn *pg_admin;     /* BASE/postgres: creates and drops the seeds' databases */

/* BASE/NAME, keeping any ?parameters of the base URL at the end. */
static void pg_url(char *dst, size_t cap, const char *name) {
    size_t n = strcspn(pg_base, "?");
    size_t host = n;
    while (host > 0 && pg_base[host - 1] == '/') host--;
    snprintf(dst, cap, "%.*s/%s%s", (int)host, pg_base, name, pg_base + n);
}

static bool pg_admin_exec(const char *sql, struct owed_buf *err) {
    PGresult *r = PQexec(pg_admin, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) owed_buf_addf(err, "%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

/* Reads STATE_DIR/url and connects to BASE/postgres. */
static bool pg_init(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/url", pg_state);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sim: --pg: cannot read %s: %s (start a server with tests/pg/pg-start.sh"
                        " %s)\n", path, strerror(errno), pg_state);
        return false;
    }
    if (!fgets(pg_base, sizeof pg_base, f)) pg_base[0] = '\0';
    fclose(f);
    pg_base[strcspn(pg_base, " \t\r\n")] = '\0';
    if (strncmp(pg_base, "postgresql://", 13) != 0 && strncmp(pg_base, "postgres://", 11) != 0) {
        fprintf(stderr, "sim: --pg: %s holds no postgresql:// URL: '%s'\n", path, pg_base);
        return false;
    }
    char url[320];
    pg_url(url, sizeof url, "postgres");
    pg_admin = PQconnectdb(url);
    if (PQstatus(pg_admin) != CONNECTION_OK) {
        fprintf(stderr, "sim: --pg: cannot connect to %s: %s", url, PQerrorMessage(pg_admin));
        PQfinish(pg_admin);
        pg_admin = NULL;
        return false;
    }
    PGresult *r = PQexec(pg_admin, "SET client_min_messages = warning");
    PQclear(r);
    printf("sim: every seed on its own PostgreSQL database at %s\n", pg_base);
    return true;
}

/* A fresh database for the seed (one left by an earlier run of this pid goes first). */
static bool pg_create(struct sim *sim) {
    char sql[160];
    struct owed_buf err = OWED_BUF_INIT(0);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", sim->pg_name);
    bool ok = pg_admin_exec(sql, &err);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", sim->pg_name);
    ok = ok && pg_admin_exec(sql, &err);
    if (!ok) fail(sim, "PostgreSQL: %s", err.ptr);
    owed_buf_release(&err);
    return ok;
}

static bool pg_drop(const char *name) {
    char sql[160];
    struct owed_buf err = OWED_BUF_INIT(0);
    snprintf(sql, sizeof sql, "DROP DATABASE \"%s\" WITH (FORCE)", name);
    bool ok = pg_admin_exec(sql, &err);
    if (!ok) fprintf(stderr, "sim: PostgreSQL: %s", err.ptr);
    owed_buf_release(&err);
    return ok;
}

/* The check connection: read-only by use, autocommit, so it sees what the store committed. */
static bool pg_open_check(struct sim *sim) {
    sim->pg = PQconnectdb(sim->db_path);
    if (PQstatus(sim->pg) != CONNECTION_OK)
        return fail(sim, "cannot connect to %s: %s", sim->db_path, PQerrorMessage(sim->pg));
    CHECK(sim, PQsetClientEncoding(sim->pg, "UTF8") == 0, "client_encoding UTF8: %s",
          PQerrorMessage(sim->pg));
    return true;
}

/* COLLATE "C" on the SQLite check connection: byte order, as BINARY (and as PostgreSQL's
 * "C"), so that the check queries are the same text on both backends. */
static int collate_c(void *ctx, int n1, const void *a, int n2, const void *b) {
    (void)ctx;
    int c = memcmp(a, b, (size_t)(n1 < n2 ? n1 : n2));
    return c ? c : (n1 > n2) - (n1 < n2);
}

static bool sqlite_open_check(struct sim *sim) {
    if (sqlite3_open_v2(sim->db_path, &sim->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return fail(sim, "sqlite3_open_v2 %s: %s", sim->db_path, sqlite3_errmsg(sim->db));
    sqlite3_busy_timeout(sim->db, 5000);
    CHECK(sim, sqlite3_create_collation(sim->db, "C", SQLITE_UTF8, NULL, collate_c) == SQLITE_OK,
          "sqlite3_create_collation C: %s", sqlite3_errmsg(sim->db));
    return true;
}

static void sim_release(struct sim *sim) {
    close_store(sim);
    for (int i = 0; i < sim->nstmts; i++) sqlite3_finalize(sim->stmts[i].st);
    if (sim->db) sqlite3_close(sim->db);
    sim->db = NULL;
    if (sim->pg) PQfinish(sim->pg);
    sim->pg = NULL;
    free(sim->custs);
    free(sim->invs);
    free(sim->pays);
    free(sim->allocs);
    free(sim->files);
    owed_buf_release(&sim->msgs);
}

static int run_seed(uint64_t seed, int steps_override, bool verbose) {
    struct sim sim;
    memset(&sim, 0, sizeof sim);
    sim.seed = seed;
    sim.rng.s = seed;
    sim.verbose = verbose;
    owed_buf_init(&sim.msgs, 0);
    const char *tmp = getenv("TMPDIR");
    snprintf(sim.dir, sizeof sim.dir, "%s/owed-sim-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(sim.dir)) {
        fprintf(stderr, "sim: mkdtemp %s: %s\n", sim.dir, strerror(errno));
        return 1;
    }
    bool ok = true, ok_created = false;
    if (pg_state) {
        snprintf(sim.pg_name, sizeof sim.pg_name, "owed_sim_%ld_%" PRIu64, (long)getpid(), seed);
        pg_url(sim.db_path, sizeof sim.db_path, sim.pg_name);
        ok = ok_created = pg_create(&sim);
    } else {
        snprintf(sim.db_path, sizeof sim.db_path, "%s/owed.db", sim.dir);
    }
    sim.today = owed_date_from_ymd(2024, 1, 1) + (owed_date)rng_below(&sim.rng, 500);
    int nsteps = steps_override > 0 ? steps_override : (int)rng_range(&sim.rng, 40, 60);
    ok = ok && open_store(&sim);
    if (ok) ok = pg_state ? pg_open_check(&sim) : sqlite_open_check(&sim);
    if (ok) ok = check_all(&sim);
    for (sim.step = 1; ok && sim.step <= nsteps; sim.step++) ok = step(&sim) && check_all(&sim);
    if (ok) {
        printf("sim: seed %" PRIu64 " ok: %d steps, %zu customers, %zu invoices, %zu payments,"
               " %zu allocations; %ld imports, %ld rejected, %ld re-imports, %ld bad rows,"
               " %ld restarts\n",
               seed, nsteps, sim.ncusts, sim.ninvs, sim.npays, sim.nallocs, sim.imports_ok,
               sim.imports_rejected, sim.reimports, sim.bad_rows, sim.restarts);
    } else if (pg_state && ok_created) {
        fprintf(stderr,
                "sim: files kept in %s, database kept at %s; replay with: sim_main --pg %s"
                " --seed %" PRIu64 " -v\n",
                sim.dir, sim.db_path, pg_state, seed);
    } else {
        fprintf(stderr, "sim: files kept in %s; replay with: sim_main --seed %" PRIu64 " -v\n",
                sim.dir, seed);
    }
    sim_release(&sim);
    if (ok && pg_state) ok = pg_drop(sim.pg_name);
    if (ok) nftw(sim.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return ok ? 0 : 1;
}

static bool parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') return false;
    *out = (uint64_t)v;
    return true;
}

static int usage(void) {
    fprintf(stderr, "usage: sim_main [--seeds N | --seed S] [--steps K] [--pg STATE_DIR] [-v]\n");
    return 2;
}

int main(int argc, char **argv) {
    uint64_t first = 1, count = 20, steps = 0;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            if (!parse_u64(argv[++i], &count)) return usage();
            first = 1;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (!parse_u64(argv[++i], &first)) return usage();
            count = 1;
        } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            if (!parse_u64(argv[++i], &steps) || steps > 100000) return usage();
        } else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc) {
            pg_state = argv[++i];
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = true;
        } else {
            return usage();
        }
    }
    for (int c = 0; c < NCUR; c++) {
        if (owed_currency_exponent(currencies[c].code) != currencies[c].exp) {
            fprintf(stderr, "sim: %s has exponent %d in the ISO table, the simulation assumes %d\n",
                    currencies[c].code, owed_currency_exponent(currencies[c].code),
                    currencies[c].exp);
            return 1;
        }
    }
    if (!pg_state) pg_state = getenv("OWED_PG_STATE");
    if (pg_state && !*pg_state) pg_state = NULL;
    if (pg_state && !pg_init()) return 1;
    int failed = 0;
    for (uint64_t s = first; s < first + count; s++) {
        printf("sim: seed %" PRIu64 " ...\n", s);
        fflush(stdout);
        if (run_seed(s, (int)steps, verbose)) failed++;
        if (failed) break;
    }
    if (pg_admin) PQfinish(pg_admin);
    if (failed) return 1;
    printf("sim: %" PRIu64 " seeds ok%s\n", count, pg_state ? " on PostgreSQL" : "");
    return 0;
}
