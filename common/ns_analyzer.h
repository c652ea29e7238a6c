/* ns_analyzer: the text analysis chain shared by indexer and searcher.
 *
 *   UTF-8 decode -> split on anything that is not a letter/digit/mark ->
 *   case fold -> drop possessive 's -> Snowball stem (libstemmer, cached).
 *
 * Both programs call this so that a query is analysed byte for byte as the
 * documents were.  The index records ns_analyzer_identity() and the searcher
 * refuses an index built with a different one.
 *
 * Tokenizer rules (version NS_TOKENIZER_VERSION; bump it on any change):
 *  - invalid UTF-8 bytes are separators;
 *  - a word is a maximal run of ns_fold_is_word() code points;
 *  - an apostrophe (U+0027 or U+2019) followed by "s"/"S" and then a
 *    non-word character or the end of the text ends the word and the "s" is
 *    dropped ("Russia's" -> "russia"); any other apostrophe separates;
 *  - a word whose folded form is longer than NS_TOKEN_MAX_BYTES is skipped
 *    (it takes no position);
 *  - a word on the analyzer's stop list (compared after folding and dropping
 *    the possessive, before stemming) takes its position but yields no
 *    token, so positions keep the gaps (as Lucene's StopFilter does);
 *  - positions count the words kept, from 0.
 *
 * One ns_analyzer per thread: libstemmer is not thread-safe. */
#ifndef NS_ANALYZER_H
#define NS_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

#define NS_TOKENIZER_VERSION 1u
/* Longest folded word kept, in bytes: longer "words" are nearly always
 * base64, URLs or binary junk, and capping keeps stems in small buffers. */
#define NS_TOKEN_MAX_BYTES 64u

typedef struct ns_analyzer ns_analyzer;

typedef struct ns_token {
    const char *term;  /* borrowed: stemmed, folded UTF-8, NOT NUL-terminated;
                          valid only during the callback */
    size_t term_len;   /* 1..NS_TOKEN_MAX_BYTES */
    size_t start, end; /* byte range [start, end) of the word in the input
                          (possessive 's excluded) */
    uint32_t pos;      /* word position, from 0 */
    uint32_t *tag;     /* borrowed, NULL without the stem cache: a value the
                          caller may keep for this word (0 until it sets one),
                          e.g. what it made of the term last time; valid while
                          ns_analyzer_epoch() stays the same */
} ns_token;

/* Return non-zero to stop the walk early (ns_analyze then returns NS_OK). */
typedef int (*ns_token_cb)(void *ctx, const ns_token *tok);

/* Creates an analyzer for a libstemmer language name ("english", "french",
 * ... or "none" for no stemming).  NS_E_ARG with a message listing the
 * available languages if lang is unknown.  Returns: owned, *out freed with
 * ns_analyzer_free(). */
ns_rc ns_analyzer_new(const char *lang, ns_analyzer **out, ns_err *err);
void ns_analyzer_free(ns_analyzer *a);

/* Returns: borrowed; the canonical language name given to ns_analyzer_new. */
const char *ns_analyzer_lang(const ns_analyzer *a);

/* Stop word lists.  The values are stored in the index (FORMAT.md, meta). */
enum {
    NS_STOP_NONE = 0,    /* every word is indexed (the default of ns_analyzer_new) */
    NS_STOP_ENGLISH = 1, /* the 33 words of Lucene's EnglishAnalyzer: a an and are
                            as at be but by for if in into is it no not of on or
                            such that the their then there these they this to
                            was will with */
};
/* The list named name ("none", "english") in *out; NS_E_ARG otherwise. */
ns_rc ns_stop_list_parse(const char *name, uint32_t *out, ns_err *err);
/* Returns: static; the name of list id, NULL if there is no such list. */
const char *ns_stop_list_name(uint32_t id);
/* Selects the stop list (NS_STOP_*); NS_E_ARG for an unknown value.  Part of
 * the analyzer's identity. */
ns_rc ns_analyzer_set_stop_list(ns_analyzer *a, uint32_t list, ns_err *err);
uint32_t ns_analyzer_stop_list(const ns_analyzer *a);
/* The positions the last ns_analyze() call took: its words, stop words
 * included (the position after the last word). */
uint32_t ns_analyzer_words(const ns_analyzer *a);
/* Changes whenever ns_token.tag pointers given before become invalid (the
 * stem cache grew or was cleared).  Tags are a hint: a cleared cache forgets
 * them, and several words (run, running) share a term. */
uint64_t ns_analyzer_epoch(const ns_analyzer *a);

/* Tokenizes and stems text[0..len), calling cb for each token in order.
 * Returns NS_E_NOMEM if the stem cache cannot grow; otherwise NS_OK. */
ns_rc ns_analyze(ns_analyzer *a, const char *text, size_t len, ns_token_cb cb, void *ctx);

/* Stems one already folded word (no tokenizing); a stop word gives
 * *out_len 0.  Returns: borrowed, valid until the next call on a; NULL on
 * allocation failure. */
const char *ns_analyzer_stem(ns_analyzer *a, const char *word, size_t len, size_t *out_len);

/* A 64-bit fingerprint of the analysis chain: tokenizer version, language,
 * and the stems of a fixed list of probe words (libstemmer has no version per
 * algorithm, so a changed stemmer changes the fingerprint). */
uint64_t ns_analyzer_identity(ns_analyzer *a);

/* Stem cache statistics, for benchmarks. */
typedef struct ns_analyzer_stats {
    uint64_t stem_calls, cache_hits;
} ns_analyzer_stats;
void ns_analyzer_get_stats(const ns_analyzer *a, ns_analyzer_stats *st);
/* Turns the stem cache off/on (benchmarks compare the two). */
void ns_analyzer_set_cache(ns_analyzer *a, int enabled);

#endif
