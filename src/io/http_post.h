/* One JSON POST over libcurl, as the outbox's HTTP channels (SMS, webhooks) deliver: the
 * answer's status says whether it arrived, is worth retrying, or failed for good. */
#ifndef OWED_IO_HTTP_POST_H
#define OWED_IO_HTTP_POST_H

#include <stddef.h>

#include "io/smtp.h" /* enum owed_send_result */
#include "owed/buf.h"

/* POSTs body (len bytes, Content-Type: application/json) to an http(s) url with the extra
 * header lines `headers` ("Name: value", NULL-terminated). 2xx: OWED_SEND_OK; 408, 429,
 * 5xx and transport errors worth retrying: OWED_SEND_RETRY; else OWED_SEND_FAILED, with
 * "WHAT: HTTP 404: <the answer's start>" (or the transport error) appended to err.
 * timeout_ms <= 0: 30 s. */
enum owed_send_result owed__http_post_json(const char *what, const char *url, const char *body,
                                           size_t len, const char *const *headers,
                                           const char *user_agent, long timeout_ms,
                                           struct owed_buf *err);

#endif
