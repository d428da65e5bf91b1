#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cli/cli.h"

static void vsay(const char *fmt, va_list ap)
{
    fputs("owed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

int cli_usage(const struct cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
    if (cmd) fprintf(stderr, "see `owed %s --help`\n", cmd->name);
    else fputs("see `owed help`\n", stderr);
    return EXIT_USAGE;
}

bool cli_common_opt(struct cli *cli, const struct cmd *cmd, int opt, const char *arg)
{
    if (opt == 'D') {
        cli->db = arg;
        return true;
    }
    if (opt == 'R') {
        cli->read_db = arg;
        return true;
    }
    if (opt == 'O') {
        cli->org_arg = arg;
        return true;
    }
    if (opt == 'h') {
        fputs(cmd->help, stdout);
        exit(EXIT_OK);
    }
    return false;
}

int cli_bad_option(const struct cmd *cmd, char **argv)
{
    /* getopt's own messages are off (opterr = 0): say it once, in owed's words. For a known
     * option missing its value getopt_long sets optopt; for an unknown one it leaves 0. */
    const char *word = optind > 0 ? argv[optind - 1] : "?";
    if (optopt) return cli_usage(cmd, "'%s' needs a value", word);
    return cli_usage(cmd, "'%s' is not an option of %s", word, cmd->name);
}

int cli_exit_code(int rc)
{
    switch (rc) {
    case OWED_OK:
        return EXIT_OK;
    case OWED_E_REJECTED:
    case OWED_E_PARSE:
        return EXIT_REJECTED;
    case OWED_E_INVALID:
        return EXIT_USAGE;
    default:
        return EXIT_FAILURE_;
    }
}

int cli_report(int rc, struct owed_buf *out, struct owed_buf *err)
{
    if (rc) cli_error("%s", err->ptr);
    else if (!cli_write(out)) rc = OWED_E_IO;
    owed_buf_release(out);
    owed_buf_release(err);
    return cli_exit_refused(rc);
}

int cli_exit_refused(int rc)
{
    if (rc == OWED_E_INVALID || rc == OWED_E_NOT_FOUND || rc == OWED_E_EXISTS)
        return EXIT_REJECTED;
    return cli_exit_code(rc);
}

struct org_find {
    const char *want;
    bool found;
};

static int org_seen(void *ctx, const char *id, const char *name)
{
    (void)name;
    struct org_find *f = ctx;
    if (!strcmp(id, f->want)) f->found = true;
    return OWED_OK;
}

/* --org ID (or $OWED_ORG): an organization that exists. */
static int org_from_arg(struct cli *cli, struct owed_buf *err)
{
    struct org_find f = {.want = cli->org_arg};
    int rc = cli->store->ops->orgs_each(cli->store, org_seen, &f, err);
    if (rc) return rc;
    if (!f.found) {
        owed_buf_addf(err, "no organization %s (owed org list)", cli->org_arg);
        return OWED_E_NOT_FOUND;
    }
    cli->org = strtoll(cli->org_arg, NULL, 10);
    return OWED_OK;
}

static int open_at(struct cli *cli, const char *url, bool migrate)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_store_open(url, false, &cli->store, &err);
    if (rc == OWED_OK) {
        int version = 0;
        rc = cli->store->ops->schema_version(cli->store, &version, &err);
        if (rc == OWED_OK && version == 0) {
            char *shown = owed_store_url_redacted(url);
            owed_buf_addf(&err, "%s is not an owed database (create one with `owed init`)",
                          shown);
            free(shown);
            rc = OWED_E_NOT_FOUND;
        }
        /* Bring an older database up to date; migrations are idempotent. A replica is
         * read-only: it follows its primary's schema. */
        if (rc == OWED_OK && migrate) rc = cli->store->ops->migrate(cli->store, &err);
        if (rc == OWED_OK) rc = cli->store->ops->default_org(cli->store, &cli->org, &err);
        if (rc == OWED_OK && cli->org_arg) rc = org_from_arg(cli, &err);
        if (rc) {
            owed_store_close(cli->store);
            cli->store = NULL;
        }
    }
    if (rc) cli_error("%s", err.ptr);
    owed_buf_release(&err);
    return rc;
}

int cli_open(struct cli *cli) { return open_at(cli, cli->db, true); }

int cli_open_read(struct cli *cli)
{
    if (cli->read_db) return open_at(cli, cli->read_db, false);
    return open_at(cli, cli->db, true);
}

void cli_close(struct cli *cli)
{
    owed_store_close(cli->store);
    cli->store = NULL;
}

bool cli_parse_date(const struct cmd *cmd, const char *arg, owed_date *out)
{
    if (owed_date_parse(arg, strlen(arg), out) == OWED_OK) return true;
    cli_usage(cmd, "'%s' is not a date (YYYY-MM-DD)", arg);
    return false;
}

owed_date cli_today(const struct cli *cli)
{
    return owed_date_from_time(cli->clock.now_ms(cli->clock.ctx));
}

bool cli_write(const struct owed_buf *b)
{
    if (fwrite(b->ptr, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
        cli_error("write to standard output failed: %s", strerror(errno));
        return false;
    }
    return true;
}

const struct cmd *cli_find(const char *name)
{
    for (size_t i = 0; i < owed_ncommands; i++)
        if (strcmp(owed_commands[i].name, name) == 0) return &owed_commands[i];
    return NULL;
}
