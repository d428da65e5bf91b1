/* Signed webhooks, both ways (docs/webhooks.md): the signature header that outgoing events
 * carry (Owed-Signature) and that a payment gateway sends with its own (Stripe-Signature)
 * have one format,
 *
 *     t=UNIX,v1=HEX[,v1=HEX...]
 *
 * where HEX is the lower-case hex HMAC-SHA256, keyed with the whole shared secret string,
 * of "UNIX.BODY": the decimal timestamp, a dot, and the raw body bytes. The timestamp is
 * signed so that a captured request cannot be replayed later than the receiver's
 * tolerance. Several v1 values let a sender sign with an old and a new secret while the
 * secret is being rotated; other schemes (v0=...) are ignored.
 *
 * And the POST that delivers an outgoing event (libcurl, like io/sms.c). */
#ifndef OWED_IO_WEBHOOK_H
#define OWED_IO_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/smtp.h" /* enum owed_send_result */
#include "owed/buf.h"

#define OWED_SIG_HEX 64         /* HMAC-SHA256 in hex */
#define OWED_SIG_MAX_V1 8       /* v1 values kept from one header; more are ignored */
#define OWED_SIG_HEADER_MAX 4096 /* a longer header is refused unread */
#define OWED_SIG_HEADER_CAP (24 + OWED_SIG_HEX) /* "t=" + 19 digits + ",v1=" + hex + NUL */

/* HEX of HMAC-SHA256(secret, "T.BODY"); body may hold any bytes. */
void owed_sig_compute(const char *secret, int64_t t, const char *body, size_t len,
                      char hex[OWED_SIG_HEX + 1]);

/* The header value "t=T,v1=HEX" for one secret, into out (OWED_SIG_HEADER_CAP bytes). */
void owed_sig_header(const char *secret, int64_t t, const char *body, size_t len,
                     char out[OWED_SIG_HEADER_CAP]);

/* A parsed header. v1 values are lower-cased. */
struct owed_sig_parsed {
    int64_t t;
    char v1[OWED_SIG_MAX_V1][OWED_SIG_HEX + 1];
    size_t nv1;
};

/* Parses header[0..len): comma-separated "key=value" items, spaces around items allowed.
 * Exactly one t (1 to 18 decimal digits) and at least one v1 (64 hex digits) are needed;
 * unknown keys are skipped, v1 values past OWED_SIG_MAX_V1 ignored. OWED_E_PARSE for
 * anything else (no t, two t, a bad t or v1, an item without '=', NUL bytes, longer than
 * OWED_SIG_HEADER_MAX). */
int owed_sig_parse(const char *header, size_t len, struct owed_sig_parsed *out);

/* Verifies a header against body with secret at now_s: OWED_OK when it parses, its t is
 * within tolerance_s of now_s (either way), and one of its v1 values equals the HMAC
 * (compared in constant time). OWED_E_DENIED otherwise, whatever failed: a caller tells
 * the sender no more than "signature". An empty secret never verifies. */
int owed_sig_verify(const char *secret, const char *header, size_t header_len,
                    const char *body, size_t len, int64_t now_s, int64_t tolerance_s);

/* POSTs body (JSON) to url (http:// or https://; redirects are not followed) with the
 * headers "Content-Type: application/json", "Owed-Event-Id: EVENT_ID" and
 * "Owed-Signature: SIGNATURE". timeout_ms bounds the request and the connect (<= 0: 30 s).
 * Returns OWED_SEND_OK for a 2xx status; OWED_SEND_RETRY for 408, 429, 5xx, a connection
 * error or a timeout; OWED_SEND_FAILED for any other status, a bad URL or scheme, or an
 * event id or signature that is not printable ASCII. On RETRY and FAILED one line goes to
 * err (may be NULL): libcurl's error text, or "HTTP 500: " and the start of the answer. */
enum owed_send_result owed_webhook_post(const char *url, const char *body, size_t len,
                                        const char *event_id, const char *signature,
                                        long timeout_ms, struct owed_buf *err);

#endif
