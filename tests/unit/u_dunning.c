/* Unit tests for dunning evaluation and business days (src/core/dunning.h), written from
 * the header and DESIGN.md "Dunning", not from the implementation: channels, the default
 * policy and validation, business days (weekends, holidays from data/calendars, negative
 * and zero counts, across a year end, against a simple reference), step dates, and which
 * step fires on a run date (first step date, exact dates, missed runs, last_fired, minimum
 * amounts at exponents 0, 2 and 3, far past the last step, daily and weekly run
 * simulations); and the policy field "unless": "acknowledged" (app/policy.c): only before
 * the due date, in the struct and in the JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dunning_int.h"
#include "base.h"
#include "core/dunning.h"
#include "io/holidays.h"

static owed_date ymd(int y, int m, int d) { return owed_date_from_ymd(y, m, d); }

static const struct owed_calendar no_holidays = {NULL, 0};

/* data/calendars/NAME.json: from OWED_TESTDATA (= tests/data) when set, else relative to
 * this source file. free() .holidays after use. */
static struct owed_calendar load_calendar(const char *name)
{
    char path[4096];
    const char *dir = getenv("OWED_TESTDATA");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/../../data/calendars/%s.json", dir, name);
    } else {
        const char *src = __FILE__;
        const char *cut = strstr(src, "tests/unit/");
        int keep = cut ? (int)(cut - src) : 0;
        snprintf(path, sizeof path, "%.*sdata/calendars/%s.json", keep, src, name);
    }
    owed_date *d = NULL;
    size_t n = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_holidays_load(path, &d, &n, &err);
    if (rc) print_error("%s\n", err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_release(&err);
    return (struct owed_calendar){d, n};
}

static void release_calendar(struct owed_calendar *c) { free((void *)c->holidays); }

/* Asserts a == b for dates, printing both as YYYY-MM-DD. */
#define assert_date_equal(a, b) check_date((a), (b), #a, __FILE__, __LINE__)
static void check_date(owed_date got, owed_date want, const char *expr, const char *file,
                       int line)
{
    if (got == want) return;
    char g[11], w[11];
    owed_date_format(got, g);
    owed_date_format(want, w);
    print_error("%s:%d: %s is %s, want %s\n", file, line, expr, g, w);
    fail();
}

/* --- a reference for business days, as simple as it can be ---------------------------- */

static bool ref_business_day(const struct owed_calendar *cal, owed_date d)
{
    if (owed_date_weekday(d) >= 5) return false;
    for (size_t i = 0; i < cal->n; i++)
        if (cal->holidays[i] == d) return false;
    return true;
}

static owed_date ref_add(const struct owed_calendar *cal, owed_date d, int n)
{
    int step = n > 0 ? 1 : -1;
    while (n != 0) {
        d += step;
        if (ref_business_day(cal, d)) n -= step;
    }
    return d;
}

/* --- channels and policies -------------------------------------------------------------- */

static void test_channels(void **state)
{
    (void)state;
    /* Stored as integers: the numbering is part of the contract. */
    assert_int_equal(OWED_CHANNEL_EMAIL, 1);
    assert_int_equal(OWED_CHANNEL_SMS, 2);
    assert_int_equal(OWED_CHANNEL_LETTER, 3);
    assert_int_equal(OWED_CHANNEL_CALL, 4);
    assert_int_equal(OWED_CHANNEL_AGENCY, 5);
    assert_int_equal(OWED_CHANNEL_WEBHOOK, 6);
    const char *names[] = {"email", "sms", "letter", "call", "agency", "webhook"};
    for (int c = 1; c <= 6; c++) {
        const char *name = owed_channel_name((enum owed_channel)c);
        assert_non_null(name);
        assert_string_equal(name, names[c - 1]);
        assert_int_equal(owed_channel_parse(name), c);
    }
    const char *unknown[] = {"", "fax", "emails", "emai", "e", "letter ", " sms", "agency\n",
                             "callx"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(unknown); i++)
        assert_int_equal(owed_channel_parse(unknown[i]), 0);
}

