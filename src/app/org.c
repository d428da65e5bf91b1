/* The organization's settings (`owed org show|set`) and its local date. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/app.h"
#include "app/files.h"
#include "base.h"
#include "io/holidays.h"
#include "io/mail.h"

static bool has_prefix(const char *s, const char *const *prefixes)
{
    for (; *prefixes; prefixes++)
        if (!strncmp(s, *prefixes, strlen(*prefixes))) return true;
    return false;
}

/* A time zone is an IANA name with a zone file in the system's zoneinfo (Debian's
 * tzdata). A directory ("America") or one of the tables there ("zone.tab") is no zone:
 * localtime would quietly fall back to UTC. Zone files begin with the magic "TZif". */
static bool timezone_known(const char *tz)
{
    if (!strcmp(tz, "UTC")) return true;
    if (!*tz || tz[0] == '/' || strstr(tz, "..")) return false;
    char path[300], magic[4];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool zone = fread(magic, 1, sizeof magic, f) == sizeof magic && !memcmp(magic, "TZif", 4);
    fclose(f);
    return zone;
}

static int check(const struct owed_org_changes *ch, struct owed_buf *err)
{
    static const char *const smtp[] = {"smtp://", "smtps://", NULL};
    static const char *const http[] = {"http://", "https://", NULL};
    if (ch->timezone && !timezone_known(ch->timezone)) {
        owed_buf_addf(err, "timezone '%s' is not an IANA time zone (e.g. Europe/Berlin)", ch->timezone);
        return OWED_E_INVALID;
    }
    if (ch->calendar && *ch->calendar) {
        char path[4096];
        owed__data_path("calendars", ch->calendar, ".json", path, sizeof path);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            owed_buf_addf(err, "calendar '%s' is neither a name from data/calendars (DE, GB, ...) "
                               "nor a path to a JSON calendar", ch->calendar);
            return OWED_E_INVALID;
        }
        owed_date *dates = NULL;
        size_t n = 0;
        int rc = owed_holidays_load(path, &dates, &n, err);
        free(dates);
        if (rc) return rc;
    }
    char addr[300];
    if (ch->mail_from && *ch->mail_from && owed_mail_address(ch->mail_from, addr, sizeof addr)) {
        owed_buf_addf(err, "mail-from '%s' is not an address like 'Name <ar@example.com>'", ch->mail_from);
        return OWED_E_INVALID;
    }
    if (ch->smtp_url && *ch->smtp_url && !has_prefix(ch->smtp_url, smtp)) {
        owed_buf_addf(err, "smtp-url '%s' must start with smtp:// or smtps://", ch->smtp_url);
        return OWED_E_INVALID;
    }
    if (ch->sms_url && *ch->sms_url && !has_prefix(ch->sms_url, http)) {
        owed_buf_addf(err, "sms-url '%s' must start with http:// or https://", ch->sms_url);
        return OWED_E_INVALID;
    }
    if (ch->pay_url && *ch->pay_url && !has_prefix(ch->pay_url, http)) {
        owed_buf_addf(err, "pay-url '%s' must start with http:// or https://", ch->pay_url);
        return OWED_E_INVALID;
    }
    if (ch->gateway_secret) { /* never repeated in a message */
        size_t n = strlen(ch->gateway_secret);
        bool printable = true;
        for (size_t i = 0; i < n; i++)
            printable &= (unsigned char)ch->gateway_secret[i] > ' ' &&
                         (unsigned char)ch->gateway_secret[i] < 0x7f;
        if (!printable || (n && n < 16)) {
            owed_buf_adds(err, "gateway-secret must be 16 or more printable characters without "
                               "spaces (\"\" removes it)");
            return OWED_E_INVALID;
        }
    }
    return OWED_OK;
}

