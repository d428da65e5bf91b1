/* Identity and access (issue 6): organizations, users, API tokens, sessions, the audit
 * trail. Secrets are random (libsodium), shown once and stored only as their SHA-256;
 * passwords are stored as argon2id strings. */
#ifndef OWED_APP_AUTH_H
#define OWED_APP_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* Who a request is: the credential it showed and its user. */
struct owed_principal {
    int64_t org;
    int64_t user_id;
    int64_t cred_id;
    enum owed_cred_kind kind;
    enum owed_role role; /* the credential's (a token may be scoped below its user) */
    char email[OWED_EMAIL_MAX + 1];
    char csrf[OWED_HASH_HEX + 1]; /* sessions only */
};

#define OWED_SECRET_MAX 64 /* "owed_" + base64url of 32 random bytes, with room */
#define OWED_SESSION_SECONDS (12 * 3600)
#define OWED_PASSWORD_MIN 10

/* Initializes libsodium; call once before anything below (idempotent). */
int owed_auth_init(struct owed_buf *err);

/* SHA-256 of a secret, in hex. */
void owed_secret_hash(const char *secret, char out[OWED_HASH_HEX + 1]);
/* A new random secret "PREFIX" + 43 base64url characters. */
void owed_secret_new(const char *prefix, char out[OWED_SECRET_MAX + 1]);
/* Constant-time equality of two strings of the same length. */
bool owed_secret_equal(const char *a, const char *b);

/* `owed org create NAME`. */
int owed_org_create(struct owed_store *s, const char *name, int64_t *org_id,
                    struct owed_buf *err);

/* `owed org list`: "ID<TAB>NAME" lines. */
int owed_org_list(struct owed_store *s, struct owed_buf *out, struct owed_buf *err);

/* `owed user list`, `owed token list`: one line each (no secrets). */
int owed_user_list(struct owed_store *s, int64_t org, struct owed_buf *out, struct owed_buf *err);
int owed_token_list(struct owed_store *s, int64_t org, struct owed_buf *out, struct owed_buf *err);

/* `owed user add`: password may be NULL or "" for a token-only user; else at least
 * OWED_PASSWORD_MIN characters. */
int owed_user_add(struct owed_store *s, int64_t org, const char *email, const char *name,
                  enum owed_role role, const char *password, int64_t *user_id,
                  struct owed_buf *err);
/* Changes a user's role, password or disabled flag (NULL/0/-1 = unchanged). Disabling a
 * user revokes nothing but makes every credential of theirs fail. */
int owed_user_change(struct owed_store *s, int64_t org, int64_t user_id, enum owed_role role,
                     const char *password, int disabled, struct owed_buf *err);

/* A new API token for the user with this email in org; role 0 = the user's, else at most
 * the user's. The secret goes to `secret` and is never shown again. */
int owed_token_create(struct owed_store *s, int64_t org, const char *email, enum owed_role role,
                      const char *label, int64_t *token_id, char secret[OWED_SECRET_MAX + 1],
                      struct owed_buf *err);
int owed_token_revoke(struct owed_store *s, int64_t org, int64_t token_id, struct owed_buf *err);

/* Signs in with email and password: a new session (secret for the cookie, and its CSRF
 * token in p->csrf). OWED_E_DENIED for a wrong email or password or a disabled user,
 * with one message for all so that it tells nothing about which. */
int owed_login(struct owed_store *s, const char *email, const char *password, int64_t now_s,
               struct owed_principal *p, char secret[OWED_SECRET_MAX + 1],
               struct owed_buf *err);

/* Who holds `secret` (a bearer token or a session cookie) at now_s: OWED_E_DENIED when
 * unknown, revoked, expired, or its user is disabled. */
int owed_authenticate(struct owed_store *s, const char *secret, int64_t now_s,
                      struct owed_principal *p, struct owed_buf *err);

/* Writes "user:EMAIL" or "token:ID (EMAIL)" for the audit trail. */
void owed_principal_actor(const struct owed_principal *p, char *out, size_t cap);

/* Appends one change to the audit trail, in a transaction of its own. */
int owed_audit_record(struct owed_store *s, int64_t org, const char *actor, const char *action,
                      const char *resource, int status, const char *before, const char *after,
                      struct owed_buf *err);

#endif
