/* An invoice document (core/invoice_doc.h) as JSON: the API's shape, the input of `owed
 * invoice create --file`, and the stored snapshot of an issued invoice. Amounts, quantities,
 * prices and rates are decimal strings ("950.00", "2.5", "19"), never JSON numbers. */
#ifndef OWED_APP_DOC_JSON_H
#define OWED_APP_DOC_JSON_H

#include <jansson.h>

#include "core/invoice_doc.h"
#include "owed/buf.h"

/* A new object (the caller owns it). Currency exponent from d->currency. */
json_t *owed_doc_to_json(const struct owed_doc *d);
json_t *owed_party_to_json(const struct owed_party *p);

/* Reads j into *d (zeroed first, then owed_doc_free when done). Fields that are absent
 * stay empty; totals are read as given (call owed_doc_compute to derive them). Errors:
 * OWED_E_INVALID / OWED_E_CURRENCY with "lines[2].price: not a decimal with at most 6
 * decimals" in err. d->currency must be set (or given as `currency`) before amounts. */
int owed_doc_from_json(const json_t *j, struct owed_doc *d, struct owed_buf *err);
int owed_party_from_json(const json_t *j, const char *where, struct owed_party *p,
                         struct owed_buf *err);

/* The command line's short form of a line, "NAME;QUANTITY;PRICE;RATE[;CATEGORY[;UNIT
 * [;DISCOUNT]]]", as a line object; NULL when fewer than four fields are given. */
json_t *owed_doc_line_spec(const char *spec);

/* Decimal text of v at exponent e with at least min_frac fraction digits (trailing zeros
 * beyond them dropped): (2500, 3, 0) -> "2.5", (950000000, 6, 2) -> "950.00". */
void owed_decimal_text(int64_t v, int e, int min_frac, char *out, size_t cap);

#endif
