/* OFX bank (STMTRS) and credit-card (CCSTMTRS) statements, OFX 1.x and 2.x (see bank.h).
 *
 * Why a hand-written tokenizer and not libxml2: OFX 1.x is SGML whose leaf elements
 * usually have no end tag ("<TRNAMT>-6.60<FITID>0001</STMTTRN>"), which no XML parser
 * accepts (libxml2's HTML parser would only guess at the nesting). OFX 2.x is the same
 * element set written as XML, with end tags. One cursor tokenizer that treats the end tag
 * of a leaf as optional reads both, so the two versions cannot drift apart in what they
 * accept, and it is small enough to fuzz exhaustively.
 *
 * The cursor yields start tags, end tags and text. An element followed by non-blank text
 * is a leaf: the text is its value, and its own end tag may follow. An element followed by
 * another tag opens an aggregate, pushed on a stack; an end tag pops up to its element
 * (an empty leaf without an end tag was pushed too and is popped silently, but an
 * aggregate we know must have its end tag). A leaf is interpreted by the innermost
 * aggregate we know around it, so elements we do not know are transparent.
 *
 * Mapping: CURDEF = currency; BANKACCTFROM/CCACCTFROM ACCTID = account; STMTTRN: TRNTYPE
 * = bank_code, DTPOSTED = booking_date, DTUSER = value_date, TRNAMT (signed) = amount and
 * direction, FITID = entry_ref, NAME (else PAYEE/NAME) = counterparty_name, BANKACCTTO or
 * CCACCTTO ACCTID = counterparty_account, MEMO = remittance, CHECKNUM (else REFNUM) =
 * end_to_end. LEDGERBAL = closing balance ("LEDGER", as of DTASOF); the opening balance
 * is LEDGERBAL minus the statement's transactions ("DERIVED", dated DTSTART), as Odoo
 * derives it. statement_id = "ACCTID:DTSTART-DTEND", or "ACCTID:DTASOF" without a
 * transaction list. Only the date part of OFX date-times is kept (no zone conversion).
 * Transactions of amount zero carry no money and are skipped (bank.h: amounts are > 0).
 * Investment statements (INVSTMTRS) are skipped whole. A file without statements (a failed
 * sign-on, an error status) is not an error: the caller decides.
 *
 * Text: entities (&amp; &lt; &gt; &quot; &apos; &nbsp; &#N; &#xH;) are decoded; a bare or
 * unknown "&" stays as it is (OFX 1.x files often hold "AT&T"). Text is converted to UTF-8
 * from Windows-1252 when the header says CHARSET:1252 or ISO-8859-1 (or the XML
 * declaration does), and byte by byte wherever it is not valid UTF-8.
 *
 * Errors are "LINE: reason". */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/bank.h"

#include "base.h"

#define MAX_DEPTH 64

struct span {
    const char *p;
    size_t n;
};

enum tok_kind { TOK_EOF, TOK_START, TOK_END, TOK_TEXT };

struct tok {
    enum tok_kind kind;
    struct span s; /* tag name, or raw text */
    bool empty;    /* <TAG/> */
    long line;
};

/* The aggregates we interpret; everything else is AGG_NONE and transparent. */
enum agg {
    AGG_NONE,
    AGG_OFX,
    AGG_STMT,       /* STMTRS, CCSTMTRS */
    AGG_INVSTMT,    /* INVSTMTRS: skipped */
    AGG_ACCTFROM,   /* BANKACCTFROM, CCACCTFROM */
    AGG_ACCTTO,     /* BANKACCTTO, CCACCTTO */
    AGG_TRANLIST,   /* BANKTRANLIST */
    AGG_STMTTRN,
    AGG_PAYEE,
    AGG_LEDGERBAL,
    AGG_AVAILBAL,
    AGG_CURRENCY,
    AGG_ORIGCURRENCY,
};

static const struct {
    const char *name;
    enum agg kind;
} aggregates[] = {
    {"OFX", AGG_OFX},
    {"STMTRS", AGG_STMT},
    {"CCSTMTRS", AGG_STMT},
    {"INVSTMTRS", AGG_INVSTMT},
    {"BANKACCTFROM", AGG_ACCTFROM},
    {"CCACCTFROM", AGG_ACCTFROM},
    {"BANKACCTTO", AGG_ACCTTO},
    {"CCACCTTO", AGG_ACCTTO},
    {"BANKTRANLIST", AGG_TRANLIST},
    {"STMTTRN", AGG_STMTTRN},
    {"PAYEE", AGG_PAYEE},
    {"LEDGERBAL", AGG_LEDGERBAL},
    {"AVAILBAL", AGG_AVAILBAL},
    {"CURRENCY", AGG_CURRENCY},
    /* ORIGCURRENCY: the amounts were converted to CURDEF; its CURSYM changes nothing. */
    {"ORIGCURRENCY", AGG_ORIGCURRENCY},
};

