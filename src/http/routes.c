/* The route table: each area of the API keeps its own table beside its handlers; here they
 * are joined into one, in this order (the first route matching a path and method wins). */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static const struct http_route *const tables[] = {
    http_routes_system, http_routes_auth, http_routes_admin, http_routes_documents,
    http_routes_ledger,
    http_routes_reports,
    http_routes_cash, http_routes_bank,
    http_routes_collections, http_routes_dunning,
    http_routes_webhooks, http_routes_gateway,
    http_routes_openapi,
    http_routes_w_signin, http_routes_w_app, http_routes_w_customers, http_routes_w_money,
    http_routes_w_reports, http_routes_w_dunning, http_routes_w_settings, http_routes_portal,
};

const struct http_route *http_routes;

int http_routes_init(void)
{
    if (http_routes) return 0;
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct http_route *r = tables[t]; r->pattern; r++) n++;
    struct http_route *all = calloc(n + 1, sizeof *all);
    if (!all) return -1;
    n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct http_route *r = tables[t]; r->pattern; r++) all[n++] = *r;
    http_routes = all;
    return 0;
}
