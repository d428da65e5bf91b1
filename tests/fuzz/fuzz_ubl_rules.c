/* libFuzzer harness for the EN 16931 rules on UBL (src/io/ubl_rules*.c): check arbitrary
 * bytes. Never crashes, leaks or reads outside the input (no entity is resolved, a DOCTYPE
 * is refused); an error is OWED_E_PARSE with "LINE: reason" in err and no rule reported; a
 * success leaves err untouched, reports each failed rule once, in list order, with a known
 * flag and a message, counts the fatal ones, and gives the same result a second time. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/ubl_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    size_t calls, fatal;
    size_t next; /* index in owed_ubl_rules_list() past the last rule reported */
    struct owed_buf ids;
};

static int record(void *ctx, const struct owed_rule_result *r)
{
    struct seen *s = ctx;
    const char *const *list = owed_ubl_rules_list();
    size_t i = s->next;
    while (list[i] && strcmp(list[i], r->rule) != 0) i++;
    OWED_ASSERT(list[i] != NULL); /* a known rule, after the one before: in order, once */
    s->next = i + 1;
    bool fatal = strcmp(r->flag, "fatal") == 0;
    OWED_ASSERT(fatal || strcmp(r->flag, "warning") == 0);
    OWED_ASSERT(r->message && r->message[0]);
    s->calls++;
    s->fatal += fatal;
    owed_buf_adds(&s->ids, r->rule);
    owed_buf_addc(&s->ids, ' ');
    return 0;
}

static int check(const uint8_t *data, size_t size, struct seen *s, struct owed_buf *err,
                 int *failures)
{
    memset(s, 0, sizeof *s);
    owed_buf_init(&s->ids, OWED_BUF_MAX_DEFAULT);
    *failures = -1;
    return owed_ubl_check((const char *)data, size, NULL, record, s, failures, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    struct seen a, b;
    int fa, fb;
    int rc = check(data, size, &a, &err, &fa);
    if (rc) {
        OWED_ASSERT(rc == OWED_E_PARSE);
        OWED_ASSERT(err.len > 0 && err.ptr[0] >= '1' && err.ptr[0] <= '9');
        OWED_ASSERT(a.calls == 0 && fa == 0);
    } else {
        OWED_ASSERT(err.len == 0);
        OWED_ASSERT(fa >= 0 && (size_t)fa == a.fatal);
        OWED_ASSERT(check(data, size, &b, NULL, &fb) == OWED_OK);
        OWED_ASSERT(fa == fb && strcmp(a.ids.ptr, b.ids.ptr) == 0);
        owed_buf_release(&b.ids);
    }
    owed_buf_release(&a.ids);
    owed_buf_release(&err);
    return 0;
}
