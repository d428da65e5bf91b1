/* Synthetic receivables for demos, tests and the benchmark (see gen.h).
 *
 * One pass: customers first (kept in memory, a few bytes each), then invoice by invoice,
 * each invoice's payment drawn from the same stream right after it and written to
 * payments.csv at once, so nothing grows with the number of invoices. All randomness is
 * splitmix64 with integer thresholds, so the output depends only on the options.
 *
 * The bank statement (when asked for) comes last, from streams of its own, so that it
 * changes nothing in the other files: the open invoices collected during the pass are
 * paid by entries drawn one by one, then sorted by date and written in three forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/gen.h"
#include "base.h"
#include "core/terms.h"
#include "owed/money.h"

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
    /* Only with a bank statement: customer names and the invoices left unpaid. */
    bool bank;
    struct owed_buf names; /* NUL-terminated names, customer i at name_off[i] */
    size_t *name_off;
    struct gen_open *open;
    size_t nopen, open_cap;
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

/* An invoice with no applied payment at the end date: what the bank statement pays. */
struct gen_open {
    int32_t number; /* 1-based */
    int32_t customer;
    owed_date issue, due;
    int64_t amount;
};

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

/* Draws the invoice's payment (if any) and writes it when received by the end date.
 * Returns whether an applied payment was written. */
static bool payment_row(struct gen_state *st, const struct gen_invoice *inv, struct gen_file *gf)
{
    struct rng *r = &st->rng;
    const struct gen_customer *c = &st->customers[inv->customer];
    size_t cur = c->currency;
    if (rng_pct(r) >= (unsigned)st->o->paid_pct) return false; /* never paid: disputes, bad debt */
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
    if (received > st->o->end_date) return false; /* still open at the end date */

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
    return applied;
}

/* ---- Bank statement ---- */

enum bank_kind {
    BK_EXACT,
    BK_TYPO,
    BK_NOREF,
    BK_MULTI,
    BK_SHORT,
    BK_DISCOUNT,
    BK_PARTIAL,
    BK_UNKNOWN,
    BK_DEBIT,
};
static const char *const bank_kind_names[] = { "exact",    "typo",    "noref",
                                               "multi",    "short",   "discount",
                                               "partial",  "unknown_payer", "debit" };
static const unsigned char bank_kind_weights[] = { 50, 10, 10, 8, 5, 5, 4, 5, 3 };

#define BANK_DAYS 5      /* business days the statement covers */
#define MULTI_OLDEST 8   /* a payment without references pays some of these */
#define OUR_ACCOUNT "DE89370400440532013000" /* the EUR account */

struct gen_entry {
    owed_date day;
    long seq;           /* draw order: ties in the date sort */
    int64_t amount;     /* signed minor units */
    uint8_t currency;   /* index into currencies[] */
    uint8_t kind;       /* enum bank_kind */
    long customer;      /* -1: none */
    size_t text[5];     /* offsets into bank.text: remittance, end-to-end, name, account,
                           invoice numbers */
};

struct bank {
    struct gen_state *st;
    struct rng rng;
    owed_date days[BANK_DAYS];
    uint8_t *used;      /* per open invoice */
    uint32_t *perm;     /* open invoices, shuffled lazily from `next` on */
    size_t next;
    uint32_t *by_cust;  /* open invoices grouped by customer, by due date in each */
    size_t *cust_first; /* customers + 1 offsets into by_cust */
    uint32_t *disc;     /* open invoices whose discount window reaches the statement */
    size_t ndisc;
    struct gen_entry *e;
    size_t ne;
    struct owed_buf text;
    struct owed_buf tmp;
};

static const char *bank_str(const struct bank *bk, const struct gen_entry *e, int k)
{
    return bk->text.ptr + e->text[k];
}

static void text_begin(struct bank *bk, struct gen_entry *e, int k)
{
    e->text[k] = bk->text.len;
}

static void text_end(struct bank *bk) { owed_buf_addc(&bk->text, '\0'); }

/* Sets text k of e to s. */
static void text_set(struct bank *bk, struct gen_entry *e, int k, const char *s)
{
    text_begin(bk, e, k);
    owed_buf_adds(&bk->text, s);
    text_end(bk);
}

/* ISO 13616 check digits of country + bban (ISO 7064 mod 97-10). */
static int iban_check(const char *country, const char *bban)
{
    unsigned rem = 0;
    char tail[5] = { country[0], country[1], '0', '0', '\0' };
    const char *parts[2] = { bban, tail };
    for (int p = 0; p < 2; p++) {
        for (const char *c = parts[p]; *c; c++) {
            if (*c >= '0' && *c <= '9') {
                rem = (rem * 10 + (unsigned)(*c - '0')) % 97;
            } else {
                unsigned v = (unsigned)(*c - 'A') + 10;
                rem = (rem * 100 + v) % 97;
            }
        }
    }
    return 98 - (int)rem;
}

