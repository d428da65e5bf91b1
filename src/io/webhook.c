/* Webhook signatures and delivery (see webhook.h): libsodium's HMAC-SHA256, libcurl's POST.
 * The header parser is a cursor over the bytes, never past len (fuzz_stripe_sig.c). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "io/http_post.h"
#include "io/webhook.h"

#define HEADER_VALUE_MAX 300

void owed_sig_compute(const char *secret, int64_t t, const char *body, size_t len,
                      char hex[OWED_SIG_HEX + 1])
{
    char ts[24];
    int n = snprintf(ts, sizeof ts, "%lld.", (long long)t);
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
    if (len) crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, OWED_SIG_HEX + 1, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}

void owed_sig_header(const char *secret, int64_t t, const char *body, size_t len,
                     char out[OWED_SIG_HEADER_CAP])
{
    char hex[OWED_SIG_HEX + 1];
    owed_sig_compute(secret, t, body, len, hex);
    snprintf(out, OWED_SIG_HEADER_CAP, "t=%lld,v1=%s", (long long)t, hex);
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

int owed_sig_parse(const char *header, size_t len, struct owed_sig_parsed *out)
{
    memset(out, 0, sizeof *out);
    if (!header || len > OWED_SIG_HEADER_MAX) return OWED_E_PARSE;
    bool has_t = false;
    size_t i = 0;
    while (i <= len) {
        /* One item: [spaces] key '=' value [spaces], up to a comma or the end. */
        size_t end = i;
        while (end < len && header[end] != ',') end++;
        size_t a = i, b = end;
        while (a < b && (header[a] == ' ' || header[a] == '\t')) a++;
        while (b > a && (header[b - 1] == ' ' || header[b - 1] == '\t')) b--;
        if (a == b) goto fail; /* an empty item: ",," or a trailing comma */
        size_t eq = a;
        while (eq < b && header[eq] != '=') eq++;
        if (eq == b || eq == a) goto fail;
        for (size_t k = a; k < b; k++)
            if (header[k] == '\0') goto fail;
        const char *key = header + a, *val = header + eq + 1;
        size_t klen = eq - a, vlen = b - eq - 1;
        if (klen == 1 && key[0] == 't') {
            if (has_t || vlen == 0 || vlen > 18) goto fail;
            int64_t t = 0;
            for (size_t k = 0; k < vlen; k++) {
                if (val[k] < '0' || val[k] > '9') goto fail;
                t = t * 10 + (val[k] - '0');
            }
            out->t = t;
            has_t = true;
        } else if (klen == 2 && key[0] == 'v' && key[1] == '1') {
            if (vlen != OWED_SIG_HEX) goto fail;
            for (size_t k = 0; k < vlen; k++)
                if (!is_hex(val[k])) goto fail;
            if (out->nv1 < OWED_SIG_MAX_V1) {
                for (size_t k = 0; k < vlen; k++) out->v1[out->nv1][k] = lower(val[k]);
                out->v1[out->nv1][vlen] = '\0';
                out->nv1++;
            }
        }
        /* other keys (v0, ...) are skipped */
        if (end == len) break;
        i = end + 1;
    }
    if (has_t && out->nv1 > 0) return OWED_OK;
fail:
    memset(out, 0, sizeof *out); /* nothing half-filled */
    return OWED_E_PARSE;
}

int owed_sig_verify(const char *secret, const char *header, size_t header_len,
                    const char *body, size_t len, int64_t now_s, int64_t tolerance_s)
{
    struct owed_sig_parsed p;
    if (!secret || !*secret || owed_sig_parse(header, header_len, &p) != OWED_OK)
        return OWED_E_DENIED;
    int64_t age = now_s - p.t;
    if (age > tolerance_s || age < -tolerance_s) return OWED_E_DENIED;
    char want[OWED_SIG_HEX + 1];
    owed_sig_compute(secret, p.t, body, len, want);
    bool ok = false;
    for (size_t i = 0; i < p.nv1; i++) /* every value is compared: no early exit */
        ok |= sodium_memcmp(want, p.v1[i], OWED_SIG_HEX) == 0;
    sodium_memzero(want, sizeof want);
    return ok ? OWED_OK : OWED_E_DENIED;
}

/* ---- delivery ---- */

static bool header_value_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > HEADER_VALUE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7F) return false;
    return true;
}

enum owed_send_result owed_webhook_post(const char *url, const char *body, size_t len,
                                        const char *event_id, const char *signature,
                                        long timeout_ms, struct owed_buf *err)
{
    OWED_ASSERT(url && body && event_id && signature);
    if (!header_value_ok(event_id) || !header_value_ok(signature)) {
        if (err) owed_buf_adds(err, "webhook: event id or signature is not printable ASCII");
        return OWED_SEND_FAILED;
    }
    char idhdr[HEADER_VALUE_MAX + 32], sighdr[HEADER_VALUE_MAX + 32];
    snprintf(idhdr, sizeof idhdr, "Owed-Event-Id: %s", event_id);
    snprintf(sighdr, sizeof sighdr, "Owed-Signature: %s", signature);
    const char *const headers[] = {idhdr, sighdr, NULL};
    return owed__http_post_json("webhook", url, body, len, headers, "owed-webhooks", timeout_ms,
                                err);
}
