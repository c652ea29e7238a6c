/* ns_varint: variable-byte integers (LEB128: 7 bits a byte, low groups
 * first, high bit set on every byte but the last).  Used by the dictionary,
 * the final partial posting block and the positions tails. */
#ifndef NS_VARINT_H
#define NS_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define NS_VARINT_MAX_BYTES 10 /* a uint64_t */

/* Writes v to out (room for NS_VARINT_MAX_BYTES); returns bytes written. */
size_t ns_varint_put(uint8_t *out, uint64_t v);
/* Returns bytes needed for v. */
size_t ns_varint_len(uint64_t v);

/* Reads one value from [*p, end) into *v and advances *p.  Returns 0, or -1
 * when the input ends mid-value or the value is overlong/overflows (then *p
 * is unchanged).  Never reads at or beyond end. */
int ns_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);
/* The same, failing (-1) if the value does not fit in 32 bits. */
int ns_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v);

#endif
