/* ISO 20022 bank-to-customer cash management: camt.053 statements (BkToCstmrStmt/Stmt),
 * camt.054 debit/credit notifications (BkToCstmrDbtCdtNtfctn/Ntfctn) and camt.052 account
 * reports (BkToCstmrAcctRpt/Rpt), versions 001.01 to 001.08 (see bank.h).
 *
 * libxml2 builds the tree: no network, no entity substitution, and a document with a
 * DOCTYPE is refused, so nothing outside the file is ever read and no entity can expand.
 * We walk the tree by local element name and ignore namespaces, which is what lets one walk
 * read every version: the elements we need kept their names from 001.01 to 001.08 (001.08
 * only moved party names one level down, Dbtr/Pty/Nm, which we accept as well).
 *
 * Mapping decisions beyond the obvious ones:
 * - An entry with several TxDtls (a batch) stays one entry; their texts are joined.
 * - entry_ref is Ntry/AcctSvcrRef, else the first TxDtls/Refs/AcctSvcrRef.
 * - "NOTPROVIDED" and "NONREF" are placeholders, not references: they are dropped, so
 *   that two entries carrying them do not share an idempotency key.
 * - remittance is RmtInf/Ustrd and RmtInf/Strd/CdtrRefInf/Ref; an entry with no RmtInf
 *   at all falls back to AddtlTxInf, then AddtlNtryInf, so matching has some text.
 * - The counterparty is the debtor of a credit and the creditor of a debit; RvslInd swaps
 *   the sides (a reversal keeps the parties of the original booking), and when that side
 *   is absent the other one is used.
 * - Entries of amount zero carry no money and are skipped (bank.h: amounts are > 0).
 *   Entries of every status (BOOK, PDNG, INFO) are returned: the model has no status.
 * - Balances are in minor units of their own Ccy, which is normally the account's.
 *   Opening: OPBD, else PRCD, the first ITBD, OPAV; closing: CLBD, else CLAV, the last
 *   ITBD (not the opening one), ITAV.
 * - The statement currency is Acct/Ccy, else that of the chosen balances, else that of
 *   the entries when they all agree; its date is Stmt/CreDtTm, else GrpHdr/CreDtTm.
 *
 * Errors: a document libxml2 refuses is "LINE: not well-formed XML: <its first message>";
 * a DOCTYPE is "LINE: a DOCTYPE is not allowed in camt"; anything wrong in a well-formed
 * document is "PATH: reason (line N)", the path XPath-like from the root:
 * "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt: not a decimal amount: \"1,0\" (line 52)".
 * Checked: amounts (unsigned decimals, no more decimals than the currency has), currency
 * codes (ISO 4217), CdtDbtInd, RvslInd, and every date we keep. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "io/bank.h"

#include "base.h"

struct span {
    const char *p;
    size_t n;
};

struct camt {
    struct owed_buf *err;
    char path[512];        /* "Document/BkToCstmrStmt/Stmt[1]" ... */
    size_t pathlen;
    struct owed_buf scratch; /* value(): text of the last element asked for */
};

/* The texts of one entry, gathered over its TxDtls before the entry is added. */
struct pending {
    struct owed_buf ref, e2e, remit, name, acct, code, addtl;
    bool have_rmtinf;
};

/* --- tree helpers ------------------------------------------------------------------- */

static bool is_el(const xmlNode *n, const char *name, size_t len)
{
    return n->type == XML_ELEMENT_NODE && strncmp((const char *)n->name, name, len) == 0 &&
           n->name[len] == '\0';
}

static const xmlNode *first_child(const xmlNode *p, const char *name, size_t len)
{
    for (const xmlNode *k = p ? p->children : NULL; k; k = k->next)
        if (is_el(k, name, len)) return k;
    return NULL;
}

static const xmlNode *next_sibling(const xmlNode *n, const char *name)
{
    for (const xmlNode *k = n->next; k; k = k->next)
        if (is_el(k, name, strlen(name))) return k;
    return NULL;
}

