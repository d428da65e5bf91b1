/* owed pay, owed apply, owed unapply: record a payment and say which invoices it pays. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_TARGETS 256

/* --invoice NUMBER[=AMOUNT]: splits in place. */
static bool add_target(const struct cmd *self, char *arg, struct owed_apply_target *t, size_t *n)
{
    if (*n == MAX_TARGETS) {
        cli_usage(self, "at most %d --invoice options", MAX_TARGETS);
        return false;
    }
    char *eq = strchr(arg, '=');
    if (eq) *eq = '\0';
    if (!arg[0]) {
        cli_usage(self, "--invoice needs an invoice number");
        return false;
    }
    t[*n].invoice_number = arg;
    t[*n].amount = eq ? eq + 1 : NULL;
    ++*n;
    return true;
}

const char cmd_pay_summary[] = "record a payment and apply it to invoices";
const char cmd_pay_help[] =
    "usage: owed pay --ref REF --customer REF --amount AMOUNT [options]\n"
    "\n"
    "Records money received from a customer (one transaction, posted to the ledger) and\n"
    "applies it: to the invoices named with --invoice, or by --apply rule. What is not\n"
    "applied stays on the customer's account as unapplied cash, to apply later with\n"
    "`owed apply` or to refund with `owed refund`. Running the same command again changes\n"
    "nothing (the payment reference is the key).\n"
    "\n"
    "Paying the discounted amount of an invoice with discount terms (2/10 NET30) within\n"
    "the discount window settles it, the discount posted as such. A payment short by no\n"
    "more than the org's tolerance (`owed org set --tolerance`) closes the invoice and\n"
    "writes the difference off. Both apply only where the amount was not dictated.\n"
    "\n"
    "Options:\n"
    "  --ref REF              payment reference, unique (required)\n"
    "  --customer REF         the paying customer (required)\n"
    "  --amount AMOUNT        in major units, e.g. 1234.56 (required)\n"
    "  --currency CODE        default: the customer's currency\n"
    "  --date DATE            received date YYYY-MM-DD (default: today)\n"
    "  --method M             card ach sepa wire check echeck wallet cash other (default other)\n"
    "  --channel C            portal gateway bank invoice po other\n"
    "  --reference TEXT       the payer's reference or remittance text\n"
    "  --payer-name TEXT      --payer-account TEXT: who paid, from which account\n"
    "  --invoice N[=AMOUNT]   apply to invoice N (AMOUNT, or as much as is left); repeat\n"
    "  --apply RULE           oldest (oldest due first), exact (the one invoice the amount\n"
    "                         settles), none (default: on account)\n"
    "  --db PATH              database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Exit status: 0 done (or already recorded), 3 refused (unknown customer or invoice,\n"
    "more than is open, another payment has this reference).\n"
    "\n"
    "Examples:\n"
    "  owed pay --ref WIRE-0042 --customer C001 --amount 1500.00 --method wire --apply oldest\n"
    "  owed pay --ref CHK-881 --customer C002 --amount 980 --invoice INV-7=500 --invoice INV-9\n";

int cmd_pay(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_COMMON_OPTS,
        {"ref", required_argument, NULL, 'r'},
        {"customer", required_argument, NULL, 'c'},
        {"amount", required_argument, NULL, 'a'},
        {"currency", required_argument, NULL, 'C'},
        {"date", required_argument, NULL, 'd'},
        {"method", required_argument, NULL, 'm'},
        {"channel", required_argument, NULL, 'n'},
        {"reference", required_argument, NULL, 'e'},
        {"payer-name", required_argument, NULL, 'p'},
        {"payer-account", required_argument, NULL, 'P'},
        {"invoice", required_argument, NULL, 'i'},
        {"apply", required_argument, NULL, 'A'},
        {0, 0, 0, 0}};
    const struct cmd *self = cli_find("pay");
    static struct owed_apply_target targets[MAX_TARGETS];
    struct owed_pay_req r = {.date = cli_today(cli), .targets = targets};
    bool has_rule = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': r.ref = optarg; break;
        case 'c': r.customer_ref = optarg; break;
        case 'a': r.amount = optarg; break;
        case 'C': r.currency = optarg; break;
        case 'd':
            if (!cli_parse_date(self, optarg, &r.date)) return EXIT_USAGE;
            break;
        case 'm': r.method = optarg; break;
        case 'n': r.channel = optarg; break;
        case 'e': r.reference = optarg; break;
        case 'p': r.payer_name = optarg; break;
        case 'P': r.payer_account = optarg; break;
        case 'i':
            if (!add_target(self, optarg, targets, &r.ntargets)) return EXIT_USAGE;
            break;
        case 'A':
            if (owed_apply_rule_parse(optarg, &r.rule))
                return cli_usage(self, "'%s' is not a rule (oldest, exact, none)", optarg);
            has_rule = true;
            break;
        default:
            if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
        }
    }
    if (optind != argc) return cli_usage(self, "unexpected argument '%s'", argv[optind]);
    if (!r.ref || !r.customer_ref || !r.amount)
        return cli_usage(self, "--ref, --customer and --amount are required");
    if (r.ntargets && has_rule) return cli_usage(self, "--invoice and --apply exclude each other");
    if (r.ntargets) r.rule = OWED_APPLY_LIST;
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_pay(cli->store, cli->org, &r, &out, &err), &out, &err);
}

