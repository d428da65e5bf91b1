#include <stdlib.h>
#include <string.h>

#include "app/render.h"
#include "base.h"

void owed__put_amount(struct owed_buf *b, int64_t minor, int exponent, bool group)
{
    owed_amount_format(b, minor, exponent, group);
}

json_t *owed__json_amount(int64_t minor, int exponent)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_amount_format(&b, minor, exponent, false);
    json_t *s = json_stringn(b.ptr, b.len);
    owed_buf_release(&b);
    return s;
}

void owed__put_json(struct owed_buf *b, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    OWED_ASSERT(text != NULL);
    owed_buf_adds(b, text);
    owed_buf_addc(b, '\n');
    free(text);
    json_decref(doc);
}

void owed__table_init(struct owed_table *t, size_t ncols)
{
    memset(t, 0, sizeof *t);
    OWED_ASSERT(ncols <= OWED_ARRAY_LEN(t->left));
    t->ncols = ncols;
}

void owed__table_add(struct owed_table *t, const char *const *cells)
{
    OWED_ALLOC_GROW(t->cells, (t->nrows + 1) * t->ncols, t->cap);
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = owed_xstrdup(cells[c] ? cells[c] : "");
    t->nrows++;
}

void owed__table_rule(struct owed_table *t)
{
    if (t->nrules < OWED_ARRAY_LEN(t->rule_rows)) t->rule_rows[t->nrules++] = t->nrows;
}

/* Display width in code points (UTF-8 continuation bytes do not count). */
static int width_of(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

/* Byte length of the first `cols` code points of s. */
static size_t prefix_bytes(const char *s, int cols)
{
    size_t i = 0;
    int w = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (w == cols) break;
            w++;
        }
        i++;
    }
    return i;
}

static void put_cell(struct owed_buf *out, const struct owed_table *t, size_t c, const char *s,
                     int width)
{
    int w = width_of(s);
    bool cut = t->max_width[c] && w > t->max_width[c];
    if (cut) w = t->max_width[c];
    int pad = width - w;
    if (!t->left[c])
        for (int i = 0; i < pad; i++) owed_buf_addc(out, ' ');
    if (cut) {
        owed_buf_add(out, s, prefix_bytes(s, w - 1));
        owed_buf_adds(out, "…");
    } else {
        owed_buf_adds(out, s);
    }
    if (t->left[c] && c + 1 < t->ncols)
        for (int i = 0; i < pad; i++) owed_buf_addc(out, ' ');
}

void owed__table_render(const struct owed_table *t, struct owed_buf *out)
{
    int widths[16] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            int w = width_of(t->cells[r * t->ncols + c]);
            if (t->max_width[c] && w > t->max_width[c]) w = t->max_width[c];
            if (w > widths[c]) widths[c] = w;
        }
    }
    int total = 0;
    for (size_t c = 0; c < t->ncols; c++) total += widths[c] + (c ? 2 : 0);
    size_t next_rule = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        while (next_rule < t->nrules && t->rule_rows[next_rule] == r) {
            for (int i = 0; i < total; i++) owed_buf_adds(out, "-");
            owed_buf_addc(out, '\n');
            next_rule++;
        }
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) owed_buf_adds(out, "  ");
            put_cell(out, t, c, t->cells[r * t->ncols + c], widths[c]);
        }
        /* No trailing blanks: trim what left-aligned padding may have left. */
        while (out->len && out->ptr[out->len - 1] == ' ') out->ptr[--out->len] = '\0';
        owed_buf_addc(out, '\n');
    }
}

void owed__table_release(struct owed_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
