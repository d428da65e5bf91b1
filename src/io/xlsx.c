/* Excel workbooks with libxlsxwriter (xlsx.h). A well-kept library writes the format; this
 * file only maps typed cells onto it, keeps the temporary files private and removes them. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "base.h"
#include "io/xlsx.h"

#define ZIP_EPOCH_S 315532800 /* 1980-01-01T00:00:00Z, the oldest date a ZIP entry has */

/* workbook_close() formats the Created date with gmtime(), whose result the whole process
 * shares: workbooks are closed one at a time, so that two server threads never mix their
 * dates (and the same report stays the same bytes). */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;

struct fmt {
    enum owed_xlsx_kind kind;
    int exponent;
    char currency[4];
    bool bold;
    lxw_format *f; /* owned by the workbook */
};

struct owed_xlsx {
    char dir[4096];  /* the private directory */
    char path[4200]; /* the workbook file in it */
    lxw_workbook *wb;
    char page_header[LXW_HEADER_FOOTER_MAX + 1];
    /* The current sheet. */
    lxw_worksheet *ws;
    char sheet[32];
    size_t ncols;
    uint32_t row;       /* the next row to write */
    uint32_t body_last; /* the last row under the autofilter */
    bool totals;        /* a total row was written: body rows are over */
    int width[OWED_XLSX_MAX_COLS];
    struct fmt *fmts;
    size_t nfmts, capfmts;
    struct owed_buf scratch; /* cleaned text */
    int rc;
    char msg[512];
};

static int fail(struct owed_xlsx *x, int rc, const char *fmt, ...) OWED_PRINTF(3, 4);

static int fail(struct owed_xlsx *x, int rc, const char *fmt, ...)
{
    if (x->rc) return x->rc;
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(x->msg, sizeof x->msg, "xlsx: ");
    vsnprintf(x->msg + n, sizeof x->msg - (size_t)n, fmt, ap);
    va_end(ap);
    x->rc = rc;
    return rc;
}

static int lxw_fail(struct owed_xlsx *x, lxw_error e)
{
    int rc = OWED_E_IO;
    if (e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE || e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
        rc = OWED_E_TOO_LARGE;
    else if (e == LXW_ERROR_SHEETNAME_LENGTH_EXCEEDED ||
             e == LXW_ERROR_INVALID_SHEETNAME_CHARACTER ||
             e == LXW_ERROR_SHEETNAME_START_END_APOSTROPHE ||
             e == LXW_ERROR_SHEETNAME_ALREADY_USED || e == LXW_ERROR_PARAMETER_VALIDATION)
        rc = OWED_E_INVALID;
    if (e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE)
        return fail(x, rc, "sheet %s: more than %d rows", x->sheet, LXW_ROW_MAX);
    return fail(x, rc, "%s%s%s", x->ws ? x->sheet : "", x->ws ? ": " : "", lxw_strerror(e));
}

/* Removes dir and the files in it (libxlsxwriter's temporary files are already unlinked
 * when it works as it should; this also covers a failure half way). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

int owed_xlsx_new(const struct owed_xlsx_options *opts, struct owed_xlsx **out,
                  struct owed_buf *err)
{
    static const struct owed_xlsx_options none;
    if (!opts) opts = &none;
    const char *base = opts->tmp_dir;
    if (!base || !*base) base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    struct owed_xlsx *x = owed_xcalloc(1, sizeof *x);
    owed_buf_init(&x->scratch, 0);
    *out = NULL;
    int n = snprintf(x->dir, sizeof x->dir, "%s/owed-xlsx-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof x->dir) {
        owed_buf_addf(err, "xlsx: %s: temporary directory name too long", base);
        free(x);
        return OWED_E_IO;
    }
    if (!mkdtemp(x->dir)) {
        owed_buf_addf(err, "xlsx: %s: %s", x->dir, strerror(errno));
        free(x);
        return OWED_E_IO;
    }
    snprintf(x->path, sizeof x->path, "%s/workbook.xlsx", x->dir);
    lxw_workbook_options wo = {.constant_memory = LXW_TRUE, .tmpdir = x->dir};
    x->wb = workbook_new_opt(x->path, &wo);
    if (!x->wb) {
        owed_buf_addf(err, "xlsx: %s: cannot start a workbook", x->path);
        remove_dir(x->dir);
        free(x);
        return OWED_E_IO;
    }
    /* A fixed creation date by default: libxlsxwriter would write the wall clock, and the
     * same report should be the same bytes. */
    lxw_doc_properties props = {
        .title = opts->title && *opts->title ? (char *)opts->title : NULL,
        .created = opts->created_ms ? (time_t)(opts->created_ms / 1000) : ZIP_EPOCH_S,
    };
    workbook_set_properties(x->wb, &props);
    if (opts->title && *opts->title) {
        /* "&L" puts the title on the left, "&&" is a literal '&'; page numbers on the
         * right. Cut at the header's 255-byte limit, never inside a UTF-8 sequence. */
        size_t len = (size_t)snprintf(x->page_header, sizeof x->page_header, "&L");
        const char *tail = "&RPage &P of &N";
        size_t room = sizeof x->page_header - 1 - strlen(tail);
        for (const unsigned char *p = (const unsigned char *)opts->title; *p; p++) {
            size_t need = *p == '&' ? 2 : 1;
            if (len + need > room) {
                while (len > 2 && ((unsigned char)x->page_header[len - 1] & 0xC0) == 0x80) len--;
                if (len > 2 && (unsigned char)x->page_header[len - 1] >= 0xC0) len--;
                break;
            }
            if (*p == '&') x->page_header[len++] = '&';
            x->page_header[len++] = (char)*p;
        }
        snprintf(x->page_header + len, sizeof x->page_header - len, "%s", tail);
    }
    *out = x;
    return OWED_OK;
}

