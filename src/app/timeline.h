/* A customer's collections timeline (app/customer_timeline.c), for `owed customer show`. */
#ifndef OWED_APP_TIMELINE_H
#define OWED_APP_TIMELINE_H

#include "app/app.h"

struct owed__event {
    owed_date date;
    char kind[16]; /* "reminder", "hold", "dispute", "promise", "plan", "note", "call", "task",
                      "portal" (what the customer did in the portal, links sent to it) */
    int64_t id;    /* the outbox message, collection item or portal event */
    char text[400];
    char via[16];  /* "portal" for an item the customer made there; "" otherwise */
};

struct owed__timeline {
    struct owed__event *ev;
    size_t n, cap;
};

/* The events up to as_of of customer_id, whose invoices are inv_ids (ascending) with their
 * numbers, sorted by date. */
int owed__customer_timeline(struct owed_store *s, int64_t org, int64_t customer_id,
                            owed_date as_of, const int64_t *inv_ids,
                            const char *const *inv_numbers, size_t ninv,
                            struct owed__timeline *t, struct owed_buf *err);
void owed__timeline_release(struct owed__timeline *t);

#endif
