/* The dunning pages of the staff app (docs/web.md): the policies, who follows which, the
 * preview of the next run and the run itself (/app/dunning); a policy's editor with the
 * messages of its steps rendered before it is saved (/app/dunning/policies/NAME); the
 * outbox with delivery status, retries and sending (/app/outbox).
 *
 * Everything is read and changed through the API's routes as the signed-in user (web.h),
 * so the role matrix applies: a collector sees the pages, and the forms that would be
 * refused are not offered. The one thing the API has no route for is rendering the
 * messages of a policy that is not saved yet: app/web_views.h does that, changing nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/web_views.h"
#include "base.h"
#include "http/web.h"

enum {
    PREVIEW_ROWS = 200, /* messages of a preview shown on the page */
    MAX_STEPS = 16,     /* OWED_DUNNING_MAX_STEPS */
    BLANK_ROWS = 2,     /* empty step rows offered for new steps */
    OFFSET_MAX = 36500, /* days from the due date, either way */
};

static const char *const channels[] = {"email", "sms", "letter", "call", "agency"};
static const char *const statuses[] = {"queued", "sending", "uncertain", "sent", "failed",
                                       "cancelled"};

static void day_text(owed_date d, char out[11]) { owed_date_format(d, out); }

/* ?NAME as a date; dflt when absent or empty. False (and *bad set) when it is not one. */
static bool arg_date(const struct hreq *rq, const char *name, owed_date dflt, owed_date *out,
                     bool *bad)
{
    const char *v = hq_arg(rq, name);
    *out = dflt;
    if (!v || !*v) return true;
    if (owed_date_parse(v, strlen(v), out) == OWED_OK) return true;
    *out = dflt;
    *bad = true;
    return false;
}

/* "30 days after the due date", "7 business days before the due date", "on the due date". */
static void offset_text(long offset, bool business, char *out, size_t cap)
{
    long n = offset < 0 ? -offset : offset;
    if (offset == 0) snprintf(out, cap, "on the due date");
    else
        snprintf(out, cap, "%ld %sday%s %s the due date", n, business ? "business " : "",
                 n == 1 ? "" : "s", offset < 0 ? "before" : "after");
}

/* "12 days overdue", "due today", "due in 3 days". */
static void when_text(long days_past_due, char *out, size_t cap)
{
    if (days_past_due > 0)
        snprintf(out, cap, "%ld day%s overdue", days_past_due, days_past_due == 1 ? "" : "s");
    else if (days_past_due == 0) snprintf(out, cap, "due today");
    else snprintf(out, cap, "due in %ld day%s", -days_past_due, days_past_due == -1 ? "" : "s");
}

/* A policy name the pages create: letters, digits, '_', '-', '.', 1 to 31 of them (the
 * URL carries it as it is). */
static bool policy_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 31) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return false;
    return true;
}

static bool can(const struct hreq *rq, enum owed_perm p) { return owed_role_allows(rq->who.role, p); }

/* ---- /app/dunning: policies, assignments, the preview of the next run ---- */

/* The preview of a run on as_of, filtered by channel (NULL = all), with its summary. Sets
 * in ctx: preview (the first PREVIEW_ROWS messages, annotated), preview_total,
 * preview_invoices, by_channel, by_step, preview_more, preview_error. */
