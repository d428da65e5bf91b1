#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_help_summary[] = "show help for owed or one command";
const char cmd_help_help[] =
    "usage: owed help [COMMAND]\n"
    "\n"
    "Shows the list of commands, or the full help of one command (same as\n"
    "`owed COMMAND --help`).\n"
    "\n"
    "Example:\n"
    "  owed help aging\n";

int cmd_help(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(cmd_help_help, stdout);
        return EXIT_OK;
    }
    if (argc >= 2) {
        const struct cmd *cmd = cli_find(argv[1]);
        if (!cmd) return cli_usage(NULL, "'%s' is not an owed command", argv[1]);
        fputs(cmd->help, stdout);
        return EXIT_OK;
    }
    fputs("usage: owed COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "owed takes invoices from issued to paid: customers, invoices and payments in,\n"
          "aging and KPIs out, on a ledger that always balances.\n"
          "\n"
          "Commands:\n",
          stdout);
    int width = 0; /* the longest command name sets the column */
    for (size_t i = 0; i < owed_ncommands; i++)
        if ((int)strlen(owed_commands[i].name) > width) width = (int)strlen(owed_commands[i].name);
    for (size_t i = 0; i < owed_ncommands; i++)
        printf("  %-*s %s\n", width, owed_commands[i].name, owed_commands[i].summary);
    fputs("\n"
          "Every command takes --db PATH or URL (default: $OWED_DB, else ./owed.db); a\n"
          "postgresql:// URL selects PostgreSQL. Reports also take --read-db URL (a replica).\n"
          "Every command works on one organization: --org ID (default: $OWED_ORG, else the\n"
          "first; owed org list).\n"
          "Exit codes: 0 success, 1 failure, 2 usage error, 3 input rejected.\n"
          "Dates default to today (UTC); OWED_TODAY=YYYY-MM-DD pins today, for scripts and tests.\n"
          "`owed COMMAND --help` explains a command with an example.\n",
          stdout);
    return EXIT_OK;
}