static void test_policy_default(void **state)
{
    (void)state;
    struct owed_dunning_policy p;
    memset(&p, 0xA5, sizeof p); /* every field must be written */
    owed_dunning_policy_default(&p);
    assert_int_equal(p.nsteps, 6);
    const char *names[] = {"pre_due_7", "due", "late_10", "late_30", "late_60", "late_90"};
    const int offsets[] = {-7, 0, 10, 30, 60, 90};
    const enum owed_channel channels[] = {OWED_CHANNEL_EMAIL,  OWED_CHANNEL_EMAIL,
                                          OWED_CHANNEL_EMAIL,  OWED_CHANNEL_EMAIL,
                                          OWED_CHANNEL_LETTER, OWED_CHANNEL_AGENCY};
    for (size_t i = 0; i < 6; i++) {
        const struct owed_dunning_step *s = &p.steps[i];
        assert_true(memchr(s->name, '\0', sizeof s->name) != NULL);
        assert_string_equal(s->name, names[i]);
        assert_int_equal(s->offset_days, offsets[i]);
        assert_int_equal(s->channel, channels[i]);
        assert_false(s->business_days); /* calendar days */
        assert_true(memchr(s->template_name, '\0', sizeof s->template_name) != NULL);
        assert_true(s->min_open_units >= 0);
    }
    assert_true(owed_dunning_policy_valid(&p));
}

static void test_policy_valid(void **state)
{
    (void)state;
    struct owed_dunning_policy base, p;
    owed_dunning_policy_default(&base);

    p = base;
    p.nsteps = 0;
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.nsteps = OWED_DUNNING_MAX_STEPS + 1;
    assert_false(owed_dunning_policy_valid(&p));

    /* Offsets strictly increasing: equal and decreasing neighbours are both rejected. */
    p = base;
    p.steps[2].offset_days = p.steps[1].offset_days;
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[5].offset_days = 59;
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[0].offset_days = 0;
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[0].offset_days = 95; /* first after last */
    assert_false(owed_dunning_policy_valid(&p));

    /* Known channels only. */
    for (int c = 1; c <= 5; c++) {
        p = base;
        p.steps[3].channel = (enum owed_channel)c;
        assert_true(owed_dunning_policy_valid(&p));
    }
    p = base;
    p.steps[3].channel = (enum owed_channel)0;
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[0].channel = (enum owed_channel)6;
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[5].channel = (enum owed_channel)-1;
    assert_false(owed_dunning_policy_valid(&p));

    /* Every step named. */
    p = base;
    p.steps[0].name[0] = '\0';
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[5].name[0] = '\0';
    assert_false(owed_dunning_policy_valid(&p));

    /* One step; the maximum number; business days; a negative-only policy. */
    memset(&p, 0, sizeof p);
    p.nsteps = 1;
    snprintf(p.steps[0].name, sizeof p.steps[0].name, "only");
    p.steps[0].offset_days = -3;
    p.steps[0].channel = OWED_CHANNEL_SMS;
    assert_true(owed_dunning_policy_valid(&p));
    p.steps[0].channel = OWED_CHANNEL_WEBHOOK; /* events, not reminders */
    assert_false(owed_dunning_policy_valid(&p));
    p.steps[0].channel = OWED_CHANNEL_SMS;
    p.nsteps = OWED_DUNNING_MAX_STEPS;
    for (size_t i = 0; i < OWED_DUNNING_MAX_STEPS; i++) {
        snprintf(p.steps[i].name, sizeof p.steps[i].name, "s%zu", i);
        p.steps[i].offset_days = (int)i * 5 - 40;
        p.steps[i].business_days = i % 2 == 0;
        p.steps[i].channel = (enum owed_channel)(1 + i % 5);
    }
    assert_true(owed_dunning_policy_valid(&p));
    p.steps[15].offset_days = p.steps[14].offset_days;
    assert_false(owed_dunning_policy_valid(&p));
}

/* "unless acknowledged" asks for a missing acknowledgement of receipt: only on a step
 * before the due date. */
