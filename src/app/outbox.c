/* `owed outbox send`: delivers the messages a dunning run queued, each at most once, even
 * when the sender is killed at any moment (docs/dunning.md "Delivery").
 *
 * Each message goes through these states, each change committed before the next step:
 *   queued    --claim-->  sending    (attempts + 1; the claim is a lease: next_attempt =
 *                                     now + lease, after which another sender may take a
 *                                     message whose sender died)
 *   sending   --just before the SMTP end-of-data marker-->  uncertain
 *   uncertain --250 from the server-->  sent
 * A sender killed while a message is `sending` never sent the end of data, so the server
 * discarded it: once the lease has run out it goes back to `queued` and is sent again. A
 * sender killed while a message is `uncertain` may or may not have delivered it; the
 * outbox presumes it delivered and never resends it by itself (`owed outbox retry ID`
 * lets a person do so). So no message is ever delivered twice, and one is lost only if the
 * sender dies in the instant between that commit and writing five bytes to the socket.
 *
 * SMS carry an idempotency key (owed-ORG-ID), so the gateway drops a repeat and a retry is
 * always safe. Webhook events carry their event id (Owed-Event-Id) for the same purpose,
 * and a signature made at each attempt with the subscriber's current secret
 * (docs/webhooks.md). Letters and agency placements are files written atomically under a name of
 * their own (letter-ID.pdf, rendered by app/letter_pdf.c as of the run's date, and
 * placement-ID.csv): writing one again changes nothing. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/app.h"
#include "app/files.h"
#include "app/letters.h"
#include "base.h"
#include "core/dunning.h"
#include "io/mail.h"
#include "io/sms.h"
#include "io/smtp.h"
#include "io/webhook.h"

enum { MAX_ATTEMPTS = 8, STOP = -1 };

/* Retry after 1, 5, 15, 60 minutes, then every 4 hours; failed after MAX_ATTEMPTS. */
static int64_t backoff_seconds(int attempts)
{
    static const int64_t steps[] = {60, 300, 900, 3600};
    return attempts - 1 < (int)OWED_ARRAY_LEN(steps) ? steps[attempts > 0 ? attempts - 1 : 0]
                                                     : 4 * 3600;
}

struct msg {
    struct owed_outbox_msg m; /* recipient, subject, body point at the copies below */
    char *recipient, *subject, *body;
};

static int copy_first(void *ctx, const struct owed_outbox_msg *m)
{
    struct msg *out = ctx;
    out->m = *m;
    out->recipient = owed_xstrdup(m->recipient ? m->recipient : "");
    out->subject = owed_xstrdup(m->subject ? m->subject : "");
    out->body = owed_xstrdup(m->body ? m->body : "");
    out->m.recipient = out->recipient;
    out->m.subject = out->subject;
    out->m.body = out->body;
    return STOP;
}

static void msg_release(struct msg *m)
{
    free(m->recipient);
    free(m->subject);
    free(m->body);
    memset(m, 0, sizeof *m);
}

static void stamp(char out[32], owed_time_ms now)
{
    char d[11];
    owed_date_format(owed_date_from_time(now), d);
    long long secs = (now / 1000) % 86400;
    snprintf(out, 32, "%sT%02lld:%02lld:%02lldZ", d, secs / 3600, secs / 60 % 60, secs % 60);
}

