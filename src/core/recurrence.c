/* Recurring schedules: parsing, canonical text, the date of period k and the number of
 * periods due by a day (see recurrence.h).
 *
 * Grammar (case-insensitive; blanks around and between words ignored):
 *   daily | weekly | monthly | quarterly | yearly
 *   every <N> (day|days|month|months)        N: 1-9 decimal digits, then a range check
 *
 * Period dates never go past 9999-12-31, so every product below is bounded before it is
 * taken: k is compared with the room left before that date divided by `every`. */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "recurrence.h"

#define MAX_WORDS 3
#define N_DIGITS_MAX 9 /* fits an int: the range check comes after */

static const struct {
    const char *name;
    enum owed_recur_unit unit;
    int every;
} named[] = {
    {"daily", OWED_RECUR_DAYS, 1},     {"weekly", OWED_RECUR_DAYS, 7},
    {"monthly", OWED_RECUR_MONTHS, 1}, {"quarterly", OWED_RECUR_MONTHS, 3},
    {"yearly", OWED_RECUR_MONTHS, 12},
};

static const char accepted[] =
    "expected daily, weekly, monthly, quarterly, yearly, every N days or every N months";

/* --- parsing -------------------------------------------------------------------------- */

struct word {
    const char *p;
    size_t n;
};

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* w equals `lit` (lower case) ignoring case. */
static bool word_is(struct word w, const char *lit)
{
    if (strlen(lit) != w.n) return false;
    for (size_t i = 0; i < w.n; i++) {
        if (lower(w.p[i]) != lit[i]) return false;
    }
    return true;
}

/* Splits s at blanks into at most MAX_WORDS words; returns the number of words, or
 * MAX_WORDS + 1 when there are more. */
static size_t split_words(const char *s, struct word w[MAX_WORDS])
{
    size_t nw = 0;
    while (*s) {
        while (is_blank(*s)) s++;
        if (!*s) break;
        const char *b = s;
        while (*s && !is_blank(*s)) s++;
        if (nw == MAX_WORDS) return MAX_WORDS + 1;
        w[nw++] = (struct word){b, (size_t)(s - b)};
    }
    return nw;
}

/* The decimal number in w (digits only), or -1. */
static int word_number(struct word w)
{
    if (w.n == 0 || w.n > N_DIGITS_MAX) return -1;
    int v = 0;
    for (size_t i = 0; i < w.n; i++) {
        if (w.p[i] < '0' || w.p[i] > '9') return -1;
        v = v * 10 + (w.p[i] - '0');
    }
    return v;
}

static int refuse(struct owed_buf *err, const char *why)
{
    if (err) owed_buf_addf(err, "recurrence: %s", why);
    return OWED_E_INVALID;
}

int owed_recurrence_parse(const char *text, struct owed_recurrence *r, struct owed_buf *err)
{
    OWED_ASSERT(text && r);
    struct word w[MAX_WORDS];
    size_t nw = split_words(text, w);
    if (nw == 1) {
        for (size_t i = 0; i < OWED_ARRAY_LEN(named); i++) {
            if (word_is(w[0], named[i].name)) {
                r->unit = named[i].unit;
                r->every = named[i].every;
                return OWED_OK;
            }
        }
        return refuse(err, accepted);
    }
    if (nw != 3 || !word_is(w[0], "every")) return refuse(err, accepted);
    enum owed_recur_unit unit;
    int max;
    if (word_is(w[2], "day") || word_is(w[2], "days")) {
        unit = OWED_RECUR_DAYS;
        max = OWED_RECUR_EVERY_MAX_DAYS;
    } else if (word_is(w[2], "month") || word_is(w[2], "months")) {
        unit = OWED_RECUR_MONTHS;
        max = OWED_RECUR_EVERY_MAX_MONTHS;
    } else {
        return refuse(err, accepted);
    }
    int n = word_number(w[1]);
    if (n < 0) return refuse(err, accepted);
    if (n < 1 || n > max) {
        if (err) {
            owed_buf_addf(err, "recurrence: every N %s takes N from 1 to %d",
                          unit == OWED_RECUR_DAYS ? "days" : "months", max);
        }
        return OWED_E_INVALID;
    }
    r->unit = unit;
    r->every = n;
    return OWED_OK;
}

