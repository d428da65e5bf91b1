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

/* The public calls of app.h without their own transaction: for the CSV import of
 * movements, which runs a whole file in one. */
int owed__cash_pay_in(struct owed_store *s, int64_t org, const struct owed_pay_req *r,
                      struct owed_buf *out, struct owed_buf *err);
int owed__cash_apply_in(struct owed_store *s, int64_t org, const char *payment_ref,
                        enum owed_apply_rule rule, const struct owed_apply_target *targets,
                        size_t ntargets, struct owed_buf *out, struct owed_buf *err);
int owed__cash_unapply_in(struct owed_store *s, int64_t org, const char *payment_ref,
                          const char *invoice_number, owed_date date, struct owed_buf *out,
                          struct owed_buf *err);
int owed__cash_credit_note_in(struct owed_store *s, int64_t org, const char *number,
                              const char *customer_ref, const char *invoice_number,
                              const char *amount, owed_date date, const char *reason,
                              struct owed_buf *out, struct owed_buf *err);
int owed__cash_write_off_in(struct owed_store *s, int64_t org, const char *invoice_number,
                            const char *amount, owed_date date, const char *reason,
                            const char *ref, struct owed_buf *out, struct owed_buf *err);
int owed__cash_reverse_in(struct owed_store *s, int64_t org, const char *payment_ref,
                          owed_date date, const char *reason, const char *fee_amount,
                          struct owed_buf *out, struct owed_buf *err);
int owed__cash_refund_in(struct owed_store *s, int64_t org, const char *payment_ref,
                         const char *amount, owed_date date, const char *reason,
                         struct owed_buf *out, struct owed_buf *err);

/* owed__cash_pay_in and owed__cash_apply_in queueing their webhook events (payment.received,
 * payment.applied) in the caller's `ev`, so that a use case posting many payments loads
 * the subscribers once (app/events.h). The _in calls above queue them too, each with
 * subscribers of its own. */
struct owed_events;
int owed__cash_pay_ev(struct owed_store *s, int64_t org, const struct owed_pay_req *r,
                      struct owed_events *ev, struct owed_buf *out, struct owed_buf *err);
int owed__cash_apply_ev(struct owed_store *s, int64_t org, const char *payment_ref,
                        enum owed_apply_rule rule, const struct owed_apply_target *targets,
                        size_t ntargets, struct owed_events *ev, struct owed_buf *out,
                        struct owed_buf *err);

#endif
