/* Unit tests for email composition (src/io/mail.c).
 *
 * Exact bytes for a plain ASCII text-only message and for a UTF-8 one with an HTML
 * alternative (checked once with Python's email package, which decodes every header and
 * part back to the inputs); then properties over many inputs with decoders written here,
 * independent of the encoder: every line ends in CRLF and is at most 76 columns, unfolding
 * and RFC 2047-decoding a header gives the input back, decoding the quoted-printable body
 * gives the input text back. Then the refusals: CR/LF in any header input (header
 * injection), bad UTF-8, bad addresses and Message-IDs, dates, the size cap; and
 * owed_mail_address() on a table of inputs.
 *
 * Attachments: exact bytes of a small multipart/mixed message; then python3's email
 * package (run on a temporary file; the test is skipped without python3) decodes
 * composed messages and must find every part with its content type, disposition,
 * filename (quoted, RFC 2231, in sections over several lines) and exact bytes, and no
 * defect; base64 around every group and line length; deterministic boundaries, distinct
 * for the mixed and the alternative part; refused filenames and content types; the size
 * cap, also for lengths too large to encode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base.h"
#include "io/mail.h"

#define T_2026_03_05_0930 1772703000LL

static char *compose_ok(const struct owed_mail *m, size_t *len)
{
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_mail_compose(m, &out, &err);
    if (rc) print_error("compose: rc %d: %s\n", rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0); /* untouched on success */
    owed_buf_release(&err);
    return owed_buf_detach(&out, len);
}

/* Compares with a readable report of the first difference. */
static void assert_bytes(const char *got, size_t got_len, const char *want)
{
    size_t want_len = strlen(want), i = 0;
    while (i < got_len && i < want_len && got[i] == want[i]) i++;
    if (i == got_len && i == want_len) return;
    print_error("differs at byte %zu\n--- want:\n%s\n--- got:\n%.*s\n", i, want, (int)got_len,
                got);
    fail();
}

/* --- exact bytes ---------------------------------------------------------------------- */

static void t_ascii_text_only(void **state)
{
    (void)state;
    struct owed_mail m = {
        .from = "Billing <billing@example.com>",
        .to = "ap@customer.example",
        .subject = "Payment reminder: invoice 2026-0042",
        .text = "Dear customer,\n\ninvoice 2026-0042 (total = EUR 1,234.50) is overdue. \n"
                "Kind regards",
        .message_id = "outbox-42.org-1@owed.invalid",
        .date_unix = T_2026_03_05_0930,
        .boundary_seed = "unused without html",
    };
    const char *want = "Date: Thu, 05 Mar 2026 09:30:00 +0000\r\n"
                       "From: Billing <billing@example.com>\r\n"
                       "To: ap@customer.example\r\n"
                       "Subject: Payment reminder: invoice 2026-0042\r\n"
                       "Message-ID: <outbox-42.org-1@owed.invalid>\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=UTF-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n"
                       "\r\n"
                       "Dear customer,\r\n"
                       "\r\n"
                       "invoice 2026-0042 (total =3D EUR 1,234.50) is overdue.=20\r\n"
                       "Kind regards\r\n";
    size_t len;
    char *got = compose_ok(&m, &len);
    assert_bytes(got, len, want);
    free(got);
}

static const char utf8_html_want[] =
    "Date: Thu, 05 Mar 2026 09:30:00 +0000\r\n"
    "From: \"Example Co. KG\" <billing@example.com>\r\n"
    "To: =?UTF-8?Q?M=C3=BCller_GmbH?= <ap@mueller.example>\r\n"
    "Subject: =?UTF-8?Q?Zahlungserinnerung_=E2=80=93_M=C3=BCller_GmbH?=\r\n"
    "Message-ID: <outbox-43.org-1@owed.invalid>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"=_owed_152c4c4fd7951e9e\"\r\n"
    "\r\n"
    "--=_owed_152c4c4fd7951e9e\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Sehr geehrte Damen und Herren,\r\n"
    "\r\n"
    "die Rechnung 2026-0042 =C3=BCber 1.234,50 =E2=82=AC ist seit 14 Tagen f=\r\n"
    "=C3=A4llig. Bitte =C3=BCberweisen Sie den Betrag =3D 1.234,50 =E2=82=AC bis=\r\n"
    " zum 19.03.2026.\r\n"
    ".\r\n"
    "Mit freundlichen Gr=C3=BC=C3=9Fen=20\r\n"
    "--=_owed_152c4c4fd7951e9e\r\n"
    "Content-Type: text/html; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Sehr geehrte Damen und Herren,</p>\r\n"
    "<p>die Rechnung <b>2026-0042</b> =C3=BCber 1.234,50&nbsp;=E2=82=AC ist f=\r\n"
    "=C3=A4llig.</p>\r\n"
    "--=_owed_152c4c4fd7951e9e--\r\n";

static struct owed_mail utf8_mail(void)
{
    struct owed_mail m = {
        .from = "\"Example Co. KG\" <billing@example.com>",
        .to = "Müller GmbH <ap@mueller.example>",
        .subject = "Zahlungserinnerung – Müller GmbH",
        .text = "Sehr geehrte Damen und Herren,\n\ndie Rechnung 2026-0042 über 1.234,50 € ist "
                "seit 14 Tagen fällig. Bitte überweisen Sie den Betrag = 1.234,50 € bis zum "
                "19.03.2026.\n.\nMit freundlichen Grüßen \n",
        .html = "<p>Sehr geehrte Damen und Herren,</p>\n<p>die Rechnung <b>2026-0042</b> "
                "über 1.234,50&nbsp;€ ist fällig.</p>\n",
        .message_id = "outbox-43.org-1@owed.invalid",
        .date_unix = T_2026_03_05_0930,
        .boundary_seed = "outbox-43",
    };
    return m;
}

static void t_utf8_subject_html(void **state)
{
    (void)state;
    struct owed_mail m = utf8_mail();
    size_t len;
    char *got = compose_ok(&m, &len);
    assert_bytes(got, len, utf8_html_want);
    free(got);
}

