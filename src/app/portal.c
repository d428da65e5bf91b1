/* The customer portal's links, sessions, events, feedback and settings (portal.h). What
 * the customer sees and does is in portal_views.c. */
#include "app/portal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/dunning_int.h"
#include "app/invoicing.h"
#include "app/org_keys.h"
#include "base.h"
#include "io/mail.h"

#define PORTAL_KEY "secret:portal"
#define MAC_HEX (2 * OWED_ORG_KEY_BYTES)

const char *owed_portal_link_state_name(enum owed_portal_link_state st)
{
    switch (st) {
    case OWED_PLINK_VALID: return "valid";
    case OWED_PLINK_EXPIRED: return "expired";
    case OWED_PLINK_USED: return "used";
    case OWED_PLINK_REVOKED: return "revoked";
    case OWED_PLINK_INVALID: break;
    }
    return "invalid";
}

/* ---- tokens ---- */

static void link_mac(const unsigned char key[OWED_ORG_KEY_BYTES], int64_t org,
                     const struct owed_portal_link *l, char out[MAC_HEX + 1])
{
    char msg[160];
    snprintf(msg, sizeof msg, "portal-link:%lld:%lld:%lld:%lld", (long long)org,
             (long long)l->id, (long long)l->customer_id, (long long)l->expires_s);
    owed__mac_hex(key, msg, OWED_ORG_KEY_BYTES, out);
}

static void session_mac(const unsigned char key[OWED_ORG_KEY_BYTES], int64_t org, int64_t sid,
                        int64_t customer_id, int64_t expires_s, char out[MAC_HEX + 1])
{
    char msg[160];
    snprintf(msg, sizeof msg, "portal-session:%lld:%lld:%lld:%lld", (long long)org,
             (long long)sid, (long long)customer_id, (long long)expires_s);
    owed__mac_hex(key, msg, OWED_ORG_KEY_BYTES, out);
}

static void csrf_token(const unsigned char key[OWED_ORG_KEY_BYTES], int64_t org, int64_t sid,
                       char out[MAC_HEX + 1])
{
    char msg[96];
    snprintf(msg, sizeof msg, "portal-csrf:%lld:%lld", (long long)org, (long long)sid);
    owed__mac_hex(key, msg, OWED_ORG_KEY_BYTES, out);
}

/* Parses n positive decimal numbers separated by '.', then '.' and MAC_HEX lowercase hex
 * digits, and nothing else. */
static bool parse_signed(const char *text, int64_t *nums, size_t n, char mac[MAC_HEX + 1])
{
    if (!text || strlen(text) > OWED_PORTAL_TOKEN_MAX) return false;
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        size_t digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 18) {
            v = v * 10 + (*p++ - '0');
            digits++;
        }
        if (!digits || *p != '.' || v <= 0) return false;
        nums[i] = v;
        p++;
    }
    size_t len = strlen(p);
    if (len != MAC_HEX) return false;
    for (size_t i = 0; i < len; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return false;
    memcpy(mac, p, MAC_HEX + 1);
    return true;
}

/* ---- helpers ---- */

static void base_url(const struct owed_seller *sl, char *out, size_t cap)
{
    const char *base = sl->public_url[0] ? sl->public_url : "http://localhost:8080";
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    snprintf(out, cap, "%.*s", (int)n, base);
}

int owed_portal_org_name(struct owed_store *s, int64_t org, char *out, size_t cap,
                         struct owed_buf *err)
{
    struct owed_org_settings set;
    int rc = s->ops->org_settings_get(s, org, &set, err);
    const char *name = set.name;
    struct owed_seller sl;
    if (!rc && !set.name[0]) {
        rc = owed_seller_get(s, org, &sl, err);
        name = sl.party.name;
    }
    if (!rc && cap) { /* cut to cap, as snprintf would (which -O3 warns about here) */
        size_t n = strnlen(name, cap - 1);
        memcpy(out, name, n);
        out[n] = '\0';
    }
    return rc;
}

