/* Email composition (see mail.h): RFC 5322 headers with RFC 2047 encoded-words, MIME
 * bodies in quoted-printable. Everything is checked before the first byte is written. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base.h"
#include "io/mail.h"

#define LINE_MAX_COLS 76   /* header folding and quoted-printable lines (RFC 2045, 2047) */
#define EW_OVERHEAD 12     /* "=?UTF-8?Q?" + "?=" */
#define EW_MAX 75          /* longest encoded-word (RFC 2047 2) */
#define MESSAGE_ID_MAX 250 /* so that the Message-ID line stays far below 998 */
#define B64_LINE_BYTES 57  /* 57 bytes of data make one 76-character base64 line */
#define MEDIA_TOKEN_MAX 127 /* type and subtype names (RFC 6838 4.2) */

static const char hex_digits[] = "0123456789ABCDEF";

/* --- checks --------------------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s[0..n), or 0 when it is not a valid one (overlong
 * forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

/* A header input: no CR or LF (header injection), no other control character except a
 * tab where tab_ok, valid UTF-8. */
static int check_header_text(const char *field, const char *s, bool tab_ok,
                             struct owed_buf *err)
{
    const char *why = NULL;
    size_t n = strlen(s);
    if (strpbrk(s, "\r\n")) {
        why = "contains CR or LF";
    } else {
        for (size_t i = 0; i < n && !why; i++) {
            unsigned char c = (unsigned char)s[i];
            if ((c < 0x20 && !(c == '\t' && tab_ok)) || c == 0x7F) {
                why = "contains a control character";
            }
        }
    }
    if (!why && !utf8_valid(s, n)) why = "not valid UTF-8";
    if (why) {
        if (err) owed_buf_addf(err, "%s: %s", field, why);
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

static bool is_addr_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !strchr("()<>[]\\,;:\"", c);
}

/* local@domain in the restricted form of owed_mail_address(). */
static bool addr_plausible(const char *s, size_t n)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++) {
        if (!is_addr_char((unsigned char)s[i])) return false;
        if (s[i] == '@') {
            if (at != n) return false;
            at = i;
        }
    }
    if (at == n || at == 0 || at + 1 == n) return false;
    const char *d = s + at + 1;
    size_t dn = n - at - 1;
    if (d[0] == '.' || d[dn - 1] == '.') return false;
    for (size_t i = 0; i + 1 < dn; i++) {
        if (d[i] == '.' && d[i + 1] == '.') return false;
    }
    return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* Splits "Name <addr>" or "addr" (surrounding blanks ignored) into the raw display name
 * (blanks trimmed, quotes kept; empty in the second form) and the address. */
static int split_mailbox(const char *s, const char **name, size_t *name_len, const char **addr,
                         size_t *addr_len)
{
    size_t b = 0, e = strlen(s);
    if (strpbrk(s, "\r\n")) return OWED_E_INVALID;
    while (b < e && is_space(s[b])) b++;
    while (e > b && is_space(s[e - 1])) e--;
    *name = s + b;
    *name_len = 0;
    *addr = s + b;
    *addr_len = e - b;
    if (e > b && s[e - 1] == '>') {
        size_t lt = e - 1;
        while (lt > b && s[lt - 1] != '<') lt--;
        if (lt == b) return OWED_E_INVALID; /* no '<' */
        *addr = s + lt;
        *addr_len = e - 1 - lt;
        size_t ne = lt - 1;
        while (ne > b && is_space(s[ne - 1])) ne--;
        *name_len = ne - b;
    }
    if (!addr_plausible(*addr, *addr_len)) return OWED_E_INVALID;
    if (*addr_len > OWED_MAIL_ADDRESS_MAX) return OWED_E_TOO_LARGE;
    return OWED_OK;
}

int owed_mail_address(const char *s, char *out, size_t outsz)
{
    OWED_ASSERT(s && out);
    const char *name, *addr;
    size_t name_len, addr_len;
    int rc = split_mailbox(s, &name, &name_len, &addr, &addr_len);
    if (rc) return rc;
    if (addr_len >= outsz) return OWED_E_TOO_LARGE;
    memcpy(out, addr, addr_len);
    out[addr_len] = '\0';
    return OWED_OK;
}