static void preview_into(struct hreq *rq, json_t *ctx, owed_date as_of, const char *channel)
{
    char d[11], path[96];
    day_text(as_of, d);
    snprintf(path, sizeof path, "/api/v1/dunning/preview?as_of=%s", d);
    char msg[600];
    json_t *all = NULL;
    if (web_api(rq, "GET", path, NULL, &all, msg, sizeof msg) >= 400 || !json_is_array(all)) {
        json_object_set_new(ctx, "preview_error", json_string(msg[0] ? msg : "no preview"));
        json_decref(all);
        return;
    }
    json_t *shown = json_array(), *by_channel = json_object(), *by_step = json_object(), *m;
    size_t i, total = 0, invoices = 0;
    json_array_foreach(all, i, m) {
        const char *ch = json_string_value(json_object_get(m, "channel"));
        const char *step = json_string_value(json_object_get(m, "step"));
        if (channel && *channel && (!ch || strcmp(ch, channel) != 0)) continue;
        total++;
        invoices += json_array_size(json_object_get(m, "invoices"));
        if (ch) json_object_set_new(by_channel, ch, json_integer(json_integer_value(json_object_get(by_channel, ch)) + 1));
        if (step) json_object_set_new(by_step, step, json_integer(json_integer_value(json_object_get(by_step, step)) + 1));
        if (json_array_size(shown) < PREVIEW_ROWS) json_array_append(shown, m);
    }
    json_decref(all);
    struct owed_buf err = OWED_BUF_INIT(0);
    if (owed_dunning_preview_annotate(rq->store, rq->who.org, shown, PREVIEW_ROWS, &err))
        fprintf(stderr, "owed: dunning page: %s\n", err.ptr ? err.ptr : "");
    owed_buf_release(&err);
    json_array_foreach(shown, i, m) {
        json_t *inv;
        size_t k;
        json_array_foreach(json_object_get(m, "invoices"), k, inv) {
            char w[48];
            when_text((long)json_integer_value(json_object_get(inv, "days_past_due")), w, sizeof w);
            json_object_set_new(inv, "when", json_string(w));
        }
        size_t n = json_array_size(json_object_get(m, "invoices"));
        char label[40];
        snprintf(label, sizeof label, "%zu invoice%s", n, n == 1 ? "" : "s");
        json_object_set_new(m, "count_label", json_string(label));
    }
    json_t *chs = json_array(), *steps = json_array(), *v;
    const char *key;
    json_object_foreach(by_channel, key, v)
        json_array_append_new(chs, json_pack("{s:s, s:O}", "channel", key, "count", v));
    json_object_foreach(by_step, key, v)
        json_array_append_new(steps, json_pack("{s:s, s:O}", "step", key, "count", v));
    json_decref(by_channel);
    json_decref(by_step);
    json_object_set_new(ctx, "preview", shown);
    json_object_set_new(ctx, "preview_total", json_integer((json_int_t)total));
    json_object_set_new(ctx, "preview_invoices", json_integer((json_int_t)invoices));
    json_object_set_new(ctx, "preview_more", json_boolean(total > PREVIEW_ROWS));
    json_object_set_new(ctx, "preview_limit", json_integer(PREVIEW_ROWS));
    json_object_set_new(ctx, "by_channel", chs);
    json_object_set_new(ctx, "by_step", steps);
}

static void dunning_home(struct hreq *rq, struct hresp *rs)
{
    json_t *ctx = json_object();
    bool bad = false;
    owed_date today = hq_today(rq), as_of;
    arg_date(rq, "as_of", today, &as_of, &bad);
    if (bad) json_object_set_new(ctx, "date_error", json_string("That is not a date: the preview is as of today."));
    const char *channel = hq_arg(rq, "channel");
    if (channel && !*channel) channel = NULL;
    char d[11], t[11];
    day_text(as_of, d);
    day_text(today, t);
    json_object_set_new(ctx, "as_of", json_string(d));
    json_object_set_new(ctx, "today", json_string(t));
    json_object_set_new(ctx, "channel_options", web_options(channels, OWED_ARRAY_LEN(channels), channel));
    json_object_set_new(ctx, "can_configure", json_boolean(can(rq, OWED_PERM_CONFIGURE)));
    json_object_set_new(ctx, "can_run", json_boolean(can(rq, OWED_PERM_MONEY)));

    json_t *pol = web_get(rq, "/api/v1/dunning/policies");
    json_t *asg = web_get(rq, "/api/v1/dunning/assignments");
    json_object_set(ctx, "policies", pol ? json_object_get(pol, "data") : json_array());
    json_object_set(ctx, "assignments", asg ? json_object_get(asg, "data") : json_array());
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(ctx, "assignments"), i, a) {
        const char *target = json_string_value(json_object_get(a, "target"));
        /* "customer:C1" -> kind "customer", value "C1" for the table. */
        const char *colon = target ? strchr(target, ':') : NULL;
        json_object_set_new(a, "kind", colon ? json_stringn(target, (size_t)(colon - target)) : json_string(target ? target : ""));
        json_object_set_new(a, "value", json_string(colon ? colon + 1 : ""));
    }
    json_decref(pol);
    json_decref(asg);
    preview_into(rq, ctx, as_of, channel);
    web_page(rq, rs, "dunning", "Dunning", ctx);
}

/* GET /app/dunning/policies?name=N (the "new policy" form): to that policy's page. */
static void policy_new(struct hreq *rq, struct hresp *rs)
{
    const char *name = hq_arg(rq, "name");
    if (!name || !policy_name_ok(name)) {
        web_redirect(rs, "/app/dunning",
                     "A policy name has 1 to 31 letters, digits, '_', '-' or '.'.");
        return;
    }
    char to[96];
    snprintf(to, sizeof to, "/app/dunning/policies/%s", name);
    web_redirect(rs, to, NULL);
}

