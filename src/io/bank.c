/* The bank statement model: builders, format detection, dispatch, amounts and entry keys.
 * The parsers themselves live in bank_camt.c, bank_ofx.c, bank_bai2.c, bank_mt940.c and
 * bank_csv.c. */
#include "io/bank.h"

#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "owed/error.h"
#include "owed/money.h"

static char empty_string[] = "";

static void entry_init(struct owed_bank_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->booking_date = OWED_BANK_NO_DATE;
    e->value_date = OWED_BANK_NO_DATE;
    e->entry_ref = empty_string;
    e->end_to_end = empty_string;
    e->remittance = empty_string;
    e->counterparty_name = empty_string;
    e->counterparty_account = empty_string;
    e->bank_code = empty_string;
}

static void str_free(char *s)
{
    if (s != empty_string)
        free(s);
}

void owed_bank_file_init(struct owed_bank_file *f)
{
    memset(f, 0, sizeof(*f));
}

void owed_bank_file_free(struct owed_bank_file *f)
{
    for (size_t i = 0; i < f->nstmts; i++) {
        struct owed_bank_statement *s = &f->stmts[i];
        for (size_t j = 0; j < s->nentries; j++) {
            struct owed_bank_entry *e = &s->entries[j];
            str_free(e->entry_ref);
            str_free(e->end_to_end);
            str_free(e->remittance);
            str_free(e->counterparty_name);
            str_free(e->counterparty_account);
            str_free(e->bank_code);
        }
        free(s->entries);
        str_free(s->account);
        str_free(s->statement_id);
    }
    free(f->stmts);
    owed_bank_file_init(f);
}

struct owed_bank_statement *owed_bank_statement_add(struct owed_bank_file *f)
{
    OWED_ALLOC_GROW(f->stmts, f->nstmts + 1, f->cap);
    struct owed_bank_statement *s = &f->stmts[f->nstmts++];
    memset(s, 0, sizeof(*s));
    s->account = empty_string;
    s->statement_id = empty_string;
    s->date = OWED_BANK_NO_DATE;
    s->opening.date = OWED_BANK_NO_DATE;
    s->closing.date = OWED_BANK_NO_DATE;
    return s;
}

struct owed_bank_entry *owed_bank_entry_add(struct owed_bank_statement *s)
{
    OWED_ALLOC_GROW(s->entries, s->nentries + 1, s->cap);
    struct owed_bank_entry *e = &s->entries[s->nentries++];
    entry_init(e);
    return e;
}

void owed_bank_set(char **dst, const char *src, size_t n)
{
    char *p = owed_xmalloc(n + 1);
    memcpy(p, src, n);
    p[n] = '\0';
    str_free(*dst);
    *dst = p;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void owed_bank_append(char **dst, const char *src, size_t n)
{
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_adds(&b, *dst);
    bool pending_space = b.len > 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space(src[i])) {
            pending_space = b.len > 0;
            continue;
        }
        if (pending_space)
            owed_buf_addc(&b, ' ');
        pending_space = false;
        owed_buf_addc(&b, src[i]);
    }
    OWED_ASSERT(owed_buf_err(&b) == 0); /* a remittance text is never near 1 GiB */
    str_free(*dst);
    *dst = owed_buf_detach(&b, NULL);
}

int owed_bank_amount(const char *s, size_t n, const char *currency, int64_t *out)
{
    int exp = 2;
    if (currency && currency[0]) {
        exp = owed_currency_exponent(currency);
        if (exp < 0)
            return OWED_E_CURRENCY;
    }
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return OWED_E_PARSE;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    /* A decimal comma, as MT940 and many European CSVs write it. */
    char *comma = strchr(tmp, ',');
    if (comma) {
        if (strchr(tmp, '.') || strchr(comma + 1, ','))
            return OWED_E_PARSE;
        *comma = '.';
    }
    /* "12," and "12." mean 12. */
    if (n > 1 && tmp[n - 1] == '.')
        tmp[--n] = '\0';
    /* Trailing zeros past the exponent ("1.500" in EUR) are harmless; drop them. */
    char *dot = strchr(tmp, '.');
    if (dot) {
        size_t frac = strlen(dot + 1);
        while (frac > (size_t)exp && tmp[n - 1] == '0') {
            tmp[--n] = '\0';
            frac--;
        }
        if (frac == 0)
            tmp[--n] = '\0';
    }
    return owed_amount_parse(tmp, n, exp, out);
}

/* FNV-1a over the fields that tell two reference-less entries apart. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h ^ 0x1f; /* field separator */
}