/* The first element at "A/B/C" below p (local names), or NULL. */
static const xmlNode *find(const xmlNode *p, const char *path)
{
    while (p && *path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        p = first_child(p, path, len);
        path += len + (slash != NULL);
    }
    return p;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static struct span trim(const char *p, size_t n)
{
    while (n > 0 && is_space(*p)) p++, n--;
    while (n > 0 && is_space(p[n - 1])) n--;
    return (struct span){p, n};
}

/* Appends the text and CDATA children of n (not those of its child elements). */
static void add_text(const xmlNode *n, struct owed_buf *b)
{
    for (const xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
            owed_buf_adds(b, (const char *)k->content);
}

/* The trimmed text of n, valid until the next call; empty when n is NULL. */
static struct span value(struct camt *c, const xmlNode *n)
{
    owed_buf_reset(&c->scratch);
    add_text(n, &c->scratch);
    return trim(c->scratch.ptr, c->scratch.len);
}

static bool span_is(struct span v, const char *s)
{
    return v.n == strlen(s) && memcmp(v.p, s, v.n) == 0;
}

/* "NOTPROVIDED" / "NONREF": the bank says there is no reference. */
static bool placeholder(struct span v)
{
    return v.n == 0 || span_is(v, "NOTPROVIDED") || span_is(v, "NONREF");
}

/* --- errors and paths ---------------------------------------------------------------- */

static size_t path_push(struct camt *c, const char *name, int index)
{
    size_t old = c->pathlen;
    size_t room = sizeof(c->path) - c->pathlen;
    const char *slash = old ? "/" : "";
    int n = index > 0 ? snprintf(c->path + c->pathlen, room, "%s%s[%d]", slash, name, index)
                      : snprintf(c->path + c->pathlen, room, "%s%s", slash, name);
    if (n > 0) c->pathlen += (size_t)n < room ? (size_t)n : room - 1;
    return old;
}

static void path_pop(struct camt *c, size_t old)
{
    c->pathlen = old;
    c->path[old] = '\0';
}

/* Appends "PATH[/rel]: reason (line N)" to err; returns OWED_E_PARSE. */
static int fail(struct camt *c, const xmlNode *at, const char *rel, const char *fmt, ...)
    OWED_PRINTF(4, 5);
static int fail(struct camt *c, const xmlNode *at, const char *rel, const char *fmt, ...)
{
    if (!c->err) return OWED_E_PARSE;
    owed_buf_addf(c->err, "%s%s%s: ", c->path, rel ? "/" : "", rel ? rel : "");
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(c->err, fmt, ap);
    va_end(ap);
    long line = at ? xmlGetLineNo(at) : -1;
    if (line > 0) owed_buf_addf(c->err, " (line %ld)", line);
    return OWED_E_PARSE;
}

/* A value quoted in an error message, cut short. */
#define QUOTE_FMT "\"%.*s%s\""
#define QUOTE_ARGS(v) (int)((v).n > 40 ? 40 : (v).n), (v).p, (v).n > 40 ? "..." : ""

/* --- values ------------------------------------------------------------------------- */

static bool valid_currency(const char *s, size_t n)
{
    if (n != 3) return false;
    char code[4] = {s[0], s[1], s[2], '\0'};
    return owed_currency_exponent(code) >= 0;
}

/* ISODate "YYYY-MM-DD" (a zone suffix is tolerated) or ISODateTime "YYYY-MM-DDThh:mm...";
 * the date part is what we keep. */
static bool parse_date(struct span v, owed_date *out)
{
    if (v.n < 10 || owed_date_parse(v.p, 10, out) != OWED_OK) return false;
    if (v.n == 10) return true;
    char next = v.p[10];
    return next == 'T' || next == 'Z' || next == '+' || next == '-';
}

/* A date choice (BookgDt, ValDt, Bal/Dt): its Dt or DtTm child. */
static int date_choice(struct camt *c, const xmlNode *n, const char *rel, owed_date *out)
{
    *out = OWED_BANK_NO_DATE;
    if (!n) return OWED_OK;
    const xmlNode *d = find(n, "Dt");
    const char *what = "Dt";
    if (!d) {
        d = find(n, "DtTm");
        what = "DtTm";
    }
    if (!d) return fail(c, n, rel, "neither Dt nor DtTm");
    struct span v = value(c, d);
    if (!parse_date(v, out)) {
        char where[64];
        snprintf(where, sizeof(where), "%s/%s", rel, what);
        return fail(c, d, where, "not a date: " QUOTE_FMT, QUOTE_ARGS(v));
    }
    return OWED_OK;
}

/* An amount element with its Ccy attribute (fallback_ccy when absent): unsigned decimal,
 * no more decimals than the currency allows. */
static int amount(struct camt *c, const xmlNode *n, const char *rel, const char *fallback_ccy,
                  int64_t *out, char ccy[4])
{
    const char *attr = NULL;
    for (const xmlAttr *a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, "Ccy") == 0 && a->children && a->children->content)
            attr = (const char *)a->children->content;
    struct span cv = {"", 0};
    if (attr) cv = trim(attr, strlen(attr));
    else if (fallback_ccy) cv = (struct span){fallback_ccy, strlen(fallback_ccy)};
    if (cv.n == 0) return fail(c, n, rel, "no Ccy attribute");
    if (!valid_currency(cv.p, cv.n))
        return fail(c, n, rel, "unknown currency " QUOTE_FMT, QUOTE_ARGS(cv));
    memcpy(ccy, cv.p, 3);
    ccy[3] = '\0';

    struct span v = value(c, n);
    size_t digits = 0, dots = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '.' && digits > 0) dots++;
        else if (v.p[i] >= '0' && v.p[i] <= '9') digits++;
        else dots = 2;
    }
    if (digits == 0 || dots > 1 || v.p[v.n - 1] == '.')
        return fail(c, n, rel, "not a decimal amount: " QUOTE_FMT, QUOTE_ARGS(v));
    int rc = owed_bank_amount(v.p, v.n, ccy, out);
    if (rc == OWED_E_OVERFLOW) return fail(c, n, rel, "amount out of range");
    if (rc != OWED_OK)
        return fail(c, n, rel, "more decimals than %s has: " QUOTE_FMT, ccy, QUOTE_ARGS(v));
    return OWED_OK;
}

