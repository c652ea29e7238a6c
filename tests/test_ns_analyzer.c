/* Tests for ns_analyzer: tokenizer rules, offsets and positions, stemming,
 * the stem cache, language names and the identity fingerprint. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_ascan.h"
#include "ns_utf8.h"

#define MAX_TOKS 4096

typedef struct tok_rec {
    char term[NS_TOKEN_MAX_BYTES + 1];
    size_t start, end;
    uint32_t pos;
} tok_rec;

typedef struct tok_list {
    tok_rec t[MAX_TOKS];
    size_t n;
    size_t stop_after; /* 0: never stop */
} tok_list;

static int collect(void *ctx, const ns_token *tok)
{
    tok_list *l = ctx;
    cr_assert(tok->term_len >= 1 && tok->term_len <= NS_TOKEN_MAX_BYTES);
    cr_assert(tok->start < tok->end);
    if (l->n < MAX_TOKS) {
        tok_rec *r = &l->t[l->n];
        memcpy(r->term, tok->term, tok->term_len);
        r->term[tok->term_len] = '\0';
        r->start = tok->start;
        r->end = tok->end;
        r->pos = tok->pos;
    }
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

static ns_analyzer *new_analyzer(const char *lang)
{
    ns_analyzer *a = NULL;
    ns_err err;
    ns_err_clear(&err);
    cr_assert_eq(ns_analyzer_new(lang, &a, &err), NS_OK, "%s: %s", lang, err.msg);
    cr_assert_not_null(a);
    return a;
}

/* Analyzes text with a fresh analyzer; returns a heap token list. */
static tok_list *analyze(const char *lang, const char *text, size_t len)
{
    ns_analyzer *a = new_analyzer(lang);
    tok_list *l = calloc(1, sizeof *l);
    cr_assert_not_null(l);
    cr_assert_eq(ns_analyze(a, text, len, collect, l), NS_OK);
    ns_analyzer_free(a);
    return l;
}

/* Asserts the terms, space-separated in want. */
static void assert_terms(const tok_list *l, const char *want)
{
    char got[4096];
    size_t o = 0;
    got[0] = '\0';
    for (size_t i = 0; i < l->n && i < MAX_TOKS; i++)
        o += (size_t)snprintf(got + o, sizeof got - o, "%s%s", i ? " " : "", l->t[i].term);
    cr_assert_str_eq(got, want);
}

static void check(const char *lang, const char *text, const char *want)
{
    tok_list *l = analyze(lang, text, strlen(text));
    assert_terms(l, want);
    free(l);
}

Test(ns_analyzer, article_five_stems)
{
    check("english", "Article Five", "articl five");
}

Test(ns_analyzer, meets_and_meeting_stem_to_meet)
{
    check("english", "meets meeting MEETING Meet", "meet meet meet meet");
}

Test(ns_analyzer, possessive_s_is_dropped)
{
    tok_list *l = analyze("english", "Russia's army", 13);
    assert_terms(l, "russia armi");
    cr_assert_eq(l->t[0].start, 0);
    cr_assert_eq(l->t[0].end, 6); /* 's excluded */
    cr_assert_eq(l->t[1].start, 9);
    cr_assert_eq(l->t[1].pos, 1);
    free(l);

    const char *t = "NATO\xE2\x80\x99s allies"; /* U+2019 */
    l = analyze("english", t, strlen(t));
    assert_terms(l, "nato alli");
    cr_assert_eq(l->t[0].end, 4);
    cr_assert_eq(l->t[1].start, 9);
    free(l);

    check("none", "RUSSIA'S", "russia");
    check("none", "Russia's", "russia");
    check("none", "Russia's.", "russia");
    check("none", "Russia's\xE2\x80\x99s's", "russia"); /* every one of them */
    check("none", "it\xE2\x80\x98s", "it");                     /* U+2018 too */
    check("none", "Russia's\xE2\x80\x99x", "russia's'x");       /* not final */
}

Test(ns_analyzer, apostrophes_between_letters_join)
{
    check("none", "don't", "don't");
    check("none", "don\xE2\x80\x99t", "don't"); /* the typographic one is the same */
    check("none", "o'clock", "o'clock");
    check("none", "rock'n'roll", "rock'n'roll");
    check("none", "Russia'sX", "russia'sx");
    check("none", "'s", "s");       /* nothing before it */
    check("none", "cats' toys", "cats toys");
    check("none", "a''s", "a s");
    check("none", "1'000 1'a", "1'000 1 a"); /* between digits, not digit-letter */
    check("english", "don't", "don't");
}

Test(ns_analyzer, elided_articles_are_dropped_in_french_italian_catalan_irish)
{
    check("french", "l'homme qu\xE2\x80\x99il d'Artagnan jusqu'ici aujourd'hui",
          "homm il artagnan ici aujourd'hui");
    check("italian", "dell'arte l'uomo", "arte uom");
    check("catalan", "l'home", "hom");
    check("french", "t't'es l\xEF\xBC\x87homme", "e homm"); /* every article; fullwidth ' */
    check("english", "l'homme", "l'homm"); /* other languages keep the word */
    check("none", "l'homme", "l'homme");
    tok_list *l = analyze("french", "vu l'homme", 10);
    cr_assert_eq(l->t[1].start, 5); /* the article is not in the range */
    cr_assert_eq(l->t[1].end, 10);
    free(l);
}

Test(ns_analyzer, splits_on_punctuation_and_symbols)
{
    check("none", "Hello, World! (foo-bar) x_y a.b@c.d 5\xC3\x97" "6 \xC2\xABquote\xC2\xBB",
          "hello world foo bar x_y ab cd 5 6 quote");
    check("none", "\xE2\x80\x9Csmart\xE2\x80\x9D \xE2\x80\x94 dash\xE2\x80\xA6",
          "smart dash");
    check("none", "tab\there\nnew\r\nline", "tab here new line");
    check("none", "caf\xC3\xA9\xE2\x82\xAC" "10", "cafe 10");
    check("none", "\xF0\x9F\x98\x80smile\xF0\x9F\x91\x8D", "smile");
    check("none", "", "");
    check("none", " ,.;!? ", "");
    check("none", "_ __ ___", "");
}

Test(ns_analyzer, open_cases_are_decided_as_documented)
{
    check("none", "e-mail AT&T C++ #hashtag @user", "e mail at t c hashtag user");
    check("none", "john.smith@example.com", "john.smith example.com");
    check("none", "http://www.example.com/a/b.html?x=1", "http www.example.com a b.html x 1");
    check("none", "12:30 a:b 1987-03-26", "12 30 a b 1987 03 26");
    check("none", "foo_bar __init__ _x x_", "foo_bar __init__ _x x_");
}

Test(ns_analyzer, numbers_stay_whole)
{
    check("english", "In 2022 the 3rd quarter", "in 2022 the 3rd quarter");
    check("none", "1,234.56 3.5% 155,221 bags 1;2", "1,234.56 3.5 155,221 bags 1;2");
    check("none", "a.1 1.a 1,a a,b 3.", "a 1 1 a 1 a a b 3");
    check("none", "\xD9\xA1\xD9\xA2\xD9\xAB\xD9\xA3", "\xD9\xA1\xD9\xA2\xD9\xAB\xD9\xA3");
}

Test(ns_analyzer, acronyms_lose_their_dots)
{
    check("none", "U.S. U.S.A. e.g. I.B.M.", "us usa eg ibm");
    check("none", "\xC3\x89.U.", "eu"); /* any letters */
    check("none", "U.S.1 a.bc www.example.com", "us 1 a.bc www.example.com");
    tok_list *l = analyze("none", "the U.S. economy", 16);
    cr_assert_eq(l->t[1].start, 4);
    cr_assert_eq(l->t[1].end, 7); /* the final dot is not in the word */
    free(l);
}

Test(ns_analyzer, composed_and_decomposed_forms_are_the_same)
{
    tok_list *l = analyze("none", "e\xCC\x81" "cole!", 8);
    cr_assert_eq(l->n, 1);
    cr_assert_str_eq(l->t[0].term, "ecole");
    cr_assert_eq(l->t[0].start, 0);
    cr_assert_eq(l->t[0].end, 7);
    free(l);
    check("french", "E\xCC\x81" "COLES \xC3\xA9" "coles ecoles", "ecol ecol ecol");
    check("none", "\xEF\xAC\x81ne \xEF\xAC\x80" "ort", "fine ffort"); /* ligatures */
    check("none", "\xE2\x91\xA0 \xE2\x85\xAB", "xii"); /* circled 1 is a symbol, XII a number */
}

Test(ns_analyzer, diacritics_are_folded_unless_kept)
{
    check("none", "caf\xC3\xA9 na\xC3\xAFve \xC3\xA0 \xC3\xB1" "and\xC3\xBA \xCE\xAC\xCE\xBB\xCE\xBC\xCE\xB1",
          "cafe naive a nandu \xCE\xB1\xCE\xBB\xCE\xBC\xCE\xB1");
    /* Letters without a decomposition, and marks of other scripts, stay. */
    check("none", "\xC3\xB8l \xC5\x82\xC3\xB3" "d\xC5\xBA \xD0\xB9" "\xD0\xBE\xD0\xB4",
          "\xC3\xB8l \xC5\x82odz \xD0\xB9\xD0\xBE\xD0\xB4");
    check("none", "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80",
          "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80"); /* हिन्दी */
    check("none", "\xE3\x81\x8C", "\xE3\x81\x8C"); /* が keeps its voiced mark */
    ns_analyzer *a = new_analyzer("none");
    ns_err err;
    cr_assert_eq(ns_analyzer_set_keep_diacritics(a, true, &err), NS_OK);
    cr_assert(ns_analyzer_keep_diacritics(a));
    tok_list *l = calloc(1, sizeof *l);
    const char *t = "Caf\xC3\xA9 cafe\xCC\x81 na\xC3\xAFve";
    cr_assert_eq(ns_analyze(a, t, strlen(t), collect, l), NS_OK);
    assert_terms(l, "caf\xC3\xA9 caf\xC3\xA9 na\xC3\xAFve"); /* NFC either way */
    free(l);
    ns_analyzer_free(a);
}

Test(ns_analyzer, folding_does_not_defeat_the_stemmers)
{
    /* An accented word and the same typed without accents have the same
     * term, and the stemmers still join a word's forms. */
    check("french", "\xC3\xA9l\xC3\xA8ve \xC3\xA9l\xC3\xA8ves eleve eleves", "elev elev elev elev");
    /* The stemmer is fed the folded form (so typing without accents finds
     * the same term): "-ité" is then not seen as a suffix, and the forms
     * of "nationalité" share a term that is not "national"'s. */
    check("french", "nationalit\xC3\xA9 nationalit\xC3\xA9s nationalite national",
          "nationalit nationalit nationalit national");
    check("french", "fen\xC3\xAAtre fen\xC3\xAAtres fenetre", "fenetr fenetr fenetr");
    check("german", "H\xC3\xA4user Haeuser Hauser h\xC3\xA4uslich", "haus haeus haus hauslich");
    check("german", "M\xC3\xA4" "dchen Madchen", "madch madch");
    check("german", "Stra\xC3\x9F" "e Strasse", "strass strass");
    check("spanish", "canci\xC3\xB3n canciones cancion", "cancion cancion cancion");
    /* The measured cost of folding first (README, "Diacritics"): Spanish
     * "-ción" is a suffix only with its accent, so the plural parts from
     * the singular; --keep-diacritics keeps the stemmer's own forms. */
    check("spanish", "informaci\xC3\xB3n informacion informaciones", "informacion informacion inform");
    check("spanish", "ni\xC3\xB1o ni\xC3\xB1os nino", "nin nin nin");
}

Test(ns_analyzer, folds_scripts)
{
    check("none", "\xC3\x89" "COLE \xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3 "
                  "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90 \xC4\xB0stanbul STRA\xC3\x9F" "E",
          "ecole οδυσσευσ москва istanbul strasse");
    check("none", "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", "abc"); /* fullwidth */
    check("none", "\xE1\x8F\xB4 \xF0\x90\x90\x80", "\xE1\x8F\xB4 \xF0\x90\x90\xA8"); /* Cherokee, Deseret */
}

Test(ns_analyzer, offsets_with_multibyte_characters)
{
    /* "Zürich – Genève, Μόσχα"  */
    const char *t = "Z\xC3\xBCrich \xE2\x80\x93 Gen\xC3\xA8ve, \xCE\x9C\xCF\x8C\xCF\x83\xCF\x87\xCE\xB1";
    tok_list *l = analyze("none", t, strlen(t));
    assert_terms(l, "zurich geneve μοσχα");
    cr_assert_eq(l->t[0].start, 0);
    cr_assert_eq(l->t[0].end, 7);
    cr_assert_eq(l->t[1].start, 12);
    cr_assert_eq(l->t[1].end, 19);
    cr_assert_eq(l->t[2].start, 21);
    cr_assert_eq(l->t[2].end, strlen(t));
    for (size_t i = 0; i < l->n; i++)
        cr_assert_eq(l->t[i].pos, i);
    free(l);
}

Test(ns_analyzer, invalid_bytes_separate_words)
{
    static const char t[] = "abc\xFF" "def\xC3(ghi\xED\xA0\x80jkl\xC0\xAFmno\xE2\x82";
    tok_list *l = analyze("none", t, sizeof t - 1);
    assert_terms(l, "abc def ghi jkl mno");
    static const size_t starts[] = {0, 4, 9, 15, 20}, ends[] = {3, 7, 12, 18, 23};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(l->t[i].start, starts[i], "token %zu", i);
        cr_assert_eq(l->t[i].end, ends[i], "token %zu", i);
        cr_assert_eq(l->t[i].pos, i);
    }
    free(l);
    /* A truncated sequence at the very end of a word. */
    check("none", "word\xC3", "word");
    check("none", "\x80\x80word\x80", "word");
}