/* Changes one message's delivery state in a transaction of its own. */
static int update_tx(struct owed_store *s, int64_t org, const struct owed_outbox_msg *m,
                     bool relaxed, struct owed_buf *err)
{
    int rc = relaxed ? s->ops->begin_relaxed(s, err) : s->ops->begin(s, err);
    if (rc) return rc;
    rc = s->ops->outbox_update(s, org, m, err);
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

static int update(struct owed_store *s, int64_t org, const struct owed_outbox_msg *m,
                  struct owed_buf *err)
{
    return update_tx(s, org, m, false, err);
}

/* Claims the next queued message that is due: status sending under a lease. */
static int claim(struct owed_store *s, int64_t org, int64_t now_s, int64_t lease,
                 struct msg *out, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc) return rc;
    struct owed_outbox_filter f = {.status = OWED_MSG_QUEUED, .due_by = now_s};
    rc = s->ops->outbox_each(s, org, &f, copy_first, out, err);
    if (rc == OWED_OK) rc = OWED_E_NOT_FOUND; /* nothing due */
    if (rc == STOP) {
        out->m.status = OWED_MSG_SENDING;
        out->m.attempts++;
        out->m.next_attempt = now_s + lease;
        rc = s->ops->outbox_update(s, org, &out->m, err);
    }
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

struct expired {
    int64_t *ids;
    size_t n, cap;
    int64_t now_s;
};

static int on_sending(void *ctx, const struct owed_outbox_msg *m)
{
    struct expired *e = ctx;
    if (m->next_attempt > e->now_s) return OWED_OK; /* its sender may still be at work */
    OWED_ALLOC_GROW(e->ids, e->n + 1, e->cap);
    e->ids[e->n++] = m->id;
    return OWED_OK;
}

/* Messages left `sending` by a sender that died, whose lease ran out, go back to queued:
 * their end of data was never sent. */
static int requeue_expired(struct owed_store *s, int64_t org, int64_t now_s, size_t *count,
                           struct owed_buf *err)
{
    struct expired e = {.now_s = now_s};
    struct owed_outbox_filter f = {.status = OWED_MSG_SENDING};
    int rc = s->ops->outbox_each(s, org, &f, on_sending, &e, err);
    for (size_t i = 0; !rc && i < e.n; i++) {
        struct msg m;
        memset(&m, 0, sizeof m);
        struct owed_outbox_filter one = {.id = e.ids[i], .status = OWED_MSG_SENDING};
        rc = s->ops->outbox_each(s, org, &one, copy_first, &m, err);
        if (rc == STOP) {
            m.m.status = OWED_MSG_QUEUED;
            m.m.next_attempt = now_s;
            snprintf(m.m.last_error, sizeof m.m.last_error, "%s",
                     "requeued: its sender stopped before the end of data");
            rc = update(s, org, &m.m, err);
            (*count)++;
        }
        msg_release(&m);
    }
    free(e.ids);
    return rc;
}

struct eod_ctx {
    struct owed_store *s;
    int64_t org;
    struct owed_outbox_msg *m;
    bool marked;
};

/* Just before the end-of-data marker: from here the server may have the message. The
 * marker only has to outlive this process, not a power loss, so it is committed without
 * an fsync: that keeps the moment between the commit and the marker going out (when a
 * kill loses the message) to microseconds instead of an fsync's milliseconds. */
static int mark_uncertain(void *ctx)
{
    struct eod_ctx *c = ctx;
    c->m->status = OWED_MSG_UNCERTAIN;
    if (update_tx(c->s, c->org, c->m, true, NULL) != OWED_OK) {
        c->m->status = OWED_MSG_SENDING;
        return 1; /* abort: nothing is delivered, the message stays claimed */
    }
    c->marked = true;
    return 0;
}

static int ensure_dir(const char *path, struct owed_buf *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST) goto fail;
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST) goto fail;
    return OWED_OK;
fail:
    owed_buf_addf(err, "%s: %s", tmp, strerror(errno));
    return OWED_E_IO;
}

/* A letter as PDF (letters/letter-ID.pdf) or an agency placement as CSV
 * (agency/placement-ID.csv). A letter that cannot be rendered for want of a font file or
 * of the database is retried; one the renderer refuses fails. */
static enum owed_send_result deliver_file(struct owed_store *s, int64_t org,
                                          const struct owed_org_settings *set,
                                          const struct owed_outbox_msg *m, struct owed_buf *err)
{
    bool letter = m->channel == OWED_CHANNEL_LETTER;
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/%s", set->out_dir[0] ? set->out_dir : "owed-out",
             letter ? "letters" : "agency");
    snprintf(path, sizeof path, "%s/%s-%lld.%s", dir, letter ? "letter" : "placement",
             (long long)m->id, letter ? "pdf" : "csv");
    struct owed_buf pdf = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = letter ? owed__letter_pdf(s, org, set, m, &pdf, err) : OWED_OK;
    enum owed_send_result r = OWED_SEND_OK;
    if (rc)
        r = rc == OWED_E_IO || rc == OWED_E_STORE ? OWED_SEND_RETRY : OWED_SEND_FAILED;
    else if (ensure_dir(dir, err))
        r = OWED_SEND_RETRY;
    else if (letter ? owed__write_file_atomic(path, pdf.ptr, pdf.len, err)
                    : owed__write_file_atomic(path, m->body, strlen(m->body), err))
        r = OWED_SEND_RETRY;
    owed_buf_release(&pdf);
    return r;
}

/* An event to its subscriber (step "webhook:ID"), signed now with the subscriber's secret.
 * A subscriber deleted, disabled or moved to another URL since the event was queued gets
 * nothing: the message fails. */
