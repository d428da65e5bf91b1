/* Webhook subscribers (events.h): create, change, remove, list. The signing secret is made
 * here (libsodium), shown once by the caller, and never put in a listing. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/events.h"
#include "app/views.h"
#include "app/app.h"
#include "base.h"

static const char *const event_prefixes[] = {"invoice", "payment", "dispute", "promise", NULL};

static bool url_ok(const char *url, struct owed_buf *err)
{
    size_t n = strlen(url);
    bool scheme = !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);
    if (!scheme) {
        owed_buf_addf(err, "url: '%.100s' must start with http:// or https://", url);
        return false;
    }
    const char *host = strstr(url, "://") + 3;
    if (!*host || *host == '/') {
        owed_buf_adds(err, "url: has no host");
        return false;
    }
    if (n >= sizeof(((struct owed_webhook *)0)->url)) {
        owed_buf_addf(err, "url: longer than %zu bytes",
                      sizeof(((struct owed_webhook *)0)->url) - 1);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7F) {
            owed_buf_adds(err, "url: contains a space or a character that is not ASCII");
            return false;
        }
    return true;
}

static bool known_type(const char *p, size_t len)
{
    for (size_t i = 0; owed_event_types[i]; i++)
        if (strlen(owed_event_types[i]) == len && !memcmp(owed_event_types[i], p, len))
            return true;
    return false;
}

static bool known_prefix(const char *p, size_t len) /* "invoice" of "invoice.*" */
{
    for (size_t i = 0; event_prefixes[i]; i++)
        if (strlen(event_prefixes[i]) == len && !memcmp(event_prefixes[i], p, len)) return true;
    return false;
}

/* Checks a list and writes it canonically (no spaces) into out. */
static bool events_ok(const char *events, char *out, size_t cap, struct owed_buf *err)
{
    struct owed_buf b = OWED_BUF_INIT(0);
    const char *p = events;
    bool ok = true;
    while (ok) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        bool good = (len == 1 && *p == '*') || known_type(p, len) ||
                    (len > 2 && p[len - 1] == '*' && p[len - 2] == '.' && known_prefix(p, len - 2));
        if (!good) {
            owed_buf_addf(err, "events: '%.*s' is not an event type (", (int)(len > 60 ? 60 : len), p);
            for (size_t i = 0; owed_event_types[i]; i++)
                owed_buf_addf(err, "%s, ", owed_event_types[i]);
            owed_buf_adds(err, "invoice.* ..., or *)");
            ok = false;
            break;
        }
        if (b.len) owed_buf_addc(&b, ',');
        owed_buf_add(&b, p, len);
        if (!comma) break;
        p = comma + 1;
    }
    if (ok && b.len >= cap) {
        owed_buf_addf(err, "events: the list is longer than %zu bytes", cap - 1);
        ok = false;
    }
    if (ok) snprintf(out, cap, "%s", b.ptr);
    owed_buf_release(&b);
    return ok;
}

static int get(struct owed_store *s, int64_t org, int64_t id, struct owed_webhook *w,
               struct owed_buf *err)
{
    int rc = s->ops->webhook_get(s, org, id, w, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no webhook %lld", (long long)id);
    }
    return rc;
}

int owed_webhook_create(struct owed_store *s, int64_t org, const char *url, const char *events,
                        struct owed_webhook *out, char secret[OWED_SECRET_MAX + 1],
                        struct owed_buf *err)
{
    struct owed_webhook w;
    memset(&w, 0, sizeof w);
    if (!url || !url_ok(url, err)) return OWED_E_INVALID;
    if (!events_ok(events && *events ? events : "*", w.events, sizeof w.events, err))
        return OWED_E_INVALID;
    snprintf(w.url, sizeof w.url, "%s", url);
    w.active = true;
    owed_secret_new("whsec_", secret);
    snprintf(w.secret, sizeof w.secret, "%s", secret);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = owed__tx_end(s, s->ops->webhook_insert(s, org, &w, err), err);
    sodium_memzero(w.secret, sizeof w.secret);
    if (rc) sodium_memzero(secret, OWED_SECRET_MAX + 1);
    else *out = w;
    return rc;
}

int owed_webhook_change(struct owed_store *s, int64_t org, int64_t id, const char *url,
                        const char *events, int active, struct owed_buf *err)
{
    char canon[sizeof(((struct owed_webhook *)0)->events)];
    if (url && !url_ok(url, err)) return OWED_E_INVALID;
    if (events && !events_ok(*events ? events : "*", canon, sizeof canon, err))
        return OWED_E_INVALID;
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_webhook w;
    rc = get(s, org, id, &w, err);
    if (!rc) {
        if (url) snprintf(w.url, sizeof w.url, "%s", url);
        if (events) snprintf(w.events, sizeof w.events, "%s", canon);
        if (active >= 0) w.active = active != 0;
        rc = s->ops->webhook_update(s, org, &w, err);
    }
    sodium_memzero(w.secret, sizeof w.secret);
    return owed__tx_end(s, rc, err);
}

int owed_webhook_remove(struct owed_store *s, int64_t org, int64_t id, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->webhook_delete(s, org, id, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_reset(err);
        owed_buf_addf(err, "no webhook %lld", (long long)id);
    }
    return owed__tx_end(s, rc, err);
}

int owed_webhook_show(struct owed_store *s, int64_t org, int64_t id, struct owed_webhook *out,
                      struct owed_buf *err)
{
    int rc = get(s, org, id, out, err);
    sodium_memzero(out->secret, sizeof out->secret);
    return rc;
}

static int on_webhook(void *ctx, const struct owed_webhook *w)
{
    return json_array_append_new(ctx, owed_webhook_json(w)) ? OWED_E_STORE : OWED_OK;
}

int owed_webhook_list(struct owed_store *s, int64_t org, json_t **data, struct owed_buf *err)
{
    *data = json_array();
    int rc = s->ops->webhooks_each(s, org, on_webhook, *data, err);
    if (rc) {
        json_decref(*data);
        *data = NULL;
    }
    return rc;
}