Test(ns_analyzer, offsets_slice_the_original_word)
{
    const char *t = "Die Stra\xC3\x9F" "e, l'\xC3\x89t\xC3\xA9 de Z\xC3\xBCrich's NATO\xE2\x80\x99s 2022.";
    tok_list *l = analyze("none", t, strlen(t));
    static const char *orig[] = {"Die", "Stra\xC3\x9F" "e", "l'\xC3\x89t\xC3\xA9", "de",
                                 "Z\xC3\xBCrich", "NATO", "2022"};
    cr_assert_eq(l->n, 7);
    for (size_t i = 0; i < l->n; i++) {
        size_t n = l->t[i].end - l->t[i].start;
        cr_assert_eq(n, strlen(orig[i]), "token %zu", i);
        cr_assert(memcmp(t + l->t[i].start, orig[i], n) == 0, "token %zu", i);
    }
    free(l);
}

Test(ns_analyzer, long_words_are_split_not_dropped)
{
    char text[1200];
    char longw[NS_TOKEN_MAX_BYTES + 2];
    memset(longw, 'x', NS_TOKEN_MAX_BYTES + 1);
    longw[NS_TOKEN_MAX_BYTES + 1] = '\0';
    char maxw[NS_TOKEN_MAX_BYTES + 1];
    memset(maxw, 'y', NS_TOKEN_MAX_BYTES);
    maxw[NS_TOKEN_MAX_BYTES] = '\0';
    snprintf(text, sizeof text, "alpha %s beta %s gamma", longw, maxw);
    ns_analyzer *a = new_analyzer("none");
    tok_list *l = calloc(1, sizeof *l);
    cr_assert_eq(ns_analyze(a, text, strlen(text), collect, l), NS_OK);
    cr_assert_eq(l->n, 6);
    cr_assert_str_eq(l->t[0].term, "alpha");
    cr_assert_eq(strlen(l->t[1].term), NS_TOKEN_MAX_BYTES); /* the first piece */
    cr_assert_str_eq(l->t[2].term, "x");                    /* the rest */
    cr_assert_eq(l->t[2].pos, 2);
    cr_assert_eq(l->t[1].start, 6);
    cr_assert_eq(l->t[2].end, 6 + NS_TOKEN_MAX_BYTES + 1); /* both: the whole word */
    cr_assert_str_eq(l->t[3].term, "beta");
    cr_assert_str_eq(l->t[4].term, maxw); /* exactly the cap: one piece */
    cr_assert_str_eq(l->t[5].term, "gamma");
    cr_assert_eq(l->t[5].pos, 5);
    ns_analyzer_stats st;
    ns_analyzer_get_stats(a, &st);
    cr_assert_eq(st.long_split, 1);
    free(l);
    ns_analyzer_free(a);

    /* The cap counts folded bytes and cuts between characters: 128 x "Ж"
     * (256 bytes folded) is 127 + 1. */
    char w[600] = "";
    for (int i = 0; i < 128; i++)
        strcat(w, "\xD0\x96");
    snprintf(text, sizeof text, "%s end", w);
    l = analyze("none", text, strlen(text));
    cr_assert_eq(l->n, 3);
    cr_assert_eq(strlen(l->t[0].term), 254);
    cr_assert_str_eq(l->t[1].term, "\xD0\xB6");
    cr_assert_str_eq(l->t[2].term, "end");
    cr_assert_eq(l->t[2].pos, 2);
    free(l);
    /* A 63-letter German compound is one ordinary word. */
    check("none", "Rindfleischetikettierungs\xC3\xBC" "berwachungsaufgaben\xC3\xBC" "bertragungsgesetz",
          "rindfleischetikettierungsuberwachungsaufgabenubertragungsgesetz");
}

