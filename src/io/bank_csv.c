/* Placeholder until the CSV parser lands. */
#include "io/bank.h"
#include "owed/error.h"

int owed_bank_parse_csv(const char *data, size_t len, const struct owed_bank_csv_map *map,
                        struct owed_bank_file *out, struct owed_buf *err)
{
    (void)data; (void)len; (void)out; (void)map;
    owed_buf_adds(err, "1: csv is not supported yet");
    return OWED_E_PARSE;
}
