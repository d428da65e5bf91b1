/* `owed dunning preview`: what a dunning run on a date would do (app/dunning_eval.c),
 * rendered as a table for people or JSON for scripts, changing nothing.
 *
 * Both renderers write directly into the buffer: a preview can list a million invoices,
 * and a jansson document or a copied text table of that size cost ten times the
 * evaluation. The JSON has the layout of owed__put_json (two-space indent). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dunning_int.h"
#include "app/render.h"
#include "base.h"
#include "owed/money.h"
#include "app/prof_tmp.h"

static const char *step_name(const struct owed__dunning *d, const struct owed__firing *f, int step)
{
    return d->policies.list[f->policy].steps[step].name;
}

static const char *currency_of(const struct owed__dunning *d, uint32_t invoice)
{
    return d->book.currencies[d->book.invoices[invoice].currency];
}

static int exponent_of(const struct owed__dunning *d, uint32_t invoice)
{
    return d->book.exponents[d->book.invoices[invoice].currency];
}

static void put_amount(struct owed_buf *b, const struct owed__dunning *d, uint32_t invoice,
                       int64_t minor, bool with_currency)
{
    owed_amount_format(b, minor, exponent_of(d, invoice), with_currency);
    if (with_currency) {
        owed_buf_addc(b, ' ');
        owed_buf_adds(b, currency_of(d, invoice));
    }
}

static void json_invoice(struct owed_buf *out, const struct owed__dunning *d,
                         const struct owed__firing *f, const char *step, int64_t open,
                         int64_t fee, int64_t interest, bool last)
{
    const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
    owed_buf_adds(out, "      {\n        \"invoice_number\": ");
    owed__put_json_string(out, inv->number ? inv->number : "");
    owed_buf_adds(out, ",\n        \"step\": ");
    owed__put_json_string(out, step);
    owed_buf_adds(out, ",\n        \"open\": \"");
    put_amount(out, d, f->invoice, open, false);
    owed_buf_addf(out, "\",\n        \"currency\": \"%s\",\n        \"days_past_due\": %d",
                  currency_of(d, f->invoice), d->as_of - f->due);
    if (f->installment) owed_buf_addf(out, ",\n        \"installment\": %d", f->installment_no);
    if (f->escalated) owed_buf_adds(out, ",\n        \"escalated\": true");
    if (fee) {
        owed_buf_adds(out, ",\n        \"fee\": \"");
        put_amount(out, d, f->invoice, fee, false);
        owed_buf_addc(out, '"');
    }
    if (interest) {
        owed_buf_adds(out, ",\n        \"interest\": \"");
        put_amount(out, d, f->invoice, interest, false);
        owed_buf_addc(out, '"');
    }
    owed_buf_adds(out, last ? "\n      }\n" : "\n      },\n");
}

static void json_message_head(struct owed_buf *out, const struct owed__dunning *d,
                              uint32_t customer, const char *channel, const char *step,
                              bool first)
{
    owed_buf_adds(out, first ? "  {\n    \"customer_ref\": " : "  },\n  {\n    \"customer_ref\": ");
    owed__put_json_string(out, d->book.customers[customer].ref);
    owed_buf_addf(out, ",\n    \"channel\": \"%s\",\n    \"step\": ", channel);
    owed__put_json_string(out, step);
    owed_buf_adds(out, ",\n    \"invoices\": [\n");
}

static int render_json(const struct owed__dunning *d, struct owed_buf *out, struct owed_buf *err)
{
    if (d->n == 0 && d->nthanks == 0) {
        owed_buf_adds(out, "[]\n");
        return OWED_OK;
    }
    owed_buf_adds(out, "[\n");
    bool first = true;
    for (size_t i = 0; i < d->n;) {
        size_t j = owed__message_end(d, i);
        json_message_head(out, d, d->f[i].customer,
                          owed_channel_name((enum owed_channel)d->f[i].channel),
                          step_name(d, &d->f[i], owed__most_severe(d, i, j)), first);
        first = false;
        for (size_t k = i; k < j; k++) {
            int64_t fee, interest;
            int rc = owed__firing_charges(d, &d->f[k], &fee, &interest, err);
            if (rc) return rc;
            json_invoice(out, d, &d->f[k], step_name(d, &d->f[k], d->f[k].step), d->f[k].open,
                         fee, interest, k + 1 == j);
        }
        owed_buf_adds(out, "    ]\n");
        i = j;
    }
    for (size_t i = 0; i < d->nthanks;) {
        uint32_t c = d->book.invoices[d->thanks[i]].customer;
        json_message_head(out, d, c, "email", "thanks", first);
        first = false;
        size_t j = i;
        while (j < d->nthanks && d->book.invoices[d->thanks[j]].customer == c) j++;
        for (size_t k = i; k < j; k++) {
            struct owed__firing f = {.invoice = d->thanks[k], .customer = c,
                                     .due = d->book.invoices[d->thanks[k]].due_date};
            json_invoice(out, d, &f, "thanks", 0, 0, 0, k + 1 == j);
        }
        owed_buf_adds(out, "    ]\n");
        i = j;
    }
    owed_buf_adds(out, "  }\n]\n");
    return OWED_OK;
}

static const char spaces[] = "                                                                ";

static void put_spaces(struct owed_buf *b, int n)
{
    for (; n > 0; n -= (int)sizeof spaces - 1)
        owed_buf_add(b, spaces, n < (int)sizeof spaces - 1 ? (size_t)n : sizeof spaces - 1);
}

/* One cell padded to `width` columns, left or right aligned, then two spaces. */
static void put_cell(struct owed_buf *b, const char *s, int width, bool left, bool last)
{
    int pad = width - owed__text_width(s);
    if (!left) put_spaces(b, pad);
    owed_buf_adds(b, s);
    if (left && !last) put_spaces(b, pad);
    if (!last) owed_buf_add(b, "  ", 2);
}