Test(ns_analyzer, chinese_and_japanese_give_bigrams)
{
    /* 東京は日本の首都です */
    const char *t = "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAF\xE6\x97\xA5\xE6\x9C\xAC\xE3\x81\xAE"
                    "\xE9\xA6\x96\xE9\x83\xBD\xE3\x81\xA7\xE3\x81\x99";
    tok_list *l = analyze("english", t, strlen(t));
    assert_terms(l, "東京 京は は日 日本 本の の首 首都 都で です");
    for (size_t i = 0; i < l->n; i++) {
        cr_assert_eq(l->t[i].pos, i);
        cr_assert_eq(l->t[i].start, 3 * i);
        cr_assert_eq(l->t[i].end, 3 * i + 6);
    }
    free(l);
    /* 北京是中国的首都 + a lone character, punctuation between runs, Latin after */
    check("none", "北京是中国的首都。京 東京、大阪Tokyo", "北京 京是 是中 中国 国的 的首 首都 京 東京 大阪 tokyo");
    /* half-width katakana with its voiced mark, normalized; Katakana words */
    check("none", "\xEF\xBD\xB6\xEF\xBE\x9E\xEF\xBD\xB7 カタカナ", "ガキ カタ タカ カナ");
    /* Hangul goes by spaces */
    check("none", "한국어 텍스트", "한국어 텍스트");
}

