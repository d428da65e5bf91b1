/* Late-payment fees and interest (see latefee.h and docs/latefees.md). */
#include "core/latefee.h"

#include <string.h>

#include "base.h"
#include "owed/money.h"

#include "core/latefee_rates.inc"

static const char *const scheme_names[] = {
    [OWED_FEE_NONE] = "none",
    [OWED_FEE_FIXED] = "fixed",
    [OWED_FEE_EU] = "eu",
    [OWED_FEE_UK] = "uk",
};

const char *owed_fee_scheme_name(enum owed_fee_scheme s)
{
    return s >= 0 && (size_t)s < OWED_ARRAY_LEN(scheme_names) ? scheme_names[s] : "unknown";
}

enum owed_fee_scheme owed_fee_scheme_parse(const char *s)
{
    for (size_t i = 0; s && i < OWED_ARRAY_LEN(scheme_names); i++)
        if (strcmp(s, scheme_names[i]) == 0) return (enum owed_fee_scheme)i;
    return OWED_FEE_UNKNOWN;
}

const struct owed_rate_period *owed_reference_rates(enum owed_fee_scheme s, size_t *n)
{
    OWED_ASSERT(n != NULL);
    switch (s) {
    case OWED_FEE_EU:
        *n = OWED_ARRAY_LEN(ecb_mro_rates);
        return ecb_mro_rates;
    case OWED_FEE_UK:
        *n = OWED_ARRAY_LEN(boe_bank_rates);
        return boe_bank_rates;
    default:
        *n = 0;
        return NULL;
    }
}

int owed_reference_rate_on(enum owed_fee_scheme s, owed_date day, int32_t *rate_bp)
{
    OWED_ASSERT(rate_bp != NULL);
    size_t n;
    const struct owed_rate_period *t = owed_reference_rates(s, &n);
    if (!t || day < t[0].from) return OWED_E_INVALID;
    size_t i = n - 1;
    while (t[i].from > day) i--; /* stops at 0: t[0].from <= day */
    if (t[i].rate_bp == OWED_RATE_NONE) return OWED_E_INVALID;
    *rate_bp = t[i].rate_bp;
    return OWED_OK;
}

/* num / den rounded half away from zero; den > 0. */
static __int128 div_round_half_away(__int128 num, __int128 den)
{
    __int128 mag = num < 0 ? -num : num;
    __int128 q = (mag + den / 2) / den; /* den is even here, so den / 2 is the exact half */
    return num < 0 ? -q : q;
}

#define DAYS_PER_YEAR 365
#define BP_PER_UNIT 10000

int owed_interest(int64_t open_minor, const struct owed_rate_period *tbl, size_t n,
                  int32_t add_bp, owed_date from, owed_date to, int64_t *out_minor)
{
    OWED_ASSERT(out_minor != NULL);
    if (!tbl || n == 0 || to < from) return OWED_E_INVALID;
    for (size_t i = 1; i < n; i++)
        if (tbl[i].from <= tbl[i - 1].from) return OWED_E_INVALID;
    /* Days first..last, in 64 bits so that from + 1 cannot wrap. */
    int64_t first = (int64_t)from + 1, last = to;
    if (first <= last && first < tbl[0].from) return OWED_E_INVALID;
    int64_t open = open_minor > 0 ? open_minor : 0;
    /* open < 2^63, rate < 2^32 and at most 2^32 - 1 days in all, so num < 2^127 even at
     * the extremes of every argument, with room to spare for the rounding. */
    __int128 num = 0;
    for (size_t i = 0; i < n && first <= last; i++) {
        int64_t lo = tbl[i].from > first ? tbl[i].from : first;
        int64_t hi = i + 1 < n ? (int64_t)tbl[i + 1].from - 1 : INT64_MAX;
        if (hi > last) hi = last;
        if (lo > hi) continue;
        if (tbl[i].rate_bp == OWED_RATE_NONE) return OWED_E_INVALID;
        int64_t rate = (int64_t)tbl[i].rate_bp + add_bp;
        if (rate > 0) num += (__int128)open * rate * (hi - lo + 1);
    }
    __int128 q = div_round_half_away(num, (__int128)BP_PER_UNIT * DAYS_PER_YEAR);
    if (q > INT64_MAX) return OWED_E_OVERFLOW;
    *out_minor = (int64_t)q;
    return OWED_OK;
}

