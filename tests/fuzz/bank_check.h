/* The contract of io/bank.h, checked on every model a fuzzed parser returns: included by
 * the bank harnesses whose parsers promise all of it (BAI2, MT940). */
#ifndef OWED_FUZZ_BANK_CHECK_H
#define OWED_FUZZ_BANK_CHECK_H

#include <string.h>

#include "base.h"
#include "io/bank.h"

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

#endif
