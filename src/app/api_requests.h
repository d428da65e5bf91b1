/* What the server keeps between requests and jobs (issue 6): stored answers under an
 * Idempotency-Key, once-a-day job markers, and the singleton lock of the scheduler. The
 * HTTP layer calls these, never the store. */
#ifndef OWED_APP_API_REQUESTS_H
#define OWED_APP_API_REQUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "owed/buf.h"
#include "store/store.h"

enum owed_idem_claim {
    OWED_IDEM_CLAIMED = 1,  /* new (or retaken after its lease): go on, then finish */
    OWED_IDEM_REPLAY = 2,   /* answered before: *old holds the answer */
    OWED_IDEM_MISMATCH = 3, /* the key was used for another request: *old says which */
    OWED_IDEM_BUSY = 4,     /* its first request is still running */
};

/* Claims rec->key for the request rec describes (state pending, updated_at now). A pending
 * claim older than lease_s is taken over: its request died before answering. old->body
 * stays valid until the next call on this store. */
int owed_idem_claim(struct owed_store *s, int64_t org, struct owed_idem_rec *rec,
                    int64_t lease_s, enum owed_idem_claim *res, struct owed_idem_rec *old,
                    struct owed_buf *err);
/* After a request, in one transaction: the answer under its Idempotency-Key (idem; state
 * done, or pending with updated_at 0 to free the key for an immediate retry) and its line
 * in the audit trail (audit; sets its id and time); either may be NULL.
 *
 * The commit is relaxed (no fsync of its own: SQLite synchronous=NORMAL, PostgreSQL
 * synchronous_commit off): it becomes durable with the next durable commit, the next
 * change. A power loss in between may lose the record but never the change itself; a
 * lost answer makes a retry run again, which the use cases' own keys make harmless. This
 * keeps a POST at one fsync. */
int owed_request_record(struct owed_store *s, int64_t org, const struct owed_idem_rec *idem,
                        struct owed_audit_rec *audit, struct owed_buf *err);

/* Once-a-day jobs: whether `key` ("job:dunning:2026-07-01") is done, and marking it so. */
int owed_job_done(struct owed_store *s, int64_t org, const char *key, bool *done,
                  struct owed_buf *err);
int owed_job_mark(struct owed_store *s, int64_t org, const char *key, struct owed_buf *err);

/* The scheduler's singleton lock (a PostgreSQL advisory lock; always granted on SQLite). */
int owed_singleton_try(struct owed_store *s, const char *name, bool *got, struct owed_buf *err);
void owed_singleton_release(struct owed_store *s, const char *name);

/* Every organization's id, for jobs that run for each (heap array: free it). */
int owed_org_ids(struct owed_store *s, int64_t **ids, size_t *n, struct owed_buf *err);

/* The database answers (readiness): its schema version. */
int owed_store_ping(struct owed_store *s, int *schema_version, struct owed_buf *err);

#endif
