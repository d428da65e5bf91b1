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

/* ---- the book snapshot (app/book_load.c) ---- */

/* Loads what reports need as of a date (invoices issued, payments received on or before
 * it). with_numbers also loads invoice numbers (for detail listings). */
int owed_book_load(struct owed_store *s, int64_t org, owed_date as_of, bool with_numbers,
                   struct owed_book *book, struct owed_buf *err);
void owed_book_release(struct owed_book *book);

/* ---- reports (app/report_aging.c, app/report_kpi.c) ---- */

enum owed_format { OWED_FORMAT_TABLE = 1, OWED_FORMAT_CSV = 2, OWED_FORMAT_JSON = 3 };
int owed_format_parse(const char *s, enum owed_format *out);

/* Renders the aging report into out; the same bytes for the CLI and the API. */
int owed_report_aging(struct owed_store *s, int64_t org, const struct owed_aging_opts *opts,
                      bool detail, enum owed_format fmt, struct owed_buf *out,
                      struct owed_buf *err);
int owed_report_kpi(struct owed_store *s, int64_t org, owed_date as_of, int days,
                    enum owed_format fmt, struct owed_buf *out, struct owed_buf *err);

/* ---- customer (app/customer_show.c) ---- */

int owed_report_customer(struct owed_store *s, int64_t org, const char *ref, owed_date as_of,
                         enum owed_format fmt, struct owed_buf *out, struct owed_buf *err);

/* ---- ledger check (app/check.c) ---- */

/* Verifies the invariants of DESIGN.md "Ledger". Appends one line per breach to out and
 * returns OWED_E_INVARIANT if any; a summary line otherwise. */
int owed_ledger_check(struct owed_store *s, int64_t org, struct owed_buf *out,
                      struct owed_buf *err);

#endif