/* POST /app/dunning/assignments: {kind: default|customer|segment, value, policy}. */
static void assignment_add(struct hreq *rq, struct hresp *rs)
{
    const char *kind = wf(rq, "kind"), *value = wf(rq, "value"), *policy = wf(rq, "policy");
    char target[160];
    if (kind && !strcmp(kind, "default")) snprintf(target, sizeof target, "default");
    else snprintf(target, sizeof target, "%s:%s", kind ? kind : "", value ? value : "");
    json_t *body = json_pack("{s:s, s:s}", "target", target, "policy", policy ? policy : "");
    char msg[600], flash[700];
    snprintf(rs->resource, sizeof rs->resource, "/api/v1/dunning/assignments/%s", target);
    if (web_api(rq, "POST", "/api/v1/dunning/assignments", body, NULL, msg, sizeof msg) >= 400) {
        snprintf(flash, sizeof flash, "Not assigned: %s", msg);
        rs->no_audit = true;
    } else {
        snprintf(flash, sizeof flash, "%s now follows policy %s.", target, policy);
    }
    json_decref(body);
    web_redirect(rs, "/app/dunning", flash);
}

/* GET /app/dunning/run?as_of=D: what a run would do, and the button that does it. */
static void run_confirm(struct hreq *rq, struct hresp *rs)
{
    json_t *ctx = json_object();
    bool bad = false;
    owed_date as_of;
    arg_date(rq, "as_of", hq_today(rq), &as_of, &bad);
    char d[11];
    day_text(as_of, d);
    json_object_set_new(ctx, "as_of", json_string(d));
    json_object_set_new(ctx, "can_run", json_boolean(can(rq, OWED_PERM_MONEY)));
    preview_into(rq, ctx, as_of, NULL);
    web_page(rq, rs, "dunning_run", "Run dunning", ctx);
}

/* POST /app/dunning/run {as_of}: the run, then the outbox with what it queued. */
static void run_post(struct hreq *rq, struct hresp *rs)
{
    const char *as_of = wf(rq, "as_of");
    json_t *body = json_object(), *out = NULL;
    if (as_of && *as_of) json_object_set_new(body, "as_of", json_string(as_of));
    char msg[600], flash[700], back[96];
    int status = web_api(rq, "POST", "/api/v1/dunning/runs", body, &out, msg, sizeof msg);
    json_decref(body);
    if (status >= 400) {
        snprintf(flash, sizeof flash, "Not run: %s", msg);
        snprintf(back, sizeof back, "/app/dunning/run?as_of=%s", web_q(0, as_of ? as_of : ""));
        rs->no_audit = true;
        web_redirect(rs, back, flash);
    } else {
        json_t *c = json_object_get(out, "counts");
        long long run = (long long)json_integer_value(json_object_get(out, "run_id"));
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/dunning/runs/%lld", run);
        snprintf(flash, sizeof flash,
                 "Run %lld as of %s: %lld messages queued for %lld invoices; %lld already sent "
                 "before; %lld charges posted.",
                 run, json_string_value(json_object_get(out, "as_of")),
                 (long long)json_integer_value(json_object_get(c, "messages")),
                 (long long)json_integer_value(json_object_get(c, "firings")),
                 (long long)json_integer_value(json_object_get(c, "already_fired")),
                 (long long)json_integer_value(json_object_get(c, "charges")));
        web_redirect(rs, "/app/outbox?status=queued", flash);
    }
    json_decref(out);
}

/* ---- /app/dunning/policies/NAME: the editor ---- */

