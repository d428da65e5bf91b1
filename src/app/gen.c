/* Synthetic receivables for demos, tests and the benchmark (see gen.h).
 *
 * One pass: customers first (kept in memory, a few bytes each), then invoice by invoice,
 * each invoice's payment drawn from the same stream right after it and written to
 * payments.csv at once, so nothing grows with the number of invoices. All randomness is
 * splitmix64 with integer thresholds, so the output depends only on the options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/gen.h"
#include "base.h"
#include "core/terms.h"

#define FLUSH_AT ((size_t)1 << 16)

/* ---- PRNG: splitmix64 (Steele, Lea, Flood 2014), fixed across platforms ---- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Independent streams per purpose, so adding a draw to one does not shift the other. */
static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    r->s = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
    (void)rng_next(r);
}

/* Uniform in [0, n); modulo bias is irrelevant for synthetic data. */
static uint64_t rng_below(struct rng *r, uint64_t n) { return n ? rng_next(r) % n : 0; }

static unsigned rng_pct(struct rng *r) { return (unsigned)rng_below(r, 100); }

/* Uniform in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    OWED_ASSERT(lo <= hi);
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* Index into a table whose weights (percent) sum to 100. */
static size_t rng_pick(struct rng *r, const unsigned char *weights, size_t n)
{
    unsigned x = rng_pct(r), acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += weights[i];
        if (x < acc) return i;
    }
    return n - 1;
}

#define PICK(r, arr) ((arr)[rng_below((r), OWED_ARRAY_LEN(arr))])

/* ---- Tables ---- */

struct gen_currency {
    const char *code;
    int exponent;
    int64_t per_usd; /* minor units per US dollar: converts an amount drawn in cents */
};

static const struct gen_currency currencies[] = {
    { "USD", 2, 100 }, { "EUR", 2, 92 }, { "GBP", 2, 79 }, { "JPY", 0, 150 }, { "KWD", 3, 307 },
};
static const unsigned char currency_weights[] = { 70, 14, 10, 3, 3 };

struct gen_terms {
    const char *text;
    struct owed_terms t;
};

static const struct gen_terms terms_table[] = {
    { "NET30", { OWED_TERMS_NET, 30, 0, 0 } },
    { "NET45", { OWED_TERMS_NET, 45, 0, 0 } },
    { "NET60", { OWED_TERMS_NET, 60, 0, 0 } },
    { "DUE", { OWED_TERMS_DUE, 0, 0, 0 } },
    { "2/10 NET30", { OWED_TERMS_DISCOUNT, 30, 10, 200 } },
    { "EOM30", { OWED_TERMS_EOM, 30, 0, 0 } },
};
static const unsigned char terms_weights[] = { 35, 15, 15, 10, 10, 15 };

/* Payment behaviour: days after the due date, typical value and spread either side. */
struct gen_lateness {
    int base, spread;
};
static const struct gen_lateness lateness_table[] = {
    { -8, 3 },  /* always early */
    { 1, 3 },   /* about on time */
    { 35, 10 }, /* late */
    { 65, 25 }, /* very late: 40..90 days */
};
static const unsigned char lateness_weights[] = { 25, 40, 25, 10 };