#define SET_FIELD(field)                                                                   \
    do {                                                                                   \
        if (ch->field) {                                                                   \
            if (strlen(ch->field) >= sizeof st.field) {                                    \
                owed_buf_addf(err, #field " is longer than %zu bytes", sizeof st.field - 1); \
                rc = OWED_E_INVALID;                                                       \
            }                                                                              \
            snprintf(st.field, sizeof st.field, "%s", ch->field);                          \
        }                                                                                  \
    } while (0)

int owed_org_set(struct owed_store *s, int64_t org, const struct owed_org_changes *ch,
                 struct owed_buf *err)
{
    int rc = check(ch, err);
    if (rc) return rc;
    if ((rc = s->ops->begin(s, err))) return rc;
    struct owed_org_settings st;
    rc = s->ops->org_settings_get(s, org, &st, err);
    if (!rc) {
        SET_FIELD(name);
        SET_FIELD(timezone);
        SET_FIELD(calendar);
        SET_FIELD(mail_from);
        SET_FIELD(smtp_url);
        SET_FIELD(sms_url);
        SET_FIELD(pay_url);
        SET_FIELD(out_dir);
        SET_FIELD(gateway_secret);
    }
    if (!rc) rc = s->ops->org_settings_set(s, org, &st, err);
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

/* The URL without a password (smtp://user:secret@host). */
static void put_url(struct owed_buf *out, const char *url)
{
    const char *at = strchr(url, '@'), *scheme = strstr(url, "://");
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && colon && colon < at) {
        owed_buf_add(out, url, (size_t)(colon - url));
        owed_buf_adds(out, ":***");
        owed_buf_adds(out, at);
    } else {
        owed_buf_adds(out, url);
    }
}

int owed_org_show(struct owed_store *s, int64_t org, struct owed_buf *out, struct owed_buf *err)
{
    struct owed_org_settings st;
    int rc = s->ops->org_settings_get(s, org, &st, err);
    if (rc) return rc;
    const char *none = "none";
    owed_buf_addf(out, "name: %s\n", st.name);
    owed_buf_addf(out, "tolerance: %s\n", st.tolerance[0] ? st.tolerance : none);
    owed_buf_addf(out, "timezone: %s\n", st.timezone[0] ? st.timezone : "UTC");
    owed_buf_addf(out, "calendar: %s\n", st.calendar[0] ? st.calendar : "weekends only");
    owed_buf_addf(out, "mail-from: %s\n", st.mail_from[0] ? st.mail_from : none);
    owed_buf_adds(out, "smtp-url: ");
    put_url(out, st.smtp_url[0] ? st.smtp_url : none);
    owed_buf_addf(out, "\nsms-url: %s\n", st.sms_url[0] ? st.sms_url : none);
    owed_buf_addf(out, "pay-url: %s\n", st.pay_url[0] ? st.pay_url : none);
    owed_buf_addf(out, "out-dir: %s\n", st.out_dir[0] ? st.out_dir : "owed-out");
    owed_buf_addf(out, "gateway-secret: %s\n", st.gateway_secret[0] ? "set" : none);
    return OWED_OK;
}

int owed_org_today(struct owed_store *s, int64_t org, owed_time_ms now, owed_date *out,
                   struct owed_buf *err)
{
    int minute;
    return owed_org_local_time(s, org, now, out, &minute, err);
}

int owed_org_local_time(struct owed_store *s, int64_t org, owed_time_ms now, owed_date *out,
                        int *minute_of_day, struct owed_buf *err)
{
    struct owed_org_settings st;
    int rc = s->ops->org_settings_get(s, org, &st, err);
    if (rc) return rc;
    /* localtime_r reads TZ: set it for the call and put the old one back, under a lock,
     * since the server calls this from many threads. TZ is never unset: glibc keeps the
     * strings of replaced values alive, so a getenv elsewhere stays safe, but removing a
     * variable moves the others. */
    static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&tz_lock);
    const char *old = getenv("TZ");
    char *saved = owed_xstrdup(old ? old : "UTC");
    setenv("TZ", st.timezone[0] ? st.timezone : "UTC", 1);
    tzset();
    time_t t = (time_t)(now / 1000);
    struct tm tm;
    bool ok = localtime_r(&t, &tm) != NULL;
    setenv("TZ", saved, 1);
    tzset();
    pthread_mutex_unlock(&tz_lock);
    free(saved);
    if (!ok) {
        owed_buf_adds(err, "cannot compute the local date");
        return OWED_E_INVALID;
    }
    *out = owed_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    *minute_of_day = tm.tm_hour * 60 + tm.tm_min;
    return OWED_OK;
}