/* One step row of the editor from a policy step (JSON) or blank. */
static json_t *step_row(size_t i, json_t *st)
{
    const char *days = json_string_value(json_object_get(st, "days"));
    const char *channel = json_string_value(json_object_get(st, "channel"));
    const char *unless = json_string_value(json_object_get(st, "unless"));
    json_t *off = json_object_get(st, "offset"), *min = json_object_get(st, "min_open");
    char offset[24] = "", min_open[24] = "";
    if (json_is_integer(off)) snprintf(offset, sizeof offset, "%lld", (long long)json_integer_value(off));
    else if (json_is_string(off)) snprintf(offset, sizeof offset, "%s", json_string_value(off));
    if (json_is_integer(min)) snprintf(min_open, sizeof min_open, "%lld", (long long)json_integer_value(min));
    else if (json_is_string(min)) snprintf(min_open, sizeof min_open, "%s", json_string_value(min));
    const char *name = json_string_value(json_object_get(st, "name"));
    json_t *row = json_pack(
        "{s:I, s:I, s:s, s:s, s:b, s:o, s:s, s:s, s:s, s:s, s:b, s:b}", "i", (json_int_t)i, "n",
        (json_int_t)i + 1, "name", name ? name : "", "offset", offset, "business",
        days && !strcmp(days, "business"), "channel_options",
        web_options(channels, OWED_ARRAY_LEN(channels), channel ? channel : "email"), "template",
        json_string_value(json_object_get(st, "template")) ? json_string_value(json_object_get(st, "template")) : "",
        "min_open", min_open, "fee",
        json_string_value(json_object_get(st, "fee")) ? json_string_value(json_object_get(st, "fee")) : "",
        "interest",
        json_string_value(json_object_get(st, "interest")) ? json_string_value(json_object_get(st, "interest")) : "",
        "unless", unless && !strcmp(unless, "acknowledged"), "blank", !name || !*name);
    return row;
}

/* The editor's rows as the form sent them (when they do not make a policy). */
static json_t *rows_from_form(const struct hreq *rq, size_t nrows)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < nrows; i++) {
        char k[32];
        json_t *st = json_object();
        static const char *const fields[] = {"name", "offset", "days", "channel", "template",
                                             "min_open", "fee", "interest", "unless"};
        for (size_t f = 0; f < OWED_ARRAY_LEN(fields); f++) {
            snprintf(k, sizeof k, "%s_%zu", fields[f], i);
            const char *v = wf(rq, k);
            if (v) json_object_set_new(st, fields[f], json_string(v));
        }
        json_array_append_new(rows, step_row(i, st));
        json_decref(st);
    }
    return rows;
}

struct built_step {
    long offset;
    size_t row;
    json_t *js;
};

