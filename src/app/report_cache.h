/* Reports of the whole book (aging, KPIs) cost a scan of every invoice, payment and
 * allocation: a second at a million invoices. Their results depend only on the ledger, and
 * every change to the ledger appends to the journal, so the journal's high-water mark is
 * the book's version: a result kept under (org, key, version) is exact until the next
 * change. This is a small process-wide cache of such results for the server's pages. */
#ifndef OWED_APP_REPORT_CACHE_H
#define OWED_APP_REPORT_CACHE_H

#include <jansson.h>
#include <stdint.h>

#include "owed/buf.h"
#include "store/store.h"

/* The book's version: the journal's high-water mark (read it BEFORE computing what is
 * kept under it, so that a change made meanwhile makes the entry stale, never wrong). */
int owed_book_version(struct owed_store *s, int64_t org, int64_t *out, struct owed_buf *err);

/* A copy of what was kept under (org, key, version), or NULL. */
json_t *owed_report_cache_get(int64_t org, const char *key, int64_t version);
/* Keeps a copy of v under (org, key, version), evicting the least recently used entry
 * when full. Meant for a page's figures (kilobytes), not for whole reports. */
void owed_report_cache_put(int64_t org, const char *key, int64_t version, const json_t *v);

#endif
