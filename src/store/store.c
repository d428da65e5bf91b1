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

char *owed_store_url_redacted(const char *url)
{
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    struct owed_buf b = OWED_BUF_INIT(0);
    if (at && colon && colon < at) { /* user:password@ */
        owed_buf_add(&b, url, (size_t)(colon - url));
        owed_buf_adds(&b, at);
    } else {
        owed_buf_adds(&b, url);
    }
    char *q = strstr(b.ptr, "password=");
    if (!q) return owed_buf_detach(&b, NULL);
    /* a password given as a query parameter */
    const char *end = strchr(q, '&');
    struct owed_buf c = OWED_BUF_INIT(0);
    owed_buf_add(&c, b.ptr, (size_t)(q - b.ptr));
    owed_buf_adds(&c, "password=...");
    if (end) owed_buf_adds(&c, end);
    owed_buf_release(&b);
    return owed_buf_detach(&c, NULL);
}