/* The same inputs give the same bytes; the boundary follows the seed (or the Message-ID
 * without one); composing appends to what out already holds. */
static void t_deterministic(void **state)
{
    (void)state;
    struct owed_mail m = utf8_mail();
    size_t l1, l2;
    char *a = compose_ok(&m, &l1), *b = compose_ok(&m, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    free(b);
    m.boundary_seed = "outbox-44";
    b = compose_ok(&m, &l2);
    assert_null(strstr(b, "=_owed_152c4c4fd7951e9e"));
    assert_non_null(strstr(b, "boundary=\"=_owed_"));
    free(b);
    m.boundary_seed = NULL;
    b = compose_ok(&m, &l2);
    assert_null(strstr(b, "=_owed_152c4c4fd7951e9e"));
    free(b);

    struct owed_buf out = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "X-Prefix: kept\r\n");
    m = utf8_mail();
    assert_int_equal(owed_mail_compose(&m, &out, NULL), OWED_OK);
    assert_int_equal(out.len, 16 + l1);
    assert_memory_equal(out.ptr, "X-Prefix: kept\r\n", 16);
    assert_memory_equal(out.ptr + 16, a, l1);
    owed_buf_release(&out);
    free(a);
}

static void t_dates(void **state)
{
    (void)state;
    static const struct {
        long long t;
        const char *want;
    } cases[] = {
        {0, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"},
        {1709251199, "Date: Thu, 29 Feb 2024 23:59:59 +0000\r\n"},
        {1709251200, "Date: Fri, 01 Mar 2024 00:00:00 +0000\r\n"},
        {253402300799LL, "Date: Fri, 31 Dec 9999 23:59:59 +0000\r\n"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        struct owed_mail m = {"a@b.example", "c@d.example", "s", "t", NULL, "x@y", cases[i].t,
                              NULL, NULL, 0};
        size_t len;
        char *got = compose_ok(&m, &len);
        assert_true(strncmp(got, cases[i].want, strlen(cases[i].want)) == 0);
        free(got);
    }
}

/* --- independent decoders ------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Checks that every line of msg[0..len) ends in CRLF, has no bare CR or LF and is 7-bit,
 * and returns the longest line's length. */
static size_t check_lines(const char *msg, size_t len)
{
    size_t longest = 0, col = 0;
    assert_true(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)msg[i];
        assert_true(c < 0x80);
        if (c == '\r') {
            assert_true(i + 1 < len && msg[i + 1] == '\n');
            if (col > longest) longest = col;
            col = 0;
            i++;
        } else {
            assert_true(c != '\n');
            col++;
        }
    }
    return longest;
}

/* The unfolded value of header `name` (without "Name: "); NULL when absent. */
static char *header_value(const char *msg, const char *name)
{
    size_t nl = strlen(name);
    const char *p = msg;
    while (strncmp(p, "\r\n", 2) != 0) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':' && p[nl + 1] == ' ') {
            struct owed_buf v = OWED_BUF_INIT(0);
            p += nl + 2;
            for (;;) {
                const char *e = strstr(p, "\r\n");
                owed_buf_add(&v, p, (size_t)(e - p));
                p = e + 2;
                if (*p != ' ' && *p != '\t') break;
            }
            return owed_buf_detach(&v, NULL);
        }
        p = strstr(p, "\r\n") + 2;
    }
    return NULL;
}

/* RFC 2047 decoding of an unstructured value: Q encoded-words (our only encoding);
 * whitespace between two adjacent encoded-words is dropped. */
static char *decode_ew(const char *v)
{
    struct owed_buf out = OWED_BUF_INIT(0);
    bool prev_ew = false;
    const char *p = v;
    while (*p) {
        const char *ws = p;
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, "=?UTF-8?Q?", 10) == 0) {
            if (!prev_ew) owed_buf_add(&out, ws, (size_t)(p - ws));
            const char *e = strstr(p + 10, "?=");
            assert_non_null(e);
            assert_true(e - p + 2 <= 75);
            for (const char *q = p + 10; q < e; q++) {
                if (*q == '_') {
                    owed_buf_addc(&out, ' ');
                } else if (*q == '=') {
                    assert_true(hexval(q[1]) >= 0 && hexval(q[2]) >= 0);
                    owed_buf_addc(&out, (char)(hexval(q[1]) * 16 + hexval(q[2])));
                    q += 2;
                } else {
                    owed_buf_addc(&out, *q);
                }
            }
            p = e + 2;
            prev_ew = true;
        } else {
            owed_buf_add(&out, ws, (size_t)(p - ws));
            const char *w = p;
            while (*p && *p != ' ' && *p != '\t') p++;
            owed_buf_add(&out, w, (size_t)(p - w));
            prev_ew = false;
        }
    }
    return owed_buf_detach(&out, NULL);
}

/* Quoted-printable body[0..len) back to text with "\n" line ends; the final line end,
 * which the encoder adds, is dropped. */
static char *decode_qp(const char *body, size_t len)
{
    struct owed_buf out = OWED_BUF_INIT(0);
    for (size_t i = 0; i < len; i++) {
        if (body[i] == '=' && i + 2 < len && body[i + 1] == '\r' && body[i + 2] == '\n') {
            i += 2;
        } else if (body[i] == '=') {
            assert_true(i + 2 < len && hexval(body[i + 1]) >= 0 && hexval(body[i + 2]) >= 0);
            owed_buf_addc(&out, (char)(hexval(body[i + 1]) * 16 + hexval(body[i + 2])));
            i += 2;
        } else if (body[i] == '\r') {
            /* a blank before a hard break must have been encoded */
            assert_true(i == 0 || (body[i - 1] != ' ' && body[i - 1] != '\t'));
            owed_buf_addc(&out, '\n');
            i++;
        } else {
            owed_buf_addc(&out, body[i]);
        }
    }
    if (out.len > 0 && out.ptr[out.len - 1] == '\n') out.ptr[--out.len] = '\0';
    return owed_buf_detach(&out, NULL);
}

