/* The PostgreSQL backend of the store interface (libpq). Same schema, same semantics and
 * the same results as src/store/sqlite.c:
 *   - prepared statements only, prepared once per connection;
 *   - writers of one organization are serialized by a transaction-scoped advisory lock on
 *     the org id, as SQLite's single writer is, so ids can be assigned as MAX + 1 and two
 *     concurrent imports both succeed, one after the other;
 *   - rows are buffered and written with COPY, not one statement (and one network round
 *     trip) per row: under the organization's lock no other writer can add a key, so the
 *     keys already taken are loaded once per transaction and a duplicate is answered from
 *     them (OWED_E_EXISTS) without asking the server;
 *   - reads see the transaction's own writes: a lookup flushes its table's buffer first,
 *     invoice and payment lookups add the allocations (and payments the refunds and
 *     reversals) still in the buffer, and a scan flushes every buffer;
 *   - scans stream rows in single-row mode, so a million rows never sit in memory at once;
 *     a store call made from inside a scan's callback (which SQLite allows) first reads the
 *     rest of that scan into memory, freeing the connection (park_scan);
 *   - text sorts with COLLATE "C", the byte order SQLite uses. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "store/ids.h"
#include "store/store.h"
#include "strmap.h"

struct migration {
    int version;
    const char *name;
    const unsigned char *sql;
};
#include "migrations_postgres.h"

enum stmt_id {
    ST_DEFAULT_ORG,
    ST_LOCK_ORG,
    ST_CUSTOMER_GET,
    ST_CUSTOMER_MAX_ID,
    ST_CUSTOMERS_EACH,
    ST_INVOICE_GET,
    ST_INVOICE_MAX_ID,
    ST_INVOICES_EACH,
    ST_INVOICES_EACH_TEXT,
    ST_INVOICES_OF_CUSTOMER,
    ST_PAYMENT_GET,
    ST_PAYMENT_MAX_ID,
    ST_PAYMENTS_EACH,
    ST_PAYMENTS_EACH_TEXT,
    ST_PAYMENTS_OF_CUSTOMER,
    ST_ALLOCATION_MAX_ID,
    ST_ALLOCATIONS_EACH,
    ST_ALLOCATIONS_OF_CUSTOMER,
    ST_ENTRY_MAX_ID,
    ST_JOURNAL_LINES,
    ST_INVOICES_FOR_CACHE,
    ST_CUSTOMER_GET_ID,
    ST_INVOICE_GET_ID,
    ST_PAYMENT_GET_ID,
    ST_ALLOCATIONS_OF_PAYMENT,
    ST_ALLOCATIONS_OF_INVOICE,
    ST_OUTFLOW_MAX_ID,
    ST_OUTFLOWS_EACH,
    ST_OUTFLOWS_OF_PAYMENT,
    ST_OUTFLOWS_OF_CUSTOMER,
    ST_ORG_GET,
    ST_ORG_SET,
    ST_STMT_INSERT,
    ST_STMT_BY_KEY,
    ST_STMT_MAX_ID,
    ST_BENTRY_MAX_ID,
    ST_BENTRY_GET,
    ST_BENTRY_UPDATE,
    ST_BENTRIES_EACH,
    ST_BENTRIES_BY_STATUS,
    ST_PAYER_LEARN,
    ST_PAYERS_EACH,
    ST_MAP_SAVE,
    ST_IDEM_CLAIM,
    ST_MAPS_EACH,
    ST_ITEM_INSERT,
    ST_ITEM_UPDATE,
    ST_ITEM_GET,
    ST_ITEMS_EACH,
    ST_POLICY_SAVE,
    ST_POLICIES_EACH,
    ST_TARGET_SET,
    ST_TARGET_DELETE,
    ST_TARGETS_EACH,
    ST_PROFILE_SET,
    ST_PROFILES_EACH,
    ST_RUN_INSERT,
    ST_FIRING_INSERT,
    ST_FIRINGS_EACH,
    ST_OUTBOX_INSERT,
    ST_OUTBOX_UPDATE,
    ST_OUTBOX_EACH,
    ST_ORG_CREATE,
    ST_ORGS_EACH,
    ST_USER_INSERT,
    ST_USER_UPDATE,
    ST_USER_GET,
    ST_USER_BY_EMAIL,
    ST_USERS_EACH,
    ST_CRED_INSERT,
    ST_CRED_FIND,
    ST_CRED_REVOKE,
    ST_CREDS_EACH,
    ST_AUDIT_INSERT,
    ST_AUDIT_EACH,
    ST_IDEM_INSERT,
    ST_IDEM_GET,
    ST_IDEM_UPDATE,
    ST_WEBHOOK_INSERT,
    ST_WEBHOOK_UPDATE,
    ST_WEBHOOK_DELETE,
    ST_WEBHOOK_GET,
    ST_WEBHOOKS_EACH,
    ST_DOC_INSERT,
    ST_DOC_UPDATE,
    ST_DOC_GET,
    ST_DOC_GET_LEDGER,
    ST_DOCS_EACH,
    ST_SEQ_NEXT,
    ST_ORGDOC_GET,
    ST_ORGDOC_PUT,
    ST_RECURRING_INSERT,
    ST_RECURRING_UPDATE,
    ST_RECURRING_EACH,
    ST_PERIOD_CLAIM,
    ST_PLINK_INSERT,
    ST_PLINK_GET,
    ST_PLINK_USE,
    ST_PLINK_SENT,
    ST_PLINKS_EACH,
    ST_PLINKS_REVOKE,
    ST_PSESSIONS_END_ALL,
    ST_PSESSION_INSERT,
    ST_PSESSION_GET,
    ST_PSESSION_END,
    ST_PEVENT_INSERT,
    ST_PEVENTS_EACH,
    ST_PFEEDBACK_INSERT,
    ST_PFEEDBACK_EACH,
    ST_TRY_LOCK,
    ST_UNLOCK,
    ST_COUNT
};

/* Column lists shared by lookups and listings; read_invoice and read_payment read them by
 * position, the same positions as sqlite.c. */
#define INVOICE_COLS                                                                        \
    "i.invoice_id, i.invoice_number, i.customer_id, i.issue_date, i.due_date, i.currency," \
    " i.amount_minor, i.po_number, i.kind, i.terms"
#define ALLOCATED_OF_INVOICE                                                                 \
    "(SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.org_id = i.org_id" \
    " AND a.invoice_id = i.invoice_id)"
#define PAYMENT_COLS                                                                         \
    "p.payment_id, p.payment_ref, p.customer_id, p.received_date, p.amount_minor, p.currency," \
    " p.method, p.reference, p.invoice_number, p.kind, p.channel, p.payer_name, p.payer_account"
#define ALLOCATED_OF_PAYMENT                                                                 \
    "(SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a WHERE a.org_id = p.org_id" \
    " AND a.payment_id = p.payment_id),"                                                     \
    " (SELECT COALESCE(SUM(o.amount_minor), 0) FROM outflows o WHERE o.org_id = p.org_id"   \
    " AND o.payment_id = p.payment_id)"
#define ALLOCATION_COLS "allocation_id, payment_id, invoice_id, alloc_date, amount_minor, reverses"
#define OUTFLOW_COLS "outflow_id, payment_id, kind, out_date, amount_minor, reason"
#define BENTRY_COLS                                                                     \
    "entry_id, statement_id, entry_key, booking_date, value_date, amount_minor, currency," \
    " credit, entry_ref, end_to_end, remittance, counterparty_name, counterparty_account," \
    " bank_code, status, customer_id, payment_id, score, suggestions"
#define NOW_UTC "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
/* A TIMESTAMPTZ column as SQLite stores its times: "2026-11-23T10:00:00Z". */
#define ISO_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ITEM_COLS                                                                          \
    "item_id, kind, parent_id, customer_id, invoice_id, status, code, amount_minor, currency," \
    " date1, date2, body, " ISO_UTC("created_at") ", opened_on"
#define OUTBOX_COLS                                                                         \
    "message_id, run_id, customer_id, channel, step, recipient, subject, body, status,"      \
    " attempts, next_attempt, last_error, " ISO_UTC("created_at") ", sent_at"
/* The same with milliseconds, for the audit trail's times. */
#define ISO_UTC_MS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define USER_COLS \
    "user_id, org_id, email, name, role, pw_hash, disabled, " ISO_UTC("created_at")
#define CRED_COLS                                                                           \
    "cred_id, org_id, user_id, kind, role, hash, label, csrf, expires_at, revoked, "         \
    ISO_UTC("created_at")
#define AUDIT_COLS \
    "audit_id, " ISO_UTC_MS("at") ", actor, action, resource, status, before_json, after_json"
#define IDEM_COLS \
    "idem_key, method, path, req_hash, state, status, content_type, body, updated_at"
#define WEBHOOK_COLS "webhook_id, url, secret, events, active, " ISO_UTC("created_at")
/* Documents keep the times the application wrote (text), as in sqlite.c. */
#define PLINK_COLS                                                                    \
    "link_id, customer_id, created_at, expires_s, used_at, revoked, created_by, message_id"
