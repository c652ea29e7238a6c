/* ns_lang: the languages of the analyzer: libstemmer's names, their ISO 639
 * aliases, and the elided articles some languages write before a word with
 * an apostrophe (French "l'homme", Italian "dell'arte").
 *
 * Elision (as Lucene's ElisionFilter with the articles of its French,
 * Italian, Catalan and Irish analyzers): for those languages, a word whose
 * part before its first apostrophe is one of the language's articles loses
 * that part and the apostrophe ("l'homme" -> "homme", "qu'il" -> "il");
 * other languages keep the word whole ("o'clock", "don't"). */
#ifndef NS_LANG_H
#define NS_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include "ns_err.h"

#define NS_LANG_MAX 32

/* Writes the canonical libstemmer name of lang ("fr" -> "french", any
 * case; "none" stays "none") to out; false if lang is unknown. */
bool ns_lang_resolve(const char *lang, char out[NS_LANG_MAX]);
/* Sets err to NS_E_ARG with a message naming lang and listing the
 * available languages; returns NS_E_ARG. */
ns_rc ns_lang_unknown(const char *lang, ns_err *err);

/* The elision articles of the canonical language name (NULL-terminated,
 * lower case), or NULL when the language elides none.  Returns: static. */
const char *const *ns_lang_elisions(const char *lang);
/* True when w[0..n) (folded) is one of the articles of list (may be NULL). */
bool ns_lang_is_elision(const char *const *list, const char *w, size_t n);

#endif