struct frame {
    struct span name;
    long line;
    enum agg kind;
    bool live;      /* this frame opened the current statement or transaction */
    bool has_child; /* an element or text inside: not an empty leaf */
};

/* The transaction being read; strings are decoded text. */
struct trn {
    bool active;
    long line;
    bool have_amount;
    struct span amount; /* raw TRNAMT, parsed at </STMTTRN> once the currency is known */
    long amount_line;
    owed_date posted, user;
    char currency[4];   /* CURRENCY/CURSYM: the amount is in it, not in CURDEF */
    struct owed_buf type, fitid, name, payee, memo, checknum, refnum, acct;
};

struct stmt {
    bool active;
    size_t index; /* in out->stmts (the array may move) */
    long line;
    char currency[4];
    struct owed_buf acct;
    owed_date start, end, asof;
    char start_s[9], end_s[9], asof_s[9]; /* YYYYMMDD as written */
    struct span balance;                  /* raw LEDGERBAL/BALAMT */
    long balance_line;
    bool have_ledger;
    int64_t sum;      /* signed transactions in CURDEF */
    bool mixed;       /* a transaction in another currency: no derived opening */
};

struct ofx {
    const char *p, *end;
    long line;
    bool cp1252;       /* the file declares Windows-1252 / ISO-8859-1 */
    struct tok la;     /* lookahead */
    bool have_la;
    struct frame stack[MAX_DEPTH];
    size_t depth;
    bool seen_root;
    struct stmt st;
    struct trn tr;
    struct owed_bank_file *out;
    struct owed_buf *err;
};

/* --- small helpers ------------------------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct span trim(struct span v)
{
    while (v.n > 0 && is_space(*v.p)) v.p++, v.n--;
    while (v.n > 0 && is_space(v.p[v.n - 1])) v.n--;
    return v;
}

static bool name_is(struct span s, const char *name)
{
    return s.n == strlen(name) && strncasecmp(s.p, name, s.n) == 0;
}

static bool name_eq(struct span a, struct span b)
{
    return a.n == b.n && strncasecmp(a.p, b.p, a.n) == 0;
}

static enum agg aggregate_kind(struct span name)
{
    for (size_t i = 0; i < OWED_ARRAY_LEN(aggregates); i++)
        if (name_is(name, aggregates[i].name)) return aggregates[i].kind;
    return AGG_NONE;
}

static int fail(struct ofx *o, long line, const char *fmt, ...) OWED_PRINTF(3, 4);
static int fail(struct ofx *o, long line, const char *fmt, ...)
{
    if (!o->err) return OWED_E_PARSE;
    owed_buf_addf(o->err, "%ld: ", line);
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(o->err, fmt, ap);
    va_end(ap);
    return OWED_E_PARSE;
}

/* A value quoted in an error message, cut short. */
#define QUOTE_FMT "\"%.*s%s\""
#define QUOTE_ARGS(v) (int)((v).n > 40 ? 40 : (v).n), (v).p, (v).n > 40 ? "..." : ""

static void count_lines(struct ofx *o, const char *from, const char *to)
{
    for (const char *q = from; q < to; q++)
        if (*q == '\n') o->line++;
}

/* --- text --------------------------------------------------------------------------- */

/* Windows-1252 0x80-0x9F; the five unassigned bytes become U+FFFD. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void put_utf8(struct owed_buf *b, uint32_t cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        s[0] = (char)(0xF0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    owed_buf_add(b, s, n);
}

/* Length of the well-formed UTF-8 sequence at p (no overlongs, no surrogates, nothing
 * above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned c0 = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (c0 >= 0xC2 && c0 <= 0xDF) n = 2;
    else if (c0 >= 0xE0 && c0 <= 0xEF) n = 3;
    else if (c0 >= 0xF0 && c0 <= 0xF4) n = 4;
    else return 0;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;
    if (avail < n) return 0;
    for (size_t i = 1; i < n; i++) {
        unsigned ci = p[i];
        if (i == 1 ? (ci < lo || ci > hi) : (ci & 0xC0) != 0x80) return 0;
    }
    return n;
}

/* The entity at s[0] == '&': appends its character and returns its length, or 0 when it
 * is not one we decode. */
