-- owed schema, version 4, PostgreSQL: the same changes as migrations/sqlite/0004_collections.sql
-- (the collections workflow, issue 5), with BIGINT ids and money, INTEGER dates, TIMESTAMPTZ
-- times and byte-order (COLLATE "C") text keys.

ALTER TABLE orgs ADD COLUMN calendar TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN mail_from TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN smtp_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN sms_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN pay_url TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN out_dir TEXT NOT NULL DEFAULT '';

CREATE TABLE dunning_policies (
    org_id      BIGINT NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,          -- JSON, see docs/dunning.md
    PRIMARY KEY (org_id, name)
);

-- target: 'default', 'customer:REF' or 'segment:NAME'.
CREATE TABLE dunning_policy_targets (
    org_id      BIGINT NOT NULL,
    target      TEXT COLLATE "C" NOT NULL,
    policy      TEXT NOT NULL,
    PRIMARY KEY (org_id, target)
);

CREATE TABLE customer_profiles (
    org_id      BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    segment     TEXT NOT NULL DEFAULT '',
    lang        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, customer_id)
);

-- kind: 1 hold, 2 dispute, 3 promise, 4 plan, 5 installment (parent_id = its plan),
-- 6 note, 7 call, 8 task. Statuses per kind are in src/core/collections.h. Dates are days
-- since 1970-01-01 (0 = none): opened_on the business date it began, date1 the date that
-- matters (promised, due, ...), date2 the date it closed. Amounts are minor units.
CREATE TABLE collection_items (
    org_id       BIGINT NOT NULL,
    item_id      BIGINT NOT NULL,
    kind         INTEGER NOT NULL,
    parent_id    BIGINT NOT NULL DEFAULT 0,
    customer_id  BIGINT NOT NULL,
    invoice_id   BIGINT NOT NULL DEFAULT 0,
    status       INTEGER NOT NULL,
    code         TEXT NOT NULL DEFAULT '',
    amount_minor BIGINT NOT NULL DEFAULT 0,
    currency     TEXT NOT NULL DEFAULT '',
    opened_on    INTEGER NOT NULL DEFAULT 0,
    date1        INTEGER NOT NULL DEFAULT 0,
    date2        INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, item_id)
);
CREATE INDEX collection_items_customer ON collection_items (org_id, customer_id);

CREATE TABLE dunning_runs (
    org_id      BIGINT NOT NULL,
    run_id      BIGINT NOT NULL,
    as_of       INTEGER NOT NULL,
    messages    INTEGER NOT NULL,
    firings     INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, run_id)
);

-- One row per (invoice, step) that ever fired: the key that makes a run idempotent.
-- step is the step's name; 'thanks' for a thank-you note; 'plan<N>.<step>' for
-- installment N of a plan.
CREATE TABLE dunning_firings (
    org_id      BIGINT NOT NULL,
    invoice_id  BIGINT NOT NULL,
    step        TEXT COLLATE "C" NOT NULL,
    severity    INTEGER NOT NULL,
    run_id      BIGINT NOT NULL,
    message_id  BIGINT NOT NULL,
    fired_on    INTEGER NOT NULL,
    PRIMARY KEY (org_id, invoice_id, step)
);

-- status: 1 queued, 2 sending (handed to the transport, end of data not yet sent),
-- 3 uncertain (killed after the end of data went out: never resent automatically),
-- 4 sent, 5 failed (permanently), 6 cancelled. next_attempt: unix seconds.
CREATE TABLE outbox (
    org_id        BIGINT NOT NULL,
    message_id    BIGINT NOT NULL,
    run_id        BIGINT NOT NULL,
    customer_id   BIGINT NOT NULL,
    channel       INTEGER NOT NULL,
    step          TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, message_id)
);
CREATE INDEX outbox_due ON outbox (org_id, status, next_attempt);
