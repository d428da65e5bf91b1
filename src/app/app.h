/* Use cases: each runs in one store transaction and calls pure functions in core/. The CLI
 * and (later) the HTTP server call these and only these. */
#ifndef OWED_APP_H
#define OWED_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/aging.h"
#include "core/book.h"
#include "owed/buf.h"
#include "store/store.h"

/* Commits when rc is OWED_OK, else (or when the commit fails) rolls back; returns the
 * outcome. The end of every use case's write transaction (app/tx.c). */
int owed__tx_end(struct owed_store *s, int rc, struct owed_buf *err);

/* ---- import (app/import.c) ---- */

enum owed_import_kind {
    OWED_IMPORT_CUSTOMERS = 1,
    OWED_IMPORT_INVOICES = 2,
    OWED_IMPORT_PAYMENTS = 3,
};

struct owed_import_opts {
    bool skip_bad; /* import good rows, write bad ones to FILE.rejects.csv */
    /* Called with one complete "FILE:LINE: column: reason" message per problem. */
    void (*on_error)(void *ctx, const char *msg);
    void *error_ctx;
    /* Called now and then with bytes read so far and the file size (0 when unknown). */
    void (*on_progress)(void *ctx, long long done, long long total);
    void *progress_ctx;
};

struct owed_import_result {
    long rows;       /* data rows read */
    long inserted;   /* new records */
    long unchanged;  /* already recorded with the same content */
    long rejected;   /* bad rows */
    long unapplied;  /* payments left wholly or partly on account */
    bool bad_header; /* the file had no usable header row: nothing could be read */
    char rejects_path[4096]; /* set when --skip-bad wrote rejects */
};

/* Parses "customers" | "invoices" | "payments"; 0 if unknown. */
enum owed_import_kind owed_import_kind_parse(const char *s);
const char *owed_import_kind_name(enum owed_import_kind k);

/* All or nothing unless opts->skip_bad: returns OWED_E_REJECTED (database unchanged) when
 * any row is bad; every problem went to opts->on_error. OWED_E_IO for an unreadable file,
 * OWED_E_STORE for a database failure (rolled back). */
int owed_import_file(struct owed_store *s, int64_t org, enum owed_import_kind kind,
                     const char *path, const struct owed_import_opts *opts,
                     struct owed_import_result *res, struct owed_buf *err);

/* The same from memory (an API request body); `name` stands for the file in messages.
 * No skip_bad (there is no file to write rejects beside). */
int owed_import_mem(struct owed_store *s, int64_t org, enum owed_import_kind kind,
                    const char *name, const char *data, size_t len,
                    const struct owed_import_opts *opts, struct owed_import_result *res,
                    struct owed_buf *err);

/* ---- the book snapshot (app/book_load.c) ---- */

/* Loads what reports need as of a date (invoices issued, payments received on or before
 * it). with_numbers also loads invoice numbers (for detail listings). */
int owed_book_load(struct owed_store *s, int64_t org, owed_date as_of, bool with_numbers,
                   struct owed_book *book, struct owed_buf *err);
void owed_book_release(struct owed_book *book);

/* ---- reports (app/report_aging.c, app/report_kpi.c) ---- */

/* XLSX (an Excel workbook) only where a report says so: owed_report_aging. */
enum owed_format {
    OWED_FORMAT_TABLE = 1,
    OWED_FORMAT_CSV = 2,
    OWED_FORMAT_JSON = 3,
    OWED_FORMAT_XLSX = 4,
};
/* "table", "csv" or "json" (not "xlsx": a command that takes it says so); OWED_E_PARSE. */
int owed_format_parse(const char *s, enum owed_format *out);

/* Renders the aging report into out; the same bytes for the CLI and the API. XLSX is a
 * workbook with a Summary sheet (the summary's rows and a Total row per currency) and a
 * Detail sheet (one row per open invoice), whatever `detail` says; amounts are numbers in
 * each currency's decimals, dates real dates (docs/reports.md). Errors: those of
 * owed_book_load, OWED_E_TOO_LARGE at out's cap, and for XLSX those of io/xlsx.h. */
int owed_report_aging(struct owed_store *s, int64_t org, const struct owed_aging_opts *opts,
                      bool detail, enum owed_format fmt, struct owed_buf *out,
                      struct owed_buf *err);
