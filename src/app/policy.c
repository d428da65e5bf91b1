/* Dunning policies as stored: JSON documents by name, and which customer or segment uses
 * which (`owed policy`). The built-in default policy needs no row; a stored policy named
 * "default" replaces it.
 *
 * The document:
 *   {"thank_you": false,
 *    "steps": [{"name": "late_10", "offset": 10, "days": "calendar"|"business",
 *               "channel": "email", "template": "late_10", "min_open": 0,
 *               "fee": "" | "40.00" | "eu" | "uk" | "statutory",
 *               "interest": "" | "8.5%" | "eu" | "uk" | "statutory",
 *               "unless": "acknowledged" (optional; only before the due date)}, ...]} */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/dunning_int.h"
#include "app/files.h"
#include "base.h"
#include "core/latefee.h"

static int bad(struct owed_buf *err, const char *where, size_t i, const char *field,
               const char *why)
{
    owed_buf_addf(err, "%s: steps[%zu].%s: %s", where, i, field, why);
    return OWED_E_REJECTED;
}

static bool charge_text_valid(const char *s, bool interest)
{
    if (!*s || !strcmp(s, "eu") || !strcmp(s, "uk") || !strcmp(s, "statutory")) return true;
    size_t n = strlen(s), dots = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') dots++;
        else if (s[i] >= '0' && s[i] <= '9') digits++;
        else if (!(interest && s[i] == '%' && i == n - 1)) return false;
    }
    return digits > 0 && dots <= 1 && (!interest || s[n - 1] == '%');
}

/* What a run will parse (app/dunning_charges.c): an amount above zero with at most two
 * decimals, a rate above 0% and at most 100%. Checked here so that a policy that saves
 * also runs. */
static bool charges_parse(const char *fee, const char *interest)
{
    struct owed_step_charges c;
    const char *f = !*fee || !strcmp(fee, "statutory") ? "none" : fee;
    const char *i = !*interest || !strcmp(interest, "statutory") ? "none" : interest;
    return owed_step_charges_parse(f, i, &c, NULL) == OWED_OK;
}

/* A step's name is its firing key (org, invoice, name): "thanks" and "i<id>.<step>" are
 * the keys of thank-you notes and installments, so names keep to letters, digits, _ and -
 * and "thanks" is taken. */
static const char *step_name_problem(const char *name)
{
    if (!name || !*name || strlen(name) > OWED_STEP_NAME_MAX) return "required, 1 to 31 characters";
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-'))
            return "letters, digits, _ and - only";
    if (!strcmp(name, "thanks"))
        return "\"thanks\" is the key of thank-you notes; pick another name";
    return NULL;
}

/* Optional string member: false when present and not a string. */
static bool opt_string(json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = json_string_value(v);
    return !v || json_is_string(v);
}

static const char *const step_fields[] = {"name",     "offset", "days",     "channel", "template",
                                          "min_open", "fee",    "interest", "unless",  NULL};

/* "unless": "acknowledged" asks for a missing acknowledgement of receipt: before the due
 * date only, since from the due date on the reminders are about payment. "" means none. */
static int unless_from_json(json_t *js, size_t i, struct owed_dunning_step *st,
                            const char *where, struct owed_buf *err)
{
    const char *unless;
    if (!opt_string(js, "unless", &unless) ||
        (unless && *unless && strcmp(unless, "acknowledged")))
        return bad(err, where, i, "unless", "must be \"acknowledged\" or \"\"");
    st->unless_acknowledged = unless && *unless;
    if (st->unless_acknowledged && st->offset_days >= 0)
        return bad(err, where, i, "unless",
                   "\"acknowledged\" only on a step before the due date (a negative offset)");
    return OWED_OK;
}

/* strict: the checks of a file being saved (unknown fields, names, charges a run can
 * parse); a stored document was checked when it was saved, and loading it again under
 * newer rules must not drop it. */
