/* Roles and the authorization matrix (core/access.h). */
#include <string.h>

#include "core/access.h"

static const char *const role_names[] = {
    [OWED_ROLE_VIEWER] = "viewer",
    [OWED_ROLE_COLLECTOR] = "collector",
    [OWED_ROLE_MANAGER] = "manager",
    [OWED_ROLE_ADMIN] = "admin",
};

const char *owed_role_name(enum owed_role r)
{
    if (r < OWED_ROLE_VIEWER || r > OWED_ROLE_ADMIN) return "";
    return role_names[r];
}

enum owed_role owed_role_parse(const char *s)
{
    for (int r = OWED_ROLE_VIEWER; r <= OWED_ROLE_ADMIN; r++)
        if (strcmp(s, role_names[r]) == 0) return (enum owed_role)r;
    return 0;
}

static const char *const perm_names[] = {
    [OWED_PERM_PUBLIC] = "public",       [OWED_PERM_READ] = "read",
    [OWED_PERM_WORK] = "work",           [OWED_PERM_MONEY] = "money",
    [OWED_PERM_CONFIGURE] = "configure", [OWED_PERM_ADMIN] = "admin",
};

const char *owed_perm_name(enum owed_perm p)
{
    if (p > OWED_PERM_MAX) return "";
    return perm_names[p];
}

/* The whole matrix: the weakest role that holds each permission. Roles are ordered, so a
 * role holds every permission of the roles below it. */
static const enum owed_role weakest[] = {
    [OWED_PERM_PUBLIC] = 0,
    [OWED_PERM_READ] = OWED_ROLE_VIEWER,
    [OWED_PERM_WORK] = OWED_ROLE_COLLECTOR,
    [OWED_PERM_MONEY] = OWED_ROLE_MANAGER,
    [OWED_PERM_CONFIGURE] = OWED_ROLE_MANAGER,
    [OWED_PERM_ADMIN] = OWED_ROLE_ADMIN,
};

bool owed_role_allows(enum owed_role r, enum owed_perm p)
{
    if (p > OWED_PERM_MAX) return false;
    if (p == OWED_PERM_PUBLIC) return true;
    if (r < OWED_ROLE_VIEWER || r > OWED_ROLE_ADMIN) return false;
    return r >= weakest[p];
}

bool owed_webhook_wants(const char *events, const char *event)
{
    size_t n = strlen(event);
    const char *p = events;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && *p == ' ') p++, len--;
        while (len && p[len - 1] == ' ') len--;
        if (len == 1 && *p == '*') return true;
        if (len == n && memcmp(p, event, n) == 0) return true;
        /* "invoice.*" wants every invoice event */
        if (len >= 2 && p[len - 1] == '*' && p[len - 2] == '.' && n > len - 1 &&
            memcmp(p, event, len - 1) == 0)
            return true;
        if (!comma) break;
        p = comma + 1;
    }
    return false;
}
