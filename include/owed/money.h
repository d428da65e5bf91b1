/* Money: int64 minor units plus an ISO 4217 code; the exponent comes from the ISO table.
 * Never floating point. Every operation checks overflow and returns OWED_E_OVERFLOW. */
#ifndef OWED_MONEY_H
#define OWED_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/export.h"

struct owed_money {
    int64_t minor;       /* 12345 == 123.45 at exponent 2 */
    char currency[4];    /* ISO 4217, NUL-terminated */
};

/* Looks up a current ISO 4217 code; returns its exponent (0..4) or -1 if unknown. */
OWED_EXTERN int owed_currency_exponent(const char *code);
OWED_EXTERN bool owed_currency_valid(const char *code);
/* Number of known currencies, and the i-th code (sorted), for tests and listings. */
OWED_EXTERN size_t owed_currency_count(void);
OWED_EXTERN const char *owed_currency_code(size_t i, int *exponent);

/* Parses a decimal string in major units ("1234.56", "-0.5", "12") straight into minor
 * units at `exponent`. Strict: no exponent notation, no thousands separators, no spaces,
 * no more fraction digits than the exponent allows. OWED_E_PARSE or OWED_E_OVERFLOW. */
OWED_EXTERN int owed_amount_parse(const char *s, size_t len, int exponent, int64_t *out);

/* Appends the plain decimal form ("1234.50", JPY "1234", KWD "12.345"). With `group`
 * set, thousands are separated by commas ("1,234.50"). */
OWED_EXTERN void owed_amount_format(struct owed_buf *b, int64_t minor, int exponent, bool group);

/* Overflow-checked arithmetic (git st_add, TigerBeetle overflows_*). */
OWED_EXTERN int owed_i64_add(int64_t a, int64_t b, int64_t *out);
OWED_EXTERN int owed_i64_sub(int64_t a, int64_t b, int64_t *out);
OWED_EXTERN int owed_i64_mul(int64_t a, int64_t b, int64_t *out);
/* Same currency only (OWED_E_CURRENCY otherwise). */
OWED_EXTERN int owed_money_add(struct owed_money a, struct owed_money b, struct owed_money *out);
OWED_EXTERN int owed_money_sub(struct owed_money a, struct owed_money b, struct owed_money *out);

/* num / den rounded half to even; den != 0. Used once, at the end, for computed amounts
 * (fees, interest, discounts) and fixed-point ratios. */
OWED_EXTERN int owed_div_round_half_even(int64_t num, int64_t den, int64_t *out);
/* (a * b) / den, half-even, with a 128-bit intermediate so the product cannot overflow. */
OWED_EXTERN int owed_muldiv_half_even(int64_t a, int64_t b, int64_t den, int64_t *out);

#endif
