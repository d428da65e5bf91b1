/* The end of a use case's write transaction (app.h owed__tx_end). */
#include "app/app.h"

int owed__tx_end(struct owed_store *s, int rc, struct owed_buf *err)
{
    if (!rc) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}
