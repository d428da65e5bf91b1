#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/import_lines.h"
#include "app/ubl_import.h"
#include "cli/cli.h"

const char cmd_import_summary[] =
    "import customers, invoices, invoice lines, payments or movements from CSV";
const char cmd_import_help[] =
    "usage: owed import KIND FILE [--skip-bad] [--db PATH]\n"
    "       owed import ubl FILE.xml...\n"
    "\n"
    "KIND is customers, invoices, invoice-lines, payments or movements. FILE is CSV\n"
    "(UTF-8, RFC 4180 quoting)\n"
    "with a header row; columns are matched by name:\n"
    "\n"
    "  customers: customer_ref, name, email, currency, terms, credit_limit\n"
    "  invoices:  invoice_number, customer_ref, issue_date, due_date, currency, amount,\n"
    "             po_number\n"
    "  invoice-lines: invoice_number, customer_ref, issue_date, due_date, currency,\n"
    "             po_number, note, line_name, quantity, unit, unit_price, discount,\n"
    "             tax_category, tax_rate\n"
    "  payments:  payment_ref, customer_ref, received_date, amount, currency, method,\n"
    "             reference, invoice_number\n"
    "  movements: action, ref, customer_ref, invoice_number, amount, currency, date,\n"
    "             method, channel, reference, rule, reason, fee\n"
    "\n"
    "A movements row does what the command named by action does (pay, apply, unapply,\n"
    "credit-note, write-off, reverse, refund; see `owed help pay` and docs/cash.md), with\n"
    "the columns as its options; invoice_number may list several invoices separated by\n"
    "spaces; a blank date is today. Rows are carried out in file order in one\n"
    "transaction, and a row already imported (same content) is skipped.\n"
    "\n"
    "invoice-lines has one row per invoice line; rows with the same invoice_number make\n"
    "one invoice, and its columns up to note must be the same on all of them. Each\n"
    "invoice is issued under the number in the file (not from the numbering series; a\n"
    "number that is taken, or fits the series, is refused) like `owed invoice create\n"
    "--issue`: totals per EN 16931 and the business rules checked. unit blank is C62,\n"
    "tax_category blank is S (tax_rate required), unit_price may have 4 more decimals\n"
    "than the currency, quantity 3. See docs/invoicing.md.\n"
    "\n"
    "ubl imports UBL 2.1 invoices and credit notes (e-invoices your ERP made) with their\n"
    "lines, parties and totals, after checking the EN 16931 business rules (a failed rule\n"
    "rejects the file, naming the rule). The buyer is found as the customer whose ref is\n"
    "its VAT id (else legal id, else electronic address), and made when there is none.\n"
    "\n"
    "Dates are YYYY-MM-DD; amounts are decimals in major units (1234.56) with no more\n"
    "decimals than the currency has. A blank due_date comes from the customer's terms\n"
    "(NET<n>, DUE, <p>/<d> NET<n>, EOM<n>; blank terms mean NET30); a blank currency is\n"
    "the customer's. A payment naming an invoice is applied to it up to its open amount;\n"
    "the rest stays on the customer's account as unapplied cash. method is one of card,\n"
    "ach, sepa, wire, check, echeck, wallet, cash, other (blank: other).\n"
    "\n"
    "An import is all or nothing: any bad row rejects the whole file, every problem is\n"
    "listed as FILE:LINE: column: reason, the database is unchanged and the exit code\n"
    "is 3. Rows already recorded with the same content are skipped, so importing a file\n"
    "twice changes nothing; the same ref with different content is an error.\n"
    "\n"
    "Options:\n"
    "  --skip-bad  import the good rows and write the bad ones, with the reason, to\n"
    "              FILE.rejects.csv\n"
    "  --db PATH   database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed import customers customers.csv\n"
    "  owed import invoices invoices.csv\n"
    "  owed import invoice-lines lines.csv\n"
    "  owed import payments payments.csv --skip-bad\n";

static void print_error(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "owed: %s\n", msg);
}

struct progress {
    const char *path;
    int last_percent;
};

static void print_progress(void *ctx, long long done, long long total)
{
    struct progress *p = ctx;
    if (total < (8 << 20)) return; /* small files finish before a bar helps */
    int percent = (int)(done * 100 / total);
    if (percent == p->last_percent) return;
    p->last_percent = percent;
    int bar = percent / 4;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%%", p->path, bar, "#########################", 25 - bar,
            "", percent);
    if (percent >= 100) fputs("\n", stderr);
    fflush(stderr);
}

/* owed import ubl FILE...: each file in its own transaction; the exit code is that of the
 * first failure. */
static int import_ubl(struct cli *cli, int n, char **paths)
{
    if (cli_open(cli)) return EXIT_FAILURE_;
    int first = OWED_OK;
    for (int i = 0; i < n; i++) {
        struct owed_ubl_import_result res;
        struct owed_buf err = OWED_BUF_INIT(0);
        int rc = owed_ubl_import_file(cli->store, cli->org, paths[i],
                                      cli->clock.now_ms(cli->clock.ctx), &res, &err);
        if (rc) {
            cli_error("%s%s", err.ptr, rc == OWED_E_REJECTED ? "\nnothing was imported" : "");
            if (!first) first = rc;
        } else if (!res.created) {
            printf("%s: %s %s already imported\n", paths[i], res.type, res.number);
        } else {
            printf("%s: %s %s for %s%s (#%lld)\n", paths[i], res.type, res.number,
                   res.customer_ref, res.new_customer ? " (new customer)" : "",
                   (long long)res.doc_id);
        }
        owed_buf_release(&err);
    }
    return cli_exit_refused(first);
}

