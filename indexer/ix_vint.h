/* ix_vint: inline varint coding for the indexer's hot loops (the merge and
 * the writer decode one or two varints per posting and one per position;
 * ns_varint.c's out-of-line functions cost a call each).  Same LEB128 as
 * ns_varint.h, limited to 32-bit values. */
#ifndef IX_VINT_H
#define IX_VINT_H

#include <stdint.h>

/* Reads a u32 from [*p, end), advancing *p.  Returns 0, or -1 when the
 * value runs past end or does not fit in 32 bits (*p unchanged). */
static inline int ix_vint_get(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *q = *p;
    if (q < end && *q < 0x80) {
        *v = *q;
        *p = q + 1;
        return 0;
    }
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (q >= end)
            return -1;
        uint8_t b = *q++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            if (x > UINT32_MAX)
                return -1;
            *v = (uint32_t)x;
            *p = q;
            return 0;
        }
    }
    return -1;
}

/* Writes v at out (room for 5 bytes); returns the bytes written. */
static inline unsigned ix_vint_put(uint8_t *out, uint32_t v)
{
    unsigned n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Skips n varints in [*p, end); returns 0, or -1 if they run past end. */
static inline int ix_vint_skip(const uint8_t **p, const uint8_t *end, uint32_t n)
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
