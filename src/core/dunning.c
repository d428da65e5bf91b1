/* Dunning evaluation and business days (see dunning.h). */
#include "core/dunning.h"

#include <stdio.h>
#include <string.h>

#include "base.h"

static const char *const channel_names[] = {
    [OWED_CHANNEL_EMAIL] = "email", [OWED_CHANNEL_SMS] = "sms",
    [OWED_CHANNEL_LETTER] = "letter", [OWED_CHANNEL_CALL] = "call",
    [OWED_CHANNEL_AGENCY] = "agency", [OWED_CHANNEL_WEBHOOK] = "webhook",
};

const char *owed_channel_name(enum owed_channel c)
{
    return (size_t)c < OWED_ARRAY_LEN(channel_names) && channel_names[c] ? channel_names[c]
                                                                          : "unknown";
}

enum owed_channel owed_channel_parse(const char *s)
{
    for (size_t i = 1; i < OWED_ARRAY_LEN(channel_names); i++)
        if (s && strcmp(s, channel_names[i]) == 0) return (enum owed_channel)i;
    return (enum owed_channel)0;
}

static void set_step(struct owed_dunning_step *s, const char *name, int offset,
                     enum owed_channel ch)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->template_name, sizeof s->template_name, "%s", name);
    s->offset_days = offset;
    s->channel = ch;
}

void owed_dunning_policy_default(struct owed_dunning_policy *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "default");
    set_step(&p->steps[0], "pre_due_7", -7, OWED_CHANNEL_EMAIL);
    set_step(&p->steps[1], "due", 0, OWED_CHANNEL_EMAIL);
    set_step(&p->steps[2], "late_10", 10, OWED_CHANNEL_EMAIL);
    set_step(&p->steps[3], "late_30", 30, OWED_CHANNEL_EMAIL);
    set_step(&p->steps[4], "late_60", 60, OWED_CHANNEL_LETTER);
    set_step(&p->steps[5], "late_90", 90, OWED_CHANNEL_AGENCY);
    p->nsteps = 6;
    /* late_30 is "firm, fee": the statutory fee of the invoice's currency (EUR, GBP). */
    snprintf(p->steps[3].fee, sizeof p->steps[3].fee, "statutory");
}

int owed_dunning_step_index(const struct owed_dunning_policy *p, const char *name)
{
    for (size_t i = 0; i < p->nsteps; i++)
        if (strcmp(p->steps[i].name, name) == 0) return (int)i;
    return -1;
}

bool owed_dunning_policy_valid(const struct owed_dunning_policy *p)
{
    if (!p || p->nsteps == 0 || p->nsteps > OWED_DUNNING_MAX_STEPS) return false;
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct owed_dunning_step *s = &p->steps[i];
        if (!s->name[0] || !owed_channel_parse(owed_channel_name(s->channel)) ||
            s->channel == OWED_CHANNEL_WEBHOOK || s->min_open_units < 0 ||
            (s->unless_acknowledged && s->offset_days >= 0))
            return false;
        if (i > 0 && s->offset_days <= p->steps[i - 1].offset_days) return false;
    }
    return true;
}

bool owed_business_day(const struct owed_calendar *cal, owed_date d)
{
    if (owed_date_weekday(d) >= 5) return false;
    if (!cal || cal->n == 0) return true;
    size_t lo = 0, hi = cal->n; /* binary search: calendars hold decades of holidays */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->holidays[mid] < d) lo = mid + 1;
        else hi = mid;
    }
    return !(lo < cal->n && cal->holidays[lo] == d);
}

owed_date owed_add_business_days(const struct owed_calendar *cal, owed_date d, int n)
{
    int step = n < 0 ? -1 : 1;
    for (int left = n < 0 ? -n : n; left > 0;) {
        d += step;
        if (owed_business_day(cal, d)) left--;
    }
    return d;
}

owed_date owed_dunning_step_date(const struct owed_dunning_step *s,
                                 const struct owed_calendar *cal, owed_date due)
{
    return s->business_days ? owed_add_business_days(cal, due, s->offset_days)
                            : due + s->offset_days;
}

/* 10^exp for the minimum amounts; exponents are 0..4 (ISO 4217). */
static int64_t pow10_of(int exp)
{
    int64_t v = 1;
    for (int i = 0; i < exp; i++) v *= 10;
    return v;
}

int owed_dunning_due_step(const struct owed_dunning_policy *p, const struct owed_calendar *cal,
                          owed_date due, owed_date as_of, int64_t open_minor, int exponent,
                          int last_fired)
{
    if (open_minor <= 0) return -1;
    /* Offsets increase, so the last step on or before as_of is found from the end; a
     * calendar step's date needs no calendar, which keeps the common case cheap. */
    int k = -1;
    for (int i = (int)p->nsteps - 1; i >= 0; i--) {
        if (owed_dunning_step_date(&p->steps[i], cal, due) <= as_of) {
            k = i;
            break;
        }
    }
    if (k < 0 || last_fired >= k) return -1;
    return owed_dunning_step_minimum_met(&p->steps[k], open_minor, exponent) ? k : -1;
}

bool owed_dunning_step_minimum_met(const struct owed_dunning_step *s, int64_t open_minor,
                                   int exponent)
{
    int64_t min_minor;
    if (s->min_open_units <= 0) return true;
    /* A minimum beyond int64 is beyond every amount. */
    if (__builtin_mul_overflow(s->min_open_units, pow10_of(exponent < 0 ? 2 : exponent),
                               &min_minor))
        return false;
    return open_minor >= min_minor;
}
