/* libFuzzer harness for email composition (src/io/mail.c).
 *
 * Input: one flag byte (bit 0: with an html part), five bytes of date, then the fields
 * from, to, subject, text, html, message_id and boundary_seed separated by NUL bytes
 * (missing ones are "").
 *
 * Checked: owed_mail_address() accepts only what it would accept again unchanged, and
 * never anything with CR, LF or a space; owed_mail_compose() never succeeds when a header
 * input holds CR or LF, and when it succeeds the output is 7-bit with CRLF line ends only,
 * has exactly our header fields in our order (no injected ones), Subject lines and body
 * lines of at most 76 columns, the same bytes when composed again, and decodes back to the
 * inputs: the subject (unfolded, RFC 2047) and the body parts (quoted-printable). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 7

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void check_address(const char *s)
{
    char out[OWED_MAIL_ADDRESS_MAX + 1], again[OWED_MAIL_ADDRESS_MAX + 1];
    if (owed_mail_address(s, out, sizeof out) != OWED_OK) return;
    OWED_ASSERT(!strpbrk(s, "\r\n"));
    OWED_ASSERT(!strpbrk(out, "\r\n \t<>"));
    OWED_ASSERT(strlen(out) <= OWED_MAIL_ADDRESS_MAX);
    const char *at = strchr(out, '@');
    OWED_ASSERT(at && at > out && at[1] && !strchr(at + 1, '@'));
    OWED_ASSERT(owed_mail_address(out, again, sizeof again) == OWED_OK);
    OWED_ASSERT(strcmp(out, again) == 0);
}

/* Every line ends in CRLF, is 7-bit and at most 998 bytes. */
static void check_lines(const char *msg, size_t len)
{
    size_t col = 0;
    OWED_ASSERT(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
    for (size_t i = 0; i < len; i++) {
        OWED_ASSERT((unsigned char)msg[i] < 0x80 && msg[i] != '\0' && msg[i] != '\n');
        if (msg[i] == '\r') {
            OWED_ASSERT(i + 1 < len && msg[i + 1] == '\n');
            i++;
            col = 0;
        } else {
            OWED_ASSERT(++col <= 998);
        }
    }
}

/* The header fields, in order; returns the start of the body. The Subject's unfolded value
 * goes to subject. */
static const char *check_headers(const char *msg, bool html, struct owed_buf *subject)
{
    static const char *const single[] = {"Date", "From", "To", "Subject", "Message-ID",
                                         "MIME-Version", "Content-Type",
                                         "Content-Transfer-Encoding"};
    size_t want = html ? 7 : 8, n = 0;
    const char *p = msg;
    bool in_subject = false;
    while (strncmp(p, "\r\n", 2) != 0) {
        const char *e = strstr(p, "\r\n");
        if (*p == ' ' || *p == '\t') {
            OWED_ASSERT(n > 0);
            if (in_subject) {
                OWED_ASSERT(e - p <= 76);
                owed_buf_add(subject, p, (size_t)(e - p));
            }
        } else {
            OWED_ASSERT(n < want);
            size_t nl = strlen(single[n]);
            OWED_ASSERT(strncmp(p, single[n], nl) == 0 && p[nl] == ':' && p[nl + 1] == ' ');
            in_subject = n == 3;
            if (in_subject) {
                OWED_ASSERT(e - p <= 76);
                owed_buf_add(subject, p + nl + 2, (size_t)(e - p - (ptrdiff_t)nl - 2));
            }
            n++;
        }
        p = e + 2;
    }
    OWED_ASSERT(n == want);
    return p + 2;
}

/* RFC 2047 decoding of the unfolded subject (Q encoded-words only). */
static void decode_ew(const char *v, struct owed_buf *out)
{
    bool prev_ew = false;
    const char *p = v;
    while (*p) {
        const char *ws = p;
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, "=?UTF-8?Q?", 10) == 0) {
            if (!prev_ew) owed_buf_add(out, ws, (size_t)(p - ws));
            const char *e = strstr(p + 10, "?=");
            OWED_ASSERT(e && e - p + 2 <= 75);
            for (const char *q = p + 10; q < e; q++) {
                if (*q == '_') {
                    owed_buf_addc(out, ' ');
                } else if (*q == '=') {
                    OWED_ASSERT(hexval(q[1]) >= 0 && hexval(q[2]) >= 0);
                    owed_buf_addc(out, (char)(hexval(q[1]) * 16 + hexval(q[2])));
                    q += 2;
                } else {
                    owed_buf_addc(out, *q);
                }
            }
            p = e + 2;
            prev_ew = true;
        } else {
            owed_buf_add(out, ws, (size_t)(p - ws));
            const char *w = p;
            while (*p && *p != ' ' && *p != '\t') p++;
            owed_buf_add(out, w, (size_t)(p - w));
            prev_ew = false;
        }
    }
}

