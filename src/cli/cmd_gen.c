#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gen.h"
#include "cli/cli.h"

const char cmd_gen_summary[] = "write synthetic customers, invoices and payments (CSV)";
const char cmd_gen_help[] =
    "usage: owed gen [--customers N] [--invoices N] [--seed S] [--end DATE] [--paid PCT]\n"
    "                [--bank N] --out DIR\n"
    "\n"
    "Writes DIR/customers.csv, DIR/invoices.csv and DIR/payments.csv in the import\n"
    "formats: invoices spread over the 24 months ending DATE, about PCT% of them (default\n"
    "90) paid around their due date, the rest open. The same options give the same bytes\n"
    "on every machine. Defaults: 100 customers, 1000 invoices, seed 1, end 2026-06-30.\n"
    "\n"
    "With --bank N it also writes a bank statement of N entries paying invoices still\n"
    "open, in the days after DATE, with realistic noise (typos in references, missing\n"
    "references, one payment for several invoices, short payments, discounts taken,\n"
    "partial payments, unknown payers, bank fees): DIR/bank.camt053.xml and DIR/bank.csv\n"
    "(the same entries), and DIR/bank-truth.csv, the right answer for each entry, for\n"
    "`owed match --report --truth`.\n"
    "\n"
    "Examples:\n"
    "  owed gen --customers 10000 --invoices 1000000 --seed 1 --out data\n"
    "  owed gen --customers 2000 --invoices 20000 --paid 70 --bank 2000 --out data\n";

static bool parse_count(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end || v < 0 || v > 100000000) return false;
    *out = v;
    return true;
}

int cmd_gen(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"customers", required_argument, NULL, 'c'},
                                         {"invoices", required_argument, NULL, 'i'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"end", required_argument, NULL, 'e'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"paid", required_argument, NULL, 'p'},
                                         {"bank", required_argument, NULL, 'b'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("gen");
    struct owed_gen_opts go;
    owed_gen_opts_init(&go);
    const char *out = NULL;
    long seed = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c' || c == 'i' || c == 's') {
            long *dst = c == 'c' ? &go.customers : c == 'i' ? &go.invoices : &seed;
            if (!parse_count(optarg, dst))
                return cli_usage(self, "'%s' is not a count from 0 to 100000000", optarg);
        } else if (c == 'p') {
            long pct;
            if (!parse_count(optarg, &pct) || pct > 100)
                return cli_usage(self, "'%s' is not a percentage from 0 to 100", optarg);
            go.paid_pct = (int)pct;
        } else if (c == 'b') {
            if (!parse_count(optarg, &go.bank_entries))
                return cli_usage(self, "'%s' is not a count from 0 to 100000000", optarg);
        } else if (c == 'e') {
            if (!cli_parse_date(self, optarg, &go.end_date)) return EXIT_USAGE;
        } else if (c == 'o') {
            out = optarg;
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (!out) return cli_usage(self, "gen needs --out DIR");
    if (optind != argc) return cli_usage(self, "gen takes no arguments");
    go.seed = (uint64_t)seed;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_gen_write(&go, out, &err);
    if (rc) cli_error("%s", err.ptr);
    else printf("wrote %s/customers.csv, invoices.csv, payments.csv%s\n", out,
                go.bank_entries ? ", bank.camt053.xml, bank.csv, bank-truth.csv" : "");
    owed_buf_release(&err);
    return cli_exit_code(rc);
}
