/* Page setup, fonts, wrapped text, tables with page breaks, footers, links and the QR code
 * for the PDF renderers. See pdf_int.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "base.h"
#include "io/pdf_int.h"

#define DEFAULT_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#define CELL_PAD 5.0f

void owed__pdf_fail(struct pdf_ctx *p, int rc, const char *fmt, ...) {
    if (p->rc) return;
    p->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(&p->msg, fmt, ap);
    va_end(ap);
}

static void HPDF_STDCALL on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *ud) {
    struct pdf_ctx *p = ud;
    owed__pdf_fail(p, OWED_E_IO, "pdf: libharu error 0x%04X (detail %u)", (unsigned)error_no,
                   (unsigned)detail_no);
}

static bool ok(const struct pdf_ctx *p) { return p->rc == OWED_OK; }

/* --- text cleaning ------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t avail) {
    unsigned c = s[0], need, cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3, cp = c & 0x07;
    else
        return 0;
    if (avail < need + 1) return 0;
    for (unsigned k = 1; k <= need; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need + 1;
}

/* Copies s into b as well-formed UTF-8: bad bytes become U+FFFD, control characters a
 * blank, except "\n" when keep_newlines. */
static void clean_into(struct owed_buf *b, const char *s, bool keep_newlines) {
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    owed_buf_reset(b);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0) {
            owed_buf_adds(b, "\xef\xbf\xbd");
            i++;
        } else if (n == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
            owed_buf_addc(b, (u[i] == '\n' && keep_newlines) ? '\n' : ' ');
            i++;
        } else {
            owed_buf_add(b, u + i, n);
            i += n;
        }
    }
}

/* --- document ------------------------------------------------------------------------ */

static void add_page(struct pdf_ctx *p) {
    HPDF_Page page = HPDF_AddPage(p->doc);
    if (!page) return;
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    OWED_ALLOC_GROW(p->pages, p->n_pages + 1, p->cap_pages);
    p->pages[p->n_pages++] = page;
    p->page = page;
    p->y = PDF_TOP;
}

/* libharu 2.3.0 gives a UTF-8 font a ToUnicode entry that is its CID CMap (begincidrange),
 * which readers reject, so copying or searching text depends on their guesswork. With the
 * UTF-8 encoder the character codes are the Unicode code points (Identity-H, BMP only),
 * so the right map is the identity: one bfrange per high byte (a range may not cross one),
 * at most 100 per block (PDF 32000 9.10.3). The old stream stays in the file unreferenced:
 * it belongs to the cross-reference table. Uses libharu's object API (hpdf_objects.h). */
static void fix_to_unicode(struct pdf_ctx *p, HPDF_Font font) {
    HPDF_Dict cmap = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref);
    if (!cmap) return;
    cmap->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    HPDF_Stream_WriteStr(cmap->stream,
                         "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                         "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> "
                         "def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                         "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    unsigned hi[256], n = 0;
    for (unsigned h = 0; h < 256; h++)
        if (h < 0xd8 || h > 0xdf) hi[n++] = h; /* no surrogates */
    char line[48];
    for (unsigned i = 0; i < n; i += 100) {
        unsigned m = n - i < 100 ? n - i : 100;
        snprintf(line, sizeof(line), "%u beginbfrange\n", m);
        HPDF_Stream_WriteStr(cmap->stream, line);
        for (unsigned k = i; k < i + m; k++) {
            snprintf(line, sizeof(line), "<%02X00> <%02XFF> <%02X00>\n", hi[k], hi[k], hi[k]);
            HPDF_Stream_WriteStr(cmap->stream, line);
        }
        HPDF_Stream_WriteStr(cmap->stream, "endbfrange\n");
    }
    HPDF_Stream_WriteStr(cmap->stream, "endcmap\nCMapName currentdict /CMap defineresource "
                                       "pop\nend\nend\n");
    HPDF_Dict_Add(font, "ToUnicode", cmap);
}

