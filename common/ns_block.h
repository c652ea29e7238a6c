/* ns_block: the 128-integer bit-packed block codec (scalar reference).
 *
 * Layout (FORMAT.md, "Packed block"): SIMD-BP128's four-lane interleave, so
 * that an SSE register loaded from the block holds one 32-bit word of each
 * of four lanes.  Value i (0..127) belongs to lane l = i % 4, slot
 * s = i / 4.  Each lane is a little-endian bit stream of its 32 values,
 * `bits` bits each, slot s at stream bits [s*bits, (s+1)*bits).  Lane word w
 * (stream bits [32w, 32w+32)) is stored as the 32-bit little-endian word
 * number 4*w + l of the block.  A block of width b is 16*b bytes; width 0 is
 * empty (all values 0); width 32 stores the values verbatim (interleaved).
 *
 * Decoders never allocate and read exactly ns_block_bytes(bits) bytes, so a
 * caller that bounds-checks that length once per block is safe on corrupt
 * data.  The doc-id variant fuses delta decoding: out[i] = out[i-1] + v[i]
 * + 1 (mod 2^32) with out[-1] = base; base = UINT32_MAX for a list's first
 * block gives out[0] = v[0]. */
#ifndef NS_BLOCK_H
#define NS_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define NS_BLOCK_LEN 128

static inline size_t ns_block_bytes(unsigned bits) { return 16u * bits; }

/* Returns the bit width (0..32) needed for the n (<= 128) values. */
unsigned ns_block_bits(const uint32_t *in, size_t n);

/* Packs in[0..128) (each < 2^bits) into out[0..16*bits). */
void ns_block_pack(const uint32_t *restrict in, unsigned bits, uint8_t *restrict out);
/* Unpacks 128 values from in[0..16*bits). */
void ns_block_unpack(const uint8_t *restrict in, unsigned bits, uint32_t *restrict out);
/* Unpacks 128 gaps and turns them into ids (see above). */
void ns_block_unpack_delta(const uint8_t *restrict in, unsigned bits, uint32_t base,
                           uint32_t *restrict out);

#endif