/* The aging workbook as of a date with the default buckets, by due date: the bytes of
 * `owed aging --as-of D --format xlsx`, appended to out (owed_report_aging). Serve it as
 * application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, named
 * aging-YYYY-MM-DD.xlsx. */
int owed_report_aging_xlsx(struct owed_store *s, int64_t org, owed_date as_of,
                           struct owed_buf *out, struct owed_buf *err);
int owed_report_kpi(struct owed_store *s, int64_t org, owed_date as_of, int days,
                    enum owed_format fmt, struct owed_buf *out, struct owed_buf *err);

/* ---- customer (app/customer_show.c) ---- */

int owed_report_customer(struct owed_store *s, int64_t org, const char *ref, owed_date as_of,
                         enum owed_format fmt, struct owed_buf *out, struct owed_buf *err);

/* ---- cash application (app/cash.c): each call is one transaction ----
 *
 * Every call appends what it did, one line each, to `out` ("applied 600.00 to INV-1
 * (closed)", "discount 12.00 on INV-3", ...). Amount arguments are decimal strings in
 * major units of the document's currency; NULL or "" means "all" where a default exists.
 * Errors: OWED_E_NOT_FOUND (unknown customer, invoice, payment), OWED_E_INVALID (with the
 * reason in err: wrong currency or customer, more than is open or unapplied), OWED_E_EXISTS
 * (the reference is taken by a different document), OWED_E_STORE. Nothing is written on
 * error. */

enum owed_apply_rule {
    OWED_APPLY_NONE = 0,   /* leave on account */
    OWED_APPLY_OLDEST = 1, /* oldest due first */
    OWED_APPLY_EXACT = 2,  /* the one open invoice whose open (or discounted, or within
                              tolerance) amount equals the payment; else on account */
    OWED_APPLY_LIST = 3,   /* the named invoices, in order */
};
int owed_apply_rule_parse(const char *s, enum owed_apply_rule *out);

struct owed_apply_target {
    const char *invoice_number;
    const char *amount; /* NULL/"" = as much as is left, up to what is open */
};

struct owed_pay_req {
    const char *ref;          /* payment_ref, unique per org; a retry with the same ref
                                 and content changes nothing */
    const char *customer_ref;
    owed_date date;
    const char *amount;
    const char *currency;     /* NULL/"" = the customer's */
    const char *method;       /* card ach sepa wire check echeck wallet cash other */
    const char *channel;      /* portal gateway bank invoice po other, or "" */
    const char *reference, *payer_name, *payer_account;
    enum owed_apply_rule rule;
    const struct owed_apply_target *targets;
    size_t ntargets;
};

/* Payment methods and channels accepted by owed_pay (NULL-terminated lists). */
extern const char *const owed_payment_methods[];
extern const char *const owed_payment_channels[];

int owed_pay(struct owed_store *s, int64_t org, const struct owed_pay_req *r,
             struct owed_buf *out, struct owed_buf *err);
/* Applies the unapplied part of a payment or credit note. */
int owed_apply(struct owed_store *s, int64_t org, const char *payment_ref,
               enum owed_apply_rule rule, const struct owed_apply_target *targets,
               size_t ntargets, struct owed_buf *out, struct owed_buf *err);
/* Reverses what a payment applied (to one invoice, or to all when invoice_number is
 * NULL), as of `date`; discounts and differences written off with it are reversed too. */
int owed_unapply(struct owed_store *s, int64_t org, const char *payment_ref,
                 const char *invoice_number, owed_date date, struct owed_buf *out,
                 struct owed_buf *err);
/* A credit note `number` for the customer; against an invoice (applied to it; amount
 * defaults to what is open) or on account (invoice_number NULL; amount required). */
int owed_credit_note(struct owed_store *s, int64_t org, const char *number,
                     const char *customer_ref, const char *invoice_number, const char *amount,
                     owed_date date, const char *reason, struct owed_buf *out,
                     struct owed_buf *err);
/* Writes off (part of) an invoice to bad debt; ref NULL = generated. */
int owed_write_off(struct owed_store *s, int64_t org, const char *invoice_number,
                   const char *amount, owed_date date, const char *reason, const char *ref,
                   struct owed_buf *out, struct owed_buf *err);
/* A payment bounced: unapplies everything it paid, takes it out of cash, and with
 * fee_amount charges a fee invoice FEE-<payment ref>. */
