/* ns_block: the scalar reference of the 128-integer bit-packed codec (the
 * layout is described in ns_block.h and FORMAT.md), and the run-time
 * dispatch of ns_block_unpack* to the fastest implementation (the SIMD ones
 * live in ns_block_simd.c because they need per-ISA target attributes).
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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ns_endian.h"
#include "ns_varint.h"

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

unsigned ns_block_pfor_bits(const uint32_t *in, size_t n_in, size_t *exc_bytes)
{
    /* hist[k]: values needing exactly k bits */
    size_t hist[33] = {0};
    for (size_t i = 0; i < n_in; i++)
        hist[in[i] ? 32u - (unsigned)__builtin_clz(in[i]) : 0u]++;
    unsigned max = 32;
    while (max && !hist[max])
        max--;
    unsigned best = max;
    size_t best_cost = (n_in * max + 7) / 8, best_exc = 0;
    for (unsigned b = 0; b < max; b++) {
        size_t exc = 0, n = 0;
        for (unsigned k = b + 1; k <= max; k++) {
            /* a high part of k - b bits: a varint of ceil((k - b) / 7) bytes */
            exc += hist[k] * (1 + (k - b + 6) / 7);
            n += hist[k];
        }
        exc += n ? 1 : 0;
        if ((n_in * b + 7) / 8 + exc < best_cost) {
            best = b;
            best_cost = (n_in * b + 7) / 8 + exc;
            best_exc = exc;
        }
    }
    *exc_bytes = best_exc;
    return best;
}

size_t ns_block_pfor_put(const uint32_t *in, size_t n_in, unsigned bits, uint8_t *out)
{
    assert(bits < 32 && n_in <= NS_BLOCK_LEN);
    size_t o = 1, n = 0;
    for (size_t i = 0; i < n_in; i++) {
        if (in[i] >> bits) {
            out[o++] = (uint8_t)i;
            o += ns_varint_put(out + o, in[i] >> bits);
            n++;
        }
    }
    assert(n >= 1);
    out[0] = (uint8_t)n;
    return o;
}

int ns_block_pfor_patch(const uint8_t **p, const uint8_t *end, size_t n_in, unsigned bits,
                        uint32_t *out)
{
    const uint8_t *q = *p;
    if (q >= end || bits >= 32)
        return -1;
    unsigned n = *q++;
    if (n == 0 || n > n_in)
        return -1;
    int prev = -1;
    for (unsigned e = 0; e < n; e++) {
        uint32_t hi;
        if (q >= end || (int)*q <= prev || *q >= n_in)
            return -1;
        unsigned i = *q++;
        if (ns_varint_get32(&q, end, &hi) || hi == 0 || (bits && hi >> (32 - bits)))
            return -1;
        out[i] |= hi << bits;
        prev = (int)i;
    }
    *p = q;
    return 0;
}

size_t ns_bits_pack(const uint32_t *in, size_t n, unsigned bits, uint8_t *out)
{
    assert(bits <= 32);
    const uint64_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
    size_t o = 0;
    uint64_t acc = 0;
    unsigned n_acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= ((uint64_t)in[i] & mask) << n_acc;
        n_acc += bits;
        while (n_acc >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            n_acc -= 8;
        }
    }
    if (n_acc)
        out[o++] = (uint8_t)acc;
    return o;
}