void owed_bank_entry_key(const struct owed_bank_statement *s, const struct owed_bank_entry *e,
                         int occurrence, struct owed_buf *out)
{
    owed_date d = e->booking_date != OWED_BANK_NO_DATE ? e->booking_date : e->value_date;
    owed_buf_adds(out, s->account);
    owed_buf_addc(out, '|');
    owed_buf_adds(out, e->entry_ref[0] ? e->entry_ref : "~");
    owed_buf_addc(out, '|');
    if (d != OWED_BANK_NO_DATE)
        owed_date_add_to_buf(out, d);
    owed_buf_addf(out, "|%c|%s%lld", e->credit ? 'C' : 'D', e->currency,
                  (long long)e->amount_minor);
    if (e->entry_ref[0])
        return;
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, e->remittance);
    h = fnv1a(h, e->counterparty_name);
    h = fnv1a(h, e->counterparty_account);
    h = fnv1a(h, e->end_to_end);
    owed_buf_addf(out, "|%016llx#%d", (unsigned long long)h, occurrence);
}

static const char *skip_bom_space(const char *p, const char *end)
{
    if (end - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    while (p < end && is_space(*p))
        p++;
    return p;
}

static bool contains(const char *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle)) != NULL;
}

enum owed_bank_format owed_bank_detect(const char *data, size_t len)
{
    const char *end = data + len;
    const char *p = skip_bom_space(data, end);
    size_t n = (size_t)(end - p);
    size_t head = n < 4096 ? n : 4096;
    if (n >= 10 && memcmp(p, "OFXHEADER:", 10) == 0)
        return OWED_BANK_OFX;
    if (n > 0 && p[0] == '<') {
        if (contains(p, head, "<OFX>") || contains(p, head, "<?OFX") ||
            contains(p, head, "<OFX "))
            return OWED_BANK_OFX;
        if (contains(p, head, "BkToCstmrStmt"))
            return OWED_BANK_CAMT053;
        if (contains(p, head, "BkToCstmrDbtCdtNtfctn"))
            return OWED_BANK_CAMT054;
        if (contains(p, head, "BkToCstmrAcctRpt"))
            return OWED_BANK_CAMT052;
        return OWED_BANK_UNKNOWN;
    }
    if (n >= 3 && memcmp(p, "01,", 3) == 0)
        return OWED_BANK_BAI2;
    if ((n >= 3 && memcmp(p, "{1:", 3) == 0) || (n >= 4 && memcmp(p, ":20:", 4) == 0) ||
        (n >= 5 && p[0] == ':' && contains(p, head, "\n:20:")) ||
        (contains(p, head, ":20:") && contains(p, head, ":25:") && contains(p, head, ":60")))
        return OWED_BANK_MT940;
    const char *nl = memchr(p, '\n', head);
    size_t first = nl ? (size_t)(nl - p) : head;
    if (memchr(p, ',', first) || memchr(p, ';', first) || memchr(p, '\t', first))
        return OWED_BANK_CSV;
    return OWED_BANK_UNKNOWN;
}

const char *owed_bank_format_name(enum owed_bank_format f)
{
    switch (f) {
    case OWED_BANK_CAMT053: return "camt.053";
    case OWED_BANK_CAMT054: return "camt.054";
    case OWED_BANK_CAMT052: return "camt.052";
    case OWED_BANK_BAI2: return "bai2";
    case OWED_BANK_MT940: return "mt940";
    case OWED_BANK_OFX: return "ofx";
    case OWED_BANK_CSV: return "csv";
    case OWED_BANK_UNKNOWN: break;
    }
    return "unknown";
}

const struct owed_bank_csv_map owed_bank_csv_owed_map = {
    .account = "account",
    .statement_id = "statement_id",
    .entry_ref = "entry_ref",
    .booking_date = "booking_date",
    .value_date = "value_date",
    .amount = "amount",
    .currency = "currency",
    .end_to_end = "end_to_end",
    .counterparty_name = "counterparty_name",
    .counterparty_account = "counterparty_account",
    .remittance = "remittance",
};

int owed_bank_parse(const char *data, size_t len, const struct owed_bank_csv_map *map,
                    struct owed_bank_file *out, struct owed_buf *err)
{
    switch (owed_bank_detect(data, len)) {
    case OWED_BANK_CAMT053:
    case OWED_BANK_CAMT054:
    case OWED_BANK_CAMT052: return owed_bank_parse_camt(data, len, out, err);
    case OWED_BANK_OFX: return owed_bank_parse_ofx(data, len, out, err);
    case OWED_BANK_BAI2: return owed_bank_parse_bai2(data, len, out, err);
    case OWED_BANK_MT940: return owed_bank_parse_mt940(data, len, out, err);
    case OWED_BANK_CSV:
        return owed_bank_parse_csv(data, len, map ? map : &owed_bank_csv_owed_map, out, err);
    case OWED_BANK_UNKNOWN: break;
    }
    owed_buf_adds(err, "1: not a bank statement format owed reads (camt.053/054/052, BAI2, "
                       "MT940, OFX or CSV)");
    return OWED_E_PARSE;
}