/* CdtDbtInd below p: CRDT or DBIT, required. */
static int credit_debit(struct camt *c, const xmlNode *p, bool *credit)
{
    const xmlNode *n = find(p, "CdtDbtInd");
    if (!n) return fail(c, p, "CdtDbtInd", "missing");
    struct span v = value(c, n);
    if (span_is(v, "CRDT")) *credit = true;
    else if (span_is(v, "DBIT")) *credit = false;
    else return fail(c, n, "CdtDbtInd", "not CRDT or DBIT: " QUOTE_FMT, QUOTE_ARGS(v));
    return OWED_OK;
}

/* --- balances ----------------------------------------------------------------------- */

struct balance {
    char code[8];
    int64_t amount_minor; /* signed */
    owed_date date;
    char ccy[4];
};

static int parse_balance(struct camt *c, const xmlNode *bal, struct balance *b)
{
    memset(b, 0, sizeof(*b));
    const xmlNode *cd = find(bal, "Tp/CdOrPrtry/Cd");
    if (!cd) cd = find(bal, "Tp/CdOrPrtry/Prtry");
    if (!cd) cd = find(bal, "Tp/Cd"); /* 001.01 */
    struct span code = value(c, cd);
    memcpy(b->code, code.p, code.n < sizeof(b->code) ? code.n : sizeof(b->code) - 1);
    const xmlNode *amt = find(bal, "Amt");
    if (!amt) return fail(c, bal, "Amt", "missing");
    int rc = amount(c, amt, "Amt", NULL, &b->amount_minor, b->ccy);
    bool credit = true;
    if (!rc) rc = credit_debit(c, bal, &credit);
    if (!rc) rc = date_choice(c, find(bal, "Dt"), "Dt", &b->date);
    if (!credit) b->amount_minor = -b->amount_minor;
    return rc;
}

/* Index in bals[] of the best balance: the lowest rank in codes[]; among equals the first,
 * or the last ITBD when last_itbd. Skips index `not`; -1 when none matches. */
static long pick_balance(const struct balance *bals, size_t n, const char *const *codes,
                         size_t ncodes, bool last_itbd, long not)
{
    long best = -1;
    size_t best_rank = ncodes;
    for (size_t i = 0; i < n; i++) {
        if ((long)i == not) continue;
        for (size_t r = 0; r < ncodes; r++) {
            if (strcmp(bals[i].code, codes[r]) != 0) continue;
            bool later_itbd = last_itbd && r == best_rank && strcmp(codes[r], "ITBD") == 0;
            if (r < best_rank || later_itbd) {
                best = (long)i;
                best_rank = r;
            }
        }
    }
    return best;
}

