/* Recurring invoices: schedules and the run that issues their periods exactly once
 * (invoicing.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/invoicing.h"
#include "app/app.h"
#include "base.h"
#include "core/recurrence.h"

static int rule_of(const struct owed_recurring_rec *r, struct owed_recurrence *out,
                   struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    int rc = owed_recurrence_parse(r->rule, out, err);
    out->start = r->start_date;
    out->end = r->end_date;
    out->count = (int)r->max_count;
    return rc;
}

int owed_recurring_add(struct owed_store *s, int64_t org, const json_t *template_doc,
                       const char *rule, owed_date start, owed_date end, int64_t count,
                       owed_time_ms now, int64_t *id, struct owed_buf *err)
{
    struct owed_recurring_rec r;
    memset(&r, 0, sizeof r);
    struct owed_recurrence rr;
    snprintf(r.rule, sizeof r.rule, "%s", rule);
    r.start_date = start;
    r.end_date = end;
    r.max_count = count;
    int rc = rule_of(&r, &rr, err);
    if (rc) return rc;
    owed_recurrence_text(&rr, r.rule, sizeof r.rule);
    if (end && end < start) {
        owed_buf_adds(err, "end: before the start");
        return OWED_E_INVALID;
    }
    if (count < 0 || count > 100000) {
        owed_buf_adds(err, "count: from 1 to 100000 periods, or 0 for no limit");
        return OWED_E_INVALID;
    }
    if (json_object_get(template_doc, "issue_date") || json_object_get(template_doc, "due_date")) {
        owed_buf_adds(err, "template: leave out issue_date and due_date: each period sets them");
        return OWED_E_INVALID;
    }
    if ((rc = s->ops->begin(s, err))) return rc;
    /* The template must make a valid draft: make one and throw it away. */
    int64_t probe;
    rc = owed__draft_create_in(s, org, template_doc, "recurring", now, &probe, err);
    s->ops->rollback(s);
    if (rc) return rc;
    if ((rc = s->ops->begin(s, err))) return rc;
    struct owed_customer c;
    rc = s->ops->customer_get(s, org, json_string_value(json_object_get(template_doc, "customer")),
                              &c, err);
    char *body = json_dumps(template_doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (!rc) {
        r.customer_id = c.id;
        r.body = body;
        r.active = true;
        owed__iso_time(now, r.created_at);
        rc = s->ops->recurring_insert(s, org, &r, err);
    }
    free(body);
    if (!rc) *id = r.id;
    return owed__tx_end(s, rc, err);
}

struct found {
    struct owed_recurring_rec r;
    char *body;
    bool hit;
};

static int take(void *ctx, const struct owed_recurring_rec *r)
{
    struct found *f = ctx;
    f->r = *r;
    f->body = owed_xstrdup(r->body);
    f->r.body = f->body;
    f->hit = true;
    return OWED_OK;
}

int owed_recurring_stop(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct found f = {0};
    rc = s->ops->recurring_each(s, org, id, take, &f, err);
    if (!rc && !f.hit) {
        owed_buf_addf(err, "no recurring schedule %lld", (long long)id);
        rc = OWED_E_NOT_FOUND;
    }
    if (!rc) {
        f.r.active = false;
        rc = s->ops->recurring_update(s, org, &f.r, err);
    }
    free(f.body);
    return owed__tx_end(s, rc, err);
}

struct all {
    struct owed_recurring_rec *v;
    char **bodies;
    size_t n, cap;
};

static int take_all(void *ctx, const struct owed_recurring_rec *r)
{
    struct all *a = ctx;
    OWED_ALLOC_GROW(a->v, a->n + 1, a->cap);
    a->bodies = owed_xrealloc(a->bodies, a->cap * sizeof *a->bodies);
    a->v[a->n] = *r;
    a->bodies[a->n] = owed_xstrdup(r->body);
    a->v[a->n].body = a->bodies[a->n];
    a->n++;
    return OWED_OK;
}

static void all_free(struct all *a)
{
    for (size_t i = 0; i < a->n; i++) free(a->bodies[i]);
    free(a->bodies);
    free(a->v);
}

static json_t *date_json(owed_date d)
{
    if (!d) return json_null();
    char t[11];
    owed_date_format(d, t);
    return json_string(t);
}

