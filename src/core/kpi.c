/* Receivables KPIs (DESIGN.md "KPIs"), per currency, integer-only.
 *
 * Conventions (the output layer should print them):
 *   - Period is (D - N, D]; S = invoice amounts issued in the period.
 *   - AR(X) = sum of positive open invoice amounts as of X, exactly the aging total of
 *     buckets; not netted against unapplied cash.
 *   - "Current" AR = open amount of invoices with due date >= D (aging's current bucket).
 *   - Ratios are tenths (days, or percent for CEI and on-time rates), each rounded half to
 *     even once from exact integers: ADD is (AR - current AR) / S * N, not the difference
 *     of two rounded figures.
 *   - An invoice is paid in the period when its open amount reached zero on a day in the
 *     period. That day is the date of the allocation that closed it, or its issue date if
 *     it was already covered when issued (prepayment).
 *   - Paid-invoice averages are weighted by invoice amount. */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "kpi.h"

struct cur_acc {
    bool has;
    owed_date earliest;
    int64_t ar, ar_start, current_ar, sales;
    int64_t paid_count, paid_amount, paid_wdays, paid_wlate, ontime_count, ontime_amount;
};

static int add_to(int64_t *acc, int64_t v) { return owed_i64_add(*acc, v, acc); }

/* acc += a * b, checked. */
static int add_product(int64_t *acc, int64_t a, int64_t b)
{
    int64_t p;
    if (owed_i64_mul(a, b, &p)) return OWED_E_OVERFLOW;
    return add_to(acc, p);
}

static struct owed_tenths ratio(int64_t num, int64_t mul, int64_t den)
{
    struct owed_tenths t = {false, 0};
    if (den <= 0) return t;
    if (owed_muldiv_half_even(num, mul, den, &t.tenths) == OWED_OK) t.defined = true;
    return t;
}

struct owed_tenths owed_kpi_countback(int64_t ar_minor, const int64_t *month_sales,
                                      const int *month_days, size_t nmonths)
{
    struct owed_tenths r = {false, 0};
    if (nmonths == 0 || ar_minor < 0) return r;
    int64_t rem = ar_minor, tenths = 0;
    for (size_t i = 0; i < nmonths && rem > 0; i++) {
        if (rem >= month_sales[i]) {
            rem -= month_sales[i];
            tenths += 10 * (int64_t)month_days[i];
            continue;
        }
        /* 0 < rem < sales: the fraction of this month that the remainder covers. */
        int64_t part;
        if (owed_muldiv_half_even(rem, 10 * (int64_t)month_days[i], month_sales[i], &part))
            return r;
        tenths += part;
        rem = 0;
    }
    r.defined = true;
    r.tenths = tenths;
    return r;
}

static int month_index(owed_date day)
{
    int y, m, d;
    owed_date_to_ymd(day, &y, &m, &d);
    return y * 12 + (m - 1);
}

struct kctx {
    const struct owed_book *book;
    owed_date d, start;
    int days;
    int64_t *alloc_end;   /* per invoice: allocations dated <= D */
    int64_t *alloc_start; /* per invoice: allocations dated <= start */
    owed_date *closed_on; /* per invoice: INT32_MIN = not a candidate */
    struct cur_acc *acc;
};

static int sum_allocations(struct kctx *k)
{
    const struct owed_book *b = k->book;
    for (size_t j = 0; j < b->nallocs; j++) {
        const struct owed_book_alloc *al = &b->allocs[j];
        if (al->date > k->d) continue;
        OWED_ASSERT(al->invoice < b->ninvoices);
        if (add_to(&k->alloc_end[al->invoice], al->amount_minor)) return OWED_E_OVERFLOW;
        if (al->date <= k->start && add_to(&k->alloc_start[al->invoice], al->amount_minor))
            return OWED_E_OVERFLOW;
    }
    return OWED_OK;
}

static int record_paid(struct cur_acc *a, const struct owed_book_invoice *inv, owed_date paid)
{
    int64_t amt = inv->amount_minor;
    int64_t late = paid > inv->due_date ? (int64_t)paid - inv->due_date : 0;
    a->paid_count++;
    if (add_to(&a->paid_amount, amt) || add_product(&a->paid_wdays, amt, paid - inv->issue_date) ||
        add_product(&a->paid_wlate, amt, late))
        return OWED_E_OVERFLOW;
    if (paid <= inv->due_date) {
        a->ontime_count++;
        if (add_to(&a->ontime_amount, amt)) return OWED_E_OVERFLOW;
    }
    return OWED_OK;
}