static enum owed_send_result deliver_webhook(struct owed_store *s, int64_t org,
                                             const struct owed_outbox_msg *m, int64_t now_s,
                                             struct owed_buf *err)
{
    long long id = 0;
    int used = 0;
    if (sscanf(m->step, "webhook:%lld%n", &id, &used) != 1 || m->step[used] != '\0') {
        owed_buf_addf(err, "'%s' names no webhook", m->step);
        return OWED_SEND_FAILED;
    }
    struct owed_webhook w;
    struct owed_buf why = OWED_BUF_INIT(0);
    int rc = s->ops->webhook_get(s, org, (int64_t)id, &w, &why);
    enum owed_send_result r = OWED_SEND_FAILED;
    if (rc == OWED_E_NOT_FOUND || (!rc && strcmp(w.url, m->recipient) != 0)) {
        owed_buf_addf(err, "webhook %lld was deleted or has another URL now", id);
    } else if (rc) {
        owed_buf_addf(err, "webhook %lld: %s", id, why.ptr);
        r = OWED_SEND_RETRY;
    } else if (!w.active) {
        owed_buf_addf(err, "webhook %lld is disabled", id);
    } else {
        json_t *env = json_loads(m->body, 0, NULL);
        const char *event_id = json_string_value(json_object_get(env, "id"));
        size_t len = strlen(m->body);
        char sig[OWED_SIG_HEADER_CAP];
        owed_sig_header(w.secret, now_s, m->body, len, sig);
        r = owed_webhook_post(m->recipient, m->body, len, event_id ? event_id : "", sig, 30000,
                              err);
        json_decref(env);
    }
    sodium_memzero(w.secret, sizeof w.secret);
    owed_buf_release(&why);
    return r;
}

static enum owed_send_result deliver(struct owed_store *s, int64_t org,
                                     const struct owed_org_settings *set, struct msg *msg,
                                     int64_t now_s, bool *uncertain, struct owed_buf *err)
{
    struct owed_outbox_msg *m = &msg->m;
    switch ((enum owed_channel)m->channel) {
    case OWED_CHANNEL_EMAIL: {
        if (!set->smtp_url[0]) {
            owed_buf_adds(err, "no SMTP server: owed org set --smtp-url smtp://host:port");
            return OWED_SEND_RETRY;
        }
        char from[300], to[300];
        if (owed_mail_address(set->mail_from, from, sizeof from) ||
            owed_mail_address(m->recipient, to, sizeof to)) {
            owed_buf_addf(err, "'%s' is not an email address", m->recipient);
            return OWED_SEND_FAILED;
        }
        struct owed_smtp_conf conf = {.url = set->smtp_url, .timeout_ms = 60000};
        const char *rcpt[1] = {to};
        struct eod_ctx ctx = {s, org, m, false};
        enum owed_send_result r = owed_smtp_send(&conf, from, rcpt, 1, m->body, strlen(m->body),
                                                 mark_uncertain, &ctx, err);
        *uncertain = ctx.marked;
        return r;
    }
    case OWED_CHANNEL_SMS: {
        if (!set->sms_url[0]) {
            owed_buf_adds(err, "no SMS gateway: owed org set --sms-url https://...");
            return OWED_SEND_RETRY;
        }
        char key[64];
        snprintf(key, sizeof key, "owed-%lld-%lld", (long long)org, (long long)m->id);
        return owed_sms_post(set->sms_url, m->recipient, m->body, key, 30000, err);
    }
    case OWED_CHANNEL_LETTER:
    case OWED_CHANNEL_AGENCY:
        return deliver_file(s, org, set, m, err);
    case OWED_CHANNEL_WEBHOOK:
        return deliver_webhook(s, org, m, now_s, err);
    case OWED_CHANNEL_CALL:
    default:
        return OWED_SEND_OK; /* calls went to the task list when the run queued them */
    }
}

