/* owed user: the people who sign in to the API and the web app. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "cli/cli.h"

const char cmd_user_summary[] = "add, list and change users (roles, passwords)";
const char cmd_user_help[] =
    "usage: owed user add EMAIL --role ROLE [--name NAME] [--password-stdin] [--org ID]\n"
    "       owed user list [--org ID]\n"
    "       owed user set ID [--role ROLE] [--password-stdin] [--disable | --enable]\n"
    "\n"
    "Roles, each with everything of the ones before it:\n"
    "  viewer      reads everything of the organization\n"
    "  collector   + works accounts: notes, calls, promises, disputes, holds\n"
    "  manager     + money and documents: payments, credit notes, write-offs, imports,\n"
    "              bank statements, dunning policies and runs\n"
    "  admin       + users, API tokens, webhooks, the audit trail, settings\n"
    "\n"
    "--password-stdin reads the password from the first line of standard input (at\n"
    "least 10 characters); it is stored as an argon2id hash. Without it the user can\n"
    "only use API tokens (owed token create). An email belongs to one organization.\n"
    "\n"
    "Example:\n"
    "  printf '%s\\n' \"$PW\" | owed user add ana@example.com --role collector --password-stdin\n";

/* The first line of stdin, without its newline; NULL on EOF. */
static char *read_password(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    return line;
}

int cmd_user(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"role", required_argument, NULL, 'r'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"password-stdin", no_argument, NULL, 'p'},
                                         {"disable", no_argument, NULL, 'd'},
                                         {"enable", no_argument, NULL, 'e'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("user");
    const char *role_s = NULL, *name = "";
    bool pw_stdin = false;
    int disabled = -1, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') role_s = optarg;
        else if (c == 'n') name = optarg;
        else if (c == 'p') pw_stdin = true;
        else if (c == 'd') disabled = 1;
        else if (c == 'e') disabled = 0;
        else if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    }
    enum owed_role role = 0;
    if (role_s && !(role = owed_role_parse(role_s)))
        return cli_usage(self, "'%s' is not a role (admin, manager, collector, viewer)", role_s);
    const char *sub = optind < argc ? argv[optind] : "";
    bool add = !strcmp(sub, "add") && argc - optind == 2;
    bool list = !strcmp(sub, "list") && argc - optind == 1;
    bool set = !strcmp(sub, "set") && argc - optind == 2;
    if (!add && !list && !set) return cli_usage(self, "usage: owed user add EMAIL --role ROLE | list | set ID");
    if (add && !role) return cli_usage(self, "owed user add needs --role");
    int64_t id = 0;
    if (set) {
        char *end;
        id = strtoll(argv[optind + 1], &end, 10);
        if (*end || id <= 0) return cli_usage(self, "'%s' is not a user id", argv[optind + 1]);
    }
    char *password = NULL;
    if (pw_stdin && !(password = read_password())) {
        cli_error("--password-stdin: no password on standard input");
        return EXIT_USAGE;
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_auth_init(&err);
    if (rc == OWED_OK && cli_open(cli)) {
        free(password);
        owed_buf_release(&err);
        return EXIT_FAILURE_;
    }
    if (rc == OWED_OK && add) {
        rc = owed_user_add(cli->store, cli->org, argv[optind + 1], name, role, password, &id, &err);
        if (rc == OWED_OK) owed_buf_addf(&out, "%lld\n", (long long)id);
    } else if (rc == OWED_OK && list) {
        rc = owed_user_list(cli->store, cli->org, &out, &err);
    } else if (rc == OWED_OK) {
        rc = owed_user_change(cli->store, cli->org, id, role, password, disabled, &err);
    }
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    return cli_report(rc, &out, &err);
}
