/* Tests for ns_block: the scalar 128-int bit-packing codec and its exact
 * SIMD-BP128 four-lane layout. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_block.h"
#include "ns_endian.h"
#include "tutil.h"

#define SEED 20240601u


/* Independent model of the layout: bit k of lane l's stream is bit k % 32 of
 * block word 4 * (k / 32) + l. */
static uint32_t model_get(const uint8_t *blk, unsigned bits, unsigned i)
{
    unsigned l = i % 4, s = i / 4;
    uint32_t v = 0;
    for (unsigned j = 0; j < bits; j++) {
        unsigned k = s * bits + j;
        uint32_t word = ns_get_u32le(blk + 4 * (4 * (k / 32) + l));
        v |= ((word >> (k % 32)) & 1u) << j;
    }
    return v;
}

/* Packs, then unpacks from an exact-size heap copy (ASan catches over-reads). */
static void check_round_trip(const uint32_t *in, unsigned bits)
{
    size_t nb = ns_block_bytes(bits);
    uint8_t *blk = ns_malloc(nb ? nb : 1);
    cr_assert_not_null(blk);
    memset(blk, 0xA5, nb);
    ns_block_pack(in, bits, blk);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(model_get(blk, bits, i), in[i], "bits %u value %u: layout", bits, i);

    uint32_t out[NS_BLOCK_LEN + 1];
    out[NS_BLOCK_LEN] = 0xDEADBEEF;
    ns_block_unpack(blk, bits, out);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(out[i], in[i], "bits %u value %u: %u != %u", bits, i, out[i], in[i]);
    cr_assert_eq(out[NS_BLOCK_LEN], 0xDEADBEEF, "wrote past 128 values");

    uint32_t base = in[0] * 2654435761u;
    ns_block_unpack_delta(blk, bits, base, out);
    uint32_t prev = base;
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++) {
        prev += in[i] + 1;
        cr_assert_eq(out[i], prev, "bits %u delta value %u", bits, i);
    }
    cr_assert_eq(out[NS_BLOCK_LEN], 0xDEADBEEF);
    ns_free(blk);
}

Test(ns_block, round_trip_every_bit_width_random)
{
    printf("ns_block random seed %u\n", SEED);
    uint32_t st = SEED;
    uint32_t in[NS_BLOCK_LEN];
    for (unsigned bits = 0; bits <= 32; bits++) {
        for (int rep = 0; rep < 20; rep++) {
            for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
                in[i] = tu_rng_next(&st) & tu_width_mask(bits);
            if (bits)
                in[tu_rng_next(&st) % NS_BLOCK_LEN] |= 1u << (bits - 1); /* width is exact */
            cr_assert_eq(ns_block_bits(in, NS_BLOCK_LEN), bits);
            check_round_trip(in, bits);
        }
    }
}

Test(ns_block, round_trip_every_bit_width_all_max)
{
    uint32_t in[NS_BLOCK_LEN];
    for (unsigned bits = 0; bits <= 32; bits++) {
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = tu_width_mask(bits);
        cr_assert_eq(ns_block_bits(in, NS_BLOCK_LEN), bits);
        check_round_trip(in, bits);
    }
}

Test(ns_block, block_sizes)
{
    cr_assert_eq(ns_block_bytes(0), 0);
    cr_assert_eq(ns_block_bytes(1), 16);
    cr_assert_eq(ns_block_bytes(32), 512);
}

/* bits = 1: value i is bit i/4 of block word l = i%4 (only one lane word,
 * w = 0).  With in[i] = 1 exactly for i in {0, 5, 10, 127}:
 *   i=0:   lane 0, slot 0  -> word 0 bit 0
 *   i=5:   lane 1, slot 1  -> word 1 bit 1
 *   i=10:  lane 2, slot 2  -> word 2 bit 2
 *   i=127: lane 3, slot 31 -> word 3 bit 31 */
Test(ns_block, layout_bits1_hand_computed)
{
    uint32_t in[NS_BLOCK_LEN] = {0};
    in[0] = in[5] = in[10] = in[127] = 1;
    uint8_t blk[16];
    ns_block_pack(in, 1, blk);
    cr_assert_eq(ns_get_u32le(blk + 0), 0x00000001u);
    cr_assert_eq(ns_get_u32le(blk + 4), 0x00000002u);
    cr_assert_eq(ns_get_u32le(blk + 8), 0x00000004u);
    cr_assert_eq(ns_get_u32le(blk + 12), 0x80000000u);
    static const uint8_t bytes[16] = {1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0x80};
    cr_assert_arr_eq(blk, bytes, 16);
}

/* bits = 3: lane 0 holds values 0, 4, 8, ... at stream bits 0-2, 3-5, ...
 * slot 10 (value 40) straddles lane words 0 and 1: bits 30-31 of block word
 * 0 and bit 0 of block word 4.  in[40] = 7 (0b111), everything else 0. */