/* The input text as the encoder sees it: "\r\n" is one line end; no final one. */
static char *normalize_text(const char *s)
{
    struct owed_buf out = OWED_BUF_INIT(0);
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n') continue;
        owed_buf_addc(&out, s[i]);
    }
    if (out.len > 0 && out.ptr[out.len - 1] == '\n') out.ptr[--out.len] = '\0';
    return owed_buf_detach(&out, NULL);
}

/* --- properties ----------------------------------------------------------------------- */

static const char *const subjects[] = {
    "",
    "x",
    "Zahlungserinnerung – Müller GmbH – Rechnung 2026-0042 über 1.234,50 € fällig seit 14 "
    "Tagen 💸💸",
    "Payment reminder for invoice 2026-0042, 2026-0043 and 2026-0044: total amount due EUR "
    "12,345.67 as of today, please pay",
    "Reminder: https://portal.example.com/invoices/2026-0042/pay?token=abcdefghijklmnopqrstuv"
    "wxyz0123456789abcdef",
    "=?UTF-8?Q?looks_encoded?= but is not",
    "tab\there",
    "   leading, double  and trailing blanks   ",
    "ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€ÄÖÜäöüß€",
    "日本語の件名です。お支払いのお願い。請求書番号 2026-0042、金額 123,456 円",
    "\"quoted\" (comment) <angle> [brackets]; a=b, c:d \\ back",
};

static void t_subject_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < OWED_ARRAY_LEN(subjects); i++) {
        struct owed_mail m = {"a@b.example", "c@d.example", subjects[i], "t", NULL,
                              "x@y", 0, NULL, NULL, 0};
        size_t len;
        char *msg = compose_ok(&m, &len);
        size_t longest = check_lines(msg, len);
        if (longest > 76) print_error("subject %zu: line of %zu\n%s", i, longest, msg);
        assert_true(longest <= 76);
        char *v = header_value(msg, "Subject");
        assert_non_null(v);
        char *d = decode_ew(v);
        if (strcmp(d, subjects[i]) != 0) print_error("subject %zu: decoded '%s'\n", i, d);
        assert_string_equal(d, subjects[i]);
        /* A plain subject is written as it is: readable without decoding. */
        if (i == 3) assert_string_equal(v, subjects[i]);
        free(d);
        free(v);
        free(msg);
    }
}

