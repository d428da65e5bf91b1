/* Cash application: the candidate invoices of a bank credit (see match.h).
 *
 * The index is a set of hash chains keyed by 64-bit hashes of normalized strings and of
 * (currency, amount) pairs. Every hit is checked against the invoice itself, so a hash
 * collision costs a lookup, never a wrong match. owed_match_find() allocates nothing: its
 * working set lives on the stack, so several threads may call it on one index at once
 * (owed_match_consume and owed_match_learn must not run concurrently with it).
 *
 * Precision comes first: a wrong automatic match is far worse than a review item, so a
 * score reaches the automatic threshold (90 by default) only where two independent pieces
 * of evidence agree. Scores of one invoice, by how the credit relates to its open amount
 * (exact / discounted in window / short within tolerance / partial / overpaid):
 *
 *   number in the text, exactly                              100  98  95  70  60
 *   number without its prefix or zeros ("Inv. 1234", "IMV0001234")
 *                                                             95  93  86  55  45
 *   number with one digit wrong or two swapped (kept only where the amount fits)
 *                                                             92  90  86   -   -
 *   no number, exact or discounted amount: the only such invoice of a customer known
 *   strongly (learned payer key, customer ref in the text, payer name of at most
 *   NAME_STRONG customers) 90, else 60; known weakly (a name of up to NAME_WEAK
 *   customers) 80 when also unique in the currency, 70, else 55; unknown: 60 when unique
 *   in the currency, 50 up to three, else 40. Short within tolerance, strong customer
 *   only: 75 (the only such invoice) or 55. At most 70 when the text names another
 *   invoice of that customer by its number (exact, without prefix or with one edit).
 *
 * Several invoices: numbers in the text of one customer that add up (the only subset: 98
 * when all exact, else 90; several subsets: 80 / 60); the max_subset oldest open invoices
 * of a customer with evidence that add up, searched only when nothing else explains the
 * credit (the only subset: 90 strong, 75 weak; several: 60 / 50; at most 75 when a
 * coincidence is plausible, see customer_sums). A strongly known customer without any
 * invoice: 30, a payment on account for a person.
 *
 * owed_match_is_auto then also wants the runner-up 10 (auto_margin) behind and the lines
 * to apply the whole credit, so partial and overpayments always go to a person. */
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
#define EXPLAINED_EXACT 98  /* exact number and exact or discounted amount: no edits needed */

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

struct mslot {
    uint64_t key; /* 0 = empty */
    uint32_t head;
};

/* The arrays are large and read at random: huge pages (owed_xmalloc_big) save most of the
 * TLB misses, which dominated the build at a million invoices. */
struct mmap {
    struct mslot *slots;
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
    m->slots = owed_xmalloc_big(cap, sizeof *m->slots, true);
    m->nodes_cap = expected ? expected : 16;
    m->nodes = owed_xmalloc_big(m->nodes_cap, sizeof *m->nodes, false);
    m->nnodes = 0;
}

static void mm_release(struct mmap *m)
{
    free(m->slots);
    free(m->nodes);
    memset(m, 0, sizeof *m);
}

static size_t mm_slot(const struct mmap *m, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (m->slots[i].key == h || m->slots[i].key == 0) return i;
    }
}

static void mm_grow(struct mmap *m)
{
    struct mmap old = *m;
    m->cap = old.cap * 2;
    m->slots = owed_xmalloc_big(m->cap, sizeof *m->slots, true);
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key) m->slots[mm_slot(m, old.slots[i].key)] = old.slots[i];
    }
    free(old.slots);
}

/* Prepends val to the chain of h: insert in reverse order to read chains in order.
 * Returns true when h already had a chain. */
static bool mm_add(struct mmap *m, uint64_t h, uint32_t val)
{
    if ((m->len + 1) * 2 > m->cap) mm_grow(m);
    size_t s = mm_slot(m, h);
    bool existed = m->slots[s].key != 0;
    if (!existed) {
        m->slots[s].key = h;
        m->slots[s].head = NONE;
        m->len++;
    }
    if (m->nnodes == m->nodes_cap) {
        struct mnode *n = owed_xmalloc_big(m->nodes_cap * 2, sizeof *n, false);
        memcpy(n, m->nodes, m->nnodes * sizeof *n);
        free(m->nodes);
        m->nodes = n;
        m->nodes_cap *= 2;
    }
    m->nodes[m->nnodes].val = val;
    m->nodes[m->nnodes].next = m->slots[s].head;
    m->slots[s].head = (uint32_t)m->nnodes++;
    return existed;
}

