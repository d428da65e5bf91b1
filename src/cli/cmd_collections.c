/* owed hold | dispute | promise | plan | note | tasks: the collection items people record
 * (app/collections.c). One option parser serves them all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct args {
    const char *customer, *invoice, *reason, *amount, *text, *outcome;
    owed_date date, first, today;
    bool has_date, has_first, all, credit_note, upheld;
    int installments, every;
    enum owed_format fmt;
    int pos; /* index of the first positional argument */
    int npos;
};

enum {
    O_CUSTOMER = 1000, O_INVOICE, O_REASON, O_AMOUNT, O_TEXT, O_OUTCOME, O_DATE, O_FIRST,
    O_ALL, O_CREDIT, O_UPHELD, O_INSTALLMENTS, O_EVERY, O_FORMAT, O_AS_OF
};

static int parse(struct cli *cli, const struct cmd *self, int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"customer", required_argument, NULL, O_CUSTOMER},
                                         {"invoice", required_argument, NULL, O_INVOICE},
                                         {"reason", required_argument, NULL, O_REASON},
                                         {"amount", required_argument, NULL, O_AMOUNT},
                                         {"text", required_argument, NULL, O_TEXT},
                                         {"outcome", required_argument, NULL, O_OUTCOME},
                                         {"date", required_argument, NULL, O_DATE},
                                         {"first", required_argument, NULL, O_FIRST},
                                         {"all", no_argument, NULL, O_ALL},
                                         {"credit-note", no_argument, NULL, O_CREDIT},
                                         {"upheld", no_argument, NULL, O_UPHELD},
                                         {"installments", required_argument, NULL, O_INSTALLMENTS},
                                         {"every", required_argument, NULL, O_EVERY},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"as-of", required_argument, NULL, O_AS_OF},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->fmt = OWED_FORMAT_TABLE;
    a->every = 30;
    a->today = cli_today(cli);
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_CUSTOMER: a->customer = optarg; break;
        case O_INVOICE: a->invoice = optarg; break;
        case O_REASON: a->reason = optarg; break;
        case O_AMOUNT: a->amount = optarg; break;
        case O_TEXT: a->text = optarg; break;
        case O_OUTCOME: a->outcome = optarg; break;
        case O_ALL: a->all = true; break;
        case O_CREDIT: a->credit_note = true; break;
        case O_UPHELD: a->upheld = true; break;
        case O_DATE:
            if (!cli_parse_date(self, optarg, &a->date)) return EXIT_USAGE;
            a->has_date = true;
            break;
        case O_FIRST:
            if (!cli_parse_date(self, optarg, &a->first)) return EXIT_USAGE;
            a->has_first = true;
            break;
        case O_AS_OF:
            if (!cli_parse_date(self, optarg, &a->today)) return EXIT_USAGE;
            break;
        case O_INSTALLMENTS:
        case O_EVERY: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1000)
                return cli_usage(self, "'%s' is not a whole number from 1 to 1000", optarg);
            if (c == O_EVERY) a->every = (int)v;
            else a->installments = (int)v;
            break;
        }
        case O_FORMAT:
            if (owed_format_parse(optarg, &a->fmt) || a->fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format here (table, json)", optarg);
            break;
        default:
            if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
        }
    }
    a->pos = optind;
    a->npos = argc - optind;
    return 0;
}

static bool parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0) return false;
    *id = v;
    return true;
}

static int add(struct cli *cli, const struct owed_item_req *r, const char *what)
{
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int64_t id = 0;
    int rc = owed_item_add(cli->store, cli->org, r, &id, &err);
    if (!rc) owed_buf_addf(&out, "%s %lld recorded\n", what, (long long)id);
    return cli_report(rc, &out, &err);
}

static int close_item(struct cli *cli, const struct cmd *self, const struct args *a, char **argv,
                      enum owed_item_kind kind, enum owed_item_status st)
{
    int64_t id;
    if (a->npos != 2 || !parse_id(argv[a->pos + 1], &id))
        return cli_usage(self, "say which %s: its id (see `owed %s list`)",
                         owed_item_kind_name(kind), self->name);
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_item_close r = {.id = id, .kind = kind, .status = st, .code = a->outcome,
                                .text = a->text ? a->text : a->reason, .amount = a->amount,
                                .today = a->today};
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_item_close(cli->store, cli->org, &r, &out, &err);
    if (!rc)
        owed_buf_addf(&out, "%s %lld is now %s\n", owed_item_kind_name(kind), (long long)id,
                      owed_item_status_name(st));
    return cli_report(rc, &out, &err);
}