static void t_display_names(void **state)
{
    (void)state;
    static const struct {
        const char *in, *header, *decoded;
    } cases[] = {
        {"Billing Team <b@x.example>", "Billing Team <b@x.example>", NULL},
        {"  b@x.example  ", "b@x.example", NULL},
        {"<b@x.example>", "b@x.example", NULL},
        {"\"\" <b@x.example>", "b@x.example", NULL},
        {"Example Co. KG <b@x.example>", "\"Example Co. KG\" <b@x.example>", NULL},
        {"\"Doe, John \\\"JD\\\"\" <b@x.example>", "\"Doe, John \\\"JD\\\"\" <b@x.example>",
         NULL},
        {"Müller GmbH <b@x.example>", "=?UTF-8?Q?M=C3=BCller_GmbH?= <b@x.example>",
         "Müller GmbH <b@x.example>"},
        {"\"Müller, Hans\" <b@x.example>", "=?UTF-8?Q?M=C3=BCller=2C_Hans?= <b@x.example>",
         "Müller, Hans <b@x.example>"},
        {"=?UTF-8?Q?x?= <b@x.example>", "=?UTF-8?Q?=3D=3FUTF-8=3FQ=3Fx=3F=3D?= <b@x.example>",
         "=?UTF-8?Q?x?= <b@x.example>"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        struct owed_mail m = {cases[i].in, "c@d.example", "s", "t", NULL, "x@y", 0, NULL, NULL, 0};
        size_t len;
        char *msg = compose_ok(&m, &len);
        char *v = header_value(msg, "From");
        assert_string_equal(v, cases[i].header);
        if (cases[i].decoded) {
            char *d = decode_ew(v);
            assert_string_equal(d, cases[i].decoded);
            free(d);
        }
        free(v);
        free(msg);
    }
    /* A long name folds between encoded-words and before the address. */
    struct owed_mail m = {"Zahlungsverkehr und Forderungsmanagement der Müller Maschinenbau "
                          "GmbH & Co. KG <forderungsmanagement@mueller-maschinenbau.example>",
                          "c@d.example", "s", "t", NULL, "x@y", 0, NULL, NULL, 0};
    size_t len;
    char *msg = compose_ok(&m, &len);
    assert_true(check_lines(msg, len) <= 76);
    char *v = header_value(msg, "From"), *d = decode_ew(v);
    assert_string_equal(d, m.from);
    free(d);
    free(v);
    free(msg);
}

/* Body text, and the parts of a multipart message, decode back to the input; no line
 * passes 76 columns. */
static void check_body(const char *text, const char *html)
{
    struct owed_mail m = {"a@b.example", "c@d.example", "s", text, html, "x@y", 0, "seed", NULL, 0};
    size_t len;
    char *msg = compose_ok(&m, &len);
    size_t longest = check_lines(msg, len);
    if (longest > 76) print_error("line of %zu:\n%s", longest, msg);
    assert_true(longest <= 76);
    const char *body = strstr(msg, "\r\n\r\n") + 4;
    const char *bodies[2] = {text, html};
    for (int part = 0; part < (html ? 2 : 1); part++) {
        const char *b = body, *e = msg + len;
        if (html) {
            const char *sep = "--=_owed_";
            b = strstr(body, sep);
            for (int k = 0; k < part; k++) b = strstr(b + 1, sep);
            b = strstr(b, "\r\n\r\n") + 4;
            e = strstr(b, sep);
        }
        char *got = decode_qp(b, (size_t)(e - b)), *want = normalize_text(bodies[part]);
        if (strcmp(got, want) != 0) print_error("part %d decoded:\n%s\n", part, got);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
    free(msg);
}

static void t_qp_bodies(void **state)
{
    (void)state;
    check_body("", NULL);
    check_body("\n", NULL);
    check_body("one line without end", NULL);
    check_body("crlf\r\nlines\r\n\r\nand a lone \r in between\r\n", NULL);
    check_body("trailing blanks   \nand tabs\t\t\nend with blank ", NULL);
    check_body(".\n..\n.leading dots\nFrom the start\n", NULL);
    check_body("= at end=\n==========================================================="
               "==========================================", NULL);
    struct owed_buf long_text = OWED_BUF_INIT(0);
    for (int i = 0; i < 300; i++) {
        owed_buf_adds(&long_text, i % 3 == 0 ? "€" : i % 3 == 1 ? "a" : "ü ");
        if (i % 97 == 96) owed_buf_adds(&long_text, "\n");
    }
    check_body(long_text.ptr, "<p>" /* short html */);
    owed_buf_addf(&long_text, "%s", "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀");
    check_body("x", long_text.ptr);
    /* A soft break never cuts a character's escapes apart. */
    struct owed_mail m = {"a@b.example", "c@d.example", "s", long_text.ptr, NULL, "x@y", 0,
                          NULL, NULL, 0};
    size_t len;
    char *msg = compose_ok(&m, &len);
    for (const char *p = strstr(msg, "\r\n\r\n") + 4; (p = strstr(p, "=\r\n")); p += 3) {
        int next = hexval(p[4]) * 16 + hexval(p[5]);
        if (p[3] == '=' && next >= 0) assert_true((next & 0xC0) != 0x80);
    }
    free(msg);
    owed_buf_release(&long_text);
}

/* --- refusals ------------------------------------------------------------------------- */

static void expect_refused(struct owed_mail m, int want_rc, const char *want_err)
{
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "before");
    int rc = owed_mail_compose(&m, &out, &err);
    if (rc != want_rc || strcmp(err.ptr, want_err) != 0) {
        print_error("rc %d (want %d), err '%s' (want '%s')\n", rc, want_rc, err.ptr, want_err);
    }
    assert_int_equal(rc, want_rc);
    assert_string_equal(err.ptr, want_err);
    assert_string_equal(out.ptr, "before"); /* out untouched */
    owed_buf_release(&out);
    owed_buf_release(&err);
    assert_int_equal(owed_mail_compose(&m, &out, NULL), want_rc); /* err may be NULL */
    owed_buf_release(&out);
}

static struct owed_mail good(void)
{
    struct owed_mail m = {"A <a@b.example>", "c@d.example", "s", "t", "<p>h</p>", "x@y", 0,
                          NULL, NULL, 0};
    return m;
}

static void t_header_injection(void **state)
{
    (void)state;
    struct owed_mail m = good();
    m.from = "A <a@b.example>\r\nBcc: victim@example.com";
    expect_refused(m, OWED_E_INVALID, "from: contains CR or LF");
    m = good();
    m.from = "A\n <a@b.example>";
    expect_refused(m, OWED_E_INVALID, "from: contains CR or LF");
    m = good();
    m.to = "c@d.example\nBcc: victim@example.com";
    expect_refused(m, OWED_E_INVALID, "to: contains CR or LF");
    m = good();
    m.subject = "Reminder\r\nBcc: victim@example.com";
    expect_refused(m, OWED_E_INVALID, "subject: contains CR or LF");
    m = good();
    m.subject = "Reminder\r";
    expect_refused(m, OWED_E_INVALID, "subject: contains CR or LF");
    m = good();
    m.message_id = "x@y>\r\nBcc: victim@example.com";
    expect_refused(m, OWED_E_INVALID, "message_id: contains CR or LF");
    m = good();
    m.subject = "bell\a";
    expect_refused(m, OWED_E_INVALID, "subject: contains a control character");
    m = good();
    m.to = "C\x1b <c@d.example>";
    expect_refused(m, OWED_E_INVALID, "to: contains a control character");
    /* In a body, line breaks are content: an injection attempt is just encoded text. */
    m = good();
    m.text = "hi\r\n.\r\nMAIL FROM:<x@evil.example>\r\n";
    struct owed_buf out = OWED_BUF_INIT(0);
    assert_int_equal(owed_mail_compose(&m, &out, NULL), OWED_OK);
    owed_buf_release(&out);
}

static void t_refusals(void **state)
{
    (void)state;
    struct owed_mail m = good();
    m.subject = "bad \xC3\x28 utf8";
    expect_refused(m, OWED_E_INVALID, "subject: not valid UTF-8");
    m = good();
    m.to = "\xED\xA0\x80 <c@d.example>"; /* a surrogate */
    expect_refused(m, OWED_E_INVALID, "to: not valid UTF-8");
    m = good();
    m.text = "overlong \xC0\xAF";
    expect_refused(m, OWED_E_INVALID, "text: not valid UTF-8");
    m = good();
    m.html = "cut \xE2\x82";
    expect_refused(m, OWED_E_INVALID, "html: not valid UTF-8");
    m = good();
    m.from = "A <a b@c.example>";
    expect_refused(m, OWED_E_INVALID, "from: not a plausible address");
    m = good();
    m.to = "Name <c@d.example> trailing";
    expect_refused(m, OWED_E_INVALID, "to: not a plausible address");
    m = good();
    m.message_id = "<x@y>";
    expect_refused(m, OWED_E_INVALID, "message_id: not of the form left@right");
    m = good();
    m.message_id = "no-at-sign";
    expect_refused(m, OWED_E_INVALID, "message_id: not of the form left@right");
    m = good();
    m.date_unix = -1;
    expect_refused(m, OWED_E_INVALID, "date_unix: -1 out of range");
    m = good();
    m.date_unix = 253402300800LL;
    expect_refused(m, OWED_E_INVALID, "date_unix: 253402300800 out of range");
    char long_addr[300];
    memset(long_addr, 'a', sizeof long_addr);
    memcpy(long_addr + 255 - 10, "@b.example", 11);
    m = good();
    m.to = long_addr;
    expect_refused(m, OWED_E_INVALID, "to: address too long");
    /* Precedence: fields in struct order. */
    m = good();
    m.to = "bad";
    m.subject = "bad\n";
    expect_refused(m, OWED_E_INVALID, "to: not a plausible address");
}

static void t_size_cap(void **state)
{
    (void)state;
    struct owed_mail m = utf8_mail();
    struct owed_buf out = OWED_BUF_INIT(sizeof utf8_html_want - 1 + 3);
    struct owed_buf err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "abcd");
    assert_int_equal(owed_mail_compose(&m, &out, &err), OWED_E_TOO_LARGE);
    assert_string_equal(err.ptr, "message: exceeds size limit");
    assert_string_equal(out.ptr, "abcd");
    assert_int_equal(owed_buf_err(&out), OWED_OK);
    owed_buf_reset(&out);
    owed_buf_adds(&out, "abc"); /* exactly fits */
    assert_int_equal(owed_mail_compose(&m, &out, NULL), OWED_OK);
    assert_int_equal(out.len, sizeof utf8_html_want - 1 + 3);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

/* --- owed_mail_address ---------------------------------------------------------------- */

static void t_address(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        const char *addr;
    } cases[] = {
        {"a@b.example", OWED_OK, "a@b.example"},
        {"  a@b.example\t", OWED_OK, "a@b.example"},
        {"Name <a@b.example>", OWED_OK, "a@b.example"},
        {"\"Doe, John\" <john.doe+ar@sub.b.example>  ", OWED_OK, "john.doe+ar@sub.b.example"},
        {"Müller <m@b.example>", OWED_OK, "m@b.example"},
        {"<a@b>", OWED_OK, "a@b"},
        {"\"a <x@y>\" <a@b.example>", OWED_OK, "a@b.example"},
        {"", OWED_E_INVALID, NULL},
        {"   ", OWED_E_INVALID, NULL},
        {"plain", OWED_E_INVALID, NULL},
        {"@b.example", OWED_E_INVALID, NULL},
        {"a@", OWED_E_INVALID, NULL},
        {"a@@b.example", OWED_E_INVALID, NULL},
        {"a@b@c.example", OWED_E_INVALID, NULL},
        {"a b@c.example", OWED_E_INVALID, NULL},
        {"a@.b.example", OWED_E_INVALID, NULL},
        {"a@b.example.", OWED_E_INVALID, NULL},
        {"a@b..example", OWED_E_INVALID, NULL},
        {"a@b.example\r\n", OWED_E_INVALID, NULL},
        {"a@b.example\nBcc: c@d.example", OWED_E_INVALID, NULL},
        {"Name <a@b.example", OWED_E_INVALID, NULL},
        {"Name a@b.example>", OWED_E_INVALID, NULL},
        {"Name <a@b.example> x", OWED_E_INVALID, NULL},
        {"<>", OWED_E_INVALID, NULL},
        {"a,b@c.example", OWED_E_INVALID, NULL},
        {"\"a\"@c.example", OWED_E_INVALID, NULL},
        {"m\xC3\xBC@b.example", OWED_E_INVALID, NULL},
        {"a@[127.0.0.1]", OWED_E_INVALID, NULL},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        char out[OWED_MAIL_ADDRESS_MAX + 1] = "untouched";
        int rc = owed_mail_address(cases[i].in, out, sizeof out);
        if (rc != cases[i].rc) print_error("case %zu '%s': rc %d\n", i, cases[i].in, rc);
        assert_int_equal(rc, cases[i].rc);
        assert_string_equal(out, cases[i].addr ? cases[i].addr : "untouched");
    }
    /* Length: 254 is the most; out must hold the address and its NUL. */
    char addr[300], out[OWED_MAIL_ADDRESS_MAX + 1];
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 254 - 10, "@b.example", 11);
    assert_int_equal(owed_mail_address(addr, out, sizeof out), OWED_OK);
    assert_int_equal(strlen(out), 254);
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 255 - 10, "@b.example", 11);
    assert_int_equal(owed_mail_address(addr, out, sizeof out), OWED_E_TOO_LARGE);
    char small[11];
    assert_int_equal(owed_mail_address("a@b.example", small, sizeof small), OWED_E_TOO_LARGE);
    assert_int_equal(owed_mail_address("a@b.exampl", small, sizeof small), OWED_OK);
}