static int load_font(struct pdf_ctx *p, const char *dir, const char *file, HPDF_Font *out,
                     struct owed_buf *err) {
    struct owed_buf path = OWED_BUF_INIT(4096);
    owed_buf_addf(&path, "%s/%s", dir, file);
    FILE *f = fopen(path.ptr, "rb");
    if (!f) {
        if (err) owed_buf_addf(err, "font: %s: %s", path.ptr, strerror(errno));
        owed_buf_release(&path);
        return OWED_E_IO;
    }
    fclose(f);
    const char *name = HPDF_LoadTTFontFromFile(p->doc, path.ptr, HPDF_TRUE);
    *out = name ? HPDF_GetFont(p->doc, name, "UTF-8") : NULL;
    if (!*out)
        owed__pdf_fail(p, OWED_E_IO, "font: %s: libharu cannot load it", path.ptr);
    else
        fix_to_unicode(p, *out);
    owed_buf_release(&path);
    return OWED_OK;
}

/* The title as ASCII: libharu writes info strings as given, and a reader takes them as
 * PDFDocEncoding, so UTF-8 would show as mojibake. */
static void set_info(struct pdf_ctx *p, const struct owed_pdf_options *o, const char *title) {
    struct owed_buf t = OWED_BUF_INIT(1024);
    for (const unsigned char *s = (const unsigned char *)title; *s; s++) {
        if (*s >= 0x20 && *s < 0x7f)
            owed_buf_addc(&t, (char)*s);
        else if (*s >= 0xc0 || *s < 0x80)
            owed_buf_addc(&t, '?'); /* one per character */
    }
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, t.ptr);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "owed");
    owed_buf_release(&t);
    if (o->created_ms) {
        owed_time_ms ms = o->created_ms;
        owed_date day = owed_date_from_time(ms);
        int64_t sec = ms / 1000 - (int64_t)day * 86400;
        HPDF_Date d = {0};
        owed_date_to_ymd(day, &d.year, &d.month, &d.day);
        d.hour = (HPDF_INT)(sec / 3600);
        d.minutes = (HPDF_INT)(sec / 60 % 60);
        d.seconds = (HPDF_INT)(sec % 60);
        d.ind = 'Z';
        HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, d);
    }
}

static void release(struct pdf_ctx *p) {
    if (p->doc) HPDF_Free(p->doc);
    p->doc = NULL;
    free(p->pages);
    p->pages = NULL;
    owed_buf_release(&p->msg);
    owed_buf_release(&p->scratch);
    owed_buf_release(&p->clean);
}

int owed__pdf_begin(struct pdf_ctx *p, const struct owed_pdf_options *o, const char *title,
                    const char *footer, struct owed_buf *err) {
    memset(p, 0, sizeof(*p));
    owed_buf_init(&p->msg, 4096);
    owed_buf_init(&p->scratch, OWED_BUF_MAX_DEFAULT);
    owed_buf_init(&p->clean, OWED_BUF_MAX_DEFAULT);
    p->footer = footer;
    p->doc = HPDF_New(on_hpdf_error, p);
    if (!p->doc) {
        if (err) owed_buf_adds(err, "pdf: libharu cannot create a document");
        release(p);
        return OWED_E_IO;
    }
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    set_info(p, o, title);
    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8");

    const char *dir = o->font_dir;
    if (!dir || !*dir) dir = getenv("OWED_FONT_DIR");
    if (!dir || !*dir) dir = DEFAULT_FONT_DIR;
    int rc = load_font(p, dir, "DejaVuSans.ttf", &p->regular, err);
    if (!rc) rc = load_font(p, dir, "DejaVuSans-Bold.ttf", &p->bold, err);
    if (!rc && ok(p)) add_page(p);
    if (!rc && !ok(p)) {
        if (err) owed_buf_add(err, p->msg.ptr, p->msg.len);
        rc = p->rc;
    }
    if (rc) release(p);
    return rc;
}

static void draw_footers(struct pdf_ctx *p) {
    char right[64];
    for (size_t i = 0; i < p->n_pages && ok(p); i++) {
        p->page = p->pages[i];
        snprintf(right, sizeof(right), "Page %zu of %zu", i + 1, p->n_pages);
        owed__pdf_rule(p, PDF_LEFT, PDF_RIGHT, PDF_FOOTER_Y + 10.0f, 0.4f);
        if (p->footer)
            owed__pdf_text(p, p->regular, PDF_SIZE_SMALL, PDF_LEFT, PDF_FOOTER_Y, PDF_ALIGN_LEFT,
                           p->footer);
        owed__pdf_text(p, p->regular, PDF_SIZE_SMALL, PDF_RIGHT, PDF_FOOTER_Y, PDF_ALIGN_RIGHT,
                       right);
    }
}

