/* Bank statements: one in-memory model for every format owed reads (camt.053/.054/.052,
 * BAI2, MT940, OFX 1.x/2.x, CSV with a column mapping), the format detector, and the
 * parsers. A parser reads a whole file held in memory and fills an owed_bank_file; on
 * failure it returns OWED_E_PARSE with "LINE: reason" (or "XPATH: reason" for XML) in err,
 * and the file is left for owed_bank_file_free. Nothing here touches the database.
 *
 * Amounts are int64 minor units of the entry's currency (ISO 4217 exponent), positive;
 * `credit` says the direction. Balances are signed (debit balances negative). Strings are
 * owned by the file (heap, NUL-terminated, never NULL: "" when absent). */
#ifndef OWED_IO_BANK_H
#define OWED_IO_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "owed/date.h"

enum owed_bank_format {
    OWED_BANK_UNKNOWN = 0,
    OWED_BANK_CAMT053 = 1, /* BkToCstmrStmt */
    OWED_BANK_CAMT054 = 2, /* BkToCstmrDbtCdtNtfctn */
    OWED_BANK_CAMT052 = 3, /* BkToCstmrAcctRpt */
    OWED_BANK_BAI2 = 4,
    OWED_BANK_MT940 = 5,
    OWED_BANK_OFX = 6, /* 1.x SGML and 2.x XML */
    OWED_BANK_CSV = 7,
};

#define OWED_BANK_NO_DATE INT32_MIN

struct owed_bank_balance {
    bool present;
    int64_t amount_minor; /* signed: a debit balance is negative */
    owed_date date;       /* OWED_BANK_NO_DATE when the file gives none */
    char type[8];         /* "OPBD", "CLBD", "PRCD", "CLAV", "ITBD", "60F", "62F", "LEDGER" ... */
};

struct owed_bank_entry {
    owed_date booking_date; /* OWED_BANK_NO_DATE when absent */
    owed_date value_date;   /* OWED_BANK_NO_DATE when absent */
    int64_t amount_minor;   /* > 0 */
    bool credit;            /* money in */
    bool reversal;          /* camt RvslInd, MT940 RC/RD */
    char currency[4];
    char *entry_ref;            /* the bank's own reference: AcctSvcrRef, FITID, MT940 bank
                                   reference, BAI2 bank reference */
    char *end_to_end;           /* EndToEndId, MT940 customer reference, BAI2 customer ref */
    char *remittance;           /* remittance text: unstructured lines and structured
                                   creditor references, joined with single spaces */
    char *counterparty_name;    /* the debtor of a credit, the creditor of a debit */
    char *counterparty_account; /* IBAN or other account id */
    char *bank_code;            /* BkTxCd "PMNT-RCDT-ESCT", BAI2 type code, MT940 transaction
                                   type, OFX TRNTYPE */
    long line;                  /* where the entry starts in the file (1-based), 0 if unknown */
};

struct owed_bank_statement {
    char *account;      /* IBAN or account number */
    char *statement_id; /* camt Stmt/Id, MT940 :20:/:28C:, OFX account+dates, BAI2 account+date */
    char currency[4];   /* the account currency; "" when the file does not say */
    owed_date date;     /* creation or as-of date, OWED_BANK_NO_DATE when absent */
    struct owed_bank_balance opening, closing;
    struct owed_bank_entry *entries;
    size_t nentries, cap;
};

struct owed_bank_file {
    enum owed_bank_format format;
    char version[32]; /* "camt.053.001.02", "OFX 102", "BAI2", "MT940" ... */
    struct owed_bank_statement *stmts;
    size_t nstmts, cap;
};

/* A CSV column mapping: the header names of each column; NULL or "" = not in the file.
 * Either `amount` (signed; negative = debit) or `credit` and/or `debit` (unsigned) columns.
 * Dates are ISO (YYYY-MM-DD) or date_format "DD.MM.YYYY" / "DD/MM/YYYY" / "MM/DD/YYYY".
 * decimal_comma: "1.234,56". */
struct owed_bank_csv_map {
    const char *account, *statement_id, *entry_ref, *booking_date, *value_date;
    const char *amount, *credit, *debit, *currency;
    const char *remittance, *end_to_end, *counterparty_name, *counterparty_account;
    const char *date_format;  /* NULL = ISO */
    bool decimal_comma;
    char delimiter;           /* 0 = ',' */
    const char *default_currency; /* when there is no currency column */
    const char *default_account;  /* when there is no account column */
};

/* The mapping of owed's own bank CSV (what `owed gen --bank` writes):
 * account,statement_id,entry_ref,booking_date,value_date,amount,currency,end_to_end,
 * counterparty_name,counterparty_account,remittance  (amount signed). */
extern const struct owed_bank_csv_map owed_bank_csv_owed_map;

/* Detects the format from content: XML root element (camt, OFX 2.x), "OFXHEADER:" or
 * "<OFX>" (OFX 1.x), "01," record (BAI2), ":20:" tag or "{1:" block (MT940); otherwise
 * CSV when the first line has a delimiter. */
enum owed_bank_format owed_bank_detect(const char *data, size_t len);
const char *owed_bank_format_name(enum owed_bank_format f);

/* Parses by detected format; map is used for CSV (NULL = owed's own CSV). */
int owed_bank_parse(const char *data, size_t len, const struct owed_bank_csv_map *map,
                    struct owed_bank_file *out, struct owed_buf *err);

int owed_bank_parse_camt(const char *data, size_t len, struct owed_bank_file *out,
                         struct owed_buf *err);
int owed_bank_parse_ofx(const char *data, size_t len, struct owed_bank_file *out,
                        struct owed_buf *err);
int owed_bank_parse_bai2(const char *data, size_t len, struct owed_bank_file *out,
                         struct owed_buf *err);
int owed_bank_parse_mt940(const char *data, size_t len, struct owed_bank_file *out,
                          struct owed_buf *err);
int owed_bank_parse_csv(const char *data, size_t len, const struct owed_bank_csv_map *map,
                        struct owed_bank_file *out, struct owed_buf *err);

void owed_bank_file_init(struct owed_bank_file *f);
void owed_bank_file_free(struct owed_bank_file *f);

/* Builders for the parsers. New records are zeroed with every string "" and dates
 * OWED_BANK_NO_DATE. */
struct owed_bank_statement *owed_bank_statement_add(struct owed_bank_file *f);
struct owed_bank_entry *owed_bank_entry_add(struct owed_bank_statement *s);
/* Replaces *dst (an owned string) with a copy of n bytes of src. */
void owed_bank_set(char **dst, const char *src, size_t n);
/* Appends src to *dst with one space between (collapsing runs of white space). */
void owed_bank_append(char **dst, const char *src, size_t n);

/* A decimal amount as banks write it ("1234.56", "1234,56", "-12.5", "1,234.56" not
 * allowed) into minor units of currency (exponent from the ISO table; "" = 2). Accepts
 * fewer decimals than the exponent; rejects more unless they are zeros. Sign allowed.
 * OWED_E_PARSE / OWED_E_OVERFLOW / OWED_E_CURRENCY. */
int owed_bank_amount(const char *s, size_t n, const char *currency, int64_t *out);

/* The idempotency key of an entry: with a bank reference,
 * "account|entry_ref|date|C/D|amount"; without one, "account|~|date|C/D|amount|" followed
 * by a hash of remittance, counterparty and end-to-end id, and "#n" for the n-th identical
 * entry within the statement (n from 1). Overlapping statements give the same keys. */
void owed_bank_entry_key(const struct owed_bank_statement *s, const struct owed_bank_entry *e,
                         int occurrence, struct owed_buf *out);

#endif
