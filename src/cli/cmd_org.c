/* owed org: the organization's settings. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_org_summary[] = "show or change the organization's settings";
const char cmd_org_help[] =
    "usage: owed org show | owed org set --tolerance T\n"
    "\n"
    "Settings:\n"
    "  tolerance   a short payment within it closes an invoice, the difference written\n"
    "              off: an amount in major units of each currency (1.00) or a share of the\n"
    "              open amount (0.5%); \"\" turns it off (the default)\n"
    "\n"
    "Example:\n"
    "  owed org set --tolerance 0.5%\n";

int cmd_org(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"tolerance", required_argument, NULL, 't'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("org");
    const char *tolerance = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 't') tolerance = optarg;
        else if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    }
    bool show = argc - optind == 1 && !strcmp(argv[optind], "show");
    bool set = argc - optind == 1 && !strcmp(argv[optind], "set");
    if (!show && !set) return cli_usage(self, "usage: owed org show | owed org set --tolerance T");
    if (set && !tolerance) return cli_usage(self, "owed org set needs --tolerance");
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf err = OWED_BUF_INIT(0);
    char tol[32];
    int rc = set ? owed_tolerance_set(cli->store, cli->org, tolerance, &err) : OWED_OK;
    if (!rc) rc = owed_tolerance_get(cli->store, cli->org, tol, sizeof tol, &err);
    if (rc) cli_error("%s", err.ptr);
    else printf("tolerance: %s\n", tol[0] ? tol : "none");
    owed_buf_release(&err);
    return cli_exit_refused(rc);
}