#define DOC_COLS                                                                      \
    "doc_id, type, status, number, customer_id, ledger_id, body, source, created_at," \
    " issued_at, ack_at, ack_via, sent_at, delivery, message_id"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_DEFAULT_ORG] = "SELECT COALESCE(MIN(org_id), 0) FROM orgs",
    [ST_LOCK_ORG] = "SELECT pg_advisory_xact_lock($1::bigint)",
    [ST_CUSTOMER_GET] =
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers WHERE org_id = $1 AND customer_ref = $2",
    [ST_CUSTOMER_MAX_ID] = "SELECT COALESCE(MAX(customer_id), 0) FROM customers WHERE org_id = $1",
    [ST_CUSTOMERS_EACH] =
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers WHERE org_id = $1 ORDER BY customer_ref COLLATE \"C\"",
    [ST_INVOICE_GET] = "SELECT " INVOICE_COLS ", " ALLOCATED_OF_INVOICE
                       " FROM invoices i WHERE i.org_id = $1 AND i.invoice_number = $2",
    [ST_INVOICE_MAX_ID] = "SELECT COALESCE(MAX(invoice_id), 0) FROM invoices WHERE org_id = $1",
    [ST_INVOICES_EACH] =
        "SELECT i.invoice_id, '', i.customer_id, i.issue_date, i.due_date, i.currency,"
        " i.amount_minor, '', i.kind, '', 0 FROM invoices i WHERE i.org_id = $1"
        " AND i.issue_date <= $2 ORDER BY i.invoice_id",
    [ST_INVOICES_EACH_TEXT] = "SELECT " INVOICE_COLS ", 0 FROM invoices i"
                              " WHERE i.org_id = $1 AND i.issue_date <= $2 ORDER BY i.invoice_id",
    [ST_INVOICES_OF_CUSTOMER] = "SELECT " INVOICE_COLS ", 0 FROM invoices i"
                                " WHERE i.org_id = $1 AND i.issue_date <= $2 AND i.customer_id = $3"
                                " ORDER BY i.invoice_id",
    [ST_PAYMENT_GET] = "SELECT " PAYMENT_COLS ", " ALLOCATED_OF_PAYMENT
                       " FROM payments p WHERE p.org_id = $1 AND p.payment_ref = $2",
    [ST_PAYMENT_MAX_ID] = "SELECT COALESCE(MAX(payment_id), 0) FROM payments WHERE org_id = $1",
    [ST_PAYMENTS_EACH] =
        "SELECT p.payment_id, '', p.customer_id, p.received_date, p.amount_minor, p.currency,"
        " '', '', '', p.kind, '', '', '', 0, 0 FROM payments p WHERE p.org_id = $1"
        " AND p.received_date <= $2 ORDER BY p.payment_id",
    [ST_PAYMENTS_EACH_TEXT] = "SELECT " PAYMENT_COLS ", 0, 0 FROM payments p"
                              " WHERE p.org_id = $1 AND p.received_date <= $2"
                              " ORDER BY p.payment_id",
    [ST_PAYMENTS_OF_CUSTOMER] = "SELECT " PAYMENT_COLS ", 0, 0 FROM payments p"
                                " WHERE p.org_id = $1 AND p.received_date <= $2"
                                " AND p.customer_id = $3 ORDER BY p.payment_id",
    [ST_ALLOCATION_MAX_ID] =
        "SELECT COALESCE(MAX(allocation_id), 0) FROM allocations WHERE org_id = $1",
    [ST_ALLOCATIONS_EACH] = "SELECT " ALLOCATION_COLS " FROM allocations"
                            " WHERE org_id = $1 AND alloc_date <= $2 ORDER BY allocation_id",
    [ST_ALLOCATIONS_OF_CUSTOMER] =
        "SELECT a.allocation_id, a.payment_id, a.invoice_id, a.alloc_date, a.amount_minor,"
        " a.reverses FROM allocations a"
        " JOIN invoices i ON i.org_id = a.org_id AND i.invoice_id = a.invoice_id"
        " WHERE a.org_id = $1 AND a.alloc_date <= $2 AND i.customer_id = $3"
        " ORDER BY a.allocation_id",
    [ST_ENTRY_MAX_ID] = "SELECT COALESCE(MAX(entry_id), 0) FROM journal_lines WHERE org_id = $1",
    [ST_INVOICES_FOR_CACHE] =
        "SELECT " INVOICE_COLS ", COALESCE(a.allocated, 0) FROM invoices i"
        " LEFT JOIN (SELECT invoice_id, SUM(amount_minor) AS allocated FROM allocations"
        " WHERE org_id = $1 GROUP BY invoice_id) a ON a.invoice_id = i.invoice_id"
        " WHERE i.org_id = $1",
    [ST_JOURNAL_LINES] = "SELECT entry_id, line_no, kind, source_id, customer_id, currency,"
                         " posted_date, account, amount_minor FROM journal_lines"
                         " WHERE org_id = $1 ORDER BY entry_id, line_no",
    [ST_CUSTOMER_GET_ID] =
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers WHERE org_id = $1 AND customer_id = $2",
    [ST_INVOICE_GET_ID] = "SELECT " INVOICE_COLS ", " ALLOCATED_OF_INVOICE
                          " FROM invoices i WHERE i.org_id = $1 AND i.invoice_id = $2",
    [ST_PAYMENT_GET_ID] = "SELECT " PAYMENT_COLS ", " ALLOCATED_OF_PAYMENT
                          " FROM payments p WHERE p.org_id = $1 AND p.payment_id = $2",
    [ST_ALLOCATIONS_OF_PAYMENT] =
        "SELECT " ALLOCATION_COLS " FROM allocations WHERE org_id = $1 AND alloc_date <= $2"
        " AND payment_id = $3 ORDER BY allocation_id",
    [ST_ALLOCATIONS_OF_INVOICE] =
        "SELECT " ALLOCATION_COLS " FROM allocations WHERE org_id = $1 AND alloc_date <= $2"
        " AND invoice_id = $3 ORDER BY allocation_id",
    [ST_OUTFLOW_MAX_ID] = "SELECT COALESCE(MAX(outflow_id), 0) FROM outflows WHERE org_id = $1",
    [ST_OUTFLOWS_EACH] = "SELECT " OUTFLOW_COLS " FROM outflows"
                         " WHERE org_id = $1 AND out_date <= $2 ORDER BY outflow_id",
    [ST_OUTFLOWS_OF_PAYMENT] =
        "SELECT " OUTFLOW_COLS " FROM outflows WHERE org_id = $1 AND out_date <= $2"
        " AND payment_id = $3 ORDER BY outflow_id",
    [ST_OUTFLOWS_OF_CUSTOMER] =
        "SELECT o.outflow_id, o.payment_id, o.kind, o.out_date, o.amount_minor, o.reason"
        " FROM outflows o JOIN payments p ON p.org_id = o.org_id AND p.payment_id = o.payment_id"
        " WHERE o.org_id = $1 AND o.out_date <= $2 AND p.customer_id = $3 ORDER BY o.outflow_id",
    [ST_ORG_GET] = "SELECT tolerance, timezone, calendar, mail_from, smtp_url, sms_url, pay_url,"
                   " out_dir, name, gateway_secret FROM orgs WHERE org_id = $1",
    [ST_ORG_SET] = "UPDATE orgs SET tolerance = $2, timezone = $3, calendar = $4, mail_from = $5,"
                   " smtp_url = $6, sms_url = $7, pay_url = $8, out_dir = $9, name = $10,"
                   " gateway_secret = $11 WHERE org_id = $1",
    [ST_STMT_INSERT] =
        "INSERT INTO bank_statements (org_id, statement_id, stmt_key, format, account,"
        " bank_stmt_id, currency, stmt_date, opening_minor, opening_date, closing_minor,"
        " closing_date, file_name, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10, $11, $12, $13, " NOW_UTC ")",
    [ST_STMT_BY_KEY] =
        "SELECT statement_id FROM bank_statements WHERE org_id = $1 AND stmt_key = $2",
    [ST_STMT_MAX_ID] =
        "SELECT COALESCE(MAX(statement_id), 0) FROM bank_statements WHERE org_id = $1",
    [ST_BENTRY_MAX_ID] = "SELECT COALESCE(MAX(entry_id), 0) FROM bank_entries WHERE org_id = $1",
    [ST_BENTRY_GET] =
        "SELECT " BENTRY_COLS " FROM bank_entries WHERE org_id = $1 AND entry_id = $2",
    [ST_BENTRY_UPDATE] =
        "UPDATE bank_entries SET status = $3, customer_id = $4, payment_id = $5, score = $6,"
        " suggestions = $7 WHERE org_id = $1 AND entry_id = $2",
    [ST_BENTRIES_EACH] = "SELECT " BENTRY_COLS " FROM bank_entries WHERE org_id = $1"
                         " ORDER BY entry_id",
    [ST_BENTRIES_BY_STATUS] = "SELECT " BENTRY_COLS " FROM bank_entries"
                              " WHERE org_id = $1 AND status = $2 ORDER BY entry_id",
    [ST_PAYER_LEARN] =
        "INSERT INTO bank_payers (org_id, payer_key, customer_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (org_id, payer_key) DO UPDATE SET customer_id = EXCLUDED.customer_id",
    [ST_PAYERS_EACH] = "SELECT payer_key, customer_id FROM bank_payers WHERE org_id = $1"
                       " ORDER BY payer_key COLLATE \"C\"",
    [ST_IDEM_CLAIM] = "INSERT INTO idempotency_keys (org_id, idem_key) VALUES ($1, $2)"
                      " ON CONFLICT (org_id, idem_key) DO NOTHING",
    [ST_MAP_SAVE] = "INSERT INTO bank_csv_maps (org_id, name, mapping) VALUES ($1, $2, $3)"
                    " ON CONFLICT (org_id, name) DO UPDATE SET mapping = EXCLUDED.mapping",
    [ST_MAPS_EACH] = "SELECT name, mapping FROM bank_csv_maps WHERE org_id = $1"
                     " ORDER BY name COLLATE \"C\"",
    /* Collection items, policies, runs, firings and the outbox are few and written one at
     * a time with plain INSERTs (never buffered): their ids come from MAX + 1 in the INSERT
     * itself, under the organization's lock. Filters are "0 = any", as in sqlite.c; the
     * casts fix each parameter's type where its first use would leave it int4. */
    [ST_ITEM_INSERT] =
        "INSERT INTO collection_items (org_id, item_id, kind, parent_id, customer_id,"
        " invoice_id, status, code, amount_minor, currency, date1, date2, body, opened_on) VALUES"
        " ($1, (SELECT COALESCE(MAX(item_id), 0) + 1 FROM collection_items WHERE org_id = $1),"
        " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING item_id, " ISO_UTC("created_at"),
    [ST_ITEM_UPDATE] =
        "UPDATE collection_items SET status = $3, code = $4, amount_minor = $5, currency = $6,"
        " date1 = $7, date2 = $8, body = $9, updated_at = now()"
        " WHERE org_id = $1 AND item_id = $2",
    [ST_ITEM_GET] = "SELECT " ITEM_COLS " FROM collection_items WHERE org_id = $1 AND item_id = $2",
    [ST_ITEMS_EACH] =
        "SELECT " ITEM_COLS " FROM collection_items WHERE org_id = $1"
        " AND ($2::int = 0 OR kind = $2) AND ($3::bigint = 0 OR customer_id = $3)"
        " AND ($4::bigint = 0 OR invoice_id = $4) AND ($5::bigint = 0 OR parent_id = $5)"
        " AND ($6::int = 0 OR status IN (1, 2)) ORDER BY item_id",
    [ST_POLICY_SAVE] = "INSERT INTO dunning_policies (org_id, name, body) VALUES ($1, $2, $3)"
                       " ON CONFLICT (org_id, name) DO UPDATE SET body = EXCLUDED.body",
    [ST_POLICIES_EACH] = "SELECT name, body FROM dunning_policies WHERE org_id = $1"
                         " ORDER BY name COLLATE \"C\"",
    [ST_TARGET_SET] =
        "INSERT INTO dunning_policy_targets (org_id, target, policy) VALUES ($1, $2, $3)"
        " ON CONFLICT (org_id, target) DO UPDATE SET policy = EXCLUDED.policy",
    [ST_TARGET_DELETE] = "DELETE FROM dunning_policy_targets WHERE org_id = $1 AND target = $2",
    [ST_TARGETS_EACH] = "SELECT target, policy FROM dunning_policy_targets WHERE org_id = $1"
                        " ORDER BY target COLLATE \"C\"",
    [ST_PROFILE_SET] =
        "INSERT INTO customer_profiles (org_id, customer_id, segment, lang, phone, address)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, customer_id) DO UPDATE SET"
        " segment = EXCLUDED.segment, lang = EXCLUDED.lang, phone = EXCLUDED.phone,"
        " address = EXCLUDED.address",
    [ST_PROFILES_EACH] = "SELECT customer_id, segment, lang, phone, address FROM customer_profiles"
                         " WHERE org_id = $1 ORDER BY customer_id",
    [ST_RUN_INSERT] =
        "INSERT INTO dunning_runs (org_id, run_id, as_of, messages, firings) VALUES ($1,"
        " (SELECT COALESCE(MAX(run_id), 0) + 1 FROM dunning_runs WHERE org_id = $1), $2, $3, $4)"
        " RETURNING run_id, " ISO_UTC("created_at"),
    /* DO NOTHING: a step fired before changes no row and does not abort the transaction. */
    [ST_FIRING_INSERT] =
        "INSERT INTO dunning_firings (org_id, invoice_id, step, severity, run_id, message_id,"
        " fired_on) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    [ST_FIRINGS_EACH] = "SELECT invoice_id, step, severity, run_id, message_id, fired_on"
                        " FROM dunning_firings WHERE org_id = $1"
                        " ORDER BY invoice_id, step COLLATE \"C\"",
    [ST_OUTBOX_INSERT] =
        "INSERT INTO outbox (org_id, message_id, run_id, customer_id, channel, step, recipient,"
        " subject, body, status, attempts, next_attempt, last_error) VALUES ($1,"
        " (SELECT COALESCE(MAX(message_id), 0) + 1 FROM outbox WHERE org_id = $1), $2, $3, $4,"
        " $5, $6, $7, $8, $9, $10, $11, $12) RETURNING message_id, " ISO_UTC("created_at"),
    [ST_OUTBOX_UPDATE] =
        "UPDATE outbox SET status = $3, attempts = $4, next_attempt = $5, last_error = $6,"
        " sent_at = $7 WHERE org_id = $1 AND message_id = $2",
    [ST_OUTBOX_EACH] =
        "SELECT " OUTBOX_COLS " FROM outbox WHERE org_id = $1 AND ($2::int = 0 OR status = $2)"
        " AND ($3::bigint = 0 OR next_attempt <= $3) AND ($4::bigint = 0 OR run_id = $4)"
        " AND ($5::bigint = 0 OR customer_id = $5) AND ($6::bigint = 0 OR message_id = $6)"
        " ORDER BY message_id",
    /* The platform (issue 6): ids from MAX + 1 in the INSERT under a lock, as for collection
     * items. ON CONFLICT DO NOTHING: a taken email, credential hash or idempotency key
     * returns (or changes) no row, OWED_E_EXISTS, and the transaction goes on, as on
     * SQLite; a failed INSERT would abort it. */
    [ST_ORG_CREATE] = "INSERT INTO orgs (org_id, name, created_at) VALUES ((SELECT"
                      " COALESCE(MAX(org_id), 0) + 1 FROM orgs), $1, " NOW_UTC ")"
                      " RETURNING org_id",
    [ST_ORGS_EACH] = "SELECT org_id, name FROM orgs ORDER BY org_id",
    [ST_USER_INSERT] =
        "INSERT INTO users (org_id, user_id, email, name, role, pw_hash, disabled) VALUES ($1,"
        " (SELECT COALESCE(MAX(user_id), 0) + 1 FROM users WHERE org_id = $1), $2, $3, $4, $5,"
        " $6) ON CONFLICT DO NOTHING RETURNING user_id, " ISO_UTC("created_at"),
    [ST_USER_UPDATE] = "UPDATE users SET name = $3, role = $4, pw_hash = $5, disabled = $6"
                       " WHERE org_id = $1 AND user_id = $2",
    [ST_USER_GET] = "SELECT " USER_COLS " FROM users WHERE org_id = $1 AND user_id = $2",
    [ST_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM users WHERE email = $1",
    [ST_USERS_EACH] = "SELECT " USER_COLS " FROM users WHERE org_id = $1 ORDER BY user_id",
    [ST_CRED_INSERT] =
        "INSERT INTO credentials (org_id, cred_id, user_id, kind, role, hash, label, csrf,"
        " expires_at, revoked) VALUES ($1, (SELECT COALESCE(MAX(cred_id), 0) + 1 FROM"
        " credentials WHERE org_id = $1), $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
        " RETURNING cred_id, " ISO_UTC("created_at"),
    [ST_CRED_FIND] = "SELECT " CRED_COLS " FROM credentials WHERE hash = $1",
    [ST_CRED_REVOKE] = "UPDATE credentials SET revoked = 1 WHERE org_id = $1 AND cred_id = $2",
    [ST_CREDS_EACH] = "SELECT " CRED_COLS " FROM credentials WHERE org_id = $1"
                      " AND ($2::bigint = 0 OR user_id = $2) AND ($3::int = 0 OR kind = $3)"
                      " ORDER BY cred_id",
    [ST_AUDIT_INSERT] =
        "INSERT INTO audit (org_id, audit_id, actor, action, resource, status, before_json,"
        " after_json) VALUES ($1, (SELECT COALESCE(MAX(audit_id), 0) + 1 FROM audit WHERE"
        " org_id = $1), $2, $3, $4, $5, $6, $7) RETURNING audit_id, " ISO_UTC_MS("at"),
    /* $2 is the exclusive upper bound (INT64_MAX for "from the newest"), so the primary key
     * gives a range; $3 NULL = no limit. */
    [ST_AUDIT_EACH] = "SELECT " AUDIT_COLS " FROM audit WHERE org_id = $1 AND audit_id < $2"
                      " ORDER BY audit_id DESC LIMIT $3",
    [ST_IDEM_INSERT] =
        "INSERT INTO api_idempotency (org_id, idem_key, method, path, req_hash, state, status,"
        " content_type, body, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT DO NOTHING",
    [ST_IDEM_GET] = "SELECT " IDEM_COLS " FROM api_idempotency WHERE org_id = $1 AND idem_key = $2",
    [ST_IDEM_UPDATE] = "UPDATE api_idempotency SET state = $3, status = $4, content_type = $5,"
                       " body = $6, updated_at = $7 WHERE org_id = $1 AND idem_key = $2",
    [ST_WEBHOOK_INSERT] =
        "INSERT INTO webhooks (org_id, webhook_id, url, secret, events, active) VALUES ($1,"
        " (SELECT COALESCE(MAX(webhook_id), 0) + 1 FROM webhooks WHERE org_id = $1), $2, $3,"
        " $4, $5) RETURNING webhook_id, " ISO_UTC("created_at"),
    [ST_WEBHOOK_UPDATE] = "UPDATE webhooks SET url = $3, secret = $4, events = $5, active = $6"
                          " WHERE org_id = $1 AND webhook_id = $2",
    [ST_WEBHOOK_DELETE] = "DELETE FROM webhooks WHERE org_id = $1 AND webhook_id = $2",
    [ST_WEBHOOK_GET] =
        "SELECT " WEBHOOK_COLS " FROM webhooks WHERE org_id = $1 AND webhook_id = $2",
    [ST_WEBHOOKS_EACH] = "SELECT " WEBHOOK_COLS " FROM webhooks WHERE org_id = $1"
                         " ORDER BY webhook_id",
    /* Documents (issue 7): ids from MAX + 1 under the lock, as above. ON CONFLICT DO NOTHING
     * on a ledger id taken by another document of the type (documents_ledger) and on a
     * period claimed before: no row, OWED_E_EXISTS, and the transaction goes on. */
    [ST_DOC_INSERT] =
        "INSERT INTO documents (org_id, doc_id, type, status, number, customer_id, ledger_id,"
        " body, source, created_at, issued_at, ack_at, ack_via, sent_at, delivery, message_id)"
        " VALUES ($1, (SELECT COALESCE(MAX(doc_id), 0) + 1 FROM documents WHERE org_id = $1),"
        " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING"
        " RETURNING doc_id",
    [ST_DOC_UPDATE] =
        "UPDATE documents SET status = $3, number = $4, ledger_id = $5, body = $6,"
        " issued_at = $7, ack_at = $8, ack_via = $9, sent_at = $10, delivery = $11,"
        " message_id = $12 WHERE org_id = $1 AND doc_id = $2",
    [ST_DOC_GET] = "SELECT " DOC_COLS " FROM documents WHERE org_id = $1 AND doc_id = $2",
    [ST_DOC_GET_LEDGER] = "SELECT " DOC_COLS " FROM documents WHERE org_id = $1 AND type = $2"
                          " AND ledger_id = $3 AND ledger_id > 0",
    [ST_DOCS_EACH] = "SELECT " DOC_COLS " FROM documents WHERE org_id = $1"
                     " AND ($2::bigint = 0 OR customer_id = $2) AND ($3::int = 0 OR status = $3)"
                     " AND ($4::int = 0 OR type = $4) ORDER BY doc_id",
    /* The row lock of the upsert holds the counter until commit: gapless. */
    [ST_SEQ_NEXT] = "INSERT INTO sequences (org_id, name, last_value) VALUES ($1, $2, 1)"
                    " ON CONFLICT (org_id, name) DO UPDATE"
                    " SET last_value = sequences.last_value + 1 RETURNING last_value",
    [ST_ORGDOC_GET] = "SELECT body FROM org_docs WHERE org_id = $1 AND key = $2",
    [ST_ORGDOC_PUT] = "INSERT INTO org_docs (org_id, key, body) VALUES ($1, $2, $3)"
                      " ON CONFLICT (org_id, key) DO UPDATE SET body = EXCLUDED.body",
    [ST_RECURRING_INSERT] =
        "INSERT INTO recurring (org_id, rec_id, customer_id, rule, start_date, end_date,"
        " max_count, body, active, created_at) VALUES ($1, (SELECT COALESCE(MAX(rec_id), 0) + 1"
        " FROM recurring WHERE org_id = $1), $2, $3, $4, $5, $6, $7, $8, $9) RETURNING rec_id",
    [ST_RECURRING_UPDATE] =
        "UPDATE recurring SET rule = $3, start_date = $4, end_date = $5, max_count = $6,"
        " body = $7, active = $8 WHERE org_id = $1 AND rec_id = $2",
    [ST_RECURRING_EACH] =
        "SELECT r.rec_id, r.customer_id, r.rule, r.start_date, r.end_date, r.max_count, r.body,"
        " r.active, r.created_at, (SELECT COUNT(*) FROM recurring_periods p WHERE p.org_id ="
        " r.org_id AND p.rec_id = r.rec_id) FROM recurring r WHERE r.org_id = $1"
        " AND ($2::bigint = 0 OR r.rec_id = $2) ORDER BY r.rec_id",
    [ST_PERIOD_CLAIM] = "INSERT INTO recurring_periods (org_id, rec_id, period, doc_id)"
                        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    /* The customer portal (issue 8): ids MAX + 1 per organization under its lock. */
    [ST_PLINK_INSERT] =
        "INSERT INTO portal_links (org_id, link_id, customer_id, created_at, expires_s, used_at,"
        " revoked, created_by, message_id) VALUES ($1, (SELECT COALESCE(MAX(link_id), 0) + 1"
        " FROM portal_links WHERE org_id = $1), $2, $3, $4, $5, $6, $7, $8) RETURNING link_id",
    [ST_PLINK_GET] = "SELECT " PLINK_COLS " FROM portal_links WHERE org_id = $1 AND link_id = $2",
    [ST_PLINK_USE] = "UPDATE portal_links SET used_at = $3 WHERE org_id = $1 AND link_id = $2"
                     " AND used_at = '' AND revoked = 0",
    [ST_PLINK_SENT] =
        "UPDATE portal_links SET message_id = $3 WHERE org_id = $1 AND link_id = $2",
    [ST_PLINKS_EACH] = "SELECT " PLINK_COLS " FROM portal_links WHERE org_id = $1"
                       " AND ($2::bigint = 0 OR customer_id = $2) ORDER BY link_id",
    [ST_PLINKS_REVOKE] = "UPDATE portal_links SET revoked = 1 WHERE org_id = $1"
                         " AND customer_id = $2 AND used_at = '' AND revoked = 0",
    [ST_PSESSIONS_END_ALL] = "UPDATE portal_sessions SET ended = 1 WHERE org_id = $1"
                             " AND customer_id = $2 AND ended = 0",
    [ST_PSESSION_INSERT] =
        "INSERT INTO portal_sessions (org_id, session_id, customer_id, link_id, created_at,"
        " expires_s, ended) VALUES ($1, (SELECT COALESCE(MAX(session_id), 0) + 1 FROM"
        " portal_sessions WHERE org_id = $1), $2, $3, $4, $5, $6) RETURNING session_id",
    [ST_PSESSION_GET] = "SELECT session_id, customer_id, link_id, created_at, expires_s, ended"
                        " FROM portal_sessions WHERE org_id = $1 AND session_id = $2",
    [ST_PSESSION_END] =
        "UPDATE portal_sessions SET ended = 1 WHERE org_id = $1 AND session_id = $2",
    [ST_PEVENT_INSERT] =
        "INSERT INTO portal_events (org_id, event_id, customer_id, session_id, on_date, at,"
        " action, invoice_id, item_id, ref, body) VALUES ($1, (SELECT COALESCE(MAX(event_id),"
        " 0) + 1 FROM portal_events WHERE org_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " RETURNING event_id",
    [ST_PEVENTS_EACH] =
        "SELECT event_id, customer_id, session_id, on_date, at, action, invoice_id, item_id,"
        " ref, body FROM portal_events WHERE org_id = $1 AND ($2::bigint = 0 OR customer_id = $2)"
        " ORDER BY event_id",
    [ST_PFEEDBACK_INSERT] =
        "INSERT INTO portal_feedback (org_id, feedback_id, customer_id, session_id, rating,"
        " comment, created_at) VALUES ($1, (SELECT COALESCE(MAX(feedback_id), 0) + 1 FROM"
        " portal_feedback WHERE org_id = $1), $2, $3, $4, $5, $6) RETURNING feedback_id",
    [ST_PFEEDBACK_EACH] =
        "SELECT feedback_id, customer_id, session_id, rating, comment, created_at"
        " FROM portal_feedback WHERE org_id = $1 AND ($2::bigint = 0 OR customer_id = $2)"
        " ORDER BY feedback_id DESC",
    [ST_TRY_LOCK] = "SELECT pg_try_advisory_lock($1::bigint)",
    [ST_UNLOCK] = "SELECT pg_advisory_unlock($1::bigint)",
};

