/* Late-payment charges on overdue invoices, as dunning steps levy them: fixed fees, the
 * statutory compensation of the EU Late Payment Directive and of the UK Late Payment Act,
 * and simple daily interest open × rate × days / 365 from a table of rates by period.
 * Pure; integer only. docs/latefees.md explains the schemes and the rate tables. */
#ifndef OWED_CORE_LATEFEE_H
#define OWED_CORE_LATEFEE_H

#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"

/* Stored as integers: never renumber. */
enum owed_fee_scheme {
    OWED_FEE_UNKNOWN = -1, /* only from owed_fee_scheme_parse() */
    OWED_FEE_NONE = 0,
    OWED_FEE_FIXED = 1, /* an amount (fee) or annual rate (interest) set by the policy */
    OWED_FEE_EU = 2,    /* Directive 2011/7/EU: ECB MRO + 8 points, 40 EUR */
    OWED_FEE_UK = 3,    /* Late Payment of Commercial Debts (Interest) Act 1998 */
};
/* "none" "fixed" "eu" "uk"; "unknown" for anything else. */
const char *owed_fee_scheme_name(enum owed_fee_scheme s);
/* The exact names above; OWED_FEE_UNKNOWN otherwise (NONE is a real value, so 0 cannot
 * mean "unknown" here). */
enum owed_fee_scheme owed_fee_scheme_parse(const char *s);

/* Both statutory schemes add 8 percentage points to their reference rate. */
#define OWED_STATUTORY_ADD_BP 800
/* A period's rate_bp meaning "no rate known from this date": a day in it is refused. */
#define OWED_RATE_NONE INT32_MIN

/* A rate in basis points (1/100 %) from `from` until the day before the next period's
 * `from`; the last period has no end. */
struct owed_rate_period {
    owed_date from;
    int32_t rate_bp;
};

/* The built-in half-year reference rates (eu: ECB main refinancing rate on 1 January /
 * 1 July; uk: Bank of England Bank Rate on 31 December / 30 June for the half-year that
 * follows), one row per half-year from 2012-H1, sorted, with *n set. The last row is
 * {first unpublished half-year, OWED_RATE_NONE}, so interest past the end of the data is
 * refused rather than computed at a stale rate: the tables (src/core/latefee_rates.inc)
 * must be extended every half-year. NULL with *n = 0 for other schemes. */
const struct owed_rate_period *owed_reference_rates(enum owed_fee_scheme s, size_t *n);
/* The reference rate of `day` for eu or uk. OWED_E_INVALID for another scheme or a day
 * outside the table's data. */
int owed_reference_rate_on(enum owed_fee_scheme s, owed_date day, int32_t *rate_bp);

/* Simple interest on open_minor from `from` (exclusive: the first day of interest is
 * from + 1) to `to` (inclusive). Each day accrues open × (rate of that day's period +
 * add_bp) / 10000 / 365, 365 also in leap years; a day whose total rate is below zero
 * accrues nothing. The days are summed exactly (128-bit numerator) and rounded half away
 * from zero once, at the end (commercial rounding, as asked for late charges; DESIGN.md
 * names half-even for computed amounts: see docs/latefees.md). open_minor <= 0 gives 0.
 * Precedence: OWED_E_INVALID (tbl empty or not strictly sorted, to < from, a day before
 * the first period or in an OWED_RATE_NONE period), then OWED_E_OVERFLOW (result beyond
 * int64). *out_minor is set on success only. */
int owed_interest(int64_t open_minor, const struct owed_rate_period *tbl, size_t n,
                  int32_t add_bp, owed_date from, owed_date to, int64_t *out_minor);

/* Statutory fixed compensation for one late invoice of amount_minor in `currency`
 * (`exponent`: its ISO 4217 exponent). eu: 40.00 EUR; uk: 40.00 GBP under 1,000.00,
 * 70.00 GBP under 10,000.00, else 100.00 GBP. none: 0. amount_minor <= 0 gives 0.
 * Precedence: OWED_E_INVALID (fixed or unknown scheme), OWED_E_CURRENCY (eu other than
 * "EUR", uk other than "GBP"), OWED_E_INVALID (exponent not the currency's). */
int owed_statutory_fee(enum owed_fee_scheme s, int64_t amount_minor, const char *currency,
                       int exponent, int64_t *out_minor);

/* A dunning step's charges, as written in a policy file. */
struct owed_step_charges {
    enum owed_fee_scheme fee;      /* NONE, FIXED, EU or UK */
    int64_t fee_hundredths;        /* FIXED: in hundredths of a major unit, 4000 = 40.00 */
    enum owed_fee_scheme interest; /* NONE, FIXED, EU or UK */
    int32_t interest_bp;           /* FIXED: annual rate, 850 = 8.5% */
};

#define OWED_FEE_FIXED_MAX_HUNDREDTHS 100000000 /* 1,000,000.00 */
#define OWED_INTEREST_FIXED_MAX_BP 10000        /* 100% a year */

/* fee: "none" | "eu" | "uk" | an amount in the invoice currency with at most 2 decimals,
 * above 0 and at most 1000000.00 ("40", "40.00"). interest: "none" | "eu" | "uk" | an
 * annual rate with at most 2 decimals, above 0% and at most 100% ("8.5%"). Keywords are
 * case-insensitive; NULL means "none"; no blanks. OWED_E_PARSE with the reason, prefixed
 * "fee: " or "interest: ", appended to err (the fee is checked first); *out is set on
 * success only. */
int owed_step_charges_parse(const char *fee, const char *interest,
                            struct owed_step_charges *out, struct owed_buf *err);

/* The fee a step charges on an invoice of amount_minor in currency/exponent: 0 for none,
 * the fixed amount converted to minor units (OWED_E_CURRENCY if it has more decimals than
 * the currency, e.g. "40.50" for JPY), or owed_statutory_fee() for eu and uk. 0 when
 * amount_minor <= 0. OWED_E_INVALID when exponent is not the currency's. */
int owed_step_fee(const struct owed_step_charges *c, int64_t amount_minor, const char *currency,
                  int exponent, int64_t *out_minor);

/* The interest a step charges on open_minor for the days from + 1 .. to of an invoice due
 * on due_date (interest runs from due_date + 1, so from >= due_date, else OWED_E_INVALID):
 *   none:  0;
 *   fixed: interest_bp for every day;
 *   eu:    each half-year at its own ECB rate + 8 (the rate resets on 1 January/1 July);
 *          every day must be inside the table's data;
 *   uk:    one rate for the life of the debt: the Bank Rate of the half-year in which
 *          interest started to run (due_date + 1) + 8 (SI 2002/1675 art. 4); only that
 *          half-year must be inside the table's data.
 * Otherwise as owed_interest(). Writes no error text: the caller names the invoice. */
int owed_step_interest(const struct owed_step_charges *c, int64_t open_minor,
                       owed_date due_date, owed_date from, owed_date to, int64_t *out_minor);

#endif
