/* Cash application: the candidate invoices of a bank credit (see match.h).
 *
 * The index is a set of hash chains keyed by 64-bit hashes of normalized strings and of
 * (currency, amount) pairs. Every hit is checked against the invoice itself, so a hash
 * collision costs a lookup, never a wrong match. owed_match_find() allocates nothing: its
 * working set lives on the stack, so several threads may call it on one index at once
 * (owed_match_consume and owed_match_learn must not run concurrently with it).
 *
 * Precision comes first: a wrong automatic match is far worse than a review item. The
 * scores below only reach the automatic threshold (90 by default) when two independent
 * pieces of evidence agree and nothing else of similar weight competes:
 *
 *   invoice number in the text, exactly, and the amount fits (exact 100, discount 98,
 *   within the short-payment tolerance 95); the number with one digit wrong, two digits
 *   swapped, or without its prefix, and the amount fits (92 / 90 / 86); several invoice
 *   numbers whose open amounts add up to the credit (98, 90 when one was found without its
 *   prefix); the exact amount of exactly one open invoice of a customer identified by a
 *   learned payer key, a customer reference in the text, or a payer name shared by at most
 *   NAME_STRONG customers (90); the unique subset of such a customer's oldest open invoices
 *   that adds up to the credit (90).
 *
 * Everything else is a suggestion for a person: a number with a smaller amount (partial
 * payment, 70), an amount that many invoices share, a payer name that many customers
 * share, several subsets with the same sum. */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "core/match.h"
#include "strmap.h"

#define NONE UINT32_MAX
#define DISC_BIT 0x80000000u /* amount-chain value: the discounted amount of the invoice */

#define MAX_KEY 48          /* bytes of one normalized token or joined tokens */
#define MAX_TOKENS 64       /* tokens read from remittance and end-to-end id together */
#define TEXT_MAX 512        /* bytes read from each text field */
#define MAX_DIGITS 12       /* distinct digit strings tried per entry */
#define MAX_EV 128          /* invoices with evidence per entry */
#define MAX_CE 64           /* customers with evidence per entry */
#define MAX_CAND 48         /* candidates kept while searching */
#define AMOUNT_CHAIN_MAX 64 /* invoices of one amount examined */
#define AMOUNT_SUGGEST 8    /* of which suggested without any other evidence */
#define CUST_SCAN_MAX 4096  /* open invoices of evidenced customers scanned per entry */
#define NAME_STRONG 4       /* a payer name shared by at most this many customers is strong */
#define NAME_WEAK 64        /* ... by at most this many, weak; more: ignored */
#define SUM_ITEMS_MAX 24    /* invoices in one subset search */
#define SUM_BUDGET 200000   /* subset-search steps per entry */
#define SUM_SOLUTIONS 3     /* subsets recorded per search (2 already means ambiguous) */

/* ---- Hashing ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

enum { TAG_NUMBER = 1, TAG_DIGITS, TAG_AMOUNT, TAG_CUST_ID, TAG_INV_ID, TAG_REF, TAG_NAME };

static uint64_t hash_bytes(uint64_t tag, const char *s, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603) ^ (tag * UINT64_C(0x9E3779B97F4A7C15));
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    h = mix64(h);
    return h ? h : 1;
}

static uint64_t hash_i64(uint64_t tag, int64_t v)
{
    uint64_t h = mix64((uint64_t)v ^ (tag * UINT64_C(0x9E3779B97F4A7C15)));
    h = mix64(h + tag);
    return h ? h : 1;
}

static uint64_t hash_amount(const char *currency, int64_t v)
{
    uint64_t c = 0;
    for (size_t i = 0; i < 3 && currency[i]; i++) c = c << 8 | (unsigned char)currency[i];
    uint64_t h = mix64(hash_i64(TAG_AMOUNT, v) ^ (c * UINT64_C(0xD1B54A32D192ED03)));
    return h ? h : 1;
}

/* ---- Multimap: 64-bit hash -> chain of uint32 values ---- */

struct mnode {
    uint32_t val, next;
};

struct mmap {
    uint64_t *keys; /* 0 = empty slot */
    uint32_t *heads;
    size_t cap, len;
    struct mnode *nodes;
    size_t nnodes, nodes_cap;
};

static void mm_init(struct mmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    m->cap = cap;
    m->len = 0;
    m->keys = owed_xcalloc(cap, sizeof *m->keys);
    m->heads = owed_xmalloc(cap * sizeof *m->heads);
    m->nodes_cap = expected ? expected : 16;
    m->nodes = owed_xmalloc(m->nodes_cap * sizeof *m->nodes);
    m->nnodes = 0;
}

static void mm_release(struct mmap *m)
{
    free(m->keys);
    free(m->heads);
    free(m->nodes);
    memset(m, 0, sizeof *m);
}

static size_t mm_slot(const struct mmap *m, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == h || m->keys[i] == 0) return i;
    }
}

static void mm_grow(struct mmap *m)
{
    struct mmap old = *m;
    m->cap = old.cap * 2;
    m->keys = owed_xcalloc(m->cap, sizeof *m->keys);
    m->heads = owed_xmalloc(m->cap * sizeof *m->heads);
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i]) continue;
        size_t s = mm_slot(m, old.keys[i]);
        m->keys[s] = old.keys[i];
        m->heads[s] = old.heads[i];
    }
    free(old.keys);
    free(old.heads);
}

/* Prepends val to the chain of h: insert in reverse order to read chains in order. */
static void mm_add(struct mmap *m, uint64_t h, uint32_t val)
{
    if ((m->len + 1) * 2 > m->cap) mm_grow(m);
    size_t s = mm_slot(m, h);
    if (!m->keys[s]) {
        m->keys[s] = h;
        m->heads[s] = NONE;
        m->len++;
    }
    OWED_ALLOC_GROW(m->nodes, m->nnodes + 1, m->nodes_cap);
    m->nodes[m->nnodes].val = val;
    m->nodes[m->nnodes].next = m->heads[s];
    m->heads[s] = (uint32_t)m->nnodes++;
}

static uint32_t mm_first(const struct mmap *m, uint64_t h)
{
    if (!m->cap) return NONE;
    size_t s = mm_slot(m, h);
    return m->keys[s] ? m->heads[s] : NONE;
}