struct mailbox {
    char addr[OWED_MAIL_ADDRESS_MAX + 1];
    struct owed_buf name; /* display name, unquoted; empty when there is none */
};

/* Checks one of from/to and fills mb; a quoted display name loses its quotes and
 * backslash escapes here and gets them back (or an encoding) when written. */
static int check_mailbox(const char *field, const char *s, struct mailbox *mb,
                         struct owed_buf *err)
{
    int rc = check_header_text(field, s, false, err);
    if (rc) return rc;
    const char *name, *addr;
    size_t name_len, addr_len;
    rc = split_mailbox(s, &name, &name_len, &addr, &addr_len);
    if (rc) {
        if (err) {
            owed_buf_addf(err, "%s: %s", field,
                          rc == OWED_E_TOO_LARGE ? "address too long" : "not a plausible address");
        }
        return OWED_E_INVALID; /* TOO_LARGE is kept for the size of the message */
    }
    memcpy(mb->addr, addr, addr_len);
    mb->addr[addr_len] = '\0';
    if (name_len >= 2 && name[0] == '"' && name[name_len - 1] == '"') {
        for (size_t i = 1; i + 1 < name_len; i++) {
            if (name[i] == '\\' && i + 2 < name_len) i++;
            owed_buf_addc(&mb->name, name[i]);
        }
    } else {
        owed_buf_add(&mb->name, name, name_len);
    }
    return OWED_OK;
}

static int check_message_id(const char *s, struct owed_buf *err)
{
    int rc = check_header_text("message_id", s, false, err);
    if (rc) return rc;
    size_t n = strlen(s);
    if (n > MESSAGE_ID_MAX || !addr_plausible(s, n)) {
        if (err) owed_buf_adds(err, "message_id: not of the form left@right");
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

/* --- headers -------------------------------------------------------------------------- */

/* One header field being written, folded at LINE_MAX_COLS where whitespace allows. */
struct hdr {
    struct owed_buf *b;
    size_t col;   /* columns on the current line */
    bool started; /* something follows "Name: " */
};

static void hdr_begin(struct hdr *h, struct owed_buf *b, const char *name)
{
    h->b = b;
    h->started = false;
    owed_buf_addf(b, "%s: ", name);
    h->col = strlen(name) + 2;
}

/* Appends sep (blanks, possibly none) and p[0..n), which is never split: the line is
 * folded before sep when the two would pass the limit. Without a sep there is no
 * whitespace to fold at, and a piece that is too long for a line of its own stays long. */
static void hdr_piece(struct hdr *h, const char *sep, size_t sep_len, const char *p, size_t n)
{
    if (sep_len > 0 && h->started && h->col + sep_len + n > LINE_MAX_COLS) {
        owed_buf_adds(h->b, "\r\n");
        h->col = 0;
    }
    owed_buf_add(h->b, sep, sep_len);
    owed_buf_add(h->b, p, n);
    h->col += sep_len + n;
    h->started = true;
}

static void hdr_end(struct hdr *h) { owed_buf_adds(h->b, "\r\n"); }

/* RFC 2047 5(3): the characters a Q encoded-word may carry as they are in a phrase (the
 * strictest context, so one rule does for names and subjects). */
static bool q_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t q_len(unsigned char c) { return (q_plain(c) || c == ' ') ? 1 : 3; }

/* Appends to word[0..w) the Q encoding of as many whole characters of u[*i..n) as fit in
 * room bytes (always at least one); returns the new length. */
static size_t q_encode(char *word, size_t w, const unsigned char *u, size_t n, size_t *i,
                       size_t room)
{
    size_t used = 0;
    while (*i < n) {
        size_t k = utf8_seq(u + *i, n - *i), enc = 0;
        OWED_ASSERT(k > 0);
        for (size_t j = 0; j < k; j++) enc += q_len(u[*i + j]);
        if (used > 0 && used + enc > room) break;
        for (size_t j = 0; j < k; j++) {
            unsigned char c = u[*i + j];
            if (c == ' ') {
                word[w++] = '_';
            } else if (q_plain(c)) {
                word[w++] = (char)c;
            } else {
                word[w++] = '=';
                word[w++] = hex_digits[c >> 4];
                word[w++] = hex_digits[c & 15];
            }
        }
        used += enc;
        *i += k;
    }
    return w;
}

/* Writes s[0..n) (valid UTF-8) as encoded-words separated by folding whitespace, each
 * holding whole characters (RFC 2047 5) and fitting on its line. */
static void hdr_encoded(struct hdr *h, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t sep = h->started ? 1 : 0;
        /* The rest of this line, unless it cannot take the largest character (12 bytes
         * encoded); then a fresh line's, and hdr_piece() folds. */
        size_t room = LINE_MAX_COLS - 1 - EW_OVERHEAD;
        if (h->col + sep + EW_OVERHEAD + 12 <= LINE_MAX_COLS) {
            room = LINE_MAX_COLS - h->col - sep - EW_OVERHEAD;
        }
        if (room > EW_MAX - EW_OVERHEAD) room = EW_MAX - EW_OVERHEAD;
        char word[EW_MAX + 1];
        memcpy(word, "=?UTF-8?Q?", 10);
        size_t w = q_encode(word, 10, u, n, &i, room);
        word[w++] = '?';
        word[w++] = '=';
        hdr_piece(h, " ", sep, word, w);
    }
}

static bool is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c > 0x20 && c < 0x7F && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool ascii_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7E) return false;
    }
    return true;
}

