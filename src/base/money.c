#include <stdlib.h>
#include <string.h>

#include "base.h"

struct currency {
    char code[4];
    int numeric;
    int exponent;
};

static const struct currency currencies[] = {
#include "iso4217_table.inc"
};

static int cmp_code(const void *key, const void *elem)
{
    return strcmp(key, ((const struct currency *)elem)->code);
}

int owed_currency_exponent(const char *code)
{
    if (!code || strlen(code) != 3) return -1;
    const struct currency *c =
        bsearch(code, currencies, OWED_ARRAY_LEN(currencies), sizeof currencies[0], cmp_code);
    return c ? c->exponent : -1;
}

bool owed_currency_valid(const char *code) { return owed_currency_exponent(code) >= 0; }

size_t owed_currency_count(void) { return OWED_ARRAY_LEN(currencies); }

const char *owed_currency_code(size_t i, int *exponent)
{
    if (i >= OWED_ARRAY_LEN(currencies)) return NULL;
    if (exponent) *exponent = currencies[i].exponent;
    return currencies[i].code;
}

int owed_i64_add(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_add_overflow(a, b, out) ? OWED_E_OVERFLOW : OWED_OK;
}

int owed_i64_sub(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_sub_overflow(a, b, out) ? OWED_E_OVERFLOW : OWED_OK;
}

int owed_i64_mul(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_mul_overflow(a, b, out) ? OWED_E_OVERFLOW : OWED_OK;
}

int owed_money_add(struct owed_money a, struct owed_money b, struct owed_money *out)
{
    if (strcmp(a.currency, b.currency) != 0) return OWED_E_CURRENCY;
    struct owed_money r = a;
    int rc = owed_i64_add(a.minor, b.minor, &r.minor);
    if (rc == OWED_OK) *out = r;
    return rc;
}

int owed_money_sub(struct owed_money a, struct owed_money b, struct owed_money *out)
{
    if (strcmp(a.currency, b.currency) != 0) return OWED_E_CURRENCY;
    struct owed_money r = a;
    int rc = owed_i64_sub(a.minor, b.minor, &r.minor);
    if (rc == OWED_OK) *out = r;
    return rc;
}

int owed_amount_parse(const char *s, size_t len, int exponent, int64_t *out)
{
    if (!s || len == 0 || exponent < 0 || exponent > 18) return OWED_E_PARSE;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    /* Accumulate negatively so that INT64_MIN parses without overflow. */
    int64_t v = 0;
    size_t int_digits = 0, frac_digits = 0;
    bool dot = false;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (dot) return OWED_E_PARSE;
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') return OWED_E_PARSE;
        if (dot) {
            if (++frac_digits > (size_t)exponent) return OWED_E_PARSE;
        } else {
            int_digits++;
        }
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_sub_overflow(v, c - '0', &v))
            return OWED_E_OVERFLOW;
    }
    if (int_digits == 0 || (dot && frac_digits == 0)) return OWED_E_PARSE;
    for (size_t k = frac_digits; k < (size_t)exponent; k++)
        if (__builtin_mul_overflow(v, 10, &v)) return OWED_E_OVERFLOW;
    if (!neg && __builtin_mul_overflow(v, -1, &v)) return OWED_E_OVERFLOW;
    *out = v;
    return OWED_OK;
}

size_t owed__amount_write(char out[OWED__AMOUNT_MAX], int64_t minor, int exponent, bool group)
{
    /* Work on the magnitude as unsigned so INT64_MIN formats too. */
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    while (n <= exponent) digits[n++] = '0';
    int o = 0;
    if (minor < 0) out[o++] = '-';
    for (int k = n - 1; k >= exponent; k--) {
        out[o++] = digits[k];
        int left = k - exponent; /* integer digits still to write */
        if (group && left > 0 && left % 3 == 0) out[o++] = ',';
    }
    if (exponent > 0) {
        out[o++] = '.';
        for (int k = exponent - 1; k >= 0; k--) out[o++] = digits[k];
    }
    return (size_t)o;
}

void owed_amount_format(struct owed_buf *b, int64_t minor, int exponent, bool group)
{
    char out[OWED__AMOUNT_MAX];
    owed_buf_add(b, out, owed__amount_write(out, minor, exponent, group));
}

int owed_div_round_half_even(int64_t num, int64_t den, int64_t *out)
{
    return owed_muldiv_half_even(num, 1, den, out);
}

int owed_muldiv_half_even(int64_t a, int64_t b, int64_t den, int64_t *out)
{
    if (den == 0) return OWED_E_INVALID;
    __int128 n = (__int128)a * b, d = den;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    __int128 q = n / d, r = n % d; /* truncates toward zero */
    __int128 r2 = (r < 0 ? -r : r) * 2;
    if (r2 > d || (r2 == d && (q % 2 != 0))) q += (n < 0) ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN) return OWED_E_OVERFLOW;
    *out = (int64_t)q;
    return OWED_OK;
}
