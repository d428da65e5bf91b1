/* Documents of an invoice (issue 7): rendering (PDF invoice, terms sheet, UBL), the
 * EN 16931 rule check, acknowledgement of receipt by signed link, delivery by email. */
#ifndef OWED_APP_DOCUMENTS_H
#define OWED_APP_DOCUMENTS_H

#include <stdint.h>

#include "core/invoice_doc.h"
#include "owed/buf.h"
#include "owed/date.h"
#include "store/store.h"

/* Writes d as UBL and checks it against the EN 16931 rules: OWED_E_REJECTED with each
 * failed fatal rule on a line of err ("BR-S-02: ...") when one fails. */
int owed__doc_check_rules(const struct owed_doc *d, struct owed_buf *err);

/* "queued", "sent", "failed", ... of outbox message msg_id. */
int owed__doc_delivery_state(struct owed_store *s, int64_t org, int64_t msg_id, char *out,
                             size_t cap, struct owed_buf *err);

enum owed_doc_render {
    OWED_RENDER_PDF = 1,   /* the invoice or credit note */
    OWED_RENDER_UBL = 2,   /* UBL 2.1 XML */
    OWED_RENDER_TERMS = 3, /* the terms sheet (PDF) */
};

/* Renders the document `key` ("#ID" or a number, owed_doc_find). filename: a name for the
 * file ("INV-2026-00001.pdf"). OWED_E_NOT_FOUND for a terms sheet when none is set. */
int owed_doc_render(struct owed_store *s, int64_t org, const char *key,
                    enum owed_doc_render what, struct owed_buf *out, char filename[128],
                    struct owed_buf *err);

/* The acknowledgement link of document doc_id: PUBLIC_URL/ack/ORG/DOC/TOKEN, the token an
 * HMAC-SHA256 (first 128 bits, hex) of "ack:ORG:DOC" under the organization's key, which
 * is made on first use. */
int owed_ack_url(struct owed_store *s, int64_t org, int64_t doc_id, char out[512],
                 struct owed_buf *err);
/* The link of the document `key` ("#ID" or a number). */
int owed_doc_ack_url(struct owed_store *s, int64_t org, const char *key, char out[512],
                     struct owed_buf *err);
/* Checks token (constant time) and records the acknowledgement of doc_id once: a second
 * one changes nothing (*first false). OWED_E_DENIED for a wrong token, OWED_E_CONFLICT
 * for a draft. via: "link", "portal", "staff:EMAIL". */
int owed_ack_record(struct owed_store *s, int64_t org, int64_t doc_id, const char *token,
                    const char *via, owed_time_ms now, bool *first, struct owed_buf *err);
/* The document of a link, read-only, when token is right (OWED_E_DENIED otherwise): what
 * the link's page shows. out->body points into body. */
int owed_ack_lookup(struct owed_store *s, int64_t org, int64_t doc_id, const char *token,
                    struct owed_doc_rec *out, struct owed_buf *body, struct owed_buf *err);
/* Inside the caller's write transaction: records the acknowledgement of the issued
 * document r once (r->ack_at set and written; *first false when it already was).
 * OWED_E_CONFLICT for a draft. */
int owed__ack_write(struct owed_store *s, int64_t org, struct owed_doc_rec *r, const char *via,
                    owed_time_ms now, bool *first, struct owed_buf *err);
/* The same for staff (no token): the document by key. */
int owed_ack_by_staff(struct owed_store *s, int64_t org, const char *key, const char *via,
                      owed_time_ms now, bool *first, struct owed_buf *err);

/* Queues the email that delivers an issued document: to the customer's address, the
 * invoice PDF, the UBL file and (for an invoice, when set) the terms sheet attached, the
 * acknowledgement link and the amount in the body. Sending again queues a new message
 * (a resend); the document records the latest. *msg_id: the outbox message. */
int owed_doc_send(struct owed_store *s, int64_t org, const char *key, owed_time_ms now,
                  int64_t *msg_id, struct owed_buf *err);

#endif