/* ---- Normalization ---- */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char upper(unsigned char c) { return (char)(c >= 'a' && c <= 'z' ? c - 32 : c); }

/* Upper-case letters and digits only; returns the length, or cap when s does not fit. */
static size_t norm_key(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s; s++) {
        if (!is_alnum((unsigned char)*s)) continue;
        if (n + 1 >= cap) return cap;
        out[n++] = upper((unsigned char)*s);
    }
    out[n] = '\0';
    return n;
}

/* The digits of s in order; returns the length, or cap when they do not fit. */
static size_t norm_digits(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') continue;
        if (n + 1 >= cap) return cap;
        out[n++] = s[i];
    }
    out[n] = '\0';
    return n;
}

/* The digits without leading zeros ("0001234" -> "1234"). */
static const char *digits_core(const char *d, size_t *len)
{
    while (*len > 0 && *d == '0') {
        d++;
        (*len)--;
    }
    return d;
}

void owed_match_normalize_account(const char *s, char *out, size_t cap)
{
    OWED_ASSERT(out && cap > 0);
    size_t n = 0;
    for (; s && *s && n + 1 < cap; s++) {
        if (is_alnum((unsigned char)*s)) out[n++] = upper((unsigned char)*s);
    }
    out[n] = '\0';
}

/* Legal forms dropped from the end of a name (after dots and apostrophes are removed, so
 * "S.p.A." is SPA and "Co., Ltd." is CO LTD). */
static const char *const legal_words[] = {
    "AB",    "AG",   "APS",   "AS",   "BV",      "CO",    "COMPANY", "CORP", "CORPORATION",
    "GMBH",  "INC",  "INCORPORATED",  "KG",      "KK",    "KSCC",    "LIMITED", "LLC",
    "LLP",   "LTD",  "NV",    "OY",   "PLC",     "PTY",   "SA",      "SARL", "SAS",
    "SL",    "SPA",  "SRL",   "WLL",  "OHG",     "SE",    "GBR",     "EV",   "BHD",
};

static bool is_legal_word(const char *w, size_t n)
{
    for (size_t i = 0; i < OWED_ARRAY_LEN(legal_words); i++) {
        if (strlen(legal_words[i]) == n && memcmp(legal_words[i], w, n) == 0) return true;
    }
    return false;
}

struct word {
    size_t off, len;
};

/* Splits s into words: ASCII letters upper-cased, digits and non-ASCII bytes kept, dots and
 * apostrophes dropped, anything else separates. "AND" words are dropped (like "&"). */
static size_t name_words(const char *s, char *buf, size_t cap, struct word *w, size_t wmax)
{
    size_t n = 0, nw = 0;
    bool in = false;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '.' || c == '\'') continue;
        if (is_alnum(c) || c >= 0x80) {
            if (n + 1 >= cap) break;
            if (!in) {
                if (nw == wmax) break;
                w[nw].off = n;
                w[nw].len = 0;
                nw++;
                in = true;
            }
            buf[n++] = upper(c);
            w[nw - 1].len++;
        } else {
            in = false;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < nw; i++) {
        if (w[i].len == 3 && memcmp(buf + w[i].off, "AND", 3) == 0) continue;
        w[k++] = w[i];
    }
    return k;
}

void owed_match_normalize_name(const char *s, char *out, size_t cap)
{
    OWED_ASSERT(out && cap > 0);
    char buf[256];
    struct word w[32];
    size_t nw = name_words(s, buf, sizeof buf, w, OWED_ARRAY_LEN(w));
    size_t first = 0;
    if (nw > 1 && w[0].len == 3 && memcmp(buf + w[0].off, "THE", 3) == 0) first = 1;
    /* "Sp. z o.o." (Polish limited company): three words. */
    if (nw >= first + 4 && w[nw - 3].len == 2 && memcmp(buf + w[nw - 3].off, "SP", 2) == 0 &&
        w[nw - 2].len == 1 && buf[w[nw - 2].off] == 'Z' && w[nw - 1].len == 2 &&
        memcmp(buf + w[nw - 1].off, "OO", 2) == 0) {
        nw -= 3;
    }
    while (nw > first + 1 && is_legal_word(buf + w[nw - 1].off, w[nw - 1].len)) nw--;
    size_t n = 0;
    for (size_t i = first; i < nw; i++) {
        if (n > 0 && n + 1 < cap) out[n++] = ' ';
        for (size_t k = 0; k < w[i].len && n + 1 < cap; k++) out[n++] = buf[w[i].off + k];
    }
    out[n] = '\0';
}

/* ---- The index ---- */

struct inv {
    int64_t id;
    int64_t open;     /* current open amount; 0 = settled */
    int64_t discount; /* 0 = none (or no longer: partly settled) */
    const char *number;
    uint32_t cust; /* index into ix->cust */
    owed_date due, until;
    char currency[4];
};

struct cust {
    int64_t id;
    uint32_t first, count; /* slice of ix->by_cust: open invoices by due date */
};

struct owed_match_index {
    struct inv *inv;
    size_t ninv;
    struct cust *cust;
    size_t ncust;
    uint32_t *by_cust;
    struct mmap numbers;  /* normalized number -> invoice */
    struct mmap digits;   /* digits without leading zeros -> invoice */
    struct mmap amounts;  /* (currency, open or discounted amount) -> invoice [| DISC_BIT] */
    struct mmap inv_ids;  /* invoice id -> invoice */
    struct mmap cust_ids; /* customer id -> customer */
    struct mmap refs;     /* normalized customer ref -> customer */
    struct mmap names;    /* normalized customer name -> customer */
    struct owed_strmap payers; /* learned key -> customer id */
};

static uint32_t cust_index(const struct owed_match_index *ix, int64_t id)
{
    for (uint32_t n = mm_first(&ix->cust_ids, hash_i64(TAG_CUST_ID, id)); n != NONE;
         n = ix->cust_ids.nodes[n].next) {
        uint32_t c = ix->cust_ids.nodes[n].val;
        if (ix->cust[c].id == id) return c;
    }
    return NONE;
}

