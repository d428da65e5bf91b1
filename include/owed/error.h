/* owed error codes: one list, never renumbered (curl CURLcode, libuv UV_ERRNO_MAP). */
#ifndef OWED_ERROR_H
#define OWED_ERROR_H

#include "owed/export.h"

#define OWED_ERRORS(X)                                  \
    X(OK, 0, "success")                                 \
    X(TOO_LARGE, 1, "exceeds size limit")               \
    X(PARSE, 2, "malformed input")                      \
    X(OVERFLOW, 3, "amount out of range")               \
    X(CURRENCY, 4, "currency mismatch")                 \
    X(NOT_FOUND, 5, "no such record")                   \
    X(EXISTS, 6, "already recorded")                    \
    X(STORE, 7, "storage failure")                      \
    X(CONFLICT, 8, "conflicts with a recorded value")   \
    X(INVALID, 9, "invalid argument")                   \
    X(IO, 10, "input/output error")                     \
    X(REJECTED, 11, "input rejected")                   \
    X(INVARIANT, 12, "ledger invariant broken")         \
    X(DENIED, 13, "not allowed")

enum owed_rc {
#define OWED_RC_ENUM(name, num, msg) OWED_E_##name = (num),
    OWED_ERRORS(OWED_RC_ENUM)
#undef OWED_RC_ENUM
};

#define OWED_OK OWED_E_OK

/* Stable upper-case name ("PARSE") and human message for a code; never NULL. */
OWED_EXTERN const char *owed_rc_name(int rc);
OWED_EXTERN const char *owed_rc_message(int rc);

#endif
