/* EPC069-12 QR payload and the ISO 13616 / ISO 11649 mod-97 checks. See epc_qr.h. */
#include <string.h>

#include "base.h"
#include "epc_qr.h"

#define IBAN_MAX 34
#define CREDITOR_REF_MAX 25

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_upper(c) || is_digit(c); }
static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c; }

/* Copies s into out upper-cased, without blanks; false when longer than max. */
static bool compact(const char *s, char *out, size_t max) {
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ' ') continue;
        if (n == max) return false;
        out[n++] = upper(*s);
    }
    out[n] = '\0';
    return true;
}

/* ISO 7064 mod 97-10 over s with its first four characters moved to the end, letters
 * counting as 10..35 (IBAN and creditor reference alike). s is upper-case alphanumeric. */
static unsigned mod97_rotated(const char *s, size_t len) {
    unsigned r = 0;
    for (size_t k = 0; k < len; k++) {
        char c = s[(k + 4) % len];
        if (is_digit(c)) {
            r = (r * 10 + (unsigned)(c - '0')) % 97;
        } else {
            unsigned v = (unsigned)(c - 'A') + 10;
            r = (r * 100 + v) % 97;
        }
    }
    return r;
}

/* IBAN lengths of the SEPA scheme countries and a few neighbours (SWIFT IBAN registry). */
static const struct {
    char cc[3];
    unsigned char len;
} iban_lengths[] = {
    {"AD", 24}, {"AL", 28}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
    {"GI", 23}, {"GL", 18}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27},
    {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
    {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24}, {"RS", 22}, {"SE", 24},
    {"SI", 19}, {"SK", 24}, {"SM", 27}, {"VA", 22},
};

/* Why iban (compacted) is not valid, or NULL. */
static const char *iban_problem(const char *iban) {
    size_t len = strlen(iban);
    if (len < 15 || len > IBAN_MAX) return "length is not 15..34";
    if (!is_upper(iban[0]) || !is_upper(iban[1]) || !is_digit(iban[2]) || !is_digit(iban[3]))
        return "does not start with a country code and two check digits";
    for (size_t i = 4; i < len; i++)
        if (!is_alnum(iban[i])) return "contains a character other than A-Z, 0-9";
    for (size_t i = 0; i < OWED_ARRAY_LEN(iban_lengths); i++)
        if (iban[0] == iban_lengths[i].cc[0] && iban[1] == iban_lengths[i].cc[1] &&
            len != iban_lengths[i].len)
            return "wrong length for its country";
    if (mod97_rotated(iban, len) != 1) return "check digits do not match";
    return NULL;
}

bool owed_iban_valid(const char *iban) {
    char c[IBAN_MAX + 1];
    if (!iban || !compact(iban, c, IBAN_MAX)) return false;
    return iban_problem(c) == NULL;
}

static bool creditor_ref_ok(const char *ref) {
    size_t len = strlen(ref);
    if (len < 5 || len > CREDITOR_REF_MAX) return false;
    if (ref[0] != 'R' || ref[1] != 'F' || !is_digit(ref[2]) || !is_digit(ref[3])) return false;
    for (size_t i = 4; i < len; i++)
        if (!is_alnum(ref[i])) return false;
    return mod97_rotated(ref, len) == 1;
}

bool owed_creditor_ref_valid(const char *ref) {
    char c[CREDITOR_REF_MAX + 1];
    if (!ref || !compact(ref, c, CREDITOR_REF_MAX)) return false;
    return creditor_ref_ok(c);
}

/* Counts the code points of well-formed UTF-8 without control characters (C0, DEL, C1);
 * returns -1 otherwise. Overlongs, surrogates and values past U+10FFFF are malformed. */
static long utf8_text_chars(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        unsigned c = *p, need, cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return -1;
            p++;
            n++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            need = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            need = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            need = 3, cp = c & 0x07;
        else
            return -1;
        for (unsigned k = 1; k <= need; k++) {
            if ((p[k] & 0xc0) != 0x80) return -1;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
            return -1;
        p += need + 1;
        n++;
    }
    return n;
}

static int fail(struct owed_buf *err, const char *field, const char *why) {
    if (err) owed_buf_addf(err, "%s: %s", field, why);
    return OWED_E_INVALID;
}

static const char *bic_problem(const char *bic) {
    size_t len = strlen(bic);
    if (len != 8 && len != 11) return "must be 8 or 11 characters";
    for (size_t i = 0; i < 6; i++)
        if (!is_upper(bic[i])) return "bank and country code must be letters";
    for (size_t i = 6; i < len; i++)
        if (!is_alnum(bic[i])) return "location and branch must be letters or digits";
    return NULL;
}

/* Checks the text fields; fills the compacted IBAN and BIC. */
static int check_fields(const char *name, const char *iban, const char *bic, int64_t amount_cents,
                        const char *remittance, char c_iban[], char c_bic[], struct owed_buf *err) {
    long n = name ? utf8_text_chars(name) : -1;
    if (!name || !*name) return fail(err, "name", "is empty");
    if (n < 0) return fail(err, "name", "is not UTF-8 text without control characters");
    if (n > OWED_EPC_NAME_MAX) return fail(err, "name", "is longer than 70 characters");

    if (!iban || !compact(iban, c_iban, IBAN_MAX)) return fail(err, "iban", "length is not 15..34");
    const char *why = iban_problem(c_iban);
    if (why) return fail(err, "iban", why);

    c_bic[0] = '\0';
    if (bic && *bic) {
        if (!compact(bic, c_bic, 11)) return fail(err, "bic", "must be 8 or 11 characters");
        why = bic_problem(c_bic);
        if (why) return fail(err, "bic", why);
    }
    if (amount_cents < 1 || amount_cents > OWED_EPC_AMOUNT_MAX_CENTS)
        return fail(err, "amount", "must be 0.01 .. 999999999.99 EUR");
    if (remittance) {
        n = utf8_text_chars(remittance);
        if (n < 0) return fail(err, "remittance", "is not UTF-8 text without control characters");
        if (n > OWED_EPC_REMITTANCE_MAX)
            return fail(err, "remittance", "is longer than 140 characters");
    }
    return OWED_OK;
}

int owed_epc_qr_payload(const char *name, const char *iban, const char *bic, int64_t amount_cents,
                        const char *remittance, struct owed_buf *out, struct owed_buf *err) {
    OWED_ASSERT(out);
    char c_iban[IBAN_MAX + 1], c_bic[12], ref[CREDITOR_REF_MAX + 1];
    int rc = check_fields(name, iban, bic, amount_cents, remittance, c_iban, c_bic, err);
    if (rc) return rc;

    bool structured =
        remittance && compact(remittance, ref, CREDITOR_REF_MAX) && creditor_ref_ok(ref);
    struct owed_buf p = OWED_BUF_INIT(OWED_EPC_QR_MAX + 1);
    owed_buf_addf(&p, "BCD\n002\n1\nSCT\n%s\n%s\n%s\nEUR", c_bic, name, c_iban);
    owed_amount_format(&p, amount_cents, 2, false);
    if (structured) {
        owed_buf_addf(&p, "\n\n%s", ref);
    } else if (remittance && *remittance) {
        owed_buf_addf(&p, "\n\n\n%s", remittance);
    }
    if (owed_buf_err(&p) || p.len > OWED_EPC_QR_MAX) {
        owed_buf_release(&p);
        return fail(err, "payload", "is longer than 331 bytes");
    }
    owed_buf_add(out, p.ptr, p.len);
    owed_buf_release(&p);
    return owed_buf_err(out);
}
