/* libFuzzer harness for YAML to JSON (src/io/yaml_json.c): convert arbitrary bytes. Never
 * crashes, leaks or recurses without bound; an error leaves *out untouched and says where
 * ("line L, column C: ..."); a success leaves err untouched and gives a document that
 * jansson writes and reads back equal (valid UTF-8, no NaN or infinity, nesting within the
 * limit), the same on a second conversion. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base.h"
#include "io/yaml_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t depth_of(const json_t *v)
{
    size_t deepest = 0, d;
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) if ((d = depth_of(x)) > deepest) deepest = d;
        return deepest + 1;
    }
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x) if ((d = depth_of(x)) > deepest) deepest = d;
        return deepest + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    json_t *sentinel = json_null(), *doc = sentinel;
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_yaml_to_json(src, size, &doc, &err);
    if (rc) {
        OWED_ASSERT(rc == OWED_E_PARSE || (rc == OWED_E_TOO_LARGE && size > OWED_YAML_MAX_BYTES));
        OWED_ASSERT(doc == sentinel && err.len > 0);
        OWED_ASSERT(rc != OWED_E_PARSE ||
                    (strncmp(err.ptr, "line ", 5) == 0 && strstr(err.ptr, ", column ")));
        owed_buf_release(&err);
        return 0;
    }
    OWED_ASSERT(doc != NULL && err.len == 0);
    OWED_ASSERT(depth_of(doc) <= OWED_YAML_DEPTH_MAX);

    size_t flags = JSON_ENCODE_ANY | JSON_COMPACT;
    char *text = json_dumps(doc, flags);
    OWED_ASSERT(text != NULL);
    json_error_t je;
    json_t *back = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    OWED_ASSERT(back != NULL && json_equal(doc, back));

    json_t *again = NULL;
    OWED_ASSERT(owed_yaml_to_json(src, size, &again, NULL) == OWED_OK);
    OWED_ASSERT(json_equal(doc, again));

    json_decref(again);
    json_decref(back);
    free(text);
    json_decref(doc);
    owed_buf_release(&err);
    return 0;
}