static void test_policy_unless_acknowledged(void **state)
{
    (void)state;
    struct owed_dunning_policy base, p;
    owed_dunning_policy_default(&base);
    for (size_t i = 0; i < base.nsteps; i++) assert_false(base.steps[i].unless_acknowledged);

    p = base;
    p.steps[0].unless_acknowledged = true; /* pre_due_7, -7 */
    assert_true(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[1].unless_acknowledged = true; /* due, 0: the due date itself is too late */
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[2].unless_acknowledged = true; /* late_10 */
    assert_false(owed_dunning_policy_valid(&p));
    p = base;
    p.steps[0].offset_days = -1;
    p.steps[0].unless_acknowledged = true;
    assert_true(owed_dunning_policy_valid(&p));
}

/* parse_json TEXT: owed__policy_from_json into *p; the error text in err (released by the
 * caller). */
static int parse_json(const char *text, struct owed_dunning_policy *p, struct owed_buf *err)
{
    return owed__policy_from_json(text, "t", "t.json", p, err);
}

static void expect_rejected(const char *text, const char *want)
{
    struct owed_dunning_policy p;
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(parse_json(text, &p, &err), OWED_E_REJECTED);
    assert_string_equal(err.ptr, want);
    owed_buf_release(&err);
}

static void test_policy_unless_json(void **state)
{
    (void)state;
    struct owed_dunning_policy p;
    struct owed_buf err = OWED_BUF_INIT(0), out = OWED_BUF_INIT(0);
    const char *good =
        "{\"steps\": [{\"name\": \"ack\", \"offset\": -10, \"channel\": \"email\","
        " \"template\": \"ack_request\", \"unless\": \"acknowledged\"},"
        " {\"name\": \"due\", \"offset\": 0, \"channel\": \"email\", \"unless\": \"\"}]}";
    assert_int_equal(parse_json(good, &p, &err), OWED_OK);
    assert_int_equal(err.len, 0);
    assert_int_equal(p.nsteps, 2);
    assert_true(p.steps[0].unless_acknowledged);
    assert_false(p.steps[1].unless_acknowledged); /* "" is none */
    assert_true(owed_dunning_policy_valid(&p));

    /* Printed only where set (once), and read back the same. */
    owed__policy_to_json(&p, &out);
    assert_non_null(strstr(out.ptr, "\"unless\": \"acknowledged\""));
    struct owed_dunning_policy again;
    assert_int_equal(parse_json(out.ptr, &again, &err), OWED_OK);
    assert_true(again.steps[0].unless_acknowledged);
    assert_false(again.steps[1].unless_acknowledged);
    size_t n = 0;
    for (const char *c = out.ptr; (c = strstr(c, "\"unless\"")); c++) n++;
    assert_int_equal(n, 1);

    /* Positive and zero offsets, other values, other types: refused, naming the field. */
    expect_rejected("{\"steps\": [{\"name\": \"late\", \"offset\": 5, \"channel\": \"email\","
                    " \"unless\": \"acknowledged\"}]}",
                    "t.json: steps[0].unless: \"acknowledged\" only on a step before the due date"
                    " (a negative offset)");
    expect_rejected("{\"steps\": [{\"name\": \"a\", \"offset\": -3, \"channel\": \"email\"},"
                    " {\"name\": \"due\", \"offset\": 0, \"channel\": \"email\","
                    " \"unless\": \"acknowledged\"}]}",
                    "t.json: steps[1].unless: \"acknowledged\" only on a step before the due date"
                    " (a negative offset)");
    expect_rejected("{\"steps\": [{\"name\": \"a\", \"offset\": -3, \"channel\": \"email\","
                    " \"unless\": \"paid\"}]}",
                    "t.json: steps[0].unless: must be \"acknowledged\" or \"\"");
    expect_rejected("{\"steps\": [{\"name\": \"a\", \"offset\": -3, \"channel\": \"email\","
                    " \"unless\": true}]}",
                    "t.json: steps[0].unless: must be \"acknowledged\" or \"\"");
    owed_buf_release(&err);
    owed_buf_release(&out);
}

/* --- business days ---------------------------------------------------------------------- */

static void test_business_day(void **state)
{
    (void)state;
    /* 2026-01-05 is a Monday. */
    owed_date mon = ymd(2026, 1, 5);
    assert_int_equal(owed_date_weekday(mon), 0);
    for (int i = 0; i < 5; i++) assert_true(owed_business_day(&no_holidays, mon + i));
    assert_false(owed_business_day(&no_holidays, mon + 5)); /* Saturday */
    assert_false(owed_business_day(&no_holidays, mon + 6)); /* Sunday */

    /* Holidays: the first, a middle and the last entry of a calendar. */
    const owed_date hol[] = {ymd(2026, 1, 6), ymd(2026, 1, 8), ymd(2026, 1, 9)};
    struct owed_calendar cal = {hol, 3};
    assert_true(owed_business_day(&cal, mon));
    assert_false(owed_business_day(&cal, mon + 1));
    assert_true(owed_business_day(&cal, mon + 2));
    assert_false(owed_business_day(&cal, mon + 3));
    assert_false(owed_business_day(&cal, mon + 4));
    assert_false(owed_business_day(&cal, mon + 5));
    assert_true(owed_business_day(&cal, mon + 7));

    /* Against the reference over years, with a calendar of many dates (every Wednesday
     * and the 1st of each month in 2025-2026) and with none. */
    owed_date many[200];
    size_t n = 0;
    for (owed_date d = ymd(2025, 1, 1); d <= ymd(2026, 12, 31); d++) {
        int y, m, dd;
        owed_date_to_ymd(d, &y, &m, &dd);
        if (owed_date_weekday(d) == 2 || dd == 1) many[n++] = d;
    }
    assert_true(n < OWED_ARRAY_LEN(many));
    struct owed_calendar big = {many, n};
    for (owed_date d = ymd(2024, 11, 1); d <= ymd(2027, 2, 1); d++) {
        assert_int_equal(owed_business_day(&big, d), ref_business_day(&big, d));
        assert_int_equal(owed_business_day(&no_holidays, d), owed_date_weekday(d) < 5);
    }

    /* The German calendar around Easter 2026. */
    struct owed_calendar de = load_calendar("DE");
    assert_true(owed_business_day(&de, ymd(2026, 4, 2)));
    assert_false(owed_business_day(&de, ymd(2026, 4, 3))); /* Good Friday */
    assert_false(owed_business_day(&de, ymd(2026, 4, 4)));
    assert_false(owed_business_day(&de, ymd(2026, 4, 5)));
    assert_false(owed_business_day(&de, ymd(2026, 4, 6))); /* Easter Monday */
    assert_true(owed_business_day(&de, ymd(2026, 4, 7)));
    assert_false(owed_business_day(&de, ymd(2026, 12, 25)));
    assert_true(owed_business_day(&no_holidays, ymd(2026, 4, 3)));
    release_calendar(&de);
}

static void test_add_business_days(void **state)
{
    (void)state;
    const struct owed_calendar *none = &no_holidays;
    owed_date fri = ymd(2026, 1, 9), sat = fri + 1, sun = fri + 2, mon = fri + 3;
    assert_int_equal(owed_date_weekday(fri), 4);

    /* n == 0: d itself, even on a weekend or a holiday. */
    assert_date_equal(owed_add_business_days(none, sat, 0), sat);
    assert_date_equal(owed_add_business_days(none, sun, 0), sun);
    assert_date_equal(owed_add_business_days(none, fri, 0), fri);

    /* Over a weekend, both ways, from a weekday and from the weekend itself. */
    assert_date_equal(owed_add_business_days(none, fri, 1), mon);
    assert_date_equal(owed_add_business_days(none, sat, 1), mon);
    assert_date_equal(owed_add_business_days(none, sun, 1), mon);
    assert_date_equal(owed_add_business_days(none, mon, -1), fri);
    assert_date_equal(owed_add_business_days(none, sat, -1), fri);
    assert_date_equal(owed_add_business_days(none, sun, -1), fri);
    assert_date_equal(owed_add_business_days(none, mon, 5), mon + 7);
    assert_date_equal(owed_add_business_days(none, mon, 10), mon + 14);
    assert_date_equal(owed_add_business_days(none, mon + 2, -3), fri);
    assert_date_equal(owed_add_business_days(none, fri, -5), fri - 7);
    /* 260 business days are 52 weeks. */
    assert_date_equal(owed_add_business_days(none, ymd(2024, 1, 1), 260), ymd(2024, 12, 30));
    assert_date_equal(owed_add_business_days(none, ymd(2024, 12, 30), -260), ymd(2024, 1, 1));
    /* Across a year end without holidays. */
    assert_date_equal(owed_add_business_days(none, ymd(2025, 12, 31), 3), ymd(2026, 1, 5));
    assert_date_equal(owed_add_business_days(none, ymd(2026, 1, 5), -3), ymd(2025, 12, 31));

    /* Germany, Easter 2026: Good Friday 04-03 and Easter Monday 04-06. */
    struct owed_calendar de = load_calendar("DE");
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 4, 2), 1), ymd(2026, 4, 7));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 4, 7), -1), ymd(2026, 4, 2));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 4, 3), 1), ymd(2026, 4, 7));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 4, 3), -1), ymd(2026, 4, 2));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 4, 5), 1), ymd(2026, 4, 7));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 4, 6), 0), ymd(2026, 4, 6));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 3, 30), 10), ymd(2026, 4, 15));
    assert_date_equal(owed_add_business_days(none, ymd(2026, 3, 30), 10), ymd(2026, 4, 13));
    /* Germany, the 2025/2026 year end: 25 and 26 December, the weekend, 1 January. */
    assert_date_equal(owed_add_business_days(&de, ymd(2025, 12, 24), 1), ymd(2025, 12, 29));
    assert_date_equal(owed_add_business_days(&de, ymd(2025, 12, 24), 3), ymd(2025, 12, 31));
    assert_date_equal(owed_add_business_days(&de, ymd(2025, 12, 24), 4), ymd(2026, 1, 2));
    assert_date_equal(owed_add_business_days(&de, ymd(2025, 12, 31), 1), ymd(2026, 1, 2));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 1, 2), -1), ymd(2025, 12, 31));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 1, 2), -4), ymd(2025, 12, 24));
    assert_date_equal(owed_add_business_days(&de, ymd(2026, 1, 1), -1), ymd(2025, 12, 31));

    /* England & Wales, Christmas 2026 (Boxing Day substitute on Monday the 28th). */
    struct owed_calendar gb = load_calendar("GB");
    assert_date_equal(owed_add_business_days(&gb, ymd(2026, 12, 24), 1), ymd(2026, 12, 29));
    assert_date_equal(owed_add_business_days(&gb, ymd(2027, 12, 24), 1), ymd(2027, 12, 29));
    assert_date_equal(owed_add_business_days(&gb, ymd(2027, 12, 29), -1), ymd(2027, 12, 24));

    /* Against the reference: every start day from December 2025 to May 2026 (through
     * Christmas, the year end and Easter), n from -25 to 25, with DE, GB and no holidays. */
    const struct owed_calendar *cals[] = {none, &de, &gb};
    for (size_t c = 0; c < OWED_ARRAY_LEN(cals); c++) {
        for (owed_date d = ymd(2025, 12, 1); d <= ymd(2026, 5, 31); d++) {
            assert_date_equal(owed_add_business_days(cals[c], d, 0), d);
            for (int n = -25; n <= 25; n++) {
                if (n == 0) continue;
                owed_date got = owed_add_business_days(cals[c], d, n);
                if (got != ref_add(cals[c], d, n))
                    print_error("calendar %zu, start day %d, n %d\n", c, (int)d, n);
                assert_date_equal(got, ref_add(cals[c], d, n));
                assert_true(owed_business_day(cals[c], got));
                /* Back again lands on d when d is a business day. */
                if (ref_business_day(cals[c], d))
                    assert_date_equal(owed_add_business_days(cals[c], got, -n), d);
            }
        }
    }
    release_calendar(&gb);
    release_calendar(&de);
}

