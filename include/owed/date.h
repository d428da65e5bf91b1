/* Civil dates as days since 1970-01-01 (no zone) and UTC event times in milliseconds.
 * Our own conversions: gmtime and localtime are banned (see src/base/banned.h). */
#ifndef OWED_DATE_H
#define OWED_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/export.h"

typedef int32_t owed_date;    /* days since 1970-01-01 */
typedef int64_t owed_time_ms; /* UTC milliseconds since the epoch */

#define OWED_DATE_MIN_YEAR 1
#define OWED_DATE_MAX_YEAR 9999

OWED_EXTERN owed_date owed_date_from_ymd(int y, int m, int d);
OWED_EXTERN void owed_date_to_ymd(owed_date day, int *y, int *m, int *d);
OWED_EXTERN bool owed_date_valid_ymd(int y, int m, int d);
OWED_EXTERN bool owed_year_is_leap(int y);
OWED_EXTERN int owed_month_days(int y, int m);

/* Strict ISO 8601 calendar date "YYYY-MM-DD": fixed widths, real calendar day.
 * OWED_E_PARSE on anything else. */
OWED_EXTERN int owed_date_parse(const char *s, size_t len, owed_date *out);
/* Writes "YYYY-MM-DD" plus NUL into out[11]. */
OWED_EXTERN void owed_date_format(owed_date day, char out[11]);
OWED_EXTERN void owed_date_add_to_buf(struct owed_buf *b, owed_date day);

/* 0 = Monday ... 6 = Sunday (ISO 8601 numbering minus one). */
OWED_EXTERN int owed_date_weekday(owed_date day);
/* Last day of the month that contains `day`. */
OWED_EXTERN owed_date owed_date_month_end(owed_date day);
/* First day of the month that contains `day`. */
OWED_EXTERN owed_date owed_date_month_start(owed_date day);
/* Adds months, clamping the day to the target month's length (Jan 31 + 1 = Feb 28/29). */
OWED_EXTERN owed_date owed_date_add_months(owed_date day, int months);

/* Injected clock (TigerBeetle Time, git GIT_TEST_DATE_NOW): nothing reads the wall clock
 * except through one of these. */
struct owed_clock {
    owed_time_ms (*now_ms)(void *ctx);
    void *ctx;
};
OWED_EXTERN owed_time_ms owed_clock_system_now(void *ctx);
/* Civil date in UTC of an event time. */
OWED_EXTERN owed_date owed_date_from_time(owed_time_ms t);

#endif
