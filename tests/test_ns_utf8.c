/* Tests for ns_utf8: strict decoding, validation, repair, encode, floor. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ns_utf8.h"

#define U8(s) ((const uint8_t *)(s))

/* Decodes the whole string; returns the number of code points written to
 * cps (and asserts that every step consumed 1..4 bytes). */
static size_t decode_all(const char *s, size_t len, uint32_t *cps, size_t *steps)
{
    size_t i = 0, n = 0;
    while (i < len) {
        size_t k = ns_utf8_decode(U8(s) + i, len - i, &cps[n]);
        cr_assert(k >= 1 && k <= 4);
        if (steps)
            steps[n] = k;
        n++;
        i += k;
    }
    return n;
}

static void assert_invalid_first(const char *s, size_t len)
{
    uint32_t cp = 0;
    size_t k = ns_utf8_decode(U8(s), len, &cp);
    cr_assert_eq(k, 1, "expected 1 byte consumed for %02X...", (unsigned)(uint8_t)s[0]);
    cr_assert_eq(cp, NS_UTF8_REPLACEMENT);
    size_t bad = 99;
    cr_assert_not(ns_utf8_valid(U8(s), len, &bad));
    cr_assert_eq(bad, 0);
}

Test(ns_utf8, decodes_every_length)
{
    uint32_t cp;
    cr_assert_eq(ns_utf8_decode(U8("A"), 1, &cp), 1);
    cr_assert_eq(cp, 0x41);
    cr_assert_eq(ns_utf8_decode(U8("\xC3\xA9"), 2, &cp), 2);
    cr_assert_eq(cp, 0xE9);
    cr_assert_eq(ns_utf8_decode(U8("\xE2\x82\xAC"), 3, &cp), 3);
    cr_assert_eq(cp, 0x20AC);
    cr_assert_eq(ns_utf8_decode(U8("\xF0\x9F\x98\x80"), 4, &cp), 4);
    cr_assert_eq(cp, 0x1F600);
}

Test(ns_utf8, decodes_boundaries)
{
    static const struct {
        const char *s;
        size_t len;
        uint32_t cp;
    } ok[] = {
        {"\x7F", 1, 0x7F},
        {"\xC2\x80", 2, 0x80},
        {"\xDF\xBF", 2, 0x7FF},
        {"\xE0\xA0\x80", 3, 0x800},
        {"\xED\x9F\xBF", 3, 0xD7FF},
        {"\xEE\x80\x80", 3, 0xE000},
        {"\xEF\xBF\xBD", 3, 0xFFFD},
        {"\xEF\xBF\xBF", 3, 0xFFFF},
        {"\xF0\x90\x80\x80", 4, 0x10000},
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint32_t cp = 0;
        cr_assert_eq(ns_utf8_decode(U8(ok[i].s), ok[i].len, &cp), ok[i].len);
        cr_assert_eq(cp, ok[i].cp, "case %zu: got %X", i, cp);
        cr_assert(ns_utf8_valid(U8(ok[i].s), ok[i].len, NULL));
    }
}

Test(ns_utf8, lone_continuation_bytes_are_invalid)
{
    for (int c = 0x80; c <= 0xBF; c++) {
        char s[2] = {(char)c, 'a'};
        assert_invalid_first(s, 2);
    }
}

Test(ns_utf8, overlong_forms_are_invalid)
{
    assert_invalid_first("\xC0\x80", 2);         /* NUL, 2 bytes */
    assert_invalid_first("\xC1\xBF", 2);         /* U+007F */
    assert_invalid_first("\xE0\x80\x80", 3);     /* NUL, 3 bytes */
    assert_invalid_first("\xE0\x9F\xBF", 3);     /* U+07FF */
    assert_invalid_first("\xF0\x80\x80\x80", 4); /* NUL, 4 bytes */
    assert_invalid_first("\xF0\x8F\xBF\xBF", 4); /* U+FFFF */
}

Test(ns_utf8, surrogates_are_invalid)
{
    assert_invalid_first("\xED\xA0\x80", 3); /* U+D800 */
    assert_invalid_first("\xED\xAF\xBF", 3); /* U+DBFF */
    assert_invalid_first("\xED\xB0\x80", 3); /* U+DC00 */
    assert_invalid_first("\xED\xBF\xBF", 3); /* U+DFFF */
}

