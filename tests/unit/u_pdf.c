/* Unit tests for the PDF renderers (src/io/pdf*.c).
 *
 * Each document type is rendered to a temporary file and read back with poppler-utils:
 * pdftotext -layout for the text (UTF-8 names, amounts, numbers, IBAN, "Page n of m", the
 * table header repeated on page 2), pdfinfo for the page count and metadata, pdffonts for
 * the embedded DejaVu Sans, pdftoppm -gray for the pixels of the QR code. The link
 * annotations are checked in the raw file: libharu writes annotation dictionaries
 * uncompressed. Then: the same input gives the same bytes, a missing font directory is
 * OWED_E_IO with the path, a QR payload too long for any QR code is OWED_E_INVALID.
 * Without poppler-utils the whole file is skipped (77). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "core/epc_qr.h"
#include "io/pdf.h"
#include "io/pdf_int.h"

#define DPI 50

/* --- helpers ------------------------------------------------------------------------- */

static void fill_party(struct owed_party *p, const char *name, const char *street,
                       const char *postcode, const char *city, const char *cc, const char *vat) {
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->street, sizeof(p->street), "%s", street);
    snprintf(p->postcode, sizeof(p->postcode), "%s", postcode);
    snprintf(p->city, sizeof(p->city), "%s", city);
    snprintf(p->country, sizeof(p->country), "%s", cc);
    snprintf(p->vat_id, sizeof(p->vat_id), "%s", vat);
}

static struct owed_party seller, buyer;

static void parties(void) {
    fill_party(&seller, "Müller Maschinenbau GmbH", "Hauptstraße 5", "80331", "München", "DE",
               "DE123456789");
    fill_party(&buyer, "Žluťoučký kůň s.r.o.", "Náměstí Míru 12", "120 00", "Praha", "CZ",
               "CZ12345678");
}

/* An invoice of n lines at 19 %, totals filled by hand: line i costs (i+1) × 10.00, with
 * line 1 the item "Ōkami figurine" at 2 × 50.00 less 10.00 discount. */
static void make_invoice(struct owed_doc *d, size_t n) {
    memset(d, 0, sizeof(*d));
    parties();
    d->type = OWED_DOC_INVOICE;
    snprintf(d->number, sizeof(d->number), "2026-0042");
    d->issue_date = owed_date_from_ymd(2026, 3, 5);
    d->due_date = owed_date_from_ymd(2026, 4, 4);
    snprintf(d->currency, sizeof(d->currency), "EUR");
    snprintf(d->order_reference, sizeof(d->order_reference), "PO-7781");
    snprintf(d->payment_terms, sizeof(d->payment_terms), "Net 30 days");
    snprintf(d->note, sizeof(d->note), "Thank you for your order.");
    snprintf(d->iban, sizeof(d->iban), "DE89370400440532013000");
    snprintf(d->bic, sizeof(d->bic), "COBADEFFXXX");
    d->seller = seller;
    d->buyer = buyer;
    d->n_lines = n;
    d->lines = calloc(n, sizeof(*d->lines));
    assert_non_null(d->lines);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        struct owed_doc_line *l = &d->lines[i];
        snprintf(l->unit, sizeof(l->unit), "C62");
        snprintf(l->tax_category, sizeof(l->tax_category), "S");
        l->tax_rate_e2 = 1900;
        if (i == 0) {
            snprintf(l->name, sizeof(l->name), "Ōkami figurine");
            snprintf(l->description, sizeof(l->description), "Hand-painted, 20 cm");
            l->qty_e3 = 2000;
            l->price_e4 = 5000 * 10000;
            l->discount_minor = 1000;
            l->net_minor = 9000;
        } else {
            snprintf(l->name, sizeof(l->name), "Service item %zu", i + 1);
            l->qty_e3 = 1000;
            l->price_e4 = (int64_t)(i + 1) * 1000 * 10000;
            l->net_minor = (int64_t)(i + 1) * 1000;
        }
        sum += l->net_minor;
    }
    int64_t tax = (sum * 19 + 50) / 100;
    d->n_tax = 1;
    snprintf(d->tax[0].category, sizeof(d->tax[0].category), "S");
    d->tax[0].rate_e2 = 1900;
    d->tax[0].taxable_minor = sum;
    d->tax[0].tax_minor = tax;
    d->totals = (struct owed_doc_totals){.line_net = sum,
                                         .tax_exclusive = sum,
                                         .tax = tax,
                                         .tax_inclusive = sum + tax,
                                         .payable = sum + tax};
}