static bool has_ew_start(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '=' && s[i + 1] == '?') return true;
    }
    return false;
}

/* Writes the words of s[0..n) (no leading or trailing blank) as they are, folding before
 * the blanks that precede a word; false (and nothing written) when some word would not
 * fit on a line by itself, so the caller falls back to encoded-words. */
static bool hdr_words(struct hdr *h, const char *s, size_t n, bool dry_run)
{
    size_t i = 0, col = h->col;
    bool first = true;
    while (i < n) {
        size_t ws = i;
        while (i < n && s[i] == ' ') i++;
        size_t wb = i;
        while (i < n && s[i] != ' ') i++;
        size_t sep = wb - ws, len = i - wb;
        OWED_ASSERT(len > 0);
        if (dry_run) {
            size_t need = (first && !h->started) ? col + sep + len : sep + len;
            if (need > LINE_MAX_COLS) return false;
            first = false;
        } else if (!h->started) {
            hdr_piece(h, "", 0, s + ws, sep + len);
        } else {
            hdr_piece(h, s + ws, sep, s + wb, len);
        }
    }
    return true;
}

static void put_subject(struct owed_buf *b, const char *subject)
{
    struct hdr h;
    size_t n = strlen(subject);
    hdr_begin(&h, b, "Subject");
    /* Leading and trailing blanks are part of the subject, but readers strip them when
     * they are not encoded (and a fold cannot go before them). */
    bool plain = ascii_printable(subject, n) && !has_ew_start(subject, n) &&
                 (n == 0 || (subject[0] != ' ' && subject[n - 1] != ' '));
    if (plain && hdr_words(&h, subject, n, true)) {
        hdr_words(&h, subject, n, false);
    } else {
        hdr_encoded(&h, subject, n);
    }
    hdr_end(&h);
}

/* The display name as atoms ("Billing Team"), a quoted-string ("\"Example Co. KG\"") or
 * encoded-words, whichever is the most readable that is correct and fits. */
static void put_display_name(struct hdr *h, const char *s, size_t n)
{
    bool atoms = true;
    size_t quoted = 2;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool single_space = c == ' ' && i > 0 && i + 1 < n && s[i + 1] != ' ';
        if (!is_atext(c) && !single_space) atoms = false;
        quoted += (c == '"' || c == '\\') ? 2 : 1;
    }
    if (!ascii_printable(s, n) || has_ew_start(s, n)) {
        hdr_encoded(h, s, n);
    } else if (atoms && hdr_words(h, s, n, true)) {
        hdr_words(h, s, n, false);
    } else if (h->col + quoted <= LINE_MAX_COLS) {
        struct owed_buf q = OWED_BUF_INIT(0);
        owed_buf_addc(&q, '"');
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"' || s[i] == '\\') owed_buf_addc(&q, '\\');
            owed_buf_addc(&q, s[i]);
        }
        owed_buf_addc(&q, '"');
        hdr_piece(h, "", 0, q.ptr, q.len);
        owed_buf_release(&q);
    } else {
        hdr_encoded(h, s, n);
    }
}

