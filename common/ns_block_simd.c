/* ns_block_simd: SSE4.1, AVX2 and AVX-512 decoders of the packed block
 * (layout in ns_block.h), selected at run time by ns_block.c.  Its own file
 * because every function carries a target attribute: the build needs no -m
 * flags and the code runs only after a CPU check.
 *
 * Every decoder is one generic always-inline body instantiated for each
 * constant width 1..32 with the slot loop fully unrolled, so each shift
 * count, mask, row and "does this slot straddle two words" test is a
 * compile-time constant (SIMD-BP128's generated code, written once).
 *
 *  - SSE4.1: one register per slot (4 consecutive values): shift the lane
 *    word right, OR in the next word shifted left when the slot straddles,
 *    mask.
 *  - AVX2: two slots per register: their rows are one 32-byte load, or a
 *    16-byte broadcast when both slots start in the same lane word; the
 *    per-half shift counts make the shifts variable (vpsrlvd/vpsllvd; a
 *    count of 32 gives 0 for a half that does not straddle).  Plain unpack
 *    of most widths above 12 uses the SSE body instead (measured faster).
 *  - AVX-512: four slots (16 values) per register: rows by broadcast and
 *    masked broadcasts or, for delta decoding when it takes fewer
 *    instructions, picked by vpermq from one 64-byte window (plain unpack
 *    streaming from L3 measured ~15% slower with the window); OR + mask in
 *    one vpternlogd; results stored as two 256-bit halves (avx512_store).
 *
 * Delta decoding (doc ids) is fused: an unpacked register holds consecutive
 * gaps, whose prefix sum takes log2(lanes) shift+add steps (in-lane byte
 * shifts for SSE, + one cross-half permute for AVX2, valignd across the
 * whole register for AVX-512).  Adding d = previous id + (1, 2, 3, ...)
 * completes the ids, and the next d is broadcast(last id) + (1, 2, ...):
 * two instructions after the store, off the unpacking's critical path.
 *
 * Loads: rows are 16 bytes inside the block and wider loads cover only
 * rows of the block (a 64-byte window is moved back to end at the block's
 * end), so no decoder reads outside in[0, 16*bits). */
#include "ns_block.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)

#include <immintrin.h>

#define NS_SIMD_INLINE inline __attribute__((always_inline))
#define T_SSE41 __attribute__((target("sse4.1")))
#define T_AVX2 __attribute__((target("avx2")))
#define T_AVX512 __attribute__((target("avx512f")))

#if defined(__clang__)
#define NS_UNROLL _Pragma("unroll")
#else
#define NS_UNROLL _Pragma("GCC unroll 32")
#endif

static inline uint32_t width_mask(unsigned b) { return b >= 32 ? UINT32_MAX : (1u << b) - 1; }

/* Slot s of width b: lane word w (row w of the block), bit offset off. */
#define SLOT_W(s, b) (((s) * (b)) >> 5)
#define SLOT_OFF(s, b) (((s) * (b)) & 31)
#define SLOT_STRADDLES(s, b) (SLOT_OFF(s, b) + (b) > 32)
#define SLOT_ENDS_AT_32(s, b) (SLOT_OFF(s, b) + (b) == 32)

/* ------------------------------------------------------------------ SSE4.1 */

T_SSE41 static NS_SIMD_INLINE __m128i sse_row(const uint8_t *in, unsigned r)
{
    return _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * r));
}

T_SSE41 static NS_SIMD_INLINE __m128i sse_slot(const uint8_t *in, unsigned s, const unsigned b)
{
    const unsigned w = SLOT_W(s, b), off = SLOT_OFF(s, b);
    __m128i v = sse_row(in, w);
    if (off)
        v = _mm_srli_epi32(v, (int)off);
    if (SLOT_STRADDLES(s, b))
        v = _mm_or_si128(v, _mm_slli_epi32(sse_row(in, w + 1), (int)(32 - off)));
    if (!SLOT_ENDS_AT_32(s, b))
        v = _mm_and_si128(v, _mm_set1_epi32((int)width_mask(b)));
    return v;
}

T_SSE41 static NS_SIMD_INLINE void sse_unpack_body(const uint8_t *restrict in,
                                                   uint32_t *restrict out, const unsigned b)
{
    NS_UNROLL
    for (unsigned s = 0; s < 32; s++)
        _mm_storeu_si128((__m128i *)(void *)(out + 4 * s), sse_slot(in, s, b));
}