/* "j***@example.com": enough to recognize one's own address, too little to learn it. */
static void email_hint(const char *email, char *out, size_t cap)
{
    const char *at = strrchr(email, '@');
    if (!email[0] || !at || at == email) {
        out[0] = '\0';
        return;
    }
    snprintf(out, cap, "%c***%s", email[0], at);
}

static void iso_date_of(int64_t unix_s, char out[32])
{
    owed__iso_time((owed_time_ms)unix_s * 1000, out);
}

int owed__portal_event(struct owed_store *s, int64_t org, int64_t customer_id,
                       int64_t session_id, owed_time_ms now, const char *action,
                       int64_t invoice_id, int64_t item_id, const char *ref, const char *body,
                       struct owed_buf *err)
{
    struct owed_portal_event e;
    memset(&e, 0, sizeof e);
    e.customer_id = customer_id;
    e.session_id = session_id;
    int rc = owed_org_today(s, org, now, &e.on_date, err);
    if (rc) return rc;
    owed__iso_time(now, e.at);
    snprintf(e.action, sizeof e.action, "%s", action);
    e.invoice_id = invoice_id;
    e.item_id = item_id;
    snprintf(e.ref, sizeof e.ref, "%s", ref ? ref : "");
    snprintf(e.body, sizeof e.body, "%s", body ? body : "");
    return s->ops->portal_event_insert(s, org, &e, err);
}

static int customer_of(struct owed_store *s, int64_t org, const char *ref, int64_t id,
                       struct owed_customer *c, struct owed_buf *err)
{
    int rc = id ? s->ops->customer_get_id(s, org, id, c, err)
                : s->ops->customer_get(s, org, ref ? ref : "", c, err);
    if (rc == OWED_E_NOT_FOUND) {
        if (id) owed_buf_addf(err, "no customer %lld", (long long)id);
        else owed_buf_addf(err, "no customer '%s'", ref ? ref : "");
    }
    return rc;
}

/* ---- links ---- */

int owed__portal_link_in(struct owed_store *s, int64_t org, int64_t customer_id, int days,
                         const char *by, owed_time_ms now, struct owed_portal_link_out *out,
                         struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    if (days == 0) days = OWED_PORTAL_LINK_DAYS;
    if (days < 1 || days > OWED_PORTAL_LINK_DAYS_MAX) {
        owed_buf_addf(err, "a portal link is valid for 1 to %d days, not %d",
                      OWED_PORTAL_LINK_DAYS_MAX, days);
        return OWED_E_INVALID;
    }
    struct owed_customer c;
    struct owed_seller sl;
    unsigned char key[OWED_ORG_KEY_BYTES];
    int rc = customer_of(s, org, NULL, customer_id, &c, err);
    if (!rc) rc = owed_seller_get(s, org, &sl, err);
    if (!rc) rc = owed__org_key(s, org, PORTAL_KEY, true, key, err);
    if (rc) return rc;
    struct owed_portal_link l;
    memset(&l, 0, sizeof l);
    l.customer_id = c.id;
    owed__iso_time(now, l.created_at);
    l.expires_s = now / 1000 + (int64_t)days * 86400;
    snprintf(l.created_by, sizeof l.created_by, "%s", by && *by ? by : "cli");
    rc = s->ops->portal_link_insert(s, org, &l, err);
    if (!rc) {
        char mac[MAC_HEX + 1], base[256];
        link_mac(key, org, &l, mac);
        base_url(&sl, base, sizeof base);
        snprintf(out->url, sizeof out->url, "%s/portal/login/%lld.%lld.%s", base, (long long)org,
                 (long long)l.id, mac);
        out->link_id = l.id;
        out->customer_id = c.id;
        snprintf(out->customer_ref, sizeof out->customer_ref, "%s", c.ref);
        out->expires_s = l.expires_s;
        iso_date_of(l.expires_s, out->expires_at);
    }
    sodium_memzero(key, sizeof key);
    return rc;
}

