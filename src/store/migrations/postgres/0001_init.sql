-- owed schema, version 1, PostgreSQL: the same tables, columns and keys as
-- migrations/sqlite/0001_init.sql. Every row carries org_id and every key leads with it, so
-- the schema can be distributed by organization (docs/scaling.md). Money is BIGINT minor
-- units; dates are INTEGER days since 1970-01-01.

CREATE TABLE orgs (
    org_id      BIGINT PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    created_at  TEXT NOT NULL
);

CREATE TABLE customers (
    org_id              BIGINT NOT NULL REFERENCES orgs (org_id),
    customer_id         BIGINT NOT NULL,
    customer_ref        TEXT NOT NULL,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    currency            TEXT NOT NULL,
    terms               TEXT NOT NULL,
    credit_limit_minor  BIGINT,
    PRIMARY KEY (org_id, customer_id),
    UNIQUE (org_id, customer_ref)
);

CREATE TABLE invoices (
    org_id          BIGINT NOT NULL,
    invoice_id      BIGINT NOT NULL,
    invoice_number  TEXT NOT NULL,
    customer_id     BIGINT NOT NULL,
    issue_date      INTEGER NOT NULL,
    due_date        INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    po_number       TEXT NOT NULL,
    PRIMARY KEY (org_id, invoice_id),
    UNIQUE (org_id, invoice_number)
);
CREATE INDEX invoices_customer ON invoices (org_id, customer_id);

CREATE TABLE payments (
    org_id          BIGINT NOT NULL,
    payment_id      BIGINT NOT NULL,
    payment_ref     TEXT NOT NULL,
    customer_id     BIGINT NOT NULL,
    received_date   INTEGER NOT NULL,
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL,
    method          TEXT NOT NULL,
    reference       TEXT NOT NULL,
    invoice_number  TEXT NOT NULL,
    PRIMARY KEY (org_id, payment_id),
    UNIQUE (org_id, payment_ref)
);
CREATE INDEX payments_customer ON payments (org_id, customer_id);

CREATE TABLE allocations (
    org_id          BIGINT NOT NULL,
    allocation_id   BIGINT NOT NULL,
    payment_id      BIGINT NOT NULL,
    invoice_id      BIGINT NOT NULL,
    alloc_date      INTEGER NOT NULL,
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (org_id, allocation_id)
);
CREATE INDEX allocations_invoice ON allocations (org_id, invoice_id);
CREATE INDEX allocations_payment ON allocations (org_id, payment_id);

CREATE TABLE journal_lines (
    org_id          BIGINT NOT NULL,
    entry_id        BIGINT NOT NULL,
    line_no         INTEGER NOT NULL,
    kind            INTEGER NOT NULL,
    source_id       BIGINT NOT NULL,
    customer_id     BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    posted_date     INTEGER NOT NULL,
    account         INTEGER NOT NULL,
    amount_minor    BIGINT NOT NULL,
    PRIMARY KEY (org_id, entry_id, line_no)
);

CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only';
END
$$;
CREATE TRIGGER journal_lines_no_update BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();
