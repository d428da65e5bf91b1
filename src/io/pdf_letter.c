/* The dunning letter and the terms sheet as PDF: both are a letterhead and wrapped text.
 * See pdf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/pdf_int.h"

/* Where a DIN 5008 window envelope shows the recipient (about 45 mm from the top). */
#define ADDRESS_TOP (PDF_PAGE_H - 130.0f)

/* The seller's name large, the address on one line under it, and a rule. */
static void letterhead(struct pdf_ctx *p, const struct owed_party *s) {
    struct owed_buf line = OWED_BUF_INIT(0);
    const char *parts[] = {s->street, s->street2, s->postcode,
                           s->city,   s->country, s->contact_email};
    owed__pdf_text(p, p->bold, 15.0f, PDF_LEFT, PDF_TOP - 15.0f, PDF_ALIGN_LEFT, s->name);
    for (size_t i = 0; i < OWED_ARRAY_LEN(parts); i++) {
        if (!*parts[i]) continue;
        /* Postcode and city belong together. */
        const char *sep = (i == 3 && *s->postcode) ? " " : " \xc2\xb7 ";
        if (line.len) owed_buf_adds(&line, sep);
        owed_buf_adds(&line, parts[i]);
    }
    if (*s->vat_id) owed_buf_addf(&line, "%sVAT ID %s", line.len ? " \xc2\xb7 " : "", s->vat_id);
    owed__pdf_text(p, p->regular, PDF_SIZE_SMALL, PDF_LEFT, PDF_TOP - 30.0f, PDF_ALIGN_LEFT,
                   line.ptr);
    owed__pdf_rule(p, PDF_LEFT, PDF_RIGHT, PDF_TOP - 38.0f, 0.6f);
    owed_buf_release(&line);
}

/* --- dunning letter ------------------------------------------------------------------ */

static void address(struct pdf_ctx *p, const struct owed_pdf_letter *l) {
    char date[11];
    HPDF_REAL lead = PDF_SIZE_BODY * PDF_LEADING, y = ADDRESS_TOP;
    owed__pdf_text(p, p->regular, PDF_SIZE_BODY, PDF_RIGHT, y - PDF_SIZE_BODY, PDF_ALIGN_RIGHT,
                   owed__pdf_date(date, l->date, false));
    owed__pdf_text(p, p->bold, PDF_SIZE_BODY, PDF_LEFT, y - PDF_SIZE_BODY, PDF_ALIGN_LEFT,
                   l->recipient_name);
    y -= lead;
    for (size_t i = 0; i < l->n_address; i++) {
        owed__pdf_text(p, p->regular, PDF_SIZE_BODY, PDF_LEFT, y - PDF_SIZE_BODY, PDF_ALIGN_LEFT,
                       l->address[i]);
        y -= lead;
    }
    p->y = y - 30.0f;
}

static int sum_open(const struct owed_pdf_letter *l, int64_t *total, struct owed_buf *err) {
    *total = 0;
    for (size_t i = 0; i < l->n_items; i++) {
        if (owed_i64_add(*total, l->items[i].open_minor, total)) {
            if (err) owed_buf_addf(err, "items: open amounts add up past the int64 range");
            return OWED_E_OVERFLOW;
        }
    }
    return OWED_OK;
}

static void items_table(struct pdf_ctx *p, const struct owed_pdf_letter *l, int64_t total) {
    static const struct pdf_col cols[] = {
        {"Invoice", 165.0f, PDF_ALIGN_LEFT},
        {"Due date", 100.0f, PDF_ALIGN_LEFT},
        {"Days overdue", 100.0f, PDF_ALIGN_RIGHT},
        {"Open amount", 130.0f, PDF_ALIGN_RIGHT},
    };
    const struct pdf_table t = {cols, OWED_ARRAY_LEN(cols), PDF_LEFT};
    if (!l->n_items) return;
    p->y -= 6.0f;
    owed__pdf_table_begin(p, &t);
    for (size_t i = 0; i < l->n_items; i++) {
        const struct owed_pdf_letter_item *it = &l->items[i];
        char due[11], days[16], amt[OWED__AMOUNT_MAX];
        if (it->days_overdue > 0)
            snprintf(days, sizeof(days), "%d", (int)it->days_overdue);
        else
            days[0] = '\0';
        const char *cells[] = {it->number, owed__pdf_date(due, it->due_date, true), days,
                               owed__pdf_amount(amt, it->open_minor, l->exponent)};
        owed__pdf_table_row(p, cells, false);
    }
    char label[32], amt[OWED__AMOUNT_MAX];
    snprintf(label, sizeof(label), "Total (%s)", l->currency);
    const char *cells[] = {label, "", "", owed__pdf_amount(amt, total, l->exponent)};
    owed__pdf_table_row(p, cells, true);
    owed__pdf_table_end(p);
}

