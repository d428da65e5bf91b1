/* Unit tests for the MT940 reader (src/io/bank_mt940.c).
 *
 * First our own files in tests/data/bank (every field), and inline cases for each rule and
 * error. Then every file of ../shared/fixtures/mt940 against its EXPECTED.json:
 * peer_assertions decide (transactions, balances, accounts, rejections), derived_facts
 * are cross-checks (per-statement lines and balances). Without OWED_SHARED the fixture part
 * prints "skipped" and the program exits 77 after the own tests pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/bank.h"
#include "bank_files.h"

/* ---- helpers ---- */

static void expect_date(owed_date got, const char *want)
{
    char s[11] = "";
    if (got != OWED_BANK_NO_DATE) owed_date_format(got, s);
    if (strcmp(s, want) != 0) print_error("date %s, want %s\n", s, want);
    assert_string_equal(s, want);
}

static void expect_balance(const struct owed_bank_balance *b, const char *type, int64_t amount,
                           const char *date)
{
    if (!type) {
        assert_false(b->present);
        return;
    }
    assert_true(b->present);
    assert_string_equal(b->type, type);
    assert_int_equal(b->amount_minor, amount);
    expect_date(b->date, date);
}

static void expect_stmt(const struct owed_bank_statement *s, const char *account,
                        const char *id, const char *currency, const char *date, size_t nentries)
{
    assert_string_equal(s->account, account);
    assert_string_equal(s->statement_id, id);
    assert_string_equal(s->currency, currency);
    expect_date(s->date, date);
    assert_int_equal(s->nentries, nentries);
}

struct want_entry {
    const char *booking, *value;
    int64_t amount;
    bool credit, reversal;
    const char *currency, *ref, *e2e, *remittance, *cp_name, *cp_account, *code;
    long line;
};

static void expect_entry(const struct owed_bank_entry *e, struct want_entry w)
{
    expect_date(e->booking_date, w.booking);
    expect_date(e->value_date, w.value);
    assert_int_equal(e->amount_minor, w.amount);
    assert_int_equal(e->credit, w.credit);
    assert_int_equal(e->reversal, w.reversal);
    assert_string_equal(e->currency, w.currency);
    assert_string_equal(e->entry_ref, w.ref);
    assert_string_equal(e->end_to_end, w.e2e);
    assert_string_equal(e->remittance, w.remittance);
    assert_string_equal(e->counterparty_name, w.cp_name);
    assert_string_equal(e->counterparty_account, w.cp_account);
    assert_string_equal(e->bank_code, w.code);
    assert_int_equal(e->line, w.line);
}

static int parse(const char *in, size_t len, struct owed_bank_file *f, struct owed_buf *err)
{
    owed_bank_file_init(f);
    int rc = owed_bank_parse_mt940(in, len, f, err);
    assert_true(rc == OWED_OK || rc == OWED_E_PARSE);
    assert_int_equal(f->format, OWED_BANK_MT940);
    return rc;
}

static void parse_ok(const char *in, struct owed_bank_file *f)
{
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, strlen(in), f, &err);
    if (rc) print_error("input:\n%s\nerr: %s\n", in, err.ptr);
    assert_int_equal(rc, OWED_OK);
    owed_buf_release(&err);
}

static void expect_error(const char *in, const char *want)
{
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, strlen(in), &f, &err);
    if (rc != OWED_E_PARSE || strcmp(err.ptr, want) != 0)
        print_error("input:\n%s\nrc %d, err: %s\nwant: %s\n", in, rc, err.ptr, want);
    assert_int_equal(rc, OWED_E_PARSE);
    assert_string_equal(err.ptr, want);
    owed_bank_file_free(&f);
    owed_buf_release(&err);
}

/* The single entry of a one-line statement around `line61` and `info86`. */
static void one_entry(const char *line61, const char *info86, struct owed_bank_file *f)
{
    struct owed_buf in = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    owed_buf_addf(&in, ":20:T\n:25:ACC\n:28C:1\n:60F:C240101EUR0,00\n:61:%s\n", line61);
    if (info86) owed_buf_addf(&in, ":86:%s\n", info86);
    owed_buf_adds(&in, ":62F:C240101EUR0,00\n");
    parse_ok(in.ptr, f);
    assert_int_equal(f->nstmts, 1);
    assert_int_equal(f->stmts[0].nentries, 1);
    owed_buf_release(&in);
}