static uint32_t inv_index(const struct owed_match_index *ix, int64_t id)
{
    for (uint32_t n = mm_first(&ix->inv_ids, hash_i64(TAG_INV_ID, id)); n != NONE;
         n = ix->inv_ids.nodes[n].next) {
        uint32_t i = ix->inv_ids.nodes[n].val;
        if (ix->inv[i].id == id) return i;
    }
    return NONE;
}

struct sort_key {
    uint32_t cust, idx;
    owed_date due;
    int64_t id;
};

static int cmp_sort_key(const void *pa, const void *pb)
{
    const struct sort_key *a = pa, *b = pb;
    if (a->cust != b->cust) return a->cust < b->cust ? -1 : 1;
    if (a->due != b->due) return a->due < b->due ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return 0;
}

static bool add_customers(struct owed_match_index *ix, const struct owed_match_customer *c,
                          size_t n)
{
    mm_init(&ix->cust_ids, n);
    mm_init(&ix->refs, n);
    mm_init(&ix->names, n);
    ix->cust = owed_xcalloc(n + 1, sizeof *ix->cust);
    ix->ncust = n;
    for (size_t k = 0; k < n; k++) ix->cust[k].id = c[k].customer_id;
    char key[256];
    for (size_t k = n; k-- > 0;) {
        if (cust_index(ix, c[k].customer_id) != NONE) return false; /* duplicate id */
        mm_add(&ix->cust_ids, hash_i64(TAG_CUST_ID, c[k].customer_id), (uint32_t)k);
        if (c[k].ref) {
            size_t len = norm_key(c[k].ref, key, sizeof key);
            if (len > 0 && len < sizeof key) mm_add(&ix->refs, hash_bytes(TAG_REF, key, len), (uint32_t)k);
        }
        if (c[k].name) {
            owed_match_normalize_name(c[k].name, key, sizeof key);
            size_t len = strlen(key);
            if (len > 0) mm_add(&ix->names, hash_bytes(TAG_NAME, key, len), (uint32_t)k);
        }
    }
    return true;
}

static void index_invoice_keys(struct owed_match_index *ix, uint32_t i)
{
    const struct inv *v = &ix->inv[i];
    char key[MAX_KEY], dig[MAX_KEY];
    size_t len = norm_key(v->number, key, sizeof key);
    if (len > 0 && len < sizeof key) {
        mm_add(&ix->numbers, hash_bytes(TAG_NUMBER, key, len), i);
        size_t dl = norm_digits(key, len, dig, sizeof dig);
        const char *core = digits_core(dig, &dl);
        if (dl > 0) mm_add(&ix->digits, hash_bytes(TAG_DIGITS, core, dl), i);
    }
}

static bool add_invoices(struct owed_match_index *ix, const struct owed_match_invoice *in, size_t n)
{
    ix->inv = owed_xmalloc((n + 1) * sizeof *ix->inv);
    ix->ninv = n;
    mm_init(&ix->numbers, n);
    mm_init(&ix->digits, n);
    mm_init(&ix->amounts, n);
    mm_init(&ix->inv_ids, n);
    for (size_t k = 0; k < n; k++) {
        const struct owed_match_invoice *s = &in[k];
        struct inv *v = &ix->inv[k];
        uint32_t c = cust_index(ix, s->customer_id);
        if (c == NONE || !s->number || s->open_minor <= 0 || s->discount_minor < 0) return false;
        v->id = s->invoice_id;
        v->open = s->open_minor;
        v->discount = s->discount_minor < s->open_minor ? s->discount_minor : 0;
        v->number = s->number;
        v->cust = c;
        v->due = s->due_date;
        v->until = s->discount_until;
        memcpy(v->currency, s->currency, 4);
        v->currency[3] = '\0';
        ix->cust[c].count++;
    }
    for (size_t k = n; k-- > 0;) {
        struct inv *v = &ix->inv[k];
        if (inv_index(ix, v->id) != NONE) return false; /* duplicate id */
        mm_add(&ix->inv_ids, hash_i64(TAG_INV_ID, v->id), (uint32_t)k);
        index_invoice_keys(ix, (uint32_t)k);
        mm_add(&ix->amounts, hash_amount(v->currency, v->open), (uint32_t)k);
        if (v->discount > 0) {
            mm_add(&ix->amounts, hash_amount(v->currency, v->open - v->discount),
                   (uint32_t)k | DISC_BIT);
        }
    }
    /* Per customer, open invoices by due date: the order of the sum search. */
    struct sort_key *sk = owed_xmalloc((n + 1) * sizeof *sk);
    for (size_t k = 0; k < n; k++) {
        sk[k] = (struct sort_key){ ix->inv[k].cust, (uint32_t)k, ix->inv[k].due, ix->inv[k].id };
    }
    qsort(sk, n, sizeof *sk, cmp_sort_key);
    ix->by_cust = owed_xmalloc((n + 1) * sizeof *ix->by_cust);
    uint32_t at = 0;
    for (size_t c = 0; c < ix->ncust; c++) {
        ix->cust[c].first = at;
        at += ix->cust[c].count;
    }
    for (size_t k = 0; k < n; k++) ix->by_cust[k] = sk[k].idx;
    free(sk);
    return true;
}

struct owed_match_index *owed_match_index_new(const struct owed_match_invoice *inv, size_t ninv,
                                              const struct owed_match_customer *cust,
                                              size_t ncust,
                                              const struct owed_match_payer *payers,
                                              size_t npayers)
{
    OWED_ASSERT((inv || !ninv) && (cust || !ncust) && (payers || !npayers));
    if (ninv >= DISC_BIT || ncust >= DISC_BIT) return NULL;
    struct owed_match_index *ix = owed_xcalloc(1, sizeof *ix);
    struct owed_strmap empty = OWED_STRMAP_INIT;
    ix->payers = empty;
    if (!add_customers(ix, cust, ncust) || !add_invoices(ix, inv, ninv)) {
        owed_match_index_free(ix);
        return NULL;
    }
    for (size_t k = 0; k < npayers; k++) {
        if (payers[k].key && payers[k].key[0]) {
            owed_strmap_put(&ix->payers, payers[k].key, strlen(payers[k].key),
                            payers[k].customer_id);
        }
    }
    return ix;
}

