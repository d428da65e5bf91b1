/* Placeholder until the camt parser lands. */
#include "io/bank.h"
#include "owed/error.h"

int owed_bank_parse_camt(const char *data, size_t len, struct owed_bank_file *out,
                         struct owed_buf *err)
{
    (void)data; (void)len; (void)out;
    owed_buf_adds(err, "1: camt is not supported yet");
    return OWED_E_PARSE;
}