/* --- step dates -------------------------------------------------------------------------- */

static struct owed_dunning_step step(const char *name, int offset, bool business,
                                     enum owed_channel ch, int64_t min_units)
{
    struct owed_dunning_step s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.template_name, sizeof s.template_name, "%s", name);
    s.offset_days = offset;
    s.business_days = business;
    s.channel = ch;
    s.min_open_units = min_units;
    return s;
}

static void test_step_date(void **state)
{
    (void)state;
    struct owed_calendar de = load_calendar("DE");
    /* Calendar days ignore weekends and holidays. */
    owed_date due = ymd(2026, 4, 10);
    struct owed_dunning_step s = step("x", -7, false, OWED_CHANNEL_EMAIL, 0);
    assert_date_equal(owed_dunning_step_date(&s, &de, due), ymd(2026, 4, 3)); /* Good Friday */
    s.offset_days = 0;
    assert_date_equal(owed_dunning_step_date(&s, &de, ymd(2026, 4, 4)), ymd(2026, 4, 4));
    s.offset_days = 30;
    assert_date_equal(owed_dunning_step_date(&s, &de, due), ymd(2026, 5, 10)); /* a Sunday */
    s.offset_days = 90;
    assert_date_equal(owed_dunning_step_date(&s, &de, ymd(2025, 11, 15)), ymd(2026, 2, 13));
    for (int off = -30; off <= 120; off++) {
        s.offset_days = off;
        assert_date_equal(owed_dunning_step_date(&s, &de, due), due + off);
        assert_date_equal(owed_dunning_step_date(&s, &no_holidays, due), due + off);
    }

    /* Business days count from the due date, skipping weekends and holidays. */
    s = step("b", 1, true, OWED_CHANNEL_EMAIL, 0);
    assert_date_equal(owed_dunning_step_date(&s, &de, ymd(2026, 4, 2)), ymd(2026, 4, 7));
    assert_date_equal(owed_dunning_step_date(&s, &no_holidays, ymd(2026, 4, 2)),
                      ymd(2026, 4, 3));
    s.offset_days = -1;
    assert_date_equal(owed_dunning_step_date(&s, &de, ymd(2026, 4, 7)), ymd(2026, 4, 2));
    s.offset_days = 10;
    assert_date_equal(owed_dunning_step_date(&s, &de, ymd(2026, 3, 30)), ymd(2026, 4, 15));
    s.offset_days = -5;
    assert_date_equal(owed_dunning_step_date(&s, &de, ymd(2026, 4, 7)), ymd(2026, 3, 27));
    for (int off = -30; off <= 60; off++) {
        s.offset_days = off;
        for (owed_date d = ymd(2026, 3, 20); d <= ymd(2026, 4, 20); d++) {
            assert_date_equal(owed_dunning_step_date(&s, &de, d),
                              owed_add_business_days(&de, d, off));
            assert_date_equal(owed_dunning_step_date(&s, &no_holidays, d),
                              owed_add_business_days(&no_holidays, d, off));
        }
    }
    release_calendar(&de);
}