/* owed import invoice-lines FILE: all or nothing. */
static int import_lines(struct cli *cli, const char *path, struct owed_import_opts *io)
{
    if (cli_open(cli)) return EXIT_FAILURE_;
    io->on_error = print_error;
    struct owed_import_result res;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_import_invoice_lines(cli->store, cli->org, path, cli_today(cli),
                                       cli->clock.now_ms(cli->clock.ctx), io, &res, &err);
    if (rc == OWED_E_REJECTED && res.bad_header)
        cli_error("%s: rejected (bad header); nothing was imported", path);
    else if (rc == OWED_E_REJECTED)
        cli_error("%s: rejected (%ld bad row%s); nothing was imported", path, res.rejected,
                  res.rejected == 1 ? "" : "s");
    else if (rc) cli_error("%s", err.ptr);
    else
        printf("%s: %ld row%s: %ld invoice%s issued, %ld already recorded\n", path, res.rows,
               res.rows == 1 ? "" : "s", res.inserted, res.inserted == 1 ? "" : "s",
               res.unchanged);
    owed_buf_release(&err);
    return cli_exit_code(rc);
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTS, {"skip-bad", no_argument, NULL, 's'}, {0, 0, 0, 0}};
    const struct cmd *self = cli_find("import");
    struct owed_import_opts io = {0};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's') io.skip_bad = true;
        else if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    }
    if (argc - optind >= 2 && !strcmp(argv[optind], "ubl")) {
        if (io.skip_bad) return cli_usage(self, "each UBL file is imported on its own: no --skip-bad");
        return import_ubl(cli, argc - optind - 1, argv + optind + 1);
    }
    if (argc - optind != 2) return cli_usage(self, "import needs KIND and FILE");
    if (!strcmp(argv[optind], "invoice-lines")) {
        if (io.skip_bad) return cli_usage(self, "invoice lines are all or nothing: no --skip-bad");
        return import_lines(cli, argv[optind + 1], &io);
    }
    if (!strcmp(argv[optind], "movements")) {
        if (io.skip_bad) return cli_usage(self, "movements are all or nothing: no --skip-bad");
        const char *path = argv[optind + 1];
        if (cli_open(cli)) return EXIT_FAILURE_;
        io.on_error = print_error;
        struct owed_import_result res;
        struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
        int rc = owed_import_movements(cli->store, cli->org, path, cli_today(cli), &io, &res,
                                       &out, &err);
        if (rc == OWED_E_REJECTED)
            cli_error("%s: rejected (%ld bad row%s); nothing was imported", path, res.rejected,
                      res.rejected == 1 ? "" : "s");
        else if (rc) cli_error("%s", err.ptr);
        else if (cli_write(&out))
            printf("%s: %ld rows: %ld carried out, %ld already imported\n", path, res.rows,
                   res.inserted, res.unchanged);
        owed_buf_release(&out);
        owed_buf_release(&err);
        return cli_exit_code(rc);
    }
    enum owed_import_kind kind = owed_import_kind_parse(argv[optind]);
    if (!kind)
        return cli_usage(self, "'%s' is not a kind of import (customers, invoices, "
                               "invoice-lines, payments, movements, ubl)",
                         argv[optind]);
    const char *path = argv[optind + 1];
    if (cli_open(cli)) return EXIT_FAILURE_;

    io.on_error = print_error;
    struct progress prog = {path, -1};
    if (isatty(STDERR_FILENO)) {
        io.on_progress = print_progress;
        io.progress_ctx = &prog;
    }
    struct owed_import_result res;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_import_file(cli->store, cli->org, kind, path, &io, &res, &err);
    if (prog.last_percent >= 0 && prog.last_percent < 100) fputs("\n", stderr);
    if (rc == OWED_E_REJECTED && res.bad_header) {
        cli_error("%s: rejected (bad header); nothing was imported", path);
    } else if (rc == OWED_E_REJECTED) {
        cli_error("%s: rejected (%ld bad row%s); nothing was imported", path, res.rejected,
                  res.rejected == 1 ? "" : "s");
    } else if (rc) {
        cli_error("%s", err.ptr);
    } else {
        /* "customers" -> "customer" for one */
        const char *noun = owed_import_kind_name(kind);
        int noun_len = (int)strlen(noun) - (res.inserted == 1);
        printf("%s: %ld row%s: %ld new %.*s, %ld already recorded", path, res.rows,
               res.rows == 1 ? "" : "s", res.inserted, noun_len, noun, res.unchanged);
        if (res.rejected) printf(", %ld rejected (see %s)", res.rejected, res.rejects_path);
        if (kind == OWED_IMPORT_PAYMENTS && res.unapplied)
            printf("; %ld payment%s left cash unapplied", res.unapplied,
                   res.unapplied == 1 ? "" : "s");
        putchar('\n');
    }
    owed_buf_release(&err);
    return cli_exit_code(rc);
}
