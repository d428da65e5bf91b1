#include <stdio.h>
#include <string.h>

#include "app/statement_pdf.h"
#include "cli/cli.h"

const char cmd_customer_summary[] =
    "show a customer: balance, open items, timeline; its PDF statement; set its profile";
const char cmd_customer_help[] =
    "usage: owed customer show REF [--as-of DATE] [--format table|json] [--db PATH]\n"
    "       owed customer statement REF [--as-of DATE] [-o FILE.pdf]\n"
    "       owed customer set REF [--segment S] [--lang L] [--phone P] [--address A]\n"
    "\n"
    "show: one customer as of DATE (default: today): contact, currency, terms and\n"
    "credit limit; the open balance, unapplied cash and net balance; every open invoice\n"
    "with its days late; every payment with what is left unapplied; and the timeline of\n"
    "collections: reminders sent, holds, disputes, promises, plans, notes, calls and\n"
    "tasks. Like aging, it counts invoices issued and payments received on or before DATE.\n"
    "\n"
    "statement: the customer's statement as of DATE as a PDF, to FILE.pdf or stdout: the\n"
    "open items of show (open invoices; unapplied cash and credit notes as negative\n"
    "items), their aging, the balance, how to pay and, for EUR when the seller has an IBAN\n"
    "(owed seller set), an EPC payment QR code for the balance.\n"
    "\n"
    "set: the customer's collections profile: its segment (which can select a dunning\n"
    "policy, owed policy assign --segment), the language of its reminders (en, de; others\n"
    "fall back to en), the phone number for SMS reminders, and the postal address printed\n"
    "on letters.\n"
    "\n"
    "Options:\n"
    "  --as-of DATE      YYYY-MM-DD (default: today, UTC)\n"
    "  --format FORMAT   table (default) or json\n"
    "  -o, --output FILE where statement writes the PDF (default: stdout)\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     read from this replica instead (default: $OWED_READ_DB)\n"
    "\n"
    "Example:\n"
    "  owed customer show C000123\n"
    "  owed customer statement C000123 --as-of 2026-06-30 -o C000123.pdf\n"
    "  owed customer set C000123 --segment key --lang de\n";

/* The PDF statement, to path ("-" or NULL: stdout). */
static int statement(struct cli *cli, const char *ref, owed_date as_of, const char *path)
{
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf pdf = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT), err = OWED_BUF_INIT(0);
    int rc = owed_statement_pdf(cli->store, cli->org, ref, as_of, &pdf, &err);
    int code = cli_exit_code(rc);
    if (rc) {
        cli_error("%s", err.ptr);
    } else if (!path || !strcmp(path, "-")) {
        if (!cli_write(&pdf)) code = EXIT_FAILURE_;
    } else {
        FILE *f = fopen(path, "wb");
        bool ok = f && fwrite(pdf.ptr, 1, pdf.len, f) == pdf.len;
        if (f && fclose(f) != 0) ok = false;
        if (!ok) {
            cli_error("%s: cannot write", path);
            code = EXIT_FAILURE_;
        }
    }
    owed_buf_release(&pdf);
    owed_buf_release(&err);
    return code;
}

int cmd_customer(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"segment", required_argument, NULL, 's'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"phone", required_argument, NULL, 'p'},
                                         {"address", required_argument, NULL, 'd'},
                                         {"output", required_argument, NULL, 'o'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("customer");
    owed_date as_of = cli_today(cli);
    enum owed_format fmt = OWED_FORMAT_TABLE;
    struct owed_profile_changes ch = {0};
    const char *output = NULL;
    bool any = false;
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        const char **slot = c == 's' ? &ch.segment : c == 'l' ? &ch.lang : c == 'p' ? &ch.phone
                          : c == 'd' ? &ch.address : NULL;
        if (slot) {
            *slot = optarg;
            any = true;
        } else if (c == 'a') {
            if (!cli_parse_date(self, optarg, &as_of)) return EXIT_USAGE;
        } else if (c == 'o') {
            output = optarg;
        } else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for customer (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (argc - optind == 2 && !strcmp(argv[optind], "set")) {
        if (!any) return cli_usage(self, "owed customer set needs --segment, --lang, --phone or --address");
        if (cli_open(cli)) return EXIT_FAILURE_;
        struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
        int rc = owed_profile_set(cli->store, cli->org, argv[optind + 1], &ch, &err);
        if (!rc) owed_buf_addf(&out, "customer %s updated\n", argv[optind + 1]);
        return cli_report(rc, &out, &err);
    }
    if (argc - optind == 2 && !strcmp(argv[optind], "statement"))
        return statement(cli, argv[optind + 1], as_of, output);
    if (argc - optind != 2 || strcmp(argv[optind], "show") != 0)
        return cli_usage(self, "usage: owed customer show|statement|set REF");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_customer(cli->store, cli->org, argv[optind + 1], as_of, fmt, &out, &err);
    if (rc) cli_error("%s", err.ptr);
    else if (!cli_write(&out)) rc = OWED_E_IO;
    owed_buf_release(&out);
    owed_buf_release(&err);
    return cli_exit_code(rc);
}