/* An IBAN-shaped account with valid check digits, for currency index cur. */
static void make_account(struct rng *r, size_t cur, struct owed_buf *b)
{
    static const char *const eur_countries[] = { "DE", "FR", "NL", "IT", "ES", "AT" };
    static const char *const other[] = { "US", "DE", "GB", "JP", "KW" };
    const char *cc = cur == 1 ? PICK(r, eur_countries) : other[cur];
    char bban[32];
    size_t n = 0;
    if (strcmp(cc, "DE") != 0) {
        for (int k = 0; k < 4; k++) bban[n++] = (char)('A' + rng_below(r, 26));
    }
    int digits = strcmp(cc, "DE") == 0 ? 18 : 14;
    for (int k = 0; k < digits; k++) bban[n++] = (char)('0' + rng_below(r, 10));
    bban[n] = '\0';
    owed_buf_addf(b, "%s%02d%s", cc, iban_check(cc, bban), bban);
}

static const char *const *suffix_list(size_t cur, size_t *n)
{
    switch (cur) {
    case 0: *n = OWED_ARRAY_LEN(suffix_usd); return suffix_usd;
    case 1: *n = OWED_ARRAY_LEN(suffix_eur); return suffix_eur;
    case 2: *n = OWED_ARRAY_LEN(suffix_gbp); return suffix_gbp;
    case 3: *n = OWED_ARRAY_LEN(suffix_jpy); return suffix_jpy;
    default: *n = OWED_ARRAY_LEN(suffix_kwd); return suffix_kwd;
    }
}

/* The name customer i pays under: its own, or upper-cased, or with another or no legal
 * suffix. Stable per customer. */
static void payer_name(const struct bank *bk, long i, struct owed_buf *b)
{
    const struct gen_state *st = bk->st;
    struct rng r;
    rng_seed(&r, st->o->seed ^ (uint64_t)(i + 1) * UINT64_C(0x2545F4914F6CDD1D), 4);
    const char *name = st->names.ptr + st->name_off[i];
    size_t cur = st->customers[i].currency, nsuf, len = strlen(name), cut = len;
    const char *const *suf = suffix_list(cur, &nsuf);
    size_t which = nsuf;
    for (size_t k = 0; k < nsuf; k++) {
        size_t sl = strlen(suf[k]);
        if (len > sl + 1 && name[len - sl - 1] == ' ' && strcmp(name + len - sl, suf[k]) == 0) {
            which = k;
            cut = len - sl - 1;
            if (name[cut - 1] == ',') cut--;
        }
    }
    unsigned p = rng_pct(&r);
    if (p < 55 || (p >= 70 && which == nsuf)) {
        owed_buf_adds(b, name);
    } else if (p < 70) {
        for (const char *c = name; *c; c++) {
            owed_buf_addc(b, *c >= 'a' && *c <= 'z' ? (char)(*c - 32) : *c);
        }
    } else if (p < 85 && nsuf > 1) {
        size_t other = (which + 1 + rng_below(&r, nsuf - 1)) % nsuf;
        owed_buf_add(b, name, cut);
        owed_buf_addf(b, " %s", suf[other]);
    } else {
        owed_buf_add(b, name, cut);
    }
}

static void payer_account(const struct bank *bk, long i, struct owed_buf *b)
{
    struct rng r;
    rng_seed(&r, bk->st->o->seed ^ (uint64_t)(i + 1) * UINT64_C(0x2545F4914F6CDD1D), 5);
    make_account(&r, bk->st->customers[i].currency, b);
}

struct open_key {
    int32_t customer, number;
    owed_date due;
    uint32_t idx;
};

static int cmp_open_key(const void *pa, const void *pb)
{
    const struct open_key *a = pa, *b = pb;
    if (a->customer != b->customer) return a->customer < b->customer ? -1 : 1;
    if (a->due != b->due) return a->due < b->due ? -1 : 1;
    return a->number < b->number ? -1 : a->number > b->number;
}

/* The first BANK_DAYS business days after the end date. */
static void bank_days(struct bank *bk)
{
    owed_date d = bk->st->o->end_date;
    for (int k = 0; k < BANK_DAYS;) {
        d++;
        if (owed_date_weekday(d) < 5) bk->days[k++] = d;
    }
}

