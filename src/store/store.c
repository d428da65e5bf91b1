#include <string.h>

#include "base.h"
#include "store/store.h"

int owed_store_open(const char *url, bool create, struct owed_store **out, struct owed_buf *err)
{
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return owed__postgres_open(url, create, out, err);
    return owed__sqlite_open(url, create, out, err);
}

void owed_store_close(struct owed_store *s)
{
    if (s) s->ops->close(s);
}