/* --- attachments ---------------------------------------------------------------------- */

/* What python3's email package (policy.default) makes of each message file named on the
 * command line, one line per part in walk() order: "type|disposition|filename|name" and,
 * for a leaf, "|" and the hex of the decoded payload (quoted-printable text with CRLF as
 * LF and no final line end, as normalize_text() gives it); parser defects as lines
 * "defect: Name"; "--" after each message. One run for many messages, because starting
 * python3 takes a while on a busy machine. */
static const char python_parts_py[] =
    "import email, email.policy, sys\n"
    "sys.stdout.reconfigure(encoding='utf-8')\n"
    "for path in sys.argv[1:]:\n"
    "  m = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)\n"
    "  for p in m.walk():\n"
    "    for d in p.defects: print('defect:', type(d).__name__)\n"
    "    for h in ('content-type', 'content-disposition'):\n"
    "        for d in getattr(p[h], 'defects', ()): print('defect:', h, type(d).__name__)\n"
    "    ct = p['content-type']\n"
    "    f = [p.get_content_type(), str(p.get_content_disposition()), str(p.get_filename()),\n"
    "         str(ct.params.get('name') if ct is not None else None)]\n"
    "    if not p.is_multipart():\n"
    "        b = p.get_payload(decode=True)\n"
    "        if p['content-transfer-encoding'] == 'quoted-printable':\n"
    "            b = b.replace(b'\\r\\n', b'\\n')\n"
    "            b = b[:-1] if b.endswith(b'\\n') else b\n"
    "        f.append(b.hex())\n"
    "    print('|'.join(f))\n"
    "  print('--')\n";

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* python_parts_py's report on msgs[i][0..lens[i]) for i < n, run on temporary files;
 * skips the test when there is no python3. */
