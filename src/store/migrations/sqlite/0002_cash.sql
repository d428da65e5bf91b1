-- owed schema, version 2: cash application (issue 4).
--  * invoices carry their kind (sale or fee) and the terms they were issued on, so that an
--    early-payment discount does not change when the customer's terms do;
--  * payments carry their kind: cash, or a non-cash credit (credit note, discount taken,
--    write-off, small difference) that is applied to invoices like cash;
--  * an allocation may be negative: unapplying reverses an earlier allocation (reverses);
--  * refunds and reversals of bounced payments take unapplied cash back out;
--  * bank statements, their entries, learned payer accounts and CSV column mappings;
--  * the org's short-payment tolerance.

ALTER TABLE orgs ADD COLUMN tolerance TEXT NOT NULL DEFAULT '';

ALTER TABLE invoices ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invoices ADD COLUMN terms TEXT NOT NULL DEFAULT '';
UPDATE invoices SET terms = (SELECT c.terms FROM customers c
                             WHERE c.org_id = invoices.org_id
                               AND c.customer_id = invoices.customer_id);

ALTER TABLE payments ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE payments ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN payer_name TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN payer_account TEXT NOT NULL DEFAULT '';

-- SQLite cannot change a CHECK constraint in place: rebuild allocations.
CREATE TABLE allocations_v2 (
    org_id          INTEGER NOT NULL,
    allocation_id   INTEGER NOT NULL,
    payment_id      INTEGER NOT NULL,
    invoice_id      INTEGER NOT NULL,
    alloc_date      INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor <> 0),
    reverses        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, allocation_id)
) WITHOUT ROWID;
INSERT INTO allocations_v2 (org_id, allocation_id, payment_id, invoice_id, alloc_date,
                            amount_minor)
    SELECT org_id, allocation_id, payment_id, invoice_id, alloc_date, amount_minor
    FROM allocations;
DROP TABLE allocations;
ALTER TABLE allocations_v2 RENAME TO allocations;
CREATE INDEX allocations_invoice ON allocations (org_id, invoice_id);
CREATE INDEX allocations_payment ON allocations (org_id, payment_id);

-- Money leaving unapplied cash: kind 1 refund, 2 reversal of a bounced payment.
CREATE TABLE outflows (
    org_id          INTEGER NOT NULL,
    outflow_id      INTEGER NOT NULL,
    payment_id      INTEGER NOT NULL,
    kind            INTEGER NOT NULL,
    out_date        INTEGER NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    reason          TEXT NOT NULL,
    PRIMARY KEY (org_id, outflow_id)
) WITHOUT ROWID;
CREATE INDEX outflows_payment ON outflows (org_id, payment_id);

CREATE TABLE bank_statements (
    org_id          INTEGER NOT NULL,
    statement_id    INTEGER NOT NULL,
    stmt_key        TEXT NOT NULL,     -- format|account|statement id|dates: idempotency
    format          TEXT NOT NULL,
    account         TEXT NOT NULL,
    bank_stmt_id    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    stmt_date       INTEGER,
    opening_minor   INTEGER,
    opening_date    INTEGER,
    closing_minor   INTEGER,
    closing_date    INTEGER,
    file_name       TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, statement_id),
    UNIQUE (org_id, stmt_key)
) WITHOUT ROWID;

-- status: 1 matched (posted), 2 review, 3 unmatched (no candidate), 4 ignored (debit or
-- not a customer's), 5 rejected by a person.
CREATE TABLE bank_entries (
    org_id              INTEGER NOT NULL,
    entry_id            INTEGER NOT NULL,
    statement_id        INTEGER NOT NULL,
    entry_key           TEXT NOT NULL,
    booking_date        INTEGER,
    value_date          INTEGER,
    amount_minor        INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    credit              INTEGER NOT NULL,
    entry_ref           TEXT NOT NULL,
    end_to_end          TEXT NOT NULL,
    remittance          TEXT NOT NULL,
    counterparty_name   TEXT NOT NULL,
    counterparty_account TEXT NOT NULL,
    bank_code           TEXT NOT NULL,
    status              INTEGER NOT NULL,
    customer_id         INTEGER NOT NULL DEFAULT 0,
    payment_id          INTEGER NOT NULL DEFAULT 0,
    score               INTEGER NOT NULL DEFAULT 0,
    suggestions         TEXT NOT NULL DEFAULT '',  -- JSON: ranked candidates and reasons
    PRIMARY KEY (org_id, entry_id),
    UNIQUE (org_id, entry_key)
) WITHOUT ROWID;
CREATE INDEX bank_entries_status ON bank_entries (org_id, status, entry_id);

-- Payer accounts and names learned from confirmed matches.
CREATE TABLE bank_payers (
    org_id          INTEGER NOT NULL,
    payer_key       TEXT NOT NULL,
    customer_id     INTEGER NOT NULL,
    PRIMARY KEY (org_id, payer_key)
) WITHOUT ROWID;

-- Saved CSV column mappings (JSON), by name.
CREATE TABLE bank_csv_maps (
    org_id          INTEGER NOT NULL,
    name            TEXT NOT NULL,
    mapping         TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
) WITHOUT ROWID;
