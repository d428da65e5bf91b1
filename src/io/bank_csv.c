/* Bank statements as CSV, read through a column mapping (struct owed_bank_csv_map in
 * bank.h) into the bank statement model. Records come from the project's RFC 4180 reader
 * (io/csv.h), so quoting, CRLF, the byte order mark and UTF-8 checks are its business.
 *
 * The reader splits on commas only. For another delimiter the input is copied with that
 * byte and ',' swapped, read, and every field is swapped back: the swap is a bijection on
 * bytes below 0x80, so quoted fields, embedded delimiters and literal commas all survive.
 *
 * Columns are found by header name (case-insensitive, surrounding blanks ignored); every
 * column the map names must be present. One statement per distinct (account,
 * statement_id), in the order they first appear. The first bad row stops the parse with
 * OWED_E_PARSE and "LINE: column: reason" (OWED_E_TOO_LARGE when a record is beyond the
 * reader's limits); a map that cannot describe any file (no date or amount column, unknown
 * date format or default currency, unusable delimiter) gives OWED_E_INVALID. A zero amount
 * is an error here: a bank export row always moves money. */
#include "io/bank.h"
#include "io/bank_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"
#include "io/csv.h"
#include "strmap.h"

enum col {
    C_ACCOUNT,
    C_STMT,
    C_REF,
    C_BOOKING,
    C_VALUE,
    C_AMOUNT,
    C_CREDIT,
    C_DEBIT,
    C_CURRENCY,
    C_REMITTANCE,
    C_E2E,
    C_CP_NAME,
    C_CP_ACCOUNT,
    NCOLS
};

enum date_fmt { DF_ISO, DF_DMY_DOT, DF_DMY_SLASH, DF_MDY_SLASH };

struct bcsv {
    const struct owed_bank_csv_map *map;
    const char *names[NCOLS]; /* header name of each column, NULL when not mapped */
    int idx[NCOLS];           /* its position in the file */
    size_t nheader;
    char delim;
    enum date_fmt date_fmt;
    struct owed_bank_file *out;
    struct owed_buf *err;
    struct owed_buf rowbuf;   /* this row's mapped fields, swapped back */
    struct owed_str val[NCOLS];
    struct owed_strmap stmts; /* "account\x1fstatement_id" -> statement index */
    long line;
};

static int fail(struct bcsv *p, int rc, long line, const char *fmt, ...) OWED_PRINTF(4, 5);

static int fail(struct bcsv *p, int rc, long line, const char *fmt, ...)
{
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        owed_buf_addf(p->err, "%ld: ", line);
        owed_buf_vaddf(p->err, fmt, ap);
        va_end(ap);
    }
    return rc;
}