void owed_match_index_free(struct owed_match_index *ix)
{
    if (!ix) return;
    free(ix->inv);
    free(ix->cust);
    free(ix->by_cust);
    mm_release(&ix->numbers);
    mm_release(&ix->digits);
    mm_release(&ix->amounts);
    mm_release(&ix->inv_ids);
    mm_release(&ix->cust_ids);
    mm_release(&ix->refs);
    mm_release(&ix->names);
    owed_strmap_clear(&ix->payers);
    free(ix);
}

void owed_match_consume(struct owed_match_index *ix, int64_t invoice_id, int64_t settled_minor)
{
    OWED_ASSERT(ix && settled_minor >= 0);
    uint32_t i = inv_index(ix, invoice_id);
    if (i == NONE) return;
    struct inv *v = &ix->inv[i];
    if (v->open <= 0 || settled_minor == 0) return;
    v->open = settled_minor >= v->open ? 0 : v->open - settled_minor;
    v->discount = 0; /* a partly settled invoice no longer offers its discount */
    if (v->open > 0) mm_add(&ix->amounts, hash_amount(v->currency, v->open), i);
}

void owed_match_learn(struct owed_match_index *ix, const char *key, int64_t customer_id)
{
    OWED_ASSERT(ix && key);
    if (key[0]) owed_strmap_put(&ix->payers, key, strlen(key), customer_id);
}

/* ---- Options and names ---- */

void owed_match_opts_init(struct owed_match_opts *o)
{
    o->tolerance_abs_minor = 0;
    o->tolerance_ppm = 0;
    o->auto_threshold = 90;
    o->auto_margin = 10;
    o->max_subset = 20;
    o->max_sum_size = 5;
}

const char *owed_match_reason_name(enum owed_match_reason r)
{
    switch (r) {
    case OWED_MATCH_NUMBER_EXACT: return "number_exact";
    case OWED_MATCH_NUMBER_FUZZY: return "number_fuzzy";
    case OWED_MATCH_AMOUNT_EXACT: return "amount_exact";
    case OWED_MATCH_AMOUNT_SUM: return "amount_sum";
    case OWED_MATCH_DISCOUNT: return "discount";
    case OWED_MATCH_TOLERANCE: return "tolerance";
    case OWED_MATCH_PAYER_KNOWN: return "payer_known";
    case OWED_MATCH_CUSTOMER_REF: return "customer_ref";
    case OWED_MATCH_CUSTOMER_NAME: return "customer_name";
    case OWED_MATCH_PARTIAL: return "partial";
    }
    return "unknown";
}

/* ---- One search ---- */

enum num_ev { NUM_NONE = 0, NUM_FUZZY = 1, NUM_EXACT = 2 };

/* How the credit relates to one invoice's open amount. */
enum rel { REL_EXACT, REL_DISC, REL_TOL, REL_PARTIAL, REL_OVER };

struct ev { /* an invoice with evidence */
    uint32_t inv;
    uint8_t num; /* enum num_ev */
};

struct cev { /* a customer with evidence */
    uint32_t cust;
    unsigned reasons;
    bool strong;
    bool scanned;      /* strong only: all its open invoices were looked at */
    uint32_t fits;     /* its open invoices the amount fits exactly or discounted */
    uint32_t tol_fits; /* ... within the tolerance */
};

struct tok {
    uint16_t off;
    uint8_t len, field;
};

struct work {
    const struct owed_match_index *ix;
    const struct owed_match_entry *e;
    const struct owed_match_opts *o;
    int64_t amount;
    long budget;
    size_t k_all; /* open invoices of the currency that the amount fits exactly (capped) */
    struct ev ev[MAX_EV];
    size_t nev;
    struct cev ce[MAX_CE];
    size_t nce;
    char digits[MAX_DIGITS][MAX_KEY];
    size_t ndigits;
    struct owed_match_candidate cand[MAX_CAND];
    size_t ncand;
};

static bool same_currency(const struct inv *v, const struct owed_match_entry *e)
{
    return strncmp(v->currency, e->currency, 3) == 0;
}

static int64_t tolerance_of(const struct owed_match_opts *o, int64_t open)
{
    int64_t ppm = o->tolerance_ppm < 0 ? 0 : o->tolerance_ppm > 1000000 ? 1000000 : o->tolerance_ppm;
    int64_t t = open / 1000000 * ppm + open % 1000000 * ppm / 1000000;
    return t > o->tolerance_abs_minor ? t : o->tolerance_abs_minor;
}

static enum rel relate(const struct work *w, const struct inv *v)
{
    int64_t a = w->amount;
    if (a == v->open) return REL_EXACT;
    if (v->discount > 0 && w->e->date <= v->until && a == v->open - v->discount) return REL_DISC;
    if (a > v->open) return REL_OVER;
    return v->open - a <= tolerance_of(w->o, v->open) ? REL_TOL : REL_PARTIAL;
}

static bool fits(enum rel r) { return r == REL_EXACT || r == REL_DISC || r == REL_TOL; }

static struct ev *ev_add(struct work *w, uint32_t inv, uint8_t num)
{
    for (size_t k = 0; k < w->nev; k++) {
        if (w->ev[k].inv == inv) {
            if (num > w->ev[k].num) w->ev[k].num = num;
            return &w->ev[k];
        }
    }
    if (w->nev == MAX_EV) return NULL;
    w->ev[w->nev] = (struct ev){ inv, num };
    return &w->ev[w->nev++];
}

static struct cev *ce_find(struct work *w, uint32_t cust)
{
    for (size_t k = 0; k < w->nce; k++) {
        if (w->ce[k].cust == cust) return &w->ce[k];
    }
    return NULL;
}

static void ce_add(struct work *w, uint32_t cust, unsigned reason, bool strong)
{
    struct cev *c = ce_find(w, cust);
    if (!c) {
        if (w->nce == MAX_CE) return;
        c = &w->ce[w->nce++];
        *c = (struct cev){ cust, 0, false, false, 0, 0 };
    }
    c->reasons |= reason;
    c->strong |= strong;
}

