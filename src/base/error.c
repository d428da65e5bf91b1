#include "base.h"

const char *owed_rc_name(int rc)
{
    switch (rc) {
#define OWED_RC_NAME(name, num, msg) \
    case num:                        \
        return #name;
        OWED_ERRORS(OWED_RC_NAME)
#undef OWED_RC_NAME
    }
    return "UNKNOWN";
}

const char *owed_rc_message(int rc)
{
    switch (rc) {
#define OWED_RC_MSG(name, num, msg) \
    case num:                       \
        return msg;
        OWED_ERRORS(OWED_RC_MSG)
#undef OWED_RC_MSG
    }
    return "unknown error";
}