static void set_balance(struct owed_bank_balance *dst, const struct balance *b)
{
    dst->present = true;
    dst->amount_minor = b->amount_minor;
    dst->date = b->date;
    memcpy(dst->type, b->code, sizeof(dst->type));
}

/* Parses every Bal (all must be valid) and picks the opening and closing ones (see the top
 * of the file). */
static int parse_balances(struct camt *c, const xmlNode *rec, struct owed_bank_statement *s)
{
    static const char *const open_codes[] = {"OPBD", "PRCD", "ITBD", "OPAV"};
    static const char *const close_codes[] = {"CLBD", "CLAV", "ITBD", "ITAV"};
    struct balance *bals = NULL;
    size_t n = 0, cap = 0;
    int rc = OWED_OK;
    int k = 0;
    for (const xmlNode *bal = first_child(rec, "Bal", 3); bal && !rc;
         bal = next_sibling(bal, "Bal")) {
        OWED_ALLOC_GROW(bals, n + 1, cap);
        size_t old = path_push(c, "Bal", ++k);
        rc = parse_balance(c, bal, &bals[n++]);
        path_pop(c, old);
    }
    if (!rc) {
        long o = pick_balance(bals, n, open_codes, OWED_ARRAY_LEN(open_codes), false, -1);
        long cl = pick_balance(bals, n, close_codes, OWED_ARRAY_LEN(close_codes), true, o);
        if (o >= 0) set_balance(&s->opening, &bals[o]);
        if (cl >= 0) set_balance(&s->closing, &bals[cl]);
        if (!s->currency[0] && (o >= 0 || cl >= 0))
            memcpy(s->currency, bals[o >= 0 ? o : cl].ccy, 4);
    }
    free(bals);
    return rc;
}

/* --- entries ------------------------------------------------------------------------ */

static void pending_init(struct pending *pe)
{
    struct owed_buf *bufs[] = {&pe->ref,  &pe->e2e,  &pe->remit, &pe->name,
                               &pe->acct, &pe->code, &pe->addtl};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bufs); i++) owed_buf_init(bufs[i], 0);
    pe->have_rmtinf = false;
}

static void pending_release(struct pending *pe)
{
    struct owed_buf *bufs[] = {&pe->ref,  &pe->e2e,  &pe->remit, &pe->name,
                               &pe->acct, &pe->code, &pe->addtl};
    for (size_t i = 0; i < OWED_ARRAY_LEN(bufs); i++) owed_buf_release(bufs[i]);
}

/* The text of n, trimmed, with runs of white space collapsed to one space; written to tmp
 * and valid until tmp is next used. */
static struct span text_norm(struct camt *c, const xmlNode *n, struct owed_buf *tmp)
{
    struct span v = value(c, n);
    owed_buf_reset(tmp);
    bool space = false;
    for (size_t i = 0; i < v.n; i++) {
        if (is_space(v.p[i])) {
            space = true;
            continue;
        }
        if (space) owed_buf_addc(tmp, ' ');
        space = false;
        owed_buf_addc(tmp, v.p[i]);
    }
    return (struct span){tmp->ptr, tmp->len};
}

/* Appends v to b after sep, unless b already holds v as one of its sep-separated parts.
 * Past 4 KiB only the last part is compared, so that a batch of thousands of TxDtls stays
 * linear. */
static void join_distinct(struct owed_buf *b, const char *sep, struct span v)
{
    if (v.n == 0) return;
    size_t seplen = strlen(sep);
    const char *p = b->ptr, *end = b->ptr + b->len;
    if (b->len > 4096) {
        for (const char *q = end - seplen; q > b->ptr; q--) {
            if (memcmp(q, sep, seplen) == 0) {
                p = q + seplen;
                break;
            }
        }
    }
    while (p < end) {
        const char *q = memmem(p, (size_t)(end - p), sep, seplen);
        size_t part = q ? (size_t)(q - p) : (size_t)(end - p);
        if (part == v.n && memcmp(p, v.p, v.n) == 0) return;
        p += part + (q ? seplen : 0);
    }
    if (b->len) owed_buf_adds(b, sep);
    owed_buf_add(b, v.p, v.n);
}