static int list(struct cli *cli, const struct args *a, enum owed_item_kind kind)
{
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_items_list(cli->store, cli->org, kind, a->customer, a->all, a->fmt,
                                      &out, &err),
                      &out, &err);
}

static const char *verb(const struct args *a, char **argv)
{
    return a->npos ? argv[a->pos] : "list";
}

/* ---- owed hold ---- */

const char cmd_hold_summary[] = "exclude a customer or an invoice from dunning";
const char cmd_hold_help[] =
    "usage: owed hold add (--customer REF | --invoice N) --reason TEXT [--as-of DATE]\n"
    "       owed hold release ID [--text TEXT]\n"
    "       owed hold list [--customer REF] [--all] [--format table|json]\n"
    "\n"
    "A hold stops every reminder for the invoice, or for all of the customer's invoices,\n"
    "until it is released. Invoices handed to the collection agency by a dunning run are\n"
    "put on hold (code agency). list shows active holds; --all also released ones.\n\n"
    "\nExample:\n  owed hold add --invoice INV-1001 --reason \"customer in administration\"\n";

int cmd_hold(struct cli *cli, int argc, char **argv)
{
    const struct cmd *self = cli_find("hold");
    struct args a;
    int rc = parse(cli, self, argc, argv, &a);
    if (rc) return rc;
    const char *v = verb(&a, argv);
    if (!strcmp(v, "add") && a.npos == 1)
        return add(cli, &(struct owed_item_req){.kind = OWED_ITEM_HOLD, .customer_ref = a.customer,
                                                 .invoice_number = a.invoice, .text = a.reason,
                                                 .code = "manual", .today = a.today},
                   "hold");
    if (!strcmp(v, "release")) return close_item(cli, self, &a, argv, OWED_ITEM_HOLD, OWED_ST_RELEASED);
    if (!strcmp(v, "list") && a.npos <= 1) return list(cli, &a, OWED_ITEM_HOLD);
    return cli_usage(self, "usage: owed hold add|release|list");
}

/* ---- owed dispute ---- */

const char cmd_dispute_summary[] = "open and resolve invoice disputes; reasons report";
const char cmd_dispute_help[] =
    "usage: owed dispute open --invoice N --reason CODE [--amount A] [--text T] [--as-of D]\n"
    "       owed dispute investigate ID [--text T]\n"
    "       owed dispute resolve ID (--credit-note [--amount A] | --upheld) [--text T]\n"
    "       owed dispute reject ID [--text T]\n"
    "       owed dispute list [--customer REF] [--all] [--format table|json]\n"
    "       owed dispute report [--format table|json]\n"
    "\n"
    "Reasons: pricing, quantity, damaged, not_received, duplicate_billing, other. Without\n"
    "--amount the whole invoice is disputed and dunning pauses for it; a partial dispute\n"
    "pauses only that amount. Resolving with --credit-note issues a credit note\n"
    "CN-DISPUTE-ID for the disputed amount (or --amount) in the same transaction;\n"
    "--upheld means the invoice stands as billed. Resolved and rejected disputes let\n"
    "dunning resume. report: disputes by reason, outcomes and mean days to close, and the\n"
    "promise-kept rate.\n\n"
    "\nExample:\n  owed dispute open --invoice INV-1001 --reason damaged --amount 120.00\n";

