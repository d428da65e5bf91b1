/* Composing one email as the exact bytes that go over SMTP (RFC 5322 + MIME).
 *
 * We compose by hand rather than with libcurl's curl_mime because the dunning outbox
 * stores the finished message, byte for byte, when it queues it: that copy is the audit
 * record of what the customer was sent, and sending the stored bytes (never re-rendering
 * them) is what lets a retry after a crash deliver the same message at most once, with the
 * same Message-ID. curl_mime would pick its own boundary and encoding at send time.
 *
 * Output, always 7-bit ASCII with CRLF line endings:
 *
 *     Date: Thu, 05 Mar 2026 09:30:00 +0000
 *     From: Billing <billing@example.com>
 *     To: =?UTF-8?Q?M=C3=BCller_GmbH?= <ap@mueller.example>
 *     Subject: Payment reminder
 *     Message-ID: <outbox-42.org-1@owed.invalid>
 *     MIME-Version: 1.0
 *     Content-Type: text/plain; charset=UTF-8
 *     Content-Transfer-Encoding: quoted-printable
 *
 *     Dear customer, ...
 *
 * With html, the body is multipart/alternative: the text part, then the html part.
 *
 * With attachments, the message is multipart/mixed: first the body above (the text part,
 * or the multipart/alternative part), then one part per attachment, in base64:
 *
 *     Content-Type: application/pdf; name*=UTF-8''Rechnung%20M%C3%BCller.pdf
 *     Content-Transfer-Encoding: base64
 *     Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%BCller.pdf
 *
 *     JVBERi0xLjcNCiXi48/TDQo...
 *
 * A message without attachments is the same bytes as before they existed. */
#ifndef OWED_IO_MAIL_H
#define OWED_IO_MAIL_H

#include <stddef.h>

#include "owed/buf.h"

/* Longest bare address owed_mail_address() accepts (RFC 5321 4.5.3.1.3 path, minus <>). */
#define OWED_MAIL_ADDRESS_MAX 254

/* Longest attachment filename owed_mail_compose() accepts, in bytes of UTF-8. */
#define OWED_MAIL_FILENAME_MAX 255

struct owed_mail_attachment {
    const char *filename;     /* UTF-8, 1..OWED_MAIL_FILENAME_MAX bytes; required */
    const char *content_type; /* "type/subtype" without parameters, e.g. "application/pdf" */
    const void *data;         /* len bytes, any values; may be NULL when len is 0 */
    size_t len;
};

struct owed_mail {
    const char *from;          /* "Name <addr>", "\"Name\" <addr>" or "addr"; required */
    const char *to;            /* the same form, one mailbox; required */
    const char *subject;       /* UTF-8; required, may be "" */
    const char *text;          /* text/plain body, UTF-8; required, may be "" */
    const char *html;          /* text/html alternative, UTF-8, or NULL for text only */
    const char *message_id;    /* without <>, e.g. "outbox-42.org-1@owed.invalid"; required */
    long long date_unix;       /* Date: header, seconds since the epoch, shown in UTC */
    const char *boundary_seed; /* the MIME boundaries are a hash of this; NULL: message_id */
    const struct owed_mail_attachment *attachments; /* n_attachments of them, or NULL */
    size_t n_attachments;
};

/* Appends the message to out; on error out is left unchanged and one message
 * ("FIELD: reason") is appended to err (which may be NULL).
 *
 * Headers: display names and the subject are written as they are when they are plain
 * printable ASCII (names that need it are quoted), otherwise as RFC 2047 encoded-words
 * (UTF-8, Q encoding); an ASCII subject that contains "=?" is encoded too, so that it is
 * not decoded as one. Header lines are folded so that none passes 76 columns, except
 * where one address alone is longer. Bodies are quoted-printable UTF-8 (RFC 2045 6.7):
 * lines of at most 76 characters with soft breaks, "\n" and "\r\n" in the input both
 * becoming CRLF, and a CRLF added at the end when the text does not end with a newline.
 * A line of the body that starts with "." is left as it is: the SMTP client dot-stuffs
 * (smtp.h). The boundary is "=_owed_" and 16 hex digits (of multipart/mixed:
 * "=_owed_mixed_" and the same digits); "=_" never occurs in quoted-printable or base64
 * text, so it cannot collide with a body line.
 *
 * Attachments are base64 (RFC 2045 6.8) in lines of 76 characters. The filename is given
 * twice, as Content-Disposition filename and as Content-Type name (older readers look
 * there): quoted when it is printable ASCII without '"', '\' or "=?" and fits on a line,
 * otherwise RFC 2231 UTF-8 (filename*=UTF-8''...), in numbered sections of whole
 * characters (filename*0*=...; filename*1*=...) where one line would not hold it. A
 * content type too long for a line (a few vnd.* types) is the other header that may pass
 * 76 columns.
 *
 * Returns, checking the fields in the order of the struct:
 *   OWED_E_INVALID   a header input contains CR or LF ("subject: contains CR or LF"), or
 *                    another control character; from or to is not a plausible address
 *                    ("to: not a plausible address") or is longer than
 *                    OWED_MAIL_ADDRESS_MAX ("to: address too long");
 *                    message_id is not "left@right" in printable ASCII without <> or
 *                    spaces; a text is not valid UTF-8; date_unix is before 1970 or after
 *                    9999;
 *                    an attachment's filename is empty, longer than OWED_MAIL_FILENAME_MAX,
 *                    starts or ends with a blank (readers drop those), contains a control
 *                    character or is not valid UTF-8
 *                    ("attachments[1].filename: contains CR or LF"), or its content_type
 *                    is not a type/subtype pair of RFC 2045 tokens (at most 127
 *                    characters each), or is multipart/... or message/..., which must not
 *                    be base64 ("attachments[0].content_type: not a type/subtype token");
 *   OWED_E_TOO_LARGE the message would pass out->max (checked from the attachments' sizes
 *                    before any of them is encoded). */
int owed_mail_compose(const struct owed_mail *m, struct owed_buf *out, struct owed_buf *err);

/* Copies the bare address of "Name <addr>" or "addr" (surrounding spaces ignored) into
 * out[0..outsz) with its NUL. Plausible means: printable ASCII without spaces or any of
 * ()<>[]\,;:" and no CR/LF; one "@" with a non-empty local part before it and a domain
 * after it that neither starts nor ends with "." and has no "..". Internationalized
 * addresses (RFC 6531) and quoted local parts are not accepted.
 *
 * OWED_E_INVALID when it is not plausible (or, in the "Name <addr>" form, nothing but
 * spaces follows the ">"); OWED_E_TOO_LARGE when the address is longer than
 * OWED_MAIL_ADDRESS_MAX or does not fit in outsz. out is untouched on error. */
int owed_mail_address(const char *s, char *out, size_t outsz);

#endif