/* AR, current AR, AR at start, sales; marks invoices that may have closed in the period. */
static int scan_invoices(struct kctx *k, size_t *ncandidates)
{
    const struct owed_book *b = k->book;
    for (size_t i = 0; i < b->ninvoices; i++) {
        const struct owed_book_invoice *inv = &b->invoices[i];
        k->closed_on[i] = INT32_MIN;
        if (inv->issue_date > k->d) continue;
        OWED_ASSERT(inv->currency < b->ncurrencies);
        struct cur_acc *a = &k->acc[inv->currency];
        if (!a->has || inv->issue_date < a->earliest) a->earliest = inv->issue_date;
        a->has = true;
        int64_t open, open_start;
        if (owed_i64_sub(inv->amount_minor, k->alloc_end[i], &open) ||
            owed_i64_sub(inv->amount_minor, k->alloc_start[i], &open_start))
            return OWED_E_OVERFLOW;
        if (open > 0) {
            if (add_to(&a->ar, open)) return OWED_E_OVERFLOW;
            if (inv->due_date >= k->d && add_to(&a->current_ar, open)) return OWED_E_OVERFLOW;
        }
        if (inv->issue_date <= k->start) {
            if (open_start > 0 && add_to(&a->ar_start, open_start)) return OWED_E_OVERFLOW;
        } else if (add_to(&a->sales, inv->amount_minor)) {
            return OWED_E_OVERFLOW;
        }
        if (open > 0) continue;
        if (open_start > 0) {
            /* Closed by an allocation inside the period: find which one below. */
            k->closed_on[i] = INT32_MAX;
            k->alloc_start[i] = open_start; /* now: amount still open, walked down by date */
            (*ncandidates)++;
        } else if (inv->issue_date > k->start) {
            /* Covered before it was issued: it reached zero on its issue date. */
            int rc = record_paid(a, inv, inv->issue_date);
            if (rc) return rc;
        }
    }
    return OWED_OK;
}

/* Walks the period's allocations to candidate invoices in date order (counting sort on the
 * day) to find the allocation that brought each open amount to zero. */
static int find_closing_dates(struct kctx *k)
{
    const struct owed_book *b = k->book;
    size_t range = (size_t)k->days + 1;
    uint32_t *count = owed_xcalloc(range + 1, sizeof *count);
    size_t n = 0;
    for (size_t j = 0; j < b->nallocs; j++) {
        const struct owed_book_alloc *al = &b->allocs[j];
        if (al->date <= k->start || al->date > k->d || k->closed_on[al->invoice] == INT32_MIN)
            continue;
        count[al->date - k->start + 1]++;
        n++;
    }
    for (size_t t = 1; t <= range; t++) count[t] += count[t - 1];
    uint32_t *order = owed_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t j = 0; j < b->nallocs; j++) {
        const struct owed_book_alloc *al = &b->allocs[j];
        if (al->date <= k->start || al->date > k->d || k->closed_on[al->invoice] == INT32_MIN)
            continue;
        order[count[al->date - k->start]++] = (uint32_t)j;
    }
    for (size_t t = 0; t < n; t++) {
        const struct owed_book_alloc *al = &b->allocs[order[t]];
        int64_t *rem = &k->alloc_start[al->invoice];
        int64_t before = *rem;
        if (__builtin_sub_overflow(before, al->amount_minor, rem)) *rem = INT64_MIN;
        if (before > 0 && *rem <= 0) k->closed_on[al->invoice] = al->date;
    }
    free(order);
    free(count);
    int rc = OWED_OK;
    for (size_t i = 0; i < b->ninvoices && rc == OWED_OK; i++) {
        owed_date c = k->closed_on[i];
        if (c == INT32_MIN) continue;
        const struct owed_book_invoice *inv = &b->invoices[i];
        if (c == INT32_MAX) c = k->d; /* unreachable with positive allocations */
        if (c < inv->issue_date) c = inv->issue_date;
        rc = record_paid(&k->acc[inv->currency], inv, c);
    }
    return rc;
}

/* month_sales[c * nmonths + m]: sales of currency c in the m-th month back from D. */
static void month_sales(const struct kctx *k, int64_t *sales, size_t nmonths)
{
    const struct owed_book *b = k->book;
    owed_date first = owed_date_month_start(k->d);
    int md = month_index(k->d);
    for (size_t i = 0; i < b->ninvoices; i++) {
        const struct owed_book_invoice *inv = &b->invoices[i];
        if (inv->issue_date > k->d) continue;
        size_t m = inv->issue_date >= first ? 0 : (size_t)(md - month_index(inv->issue_date));
        OWED_ASSERT(m < nmonths);
        int64_t *s = &sales[(size_t)inv->currency * nmonths + m];
        /* Sales cannot overflow where AR did not: AR and S checked the same sums. */
        if (__builtin_add_overflow(*s, inv->amount_minor, s)) *s = INT64_MAX;
    }
}

