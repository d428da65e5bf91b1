/* The report cache (report_cache.h): a fixed array searched linearly (a few dozen entries),
 * under one mutex. Values are deep copies both ways, so callers may change what they get. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "app/report_cache.h"
#include "base.h"

enum { ENTRIES = 32, KEY_MAX = 200 };

struct entry {
    int64_t org, version;
    char key[KEY_MAX];
    json_t *value;
    uint64_t used; /* the tick of its last use, for eviction */
};

static struct entry cache[ENTRIES];
static uint64_t tick;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

int owed_book_version(struct owed_store *s, int64_t org, int64_t *out, struct owed_buf *err)
{
    return s->ops->high_water(s, org, out, err);
}

json_t *owed_report_cache_get(int64_t org, const char *key, int64_t version)
{
    json_t *v = NULL;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < ENTRIES; i++) {
        struct entry *e = &cache[i];
        if (e->value && e->org == org && e->version == version && !strcmp(e->key, key)) {
            e->used = ++tick;
            v = json_deep_copy(e->value);
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return v;
}

void owed_report_cache_put(int64_t org, const char *key, int64_t version, const json_t *v)
{
    if (strlen(key) >= KEY_MAX) return;
    json_t *copy = json_deep_copy(v);
    if (!copy) return;
    pthread_mutex_lock(&mu);
    struct entry *slot = &cache[0];
    for (size_t i = 0; i < ENTRIES; i++) {
        struct entry *e = &cache[i];
        if (e->value && e->org == org && !strcmp(e->key, key)) { /* an older version */
            slot = e;
            break;
        }
        if (!e->value || e->used < slot->used) slot = e;
    }
    json_decref(slot->value);
    slot->org = org;
    slot->version = version;
    snprintf(slot->key, sizeof slot->key, "%s", key);
    slot->value = copy;
    slot->used = ++tick;
    pthread_mutex_unlock(&mu);
}

