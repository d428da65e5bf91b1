-- owed schema, version 5: the platform (issue 6).
--  * users of an organization, each with a role (1 viewer, 2 collector, 3 manager,
--    4 admin: src/core/access.h) and an optional password hash. An email signs in to one
--    organization only, so it is unique across all of them: the one key not led by org_id;
--  * credentials: API tokens (kind 1) and browser sessions (kind 2), stored as the SHA-256
--    of their secret (hex), which is unique globally because a request finds its
--    credential, and so its organization, by it. expires_at: unix seconds, 0 = never;
--  * the audit trail: who changed what, when, with the resource before and after (JSON);
--  * API responses stored under their Idempotency-Key: state 1 pending, 2 done; the body
--    is bytes (a response may be anything); updated_at in unix seconds, so that a pending
--    claim left by a dead server can be taken over after its lease;
--  * webhook subscribers: a URL, an HMAC secret, the event types wanted ('*' = all).
-- Ids are per organization, MAX + 1, as for collection items.

CREATE TABLE users (
    org_id      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    role        INTEGER NOT NULL,
    pw_hash     TEXT NOT NULL DEFAULT '',
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;

CREATE TABLE credentials (
    org_id      INTEGER NOT NULL,
    cred_id     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    kind        INTEGER NOT NULL,
    role        INTEGER NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL DEFAULT '',
    csrf        TEXT NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL DEFAULT 0,
    revoked     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, cred_id)
) WITHOUT ROWID;
CREATE INDEX credentials_user ON credentials (org_id, user_id);

-- at: ISO 8601 UTC with milliseconds. action: the HTTP method or a verb; status: the HTTP
-- status answered. before_json and after_json: '' when there is nothing to show.
CREATE TABLE audit (
    org_id      INTEGER NOT NULL,
    audit_id    INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    status      INTEGER NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, audit_id)
) WITHOUT ROWID;

CREATE TABLE api_idempotency (
    org_id       INTEGER NOT NULL,
    idem_key     TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    req_hash     TEXT NOT NULL,
    state        INTEGER NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BLOB NOT NULL DEFAULT x'',
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (org_id, idem_key)
) WITHOUT ROWID;

CREATE TABLE webhooks (
    org_id      INTEGER NOT NULL,
    webhook_id  INTEGER NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, webhook_id)
) WITHOUT ROWID;