static const enum stmt_id max_id_stmt[OWED_ID_KINDS] = {
    [OWED_ID_CUSTOMER] = ST_CUSTOMER_MAX_ID,
    [OWED_ID_INVOICE] = ST_INVOICE_MAX_ID,
    [OWED_ID_PAYMENT] = ST_PAYMENT_MAX_ID,
    [OWED_ID_ALLOCATION] = ST_ALLOCATION_MAX_ID,
    [OWED_ID_ENTRY] = ST_ENTRY_MAX_ID,
    [OWED_ID_OUTFLOW] = ST_OUTFLOW_MAX_ID,
    [OWED_ID_STATEMENT] = ST_STMT_MAX_ID,
    [OWED_ID_BANK_ENTRY] = ST_BENTRY_MAX_ID,
};

enum { COPY_FLUSH_ROWS = 8192, MAX_PARAMS = 16 };

/* Tables written through COPY, in the order they are flushed. Bank statements (one per
 * file), payer accounts, CSV mappings, settings and the collections tables (items,
 * policies, profiles, runs, firings, outbox) are written at once instead: they are few,
 * and upserts (ON CONFLICT) and RETURNING do not go through COPY. */
enum copy_table {
    CP_CUSTOMERS,
    CP_INVOICES,
    CP_PAYMENTS,
    CP_ALLOCATIONS,
    CP_JOURNAL,
    CP_OUTFLOWS,
    CP_BANK_ENTRIES,
    CP_TABLES
};
static const char *const copy_sql[CP_TABLES] = {
    [CP_CUSTOMERS] = "COPY customers (org_id, customer_id, customer_ref, name, email, currency,"
                     " terms, credit_limit_minor) FROM STDIN",
    [CP_INVOICES] = "COPY invoices (org_id, invoice_id, invoice_number, customer_id, issue_date,"
                    " due_date, currency, amount_minor, po_number, kind, terms) FROM STDIN",
    [CP_PAYMENTS] = "COPY payments (org_id, payment_id, payment_ref, customer_id, received_date,"
                    " amount_minor, currency, method, reference, invoice_number, kind, channel,"
                    " payer_name, payer_account) FROM STDIN",
    [CP_ALLOCATIONS] = "COPY allocations (org_id, allocation_id, payment_id, invoice_id,"
                       " alloc_date, amount_minor, reverses) FROM STDIN",
    [CP_JOURNAL] = "COPY journal_lines (org_id, entry_id, line_no, kind, source_id, customer_id,"
                   " currency, posted_date, account, amount_minor) FROM STDIN",
    [CP_OUTFLOWS] = "COPY outflows (org_id, outflow_id, payment_id, kind, out_date, amount_minor,"
                    " reason) FROM STDIN",
    [CP_BANK_ENTRIES] =
        "COPY bank_entries (org_id, entry_id, statement_id, entry_key, booking_date, value_date,"
        " amount_minor, currency, credit, entry_ref, end_to_end, remittance, counterparty_name,"
        " counterparty_account, bank_code, status, customer_id, payment_id, score, suggestions)"
        " FROM STDIN",
};

/* Unique keys already taken, per kind, loaded at the first insert of a transaction. A
 * second column, where there is one, is the row's id (kept as the key's value), so that a
 * duplicate bank entry is answered with the id of the one recorded. */
enum key_kind { KEY_CUSTOMER, KEY_INVOICE, KEY_PAYMENT, KEY_BANK_ENTRY, KEY_KINDS };
static const char *const key_sql[KEY_KINDS] = {
    [KEY_CUSTOMER] = "SELECT customer_ref FROM customers WHERE org_id = $1",
    [KEY_INVOICE] = "SELECT invoice_number FROM invoices WHERE org_id = $1",
    [KEY_PAYMENT] = "SELECT payment_ref FROM payments WHERE org_id = $1",
    [KEY_BANK_ENTRY] = "SELECT entry_key, entry_id FROM bank_entries WHERE org_id = $1",
};
/* One key, by its unique index: the first KEYS_LOAD_AFTER claims of a transaction ask this
 * way, so that a transaction that adds one record (an API call) does not read every key of
 * the organization; an import past that many loads them all once. */
enum { KEYS_LOAD_AFTER = 64 };
static const char *const key_one_sql[KEY_KINDS] = {
    [KEY_CUSTOMER] = "SELECT 1 FROM customers WHERE org_id = $1 AND customer_ref = $2",
    [KEY_INVOICE] = "SELECT 1 FROM invoices WHERE org_id = $1 AND invoice_number = $2",
    [KEY_PAYMENT] = "SELECT 1 FROM payments WHERE org_id = $1 AND payment_ref = $2",
    [KEY_BANK_ENTRY] = "SELECT entry_id FROM bank_entries WHERE org_id = $1 AND entry_key = $2",
};

/* A payments import looks up an invoice for every row: one round trip each. After
 * INVOICE_CACHE_AFTER lookups in one write transaction the store loads the organization's
 * invoices once (under its lock nobody else can change them) and answers from memory,
 * keeping the copy current with this transaction's own invoices and allocations. */
enum { INVOICE_CACHE_AFTER = 2000 }; /* OWED_PG_INVOICE_CACHE_AFTER overrides it */

struct cached_invoice {
    int64_t id, customer_id, amount_minor, allocated_minor;
    owed_date issue_date, due_date;
    char currency[4];
    int kind;
    size_t number_off, po_off, terms_off; /* into invoice_cache.text */
};

struct invoice_cache {
    bool loaded;
    long lookups;
    struct owed_strmap by_number; /* -> index into rows */
    struct owed_strmap by_id;     /* 8-byte id -> index into rows */
    struct cached_invoice *rows;
    size_t n, cap;
    struct owed_buf text;
};

/* A scan in progress. Its rows come from the connection (live) until a query made from one
 * of its callbacks parks the rest of them in memory; they are then read from there. */
struct scan_state {
    bool live;
    PGresult **parked;
    size_t n, next, cap;
};

struct pg_store {
    struct owed_store base;
    PGconn *conn;
    char *url;    /* as given, for peers */
    char *shown;  /* the URL without its password, for messages */
    bool prepared[ST_COUNT];
    bool in_tx;
    struct owed__ids ids;
    int64_t locked_org;
    struct owed_buf copy[CP_TABLES]; /* rows in COPY text format, not yet sent */
    size_t copy_rows[CP_TABLES];
    struct owed_strmap keys[KEY_KINDS]; /* loaded, or claimed by this transaction */
    bool keys_loaded[KEY_KINDS];
    int key_claims[KEY_KINDS]; /* claims asked one by one in this transaction */
    /* Allocations still in the buffer, summed by invoice id and by payment id; outflows
     * (refunds, reversals) still in the buffer, summed by payment id. */
    struct owed_strmap pending_by_invoice, pending_by_payment, pending_out_by_payment;
    struct invoice_cache inv;
    long cache_after;
    struct scan_state *streaming; /* the scan whose rows are coming in, or NULL */
    struct owed_buf idem_body;    /* the body idem_get returned last */
    int64_t *held;                /* keys of the named locks this connection holds */
    size_t nheld, held_cap;
};

static struct pg_store *impl(struct owed_store *s) { return (struct pg_store *)s; }

static int pg_error(struct pg_store *q, struct owed_buf *err, const char *what, const PGresult *r)
{
    if (err) {
        const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(q->conn);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
        owed_buf_addf(err, "%s: %s: %.*s", q->shown, what, (int)n, msg);
    }
    return OWED_E_STORE;
}

/* Frees the connection for another query: called before anything is sent. While a scan
 * streams, libpq takes no other command, so the scan's remaining results are read into
 * memory, in order, for it to go on with. Only a store call nested in a scan callback pays
 * this; a plain scan streams as before. */
static void park_scan(struct pg_store *q)
{
    struct scan_state *st = q->streaming;
    if (!st) return;
    q->streaming = NULL;
    st->live = false;
    PGresult *r = NULL;
    while ((r = PQgetResult(q->conn)) != NULL) {
        OWED_ALLOC_GROW(st->parked, st->n + 1, st->cap);
        st->parked[st->n++] = r;
    }
}