static void bank_init(struct bank *bk, struct gen_state *st)
{
    memset(bk, 0, sizeof *bk);
    bk->st = st;
    rng_seed(&bk->rng, st->o->seed, 3);
    bank_days(bk);
    size_t n = st->nopen, nc = (size_t)st->o->customers;
    bk->used = owed_xcalloc(n + 1, 1);
    bk->perm = owed_xmalloc((n + 1) * sizeof *bk->perm);
    for (size_t k = 0; k < n; k++) bk->perm[k] = (uint32_t)k;
    struct open_key *keys = owed_xmalloc((n + 1) * sizeof *keys);
    for (size_t k = 0; k < n; k++) {
        keys[k] = (struct open_key){ st->open[k].customer, st->open[k].number, st->open[k].due,
                                     (uint32_t)k };
    }
    qsort(keys, n, sizeof *keys, cmp_open_key);
    bk->by_cust = owed_xmalloc((n + 1) * sizeof *bk->by_cust);
    bk->cust_first = owed_xcalloc(nc + 1, sizeof *bk->cust_first);
    for (size_t k = 0; k < n; k++) {
        bk->by_cust[k] = keys[k].idx;
        bk->cust_first[keys[k].customer + 1]++;
    }
    for (size_t c = 0; c < nc; c++) bk->cust_first[c + 1] += bk->cust_first[c];
    free(keys);
    bk->disc = owed_xmalloc((n + 1) * sizeof *bk->disc);
    for (size_t k = 0; k < n; k++) {
        const struct gen_terms *t = &terms_table[st->customers[st->open[k].customer].terms];
        owed_date last;
        if (owed_terms_discount_window(&t->t, st->open[k].issue, &last, NULL) &&
            last >= bk->days[0]) {
            bk->disc[bk->ndisc++] = (uint32_t)k;
        }
    }
    bk->e = owed_xcalloc((size_t)st->o->bank_entries + 1, sizeof *bk->e);
    owed_buf_init(&bk->text, 0);
    owed_buf_init(&bk->tmp, 0);
}

static void bank_release(struct bank *bk)
{
    free(bk->used);
    free(bk->perm);
    free(bk->by_cust);
    free(bk->cust_first);
    free(bk->disc);
    free(bk->e);
    owed_buf_release(&bk->text);
    owed_buf_release(&bk->tmp);
}

/* A random open invoice not paid yet, or -1 when none is left. */
static long take_open(struct bank *bk)
{
    size_t n = bk->st->nopen;
    while (bk->next < n) {
        size_t j = bk->next + (size_t)rng_below(&bk->rng, n - bk->next);
        uint32_t t = bk->perm[j];
        bk->perm[j] = bk->perm[bk->next];
        bk->perm[bk->next++] = t;
        if (!bk->used[t]) {
            bk->used[t] = 1;
            return t;
        }
    }
    return -1;
}

static void put_number(struct owed_buf *b, const struct gen_open *v)
{
    put_id(b, "INV", v->number, 7);
}

/* An invoice reference as payers write it. */
static void write_reference(struct bank *bk, const struct gen_open *v, const char *number)
{
    struct rng *r = &bk->rng;
    struct owed_buf *b = &bk->text;
    unsigned p = rng_pct(r);
    if (p < 30) {
        owed_buf_adds(b, number);
    } else if (p < 45) {
        owed_buf_addf(b, "Invoice %s, thank you", number);
    } else if (p < 55) {
        for (const char *c = number; *c; c++) {
            owed_buf_addc(b, *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c);
        }
    } else if (p < 65) {
        owed_buf_add(b, number, 3);
        owed_buf_addf(b, " %s", number + 3);
    } else if (p < 70) {
        owed_buf_add(b, number, 3);
        owed_buf_addf(b, "-%s", number + 3);
    } else if (p < 80) {
        const char *d = number + 3;
        while (*d == '0') d++;
        owed_buf_addf(b, "Inv. %s", d);
    } else if (p < 90) {
        owed_buf_addf(b, "RE: %s PO ", number);
        put_id(b, "4500", (long)rng_below(r, 1000000), 6);
    } else {
        owed_buf_addf(b, "Rechnung %s Kd-Nr ", number);
        put_id(b, "C", v->customer + 1, 6);
    }
}

static void end_to_end(struct bank *bk, struct gen_entry *e, const char *number)
{
    text_begin(bk, e, 1);
    unsigned p = rng_pct(&bk->rng);
    if (number) {
        owed_buf_adds(&bk->text, number);
    } else if (p < 70) {
        owed_buf_adds(&bk->text, "NOTPROVIDED");
    } else {
        put_id(&bk->text, "E2E-", (long)rng_below(&bk->rng, 1000000000), 9);
    }
    text_end(bk);
}

/* The customer's payer name and account, and the day. */
static void entry_payer(struct bank *bk, struct gen_entry *e, long customer)
{
    e->customer = customer;
    e->currency = bk->st->customers[customer].currency;
    e->day = bk->days[rng_below(&bk->rng, BANK_DAYS)];
    text_begin(bk, e, 2);
    payer_name(bk, customer, &bk->text);
    text_end(bk);
    text_begin(bk, e, 3);
    payer_account(bk, customer, &bk->text);
    text_end(bk);
}

static void entry_invoices(struct bank *bk, struct gen_entry *e, const uint32_t *inv, size_t n)
{
    text_begin(bk, e, 4);
    for (size_t k = 0; k < n; k++) {
        if (k) owed_buf_addc(&bk->text, ' ');
        put_number(&bk->text, &bk->st->open[inv[k]]);
    }
    text_end(bk);
}

