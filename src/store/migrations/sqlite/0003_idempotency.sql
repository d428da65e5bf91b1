-- owed schema, version 3: idempotency keys. A key is claimed once per organization; a
-- retried request (a re-imported movements row, later an API POST) finds its key taken
-- and changes nothing.
CREATE TABLE idempotency_keys (
    org_id      INTEGER NOT NULL,
    idem_key    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, idem_key)
) WITHOUT ROWID;
