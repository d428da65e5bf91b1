/* Whole-file reads and atomic writes for the use cases that take or produce files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/files.h"
#include "base.h"

int owed__read_file(const char *path, struct owed_buf *data, struct owed_buf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        owed_buf_addf(err, "%s: %s", path, strerror(errno));
        return OWED_E_IO;
    }
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(data, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad || owed_buf_err(data)) {
        owed_buf_addf(err, "%s: %s", path, bad ? "read error" : "file too large");
        return OWED_E_IO;
    }
    return OWED_OK;
}

/* Writes to PATH.tmp, fsyncs, renames: a reader never sees half a file, and a crash leaves
 * either the old file or the new one. */
int owed__write_file_atomic(const char *path, const char *data, size_t len, struct owed_buf *err)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        owed_buf_addf(err, "%s: path too long", path);
        return OWED_E_INVALID;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        owed_buf_addf(err, "%s: %s", tmp, strerror(errno));
        return OWED_E_IO;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        done += (size_t)w;
    }
    bool ok = done == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        owed_buf_addf(err, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return OWED_E_IO;
    }
    return OWED_OK;
}

void owed__data_path(const char *kind, const char *name, const char *ext, char *out, size_t cap)
{
    if (strchr(name, '/')) {
        snprintf(out, cap, "%s", name);
        return;
    }
    const char *dir = getenv("OWED_DATA_DIR");
    snprintf(out, cap, "%s/%s/%s%s", dir && *dir ? dir : OWED_DATA_DIR, kind, name, ext);
}
