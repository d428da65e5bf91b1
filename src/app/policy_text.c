/* owed_policy_set from memory (app/collections_views.h): the API receives a policy as a
 * request body, and owed_policy_set reads a file. Rather than a second parser that could
 * drift from the one `owed policy set` uses, the text goes through a private temporary
 * file (0600, removed at once) and that very call; its messages name the file, which the
 * caller knows as `where`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/collections_views.h"
#include "base.h"

#define POLICY_TEXT_MAX (1 << 20) /* as owed_policy_set reads a file */

static int write_all(int fd, const char *p, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

/* Appends msg to out with every occurrence of path replaced by where. */
static void rename_source(const char *msg, const char *path, const char *where,
                          struct owed_buf *out)
{
    size_t plen = strlen(path);
    for (const char *hit; (hit = strstr(msg, path)); msg = hit + plen) {
        owed_buf_add(out, msg, (size_t)(hit - msg));
        owed_buf_adds(out, where);
    }
    owed_buf_adds(out, msg);
}

int owed_policy_set_text(struct owed_store *s, int64_t org, const char *name, const char *text,
                         size_t len, const char *where, struct owed_buf *err)
{
    if (len >= POLICY_TEXT_MAX) {
        owed_buf_addf(err, "%s: larger than %d bytes", where, POLICY_TEXT_MAX);
        return OWED_E_REJECTED;
    }
    if (memchr(text, '\0', len)) {
        owed_buf_addf(err, "%s: contains a NUL byte", where);
        return OWED_E_REJECTED;
    }
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/owed-policy-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        owed_buf_adds(err, "TMPDIR is too long");
        return OWED_E_IO;
    }
    int fd = mkostemp(path, O_CLOEXEC); /* mode 0600 */
    if (fd < 0) {
        owed_buf_addf(err, "cannot keep the policy for reading: %s", strerror(errno));
        return OWED_E_IO;
    }
    int bad = write_all(fd, text, len);
    int saved = errno;
    if (close(fd) != 0 && !bad) bad = -1, saved = errno;
    int rc;
    if (bad) {
        owed_buf_addf(err, "cannot keep the policy for reading: %s", strerror(saved));
        rc = OWED_E_IO;
    } else {
        struct owed_buf e = OWED_BUF_INIT(0);
        rc = owed_policy_set(s, org, name, path, &e);
        if (rc) rename_source(e.ptr ? e.ptr : "", path, where, err);
        owed_buf_release(&e);
    }
    unlink(path);
    return rc;
}
