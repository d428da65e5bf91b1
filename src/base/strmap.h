/* A string-keyed open-addressing hash map to int64 values. Keys are copied into an arena
 * owned by the map. No deletion: maps here live for one command. */
#ifndef OWED_STRMAP_H
#define OWED_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct owed_strmap {
    struct owed_strmap_slot *slots;
    size_t cap, len;
    char *arena;
    size_t arena_len, arena_cap;
};

#define OWED_STRMAP_INIT { NULL, 0, 0, NULL, 0, 0 }

/* Returns true and sets *value when key is present. */
bool owed_strmap_get(const struct owed_strmap *m, const char *key, size_t len, int64_t *value);
/* Inserts or overwrites. */
void owed_strmap_put(struct owed_strmap *m, const char *key, size_t len, int64_t value);
void owed_strmap_clear(struct owed_strmap *m);

#endif