/* Saves into a buffer of our own first, so out is untouched on failure. */
static void save(struct pdf_ctx *p, struct owed_buf *bytes) {
    if (HPDF_SaveToStream(p->doc) != HPDF_OK) return;
    HPDF_UINT32 total = HPDF_GetStreamSize(p->doc);
    owed__buf_reserve(bytes, total);
    char chunk[16384];
    for (;;) {
        HPDF_UINT32 n = sizeof(chunk);
        HPDF_STATUS st = HPDF_ReadFromStream(p->doc, (HPDF_BYTE *)chunk, &n);
        owed_buf_add(bytes, chunk, n);
        if (st == HPDF_STREAM_EOF) break;
        if (st != HPDF_OK) {
            owed__pdf_fail(p, OWED_E_IO, "pdf: reading the saved document failed");
            return;
        }
    }
    if (owed_buf_err(bytes)) owed__pdf_fail(p, owed_buf_err(bytes), "pdf: document too large");
}

int owed__pdf_finish(struct pdf_ctx *p, struct owed_buf *out, struct owed_buf *err) {
    struct owed_buf bytes = OWED_BUF_INIT(out->max ? out->max : OWED_BUF_MAX_DEFAULT);
    if (ok(p)) draw_footers(p);
    if (ok(p)) save(p, &bytes);
    int rc = p->rc;
    if (rc) {
        if (err) owed_buf_add(err, p->msg.ptr, p->msg.len);
    } else {
        owed_buf_add(out, bytes.ptr, bytes.len);
        rc = owed_buf_err(out);
    }
    owed_buf_release(&bytes);
    release(p);
    return rc;
}

/* --- cursor and pages ---------------------------------------------------------------- */

void owed__pdf_new_page(struct pdf_ctx *p) {
    if (!ok(p)) return;
    add_page(p);
    const struct pdf_table *t = p->table;
    if (t) {
        p->table = NULL; /* drawing the header must not recurse */
        owed__pdf_table_begin(p, t);
    }
}

void owed__pdf_need(struct pdf_ctx *p, HPDF_REAL h) {
    if (p->y - h < PDF_BOTTOM && p->y < PDF_TOP) owed__pdf_new_page(p);
}

void owed__pdf_skip(struct pdf_ctx *p, HPDF_REAL h) {
    p->y -= h;
    if (p->y < PDF_BOTTOM) owed__pdf_new_page(p);
}

/* --- text ---------------------------------------------------------------------------- */

HPDF_REAL owed__pdf_width(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, const char *s,
                          size_t len) {
    if (!ok(p) || len == 0) return 0;
    HPDF_TextWidth tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)s, (HPDF_UINT)len);
    return (HPDF_REAL)tw.width * size / 1000.0f;
}

/* Draws len bytes of clean text at a baseline. */
static HPDF_REAL draw_n(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL x,
                        HPDF_REAL baseline, enum pdf_align align, const char *s, size_t len) {
    if (!ok(p) || len == 0) return 0;
    owed_buf_reset(&p->scratch);
    owed_buf_add(&p->scratch, s, len);
    HPDF_REAL w = owed__pdf_width(p, font, size, s, len);
    if (align == PDF_ALIGN_RIGHT) x -= w;
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, font, size);
    HPDF_Page_TextOut(p->page, x, baseline, p->scratch.ptr);
    HPDF_Page_EndText(p->page);
    return w;
}

HPDF_REAL owed__pdf_text(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL x,
                         HPDF_REAL baseline, enum pdf_align align, const char *s) {
    if (!ok(p) || !s) return 0;
    clean_into(&p->clean, s, false);
    return draw_n(p, font, size, x, baseline, align, p->clean.ptr, p->clean.len);
}

/* The first line of s[0..len) (no "\n" in it) that fits width: returns the bytes it
 * consumes (with the blanks after it) and sets *shown to the bytes to draw. A word wider
 * than the line is cut between characters. */
static size_t wrap_line(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL width,
                        const char *s, size_t len, size_t *shown) {
    size_t fit = 0, i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && s[e] != ' ') e++;
        if (fit && owed__pdf_width(p, font, size, s, e) > width) break;
        if (!fit && owed__pdf_width(p, font, size, s, e) > width) {
            /* The first word alone is too wide: as many characters as fit, at least one. */
            size_t k = 0, next;
            while (k < e) {
                next = k + 1;
                while (next < e && ((unsigned char)s[next] & 0xc0) == 0x80) next++;
                if (k && owed__pdf_width(p, font, size, s, next) > width) break;
                k = next;
            }
            *shown = k;
            return k;
        }
        fit = e;
        i = e;
        while (i < len && s[i] == ' ') i++;
    }
    *shown = fit;
    return i > fit ? i : fit;
}