/* Decodes the quoted-printable body[0..len) (lines of at most 76 columns) and compares it
 * with text, whose line ends may be "\n" or "\r\n"; the final line end is optional. */
static void check_qp(const char *body, size_t len, const char *text)
{
    struct owed_buf got = OWED_BUF_INIT(0), want = OWED_BUF_INIT(0);
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        if (body[i] == '\r') {
            OWED_ASSERT(col <= 76);
            OWED_ASSERT(i == 0 || (body[i - 1] != ' ' && body[i - 1] != '\t'));
            owed_buf_addc(&got, '\n');
            i++;
            col = 0;
        } else if (body[i] == '=' && body[i + 1] == '\r') {
            OWED_ASSERT(col + 1 <= 76);
            i += 2;
            col = 0;
        } else if (body[i] == '=') {
            OWED_ASSERT(hexval(body[i + 1]) >= 0 && hexval(body[i + 2]) >= 0);
            owed_buf_addc(&got, (char)(hexval(body[i + 1]) * 16 + hexval(body[i + 2])));
            i += 2;
            col += 3;
        } else {
            owed_buf_addc(&got, body[i]);
            col++;
        }
    }
    for (size_t i = 0; text[i]; i++) {
        if (text[i] == '\r' && text[i + 1] == '\n') continue;
        owed_buf_addc(&want, text[i]);
    }
    if (want.len == 0 || want.ptr[want.len - 1] != '\n') owed_buf_addc(&want, '\n');
    OWED_ASSERT(got.len == want.len && memcmp(got.ptr, want.ptr, got.len) == 0);
    owed_buf_release(&got);
    owed_buf_release(&want);
}

static void check_message(const struct owed_mail *m, const char *msg, size_t len)
{
    struct owed_buf subject = OWED_BUF_INIT(0), decoded = OWED_BUF_INIT(0);
    check_lines(msg, len);
    const char *body = check_headers(msg, m->html != NULL, &subject);
    decode_ew(subject.ptr, &decoded);
    OWED_ASSERT(strcmp(decoded.ptr, m->subject) == 0);
    if (!m->html) {
        check_qp(body, (size_t)(msg + len - body), m->text);
    } else {
        const char *texts[2] = {m->text, m->html};
        const char *b = strstr(body, "--=_owed_");
        OWED_ASSERT(b == body);
        for (int part = 0; part < 2; part++) {
            const char *start = strstr(b, "\r\n\r\n") + 4;
            const char *end = strstr(start, "--=_owed_");
            OWED_ASSERT(end);
            check_qp(start, (size_t)(end - start), texts[part]);
            b = end;
        }
        OWED_ASSERT(strncmp(b + 25, "--\r\n", 4) == 0 && b + 29 == msg + len);
    }
    owed_buf_release(&subject);
    owed_buf_release(&decoded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6) return 0;
    bool html = data[0] & 1;
    long long date = 0;
    for (int i = 1; i < 6; i++) date = date << 8 | data[i];
    date -= 1LL << 20; /* some negative dates too */
    /* The fields, NUL-separated, copied so that each is a C string. */
    char *copy = owed_xmalloc(size - 6 + 1);
    memcpy(copy, data + 6, size - 6);
    copy[size - 6] = '\0';
    const char *f[NFIELDS];
    char *p = copy, *end = copy + (size - 6);
    for (int i = 0; i < NFIELDS; i++) {
        f[i] = p <= end ? p : "";
        if (p <= end) p += strlen(p) + 1;
    }
    for (int i = 0; i < NFIELDS; i++) check_address(f[i]);

    struct owed_mail m = {f[0], f[1], f[2], f[3], html ? f[4] : NULL, f[5], date, f[6], NULL, 0};
    struct owed_buf out = OWED_BUF_INIT(1 << 20), again = OWED_BUF_INIT(1 << 20);
    int rc = owed_mail_compose(&m, &out, NULL);
    bool injected = strpbrk(m.from, "\r\n") || strpbrk(m.to, "\r\n") ||
                    strpbrk(m.subject, "\r\n") || strpbrk(m.message_id, "\r\n");
    if (injected) OWED_ASSERT(rc == OWED_E_INVALID);
    OWED_ASSERT(rc == OWED_OK || rc == OWED_E_INVALID);
    if (rc == OWED_OK) {
        check_message(&m, out.ptr, out.len);
        OWED_ASSERT(owed_mail_compose(&m, &again, NULL) == OWED_OK);
        OWED_ASSERT(again.len == out.len && memcmp(again.ptr, out.ptr, out.len) == 0);
    } else {
        OWED_ASSERT(out.len == 0);
    }
    owed_buf_release(&out);
    owed_buf_release(&again);
    free(copy);
    return 0;
}
