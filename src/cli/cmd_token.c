/* owed token: API tokens (Authorization: Bearer TOKEN). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "cli/cli.h"

const char cmd_token_summary[] = "create, list and revoke API tokens";
const char cmd_token_help[] =
    "usage: owed token create --user EMAIL [--role ROLE] [--label TEXT] [--org ID]\n"
    "       owed token list [--org ID]\n"
    "       owed token revoke ID [--org ID]\n"
    "\n"
    "create prints the new token once; owed keeps only its SHA-256, so it cannot be shown\n"
    "again. The API takes it as 'Authorization: Bearer TOKEN'. A token acts as its user\n"
    "with the user's role, or with a lower --role (a read-only token for a report script:\n"
    "--role viewer). Revoking takes effect within 2 seconds (at once on the server\n"
    "that revoked it).\n"
    "\n"
    "Example:\n"
    "  TOKEN=$(owed token create --user ana@example.com --role viewer --label reports)\n"
    "  curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/invoices\n";

int cmd_token(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"user", required_argument, NULL, 'u'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"label", required_argument, NULL, 'l'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("token");
    const char *user = NULL, *role_s = NULL, *label = "";
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'u') user = optarg;
        else if (c == 'r') role_s = optarg;
        else if (c == 'l') label = optarg;
        else if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    }
    enum owed_role role = 0;
    if (role_s && !(role = owed_role_parse(role_s)))
        return cli_usage(self, "'%s' is not a role (admin, manager, collector, viewer)", role_s);
    const char *sub = optind < argc ? argv[optind] : "";
    bool create = !strcmp(sub, "create") && argc - optind == 1;
    bool list = !strcmp(sub, "list") && argc - optind == 1;
    bool revoke = !strcmp(sub, "revoke") && argc - optind == 2;
    if (!create && !list && !revoke)
        return cli_usage(self, "usage: owed token create --user EMAIL | list | revoke ID");
    if (create && !user) return cli_usage(self, "owed token create needs --user EMAIL");
    int64_t id = 0;
    if (revoke) {
        char *end;
        id = strtoll(argv[optind + 1], &end, 10);
        if (*end || id <= 0) return cli_usage(self, "'%s' is not a token id", argv[optind + 1]);
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_auth_init(&err);
    if (rc == OWED_OK && cli_open(cli)) {
        owed_buf_release(&err);
        return EXIT_FAILURE_;
    }
    if (rc == OWED_OK && create) {
        char secret[OWED_SECRET_MAX + 1];
        rc = owed_token_create(cli->store, cli->org, user, role, label, &id, secret, &err);
        if (rc == OWED_OK) owed_buf_addf(&out, "%s\n", secret);
    } else if (rc == OWED_OK && list) {
        rc = owed_token_list(cli->store, cli->org, &out, &err);
    } else if (rc == OWED_OK) {
        rc = owed_token_revoke(cli->store, cli->org, id, &err);
    }
    return cli_report(rc, &out, &err);
}