int owed_reverse(struct owed_store *s, int64_t org, const char *payment_ref, owed_date date,
                 const char *reason, const char *fee_amount, struct owed_buf *out,
                 struct owed_buf *err);
/* Pays back (part of) the unapplied credit of a payment or credit note. */
int owed_refund(struct owed_store *s, int64_t org, const char *payment_ref, const char *amount,
                owed_date date, const char *reason, struct owed_buf *out,
                struct owed_buf *err);

/* `owed import movements FILE` (app/import_moves.c): the commands above from CSV, the
 * whole file in one transaction, all or nothing; rows already imported are skipped.
 * Problems go to opts->on_error as "FILE:LINE: action: reason"; OWED_E_REJECTED then. */
int owed_import_movements(struct owed_store *s, int64_t org, const char *path, owed_date today,
                          const struct owed_import_opts *opts, struct owed_import_result *res,
                          struct owed_buf *out, struct owed_buf *err);

/* The org's short-payment tolerance: "" (none), "1.00" or "0.5%". */
int owed_tolerance_get(struct owed_store *s, int64_t org, char *out, size_t cap,
                       struct owed_buf *err);
int owed_tolerance_set(struct owed_store *s, int64_t org, const char *tolerance,
                       struct owed_buf *err);

/* ---- dunning (app/dunning_*.c, app/policy.c, app/outbox.c) ---- */

/* What a dunning run on as_of would send: one message per customer and channel, its most
 * severe step, and each invoice with its own step, open amount, days past due (negative
 * before the due date) and charges; also what is paused and why. Changes nothing. */
int owed_dunning_preview(struct owed_store *s, int64_t org, owed_date as_of, enum owed_format fmt,
                         struct owed_buf *out, struct owed_buf *err);

struct owed_run_result {
    int64_t run_id;
    size_t messages, firings, already_fired, fees, changes;
};
/* Does what the preview shows, in one transaction: records each firing under its key
 * (org, invoice, step), renders each message into the outbox, posts fees and interest as
 * invoices of their own, opens call tasks, places agency invoices on hold, and records
 * promises and plans that broke or completed. Running it again sends nothing twice. The
 * summary (and with JSON, the messages as the preview shows them) goes to out. */
int owed_dunning_run(struct owed_store *s, int64_t org, owed_date as_of, owed_time_ms now,
                     enum owed_format fmt, struct owed_run_result *res, struct owed_buf *out,
                     struct owed_buf *err);

/* The outbox (app/outbox.c). send delivers due queued messages, each at most once even
 * if the sender is killed (see there); lease_s: how long a claimed message is left to its
 * sender before another may take it; limit 0 = all. */
struct owed_send_stats {
    size_t sent, retry, failed, uncertain, requeued;
};
int owed_outbox_send(struct owed_store *s, int64_t org, owed_time_ms now, int64_t lease_s,
                     size_t limit, struct owed_send_stats *st, struct owed_buf *out,
                     struct owed_buf *err);
/* status 0 = all; id != 0 shows that message in full. */
int owed_outbox_list(struct owed_store *s, int64_t org, enum owed_msg_status status,
                     int64_t id, struct owed_buf *out, struct owed_buf *err);
/* An uncertain or failed message: queue it again (resend) or record it as sent. */
int owed_outbox_resolve(struct owed_store *s, int64_t org, int64_t id, bool resend,
                        owed_time_ms now, struct owed_buf *err);

/* Dunning policies (app/policy.c). */
int owed_policy_set(struct owed_store *s, int64_t org, const char *name, const char *path,
                    struct owed_buf *err);
/* target: "default", "customer:REF" or "segment:NAME"; name NULL removes the assignment. */
int owed_policy_assign(struct owed_store *s, int64_t org, const char *name, const char *target,
                       struct owed_buf *err);
int owed_policy_show(struct owed_store *s, int64_t org, const char *name, enum owed_format fmt,
                     struct owed_buf *out, struct owed_buf *err);
int owed_policy_list(struct owed_store *s, int64_t org, struct owed_buf *out,
                     struct owed_buf *err);

/* The organization's settings (app/org.c). NULL fields are left as they are.
 * gateway_secret: the signing secret of incoming payment gateway webhooks ("" = none);
 * owed_org_show and the API say only whether it is set. */
