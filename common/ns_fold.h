/* ns_fold: code point classification and case folding for the tokenizer.
 *
 * Word characters are letters and digits of any script plus combining marks
 * (so that "e" + U+0301 stays one word); everything else separates words.
 * Case folding maps upper- and title-case to lower case for Latin (Basic,
 * Latin-1, Extended-A/B, Extended Additional), Greek (including accented
 * letters and final sigma -> sigma) and Cyrillic (including the Supplement),
 * plus fullwidth Latin; other code points fold to themselves.  Accents are
 * kept: the stemmers expect them. */
#ifndef NS_FOLD_H
#define NS_FOLD_H

#include <stdbool.h>
#include <stdint.h>

/* True for letters, digits and combining marks. */
bool ns_fold_is_word(uint32_t cp);
/* Returns the case-folded code point. */
uint32_t ns_fold_case(uint32_t cp);

#endif