/* One wrong character or two adjacent different characters swapped. */
static void typo(struct rng *r, char *s)
{
    size_t len = strlen(s);
    if (rng_pct(r) < 50) {
        size_t p = (size_t)rng_below(r, len);
        char c = s[p];
        if (c >= '0' && c <= '9') {
            s[p] = (char)('0' + (c - '0' + 1 + (int)rng_below(r, 9)) % 10);
        } else {
            s[p] = (char)('A' + (c - 'A' + 1 + (int)rng_below(r, 25)) % 26);
        }
        return;
    }
    for (int tries = 0; tries < 32; tries++) {
        size_t p = (size_t)rng_below(r, len - 1);
        if (s[p] == s[p + 1]) continue;
        char t = s[p];
        s[p] = s[p + 1];
        s[p + 1] = t;
        return;
    }
    s[len - 1] = s[len - 1] == '9' ? '8' : (char)(s[len - 1] + 1);
}

static const char *const noref_texts[] = {
    "", "", "Payment", "Zahlung", "Thank you for your business", "ACH CREDIT",
    "Invoice payment", "Transfer", "Paiement facture", "Monthly payment",
};

/* One invoice paid in full, with or without a (perhaps garbled) reference. */
static void entry_single(struct bank *bk, struct gen_entry *e, uint32_t k, enum bank_kind kind)
{
    const struct gen_open *v = &bk->st->open[k];
    struct rng *r = &bk->rng;
    entry_payer(bk, e, v->customer);
    e->amount = v->amount;
    char number[16];
    owed_buf_reset(&bk->tmp);
    put_number(&bk->tmp, v);
    memcpy(number, bk->tmp.ptr, bk->tmp.len + 1);
    if (kind == BK_TYPO) typo(r, number);
    bool ref = kind != BK_NOREF;
    bool in_e2e = ref && kind == BK_EXACT && rng_pct(r) < 5;
    text_begin(bk, e, 0);
    if (!ref || in_e2e) {
        owed_buf_adds(&bk->text, PICK(r, noref_texts));
        if (!ref && rng_pct(r) < 20) {
            owed_buf_adds(&bk->text, bk->text.len > e->text[0] ? " PO " : "PO ");
            put_id(&bk->text, "4500", (long)rng_below(r, 1000000), 6);
        }
    } else {
        write_reference(bk, v, number);
    }
    text_end(bk);
    end_to_end(bk, e, in_e2e ? number : NULL);
    uint32_t one = k;
    entry_invoices(bk, e, &one, 1);
}

