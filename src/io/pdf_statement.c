/* The customer statement as PDF: open items, aging summary, balance due. See pdf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/pdf_int.h"

#define N_BUCKETS 5

static size_t bucket_of(int32_t days_overdue) {
    if (days_overdue <= 0) return 0;
    if (days_overdue <= 30) return 1;
    if (days_overdue <= 60) return 2;
    if (days_overdue <= 90) return 3;
    return 4;
}

/* Sums the open amounts by bucket and in total. */
static int add_up(const struct owed_pdf_statement *s, int64_t buckets[N_BUCKETS], int64_t *total,
                  struct owed_buf *err) {
    memset(buckets, 0, N_BUCKETS * sizeof(buckets[0]));
    *total = 0;
    for (size_t i = 0; i < s->n_items; i++) {
        const struct owed_pdf_statement_item *it = &s->items[i];
        int64_t *b = &buckets[bucket_of(it->days_overdue)];
        if (owed_i64_add(*b, it->open_minor, b) || owed_i64_add(*total, it->open_minor, total)) {
            if (err) owed_buf_addf(err, "items: open amounts add up past the int64 range");
            return OWED_E_OVERFLOW;
        }
    }
    return OWED_OK;
}

static void header(struct pdf_ctx *p, const struct owed_pdf_statement *s) {
    char date[11];
    HPDF_REAL seller_h = owed__pdf_party(p, s->seller, PDF_LEFT, PDF_TOP, 280.0f, true);
    owed__pdf_text(p, p->bold, PDF_SIZE_TITLE, PDF_RIGHT, PDF_TOP - PDF_SIZE_TITLE, PDF_ALIGN_RIGHT,
                   "Statement");
    p->y = PDF_TOP - 52.0f;
    owed__pdf_field(p, 350.0f, 90.0f, "As of", owed__pdf_date(date, s->as_of, false));
    if (s->account_ref && *s->account_ref)
        owed__pdf_field(p, 350.0f, 90.0f, "Account", s->account_ref);
    owed__pdf_field(p, 350.0f, 90.0f, "Currency", s->currency);
    HPDF_REAL y = PDF_TOP - seller_h;
    if (p->y < y) y = p->y;
    y -= 18.0f;
    owed__pdf_text(p, p->regular, PDF_SIZE_SMALL, PDF_LEFT, y - PDF_SIZE_SMALL, PDF_ALIGN_LEFT,
                   "Statement for");
    y -= PDF_SIZE_SMALL * PDF_LEADING + 2.0f;
    y -= owed__pdf_party(p, s->customer, PDF_LEFT, y, 280.0f, false);
    p->y = y - 18.0f;
}

static void items_table(struct pdf_ctx *p, const struct owed_pdf_statement *s) {
    static const struct pdf_col cols[] = {
        {"Date", 70.0f, PDF_ALIGN_LEFT},     {"Number", 120.0f, PDF_ALIGN_LEFT},
        {"Due date", 70.0f, PDF_ALIGN_LEFT}, {"Amount", 85.0f, PDF_ALIGN_RIGHT},
        {"Open", 85.0f, PDF_ALIGN_RIGHT},    {"Days overdue", 65.0f, PDF_ALIGN_RIGHT},
    };
    const struct pdf_table t = {cols, OWED_ARRAY_LEN(cols), PDF_LEFT};
    owed__pdf_heading(p, "Open items", 30.0f);
    if (!s->n_items) {
        owed__pdf_para(p, p->regular, PDF_SIZE_BODY, PDF_LEFT, PDF_WIDTH, "No open items.");
        p->y -= 10.0f;
        return;
    }
    owed__pdf_table_begin(p, &t);
    for (size_t i = 0; i < s->n_items; i++) {
        const struct owed_pdf_statement_item *it = &s->items[i];
        char date[11], due[11], amt[OWED__AMOUNT_MAX], open[OWED__AMOUNT_MAX], days[16];
        if (it->days_overdue > 0)
            snprintf(days, sizeof(days), "%d", (int)it->days_overdue);
        else
            days[0] = '\0';
        const char *cells[] = {owed__pdf_date(date, it->date, true),
                               it->number,
                               owed__pdf_date(due, it->due_date, true),
                               owed__pdf_amount(amt, it->amount_minor, s->exponent),
                               owed__pdf_amount(open, it->open_minor, s->exponent),
                               days};
        owed__pdf_table_row(p, cells, false);
    }
    owed__pdf_table_end(p);
}