static int ensure_prepared(struct pg_store *q, enum stmt_id id, struct owed_buf *err)
{
    if (q->prepared[id]) return OWED_OK;
    park_scan(q);
    char name[16];
    snprintf(name, sizeof name, "s%d", (int)id);
    PGresult *r = PQprepare(q->conn, name, stmt_sql[id], 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? OWED_OK : pg_error(q, err, "prepare", r);
    PQclear(r);
    if (rc == OWED_OK) q->prepared[id] = true;
    return rc;
}

/* Parameters as text: the simplest faithful encoding for integers and UTF-8 strings. */
struct params {
    const char *v[MAX_PARAMS];
    char num[MAX_PARAMS][24];
    int n;
};

static void p_int(struct params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

static void p_text(struct params *p, const char *s) { p->v[p->n++] = s; }

static void p_null(struct params *p) { p->v[p->n++] = NULL; }

/* A date that may be absent: INT32_MIN in a record, NULL in the database. */
static void p_opt_date(struct params *p, owed_date d)
{
    if (d == INT32_MIN) p_null(p);
    else p_int(p, d);
}

static PGresult *exec_prepared(struct pg_store *q, enum stmt_id id, const struct params *p,
                               struct owed_buf *err)
{
    if (ensure_prepared(q, id, err)) return NULL;
    char name[16];
    snprintf(name, sizeof name, "s%d", (int)id);
    park_scan(q);
    return PQexecPrepared(q->conn, name, p->n, p->v, NULL, NULL, 0);
}

static int exec_simple(struct pg_store *q, const char *sql, struct owed_buf *err)
{
    park_scan(q);
    PGresult *r = PQexec(q->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? OWED_OK : pg_error(q, err, "query", r);
    PQclear(r);
    return rc;
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static owed_date col_opt_date(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? INT32_MIN : (owed_date)col_i64(r, row, col);
}

static void col_text(const PGresult *r, int row, int col, char *dst, size_t cap)
{
    const char *v = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static int query_int(struct pg_store *q, enum stmt_id id, int64_t org, int64_t *out,
                     struct owed_buf *err)
{
    struct params p = {0};
    if (org) p_int(&p, org);
    PGresult *r = exec_prepared(q, id, &p, err);
    if (!r) return OWED_E_STORE;
    int rc = OWED_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) rc = pg_error(q, err, "query", r);
    else *out = col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int max_id(void *ctx, int64_t org, enum owed__id_kind kind, int64_t *max,
                  struct owed_buf *err)
{
    return query_int(ctx, max_id_stmt[kind], org, max, err);
}

/* Takes the organization's write lock for the rest of the transaction. */
static int lock_org(struct pg_store *q, int64_t org, struct owed_buf *err)
{
    if (q->locked_org == org) return OWED_OK;
    struct params p = {0};
    p_int(&p, org);
    PGresult *r = exec_prepared(q, ST_LOCK_ORG, &p, err);
    int rc = r && PQresultStatus(r) == PGRES_TUPLES_OK ? OWED_OK : pg_error(q, err, "lock", r);
    PQclear(r);
    /* Outside a transaction the lock ended with its statement: take it again next time. */
    if (rc == OWED_OK && q->in_tx) q->locked_org = org;
    return rc;
}

static int next_id(struct pg_store *q, int64_t org, enum owed__id_kind kind, int64_t *out,
                   struct owed_buf *err)
{
    /* Ids come from MAX + 1 under the organization's write lock. */
    int rc = lock_org(q, org, err);
    if (rc) return rc;
    return owed__ids_take(&q->ids, org, kind, max_id, q, out, err);
}

static void forget_tx_state(struct pg_store *q)
{
    owed__ids_forget(&q->ids);
    q->locked_org = 0;
    for (int t = 0; t < CP_TABLES; t++) {
        owed_buf_reset(&q->copy[t]);
        q->copy_rows[t] = 0;
    }
    for (int k = 0; k < KEY_KINDS; k++) {
        owed_strmap_clear(&q->keys[k]);
        q->keys_loaded[k] = false;
        q->key_claims[k] = 0;
    }
    owed_strmap_clear(&q->pending_by_invoice);
    owed_strmap_clear(&q->pending_by_payment);
    owed_strmap_clear(&q->pending_out_by_payment);
    owed_strmap_clear(&q->inv.by_number);
    owed_strmap_clear(&q->inv.by_id);
    free(q->inv.rows);
    owed_buf_release(&q->inv.text);
    memset(&q->inv, 0, sizeof q->inv);
}

/* ---- buffered writes through COPY ---- */

static int flush_table(struct pg_store *q, enum copy_table t, struct owed_buf *err)
{
    if (q->copy_rows[t] == 0) return OWED_OK;
    struct owed_buf *b = &q->copy[t];
    int rc = owed_buf_err(b) ? OWED_E_TOO_LARGE : OWED_OK;
    park_scan(q);
    PGresult *r = rc ? NULL : PQexec(q->conn, copy_sql[t]);
    if (!rc && PQresultStatus(r) != PGRES_COPY_IN) rc = pg_error(q, err, "write", r);
    PQclear(r);
    if (!rc && (PQputCopyData(q->conn, b->ptr, (int)b->len) != 1 ||
                PQputCopyEnd(q->conn, NULL) != 1))
        rc = pg_error(q, err, "write", NULL);
    /* Drain every result, even after a failure, so the connection stays usable. */
    while ((r = PQgetResult(q->conn)) != NULL) {
        if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK) rc = pg_error(q, err, "write", r);
        PQclear(r);
    }
    owed_buf_reset(b);
    q->copy_rows[t] = 0;
    if (t == CP_ALLOCATIONS) {
        owed_strmap_clear(&q->pending_by_invoice);
        owed_strmap_clear(&q->pending_by_payment);
    }
    if (t == CP_OUTFLOWS) owed_strmap_clear(&q->pending_out_by_payment);
    return rc;
}

static int flush_all(struct pg_store *q, struct owed_buf *err)
{
    for (int t = 0; t < CP_TABLES; t++) {
        int rc = flush_table(q, (enum copy_table)t, err);
        if (rc) return rc;
    }
    return OWED_OK;
}

/* Ends a buffered row; flushes the table when the buffer is full. */
static int end_row(struct pg_store *q, enum copy_table t, struct owed_buf *err)
{
    owed_buf_addc(&q->copy[t], '\n');
    if (++q->copy_rows[t] >= COPY_FLUSH_ROWS) return flush_table(q, t, err);
    return OWED_OK;
}

/* COPY text format: tab-separated, backslash escapes, \N for NULL. */
static void copy_text(struct owed_buf *b, const char *s, bool last)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': owed_buf_adds(b, "\\\\"); break;
        case '\t': owed_buf_adds(b, "\\t"); break;
        case '\n': owed_buf_adds(b, "\\n"); break;
        case '\r': owed_buf_adds(b, "\\r"); break;
        default: owed_buf_addc(b, *s);
        }
    }
    if (!last) owed_buf_addc(b, '\t');
}

static void copy_int(struct owed_buf *b, int64_t v, bool last)
{
    owed_buf_addf(b, last ? "%lld" : "%lld\t", (long long)v);
}

/* A date that may be absent (INT32_MIN): \N in COPY. */
static void copy_opt_date(struct owed_buf *b, owed_date d, bool last)
{
    if (d != INT32_MIN) {
        copy_int(b, d, last);
        return;
    }
    owed_buf_adds(b, last ? "\\N" : "\\N\t");
}

static void add_pending(struct owed_strmap *m, int64_t id, int64_t amount)
{
    int64_t sum = 0;
    owed_strmap_get(m, (const char *)&id, sizeof id, &sum);
    owed_strmap_put(m, (const char *)&id, sizeof id, sum + amount);
}

static int64_t pending_of(const struct owed_strmap *m, int64_t id)
{
    int64_t sum = 0;
    owed_strmap_get(m, (const char *)&id, sizeof id, &sum);
    return sum;
}

/* Loads the keys of one kind already taken in the organization (under its lock). */
static int load_keys(struct pg_store *q, enum key_kind k, int64_t org, struct owed_buf *err)
{
    if (q->keys_loaded[k]) return OWED_OK;
    char org_text[24];
    snprintf(org_text, sizeof org_text, "%lld", (long long)org);
    const char *v[1] = {org_text};
    park_scan(q);
    if (!PQsendQueryParams(q->conn, key_sql[k], 1, NULL, v, NULL, NULL, 0) ||
        !PQsetSingleRowMode(q->conn))
        return pg_error(q, err, "keys", NULL);
    int rc = OWED_OK;
    PGresult *r = NULL;
    while ((r = PQgetResult(q->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE)
            owed_strmap_put(&q->keys[k], PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0),
                            PQnfields(r) > 1 ? col_i64(r, 0, 1) : 1);
        else if (st != PGRES_TUPLES_OK && !rc)
            rc = pg_error(q, err, "keys", r);
        PQclear(r);
    }
    if (!rc) q->keys_loaded[k] = true;
    return rc;
}

/* Claims a unique key for the new row `id`: OWED_E_EXISTS when it is taken, with the
 * value kept for the key in *taken (the id of its row, for kinds loaded with one). */
static int claim_key_id(struct pg_store *q, enum key_kind k, int64_t org, const char *key,
                        int64_t id, int64_t *taken, struct owed_buf *err)
{
    size_t n = strlen(key);
    int64_t ignored;
    if (!taken) taken = &ignored;
    /* Keys claimed earlier in this transaction may still wait in a COPY buffer, unseen by
     * SELECT: the map holds them. */
    if (owed_strmap_get(&q->keys[k], key, n, taken)) return OWED_E_EXISTS;
    if (!q->keys_loaded[k] && q->key_claims[k] < KEYS_LOAD_AFTER) {
        q->key_claims[k]++;
        char org_text[24];
        snprintf(org_text, sizeof org_text, "%lld", (long long)org);
        const char *v[2] = {org_text, key};
        park_scan(q);
        PGresult *r = PQexecParams(q->conn, key_one_sql[k], 2, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            int rc = pg_error(q, err, "keys", r);
            PQclear(r);
            return rc;
        }
        bool found = PQntuples(r) > 0;
        if (found) *taken = col_i64(r, 0, 0);
        PQclear(r);
        if (found) return OWED_E_EXISTS;
        owed_strmap_put(&q->keys[k], key, n, id);
        return OWED_OK;
    }
    int rc = load_keys(q, k, org, err);
    if (rc) return rc;
    if (owed_strmap_get(&q->keys[k], key, n, taken)) return OWED_E_EXISTS;
    owed_strmap_put(&q->keys[k], key, n, id);
    return OWED_OK;
}

/* Claims a unique key for a new row: OWED_E_EXISTS when it is taken. */
static int claim_key(struct pg_store *q, enum key_kind k, int64_t org, const char *key,
                     struct owed_buf *err)
{
    return claim_key_id(q, k, org, key, 1, NULL, err);
}

/* ---- lifecycle, schema, transactions ---- */

static void pg_close(struct owed_store *s)
{
    struct pg_store *q = impl(s);
    PQfinish(q->conn);
    forget_tx_state(q);
    for (int t = 0; t < CP_TABLES; t++) owed_buf_release(&q->copy[t]);
    owed_buf_release(&q->idem_body);
    free(q->held);
    free(q->url);
    free(q->shown);
    free(q);
}

static int pg_schema_version(struct owed_store *s, int *version, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    park_scan(q);
    PGresult *r = PQexec(q->conn, "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL"
                                  " THEN 0 ELSE 1 END");
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? OWED_OK : pg_error(q, err, "schema", r);
    bool exists = rc == OWED_OK && col_i64(r, 0, 0) == 1;
    PQclear(r);
    if (rc) return rc;
    if (!exists) {
        *version = 0;
        return OWED_OK;
    }
    r = PQexec(q->conn, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    rc = PQresultStatus(r) == PGRES_TUPLES_OK ? OWED_OK : pg_error(q, err, "schema", r);
    if (rc == OWED_OK) *version = (int)col_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

static int pg_migrate(struct owed_store *s, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int rc = exec_simple(q, "BEGIN", err);
    /* One migrator at a time, across processes (an arbitrary fixed lock key). */
    if (!rc) rc = exec_simple(q, "SELECT pg_advisory_xact_lock(7306034)", err);
    if (!rc)
        rc = exec_simple(q,
                         "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY"
                         " KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                         err);
    int version = 0;
    if (!rc) rc = pg_schema_version(s, &version, err);
    for (size_t i = 0; !rc && i < OWED_ARRAY_LEN(postgres_migrations); i++) {
        const struct migration *m = &postgres_migrations[i];
        if (m->version <= version) continue;
        rc = exec_simple(q, (const char *)m->sql, err);
        if (rc) {
            if (err) owed_buf_addf(err, " (migration %s)", m->name);
            break;
        }
        char vbuf[16];
        snprintf(vbuf, sizeof vbuf, "%d", m->version);
        const char *vals[2] = {vbuf, m->name};
        PGresult *r = PQexecParams(q->conn,
                                   "INSERT INTO schema_migrations (version, name, applied_at)"
                                   " VALUES ($1, $2, to_char(now() AT TIME ZONE 'UTC',"
                                   " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
                                   2, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) rc = pg_error(q, err, "migrate", r);
        PQclear(r);
    }
    if (!rc)
        rc = exec_simple(q,
                         "INSERT INTO orgs (org_id, name, created_at) SELECT 1, 'Default',"
                         " to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                         " WHERE NOT EXISTS (SELECT 1 FROM orgs)",
                         err);
    if (!rc) rc = exec_simple(q, "COMMIT", err);
    if (rc) exec_simple(q, "ROLLBACK", NULL);
    return rc;
}

static int pg_default_org(struct owed_store *s, int64_t *org_id, struct owed_buf *err)
{
    int rc = query_int(impl(s), ST_DEFAULT_ORG, 0, org_id, err);
    if (rc == OWED_OK && *org_id == 0) {
        if (err) owed_buf_adds(err, "no organization: run `owed init`");
        return OWED_E_NOT_FOUND;
    }
    return rc;
}

static int pg_max_ids(struct owed_store *s, int64_t org, struct owed_store_max_ids *out,
                      struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int rc = flush_all(q, err);
    if (!rc) rc = query_int(q, ST_CUSTOMER_MAX_ID, org, &out->customers, err);
    if (!rc) rc = query_int(q, ST_INVOICE_MAX_ID, org, &out->invoices, err);
    if (!rc) rc = query_int(q, ST_PAYMENT_MAX_ID, org, &out->payments, err);
    if (!rc) rc = query_int(q, ST_ALLOCATION_MAX_ID, org, &out->allocations, err);
    return rc;
}

static int pg_open_peer(struct owed_store *s, struct owed_store **out, struct owed_buf *err)
{
    return owed__postgres_open(impl(s)->url, false, out, err);
}

static int pg_read_begin(struct owed_store *s, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int rc = exec_simple(q, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
    /* The snapshot is taken at the first query. */
    if (!rc) rc = exec_simple(q, "SELECT 1", err);
    if (!rc) q->in_tx = true;
    return rc;
}

static void pg_read_end(struct owed_store *s)
{
    struct pg_store *q = impl(s);
    if (!q->in_tx) return;
    exec_simple(q, "COMMIT", NULL);
    q->in_tx = false;
}

static int pg_high_water(struct owed_store *s, int64_t org, int64_t *out, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    if (flush_table(q, CP_JOURNAL, err)) return OWED_E_STORE;
    return query_int(q, ST_ENTRY_MAX_ID, org, out, err);
}

static int pg_begin(struct owed_store *s, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    forget_tx_state(q);
    int rc = exec_simple(q, "BEGIN", err);
    if (!rc) q->in_tx = true;
    return rc;
}

/* synchronous_commit off: the server answers COMMIT before its WAL is flushed. The
 * commit is still atomic and survives this process dying (the server has it); only a
 * crash of the server itself may lose it. */
static int pg_begin_relaxed(struct owed_store *s, struct owed_buf *err)
{
    int rc = pg_begin(s, err);
    if (!rc) rc = exec_simple(impl(s), "SET LOCAL synchronous_commit = off", err);
    return rc;
}

static int pg_commit(struct owed_store *s, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int rc = flush_all(q, err);
    if (rc) return rc;
    forget_tx_state(q);
    rc = exec_simple(q, "COMMIT", err);
    q->in_tx = false;
    return rc;
}

static void pg_rollback(struct owed_store *s)
{
    struct pg_store *q = impl(s);
    forget_tx_state(q);
    if (q->in_tx) exec_simple(q, "ROLLBACK", NULL);
    q->in_tx = false;
}

/* ---- single-row lookups ---- */

static void read_customer(const PGresult *r, struct owed_customer *c)
{
    memset(c, 0, sizeof *c);
    c->id = col_i64(r, 0, 0);
    col_text(r, 0, 1, c->ref, sizeof c->ref);
    col_text(r, 0, 2, c->name, sizeof c->name);
    col_text(r, 0, 3, c->email, sizeof c->email);
    col_text(r, 0, 4, c->currency, sizeof c->currency);
    col_text(r, 0, 5, c->terms, sizeof c->terms);
    c->has_credit_limit = !PQgetisnull(r, 0, 6);
    c->credit_limit_minor = col_i64(r, 0, 6);
}

static void read_invoice(const PGresult *r, struct owed_invoice *inv, bool text)
{
    inv->id = col_i64(r, 0, 0);
    if (text) {
        col_text(r, 0, 1, inv->number, sizeof inv->number);
        col_text(r, 0, 7, inv->po_number, sizeof inv->po_number);
    } else {
        inv->number[0] = inv->po_number[0] = '\0';
    }
    inv->customer_id = col_i64(r, 0, 2);
    inv->issue_date = (owed_date)col_i64(r, 0, 3);
    inv->due_date = (owed_date)col_i64(r, 0, 4);
    col_text(r, 0, 5, inv->currency, sizeof inv->currency);
    inv->amount_minor = col_i64(r, 0, 6);
    inv->kind = (enum owed_invoice_kind)col_i64(r, 0, 8);
    if (text) col_text(r, 0, 9, inv->terms, sizeof inv->terms);
    else inv->terms[0] = '\0';
    inv->allocated_minor = col_i64(r, 0, 10);
}

static void read_payment(const PGresult *r, struct owed_payment *p, bool text)
{
    p->id = col_i64(r, 0, 0);
    if (text) {
        col_text(r, 0, 1, p->ref, sizeof p->ref);
        col_text(r, 0, 6, p->method, sizeof p->method);
        col_text(r, 0, 7, p->reference, sizeof p->reference);
        col_text(r, 0, 8, p->invoice_number, sizeof p->invoice_number);
        col_text(r, 0, 10, p->channel, sizeof p->channel);
        col_text(r, 0, 11, p->payer_name, sizeof p->payer_name);
        col_text(r, 0, 12, p->payer_account, sizeof p->payer_account);
    } else {
        p->ref[0] = p->method[0] = p->reference[0] = p->invoice_number[0] = '\0';
        p->channel[0] = p->payer_name[0] = p->payer_account[0] = '\0';
    }
    p->customer_id = col_i64(r, 0, 2);
    p->received_date = (owed_date)col_i64(r, 0, 3);
    p->amount_minor = col_i64(r, 0, 4);
    col_text(r, 0, 5, p->currency, sizeof p->currency);
    p->kind = (enum owed_payment_kind)col_i64(r, 0, 9);
    p->allocated_minor = col_i64(r, 0, 13);
    p->outflow_minor = col_i64(r, 0, 14);
}

static void read_allocation(const PGresult *r, struct owed_allocation *a)
{
    a->id = col_i64(r, 0, 0);
    a->payment_id = col_i64(r, 0, 1);
    a->invoice_id = col_i64(r, 0, 2);
    a->date = (owed_date)col_i64(r, 0, 3);
    a->amount_minor = col_i64(r, 0, 4);
    a->reverses = col_i64(r, 0, 5);
}

static void read_outflow(const PGresult *r, struct owed_outflow *o)
{
    o->id = col_i64(r, 0, 0);
    o->payment_id = col_i64(r, 0, 1);
    o->kind = (enum owed_outflow_kind)col_i64(r, 0, 2);
    o->date = (owed_date)col_i64(r, 0, 3);
    o->amount_minor = col_i64(r, 0, 4);
    col_text(r, 0, 5, o->reason, sizeof o->reason);
}

static void read_entry(const PGresult *r, struct owed_entry_rec *e)
{
    e->id = col_i64(r, 0, 0);
    e->statement_id = col_i64(r, 0, 1);
    col_text(r, 0, 2, e->key, sizeof e->key);
    e->booking_date = col_opt_date(r, 0, 3);
    e->value_date = col_opt_date(r, 0, 4);
    e->amount_minor = col_i64(r, 0, 5);
    col_text(r, 0, 6, e->currency, sizeof e->currency);
    e->credit = col_i64(r, 0, 7) != 0;
    col_text(r, 0, 8, e->entry_ref, sizeof e->entry_ref);
    col_text(r, 0, 9, e->end_to_end, sizeof e->end_to_end);
    col_text(r, 0, 10, e->remittance, sizeof e->remittance);
    col_text(r, 0, 11, e->counterparty_name, sizeof e->counterparty_name);
    col_text(r, 0, 12, e->counterparty_account, sizeof e->counterparty_account);
    col_text(r, 0, 13, e->bank_code, sizeof e->bank_code);
    e->status = (enum owed_entry_status)col_i64(r, 0, 14);
    e->customer_id = col_i64(r, 0, 15);
    e->payment_id = col_i64(r, 0, 16);
    e->score = (int)col_i64(r, 0, 17);
    col_text(r, 0, 18, e->suggestions, sizeof e->suggestions);
}

static void read_line(const PGresult *r, struct owed_journal_line *l)
{
    l->entry_id = col_i64(r, 0, 0);
    l->line_no = col_i64(r, 0, 1);
    l->kind = (enum owed_entry_kind)col_i64(r, 0, 2);
    l->source_id = col_i64(r, 0, 3);
    l->customer_id = col_i64(r, 0, 4);
    col_text(r, 0, 5, l->currency, sizeof l->currency);
    l->date = (owed_date)col_i64(r, 0, 6);
    l->account = (enum owed_account)col_i64(r, 0, 7);
    l->amount_minor = col_i64(r, 0, 8);
}

/* Runs a lookup after flushing table t (to see this transaction's own rows; CP_TABLES for
 * none); OWED_E_NOT_FOUND when it finds no row. */
static int get_row(struct pg_store *q, enum stmt_id id, enum copy_table t,
                   const struct params *p, PGresult **out, struct owed_buf *err)
{
    if (t != CP_TABLES && flush_table(q, t, err)) return OWED_E_STORE;
    PGresult *r = exec_prepared(q, id, p, err);
    if (!r) return OWED_E_STORE;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = pg_error(q, err, "lookup", r);
        PQclear(r);
        return rc;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return OWED_E_NOT_FOUND;
    }
    *out = r;
    return OWED_OK;
}

/* Looks up one row by org and a text key. */
static int get_one(struct pg_store *q, enum stmt_id id, enum copy_table t, int64_t org,
                   const char *key, PGresult **out, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, key);
    return get_row(q, id, t, &p, out, err);
}

/* Looks up one row by org and id. */
static int get_by_id(struct pg_store *q, enum stmt_id id, enum copy_table t, int64_t org,
                     int64_t key, PGresult **out, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, key);
    return get_row(q, id, t, &p, out, err);
}

static int pg_customer_get(struct owed_store *s, int64_t org, const char *ref,
                           struct owed_customer *out, struct owed_buf *err)
{
    PGresult *r = NULL;
    int rc = get_one(impl(s), ST_CUSTOMER_GET, CP_CUSTOMERS, org, ref, &r, err);
    if (rc) return rc;
    read_customer(r, out);
    PQclear(r);
    return OWED_OK;
}

static void cache_put(struct invoice_cache *c, const struct owed_invoice *inv)
{
    OWED_ALLOC_GROW(c->rows, c->n + 1, c->cap);
    struct cached_invoice *row = &c->rows[c->n];
    row->id = inv->id;
    row->customer_id = inv->customer_id;
    row->amount_minor = inv->amount_minor;
    row->allocated_minor = inv->allocated_minor;
    row->issue_date = inv->issue_date;
    row->due_date = inv->due_date;
    memcpy(row->currency, inv->currency, 4);
    row->kind = (int)inv->kind;
    row->number_off = c->text.len;
    owed_buf_add(&c->text, inv->number, strlen(inv->number) + 1);
    row->po_off = c->text.len;
    owed_buf_add(&c->text, inv->po_number, strlen(inv->po_number) + 1);
    row->terms_off = c->text.len;
    owed_buf_add(&c->text, inv->terms, strlen(inv->terms) + 1);
    owed_strmap_put(&c->by_number, inv->number, strlen(inv->number), (int64_t)c->n);
    owed_strmap_put(&c->by_id, (const char *)&inv->id, sizeof inv->id, (int64_t)c->n);
    c->n++;
}

static int each_cached(void *ctx, const PGresult *r)
{
    struct owed_invoice inv;
    read_invoice(r, &inv, true);
    cache_put(ctx, &inv);
    return OWED_OK;
}

static int scan(struct pg_store *q, enum stmt_id id, const struct params *p,
                int (*each)(void *ctx, const PGresult *r), void *ctx, struct owed_buf *err);

/* Loads the cache when a write transaction has looked up enough invoices to pay for it. */
static int cache_maybe_load(struct pg_store *q, int64_t org, struct owed_buf *err)
{
    struct invoice_cache *c = &q->inv;
    if (c->loaded || q->locked_org != org || ++c->lookups <= q->cache_after) return OWED_OK;
    owed_buf_init(&c->text, 0);
    struct params p = {0};
    p_int(&p, org);
    int rc = scan(q, ST_INVOICES_FOR_CACHE, &p, each_cached, c, err); /* flushes first */
    if (rc == OWED_OK && owed_buf_err(&c->text)) rc = OWED_E_TOO_LARGE;
    if (rc == OWED_OK) c->loaded = true;
    return rc;
}

static void cache_get(const struct invoice_cache *c, size_t i, struct owed_invoice *out)
{
    const struct cached_invoice *row = &c->rows[i];
    out->id = row->id;
    snprintf(out->number, sizeof out->number, "%s", c->text.ptr + row->number_off);
    out->customer_id = row->customer_id;
    out->issue_date = row->issue_date;
    out->due_date = row->due_date;
    memcpy(out->currency, row->currency, 4);
    out->amount_minor = row->amount_minor;
    snprintf(out->po_number, sizeof out->po_number, "%s", c->text.ptr + row->po_off);
    out->kind = (enum owed_invoice_kind)row->kind;
    snprintf(out->terms, sizeof out->terms, "%s", c->text.ptr + row->terms_off);
    out->allocated_minor = row->allocated_minor;
}

static int pg_invoice_get(struct owed_store *s, int64_t org, const char *number,
                          struct owed_invoice *out, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int rc = cache_maybe_load(q, org, err);
    if (rc) return rc;
    if (q->inv.loaded) {
        int64_t i;
        if (!owed_strmap_get(&q->inv.by_number, number, strlen(number), &i))
            return OWED_E_NOT_FOUND;
        cache_get(&q->inv, (size_t)i, out);
        return OWED_OK;
    }
    PGresult *r = NULL;
    rc = get_one(q, ST_INVOICE_GET, CP_INVOICES, org, number, &r, err);
    if (rc) return rc;
    read_invoice(r, out, true);
    PQclear(r);
    out->allocated_minor += pending_of(&q->pending_by_invoice, out->id);
    return OWED_OK;
}

static int pg_payment_get(struct owed_store *s, int64_t org, const char *ref,
                          struct owed_payment *out, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    PGresult *r = NULL;
    int rc = get_one(q, ST_PAYMENT_GET, CP_PAYMENTS, org, ref, &r, err);
    if (rc) return rc;
    read_payment(r, out, true);
    PQclear(r);
    out->allocated_minor += pending_of(&q->pending_by_payment, out->id);
    out->outflow_minor += pending_of(&q->pending_out_by_payment, out->id);
    return OWED_OK;
}

static int pg_customer_get_id(struct owed_store *s, int64_t org, int64_t id,
                              struct owed_customer *out, struct owed_buf *err)
{
    PGresult *r = NULL;
    int rc = get_by_id(impl(s), ST_CUSTOMER_GET_ID, CP_CUSTOMERS, org, id, &r, err);
    if (rc) return rc;
    read_customer(r, out);
    PQclear(r);
    return OWED_OK;
}

static int pg_invoice_get_id(struct owed_store *s, int64_t org, int64_t id,
                             struct owed_invoice *out, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int rc = cache_maybe_load(q, org, err);
    if (rc) return rc;
    if (q->inv.loaded) {
        int64_t i;
        if (!owed_strmap_get(&q->inv.by_id, (const char *)&id, sizeof id, &i))
            return OWED_E_NOT_FOUND;
        cache_get(&q->inv, (size_t)i, out);
        return OWED_OK;
    }
    PGresult *r = NULL;
    rc = get_by_id(q, ST_INVOICE_GET_ID, CP_INVOICES, org, id, &r, err);
    if (rc) return rc;
    read_invoice(r, out, true);
    PQclear(r);
    out->allocated_minor += pending_of(&q->pending_by_invoice, out->id);
    return OWED_OK;
}

static int pg_payment_get_id(struct owed_store *s, int64_t org, int64_t id,
                             struct owed_payment *out, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    PGresult *r = NULL;
    int rc = get_by_id(q, ST_PAYMENT_GET_ID, CP_PAYMENTS, org, id, &r, err);
    if (rc) return rc;
    read_payment(r, out, true);
    PQclear(r);
    out->allocated_minor += pending_of(&q->pending_by_payment, out->id);
    out->outflow_minor += pending_of(&q->pending_out_by_payment, out->id);
    return OWED_OK;
}

/* ---- inserts ---- */

static int pg_customer_insert(struct owed_store *s, int64_t org, struct owed_customer *c,
                              struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_CUSTOMER, &id, err);
    if (!rc) rc = claim_key(q, KEY_CUSTOMER, org, c->ref, err);
    if (rc == OWED_E_EXISTS) owed__ids_give_back(&q->ids, OWED_ID_CUSTOMER);
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_CUSTOMERS];
    copy_int(b, org, false);
    copy_int(b, id, false);
    copy_text(b, c->ref, false);
    copy_text(b, c->name, false);
    copy_text(b, c->email, false);
    copy_text(b, c->currency, false);
    copy_text(b, c->terms, false);
    if (c->has_credit_limit) copy_int(b, c->credit_limit_minor, true);
    else owed_buf_adds(b, "\\N");
    c->id = id;
    return end_row(q, CP_CUSTOMERS, err);
}