static void put_mailbox(struct owed_buf *b, const char *field, const struct mailbox *mb)
{
    struct hdr h;
    char angle[OWED_MAIL_ADDRESS_MAX + 3];
    hdr_begin(&h, b, field);
    if (mb->name.len == 0) {
        hdr_piece(&h, "", 0, mb->addr, strlen(mb->addr));
    } else {
        put_display_name(&h, mb->name.ptr, mb->name.len);
        int n = snprintf(angle, sizeof angle, "<%s>", mb->addr);
        hdr_piece(&h, " ", 1, angle, (size_t)n);
    }
    hdr_end(&h);
}

/* "Date: Thu, 05 Mar 2026 09:30:00 +0000" (RFC 5322 3.3), from our own calendar code:
 * gmtime is banned. */
static void put_date(struct owed_buf *b, long long t)
{
    static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    owed_date day = (owed_date)(t / 86400);
    long long s = t % 86400;
    int y, m, d;
    owed_date_to_ymd(day, &y, &m, &d);
    owed_buf_addf(b, "Date: %s, %02d %s %04d %02lld:%02lld:%02lld +0000\r\n",
                  wd[owed_date_weekday(day)], d, mon[m - 1], y, s / 3600, s / 60 % 60, s % 60);
}

/* --- bodies --------------------------------------------------------------------------- */

/* Appends s[0..n) (valid UTF-8) as quoted-printable (RFC 2045 6.7): "\n" and "\r\n"
 * become CRLF (hard breaks); '=', bytes outside printable ASCII and a blank before a line
 * end are =XX; lines get a soft break ("=") before they would pass 76 columns, never inside
 * a character. Ends with CRLF. */
static void put_qp(struct owed_buf *b, const char *s, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || (c == '\r' && i + 1 < n && s[i + 1] == '\n')) {
            i += c == '\r';
            owed_buf_adds(b, "\r\n");
            col = 0;
            continue;
        }
        bool at_eol = i + 1 == n || s[i + 1] == '\n' ||
                      (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
        char tok[3];
        size_t t = 1;
        if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol)) {
            tok[0] = (char)c;
        } else {
            tok[0] = '=', tok[1] = hex_digits[c >> 4], tok[2] = hex_digits[c & 15];
            t = 3;
        }
        /* A character's escapes stay on one line: some readers show each line alone. */
        size_t need = c >= 0xC0 ? 3 * utf8_seq((const unsigned char *)s + i, n - i) : t;
        if (col + need > LINE_MAX_COLS - 1) {
            owed_buf_adds(b, "=\r\n");
            col = 0;
        }
        owed_buf_add(b, tok, t);
        col += t;
    }
    if (n == 0 || s[n - 1] != '\n') owed_buf_adds(b, "\r\n");
}

static void put_part_headers(struct owed_buf *b, const char *type)
{
    owed_buf_addf(b,
                  "Content-Type: %s; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n",
                  type);
}

/* Room for the longest boundary, "=_owed_mixed_" and 16 hex digits, and its NUL. */
#define BOUNDARY_SIZE 32

/* prefix + FNV-1a 64 of the seed: deterministic, so a message composed twice is the same
 * bytes; safe because "=_" occurs in neither quoted-printable nor base64 output. The
 * prefixes ("=_owed_" for multipart/alternative, "=_owed_mixed_" for multipart/mixed)
 * keep the two boundaries of one message distinct, and neither a prefix of the other
 * (a hex digit or "m" after "=_owed_"), which is how some readers match them. */
static void make_boundary(const char *seed, const char *prefix, char out[BOUNDARY_SIZE])
{
    uint64_t h = 0xcbf29ce484222325u;
    for (const unsigned char *p = (const unsigned char *)seed; *p; p++) {
        h = (h ^ *p) * 0x100000001b3u;
    }
    snprintf(out, BOUNDARY_SIZE, "%s%016llx", prefix, (unsigned long long)h);
}