/* Invoices whose normalized number is key. */
static void lookup_number(struct work *w, const char *key, size_t len)
{
    const struct owed_match_index *ix = w->ix;
    char nk[MAX_KEY];
    for (uint32_t n = mm_first(&ix->numbers, hash_bytes(TAG_NUMBER, key, len)); n != NONE;
         n = ix->numbers.nodes[n].next) {
        const struct inv *v = &ix->inv[ix->numbers.nodes[n].val];
        if (v->open <= 0 || !same_currency(v, w->e)) continue;
        if (norm_key(v->number, nk, sizeof nk) == len && memcmp(nk, key, len) == 0) {
            ev_add(w, ix->numbers.nodes[n].val, NUM_EXACT);
        }
    }
}

static void lookup_ref(struct work *w, const char *key, size_t len)
{
    const struct owed_match_index *ix = w->ix;
    for (uint32_t n = mm_first(&ix->refs, hash_bytes(TAG_REF, key, len)); n != NONE;
         n = ix->refs.nodes[n].next) {
        ce_add(w, ix->refs.nodes[n].val, OWED_MATCH_CUSTOMER_REF, true);
    }
}

/* Invoices whose number has the digit string d. exact_len: the invoice's whole digit string
 * must equal d (an edited number); otherwise leading zeros may differ (a missing prefix).
 * With only_fitting, invoices the amount does not fit are not suggested. */
static bool lookup_digits(struct work *w, const char *d, size_t len, bool exact_len,
                          bool only_fitting)
{
    const struct owed_match_index *ix = w->ix;
    size_t cl = len;
    const char *core = digits_core(d, &cl);
    if (cl == 0) return false;
    bool added = false;
    char nk[MAX_KEY], nd[MAX_KEY];
    for (uint32_t n = mm_first(&ix->digits, hash_bytes(TAG_DIGITS, core, cl)); n != NONE;
         n = ix->digits.nodes[n].next) {
        uint32_t i = ix->digits.nodes[n].val;
        const struct inv *v = &ix->inv[i];
        if (v->open <= 0 || !same_currency(v, w->e)) continue;
        size_t kl = norm_key(v->number, nk, sizeof nk);
        size_t dl = norm_digits(nk, kl, nd, sizeof nd);
        if (exact_len && (dl != len || memcmp(nd, d, len) != 0)) continue;
        size_t vcl = dl;
        const char *vcore = digits_core(nd, &vcl);
        if (vcl != cl || memcmp(vcore, core, cl) != 0) continue;
        if (only_fitting && !fits(relate(w, v))) continue;
        if (ev_add(w, i, NUM_FUZZY)) added = true;
    }
    return added;
}

static void add_digits(struct work *w, const char *key, size_t len)
{
    char d[MAX_KEY];
    size_t dl = norm_digits(key, len, d, sizeof d);
    if (dl < 3 || dl >= sizeof d) return;
    for (size_t k = 0; k < w->ndigits; k++) {
        if (strcmp(w->digits[k], d) == 0) return;
    }
    if (w->ndigits == MAX_DIGITS) return;
    memcpy(w->digits[w->ndigits++], d, dl + 1);
}

/* Splits a text field into upper-cased alphanumeric tokens. */
static size_t tokenize(const char *s, uint8_t field, char *buf, size_t *used, struct tok *t,
                       size_t nt)
{
    if (!s) return nt;
    bool in = false;
    for (size_t i = 0; s[i] && i < TEXT_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c)) {
            in = false;
            continue;
        }
        if (!in) {
            if (nt == MAX_TOKENS) break;
            t[nt++] = (struct tok){ (uint16_t)*used, 0, field };
            in = true;
        }
        if (t[nt - 1].len + 1 >= MAX_KEY) continue; /* overlong: truncated */
        buf[(*used)++] = upper(c);
        t[nt - 1].len++;
    }
    return nt;
}

/* Tokens and joins of up to three adjacent tokens ("INV 2024 0001"): invoice numbers,
 * customer references and digit strings. */
static void scan_text(struct work *w)
{
    char buf[2 * TEXT_MAX];
    size_t used = 0;
    struct tok t[MAX_TOKENS];
    size_t nt = tokenize(w->e->remittance, 0, buf, &used, t, 0);
    nt = tokenize(w->e->end_to_end, 1, buf, &used, t, nt);
    char key[MAX_KEY];
    for (size_t i = 0; i < nt; i++) {
        size_t len = 0;
        bool digit = false;
        for (size_t j = i; j < nt && j < i + 3 && t[j].field == t[i].field; j++) {
            if (len + t[j].len >= sizeof key) break;
            memcpy(key + len, buf + t[j].off, t[j].len);
            len += t[j].len;
            key[len] = '\0';
            for (size_t k = 0; k < t[j].len; k++) digit |= buf[t[j].off + k] <= '9';
            if (len < 3) continue;
            lookup_ref(w, key, len);
            if (!digit) continue;
            lookup_number(w, key, len);
            add_digits(w, key, len);
        }
    }
    for (size_t k = 0; k < w->ndigits; k++) {
        lookup_digits(w, w->digits[k], strlen(w->digits[k]), false, false);
    }
}

/* One wrong digit or two adjacent digits swapped, only where the amount then fits. */
static bool scan_edits(struct work *w)
{
    bool added = false;
    for (size_t k = 0; k < w->ndigits; k++) {
        char d[MAX_KEY];
        size_t len = strlen(w->digits[k]);
        if (len < 4 || len > 12) continue;
        memcpy(d, w->digits[k], len + 1);
        for (size_t p = 0; p < len; p++) {
            char orig = d[p];
            for (char c = '0'; c <= '9'; c++) {
                if (c == orig) continue;
                d[p] = c;
                added |= lookup_digits(w, d, len, true, true);
            }
            d[p] = orig;
            if (p + 1 < len && d[p] != d[p + 1]) {
                d[p] = d[p + 1];
                d[p + 1] = orig;
                added |= lookup_digits(w, d, len, true, true);
                d[p + 1] = d[p];
                d[p] = orig;
            }
        }
    }
    return added;
}