static void fill_result(const struct kctx *k, uint16_t c, const int64_t *sales,
                        const int *mdays, size_t nmonths, struct owed_kpi *r)
{
    const struct cur_acc *a = &k->acc[c];
    int64_t n10 = 10 * (int64_t)k->days;
    memset(r, 0, sizeof *r);
    r->currency = c;
    r->ar_minor = a->ar;
    r->ar_start_minor = a->ar_start;
    r->current_ar_minor = a->current_ar;
    r->sales_minor = a->sales;
    r->dso = ratio(a->ar, n10, a->sales);
    r->best_possible_dso = ratio(a->current_ar, n10, a->sales);
    r->add = ratio(a->ar - a->current_ar, n10, a->sales);
    size_t mine = (size_t)(month_index(k->d) - month_index(a->earliest)) + 1;
    r->countback_dso = owed_kpi_countback(a->ar, sales + (size_t)c * nmonths, mdays, mine);
    int64_t num, den;
    if (!owed_i64_add(a->ar_start, a->sales, &num) && !owed_i64_sub(num, a->current_ar, &den) &&
        !owed_i64_sub(num, a->ar, &num))
        r->cei = ratio(num, 1000, den);
    r->paid_count = a->paid_count;
    if (a->paid_count > 0) {
        r->avg_days_to_pay = ratio(a->paid_wdays, 10, a->paid_amount);
        r->avg_days_late = ratio(a->paid_wlate, 10, a->paid_amount);
        r->on_time_rate_count = ratio(a->ontime_count, 1000, a->paid_count);
        r->on_time_rate_amount = ratio(a->ontime_amount, 1000, a->paid_amount);
    }
}

int owed_kpi_compute(const struct owed_book *book, owed_date as_of, int days,
                     struct owed_kpi **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (!book || days < 1 || days > 3660000) return OWED_E_INVALID;
    size_t ninv = book->ninvoices, ncur = book->ncurrencies;
    struct kctx k = {.book = book, .d = as_of, .start = (owed_date)(as_of - days), .days = days};
    k.alloc_end = owed_xcalloc(ninv ? ninv : 1, sizeof *k.alloc_end);
    k.alloc_start = owed_xcalloc(ninv ? ninv : 1, sizeof *k.alloc_start);
    k.closed_on = owed_xmalloc((ninv ? ninv : 1) * sizeof *k.closed_on);
    k.acc = owed_xcalloc(ncur ? ncur : 1, sizeof *k.acc);

    size_t ncand = 0;
    int rc = sum_allocations(&k);
    if (rc == OWED_OK) rc = scan_invoices(&k, &ncand);
    if (rc == OWED_OK && ncand > 0) rc = find_closing_dates(&k);

    if (rc == OWED_OK) {
        /* Countback history: from the month of the earliest invoice up to the month of D. */
        owed_date earliest = as_of;
        size_t nres = 0;
        for (size_t c = 0; c < ncur; c++) {
            if (!k.acc[c].has) continue;
            nres++;
            if (k.acc[c].earliest < earliest) earliest = k.acc[c].earliest;
        }
        size_t nmonths = (size_t)(month_index(as_of) - month_index(earliest)) + 1;
        int64_t *sales = owed_xcalloc((ncur ? ncur : 1) * nmonths, sizeof *sales);
        int *mdays = owed_xmalloc(nmonths * sizeof *mdays);
        int y, m, d;
        owed_date_to_ymd(as_of, &y, &m, &d);
        mdays[0] = d;
        for (size_t i = 1; i < nmonths; i++) {
            if (--m == 0) {
                m = 12;
                y--;
            }
            mdays[i] = owed_month_days(y, m);
        }
        if (nres > 0) month_sales(&k, sales, nmonths);
        struct owed_kpi *res = nres ? owed_xcalloc(nres, sizeof *res) : NULL;
        size_t j = 0;
        for (size_t c = 0; c < ncur; c++)
            if (k.acc[c].has) fill_result(&k, (uint16_t)c, sales, mdays, nmonths, &res[j++]);
        free(sales);
        free(mdays);
        *out = res;
        *nout = nres;
    }
    free(k.alloc_end);
    free(k.alloc_start);
    free(k.closed_on);
    free(k.acc);
    return rc;
}