int cmd_dispute(struct cli *cli, int argc, char **argv)
{
    const struct cmd *self = cli_find("dispute");
    struct args a;
    int rc = parse(cli, self, argc, argv, &a);
    if (rc) return rc;
    const char *v = verb(&a, argv);
    if (!strcmp(v, "open") && a.npos == 1)
        return add(cli, &(struct owed_item_req){.kind = OWED_ITEM_DISPUTE,
                                                 .invoice_number = a.invoice, .code = a.reason,
                                                 .amount = a.amount, .text = a.text,
                                                 .today = a.today},
                   "dispute");
    if (!strcmp(v, "investigate"))
        return close_item(cli, self, &a, argv, OWED_ITEM_DISPUTE, OWED_ST_INVESTIGATING);
    if (!strcmp(v, "resolve")) {
        if (a.credit_note == a.upheld)
            return cli_usage(self, "resolve with --credit-note or --upheld");
        return close_item(cli, self, &a, argv, OWED_ITEM_DISPUTE,
                          a.credit_note ? OWED_ST_RESOLVED_CREDIT : OWED_ST_RESOLVED_UPHELD);
    }
    if (!strcmp(v, "reject")) return close_item(cli, self, &a, argv, OWED_ITEM_DISPUTE, OWED_ST_REJECTED);
    if (!strcmp(v, "list") && a.npos <= 1) return list(cli, &a, OWED_ITEM_DISPUTE);
    if (!strcmp(v, "report") && a.npos == 1) {
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
        return cli_report(owed_collections_report(cli->store, cli->org, a.fmt, &out, &err), &out,
                          &err);
    }
    return cli_usage(self, "usage: owed dispute open|investigate|resolve|reject|list|report");
}

/* ---- owed promise ---- */

const char cmd_promise_summary[] = "record promises to pay";
const char cmd_promise_help[] =
    "usage: owed promise add (--customer REF | --invoice N) --date D --amount A [--text T]\n"
    "       owed promise cancel ID\n"
    "       owed promise list [--customer REF] [--all] [--format table|json]\n"
    "\n"
    "Dunning pauses for the invoice (or, with --customer, the whole account) until the\n"
    "promised date. The first dunning run after it marks the promise kept when that much\n"
    "was paid since it was made, else broken, and then escalates the invoices to their\n"
    "next step at once. The promise-kept rate is in `owed dispute report`.\n\n"
    "\nExample:\n  owed promise add --invoice INV-1001 --date 2026-08-20 --amount 500.00\n";

int cmd_promise(struct cli *cli, int argc, char **argv)
{
    const struct cmd *self = cli_find("promise");
    struct args a;
    int rc = parse(cli, self, argc, argv, &a);
    if (rc) return rc;
    const char *v = verb(&a, argv);
    if (!strcmp(v, "add") && a.npos == 1)
        return add(cli, &(struct owed_item_req){.kind = OWED_ITEM_PROMISE,
                                                 .customer_ref = a.customer,
                                                 .invoice_number = a.invoice, .amount = a.amount,
                                                 .date = a.has_date ? a.date : 0, .text = a.text,
                                                 .today = a.today},
                   "promise");
    if (!strcmp(v, "cancel")) return close_item(cli, self, &a, argv, OWED_ITEM_PROMISE, OWED_ST_CANCELLED);
    if (!strcmp(v, "list") && a.npos <= 1) return list(cli, &a, OWED_ITEM_PROMISE);
    return cli_usage(self, "usage: owed promise add|cancel|list");
}

/* ---- owed plan ---- */

const char cmd_plan_summary[] = "split an invoice into a payment plan";
const char cmd_plan_help[] =
    "usage: owed plan create --invoice N --installments K --first DATE [--every DAYS]\n"
    "       owed plan cancel ID\n"
    "       owed plan list [--customer REF] [--all] [--format table|json]\n"
    "\n"
    "Splits the invoice's open balance into K installments (2 to 60), the first due on\n"
    "DATE and then every DAYS days (default 30). While the plan is in good standing the\n"
    "invoice itself is not reminded; each installment is, with the policy's steps up to\n"
    "the due step. An installment unpaid 10 days after its due date breaks the plan, and\n"
    "dunning resumes on the invoice; a plan paid in full is completed.\n\n"
    "\nExample:\n  owed plan create --invoice INV-1001 --installments 3 --first 2026-09-01\n";

