/* The platform's records (issue 6): users, credentials (API tokens and browser sessions),
 * the audit trail, stored API responses for Idempotency-Key, webhook subscribers; and the
 * authorization matrix, in one place, as a pure function of role and permission.
 * Stored numbers: never renumber. */
#ifndef OWED_CORE_ACCESS_H
#define OWED_CORE_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

/* Roles, weakest first. */
enum owed_role {
    OWED_ROLE_VIEWER = 1,    /* reads everything of its organization */
    OWED_ROLE_COLLECTOR = 2, /* + works accounts: notes, calls, promises, disputes, holds */
    OWED_ROLE_MANAGER = 3,   /* + money and documents: payments, credit notes, write-offs,
                                imports, bank statements, dunning policies and runs */
    OWED_ROLE_ADMIN = 4,     /* + users, tokens, webhooks, organization settings */
};
const char *owed_role_name(enum owed_role r); /* "viewer", ...; "" when unknown */
enum owed_role owed_role_parse(const char *s); /* 0 when unknown */

/* What a request needs. Each API route names one; owed_role_allows is the whole matrix. */
enum owed_perm {
    OWED_PERM_PUBLIC = 0,   /* no authentication (health, login, signed gateway webhooks) */
    OWED_PERM_READ,         /* any signed-in user */
    OWED_PERM_WORK,         /* collection work on accounts */
    OWED_PERM_MONEY,        /* post, reverse or write off money; import; run dunning */
    OWED_PERM_CONFIGURE,    /* dunning policies, organization collections settings */
    OWED_PERM_ADMIN,        /* users, tokens, webhooks, audit trail */
};
#define OWED_PERM_MAX OWED_PERM_ADMIN
const char *owed_perm_name(enum owed_perm p);
bool owed_role_allows(enum owed_role r, enum owed_perm p);

/* Credentials: what a bearer token or a session cookie stands for. */
enum owed_cred_kind {
    OWED_CRED_TOKEN = 1,   /* an API token, until revoked */
    OWED_CRED_SESSION = 2, /* a browser session, until it expires or signs out */
};

#define OWED_HASH_HEX 64 /* SHA-256 in hex */

struct owed_user {
    int64_t id;
    int64_t org_id;
    char email[OWED_EMAIL_MAX + 1];
    char name[201];
    enum owed_role role;
    char pw_hash[160]; /* libsodium argon2id string; "" = no password (token-only user) */
    bool disabled;
    char created_at[32];
};

struct owed_cred {
    int64_t id;
    int64_t org_id;
    int64_t user_id;
    enum owed_cred_kind kind;
    enum owed_role role;            /* a token may be scoped below its user's role */
    char hash[OWED_HASH_HEX + 1];   /* SHA-256 of the secret; the secret is never stored */
    char label[128];
    char csrf[OWED_HASH_HEX + 1];   /* sessions: the CSRF token of their forms */
    int64_t expires_at;             /* unix seconds; 0 = never */
    bool revoked;
    char created_at[32];
};

/* One change: who, when, what, and the resource before and after (JSON, may be empty). */
struct owed_audit_rec {
    int64_t id;
    char at[32];
    char actor[300];   /* "user:EMAIL", "token:ID (EMAIL)", "cli", "scheduler", "gateway" */
    char action[16];   /* POST, PUT, PATCH, DELETE, or a verb for non-HTTP changes */
    char resource[512];
    int status;        /* the HTTP status answered */
    const char *before; /* borrowed: input on insert, valid during a callback on read */
    const char *after;
};

/* A POST's stored outcome under its Idempotency-Key. */
enum owed_idem_state { OWED_IDEM_PENDING = 1, OWED_IDEM_DONE = 2 };
struct owed_idem_rec {
    char key[256];
    char method[8];
    char path[512];
    char req_hash[OWED_HASH_HEX + 1]; /* of method, path and body: a reused key with another
                                         request is refused */
    enum owed_idem_state state;
    int status;
    char content_type[64];
    const char *body; /* borrowed, as above */
    size_t body_len;
    int64_t updated_at; /* unix seconds: a pending claim older than its lease is retaken */
};

struct owed_webhook {
    int64_t id;
    char url[512];
    char secret[80];   /* shared HMAC-SHA256 key, "whsec_..." */
    char events[512];  /* comma-separated event types, or "*" */
    bool active;
    char created_at[32];
};

/* True when a subscriber with this events list wants `event` ("*" wants all). */
bool owed_webhook_wants(const char *events, const char *event);

#endif