Test(ns_analyzer, thai_words_come_from_the_dictionary)
{
    /* ภาษาไทยง่ายนิดเดียว: ICU gives ภาษา ไทย ง่าย นิด เดียว */
    check("none", "\xE0\xB8\xA0\xE0\xB8\xB2\xE0\xB8\xA9\xE0\xB8\xB2\xE0\xB9\x84\xE0\xB8\x97\xE0\xB8\xA2"
                  "\xE0\xB8\x87\xE0\xB9\x88\xE0\xB8\xB2\xE0\xB8\xA2\xE0\xB8\x99\xE0\xB8\xB4\xE0\xB8\x94"
                  "\xE0\xB9\x80\xE0\xB8\x94\xE0\xB8\xB5\xE0\xB8\xA2\xE0\xB8\xA7",
          "ภาษา ไทย ง่าย นิด เดียว");
}

Test(ns_analyzer, callback_can_stop_early)
{
    ns_analyzer *a = new_analyzer("english");
    tok_list *l = calloc(1, sizeof *l);
    l->stop_after = 2;
    cr_assert_eq(ns_analyze(a, "one two three four", 18, collect, l), NS_OK);
    cr_assert_eq(l->n, 2);
    cr_assert_str_eq(l->t[1].term, "two");
    free(l);
    ns_analyzer_free(a);
}

Test(ns_analyzer, none_does_not_stem)
{
    check("none", "Running Generalizations", "running generalizations");
    ns_analyzer *a = new_analyzer("none");
    cr_assert_str_eq(ns_analyzer_lang(a), "none");
    size_t n = 0;
    const char *s = ns_analyzer_stem(a, "running", 7, &n);
    cr_assert_eq(n, 7);
    cr_assert(memcmp(s, "running", 7) == 0);
    ns_analyzer_stats st;
    ns_analyzer_get_stats(a, &st);
    cr_assert_eq(st.stem_calls, 0);
    ns_analyzer_free(a);
}

Test(ns_analyzer, stems_other_languages)
{
    check("french", "Les nationalités continuellement", "le nationalit continuel");
    check("german", "Häuser Mädchen", "haus madch");
    check("english", "naïve café", "naiv cafe");
    check("russian", "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\xAB", "москв");
    check("spanish", "corriendo naciones", "corr nacion");
}

Test(ns_analyzer, stem_single_word)
{
    ns_analyzer *a = new_analyzer("english");
    size_t n = 0;
    const char *s = ns_analyzer_stem(a, "generalizations", 15, &n);
    cr_assert_not_null(s);
    cr_assert_eq(n, 7);
    cr_assert(memcmp(s, "general", 7) == 0);
    /* Same answer with the cache off, and for a word over the token cap. */
    ns_analyzer_set_cache(a, 0);
    s = ns_analyzer_stem(a, "generalizations", 15, &n);
    cr_assert_eq(n, 7);
    cr_assert(memcmp(s, "general", 7) == 0);
    char longw[200];
    memset(longw, 'a', sizeof longw);
    memcpy(longw + sizeof longw - 3, "ing", 3);
    s = ns_analyzer_stem(a, longw, sizeof longw, &n);
    cr_assert_not_null(s);
    cr_assert_eq(n, sizeof longw - 3);
    s = ns_analyzer_stem(a, "", 0, &n);
    cr_assert_not_null(s);
    cr_assert_eq(n, 0);
    ns_analyzer_free(a);
}