static size_t entity(const char *s, size_t n, struct owed_buf *out)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
                 {"nbsp", 0xA0}};
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (!semi) return 0;
    size_t len = (size_t)(semi - s) + 1;
    struct span body = {s + 1, len - 2};
    for (size_t i = 0; i < OWED_ARRAY_LEN(named); i++) {
        if (body.n == strlen(named[i].name) && memcmp(body.p, named[i].name, body.n) == 0) {
            put_utf8(out, named[i].cp);
            return len;
        }
    }
    if (body.n < 2 || body.p[0] != '#') return 0;
    bool hex = body.p[1] == 'x' || body.p[1] == 'X';
    uint32_t cp = 0;
    size_t i = hex ? 2 : 1;
    if (i == body.n) return 0;
    for (; i < body.n; i++) {
        char c = body.p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
        else if (hex && c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
        else return 0;
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF) return 0;
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    put_utf8(out, cp);
    return len;
}

/* Appends the decoded text of a leaf value (see the top of the file). */
static void decode(const struct ofx *o, struct span v, struct owed_buf *out)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0;
    while (i < v.n) {
        unsigned char c = p[i];
        if (c == '&') {
            size_t k = entity(v.p + i, v.n - i, out);
            if (k) {
                i += k;
                continue;
            }
        }
        if (c < 0x80) {
            owed_buf_addc(out, (char)c);
            i++;
            continue;
        }
        size_t k = o->cp1252 ? 0 : utf8_len(p + i, v.n - i);
        if (k) {
            owed_buf_add(out, p + i, k);
            i += k;
            continue;
        }
        put_utf8(out, c < 0xA0 ? cp1252_high[c - 0x80] : c);
        i++;
    }
}

/* Replaces the contents of b with the decoded v. */
static void set_decoded(const struct ofx *o, struct owed_buf *b, struct span v)
{
    owed_buf_reset(b);
    decode(o, v, b);
}

/* --- header and tokenizer ----------------------------------------------------------- */

static bool charset_is_1252(struct span v)
{
    return name_is(v, "1252") || name_is(v, "WINDOWS-1252") || name_is(v, "CP1252") ||
           name_is(v, "ISO-8859-1") || name_is(v, "8859-1") || name_is(v, "LATIN1");
}

/* The value after "KEY:" in the OFX 1.x header (up to white space). */
static struct span header_value(const char *p, const char *end, const char *key)
{
    size_t klen = strlen(key);
    for (const char *q = p; q && end - q >= (ptrdiff_t)klen;) {
        q = memmem(q, (size_t)(end - q), key, klen);
        if (!q) break;
        if (q == p || is_space(q[-1])) {
            const char *v = q + klen, *e = v;
            while (e < end && !is_space(*e)) e++;
            return (struct span){v, (size_t)(e - v)};
        }
        q += klen;
    }
    return (struct span){"", 0};
}

/* OFX 1.x: "OFXHEADER:100" and KEY:VALUE pairs (one per line, or several on one line as
 * some banks write them) up to the first tag. */
static void sgml_header(struct ofx *o)
{
    const char *lt = memchr(o->p, '<', (size_t)(o->end - o->p));
    const char *hend = lt ? lt : o->end;
    struct span version = header_value(o->p, hend, "VERSION:");
    struct span charset = header_value(o->p, hend, "CHARSET:");
    struct span encoding = header_value(o->p, hend, "ENCODING:");
    if (version.n > 0 && version.n < sizeof(o->out->version) - 4)
        snprintf(o->out->version, sizeof(o->out->version), "OFX %.*s", (int)version.n,
                 version.p);
    o->cp1252 = !name_is(encoding, "UTF-8") && charset_is_1252(charset);
    count_lines(o, o->p, hend);
    o->p = hend;
}

/* The value of name="..." in a processing instruction body. */
static struct span pi_attr(struct span body, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i + nlen + 2 <= body.n; i++) {
        if (strncasecmp(body.p + i, name, nlen) != 0 || body.p[i + nlen] != '=') continue;
        if (i > 0 && !is_space(body.p[i - 1])) continue;
        char q = body.p[i + nlen + 1];
        if (q != '"' && q != '\'') continue;
        const char *v = body.p + i + nlen + 2;
        const char *e = memchr(v, q, (size_t)(body.p + body.n - v));
        if (e) return (struct span){v, (size_t)(e - v)};
    }
    return (struct span){"", 0};
}