/* Queues the email that carries a link (template portal_link). */
static int queue_link_mail(struct owed_store *s, int64_t org, const struct owed_customer *c,
                           struct owed_portal_link_out *link, int days, owed_time_ms now,
                           struct owed_buf *err)
{
    struct owed_org_settings set;
    struct owed_profile prof;
    char name[201];
    int rc = s->ops->org_settings_get(s, org, &set, err);
    if (!rc) rc = owed_profile_get(s, org, c->id, &prof, err);
    if (!rc) rc = owed_portal_org_name(s, org, name, sizeof name, err);
    if (rc) return rc;
    if (!set.mail_from[0]) {
        owed_buf_adds(err, "emails need a sender: owed org set --mail-from 'Name <address>'");
        return OWED_E_INVALID;
    }
    if (!c->email[0]) {
        owed_buf_addf(err, "customer %s has no email address", c->ref);
        return OWED_E_INVALID;
    }
    char until[11];
    owed_date_format((owed_date)(link->expires_s / 86400), until);
    json_t *ctx = json_pack("{s:{s:s}, s:{s:s, s:s, s:s}, s:s, s:s, s:i}", "org", "name", name,
                            "customer", "ref", c->ref, "name", c->name, "email", c->email,
                            "portal_url", link->url, "expires_on", until, "days", days);
    struct owed__rendered m = {OWED_BUF_INIT(0), OWED_BUF_INIT(0), OWED_BUF_INIT(0)};
    struct owed_buf mail = OWED_BUF_INIT(0);
    rc = owed__render_message(prof.lang, "portal_link", OWED_CHANNEL_EMAIL, ctx, &m, err);
    json_decref(ctx);
    if (!rc) {
        char from_addr[300], msgid[400], seed[96];
        const char *domain = "owed.invalid";
        if (owed_mail_address(set.mail_from, from_addr, sizeof from_addr) == OWED_OK) {
            const char *at = strrchr(from_addr, '@');
            if (at) domain = at + 1;
        }
        snprintf(msgid, sizeof msgid, "portal-link-%lld.org%lld@%s", (long long)link->link_id,
                 (long long)org, domain);
        snprintf(seed, sizeof seed, "portal-%lld-%lld", (long long)org, (long long)link->link_id);
        struct owed_mail mm = {
            .from = set.mail_from,
            .to = c->email,
            .subject = m.subject.ptr ? m.subject.ptr : "",
            .text = m.text.ptr ? m.text.ptr : "",
            .html = m.html.len ? m.html.ptr : NULL,
            .message_id = msgid,
            .date_unix = now / 1000,
            .boundary_seed = seed,
        };
        rc = owed_mail_compose(&mm, &mail, err);
    }
    if (!rc) {
        struct owed_outbox_msg msg;
        memset(&msg, 0, sizeof msg);
        msg.customer_id = c->id;
        msg.channel = OWED_CHANNEL_EMAIL;
        snprintf(msg.step, sizeof msg.step, "portal-link:%lld", (long long)link->link_id);
        msg.recipient = c->email;
        msg.subject = m.subject.ptr ? m.subject.ptr : "";
        msg.body = mail.ptr;
        msg.status = OWED_MSG_QUEUED;
        msg.next_attempt = now / 1000;
        rc = s->ops->outbox_insert(s, org, &msg, err);
        if (!rc) rc = s->ops->portal_link_sent(s, org, link->link_id, msg.id, err);
        if (!rc) {
            link->message_id = msg.id;
            snprintf(link->sent_to, sizeof link->sent_to, "%s", c->email);
        }
    }
    owed_buf_release(&m.subject);
    owed_buf_release(&m.text);
    owed_buf_release(&m.html);
    owed_buf_release(&mail);
    return rc;
}

/* A link, with its email when send, and the event that says so: inside a transaction. */
static int make_link(struct owed_store *s, int64_t org, const struct owed_customer *c, int days,
                     bool send, const char *by, owed_time_ms now, struct owed_portal_link_out *out,
                     struct owed_buf *err)
{
    int rc = owed__portal_link_in(s, org, c->id, days, by, now, out, err);
    if (!rc && send) rc = queue_link_mail(s, org, c, out, days ? days : OWED_PORTAL_LINK_DAYS,
                                          now, err);
    if (rc) return rc;
    char body[512], until[11];
    owed_date_format((owed_date)(out->expires_s / 86400), until);
    if (send)
        snprintf(body, sizeof body, "portal link #%lld sent to %s (by %s, valid until %s)",
                 (long long)out->link_id, out->sent_to, by && *by ? by : "cli", until);
    else
        snprintf(body, sizeof body, "portal link #%lld made (by %s, valid until %s)",
                 (long long)out->link_id, by && *by ? by : "cli", until);
    return owed__portal_event(s, org, c->id, 0, now, "link", 0, 0, "", body, err);
}

