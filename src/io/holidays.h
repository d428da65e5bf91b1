/* Holiday calendars as JSON: one object mapping "YYYY-MM-DD" to the holiday's name, the
 * format of the python-holidays snapshots and of data/calendars/ *.json:
 *
 *     { "2026-04-03": "Good Friday", "2026-04-06": "Easter Monday" }
 *
 * Names are checked to be strings and then dropped: a business-day calendar
 * (core/dunning.h struct owed_calendar) needs only the dates. */
#ifndef OWED_IO_HOLIDAYS_H
#define OWED_IO_HOLIDAYS_H

#include <stddef.h>

#include "owed/buf.h"
#include "owed/date.h"

/* Largest calendar file owed_holidays_load() reads; a century of holidays is ~40 KiB. */
#define OWED_HOLIDAYS_MAX_BYTES ((size_t)16 << 20)

/* Parses json[0..len) into *dates, sorted ascending and distinct, and their count into *n.
 * *dates is a heap array the caller free()s; NULL when the object is empty (*n == 0).
 *
 * OWED_E_PARSE, with one message appended to err (which may be NULL), when:
 *   - the text is not JSON, or has a duplicate key: "LINE: <jansson's reason>";
 *   - the top level is not an object:               "LINE: expected a JSON object";
 *   - a key is not a strict ISO date:               "key 'X': not a date";
 *   - a value is not a string:                      "key 'X': name is not a string".
 * Keys are checked in file order and the first bad one is reported; X is cut to 40 bytes
 * ("..." appended) and control bytes and backslashes in it are shown as \xHH. On error
 * *dates and *n are left untouched. */
int owed_holidays_parse(const char *json, size_t len, owed_date **dates, size_t *n,
                        struct owed_buf *err);

/* Reads the file at path and parses it as above. OWED_E_IO with "path: strerror" when it
 * cannot be read; OWED_E_TOO_LARGE with "path: file too large" beyond
 * OWED_HOLIDAYS_MAX_BYTES; OWED_E_PARSE as above with the path in front, in the FILE:LINE
 * form of DESIGN.md: "path:LINE: reason" or "path: key 'X': not a date". A UTF-8 byte
 * order mark at the start is skipped (both functions). */
int owed_holidays_load(const char *path, owed_date **dates, size_t *n, struct owed_buf *err);

#endif