Test(ns_analyzer, language_names_and_aliases)
{
    static const struct {
        const char *in, *canon;
    } names[] = {
        {"english", "english"}, {"en", "english"}, {"eng", "english"}, {"English", "english"},
        {"porter", "porter"},   {"fr", "french"},  {"deu", "german"},  {"ru", "russian"},
        {"none", "none"},       {"NONE", "none"},  {"el", "greek"},    {"tr", "turkish"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ns_analyzer *a = new_analyzer(names[i].in);
        cr_assert_str_eq(ns_analyzer_lang(a), names[i].canon, "%s", names[i].in);
        ns_analyzer_free(a);
    }
    /* Aliases share the canonical identity. */
    ns_analyzer *a = new_analyzer("en"), *b = new_analyzer("english");
    cr_assert_eq(ns_analyzer_identity(a), ns_analyzer_identity(b));
    ns_analyzer_free(a);
    ns_analyzer_free(b);
}

Test(ns_analyzer, unknown_language_is_an_argument_error)
{
    static const char *bad[] = {"klingon", "", "xx", "en glish", "english\xC3\xA9",
                                "averyveryveryveryveryverylonglanguagename"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ns_analyzer *a = (ns_analyzer *)1;
        ns_err err;
        ns_err_clear(&err);
        cr_assert_eq(ns_analyzer_new(bad[i], &a, &err), NS_E_ARG, "%s", bad[i]);
        cr_assert_null(a);
        cr_assert_eq(err.rc, NS_E_ARG);
        cr_assert(strstr(err.msg, "unknown language") != NULL, "%s", err.msg);
        cr_assert(strstr(err.msg, "none") != NULL, "%s", err.msg);
        cr_assert(strstr(err.msg, "english") != NULL, "%s", err.msg);
    }
    ns_analyzer *a = NULL;
    cr_assert_eq(ns_analyzer_new("klingon", &a, NULL), NS_E_ARG); /* err may be NULL */
}

Test(ns_analyzer, identity_depends_on_language_and_is_stable)
{
    ns_analyzer *en = new_analyzer("english"), *fr = new_analyzer("french");
    ns_analyzer *none = new_analyzer("none"), *porter = new_analyzer("porter");
    uint64_t h = ns_analyzer_identity(en);
    cr_assert_neq(h, 0);
    cr_assert_neq(h, ns_analyzer_identity(fr));
    cr_assert_neq(h, ns_analyzer_identity(none));
    cr_assert_neq(h, ns_analyzer_identity(porter));
    cr_assert_neq(ns_analyzer_identity(fr), ns_analyzer_identity(none));
    /* Keeping diacritics is another analysis. */
    ns_analyzer *keep = new_analyzer("english");
    ns_err kerr;
    cr_assert_eq(ns_analyzer_set_keep_diacritics(keep, true, &kerr), NS_OK);
    cr_assert_neq(ns_analyzer_identity(keep), h);
    ns_analyzer_free(keep);
    /* Stable across calls, cache state and use. */
    tok_list *l = calloc(1, sizeof *l);
    cr_assert_eq(ns_analyze(en, "some text to warm the cache", 27, collect, l), NS_OK);
    free(l);
    cr_assert_eq(ns_analyzer_identity(en), h);
    ns_analyzer_set_cache(en, 0);
    cr_assert_eq(ns_analyzer_identity(en), h);
    ns_analyzer *en2 = new_analyzer("english");
    cr_assert_eq(ns_analyzer_identity(en2), h);
    /* The identity probe does not count in the statistics. */
    ns_analyzer_stats st;
    ns_analyzer_get_stats(en2, &st);
    cr_assert_eq(st.stem_calls, 0);
    ns_analyzer_free(en);
    ns_analyzer_free(en2);
    ns_analyzer_free(fr);
    ns_analyzer_free(none);
    ns_analyzer_free(porter);
}

/* Random text over a mixed alphabet: ASCII words with capitals,
 * possessives, accented Latin, Greek and Cyrillic letters, punctuation,
 * invalid bytes and the occasional overlong word. */
static size_t random_text(char *buf, size_t cap, unsigned seed)
{
    static const char *pieces[] = {
        "a", "e", "i", "o", "u", "n", "s", "t", "r", "l", "ing", "ed", "ation", "ness",
        "ly", "ment", "T", "S", "\xC3\xA9", "\xC3\x89", "\xC3\xBC", "\xC3\x9F",
        "\xCE\xA3", "\xCF\x82", "\xD0\x9C", "\xD0\xBE", "e\xCC\x81", "7", "2022"};
    static const char *seps[] = {" ", " ", " ", ", ", ". ", "'s ", "\xE2\x80\x99s ", "'",
                                 "\n", "-", "\xFF", "\xE2\x80\x94", "(", ")"};
    srand(seed);
    size_t n = 0;
    while (n + 400 < cap) {
        int len = rand() % 100 < 2 ? 40 + rand() % 30 : 1 + rand() % 5;
        for (int k = 0; k < len; k++) {
            const char *p = pieces[rand() % (int)(sizeof pieces / sizeof pieces[0])];
            size_t m = strlen(p);
            memcpy(buf + n, p, m);
            n += m;
        }
        const char *s = seps[rand() % (int)(sizeof seps / sizeof seps[0])];
        memcpy(buf + n, s, strlen(s));
        n += strlen(s);
    }
    return n;
}

typedef struct hash_ctx {
    uint64_t h;
    size_t n;
} hash_ctx;

static int hash_tok(void *ctx, const ns_token *tok)
{
    hash_ctx *c = ctx;
    for (size_t i = 0; i < tok->term_len; i++)
        c->h = (c->h ^ (uint8_t)tok->term[i]) * 1099511628211ull;
    c->h = (c->h ^ tok->start) * 1099511628211ull;
    c->h = (c->h ^ tok->end) * 1099511628211ull;
    c->h = (c->h ^ tok->pos) * 1099511628211ull;
    c->h = (c->h ^ 0xFF) * 1099511628211ull;
    c->n++;
    return 0;
}

/* Random text from pieces that exercise every rule of the fast path: the
 * ASCII joiners next to letters, digits, non-ASCII letters, marks, digits
 * of other scripts, CJK, invalid bytes and long words. */
static size_t random_pieces(char *text, size_t cap, int ascii_only)
{
    static const char *pieces[] = {
        "a", "B", "z", "Q", "s", "0", "9", "'", "'s", "'S", ".", ",", ";", ":", "_", "\"",
        " ", "  ", "-", "@", "[", "`", "{", "\x7F", "\t", "&", "#", "/", "\n",
        "xxxxxxxxxxxxxxxxxxxxxx", "U.S.", "3.5", "1,000",
        "\xE2\x80\x99", "\xE2\x80\x99s", "\xC3\xA9", "\xC3\x89", "\xC3\x97", "\xCE\xA3",
        "\xCF\x82", "\xD0\x96", "e\xCC\x81", "\xCC\x81", "\xE6\x9D\xB1", "\xE3\x81\xAF",
        "\xF0\x9F\x98\x80", "\xF0\x90\x90\x80", "\xFF", "\x80", "\xC3", "\xE2\x82",
        "\xED\xA0\x80", "\xC4\xB0", "\xC5\xBF", "\xEF\xBC\xA1", "\xD9\xA1", "\xD7\x90",
        "\xE2\x80\x8D", "\xC2\xAD", "\xE0\xB8\xA0\xE0\xB8\xB2"};
    size_t n_pieces = sizeof pieces / sizeof pieces[0], n_ascii = 33;
    size_t len = 0, target = (size_t)(rand() % (int)(cap - 40));
    while (len < target) {
        const char *p = pieces[(size_t)rand() % (ascii_only ? n_ascii : n_pieces)];
        size_t m = strlen(p);
        memcpy(text + len, p, m);
        len += m;
    }
    /* Cut anywhere, also inside a sequence, to vary the tail. */
    return len - (len ? (size_t)rand() % (len < 9 ? len : 9) : 0);
}

/* The 16-byte scans equal their byte-at-a-time references: every byte
 * value at every position, then random chunks biased to the class edges. */
Test(ns_analyzer, ascii_scan_matches_its_reference)
{
#if NS_ASCAN_SSE2
    uint8_t chunk[16];
    char got[16], want[16];
    for (int pos = 0; pos < 16; pos++)
        for (int c = 0; c < 256; c++) {
            memset(chunk, ' ', sizeof chunk);
            chunk[pos] = (uint8_t)c;
            cr_assert_eq(ns_ascan_word(chunk, got), ns_ascan_word_ref(chunk, want),
                         "byte 0x%02X at %d", c, pos);
            cr_assert_eq(memcmp(got, want, 16), 0, "byte 0x%02X at %d", c, pos);
            cr_assert_eq(ns_ascan_start(chunk), ns_ascan_start_ref(chunk), "byte 0x%02X at %d",
                         c, pos);
        }
    static const uint8_t edges[] = {'/', '0', '9', ':', '@', 'A', 'Z', '[', '_', '`',
                                    'a', 'z', '{', 0x7F, 0x80, 0xC0, 0xFF, 0x00, ' ', '.'};
    srand(77);
    for (int iter = 0; iter < 100000; iter++) {
        for (int k = 0; k < 16; k++)
            chunk[k] = rand() % 2 ? edges[(size_t)rand() % sizeof edges] : (uint8_t)rand();
        cr_assert_eq(ns_ascan_word(chunk, got), ns_ascan_word_ref(chunk, want));
        cr_assert_eq(memcmp(got, want, 16), 0);
        cr_assert_eq(ns_ascan_start(chunk), ns_ascan_start_ref(chunk));
    }
#else
    cr_skip_test("no SSE2 on this machine: the analyzer scans with SWAR");
#endif
}

/* ICU on every span (ns_analyzer_set_ascii_fast(a, 0)) is the reference:
 * the fast path must give the same tokens, offsets and positions. */
Test(ns_analyzer, fast_path_matches_icu_on_random_text, .timeout = 120)
{
    unsigned seed = 4242;
    srand(seed);
    ns_analyzer *a = new_analyzer("english"), *ref = new_analyzer("english");
    ns_analyzer_set_ascii_fast(ref, 0);
    tok_list *got = calloc(1, sizeof *got), *want = calloc(1, sizeof *want);
    char text[700];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = random_pieces(text, sizeof text, iter % 2);
        got->n = want->n = 0;
        cr_assert_eq(ns_analyze(a, text, len, collect, got), NS_OK);
        cr_assert_eq(ns_analyze(ref, text, len, collect, want), NS_OK);
        char shown[4 * sizeof text + 1];
        size_t o = 0;
        for (size_t k = 0; k < len; k++)
            o += (size_t)(text[k] >= 0x20 && text[k] < 0x7F && text[k] != '\\'
                              ? snprintf(shown + o, sizeof shown - o, "%c", text[k])
                              : snprintf(shown + o, sizeof shown - o, "\\x%02X", (uint8_t)text[k]));
        size_t n = got->n < want->n ? got->n : want->n;
        for (size_t k = 0; k < n; k++) {
            const tok_rec *g = &got->t[k], *r = &want->t[k];
            if (strcmp(g->term, r->term) != 0 || g->start != r->start || g->end != r->end ||
                g->pos != r->pos)
                cr_assert_fail("iter %d token %zu: got '%s' [%zu,%zu) pos %u, "
                               "want '%s' [%zu,%zu) pos %u, in \"%s\"",
                               iter, k, g->term, g->start, g->end, g->pos, r->term,
                               r->start, r->end, r->pos, shown);
        }
        cr_assert_eq(got->n, want->n, "iter %d: %zu tokens, want %zu, in \"%s\"", iter, got->n,
                     want->n, shown);
        cr_assert_eq(ns_analyzer_words(a), ns_analyzer_words(ref), "iter %d: in \"%s\"", iter, shown);
    }
    free(got);
    free(want);
    ns_analyzer_free(a);
    ns_analyzer_free(ref);
}