/* A short payment, a discount taken, or a partial payment of one invoice. */
static void entry_less(struct bank *bk, struct gen_entry *e, uint32_t k, enum bank_kind kind)
{
    const struct gen_open *v = &bk->st->open[k];
    struct rng *r = &bk->rng;
    entry_payer(bk, e, v->customer);
    char number[16];
    owed_buf_reset(&bk->tmp);
    put_number(&bk->tmp, v);
    memcpy(number, bk->tmp.ptr, bk->tmp.len + 1);
    bool ref = true;
    if (kind == BK_SHORT) {
        int64_t diff = rng_range(r, 1, 500);
        e->amount = v->amount - (diff < v->amount ? diff : v->amount - 1);
    } else if (kind == BK_DISCOUNT) {
        const struct gen_terms *t = &terms_table[bk->st->customers[v->customer].terms];
        owed_date last;
        int bp;
        OWED_ASSERT(owed_terms_discount_window(&t->t, v->issue, &last, &bp));
        int64_t disc = 0;
        OWED_ASSERT(owed_muldiv_half_even(v->amount, bp, 10000, &disc) == OWED_OK);
        e->amount = v->amount - disc;
        size_t ndays = 0;
        while (ndays < BANK_DAYS && bk->days[ndays] <= last) ndays++;
        OWED_ASSERT(ndays > 0);
        e->day = bk->days[rng_below(r, ndays)];
        ref = rng_pct(r) < 80;
    } else {
        int64_t part = v->amount * rng_range(r, 20, 80) / 100;
        e->amount = part > 0 ? part : 1;
    }
    text_begin(bk, e, 0);
    if (!ref) {
        owed_buf_adds(&bk->text, PICK(r, noref_texts));
    } else if (kind == BK_PARTIAL && rng_pct(r) < 50) {
        static const char *const fmt[] = { "Partial payment %s", "Teilzahlung %s",
                                           "%s first instalment", "Acompte %s" };
        owed_buf_addf(&bk->text, PICK(r, fmt), number);
    } else {
        write_reference(bk, v, number);
    }
    text_end(bk);
    end_to_end(bk, e, NULL);
    entry_invoices(bk, e, &k, 1);
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* 2-4 open invoices of the customer of invoice k in one payment; false when it has too
 * few. With references: any of its invoices; without: some of its oldest. */
static bool entry_multi(struct bank *bk, struct gen_entry *e, uint32_t k)
{
    struct gen_state *st = bk->st;
    struct rng *r = &bk->rng;
    long c = st->open[k].customer;
    bool ref = rng_pct(r) < 60;
    uint32_t pool[MULTI_OLDEST], pick[4];
    size_t npool = 0, from = bk->cust_first[c], to = bk->cust_first[c + 1];
    /* Without references the pool is the oldest unpaid; with them, a random window. */
    size_t start = from;
    if (ref && to - from > MULTI_OLDEST) start = from + (size_t)rng_below(r, to - from);
    for (size_t j = start; j < to && npool < MULTI_OLDEST; j++) {
        uint32_t i = bk->by_cust[j];
        if (!bk->used[i] || i == k) pool[npool++] = i;
    }
    if (npool < 2) return false;
    size_t want = (size_t)rng_range(r, 2, 4);
    if (want > npool) want = npool;
    for (size_t j = 0; j < want; j++) { /* partial Fisher-Yates over the pool */
        size_t x = j + (size_t)rng_below(r, npool - j);
        uint32_t t = pool[x];
        pool[x] = pool[j];
        pool[j] = pick[j] = t;
    }
    qsort(pick, want, sizeof pick[0], cmp_u32);
    if (!bk->used[k]) bk->used[k] = 1; /* k itself is paid only if picked; else released */
    bool k_picked = false;
    for (size_t j = 0; j < want; j++) {
        bk->used[pick[j]] = 1;
        k_picked |= pick[j] == k;
    }
    if (!k_picked) bk->used[k] = 0;
    entry_payer(bk, e, c);
    e->amount = 0;
    for (size_t j = 0; j < want; j++) e->amount += st->open[pick[j]].amount;
    text_begin(bk, e, 0);
    if (ref) {
        unsigned p = rng_pct(r);
        owed_buf_adds(&bk->text, p < 40 ? "" : p < 70 ? "Invoices " : "Payment ");
        for (size_t j = 0; j < want; j++) {
            if (j) owed_buf_adds(&bk->text, p < 40 ? " " : p < 70 ? ", " : "/");
            put_number(&bk->text, &st->open[pick[j]]);
        }
    } else {
        unsigned p = rng_pct(r);
        if (p < 30) {
            put_id(&bk->text, "Statement payment C", c + 1, 6);
        } else if (p < 60) {
            owed_buf_adds(&bk->text, "Payment run ");
            put_date(&bk->text, e->day);
        } else if (p < 80) {
            owed_buf_adds(&bk->text, "Sammelzahlung");
        }
    }
    text_end(bk);
    end_to_end(bk, e, NULL);
    entry_invoices(bk, e, pick, want);
    return true;
}

static const char *const unknown_names[] = {
    "Finanzamt Berlin", "Stadtwerke Muenchen", "HM Revenue & Customs", "PayPal Europe",
    "Amazon Payments Europe", "John Doe", "Maria Rossi", "Insurance Refund Dept",
    "Landlord Property Mgmt", "Interest Account", "Tax Refund", "Deposit Return",
};
static const char *const unknown_texts[] = {
    "Refund", "Tax refund 2025", "Deposit return", "Gutschrift", "Interest Q2",
    "Invoice %d", "Rechnung RG-2026-%d", "Order %d refund", "Ref %d", "",
};

/* A credit from someone who owes us nothing. */
static void entry_unknown(struct bank *bk, struct gen_entry *e)
{
    struct rng *r = &bk->rng;
    e->customer = -1;
    e->currency = (uint8_t)rng_pick(r, currency_weights, OWED_ARRAY_LEN(currency_weights));
    e->day = bk->days[rng_below(r, BANK_DAYS)];
    e->amount = convert_cents(invoice_cents(r), e->currency);
    const char *fmt = PICK(r, unknown_texts);
    text_begin(bk, e, 0);
    if (strchr(fmt, '%')) {
        owed_buf_addf(&bk->text, fmt, (int)rng_range(r, 1000, 99999));
    } else {
        owed_buf_adds(&bk->text, fmt);
    }
    text_end(bk);
    end_to_end(bk, e, NULL);
    text_begin(bk, e, 2);
    owed_buf_adds(&bk->text, PICK(r, unknown_names));
    text_end(bk);
    text_begin(bk, e, 3);
    make_account(r, e->currency, &bk->text);
    text_end(bk);
    text_set(bk, e, 4, "");
}

/* A bank fee. */
static void entry_debit(struct bank *bk, struct gen_entry *e)
{
    static const char *const texts[] = { "Account maintenance fee", "SEPA transfer fees",
                                         "Card terminal fees", "Foreign payment charges" };
    struct rng *r = &bk->rng;
    e->customer = -1;
    e->currency = 1; /* EUR, the account's currency */
    e->day = bk->days[rng_below(r, BANK_DAYS)];
    e->amount = -rng_range(r, 100, 5000);
    text_set(bk, e, 0, PICK(r, texts));
    text_set(bk, e, 1, "NOTPROVIDED");
    text_set(bk, e, 2, "");
    text_set(bk, e, 3, "");
    text_set(bk, e, 4, "");
}

/* Draws one entry of the given kind. When no invoice is left for a discount, another kind
 * is drawn (not simply `exact`, which would make the mix easier than configured). */
static void draw_entry(struct bank *bk, struct gen_entry *e, enum bank_kind kind)
{
    struct rng *r = &bk->rng;
    if (kind == BK_DISCOUNT) {
        long k = -1;
        for (int tries = 0; tries < 8 && bk->ndisc && k < 0; tries++) {
            uint32_t c = bk->disc[rng_below(r, bk->ndisc)];
            if (!bk->used[c]) k = c;
        }
        if (k >= 0) {
            bk->used[k] = 1;
            e->kind = BK_DISCOUNT;
            entry_less(bk, e, (uint32_t)k, BK_DISCOUNT);
            return;
        }
        while (kind == BK_DISCOUNT) {
            kind = (enum bank_kind)rng_pick(r, bank_kind_weights, OWED_ARRAY_LEN(bank_kind_weights));
        }
    }
    if (kind == BK_UNKNOWN || kind == BK_DEBIT) {
        e->kind = (uint8_t)kind;
        if (kind == BK_UNKNOWN) entry_unknown(bk, e);
        else entry_debit(bk, e);
        return;
    }
    long k = take_open(bk);
    if (k < 0) {
        e->kind = BK_UNKNOWN;
        entry_unknown(bk, e);
        return;
    }
    if (kind == BK_MULTI) {
        for (int tries = 0; tries < 4; tries++) {
            if (entry_multi(bk, e, (uint32_t)k)) {
                e->kind = BK_MULTI;
                return;
            }
            long k2 = take_open(bk);
            if (k2 < 0) break;
            bk->used[k] = 0; /* give back: it may still be paid on its own */
            k = k2;
        }
        kind = BK_EXACT;
    }
    e->kind = (uint8_t)kind;
    if (kind == BK_SHORT || kind == BK_PARTIAL) {
        entry_less(bk, e, (uint32_t)k, kind);
    } else {
        entry_single(bk, e, (uint32_t)k, kind);
    }
}

static int cmp_entry(const void *pa, const void *pb)
{
    const struct gen_entry *a = pa, *b = pb;
    if (a->day != b->day) return a->day < b->day ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void put_xml(struct owed_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': owed_buf_adds(b, "&amp;"); break;
        case '<': owed_buf_adds(b, "&lt;"); break;
        case '>': owed_buf_adds(b, "&gt;"); break;
        case '"': owed_buf_adds(b, "&quot;"); break;
        case '\'': owed_buf_adds(b, "&apos;"); break;
        default: owed_buf_addc(b, *s);
        }
    }
}

