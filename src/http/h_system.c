/* Health, readiness and Prometheus metrics. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/api_requests.h"
#include "base.h"
#include "http/http.h"
#include "http/server.h"

static void healthz(struct hreq *rq, struct hresp *rs)
{
    (void)rq;
    hr_json(rs, 200, json_pack("{s:s}", "status", "ok"));
}

/* Ready when the database answers and the server is not stopping. */
static void readyz(struct hreq *rq, struct hresp *rs)
{
    if (atomic_load(&rq->server->stopping)) {
        hr_problem(rs, 503, "stopping", "the server is shutting down");
        return;
    }
    int version = 0;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_store_ping(rq->store, &version, &err);
    if (rc) hr_problem(rs, 503, "unavailable", "database: %s", err.ptr ? err.ptr : "");
    else hr_json(rs, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version", version));
    owed_buf_release(&err);
}

static void metrics(struct hreq *rq, struct hresp *rs)
{
    struct owed_server *srv = rq->server;
    struct owed_buf *b = &rs->body;
    owed_buf_adds(b, "# HELP owed_http_requests_total Requests answered, by route and status class.\n"
                     "# TYPE owed_http_requests_total counter\n");
    for (size_t i = 0; http_routes[i].pattern; i++)
        for (int c = 0; c < HTTP_STATUS_CLASSES; c++) {
            long long n = atomic_load(&srv->route_counts[i * HTTP_STATUS_CLASSES + (size_t)c]);
            if (n)
                owed_buf_addf(b, "owed_http_requests_total{method=\"%s\",route=\"%s\",code=\"%dxx\"} %lld\n",
                              http_routes[i].method, http_routes[i].pattern, c + 1, n);
        }
    for (int c = 0; c < HTTP_STATUS_CLASSES; c++) {
        long long n = atomic_load(&srv->unmatched[c]);
        if (n)
            owed_buf_addf(b, "owed_http_requests_total{method=\"\",route=\"\",code=\"%dxx\"} %lld\n",
                          c + 1, n);
    }
    owed_buf_adds(b, "# HELP owed_http_request_duration_seconds Time to answer a request.\n"
                     "# TYPE owed_http_request_duration_seconds histogram\n");
    long long cum = 0;
    for (int i = 0; i <= HTTP_LATENCY_BUCKETS; i++) {
        cum += atomic_load(&srv->latency_buckets[i]);
        if (i < HTTP_LATENCY_BUCKETS) {
            long long us = http_latency_bounds_us[i];
            owed_buf_addf(b, "owed_http_request_duration_seconds_bucket{le=\"%lld.%06lld\"} %lld\n",
                          us / 1000000, us % 1000000, cum);
        } else {
            owed_buf_addf(b, "owed_http_request_duration_seconds_bucket{le=\"+Inf\"} %lld\n", cum);
        }
    }
    long long sum = atomic_load(&srv->latency_sum_us);
    owed_buf_addf(b, "owed_http_request_duration_seconds_sum %lld.%06lld\n", sum / 1000000,
                  sum % 1000000);
    owed_buf_addf(b, "owed_http_request_duration_seconds_count %lld\n", cum);
    owed_buf_addf(b,
                  "# HELP owed_http_in_flight Requests being answered.\n"
                  "# TYPE owed_http_in_flight gauge\nowed_http_in_flight %ld\n"
                  "# HELP owed_uptime_seconds Seconds since the server started.\n"
                  "# TYPE owed_uptime_seconds gauge\nowed_uptime_seconds %lld\n"
                  "# HELP owed_login_failures_total Failed sign-ins.\n"
                  "# TYPE owed_login_failures_total counter\nowed_login_failures_total %lld\n"
                  "# HELP owed_jobs_total Scheduler jobs run, by outcome.\n"
                  "# TYPE owed_jobs_total counter\nowed_jobs_total{outcome=\"ok\"} %lld\n"
                  "owed_jobs_total{outcome=\"failed\"} %lld\n",
                  atomic_load(&srv->in_flight), (long long)(time(NULL) - srv->started_s),
                  atomic_load(&srv->login_failures), atomic_load(&srv->jobs_run),
                  atomic_load(&srv->jobs_failed));
    rs->status = 200;
    rs->content_type = "text/plain; version=0.0.4";
}

const struct http_route http_routes_system[] = {
    {"GET", "/healthz", healthz, OWED_PERM_PUBLIC, "check liveness", 0},
    {"GET", "/readyz", readyz, OWED_PERM_PUBLIC, "check readiness", 0},
    {"GET", "/metrics", metrics, OWED_PERM_PUBLIC, "read metrics", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