enum { COLS = 8, CELL_BUFS = 3 };

/* The cells of firing k (message columns only on the message's first line). */
static int row_cells(const struct owed__dunning *d, size_t k, bool first, int severe,
                     struct owed_buf bufs[CELL_BUFS], char days[16], const char *cells[COLS],
                     struct owed_buf *err)
{
    const struct owed__firing *f = &d->f[k];
    const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
    int64_t fee, interest;
    int rc = owed__firing_charges(d, f, &fee, &interest, err);
    if (rc) return rc;
    snprintf(days, 16, "%d", d->as_of - f->due);
    for (int b = 0; b < CELL_BUFS; b++) owed_buf_reset(&bufs[b]);
    owed_buf_adds(&bufs[0], inv->number ? inv->number : "");
    if (f->installment) owed_buf_addf(&bufs[0], " #%d", f->installment_no);
    put_amount(&bufs[1], d, f->invoice, f->open, true);
    if (fee) {
        owed_buf_adds(&bufs[2], "fee ");
        put_amount(&bufs[2], d, f->invoice, fee, false);
    }
    if (interest) {
        owed_buf_adds(&bufs[2], fee ? ", interest " : "interest ");
        put_amount(&bufs[2], d, f->invoice, interest, false);
    }
    if (f->escalated) owed_buf_adds(&bufs[2], fee || interest ? ", promise broken" : "promise broken");
    cells[0] = first ? d->book.customers[f->customer].ref : "";
    cells[1] = first ? owed_channel_name((enum owed_channel)f->channel) : "";
    cells[2] = first ? step_name(d, f, severe) : "";
    cells[3] = bufs[0].ptr ? bufs[0].ptr : "";
    cells[4] = step_name(d, f, f->step);
    cells[5] = days;
    cells[6] = bufs[1].ptr ? bufs[1].ptr : "";
    cells[7] = bufs[2].ptr ? bufs[2].ptr : "";
    return OWED_OK;
}

