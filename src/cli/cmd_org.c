/* owed org: the organization's settings. */
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "cli/cli.h"

const char cmd_org_summary[] = "show or change the organization's settings";
const char cmd_org_help[] =
    "usage: owed org create NAME      (prints the new organization's id)\n"
    "       owed org list\n"
    "       owed org show\n"
    "       owed org set [--tolerance T] [--name N] [--timezone TZ] [--calendar C]\n"
    "                    [--mail-from ADDR] [--smtp-url URL] [--sms-url URL] [--pay-url URL]\n"
    "                    [--out-dir DIR] [--gateway-secret S]\n"
    "\n"
    "Every command works on one organization: --org ID (or $OWED_ORG), else the first.\n"
    "\n"
    "Settings:\n"
    "  tolerance   a short payment within it closes an invoice, the difference written\n"
    "              off: an amount in major units of each currency (1.00) or a share of the\n"
    "              open amount (0.5%); \"\" turns it off (the default)\n"
    "  name        the organization's name, signed under reminders\n"
    "  timezone    IANA time zone (Europe/Berlin): a dunning run's \"today\" is the date there\n"
    "              (default UTC)\n"
    "  calendar    holidays skipped by business-day steps: a name from data/calendars (DE,\n"
    "              GB) or a path to a JSON calendar; \"\" = weekends only\n"
    "  mail-from   sender of reminder emails, 'Name <ar@example.com>'\n"
    "  smtp-url    where `owed outbox send` delivers email: smtp://host:port (smtps:// for\n"
    "              TLS; smtp://user:password@host:port to log in)\n"
    "  sms-url     HTTP endpoint that takes SMS as a JSON POST {\"to\", \"text\", \"id\"}\n"
    "  pay-url     pay link base; the customer's ref is appended (https://pay.example/c/)\n"
    "  out-dir     where letters and agency placement files are written (default\n"
    "              ./owed-out)\n"
    "  gateway-secret  the signing secret of payment gateway webhooks (the Stripe endpoint\n"
    "              secret, whsec_...): POST /api/v1/gateway/stripe/ORG verifies their\n"
    "              Stripe-Signature with it; \"\" removes it. `org show` says only whether\n"
    "              it is set\n"
    "\n"
    "Example:\n"
    "  owed org set --tolerance 0.5% --timezone Europe/Berlin --calendar DE\n";

static int org_create(struct cli *cli, const char *name)
{
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int64_t id;
    int rc = owed_org_create(cli->store, name, &id, &err);
    if (rc == OWED_OK) owed_buf_addf(&out, "%lld\n", (long long)id);
    return cli_report(rc, &out, &err);
}

static int org_list(struct cli *cli)
{
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_org_list(cli->store, &out, &err);
    return cli_report(rc, &out, &err);
}

int cmd_org(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"tolerance", required_argument, NULL, 't'},
                                         {"name", required_argument, NULL, 'n'},
                                         {"timezone", required_argument, NULL, 'z'},
                                         {"calendar", required_argument, NULL, 'c'},
                                         {"mail-from", required_argument, NULL, 'm'},
                                         {"smtp-url", required_argument, NULL, 's'},
                                         {"sms-url", required_argument, NULL, 'x'},
                                         {"pay-url", required_argument, NULL, 'p'},
                                         {"out-dir", required_argument, NULL, 'o'},
                                         {"gateway-secret", required_argument, NULL, 'g'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("org");
    const char *tolerance = NULL;
    struct owed_org_changes ch = {0};
    bool any = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char **slot = c == 't' ? &tolerance : c == 'n' ? &ch.name : c == 'z' ? &ch.timezone
                          : c == 'c' ? &ch.calendar : c == 'm' ? &ch.mail_from
                          : c == 's' ? &ch.smtp_url : c == 'x' ? &ch.sms_url
                          : c == 'p' ? &ch.pay_url : c == 'o' ? &ch.out_dir
                          : c == 'g' ? &ch.gateway_secret : NULL;
        if (slot) {
            *slot = optarg;
            any = true;
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (argc - optind == 2 && !strcmp(argv[optind], "create")) return org_create(cli, argv[optind + 1]);
    if (argc - optind == 1 && !strcmp(argv[optind], "list")) return org_list(cli);
    bool show = argc - optind == 1 && !strcmp(argv[optind], "show");
    bool set = argc - optind == 1 && !strcmp(argv[optind], "set");
    if (!show && !set)
        return cli_usage(self, "usage: owed org create NAME | list | show | set --SETTING VALUE");
    if (set && !any) return cli_usage(self, "owed org set needs a setting, e.g. --tolerance 1.00");
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = OWED_OK;
    if (set && tolerance) rc = owed_tolerance_set(cli->store, cli->org, tolerance, &err);
    if (set && !rc) rc = owed_org_set(cli->store, cli->org, &ch, &err);
    if (!rc) rc = owed_org_show(cli->store, cli->org, &out, &err);
    return cli_report(rc, &out, &err);
}
