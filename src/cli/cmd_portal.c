/* owed portal: magic links into the customer portal, revoking access, and the feedback
 * customers leave there (app/portal.h, docs/portal.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/portal.h"
#include "app/render.h"
#include "base.h"
#include "cli/cli.h"
#include "io/csv.h"

const char cmd_portal_summary[] =
    "customer portal: magic links, revoking access, feedback, settings";
const char cmd_portal_help[] =
    "usage: owed portal link CUSTOMER_REF [--send] [--days N] [--format text|json]\n"
    "       owed portal links CUSTOMER_REF [--format table|json]\n"
    "       owed portal revoke CUSTOMER_REF\n"
    "       owed portal feedback [--customer REF] [--format table|csv|json]\n"
    "       owed portal settings [--plans on|off] [--max-installments N] [--max-days D]\n"
    "                            [--every-days E] [--format text|json]\n"
    "\n"
    "The customer portal (served by `owed serve` under /portal) shows a customer its open\n"
    "invoices, balance and statement, and lets it acknowledge receipt of an invoice, dispute\n"
    "one (or a line of one), promise a payment date, pay by card through the gateway, set\n"
    "up a payment plan (when the settings allow) and leave feedback. Each of these appears\n"
    "on the customer's timeline (owed customer show) at once. There is no password: a\n"
    "customer gets in with a magic link.\n"
    "\n"
    "link: makes a link PUBLIC_URL/portal/login/TOKEN for the customer and prints it. The\n"
    "token is signed with the organization's portal key and names this customer of this\n"
    "organization; it works once (its use is recorded) and until it expires (--days,\n"
    "default 7, at most 90). A use starts a session of one hour. PUBLIC_URL is the seller's\n"
    "public_url (owed seller set), else http://localhost:8080. With --send the link is also\n"
    "emailed to the customer's address through the outbox (template portal_link, in the\n"
    "customer's language); `owed outbox send` or the server's scheduler delivers it.\n"
    "\n"
    "links: the customer's links: state (valid, expired, used, revoked), made, expires,\n"
    "used, by whom; never their tokens, which are not stored.\n"
    "\n"
    "revoke: withdraws every unused link of the customer and ends its open sessions.\n"
    "\n"
    "feedback: what customers said about the portal (a rating of 1 to 5 and a comment),\n"
    "newest first.\n"
    "\n"
    "settings: prints the portal's settings, after changing what is given. Payment plans:\n"
    "with --plans on a customer may split what is open on an invoice without an active\n"
    "plan into 2 to --max-installments payments (at most 12; default 3), the first one due\n"
    "from today to --max-days ahead (0 to 365; default 30), then every --every-days (1 to\n"
    "366; default 30). The plan is the staff's plan (owed plan), made via the portal. Off\n"
    "by default.\n"
    "\n"
    "Options:\n"
    "  --send            email the link to the customer\n"
    "  --days N          days the link stays valid (default 7)\n"
    "  --customer REF    feedback of this customer only\n"
    "  --plans on|off    settings: customers may set up payment plans, or not\n"
    "  --max-installments N  settings: at most N installments in a plan (2 to 12)\n"
    "  --max-days D      settings: the first installment at most D days ahead\n"
    "  --every-days E    settings: days between installments\n"
    "  --format FORMAT   link: text (the URL; default) or json; links: table or json;\n"
    "                    feedback: table, csv or json; settings: text or json\n"
    "  --db PATH         database (default: $OWED_DB, else ./owed.db)\n"
    "\n"
    "Example:\n"
    "  owed portal link C000123 --send\n"
    "  owed portal feedback --format csv > feedback.csv\n"
    "  owed portal settings --plans on --max-installments 6 --max-days 14\n";

enum { O_SEND = 1000, O_DAYS, O_FORMAT, O_CUSTOMER, O_PLANS, O_MAX_INST, O_MAX_DAYS, O_EVERY };

struct args {
    bool send;
    int days;
    const char *format;
    const char *customer;
    struct owed_portal_settings_change set;
    bool changes;
};

static void put_json(json_t *doc, struct owed_buf *out)
{
    char *t = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    owed_buf_addf(out, "%s\n", t ? t : "null");
    free(t);
    json_decref(doc);
}

static int link_cmd(struct cli *cli, const char *ref, const struct args *a)
{
    if (a->format && strcmp(a->format, "text") && strcmp(a->format, "json"))
        return cli_usage(cli_find("portal"), "'%s' is not a format for link (text, json)",
                         a->format);
    if (cli_open(cli)) return EXIT_FAILURE_;
    struct owed_portal_link_req r = {.customer_ref = ref, .days = a->days, .send = a->send,
                                     .by = "cli"};
    struct owed_portal_link_out l;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_portal_link_create(cli->store, cli->org, &r,
                                     cli->clock.now_ms(cli->clock.ctx), &l, &err);
    if (!rc && a->format && !strcmp(a->format, "json")) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)l.link_id,
                              "customer_ref", l.customer_ref, "url", l.url, "expires_at",
                              l.expires_at);
        json_object_set_new(o, "message_id", l.message_id ? json_integer(l.message_id)
                                                          : json_null());
        json_object_set_new(o, "sent_to", l.sent_to[0] ? json_string(l.sent_to) : json_null());
        put_json(o, &out);
    } else if (!rc) {
        owed_buf_addf(&out, "%s\n", l.url);
        if (l.message_id)
            fprintf(stderr, "owed: emailed to %s (outbox message %lld); valid until %s\n",
                    l.sent_to, (long long)l.message_id, l.expires_at);
    }
    return cli_report(rc, &out, &err);
}

static int links_cmd(struct cli *cli, const char *ref, const struct args *a)
{
    bool json = a->format && !strcmp(a->format, "json");
    if (a->format && !json && strcmp(a->format, "table"))
        return cli_usage(cli_find("portal"), "'%s' is not a format for links (table, json)",
                         a->format);
    if (cli_open(cli)) return EXIT_FAILURE_;
    json_t *arr = NULL;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_portal_links_view(cli->store, cli->org, ref, cli->clock.now_ms(cli->clock.ctx),
                                    &arr, &err);
    if (!rc && json) {
        put_json(arr, &out);
    } else if (!rc) {
        struct owed_table t;
        owed__table_init(&t, 6);
        t.left[1] = t.left[2] = t.left[3] = t.left[4] = t.left[5] = true;
        const char *head[] = {"Link", "State", "Made", "Expires", "Used", "By"};
        owed__table_add(&t, head);
        owed__table_rule(&t);
        size_t i;
        json_t *l;
        json_array_foreach(arr, i, l) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(l, "id")));
            const char *used = json_string_value(json_object_get(l, "used_at"));
            const char *row[] = {id,
                                 json_string_value(json_object_get(l, "state")),
                                 json_string_value(json_object_get(l, "created_at")),
                                 json_string_value(json_object_get(l, "expires_at")),
                                 used ? used : "-",
                                 json_string_value(json_object_get(l, "created_by"))};
            owed__table_add(&t, row);
        }
        if (t.nrows == 1) owed_buf_adds(&out, "(no links)\n");
        else owed__table_render(&t, &out);
        owed__table_release(&t);
        json_decref(arr);
    }
    return cli_report(rc, &out, &err);
}

static int revoke_cmd(struct cli *cli, const char *ref)
{
    if (cli_open(cli)) return EXIT_FAILURE_;
    int64_t n = 0;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_portal_revoke(cli->store, cli->org, ref, cli->clock.now_ms(cli->clock.ctx), &n,
                                &err);
    if (!rc)
        owed_buf_addf(&out, "portal access of %s revoked (%lld links and sessions)\n", ref,
                      (long long)n);
    return cli_report(rc, &out, &err);
}

static void feedback_csv(json_t *arr, struct owed_buf *out)
{
    owed_buf_adds(out, "id,created_at,customer_ref,customer_name,rating,comment\n");
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        const char *fields[] = {json_string_value(json_object_get(f, "created_at")),
                                json_string_value(json_object_get(f, "customer_ref")),
                                json_string_value(json_object_get(f, "customer_name"))};
        owed_buf_addf(out, "%lld", (long long)json_integer_value(json_object_get(f, "id")));
        for (size_t k = 0; k < OWED_ARRAY_LEN(fields); k++) {
            owed_buf_addc(out, ',');
            owed_csv_put_field(out, fields[k], strlen(fields[k]));
        }
        owed_buf_addf(out, ",%lld,", (long long)json_integer_value(json_object_get(f, "rating")));
        const char *c = json_string_value(json_object_get(f, "comment"));
        owed_csv_put_field(out, c, strlen(c));
        owed_buf_addc(out, '\n');
    }
}

static void feedback_table(json_t *arr, struct owed_buf *out)
{
    struct owed_table t;
    owed__table_init(&t, 5);
    t.left[1] = t.left[2] = t.left[4] = true;
    t.max_width[4] = 60;
    const char *head[] = {"Id", "When", "Customer", "Rating", "Comment"};
    owed__table_add(&t, head);
    owed__table_rule(&t);
    size_t i;
    json_t *f;
    json_array_foreach(arr, i, f) {
        char id[24], rating[8], comment[200];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(f, "id")));
        snprintf(rating, sizeof rating, "%lld/5",
                 (long long)json_integer_value(json_object_get(f, "rating")));
        snprintf(comment, sizeof comment, "%s", json_string_value(json_object_get(f, "comment")));
        for (char *p = comment; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
        const char *row[] = {id, json_string_value(json_object_get(f, "created_at")),
                             json_string_value(json_object_get(f, "customer_ref")), rating,
                             comment};
        owed__table_add(&t, row);
    }
    if (t.nrows == 1) owed_buf_adds(out, "(no feedback yet)\n");
    else owed__table_render(&t, out);
    owed__table_release(&t);
}

static int feedback_cmd(struct cli *cli, const struct args *a)
{
    enum owed_format fmt = OWED_FORMAT_TABLE;
    if (a->format && owed_format_parse(a->format, &fmt))
        return cli_usage(cli_find("portal"), "'%s' is not a format for feedback (table, csv, json)",
                         a->format);
    if (cli_open_read(cli)) return EXIT_FAILURE_;
    json_t *arr = NULL;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_portal_feedback_view(cli->store, cli->org, a->customer, &arr, &err);
    if (!rc) {
        if (fmt == OWED_FORMAT_JSON) {
            put_json(arr, &out);
            arr = NULL;
        } else if (fmt == OWED_FORMAT_CSV) {
            feedback_csv(arr, &out);
        } else {
            feedback_table(arr, &out);
        }
    }
    json_decref(arr);
    return cli_report(rc, &out, &err);
}

static int settings_cmd(struct cli *cli, const struct args *a)
{
    bool json = a->format && !strcmp(a->format, "json");
    if (a->format && !json && strcmp(a->format, "text"))
        return cli_usage(cli_find("portal"), "'%s' is not a format for settings (text, json)",
                         a->format);
    if (a->changes ? cli_open(cli) : cli_open_read(cli)) return EXIT_FAILURE_;
    struct owed_portal_settings set;
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = a->changes ? owed_portal_settings_set(cli->store, cli->org, &a->set, &set, &err)
                        : owed_portal_settings_get(cli->store, cli->org, &set, &err);
    if (!rc && json) {
        put_json(owed_portal_settings_json(&set), &out);
    } else if (!rc) {
        owed_buf_addf(&out, "payment plans: %s\n", set.plans ? "on" : "off");
        owed_buf_addf(&out, "  max installments: %d\n", set.max_installments);
        owed_buf_addf(&out, "  first payment within: %d days\n", set.max_days);
        owed_buf_addf(&out, "  installments every: %d days\n", set.every_days);
    }
    return cli_report(rc, &out, &err);
}

/* A whole number from lo to hi, or -1. */
static int number_arg(const char *v, int lo, int hi)
{
    char *end;
    long n = strtol(v, &end, 10);
    return *end || end == v || n < lo || n > hi ? -1 : (int)n;
}

