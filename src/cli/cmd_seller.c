/* owed seller: the organization as a seller on its invoices, its terms sheet, and the
 * billing parties of customers (app/invoicing.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/doc_json.h"
#include "app/files.h"
#include "app/invoicing.h"
#include "cli/cli.h"

const char cmd_seller_summary[] = "seller details, bank account, terms sheet, customers' addresses";
const char cmd_seller_help[] =
    "usage: owed seller show\n"
    "       owed seller set FILE.json|-\n"
    "       owed seller party CUSTOMER_REF [FILE.json|-]\n"
    "\n"
    "set merges the settings in the JSON object into the seller's (fields left out keep\n"
    "their value): name, street, city, postcode, country (ISO 3166 alpha-2), vat_id,\n"
    "legal_id, endpoint_id and endpoint_scheme (the Peppol address), email; iban, bic,\n"
    "account_name; invoice_format and credit_format (default \"INV-{YYYY}-{SEQ:5}\" and\n"
    "\"CN-{YYYY}-{SEQ:5}\": the numbers of each year count from 1 without gaps); public_url\n"
    "(where `owed serve` is reached, for acknowledgement links); terms: {payment, discount,\n"
    "late_fees, bank, disputes}, the sections of the terms sheet sent with invoices.\n"
    "\n"
    "party shows or sets a customer's billing party (the same fields as the seller's name\n"
    "and address) used as the buyer of new invoices.\n"
    "\n"
    "Example:\n"
    "  echo '{\"name\":\"Acme GmbH\",\"country\":\"DE\",\"vat_id\":\"DE123456789\",\n"
    "        \"iban\":\"DE89370400440532013000\"}' | owed seller set -\n";

static int load_json(const char *path, json_t **out, struct owed_buf *err)
{
    struct owed_buf data = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed__read_file(strcmp(path, "-") ? path : "/dev/stdin", &data, err);
    json_error_t je;
    if (!rc && !(*out = json_loadb(data.ptr, data.len, 0, &je))) {
        owed_buf_addf(err, "%s:%d: %s", path, je.line, je.text);
        rc = OWED_E_PARSE;
    }
    owed_buf_release(&data);
    return rc;
}

static void dump(json_t *j, struct owed_buf *out)
{
    char *t = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    owed_buf_addf(out, "%s\n", t);
    free(t);
}

int cmd_seller(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, {0, 0, 0, 0}};
    const struct cmd *self = cli_find("seller");
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
    const char *sub = optind < argc ? argv[optind] : "";
    int n = argc - optind;
    bool show = !strcmp(sub, "show") && n == 1, set = !strcmp(sub, "set") && n == 2,
         party = !strcmp(sub, "party") && (n == 2 || n == 3);
    if (!show && !set && !party)
        return cli_usage(self, "usage: owed seller show | set FILE | party REF [FILE]");
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    json_t *in = NULL;
    int rc = OWED_OK;
    if (set) rc = load_json(argv[optind + 1], &in, &err);
    if (party && n == 3) rc = load_json(argv[optind + 2], &in, &err);
    if (rc) return cli_report(rc, &out, &err);
    if (cli_open(cli)) {
        json_decref(in);
        return EXIT_FAILURE_;
    }
    if (show) {
        struct owed_seller sl;
        rc = owed_seller_get(cli->store, cli->org, &sl, &err);
        if (!rc) {
            json_t *j = owed_seller_json(&sl);
            dump(j, &out);
            json_decref(j);
        }
    } else if (set) {
        rc = owed_seller_set(cli->store, cli->org, in, &err);
    } else if (in) {
        rc = owed_customer_party_set(cli->store, cli->org, argv[optind + 1], in, &err);
    } else {
        struct owed_party p;
        rc = owed_customer_party_of(cli->store, cli->org, argv[optind + 1], &p, &err);
        if (!rc) {
            json_t *j = owed_party_to_json(&p);
            dump(j, &out);
            json_decref(j);
        }
    }
    json_decref(in);
    return cli_report(rc, &out, &err);
}
