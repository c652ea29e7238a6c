/* ns_analyzer: the text analysis chain shared by indexer and searcher.
 *
 *   words (UAX #29) -> normal form (NFKC_Casefold, diacritics) ->
 *   apostrophe rules -> acronyms -> stop words -> Snowball stem (cached)
 *
 * Both programs call this so that a query is analysed byte for byte as the
 * documents were.  The index records ns_analyzer_identity() and the searcher
 * refuses an index built with a different one.
 *
 * Tokenizer rules (version NS_TOKENIZER_VERSION; bump it on any change):
 *  - Words are Unicode's word boundaries (UAX #29) with CLDR's root
 *    tailoring, as ICU gives them: letters and digits joined by the rules
 *    for "." "'" "’" (between letters or digits: "U.S", "don't", "3.5",
 *    "www.example.com"), "," ";" (between digits: "155,221") and "_"
 *    (joins anything: "foo_bar", "__init__").  A word is a segment holding
 *    a letter, a digit, kana or an ideograph; spaces, punctuation, symbols
 *    and emoji separate.  Decisions where the standard leaves room (as
 *    Lucene's StandardTokenizer unless said): ":" always separates (CLDR:
 *    "12:30", "a:b"), "@" always separates ("john@example.com" -> "john",
 *    "example.com"; "@user" -> "user"), "-" "&" "+" "#" "/" separate
 *    ("e-mail" -> "e" "mail", "AT&T" -> "at" "t", "C++" -> "c", "#tag" ->
 *    "tag", URLs -> their dotted pieces), "1987-03-26" -> "1987" "03" "26".
 *    Thai, Lao, Khmer and Myanmar words come from ICU's dictionaries.
 *  - Han, Hiragana and Katakana: a run of them gives overlapping bigrams
 *    ("東京都" -> "東京" "京都"), one per position; a run of one character
 *    gives that character (Lucene's CJKBigramFilter).  Hangul goes by
 *    spaces like other letters.
 *  - Normal form: ns_unorm.h (NFKC_Casefold; Latin and Greek diacritics
 *    removed unless ns_analyzer_set_keep_diacritics()).  ASCII is only
 *    lower-cased.
 *  - Apostrophes: "’" and "‘" become "'"; a final "'s" is dropped
 *    ("Russia's" -> "russia"); for French, Italian, Catalan and Irish an
 *    elided article before the first apostrophe is dropped (ns_lang.h:
 *    "l'homme" -> "homme").
 *  - Acronyms: a word of single letters separated by dots loses the dots
 *    ("U.S." -> "us", "U.S.A." -> "usa", "e.g." -> "eg"); other dotted
 *    words keep them ("3.5", "example.com").
 *  - A word whose folded form is longer than NS_TOKEN_MAX_BYTES is split
 *    into pieces of at most that many bytes (at character boundaries), one
 *    position each, all with the word's offsets; counted in
 *    ns_analyzer_stats.long_split.
 *  - A word on the analyzer's stop list (ns_stop.h) takes its position but
 *    yields no token, so positions keep the gaps (as Lucene's StopFilter);
 *  - positions count the words kept, from 0; invalid UTF-8 separates.
 *
 * One ns_analyzer per thread: libstemmer and ICU's iterator have state. */
#ifndef NS_ANALYZER_H
#define NS_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_stem.h" /* NS_TOKEN_MAX_BYTES */
#include "ns_stop.h" /* NS_STOP_*, stop list names */

#define NS_TOKENIZER_VERSION 2u

typedef struct ns_analyzer ns_analyzer;

typedef struct ns_token {
    const char *term;  /* borrowed: stemmed, folded UTF-8, NOT NUL-terminated;
                          valid only during the callback */
    size_t term_len;   /* 1..NS_TOKEN_MAX_BYTES */
    size_t start, end; /* byte range [start, end) of the word in the input
                          (possessive 's and elided article excluded; for a
                          bigram, its two characters; ranges of bigrams
                          overlap) */
    uint32_t pos;      /* word position, from 0 */
    uint32_t *tag;     /* borrowed, NULL without the stem cache: a value the
                          caller may keep for this word (0 until it sets one),
                          e.g. what it made of the term last time; valid while
                          ns_analyzer_epoch() stays the same */
} ns_token;

