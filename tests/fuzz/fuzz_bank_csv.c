/* libFuzzer harness for the bank CSV reader (src/io/bank_csv.c). The first byte picks a
 * column mapping (owed's own layout, a ';' export with decimal comma and day-first dates,
 * a tab export with credit/debit columns and US dates); the rest is the file. Every input
 * is either read into a model that keeps the contract of io/bank.h or rejected with
 * "LINE: reason"; nothing leaks and nothing reads out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"
#include "io/bank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct owed_bank_csv_map semicolon = {
    .account = "konto", .booking_date = "buchungstag", .value_date = "valuta",
    .amount = "betrag", .currency = "waehrung", .remittance = "verwendungszweck",
    .counterparty_name = "name", .counterparty_account = "iban",
    .date_format = "DD.MM.YYYY", .decimal_comma = true, .delimiter = ';',
    .default_currency = "EUR",
};

static const struct owed_bank_csv_map tab = {
    .statement_id = "id", .entry_ref = "ref", .booking_date = "date", .credit = "credit",
    .debit = "debit", .remittance = "memo", .date_format = "MM/DD/YYYY", .delimiter = '\t',
    .default_currency = "USD", .default_account = "ACC-1",
};

static void check_date(owed_date d)
{
    if (d == OWED_BANK_NO_DATE) return;
    int y, m, day;
    owed_date_to_ymd(d, &y, &m, &day);
    OWED_ASSERT(owed_date_valid_ymd(y, m, day));
}

static void check_file(const struct owed_bank_file *f)
{
    struct owed_buf key = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    for (size_t i = 0; i < f->nstmts; i++) {
        const struct owed_bank_statement *s = &f->stmts[i];
        OWED_ASSERT(s->account && s->statement_id && owed_currency_valid(s->currency));
        OWED_ASSERT(s->nentries > 0);
        for (size_t j = 0; j < s->nentries; j++) {
            const struct owed_bank_entry *e = &s->entries[j];
            OWED_ASSERT(e->amount_minor > 0);
            OWED_ASSERT(strcmp(e->currency, s->currency) == 0);
            OWED_ASSERT(e->booking_date != OWED_BANK_NO_DATE ||
                        e->value_date != OWED_BANK_NO_DATE);
            check_date(e->booking_date);
            check_date(e->value_date);
            OWED_ASSERT(e->line >= 2);
            owed_buf_reset(&key);
            owed_bank_entry_key(s, e, 1, &key);
            OWED_ASSERT(owed_buf_err(&key) == OWED_OK && key.len > 0);
        }
    }
    owed_buf_release(&key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const struct owed_bank_csv_map *maps[] = {&owed_bank_csv_owed_map, &semicolon, &tab};
    const struct owed_bank_csv_map *map = maps[data[0] % 3];
    struct owed_bank_file f;
    owed_bank_file_init(&f);
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_bank_parse_csv((const char *)data + 1, size - 1, map, &f, &err);
    OWED_ASSERT(f.format == OWED_BANK_CSV);
    if (rc == OWED_OK) {
        OWED_ASSERT(err.len == 0);
        check_file(&f);
    } else {
        OWED_ASSERT(rc == OWED_E_PARSE || rc == OWED_E_TOO_LARGE);
        OWED_ASSERT(err.len > 3 && err.ptr[0] >= '1' && err.ptr[0] <= '9');
        OWED_ASSERT(strstr(err.ptr, ": ") != NULL);
    }
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    return 0;
}