static void put_entry_ref(struct owed_buf *b, size_t i) { put_id(b, "BK", (long)i + 1, 8); }

/* Our account in currency cur: a bank account holds one currency (owed's parsers reject a
 * statement that mixes them), so credits in other currencies arrive on sibling accounts
 * of OUR_ACCOUNT at the same bank, numbered on from it. */
static void put_our_account(struct owed_buf *b, size_t cur)
{
    if (cur == 1) {
        owed_buf_adds(b, OUR_ACCOUNT);
        return;
    }
    static const char ours[] = OUR_ACCOUNT;
    char bban[19];
    memcpy(bban, &ours[4], 18);
    bban[17] = (char)('0' + (cur == 0 ? 1 : (int)cur)); /* USD ..01, GBP ..02, JPY ..03, KWD ..04 */
    bban[18] = '\0';
    owed_buf_addf(b, "DE%02d%s", iban_check("DE", bban), bban);
}

static void put_statement_id(struct owed_buf *b, const struct bank *bk)
{
    int y, m, d;
    owed_date_to_ymd(bk->days[0], &y, &m, &d);
    owed_buf_addf(b, "STMT-%04d%02d%02d", y, m, d);
}

static void write_csv(const struct bank *bk, struct gen_file *gf)
{
    for (size_t i = 0; i < bk->ne; i++) {
        const struct gen_entry *e = &bk->e[i];
        struct owed_buf *b = &gf->out;
        put_our_account(b, e->currency);
        owed_buf_addc(b, ',');
        put_statement_id(b, bk);
        owed_buf_addc(b, ',');
        put_entry_ref(b, i);
        owed_buf_addc(b, ',');
        put_date(b, e->day);
        owed_buf_addc(b, ',');
        put_date(b, e->day);
        owed_buf_addc(b, ',');
        put_amount(b, e->amount, e->currency);
        owed_buf_addf(b, ",%s,", currencies[e->currency].code);
        for (int k = 1; k <= 3; k++) {
            const char *s = bank_str(bk, e, k);
            put_field(b, s, strlen(s));
            owed_buf_addc(b, ',');
        }
        const char *rem = bank_str(bk, e, 0);
        put_field(b, rem, strlen(rem));
        file_end_row(gf);
    }
}

