/* Cash application steps for other use cases (bank statements) that run them inside their
 * own transaction. Same messages and checks as the public calls in app.h. */
#ifndef OWED_APP_CASH_INT_H
#define OWED_APP_CASH_INT_H

#include "app/app.h"

/* Inserts and posts a payment of any kind (sets p->id). OWED_E_EXISTS if the ref is taken. */
int owed__cash_record(struct owed_store *s, int64_t org, struct owed_payment *p,
                      struct owed_buf *out, struct owed_buf *err);
/* Applies apply_minor of p to the invoice, with a discount and a small difference written
 * off as given (from core/match.c). */
int owed__cash_apply_line(struct owed_store *s, int64_t org, const struct owed_payment *p,
                          int64_t invoice_id, int64_t apply_minor, int64_t discount_minor,
                          int64_t writeoff_minor, struct owed_buf *out, struct owed_buf *err);
/* owed_apply for a payment already loaded (p->allocated_minor, outflow_minor current). */
int owed__cash_apply(struct owed_store *s, int64_t org, struct owed_payment *p,
                     enum owed_apply_rule rule, const struct owed_apply_target *targets,
                     size_t ntargets, struct owed_buf *out, struct owed_buf *err);

#endif
