/* Organization secrets for signed links (app/org_keys.c): the key of acknowledgement links
 * ("secret:ack", app/documents.c) and of the customer portal ("secret:portal",
 * app/portal.c), each made on first use and kept in the org's settings documents, and the
 * HMAC-SHA256 tokens made and checked with them (libsodium, constant-time comparison). */
#ifndef OWED_APP_ORG_KEYS_H
#define OWED_APP_ORG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "owed/buf.h"
#include "store/store.h"

#define OWED_ORG_KEY_BYTES 32

/* The organization's key `name`. With make, a missing key is made (32 random bytes) inside
 * the caller's write transaction; without, a missing key is OWED_E_NOT_FOUND. A stored
 * value that is not such a key is OWED_E_STORE. The caller wipes key after use
 * (sodium_memzero). */
int owed__org_key(struct owed_store *s, int64_t org, const char *name, bool make,
                  unsigned char key[OWED_ORG_KEY_BYTES], struct owed_buf *err);

/* The first nbytes (1..32) of HMAC-SHA256(key, msg) as lowercase hex in out, which holds
 * 2 * nbytes + 1 bytes. */
void owed__mac_hex(const unsigned char key[OWED_ORG_KEY_BYTES], const char *msg, size_t nbytes,
                   char *out);

/* True when got is exactly the hex token want: the same length, compared in constant
 * time. */
bool owed__mac_equal(const char *want, const char *got);

#endif
