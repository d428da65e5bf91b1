/* The invoice and credit note as PDF. See pdf.h for what it shows; pdf_layout.c draws. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/pdf_int.h"

#define INFO_X 350.0f
#define INFO_LABEL_W 90.0f
#define TOTALS_X 330.0f
#define TOTALS_ROW 13.0f

/* Drops trailing zeros of a decimal number after the first `keep` fraction digits (and the
 * point when none are left): "1.500" -> "1.5", "12.3400" keep 2 -> "12.34". */
static void trim_fraction(char *s, int keep) {
    char *dot = strchr(s, '.');
    if (!dot) return;
    char *end = s + strlen(s);
    char *min_end = dot + (keep > 0 ? keep + 1 : 0);
    while (end > min_end && end[-1] == '0') end--;
    if (end == dot + 1) end = dot;
    *end = '\0';
}

static void fmt_qty(char *out, size_t cap, const struct owed_doc_line *l) {
    char n[OWED__AMOUNT_MAX];
    owed__pdf_amount(n, l->qty_e3, 3);
    trim_fraction(n, 0);
    bool plain =
        !*l->unit || !strcmp(l->unit, "C62") || !strcmp(l->unit, "H87") || !strcmp(l->unit, "EA");
    snprintf(out, cap, "%s%s%s", n, plain ? "" : " ", plain ? "" : l->unit);
}

static void fmt_rate(char *out, size_t cap, const char *category, int32_t rate_e2) {
    char n[OWED__AMOUNT_MAX];
    owed__pdf_amount(n, rate_e2, 2);
    trim_fraction(n, 0);
    bool standard = !strcmp(category, "S");
    snprintf(out, cap, "%s%%%s%s", n, standard ? "" : " ", standard ? "" : category);
}