static char *qr_for(int64_t cents) {
    struct owed_buf b = OWED_BUF_INIT(0);
    assert_int_equal(owed_epc_qr_payload("Müller Maschinenbau GmbH", "DE89370400440532013000",
                                         "COBADEFFXXX", cents, "Invoice 2026-0042", &b, NULL),
                     OWED_OK);
    return owed_buf_detach(&b, NULL);
}

static const char *const terms_lines[] = {"2 % discount if paid within 10 days.",
                                          "Late payments bear interest of 9 points above base."};

static struct owed_pdf_invoice_extra extra(const char *qr) {
    return (struct owed_pdf_invoice_extra){
        .exponent = 2,
        .status = "COPY",
        .ack_url = "https://ar.example/ack/7f3a9c",
        .qr_payload = qr,
        .terms = terms_lines,
        .n_terms = OWED_ARRAY_LEN(terms_lines),
    };
}

struct pdf_file {
    char path[64];
    char *bytes;
    size_t len;
};

static void keep(struct pdf_file *f, struct owed_buf *out) {
    snprintf(f->path, sizeof(f->path), "/tmp/u_pdf_XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, out->ptr, out->len), (ssize_t)out->len);
    close(fd);
    f->bytes = owed_buf_detach(out, &f->len);
}

/* U_PDF_KEEP=1 keeps the files for a look (their paths go to stderr). */
static void drop(struct pdf_file *f) {
    if (getenv("U_PDF_KEEP"))
        fprintf(stderr, "kept %s\n", f->path);
    else
        unlink(f->path);
    free(f->bytes);
}

/* Output of a shell command (stdout), NUL-terminated; the caller frees it. */
static char *run(const char *fmt, ...) OWED_PRINTF(1, 2);
static char *run(const char *fmt, ...) {
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    struct owed_buf b = OWED_BUF_INIT(0);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) owed_buf_add(&b, chunk, n);
    int st = pclose(f);
    if (st != 0) print_error("command failed (%d): %s\n", st, cmd);
    assert_int_equal(st, 0);
    return owed_buf_detach(&b, NULL);
}

/* pdfinfo pads "Key:" to the longest key it prints, which varies. */
static void expect_info(const char *info, const char *key, const char *value) {
    const char *k = strstr(info, key);
    if (k) {
        k += strlen(key);
        while (*k == ' ') k++;
    }
    if (!k || strncmp(k, value, strlen(value)) != 0)
        print_error("pdfinfo: want %s %s in:\n%s\n", key, value, info);
    assert_true(k && strncmp(k, value, strlen(value)) == 0);
}

static void expect_in(const char *text, const char *want) {
    if (!strstr(text, want)) print_error("missing \"%s\" in:\n%s\n", want, text);
    assert_non_null(strstr(text, want));
}

static bool has_bytes(const struct pdf_file *f, const char *s) {
    return memmem(f->bytes, f->len, s, strlen(s)) != NULL;
}

/* A link annotation to uri: libharu writes the URI string with "/" as "\\057". */
static bool has_uri(const struct pdf_file *f, const char *uri) {
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_adds(&b, "/URI (");
    for (; *uri; uri++) {
        if (*uri == '/')
            owed_buf_adds(&b, "\\057");
        else
            owed_buf_addc(&b, *uri);
    }
    owed_buf_addc(&b, ')');
    bool found = has_bytes(f, b.ptr);
    owed_buf_release(&b);
    return found;
}

/* Text of page `page` (1-based), or of all pages for 0. */
static char *text_of(const struct pdf_file *f, int page) {
    if (page) return run("pdftotext -layout -f %d -l %d %s -", page, page, f->path);
    return run("pdftotext -layout %s -", f->path);
}