static void scan_payer(struct work *w)
{
    const struct owed_match_index *ix = w->ix;
    char key[256];
    int64_t cid;
    owed_match_normalize_account(w->e->counterparty_account, key, sizeof key);
    if (key[0] && owed_strmap_get(&ix->payers, key, strlen(key), &cid)) {
        uint32_t c = cust_index(ix, cid);
        if (c != NONE) ce_add(w, c, OWED_MATCH_PAYER_KNOWN, true);
    }
    owed_match_normalize_name(w->e->counterparty_name, key, sizeof key);
    size_t len = strlen(key);
    if (!len) return;
    if (owed_strmap_get(&ix->payers, key, len, &cid)) {
        uint32_t c = cust_index(ix, cid);
        if (c != NONE) ce_add(w, c, OWED_MATCH_PAYER_KNOWN, true);
    }
    uint32_t head = mm_first(&ix->names, hash_bytes(TAG_NAME, key, len));
    size_t peers = 0;
    for (uint32_t n = head; n != NONE && peers <= NAME_WEAK; n = ix->names.nodes[n].next) peers++;
    if (peers > NAME_WEAK) return;
    for (uint32_t n = head; n != NONE; n = ix->names.nodes[n].next) {
        ce_add(w, ix->names.nodes[n].val, OWED_MATCH_CUSTOMER_NAME, peers <= NAME_STRONG);
    }
}

/* Open invoices of the currency whose open (or discounted, in window) amount is the credit. */
static void scan_amount(struct work *w)
{
    const struct owed_match_index *ix = w->ix;
    size_t seen = 0;
    for (uint32_t n = mm_first(&ix->amounts, hash_amount(w->e->currency, w->amount));
         n != NONE && seen < AMOUNT_CHAIN_MAX; n = ix->amounts.nodes[n].next) {
        uint32_t val = ix->amounts.nodes[n].val, i = val & ~DISC_BIT;
        const struct inv *v = &ix->inv[i];
        if (v->open <= 0 || !same_currency(v, w->e)) continue;
        enum rel r = relate(w, v);
        enum rel want = (val & DISC_BIT) ? REL_DISC : REL_EXACT;
        if (r != want) continue; /* a stale amount (consumed) or another relation */
        seen++;
        struct cev *c = ce_find(w, v->cust);
        if (c && !c->strong) c->fits++; /* strong customers are scanned whole instead */
        if (seen <= AMOUNT_SUGGEST || c) ev_add(w, i, NUM_NONE);
    }
    w->k_all = seen;
}

/* The open invoices of customers with strong evidence that the amount fits. */
static void scan_customers(struct work *w)
{
    const struct owed_match_index *ix = w->ix;
    size_t scanned = 0;
    for (size_t k = 0; k < w->nce && scanned < CUST_SCAN_MAX; k++) {
        struct cev *c = &w->ce[k];
        if (!c->strong) continue;
        const struct cust *cu = &ix->cust[c->cust];
        c->scanned = scanned + cu->count <= CUST_SCAN_MAX;
        for (uint32_t j = 0; j < cu->count && scanned < CUST_SCAN_MAX; j++, scanned++) {
            uint32_t i = ix->by_cust[cu->first + j];
            const struct inv *v = &ix->inv[i];
            if (v->open <= 0 || !same_currency(v, w->e)) continue;
            enum rel r = relate(w, v);
            if (r == REL_EXACT || r == REL_DISC) {
                c->fits++;
                ev_add(w, i, NUM_NONE);
            } else if (r == REL_TOL) {
                c->tol_fits++;
                ev_add(w, i, NUM_NONE);
            }
        }
    }
}

/* ---- Candidates ---- */

static int cmp_line(const void *pa, const void *pb)
{
    const struct owed_match_line *a = pa, *b = pb;
    return a->invoice_id < b->invoice_id ? -1 : a->invoice_id > b->invoice_id;
}

/* Best first: score, then customer id, then invoice ids. A total order. */
static int cmp_cand(const void *pa, const void *pb)
{
    const struct owed_match_candidate *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    if (a->customer_id != b->customer_id) return a->customer_id < b->customer_id ? -1 : 1;
    for (size_t k = 0; k < a->nlines && k < b->nlines; k++) {
        if (a->lines[k].invoice_id != b->lines[k].invoice_id) {
            return a->lines[k].invoice_id < b->lines[k].invoice_id ? -1 : 1;
        }
    }
    if (a->nlines != b->nlines) return a->nlines < b->nlines ? -1 : 1;
    return 0;
}

static bool same_set(const struct owed_match_candidate *a, const struct owed_match_candidate *b)
{
    if (a->customer_id != b->customer_id || a->nlines != b->nlines) return false;
    for (size_t k = 0; k < a->nlines; k++) {
        if (a->lines[k].invoice_id != b->lines[k].invoice_id) return false;
    }
    return true;
}

/* Adds c (lines already sorted): an equal invoice set keeps the better score; a full pool
 * drops its worst. */
static void cand_add(struct work *w, const struct owed_match_candidate *c)
{
    for (size_t k = 0; k < w->ncand; k++) {
        if (same_set(&w->cand[k], c)) {
            if (c->score > w->cand[k].score) w->cand[k] = *c;
            return;
        }
    }
    if (w->ncand < MAX_CAND) {
        w->cand[w->ncand++] = *c;
        return;
    }
    size_t worst = 0;
    for (size_t k = 1; k < w->ncand; k++) {
        if (cmp_cand(&w->cand[k], &w->cand[worst]) > 0) worst = k;
    }
    if (cmp_cand(c, &w->cand[worst]) < 0) w->cand[worst] = *c;
}

static unsigned ce_reasons(struct work *w, uint32_t cust, const struct cev **out)
{
    const struct cev *c = ce_find(w, cust);
    if (out) *out = c;
    return c ? c->reasons : 0;
}

static const struct ev *ev_of(const struct work *w, uint32_t inv)
{
    for (size_t k = 0; k < w->nev; k++) {
        if (w->ev[k].inv == inv) return &w->ev[k];
    }
    return NULL;
}

/* Score of a single invoice found by its number. 0 = not worth suggesting. */
static int score_number(uint8_t num, enum rel r)
{
    static const int exact[] = { 100, 98, 95, 70, 60 };
    static const int fuzzy[] = { 92, 90, 86, 45, 0 };
    return num == NUM_EXACT ? exact[r] : fuzzy[r];
}

