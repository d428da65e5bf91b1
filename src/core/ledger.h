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
};

enum owed_entry_kind {
    OWED_ENTRY_INVOICE = 1,    /* Dr AR, Cr revenue */
    OWED_ENTRY_PAYMENT = 2,    /* Dr cash, Cr unapplied */
    OWED_ENTRY_ALLOCATION = 3, /* Dr unapplied, Cr AR */
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

/* True when the lines sum to zero without overflow and no line is zero. */
bool owed_entry_balanced(const struct owed_entry *e);
const char *owed_account_name(enum owed_account a);

#endif