static int cmp_built(const void *a, const void *b)
{
    const struct built_step *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* The policy document of the step editor's form, its steps in order of their offsets;
 * NULL with a message in err when a number is not one. */
static char *policy_from_form(const struct hreq *rq, size_t nrows, char *err, size_t cap)
{
    struct built_step b[MAX_STEPS + BLANK_ROWS + 1];
    size_t n = 0;
    for (size_t i = 0; i < nrows && i < OWED_ARRAY_LEN(b); i++) {
        char k[32];
#define FIELD(name) (snprintf(k, sizeof k, "%s_%zu", (name), i), wf(rq, k))
        const char *name = FIELD("name"), *offset = FIELD("offset"), *min = FIELD("min_open");
        if (FIELD("remove")) continue;
        if ((!name || !*name) && (!offset || !*offset)) continue; /* an unused row */
        char *end;
        long off = offset && *offset ? strtol(offset, &end, 10) : 0;
        if (!offset || !*offset || *end || off < -OFFSET_MAX || off > OFFSET_MAX) {
            snprintf(err, cap, "Step %zu (%s): the offset must be a whole number of days, "
                               "negative before the due date.", i + 1, name && *name ? name : "unnamed");
            goto bad;
        }
        long minv = min && *min ? strtol(min, &end, 10) : 0;
        if (min && *min && (*end || minv < 0 || minv > 1000000000L)) {
            snprintf(err, cap, "Step %zu (%s): the minimum open amount must be a whole number "
                               "of currency units (0 for none).", i + 1, name && *name ? name : "unnamed");
            goto bad;
        }
        const char *days = FIELD("days"), *channel = FIELD("channel"), *tmpl = FIELD("template");
        const char *fee = FIELD("fee"), *interest = FIELD("interest"), *unless = FIELD("unless");
        json_t *js = json_pack("{s:s, s:i, s:s, s:s}", "name", name ? name : "", "offset",
                               (int)off, "days", days && *days ? days : "calendar", "channel",
                               channel && *channel ? channel : "email");
        if (tmpl && *tmpl) json_object_set_new(js, "template", json_string(tmpl));
        json_object_set_new(js, "min_open", json_integer(minv));
        json_object_set_new(js, "fee", json_string(fee ? fee : ""));
        json_object_set_new(js, "interest", json_string(interest ? interest : ""));
        if (unless && *unless) json_object_set_new(js, "unless", json_string("acknowledged"));
        b[n++] = (struct built_step){off, i, js};
#undef FIELD
    }
    if (n == 0) {
        snprintf(err, cap, "A policy needs at least one step.");
        goto bad;
    }
    qsort(b, n, sizeof *b, cmp_built);
    json_t *steps = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(steps, b[i].js);
    json_t *doc = json_pack("{s:b, s:o}", "thank_you", wf(rq, "thank_you") != NULL, "steps", steps);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return text;
bad:
    for (size_t i = 0; i < n; i++) json_decref(b[i].js);
    return NULL;
}

struct editor {
    const char *name;
    const char *text;   /* the policy document shown (may not parse in JSON mode) */
    const char *etag;   /* "" for a policy not stored yet */
    bool is_new, json_mode;
    json_t *rows;       /* the form's rows when text does not come from them; else NULL */
    const char *error;  /* what went wrong (a refused save, a bad document) */
    const char *error_title;
    const char *customer, *as_of, *lang; /* the preview's choices */
};

static void policy_page(struct hreq *rq, struct hresp *rs, const struct editor *ed, int status)
{
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:s, s:s}", "name", ed->name,
                            "text", ed->text ? ed->text : "", "etag", ed->etag, "is_new",
                            ed->is_new, "json_mode", ed->json_mode, "steps_mode", !ed->json_mode,
                            "customer", ed->customer ? ed->customer : "", "lang",
                            ed->lang ? ed->lang : "");
    static const char *const langs[] = {"en", "de"};
    json_object_set_new(ctx, "lang_options", web_options(langs, 2, ed->lang));
    json_object_set_new(ctx, "can_edit", json_boolean(can(rq, OWED_PERM_CONFIGURE)));
    json_object_set_new(ctx, "templates", owed_dunning_template_names());
    if (ed->error) {
        json_object_set_new(ctx, "error", json_string(ed->error));
        json_object_set_new(ctx, "error_title", json_string(ed->error_title ? ed->error_title : "Not saved"));
    }
    owed_date as_of = hq_today(rq);
    if (ed->as_of && *ed->as_of && owed_date_parse(ed->as_of, strlen(ed->as_of), &as_of))
        json_object_set_new(ctx, "preview_error", json_string("The preview date is not a date (YYYY-MM-DD)."));
    char d[11];
    day_text(as_of, d);
    json_object_set_new(ctx, "as_of", json_string(d));

    /* Who follows it. */
    json_t *pol = web_get(rq, "/api/v1/dunning/policies"), *p;
    size_t i;
    json_array_foreach(json_object_get(pol, "data"), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), ed->name) != 0) continue;
        json_object_set(ctx, "targets", json_object_get(p, "targets"));
        json_object_set(ctx, "is_default", json_object_get(p, "default"));
        json_object_set_new(ctx, "builtin", json_boolean(!json_is_true(json_object_get(p, "stored"))));
    }
    json_decref(pol);

    /* The messages of its steps. */
    json_t *doc = ed->text ? json_loads(ed->text, 0, NULL) : NULL, *sample = NULL;
    if (ed->text && !json_object_get(ctx, "preview_error")) {
        struct owed_buf err = OWED_BUF_INIT(0);
        int rc = owed_dunning_sample(rq->store, rq->who.org, ed->text, ed->customer, ed->lang,
                                     as_of, &sample, &err);
        if (rc) json_object_set_new(ctx, "preview_error", json_string(err.ptr ? err.ptr : "no preview"));
        owed_buf_release(&err);
    }
    json_t *msgs = json_object_get(sample, "steps"), *m;
    json_array_foreach(msgs, i, m) {
        char w[96];
        offset_text((long)json_integer_value(json_object_get(m, "offset")),
                    !strcmp(json_string_value(json_object_get(m, "days")), "business"), w, sizeof w);
        json_object_set_new(m, "when", json_string(w));
        json_object_set_new(m, "n", json_integer((json_int_t)i + 1));
        json_object_set_new(m, "is_thanks", json_boolean(!strcmp(json_string_value(json_object_get(m, "name")), "thanks")));
    }
    if (sample) {
        json_object_set(ctx, "messages", msgs);
        json_object_set(ctx, "pv_customer", json_object_get(sample, "customer"));
    }

    /* The step rows: as posted, or from the document (and blank ones to add steps). */
    json_t *rows = ed->rows ? json_incref(ed->rows) : json_array();
    json_t *steps = json_object_get(doc, "steps");
    if (!ed->rows && json_is_array(steps)) {
        json_t *st;
        json_array_foreach(steps, i, st) json_array_append_new(rows, step_row(i, st));
    }
    for (size_t b = 0; b < BLANK_ROWS && json_array_size(rows) < MAX_STEPS; b++) {
        json_t *blank = json_object();
        json_array_append_new(rows, step_row(json_array_size(rows), blank));
        json_decref(blank);
    }
    json_object_set_new(ctx, "nrows", json_integer((json_int_t)json_array_size(rows)));
    json_object_set_new(ctx, "rows", rows);
    json_object_set_new(ctx, "thank_you",
                        json_boolean(ed->rows ? wf(rq, "thank_you") != NULL
                                              : json_is_true(json_object_get(doc, "thank_you"))));
    json_decref(doc);
    json_decref(sample);
    char title[80];
    snprintf(title, sizeof title, "Policy %s", ed->name);
    web_page(rq, rs, "dunning_policy", title, ctx);
    if (rs->status == 200) rs->status = status; /* not over a page that failed */
}

