/* The holidays of the org's calendar (app/web_views.h), with their names, for the settings
 * page: the days that business-day dunning steps skip. The calendar file is the one
 * app/dunning_eval.c loads (data/calendars/CODE.json, or a path); owed_holidays_load checks
 * it, and the names are read here from the same file, which io/holidays.c drops. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "app/files.h"
#include "app/web_views.h"
#include "base.h"
#include "io/holidays.h"

static int cmp_date(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "date"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "date"));
    return strcmp(x, y);
}

static int cmp_name(const void *a, const void *b) { return strcmp(a, b); }

/* The calendars shipped in the data directory: ["DE", "GB", ...], sorted. */
static json_t *available(void)
{
    char dir[4096];
    owed__data_path("calendars", "", "", dir, sizeof dir);
    json_t *names = json_array();
    DIR *d = opendir(dir);
    if (!d) return names;
    char found[64][32];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 64;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && len - 5 < sizeof found[0] && !strcmp(e->d_name + len - 5, ".json"))
            snprintf(found[n++], sizeof found[0], "%.*s", (int)(len - 5), e->d_name);
    }
    closedir(d);
    qsort(found, n, sizeof found[0], cmp_name);
    for (size_t i = 0; i < n; i++) json_array_append_new(names, json_string(found[i]));
    return names;
}

int owed_org_holidays(struct owed_store *s, int64_t org, owed_date from, owed_date to,
                      json_t **out, struct owed_buf *err)
{
    struct owed_org_settings set;
    memset(&set, 0, sizeof set);
    *out = NULL;
    int rc = s->ops->org_settings_get(s, org, &set, err);
    if (rc) return rc;
    json_t *list = json_array();
    *out = json_pack("{s:s, s:o, s:o}", "calendar", set.calendar, "holidays", list, "available",
                     available());
    if (!set.calendar[0]) return OWED_OK;
    char path[4096];
    owed__data_path("calendars", set.calendar, ".json", path, sizeof path);
    owed_date *dates = NULL;
    size_t n = 0;
    struct owed_buf e = OWED_BUF_INIT(0);
    if (owed_holidays_load(path, &dates, &n, &e)) {
        json_object_set_new(*out, "error", json_string(e.ptr ? e.ptr : "cannot read the calendar"));
        owed_buf_release(&e);
        return OWED_OK;
    }
    owed_buf_release(&e);
    free(dates);
    json_t *doc = json_load_file(path, 0, NULL); /* valid: owed_holidays_load read it */
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        owed_date d;
        if (owed_date_parse(key, strlen(key), &d) || d < from || d > to) continue;
        json_array_append_new(list, json_pack("{s:s, s:s}", "date", key, "name",
                                              json_is_string(v) ? json_string_value(v) : ""));
    }
    json_decref(doc);
    size_t cnt = json_array_size(list);
    json_t **items = owed_xcalloc(cnt + 1, sizeof *items);
    for (size_t i = 0; i < cnt; i++) items[i] = json_incref(json_array_get(list, i));
    qsort(items, cnt, sizeof *items, cmp_date);
    json_array_clear(list);
    for (size_t i = 0; i < cnt; i++) json_array_append_new(list, items[i]);
    free(items);
    return OWED_OK;
}