static void render_summary(const struct owed__dunning *d, bool ran, struct owed_buf *out)
{
    size_t nmsg = 0, by_channel[8] = {0};
    for (size_t i = 0; i < d->n; i = owed__message_end(d, i)) {
        nmsg++;
        by_channel[d->f[i].channel & 7]++;
    }
    char date[11];
    owed_date_format(d->as_of, date);
    owed_buf_addf(out, "Dunning %s as of %s: %zu message%s for %zu invoice%s",
                  ran ? "run" : "preview", date, nmsg,
                  nmsg == 1 ? "" : "s", d->n, d->n == 1 ? "" : "s");
    const char *sep = " (";
    for (int c = OWED_CHANNEL_EMAIL; c <= OWED_CHANNEL_AGENCY; c++) {
        if (!by_channel[c]) continue;
        owed_buf_addf(out, "%s%s %zu", sep, owed_channel_name((enum owed_channel)c), by_channel[c]);
        sep = ", ";
    }
    owed_buf_adds(out, nmsg ? ")\n" : "\n");
    sep = "Paused: ";
    for (int p = 1; p < OWED_PAUSE_COUNT; p++) {
        if (!d->paused[p]) continue;
        owed_buf_addf(out, "%s%zu %s", sep, d->paused[p], owed__pause_name((enum owed__pause)p));
        sep = ", ";
    }
    if (sep[0] == ',') owed_buf_addc(out, '\n');
    if (d->nthanks)
        owed_buf_addf(out, "Thanks: %zu invoice%s paid on time\n", d->nthanks,
                      d->nthanks == 1 ? "" : "s");
    for (size_t i = 0; i < d->nchanges; i++)
        owed_buf_addf(out, "%s %lld %s %s\n", owed_item_kind_name(d->changes[i].kind),
                      (long long)d->changes[i].item, ran ? "is now" : "becomes",
                      owed_item_status_name(d->changes[i].status));
}

static int render_table(const struct owed__dunning *d, bool ran, struct owed_buf *out,
                        struct owed_buf *err)
{
    render_summary(d, ran, out);
    if (!ran) owed_buf_adds(out, "Nothing is sent: this is a preview (owed dunning run sends).\n");
    if (!d->n) return OWED_OK;
    static const char *const head[COLS] = {"Customer", "Channel", "Message", "Invoice",
                                           "Step",     "Days",    "Open",    "Charges"};
    static const bool left[COLS] = {true, true, true, true, true, false, false, true};
    int width[COLS];
    for (int c = 0; c < COLS; c++) width[c] = owed__text_width(head[c]);
    struct owed_buf bufs[CELL_BUFS] = {OWED_BUF_INIT(0), OWED_BUF_INIT(0), OWED_BUF_INIT(0)};
    const char *cells[COLS];
    char days[16];
    int rc = OWED_OK;
    /* Two passes over the rows: the widths, then the text. */
    for (int pass = 0; pass < 2 && !rc; pass++) {
        if (pass == 1) {
            owed_buf_addc(out, '\n');
            size_t rule = 0;
            for (int c = 0; c < COLS; c++) {
                put_cell(out, head[c], width[c], left[c], c == COLS - 1);
                rule += (size_t)width[c] + (c < COLS - 1 ? 2 : 0);
            }
            owed_buf_addc(out, '\n');
            for (size_t r = 0; r < rule; r++) owed_buf_addc(out, '-');
            owed_buf_addc(out, '\n');
        }
        for (size_t i = 0; i < d->n && !rc;) {
            size_t j = owed__message_end(d, i);
            int severe = owed__most_severe(d, i, j);
            for (size_t k = i; k < j && !rc; k++) {
                if ((rc = row_cells(d, k, k == i, severe, bufs, days, cells, err))) break;
                for (int c = 0; c < COLS; c++) {
                    if (pass == 0) {
                        int w = owed__text_width(cells[c]);
                        if (w > width[c]) width[c] = w;
                    } else {
                        put_cell(out, cells[c], width[c], left[c], c == COLS - 1);
                    }
                }
                if (pass == 1) {
                    while (out->len && out->ptr[out->len - 1] == ' ') out->len--;
                    owed_buf_addc(out, '\n');
                }
            }
            i = j;
        }
    }
    for (int b = 0; b < CELL_BUFS; b++) owed_buf_release(&bufs[b]);
    return rc;
}

int owed__dunning_render(const struct owed__dunning *d, enum owed_format fmt, bool ran,
                         struct owed_buf *out, struct owed_buf *err)
{
    int rc = fmt == OWED_FORMAT_JSON ? render_json(d, out, err) : render_table(d, ran, out, err);
    if (!rc && owed_buf_err(out)) rc = OWED_E_TOO_LARGE;
    return rc;
}

int owed_dunning_preview(struct owed_store *s, int64_t org, owed_date as_of, enum owed_format fmt,
                         struct owed_buf *out, struct owed_buf *err)
{
    struct owed__dunning d;
    int rc = owed__dunning_eval(s, org, as_of, &d, err);
    if (rc) return rc;
    PROF("eval end");
    rc = owed__dunning_render(&d, fmt, false, out, err);
    PROF("render");
    owed__dunning_release(&d);
    PROF("release");
    return rc;
}