static void aging_table(struct pdf_ctx *p, const struct owed_pdf_statement *s,
                        const int64_t buckets[N_BUCKETS], int64_t total) {
    static const struct pdf_col cols[] = {
        {"Current", 82.5f, PDF_ALIGN_RIGHT},
        {"1\xe2\x80\x93"
         "30 days",
         82.5f, PDF_ALIGN_RIGHT},
        {"31\xe2\x80\x93"
         "60 days",
         82.5f, PDF_ALIGN_RIGHT},
        {"61\xe2\x80\x93"
         "90 days",
         82.5f, PDF_ALIGN_RIGHT},
        {"91+ days", 82.5f, PDF_ALIGN_RIGHT},
        {"Total", 82.5f, PDF_ALIGN_RIGHT},
    };
    const struct pdf_table t = {cols, OWED_ARRAY_LEN(cols), PDF_LEFT};
    char a[N_BUCKETS + 1][OWED__AMOUNT_MAX];
    const char *cells[N_BUCKETS + 1];
    for (size_t i = 0; i < N_BUCKETS; i++)
        cells[i] = owed__pdf_amount(a[i], buckets[i], s->exponent);
    cells[N_BUCKETS] = owed__pdf_amount(a[N_BUCKETS], total, s->exponent);
    owed__pdf_heading(p, "Aging", 40.0f);
    owed__pdf_table_begin(p, &t);
    owed__pdf_table_row(p, cells, false);
    owed__pdf_table_end(p);
}

static void balance(struct pdf_ctx *p, const struct owed_pdf_statement *s, int64_t total) {
    char label[64], amt[OWED__AMOUNT_MAX];
    HPDF_REAL h = s->qr_payload ? PDF_QR_BLOCK_H : 2 * PDF_SIZE_HEADING;
    owed__pdf_need(p, h + 8.0f);
    HPDF_REAL top = p->y;
    snprintf(label, sizeof(label), "Balance due (%s)", s->currency);
    owed__pdf_rule(p, 330.0f, PDF_RIGHT, top + 1.0f, 0.6f);
    owed__pdf_text(p, p->bold, PDF_SIZE_HEADING, 330.0f, top - PDF_SIZE_HEADING, PDF_ALIGN_LEFT,
                   label);
    owed__pdf_text(p, p->bold, PDF_SIZE_HEADING, PDF_RIGHT, top - PDF_SIZE_HEADING, PDF_ALIGN_RIGHT,
                   owed__pdf_amount(amt, total, s->exponent));
    if (s->qr_payload) owed__pdf_qr(p, s->qr_payload, PDF_LEFT, top, PDF_QR_SIDE);
    p->y = top - h - 8.0f;
}

int owed_pdf_statement(const struct owed_pdf_statement *s, struct owed_buf *out,
                       struct owed_buf *err) {
    OWED_ASSERT(s && s->seller && s->customer && s->currency && out);
    OWED_ASSERT(s->n_items == 0 || s->items);
    if (s->exponent < 0 || s->exponent > 4) {
        if (err) owed_buf_addf(err, "exponent: %d is not 0..4", s->exponent);
        return OWED_E_INVALID;
    }
    int64_t buckets[N_BUCKETS], total;
    int rc = add_up(s, buckets, &total, err);
    if (rc) return rc;

    char date[11];
    struct owed_buf title = OWED_BUF_INIT(0), footer = OWED_BUF_INIT(0);
    owed_buf_addf(&title, "Statement %s", owed__pdf_date(date, s->as_of, false));
    owed_buf_addf(&footer, "%s \xc2\xb7 Statement for %s as of %s", s->seller->name,
                  s->customer->name, date);
    struct pdf_ctx p;
    rc = owed__pdf_begin(&p, &s->opt, title.ptr, footer.ptr, err);
    if (!rc) {
        header(&p, s);
        items_table(&p, s);
        aging_table(&p, s, buckets, total);
        balance(&p, s, total);
        if (s->note && *s->note)
            owed__pdf_para(&p, p.regular, PDF_SIZE_BODY, PDF_LEFT, PDF_WIDTH, s->note);
        rc = owed__pdf_finish(&p, out, err);
    }
    owed_buf_release(&title);
    owed_buf_release(&footer);
    return rc;
}
