/* Answers one request: finds the route, authenticates, authorizes, applies the
 * Idempotency-Key, calls the handler, records the change in the audit trail. */
#ifndef OWED_HTTP_ROUTER_H
#define OWED_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "owed/buf.h"

struct MHD_Connection;
struct owed_server;

#define HTTP_MAX_HEADERS 16

struct http_answer {
    int status;
    int route; /* index in http_routes; -1 when none matched */
    struct owed_buf body;
    struct {
        const char *name;
        char *value; /* heap */
    } headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    char actor[320];
};

void router_handle(struct owed_server *srv, struct MHD_Connection *conn, const char *method,
                   const char *url, const char *body, size_t body_len, bool too_large,
                   struct http_answer *a);
void router_answer_release(struct http_answer *a);

/* The route for method and path (no query string), its {params} pointing into scratch (as
 * long as the path plus HTTP_MAX_PARAMS bytes); NULL when none. For web_api(). */
struct http_route;
const struct http_route *router_find(const char *method, const char *path, char *scratch,
                                     const char **params, size_t *nparams);

#endif
