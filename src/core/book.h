/* The book: a read-only, in-memory snapshot of an organization's receivables (customers,
 * invoices, allocations, payments) that reports are computed from. Plain data filled by
 * app/ from the store; core/ functions only read it. Indices, not ids, link the arrays. */
#ifndef OWED_CORE_BOOK_H
#define OWED_CORE_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "owed/date.h"

struct owed_book_customer {
    int64_t id;
    char *ref;  /* owned by the book */
    char *name; /* owned by the book */
};

struct owed_book_invoice {
    int64_t id;
    char *number;       /* owned by the book; NULL when the caller did not load numbers */
    uint32_t customer;  /* index into customers */
    uint16_t currency;  /* index into currencies */
    owed_date issue_date;
    owed_date due_date;
    int64_t amount_minor;
    uint8_t kind; /* enum owed_invoice_kind; 0 counts as a sale */
};

/* Part of a payment applied to an invoice; takes the payment's received date. */
struct owed_book_alloc {
    uint32_t invoice; /* index into invoices */
    owed_date date;
    int64_t amount_minor;
    uint8_t kind; /* its payment's enum owed_payment_kind; 0 counts as cash */
};

/* Money credited to a customer: cash and non-cash credits (credit notes, discounts,
 * write-offs); a refund or reversal is a negative payment on its date. */
struct owed_book_payment {
    uint32_t customer;
    uint16_t currency;
    owed_date received_date;
    int64_t amount_minor;
    uint8_t kind; /* enum owed_payment_kind; 0 counts as cash */
};

struct owed_book {
    struct owed_book_customer *customers; /* sorted by ref (byte order) */
    size_t ncustomers;
    struct owed_book_invoice *invoices;
    size_t ninvoices;
    struct owed_book_alloc *allocs;
    size_t nallocs;
    struct owed_book_payment *payments;
    size_t npayments;
    char (*currencies)[4]; /* sorted by code */
    int *exponents;        /* per currency */
    size_t ncurrencies;
};

#endif