static uint32_t mm_first(const struct mmap *m, uint64_t h)
{
    if (!m->cap) return NONE;
    size_t s = mm_slot(m, h);
    return m->slots[s].key ? m->slots[s].head : NONE;
}

/* ---- Normalization ---- */

static uint64_t len_bit(size_t len) { return len < 64 ? UINT64_C(1) << len : 0; }

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

#define CORE_LONG UINT64_MAX /* core_value of more than 18 digits: compare the strings */

static uint64_t core_value(const char *core, size_t len)
{
    if (len > 18) return CORE_LONG;
    uint64_t v = 0;
    for (size_t k = 0; k < len; k++) v = v * 10 + (uint64_t)(core[k] - '0');
    return v;
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
    /* The number's digits without leading zeros as an integer (when at most 18 of them),
     * so that digit lookups are verified without reading the number string. */
    uint64_t core_val;
    uint8_t digit_len, core_len; /* digits with and without leading zeros; 0: none */
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
    /* Bit n set: some invoice number (normalized), its digit string, the digit string
     * without leading zeros, some customer ref has length n. Tokens of other lengths are
     * not looked up. */
    uint64_t key_lens, digit_lens, core_lens, ref_lens;
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
        if (mm_add(&ix->cust_ids, hash_i64(TAG_CUST_ID, c[k].customer_id), (uint32_t)k)) {
            const struct mmap *m = &ix->cust_ids; /* the new node is the last one */
            for (uint32_t d = m->nodes[m->nnodes - 1].next; d != NONE; d = m->nodes[d].next) {
                if (ix->cust[m->nodes[d].val].id == c[k].customer_id) return false; /* duplicate */
            }
        }
        if (c[k].ref) {
            size_t len = norm_key(c[k].ref, key, sizeof key);
            if (len > 0 && len < sizeof key) {
                mm_add(&ix->refs, hash_bytes(TAG_REF, key, len), (uint32_t)k);
                ix->ref_lens |= len_bit(len);
            }
        }
        if (c[k].name) {
            owed_match_normalize_name(c[k].name, key, sizeof key);
            size_t len = strlen(key);
            if (len > 0) mm_add(&ix->names, hash_bytes(TAG_NAME, key, len), (uint32_t)k);
        }
    }
    return true;
}

/* Hashes of the invoices' keys, computed in one sequential pass before the inserts. */
struct key_batch {
    uint64_t *h;
    uint32_t *val;
    size_t n;
};

static void batch_init(struct key_batch *b, size_t cap)
{
    b->h = owed_xmalloc_big(cap + 1, sizeof *b->h, false);
    b->val = owed_xmalloc_big(cap + 1, sizeof *b->val, false);
    b->n = 0;
}

static void batch_push(struct key_batch *b, uint64_t h, uint32_t val)
{
    b->h[b->n] = h;
    b->val[b->n++] = val;
}

/* Inserts the batch last to first, so that chains read in input order, prefetching the
 * slots a few inserts ahead: at a million invoices every insert is a cache miss. Returns
 * how many inserts found their key already present; releases the batch. */
static size_t mm_add_batch(struct mmap *m, struct key_batch *b)
{
    enum { AHEAD = 16 };
    size_t existed = 0;
    while ((m->len + b->n) * 2 > m->cap) mm_grow(m);
    for (size_t k = b->n; k-- > 0;) {
        if (k >= AHEAD) __builtin_prefetch(&m->slots[b->h[k - AHEAD] & (m->cap - 1)], 1);
        existed += mm_add(m, b->h[k], b->val[k]);
    }
    free(b->h);
    free(b->val);
    return existed;
}