int owed_portal_link_create(struct owed_store *s, int64_t org,
                            const struct owed_portal_link_req *r, owed_time_ms now,
                            struct owed_portal_link_out *out, struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_customer c;
    rc = customer_of(s, org, r->customer_ref, r->customer_id, &c, err);
    if (!rc) rc = make_link(s, org, &c, r->days, r->send, r->by, now, out, err);
    return owed__tx_end(s, rc, err);
}

/* Inside a transaction: the link of a token and its state. *org is set for every state
 * but INVALID. */
static int verify_link(struct owed_store *s, const char *token, owed_time_ms now, int64_t *org,
                       struct owed_portal_link *l, enum owed_portal_link_state *state,
                       struct owed_buf *err)
{
    int64_t nums[2];
    char got[MAC_HEX + 1], want[MAC_HEX + 1];
    *state = OWED_PLINK_INVALID;
    *org = 0;
    if (!parse_signed(token, nums, 2, got)) return OWED_OK;
    unsigned char key[OWED_ORG_KEY_BYTES];
    struct owed_buf ignore = OWED_BUF_INIT(0);
    int rc = owed__org_key(s, nums[0], PORTAL_KEY, false, key, &ignore);
    owed_buf_release(&ignore);
    if (rc == OWED_E_NOT_FOUND) return OWED_OK; /* no such organization, or never a link */
    if (rc) {
        owed_buf_adds(err, "portal key unreadable");
        return rc;
    }
    rc = s->ops->portal_link_get(s, nums[0], nums[1], l, err);
    if (!rc) link_mac(key, nums[0], l, want);
    sodium_memzero(key, sizeof key);
    if (rc == OWED_E_NOT_FOUND) return OWED_OK;
    if (rc) return rc;
    if (!owed__mac_equal(want, got)) return OWED_OK;
    *org = nums[0];
    if (l->revoked) *state = OWED_PLINK_REVOKED;
    else if (l->used_at[0]) *state = OWED_PLINK_USED;
    else if (now / 1000 >= l->expires_s) *state = OWED_PLINK_EXPIRED;
    else *state = OWED_PLINK_VALID;
    return OWED_OK;
}

int owed_portal_link_check(struct owed_store *s, const char *token, owed_time_ms now,
                           struct owed_portal_link_info *out, struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    struct owed_portal_link l;
    rc = verify_link(s, token, now, &out->org, &l, &out->state, err);
    if (!rc && out->state != OWED_PLINK_INVALID) {
        struct owed_customer c;
        out->link_id = l.id;
        iso_date_of(l.expires_s, out->expires_at);
        rc = owed_portal_org_name(s, out->org, out->org_name, sizeof out->org_name, err);
        if (!rc) rc = s->ops->customer_get_id(s, out->org, l.customer_id, &c, err);
        if (!rc && out->state == OWED_PLINK_VALID)
            snprintf(out->customer_name, sizeof out->customer_name, "%s", c.name);
        if (!rc) email_hint(c.email, out->email_hint, sizeof out->email_hint);
    }
    s->ops->read_end(s);
    return rc;
}

static int on_recent_renew(void *ctx, const struct owed_portal_link *l)
{
    int64_t *since = ctx;
    /* A renewed link is valid OWED_PORTAL_LINK_DAYS from when it was made. */
    if (!strcmp(l->created_by, "renew") &&
        l->expires_s - (int64_t)OWED_PORTAL_LINK_DAYS * 86400 > *since)
        return OWED_E_EXISTS;
    return OWED_OK;
}

