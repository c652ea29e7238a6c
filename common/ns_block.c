/* ns_block: the scalar reference of the 128-integer bit-packed codec (the
 * layout is described in ns_block.h and FORMAT.md).
 *
 * Unpacking is specialised per bit width: one generic always-inline body is
 * instantiated 32 times with a constant width and a fully unrolled slot
 * loop, so every shift, mask and word offset is a constant and the four
 * lanes of a slot are independent (GCC's SLP vectoriser turns them into
 * SSE code).  The doc-id variant runs the prefix sum as a second pass over
 * the 128 values while they are in L1: measured ~1.7x faster than folding
 * the serial sum into the unpack loop, which stops the vectoriser.  Packing
 * is not on the query path and uses one generic loop. */
#include "ns_block.h"

#include <assert.h>
#include <string.h>

#include "ns_endian.h"

#if defined(__clang__)
#define NS_UNROLL_32 _Pragma("unroll 32")
#elif defined(__GNUC__)
#define NS_UNROLL_32 _Pragma("GCC unroll 32")
#else
#define NS_UNROLL_32
#endif

#if defined(__GNUC__)
#define NS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NS_ALWAYS_INLINE inline
#endif

static NS_ALWAYS_INLINE uint32_t ld32(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#else
    return ns_get_u32le(p);
#endif
}

static NS_ALWAYS_INLINE void st32(uint8_t *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, 4);
#else
    ns_put_u32le(p, v);
#endif
}

unsigned ns_block_bits(const uint32_t *in, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= in[i];
    return acc ? 32u - (unsigned)__builtin_clz(acc) : 0u;
}

void ns_block_pack(const uint32_t *restrict in, unsigned bits, uint8_t *restrict out)
{
    assert(bits <= 32);
    if (bits == 0)
        return;
    const uint64_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
    for (unsigned l = 0; l < 4; l++) {
        uint64_t acc = 0;
        unsigned n_acc = 0, w = 0;
        for (unsigned s = 0; s < 32; s++) {
            acc |= ((uint64_t)in[4 * s + l] & mask) << n_acc;
            n_acc += bits;
            if (n_acc >= 32) {
                st32(out + 16 * w + 4 * l, (uint32_t)acc);
                w++;
                acc >>= 32;
                n_acc -= 32;
            }
        }
    }
}

/* Value 4*s + l: lane l, stream bits [s*b, s*b + b), which live in lane word
 * w = s*b / 32 (block word 4*w + l) and possibly the next one. */
static NS_ALWAYS_INLINE void unpack_body(const uint8_t *restrict in, uint32_t *restrict out,
                                         const unsigned b)
{
    const uint32_t mask = (1u << b) - 1; /* b is 1..31 here */
    NS_UNROLL_32
    for (unsigned s = 0; s < 32; s++) {
        const unsigned bit = s * b, w = bit >> 5, off = bit & 31;
        for (unsigned l = 0; l < 4; l++) {
            uint32_t v = ld32(in + 16 * w + 4 * l) >> off;
            if (off + b > 32)
                v |= ld32(in + 16 * (w + 1) + 4 * l) << (32 - off);
            out[4 * s + l] = v & mask;
        }
    }
}

static NS_ALWAYS_INLINE void prefix_sum(uint32_t *restrict out, uint32_t base)
{
    uint32_t prev = base;
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++) {
        prev += out[i] + 1;
        out[i] = prev;
    }
}

typedef void (*unpack_fn)(const uint8_t *restrict in, uint32_t *restrict out);

#define NS_UNPACK_INSTANCE(B)                                                                    \
    static void unpack_##B(const uint8_t *restrict in, uint32_t *restrict out)                   \
    {                                                                                            \
        unpack_body(in, out, B);                                                                 \
    }

NS_UNPACK_INSTANCE(1)
NS_UNPACK_INSTANCE(2)
NS_UNPACK_INSTANCE(3)
NS_UNPACK_INSTANCE(4)
NS_UNPACK_INSTANCE(5)
NS_UNPACK_INSTANCE(6)
NS_UNPACK_INSTANCE(7)
NS_UNPACK_INSTANCE(8)
NS_UNPACK_INSTANCE(9)
NS_UNPACK_INSTANCE(10)
NS_UNPACK_INSTANCE(11)
NS_UNPACK_INSTANCE(12)
NS_UNPACK_INSTANCE(13)
NS_UNPACK_INSTANCE(14)
NS_UNPACK_INSTANCE(15)
NS_UNPACK_INSTANCE(16)
NS_UNPACK_INSTANCE(17)
NS_UNPACK_INSTANCE(18)
NS_UNPACK_INSTANCE(19)
NS_UNPACK_INSTANCE(20)
NS_UNPACK_INSTANCE(21)
NS_UNPACK_INSTANCE(22)
NS_UNPACK_INSTANCE(23)
NS_UNPACK_INSTANCE(24)
NS_UNPACK_INSTANCE(25)
NS_UNPACK_INSTANCE(26)
NS_UNPACK_INSTANCE(27)
NS_UNPACK_INSTANCE(28)
NS_UNPACK_INSTANCE(29)
NS_UNPACK_INSTANCE(30)
NS_UNPACK_INSTANCE(31)

static void unpack_0(const uint8_t *restrict in, uint32_t *restrict out)
{
    (void)in;
    memset(out, 0, NS_BLOCK_LEN * sizeof *out);
}

/* Width 32: word i of the block is lane i % 4, slot i / 4, i.e. value i. */
static void unpack_32(const uint8_t *restrict in, uint32_t *restrict out)
{
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        out[i] = ld32(in + 4 * i);
}

#define NS_UNPACK_TABLE(P)                                                                       \
    {                                                                                            \
        P##0, P##1, P##2, P##3, P##4, P##5, P##6, P##7, P##8, P##9, P##10, P##11, P##12, P##13,  \
            P##14, P##15, P##16, P##17, P##18, P##19, P##20, P##21, P##22, P##23, P##24, P##25,  \
            P##26, P##27, P##28, P##29, P##30, P##31, P##32                                      \
    }

static const unpack_fn unpack_tab[33] = NS_UNPACK_TABLE(unpack_);

void ns_block_unpack(const uint8_t *restrict in, unsigned bits, uint32_t *restrict out)
{
    assert(bits <= 32);
    unpack_tab[bits <= 32 ? bits : 32](in, out);
}

void ns_block_unpack_delta(const uint8_t *restrict in, unsigned bits, uint32_t base,
                           uint32_t *restrict out)
{
    assert(bits <= 32);
    unpack_tab[bits <= 32 ? bits : 32](in, out);
    prefix_sum(out, base);
}
