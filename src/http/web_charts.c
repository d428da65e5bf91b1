/* Inline SVG charts (web_charts.h). Geometry in integer pixels of a fixed viewBox; the SVG
 * scales with the page. Colours are presentation attributes, not style attributes, so the
 * Content-Security-Policy (no inline styles) lets them through. */
#include <stdio.h>
#include <string.h>

#include "http/web_charts.h"
#include "io/template.h"
#include "owed/money.h"
#include "base.h" /* last: its banned-function list must follow every system header */

#define W 400
#define H 200
#define LEFT 6
#define BOTTOM 34
#define TOP 8

static void text(struct owed_buf *svg, const char *s)
{
    owed_html_escape(svg, s, strlen(s));
}

void web_chart_bars(const char *title, const char *const *labels, const int64_t *values,
                    const char *const *value_text, size_t n, const char *const *colors,
                    struct owed_buf *svg)
{
    int64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (values[i] > max) max = values[i];
    owed_buf_addf(svg, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    text(svg, title);
    owed_buf_addf(svg, "\" xmlns=\"http://www.w3.org/2000/svg\"><title>");
    text(svg, title);
    owed_buf_addf(svg, "</title>");
    int slot = n ? (W - 2 * LEFT) / (int)n : W;
    int bar = slot * 7 / 10, plot = H - TOP - BOTTOM;
    for (size_t i = 0; i < n; i++) {
        int64_t v = values[i] > 0 ? values[i] : 0;
        /* __int128: a billion in minor units times the plot height stays exact. */
        int h = (int)((__int128)v * plot / max);
        int x = LEFT + (int)i * slot + (slot - bar) / 2, y = TOP + plot - h;
        owed_buf_addf(svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">", x, y,
                      bar, h > 0 ? h : 0, colors && colors[i] ? colors[i] : "#0b5cad");
        /* The amount is the bar's tooltip; the table beside the chart has every number. */
        owed_buf_addf(svg, "<title>");
        text(svg, labels[i]);
        owed_buf_addf(svg, ": ");
        text(svg, value_text[i]);
        owed_buf_addf(svg, "</title></rect><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                      x + bar / 2, H - BOTTOM + 22);
        text(svg, labels[i]);
        owed_buf_addf(svg, "</text>");
    }
    owed_buf_addf(svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#505a66\"/></svg>",
                  LEFT, TOP + plot, W - LEFT, TOP + plot);
}

void web_chart_line(const char *title, const char *const *labels, const double *values, size_t n,
                    struct owed_buf *svg)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (values[i] > max) max = values[i];
    if (max <= 0) max = 1;
    owed_buf_addf(svg, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    text(svg, title);
    owed_buf_addf(svg, "\" xmlns=\"http://www.w3.org/2000/svg\"><title>");
    text(svg, title);
    owed_buf_addf(svg, "</title><polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\" points=\"");
    /* Room above the highest point for its label. */
    int top = TOP + 22, plot = H - top - BOTTOM, step = n > 1 ? (W - 8 * LEFT) / (int)(n - 1) : 0;
    for (size_t i = 0; i < n; i++)
        owed_buf_addf(svg, "%d,%d ", 4 * LEFT + (int)i * step,
                      top + plot - (int)(values[i] / max * plot));
    owed_buf_addf(svg, "\"/>");
    for (size_t i = 0; i < n; i++) {
        int x = 4 * LEFT + (int)i * step, y = top + plot - (int)(values[i] / max * plot);
        owed_buf_addf(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#0b5cad\"/>"
                           "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.1f</text>"
                           "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                      x, y, x, y - 8, values[i], x, H - BOTTOM + 22);
        text(svg, labels[i]);
        owed_buf_addf(svg, "</text>");
    }
    owed_buf_addf(svg, "</svg>");
}

json_t *web_aging_totals(const json_t *aging)
{
    static const char *const colors[] = {"#2f7d4f", "#9a7400", "#c0661b", "#b3402a", "#7d1d1d"};
    const json_t *keys = json_object_get(aging, "buckets");
    size_t nb = json_array_size(keys);
    if (nb > 8) nb = 8;
    json_t *out = json_array();
    const json_t *row;
    size_t i;
    /* Sum per currency, in minor units. */
    struct cur {
        char code[4];
        int exp;
        int64_t sums[8], total;
    } curs[16];
    size_t ncur = 0;
    json_array_foreach(json_object_get(aging, "rows"), i, row) {
        const char *code = json_string_value(json_object_get(row, "currency"));
        int exp = code ? owed_currency_exponent(code) : -1;
        if (exp < 0) continue;
        size_t c = 0;
        while (c < ncur && strcmp(curs[c].code, code) != 0) c++;
        if (c == ncur) {
            if (ncur == OWED_ARRAY_LEN(curs)) continue;
            memset(&curs[c], 0, sizeof curs[c]);
            snprintf(curs[c].code, sizeof curs[c].code, "%s", code);
            curs[c].exp = exp;
            ncur++;
        }
        for (size_t b = 0; b < nb; b++) {
            const char *v = json_string_value(json_object_get(row, json_string_value(json_array_get(keys, b))));
            int64_t m;
            if (v && !owed_amount_parse(v, strlen(v), exp, &m)) {
                owed_i64_add(curs[c].sums[b], m, &curs[c].sums[b]);
                owed_i64_add(curs[c].total, m, &curs[c].total);
            }
        }
    }
    for (size_t c = 0; c < ncur; c++) {
        json_t *buckets = json_array();
        char texts[8][OWED__AMOUNT_MAX + 1];
        const char *labels[8], *vt[8];
        for (size_t b = 0; b < nb; b++) {
            const char *key = json_string_value(json_array_get(keys, b));
            const char *label = !strcmp(key, "current")    ? "Current"
                                : !strcmp(key, "d1_30")    ? "1–30"
                                : !strcmp(key, "d31_60")   ? "31–60"
                                : !strcmp(key, "d61_90")   ? "61–90"
                                : !strcmp(key, "d91_plus") ? "91+"
                                : !strcmp(key, "d0_30")    ? "0–30"
                                                           : key;
            size_t len = owed__amount_write(texts[b], curs[c].sums[b], curs[c].exp, true);
            texts[b][len] = 0;
            labels[b] = label;
            vt[b] = texts[b];
            int pct = curs[c].total > 0 ? (int)((__int128)curs[c].sums[b] * 100 / curs[c].total) : 0;
            json_array_append_new(buckets, json_pack("{s:s, s:s, s:s, s:i}", "key", key, "label",
                                                     label, "amount", texts[b], "pct", pct));
        }
        struct owed_buf svg = OWED_BUF_INIT(0);
        char title[64];
        snprintf(title, sizeof title, "Open receivables in %.3s by days past due", curs[c].code);
        web_chart_bars(title, labels, curs[c].sums, vt, nb, nb <= OWED_ARRAY_LEN(colors) ? colors : NULL, &svg);
        char total[OWED__AMOUNT_MAX + 1];
        total[owed__amount_write(total, curs[c].total, curs[c].exp, true)] = 0;
        json_array_append_new(out, json_pack("{s:s, s:s, s:o, s:s%}", "currency", curs[c].code,
                                             "total", total, "buckets", buckets, "chart", svg.ptr,
                                             svg.len));
        owed_buf_release(&svg);
    }
    return out;
}
