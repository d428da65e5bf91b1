/* Renders a dunning message from the built-in templates (data/templates/LANG/NAME.tmpl,
 * embedded at build time as gen/templates.h).
 *
 * A template file holds sections, each opened by a line "== NAME": subject, text, html
 * (email), sms, letter, call. Text before the first section is a comment. The file is
 * looked up as LANG/NAME, then en/NAME, then LANG/generic, then en/generic, so a
 * customer's language is used where a translation exists. A channel takes its own section
 * and falls back to the text one (letter) or the subject (call). Each section is a
 * template of io/template.c: HTML escaping applies to the html section only. */
#include <string.h>

#include "app/dunning_int.h"
#include "base.h"
#include "io/template.h"

struct embedded_file {
    const char *name;
    const unsigned char *data;
};
#include "templates.h"

static const char *find_file(const char *lang, const char *name)
{
    const char *langs[2] = {lang && *lang ? lang : "en", "en"};
    const char *names[2] = {name, "generic"};
    char path[96];
    for (int n = 0; n < 2; n++) {
        for (int l = 0; l < 2; l++) {
            snprintf(path, sizeof path, "%s/%s.tmpl", langs[l], names[n]);
            for (size_t i = 0; i < OWED_ARRAY_LEN(builtin_templates); i++)
                if (!strcmp(builtin_templates[i].name, path))
                    return (const char *)builtin_templates[i].data;
        }
    }
    return NULL;
}

/* The body of section `name` in file text: [*start, *start + *len). */
static bool find_section(const char *text, const char *name, const char **start, size_t *len)
{
    size_t nlen = strlen(name);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, "== ", 3) && !strncmp(p + 3, name, nlen) &&
            (p[3 + nlen] == '\n' || p[3 + nlen] == '\0')) {
            const char *body = p + 3 + nlen + (p[3 + nlen] == '\n');
            const char *end = body;
            while (*end && strncmp(end, "== ", 3) != 0) { /* up to the next section line */
                const char *nl = strchr(end, '\n');
                end = nl ? nl + 1 : end + strlen(end);
            }
            *start = body;
            *len = (size_t)(end - body);
            return true;
        }
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    return false;
}

static int render_section(const char *file, const char *section, const json_t *ctx,
                          enum owed_escape esc, struct owed_buf *out, struct owed_buf *err)
{
    const char *start;
    size_t len;
    if (!find_section(file, section, &start, &len)) return OWED_E_NOT_FOUND;
    struct owed_template *t = NULL;
    int rc = owed_template_compile(start, len, &t, err);
    if (!rc) rc = owed_template_render(t, ctx, esc, out, err);
    owed_template_free(t);
    if (rc) owed_buf_addf(err, " (template section %s)", section);
    return rc;
}

int owed__render_message(const char *lang, const char *template_name, int channel,
                         const json_t *ctx, struct owed__rendered *r, struct owed_buf *err)
{
    const char *file = find_file(lang, template_name);
    if (!file) {
        owed_buf_addf(err, "no template '%s'", template_name);
        return OWED_E_NOT_FOUND;
    }
    int rc = OWED_OK;
    switch ((enum owed_channel)channel) {
    case OWED_CHANNEL_EMAIL:
        rc = render_section(file, "subject", ctx, OWED_ESCAPE_NONE, &r->subject, err);
        if (!rc) rc = render_section(file, "text", ctx, OWED_ESCAPE_NONE, &r->text, err);
        if (!rc) {
            rc = render_section(file, "html", ctx, OWED_ESCAPE_HTML, &r->html, err);
            if (rc == OWED_E_NOT_FOUND) rc = OWED_OK; /* text only */
        }
        break;
    case OWED_CHANNEL_SMS:
        rc = render_section(file, "sms", ctx, OWED_ESCAPE_NONE, &r->text, err);
        break;
    case OWED_CHANNEL_LETTER:
        rc = render_section(file, "letter", ctx, OWED_ESCAPE_NONE, &r->text, err);
        if (rc == OWED_E_NOT_FOUND) rc = render_section(file, "text", ctx, OWED_ESCAPE_NONE, &r->text, err);
        break;
    case OWED_CHANNEL_CALL:
        rc = render_section(file, "call", ctx, OWED_ESCAPE_NONE, &r->text, err);
        if (rc == OWED_E_NOT_FOUND) rc = render_section(file, "subject", ctx, OWED_ESCAPE_NONE, &r->text, err);
        break;
    case OWED_CHANNEL_AGENCY:  /* a CSV placement, not a template (dunning_run.c) */
    case OWED_CHANNEL_WEBHOOK: /* a JSON event, not a template (events.c) */
    default:
        break;
    }
    if (rc == OWED_E_NOT_FOUND)
        owed_buf_addf(err, "template '%s' has no section for %s", template_name,
                      owed_channel_name((enum owed_channel)channel));
    /* An SMS and a call script are one short text: no line break at the end (in an SMS it
     * costs a character and shows as an empty line). */
    if (channel == OWED_CHANNEL_SMS || channel == OWED_CHANNEL_CALL)
        while (r->text.len && (r->text.ptr[r->text.len - 1] == '\n' ||
                               r->text.ptr[r->text.len - 1] == '\r' ||
                               r->text.ptr[r->text.len - 1] == ' '))
            r->text.ptr[--r->text.len] = '\0';
    /* Subjects are one line. */
    for (size_t i = 0; r->subject.ptr && i < r->subject.len; i++)
        if (r->subject.ptr[i] == '\n' || r->subject.ptr[i] == '\r') r->subject.ptr[i] = ' ';
    while (r->subject.len && r->subject.ptr[r->subject.len - 1] == ' ')
        r->subject.ptr[--r->subject.len] = '\0';
    return rc;
}

bool owed__template_mentions(const char *lang, const char *template_name, const char *name)
{
    const char *file = find_file(lang, template_name);
    return file && strstr(file, name) != NULL;
}