static void write_truth(const struct bank *bk, struct gen_file *gf)
{
    for (size_t i = 0; i < bk->ne; i++) {
        const struct gen_entry *e = &bk->e[i];
        struct owed_buf *b = &gf->out;
        put_entry_ref(b, i);
        owed_buf_addc(b, ',');
        if (e->customer >= 0) put_id(b, "C", e->customer + 1, 6);
        owed_buf_addc(b, ',');
        owed_buf_adds(b, bank_str(bk, e, 4));
        owed_buf_addf(b, ",%s", bank_kind_names[e->kind]);
        file_end_row(gf);
    }
}

static void xml_balance(struct owed_buf *b, const char *type, int64_t amount, owed_date day,
                        size_t cur)
{
    owed_buf_addf(b, "      <Bal><Tp><CdOrPrtry><Cd>%s</Cd></CdOrPrtry></Tp><Amt Ccy=\"%s\">",
                  type, currencies[cur].code);
    put_amount(b, amount < 0 ? -amount : amount, cur);
    owed_buf_addf(b, "</Amt><CdtDbtInd>%s</CdtDbtInd><Dt><Dt>", amount < 0 ? "DBIT" : "CRDT");
    put_date(b, day);
    owed_buf_adds(b, "</Dt></Dt></Bal>\n");
}

static void xml_entry(const struct bank *bk, size_t i, struct gen_file *gf)
{
    const struct gen_entry *e = &bk->e[i];
    struct owed_buf *b = &gf->out;
    bool credit = e->amount > 0;
    owed_buf_addf(b, "      <Ntry><Amt Ccy=\"%s\">", currencies[e->currency].code);
    put_amount(b, credit ? e->amount : -e->amount, e->currency);
    owed_buf_addf(b, "</Amt><CdtDbtInd>%s</CdtDbtInd><Sts>BOOK</Sts>", credit ? "CRDT" : "DBIT");
    owed_buf_adds(b, "<BookgDt><Dt>");
    put_date(b, e->day);
    owed_buf_adds(b, "</Dt></BookgDt><ValDt><Dt>");
    put_date(b, e->day);
    owed_buf_adds(b, "</Dt></ValDt><AcctSvcrRef>");
    put_entry_ref(b, i);
    owed_buf_adds(b, "</AcctSvcrRef>");
    owed_buf_adds(b, credit ? "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT"
                            : "<BkTxCd><Domn><Cd>ACMT</Cd><Fmly><Cd>MDOP</Cd><SubFmlyCd>CHRG");
    owed_buf_adds(b, "</SubFmlyCd></Fmly></Domn></BkTxCd>\n        <NtryDtls><TxDtls><Refs>"
                     "<EndToEndId>");
    put_xml(b, bank_str(bk, e, 1));
    owed_buf_adds(b, "</EndToEndId></Refs>");
    if (*bank_str(bk, e, 2)) {
        owed_buf_adds(b, "<RltdPties><Dbtr><Nm>");
        put_xml(b, bank_str(bk, e, 2));
        owed_buf_adds(b, "</Nm></Dbtr><DbtrAcct><Id><IBAN>");
        put_xml(b, bank_str(bk, e, 3));
        owed_buf_adds(b, "</IBAN></Id></DbtrAcct></RltdPties>");
    }
    if (*bank_str(bk, e, 0)) {
        owed_buf_adds(b, "<RmtInf><Ustrd>");
        put_xml(b, bank_str(bk, e, 0));
        owed_buf_adds(b, "</Ustrd></RmtInf>");
    }
    owed_buf_adds(b, "</TxDtls></NtryDtls></Ntry>");
    file_end_row(gf);
}

/* One Stmt per account (currency) that has entries, EUR first. */
static void write_camt(const struct bank *bk, struct gen_file *gf)
{
    static const size_t order[] = { 1, 0, 2, 3, 4 };
    struct owed_buf *b = &gf->out;
    owed_date first = bk->days[0], last = bk->days[BANK_DAYS - 1];
    owed_buf_adds(b, "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n"
                     "  <BkToCstmrStmt>\n    <GrpHdr><MsgId>");
    put_statement_id(b, bk);
    owed_buf_adds(b, "</MsgId><CreDtTm>");
    put_date(b, last);
    owed_buf_adds(b, "T18:00:00</CreDtTm></GrpHdr>\n");
    for (size_t k = 0; k < OWED_ARRAY_LEN(order); k++) {
        size_t cur = order[k], n = 0;
        int64_t opening = convert_cents(25000000, cur), closing = opening; /* ~250,000 USD */
        for (size_t i = 0; i < bk->ne; i++) {
            if (bk->e[i].currency != cur) continue;
            closing += bk->e[i].amount;
            n++;
        }
        if (n == 0) continue;
        owed_buf_adds(b, "    <Stmt>\n      <Id>");
        put_statement_id(b, bk);
        owed_buf_adds(b, "</Id><CreDtTm>");
        put_date(b, last);
        owed_buf_adds(b, "T18:00:00</CreDtTm>\n      <Acct><Id><IBAN>");
        put_our_account(b, cur);
        owed_buf_addf(b, "</IBAN></Id><Ccy>%s</Ccy></Acct>\n", currencies[cur].code);
        xml_balance(b, "OPBD", opening, first, cur);
        xml_balance(b, "CLBD", closing, last, cur);
        for (size_t i = 0; i < bk->ne; i++) {
            if (bk->e[i].currency == cur) xml_entry(bk, i, gf);
        }
        owed_buf_adds(b, "    </Stmt>\n");
    }
    owed_buf_adds(b, "  </BkToCstmrStmt>\n</Document>");
    file_end_row(gf);
}

