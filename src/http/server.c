/* The HTTP server: libmicrohttpd with an epoll thread pool. Each worker thread has its own
 * database connection (SQLite connections and libpq connections are not shared between
 * threads), opened on first use and closed when the thread ends. A request's body is
 * gathered up to the limit, then router.c answers it in one piece. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "http/http.h"
#include "http/router.h"
#include "http/server.h"
#include "store/store.h"

const long long http_latency_bounds_us[HTTP_LATENCY_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};

/* ---- per-thread store ---- */

static pthread_key_t store_key;
static pthread_once_t store_key_once = PTHREAD_ONCE_INIT;

static void store_free(void *p) { owed_store_close(p); }
static void store_key_make(void) { pthread_key_create(&store_key, store_free); }

struct owed_store *owed_server_store(struct owed_server *srv, struct owed_buf *err)
{
    pthread_once(&store_key_once, store_key_make);
    struct owed_store *s = pthread_getspecific(store_key);
    if (s) return s;
    if (owed_store_open(srv->cfg.db, false, &s, err)) return NULL;
    pthread_setspecific(store_key, s);
    return s;
}

/* ---- requests ---- */

struct conn_ctx {
    struct owed_buf body;
    bool too_large;
    struct timespec started;
    int status;
    size_t bytes;
    int route; /* index in http_routes, -1 when none matched */
    char actor[320];
};

static int64_t elapsed_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