/* Calls draw (when non-NULL) for each wrapped line of the clean text s; returns the count. */
static size_t for_lines(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL width,
                        const char *s, size_t len,
                        void (*draw)(struct pdf_ctx *, const char *, size_t, void *), void *ctx) {
    size_t lines = 0, i = 0;
    while (i < len && ok(p)) {
        size_t e = i;
        while (e < len && s[e] != '\n') e++;
        size_t j = i;
        do {
            size_t shown, used = wrap_line(p, font, size, width, s + j, e - j, &shown);
            if (draw) draw(p, s + j, shown, ctx);
            lines++;
            j += used ? used : e - j;
        } while (j < e && ok(p));
        i = e + 1;
        if (e == len) break;
    }
    return lines;
}

struct para_ctx {
    HPDF_Font font;
    HPDF_REAL size, x;
};

static void para_draw(struct pdf_ctx *p, const char *s, size_t n, void *ctx) {
    struct para_ctx *c = ctx;
    HPDF_REAL lead = c->size * PDF_LEADING;
    owed__pdf_need(p, lead);
    draw_n(p, c->font, c->size, c->x, p->y - c->size, PDF_ALIGN_LEFT, s, n);
    p->y -= lead;
}

void owed__pdf_para(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL x, HPDF_REAL width,
                    const char *s) {
    if (!ok(p) || !s) return;
    struct owed_buf c = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    clean_into(&c, s, true);
    struct para_ctx pc = {font, size, x};
    for_lines(p, font, size, width, c.ptr, c.len, para_draw, &pc);
    owed_buf_release(&c);
}

size_t owed__pdf_para_lines(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL size, HPDF_REAL width,
                            const char *s) {
    if (!ok(p) || !s) return 0;
    struct owed_buf c = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    clean_into(&c, s, true);
    size_t n = for_lines(p, font, size, width, c.ptr, c.len, NULL, NULL);
    owed_buf_release(&c);
    return n;
}

void owed__pdf_heading(struct pdf_ctx *p, const char *s, HPDF_REAL min_after) {
    HPDF_REAL h = PDF_SIZE_HEADING * PDF_LEADING;
    owed__pdf_need(p, h + 4.0f + min_after);
    owed__pdf_text(p, p->bold, PDF_SIZE_HEADING, PDF_LEFT, p->y - PDF_SIZE_HEADING, PDF_ALIGN_LEFT,
                   s);
    p->y -= h + 2.0f;
}

void owed__pdf_field(struct pdf_ctx *p, HPDF_REAL x, HPDF_REAL label_w, const char *label,
                     const char *value) {
    HPDF_REAL lead = PDF_SIZE_BODY * PDF_LEADING;
    owed__pdf_need(p, lead);
    owed__pdf_text(p, p->bold, PDF_SIZE_BODY, x, p->y - PDF_SIZE_BODY, PDF_ALIGN_LEFT, label);
    owed__pdf_text(p, p->regular, PDF_SIZE_BODY, x + label_w, p->y - PDF_SIZE_BODY, PDF_ALIGN_LEFT,
                   value);
    p->y -= lead;
}

/* --- drawing ------------------------------------------------------------------------- */

void owed__pdf_rule(struct pdf_ctx *p, HPDF_REAL x0, HPDF_REAL x1, HPDF_REAL y, HPDF_REAL w) {
    if (!ok(p)) return;
    HPDF_Page_SetLineWidth(p->page, w);
    HPDF_Page_SetGrayStroke(p->page, 0.55f);
    HPDF_Page_MoveTo(p->page, x0, y);
    HPDF_Page_LineTo(p->page, x1, y);
    HPDF_Page_Stroke(p->page);
}

void owed__pdf_link(struct pdf_ctx *p, HPDF_REAL x, HPDF_REAL baseline, const char *label,
                    const char *uri) {
    if (!ok(p)) return;
    HPDF_Page_SetRGBFill(p->page, 0.0f, 0.2f, 0.65f);
    HPDF_REAL w = owed__pdf_text(p, p->regular, PDF_SIZE_BODY, x, baseline, PDF_ALIGN_LEFT, label);
    HPDF_Page_SetGrayFill(p->page, 0.0f);
    if (!ok(p)) return;
    HPDF_Rect r = {x, baseline - 3.0f, x + w, baseline + PDF_SIZE_BODY};
    HPDF_Annotation a = HPDF_Page_CreateURILinkAnnot(p->page, r, uri);
    if (a) HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
}

