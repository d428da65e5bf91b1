/* The fee and interest one firing charges (core/latefee.c computes; this picks the scheme).
 * A policy's "statutory" means the scheme of the invoice's currency: the EU directive for
 * EUR, the UK act for GBP, nothing for other currencies. Interest runs from the due date,
 * or from the last firing of this invoice that charged interest, to the run date. */
#include <string.h>

#include "app/dunning_int.h"
#include "base.h"
#include "core/latefee.h"

static const char *resolve(const char *text, const char *currency)
{
    if (strcmp(text, "statutory") != 0) return text[0] ? text : "none";
    if (!strcmp(currency, "EUR")) return "eu";
    if (!strcmp(currency, "GBP")) return "uk";
    return "none";
}

int owed__firing_charges(const struct owed__dunning *d, const struct owed__firing *f,
                         int64_t *fee_minor, int64_t *interest_minor, struct owed_buf *err)
{
    *fee_minor = *interest_minor = 0;
    if (f->installment) return OWED_OK; /* a plan's installments carry no charges */
    const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
    const struct owed_dunning_step *st = &d->policies.list[f->policy].steps[f->step];
    const char *cur = d->book.currencies[inv->currency];
    int exp = d->book.exponents[inv->currency];
    struct owed_step_charges c;
    int rc = owed_step_charges_parse(resolve(st->fee, cur), resolve(st->interest, cur), &c, err);
    if (!rc) rc = owed_step_fee(&c, inv->amount_minor, cur, exp, fee_minor);
    owed_date from = f->interest_from > inv->due_date ? f->interest_from : inv->due_date;
    if (!rc && c.interest != OWED_FEE_NONE && d->as_of > from)
        rc = owed_step_interest(&c, f->open, inv->due_date, from, d->as_of, interest_minor);
    if (rc == OWED_E_CURRENCY)
        /* owed_step_fee says nothing itself: "eu" asked of a USD invoice, "40.50" of yen. */
        owed_buf_addf(err, "fee \"%s\" cannot be charged in %s (eu is for EUR, uk for GBP; "
                           "\"statutory\" picks by currency)", st->fee, cur);
    else if (rc && (!err || !err->len))
        owed_buf_adds(err, owed_rc_message(rc));
    if (rc)
        owed_buf_addf(err, " (invoice %s, step %s)", inv->number ? inv->number : "?", st->name);
    return rc;
}
