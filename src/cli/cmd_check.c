#include <stdio.h>

#include "cli/cli.h"

const char cmd_check_summary[] = "verify the ledger invariants (exit 1 on any breach)";
const char cmd_check_help[] =
    "usage: owed check [--db PATH] [--read-db URL]\n"
    "\n"
    "Recomputes the ledger invariants from scratch: every journal entry balances; per\n"
    "customer and currency the AR account equals the open invoice amounts and the\n"
    "unapplied account equals the unallocated part of payments; no invoice or payment\n"
    "is allocated beyond its amount. Prints one line per breach and exits 1 if there\n"
    "is any, otherwise a summary line and exit 0.\n"
    "\n"
    "Options:\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     read from this replica instead (default: $OWED_READ_DB)\n"
    "\n"
    "Example:\n"
    "  owed check --db ar.db\n";

int cmd_check(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT, {0, 0, 0, 0}};
    const struct cmd *self = cli_find("check");
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    if (optind != argc) return cli_usage(self, "check takes no arguments");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_ledger_check(cli->store, cli->org, &out, &err);
    if (rc && rc != OWED_E_INVARIANT) cli_error("%s", err.ptr);
    cli_write(&out);
    owed_buf_release(&out);
    owed_buf_release(&err);
    return rc ? EXIT_FAILURE_ : EXIT_OK;
}
