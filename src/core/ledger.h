/* Posting rules: the double-entry journal entries for each business event (DESIGN.md
 * "Ledger"). Entries are built here, checked here, and only appended by the store. */
#ifndef OWED_CORE_LEDGER_H
#define OWED_CORE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/date.h"

/* Stored as integers: never renumber. */
enum owed_account {
    OWED_ACC_AR = 1,        /* accounts receivable (asset) */
    OWED_ACC_REVENUE = 2,   /* sales (income) */
    OWED_ACC_CASH = 3,      /* bank (asset) */
    OWED_ACC_UNAPPLIED = 4, /* cash received not yet applied to invoices (liability) */
    OWED_ACC_DISCOUNTS = 5,  /* early-payment discounts allowed (contra revenue) */
    OWED_ACC_BAD_DEBT = 6,   /* written off (expense) */
    OWED_ACC_FEE_INCOME = 7, /* fees charged to customers (income) */
    OWED_ACC_SMALL_DIFF = 8, /* short payments accepted within tolerance (expense) */
};

enum owed_entry_kind {
    OWED_ENTRY_INVOICE = 1,    /* Dr AR, Cr revenue */
    OWED_ENTRY_PAYMENT = 2,    /* Dr cash, Cr unapplied */
    OWED_ENTRY_ALLOCATION = 3, /* Dr unapplied, Cr AR */
    OWED_ENTRY_FEE = 4,        /* Dr AR, Cr fee income */
    OWED_ENTRY_CREDIT = 5,     /* non-cash credit: Dr revenue | discounts | bad debt | small
                                  differences, Cr unapplied; applied like cash */
    OWED_ENTRY_UNAPPLY = 6,    /* Dr AR, Cr unapplied: reverses an allocation */
    OWED_ENTRY_REFUND = 7,     /* Dr unapplied, Cr cash: a credit balance paid back */
    OWED_ENTRY_REVERSAL = 8,   /* Dr unapplied, Cr cash: a payment bounced or returned */
};

#define OWED_ENTRY_MAX_LINES 4

/* Debit positive, credit negative; an entry's lines sum to zero. */
struct owed_entry_line {
    enum owed_account account;
    int64_t amount_minor;
};

struct owed_entry {
    enum owed_entry_kind kind;
    int64_t source_id; /* invoice, payment or allocation id */
    int64_t customer_id;
    char currency[4];
    owed_date date;
    size_t nlines;
    struct owed_entry_line lines[OWED_ENTRY_MAX_LINES];
};

/* Each fills *e; amount must be > 0 (OWED_E_INVALID otherwise). */
int owed_ledger_invoice(int64_t invoice_id, int64_t customer_id, const char *currency,
                        owed_date issue_date, int64_t amount_minor, struct owed_entry *e);
int owed_ledger_payment(int64_t payment_id, int64_t customer_id, const char *currency,
                        owed_date received_date, int64_t amount_minor, struct owed_entry *e);
int owed_ledger_allocation(int64_t allocation_id, int64_t customer_id, const char *currency,
                           owed_date date, int64_t amount_minor, struct owed_entry *e);

int owed_ledger_fee(int64_t invoice_id, int64_t customer_id, const char *currency,
                    owed_date date, int64_t amount_minor, struct owed_entry *e);
/* payment_kind: enum owed_payment_kind other than cash (core/model.h). */
int owed_ledger_credit(int payment_kind, int64_t payment_id, int64_t customer_id,
                       const char *currency, owed_date date, int64_t amount_minor,
                       struct owed_entry *e);
int owed_ledger_unapply(int64_t allocation_id, int64_t customer_id, const char *currency,
                        owed_date date, int64_t amount_minor, struct owed_entry *e);
/* outflow_kind: enum owed_outflow_kind; payment_kind: of the payment it takes from. Cash
 * goes back out of the bank (Dr unapplied, Cr cash); a reversed non-cash credit goes back
 * to its own account (Dr unapplied, Cr revenue | discounts | bad debt | small diff). */
int owed_ledger_outflow(int outflow_kind, int payment_kind, int64_t outflow_id,
                        int64_t customer_id, const char *currency, owed_date date,
                        int64_t amount_minor, struct owed_entry *e);

/* True when the lines sum to zero without overflow and no line is zero. */
bool owed_entry_balanced(const struct owed_entry *e);
const char *owed_account_name(enum owed_account a);

#endif