/* v: 4 gaps; d: the next 4 ids if the gaps were 0, i.e. the previous id
 * + (1, 2, 3, 4).  Stores the 4 ids and returns the next d. */
T_SSE41 static NS_SIMD_INLINE __m128i sse_delta_step(__m128i v, __m128i d, uint32_t *out)
{
    v = _mm_add_epi32(v, _mm_slli_si128(v, 4));
    v = _mm_add_epi32(v, _mm_slli_si128(v, 8));
    v = _mm_add_epi32(v, d);
    _mm_storeu_si128((__m128i *)(void *)out, v);
    return _mm_add_epi32(_mm_shuffle_epi32(v, 0xFF), _mm_setr_epi32(1, 2, 3, 4));
}

T_SSE41 static NS_SIMD_INLINE void sse_delta_body(const uint8_t *restrict in, uint32_t base,
                                                  uint32_t *restrict out, const unsigned b)
{
    __m128i d = _mm_add_epi32(_mm_set1_epi32((int)base), _mm_setr_epi32(1, 2, 3, 4));
    NS_UNROLL
    for (unsigned s = 0; s < 32; s++)
        d = sse_delta_step(sse_slot(in, s, b), d, out + 4 * s);
}

/* Width 0.  The empty asm hides the constant so GCC does not turn the
 * stores into a memset call (rep stos: slower on 512 bytes). */
T_SSE41 static void sse_unpack_0(const uint8_t *restrict in, uint32_t *restrict out)
{
    (void)in;
    __m128i z = _mm_setzero_si128();
    __asm__("" : "+x"(z));
    for (unsigned s = 0; s < 32; s++)
        _mm_storeu_si128((__m128i *)(void *)(out + 4 * s), z);
}

T_SSE41 static void sse_delta_0(const uint8_t *restrict in, uint32_t base, uint32_t *restrict out)
{
    (void)in;
    __m128i v = _mm_add_epi32(_mm_set1_epi32((int)base), _mm_setr_epi32(1, 2, 3, 4));
    for (unsigned s = 0; s < 32; s++) {
        _mm_storeu_si128((__m128i *)(void *)(out + 4 * s), v);
        v = _mm_add_epi32(v, _mm_set1_epi32(4));
    }
}

/* -------------------------------------------------------------------- AVX2 */

/* Rows r0 (low half) and r1 (high half), r1 - r0 in {0, 1}. */
T_AVX2 static NS_SIMD_INLINE __m256i avx2_rows(const uint8_t *in, unsigned r0, unsigned r1)
{
    if (r0 == r1)
        return _mm256_broadcastsi128_si256(
            _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * r0)));
    return _mm256_loadu_si256((const __m256i *)(const void *)(in + 16 * r0));
}

/* Slots s and s+1: values 4s .. 4s+7. */
T_AVX2 static NS_SIMD_INLINE __m256i avx2_pair(const uint8_t *in, unsigned s, const unsigned b)
{
    const unsigned w0 = SLOT_W(s, b), w1 = SLOT_W(s + 1, b);
    const unsigned o0 = SLOT_OFF(s, b), o1 = SLOT_OFF(s + 1, b);
    const int st0 = SLOT_STRADDLES(s, b), st1 = SLOT_STRADDLES(s + 1, b);
    __m256i v = avx2_rows(in, w0, w1);
    if (o0 || o1)
        v = _mm256_srlv_epi32(v, _mm256_setr_epi32((int)o0, (int)o0, (int)o0, (int)o0, (int)o1,
                                                   (int)o1, (int)o1, (int)o1));
    if (st0 || st1) {
        /* a half that does not straddle takes the other's row, shifted out */
        const unsigned h0 = st0 ? w0 + 1 : w1 + 1, h1 = st1 ? w1 + 1 : h0;
        const int c0 = st0 ? (int)(32 - o0) : 32, c1 = st1 ? (int)(32 - o1) : 32;
        v = _mm256_or_si256(v, _mm256_sllv_epi32(avx2_rows(in, h0, h1),
                                                  _mm256_setr_epi32(c0, c0, c0, c0, c1, c1, c1, c1)));
    }
    if (!SLOT_ENDS_AT_32(s, b) || !SLOT_ENDS_AT_32(s + 1, b))
        v = _mm256_and_si256(v, _mm256_set1_epi32((int)width_mask(b)));
    return v;
}