int cmd_portal(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS,
                                         {"send", no_argument, NULL, O_SEND},
                                         {"days", required_argument, NULL, O_DAYS},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"customer", required_argument, NULL, O_CUSTOMER},
                                         {"plans", required_argument, NULL, O_PLANS},
                                         {"max-installments", required_argument, NULL, O_MAX_INST},
                                         {"max-days", required_argument, NULL, O_MAX_DAYS},
                                         {"every-days", required_argument, NULL, O_EVERY},
                                         {0, 0, 0, 0}};
    const struct cmd *self = cli_find("portal");
    struct args a = {.set = {.plans = -1}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_SEND: a.send = true; break;
        case O_FORMAT: a.format = optarg; break;
        case O_CUSTOMER: a.customer = optarg; break;
        case O_PLANS:
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return cli_usage(self, "--plans: on or off, not '%s'", optarg);
            a.set.plans = !strcmp(optarg, "on");
            a.changes = true;
            break;
        case O_MAX_INST:
            if ((a.set.max_installments =
                     number_arg(optarg, 2, OWED_PORTAL_PLAN_INSTALLMENTS_MAX)) < 0)
                return cli_usage(self, "--max-installments: from 2 to %d, not '%s'",
                                 OWED_PORTAL_PLAN_INSTALLMENTS_MAX, optarg);
            a.changes = true;
            break;
        case O_MAX_DAYS:
            if ((a.set.max_days = number_arg(optarg, 0, OWED_PORTAL_PLAN_DAYS_MAX)) < 0)
                return cli_usage(self, "--max-days: from 0 to %d, not '%s'",
                                 OWED_PORTAL_PLAN_DAYS_MAX, optarg);
            a.set.max_days_set = a.changes = true;
            break;
        case O_EVERY:
            if ((a.set.every_days = number_arg(optarg, 1, 366)) < 0)
                return cli_usage(self, "--every-days: from 1 to 366, not '%s'", optarg);
            a.changes = true;
            break;
        case O_DAYS: {
            char *end;
            long d = strtol(optarg, &end, 10);
            if (*end || end == optarg || d < 1 || d > OWED_PORTAL_LINK_DAYS_MAX)
                return cli_usage(self, "--days: a number of days from 1 to %d, not '%s'",
                                 OWED_PORTAL_LINK_DAYS_MAX, optarg);
            a.days = (int)d;
            break;
        }
        default:
            if (!cli_common_opt(cli, self, c, optarg)) return cli_bad_option(self, argv);
        }
    }
    const char *sub = optind < argc ? argv[optind] : "";
    int n = argc - optind;
    if (a.changes && strcmp(sub, "settings"))
        return cli_usage(self, "--plans, --max-installments, --max-days and --every-days are "
                               "for `owed portal settings`");
    if (!strcmp(sub, "link") && n == 2) return link_cmd(cli, argv[optind + 1], &a);
    if (!strcmp(sub, "links") && n == 2) return links_cmd(cli, argv[optind + 1], &a);
    if (!strcmp(sub, "revoke") && n == 2) return revoke_cmd(cli, argv[optind + 1]);
    if (!strcmp(sub, "feedback") && n == 1) return feedback_cmd(cli, &a);
    if (!strcmp(sub, "settings") && n == 1) return settings_cmd(cli, &a);
    return cli_usage(self,
                     "usage: owed portal link|links|revoke CUSTOMER_REF | feedback | settings");
}
