/* ns_block: the 128-integer bit-packed block codec.
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
 * data; `in` needs no alignment (it may be NULL when bits is 0).  The
 * doc-id variant fuses delta decoding: out[i] = out[i-1] + v[i] + 1
 * (mod 2^32) with out[-1] = base; base = UINT32_MAX for a list's first
 * block gives out[0] = v[0].
 *
 * Implementations.  ns_block_unpack and ns_block_unpack_delta dispatch to
 * one of several implementations that give identical results: the portable
 * scalar reference (ns_block.c), and SSE4.1, AVX2 and AVX-512
 * (ns_block_simd.c, x86-64 only, compiled with per-function target
 * attributes so the build needs no -m flags).  The first call picks one,
 * once and thread-safely: the one named by the environment variable
 *
 *     NS_BLOCK_IMPL=scalar|sse41|avx2|avx512
 *
 * if it is set and available on this CPU, else the fastest available one
 * (measured with `nbench codec`).  ns_block_set_impl() overrides the
 * choice at run time (tests and benchmarks).  The *_scalar functions are
 * the reference and never dispatch. */
#ifndef NS_BLOCK_H
#define NS_BLOCK_H

#include <stdbool.h>
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

/* Patched blocks (PFOR): values packed with fewer bits than the largest
 * needs keep their low `bits` bits in the packed block (ns_block_pack
 * masks) and the others are listed after it as *exceptions*:
 *
 *     u8 count (1..n), then count times: u8 index (< n), varint (value >> bits)
 *
 * indexes strictly increasing, every high part >= 1 and < 2^(32 - bits).
 * These work on n <= 128 values: a 128-value packed block, or the n values
 * of a short run (ns_bits_pack).  ns_block_pfor_bits picks the width with
 * the fewest bytes in all ((n * bits + 7) / 8 plus the list, absent when
 * empty) and sets *exc_bytes to the list's size (0: none). */
unsigned ns_block_pfor_bits(const uint32_t *in, size_t n, size_t *exc_bytes);
/* Writes the exception list of in[0..n) at width bits (there must be at
 * least one); returns bytes written (at most 1 + n * 6). */
size_t ns_block_pfor_put(const uint32_t *in, size_t n, unsigned bits, uint8_t *out);
/* Reads an exception list of n values at *p (before end) and ORs each high
 * part into out[index] << bits (bits < 32).  Returns 0 and advances *p, or
 * -1 when the list is corrupt (out then partly patched). */
int ns_block_pfor_patch(const uint8_t **p, const uint8_t *end, size_t n, unsigned bits,
                        uint32_t *out);

/* Short runs: n values of `bits` bits as one little-endian bit stream
 * (value i at bits [i * bits, (i + 1) * bits)), (n * bits + 7) / 8 bytes;
 * values are masked to `bits` bits.  Returns bytes written / read. */
size_t ns_bits_pack(const uint32_t *in, size_t n, unsigned bits, uint8_t *out);
size_t ns_bits_unpack(const uint8_t *in, size_t n, unsigned bits, uint32_t *out);

/* The scalar reference of the two decoders (same contract). */
void ns_block_unpack_scalar(const uint8_t *restrict in, unsigned bits, uint32_t *restrict out);
void ns_block_unpack_delta_scalar(const uint8_t *restrict in, unsigned bits, uint32_t base,
                                  uint32_t *restrict out);

typedef enum {
    NS_BLOCK_IMPL_AUTO = -1, /* ns_block_set_impl: back to the default choice */
    NS_BLOCK_IMPL_SCALAR = 0,
    NS_BLOCK_IMPL_SSE41 = 1,
    NS_BLOCK_IMPL_AVX2 = 2,
    NS_BLOCK_IMPL_AVX512 = 3 /* AVX-512F */
} ns_block_impl;
#define NS_BLOCK_IMPL_COUNT 4

/* Returns true if impl is compiled in and this CPU (and OS) runs it;
 * scalar and AUTO always are. */
bool ns_block_impl_available(ns_block_impl impl);
/* Makes impl the one ns_block_unpack* use from now on, in every thread.
 * Returns false, changing nothing, if it is not available.  Meant for
 * tests and benchmarks: calls racing with it use the old or the new one. */
bool ns_block_set_impl(ns_block_impl impl);
/* Returns the implementation in use (resolving the default if needed). */
ns_block_impl ns_block_get_impl(void);
/* Returns: static name of the implementation in use: "scalar", "sse41",
 * "avx2" or "avx512". */
const char *ns_block_impl_name(void);
/* Returns: static name of impl ("auto" for AUTO), or NULL if out of range. */
const char *ns_block_impl_str(ns_block_impl impl);
/* Parses a name as above.  Returns false if unknown. */
bool ns_block_impl_parse(const char *name, ns_block_impl *out);

/* Internal (ns_block.c <-> ns_block_simd.c): one implementation's kernels,
 * one per bit width; `in` is read exactly 16*bits bytes. */
typedef void (*ns_block_unpack_fn)(const uint8_t *restrict in, uint32_t *restrict out);
typedef void (*ns_block_delta_fn)(const uint8_t *restrict in, uint32_t base,
                                  uint32_t *restrict out);
typedef struct ns_block_kernels {
    ns_block_unpack_fn unpack[33];
    ns_block_delta_fn unpack_delta[33];
} ns_block_kernels;
/* Returns: static kernels of a SIMD impl, or NULL if not compiled in (the
 * caller checks the CPU). */
const ns_block_kernels *ns_block_simd_kernels(ns_block_impl impl);

#endif
