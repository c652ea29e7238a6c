/* ns_utf8: UTF-8 decoding, validation and repair.
 *
 * Strict RFC 3629: overlong forms, surrogates (U+D800..DFFF), code points
 * above U+10FFFF and truncated sequences are invalid.  Invalid input is never
 * fatal: decoders yield U+FFFD for one byte and move on. */
#ifndef NS_UTF8_H
#define NS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"

#define NS_UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[0..len) (len >= 1).  Returns the number of
 * bytes consumed (1..4) and stores the code point in *cp; for an invalid or
 * truncated sequence stores U+FFFD and returns 1 (one byte consumed). */
size_t ns_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/* Returns true when s[0..len) is valid UTF-8 and contains no NUL byte.
 * Otherwise *bad_off (may be NULL) gets the offset of the first bad byte. */
bool ns_utf8_valid(const uint8_t *s, size_t len, size_t *bad_off);

/* Appends s[0..len) to out with every invalid byte replaced by U+FFFD and
 * NUL bytes dropped; *n_bad (may be NULL) counts the replacements + drops. */
ns_rc ns_utf8_repair(const uint8_t *s, size_t len, ns_buf *out, size_t *n_bad);

/* Encodes cp (must be valid, not a surrogate) into out; returns 1..4. */
size_t ns_utf8_encode(uint32_t cp, uint8_t out[4]);

/* Returns the largest offset <= off (and <= len) that does not fall inside
 * a UTF-8 sequence (i.e. s[result] is not a continuation byte). */
size_t ns_utf8_floor(const uint8_t *s, size_t len, size_t off);

#endif