/* The identification of an account: IBAN, else Othr/Id (PrtryAcct/Id, BBAN, UPIC in
 * 001.01). `id` is the Acct/Id (or DbtrAcct/Id ...) element. */
static const xmlNode *account_id(const xmlNode *id)
{
    static const char *const forms[] = {"IBAN", "Othr/Id", "PrtryAcct/Id", "BBAN", "UPIC"};
    for (size_t i = 0; id && i < OWED_ARRAY_LEN(forms); i++) {
        const xmlNode *n = find(id, forms[i]);
        if (n) return n;
    }
    return NULL;
}

/* Adds the name and account of the debtor (or creditor) of RltdPties; false when the
 * file names neither. */
static bool add_party(struct camt *c, const xmlNode *pties, bool debtor, struct pending *pe,
                      struct owed_buf *tmp)
{
    const xmlNode *party = find(pties, debtor ? "Dbtr" : "Cdtr");
    const xmlNode *nm = find(party, "Nm");
    if (!nm) nm = find(party, "Pty/Nm"); /* 001.08 */
    const xmlNode *acct = account_id(find(pties, debtor ? "DbtrAcct/Id" : "CdtrAcct/Id"));
    struct span v = text_norm(c, nm, tmp);
    bool any = v.n > 0;
    join_distinct(&pe->name, "; ", v);
    v = text_norm(c, acct, tmp);
    any = any || v.n > 0;
    join_distinct(&pe->acct, "; ", v);
    return any;
}

/* "PMNT-RCDT-ESCT" from Domn, else the proprietary code. */
static void bank_code(struct camt *c, const xmlNode *btc, struct owed_buf *out)
{
    static const char *const parts[] = {"Domn/Cd", "Domn/Fmly/Cd", "Domn/Fmly/SubFmlyCd"};
    for (size_t i = 0; btc && i < OWED_ARRAY_LEN(parts); i++) {
        struct span v = value(c, find(btc, parts[i]));
        if (v.n == 0) continue;
        if (out->len) owed_buf_addc(out, '-');
        owed_buf_add(out, v.p, v.n);
    }
    if (out->len == 0) {
        struct span v = value(c, find(btc, "Prtry/Cd"));
        owed_buf_add(out, v.p, v.n);
    }
}

static void add_remittance(struct camt *c, const xmlNode *rmt, struct pending *pe,
                           struct owed_buf *tmp)
{
    pe->have_rmtinf = true;
    for (const xmlNode *k = rmt->children; k; k = k->next) {
        if (is_el(k, "Ustrd", 5)) {
            join_distinct(&pe->remit, "\n", text_norm(c, k, tmp));
        } else if (is_el(k, "Strd", 4)) {
            for (const xmlNode *r = first_child(k, "CdtrRefInf", 10); r;
                 r = next_sibling(r, "CdtrRefInf"))
                join_distinct(&pe->remit, "\n", text_norm(c, find(r, "Ref"), tmp));
        }
    }
}

/* One TxDtls: references, remittance, counterparty, and fallbacks for the entry. */
static void add_tx(struct camt *c, const xmlNode *tx, bool want_debtor, struct pending *pe,
                   struct owed_buf *tmp)
{
    struct span v = text_norm(c, find(tx, "Refs/EndToEndId"), tmp);
    if (!placeholder(v)) join_distinct(&pe->e2e, "; ", v);
    if (pe->ref.len == 0) {
        v = text_norm(c, find(tx, "Refs/AcctSvcrRef"), tmp);
        if (!placeholder(v)) owed_buf_add(&pe->ref, v.p, v.n);
    }
    for (const xmlNode *r = first_child(tx, "RmtInf", 6); r; r = next_sibling(r, "RmtInf"))
        add_remittance(c, r, pe, tmp);
    const xmlNode *pties = find(tx, "RltdPties");
    if (pties && !add_party(c, pties, want_debtor, pe, tmp))
        add_party(c, pties, !want_debtor, pe, tmp);
    if (pe->code.len == 0) bank_code(c, find(tx, "BkTxCd"), &pe->code);
    join_distinct(&pe->addtl, "\n", text_norm(c, find(tx, "AddtlTxInf"), tmp));
}