static void invoice_keys(struct owed_match_index *ix, uint32_t i, struct key_batch *numbers,
                         struct key_batch *digits)
{
    const struct inv *v = &ix->inv[i];
    char key[MAX_KEY], dig[MAX_KEY];
    size_t len = norm_key(v->number, key, sizeof key);
    if (len == 0 || len >= sizeof key) return;
    batch_push(numbers, hash_bytes(TAG_NUMBER, key, len), i);
    ix->key_lens |= len_bit(len);
    size_t dl = norm_digits(key, len, dig, sizeof dig), cl = dl;
    ix->digit_lens |= len_bit(dl);
    const char *core = digits_core(dig, &cl);
    if (cl == 0) return;
    struct inv *w = &ix->inv[i];
    w->digit_len = (uint8_t)dl;
    w->core_len = (uint8_t)cl;
    w->core_val = core_value(core, cl);
    batch_push(digits, hash_bytes(TAG_DIGITS, core, cl), i);
    ix->core_lens |= len_bit(cl);
}

/* Duplicate invoice ids (or a 64-bit hash collision between two ids): a slow check, run
 * only when some id key was inserted twice. */
static bool ids_unique(const struct owed_match_index *ix)
{
    const struct mmap *m = &ix->inv_ids;
    for (size_t s = 0; s < m->cap; s++) {
        if (!m->slots[s].key) continue;
        for (uint32_t a = m->slots[s].head; a != NONE; a = m->nodes[a].next) {
            for (uint32_t b = m->nodes[a].next; b != NONE; b = m->nodes[b].next) {
                if (ix->inv[m->nodes[a].val].id == ix->inv[m->nodes[b].val].id) return false;
            }
        }
    }
    return true;
}

struct due_key {
    owed_date due;
    uint32_t idx;
    int64_t id;
};

static int cmp_due_key(const void *pa, const void *pb)
{
    const struct due_key *a = pa, *b = pb;
    if (a->due != b->due) return a->due < b->due ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return 0;
}

/* Per customer, its open invoices by due date (then id): the order of the sum search. */
static void group_by_customer(struct owed_match_index *ix)
{
    size_t n = ix->ninv;
    uint32_t at = 0;
    for (size_t c = 0; c < ix->ncust; c++) {
        ix->cust[c].first = at;
        at += ix->cust[c].count;
        ix->cust[c].count = 0;
    }
    struct due_key *dk = owed_xmalloc_big(n + 1, sizeof *dk, false);
    for (size_t k = 0; k < n; k++) {
        struct cust *c = &ix->cust[ix->inv[k].cust];
        dk[c->first + c->count++] = (struct due_key){ ix->inv[k].due, (uint32_t)k, ix->inv[k].id };
    }
    ix->by_cust = owed_xmalloc_big(n + 1, sizeof *ix->by_cust, false);
    for (size_t c = 0; c < ix->ncust; c++) {
        qsort(dk + ix->cust[c].first, ix->cust[c].count, sizeof *dk, cmp_due_key);
    }
    for (size_t k = 0; k < n; k++) ix->by_cust[k] = dk[k].idx;
    free(dk);
}

static bool add_invoices(struct owed_match_index *ix, const struct owed_match_invoice *in, size_t n)
{
    ix->inv = owed_xmalloc_big(n + 1, sizeof *ix->inv, false);
    ix->ninv = n;
    size_t ndisc = 0;
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
        ndisc += v->discount > 0;
    }
    struct key_batch ids, numbers, digits, amounts;
    batch_init(&ids, n);
    batch_init(&numbers, n);
    batch_init(&digits, n);
    batch_init(&amounts, n + ndisc);
    for (size_t k = 0; k < n; k++) {
        const struct inv *v = &ix->inv[k];
        batch_push(&ids, hash_i64(TAG_INV_ID, v->id), (uint32_t)k);
        invoice_keys(ix, (uint32_t)k, &numbers, &digits);
        batch_push(&amounts, hash_amount(v->currency, v->open), (uint32_t)k);
        if (v->discount > 0) {
            batch_push(&amounts, hash_amount(v->currency, v->open - v->discount),
                       (uint32_t)k | DISC_BIT);
        }
    }
    mm_init(&ix->inv_ids, n);
    mm_init(&ix->numbers, numbers.n);
    mm_init(&ix->digits, digits.n);
    mm_init(&ix->amounts, amounts.n);
    bool dup = mm_add_batch(&ix->inv_ids, &ids) > 0;
    mm_add_batch(&ix->numbers, &numbers);
    mm_add_batch(&ix->digits, &digits);
    mm_add_batch(&ix->amounts, &amounts);
    if (dup && !ids_unique(ix)) return false;
    group_by_customer(ix);
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