static void render_invoice(const struct owed_doc *d, const struct owed_pdf_invoice_extra *x,
                           struct pdf_file *f) {
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_pdf_invoice(d, x, &out, &err);
    if (rc) print_error("rc %d: %s\n", rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    assert_memory_equal(out.ptr, "%PDF-", 5);
    owed_buf_release(&err);
    keep(f, &out);
}

/* --- invoice ------------------------------------------------------------------------- */

static void t_invoice_text(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 3);
    char *qr = qr_for(d.totals.payable);
    struct owed_pdf_invoice_extra x = extra(qr);
    struct pdf_file f;
    render_invoice(&d, &x, &f);

    char *text = text_of(&f, 0);
    static const char *const want[] = {
        "Müller Maschinenbau GmbH",
        "Žluťoučký kůň s.r.o.",
        "Ōkami figurine",
        "Hand-painted, 20 cm",
        "Invoice",
        "2026-0042",
        "2026-03-05",
        "2026-04-04",
        "PO-7781",
        "DE123456789",
        "CZ12345678",
        "COPY",
        "Unit price",
        "50.00",
        "10.00",
        "19%",
        "Net amount of lines",
        "140.00",
        "26.60",
        "Amount due (EUR)",
        "166.60",
        "VAT breakdown",
        "DE89 3704 0044 0532 0130 00",
        "COBADEFFXXX",
        "Net 30 days",
        "2 % discount if paid within 10 days.",
        "Thank you for your order.",
        "Scan to pay",
        "Confirm receipt: https://ar.example/ack/7f3a9c",
        "Page 1 of 1",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) expect_in(text, want[i]);
    free(text);

    char *info = run("pdfinfo %s", f.path);
    expect_info(info, "Pages:", "1");
    expect_info(info, "Title:", "Invoice 2026-0042");
    expect_info(info, "Creator:", "owed");
    free(info);
    /* The link annotation with its URI (annotation dictionaries are not compressed). */
    assert_true(has_uri(&f, "https://ar.example/ack/7f3a9c"));
    assert_true(has_bytes(&f, "/Subtype /Link"));

    /* Both fonts embedded, with a ToUnicode map (so text extracts as above). */
    char *fonts = run("pdffonts %s | grep DejaVuSans", f.path);
    size_t embedded = 0;
    for (char *line = fonts; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (strstr(line, " yes "))
            embedded++;
        else
            print_error("font not embedded: %s\n", line);
        line = nl ? nl + 1 : NULL;
    }
    assert_int_equal(embedded, 2);
    free(fonts);

    drop(&f);
    free(qr);
    owed_doc_free(&d);
}

static void t_invoice_two_pages(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 60);
    struct owed_pdf_invoice_extra x = extra(NULL);
    struct pdf_file f;
    render_invoice(&d, &x, &f);

    char *info = run("pdfinfo %s", f.path);
    expect_info(info, "Pages:", "2");
    free(info);
    char *p1 = text_of(&f, 1), *p2 = text_of(&f, 2);
    expect_in(p1, "Page 1 of 2");
    expect_in(p1, "Service item 2 ");
    expect_in(p2, "Page 2 of 2");
    /* The header repeated above the rest of the table, and the last line on page 2. */
    expect_in(p2, "Description");
    expect_in(p2, "Unit price");
    expect_in(p2, "Service item 60");
    assert_null(strstr(p1, "Service item 60"));
    expect_in(p2, "Amount due (EUR)");
    /* 90 + Σ 2..60 of 10 × i = 18,380.00 net, 3,492.20 VAT. */
    expect_in(p2, "21,872.20");
    free(p1);
    free(p2);
    drop(&f);
    owed_doc_free(&d);
}

static void t_credit_note(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 1);
    d.type = OWED_DOC_CREDIT_NOTE;
    snprintf(d.number, sizeof(d.number), "CN-2026-0003");
    snprintf(d.preceding_number, sizeof(d.preceding_number), "2026-0042");
    struct owed_pdf_invoice_extra x = {.exponent = 2, .status = "CREDIT NOTE"};
    struct pdf_file f;
    render_invoice(&d, &x, &f);
    char *text = text_of(&f, 0);
    expect_in(text, "Credit note");
    expect_in(text, "CN-2026-0003");
    expect_in(text, "Corrects");
    expect_in(text, "Amount credited (EUR)");
    expect_in(text, "107.10");
    assert_null(strstr(text, "Confirm receipt"));
    assert_null(strstr(text, "Scan to pay"));
    free(text);
    assert_false(has_bytes(&f, "/URI"));
    drop(&f);
    owed_doc_free(&d);
}

