/* Tests for ns_varint: LEB128 round trips, strictness, bounds. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_varint.h"

/* Decodes from an exact-size heap copy so that ASan catches any read at or
 * past the end. */
static int get_exact(const uint8_t *enc, size_t n, uint64_t *v, size_t *used)
{
    uint8_t *copy = ns_malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, enc, n);
    const uint8_t *p = copy;
    int r = ns_varint_get(&p, copy + n, v);
    *used = (size_t)(p - copy);
    ns_free(copy);
    return r;
}

Test(ns_varint, round_trip_edge_values)
{
    static const uint64_t vals[] = {0, 1, 127, 128, 255, 16383, 16384, (1u << 21) - 1, 1u << 21,
                                    UINT32_MAX - 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
                                    (1ull << 56) - 1, 1ull << 56, (1ull << 63) - 1, 1ull << 63,
                                    UINT64_MAX - 1, UINT64_MAX};
    static const size_t lens[] = {1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5, 8, 9, 9, 10, 10, 10};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[NS_VARINT_MAX_BYTES];
        size_t n = ns_varint_put(buf, vals[i]);
        cr_assert_eq(n, lens[i], "value %llu: %zu bytes", (unsigned long long)vals[i], n);
        cr_assert_eq(ns_varint_len(vals[i]), n);
        uint64_t v = 0;
        size_t used = 0;
        cr_assert_eq(get_exact(buf, n, &v, &used), 0);
        cr_assert_eq(v, vals[i]);
        cr_assert_eq(used, n);
    }
}

Test(ns_varint, known_encodings)
{
    uint8_t buf[NS_VARINT_MAX_BYTES];
    cr_assert_eq(ns_varint_put(buf, 0), 1);
    cr_assert_eq(buf[0], 0x00);
    cr_assert_eq(ns_varint_put(buf, 127), 1);
    cr_assert_eq(buf[0], 0x7f);
    cr_assert_eq(ns_varint_put(buf, 128), 2);
    cr_assert(buf[0] == 0x80 && buf[1] == 0x01);
    cr_assert_eq(ns_varint_put(buf, 300), 2);
    cr_assert(buf[0] == 0xac && buf[1] == 0x02);
    cr_assert_eq(ns_varint_put(buf, UINT64_MAX), 10);
    for (int i = 0; i < 9; i++)
        cr_assert_eq(buf[i], 0xff);
    cr_assert_eq(buf[9], 0x01);
}

static uint64_t rng_next(uint64_t *s) /* xorshift64: same on every platform */
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

Test(ns_varint, round_trip_random_sequence)
{
    uint64_t st = 12345;
    printf("ns_varint random seed %llu\n", (unsigned long long)st);
    enum { N = 5000 };
    uint64_t *vals = ns_malloc(N * sizeof *vals);
    uint8_t *buf = ns_malloc(N * NS_VARINT_MAX_BYTES);
    cr_assert(vals && buf);
    size_t off = 0;
    for (int i = 0; i < N; i++) {
        uint64_t r = rng_next(&st);
        vals[i] = r >> (rng_next(&st) % 64);
        off += ns_varint_put(buf + off, vals[i]);
    }
    const uint8_t *p = buf, *end = buf + off;
    for (int i = 0; i < N; i++) {
        uint64_t v;
        cr_assert_eq(ns_varint_get(&p, end, &v), 0);
        cr_assert_eq(v, vals[i]);
    }
    cr_assert_eq(p, end);
    uint64_t v;
    cr_assert_eq(ns_varint_get(&p, end, &v), -1); /* at end */
    ns_free(vals);
    ns_free(buf);
}

Test(ns_varint, truncated_fails_and_keeps_position)
{
    static const uint64_t vals[] = {128, 300, UINT32_MAX, 1ull << 50, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        uint8_t buf[NS_VARINT_MAX_BYTES];
        size_t n = ns_varint_put(buf, vals[i]);
        for (size_t cut = 0; cut < n; cut++) {
            uint64_t v = 42;
            size_t used = 99;
            cr_assert_eq(get_exact(buf, cut, &v, &used), -1, "value %zu cut %zu", i, cut);
            cr_assert_eq(used, 0);
            cr_assert_eq(v, 42);
        }
    }
}

Test(ns_varint, overlong_is_rejected)
{
    static const uint8_t zero2[] = {0x80, 0x00};       /* 0 in two bytes */
    static const uint8_t one3[] = {0x81, 0x80, 0x00};  /* 1 in three bytes */
    static const uint8_t big11[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0x81, 0x00}; /* 11 bytes */
    uint64_t v;
    size_t used;
    cr_assert_eq(get_exact(zero2, sizeof zero2, &v, &used), -1);
    cr_assert_eq(get_exact(one3, sizeof one3, &v, &used), -1);
    cr_assert_eq(get_exact(big11, sizeof big11, &v, &used), -1);
    cr_assert_eq(used, 0);
}

Test(ns_varint, overflow_is_rejected)
{
    /* 10th byte may only carry bit 63 (value 0 or 1). */
    uint8_t b[10];
    memset(b, 0xff, 9);
    b[9] = 0x02;
    uint64_t v;
    size_t used;
    cr_assert_eq(get_exact(b, 10, &v, &used), -1);
    b[9] = 0x7f;
    cr_assert_eq(get_exact(b, 10, &v, &used), -1);
    b[9] = 0x01;
    cr_assert_eq(get_exact(b, 10, &v, &used), 0);
    cr_assert_eq(v, UINT64_MAX);
    b[9] = 0x81; /* continuation on the 10th byte */
    cr_assert_eq(get_exact(b, 10, &v, &used), -1);
}

Test(ns_varint, get32_limits)
{
    uint8_t buf[NS_VARINT_MAX_BYTES];
    size_t n = ns_varint_put(buf, UINT32_MAX);
    const uint8_t *p = buf;
    uint32_t v = 0;
    cr_assert_eq(ns_varint_get32(&p, buf + n, &v), 0);
    cr_assert_eq(v, UINT32_MAX);
    cr_assert_eq(p, buf + n);

    n = ns_varint_put(buf, (uint64_t)UINT32_MAX + 1);
    p = buf;
    v = 7;
    cr_assert_eq(ns_varint_get32(&p, buf + n, &v), -1);
    cr_assert_eq(p, buf);
    cr_assert_eq(v, 7);

    n = ns_varint_put(buf, 0);
    p = buf;
    cr_assert_eq(ns_varint_get32(&p, buf + n, &v), 0);
    cr_assert_eq(v, 0);
    p = buf;
    cr_assert_eq(ns_varint_get32(&p, buf, &v), -1); /* empty */
}