/* Number evidence, weakest first: an edited number (one digit wrong or two swapped, only
 * kept where the amount fits), the number's digits without its prefix or leading zeros
 * ("Inv. 1234" for INV0001234, or a letter typo), the number itself. */
enum num_ev { NUM_NONE = 0, NUM_EDITED = 1, NUM_NOPREFIX = 2, NUM_EXACT = 3 };

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

static bool lookup_ref(struct work *w, const char *key, size_t len)
{
    const struct owed_match_index *ix = w->ix;
    bool found = false;
    for (uint32_t n = mm_first(&ix->refs, hash_bytes(TAG_REF, key, len)); n != NONE;
         n = ix->refs.nodes[n].next) {
        ce_add(w, ix->refs.nodes[n].val, OWED_MATCH_CUSTOMER_REF, true);
        found = true;
    }
    return found;
}

/* A digit string to look up: its core (no leading zeros) hashed and as an integer. */
struct digits_query {
    const char *d; /* the whole digit string */
    size_t len, cl;
    uint64_t cv, h;
};

static bool digits_query(struct digits_query *q, const char *d, size_t len)
{
    q->d = d;
    q->len = q->cl = len;
    const char *core = digits_core(d, &q->cl);
    if (q->cl == 0) return false;
    q->cv = core_value(core, q->cl);
    q->h = hash_bytes(TAG_DIGITS, core, q->cl);
    return true;
}

static bool digits_match(const struct inv *v, const struct digits_query *q, bool exact_len)
{
    if (v->core_len != q->cl || (exact_len && v->digit_len != q->len)) return false;
    if (q->cv != CORE_LONG) return v->core_val == q->cv;
    char nk[MAX_KEY], nd[MAX_KEY];
    size_t dl = norm_digits(nk, norm_key(v->number, nk, sizeof nk), nd, sizeof nd), cl = dl;
    const char *core = digits_core(nd, &cl), *qcore = q->d + (q->len - q->cl);
    return cl == q->cl && memcmp(core, qcore, cl) == 0;
}

/* Invoices whose number has the digits of q. exact_len: the invoice's whole digit string
 * must be q's (an edited number); otherwise leading zeros may differ (a missing prefix).
 * With only_fitting, invoices the amount does not fit are not suggested. */
static bool lookup_digits(struct work *w, const struct digits_query *q, uint32_t head,
                          bool exact_len, bool only_fitting)
{
    const struct owed_match_index *ix = w->ix;
    bool added = false;
    for (uint32_t n = head; n != NONE; n = ix->digits.nodes[n].next) {
        uint32_t i = ix->digits.nodes[n].val;
        const struct inv *v = &ix->inv[i];
        if (v->open <= 0 || !same_currency(v, w->e) || !digits_match(v, q, exact_len)) continue;
        if (only_fitting && !fits(relate(w, v))) continue;
        if (ev_add(w, i, exact_len ? NUM_EDITED : NUM_NOPREFIX)) added = true;
    }
    return added;
}

static void add_digits(struct work *w, const char *key, size_t len)
{
    char d[MAX_KEY];
    size_t dl = norm_digits(key, len, d, sizeof d);
    if (dl < 3 || dl >= sizeof d) return;
    size_t cl = dl;
    (void)digits_core(d, &cl);
    if (!(w->ix->digit_lens & len_bit(dl)) && !(w->ix->core_lens & len_bit(cl))) return;
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
    char key[MAX_KEY], refs[4][MAX_KEY]; /* digits of customer refs: not invoice numbers */
    size_t nrefs = 0;
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
            bool ref = (w->ix->ref_lens & len_bit(len)) && lookup_ref(w, key, len);
            if (!digit) continue;
            if (ref && nrefs < OWED_ARRAY_LEN(refs)) {
                (void)norm_digits(key, len, refs[nrefs++], sizeof refs[0]);
            }
            if (w->ix->key_lens & len_bit(len)) lookup_number(w, key, len);
            add_digits(w, key, len);
        }
    }
    for (size_t k = 0; k < w->ndigits; k++) {
        bool is_ref = false;
        for (size_t r = 0; r < nrefs && !is_ref; r++) is_ref = strcmp(refs[r], w->digits[k]) == 0;
        if (is_ref) {
            memmove(w->digits[k], w->digits[k + 1], (w->ndigits - k - 1) * sizeof w->digits[0]);
            w->ndigits--;
            k--;
            continue;
        }
        struct digits_query q;
        if (!digits_query(&q, w->digits[k], strlen(w->digits[k]))) continue;
        lookup_digits(w, &q, mm_first(&w->ix->digits, q.h), false, false);
    }
}

