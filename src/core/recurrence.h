/* Recurring schedules: the date of each period of a recurring invoice. Pure.
 *
 * The date of period k is a function of the schedule and k alone, never of the period
 * before it, so a scheduler that was down for a while computes owed_recurrence_due() for
 * today and issues the periods it has not issued yet, by number, each exactly once; and
 * monthly dates do not drift (Jan 31 -> Feb 28 -> Mar 31, not Mar 28). */
#ifndef OWED_CORE_RECURRENCE_H
#define OWED_CORE_RECURRENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"

/* monthly = 1 month, quarterly = 3, yearly = 12; weekly = 7 days */
enum owed_recur_unit { OWED_RECUR_DAYS = 1, OWED_RECUR_MONTHS = 2 };

/* The largest `every` owed_recurrence_parse() accepts: ten years. */
#define OWED_RECUR_EVERY_MAX_DAYS 3660
#define OWED_RECUR_EVERY_MAX_MONTHS 120

/* Room for the longest owed_recurrence_text() ("every 2147483647 months") and its NUL. */
#define OWED_RECURRENCE_TEXT_MAX 32

struct owed_recurrence {
    owed_date start; /* date of period 0; a valid date in years 1..9999 */
    enum owed_recur_unit unit;
    int every;       /* >= 1 */
    owed_date end;   /* 0 = none; last period date <= end */
    int count;       /* 0 = unlimited */
};

/* Parses "monthly", "quarterly", "yearly", "weekly" (7 days), "daily" (1 day),
 * "every N days" and "every N months" ("day" and "month" too), case-insensitively, with
 * blanks around and between the words ignored, into r->unit and r->every; the other
 * fields of r are not touched. N is 1..OWED_RECUR_EVERY_MAX_DAYS or
 * 1..OWED_RECUR_EVERY_MAX_MONTHS, in decimal digits. OWED_E_INVALID otherwise, with r
 * untouched and err (may be NULL) saying what is accepted. */
int owed_recurrence_parse(const char *text, struct owed_recurrence *r, struct owed_buf *err);

/* The canonical text of unit/every, which owed_recurrence_parse() reads back to the same
 * unit/every: "daily", "weekly", "monthly", "quarterly", "yearly", otherwise
 * "every 14 days" or "every 2 months". Truncated (always NUL-terminated) when outsz is
 * less than OWED_RECURRENCE_TEXT_MAX. */
void owed_recurrence_text(const struct owed_recurrence *r, char *out, size_t outsz);

/* Date of period k (0-based): start + k*every units. Months: the same day of month as
 * start, clamped to the month's last day (Jan 31 -> Feb 28/29 -> Mar 31: always computed
 * from start, never from the previous period, so it does not drift). false, with *out
 * untouched, when period k does not exist: k < 0, k >= count (when count is set), the
 * date is after end (when end is set) or after 9999-12-31. */
bool owed_recurrence_date(const struct owed_recurrence *r, int64_t k, owed_date *out);

/* The number of periods whose date is on or before `day` (so periods 0..n-1 are due):
 * bounded by count and end; 0 before start. Computed directly, not by stepping through
 * the periods. */
int64_t owed_recurrence_due(const struct owed_recurrence *r, owed_date day);

#endif