void owed__pdf_qr(struct pdf_ctx *p, const char *payload, HPDF_REAL x, HPDF_REAL top,
                  HPDF_REAL side) {
    if (!ok(p)) return;
    /* All of it in byte mode, as the EPC guideline expects of a UTF-8 payload. */
    size_t len = strlen(payload);
    QRcode *qr = len <= INT32_MAX
                     ? QRcode_encodeData((int)len, (const unsigned char *)payload, 0, QR_ECLEVEL_M)
                     : NULL;
    if (!qr) {
        if (errno == ERANGE || len > INT32_MAX)
            owed__pdf_fail(p, OWED_E_INVALID, "qr_payload: %zu bytes do not fit a QR code", len);
        else
            owed__pdf_fail(p, OWED_E_INVALID, "qr_payload: cannot be encoded: %s", strerror(errno));
        return;
    }
    int n = qr->width;
    HPDF_REAL m = side / (HPDF_REAL)n;
    HPDF_Page_SetGrayFill(p->page, 0.0f);
    /* One rectangle per horizontal run of dark modules: fewer operators than squares. */
    for (int row = 0; row < n; row++) {
        for (int col = 0; col < n;) {
            if (!(qr->data[row * n + col] & 1)) {
                col++;
                continue;
            }
            int end = col;
            while (end < n && (qr->data[row * n + end] & 1)) end++;
            HPDF_Page_Rectangle(p->page, x + (HPDF_REAL)col * m, top - (HPDF_REAL)(row + 1) * m,
                                (HPDF_REAL)(end - col) * m, m);
            col = end;
        }
    }
    HPDF_Page_Fill(p->page);
    QRcode_free(qr);
    owed__pdf_text(p, p->regular, PDF_SIZE_SMALL,
                   x + side / 2.0f -
                       owed__pdf_width(p, p->regular, PDF_SIZE_SMALL, "Scan to pay", 11) / 2.0f,
                   top - side - 11.0f, PDF_ALIGN_LEFT, "Scan to pay");
}

/* --- tables -------------------------------------------------------------------------- */

static void table_cells(struct pdf_ctx *p, const struct pdf_table *t, const char *const *cells,
                        HPDF_Font font, HPDF_REAL size) {
    HPDF_REAL x = t->x, lead = size * PDF_LEADING;
    for (size_t c = 0; c < t->n_cols; c++) {
        const struct pdf_col *col = &t->cols[c];
        HPDF_REAL inner = col->width - 2 * CELL_PAD;
        if (cells[c] && *cells[c]) {
            struct owed_buf cl = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
            clean_into(&cl, cells[c], true);
            HPDF_REAL y = p->y - 1.5f;
            size_t i = 0;
            while (i < cl.len && ok(p)) {
                size_t e = i;
                while (e < cl.len && cl.ptr[e] != '\n') e++;
                size_t j = i;
                do {
                    size_t shown, used = wrap_line(p, font, size, inner, cl.ptr + j, e - j, &shown);
                    HPDF_REAL tx =
                        col->align == PDF_ALIGN_RIGHT ? x + col->width - CELL_PAD : x + CELL_PAD;
                    draw_n(p, font, size, tx, y - size, col->align, cl.ptr + j, shown);
                    y -= lead;
                    j += used ? used : e - j;
                } while (j < e && ok(p));
                i = e + 1;
            }
            owed_buf_release(&cl);
        }
        x += col->width;
    }
}

static HPDF_REAL row_height(struct pdf_ctx *p, const struct pdf_table *t, const char *const *cells,
                            HPDF_Font font, HPDF_REAL size) {
    size_t lines = 1;
    for (size_t c = 0; c < t->n_cols; c++) {
        if (!cells[c] || !*cells[c]) continue;
        size_t n = owed__pdf_para_lines(p, font, size, t->cols[c].width - 2 * CELL_PAD, cells[c]);
        if (n > lines) lines = n;
    }
    return (HPDF_REAL)lines * size * PDF_LEADING + 2.5f;
}

static HPDF_REAL table_width(const struct pdf_table *t) {
    HPDF_REAL w = 0;
    for (size_t c = 0; c < t->n_cols; c++) w += t->cols[c].width;
    return w;
}

