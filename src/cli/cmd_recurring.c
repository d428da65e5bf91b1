/* owed recurring: recurring invoices (app/invoicing.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/doc_json.h"
#include "app/files.h"
#include "app/invoicing.h"
#include "base.h"
#include "cli/cli.h"

const char cmd_recurring_summary[] = "recurring invoices: schedules and their runs";
const char cmd_recurring_help[] =
    "usage: owed recurring add --customer REF --every RULE --start D [--end D] [--count N]\n"
    "                          (--line SPEC... | --file TEMPLATE.json) [--po PO] [--note T]\n"
    "       owed recurring list [--format table|json]\n"
    "       owed recurring stop ID\n"
    "       owed recurring run [--as-of D]\n"
    "\n"
    "RULE: monthly, quarterly, yearly, weekly, daily, 'every N days', 'every N months'. The\n"
    "first invoice is dated --start; a monthly schedule from the 31st bills on the last day\n"
    "of shorter months. Lines as in `owed invoice create`. run issues every period due on or\n"
    "before today (or --as-of) that has no invoice yet, each dated its own period: after a\n"
    "week of downtime it catches up, and running twice (or two servers at once) never bills\n"
    "a period twice. `owed serve` runs it daily.\n";


int cmd_recurring(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"customer", required_argument, NULL, 'c'},
                                         {"every", required_argument, NULL, 'e'},
                                         {"start", required_argument, NULL, 's'},
                                         {"end", required_argument, NULL, 'E'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"line", required_argument, NULL, 'l'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"po", required_argument, NULL, 'p'},
                                         {"note", required_argument, NULL, 'N'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'F'},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("recurring");
    const char *customer = NULL, *every = NULL, *file = NULL, *po = NULL, *note = NULL,
               *format = "table";
    owed_date start = 0, end = 0, as_of = cli_today(cli);
    long long count = 0;
    json_t *lines = json_array();
    int c;
    bool bad = false;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': customer = optarg; break;
        case 'e': every = optarg; break;
        case 's': bad |= !cli_parse_date(self, optarg, &start); break;
        case 'E': bad |= !cli_parse_date(self, optarg, &end); break;
        case 'a': bad |= !cli_parse_date(self, optarg, &as_of); break;
        case 'n': {
            char *e;
            count = strtoll(optarg, &e, 10);
            if (*e || count <= 0) bad = true;
            break;
        }
        case 'l': {
            json_t *l = owed_doc_line_spec(optarg);
            if (l) json_array_append_new(lines, l);
            else bad = true;
            break;
        }
        case 'f': file = optarg; break;
        case 'p': po = optarg; break;
        case 'N': note = optarg; break;
        case 'F': format = optarg; break;
        default:
            if (!cli_common_opt(cli, self, c, optarg)) {
                json_decref(lines);
                return cli_bad_option(self, argv);
            }
        }
    }
    const char *sub = optind < argc ? argv[optind] : "";
    int n = argc - optind;
    bool add = !strcmp(sub, "add") && n == 1, list = !strcmp(sub, "list") && n == 1,
         stop = !strcmp(sub, "stop") && n == 2, run = !strcmp(sub, "run") && n == 1;
    if (bad || (!add && !list && !stop && !run)) {
        json_decref(lines);
        return cli_usage(self, "usage: owed recurring add|list|stop|run (see owed help recurring)");
    }
    if (add && (!customer || !every || !start)) {
        json_decref(lines);
        return cli_usage(self, "owed recurring add needs --customer, --every and --start");
    }
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    json_t *tmpl = NULL;
    int rc = OWED_OK;
    if (add) {
        if (file) {
            struct owed_buf data = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
            json_error_t je;
            rc = owed__read_file(file, &data, &err);
            if (!rc && !(tmpl = json_loadb(data.ptr, data.len, 0, &je))) {
                owed_buf_addf(&err, "%s:%d: %s", file, je.line, je.text);
                rc = OWED_E_PARSE;
            }
            owed_buf_release(&data);
        } else {
            tmpl = json_object();
        }
        if (!rc) {
            if (json_array_size(lines)) json_object_set(tmpl, "lines", lines);
            json_object_set_new(tmpl, "customer", json_string(customer));
            if (po) json_object_set_new(tmpl, "po_number", json_string(po));
            if (note) json_object_set_new(tmpl, "note", json_string(note));
        }
    }
    json_decref(lines);
    if (rc) {
        json_decref(tmpl);
        return cli_report(rc, &out, &err);
    }
    if (cli_open(cli)) {
        json_decref(tmpl);
        return EXIT_FAILURE_;
    }
    owed_time_ms now = cli->clock.now_ms(cli->clock.ctx);
    if (add) {
        int64_t id = 0;
        rc = owed_recurring_add(cli->store, cli->org, tmpl, every, start, end, count, now, &id,
                                &err);
        if (!rc) owed_buf_addf(&out, "%lld\n", (long long)id);
    } else if (stop) {
        char *e;
        long long id = strtoll(argv[optind + 1], &e, 10);
        if (*e || id <= 0) return cli_usage(self, "'%s' is not a schedule id", argv[optind + 1]);
        rc = owed_recurring_stop(cli->store, cli->org, id, &err);
    } else if (run) {
        size_t issued = 0;
        rc = owed_recurring_run(cli->store, cli->org, as_of, now, &issued, &out, &err);
        owed_buf_addf(&out, "%zu invoice%s issued\n", issued, issued == 1 ? "" : "s");
    } else {
        json_t *v = NULL;
        rc = owed_recurring_list(cli->store, cli->org, &v, &err);
        if (!rc && !strcmp(format, "json")) {
            char *t = json_dumps(v, JSON_INDENT(2));
            owed_buf_addf(&out, "%s\n", t);
            free(t);
        } else if (!rc) {
            size_t i;
            const json_t *x;
            json_array_foreach(v, i, x) {
                const char *next = json_string_value(json_object_get(x, "next"));
                owed_buf_addf(&out, "%-4lld %-10s %-16s from %s  issued %lld  next %s%s\n",
                              (long long)json_integer_value(json_object_get(x, "id")),
                              json_string_value(json_object_get(x, "customer")),
                              json_string_value(json_object_get(x, "rule")),
                              json_string_value(json_object_get(x, "start")),
                              (long long)json_integer_value(json_object_get(x, "issued")),
                              next ? next : "-",
                              json_is_true(json_object_get(x, "active")) ? "" : "  (stopped)");
            }
        }
        json_decref(v);
    }
    json_decref(tmpl);
    return cli_report(rc, &out, &err);
}