/* --- QR pixels ----------------------------------------------------------------------- */

struct gray {
    int w, h;
    unsigned char *px;
};

/* Page 1 as an 8-bit grey PGM (P5) at DPI. */
static struct gray raster(const struct pdf_file *f) {
    char *pgm = NULL;
    char out[80];
    snprintf(out, sizeof(out), "%s-img", f->path);
    free(run("pdftoppm -f 1 -l 1 -r %d -gray -singlefile %s %s", DPI, f->path, out));
    char path[96];
    snprintf(path, sizeof(path), "%s.pgm", out);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    struct gray g = {0};
    int maxval = 0;
    assert_int_equal(fscanf(fp, "P5 %d %d %d", &g.w, &g.h, &maxval), 3);
    assert_int_equal(maxval, 255);
    fgetc(fp); /* the single blank after maxval */
    g.px = malloc((size_t)g.w * (size_t)g.h);
    assert_non_null(g.px);
    assert_int_equal(fread(g.px, 1, (size_t)g.w * (size_t)g.h, fp), (size_t)g.w * (size_t)g.h);
    fclose(fp);
    unlink(path);
    free(pgm);
    return g;
}

/* Mean darkness (0 white .. 1 black) of a rectangle. */
static double darkness(const struct gray *g, int x0, int y0, int x1, int y1) {
    double sum = 0;
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++, n++) sum += 255 - g->px[y * g->w + x];
    return n ? sum / (255.0 * (double)n) : 0;
}

/* The QR code is the only difference between the invoice with and without it (the totals
 * block keeps its height): the pixels that differ are the code and its caption. The code
 * is a square of PDF_QR_SIDE points, about half dark, with a white quiet zone around; the
 * invoice without it is white there. */
static void t_qr_pixels(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 3);
    char *qr = qr_for(d.totals.payable);
    struct owed_pdf_invoice_extra with = extra(qr), without = extra(NULL);
    struct pdf_file fq, fn;
    render_invoice(&d, &with, &fq);
    render_invoice(&d, &without, &fn);
    struct gray a = raster(&fq), b = raster(&fn);
    assert_int_equal(a.w, b.w);
    assert_int_equal(a.h, b.h);

    int x0 = a.w, y0 = a.h, x1 = -1, y1 = -1;
    for (int y = 0; y < a.h; y++)
        for (int x = 0; x < a.w; x++)
            if (a.px[y * a.w + x] != b.px[y * a.w + x]) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
    assert_true(x1 > x0 && y1 > y0);
    int side = (int)(PDF_QR_SIDE * DPI / 72.0f + 0.5f);
    int w = x1 - x0 + 1;
    if (abs(w - side) > 2) print_error("QR width %d px, expected about %d\n", w, side);
    assert_true(abs(w - side) <= 2);
    /* The code on the left, beside the totals; below it only the caption. */
    assert_true(x0 < (int)(PDF_LEFT * DPI / 72.0f) + 3);
    assert_true(y1 - y0 + 1 < side + 16 * DPI / 72 + 4);

    double qr_dark = darkness(&a, x0, y0, x0 + w, y0 + w);
    if (qr_dark < 0.3 || qr_dark > 0.7) print_error("QR darkness %.2f\n", qr_dark);
    assert_true(qr_dark > 0.3 && qr_dark < 0.7);
    /* Nothing in the same square without the QR code. */
    assert_true(darkness(&b, x0, y0, x0 + w, y0 + w) < 0.01);
    /* White quiet zone: a band left of and above the code. */
    int m = 4;
    assert_true(darkness(&a, x0 - m, y0, x0 - 1, y0 + w) < 0.01);
    assert_true(darkness(&a, x0, y0 - m, x0 + w, y0 - 1) < 0.01);

    free(a.px);
    free(b.px);
    drop(&fq);
    drop(&fn);
    free(qr);
    owed_doc_free(&d);
}

/* --- determinism, options, errors ---------------------------------------------------- */

