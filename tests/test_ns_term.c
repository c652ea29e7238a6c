/* Tests of ns_term: the escaping of untrusted text for terminals (text and
 * name styles) and for white-space-separated records (token style). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ns_term.h"

/* Returns: owned NUL-terminated rendering of s[0..len) in style st. */
static char *render(const char *s, size_t len, ns_term_style st)
{
    ns_buf b;
    ns_buf_init(&b);
    cr_assert_eq(ns_term_put(&b, s, len, st), NS_OK);
    char *r = strdup(ns_buf_cstr(&b));
    ns_buf_release(&b);
    return r;
}

static void expect(const char *in, size_t len, ns_term_style st, const char *want)
{
    char *got = render(in, len, st);
    cr_assert_str_eq(got, want, "style %d of a %zu-byte input", (int)st, len);
    free(got);
}
#define EXPECT(lit, st, want) expect(lit, sizeof lit - 1, st, want)

Test(ns_term, plain_text_is_copied_in_every_style)
{
    const char s[] = "Caf\xC3\xA9 \xE2\x80\xA6 r\xC3\xA9sum\xC3\xA9 \xF0\x9F\x98\x80 100";
    EXPECT(s, NS_TERM_TEXT, s);
    EXPECT(s, NS_TERM_NAME, s);
    EXPECT("a-b_c.txt", NS_TERM_TOKEN, "a-b_c.txt");
    EXPECT("", NS_TERM_TEXT, "");
}

Test(ns_term, text_style_escapes_controls_and_turns_white_space_controls_into_spaces)
{
    EXPECT("\x1b]0;pwned\x07 x", NS_TERM_TEXT, "\\x1b]0;pwned\\x07 x");
    EXPECT("a\tb\nc\rd\fe\vf", NS_TERM_TEXT, "a b c d e f");
    EXPECT("nul\0del\x7f", NS_TERM_TEXT, "nul\\x00del\\x7f");
    EXPECT("back\\slash", NS_TERM_TEXT, "back\\slash");
    /* C1 controls as UTF-8 (NEL, CSI), bidi controls, separators */
    EXPECT("\xC2\x85\xC2\x9B\xC2\x80\xC2\x9F", NS_TERM_TEXT, "\\u0085\\u009b\\u0080\\u009f");
    EXPECT("\xE2\x80\xAE" "abc\xE2\x81\xA6x\xE2\x81\xA9", NS_TERM_TEXT, "\\u202eabc\\u2066x\\u2069");
    EXPECT("\xD8\x9C\xE2\x80\x8E\xE2\x80\x8F\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\xAA", NS_TERM_TEXT,
           "\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a");
    /* the neighbours of the ranges stay */
    EXPECT("\xC2\xA0\xE2\x80\xA7\xE2\x81\xA5\xE2\x81\xAA", NS_TERM_TEXT,
           "\xC2\xA0\xE2\x80\xA7\xE2\x81\xA5\xE2\x81\xAA");
    /* bytes that are not UTF-8: a lone 8-bit CSI, a truncated sequence */
    EXPECT("\x9b" "2J \xE2\x80", NS_TERM_TEXT, "\\x9b2J \\xe2\\x80");
}

Test(ns_term, name_style_escapes_white_space_and_doubles_backslashes)
{
    EXPECT("a b", NS_TERM_NAME, "a b");
    EXPECT("a\tb", NS_TERM_NAME, "a\\x09b");
    EXPECT("a\nb\r", NS_TERM_NAME, "a\\x0ab\\x0d");
    /* unambiguous: the stored name "a\x09b" (backslash, x, 0, 9) differs */
    EXPECT("a\\x09b", NS_TERM_NAME, "a\\\\x09b");
    EXPECT("\xE2\x80\xAE" "cod.exe", NS_TERM_NAME, "\\u202ecod.exe");
}

Test(ns_term, token_style_has_no_white_space_and_decodes_back)
{
    EXPECT("a b", NS_TERM_TOKEN, "a%20b");
    EXPECT("a\tb\nc", NS_TERM_TOKEN, "a%09b%0Ac");
    EXPECT("100%", NS_TERM_TOKEN, "100%25");
    EXPECT("", NS_TERM_TOKEN, "%");
    EXPECT("\x1b[2J\xC2\x85\xE2\x80\xAE", NS_TERM_TOKEN, "%1B[2J%C2%85%E2%80%AE");
    EXPECT("caf\xC3\xA9\\", NS_TERM_TOKEN, "caf\xC3\xA9\\");
    /* every byte value: no byte <= 0x20 or DEL in the output, and decoding
     * %HH gives the input back */
    char in[256];
    for (int i = 0; i < 256; i++)
        in[i] = (char)i;
    char *out = render(in, sizeof in, NS_TERM_TOKEN);
    char dec[256];
    size_t n = 0;
    for (const char *p = out; *p; p++) {
        cr_assert((unsigned char)*p > 0x20 && *p != 0x7f, "byte 0x%02x in the output", *p);
        cr_assert_lt(n, sizeof dec);
        if (*p == '%') {
            unsigned v;
            cr_assert_eq(sscanf(p + 1, "%2x", &v), 1);
            dec[n++] = (char)v;
            p += 2;
        } else {
            dec[n++] = *p;
        }
    }
    cr_assert_eq(n, sizeof in);
    cr_assert_eq(memcmp(dec, in, n), 0);
    free(out);
}
