/* Totals of an invoice document as EN 16931 defines them (see invoice_doc.h). */
#include "core/invoice_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void owed_doc_free(struct owed_doc *d)
{
    free(d->lines);
    free(d->adjust);
    d->lines = NULL;
    d->adjust = NULL;
    d->n_lines = 0;
    d->n_adjust = 0;
}

/* Arrays grow one element at a time: documents have tens of lines, not millions, and a
 * capacity field would have to live in the shared struct. */
struct owed_doc_line *owed_doc_add_line(struct owed_doc *d)
{
    d->lines = owed_xrealloc(d->lines, (d->n_lines + 1) * sizeof(*d->lines));
    struct owed_doc_line *l = &d->lines[d->n_lines++];
    memset(l, 0, sizeof(*l));
    return l;
}

struct owed_doc_adjust *owed_doc_add_adjust(struct owed_doc *d)
{
    d->adjust = owed_xrealloc(d->adjust, (d->n_adjust + 1) * sizeof(*d->adjust));
    struct owed_doc_adjust *a = &d->adjust[d->n_adjust++];
    memset(a, 0, sizeof(*a));
    return a;
}

bool owed_tax_category_valid(const char *code)
{
    static const char *const codes[] = {"S", "Z", "E", "AE", "K", "G", "O", "L", "M"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(codes); i++)
        if (strcmp(code, codes[i]) == 0) return true;
    return false;
}

/* Categories that carry no VAT: their rate must be 0 (BR-Z-05, BR-E-05, BR-AE-05, ...). */
static bool category_zero_rated(const char *code)
{
    return strcmp(code, "Z") == 0 || strcmp(code, "E") == 0 || strcmp(code, "AE") == 0 ||
           strcmp(code, "K") == 0 || strcmp(code, "G") == 0 || strcmp(code, "O") == 0;
}

/* num / den rounded half away from zero; den > 0. false when it leaves int64. */
static bool div_round(__int128 num, __int128 den, int64_t *out)
{
    __int128 q = num / den, r = num % den;
    if (r < 0) r = -r;
    if (2 * r >= den) q += num < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN) return false;
    *out = (int64_t)q;
    return true;
}

