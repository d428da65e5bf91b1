/* Unit tests for the growable buffer (src/base/buf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base.h"

static void test_basic(void **state)
{
    (void)state;
    struct owed_buf b = OWED_BUF_INIT(0);
    assert_non_null(b.ptr);
    assert_string_equal(b.ptr, "");
    assert_int_equal(b.len, 0);
    owed_buf_add(&b, "ab", 2);
    owed_buf_adds(&b, "cd");
    owed_buf_addc(&b, 'e');
    owed_buf_addf(&b, "-%d-%s", 42, "x");
    owed_buf_add(&b, "ignored", 0);
    assert_string_equal(b.ptr, "abcde-42-x");
    assert_int_equal(b.len, 10);
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    owed_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    owed_buf_release(&b);
    assert_non_null(b.ptr);
    assert_int_equal(b.len, 0);
    owed_buf_release(&b); /* twice is harmless */

    struct owed_buf c;
    owed_buf_init(&c, 0);
    assert_int_equal(c.max, OWED_BUF_MAX_DEFAULT);
    owed_buf_reset(&c); /* on an empty buffer */
    for (int i = 0; i < 10000; i++) owed_buf_addc(&c, (char)('a' + i % 26));
    assert_int_equal(c.len, 10000);
    assert_int_equal(c.ptr[9999], 'a' + 9999 % 26);
    assert_int_equal(c.ptr[10000], '\0');
    owed_buf_release(&c);
}

static void test_cap_sticky(void **state)
{
    (void)state;
    struct owed_buf b = OWED_BUF_INIT(10);
    owed_buf_adds(&b, "12345678");
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    owed_buf_adds(&b, "90123"); /* would make 13 */
    assert_int_equal(owed_buf_err(&b), OWED_E_TOO_LARGE);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.ptr, "12345678");
    /* Sticky: a later append that would fit is refused too. */
    owed_buf_addc(&b, '9');
    owed_buf_addf(&b, "%d", 1);
    assert_int_equal(b.len, 8);
    assert_int_equal(owed_buf_err(&b), OWED_E_TOO_LARGE);
    /* Reset clears the error; exactly max bytes fit. */
    owed_buf_reset(&b);
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    owed_buf_adds(&b, "0123456789");
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    assert_int_equal(b.len, 10);
    owed_buf_addc(&b, 'x');
    assert_int_equal(owed_buf_err(&b), OWED_E_TOO_LARGE);
    assert_string_equal(b.ptr, "0123456789");
    owed_buf_release(&b);

    /* addf past the cap, through the long path. */
    struct owed_buf c = OWED_BUF_INIT(300);
    owed_buf_addf(&c, "%0400d", 7);
    assert_int_equal(owed_buf_err(&c), OWED_E_TOO_LARGE);
    assert_int_equal(c.len, 0);
    owed_buf_release(&c);
    /* Huge single append. */
    struct owed_buf d = OWED_BUF_INIT(16);
    owed_buf_add(&d, "x", SIZE_MAX);
    assert_int_equal(owed_buf_err(&d), OWED_E_TOO_LARGE);
    owed_buf_release(&d);
}

static void test_addf_long(void **state)
{
    (void)state;
    char big[1001];
    for (int i = 0; i < 1000; i++) big[i] = (char)('A' + i % 26);
    big[1000] = '\0';
    struct owed_buf b = OWED_BUF_INIT(0);
    owed_buf_adds(&b, "<");
    owed_buf_addf(&b, "%s|%d", big, -7); /* longer than the 256-byte fast path */
    owed_buf_addf(&b, "%s", big);
    assert_int_equal(owed_buf_err(&b), OWED_OK);
    assert_int_equal(b.len, 1 + 1000 + 3 + 1000);
    assert_memory_equal(b.ptr + 1, big, 1000);
    assert_memory_equal(b.ptr + 1001, "|-7", 3);
    assert_memory_equal(b.ptr + 1004, big, 1000);
    assert_int_equal(b.ptr[b.len], '\0');
    assert_int_equal(strlen(b.ptr), b.len);
    /* Exactly 255 and 256 characters (the fast-path boundary). */
    owed_buf_reset(&b);
    owed_buf_addf(&b, "%.255s", big);
    assert_int_equal(b.len, 255);
    owed_buf_addf(&b, "%.256s", big);
    assert_int_equal(b.len, 511);
    assert_memory_equal(b.ptr + 255, big, 256);
    owed_buf_release(&b);
}

static void test_detach(void **state)
{
    (void)state;
    struct owed_buf b = OWED_BUF_INIT(100);
    owed_buf_adds(&b, "hello");
    size_t len = 0;
    char *s = owed_buf_detach(&b, &len);
    assert_string_equal(s, "hello");
    assert_int_equal(len, 5);
    /* The buffer is empty and usable, and keeps its cap. */
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    assert_int_equal(b.max, 100);
    owed_buf_adds(&b, "again");
    assert_string_equal(b.ptr, "again");
    assert_string_equal(s, "hello");
    free(s);
    owed_buf_release(&b);
    /* Detaching an empty buffer still gives a heap string. */
    char *e = owed_buf_detach(&b, NULL);
    assert_string_equal(e, "");
    free(e);
    owed_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_cap_sticky),
        cmocka_unit_test(test_addf_long),
        cmocka_unit_test(test_detach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
