-- owed schema, version 5, PostgreSQL: the same changes as migrations/sqlite/0005_platform.sql
-- (the platform, issue 6: users, credentials, audit trail, stored API responses, webhook
-- subscribers), with BIGINT ids, TIMESTAMPTZ times, BYTEA bodies and byte-order
-- (COLLATE "C") text keys. email and hash are unique across organizations: sign-in and
-- a request's credential find the organization by them.

CREATE TABLE users (
    org_id      BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    email       TEXT COLLATE "C" NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    role        INTEGER NOT NULL,
    pw_hash     TEXT NOT NULL DEFAULT '',
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);

CREATE TABLE credentials (
    org_id      BIGINT NOT NULL,
    cred_id     BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    kind        INTEGER NOT NULL,
    role        INTEGER NOT NULL,
    hash        TEXT COLLATE "C" NOT NULL UNIQUE,
    label       TEXT NOT NULL DEFAULT '',
    csrf        TEXT NOT NULL DEFAULT '',
    expires_at  BIGINT NOT NULL DEFAULT 0,
    revoked     INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, cred_id)
);
CREATE INDEX credentials_user ON credentials (org_id, user_id);

CREATE TABLE audit (
    org_id      BIGINT NOT NULL,
    audit_id    BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    status      INTEGER NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, audit_id)
);

CREATE TABLE api_idempotency (
    org_id       BIGINT NOT NULL,
    idem_key     TEXT COLLATE "C" NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    req_hash     TEXT NOT NULL,
    state        INTEGER NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BYTEA NOT NULL DEFAULT ''::bytea,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, idem_key)
);

CREATE TABLE webhooks (
    org_id      BIGINT NOT NULL,
    webhook_id  BIGINT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, webhook_id)
);
