/* ns_unorm: the normal form of a word's text, on ICU (libicu).
 *
 *   NFKC_Casefold (Unicode's normalization for matching: compatibility
 *   forms and ligatures to their plain letters, full case folding, so
 *   "ﬁne" = "fine", "Straße" = "strasse", "ＡＢＣ" = "abc", and composed
 *   and decomposed forms are the same text), then, unless diacritics are
 *   kept, the nonspacing marks on Latin and Greek letters removed ("café" =
 *   "cafe", "naïve" = "naive", "ά" = "α") and the result recomposed (NFC).
 *
 * Diacritics are removed on Latin and Greek letters only: in other scripts
 * a nonspacing mark is often part of the letter or the spelling
 * (Devanagari vowel signs and virama, Thai vowels, Japanese voiced marks
 * and Cyrillic "й" stay as they are). Letters with no decomposition keep
 * their form ("ø", "ł", "đ").
 *
 * Invalid UTF-8 becomes U+FFFD. One ns_unorm per thread (it owns scratch
 * buffers); ICU's normalizer data is shared and immutable. */
#ifndef NS_UNORM_H
#define NS_UNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"

typedef struct ns_unorm ns_unorm;

/* Creates a normalizer; fold_diacritics as above.  NS_E_NOMEM, or
 * NS_E_ARG when ICU's data cannot be loaded (the message says so).
 * Returns: owned, *out freed with ns_unorm_free(). */
ns_rc ns_unorm_new(bool fold_diacritics, ns_unorm **out, ns_err *err);
/* Accepts NULL. */
void ns_unorm_free(ns_unorm *u);

/* Appends the normal form of s[0..len) to out (which it does not reset).
 * NS_E_NOMEM if a buffer cannot grow; otherwise NS_OK. */
ns_rc ns_unorm_fold(ns_unorm *u, const char *s, size_t len, ns_buf *out);

/* True when every character of s[0..len) (valid UTF-8) is a letter, a
 * digit or a combining mark. */
bool ns_unorm_is_wordish(const char *s, size_t len);

/* True when s[0..len) (UTF-8) holds a letter or a digit (as opposed to
 * joiners such as "_" and "‿" only). */
bool ns_unorm_has_alnum(const char *s, size_t len);

/* True when the first character of s[0..len) (UTF-8, len > 0) can begin a
 * word: its Word_Break property is not Extend, Format or ZWJ, which attach
 * to the character before them (UAX #29 WB4). */
bool ns_unorm_starts_word(const char *s, size_t len);

/* The Unicode version of ICU's data ("15.0"), part of the analyzer's
 * identity.  Returns: static. */
const char *ns_unorm_unicode_version(void);
/* The version of ICU ("72.1"), part of the analyzer's identity (it stands
 * for ICU's segmentation rules and dictionaries).  Returns: static. */
const char *ns_unorm_icu_version(void);

#endif
