/* The scheduler: one thread in the server that, every tick, for every organization,
 * delivers what the outbox holds and, once a day at the configured local time, runs
 * dunning; issues recurring invoices whose period has come; and once a day queues
 * invoice.overdue webhook events. On PostgreSQL a session advisory lock makes it a singleton across servers; the
 * jobs are idempotent besides (dunning firings are keyed, outbox messages are claimed), so
 * a second scheduler would waste work, never send twice.
 *
 * A day's dunning run is marked done (the idempotency key "job:dunning:DATE") only after
 * it committed: a server killed in between runs it again at the next tick, and the run's
 * keys make that harmless. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/invoicing.h"
#include "app/api_requests.h"
#include "app/app.h"
#include "app/events.h"
#include "base.h"
#include "http/server.h"
#include "store/store.h"

#define OUTBOX_LEASE_S 300
#define OUTBOX_BATCH 200

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool stop;

/* Minutes after local midnight when dunning runs; OWED_DUNNING_AT=HH:MM overrides 06:00. */
static int dunning_minute(void)
{
    const char *v = getenv("OWED_DUNNING_AT");
    int h, m;
    if (v && sscanf(v, "%d:%d", &h, &m) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
        return h * 60 + m;
    return 6 * 60;
}

static void job_log(struct owed_server *srv, int64_t org, const char *job, int rc,
                    const char *detail)
{
    if (rc) atomic_fetch_add(&srv->jobs_failed, 1);
    else atomic_fetch_add(&srv->jobs_run, 1);
    if (rc || (detail && *detail))
        fprintf(stderr, "owed: scheduler: org %lld: %s: %s%s%s\n", (long long)org, job,
                rc ? "failed: " : "", rc ? owed_rc_message(rc) : "", detail ? detail : "");
}

/* Runs dunning for the day if its time has come and it has not run yet. */
static void dunning_job(struct owed_server *srv, struct owed_store *s, int64_t org,
                        owed_time_ms now)
{
    owed_date today;
    int minute;
    struct owed_buf err = OWED_BUF_INIT(0), out = OWED_BUF_INIT(0);
    if (owed_org_local_time(s, org, now, &today, &minute, &err) || minute < dunning_minute()) {
        owed_buf_release(&err);
        return;
    }
    char key[64], day[11];
    owed_date_format(today, day);
    snprintf(key, sizeof key, "job:dunning:%s", day);
    bool done;
    int rc = owed_job_done(s, org, key, &done, &err);
    if (rc == OWED_OK && done) goto out;
    if (rc) {
        job_log(srv, org, "dunning", rc, err.ptr);
        goto out;
    }
    struct owed_run_result res = {0};
    rc = owed_dunning_run(s, org, today, now, OWED_FORMAT_TABLE, &res, &out, &err);
    if (rc == OWED_OK) rc = owed_job_mark(s, org, key, &err);
    char detail[160];
    snprintf(detail, sizeof detail, "run for %s: %zu message(s), %zu firing(s), %zu fee(s)", day,
             res.messages, res.firings, res.fees);
    job_log(srv, org, "dunning", rc, rc ? err.ptr : detail);
out:
    owed_buf_release(&err);
    owed_buf_release(&out);
}

/* Once a day (the first tick of the org's local day): invoice.overdue webhook events for
 * invoices that fell due (app/events.c; each invoice is told once by its own key). */
static void overdue_job(struct owed_server *srv, struct owed_store *s, int64_t org,
                        owed_time_ms now)
{
    owed_date today;
    int minute;
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_org_local_time(s, org, now, &today, &minute, &err)) {
        owed_buf_release(&err);
        return;
    }
    char key[64], day[11];
    owed_date_format(today, day);
    snprintf(key, sizeof key, "job:overdue:%s", day);
    bool done;
    int rc = owed_job_done(s, org, key, &done, &err);
    if (rc == OWED_OK && done) goto out;
    size_t n = 0;
    if (rc == OWED_OK) rc = owed_events_overdue(s, org, today, now, &n, &err);
    if (rc == OWED_OK) rc = owed_job_mark(s, org, key, &err);
    char detail[96];
    snprintf(detail, sizeof detail, "%zu invoice.overdue event(s) for %s", n, day);
    job_log(srv, org, "overdue", rc, rc ? err.ptr : n ? detail : NULL);
out:
    owed_buf_release(&err);
}

