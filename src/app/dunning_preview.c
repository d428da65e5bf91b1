/* `owed dunning preview`: what a dunning run on a date would send (DESIGN.md "Dunning"),
 * computed over the book snapshot and changing nothing.
 *
 * For every invoice open on the date, core/dunning.c picks the step that fires; the
 * firings are grouped into one message per customer and channel, which uses the most
 * severe step among its invoices. Nothing has been sent by owed yet (runs, the outbox,
 * holds, disputes and promises come with the rest of issue 5), so every invoice counts as
 * never reminded and none is paused; the calendar has weekends only.
 *
 * One linear pass and one radix-free sort of the firings (by customer index, channel, due
 * date): the book keeps customers sorted by ref, so messages come out in ref order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/render.h"
#include "base.h"
#include "core/aging.h"
#include "core/dunning.h"
#include "owed/money.h"

struct firing {
    uint32_t invoice; /* index into the book */
    uint32_t customer;
    uint8_t channel;
    uint8_t step;
    owed_date due;
    int64_t open;
};

static int cmp_firing(const void *a, const void *b)
{
    const struct firing *x = a, *y = b;
    if (x->customer != y->customer) return x->customer < y->customer ? -1 : 1;
    if (x->channel != y->channel) return x->channel < y->channel ? -1 : 1;
    if (x->due != y->due) return x->due < y->due ? -1 : 1;
    return x->invoice < y->invoice ? -1 : x->invoice > y->invoice;
}

struct preview {
    const struct owed_book *book;
    const struct owed_dunning_policy *policy;
    owed_date as_of;
    struct firing *f;
    size_t n;
};

static void put_open(struct owed_buf *b, const struct owed_book *book, const struct firing *f)
{
    const struct owed_book_invoice *inv = &book->invoices[f->invoice];
    owed_amount_format(b, f->open, book->exponents[inv->currency], true);
    owed_buf_addc(b, ' ');
    owed_buf_adds(b, book->currencies[inv->currency]);
}

/* The message that starts at firing i ends before the returned index. */
static size_t message_end(const struct preview *p, size_t i)
{
    size_t j = i + 1;
    while (j < p->n && p->f[j].customer == p->f[i].customer && p->f[j].channel == p->f[i].channel)
        j++;
    return j;
}

static int most_severe(const struct preview *p, size_t i, size_t j)
{
    int s = 0;
    for (size_t k = i; k < j; k++)
        if (p->f[k].step > s) s = p->f[k].step;
    return s;
}

/* Both renderers write directly into the buffer: a preview can list a million invoices,
 * and a jansson document or a copied text table of that size cost ten times the
 * evaluation. The JSON has the layout of owed__put_json (two-space indent). */