void owed_client_ip(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "-");
    if (!ci || !ci->client_addr) return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
                  (socklen_t)cap);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)cap);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct owed_server *srv = cls;
    struct conn_ctx *cx = *con_cls;
    if (!cx) {
        cx = calloc(1, sizeof *cx);
        if (!cx) return MHD_NO;
        owed_buf_init(&cx->body, 0);
        clock_gettime(CLOCK_MONOTONIC, &cx->started);
        cx->route = -1;
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = cx;
        return MHD_YES;
    }
    if (*upload_size) {
        /* A body trickled in slower than --request-time allows: drop the connection (the
         * idle timeout alone would let one byte every few seconds hold it for ever). */
        if (elapsed_us(&cx->started) > (int64_t)srv->cfg.request_time_s * 1000000) {
            cx->status = 408;
            return MHD_NO;
        }
        if (cx->body.len + *upload_size > srv->cfg.body_max) cx->too_large = true;
        else owed_buf_add(&cx->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    struct http_answer a = {0};
    router_handle(srv, conn, method, url, cx->body.ptr ? cx->body.ptr : "", cx->body.len,
                  cx->too_large, &a);
    cx->status = a.status;
    cx->route = a.route;
    snprintf(cx->actor, sizeof cx->actor, "%s", a.actor);
    size_t len = 0;
    char *bytes = owed_buf_detach(&a.body, &len);
    cx->bytes = len;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, bytes ? bytes : (char *)"", bytes ? MHD_RESPMEM_MUST_FREE
                                                                            : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(bytes);
        return MHD_NO;
    }
    for (size_t i = 0; i < a.nheaders; i++) MHD_add_response_header(r, a.headers[i].name, a.headers[i].value);
    router_answer_release(&a);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)cx->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void log_access(struct owed_server *srv, struct MHD_Connection *conn,
                       const struct conn_ctx *cx, int64_t us)
{
    if (!srv->cfg.access_log) return;
    char ip[64];
    owed_client_ip(conn, ip, sizeof ip);
    const char *route = cx->route >= 0 ? http_routes[cx->route].pattern : "-";
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* One line, key=value; the route pattern rather than the path, and never a header, a
     * body or a query string, so that no secret can reach the log. */
    fprintf(srv->cfg.access_log,
            "ts=%s ip=%s route=\"%s\" status=%d bytes=%zu us=%lld actor=\"%s\"\n", ts, ip,
            route, cx->status, cx->bytes, (long long)us, cx->actor[0] ? cx->actor : "-");
    /* Fully buffered for speed; written out at least once a second. */
    static _Atomic int64_t flushed;
    int64_t last = atomic_load(&flushed);
    if (now != last && atomic_compare_exchange_strong(&flushed, &last, (int64_t)now))
        fflush(srv->cfg.access_log);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct owed_server *srv = cls;
    struct conn_ctx *cx = *con_cls;
    if (!cx) return;
    int64_t us = elapsed_us(&cx->started);
    if (cx->status) {
        int cls_i = cx->status / 100 - 1;
        if (cls_i < 0 || cls_i >= HTTP_STATUS_CLASSES) cls_i = HTTP_STATUS_CLASSES - 1;
        if (cx->route >= 0)
            atomic_fetch_add(&srv->route_counts[cx->route * HTTP_STATUS_CLASSES + cls_i], 1);
        else
            atomic_fetch_add(&srv->unmatched[cls_i], 1);
        int b = 0;
        while (b < HTTP_LATENCY_BUCKETS && us > http_latency_bounds_us[b]) b++;
        atomic_fetch_add(&srv->latency_buckets[b], 1);
        atomic_fetch_add(&srv->latency_sum_us, us);
        log_access(srv, conn, cx, us);
    }
    owed_buf_release(&cx->body);
    free(cx);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---- life cycle ---- */

static size_t nroutes(void)
{
    size_t n = 0;
    while (http_routes[n].pattern) n++;
    return n;
}

int owed_serve(const struct owed_server_cfg *cfg, struct owed_buf *err)
{
    struct owed_server *srv = calloc(1, sizeof *srv);
    if (!srv) return OWED_E_STORE;
    srv->cfg = *cfg;
    srv->route_counts = calloc(nroutes() * HTTP_STATUS_CLASSES, sizeof *srv->route_counts);
    srv->limiter = owed_login_limiter_new();
    srv->started_s = time(NULL);
    srv->serialize_writes = strncmp(cfg->db, "postgres", 8) != 0;
    pthread_mutex_init(&srv->write_mu, NULL);
    int rc = OWED_OK;
    if (!srv->route_counts || !srv->limiter) {
        owed_buf_adds(err, "out of memory");
        rc = OWED_E_STORE;
        goto out;
    }
    /* Connect once up front, so that a wrong URL or a missing database fails at start. */
    struct owed_store *probe = NULL;
    if ((rc = owed_store_open(cfg->db, false, &probe, err))) goto out;
    int version = 0;
    rc = probe->ops->schema_version(probe, &version, err);
    if (rc == OWED_OK && version == 0) {
        owed_buf_adds(err, "the database is not an owed database (create one with `owed init`)");
        rc = OWED_E_NOT_FOUND;
    }
    if (rc == OWED_OK) rc = probe->ops->migrate(probe, err);
    owed_store_close(probe);
    if (rc) goto out;

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1) {
        owed_buf_addf(err, "--listen: '%s' is not an IPv4 address", cfg->host);
        rc = OWED_E_INVALID;
        goto out;
    }
    /* SIGTERM and SIGINT are taken by sigwait below; block them in every thread. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO, 0, NULL,
        NULL, on_request,
        srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)4000, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    if (!srv->daemon) {
        owed_buf_addf(err, "cannot listen on %s:%u (in use, or not an address of this machine)",
                      cfg->host, cfg->port);
        rc = OWED_E_IO;
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : cfg->port;
    if (cfg->scheduler && (rc = owed_scheduler_start(srv, err))) {
        MHD_stop_daemon(srv->daemon);
        goto out;
    }
    printf("owed: listening on http://%s:%u (%u threads%s)\n", cfg->host, srv->port,
           cfg->threads, cfg->scheduler ? ", scheduler on" : ", no scheduler");
    fflush(stdout);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0) {
    }
    /* Graceful: stop accepting, let requests in flight finish, then stop. */
    atomic_store(&srv->stopping, true);
    fprintf(stderr, "owed: %s: stopping, %ld request(s) in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", atomic_load(&srv->in_flight));
    MHD_socket ls = MHD_quiesce_daemon(srv->daemon);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    for (unsigned waited = 0; atomic_load(&srv->in_flight) > 0 && waited < cfg->drain_s * 100;
         waited++)
        usleep(10000);
    if (cfg->scheduler) owed_scheduler_stop(srv);
    MHD_stop_daemon(srv->daemon);
    if (cfg->access_log) fflush(cfg->access_log);
    fprintf(stderr, "owed: stopped\n");
out:
    pthread_mutex_destroy(&srv->write_mu);
    owed_login_limiter_free(srv->limiter);
    free(srv->route_counts);
    free(srv);
    return rc;
}
