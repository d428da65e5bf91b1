#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_customer_summary[] = "show a customer: terms, open items, payments, balance";
const char cmd_customer_help[] =
    "usage: owed customer show REF [--as-of DATE] [--format table|json] [--db PATH]\n"
    "\n"
    "Shows one customer as of DATE (default: today): contact, currency, terms and\n"
    "credit limit; the open balance, unapplied cash and net balance; every open invoice\n"
    "with its days late; and every payment with what is left unapplied. Like aging, it\n"
    "counts invoices issued and payments received on or before DATE.\n"
    "\n"
    "Options:\n"
    "  --as-of DATE      YYYY-MM-DD (default: today, UTC)\n"
    "  --format FORMAT   table (default) or json\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     read from this replica instead (default: $OWED_READ_DB)\n"
    "\n"
    "Example:\n"
    "  owed customer show C000123\n";

int cmd_customer(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("customer");
    owed_date as_of = cli_today(cli);
    enum owed_format fmt = OWED_FORMAT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a') {
            if (!cli_parse_date(self, optarg, &as_of)) return EXIT_USAGE;
        } else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for customer (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "show") != 0)
        return cli_usage(self, "usage: owed customer show REF");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_customer(cli->store, cli->org, argv[optind + 1], as_of, fmt, &out, &err);
    if (rc) cli_error("%s", err.ptr);
    else if (!cli_write(&out)) rc = OWED_E_IO;
    owed_buf_release(&out);
    owed_buf_release(&err);
    return cli_exit_code(rc);
}