static void check_schedule(const struct owed_recurrence *r)
{
    OWED_ASSERT(r);
    OWED_ASSERT(r->unit == OWED_RECUR_DAYS || r->unit == OWED_RECUR_MONTHS);
    OWED_ASSERT(r->every >= 1 && r->count >= 0);
    OWED_ASSERT(r->start >= owed_date_from_ymd(OWED_DATE_MIN_YEAR, 1, 1) &&
                r->start <= owed_date_from_ymd(OWED_DATE_MAX_YEAR, 12, 31));
}

void owed_recurrence_text(const struct owed_recurrence *r, char *out, size_t outsz)
{
    OWED_ASSERT(r && out && outsz > 0);
    OWED_ASSERT(r->unit == OWED_RECUR_DAYS || r->unit == OWED_RECUR_MONTHS);
    OWED_ASSERT(r->every >= 1);
    for (size_t i = 0; i < OWED_ARRAY_LEN(named); i++) {
        if (named[i].unit == r->unit && named[i].every == r->every) {
            snprintf(out, outsz, "%s", named[i].name);
            return;
        }
    }
    snprintf(out, outsz, "every %d %s", r->every,
             r->unit == OWED_RECUR_DAYS ? "days" : "months");
}

/* --- dates ---------------------------------------------------------------------------- */

/* Date of period k ignoring count and end; false past 9999-12-31. */
static bool nth(const struct owed_recurrence *r, int64_t k, owed_date *out)
{
    if (k < 0) return false;
    if (r->unit == OWED_RECUR_DAYS) {
        int64_t room = (int64_t)owed_date_from_ymd(OWED_DATE_MAX_YEAR, 12, 31) - r->start;
        if (k > room / r->every) return false;
        *out = (owed_date)(r->start + k * r->every);
        return true;
    }
    int y, m, d;
    owed_date_to_ymd(r->start, &y, &m, &d);
    int64_t first = (int64_t)y * 12 + (m - 1);
    int64_t room = (int64_t)OWED_DATE_MAX_YEAR * 12 + 11 - first;
    if (k > room / r->every) return false;
    int64_t idx = first + k * r->every;
    int ty = (int)(idx / 12), tm = (int)(idx % 12) + 1;
    int md = owed_month_days(ty, tm);
    *out = owed_date_from_ymd(ty, tm, d < md ? d : md);
    return true;
}

bool owed_recurrence_date(const struct owed_recurrence *r, int64_t k, owed_date *out)
{
    check_schedule(r);
    OWED_ASSERT(out);
    owed_date day;
    if (k < 0 || (r->count > 0 && k >= r->count) || !nth(r, k, &day)) return false;
    if (r->end != 0 && day > r->end) return false;
    *out = day;
    return true;
}

int64_t owed_recurrence_due(const struct owed_recurrence *r, owed_date day)
{
    check_schedule(r);
    owed_date limit = day, last = owed_date_from_ymd(OWED_DATE_MAX_YEAR, 12, 31);
    if (r->end != 0 && r->end < limit) limit = r->end;
    if (limit > last) limit = last;
    if (limit < r->start) return 0;
    int64_t n;
    if (r->unit == OWED_RECUR_DAYS) {
        n = ((int64_t)limit - r->start) / r->every + 1;
    } else {
        /* Period q is the last one whose month is not after limit's; it is due unless
         * its day of month is later than limit's. */
        int sy, sm, ly, lm, unused;
        owed_date_to_ymd(r->start, &sy, &sm, &unused);
        owed_date_to_ymd(limit, &ly, &lm, &unused);
        int64_t q = (((int64_t)ly * 12 + lm) - ((int64_t)sy * 12 + sm)) / r->every;
        owed_date dq = 0;
        bool exists = nth(r, q, &dq); /* limit is at most 9999-12-31 */
        OWED_ASSERT(exists);
        n = dq <= limit ? q + 1 : q;
    }
    if (r->count > 0 && n > r->count) n = r->count;
    /* Paired with owed_recurrence_date(): periods 0..n-1 are on or before day, n is not. */
    owed_date check;
    OWED_ASSERT(n == 0 || (owed_recurrence_date(r, n - 1, &check) && check <= day));
    OWED_ASSERT(!owed_recurrence_date(r, n, &check) || check > day);
    return n;
}