static void gen_bank(struct gen_state *st, struct gen_file *csv, struct gen_file *camt,
                     struct gen_file *truth)
{
    struct bank bk;
    bank_init(&bk, st);
    for (long i = 0; i < st->o->bank_entries; i++) {
        struct gen_entry *e = &bk.e[bk.ne++];
        e->seq = i;
        enum bank_kind kind = (enum bank_kind)rng_pick(&bk.rng, bank_kind_weights,
                                                       OWED_ARRAY_LEN(bank_kind_weights));
        draw_entry(&bk, e, kind);
    }
    qsort(bk.e, bk.ne, sizeof *bk.e, cmp_entry);
    write_csv(&bk, csv);
    write_camt(&bk, camt);
    write_truth(&bk, truth);
    bank_release(&bk);
}

/* ---- Driver ---- */

void owed_gen_opts_init(struct owed_gen_opts *o)
{
    o->customers = 100;
    o->invoices = 1000;
    o->seed = 1;
    o->end_date = owed_date_from_ymd(OWED_GEN_DEFAULT_END_YMD);
    o->paid_pct = 90;
    o->bank_entries = 0;
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
    } else if (o->paid_pct < 0 || o->paid_pct > 100) {
        why = "the paid percentage must be from 0 to 100";
    } else if (o->bank_entries < 0 || o->bank_entries > 10000000) {
        why = "bank entries must be from 0 to 10000000";
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
        if (st->bank) { /* customer_row leaves the name in scratch */
            st->name_off[i] = st->names.len;
            owed_buf_add(&st->names, st->scratch.ptr, st->scratch.len + 1);
        }
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
        bool paid = payment_row(st, &inv, pay_f);
        if (st->bank && !paid) {
            OWED_ALLOC_GROW(st->open, st->nopen + 1, st->open_cap);
            st->open[st->nopen++] = (struct gen_open){ (int32_t)inv.number, (int32_t)inv.customer,
                                                       inv.issue, inv.due, inv.amount };
        }
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

    enum { NFILES = 6 };
    int nfiles = o.bank_entries > 0 ? NFILES : 3;
    struct gen_file files[NFILES];
    for (int k = 0; k < NFILES; k++) {
        files[k].f = NULL;
        files[k].errnum = 0;
        owed_buf_init(&files[k].path, 0);
        owed_buf_init(&files[k].out, 0);
    }
    static const char *const names[NFILES] = { "customers.csv", "invoices.csv", "payments.csv",
                                               "bank.csv", "bank.camt053.xml", "bank-truth.csv" };
    static const char *const headers[NFILES] = {
        "customer_ref,name,email,currency,terms,credit_limit",
        "invoice_number,customer_ref,issue_date,due_date,currency,amount,po_number",
        "payment_ref,customer_ref,received_date,amount,currency,method,reference,invoice_number",
        ("account,statement_id,entry_ref,booking_date,value_date,amount,currency,end_to_end,"
         "counterparty_name,counterparty_account,remittance"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "entry_ref,customer_ref,invoice_numbers,kind",
    };
    for (int k = 0; k < nfiles && rc == OWED_OK; k++) {
        rc = file_open(&files[k], dir, names[k], headers[k], err);
    }
    if (rc == OWED_OK) {
        struct gen_state st = { .o = &o };
        st.customers = owed_xcalloc((size_t)o.customers + 1, sizeof *st.customers);
        st.heavy = owed_xcalloc((size_t)o.customers + 1, sizeof *st.heavy);
        st.whales = owed_xcalloc((size_t)o.customers + 1, sizeof *st.whales);
        st.start = owed_date_add_months(o.end_date, -24) + 1;
        owed_buf_init(&st.scratch, 0);
        owed_buf_init(&st.names, 0);
        st.bank = o.bank_entries > 0;
        if (st.bank) st.name_off = owed_xcalloc((size_t)o.customers + 1, sizeof *st.name_off);
        gen_customers(&st, &files[0]);
        gen_invoices(&st, &files[1], &files[2]);
        if (st.bank && !files[0].errnum && !files[1].errnum && !files[2].errnum) {
            gen_bank(&st, &files[3], &files[4], &files[5]);
        }
        free(st.customers);
        free(st.heavy);
        free(st.whales);
        free(st.name_off);
        free(st.open);
        owed_buf_release(&st.scratch);
        owed_buf_release(&st.names);
    }
    for (int k = 0; k < NFILES; k++) {
        int crc = file_close(&files[k], rc ? NULL : err);
        if (!rc) rc = crc;
    }
    return rc;
}