int cmd_plan(struct cli *cli, int argc, char **argv)
{
    const struct cmd *self = cli_find("plan");
    struct args a;
    int rc = parse(cli, self, argc, argv, &a);
    if (rc) return rc;
    const char *v = verb(&a, argv);
    if (!strcmp(v, "create") && a.npos == 1) {
        if (!a.invoice || !a.installments || !a.has_first)
            return cli_usage(self, "owed plan create needs --invoice, --installments and --first");
        if (cli_open(cli)) return EXIT_FAILURE_;
        struct owed_plan_req r = {.invoice_number = a.invoice, .installments = a.installments,
                                  .every_days = a.every, .first_due = a.first, .today = a.today};
        struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
        int64_t id;
        return cli_report(owed_plan_create(cli->store, cli->org, &r, &id, &out, &err), &out, &err);
    }
    if (!strcmp(v, "cancel")) return close_item(cli, self, &a, argv, OWED_ITEM_PLAN, OWED_ST_CANCELLED);
    if (!strcmp(v, "list") && a.npos <= 1) return list(cli, &a, OWED_ITEM_PLAN);
    return cli_usage(self, "usage: owed plan create|cancel|list");
}

/* ---- owed note ---- */

const char cmd_note_summary[] = "add notes and log calls on customers and invoices";
const char cmd_note_help[] =
    "usage: owed note add REF [--invoice N] TEXT\n"
    "       owed note call REF --outcome CODE [--invoice N] [TEXT]\n"
    "       owed note list REF [--format table|json]\n"
    "\n"
    "Call outcomes: reached, no_answer, left_message, wrong_number, promised, disputed,\n"
    "refused, callback. Notes and calls appear in the timeline of `owed customer show`.\n\n"
    "\nExample:\n  owed note call C000123 --outcome promised \"will pay Friday\"\n";

int cmd_note(struct cli *cli, int argc, char **argv)
{
    const struct cmd *self = cli_find("note");
    struct args a;
    int rc = parse(cli, self, argc, argv, &a);
    if (rc) return rc;
    const char *v = verb(&a, argv);
    const char *ref = a.npos >= 2 ? argv[a.pos + 1] : NULL;
    const char *text = a.npos >= 3 ? argv[a.pos + 2] : a.text;
    if (!strcmp(v, "add") && ref && a.npos <= 3)
        return add(cli, &(struct owed_item_req){.kind = OWED_ITEM_NOTE, .customer_ref = ref,
                                                 .invoice_number = a.invoice, .text = text,
                                                 .today = a.today},
                   "note");
    if (!strcmp(v, "call") && ref && a.npos <= 3)
        return add(cli, &(struct owed_item_req){.kind = OWED_ITEM_CALL, .customer_ref = ref,
                                                 .invoice_number = a.invoice, .code = a.outcome,
                                                 .text = text, .today = a.today},
                   "call");
    if (!strcmp(v, "list") && ref && a.npos == 2) {
        a.customer = ref;
        a.all = true;
        return list(cli, &a, OWED_ITEM_NOTE);
    }
    return cli_usage(self, "usage: owed note add|call|list REF");
}

/* ---- owed tasks ---- */

const char cmd_tasks_summary[] = "the collectors' call list";
const char cmd_tasks_help[] =
    "usage: owed tasks [list] [--customer REF] [--all] [--format table|json]\n"
    "       owed tasks done ID [--outcome CODE] [--text T]\n"
    "       owed tasks cancel ID\n"
    "\n"
    "Dunning steps on the call channel open a task for a collector, with the call script\n"
    "of the step's template. done closes it (log the call itself with `owed note call`).\n\n"
    "\nExample:\n  owed tasks done 42 --outcome reached\n";

int cmd_tasks(struct cli *cli, int argc, char **argv)
{
    const struct cmd *self = cli_find("tasks");
    struct args a;
    int rc = parse(cli, self, argc, argv, &a);
    if (rc) return rc;
    const char *v = verb(&a, argv);
    if (!strcmp(v, "done")) return close_item(cli, self, &a, argv, OWED_ITEM_TASK, OWED_ST_DONE);
    if (!strcmp(v, "cancel")) return close_item(cli, self, &a, argv, OWED_ITEM_TASK, OWED_ST_CANCELLED);
    if (!strcmp(v, "list") && a.npos <= 1) return list(cli, &a, OWED_ITEM_TASK);
    return cli_usage(self, "usage: owed tasks [list|done|cancel]");
}
