/* libFuzzer harness for owed_sig_parse() (the Stripe-Signature / Owed-Signature header,
 * src/io/webhook.c): it reads only the bytes given, and whatever it accepts has one t and
 * 1 to OWED_SIG_MAX_V1 lower-case 64-hex v1 values, which written back as a header parse to
 * the same values. Verification of the input as a header over itself as the body must
 * agree with a header made for it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "io/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool lower_hex(const char *s)
{
    for (size_t i = 0; i < OWED_SIG_HEX; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return s[OWED_SIG_HEX] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy: ASan flags any read past the end. */
    char *h = malloc(size ? size : 1);
    OWED_ASSERT(h);
    if (size) memcpy(h, data, size);
    struct owed_sig_parsed p;
    int rc = owed_sig_parse(h, size, &p);
    OWED_ASSERT(rc == OWED_OK || rc == OWED_E_PARSE);
    if (rc == OWED_OK) {
        OWED_ASSERT(size <= OWED_SIG_HEADER_MAX);
        OWED_ASSERT(p.t >= 0);
        OWED_ASSERT(p.nv1 >= 1 && p.nv1 <= OWED_SIG_MAX_V1);
        for (size_t i = 0; i < p.nv1; i++) OWED_ASSERT(lower_hex(p.v1[i]));
        /* Written back, it parses to the same values. */
        char back[64 + OWED_SIG_MAX_V1 * (OWED_SIG_HEX + 4)];
        size_t n = (size_t)snprintf(back, sizeof back, "t=%lld", (long long)p.t);
        for (size_t i = 0; i < p.nv1; i++)
            n += (size_t)snprintf(back + n, sizeof back - n, ",v1=%s", p.v1[i]);
        struct owed_sig_parsed q;
        OWED_ASSERT(owed_sig_parse(back, n, &q) == OWED_OK);
        OWED_ASSERT(q.t == p.t && q.nv1 == p.nv1);
        for (size_t i = 0; i < p.nv1; i++) OWED_ASSERT(!strcmp(q.v1[i], p.v1[i]));
    } else {
        OWED_ASSERT(p.nv1 == 0);
    }
    /* The input as a signature over itself verifies only if it carries the right HMAC;
     * a header made for the input always does. */
    const char *secret = "whsec_fuzz";
    int v = owed_sig_verify(secret, h, size, h, size, 1700000000, 300);
    OWED_ASSERT(v == OWED_OK || v == OWED_E_DENIED);
    OWED_ASSERT(v == OWED_E_DENIED || rc == OWED_OK);
    char made[OWED_SIG_HEADER_CAP];
    owed_sig_header(secret, 1700000000, h, size, made);
    OWED_ASSERT(owed_sig_verify(secret, made, strlen(made), h, size, 1700000000, 300) == OWED_OK);
    free(h);
    return 0;
}
