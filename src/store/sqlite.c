/* The SQLite backend of the store interface. Prepared statements only, each prepared once
 * per connection and cached; WAL journal; one write transaction per use case. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "store/ids.h"
#include "store/store.h"

struct migration {
    int version;
    const char *name;
    const unsigned char *sql;
};
#include "migrations_sqlite.h"

enum stmt_id {
    ST_SCHEMA_VERSION,
    ST_DEFAULT_ORG,
    ST_BEGIN,
    ST_BEGIN_READ,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_CUSTOMER_GET,
    ST_CUSTOMER_INSERT,
    ST_CUSTOMER_MAX_ID,
    ST_CUSTOMERS_EACH,
    ST_INVOICE_GET,
    ST_INVOICE_INSERT,
    ST_INVOICE_MAX_ID,
    ST_INVOICES_EACH,
    ST_INVOICES_EACH_TEXT,
    ST_INVOICES_OF_CUSTOMER,
    ST_PAYMENT_GET,
    ST_PAYMENT_INSERT,
    ST_PAYMENT_MAX_ID,
    ST_PAYMENTS_EACH,
    ST_PAYMENTS_EACH_TEXT,
    ST_PAYMENTS_OF_CUSTOMER,
    ST_ALLOCATION_INSERT,
    ST_ALLOCATION_MAX_ID,
    ST_ALLOCATIONS_EACH,
    ST_ALLOCATIONS_OF_CUSTOMER,
    ST_ENTRY_MAX_ID,
    ST_LINE_INSERT,
    ST_JOURNAL_LINES,
    ST_CUSTOMER_GET_ID,
    ST_INVOICE_GET_ID,
    ST_PAYMENT_GET_ID,
    ST_ALLOCATIONS_OF_PAYMENT,
    ST_ALLOCATIONS_OF_INVOICE,
    ST_OUTFLOW_INSERT,
    ST_OUTFLOW_MAX_ID,
    ST_OUTFLOWS_EACH,
    ST_OUTFLOWS_OF_PAYMENT,
    ST_OUTFLOWS_OF_CUSTOMER,
    ST_ORG_GET,
    ST_ORG_SET,
    ST_STMT_INSERT,
    ST_STMT_BY_KEY,
    ST_STMT_MAX_ID,
    ST_BENTRY_INSERT,
    ST_BENTRY_BY_KEY,
    ST_BENTRY_MAX_ID,
    ST_BENTRY_GET,
    ST_BENTRY_UPDATE,
    ST_BENTRIES_EACH,
    ST_BENTRIES_BY_STATUS,
    ST_PAYER_LEARN,
    ST_PAYERS_EACH,
    ST_MAP_SAVE,
    ST_MAPS_EACH,
    ST_IDEM_CLAIM,
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
    ST_COUNT
};

/* Sums of allocations come from the allocations index, so lookups see every allocation
 * made earlier in the same transaction. INDEXED BY pins the plan: without statistics,
 * SQLite 3.40 scans the organization's allocations by primary key instead, which made a
 * payments import quadratic. */
#define INVOICE_COLS                                                                   \
    "i.invoice_id, i.invoice_number, i.customer_id, i.issue_date, i.due_date, i.currency," \
    " i.amount_minor, i.po_number, i.kind, i.terms"
#define ALLOCATED_OF_INVOICE                                                     \
    "(SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a"                \
    " INDEXED BY allocations_invoice WHERE a.org_id = i.org_id AND a.invoice_id = i.invoice_id)"
#define PAYMENT_COLS                                                                      \
    "p.payment_id, p.payment_ref, p.customer_id, p.received_date, p.amount_minor, p.currency," \
    " p.method, p.reference, p.invoice_number, p.kind, p.channel, p.payer_name, p.payer_account"
#define BENTRY_COLS                                                                      \
    "entry_id, statement_id, entry_key, booking_date, value_date, amount_minor, currency,"  \
    " credit, entry_ref, end_to_end, remittance, counterparty_name, counterparty_account,"  \
    " bank_code, status, customer_id, payment_id, score, suggestions"
#define ALLOCATED_OF_PAYMENT                                                            \
    "(SELECT COALESCE(SUM(a.amount_minor), 0) FROM allocations a"                       \
    " INDEXED BY allocations_payment WHERE a.org_id = p.org_id AND a.payment_id = p.payment_id)," \
    " (SELECT COALESCE(SUM(o.amount_minor), 0) FROM outflows o"                         \
    " WHERE o.org_id = p.org_id AND o.payment_id = p.payment_id)"

#define ITEM_COLS                                                                      \
    "item_id, kind, parent_id, customer_id, invoice_id, status, code, amount_minor, currency," \
    " date1, date2, body, created_at, opened_on"
#define OUTBOX_COLS                                                                       \
    "message_id, run_id, customer_id, channel, step, recipient, subject, body, status,"    \
    " attempts, next_attempt, last_error, created_at, sent_at"
#define USER_COLS "user_id, org_id, email, name, role, pw_hash, disabled, created_at"
#define CRED_COLS                                                                       \
    "cred_id, org_id, user_id, kind, role, hash, label, csrf, expires_at, revoked, created_at"
#define AUDIT_COLS "audit_id, at, actor, action, resource, status, before_json, after_json"
#define IDEM_COLS                                                                     \
    "idem_key, method, path, req_hash, state, status, content_type, body, updated_at"
#define DOC_COLS                                                                       \
    "doc_id, type, status, number, customer_id, ledger_id, body, source, created_at,"  \
    " issued_at, ack_at, ack_via, sent_at, delivery, message_id"
#define WEBHOOK_COLS "webhook_id, url, secret, events, active, created_at"
#define PLINK_COLS                                                                    \
    "link_id, customer_id, created_at, expires_s, used_at, revoked, created_by, message_id"
