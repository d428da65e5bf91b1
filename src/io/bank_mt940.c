/* SWIFT MT940 customer statements (and the MT942 interim report, which shares the tags)
 * into the bank statement model of bank.h.
 *
 * Hand-written: Debian packages no MT940 library, and the format is a line-oriented tag
 * list, so a cursor parser is less code than binding one from another language. What makes
 * it hard is not the grammar but the banks, and the fixtures in ../shared/fixtures/mt940
 * show each deviation handled here:
 *   - Envelopes are optional: SWIFT blocks "{1:...}{2:...}{4:" ... "-}", bank preambles
 *     ("940 00", ":940:"), control characters, "-" between messages, or nothing at all.
 *   - Fields wrap anywhere, even inside a tag's value (ING wraps ":28C:0000" / "0" and splits
 *     a reference over lines; a Sparkasse splits ":61:...CR" / "30,00N062") and inside the
 *     tag itself (":" / "86:..."). A line that looks like a tag but is not a known one
 *     (":12:11", wrapped from a time stamp) continues the free-text field it appears in; at
 *     the top level it is an error, which is how ":9401:" files are rejected.
 *   - A lone "-" ends a message only when a tag, a block or the end of input follows; ING
 *     wraps a mandate reference "MND" / "-" / "EV01" inside :86:.
 *   - Statements normally start at :20:. Snippets without :20: still parse: a statement
 *     opens at the first statement tag, and a tag that cannot repeat (a second :60F:)
 *     opens the next one.
 *   - :61: value dates of 30 February (German banks date closing entries so) are taken as
 *     the last day of the month; the entry date MMDD takes the year closest to the value
 *     date, so 1231 / 0102 crosses the year.
 *   - :86: comes in three shapes: German "GVC?00..?20..?32.." subfields (also with '>' as
 *     Triodos writes it) and SEPA keys "EREF+", "SVWZ+" in the purpose lines; Dutch
 *     "/EREF/../CNTP/acct/bic/name/city/REMI/USTD//text/"; and free text. The structured
 *     shapes wrap mid-word, so their lines are joined as they stand; free text is joined
 *     with spaces.
 * A :61: of amount zero (a notice, "C0,00NDIV") carries no money and becomes no entry; the
 * model's amounts are > 0. A file with no statement at all is rejected rather than read as
 * empty. Errors: OWED_E_PARSE with "LINE: reason". */
#include "io/bank.h"
#include "io/bank_text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

struct span {
    const char *p;
    size_t n;
};

/* A field: its tag and its lines, the first being the text after ":TAG:". */
struct field {
    char tag[6];
    long line;
    struct span *parts;
    size_t nparts, cap;
};

/* The parts of a statement, in order; see stmt_at(). */
enum level { LV_NONE, LV_REF, LV_ACCOUNT, LV_NUMBER, LV_OPENING, LV_LINES, LV_CLOSING };

/* A customer reference that stands for "see :86:". */
enum placeholder { PH_NONE, PH_NONREF, PH_EREF, PH_PREF };

struct mt940 {
    struct span *lines;
    size_t nlines, cap;
    bool latin1; /* the file is not UTF-8: take bytes >= 0x80 as ISO 8859-1 */
    struct owed_bank_file *out;
    struct owed_buf *err;
    struct field f;
    bool open; /* f holds a field */

    bool have_stmt;
    size_t stmt;
    enum level level; /* the furthest part the statement has reached */
    unsigned seen;    /* bit per level: parts it has */
    bool entry_open; /* the last :61: made an entry that a :86: may describe */
    enum placeholder ph;
    /* The open entry's remittance from its :86: fields, appended to it once when the entry
     * closes: one append per :86: would copy the text each time. */
    struct owed_buf remit;
};

static int fail(struct mt940 *m, long line, const char *fmt, ...) OWED_PRINTF(3, 4);

static int fail(struct mt940 *m, long line, const char *fmt, ...)
{
    if (m->err) {
        va_list ap;
        va_start(ap, fmt);
        owed_buf_addf(m->err, "%ld: ", line);
        owed_buf_vaddf(m->err, fmt, ap);
        va_end(ap);
    }
    return OWED_E_PARSE;
}

/* The shared helpers (bank_text.c), on this file's spans. */
#define excerpt(out, s) owed__bank_excerpt((out), (s).p, (s).n)
#define utf8_valid owed__bank_utf8_valid
#define add_text(dst, s, latin1) owed__bank_add_text((dst), (s).p, (s).n, (latin1))

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct span trim(struct span s)
{
    while (s.n && is_space(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_space(s.p[s.n - 1])) s.n--;
    return s;
}

static struct span sub(struct span s, size_t from, size_t n)
{
    return (struct span){s.p + from, n};
}

static bool eq(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static void set_str(struct mt940 *m, char **dst, struct span s)
{
    struct owed_buf t = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    add_text(&t, trim(s), m->latin1);
    owed_bank_set(dst, t.ptr, t.len);
    owed_buf_release(&t);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

static bool all_digits(struct span s)
{
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i])) return false;
    return true;
}