/* --- which step fires -------------------------------------------------------------------- */

static int due_step(const struct owed_dunning_policy *p, owed_date due, owed_date as_of,
                    int last_fired)
{
    return owed_dunning_due_step(p, &no_holidays, due, as_of, INT64_C(1000000000000), 2,
                                 last_fired);
}

static void test_due_step_rules(void **state)
{
    (void)state;
    struct owed_dunning_policy p;
    owed_dunning_policy_default(&p);
    const owed_date due = ymd(2026, 6, 15);
    const int off[] = {-7, 0, 10, 30, 60, 90};

    /* Nothing before the first step's date. */
    assert_int_equal(due_step(&p, due, due - 8, -1), -1);
    assert_int_equal(due_step(&p, due, due - 400, -1), -1);
    assert_int_equal(due_step(&p, due, ymd(1970, 1, 1), -1), -1);

    for (int k = 0; k < 6; k++) {
        owed_date on = due + off[k];
        /* On its exact date each step fires, after its predecessor or with none fired. */
        assert_int_equal(due_step(&p, due, on, k - 1), k);
        assert_int_equal(due_step(&p, due, on, -1), k);
        /* ... and stays the one due until the next step's date. */
        if (k < 5) assert_int_equal(due_step(&p, due, due + off[k + 1] - 1, k - 1), k);
        /* The day before, the previous step is the latest (or nothing, for the first). */
        assert_int_equal(due_step(&p, due, on - 1, -1), k - 1);
        /* Already fired: nothing. A later step fired: nothing either. */
        assert_int_equal(due_step(&p, due, on, k), -1);
        for (int later = k + 1; later < 6; later++)
            assert_int_equal(due_step(&p, due, on, later), -1);
    }

    /* A run missed for a week: only the latest step, not the stale ones. */
    assert_int_equal(due_step(&p, due, due + 17, 1), 2);  /* late_10 due a week ago */
    assert_int_equal(due_step(&p, due, due + 37, 1), 3);  /* late_10 skipped for late_30 */
    assert_int_equal(due_step(&p, due, due + 37, -1), 3); /* nothing sent before at all */
    assert_int_equal(due_step(&p, due, due + 5, -1), 1);  /* pre_due_7 never sent */

    /* An earlier step never fires after a later one: the run date is back before late_30
     * (a corrected due date, a replayed run), late_30 fired, late_10 is the latest due. */
    assert_int_equal(due_step(&p, due, due + 12, 3), -1);
    assert_int_equal(due_step(&p, due, due, 5), -1);

    /* Far past the last step: the last step, once. */
    assert_int_equal(due_step(&p, due, due + 5000, -1), 5);
    assert_int_equal(due_step(&p, due, due + 5000, 4), 5);
    assert_int_equal(due_step(&p, due, due + 5000, 5), -1);
    assert_int_equal(due_step(&p, ymd(2000, 1, 31), ymd(2026, 6, 1), 2), 5);
}

