/* sr_snippet: picks the best passage of a document for a query and marks
 * the query's words in it.
 *
 * The stored text is re-tokenized with the index's analyzer (FTS5 style),
 * so a word is highlighted when its stem is a query term ("meets" for
 * "meeting").  The passage, about `width` bytes, is the window holding the
 * most distinct query terms weighted by idf (ties: more matches, then
 * earlier); it is cut at white space, never inside a word or a UTF-8
 * sequence, with "…" where text was cut and runs of white space folded to
 * one space.  Highlights are [start, end) byte offsets into the result. */
#ifndef SR_SNIPPET_H
#define SR_SNIPPET_H

#include <stddef.h>

#include "ns_buf.h"
#include "sr_query.h"

#define SR_SNIPPET_WIDTH 200

typedef struct sr_span {
    size_t start, end;
} sr_span;

typedef struct sr_snippet {
    ns_buf text;  /* owned: plain UTF-8 */
    sr_span *hl;  /* owned: highlight spans, increasing */
    size_t n_hl, cap_hl;
    size_t n_terms_matched; /* distinct query terms in the passage */
} sr_snippet;

void sr_snippet_init(sr_snippet *s);
void sr_snippet_release(sr_snippet *s);

/* Builds the passage of text[0..len) into s (reset first).  With
 * width >= len the whole text is kept (used for titles). */
ns_rc sr_snippet_make(ns_analyzer *an, const sr_query *q, const char *text, size_t len, size_t width,
                      sr_snippet *s);

#endif
