/* Id assignment shared by the backends. Ids are MAX + 1 per organization and table: read
 * once per write transaction (whose writer holds the organization's lock, so nobody else
 * takes ids meanwhile) and then counted up in memory. */
#ifndef OWED_STORE_IDS_H
#define OWED_STORE_IDS_H

#include <stdint.h>

#include "owed/buf.h"

enum owed__id_kind {
    OWED_ID_CUSTOMER,
    OWED_ID_INVOICE,
    OWED_ID_PAYMENT,
    OWED_ID_ALLOCATION,
    OWED_ID_ENTRY,
    OWED_ID_OUTFLOW,
    OWED_ID_STATEMENT,
    OWED_ID_BANK_ENTRY,
    OWED_ID_KINDS
};

struct owed__ids {
    int64_t next[OWED_ID_KINDS]; /* 0 = not read in this transaction */
    int64_t org;
};

/* Reads the highest id of a kind in an organization (0 when there is none). */
typedef int (*owed__max_id_fn)(void *ctx, int64_t org, enum owed__id_kind kind, int64_t *max,
                               struct owed_buf *err);

int owed__ids_take(struct owed__ids *ids, int64_t org, enum owed__id_kind kind,
                   owed__max_id_fn max_id, void *ctx, int64_t *out, struct owed_buf *err);
/* The id just taken was not used (the row already existed): the next take returns it. */
void owed__ids_give_back(struct owed__ids *ids, enum owed__id_kind kind);
/* At the end of a transaction: ids are read again in the next one. */
void owed__ids_forget(struct owed__ids *ids);

#endif
