/* Unit tests for the webhook signature helpers (src/io/webhook.c): the HMAC-SHA256 of
 * "T.BODY" against values computed with Python's hmac module, the header both ways, the
 * Stripe-Signature parser's accepted and refused inputs, and verification: right secret,
 * wrong secret or body, stale or future timestamps, several v1 values, no secret. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "io/webhook.h"

#define BODY "{\"id\":\"evt_1\"}"

static void test_compute(void **state)
{
    (void)state;
    char hex[OWED_SIG_HEX + 1];
    /* python3: hmac.new(b'whsec_test_secret', b'1700000000.' + BODY, sha256).hexdigest() */
    owed_sig_compute("whsec_test_secret", 1700000000, BODY, strlen(BODY), hex);
    assert_string_equal(hex, "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a");
    /* An empty body signs "0." */
    owed_sig_compute("k", 0, "", 0, hex);
    assert_string_equal(hex, "6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7");
    /* A key longer than SHA-256's block (hashed first), a body with every byte value. */
    char key[107], body[256];
    memcpy(key, "whsec_", 6);
    memset(key + 6, 'x', 100);
    key[106] = '\0';
    for (int i = 0; i < 256; i++) body[i] = (char)i;
    owed_sig_compute(key, 42, body, sizeof body, hex);
    assert_string_equal(hex, "703cea58515954dc2b5b689259b8ace370bb7c4862a331a80af9d22c19e0a9bd");
}

static void test_header(void **state)
{
    (void)state;
    char h[OWED_SIG_HEADER_CAP];
    owed_sig_header("whsec_test_secret", 1700000000, BODY, strlen(BODY), h);
    assert_string_equal(h, "t=1700000000,v1=248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb161"
                           "8b9bf8ea9c9a");
    struct owed_sig_parsed p;
    assert_int_equal(owed_sig_parse(h, strlen(h), &p), OWED_OK);
    assert_int_equal(p.t, 1700000000);
    assert_int_equal(p.nv1, 1);
    assert_string_equal(p.v1[0],
                        "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a");
}

static const char V1A[] = "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a";
static const char V1B[] = "0000000000000000000000000000000000000000000000000000000000000000";

static void parse_ok(const char *h, int64_t t, size_t nv1)
{
    struct owed_sig_parsed p;
    int rc = owed_sig_parse(h, strlen(h), &p);
    if (rc) print_error("refused: %s\n", h);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(p.t, t);
    assert_int_equal(p.nv1, nv1);
}

static void parse_bad(const char *h, size_t len)
{
    struct owed_sig_parsed p;
    memset(&p, 0x5a, sizeof p);
    int rc = owed_sig_parse(h, len, &p);
    if (rc != OWED_E_PARSE) print_error("accepted: %.*s\n", (int)len, h);
    assert_int_equal(rc, OWED_E_PARSE);
    assert_int_equal(p.nv1, 0); /* nothing half-filled */
}