static const char *const surnames[] = {
    "Smith",    "Jones",    "Müller",   "Schmidt",   "García",  "Dubois",    "Rossi",
    "Nakamura", "Kowalski", "Ødegaard", "Brown",     "Taylor",  "Nguyen",    "O'Brien",
    "Fischer",  "Martin",   "Lefèvre",  "Johansson", "Horváth", "Novák",     "Patel",
    "Silva",    "Andersen", "Weber",    "Moreau",    "Kim",     "Rodríguez", "van der Berg",
    "Becker",   "Hoffmann", "Wilson",   "Clarke",    "Murphy",  "Yamamoto",  "Al-Sabah",
    "Costa",    "Jensen",   "Łukasik",  "Černý",     "Santos",
};
static const char *const words[] = {
    "Acme",     "Atlas",      "Summit",    "Harbor",    "Northwind", "Blue Ridge",
    "Pioneer",  "Evergreen",  "Apex",      "Meridian",  "Granite",   "Lakeside",
    "Redwood",  "Orion",      "Beacon",    "Crescent",  "Sterling",  "Riverside",
    "Keystone", "Silverline", "Cobalt",    "Falcon",    "Juniper",   "Bayview",
    "Ironwood", "Polaris",    "Tidewater", "Westfield", "Zenith",    "Alpine",
};
static const char *const industries[] = {
    "Logistics",    "Manufacturing", "Foods",     "Systems",     "Supply",
    "Textiles",     "Engineering",   "Software",  "Trading",     "Medical",
    "Construction", "Hardware",      "Paper",     "Motors",      "Energy",
    "Packaging",    "Chemicals",     "Furniture", "Electronics", "Farms",
};

/* Legal-form suffixes and a few whole local names, per entry of currencies[]. */
static const char *const suffix_usd[] = { "Inc.", "LLC", "Corp.", "Co." };
static const char *const suffix_eur[] = { "GmbH", "SARL", "S.p.A.", "B.V.", "AG", "S.L." };
static const char *const suffix_gbp[] = { "Ltd", "PLC", "LLP" };
static const char *const suffix_jpy[] = { "K.K.", "Co., Ltd." };
static const char *const suffix_kwd[] = { "W.L.L.", "K.S.C.C." };
static const char *const local_usd[] = { "Smith, Jones and Co", "José's Café Supply",
                                         "\"Big Sky\" Ranch Supply" };
static const char *const local_eur[] = { "Müller & Söhne GmbH", "Société Générale de Transport",
                                         "Åkesson & Ørsted ApS", "Łódź Logistyka Sp. z o.o." };
static const char *const local_gbp[] = { "Brontë & Daughters Ltd", "Marks, Webb & Sons Ltd" };
static const char *const local_jpy[] = { "山田商事株式会社", "東京精密工業株式会社",
                                         "大阪物産株式会社" };
static const char *const local_kwd[] = { "شركة الخليج للتجارة", "Al-Ahmadi Trading Co. W.L.L." };

static const char *pick_suffix(struct rng *r, size_t cur)
{
    switch (cur) {
    case 0: return PICK(r, suffix_usd);
    case 1: return PICK(r, suffix_eur);
    case 2: return PICK(r, suffix_gbp);
    case 3: return PICK(r, suffix_jpy);
    default: return PICK(r, suffix_kwd);
    }
}

static const char *pick_local(struct rng *r, size_t cur)
{
    switch (cur) {
    case 0: return PICK(r, local_usd);
    case 1: return PICK(r, local_eur);
    case 2: return PICK(r, local_gbp);
    case 3: return PICK(r, local_jpy);
    default: return PICK(r, local_kwd);
    }
}

/* ---- Output ---- */

struct gen_file {
    FILE *f;
    struct owed_buf path;
    struct owed_buf out; /* pending bytes, flushed every FLUSH_AT */
    int errnum;          /* first errno, 0 if none */
};

static int file_open(struct gen_file *gf, const char *dir, const char *name, const char *header,
                     struct owed_buf *err)
{
    owed_buf_addf(&gf->path, "%s/%s", dir, name);
    gf->f = fopen(gf->path.ptr, "wb");
    if (!gf->f) {
        if (err) owed_buf_addf(err, "%s: %s", gf->path.ptr, strerror(errno));
        return OWED_E_IO;
    }
    owed_buf_adds(&gf->out, header);
    owed_buf_addc(&gf->out, '\n');
    return OWED_OK;
}

static void file_flush(struct gen_file *gf)
{
    OWED_ASSERT(owed_buf_err(&gf->out) == OWED_OK);
    if (gf->out.len && !gf->errnum && fwrite(gf->out.ptr, 1, gf->out.len, gf->f) != gf->out.len) {
        gf->errnum = errno ? errno : EIO;
    }
    owed_buf_reset(&gf->out);
}

