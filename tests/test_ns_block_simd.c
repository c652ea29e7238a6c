/* Tests for the SIMD implementations of ns_block and their dispatch: every
 * implementation this CPU runs must equal the scalar reference for every
 * bit width, on random blocks (fixed, printed seed) and adversarial ones,
 * reading exactly 16*bits bytes (exact-size heap copies: ASan catches any
 * over-read) and writing exactly 128 values.  Implementations the CPU
 * lacks are skipped with a printed note. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_block.h"
#include "tutil.h"

#define SEED 20240607u
#define GUARD 0xDEADBEEFu


/* Selects impl; returns false (after a note) if this CPU cannot run it. */
static bool use_impl(ns_block_impl impl)
{
    if (!ns_block_set_impl(impl)) {
        printf("note: %s implementation not available on this CPU: skipped\n",
               ns_block_impl_str(impl));
        return false;
    }
    cr_assert_str_eq(ns_block_impl_name(), ns_block_impl_str(impl));
    cr_assert_eq(ns_block_get_impl(), impl);
    return true;
}

/* Packs in[] at width bits into an exact-size heap block that starts
 * `misalign` bytes into its allocation, then checks unpack and
 * unpack_delta (for each base) of the current implementation against the
 * scalar reference and against in[] itself.  The output starts out_off
 * values into a guarded buffer. */
static void check_block(const uint32_t *in, unsigned bits, const uint32_t *bases, size_t n_bases,
                        unsigned misalign, unsigned out_off, const char *what)
{
    size_t nb = ns_block_bytes(bits);
    uint8_t *mem = ns_malloc(nb + misalign ? nb + misalign : 1);
    cr_assert_not_null(mem);
    uint8_t *blk = mem + misalign;
    ns_block_pack(in, bits, blk);
    const uint8_t *src = bits ? blk : NULL; /* width 0 reads nothing */

    uint32_t buf[NS_BLOCK_LEN + 16], ref[NS_BLOCK_LEN];
    uint32_t *out = buf + out_off;
    for (size_t i = 0; i < sizeof buf / sizeof *buf; i++)
        buf[i] = GUARD;
    ns_block_unpack(src, bits, out);
    ns_block_unpack_scalar(src, bits, ref);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++) {
        cr_assert_eq(ref[i], in[i], "%s: scalar bits %u value %u", what, bits, i);
        cr_assert_eq(out[i], in[i], "%s: %s unpack bits %u value %u: %u != %u", what,
                     ns_block_impl_name(), bits, i, out[i], in[i]);
    }
    for (size_t i = 0; i < sizeof buf / sizeof *buf; i++)
        if (i < out_off || i >= out_off + NS_BLOCK_LEN)
            cr_assert_eq(buf[i], GUARD, "%s: %s unpack bits %u wrote outside out[0..128)", what,
                         ns_block_impl_name(), bits);

    for (size_t k = 0; k < n_bases; k++) {
        uint32_t base = bases[k], prev = base;
        for (size_t i = 0; i < sizeof buf / sizeof *buf; i++)
            buf[i] = GUARD;
        ns_block_unpack_delta(src, bits, base, out);
        ns_block_unpack_delta_scalar(src, bits, base, ref);
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++) {
            prev += in[i] + 1; /* mod 2^32 */
            cr_assert_eq(ref[i], prev, "%s: scalar delta bits %u base %u value %u", what, bits,
                         base, i);
            cr_assert_eq(out[i], prev, "%s: %s delta bits %u base %u value %u: %u != %u", what,
                         ns_block_impl_name(), bits, base, i, out[i], prev);
        }
        for (size_t i = 0; i < sizeof buf / sizeof *buf; i++)
            if (i < out_off || i >= out_off + NS_BLOCK_LEN)
                cr_assert_eq(buf[i], GUARD, "%s: %s delta bits %u wrote outside out[0..128)",
                             what, ns_block_impl_name(), bits);
    }
    ns_free(mem);
}

static const uint32_t edge_bases[] = {UINT32_MAX, 0, 1, UINT32_MAX - 1, UINT32_MAX - 127,
                                      UINT32_MAX - 1000, 0x80000000u, 0x7fffffffu};

/* Runs f for every implementation; returns how many ran. */
static unsigned each_impl(void (*f)(void))
{
    unsigned ran = 0;
    for (int impl = 0; impl < NS_BLOCK_IMPL_COUNT; impl++) {
        if (!use_impl((ns_block_impl)impl))
            continue;
        f();
        ran++;
    }
    ns_block_set_impl(NS_BLOCK_IMPL_AUTO);
    return ran;
}

static void random_blocks(void)
{
    uint32_t st = SEED, in[NS_BLOCK_LEN];
    for (unsigned bits = 0; bits <= 32; bits++) {
        for (int rep = 0; rep < 24; rep++) {
            for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
                in[i] = tu_rng_next(&st) & tu_width_mask(bits);
            if (bits)
                in[tu_rng_next(&st) % NS_BLOCK_LEN] |= 1u << (bits - 1); /* width is exact */
            cr_assert_eq(ns_block_bits(in, NS_BLOCK_LEN), bits);
            uint32_t bases[4] = {tu_rng_next(&st), UINT32_MAX, UINT32_MAX - (tu_rng_next(&st) & 0xffff),
                                 tu_rng_next(&st) & 0xfff};
            check_block(in, bits, bases, 4, (unsigned)rep % 5, (unsigned)rep % 3, "random");
        }
    }
}

