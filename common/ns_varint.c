/* ns_varint: LEB128 variable-byte integers (see ns_varint.h).
 *
 * Decoding is strict so that one value has one encoding: a final byte of 0
 * after a continuation byte (overlong) and a tenth byte carrying more than
 * the one remaining bit of a uint64_t (overflow) are both rejected. */
#include "ns_varint.h"

size_t ns_varint_len(uint64_t v)
{
    /* 1 + floor(log2(v | 1)) bits, 7 per byte. */
    unsigned bits = 64u - (unsigned)__builtin_clzll(v | 1);
    return (bits + 6) / 7;
}

int ns_varint_get_slow(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *s = *p;
    if (s >= end)
        return -1;
    if (s[0] < 0x80) {
        *v = s[0];
        *p = s + 1;
        return 0;
    }
    uint64_t x = s[0] & 0x7f;
    size_t avail = (size_t)(end - s);
    size_t max = avail < NS_VARINT_MAX_BYTES ? avail : NS_VARINT_MAX_BYTES;
    for (size_t i = 1; i < max; i++) {
        uint8_t c = s[i];
        if (i == NS_VARINT_MAX_BYTES - 1 && c > 1)
            return -1; /* overflow: only bit 63 is left, and no continuation */
        x |= (uint64_t)(c & 0x7f) << (7 * i);
        if (c < 0x80) {
            if (c == 0)
                return -1; /* overlong: a trailing zero group */
            *v = x;
            *p = s + i + 1;
            return 0;
        }
    }
    return -1; /* truncated (or longer than NS_VARINT_MAX_BYTES) */
}

int ns_varint_get32_slow(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *s = *p;
    uint64_t x;
    if (ns_varint_get_slow(&s, end, &x) != 0 || x > UINT32_MAX)
        return -1;
    *v = (uint32_t)x;
    *p = s;
    return 0;
}