static void file_end_row(struct gen_file *gf)
{
    owed_buf_addc(&gf->out, '\n');
    if (gf->out.len >= FLUSH_AT) file_flush(gf);
}

/* Flushes, closes and releases; reports the first error once. Safe on an unopened file. */
static int file_close(struct gen_file *gf, struct owed_buf *err)
{
    if (gf->f) {
        file_flush(gf);
        if (fclose(gf->f) != 0 && !gf->errnum) gf->errnum = errno ? errno : EIO;
        gf->f = NULL;
    }
    int rc = OWED_OK;
    if (gf->errnum) {
        if (err) owed_buf_addf(err, "%s: %s", gf->path.ptr, strerror(gf->errnum));
        rc = OWED_E_IO;
    }
    owed_buf_release(&gf->path);
    owed_buf_release(&gf->out);
    return rc;
}

/* One CSV field, quoted only when it has to be (RFC 4180). */
static void put_field(struct owed_buf *b, const char *s, size_t n)
{
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
        owed_buf_add(b, s, n);
        return;
    }
    owed_buf_addc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') owed_buf_addc(b, '"');
        owed_buf_addc(b, s[i]);
    }
    owed_buf_addc(b, '"');
}

/* prefix + v zero-padded to at least `width` digits ("C000042"), without printf. */
static void put_id(struct owed_buf *b, const char *prefix, long v, int width)
{
    char d[24];
    int n = 0;
    OWED_ASSERT(v >= 0);
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width) d[n++] = '0';
    owed_buf_adds(b, prefix);
    char out[24];
    for (int i = 0; i < n; i++) out[i] = d[n - 1 - i];
    owed_buf_add(b, out, (size_t)n);
}

static void put_date(struct owed_buf *b, owed_date day) { owed_date_add_to_buf(b, day); }

static void put_amount(struct owed_buf *b, int64_t minor, size_t cur)
{
    owed_amount_format(b, minor, currencies[cur].exponent, false);
}

/* ---- Customers ---- */

struct gen_customer {
    uint8_t currency; /* index into currencies[] */
    uint8_t terms;    /* index into terms_table[] */
    int8_t late_base; /* typical days paid after the due date (negative: early) */
    uint8_t late_spread;
};

/* US cents to the currency's minor units, at least 1. */
static int64_t convert_cents(int64_t cents, size_t cur)
{
    int64_t m = cents * currencies[cur].per_usd / 100;
    return m > 0 ? m : 1;
}

static void customer_name(struct rng *r, size_t cur, struct owed_buf *name)
{
    unsigned p = rng_pct(r);
    const char *s1 = PICK(r, surnames), *s2 = PICK(r, surnames);
    const char *w = PICK(r, words), *ind = PICK(r, industries), *suf = pick_suffix(r, cur);
    if (p < 35) {
        owed_buf_addf(name, "%s %s %s", w, ind, suf);
    } else if (p < 55) {
        owed_buf_addf(name, "%s %s %s", s1, ind, suf);
    } else if (p < 67) {
        owed_buf_addf(name, "%s & %s %s", s1, s2, suf);
    } else if (p < 75) {
        owed_buf_addf(name, "%s, %s and Co", s1, s2);
    } else if (p < 85) {
        owed_buf_addf(name, "%s %s, %s", w, ind, suf);
    } else if (p < 90) {
        owed_buf_addf(name, "The \"%s\" %s Company", w, ind);
    } else {
        owed_buf_adds(name, pick_local(r, cur));
    }
}

static const char *const email_users[] = { "ap", "accounts", "billing", "finance", "payables" };
static const int64_t credit_limits_usd[] = { 5000, 10000, 25000, 50000, 100000, 250000, 1000000 };

