/* Unit tests for the camt.052/053/054 reader (src/io/bank_camt.c).
 *
 * Part one reads the hand-written samples in tests/data/bank and checks every field of
 * every statement and entry, then feeds malformed documents and checks the error path.
 * Part two reads every camt file in ../shared/fixtures/camt (OWED_SHARED) and compares it
 * with EXPECTED.json there: the curator's derived_facts (counts, amounts, dates, balances,
 * references) and the upstream suites' peer_assertions (OCA golden data, genkgo golden
 * dumps and end-to-end asserts, ofxstatement-iso20022 asserts), which are authoritative.
 * Where owed maps a field differently by design, the difference is listed in `deviations`
 * and printed as a note. Amounts are compared in minor units, converted from the JSON text.
 * Part two prints "skipped" and exits 77 when ../shared is absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base.h"
#include "io/bank.h"
#include "bank_files.h"

/* --- helpers ------------------------------------------------------------------------ */

static const char *data_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("OWED_TESTDATA");
    if (dir) {
        snprintf(path, sizeof path, "%s/bank/%s", dir, name);
    } else {
        /* Run by hand: tests/data beside tests/unit. */
        const char *file = __FILE__;
        const char *slash = strrchr(file, '/');
        int dlen = slash ? (int)(slash - file) : 1;
        snprintf(path, sizeof path, "%.*s/../data/bank/%s", dlen, slash ? file : ".", name);
    }
    return path;
}

static owed_date D(const char *iso)
{
    if (!iso) return OWED_BANK_NO_DATE;
    owed_date d;
    assert_int_equal(owed_date_parse(iso, strlen(iso), &d), OWED_OK);
    return d;
}