/* Walks Ntry/NtryDtls/TxDtls (and Ntry/TxDtls, as some 001.01 files have it). */
static void gather_details(struct camt *c, const xmlNode *ntry, bool want_debtor,
                           struct pending *pe)
{
    struct owed_buf tmp = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct span v = text_norm(c, find(ntry, "AcctSvcrRef"), &tmp);
    if (!placeholder(v)) owed_buf_add(&pe->ref, v.p, v.n);
    bank_code(c, find(ntry, "BkTxCd"), &pe->code);
    for (const xmlNode *tx = first_child(ntry, "TxDtls", 6); tx; tx = next_sibling(tx, "TxDtls"))
        add_tx(c, tx, want_debtor, pe, &tmp);
    for (const xmlNode *d = first_child(ntry, "NtryDtls", 8); d; d = next_sibling(d, "NtryDtls"))
        for (const xmlNode *tx = first_child(d, "TxDtls", 6); tx; tx = next_sibling(tx, "TxDtls"))
            add_tx(c, tx, want_debtor, pe, &tmp);
    if (!pe->have_rmtinf && pe->addtl.len == 0)
        join_distinct(&pe->addtl, "\n", text_norm(c, find(ntry, "AddtlNtryInf"), &tmp));
    owed_buf_release(&tmp);
}

static int reversal_ind(struct camt *c, const xmlNode *ntry, bool *reversal)
{
    const xmlNode *n = find(ntry, "RvslInd");
    *reversal = false;
    if (!n) return OWED_OK;
    struct span v = value(c, n);
    if (span_is(v, "true") || span_is(v, "1")) *reversal = true;
    else if (!span_is(v, "false") && !span_is(v, "0"))
        return fail(c, n, "RvslInd", "not a boolean: " QUOTE_FMT, QUOTE_ARGS(v));
    return OWED_OK;
}

static void set_text(char **dst, const struct owed_buf *b)
{
    if (b->len) owed_bank_append(dst, b->ptr, b->len);
}

static int parse_entry(struct camt *c, const xmlNode *ntry, struct owed_bank_statement *s)
{
    int64_t amt = 0;
    char ccy[4];
    bool credit = true, reversal = false;
    owed_date booked, valued;
    const xmlNode *a = find(ntry, "Amt");
    if (!a) return fail(c, ntry, "Amt", "missing");
    int rc = amount(c, a, "Amt", s->currency, &amt, ccy);
    if (!rc) rc = credit_debit(c, ntry, &credit);
    if (!rc) rc = reversal_ind(c, ntry, &reversal);
    if (!rc) rc = date_choice(c, find(ntry, "BookgDt"), "BookgDt", &booked);
    if (!rc) rc = date_choice(c, find(ntry, "ValDt"), "ValDt", &valued);
    if (rc || amt == 0) return rc;

    struct pending pe;
    pending_init(&pe);
    gather_details(c, ntry, credit != reversal, &pe);
    struct owed_bank_entry *e = owed_bank_entry_add(s);
    e->amount_minor = amt;
    e->credit = credit;
    e->reversal = reversal;
    e->booking_date = booked;
    e->value_date = valued;
    memcpy(e->currency, ccy, sizeof(e->currency));
    e->line = xmlGetLineNo(ntry);
    set_text(&e->entry_ref, &pe.ref);
    set_text(&e->end_to_end, &pe.e2e);
    set_text(&e->remittance, pe.have_rmtinf ? &pe.remit : &pe.addtl);
    set_text(&e->counterparty_name, &pe.name);
    set_text(&e->counterparty_account, &pe.acct);
    set_text(&e->bank_code, &pe.code);
    pending_release(&pe);
    return OWED_OK;
}

/* --- statements --------------------------------------------------------------------- */

