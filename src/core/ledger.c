/* Posting rules (DESIGN.md "Ledger"): each business event becomes one balanced journal
 * entry. Debits are positive, credits negative. */
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "model.h"

static bool currency_shaped(const char *c)
{
    if (!c || strlen(c) != 3) return false;
    for (int i = 0; i < 3; i++)
        if (c[i] < 'A' || c[i] > 'Z') return false;
    return true;
}

/* One debit and one credit of the same amount. */
static int two_lines(enum owed_entry_kind kind, int64_t source_id, int64_t customer_id,
                     const char *currency, owed_date date, enum owed_account debit,
                     enum owed_account credit, int64_t amount_minor, struct owed_entry *e)
{
    /* amount > 0 also makes -amount representable. */
    if (amount_minor <= 0 || !currency_shaped(currency)) return OWED_E_INVALID;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->source_id = source_id;
    e->customer_id = customer_id;
    memcpy(e->currency, currency, 4);
    e->date = date;
    e->nlines = 2;
    e->lines[0] = (struct owed_entry_line){debit, amount_minor};
    e->lines[1] = (struct owed_entry_line){credit, -amount_minor};
    OWED_ASSERT(owed_entry_balanced(e));
    return OWED_OK;
}

int owed_ledger_invoice(int64_t invoice_id, int64_t customer_id, const char *currency,
                        owed_date issue_date, int64_t amount_minor, struct owed_entry *e)
{
    return two_lines(OWED_ENTRY_INVOICE, invoice_id, customer_id, currency, issue_date,
                     OWED_ACC_AR, OWED_ACC_REVENUE, amount_minor, e);
}

int owed_ledger_payment(int64_t payment_id, int64_t customer_id, const char *currency,
                        owed_date received_date, int64_t amount_minor, struct owed_entry *e)
{
    return two_lines(OWED_ENTRY_PAYMENT, payment_id, customer_id, currency, received_date,
                     OWED_ACC_CASH, OWED_ACC_UNAPPLIED, amount_minor, e);
}

int owed_ledger_allocation(int64_t allocation_id, int64_t customer_id, const char *currency,
                           owed_date date, int64_t amount_minor, struct owed_entry *e)
{
    return two_lines(OWED_ENTRY_ALLOCATION, allocation_id, customer_id, currency, date,
                     OWED_ACC_UNAPPLIED, OWED_ACC_AR, amount_minor, e);
}

int owed_ledger_fee(int64_t invoice_id, int64_t customer_id, const char *currency,
                    owed_date date, int64_t amount_minor, struct owed_entry *e)
{
    return two_lines(OWED_ENTRY_FEE, invoice_id, customer_id, currency, date, OWED_ACC_AR,
                     OWED_ACC_FEE_INCOME, amount_minor, e);
}

/* The account on the other side of unapplied for each kind of payment. */
static bool contra_account(int payment_kind, enum owed_account *out)
{
    switch (payment_kind) {
    case OWED_PAYMENT_CASH: *out = OWED_ACC_CASH; return true;
    case OWED_PAYMENT_CREDIT_NOTE: *out = OWED_ACC_REVENUE; return true;
    case OWED_PAYMENT_DISCOUNT: *out = OWED_ACC_DISCOUNTS; return true;
    case OWED_PAYMENT_WRITE_OFF: *out = OWED_ACC_BAD_DEBT; return true;
    case OWED_PAYMENT_SMALL_DIFF: *out = OWED_ACC_SMALL_DIFF; return true;
    }
    return false;
}

int owed_ledger_credit(int payment_kind, int64_t payment_id, int64_t customer_id,
                       const char *currency, owed_date date, int64_t amount_minor,
                       struct owed_entry *e)
{
    enum owed_account debit;
    if (payment_kind == OWED_PAYMENT_CASH || !contra_account(payment_kind, &debit))
        return OWED_E_INVALID;
    return two_lines(OWED_ENTRY_CREDIT, payment_id, customer_id, currency, date, debit,
                     OWED_ACC_UNAPPLIED, amount_minor, e);
}

int owed_ledger_unapply(int64_t allocation_id, int64_t customer_id, const char *currency,
                        owed_date date, int64_t amount_minor, struct owed_entry *e)
{
    return two_lines(OWED_ENTRY_UNAPPLY, allocation_id, customer_id, currency, date, OWED_ACC_AR,
                     OWED_ACC_UNAPPLIED, amount_minor, e);
}

int owed_ledger_outflow(int outflow_kind, int payment_kind, int64_t outflow_id,
                        int64_t customer_id, const char *currency, owed_date date,
                        int64_t amount_minor, struct owed_entry *e)
{
    enum owed_account credit;
    if ((outflow_kind != OWED_OUTFLOW_REFUND && outflow_kind != OWED_OUTFLOW_REVERSAL) ||
        !contra_account(payment_kind, &credit))
        return OWED_E_INVALID;
    return two_lines(outflow_kind == OWED_OUTFLOW_REFUND ? OWED_ENTRY_REFUND : OWED_ENTRY_REVERSAL,
                     outflow_id, customer_id, currency, date, OWED_ACC_UNAPPLIED, credit,
                     amount_minor, e);
}

bool owed_entry_balanced(const struct owed_entry *e)
{
    if (!e || e->nlines == 0 || e->nlines > OWED_ENTRY_MAX_LINES) return false;
    int64_t sum = 0;
    for (size_t i = 0; i < e->nlines; i++) {
        if (e->lines[i].amount_minor == 0) return false;
        if (owed_i64_add(sum, e->lines[i].amount_minor, &sum) != OWED_OK) return false;
    }
    return sum == 0;
}

const char *owed_account_name(enum owed_account a)
{
    switch (a) {
    case OWED_ACC_AR:
        return "ar";
    case OWED_ACC_REVENUE:
        return "revenue";
    case OWED_ACC_CASH:
        return "cash";
    case OWED_ACC_UNAPPLIED:
        return "unapplied";
    case OWED_ACC_DISCOUNTS:
        return "discounts";
    case OWED_ACC_BAD_DEBT:
        return "bad_debt";
    case OWED_ACC_FEE_INCOME:
        return "fee_income";
    case OWED_ACC_SMALL_DIFF:
        return "small_differences";
    }
    return "unknown";
}