static void pay_block(struct pdf_ctx *p, const struct owed_pdf_letter *l) {
    bool link = l->pay_url && *l->pay_url;
    if (!l->qr_payload && !link) return;
    HPDF_REAL h = l->qr_payload ? PDF_QR_BLOCK_H : PDF_SIZE_BODY * PDF_LEADING;
    owed__pdf_need(p, h + 8.0f);
    HPDF_REAL top = p->y, x = PDF_LEFT;
    if (l->qr_payload) {
        owed__pdf_qr(p, l->qr_payload, PDF_LEFT, top, PDF_QR_SIDE);
        x += PDF_QR_SIDE + 20.0f;
    }
    if (link) {
        struct owed_buf label = OWED_BUF_INIT(0);
        owed_buf_addf(&label, "Pay online: %s", l->pay_url);
        owed__pdf_link(p, x, top - PDF_SIZE_BODY, label.ptr, l->pay_url);
        owed_buf_release(&label);
    }
    p->y = top - h - 8.0f;
}

int owed_pdf_letter(const struct owed_pdf_letter *l, struct owed_buf *out, struct owed_buf *err) {
    OWED_ASSERT(l && l->seller && l->recipient_name && l->subject && l->body && out);
    OWED_ASSERT(l->currency && (l->n_items == 0 || l->items));
    OWED_ASSERT(l->n_address == 0 || l->address);
    if (l->exponent < 0 || l->exponent > 4) {
        if (err) owed_buf_addf(err, "exponent: %d is not 0..4", l->exponent);
        return OWED_E_INVALID;
    }
    int64_t total;
    int rc = sum_open(l, &total, err);
    if (rc) return rc;
    struct owed_buf footer = OWED_BUF_INIT(0);
    owed_buf_addf(&footer, "%s \xc2\xb7 %s", l->seller->name, l->subject);
    struct pdf_ctx p;
    rc = owed__pdf_begin(&p, &l->opt, l->subject, footer.ptr, err);
    if (!rc) {
        letterhead(&p, l->seller);
        address(&p, l);
        owed__pdf_para(&p, p.bold, PDF_SIZE_HEADING, PDF_LEFT, PDF_WIDTH, l->subject);
        p.y -= 10.0f;
        owed__pdf_para(&p, p.regular, PDF_SIZE_BODY, PDF_LEFT, PDF_WIDTH, l->body);
        p.y -= 6.0f;
        items_table(&p, l, total);
        pay_block(&p, l);
        if (l->closing)
            owed__pdf_para(&p, p.regular, PDF_SIZE_BODY, PDF_LEFT, PDF_WIDTH, l->closing);
        rc = owed__pdf_finish(&p, out, err);
    }
    owed_buf_release(&footer);
    return rc;
}

/* --- terms sheet --------------------------------------------------------------------- */

int owed_pdf_terms(const struct owed_pdf_terms *t, struct owed_buf *out, struct owed_buf *err) {
    OWED_ASSERT(t && t->seller && t->customer && out);
    OWED_ASSERT(t->n_sections == 0 || t->sections);
    const char *title = t->title && *t->title ? t->title : "Terms of payment";
    char date[11];
    struct owed_buf footer = OWED_BUF_INIT(0);
    owed_buf_addf(&footer, "%s \xc2\xb7 %s", t->seller->name, title);
    struct pdf_ctx p;
    int rc = owed__pdf_begin(&p, &t->opt, title, footer.ptr, err);
    if (!rc) {
        letterhead(&p, t->seller);
        p.y = PDF_TOP - 60.0f;
        owed__pdf_para(&p, p.bold, PDF_SIZE_TITLE, PDF_LEFT, PDF_WIDTH, title);
        p.y -= 6.0f;
        owed__pdf_field(&p, PDF_LEFT, 70.0f, "Customer", t->customer->name);
        owed__pdf_field(&p, PDF_LEFT, 70.0f, "Date", owed__pdf_date(date, t->date, false));
        p.y -= 12.0f;
        for (size_t i = 0; i < t->n_sections; i++) {
            const struct owed_pdf_section *s = &t->sections[i];
            if (s->heading && *s->heading)
                owed__pdf_heading(&p, s->heading, 2 * PDF_SIZE_BODY * PDF_LEADING);
            owed__pdf_para(&p, p.regular, PDF_SIZE_BODY, PDF_LEFT, PDF_WIDTH, s->text);
            p.y -= 10.0f;
        }
        rc = owed__pdf_finish(&p, out, err);
    }
    owed_buf_release(&footer);
    return rc;
}
