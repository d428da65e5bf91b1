/* Text helpers shared by the hand-written bank statement parsers (BAI2, MT940, CSV). */
#ifndef OWED_IO_BANK_TEXT_H
#define OWED_IO_BANK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "owed/buf.h"

/* A printable excerpt of input for an error message: at most 32 bytes, others as '?',
 * "..." when cut. Writes into out[40] and returns it. */
const char *owed__bank_excerpt(char out[40], const char *p, size_t n);
/* Whether p[0..n) is well-formed UTF-8 (no overlongs, no bytes past U+10FFFF's lead). */
bool owed__bank_utf8_valid(const unsigned char *p, size_t n);
/* Appends input text as UTF-8, reading it as Latin-1 when latin1 is set; control
 * characters become spaces. */
void owed__bank_add_text(struct owed_buf *dst, const char *p, size_t n, bool latin1);

#endif
