/* owed policy: stored dunning policies and who follows which. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_policy_summary[] = "show, store and assign dunning policies";
const char cmd_policy_help[] =
    "usage: owed policy list\n"
    "       owed policy show [NAME] [--format table|json]\n"
    "       owed policy set NAME FILE\n"
    "       owed policy assign NAME (--customer REF | --segment S | --default)\n"
    "       owed policy unassign (--customer REF | --segment S | --default)\n"
    "\n"
    "A policy is an ordered list of steps, stored as JSON (see docs/dunning.md):\n"
    "  {\"thank_you\": false,\n"
    "   \"steps\": [{\"name\": \"late_10\", \"offset\": 10, \"days\": \"calendar\",\n"
    "              \"channel\": \"email\", \"template\": \"late_10\", \"min_open\": 0,\n"
    "              \"fee\": \"\", \"interest\": \"\"}, ...]}\n"
    "offset: days from the due date (negative: before); days: calendar or business (the\n"
    "org's calendar); channel: email, sms, letter, call or agency; min_open: whole units\n"
    "of the invoice currency; fee: \"\", an amount (\"40.00\"), \"eu\", \"uk\" or \"statutory\"\n"
    "(eu for EUR, uk for GBP); interest: \"\", an annual rate (\"8.5%\"), \"eu\", \"uk\" or\n"
    "\"statutory\". Offsets must increase. thank_you: thank customers who paid on time.\n"
    "\n"
    "A customer follows its own policy, else its segment's (owed customer set --segment),\n"
    "else the org's default: a stored policy named \"default\", else owed's built-in one\n"
    "(pre_due_7 -7 email, due 0 email, late_10 +10 email, late_30 +30 email with the\n"
    "statutory fee, late_60 +60 letter, late_90 +90 agency).\n"
    "\n"
    "Example:\n"
    "  owed policy set gentle gentle.json && owed policy assign gentle --segment key\n";

int cmd_policy(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"customer", required_argument, NULL, 'c'},
                                         {"segment", required_argument, NULL, 's'},
                                         {"default", no_argument, NULL, 'd'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("policy");
    char target[160] = "";
    enum owed_format fmt = OWED_FORMAT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c') snprintf(target, sizeof target, "customer:%s", optarg);
        else if (c == 's') snprintf(target, sizeof target, "segment:%s", optarg);
        else if (c == 'd') snprintf(target, sizeof target, "default");
        else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for policy (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    int n = argc - optind;
    const char *verb = n ? argv[optind] : "";
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    if (!strcmp(verb, "list") && n == 1) {
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        return cli_report(owed_policy_list(cli->store, cli->org, &out, &err), &out, &err);
    }
    if (!strcmp(verb, "show") && n <= 2) {
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        return cli_report(owed_policy_show(cli->store, cli->org, n == 2 ? argv[optind + 1] : NULL,
                                           fmt, &out, &err),
                          &out, &err);
    }
    if (!strcmp(verb, "set") && n == 3) {
        if (cli_open(cli)) return EXIT_FAILURE_;
        int rc = owed_policy_set(cli->store, cli->org, argv[optind + 1], argv[optind + 2], &err);
        if (!rc) owed_buf_addf(&out, "policy %s stored\n", argv[optind + 1]);
        return cli_report(rc, &out, &err);
    }
    if ((!strcmp(verb, "assign") && n == 2) || (!strcmp(verb, "unassign") && n == 1)) {
        if (!target[0]) return cli_usage(self, "say who: --customer REF, --segment S or --default");
        if (cli_open(cli)) return EXIT_FAILURE_;
        const char *name = n == 2 ? argv[optind + 1] : NULL;
        int rc = owed_policy_assign(cli->store, cli->org, name, target, &err);
        if (!rc) owed_buf_addf(&out, "%s: %s\n", target, name ? name : "the default policy");
        return cli_report(rc, &out, &err);
    }
    return cli_usage(self, "usage: owed policy list|show|set|assign|unassign");
}