Test(ns_analyzer, cache_gives_same_tokens_as_no_cache, .timeout = 60)
{
    size_t cap = 4u << 20;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    unsigned seed = 20240601;
    size_t len = random_text(text, cap, seed);
    static const char *langs[] = {"english", "french", "russian"};
    for (size_t li = 0; li < 3; li++) {
        ns_analyzer *cached = new_analyzer(langs[li]), *plain = new_analyzer(langs[li]);
        ns_analyzer_set_cache(plain, 0);
        hash_ctx c1 = {14695981039346656037ull, 0}, c2 = {14695981039346656037ull, 0};
        /* Twice through the cached one: the second pass is all hits. */
        cr_assert_eq(ns_analyze(cached, text, len, hash_tok, &c1), NS_OK);
        c1.h = 14695981039346656037ull;
        c1.n = 0;
        cr_assert_eq(ns_analyze(cached, text, len, hash_tok, &c1), NS_OK);
        cr_assert_eq(ns_analyze(plain, text, len, hash_tok, &c2), NS_OK);
        cr_assert_gt(c1.n, 100000, "seed %u", seed);
        cr_assert_eq(c1.n, c2.n, "%s seed %u", langs[li], seed);
        cr_assert_eq(c1.h, c2.h, "%s seed %u", langs[li], seed);
        ns_analyzer_stats s1, s2;
        ns_analyzer_get_stats(cached, &s1);
        ns_analyzer_get_stats(plain, &s2);
        cr_assert_eq(s1.stem_calls, 2 * c1.n);
        cr_assert_geq(s1.cache_hits, c1.n); /* the whole second pass */
        cr_assert_eq(s2.cache_hits, 0);
        ns_analyzer_free(cached);
        ns_analyzer_free(plain);
    }
    free(text);
}