static char *python_parts(char *const *msgs, const size_t *lens, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/u_mail.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    struct owed_buf cmd = OWED_BUF_INIT(0);
    snprintf(path, sizeof path, "%s/parts.py", dir);
    write_file(path, python_parts_py, sizeof python_parts_py - 1);
    owed_buf_addf(&cmd, "python3 '%s'", path);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%zu.eml", dir, i);
        write_file(path, msgs[i], lens[i]);
        owed_buf_addf(&cmd, " '%s'", path);
    }
    owed_buf_adds(&cmd, " 2>&1");
    FILE *f = popen(cmd.ptr, "r");
    assert_non_null(f);
    struct owed_buf out = OWED_BUF_INIT(0);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(&out, chunk, got);
    int status = pclose(f);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%zu.eml", dir, i);
        assert_int_equal(remove(path), 0);
    }
    snprintf(path, sizeof path, "%s/parts.py", dir);
    assert_int_equal(remove(path), 0);
    assert_int_equal(remove(dir), 0);
    owed_buf_release(&cmd);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        owed_buf_release(&out);
        skip(); /* no python3 */
    }
    if (status != 0) print_error("python3: status %d:\n%s\n", status, out.ptr);
    assert_int_equal(status, 0);
    return owed_buf_detach(&out, NULL);
}

static void add_hex(struct owed_buf *b, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) owed_buf_addf(b, "%02x", ((const unsigned char *)p)[i]);
}

/* One line of python_parts() for a leaf part. */
static void add_leaf(struct owed_buf *b, const char *type, const char *disposition,
                     const char *filename, const void *p, size_t n)
{
    owed_buf_addf(b, "%s|%s|%s|%s|", type, disposition ? disposition : "None",
                  filename ? filename : "None", filename ? filename : "None");
    add_hex(b, p, n);
    owed_buf_adds(b, "\n");
}

static void add_text_leaf(struct owed_buf *b, const char *type, const char *text)
{
    char *t = normalize_text(text);
    add_leaf(b, type, NULL, NULL, t, strlen(t));
    free(t);
}

/* want: the report python_parts() should give on msgs[0..n). */
static void assert_python_parts(char *const *msgs, const size_t *lens, size_t n,
                                const char *want)
{
    char *got = python_parts(msgs, lens, n);
    if (strcmp(got, want) != 0) {
        print_error("python3 email saw:\n%s\n--- want:\n%s\n", got, want);
        for (size_t i = 0; i < n; i++) {
            print_error("--- message %zu:\n%.*s\n", i, (int)lens[i], msgs[i]);
        }
    }
    assert_string_equal(got, want);
    free(got);
}

static unsigned char pdf_bytes[256];

static const char xml_doc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                              "<Invoice><ID>2026-0042</ID><Party>Müller GmbH</Party>"
                              "</Invoice>\n";

static struct owed_mail_attachment two_attachments[2];

static struct owed_mail with_attachments(void)
{
    for (size_t i = 0; i < sizeof pdf_bytes; i++) pdf_bytes[i] = (unsigned char)i;
    two_attachments[0] = (struct owed_mail_attachment){
        "Rechnung Müller.pdf", "application/pdf", pdf_bytes, sizeof pdf_bytes};
    two_attachments[1] = (struct owed_mail_attachment){
        "invoice-2026-0042.xml", "application/xml", xml_doc, sizeof xml_doc - 1};
    struct owed_mail m = utf8_mail();
    m.attachments = two_attachments;
    m.n_attachments = 2;
    return m;
}

/* The layout, byte for byte, of a text-only message with a small attachment and one
 * whose UTF-8 filename takes RFC 2231 sections over two lines (checked once with
 * Python's email package, as the tests below do every time). */
static void t_attachment_bytes(void **state)
{
    (void)state;
    struct owed_mail_attachment a[2] = {
        {"hello.txt", "text/plain", "Hello\n", 6},
        {"Zahlungserinnerung und Rechnung 2026-0042 für Müller Maschinenbau GmbH & Co. KG.pdf",
         "application/pdf", "%PDF-1.7\n", 9},
    };
    struct owed_mail m = {"a@b.example", "c@d.example", "s", "Hi", NULL, "x@y", 0, "seed", a, 2};
    const char *want =
        "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
        "From: a@b.example\r\n"
        "To: c@d.example\r\n"
        "Subject: s\r\n"
        "Message-ID: <x@y>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"=_owed_mixed_2cfad118d3ecc02c\"\r\n"
        "\r\n"
        "--=_owed_mixed_2cfad118d3ecc02c\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Hi\r\n"
        "--=_owed_mixed_2cfad118d3ecc02c\r\n"
        "Content-Type: text/plain; name=\"hello.txt\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"hello.txt\"\r\n"
        "\r\n"
        "SGVsbG8K\r\n"
        "--=_owed_mixed_2cfad118d3ecc02c\r\n"
        "Content-Type: application/pdf;\r\n"
        " name*0*=UTF-8''Zahlungserinnerung%20und%20Rechnung%202026-0042%20f%C3%BCr;\r\n"
        " name*1*=%20M%C3%BCller%20Maschinenbau%20GmbH%20&%20Co.%20KG.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*0*=UTF-8''Zahlungserinnerung%20und%20Rechnung%202026-0042%20f;\r\n"
        " filename*1*=%C3%BCr%20M%C3%BCller%20Maschinenbau%20GmbH%20&%20Co.%20KG.pdf\r\n"
        "\r\n"
        "JVBERi0xLjcK\r\n"
        "--=_owed_mixed_2cfad118d3ecc02c--\r\n";
    size_t len;
    char *got = compose_ok(&m, &len);
    assert_bytes(got, len, want);
    free(got);
}

/* Text and html alternatives, a binary and an XML attachment: python3's email package
 * finds every part with its type, disposition, filename and exact bytes, and no defect. */