/* <?xml encoding="..."?> and <?OFX VERSION="..."?> of OFX 2.x. */
static void processing_instruction(struct ofx *o, struct span body)
{
    if (body.n >= 4 && strncasecmp(body.p, "xml", 3) == 0 && is_space(body.p[3])) {
        o->cp1252 = charset_is_1252(pi_attr(body, "encoding"));
    } else if (body.n >= 4 && strncasecmp(body.p, "OFX", 3) == 0 && is_space(body.p[3])) {
        struct span v = pi_attr(body, "VERSION");
        if (v.n > 0 && v.n < sizeof(o->out->version) - 4)
            snprintf(o->out->version, sizeof(o->out->version), "OFX %.*s", (int)v.n, v.p);
    }
}

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == ':';
}

/* Skips "<?...?>", "<!--...-->" or "<!...>" at o->p. */
static int skip_markup(struct ofx *o)
{
    const char *p = o->p;
    size_t left = (size_t)(o->end - p);
    const char *close;
    size_t clen;
    if (left >= 4 && memcmp(p, "<!--", 4) == 0) {
        close = memmem(p + 4, left - 4, "-->", 3);
        clen = 3;
    } else if (p[1] == '?') {
        close = memmem(p + 2, left - 2, "?>", 2);
        clen = 2;
        if (close) processing_instruction(o, (struct span){p + 2, (size_t)(close - p - 2)});
    } else {
        close = memchr(p + 2, '>', left - 2);
        clen = 1;
    }
    if (!close) return fail(o, o->line, "unterminated %s", p[1] == '?' ? "<?" : "<!");
    count_lines(o, p, close + clen);
    o->p = close + clen;
    return OWED_OK;
}

/* A start or end tag at o->p ('<' seen, not markup). */
static int lex_tag(struct ofx *o, struct tok *t)
{
    const char *p = o->p + 1;
    bool end_tag = p < o->end && *p == '/';
    if (end_tag) p++;
    const char *name = p;
    while (p < o->end && name_char(*p)) p++;
    t->kind = end_tag ? TOK_END : TOK_START;
    t->s = (struct span){name, (size_t)(p - name)};
    t->line = o->line;
    t->empty = false;
    if (t->s.n == 0) return fail(o, o->line, "'<' not followed by a tag name");
    /* Attributes are not part of OFX; anything up to '>' is skipped, '<' is not allowed. */
    const char *q = p;
    while (q < o->end && *q != '>' && *q != '<') q++;
    if (q == o->end || *q == '<')
        return fail(o, o->line, "unterminated tag <%s%.*s", end_tag ? "/" : "", (int)t->s.n,
                    t->s.p);
    if (end_tag && trim((struct span){p, (size_t)(q - p)}).n > 0)
        return fail(o, o->line, "junk in end tag </%.*s>", (int)t->s.n, t->s.p);
    t->empty = !end_tag && q > p && q[-1] == '/';
    count_lines(o, p, q);
    o->p = q + 1;
    return OWED_OK;
}

/* The next token: a tag, or the text up to the next '<'. */
static int lex(struct ofx *o, struct tok *t)
{
    for (;;) {
        if (o->p >= o->end) {
            t->kind = TOK_EOF;
            t->line = o->line;
            return OWED_OK;
        }
        if (*o->p != '<') {
            const char *lt = memchr(o->p, '<', (size_t)(o->end - o->p));
            const char *e = lt ? lt : o->end;
            t->kind = TOK_TEXT;
            t->s = (struct span){o->p, (size_t)(e - o->p)};
            t->line = o->line;
            count_lines(o, o->p, e);
            o->p = e;
            return OWED_OK;
        }
        if (o->end - o->p >= 2 && (o->p[1] == '?' || o->p[1] == '!')) {
            int rc = skip_markup(o);
            if (rc) return rc;
            continue;
        }
        return lex_tag(o, t);
    }
}

static int next(struct ofx *o, struct tok *t)
{
    if (o->have_la) {
        *t = o->la;
        o->have_la = false;
        return OWED_OK;
    }
    return lex(o, t);
}

static int peek(struct ofx *o, const struct tok **t)
{
    if (!o->have_la) {
        int rc = lex(o, &o->la);
        if (rc) return rc;
        o->have_la = true;
    }
    *t = &o->la;
    return OWED_OK;
}

/* --- values ------------------------------------------------------------------------- */

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