static void policy_get(struct hreq *rq, struct hresp *rs)
{
    const char *name = rq->params[0];
    char path[160];
    snprintf(path, sizeof path, "/api/v1/dunning/policies/%s", name);
    struct web_call c = {.method = "GET", .path = path};
    web_call(rq, &c);
    struct editor ed = {.name = name, .etag = c.etag, .json_mode = hq_arg(rq, "edit") &&
                                                               !strcmp(hq_arg(rq, "edit"), "json"),
                        .customer = hq_arg(rq, "customer"), .as_of = hq_arg(rq, "as_of"),
                        .lang = hq_arg(rq, "lang")};
    struct web_call dflt = {.method = "GET", .path = "/api/v1/dunning/policies/default"};
    if (c.status == 404) {
        if (!policy_name_ok(name)) {
            web_error(rq, rs, 404, "no policy %s", name);
            goto out;
        }
        /* A new policy starts as a copy of the default one. */
        ed.is_new = true;
        ed.etag = "";
        web_call(rq, &dflt);
        owed_buf_release(&c.raw);
        c.raw = dflt.raw;
        dflt.raw = (struct owed_buf)OWED_BUF_INIT(0);
    } else if (c.status >= 400) {
        web_error(rq, rs, c.status, "%s", c.msg);
        goto out;
    }
    ed.text = c.raw.ptr ? c.raw.ptr : "";
    policy_page(rq, rs, &ed, 200);
out:
    json_decref(c.out);
    owed_buf_release(&c.raw);
    json_decref(dflt.out);
    owed_buf_release(&dflt.raw);
}

/* POST /app/dunning/policies/NAME: Preview (renders the page again with the messages of
 * what the form holds; nothing is stored) or Save (PUT with the ETag the page was read at:
 * a policy changed meanwhile is refused, never overwritten, and the edits stay on the page). */
static void policy_post(struct hreq *rq, struct hresp *rs)
{
    const char *name = rq->params[0], *action = wf(rq, "_action"), *etag = wf(rq, "etag");
    const char *mode = wf(rq, "mode");
    struct editor ed = {.name = name, .etag = etag ? etag : "", .is_new = !etag || !*etag,
                        .json_mode = mode && !strcmp(mode, "json"), .customer = wf(rq, "customer"),
                        .as_of = wf(rq, "as_of"), .lang = wf(rq, "lang")};
    bool save = action && !strcmp(action, "save");
    rs->no_audit = true; /* unless a save goes through */
    long nrows = 0;
    const char *nr = wf(rq, "rows");
    if (nr) nrows = strtol(nr, NULL, 10);
    if (nrows < 0 || nrows > MAX_STEPS + BLANK_ROWS) nrows = MAX_STEPS + BLANK_ROWS;
    char problem[300];
    char *built = NULL;
    json_t *rows = NULL;
    if (ed.json_mode) {
        ed.text = wf(rq, "policy");
        if (!ed.text) ed.text = "";
    } else {
        built = policy_from_form(rq, (size_t)nrows, problem, sizeof problem);
        if (!built) {
            rows = rows_from_form(rq, (size_t)nrows);
            ed.rows = rows;
            ed.error = problem;
            ed.error_title = save ? "Not saved" : "Cannot preview";
            policy_page(rq, rs, &ed, 422);
            json_decref(rows);
            return;
        }
        ed.text = built;
    }
    if (!save) {
        policy_page(rq, rs, &ed, 200);
        free(built);
        return;
    }
    if (!can(rq, OWED_PERM_CONFIGURE)) {
        ed.error = "Your role may not change dunning policies: ask a manager or an admin.";
        policy_page(rq, rs, &ed, 403);
        free(built);
        return;
    }
    char path[160];
    snprintf(path, sizeof path, "/api/v1/dunning/policies/%s", name);
    json_t *headers = json_pack("{s:s}", "Content-Type", "application/json");
    if (ed.etag[0]) json_object_set_new(headers, "If-Match", json_string(ed.etag));
    else json_object_set_new(headers, "If-None-Match", json_string("*"));
    struct web_call c = {.method = "PUT", .path = path, .headers = headers,
                         .raw_body = ed.text, .raw_len = strlen(ed.text)};
    web_call(rq, &c);
    json_decref(headers);
    if (c.status < 300) {
        rs->no_audit = false;
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/dunning/policies/%s", name);
        char to[96], flash[120];
        snprintf(to, sizeof to, "/app/dunning/policies/%s", name);
        snprintf(flash, sizeof flash, "Policy %s %s.", name, c.status == 201 ? "created" : "saved");
        web_redirect(rs, to, flash);
    } else {
        char msg[1000];
        if (c.status == 412 || c.status == 428)
            snprintf(msg, sizeof msg,
                     "Someone changed this policy after you opened it, so your version was not "
                     "saved over theirs. Your edits are still below: open the policy again in "
                     "another tab to see the current version, then make your changes there. "
                     "(%s)", c.msg);
        else snprintf(msg, sizeof msg, "%s", c.msg);
        ed.error = msg;
        ed.error_title = c.status == 412 || c.status == 428 ? "Changed by someone else" : "Not saved";
        policy_page(rq, rs, &ed, c.status);
    }
    json_decref(c.out);
    owed_buf_release(&c.raw);
    free(built);
}