/* Runs the policy every `every` days from `from` to `to`, recording what fires. Checks on
 * the way that fired steps only increase and that each fires within `every` days of its
 * date; returns how many fired. */
static int simulate(const struct owed_dunning_policy *p, const struct owed_calendar *cal,
                    owed_date due, owed_date from, owed_date to, int every, int fired[],
                    owed_date when[])
{
    int last = -1, count = 0;
    for (owed_date d = from; d <= to; d += every) {
        int k = owed_dunning_due_step(p, cal, due, d, INT64_C(1000000000000), 2, last);
        if (k < 0) continue;
        assert_true(k > last);
        assert_true(k < (int)p->nsteps);
        owed_date sd = owed_dunning_step_date(&p->steps[k], cal, due);
        assert_true(sd <= d);
        assert_true(d - sd < every);
        /* No later step was due yet: k is the latest. */
        if ((size_t)k + 1 < p->nsteps)
            assert_true(owed_dunning_step_date(&p->steps[k + 1], cal, due) > d);
        fired[count] = k;
        when[count] = d;
        count++;
        last = k;
    }
    return count;
}

static void test_due_step_runs(void **state)
{
    (void)state;
    struct owed_dunning_policy p;
    owed_dunning_policy_default(&p);
    const owed_date due = ymd(2026, 2, 27);
    int fired[64];
    owed_date when[64];

    /* Daily runs: every step exactly once, on its own date, in order. */
    int n = simulate(&p, &no_holidays, due, due - 40, due + 400, 1, fired, when);
    assert_int_equal(n, 6);
    const int off[] = {-7, 0, 10, 30, 60, 90};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(fired[i], i);
        assert_date_equal(when[i], due + off[i]);
    }

    /* Weekly runs from every weekday phase: no two step dates are less than a week apart,
     * so every step still fires, each on the first run on or after its date. */
    for (int phase = 0; phase < 7; phase++) {
        n = simulate(&p, &no_holidays, due, due - 40 + phase, due + 400, 7, fired, when);
        assert_int_equal(n, 6);
        for (int i = 0; i < 6; i++) assert_int_equal(fired[i], i);
    }
    /* Monthly runs skip steps but never go back, and the last step still fires once. */
    for (int phase = 0; phase < 30; phase++) {
        n = simulate(&p, &no_holidays, due, due - 40 + phase, due + 400, 30, fired, when);
        assert_true(n >= 1 && n < 6);
        assert_int_equal(fired[n - 1], 5);
    }
}