static void t_deterministic(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 5);
    char *qr = qr_for(d.totals.payable);
    struct owed_pdf_invoice_extra x = extra(qr);
    struct owed_buf a = OWED_BUF_INIT(0), b = OWED_BUF_INIT(0);
    assert_int_equal(owed_pdf_invoice(&d, &x, &a, NULL), OWED_OK);
    assert_int_equal(owed_pdf_invoice(&d, &x, &b, NULL), OWED_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.ptr, b.ptr, a.len);
    assert_null(memmem(a.ptr, a.len, "/CreationDate", 13));

    /* With a creation date: written as given, in UTC, and still the same bytes. */
    x.opt.created_ms = 1772703000000LL; /* 2026-03-05 09:30:00 UTC */
    owed_buf_reset(&a);
    owed_buf_reset(&b);
    assert_int_equal(owed_pdf_invoice(&d, &x, &a, NULL), OWED_OK);
    assert_int_equal(owed_pdf_invoice(&d, &x, &b, NULL), OWED_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.ptr, b.ptr, a.len);
    assert_non_null(memmem(a.ptr, a.len, "/CreationDate (D:20260305093000Z", 31));
    owed_buf_release(&a);
    owed_buf_release(&b);
    free(qr);
    owed_doc_free(&d);
}

static void t_missing_fonts(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 1);
    struct owed_pdf_invoice_extra x = extra(NULL);
    x.opt.font_dir = "/nonexistent/fonts";
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "keep");
    assert_int_equal(owed_pdf_invoice(&d, &x, &out, &err), OWED_E_IO);
    expect_in(err.ptr, "font: /nonexistent/fonts/DejaVuSans.ttf: No such file or directory");
    assert_string_equal(out.ptr, "keep");

    /* The same through $OWED_FONT_DIR, for every document type. */
    const char *saved = getenv("OWED_FONT_DIR");
    char *saved_copy = saved ? owed_xstrdup(saved) : NULL;
    setenv("OWED_FONT_DIR", "/nonexistent/env", 1);
    x.opt.font_dir = NULL;
    owed_buf_reset(&err);
    assert_int_equal(owed_pdf_invoice(&d, &x, &out, &err), OWED_E_IO);
    expect_in(err.ptr, "/nonexistent/env/DejaVuSans.ttf");
    struct owed_pdf_terms t = {.seller = &seller, .customer = &buyer};
    owed_buf_reset(&err);
    assert_int_equal(owed_pdf_terms(&t, &out, &err), OWED_E_IO);
    expect_in(err.ptr, "/nonexistent/env/DejaVuSans.ttf");
    assert_string_equal(out.ptr, "keep");
    if (saved_copy)
        setenv("OWED_FONT_DIR", saved_copy, 1);
    else
        unsetenv("OWED_FONT_DIR");
    free(saved_copy);

    owed_buf_release(&out);
    owed_buf_release(&err);
    owed_doc_free(&d);
}

static void t_bad_input(void **state) {
    (void)state;
    struct owed_doc d;
    make_invoice(&d, 1);
    /* More than a version 40 QR code holds at level M (2331 bytes). */
    char *big = malloc(3001);
    assert_non_null(big);
    memset(big, 'x', 3000);
    big[3000] = '\0';
    struct owed_pdf_invoice_extra x = extra(big);
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    assert_int_equal(owed_pdf_invoice(&d, &x, &out, &err), OWED_E_INVALID);
    expect_in(err.ptr, "qr_payload: 3000 bytes do not fit a QR code");
    assert_int_equal(out.len, 0);
    x = extra(NULL);
    x.exponent = 7;
    owed_buf_reset(&err);
    assert_int_equal(owed_pdf_invoice(&d, &x, &out, &err), OWED_E_INVALID);
    expect_in(err.ptr, "exponent: 7");
    /* Invalid UTF-8 and control characters still render. */
    snprintf(d.lines[0].name, sizeof(d.lines[0].name), "Bad \xff\xfe bytes\tand tab");
    x = extra(NULL);
    owed_buf_reset(&err);
    assert_int_equal(owed_pdf_invoice(&d, &x, &out, &err), OWED_OK);
    /* The size cap. */
    struct owed_buf small = OWED_BUF_INIT(1000);
    assert_int_equal(owed_pdf_invoice(&d, &x, &small, NULL), OWED_E_TOO_LARGE);
    owed_buf_release(&small);
    owed_buf_release(&out);
    owed_buf_release(&err);
    free(big);
    owed_doc_free(&d);
}

