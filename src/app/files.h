/* Whole-file reads and atomic writes (app/files.c). */
#ifndef OWED_APP_FILES_H
#define OWED_APP_FILES_H

#include <stddef.h>

#include "owed/buf.h"

/* Appends the file's bytes to data; OWED_E_IO (with the path and reason in err) on failure. */
int owed__read_file(const char *path, struct owed_buf *data, struct owed_buf *err);
/* Writes data to path through path.tmp, fsync and rename. */
int owed__write_file_atomic(const char *path, const char *data, size_t len, struct owed_buf *err);

/* Where data file NAME of a kind lives ("calendars", "DE", ".json"): NAME itself when it
 * contains a '/', else $OWED_DATA_DIR/KIND/NAME.EXT, else the build's data directory. */
void owed__data_path(const char *kind, const char *name, const char *ext, char *out,
                     size_t cap);

#endif