Test(ns_utf8, above_10ffff_is_invalid)
{
    assert_invalid_first("\xF4\x90\x80\x80", 4); /* U+110000 */
    assert_invalid_first("\xF5\x80\x80\x80", 4);
    assert_invalid_first("\xF7\xBF\xBF\xBF", 4);
}

Test(ns_utf8, fe_ff_and_5_6_byte_leads_are_invalid)
{
    assert_invalid_first("\xFE", 1);
    assert_invalid_first("\xFF", 1);
    assert_invalid_first("\xF8\x88\x80\x80\x80", 5);
    assert_invalid_first("\xFC\x84\x80\x80\x80\x80", 6);
}

Test(ns_utf8, truncated_sequences_consume_one_byte)
{
    assert_invalid_first("\xC3", 1);
    assert_invalid_first("\xE2\x82", 2);
    assert_invalid_first("\xF0\x9F\x98", 3);
    /* Truncated by the length, not by a bad byte: the data continues. */
    assert_invalid_first("\xE2\x82\xAC", 2);
    /* A bad continuation in the middle. */
    assert_invalid_first("\xE2\x28\xAC", 3);
    assert_invalid_first("\xF0\x9F\x28\x80", 4);

    uint32_t cps[8];
    size_t steps[8];
    size_t n = decode_all("a\xE2\x82", 3, cps, steps);
    cr_assert_eq(n, 3);
    cr_assert_eq(cps[0], 'a');
    cr_assert_eq(cps[1], NS_UTF8_REPLACEMENT);
    cr_assert_eq(cps[2], NS_UTF8_REPLACEMENT);
    cr_assert_eq(steps[1], 1);
}

Test(ns_utf8, valid_reports_first_bad_offset)
{
    size_t bad = 0;
    cr_assert(ns_utf8_valid(U8(""), 0, &bad));
    cr_assert(ns_utf8_valid(U8("hello, w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80"), 22, &bad));
    /* Past the 8-byte fast path. */
    const char *s = "0123456789abcdefghij\xC3klmnop";
    cr_assert_not(ns_utf8_valid(U8(s), strlen(s), &bad));
    cr_assert_eq(bad, 20);
    cr_assert_not(ns_utf8_valid(U8(s), strlen(s), NULL));
    /* Bad byte right at the end. */
    const char *t = "0123456789abcdef\xFF";
    cr_assert_not(ns_utf8_valid(U8(t), strlen(t), &bad));
    cr_assert_eq(bad, 16);
}

Test(ns_utf8, nul_bytes_are_not_valid)
{
    size_t bad = 0;
    static const char s[] = "abcdefgh\0ijklmnop";
    cr_assert_not(ns_utf8_valid(U8(s), sizeof s - 1, &bad));
    cr_assert_eq(bad, 8);
    cr_assert_not(ns_utf8_valid(U8("ab\0"), 3, &bad));
    cr_assert_eq(bad, 2);
    /* Inside the first 8-byte block. */
    cr_assert_not(ns_utf8_valid(U8("\0bcdefghijkl"), 12, &bad));
    cr_assert_eq(bad, 0);
}

Test(ns_utf8, c0_controls_are_valid)
{
    cr_assert(ns_utf8_valid(U8("\x01\x1F\t\n\r\x7F"), 6, NULL));
    /* C1 controls encoded properly are valid too. */
    cr_assert(ns_utf8_valid(U8("\xC2\x80\xC2\x9F"), 4, NULL));
}

Test(ns_utf8, valid_agrees_with_decoder_on_random_bytes)
{
    unsigned seed = 12345;
    srand(seed);
    uint8_t buf[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(rand() % 64);
        for (size_t i = 0; i < len; i++) {
            int r = rand() % 4;
            buf[i] = r == 0 ? (uint8_t)(rand() % 0x80) : (uint8_t)(rand() & 0xFF);
        }
        /* Reference: byte-wise decode. */
        size_t i = 0, ref_bad = len;
        while (i < len) {
            uint32_t cp;
            size_t k = ns_utf8_decode(buf + i, len - i, &cp);
            if (buf[i] == 0 || (k == 1 && cp == NS_UTF8_REPLACEMENT)) {
                ref_bad = i;
                break;
            }
            i += k;
        }
        size_t bad = len;
        bool ok = ns_utf8_valid(buf, len, &bad);
        cr_assert_eq(ok, ref_bad == len, "seed %u iter %d", seed, iter);
        if (!ok)
            cr_assert_eq(bad, ref_bad, "seed %u iter %d", seed, iter);
    }
}