/* 10^e for 0 <= e <= 18. */
static int64_t pow10_i64(int e)
{
    int64_t p = 1;
    while (e-- > 0) p *= 10;
    return p;
}

/* The currency's own exponent, which the caller's must match. */
static bool exponent_matches(const char *currency, int exponent)
{
    return currency && exponent >= 0 && owed_currency_exponent(currency) == exponent;
}

int owed_statutory_fee(enum owed_fee_scheme s, int64_t amount_minor, const char *currency,
                       int exponent, int64_t *out_minor)
{
    OWED_ASSERT(out_minor != NULL);
    const char *want;
    switch (s) {
    case OWED_FEE_NONE:
        *out_minor = 0;
        return OWED_OK;
    case OWED_FEE_EU:
        want = "EUR";
        break;
    case OWED_FEE_UK:
        want = "GBP";
        break;
    default:
        return OWED_E_INVALID;
    }
    if (!currency || strcmp(currency, want) != 0) return OWED_E_CURRENCY;
    if (!exponent_matches(currency, exponent)) return OWED_E_INVALID;
    int64_t unit = pow10_i64(exponent); /* one major unit */
    int64_t major;
    if (amount_minor <= 0)
        major = 0;
    else if (s == OWED_FEE_EU)
        major = 40; /* Directive 2011/7/EU art. 6(1) */
    else if (amount_minor < 1000 * unit)
        major = 40; /* Late Payment Act s. 5A(2): less than 1,000 */
    else if (amount_minor < 10000 * unit)
        major = 70; /* 1,000 or more, less than 10,000 */
    else
        major = 100; /* 10,000 or more */
    *out_minor = major * unit;
    return OWED_OK;
}

/* ASCII case-insensitive equality with a lower-case keyword. */
static bool keyword_is(const char *s, const char *word)
{
    size_t i = 0;
    for (; s[i] && word[i]; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != word[i]) return false;
    }
    return s[i] == '\0' && word[i] == '\0';
}

/* "none" | "eu" | "uk" as a scheme; OWED_FEE_UNKNOWN for anything else. */
static enum owed_fee_scheme keyword_scheme(const char *s)
{
    if (!s || keyword_is(s, "none")) return OWED_FEE_NONE;
    if (keyword_is(s, "eu")) return OWED_FEE_EU;
    if (keyword_is(s, "uk")) return OWED_FEE_UK;
    return OWED_FEE_UNKNOWN;
}

static int parse_fail(struct owed_buf *err, const char *why)
{
    if (err) owed_buf_adds(err, why);
    return OWED_E_PARSE;
}