#define NOW_SECONDS "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_SCHEMA_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
    [ST_DEFAULT_ORG] = "SELECT MIN(org_id) FROM orgs",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN DEFERRED",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_CUSTOMER_GET] =
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers WHERE org_id = ?1 AND customer_ref = ?2",
    [ST_CUSTOMER_INSERT] =
        "INSERT INTO customers (org_id, customer_id, customer_ref, name, email, currency,"
        " terms, credit_limit_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_CUSTOMER_MAX_ID] = "SELECT COALESCE(MAX(customer_id), 0) FROM customers WHERE org_id = ?1",
    [ST_CUSTOMERS_EACH] =
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers WHERE org_id = ?1 ORDER BY customer_ref",
    [ST_INVOICE_GET] = "SELECT " INVOICE_COLS ", " ALLOCATED_OF_INVOICE
                       " FROM invoices i WHERE i.org_id = ?1 AND i.invoice_number = ?2",
    [ST_INVOICE_INSERT] =
        "INSERT INTO invoices (org_id, invoice_id, invoice_number, customer_id, issue_date,"
        " due_date, currency, amount_minor, po_number, kind, terms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_INVOICE_MAX_ID] = "SELECT COALESCE(MAX(invoice_id), 0) FROM invoices WHERE org_id = ?1",
    [ST_INVOICES_EACH] =
        "SELECT i.invoice_id, '', i.customer_id, i.issue_date, i.due_date, i.currency,"
        " i.amount_minor, '', i.kind, '', 0 FROM invoices i WHERE i.org_id = ?1 AND i.issue_date <= ?2"
        " ORDER BY i.invoice_id",
    [ST_INVOICES_EACH_TEXT] = "SELECT " INVOICE_COLS ", 0 FROM invoices i"
                              " WHERE i.org_id = ?1 AND i.issue_date <= ?2 ORDER BY i.invoice_id",
    [ST_INVOICES_OF_CUSTOMER] = "SELECT " INVOICE_COLS ", 0"
                                " FROM invoices i INDEXED BY invoices_customer WHERE i.org_id = ?1 AND i.customer_id = ?3"
                                " AND i.issue_date <= ?2 ORDER BY i.invoice_id",
    [ST_PAYMENT_GET] = "SELECT " PAYMENT_COLS ", " ALLOCATED_OF_PAYMENT
                       " FROM payments p WHERE p.org_id = ?1 AND p.payment_ref = ?2",
    [ST_PAYMENT_INSERT] =
        "INSERT INTO payments (org_id, payment_id, payment_ref, customer_id, received_date,"
        " amount_minor, currency, method, reference, invoice_number, kind, channel, payer_name,"
        " payer_account) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [ST_PAYMENT_MAX_ID] = "SELECT COALESCE(MAX(payment_id), 0) FROM payments WHERE org_id = ?1",
    [ST_PAYMENTS_EACH] =
        "SELECT p.payment_id, '', p.customer_id, p.received_date, p.amount_minor, p.currency,"
        " '', '', '', p.kind, '', '', '', 0, 0 FROM payments p"
        " WHERE p.org_id = ?1 AND p.received_date <= ?2"
        " ORDER BY p.payment_id",
    [ST_PAYMENTS_EACH_TEXT] = "SELECT " PAYMENT_COLS ", 0, 0 FROM payments p"
                              " WHERE p.org_id = ?1 AND p.received_date <= ?2"
                              " ORDER BY p.payment_id",
    [ST_PAYMENTS_OF_CUSTOMER] = "SELECT " PAYMENT_COLS ", 0, 0"
                                " FROM payments p INDEXED BY payments_customer WHERE p.org_id = ?1 AND p.customer_id = ?3"
                                " AND p.received_date <= ?2 ORDER BY p.payment_id",
    [ST_ALLOCATION_INSERT] =
        "INSERT INTO allocations (org_id, allocation_id, payment_id, invoice_id, alloc_date,"
        " amount_minor, reverses) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_ALLOCATION_MAX_ID] =
        "SELECT COALESCE(MAX(allocation_id), 0) FROM allocations WHERE org_id = ?1",
    [ST_ALLOCATIONS_EACH] =
        "SELECT allocation_id, payment_id, invoice_id, alloc_date, amount_minor, reverses"
        " FROM allocations"
        " WHERE org_id = ?1 AND alloc_date <= ?2 ORDER BY allocation_id",
    /* One customer's rows: forced onto the customer indexes. Without statistics SQLite
     * preferred the primary key for its ORDER BY and scanned every row of the org (half a
     * second each at a million invoices). */
    [ST_ALLOCATIONS_OF_CUSTOMER] =
        "SELECT a.allocation_id, a.payment_id, a.invoice_id, a.alloc_date, a.amount_minor,"
        " a.reverses FROM invoices i CROSS JOIN allocations a INDEXED BY allocations_invoice"
        " ON a.org_id = i.org_id AND a.invoice_id = i.invoice_id"
        " WHERE i.org_id = ?1 AND a.alloc_date <= ?2 AND i.customer_id = ?3"
        " ORDER BY a.allocation_id",
    [ST_ENTRY_MAX_ID] = "SELECT COALESCE(MAX(entry_id), 0) FROM journal_lines WHERE org_id = ?1",
    [ST_LINE_INSERT] =
        "INSERT INTO journal_lines (org_id, entry_id, line_no, kind, source_id, customer_id,"
        " currency, posted_date, account, amount_minor)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_JOURNAL_LINES] = "SELECT entry_id, line_no, kind, source_id, customer_id, currency,"
                         " posted_date, account, amount_minor FROM journal_lines"
                         " WHERE org_id = ?1 ORDER BY entry_id, line_no",
    [ST_CUSTOMER_GET_ID] =
        "SELECT customer_id, customer_ref, name, email, currency, terms, credit_limit_minor"
        " FROM customers WHERE org_id = ?1 AND customer_id = ?2",
    [ST_INVOICE_GET_ID] = "SELECT " INVOICE_COLS ", " ALLOCATED_OF_INVOICE
                          " FROM invoices i WHERE i.org_id = ?1 AND i.invoice_id = ?2",
    [ST_PAYMENT_GET_ID] = "SELECT " PAYMENT_COLS ", " ALLOCATED_OF_PAYMENT
                          " FROM payments p WHERE p.org_id = ?1 AND p.payment_id = ?2",
    [ST_ALLOCATIONS_OF_PAYMENT] =
        "SELECT allocation_id, payment_id, invoice_id, alloc_date, amount_minor, reverses"
        " FROM allocations INDEXED BY allocations_payment"
        " WHERE org_id = ?1 AND alloc_date <= ?2 AND payment_id = ?3 ORDER BY allocation_id",
    [ST_ALLOCATIONS_OF_INVOICE] =
        "SELECT allocation_id, payment_id, invoice_id, alloc_date, amount_minor, reverses"
        " FROM allocations INDEXED BY allocations_invoice"
        " WHERE org_id = ?1 AND alloc_date <= ?2 AND invoice_id = ?3 ORDER BY allocation_id",
    [ST_OUTFLOW_INSERT] =
        "INSERT INTO outflows (org_id, outflow_id, payment_id, kind, out_date, amount_minor,"
        " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_OUTFLOW_MAX_ID] = "SELECT COALESCE(MAX(outflow_id), 0) FROM outflows WHERE org_id = ?1",
    [ST_OUTFLOWS_EACH] =
        "SELECT outflow_id, payment_id, kind, out_date, amount_minor, reason FROM outflows"
        " WHERE org_id = ?1 AND out_date <= ?2 ORDER BY outflow_id",
    [ST_OUTFLOWS_OF_PAYMENT] =
        "SELECT outflow_id, payment_id, kind, out_date, amount_minor, reason FROM outflows"
        " WHERE org_id = ?1 AND out_date <= ?2 AND payment_id = ?3 ORDER BY outflow_id",
    [ST_OUTFLOWS_OF_CUSTOMER] =
        "SELECT o.outflow_id, o.payment_id, o.kind, o.out_date, o.amount_minor, o.reason"
        " FROM payments p CROSS JOIN outflows o INDEXED BY outflows_payment ON o.org_id = p.org_id AND o.payment_id = p.payment_id"
        " WHERE p.org_id = ?1 AND o.out_date <= ?2 AND p.customer_id = ?3 ORDER BY o.outflow_id",
    [ST_ORG_GET] = "SELECT tolerance, timezone, calendar, mail_from, smtp_url, sms_url, pay_url,"
                   " out_dir, name, gateway_secret FROM orgs WHERE org_id = ?1",
    [ST_ORG_SET] = "UPDATE orgs SET tolerance = ?2, timezone = ?3, calendar = ?4, mail_from = ?5,"
                   " smtp_url = ?6, sms_url = ?7, pay_url = ?8, out_dir = ?9, name = ?10,"
                   " gateway_secret = ?11 WHERE org_id = ?1",
    [ST_STMT_INSERT] =
        "INSERT INTO bank_statements (org_id, statement_id, stmt_key, format, account,"
        " bank_stmt_id, currency, stmt_date, opening_minor, opening_date, closing_minor,"
        " closing_date, file_name, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, ?11, ?12, ?13, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    [ST_STMT_BY_KEY] = "SELECT statement_id FROM bank_statements WHERE org_id = ?1 AND stmt_key = ?2",
    [ST_STMT_MAX_ID] =
        "SELECT COALESCE(MAX(statement_id), 0) FROM bank_statements WHERE org_id = ?1",
    [ST_BENTRY_INSERT] =
        "INSERT INTO bank_entries (org_id, entry_id, statement_id, entry_key, booking_date,"
        " value_date, amount_minor, currency, credit, entry_ref, end_to_end, remittance,"
        " counterparty_name, counterparty_account, bank_code, status, customer_id, payment_id,"
        " score, suggestions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    [ST_BENTRY_BY_KEY] = "SELECT entry_id FROM bank_entries WHERE org_id = ?1 AND entry_key = ?2",
    [ST_BENTRY_MAX_ID] = "SELECT COALESCE(MAX(entry_id), 0) FROM bank_entries WHERE org_id = ?1",
    [ST_BENTRY_GET] = "SELECT " BENTRY_COLS " FROM bank_entries WHERE org_id = ?1 AND entry_id = ?2",
    [ST_BENTRY_UPDATE] =
        "UPDATE bank_entries SET status = ?3, customer_id = ?4, payment_id = ?5, score = ?6,"
        " suggestions = ?7 WHERE org_id = ?1 AND entry_id = ?2",
    [ST_BENTRIES_EACH] = "SELECT " BENTRY_COLS " FROM bank_entries WHERE org_id = ?1"
                         " ORDER BY entry_id",
    [ST_BENTRIES_BY_STATUS] = "SELECT " BENTRY_COLS " FROM bank_entries"
                              " WHERE org_id = ?1 AND status = ?2 ORDER BY entry_id",
    [ST_PAYER_LEARN] =
        "INSERT INTO bank_payers (org_id, payer_key, customer_id) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (org_id, payer_key) DO UPDATE SET customer_id = excluded.customer_id",
    [ST_PAYERS_EACH] =
        "SELECT payer_key, customer_id FROM bank_payers WHERE org_id = ?1 ORDER BY payer_key",
    [ST_MAP_SAVE] =
        "INSERT INTO bank_csv_maps (org_id, name, mapping) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (org_id, name) DO UPDATE SET mapping = excluded.mapping",
    [ST_MAPS_EACH] = "SELECT name, mapping FROM bank_csv_maps WHERE org_id = ?1 ORDER BY name",
    [ST_IDEM_CLAIM] = "INSERT INTO idempotency_keys (org_id, idem_key, created_at)"
                      " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
                      " ON CONFLICT (org_id, idem_key) DO NOTHING",
    /* Collection items, policies, runs, firings and the outbox are few and written one at
     * a time: their ids come from MAX + 1 under the write lock, in the INSERT itself. */
    [ST_ITEM_INSERT] =
        "INSERT INTO collection_items (org_id, item_id, kind, parent_id, customer_id,"
        " invoice_id, status, code, amount_minor, currency, date1, date2, body, opened_on,"
        " created_at, updated_at) VALUES (?1, (SELECT COALESCE(MAX(item_id), 0) + 1 FROM"
        " collection_items WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
        " RETURNING item_id, created_at",
    [ST_ITEM_UPDATE] =
        "UPDATE collection_items SET status = ?3, code = ?4, amount_minor = ?5, currency = ?6,"
        " date1 = ?7, date2 = ?8, body = ?9, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
        " WHERE org_id = ?1 AND item_id = ?2",
    [ST_ITEM_GET] = "SELECT " ITEM_COLS " FROM collection_items WHERE org_id = ?1 AND item_id = ?2",
    [ST_ITEMS_EACH] =
        "SELECT " ITEM_COLS " FROM collection_items WHERE org_id = ?1"
        " AND (?2 = 0 OR kind = ?2) AND (?3 = 0 OR customer_id = ?3)"
        " AND (?4 = 0 OR invoice_id = ?4) AND (?5 = 0 OR parent_id = ?5)"
        " AND (?6 = 0 OR status IN (1, 2)) ORDER BY item_id",
    [ST_POLICY_SAVE] = "INSERT INTO dunning_policies (org_id, name, body) VALUES (?1, ?2, ?3)"
                       " ON CONFLICT (org_id, name) DO UPDATE SET body = excluded.body",
    [ST_POLICIES_EACH] = "SELECT name, body FROM dunning_policies WHERE org_id = ?1 ORDER BY name",
    [ST_TARGET_SET] =
        "INSERT INTO dunning_policy_targets (org_id, target, policy) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (org_id, target) DO UPDATE SET policy = excluded.policy",
    [ST_TARGET_DELETE] = "DELETE FROM dunning_policy_targets WHERE org_id = ?1 AND target = ?2",
    [ST_TARGETS_EACH] = "SELECT target, policy FROM dunning_policy_targets WHERE org_id = ?1"
                        " ORDER BY target",
    [ST_PROFILE_SET] =
        "INSERT INTO customer_profiles (org_id, customer_id, segment, lang, phone, address)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (org_id, customer_id) DO UPDATE SET"
        " segment = excluded.segment, lang = excluded.lang, phone = excluded.phone,"
        " address = excluded.address",
    [ST_PROFILES_EACH] = "SELECT customer_id, segment, lang, phone, address FROM customer_profiles"
                         " WHERE org_id = ?1 ORDER BY customer_id",
    [ST_RUN_INSERT] =
        "INSERT INTO dunning_runs (org_id, run_id, as_of, messages, firings, created_at)"
        " VALUES (?1, (SELECT COALESCE(MAX(run_id), 0) + 1 FROM dunning_runs WHERE org_id = ?1),"
        " ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) RETURNING run_id, created_at",
    [ST_FIRING_INSERT] =
        "INSERT INTO dunning_firings (org_id, invoice_id, step, severity, run_id, message_id,"
        " fired_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
    [ST_FIRINGS_EACH] = "SELECT invoice_id, step, severity, run_id, message_id, fired_on"
                        " FROM dunning_firings WHERE org_id = ?1 ORDER BY invoice_id, step",
    [ST_OUTBOX_INSERT] =
        "INSERT INTO outbox (org_id, message_id, run_id, customer_id, channel, step, recipient,"
        " subject, body, status, attempts, next_attempt, last_error, created_at) VALUES (?1,"
        " (SELECT COALESCE(MAX(message_id), 0) + 1 FROM outbox WHERE org_id = ?1), ?2, ?3, ?4,"
        " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
        " RETURNING message_id, created_at",
    [ST_OUTBOX_UPDATE] =
        "UPDATE outbox SET status = ?3, attempts = ?4, next_attempt = ?5, last_error = ?6,"
        " sent_at = ?7 WHERE org_id = ?1 AND message_id = ?2",
    [ST_OUTBOX_EACH] =
        "SELECT " OUTBOX_COLS " FROM outbox WHERE org_id = ?1 AND (?2 = 0 OR status = ?2)"
        " AND (?3 = 0 OR next_attempt <= ?3) AND (?4 = 0 OR run_id = ?4)"
        " AND (?5 = 0 OR customer_id = ?5) AND (?6 = 0 OR message_id = ?6) ORDER BY message_id",
    /* The platform (issue 6): ids from MAX + 1 in the INSERT, as for collection items. A
     * taken email, credential hash or idempotency key fails its INSERT alone
     * (OWED_E_EXISTS); the transaction goes on. */
    [ST_ORG_CREATE] = "INSERT INTO orgs (org_id, name, created_at) VALUES ((SELECT"
                      " COALESCE(MAX(org_id), 0) + 1 FROM orgs), ?1,"
                      " strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) RETURNING org_id",
    [ST_ORGS_EACH] = "SELECT org_id, name FROM orgs ORDER BY org_id",
    [ST_USER_INSERT] =
        "INSERT INTO users (org_id, user_id, email, name, role, pw_hash, disabled, created_at)"
        " VALUES (?1, (SELECT COALESCE(MAX(user_id), 0) + 1 FROM users WHERE org_id = ?1), ?2,"
        " ?3, ?4, ?5, ?6, " NOW_SECONDS ") RETURNING user_id, created_at",
    [ST_USER_UPDATE] = "UPDATE users SET name = ?3, role = ?4, pw_hash = ?5, disabled = ?6"
                       " WHERE org_id = ?1 AND user_id = ?2",
    [ST_USER_GET] = "SELECT " USER_COLS " FROM users WHERE org_id = ?1 AND user_id = ?2",
    [ST_USER_BY_EMAIL] = "SELECT " USER_COLS " FROM users WHERE email = ?1",
    [ST_USERS_EACH] = "SELECT " USER_COLS " FROM users WHERE org_id = ?1 ORDER BY user_id",
    [ST_CRED_INSERT] =
        "INSERT INTO credentials (org_id, cred_id, user_id, kind, role, hash, label, csrf,"
        " expires_at, revoked, created_at) VALUES (?1, (SELECT COALESCE(MAX(cred_id), 0) + 1"
        " FROM credentials WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, " NOW_SECONDS ")"
        " RETURNING cred_id, created_at",
    [ST_CRED_FIND] = "SELECT " CRED_COLS " FROM credentials WHERE hash = ?1",
    [ST_CRED_REVOKE] = "UPDATE credentials SET revoked = 1 WHERE org_id = ?1 AND cred_id = ?2",
    [ST_CREDS_EACH] = "SELECT " CRED_COLS " FROM credentials WHERE org_id = ?1"
                      " AND (?2 = 0 OR user_id = ?2) AND (?3 = 0 OR kind = ?3) ORDER BY cred_id",
    [ST_AUDIT_INSERT] =
        "INSERT INTO audit (org_id, audit_id, at, actor, action, resource, status, before_json,"
        " after_json) VALUES (?1, (SELECT COALESCE(MAX(audit_id), 0) + 1 FROM audit WHERE"
        " org_id = ?1), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?2, ?3, ?4, ?5, ?6, ?7)"
        " RETURNING audit_id, at",
    /* ?2 is the exclusive upper bound (INT64_MAX for "from the newest"), so the primary key
     * gives a range; ?3 -1 = no limit. */
    [ST_AUDIT_EACH] = "SELECT " AUDIT_COLS " FROM audit WHERE org_id = ?1 AND audit_id < ?2"
                      " ORDER BY audit_id DESC LIMIT ?3",
    [ST_IDEM_INSERT] =
        "INSERT INTO api_idempotency (org_id, idem_key, method, path, req_hash, state, status,"
        " content_type, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_IDEM_GET] = "SELECT " IDEM_COLS " FROM api_idempotency WHERE org_id = ?1 AND idem_key = ?2",
    [ST_IDEM_UPDATE] = "UPDATE api_idempotency SET state = ?3, status = ?4, content_type = ?5,"
                       " body = ?6, updated_at = ?7 WHERE org_id = ?1 AND idem_key = ?2",
    [ST_WEBHOOK_INSERT] =
        "INSERT INTO webhooks (org_id, webhook_id, url, secret, events, active, created_at)"
        " VALUES (?1, (SELECT COALESCE(MAX(webhook_id), 0) + 1 FROM webhooks WHERE org_id = ?1),"
        " ?2, ?3, ?4, ?5, " NOW_SECONDS ") RETURNING webhook_id, created_at",
    [ST_WEBHOOK_UPDATE] = "UPDATE webhooks SET url = ?3, secret = ?4, events = ?5, active = ?6"
                          " WHERE org_id = ?1 AND webhook_id = ?2",
    [ST_WEBHOOK_DELETE] = "DELETE FROM webhooks WHERE org_id = ?1 AND webhook_id = ?2",
    [ST_WEBHOOK_GET] =
        "SELECT " WEBHOOK_COLS " FROM webhooks WHERE org_id = ?1 AND webhook_id = ?2",
    [ST_WEBHOOKS_EACH] =
        "SELECT " WEBHOOK_COLS " FROM webhooks WHERE org_id = ?1 ORDER BY webhook_id",
    [ST_DOC_INSERT] =
        "INSERT INTO documents (org_id, doc_id, type, status, number, customer_id, ledger_id,"
        " body, source, created_at, issued_at, ack_at, ack_via, sent_at, delivery, message_id)"
        " VALUES (?1, (SELECT COALESCE(MAX(doc_id), 0) + 1 FROM documents WHERE org_id = ?1),"
        " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) RETURNING doc_id",
    [ST_DOC_UPDATE] =
        "UPDATE documents SET status = ?3, number = ?4, ledger_id = ?5, body = ?6,"
        " issued_at = ?7, ack_at = ?8, ack_via = ?9, sent_at = ?10, delivery = ?11,"
        " message_id = ?12 WHERE org_id = ?1 AND doc_id = ?2",
    [ST_DOC_GET] = "SELECT " DOC_COLS " FROM documents WHERE org_id = ?1 AND doc_id = ?2",
    [ST_DOC_GET_LEDGER] = "SELECT " DOC_COLS " FROM documents WHERE org_id = ?1 AND type = ?2"
                          " AND ledger_id = ?3 AND ledger_id > 0",
    /* ?2..?4 = 0: any. */
    [ST_DOCS_EACH] = "SELECT " DOC_COLS " FROM documents WHERE org_id = ?1"
                     " AND (?2 = 0 OR customer_id = ?2) AND (?3 = 0 OR status = ?3)"
                     " AND (?4 = 0 OR type = ?4) ORDER BY doc_id",
    [ST_SEQ_NEXT] = "INSERT INTO sequences (org_id, name, last_value) VALUES (?1, ?2, 1)"
                    " ON CONFLICT (org_id, name) DO UPDATE SET last_value = last_value + 1"
                    " RETURNING last_value",
    [ST_ORGDOC_GET] = "SELECT body FROM org_docs WHERE org_id = ?1 AND key = ?2",
    [ST_ORGDOC_PUT] = "INSERT INTO org_docs (org_id, key, body) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT (org_id, key) DO UPDATE SET body = excluded.body",
    [ST_RECURRING_INSERT] =
        "INSERT INTO recurring (org_id, rec_id, customer_id, rule, start_date, end_date,"
        " max_count, body, active, created_at) VALUES (?1, (SELECT COALESCE(MAX(rec_id), 0) + 1"
        " FROM recurring WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING rec_id",
    [ST_RECURRING_UPDATE] =
        "UPDATE recurring SET rule = ?3, start_date = ?4, end_date = ?5, max_count = ?6,"
        " body = ?7, active = ?8 WHERE org_id = ?1 AND rec_id = ?2",
    [ST_RECURRING_EACH] =
        "SELECT r.rec_id, r.customer_id, r.rule, r.start_date, r.end_date, r.max_count, r.body,"
        " r.active, r.created_at, (SELECT COUNT(*) FROM recurring_periods p WHERE p.org_id ="
        " r.org_id AND p.rec_id = r.rec_id) FROM recurring r WHERE r.org_id = ?1"
        " AND (?2 = 0 OR r.rec_id = ?2) ORDER BY r.rec_id",
    [ST_PERIOD_CLAIM] = "INSERT INTO recurring_periods (org_id, rec_id, period, doc_id)"
                        " VALUES (?1, ?2, ?3, ?4)",
    /* The customer portal (issue 8): ids MAX + 1 per organization under the write lock. */
    [ST_PLINK_INSERT] =
        "INSERT INTO portal_links (org_id, link_id, customer_id, created_at, expires_s, used_at,"
        " revoked, created_by, message_id) VALUES (?1, (SELECT COALESCE(MAX(link_id), 0) + 1"
        " FROM portal_links WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING link_id",
    [ST_PLINK_GET] = "SELECT " PLINK_COLS " FROM portal_links WHERE org_id = ?1 AND link_id = ?2",
    [ST_PLINK_USE] = "UPDATE portal_links SET used_at = ?3 WHERE org_id = ?1 AND link_id = ?2"
                     " AND used_at = '' AND revoked = 0",
    [ST_PLINK_SENT] =
        "UPDATE portal_links SET message_id = ?3 WHERE org_id = ?1 AND link_id = ?2",
    [ST_PLINKS_EACH] = "SELECT " PLINK_COLS " FROM portal_links WHERE org_id = ?1"
                       " AND (?2 = 0 OR customer_id = ?2) ORDER BY link_id",
    [ST_PLINKS_REVOKE] = "UPDATE portal_links SET revoked = 1 WHERE org_id = ?1"
                         " AND customer_id = ?2 AND used_at = '' AND revoked = 0",
    [ST_PSESSIONS_END_ALL] = "UPDATE portal_sessions SET ended = 1 WHERE org_id = ?1"
                             " AND customer_id = ?2 AND ended = 0",
    [ST_PSESSION_INSERT] =
        "INSERT INTO portal_sessions (org_id, session_id, customer_id, link_id, created_at,"
        " expires_s, ended) VALUES (?1, (SELECT COALESCE(MAX(session_id), 0) + 1 FROM"
        " portal_sessions WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6) RETURNING session_id",
    [ST_PSESSION_GET] = "SELECT session_id, customer_id, link_id, created_at, expires_s, ended"
                        " FROM portal_sessions WHERE org_id = ?1 AND session_id = ?2",
    [ST_PSESSION_END] =
        "UPDATE portal_sessions SET ended = 1 WHERE org_id = ?1 AND session_id = ?2",
    [ST_PEVENT_INSERT] =
        "INSERT INTO portal_events (org_id, event_id, customer_id, session_id, on_date, at,"
        " action, invoice_id, item_id, ref, body) VALUES (?1, (SELECT COALESCE(MAX(event_id),"
        " 0) + 1 FROM portal_events WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " RETURNING event_id",
    [ST_PEVENTS_EACH] =
        "SELECT event_id, customer_id, session_id, on_date, at, action, invoice_id, item_id,"
        " ref, body FROM portal_events WHERE org_id = ?1 AND (?2 = 0 OR customer_id = ?2)"
        " ORDER BY event_id",
    [ST_PFEEDBACK_INSERT] =
        "INSERT INTO portal_feedback (org_id, feedback_id, customer_id, session_id, rating,"
        " comment, created_at) VALUES (?1, (SELECT COALESCE(MAX(feedback_id), 0) + 1 FROM"
        " portal_feedback WHERE org_id = ?1), ?2, ?3, ?4, ?5, ?6) RETURNING feedback_id",
    [ST_PFEEDBACK_EACH] =
        "SELECT feedback_id, customer_id, session_id, rating, comment, created_at"
        " FROM portal_feedback WHERE org_id = ?1 AND (?2 = 0 OR customer_id = ?2)"
        " ORDER BY feedback_id DESC",
};

