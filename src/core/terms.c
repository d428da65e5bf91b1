/* Payment terms: parsing, canonical spelling, due date and discount window.
 *
 * Grammar (case-insensitive, no leading or trailing blanks):
 *   DUE
 *   NET[ ]<n>
 *   EOM[ ]<n>
 *   <p>/<d> NET[ ]<n>      p: 1-2 integer digits, optional '.' and 1-2 decimals
 * where [ ] is one optional space and n, d are 1..4 digits in 0..OWED_TERMS_MAX_DAYS. */
#include <string.h>

#include "base.h"
#include "terms.h"

struct cursor {
    const char *p, *end;
};

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Consumes `word` (lower case) case-insensitively. */
static bool eat_word(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n) return false;
    for (size_t i = 0; i < n; i++)
        if (lower(c->p[i]) != word[i]) return false;
    c->p += n;
    return true;
}

static bool eat_char(struct cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* 1..4 digits, value 0..OWED_TERMS_MAX_DAYS. */
static bool eat_days(struct cursor *c, int *out)
{
    int v = 0, n = 0;
    while (c->p < c->end && is_digit(*c->p)) {
        if (++n > 4) return false;
        v = v * 10 + (*c->p - '0');
        c->p++;
    }
    if (n == 0 || v > OWED_TERMS_MAX_DAYS) return false;
    *out = v;
    return true;
}

/* Percent with at most two decimals, as basis points; 0 < p < 100. */
static bool eat_percent_bp(struct cursor *c, int *bp)
{
    int whole = 0, n = 0;
    while (c->p < c->end && is_digit(*c->p)) {
        if (++n > 2) return false;
        whole = whole * 10 + (*c->p - '0');
        c->p++;
    }
    if (n == 0) return false;
    int frac = 0;
    if (eat_char(c, '.')) {
        int k = 0;
        while (c->p < c->end && is_digit(*c->p)) {
            if (++k > 2) return false;
            frac = frac * 10 + (*c->p - '0');
            c->p++;
        }
        if (k == 0) return false;
        if (k == 1) frac *= 10;
    }
    int v = whole * 100 + frac;
    if (v <= 0 || v >= 10000) return false;
    *bp = v;
    return true;
}

/* "NET 30" / "EOM30": keyword already consumed; one optional space, then days, then end. */
static bool eat_tail_days(struct cursor *c, int *days)
{
    eat_char(c, ' ');
    return eat_days(c, days) && c->p == c->end;
}

/* The detail is the reason only: callers already quote the input they passed. */
static int fail(struct owed_buf *err, const char *why)
{
    if (err) owed_buf_adds(err, why);
    return OWED_E_PARSE;
}

int owed_terms_parse(const char *s, size_t len, struct owed_terms *out, struct owed_buf *err)
{
    static const char *expect = "expected NET<n>, DUE, <p>/<d> NET<n> or EOM<n>";
    if (!s || len == 0) return fail(err, "empty");
    struct cursor c = {s, s + len};
    struct owed_terms t = {0};

    if (eat_word(&c, "due")) {
        if (c.p != c.end) return fail(err, expect);
        t.kind = OWED_TERMS_DUE;
    } else if (eat_word(&c, "net")) {
        if (!eat_tail_days(&c, &t.days)) return fail(err, "expected NET<n> with n in 0..3660");
        t.kind = OWED_TERMS_NET;
    } else if (eat_word(&c, "eom")) {
        if (!eat_tail_days(&c, &t.days)) return fail(err, "expected EOM<n> with n in 0..3660");
        t.kind = OWED_TERMS_EOM;
    } else if (c.p < c.end && is_digit(*c.p)) {
        if (!eat_percent_bp(&c, &t.discount_bp))
            return fail(err, "discount percent must be above 0 and below 100, with at most "
                             "two decimals");
        if (!eat_char(&c, '/') || !eat_days(&c, &t.discount_days))
            return fail(err, "discount days must follow '/' and be 0..3660");
        if (!eat_char(&c, ' ') || !eat_word(&c, "net") || !eat_tail_days(&c, &t.days))
            return fail(err, "expected \" NET<n>\" (n in 0..3660) after the discount");
        if (t.discount_days > t.days) return fail(err, "discount days exceed the net days");
        t.kind = OWED_TERMS_DISCOUNT;
    } else {
        return fail(err, expect);
    }
    *out = t;
    return OWED_OK;
}

void owed_terms_format(const struct owed_terms *t, struct owed_buf *b)
{
    switch (t->kind) {
    case OWED_TERMS_NET:
        owed_buf_addf(b, "NET%d", t->days);
        return;
    case OWED_TERMS_DUE:
        owed_buf_adds(b, "DUE");
        return;
    case OWED_TERMS_EOM:
        owed_buf_addf(b, "EOM%d", t->days);
        return;
    case OWED_TERMS_DISCOUNT: {
        int whole = t->discount_bp / 100, frac = t->discount_bp % 100;
        if (frac == 0) {
            owed_buf_addf(b, "%d", whole);
        } else if (frac % 10 == 0) {
            owed_buf_addf(b, "%d.%d", whole, frac / 10);
        } else {
            owed_buf_addf(b, "%d.%02d", whole, frac);
        }
        owed_buf_addf(b, "/%d NET%d", t->discount_days, t->days);
        return;
    }
    }
    OWED_UNREACHABLE("terms kind");
}

owed_date owed_terms_due_date(const struct owed_terms *t, owed_date issue)
{
    switch (t->kind) {
    case OWED_TERMS_NET:
    case OWED_TERMS_DISCOUNT:
        return issue + t->days;
    case OWED_TERMS_DUE:
        return issue;
    case OWED_TERMS_EOM:
        return owed_date_month_end(issue) + t->days;
    }
    OWED_UNREACHABLE("terms kind");
    return issue;
}

bool owed_terms_discount_window(const struct owed_terms *t, owed_date issue, owed_date *last_day,
                                int *discount_bp)
{
    if (t->kind != OWED_TERMS_DISCOUNT) return false;
    if (last_day) *last_day = issue + t->discount_days;
    if (discount_bp) *discount_bp = t->discount_bp;
    return true;
}
