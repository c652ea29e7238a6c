/* sr_pos: token positions, read only for the postings that need them
 * (phrases, field scopes), and the phrase matchers over them.
 *
 * A reader follows one cursor: sr_pos_get gives the positions of the
 * cursor's current posting, decoding from the chunk the skip entry of the
 * cursor's block locates (FORMAT.md "positions"), and only the chunks that
 * hold the wanted values; a later posting of the same block continues from
 * there.  Damaged data never reads outside the term's bytes: the reader
 * returns -1 and stays failed (corrupt set). */
#ifndef SR_POS_H
#define SR_POS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_cursor.h"

typedef struct sr_pos {
    const uint8_t *base; /* the term's positions stream (borrowed from the mapping) */
    uint64_t len, cf;
    uint64_t tail_off;   /* byte offset of the tail, UINT64_MAX until known */
    uint64_t chunk_off;  /* the decoded chunk, UINT64_MAX none */
    uint64_t next_off;   /* the chunk after it */
    uint32_t n_vals;     /* values in the decoded chunk (128, or the tail's) */
    uint32_t block;      /* cursor block the state below belongs to, UINT32_MAX none */
    uint32_t pi;         /* next posting of that block */
    uint32_t vi;         /* its first value within the decoded chunk */
    bool corrupt;
    uint32_t *out;       /* owned: the last posting's positions */
    size_t out_cap;
    _Alignas(64) uint32_t vals[NS_BLOCK_LEN];
} sr_pos;

/* Readies a reader for the term (info) of a cursor.  Nothing is read. */
void sr_pos_init(sr_pos *p, const sr_index *ix, const sr_term_info *info);
void sr_pos_release(sr_pos *p);

/* The positions, increasing, of c's current posting (c->doc !=
 * SR_DOC_END): *pos (borrowed from p, valid until the next call) and the
 * count, which is the posting's tf.  Returns 0, -1 on damaged data (p and
 * the cursor are then marked corrupt) or on allocation failure. */
int sr_pos_get(sr_pos *p, sr_cursor *c, const uint32_t **pos, uint32_t *n);

/* Decodes a whole positions stream of n values at *pp (before end) into
 * out[0..n), as stored (delta-coded per document), and the byte offset of
 * each chunk and of the tail into coff[0..n/128] (NULL: not wanted).
 * Returns 0 and advances *pp, or -1.  (--check and the reference evaluator.) */
int sr_pos_decode_stream(const uint8_t **pp, const uint8_t *end, uint64_t n, uint32_t *out,
                         uint64_t *coff);

/* Exact phrase: the number of p with p + off[i] in pos[i] for every word
 * i (off[0] = 0, offsets increasing).  pos[i][0..npos[i]) increasing.  In
 * time linear in the positions (each word's are probed in order); scratch
 * holds n values. */
uint32_t sr_phrase_exact(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off,
                         size_t n, uint32_t *scratch);

/* Sloppy phrase frequency (n >= 2): with v = pos[i][j] - off[i] for each
 * word i, taking every (v, i) in increasing order (ties: lower i first):
 * the span is the largest of the other words' first value after (v, i),
 * minus v; the pair counts 1 / (span + 1) when span <= slop.  It stops at
 * the first pair after which some word has no value left (Lucene's
 * sloppy phrase: the words in any order, a transposition costing 2).
 * scratch holds 2n values. */
double sr_phrase_sloppy(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off,
                        size_t n, uint32_t slop, int64_t *scratch);

#endif