/* ---- formats ---- */

static bool currency_code_ok(const char *c)
{
    for (int i = 0; i < 3; i++)
        if (c[i] < 'A' || c[i] > 'Z') return false;
    return c[3] == '\0';
}

/* The cached format for a kind of cell; NULL for a plain text or integer cell. */
static lxw_format *format_of(struct owed_xlsx *x, enum owed_xlsx_kind kind, int exponent,
                             const char *currency, bool bold)
{
    if (!bold && (kind == OWED_XLSX_TEXT || kind == OWED_XLSX_INT || kind == OWED_XLSX_BLANK))
        return NULL;
    if (kind != OWED_XLSX_MONEY) {
        exponent = 0;
        currency = "";
    }
    if (kind == OWED_XLSX_INT || kind == OWED_XLSX_BLANK) kind = OWED_XLSX_TEXT;
    for (size_t i = 0; i < x->nfmts; i++) {
        struct fmt *f = &x->fmts[i];
        if (f->kind == kind && f->exponent == exponent && f->bold == bold &&
            !strcmp(f->currency, currency))
            return f->f;
    }
    lxw_format *lf = workbook_add_format(x->wb);
    if (bold) format_set_bold(lf);
    if (kind == OWED_XLSX_DATE) format_set_num_format(lf, "yyyy-mm-dd");
    if (kind == OWED_XLSX_MONEY) {
        /* "[$USD] #,##0.00": [$...] shows the code as it is; the decimals are the
         * currency's, so JPY shows none and KWD three. */
        char nf[64];
        int n = currency_code_ok(currency) ? snprintf(nf, sizeof nf, "[$%s] ", currency) : 0;
        n += snprintf(nf + n, sizeof nf - (size_t)n, "#,##0%s", exponent ? "." : "");
        for (int i = 0; i < exponent; i++) nf[n++] = '0';
        nf[n] = '\0';
        format_set_num_format(lf, nf);
    }
    OWED_ALLOC_GROW(x->fmts, x->nfmts + 1, x->capfmts);
    struct fmt *f = &x->fmts[x->nfmts++];
    *f = (struct fmt){.kind = kind, .exponent = exponent, .bold = bold, .f = lf};
    snprintf(f->currency, sizeof f->currency, "%s", currency);
    return lf;
}

/* ---- text ---- */

/* Length of the valid UTF-8 sequence at p (n bytes left) that XML may hold, else 0:
 * overlong forms, surrogates, past U+10FFFF, U+FFFE/U+FFFF and C0 controls other than tab
 * and newline are refused. */
static size_t utf8_char(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80) return p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n' ? 1 : 0;
    size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (!len || len > n || p[0] > 0xF4) return 0;
    uint32_t cp = p[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return len;
}

/* s as XML can carry it: itself when clean, else a copy in x->scratch with U+FFFD for
 * each bad byte. *chars counts the characters, for the column width. */
static const char *clean_text(struct owed_xlsx *x, const char *s, int *chars)
{
    size_t n = strlen(s), i = 0;
    int count = 0;
    bool clean = true;
    owed_buf_reset(&x->scratch);
    while (i < n) {
        size_t len = utf8_char((const unsigned char *)s + i, n - i);
        if (!len) {
            if (clean) owed_buf_add(&x->scratch, s, i);
            clean = false;
            owed_buf_adds(&x->scratch, "\xEF\xBF\xBD");
            len = 1;
        } else if (!clean) {
            owed_buf_add(&x->scratch, s + i, len);
        }
        i += len;
        count++;
    }
    *chars = count;
    return clean ? s : x->scratch.ptr;
}

