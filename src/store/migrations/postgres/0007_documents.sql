-- owed schema, version 7: invoicing and documents (issue 7).
--
-- documents: invoices and credit notes as documents with lines (drafts and issued ones).
-- body is the whole document as JSON (parties, lines, VAT breakdown, totals): once issued it
-- is the immutable record of what the customer was sent, party addresses as they were on
-- that day, so it is stored as one snapshot rather than re-joined from tables that change.
-- ledger_id is the invoice (type 380) or credit-note payment (381) the document posted.
-- Times are ISO 8601 UTC text written by the application.
CREATE TABLE documents (
    org_id       BIGINT NOT NULL,
    doc_id       BIGINT NOT NULL,
    type         INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    number       TEXT NOT NULL DEFAULT '',
    customer_id  BIGINT NOT NULL,
    ledger_id    BIGINT NOT NULL DEFAULT 0,
    body         TEXT NOT NULL,
    source       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    issued_at    TEXT NOT NULL DEFAULT '',
    ack_at       TEXT NOT NULL DEFAULT '',
    ack_via      TEXT NOT NULL DEFAULT '',
    sent_at      TEXT NOT NULL DEFAULT '',
    delivery     TEXT NOT NULL DEFAULT '',
    message_id   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, doc_id)
);
CREATE UNIQUE INDEX documents_ledger ON documents (org_id, type, ledger_id) WHERE ledger_id > 0;
CREATE INDEX documents_customer ON documents (org_id, customer_id);

-- Gapless numbering: the counter moves in the transaction that issues the document, so a
-- rolled-back issue gives its number back.
CREATE TABLE sequences (
    org_id      BIGINT NOT NULL,
    name        TEXT NOT NULL,
    last_value  BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- Documents of settings as JSON by key: "seller" (the organization's party and bank
-- account), "terms" (the terms sheet), "party:CUSTOMER_ID" (a customer's billing party),
-- "secret:ack" (the key of acknowledgement links).
CREATE TABLE org_docs (
    org_id  BIGINT NOT NULL,
    key     TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);

-- Recurring invoices: a schedule and the template document (body). Each period is claimed
-- once in recurring_periods, in the transaction that issues its invoice.
CREATE TABLE recurring (
    org_id       BIGINT NOT NULL,
    rec_id       BIGINT NOT NULL,
    customer_id  BIGINT NOT NULL,
    rule         TEXT NOT NULL,
    start_date   BIGINT NOT NULL,
    end_date     BIGINT NOT NULL DEFAULT 0,
    max_count    BIGINT NOT NULL DEFAULT 0,
    body         TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, rec_id)
);

CREATE TABLE recurring_periods (
    org_id   BIGINT NOT NULL,
    rec_id   BIGINT NOT NULL,
    period   BIGINT NOT NULL,
    doc_id   BIGINT NOT NULL,
    PRIMARY KEY (org_id, rec_id, period)
);