Test(ns_block_simd, every_impl_equals_scalar_on_random_blocks)
{
    printf("ns_block_simd random seed %u\n", SEED);
    cr_assert_geq(each_impl(random_blocks), 1);
}

static void adversarial_blocks(void)
{
    uint32_t in[NS_BLOCK_LEN];
    const size_t nb = sizeof edge_bases / sizeof *edge_bases;
    for (unsigned bits = 0; bits <= 32; bits++) {
        const uint32_t max = tu_width_mask(bits);
        /* every value at the width's maximum: the largest sums, wrapping
         * mod 2^32 at the wide widths */
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = max;
        check_block(in, bits, edge_bases, nb, 0, 0, "all max");
        /* alternating 0 / max, both phases: every straddling slot sees both */
        for (unsigned phase = 0; phase < 2; phase++) {
            for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
                in[i] = (i + phase) % 2 ? max : 0;
            check_block(in, bits, edge_bases, nb, 1 + phase, phase, "alternating");
        }
        /* one max value per position class (lane x slot parity) */
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = i % 9 == 0 ? max : 0;
        check_block(in, bits, edge_bases, nb, 3, 1, "sparse max");
        /* a single bit pattern walking through the stream: value i = the
         * low bits of a counter, so neighbours differ in every bit */
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = (i * 0x9E3779B9u) & max;
        check_block(in, bits, edge_bases, nb, 0, 2, "counter");
        /* all zero: ids are consecutive */
        memset(in, 0, sizeof in);
        check_block(in, bits, edge_bases, nb, 2, 0, "zero");
    }
}

Test(ns_block_simd, every_impl_equals_scalar_on_adversarial_blocks)
{
    cr_assert_geq(each_impl(adversarial_blocks), 1);
}

static void wrap_blocks(void)
{
    /* Sums crossing 2^32 inside a register and between registers: base just
     * below 2^32 and gaps that push over it at different positions. */
    uint32_t in[NS_BLOCK_LEN];
    for (unsigned at = 0; at < NS_BLOCK_LEN; at += 5) {
        memset(in, 0, sizeof in);
        in[at] = UINT32_MAX - 3;
        const uint32_t bases[] = {UINT32_MAX - 64, UINT32_MAX - (at + 1), UINT32_MAX - 200};
        check_block(in, 32, bases, 3, at % 4, at % 3, "wrap");
    }
    /* width 31/32: every sum wraps many times */
    for (unsigned bits = 30; bits <= 32; bits++) {
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = tu_width_mask(bits) - i;
        check_block(in, bits, edge_bases, sizeof edge_bases / sizeof *edge_bases, 1, 1, "wrap wide");
    }
}

Test(ns_block_simd, every_impl_wraps_sums_mod_2_32)
{
    cr_assert_geq(each_impl(wrap_blocks), 1);
}

Test(ns_block_simd, scalar_always_available_and_names_round_trip)
{
    cr_assert(ns_block_impl_available(NS_BLOCK_IMPL_SCALAR));
    cr_assert(ns_block_impl_available(NS_BLOCK_IMPL_AUTO));
    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++) {
        const char *name = ns_block_impl_str((ns_block_impl)i);
        ns_block_impl back;
        cr_assert_not_null(name);
        cr_assert(ns_block_impl_parse(name, &back));
        cr_assert_eq(back, (ns_block_impl)i);
        printf("ns_block impl %-6s %s\n", name,
               ns_block_impl_available((ns_block_impl)i) ? "available" : "not available (skipped)");
    }
    ns_block_impl x;
    cr_assert_not(ns_block_impl_parse("avx1024", &x));
    cr_assert_not(ns_block_impl_parse("", &x));
    cr_assert_null(ns_block_impl_str((ns_block_impl)NS_BLOCK_IMPL_COUNT));
    cr_assert_not(ns_block_set_impl((ns_block_impl)NS_BLOCK_IMPL_COUNT));
    cr_assert_not(ns_block_set_impl((ns_block_impl)-2));
}

Test(ns_block_simd, set_impl_refuses_unavailable_and_keeps_the_current)
{
    cr_assert(ns_block_set_impl(NS_BLOCK_IMPL_SCALAR));
    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
        if (!ns_block_impl_available((ns_block_impl)i)) {
            cr_assert_not(ns_block_set_impl((ns_block_impl)i));
            cr_assert_eq(ns_block_get_impl(), NS_BLOCK_IMPL_SCALAR);
        }
    cr_assert_not(ns_block_set_impl((ns_block_impl)99));
    cr_assert_eq(ns_block_get_impl(), NS_BLOCK_IMPL_SCALAR);
}

