/* The analyzer against Unicode's own conformance files, as Debian's
 * unicode-data package ships them (setup.sh installs it; each test skips
 * when its file is absent):
 *  - auxiliary/WordBreakTest.txt: every line's words (the segments with a
 *    letter, digit, kana or ideograph) must be exactly the analyzer's
 *    tokens, on the fast path and through ICU alone, except the lines of
 *    the documented deviations (README, "Text analysis"), which are counted:
 *    CJK (bigrams instead of single ideographs), ":" (CLDR's root tailoring
 *    separates at it), "@" (always separates here) and the joiners-only
 *    and non-alphabetic segments ICU or the standard call words;
 *  - NormalizationTest.txt.bz2: for every line, the five columns (a
 *    string, its NFC, NFD, NFKC and NFKD forms) have one normal form
 *    (ns_unorm_fold), with diacritics folded and kept;
 *  - CaseFolding.txt: every full (C and F) case folding maps a character
 *    and its folding to the same normal form. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ns_analyzer.h"
#include "ns_unorm.h"
#include "ns_utf8.h"

#define UNICODE_DIR "/usr/share/unicode"

static size_t put_cp(char *out, unsigned long cp)
{
    return ns_utf8_encode((uint32_t)cp, (uint8_t *)out);
}

/* ---- word breaks ---------------------------------------------------------- */

typedef struct seg {
    size_t start, end;
} seg;

typedef struct toks {
    seg s[64];
    size_t n;
} toks;

static int collect(void *ctx, const ns_token *t)
{
    toks *k = ctx;
    if (k->n < 64)
        k->s[k->n] = (seg){t->start, t->end};
    k->n++;
    return 0;
}

/* A segment the analyzer is meant to give as a word: it holds a letter, a
 * digit or an ideograph, and not only joiners. */
static int is_word(const char *s, size_t start, size_t end)
{
    return ns_unorm_has_alnum(s + start, end - start);
}

typedef enum dev { DEV_NONE, DEV_CJK, DEV_COLON, DEV_AT, DEV_ZWJ_EMOJI, DEV_OTHER } dev;

/* The deviation class of a line, from its code points. */
static dev deviation(const unsigned long *cp, size_t n)
{
    dev d = DEV_NONE;
    for (size_t i = 0; i < n; i++) {
        unsigned long c = cp[i];
        if ((c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
            (c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x3FFFF) ||
            (c >= 0x1AFF0 && c <= 0x1B16F))
            return DEV_CJK;
        if (c == 0x3A || c == 0xFE13 || c == 0xFE55 || c == 0xFF1A || c == 0x0387 || c == 0x055F ||
            c == 0x05F4 || c == 0x2027 || c == 0xFE30)
            d = DEV_COLON; /* MidLetter, which CLDR's root separates at */
        if (c == 0x40 && d == DEV_NONE)
            d = DEV_AT;
        if (c == 0x200D && i + 1 < n && cp[i + 1] >= 0x2000 && d == DEV_NONE)
            d = DEV_ZWJ_EMOJI; /* a letter, ZWJ, then a pictograph: ICU calls it emoji */
    }
    return d;
}

Test(ns_unicode, word_break_test)
{
    const char *path = UNICODE_DIR "/auxiliary/WordBreakTest.txt";
    FILE *f = fopen(path, "r");
    if (!f)
        cr_skip_test("%s is absent (Debian package unicode-data)", path);
    ns_analyzer *fast = NULL, *slow = NULL;
    ns_err err;
    cr_assert_eq(ns_analyzer_new("none", &fast, &err), NS_OK);
    cr_assert_eq(ns_analyzer_new("none", &slow, &err), NS_OK);
    ns_analyzer_set_ascii_fast(slow, 0);
    char line[4096];
    unsigned lineno = 0, n_lines = 0, n_pass = 0, n_dev[DEV_OTHER + 1] = {0};
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char text[512];
        size_t len = 0, n_cp = 0;
        unsigned long cps[128];
        seg want[64];
        size_t n_want = 0, seg_start = 0;
        int any = 0;
        for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n")) {
            if (strcmp(t, "\xC3\xB7") == 0) { /* ÷ a break */
                if (any && len > seg_start && is_word(text, seg_start, len) && n_want < 64)
                    want[n_want++] = (seg){seg_start, len};
                seg_start = len;
                any = 1;
            } else if (strcmp(t, "\xC3\x97") == 0) { /* × no break */
            } else {
                unsigned long cp = strtoul(t, NULL, 16);
                cr_assert_lt(n_cp, 128);
                cps[n_cp++] = cp;
                len += put_cp(text + len, cp);
            }
        }
        if (!n_cp)
            continue;
        n_lines++;
        toks a = {.n = 0}, b = {.n = 0};
        cr_assert_eq(ns_analyze(fast, text, len, collect, &a), NS_OK);
        cr_assert_eq(ns_analyze(slow, text, len, collect, &b), NS_OK);
        /* the two paths agree on every line, deviations included */
        cr_assert_eq(a.n, b.n, "line %u: fast path and ICU differ", lineno);
        for (size_t i = 0; i < a.n && i < 64; i++)
            cr_assert(a.s[i].start == b.s[i].start && a.s[i].end == b.s[i].end,
                      "line %u token %zu: fast path and ICU differ", lineno, i);
        int same = a.n == n_want;
        for (size_t i = 0; same && i < n_want; i++)
            same = a.s[i].start == want[i].start && a.s[i].end == want[i].end;
        if (same) {
            n_pass++;
            continue;
        }
        dev d = deviation(cps, n_cp);
        if (d == DEV_NONE) {
            d = DEV_OTHER;
            cr_log_info("WordBreakTest.txt:%u: %zu tokens, the standard has %zu words", lineno,
                        a.n, n_want);
        }
        n_dev[d]++;
    }
    fclose(f);
    ns_analyzer_free(fast);
    ns_analyzer_free(slow);
    cr_log_info("WordBreakTest: %u lines, %u as the standard, deviations: CJK %u, colon %u, "
                "at sign %u, ZWJ emoji %u, other %u",
                n_lines, n_pass, n_dev[DEV_CJK], n_dev[DEV_COLON], n_dev[DEV_AT],
                n_dev[DEV_ZWJ_EMOJI], n_dev[DEV_OTHER]);
    cr_assert_gt(n_lines, 1800);
    /* The counts the README gives (Unicode 15.0, ICU 72). */
    cr_expect_eq(n_dev[DEV_OTHER], 0, "undocumented deviations: see the log");
    cr_expect_eq(n_pass, 1801);
    cr_expect_eq(n_dev[DEV_CJK], 5);
    cr_expect_eq(n_dev[DEV_COLON], 15);
    cr_expect_eq(n_dev[DEV_ZWJ_EMOJI], 2);
}

