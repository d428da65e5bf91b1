#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

const char cmd_kpi_summary[] = "DSO, CEI and payment KPIs per currency";
const char cmd_kpi_help[] =
    "usage: owed kpi [--as-of DATE] [--days N] [--format table|json] [--db PATH]\n"
    "\n"
    "Receivables KPIs for the N days ending DATE (default 90 days ending today), one\n"
    "result per currency that has an invoice issued on or before DATE. S is the credit\n"
    "sales of the period (invoices issued in it); AR is open invoice amounts, not\n"
    "netted against unapplied cash.\n"
    "\n"
    "  dso                 AR(DATE) / S x N\n"
    "  countback_dso       AR(DATE) counted back through monthly sales, newest first\n"
    "  best_possible_dso   current (not yet due) AR / S x N\n"
    "  add                 average days delinquent = dso - best_possible_dso\n"
    "  cei                 (AR(start) + S - AR(DATE)) / (AR(start) + S - current AR) x 100\n"
    "  avg_days_to_pay     amount-weighted, invoices paid in full in the period\n"
    "  avg_days_late       the same, days after the due date (early counts as 0)\n"
    "  on_time_rate_count  % of those invoices paid by their due date, by count\n"
    "  on_time_rate_amount the same, by amount\n"
    "\n"
    "Figures have one decimal; a figure with nothing to measure is null (n/a).\n"
    "JSON: an array of objects with those keys plus currency, as_of, days, ar,\n"
    "ar_start, current_ar, sales, paid_invoices and the conventions used.\n"
    "\n"
    "Options:\n"
    "  --as-of DATE      YYYY-MM-DD (default: today, UTC)\n"
    "  --days N          length of the period in days, 1-3660 (default 90)\n"
    "  --format FORMAT   table (default) or json\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     read from this replica instead (default: $OWED_READ_DB)\n"
    "\n"
    "Example:\n"
    "  owed kpi --as-of 2026-06-30 --days 90 --format json\n";

int cmd_kpi(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"days", required_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("kpi");
    owed_date as_of = cli_today(cli);
    long days = 90;
    enum owed_format fmt = OWED_FORMAT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a') {
            if (!cli_parse_date(self, optarg, &as_of)) return EXIT_USAGE;
        } else if (c == 'n') {
            char *end;
            days = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || days < 1 || days > 3660)
                return cli_usage(self, "--days takes a whole number from 1 to 3660");
        } else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for kpi (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (optind != argc) return cli_usage(self, "kpi takes no arguments");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_kpi(cli->store, cli->org, as_of, (int)days, fmt, &out, &err);
    if (rc) cli_error("%s", err.ptr);
    else if (!cli_write(&out)) rc = OWED_E_IO;
    owed_buf_release(&out);
    owed_buf_release(&err);
    return cli_exit_code(rc);
}
