#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

const char cmd_aging_summary[] = "aging report as of a date";
const char cmd_aging_help[] =
    "usage: owed aging [--as-of DATE] [--format table|csv|json|xlsx] [--detail]\n"
    "                  [--by due|issue] [--buckets 30,60,90] [-o FILE] [--db PATH]\n"
    "\n"
    "Open receivables as of DATE (default: today), one row per customer and currency.\n"
    "An invoice's open amount as of DATE is its amount minus payments received on or\n"
    "before DATE; only invoices issued on or before DATE with an open amount appear.\n"
    "Buckets by days past due: current (not yet due), 1-30, 31-60, 61-90, 91+; with\n"
    "--by issue, by days since issue: 0-30, 31-60, 61-90, 91+. Unapplied cash received\n"
    "on or before DATE is its own column; total = buckets - unapplied.\n"
    "\n"
    "CSV columns (stable, for scripts), sorted by customer_ref then currency:\n"
    "  customer_ref,customer_name,currency,current,d1_30,d31_60,d61_90,d91_plus,\n"
    "  unapplied,total\n"
    "With --detail, one row per open invoice:\n"
    "  customer_ref,customer_name,invoice_number,currency,issue_date,due_date,\n"
    "  days_past_due (or days_since_issue),bucket,amount,open\n"
    "\n"
    "xlsx: an Excel workbook with a Summary sheet (the CSV summary's rows, then a Total\n"
    "row per currency) and a Detail sheet (the --detail rows), --detail or not. Amounts\n"
    "are numbers shown in their currency's decimals, dates real dates. The workbook goes\n"
    "to -o FILE, or to stdout when stdout is not a terminal (a pipe or a redirection);\n"
    "to a terminal it is refused (exit 2).\n"
    "\n"
    "Options:\n"
    "  --as-of DATE      YYYY-MM-DD (default: today, UTC)\n"
    "  --format FORMAT   table (default, for people), csv, json or xlsx\n"
    "  -o, --output FILE write the report to FILE (default: stdout; - is stdout)\n"
    "  --detail          one row per open invoice\n"
    "  --by due|issue    age from the due date (default) or the issue date\n"
    "  --buckets EDGES   bucket edges in days, default 30,60,90\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     read from this replica instead (default: $OWED_READ_DB)\n"
    "\n"
    "Example:\n"
    "  owed aging --as-of 2026-06-30 --format csv > aging.csv\n"
    "  owed aging --as-of 2026-06-30 --format xlsx -o aging-2026-06-30.xlsx\n";

/* The report to path ("-" or NULL: stdout). A file that could not be written whole is
 * removed. */
static bool write_out(const char *path, const struct owed_buf *b)
{
    if (!path || !strcmp(path, "-")) return cli_write(b);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b->ptr, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) {
        cli_error("%s: cannot write", path);
        if (f) remove(path);
    }
    return ok;
}

int cmd_aging(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"detail", no_argument, NULL, 'd'},
                                         {"by", required_argument, NULL, 'b'},
                                         {"buckets", required_argument, NULL, 'k'},
                                         {"output", required_argument, NULL, 'o'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("aging");
    struct owed_aging_opts ao;
    owed_aging_opts_default(&ao, cli_today(cli));
    enum owed_format fmt = OWED_FORMAT_TABLE;
    bool detail = false;
    const char *edges = NULL, *output = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c == 'a') {
            if (!cli_parse_date(self, optarg, &ao.as_of)) return EXIT_USAGE;
        } else if (c == 'f') {
            if (!strcmp(optarg, "xlsx")) fmt = OWED_FORMAT_XLSX;
            else if (owed_format_parse(optarg, &fmt))
                return cli_usage(self, "'%s' is not a format (table, csv, json, xlsx)", optarg);
        } else if (c == 'o') {
            output = optarg;
        } else if (c == 'd') {
            detail = true;
        } else if (c == 'b') {
            if (strcmp(optarg, "due") != 0 && strcmp(optarg, "issue") != 0)
                return cli_usage(self, "--by takes due or issue, not '%s'", optarg);
            ao.by_issue = strcmp(optarg, "issue") == 0;
        } else if (c == 'k') {
            edges = optarg;
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (optind != argc) return cli_usage(self, "aging takes no arguments");
    if (edges && owed_aging_parse_edges(edges, &ao))
        return cli_usage(self, "--buckets takes increasing day counts like 30,60,90, not '%s'",
                         edges);
    if (fmt == OWED_FORMAT_XLSX && (!output || !strcmp(output, "-")) && isatty(STDOUT_FILENO))
        return cli_usage(self, "an xlsx workbook is binary: write it to a file with -o FILE.xlsx "
                               "(or redirect stdout)");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_report_aging(cli->store, cli->org, &ao, detail, fmt, &out, &err);
    if (rc) cli_error("%s", err.ptr);
    else if (!write_out(output, &out)) rc = OWED_E_IO;
    owed_buf_release(&out);
    owed_buf_release(&err);
    return cli_exit_code(rc);
}
