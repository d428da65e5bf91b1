/* The API's own description: docs/openapi.yaml, embedded at build time (gen/openapi.h),
 * served as written (GET /api/v1/openapi.yaml) and as JSON (GET /api/v1/openapi.json).
 * The JSON is made once, by the first request that asks for it, with io/yaml_json.c, and
 * kept for the life of the process. Both are public: the description holds no data. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "http/http.h"
#include "io/yaml_json.h"

struct embedded_file {
    const char *name;
    const unsigned char *data;
};
#include "openapi.h"

static pthread_once_t json_once = PTHREAD_ONCE_INIT;
static char *json_text; /* the document as JSON; NULL when it could not be converted */
static size_t json_len;
static char json_error[512]; /* then why */

static const char *yaml_text(void)
{
    return (const char *)openapi_yaml[0].data; /* NUL-terminated by cmake/embed.cmake */
}

static void convert_once(void)
{
    const char *yaml = yaml_text();
    json_t *doc = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_yaml_to_json(yaml, strlen(yaml), &doc, &err);
    if (rc == OWED_OK) {
        json_text = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(doc);
        if (json_text) json_len = strlen(json_text);
        else snprintf(json_error, sizeof json_error, "out of memory");
    } else {
        snprintf(json_error, sizeof json_error, "%s", err.ptr);
    }
    owed_buf_release(&err);
}

static void openapi_json(struct hreq *rq, struct hresp *rs)
{
    (void)rq;
    pthread_once(&json_once, convert_once);
    if (!json_text) {
        /* A build whose docs/openapi.yaml does not convert: tests/unit and t2070 catch it. */
        hr_problem(rs, 500, "internal_error", "docs/openapi.yaml: %s", json_error);
        return;
    }
    rs->status = 200;
    rs->content_type = "application/json";
    owed_buf_reset(&rs->body);
    owed_buf_add(&rs->body, json_text, json_len);
    owed_buf_addc(&rs->body, '\n');
}

static void openapi_yaml_bytes(struct hreq *rq, struct hresp *rs)
{
    (void)rq;
    const char *yaml = yaml_text();
    rs->status = 200;
    rs->content_type = "application/yaml";
    owed_buf_reset(&rs->body);
    owed_buf_add(&rs->body, yaml, strlen(yaml));
}

const struct http_route http_routes_openapi[] = {
    {"GET", "/api/v1/openapi.json", openapi_json, OWED_PERM_PUBLIC, "read the API description", 0},
    {"GET", "/api/v1/openapi.yaml", openapi_yaml_bytes, OWED_PERM_PUBLIC,
     "read the API description", 0},
    {NULL, NULL, NULL, 0, NULL, 0},
};
