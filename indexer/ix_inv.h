/* ix_inv: single-pass in-memory inversion, one inverter per thread.
 *
 * Tokens of one document at a time go in; per term, two byte streams grow
 * in slices of a shared pool (Lucene's ByteBlockPool idea: no realloc, no
 * copy, no per-term malloc):
 *
 *   doc stream: per posting, varint doc gap (the first: the doc id itself),
 *               varint tf;
 *   pos stream: per posting, tf varints: the first position as is, then
 *               p_j - p_{j-1} - 1 (already the final positions coding of
 *               FORMAT.md, so the writer copies values without arithmetic).
 *
 * A posting's (gap, tf) is appended when the term is next seen in a later
 * document, or by ix_inv_sort(); positions are appended as tokens arrive,
 * so a token costs one hash probe and one or two bytes written.
 *
 * The same two streams are the body of a run file (ix_run.h), so flushing
 * an inverter to disk copies bytes without decoding them.  Not thread-safe:
 * one inverter per thread. */
#ifndef IX_INV_H
#define IX_INV_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"

typedef struct ix_inv ix_inv;

/* Returns: owned, free with ix_inv_free(). */
ns_rc ix_inv_new(ix_inv **out);
void ix_inv_free(ix_inv *inv);

/* One token of a document: term bytes at `off` in a byte buffer. */
typedef struct ix_tok {
    uint32_t off, len, pos;
    uint32_t *tag; /* borrowed, or NULL: the analyzer's tag of the word
                      (ns_token.tag), where the inverter remembers the
                      word's term index + 1, checked before use */
} ix_tok;

/* Adds a whole document: n tokens, their terms in bytes[].  Documents must come in strictly
 * increasing doc_id order (across resets too, within one build); positions
 * within a document strictly increasing.  Working on a document at a time
 * lets the inverter prefetch hash slots and terms several tokens ahead: the
 * table outgrows the caches on any real corpus, and latency, not
 * arithmetic, is what a token costs. */
ns_rc ix_inv_add_doc(ix_inv *inv, uint32_t doc_id, const uint8_t *bytes, const ix_tok *toks,
                     size_t n);

/* Adds the keyword keys (ns_keyword.h) of document doc_id, after its
 * ix_inv_add_doc (or instead of it): a posting of tf 1 and no positions
 * for each distinct key; toks[i].pos and .tag are not used.  A keyword
 * term must get no tokens from ix_inv_add_doc (its key is never an
 * analysed term). */
ns_rc ix_inv_add_keys(ix_inv *inv, uint32_t doc_id, const uint8_t *bytes, const ix_tok *toks,
                      size_t n);

/* Bytes of heap held (for the memory budget): pool chunks, term table,
 * hash table, keys, sort order. */
size_t ix_inv_mem(const ix_inv *inv);
size_t ix_inv_n_terms(const ix_inv *inv);

/* Appends the pending postings and sorts the terms by their bytes (memcmp,
 * shorter first on a tie).  Afterwards ix_inv_term() reads term i of the
 * sorted order; adding tokens is allowed only after ix_inv_reset(). */
ns_rc ix_inv_sort(ix_inv *inv);

typedef struct ix_inv_term {
    const char *key; /* borrowed until the inverter is reset or freed */
    size_t key_len;
    uint32_t df;
} ix_inv_term;

/* Term i (0 <= i < n_terms) in sorted order; its streams are appended to
 * docs and pos (contiguous copies of the slices; the buffers are not reset). */
void ix_inv_term_get(const ix_inv *inv, size_t i, ix_inv_term *t);
ns_rc ix_inv_term_streams(const ix_inv *inv, size_t i, ns_buf *docs, ns_buf *pos);

/* After ix_inv_sort: the index of the first sorted term >= key (n_terms if
 * none), for splitting the term space among threads. */
size_t ix_inv_lower_bound(const ix_inv *inv, const char *key, size_t key_len);
/* Empties the inverter for the next run and frees its memory. */
void ix_inv_reset(ix_inv *inv);

#endif