/* ---- sheets and rows ---- */

static void widen(struct owed_xlsx *x, size_t col, int chars)
{
    if (chars > x->width[col]) x->width[col] = chars;
}

/* The autofilter over the header and the body rows: once these are written, and before
 * any later row, because in constant_memory mode libxlsxwriter refuses a range that ends
 * above the row it is on. */
static int filter_set(struct owed_xlsx *x)
{
    lxw_error e = worksheet_autofilter(x->ws, 0, 0, x->body_last, (lxw_col_t)(x->ncols - 1));
    return e ? lxw_fail(x, e) : OWED_OK;
}

/* Column widths (and the autofilter, without total rows) once the sheet's rows are all
 * written. */
static void sheet_end(struct owed_xlsx *x)
{
    if (!x->ws || x->rc) return;
    for (size_t c = 0; c < x->ncols; c++) {
        int w = x->width[c] + 2;
        worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c, w < 8 ? 8 : w > 60 ? 60 : w,
                             NULL);
    }
    if (!x->totals) filter_set(x);
}

int owed_xlsx_sheet_add(struct owed_xlsx *x, const char *name, const char *const *header,
                        size_t ncols)
{
    if (x->rc) return x->rc;
    if (ncols == 0 || ncols > OWED_XLSX_MAX_COLS)
        return fail(x, OWED_E_INVALID, "sheet %s: %zu columns (1 to %d)", name, ncols,
                    OWED_XLSX_MAX_COLS);
    sheet_end(x);
    if (x->rc) return x->rc;
    lxw_error e = workbook_validate_sheet_name(x->wb, name);
    if (e) return fail(x, OWED_E_INVALID, "sheet name '%s': %s", name, lxw_strerror(e));
    x->ws = workbook_add_worksheet(x->wb, name);
    if (!x->ws) return fail(x, OWED_E_IO, "sheet %s: cannot add it (temporary file?)", name);
    snprintf(x->sheet, sizeof x->sheet, "%s", name);
    x->ncols = ncols;
    x->row = 1;
    x->body_last = 0;
    x->totals = false;
    memset(x->width, 0, sizeof x->width);
    worksheet_freeze_panes(x->ws, 1, 0);
    worksheet_set_landscape(x->ws);
    worksheet_fit_to_pages(x->ws, 1, 0);
    worksheet_repeat_rows(x->ws, 0, 0);
    if (x->page_header[0]) worksheet_set_header(x->ws, x->page_header);
    lxw_format *bold = format_of(x, OWED_XLSX_TEXT, 0, "", true);
    for (size_t c = 0; c < ncols; c++) {
        int chars;
        const char *t = clean_text(x, header[c] ? header[c] : "", &chars);
        widen(x, c, chars + 2); /* room for the filter button */
        e = worksheet_write_string(x->ws, 0, (lxw_col_t)c, t, bold);
        if (e) return lxw_fail(x, e);
    }
    return OWED_OK;
}

static int write_money(struct owed_xlsx *x, uint32_t row, size_t col,
                       const struct owed_xlsx_cell *c, bool bold)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (c->exponent < 0 || c->exponent > 9)
        return fail(x, OWED_E_INVALID, "sheet %s: exponent %d is not 0 to 9", x->sheet,
                    c->exponent);
    if (c->value > OWED_XLSX_MONEY_MAX || c->value < -OWED_XLSX_MONEY_MAX)
        return fail(x, OWED_E_OVERFLOW,
                    "sheet %s: %lld minor units is more than the 15 digits a spreadsheet "
                    "number holds exactly", x->sheet, (long long)c->value);
    char text[OWED__AMOUNT_MAX];
    widen(x, col, (int)owed__amount_write(text, c->value, c->exponent, true) +
                      (currency_code_ok(c->currency) ? 4 : 0));
    lxw_format *f = format_of(x, OWED_XLSX_MONEY, c->exponent, c->currency, bold);
    /* The one place money becomes floating point: see owed_xlsx_money() in xlsx.h. */
    double v = (double)c->value / pow10[c->exponent];
    lxw_error e = worksheet_write_number(x->ws, row, (lxw_col_t)col, v, f);
    return e ? lxw_fail(x, e) : OWED_OK;
}