static int step_from_json(json_t *js, size_t i, bool strict, struct owed_dunning_step *st,
                          const char *where, struct owed_buf *err)
{
    if (!json_is_object(js)) return bad(err, where, i, "", "not an object");
    const char *key;
    json_t *v;
    json_object_foreach(js, key, v) {
        if (!strict) break;
        size_t k = 0;
        while (step_fields[k] && strcmp(step_fields[k], key)) k++;
        if (!step_fields[k])
            /* The usual fields; the optional condition "unless" is in docs/dunning.md. */
            return bad(err, where, i, key,
                       "unknown field (name, offset, days, channel, template, min_open, fee, "
                       "interest)");
    }
    const char *name = json_string_value(json_object_get(js, "name"));
    const char *why = step_name_problem(name);
    if (why && (strict || !name || !*name || strlen(name) > OWED_STEP_NAME_MAX))
        return bad(err, where, i, "name", why);
    snprintf(st->name, sizeof st->name, "%s", name);
    v = json_object_get(js, "offset");
    if (!json_is_integer(v) || json_integer_value(v) < -3650 || json_integer_value(v) > 3650)
        return bad(err, where, i, "offset", "required, whole days from -3650 to 3650");
    st->offset_days = (int)json_integer_value(v);
    const char *days;
    if (!opt_string(js, "days", &days) ||
        (days && strcmp(days, "business") && strcmp(days, "calendar")))
        return bad(err, where, i, "days", "must be \"calendar\" or \"business\"");
    st->business_days = days && !strcmp(days, "business");
    const char *ch = json_string_value(json_object_get(js, "channel"));
    st->channel = owed_channel_parse(ch);
    if (!st->channel || st->channel == OWED_CHANNEL_WEBHOOK)
        return bad(err, where, i, "channel", "must be email, sms, letter, call or agency");
    const char *tmpl;
    if (!opt_string(js, "template", &tmpl) ||
        (tmpl && (!*tmpl || strlen(tmpl) > OWED_STEP_NAME_MAX)))
        return bad(err, where, i, "template", "a template name of 1 to 31 characters");
    snprintf(st->template_name, sizeof st->template_name, "%s", tmpl ? tmpl : name);
    v = json_object_get(js, "min_open");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
        return bad(err, where, i, "min_open", "must be a whole amount >= 0");
    st->min_open_units = v ? json_integer_value(v) : 0;
    const char *fee, *interest;
    bool fee_ok = opt_string(js, "fee", &fee), interest_ok = opt_string(js, "interest", &interest);
    if (!fee_ok || (fee && (strlen(fee) >= sizeof st->fee || !charge_text_valid(fee, false) ||
                            (strict && !charges_parse(fee, "")))))
        return bad(err, where, i, "fee",
                   "must be \"\", an amount like \"40.00\", \"eu\", \"uk\" or \"statutory\"");
    if (!interest_ok ||
        (interest && (strlen(interest) >= sizeof st->interest ||
                      !charge_text_valid(interest, true) ||
                      (strict && !charges_parse("", interest)))))
        return bad(err, where, i, "interest",
                   "must be \"\", a rate like \"8.5%\", \"eu\", \"uk\" or \"statutory\"");
    snprintf(st->fee, sizeof st->fee, "%s", fee ? fee : "");
    snprintf(st->interest, sizeof st->interest, "%s", interest ? interest : "");
    return unless_from_json(js, i, st, where, err);
}

static int parse_policy(const char *text, const char *name, const char *where, bool strict,
                        struct owed_dunning_policy *p, struct owed_buf *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    json_error_t je;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        owed_buf_addf(err, "%s:%d: %s", where, je.line, je.text);
        return OWED_E_REJECTED;
    }
    int rc = OWED_OK;
    json_t *steps = json_object_get(doc, "steps");
    json_t *ty = json_object_get(doc, "thank_you");
    if (!json_is_object(doc) || !json_is_array(steps) || json_array_size(steps) == 0 ||
        json_array_size(steps) > OWED_DUNNING_MAX_STEPS) {
        owed_buf_addf(err, "%s: steps: required, an array of 1 to %d steps", where,
                      OWED_DUNNING_MAX_STEPS);
        rc = OWED_E_REJECTED;
    } else if (ty && !json_is_boolean(ty)) {
        owed_buf_addf(err, "%s: thank_you: must be true or false", where);
        rc = OWED_E_REJECTED;
    } else if (strict) {
        const char *key;
        json_t *v;
        json_object_foreach(doc, key, v) {
            if (!rc && strcmp(key, "steps") && strcmp(key, "thank_you")) {
                owed_buf_addf(err, "%s: %s: unknown field (thank_you, steps)", where, key);
                rc = OWED_E_REJECTED;
            }
        }
    }
    p->thank_you = json_is_true(ty);
    for (size_t i = 0; !rc && i < json_array_size(steps); i++) {
        rc = step_from_json(json_array_get(steps, i), i, strict, &p->steps[i], where, err);
        p->nsteps = i + 1;
        if (!rc && i > 0 && p->steps[i].offset_days <= p->steps[i - 1].offset_days)
            rc = bad(err, where, i, "offset", "must be later than the step before");
        for (size_t k = 0; !rc && k < i; k++)
            if (!strcmp(p->steps[k].name, p->steps[i].name))
                rc = bad(err, where, i, "name", "used twice");
    }
    json_decref(doc);
    return rc;
}