static int pg_invoice_insert(struct owed_store *s, int64_t org, struct owed_invoice *inv,
                             struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_INVOICE, &id, err);
    if (!rc) rc = claim_key(q, KEY_INVOICE, org, inv->number, err);
    if (rc == OWED_E_EXISTS) owed__ids_give_back(&q->ids, OWED_ID_INVOICE);
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_INVOICES];
    copy_int(b, org, false);
    copy_int(b, id, false);
    copy_text(b, inv->number, false);
    copy_int(b, inv->customer_id, false);
    copy_int(b, inv->issue_date, false);
    copy_int(b, inv->due_date, false);
    copy_text(b, inv->currency, false);
    copy_int(b, inv->amount_minor, false);
    copy_text(b, inv->po_number, false);
    enum owed_invoice_kind kind = inv->kind ? inv->kind : OWED_INVOICE_SALE;
    copy_int(b, (int64_t)kind, false);
    copy_text(b, inv->terms, true);
    inv->id = id;
    if (q->inv.loaded) {
        struct owed_invoice copy = *inv;
        copy.kind = kind;
        copy.allocated_minor = 0;
        cache_put(&q->inv, &copy);
    }
    return end_row(q, CP_INVOICES, err);
}

static int pg_payment_insert(struct owed_store *s, int64_t org, struct owed_payment *pay,
                             struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_PAYMENT, &id, err);
    if (!rc) rc = claim_key(q, KEY_PAYMENT, org, pay->ref, err);
    if (rc == OWED_E_EXISTS) owed__ids_give_back(&q->ids, OWED_ID_PAYMENT);
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_PAYMENTS];
    copy_int(b, org, false);
    copy_int(b, id, false);
    copy_text(b, pay->ref, false);
    copy_int(b, pay->customer_id, false);
    copy_int(b, pay->received_date, false);
    copy_int(b, pay->amount_minor, false);
    copy_text(b, pay->currency, false);
    copy_text(b, pay->method, false);
    copy_text(b, pay->reference, false);
    copy_text(b, pay->invoice_number, false);
    copy_int(b, pay->kind ? (int64_t)pay->kind : OWED_PAYMENT_CASH, false);
    copy_text(b, pay->channel, false);
    copy_text(b, pay->payer_name, false);
    copy_text(b, pay->payer_account, true);
    pay->id = id;
    return end_row(q, CP_PAYMENTS, err);
}

static int pg_allocation_insert(struct owed_store *s, int64_t org, struct owed_allocation *a,
                                struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_ALLOCATION, &id, err);
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_ALLOCATIONS];
    copy_int(b, org, false);
    copy_int(b, id, false);
    copy_int(b, a->payment_id, false);
    copy_int(b, a->invoice_id, false);
    copy_int(b, a->date, false);
    copy_int(b, a->amount_minor, false);
    copy_int(b, a->reverses, true);
    a->id = id;
    add_pending(&q->pending_by_invoice, a->invoice_id, a->amount_minor);
    add_pending(&q->pending_by_payment, a->payment_id, a->amount_minor);
    int64_t i;
    if (q->inv.loaded && owed_strmap_get(&q->inv.by_id, (const char *)&a->invoice_id,
                                         sizeof a->invoice_id, &i))
        q->inv.rows[i].allocated_minor += a->amount_minor;
    return end_row(q, CP_ALLOCATIONS, err);
}

static int pg_entry_append(struct owed_store *s, int64_t org, const struct owed_entry *e,
                           int64_t *entry_id, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    OWED_ASSERT(owed_entry_balanced(e));
    OWED_ASSERT(q->in_tx); /* postings happen inside a transaction */
    int64_t id;
    int rc = next_id(q, org, OWED_ID_ENTRY, &id, err);
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_JOURNAL];
    for (size_t i = 0; i < e->nlines; i++) {
        copy_int(b, org, false);
        copy_int(b, id, false);
        copy_int(b, (int64_t)i + 1, false);
        copy_int(b, (int64_t)e->kind, false);
        copy_int(b, e->source_id, false);
        copy_int(b, e->customer_id, false);
        copy_text(b, e->currency, false);
        copy_int(b, e->date, false);
        copy_int(b, (int64_t)e->lines[i].account, false);
        copy_int(b, e->lines[i].amount_minor, true);
        if ((rc = end_row(q, CP_JOURNAL, err))) return rc;
    }
    if (entry_id) *entry_id = id;
    return OWED_OK;
}

static int pg_outflow_insert(struct owed_store *s, int64_t org, struct owed_outflow *o,
                             struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_OUTFLOW, &id, err);
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_OUTFLOWS];
    copy_int(b, org, false);
    copy_int(b, id, false);
    copy_int(b, o->payment_id, false);
    copy_int(b, (int64_t)o->kind, false);
    copy_int(b, o->date, false);
    copy_int(b, o->amount_minor, false);
    copy_text(b, o->reason, true);
    o->id = id;
    add_pending(&q->pending_out_by_payment, o->payment_id, o->amount_minor);
    return end_row(q, CP_OUTFLOWS, err);
}

/* ---- statements that write at once ---- */

/* Runs an INSERT or UPDATE; *changed (optional) is the number of rows it touched. A unique
 * key taken is OWED_E_EXISTS, as on SQLite. */
static int exec_command(struct pg_store *q, enum stmt_id id, const struct params *p,
                        const char *what, long *changed, struct owed_buf *err)
{
    PGresult *r = exec_prepared(q, id, p, err);
    if (!r) return OWED_E_STORE;
    int rc = OWED_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        rc = pg_error(q, err, what, r);
        if (state && strcmp(state, "23505") == 0) rc = OWED_E_EXISTS; /* unique_violation */
    } else if (changed) {
        *changed = strtol(PQcmdTuples(r), NULL, 10);
    }
    PQclear(r);
    return rc;
}

static int pg_org_settings_get(struct owed_store *s, int64_t org, struct owed_org_settings *out,
                               struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    PGresult *r = NULL;
    int rc = get_row(impl(s), ST_ORG_GET, CP_TABLES, &p, &r, err);
    if (rc) return rc;
    col_text(r, 0, 0, out->tolerance, sizeof out->tolerance);
    col_text(r, 0, 1, out->timezone, sizeof out->timezone);
    col_text(r, 0, 2, out->calendar, sizeof out->calendar);
    col_text(r, 0, 3, out->mail_from, sizeof out->mail_from);
    col_text(r, 0, 4, out->smtp_url, sizeof out->smtp_url);
    col_text(r, 0, 5, out->sms_url, sizeof out->sms_url);
    col_text(r, 0, 6, out->pay_url, sizeof out->pay_url);
    col_text(r, 0, 7, out->out_dir, sizeof out->out_dir);
    col_text(r, 0, 8, out->name, sizeof out->name);
    col_text(r, 0, 9, out->gateway_secret, sizeof out->gateway_secret);
    PQclear(r);
    return OWED_OK;
}

