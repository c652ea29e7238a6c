/* Tests for ns_fold: word-character classes and case folding per script. */
#include <criterion/criterion.h>
#include <string.h>

#include "ns_fold.h"
#include "ns_utf8.h"

/* Folds every code point of the UTF-8 string s; returns a static buffer. */
static const char *fold_str(const char *s)
{
    static char out[256];
    size_t n = strlen(s), i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        i += ns_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        o += ns_utf8_encode(ns_fold_case(cp), (uint8_t *)out + o);
        cr_assert(o < sizeof out - 4);
    }
    out[o] = '\0';
    return out;
}

/* True when every code point of s is a word character. */
static bool all_word(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        i += ns_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (!ns_fold_is_word(cp))
            return false;
    }
    return true;
}

#define assert_fold(in, want) cr_assert_str_eq(fold_str(in), want, "fold(%s)", in)

Test(ns_fold, ascii_letters_and_digits_are_words)
{
    for (uint32_t c = 0; c < 0x80; c++) {
        bool want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        cr_assert_eq(ns_fold_is_word(c), want, "U+%04X", c);
    }
}

Test(ns_fold, ascii_folds_only_capitals)
{
    for (uint32_t c = 0; c < 0x80; c++) {
        uint32_t want = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        cr_assert_eq(ns_fold_case(c), want, "U+%04X", c);
    }
    assert_fold("Article Five", "article five");
    assert_fold("NATO-2022", "nato-2022");
}

Test(ns_fold, latin1_punctuation_and_symbols_separate)
{
    static const uint32_t seps[] = {
        0xA0 /* nbsp */, 0xA1 /* ¡ */, 0xA7 /* § */, 0xA9 /* © */, 0xAB /* « */,
        0xAD /* soft hyphen */, 0xB0 /* ° */, 0xB6 /* ¶ */, 0xB7 /* · */, 0xBB /* » */,
        0xBF /* ¿ */, 0xD7 /* × */, 0xF7 /* ÷ */, 0x85 /* NEL (C1) */, 0x9F};
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
        cr_assert_not(ns_fold_is_word(seps[i]), "U+%04X", seps[i]);
    cr_assert(all_word("ÀÉÎÕÜàéîõüÿßðþæøåñç"));
}

Test(ns_fold, latin1_folds)
{
    assert_fold("ÉCOLE", "école");
    assert_fold("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ", "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ");
    cr_assert_eq(ns_fold_case(0xD7), 0xD7); /* × is not a letter */
    assert_fold("STRAßE", "straße");          /* ß stays ß */
    assert_fold("ÿ", "ÿ");
    assert_fold("µ", "µ");
}

Test(ns_fold, latin_extended_a_folds)
{
    assert_fold("ŁÓDŹ", "łódź");
    assert_fold("ČESKÁ REPUBLIKA ŘÍP", "česká republika říp");
    assert_fold("ŐRSÉG ŰR", "őrség űr");
    assert_fold("ĞÜNEŞ", "ğüneş");
    assert_fold("ĦĲĿŊŒŦ", "ħĳŀŋœŧ");
    assert_fold("ŸVES", "ÿves");   /* U+0178 -> U+00FF */
    assert_fold("ŽŹŻ", "žźż");
    cr_assert_eq(ns_fold_case(0x0130), 0x69); /* İ -> i */
    cr_assert_eq(ns_fold_case(0x0131), 0x0131); /* ı stays */
    cr_assert_eq(ns_fold_case(0x0138), 0x0138); /* ĸ */
    cr_assert_eq(ns_fold_case(0x0149), 0x0149); /* ŉ */
    cr_assert_eq(ns_fold_case(0x017F), 's');    /* ſ */
    assert_fold("İSTANBUL", "istanbul");
    /* every small letter in the block folds to itself */
    for (uint32_t c = 0x0101; c <= 0x017E; c++) {
        uint32_t f = ns_fold_case(c);
        cr_assert_eq(ns_fold_case(f), f, "fold is idempotent at U+%04X", c);
    }
}

Test(ns_fold, latin_extended_b_folds)
{
    assert_fold("ƁƊƏƓƔ", "ɓɗəɠɣ");
    assert_fold("ǄǅǆǇǈǊǋǱǲ", "ǆǆǆǉǉǌǌǳǳ"); /* digraphs incl. title case */
    assert_fold("ǍǏǑǓǕǗǙǛ", "ǎǐǒǔǖǘǚǜ");
    assert_fold("ȘȚ", "șț"); /* Romanian comma-below */
    assert_fold("ǞǠǢǤǦǨǪǬǮ", "ǟǡǣǥǧǩǫǭǯ");
    assert_fold("ȺȾɃɄɅɆ", "ⱥⱦƀʉʌɇ");
}

Test(ns_fold, vietnamese_folds)
{
    assert_fold("TIẾNG VIỆT", "tiếng việt");
    assert_fold("HÀ NỘI", "hà nội");
    assert_fold("ĐẠI HỌC QUỐC GIA", "đại học quốc gia");
    assert_fold("ḂḊḞṀṠṪẀẂẄ", "ḃḋḟṁṡṫẁẃẅ");
    assert_fold("ẞ", "ß");
    cr_assert(all_word("tiếng") && all_word("việt"));
}

