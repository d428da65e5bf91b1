/* `owed import invoice-lines FILE`: invoices with lines from CSV, one row per line, issued
 * under the numbers the file gives (issue 7; docs/invoicing.md "CSV import of lines"). */
#ifndef OWED_APP_IMPORT_LINES_H
#define OWED_APP_IMPORT_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* Columns (matched by name): invoice_number, customer_ref, issue_date, due_date (blank:
 * from the customer's terms), currency (blank: the customer's), po_number, note,
 * line_name, quantity, unit (blank: C62), unit_price, discount, tax_category (blank: S),
 * tax_rate. Rows are grouped into invoices by invoice_number; the columns up to note must
 * be the same on every row of an invoice.
 *
 * Each invoice becomes a draft (owed__draft_create_in, source "csv") issued under its own
 * number (owed__draft_issue_as): totals computed and the EN 16931 rules checked as for any
 * issue, posted to the ledger. A number must not be taken, nor match the seller's
 * numbering series (an invoice owed numbers later would collide with it).
 *
 * One transaction, all or nothing: any problem rejects the file (OWED_E_REJECTED, the
 * database unchanged) after every problem went to opts->on_error as "FILE:LINE: column:
 * reason". An invoice already imported with the same content is skipped (res->unchanged);
 * the same number with other content is a problem. res: rows read, inserted (invoices
 * issued), unchanged, rejected (bad rows), bad_header. opts->skip_bad is refused
 * (OWED_E_INVALID). OWED_E_IO, OWED_E_STORE as usual. `today` dates nothing here (every
 * row has its issue date); `now` stamps the documents. */
int owed_import_invoice_lines(struct owed_store *s, int64_t org, const char *path,
                              owed_date today, owed_time_ms now,
                              const struct owed_import_opts *opts,
                              struct owed_import_result *res, struct owed_buf *err);

/* The same from memory (an API request body); `name` stands for the file in messages. */
int owed_import_invoice_lines_mem(struct owed_store *s, int64_t org, const char *name,
                                  const char *data, size_t len, owed_date today,
                                  owed_time_ms now, const struct owed_import_opts *opts,
                                  struct owed_import_result *res, struct owed_buf *err);

#endif