static int check_category(const char *what, size_t no, const char *cat, int32_t rate,
                          struct owed_buf *err)
{
    if (!owed_tax_category_valid(cat)) {
        owed_buf_addf(err, "%s %zu: tax_category: \"%s\" is not a VAT category code "
                           "(S, Z, E, AE, K, G, O, L, M)", what, no, cat);
        return OWED_E_INVALID;
    }
    if (rate < 0 || rate > 10000) {
        owed_buf_addf(err, "%s %zu: tax_rate: must be between 0 and 100", what, no);
        return OWED_E_INVALID;
    }
    if (category_zero_rated(cat) && rate != 0) {
        owed_buf_addf(err, "%s %zu: tax_rate: category %s carries no VAT: the rate must be 0",
                      what, no, cat);
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

/* The breakdown group of (cat, rate), added when new. NULL when the table is full. */
static struct owed_doc_tax *group_of(struct owed_doc *d, const char *cat, int32_t rate)
{
    for (size_t i = 0; i < d->n_tax; i++)
        if (strcmp(d->tax[i].category, cat) == 0 && d->tax[i].rate_e2 == rate)
            return &d->tax[i];
    if (d->n_tax == OWED_DOC_MAX_TAX) return NULL;
    struct owed_doc_tax *t = &d->tax[d->n_tax++];
    memset(t, 0, sizeof(*t));
    snprintf(t->category, sizeof(t->category), "%s", cat);
    t->rate_e2 = rate;
    return t;
}

static int add_to(int64_t *sum, int64_t v, struct owed_buf *err)
{
    if (owed_i64_add(*sum, v, sum)) {
        owed_buf_adds(err, "totals: amount out of range");
        return OWED_E_OVERFLOW;
    }
    return OWED_OK;
}

int owed_doc_compute(struct owed_doc *d, int exponent, struct owed_buf *err)
{
    OWED_ASSERT(exponent >= 0 && exponent <= 4);
    /* Exemption reasons were given per group; keep them across the recomputation. */
    struct owed_doc_tax old[OWED_DOC_MAX_TAX];
    size_t n_old = d->n_tax;
    memcpy(old, d->tax, sizeof(old));
    d->n_tax = 0;

    struct owed_doc_totals t = {.prepaid = d->totals.prepaid, .rounding = d->totals.rounding};
    int rc;
    for (size_t i = 0; i < d->n_lines; i++) {
        struct owed_doc_line *l = &d->lines[i];
        if ((rc = check_category("line", i + 1, l->tax_category, l->tax_rate_e2, err)))
            return rc;
        if (l->discount_minor < 0 || l->charge_minor < 0) {
            owed_buf_addf(err, "line %zu: %s: must not be negative", i + 1,
                          l->discount_minor < 0 ? "discount" : "charge");
            return OWED_E_INVALID;
        }
        int64_t gross;
        /* qty × 10^3 times price × 10^4 (in minor units): divide by 10^7. */
        if (!div_round((__int128)l->qty_e3 * l->price_e4, 10000000, &gross) ||
            owed_i64_sub(gross, l->discount_minor, &l->net_minor) ||
            owed_i64_add(l->net_minor, l->charge_minor, &l->net_minor)) {
            owed_buf_addf(err, "line %zu: amount out of range", i + 1);
            return OWED_E_OVERFLOW;
        }
        if ((rc = add_to(&t.line_net, l->net_minor, err))) return rc;
        struct owed_doc_tax *g = group_of(d, l->tax_category, l->tax_rate_e2);
        if (!g) goto too_many;
        if ((rc = add_to(&g->taxable_minor, l->net_minor, err))) return rc;
    }
    for (size_t i = 0; i < d->n_adjust; i++) {
        const struct owed_doc_adjust *a = &d->adjust[i];
        const char *what = a->charge ? "charge" : "allowance";
        if ((rc = check_category(what, i + 1, a->tax_category, a->tax_rate_e2, err))) return rc;
        if (a->amount_minor < 0) {
            owed_buf_addf(err, "%s %zu: amount: must not be negative", what, i + 1);
            return OWED_E_INVALID;
        }
        if ((rc = add_to(a->charge ? &t.charges : &t.allowances, a->amount_minor, err)))
            return rc;
        struct owed_doc_tax *g = group_of(d, a->tax_category, a->tax_rate_e2);
        if (!g) goto too_many;
        if ((rc = add_to(&g->taxable_minor, a->charge ? a->amount_minor : -a->amount_minor,
                         err)))
            return rc;
    }
    for (size_t i = 0; i < d->n_tax; i++) {
        struct owed_doc_tax *g = &d->tax[i];
        /* taxable × rate%: rate is in hundredths of a percent. Rounded once per group. */
        if (!div_round((__int128)g->taxable_minor * g->rate_e2, 10000, &g->tax_minor)) {
            owed_buf_adds(err, "totals: amount out of range");
            return OWED_E_OVERFLOW;
        }
        if ((rc = add_to(&t.tax, g->tax_minor, err))) return rc;
        for (size_t j = 0; j < n_old; j++)
            if (strcmp(old[j].category, g->category) == 0 && old[j].rate_e2 == g->rate_e2)
                memcpy(g->exemption_reason, old[j].exemption_reason,
                       sizeof(g->exemption_reason));
    }
    t.tax_exclusive = t.line_net;
    if ((rc = add_to(&t.tax_exclusive, -t.allowances, err)) ||
        (rc = add_to(&t.tax_exclusive, t.charges, err)))
        return rc;
    t.tax_inclusive = t.tax_exclusive;
    if ((rc = add_to(&t.tax_inclusive, t.tax, err))) return rc;
    t.payable = t.tax_inclusive;
    if ((rc = add_to(&t.payable, -t.prepaid, err)) || (rc = add_to(&t.payable, t.rounding, err)))
        return rc;
    d->totals = t;
    return OWED_OK;

too_many:
    owed_buf_addf(err, "tax: more than %d VAT groups (category and rate)", OWED_DOC_MAX_TAX);
    return OWED_E_INVALID;
}
