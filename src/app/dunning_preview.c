/* `owed dunning preview`: what a dunning run on a date would do (app/dunning_eval.c),
 * rendered as a table for people or JSON for scripts, changing nothing.
 *
 * Both renderers write directly into the buffer: a preview can list a million invoices,
 * and a jansson document or a copied text table of that size cost ten times the
 * evaluation. The JSON has the layout of owed__put_json (two-space indent). At that size
 * every per-invoice cost shows (bench/README.md, "Dunning preview"): the output goes
 * through a block (struct out), steps that charge nothing skip the charges, and the rows
 * prefetch their invoices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dunning_int.h"
#include "app/render.h"
#include "base.h"
#include "owed/money.h"

/* ---- output through a block ----
 *
 * A million invoices make tens of millions of small appends; each owed_buf_add checks the
 * cap and writes a NUL. They go to a 16 KiB block instead, which is appended to the buffer
 * when full: the same bytes, and the buffer's cap and sticky error apply as before. */

struct out {
    struct owed_buf *b;
    size_t n;
    char blk[16384];
};

static void out_flush(struct out *o)
{
    owed_buf_add(o->b, o->blk, o->n);
    o->n = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
    if (n > sizeof o->blk - o->n) {
        out_flush(o);
        if (n > sizeof o->blk) {
            owed_buf_add(o->b, s, n);
            return;
        }
    }
    memcpy(o->blk + o->n, s, n);
    o->n += n;
}

#define OUT_LIT(o, lit) out_put((o), (lit), sizeof(lit) - 1)

static void out_puts(struct out *o, const char *s) { out_put(o, s, strlen(s)); }

/* "%d" into s (at least 12 bytes); returns the length. */
static size_t int_text(char *s, int v)
{
    char tmp[12];
    size_t n = 0, len = 0;
    uint32_t mag = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    if (v < 0) s[len++] = '-';
    while (n) s[len++] = tmp[--n];
    return len;
}

static void out_int(struct out *o, int v)
{
    char s[12];
    out_put(o, s, int_text(s, v));
}

static void out_amount(struct out *o, int64_t minor, int exponent, bool group)
{
    char s[OWED__AMOUNT_MAX];
    out_put(o, s, owed__amount_write(s, minor, exponent, group));
}

/* owed__put_json_string: one copy when nothing needs escaping. */
static void out_json_string(struct out *o, const char *s)
{
    size_t plain = owed__json_plain_len(s);
    if (plain == SIZE_MAX) {
        out_flush(o);
        owed__put_json_string(o->b, s);
        return;
    }
    OUT_LIT(o, "\"");
    out_put(o, s, plain);
    OUT_LIT(o, "\"");
}

static void out_spaces(struct out *o, int n)
{
    static const char spaces[] = "                                                                ";
    for (; n > 0; n -= (int)sizeof spaces - 1)
        out_put(o, spaces, n < (int)sizeof spaces - 1 ? (size_t)n : sizeof spaces - 1);
}

/* Removes the spaces that end what was written (the block, then the buffer). */
static void out_trim(struct out *o)
{
    while (o->n && o->blk[o->n - 1] == ' ') o->n--;
    if (o->n) return;
    while (o->b->len && o->b->ptr[o->b->len - 1] == ' ') o->b->len--;
}

/* ---- what the renderers share ---- */

struct view {
    const struct owed__dunning *d;
    bool *charged; /* by (policy, step, currency): the step may charge a fee or interest */
    size_t ncur;
};

/* False when a step's fee or interest text means nothing for the currency, as
 * app/dunning_charges.c resolves it: "" and "none", or "statutory" outside EUR and GBP. */
static bool text_charges(const char *text, const char *currency)
{
    if (!text[0] || !strcmp(text, "none")) return false;
    if (!strcmp(text, "statutory")) return !strcmp(currency, "EUR") || !strcmp(currency, "GBP");
    return true;
}

static void view_init(struct view *v, const struct owed__dunning *d)
{
    v->d = d;
    v->ncur = d->book.ncurrencies ? d->book.ncurrencies : 1;
    size_t n = d->policies.n * OWED_DUNNING_MAX_STEPS * v->ncur;
    v->charged = owed_xcalloc(n ? n : 1, sizeof *v->charged);
    for (size_t p = 0; p < d->policies.n; p++)
        for (size_t s = 0; s < d->policies.list[p].nsteps; s++)
            for (size_t c = 0; c < d->book.ncurrencies; c++) {
                const struct owed_dunning_step *st = &d->policies.list[p].steps[s];
                v->charged[(p * OWED_DUNNING_MAX_STEPS + s) * v->ncur + c] =
                    text_charges(st->fee, d->book.currencies[c]) ||
                    text_charges(st->interest, d->book.currencies[c]);
            }
}

