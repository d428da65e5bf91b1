/* owed credit-note, write-off, reverse, refund: the corrections of receivables. Each is
 * its own journal entry; nothing is edited or deleted. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* The options these commands share. */
struct credit_args {
    const char *invoice, *customer, *amount, *reason, *ref, *fee;
    owed_date date;
};

static bool credit_opt(const struct cmd *self, int c, struct credit_args *a)
{
    switch (c) {
    case 'i': a->invoice = optarg; return true;
    case 'c': a->customer = optarg; return true;
    case 'a': a->amount = optarg; return true;
    case 'R': a->reason = optarg; return true;
    case 'r': a->ref = optarg; return true;
    case 'f': a->fee = optarg; return true;
    case 'd': return cli_parse_date(self, optarg, &a->date) || (a->date = INT32_MIN, true);
    }
    return false;
}

#define CREDIT_OPTS                                                                     \
    {"invoice", required_argument, NULL, 'i'}, {"customer", required_argument, NULL, 'c'}, \
        {"amount", required_argument, NULL, 'a'}, {"reason", required_argument, NULL, 'R'}, \
        {"date", required_argument, NULL, 'd'}

/* Parses the options; returns -1 to go on, else an exit code. */
static int parse(struct cli *cli, const struct cmd *self, const struct option *opts, int argc,
                 char **argv, struct credit_args *a)
{
    memset(a, 0, sizeof *a);
    a->date = cli_today(cli);
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (credit_opt(self, c, a)) {
            if (a->date == INT32_MIN) return EXIT_USAGE;
        } else if (!cli_common_opt(cli, self, c, optarg)) {
            return cli_bad_option(self, argv);
        }
    }
    if (argc - optind != 1) return cli_usage(self, "%s", "expected one argument (see --help)");
    return -1;
}

const char cmd_credit_note_summary[] = "issue a credit note against an invoice or on account";
const char cmd_credit_note_help[] =
    "usage: owed credit-note NUMBER (--invoice N | --customer REF --amount AMOUNT) [options]\n"
    "\n"
    "Issues credit note NUMBER. Against an invoice it reduces what is open (full by\n"
    "default, or --amount); on account it is a credit the customer can use later (`owed\n"
    "apply NUMBER`) or have refunded (`owed refund NUMBER`). Posted Dr revenue, Cr AR\n"
    "(through unapplied credit, see docs/ledger.md). Running it again changes nothing.\n"
    "\n"
    "Options:\n"
    "  --invoice N       the invoice it corrects\n"
    "  --customer REF    the customer (needed on account)\n"
    "  --amount AMOUNT   default: what is open on the invoice\n"
    "  --date DATE       YYYY-MM-DD (default: today)\n"
    "  --reason TEXT     shown on statements\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Examples:\n"
    "  owed credit-note CN-0007 --invoice INV-12 --amount 120.00 --reason \"damaged goods\"\n"
    "  owed credit-note CN-0008 --customer C001 --amount 50 --reason goodwill\n";

int cmd_credit_note(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CREDIT_OPTS, {0, 0, 0, 0}};
    const struct cmd *self = cli_find("credit-note");
    struct credit_args a;
    int code = parse(cli, self, opts, argc, argv, &a);
    if (code >= 0) return code;
    if (!a.invoice && !a.customer) return cli_usage(self, "--invoice or --customer is required");
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_credit_note(cli->store, cli->org, argv[optind], a.customer, a.invoice,
                                   a.amount, a.date, a.reason, &out, &err),
                  &out, &err);
}

const char cmd_write_off_summary[] = "write an invoice off to bad debt";
const char cmd_write_off_help[] =
    "usage: owed write-off INVOICE --reason TEXT [--amount AMOUNT] [--date DATE] [--ref REF]\n"
    "\n"
    "Writes off what is open on an invoice (or --amount of it) to bad debt, with a reason:\n"
    "Dr bad debt, Cr AR. The write-off is a document of its own (REF, generated when not\n"
    "given); with --ref, running the command again changes nothing.\n"
    "\n"
    "Options:\n"
    "  --reason TEXT     why (required)\n"
    "  --amount AMOUNT   default: all that is open\n"
    "  --date DATE       YYYY-MM-DD (default: today)\n"
    "  --ref REF         the write-off's reference\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed write-off INV-3 --reason \"customer insolvent\"\n";

int cmd_write_off(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CREDIT_OPTS,
                                         {"ref", required_argument, NULL, 'r'}, {0, 0, 0, 0}};
    const struct cmd *self = cli_find("write-off");
    struct credit_args a;
    int code = parse(cli, self, opts, argc, argv, &a);
    if (code >= 0) return code;
    if (!a.reason) return cli_usage(self, "--reason is required");
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_write_off(cli->store, cli->org, argv[optind], a.amount, a.date, a.reason,
                                 a.ref, &out, &err),
                  &out, &err);
}

const char cmd_reverse_summary[] = "reverse a bounced or returned payment";
const char cmd_reverse_help[] =
    "usage: owed reverse PAYMENT_REF [--date DATE] [--reason TEXT] [--fee AMOUNT]\n"
    "\n"
    "A payment bounced (a returned cheque, a failed direct debit): everything it paid is\n"
    "open again from DATE, the money leaves cash, and with --fee a fee invoice\n"
    "FEE-<PAYMENT_REF> is charged to the customer, due at once. A payment is reversed once.\n"
    "\n"
    "Options:\n"
    "  --date DATE      YYYY-MM-DD (default: today)\n"
    "  --reason TEXT    e.g. \"AM04 insufficient funds\"\n"
    "  --fee AMOUNT     charge a returned-payment fee\n"
    "  --db PATH        database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed reverse CHK-881 --reason \"cheque returned\" --fee 25.00\n";

int cmd_reverse(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"date", required_argument, NULL, 'd'},
                                         {"reason", required_argument, NULL, 'R'},
                                         {"fee", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("reverse");
    struct credit_args a;
    int code = parse(cli, self, opts, argc, argv, &a);
    if (code >= 0) return code;
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_reverse(cli->store, cli->org, argv[optind], a.date, a.reason, a.fee, &out,
                               &err),
                  &out, &err);
}

const char cmd_refund_summary[] = "pay back a customer's credit balance";
const char cmd_refund_help[] =
    "usage: owed refund PAYMENT_REF [--amount AMOUNT] [--date DATE] [--reason TEXT]\n"
    "\n"
    "Pays back unapplied credit of a payment or credit note (all of it by default):\n"
    "Dr unapplied, Cr cash.\n"
    "\n"
    "Options:\n"
    "  --amount AMOUNT  default: all that is unapplied\n"
    "  --date DATE      YYYY-MM-DD (default: today)\n"
    "  --reason TEXT\n"
    "  --db PATH        database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed refund WIRE-0042 --amount 20.00 --reason \"overpayment\"\n";

int cmd_refund(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"amount", required_argument, NULL, 'a'},
                                         {"date", required_argument, NULL, 'd'},
                                         {"reason", required_argument, NULL, 'R'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("refund");
    struct credit_args a;
    int code = parse(cli, self, opts, argc, argv, &a);
    if (code >= 0) return code;
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_refund(cli->store, cli->org, argv[optind], a.amount, a.date, a.reason,
                              &out, &err),
                  &out, &err);
}