void owed__pdf_table_begin(struct pdf_ctx *p, const struct pdf_table *t) {
    if (!ok(p)) return;
    const char *heads[32];
    OWED_ASSERT(t->n_cols <= OWED_ARRAY_LEN(heads));
    for (size_t c = 0; c < t->n_cols; c++) heads[c] = t->cols[c].head;
    HPDF_REAL h = row_height(p, t, heads, p->bold, PDF_SIZE_TABLE);
    /* The header and at least one row stay together. */
    owed__pdf_need(p, h + PDF_SIZE_TABLE * PDF_LEADING * 2 + 4.0f);
    HPDF_Page_SetGrayFill(p->page, 0.90f);
    HPDF_Page_Rectangle(p->page, t->x, p->y - h, table_width(t), h);
    HPDF_Page_Fill(p->page);
    HPDF_Page_SetGrayFill(p->page, 0.0f);
    table_cells(p, t, heads, p->bold, PDF_SIZE_TABLE);
    p->y -= h;
    p->table = t;
}

void owed__pdf_table_row(struct pdf_ctx *p, const char *const *cells, bool bold) {
    const struct pdf_table *t = p->table;
    if (!ok(p) || !t) return;
    HPDF_Font font = bold ? p->bold : p->regular;
    HPDF_REAL h = row_height(p, t, cells, font, PDF_SIZE_TABLE);
    if (p->y - h < PDF_BOTTOM) owed__pdf_new_page(p);
    table_cells(p, t, cells, font, PDF_SIZE_TABLE);
    p->y -= h;
    owed__pdf_rule(p, t->x, t->x + table_width(t), p->y, 0.25f);
}

void owed__pdf_table_end(struct pdf_ctx *p) {
    p->table = NULL;
    p->y -= 10.0f;
}

/* --- blocks -------------------------------------------------------------------------- */

static HPDF_REAL block_line(struct pdf_ctx *p, HPDF_Font font, HPDF_REAL x, HPDF_REAL y,
                            HPDF_REAL width, const char *s) {
    if (!s || !*s) return y;
    HPDF_REAL size = PDF_SIZE_BODY;
    clean_into(&p->clean, s, false);
    size_t shown;
    wrap_line(p, font, size, width, p->clean.ptr, p->clean.len, &shown);
    draw_n(p, font, size, x, y - size, PDF_ALIGN_LEFT, p->clean.ptr, shown);
    return y - size * PDF_LEADING;
}

HPDF_REAL owed__pdf_party(struct pdf_ctx *p, const struct owed_party *party, HPDF_REAL x,
                          HPDF_REAL top, HPDF_REAL width, bool ids) {
    char line[OWED_DOC_TEXT_MAX * 2 + 8];
    HPDF_REAL y = top;
    y = block_line(p, p->bold, x, y, width, party->name);
    if (strcmp(party->trading_name, party->name) != 0)
        y = block_line(p, p->regular, x, y, width, party->trading_name);
    y = block_line(p, p->regular, x, y, width, party->street);
    y = block_line(p, p->regular, x, y, width, party->street2);
    snprintf(line, sizeof(line), "%s%s%s", party->postcode, *party->postcode ? " " : "",
             party->city);
    y = block_line(p, p->regular, x, y, width, line);
    y = block_line(p, p->regular, x, y, width, party->country);
    if (ids) {
        if (*party->vat_id) {
            snprintf(line, sizeof(line), "VAT ID: %s", party->vat_id);
            y = block_line(p, p->regular, x, y, width, line);
        }
        if (*party->legal_id) {
            snprintf(line, sizeof(line), "Reg. no.: %s", party->legal_id);
            y = block_line(p, p->regular, x, y, width, line);
        }
        y = block_line(p, p->regular, x, y, width, party->contact_email);
    }
    return top - y;
}

const char *owed__pdf_amount(char out[OWED__AMOUNT_MAX], int64_t minor, int exponent) {
    size_t n = owed__amount_write(out, minor, exponent, true);
    out[n < OWED__AMOUNT_MAX ? n : OWED__AMOUNT_MAX - 1] = '\0';
    return out;
}

const char *owed__pdf_date(char out[11], owed_date d, bool blank_zero) {
    if (blank_zero && d == 0) {
        out[0] = '\0';
        return out;
    }
    owed_date_format(d, out);
    return out;
}
