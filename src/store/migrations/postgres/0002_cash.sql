-- owed schema, version 2, PostgreSQL: the same changes as migrations/sqlite/0002_cash.sql
-- (cash application, issue 4), with the conventions of 0001_init.sql here: BIGINT money and
-- ids, INTEGER dates (days since 1970-01-01), every key led by org_id.
--  * invoices carry their kind (sale or fee) and the terms they were issued on;
--  * payments carry their kind (cash or a non-cash credit), channel and payer;
--  * an allocation may be negative: unapplying reverses an earlier allocation (reverses);
--  * refunds and reversals of bounced payments take unapplied cash back out (outflows);
--  * bank statements, their entries, learned payer accounts and CSV column mappings;
--  * the org's short-payment tolerance.

ALTER TABLE orgs ADD COLUMN tolerance TEXT NOT NULL DEFAULT '';

ALTER TABLE invoices ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invoices ADD COLUMN terms TEXT NOT NULL DEFAULT '';
UPDATE invoices SET terms = c.terms FROM customers c
    WHERE c.org_id = invoices.org_id AND c.customer_id = invoices.customer_id;

ALTER TABLE payments ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE payments ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN payer_name TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN payer_account TEXT NOT NULL DEFAULT '';

-- PostgreSQL changes the CHECK in place (SQLite rebuilds the table); the constraint of
-- 0001_init.sql got the default name <table>_<column>_check.
ALTER TABLE allocations DROP CONSTRAINT allocations_amount_minor_check;
ALTER TABLE allocations ADD CONSTRAINT allocations_amount_minor_check CHECK (amount_minor <> 0);
ALTER TABLE allocations ADD COLUMN reverses BIGINT NOT NULL DEFAULT 0;

-- Money leaving unapplied cash: kind 1 refund, 2 reversal of a bounced payment.
CREATE TABLE outflows (
    org_id          BIGINT NOT NULL,
    outflow_id      BIGINT NOT NULL,
    payment_id      BIGINT NOT NULL,
    kind            INTEGER NOT NULL,
    out_date        INTEGER NOT NULL,
    amount_minor    BIGINT NOT NULL CHECK (amount_minor > 0),
    reason          TEXT NOT NULL,
    PRIMARY KEY (org_id, outflow_id)
);
CREATE INDEX outflows_payment ON outflows (org_id, payment_id);

CREATE TABLE bank_statements (
    org_id          BIGINT NOT NULL,
    statement_id    BIGINT NOT NULL,
    stmt_key        TEXT NOT NULL,     -- format|account|statement id|dates: idempotency
    format          TEXT NOT NULL,
    account         TEXT NOT NULL,
    bank_stmt_id    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    stmt_date       INTEGER,
    opening_minor   BIGINT,
    opening_date    INTEGER,
    closing_minor   BIGINT,
    closing_date    INTEGER,
    file_name       TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, statement_id),
    UNIQUE (org_id, stmt_key)
);

-- status: 1 matched (posted), 2 review, 3 unmatched (no candidate), 4 ignored (debit or
-- not a customer's), 5 rejected by a person.
CREATE TABLE bank_entries (
    org_id              BIGINT NOT NULL,
    entry_id            BIGINT NOT NULL,
    statement_id        BIGINT NOT NULL,
    entry_key           TEXT NOT NULL,
    booking_date        INTEGER,
    value_date          INTEGER,
    amount_minor        BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    credit              INTEGER NOT NULL,
    entry_ref           TEXT NOT NULL,
    end_to_end          TEXT NOT NULL,
    remittance          TEXT NOT NULL,
    counterparty_name   TEXT NOT NULL,
    counterparty_account TEXT NOT NULL,
    bank_code           TEXT NOT NULL,
    status              INTEGER NOT NULL,
    customer_id         BIGINT NOT NULL DEFAULT 0,
    payment_id          BIGINT NOT NULL DEFAULT 0,
    score               INTEGER NOT NULL DEFAULT 0,
    suggestions         TEXT NOT NULL DEFAULT '',  -- JSON: ranked candidates and reasons
    PRIMARY KEY (org_id, entry_id),
    UNIQUE (org_id, entry_key)
);
CREATE INDEX bank_entries_status ON bank_entries (org_id, status, entry_id);

-- Payer accounts and names learned from confirmed matches.
CREATE TABLE bank_payers (
    org_id          BIGINT NOT NULL,
    payer_key       TEXT NOT NULL,
    customer_id     BIGINT NOT NULL,
    PRIMARY KEY (org_id, payer_key)
);

-- Saved CSV column mappings (JSON), by name.
CREATE TABLE bank_csv_maps (
    org_id          BIGINT NOT NULL,
    name            TEXT NOT NULL,
    mapping         TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
);
