/* Civil-date arithmetic after Howard Hinnant's days_from_civil / civil_from_days, written
 * here because gmtime/localtime are banned and timegm is not portable. */
#include <time.h>

#include "base.h"

bool owed_year_is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int owed_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return (m == 2 && owed_year_is_leap(y)) ? 29 : days[m - 1];
}

bool owed_date_valid_ymd(int y, int m, int d)
{
    return y >= OWED_DATE_MIN_YEAR && y <= OWED_DATE_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
           d <= owed_month_days(y, m);
}

owed_date owed_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (owed_date)(era * 146097 + doe - 719468);
}

void owed_date_to_ymd(owed_date day, int *y, int *m, int *d)
{
    int z = day + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int dd = doy - (153 * mp + 2) / 5 + 1;
    int mm = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (mm <= 2);
    *m = mm;
    *d = dd;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int owed_date_parse(const char *s, size_t len, owed_date *out)
{
    if (!s || len != 10 || s[4] != '-' || s[7] != '-') return OWED_E_PARSE;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0 || !owed_date_valid_ymd(y, m, d)) return OWED_E_PARSE;
    *out = owed_date_from_ymd(y, m, d);
    return OWED_OK;
}

void owed_date_format(owed_date day, char out[11])
{
    int y, m, d;
    owed_date_to_ymd(day, &y, &m, &d);
    if (y < 0) y = 0;
    if (y > 9999) y = 9999;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

void owed_date_add_to_buf(struct owed_buf *b, owed_date day)
{
    char s[11];
    owed_date_format(day, s);
    owed_buf_add(b, s, 10);
}

int owed_date_weekday(owed_date day)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0). */
    int w = (int)((day % 7 + 7) % 7);
    return (w + 3) % 7;
}

owed_date owed_date_month_end(owed_date day)
{
    int y, m, d;
    owed_date_to_ymd(day, &y, &m, &d);
    return owed_date_from_ymd(y, m, owed_month_days(y, m));
}

owed_date owed_date_month_start(owed_date day)
{
    int y, m, d;
    owed_date_to_ymd(day, &y, &m, &d);
    return owed_date_from_ymd(y, m, 1);
}

owed_date owed_date_add_months(owed_date day, int months)
{
    int y, m, d;
    owed_date_to_ymd(day, &y, &m, &d);
    int idx = y * 12 + (m - 1) + months;
    y = idx / 12;
    m = idx % 12 + 1;
    int md = owed_month_days(y, m);
    return owed_date_from_ymd(y, m, d > md ? md : d);
}

owed_time_ms owed_clock_system_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (owed_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

owed_date owed_date_from_time(owed_time_ms t)
{
    int64_t days = t / 86400000;
    if (t % 86400000 < 0) days--;
    return (owed_date)days;
}
