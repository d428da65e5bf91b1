/* Importing UBL 2.1 invoices and credit notes (an ERP's e-invoices) into owed. */
#ifndef OWED_APP_UBL_IMPORT_H
#define OWED_APP_UBL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

struct owed_ubl_import_result {
    int64_t doc_id;
    bool created;      /* false: the same document was imported before (nothing changed) */
    bool new_customer; /* the buyer was not a customer: one was made */
    char number[65];
    char customer_ref[65];
    char type[16];     /* "invoice" or "credit_note" */
};

/* Reads one document, checks it against the EN 16931 rules (a fatal failure rejects it:
 * OWED_E_REJECTED, each rule on a line of err), and in one transaction records it as an
 * issued document with its own number and posts it. The buyer is the customer whose ref
 * is the buyer's VAT id, else its legal id, else its electronic address, else its name
 * (64 bytes); without one, a customer is made under that ref with the buyer's name, the document's currency and
 * terms of NET(due - issue days). Importing the same file again changes nothing; another
 * document under a number owed already has is OWED_E_CONFLICT. `name` prefixes messages. */
int owed_ubl_import_mem(struct owed_store *s, int64_t org, const char *name, const char *xml,
                        size_t len, owed_time_ms now, struct owed_ubl_import_result *res,
                        struct owed_buf *err);
int owed_ubl_import_file(struct owed_store *s, int64_t org, const char *path, owed_time_ms now,
                         struct owed_ubl_import_result *res, struct owed_buf *err);

#endif