const char cmd_apply_summary[] = "apply unapplied cash or credit to invoices";
const char cmd_apply_help[] =
    "usage: owed apply PAYMENT_REF (--invoice N[=AMOUNT] ... | --rule oldest|exact)\n"
    "\n"
    "Applies what is left unapplied of a payment or credit note: to the named invoices\n"
    "(each AMOUNT, or as much as is left), or by rule. The allocation takes the payment's\n"
    "received date (or the invoice's issue date if later). Discounts and tolerance work\n"
    "as for `owed pay`.\n"
    "\n"
    "Options:\n"
    "  --invoice N[=AMOUNT]   apply to invoice N; repeat for several\n"
    "  --rule RULE            oldest (oldest due first) or exact (the one invoice it settles)\n"
    "  --db PATH              database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed apply WIRE-0042 --invoice INV-12=250.00\n";

int cmd_apply(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"invoice", required_argument, NULL, 'i'},
                                         {"rule", required_argument, NULL, 'R'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("apply");
    static struct owed_apply_target targets[MAX_TARGETS];
    size_t n = 0;
    enum owed_apply_rule rule = OWED_APPLY_NONE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i') {
            if (!add_target(self, optarg, targets, &n)) return EXIT_USAGE;
        } else if (c == 'R') {
            if (owed_apply_rule_parse(optarg, &rule) || rule == OWED_APPLY_NONE)
                return cli_usage(self, "'%s' is not a rule (oldest, exact)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (argc - optind != 1) return cli_usage(self, "usage: owed apply PAYMENT_REF ...");
    if (!n && rule == OWED_APPLY_NONE) return cli_usage(self, "say where: --invoice or --rule");
    if (n && rule != OWED_APPLY_NONE) return cli_usage(self, "--invoice and --rule exclude each other");
    if (n) rule = OWED_APPLY_LIST;
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_apply(cli->store, cli->org, argv[optind], rule, targets, n, &out, &err),
                  &out, &err);
}

const char cmd_unapply_summary[] = "reverse what a payment applied";
const char cmd_unapply_help[] =
    "usage: owed unapply PAYMENT_REF [--invoice N] [--date DATE]\n"
    "\n"
    "Reverses the allocations of a payment or credit note (to one invoice, or to all), as\n"
    "of DATE: the invoices are open again from that date and the money is unapplied on the\n"
    "customer's account. A discount or small difference written off with the allocation is\n"
    "reversed with it. Nothing is deleted: the reversal is its own journal entry.\n"
    "\n"
    "Options:\n"
    "  --invoice N     only what was applied to invoice N\n"
    "  --date DATE     YYYY-MM-DD (default: today)\n"
    "  --db PATH       database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed unapply WIRE-0042 --invoice INV-12\n";

int cmd_unapply(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"invoice", required_argument, NULL, 'i'},
                                         {"date", required_argument, NULL, 'd'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("unapply");
    const char *invoice = NULL;
    owed_date date = cli_today(cli);
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i') invoice = optarg;
        else if (c == 'd') {
            if (!cli_parse_date(self, optarg, &date)) return EXIT_USAGE;
        } else if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    }
    if (argc - optind != 1) return cli_usage(self, "usage: owed unapply PAYMENT_REF");
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_unapply(cli->store, cli->org, argv[optind], invoice, date, &out, &err),
                  &out, &err);
}