static int pg_org_settings_set(struct owed_store *s, int64_t org,
                               const struct owed_org_settings *in, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, in->tolerance);
    p_text(&p, in->timezone);
    p_text(&p, in->calendar);
    p_text(&p, in->mail_from);
    p_text(&p, in->smtp_url);
    p_text(&p, in->sms_url);
    p_text(&p, in->pay_url);
    p_text(&p, in->out_dir);
    p_text(&p, in->name);
    p_text(&p, in->gateway_secret);
    return exec_command(impl(s), ST_ORG_SET, &p, "org settings", NULL, err);
}

/* ---- bank statements ---- */

static int pg_statement_insert(struct owed_store *s, int64_t org, struct owed_stmt_rec *st,
                               struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    /* The key is looked up under the organization's lock: nobody can add it meanwhile. */
    int rc = lock_org(q, org, err);
    PGresult *r = NULL;
    if (!rc) rc = get_one(q, ST_STMT_BY_KEY, CP_TABLES, org, st->key, &r, err);
    if (rc == OWED_OK) {
        st->id = col_i64(r, 0, 0);
        PQclear(r);
        return OWED_E_EXISTS;
    }
    if (rc != OWED_E_NOT_FOUND) return rc;
    int64_t id;
    if ((rc = next_id(q, org, OWED_ID_STATEMENT, &id, err))) return rc;
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, id);
    p_text(&p, st->key);
    p_text(&p, st->format);
    p_text(&p, st->account);
    p_text(&p, st->bank_stmt_id);
    p_text(&p, st->currency);
    p_opt_date(&p, st->date);
    if (st->has_opening) p_int(&p, st->opening_minor);
    else p_null(&p);
    p_opt_date(&p, st->has_opening ? st->opening_date : INT32_MIN);
    if (st->has_closing) p_int(&p, st->closing_minor);
    else p_null(&p);
    p_opt_date(&p, st->has_closing ? st->closing_date : INT32_MIN);
    p_text(&p, st->file_name);
    rc = exec_command(q, ST_STMT_INSERT, &p, "insert statement", NULL, err);
    if (rc == OWED_OK) st->id = id;
    return rc;
}

/* Buffered like invoices: the keys of the organization's entries (with their ids) are
 * loaded once per transaction, so a statement seen before is answered from memory. */
static int pg_entry_insert(struct owed_store *s, int64_t org, struct owed_entry_rec *e,
                           struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t id, taken = 0;
    int rc = next_id(q, org, OWED_ID_BANK_ENTRY, &id, err);
    if (!rc) rc = claim_key_id(q, KEY_BANK_ENTRY, org, e->key, id, &taken, err);
    if (rc == OWED_E_EXISTS) {
        owed__ids_give_back(&q->ids, OWED_ID_BANK_ENTRY);
        e->id = taken;
    }
    if (rc) return rc;
    struct owed_buf *b = &q->copy[CP_BANK_ENTRIES];
    copy_int(b, org, false);
    copy_int(b, id, false);
    copy_int(b, e->statement_id, false);
    copy_text(b, e->key, false);
    copy_opt_date(b, e->booking_date, false);
    copy_opt_date(b, e->value_date, false);
    copy_int(b, e->amount_minor, false);
    copy_text(b, e->currency, false);
    copy_int(b, e->credit ? 1 : 0, false);
    copy_text(b, e->entry_ref, false);
    copy_text(b, e->end_to_end, false);
    copy_text(b, e->remittance, false);
    copy_text(b, e->counterparty_name, false);
    copy_text(b, e->counterparty_account, false);
    copy_text(b, e->bank_code, false);
    copy_int(b, (int64_t)e->status, false);
    copy_int(b, e->customer_id, false);
    copy_int(b, e->payment_id, false);
    copy_int(b, e->score, false);
    copy_text(b, e->suggestions, true);
    e->id = id;
    return end_row(q, CP_BANK_ENTRIES, err);
}

static int pg_entry_get(struct owed_store *s, int64_t org, int64_t id, struct owed_entry_rec *out,
                        struct owed_buf *err)
{
    PGresult *r = NULL;
    int rc = get_by_id(impl(s), ST_BENTRY_GET, CP_BANK_ENTRIES, org, id, &r, err);
    if (rc) return rc;
    read_entry(r, out);
    PQclear(r);
    return OWED_OK;
}

static int pg_entry_update(struct owed_store *s, int64_t org, const struct owed_entry_rec *e,
                           struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    if (flush_table(q, CP_BANK_ENTRIES, err)) return OWED_E_STORE; /* it may be buffered */
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, e->id);
    p_int(&p, (int64_t)e->status);
    p_int(&p, e->customer_id);
    p_int(&p, e->payment_id);
    p_int(&p, e->score);
    p_text(&p, e->suggestions);
    long changed = 0;
    int rc = exec_command(q, ST_BENTRY_UPDATE, &p, "update bank entry", &changed, err);
    if (rc == OWED_OK && changed == 0) return OWED_E_NOT_FOUND;
    return rc;
}

static int pg_payer_learn(struct owed_store *s, int64_t org, const char *key, int64_t customer_id,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, key);
    p_int(&p, customer_id);
    return exec_command(impl(s), ST_PAYER_LEARN, &p, "learn payer", NULL, err);
}

static int pg_csv_map_save(struct owed_store *s, int64_t org, const char *name, const char *json,
                           struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, name);
    p_text(&p, json);
    return exec_command(impl(s), ST_MAP_SAVE, &p, "save mapping", NULL, err);
}

/* ON CONFLICT DO NOTHING: a key seen before changes no row and does not abort the
 * transaction, as a failed INSERT would. */
static int pg_idem_claim(struct owed_store *s, int64_t org, const char *key, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, key);
    long changed = 0;
    int rc = exec_command(impl(s), ST_IDEM_CLAIM, &p, "idempotency key", &changed, err);
    if (rc == OWED_OK && changed == 0) return OWED_E_EXISTS;
    return rc;
}

/* ---- streaming scans ---- */

/* The next result of a scan: parked in memory first, then from the connection. */
static PGresult *scan_next(struct pg_store *q, struct scan_state *st)
{
    if (st->next < st->n) return st->parked[st->next++];
    if (!st->live) return NULL;
    PGresult *r = PQgetResult(q->conn);
    if (!r) {
        st->live = false;
        q->streaming = NULL;
    }
    return r;
}

/* Runs a prepared query in single-row mode and calls each(ctx, row result) per row. The
 * callback may call the store again (see park_scan). */
static int scan(struct pg_store *q, enum stmt_id id, const struct params *p,
                int (*each)(void *ctx, const PGresult *r), void *ctx, struct owed_buf *err)
{
    if (flush_all(q, err) || ensure_prepared(q, id, err)) return OWED_E_STORE;
    char name[16];
    snprintf(name, sizeof name, "s%d", (int)id);
    park_scan(q);
    if (!PQsendQueryPrepared(q->conn, name, p->n, p->v, NULL, NULL, 0) ||
        !PQsetSingleRowMode(q->conn))
        return pg_error(q, err, "query", NULL);
    struct scan_state st = {.live = true};
    q->streaming = &st;
    int rc = OWED_OK;
    PGresult *r = NULL;
    while ((r = scan_next(q, &st)) != NULL) {
        ExecStatusType status = PQresultStatus(r);
        if (rc == OWED_OK) {
            if (status == PGRES_SINGLE_TUPLE) rc = each(ctx, r);
            else if (status != PGRES_TUPLES_OK) rc = pg_error(q, err, "query", r);
        }
        PQclear(r); /* keep draining after a stop, so the connection stays usable */
    }
    OWED_ASSERT(q->streaming != &st);
    free(st.parked);
    return rc;
}

struct scan_ctx {
    void *fn;
    void *ctx;
    bool text;
};

static int each_customer(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_customer cu;
    read_customer(r, &cu);
    return ((owed_customer_fn)c->fn)(c->ctx, &cu);
}

static int each_invoice(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_invoice inv;
    read_invoice(r, &inv, c->text);
    return ((owed_invoice_fn)c->fn)(c->ctx, &inv);
}

static int each_payment(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_payment p;
    read_payment(r, &p, c->text);
    return ((owed_payment_fn)c->fn)(c->ctx, &p);
}

static int each_allocation(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_allocation a;
    read_allocation(r, &a);
    return ((owed_allocation_fn)c->fn)(c->ctx, &a);
}

static int each_line(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_journal_line l;
    read_line(r, &l);
    return ((owed_journal_line_fn)c->fn)(c->ctx, &l);
}

static owed_date filter_date(const struct owed_list_filter *f)
{
    return f && f->on_or_before ? f->on_or_before : INT32_MAX;
}

/* Parameters of a listing: org, date bound, and the customer when filtering by one. */
static void listing_params(struct params *p, int64_t org, const struct owed_list_filter *f)
{
    p_int(p, org);
    p_int(p, filter_date(f));
    if (f && f->customer_id) p_int(p, f->customer_id);
}

static int pg_customers_each(struct owed_store *s, int64_t org, owed_customer_fn fn, void *ctx,
                             struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_CUSTOMERS_EACH, &p, each_customer, &c, err);
}

static int pg_invoices_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_invoice_fn fn, void *ctx, struct owed_buf *err)
{
    bool by_customer = f && f->customer_id;
    bool text = by_customer || (f && f->with_text);
    struct params p = {0};
    listing_params(&p, org, f);
    struct scan_ctx c = {(void *)fn, ctx, text};
    enum stmt_id id = by_customer ? ST_INVOICES_OF_CUSTOMER
                      : text      ? ST_INVOICES_EACH_TEXT
                                  : ST_INVOICES_EACH;
    return scan(impl(s), id, &p, each_invoice, &c, err);
}

static int pg_payments_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_payment_fn fn, void *ctx, struct owed_buf *err)
{
    bool by_customer = f && f->customer_id;
    bool text = by_customer || (f && f->with_text);
    struct params p = {0};
    listing_params(&p, org, f);
    struct scan_ctx c = {(void *)fn, ctx, text};
    enum stmt_id id = by_customer ? ST_PAYMENTS_OF_CUSTOMER
                      : text      ? ST_PAYMENTS_EACH_TEXT
                                  : ST_PAYMENTS_EACH;
    return scan(impl(s), id, &p, each_payment, &c, err);
}

/* Allocations of one payment, else of one invoice, else of one customer's invoices (the
 * first filter given, as sqlite.c). scan() flushes every buffer first, so the
 * transaction's own allocations are listed too. */
static int pg_allocations_each(struct owed_store *s, int64_t org,
                               const struct owed_list_filter *f, owed_allocation_fn fn,
                               void *ctx, struct owed_buf *err)
{
    enum stmt_id id = ST_ALLOCATIONS_EACH;
    int64_t key = 0;
    if (f && f->payment_id) id = ST_ALLOCATIONS_OF_PAYMENT, key = f->payment_id;
    else if (f && f->invoice_id) id = ST_ALLOCATIONS_OF_INVOICE, key = f->invoice_id;
    else if (f && f->customer_id) id = ST_ALLOCATIONS_OF_CUSTOMER, key = f->customer_id;
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, filter_date(f));
    if (key) p_int(&p, key);
    struct scan_ctx c = {(void *)fn, ctx, false};
    return scan(impl(s), id, &p, each_allocation, &c, err);
}

static int each_outflow(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_outflow o;
    read_outflow(r, &o);
    return ((owed_outflow_fn)c->fn)(c->ctx, &o);
}

/* Outflows of one payment, else of one customer's payments. */
static int pg_outflows_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_outflow_fn fn, void *ctx, struct owed_buf *err)
{
    enum stmt_id id = ST_OUTFLOWS_EACH;
    int64_t key = 0;
    if (f && f->payment_id) id = ST_OUTFLOWS_OF_PAYMENT, key = f->payment_id;
    else if (f && f->customer_id) id = ST_OUTFLOWS_OF_CUSTOMER, key = f->customer_id;
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, filter_date(f));
    if (key) p_int(&p, key);
    struct scan_ctx c = {(void *)fn, ctx, false};
    return scan(impl(s), id, &p, each_outflow, &c, err);
}

static int each_entry(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_entry_rec *e = owed_xmalloc(sizeof *e); /* ~6 KiB: not on the stack */
    read_entry(r, e);
    int rc = ((owed_entry_rec_fn)c->fn)(c->ctx, e);
    free(e);
    return rc;
}

static int pg_entries_each(struct owed_store *s, int64_t org, int status, owed_entry_rec_fn fn,
                           void *ctx, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    if (status) p_int(&p, status);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), status ? ST_BENTRIES_BY_STATUS : ST_BENTRIES_EACH, &p, each_entry, &c,
                err);
}

static int each_payer(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    return ((owed_payer_fn)c->fn)(c->ctx, PQgetvalue(r, 0, 0), col_i64(r, 0, 1));
}

static int pg_payers_each(struct owed_store *s, int64_t org, owed_payer_fn fn, void *ctx,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_PAYERS_EACH, &p, each_payer, &c, err);
}

typedef int (*csv_map_fn)(void *ctx, const char *name, const char *json);

static int each_csv_map(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    return ((csv_map_fn)c->fn)(c->ctx, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
}

static int pg_csv_maps_each(struct owed_store *s, int64_t org, csv_map_fn fn, void *ctx,
                            struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_MAPS_EACH, &p, each_csv_map, &c, err);
}

static int pg_journal_lines_each(struct owed_store *s, int64_t org, owed_journal_line_fn fn,
                                 void *ctx, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, false};
    return scan(impl(s), ST_JOURNAL_LINES, &p, each_line, &c, err);
}

/* ---- collections (issue 5) ---- */

/* Collection items, runs and outbox messages take MAX + 1 in their INSERT, so the
 * organization's lock is taken first: a concurrent writer of the same organization waits
 * for this transaction to end, and its INSERT then sees this one's rows. The tables are
 * never buffered (they are not written through COPY), so lookups need no flush; scans
 * flush everything anyway. */

/* Runs an INSERT ... RETURNING id, created_at under the organization's lock. */
static int insert_returning(struct pg_store *q, enum stmt_id id, int64_t org,
                            const struct params *p, int64_t *new_id, char *created,
                            size_t created_cap, const char *what, struct owed_buf *err)
{
    int rc = lock_org(q, org, err);
    if (rc) return rc;
    PGresult *r = exec_prepared(q, id, p, err);
    if (!r) return OWED_E_STORE;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        rc = pg_error(q, err, what, r);
        if (state && strcmp(state, "23505") == 0) rc = OWED_E_EXISTS; /* unique_violation */
    } else {
        *new_id = col_i64(r, 0, 0);
        col_text(r, 0, 1, created, created_cap);
    }
    PQclear(r);
    return rc;
}

static int pg_item_insert(struct owed_store *s, int64_t org, struct owed_item *it,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, (int64_t)it->kind);
    p_int(&p, it->parent_id);
    p_int(&p, it->customer_id);
    p_int(&p, it->invoice_id);
    p_int(&p, (int64_t)it->status);
    p_text(&p, it->code);
    p_int(&p, it->amount_minor);
    p_text(&p, it->currency);
    p_int(&p, it->date1);
    p_int(&p, it->date2);
    p_text(&p, it->body);
    p_int(&p, it->opened_on);
    return insert_returning(impl(s), ST_ITEM_INSERT, org, &p, &it->id, it->created_at,
                            sizeof it->created_at, "collection item", err);
}

static int pg_item_update(struct owed_store *s, int64_t org, const struct owed_item *it,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, it->id);
    p_int(&p, (int64_t)it->status);
    p_text(&p, it->code);
    p_int(&p, it->amount_minor);
    p_text(&p, it->currency);
    p_int(&p, it->date1);
    p_int(&p, it->date2);
    p_text(&p, it->body);
    long changed = 0;
    int rc = exec_command(impl(s), ST_ITEM_UPDATE, &p, "collection item", &changed, err);
    if (rc == OWED_OK && changed == 0) return OWED_E_NOT_FOUND;
    return rc;
}