/* "YYYYMMDD[HHMM[SS[.XXX]]][[gmt offset[:tz name]]]": the date part is kept. */
static bool parse_ofx_date(struct span v, owed_date *out, char ymd[9])
{
    if (v.n < 8 || !all_digits(v.p, 8)) return false;
    int y = (v.p[0] - '0') * 1000 + (v.p[1] - '0') * 100 + (v.p[2] - '0') * 10 + (v.p[3] - '0');
    int m = (v.p[4] - '0') * 10 + (v.p[5] - '0');
    int d = (v.p[6] - '0') * 10 + (v.p[7] - '0');
    if (!owed_date_valid_ymd(y, m, d)) return false;
    size_t i = 8;
    while (i < v.n && i < 14 && v.p[i] >= '0' && v.p[i] <= '9') i++;
    if (i != 8 && i != 12 && i != 14) return false;
    if (i < v.n && v.p[i] == '.' && i >= 14) {
        size_t f = ++i;
        while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') i++;
        if (i == f) return false;
    }
    if (i < v.n && v.p[i] == '[') {
        const char *close = memchr(v.p + i, ']', v.n - i);
        if (!close || close != v.p + v.n - 1) return false;
        i = v.n;
    }
    if (i != v.n) return false;
    *out = owed_date_from_ymd(y, m, d);
    memcpy(ymd, v.p, 8);
    ymd[8] = '\0';
    return true;
}

static int leaf_date(struct ofx *o, struct span name, struct span v, long line, owed_date *out,
                     char ymd[9])
{
    char tmp[9];
    if (!parse_ofx_date(v, out, ymd ? ymd : tmp))
        return fail(o, line, "%.*s: not an OFX date: " QUOTE_FMT, (int)name.n, name.p,
                    QUOTE_ARGS(v));
    return OWED_OK;
}

/* A signed OFX amount ('.' or ',' as the decimal mark) in minor units of currency. */
static int ofx_amount(struct ofx *o, const char *what, struct span v, long line,
                      const char *currency, int64_t *out)
{
    int rc = v.n ? owed_bank_amount(v.p, v.n, currency, out) : OWED_E_PARSE;
    if (rc == OWED_E_OVERFLOW) return fail(o, line, "%s: amount out of range", what);
    if (rc == OWED_E_CURRENCY) return fail(o, line, "%s: unknown currency %s", what, currency);
    if (rc != OWED_OK)
        return fail(o, line, "%s: not an amount in %s: " QUOTE_FMT, what, currency,
                    QUOTE_ARGS(v));
    if (*out == INT64_MIN) return fail(o, line, "%s: amount out of range", what);
    return OWED_OK;
}

static bool valid_currency(struct span v, char out[4])
{
    if (v.n != 3) return false;
    char code[4] = {v.p[0], v.p[1], v.p[2], '\0'};
    if (owed_currency_exponent(code) < 0) return false;
    memcpy(out, code, 4);
    return true;
}

/* --- statements and transactions ----------------------------------------------------- */

static struct owed_buf *trn_bufs(struct trn *t, size_t i)
{
    struct owed_buf *bufs[] = {&t->type, &t->fitid,    &t->name,   &t->payee,
                               &t->memo, &t->checknum, &t->refnum, &t->acct};
    return i < OWED_ARRAY_LEN(bufs) ? bufs[i] : NULL;
}

static void trn_reset(struct trn *t, long line)
{
    for (size_t i = 0; trn_bufs(t, i); i++) owed_buf_reset(trn_bufs(t, i));
    t->active = true;
    t->line = line;
    t->have_amount = false;
    t->amount = (struct span){"", 0};
    t->amount_line = line;
    t->posted = t->user = OWED_BANK_NO_DATE;
    t->currency[0] = '\0';
}

static void stmt_reset(struct stmt *s, size_t index, long line)
{
    s->active = true;
    s->index = index;
    s->line = line;
    s->currency[0] = '\0';
    owed_buf_reset(&s->acct);
    s->start = s->end = s->asof = OWED_BANK_NO_DATE;
    s->start_s[0] = s->end_s[0] = s->asof_s[0] = '\0';
    s->balance = (struct span){"", 0};
    s->balance_line = line;
    s->have_ledger = false;
    s->sum = 0;
    s->mixed = false;
}

static void set_from(char **dst, const struct owed_buf *b)
{
    if (b->len) owed_bank_set(dst, b->ptr, b->len);
}

