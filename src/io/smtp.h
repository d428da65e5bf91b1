/* Sending one composed message (io/mail.h) over SMTP with libcurl.
 *
 * The bytes are sent as they are: libcurl adds the SMTP transport layer only, which is
 * dot-stuffing (a "." is doubled at the start of every line, including the first, RFC 5321
 * 4.5.2; libcurl 7.88 does this itself in Curl_smtp_escape_eob, see tests/unit/
 * u_smtp_send.c) and the end-of-data marker. A receiving server undoes the stuffing, so it
 * stores exactly msg[0..len). */
#ifndef OWED_IO_SMTP_H
#define OWED_IO_SMTP_H

#include <stddef.h>

#include "owed/buf.h"

struct owed_smtp_conf {
    const char *url;      /* smtp://host:port (STARTTLS when offered; required when user is
                             set, so a password never goes out in clear) or smtps://host:port */
    const char *user;     /* NULL: no AUTH */
    const char *password;
    long timeout_ms;      /* whole conversation and the connect; <= 0: 60 s */
};

/* Shared by the delivery channels (smtp.h, sms.h). */
enum owed_send_result {
    OWED_SEND_OK = 0,     /* accepted by the server */
    OWED_SEND_RETRY = 1,  /* not accepted this time; the same bytes may be sent again later */
    OWED_SEND_FAILED = 2, /* refused for good, or the request itself is unusable */
};

/* Sends msg[0..len) from from_addr to rcpt[0..nrcpt) (bare addresses, owed_mail_address
 * form) in one SMTP transaction, on a connection of its own.
 *
 * before_eod, when set, is called exactly once after the whole message has been handed to
 * libcurl (and libcurl has written it out) and before the end-of-data marker (CRLF.CRLF)
 * goes out; if it returns non-zero the transfer is aborted by dropping the connection
 * without the marker, so the server discards the message. This is the hook the outbox
 * uses to record "the server may now have it" before the point of no return. It is not
 * called when the transaction fails earlier (connection, greeting, AUTH, MAIL, RCPT).
 *
 * Returns:
 *   OWED_SEND_OK      the server answered 250 after the data;
 *   OWED_SEND_RETRY   connection errors, timeouts, a 4xx reply, or before_eod returned
 *                     non-zero. Note: when before_eod has been called and returned 0, a
 *                     RETRY (the connection broke or timed out before the final reply)
 *                     means the server may or may not have taken the message;
 *   OWED_SEND_FAILED  a 5xx reply (any one recipient refused fails the whole transaction:
 *                     nothing is sent to the others), a bad URL or an unsupported scheme,
 *                     STARTTLS required but not offered, or a message that cannot go over
 *                     SMTP as it is (empty, a bare CR or LF, a line over 998 bytes, not
 *                     ending in CRLF) or an implausible address; nothing is sent then.
 * On RETRY and FAILED one line goes to err (which may be NULL): libcurl's error text and,
 * when there was one, the server's last reply ("...; server said: 550 5.1.1 ..."). The
 * password never appears in it. */
enum owed_send_result owed_smtp_send(const struct owed_smtp_conf *c, const char *from_addr,
                                     const char *const *rcpt, size_t nrcpt, const char *msg,
                                     size_t len, int (*before_eod)(void *ctx), void *ctx,
                                     struct owed_buf *err);

/* Internal, shared with sms.c. Calls curl_global_init once per process (pthread_once);
 * aborts when libcurl cannot initialise. */
void owed__curl_init_once(void);
/* Internal, shared with sms.c: OWED_SEND_FAILED for the libcurl codes (CURLcode) that
 * sending again cannot fix (bad URL, unsupported protocol, option errors, TLS required but
 * unavailable, login denied), OWED_SEND_RETRY for all the others. */
enum owed_send_result owed__curl_classify(int curl_code);

#endif