int owed_outbox_send(struct owed_store *s, int64_t org, owed_time_ms now, int64_t lease_s,
                     size_t limit, struct owed_send_stats *st, struct owed_buf *out,
                     struct owed_buf *err)
{
    memset(st, 0, sizeof *st);
    struct owed_org_settings set;
    int rc = s->ops->org_settings_get(s, org, &set, err);
    int64_t now_s = now / 1000;
    if (!rc) rc = requeue_expired(s, org, now_s, &st->requeued, err);
    while (!rc && (!limit || st->sent + st->retry + st->failed + st->uncertain < limit)) {
        struct msg msg;
        memset(&msg, 0, sizeof msg);
        rc = claim(s, org, now_s, lease_s, &msg, err);
        if (rc == OWED_E_NOT_FOUND) {
            rc = OWED_OK;
            break;
        }
        if (rc) break;
        struct owed_buf why = OWED_BUF_INIT(0);
        bool uncertain = false;
        enum owed_send_result r = deliver(s, org, &set, &msg, now_s, &uncertain, &why);
        struct owed_outbox_msg *m = &msg.m;
        snprintf(m->last_error, sizeof m->last_error, "%s", why.ptr ? why.ptr : "");
        if (r == OWED_SEND_OK) {
            m->status = OWED_MSG_SENT;
            stamp(m->sent_at, now);
            m->last_error[0] = '\0';
            st->sent++;
        } else if (uncertain && r == OWED_SEND_RETRY) {
            m->status = OWED_MSG_UNCERTAIN; /* the end of data went out: presume delivered */
            st->uncertain++;
        } else if (r == OWED_SEND_RETRY && m->attempts < MAX_ATTEMPTS) {
            m->status = OWED_MSG_QUEUED;
            m->next_attempt = now_s + backoff_seconds(m->attempts);
            st->retry++;
        } else {
            m->status = OWED_MSG_FAILED;
            st->failed++;
        }
        if (r != OWED_SEND_OK)
            owed_buf_addf(out, "message %lld to %s: %s%s\n", (long long)m->id, m->recipient,
                          m->last_error, m->status == OWED_MSG_QUEUED ? " (will retry)" : "");
        rc = update(s, org, m, err);
        owed_buf_release(&why);
        msg_release(&msg);
    }
    if (!rc)
        owed_buf_addf(out, "sent %zu, to retry %zu, failed %zu, uncertain %zu, requeued %zu\n",
                      st->sent, st->retry, st->failed, st->uncertain, st->requeued);
    return rc;
}

/* ---- listing and manual actions ---- */

struct lister {
    struct owed_buf *out;
    enum owed_format fmt;
    bool first;
    int64_t show_id;
};

static int on_list(void *ctx, const struct owed_outbox_msg *m)
{
    struct lister *l = ctx;
    if (l->show_id) {
        owed_buf_addf(l->out, "message %lld  %s  %s  %s  attempts %d\nto: %s\nsubject: %s\n%s%s\n",
                      (long long)m->id, owed_channel_name((enum owed_channel)m->channel), m->step,
                      owed_msg_status_name(m->status), m->attempts, m->recipient, m->subject,
                      m->last_error[0] ? "last error: " : "", m->last_error);
        owed_buf_adds(l->out, m->body);
        return OWED_OK;
    }
    owed_buf_addf(l->out, "%-6lld %-7s %-10s %-10s %3d  %-32.32s  %s\n", (long long)m->id,
                  owed_channel_name((enum owed_channel)m->channel), m->step,
                  owed_msg_status_name(m->status), m->attempts, m->recipient, m->subject);
    return OWED_OK;
}

int owed_outbox_list(struct owed_store *s, int64_t org, enum owed_msg_status status,
                     int64_t id, struct owed_buf *out, struct owed_buf *err)
{
    struct lister l = {.out = out, .first = true, .show_id = id};
    struct owed_outbox_filter f = {.status = status, .id = id};
    if (!id)
        owed_buf_addf(out, "%-6s %-7s %-10s %-10s %3s  %-32s  %s\n", "ID", "Channel", "Step",
                      "Status", "Try", "Recipient", "Subject");
    size_t before = out->len;
    int rc = s->ops->outbox_each(s, org, &f, on_list, &l, err);
    if (!rc && id && out->len == before) {
        owed_buf_addf(err, "no message %lld", (long long)id);
        rc = OWED_E_NOT_FOUND;
    }
    return rc;
}

/* A person's decision about an uncertain or failed message: send it again, or record it
 * as sent (after checking with the recipient). */
int owed_outbox_resolve(struct owed_store *s, int64_t org, int64_t id, bool resend,
                        owed_time_ms now, struct owed_buf *err)
{
    struct msg m;
    memset(&m, 0, sizeof m);
    struct owed_outbox_filter f = {.id = id};
    int rc = s->ops->outbox_each(s, org, &f, copy_first, &m, err);
    if (rc == OWED_OK) {
        owed_buf_addf(err, "no message %lld", (long long)id);
        return OWED_E_NOT_FOUND;
    }
    if (rc != STOP) return rc;
    rc = OWED_OK;
    if (m.m.status != OWED_MSG_UNCERTAIN && m.m.status != OWED_MSG_FAILED) {
        owed_buf_addf(err, "message %lld is %s: only uncertain or failed messages are resolved by hand",
                      (long long)id, owed_msg_status_name(m.m.status));
        rc = OWED_E_INVALID;
    } else if (resend) {
        m.m.status = OWED_MSG_QUEUED;
        m.m.next_attempt = now / 1000;
        m.m.attempts = 0;
    } else {
        m.m.status = OWED_MSG_SENT;
        stamp(m.m.sent_at, now);
    }
    if (!rc) rc = update(s, org, &m.m, err);
    msg_release(&m);
    return rc;
}
