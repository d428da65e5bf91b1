/* `owed serve`: the HTTP server (libmicrohttpd), its per-thread database connections, its
 * metrics and access log, graceful shutdown, and the scheduler thread. */
#ifndef OWED_HTTP_SERVER_H
#define OWED_HTTP_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "owed/buf.h"
#include "owed/date.h"

struct owed_store;

struct owed_server_cfg {
    const char *db;         /* the database URL every thread connects to */
    const char *host;       /* listen address, default 127.0.0.1 */
    unsigned port;          /* 0 = any free port (printed at start) */
    unsigned threads;       /* worker threads, default: number of CPUs */
    size_t body_max;        /* request body limit in bytes */
    unsigned timeout_s;     /* idle connection timeout (slow clients) */
    unsigned request_time_s; /* longest a request body may take to arrive */
    unsigned drain_s;       /* on SIGTERM, how long in-flight requests may take */
    bool scheduler;         /* run the scheduler in this server */
    unsigned tick_s;        /* scheduler period */
    FILE *access_log;       /* NULL = off */
    bool secure_cookies;    /* Secure flag on cookies (behind TLS) */
    struct owed_clock clock; /* OWED_TODAY pins it in tests */
};

/* Counters for /metrics: one per route and status class, plus totals. */
#define HTTP_STATUS_CLASSES 5 /* 1xx..5xx */
#define HTTP_LATENCY_BUCKETS 12

struct owed_server {
    struct owed_server_cfg cfg;
    struct MHD_Daemon *daemon;
    unsigned port; /* the bound port */
    int64_t started_s;
    atomic_long in_flight;
    atomic_bool stopping;
    atomic_llong *route_counts; /* [route][class] */
    atomic_llong latency_buckets[HTTP_LATENCY_BUCKETS + 1];
    atomic_llong latency_sum_us;
    atomic_llong unmatched[HTTP_STATUS_CLASSES];
    atomic_llong jobs_run, jobs_failed, login_failures;
    struct login_limiter *limiter;
    /* SQLite has one writer at a time and makes the others wait by sleeping and retrying
     * (its busy handler, with sleeps growing to 100 ms), which leaves the lock idle between
     * tries and some requests waiting for a second: changes queue on this mutex instead.
     * PostgreSQL locks rows: no mutex there. */
    bool serialize_writes;
    pthread_mutex_t write_mu;
};

/* Runs until SIGTERM or SIGINT; then stops accepting, lets in-flight requests finish
 * (up to drain_s), stops the scheduler and returns. Prints the URL when listening. */
int owed_serve(const struct owed_server_cfg *cfg, struct owed_buf *err);

/* This thread's database connection (opened on first use, closed when the thread ends);
 * NULL after writing the reason to err. */
struct owed_store *owed_server_store(struct owed_server *srv, struct owed_buf *err);

/* The client's address as text ("-" when unknown). */
struct MHD_Connection;
void owed_client_ip(struct MHD_Connection *c, char *out, size_t cap);

/* Latency bucket upper bounds in microseconds. */
extern const long long http_latency_bounds_us[HTTP_LATENCY_BUCKETS];

/* ---- sign-in rate limiting (limiter.c) ---- */

/* Too many failed sign-ins for this key (an email, an address) within the window:
 * seconds to wait, else 0. */
int owed_login_blocked(struct owed_server *srv, const char *key, int64_t now_s);
void owed_login_failed(struct owed_server *srv, const char *key, int64_t now_s);
void owed_login_succeeded(struct owed_server *srv, const char *key);
struct login_limiter *owed_login_limiter_new(void);
void owed_login_limiter_free(struct login_limiter *l);

/* ---- scheduler (scheduler.c) ---- */

/* One pass of every job for every organization, as the scheduler thread does each tick. */
void owed_scheduler_tick(struct owed_server *srv, struct owed_store *s);
int owed_scheduler_start(struct owed_server *srv, struct owed_buf *err);
void owed_scheduler_stop(struct owed_server *srv);

#endif
