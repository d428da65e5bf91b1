/* libFuzzer harness for the MT940 reader (src/io/bank_mt940.c): every input is either
 * read into a model that keeps the contract of io/bank.h (amounts > 0, strings never
 * NULL, ISO currency codes, known dates) or rejected with OWED_E_PARSE and "LINE: reason";
 * nothing leaks and nothing reads out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base.h"
#include "io/bank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
        OWED_ASSERT(s->account && s->statement_id);
        OWED_ASSERT(!s->currency[0] || owed_currency_valid(s->currency));
        check_date(s->date);
        check_date(s->opening.date);
        check_date(s->closing.date);
        for (size_t j = 0; j < s->nentries; j++) {
            const struct owed_bank_entry *e = &s->entries[j];
            OWED_ASSERT(e->amount_minor > 0);
            OWED_ASSERT(strcmp(e->currency, s->currency) == 0);
            OWED_ASSERT(e->entry_ref && e->end_to_end && e->remittance && e->bank_code);
            OWED_ASSERT(e->counterparty_name && e->counterparty_account);
            OWED_ASSERT(e->line >= 1);
            check_date(e->booking_date);
            check_date(e->value_date);
            owed_buf_reset(&key);
            owed_bank_entry_key(s, e, 1, &key);
            OWED_ASSERT(owed_buf_err(&key) == OWED_OK && key.len > 0);
        }
    }
    owed_buf_release(&key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_bank_file f;
    owed_bank_file_init(&f);
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_bank_parse_mt940((const char *)data, size, &f, &err);
    OWED_ASSERT(f.format == OWED_BANK_MT940);
    if (rc == OWED_OK) {
        OWED_ASSERT(err.len == 0);
        check_file(&f);
    } else {
        /* "LINE: reason", the line counted from 1. */
        OWED_ASSERT(rc == OWED_E_PARSE);
        OWED_ASSERT(err.len > 3 && err.ptr[0] >= '1' && err.ptr[0] <= '9');
        OWED_ASSERT(strstr(err.ptr, ": ") != NULL);
    }
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    return 0;
}
