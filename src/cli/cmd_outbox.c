/* owed outbox: deliver and inspect the messages dunning runs queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_outbox_summary[] = "deliver queued reminders; list, show, resolve messages";
const char cmd_outbox_help[] =
    "usage: owed outbox send [--limit N] [--lease SECONDS]\n"
    "       owed outbox list [--status S]\n"
    "       owed outbox show ID\n"
    "       owed outbox retry ID\n"
    "       owed outbox mark-sent ID\n"
    "\n"
    "send delivers every queued message that is due: email over SMTP (owed org set\n"
    "--smtp-url), SMS as a JSON POST to the gateway (--sms-url), letters and agency\n"
    "placements as files under the org's out-dir (letters/letter-ID.pdf,\n"
    "agency/placement-ID.csv), webhook events as signed JSON POSTs to their subscribers\n"
    "(docs/webhooks.md). A failed attempt is retried after 1, 5, 15 and 60\n"
    "minutes, then every 4 hours, and fails for good after 8 attempts or a permanent\n"
    "refusal (5xx).\n"
    "\n"
    "Each message is delivered at most once, even if the sender is killed: a message is\n"
    "claimed (sending) for --lease seconds (default 300); just before the SMTP end-of-data\n"
    "marker it becomes uncertain, and after the server's 250 it is sent. A message left\n"
    "sending by a dead sender is sent again once its lease ran out (the server never got\n"
    "its end of data); one left uncertain is presumed delivered and never resent by\n"
    "itself: check with the recipient, then `retry` it or `mark-sent` it.\n"
    "\n"
    "Statuses: queued, sending, uncertain, sent, failed, cancelled.\n"
    "\n"
    "Example:\n"
    "  owed outbox list --status uncertain\n";

int cmd_outbox(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"limit", required_argument, NULL, 'l'},
                                         {"lease", required_argument, NULL, 'e'},
                                         {"status", required_argument, NULL, 's'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("outbox");
    long limit = 0, lease = 300;
    enum owed_msg_status status = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (c == 'l' || c == 'e') {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 86400 * 7)
                return cli_usage(self, "'%s' is not a whole number of %s", optarg,
                                 c == 'l' ? "messages" : "seconds");
            if (c == 'l') limit = v;
            else lease = v;
        } else if (c == 's') {
            if (!(status = owed_msg_status_parse(optarg)))
                return cli_usage(self, "'%s' is not a status (queued, sending, uncertain, sent, "
                                       "failed, cancelled)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    int n = argc - optind;
    const char *verb = n ? argv[optind] : "";
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    owed_time_ms now = cli->clock.now_ms(cli->clock.ctx);
    if (!strcmp(verb, "send") && n == 1) {
        if (cli_open(cli)) return EXIT_FAILURE_;
        struct owed_send_stats st;
        int rc = owed_outbox_send(cli->store, cli->org, now, lease, (size_t)limit, &st, &out, &err);
        if (!rc && (st.failed || st.retry)) {
            cli_write(&out);
            owed_buf_release(&out);
            owed_buf_release(&err);
            return EXIT_FAILURE_;
        }
        return cli_report(rc, &out, &err);
    }
    if (!strcmp(verb, "list") && n == 1) {
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        return cli_report(owed_outbox_list(cli->store, cli->org, status, 0, &out, &err), &out, &err);
    }
    int64_t id = n == 2 ? strtoll(argv[optind + 1], NULL, 10) : 0;
    if (n == 2 && id > 0 && !strcmp(verb, "show")) {
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        return cli_report(owed_outbox_list(cli->store, cli->org, 0, id, &out, &err), &out, &err);
    }
    if (n == 2 && id > 0 && (!strcmp(verb, "retry") || !strcmp(verb, "mark-sent"))) {
        if (cli_open(cli)) return EXIT_FAILURE_;
        bool resend = !strcmp(verb, "retry");
        int rc = owed_outbox_resolve(cli->store, cli->org, id, resend, now, &err);
        if (!rc) owed_buf_addf(&out, "message %lld %s\n", (long long)id, resend ? "queued again" : "marked sent");
        return cli_report(rc, &out, &err);
    }
    return cli_usage(self, "usage: owed outbox send|list|show ID|retry ID|mark-sent ID");
}