/* Next ids per table, loaded at the start of each write transaction (single writer). */
static const enum stmt_id max_id_stmt[OWED_ID_KINDS] = {
    ST_CUSTOMER_MAX_ID, ST_INVOICE_MAX_ID, ST_PAYMENT_MAX_ID, ST_ALLOCATION_MAX_ID,
    ST_ENTRY_MAX_ID, ST_OUTFLOW_MAX_ID, ST_STMT_MAX_ID, ST_BENTRY_MAX_ID,
};

/* Journal lines are append-only and never conflict (ids are ours under the write lock), so
 * they are buffered and written LINE_BATCH at a time with one multi-row INSERT: stepping
 * one statement per line cost more than the b-tree work. Reads of the journal and commit
 * flush first; rollback drops the buffer. */
#define LINE_BATCH 64
#define LINE_COLS 10

struct pending_line {
    int64_t org, entry_id, line_no, source_id, customer_id, amount_minor;
    int kind, account;
    owed_date date;
    char currency[4];
};

struct sqlite_store {
    struct owed_store base;
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmts[ST_COUNT];
    sqlite3_stmt *batch_lines; /* LINE_BATCH rows of ST_LINE_INSERT */
    struct pending_line pending[LINE_BATCH];
    size_t npending;
    struct owed__ids ids;
    bool relaxed; /* in a begin_relaxed transaction: synchronous is NORMAL until it ends */
    struct owed_buf idem_body; /* the body idem_get returned last */
};

