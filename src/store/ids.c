#include <string.h>

#include "base.h"
#include "store/ids.h"

int owed__ids_take(struct owed__ids *ids, int64_t org, enum owed__id_kind kind,
                   owed__max_id_fn max_id, void *ctx, int64_t *out, struct owed_buf *err)
{
    if (ids->org != org) {
        owed__ids_forget(ids);
        ids->org = org;
    }
    if (ids->next[kind] == 0) {
        int64_t max;
        int rc = max_id(ctx, org, kind, &max, err);
        if (rc) return rc;
        ids->next[kind] = max + 1;
    }
    *out = ids->next[kind]++;
    return OWED_OK;
}

void owed__ids_give_back(struct owed__ids *ids, enum owed__id_kind kind)
{
    OWED_ASSERT(ids->next[kind] > 1);
    ids->next[kind]--;
}

void owed__ids_forget(struct owed__ids *ids) { memset(ids, 0, sizeof *ids); }