static void customer_row(struct rng *r, long i, struct gen_customer *c, struct gen_file *gf,
                         struct owed_buf *scratch)
{
    size_t cur = rng_pick(r, currency_weights, OWED_ARRAY_LEN(currency_weights));
    size_t terms = rng_pick(r, terms_weights, OWED_ARRAY_LEN(terms_weights));
    const struct gen_lateness *lt =
        &lateness_table[rng_pick(r, lateness_weights, OWED_ARRAY_LEN(lateness_weights))];
    c->currency = (uint8_t)cur;
    c->terms = (uint8_t)terms;
    c->late_base = (int8_t)(lt->base + rng_range(r, -3, 3));
    c->late_spread = (uint8_t)lt->spread;

    struct owed_buf *b = &gf->out;
    put_id(b, "C", i + 1, 6);
    owed_buf_addc(b, ',');
    owed_buf_reset(scratch);
    customer_name(r, cur, scratch);
    put_field(b, scratch->ptr, scratch->len);
    owed_buf_addc(b, ',');
    owed_buf_adds(b, PICK(r, email_users));
    put_id(b, "@c", i + 1, 6);
    owed_buf_adds(b, ".example.com,");
    owed_buf_adds(b, currencies[cur].code);
    owed_buf_addc(b, ',');
    put_field(b, terms_table[terms].text, strlen(terms_table[terms].text));
    owed_buf_addc(b, ',');
    put_amount(b, convert_cents(PICK(r, credit_limits_usd) * 100, cur), cur);
    file_end_row(gf);
}

/* ---- Invoices and payments ---- */

struct gen_state {
    const struct owed_gen_opts *o;
    struct rng rng;
    struct gen_customer *customers;
    long *heavy; /* about 5% of customers that get 45% of all invoices */
    long nheavy;
    long *whales; /* about 0.2% of customers that get 10% of all invoices */
    long nwhales;
    owed_date start; /* first issue date */
    long payments;   /* payments written so far */
    struct owed_buf scratch;
};

struct gen_invoice {
    long number; /* 1-based */
    long customer;
    owed_date issue, due;
    int64_t amount;
};

static long pick_customer(struct gen_state *st)
{
    unsigned p = rng_pct(&st->rng);
    if (st->nwhales && p < 10) return st->whales[rng_below(&st->rng, (uint64_t)st->nwhales)];
    if (st->nheavy && p < 55) return st->heavy[rng_below(&st->rng, (uint64_t)st->nheavy)];
    return (long)rng_below(&st->rng, (uint64_t)st->o->customers);
}

/* Amount in US cents: mostly small, a long tail of large invoices; some whole dollars. */
static int64_t invoice_cents(struct rng *r)
{
    unsigned p = rng_pct(r);
    int64_t c;
    if (p < 50) {
        c = rng_range(r, 5000, 100000);
    } else if (p < 85) {
        c = rng_range(r, 100000, 1000000);
    } else if (p < 98) {
        c = rng_range(r, 1000000, 10000000);
    } else {
        c = rng_range(r, 10000000, 100000000);
    }
    if (rng_pct(r) < 20) c -= c % 100;
    return c;
}

static void invoice_row(struct gen_state *st, long i, struct gen_invoice *inv, struct gen_file *gf)
{
    struct rng *r = &st->rng;
    long span = st->o->end_date - st->start + 1;
    inv->number = i + 1;
    inv->customer = pick_customer(st);
    const struct gen_customer *c = &st->customers[inv->customer];
    size_t cur = c->currency;
    inv->issue = st->start + (owed_date)((int64_t)i * span / st->o->invoices);
    inv->due = owed_terms_due_date(&terms_table[c->terms].t, inv->issue);
    inv->amount = convert_cents(invoice_cents(r), cur);

    struct owed_buf *b = &gf->out;
    put_id(b, "INV", inv->number, 7);
    put_id(b, ",C", inv->customer + 1, 6);
    owed_buf_addc(b, ',');
    put_date(b, inv->issue);
    owed_buf_addc(b, ',');
    if (rng_pct(r) >= 10) put_date(b, inv->due); /* else blank: derived from terms */
    owed_buf_addc(b, ',');
    owed_buf_adds(b, currencies[cur].code);
    owed_buf_addc(b, ',');
    put_amount(b, inv->amount, cur);
    owed_buf_addc(b, ',');
    if (rng_pct(r) >= 30) {
        const char *prefix = rng_pct(r) < 50 ? "PO-" : "4500";
        put_id(b, prefix, (long)rng_below(r, 1000000), 6);
    }
    file_end_row(gf);
}