/* ---- own samples ---- */

static void test_sample(void **state)
{
    (void)state;
    size_t len;
    char *in = testdata("sample.mt940", &len);
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    assert_int_equal(parse(in, len, &f, &err), OWED_OK);
    assert_int_equal(err.len, 0);
    assert_string_equal(f.version, "MT940");
    assert_int_equal(f.nstmts, 2);

    const struct owed_bank_statement *s = &f.stmts[0];
    expect_stmt(s, "DE89370400440532013000", "STMT-2024-03/00042/001", "EUR", "2024-03-15", 3);
    expect_balance(&s->opening, "60F", 150000, "2024-03-14");
    expect_balance(&s->closing, "62F", 211250, "2024-03-15");
    /* German subfields: SVWZ+ is the remittance (a full 27-character subfield continues
     * mid-word), EREF+ stands in for NONREF, ?31/?32 name the counterparty. */
    expect_entry(&s->entries[0],
                 (struct want_entry){"2024-03-15", "2024-03-15", 75000, true, false, "EUR",
                                     "BR240315001", "E2E-4711",
                                     "INV-2024-001 INV-2024-002 THANK YOU", "ACME GMBH",
                                     "DE44500105175407324931", "NTRF", 6});
    /* Dutch structure wrapped mid-word ("AM" / "STERDAM"). */
    expect_entry(&s->entries[1],
                 (struct want_entry){"2024-03-15", "2024-03-15", 15000, false, false, "EUR",
                                     "BR240315002", "E2E-PAY-9", "FEE MARCH 2024", "SUPPLIER BV",
                                     "NL91ABNA0417164300", "NMSC", 9});
    /* RD: reversal of a debit, money in; the entry date crosses the year. */
    expect_entry(&s->entries[2],
                 (struct want_entry){"2024-01-02", "2023-12-31", 1250, true, true, "EUR", "",
                                     "REF-REV-1", "Reversal of direct debit Mandate M-77", "", "",
                                     "NTRF", 12});

    s = &f.stmts[1];
    /* The zero-amount notice is no entry. */
    expect_stmt(s, "DE89370400440532013000", "STMT-2024-04/00043/001", "EUR", "2024-03-16", 0);
    expect_balance(&s->opening, "60F", 211250, "2024-03-15");
    expect_balance(&s->closing, "62F", 211250, "2024-03-16");
    owed_bank_file_free(&f);

    /* CRLF line ends give the same statements. */
    struct owed_buf crlf = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\n') owed_buf_addc(&crlf, '\r');
        owed_buf_addc(&crlf, in[i]);
    }
    assert_int_equal(parse(crlf.ptr, crlf.len, &f, &err), OWED_OK);
    assert_int_equal(f.nstmts, 2);
    assert_int_equal(f.stmts[0].nentries, 3);
    assert_string_equal(f.stmts[0].entries[1].remittance, "FEE MARCH 2024");
    owed_bank_file_free(&f);
    owed_buf_release(&crlf);
    owed_buf_release(&err);
    free(in);
}

