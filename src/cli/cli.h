/* The command-line front end: parse arguments, call app/, print, map codes to exit codes.
 * Commands follow git's builtin pattern: one file per command, one table in main.c. */
#ifndef OWED_CLI_H
#define OWED_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "owed/date.h"
#include "owed/error.h"

/* Exit codes (DESIGN.md "CLI contract"). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_ = 1,
    EXIT_USAGE = 2,
    EXIT_REJECTED = 3,
};

struct cli {
    const char *db;        /* --db, else $OWED_DB, else ./owed.db */
    const char *read_db;   /* --read-db, else $OWED_READ_DB: a replica for read-only reports */
    struct owed_clock clock;
    struct owed_store *store;
    int64_t org;
    const char *org_arg;   /* --org ID, else $OWED_ORG, else the first organization */
};

struct cmd {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
    const char *help; /* full text for `owed help CMD` and `owed CMD --help` */
};

extern const struct cmd owed_commands[];
extern const size_t owed_ncommands;

/* Options every command accepts; append to a command's own long options. */
#define CLI_COMMON_OPTS                                                                  \
    {"db", required_argument, NULL, 'D'}, {"org", required_argument, NULL, 'O'},         \
        {"help", no_argument, NULL, 'h'}

/* Handles the common options; returns true if the option was one of them. For --help it
 * prints the command's help and exits 0. */
bool cli_common_opt(struct cli *cli, const struct cmd *cmd, int opt, const char *arg);
/* Reports the option getopt_long just refused; returns EXIT_USAGE. */
int cli_bad_option(const struct cmd *cmd, char **argv);
/* Prints "owed: msg" and the command's usage line hint; returns EXIT_USAGE. */
int cli_usage(const struct cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "owed: msg" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the store and finds the organization; prints the error itself. */
int cli_open(struct cli *cli);
/* The same for a read-only report: the replica named by --read-db when there is one. */
int cli_open_read(struct cli *cli);
/* The --read-db option of read-only commands. */
#define CLI_READ_DB_OPT {"read-db", required_argument, NULL, 'R'}
void cli_close(struct cli *cli);
/* Maps an owed rc to an exit code. */
int cli_exit_code(int rc);
/* Exit code for a use case that refuses bad input (unknown document, more than is open):
 * EXIT_REJECTED for OWED_E_INVALID, NOT_FOUND and EXISTS, else cli_exit_code. */
int cli_exit_refused(int rc);
/* Prints a use case's output (rc OK) or its error, releases both buffers, and returns the
 * exit code (cli_exit_refused). */
int cli_report(int rc, struct owed_buf *out, struct owed_buf *err);
/* Parses --as-of; prints the error itself. */
bool cli_parse_date(const struct cmd *cmd, const char *arg, owed_date *out);
owed_date cli_today(const struct cli *cli);
/* Writes a buffer to stdout; false on a write error (reported). */
bool cli_write(const struct owed_buf *b);
const struct cmd *cli_find(const char *name);



/* Every command: int cmd_NAME(struct cli *, int, char **) and its help text; the second
 * column is the name typed on the command line. */
#define OWED_CLI_COMMANDS(X)            \
    X(init, "init")                     \
    X(import, "import")                 \
    X(pay, "pay")                       \
    X(apply, "apply")                   \
    X(unapply, "unapply")               \
    X(credit_note, "credit-note")       \
    X(write_off, "write-off")           \
    X(reverse, "reverse")               \
    X(refund, "refund")                 \
    X(bank, "bank")                     \
    X(match, "match")                   \
    X(dunning, "dunning")               \
    X(outbox, "outbox")                 \
    X(policy, "policy")                 \
    X(hold, "hold")                     \
    X(dispute, "dispute")               \
    X(promise, "promise")               \
    X(plan, "plan")                     \
    X(note, "note")                     \
    X(tasks, "tasks")                   \
    X(aging, "aging")                   \
    X(kpi, "kpi")                       \
    X(customer, "customer")             \
    X(invoice, "invoice")               \
    X(seller, "seller")                 \
    X(recurring, "recurring")           \
    X(org, "org")                       \
    X(check, "check")                   \
    X(serve, "serve")                   \
    X(user, "user")                     \
    X(token, "token")                   \
    X(portal, "portal")                 \
    X(gen, "gen")                       \
    X(help, "help")

#define OWED_CLI_DECLARE(name, text)                           \
    int cmd_##name(struct cli *cli, int argc, char **argv);    \
    extern const char cmd_##name##_summary[];                  \
    extern const char cmd_##name##_help[];
OWED_CLI_COMMANDS(OWED_CLI_DECLARE)
#undef OWED_CLI_DECLARE
#endif
