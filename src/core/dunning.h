/* Dunning evaluation (DESIGN.md "Dunning"): which step of a policy fires for an invoice on
 * a run date, and business days. Pure: the caller passes today, the calendar and what has
 * fired before.
 *
 * On run date D, for an open invoice let k be the last step whose date (due date + offset,
 * in calendar or business days) is on or before D. Step k fires if no step at or after k
 * has fired for that invoice yet; otherwise nothing fires. So a run missed for a week sends
 * only the latest step, and an earlier step never fires after a later one. Nothing fires
 * for an amount under step k's minimum. */
#ifndef OWED_CORE_DUNNING_H
#define OWED_CORE_DUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/date.h"

/* Stored as integers: never renumber. */
enum owed_channel {
    OWED_CHANNEL_EMAIL = 1,
    OWED_CHANNEL_SMS = 2,
    OWED_CHANNEL_LETTER = 3,
    OWED_CHANNEL_CALL = 4,   /* a call task for a collector */
    OWED_CHANNEL_AGENCY = 5, /* handoff to a collection agency */
    OWED_CHANNEL_WEBHOOK = 6, /* an event POSTed to a webhook subscriber (app/events.c); not
                                 a dunning step's channel */
};
const char *owed_channel_name(enum owed_channel c);
/* "email" | "sms" | "letter" | "call" | "agency" | "webhook"; 0 when unknown. */
enum owed_channel owed_channel_parse(const char *s);

#define OWED_STEP_NAME_MAX 31
#define OWED_DUNNING_MAX_STEPS 16

struct owed_dunning_step {
    char name[OWED_STEP_NAME_MAX + 1]; /* "pre_due_7", "due", "late_10", ... */
    int offset_days;                   /* from the due date; negative = before */
    bool business_days;                /* count business days (weekends, holidays skipped) */
    enum owed_channel channel;
    char template_name[OWED_STEP_NAME_MAX + 1];
    int64_t min_open_units; /* minimum open amount in whole major units; 0 = none */
    char fee[24];           /* "" (none), "40.00" (fixed, invoice currency), "eu", "uk" */
    char interest[24];      /* "" (none), "8.5%" (fixed annual), "eu", "uk" */
    /* Policy "unless": "acknowledged": the step asks for a missing acknowledgement of
     * receipt, so it fires only for an invoice whose issued document is not acknowledged
     * (app/dunning_eval.c decides that). Only before the due date (offset_days < 0). */
    bool unless_acknowledged;
};

/* Steps ordered by their position in the escalation (index 0 least severe); the dates they
 * give must not decrease (owed_dunning_policy_valid). */
struct owed_dunning_policy {
    char name[OWED_STEP_NAME_MAX + 1];
    struct owed_dunning_step steps[OWED_DUNNING_MAX_STEPS];
    size_t nsteps;
    bool thank_you; /* thank customers for invoices paid in full by the due date */
};

/* The index of the step named `name`, or -1. */
int owed_dunning_step_index(const struct owed_dunning_policy *p, const char *name);

/* The default policy of issue 5, in calendar days: -7 email pre_due_7, 0 email due,
 * +10 email late_10, +30 email late_30, +60 letter late_60, +90 agency late_90. */
void owed_dunning_policy_default(struct owed_dunning_policy *p);
/* True when steps are 1..OWED_DUNNING_MAX_STEPS, named, with known channels (not webhook),
 * offsets strictly increasing, and unless_acknowledged only on steps before the due date. */
bool owed_dunning_policy_valid(const struct owed_dunning_policy *p);

/* A holiday calendar: sorted, distinct dates. Weekends (Saturday, Sunday) are never
 * business days. A calendar with n == 0 has weekends only. */
struct owed_calendar {
    const owed_date *holidays; /* borrowed */
    size_t n;
};
bool owed_business_day(const struct owed_calendar *cal, owed_date d);
/* d moved by n business days (n < 0: backwards); with n == 0, d itself. */
owed_date owed_add_business_days(const struct owed_calendar *cal, owed_date d, int n);

/* The date step s falls on for an invoice due on `due`. */
owed_date owed_dunning_step_date(const struct owed_dunning_step *s,
                                 const struct owed_calendar *cal, owed_date due);

/* The index of the step that fires on `as_of` for an invoice due on `due` with `open_minor`
 * open (currency exponent `exponent`), given the highest step index already fired
 * (`last_fired`, -1 for none); -1 when nothing fires. */
int owed_dunning_due_step(const struct owed_dunning_policy *p, const struct owed_calendar *cal,
                          owed_date due, owed_date as_of, int64_t open_minor, int exponent,
                          int last_fired);

/* True when open_minor reaches step s's minimum (whole major units, currency exponent). */
bool owed_dunning_step_minimum_met(const struct owed_dunning_step *s, int64_t open_minor,
                                   int exponent);

#endif