static void test_own_malformed_files(void **state)
{
    (void)state;
    static const struct {
        const char *file, *err;
    } cases[] = {
        {"bad-date.mt940", "5: statement line: value date is not YYMMDD"},
        {"bad-balance.mt940",
         "4: balance X240314EUR1500,00 is not D/C, YYMMDD, currency, amount"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) {
        size_t len;
        char *in = testdata(cases[i].file, &len);
        struct owed_bank_file f;
        struct owed_buf err = OWED_BUF_INIT(4096);
        assert_int_equal(parse(in, len, &f, &err), OWED_E_PARSE);
        assert_string_equal(err.ptr, cases[i].err);
        owed_bank_file_free(&f);
        owed_buf_release(&err);
        free(in);
    }
}

static void test_statement_lines(void **state)
{
    (void)state;
    struct owed_bank_file f;
    const struct owed_bank_entry *e;

    /* RC reverses a credit: money out. Funds code letter before the amount. */
    one_entry("2401050105RCR12,NCHK123//BANK-1", NULL, &f);
    e = &f.stmts[0].entries[0];
    expect_entry(e, (struct want_entry){"2024-01-05", "2024-01-05", 1200, false, true, "EUR",
                                        "BANK-1", "123", "", "", "", "NCHK", 5});
    owed_bank_file_free(&f);

    /* Entry date before a January value date is in December of the year before. */
    one_entry("2401021229D1,5NTRFNONREF", NULL, &f);
    e = &f.stmts[0].entries[0];
    expect_date(e->booking_date, "2023-12-29");
    expect_date(e->value_date, "2024-01-02");
    assert_int_equal(e->amount_minor, 150);
    owed_bank_file_free(&f);

    /* 30 February (German closing entries) is the last day of February. */
    one_entry("240230C1,00N024NONREF", NULL, &f);
    expect_date(f.stmts[0].entries[0].value_date, "2024-02-29");
    expect_date(f.stmts[0].entries[0].booking_date, "");
    owed_bank_file_free(&f);

    /* Wrapped before the amount (Sparkasse) and the tag split after its colon. */
    parse_ok(":20:T\n:61:1811261126CR\n30,00N062NONREF\n:\n86:166?00GUTSCHR?20SVWZ+Test\n", &f);
    e = &f.stmts[0].entries[0];
    assert_int_equal(e->amount_minor, 3000);
    assert_true(e->credit);
    assert_string_equal(e->bank_code, "N062");
    assert_string_equal(e->remittance, "Test");
    assert_string_equal(e->currency, ""); /* no balance named one */
    owed_bank_file_free(&f);

    /* Old Rabobank: reference padded to 16, then the name on the same line; an IBAN in the
     * supplementary line is the counterparty account. */
    one_entry("110527D1213,28N0440121470966      W.P. Jansen      \nNL70ABNA0987654321", NULL,
              &f);
    e = &f.stmts[0].entries[0];
    assert_string_equal(e->end_to_end, "0121470966");
    assert_string_equal(e->counterparty_account, "NL70ABNA0987654321");
    assert_string_equal(e->bank_code, "N044");
    owed_bank_file_free(&f);

    /* An over-long reference that is one word stays whole (SNS writes the IBAN there). */
    one_entry("1712271227D713,13NOVBNL49RABO0166416932\nname", NULL, &f);
    e = &f.stmts[0].entries[0];
    assert_string_equal(e->end_to_end, "NL49RABO0166416932");
    assert_string_equal(e->counterparty_account, "NL49RABO0166416932");
    owed_bank_file_free(&f);

    /* A closing balance after the lines names their currency. */
    parse_ok(":20:T\n:61:240101C1,NTRF\n:62F:C240101USD1,\n", &f);
    assert_string_equal(f.stmts[0].entries[0].currency, "USD");
    assert_int_equal(f.stmts[0].entries[0].amount_minor, 100);
    owed_bank_file_free(&f);

    /* Zero amounts make no entry, and their :86: is dropped with them. */
    parse_ok(":20:T\n:60F:C240101EUR1,00\n:61:240101C0,NDIVNONREF\n:86:notice\n", &f);
    assert_int_equal(f.stmts[0].nentries, 0);
    owed_bank_file_free(&f);
}

static void test_information(void **state)
{
    (void)state;
    struct owed_bank_file f;
    const struct owed_bank_entry *e;

    /* Triodos writes '>' for '?'; its own account in >31 is no counterparty. */
    parse_ok(":20:T\n:25:TRIODOSBANK/0390123456\n:60F:C110101EUR10,00\n"
             ":61:110101D15,70N000NONREF\n:86:000>100987654321\n"
             ">20ALGEMENE TUSSENREKENING KOS>21TEN VAN 01-10-2010\n>310390123456\n",
             &f);
    e = &f.stmts[0].entries[0];
    /* >20 is full (27 characters): the word goes on in >21. */
    assert_string_equal(e->remittance, "ALGEMENE TUSSENREKENING KOSTEN VAN 01-10-2010");
    assert_string_equal(e->counterparty_account, "");
    owed_bank_file_free(&f);

    /* Without SVWZ+ the whole purpose is the remittance; ?38 (IBAN) beats ?31; ?32/?33. */
    one_entry("240101C5,NTRFNONREF",
              "020?00Wyplata?20EREF+E1?21Faktura 1?31123?32HUTA?33SZKLA?38PL0810600076", &f);
    e = &f.stmts[0].entries[0];
    assert_string_equal(e->remittance, "EREF+E1 Faktura 1");
    assert_string_equal(e->end_to_end, "E1 Faktura 1");
    assert_string_equal(e->counterparty_name, "HUTA SZKLA");
    assert_string_equal(e->counterparty_account, "PL0810600076");
    owed_bank_file_free(&f);

    /* Dutch: PREF stands in for a PREF reference; STRD reference; NAME under BENM. */
    one_entry("240101D5,NTRFPREF//B1",
              "/PREF/BATCH-7//BENM//NAME/JOHN DOE/REMI/STRD/CUR/RF18000000000539007547034/", &f);
    e = &f.stmts[0].entries[0];
    assert_string_equal(e->end_to_end, "BATCH-7");
    assert_string_equal(e->counterparty_name, "JOHN DOE");
    assert_string_equal(e->remittance, "RF18000000000539007547034");
    owed_bank_file_free(&f);

    /* Knab free text names the counterparty as "REK: .../NAAM: ...". */
    one_entry("240101D5,NTRFNONREF", "FACTUUR 2014\nREK: NL65INGB0123456789/NAAM: PICQER", &f);
    e = &f.stmts[0].entries[0];
    assert_string_equal(e->remittance, "FACTUUR 2014 REK: NL65INGB0123456789/NAAM: PICQER");
    assert_string_equal(e->counterparty_name, "PICQER");
    assert_string_equal(e->counterparty_account, "NL65INGB0123456789");
    owed_bank_file_free(&f);

    /* Several :86: for one line (old Rabobank) add up; a line that looks like a tag but is
     * none continues the text; a "-" line followed by text is text (ING). */
    one_entry("240101D5,NTRFNONREF",
              "Terugboeking\n:86:KOSTEN JUNI\n:12:11 uur\n-\nvervolg", &f);
    assert_string_equal(f.stmts[0].entries[0].remittance,
                        "Terugboeking KOSTEN JUNI :12:11 uur - vervolg");
    owed_bank_file_free(&f);
}

static void test_envelopes(void **state)
{
    (void)state;
    struct owed_bank_file f;
    /* Preamble lines, SOH/ETX, ":940:", blocks on one line, "-XXX", blank lines. */
    parse_ok("\x01\n0000 01INGBNL2AXXXX00001\n940 00\n:940:\n"
             "{1:F01X}{2:O940X}{3:}{4:\n:20:A\n:25:NL34RABO0142623393 EUR\n:28:1\n"
             ":60F:D240101EUR000000001,50\n:62M:D240101EUR1,50\n:64:C240101EUR0,\n"
             ":65:C240102EUR0,\n:86:statement-level information is not kept\n-}{5:}\n\n"
             ":20:B\n:25:X/1\n:60M:C240102EUR1,\n:62F:C240102EUR1,\n-XXX\n\x03\n",
             &f);
    assert_int_equal(f.nstmts, 2);
    expect_stmt(&f.stmts[0], "NL34RABO0142623393", "A/1", "EUR", "2024-01-01", 0);
    expect_balance(&f.stmts[0].opening, "60F", -150, "2024-01-01");
    expect_balance(&f.stmts[0].closing, "62M", -150, "2024-01-01");
    expect_stmt(&f.stmts[1], "X/1", "B", "EUR", "2024-01-02", 0);
    expect_balance(&f.stmts[1].opening, "60M", 100, "2024-01-02");
    owed_bank_file_free(&f);

    /* Without :20:, a statement opens at the first statement tag and a tag that cannot
     * repeat opens the next; :28C: alone is the id. MT942: currency from :34F:, date from
     * :13D:. */
    parse_ok(":28C:00035/001\n:60F:C100318EUR1,\n:60F:C100318EUR2,\n:20:M\n:34F:EURD0,00\n"
             ":13D:1610301730+0000\n:61:1610301031D0,42MCI0NONREF//055\n:90D:1EUR0,42\n",
             &f);
    assert_int_equal(f.nstmts, 3);
    expect_stmt(&f.stmts[0], "", "00035/001", "EUR", "", 0);
    expect_balance(&f.stmts[1].opening, "60F", 200, "2010-03-18");
    expect_stmt(&f.stmts[2], "", "M", "EUR", "2016-10-30", 1);
    assert_string_equal(f.stmts[2].entries[0].bank_code, "MCI0");
    owed_bank_file_free(&f);

    /* Text that is not UTF-8 is taken as ISO 8859-1. */
    one_entry("240101C1,NTRFNONREF", "M\xFCller", &f);
    assert_string_equal(f.stmts[0].entries[0].remittance, "M\xC3\xBCller");
    owed_bank_file_free(&f);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", "1: no MT940 statement found");
    expect_error("1\n2\n3\n", "1: no MT940 statement found");
    expect_error(":86:091\n-", "1: no MT940 statement found");
    expect_error(":9401:\n:20:X\n", "1: unknown tag :9401:");
    expect_error(":20:X\n:25:A\n:23:Y\n", "3: unknown tag :23:");
    expect_error(":20:X\n:60F:C240101DEM1,00\n", "2: unknown currency DEM");
    expect_error(":20:X\n:25:A USD\n:60F:C240101EUR1,00\n",
                 "3: balance currency EUR differs from the statement currency USD");
    expect_error(":20:X\n:60F:C240101EUR1,001\n",
                 "2: amount 1,001 has more decimals than EUR allows");
    expect_error(":20:X\n:60F:C240101EUR1.00\n", "2: amount 1.00 is not a decimal amount");
    expect_error(":20:X\n:60F:C240101EUR99999999999999999999,\n",
                 "2: amount 99999999999999999999, is out of range");
    expect_error(":20:X\n:60F:C240132EUR1,\n",
                 "2: balance C240132EUR1, is not D/C, YYMMDD, currency, amount");
    expect_error(":20:X\n:61:240101X1,NTRF\n", "2: statement line: mark is not C, D, RC or RD");
    expect_error(":20:X\n:61:240101C,5NTRF\n", "2: amount ,5 is not a decimal amount");
    expect_error(":20:X\n:61:240101CNTRFX\n", "2: statement line: amount missing");
    expect_error(":20:X\n:61:240101C1,5/TRF\n", "2: statement line: transaction type missing");
    expect_error(":20:X\n:61:240101C1,5N#RF\n",
                 "2: statement line: transaction type is not a letter and three characters");
    expect_error(":20:X\n:61:2401011399C1,5NTRF\n", "2: statement line: entry date is not MMDD");
    expect_error(":20:X\n:61:240101C1,5\n", "2: statement line 240101C1,5 is incomplete");
    expect_error(":20:X\n:13D:16103\n", "2: date and time 16103 is not YYMMDDhhmm");
    expect_error(":20:X\n:61:240101C1,NTRF\n:62F:C240101JPY1,\n",
                 "3: currency JPY has 0 decimals; earlier lines were read with 2");
}

/* ---- ../shared/fixtures/mt940 ---- */

static const char *shared_dir;

/* Files we reject although a peer reads them, and why; see bank_mt940.c. */
static const struct {
    const char *file, *err;
    bool peer_rejects;
} rejects[] = {
    /* OCA: ValueError, the first line is ":9401:" and not ":940:". */
    {"OCA-bank-statement-import/test-wrong-file.940", "1: unknown tag :9401:", true},
    /* WoLpH reads 16 lines; DEM left ISO 4217 in 2002 and has no exponent in our table. */
    {"WoLpH-mt940/cmxl/mt940.sta", "4: unknown currency DEM", false},
    /* WoLpH reads these as files with no transaction at all; we refuse to import nothing. */
    {"WoLpH-mt940/self-provided/invalid_statement.sta", "1: no MT940 statement found", false},
    {"WoLpH-mt940/self-provided/empty_non_swift.sta", "1: no MT940 statement found", false},
    {"WoLpH-mt940/betterplace/empty_86.sta", "1: no MT940 statement found", false},
};

static const char *jstr(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A decimal amount in major units from its JSON text ("-1500.00", "15000"); the sign is
 * returned apart. Never through a double. */
static int64_t jamount(json_t *v, const char *currency, bool *negative)
{
    assert_true(json_is_string(v));
    const char *s = json_string_value(v);
    *negative = s[0] == '-';
    if (*negative) s++;
    int64_t out;
    int rc = owed_bank_amount(s, strlen(s), currency ? currency : "", &out);
    if (rc) print_error("amount %s %s: %s\n", s, currency ? currency : "", owed_rc_name(rc));
    assert_int_equal(rc, OWED_OK);
    return out;
}

static owed_date jdate(json_t *v)
{
    if (!json_is_string(v)) return OWED_BANK_NO_DATE;
    owed_date d;
    const char *s = json_string_value(v);
    assert_int_equal(owed_date_parse(s, strlen(s), &d), OWED_OK);
    return d;
}

/* derived_facts copy dates as written, so "2016-02-30" appears; the parser (and the peer,
 * WoLpH) take it as the last day of February. */
static owed_date jdate_written(json_t *v)
{
    const char *s = json_string_value(v);
    assert_non_null(s);
    owed_date d;
    if (owed_date_parse(s, strlen(s), &d) == OWED_OK) return d;
    int y, m, day;
    assert_int_equal(sscanf(s, "%4d-%2d-%2d", &y, &m, &day), 3);
    assert_true(m >= 1 && m <= 12 && day > owed_month_days(y, m) && day <= 31);
    return owed_date_from_ymd(y, m, owed_month_days(y, m));
}

/* {"status","amount","currency","date"} (peer) or {"tag","dc","date","ccy","amount"}
 * (derived) against a balance. */
static void check_balance(const struct owed_bank_balance *b, json_t *want)
{
    assert_true(b->present);
    const char *cur = jstr(want, "currency") ? jstr(want, "currency") : jstr(want, "ccy");
    bool neg;
    int64_t amount = jamount(json_object_get(want, "amount"), cur, &neg);
    const char *dc = jstr(want, "status") ? jstr(want, "status") : jstr(want, "dc");
    bool debit = strcmp(dc, "D") == 0;
    if (json_object_get(want, "status") && amount != 0) assert_int_equal(neg, debit);
    assert_int_equal(b->amount_minor, debit ? -amount : amount);
    assert_int_equal(b->date, jdate(json_object_get(want, "date")));
    if (jstr(want, "tag")) assert_string_equal(b->type, jstr(want, "tag"));
}

/* :25: as written: our account, perhaps followed by the currency we took off it. */
static void check_account(const struct owed_bank_statement *s, const char *ident)
{
    size_t n = strlen(s->account);
    assert_true(n > 0 && strncmp(ident, s->account, n) == 0);
    const char *rest = ident + n;
    while (*rest == ' ') rest++;
    if (*rest) assert_string_equal(rest, s->currency);
}

/* WoLpH's transactions: every :61: in file order, amounts signed. */
static void check_peer_transactions(const struct owed_bank_file *f, json_t *txs)
{
    size_t k = 0, i;
    json_t *t;
    size_t total = 0;
    for (size_t si = 0; si < f->nstmts; si++) total += f->stmts[si].nentries;
    json_array_foreach(txs, i, t) {
        bool neg;
        const char *cur = jstr(t, "currency");
        int64_t amount = jamount(json_object_get(t, "amount"), cur, &neg);
        if (amount == 0) continue; /* no entry for a zero line */
        /* Find the k-th entry across statements. */
        const struct owed_bank_entry *e = NULL;
        size_t idx = k++;
        for (size_t si = 0; si < f->nstmts && !e; si++) {
            if (idx < f->stmts[si].nentries) e = &f->stmts[si].entries[idx];
            else idx -= f->stmts[si].nentries;
        }
        assert_non_null(e);
        assert_int_equal(e->amount_minor, amount);
        assert_int_equal(e->credit, !neg);
        const char *status = jstr(t, "status");
        assert_int_equal(e->reversal, status[0] == 'R');
        assert_int_equal(e->value_date, jdate(json_object_get(t, "date")));
        assert_int_equal(e->booking_date, jdate(json_object_get(t, "entry_date")));
        assert_string_equal(e->bank_code, jstr(t, "id"));
        assert_string_equal(e->currency, cur ? cur : "");
    }
    assert_int_equal(k, total);
}

/* derived_facts.statements (one per :20:) against our statements. */
static void check_derived(const struct owed_bank_file *f, json_t *facts)
{
    json_t *stmts = json_object_get(facts, "statements");
    assert_int_equal(f->nstmts, json_array_size(stmts));
    size_t i;
    json_t *ds;
    json_array_foreach(stmts, i, ds) {
        const struct owed_bank_statement *s = &f->stmts[i];
        const char *ref = jstr(ds, "ref_20"), *number = jstr(ds, "stmt_no_28C");
        /* statement_id is :20: (trimmed), then "/" and :28C: when there is one. */
        size_t rl = strlen(ref);
        while (rl && ref[rl - 1] == ' ') rl--;
        char id[512];
        snprintf(id, sizeof id, "%.*s%s%s", (int)rl, ref, number ? "/" : "", number ? number : "");
        assert_string_equal(s->statement_id, id);
        if (jstr(ds, "account_25")) check_account(s, jstr(ds, "account_25"));
        json_t *o = json_object_get(ds, "opening"), *c = json_object_get(ds, "closing");
        if (json_is_object(o)) check_balance(&s->opening, o);
        else assert_false(s->opening.present);
        if (json_is_object(c)) check_balance(&s->closing, c);
        else assert_false(s->closing.present);
        size_t k = 0, li;
        json_t *l;
        json_array_foreach(json_object_get(ds, "lines_61"), li, l) {
            bool neg;
            int64_t amount = jamount(json_object_get(l, "amount"), s->currency, &neg);
            if (amount == 0) continue;
            assert_true(k < s->nentries);
            const struct owed_bank_entry *e = &s->entries[k++];
            assert_int_equal(e->amount_minor, amount);
            const char *dc = jstr(l, "dc");
            assert_int_equal(e->credit, strcmp(dc, "C") == 0 || strcmp(dc, "RD") == 0);
            assert_int_equal(e->value_date, jdate_written(json_object_get(l, "value_date")));
        }
        assert_int_equal(k, s->nentries);
    }
}

/* WoLpH keeps one dict of statement tags per file: the last statement that has each. */
static void check_last_seen(const struct owed_bank_file *f, json_t *tags)
{
    const struct owed_bank_statement *last_open = NULL, *last_close = NULL, *last_acct = NULL;
    for (size_t i = 0; i < f->nstmts; i++) {
        if (f->stmts[i].opening.present) last_open = &f->stmts[i];
        if (f->stmts[i].closing.present) last_close = &f->stmts[i];
        if (f->stmts[i].account[0]) last_acct = &f->stmts[i];
    }
    json_t *v;
    if ((v = json_object_get(tags, "final_opening_balance"))) {
        assert_non_null(last_open);
        check_balance(&last_open->opening, v);
    }
    if ((v = json_object_get(tags, "final_closing_balance"))) {
        assert_non_null(last_close);
        check_balance(&last_close->closing, v);
    }
    if (jstr(tags, "account_identification")) {
        assert_non_null(last_acct);
        check_account(last_acct, jstr(tags, "account_identification"));
    }
    const char *ref = jstr(tags, "transaction_reference");
    if (ref) {
        const char *id = f->stmts[f->nstmts - 1].statement_id;
        assert_true(strncmp(id, ref, strlen(ref)) == 0);
    }
    const char *number = jstr(tags, "statement_number");
    if (number) assert_non_null(strstr(f->stmts[f->nstmts - 1].statement_id, number));
}

/* OCA's ING test: balances and one transaction it looks up by its fields. */
static void check_oca(const struct owed_bank_file *f, json_t *peer)
{
    bool neg;
    const struct owed_bank_statement *s = &f->stmts[0];
    assert_int_equal(s->opening.amount_minor,
                     jamount(json_object_get(peer, "start_balance"), "EUR", &neg));
    assert_int_equal(s->closing.amount_minor,
                     jamount(json_object_get(peer, "end_balance"), "EUR", &neg));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(peer, "transactions_contains"), i, t) {
        int64_t amount = jamount(json_object_get(t, "transferred_amount"), "EUR", &neg);
        bool found = false;
        for (size_t k = 0; k < s->nentries && !found; k++) {
            const struct owed_bank_entry *e = &s->entries[k];
            found = e->amount_minor == amount &&
                    e->value_date == jdate(json_object_get(t, "value_date")) &&
                    strcmp(e->counterparty_account, jstr(t, "remote_account")) == 0 &&
                    strcmp(e->end_to_end, jstr(t, "ref")) == 0;
        }
        assert_true(found);
    }
}

static void check_fixture(const char *name, json_t *exp, int *parsed, int *rejected)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fixtures/mt940/%s", shared_dir, name);
    size_t len;
    char *in = slurp(path, &len);
    if (!in) print_error("cannot read %s\n", path);
    assert_non_null(in);
    json_t *peer = json_object_get(exp, "peer_assertions");
    json_t *facts = json_object_get(exp, "derived_facts");
    struct owed_bank_file f;
    struct owed_buf err = OWED_BUF_INIT(4096);
    int rc = parse(in, len, &f, &err);
    const char *want_err = NULL;
    bool peer_rejects = false;
    for (size_t i = 0; i < OWED_ARRAY_LEN(rejects); i++) {
        if (strcmp(name, rejects[i].file) == 0) {
            want_err = rejects[i].err;
            peer_rejects = rejects[i].peer_rejects;
        }
    }
    if (want_err) {
        if (rc != OWED_E_PARSE) print_error("%s: should be rejected\n", name);
        assert_int_equal(rc, OWED_E_PARSE);
        assert_string_equal(err.ptr, want_err);
        if (peer_rejects) {
            assert_non_null(strstr(jstr(peer, "expected"), "raises"));
        } else if (json_object_get(peer, "transaction_count")) {
            /* We part from the peer: say so in the output. */
            printf("  %-55s rejected: %s (peer reads %lld transaction(s))\n", name, err.ptr,
                   (long long)json_integer_value(json_object_get(peer, "transaction_count")));
        }
        if (peer_rejects) printf("  %-55s rejected: %s (as the peer)\n", name, err.ptr);
        (*rejected)++;
    } else {
        if (rc) print_error("%s: %s\n", name, err.ptr);
        assert_int_equal(rc, OWED_OK);
        json_t *txs = json_object_get(peer, "transactions");
        if (txs) check_peer_transactions(&f, txs);
        json_t *tags = json_object_get(peer, "statement_level_tags_last_seen");
        if (tags) check_last_seen(&f, tags);
        if (jstr(peer, "start_balance")) check_oca(&f, peer);
        if (json_integer_value(json_object_get(facts, "statement_count_by_20_tag")) > 0)
            check_derived(&f, facts);
        size_t entries = 0;
        for (size_t i = 0; i < f.nstmts; i++) entries += f.stmts[i].nentries;
        printf("  %-55s %zu statement(s), %zu entries\n", name, f.nstmts, entries);
        (*parsed)++;
    }
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    free(in);
}