size_t ns_bits_unpack(const uint8_t *in, size_t n, unsigned bits, uint32_t *out)
{
    assert(bits <= 32);
    const uint64_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
    size_t len = (n * bits + 7) / 8, o = 0;
    uint64_t acc = 0;
    unsigned n_acc = 0;
    for (size_t i = 0; i < n; i++) {
        while (n_acc < bits) {
            acc |= (uint64_t)in[o++] << n_acc;
            n_acc += 8;
        }
        out[i] = (uint32_t)(acc & mask);
        acc >>= bits;
        n_acc -= bits;
    }
    return len;
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

#define NS_DELTA_INSTANCE(B)                                                                     \
    static void delta_##B(const uint8_t *restrict in, uint32_t base, uint32_t *restrict out)     \
    {                                                                                            \
        unpack_##B(in, out);                                                                     \
        prefix_sum(out, base);                                                                   \
    }

NS_DELTA_INSTANCE(0)
NS_DELTA_INSTANCE(1)
NS_DELTA_INSTANCE(2)
NS_DELTA_INSTANCE(3)
NS_DELTA_INSTANCE(4)
NS_DELTA_INSTANCE(5)
NS_DELTA_INSTANCE(6)
NS_DELTA_INSTANCE(7)
NS_DELTA_INSTANCE(8)
NS_DELTA_INSTANCE(9)
NS_DELTA_INSTANCE(10)
NS_DELTA_INSTANCE(11)
NS_DELTA_INSTANCE(12)
NS_DELTA_INSTANCE(13)
NS_DELTA_INSTANCE(14)
NS_DELTA_INSTANCE(15)
NS_DELTA_INSTANCE(16)
NS_DELTA_INSTANCE(17)
NS_DELTA_INSTANCE(18)
NS_DELTA_INSTANCE(19)
NS_DELTA_INSTANCE(20)
NS_DELTA_INSTANCE(21)
NS_DELTA_INSTANCE(22)
NS_DELTA_INSTANCE(23)
NS_DELTA_INSTANCE(24)
NS_DELTA_INSTANCE(25)
NS_DELTA_INSTANCE(26)
NS_DELTA_INSTANCE(27)
NS_DELTA_INSTANCE(28)
NS_DELTA_INSTANCE(29)
NS_DELTA_INSTANCE(30)
NS_DELTA_INSTANCE(31)
NS_DELTA_INSTANCE(32)

static const ns_block_kernels scalar_kernels = {NS_UNPACK_TABLE(unpack_), NS_UNPACK_TABLE(delta_)};

void ns_block_unpack_scalar(const uint8_t *restrict in, unsigned bits, uint32_t *restrict out)
{
    assert(bits <= 32);
    scalar_kernels.unpack[bits <= 32 ? bits : 32](in, out);
}

void ns_block_unpack_delta_scalar(const uint8_t *restrict in, unsigned bits, uint32_t base,
                                  uint32_t *restrict out)
{
    assert(bits <= 32);
    scalar_kernels.unpack_delta[bits <= 32 ? bits : 32](in, base, out);
}

/* ---- dispatch ----
 *
 * g_kernels points at the kernels in use: NULL until resolved, then written
 * only by resolve() (under pthread_once) and ns_block_set_impl().  It is
 * atomic so that a racing ns_block_set_impl() is not undefined behaviour;
 * the relaxed load is a plain load on every target we care about, and the
 * tables it points to are constant.  One indirect call per block. */
static _Atomic(const ns_block_kernels *) g_kernels;
static _Atomic int g_impl = NS_BLOCK_IMPL_SCALAR;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static const char *const impl_names[NS_BLOCK_IMPL_COUNT] = {"scalar", "sse41", "avx2", "avx512"};

/* Fastest first, as measured by `nbench codec` on a Xeon (Sapphire
 * Rapids): for delta decoding AVX-512 beats AVX2 at every width (~5-6.6 vs
 * ~4.4-6 G ints/s), AVX2 beats SSE4.1 (~3.2-4.6) and SSE4.1 the scalar
 * code (~2-2.6); plain unpacking is at least as fast with each wider one. */
static const ns_block_impl impl_preference[] = {NS_BLOCK_IMPL_AVX512, NS_BLOCK_IMPL_AVX2,
                                                NS_BLOCK_IMPL_SSE41, NS_BLOCK_IMPL_SCALAR};

static bool cpu_runs(ns_block_impl impl)
{
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    switch (impl) {
    case NS_BLOCK_IMPL_SSE41:
        return __builtin_cpu_supports("sse4.1");
    case NS_BLOCK_IMPL_AVX2:
        return __builtin_cpu_supports("avx2");
    case NS_BLOCK_IMPL_AVX512:
        return __builtin_cpu_supports("avx512f");
    default:
        return false;
    }
#else
    (void)impl;
    return false;
#endif
}

static const ns_block_kernels *kernels_of(ns_block_impl impl)
{
    if (impl == NS_BLOCK_IMPL_SCALAR)
        return &scalar_kernels;
    if (impl < 0 || impl >= NS_BLOCK_IMPL_COUNT || !cpu_runs(impl))
        return NULL;
    return ns_block_simd_kernels(impl);
}

bool ns_block_impl_available(ns_block_impl impl)
{
    return impl == NS_BLOCK_IMPL_AUTO || kernels_of(impl) != NULL;
}

static ns_block_impl default_impl(void)
{
    ns_block_impl want;
    const char *env = getenv("NS_BLOCK_IMPL");
    if (env && ns_block_impl_parse(env, &want) && want != NS_BLOCK_IMPL_AUTO && kernels_of(want))
        return want;
    for (size_t i = 0; i < sizeof impl_preference / sizeof *impl_preference; i++)
        if (kernels_of(impl_preference[i]))
            return impl_preference[i];
    return NS_BLOCK_IMPL_SCALAR;
}

static void install(ns_block_impl impl, const ns_block_kernels *k)
{
    atomic_store(&g_impl, (int)impl);
    atomic_store(&g_kernels, k);
}

static void resolve(void)
{
    ns_block_impl impl = default_impl();
    install(impl, kernels_of(impl));
}

static const ns_block_kernels *kernels(void)
{
    const ns_block_kernels *k = atomic_load_explicit(&g_kernels, memory_order_relaxed);
    if (__builtin_expect(k == NULL, 0)) {
        pthread_once(&g_once, resolve);
        k = atomic_load(&g_kernels);
    }
    return k;
}

bool ns_block_set_impl(ns_block_impl impl)
{
    pthread_once(&g_once, resolve);
    if (impl == NS_BLOCK_IMPL_AUTO)
        impl = default_impl();
    const ns_block_kernels *k = kernels_of(impl);
    if (!k)
        return false;
    install(impl, k);
    return true;
}

ns_block_impl ns_block_get_impl(void)
{
    pthread_once(&g_once, resolve);
    return (ns_block_impl)atomic_load(&g_impl);
}

const char *ns_block_impl_name(void) { return impl_names[ns_block_get_impl()]; }

const char *ns_block_impl_str(ns_block_impl impl)
{
    if (impl == NS_BLOCK_IMPL_AUTO)
        return "auto";
    return impl >= 0 && impl < NS_BLOCK_IMPL_COUNT ? impl_names[impl] : NULL;
}

bool ns_block_impl_parse(const char *name, ns_block_impl *out)
{
    if (!strcmp(name, "auto")) {
        *out = NS_BLOCK_IMPL_AUTO;
        return true;
    }
    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
        if (!strcmp(name, impl_names[i])) {
            *out = (ns_block_impl)i;
            return true;
        }
    return false;
}

void ns_block_unpack(const uint8_t *restrict in, unsigned bits, uint32_t *restrict out)
{
    assert(bits <= 32);
    kernels()->unpack[bits <= 32 ? bits : 32](in, out);
}

void ns_block_unpack_delta(const uint8_t *restrict in, unsigned bits, uint32_t base,
                           uint32_t *restrict out)
{
    assert(bits <= 32);
    kernels()->unpack_delta[bits <= 32 ? bits : 32](in, base, out);
}