/* The default is the one NS_BLOCK_IMPL names when available, else the
 * fastest; set_impl(AUTO) re-reads the variable. */
Test(ns_block_simd, env_var_selects_the_default)
{
    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++) {
        const char *name = ns_block_impl_str((ns_block_impl)i);
        cr_assert_eq(setenv("NS_BLOCK_IMPL", name, 1), 0);
        cr_assert(ns_block_set_impl(NS_BLOCK_IMPL_AUTO));
        if (ns_block_impl_available((ns_block_impl)i))
            cr_assert_str_eq(ns_block_impl_name(), name);
        else
            printf("note: NS_BLOCK_IMPL=%s not available: default is %s\n", name,
                   ns_block_impl_name());
    }
    cr_assert_eq(setenv("NS_BLOCK_IMPL", "bogus", 1), 0);
    cr_assert(ns_block_set_impl(NS_BLOCK_IMPL_AUTO));
    ns_block_impl best = ns_block_get_impl();
    cr_assert(ns_block_impl_available(best));
    cr_assert_eq(unsetenv("NS_BLOCK_IMPL"), 0);
    cr_assert(ns_block_set_impl(NS_BLOCK_IMPL_AUTO));
    cr_assert_eq(ns_block_get_impl(), best);
    /* the best is at least as wide as any available one */
    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
        if (ns_block_impl_available((ns_block_impl)i))
            cr_assert_geq(best, i);
}

/* A fresh process: the first calls race to resolve the default. */
typedef struct race_arg {
    const uint8_t *blk;
    const uint32_t *in;
    int ok;
} race_arg;

static void *race_thread(void *p)
{
    race_arg *a = p;
    uint32_t out[NS_BLOCK_LEN];
    a->ok = 1;
    for (int rep = 0; rep < 200; rep++) {
        ns_block_unpack_delta(a->blk, 7, 41, out);
        uint32_t prev = 41;
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++) {
            prev += a->in[i] + 1;
            if (out[i] != prev)
                a->ok = 0;
        }
    }
    return NULL;
}

Test(ns_block_simd, first_use_from_many_threads)
{
    uint32_t in[NS_BLOCK_LEN];
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        in[i] = (i * 37u) & 127u;
    uint8_t *blk = ns_malloc(ns_block_bytes(7));
    cr_assert_not_null(blk);
    ns_block_pack(in, 7, blk);
    pthread_t th[8];
    race_arg args[8];
    for (int t = 0; t < 8; t++) {
        args[t] = (race_arg){blk, in, 0};
        cr_assert_eq(pthread_create(&th[t], NULL, race_thread, &args[t]), 0);
    }
    for (int t = 0; t < 8; t++) {
        pthread_join(th[t], NULL);
        cr_assert(args[t].ok, "thread %d decoded wrong values", t);
    }
    ns_free(blk);
}

/* One test per SIMD implementation, each its own ctest entry (see
 * tests/CMakeLists.txt): skipped, and reported so, where the CPU lacks the
 * ISA; failing where the CPU has it but the implementation is not used (the
 * tests above would then skip its kernels silently). */
static void impl_runs_where_the_cpu_has_it(ns_block_impl impl, bool cpu_has)
{
    bool avail = ns_block_impl_available(impl);
    if (!avail && !cpu_has)
        cr_skip_test("SKIPPED: this CPU has no %s: its kernels were not tested",
                     ns_block_impl_str(impl));
    cr_assert(avail, "the CPU has %s but ns_block does not offer it", ns_block_impl_str(impl));
    cr_assert(use_impl(impl));
    /* and it decodes as the scalar reference does, at every width */
    uint32_t in[NS_BLOCK_LEN], out[NS_BLOCK_LEN];
    uint8_t packed[NS_BLOCK_LEN * 4 + 64];
    uint32_t rng = SEED;
    for (unsigned bits = 0; bits <= 32; bits++) {
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = tu_rng_next(&rng) & tu_width_mask(bits);
        memset(packed, 0, sizeof packed);
        ns_block_pack(in, bits, packed);
        ns_block_unpack(packed, bits, out);
        cr_assert(memcmp(in, out, sizeof in) == 0, "%s: width %u", ns_block_impl_str(impl), bits);
    }
    ns_block_set_impl(NS_BLOCK_IMPL_AUTO);
}

Test(ns_block_simd, impl_sse41_runs_where_the_cpu_has_it)
{
    impl_runs_where_the_cpu_has_it(NS_BLOCK_IMPL_SSE41, __builtin_cpu_supports("sse4.1"));
}

Test(ns_block_simd, impl_avx2_runs_where_the_cpu_has_it)
{
    impl_runs_where_the_cpu_has_it(NS_BLOCK_IMPL_AVX2, __builtin_cpu_supports("avx2"));
}

Test(ns_block_simd, impl_avx512_runs_where_the_cpu_has_it)
{
    impl_runs_where_the_cpu_has_it(NS_BLOCK_IMPL_AVX512, __builtin_cpu_supports("avx512f"));
}