/* </STMTTRN>: the transaction becomes an entry. */
static int trn_close(struct ofx *o)
{
    struct trn *t = &o->tr;
    struct stmt *st = &o->st;
    t->active = false;
    if (!t->have_amount) return fail(o, t->line, "STMTTRN without TRNAMT");
    const char *ccy = t->currency[0] ? t->currency : st->currency;
    if (!ccy[0]) return fail(o, t->line, "STMTTRN in a statement without CURDEF");
    int64_t v;
    int rc = ofx_amount(o, "TRNAMT", t->amount, t->amount_line, ccy, &v);
    if (rc) return rc;
    if (v == 0) return OWED_OK;
    if (strcmp(ccy, st->currency) != 0) st->mixed = true;
    else if (owed_i64_add(st->sum, v, &st->sum))
        return fail(o, t->line, "sum of the transactions out of range");
    struct owed_bank_entry *e = owed_bank_entry_add(&o->out->stmts[st->index]);
    e->amount_minor = v < 0 ? -v : v;
    e->credit = v > 0;
    e->booking_date = t->posted;
    e->value_date = t->user;
    memcpy(e->currency, ccy, sizeof(e->currency));
    e->line = t->line;
    set_from(&e->bank_code, &t->type);
    set_from(&e->entry_ref, &t->fitid);
    set_from(&e->counterparty_name, t->name.len ? &t->name : &t->payee);
    set_from(&e->counterparty_account, &t->acct);
    set_from(&e->end_to_end, t->checknum.len ? &t->checknum : &t->refnum);
    if (t->memo.len) owed_bank_append(&e->remittance, t->memo.ptr, t->memo.len);
    return OWED_OK;
}

/* </STMTRS>, </CCSTMTRS>: currency, id, balances. */
static int stmt_close(struct ofx *o)
{
    struct stmt *st = &o->st;
    struct owed_bank_statement *s = &o->out->stmts[st->index];
    st->active = false;
    if (!st->currency[0]) return fail(o, st->line, "statement without CURDEF");
    memcpy(s->currency, st->currency, sizeof(s->currency));
    set_from(&s->account, &st->acct);
    struct owed_buf id = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_add(&id, st->acct.ptr, st->acct.len);
    if (st->start_s[0] || st->end_s[0]) owed_buf_addf(&id, ":%s-%s", st->start_s, st->end_s);
    else if (st->asof_s[0]) owed_buf_addf(&id, ":%s", st->asof_s);
    set_from(&s->statement_id, &id);
    owed_buf_release(&id);
    s->date = st->asof != OWED_BANK_NO_DATE ? st->asof : st->end;
    if (!st->have_ledger) return OWED_OK;

    int64_t bal, open;
    int rc = ofx_amount(o, "BALAMT", st->balance, st->balance_line, st->currency, &bal);
    if (rc) return rc;
    s->closing = (struct owed_bank_balance){true, bal, st->asof, "LEDGER"};
    if (st->mixed) return OWED_OK; /* a sum across currencies means nothing */
    if (owed_i64_sub(bal, st->sum, &open))
        return fail(o, st->balance_line, "derived opening balance out of range");
    s->opening = (struct owed_bank_balance){true, open, st->start, "DERIVED"};
    return OWED_OK;
}

/* --- the element stack -------------------------------------------------------------- */

static bool in_investment(const struct ofx *o)
{
    for (size_t i = 0; i < o->depth; i++)
        if (o->stack[i].kind == AGG_INVSTMT) return true;
    return false;
}

/* The innermost aggregate we interpret, or NULL. */
static const struct frame *innermost(const struct ofx *o)
{
    for (size_t i = o->depth; i > 0; i--)
        if (o->stack[i - 1].kind != AGG_NONE) return &o->stack[i - 1];
    return NULL;
}

static int stmt_leaf(struct ofx *o, enum agg where, struct span name, struct span v, long line)
{
    struct stmt *st = &o->st;
    owed_date d;
    char ymd[9];
    int rc = OWED_OK;
    if (where == AGG_STMT && name_is(name, "CURDEF")) {
        if (!valid_currency(v, st->currency))
            return fail(o, line, "CURDEF: unknown currency " QUOTE_FMT, QUOTE_ARGS(v));
    } else if (where == AGG_ACCTFROM && name_is(name, "ACCTID")) {
        set_decoded(o, &st->acct, v);
    } else if (where == AGG_TRANLIST && name_is(name, "DTSTART")) {
        rc = leaf_date(o, name, v, line, &d, ymd);
        if (!rc && (st->start == OWED_BANK_NO_DATE || d < st->start)) {
            st->start = d;
            memcpy(st->start_s, ymd, sizeof(ymd));
        }
    } else if (where == AGG_TRANLIST && name_is(name, "DTEND")) {
        rc = leaf_date(o, name, v, line, &d, ymd);
        if (!rc && (st->end == OWED_BANK_NO_DATE || d > st->end)) {
            st->end = d;
            memcpy(st->end_s, ymd, sizeof(ymd));
        }
    } else if (where == AGG_LEDGERBAL && name_is(name, "BALAMT")) {
        st->have_ledger = true;
        st->balance = v;
        st->balance_line = line;
    } else if (where == AGG_LEDGERBAL && name_is(name, "DTASOF")) {
        rc = leaf_date(o, name, v, line, &st->asof, st->asof_s);
    }
    return rc;
}

