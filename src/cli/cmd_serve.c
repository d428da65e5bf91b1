/* owed serve: the HTTP API and the scheduler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/auth.h"
#include "cli/cli.h"
#include "http/http.h"
#include "http/server.h"
#include "http/web.h"

const char cmd_serve_summary[] = "run the HTTP API server and the scheduler";
const char cmd_serve_help[] =
    "usage: owed serve [--listen ADDR:PORT] [--threads N] [--no-scheduler]\n"
    "                  [--access-log FILE|-|off] [--body-max BYTES] [--timeout SECONDS]\n"
    "                  [--request-time SECONDS]\n"
    "                  [--drain SECONDS] [--tick SECONDS] [--secure-cookies] [--db URL]\n"
    "       owed serve --list-routes\n"
    "\n"
    "Serves the REST API under /api/v1 (docs/openapi.yaml, also at /api/v1/openapi.json),\n"
    "/healthz, /readyz and Prometheus metrics at /metrics. Every request is scoped to the\n"
    "organization of its credential: 'Authorization: Bearer TOKEN' (owed token create) or\n"
    "the session cookie of POST /api/v1/auth/login.\n"
    "\n"
    "The scheduler, unless --no-scheduler, runs every --tick seconds (default 30): it\n"
    "delivers due outbox messages and, once a day at 06:00 in each organization's time\n"
    "zone ($OWED_DUNNING_AT=HH:MM to change it), runs dunning. On PostgreSQL an advisory\n"
    "lock lets only one of many servers run it.\n"
    "\n"
    "SIGTERM or SIGINT: stop accepting connections, let requests in flight finish (up to\n"
    "--drain seconds, default 30), stop.\n"
    "\n"
    "Options:\n"
    "  --listen ADDR:PORT  default 127.0.0.1:8080; port 0 takes a free one (printed)\n"
    "  --threads N         worker threads (default: the number of CPUs)\n"
    "  --access-log DEST   one line per request to FILE, - (stderr, the default) or off\n"
    "  --body-max BYTES    largest request body (default 16777216)\n"
    "  --timeout SECONDS   close a connection idle this long (default 30)\n"
    "  --request-time S    drop a request whose body takes longer to arrive (default 120)\n"
    "  --secure-cookies    mark the session cookie Secure (behind TLS)\n"
    "  --list-routes       print every route with the permission it needs and whether it\n"
    "                      is the API's or a page of the web app (web), and exit\n";

static bool parse_listen(const char *arg, char *host, size_t cap, unsigned *port)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || colon == arg || (size_t)(colon - arg) >= cap) return false;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535 || colon[1] == 0) return false;
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = 0;
    if (!strcmp(host, "localhost")) snprintf(host, cap, "127.0.0.1");
    *port = (unsigned)p;
    return true;
}

static bool parse_uint(const char *arg, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(arg, &end, 10);
    if (!*arg || *end || v > max || arg[0] == '-') return false;
    *out = v;
    return true;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"no-scheduler", no_argument, NULL, 'n'},
                                         {"access-log", required_argument, NULL, 'a'},
                                         {"body-max", required_argument, NULL, 'b'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"request-time", required_argument, NULL, 'r'},
                                         {"drain", required_argument, NULL, 'd'},
                                         {"tick", required_argument, NULL, 'k'},
                                         {"secure-cookies", no_argument, NULL, 's'},
                                         {"list-routes", no_argument, NULL, 'L'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("serve");
    char host[64] = "127.0.0.1";
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    struct owed_server_cfg cfg = {.host = host, .port = 8080, .threads = ncpu > 0 ? (unsigned)ncpu : 2,
                                  .body_max = 16u << 20, .timeout_s = 30, .request_time_s = 120,
                                  .drain_s = 30,
                                  .scheduler = true, .tick_s = 30, .access_log = stderr,
                                  .clock = cli->clock};
    const char *log_dest = "-";
    bool list = false;
    int c;
    unsigned long v;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l') {
            if (!parse_listen(optarg, host, sizeof host, &cfg.port))
                return cli_usage(self, "--listen takes ADDR:PORT like 127.0.0.1:8080, not '%s'", optarg);
        } else if (c == 't' || c == 'b' || c == 'T' || c == 'd' || c == 'k' || c == 'r') {
            unsigned long max = c == 't' ? 256 : c == 'b' ? (1ul << 30) : 86400;
            if (!parse_uint(optarg, max, &v) || (v == 0 && c != 'd'))
                return cli_usage(self, "'%s' is not a whole number from 1 to %lu", optarg, max);
            if (c == 't') cfg.threads = (unsigned)v;
            else if (c == 'b') cfg.body_max = v;
            else if (c == 'T') cfg.timeout_s = (unsigned)v;
            else if (c == 'r') cfg.request_time_s = (unsigned)v;
            else if (c == 'd') cfg.drain_s = (unsigned)v;
            else cfg.tick_s = (unsigned)v;
        } else if (c == 'n') {
            cfg.scheduler = false;
        } else if (c == 'a') {
            log_dest = optarg;
        } else if (c == 's') {
            cfg.secure_cookies = true;
        } else if (c == 'L') {
            list = true;
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (optind != argc) return cli_usage(self, "serve takes no arguments");
    if (http_routes_init()) {
        cli_error("out of memory");
        return EXIT_FAILURE_;
    }
    struct owed_buf terr = OWED_BUF_INIT(0);
    if (web_check_templates(&terr)) {
        cli_error("%s", terr.ptr);
        owed_buf_release(&terr);
        return EXIT_FAILURE_;
    }
    owed_buf_release(&terr);
    if (list) {
        for (size_t i = 0; http_routes[i].pattern; i++)
            printf("%-6s %-44s %-9s %s\n", http_routes[i].method, http_routes[i].pattern,
                   owed_perm_name(http_routes[i].perm),
                   http_routes[i].flags & HTTP_ROUTE_WEB ? "web" : "api");
        return EXIT_OK;
    }
    FILE *log = NULL;
    if (!strcmp(log_dest, "off")) cfg.access_log = NULL;
    else if (strcmp(log_dest, "-") != 0) {
        if (!(log = fopen(log_dest, "a"))) {
            cli_error("--access-log %s: cannot open", log_dest);
            return EXIT_FAILURE_;
        }
        cfg.access_log = log;
    }
    if (cfg.access_log) setvbuf(cfg.access_log, NULL, _IOFBF, 1 << 16);
    cfg.db = cli->db;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_auth_init(&err);
    if (rc == OWED_OK) rc = owed_serve(&cfg, &err);
    if (rc) cli_error("%s", err.ptr);
    owed_buf_release(&err);
    if (log) fclose(log);
    return cli_exit_code(rc);
}
