-- owed schema, version 1: organizations, customers, invoices, payments, allocations and
-- the append-only journal. Every row carries org_id and every key leads with it.
-- Money is INTEGER minor units; dates are INTEGER days since 1970-01-01.

CREATE TABLE orgs (
    org_id      INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    created_at  TEXT NOT NULL
);

CREATE TABLE customers (
    org_id              INTEGER NOT NULL REFERENCES orgs (org_id),
    customer_id         INTEGER NOT NULL,
    customer_ref        TEXT NOT NULL,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    currency            TEXT NOT NULL,
    terms               TEXT NOT NULL,
    credit_limit_minor  INTEGER,
    PRIMARY KEY (org_id, customer_id),
    UNIQUE (org_id, customer_ref)
) WITHOUT ROWID;

CREATE TABLE invoices (
    org_id          INTEGER NOT NULL,
    invoice_id      INTEGER NOT NULL,
    invoice_number  TEXT NOT NULL,
    customer_id     INTEGER NOT NULL,
    issue_date      INTEGER NOT NULL,
    due_date        INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    po_number       TEXT NOT NULL,
    PRIMARY KEY (org_id, invoice_id),
    UNIQUE (org_id, invoice_number)
) WITHOUT ROWID;
CREATE INDEX invoices_customer ON invoices (org_id, customer_id);

CREATE TABLE payments (
    org_id          INTEGER NOT NULL,
    payment_id      INTEGER NOT NULL,
    payment_ref     TEXT NOT NULL,
    customer_id     INTEGER NOT NULL,
    received_date   INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL,
    method          TEXT NOT NULL,
    reference       TEXT NOT NULL,
    invoice_number  TEXT NOT NULL,
    PRIMARY KEY (org_id, payment_id),
    UNIQUE (org_id, payment_ref)
) WITHOUT ROWID;
CREATE INDEX payments_customer ON payments (org_id, customer_id);

-- An allocation takes its payment's received date (alloc_date) so that aging as of a date
-- needs no join.
CREATE TABLE allocations (
    org_id          INTEGER NOT NULL,
    allocation_id   INTEGER NOT NULL,
    payment_id      INTEGER NOT NULL,
    invoice_id      INTEGER NOT NULL,
    alloc_date      INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (org_id, allocation_id)
) WITHOUT ROWID;
CREATE INDEX allocations_invoice ON allocations (org_id, invoice_id);
CREATE INDEX allocations_payment ON allocations (org_id, payment_id);

-- The journal: append-only, one row per line, debit positive and credit negative. The
-- lines of one entry sum to zero; `owed check` verifies it.
CREATE TABLE journal_lines (
    org_id          INTEGER NOT NULL,
    entry_id        INTEGER NOT NULL,
    line_no         INTEGER NOT NULL,
    kind            INTEGER NOT NULL,
    source_id       INTEGER NOT NULL,
    customer_id     INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    posted_date     INTEGER NOT NULL,
    account         INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL,
    PRIMARY KEY (org_id, entry_id, line_no)
) WITHOUT ROWID;

CREATE TRIGGER journal_lines_no_update BEFORE UPDATE ON journal_lines
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER journal_lines_no_delete BEFORE DELETE ON journal_lines
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