static void t_attachments_python(void **state)
{
    (void)state;
    struct owed_mail m = with_attachments();
    size_t len;
    char *msg = compose_ok(&m, &len);
    assert_true(check_lines(msg, len) <= 76);
    struct owed_buf want = OWED_BUF_INIT(0);
    owed_buf_adds(&want, "multipart/mixed|None|None|None\n"
                         "multipart/alternative|None|None|None\n");
    add_text_leaf(&want, "text/plain", m.text);
    add_text_leaf(&want, "text/html", m.html);
    add_leaf(&want, "application/pdf", "attachment", "Rechnung Müller.pdf", pdf_bytes,
             sizeof pdf_bytes);
    add_leaf(&want, "application/xml", "attachment", "invoice-2026-0042.xml", xml_doc,
             sizeof xml_doc - 1);
    owed_buf_adds(&want, "--\n");
    assert_python_parts(&msg, &len, 1, want.ptr);
    /* The UTF-8 filename is RFC 2231, the ASCII one quoted. */
    assert_non_null(strstr(msg, "Content-Type: application/pdf; "
                                "name*=UTF-8''Rechnung%20M%C3%BCller.pdf\r\n"));
    assert_non_null(strstr(msg, "Content-Disposition: attachment; "
                                "filename*=UTF-8''Rechnung%20M%C3%BCller.pdf\r\n"));
    assert_non_null(strstr(msg, "Content-Disposition: attachment; "
                                "filename=\"invoice-2026-0042.xml\"\r\n"));
    owed_buf_release(&want);
    free(msg);
}

/* Text only, attachments of every length around the 3-byte groups and the 57-byte lines
 * of base64, and an empty one. */
static void t_attachment_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 4, 56, 57, 58, 113, 114, 115, 1000, 4099};
    struct owed_mail_attachment a[OWED_ARRAY_LEN(sizes)];
    unsigned char *data = malloc(4099);
    assert_non_null(data);
    for (size_t i = 0; i < 4099; i++) data[i] = (unsigned char)(i * 7919 >> 3);
    char names[OWED_ARRAY_LEN(sizes)][16];
    struct owed_buf want = OWED_BUF_INIT(0);
    owed_buf_adds(&want, "multipart/mixed|None|None|None\n");
    add_text_leaf(&want, "text/plain", "text only");
    for (size_t i = 0; i < OWED_ARRAY_LEN(sizes); i++) {
        snprintf(names[i], sizeof names[i], "f%zu.bin", sizes[i]);
        a[i] = (struct owed_mail_attachment){names[i], "application/octet-stream", data,
                                             sizes[i]};
        add_leaf(&want, "application/octet-stream", "attachment", names[i], data, sizes[i]);
    }
    owed_buf_adds(&want, "--\n");
    struct owed_mail m = {"a@b.example", "c@d.example", "s", "text only", NULL, "x@y", 0,
                          NULL, a, OWED_ARRAY_LEN(sizes)};
    size_t len;
    char *msg = compose_ok(&m, &len);
    assert_true(check_lines(msg, len) <= 76);
    assert_python_parts(&msg, &len, 1, want.ptr);
    /* Full base64 lines are 76 characters: 57 bytes each. */
    const char *p = strstr(msg, "filename=\"f4099.bin\"\r\n\r\n");
    assert_non_null(p);
    p = strchr(p, '\n') + 3;
    assert_int_equal(strstr(p, "\r\n") - p, 76);
    owed_buf_release(&want);
    free(msg);
    free(data);
}

/* Filenames that need quoting, RFC 2231 encoding or sections over several lines all
 * come back whole; no header line passes 76 columns. */
static void t_attachment_filenames(void **state)
{
    (void)state;
    char ascii_long[201], utf8_long[256];
    memset(ascii_long, 'x', sizeof ascii_long - 1);
    memcpy(ascii_long + sizeof ascii_long - 5, ".pdf", 5);
    size_t u = 0;
    while (u + 4 <= 250) {
        static const char *const pieces[] = {"ü", "a", "€", " ", "😀", "%", "'"};
        const char *pc = pieces[u % 7];
        memcpy(utf8_long + u, pc, strlen(pc));
        u += strlen(pc);
    }
    memcpy(utf8_long + u, ".pdf", 5);
    const char *const names[] = {
        "a.pdf",
        "with spaces and (parens).pdf",
        "quote\".pdf",
        "back\\slash.txt",
        "=?UTF-8?Q?looks_encoded?=.pdf",
        "'single' 100% *star*.txt",
        "日本語の請求書.pdf",
        "x",
        ascii_long,
        utf8_long,
    };
    char *msgs[OWED_ARRAY_LEN(names)];
    size_t lens[OWED_ARRAY_LEN(names)];
    struct owed_buf want = OWED_BUF_INIT(0);
    for (size_t i = 0; i < OWED_ARRAY_LEN(names); i++) {
        struct owed_mail_attachment a = {names[i], "application/pdf", "%PDF", 4};
        struct owed_mail m = {"a@b.example", "c@d.example", "s", "t", NULL, "x@y", 0, NULL, &a,
                              1};
        msgs[i] = compose_ok(&m, &lens[i]);
        size_t longest = check_lines(msgs[i], lens[i]);
        if (longest > 76) print_error("name %zu: line of %zu\n%s", i, longest, msgs[i]);
        assert_true(longest <= 76);
        owed_buf_adds(&want, "multipart/mixed|None|None|None\n");
        add_text_leaf(&want, "text/plain", "t");
        add_leaf(&want, "application/pdf", "attachment", names[i], "%PDF", 4);
        owed_buf_adds(&want, "--\n");
    }
    assert_python_parts(msgs, lens, OWED_ARRAY_LEN(names), want.ptr);
    owed_buf_release(&want);
    for (size_t i = 0; i < OWED_ARRAY_LEN(names); i++) free(msgs[i]);
}

/* The same inputs give the same bytes; the mixed and alternative boundaries differ and
 * follow the seed; no attachments (pointer or not) gives the message of before. */