static void test_due_step_minimum(void **state)
{
    (void)state;
    struct owed_dunning_policy p;
    owed_dunning_policy_default(&p);
    const owed_date due = ymd(2026, 6, 15);
    const owed_date at30 = due + 30; /* late_30, index 3 */
    for (size_t i = 0; i < p.nsteps; i++) p.steps[i].min_open_units = 0;
    p.steps[3].min_open_units = 100;
    const struct owed_calendar *none = &no_holidays;

    /* Exponent 2 (EUR): 100 units = 10000 minor. */
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 9999, 2, 2), -1);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 10000, 2, 2), 3);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 10001, 2, 2), 3);
    /* Under the minimum, the earlier step does not fire instead. */
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 9999, 2, 1), -1);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 1, 2, -1), -1);
    /* The minimum is step k's own: late_10 (no minimum) fires for any amount. */
    assert_int_equal(owed_dunning_due_step(&p, none, due, due + 10, 1, 2, 1), 2);
    assert_int_equal(owed_dunning_due_step(&p, none, due, due + 60, 1, 2, 2), 4);
    /* Exponent 0 (JPY): 100 units = 100 minor. */
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 99, 0, 2), -1);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 100, 0, 2), 3);
    /* Exponent 3 (KWD): 100 units = 100000 minor. */
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 99999, 3, 2), -1);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 100000, 3, 2), 3);
    /* No minimum (0): the smallest amount fires. */
    p.steps[3].min_open_units = 0;
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 1, 3, 2), 3);
    /* A minimum of one unit. */
    p.steps[3].min_open_units = 1;
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 999, 3, 2), -1);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, 1000, 3, 2), 3);
    /* A minimum whose minor-unit value exceeds int64: every amount is below it. */
    p.steps[3].min_open_units = INT64_MAX / 100;
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, INT64_MAX, 3, 2), -1);
    p.steps[3].min_open_units = INT64_MAX / 1000;
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, INT64_MAX, 3, 2), 3);
    assert_int_equal(owed_dunning_due_step(&p, none, due, at30, INT64_MAX / 1000 * 1000 - 1, 3,
                                           2),
                     -1);
}

