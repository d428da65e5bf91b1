/* Settlement of one invoice by one payment (see settle.h). */
#include "core/settle.h"

#include <string.h>

#include "base.h"
#include "owed/money.h"

/* One part: "1.00" or "0.5%". */
static int tolerance_part(const char *s, size_t n, int exponent, struct owed_tolerance *out)
{
    if (n == 0) return OWED_E_PARSE;
    if (s[n - 1] == '%') {
        /* A percentage with up to 4 decimals is an integer count of ppm / 100. */
        int64_t hundredths_bp;
        if (owed_amount_parse(s, n - 1, 4, &hundredths_bp) || hundredths_bp < 0 ||
            hundredths_bp >= 100 * 10000)
            return OWED_E_PARSE;
        out->ppm = hundredths_bp; /* 1% = 10000 ppm = "1.0000" at exponent 4 */
        return OWED_OK;
    }
    /* Zeros past the currency's exponent say nothing: "5.00" is 5 yen. */
    char tmp[32];
    if (n >= sizeof tmp) return OWED_E_PARSE;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    const char *dot = memchr(tmp, '.', n);
    while (dot && n > (size_t)(dot - tmp) + 1 + (size_t)exponent && tmp[n - 1] == '0') tmp[--n] = '\0';
    if (dot && n == (size_t)(dot - tmp) + 1) tmp[--n] = '\0';
    int64_t abs;
    if (owed_amount_parse(tmp, n, exponent, &abs) || abs < 0) return OWED_E_PARSE;
    out->abs_minor = abs;
    return OWED_OK;
}

int owed_tolerance_parse(const char *s, int exponent, struct owed_tolerance *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(s);
    if (n == 0) return OWED_OK;
    const char *comma = memchr(s, ',', n);
    if (!comma) return tolerance_part(s, n, exponent, out);
    /* "5.00,0.1%": an amount and a share, in either order, the larger applies. */
    struct owed_tolerance a = {0, 0}, b = {0, 0};
    if (tolerance_part(s, (size_t)(comma - s), exponent, &a) ||
        tolerance_part(comma + 1, n - (size_t)(comma - s) - 1, exponent, &b) ||
        (a.ppm != 0) == (b.ppm != 0) || (a.abs_minor && b.abs_minor))
        return OWED_E_PARSE;
    out->abs_minor = a.abs_minor + b.abs_minor;
    out->ppm = a.ppm + b.ppm;
    return OWED_OK;
}

int64_t owed_tolerance_for(const struct owed_tolerance *t, int64_t open_minor)
{
    int64_t share = 0;
    if (t->ppm > 0 && open_minor > 0 &&
        owed_muldiv_half_even(open_minor, t->ppm, 1000000, &share) != OWED_OK)
        share = 0;
    return share > t->abs_minor ? share : t->abs_minor;
}

int64_t owed_discount_for(const struct owed_terms *terms, owed_date issue_date,
                          int64_t amount_minor, owed_date pay_date)
{
    owed_date last;
    int bp;
    if (!terms || !owed_terms_discount_window(terms, issue_date, &last, &bp)) return 0;
    if (pay_date > last || pay_date < issue_date) return 0;
    int64_t d;
    if (owed_muldiv_half_even(amount_minor, bp, 10000, &d) != OWED_OK) return 0;
    return d;
}

void owed_settle(int64_t open_minor, int64_t amount_minor, const struct owed_terms *terms,
                 owed_date issue_date, owed_date pay_date, int64_t offered_minor,
                 const struct owed_tolerance *tol, struct owed_settlement *out)
{
    memset(out, 0, sizeof *out);
    OWED_ASSERT(offered_minor > 0 && open_minor > 0);
    if (offered_minor >= open_minor) {
        out->apply_minor = open_minor;
        return;
    }
    out->apply_minor = offered_minor;
    int64_t short_by = open_minor - offered_minor;
    int64_t discount =
        open_minor == amount_minor ? owed_discount_for(terms, issue_date, amount_minor, pay_date)
                                   : 0;
    if (discount > 0 && short_by <= discount) {
        out->discount_minor = short_by;
        return;
    }
    if (tol && short_by <= owed_tolerance_for(tol, open_minor)) out->writeoff_minor = short_by;
}
