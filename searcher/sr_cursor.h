/* sr_cursor: a posting-list cursor, the one contract every query algorithm
 * uses (PISA style): doc(), next(), next_geq(target) (never moves
 * backwards), freq().  Blocks are decoded lazily: doc ids when the cursor
 * enters a block, frequencies only when freq() is first asked in it;
 * next_geq() jumps over whole blocks using the skip table without decoding
 * them.  Positions are never touched.
 *
 * Corrupt data never crashes a cursor: any inconsistency (bad bit width,
 * block past the term's bytes, doc id >= n_docs, ids not increasing, last
 * id not matching the skip table) ends the list and sets `corrupt`. */
#ifndef SR_CURSOR_H
#define SR_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "ns_block.h"
#include "sr_index.h"

#define SR_DOC_END UINT32_MAX

typedef struct sr_cursor {
    uint32_t doc;     /* current doc id, SR_DOC_END when exhausted */
    uint32_t i;       /* index within the decoded block */
    uint32_t n_in_block;
    uint32_t block, n_blocks;
    uint32_t df, n_docs;
    bool tfs_ready, corrupt;
    const uint8_t *base, *end; /* the term's postings */
    const uint8_t *skip;       /* skip table, NULL for a one-block list */
    const uint8_t *tf_data;    /* frequencies of the current block */
    unsigned tf_bits;          /* 0..32, or 255 = varint tail */
    uint64_t n_decoded;        /* postings decoded (statistics) */
    uint32_t docs[NS_BLOCK_LEN];
    uint32_t tfs[NS_BLOCK_LEN];
} sr_cursor;

/* Positions the cursor on the term's first posting. */
void sr_cursor_init(sr_cursor *c, const sr_index *ix, const sr_term_info *info);
void sr_cursor_next(sr_cursor *c);
/* Moves to the first posting with doc >= target (stays if already there). */
void sr_cursor_next_geq(sr_cursor *c, uint32_t target);
/* Term frequency of the current posting (doc != SR_DOC_END). */
uint32_t sr_cursor_freq(sr_cursor *c);

#endif