/* One wrong digit or two adjacent digits swapped, only where the amount then fits. */
static bool scan_edits(struct work *w)
{
    enum { VMAX = 12 * 10 };
    const struct mmap *m = &w->ix->digits;
    bool added = false;
    for (size_t k = 0; k < w->ndigits; k++) {
        size_t len = strlen(w->digits[k]);
        if (len < 4 || len > 12 || !(w->ix->digit_lens & len_bit(len))) continue;
        /* All variants first, prefetching their slots, then the lookups: the misses on a
         * large index overlap instead of queueing. */
        char var[VMAX][16];
        struct digits_query q[VMAX];
        uint32_t head[VMAX];
        size_t nv = 0;
        for (size_t p = 0; p < len; p++) {
            for (char c = '0'; c <= '9'; c++) {
                if (c == w->digits[k][p]) continue;
                memcpy(var[nv], w->digits[k], len + 1);
                var[nv][p] = c;
                if (digits_query(&q[nv], var[nv], len)) nv++;
            }
            if (p + 1 < len && w->digits[k][p] != w->digits[k][p + 1]) {
                memcpy(var[nv], w->digits[k], len + 1);
                var[nv][p] = w->digits[k][p + 1];
                var[nv][p + 1] = w->digits[k][p];
                if (digits_query(&q[nv], var[nv], len)) nv++;
            }
        }
        for (size_t v = 0; v < nv; v++) __builtin_prefetch(&m->slots[q[v].h & (m->cap - 1)]);
        for (size_t v = 0; v < nv; v++) {
            head[v] = mm_first(m, q[v].h);
            if (head[v] != NONE) __builtin_prefetch(&m->nodes[head[v]]);
        }
        for (size_t v = 0; v < nv; v++) {
            if (head[v] != NONE) __builtin_prefetch(&w->ix->inv[m->nodes[head[v]].val]);
        }
        for (size_t v = 0; v < nv; v++) {
            if (head[v] != NONE) added |= lookup_digits(w, &q[v], head[v], true, true);
        }
    }
    return added;
}

/* Customers learned from earlier confirmations: the payer's account, then its name. */
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
}

/* Customers whose name is the payer's: after the learned keys and the references in the
 * text, so that a common name cannot crowd those out of the customer list. */