int owed_portal_link_renew(struct owed_store *s, const char *token, owed_time_ms now,
                           bool *sent, struct owed_buf *err)
{
    *sent = false;
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    int64_t org;
    struct owed_portal_link l;
    enum owed_portal_link_state state;
    rc = verify_link(s, token, now, &org, &l, &state, err);
    if (!rc && state == OWED_PLINK_INVALID) {
        owed_buf_adds(err, "this link is not valid");
        rc = OWED_E_DENIED;
    }
    struct owed_customer c;
    if (!rc) rc = s->ops->customer_get_id(s, org, l.customer_id, &c, err);
    int64_t since = now / 1000 - OWED_PORTAL_RENEW_S;
    bool recent = false;
    if (!rc) {
        rc = s->ops->portal_links_each(s, org, c.id, on_recent_renew, &since, err);
        if (rc == OWED_E_EXISTS) {
            recent = true;
            rc = OWED_OK;
        }
    }
    /* Revoked access stays revoked, and only an address on file gets a link. */
    if (!rc && !recent && state != OWED_PLINK_REVOKED && state != OWED_PLINK_VALID &&
        c.email[0]) {
        struct owed_portal_link_out out;
        struct owed_org_settings set;
        rc = s->ops->org_settings_get(s, org, &set, err);
        if (!rc && set.mail_from[0]) {
            rc = make_link(s, org, &c, 0, true, "renew", now, &out, err);
            *sent = rc == OWED_OK;
        }
    }
    return owed__tx_end(s, rc, err);
}

struct links_ctx {
    json_t *arr;
    int64_t now_s;
};

static int on_link_view(void *ctx, const struct owed_portal_link *l)
{
    struct links_ctx *c = ctx;
    enum owed_portal_link_state st = l->revoked      ? OWED_PLINK_REVOKED
                                     : l->used_at[0] ? OWED_PLINK_USED
                                     : c->now_s >= l->expires_s ? OWED_PLINK_EXPIRED
                                                                : OWED_PLINK_VALID;
    char expires[32];
    iso_date_of(l->expires_s, expires);
    json_array_append_new(c->arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:o}", "id",
                                            (json_int_t)l->id, "state",
                                            owed_portal_link_state_name(st), "created_at",
                                            l->created_at, "expires_at", expires, "used_at",
                                            l->used_at[0] ? json_string(l->used_at) : json_null(),
                                            "created_by", l->created_by, "message_id",
                                            l->message_id ? json_integer(l->message_id)
                                                          : json_null()));
    return OWED_OK;
}

int owed_portal_links_view(struct owed_store *s, int64_t org, const char *customer_ref,
                           owed_time_ms now, json_t **out, struct owed_buf *err)
{
    struct owed_customer c;
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    rc = customer_of(s, org, customer_ref, 0, &c, err);
    struct links_ctx lc = {json_array(), now / 1000};
    if (!rc) rc = s->ops->portal_links_each(s, org, c.id, on_link_view, &lc, err);
    s->ops->read_end(s);
    if (rc) json_decref(lc.arr);
    else *out = lc.arr;
    return rc;
}

int owed_portal_revoke(struct owed_store *s, int64_t org, const char *customer_ref,
                       owed_time_ms now, int64_t *n, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_customer c;
    rc = customer_of(s, org, customer_ref, 0, &c, err);
    if (!rc) rc = s->ops->portal_revoke(s, org, c.id, n, err);
    if (!rc)
        rc = owed__portal_event(s, org, c.id, 0, now, "revoke", 0, 0, "",
                                "portal access revoked: unused links and open sessions", err);
    return owed__tx_end(s, rc, err);
}

/* ---- sessions ---- */

/* Fills the session's customer, cookie and form token. */
static int session_fill(struct owed_store *s, const unsigned char key[OWED_ORG_KEY_BYTES],
                        struct owed_portal_session *ps, struct owed_buf *err)
{
    struct owed_customer c;
    int rc = s->ops->customer_get_id(s, ps->org, ps->customer_id, &c, err);
    if (rc) return rc;
    snprintf(ps->customer_ref, sizeof ps->customer_ref, "%s", c.ref);
    snprintf(ps->customer_name, sizeof ps->customer_name, "%s", c.name);
    char mac[MAC_HEX + 1];
    session_mac(key, ps->org, ps->session_id, ps->customer_id, ps->expires_s, mac);
    snprintf(ps->cookie, sizeof ps->cookie, "%lld.%lld.%lld.%lld.%s", (long long)ps->org,
             (long long)ps->session_id, (long long)ps->customer_id, (long long)ps->expires_s,
             mac);
    csrf_token(key, ps->org, ps->session_id, ps->csrf);
    return OWED_OK;
}