static void read_item(const PGresult *r, struct owed_item *it)
{
    it->id = col_i64(r, 0, 0);
    it->kind = (enum owed_item_kind)col_i64(r, 0, 1);
    it->parent_id = col_i64(r, 0, 2);
    it->customer_id = col_i64(r, 0, 3);
    it->invoice_id = col_i64(r, 0, 4);
    it->status = (enum owed_item_status)col_i64(r, 0, 5);
    col_text(r, 0, 6, it->code, sizeof it->code);
    it->amount_minor = col_i64(r, 0, 7);
    col_text(r, 0, 8, it->currency, sizeof it->currency);
    it->date1 = (owed_date)col_i64(r, 0, 9);
    it->date2 = (owed_date)col_i64(r, 0, 10);
    col_text(r, 0, 11, it->body, sizeof it->body);
    col_text(r, 0, 12, it->created_at, sizeof it->created_at);
    it->opened_on = (owed_date)col_i64(r, 0, 13);
}

static int pg_item_get(struct owed_store *s, int64_t org, int64_t id, struct owed_item *out,
                       struct owed_buf *err)
{
    PGresult *r = NULL;
    int rc = get_by_id(impl(s), ST_ITEM_GET, CP_TABLES, org, id, &r, err);
    if (rc) return rc;
    read_item(r, out);
    PQclear(r);
    return OWED_OK;
}

static int each_item(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_item it;
    read_item(r, &it);
    return ((owed_item_fn)c->fn)(c->ctx, &it);
}

static int pg_items_each(struct owed_store *s, int64_t org, const struct owed_item_filter *f,
                         owed_item_fn fn, void *ctx, struct owed_buf *err)
{
    struct owed_item_filter none = {0};
    if (!f) f = &none;
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, (int64_t)f->kind);
    p_int(&p, f->customer_id);
    p_int(&p, f->invoice_id);
    p_int(&p, f->parent_id);
    p_int(&p, f->live_only ? 1 : 0);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_ITEMS_EACH, &p, each_item, &c, err);
}

/* fn(ctx, column 0, column 1) for each row of a two-text-column listing by org. */
static int each_pair(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    return ((owed_pair_fn)c->fn)(c->ctx, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
}

static int scan_pairs(struct pg_store *q, enum stmt_id id, int64_t org, owed_pair_fn fn,
                      void *ctx, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(q, id, &p, each_pair, &c, err);
}

static int pg_policy_save(struct owed_store *s, int64_t org, const char *name, const char *json,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, name);
    p_text(&p, json);
    return exec_command(impl(s), ST_POLICY_SAVE, &p, "policy", NULL, err);
}

static int pg_policies_each(struct owed_store *s, int64_t org, owed_pair_fn fn, void *ctx,
                            struct owed_buf *err)
{
    return scan_pairs(impl(s), ST_POLICIES_EACH, org, fn, ctx, err);
}

/* policy NULL deletes the target. */
static int pg_policy_target_set(struct owed_store *s, int64_t org, const char *target,
                                const char *policy, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, target);
    if (policy) p_text(&p, policy);
    return exec_command(impl(s), policy ? ST_TARGET_SET : ST_TARGET_DELETE, &p, "policy target",
                        NULL, err);
}

static int pg_policy_targets_each(struct owed_store *s, int64_t org, owed_pair_fn fn, void *ctx,
                                  struct owed_buf *err)
{
    return scan_pairs(impl(s), ST_TARGETS_EACH, org, fn, ctx, err);
}

static int pg_profile_set(struct owed_store *s, int64_t org, const struct owed_profile *pr,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, pr->customer_id);
    p_text(&p, pr->segment);
    p_text(&p, pr->lang);
    p_text(&p, pr->phone);
    p_text(&p, pr->address);
    return exec_command(impl(s), ST_PROFILE_SET, &p, "customer profile", NULL, err);
}

static int each_profile(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_profile pr;
    pr.customer_id = col_i64(r, 0, 0);
    col_text(r, 0, 1, pr.segment, sizeof pr.segment);
    col_text(r, 0, 2, pr.lang, sizeof pr.lang);
    col_text(r, 0, 3, pr.phone, sizeof pr.phone);
    col_text(r, 0, 4, pr.address, sizeof pr.address);
    return ((owed_profile_fn)c->fn)(c->ctx, &pr);
}

static int pg_profiles_each(struct owed_store *s, int64_t org, owed_profile_fn fn, void *ctx,
                            struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_PROFILES_EACH, &p, each_profile, &c, err);
}

static int pg_run_insert(struct owed_store *s, int64_t org, struct owed_run_rec *run,
                         struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, run->as_of);
    p_int(&p, run->messages);
    p_int(&p, run->firings);
    return insert_returning(impl(s), ST_RUN_INSERT, org, &p, &run->id, run->created_at,
                            sizeof run->created_at, "dunning run", err);
}

/* ON CONFLICT DO NOTHING: a step that fired before changes no row (OWED_E_EXISTS) and the
 * transaction goes on, as on SQLite. */
static int pg_firing_insert(struct owed_store *s, int64_t org, const struct owed_firing *f,
                            struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, f->invoice_id);
    p_text(&p, f->step);
    p_int(&p, f->severity);
    p_int(&p, f->run_id);
    p_int(&p, f->message_id);
    p_int(&p, f->fired_on);
    long changed = 0;
    int rc = exec_command(impl(s), ST_FIRING_INSERT, &p, "firing", &changed, err);
    if (rc == OWED_OK && changed == 0) return OWED_E_EXISTS;
    return rc;
}

static int each_firing(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_firing f;
    f.invoice_id = col_i64(r, 0, 0);
    col_text(r, 0, 1, f.step, sizeof f.step);
    f.severity = (int)col_i64(r, 0, 2);
    f.run_id = col_i64(r, 0, 3);
    f.message_id = col_i64(r, 0, 4);
    f.fired_on = (owed_date)col_i64(r, 0, 5);
    return ((owed_firing_fn)c->fn)(c->ctx, &f);
}

static int pg_firings_each(struct owed_store *s, int64_t org, owed_firing_fn fn, void *ctx,
                           struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_FIRINGS_EACH, &p, each_firing, &c, err);
}

static int pg_outbox_insert(struct owed_store *s, int64_t org, struct owed_outbox_msg *m,
                            struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, m->run_id);
    p_int(&p, m->customer_id);
    p_int(&p, m->channel);
    p_text(&p, m->step);
    p_text(&p, m->recipient ? m->recipient : "");
    p_text(&p, m->subject ? m->subject : "");
    p_text(&p, m->body ? m->body : "");
    p_int(&p, (int64_t)m->status);
    p_int(&p, m->attempts);
    p_int(&p, m->next_attempt);
    p_text(&p, m->last_error);
    return insert_returning(impl(s), ST_OUTBOX_INSERT, org, &p, &m->id, m->created_at,
                            sizeof m->created_at, "outbox message", err);
}

static int pg_outbox_update(struct owed_store *s, int64_t org, const struct owed_outbox_msg *m,
                            struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, m->id);
    p_int(&p, (int64_t)m->status);
    p_int(&p, m->attempts);
    p_int(&p, m->next_attempt);
    p_text(&p, m->last_error);
    p_text(&p, m->sent_at);
    long changed = 0;
    int rc = exec_command(impl(s), ST_OUTBOX_UPDATE, &p, "outbox message", &changed, err);
    if (rc == OWED_OK && changed == 0) return OWED_E_NOT_FOUND;
    return rc;
}

/* recipient, subject and body point into the row's result: valid during the callback. */
static int each_outbox(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_outbox_msg m;
    memset(&m, 0, sizeof m);
    m.id = col_i64(r, 0, 0);
    m.run_id = col_i64(r, 0, 1);
    m.customer_id = col_i64(r, 0, 2);
    m.channel = (int)col_i64(r, 0, 3);
    col_text(r, 0, 4, m.step, sizeof m.step);
    m.recipient = PQgetvalue(r, 0, 5);
    m.subject = PQgetvalue(r, 0, 6);
    m.body = PQgetvalue(r, 0, 7);
    m.status = (enum owed_msg_status)col_i64(r, 0, 8);
    m.attempts = (int)col_i64(r, 0, 9);
    m.next_attempt = col_i64(r, 0, 10);
    col_text(r, 0, 11, m.last_error, sizeof m.last_error);
    col_text(r, 0, 12, m.created_at, sizeof m.created_at);
    col_text(r, 0, 13, m.sent_at, sizeof m.sent_at);
    return ((owed_outbox_fn)c->fn)(c->ctx, &m);
}

static int pg_outbox_each(struct owed_store *s, int64_t org, const struct owed_outbox_filter *f,
                          owed_outbox_fn fn, void *ctx, struct owed_buf *err)
{
    struct owed_outbox_filter none = {0};
    if (!f) f = &none;
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, (int64_t)f->status);
    p_int(&p, f->due_by);
    p_int(&p, f->run_id);
    p_int(&p, f->customer_id);
    p_int(&p, f->id);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_OUTBOX_EACH, &p, each_outbox, &c, err);
}

/* ---- platform (issue 6): organizations, users, credentials, audit, API ---- */

/* Takes transaction-scoped advisory lock `key` (no caching: see lock_org for that). */
static int take_lock(struct pg_store *q, int64_t key, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, key);
    PGresult *r = exec_prepared(q, ST_LOCK_ORG, &p, err);
    int rc = r && PQresultStatus(r) == PGRES_TUPLES_OK ? OWED_OK : pg_error(q, err, "lock", r);
    PQclear(r);
    return rc;
}

/* Runs an INSERT ... [ON CONFLICT DO NOTHING] RETURNING id[, time] under the lock of `org`
 * (0: the organizations table itself; org ids start at 1). No row back means a unique key
 * was taken: OWED_E_EXISTS. Outside a transaction the INSERT gets one of its own: a
 * transaction-scoped lock taken outside one would end before the INSERT reads MAX, and
 * two servers writing the audit trail at once would then pick the same id. */
static int locked_insert(struct pg_store *q, int64_t org, enum stmt_id id,
                         const struct params *p, int64_t *new_id, char *created,
                         size_t created_cap, const char *what, struct owed_buf *err)
{
    bool own = !q->in_tx;
    int rc = own ? exec_simple(q, "BEGIN", err) : OWED_OK;
    if (!rc) rc = own || org == 0 ? take_lock(q, org, err) : lock_org(q, org, err);
    PGresult *r = rc ? NULL : exec_prepared(q, id, p, err);
    if (!rc && !r) rc = OWED_E_STORE;
    if (!rc && PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = pg_error(q, err, what, r);
    } else if (!rc && PQntuples(r) == 0) {
        if (err) owed_buf_addf(err, "%s: already recorded", what);
        rc = OWED_E_EXISTS;
    } else if (!rc) {
        *new_id = col_i64(r, 0, 0);
        if (created) col_text(r, 0, 1, created, created_cap);
    }
    PQclear(r);
    if (own) {
        if (rc == OWED_OK) rc = exec_simple(q, "COMMIT", err);
        else exec_simple(q, "ROLLBACK", NULL);
    }
    return rc;
}

static int pg_org_create(struct owed_store *s, const char *name, int64_t *org_id,
                         struct owed_buf *err)
{
    struct params p = {0};
    p_text(&p, name);
    return locked_insert(impl(s), 0, ST_ORG_CREATE, &p, org_id, NULL, 0, "organization", err);
}

static int pg_orgs_each(struct owed_store *s, owed_pair_fn fn, void *ctx, struct owed_buf *err)
{
    struct params p = {0};
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_ORGS_EACH, &p, each_pair, &c, err);
}

/* Runs an UPDATE or DELETE of one row: OWED_E_NOT_FOUND when it touched none. */
static int change_one(struct pg_store *q, enum stmt_id id, const struct params *p,
                      const char *what, struct owed_buf *err)
{
    long changed = 0;
    int rc = exec_command(q, id, p, what, &changed, err);
    if (rc == OWED_OK && changed == 0) return OWED_E_NOT_FOUND;
    return rc;
}

static int pg_user_insert(struct owed_store *s, int64_t org, struct owed_user *u,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, u->email);
    p_text(&p, u->name);
    p_int(&p, (int64_t)u->role);
    p_text(&p, u->pw_hash);
    p_int(&p, u->disabled ? 1 : 0);
    int rc = locked_insert(impl(s), org, ST_USER_INSERT, &p, &u->id, u->created_at,
                           sizeof u->created_at, "user", err);
    if (rc == OWED_OK) u->org_id = org;
    return rc;
}

static int pg_user_update(struct owed_store *s, int64_t org, const struct owed_user *u,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, u->id);
    p_text(&p, u->name);
    p_int(&p, (int64_t)u->role);
    p_text(&p, u->pw_hash);
    p_int(&p, u->disabled ? 1 : 0);
    return change_one(impl(s), ST_USER_UPDATE, &p, "user", err);
}

static void read_user(const PGresult *r, struct owed_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = col_i64(r, 0, 0);
    u->org_id = col_i64(r, 0, 1);
    col_text(r, 0, 2, u->email, sizeof u->email);
    col_text(r, 0, 3, u->name, sizeof u->name);
    u->role = (enum owed_role)col_i64(r, 0, 4);
    col_text(r, 0, 5, u->pw_hash, sizeof u->pw_hash);
    u->disabled = col_i64(r, 0, 6) != 0;
    col_text(r, 0, 7, u->created_at, sizeof u->created_at);
}

static int pg_user_get(struct owed_store *s, int64_t org, int64_t id, struct owed_user *out,
                       struct owed_buf *err)
{
    PGresult *r = NULL;
    int rc = get_by_id(impl(s), ST_USER_GET, CP_TABLES, org, id, &r, err);
    if (rc) return rc;
    read_user(r, out);
    PQclear(r);
    return OWED_OK;
}

static int pg_user_find_email(struct owed_store *s, const char *email, struct owed_user *out,
                              struct owed_buf *err)
{
    struct params p = {0};
    p_text(&p, email);
    PGresult *r = NULL;
    int rc = get_row(impl(s), ST_USER_BY_EMAIL, CP_TABLES, &p, &r, err);
    if (rc) return rc;
    read_user(r, out);
    PQclear(r);
    return OWED_OK;
}

static int each_user(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_user u;
    read_user(r, &u);
    return ((owed_user_fn)c->fn)(c->ctx, &u);
}

static int pg_users_each(struct owed_store *s, int64_t org, owed_user_fn fn, void *ctx,
                         struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_USERS_EACH, &p, each_user, &c, err);
}

static int pg_cred_insert(struct owed_store *s, int64_t org, struct owed_cred *cr,
                          struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, cr->user_id);
    p_int(&p, (int64_t)cr->kind);
    p_int(&p, (int64_t)cr->role);
    p_text(&p, cr->hash);
    p_text(&p, cr->label);
    p_text(&p, cr->csrf);
    p_int(&p, cr->expires_at);
    p_int(&p, cr->revoked ? 1 : 0);
    int rc = locked_insert(impl(s), org, ST_CRED_INSERT, &p, &cr->id, cr->created_at,
                           sizeof cr->created_at, "credential", err);
    if (rc == OWED_OK) cr->org_id = org;
    return rc;
}

static void read_cred(const PGresult *r, struct owed_cred *cr)
{
    memset(cr, 0, sizeof *cr);
    cr->id = col_i64(r, 0, 0);
    cr->org_id = col_i64(r, 0, 1);
    cr->user_id = col_i64(r, 0, 2);
    cr->kind = (enum owed_cred_kind)col_i64(r, 0, 3);
    cr->role = (enum owed_role)col_i64(r, 0, 4);
    col_text(r, 0, 5, cr->hash, sizeof cr->hash);
    col_text(r, 0, 6, cr->label, sizeof cr->label);
    col_text(r, 0, 7, cr->csrf, sizeof cr->csrf);
    cr->expires_at = col_i64(r, 0, 8);
    cr->revoked = col_i64(r, 0, 9) != 0;
    col_text(r, 0, 10, cr->created_at, sizeof cr->created_at);
}