int owed_recurring_list(struct owed_store *s, int64_t org, json_t **out, struct owed_buf *err)
{
    struct all a = {0};
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->recurring_each(s, org, 0, take_all, &a, err);
    json_t *arr = json_array();
    for (size_t i = 0; !rc && i < a.n; i++) {
        const struct owed_recurring_rec *r = &a.v[i];
        struct owed_recurrence rr;
        struct owed_customer c;
        rc = rule_of(r, &rr, err);
        if (!rc) rc = s->ops->customer_get_id(s, org, r->customer_id, &c, err);
        if (rc) break;
        owed_date next = 0;
        bool more = owed_recurrence_date(&rr, r->periods, &next);
        json_t *tmpl = json_loads(r->body, 0, NULL);
        json_array_append_new(
            arr, json_pack("{s:I,s:s,s:s,s:o,s:o,s:I,s:b,s:I,s:o,s:o}", "id", (json_int_t)r->id,
                           "customer", c.ref, "rule", r->rule, "start", date_json(r->start_date),
                           "end", date_json(r->end_date), "count", (json_int_t)r->max_count,
                           "active", r->active, "issued", (json_int_t)r->periods, "next",
                           r->active && more ? date_json(next) : json_null(), "template",
                           tmpl ? tmpl : json_null()));
    }
    s->ops->read_end(s);
    all_free(&a);
    if (rc) json_decref(arr);
    else *out = arr;
    return rc;
}

/* Issues period k of schedule r in one transaction. *done false when another run had
 * claimed it. */
static int issue_period(struct owed_store *s, int64_t org, const struct owed_recurring_rec *r,
                        int64_t k, owed_date day, owed_time_ms now, bool *done, char number[65],
                        struct owed_buf *err)
{
    *done = false;
    json_t *doc = json_loads(r->body, 0, NULL);
    if (!doc) {
        owed_buf_addf(err, "recurring %lld: template unreadable", (long long)r->id);
        return OWED_E_STORE;
    }
    char d[11], src[40];
    owed_date_format(day, d);
    json_object_set_new(doc, "issue_date", json_string(d));
    snprintf(src, sizeof src, "recurring:%lld", (long long)r->id);
    int rc = s->ops->begin(s, err);
    int64_t doc_id = 0;
    if (!rc) rc = owed__draft_create_in(s, org, doc, src, now, &doc_id, err);
    /* The claim comes before the invoice: a second run stops here, having written
     * nothing that outlives its rollback. */
    if (!rc) rc = s->ops->period_claim(s, org, r->id, k, doc_id, err);
    if (rc == OWED_E_EXISTS) {
        s->ops->rollback(s);
        json_decref(doc);
        return OWED_OK;
    }
    if (!rc) rc = owed__draft_issue_in(s, org, doc_id, day, now, number, err);
    json_decref(doc);
    rc = owed__tx_end(s, rc, err);
    if (!rc) *done = true;
    return rc;
}

int owed_recurring_run(struct owed_store *s, int64_t org, owed_date today, owed_time_ms now,
                       size_t *issued, struct owed_buf *out, struct owed_buf *err)
{
    *issued = 0;
    struct all a = {0};
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = s->ops->recurring_each(s, org, 0, take_all, &a, err);
    s->ops->read_end(s);
    int first = rc;
    for (size_t i = 0; !rc && i < a.n; i++) {
        const struct owed_recurring_rec *r = &a.v[i];
        struct owed_recurrence rr;
        if (!r->active) continue;
        struct owed_buf e1 = OWED_BUF_INIT(0);
        int rc1 = rule_of(r, &rr, &e1);
        int64_t due = rc1 ? 0 : owed_recurrence_due(&rr, today);
        /* Periods are claimed in order, so those below `periods` are done; a period
         * claimed by a racing run is found by its claim. */
        for (int64_t k = r->periods; !rc1 && k < due; k++) {
            owed_date day;
            if (!owed_recurrence_date(&rr, k, &day)) break;
            bool done;
            char number[65] = "";
            rc1 = issue_period(s, org, r, k, day, now, &done, number, &e1);
            if (!rc1 && done) {
                (*issued)++;
                if (out) {
                    char d[11];
                    owed_date_format(day, d);
                    owed_buf_addf(out, "recurring %lld period %lld (%s): %s\n", (long long)r->id,
                                  (long long)k + 1, d, number);
                }
            }
        }
        if (rc1) {
            owed_buf_addf(err, "%srecurring %lld: %s", err->len ? "\n" : "", (long long)r->id,
                          e1.ptr);
            if (!first) first = rc1;
        }
        owed_buf_release(&e1);
    }
    all_free(&a);
    return first;
}