#define excerpt(out, s) owed__bank_excerpt((out), (s).ptr, (s).len)

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static struct owed_str trim(struct owed_str s)
{
    while (s.len && is_blank(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_blank(s.ptr[s.len - 1])) s.len--;
    return s;
}

/* The byte the reader saw for `c` (and back: the swap is its own inverse). */
static char swap(const struct bcsv *p, char c)
{
    if (p->delim == ',') return c;
    return c == ',' ? p->delim : c == p->delim ? ',' : c;
}

/* ---- the map ---- */

static const char *nonempty(const char *s) { return s && s[0] ? s : NULL; }

static int check_map(struct bcsv *p)
{
    const struct owed_bank_csv_map *m = p->map;
    const char *names[NCOLS] = {
        m->account, m->statement_id, m->entry_ref, m->booking_date, m->value_date,
        m->amount,  m->credit,       m->debit,     m->currency,     m->remittance,
        m->end_to_end, m->counterparty_name, m->counterparty_account,
    };
    for (int c = 0; c < NCOLS; c++) {
        p->names[c] = nonempty(names[c]);
        p->idx[c] = -1;
    }
    char d = m->delimiter ? m->delimiter : ',';
    if (d == '"' || d == '\r' || d == '\n' || (unsigned char)d >= 0x80 ||
        ((unsigned char)d < 0x20 && d != '\t'))
        return fail(p, OWED_E_INVALID, 1, "delimiter 0x%02x cannot separate CSV fields",
                    (unsigned char)d);
    p->delim = d;
    if (!p->names[C_BOOKING] && !p->names[C_VALUE])
        return fail(p, OWED_E_INVALID, 1, "the mapping names no date column");
    if (!p->names[C_AMOUNT] && !p->names[C_CREDIT] && !p->names[C_DEBIT])
        return fail(p, OWED_E_INVALID, 1, "the mapping names no amount column");
    if (p->names[C_AMOUNT] && (p->names[C_CREDIT] || p->names[C_DEBIT]))
        return fail(p, OWED_E_INVALID, 1,
                    "the mapping names a signed amount and credit/debit columns");
    const char *dc = nonempty(m->default_currency);
    if (dc && !owed_currency_valid(dc))
        return fail(p, OWED_E_INVALID, 1, "default currency %.8s is not an ISO 4217 code", dc);
    if (!p->names[C_CURRENCY] && !dc)
        return fail(p, OWED_E_INVALID, 1, "the mapping has no currency column and no default");
    const char *f = nonempty(m->date_format);
    if (!f || strcmp(f, "YYYY-MM-DD") == 0) {
        p->date_fmt = DF_ISO;
    } else if (strcmp(f, "DD.MM.YYYY") == 0) {
        p->date_fmt = DF_DMY_DOT;
    } else if (strcmp(f, "DD/MM/YYYY") == 0) {
        p->date_fmt = DF_DMY_SLASH;
    } else if (strcmp(f, "MM/DD/YYYY") == 0) {
        p->date_fmt = DF_MDY_SLASH;
    } else {
        return fail(p, OWED_E_INVALID, 1, "date format %.16s is not one of YYYY-MM-DD, "
                    "DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY", f);
    }
    return OWED_OK;
}

static int read_header(struct bcsv *p, const struct owed_csv_row *row)
{
    char t[40];
    p->nheader = row->nfields;
    for (size_t i = 0; i < row->nfields; i++) {
        char name[128];
        struct owed_str h = trim(row->fields[i]);
        if (h.len >= sizeof name) continue;
        for (size_t k = 0; k < h.len; k++) name[k] = swap(p, h.ptr[k]);
        name[h.len] = '\0';
        for (int c = 0; c < NCOLS; c++) {
            if (!p->names[c] || strcasecmp(p->names[c], name) != 0) continue;
            if (p->idx[c] >= 0)
                return fail(p, OWED_E_PARSE, row->line, "column %s appears twice",
                            owed__bank_excerpt(t, name, h.len));
            p->idx[c] = (int)i;
        }
    }
    for (int c = 0; c < NCOLS; c++)
        if (p->names[c] && p->idx[c] < 0)
            return fail(p, OWED_E_PARSE, row->line, "missing column %s", p->names[c]);
    return OWED_OK;
}

/* ---- values ---- */

/* Copies the mapped fields of a row into rowbuf (swapped back) and points val[] at them. */
static void load_row(struct bcsv *p, const struct owed_csv_row *row)
{
    size_t off[NCOLS], len[NCOLS];
    owed_buf_reset(&p->rowbuf);
    for (int c = 0; c < NCOLS; c++) {
        off[c] = p->rowbuf.len;
        len[c] = 0;
        if (p->idx[c] < 0) continue;
        struct owed_str f = trim(row->fields[p->idx[c]]);
        for (size_t k = 0; k < f.len; k++) owed_buf_addc(&p->rowbuf, swap(p, f.ptr[k]));
        len[c] = f.len;
    }
    OWED_ASSERT(owed_buf_err(&p->rowbuf) == 0); /* a record is at most 1 MiB */
    for (int c = 0; c < NCOLS; c++) p->val[c] = (struct owed_str){p->rowbuf.ptr + off[c], len[c]};
}

static int two_digits(const char *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int parse_date(struct bcsv *p, int col, owed_date *out)
{
    struct owed_str s = p->val[col];
    static const char *const expect[] = {"YYYY-MM-DD", "DD.MM.YYYY", "DD/MM/YYYY",
                                         "MM/DD/YYYY"};
    if (p->date_fmt == DF_ISO) {
        if (owed_date_parse(s.ptr, s.len, out) == OWED_OK) return OWED_OK;
    } else if (s.len == 10) {
        char sep = p->date_fmt == DF_DMY_DOT ? '.' : '/';
        int a = two_digits(s.ptr), b = two_digits(s.ptr + 3);
        int y1 = two_digits(s.ptr + 6), y2 = two_digits(s.ptr + 8);
        int d = p->date_fmt == DF_MDY_SLASH ? b : a, m = p->date_fmt == DF_MDY_SLASH ? a : b;
        if (s.ptr[2] == sep && s.ptr[5] == sep && a >= 0 && b >= 0 && y1 >= 0 && y2 >= 0 &&
            owed_date_valid_ymd(y1 * 100 + y2, m, d)) {
            *out = owed_date_from_ymd(y1 * 100 + y2, m, d);
            return OWED_OK;
        }
    }
    char t[40];
    return fail(p, OWED_E_PARSE, p->line, "%s: %s is not a date (%s)", p->names[col],
                excerpt(t, s), expect[p->date_fmt]);
}

static bool digit(char c) { return c >= '0' && c <= '9'; }

/* Checks the decimal syntax and writes the form owed_bank_amount reads: "-1234.56", or
 * with decimal_comma "-1234,56" from "-1.234,56" (dots only as thousands separators). */
static bool normalize_amount(struct owed_str s, bool decimal_comma, char out[64], size_t *n)
{
    size_t i = 0, w = 0;
    char point = decimal_comma ? ',' : '.';
    if (s.len == 0 || s.len >= 64) return false;
    if (s.ptr[0] == '-' || s.ptr[0] == '+') out[w++] = s.ptr[i++];
    size_t start = i, group = 0;
    bool grouped = false;
    for (; i < s.len && s.ptr[i] != point; i++) {
        char c = s.ptr[i];
        if (decimal_comma && c == '.') {
            /* The first group has 1..3 digits, every later one exactly 3. */
            if ((grouped ? group != 3 : group < 1 || group > 3)) return false;
            grouped = true;
            group = 0;
            continue;
        }
        if (!digit(c)) return false;
        out[w++] = c;
        group++;
    }
    if (i == start || group == 0 || (grouped && group != 3)) return false;
    if (i < s.len) { /* the fraction */
        out[w++] = point;
        if (++i == s.len) return false;
        for (; i < s.len; i++) {
            if (!digit(s.ptr[i])) return false;
            out[w++] = s.ptr[i];
        }
    }
    *n = w;
    return true;
}

/* A non-empty amount cell into signed minor units of `currency`. */
static int parse_amount(struct bcsv *p, int col, const char *currency, int64_t *out)
{
    char buf[64], t[40];
    size_t n;
    struct owed_str s = p->val[col];
    if (!normalize_amount(s, p->map->decimal_comma, buf, &n))
        return fail(p, OWED_E_PARSE, p->line, "%s: %s is not a decimal amount", p->names[col],
                    excerpt(t, s));
    int rc = owed_bank_amount(buf, n, currency, out);
    if (rc == OWED_E_OVERFLOW || (rc == OWED_OK && *out == INT64_MIN))
        return fail(p, OWED_E_PARSE, p->line, "%s: %s is out of range", p->names[col],
                    excerpt(t, s));
    if (rc)
        return fail(p, OWED_E_PARSE, p->line, "%s: %s has more decimals than %s allows",
                    p->names[col], excerpt(t, s), currency);
    return OWED_OK;
}

/* The amount of the row: signed column, or credit / debit columns (a debit may be written
 * negative; exactly one of the two carries the amount). */
static int row_amount(struct bcsv *p, const char *currency, int64_t *abs, bool *credit)
{
    int64_t v = 0, c = 0, d = 0;
    int rc;
    if (p->idx[C_AMOUNT] >= 0) {
        if (p->val[C_AMOUNT].len == 0)
            return fail(p, OWED_E_PARSE, p->line, "%s: missing", p->names[C_AMOUNT]);
        if ((rc = parse_amount(p, C_AMOUNT, currency, &v))) return rc;
        if (v == 0) return fail(p, OWED_E_PARSE, p->line, "%s: zero amount", p->names[C_AMOUNT]);
        *credit = v > 0;
        *abs = v > 0 ? v : -v;
        return OWED_OK;
    }
    if (p->idx[C_CREDIT] >= 0 && p->val[C_CREDIT].len) {
        if ((rc = parse_amount(p, C_CREDIT, currency, &c))) return rc;
        if (c < 0)
            return fail(p, OWED_E_PARSE, p->line, "%s: negative credit", p->names[C_CREDIT]);
    }
    if (p->idx[C_DEBIT] >= 0 && p->val[C_DEBIT].len) {
        if ((rc = parse_amount(p, C_DEBIT, currency, &d))) return rc;
        if (d < 0) d = -d;
    }
    int col = p->idx[C_CREDIT] >= 0 ? C_CREDIT : C_DEBIT;
    if (c && d)
        return fail(p, OWED_E_PARSE, p->line, "%s: both a credit and a debit", p->names[col]);
    if (!c && !d) return fail(p, OWED_E_PARSE, p->line, "%s: no amount", p->names[col]);
    *credit = c != 0;
    *abs = c ? c : d;
    return OWED_OK;
}

static int row_currency(struct bcsv *p, char out[4])
{
    struct owed_str s = p->idx[C_CURRENCY] >= 0 ? p->val[C_CURRENCY] : (struct owed_str){"", 0};
    char t[40];
    if (s.len == 0) {
        const char *dc = nonempty(p->map->default_currency);
        if (!dc) return fail(p, OWED_E_PARSE, p->line, "%s: missing", p->names[C_CURRENCY]);
        memcpy(out, dc, 4);
        return OWED_OK;
    }
    char code[4] = "";
    if (s.len == 3) memcpy(code, s.ptr, 3);
    if (s.len != 3 || !owed_currency_valid(code))
        return fail(p, OWED_E_PARSE, p->line, "%s: unknown currency %s", p->names[C_CURRENCY],
                    excerpt(t, s));
    memcpy(out, code, 4);
    return OWED_OK;
}

/* The statement of (account, statement_id), made on first sight. */
static struct owed_bank_statement *statement(struct bcsv *p, const char *currency, int *rc)
{
    struct owed_str acct = p->val[C_ACCOUNT], id = p->val[C_STMT];
    const char *da = nonempty(p->map->default_account);
    if (p->idx[C_ACCOUNT] < 0 && da) acct = (struct owed_str){da, strlen(da)};
    struct owed_buf key = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_add(&key, acct.ptr, acct.len);
    owed_buf_addc(&key, '\x1f');
    owed_buf_add(&key, id.ptr, id.len);
    int64_t at;
    struct owed_bank_statement *s;
    if (owed_strmap_get(&p->stmts, key.ptr, key.len, &at)) {
        s = &p->out->stmts[at];
    } else {
        s = owed_bank_statement_add(p->out);
        owed_strmap_put(&p->stmts, key.ptr, key.len, (int64_t)(p->out->nstmts - 1));
        owed_bank_set(&s->account, acct.ptr, acct.len);
        owed_bank_set(&s->statement_id, id.ptr, id.len);
        memcpy(s->currency, currency, 4);
    }
    owed_buf_release(&key);
    *rc = OWED_OK;
    if (strcmp(s->currency, currency) != 0) {
        *rc = fail(p, OWED_E_PARSE, p->line, "%s: %s differs from the statement's %s",
                   p->names[C_CURRENCY] ? p->names[C_CURRENCY] : "currency", currency,
                   s->currency);
        return NULL;
    }
    return s;
}

static void set_opt(struct bcsv *p, int col, char **dst)
{
    if (p->idx[col] >= 0 && p->val[col].len) owed_bank_set(dst, p->val[col].ptr, p->val[col].len);
}

static int read_row(struct bcsv *p, const struct owed_csv_row *row)
{
    p->line = row->line;
    if (row->nfields != p->nheader)
        return fail(p, OWED_E_PARSE, row->line, "expected %zu fields, found %zu", p->nheader,
                    row->nfields);
    load_row(p, row);
    owed_date booking = OWED_BANK_NO_DATE, value = OWED_BANK_NO_DATE;
    int rc;
    if (p->idx[C_BOOKING] >= 0 && p->val[C_BOOKING].len &&
        (rc = parse_date(p, C_BOOKING, &booking)))
        return rc;
    if (p->idx[C_VALUE] >= 0 && p->val[C_VALUE].len && (rc = parse_date(p, C_VALUE, &value)))
        return rc;
    if (booking == OWED_BANK_NO_DATE && value == OWED_BANK_NO_DATE)
        return fail(p, OWED_E_PARSE, row->line, "%s: missing date",
                    p->names[C_BOOKING] ? p->names[C_BOOKING] : p->names[C_VALUE]);
    char currency[4];
    if ((rc = row_currency(p, currency))) return rc;
    int64_t amount = 0;
    bool credit = false;
    if ((rc = row_amount(p, currency, &amount, &credit))) return rc;
    struct owed_bank_statement *s = statement(p, currency, &rc);
    if (!s) return rc;
    struct owed_bank_entry *e = owed_bank_entry_add(s);
    e->booking_date = booking;
    e->value_date = value;
    e->amount_minor = amount;
    e->credit = credit;
    memcpy(e->currency, currency, 4);
    e->line = row->line;
    set_opt(p, C_REF, &e->entry_ref);
    set_opt(p, C_E2E, &e->end_to_end);
    set_opt(p, C_CP_NAME, &e->counterparty_name);
    set_opt(p, C_CP_ACCOUNT, &e->counterparty_account);
    if (p->idx[C_REMITTANCE] >= 0)
        owed_bank_append(&e->remittance, p->val[C_REMITTANCE].ptr, p->val[C_REMITTANCE].len);
    return OWED_OK;
}

/* The reader says "line N: reason"; the contract is "N: reason". */
static int reader_error(struct bcsv *p, int rc, const struct owed_buf *msg)
{
    const char *m = msg->ptr;
    if (strncmp(m, "line ", 5) == 0) m += 5;
    if (p->err) owed_buf_adds(p->err, m);
    return rc == OWED_E_TOO_LARGE || rc == OWED_E_IO ? rc : OWED_E_PARSE;
}

int owed_bank_parse_csv(const char *data, size_t len, const struct owed_bank_csv_map *map,
                        struct owed_bank_file *out, struct owed_buf *err)
{
    OWED_ASSERT(out && (data || len == 0));
    if (!map) map = &owed_bank_csv_owed_map;
    struct bcsv p = {.map = map, .out = out, .err = err};
    out->format = OWED_BANK_CSV;
    memcpy(out->version, "CSV", 4);
    int rc = check_map(&p);
    if (rc) return rc;
    char *copy = NULL;
    if (p.delim != ',') {
        copy = owed_xmalloc(len ? len : 1);
        for (size_t i = 0; i < len; i++) copy[i] = swap(&p, data[i]);
    }
    owed_buf_init(&p.rowbuf, OWED_BUF_MAX_DEFAULT);
    struct owed_csv *c = owed_csv_new_mem(copy ? copy : data, len);
    struct owed_csv_row *row = owed_xmalloc(sizeof *row); /* 4 KiB of slices */
    struct owed_buf rerr = OWED_BUF_INIT(4096);
    bool header = true;
    for (;;) {
        bool eof;
        if ((rc = owed_csv_next(c, row, &eof, &rerr))) {
            rc = reader_error(&p, rc, &rerr);
            break;
        }
        if (eof) {
            if (header) rc = fail(&p, OWED_E_PARSE, 1, "missing header row");
            break;
        }
        rc = header ? read_header(&p, row) : read_row(&p, row);
        header = false;
        if (rc) break;
    }
    owed_csv_free(c);
    free(row);
    free(copy);
    owed_buf_release(&rerr);
    owed_buf_release(&p.rowbuf);
    owed_strmap_clear(&p.stmts);
    return rc;
}
