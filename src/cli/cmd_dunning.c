/* owed dunning preview: what a reminder run would send. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

const char cmd_dunning_summary[] = "preview or run the reminders due on a date";
const char cmd_dunning_help[] =
    "usage: owed dunning preview [--as-of DATE] [--format table|json]\n"
    "       owed dunning run [--as-of DATE] [--format table|json]\n"
    "\n"
    "preview shows what a run on DATE would do, changing nothing; run does it. For every\n"
    "open invoice, the customer's policy (owed policy) gives the latest step whose date\n"
    "(due date + offset, in calendar or business days) is on or before DATE; it fires\n"
    "unless a step at or after it fired before. One message per customer and channel\n"
    "lists the invoices that fired and uses the template of the most severe step among\n"
    "them (DESIGN.md \"Dunning\"). Nothing fires for an invoice or customer on hold (owed\n"
    "hold), a disputed invoice (a partial dispute pauses only its amount), an open\n"
    "promise to pay, a payment plan in good standing (its installments are reminded\n"
    "instead), or an amount under the step's minimum. A promise whose date passed unpaid\n"
    "is broken and its invoices escalate to their next step at once.\n"
    "\n"
    "run, in one transaction: records each firing under its key (org, invoice, step), so\n"
    "running again the same day, or after a crash, sends nothing twice; queues each\n"
    "message in the outbox, rendered from its template (owed outbox send delivers them);\n"
    "posts fees and interest as invoices of their own (FEE-/INT-INVOICE-STEP); opens a\n"
    "task for each call (owed tasks); and puts invoices handed to the agency on hold.\n"
    "\n"
    "JSON: an array of messages, each with customer_ref, channel, step and invoices (each\n"
    "with invoice_number, step, open as a decimal string, currency, days_past_due, and\n"
    "when they apply fee, interest, installment, escalated). Thank-you notes (a policy\n"
    "option) are messages with step \"thanks\".\n"
    "\n"
    "Options:\n"
    "  --as-of DATE      YYYY-MM-DD (default: today in the organization's time zone)\n"
    "  --format FORMAT   table (default) or json\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "  --read-db URL     preview only: read from this replica (default: $OWED_READ_DB)\n"
    "\n"
    "Examples:\n"
    "  owed dunning preview --as-of 2026-07-01 --format json\n"
    "  owed dunning run && owed outbox send\n";

int cmd_dunning(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("dunning");
    owed_date as_of = 0;
    bool as_of_given = false;
    enum owed_format fmt = OWED_FORMAT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'a') {
            if (!cli_parse_date(self, optarg, &as_of)) return EXIT_USAGE;
            as_of_given = true;
        } else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for dunning (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    bool run = argc - optind == 1 && !strcmp(argv[optind], "run");
    if (argc - optind != 1 || (!run && strcmp(argv[optind], "preview") != 0))
        return cli_usage(self, "usage: owed dunning preview|run [--as-of DATE]");
    if (run ? cli_open(cli) : cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    owed_time_ms now = cli->clock.now_ms(cli->clock.ctx);
    int rc = as_of_given ? OWED_OK : owed_org_today(cli->store, cli->org, now, &as_of, &err);
    if (rc) return cli_report(rc, &out, &err);
    if (!run) return cli_report(owed_dunning_preview(cli->store, cli->org, as_of, fmt, &out, &err),
                                &out, &err);
    struct owed_run_result res;
    rc = owed_dunning_run(cli->store, cli->org, as_of, now, fmt, &res, &out, &err);
    if (!rc && fmt != OWED_FORMAT_JSON)
        owed_buf_addf(&out, "Run %lld: %zu message%s queued, %zu firing%s, %zu charge%s posted\n",
                      (long long)res.run_id, res.messages, res.messages == 1 ? "" : "s",
                      res.firings, res.firings == 1 ? "" : "s", res.fees, res.fees == 1 ? "" : "s");
    return cli_report(rc, &out, &err);
}