static void parse_sample(const char *name, struct owed_bank_file *f)
{
    size_t len;
    char *data = slurp(data_path(name), &len);
    if (!data) print_error("cannot read %s\n", data_path(name));
    assert_non_null(data);
    struct owed_buf err = OWED_BUF_INIT(4096);
    owed_bank_file_init(f);
    int rc = owed_bank_parse_camt(data, len, f, &err);
    if (rc) print_error("%s: %s\n", name, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    assert_int_equal(owed_bank_detect(data, len), f->format);
    owed_buf_release(&err);
    free(data);
}

struct want_entry {
    const char *booking, *value; /* NULL: no date */
    int64_t amount_minor;
    bool credit, reversal;
    const char *currency, *ref, *e2e, *remittance, *name, *account, *code;
    long line;
};

static void check_entry(const struct owed_bank_entry *e, const struct want_entry *w)
{
    assert_int_equal(e->booking_date, D(w->booking));
    assert_int_equal(e->value_date, D(w->value));
    assert_int_equal(e->amount_minor, w->amount_minor);
    assert_int_equal(e->credit, w->credit);
    assert_int_equal(e->reversal, w->reversal);
    assert_string_equal(e->currency, w->currency);
    assert_string_equal(e->entry_ref, w->ref);
    assert_string_equal(e->end_to_end, w->e2e);
    assert_string_equal(e->remittance, w->remittance);
    assert_string_equal(e->counterparty_name, w->name);
    assert_string_equal(e->counterparty_account, w->account);
    assert_string_equal(e->bank_code, w->code);
    assert_int_equal(e->line, w->line);
}

static void check_balance(const struct owed_bank_balance *b, const char *type, int64_t amount,
                          const char *date)
{
    if (!type) {
        assert_false(b->present);
        return;
    }
    assert_true(b->present);
    assert_string_equal(b->type, type);
    assert_int_equal(b->amount_minor, amount);
    assert_int_equal(b->date, D(date));
}

/* --- part one: hand-written samples ------------------------------------------------- */

static void test_sample_053(void **state)
{
    (void)state;
    struct owed_bank_file f;
    parse_sample("sample.camt053.xml", &f);
    assert_int_equal(f.format, OWED_BANK_CAMT053);
    assert_string_equal(f.version, "camt.053.001.08");
    assert_int_equal(f.nstmts, 2);

    const struct owed_bank_statement *s = &f.stmts[0];
    assert_string_equal(s->account, "DE89370400440532013000");
    assert_string_equal(s->statement_id, "STMT-2024-03-01");
    assert_string_equal(s->currency, "EUR");
    assert_int_equal(s->date, D("2024-03-01")); /* Stmt/CreDtTm, not GrpHdr */
    check_balance(&s->opening, "OPBD", 100000, "2024-02-29"); /* OPBD beats PRCD */
    check_balance(&s->closing, "CLBD", 133450, "2024-03-01"); /* CLBD beats CLAV */
    /* The zero entry is skipped: four of five. */
    assert_int_equal(s->nentries, 4);
    const struct want_entry want[] = {
        {"2024-02-29", "2024-03-01", 50000, true, false, "EUR", "BANKREF-1", "E2E-INV-1001",
         "Invoice INV-1001 second line RF18539007547034", "Acme GmbH",
         "DE02120300000000202051", "PMNT-RCDT-ESCT", 41},
        /* NONREF and NOTPROVIDED are dropped; the TxDtls reference stands in; no RmtInf,
         * so AddtlTxInf is the remittance; an empty entry BkTxCd gives way to TxDtls'. */
        {"2024-03-01", "2024-03-01", 4550, false, false, "EUR", "TX-REF-2", "",
         "Electricity March", "Power & Light Co", "12345678", "NTRF+116", 83},
        /* A reversed debit: the debtor is the counterparty; two TxDtls, one entry. */
        {"2024-03-01", "2024-03-01", 12000, false, true, "EUR", "BANKREF-3", "E2E-A; E2E-B",
         "Return INV-1002 Return INV-1003", "Beta SARL", "FR1420041010050500013M02606",
         "PMNT-RCDT-ESCT", 105},
        {"2024-03-01", NULL, 1500, true, false, "JPY", "", "", "Yen cheque", "", "", "", 144},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) check_entry(&s->entries[i], &want[i]);

    s = &f.stmts[1];
    assert_string_equal(s->account, "ACC-0002");
    assert_string_equal(s->statement_id, "STMT-USD-7");
    assert_string_equal(s->currency, "USD"); /* from the balances */
    assert_int_equal(s->date, D("2024-03-02")); /* GrpHdr/CreDtTm */
    check_balance(&s->opening, "OPBD", -1000, "2024-02-29");
    check_balance(&s->closing, "CLBD", -500, "2024-03-01");
    assert_int_equal(s->nentries, 1);
    const struct want_entry usd = {NULL, NULL, 500, true, false, "USD", "", "", "", "", "",
                                   "", 168};
    check_entry(&s->entries[0], &usd);
    owed_bank_file_free(&f);
}

static void test_sample_054(void **state)
{
    (void)state;
    struct owed_bank_file f;
    parse_sample("sample.camt054.xml", &f);
    assert_int_equal(f.format, OWED_BANK_CAMT054);
    assert_string_equal(f.version, "camt.054.001.04");
    assert_int_equal(f.nstmts, 1);
    const struct owed_bank_statement *s = &f.stmts[0];
    assert_string_equal(s->account, "CH9300762011623852957");
    assert_string_equal(s->statement_id, "NTF-1");
    assert_string_equal(s->currency, "CHF"); /* the entries agree on it */
    assert_int_equal(s->date, D("2024-04-10"));
    check_balance(&s->opening, NULL, 0, NULL);
    check_balance(&s->closing, NULL, 0, NULL);
    assert_int_equal(s->nentries, 2);
    const struct want_entry want[] = {
        /* ISO-8859-1 input, prefixed namespace: names come out in UTF-8. */
        {"2024-04-10", "2024-04-11", 25005, true, false, "CHF", "CH-REF-1", "",
         "210000000003139471430009017", "Z\xC3\xBCrich M\xC3\xB6" "bel AG", "", "", 13},
        /* AddtlNtryInf, with its CDATA, when there are no details at all. */
        {"2024-04-10", NULL, 995, false, false, "CHF", "", "", "Account fee April & May", "",
         "", "", 30},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(want); i++) check_entry(&s->entries[i], &want[i]);
    owed_bank_file_free(&f);
}

static void test_sample_052(void **state)
{
    (void)state;
    struct owed_bank_file f;
    parse_sample("sample.camt052.xml", &f);
    assert_int_equal(f.format, OWED_BANK_CAMT052);
    assert_string_equal(f.version, "camt.052.001.01");
    assert_int_equal(f.nstmts, 1);
    const struct owed_bank_statement *s = &f.stmts[0];
    assert_string_equal(s->account, "0035-2915203-10-000"); /* 001.01 PrtryAcct */
    assert_string_equal(s->statement_id, "RPT-1");
    assert_string_equal(s->currency, "KWD");
    assert_int_equal(s->date, D("2024-05-02"));
    /* Two interim balances: the first opens, the last closes. KWD has three decimals. */
    check_balance(&s->opening, "ITBD", 1500, "2024-05-02");
    check_balance(&s->closing, "ITBD", -250, "2024-05-02");
    assert_int_equal(s->nentries, 1);
    const struct want_entry e = {"2024-05-02", NULL, 1750, false, false, "KWD", "", "KW-E2E-1",
                                 "", "Gulf Supplies", "", "", 26};
    check_entry(&s->entries[0], &e);
    owed_bank_file_free(&f);
}

/* Parses doc and expects OWED_E_PARSE with err starting with want_prefix (and holding
 * want_sub when given). */
static void expect_reject(const char *doc, const char *want_prefix, const char *want_sub)
{
    struct owed_bank_file f;
    owed_bank_file_init(&f);
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = owed_bank_parse_camt(doc, strlen(doc), &f, &err);
    bool ok = rc == OWED_E_PARSE && strncmp(err.ptr, want_prefix, strlen(want_prefix)) == 0 &&
              (!want_sub || strstr(err.ptr, want_sub));
    if (!ok) print_error("rc %d, err: %s\nwant: %s ... %s\n", rc, err.ptr, want_prefix,
                         want_sub ? want_sub : "");
    assert_true(ok);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

#define HEAD                                                                              \
    "<?xml version=\"1.0\"?>\n"                                                           \
    "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\n" \
    "<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-01-01T00:00:00</CreDtTm></GrpHdr>\n"           \
    "<Stmt><Id>S</Id><Acct><Id><IBAN>X</IBAN></Id></Acct>\n"
#define TAIL "</Stmt></BkToCstmrStmt></Document>\n"
#define OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>\n"
#define NTRY2 "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/"

static void test_rejects_entries(void **state)
{
    (void)state;
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">12,50</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                               "</Ntry>" TAIL,
                  NTRY2 "Amt: not a decimal amount: \"12,50\"", "(line 6)");
    expect_reject(HEAD OK_NTRY "<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>" TAIL,
                  NTRY2 "Amt: missing", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">-1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                               "</Ntry>" TAIL,
                  NTRY2 "Amt: not a decimal amount", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1.001</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                               "</Ntry>" TAIL,
                  NTRY2 "Amt: more decimals than EUR has", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">99999999999999999999</Amt>"
                               "<CdtDbtInd>CRDT</CdtDbtInd></Ntry>" TAIL,
                  NTRY2 "Amt: amount out of range", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"XYZ\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                               "</Ntry>" TAIL,
                  NTRY2 "Amt: unknown currency \"XYZ\"", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt>1</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>" TAIL,
                  NTRY2 "Amt: no Ccy attribute", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRED</CdtDbtInd>"
                               "</Ntry>" TAIL,
                  NTRY2 "CdtDbtInd: not CRDT or DBIT: \"CRED\"", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1</Amt></Ntry>" TAIL,
                  NTRY2 "CdtDbtInd: missing", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                               "<RvslInd>yes</RvslInd></Ntry>" TAIL,
                  NTRY2 "RvslInd: not a boolean", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                               "<BookgDt><Dt>2024-02-30</Dt></BookgDt></Ntry>" TAIL,
                  NTRY2 "BookgDt/Dt: not a date: \"2024-02-30\"", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                               "<ValDt><DtTm>2024-01-01 10:00</DtTm></ValDt></Ntry>" TAIL,
                  NTRY2 "ValDt/DtTm: not a date", NULL);
    expect_reject(HEAD OK_NTRY "<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>DBIT</CdtDbtInd>"
                               "<ValDt></ValDt></Ntry>" TAIL,
                  NTRY2 "ValDt: neither Dt nor DtTm", NULL);
}

static void test_rejects_statements(void **state)
{
    (void)state;
    const char *stmt = "Document/BkToCstmrStmt/Stmt[1]/";
    char want[128];
    snprintf(want, sizeof want, "%sBal[2]/CdtDbtInd: missing", stmt);
    expect_reject(HEAD "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1"
                       "</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal><Bal><Tp><CdOrPrtry><Cd>CLBD"
                       "</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1</Amt></Bal>" TAIL,
                  want, NULL);
    snprintf(want, sizeof want, "%sBal[1]/Dt/Dt: not a date", stmt);
    expect_reject(HEAD "<Bal><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
                       "<Dt><Dt>01.01.2024</Dt></Dt></Bal>" TAIL,
                  want, NULL);
    expect_reject("<Document><BkToCstmrStmt><Stmt><Id>S</Id><Acct><Id><IBAN>X</IBAN></Id>"
                  "<Ccy>EURO</Ccy></Acct></Stmt></BkToCstmrStmt></Document>",
                  "Document/BkToCstmrStmt/Stmt[1]/Acct/Ccy: unknown currency \"EURO\"", NULL);
    expect_reject("<Document><BkToCstmrStmt><Stmt><CreDtTm>yesterday</CreDtTm></Stmt>"
                  "</BkToCstmrStmt></Document>",
                  "Document/BkToCstmrStmt/Stmt[1]/CreDtTm: not a date-time", NULL);
    expect_reject("<Document><BkToCstmrStmt><GrpHdr><CreDtTm>2024</CreDtTm></GrpHdr>"
                  "</BkToCstmrStmt></Document>",
                  "Document/BkToCstmrStmt/GrpHdr/CreDtTm: not a date-time", NULL);
}

static void test_rejects_documents(void **state)
{
    (void)state;
    size_t len;
    char *doc = slurp(data_path("bad-amount.camt053.xml"), &len);
    assert_non_null(doc);
    expect_reject(doc, "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt: not a decimal amount: "
                       "\"12,50\" (line 13)", NULL);
    free(doc);
    doc = slurp(data_path("not-well-formed.camt053.xml"), &len);
    assert_non_null(doc);
    expect_reject(doc, "8: not well-formed XML: Opening and ending tag mismatch: Ntry", NULL);
    free(doc);
    expect_reject("", "1: not well-formed XML", NULL);
    expect_reject("<Document><BkToCstmrStmt>\xff</BkToCstmrStmt></Document>",
                  "1: not well-formed XML: Input is not proper UTF-8", NULL);
    /* No DTD at all: no entity can expand, nothing outside the file is read. */
    expect_reject("<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY a \"aaaa\">\n"
                  "<!ENTITY b \"&a;&a;&a;&a;\">]>\n<Document><BkToCstmrStmt><Stmt><Id>&b;"
                  "</Id></Stmt></BkToCstmrStmt></Document>",
                  "4: a DOCTYPE is not allowed in camt", NULL);
    expect_reject("<?xml version=\"1.0\"?>\n<!DOCTYPE Document SYSTEM "
                  "\"http://127.0.0.1:9/camt.dtd\">\n<Document><BkToCstmrStmt/></Document>",
                  "3: a DOCTYPE is not allowed in camt", NULL);
    expect_reject("<Doc/>", "Doc: the root element is not Document", NULL);
    expect_reject("<Document><CstmrCdtTrfInitn/></Document>",
                  "Document/CstmrCdtTrfInitn: not a camt.052, camt.053 or camt.054 message",
                  NULL);
    expect_reject("<Document><BkToCstmrStmtV/></Document>", "Document/BkToCstmrStmtV: not a",
                  NULL);
}

static void test_accepts_edges(void **state)
{
    (void)state;
    /* No records: OK with nothing in it; an error buffer is optional. */
    const char *doc = "<Document><BkToCstmrAcctRptV02><GrpHdr/></BkToCstmrAcctRptV02>"
                      "</Document>";
    struct owed_bank_file f;
    owed_bank_file_init(&f);
    assert_int_equal(owed_bank_parse_camt(doc, strlen(doc), &f, NULL), OWED_OK);
    assert_int_equal(f.format, OWED_BANK_CAMT052);
    assert_string_equal(f.version, "camt.052");
    assert_int_equal(f.nstmts, 0);
    owed_bank_file_free(&f);
    const char *bad = "<Document><BkToCstmrStmt><Stmt><Ntry/></Stmt></BkToCstmrStmt></Document>";
    owed_bank_file_init(&f);
    assert_int_equal(owed_bank_parse_camt(bad, strlen(bad), &f, NULL), OWED_E_PARSE);
    owed_bank_file_free(&f);
}

/* --- part two: the shared fixtures -------------------------------------------------- */

static const char *shared_dir;
static size_t ngolden, noca, npeer; /* how many files each kind of peer check covered */

/* Known, deliberate differences between owed's mapping and a peer's: file, field, why. */
static const struct {
    const char *file, *field, *why;
} deviations[] = {
    {"kedder-ofxstatement-iso20022/camt053.xml", "account_id",
     "the peer test configures the IBAN; the file holds Othr/Id 0035-2915203-10-000"},
    {"kedder-ofxstatement-iso20022/camt053.xml", "lines[0].refnum",
     "owed's entry_ref is Ntry/AcctSvcrRef; the peer takes TxDtls/Refs/AcctSvcrRef"},
    {"kedder-ofxstatement-iso20022/camt052.xml", "lines[0].refnum",
     "\"NONREF\" is a placeholder, dropped from entry_ref"},
    {"kedder-ofxstatement-iso20022/camt052.xml", "lines[0].memo",
     "the peer's memo is AddtlNtryInf; owed's remittance is RmtInf/Ustrd (\"Something\")"},
    {"OCA-bank-statement-import/test-camt053", "statements[0].date",
     "OCA dates the statement by its balances (2014-01-05); owed uses CreDtTm (2014-01-06)"},
    {"OCA-bank-statement-import/test-camt053", "transactions",
     "OCA splits an entry with two TxDtls into two lines; owed keeps one entry"},
    {"OCA-bank-statement-import/test-camt053-no-ntry", "statements",
     "OCA drops a statement without entries; owed returns it and the caller decides"},
};

static bool deviation(const char *file, const char *field)
{
    for (size_t i = 0; i < OWED_ARRAY_LEN(deviations); i++) {
        if (strcmp(deviations[i].file, file) == 0 && strcmp(deviations[i].field, field) == 0) {
            printf("note: %s %s: %s\n", file, field, deviations[i].why);
            return true;
        }
    }
    return false;
}

static const char *jstr(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A JSON amount in minor units of ccy, converted from its text. Strings are the text;
 * numbers are rendered back to text first (15 significant digits give back the literal
 * of every amount in the fixtures) and parsed as decimals, never used as doubles. */
static int64_t jminor(const json_t *v, const char *ccy)
{
    char *text = NULL;
    if (json_is_string(v)) text = owed_xstrdup(json_string_value(v));
    else if (json_is_number(v)) text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    assert_non_null(text);
    int64_t out = 0;
    int rc = owed_bank_amount(text, strlen(text), ccy, &out);
    if (rc) print_error("amount %s in %s: rc %d\n", text, ccy, rc);
    assert_int_equal(rc, OWED_OK);
    free(text);
    return out;
}

/* A JSON date ("2014-01-05", "2007-10-18T10:15:00+01:00" or null): its date part. */
static owed_date jdate(const json_t *v)
{
    const char *s = json_string_value(v);
    if (!s) return OWED_BANK_NO_DATE;
    owed_date d;
    assert_true(strlen(s) >= 10);
    assert_int_equal(owed_date_parse(s, 10, &d), OWED_OK);
    return d;
}

static int64_t signed_amount(const struct owed_bank_entry *e)
{
    return e->credit ? e->amount_minor : -e->amount_minor;
}

static bool is_placeholder(const char *s)
{
    return !s || strcmp(s, "NONREF") == 0 || strcmp(s, "NOTPROVIDED") == 0;
}

/* The balance of `codes` (in order of preference) among the derived balances, as owed
 * picks it: the first of a code, or the last ITBD for the closing one. */
static const json_t *pick(const json_t *bals, const char *const *codes, size_t n, bool last,
                          const json_t *not)
{
    for (size_t r = 0; r < n; r++) {
        const json_t *found = NULL;
        size_t i;
        json_t *b;
        json_array_foreach(bals, i, b) {
            if (b == not || strcmp(jstr(b, "type"), codes[r]) != 0) continue;
            if (!found || (last && strcmp(codes[r], "ITBD") == 0)) found = b;
        }
        if (found) return found;
    }
    return NULL;
}

static void check_derived_balance(const struct owed_bank_balance *got, const json_t *want)
{
    if (!want) {
        assert_false(got->present);
        return;
    }
    assert_true(got->present);
    assert_string_equal(got->type, jstr(want, "type"));
    int64_t v = jminor(json_object_get(want, "amount"), jstr(want, "ccy"));
    if (strcmp(jstr(want, "cdt_dbt"), "DBIT") == 0) v = -v;
    assert_int_equal(got->amount_minor, v);
    assert_int_equal(got->date, jdate(json_object_get(want, "date")));
}

static void check_derived_record(const struct owed_bank_statement *s, const json_t *rec)
{
    assert_string_equal(s->statement_id, jstr(rec, "Id"));
    const char *acct = jstr(rec, "account_iban");
    if (!acct) acct = jstr(rec, "account_other_id");
    if (acct) assert_string_equal(s->account, acct);
    if (jstr(rec, "account_ccy")) assert_string_equal(s->currency, jstr(rec, "account_ccy"));

    static const char *const open_codes[] = {"OPBD", "PRCD", "ITBD", "OPAV"};
    static const char *const close_codes[] = {"CLBD", "CLAV", "ITBD", "ITAV"};
    const json_t *bals = json_object_get(rec, "balances");
    const json_t *o = pick(bals, open_codes, 4, false, NULL);
    check_derived_balance(&s->opening, o);
    check_derived_balance(&s->closing, pick(bals, close_codes, 4, true, o));

    const json_t *entries = json_object_get(rec, "entries");
    assert_int_equal(s->nentries, json_integer_value(json_object_get(rec, "entry_count")));
    assert_int_equal(s->nentries, json_array_size(entries));
    int64_t sum = 0;
    size_t i;
    json_t *w;
    json_array_foreach(entries, i, w) {
        const struct owed_bank_entry *e = &s->entries[i];
        assert_string_equal(e->currency, jstr(w, "ccy"));
        assert_int_equal(e->amount_minor, jminor(json_object_get(w, "amount"), e->currency));
        assert_int_equal(e->credit, strcmp(jstr(w, "cdt_dbt"), "CRDT") == 0);
        const char *rv = jstr(w, "reversal");
        assert_int_equal(e->reversal, rv && strcmp(rv, "true") == 0);
        assert_int_equal(e->booking_date, jdate(json_object_get(w, "booking_date")));
        assert_int_equal(e->value_date, jdate(json_object_get(w, "value_date")));
        if (!is_placeholder(jstr(w, "AcctSvcrRef")))
            assert_string_equal(e->entry_ref, jstr(w, "AcctSvcrRef"));
        sum += signed_amount(e);
    }
    const json_t *ccys = json_object_get(rec, "entries_currencies");
    if (json_array_size(ccys) == 1)
        assert_int_equal(sum, jminor(json_object_get(rec, "entries_signed_sum"),
                                     json_string_value(json_array_get(ccys, 0))));
    const json_t *check = json_object_get(rec, "balance_check");
    if (json_is_true(json_object_get(check, "opening_plus_entries_equals_closing")))
        assert_int_equal(s->opening.amount_minor + sum, s->closing.amount_minor);
}

/* OCA golden: transactions in order, several per entry when OCA split a batch. */
static void check_oca(const char *file, const struct owed_bank_file *f, const json_t *golden)
{
    const json_t *stmts = json_object_get(golden, "statements");
    noca++;
    if (json_array_size(stmts) == 0) {
        assert_true(deviation(file, "statements"));
        for (size_t i = 0; i < f->nstmts; i++) assert_int_equal(f->stmts[i].nentries, 0);
        return;
    }
    assert_int_equal(f->nstmts, json_array_size(stmts));
    const struct owed_bank_statement *s = &f->stmts[0];
    assert_string_equal(s->account, jstr(golden, "account_number"));
    assert_string_equal(s->currency, jstr(golden, "currency"));
    const json_t *g = json_array_get(stmts, 0);
    assert_string_equal(s->statement_id, jstr(g, "name"));
    if (s->date != jdate(json_object_get(g, "date")))
        assert_true(deviation(file, "statements[0].date"));
    /* OCA reports 0.0 for balances a notification does not have. */
    int64_t start = jminor(json_object_get(g, "balance_start"), s->currency);
    int64_t end = jminor(json_object_get(g, "balance_end_real"), s->currency);
    assert_int_equal(s->opening.present ? s->opening.amount_minor : 0, start);
    assert_int_equal(s->closing.present ? s->closing.amount_minor : 0, end);

    const json_t *txs = json_object_get(g, "transactions");
    size_t t = 0;
    for (size_t i = 0; i < s->nentries; i++) {
        const struct owed_bank_entry *e = &s->entries[i];
        int64_t acc = 0;
        size_t parts = 0;
        while (acc != signed_amount(e)) {
            const json_t *tx = json_array_get(txs, t++);
            assert_non_null(tx);
            acc += jminor(json_object_get(tx, "amount"), e->currency);
            parts++;
            assert_int_equal(e->booking_date, jdate(json_object_get(tx, "date")));
            assert_string_equal(e->counterparty_name, jstr(tx, "partner_name"));
            assert_string_equal(e->counterparty_account, jstr(tx, "account_number"));
            assert_string_equal(e->bank_code, jstr(tx, "transaction_type"));
            const char *ref = jstr(tx, "ref");
            assert_true(strstr(e->end_to_end, ref) || strstr(e->remittance, ref));
        }
        if (parts > 1) assert_true(deviation(file, "transactions"));
    }
    assert_int_equal(t, json_array_size(txs));
}

/* genkgo's golden dump of the decoded message: entries with signed minor amounts. */
static void check_genkgo_golden(const struct owed_bank_file *f, const char *golden_path)
{
    json_error_t jerr;
    json_t *g = json_load_file(golden_path, 0, &jerr);
    if (!g) print_error("%s: %s\n", golden_path, jerr.text);
    assert_non_null(g);
    ngolden++;
    const json_t *entries = json_object_get(g, "getEntries");
    assert_int_equal(f->nstmts, 1);
    const struct owed_bank_statement *s = &f->stmts[0];
    assert_int_equal(s->nentries, json_array_size(entries));
    size_t i;
    json_t *w;
    json_array_foreach(entries, i, w) {
        const struct owed_bank_entry *e = &s->entries[i];
        const json_t *amt = json_object_get(w, "getAmount");
        const char *ccy = jstr(json_object_get(amt, "getCurrency"), "getCode");
        assert_string_equal(e->currency, ccy);
        char minor[32];
        snprintf(minor, sizeof minor, "%lld", (long long)signed_amount(e));
        assert_string_equal(minor, jstr(amt, "getAmount"));
        const char *ref = jstr(w, "getAccountServicerReference");
        if (!is_placeholder(ref)) assert_string_equal(e->entry_ref, ref);
        const json_t *btc = json_object_get(w, "getBankTransactionCode");
        const json_t *domn = json_object_get(btc, "getDomain");
        const json_t *prtry = json_object_get(btc, "getProprietary");
        char code[128];
        if (json_is_object(domn)) {
            const json_t *fam = json_object_get(domn, "getFamily");
            snprintf(code, sizeof code, "%s-%s-%s", jstr(domn, "getCode"), jstr(fam, "getCode"),
                     jstr(fam, "getSubFamilyCode"));
            assert_string_equal(e->bank_code, code);
        } else if (json_is_object(prtry)) {
            assert_string_equal(e->bank_code, jstr(prtry, "getCode"));
        }
        const json_t *rec = json_object_get(w, "getRecord");
        assert_string_equal(s->account,
                            jstr(json_object_get(rec, "getAccount"), "getIdentification"));
        size_t k;
        json_t *b;
        json_array_foreach(json_object_get(rec, "getBalances"), k, b) {
            const char *type = jstr(b, "getType");
            const struct owed_bank_balance *ours = strcmp(type, "opening") == 0 ? &s->opening
                                                   : strcmp(type, "closing") == 0 ? &s->closing
                                                                                  : NULL;
            if (!ours) continue;
            assert_true(ours->present);
            snprintf(minor, sizeof minor, "%lld", (long long)ours->amount_minor);
            assert_string_equal(minor, jstr(json_object_get(b, "getAmount"), "getAmount"));
        }
    }
    json_decref(g);
}

/* genkgo's end-to-end asserts and ofxstatement-iso20022's, where present. */
static void check_peer_fields(const char *file, const struct owed_bank_file *f,
                              const json_t *peer)
{
    const struct owed_bank_statement *s = &f->stmts[0];
    if (json_object_get(peer, "test") && !json_object_get(peer, "golden")) npeer++;
    const json_t *st = json_object_get(peer, "statement");
    if (!st) st = json_object_get(peer, "notification");
    if (st) {
        assert_string_equal(s->statement_id, jstr(st, "Id"));
        assert_string_equal(s->account, jstr(st, "account"));
    }
    if (json_object_get(peer, "statement_count"))
        assert_int_equal(f->nstmts, json_integer_value(json_object_get(peer, "statement_count")));
    if (json_object_get(peer, "entry_count"))
        assert_int_equal(s->nentries, json_integer_value(json_object_get(peer, "entry_count")));
    if (json_object_get(peer, "line_count"))
        assert_int_equal(s->nentries, json_integer_value(json_object_get(peer, "line_count")));
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(peer, "balances_minor_units"), i, b) {
        const char *type = jstr(b, "type");
        const struct owed_bank_balance *ours = strcmp(type, "opening") == 0 ? &s->opening
                                               : strcmp(type, "closing") == 0 ? &s->closing
                                                                              : NULL;
        if (!ours) continue; /* opening_available, closing_available: not in the model */
        assert_true(ours->present);
        char minor[32];
        snprintf(minor, sizeof minor, "%lld", (long long)ours->amount_minor);
        assert_string_equal(minor, jstr(b, "amount"));
    }
    const json_t *e = json_object_get(peer, "entry");
    if (e) {
        const struct owed_bank_entry *ours = &s->entries[0];
        assert_int_equal(signed_amount(ours),
                         json_integer_value(json_object_get(e, "amount_minor")));
        assert_string_equal(ours->currency, jstr(e, "ccy"));
        assert_int_equal(ours->booking_date, jdate(json_object_get(e, "booking_date")));
        assert_int_equal(ours->value_date, jdate(json_object_get(e, "value_date")));
        const char *cref = jstr(e, "creditor_reference");
        if (cref) assert_non_null(strstr(ours->remittance, cref));
        const char *btc = jstr(e, "bank_tx_code");
        if (btc) {
            char code[64];
            snprintf(code, sizeof code, "%s", btc);
            for (char *q = code; *q; q++)
                if (*q == '/') *q = '-';
            assert_string_equal(ours->bank_code, code);
        }
    }
    /* ofxstatement-iso20022 */
    if (jstr(peer, "account_id") && strcmp(s->account, jstr(peer, "account_id")) != 0)
        assert_true(deviation(file, "account_id"));
    if (jstr(peer, "currency")) assert_string_equal(s->currency, jstr(peer, "currency"));
    if (jstr(peer, "start_balance")) {
        assert_int_equal(s->opening.amount_minor,
                         jminor(json_object_get(peer, "start_balance"), s->currency));
        assert_int_equal(s->closing.amount_minor,
                         jminor(json_object_get(peer, "end_balance"), s->currency));
        assert_int_equal(s->opening.date, jdate(json_object_get(peer, "start_date")));
        assert_int_equal(s->closing.date, jdate(json_object_get(peer, "end_date")));
    }
    const json_t *line = json_object_get(peer, "lines[0]");
    if (line) {
        const struct owed_bank_entry *ours = &s->entries[0];
        if (jstr(line, "amount"))
            assert_int_equal(signed_amount(ours),
                             jminor(json_object_get(line, "amount"), ours->currency));
        assert_int_equal(ours->booking_date, jdate(json_object_get(line, "date")));
        assert_int_equal(ours->value_date, jdate(json_object_get(line, "date_user")));
        if (jstr(line, "payee")) assert_string_equal(ours->counterparty_name, jstr(line, "payee"));
        if (jstr(line, "memo") && !strstr(ours->remittance, jstr(line, "memo")))
            assert_true(deviation(file, "lines[0].memo"));
        if (jstr(line, "refnum") && strcmp(ours->entry_ref, jstr(line, "refnum")) != 0)
            assert_true(deviation(file, "lines[0].refnum"));
    }
}

static enum owed_bank_format format_of(const char *message_element)
{
    if (strncmp(message_element, "BkToCstmrStmt", 13) == 0) return OWED_BANK_CAMT053;
    if (strncmp(message_element, "BkToCstmrDbtCdtNtfctn", 21) == 0) return OWED_BANK_CAMT054;
    if (strncmp(message_element, "BkToCstmrAcctRpt", 16) == 0) return OWED_BANK_CAMT052;
    return OWED_BANK_UNKNOWN;
}

static void check_fixture(const char *dir, const char *file, const json_t *meta,
                          size_t *nparsed)
{
    const json_t *derived = json_object_get(meta, "derived_facts");
    const json_t *peer = json_object_get(meta, "peer_assertions");
    if (!json_is_object(derived)) return; /* a golden dump, not a statement */
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    char *data = slurp(path, &len);
    if (!data) print_error("cannot read %s\n", path);
    assert_non_null(data);

    struct owed_bank_file f;
    owed_bank_file_init(&f);
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = owed_bank_parse(data, len, NULL, &f, &err);
    if (rc) print_error("%s: rc %d: %s\n", file, rc, err.ptr);
    assert_int_equal(rc, OWED_OK); /* no camt fixture is expected to fail */
    (*nparsed)++;
    assert_int_equal(f.format, format_of(jstr(derived, "message_element")));
    const char *ns = jstr(derived, "namespace");
    assert_non_null(strstr(ns, f.version));

    const json_t *recs = json_object_get(derived, "records");
    assert_int_equal(f.nstmts, json_integer_value(json_object_get(derived, "record_count")));
    assert_int_equal(f.nstmts, json_array_size(recs));
    for (size_t i = 0; i < f.nstmts; i++) check_derived_record(&f.stmts[i], json_array_get(recs, i));

    if (json_object_get(peer, "golden")) check_oca(file, &f, json_object_get(peer, "golden"));
    const char *golden = jstr(peer, "regression_golden");
    if (golden) {
        const char *slash = strrchr(file, '/');
        snprintf(path, sizeof path, "%s/%.*s/%s", dir, slash ? (int)(slash - file) : 0, file,
                 golden);
        check_genkgo_golden(&f, path);
    }
    check_peer_fields(file, &f, peer);

    owed_bank_file_free(&f);
    owed_buf_release(&err);
    free(data);
}

static void test_shared_fixtures(void **state)
{
    (void)state;
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/fixtures/camt", shared_dir);
    snprintf(path, sizeof path, "%s/EXPECTED.json", dir);
    json_error_t jerr;
    json_t *expected = json_load_file(path, 0, &jerr);
    if (!expected) print_error("%s: %s\n", path, jerr.text);
    assert_non_null(expected);
    const char *file;
    json_t *meta;
    size_t nparsed = 0;
    json_object_foreach(json_object_get(expected, "files"), file, meta) {
        check_fixture(dir, file, meta, &nparsed);
    }
    printf("camt fixtures: %zu files parsed and matched (%zu against genkgo golden dumps, "
           "%zu against OCA golden data, %zu against upstream test asserts)\n",
           nparsed, ngolden, noca, npeer);
    assert_true(nparsed >= 20);
    json_decref(expected);
}

int main(void)
{
    const struct CMUnitTest samples[] = {
        cmocka_unit_test(test_sample_053),         cmocka_unit_test(test_sample_054),
        cmocka_unit_test(test_sample_052),         cmocka_unit_test(test_rejects_entries),
        cmocka_unit_test(test_rejects_statements), cmocka_unit_test(test_rejects_documents),
        cmocka_unit_test(test_accepts_edges),
    };
    int rc = cmocka_run_group_tests_name("camt samples", samples, NULL, NULL);
    if (rc) return rc;

    shared_dir = getenv("OWED_SHARED");
    char probe[4096];
    FILE *f = NULL;
    if (shared_dir &&
        snprintf(probe, sizeof probe, "%s/fixtures/camt/EXPECTED.json", shared_dir) <
            (int)sizeof probe)
        f = fopen(probe, "r");
    if (!f) {
        printf("skipped: ../shared/fixtures/camt not present\n");
        return 77;
    }
    fclose(f);
    const struct CMUnitTest fixtures[] = {cmocka_unit_test(test_shared_fixtures)};
    return cmocka_run_group_tests_name("camt shared fixtures", fixtures, NULL, NULL);
}
