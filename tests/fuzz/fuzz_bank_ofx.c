/* libFuzzer harness for the OFX 1.x/2.x reader: every input either parses into a file that
 * keeps the contract of bank.h (amounts > 0 in a known currency, strings never NULL, dates
 * real or OWED_BANK_NO_DATE, a derived opening balance that adds up with the entries), or
 * is refused with OWED_E_PARSE and a "LINE: reason" message; never a crash, a leak or a
 * sanitizer report. */
#include <stdbool.h>
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

static void check_statement(const struct owed_bank_statement *s, struct owed_buf *key)
{
    OWED_ASSERT(s->account && s->statement_id);
    OWED_ASSERT(owed_currency_exponent(s->currency) >= 0);
    check_date(s->date);
    check_date(s->opening.date);
    check_date(s->closing.date);
    int64_t sum = 0;
    bool one_currency = true;
    for (size_t j = 0; j < s->nentries; j++) {
        const struct owed_bank_entry *e = &s->entries[j];
        OWED_ASSERT(e->amount_minor > 0);
        OWED_ASSERT(owed_currency_exponent(e->currency) >= 0);
        OWED_ASSERT(e->entry_ref && e->end_to_end && e->remittance && e->counterparty_name &&
                    e->counterparty_account && e->bank_code);
        OWED_ASSERT(e->line >= 1 && !e->reversal);
        check_date(e->booking_date);
        check_date(e->value_date);
        if (strcmp(e->currency, s->currency) != 0) one_currency = false;
        else OWED_ASSERT(owed_i64_add(sum, e->credit ? e->amount_minor : -e->amount_minor,
                                      &sum) == OWED_OK);
        owed_buf_reset(key);
        owed_bank_entry_key(s, e, 1, key);
        OWED_ASSERT(key->len > 0);
    }
    if (s->opening.present) {
        OWED_ASSERT(one_currency && s->closing.present);
        OWED_ASSERT(strcmp(s->opening.type, "DERIVED") == 0);
        OWED_ASSERT(strcmp(s->closing.type, "LEDGER") == 0);
        int64_t open;
        OWED_ASSERT(owed_i64_sub(s->closing.amount_minor, sum, &open) == OWED_OK);
        OWED_ASSERT(open == s->opening.amount_minor);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_bank_file f;
    owed_bank_file_init(&f);
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct owed_buf key = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_bank_parse_ofx((const char *)data, size, &f, &err);
    OWED_ASSERT(f.format == OWED_BANK_OFX);
    if (rc == OWED_OK) {
        OWED_ASSERT(err.len == 0);
        for (size_t i = 0; i < f.nstmts; i++) check_statement(&f.stmts[i], &key);
    } else {
        OWED_ASSERT(rc == OWED_E_PARSE);
        OWED_ASSERT(err.len > 2 && err.ptr[0] >= '1' && err.ptr[0] <= '9');
        OWED_ASSERT(strstr(err.ptr, ": ") != NULL);
    }
    owed_bank_file_free(&f);
    owed_buf_release(&err);
    owed_buf_release(&key);
    return 0;
}
