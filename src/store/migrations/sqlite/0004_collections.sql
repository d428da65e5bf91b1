-- owed schema, version 4: the collections workflow (issue 5).
--  * org settings for dunning and delivery: holiday calendar, sender, SMTP and SMS
--    endpoints, pay link, output directory for letters and agency placements;
--  * dunning policies (JSON documents) and which customer or segment uses which;
--  * customer profiles: segment, language, phone, postal address;
--  * collection items: holds, disputes, promises to pay, payment plans and their
--    installments, notes and calls, call tasks. One table: they share their shape (a
--    customer, maybe an invoice, a status, a code, an amount, two dates, a text);
--  * dunning runs, firings keyed (org, invoice, step) so that nothing fires twice, and the
--    outbox of rendered messages with their delivery state.

ALTER TABLE orgs ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN mail_from TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN smtp_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN sms_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN pay_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN out_dir TEXT NOT NULL DEFAULT '';

CREATE TABLE dunning_policies (
    org_id      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,          -- JSON, see docs/dunning.md
    PRIMARY KEY (org_id, name)
) WITHOUT ROWID;

-- target: 'default', 'customer:REF' or 'segment:NAME'.
CREATE TABLE dunning_policy_targets (
    org_id      INTEGER NOT NULL,
    target      TEXT NOT NULL,
    policy      TEXT NOT NULL,
    PRIMARY KEY (org_id, target)
) WITHOUT ROWID;

CREATE TABLE customer_profiles (
    org_id      INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    segment     TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, customer_id)
) WITHOUT ROWID;

-- kind: 1 hold, 2 dispute, 3 promise, 4 plan, 5 installment (parent_id = its plan),
-- 6 note, 7 call, 8 task. Statuses per kind are in src/core/collections.h. Dates are days
-- since 1970-01-01 (0 = none): opened_on the business date it began, date1 the date that
-- matters (promised, due, ...), date2 the date it closed. Amounts are minor units.
CREATE TABLE collection_items (
    org_id       INTEGER NOT NULL,
    item_id      INTEGER NOT NULL,
    kind         INTEGER NOT NULL,
    parent_id    INTEGER NOT NULL DEFAULT 0,
    customer_id  INTEGER NOT NULL,
    invoice_id   INTEGER NOT NULL DEFAULT 0,
    status       INTEGER NOT NULL,
    code         TEXT NOT NULL DEFAULT '',
    amount_minor INTEGER NOT NULL DEFAULT 0,
    currency     TEXT NOT NULL DEFAULT '',
    opened_on    INTEGER NOT NULL DEFAULT 0,
    date1        INTEGER NOT NULL DEFAULT 0,
    date2        INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, item_id)
) WITHOUT ROWID;
CREATE INDEX collection_items_customer ON collection_items (org_id, customer_id);

CREATE TABLE dunning_runs (
    org_id      INTEGER NOT NULL,
    run_id      INTEGER NOT NULL,
    as_of       INTEGER NOT NULL,
    messages    INTEGER NOT NULL,
    firings     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, run_id)
) WITHOUT ROWID;

-- One row per (invoice, step) that ever fired: the key that makes a run idempotent.
-- step is the step's name; 'thanks' for a thank-you note; 'plan<N>.<step>' for
-- installment N of a plan.
CREATE TABLE dunning_firings (
    org_id      INTEGER NOT NULL,
    invoice_id  INTEGER NOT NULL,
    step        TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    run_id      INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    fired_on    INTEGER NOT NULL,
    PRIMARY KEY (org_id, invoice_id, step)
) WITHOUT ROWID;

-- status: 1 queued, 2 sending (handed to the transport, end of data not yet sent),
-- 3 uncertain (killed after the end of data went out: never resent automatically),
-- 4 sent, 5 failed (permanently), 6 cancelled. next_attempt: unix seconds.
CREATE TABLE outbox (
    org_id        INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    run_id        INTEGER NOT NULL,
    customer_id   INTEGER NOT NULL,
    channel       INTEGER NOT NULL,
    step          TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    sent_at       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, message_id)
) WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox (org_id, status, next_attempt);