/* ---- /app/outbox ---- */

static const char *status_badge(const char *status)
{
    if (!status) return "";
    if (!strcmp(status, "sent")) return "good";
    if (!strcmp(status, "failed")) return "bad";
    if (!strcmp(status, "uncertain")) return "warn";
    return "";
}

/* How many messages have `status` ("500+" beyond one page of 500). */
static json_t *count_status(struct hreq *rq, const char *status)
{
    json_t *page = web_get(rq, "/api/v1/outbox?status=%s&limit=500", status);
    size_t n = json_array_size(json_object_get(page, "data"));
    bool more = json_is_string(json_object_get(page, "next_cursor"));
    json_decref(page);
    char t[16];
    snprintf(t, sizeof t, "%zu%s", n, more ? "+" : "");
    return n ? json_string(t) : NULL;
}

static void outbox_page(struct hreq *rq, struct hresp *rs)
{
    const char *status = hq_arg(rq, "status"), *cursor = hq_arg(rq, "cursor");
    if (status && !*status) status = NULL;
    json_t *ctx = json_object();
    char path[200], back[120];
    snprintf(path, sizeof path, "/api/v1/outbox?limit=50&status=%s&cursor=%s",
             web_q(0, status ? status : ""), web_q(1, cursor ? cursor : ""));
    snprintf(back, sizeof back, "/app/outbox%s%s", status ? "?status=" : "", status ? web_q(0, status) : "");
    json_t *page = NULL;
    char msg[600];
    if (web_api(rq, "GET", path, NULL, &page, msg, sizeof msg) >= 400)
        json_object_set_new(ctx, "list_error", json_string(msg));
    json_t *data = json_object_get(page, "data"), *m;
    size_t i;
    bool can_money = can(rq, OWED_PERM_MONEY);
    json_array_foreach(data, i, m) {
        const char *st = json_string_value(json_object_get(m, "status"));
        json_object_set_new(m, "badge", json_string(status_badge(st)));
        json_object_set_new(m, "resolvable", json_boolean(can_money && st && (!strcmp(st, "failed") || !strcmp(st, "uncertain"))));
        json_object_set_new(m, "is_queued", json_boolean(st && !strcmp(st, "queued")));
        web_short_time(m, "created_at");
        web_short_time(m, "sent_at");
        web_short_time(m, "next_attempt");
    }
    json_object_set(ctx, "messages", data ? data : json_array());
    json_t *next = json_object_get(page, "next_cursor");
    if (json_is_string(next)) {
        char more[200];
        snprintf(more, sizeof more, "/app/outbox?status=%s&cursor=%s", web_q(0, status ? status : ""),
                 web_q(1, json_string_value(next)));
        json_object_set_new(ctx, "next", json_string(more));
    }
    if (cursor && *cursor) json_object_set_new(ctx, "first", json_string(back));
    json_decref(page);
    json_object_set_new(ctx, "status_options", web_options(statuses, OWED_ARRAY_LEN(statuses), status));
    json_object_set_new(ctx, "status", json_string(status ? status : ""));
    json_object_set_new(ctx, "back", json_string(back));
    json_object_set_new(ctx, "can_money", json_boolean(can_money));
    json_t *failed = count_status(rq, "failed"), *uncertain = count_status(rq, "uncertain");
    json_t *queued = count_status(rq, "queued");
    if (failed) json_object_set_new(ctx, "n_failed", failed);
    if (uncertain) json_object_set_new(ctx, "n_uncertain", uncertain);
    if (queued) json_object_set_new(ctx, "n_queued", queued);
    web_page(rq, rs, "dunning_outbox", "Outbox", ctx);
}