struct owed_org_changes {
    const char *name, *timezone, *calendar, *mail_from, *smtp_url, *sms_url, *pay_url, *out_dir;
    const char *gateway_secret;
};
int owed_org_set(struct owed_store *s, int64_t org, const struct owed_org_changes *ch,
                 struct owed_buf *err);
int owed_org_show(struct owed_store *s, int64_t org, struct owed_buf *out, struct owed_buf *err);
/* The organization's local date at `now` (its time zone; UTC when none is set). */
int owed_org_today(struct owed_store *s, int64_t org, owed_time_ms now, owed_date *out,
                   struct owed_buf *err);
/* The same with the local time of day, in minutes after midnight. */
int owed_org_local_time(struct owed_store *s, int64_t org, owed_time_ms now, owed_date *out,
                        int *minute_of_day, struct owed_buf *err);

/* ---- collection items (app/collections.c, app/collections_list.c) ---- */

/* A hold, dispute, promise, note or call to record. */
struct owed_item_req {
    enum owed_item_kind kind;
    const char *customer_ref;   /* or NULL with an invoice: its customer */
    const char *invoice_number; /* NULL: the customer as a whole */
    const char *code;           /* dispute reason, call outcome */
    const char *text;           /* hold reason, note, dispute or call text */
    const char *amount;         /* dispute (NULL: whole invoice), promise */
    owed_date date;             /* promise: the promised date */
    owed_date today;
};
int owed_item_add(struct owed_store *s, int64_t org, const struct owed_item_req *r, int64_t *id,
                  struct owed_buf *err);
/* The same inside the caller's write transaction (the customer portal records what it did
 * in the same one). */
int owed__item_add_in(struct owed_store *s, int64_t org, const struct owed_item_req *r,
                      int64_t *id, struct owed_buf *err);

/* Moves an item to a closing status: a hold released, a dispute investigating, resolved
 * (with a credit note, or upheld) or rejected, a promise or plan cancelled, a task done. */
struct owed_item_close {
    int64_t id;
    enum owed_item_kind kind; /* the kind the caller expects; 0 = any */
    enum owed_item_status status;
    const char *code;   /* task: a call outcome */
    const char *text;   /* appended to the item's text */
    const char *amount; /* dispute resolved with a credit note: NULL = the disputed amount */
    owed_date today;
};
int owed_item_close(struct owed_store *s, int64_t org, const struct owed_item_close *r,
                    struct owed_buf *out, struct owed_buf *err);

struct owed_plan_req {
    const char *invoice_number;
    int installments, every_days;
    owed_date first_due, today;
};
/* Splits the invoice's open balance into installments (core/collections.c). */
int owed_plan_create(struct owed_store *s, int64_t org, const struct owed_plan_req *r,
                     int64_t *id, struct owed_buf *out, struct owed_buf *err);
/* The same inside the caller's write transaction (the customer portal records its event in
 * the same one). */
int owed__plan_create_in(struct owed_store *s, int64_t org, const struct owed_plan_req *r,
                         int64_t *id, struct owed_buf *out, struct owed_buf *err);

/* Customer settings for collections; NULL fields are left as they are. */
struct owed_profile_changes {
    const char *segment, *lang, *phone, *address;
};
/* The customer's profile; an empty one (all "") when none was set. */
int owed_profile_get(struct owed_store *s, int64_t org, int64_t customer_id,
                     struct owed_profile *out, struct owed_buf *err);
int owed_profile_set(struct owed_store *s, int64_t org, const char *customer_ref,
                     const struct owed_profile_changes *ch, struct owed_buf *err);

/* Lists items of a kind (live ones unless all), optionally of one customer. */
int owed_items_list(struct owed_store *s, int64_t org, enum owed_item_kind kind,
                    const char *customer_ref, bool all, enum owed_format fmt,
                    struct owed_buf *out, struct owed_buf *err);
/* Disputes by reason: count, amount, how many closed and their mean days open; and the
 * promise-kept rate. */
int owed_collections_report(struct owed_store *s, int64_t org, enum owed_format fmt,
                            struct owed_buf *out, struct owed_buf *err);

/* ---- ledger check (app/check.c) ---- */

/* Verifies the invariants of DESIGN.md "Ledger". Appends one line per breach to out and
 * returns OWED_E_INVARIANT if any; a summary line otherwise. */
int owed_ledger_check(struct owed_store *s, int64_t org, struct owed_buf *out,
                      struct owed_buf *err);

#endif