int owed_portal_login(struct owed_store *s, const char *token, owed_time_ms now,
                      struct owed_portal_session *out, struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    int64_t org;
    struct owed_portal_link l;
    enum owed_portal_link_state state;
    rc = verify_link(s, token, now, &org, &l, &state, err);
    if (!rc && state != OWED_PLINK_VALID) {
        owed_buf_adds(err, state == OWED_PLINK_EXPIRED ? "this link has expired"
                           : state == OWED_PLINK_USED  ? "this link was already used"
                           : state == OWED_PLINK_REVOKED ? "this link was withdrawn"
                                                         : "this link is not valid");
        rc = OWED_E_DENIED;
    }
    char at[32];
    owed__iso_time(now, at);
    if (!rc) {
        rc = s->ops->portal_link_use(s, org, l.id, at, err);
        if (rc == OWED_E_EXISTS) { /* used at this very moment by another request */
            owed_buf_adds(err, "this link was already used");
            rc = OWED_E_DENIED;
        }
    }
    struct owed_portal_session_rec row;
    memset(&row, 0, sizeof row);
    if (!rc) {
        row.customer_id = l.customer_id;
        row.link_id = l.id;
        snprintf(row.created_at, sizeof row.created_at, "%s", at);
        row.expires_s = now / 1000 + OWED_PORTAL_SESSION_S;
        rc = s->ops->portal_session_insert(s, org, &row, err);
    }
    if (!rc) {
        char body[96];
        snprintf(body, sizeof body, "signed in to the portal (link #%lld)", (long long)l.id);
        rc = owed__portal_event(s, org, l.customer_id, row.id, now, "login", 0, 0, "", body, err);
    }
    unsigned char key[OWED_ORG_KEY_BYTES];
    if (!rc) rc = owed__org_key(s, org, PORTAL_KEY, false, key, err);
    if (!rc) {
        out->org = org;
        out->customer_id = row.customer_id;
        out->session_id = row.id;
        out->expires_s = row.expires_s;
        rc = session_fill(s, key, out, err);
        sodium_memzero(key, sizeof key);
    }
    return owed__tx_end(s, rc, err);
}

static int denied(struct owed_buf *err, const char *why)
{
    owed_buf_adds(err, why);
    return OWED_E_DENIED;
}

