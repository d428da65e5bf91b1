/* Cash application: which open invoices does an incoming bank credit pay? Pure and
 * deterministic (same inputs, same candidates in the same order); no I/O, no clock.
 *
 * The caller (app/bank.c) loads the org's open invoices, customers and learned payer keys,
 * builds an index once, then asks for the candidates of each credit entry. After posting a
 * match it tells the index (owed_match_consume) so that a later entry in the same run does
 * not pay the same invoice again.
 *
 * Candidate sources (DESIGN.md, issue 4): invoice numbers in the remittance text or
 * end-to-end id (tolerant to case, spacing, punctuation, a missing prefix, and one wrong or
 * two swapped characters); the exact open amount of one invoice; the exact sum of several
 * open invoices of one customer (bounded subset search); an amount within the early-payment
 * discount or the org's tolerance; a payer account or name learned from confirmed matches;
 * a customer reference or name in the text. */
#ifndef OWED_CORE_MATCH_H
#define OWED_CORE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/date.h"

/* One open invoice. Strings are borrowed: they must outlive the index. */
struct owed_match_invoice {
    int64_t invoice_id;
    int64_t customer_id;
    const char *number;
    char currency[4];
    owed_date issue_date;
    owed_date due_date;
    int64_t open_minor;    /* > 0 */
    /* Early-payment discount of the invoice's terms: paying on or before discount_until
     * settles it with open_minor - discount_minor. discount_minor 0 = none. */
    int64_t discount_minor;
    owed_date discount_until;
};

struct owed_match_customer {
    int64_t customer_id;
    const char *ref;
    const char *name;
};

/* A learned mapping: a normalized payer account (IBAN without spaces, upper case) or
 * payer name (owed_match_normalize_name) to the customer of earlier confirmed matches. */
struct owed_match_payer {
    const char *key;
    int64_t customer_id;
};

/* Short-payment tolerance of the org: a payment short by at most max(abs_minor, open *
 * ppm / 1e6) may close an invoice, the difference written off. Both 0 = none. abs_minor
 * is in the minor units of the entry's currency. */
struct owed_match_opts {
    int64_t tolerance_abs_minor;
    int64_t tolerance_ppm;
    int auto_threshold;  /* score (0..100) at or above which a match is posted; default 90 */
    int auto_margin;     /* and at least this far ahead of the runner-up; default 10 */
    size_t max_subset;   /* invoices per customer tried in the sum search; default 20 */
    size_t max_sum_size; /* invoices in one sum; default 5 */
};
void owed_match_opts_init(struct owed_match_opts *o);

/* Why a candidate was suggested: a bit set, shown to people in the review queue. */
enum owed_match_reason {
    OWED_MATCH_NUMBER_EXACT = 1u << 0,  /* invoice number in the text, exactly */
    OWED_MATCH_NUMBER_FUZZY = 1u << 1,  /* ... with one edit, a transposition, or no prefix */
    OWED_MATCH_AMOUNT_EXACT = 1u << 2,  /* amount equals the open amount */
    OWED_MATCH_AMOUNT_SUM = 1u << 3,    /* amount equals the sum of several open invoices */
    OWED_MATCH_DISCOUNT = 1u << 4,      /* amount equals the discounted amount, in window */
    OWED_MATCH_TOLERANCE = 1u << 5,     /* short by no more than the tolerance */
    OWED_MATCH_PAYER_KNOWN = 1u << 6,   /* payer account/name learned from confirmations */
    OWED_MATCH_CUSTOMER_REF = 1u << 7,  /* customer reference in the text */
    OWED_MATCH_CUSTOMER_NAME = 1u << 8, /* payer name equals the customer's name */
    OWED_MATCH_PARTIAL = 1u << 9,       /* amount below the open amount: a partial payment */
};
/* The name of one reason bit: "number_exact", "amount_sum", ... */
const char *owed_match_reason_name(enum owed_match_reason r);

#define OWED_MATCH_MAX_INVOICES 8

struct owed_match_line {
    int64_t invoice_id;
    int64_t apply_minor;    /* cash applied to the invoice */
    int64_t discount_minor; /* discount taken (posted as discount) */
    int64_t writeoff_minor; /* short-payment difference within tolerance (written off) */
};

struct owed_match_candidate {
    int64_t customer_id; /* 0 = no customer (should not happen for returned candidates) */
    int score;           /* 0..100 */
    unsigned reasons;    /* enum owed_match_reason bits */
    size_t nlines;       /* 0 = the customer only, no invoice (payment on account) */
    struct owed_match_line lines[OWED_MATCH_MAX_INVOICES];
};

/* One credit entry as the matcher sees it. */
struct owed_match_entry {
    int64_t amount_minor; /* > 0 */
    char currency[4];
    owed_date date; /* value date, else booking date */
    const char *remittance;
    const char *end_to_end;
    const char *counterparty_name;
    const char *counterparty_account;
};

struct owed_match_index;

/* Builds the index; copies nothing but the arrays' scalar fields (strings borrowed).
 * Returns NULL only if an input is inconsistent: an invoice whose customer is not in
 * `cust`, open_minor <= 0, a NULL number, a negative discount, or a duplicate invoice or
 * customer id. Payer keys whose customer is unknown are kept but never suggest anything.
 * About 280 bytes per open invoice (a million: 0.8 s to build on one core). */
struct owed_match_index *owed_match_index_new(const struct owed_match_invoice *inv, size_t ninv,
                                              const struct owed_match_customer *cust,
                                              size_t ncust,
                                              const struct owed_match_payer *payers,
                                              size_t npayers);
void owed_match_index_free(struct owed_match_index *ix);

/* Up to `max` candidates, best first (score descending, then customer id, then first
 * invoice id); *n is set to how many. Ties are broken deterministically. The scoring rules
 * are listed at the top of match.c. find allocates nothing and only reads the index, so
 * threads may share one index (but not with consume or learn running). Ask for max >= 2:
 * owed_match_is_auto needs the runner-up to check the margin. */
void owed_match_find(const struct owed_match_index *ix, const struct owed_match_entry *e,
                     const struct owed_match_opts *o, struct owed_match_candidate *out,
                     size_t max, size_t *n);

/* True when the best candidate may be posted without a person: score >= auto_threshold,
 * ahead of the second by auto_margin, and its lines account for the whole amount (cash
 * applied equals the entry amount). */
bool owed_match_is_auto(const struct owed_match_candidate *c, size_t n,
                        const struct owed_match_entry *e, const struct owed_match_opts *o);

/* Lowers the open amount of an invoice after a posting (removes it at zero; an unknown id
 * is ignored). settled_minor is what the posting took off the invoice: applied cash plus
 * discount plus write-off. A partly settled invoice is found by its new open amount and
 * no longer offers its discount. */
void owed_match_consume(struct owed_match_index *ix, int64_t invoice_id, int64_t settled_minor);
/* Teaches a payer key during a run (after a confirmation). */
void owed_match_learn(struct owed_match_index *ix, const char *key, int64_t customer_id);

/* Normalizations used for keys, exposed for the store's learned-payer table and tests.
 * Writes at most cap-1 bytes plus NUL into out. */
void owed_match_normalize_account(const char *s, char *out, size_t cap); /* IBAN: no spaces, upper */
void owed_match_normalize_name(const char *s, char *out, size_t cap);    /* upper, single spaces,
                                                                             no punctuation, no legal
                                                                             suffix (GMBH, LTD, INC,
                                                                             BV, SA, LLC, AG) */

#endif
