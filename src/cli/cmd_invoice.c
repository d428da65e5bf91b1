/* owed invoice: invoices with lines, from draft to issued, rendered, delivered and
 * acknowledged (app/invoicing.h, app/documents.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/doc_json.h"
#include "app/documents.h"
#include "app/files.h"
#include "app/invoicing.h"
#include "base.h"
#include "cli/cli.h"

const char cmd_invoice_summary[] = "create, issue, show, render, send and acknowledge invoices";
const char cmd_invoice_help[] =
    "usage: owed invoice create --customer REF [--line SPEC]... [--file DOC.json]\n"
    "                           [--issue-date D] [--due-date D] [--po PO] [--note TEXT]\n"
    "                           [--credit-for NUMBER] [--issue]\n"
    "       owed invoice issue #ID\n"
    "       owed invoice show NUMBER|#ID [--format table|json]\n"
    "       owed invoice list [--customer REF] [--status draft|issued]\n"
    "       owed invoice pdf|ubl|terms NUMBER|#ID [-o FILE]\n"
    "       owed invoice send NUMBER\n"
    "       owed invoice ack NUMBER [--via TEXT]\n"
    "       owed invoice ack-link NUMBER\n"
    "\n"
    "create makes a draft (printed as #ID) from lines; --issue issues it at once. A line is\n"
    "  --line 'NAME;QUANTITY;UNIT PRICE;VAT RATE[;CATEGORY[;UNIT[;DISCOUNT]]]'\n"
    "e.g. --line 'Consulting;10;95.00;19' (category S, unit C62 'one', no discount). VAT\n"
    "categories are EN 16931's: S standard, Z zero, E exempt, AE reverse charge, K intra-EU,\n"
    "G export, O outside scope. --file takes the whole document as JSON (docs/invoicing.md);\n"
    "the seller, the buyer's address, the bank account and the payment terms come from the\n"
    "settings (owed seller) where the document leaves them out. --credit-for NUMBER makes a\n"
    "credit note that corrects that invoice.\n"
    "\n"
    "issue gives the draft the next number of its series (owed seller set: invoice_format,\n"
    "gapless), dates it today unless it has an issue date, sets the due date from the\n"
    "customer's terms, checks the EN 16931 business rules, and posts it. An issued\n"
    "invoice never changes: correct it with a credit note.\n"
    "\n"
    "pdf renders the invoice (with an EPC payment QR code for EUR), ubl the UBL 2.1 / Peppol\n"
    "BIS 3.0 e-invoice, terms the terms sheet; to stdout or -o FILE. send queues the email\n"
    "with the PDF, the UBL file and the terms sheet attached and the acknowledgement link in\n"
    "the body (owed outbox send delivers it). ack records the customer's acknowledgement of\n"
    "receipt by hand; ack-link prints the signed link the customer uses.\n";


static int write_out(const char *path, const struct owed_buf *b)
{
    if (!path || !strcmp(path, "-")) return cli_write(b) ? EXIT_OK : EXIT_FAILURE_;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->ptr, 1, b->len, f) != b->len || fclose(f) != 0) {
        cli_error("%s: cannot write", path);
        return EXIT_FAILURE_;
    }
    return EXIT_OK;
}

static void show_table(const json_t *v, struct owed_buf *out)
{
    const json_t *d = json_object_get(v, "document");
    const json_t *docs = json_object_get(v, "documents");
    const char *number = json_string_value(json_object_get(v, "number"));
    owed_buf_addf(out, "%s %s (#%lld, %s)\n",
                  strcmp(json_string_value(json_object_get(v, "type")), "credit_note")
                      ? "invoice" : "credit note",
                  number ? number : "(draft)", (long long)json_integer_value(json_object_get(v, "id")),
                  json_string_value(json_object_get(v, "status")));
    owed_buf_addf(out, "customer  %s  %s\n", json_string_value(json_object_get(v, "customer")),
                  json_string_value(json_object_get(json_object_get(d, "buyer"), "name")));
    const char *issue = json_string_value(json_object_get(v, "issue_date"));
    const char *due = json_string_value(json_object_get(v, "due_date"));
    owed_buf_addf(out, "issued    %s  due %s\n", issue ? issue : "-", due ? due : "-");
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(d, "lines"), i, l) {
        owed_buf_addf(out, "  %-3s %-36s %8s x %12s  %3s%%  %12s\n",
                      json_string_value(json_object_get(l, "id")),
                      json_string_value(json_object_get(l, "name")),
                      json_string_value(json_object_get(l, "quantity")),
                      json_string_value(json_object_get(l, "price")),
                      json_string_value(json_object_get(l, "tax_rate")),
                      json_string_value(json_object_get(l, "net")));
    }
    const json_t *t = json_object_get(d, "totals");
    const char *cur = json_string_value(json_object_get(v, "currency"));
    owed_buf_addf(out, "net %s  VAT %s  total %s  due %s %s\n",
                  json_string_value(json_object_get(t, "tax_exclusive")),
                  json_string_value(json_object_get(t, "tax")),
                  json_string_value(json_object_get(t, "tax_inclusive")),
                  json_string_value(json_object_get(t, "payable")), cur);
    const json_t *ack = json_object_get(docs, "acknowledged");
    owed_buf_addf(out, "documents invoice %s, terms sheet %s, acknowledged %s\n",
                  json_is_true(json_object_get(docs, "invoice")) ? "yes" : "no",
                  json_is_true(json_object_get(docs, "terms_sheet")) ? "yes" : "no",
                  json_is_string(ack) ? json_string_value(ack) : "no");
    owed_buf_addf(out, "delivery  %s\n", json_string_value(json_object_get(v, "delivery")));
}

static int parse_id(const char *s, int64_t *id)
{
    const char *p = s[0] == '#' ? s + 1 : s;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (!*p || *end || v <= 0) return OWED_E_INVALID;
    *id = v;
    return OWED_OK;
}

static int create(struct cli *cli, json_t *doc, bool issue, struct owed_buf *out,
                  struct owed_buf *err)
{
    owed_time_ms now = cli->clock.now_ms(cli->clock.ctx);
    int64_t id = 0;
    int rc = owed_draft_create(cli->store, cli->org, doc, "owed", now, &id, err);
    if (!rc && !issue) owed_buf_addf(out, "#%lld\n", (long long)id);
    if (!rc && issue) {
        char number[65];
        rc = owed_draft_issue(cli->store, cli->org, id, cli_today(cli), now, number, err);
        if (!rc) owed_buf_addf(out, "%s\n", number);
        else owed_buf_addf(err, "%s(the draft #%lld is kept)", err->len ? "\n" : "",
                           (long long)id);
    }
    return rc;
}

int cmd_invoice(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"customer", required_argument, NULL, 'c'},
                                         {"line", required_argument, NULL, 'l'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"issue-date", required_argument, NULL, 'i'},
                                         {"due-date", required_argument, NULL, 'd'},
                                         {"po", required_argument, NULL, 'p'},
                                         {"note", required_argument, NULL, 'n'},
                                         {"credit-for", required_argument, NULL, 'C'},
                                         {"issue", no_argument, NULL, 'I'},
                                         {"format", required_argument, NULL, 'F'},
                                         {"status", required_argument, NULL, 's'},
                                         {"via", required_argument, NULL, 'v'},
                                         {"output", required_argument, NULL, 'o'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("invoice");
    const char *customer = NULL, *file = NULL, *issue_date = NULL, *due_date = NULL, *po = NULL,
               *note = NULL, *credit_for = NULL, *format = "table", *status = NULL,
               *via = "staff", *output = NULL;
    bool issue = false;
    json_t *lines = json_array();
    int c, bad_line = 0;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'c': customer = optarg; break;
        case 'l': {
            json_t *l = owed_doc_line_spec(optarg);
            if (l) json_array_append_new(lines, l);
            else bad_line = 1;
            break;
        }
        case 'f': file = optarg; break;
        case 'i': issue_date = optarg; break;
        case 'd': due_date = optarg; break;
        case 'p': po = optarg; break;
        case 'n': note = optarg; break;
        case 'C': credit_for = optarg; break;
        case 'I': issue = true; break;
        case 'F': format = optarg; break;
        case 's': status = optarg; break;
        case 'v': via = optarg; break;
        case 'o': output = optarg; break;
        default:
            if (!cli_common_opt(cli, self, c, optarg)) {
                json_decref(lines);
                return cli_bad_option(self, argv);
            }
        }
    }
    const char *sub = optind < argc ? argv[optind] : "";
    const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    int nargs = argc - optind;
    if (bad_line) {
        json_decref(lines);
        return cli_usage(self, "--line takes 'NAME;QUANTITY;UNIT PRICE;VAT RATE[;CATEGORY[;UNIT"
                               "[;DISCOUNT]]]'");
    }
    bool known = (!strcmp(sub, "create") && nargs == 1) || (!strcmp(sub, "list") && nargs == 1) ||
                 ((!strcmp(sub, "issue") || !strcmp(sub, "show") || !strcmp(sub, "pdf") ||
                   !strcmp(sub, "ubl") || !strcmp(sub, "terms") || !strcmp(sub, "send") ||
                   !strcmp(sub, "ack") || !strcmp(sub, "ack-link")) && nargs == 2);
    if (!known) {
        json_decref(lines);
        return cli_usage(self, "usage: owed invoice create|issue|show|list|pdf|ubl|terms|send|"
                               "ack|ack-link ...");
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    json_t *doc = NULL;
    if (!strcmp(sub, "create")) {
        if (file) {
            struct owed_buf data = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
            json_error_t je;
            int rc = owed__read_file(file, &data, &err);
            if (!rc && !(doc = json_loadb(data.ptr, data.len, 0, &je))) {
                owed_buf_addf(&err, "%s:%d: %s", file, je.line, je.text);
                rc = OWED_E_PARSE;
            }
            owed_buf_release(&data);
            if (rc) {
                json_decref(lines);
                return cli_report(rc, &out, &err);
            }
        } else {
            doc = json_object();
        }
        if (json_array_size(lines)) json_object_set(doc, "lines", lines);
        if (customer) json_object_set_new(doc, "customer", json_string(customer));
        if (issue_date) json_object_set_new(doc, "issue_date", json_string(issue_date));
        if (due_date) json_object_set_new(doc, "due_date", json_string(due_date));
        if (po) json_object_set_new(doc, "po_number", json_string(po));
        if (note) json_object_set_new(doc, "note", json_string(note));
        if (credit_for) {
            json_object_set_new(doc, "type", json_string("credit_note"));
            json_object_set_new(doc, "preceding_number", json_string(credit_for));
        }
    }
    json_decref(lines);
    if (cli_open(cli)) {
        json_decref(doc);
        return EXIT_FAILURE_;
    }
    int rc = OWED_OK;
    owed_time_ms now = cli->clock.now_ms(cli->clock.ctx);
    if (!strcmp(sub, "create")) {
        rc = create(cli, doc, issue, &out, &err);
    } else if (!strcmp(sub, "issue")) {
        int64_t id;
        if (parse_id(arg, &id)) {
            json_decref(doc);
            return cli_usage(self, "'%s' is not a draft id (#N)", arg);
        }
        char number[65];
        rc = owed_draft_issue(cli->store, cli->org, id, cli_today(cli), now, number, &err);
        if (!rc) owed_buf_addf(&out, "%s\n", number);
    } else if (!strcmp(sub, "show")) {
        json_t *v = NULL;
        rc = owed_view_document(cli->store, cli->org, arg, &v, &err);
        if (!rc && !strcmp(format, "json")) {
            char *t = json_dumps(v, JSON_INDENT(2));
            owed_buf_addf(&out, "%s\n", t);
            free(t);
        } else if (!rc) {
            show_table(v, &out);
        }
        json_decref(v);
    } else if (!strcmp(sub, "list")) {
        int st = !status ? 0 : !strcmp(status, "draft") ? OWED_DOCST_DRAFT
                             : !strcmp(status, "issued") ? OWED_DOCST_ISSUED : -1;
        if (st < 0) return cli_usage(self, "--status is draft or issued");
        json_t *v = NULL;
        rc = owed_view_documents(cli->store, cli->org, customer, st, 0, &v, &err);
        size_t i;
        const json_t *x;
        if (!rc) json_array_foreach(v, i, x) {
            const char *num = json_string_value(json_object_get(x, "number"));
            const char *issue_d = json_string_value(json_object_get(x, "issue_date"));
            const json_t *ack = json_object_get(json_object_get(x, "documents"), "acknowledged");
            owed_buf_addf(&out, "#%-5lld %-7s %-18s %-10s %-10s %14s %s  ack %s  %s\n",
                          (long long)json_integer_value(json_object_get(x, "id")),
                          json_string_value(json_object_get(x, "status")), num ? num : "-",
                          json_string_value(json_object_get(x, "customer")),
                          issue_d ? issue_d : "-",
                          json_string_value(json_object_get(x, "amount")),
                          json_string_value(json_object_get(x, "currency")),
                          json_is_string(ack) ? "yes" : "no",
                          json_string_value(json_object_get(x, "delivery")));
        }
        json_decref(v);
    } else if (!strcmp(sub, "pdf") || !strcmp(sub, "ubl") || !strcmp(sub, "terms")) {
        enum owed_doc_render what = !strcmp(sub, "pdf")   ? OWED_RENDER_PDF
                                    : !strcmp(sub, "ubl") ? OWED_RENDER_UBL
                                                          : OWED_RENDER_TERMS;
        char name[128];
        struct owed_buf b = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
        rc = owed_doc_render(cli->store, cli->org, arg, what, &b, name, &err);
        int code = rc ? cli_report(rc, &out, &err) : write_out(output, &b);
        owed_buf_release(&b);
        if (!rc) {
            owed_buf_release(&out);
            owed_buf_release(&err);
        }
        json_decref(doc);
        return code;
    } else if (!strcmp(sub, "send")) {
        int64_t msg = 0;
        rc = owed_doc_send(cli->store, cli->org, arg, now, &msg, &err);
        if (!rc) owed_buf_addf(&out, "queued as outbox message %lld (owed outbox send delivers it)\n",
                               (long long)msg);
    } else if (!strcmp(sub, "ack")) {
        bool first = false;
        rc = owed_ack_by_staff(cli->store, cli->org, arg, via, now, &first, &err);
        if (!rc) owed_buf_addf(&out, first ? "%s acknowledged\n" : "%s was already acknowledged\n",
                               arg);
    } else {
        char url[512];
        rc = owed_doc_ack_url(cli->store, cli->org, arg, url, &err);
        if (!rc) owed_buf_addf(&out, "%s\n", url);
    }
    json_decref(doc);
    return cli_report(rc, &out, &err);
}