Test(ns_fold, greek_folds)
{
    assert_fold("ΟΔΥΣΣΕΥΣ", "οδυσσευσ");
    assert_fold("Οδυσσεύς", "οδυσσεύσ"); /* final sigma -> sigma */
    assert_fold("ΆΈΉΊΌΎΏ", "άέήίόύώ");
    assert_fold("ΪΫ", "ϊϋ");
    assert_fold("ΑΘΗΝΑ", "αθηνα");
    cr_assert_eq(ns_fold_case(0x03C2), 0x03C3);
    cr_assert_eq(ns_fold_case(0x03A2), 0x03A2); /* unassigned */
    assert_fold("ἈΘῆΝΑΙ", "ἀθῆναι");           /* polytonic */
    assert_fold("ᾈᾼῈῸῺῼ", "ᾀᾳὲὸὼῳ");
    cr_assert(all_word("Οδυσσεύς"));
    cr_assert_not(ns_fold_is_word(0x037E)); /* Greek question mark */
    cr_assert_not(ns_fold_is_word(0x0387)); /* ano teleia */
}

Test(ns_fold, cyrillic_folds)
{
    assert_fold("МОСКВА", "москва");
    assert_fold("ЁЛКА", "ёлка");
    assert_fold("ЂЃЄЅІЇЈЉЊЋЌЍЎЏ", "ђѓєѕіїјљњћќѝўџ");
    assert_fold("УКРАЇНА", "україна");
    assert_fold("ҐҒҚҢҮҰҲҺ", "ґғқңүұҳһ");   /* U+0460..04BF pairs */
    assert_fold("ӁӃ", "ӂӄ");                   /* U+04C1.. odd pairs */
    cr_assert_eq(ns_fold_case(0x04C0), 0x04CF); /* palochka */
    assert_fold("ӐӒӘӨ", "ӑӓәө");               /* U+04D0..04FF */
    assert_fold("ԀԂԐ", "ԁԃԑ");                 /* Cyrillic Supplement */
    cr_assert(all_word("москва"));
}

Test(ns_fold, armenian_and_fullwidth_fold)
{
    assert_fold("ՀԱՅԱՍՏԱՆ", "հայաստան");
    cr_assert_eq(ns_fold_case(0x0531), 0x0561);
    cr_assert_eq(ns_fold_case(0x0556), 0x0586);
    assert_fold("ＡＢＣ", "ａｂｃ");
    cr_assert_eq(ns_fold_case(0xFF3A), 0xFF5A);
    cr_assert_eq(ns_fold_case(0xFF41), 0xFF41);
    cr_assert(all_word("ＡＢＣ１２３"));
    cr_assert_not(ns_fold_is_word(0xFF01)); /* ！ */
    cr_assert_not(ns_fold_is_word(0xFF0C)); /* ， */
}

Test(ns_fold, other_scripts_are_words_and_fold_to_themselves)
{
    static const char *words[] = {
        "שלום",       /* Hebrew */
        "مرحبا",      /* Arabic */
        "سلام",       /* Persian */
        "नमस्ते",       /* Devanagari with vowel signs */
        "こんにちは", /* Hiragana */
        "カタカナ",   /* Katakana */
        "東京大学",   /* CJK ideographs */
        "한국어",     /* Hangul */
        "ภาษาไทย",    /* Thai */
        "ქართული",    /* Georgian */
        "ᏣᎳᎩ",        /* Cherokee */
        "e\xCC\x81" "cole", /* combining acute */
        "٣٤٥",        /* Arabic-Indic digits */
        "𝐀𝐁",         /* mathematical bold (plane 1) */
        "𠀀",         /* CJK Extension B */
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_assert(all_word(words[i]), "%s", words[i]);
    assert_fold("東京", "東京");
    assert_fold("שלום", "שלום");
}

Test(ns_fold, punctuation_and_symbols_separate)
{
    static const uint32_t seps[] = {
        0x2000, 0x200B, 0x200D, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2026, 0x2030, 0x203C, 0x2060, 0x20AC /* € */, 0x20BD, 0x2190 /* ← */, 0x21D2,
        0x2200, 0x2212 /* − */, 0x221E, 0x2500 /* box drawing */, 0x25A0, 0x2605,
        0x2764, 0x3000 /* ideographic space */, 0x3001 /* 、 */, 0x3002 /* 。 */,
        0x300C, 0x300D, 0x30FB /* ・ */, 0xFF08, 0xFF1F, 0xFE0F, 0xFEFF, 0xFFFD,
        0xE000, 0xF8FF /* private use */, 0x1F600 /* 😀 */, 0x1F44D, 0x1F1FA,
        0x1F3FB /* skin tone */, 0x1FAFF, 0xF0000, 0x10FFFD, 0x05BE /* maqaf */,
        0x05C3, 0x060C /* Arabic comma */, 0x061F, 0x0964 /* danda */, 0x0589,
        0x055D, 0x00BF, 0x2E18};
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
        cr_assert_not(ns_fold_is_word(seps[i]), "U+%04X", seps[i]);
}

Test(ns_fold, combining_marks_are_words)
{
    for (uint32_t c = 0x0300; c <= 0x036F; c++)
        cr_assert(ns_fold_is_word(c), "U+%04X", c);
    cr_assert(ns_fold_is_word(0x0591)); /* Hebrew accent */
    cr_assert(ns_fold_is_word(0x064B)); /* Arabic fathatan */
    cr_assert(ns_fold_is_word(0x093F)); /* Devanagari vowel sign i */
    cr_assert(ns_fold_is_word(0x3099)); /* kana voiced mark */
    cr_assert_not(ns_fold_is_word(0x20DD)); /* enclosing circle */
}

Test(ns_fold, folding_is_idempotent_and_keeps_word_class)
{
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        uint32_t f = ns_fold_case(c);
        if (ns_fold_case(f) != f)
            cr_assert_fail("fold(fold(U+%04X)) != fold(U+%04X)", c, c);
        if (f != c && (!ns_fold_is_word(c) || !ns_fold_is_word(f)))
            cr_assert_fail("U+%04X folds to U+%04X across word classes", c, f);
    }
}
