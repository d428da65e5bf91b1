-- owed schema, version 3: idempotency keys (see the SQLite migration).
CREATE TABLE idempotency_keys (
    org_id      BIGINT NOT NULL,
    idem_key    TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, idem_key)
);