static void view_release(struct view *v) { free(v->charged); }

/* owed__firing_charges, skipped for the steps that charge nothing (most of them): parsing
 * the step's texts for each of a million firings took a tenth of the rendering. */
static int charges(const struct view *v, const struct owed__firing *f, int64_t *fee,
                   int64_t *interest, struct owed_buf *err)
{
    uint16_t cur = v->d->book.invoices[f->invoice].currency;
    if (!f->installment &&
        v->charged[((size_t)f->policy * OWED_DUNNING_MAX_STEPS + f->step) * v->ncur + cur])
        return owed__firing_charges(v->d, f, fee, interest, err);
    *fee = *interest = 0;
    return OWED_OK;
}

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

/* Firings are in customer order, their invoices in id order: each row reads an invoice
 * and its number from far away. Asking for them a few rows ahead hides the misses.
 * always_inline: GCC finds a function of prefetches alone free of side effects and drops
 * the calls before it would inline them. */
enum { PREFETCH_ROWS = 8 };

static inline __attribute__((always_inline)) void prefetch_row(const struct owed__dunning *d,
                                                               size_t k)
{
    if (k + 2 * PREFETCH_ROWS < d->n)
        __builtin_prefetch(&d->book.invoices[d->f[k + 2 * PREFETCH_ROWS].invoice]);
    if (k + PREFETCH_ROWS < d->n) {
        const char *number = d->book.invoices[d->f[k + PREFETCH_ROWS].invoice].number;
        if (number) __builtin_prefetch(number);
    }
}

/* ---- JSON ---- */

static void json_invoice(struct out *o, const struct owed__dunning *d,
                         const struct owed__firing *f, const char *step, int64_t open,
                         int64_t fee, int64_t interest, bool last)
{
    const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
    int exp = exponent_of(d, f->invoice);
    OUT_LIT(o, "      {\n        \"invoice_number\": ");
    out_json_string(o, inv->number ? inv->number : "");
    OUT_LIT(o, ",\n        \"step\": ");
    out_json_string(o, step);
    OUT_LIT(o, ",\n        \"open\": \"");
    out_amount(o, open, exp, false);
    OUT_LIT(o, "\",\n        \"currency\": \"");
    out_puts(o, currency_of(d, f->invoice));
    OUT_LIT(o, "\",\n        \"days_past_due\": ");
    out_int(o, d->as_of - f->due);
    if (f->installment) {
        OUT_LIT(o, ",\n        \"installment\": ");
        out_int(o, f->installment_no);
    }
    if (f->escalated) OUT_LIT(o, ",\n        \"escalated\": true");
    if (fee) {
        OUT_LIT(o, ",\n        \"fee\": \"");
        out_amount(o, fee, exp, false);
        OUT_LIT(o, "\"");
    }
    if (interest) {
        OUT_LIT(o, ",\n        \"interest\": \"");
        out_amount(o, interest, exp, false);
        OUT_LIT(o, "\"");
    }
    if (last) OUT_LIT(o, "\n      }\n");
    else OUT_LIT(o, "\n      },\n");
}

static void json_message_head(struct out *o, const struct owed__dunning *d, uint32_t customer,
                              const char *channel, const char *step, bool first)
{
    if (first) OUT_LIT(o, "  {\n    \"customer_ref\": ");
    else OUT_LIT(o, "  },\n  {\n    \"customer_ref\": ");
    out_json_string(o, d->book.customers[customer].ref);
    OUT_LIT(o, ",\n    \"channel\": \"");
    out_puts(o, channel);
    OUT_LIT(o, "\",\n    \"step\": ");
    out_json_string(o, step);
    OUT_LIT(o, ",\n    \"invoices\": [\n");
}

/* About what one invoice takes in JSON, to size the output once. */
enum { JSON_INVOICE_BYTES = 200 };