Test(ns_block, layout_bits3_straddling_word)
{
    uint32_t in[NS_BLOCK_LEN] = {0};
    in[40] = 7;
    in[1] = 5; /* lane 1 slot 0: bits 0-2 of word 1 = 0b101 */
    uint8_t blk[48];
    ns_block_pack(in, 3, blk);
    cr_assert_eq(ns_get_u32le(blk + 0), 0xC0000000u);
    cr_assert_eq(ns_get_u32le(blk + 4), 5u);
    cr_assert_eq(ns_get_u32le(blk + 16), 1u);
    for (unsigned w = 0; w < 12; w++)
        if (w != 0 && w != 1 && w != 4)
            cr_assert_eq(ns_get_u32le(blk + 4 * w), 0u, "word %u", w);
    uint32_t out[NS_BLOCK_LEN];
    ns_block_unpack(blk, 3, out);
    cr_assert_arr_eq(out, in, sizeof in);
}

/* bits = 32: block word i is value i (lane i%4, slot i/4 -> word 4*(i/4)+i%4). */
Test(ns_block, layout_bits32_is_verbatim)
{
    uint32_t in[NS_BLOCK_LEN];
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        in[i] = 0x01020304u * (i + 1);
    uint8_t blk[512];
    ns_block_pack(in, 32, blk);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(ns_get_u32le(blk + 4 * i), in[i]);
}

Test(ns_block, unpack_delta_base_uint32_max_gives_prefix_sums)
{
    uint32_t gaps[NS_BLOCK_LEN];
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        gaps[i] = i % 7;
    uint8_t blk[16 * 3];
    unsigned bits = ns_block_bits(gaps, NS_BLOCK_LEN);
    cr_assert_eq(bits, 3);
    ns_block_pack(gaps, bits, blk);
    uint32_t out[NS_BLOCK_LEN];
    ns_block_unpack_delta(blk, bits, UINT32_MAX, out);
    /* ids: out[0] = gaps[0]; out[i] = out[i-1] + gaps[i] + 1 */
    uint32_t id = gaps[0];
    cr_assert_eq(out[0], id);
    for (unsigned i = 1; i < NS_BLOCK_LEN; i++) {
        id += gaps[i] + 1;
        cr_assert_eq(out[i], id);
    }
}

Test(ns_block, unpack_delta_width0_is_consecutive_ids)
{
    uint32_t out[NS_BLOCK_LEN];
    ns_block_unpack_delta(NULL, 0, UINT32_MAX, out);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(out[i], i);
    ns_block_unpack_delta(NULL, 0, 1000, out);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(out[i], 1001 + i);
    ns_block_unpack(NULL, 0, out);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(out[i], 0);
}

/* The largest gaps (UINT32_MAX at width 32) wrap around mod 2^32:
 * x + UINT32_MAX + 1 == x. */
Test(ns_block, unpack_delta_largest_gaps_wrap_mod_2_32)
{
    uint32_t gaps[NS_BLOCK_LEN];
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        gaps[i] = UINT32_MAX;
    gaps[0] = 5;
    gaps[64] = UINT32_MAX - 1; /* x + (2^32 - 2) + 1 == x - 1 */
    uint8_t blk[512];
    ns_block_pack(gaps, 32, blk);
    uint32_t out[NS_BLOCK_LEN];
    ns_block_unpack_delta(blk, 32, UINT32_MAX, out);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(out[i], i < 64 ? 5u : 4u, "i %u: %u", i, out[i]);
    ns_block_unpack_delta(blk, 32, 10, out);
    cr_assert_eq(out[0], 16u);
    cr_assert_eq(out[63], 16u);
    cr_assert_eq(out[127], 15u);
    ns_block_unpack_delta(blk, 32, UINT32_MAX - 2, out); /* wraps past 2^32 */
    cr_assert_eq(out[0], 3u);
}

Test(ns_block, bits_edge_cases)
{
    uint32_t v[NS_BLOCK_LEN] = {0};
    cr_assert_eq(ns_block_bits(v, 0), 0);
    cr_assert_eq(ns_block_bits(NULL, 0), 0);
    cr_assert_eq(ns_block_bits(v, NS_BLOCK_LEN), 0);
    v[127] = 1;
    cr_assert_eq(ns_block_bits(v, NS_BLOCK_LEN), 1);
    cr_assert_eq(ns_block_bits(v, 127), 0); /* n limits what is read */
    v[3] = UINT32_MAX;
    cr_assert_eq(ns_block_bits(v, NS_BLOCK_LEN), 32);
    v[3] = 0x80000000u;
    cr_assert_eq(ns_block_bits(v, 4), 32);
    v[3] = 0x7fffffffu;
    cr_assert_eq(ns_block_bits(v, 4), 31);
    uint32_t one = 1;
    cr_assert_eq(ns_block_bits(&one, 1), 1);
    uint32_t m = 255;
    cr_assert_eq(ns_block_bits(&m, 1), 8);
    m = 256;
    cr_assert_eq(ns_block_bits(&m, 1), 9);
}

