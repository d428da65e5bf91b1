#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

const char cmd_init_summary[] = "create the database (or bring it up to date)";
const char cmd_init_help[] =
    "usage: owed init [--db PATH|URL]\n"
    "\n"
    "Creates an owed database with the current schema and a default organization.\n"
    "Running it on an existing database applies any newer schema migrations and\n"
    "changes nothing else.\n"
    "\n"
    "Options:\n"
    "  --db PATH|URL   a SQLite file (default: $OWED_DB, else ./owed.db), or a\n"
    "                  postgresql:// URL of an existing, empty PostgreSQL database\n"
    "\n"
    "Examples:\n"
    "  owed init --db ar.db\n"
    "  owed init --db postgresql://owed@127.0.0.1:5432/owed\n";

int cmd_init(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, {0, 0, 0, 0}};
    const struct cmd *self = cli_find("init");
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    if (optind != argc) return cli_usage(self, "init takes no arguments");

    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_store_open(cli->db, true, &cli->store, &err);
    if (rc == OWED_OK) rc = cli->store->ops->migrate(cli->store, &err);
    int version = 0;
    if (rc == OWED_OK) rc = cli->store->ops->schema_version(cli->store, &version, &err);
    if (rc) {
        cli_error("%s", err.ptr);
        owed_buf_release(&err);
        return cli_exit_code(rc);
    }
    char *shown = owed_store_url_redacted(cli->db);
    printf("initialized %s (schema version %d)\n", shown, version);
    free(shown);
    owed_buf_release(&err);
    return EXIT_OK;
}
