/* Text helpers shared by the hand-written bank parsers (see bank_text.h). */
#include "io/bank_text.h"

#include <string.h>

const char *owed__bank_excerpt(char out[40], const char *p, size_t len)
{
    size_t n = len < 32 ? len : 32;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (len > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

bool owed__bank_utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
        } else {
            return false;
        }
        if (n - i <= k) return false;
        for (size_t j = 1; j <= k; j++)
            if ((p[i + j] & 0xC0) != 0x80) return false;
        i += k + 1;
    }
    return true;
}

void owed__bank_add_text(struct owed_buf *dst, const char *p, size_t n, bool latin1)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f) {
            owed_buf_addc(dst, ' ');
        } else if (c >= 0x80 && latin1) {
            owed_buf_addc(dst, (char)(0xC0 | (c >> 6)));
            owed_buf_addc(dst, (char)(0x80 | (c & 0x3F)));
        } else {
            owed_buf_addc(dst, (char)c);
        }
    }
}