static void t_attachment_deterministic(void **state)
{
    (void)state;
    struct owed_mail m = with_attachments();
    size_t l1, l2;
    char *a = compose_ok(&m, &l1), *b = compose_ok(&m, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    free(b);
    assert_non_null(strstr(a, "multipart/mixed; boundary=\"=_owed_mixed_152c4c4fd7951e9e\""));
    assert_non_null(strstr(a, "multipart/alternative; boundary=\"=_owed_152c4c4fd7951e9e\""));
    m.boundary_seed = "outbox-44";
    b = compose_ok(&m, &l2);
    assert_null(strstr(b, "152c4c4fd7951e9e"));
    free(b);
    free(a);
    m.n_attachments = 0;
    a = compose_ok(&m, &l1);
    m.boundary_seed = "outbox-43";
    free(a);
    a = compose_ok(&m, &l1);
    assert_bytes(a, l1, utf8_html_want);
    free(a);
}

static void t_attachment_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *filename, *content_type, *err;
    } cases[] = {
        {"", "application/pdf", "attachments[1].filename: empty"},
        {" a.pdf", "application/pdf", "attachments[1].filename: starts or ends with a blank"},
        {"a.pdf ", "application/pdf", "attachments[1].filename: starts or ends with a blank"},
        {"a\r\nb.pdf", "application/pdf", "attachments[1].filename: contains CR or LF"},
        {"a\nContent-Type: text/html", "application/pdf",
         "attachments[1].filename: contains CR or LF"},
        {"tab\t.pdf", "application/pdf", "attachments[1].filename: contains a control character"},
        {"del\x7f.pdf", "application/pdf",
         "attachments[1].filename: contains a control character"},
        {"bad \xC3\x28.pdf", "application/pdf", "attachments[1].filename: not valid UTF-8"},
        {"a.pdf", "", "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "application", "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "application/", "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "/pdf", "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "application/pdf; name=x",
         "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "application/pdf\r\nBcc: x@y",
         "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "application/x/y", "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "app lication/pdf", "attachments[1].content_type: not a type/subtype token"},
        {"a.pdf", "multipart/mixed",
         "attachments[1].content_type: multipart and message types cannot be attached"},
        {"a.pdf", "Message/RFC822",
         "attachments[1].content_type: multipart and message types cannot be attached"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        struct owed_mail_attachment a[2] = {{"ok.pdf", "application/pdf", "x", 1},
                                            {cases[i].filename, cases[i].content_type, "x", 1}};
        struct owed_mail m = good();
        m.attachments = a;
        m.n_attachments = 2;
        expect_refused(m, OWED_E_INVALID, cases[i].err);
    }
    char long_name[OWED_MAIL_FILENAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    struct owed_mail_attachment a = {long_name, "application/pdf", "x", 1};
    struct owed_mail m = good();
    m.attachments = &a;
    m.n_attachments = 1;
    expect_refused(m, OWED_E_INVALID, "attachments[0].filename: too long");
    long_name[OWED_MAIL_FILENAME_MAX] = '\0'; /* the longest accepted */
    struct owed_buf out = OWED_BUF_INIT(0);
    assert_int_equal(owed_mail_compose(&m, &out, NULL), OWED_OK);
    assert_true(check_lines(out.ptr, out.len) <= 76);
    owed_buf_release(&out);
    /* Long types are accepted (the one header line that may pass 76 columns), up to 127
     * characters for the type and for the subtype. */
    char subtype[130] = "vnd.";
    memset(subtype + 4, 'x', 123);
    subtype[127] = '\0';
    char type[160];
    snprintf(type, sizeof type, "application/%s", subtype);
    a = (struct owed_mail_attachment){"a.docx", type, "x", 1};
    assert_int_equal(owed_mail_compose(&m, &out, NULL), OWED_OK);
    assert_non_null(strstr(out.ptr, type));
    owed_buf_release(&out);
    snprintf(type, sizeof type, "application/%sx", subtype);
    expect_refused(m, OWED_E_INVALID, "attachments[0].content_type: not a type/subtype token");
    /* Precedence: the header fields come first, then the attachments in order. */
    a.filename = "";
    m.subject = "bad\n";
    expect_refused(m, OWED_E_INVALID, "subject: contains CR or LF");
}

static void t_attachment_size_cap(void **state)
{
    (void)state;
    struct owed_mail m = with_attachments();
    size_t len;
    char *msg = compose_ok(&m, &len);
    free(msg);
    struct owed_buf out = OWED_BUF_INIT(len + 1), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "ab");
    assert_int_equal(owed_mail_compose(&m, &out, &err), OWED_E_TOO_LARGE);
    assert_string_equal(err.ptr, "message: exceeds size limit");
    assert_string_equal(out.ptr, "ab");
    owed_buf_reset(&out);
    owed_buf_adds(&out, "a"); /* exactly fits */
    assert_int_equal(owed_mail_compose(&m, &out, NULL), OWED_OK);
    assert_int_equal(out.len, len + 1);
    owed_buf_release(&out);
    owed_buf_release(&err);
    /* Sizes too large to encode are refused from the lengths alone: data is not read. */
    static const size_t huge[] = {(size_t)1 << 31, SIZE_MAX / 4 * 3, SIZE_MAX};
    for (size_t i = 0; i < OWED_ARRAY_LEN(huge); i++) {
        struct owed_mail_attachment a[2] = {{"a.bin", "application/octet-stream", "x", 1},
                                            {"b.bin", "application/octet-stream", "x", huge[i]}};
        m = good();
        m.attachments = a;
        m.n_attachments = 2;
        expect_refused(m, OWED_E_TOO_LARGE, "message: exceeds size limit");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_ascii_text_only),   cmocka_unit_test(t_utf8_subject_html),
        cmocka_unit_test(t_deterministic),     cmocka_unit_test(t_dates),
        cmocka_unit_test(t_subject_roundtrip), cmocka_unit_test(t_display_names),
        cmocka_unit_test(t_qp_bodies),         cmocka_unit_test(t_header_injection),
        cmocka_unit_test(t_refusals),          cmocka_unit_test(t_size_cap),
        cmocka_unit_test(t_address),           cmocka_unit_test(t_attachment_bytes),
        cmocka_unit_test(t_attachments_python), cmocka_unit_test(t_attachment_sizes),
        cmocka_unit_test(t_attachment_filenames), cmocka_unit_test(t_attachment_deterministic),
        cmocka_unit_test(t_attachment_refusals), cmocka_unit_test(t_attachment_size_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