static int trn_leaf(struct ofx *o, enum agg where, struct span name, struct span v, long line)
{
    struct trn *t = &o->tr;
    static const struct {
        const char *name;
        size_t offset;
    } texts[] = {
        {"TRNTYPE", offsetof(struct trn, type)},   {"FITID", offsetof(struct trn, fitid)},
        {"NAME", offsetof(struct trn, name)},      {"MEMO", offsetof(struct trn, memo)},
        {"CHECKNUM", offsetof(struct trn, checknum)}, {"REFNUM", offsetof(struct trn, refnum)},
    };
    if (where == AGG_STMTTRN) {
        if (name_is(name, "DTPOSTED")) return leaf_date(o, name, v, line, &t->posted, NULL);
        if (name_is(name, "DTUSER")) return leaf_date(o, name, v, line, &t->user, NULL);
        if (name_is(name, "TRNAMT")) {
            t->have_amount = true;
            t->amount = v;
            t->amount_line = line;
            return OWED_OK;
        }
        for (size_t i = 0; i < OWED_ARRAY_LEN(texts); i++)
            if (name_is(name, texts[i].name))
                set_decoded(o, (struct owed_buf *)((char *)t + texts[i].offset), v);
    } else if (where == AGG_PAYEE && name_is(name, "NAME")) {
        set_decoded(o, &t->payee, v);
    } else if (where == AGG_ACCTTO && name_is(name, "ACCTID")) {
        set_decoded(o, &t->acct, v);
    } else if (where == AGG_CURRENCY && name_is(name, "CURSYM")) {
        if (!valid_currency(v, t->currency))
            return fail(o, line, "CURSYM: unknown currency " QUOTE_FMT, QUOTE_ARGS(v));
    }
    return OWED_OK;
}

/* A leaf element and its raw value: interpreted by the aggregate around it. */
static int leaf(struct ofx *o, struct span name, struct span raw, long line)
{
    const struct frame *f = innermost(o);
    if (!o->st.active || !f || in_investment(o)) return OWED_OK;
    struct span v = trim(raw);
    if (o->tr.active && (f->kind == AGG_STMTTRN || f->kind == AGG_PAYEE ||
                         f->kind == AGG_ACCTTO || f->kind == AGG_CURRENCY))
        return trn_leaf(o, f->kind, name, v, line);
    return stmt_leaf(o, f->kind, name, v, line);
}

static int open_frame(struct ofx *o, const struct tok *t, enum agg kind)
{
    if (o->depth == MAX_DEPTH)
        return fail(o, t->line, "elements nested more than %d deep", MAX_DEPTH);
    struct frame *f = &o->stack[o->depth++];
    *f = (struct frame){t->s, t->line, kind, false, false};
    if (kind == AGG_STMT && !in_investment(o)) {
        if (o->st.active) return fail(o, t->line, "a statement inside a statement");
        owed_bank_statement_add(o->out);
        stmt_reset(&o->st, o->out->nstmts - 1, t->line);
        f->live = true;
    } else if (kind == AGG_STMTTRN && o->st.active && !in_investment(o)) {
        if (o->tr.active) return fail(o, t->line, "STMTTRN inside STMTTRN");
        trn_reset(&o->tr, t->line);
        f->live = true;
    }
    return OWED_OK;
}

/* An end tag pops up to its element. Elements above it must be leaves that had no end
 * tag (an empty one is still a leaf with an empty value); an aggregate we know there means
 * the file is broken. */
static int close_frame(struct ofx *o, const struct tok *t)
{
    size_t i = o->depth;
    while (i > 0 && !name_eq(o->stack[i - 1].name, t->s)) i--;
    if (i == 0)
        return fail(o, t->line, "</%.*s> without an open <%.*s>", (int)t->s.n, t->s.p,
                    (int)t->s.n, t->s.p);
    for (size_t k = o->depth; k > i; k--) {
        const struct frame *f = &o->stack[k - 1];
        if (f->kind != AGG_NONE)
            return fail(o, t->line, "</%.*s> before </%.*s> (opened on line %ld)", (int)t->s.n,
                        t->s.p, (int)f->name.n, f->name.p, f->line);
    }
    for (size_t k = o->depth; k > i; k--) {
        struct frame leaf_frame = o->stack[k - 1];
        o->depth = k - 1;
        if (!leaf_frame.has_child) {
            int rc = leaf(o, leaf_frame.name, (struct span){"", 0}, leaf_frame.line);
            if (rc) return rc;
        }
    }
    struct frame f = o->stack[i - 1];
    o->depth = i - 1;
    if (f.live && f.kind == AGG_STMTTRN) return trn_close(o);
    if (f.live && f.kind == AGG_STMT) return stmt_close(o);
    return OWED_OK;
}