int owed_portal_session_check(struct owed_store *s, const char *cookie, owed_time_ms now,
                              struct owed_portal_session *out, struct owed_buf *err)
{
    memset(out, 0, sizeof *out);
    int64_t nums[4];
    char got[MAC_HEX + 1], want[MAC_HEX + 1];
    if (!parse_signed(cookie, nums, 4, got)) return denied(err, "not signed in");
    if (now / 1000 >= nums[3]) return denied(err, "the session has expired");
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    unsigned char key[OWED_ORG_KEY_BYTES];
    struct owed_buf ignore = OWED_BUF_INIT(0);
    rc = owed__org_key(s, nums[0], PORTAL_KEY, false, key, &ignore);
    owed_buf_release(&ignore);
    if (rc == OWED_E_NOT_FOUND) rc = denied(err, "not signed in");
    if (!rc) {
        session_mac(key, nums[0], nums[1], nums[2], nums[3], want);
        if (!owed__mac_equal(want, got)) rc = denied(err, "not signed in");
    }
    struct owed_portal_session_rec row;
    if (!rc) {
        rc = s->ops->portal_session_get(s, nums[0], nums[1], &row, err);
        if (rc == OWED_E_NOT_FOUND) rc = denied(err, "not signed in");
    }
    if (!rc && (row.ended || row.customer_id != nums[2] || row.expires_s != nums[3]))
        rc = denied(err, row.ended ? "the session has ended" : "not signed in");
    if (!rc) {
        out->org = nums[0];
        out->session_id = nums[1];
        out->customer_id = nums[2];
        out->expires_s = nums[3];
        rc = session_fill(s, key, out, err);
        if (rc == OWED_E_NOT_FOUND) rc = denied(err, "not signed in");
    }
    sodium_memzero(key, sizeof key);
    s->ops->read_end(s);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

bool owed_portal_csrf_ok(const struct owed_portal_session *ps, const char *token)
{
    return ps->csrf[0] && owed__mac_equal(ps->csrf, token);
}

int owed_portal_logout(struct owed_store *s, const struct owed_portal_session *ps,
                       owed_time_ms now, struct owed_buf *err)
{
    (void)now;
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->portal_session_end(s, ps->org, ps->session_id, err);
    return owed__tx_end(s, rc, err);
}

/* ---- feedback ---- */

int owed_portal_feedback(struct owed_store *s, const struct owed_portal_session *ps, int rating,
                         const char *comment, owed_time_ms now, struct owed_buf *err)
{
    if (rating < 1 || rating > 5) {
        owed_buf_adds(err, "rating: choose 1 to 5 stars");
        return OWED_E_INVALID;
    }
    comment = comment ? comment : "";
    struct owed_portal_feedback f;
    memset(&f, 0, sizeof f);
    if (strlen(comment) >= sizeof f.comment) {
        owed_buf_addf(err, "comment: at most %zu characters", sizeof f.comment - 1);
        return OWED_E_INVALID;
    }
    f.customer_id = ps->customer_id;
    f.session_id = ps->session_id;
    f.rating = rating;
    snprintf(f.comment, sizeof f.comment, "%s", comment);
    owed__iso_time(now, f.created_at);
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->portal_feedback_insert(s, ps->org, &f, err);
    if (!rc) {
        char body[512];
        snprintf(body, sizeof body, "feedback %d/5%s%.400s", rating, comment[0] ? ": " : "",
                 comment);
        char *nl = strchr(body, '\n');
        if (nl) *nl = '\0';
        char ref[32];
        snprintf(ref, sizeof ref, "feedback:%lld", (long long)f.id);
        rc = owed__portal_event(s, ps->org, ps->customer_id, ps->session_id, now, "feedback", 0,
                                0, ref, body, err);
    }
    return owed__tx_end(s, rc, err);
}

struct fb_rows {
    struct owed_portal_feedback *v;
    size_t n, cap;
};

static int on_feedback(void *ctx, const struct owed_portal_feedback *f)
{
    struct fb_rows *r = ctx;
    OWED_ALLOC_GROW(r->v, r->n + 1, r->cap);
    r->v[r->n++] = *f;
    return OWED_OK;
}

int owed_portal_feedback_view(struct owed_store *s, int64_t org, const char *customer_ref,
                              json_t **out, struct owed_buf *err)
{
    int rc = s->ops->read_begin(s, err);
    if (rc) return rc;
    struct owed_customer c;
    memset(&c, 0, sizeof c);
    if (customer_ref) rc = customer_of(s, org, customer_ref, 0, &c, err);
    struct fb_rows rows = {0};
    if (!rc) rc = s->ops->portal_feedback_each(s, org, c.id, on_feedback, &rows, err);
    json_t *arr = json_array();
    for (size_t i = 0; !rc && i < rows.n; i++) {
        const struct owed_portal_feedback *f = &rows.v[i];
        struct owed_customer fc;
        if (f->customer_id != c.id) rc = s->ops->customer_get_id(s, org, f->customer_id, &fc, err);
        else fc = c;
        if (!rc)
            json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:s}", "id",
                                                 (json_int_t)f->id, "customer_id",
                                                 (json_int_t)f->customer_id, "customer_ref",
                                                 fc.ref, "customer_name", fc.name, "rating",
                                                 f->rating, "comment", f->comment, "created_at",
                                                 f->created_at));
    }
    free(rows.v);
    s->ops->read_end(s);
    if (rc) json_decref(arr);
    else *out = arr;
    return rc;
}

/* ---- settings ---- */

#define SETTINGS_KEY "portal"