/* Recurring invoices whose period has come (app/recurring.c): every tick, because each
 * period is claimed in the transaction that issues it, so a repeat finds nothing to do. */
static void recurring_job(struct owed_server *srv, struct owed_store *s, int64_t org,
                          owed_time_ms now)
{
    owed_date today;
    int minute;
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_org_local_time(s, org, now, &today, &minute, &err) == OWED_OK) {
        size_t n = 0;
        int rc = owed_recurring_run(s, org, today, now, &n, NULL, &err);
        char detail[64];
        snprintf(detail, sizeof detail, "%zu recurring invoice(s) issued", n);
        job_log(srv, org, "recurring", rc, rc ? err.ptr : n ? detail : NULL);
    }
    owed_buf_release(&err);
}

static void outbox_job(struct owed_server *srv, struct owed_store *s, int64_t org,
                       owed_time_ms now)
{
    struct owed_send_stats st = {0};
    struct owed_buf err = OWED_BUF_INIT(0), out = OWED_BUF_INIT(0);
    int rc = owed_outbox_send(s, org, now, OUTBOX_LEASE_S, OUTBOX_BATCH, &st, &out, &err);
    if (rc || st.sent || st.failed || st.retry || st.uncertain) {
        char detail[160];
        snprintf(detail, sizeof detail, "%zu sent, %zu to retry, %zu failed, %zu uncertain",
                 st.sent, st.retry, st.failed, st.uncertain);
        job_log(srv, org, "outbox", rc, rc ? err.ptr : detail);
    }
    owed_buf_release(&err);
    owed_buf_release(&out);
}

void owed_scheduler_tick(struct owed_server *srv, struct owed_store *s)
{
    bool got = false;
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_singleton_try(s, "owed-scheduler", &got, &err) || !got) {
        owed_buf_release(&err);
        return; /* another server runs the jobs */
    }
    int64_t *orgs = NULL;
    size_t norgs = 0;
    if (owed_org_ids(s, &orgs, &norgs, &err) == OWED_OK)
        for (size_t i = 0; i < norgs && !atomic_load(&srv->stopping); i++) {
            owed_time_ms now = srv->cfg.clock.now_ms(srv->cfg.clock.ctx);
            dunning_job(srv, s, orgs[i], now);
            overdue_job(srv, s, orgs[i], now);
            recurring_job(srv, s, orgs[i], now);
            outbox_job(srv, s, orgs[i], now);
        }
    owed_singleton_release(s, "owed-scheduler");
    free(orgs);
    owed_buf_release(&err);
}

static void *run(void *arg)
{
    struct owed_server *srv = arg;
    struct owed_store *s = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    pthread_mutex_lock(&mu);
    while (!stop) {
        pthread_mutex_unlock(&mu);
        if (!s && owed_store_open(srv->cfg.db, false, &s, &err)) {
            fprintf(stderr, "owed: scheduler: %s\n", err.ptr);
            owed_buf_reset(&err);
            s = NULL;
        }
        if (s) owed_scheduler_tick(srv, s);
        pthread_mutex_lock(&mu);
        if (stop) break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += srv->cfg.tick_s;
        pthread_cond_timedwait(&cv, &mu, &until);
    }
    pthread_mutex_unlock(&mu);
    owed_store_close(s);
    owed_buf_release(&err);
    return NULL;
}

int owed_scheduler_start(struct owed_server *srv, struct owed_buf *err)
{
    stop = false;
    if (pthread_create(&thread, NULL, run, srv)) {
        owed_buf_adds(err, "cannot start the scheduler thread");
        return OWED_E_STORE;
    }
    return OWED_OK;
}

void owed_scheduler_stop(struct owed_server *srv)
{
    (void)srv;
    pthread_mutex_lock(&mu);
    stop = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
}
