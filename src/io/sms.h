/* Sending one SMS through an HTTP gateway: a JSON POST with an idempotency key, so that
 * the gateway can drop a repeat of a request whose answer we never saw. */
#ifndef OWED_IO_SMS_H
#define OWED_IO_SMS_H

#include "io/smtp.h" /* enum owed_send_result */
#include "owed/buf.h"

/* POSTs {"to":TO,"text":TEXT,"id":IDEMPOTENCY_KEY} (compact JSON, in that order, UTF-8)
 * to url (http:// or https://; redirects are not followed) with the headers
 * "Content-Type: application/json" and "Idempotency-Key: IDEMPOTENCY_KEY".
 * timeout_ms bounds the whole request and the connect; <= 0: 30 s.
 *
 * Returns:
 *   OWED_SEND_OK      a 2xx status;
 *   OWED_SEND_RETRY   408, 429 or 5xx, a connection error or a timeout;
 *   OWED_SEND_FAILED  any other status (other 4xx, 1xx, 3xx), a bad URL or scheme, to or
 *                     text not valid UTF-8, or an idempotency key that is empty, longer
 *                     than 255 bytes or not printable ASCII without spaces; nothing is
 *                     sent in the last three cases.
 * On RETRY and FAILED one line goes to err (which may be NULL): libcurl's error text, or
 * "HTTP 503: " and the start of the response body. */
enum owed_send_result owed_sms_post(const char *url, const char *to, const char *text,
                                    const char *idempotency_key, long timeout_ms,
                                    struct owed_buf *err);

#endif
