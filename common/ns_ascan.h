/* ns_ascan: ASCII letters and digits found 16 bytes at a time (the
 * analyzer's fast path, ns_analyzer.c).
 *
 * Each function reads exactly 16 bytes at p (no alignment needed) and
 * returns a mask whose bit i stands for p[i].  The SSE2 versions (x86-64
 * always has SSE2) are what the analyzer runs; the _ref versions are the
 * byte-at-a-time reference they are tested equal to (test_ns_analyzer).
 * Nothing here allocates or keeps state. */
#ifndef NS_ASCAN_H
#define NS_ASCAN_H

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define NS_ASCAN_SSE2 1
#else
#define NS_ASCAN_SSE2 0
#endif

static inline int ns_ascan_is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bits of the bytes that are an ASCII letter or digit; out[0..16) gets
 * p[0..16) with A..Z lower-cased (every other byte as it is). */
static inline unsigned ns_ascan_word_ref(const uint8_t *p, char *out)
{
    unsigned m = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t c = p[i];
        m |= (unsigned)ns_ascan_is_alnum(c) << i;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return m;
}

/* Bits of the bytes that may start a word: a letter, a digit, '_', or
 * >= 0x80. */
static inline unsigned ns_ascan_start_ref(const uint8_t *p)
{
    unsigned m = 0;
    for (int i = 0; i < 16; i++)
        m |= (unsigned)(ns_ascan_is_alnum(p[i]) || p[i] == '_' || p[i] >= 0x80) << i;
    return m;
}

#if NS_ASCAN_SSE2
/* Bytes in [lo, hi] of v (hi - lo < 127): v - lo + 0x80 maps [lo, hi]
 * onto [-128, -128 + hi - lo] (as signed bytes) and every other byte above
 * it, so one signed compare tells. */
static inline __m128i ns_ascan_range(__m128i v, uint8_t lo, uint8_t hi)
{
    __m128i x = _mm_add_epi8(v, _mm_set1_epi8((char)(uint8_t)(0x80 - lo)));
    return _mm_cmplt_epi8(x, _mm_set1_epi8((char)(uint8_t)(0x80 + hi - lo + 1)));
}

static inline __m128i ns_ascan_alnum_v(__m128i v)
{
    /* v | 0x20 maps A..Z onto a..z and no other ASCII byte into a..z */
    __m128i letter = ns_ascan_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    return _mm_or_si128(letter, ns_ascan_range(v, '0', '9'));
}

/* As ns_ascan_word_ref. */
static inline unsigned ns_ascan_word(const uint8_t *p, char *out)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i upper = ns_ascan_range(v, 'A', 'Z');
    _mm_storeu_si128((__m128i *)(void *)out,
                     _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
    return (unsigned)_mm_movemask_epi8(ns_ascan_alnum_v(v));
}

/* As ns_ascan_start_ref. */
static inline unsigned ns_ascan_start(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i us = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(ns_ascan_alnum_v(v), us), v));
}
#endif

#endif