static void render_json(const struct preview *p, struct owed_buf *out)
{
    const struct owed_book *book = p->book;
    if (p->n == 0) {
        owed_buf_adds(out, "[]\n");
        return;
    }
    owed_buf_adds(out, "[\n");
    for (size_t i = 0; i < p->n;) {
        size_t j = message_end(p, i);
        owed_buf_adds(out, "  {\n    \"customer_ref\": ");
        owed__put_json_string(out, book->customers[p->f[i].customer].ref);
        owed_buf_addf(out, ",\n    \"channel\": \"%s\",\n    \"step\": ",
                      owed_channel_name((enum owed_channel)p->f[i].channel));
        owed__put_json_string(out, p->policy->steps[most_severe(p, i, j)].name);
        owed_buf_adds(out, ",\n    \"invoices\": [\n");
        for (size_t k = i; k < j; k++) {
            const struct firing *f = &p->f[k];
            const struct owed_book_invoice *inv = &book->invoices[f->invoice];
            owed_buf_adds(out, "      {\n        \"invoice_number\": ");
            owed__put_json_string(out, inv->number ? inv->number : "");
            owed_buf_adds(out, ",\n        \"step\": ");
            owed__put_json_string(out, p->policy->steps[f->step].name);
            owed_buf_adds(out, ",\n        \"open\": \"");
            owed_amount_format(out, f->open, book->exponents[inv->currency], false);
            owed_buf_addf(out, "\",\n        \"currency\": \"%s\",\n        \"days_past_due\": %d\n      }%s\n",
                          book->currencies[inv->currency], p->as_of - f->due,
                          k + 1 < j ? "," : "");
        }
        owed_buf_adds(out, j < p->n ? "    ]\n  },\n" : "    ]\n  }\n");
        i = j;
    }
    owed_buf_adds(out, "]\n");
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

enum { COLS = 7 };

/* The cells of firing k (message columns only on the message's first line). */
static void row_cells(const struct preview *p, size_t k, bool first, int severe,
                      struct owed_buf *open, char days[16], const char *cells[COLS])
{
    const struct owed_book *book = p->book;
    const struct firing *f = &p->f[k];
    const struct owed_book_invoice *inv = &book->invoices[f->invoice];
    snprintf(days, 16, "%d", p->as_of - f->due);
    owed_buf_reset(open);
    put_open(open, book, f);
    cells[0] = first ? book->customers[f->customer].ref : "";
    cells[1] = first ? owed_channel_name((enum owed_channel)f->channel) : "";
    cells[2] = first ? p->policy->steps[severe].name : "";
    cells[3] = inv->number ? inv->number : "";
    cells[4] = p->policy->steps[f->step].name;
    cells[5] = days;
    cells[6] = open->ptr;
}

static void render_table(const struct preview *p, struct owed_buf *out)
{
    size_t nmsg = 0, by_channel[8] = {0};
    for (size_t i = 0; i < p->n; i = message_end(p, i)) {
        nmsg++;
        by_channel[p->f[i].channel & 7]++;
    }
    char d[11];
    owed_date_format(p->as_of, d);
    owed_buf_addf(out, "Dunning preview as of %s: %zu message%s for %zu invoice%s", d, nmsg,
                  nmsg == 1 ? "" : "s", p->n, p->n == 1 ? "" : "s");
    const char *sep = " (";
    for (int c = OWED_CHANNEL_EMAIL; c <= OWED_CHANNEL_AGENCY; c++) {
        if (!by_channel[c]) continue;
        owed_buf_addf(out, "%s%s %zu", sep, owed_channel_name((enum owed_channel)c), by_channel[c]);
        sep = ", ";
    }
    owed_buf_adds(out, nmsg ? ")\n" : "\n");
    owed_buf_adds(out, "Nothing is sent: no run has reminded any invoice yet.\n");
    if (!nmsg) return;
    static const char *const head[COLS] = {"Customer", "Channel", "Message", "Invoice",
                                           "Step",     "Days",    "Open"};
    static const bool left[COLS] = {true, true, true, true, true, false, false};
    int width[COLS];
    for (int c = 0; c < COLS; c++) width[c] = owed__text_width(head[c]);
    struct owed_buf open = OWED_BUF_INIT(0);
    const char *cells[COLS];
    char days[16];
    /* Two passes over the rows: the widths, then the text. */
    for (int pass = 0; pass < 2; pass++) {
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
        for (size_t i = 0; i < p->n;) {
            size_t j = message_end(p, i);
            int severe = most_severe(p, i, j);
            for (size_t k = i; k < j; k++) {
                row_cells(p, k, k == i, severe, &open, days, cells);
                for (int c = 0; c < COLS; c++) {
                    if (pass == 0) {
                        int w = owed__text_width(cells[c]);
                        if (w > width[c]) width[c] = w;
                    } else {
                        put_cell(out, cells[c], width[c], left[c], c == COLS - 1);
                    }
                }
                if (pass == 1) owed_buf_addc(out, '\n');
            }
            i = j;
        }
    }
    owed_buf_release(&open);
}

int owed_dunning_preview(struct owed_store *s, int64_t org, owed_date as_of, enum owed_format fmt,
                         struct owed_buf *out, struct owed_buf *err)
{
    struct owed_dunning_policy policy;
    owed_dunning_policy_default(&policy);
    struct owed_book book;
    int rc = owed_book_load(s, org, as_of, true, &book, err);
    if (rc) return rc;
    int64_t *open = owed_xmalloc_big(book.ninvoices ? book.ninvoices : 1, sizeof *open, false);
    owed_book_open_amounts(&book, as_of, open);
    struct preview p = {&book, &policy, as_of, NULL, 0};
    size_t nopen = 0;
    for (size_t i = 0; i < book.ninvoices; i++) nopen += open[i] > 0;
    p.f = owed_xmalloc_big(nopen ? nopen : 1, sizeof *p.f, false);
    struct owed_calendar weekends = {NULL, 0};
    for (size_t i = 0; i < book.ninvoices; i++) {
        if (open[i] <= 0) continue;
        const struct owed_book_invoice *inv = &book.invoices[i];
        int k = owed_dunning_due_step(&policy, &weekends, inv->due_date, as_of, open[i],
                                      book.exponents[inv->currency], -1);
        if (k < 0) continue;
        p.f[p.n++] = (struct firing){(uint32_t)i, inv->customer,
                                     (uint8_t)policy.steps[k].channel, (uint8_t)k,
                                     inv->due_date, open[i]};
    }
    qsort(p.f, p.n, sizeof *p.f, cmp_firing);
    if (fmt == OWED_FORMAT_JSON) render_json(&p, out);
    else render_table(&p, out);
    free(p.f);
    free(open);
    owed_book_release(&book);
    return owed_buf_err(out) ? OWED_E_TOO_LARGE : OWED_OK;
}
