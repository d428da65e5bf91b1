/* Names and pure rules of the collections workflow (see collections.h). */
#include "core/collections.h"

#include <string.h>

#include "base.h"

static const char *const kind_names[] = {
    [OWED_ITEM_HOLD] = "hold",       [OWED_ITEM_DISPUTE] = "dispute",
    [OWED_ITEM_PROMISE] = "promise", [OWED_ITEM_PLAN] = "plan",
    [OWED_ITEM_INSTALLMENT] = "installment", [OWED_ITEM_NOTE] = "note",
    [OWED_ITEM_CALL] = "call",       [OWED_ITEM_TASK] = "task",
};

const char *owed_item_kind_name(enum owed_item_kind k)
{
    return (size_t)k < OWED_ARRAY_LEN(kind_names) && kind_names[k] ? kind_names[k] : "unknown";
}

static const char *const status_names[] = {
    [OWED_ST_OPEN] = "open",
    [OWED_ST_INVESTIGATING] = "investigating",
    [OWED_ST_RELEASED] = "released",
    [OWED_ST_RESOLVED_CREDIT] = "resolved_credit",
    [OWED_ST_RESOLVED_UPHELD] = "resolved_upheld",
    [OWED_ST_REJECTED] = "rejected",
    [OWED_ST_KEPT] = "kept",
    [OWED_ST_BROKEN] = "broken",
    [OWED_ST_COMPLETED] = "completed",
    [OWED_ST_CANCELLED] = "cancelled",
    [OWED_ST_DONE] = "done",
};

const char *owed_item_status_name(enum owed_item_status s)
{
    return (size_t)s < OWED_ARRAY_LEN(status_names) && status_names[s] ? status_names[s]
                                                                      : "unknown";
}

enum owed_item_status owed_item_status_parse(const char *s)
{
    for (size_t i = 1; i < OWED_ARRAY_LEN(status_names); i++)
        if (s && status_names[i] && strcmp(s, status_names[i]) == 0) return (enum owed_item_status)i;
    return (enum owed_item_status)0;
}

const char *const owed_dispute_reasons[] = {
    "pricing", "quantity", "damaged", "not_received", "duplicate_billing", "other", NULL,
};

const char *const owed_call_outcomes[] = {
    "reached", "no_answer", "left_message", "wrong_number", "promised", "disputed",
    "refused", "callback", NULL,
};

static bool in_list(const char *const *list, const char *code)
{
    for (size_t i = 0; code && list[i]; i++)
        if (strcmp(list[i], code) == 0) return true;
    return false;
}

bool owed_dispute_reason_valid(const char *code) { return in_list(owed_dispute_reasons, code); }
bool owed_call_outcome_valid(const char *code) { return in_list(owed_call_outcomes, code); }

static const char *const msg_status_names[] = {
    [OWED_MSG_QUEUED] = "queued", [OWED_MSG_SENDING] = "sending",
    [OWED_MSG_UNCERTAIN] = "uncertain", [OWED_MSG_SENT] = "sent",
    [OWED_MSG_FAILED] = "failed", [OWED_MSG_CANCELLED] = "cancelled",
};

const char *owed_msg_status_name(enum owed_msg_status s)
{
    return (size_t)s < OWED_ARRAY_LEN(msg_status_names) && msg_status_names[s]
               ? msg_status_names[s]
               : "unknown";
}

enum owed_msg_status owed_msg_status_parse(const char *s)
{
    for (size_t i = 1; i < OWED_ARRAY_LEN(msg_status_names); i++)
        if (s && strcmp(s, msg_status_names[i]) == 0) return (enum owed_msg_status)i;
    return (enum owed_msg_status)0;
}

enum owed_item_status owed_promise_state(owed_date promised, int64_t amount_minor,
                                         int64_t paid_since_minor, owed_date as_of)
{
    if (paid_since_minor >= amount_minor) return OWED_ST_KEPT;
    return as_of > promised ? OWED_ST_BROKEN : OWED_ST_OPEN;
}

void owed_plan_split(int64_t total_minor, int n, owed_date first_due, int every_days,
                     int64_t *amounts, owed_date *dues)
{
    OWED_ASSERT(n > 0 && total_minor >= 0);
    int64_t each = total_minor / n, rest = total_minor % n;
    for (int i = 0; i < n; i++) {
        amounts[i] = each + (i < rest ? 1 : 0);
        dues[i] = first_due + i * every_days;
    }
}

enum owed_item_status owed_plan_state(const owed_date *dues, const int64_t *amounts, size_t n,
                                      int64_t paid_minor, owed_date as_of, int grace_days,
                                      size_t *next_due_index)
{
    int64_t covered = paid_minor, owed_by_now = 0;
    size_t next = n;
    for (size_t i = 0; i < n; i++) {
        if (next == n) {
            if (covered >= amounts[i]) covered -= amounts[i];
            else next = i;
        }
        if (dues[i] + grace_days < as_of) owed_by_now += amounts[i];
    }
    *next_due_index = next;
    if (next == n) return OWED_ST_COMPLETED;
    return owed_by_now > paid_minor ? OWED_ST_BROKEN : OWED_ST_OPEN;
}
