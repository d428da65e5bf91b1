-- owed schema, version 6, PostgreSQL: the same change as migrations/sqlite/0006_gateway.sql
-- (the organization's signing secret for incoming payment gateway webhooks).
ALTER TABLE orgs ADD COLUMN gateway_secret TEXT NOT NULL DEFAULT '';