static int two(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/* ---- statements ---- */

static struct owed_bank_statement *stmt(struct mt940 *m)
{
    OWED_ASSERT(m->have_stmt);
    return &m->out->stmts[m->stmt];
}

static void new_stmt(struct mt940 *m)
{
    owed_bank_statement_add(m->out);
    m->stmt = m->out->nstmts - 1;
    m->have_stmt = true;
    m->level = LV_NONE;
    m->seen = 0;
}

/* The statement a tag at `lv` belongs to. The header tags (:20:, :25:, :28C:) come once
 * each in any order, then the opening balance, the lines (which repeat) and the closing
 * balance in that order; a tag that cannot follow what the statement has opens the next
 * statement. */
static struct owed_bank_statement *stmt_at(struct mt940 *m, enum level lv)
{
    unsigned bit = 1u << lv;
    bool next = lv <= LV_NUMBER ? (m->seen & bit) || m->level >= LV_OPENING
                                : m->level > lv || (m->level == lv && lv != LV_LINES);
    if (!m->have_stmt || next) new_stmt(m);
    m->seen |= bit;
    if (lv > m->level) m->level = lv;
    return stmt(m);
}

/* For tags that belong to a statement without marking progress (:21:, :64:, :13D: ...). */
static struct owed_bank_statement *stmt_any(struct mt940 *m)
{
    if (!m->have_stmt) new_stmt(m);
    return stmt(m);
}

/* The field's lines joined as they stand (a wrapped value), trimmed. */
static void join_tight(const struct field *f, struct owed_buf *b)
{
    for (size_t i = 0; i < f->nparts; i++) owed_buf_add(b, f->parts[i].p, f->parts[i].n);
}

static struct span tight(const struct field *f, struct owed_buf *b)
{
    join_tight(f, b);
    return trim((struct span){b->ptr, b->len});
}

/* YYMMDD, years 1980..2079. With `lenient`, a day past the end of the month (30 February)
 * is the month's last day. */
static bool parse_ymd(const char *p, bool lenient, owed_date *out)
{
    struct span s = {p, 6};
    if (!all_digits(s)) return false;
    int yy = two(p), mm = two(p + 2), dd = two(p + 4);
    int y = yy < 80 ? 2000 + yy : 1900 + yy;
    if (mm < 1 || mm > 12 || dd < 1 || dd > 31) return false;
    if (dd > owed_month_days(y, mm)) {
        if (!lenient) return false;
        dd = owed_month_days(y, mm);
    }
    *out = owed_date_from_ymd(y, mm, dd);
    return true;
}

/* MMDD of an entry date: the year that puts it closest to the value date. */
static bool parse_md(const char *p, owed_date value, owed_date *out)
{
    int vy, vm, vd;
    owed_date_to_ymd(value, &vy, &vm, &vd);
    int mm = two(p), dd = two(p + 2);
    if (!all_digits((struct span){p, 4}) || mm < 1 || mm > 12 || dd < 1 || dd > 31) return false;
    owed_date best = 0;
    int32_t best_gap = INT32_MAX;
    for (int y = vy - 1; y <= vy + 1; y++) {
        int d = dd > owed_month_days(y, mm) ? owed_month_days(y, mm) : dd;
        owed_date t = owed_date_from_ymd(y, mm, d);
        int32_t gap = t > value ? t - value : value - t;
        if (gap < best_gap) {
            best_gap = gap;
            best = t;
        }
    }
    *out = best;
    return true;
}

static int set_currency(struct mt940 *m, long line, struct span cur, const char *what)
{
    char t[40], code[4] = "";
    if (cur.n == 3) memcpy(code, cur.p, 3);
    if (cur.n != 3 || !owed_currency_valid(code))
        return fail(m, line, "unknown currency %s", excerpt(t, cur));
    struct owed_bank_statement *s = stmt(m);
    if (s->currency[0] && strcmp(s->currency, code) != 0)
        return fail(m, line, "%s currency %s differs from the statement currency %s", what, code,
                    s->currency);
    /* Lines before the first balance (a snippet, or :62F: as the only balance) were read
     * with two decimals; the currency named now must agree, and they take it. */
    if (!s->currency[0] && s->nentries && owed_currency_exponent(code) != 2)
        return fail(m, line, "currency %s has %d decimals; earlier lines were read with 2",
                    code, owed_currency_exponent(code));
    for (size_t i = 0; i < s->nentries; i++) memcpy(s->entries[i].currency, code, 4);
    memcpy(s->currency, code, 4);
    return OWED_OK;
}

/* An amount with a decimal comma: digits, then optionally ',' and digits. */
static bool amount_syntax(struct span a)
{
    size_t i = 0, commas = 0;
    if (a.n == 0 || !is_digit(a.p[0])) return false;
    for (; i < a.n; i++) {
        if (a.p[i] == ',') {
            commas++;
        } else if (!is_digit(a.p[i])) {
            return false;
        }
    }
    return commas <= 1;
}

static int parse_amount(struct mt940 *m, long line, struct span a, const char *currency,
                        int64_t *out)
{
    char t[40];
    if (!amount_syntax(a)) return fail(m, line, "amount %s is not a decimal amount", excerpt(t, a));
    int rc = owed_bank_amount(a.p, a.n, currency, out);
    if (rc == OWED_E_OVERFLOW) return fail(m, line, "amount %s is out of range", excerpt(t, a));
    if (rc) return fail(m, line, "amount %s has more decimals than %s allows", excerpt(t, a),
                        currency[0] ? currency : "the currency");
    return OWED_OK;
}

/* A balance: D/C mark, YYMMDD, currency, amount ("C140219EUR662,23"). */
static int parse_balance(struct mt940 *m, const struct field *f, struct owed_bank_balance *bal)
{
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct span v = tight(f, &b);
    char t[40];
    int rc = OWED_OK;
    owed_date day;
    int64_t amount;
    if (v.n < 11 || (v.p[0] != 'C' && v.p[0] != 'D') || !parse_ymd(v.p + 1, false, &day) ||
        !is_upper(v.p[7]) || !is_upper(v.p[8]) || !is_upper(v.p[9])) {
        rc = fail(m, f->line, "balance %s is not D/C, YYMMDD, currency, amount", excerpt(t, v));
    } else if (!(rc = set_currency(m, f->line, sub(v, 7, 3), "balance"))) {
        rc = parse_amount(m, f->line, sub(v, 10, v.n - 10), stmt(m)->currency, &amount);
    }
    if (!rc && bal) {
        bal->present = true;
        bal->amount_minor = v.p[0] == 'D' ? -amount : amount;
        bal->date = day;
        memcpy(bal->type, f->tag, strlen(f->tag) + 1);
    }
    owed_buf_release(&b);
    return rc;
}

/* :25: "NL77INGB0574908765EUR", "51210600/9223382012EUR", "NL34RABO0142623393 EUR": an
 * account identification, perhaps with the account currency appended. */
static int field_account(struct mt940 *m, const struct field *f)
{
    struct owed_bank_statement *s = stmt_at(m, LV_ACCOUNT);
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct span v = tight(f, &b);
    int rc = OWED_OK;
    if (v.n > 3 && is_upper(v.p[v.n - 1]) && is_upper(v.p[v.n - 2]) && is_upper(v.p[v.n - 3]) &&
        (is_digit(v.p[v.n - 4]) || v.p[v.n - 4] == ' ')) {
        char code[4] = {v.p[v.n - 3], v.p[v.n - 2], v.p[v.n - 1], '\0'};
        if (owed_currency_valid(code)) {
            rc = set_currency(m, f->line, sub(v, v.n - 3, 3), "account");
            v = trim(sub(v, 0, v.n - 3));
        }
    }
    if (!rc) set_str(m, &s->account, v);
    owed_buf_release(&b);
    return rc;
}

/* :20: starts a statement; :28C: adds its number: statement_id "REF/NUMBER". */
static void field_ref(struct mt940 *m, const struct field *f, bool number)
{
    struct owed_bank_statement *s = number ? stmt_at(m, LV_NUMBER) : stmt_at(m, LV_REF);
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct span v = tight(f, &b);
    struct owed_buf id = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    if (number && s->statement_id[0]) {
        owed_buf_adds(&id, s->statement_id);
        owed_buf_addc(&id, '/');
    }
    add_text(&id, v, m->latin1);
    owed_bank_set(&s->statement_id, id.ptr, id.len);
    owed_buf_release(&id);
    owed_buf_release(&b);
}

/* ---- :61: statement line ---- */

struct line61 {
    owed_date value, entry;
    bool credit, reversal;
    struct span amount, type, cust, bank, rest;
};

enum { L61_OK, L61_SHORT, L61_BAD };

static int bad61(const char **why, const char *reason)
{
    *why = reason;
    return L61_BAD;
}

/* Parses "YYMMDD[MMDD](C|D|RC|RD)[funds]AMOUNT TTTT CUSTREF[//BANKREF] [rest]". L61_SHORT
 * when the text ends before the transaction type is complete (the bank wrapped the line). */
static int parse_61(struct span s, struct line61 *l, const char **why)
{
    size_t i = 0, n = s.n;
    const char *p = s.p;
    *l = (struct line61){.entry = OWED_BANK_NO_DATE};
    if (n < 6) return L61_SHORT;
    if (!parse_ymd(p, true, &l->value)) return bad61(why, "value date is not YYMMDD");
    i = 6;
    if (n - i >= 4 && all_digits(sub(s, i, 4))) {
        if (!parse_md(p + i, l->value, &l->entry)) return bad61(why, "entry date is not MMDD");
        i += 4;
    }
    if (i < n && p[i] == 'R') {
        l->reversal = true;
        i++;
    }
    if (i == n) return L61_SHORT;
    if (p[i] != 'C' && p[i] != 'D') return bad61(why, "mark is not C, D, RC or RD");
    /* RC reverses a credit, so the money goes out; RD reverses a debit. */
    l->credit = (p[i] == 'C') != l->reversal;
    i++;
    if (i < n && is_upper(p[i])) i++; /* funds code: third letter of the currency code */
    size_t a = i;
    while (i < n && (is_digit(p[i]) || p[i] == ',')) i++;
    l->amount = sub(s, a, i - a);
    if (n - i < 4) return L61_SHORT;
    if (l->amount.n == 0) return bad61(why, "amount missing");
    if (!is_upper(p[i])) return bad61(why, "transaction type missing");
    for (size_t k = 1; k < 4; k++)
        if (!is_upper(p[i + k]) && !is_digit(p[i + k]))
            return bad61(why, "transaction type is not a letter and three characters");
    l->type = sub(s, i, 4);
    i += 4;
    /* Customer reference (16x) up to "//", the bank reference after it. Without "//", text
     * past 16 characters is supplementary detail on the same line (old Rabobank: reference,
     * blanks, name), unless it is one over-long word (SNS writes an 18-character IBAN). */
    struct span rest = sub(s, i, n - i);
    const char *slashes = rest.n >= 2 ? memmem(rest.p, rest.n, "//", 2) : NULL;
    if (slashes) {
        l->cust = sub(rest, 0, (size_t)(slashes - rest.p));
        l->bank = sub(rest, l->cust.n + 2, rest.n - l->cust.n - 2);
    } else if (rest.n > 16 && memchr(rest.p, ' ', rest.n)) {
        l->cust = sub(rest, 0, 16);
        l->rest = sub(rest, 16, rest.n - 16);
    } else {
        l->cust = rest;
    }
    l->cust = trim(l->cust);
    l->bank = trim(l->bank);
    l->rest = trim(l->rest);
    return L61_OK;
}

/* An IBAN-shaped token: two letters, two digits, 11..30 letters or digits. */
static bool iban_like(struct span s)
{
    if (s.n < 15 || s.n > 34 || !is_upper(s.p[0]) || !is_upper(s.p[1]) || !is_digit(s.p[2]) ||
        !is_digit(s.p[3]))
        return false;
    for (size_t i = 4; i < s.n; i++)
        if (!is_upper(s.p[i]) && !is_digit(s.p[i])) return false;
    return true;
}

static enum placeholder placeholder(struct span ref)
{
    if (ref.n == 0 || eq(ref, "NONREF") || eq(ref, "NOTPROVIDED") || eq(ref, "KREF+"))
        return PH_NONREF;
    if (eq(ref, "EREF")) return PH_EREF;
    if (eq(ref, "PREF")) return PH_PREF;
    return PH_NONE;
}

static int field_line(struct mt940 *m, const struct field *f)
{
    struct owed_bank_statement *s = stmt_at(m, LV_LINES);
    struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct line61 l;
    const char *why = "";
    size_t used = 1;
    struct span first = trim(f->parts[0]);
    owed_buf_add(&b, first.p, first.n);
    int r = parse_61((struct span){b.ptr, b.len}, &l, &why);
    if (r == L61_SHORT && f->nparts > 1) { /* wrapped: join the next line and retry */
        struct span second = trim(f->parts[1]);
        owed_buf_add(&b, second.p, second.n);
        used = 2;
        r = parse_61((struct span){b.ptr, b.len}, &l, &why);
    }
    int rc = OWED_OK;
    int64_t amount = 0;
    char t[40];
    if (r == L61_SHORT) {
        rc = fail(m, f->line, "statement line %s is incomplete", excerpt(t, trim(f->parts[0])));
    } else if (r == L61_BAD) {
        rc = fail(m, f->line, "statement line: %s", why);
    } else {
        rc = parse_amount(m, f->line, l.amount, s->currency, &amount);
    }
    if (rc || amount == 0) {
        owed_buf_release(&b);
        return rc;
    }
    struct owed_bank_entry *e = owed_bank_entry_add(s);
    e->value_date = l.value;
    e->booking_date = l.entry;
    e->amount_minor = amount;
    e->credit = l.credit;
    e->reversal = l.reversal;
    memcpy(e->currency, s->currency, 4);
    e->line = f->line;
    set_str(m, &e->bank_code, l.type);
    set_str(m, &e->entry_ref, l.bank);
    m->ph = placeholder(l.cust);
    if (m->ph == PH_NONE) set_str(m, &e->end_to_end, l.cust);
    /* Some banks put the counterparty's IBAN in the supplementary details (34x, the next
     * line; Rabobank) or in the customer reference (SNS); :86: may still name one. */
    struct span next = used < f->nparts ? trim(f->parts[used]) : (struct span){"", 0};
    if (iban_like(l.rest)) set_str(m, &e->counterparty_account, l.rest);
    else if (iban_like(next)) set_str(m, &e->counterparty_account, next);
    else if (iban_like(l.cust)) set_str(m, &e->counterparty_account, l.cust);
    m->entry_open = true;
    owed_buf_release(&b);
    return OWED_OK;
}

/* ---- :86: information to the account owner ---- */

struct info {
    struct owed_buf remittance, name, account, eref, pref;
};

/* Keys of the SEPA purpose text in German :86: (DFÜ-Abkommen, Anlage 3). */
static const char *const sepa_keys[] = {"EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+",
                                        "ABWA+", "ABWE+", "IBAN+", "BIC+",  "COAM+", "OAMT+",
                                        "SQTP+", "PURP+"};

/* The first key at or after p, in one pass (text of many keys stays linear). */
static const char *next_sepa_key(const char *p, const char *end, size_t *klen)
{
    for (; end - p >= 4; p++) {
        if (p[3] != '+' && (end - p < 5 || p[4] != '+')) continue;
        for (size_t k = 0; k < OWED_ARRAY_LEN(sepa_keys); k++) {
            size_t n = strlen(sepa_keys[k]);
            if ((size_t)(end - p) >= n && memcmp(p, sepa_keys[k], n) == 0) {
                *klen = n;
                return p;
            }
        }
    }
    return NULL;
}

/* The purpose text: SVWZ+ is the remittance, EREF+ the end-to-end id; without SVWZ+ the
 * whole purpose is the remittance. */
static void sepa_purpose(struct mt940 *m, struct span purpose, struct info *in)
{
    const char *end = purpose.p + purpose.n;
    size_t klen = 0;
    bool svwz = false;
    const char *k = next_sepa_key(purpose.p, end, &klen);
    while (k) {
        size_t vlen = 0;
        const char *v = k + klen;
        const char *next = next_sepa_key(v, end, &vlen);
        struct span val = trim((struct span){v, (size_t)((next ? next : end) - v)});
        if (memcmp(k, "SVWZ+", 5) == 0) {
            add_text(&in->remittance, val, m->latin1);
            svwz = true;
        } else if (memcmp(k, "EREF+", 5) == 0 && !eq(val, "NOTPROVIDED")) {
            add_text(&in->eref, val, m->latin1);
        }
        k = next;
        klen = vlen;
    }
    if (!svwz) add_text(&in->remittance, purpose, m->latin1);
}

/* "166?00GUTSCHRIFT?100399?20EREF+...?21...?30BIC?31IBAN?32NAME?33NAME": after the
 * three-digit business transaction code, subfields ?NN (Triodos writes >NN). 20-29 and
 * 60-63 are the purpose, 31 (or 38) the counterparty account, 32-33 its name. */
static bool german_86(struct mt940 *m, struct span t, struct info *in)
{
    t = trim(t);
    if (t.n < 6 || !all_digits(sub(t, 0, 3)) || (t.p[3] != '?' && t.p[3] != '>') ||
        !is_digit(t.p[4]) || !is_digit(t.p[5]))
        return false;
    char sep = t.p[3];
    struct owed_buf purpose = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct span acct31 = {"", 0}, acct38 = {"", 0};
    size_t i = 3, last_purpose = 27, last_name = 27;
    while (i + 2 < t.n) {
        int key = two(t.p + i + 1);
        size_t v = i + 3, e = v;
        while (e < t.n && !(t.p[e] == sep && e + 2 < t.n && is_digit(t.p[e + 1]) &&
                            is_digit(t.p[e + 2])))
            e++;
        struct span val = sub(t, v, e - v);
        /* Subfields hold 27 characters: a full one may end mid-word, a shorter one ends a
         * phrase, so only the latter gets a space after it. */
        if ((key >= 20 && key <= 29) || (key >= 60 && key <= 63)) {
            if (last_purpose < 27) owed_buf_addc(&purpose, ' ');
            owed_buf_add(&purpose, val.p, val.n);
            last_purpose = val.n;
        }
        if (key == 31) acct31 = trim(val);
        if (key == 38) acct38 = trim(val);
        if (key == 32 || key == 33) {
            if (last_name < 27) owed_buf_addc(&in->name, ' ');
            add_text(&in->name, val, m->latin1);
            last_name = val.n;
        }
        i = e;
    }
    struct span acct = acct38.n ? acct38 : acct31;
    add_text(&in->account, acct, m->latin1);
    sepa_purpose(m, (struct span){purpose.ptr, purpose.len}, in);
    owed_buf_release(&purpose);
    return true;
}

/* Codes of the Dutch structured :86: (ING, Rabobank, ABN AMRO). */
static const char *const nl_codes[] = {
    "EREF", "PREF", "RTRN", "MARF", "CSID", "CNTP", "REMI", "ORDP", "BENM", "NAME", "ADDR",
    "ISDT", "TRCD", "BUSP", "PURP", "IREF", "ULTC", "ULTD", "ULTB", "ULTE", "EXCH", "CHGS",
    "OCMT", "IBAN", "SVCL", "RTYP", "ACCW", "SUM",  "CDTRREF", "CDTRREFTP"};

static bool nl_code(struct span tok)
{
    for (size_t k = 0; k < OWED_ARRAY_LEN(nl_codes); k++)
        if (eq(tok, nl_codes[k])) return true;
    return false;
}

/* A value without the slashes and blanks around it. */
static struct span strip_slashes(struct span v)
{
    while (v.n && (v.p[0] == '/' || is_space(v.p[0]))) v = sub(v, 1, v.n - 1);
    while (v.n && (v.p[v.n - 1] == '/' || is_space(v.p[v.n - 1]))) v.n--;
    return v;
}

/* The value of one code, everything up to the next code ("v1/v2//"). Its '/'-separated
 * parts matter for CNTP (account/BIC/name/city) and REMI ("USTD//text",
 * "STRD/CUR/reference"). The first CNTP, NAME or IBAN names the counterparty. */
static void nl_value(struct mt940 *m, struct span code, struct span val, struct info *in)
{
    struct span part[4] = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
    size_t np = 0, start = 0;
    for (size_t i = 0; i <= val.n && np < 4; i++) {
        if (i == val.n || val.p[i] == '/') {
            part[np++] = sub(val, start, i - start);
            start = i + 1;
        }
    }
    struct span whole = strip_slashes(val);
    if (eq(code, "EREF")) {
        add_text(&in->eref, whole, m->latin1);
    } else if (eq(code, "PREF")) {
        add_text(&in->pref, whole, m->latin1);
    } else if (eq(code, "CNTP")) {
        if (!in->account.len) add_text(&in->account, trim(part[0]), m->latin1);
        if (!in->name.len) add_text(&in->name, trim(part[2]), m->latin1);
    } else if (eq(code, "NAME") && !in->name.len) {
        add_text(&in->name, whole, m->latin1);
    } else if (eq(code, "IBAN") && !in->account.len) {
        add_text(&in->account, whole, m->latin1);
    } else if (eq(code, "REMI")) {
        struct span text = whole, kind = trim(part[0]);
        if (eq(kind, "USTD") || eq(kind, "STRD")) {
            size_t skip = part[0].n + 1;
            if (eq(kind, "STRD") && np > 1 && part[1].n) skip += part[1].n + 1;
            text = skip < val.n ? strip_slashes(sub(val, skip, val.n - skip))
                                : (struct span){"", 0};
        }
        add_text(&in->remittance, text, m->latin1);
        owed_buf_addc(&in->remittance, ' ');
    }
}

static bool dutch_86(struct mt940 *m, struct span t, struct info *in)
{
    t = trim(t);
    if (t.n < 6 || t.p[0] != '/') return false;
    const char *slash = memchr(t.p + 1, '/', t.n - 1);
    if (!slash || !nl_code(sub(t, 1, (size_t)(slash - t.p) - 1))) return false;
    /* Tokens between slashes; a token that is a code starts the next value. */
    struct span code = {"", 0};
    size_t vstart = 0, i = 1, tok = 1;
    for (; i <= t.n; i++) {
        if (i < t.n && t.p[i] != '/') continue;
        struct span token = sub(t, tok, i - tok);
        if (nl_code(token)) {
            if (code.n) nl_value(m, code, sub(t, vstart, tok > vstart ? tok - 1 - vstart : 0), in);
            code = token;
            vstart = i + 1 < t.n ? i + 1 : t.n;
        }
        tok = i + 1;
    }
    if (code.n) nl_value(m, code, sub(t, vstart, t.n - vstart), in);
    return true;
}

/* Knab-style free text: "REK: NL65INGB0123456789/NAAM: PICQER". */
static void free_86(struct mt940 *m, const struct field *f, struct info *in)
{
    for (size_t i = 0; i < f->nparts; i++) {
        struct span s = f->parts[i];
        add_text(&in->remittance, s, m->latin1);
        owed_buf_addc(&in->remittance, ' ');
        const char *rek = memmem(s.p, s.n, "REK: ", 5);
        const char *naam = memmem(s.p, s.n, "/NAAM: ", 7);
        if (rek && naam && naam > rek && !in->account.len) {
            struct span acct = {rek + 5, (size_t)(naam - rek - 5)};
            struct span name = {naam + 7, (size_t)(s.p + s.n - naam - 7)};
            add_text(&in->account, trim(acct), m->latin1);
            add_text(&in->name, trim(name), m->latin1);
        }
    }
}

/* Triodos puts the statement's own account number in ?31; that is no counterparty. */
static bool own_account(const char *account, const char *candidate)
{
    const char *slash = strrchr(account, '/');
    const char *number = slash ? slash + 1 : account;
    return number[0] && strcmp(number, candidate) == 0;
}

static void field_info(struct mt940 *m, const struct field *f)
{
    if (!m->entry_open) return; /* information about the statement as a whole: not kept */
    struct owed_bank_entry *e = &stmt(m)->entries[stmt(m)->nentries - 1];
    struct owed_buf joined = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    join_tight(f, &joined);
    struct span t = {joined.ptr, joined.len};
    struct info in;
    owed_buf_init(&in.remittance, OWED_BUF_MAX_DEFAULT);
    owed_buf_init(&in.name, OWED_BUF_MAX_DEFAULT);
    owed_buf_init(&in.account, OWED_BUF_MAX_DEFAULT);
    owed_buf_init(&in.eref, OWED_BUF_MAX_DEFAULT);
    owed_buf_init(&in.pref, OWED_BUF_MAX_DEFAULT);
    if (!german_86(m, t, &in) && !dutch_86(m, t, &in)) free_86(m, f, &in);
    owed_buf_add(&m->remit, in.remittance.ptr, in.remittance.len);
    owed_buf_addc(&m->remit, ' ');
    if (in.name.len) {
        owed_bank_set(&e->counterparty_name, "", 0);
        owed_bank_append(&e->counterparty_name, in.name.ptr, in.name.len);
    }
    if (in.account.len && !own_account(stmt(m)->account, in.account.ptr))
        owed_bank_set(&e->counterparty_account, in.account.ptr, in.account.len);
    if (!e->end_to_end[0]) {
        if (m->ph == PH_PREF && in.pref.len)
            owed_bank_set(&e->end_to_end, in.pref.ptr, in.pref.len);
        else if (m->ph != PH_NONE && in.eref.len)
            owed_bank_set(&e->end_to_end, in.eref.ptr, in.eref.len);
    }
    owed_buf_release(&in.remittance);
    owed_buf_release(&in.name);
    owed_buf_release(&in.account);
    owed_buf_release(&in.eref);
    owed_buf_release(&in.pref);
    owed_buf_release(&joined);
}

/* ---- tags and fields ---- */

static const char *const known_tags[] = {"20",  "21",  "25",  "25P", "28",  "28C", "60F",
                                         "60M", "61",  "86",  "62F", "62M", "64",  "65",
                                         "13",  "13D", "34F", "90D", "90C", "NS",  "940",
                                         "942"};

static bool known_tag(const char *tag)
{
    for (size_t i = 0; i < OWED_ARRAY_LEN(known_tags); i++)
        if (strcmp(tag, known_tags[i]) == 0) return true;
    return false;
}

/* ":TAG:" at the start of a line, TAG being 1..5 capitals or digits. Returns the length of
 * ":TAG:" or 0. */
static size_t tag_at(struct span l, char tag[6])
{
    if (l.n < 3 || l.p[0] != ':') return 0;
    size_t i = 1;
    while (i < l.n && i <= 5 && (is_upper(l.p[i]) || is_digit(l.p[i]))) i++;
    if (i == 1 || i >= l.n || l.p[i] != ':') return 0;
    memcpy(tag, l.p + 1, i - 1);
    tag[i - 1] = '\0';
    return i + 1;
}

/* Fields that run over several lines of free text. */
static bool multiline(const char *tag)
{
    return strcmp(tag, "86") == 0 || strcmp(tag, "61") == 0 || strcmp(tag, "NS") == 0;
}

/* The entry described by :86: fields so far takes their remittance. */
static void close_entry(struct mt940 *m)
{
    if (m->entry_open && m->remit.len) {
        struct owed_bank_statement *s = stmt(m);
        owed_bank_append(&s->entries[s->nentries - 1].remittance, m->remit.ptr, m->remit.len);
    }
    owed_buf_reset(&m->remit);
    m->entry_open = false;
}

static int process(struct mt940 *m)
{
    struct field *f = &m->f;
    const char *tag = f->tag;
    int rc = OWED_OK;
    if (strcmp(tag, "86") != 0) close_entry(m);
    if (strcmp(tag, "20") == 0) {
        new_stmt(m);
        field_ref(m, f, false);
    } else if (strcmp(tag, "28") == 0 || strcmp(tag, "28C") == 0) {
        field_ref(m, f, true);
    } else if (strcmp(tag, "25") == 0 || strcmp(tag, "25P") == 0) {
        rc = field_account(m, f);
    } else if (strcmp(tag, "60F") == 0 || strcmp(tag, "60M") == 0) {
        rc = parse_balance(m, f, &stmt_at(m, LV_OPENING)->opening);
    } else if (strcmp(tag, "62F") == 0 || strcmp(tag, "62M") == 0) {
        struct owed_bank_statement *s = stmt_at(m, LV_CLOSING);
        rc = parse_balance(m, f, &s->closing);
        if (!rc) s->date = s->closing.date;
    } else if (strcmp(tag, "64") == 0 || strcmp(tag, "65") == 0) {
        stmt_any(m);
        rc = parse_balance(m, f, NULL); /* checked, not kept: the model has no slot */
    } else if (strcmp(tag, "61") == 0) {
        rc = field_line(m, f);
    } else if (strcmp(tag, "86") == 0) {
        field_info(m, f);
    } else if (strcmp(tag, "13") == 0 || strcmp(tag, "13D") == 0) {
        /* MT942 date and time indication: the report's date unless a closing balance
         * gives one. */
        struct owed_bank_statement *s = stmt_any(m);
        struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
        struct span v = tight(f, &b);
        owed_date day;
        char t[40];
        if (v.n < 6 || !parse_ymd(v.p, false, &day))
            rc = fail(m, f->line, "date and time %s is not YYMMDDhhmm", excerpt(t, v));
        else if (!s->closing.present)
            s->date = day;
        owed_buf_release(&b);
    } else if (strcmp(tag, "34F") == 0) {
        /* MT942 floor limit "EURD0,00": the only place an MT942 names its currency. */
        stmt_any(m);
        struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
        struct span v = tight(f, &b);
        rc = set_currency(m, f->line, sub(v, 0, v.n < 3 ? v.n : 3), "floor limit");
        owed_buf_release(&b);
    } else if (strcmp(tag, "21") == 0 || strcmp(tag, "90D") == 0 || strcmp(tag, "90C") == 0) {
        stmt_any(m);
    }
    /* NS (non-SWIFT bank data), 940 and 942 (preambles): nothing to keep. */
    return rc;
}

static int close_field(struct mt940 *m)
{
    if (!m->open) return OWED_OK;
    m->open = false;
    return process(m);
}

static void open_field(struct mt940 *m, const char *tag, long line, struct span first)
{
    memcpy(m->f.tag, tag, strlen(tag) + 1);
    m->f.line = line;
    m->f.nparts = 0;
    OWED_ALLOC_GROW(m->f.parts, 1, m->f.cap);
    m->f.parts[m->f.nparts++] = first;
    m->open = true;
}

static void add_part(struct mt940 *m, struct span l)
{
    OWED_ALLOC_GROW(m->f.parts, m->f.nparts + 1, m->f.cap);
    m->f.parts[m->f.nparts++] = l;
}

/* Blank or nothing but control characters (SOH/ETX around some bank files). */
static bool empty_line(struct span l)
{
    for (size_t i = 0; i < l.n; i++)
        if ((unsigned char)l.p[i] > ' ' && l.p[i] != 0x7f) return false;
    return true;
}

/* A "-" line ends a message when a tag, a block or the end of input comes next. */
static bool end_of_message(const struct mt940 *m, size_t i)
{
    for (size_t j = i + 1; j < m->nlines; j++) {
        struct span l = m->lines[j];
        if (empty_line(l)) continue;
        return l.p[0] == ':' || l.p[0] == '{' || l.p[0] == '}' || l.p[0] == '-';
    }
    return true;
}

static void split_lines(struct mt940 *m, const char *data, size_t len)
{
    size_t off = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) off = 3;
    while (off < len) {
        const char *p = data + off;
        const char *nl = memchr(p, '\n', len - off);
        size_t n = nl ? (size_t)(nl - p) : len - off;
        off += n + (nl != NULL);
        if (n && p[n - 1] == '\r') n--;
        OWED_ALLOC_GROW(m->lines, m->nlines + 1, m->cap);
        m->lines[m->nlines++] = (struct span){p, n};
    }
}

