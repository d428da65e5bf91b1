/* Organization keys for signed links (org_keys.h). */
#include "app/org_keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

_Static_assert(OWED_ORG_KEY_BYTES == crypto_auth_hmacsha256_KEYBYTES, "an HMAC-SHA256 key");

int owed__org_key(struct owed_store *s, int64_t org, const char *name, bool make,
                  unsigned char key[OWED_ORG_KEY_BYTES], struct owed_buf *err)
{
    struct owed_buf hex = OWED_BUF_INIT(0);
    int rc = s->ops->orgdoc_get(s, org, name, &hex, err);
    if (rc == OWED_E_NOT_FOUND && make) {
        /* Stored as a JSON string of hex, like every settings document. */
        char text[2 * OWED_ORG_KEY_BYTES + 3];
        unsigned char raw[OWED_ORG_KEY_BYTES];
        randombytes_buf(raw, sizeof raw);
        text[0] = '"';
        sodium_bin2hex(text + 1, sizeof text - 2, raw, sizeof raw);
        text[2 * OWED_ORG_KEY_BYTES + 1] = '"';
        text[2 * OWED_ORG_KEY_BYTES + 2] = '\0';
        rc = s->ops->orgdoc_put(s, org, name, text, err);
        if (!rc) {
            owed_buf_reset(&hex);
            owed_buf_adds(&hex, text);
        }
        sodium_memzero(raw, sizeof raw);
        sodium_memzero(text, sizeof text);
    }
    size_t got = 0;
    if (!rc && (hex.len != 2 * OWED_ORG_KEY_BYTES + 2 ||
                sodium_hex2bin(key, OWED_ORG_KEY_BYTES, hex.ptr + 1, 2 * OWED_ORG_KEY_BYTES,
                               NULL, &got, NULL) ||
                got != OWED_ORG_KEY_BYTES)) {
        owed_buf_addf(err, "%s: stored value unreadable", name);
        rc = OWED_E_STORE;
    }
    sodium_memzero(hex.ptr, hex.len);
    owed_buf_release(&hex);
    return rc;
}

void owed__mac_hex(const unsigned char key[OWED_ORG_KEY_BYTES], const char *msg, size_t nbytes,
                   char *out)
{
    OWED_ASSERT(nbytes >= 1 && nbytes <= crypto_auth_hmacsha256_BYTES);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
    sodium_bin2hex(out, 2 * nbytes + 1, mac, nbytes);
    sodium_memzero(mac, sizeof mac);
}

bool owed__mac_equal(const char *want, const char *got)
{
    size_t n = strlen(want);
    return got && strlen(got) == n && sodium_memcmp(want, got, n) == 0;
}
