/* ns_varint: variable-byte integers (LEB128: 7 bits a byte, low groups
 * first, high bit set on every byte but the last).  Used by the dictionary,
 * the final partial posting block and the positions tails. */
#ifndef NS_VARINT_H
#define NS_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define NS_VARINT_MAX_BYTES 10 /* a uint64_t */

/* Writes v to out (room for NS_VARINT_MAX_BYTES); returns bytes written.
 * Inline: the indexer writes one or two per posting and one per position. */
static inline size_t ns_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}
/* Returns bytes needed for v. */
size_t ns_varint_len(uint64_t v);

/* Reads one value from [*p, end) into *v and advances *p.  Returns 0, or -1
 * when the input ends mid-value or the value is overlong/overflows (then *p
 * is unchanged).  Never reads at or beyond end.  The one- and two-byte
 * cases are inline (dictionary entries and partial posting blocks are
 * mostly made of them); the rest is ns_varint_get_slow. */
int ns_varint_get_slow(const uint8_t **p, const uint8_t *end, uint64_t *v);
static inline int ns_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *s = *p;
    if (end - s >= 2) {
        if (s[0] < 0x80) {
            *v = s[0];
            *p = s + 1;
            return 0;
        }
        if (s[1] < 0x80 && s[1]) { /* a final 0 would be overlong */
            *v = (uint64_t)(s[0] & 0x7f) | (uint64_t)s[1] << 7;
            *p = s + 2;
            return 0;
        }
    }
    return ns_varint_get_slow(p, end, v);
}
/* The same, failing (-1) if the value does not fit in 32 bits.  The
 * one-byte case is inline (most values in postings are small). */
int ns_varint_get32_slow(const uint8_t **p, const uint8_t *end, uint32_t *v);
static inline int ns_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *s = *p;
    if (s < end && *s < 0x80) {
        *v = *s;
        *p = s + 1;
        return 0;
    }
    return ns_varint_get32_slow(p, end, v);
}

/* Skips n values in [*p, end) without decoding them.  Returns 0, or -1
 * when they run past end (*p unchanged). */
static inline int ns_varint_skip(const uint8_t **p, const uint8_t *end, uint64_t n)
{
    const uint8_t *q = *p;
    while (n) {
        if (q >= end)
            return -1;
        n -= *q++ < 0x80;
    }
    *p = q;
    return 0;
}

#endif
