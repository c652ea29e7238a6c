/* ns_wordbreak: words of text that is not all ASCII, on ICU's word break
 * iterator (UAX #29 with CLDR's root tailoring, and dictionaries for Thai,
 * Lao, Khmer and Myanmar), and runs of Chinese and Japanese characters.
 *
 * The analyzer cuts the text into spans at ASCII characters that always
 * separate words (see ns_analyzer.h) and hands the spans that hold a byte
 * >= 0x80 to ns_wb_split(), which reports, in order:
 *  - NS_WB_WORD: a word of ICU's segmentation (a segment whose rule status
 *    says letters, numbers, kana or ideographs: not spaces, punctuation or
 *    emoji), outside the runs below;
 *  - NS_WB_CJK: one character of a run of Han, Hiragana and Katakana (any
 *    character of those scripts or of Word_Break=Katakana, with the
 *    combining marks after it); run_start marks the first of a run.  The
 *    analyzer makes bigrams of them (ns_analyzer.h).
 * One ns_wb per thread (ICU's iterator has state). */
#ifndef NS_WORDBREAK_H
#define NS_WORDBREAK_H

#include <stdbool.h>
#include <stddef.h>

#include "ns_err.h"

typedef struct ns_wb ns_wb;

typedef enum ns_wb_kind { NS_WB_WORD = 1, NS_WB_CJK = 2 } ns_wb_kind;

/* [start, end): byte offsets in the text given to ns_wb_split().  Return
 * non-zero to stop the walk (ns_wb_split then returns NS_OK). */
typedef int (*ns_wb_cb)(void *ctx, ns_wb_kind kind, size_t start, size_t end, bool run_start);

/* NS_E_NOMEM, or NS_E_ARG when ICU's break rules cannot be loaded.
 * Returns: owned, *out freed with ns_wb_free(). */
ns_rc ns_wb_new(ns_wb **out, ns_err *err);
/* Accepts NULL. */
void ns_wb_free(ns_wb *w);

/* Splits text[from, to) (UTF-8; invalid bytes separate) as above; from
 * must be a word boundary of the whole text (the analyzer's spans are).
 * Returns NS_E_NOMEM if ICU runs out of memory, else NS_OK. */
ns_rc ns_wb_split(ns_wb *w, const char *text, size_t from, size_t to, ns_wb_cb cb, void *ctx);

#endif
