-- owed schema, version 6: payment gateways (issue 6). The organization's signing secret
-- for incoming gateway webhooks (POST /api/v1/gateway/stripe/ORG): HMAC-SHA256 key of the
-- Stripe-Signature header. '' = none set (no gateway event verifies).
ALTER TABLE orgs ADD COLUMN gateway_secret TEXT NOT NULL DEFAULT '';