/* --- statement, letter, terms -------------------------------------------------------- */

static void t_statement(void **state) {
    (void)state;
    parties();
    owed_date as_of = owed_date_from_ymd(2026, 6, 30);
    const struct owed_pdf_statement_item items[] = {
        {owed_date_from_ymd(2026, 1, 10), "2026-0001", owed_date_from_ymd(2026, 2, 9), 500000,
         500000, 141},
        {owed_date_from_ymd(2026, 4, 20), "2026-0102", owed_date_from_ymd(2026, 5, 20), 123456,
         23456, 41},
        {owed_date_from_ymd(2026, 5, 25), "2026-0150", owed_date_from_ymd(2026, 6, 24), 99900,
         99900, 6},
        {owed_date_from_ymd(2026, 6, 15), "2026-0199", owed_date_from_ymd(2026, 7, 15), 250000,
         250000, -15},
        {owed_date_from_ymd(2026, 6, 16), "CN-0007", 0, -10000, -10000, 0},
    };
    char *qr = qr_for(863356);
    struct owed_pdf_statement s = {
        .seller = &seller,
        .customer = &buyer,
        .account_ref = "C-1042",
        .as_of = as_of,
        .currency = "EUR",
        .exponent = 2,
        .items = items,
        .n_items = OWED_ARRAY_LEN(items),
        .note = "Please pay the overdue amounts to IBAN DE89 3704 0044 0532 0130 00.",
        .qr_payload = qr,
    };
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_pdf_statement(&s, &out, &err);
    if (rc) print_error("%s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    struct pdf_file f;
    keep(&f, &out);
    char *text = text_of(&f, 0);
    static const char *const want[] = {
        "Statement",
        "Müller Maschinenbau GmbH",
        "Žluťoučký kůň s.r.o.",
        "2026-06-30",
        "C-1042",
        "2026-0001",
        "2026-0102",
        "CN-0007",
        "5,000.00",
        "1,234.56",
        "234.56",
        "141",
        "Current",
        "1–30 days",
        "31–60 days",
        "61–90 days",
        "91+ days",
        /* current 2,500.00 - 100.00; 1-30 999.00; 31-60 234.56; 91+ 5,000.00 */
        "2,400.00",
        "999.00",
        "Balance due (EUR)",
        "8,633.56",
        "Scan to pay",
        "DE89 3704 0044 0532 0130 00",
        "Page 1 of 1",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) expect_in(text, want[i]);
    free(text);

    /* Overflowing sums are refused before anything is drawn. */
    const struct owed_pdf_statement_item huge[] = {{0, "A", 0, INT64_MAX, INT64_MAX, 5},
                                                   {0, "B", 0, 1, 1, 5}};
    s.items = huge;
    s.n_items = 2;
    owed_buf_reset(&err);
    assert_int_equal(owed_pdf_statement(&s, &out, &err), OWED_E_OVERFLOW);
    drop(&f);
    free(qr);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void t_letter(void **state) {
    (void)state;
    parties();
    const char *const addr[] = {"Ōkami Trading KK", "1-2-3 Shibuya", "150-0002 Tokyo", "Japan"};
    const struct owed_pdf_letter_item items[] = {
        {"2026-0001", owed_date_from_ymd(2026, 2, 9), 45, 500000},
        {"2026-0102", owed_date_from_ymd(2026, 3, 1), 25, 23456},
    };
    char *qr = qr_for(523456);
    struct owed_pdf_letter l = {
        .seller = &seller,
        .recipient_name = "Ōkami Trading KK",
        .address = addr + 1,
        .n_address = 3,
        .date = owed_date_from_ymd(2026, 3, 26),
        .subject = "Second reminder: overdue invoices",
        .body = "Dear Mr Ōkami,\n\nour records show that the invoices below are still open. "
                "We would be grateful if you could settle the total amount within the next "
                "seven days, or let us know if there is a problem with any of them, so that "
                "we can sort it out together.",
        .closing = "Kind regards\nMüller Maschinenbau GmbH",
        .currency = "EUR",
        .exponent = 2,
        .items = items,
        .n_items = OWED_ARRAY_LEN(items),
        .pay_url = "https://ar.example/pay/7f3a9c",
        .qr_payload = qr,
    };
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_pdf_letter(&l, &out, &err);
    if (rc) print_error("%s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    struct pdf_file f;
    keep(&f, &out);
    char *text = text_of(&f, 0);
    static const char *const want[] = {
        "Müller Maschinenbau GmbH",
        "Hauptstraße 5",
        "Ōkami Trading KK",
        "1-2-3 Shibuya",
        "2026-03-26",
        "Second reminder: overdue invoices",
        "Dear Mr Ōkami,",
        "our records show",
        "Kind regards",
        "2026-0001",
        "2026-02-09",
        "45",
        "5,000.00",
        "234.56",
        "Total (EUR)",
        "5,234.56",
        "Pay online: https://ar.example/pay/7f3a9c",
        "Scan to pay",
        "Page 1 of 1",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) expect_in(text, want[i]);
    /* The long paragraph wrapped: its first and last words are on different lines. */
    const char *a = strstr(text, "our records show"), *b = strstr(text, "sort it out");
    assert_true(a && b && memchr(a, '\n', (size_t)(b - a)) != NULL);
    /* The closing comes after the table. */
    assert_true(strstr(text, "Kind regards") > strstr(text, "Total (EUR)"));
    free(text);
    assert_true(has_uri(&f, "https://ar.example/pay/7f3a9c"));
    drop(&f);
    free(qr);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void t_terms(void **state) {
    (void)state;
    parties();
    const struct owed_pdf_section sections[] = {
        {"Payment terms", "Invoices are payable within 30 days of the invoice date."},
        {"Early-payment discount", "2 % if paid within 10 days of the invoice date."},
        {"Late fees and interest",
         "Overdue amounts bear interest at 9 percentage points above the base rate of the "
         "European Central Bank (§ 288 BGB), plus a flat fee of EUR 40.00 per invoice."},
        {"Bank details", "Müller Maschinenbau GmbH\nIBAN DE89 3704 0044 0532 0130 00\n"
                         "BIC COBADEFFXXX"},
        {"Disputes", "If you disagree with an invoice, tell us within 14 days at "
                     "ar@mueller.example, quoting the invoice number."},
    };
    struct owed_pdf_terms t = {
        .seller = &seller,
        .customer = &buyer,
        .date = owed_date_from_ymd(2026, 3, 5),
        .sections = sections,
        .n_sections = OWED_ARRAY_LEN(sections),
    };
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_pdf_terms(&t, &out, &err);
    if (rc) print_error("%s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    struct pdf_file f;
    keep(&f, &out);
    char *text = text_of(&f, 0);
    static const char *const want[] = {
        "Terms of payment",       "Müller Maschinenbau GmbH",
        "Žluťoučký kůň s.r.o.",   "2026-03-05",
        "Payment terms",          "Early-payment discount",
        "Late fees and interest", "§ 288 BGB",
        "Bank details",           "IBAN DE89 3704 0044 0532 0130 00",
        "BIC COBADEFFXXX",        "Disputes",
        "within 14 days",         "Page 1 of 1",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) expect_in(text, want[i]);
    free(text);
    char *info = run("pdfinfo %s", f.path);
    expect_info(info, "Title:", "Terms of payment");
    free(info);
    drop(&f);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

int main(void) {
    if (system("command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null && "
               "command -v pdffonts >/dev/null && command -v pdftoppm >/dev/null") != 0) {
        fprintf(stderr, "u_pdf: poppler-utils not installed, skipped\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_invoice_text),  cmocka_unit_test(t_invoice_two_pages),
        cmocka_unit_test(t_credit_note),   cmocka_unit_test(t_qr_pixels),
        cmocka_unit_test(t_deterministic), cmocka_unit_test(t_missing_fonts),
        cmocka_unit_test(t_bad_input),     cmocka_unit_test(t_statement),
        cmocka_unit_test(t_letter),        cmocka_unit_test(t_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
