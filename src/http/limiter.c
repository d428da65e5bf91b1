/* Sign-in rate limiting: at most LIMIT failed sign-ins per email, and LIMIT_IP per client
 * address (higher: many people may share one, behind a proxy or NAT), in WINDOW seconds;
 * then the key waits out the window. A fixed table of slots
 * under one mutex: sign-ins are rare next to API calls, and a full table recycles the
 * oldest slot, so memory stays bounded whatever an attacker sends. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"

#define SLOTS 4096
#define LIMIT 5
#define LIMIT_IP 20
#define WINDOW 300

struct slot {
    char key[128];
    int fails;
    int64_t since;
};

struct login_limiter {
    pthread_mutex_t mu;
    struct slot slots[SLOTS];
};

struct login_limiter *owed_login_limiter_new(void)
{
    struct login_limiter *l = calloc(1, sizeof *l);
    if (l) pthread_mutex_init(&l->mu, NULL);
    return l;
}

void owed_login_limiter_free(struct login_limiter *l)
{
    if (!l) return;
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of key: probes a few places, else recycles the oldest of them. */
static struct slot *find(struct login_limiter *l, const char *key, bool create)
{
    uint64_t h = fnv1a(key);
    struct slot *oldest = NULL;
    for (int i = 0; i < 8; i++) {
        struct slot *s = &l->slots[(h + (uint64_t)i) % SLOTS];
        if (!strcmp(s->key, key)) return s;
        if (!oldest || s->since < oldest->since) oldest = s;
    }
    if (!create) return NULL;
    memset(oldest, 0, sizeof *oldest);
    strncpy(oldest->key, key, sizeof oldest->key - 1);
    return oldest;
}

int owed_login_blocked(struct owed_server *srv, const char *key, int64_t now_s)
{
    struct login_limiter *l = srv->limiter;
    int wait = 0;
    pthread_mutex_lock(&l->mu);
    struct slot *s = find(l, key, false);
    int limit = strncmp(key, "ip:", 3) == 0 ? LIMIT_IP : LIMIT;
    if (s && s->fails >= limit && now_s - s->since < WINDOW) wait = (int)(WINDOW - (now_s - s->since));
    pthread_mutex_unlock(&l->mu);
    return wait;
}

void owed_login_failed(struct owed_server *srv, const char *key, int64_t now_s)
{
    struct login_limiter *l = srv->limiter;
    pthread_mutex_lock(&l->mu);
    struct slot *s = find(l, key, true);
    if (now_s - s->since >= WINDOW) {
        s->fails = 0;
        s->since = now_s;
    }
    s->fails++;
    pthread_mutex_unlock(&l->mu);
    atomic_fetch_add(&srv->login_failures, 1);
}

void owed_login_succeeded(struct owed_server *srv, const char *key)
{
    struct login_limiter *l = srv->limiter;
    pthread_mutex_lock(&l->mu);
    struct slot *s = find(l, key, false);
    if (s) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&l->mu);
}
