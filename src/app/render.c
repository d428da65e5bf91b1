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

/* Decodes one UTF-8 sequence (the CSV reader has validated it); returns its length. */
static size_t utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
    uint32_t v = u[0] & (0x3F >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) { /* truncated: count what is there as one column */
            *cp = 0xFFFD;
            return i;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* Terminal columns of one code point: East Asian Wide and Fullwidth take two, combining
 * marks none. A small table instead of wcwidth(), whose answer depends on the locale. */
static int cp_width(uint32_t c)
{
    if (c >= 0x0300 && c <= 0x036F) return 0;
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F},
        {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(wide); i++)
        if (c >= wide[i][0] && c <= wide[i][1]) return 2;
    return 1;
}

int owed__text_width(const char *s)
{
    int w = 0;
    uint32_t cp;
    for (size_t i = 0; s[i];) {
        if ((unsigned char)s[i] < 0x80) { /* ASCII: one column, no table lookup */
            w++;
            i++;
            continue;
        }
        i += utf8_next(s + i, &cp);
        w += cp_width(cp);
    }
    return w;
}

/* Byte length of the longest prefix of s that fits in `cols` columns; its width in *used. */
static size_t prefix_bytes(const char *s, int cols, int *used)
{
    size_t i = 0;
    int w = 0;
    uint32_t cp;
    while (s[i]) {
        size_t n = utf8_next(s + i, &cp);
        int cw = cp_width(cp);
        if (w + cw > cols) break;
        w += cw;
        i += n;
    }
    *used = w;
    return i;
}

static void put_cell(struct owed_buf *out, const struct owed_table *t, size_t c, const char *s,
                     int width)
{
    int w = owed__text_width(s);
    bool cut = t->max_width[c] && w > t->max_width[c];
    size_t bytes = strlen(s);
    if (cut) {
        bytes = prefix_bytes(s, t->max_width[c] - 1, &w);
        w += 1; /* the ellipsis */
    }
    int pad = width - w;
    if (!t->left[c])
        for (int i = 0; i < pad; i++) owed_buf_addc(out, ' ');
    owed_buf_add(out, s, bytes);
    if (cut) owed_buf_adds(out, "…");
    if (t->left[c] && c + 1 < t->ncols)
        for (int i = 0; i < pad; i++) owed_buf_addc(out, ' ');
}

void owed__table_render(const struct owed_table *t, struct owed_buf *out)
{
    int widths[16] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            int w = owed__text_width(t->cells[r * t->ncols + c]);
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

size_t owed__json_plain_len(const char *s)
{
    size_t n = 0;
    for (unsigned char ch; (ch = (unsigned char)s[n]) != 0; n++)
        if (ch == '"' || ch == '\\' || ch < 0x20) return SIZE_MAX;
    return n;
}

void owed__put_json_string(struct owed_buf *b, const char *s)
{
    size_t plain = owed__json_plain_len(s);
    if (plain != SIZE_MAX) { /* the common case: nothing to escape, one copy */
        owed_buf_addc(b, '"');
        owed_buf_add(b, s, plain);
        owed_buf_addc(b, '"');
        return;
    }
    owed_buf_addc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            owed_buf_addc(b, '\\');
            owed_buf_addc(b, (char)ch);
        } else if (ch < 0x20) {
            owed_buf_addf(b, "\\u%04x", ch);
        } else {
            owed_buf_addc(b, (char)ch);
        }
    }
    owed_buf_addc(b, '"');
}
