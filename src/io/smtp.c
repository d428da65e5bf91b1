/* One SMTP transaction with libcurl (see smtp.h).
 *
 * libcurl does the SMTP transport for us: it dot-stuffs the upload as it reads it
 * (Curl_smtp_escape_eob doubles a "." after every CRLF, and at the very start too, since
 * it begins in the state "just after CRLF") and then sends the end-of-data marker from
 * smtp_done(), after the read callback has reported the end of the data. That order is
 * what before_eod relies on: it runs inside the read callback's last call, when every
 * earlier buffer has been written to the socket and the marker has not. CURLOPT_INFILESIZE
 * stays unset on purpose: with a known size libcurl stops after the last byte without
 * asking the callback again, and the hook would never run. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "io/mail.h"
#include "io/smtp.h"

#define DEFAULT_TIMEOUT_MS 60000L
#define SMTP_LINE_MAX 998 /* RFC 5321 4.5.3.1.6, without the CRLF */
#define REPLY_MAX 200     /* of the server's reply, kept for the error message */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void) { OWED_ASSERT(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); }

void owed__curl_init_once(void) { OWED_ASSERT(pthread_once(&curl_once, curl_init) == 0); }

enum owed_send_result owed__curl_classify(int curl_code)
{
    switch ((CURLcode)curl_code) {
    case CURLE_OK:
        return OWED_SEND_OK;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_FAILED_INIT:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_LOGIN_DENIED:
        return OWED_SEND_FAILED;
    default:
        return OWED_SEND_RETRY;
    }
}

/* Why msg[0..len) cannot go over SMTP unchanged, or NULL. libcurl would send bare CR or
 * LF as they are and servers treat them differently; we rather refuse. */
static const char *message_problem(const char *msg, size_t len)
{
    if (len < 2 || msg[len - 2] != '\r' || msg[len - 1] != '\n') {
        return "message does not end with CRLF";
    }
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r') {
            if (i + 1 == len || msg[i + 1] != '\n') return "message has a bare CR";
            i++;
            col = 0;
        } else if (msg[i] == '\n') {
            return "message has a bare LF";
        } else if (msg[i] == '\0') {
            return "message has a NUL byte";
        } else if (++col > SMTP_LINE_MAX) {
            return "message has a line longer than 998 bytes";
        }
    }
    return NULL;
}

struct upload {
    const char *msg;
    size_t len, off;
    int (*before_eod)(void *ctx);
    void *ctx;
    int eod_calls;
    bool refused;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
    struct upload *u = userp;
    size_t room = size * nitems;
    if (u->off < u->len) {
        size_t n = u->len - u->off < room ? u->len - u->off : room;
        memcpy(buf, u->msg + u->off, n);
        u->off += n;
        return n;
    }
    if (u->before_eod && u->eod_calls++ == 0 && u->before_eod(u->ctx) != 0) {
        u->refused = true;
    }
    return u->refused ? CURL_READFUNC_ABORT : 0;
}

/* Keeps the server's last 4xx or 5xx reply line (libcurl reports each line as
 * CURLINFO_HEADER_IN), cut and with control bytes shown as '?', for the error message.
 * Later lines do not replace it: after a refusal libcurl still sends QUIT and gets 221. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
    (void)h;
    if (type != CURLINFO_HEADER_IN || size < 3 || (data[0] != '4' && data[0] != '5')) return 0;
    char *line = userp;
    size_t n = 0;
    for (size_t i = 0; i < size && n < REPLY_MAX && data[i] != '\r' && data[i] != '\n'; i++) {
        unsigned char c = (unsigned char)data[i];
        line[n++] = (c < 0x20 || c >= 0x7F) ? '?' : (char)c;
    }
    line[n] = '\0';
    return 0;
}

/* Checks the envelope; FAILED with a message in err when it is unusable. */
static enum owed_send_result check_envelope(const char *from_addr, const char *const *rcpt,
                                            size_t nrcpt, struct owed_buf *err)
{
    char bare[OWED_MAIL_ADDRESS_MAX + 1];
    if (owed_mail_address(from_addr, bare, sizeof bare) || strcmp(bare, from_addr) != 0) {
        if (err) owed_buf_adds(err, "smtp: from_addr: not a plausible bare address");
        return OWED_SEND_FAILED;
    }
    if (nrcpt == 0) {
        if (err) owed_buf_adds(err, "smtp: no recipients");
        return OWED_SEND_FAILED;
    }
    for (size_t i = 0; i < nrcpt; i++) {
        if (owed_mail_address(rcpt[i], bare, sizeof bare) || strcmp(bare, rcpt[i]) != 0) {
            if (err) owed_buf_addf(err, "smtp: rcpt[%zu]: not a plausible bare address", i);
            return OWED_SEND_FAILED;
        }
    }
    return OWED_SEND_OK;
}

