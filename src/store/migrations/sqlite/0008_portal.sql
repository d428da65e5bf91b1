-- owed schema, version 8: the customer portal (issue 8).
--
-- portal_links: magic links that let one customer of one organization into the portal.
-- The link's token is not stored: it is an HMAC of (org, link, customer, expiry) under the
-- organization's key "secret:portal" (org_docs), so a copy of this table opens nothing.
-- expires_s: unix seconds. used_at: ISO 8601 UTC when it was used ('' = never): a link is
-- single-use, and the UPDATE that marks it used only succeeds while used_at is '' (and it
-- is not revoked), so two clicks at once start at most one session. created_by: "cli",
-- "staff:EMAIL", "renew" (asked for again from an expired link's page), "dunning:RUN".
-- message_id: the outbox message that carried it (0 = handed over another way).
CREATE TABLE portal_links (
    org_id       INTEGER NOT NULL,
    link_id      INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_s    INTEGER NOT NULL,
    used_at      TEXT NOT NULL DEFAULT '',
    revoked      INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL DEFAULT '',
    message_id   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, link_id)
) WITHOUT ROWID;
CREATE INDEX portal_links_customer ON portal_links (org_id, customer_id);

-- portal_sessions: a signed-in customer. The cookie names (org, session, customer, expiry)
-- and carries their HMAC; the row lets a session end before it expires (sign-out, owed
-- portal revoke). expires_s: unix seconds.
CREATE TABLE portal_sessions (
    org_id       INTEGER NOT NULL,
    session_id   INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL,
    link_id      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    expires_s    INTEGER NOT NULL,
    ended        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, session_id)
) WITHOUT ROWID;
CREATE INDEX portal_sessions_customer ON portal_sessions (org_id, customer_id);

-- portal_events: what a customer did in the portal (signed in, acknowledged, disputed,
-- promised, paid, left feedback) and the links sent to it, for the staff's timeline of the
-- customer. on_date: the organization's business date of the event (days since
-- 1970-01-01); at: ISO 8601 UTC. item_id: the collection item it made (a dispute, a
-- promise), invoice_id the invoice it is about, ref a payment ref or a document number.
CREATE TABLE portal_events (
    org_id       INTEGER NOT NULL,
    event_id     INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL,
    session_id   INTEGER NOT NULL DEFAULT 0,
    on_date      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    action       TEXT NOT NULL,
    invoice_id   INTEGER NOT NULL DEFAULT 0,
    item_id      INTEGER NOT NULL DEFAULT 0,
    ref          TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, event_id)
) WITHOUT ROWID;
CREATE INDEX portal_events_customer ON portal_events (org_id, customer_id);

-- portal_feedback: the customer's rating of the experience (1 to 5) and a comment.
CREATE TABLE portal_feedback (
    org_id       INTEGER NOT NULL,
    feedback_id  INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL,
    session_id   INTEGER NOT NULL DEFAULT 0,
    rating       INTEGER NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, feedback_id)
) WITHOUT ROWID;
CREATE INDEX portal_feedback_customer ON portal_feedback (org_id, customer_id);
