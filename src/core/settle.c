/* Settlement of one invoice by one payment (see settle.h). */
#include "core/settle.h"

#include <string.h>

#include "base.h"
#include "owed/money.h"

int owed_tolerance_parse(const char *s, int exponent, struct owed_tolerance *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(s);
    if (n == 0) return OWED_OK;
    if (s[n - 1] == '%') {
        /* A percentage with up to 4 decimals is an integer count of ppm / 100. */
        int64_t hundredths_bp;
        if (owed_amount_parse(s, n - 1, 4, &hundredths_bp) || hundredths_bp < 0 ||
            hundredths_bp >= 100 * 10000)
            return OWED_E_PARSE;
        out->ppm = hundredths_bp; /* 1% = 10000 ppm = "1.0000" at exponent 4 */
        return OWED_OK;
    }
    int64_t abs;
    if (owed_amount_parse(s, n, exponent, &abs) || abs < 0) return OWED_E_PARSE;
    out->abs_minor = abs;
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