int owed__policy_from_json(const char *text, const char *name, const char *where,
                           struct owed_dunning_policy *p, struct owed_buf *err)
{
    return parse_policy(text, name, where, false, p, err);
}

void owed__policy_to_json(const struct owed_dunning_policy *p, struct owed_buf *out)
{
    json_t *doc = json_object(), *steps = json_array();
    json_object_set_new(doc, "thank_you", json_boolean(p->thank_you));
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct owed_dunning_step *s = &p->steps[i];
        json_array_append_new(
            steps, json_pack("{s:s, s:i, s:s, s:s, s:s, s:I, s:s, s:s}", "name", s->name,
                             "offset", s->offset_days, "days",
                             s->business_days ? "business" : "calendar", "channel",
                             owed_channel_name(s->channel), "template", s->template_name,
                             "min_open", (json_int_t)s->min_open_units, "fee", s->fee,
                             "interest", s->interest));
        if (s->unless_acknowledged) /* only when set: other policies print as before */
            json_object_set_new(json_array_get(steps, i), "unless", json_string("acknowledged"));
    }
    json_object_set_new(doc, "steps", steps);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    owed_buf_adds(out, text);
    owed_buf_addc(out, '\n');
    free(text);
    json_decref(doc);
}

/* ---- loading every policy and target of an org ---- */

static int on_policy(void *ctx, const char *name, const char *json)
{
    struct owed__policies *ps = ctx;
    OWED_ALLOC_GROW(ps->list, ps->n + 1, ps->cap);
    struct owed_buf e = OWED_BUF_INIT(0);
    int rc = owed__policy_from_json(json, name, name, &ps->list[ps->n], &e);
    owed_buf_release(&e);
    if (rc) return OWED_OK; /* validated when saved; a broken row is skipped, not fatal */
    ps->n++;
    return OWED_OK;
}

static int on_target(void *ctx, const char *target, const char *policy)
{
    struct owed__policies *ps = ctx;
    int idx = owed__policy_find(ps, policy);
    if (idx < 0) return OWED_OK;
    OWED_ALLOC_GROW(ps->targets, ps->ntargets + 1, ps->cap_targets);
    struct owed__policy_target *t = &ps->targets[ps->ntargets++];
    snprintf(t->target, sizeof t->target, "%s", target);
    t->policy = idx;
    if (!strcmp(target, "default")) ps->default_index = idx;
    return OWED_OK;
}

int owed__policy_find(const struct owed__policies *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->list[i].name, name)) return (int)i;
    return -1;
}

int owed__policies_load(struct owed_store *s, int64_t org, struct owed__policies *ps,
                        struct owed_buf *err)
{
    memset(ps, 0, sizeof *ps);
    OWED_ALLOC_GROW(ps->list, 1, ps->cap);
    owed_dunning_policy_default(&ps->list[0]);
    ps->n = 1;
    ps->default_index = 0;
    int rc = s->ops->policies_each(s, org, on_policy, ps, err);
    /* A stored "default" replaces the built-in one. */
    for (size_t i = 1; !rc && i < ps->n; i++) {
        if (!strcmp(ps->list[i].name, "default")) {
            ps->list[0] = ps->list[i];
            memmove(&ps->list[i], &ps->list[i + 1], (ps->n - i - 1) * sizeof *ps->list);
            ps->n--;
            break;
        }
    }
    if (!rc) rc = s->ops->policy_targets_each(s, org, on_target, ps, err);
    if (rc) owed__policies_release(ps);
    return rc;
}

void owed__policies_release(struct owed__policies *ps)
{
    free(ps->list);
    free(ps->targets);
    memset(ps, 0, sizeof *ps);
}

int owed__policy_for(const struct owed__policies *ps, const char *customer_ref,
                     const char *segment)
{
    char key[128];
    snprintf(key, sizeof key, "customer:%s", customer_ref);
    int by_segment = -1;
    for (size_t i = 0; i < ps->ntargets; i++) {
        if (!strcmp(ps->targets[i].target, key)) return ps->targets[i].policy;
        if (segment && *segment && !strncmp(ps->targets[i].target, "segment:", 8) &&
            !strcmp(ps->targets[i].target + 8, segment))
            by_segment = ps->targets[i].policy;
    }
    return by_segment >= 0 ? by_segment : ps->default_index;
}

/* ---- use cases ---- */