/* Score of a single invoice found by its amount only. */
static int score_amount(const struct work *w, const struct cev *c, enum rel r)
{
    if (r == REL_TOL) {
        if (!c || !c->strong) return 0;
        return c->scanned && c->tol_fits == 1 && c->fits == 0 ? 75 : 55;
    }
    if (r != REL_EXACT && r != REL_DISC) return 0;
    if (c && c->strong) return c->scanned && c->fits == 1 ? 90 : 60;
    if (c) return c->fits == 1 ? (w->k_all == 1 ? 80 : 70) : 55;
    return w->k_all == 1 ? 60 : w->k_all <= 3 ? 50 : 40;
}

static void single_candidate(struct work *w, const struct ev *ev)
{
    const struct inv *v = &w->ix->inv[ev->inv];
    enum rel r = relate(w, v);
    const struct cev *c;
    unsigned reasons = ce_reasons(w, v->cust, &c);
    int score = ev->num ? score_number(ev->num, r) : score_amount(w, c, r);
    if (score <= 0) return;
    struct owed_match_candidate k = { 0 };
    k.customer_id = w->ix->cust[v->cust].id;
    k.nlines = 1;
    k.lines[0].invoice_id = v->id;
    k.lines[0].apply_minor = w->amount;
    if (ev->num == NUM_EXACT) reasons |= OWED_MATCH_NUMBER_EXACT;
    if (ev->num == NUM_FUZZY) reasons |= OWED_MATCH_NUMBER_FUZZY;
    switch (r) {
    case REL_EXACT: reasons |= OWED_MATCH_AMOUNT_EXACT; break;
    case REL_DISC:
        reasons |= OWED_MATCH_DISCOUNT;
        k.lines[0].discount_minor = v->discount;
        break;
    case REL_TOL:
        reasons |= OWED_MATCH_TOLERANCE;
        k.lines[0].writeoff_minor = v->open - w->amount;
        break;
    case REL_PARTIAL: reasons |= OWED_MATCH_PARTIAL; break;
    case REL_OVER: k.lines[0].apply_minor = v->open; break; /* the rest stays unapplied */
    }
    k.score = score;
    k.reasons = reasons;
    cand_add(w, &k);
}

/* ---- Subset sums ---- */

struct sum_item {
    uint32_t inv;
    uint8_t nalt;
    int64_t amt[2]; /* open, and discounted when in window */
};

struct sum_ctx {
    struct sum_item it[SUM_ITEMS_MAX];
    int64_t pre[SUM_ITEMS_MAX + 1]; /* prefix sums of amt[0] */
    size_t n, kmax;
    int64_t target;
    long *budget;
    uint8_t pick_i[OWED_MATCH_MAX_INVOICES], pick_alt[OWED_MATCH_MAX_INVOICES];
    size_t nsol;
    uint8_t sol_i[SUM_SOLUTIONS][OWED_MATCH_MAX_INVOICES];
    uint8_t sol_alt[SUM_SOLUTIONS][OWED_MATCH_MAX_INVOICES];
    size_t sol_k[SUM_SOLUTIONS];
};

static int cmp_sum_item(const void *pa, const void *pb)
{
    const struct sum_item *a = pa, *b = pb;
    if (a->amt[0] != b->amt[0]) return a->amt[0] > b->amt[0] ? -1 : 1;
    return a->inv < b->inv ? -1 : a->inv > b->inv;
}

static void sum_dfs(struct sum_ctx *s, size_t start, size_t depth, int64_t acc)
{
    size_t take = s->kmax - depth;
    for (size_t i = start; i < s->n && s->nsol < SUM_SOLUTIONS; i++) {
        if (--*s->budget < 0) return;
        size_t end = i + take < s->n ? i + take : s->n;
        if (acc + (s->pre[end] - s->pre[i]) < s->target) return; /* the rest is smaller */
        for (uint8_t alt = 0; alt < s->it[i].nalt; alt++) {
            int64_t v = acc + s->it[i].amt[alt];
            if (v > s->target) continue;
            s->pick_i[depth] = (uint8_t)i;
            s->pick_alt[depth] = alt;
            if (v == s->target) {
                if (depth == 0 || s->nsol == SUM_SOLUTIONS) continue; /* one invoice: no sum */
                memcpy(s->sol_i[s->nsol], s->pick_i, depth + 1);
                memcpy(s->sol_alt[s->nsol], s->pick_alt, depth + 1);
                s->sol_k[s->nsol++] = depth + 1;
            } else if (depth + 1 < s->kmax) {
                sum_dfs(s, i + 1, depth + 1, v);
            }
        }
    }
}

static void sum_push(struct work *w, struct sum_ctx *s, uint32_t i)
{
    const struct inv *v = &w->ix->inv[i];
    if (s->n == SUM_ITEMS_MAX || v->open <= 0 || !same_currency(v, w->e)) return;
    if (v->open >= w->amount && !(v->discount > 0 && v->open - v->discount < w->amount)) return;
    struct sum_item *it = &s->it[s->n++];
    it->inv = i;
    it->nalt = 1;
    it->amt[0] = v->open;
    if (v->discount > 0 && w->e->date <= v->until) it->amt[it->nalt++] = v->open - v->discount;
}

static void sum_run(struct work *w, struct sum_ctx *s, size_t kmax)
{
    s->nsol = 0;
    s->target = w->amount;
    s->budget = &w->budget;
    s->kmax = kmax < s->n ? kmax : s->n;
    if (s->kmax > OWED_MATCH_MAX_INVOICES) s->kmax = OWED_MATCH_MAX_INVOICES;
    if (s->n < 2 || s->kmax < 2) return;
    qsort(s->it, s->n, sizeof s->it[0], cmp_sum_item);
    s->pre[0] = 0;
    for (size_t k = 0; k < s->n; k++) s->pre[k + 1] = s->pre[k] + s->it[k].amt[0];
    sum_dfs(s, 0, 0, 0);
}