/* Plain unpacking of widths 13..31 but 16 measured up to 20% faster with
 * the SSE body (VEX-encoded here) than with two variable shifts per pair. */
#define AVX2_UNPACK_USES_SSE(b) ((b) >= 13 && (b) != 16 && (b) != 32)

T_AVX2 static NS_SIMD_INLINE void avx2_unpack_body(const uint8_t *restrict in,
                                                   uint32_t *restrict out, const unsigned b)
{
    if (AVX2_UNPACK_USES_SSE(b)) {
        sse_unpack_body(in, out, b);
        return;
    }
    NS_UNROLL
    for (unsigned s = 0; s < 32; s += 2)
        _mm256_storeu_si256((__m256i *)(void *)(out + 4 * s), avx2_pair(in, s, b));
}

/* 8 gaps -> 8 ids: in-lane prefix sums (byte shifts stay within 128-bit
 * halves), then the low half's total is added to the high half.  d: the
 * previous id + (1..8). */
T_AVX2 static NS_SIMD_INLINE __m256i avx2_delta_step(__m256i v, __m256i d, uint32_t *out)
{
    v = _mm256_add_epi32(v, _mm256_slli_si256(v, 4));
    v = _mm256_add_epi32(v, _mm256_slli_si256(v, 8));
    /* element 3 into the high half, zero in the low half */
    __m256i lo_total = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 0, 0, 0, 3, 3, 3, 3));
    v = _mm256_add_epi32(v, _mm256_blend_epi32(lo_total, _mm256_setzero_si256(), 0x0F));
    v = _mm256_add_epi32(v, d);
    _mm256_storeu_si256((__m256i *)(void *)out, v);
    return _mm256_add_epi32(_mm256_permutevar8x32_epi32(v, _mm256_set1_epi32(7)),
                            _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8));
}

T_AVX2 static NS_SIMD_INLINE void avx2_delta_body(const uint8_t *restrict in, uint32_t base,
                                                  uint32_t *restrict out, const unsigned b)
{
    __m256i d = _mm256_add_epi32(_mm256_set1_epi32((int)base), _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8));
    NS_UNROLL
    for (unsigned s = 0; s < 32; s += 2)
        d = avx2_delta_step(avx2_pair(in, s, b), d, out + 4 * s);
}

T_AVX2 static void avx2_unpack_0(const uint8_t *restrict in, uint32_t *restrict out)
{
    (void)in;
    __m256i z = _mm256_setzero_si256();
    __asm__("" : "+x"(z));
    for (unsigned s = 0; s < 32; s += 2)
        _mm256_storeu_si256((__m256i *)(void *)(out + 4 * s), z);
}

T_AVX2 static void avx2_delta_0(const uint8_t *restrict in, uint32_t base, uint32_t *restrict out)
{
    (void)in;
    __m256i v = _mm256_add_epi32(_mm256_set1_epi32((int)base),
                                 _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8));
    for (unsigned s = 0; s < 32; s += 2) {
        _mm256_storeu_si256((__m256i *)(void *)(out + 4 * s), v);
        v = _mm256_add_epi32(v, _mm256_set1_epi32(8));
    }
}

/* ----------------------------------------------------------------- AVX-512 */

/* Rows r[0..3] are r[0], r[0]+1, r[0]+2, r[0]+3 (one 64-byte load). */
static inline unsigned rows_consecutive(const unsigned *r)
{
    return r[1] == r[0] + 1 && r[2] == r[0] + 2 && r[3] == r[0] + 3;
}

/* Masked broadcasts avx512_rows needs for rows r[0..3]. */
static inline unsigned rows_extra(const unsigned *r)
{
    return rows_consecutive(r) ? 0 : (r[1] != r[0]) + (r[2] != r[1]) + (r[3] != r[2]);
}

/* Two 256-bit stores: on the Xeon (Sapphire Rapids) we measured, a 512-bit
 * store made plain unpacking ~40% slower (e.g. 14 vs 24 G ints/s at 8
 * bits); on AMD Zen 4 a 512-bit store is two 256-bit ones anyway. */
