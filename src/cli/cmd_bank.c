/* owed bank (import, parse, entries, review, confirm, reject, mapping) and owed match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bank.h"
#include "cli/cli.h"

const char cmd_bank_summary[] = "read bank statements and match them to invoices";
const char cmd_bank_help[] =
    "usage: owed bank import FILE [--mapping NAME]\n"
    "       owed bank parse FILE [--mapping NAME] [--format json]\n"
    "       owed bank entries [--status S] [--format csv]\n"
    "       owed bank review [--format table|json]\n"
    "       owed bank confirm ENTRY [--invoice N ...] [--customer REF]\n"
    "       owed bank reject ENTRY\n"
    "       owed bank mapping save NAME FILE.json\n"
    "\n"
    "import   reads a statement (camt.053, camt.054, camt.052, BAI2, MT940, OFX 1.x/2.x,\n"
    "         or CSV; the format is detected from the content), stores every entry with an\n"
    "         idempotency key (importing the same or an overlapping statement never adds an\n"
    "         entry twice), matches each credit to open invoices and posts the sure ones;\n"
    "         the others wait in the review queue with ranked suggestions. Debits are kept\n"
    "         but not matched. A malformed file is rejected whole (exit 3): FILE:LINE (or\n"
    "         the XML path) and the reason.\n"
    "parse    prints what was read, without touching the database.\n"
    "entries  CSV: entry_id,statement_id,value_date,amount,currency,status,customer_ref,\n"
    "         invoice_numbers,score; status matched (automatically), confirmed (by a\n"
    "         person), review, unmatched, ignored (debits), rejected.\n"
    "review   the queue: each entry with up to three suggestions and why.\n"
    "confirm  posts a queued entry: to the invoices given, else to the top suggestion, or\n"
    "         on account of --customer; the payer's account and name are learned for\n"
    "         later matching.\n"
    "reject   marks a queued entry as not a customer payment.\n"
    "mapping  saves a CSV column mapping (JSON: booking_date, value_date, amount or\n"
    "         credit/debit, currency or default_currency, remittance, counterparty_name,\n"
    "         counterparty_account, entry_ref, account, date_format, decimal_comma,\n"
    "         delimiter); a CSV whose header fits a saved mapping is read with it.\n"
    "\n"
    "Examples:\n"
    "  owed bank import statement.xml\n"
    "  owed bank entries --status review --format csv\n"
    "  owed bank confirm 42 --invoice INV-1001 --invoice INV-1002\n";

static bool parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) return false;
    *out = v;
    return true;
}

int cmd_bank(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"mapping", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"status", required_argument, NULL, 's'},
                                         {"invoice", required_argument, NULL, 'i'},
                                         {"customer", required_argument, NULL, 'c'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("bank");
    const char *mapping = NULL, *customer = NULL, *format = NULL;
    int status = 0;
    static const char *invoices[256];
    size_t ninvoices = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': mapping = optarg; break;
        case 'f': format = optarg; break;
        case 'c': customer = optarg; break;
        case 's':
            if (owed_entry_status_parse(optarg, &status))
                return cli_usage(self, "'%s' is not a status (matched, confirmed, review, "
                                       "unmatched, ignored, rejected)", optarg);
            break;
        case 'i':
            if (ninvoices == sizeof invoices / sizeof *invoices) return cli_usage(self, "too many --invoice");
            invoices[ninvoices++] = optarg;
            break;
        default:
            if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
        }
    }
    int nargs = argc - optind;
    const char *sub = nargs ? argv[optind] : "";
    char **args = argv + optind + 1;
    nargs--;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    enum owed_format fmt = OWED_FORMAT_TABLE;
    if (format && (owed_format_parse(format, &fmt) || fmt == OWED_FORMAT_CSV) &&
        strcmp(sub, "entries") != 0)
        return cli_usage(self, "'%s' is not a format here (table, json)", format);

    if (!strcmp(sub, "parse")) {
        if (nargs != 1) return cli_usage(self, "usage: owed bank parse FILE");
        if (format && fmt != OWED_FORMAT_JSON) return cli_usage(self, "parse prints json");
        struct owed_bank_file f;
        bool with_db = mapping != NULL;
        if (with_db && cli_open_read(cli)) return EXIT_FAILURE_;
        int rc = owed_bank_read(with_db ? cli->store : NULL, cli->org, args[0], mapping, &f, &err);
        if (!rc) {
            owed_bank_file_json(&f, &out);
            owed_bank_file_free(&f);
        }
        return cli_report(rc, &out, &err);
    }
    if (!strcmp(sub, "import")) {
        if (nargs != 1) return cli_usage(self, "usage: owed bank import FILE");
        if (cli_open(cli)) return EXIT_FAILURE_;
        struct owed_bank_import_result r;
        int rc = owed_bank_import(cli->store, cli->org, args[0], mapping, &r, &err);
        if (!rc)
            owed_buf_addf(&out,
                          "%s: %s, %ld statement%s, %ld entries: %ld new, %ld already imported; "
                          "%ld debits kept; %ld matched and posted, %ld to review, %ld "
                          "unmatched\n",
                          args[0], owed_bank_format_name(r.format), r.statements,
                          r.statements == 1 ? "" : "s", r.entries, r.inserted, r.duplicates,
                          r.ignored, r.matched, r.review, r.unmatched);
        return cli_report(rc, &out, &err);
    }
    if (!strcmp(sub, "entries")) {
        if (nargs != 0) return cli_usage(self, "usage: owed bank entries [--status S]");
        if (format && strcmp(format, "csv") != 0) return cli_usage(self, "entries prints csv");
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        return cli_report(owed_bank_entries_csv(cli->store, cli->org, status, &out, &err), &out, &err);
    }
    if (!strcmp(sub, "review")) {
        if (nargs != 0) return cli_usage(self, "usage: owed bank review");
        if (cli_open_read(cli)) return EXIT_FAILURE_;
        return cli_report(owed_bank_review(cli->store, cli->org, fmt, &out, &err), &out, &err);
    }
    if (!strcmp(sub, "confirm") || !strcmp(sub, "reject")) {
        int64_t id;
        if (nargs != 1 || !parse_id(args[0], &id))
            return cli_usage(self, "usage: owed bank %s ENTRY (a number)", sub);
        if (cli_open(cli)) return EXIT_FAILURE_;
        int rc = !strcmp(sub, "confirm")
                     ? owed_bank_confirm(cli->store, cli->org, id, invoices, ninvoices, customer,
                                         &out, &err)
                     : owed_bank_reject(cli->store, cli->org, id, &out, &err);
        return cli_report(rc, &out, &err);
    }
    if (!strcmp(sub, "mapping")) {
        if (nargs != 3 || strcmp(args[0], "save") != 0)
            return cli_usage(self, "usage: owed bank mapping save NAME FILE.json");
        if (cli_open(cli)) return EXIT_FAILURE_;
        int rc = owed_bank_mapping_save(cli->store, cli->org, args[1], args[2], &err);
        if (!rc) owed_buf_addf(&out, "saved CSV mapping %s\n", args[1]);
        return cli_report(rc, &out, &err);
    }
    return cli_usage(self, "usage: owed bank import|parse|entries|review|confirm|reject|mapping");
}

const char cmd_match_summary[] = "report how well bank entries were matched";
const char cmd_match_help[] =
    "usage: owed match --report [--truth FILE] [--format table|json]\n"
    "\n"
    "Counts the credit entries of every imported statement: how many were matched and\n"
    "posted automatically (the auto-match rate), confirmed by people, waiting in the review\n"
    "queue, rejected. With --truth (entry_ref,customer_ref,invoice_numbers,kind, as `owed\n"
    "gen --bank` writes bank-truth.csv) it also measures the precision of the automatic\n"
    "matches and how often the right answer is among the top three suggestions of a queued\n"
    "entry.\n"
    "\n"
    "Example:\n"
    "  owed match --report --truth demo/bank-truth.csv\n";

int cmd_match(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, CLI_READ_DB_OPT,
                                         {"report", no_argument, NULL, 'r'},
                                         {"truth", required_argument, NULL, 't'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("match");
    bool report = false;
    const char *truth = NULL;
    enum owed_format fmt = OWED_FORMAT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r') report = true;
        else if (c == 't') truth = optarg;
        else if (c == 'f') {
            if (owed_format_parse(optarg, &fmt) || fmt == OWED_FORMAT_CSV)
                return cli_usage(self, "'%s' is not a format for match (table, json)", optarg);
        } else if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    }
    if (!report || optind != argc) return cli_usage(self, "usage: owed match --report");
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    return cli_report(owed_match_report(cli->store, cli->org, truth, fmt, &out, &err), &out, &err);
}
