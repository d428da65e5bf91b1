/* Identity and access (app/auth.h): libsodium for randomness, argon2id and SHA-256. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "base.h"

/* A real argon2id hash of a random password: sign-in verifies against it when the email
 * is unknown, so that the time taken tells nothing about which emails exist. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
    char pw[OWED_SECRET_MAX + 1];
    owed_secret_new("", pw);
    if (crypto_pwhash_str_alg(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13))
        dummy_hash[0] = 0; /* out of memory: verification then fails fast, and so does sign-in */
}

int owed_auth_init(struct owed_buf *err)
{
    if (sodium_init() < 0) {
        owed_buf_adds(err, "libsodium failed to initialize");
        return OWED_E_STORE;
    }
    return OWED_OK;
}

void owed_secret_hash(const char *secret, char out[OWED_HASH_HEX + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
    sodium_bin2hex(out, OWED_HASH_HEX + 1, h, sizeof h);
}

void owed_secret_new(const char *prefix, char out[OWED_SECRET_MAX + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    sodium_bin2base64(out + n, OWED_SECRET_MAX + 1 - n, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool owed_secret_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

int owed_org_create(struct owed_store *s, const char *name, int64_t *org_id, struct owed_buf *err)
{
    if (!*name || strlen(name) > 200) {
        owed_buf_adds(err, "an organization needs a name of 1 to 200 characters");
        return OWED_E_INVALID;
    }
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->org_create(s, name, org_id, err);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

static int org_line(void *ctx, const char *id, const char *name)
{
    owed_buf_addf(ctx, "%s\t%s\n", id, name);
    return OWED_OK;
}

int owed_org_list(struct owed_store *s, struct owed_buf *out, struct owed_buf *err)
{
    return s->ops->orgs_each(s, org_line, out, err);
}

static int user_line(void *ctx, const struct owed_user *u)
{
    owed_buf_addf(ctx, "%lld\t%s\t%s\t%s%s\n", (long long)u->id, u->email, owed_role_name(u->role),
                  u->name, u->disabled ? "\t(disabled)" : "");
    return OWED_OK;
}

int owed_user_list(struct owed_store *s, int64_t org, struct owed_buf *out, struct owed_buf *err)
{
    return s->ops->users_each(s, org, user_line, out, err);
}

static int token_line(void *ctx, const struct owed_cred *c)
{
    owed_buf_addf(ctx, "%lld\tuser %lld\t%s\t%s\t%s%s\n", (long long)c->id, (long long)c->user_id,
                  owed_role_name(c->role), c->created_at, c->label, c->revoked ? "\t(revoked)" : "");
    return OWED_OK;
}

int owed_token_list(struct owed_store *s, int64_t org, struct owed_buf *out, struct owed_buf *err)
{
    return s->ops->creds_each(s, org, 0, OWED_CRED_TOKEN, token_line, out, err);
}

/* A plausible address: something@domain.tld, no spaces or control characters. The real
 * test is the mail that arrives. */
static bool email_valid(const char *e)
{
    size_t n = strlen(e);
    if (n < 3 || n > OWED_EMAIL_MAX) return false;
    const char *at = strchr(e, '@');
    if (!at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.')) return false;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == ',')
            return false;
    return true;
}

/* Emails compare without case (Ann@ and ann@ are one person): stored and looked up in
 * lower case. Only ASCII is folded; that covers the domain and nearly every mailbox. */
static void email_fold(const char *in, char *out, size_t cap)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a') : in[i];
    out[i] = 0;
}

static int hash_password(const char *password, char *out, size_t cap, struct owed_buf *err)
{
    size_t n = strlen(password);
    if (n < OWED_PASSWORD_MIN || n > 1024) {
        owed_buf_addf(err, "a password needs %d to 1024 characters", OWED_PASSWORD_MIN);
        return OWED_E_INVALID;
    }
    char h[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(h, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13)) {
        owed_buf_adds(err, "out of memory hashing the password");
        return OWED_E_STORE;
    }
    snprintf(out, cap, "%s", h);
    return OWED_OK;
}

int owed_user_add(struct owed_store *s, int64_t org, const char *email, const char *name,
                  enum owed_role role, const char *password, int64_t *user_id,
                  struct owed_buf *err)
{
    struct owed_user u = {.org_id = org, .role = role};
    if (!email_valid(email)) {
        owed_buf_addf(err, "'%s' is not an email address", email);
        return OWED_E_INVALID;
    }
    if (!*owed_role_name(role)) {
        owed_buf_adds(err, "role must be admin, manager, collector or viewer");
        return OWED_E_INVALID;
    }
    email_fold(email, u.email, sizeof u.email);
    snprintf(u.name, sizeof u.name, "%s", name ? name : "");
    if (password && *password) {
        int rc = hash_password(password, u.pw_hash, sizeof u.pw_hash, err);
        if (rc) return rc;
    }
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->user_insert(s, org, &u, err);
    if (rc == OWED_E_EXISTS) owed_buf_addf(err, "a user with email %s exists", email);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    if (rc == OWED_OK && user_id) *user_id = u.id;
    return rc;
}

int owed_user_change(struct owed_store *s, int64_t org, int64_t user_id, enum owed_role role,
                     const char *password, int disabled, struct owed_buf *err)
{
    struct owed_user u;
    char pw[sizeof u.pw_hash] = "";
    if (role && !*owed_role_name(role)) {
        owed_buf_adds(err, "role must be admin, manager, collector or viewer");
        return OWED_E_INVALID;
    }
    if (password) {
        int rc = hash_password(password, pw, sizeof pw, err);
        if (rc) return rc;
    }
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->user_get(s, org, user_id, &u, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no user %lld", (long long)user_id);
    if (rc == OWED_OK) {
        if (role) u.role = role;
        if (password) memcpy(u.pw_hash, pw, sizeof pw);
        if (disabled >= 0) u.disabled = disabled != 0;
        rc = s->ops->user_update(s, org, &u, err);
    }
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

/* Finds the org's user by email; NOT_FOUND names it. */
static int user_by_email(struct owed_store *s, int64_t org, const char *email,
                         struct owed_user *u, struct owed_buf *err)
{
    char folded[OWED_EMAIL_MAX + 1];
    email_fold(email, folded, sizeof folded);
    int rc = s->ops->user_find_email(s, folded, u, err);
    if (rc == OWED_OK && u->org_id != org) rc = OWED_E_NOT_FOUND;
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no user %s in this organization", email);
    return rc;
}

static int cred_new(struct owed_store *s, int64_t org, const struct owed_user *u,
                    enum owed_cred_kind kind, enum owed_role role, const char *label,
                    int64_t expires_at, struct owed_cred *c, char secret[OWED_SECRET_MAX + 1],
                    struct owed_buf *err)
{
    memset(c, 0, sizeof *c);
    c->org_id = org;
    c->user_id = u->id;
    c->kind = kind;
    c->role = role;
    c->expires_at = expires_at;
    snprintf(c->label, sizeof c->label, "%s", label ? label : "");
    owed_secret_new(kind == OWED_CRED_TOKEN ? "owed_" : "owes_", secret);
    owed_secret_hash(secret, c->hash);
    if (kind == OWED_CRED_SESSION) {
        char csrf[OWED_SECRET_MAX + 1];
        owed_secret_new("", csrf);
        snprintf(c->csrf, sizeof c->csrf, "%s", csrf);
    }
    return s->ops->cred_insert(s, org, c, err);
}

int owed_token_create(struct owed_store *s, int64_t org, const char *email, enum owed_role role,
                      const char *label, int64_t *token_id, char secret[OWED_SECRET_MAX + 1],
                      struct owed_buf *err)
{
    struct owed_user u;
    struct owed_cred c;
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = user_by_email(s, org, email, &u, err);
    if (rc == OWED_OK && role > u.role) {
        owed_buf_addf(err, "a token of %s cannot have role %s above the user's %s", email,
                      owed_role_name(role), owed_role_name(u.role));
        rc = OWED_E_INVALID;
    }
    if (rc == OWED_OK)
        rc = cred_new(s, org, &u, OWED_CRED_TOKEN, role ? role : u.role, label, 0, &c, secret,
                      err);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        sodium_memzero(secret, OWED_SECRET_MAX + 1);
        return rc;
    }
    if (token_id) *token_id = c.id;
    return OWED_OK;
}

int owed_token_revoke(struct owed_store *s, int64_t org, int64_t token_id, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->cred_revoke(s, org, token_id, err);
    if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no token %lld", (long long)token_id);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

static void principal_of(const struct owed_user *u, const struct owed_cred *c,
                         struct owed_principal *p)
{
    memset(p, 0, sizeof *p);
    p->org = c->org_id;
    p->user_id = u->id;
    p->cred_id = c->id;
    p->kind = c->kind;
    p->role = c->role < u->role ? c->role : u->role; /* a demoted user's tokens follow */
    snprintf(p->email, sizeof p->email, "%s", u->email);
    snprintf(p->csrf, sizeof p->csrf, "%s", c->csrf);
}

int owed_login(struct owed_store *s, const char *email, const char *password, int64_t now_s,
               struct owed_principal *p, char secret[OWED_SECRET_MAX + 1], struct owed_buf *err)
{
    struct owed_user u;
    struct owed_buf ignore = OWED_BUF_INIT(0);
    char folded[OWED_EMAIL_MAX + 1];
    email_fold(email, folded, sizeof folded);
    int rc = s->ops->user_find_email(s, folded, &u, &ignore);
    owed_buf_release(&ignore);
    if (rc && rc != OWED_E_NOT_FOUND) {
        owed_buf_adds(err, "sign-in failed: storage error");
        return rc;
    }
    pthread_once(&dummy_once, dummy_make);
    bool ok = crypto_pwhash_str_verify(rc == OWED_OK && *u.pw_hash ? u.pw_hash : dummy_hash, password,
                                       strlen(password)) == 0;
    if (rc || !ok || u.disabled || !*u.pw_hash) {
        owed_buf_adds(err, "wrong email or password");
        return OWED_E_DENIED;
    }
    struct owed_cred c;
    rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = cred_new(s, u.org_id, &u, OWED_CRED_SESSION, u.role, "session",
                  now_s + OWED_SESSION_SECONDS, &c, secret, err);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    principal_of(&u, &c, p);
    return OWED_OK;
}

int owed_authenticate(struct owed_store *s, const char *secret, int64_t now_s,
                      struct owed_principal *p, struct owed_buf *err)
{
    char hash[OWED_HASH_HEX + 1];
    struct owed_cred c;
    struct owed_user u;
    owed_secret_hash(secret, hash);
    int rc = s->ops->cred_find(s, hash, &c, err);
    if (rc == OWED_OK) rc = s->ops->user_get(s, c.org_id, c.user_id, &u, err);
    if (rc == OWED_E_NOT_FOUND || (rc == OWED_OK && (c.revoked || u.disabled ||
                                                    (c.expires_at && c.expires_at <= now_s)))) {
        owed_buf_reset(err);
        owed_buf_adds(err, "the credential is unknown, revoked or expired");
        return OWED_E_DENIED;
    }
    if (rc) return rc;
    principal_of(&u, &c, p);
    return OWED_OK;
}

void owed_principal_actor(const struct owed_principal *p, char *out, size_t cap)
{
    if (p->kind == OWED_CRED_TOKEN)
        snprintf(out, cap, "token:%lld (%s)", (long long)p->cred_id, p->email);
    else
        snprintf(out, cap, "user:%s", p->email);
}

int owed_audit_record(struct owed_store *s, int64_t org, const char *actor, const char *action,
                      const char *resource, int status, const char *before, const char *after,
                      struct owed_buf *err)
{
    struct owed_audit_rec a = {.status = status, .before = before ? before : "",
                               .after = after ? after : ""};
    snprintf(a.actor, sizeof a.actor, "%s", actor);
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.resource, sizeof a.resource, "%s", resource);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->audit_insert(s, org, &a, err);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}