T_AVX512 static NS_SIMD_INLINE void avx512_store(uint32_t *out, __m512i v)
{
    _mm256_storeu_si256((__m256i *)(void *)out, _mm512_castsi512_si256(v));
    _mm256_storeu_si256((__m256i *)(void *)(out + 8), _mm512_extracti64x4_epi64(v, 1));
}

/* Rows r[0..3] (nondecreasing) into the four 128-bit lanes. */
T_AVX512 static NS_SIMD_INLINE __m512i avx512_rows(const uint8_t *in, unsigned r0, unsigned r1,
                                                   unsigned r2, unsigned r3)
{
    const unsigned r[4] = {r0, r1, r2, r3};
    if (rows_consecutive(r))
        return _mm512_loadu_si512((const void *)(in + 16 * r0));
    __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(in + 16 * r0)));
    for (unsigned k = 1; k < 4; k++) {
        if (r[k] == r[k - 1])
            continue;
        __mmask16 m = 0;
        for (unsigned j = k; j < 4; j++)
            if (r[j] == r[k])
                m = (__mmask16)(m | (0xFu << (4 * j)));
        v = _mm512_mask_broadcast_i32x4(
            v, m, _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * r[k])));
    }
    return v;
}

#define SET4x4(a, b, c, d)                                                                       \
    _mm512_setr_epi32((int)(a), (int)(a), (int)(a), (int)(a), (int)(b), (int)(b), (int)(b),      \
                      (int)(b), (int)(c), (int)(c), (int)(c), (int)(c), (int)(d), (int)(d),      \
                      (int)(d), (int)(d))

/* Rows r[0..3] picked from the window X of rows base..base+3. */
T_AVX512 static NS_SIMD_INLINE __m512i avx512_pick(__m512i x, unsigned base, const unsigned *r)
{
    if (r[0] == base && rows_consecutive(r))
        return x;
    const long long q0 = 2 * (r[0] - base), q1 = 2 * (r[1] - base), q2 = 2 * (r[2] - base),
                    q3 = 2 * (r[3] - base);
    return _mm512_permutexvar_epi64(_mm512_setr_epi64(q0, q0 + 1, q1, q1 + 1, q2, q2 + 1, q3, q3 + 1), x);
}

/* Slots s .. s+3: values 4s .. 4s+15.  window_ok: may take the rows from
 * one 64-byte window (see the file comment). */
T_AVX512 static NS_SIMD_INLINE __m512i avx512_quad(const uint8_t *in, unsigned s, const unsigned b,
                                                   const int window_ok)
{
    unsigned w[4], o[4], st[4], h[4], c[4], any_off = 0, any_st = 0, all_end = 1;
    for (unsigned k = 0; k < 4; k++) {
        w[k] = SLOT_W(s + k, b);
        o[k] = SLOT_OFF(s + k, b);
        st[k] = SLOT_STRADDLES(s + k, b);
        any_off |= o[k];
        any_st |= st[k];
        all_end &= SLOT_ENDS_AT_32(s + k, b);
    }
    /* a lane that does not straddle takes a straddling neighbour's next row
     * (so rows stay few and in bounds) and shifts it out (count 32) */
    unsigned h_max = w[3];
    for (unsigned k = 0; k < 4; k++) {
        unsigned j = k;
        if (!st[k]) {
            for (j = 0; j < 4 && !st[j]; j++)
                ;
            for (unsigned i = 0; i < k; i++)
                if (st[i])
                    j = i;
        }
        h[k] = j < 4 ? w[j] + 1 : w[k];
        c[k] = st[k] ? 32 - o[k] : 32;
        if (any_st && h[k] > h_max)
            h_max = h[k];
    }
    __m512i v, hi = _mm512_setzero_si512();
    /* Rows by broadcasts cost ~2 uops per extra distinct row (mask + merge);
     * from one 64-byte window, 1 permute per register (measured both). */
    const unsigned cost_bcast = 2 * (rows_extra(w) + (any_st ? rows_extra(h) : 0));
    const unsigned cost_window = !rows_consecutive(w) + (any_st ? !rows_consecutive(h) : 0);
    if (window_ok && b >= 4 && h_max - w[0] <= 3 && cost_window < cost_bcast) {
        /* one 64-byte window holds every row needed; it must end by the
         * end of the block */
        const unsigned base = w[0] < b - 4 ? w[0] : b - 4;
        __m512i x = _mm512_loadu_si512((const void *)(in + 16 * base));
        v = avx512_pick(x, base, w);
        if (any_st)
            hi = avx512_pick(x, base, h);
    } else {
        v = avx512_rows(in, w[0], w[1], w[2], w[3]);
        if (any_st)
            hi = avx512_rows(in, h[0], h[1], h[2], h[3]);
    }
    if (any_off)
        v = _mm512_srlv_epi32(v, SET4x4(o[0], o[1], o[2], o[3]));
    if (any_st) {
        hi = _mm512_sllv_epi32(hi, SET4x4(c[0], c[1], c[2], c[3]));
        /* (v | hi) & mask in one instruction */
        return _mm512_ternarylogic_epi32(v, hi, _mm512_set1_epi32((int)width_mask(b)), 0xA8);
    }
    if (!all_end)
        v = _mm512_and_si512(v, _mm512_set1_epi32((int)width_mask(b)));
    return v;
}