static void test_parse(void **state)
{
    (void)state;
    char h[1024];
    snprintf(h, sizeof h, "t=12,v1=%s", V1A);
    parse_ok(h, 12, 1);
    /* Spaces around items, v0 and unknown keys skipped, several v1 in any order. */
    snprintf(h, sizeof h, " v1=%s , t=99 ,v0=abc, scheme=x=y,v1=%s", V1A, V1B);
    parse_ok(h, 99, 2);
    /* Upper-case hex is lower-cased. */
    snprintf(h, sizeof h, "t=1,v1=ABCDEF%s", V1A + 6);
    struct owed_sig_parsed p;
    assert_int_equal(owed_sig_parse(h, strlen(h), &p), OWED_OK);
    assert_memory_equal(p.v1[0], "abcdef", 6);
    /* More v1 values than kept: the first OWED_SIG_MAX_V1. */
    size_t n = (size_t)snprintf(h, sizeof h, "t=5");
    for (int i = 0; i < OWED_SIG_MAX_V1 + 3; i++)
        n += (size_t)snprintf(h + n, sizeof h - n, ",v1=%s", V1B);
    parse_ok(h, 5, OWED_SIG_MAX_V1);

    parse_bad("", 0);
    parse_bad("t=1", 3); /* no v1 */
    snprintf(h, sizeof h, "v1=%s", V1A);
    parse_bad(h, strlen(h)); /* no t */
    snprintf(h, sizeof h, "t=1,t=2,v1=%s", V1A);
    parse_bad(h, strlen(h)); /* two t */
    snprintf(h, sizeof h, "t=,v1=%s", V1A);
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=-5,v1=%s", V1A);
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1234567890123456789,v1=%s", V1A); /* 19 digits */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,v1=%.63s", V1A); /* short */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,v1=%sa", V1A); /* long */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,v1=g%s", V1A + 1); /* not hex */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,,v1=%s", V1A); /* empty item */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,v1=%s,", V1A); /* trailing comma */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,v1%s", V1A); /* no '=' */
    parse_bad(h, strlen(h));
    snprintf(h, sizeof h, "t=1,v1=%s", V1A);
    h[3] = '\0'; /* a NUL inside the given length */
    parse_bad(h, strlen(V1A) + 7);
    char big[OWED_SIG_HEADER_MAX + 2];
    memset(big, ' ', sizeof big);
    memcpy(big, h, 3);
    parse_bad(big, sizeof big); /* too long, whatever it holds */
    parse_bad(NULL, 0);
}

static void test_verify(void **state)
{
    (void)state;
    const char *secret = "whsec_test_secret";
    const int64_t t = 1700000000;
    char h[OWED_SIG_HEADER_CAP], h2[512];
    owed_sig_header(secret, t, BODY, strlen(BODY), h);
    size_t hl = strlen(h), bl = strlen(BODY);
    assert_int_equal(owed_sig_verify(secret, h, hl, BODY, bl, t, 300), OWED_OK);
    assert_int_equal(owed_sig_verify(secret, h, hl, BODY, bl, t + 300, 300), OWED_OK);
    assert_int_equal(owed_sig_verify(secret, h, hl, BODY, bl, t - 300, 300), OWED_OK);
    /* Stale, or from the future. */
    assert_int_equal(owed_sig_verify(secret, h, hl, BODY, bl, t + 301, 300), OWED_E_DENIED);
    assert_int_equal(owed_sig_verify(secret, h, hl, BODY, bl, t - 301, 300), OWED_E_DENIED);
    /* Another secret, another body, a body cut short, no secret. */
    assert_int_equal(owed_sig_verify("whsec_other", h, hl, BODY, bl, t, 300), OWED_E_DENIED);
    assert_int_equal(owed_sig_verify(secret, h, hl, "{\"id\":\"evt_2\"}", bl, t, 300),
                     OWED_E_DENIED);
    assert_int_equal(owed_sig_verify(secret, h, hl, BODY, bl - 1, t, 300), OWED_E_DENIED);
    assert_int_equal(owed_sig_verify("", h, hl, BODY, bl, t, 300), OWED_E_DENIED);
    /* The timestamp is signed: moving it breaks the signature. */
    snprintf(h2, sizeof h2, "t=%lld,%s", (long long)t + 1, strchr(h, ',') + 1);
    assert_int_equal(owed_sig_verify(secret, h2, strlen(h2), BODY, bl, t, 300), OWED_E_DENIED);
    /* A good v1 among others (a secret being rotated) verifies. */
    snprintf(h2, sizeof h2, "t=%lld,v1=%s,%s", (long long)t, V1B, strchr(h, ',') + 1);
    assert_int_equal(owed_sig_verify(secret, h2, strlen(h2), BODY, bl, t, 300), OWED_OK);
    /* A malformed header never verifies. */
    assert_int_equal(owed_sig_verify(secret, "garbage", 7, BODY, bl, t, 300), OWED_E_DENIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