static int render_json(const struct view *v, struct out *o, struct owed_buf *err)
{
    const struct owed__dunning *d = v->d;
    if (d->n == 0 && d->nthanks == 0) {
        OUT_LIT(o, "[]\n");
        return OWED_OK;
    }
    owed__buf_reserve(o->b, (d->n + d->nthanks) * JSON_INVOICE_BYTES);
    OUT_LIT(o, "[\n");
    bool first = true;
    for (size_t i = 0; i < d->n;) {
        size_t j = owed__message_end(d, i);
        json_message_head(o, d, d->f[i].customer,
                          owed_channel_name((enum owed_channel)d->f[i].channel),
                          step_name(d, &d->f[i], owed__most_severe(d, i, j)), first);
        first = false;
        for (size_t k = i; k < j; k++) {
            prefetch_row(d, k);
            int64_t fee, interest;
            int rc = charges(v, &d->f[k], &fee, &interest, err);
            if (rc) return rc;
            json_invoice(o, d, &d->f[k], step_name(d, &d->f[k], d->f[k].step), d->f[k].open,
                         fee, interest, k + 1 == j);
        }
        OUT_LIT(o, "    ]\n");
        i = j;
    }
    for (size_t i = 0; i < d->nthanks;) {
        uint32_t c = d->book.invoices[d->thanks[i]].customer;
        json_message_head(o, d, c, "email", "thanks", first);
        first = false;
        size_t j = i;
        while (j < d->nthanks && d->book.invoices[d->thanks[j]].customer == c) j++;
        for (size_t k = i; k < j; k++) {
            struct owed__firing f = {.invoice = d->thanks[k], .customer = c,
                                     .due = d->book.invoices[d->thanks[k]].due_date};
            json_invoice(o, d, &f, "thanks", 0, 0, 0, k + 1 == j);
        }
        OUT_LIT(o, "    ]\n");
        i = j;
    }
    OUT_LIT(o, "  }\n]\n");
    return OWED_OK;
}

/* ---- table ---- */

enum { COLS = 8 };

/* One cell: text a then text b (the invoice column's " #2" of an installment), and its
 * width in terminal columns. */
struct cell {
    const char *a, *b;
    size_t alen, blen;
    int width;
};

struct row {
    struct cell c[COLS];
    char installment[16], days[16], open[OWED__AMOUNT_MAX + 8], charges[160];
};

/* A cell of text s, measured in one pass: ASCII is one column a byte, anything else is
 * left to owed__text_width(). */
static void set_cell(struct cell *c, const char *s)
{
    size_t i = 0;
    while ((unsigned char)(s[i] - 1) < 0x7F) i++;
    if (!s[i]) {
        *c = (struct cell){s, "", i, 0, (int)i};
        return;
    }
    *c = (struct cell){s, "", i + strlen(s + i), 0, owed__text_width(s)};
}

/* owed_amount_format at the invoice's exponent into s; returns the new end. */
static char *put_amount_text(char *s, const struct owed__dunning *d, uint32_t invoice,
                             int64_t minor, bool group)
{
    return s + owed__amount_write(s, minor, exponent_of(d, invoice), group);
}

static void charges_text(struct row *r, const struct owed__dunning *d,
                         const struct owed__firing *f, int64_t fee, int64_t interest)
{
    char *s = r->charges;
    if (fee) {
        memcpy(s, "fee ", 4);
        s = put_amount_text(s + 4, d, f->invoice, fee, false);
    }
    if (interest) {
        const char *lead = fee ? ", interest " : "interest ";
        size_t n = strlen(lead);
        memcpy(s, lead, n);
        s = put_amount_text(s + n, d, f->invoice, interest, false);
    }
    if (f->escalated) {
        const char *t = fee || interest ? ", promise broken" : "promise broken";
        size_t n = strlen(t);
        memcpy(s, t, n);
        s += n;
    }
    *s = '\0';
    set_cell(&r->c[7], r->charges);
}

/* The cells of firing k (message columns only on the message's first line). */
static int row_cells(const struct view *v, size_t k, bool first, int severe, struct row *r,
                     struct owed_buf *err)
{
    const struct owed__dunning *d = v->d;
    const struct owed__firing *f = &d->f[k];
    const struct owed_book_invoice *inv = &d->book.invoices[f->invoice];
    int64_t fee, interest;
    int rc = charges(v, f, &fee, &interest, err);
    if (rc) return rc;
    if (first) {
        const char *ref = d->book.customers[f->customer].ref;
        const char *ch = owed_channel_name((enum owed_channel)f->channel);
        const char *sev = step_name(d, f, severe);
        set_cell(&r->c[0], ref);
        set_cell(&r->c[1], ch);
        set_cell(&r->c[2], sev);
    } else {
        for (int c = 0; c < 3; c++) r->c[c] = (struct cell){"", "", 0, 0, 0};
    }
    const char *number = inv->number ? inv->number : "";
    set_cell(&r->c[3], number);
    if (f->installment) {
        memcpy(r->installment, " #", 2);
        r->c[3].b = r->installment;
        r->c[3].blen = 2 + int_text(r->installment + 2, f->installment_no);
        r->c[3].width += (int)r->c[3].blen;
    }
    const char *step = step_name(d, f, f->step);
    set_cell(&r->c[4], step);
    size_t n = int_text(r->days, d->as_of - f->due);
    r->c[5] = (struct cell){r->days, "", n, 0, (int)n};
    char *s = put_amount_text(r->open, d, f->invoice, f->open, true);
    *s++ = ' ';
    const char *cur = currency_of(d, f->invoice);
    size_t curlen = strlen(cur);
    memcpy(s, cur, curlen + 1);
    r->c[6] = (struct cell){r->open, "", (size_t)(s - r->open) + curlen, 0,
                            (int)(s - r->open) + owed__text_width(cur)};
    if (fee || interest || f->escalated) charges_text(r, d, f, fee, interest);
    else r->c[7] = (struct cell){"", "", 0, 0, 0};
    return OWED_OK;
}