Test(ns_analyzer, cache_survives_being_cleared, .timeout = 120)
{
    /* More distinct words than the cache holds (1 << 20 entries): the cache
     * is cleared on the way and the stems stay those of libstemmer. */
    ns_analyzer *a = new_analyzer("english"), *ref = new_analyzer("english");
    ns_analyzer_set_cache(ref, 0);
    char w[32], want[32];
    size_t n_words = (1u << 20) + 50000;
    for (size_t i = 0; i < n_words; i++) {
        int len = snprintf(w, sizeof w, "w%zuing", i * 7919);
        size_t sl = 0, wl = 0;
        const char *r = ns_analyzer_stem(ref, w, (size_t)len, &wl);
        cr_assert_not_null(r);
        memcpy(want, r, wl);
        const char *s = ns_analyzer_stem(a, w, (size_t)len, &sl);
        cr_assert_not_null(s);
        if (sl != wl || memcmp(s, want, sl) != 0)
            cr_assert_fail("stem of %s is %.*s, want %.*s", w, (int)sl, s, (int)wl, want);
    }
    ns_analyzer_stats st;
    ns_analyzer_get_stats(a, &st);
    cr_assert_eq(st.cache_hits, 0);
    /* The first word was dropped by the clear, the last one is cached. */
    size_t sl = 0;
    cr_assert_not_null(ns_analyzer_stem(a, "w0ing", 5, &sl));
    ns_analyzer_get_stats(a, &st);
    cr_assert_eq(st.cache_hits, 0);
    int len = snprintf(w, sizeof w, "w%zuing", (n_words - 1) * 7919);
    cr_assert_not_null(ns_analyzer_stem(a, w, (size_t)len, &sl));
    ns_analyzer_get_stats(a, &st);
    cr_assert_eq(st.cache_hits, 1);
    ns_analyzer_free(a);
    ns_analyzer_free(ref);
}

Test(ns_analyzer, allocation_failures_are_reported)
{
    /* Every allocation of ns_analyzer_new fails in turn, until it needs no
     * more; each failure must have been injected (not a pass by luck). */
    long k, injected = 0;
    for (k = 0; k < 1000; k++) {
        ns_analyzer *a = NULL;
        ns_err err;
        ns_alloc_fail_after(k);
        ns_rc rc = ns_analyzer_new("english", &a, &err);
        long f = ns_alloc_failures();
        ns_alloc_fail_after(-1);
        if (rc == NS_OK) {
            ns_analyzer_free(a);
            break;
        }
        cr_assert_eq(rc, NS_E_NOMEM);
        cr_assert_eq(f, 1, "k=%ld: NS_E_NOMEM without an injected failure", k);
        cr_assert_null(a);
        injected += f;
    }
    cr_assert_lt(k, 1000, "ns_analyzer_new never succeeded");
    cr_assert_gt(injected, 0, "no allocation failure was injected");
    /* The cache cannot take its first arena chunk ("armi" is not a prefix
     * of "army", so it must be stored). */
    ns_analyzer *a = new_analyzer("english");
    tok_list *l = calloc(1, sizeof *l);
    ns_alloc_fail_after(0);
    ns_rc rc = ns_analyze(a, "army water", 10, collect, l);
    cr_assert_gt(ns_alloc_failures(), 0, "the cache's allocation was not injected");
    ns_alloc_fail_after(-1);
    cr_assert_eq(rc, NS_E_NOMEM);
    /* Without the cache no allocation is needed. */
    ns_analyzer_set_cache(a, 0);
    l->n = 0;
    ns_alloc_fail_after(0);
    rc = ns_analyze(a, "army water", 10, collect, l);
    ns_alloc_fail_after(-1);
    cr_assert_eq(rc, NS_OK);
    assert_terms(l, "armi water");
    free(l);
    ns_analyzer_free(a);
}

/* ---- stop words ---- */

static ns_analyzer *stop_analyzer(const char *lang, int cache)
{
    ns_analyzer *a = new_analyzer(lang);
    ns_err err;
    ns_err_clear(&err);
    cr_assert_eq(ns_analyzer_set_stop_list(a, NS_STOP_ENGLISH, &err), NS_OK, "%s", err.msg);
    ns_analyzer_set_cache(a, cache);
    return a;
}