Test(ns_block, pack_masks_out_of_range_bits)
{
    /* Contract says each value < 2^bits; excess bits must not leak into
     * neighbouring values. */
    uint32_t in[NS_BLOCK_LEN];
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        in[i] = 0xFFFFFFF0u | (i & 15);
    uint8_t blk[16 * 4];
    ns_block_pack(in, 4, blk);
    uint32_t out[NS_BLOCK_LEN];
    ns_block_unpack(blk, 4, out);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        cr_assert_eq(out[i], i & 15);
}

/* Patched blocks: the chosen width plus the exception list restore every
 * value, for mostly-small inputs with outliers of every size. */
Test(ns_block, pfor_round_trip_with_outliers)
{
    uint32_t s = 99;
    for (int trial = 0; trial < 400; trial++) {
        uint32_t in[NS_BLOCK_LEN], out[NS_BLOCK_LEN];
        unsigned small = tu_rng_next(&s) % 12, n_out = tu_rng_next(&s) % 20;
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            in[i] = tu_rng_next(&s) & tu_width_mask(small);
        for (unsigned k = 0; k < n_out; k++)
            in[tu_rng_next(&s) % NS_BLOCK_LEN] = tu_rng_next(&s) >> (tu_rng_next(&s) % 32);
        size_t exc;
        unsigned bits = ns_block_pfor_bits(in, NS_BLOCK_LEN, &exc);
        cr_assert(bits <= ns_block_bits(in, NS_BLOCK_LEN));
        cr_assert(ns_block_bytes(bits) + exc <= ns_block_bytes(ns_block_bits(in, NS_BLOCK_LEN)));
        uint8_t blk[16 * 32], list[1 + NS_BLOCK_LEN * 6];
        ns_block_pack(in, bits, blk);
        ns_block_unpack_scalar(blk, bits, out);
        if (exc) {
            size_t n = ns_block_pfor_put(in, NS_BLOCK_LEN, bits, list);
            cr_assert_eq(n, exc);
            const uint8_t *p = list;
            cr_assert_eq(ns_block_pfor_patch(&p, list + n, NS_BLOCK_LEN, bits, out), 0);
            cr_assert_eq(p, list + n);
        } else {
            cr_assert_eq(ns_block_bits(in, NS_BLOCK_LEN), bits);
        }
        cr_assert_arr_eq(in, out, sizeof in);
    }
}

Test(ns_block, pfor_patch_rejects_bad_lists)
{
    uint32_t out[NS_BLOCK_LEN] = {0};
    const uint8_t empty[] = {0}, unordered[] = {2, 5, 1, 5, 1}, past[] = {1, 128, 1},
                  zero[] = {1, 3, 0}, wide[] = {1, 3, 0x80, 0x80, 0x80, 0x80, 0x01},
                  short_[] = {2, 3, 1};
    const struct {
        const uint8_t *p;
        size_t n;
        unsigned bits;
    } bad[] = {{empty, 1, 4}, {unordered, 5, 4}, {past, 3, 4}, {zero, 3, 4},
               {wide, 7, 8}, {short_, 3, 4}, {past, 0, 4}, {zero + 1, 2, 32}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        const uint8_t *p = bad[k].p;
        cr_assert_eq(ns_block_pfor_patch(&p, bad[k].p + bad[k].n, NS_BLOCK_LEN, bad[k].bits, out), -1,
                     "case %zu", k);
        cr_assert_eq(p, bad[k].p);
    }
}

/* Short bit runs of every length and width, patched or not. */
Test(ns_block, bit_runs_round_trip_with_exceptions)
{
    uint32_t s = 7;
    for (size_t n = 0; n < NS_BLOCK_LEN; n++) {
        for (unsigned small = 0; small <= 32; small += 4) {
            uint32_t in[NS_BLOCK_LEN], out[NS_BLOCK_LEN];
            for (size_t i = 0; i < n; i++)
                in[i] = tu_rng_next(&s) & tu_width_mask(small);
            if (n)
                in[tu_rng_next(&s) % n] = tu_rng_next(&s);
            uint8_t run[NS_BLOCK_LEN * 4 + 1], list[1 + NS_BLOCK_LEN * 6];
            size_t exc;
            unsigned bits = ns_block_pfor_bits(in, n, &exc);
            size_t len = ns_bits_pack(in, n, bits, run);
            cr_assert_eq(len, (n * bits + 7) / 8);
            cr_assert_eq(ns_bits_unpack(run, n, bits, out), len);
            if (exc) {
                size_t l = ns_block_pfor_put(in, n, bits, list);
                cr_assert_eq(l, exc);
                const uint8_t *p = list;
                cr_assert_eq(ns_block_pfor_patch(&p, list + l, n, bits, out), 0);
            }
            cr_assert_arr_eq(in, out, n * sizeof *in, "n %zu bits %u", n, bits);
        }
    }
}