static void scan_names(struct work *w)
{
    const struct owed_match_index *ix = w->ix;
    char key[256];
    owed_match_normalize_name(w->e->counterparty_name, key, sizeof key);
    size_t len = strlen(key);
    if (!len) return;
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

/* Whether the text names, by its number (exact, without prefix or with one edit), an
 * invoice of customer cust that is not among inv[0..n): then the amount alone must not
 * decide against the reference. */
static bool contradicted(const struct work *w, uint32_t cust, const uint32_t *inv, size_t n)
{
    for (size_t k = 0; k < w->nev; k++) {
        const struct ev *ev = &w->ev[k];
        if (ev->num == NUM_NONE || w->ix->inv[ev->inv].cust != cust) continue;
        bool in = false;
        for (size_t j = 0; j < n && !in; j++) in = inv[j] == ev->inv;
        if (!in) return true;
    }
    return false;
}

/* Score of a single invoice found by its number, by enum rel. 0 = not worth suggesting. */
static int score_number(uint8_t num, enum rel r)
{
    static const int exact[] = { 100, 98, 95, 70, 60 };
    static const int noprefix[] = { 95, 93, 86, 55, 45 };
    static const int edited[] = { 92, 90, 86, 45, 0 };
    return num == NUM_EXACT ? exact[r] : num == NUM_NOPREFIX ? noprefix[r] : edited[r];
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
    if (!ev->num && score > 70 && contradicted(w, v->cust, &ev->inv, 1)) score = 70;
    struct owed_match_candidate k = { 0 };
    k.customer_id = w->ix->cust[v->cust].id;
    k.nlines = 1;
    k.lines[0].invoice_id = v->id;
    k.lines[0].apply_minor = w->amount;
    if (ev->num == NUM_EXACT) reasons |= OWED_MATCH_NUMBER_EXACT;
    if (ev->num == NUM_EDITED || ev->num == NUM_NOPREFIX) reasons |= OWED_MATCH_NUMBER_FUZZY;
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
    if (w->amount > INT64_MAX / (2 * SUM_ITEMS_MAX)) return; /* sums could overflow */
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
        if (ev && (ev->num == NUM_EDITED || ev->num == NUM_NOPREFIX)) {
            reasons |= OWED_MATCH_NUMBER_FUZZY;
        }
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
/*
 * A sum found this way is only as good as it is unlikely to be a coincidence: with S
 * subsets tried and sums spread over about the credit's amount A (in minor units), about
 * S / A subsets hit A by chance. Above 1/200 the unique subset is only a suggestion, and so
 * it is when the text names another invoice of the customer by its exact number. */
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
        long before = w->budget;
        sum_run(w, &s, w->o->max_sum_size);
        long tried = before - w->budget;
        for (size_t m = 0; m < s.nsol; m++) {
            int score = s.nsol == 1 ? (c->strong ? 90 : 75) : (c->strong ? 60 : 50);
            uint32_t inv[OWED_MATCH_MAX_INVOICES];
            for (size_t j = 0; j < s.sol_k[m]; j++) inv[j] = s.it[s.sol_i[m][j]].inv;
            if (score > 75 && ((int64_t)tried * 200 > w->amount ||
                               contradicted(w, c->cust, inv, s.sol_k[m]))) {
                score = 75;
            }
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

/* A candidate scoring at least min that could be posted without a person, ignoring the
 * runner-up. */
static bool explained(const struct work *w, int min)
{
    for (size_t k = 0; k < w->ncand; k++) {
        const struct owed_match_candidate *c = &w->cand[k];
        if (c->score < min || c->nlines == 0) continue;
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

#define CONFLICT_CAP 85

/* Whether an invoice named exactly, which the credit nearly pays (short by at most 5%,
 * beyond any tolerance), and another found by an edited number that the amount fits
 * compete: a short payment of the named invoice, or a typo that hit a real number. */
static bool edit_conflict(struct work *w)
{
    for (size_t a = 0; a < w->nev; a++) {
        if (w->ev[a].num != NUM_EXACT) continue;
        const struct inv *v = &w->ix->inv[w->ev[a].inv];
        if (relate(w, v) != REL_PARTIAL || (v->open - w->amount) * 20 > v->open) continue;
        for (size_t b = 0; b < w->nev; b++)
            if (w->ev[b].num == NUM_EDITED && w->ev[b].inv != w->ev[a].inv) return true;
    }
    return false;
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
    scan_names(&w);
    scan_amount(&w);
    scan_customers(&w);
    build(&w);
    /* Edited numbers unless the exact number and the exact (or discounted) amount agree:
     * in a dense numbering a typo is often another invoice's number, whose amount may be
     * within the tolerance by chance, and the edit then finds the real invoice to compete. */
    if (!explained(&w, EXPLAINED_EXACT) && scan_edits(&w)) {
        build(&w);
        /* Either reading could be meant: neither is posted without a person. */
        if (edit_conflict(&w))
            for (size_t k = 0; k < w.ncand; k++)
                if (w.cand[k].score > CONFLICT_CAP) w.cand[k].score = CONFLICT_CAP;
    }
    if (!explained(&w, o->auto_threshold)) customer_sums(&w);
    customer_only(&w);

    qsort(w.cand, w.ncand, sizeof w.cand[0], cmp_cand);
    size_t m = w.ncand < max ? w.ncand : max;
    if (m) memcpy(out, w.cand, m * sizeof *out);
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