/* ---- normalization ---------------------------------------------------------- */

/* Parses "1E0A 0307" into UTF-8; returns its length. */
static size_t parse_cps(const char *s, char *out)
{
    size_t n = 0;
    while (*s) {
        char *e;
        unsigned long cp = strtoul(s, &e, 16);
        if (e == s)
            break;
        n += put_cp(out + n, cp);
        s = e;
        while (*s == ' ')
            s++;
    }
    return n;
}

static void fold(ns_unorm *u, const char *s, size_t n, ns_buf *out)
{
    ns_buf_reset(out);
    cr_assert_eq(ns_unorm_fold(u, s, n, out), NS_OK);
}

Test(ns_unicode, normalization_test, .timeout = 120)
{
    const char *path = UNICODE_DIR "/NormalizationTest.txt.bz2";
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is absent (Debian package unicode-data)", path);
    FILE *f = popen("bzip2 -dc " UNICODE_DIR "/NormalizationTest.txt.bz2", "r");
    cr_assert_not_null(f);
    ns_unorm *u[2];
    ns_err err;
    cr_assert_eq(ns_unorm_new(true, &u[0], &err), NS_OK);
    cr_assert_eq(ns_unorm_new(false, &u[1], &err), NS_OK);
    ns_buf first, other;
    ns_buf_init(&first);
    ns_buf_init(&other);
    char line[2048];
    unsigned lineno = 0, n_lines = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '@' || line[0] == '\n')
            continue;
        char *col[5], *p = line;
        for (int i = 0; i < 5; i++) {
            col[i] = p;
            p = strchr(p, ';');
            cr_assert_not_null(p, "line %u", lineno);
            *p++ = '\0';
        }
        char text[5][256];
        size_t len[5];
        for (int i = 0; i < 5; i++)
            len[i] = parse_cps(col[i], text[i]);
        for (int k = 0; k < 2; k++) {
            fold(u[k], text[0], len[0], &first);
            for (int i = 1; i < 5; i++) {
                fold(u[k], text[i], len[i], &other);
                if (other.len != first.len || memcmp(other.data, first.data, first.len) != 0)
                    cr_assert_fail("NormalizationTest.txt line %u: column %d folds differently "
                                   "from column 1 (diacritics %s)",
                                   lineno, i + 1, k ? "kept" : "folded");
            }
        }
        n_lines++;
    }
    pclose(f);
    cr_assert_gt(n_lines, 19000, "%u lines", n_lines);
    ns_buf_release(&first);
    ns_buf_release(&other);
    ns_unorm_free(u[0]);
    ns_unorm_free(u[1]);
}

Test(ns_unicode, case_folding_test)
{
    const char *path = UNICODE_DIR "/CaseFolding.txt";
    FILE *f = fopen(path, "r");
    if (!f)
        cr_skip_test("%s is absent (Debian package unicode-data)", path);
    ns_unorm *u;
    ns_err err;
    cr_assert_eq(ns_unorm_new(false, &u, &err), NS_OK);
    ns_buf a, b;
    ns_buf_init(&a);
    ns_buf_init(&b);
    char line[512];
    unsigned lineno = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char code[16], status[4], mapping[64];
        if (sscanf(line, "%15[0-9A-F]; %3[CFST]; %63[0-9A-F ];", code, status, mapping) != 3)
            continue;
        if (strcmp(status, "C") != 0 && strcmp(status, "F") != 0)
            continue;
        char s[8], m[64];
        size_t sl = parse_cps(code, s), ml = parse_cps(mapping, m);
        fold(u, s, sl, &a);
        fold(u, m, ml, &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            cr_assert_fail("CaseFolding.txt line %u: U+%s and its folding differ", lineno, code);
        n++;
    }
    fclose(f);
    cr_assert_gt(n, 1400, "%u foldings", n);
    ns_buf_release(&a);
    ns_buf_release(&b);
    ns_unorm_free(u);
}
