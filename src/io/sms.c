/* SMS through an HTTP gateway (see sms.h): jansson builds the JSON, libcurl posts it. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/sms.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define KEY_MAX 255
#define BODY_SHOWN_MAX 200 /* of the gateway's answer, in the error message */

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

/* Keeps the start of the answer, for the error message. */
static size_t write_cb(char *data, size_t size, size_t nitems, void *userp)
{
    struct owed_buf *b = userp;
    size_t n = size * nitems;
    for (size_t i = 0; i < n && b->len < BODY_SHOWN_MAX; i++) {
        unsigned char c = (unsigned char)data[i];
        owed_buf_addc(b, (c < 0x20 || c == 0x7F) ? ' ' : (char)c);
    }
    return n;
}

static enum owed_send_result classify_status(long status)
{
    if (status >= 200 && status <= 299) return OWED_SEND_OK;
    if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
        return OWED_SEND_RETRY;
    }
    return OWED_SEND_FAILED;
}

static enum owed_send_result post(const char *url, const char *body, const char *key,
                                  long timeout_ms, struct owed_buf *err)
{
    char errbuf[CURL_ERROR_SIZE] = "", keyhdr[KEY_MAX + 32];
    struct owed_buf answer = OWED_BUF_INIT(0);
    snprintf(keyhdr, sizeof keyhdr, "Idempotency-Key: %s", key);
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, keyhdr);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    OWED_ASSERT(hdrs);
    owed__curl_init_once();
    CURL *h = curl_easy_init();
    OWED_ASSERT(h);
    timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_USERAGENT, "owed");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    enum owed_send_result res =
        rc == CURLE_OK ? classify_status(status) : owed__curl_classify((int)rc);
    if (res != OWED_SEND_OK && err) {
        if (rc != CURLE_OK) {
            owed_buf_addf(err, "sms: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        } else {
            owed_buf_addf(err, "sms: HTTP %ld: %s", status, answer.ptr);
        }
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    owed_buf_release(&answer);
    return res;
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