static int pg_cred_find(struct owed_store *s, const char *hash, struct owed_cred *out,
                        struct owed_buf *err)
{
    struct params p = {0};
    p_text(&p, hash);
    PGresult *r = NULL;
    int rc = get_row(impl(s), ST_CRED_FIND, CP_TABLES, &p, &r, err);
    if (rc) return rc;
    read_cred(r, out);
    PQclear(r);
    return OWED_OK;
}

static int pg_cred_revoke(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, id);
    return change_one(impl(s), ST_CRED_REVOKE, &p, "credential", err);
}

static int each_cred(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_cred cr;
    read_cred(r, &cr);
    return ((owed_cred_fn)c->fn)(c->ctx, &cr);
}

static int pg_creds_each(struct owed_store *s, int64_t org, int64_t user_id, int kind,
                         owed_cred_fn fn, void *ctx, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, user_id);
    p_int(&p, kind);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_CREDS_EACH, &p, each_cred, &c, err);
}

static int pg_audit_insert(struct owed_store *s, int64_t org, struct owed_audit_rec *a,
                           struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, a->actor);
    p_text(&p, a->action);
    p_text(&p, a->resource);
    p_int(&p, a->status);
    p_text(&p, a->before ? a->before : "");
    p_text(&p, a->after ? a->after : "");
    return locked_insert(impl(s), org, ST_AUDIT_INSERT, &p, &a->id, a->at, sizeof a->at,
                         "audit", err);
}

/* before and after point into the row's result: valid during the callback. */
static int each_audit(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_audit_rec a;
    memset(&a, 0, sizeof a);
    a.id = col_i64(r, 0, 0);
    col_text(r, 0, 1, a.at, sizeof a.at);
    col_text(r, 0, 2, a.actor, sizeof a.actor);
    col_text(r, 0, 3, a.action, sizeof a.action);
    col_text(r, 0, 4, a.resource, sizeof a.resource);
    a.status = (int)col_i64(r, 0, 5);
    a.before = PQgetvalue(r, 0, 6);
    a.after = PQgetvalue(r, 0, 7);
    return ((owed_audit_fn)c->fn)(c->ctx, &a);
}

static int pg_audit_each(struct owed_store *s, int64_t org, int64_t before_id, int limit,
                         owed_audit_fn fn, void *ctx, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, before_id > 0 ? before_id : INT64_MAX);
    if (limit > 0) p_int(&p, limit);
    else p_null(&p); /* LIMIT NULL: all */
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_AUDIT_EACH, &p, each_audit, &c, err);
}

/* A body as a bytea literal in text form ("\x" and hex), NULs and all. */
static void hex_body(struct owed_buf *b, const struct owed_idem_rec *r)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = r->body ? r->body_len : 0;
    owed_buf_adds(b, "\\x");
    owed__buf_reserve(b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)r->body[i];
        char two[2] = {digits[c >> 4], digits[c & 15]};
        owed_buf_add(b, two, 2);
    }
}

static int pg_idem_insert(struct owed_store *s, int64_t org, const struct owed_idem_rec *rec,
                          struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(0);
    hex_body(&body, rec);
    if (owed_buf_err(&body)) {
        owed_buf_release(&body);
        if (err) owed_buf_adds(err, "stored response: body too large");
        return OWED_E_TOO_LARGE;
    }
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, rec->key);
    p_text(&p, rec->method);
    p_text(&p, rec->path);
    p_text(&p, rec->req_hash);
    p_int(&p, (int64_t)rec->state);
    p_int(&p, rec->status);
    p_text(&p, rec->content_type);
    p_text(&p, body.ptr);
    p_int(&p, rec->updated_at);
    long changed = 0;
    int rc = exec_command(impl(s), ST_IDEM_INSERT, &p, "stored response", &changed, err);
    owed_buf_release(&body);
    if (rc == OWED_OK && changed == 0) return OWED_E_EXISTS;
    return rc;
}

/* out->body points into the store: valid until the next idem_get or close. */
static int pg_idem_get(struct owed_store *s, int64_t org, const char *key,
                       struct owed_idem_rec *out, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    PGresult *r = NULL;
    int rc = get_one(q, ST_IDEM_GET, CP_TABLES, org, key, &r, err);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    col_text(r, 0, 0, out->key, sizeof out->key);
    col_text(r, 0, 1, out->method, sizeof out->method);
    col_text(r, 0, 2, out->path, sizeof out->path);
    col_text(r, 0, 3, out->req_hash, sizeof out->req_hash);
    out->state = (enum owed_idem_state)col_i64(r, 0, 4);
    out->status = (int)col_i64(r, 0, 5);
    col_text(r, 0, 6, out->content_type, sizeof out->content_type);
    out->updated_at = col_i64(r, 0, 8);
    size_t n = 0;
    unsigned char *body = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 7), &n);
    PQclear(r);
    owed_buf_reset(&q->idem_body);
    if (!body) {
        if (err) owed_buf_adds(err, "stored response: cannot decode the body");
        rc = OWED_E_STORE;
    } else {
        owed_buf_add(&q->idem_body, body, n);
        PQfreemem(body);
        if (owed_buf_err(&q->idem_body)) {
            if (err) owed_buf_adds(err, "stored response: body too large");
            rc = OWED_E_TOO_LARGE;
        }
    }
    out->body = q->idem_body.ptr;
    out->body_len = q->idem_body.len;
    return rc;
}

static int pg_idem_update(struct owed_store *s, int64_t org, const struct owed_idem_rec *rec,
                          struct owed_buf *err)
{
    struct owed_buf body = OWED_BUF_INIT(0);
    hex_body(&body, rec);
    if (owed_buf_err(&body)) {
        owed_buf_release(&body);
        if (err) owed_buf_adds(err, "stored response: body too large");
        return OWED_E_TOO_LARGE;
    }
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, rec->key);
    p_int(&p, (int64_t)rec->state);
    p_int(&p, rec->status);
    p_text(&p, rec->content_type);
    p_text(&p, body.ptr);
    p_int(&p, rec->updated_at);
    int rc = change_one(impl(s), ST_IDEM_UPDATE, &p, "stored response", err);
    owed_buf_release(&body);
    return rc;
}

static int pg_webhook_insert(struct owed_store *s, int64_t org, struct owed_webhook *w,
                             struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_text(&p, w->url);
    p_text(&p, w->secret);
    p_text(&p, w->events);
    p_int(&p, w->active ? 1 : 0);
    return locked_insert(impl(s), org, ST_WEBHOOK_INSERT, &p, &w->id, w->created_at,
                         sizeof w->created_at, "webhook", err);
}

static int pg_webhook_update(struct owed_store *s, int64_t org, const struct owed_webhook *w,
                             struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, w->id);
    p_text(&p, w->url);
    p_text(&p, w->secret);
    p_text(&p, w->events);
    p_int(&p, w->active ? 1 : 0);
    return change_one(impl(s), ST_WEBHOOK_UPDATE, &p, "webhook", err);
}

static int pg_webhook_delete(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    p_int(&p, id);
    return change_one(impl(s), ST_WEBHOOK_DELETE, &p, "webhook", err);
}

static void read_webhook(const PGresult *r, struct owed_webhook *w)
{
    memset(w, 0, sizeof *w);
    w->id = col_i64(r, 0, 0);
    col_text(r, 0, 1, w->url, sizeof w->url);
    col_text(r, 0, 2, w->secret, sizeof w->secret);
    col_text(r, 0, 3, w->events, sizeof w->events);
    w->active = col_i64(r, 0, 4) != 0;
    col_text(r, 0, 5, w->created_at, sizeof w->created_at);
}

static int pg_webhook_get(struct owed_store *s, int64_t org, int64_t id, struct owed_webhook *out,
                          struct owed_buf *err)
{
    PGresult *r = NULL;
    int rc = get_by_id(impl(s), ST_WEBHOOK_GET, CP_TABLES, org, id, &r, err);
    if (rc) return rc;
    read_webhook(r, out);
    PQclear(r);
    return OWED_OK;
}

static int each_webhook(void *ctx, const PGresult *r)
{
    struct scan_ctx *c = ctx;
    struct owed_webhook w;
    read_webhook(r, &w);
    return ((owed_webhook_fn)c->fn)(c->ctx, &w);
}

static int pg_webhooks_each(struct owed_store *s, int64_t org, owed_webhook_fn fn, void *ctx,
                            struct owed_buf *err)
{
    struct params p = {0};
    p_int(&p, org);
    struct scan_ctx c = {(void *)fn, ctx, true};
    return scan(impl(s), ST_WEBHOOKS_EACH, &p, each_webhook, &c, err);
}

/* The advisory lock key of a named lock: FNV-1a 64 of the name with the sign bit set.
 * Organizations' write locks (lock_org) use their ids, positive, in the same key space,
 * and the migrator a small positive constant: a negative key meets neither. */
static int64_t named_lock_key(const char *name)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        h ^= *c;
        h *= 1099511628211u;
    }
    return (int64_t)(h | (UINT64_C(1) << 63));
}

static size_t held_index(const struct pg_store *q, int64_t key)
{
    size_t i = 0;
    while (i < q->nheld && q->held[i] != key) i++;
    return i;
}

/* Session-level: held across transactions (a rollback keeps it) until unlock or close.
 * PostgreSQL counts a session's repeated grants, which would need as many unlocks; the
 * keys held are remembered instead, so asking again for a lock held is just "yes". */
static int pg_try_lock(struct owed_store *s, const char *name, bool *got, struct owed_buf *err)
{
    struct pg_store *q = impl(s);
    int64_t key = named_lock_key(name);
    if (held_index(q, key) < q->nheld) {
        *got = true;
        return OWED_OK;
    }
    struct params p = {0};
    p_int(&p, key);
    PGresult *r = exec_prepared(q, ST_TRY_LOCK, &p, err);
    if (!r) return OWED_E_STORE;
    int rc = OWED_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        rc = pg_error(q, err, "lock", r);
    } else {
        *got = PQgetvalue(r, 0, 0)[0] == 't';
        if (*got) {
            OWED_ALLOC_GROW(q->held, q->nheld + 1, q->held_cap);
            q->held[q->nheld++] = key;
        }
    }
    PQclear(r);
    return rc;
}

/* A lock not held is left alone. A failure (a broken connection, an aborted transaction)
 * is not reported: the server drops a session's locks when the connection ends. */
static void pg_unlock(struct owed_store *s, const char *name)
{
    struct pg_store *q = impl(s);
    int64_t key = named_lock_key(name);
    size_t i = held_index(q, key);
    if (i == q->nheld) return;
    q->held[i] = q->held[--q->nheld];
    struct params p = {0};
    p_int(&p, key);
    PQclear(exec_prepared(q, ST_UNLOCK, &p, NULL));
}

#include "postgres_documents.inc"
#include "postgres_portal.inc"

static const struct owed_store_ops postgres_ops = {
    .name = "postgres",
    .close = pg_close,
    .migrate = pg_migrate,
    .schema_version = pg_schema_version,
    .default_org = pg_default_org,
    .max_ids = pg_max_ids,
    .open_peer = pg_open_peer,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .high_water = pg_high_water,
    .begin = pg_begin,
    .begin_relaxed = pg_begin_relaxed,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .customer_get = pg_customer_get,
    .customer_insert = pg_customer_insert,
    .customers_each = pg_customers_each,
    .invoice_get = pg_invoice_get,
    .invoice_insert = pg_invoice_insert,
    .invoices_each = pg_invoices_each,
    .payment_get = pg_payment_get,
    .payment_insert = pg_payment_insert,
    .payments_each = pg_payments_each,
    .allocation_insert = pg_allocation_insert,
    .allocations_each = pg_allocations_each,
    .entry_append = pg_entry_append,
    .journal_lines_each = pg_journal_lines_each,
    .customer_get_id = pg_customer_get_id,
    .invoice_get_id = pg_invoice_get_id,
    .payment_get_id = pg_payment_get_id,
    .outflow_insert = pg_outflow_insert,
    .outflows_each = pg_outflows_each,
    .org_settings_get = pg_org_settings_get,
    .org_settings_set = pg_org_settings_set,
    .statement_insert = pg_statement_insert,
    .entry_insert = pg_entry_insert,
    .entry_get = pg_entry_get,
    .entry_update = pg_entry_update,
    .entries_each = pg_entries_each,
    .payer_learn = pg_payer_learn,
    .payers_each = pg_payers_each,
    .csv_map_save = pg_csv_map_save,
    .csv_maps_each = pg_csv_maps_each,
    .idem_claim = pg_idem_claim,
    .item_insert = pg_item_insert,
    .item_update = pg_item_update,
    .item_get = pg_item_get,
    .items_each = pg_items_each,
    .policy_save = pg_policy_save,
    .policies_each = pg_policies_each,
    .policy_target_set = pg_policy_target_set,
    .policy_targets_each = pg_policy_targets_each,
    .profile_set = pg_profile_set,
    .profiles_each = pg_profiles_each,
    .run_insert = pg_run_insert,
    .firing_insert = pg_firing_insert,
    .firings_each = pg_firings_each,
    .outbox_insert = pg_outbox_insert,
    .outbox_update = pg_outbox_update,
    .outbox_each = pg_outbox_each,
    .org_create = pg_org_create,
    .orgs_each = pg_orgs_each,
    .user_insert = pg_user_insert,
    .user_update = pg_user_update,
    .user_get = pg_user_get,
    .user_find_email = pg_user_find_email,
    .users_each = pg_users_each,
    .cred_insert = pg_cred_insert,
    .cred_find = pg_cred_find,
    .cred_revoke = pg_cred_revoke,
    .creds_each = pg_creds_each,
    .audit_insert = pg_audit_insert,
    .audit_each = pg_audit_each,
    .idem_insert = pg_idem_insert,
    .idem_get = pg_idem_get,
    .idem_update = pg_idem_update,
    .webhook_insert = pg_webhook_insert,
    .webhook_update = pg_webhook_update,
    .webhook_delete = pg_webhook_delete,
    .webhook_get = pg_webhook_get,
    .webhooks_each = pg_webhooks_each,
    .doc_insert = pg_doc_insert,
    .doc_update = pg_doc_update,
    .doc_get = pg_doc_get,
    .docs_each = pg_docs_each,
    .seq_next = pg_seq_next,
    .orgdoc_get = pg_orgdoc_get,
    .orgdoc_put = pg_orgdoc_put,
    .recurring_insert = pg_recurring_insert,
    .recurring_update = pg_recurring_update,
    .recurring_each = pg_recurring_each,
    .period_claim = pg_period_claim,
    .portal_link_insert = pg_portal_link_insert,
    .portal_link_get = pg_portal_link_get,
    .portal_link_use = pg_portal_link_use,
    .portal_link_sent = pg_portal_link_sent,
    .portal_links_each = pg_portal_links_each,
    .portal_revoke = pg_portal_revoke,
    .portal_session_insert = pg_portal_session_insert,
    .portal_session_get = pg_portal_session_get,
    .portal_session_end = pg_portal_session_end,
    .portal_event_insert = pg_portal_event_insert,
    .portal_events_each = pg_portal_events_each,
    .portal_feedback_insert = pg_portal_feedback_insert,
    .portal_feedback_each = pg_portal_feedback_each,
    .try_lock = pg_try_lock,
    .unlock = pg_unlock,
};

int owed__postgres_open(const char *url, bool create, struct owed_store **out,
                        struct owed_buf *err)
{
    (void)create; /* the database itself is the operator's to create */
    struct pg_store *q = owed_xcalloc(1, sizeof *q);
    q->base.ops = &postgres_ops;
    q->url = owed_xstrdup(url);
    q->shown = owed_store_url_redacted(url);
    const char *after = getenv("OWED_PG_INVOICE_CACHE_AFTER");
    q->cache_after = after && *after ? strtol(after, NULL, 10) : INVOICE_CACHE_AFTER;
    for (int t = 0; t < CP_TABLES; t++) owed_buf_init(&q->copy[t], 0);
    owed_buf_init(&q->idem_body, 0);
    q->conn = PQconnectdb(url);
    if (PQstatus(q->conn) != CONNECTION_OK) {
        /* libpq's message names host and user, never the password. */
        int rc = pg_error(q, err, "cannot connect", NULL);
        pg_close(&q->base);
        return rc;
    }
    int rc = exec_simple(q, "SET client_encoding = 'UTF8'; SET client_min_messages = warning;"
                            " SET TIME ZONE 'UTC'",
                         err);
    if (rc) {
        pg_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return OWED_OK;
}