static struct sqlite_store *impl(struct owed_store *s) { return (struct sqlite_store *)s; }

static int db_error(struct sqlite_store *q, struct owed_buf *err, const char *what)
{
    if (err) owed_buf_addf(err, "%s: %s", what, sqlite3_errmsg(q->db));
    return OWED_E_STORE;
}

/* Returns the cached statement, reset and with bindings cleared. */
static sqlite3_stmt *stmt(struct sqlite_store *q, enum stmt_id id, struct owed_buf *err)
{
    sqlite3_stmt *st = q->stmts[id];
    if (!st) {
        if (sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q->stmts[id],
                               NULL) != SQLITE_OK) {
            db_error(q, err, "prepare");
            return NULL;
        }
        return q->stmts[id];
    }
    sqlite3_reset(st); /* every caller binds every parameter */
    return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, t, n);
    dst[n] = '\0';
}

/* Runs a statement that returns nothing (or whose rows are ignored). */
static int exec_stmt(struct sqlite_store *q, sqlite3_stmt *st, struct owed_buf *err,
                     const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (rc == SQLITE_DONE) return OWED_OK;
    /* Extended result codes are on, so step returns SQLITE_CONSTRAINT_UNIQUE itself. */
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return OWED_E_EXISTS;
    return db_error(q, err, what);
}

static int exec_sql(struct sqlite_store *q, const char *sql, struct owed_buf *err)
{
    char *msg = NULL;
    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err) owed_buf_addf(err, "%s", msg ? msg : sqlite3_errmsg(q->db));
        sqlite3_free(msg);
        return OWED_E_STORE;
    }
    return OWED_OK;
}

static int query_int(struct sqlite_store *q, enum stmt_id id, int64_t org, int64_t *out,
                     struct owed_buf *err)
{
    sqlite3_stmt *st = stmt(q, id, err);
    if (!st) return OWED_E_STORE;
    if (org) sqlite3_bind_int64(st, 1, org);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) return db_error(q, err, "query");
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return OWED_OK;
}

static int max_id(void *ctx, int64_t org, enum owed__id_kind kind, int64_t *max,
                  struct owed_buf *err)
{
    return query_int(ctx, max_id_stmt[kind], org, max, err);
}

static int next_id(struct sqlite_store *q, int64_t org, enum owed__id_kind kind, int64_t *out,
                   struct owed_buf *err)
{
    return owed__ids_take(&q->ids, org, kind, max_id, q, out, err);
}

/* At the end of a transaction: ids are read again, unwritten journal lines dropped. */
static void forget_tx_state(struct sqlite_store *q)
{
    owed__ids_forget(&q->ids);
    q->npending = 0;
}

static void bind_line(sqlite3_stmt *st, int base, const struct pending_line *l)
{
    sqlite3_bind_int64(st, base + 1, l->org);
    sqlite3_bind_int64(st, base + 2, l->entry_id);
    sqlite3_bind_int64(st, base + 3, l->line_no);
    sqlite3_bind_int(st, base + 4, l->kind);
    sqlite3_bind_int64(st, base + 5, l->source_id);
    sqlite3_bind_int64(st, base + 6, l->customer_id);
    sqlite3_bind_text(st, base + 7, l->currency, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, base + 8, l->date);
    sqlite3_bind_int(st, base + 9, l->account);
    sqlite3_bind_int64(st, base + 10, l->amount_minor);
}