static void set_options(CURL *h, const struct owed_smtp_conf *c, const char *from,
                        struct curl_slist *rcpts, struct upload *u, char *errbuf, char *reply)
{
    long timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DEFAULT_TIMEOUT_MS;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    /* Opportunistic STARTTLS without credentials; required with them. */
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(c->user ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (c->user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, u);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    /* VERBOSE only feeds debug_cb, which keeps the server's replies; nothing is printed. */
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, reply);
}

/* The result of a finished transfer: the server's code decides when there is one. */
static enum owed_send_result classify(CURLcode rc, long code, const struct upload *u)
{
    if (rc == CURLE_OK) return OWED_SEND_OK;
    if (u->refused) return OWED_SEND_RETRY;
    if (code >= 500 && code <= 599) return OWED_SEND_FAILED;
    if (code >= 400 && code <= 499) return OWED_SEND_RETRY;
    return owed__curl_classify((int)rc);
}

/* "smtp: <libcurl's text>; server said: <the reply with the final code>". */
static void add_error(struct owed_buf *err, CURLcode rc, long code, const struct upload *u,
                      const char *errbuf, const char *reply)
{
    if (u->refused) {
        owed_buf_adds(err, "smtp: aborted before end of data (before_eod refused)");
        return;
    }
    owed_buf_addf(err, "smtp: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    char digits[16];
    snprintf(digits, sizeof digits, "%03ld", code);
    if (code >= 400 && code <= 599 && strncmp(reply, digits, 3) == 0) {
        owed_buf_addf(err, "; server said: %s", reply);
    }
}

enum owed_send_result owed_smtp_send(const struct owed_smtp_conf *c, const char *from_addr,
                                     const char *const *rcpt, size_t nrcpt, const char *msg,
                                     size_t len, int (*before_eod)(void *ctx), void *ctx,
                                     struct owed_buf *err)
{
    OWED_ASSERT(c && c->url && from_addr && (rcpt || nrcpt == 0) && (msg || len == 0));
    enum owed_send_result res = check_envelope(from_addr, rcpt, nrcpt, err);
    if (res != OWED_SEND_OK) return res;
    const char *why = message_problem(msg, len);
    if (why) {
        if (err) owed_buf_addf(err, "smtp: %s", why);
        return OWED_SEND_FAILED;
    }
    owed__curl_init_once();
    CURL *h = curl_easy_init();
    OWED_ASSERT(h);
    struct curl_slist *rcpts = NULL;
    char angle[OWED_MAIL_ADDRESS_MAX + 3];
    for (size_t i = 0; i < nrcpt; i++) {
        snprintf(angle, sizeof angle, "<%s>", rcpt[i]);
        rcpts = curl_slist_append(rcpts, angle);
        OWED_ASSERT(rcpts);
    }
    char from[OWED_MAIL_ADDRESS_MAX + 3];
    snprintf(from, sizeof from, "<%s>", from_addr);
    struct upload u = {msg, len, 0, before_eod, ctx, 0, false};
    char errbuf[CURL_ERROR_SIZE] = "", reply[REPLY_MAX + 1] = "";
    set_options(h, c, from, rcpts, &u, errbuf, reply);

    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    res = classify(rc, code, &u);
    /* Delivered without the hook would break the outbox's at-most-once bookkeeping: a
     * libcurl that stops reading at the end of the data must not go unnoticed. */
    OWED_ASSERT(res != OWED_SEND_OK || !before_eod || u.eod_calls == 1);
    if (res != OWED_SEND_OK && err) add_error(err, rc, code, &u, errbuf, reply);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(h);
    return res;
}