static void test_fixtures(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/fixtures/mt940/EXPECTED.json", shared_dir);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) print_error("%s: %s\n", path, jerr.text);
    assert_non_null(root);
    json_t *files = json_object_get(root, "files");
    assert_true(json_object_size(files) >= 37);
    int parsed = 0, rejected = 0;
    const char *name;
    json_t *exp;
    json_object_foreach(files, name, exp) check_fixture(name, exp, &parsed, &rejected);
    printf("mt940 fixtures: %d parsed, %d rejected\n", parsed, rejected);
    assert_int_equal(parsed + rejected, (int)json_object_size(files));
    assert_int_equal(rejected, (int)OWED_ARRAY_LEN(rejects));
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_sample),          cmocka_unit_test(test_own_malformed_files),
        cmocka_unit_test(test_statement_lines), cmocka_unit_test(test_information),
        cmocka_unit_test(test_envelopes),       cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests_name("mt940", own, NULL, NULL);
    if (rc) return rc;
    shared_dir = getenv("OWED_SHARED");
    if (!shared_dir || !*shared_dir) {
        printf("skipped: OWED_SHARED is not set, ../shared/fixtures/mt940 not checked\n");
        return 77;
    }
    const struct CMUnitTest fixtures[] = {cmocka_unit_test(test_fixtures)};
    return cmocka_run_group_tests_name("mt940 fixtures", fixtures, NULL, NULL);
}
