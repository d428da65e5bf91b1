/* Bank statement use cases (app/bank.c, app/bank_queue.c, app/bank_views.c). */
#ifndef OWED_APP_BANK_H
#define OWED_APP_BANK_H

#include <jansson.h>

#include "app/app.h"
#include "io/bank.h"

struct owed_bank_import_result {
    enum owed_bank_format format;
    long statements, entries; /* read from the file */
    long inserted;            /* new entries */
    long duplicates;          /* already imported (same key): skipped */
    long ignored;             /* debits and reversals: kept, not matched */
    long matched;             /* posted automatically */
    long review;              /* waiting in the review queue */
    long unmatched;           /* credits with no candidate at all */
};

/* Reads and parses a statement file without touching the database (s may be NULL: then a
 * CSV file must be in owed's own format). `mapping` names a saved CSV mapping. */
int owed_bank_read(struct owed_store *s, int64_t org, const char *path, const char *mapping,
                   struct owed_bank_file *file, struct owed_buf *err);
/* Imports a statement file in one transaction: new entries are stored, credits matched,
 * sure matches posted. Re-importing the same file, or an overlapping one, adds nothing
 * twice. A malformed file: OWED_E_PARSE with "FILE:LINE: reason", nothing imported. */
int owed_bank_import(struct owed_store *s, int64_t org, const char *path, const char *mapping,
                     struct owed_bank_import_result *res, struct owed_buf *err);
/* Saves a CSV column mapping (a JSON file, see docs/bank.md) under a name. */
int owed_bank_mapping_save(struct owed_store *s, int64_t org, const char *name,
                           const char *path, struct owed_buf *err);

/* `owed bank parse --format json`: statements and entries as read. */
void owed_bank_file_json(const struct owed_bank_file *f, struct owed_buf *out);

/* `owed bank entries`: CSV with the columns
 * entry_id,statement_id,value_date,amount,currency,status,customer_ref,invoice_numbers,score
 * status 0 = all. */
int owed_bank_entries_csv(struct owed_store *s, int64_t org, int status, struct owed_buf *out,
                          struct owed_buf *err);
const char *owed_entry_status_name(int status);
int owed_entry_status_parse(const char *s, int *out);

/* The API's listing (app/bank_views.c): entries whose status is one of statuses
 * (nstatuses 0 = all), ordered by id, as an array of
 * {"id", "statement_id", "entry_ref", "booking_date", "value_date", "amount" (unsigned),
 *  "currency", "direction" (credit|debit), "status", "counterparty_name",
 *  "counterparty_account", "remittance", "end_to_end", "score", "customer_ref" (the
 *  customer it was posted to or, waiting for review, the top suggestion's; else null),
 *  "payment_id" (or null), "invoice_numbers" (what the payment is applied to now),
 *  "suggestions" (as `owed bank review --format json`)}. */
int owed_bank_entries_json(struct owed_store *s, int64_t org, const int *statuses,
                           size_t nstatuses, json_t **out, struct owed_buf *err);
/* One entry as above; OWED_E_NOT_FOUND when the org has no entry `id`. */
int owed_bank_entry_json(struct owed_store *s, int64_t org, int64_t id, json_t **out,
                         struct owed_buf *err);

/* The review queue with the top suggestions and their reasons. */
int owed_bank_review(struct owed_store *s, int64_t org, enum owed_format fmt,
                     struct owed_buf *out, struct owed_buf *err);
/* Settles a queued entry: posts it to the invoices given (or the top suggestion when
 * none; or on account of customer_ref) and learns the payer. */
int owed_bank_confirm(struct owed_store *s, int64_t org, int64_t entry_id,
                      const char *const *invoices, size_t ninvoices, const char *customer_ref,
                      struct owed_buf *out, struct owed_buf *err);
int owed_bank_reject(struct owed_store *s, int64_t org, int64_t entry_id, struct owed_buf *out,
                     struct owed_buf *err);

/* `owed match --report`: auto-match rate, review queue size and, with a truth file
 * (entry_ref,customer_ref,invoice_numbers,kind as `owed gen --bank` writes), precision of
 * the automatic matches and how often the right answer is among the top 3 suggestions. */
int owed_match_report(struct owed_store *s, int64_t org, const char *truth_path,
                      enum owed_format fmt, struct owed_buf *out, struct owed_buf *err);

#endif