/* The text, or the text and the html as alternatives: the whole body of a message
 * without attachments, the first part of the multipart/mixed of one with them. */
static void put_body(struct owed_buf *b, const struct owed_mail *m, const char *seed)
{
    if (!m->html) {
        put_part_headers(b, "text/plain");
        owed_buf_adds(b, "\r\n");
        put_qp(b, m->text, strlen(m->text));
        return;
    }
    char boundary[BOUNDARY_SIZE];
    make_boundary(seed, "=_owed_", boundary);
    owed_buf_addf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
    owed_buf_addf(b, "--%s\r\n", boundary);
    put_part_headers(b, "text/plain");
    owed_buf_adds(b, "\r\n");
    put_qp(b, m->text, strlen(m->text));
    owed_buf_addf(b, "--%s\r\n", boundary);
    put_part_headers(b, "text/html");
    owed_buf_adds(b, "\r\n");
    put_qp(b, m->html, strlen(m->html));
    owed_buf_addf(b, "--%s--\r\n", boundary);
}

/* RFC 2231 attribute-char: what an extended parameter value carries without %XX. */
static bool attr_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !strchr("*'%()<>@,;:\\\"/[]?=", c);
}

static size_t pct_len(const unsigned char *u, size_t k)
{
    size_t n = 0;
    for (size_t j = 0; j < k; j++) n += attr_char(u[j]) ? 1 : 3;
    return n;
}

static void pct_add(struct owed_buf *b, const unsigned char *u, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        if (attr_char(u[j])) {
            owed_buf_addc(b, (char)u[j]);
        } else {
            char e[3] = {'%', hex_digits[u[j] >> 4], hex_digits[u[j] & 15]};
            owed_buf_add(b, e, 3);
        }
    }
}

/* Appends the parameter attr=value (value valid UTF-8, no control characters) as the
 * last one of the header: attr="value" when the value is printable ASCII without '"',
 * '\' or "=?" and the parameter fits on a line of its own; otherwise RFC 2231's
 * attr*=UTF-8''Rechnung%20M%C3%BCller.pdf, split into numbered sections of whole
 * characters (attr*0*=UTF-8''...; attr*1*=...) when one line would not hold it. */
static void hdr_param(struct hdr *h, const char *attr, const char *value)
{
    const unsigned char *u = (const unsigned char *)value;
    size_t n = strlen(value), an = strlen(attr);
    struct owed_buf p = OWED_BUF_INIT(0);
    /* "=?" in a quoted value is decoded as RFC 2047 by some readers, against the rules. */
    if (ascii_printable(value, n) && !strpbrk(value, "\"\\") && !has_ew_start(value, n) &&
        1 + an + 3 + n <= LINE_MAX_COLS) {
        owed_buf_addf(&p, "%s=\"%s\"", attr, value);
        hdr_piece(h, " ", 1, p.ptr, p.len);
    } else if (1 + an + 9 + pct_len(u, n) <= LINE_MAX_COLS) {
        owed_buf_addf(&p, "%s*=UTF-8''", attr);
        pct_add(&p, u, n);
        hdr_piece(h, " ", 1, p.ptr, p.len);
    } else {
        size_t i = 0;
        for (int k = 0; i < n; k++) {
            owed_buf_reset(&p);
            owed_buf_addf(&p, "%s*%d*=%s", attr, k, k == 0 ? "UTF-8''" : "");
            /* Whole characters while the section and a ";" fit on a line of their own;
             * always at least one (12 bytes at most, far below the room). */
            size_t first = i;
            while (i < n) {
                size_t cl = utf8_seq(u + i, n - i);
                OWED_ASSERT(cl > 0);
                if (i > first && 1 + p.len + pct_len(u + i, cl) + 1 > LINE_MAX_COLS) break;
                pct_add(&p, u + i, cl);
                i += cl;
            }
            if (i < n) owed_buf_addc(&p, ';');
            hdr_piece(h, " ", 1, p.ptr, p.len);
        }
    }
    owed_buf_release(&p);
}

