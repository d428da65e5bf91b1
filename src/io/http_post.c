/* A JSON POST over libcurl (io/http_post.h). */
#include <curl/curl.h>
#include <string.h>

#include "base.h"
#include "io/http_post.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define ANSWER_SHOWN_MAX 200 /* of the receiver's answer, in the error message */

/* Keeps the start of the answer, for the error message. */
static size_t write_cb(char *data, size_t size, size_t nitems, void *userp)
{
    struct owed_buf *b = userp;
    size_t n = size * nitems;
    for (size_t i = 0; i < n && b->len < ANSWER_SHOWN_MAX; i++) {
        unsigned char c = (unsigned char)data[i];
        owed_buf_addc(b, (c < 0x20 || c == 0x7F) ? ' ' : (char)c);
    }
    return n;
}

static enum owed_send_result classify_status(long status)
{
    if (status >= 200 && status <= 299) return OWED_SEND_OK;
    if (status == 408 || status == 429 || (status >= 500 && status <= 599)) return OWED_SEND_RETRY;
    return OWED_SEND_FAILED;
}

enum owed_send_result owed__http_post_json(const char *what, const char *url, const char *body,
                                           size_t len, const char *const *headers,
                                           const char *user_agent, long timeout_ms,
                                           struct owed_buf *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    for (size_t i = 0; headers && headers[i]; i++) hdrs = curl_slist_append(hdrs, headers[i]);
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    OWED_ASSERT(hdrs);
    owed__curl_init_once();
    CURL *h = curl_easy_init();
    OWED_ASSERT(h);
    timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
    struct owed_buf answer = OWED_BUF_INIT(0);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    enum owed_send_result res =
        rc == CURLE_OK ? classify_status(status) : owed__curl_classify((int)rc);
    if (res != OWED_SEND_OK && err) {
        if (rc != CURLE_OK)
            owed_buf_addf(err, "%s: %s", what, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        else
            owed_buf_addf(err, "%s: HTTP %ld: %s", what, status, answer.ptr ? answer.ptr : "");
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    owed_buf_release(&answer);
    return res;
}