static void outbox_message(struct hreq *rq, struct hresp *rs)
{
    char path[96];
    snprintf(path, sizeof path, "/api/v1/outbox/%s", rq->params[0]);
    json_t *m = NULL;
    char msg[600];
    int status = web_api(rq, "GET", path, NULL, &m, msg, sizeof msg);
    if (status >= 400) {
        json_decref(m);
        web_error(rq, rs, status, "%s", msg);
        return;
    }
    const char *st = json_string_value(json_object_get(m, "status"));
    bool can_money = can(rq, OWED_PERM_MONEY);
    json_object_set_new(m, "badge", json_string(status_badge(st)));
    json_object_set_new(m, "resolvable", json_boolean(can_money && st && (!strcmp(st, "failed") || !strcmp(st, "uncertain"))));
    web_short_time(m, "created_at");
    web_short_time(m, "sent_at");
    web_short_time(m, "next_attempt");
    json_t *ctx = json_pack("{s:o}", "m", m);
    char title[64];
    snprintf(title, sizeof title, "Message %s", rq->params[0]);
    web_page(rq, rs, "dunning_message", title, ctx);
}

/* POST /app/outbox/send: delivers what is due now, and says how it went. */
static void outbox_send(struct hreq *rq, struct hresp *rs)
{
    json_t *out = NULL, *body = json_object();
    char msg[600], flash[700];
    if (web_api(rq, "POST", "/api/v1/outbox/send", body, &out, msg, sizeof msg) >= 400) {
        snprintf(flash, sizeof flash, "Not sent: %s", msg);
        rs->no_audit = true;
    } else {
        snprintf(flash, sizeof flash, "Delivered %lld; %lld to try again later; %lld failed; %lld uncertain.",
                 (long long)json_integer_value(json_object_get(out, "sent")),
                 (long long)json_integer_value(json_object_get(out, "retry")),
                 (long long)json_integer_value(json_object_get(out, "failed")),
                 (long long)json_integer_value(json_object_get(out, "uncertain")));
        snprintf(rs->resource, sizeof rs->resource, "/api/v1/outbox/send");
    }
    json_decref(body);
    json_decref(out);
    const char *back = wf(rq, "_back");
    web_redirect(rs, back && *back ? back : "/app/outbox", flash);
}

const struct http_route http_routes_w_dunning[] = {
    {"GET", "/app/dunning", dunning_home, OWED_PERM_READ, "read dunning", HTTP_ROUTE_WEB},
    {"GET", "/app/dunning/run", run_confirm, OWED_PERM_READ, "preview dunning runs", HTTP_ROUTE_WEB},
    {"POST", "/app/dunning/run", run_post, OWED_PERM_READ, "run dunning", HTTP_ROUTE_WEB},
    {"POST", "/app/dunning/assignments", assignment_add, OWED_PERM_READ,
     "assign dunning policies", HTTP_ROUTE_WEB},
    {"GET", "/app/dunning/policies", policy_new, OWED_PERM_READ, "read dunning policies",
     HTTP_ROUTE_WEB},
    {"GET", "/app/dunning/policies/{name}", policy_get, OWED_PERM_READ, "read dunning policies",
     HTTP_ROUTE_WEB},
    {"POST", "/app/dunning/policies/{name}", policy_post, OWED_PERM_READ,
     "preview and store dunning policies", HTTP_ROUTE_WEB},
    {"GET", "/app/outbox", outbox_page, OWED_PERM_READ, "read the outbox", HTTP_ROUTE_WEB},
    {"POST", "/app/outbox/send", outbox_send, OWED_PERM_READ, "send outbox messages",
     HTTP_ROUTE_WEB},
    {"GET", "/app/outbox/{id}", outbox_message, OWED_PERM_READ, "read outbox messages",
     HTTP_ROUTE_WEB},
    {NULL, NULL, NULL, 0, NULL, 0},
};