/* Appends data[0..len) in base64 (RFC 2045 6.8): lines of 76 characters, each ending in
 * CRLF; an empty body is one empty line, so that the boundary still has its own CRLF. */
static void put_base64(struct owed_buf *b, const unsigned char *data, size_t len)
{
    char line[sodium_base64_ENCODED_LEN(B64_LINE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    for (size_t off = 0; off < len && !owed_buf_err(b); off += B64_LINE_BYTES) {
        size_t k = len - off < B64_LINE_BYTES ? len - off : B64_LINE_BYTES;
        sodium_bin2base64(line, sizeof line, data + off, k, sodium_base64_VARIANT_ORIGINAL);
        owed_buf_add(b, line, (k + 2) / 3 * 4);
        owed_buf_adds(b, "\r\n");
    }
    if (len == 0) owed_buf_adds(b, "\r\n");
}

/* The bytes put_base64() writes for len bytes of data, or SIZE_MAX when that would not
 * fit in a size_t: known before encoding, so an attachment that cannot fit is refused
 * without being read. */
static size_t base64_size(size_t len)
{
    size_t lines = len / B64_LINE_BYTES + (len % B64_LINE_BYTES != 0), chars, total;
    if (len == 0) return 2;
    if (__builtin_mul_overflow(len / 3 + (len % 3 != 0), (size_t)4, &chars) ||
        __builtin_add_overflow(chars, 2 * lines, &total)) {
        return SIZE_MAX;
    }
    return total;
}

static size_t attachments_size(const struct owed_mail *m)
{
    size_t total = 0;
    for (size_t i = 0; i < m->n_attachments; i++) {
        if (__builtin_add_overflow(total, base64_size(m->attachments[i].len), &total)) {
            return SIZE_MAX;
        }
    }
    return total;
}

static void put_attachment(struct owed_buf *b, const struct owed_mail_attachment *a)
{
    struct hdr h;
    hdr_begin(&h, b, "Content-Type");
    hdr_piece(&h, "", 0, a->content_type, strlen(a->content_type));
    hdr_piece(&h, "", 0, ";", 1);
    hdr_param(&h, "name", a->filename);
    hdr_end(&h);
    owed_buf_adds(b, "Content-Transfer-Encoding: base64\r\n");
    hdr_begin(&h, b, "Content-Disposition");
    hdr_piece(&h, "", 0, "attachment;", 11);
    hdr_param(&h, "filename", a->filename);
    hdr_end(&h);
    owed_buf_adds(b, "\r\n");
    put_base64(b, a->data, a->len);
}

static void put_message(struct owed_buf *b, const struct owed_mail *m, const struct mailbox *from,
                        const struct mailbox *to)
{
    const char *seed = m->boundary_seed ? m->boundary_seed : m->message_id;
    put_date(b, m->date_unix);
    put_mailbox(b, "From", from);
    put_mailbox(b, "To", to);
    put_subject(b, m->subject);
    owed_buf_addf(b, "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n", m->message_id);
    if (m->n_attachments == 0) {
        put_body(b, m, seed);
        return;
    }
    char boundary[BOUNDARY_SIZE];
    make_boundary(seed, "=_owed_mixed_", boundary);
    owed_buf_addf(b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary);
    owed_buf_addf(b, "--%s\r\n", boundary);
    put_body(b, m, seed);
    for (size_t i = 0; i < m->n_attachments && !owed_buf_err(b); i++) {
        owed_buf_addf(b, "--%s\r\n", boundary);
        put_attachment(b, &m->attachments[i]);
    }
    owed_buf_addf(b, "--%s--\r\n", boundary);
}

static int check_body(const char *field, const char *s, struct owed_buf *err)
{
    if (utf8_valid(s, strlen(s))) return OWED_OK;
    if (err) owed_buf_addf(err, "%s: not valid UTF-8", field);
    return OWED_E_INVALID;
}

/* RFC 2045 token: printable ASCII except space and tspecials. */
static bool is_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool is_token(const char *s, size_t n)
{
    if (n == 0 || n > MEDIA_TOKEN_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_token_char((unsigned char)s[i])) return false;
    }
    return true;
}

/* Why content_type is refused, or NULL: "type/subtype", no parameters; not multipart or
 * message, which must not be base64-encoded (RFC 2045 6.4). */
static const char *media_type_problem(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || !is_token(s, (size_t)(slash - s)) || !is_token(slash + 1, strlen(slash + 1))) {
        return "not a type/subtype token";
    }
    size_t tn = (size_t)(slash - s);
    if ((tn == 9 && strncasecmp(s, "multipart", 9) == 0) ||
        (tn == 7 && strncasecmp(s, "message", 7) == 0)) {
        return "multipart and message types cannot be attached";
    }
    return NULL;
}