static const char *category_name(const char *c) {
    static const struct {
        const char *code, *name;
    } names[] = {
        {"S", "Standard rate"},      {"Z", "Zero rated"},      {"E", "Exempt"},
        {"AE", "Reverse charge"},    {"K", "Intra-EU supply"}, {"G", "Export outside the EU"},
        {"O", "Not subject to VAT"}, {"L", "Canary Islands"},  {"M", "Ceuta and Melilla"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(names); i++)
        if (!strcmp(c, names[i].code)) return names[i].name;
    return c;
}

static void header(struct pdf_ctx *p, const struct owed_doc *d,
                   const struct owed_pdf_invoice_extra *x, const char *title) {
    char date[11];
    HPDF_REAL seller_h = owed__pdf_party(p, &d->seller, PDF_LEFT, PDF_TOP, 280.0f, true);
    owed__pdf_text(p, p->bold, PDF_SIZE_TITLE, PDF_RIGHT, PDF_TOP - PDF_SIZE_TITLE, PDF_ALIGN_RIGHT,
                   title);
    if (x->status && *x->status) {
        HPDF_Page_SetRGBFill(p->page, 0.7f, 0.0f, 0.0f);
        owed__pdf_text(p, p->bold, 12.0f, PDF_RIGHT, PDF_TOP - 40.0f, PDF_ALIGN_RIGHT, x->status);
        HPDF_Page_SetGrayFill(p->page, 0.0f);
    }
    p->y = PDF_TOP - 52.0f;
    owed__pdf_field(p, INFO_X, INFO_LABEL_W, "Number", d->number);
    owed__pdf_field(p, INFO_X, INFO_LABEL_W, "Issue date",
                    owed__pdf_date(date, d->issue_date, false));
    if (d->due_date)
        owed__pdf_field(p, INFO_X, INFO_LABEL_W, "Due date",
                        owed__pdf_date(date, d->due_date, false));
    if (*d->order_reference)
        owed__pdf_field(p, INFO_X, INFO_LABEL_W, "PO / order", d->order_reference);
    if (*d->buyer_reference)
        owed__pdf_field(p, INFO_X, INFO_LABEL_W, "Your reference", d->buyer_reference);
    if (*d->preceding_number)
        owed__pdf_field(p, INFO_X, INFO_LABEL_W, "Corrects", d->preceding_number);
    owed__pdf_field(p, INFO_X, INFO_LABEL_W, "Currency", d->currency);

    HPDF_REAL y = PDF_TOP - seller_h;
    if (p->y < y) y = p->y;
    y -= 18.0f;
    HPDF_Page_SetGrayFill(p->page, 0.4f);
    owed__pdf_text(p, p->regular, PDF_SIZE_SMALL, PDF_LEFT, y - PDF_SIZE_SMALL, PDF_ALIGN_LEFT,
                   d->type == OWED_DOC_CREDIT_NOTE ? "Credit to" : "Bill to");
    HPDF_Page_SetGrayFill(p->page, 0.0f);
    y -= PDF_SIZE_SMALL * PDF_LEADING + 2.0f;
    y -= owed__pdf_party(p, &d->buyer, PDF_LEFT, y, 280.0f, true);
    p->y = y - 18.0f;
}

static void lines_table(struct pdf_ctx *p, const struct owed_doc *d, int exponent) {
    static const struct pdf_col cols[] = {
        {"#", 22.0f, PDF_ALIGN_LEFT},         {"Description", 181.0f, PDF_ALIGN_LEFT},
        {"Qty", 52.0f, PDF_ALIGN_RIGHT},      {"Unit price", 66.0f, PDF_ALIGN_RIGHT},
        {"Discount", 56.0f, PDF_ALIGN_RIGHT}, {"VAT", 40.0f, PDF_ALIGN_RIGHT},
        {"Net", 78.0f, PDF_ALIGN_RIGHT},
    };
    const struct pdf_table t = {cols, OWED_ARRAY_LEN(cols), PDF_LEFT};
    struct owed_buf desc = OWED_BUF_INIT(0);
    owed__pdf_table_begin(p, &t);
    for (size_t i = 0; i < d->n_lines; i++) {
        const struct owed_doc_line *l = &d->lines[i];
        char no[24], qty[OWED__AMOUNT_MAX + 8], price[OWED__AMOUNT_MAX], disc[OWED__AMOUNT_MAX];
        char rate[32], net[OWED__AMOUNT_MAX];
        snprintf(no, sizeof(no), "%zu", i + 1);
        owed_buf_reset(&desc);
        owed_buf_adds(&desc, l->name);
        if (*l->description) owed_buf_addf(&desc, "\n%s", l->description);
        fmt_qty(qty, sizeof(qty), l);
        owed__pdf_amount(price, l->price_e4, exponent + 4);
        trim_fraction(price, exponent);
        if (l->discount_minor)
            owed__pdf_amount(disc, l->discount_minor, exponent);
        else
            disc[0] = '\0';
        fmt_rate(rate, sizeof(rate), l->tax_category, l->tax_rate_e2);
        const char *cells[] = {*l->id ? l->id : no,
                               desc.ptr,
                               qty,
                               price,
                               disc,
                               rate,
                               owed__pdf_amount(net, l->net_minor, exponent)};
        owed__pdf_table_row(p, cells, false);
    }
    owed__pdf_table_end(p);
    owed_buf_release(&desc);
}

static void adjust_table(struct pdf_ctx *p, const struct owed_doc *d, int exponent) {
    static const struct pdf_col cols[] = {
        {"", 70.0f, PDF_ALIGN_LEFT},
        {"Reason", 269.0f, PDF_ALIGN_LEFT},
        {"VAT", 60.0f, PDF_ALIGN_RIGHT},
        {"Amount", 96.0f, PDF_ALIGN_RIGHT},
    };
    const struct pdf_table t = {cols, OWED_ARRAY_LEN(cols), PDF_LEFT};
    if (!d->n_adjust) return;
    owed__pdf_heading(p, "Allowances and charges", 30.0f);
    owed__pdf_table_begin(p, &t);
    for (size_t i = 0; i < d->n_adjust; i++) {
        const struct owed_doc_adjust *a = &d->adjust[i];
        char rate[32], amt[OWED__AMOUNT_MAX];
        fmt_rate(rate, sizeof(rate), a->tax_category, a->tax_rate_e2);
        owed__pdf_amount(amt, a->charge ? a->amount_minor : -a->amount_minor, exponent);
        const char *cells[] = {a->charge ? "Charge" : "Allowance", a->reason, rate, amt};
        owed__pdf_table_row(p, cells, false);
    }
    owed__pdf_table_end(p);
}

static void tax_table(struct pdf_ctx *p, const struct owed_doc *d, int exponent) {
    static const struct pdf_col cols[] = {
        {"VAT category", 110.0f, PDF_ALIGN_LEFT},     {"Rate", 50.0f, PDF_ALIGN_RIGHT},
        {"Taxable amount", 95.0f, PDF_ALIGN_RIGHT},   {"VAT", 90.0f, PDF_ALIGN_RIGHT},
        {"Exemption reason", 150.0f, PDF_ALIGN_LEFT},
    };
    const struct pdf_table t = {cols, OWED_ARRAY_LEN(cols), PDF_LEFT};
    if (!d->n_tax) return;
    owed__pdf_heading(p, "VAT breakdown", 30.0f);
    owed__pdf_table_begin(p, &t);
    for (size_t i = 0; i < d->n_tax && i < OWED_DOC_MAX_TAX; i++) {
        const struct owed_doc_tax *g = &d->tax[i];
        char rate[32], base[OWED__AMOUNT_MAX], tax[OWED__AMOUNT_MAX], cat[80];
        snprintf(cat, sizeof(cat), "%s %s", g->category, category_name(g->category));
        fmt_rate(rate, sizeof(rate), "S", g->rate_e2);
        const char *cells[] = {cat, rate, owed__pdf_amount(base, g->taxable_minor, exponent),
                               owed__pdf_amount(tax, g->tax_minor, exponent), g->exemption_reason};
        owed__pdf_table_row(p, cells, false);
    }
    owed__pdf_table_end(p);
}

struct total_row {
    const char *label;
    int64_t minor;
    bool bold;
};

static void totals(struct pdf_ctx *p, const struct owed_doc *d,
                   const struct owed_pdf_invoice_extra *x) {
    const struct owed_doc_totals *t = &d->totals;
    char due_label[64];
    snprintf(due_label, sizeof(due_label), "%s (%s)",
             d->type == OWED_DOC_CREDIT_NOTE ? "Amount credited" : "Amount due", d->currency);
    struct total_row rows[9];
    size_t n = 0;
    rows[n++] = (struct total_row){"Net amount of lines", t->line_net, false};
    if (t->allowances) rows[n++] = (struct total_row){"Allowances", -t->allowances, false};
    if (t->charges) rows[n++] = (struct total_row){"Charges", t->charges, false};
    rows[n++] = (struct total_row){"Total without VAT", t->tax_exclusive, false};
    rows[n++] = (struct total_row){"VAT", t->tax, false};
    rows[n++] = (struct total_row){"Total", t->tax_inclusive, true};
    if (t->prepaid) rows[n++] = (struct total_row){"Prepaid", -t->prepaid, false};
    if (t->rounding) rows[n++] = (struct total_row){"Rounding", t->rounding, false};
    rows[n++] = (struct total_row){due_label, t->payable, true};

    /* The same height with or without the QR code, so that adding it moves nothing. */
    HPDF_REAL h = (HPDF_REAL)n * TOTALS_ROW + 6.0f;
    if (h < PDF_QR_BLOCK_H) h = PDF_QR_BLOCK_H;
    owed__pdf_need(p, h + 8.0f);
    HPDF_REAL top = p->y, y = top;
    for (size_t i = 0; i < n; i++) {
        char amt[OWED__AMOUNT_MAX];
        HPDF_Font f = rows[i].bold ? p->bold : p->regular;
        if (i == n - 1) owed__pdf_rule(p, TOTALS_X, PDF_RIGHT, y + 1.0f, 0.6f);
        owed__pdf_text(p, f, PDF_SIZE_BODY, TOTALS_X, y - PDF_SIZE_BODY, PDF_ALIGN_LEFT,
                       rows[i].label);
        owed__pdf_text(p, f, PDF_SIZE_BODY, PDF_RIGHT, y - PDF_SIZE_BODY, PDF_ALIGN_RIGHT,
                       owed__pdf_amount(amt, rows[i].minor, x->exponent));
        y -= TOTALS_ROW;
    }
    if (x->qr_payload) owed__pdf_qr(p, x->qr_payload, PDF_LEFT, top, PDF_QR_SIDE);
    p->y = top - h - 8.0f;
}

/* "DE89370400440532013000" as "DE89 3704 0044 0532 0130 00". */
static void group4(char *out, size_t cap, const char *s) {
    size_t o = 0, k = 0;
    for (; *s && o + 2 < cap; s++) {
        if (*s == ' ') continue;
        if (k && k % 4 == 0) out[o++] = ' ';
        out[o++] = *s;
        k++;
    }
    out[o] = '\0';
}

static void payment(struct pdf_ctx *p, const struct owed_doc *d) {
    const HPDF_REAL lw = 100.0f;
    if (!*d->iban && !*d->payment_terms) return;
    owed__pdf_heading(p, d->type == OWED_DOC_CREDIT_NOTE ? "Refund" : "Payment",
                      4 * PDF_SIZE_BODY * PDF_LEADING);
    if (*d->payment_terms) owed__pdf_field(p, PDF_LEFT, lw, "Terms", d->payment_terms);
    if (*d->iban) {
        char iban[OWED_DOC_ID_MAX * 2];
        group4(iban, sizeof(iban), d->iban);
        owed__pdf_field(p, PDF_LEFT, lw, "Account holder",
                        *d->account_name ? d->account_name : d->seller.name);
        owed__pdf_field(p, PDF_LEFT, lw, "IBAN", iban);
        if (*d->bic) owed__pdf_field(p, PDF_LEFT, lw, "BIC", d->bic);
        owed__pdf_field(p, PDF_LEFT, lw, "Reference", *d->payment_id ? d->payment_id : d->number);
    }
    p->y -= 8.0f;
}

static void tail(struct pdf_ctx *p, const struct owed_doc *d,
                 const struct owed_pdf_invoice_extra *x) {
    for (size_t i = 0; i < x->n_terms; i++)
        owed__pdf_para(p, p->regular, PDF_SIZE_SMALL, PDF_LEFT, PDF_WIDTH, x->terms[i]);
    if (x->n_terms) p->y -= 8.0f;
    payment(p, d);
    if (*d->note) {
        owed__pdf_heading(p, "Note", PDF_SIZE_BODY * PDF_LEADING);
        owed__pdf_para(p, p->regular, PDF_SIZE_BODY, PDF_LEFT, PDF_WIDTH, d->note);
        p->y -= 8.0f;
    }
    if (x->ack_url && *x->ack_url) {
        struct owed_buf label = OWED_BUF_INIT(0);
        owed_buf_addf(&label, "Confirm receipt: %s", x->ack_url);
        owed__pdf_need(p, PDF_SIZE_BODY * PDF_LEADING);
        owed__pdf_link(p, PDF_LEFT, p->y - PDF_SIZE_BODY, label.ptr, x->ack_url);
        p->y -= PDF_SIZE_BODY * PDF_LEADING;
        owed_buf_release(&label);
    }
}

int owed_pdf_invoice(const struct owed_doc *d, const struct owed_pdf_invoice_extra *x,
                     struct owed_buf *out, struct owed_buf *err) {
    OWED_ASSERT(d && x && out);
    OWED_ASSERT(d->n_lines == 0 || d->lines);
    OWED_ASSERT(d->n_adjust == 0 || d->adjust);
    if (x->exponent < 0 || x->exponent > 4) {
        if (err) owed_buf_addf(err, "exponent: %d is not 0..4", x->exponent);
        return OWED_E_INVALID;
    }
    const char *title = d->type == OWED_DOC_CREDIT_NOTE ? "Credit note" : "Invoice";
    struct owed_buf doc_title = OWED_BUF_INIT(0), footer = OWED_BUF_INIT(0);
    owed_buf_addf(&doc_title, "%s %s", title, d->number);
    owed_buf_addf(&footer, "%s \xc2\xb7 %s", d->seller.name, doc_title.ptr);
    struct pdf_ctx p;
    int rc = owed__pdf_begin(&p, &x->opt, doc_title.ptr, footer.ptr, err);
    if (!rc) {
        header(&p, d, x, title);
        lines_table(&p, d, x->exponent);
        adjust_table(&p, d, x->exponent);
        tax_table(&p, d, x->exponent);
        totals(&p, d, x);
        tail(&p, d, x);
        rc = owed__pdf_finish(&p, out, err);
    }
    owed_buf_release(&doc_title);
    owed_buf_release(&footer);
    return rc;
}