/* A start tag: a leaf with its value (and maybe its end tag), an empty leaf, or an
 * aggregate. */
static int element(struct ofx *o, const struct tok *start)
{
    enum agg kind = aggregate_kind(start->s);
    if (o->depth > 0) o->stack[o->depth - 1].has_child = true;
    if (o->depth == 0) {
        if (o->seen_root)
            return fail(o, start->line, "<%.*s> after </OFX>", (int)start->s.n, start->s.p);
        if (kind != AGG_OFX)
            return fail(o, start->line, "expected <OFX>, found <%.*s>", (int)start->s.n,
                        start->s.p);
        o->seen_root = true;
    }
    if (start->empty) {
        if (kind == AGG_NONE) return leaf(o, start->s, (struct span){"", 0}, start->line);
        int rc = open_frame(o, start, kind);
        struct tok end = *start;
        end.kind = TOK_END;
        return rc ? rc : close_frame(o, &end);
    }
    const struct tok *la;
    int rc = peek(o, &la);
    if (rc) return rc;
    if (la->kind == TOK_TEXT) {
        struct span raw = la->s;
        o->have_la = false;
        if (trim(raw).n > 0) {
            if (kind != AGG_NONE)
                return fail(o, start->line, "<%.*s> holds text " QUOTE_FMT, (int)start->s.n,
                            start->s.p, QUOTE_ARGS(trim(raw)));
            rc = leaf(o, start->s, raw, start->line);
            if (!rc) rc = peek(o, &la);
            if (!rc && la->kind == TOK_END && name_eq(la->s, start->s)) o->have_la = false;
            return rc;
        }
        rc = peek(o, &la);
        if (rc) return rc;
    }
    if (kind == AGG_NONE && la->kind == TOK_END && name_eq(la->s, start->s)) {
        o->have_la = false;
        return leaf(o, start->s, (struct span){"", 0}, start->line);
    }
    return open_frame(o, start, kind);
}

static int finish(struct ofx *o, long line)
{
    if (o->depth > 0) {
        const struct frame *f = innermost(o);
        if (!f) f = &o->stack[o->depth - 1];
        return fail(o, line, "end of file inside <%.*s> (opened on line %ld)", (int)f->name.n,
                    f->name.p, f->line);
    }
    if (!o->seen_root) return fail(o, line, "no <OFX> element: not an OFX file");
    return OWED_OK;
}

static int run(struct ofx *o)
{
    for (;;) {
        struct tok t;
        int rc = next(o, &t);
        if (rc) return rc;
        switch (t.kind) {
        case TOK_EOF: return finish(o, t.line);
        case TOK_START: rc = element(o, &t); break;
        case TOK_END: rc = close_frame(o, &t); break;
        case TOK_TEXT: {
            struct span v = trim(t.s);
            if (v.n == 0) break;
            for (const char *q = t.s.p; q < v.p; q++) t.line += *q == '\n';
            rc = fail(o, t.line, "unexpected text: " QUOTE_FMT, QUOTE_ARGS(v));
            break;
        }
        }
        if (rc) return rc;
    }
}

int owed_bank_parse_ofx(const char *data, size_t len, struct owed_bank_file *out,
                        struct owed_buf *err)
{
    OWED_ASSERT(out != NULL && (data != NULL || len == 0));
    struct ofx *o = owed_xcalloc(1, sizeof(*o));
    o->p = data ? data : "";
    o->end = o->p + len;
    o->line = 1;
    o->out = out;
    o->err = err;
    owed_buf_init(&o->st.acct, 0);
    for (size_t i = 0; trn_bufs(&o->tr, i); i++) owed_buf_init(trn_bufs(&o->tr, i), 0);
    out->format = OWED_BANK_OFX;
    snprintf(out->version, sizeof(out->version), "OFX");

    if (len >= 3 && memcmp(o->p, "\xEF\xBB\xBF", 3) == 0) o->p += 3;
    const char *q = o->p;
    while (q < o->end && is_space(*q)) q++;
    if (o->end - q >= 10 && memcmp(q, "OFXHEADER:", 10) == 0) sgml_header(o);
    int rc = run(o);

    owed_buf_release(&o->st.acct);
    for (size_t i = 0; trn_bufs(&o->tr, i); i++) owed_buf_release(trn_bufs(&o->tr, i));
    free(o);
    return rc;
}