static int record_header(struct camt *c, const xmlNode *rec, owed_date group_date,
                         struct owed_bank_statement *s)
{
    struct span v = value(c, find(rec, "Id"));
    owed_bank_set(&s->statement_id, v.p, v.n);
    const xmlNode *acct = find(rec, "Acct");
    v = value(c, account_id(find(acct, "Id")));
    owed_bank_set(&s->account, v.p, v.n);
    const xmlNode *ccy = find(acct, "Ccy");
    if (ccy) {
        v = value(c, ccy);
        if (!valid_currency(v.p, v.n))
            return fail(c, ccy, "Acct/Ccy", "unknown currency " QUOTE_FMT, QUOTE_ARGS(v));
        memcpy(s->currency, v.p, 3);
        s->currency[3] = '\0';
    }
    s->date = group_date;
    const xmlNode *cre = find(rec, "CreDtTm");
    if (cre) {
        v = value(c, cre);
        if (!parse_date(v, &s->date))
            return fail(c, cre, "CreDtTm", "not a date-time: " QUOTE_FMT, QUOTE_ARGS(v));
    }
    return OWED_OK;
}

/* When neither the account nor a balance names the currency, the entries may: if they
 * all agree, that is the account's. */
static void currency_from_entries(struct owed_bank_statement *s)
{
    if (s->currency[0] || s->nentries == 0) return;
    for (size_t i = 1; i < s->nentries; i++)
        if (strcmp(s->entries[i].currency, s->entries[0].currency) != 0) return;
    memcpy(s->currency, s->entries[0].currency, sizeof(s->currency));
}

static int parse_record(struct camt *c, const xmlNode *rec, owed_date group_date,
                        struct owed_bank_file *out)
{
    struct owed_bank_statement *s = owed_bank_statement_add(out);
    int rc = record_header(c, rec, group_date, s);
    if (!rc) rc = parse_balances(c, rec, s);
    int k = 0;
    for (const xmlNode *n = first_child(rec, "Ntry", 4); n && !rc; n = next_sibling(n, "Ntry")) {
        size_t old = path_push(c, "Ntry", ++k);
        rc = parse_entry(c, n, s);
        path_pop(c, old);
    }
    if (!rc) currency_from_entries(s);
    return rc;
}

/* --- document ----------------------------------------------------------------------- */

struct message_kind {
    const char *element, *record;
    enum owed_bank_format format;
    const char *name;
};

static const struct message_kind kinds[] = {
    {"BkToCstmrStmt", "Stmt", OWED_BANK_CAMT053, "camt.053"},
    {"BkToCstmrDbtCdtNtfctn", "Ntfctn", OWED_BANK_CAMT054, "camt.054"},
    {"BkToCstmrAcctRpt", "Rpt", OWED_BANK_CAMT052, "camt.052"},
};

/* The message element's name, optionally with a version suffix ("BkToCstmrAcctRptV01"). */
static const struct message_kind *message_kind(const xmlNode *msg)
{
    for (size_t i = 0; msg && i < OWED_ARRAY_LEN(kinds); i++) {
        size_t n = strlen(kinds[i].element);
        const char *name = (const char *)msg->name;
        if (strncmp(name, kinds[i].element, n) != 0) continue;
        const char *rest = name + n;
        if (*rest == 'V') {
            rest++;
            while (*rest >= '0' && *rest <= '9') rest++;
            if (rest == name + n + 1) continue;
        }
        if (*rest == '\0') return &kinds[i];
    }
    return NULL;
}

/* "camt.053.001.02" from the namespace URI when it has one, else the message name. */
static void set_version(struct owed_bank_file *out, const xmlNode *root, const xmlNode *msg,
                        const struct message_kind *kind)
{
    const xmlNs *ns = msg->ns ? msg->ns : root->ns;
    const char *href = ns && ns->href ? strstr((const char *)ns->href, kind->name) : NULL;
    const char *v = href ? href : kind->name;
    size_t n = strcspn(v, " :/#");
    if (n >= sizeof(out->version)) n = sizeof(out->version) - 1;
    memcpy(out->version, v, n);
    out->version[n] = '\0';
}

static const xmlNode *first_element(const xmlNode *p)
{
    for (const xmlNode *k = p->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE) return k;
    return NULL;
}

