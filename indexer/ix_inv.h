/* ix_inv: single-pass in-memory inversion.
 *
 * Tokens of one document at a time go in; per term, a compact "raw
 * postings" byte string grows (the run format, FORMAT.md "raw postings"):
 *   per posting: varint doc gap (first: the doc id itself), varint tf,
 *   tf varint position gaps (first: the position itself).
 * Terms come out sorted by their bytes for the writer.  No sorting per
 * document: a term's positions within the current document are chained
 * through the token array, so a document costs O(tokens). */
#ifndef IX_INV_H
#define IX_INV_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

typedef struct ix_inv ix_inv;

typedef struct ix_inv_term {
    const char *key; /* borrowed until the inverter is freed or reset */
    size_t key_len;
    const uint8_t *raw; /* borrowed, raw postings (see above) */
    size_t raw_len;
    uint32_t df;
} ix_inv_term;

/* Returns: owned, free with ix_inv_free(). */
ns_rc ix_inv_new(ix_inv **out);
void ix_inv_free(ix_inv *inv);

/* Documents must come in strictly increasing doc_id order. */
void ix_inv_begin_doc(ix_inv *inv, uint32_t doc_id);
ns_rc ix_inv_add_token(ix_inv *inv, const char *term, size_t len, uint32_t pos);
/* Returns the number of tokens the document had in *n_tokens. */
ns_rc ix_inv_end_doc(ix_inv *inv, uint32_t *n_tokens);

/* Bytes of heap held (for the memory budget). */
size_t ix_inv_mem(const ix_inv *inv);
size_t ix_inv_n_terms(const ix_inv *inv);

/* Sorts the terms by bytes and returns them in *out (owned array, free with
 * ns_free(); entries borrowed from inv). */
ns_rc ix_inv_sorted(ix_inv *inv, ix_inv_term **out, size_t *n);

#endif