/* One line: a tag starts a field; other lines continue the open field or are skipped. */
static int feed_line(struct mt940 *m, size_t *ip)
{
    size_t i = *ip;
    struct span l = m->lines[i];
    long line = (long)i + 1;
    char tag[6] = "";
    int rc;
    if (l.n && l.p[0] == '{') { /* SWIFT blocks; the text block 4 starts "{4:" */
        if ((rc = close_field(m))) return rc;
        const char *b4 = memmem(l.p, l.n, "{4:", 3);
        if (!b4) return OWED_OK;
        l = sub(l, (size_t)(b4 + 3 - l.p), l.n - (size_t)(b4 + 3 - l.p));
        if (!l.n) return OWED_OK;
    }
    if (l.n && (l.p[0] == '}' || (l.p[0] == '-' && end_of_message(m, i)))) return close_field(m);
    size_t skip = tag_at(l, tag);
    struct span next = i + 1 < m->nlines ? m->lines[i + 1] : (struct span){"", 0};
    if (!skip && eq(trim(l), ":") && next.n) { /* a tag split after its colon (":" / "86:") */
        char joined[8] = ":";
        memcpy(joined + 1, next.p, next.n < 6 ? next.n : 6);
        size_t k = tag_at((struct span){joined, 1 + (next.n < 6 ? next.n : 6)}, tag);
        if (k && known_tag(tag)) {
            l = sub(next, k - 1, next.n - (k - 1));
            *ip = i + 1;
            if ((rc = close_field(m))) return rc;
            open_field(m, tag, line, l);
            return OWED_OK;
        }
        tag[0] = '\0';
    }
    if (skip && known_tag(tag)) {
        if ((rc = close_field(m))) return rc;
        open_field(m, tag, line, sub(l, skip, l.n - skip));
        return OWED_OK;
    }
    if (skip && !(m->open && multiline(m->f.tag))) {
        char t[40];
        return fail(m, line, "unknown tag %s", excerpt(t, sub(l, 0, skip)));
    }
    if (m->open) add_part(m, l); /* a continuation line */
    return OWED_OK;                /* text outside any field: preambles, trailers */
}

int owed_bank_parse_mt940(const char *data, size_t len, struct owed_bank_file *out,
                          struct owed_buf *err)
{
    OWED_ASSERT(out && (data || len == 0));
    struct mt940 m = {.out = out, .err = err};
    m.latin1 = !utf8_valid((const unsigned char *)data, len);
    out->format = OWED_BANK_MT940;
    memcpy(out->version, "MT940", 6);
    split_lines(&m, data, len);
    owed_buf_init(&m.remit, OWED_BUF_MAX_DEFAULT);
    int rc = OWED_OK;
    for (size_t i = 0; i < m.nlines && !rc; i++) rc = feed_line(&m, &i);
    if (!rc) rc = close_field(&m);
    if (!rc) close_entry(&m);
    owed_buf_release(&m.remit);
    if (!rc && out->nstmts == 0) rc = fail(&m, 1, "no MT940 statement found");
    free(m.lines);
    free(m.f.parts);
    return rc;
}