static int walk(struct camt *c, xmlDoc *doc, struct owed_bank_file *out)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        if (!c->err) return OWED_E_PARSE;
        owed_buf_addf(c->err, "%ld: a DOCTYPE is not allowed in camt",
                      root ? xmlGetLineNo(root) : 1L);
        return OWED_E_PARSE;
    }
    if (!root || !is_el(root, "Document", 8)) {
        path_push(c, root ? (const char *)root->name : "", 0);
        return fail(c, root, NULL, "the root element is not Document");
    }
    path_push(c, "Document", 0);
    const xmlNode *msg = first_element(root);
    const struct message_kind *kind = message_kind(msg);
    if (!kind) {
        if (msg) path_push(c, (const char *)msg->name, 0);
        return fail(c, msg ? msg : root, NULL,
                    "not a camt.052, camt.053 or camt.054 message");
    }
    path_push(c, (const char *)msg->name, 0);
    out->format = kind->format;
    set_version(out, root, msg, kind);

    owed_date group_date = OWED_BANK_NO_DATE;
    const xmlNode *cre = find(msg, "GrpHdr/CreDtTm");
    struct span v = value(c, cre);
    if (cre && !parse_date(v, &group_date))
        return fail(c, cre, "GrpHdr/CreDtTm", "not a date-time: " QUOTE_FMT, QUOTE_ARGS(v));
    int k = 0, rc = OWED_OK;
    size_t rlen = strlen(kind->record);
    for (const xmlNode *rec = first_child(msg, kind->record, rlen); rec && !rc;
         rec = next_sibling(rec, kind->record)) {
        size_t old = path_push(c, kind->record, ++k);
        rc = parse_record(c, rec, group_date, out);
        path_pop(c, old);
    }
    return rc;
}

/* The first error libxml2 raises is the one that explains the file; the parser goes on
 * and the last one is often only "Premature end of data". */
struct first_error {
    bool set;
    int line;
    char message[256];
};

static void keep_first_error(void *data, xmlError *e)
{
    const xmlParserCtxt *ctxt = data;
    struct first_error *first = ctxt ? ctxt->_private : NULL;
    if (!first || first->set || !e || e->level < XML_ERR_ERROR) return;
    const char *msg = e->message ? e->message : "parse error";
    struct span m = trim(msg, strlen(msg));
    snprintf(first->message, sizeof(first->message), "%.*s", (int)m.n, m.p);
    for (char *q = first->message; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' ';
    first->line = e->line;
    first->set = true;
}

static int not_well_formed(xmlParserCtxt *ctxt, const struct first_error *first,
                           struct owed_buf *err)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    int line = first->set ? first->line : e ? e->line : 0;
    const char *msg = first->set ? first->message : e && e->message ? e->message : "";
    struct span m = trim(msg, strlen(msg));
    owed_buf_addf(err, "%d: not well-formed XML: %.*s", line > 0 ? line : 1, (int)m.n, m.p);
    return OWED_E_PARSE;
}

/* libxml2 reports some errors (encoding conversion, I/O) without a parser context, to the
 * generic handler, which prints to stderr by default. The library never prints. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int owed_bank_parse_camt(const char *data, size_t len, struct owed_bank_file *out,
                         struct owed_buf *err)
{
    OWED_ASSERT(out != NULL && (data != NULL || len == 0));
    if (len > INT_MAX) {
        owed_buf_addf(err, "1: file too large for the XML parser (%zu bytes)", len);
        return OWED_E_TOO_LARGE;
    }
    xmlInitParser();
    /* Per thread in libxml2, so this does not race with other threads; restored below. */
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    OWED_ASSERT(ctxt != NULL && ctxt->sax != NULL);
    struct first_error first = {0};
    ctxt->_private = &first;
    ctxt->sax->serror = keep_first_error;
    /* No XML_PARSE_NOENT (entities stay unexpanded), no XML_PARSE_DTDLOAD; NONET in case;
     * NOERROR/NOWARNING because the library never prints; BIG_LINES for lines past 65535. */
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_BIG_LINES;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, data ? data : "", (int)len, NULL, NULL, options);
    int rc;
    if (!doc) {
        rc = err ? not_well_formed(ctxt, &first, err) : OWED_E_PARSE;
    } else {
        struct camt c = {.err = err};
        owed_buf_init(&c.scratch, 0);
        rc = walk(&c, doc, out);
        owed_buf_release(&c.scratch);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    return rc;
}