static int check_attachment(size_t i, const struct owed_mail_attachment *a, struct owed_buf *err)
{
    OWED_ASSERT(a->filename && a->content_type && (a->data || a->len == 0));
    char field[64];
    snprintf(field, sizeof field, "attachments[%zu].filename", i);
    int rc = check_header_text(field, a->filename, false, err);
    if (rc) return rc;
    size_t n = strlen(a->filename);
    const char *why = NULL;
    if (n == 0) {
        why = "empty";
    } else if (n > OWED_MAIL_FILENAME_MAX) {
        why = "too long";
    } else if (a->filename[0] == ' ' || a->filename[n - 1] == ' ') {
        /* Readers drop them: refused, so that the audit copy of the message names the
         * file as the customer sees it. */
        why = "starts or ends with a blank";
    } else {
        snprintf(field, sizeof field, "attachments[%zu].content_type", i);
        why = media_type_problem(a->content_type);
    }
    if (why) {
        if (err) owed_buf_addf(err, "%s: %s", field, why);
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

static int check_all(const struct owed_mail *m, struct mailbox *from, struct mailbox *to,
                     struct owed_buf *err)
{
    const long long date_max = ((long long)owed_date_from_ymd(9999, 12, 31) + 1) * 86400 - 1;
    int rc;
    if ((rc = check_mailbox("from", m->from, from, err)) ||
        (rc = check_mailbox("to", m->to, to, err)) ||
        (rc = check_header_text("subject", m->subject, true, err)) ||
        (rc = check_body("text", m->text, err)) ||
        (m->html && (rc = check_body("html", m->html, err))) ||
        (rc = check_message_id(m->message_id, err))) {
        return rc;
    }
    if (m->date_unix < 0 || m->date_unix > date_max) {
        if (err) owed_buf_addf(err, "date_unix: %lld out of range", m->date_unix);
        return OWED_E_INVALID;
    }
    OWED_ASSERT(m->attachments || m->n_attachments == 0);
    for (size_t i = 0; i < m->n_attachments; i++) {
        if ((rc = check_attachment(i, &m->attachments[i], err))) return rc;
    }
    return OWED_OK;
}

int owed_mail_compose(const struct owed_mail *m, struct owed_buf *out, struct owed_buf *err)
{
    OWED_ASSERT(m && out);
    OWED_ASSERT(m->from && m->to && m->subject && m->text && m->message_id);
    if (owed_buf_err(out)) return owed_buf_err(out);
    struct mailbox from = {.name = OWED_BUF_INIT(0)}, to = {.name = OWED_BUF_INIT(0)};
    int rc = check_all(m, &from, &to, err);
    if (rc == OWED_OK) {
        size_t max = out->max ? out->max : OWED_BUF_MAX_DEFAULT;
        struct owed_buf msg = OWED_BUF_INIT(max - out->len);
        if (max == out->len || attachments_size(m) > max - out->len) {
            rc = OWED_E_TOO_LARGE;
        } else {
            put_message(&msg, m, &from, &to);
            rc = owed_buf_err(&msg);
        }
        if (rc == OWED_OK) {
            owed_buf_add(out, msg.ptr, msg.len);
            OWED_ASSERT(owed_buf_err(out) == OWED_OK);
        } else if (err) {
            owed_buf_adds(err, "message: exceeds size limit");
        }
        owed_buf_release(&msg);
    }
    owed_buf_release(&from.name);
    owed_buf_release(&to.name);
    return rc;
}
