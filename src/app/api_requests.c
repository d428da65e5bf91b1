/* Idempotency-Key answers, daily job markers, the scheduler's lock (api_requests.h). */
#include <stdlib.h>
#include <string.h>

#include "app/api_requests.h"
#include "base.h"

int owed_idem_claim(struct owed_store *s, int64_t org, struct owed_idem_rec *rec,
                    int64_t lease_s, enum owed_idem_claim *res, struct owed_idem_rec *old,
                    struct owed_buf *err)
{
    /* Two rounds: a key released between our insert and our read is claimed again. */
    for (int attempt = 0; attempt < 2; attempt++) {
        /* Relaxed: this marker need not survive a power loss on its own. The request's
         * change commits durably after it, and a write-ahead log is written in order, so
         * that commit makes the marker durable too; if the change never commits, a lost
         * marker only lets a retry run again, which the use case's own keys make harmless. */
        int rc = s->ops->begin_relaxed(s, err);
        if (rc == OWED_OK) rc = s->ops->idem_insert(s, org, rec, err);
        if (rc == OWED_OK) rc = s->ops->commit(s, err);
        if (rc == OWED_OK) {
            *res = OWED_IDEM_CLAIMED;
            return OWED_OK;
        }
        s->ops->rollback(s);
        if (rc != OWED_E_EXISTS) return rc;
        owed_buf_reset(err);
        rc = s->ops->begin(s, err);
        if (rc == OWED_OK) rc = s->ops->idem_get(s, org, rec->key, old, err);
        if (rc == OWED_E_NOT_FOUND) {
            s->ops->rollback(s);
            owed_buf_reset(err);
            continue;
        }
        if (rc) {
            s->ops->rollback(s);
            return rc;
        }
        if (strcmp(old->req_hash, rec->req_hash) != 0) *res = OWED_IDEM_MISMATCH;
        else if (old->state == OWED_IDEM_DONE) *res = OWED_IDEM_REPLAY;
        else if (rec->updated_at - old->updated_at < lease_s) *res = OWED_IDEM_BUSY;
        else {
            /* Its first request died: take it over. The use cases are idempotent by their
             * own keys (a payment's reference), so running again posts nothing twice. */
            old->updated_at = rec->updated_at;
            old->body = "";
            old->body_len = 0;
            rc = s->ops->idem_update(s, org, old, err);
            if (rc == OWED_OK) rc = s->ops->commit(s, err);
            if (rc) s->ops->rollback(s);
            else *res = OWED_IDEM_CLAIMED;
            return rc;
        }
        s->ops->rollback(s);
        return OWED_OK;
    }
    owed_buf_adds(err, "the Idempotency-Key could not be claimed");
    return OWED_E_STORE;
}

int owed_request_record(struct owed_store *s, int64_t org, const struct owed_idem_rec *idem,
                        struct owed_audit_rec *audit, struct owed_buf *err)
{
    if (!idem && !audit) return OWED_OK;
    int rc = s->ops->begin_relaxed(s, err);
    if (rc == OWED_OK && idem) rc = s->ops->idem_update(s, org, idem, err);
    if (rc == OWED_OK && audit) rc = s->ops->audit_insert(s, org, audit, err);
    if (rc == OWED_OK) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

int owed_job_done(struct owed_store *s, int64_t org, const char *key, bool *done,
                  struct owed_buf *err)
{
    /* Claim and roll back: asks without taking. */
    int rc = s->ops->begin(s, err);
    if (rc == OWED_OK) rc = s->ops->idem_claim(s, org, key, err);
    s->ops->rollback(s);
    *done = rc == OWED_E_EXISTS;
    return rc == OWED_E_EXISTS ? OWED_OK : rc;
}

int owed_job_mark(struct owed_store *s, int64_t org, const char *key, struct owed_buf *err)
{
    int rc = s->ops->begin(s, err);
    if (rc == OWED_OK) rc = s->ops->idem_claim(s, org, key, err);
    if (rc == OWED_OK || rc == OWED_E_EXISTS) rc = s->ops->commit(s, err);
    if (rc) s->ops->rollback(s);
    return rc;
}

int owed_singleton_try(struct owed_store *s, const char *name, bool *got, struct owed_buf *err)
{
    return s->ops->try_lock(s, name, got, err);
}

void owed_singleton_release(struct owed_store *s, const char *name) { s->ops->unlock(s, name); }

struct ids {
    int64_t *v;
    size_t n, cap;
};

static int add_id(void *ctx, const char *id, const char *name)
{
    (void)name;
    struct ids *l = ctx;
    OWED_ALLOC_GROW(l->v, l->n + 1, l->cap);
    l->v[l->n++] = strtoll(id, NULL, 10);
    return OWED_OK;
}

int owed_org_ids(struct owed_store *s, int64_t **ids, size_t *n, struct owed_buf *err)
{
    struct ids l = {0};
    int rc = s->ops->orgs_each(s, add_id, &l, err);
    if (rc) {
        free(l.v);
        return rc;
    }
    *ids = l.v;
    *n = l.n;
    return OWED_OK;
}

int owed_store_ping(struct owed_store *s, int *schema_version, struct owed_buf *err)
{
    return s->ops->schema_version(s, schema_version, err);
}