/* One cell padded to `width` columns, left or right aligned, then two spaces. */
static void put_cell(struct out *o, const struct cell *c, int width, bool left, bool last)
{
    int pad = width - c->width;
    if (!left) out_spaces(o, pad);
    out_put(o, c->a, c->alen);
    out_put(o, c->b, c->blen);
    if (left && !last) out_spaces(o, pad);
    if (!last) OUT_LIT(o, "  ");
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
    for (int c = OWED_CHANNEL_EMAIL; c <= OWED_CHANNEL_WEBHOOK; c++) {
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

static void end_row(struct out *o)
{
    out_trim(o);
    OUT_LIT(o, "\n");
}

static int render_table(const struct view *v, bool ran, struct out *o, struct owed_buf *err)
{
    const struct owed__dunning *d = v->d;
    out_flush(o);
    render_summary(d, ran, o->b);
    if (!ran) OUT_LIT(o, "Nothing is sent: this is a preview (owed dunning run sends).\n");
    if (!d->n) return OWED_OK;
    static const char *const head[COLS] = {"Customer", "Channel", "Message", "Invoice",
                                           "Step",     "Days",    "Open",    "Charges"};
    static const bool left[COLS] = {true, true, true, true, true, false, false, true};
    int width[COLS];
    struct row r;
    for (int c = 0; c < COLS; c++) width[c] = owed__text_width(head[c]);
    /* Two passes over the rows: the widths, then the text. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            size_t rule = 0;
            for (int c = 0; c < COLS; c++) rule += (size_t)width[c] + (c < COLS - 1 ? 2 : 0);
            owed__buf_reserve(o->b, o->n + (d->n + 3) * (rule + 1));
            OUT_LIT(o, "\n");
            for (int c = 0; c < COLS; c++) {
                struct cell h;
                set_cell(&h, head[c]);
                put_cell(o, &h, width[c], left[c], c == COLS - 1);
            }
            OUT_LIT(o, "\n");
            for (size_t k = 0; k < rule; k++) OUT_LIT(o, "-");
            OUT_LIT(o, "\n");
        }
        for (size_t i = 0; i < d->n;) {
            size_t j = owed__message_end(d, i);
            int severe = owed__most_severe(d, i, j);
            for (size_t k = i; k < j; k++) {
                prefetch_row(d, k);
                int rc = row_cells(v, k, k == i, severe, &r, err);
                if (rc) return rc;
                for (int c = 0; c < COLS; c++) {
                    if (pass == 0) {
                        if (r.c[c].width > width[c]) width[c] = r.c[c].width;
                    } else {
                        put_cell(o, &r.c[c], width[c], left[c], c == COLS - 1);
                    }
                }
                if (pass == 1) end_row(o);
            }
            i = j;
        }
    }
    return OWED_OK;
}

int owed__dunning_render(const struct owed__dunning *d, enum owed_format fmt, bool ran,
                         struct owed_buf *out, struct owed_buf *err)
{
    struct view v;
    view_init(&v, d);
    struct out *o = owed_xmalloc(sizeof *o);
    o->b = out;
    o->n = 0;
    int rc = fmt == OWED_FORMAT_JSON ? render_json(&v, o, err) : render_table(&v, ran, o, err);
    out_flush(o);
    free(o);
    view_release(&v);
    if (!rc && owed_buf_err(out)) rc = OWED_E_TOO_LARGE;
    return rc;
}

int owed_dunning_preview(struct owed_store *s, int64_t org, owed_date as_of, enum owed_format fmt,
                         struct owed_buf *out, struct owed_buf *err)
{
    struct owed__dunning d;
    int rc = owed__dunning_eval(s, org, as_of, &d, err);
    if (rc) return rc;
    rc = owed__dunning_render(&d, fmt, false, out, err);
    owed__dunning_release(&d);
    return rc;
}