static bool starts_like_number(const char *s)
{
    return (s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.';
}

static int parse_fee(const char *s, struct owed_step_charges *c, struct owed_buf *err)
{
    c->fee = keyword_scheme(s);
    if (c->fee != OWED_FEE_UNKNOWN) return OWED_OK;
    if (!starts_like_number(s))
        return parse_fail(err, "fee: expected \"none\", \"eu\", \"uk\" or an amount such as "
                               "\"40.00\"");
    int64_t v;
    if (s[0] == '+' || owed_amount_parse(s, strlen(s), 2, &v) != OWED_OK || v <= 0 ||
        v > OWED_FEE_FIXED_MAX_HUNDREDTHS)
        return parse_fail(err, "fee: amount must be above 0 and at most 1000000.00, with at "
                               "most 2 decimals");
    c->fee = OWED_FEE_FIXED;
    c->fee_hundredths = v;
    return OWED_OK;
}

static int parse_interest(const char *s, struct owed_step_charges *c, struct owed_buf *err)
{
    c->interest = keyword_scheme(s);
    if (c->interest != OWED_FEE_UNKNOWN) return OWED_OK;
    size_t n = strlen(s);
    if (n == 0 || s[n - 1] != '%' || !starts_like_number(s))
        return parse_fail(err, "interest: expected \"none\", \"eu\", \"uk\" or an annual rate "
                               "such as \"8.5%\"");
    /* A percentage with at most 2 decimals is a whole number of basis points. */
    int64_t bp;
    if (s[0] == '+' || owed_amount_parse(s, n - 1, 2, &bp) != OWED_OK || bp <= 0 ||
        bp > OWED_INTEREST_FIXED_MAX_BP)
        return parse_fail(err, "interest: rate must be above 0% and at most 100%, with at "
                               "most 2 decimals");
    c->interest = OWED_FEE_FIXED;
    c->interest_bp = (int32_t)bp;
    return OWED_OK;
}

int owed_step_charges_parse(const char *fee, const char *interest,
                            struct owed_step_charges *out, struct owed_buf *err)
{
    OWED_ASSERT(out != NULL);
    struct owed_step_charges c;
    memset(&c, 0, sizeof c);
    int rc = parse_fee(fee, &c, err);
    if (rc == OWED_OK) rc = parse_interest(interest, &c, err);
    if (rc == OWED_OK) *out = c;
    return rc;
}

int owed_step_fee(const struct owed_step_charges *c, int64_t amount_minor, const char *currency,
                  int exponent, int64_t *out_minor)
{
    OWED_ASSERT(c != NULL && out_minor != NULL);
    if (c->fee != OWED_FEE_FIXED)
        return owed_statutory_fee(c->fee, amount_minor, currency, exponent, out_minor);
    if (!exponent_matches(currency, exponent)) return OWED_E_INVALID;
    if (c->fee_hundredths <= 0 || c->fee_hundredths > OWED_FEE_FIXED_MAX_HUNDREDTHS)
        return OWED_E_INVALID;
    if (amount_minor <= 0) {
        *out_minor = 0;
        return OWED_OK;
    }
    int64_t fee = c->fee_hundredths;
    if (exponent >= 2) {
        fee *= pow10_i64(exponent - 2); /* at most 10^8 * 10^2: no overflow */
    } else {
        int64_t d = pow10_i64(2 - exponent);
        if (fee % d != 0) return OWED_E_CURRENCY; /* "40.50" is no amount in yen */
        fee /= d;
    }
    *out_minor = fee;
    return OWED_OK;
}

int owed_step_interest(const struct owed_step_charges *c, int64_t open_minor,
                       owed_date due_date, owed_date from, owed_date to, int64_t *out_minor)
{
    OWED_ASSERT(c != NULL && out_minor != NULL);
    if (from < due_date || to < from) return OWED_E_INVALID;
    /* One period with no start date in practice: a rate for every day. */
    struct owed_rate_period flat = {INT32_MIN, 0};
    switch (c->interest) {
    case OWED_FEE_NONE:
        *out_minor = 0;
        return OWED_OK;
    case OWED_FEE_FIXED:
        if (c->interest_bp <= 0 || c->interest_bp > OWED_INTEREST_FIXED_MAX_BP)
            return OWED_E_INVALID;
        return owed_interest(open_minor, &flat, 1, c->interest_bp, from, to, out_minor);
    case OWED_FEE_EU: {
        size_t n;
        const struct owed_rate_period *t = owed_reference_rates(OWED_FEE_EU, &n);
        return owed_interest(open_minor, t, n, OWED_STATUTORY_ADD_BP, from, to, out_minor);
    }
    case OWED_FEE_UK: {
        /* The Bank Rate of the half-year in which interest started to run, for the life
         * of the debt: later half-years' rates do not matter, so only that one must be in
         * the table. */
        int32_t start_bp;
        if (due_date == INT32_MAX ||
            owed_reference_rate_on(OWED_FEE_UK, due_date + 1, &start_bp) != OWED_OK)
            return OWED_E_INVALID;
        return owed_interest(open_minor, &flat, 1, start_bp + OWED_STATUTORY_ADD_BP, from, to,
                             out_minor);
    }
    default:
        return OWED_E_INVALID;
    }
}
