/* Read models for the staff web app's dunning and settings pages (http/w_dunning.c,
 * http/w_settings.c) that the API has no route for: the messages a policy's steps would
 * send, rendered from its text before it is saved; the policy and template behind each
 * message of a preview; the built-in templates; the holidays of the org's calendar. They
 * change nothing. As elsewhere, amounts are decimal strings, dates ISO 8601. */
#ifndef OWED_APP_WEB_VIEWS_H
#define OWED_APP_WEB_VIEWS_H

#include <jansson.h>

#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* The messages of every step of a policy, rendered as a run would render them
 * (app/dunning_render.c, the context of app/dunning_run.c), from policy_text (the policy
 * document as JSON, saved or not) as of as_of.
 *
 * customer_ref NULL or "": a sample customer ("Sample Customer Ltd") with two EUR invoices
 * due so that each step is reached on as_of. Else that customer, with its open invoices on
 * as_of that are at the step then (calendar as the org's); when none is, with all of its
 * open invoices, and with sample invoices when it has none open. lang NULL or "": the
 * customer's language (en for the sample). No link is made: an acknowledgement link shows
 * as a placeholder, and so does the portal link (when the seller has a public URL).
 *
 * *out: {"customer": {"ref", "name", "email", "lang", "sample": bool}, "as_of",
 *        "steps": [{"index", "name", "offset", "days", "channel", "template", "subject",
 *                   "text", "html", "error", "note", "invoices": N, "fallback": bool}]}
 * with a last entry named "thanks" when the policy thanks customers. A step whose template
 * fails to render has "error" (the others still render). OWED_E_REJECTED with the reason
 * ("policy: steps[1].channel: ...") when the text is not a valid policy; OWED_E_NOT_FOUND
 * for an unknown customer. */
int owed_dunning_sample(struct owed_store *s, int64_t org, const char *policy_text,
                        const char *customer_ref, const char *lang, owed_date as_of,
                        json_t **out, struct owed_buf *err);

/* Adds to each of the first `max` messages of a dunning preview (the array of GET
 * /api/v1/dunning/preview) "customer_id" (0 when unknown), "policy" (the policy the customer
 * follows), "template" (its step's template; "thanks" for a thank-you note) and "totals"
 * ([{"amount", "currency", "last"}], the open amounts per currency, with thousands
 * separators), and to each of their invoices "open_text" (its open amount so written). */
int owed_dunning_preview_annotate(struct owed_store *s, int64_t org, json_t *messages,
                                  size_t max, struct owed_buf *err);

/* The names of the built-in message templates (data/templates/LANG/NAME.tmpl), sorted, each
 * once: ["ack_request", "due", ...]. */
json_t *owed_dunning_template_names(void);

/* The holidays of the org's calendar between from and to (inclusive):
 * {"calendar": "DE" ("" when none is set), "holidays": [{"date", "name"}] by date,
 *  "available": the calendars shipped (data/calendars/NAME.json) ["DE", "GB", ...],
 *  "error": "..." when the calendar file cannot be read (then no holidays)}. */
int owed_org_holidays(struct owed_store *s, int64_t org, owed_date from, owed_date to,
                      json_t **out, struct owed_buf *err);

#endif
