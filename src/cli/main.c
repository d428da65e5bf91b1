/* owed: accounts-receivable collections. `owed help` lists the commands. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cli/cli.h"
#include <getopt.h>

const struct cmd owed_commands[] = {
#define OWED_CLI_ENTRY(n, text) {text, cmd_##n, cmd_##n##_summary, cmd_##n##_help},
    OWED_CLI_COMMANDS(OWED_CLI_ENTRY)
#undef OWED_CLI_ENTRY
};
const size_t owed_ncommands = OWED_ARRAY_LEN(owed_commands);

/* OWED_TODAY=YYYY-MM-DD pins "today" for tests and demos (git's GIT_TEST_DATE_NOW). */
static owed_time_ms pinned_now(void *ctx)
{
    return (owed_time_ms)(*(owed_date *)ctx) * 86400000;
}

int main(int argc, char **argv)
{
    static owed_date pinned;
    opterr = 0; /* commands report bad options themselves (cli_bad_option) */
    struct cli cli = {0};
    cli.clock.now_ms = owed_clock_system_now;
    const char *today = getenv("OWED_TODAY");
    if (today && *today) {
        if (owed_date_parse(today, strlen(today), &pinned) != OWED_OK) {
            cli_error("OWED_TODAY='%s' is not a date (YYYY-MM-DD)", today);
            return EXIT_USAGE;
        }
        cli.clock.now_ms = pinned_now;
        cli.clock.ctx = &pinned;
    }
    const char *db = getenv("OWED_DB");
    cli.db = db && *db ? db : "owed.db";
    const char *org = getenv("OWED_ORG");
    cli.org_arg = org && *org ? org : NULL;
    const char *read_db = getenv("OWED_READ_DB");
    cli.read_db = read_db && *read_db ? read_db : NULL;

    if (argc < 2) return cmd_help(&cli, 1, argv);
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) return cmd_help(&cli, 1, argv);
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        puts("owed 0.1.0");
        return EXIT_OK;
    }
    const struct cmd *cmd = cli_find(name);
    if (!cmd) return cli_usage(NULL, "'%s' is not an owed command", name);
    int rc = cmd->run(&cli, argc - 1, argv + 1);
    cli_close(&cli);
    return rc;
}