T_AVX512 static NS_SIMD_INLINE void avx512_unpack_body(const uint8_t *restrict in,
                                                       uint32_t *restrict out, const unsigned b)
{
    if (b == 32) { /* a copy: 256-bit loads are as fast and need no store split */
        avx2_unpack_body(in, out, 32);
        return;
    }
    NS_UNROLL
    for (unsigned s = 0; s < 32; s += 4)
        avx512_store(out + 4 * s, avx512_quad(in, s, b, 0));
}

/* 16 gaps -> 16 ids: four shift+add steps across the whole register.
 * d holds the next 16 ids if every gap were 0: previous id + (1..16). */
T_AVX512 static NS_SIMD_INLINE __m512i avx512_delta_step(__m512i v, __m512i d, uint32_t *out)
{
    const __m512i z = _mm512_setzero_si512();
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 15));
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 14));
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 12));
    v = _mm512_add_epi32(v, _mm512_alignr_epi32(v, z, 8));
    v = _mm512_add_epi32(v, d);
    avx512_store(out, v);
    return _mm512_add_epi32(_mm512_permutexvar_epi32(_mm512_set1_epi32(15), v),
                            _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
}

T_AVX512 static NS_SIMD_INLINE void avx512_delta_body(const uint8_t *restrict in, uint32_t base,
                                                      uint32_t *restrict out, const unsigned b)
{
    __m512i d = _mm512_add_epi32(_mm512_set1_epi32((int)base),
                                 _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
    NS_UNROLL
    for (unsigned s = 0; s < 32; s += 4)
        d = avx512_delta_step(avx512_quad(in, s, b, 1), d, out + 4 * s);
}

T_AVX512 static void avx512_unpack_0(const uint8_t *restrict in, uint32_t *restrict out)
{
    avx2_unpack_0(in, out);
}

T_AVX512 static void avx512_delta_0(const uint8_t *restrict in, uint32_t base,
                                    uint32_t *restrict out)
{
    (void)in;
    __m512i v = _mm512_add_epi32(
        _mm512_set1_epi32((int)base),
        _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
    for (unsigned s = 0; s < 32; s += 4) {
        avx512_store(out + 4 * s, v);
        v = _mm512_add_epi32(v, _mm512_set1_epi32(16));
    }
}

/* ------------------------------------------------------------ instances */

#define NS_SIMD_INSTANCE(P, T, B)                                                                \
    T static void P##_unpack_##B(const uint8_t *restrict in, uint32_t *restrict out)             \
    {                                                                                            \
        P##_unpack_body(in, out, B);                                                             \
    }                                                                                            \
    T static void P##_delta_##B(const uint8_t *restrict in, uint32_t base,                       \
                                uint32_t *restrict out)                                          \
    {                                                                                            \
        P##_delta_body(in, base, out, B);                                                        \
    }

#define NS_SIMD_INSTANCES(P, T)                                                                  \
    NS_SIMD_INSTANCE(P, T, 1)                                                                    \
    NS_SIMD_INSTANCE(P, T, 2)                                                                    \
    NS_SIMD_INSTANCE(P, T, 3)                                                                    \
    NS_SIMD_INSTANCE(P, T, 4)                                                                    \
    NS_SIMD_INSTANCE(P, T, 5)                                                                    \
    NS_SIMD_INSTANCE(P, T, 6)                                                                    \
    NS_SIMD_INSTANCE(P, T, 7)                                                                    \
    NS_SIMD_INSTANCE(P, T, 8)                                                                    \
    NS_SIMD_INSTANCE(P, T, 9)                                                                    \
    NS_SIMD_INSTANCE(P, T, 10)                                                                   \
    NS_SIMD_INSTANCE(P, T, 11)                                                                   \
    NS_SIMD_INSTANCE(P, T, 12)                                                                   \
    NS_SIMD_INSTANCE(P, T, 13)                                                                   \
    NS_SIMD_INSTANCE(P, T, 14)                                                                   \
    NS_SIMD_INSTANCE(P, T, 15)                                                                   \
    NS_SIMD_INSTANCE(P, T, 16)                                                                   \
    NS_SIMD_INSTANCE(P, T, 17)                                                                   \
    NS_SIMD_INSTANCE(P, T, 18)                                                                   \
    NS_SIMD_INSTANCE(P, T, 19)                                                                   \
    NS_SIMD_INSTANCE(P, T, 20)                                                                   \
    NS_SIMD_INSTANCE(P, T, 21)                                                                   \
    NS_SIMD_INSTANCE(P, T, 22)                                                                   \
    NS_SIMD_INSTANCE(P, T, 23)                                                                   \
    NS_SIMD_INSTANCE(P, T, 24)                                                                   \
    NS_SIMD_INSTANCE(P, T, 25)                                                                   \
    NS_SIMD_INSTANCE(P, T, 26)                                                                   \
    NS_SIMD_INSTANCE(P, T, 27)                                                                   \
    NS_SIMD_INSTANCE(P, T, 28)                                                                   \
    NS_SIMD_INSTANCE(P, T, 29)                                                                   \
    NS_SIMD_INSTANCE(P, T, 30)                                                                   \
    NS_SIMD_INSTANCE(P, T, 31)                                                                   \
    NS_SIMD_INSTANCE(P, T, 32)

NS_SIMD_INSTANCES(sse, T_SSE41)
NS_SIMD_INSTANCES(avx2, T_AVX2)
NS_SIMD_INSTANCES(avx512, T_AVX512)

#define NS_SIMD_TABLE(P, K)                                                                      \
    {                                                                                            \
        P##_##K##_0, P##_##K##_1, P##_##K##_2, P##_##K##_3, P##_##K##_4, P##_##K##_5,            \
            P##_##K##_6, P##_##K##_7, P##_##K##_8, P##_##K##_9, P##_##K##_10, P##_##K##_11,      \
            P##_##K##_12, P##_##K##_13, P##_##K##_14, P##_##K##_15, P##_##K##_16, P##_##K##_17,  \
            P##_##K##_18, P##_##K##_19, P##_##K##_20, P##_##K##_21, P##_##K##_22, P##_##K##_23,  \
            P##_##K##_24, P##_##K##_25, P##_##K##_26, P##_##K##_27, P##_##K##_28, P##_##K##_29,  \
            P##_##K##_30, P##_##K##_31, P##_##K##_32                                             \
    }

static const ns_block_kernels sse41_kernels = {NS_SIMD_TABLE(sse, unpack), NS_SIMD_TABLE(sse, delta)};
static const ns_block_kernels avx2_kernels = {NS_SIMD_TABLE(avx2, unpack),
                                              NS_SIMD_TABLE(avx2, delta)};
static const ns_block_kernels avx512_kernels = {NS_SIMD_TABLE(avx512, unpack),
                                                NS_SIMD_TABLE(avx512, delta)};

const ns_block_kernels *ns_block_simd_kernels(ns_block_impl impl)
{
    switch (impl) {
    case NS_BLOCK_IMPL_SSE41:
        return &sse41_kernels;
    case NS_BLOCK_IMPL_AVX2:
        return &avx2_kernels;
    case NS_BLOCK_IMPL_AVX512:
        return &avx512_kernels;
    default:
        return NULL;
    }
}

#else /* not x86 with GCC/Clang: scalar only */

const ns_block_kernels *ns_block_simd_kernels(ns_block_impl impl)
{
    (void)impl;
    return NULL;
}

#endif