/* A policy in business days, on the German calendar around Easter 2026. */
static void test_due_step_business_days(void **state)
{
    (void)state;
    struct owed_calendar de = load_calendar("DE");
    struct owed_dunning_policy p;
    memset(&p, 0, sizeof p);
    p.steps[0] = step("soon", -5, true, OWED_CHANNEL_EMAIL, 0);
    p.steps[1] = step("due", 0, true, OWED_CHANNEL_EMAIL, 0);
    p.steps[2] = step("late_3", 3, true, OWED_CHANNEL_LETTER, 0);
    p.steps[3] = step("late_20", 20, false, OWED_CHANNEL_CALL, 0);
    p.nsteps = 4;
    assert_true(owed_dunning_policy_valid(&p));
    const owed_date due = ymd(2026, 4, 7); /* the Tuesday after Easter Monday */
    /* -5 business days: 04-02, 04-01, 03-31, 03-30, 03-27 (Good Friday to Easter Monday
     * and the weekend skipped); +3: 04-08, 04-09, 04-10. */
    assert_date_equal(owed_dunning_step_date(&p.steps[0], &de, due), ymd(2026, 3, 27));
    assert_date_equal(owed_dunning_step_date(&p.steps[2], &de, due), ymd(2026, 4, 10));
    assert_date_equal(owed_dunning_step_date(&p.steps[3], &de, due), ymd(2026, 4, 27));

    struct {
        owed_date as_of;
        int last_fired, want;
    } cases[] = {
        {ymd(2026, 3, 26), -1, -1}, {ymd(2026, 3, 27), -1, 0}, {ymd(2026, 4, 3), -1, 0},
        {ymd(2026, 4, 6), 0, -1},   {ymd(2026, 4, 7), 0, 1},   {ymd(2026, 4, 9), 1, -1},
        {ymd(2026, 4, 10), 1, 2},   {ymd(2026, 4, 10), -1, 2}, {ymd(2026, 4, 26), 2, -1},
        {ymd(2026, 4, 27), 2, 3},   {ymd(2027, 1, 1), 3, -1},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        int got = owed_dunning_due_step(&p, &de, due, cases[i].as_of, 100, 2,
                                        cases[i].last_fired);
        if (got != cases[i].want) print_error("case %zu: got %d\n", i, got);
        assert_int_equal(got, cases[i].want);
    }
    /* Without the holidays, -5 business days is 03-31 and +3 is 04-10. */
    assert_int_equal(owed_dunning_due_step(&p, &no_holidays, due, ymd(2026, 3, 30), 100, 2, -1),
                     -1);
    assert_int_equal(owed_dunning_due_step(&p, &no_holidays, due, ymd(2026, 3, 31), 100, 2, -1),
                     0);

    /* Daily runs through the whole policy: each step once, on its own date. */
    int fired[16];
    owed_date when[16];
    int n = simulate(&p, &de, due, due - 30, due + 60, 1, fired, when);
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fired[i], i);
        assert_date_equal(when[i], owed_dunning_step_date(&p.steps[i], &de, due));
    }
    release_calendar(&de);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_policy_default),
        cmocka_unit_test(test_policy_valid),
        cmocka_unit_test(test_policy_unless_acknowledged),
        cmocka_unit_test(test_policy_unless_json),
        cmocka_unit_test(test_business_day),
        cmocka_unit_test(test_add_business_days),
        cmocka_unit_test(test_step_date),
        cmocka_unit_test(test_due_step_rules),
        cmocka_unit_test(test_due_step_runs),
        cmocka_unit_test(test_due_step_minimum),
        cmocka_unit_test(test_due_step_business_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