/* The candidate of solution `sol`; its number evidence is OR-ed into reasons. */
static void sum_candidate(struct work *w, const struct sum_ctx *s, size_t sol, int score,
                          unsigned reasons)
{
    struct owed_match_candidate k = { 0 };
    k.nlines = s->sol_k[sol];
    for (size_t j = 0; j < k.nlines; j++) {
        const struct sum_item *it = &s->it[s->sol_i[sol][j]];
        const struct inv *v = &w->ix->inv[it->inv];
        k.customer_id = w->ix->cust[v->cust].id;
        k.lines[j].invoice_id = v->id;
        k.lines[j].apply_minor = it->amt[s->sol_alt[sol][j]];
        if (s->sol_alt[sol][j]) {
            k.lines[j].discount_minor = v->discount;
            reasons |= OWED_MATCH_DISCOUNT;
        }
        const struct ev *ev = ev_of(w, it->inv);
        if (ev && ev->num == NUM_EXACT) reasons |= OWED_MATCH_NUMBER_EXACT;
        if (ev && ev->num == NUM_FUZZY) reasons |= OWED_MATCH_NUMBER_FUZZY;
    }
    qsort(k.lines, k.nlines, sizeof k.lines[0], cmp_line);
    k.score = score;
    k.reasons = reasons | OWED_MATCH_AMOUNT_SUM;
    cand_add(w, &k);
}

/* Several invoices named in the text, of one customer, that add up to the credit. */
static void number_sums(struct work *w)
{
    bool done[MAX_EV] = { false };
    for (size_t a = 0; a < w->nev; a++) {
        if (done[a] || !w->ev[a].num) continue;
        uint32_t cust = w->ix->inv[w->ev[a].inv].cust;
        struct sum_ctx s;
        s.n = 0;
        for (size_t b = a; b < w->nev; b++) {
            if (!w->ev[b].num || w->ix->inv[w->ev[b].inv].cust != cust) continue;
            done[b] = true;
            sum_push(w, &s, w->ev[b].inv);
        }
        sum_run(w, &s, OWED_MATCH_MAX_INVOICES);
        unsigned reasons = ce_reasons(w, cust, NULL);
        for (size_t k = 0; k < s.nsol; k++) {
            bool all_exact = true;
            for (size_t j = 0; j < s.sol_k[k]; j++) {
                const struct ev *ev = ev_of(w, s.it[s.sol_i[k][j]].inv);
                all_exact &= ev && ev->num == NUM_EXACT;
            }
            int score = s.nsol == 1 ? (all_exact ? 98 : 90) : (all_exact ? 80 : 60);
            sum_candidate(w, &s, k, score, reasons);
        }
    }
}

/* The oldest open invoices of customers with evidence that add up to the credit. */
static void customer_sums(struct work *w)
{
    const struct owed_match_index *ix = w->ix;
    size_t max_subset = w->o->max_subset < SUM_ITEMS_MAX ? w->o->max_subset : SUM_ITEMS_MAX;
    for (size_t k = 0; k < w->nce && w->budget > 0; k++) {
        const struct cev *c = &w->ce[k];
        const struct cust *cu = &ix->cust[c->cust];
        struct sum_ctx s;
        s.n = 0;
        for (uint32_t j = 0; j < cu->count && s.n < max_subset; j++) {
            sum_push(w, &s, ix->by_cust[cu->first + j]);
        }
        sum_run(w, &s, w->o->max_sum_size);
        for (size_t m = 0; m < s.nsol; m++) {
            int score = s.nsol == 1 ? (c->strong ? 90 : 75) : (c->strong ? 60 : 50);
            sum_candidate(w, &s, m, score, c->reasons);
        }
    }
}

static void build(struct work *w)
{
    w->ncand = 0;
    for (size_t k = 0; k < w->nev; k++) single_candidate(w, &w->ev[k]);
    number_sums(w);
}

/* A candidate that could be posted without a person, ignoring the runner-up. */
static bool explained(const struct work *w)
{
    for (size_t k = 0; k < w->ncand; k++) {
        const struct owed_match_candidate *c = &w->cand[k];
        if (c->score < w->o->auto_threshold || c->nlines == 0) continue;
        int64_t sum = 0;
        for (size_t j = 0; j < c->nlines; j++) sum += c->lines[j].apply_minor;
        if (sum == w->amount) return true;
    }
    return false;
}

/* Customers with strong evidence but no invoice: a payment on account, for a person. */
static void customer_only(struct work *w)
{
    for (size_t k = 0; k < w->nce; k++) {
        if (!w->ce[k].strong) continue;
        int64_t id = w->ix->cust[w->ce[k].cust].id;
        bool any = false;
        for (size_t j = 0; j < w->ncand && !any; j++) any = w->cand[j].customer_id == id;
        if (any) continue;
        struct owed_match_candidate c = { 0 };
        c.customer_id = id;
        c.score = 30;
        c.reasons = w->ce[k].reasons;
        cand_add(w, &c);
    }
}

void owed_match_find(const struct owed_match_index *ix, const struct owed_match_entry *e,
                     const struct owed_match_opts *o, struct owed_match_candidate *out,
                     size_t max, size_t *n)
{
    OWED_ASSERT(ix && e && o && n && (out || !max));
    *n = 0;
    if (e->amount_minor <= 0) return;
    struct work w;
    w.ix = ix;
    w.e = e;
    w.o = o;
    w.amount = e->amount_minor;
    w.budget = SUM_BUDGET;
    w.k_all = 0;
    w.nev = w.nce = w.ndigits = w.ncand = 0;

    scan_payer(&w);
    scan_text(&w);
    scan_amount(&w);
    scan_customers(&w);
    build(&w);
    if (!explained(&w) && scan_edits(&w)) build(&w);
    if (!explained(&w)) customer_sums(&w);
    customer_only(&w);

    qsort(w.cand, w.ncand, sizeof w.cand[0], cmp_cand);
    size_t m = w.ncand < max ? w.ncand : max;
    memcpy(out, w.cand, m * sizeof *out);
    *n = m;
}

bool owed_match_is_auto(const struct owed_match_candidate *c, size_t n,
                        const struct owed_match_entry *e, const struct owed_match_opts *o)
{
    OWED_ASSERT(e && o && (c || !n));
    if (n == 0 || c[0].nlines == 0 || c[0].score < o->auto_threshold) return false;
    if (n > 1 && c[0].score - c[1].score < o->auto_margin) return false;
    int64_t sum = 0;
    for (size_t k = 0; k < c[0].nlines; k++) {
        if (owed_i64_add(sum, c[0].lines[k].apply_minor, &sum) != OWED_OK) return false;
    }
    return sum == e->amount_minor;
}