/* Return non-zero to stop the walk early (ns_analyze then returns NS_OK). */
typedef int (*ns_token_cb)(void *ctx, const ns_token *tok);

/* Creates an analyzer for a libstemmer language name ("english", "french",
 * ... or "none" for no stemming), folding diacritics, without stop words.
 * NS_E_ARG with a message listing the available languages if lang is
 * unknown (or if ICU's data cannot be loaded); NS_E_NOMEM.  Returns: owned,
 * *out freed with ns_analyzer_free(). */
ns_rc ns_analyzer_new(const char *lang, ns_analyzer **out, ns_err *err);
/* Accepts NULL. */
void ns_analyzer_free(ns_analyzer *a);

/* Returns: borrowed; the canonical language name given to ns_analyzer_new. */
const char *ns_analyzer_lang(const ns_analyzer *a);

/* Selects the stop list (NS_STOP_*); NS_E_ARG for an unknown value.  Part of
 * the analyzer's identity. */
ns_rc ns_analyzer_set_stop_list(ns_analyzer *a, uint32_t list, ns_err *err);
uint32_t ns_analyzer_stop_list(const ns_analyzer *a);
/* Keeps (keep true) or removes (the default) Latin and Greek diacritics.
 * Part of the analyzer's identity.  NS_E_NOMEM. */
ns_rc ns_analyzer_set_keep_diacritics(ns_analyzer *a, bool keep, ns_err *err);
bool ns_analyzer_keep_diacritics(const ns_analyzer *a);
/* The positions the last ns_analyze() call took: its words, stop words
 * included (the position after the last word). */
uint32_t ns_analyzer_words(const ns_analyzer *a);
/* Changes whenever ns_token.tag pointers given before become invalid (the
 * stem cache grew or was cleared).  Tags are a hint: a cleared cache forgets
 * them, and several words (run, running) share a term. */
uint64_t ns_analyzer_epoch(const ns_analyzer *a);

/* Tokenizes and stems text[0..len), calling cb for each token in order.
 * Not reentrant: cb must not call ns_analyze() on the same analyzer (the
 * walk's state lives in it).  Returns NS_E_NOMEM if a buffer cannot grow;
 * otherwise NS_OK. */
ns_rc ns_analyze(ns_analyzer *a, const char *text, size_t len, ns_token_cb cb, void *ctx);

/* Stems one already folded word (no tokenizing); a stop word gives
 * *out_len 0.  Returns: borrowed, valid until the next call on a; NULL on
 * allocation failure. */
const char *ns_analyzer_stem(ns_analyzer *a, const char *word, size_t len, size_t *out_len);

/* Appends to out the normal form of text[0..len) as the analyzer folds a
 * word (lower case, ns_unorm.h, quotes), without splitting or stemming:
 * for prefix queries.  NS_E_ARG when text holds a character that is not a
 * letter, digit or combining mark; NS_E_NOMEM. */
ns_rc ns_analyzer_fold(ns_analyzer *a, const char *text, size_t len, ns_buf *out);

/* A 64-bit fingerprint of the analysis chain: tokenizer version, token cap,
 * Unicode version, language, stop list if any, diacritics if kept, and
 * every token of a fixed probe text (libstemmer and ICU have no version per
 * algorithm, so a changed stemmer or segmentation changes the
 * fingerprint).  Returns 0 only when out of memory. */
uint64_t ns_analyzer_identity(ns_analyzer *a);

/* Statistics, for benchmarks and the build summary. */
typedef struct ns_analyzer_stats {
    uint64_t stem_calls, cache_hits; /* libstemmer ran stem_calls - cache_hits times */
    uint64_t long_split;             /* words split for being too long */
} ns_analyzer_stats;
void ns_analyzer_get_stats(const ns_analyzer *a, ns_analyzer_stats *st);
/* Turns the stem cache off/on (benchmarks compare the two). */
void ns_analyzer_set_cache(ns_analyzer *a, int enabled);
/* Turns the ASCII fast path off/on (on by default): off, every span of text
 * goes through ICU.  For tests showing that both give the same tokens. */
void ns_analyzer_set_ascii_fast(ns_analyzer *a, int enabled);

#endif