static void settings_defaults(struct owed_portal_settings *set)
{
    set->plans = false;
    set->max_installments = 3;
    set->max_days = 30;
    set->every_days = 30;
}

static int settings_check(const struct owed_portal_settings *set, struct owed_buf *err)
{
    if (set->max_installments < 2 || set->max_installments > OWED_PORTAL_PLAN_INSTALLMENTS_MAX) {
        owed_buf_addf(err, "max_installments: from 2 to %d, not %d",
                      OWED_PORTAL_PLAN_INSTALLMENTS_MAX, set->max_installments);
        return OWED_E_INVALID;
    }
    if (set->max_days < 0 || set->max_days > OWED_PORTAL_PLAN_DAYS_MAX) {
        owed_buf_addf(err, "max_days: from 0 to %d, not %d", OWED_PORTAL_PLAN_DAYS_MAX,
                      set->max_days);
        return OWED_E_INVALID;
    }
    if (set->every_days < 1 || set->every_days > 366) {
        owed_buf_addf(err, "every_days: from 1 to 366, not %d", set->every_days);
        return OWED_E_INVALID;
    }
    return OWED_OK;
}

json_t *owed_portal_settings_json(const struct owed_portal_settings *set)
{
    return json_pack("{s:{s:b, s:i, s:i, s:i}}", "plans", "allowed", set->plans,
                     "max_installments", set->max_installments, "max_days", set->max_days,
                     "every_days", set->every_days);
}

/* An integer member of o into *dst when it is there. */
static bool settings_int(const json_t *o, const char *k, int *dst)
{
    const json_t *v = json_object_get(o, k);
    if (!v) return true;
    if (!json_is_integer(v) || json_integer_value(v) < -1000000 ||
        json_integer_value(v) > 1000000)
        return false;
    *dst = (int)json_integer_value(v);
    return true;
}

int owed_portal_settings_get(struct owed_store *s, int64_t org, struct owed_portal_settings *out,
                             struct owed_buf *err)
{
    settings_defaults(out);
    struct owed_buf js = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = s->ops->orgdoc_get(s, org, SETTINGS_KEY, &js, err);
    if (rc == OWED_E_NOT_FOUND) {
        owed_buf_release(&js);
        return OWED_OK;
    }
    json_t *j = rc ? NULL : json_loads(js.ptr ? js.ptr : "", 0, NULL);
    owed_buf_release(&js);
    if (rc) return rc;
    const json_t *p = json_object_get(j, "plans");
    bool ok = j && json_is_object(j) && (!p || json_is_object(p));
    if (ok && p) {
        const json_t *a = json_object_get(p, "allowed");
        if (a && !json_is_boolean(a)) ok = false;
        else out->plans = json_is_true(a);
        ok = ok && settings_int(p, "max_installments", &out->max_installments) &&
             settings_int(p, "max_days", &out->max_days) &&
             settings_int(p, "every_days", &out->every_days);
    }
    json_decref(j);
    struct owed_buf ignore = OWED_BUF_INIT(0);
    if (ok) ok = settings_check(out, &ignore) == OWED_OK;
    owed_buf_release(&ignore);
    if (!ok) {
        settings_defaults(out); /* never offer plans on settings one cannot read */
        owed_buf_adds(err, "portal settings: stored JSON unreadable");
        return OWED_E_STORE;
    }
    return OWED_OK;
}

int owed_portal_settings_set(struct owed_store *s, int64_t org,
                             const struct owed_portal_settings_change *ch,
                             struct owed_portal_settings *out, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    rc = owed_portal_settings_get(s, org, out, err);
    if (!rc) {
        if (ch->plans >= 0) out->plans = ch->plans != 0;
        if (ch->max_installments) out->max_installments = ch->max_installments;
        if (ch->max_days_set) out->max_days = ch->max_days;
        if (ch->every_days) out->every_days = ch->every_days;
        rc = settings_check(out, err);
    }
    if (!rc) {
        json_t *j = owed_portal_settings_json(out);
        char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j);
        rc = s->ops->orgdoc_put(s, org, SETTINGS_KEY, text, err);
        free(text);
    }
    return owed__tx_end(s, rc, err);
}