static int prepare_batch(struct sqlite_store *q, struct owed_buf *err)
{
    struct owed_buf sql = OWED_BUF_INIT(0);
    owed_buf_adds(&sql, "INSERT INTO journal_lines (org_id, entry_id, line_no, kind, source_id,"
                        " customer_id, currency, posted_date, account, amount_minor) VALUES ");
    for (int r = 0; r < LINE_BATCH; r++) {
        owed_buf_adds(&sql, r ? ",(" : "(");
        for (int c = 0; c < LINE_COLS; c++) owed_buf_addf(&sql, c ? ",?%d" : "?%d", r * LINE_COLS + c + 1);
        owed_buf_addc(&sql, ')');
    }
    int rc = sqlite3_prepare_v3(q->db, sql.ptr, -1, SQLITE_PREPARE_PERSISTENT, &q->batch_lines,
                                NULL);
    owed_buf_release(&sql);
    return rc == SQLITE_OK ? OWED_OK : db_error(q, err, "prepare");
}

static int flush_lines(struct sqlite_store *q, struct owed_buf *err)
{
    size_t n = q->npending;
    q->npending = 0;
    if (n == LINE_BATCH) {
        if (!q->batch_lines && prepare_batch(q, err)) return OWED_E_STORE;
        sqlite3_reset(q->batch_lines);
        for (size_t i = 0; i < n; i++) bind_line(q->batch_lines, (int)i * LINE_COLS, &q->pending[i]);
        return exec_stmt(q, q->batch_lines, err, "journal");
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = stmt(q, ST_LINE_INSERT, err);
        if (!st) return OWED_E_STORE;
        bind_line(st, 0, &q->pending[i]);
        int rc = exec_stmt(q, st, err, "journal");
        if (rc) return rc;
    }
    return OWED_OK;
}

/* ---- lifecycle and schema ---- */

static void sq_close(struct owed_store *s)
{
    struct sqlite_store *q = impl(s);
    for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(q->stmts[i]);
    sqlite3_finalize(q->batch_lines);
    owed_buf_release(&q->idem_body);
    sqlite3_close(q->db);
    free(q->path);
    free(q);
}