int owed_policy_set(struct owed_store *s, int64_t org, const char *name, const char *path,
                    struct owed_buf *err)
{
    if (!*name || strlen(name) > OWED_STEP_NAME_MAX) {
        owed_buf_adds(err, "a policy name has 1 to 31 characters");
        return OWED_E_INVALID;
    }
    struct owed_buf text = OWED_BUF_INIT(1 << 20);
    int rc = owed__read_file(path, &text, err);
    struct owed_dunning_policy p;
    if (!rc) rc = parse_policy(text.ptr, name, path, true, &p, err);
    struct owed_buf canon = OWED_BUF_INIT(0);
    if (!rc) owed__policy_to_json(&p, &canon);
    if (!rc) rc = s->ops->begin(s, err);
    if (!rc) {
        rc = s->ops->policy_save(s, org, name, canon.ptr, err);
        if (!rc) rc = s->ops->commit(s, err);
        if (rc) s->ops->rollback(s);
    }
    owed_buf_release(&canon);
    owed_buf_release(&text);
    return rc;
}

int owed_policy_assign(struct owed_store *s, int64_t org, const char *name, const char *target,
                       struct owed_buf *err)
{
    struct owed__policies ps;
    int rc = owed__policies_load(s, org, &ps, err);
    if (rc) return rc;
    if (name && owed__policy_find(&ps, name) < 0) {
        owed_buf_addf(err, "no policy named '%s' (owed policy set %s FILE)", name, name);
        rc = OWED_E_NOT_FOUND;
    }
    if (!rc && !strncmp(target, "customer:", 9)) {
        struct owed_customer c;
        rc = s->ops->customer_get(s, org, target + 9, &c, err);
        if (rc == OWED_E_NOT_FOUND) owed_buf_addf(err, "no customer '%s'", target + 9);
    }
    owed__policies_release(&ps);
    if (!rc) rc = s->ops->begin(s, err);
    if (!rc) {
        rc = s->ops->policy_target_set(s, org, target, name, err);
        if (!rc) rc = s->ops->commit(s, err);
        if (rc) s->ops->rollback(s);
    }
    return rc;
}

int owed_policy_show(struct owed_store *s, int64_t org, const char *name, enum owed_format fmt,
                     struct owed_buf *out, struct owed_buf *err)
{
    struct owed__policies ps;
    int rc = owed__policies_load(s, org, &ps, err);
    if (rc) return rc;
    /* Without a name: the policy customers follow when nothing else is assigned. */
    int idx = name ? owed__policy_find(&ps, name) : ps.default_index;
    if (idx < 0) {
        owed_buf_addf(err, "no policy named '%s'", name);
        owed__policies_release(&ps);
        return OWED_E_NOT_FOUND;
    }
    const struct owed_dunning_policy *p = &ps.list[idx];
    if (fmt == OWED_FORMAT_JSON) {
        owed__policy_to_json(p, out);
    } else {
        owed_buf_addf(out, "Policy %s%s\n", p->name,
                      p->thank_you ? " (thanks customers who pay on time)" : "");
        owed_buf_addf(out, "%-12s %7s  %-8s  %-7s  %-12s %8s  %-10s %s\n", "Step", "Offset",
                      "Days", "Channel", "Template", "Min open", "Fee", "Interest");
        for (size_t i = 0; i < p->nsteps; i++) {
            const struct owed_dunning_step *st = &p->steps[i];
            owed_buf_addf(out, "%-12s %+7d  %-8s  %-7s  %-12s %8lld  %-10s %s%s\n", st->name,
                          st->offset_days, st->business_days ? "business" : "calendar",
                          owed_channel_name(st->channel), st->template_name,
                          (long long)st->min_open_units, st->fee[0] ? st->fee : "-",
                          st->interest[0] ? st->interest : "-",
                          st->unless_acknowledged ? "  (unless acknowledged)" : "");
        }
        bool any = false;
        for (size_t i = 0; i < ps.ntargets; i++) {
            if (ps.targets[i].policy != idx) continue;
            owed_buf_addf(out, "%s%s", any ? ", " : "Used by: ", ps.targets[i].target);
            any = true;
        }
        if (any) owed_buf_addc(out, '\n');
    }
    owed__policies_release(&ps);
    return OWED_OK;
}

int owed_policy_list(struct owed_store *s, int64_t org, struct owed_buf *out,
                     struct owed_buf *err)
{
    struct owed__policies ps;
    int rc = owed__policies_load(s, org, &ps, err);
    if (rc) return rc;
    for (size_t i = 0; i < ps.n; i++) {
        owed_buf_addf(out, "%s  %zu steps", ps.list[i].name, ps.list[i].nsteps);
        for (size_t t = 0; t < ps.ntargets; t++)
            if (ps.targets[t].policy == (int)i) owed_buf_addf(out, "  %s", ps.targets[t].target);
        owed_buf_addc(out, '\n');
    }
    owed__policies_release(&ps);
    return OWED_OK;
}