Test(ns_utf8, repair_replaces_and_counts)
{
    ns_buf b;
    ns_buf_init(&b);
    size_t n_bad = 99;
    /* lone continuation, overlong, surrogate, NUL, truncated at the end */
    static const char in[] = "ok \x80 \xC0\xAF \xED\xA0\x80 a\0b \xC3\xA9 \xE2\x82";
    cr_assert_eq(ns_utf8_repair(U8(in), sizeof in - 1, &b, &n_bad), NS_OK);
    static const char want[] = "ok \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD "
                               "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD ab \xC3\xA9 "
                               "\xEF\xBF\xBD\xEF\xBF\xBD";
    cr_assert_eq(b.len, sizeof want - 1);
    cr_assert(memcmp(b.data, want, b.len) == 0, "got '%s'", ns_buf_cstr(&b));
    cr_assert_eq(n_bad, 1 + 2 + 3 + 1 + 2);
    cr_assert(ns_utf8_valid(b.data, b.len, NULL));
    ns_buf_release(&b);
}

Test(ns_utf8, repair_of_valid_text_is_identity)
{
    ns_buf b;
    ns_buf_init(&b);
    size_t n_bad = 99;
    const char *s = "Gr\xC3\xBC\xC3\x9F Gott, \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0! "
                    "\xF0\x9F\x98\x80 long enough for the fast path";
    cr_assert_eq(ns_utf8_repair(U8(s), strlen(s), &b, &n_bad), NS_OK);
    cr_assert_eq(n_bad, 0);
    cr_assert_eq(b.len, strlen(s));
    cr_assert(memcmp(b.data, s, b.len) == 0);
    /* Appends: a second call extends the buffer; NULL count allowed. */
    cr_assert_eq(ns_utf8_repair(U8("\xFF"), 1, &b, NULL), NS_OK);
    cr_assert_eq(b.len, strlen(s) + 3);
    ns_buf_release(&b);
}

Test(ns_utf8, repair_output_is_always_valid)
{
    srand(777);
    uint8_t buf[200];
    ns_buf b;
    ns_buf_init(&b);
    for (int iter = 0; iter < 2000; iter++) {
        size_t len = (size_t)(rand() % 200);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)(rand() & 0xFF);
        ns_buf_reset(&b);
        size_t n_bad;
        cr_assert_eq(ns_utf8_repair(buf, len, &b, &n_bad), NS_OK);
        cr_assert(ns_utf8_valid(b.data, b.len, NULL), "seed 777 iter %d", iter);
        cr_assert(n_bad <= len);
    }
    ns_buf_release(&b);
}

Test(ns_utf8, encode_round_trips)
{
    static const uint32_t cps[] = {0,       0x41,    0x7F,   0x80,    0x7FF,    0x800,
                                   0xD7FF,  0xE000,  0xFFFD, 0xFFFF,  0x10000,  0x1F600,
                                   0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        uint8_t out[4];
        size_t n = ns_utf8_encode(cps[i], out);
        size_t want = cps[i] < 0x80 ? 1 : cps[i] < 0x800 ? 2 : cps[i] < 0x10000 ? 3 : 4;
        cr_assert_eq(n, want);
        uint32_t cp;
        cr_assert_eq(ns_utf8_decode(out, n, &cp), n);
        cr_assert_eq(cp, cps[i]);
    }
    /* Every scalar value. */
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        uint8_t out[4];
        uint32_t cp;
        size_t n = ns_utf8_encode(c, out);
        cr_assert_eq(ns_utf8_decode(out, n, &cp), n);
        if (cp != c)
            cr_assert_fail("round trip of U+%04X gave U+%04X", c, cp);
    }
}

Test(ns_utf8, floor_backs_off_continuation_bytes)
{
    /* "a" "é" "€" "😀" "b" at offsets 0 1 3 6 10 */
    const uint8_t *s = U8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "b");
    size_t len = 11;
    static const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 11};
    for (size_t off = 0; off <= len; off++)
        cr_assert_eq(ns_utf8_floor(s, len, off), want[off], "off %zu", off);
    cr_assert_eq(ns_utf8_floor(s, len, 1000), len);
    cr_assert_eq(ns_utf8_floor(s, 0, 0), 0);
    /* Only continuation bytes: nothing better than 0. */
    cr_assert_eq(ns_utf8_floor(U8("\x80\x80\x80"), 3, 2), 0);
}