static int write_cell(struct owed_xlsx *x, uint32_t row, size_t col,
                      const struct owed_xlsx_cell *c, bool bold)
{
    lxw_col_t lc = (lxw_col_t)col;
    lxw_error e = LXW_NO_ERROR;
    char buf[24];
    int chars;
    switch (c->kind) {
    case OWED_XLSX_BLANK:
        break;
    case OWED_XLSX_TEXT: {
        if (!c->text || !*c->text) break;
        const char *t = clean_text(x, c->text, &chars);
        widen(x, col, chars);
        e = worksheet_write_string(x->ws, row, lc, t, format_of(x, OWED_XLSX_TEXT, 0, "", bold));
        break;
    }
    case OWED_XLSX_INT:
        /* Integers past 2^53 would round: none of ours (counts, days) come near. */
        OWED_ASSERT(c->value <= (INT64_C(1) << 53) && c->value >= -(INT64_C(1) << 53));
        widen(x, col, snprintf(buf, sizeof buf, "%lld", (long long)c->value));
        e = worksheet_write_number(x->ws, row, lc, (double)c->value,
                                   format_of(x, OWED_XLSX_INT, 0, "", bold));
        break;
    case OWED_XLSX_MONEY:
        return write_money(x, row, col, c, bold);
    case OWED_XLSX_DATE: {
        int y, m, d;
        owed_date_to_ymd(c->date, &y, &m, &d);
        widen(x, col, 10);
        if (c->date < owed_date_from_ymd(1900, 3, 1)) {
            /* Excel's calendar starts in 1900 (with its phantom 1900-02-29). */
            owed_date_format(c->date, buf);
            e = worksheet_write_string(x->ws, row, lc, buf,
                                       format_of(x, OWED_XLSX_TEXT, 0, "", bold));
            break;
        }
        lxw_datetime dt = {.year = y, .month = m, .day = d};
        e = worksheet_write_datetime(x->ws, row, lc, &dt,
                                     format_of(x, OWED_XLSX_DATE, 0, "", bold));
        break;
    }
    default:
        OWED_UNREACHABLE("xlsx cell kind");
    }
    return e ? lxw_fail(x, e) : OWED_OK;
}

int owed_xlsx_row_add(struct owed_xlsx *x, const struct owed_xlsx_cell *cells, size_t n,
                      unsigned flags)
{
    if (x->rc) return x->rc;
    if (!x->ws) return fail(x, OWED_E_INVALID, "a row before the first sheet");
    if (n > x->ncols)
        return fail(x, OWED_E_INVALID, "sheet %s: a row of %zu cells under %zu columns",
                    x->sheet, n, x->ncols);
    if (x->row >= LXW_ROW_MAX) return lxw_fail(x, LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE);
    bool total = flags & OWED_XLSX_ROW_TOTAL;
    if (total && !x->totals && filter_set(x)) return x->rc;
    for (size_t c = 0; c < n; c++)
        if (write_cell(x, x->row, c, &cells[c], total)) return x->rc;
    if (total) x->totals = true;
    else if (!x->totals) x->body_last = x->row;
    x->row++;
    return OWED_OK;
}

/* ---- the bytes ---- */

static int read_back(struct owed_xlsx *x, struct owed_buf *out)
{
    FILE *f = fopen(x->path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        int rc = fail(x, OWED_E_IO, "%s: %s", x->path, strerror(errno));
        if (f) fclose(f);
        return rc;
    }
    size_t size = (size_t)st.st_size, max = out->max ? out->max : OWED_BUF_MAX_DEFAULT;
    if (out->err || size > max || out->len > max - size) {
        fclose(f);
        return fail(x, OWED_E_TOO_LARGE, "the workbook (%zu bytes) is past the output's cap",
                    size);
    }
    size_t start = out->len, got;
    char chunk[1 << 16];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(out, chunk, got);
    bool bad = ferror(f) || out->len - start != size;
    fclose(f);
    if (bad) {
        out->len = start;
        out->ptr[start] = '\0';
        return fail(x, OWED_E_IO, "%s: read error", x->path);
    }
    return OWED_OK;
}

int owed_xlsx_finish(struct owed_xlsx *x, struct owed_buf *out, struct owed_buf *err)
{
    OWED_ASSERT(x->wb);
    sheet_end(x);
    if (!x->rc) {
        pthread_mutex_lock(&close_lock);
        lxw_error e = workbook_close(x->wb); /* writes the file and frees the workbook */
        pthread_mutex_unlock(&close_lock);
        x->wb = NULL;
        if (e) lxw_fail(x, e);
        else read_back(x, out);
    }
    if (x->rc) owed_buf_adds(err, x->msg);
    return x->rc;
}

void owed_xlsx_free(struct owed_xlsx *x)
{
    if (!x) return;
    if (x->wb) lxw_workbook_free(x->wb);
    remove_dir(x->dir);
    free(x->fmts);
    owed_buf_release(&x->scratch);
    free(x);
}