static const char *const methods_usd[] = { "ach", "ach", "ach", "wire", "check", "check", "card" };
static const char *const methods_eur[] = { "sepa", "sepa", "sepa", "wire", "card" };
static const char *const methods_other[] = { "wire", "wire", "check", "card", "ach" };

static const char *pick_method(struct rng *r, size_t cur)
{
    if (cur == 0) return PICK(r, methods_usd);
    if (cur == 1) return PICK(r, methods_eur);
    return PICK(r, methods_other);
}

static void payment_reference(struct rng *r, const struct gen_invoice *inv, bool applied,
                              size_t cur, struct owed_buf *b)
{
    unsigned p = rng_pct(r);
    if (!applied) {
        owed_buf_adds(b, p < 50 ? "Payment on account" : "\"Advance\", see remittance advice");
    } else if (p < 30) {
        put_id(b, "Remittance INV", inv->number, 7);
    } else if (p < 45) {
        put_id(b, "Payment INV", inv->number, 7);
        owed_buf_adds(b, ", thank you");
    } else if (p < 60) {
        put_id(b, "TRACE ", (long)rng_below(r, 1000000000), 10);
    } else if (p < 75) {
        put_id(b, "Check #", (long)rng_range(r, 1000, 999999), 4);
    } else if (p < 85 && cur == 1) {
        put_id(b, "Überweisung Rechnung INV", inv->number, 7);
    } else if (p < 90) {
        owed_buf_adds(b, "\"Urgent\" payment");
    }
    /* else blank */
}

/* Draws the invoice's payment (if any) and writes it when received by the end date. */
static void payment_row(struct gen_state *st, const struct gen_invoice *inv, struct gen_file *gf)
{
    struct rng *r = &st->rng;
    const struct gen_customer *c = &st->customers[inv->customer];
    size_t cur = c->currency;
    if (rng_pct(r) >= 90) return; /* never paid: disputes, bad debt */
    owed_date received =
        inv->due + (owed_date)(c->late_base + rng_range(r, -c->late_spread, c->late_spread));
    if (received < inv->issue) received = inv->issue;
    unsigned kind = rng_pct(r);
    int64_t amount = inv->amount;
    bool applied = kind >= 2;
    if (kind >= 2 && kind < 4) {
        int64_t extra = amount * rng_range(r, 1, 10) / 100;
        amount += extra > 0 ? extra : 1;
    } else if (kind >= 4 && kind < 9 && amount >= 2) {
        int64_t part = amount * rng_range(r, 10, 90) / 100;
        amount = part > 0 ? part : 1;
    }
    const char *method = pick_method(r, cur);
    if (received > st->o->end_date) return; /* still open at the end date */

    struct owed_buf *b = &gf->out;
    put_id(b, "P", ++st->payments, 7);
    put_id(b, ",C", inv->customer + 1, 6);
    owed_buf_addc(b, ',');
    put_date(b, received);
    owed_buf_addc(b, ',');
    put_amount(b, amount, cur);
    owed_buf_addc(b, ',');
    owed_buf_adds(b, currencies[cur].code);
    owed_buf_addc(b, ',');
    owed_buf_adds(b, method);
    owed_buf_addc(b, ',');
    owed_buf_reset(&st->scratch);
    payment_reference(r, inv, applied, cur, &st->scratch);
    put_field(b, st->scratch.ptr, st->scratch.len);
    owed_buf_addc(b, ',');
    if (applied) put_id(b, "INV", inv->number, 7);
    file_end_row(gf);
}

/* ---- Driver ---- */

void owed_gen_opts_init(struct owed_gen_opts *o)
{
    o->customers = 100;
    o->invoices = 1000;
    o->seed = 1;
    o->end_date = owed_date_from_ymd(OWED_GEN_DEFAULT_END_YMD);
}