Test(ns_analyzer, stop_words_are_dropped_but_keep_their_positions)
{
    static const char text[] = "The Bank of England's view: IT is not THE end, there and then.";
    const char *langs[] = {"english", "none"};
    for (int li = 0; li < 2; li++) {
        for (int cache = 0; cache <= 1; cache++) {
            ns_analyzer *a = stop_analyzer(langs[li], cache);
            for (int round = 0; round < 2; round++) { /* the second from the cache */
                tok_list *l = calloc(1, sizeof *l);
                cr_assert_eq(ns_analyze(a, text, sizeof text - 1, collect, l), NS_OK);
                assert_terms(l, "bank england view end");
                cr_assert_eq(l->n, 4);
                /* the(0) bank(1) of(2) england(3) view(4) it(5) is(6) not(7)
                 * the(8) end(9) there(10) and(11) then(12) */
                cr_assert_eq(l->t[0].pos, 1);
                cr_assert_eq(l->t[1].pos, 3);
                cr_assert_eq(l->t[2].pos, 4);
                cr_assert_eq(l->t[3].pos, 9);
                cr_assert_eq(ns_analyzer_words(a), 13, "trailing stop words count");
                free(l);
            }
            ns_analyzer_free(a);
        }
    }
}

Test(ns_analyzer, every_listed_stop_word_and_no_other_is_dropped)
{
    static const char *const stops[] = {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if",
        "in", "into", "is", "it", "no", "not", "of", "on", "or", "such", "that",
        "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with"};
    ns_analyzer *a = stop_analyzer("english", 1);
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        tok_list *l = calloc(1, sizeof *l);
        cr_assert_eq(ns_analyze(a, stops[i], strlen(stops[i]), collect, l), NS_OK);
        cr_assert_eq(l->n, 0, "'%s' was not dropped", stops[i]);
        cr_assert_eq(ns_analyzer_words(a), 1);
        free(l);
    }
    /* near misses: prefixes, extensions and other short words stay */
    static const char near[] = "th thee ther thes thiss ar ann andy o ofs i ith wills who";
    tok_list *l = calloc(1, sizeof *l);
    cr_assert_eq(ns_analyze(a, near, sizeof near - 1, collect, l), NS_OK);
    cr_assert_eq(l->n, 14, "kept %zu", l->n);
    free(l);
    size_t n;
    ns_analyzer_stem(a, "the", 3, &n);
    cr_assert_eq(n, 0);
    ns_analyzer_free(a);
}

Test(ns_analyzer, stop_list_names_and_identity)
{
    ns_err err;
    ns_err_clear(&err);
    uint32_t id = 99;
    cr_assert_eq(ns_stop_list_parse("english", &id, &err), NS_OK);
    cr_assert_eq(id, NS_STOP_ENGLISH);
    cr_assert_eq(ns_stop_list_parse("none", &id, &err), NS_OK);
    cr_assert_eq(id, NS_STOP_NONE);
    cr_assert_eq(ns_stop_list_parse("klingon", &id, &err), NS_E_ARG);
    cr_assert(strstr(err.msg, "klingon") && strstr(err.msg, "english"), "%s", err.msg);
    cr_assert_str_eq(ns_stop_list_name(NS_STOP_ENGLISH), "english");
    cr_assert_null(ns_stop_list_name(2));
    ns_analyzer *plain = new_analyzer("english"), *stop = stop_analyzer("english", 1);
    cr_assert_eq(ns_analyzer_stop_list(plain), NS_STOP_NONE);
    cr_assert_eq(ns_analyzer_stop_list(stop), NS_STOP_ENGLISH);
    cr_assert_neq(ns_analyzer_identity(plain), ns_analyzer_identity(stop));
    cr_assert_eq(ns_analyzer_set_stop_list(stop, 7, &err), NS_E_ARG);
    cr_assert_eq(ns_analyzer_set_stop_list(stop, NS_STOP_NONE, &err), NS_OK);
    cr_assert_eq(ns_analyzer_identity(plain), ns_analyzer_identity(stop));
    ns_analyzer_free(plain);
    ns_analyzer_free(stop);
}

/* ---- tags ---- */

typedef struct tag_ctx {
    uint32_t *tags[8];
    size_t n;
} tag_ctx;

static int take_tags(void *ctx, const ns_token *tok)
{
    tag_ctx *c = ctx;
    if (c->n < 8)
        c->tags[c->n++] = tok->tag;
    return 0;
}

Test(ns_analyzer, tags_stay_with_their_word_until_the_cache_moves)
{
    ns_analyzer *a = new_analyzer("english");
    tag_ctx c = {{0}, 0};
    cr_assert_eq(ns_analyze(a, "running runs running", 20, take_tags, &c), NS_OK);
    cr_assert_eq(c.n, 3);
    cr_assert_not_null(c.tags[0]);
    cr_assert_eq(*c.tags[0], 0, "a new word's tag is 0");
    cr_assert_eq(c.tags[0], c.tags[2], "one tag per word");
    cr_assert_neq(c.tags[0], c.tags[1], "not per stem");
    *c.tags[0] = 7;
    uint64_t epoch = ns_analyzer_epoch(a);
    c.n = 0;
    cr_assert_eq(ns_analyze(a, "running", 7, take_tags, &c), NS_OK);
    cr_assert_eq(*c.tags[0], 7, "the tag is kept");
    cr_assert_eq(ns_analyzer_epoch(a), epoch);
    /* enough new words to grow the cache: the epoch moves */
    char buf[16];
    for (int i = 0; i < 20000 && ns_analyzer_epoch(a) == epoch; i++) {
        int n = snprintf(buf, sizeof buf, "w%dq", i);
        cr_assert_eq(ns_analyze(a, buf, (size_t)n, take_tags, &c), NS_OK);
    }
    cr_assert_neq(ns_analyzer_epoch(a), epoch);
    c.n = 0;
    cr_assert_eq(ns_analyze(a, "running", 7, take_tags, &c), NS_OK);
    cr_assert_eq(*c.tags[0], 7, "growth moves tags with their words");
    /* without the cache there are no tags */
    ns_analyzer_set_cache(a, 0);
    c.n = 0;
    cr_assert_eq(ns_analyze(a, "running", 7, take_tags, &c), NS_OK);
    cr_assert_null(c.tags[0]);
    ns_analyzer_free(a);
}