static int sq_schema_version(struct owed_store *s, int *version, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st;
    int exists = 0;
    if (sqlite3_prepare_v2(q->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'schema_migrations'",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(q, err, "schema");
    exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!exists) {
        *version = 0;
        return OWED_OK;
    }
    int64_t v;
    int rc = query_int(q, ST_SCHEMA_VERSION, 0, &v, err);
    if (rc == OWED_OK) *version = (int)v;
    return rc;
}

static int apply_migration(struct sqlite_store *q, const struct migration *m, struct owed_buf *err)
{
    int rc = exec_sql(q, (const char *)m->sql, err);
    if (rc) {
        if (err) owed_buf_addf(err, " (migration %s)", m->name);
        return rc;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(q->db,
                           "INSERT INTO schema_migrations (version, name, applied_at)"
                           " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(q, err, "migrate");
    sqlite3_bind_int(st, 1, m->version);
    bind_text(st, 2, m->name);
    rc = exec_stmt(q, st, err, "migrate");
    sqlite3_finalize(st);
    return rc;
}

static int sq_migrate(struct owed_store *s, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int rc = exec_sql(q, "BEGIN IMMEDIATE", err);
    if (rc) return rc;
    rc = exec_sql(q,
                  "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                  " name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                  err);
    int version = 0;
    if (!rc) rc = sq_schema_version(s, &version, err);
    for (size_t i = 0; !rc && i < OWED_ARRAY_LEN(sqlite_migrations); i++)
        if (sqlite_migrations[i].version > version)
            rc = apply_migration(q, &sqlite_migrations[i], err);
    if (!rc)
        rc = exec_sql(q,
                      "INSERT INTO orgs (org_id, name, created_at) SELECT 1, 'Default',"
                      " strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                      " WHERE NOT EXISTS (SELECT 1 FROM orgs)",
                      err);
    if (!rc) rc = exec_sql(q, "COMMIT", err);
    if (rc) exec_sql(q, "ROLLBACK", NULL);
    return rc;
}

static int sq_default_org(struct owed_store *s, int64_t *org_id, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int rc = query_int(q, ST_DEFAULT_ORG, 0, org_id, err);
    if (rc == OWED_OK && *org_id == 0) {
        if (err) owed_buf_adds(err, "no organization: run `owed init`");
        return OWED_E_NOT_FOUND;
    }
    return rc;
}

static int sq_max_ids(struct owed_store *s, int64_t org, struct owed_store_max_ids *out,
                      struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int rc = query_int(q, ST_CUSTOMER_MAX_ID, org, &out->customers, err);
    if (!rc) rc = query_int(q, ST_INVOICE_MAX_ID, org, &out->invoices, err);
    if (!rc) rc = query_int(q, ST_PAYMENT_MAX_ID, org, &out->payments, err);
    if (!rc) rc = query_int(q, ST_ALLOCATION_MAX_ID, org, &out->allocations, err);
    return rc;
}

static int sq_open_peer(struct owed_store *s, struct owed_store **out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    if (strcmp(q->path, ":memory:") == 0 || q->path[0] == '\0') {
        if (err) owed_buf_adds(err, "an in-memory database has no peers");
        return OWED_E_INVALID;
    }
    return owed__sqlite_open(q->path, false, out, err);
}

static int sq_read_begin(struct owed_store *s, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_BEGIN_READ, err);
    int rc = st ? exec_stmt(q, st, err, "begin") : OWED_E_STORE;
    /* A deferred transaction takes its snapshot at the first read. */
    int version;
    if (rc == OWED_OK) rc = sq_schema_version(s, &version, err);
    return rc;
}

static void sq_read_end(struct owed_store *s)
{
    struct sqlite_store *q = impl(s);
    if (sqlite3_get_autocommit(q->db)) return;
    sqlite3_stmt *st = stmt(q, ST_COMMIT, NULL);
    if (st) exec_stmt(q, st, NULL, "end read");
}

static int sq_high_water(struct owed_store *s, int64_t org, int64_t *out, struct owed_buf *err)
{
    return query_int(impl(s), ST_ENTRY_MAX_ID, org, out, err);
}

static int sq_begin(struct owed_store *s, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    forget_tx_state(q);
    sqlite3_stmt *st = stmt(q, ST_BEGIN, err);
    return st ? exec_stmt(q, st, err, "begin") : OWED_E_STORE;
}

/* In WAL mode, synchronous=NORMAL commits without an fsync: the WAL frames are written,
 * so the commit survives this process dying, and they reach the disk at the next
 * checkpoint. The level cannot change inside a transaction: set it around one. */
static int sq_begin_relaxed(struct owed_store *s, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int rc = exec_sql(q, "PRAGMA synchronous = NORMAL", err);
    if (rc) return rc;
    q->relaxed = true;
    rc = sq_begin(s, err);
    if (rc) {
        exec_sql(q, "PRAGMA synchronous = FULL", NULL);
        q->relaxed = false;
    }
    return rc;
}

static void end_relaxed(struct sqlite_store *q)
{
    if (!q->relaxed) return;
    exec_sql(q, "PRAGMA synchronous = FULL", NULL);
    q->relaxed = false;
}

static int sq_commit(struct owed_store *s, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int rc = flush_lines(q, err);
    if (rc) return rc;
    forget_tx_state(q);
    sqlite3_stmt *st = stmt(q, ST_COMMIT, err);
    rc = st ? exec_stmt(q, st, err, "commit") : OWED_E_STORE;
    if (!rc) end_relaxed(q);
    return rc;
}

static void sq_rollback(struct owed_store *s)
{
    struct sqlite_store *q = impl(s);
    forget_tx_state(q);
    if (!sqlite3_get_autocommit(q->db)) {
        sqlite3_stmt *st = stmt(q, ST_ROLLBACK, NULL);
        if (st) exec_stmt(q, st, NULL, "rollback");
    }
    end_relaxed(q);
}

/* ---- customers ---- */

static void read_customer(sqlite3_stmt *st, struct owed_customer *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    copy_col(st, 1, c->ref, sizeof c->ref);
    copy_col(st, 2, c->name, sizeof c->name);
    copy_col(st, 3, c->email, sizeof c->email);
    copy_col(st, 4, c->currency, sizeof c->currency);
    copy_col(st, 5, c->terms, sizeof c->terms);
    c->has_credit_limit = sqlite3_column_type(st, 6) != SQLITE_NULL;
    c->credit_limit_minor = sqlite3_column_int64(st, 6);
}

static int get_one(struct sqlite_store *q, sqlite3_stmt *st, struct owed_buf *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return OWED_OK;
    if (rc == SQLITE_DONE) return OWED_E_NOT_FOUND;
    return db_error(q, err, "lookup");
}

static int sq_customer_get(struct owed_store *s, int64_t org, const char *ref,
                           struct owed_customer *out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_CUSTOMER_GET, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, ref);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_customer(st, out);
    sqlite3_reset(st);
    return rc;
}

static int sq_customer_insert(struct owed_store *s, int64_t org, struct owed_customer *c,
                              struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_CUSTOMER, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_CUSTOMER_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    bind_text(st, 3, c->ref);
    bind_text(st, 4, c->name);
    bind_text(st, 5, c->email);
    bind_text(st, 6, c->currency);
    bind_text(st, 7, c->terms);
    if (c->has_credit_limit) sqlite3_bind_int64(st, 8, c->credit_limit_minor);
    else sqlite3_bind_null(st, 8);
    rc = exec_stmt(q, st, err, "insert customer");
    if (rc == OWED_E_EXISTS) owed__ids_give_back(&q->ids, OWED_ID_CUSTOMER);
    if (rc == OWED_OK) c->id = id;
    return rc;
}

static int sq_customers_each(struct owed_store *s, int64_t org, owed_customer_fn fn, void *ctx,
                             struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_CUSTOMERS_EACH, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    struct owed_customer c;
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_customer(st, &c);
        if ((out = fn(ctx, &c)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "customers");
    sqlite3_reset(st);
    return out;
}

/* ---- invoices ---- */

static void read_invoice(sqlite3_stmt *st, struct owed_invoice *inv, bool text)
{
    inv->id = sqlite3_column_int64(st, 0);
    if (text) {
        copy_col(st, 1, inv->number, sizeof inv->number);
        copy_col(st, 7, inv->po_number, sizeof inv->po_number);
    } else {
        inv->number[0] = inv->po_number[0] = '\0';
    }
    inv->customer_id = sqlite3_column_int64(st, 2);
    inv->issue_date = sqlite3_column_int(st, 3);
    inv->due_date = sqlite3_column_int(st, 4);
    copy_col(st, 5, inv->currency, sizeof inv->currency);
    inv->amount_minor = sqlite3_column_int64(st, 6);
    inv->kind = (enum owed_invoice_kind)sqlite3_column_int(st, 8);
    if (text) copy_col(st, 9, inv->terms, sizeof inv->terms);
    else inv->terms[0] = '\0';
    inv->allocated_minor = sqlite3_column_int64(st, 10);
}

static int sq_invoice_get(struct owed_store *s, int64_t org, const char *number,
                          struct owed_invoice *out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_INVOICE_GET, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, number);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_invoice(st, out, true);
    sqlite3_reset(st);
    return rc;
}

static int sq_invoice_insert(struct owed_store *s, int64_t org, struct owed_invoice *inv,
                             struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_INVOICE, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_INVOICE_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    bind_text(st, 3, inv->number);
    sqlite3_bind_int64(st, 4, inv->customer_id);
    sqlite3_bind_int(st, 5, inv->issue_date);
    sqlite3_bind_int(st, 6, inv->due_date);
    bind_text(st, 7, inv->currency);
    sqlite3_bind_int64(st, 8, inv->amount_minor);
    bind_text(st, 9, inv->po_number);
    sqlite3_bind_int(st, 10, inv->kind ? (int)inv->kind : OWED_INVOICE_SALE);
    bind_text(st, 11, inv->terms);
    rc = exec_stmt(q, st, err, "insert invoice");
    if (rc == OWED_E_EXISTS) owed__ids_give_back(&q->ids, OWED_ID_INVOICE);
    if (rc == OWED_OK) inv->id = id;
    return rc;
}

static owed_date filter_date(const struct owed_list_filter *f)
{
    return f && f->on_or_before ? f->on_or_before : INT32_MAX;
}

static int sq_invoices_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_invoice_fn fn, void *ctx, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    bool by_customer = f && f->customer_id;
    bool text = by_customer || (f && f->with_text);
    enum stmt_id id = by_customer ? ST_INVOICES_OF_CUSTOMER
                      : text      ? ST_INVOICES_EACH_TEXT
                                  : ST_INVOICES_EACH;
    sqlite3_stmt *st = stmt(q, id, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int(st, 2, filter_date(f));
    if (by_customer) sqlite3_bind_int64(st, 3, f->customer_id);
    struct owed_invoice inv;
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_invoice(st, &inv, text);
        if ((out = fn(ctx, &inv)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "invoices");
    sqlite3_reset(st);
    return out;
}

/* ---- payments and allocations ---- */

static void read_payment(sqlite3_stmt *st, struct owed_payment *p, bool text)
{
    p->id = sqlite3_column_int64(st, 0);
    if (text) {
        copy_col(st, 1, p->ref, sizeof p->ref);
        copy_col(st, 6, p->method, sizeof p->method);
        copy_col(st, 7, p->reference, sizeof p->reference);
        copy_col(st, 8, p->invoice_number, sizeof p->invoice_number);
        copy_col(st, 10, p->channel, sizeof p->channel);
        copy_col(st, 11, p->payer_name, sizeof p->payer_name);
        copy_col(st, 12, p->payer_account, sizeof p->payer_account);
    } else {
        p->ref[0] = p->method[0] = p->reference[0] = p->invoice_number[0] = '\0';
        p->channel[0] = p->payer_name[0] = p->payer_account[0] = '\0';
    }
    p->customer_id = sqlite3_column_int64(st, 2);
    p->received_date = sqlite3_column_int(st, 3);
    p->amount_minor = sqlite3_column_int64(st, 4);
    copy_col(st, 5, p->currency, sizeof p->currency);
    p->kind = (enum owed_payment_kind)sqlite3_column_int(st, 9);
    p->allocated_minor = sqlite3_column_int64(st, 13);
    p->outflow_minor = sqlite3_column_int64(st, 14);
}

static int sq_payment_get(struct owed_store *s, int64_t org, const char *ref,
                          struct owed_payment *out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_PAYMENT_GET, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, ref);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_payment(st, out, true);
    sqlite3_reset(st);
    return rc;
}

static int sq_payment_insert(struct owed_store *s, int64_t org, struct owed_payment *p,
                             struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_PAYMENT, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_PAYMENT_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    bind_text(st, 3, p->ref);
    sqlite3_bind_int64(st, 4, p->customer_id);
    sqlite3_bind_int(st, 5, p->received_date);
    sqlite3_bind_int64(st, 6, p->amount_minor);
    bind_text(st, 7, p->currency);
    bind_text(st, 8, p->method);
    bind_text(st, 9, p->reference);
    bind_text(st, 10, p->invoice_number);
    sqlite3_bind_int(st, 11, p->kind ? (int)p->kind : OWED_PAYMENT_CASH);
    bind_text(st, 12, p->channel);
    bind_text(st, 13, p->payer_name);
    bind_text(st, 14, p->payer_account);
    rc = exec_stmt(q, st, err, "insert payment");
    if (rc == OWED_E_EXISTS) owed__ids_give_back(&q->ids, OWED_ID_PAYMENT);
    if (rc == OWED_OK) p->id = id;
    return rc;
}

static int sq_payments_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_payment_fn fn, void *ctx, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    bool by_customer = f && f->customer_id;
    bool text = by_customer || (f && f->with_text);
    enum stmt_id id = by_customer ? ST_PAYMENTS_OF_CUSTOMER
                      : text      ? ST_PAYMENTS_EACH_TEXT
                                  : ST_PAYMENTS_EACH;
    sqlite3_stmt *st = stmt(q, id, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int(st, 2, filter_date(f));
    if (by_customer) sqlite3_bind_int64(st, 3, f->customer_id);
    struct owed_payment p;
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_payment(st, &p, text);
        if ((out = fn(ctx, &p)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "payments");
    sqlite3_reset(st);
    return out;
}

static int sq_allocation_insert(struct owed_store *s, int64_t org, struct owed_allocation *a,
                                struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_ALLOCATION, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_ALLOCATION_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, a->payment_id);
    sqlite3_bind_int64(st, 4, a->invoice_id);
    sqlite3_bind_int(st, 5, a->date);
    sqlite3_bind_int64(st, 6, a->amount_minor);
    sqlite3_bind_int64(st, 7, a->reverses);
    rc = exec_stmt(q, st, err, "insert allocation");
    if (rc == OWED_OK) a->id = id;
    return rc;
}

static int sq_allocations_each(struct owed_store *s, int64_t org,
                               const struct owed_list_filter *f, owed_allocation_fn fn,
                               void *ctx, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    enum stmt_id id = ST_ALLOCATIONS_EACH;
    int64_t key = 0;
    if (f && f->payment_id) id = ST_ALLOCATIONS_OF_PAYMENT, key = f->payment_id;
    else if (f && f->invoice_id) id = ST_ALLOCATIONS_OF_INVOICE, key = f->invoice_id;
    else if (f && f->customer_id) id = ST_ALLOCATIONS_OF_CUSTOMER, key = f->customer_id;
    sqlite3_stmt *st = stmt(q, id, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int(st, 2, filter_date(f));
    if (key) sqlite3_bind_int64(st, 3, key);
    struct owed_allocation a;
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        a.id = sqlite3_column_int64(st, 0);
        a.payment_id = sqlite3_column_int64(st, 1);
        a.invoice_id = sqlite3_column_int64(st, 2);
        a.date = sqlite3_column_int(st, 3);
        a.amount_minor = sqlite3_column_int64(st, 4);
        a.reverses = sqlite3_column_int64(st, 5);
        if ((out = fn(ctx, &a)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "allocations");
    sqlite3_reset(st);
    return out;
}

/* ---- journal ---- */

static int sq_entry_append(struct owed_store *s, int64_t org, const struct owed_entry *e,
                           int64_t *entry_id, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    OWED_ASSERT(owed_entry_balanced(e));
    OWED_ASSERT(!sqlite3_get_autocommit(q->db)); /* postings happen inside a transaction */
    int64_t id;
    int rc = next_id(q, org, OWED_ID_ENTRY, &id, err);
    if (rc) return rc;
    for (size_t i = 0; i < e->nlines; i++) {
        if (q->npending == LINE_BATCH && (rc = flush_lines(q, err))) return rc;
        struct pending_line *l = &q->pending[q->npending++];
        l->org = org;
        l->entry_id = id;
        l->line_no = (int64_t)i + 1;
        l->kind = (int)e->kind;
        l->source_id = e->source_id;
        l->customer_id = e->customer_id;
        memcpy(l->currency, e->currency, 4);
        l->date = e->date;
        l->account = (int)e->lines[i].account;
        l->amount_minor = e->lines[i].amount_minor;
    }
    if (entry_id) *entry_id = id;
    return OWED_OK;
}

static int sq_journal_lines_each(struct owed_store *s, int64_t org, owed_journal_line_fn fn,
                                 void *ctx, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    if (flush_lines(q, err)) return OWED_E_STORE;
    sqlite3_stmt *st = stmt(q, ST_JOURNAL_LINES, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    int rc, out = OWED_OK;
    struct owed_journal_line l;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        l.entry_id = sqlite3_column_int64(st, 0);
        l.line_no = sqlite3_column_int64(st, 1);
        l.kind = (enum owed_entry_kind)sqlite3_column_int(st, 2);
        l.source_id = sqlite3_column_int64(st, 3);
        l.customer_id = sqlite3_column_int64(st, 4);
        copy_col(st, 5, l.currency, sizeof l.currency);
        l.date = sqlite3_column_int(st, 6);
        l.account = (enum owed_account)sqlite3_column_int(st, 7);
        l.amount_minor = sqlite3_column_int64(st, 8);
        if ((out = fn(ctx, &l)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "journal");
    sqlite3_reset(st);
    return out;
}

/* ---- lookups by id ---- */

static int sq_customer_get_id(struct owed_store *s, int64_t org, int64_t id,
                              struct owed_customer *out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_CUSTOMER_GET_ID, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_customer(st, out);
    sqlite3_reset(st);
    return rc;
}

static int sq_invoice_get_id(struct owed_store *s, int64_t org, int64_t id,
                             struct owed_invoice *out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_INVOICE_GET_ID, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_invoice(st, out, true);
    sqlite3_reset(st);
    return rc;
}

static int sq_payment_get_id(struct owed_store *s, int64_t org, int64_t id,
                             struct owed_payment *out, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_PAYMENT_GET_ID, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_payment(st, out, true);
    sqlite3_reset(st);
    return rc;
}

/* ---- outflows (refunds, reversals) ---- */

static int sq_outflow_insert(struct owed_store *s, int64_t org, struct owed_outflow *o,
                             struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = next_id(q, org, OWED_ID_OUTFLOW, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_OUTFLOW_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, o->payment_id);
    sqlite3_bind_int(st, 4, (int)o->kind);
    sqlite3_bind_int(st, 5, o->date);
    sqlite3_bind_int64(st, 6, o->amount_minor);
    bind_text(st, 7, o->reason);
    rc = exec_stmt(q, st, err, "insert outflow");
    if (rc == OWED_OK) o->id = id;
    return rc;
}

static int sq_outflows_each(struct owed_store *s, int64_t org, const struct owed_list_filter *f,
                            owed_outflow_fn fn, void *ctx, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    enum stmt_id id = ST_OUTFLOWS_EACH;
    int64_t key = 0;
    if (f && f->payment_id) id = ST_OUTFLOWS_OF_PAYMENT, key = f->payment_id;
    else if (f && f->customer_id) id = ST_OUTFLOWS_OF_CUSTOMER, key = f->customer_id;
    sqlite3_stmt *st = stmt(q, id, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int(st, 2, filter_date(f));
    if (key) sqlite3_bind_int64(st, 3, key);
    struct owed_outflow o;
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        o.id = sqlite3_column_int64(st, 0);
        o.payment_id = sqlite3_column_int64(st, 1);
        o.kind = (enum owed_outflow_kind)sqlite3_column_int(st, 2);
        o.date = sqlite3_column_int(st, 3);
        o.amount_minor = sqlite3_column_int64(st, 4);
        copy_col(st, 5, o.reason, sizeof o.reason);
        if ((out = fn(ctx, &o)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "outflows");
    sqlite3_reset(st);
    return out;
}

/* ---- organization settings ---- */

static int sq_org_settings_get(struct owed_store *s, int64_t org, struct owed_org_settings *out,
                               struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_ORG_GET, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) {
        copy_col(st, 0, out->tolerance, sizeof out->tolerance);
        copy_col(st, 1, out->timezone, sizeof out->timezone);
        copy_col(st, 2, out->calendar, sizeof out->calendar);
        copy_col(st, 3, out->mail_from, sizeof out->mail_from);
        copy_col(st, 4, out->smtp_url, sizeof out->smtp_url);
        copy_col(st, 5, out->sms_url, sizeof out->sms_url);
        copy_col(st, 6, out->pay_url, sizeof out->pay_url);
        copy_col(st, 7, out->out_dir, sizeof out->out_dir);
        copy_col(st, 8, out->name, sizeof out->name);
        copy_col(st, 9, out->gateway_secret, sizeof out->gateway_secret);
    }
    sqlite3_reset(st);
    return rc;
}

static int sq_org_settings_set(struct owed_store *s, int64_t org,
                               const struct owed_org_settings *in, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_ORG_SET, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, in->tolerance);
    bind_text(st, 3, in->timezone);
    bind_text(st, 4, in->calendar);
    bind_text(st, 5, in->mail_from);
    bind_text(st, 6, in->smtp_url);
    bind_text(st, 7, in->sms_url);
    bind_text(st, 8, in->pay_url);
    bind_text(st, 9, in->out_dir);
    bind_text(st, 10, in->name);
    bind_text(st, 11, in->gateway_secret);
    return exec_stmt(q, st, err, "org settings");
}

/* ---- bank statements ---- */

static void bind_opt_date(sqlite3_stmt *st, int i, owed_date d)
{
    if (d == INT32_MIN) sqlite3_bind_null(st, i);
    else sqlite3_bind_int(st, i, d);
}

static owed_date col_opt_date(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? INT32_MIN : sqlite3_column_int(st, i);
}

/* Looks up an id by a unique text key (statement or entry). */
static int id_by_key(struct sqlite_store *q, enum stmt_id sid, int64_t org, const char *key,
                     int64_t *out, struct owed_buf *err)
{
    sqlite3_stmt *st = stmt(q, sid, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, key);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}

static int sq_statement_insert(struct owed_store *s, int64_t org, struct owed_stmt_rec *r,
                               struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = id_by_key(q, ST_STMT_BY_KEY, org, r->key, &id, err);
    if (rc == OWED_OK) {
        r->id = id;
        return OWED_E_EXISTS;
    }
    if (rc != OWED_E_NOT_FOUND) return rc;
    rc = next_id(q, org, OWED_ID_STATEMENT, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_STMT_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    bind_text(st, 3, r->key);
    bind_text(st, 4, r->format);
    bind_text(st, 5, r->account);
    bind_text(st, 6, r->bank_stmt_id);
    bind_text(st, 7, r->currency);
    bind_opt_date(st, 8, r->date);
    if (r->has_opening) sqlite3_bind_int64(st, 9, r->opening_minor);
    else sqlite3_bind_null(st, 9);
    bind_opt_date(st, 10, r->has_opening ? r->opening_date : INT32_MIN);
    if (r->has_closing) sqlite3_bind_int64(st, 11, r->closing_minor);
    else sqlite3_bind_null(st, 11);
    bind_opt_date(st, 12, r->has_closing ? r->closing_date : INT32_MIN);
    bind_text(st, 13, r->file_name);
    rc = exec_stmt(q, st, err, "insert statement");
    if (rc == OWED_OK) r->id = id;
    return rc;
}

static int sq_entry_insert(struct owed_store *s, int64_t org, struct owed_entry_rec *e,
                           struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    int64_t id;
    int rc = id_by_key(q, ST_BENTRY_BY_KEY, org, e->key, &id, err);
    if (rc == OWED_OK) {
        e->id = id;
        return OWED_E_EXISTS;
    }
    if (rc != OWED_E_NOT_FOUND) return rc;
    rc = next_id(q, org, OWED_ID_BANK_ENTRY, &id, err);
    sqlite3_stmt *st = rc ? NULL : stmt(q, ST_BENTRY_INSERT, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, e->statement_id);
    bind_text(st, 4, e->key);
    bind_opt_date(st, 5, e->booking_date);
    bind_opt_date(st, 6, e->value_date);
    sqlite3_bind_int64(st, 7, e->amount_minor);
    bind_text(st, 8, e->currency);
    sqlite3_bind_int(st, 9, e->credit);
    bind_text(st, 10, e->entry_ref);
    bind_text(st, 11, e->end_to_end);
    bind_text(st, 12, e->remittance);
    bind_text(st, 13, e->counterparty_name);
    bind_text(st, 14, e->counterparty_account);
    bind_text(st, 15, e->bank_code);
    sqlite3_bind_int(st, 16, (int)e->status);
    sqlite3_bind_int64(st, 17, e->customer_id);
    sqlite3_bind_int64(st, 18, e->payment_id);
    sqlite3_bind_int(st, 19, e->score);
    bind_text(st, 20, e->suggestions);
    rc = exec_stmt(q, st, err, "insert bank entry");
    if (rc == OWED_OK) e->id = id;
    return rc;
}

static void read_entry(sqlite3_stmt *st, struct owed_entry_rec *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->statement_id = sqlite3_column_int64(st, 1);
    copy_col(st, 2, e->key, sizeof e->key);
    e->booking_date = col_opt_date(st, 3);
    e->value_date = col_opt_date(st, 4);
    e->amount_minor = sqlite3_column_int64(st, 5);
    copy_col(st, 6, e->currency, sizeof e->currency);
    e->credit = sqlite3_column_int(st, 7) != 0;
    copy_col(st, 8, e->entry_ref, sizeof e->entry_ref);
    copy_col(st, 9, e->end_to_end, sizeof e->end_to_end);
    copy_col(st, 10, e->remittance, sizeof e->remittance);
    copy_col(st, 11, e->counterparty_name, sizeof e->counterparty_name);
    copy_col(st, 12, e->counterparty_account, sizeof e->counterparty_account);
    copy_col(st, 13, e->bank_code, sizeof e->bank_code);
    e->status = (enum owed_entry_status)sqlite3_column_int(st, 14);
    e->customer_id = sqlite3_column_int64(st, 15);
    e->payment_id = sqlite3_column_int64(st, 16);
    e->score = sqlite3_column_int(st, 17);
    copy_col(st, 18, e->suggestions, sizeof e->suggestions);
}

static int sq_entry_get(struct owed_store *s, int64_t org, int64_t id, struct owed_entry_rec *out,
                        struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_BENTRY_GET, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, id);
    int rc = get_one(q, st, err);
    if (rc == OWED_OK) read_entry(st, out);
    sqlite3_reset(st);
    return rc;
}

static int sq_entry_update(struct owed_store *s, int64_t org, const struct owed_entry_rec *e,
                           struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_BENTRY_UPDATE, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    sqlite3_bind_int64(st, 2, e->id);
    sqlite3_bind_int(st, 3, (int)e->status);
    sqlite3_bind_int64(st, 4, e->customer_id);
    sqlite3_bind_int64(st, 5, e->payment_id);
    sqlite3_bind_int(st, 6, e->score);
    bind_text(st, 7, e->suggestions);
    int rc = exec_stmt(q, st, err, "update bank entry");
    if (rc == OWED_OK && sqlite3_changes(q->db) == 0) return OWED_E_NOT_FOUND;
    return rc;
}

static int sq_entries_each(struct owed_store *s, int64_t org, int status, owed_entry_rec_fn fn,
                           void *ctx, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, status ? ST_BENTRIES_BY_STATUS : ST_BENTRIES_EACH, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    if (status) sqlite3_bind_int(st, 2, status);
    struct owed_entry_rec *e = owed_xmalloc(sizeof *e);
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_entry(st, e);
        if ((out = fn(ctx, e)) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "bank entries");
    sqlite3_reset(st);
    free(e);
    return out;
}

static int sq_payer_learn(struct owed_store *s, int64_t org, const char *key, int64_t customer_id,
                          struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_PAYER_LEARN, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, key);
    sqlite3_bind_int64(st, 3, customer_id);
    return exec_stmt(q, st, err, "learn payer");
}

static int sq_payers_each(struct owed_store *s, int64_t org, owed_payer_fn fn, void *ctx,
                          struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_PAYERS_EACH, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        if ((out = fn(ctx, key ? key : "", sqlite3_column_int64(st, 1))) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "payers");
    sqlite3_reset(st);
    return out;
}

static int sq_csv_map_save(struct owed_store *s, int64_t org, const char *name, const char *json,
                           struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_MAP_SAVE, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, name);
    bind_text(st, 3, json);
    return exec_stmt(q, st, err, "save mapping");
}

static int sq_csv_maps_each(struct owed_store *s, int64_t org,
                            int (*fn)(void *ctx, const char *name, const char *json), void *ctx,
                            struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_MAPS_EACH, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    int rc, out = OWED_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *json = (const char *)sqlite3_column_text(st, 1);
        if ((out = fn(ctx, name ? name : "", json ? json : "")) != OWED_OK) break;
    }
    if (out == OWED_OK && rc != SQLITE_DONE) out = db_error(q, err, "mappings");
    sqlite3_reset(st);
    return out;
}

static int sq_idem_claim(struct owed_store *s, int64_t org, const char *key, struct owed_buf *err)
{
    struct sqlite_store *q = impl(s);
    sqlite3_stmt *st = stmt(q, ST_IDEM_CLAIM, err);
    if (!st) return OWED_E_STORE;
    sqlite3_bind_int64(st, 1, org);
    bind_text(st, 2, key);
    int rc = exec_stmt(q, st, err, "idempotency key");
    if (rc == OWED_OK && sqlite3_changes(q->db) == 0) return OWED_E_EXISTS;
    return rc;
}

#include "sqlite_collections.inc"
#include "sqlite_platform.inc"
#include "sqlite_documents.inc"
#include "sqlite_portal.inc"

static const struct owed_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .default_org = sq_default_org,
    .max_ids = sq_max_ids,
    .open_peer = sq_open_peer,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .high_water = sq_high_water,
    .begin = sq_begin,
    .begin_relaxed = sq_begin_relaxed,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .customer_get = sq_customer_get,
    .customer_insert = sq_customer_insert,
    .customers_each = sq_customers_each,
    .invoice_get = sq_invoice_get,
    .invoice_insert = sq_invoice_insert,
    .invoices_each = sq_invoices_each,
    .payment_get = sq_payment_get,
    .payment_insert = sq_payment_insert,
    .payments_each = sq_payments_each,
    .allocation_insert = sq_allocation_insert,
    .allocations_each = sq_allocations_each,
    .entry_append = sq_entry_append,
    .journal_lines_each = sq_journal_lines_each,
    .customer_get_id = sq_customer_get_id,
    .invoice_get_id = sq_invoice_get_id,
    .payment_get_id = sq_payment_get_id,
    .outflow_insert = sq_outflow_insert,
    .outflows_each = sq_outflows_each,
    .org_settings_get = sq_org_settings_get,
    .org_settings_set = sq_org_settings_set,
    .statement_insert = sq_statement_insert,
    .entry_insert = sq_entry_insert,
    .entry_get = sq_entry_get,
    .entry_update = sq_entry_update,
    .entries_each = sq_entries_each,
    .payer_learn = sq_payer_learn,
    .payers_each = sq_payers_each,
    .csv_map_save = sq_csv_map_save,
    .csv_maps_each = sq_csv_maps_each,
    .idem_claim = sq_idem_claim,
    .item_insert = sq_item_insert,
    .item_update = sq_item_update,
    .item_get = sq_item_get,
    .items_each = sq_items_each,
    .policy_save = sq_policy_save,
    .policies_each = sq_policies_each,
    .policy_target_set = sq_policy_target_set,
    .policy_targets_each = sq_policy_targets_each,
    .profile_set = sq_profile_set,
    .profiles_each = sq_profiles_each,
    .run_insert = sq_run_insert,
    .firing_insert = sq_firing_insert,
    .firings_each = sq_firings_each,
    .outbox_insert = sq_outbox_insert,
    .outbox_update = sq_outbox_update,
    .outbox_each = sq_outbox_each,
    .org_create = sq_org_create,
    .orgs_each = sq_orgs_each,
    .user_insert = sq_user_insert,
    .user_update = sq_user_update,
    .user_get = sq_user_get,
    .user_find_email = sq_user_find_email,
    .users_each = sq_users_each,
    .cred_insert = sq_cred_insert,
    .cred_find = sq_cred_find,
    .cred_revoke = sq_cred_revoke,
    .creds_each = sq_creds_each,
    .audit_insert = sq_audit_insert,
    .audit_each = sq_audit_each,
    .idem_insert = sq_idem_insert,
    .idem_get = sq_idem_get,
    .idem_update = sq_idem_update,
    .webhook_insert = sq_webhook_insert,
    .webhook_update = sq_webhook_update,
    .webhook_delete = sq_webhook_delete,
    .webhook_get = sq_webhook_get,
    .webhooks_each = sq_webhooks_each,
    .doc_insert = sq_doc_insert,
    .doc_update = sq_doc_update,
    .doc_get = sq_doc_get,
    .docs_each = sq_docs_each,
    .seq_next = sq_seq_next,
    .orgdoc_get = sq_orgdoc_get,
    .orgdoc_put = sq_orgdoc_put,
    .recurring_insert = sq_recurring_insert,
    .recurring_update = sq_recurring_update,
    .recurring_each = sq_recurring_each,
    .period_claim = sq_period_claim,
    .portal_link_insert = sq_portal_link_insert,
    .portal_link_get = sq_portal_link_get,
    .portal_link_use = sq_portal_link_use,
    .portal_link_sent = sq_portal_link_sent,
    .portal_links_each = sq_portal_links_each,
    .portal_revoke = sq_portal_revoke,
    .portal_session_insert = sq_portal_session_insert,
    .portal_session_get = sq_portal_session_get,
    .portal_session_end = sq_portal_session_end,
    .portal_event_insert = sq_portal_event_insert,
    .portal_events_each = sq_portal_events_each,
    .portal_feedback_insert = sq_portal_feedback_insert,
    .portal_feedback_each = sq_portal_feedback_each,
    .try_lock = sq_try_lock,
    .unlock = sq_unlock,
};

int owed__sqlite_open(const char *path, bool create, struct owed_store **out,
                      struct owed_buf *err)
{
    struct sqlite_store *q = owed_xcalloc(1, sizeof *q);
    q->base.ops = &sqlite_ops;
    q->path = owed_xstrdup(path);
    owed_buf_init(&q->idem_body, 0);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &q->db, flags, NULL);
    if (rc != SQLITE_OK) {
        if (err) {
            if (!create && rc == SQLITE_CANTOPEN)
                owed_buf_addf(err, "%s: no database here (create one with `owed init`)", path);
            else
                owed_buf_addf(err, "%s: %s", path, q->db ? sqlite3_errmsg(q->db) : "cannot open");
        }
        sqlite3_close(q->db);
        free(q->path);
        free(q);
        return (!create && rc == SQLITE_CANTOPEN) ? OWED_E_NOT_FOUND : OWED_E_STORE;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, 5000);
    /* WAL: readers never block the writer. synchronous=FULL: a commit survives power loss
     * (money), at one fsync per transaction, and a use case is one transaction. A 64 MiB
     * page cache holds a bulk import's hot pages (measured faster than 256 MiB and 2 MiB on
     * 1M invoices) and bounds memory; reads go through mmap, which spares a copy. */
    rc = exec_sql(q,
                  "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                  " PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;"
                  " PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 17179869184;",
                  NULL);
    if (rc) {
        if (err) owed_buf_addf(err, "%s: %s", path, sqlite3_errmsg(q->db));
        sq_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return OWED_OK;
}
