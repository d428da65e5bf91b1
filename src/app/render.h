/* Small rendering helpers shared by the report use cases: amounts, aligned text tables
 * for people, and jansson documents for scripts. */
#ifndef OWED_APP_RENDER_H
#define OWED_APP_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"

/* "1234.50" (plain) or "1,234.50" (grouped) at the currency's exponent. */
void owed__put_amount(struct owed_buf *b, int64_t minor, int exponent, bool group);
json_t *owed__json_amount(int64_t minor, int exponent);
/* Appends the JSON document (2-space indent, keys in insertion order) and a newline;
 * takes ownership of doc. */
void owed__put_json(struct owed_buf *b, json_t *doc);

/* A JSON string literal (quotes, backslashes and control characters escaped), written
 * directly: for outputs too large to build as a jansson document first. */
void owed__put_json_string(struct owed_buf *b, const char *s);
/* strlen(s) when s needs no escaping in a JSON string, else SIZE_MAX. */
size_t owed__json_plain_len(const char *s);
/* Terminal columns of a UTF-8 string (East Asian wide characters count two). */
int owed__text_width(const char *s);

/* A text table: cells are copied; columns are right-aligned unless marked left. */
struct owed_table {
    size_t ncols;
    char **cells; /* row-major */
    size_t nrows, cap;
    bool left[16];
    int max_width[16]; /* 0 = no limit; longer cells are cut with "…" */
    size_t rule_rows[64], nrules;
};

void owed__table_init(struct owed_table *t, size_t ncols);
void owed__table_add(struct owed_table *t, const char *const *cells);
/* A horizontal rule before the next row added. */
void owed__table_rule(struct owed_table *t);
void owed__table_render(const struct owed_table *t, struct owed_buf *out);
void owed__table_release(struct owed_table *t);

#endif
