/* The currency table (src/base/iso4217_table.inc) against the ISO 4217 list in
 * ../shared/fixtures/iso4217/codes-all.csv. Skips (exit 77) when ../shared is absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

struct entry {
    char code[4];
    int minor; /* -1: not numeric ("N.A.") */
    bool current;
};

static struct entry entries[1024];
static size_t nentries;

/* Splits one RFC 4180 line (no embedded newlines in this file) into at most max fields,
 * unquoting in place. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        fields[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0') break;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
        } else {
            while (*p && *p != ',') *out++ = *p++;
        }
        bool more = *p == ',';
        *out = '\0';
        if (!more) break;
        p++;
    }
    return n;
}

static struct entry *find(const char *code)
{
    for (size_t i = 0; i < nentries; i++)
        if (strcmp(entries[i].code, code) == 0) return &entries[i];
    return NULL;
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[1024];
    bool header = true;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (header) {
            header = false;
            continue;
        }
        if (!*line) continue;
        char *fl[8];
        size_t nf = split(line, fl, 8);
        if (nf < 6 || strlen(fl[2]) != 3) continue; /* entities without a currency */
        struct entry *e = find(fl[2]);
        if (!e) {
            if (nentries == OWED_ARRAY_LEN(entries)) break;
            e = &entries[nentries++];
            memcpy(e->code, fl[2], 4);
            e->minor = -1;
        }
        char *end;
        long mu = strtol(fl[4], &end, 10);
        if (end != fl[4] && *end == '\0') e->minor = (int)mu;
        if (fl[5][0] == '\0') e->current = true;
    }
    fclose(f);
    return 0;
}

static void test_every_current_code(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < nentries; i++) {
        const struct entry *e = &entries[i];
        if (!e->current || e->minor < 0) continue;
        int exp = owed_currency_exponent(e->code);
        if (exp != e->minor) print_error("%s: table %d, ISO %d\n", e->code, exp, e->minor);
        assert_int_equal(exp, e->minor);
        checked++;
    }
    /* The fixture has 178 current alphabetic codes; a handful have no minor unit. */
    assert_true(checked > 150);
    /* And the table lists nothing that is not current ISO with a numeric minor unit. */
    for (size_t i = 0; i < owed_currency_count(); i++) {
        int exp;
        const char *code = owed_currency_code(i, &exp);
        const struct entry *e = find(code);
        if (!e || !e->current || e->minor != exp) print_error("extra in table: %s\n", code);
        assert_non_null(e);
        assert_true(e->current);
        assert_int_equal(e->minor, exp);
        if (i > 0) assert_true(strcmp(owed_currency_code(i - 1, NULL), code) < 0);
    }
    assert_null(owed_currency_code(owed_currency_count(), NULL));
}

static void test_spot_checks(void **state)
{
    (void)state;
    const struct {
        const char *code;
        int exp;
    } spots[] = {
        {"JPY", 0}, {"KRW", 0}, {"CLP", 0}, {"ISK", 0}, {"BHD", 3}, {"KWD", 3}, {"JOD", 3},
        {"OMR", 3}, {"TND", 3}, {"LYD", 3}, {"IQD", 3}, {"CLF", 4}, {"UYW", 4}, {"USD", 2},
        {"EUR", 2},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(spots); i++) {
        assert_int_equal(owed_currency_exponent(spots[i].code), spots[i].exp);
        const struct entry *e = find(spots[i].code);
        assert_non_null(e);
        assert_int_equal(e->minor, spots[i].exp);
    }
    const char *invalid[] = {"XAU", "XDR", "XXX", "XAG", "XTS"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(invalid); i++) {
        assert_false(owed_currency_valid(invalid[i]));
        assert_int_equal(owed_currency_exponent(invalid[i]), -1);
    }
}

int main(void)
{
    const char *shared = getenv("OWED_SHARED");
    char path[4096];
    if (!shared || snprintf(path, sizeof path, "%s/fixtures/iso4217/codes-all.csv", shared) >=
                       (int)sizeof path ||
        load(path) != 0) {
        printf("skipped: ../shared not present\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_current_code),
        cmocka_unit_test(test_spot_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
