/* SMS through an HTTP gateway (see sms.h): jansson builds the JSON, libcurl posts it. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/http_post.h"
#include "io/sms.h"

#define KEY_MAX 255

static bool key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > KEY_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        if (key[i] <= 0x20 || key[i] >= 0x7F) return false;
    }
    return true;
}

/* {"to":…,"text":…,"id":…}, or NULL when to or text is not valid UTF-8 (*field says
 * which). Free with free(). */
static char *make_body(const char *to, const char *text, const char *key, const char **field)
{
    json_t *jto = json_string(to), *jtext = json_string(text);
    char *body = NULL;
    *field = !jto ? "to" : !jtext ? "text" : NULL;
    if (!*field) {
        json_t *o = json_object();
        OWED_ASSERT(o);
        json_object_set(o, "to", jto);
        json_object_set(o, "text", jtext);
        json_object_set_new(o, "id", json_string(key));
        body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        OWED_ASSERT(body);
        json_decref(o);
    }
    json_decref(jto);
    json_decref(jtext);
    return body;
}

static enum owed_send_result post(const char *url, const char *body, const char *key,
                                  long timeout_ms, struct owed_buf *err)
{
    char keyhdr[KEY_MAX + 32];
    snprintf(keyhdr, sizeof keyhdr, "Idempotency-Key: %s", key);
    const char *const headers[] = {keyhdr, NULL};
    return owed__http_post_json("sms", url, body, strlen(body), headers, "owed", timeout_ms, err);
}

enum owed_send_result owed_sms_post(const char *url, const char *to, const char *text,
                                    const char *idempotency_key, long timeout_ms,
                                    struct owed_buf *err)
{
    OWED_ASSERT(url && to && text && idempotency_key);
    if (!key_ok(idempotency_key)) {
        if (err) owed_buf_adds(err, "sms: idempotency key: empty, too long or not printable");
        return OWED_SEND_FAILED;
    }
    const char *field;
    char *body = make_body(to, text, idempotency_key, &field);
    if (!body) {
        if (err) owed_buf_addf(err, "sms: %s: not valid UTF-8", field);
        return OWED_SEND_FAILED;
    }
    enum owed_send_result res = post(url, body, idempotency_key, timeout_ms, err);
    free(body);
    return res;
}
