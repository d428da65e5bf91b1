/* owed dunning preview: what a reminder run would send. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_dunning_summary[] = "preview the reminders a dunning run would send";
const char cmd_dunning_help[] =
    "usage: owed dunning preview [--as-of DATE] [--format table|json] [--db PATH]\n"
    "\n"
    "Shows what a dunning run on DATE would send, changing nothing: for every open\n"
    "invoice, the latest step of the policy whose date (due date + offset) is on or before\n"
    "DATE; then one message per customer and channel, listing its invoices and using the\n"
    "template of the most severe step among them (DESIGN.md \"Dunning\").\n"
    "\n"
    "The policy is owed's default, in calendar days: pre_due_7 (-7, email), due (0,\n"
    "email), late_10 (+10, email), late_30 (+30, email), late_60 (+60, letter), late_90\n"
    "(+90, agency). owed does not send reminders yet: runs, the outbox, holds, disputes,\n"
    "promises and payment plans are still to come, so the preview treats every invoice as\n"
    "never reminded and none as paused.\n"
    "\n"
    "JSON: an array of messages, each with customer_ref, channel, step and invoices (each\n"
    "with invoice_number, step, open as a decimal string, currency, days_past_due).\n"
    "\n"
    "Options:\n"
    "  --as-of DATE      YYYY-MM-DD (default: today, UTC)\n"
    "  --format FORMAT   table (default) or json\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     read from this replica instead (default: $OWED_READ_DB)\n"
    "\n"
    "Example:\n"
    "  owed dunning preview --as-of 2026-07-01 --format json\n";

int cmd_dunning(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("dunning");
    owed_date as_of = cli_today(cli);
    enum owed_format fmt = OWED_FORMAT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a') {
            if (!cli_parse_date(self, optarg, &as_of)) return EXIT_USAGE;
        } else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for dunning (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "preview") != 0)
        return cli_usage(self, "usage: owed dunning preview [--as-of DATE]");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_dunning_preview(cli->store, cli->org, as_of, fmt, &out, &err), &out,
                      &err);
}
