#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "strmap.h"

struct owed_strmap_slot {
    uint64_t hash; /* 0 = empty */
    size_t key_off;
    size_t key_len;
    int64_t value;
};

/* FNV-1a, forced non-zero so 0 can mark empty slots. */
static uint64_t hash_key(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

static struct owed_strmap_slot *find(const struct owed_strmap *m, const char *key, size_t len,
                                     uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct owed_strmap_slot *s = &m->slots[i];
        if (s->hash == 0) return s;
        if (s->hash == h && s->key_len == len && memcmp(m->arena + s->key_off, key, len) == 0)
            return s;
    }
}

static void rehash(struct owed_strmap *m)
{
    size_t old_cap = m->cap;
    struct owed_strmap_slot *old = m->slots;
    m->cap = old_cap ? old_cap * 2 : 64;
    m->slots = owed_xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].hash) continue;
        struct owed_strmap_slot *s =
            find(m, m->arena + old[i].key_off, old[i].key_len, old[i].hash);
        *s = old[i];
    }
    free(old);
}

bool owed_strmap_get(const struct owed_strmap *m, const char *key, size_t len, int64_t *value)
{
    if (!m->cap) return false;
    struct owed_strmap_slot *s = find(m, key, len, hash_key(key, len));
    if (!s->hash) return false;
    if (value) *value = s->value;
    return true;
}

void owed_strmap_put(struct owed_strmap *m, const char *key, size_t len, int64_t value)
{
    if ((m->len + 1) * 4 > m->cap * 3) rehash(m);
    uint64_t h = hash_key(key, len);
    struct owed_strmap_slot *s = find(m, key, len, h);
    if (s->hash) {
        s->value = value;
        return;
    }
    OWED_ALLOC_GROW(m->arena, m->arena_len + len + 1, m->arena_cap);
    memcpy(m->arena + m->arena_len, key, len);
    m->arena[m->arena_len + len] = '\0';
    s->hash = h;
    s->key_off = m->arena_len;
    s->key_len = len;
    s->value = value;
    m->arena_len += len + 1;
    m->len++;
}

void owed_strmap_clear(struct owed_strmap *m)
{
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof *m);
}