static int check_opts(const struct owed_gen_opts *o, struct owed_buf *err)
{
    const char *why = NULL;
    if (o->customers < 0 || o->invoices < 0) {
        why = "customer and invoice counts must not be negative";
    } else if (o->invoices > 0 && o->customers == 0) {
        why = "invoices need at least one customer";
    } else if (o->customers > 99999999 || o->invoices > 999999999) {
        why = "at most 99999999 customers and 999999999 invoices";
    }
    if (why && err) owed_buf_addf(err, "gen: %s", why);
    return why ? OWED_E_INVALID : OWED_OK;
}

static void gen_customers(struct gen_state *st, struct gen_file *gf)
{
    long n = st->o->customers;
    rng_seed(&st->rng, st->o->seed, 1);
    for (long i = 0; i < n; i++) {
        customer_row(&st->rng, i, &st->customers[i], gf, &st->scratch);
        uint64_t size = rng_below(&st->rng, 1000);
        if (size < 2) {
            st->whales[st->nwhales++] = i;
        } else if (size < 52) {
            st->heavy[st->nheavy++] = i;
        }
    }
}

static void gen_invoices(struct gen_state *st, struct gen_file *inv_f, struct gen_file *pay_f)
{
    rng_seed(&st->rng, st->o->seed, 2);
    for (long i = 0; i < st->o->invoices; i++) {
        struct gen_invoice inv;
        invoice_row(st, i, &inv, inv_f);
        payment_row(st, &inv, pay_f);
        if (inv_f->errnum || pay_f->errnum) break; /* disk full: stop early */
    }
}

int owed_gen_write(const struct owed_gen_opts *opts, const char *dir, struct owed_buf *err)
{
    OWED_ASSERT(opts && dir);
    struct owed_gen_opts o = *opts;
    if (o.end_date == 0) o.end_date = owed_date_from_ymd(OWED_GEN_DEFAULT_END_YMD);
    int rc = check_opts(&o, err);
    if (rc) return rc;
    for (size_t k = 0; k < OWED_ARRAY_LEN(currencies); k++) {
        OWED_ASSERT(owed_currency_exponent(currencies[k].code) == currencies[k].exponent);
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        if (err) owed_buf_addf(err, "%s: %s", dir, strerror(errno));
        return OWED_E_IO;
    }

    struct gen_file files[3];
    for (int k = 0; k < 3; k++) {
        files[k].f = NULL;
        files[k].errnum = 0;
        owed_buf_init(&files[k].path, 0);
        owed_buf_init(&files[k].out, 0);
    }
    static const char *const names[3] = { "customers.csv", "invoices.csv", "payments.csv" };
    static const char *const headers[3] = {
        "customer_ref,name,email,currency,terms,credit_limit",
        "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number",
        "payment_ref,customer_ref,received_date,amount,currency,method,reference,invoice_number",
    };
    for (int k = 0; k < 3 && rc == OWED_OK; k++) {
        rc = file_open(&files[k], dir, names[k], headers[k], err);
    }
    if (rc == OWED_OK) {
        struct gen_state st = { .o = &o };
        st.customers = owed_xcalloc((size_t)o.customers + 1, sizeof *st.customers);
        st.heavy = owed_xcalloc((size_t)o.customers + 1, sizeof *st.heavy);
        st.whales = owed_xcalloc((size_t)o.customers + 1, sizeof *st.whales);
        st.start = owed_date_add_months(o.end_date, -24) + 1;
        owed_buf_init(&st.scratch, 0);
        gen_customers(&st, &files[0]);
        gen_invoices(&st, &files[1], &files[2]);
        free(st.customers);
        free(st.heavy);
        free(st.whales);
        owed_buf_release(&st.scratch);
    }
    for (int k = 0; k < 3; k++) {
        int crc = file_close(&files[k], rc ? NULL : err);
        if (!rc) rc = crc;
    }
    return rc;
}
