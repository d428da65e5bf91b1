/* Invoicing (issue 7): invoices with lines as documents, from draft to issued, the seller's
 * settings and terms sheet, customers' billing parties, acknowledgements of receipt,
 * rendering (PDF, UBL), delivery by email, UBL import and recurring schedules.
 *
 * A document is a draft until issued. Issuing gives it the next number of its series (a
 * gapless counter moved in the same transaction), fixes its dates, checks it against the
 * EN 16931 business rules, posts it to the ledger (an invoice, or a credit note against
 * the invoice it corrects) and stores the snapshot: from then on it never changes; a
 * correction is a credit note. */
#ifndef OWED_APP_INVOICING_H
#define OWED_APP_INVOICING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/invoice_doc.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* The sections of the terms sheet (the second document of the three-way set). */
struct owed_terms_sheet {
    char payment[1000];   /* payment terms */
    char discount[1000];  /* early-payment discount */
    char late_fees[1000]; /* late fees and interest */
    char bank[1000];      /* bank details (filled from the seller's account when empty) */
    char disputes[1000];  /* how to dispute an invoice */
};

/* The organization as a seller: settings document "seller". */
struct owed_seller {
    struct owed_party party;
    char iban[OWED_DOC_ID_MAX + 1];
    char bic[16];
    char account_name[OWED_DOC_TEXT_MAX + 1];
    char invoice_format[64]; /* "INV-{YYYY}-{SEQ:5}": {YYYY} the issue year, {SEQ:n} */
    char credit_format[64];  /* "CN-{YYYY}-{SEQ:5}" */
    char public_url[256];    /* base of acknowledgement links: "https://ar.example.com" */
    struct owed_terms_sheet terms;
    bool has_terms;          /* some section of the terms sheet is set */
};

/* Reads the seller (defaults where unset: the organization's name, the formats above). */
int owed_seller_get(struct owed_store *s, int64_t org, struct owed_seller *out,
                    struct owed_buf *err);
/* Merges the fields present in `patch` (the JSON of owed_seller_json) into the seller. */
int owed_seller_set(struct owed_store *s, int64_t org, const json_t *patch, struct owed_buf *err);
json_t *owed_seller_json(const struct owed_seller *sl);

/* A customer's billing party ("party:ID"); unset: name and email from the customer. */
int owed_customer_party_get(struct owed_store *s, int64_t org, int64_t customer_id,
                            struct owed_party *out, struct owed_buf *err);
/* The same by the customer's ref. */
int owed_customer_party_of(struct owed_store *s, int64_t org, const char *customer_ref,
                           struct owed_party *out, struct owed_buf *err);
int owed_customer_party_set(struct owed_store *s, int64_t org, const char *customer_ref,
                            const json_t *party, struct owed_buf *err);

/* ---- drafts and issuing (app/invoicing.c) ---- */

/* Creates a draft from `input`: the document JSON (app/doc_json.h) plus "customer" (the
 * customer's ref, required) and, for a credit note, "preceding_number". Seller, buyer,
 * currency, payment terms and bank details come from the settings where absent. Totals
 * are computed. *doc_id: the new draft's id. source: "owed", "csv", "recurring:ID". */
int owed_draft_create(struct owed_store *s, int64_t org, const json_t *input, const char *source,
                      owed_time_ms now, int64_t *doc_id, struct owed_buf *err);
/* The same inside the caller's transaction. */
int owed__draft_create_in(struct owed_store *s, int64_t org, const json_t *input,
                          const char *source, owed_time_ms now, int64_t *doc_id,
                          struct owed_buf *err);

/* Issues draft doc_id on `today` (unless the draft names its issue date), as described at
 * the top. *number: the number given. OWED_E_CONFLICT when it is not a draft,
 * OWED_E_REJECTED when an EN 16931 rule fails (each listed in err, "BR-CO-15: ..."). */
int owed_draft_issue(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                     owed_time_ms now, char number[65], struct owed_buf *err);
int owed__draft_issue_in(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                         owed_time_ms now, char number[65], struct owed_buf *err);
/* The same under the number `given` (an invoice imported with its own number, app/
 * import_lines.c) instead of the next of the series, which does not move. A number already
 * taken is OWED_E_CONFLICT. */
int owed__draft_issue_as(struct owed_store *s, int64_t org, int64_t doc_id, owed_date today,
                         owed_time_ms now, const char *given, char number[65],
                         struct owed_buf *err);

/* Posts an issued document to the ledger: an invoice, or a credit note applied to the
 * invoice it names (on account when owed does not know it). *ledger_id: the invoice or
 * credit-note payment. Inside the caller's transaction. */
int owed__doc_post(struct owed_store *s, int64_t org, const struct owed_doc *d,
                   const struct owed_customer *c, int64_t *ledger_id, struct owed_buf *err);

/* Finds a document by "#ID" (a draft or any document) or by invoice/credit-note number.
 * out->body points into body. */
int owed_doc_find(struct owed_store *s, int64_t org, const char *key, struct owed_doc_rec *out,
                  struct owed_buf *body, struct owed_buf *err);
/* Loads the document of a record. */
int owed_doc_load(const struct owed_doc_rec *r, struct owed_doc *out, struct owed_buf *err);

/* The document as the API shows it: status, the three-way set, delivery, the document. */
int owed_view_document(struct owed_store *s, int64_t org, const char *key, json_t **out,
                       struct owed_buf *err);
/* Documents, newest last; status/type 0 = any; customer_ref NULL = any. */
int owed_view_documents(struct owed_store *s, int64_t org, const char *customer_ref, int status,
                        int type, json_t **out, struct owed_buf *err);

/* ---- recurring invoices (app/recurring.c) ---- */

/* A schedule: `rule` as core/recurrence.h reads it ("monthly", "quarterly", "yearly",
 * "every 14 days"), the first period on `start`, none after `end` (0 = open) or beyond
 * `count` periods (0 = unlimited). template: the document input of owed_draft_create
 * (with "customer"); it is checked now by making (and dropping) a draft from it. */
int owed_recurring_add(struct owed_store *s, int64_t org, const json_t *template_doc,
                       const char *rule, owed_date start, owed_date end, int64_t count,
                       owed_time_ms now, int64_t *id, struct owed_buf *err);
int owed_recurring_stop(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err);
int owed_recurring_list(struct owed_store *s, int64_t org, json_t **out, struct owed_buf *err);

/* Issues every period of every active schedule whose date is on or before today and that
 * has no invoice yet, oldest first, each in its own transaction that claims the period:
 * so each period gets exactly one invoice, after downtime (all missed periods, each dated
 * its own period) and when two runs race (the second finds the claim and skips).
 * *issued: invoices made; a line per invoice goes to out when given. A schedule whose
 * template no longer issues (say the customer's currency changed) is reported in err and
 * the others go on; the return is then the first error. */
int owed_recurring_run(struct owed_store *s, int64_t org, owed_date today, owed_time_ms now,
                       size_t *issued, struct owed_buf *out, struct owed_buf *err);

/* ISO 8601 UTC text of now ("2026-11-23T20:15:00Z"). */
void owed__iso_time(owed_time_ms now, char out[32]);

#endif
