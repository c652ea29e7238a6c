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
#include "ns_rec.h"
#include "sr_index.h"

#define SR_DOC_END UINT32_MAX

#define SR_TF_TAIL 255u

typedef struct sr_cursor {
    uint32_t doc;     /* current doc id, SR_DOC_END when exhausted */
    /* Upper bounds (BM25 x qtf, inflated by SR_UB_SLACK so that rounding
     * never makes them smaller than a real score). */
    double max_score;   /* over the whole list */
    double scale;       /* qtf * idf */
    double avgdl;
    uint32_t sb;        /* shallow block: the block whose bound is reported */
    uint32_t sb_cached; /* block whose bound is in sb_max, or UINT32_MAX */
    double sb_max;
    uint32_t i;       /* index within the decoded block */
    uint32_t n_in_block;
    uint32_t block, n_blocks;
    uint32_t df, n_docs;
    uint32_t tf_all;           /* every tf when the partial block stores none (cf == df: 1;
                                * df == 1: cf), else 0 */
    bool tfs_ready, corrupt;
    bool has_skip;             /* false: one block of < 128 postings */
    const uint8_t *base, *end; /* the term's postings */
    const uint8_t *blocks;     /* its first block */
    uint64_t off, next_off;    /* the decoded block and the next one, from blocks */
    const uint8_t *block_end;  /* end of the decoded block's bytes (a partial
                                * block's once its frequencies are decoded) */
    const uint8_t *tf_data;    /* frequencies of the current block */
    unsigned tf_bits;          /* 0..32, or SR_TF_TAIL: a partial block's */
    const uint8_t *tf_exc;     /* the full block's tf exception list, or NULL */
    const uint8_t *exc_end;    /* its end */
    uint64_t n_decoded;        /* postings decoded (statistics) */
    _Alignas(64) uint32_t docs[NS_BLOCK_LEN]; /* aligned: SIMD stores */
    _Alignas(64) uint32_t tfs[NS_BLOCK_LEN];
    ns_skip sk;                /* the skip table (has_skip) */
} sr_cursor;

/* Relative slack added to every upper bound: scores are sums of a few
 * doubles, so any rounding difference is far below 1e-9 relative. */
#define SR_UB_SLACK 1e-9

/* Positions the cursor on the term's first posting.  qtf (the clause's
 * weight, > 0) and idf are the query term's: scores use scale = qtf * idf; the term bound is scale
 * times the weight of the dictionary's best posting. */
void sr_cursor_init(sr_cursor *c, const sr_index *ix, const sr_term_info *info, double qtf,
                    double idf);
static inline void sr_cursor_next(sr_cursor *c);
/* Moves to the first posting with doc >= target (stays if already there). */
void sr_cursor_next_geq(sr_cursor *c, uint32_t target);
/* Term frequency of the current posting (doc != SR_DOC_END). */
static inline uint32_t sr_cursor_freq(sr_cursor *c);

/* Block-max interface (Block-Max WAND): a "shallow" position over the skip
 * table, moved without decoding anything.  shallow_next_geq moves it to
 * the block that would hold target (never backwards); block_max is the
 * bound of every score in that block, block_last its last doc id
 * (SR_DOC_END past the end). */
void sr_cursor_shallow_next_geq(sr_cursor *c, uint32_t target);
double sr_cursor_block_max(sr_cursor *c);
uint32_t sr_cursor_block_last(const sr_cursor *c);

/* Internal: the out-of-line halves of the two inline calls above. */
void sr_cursor_next_block(sr_cursor *c);
void sr_cursor_decode_tfs(sr_cursor *c);

static inline void sr_cursor_next(sr_cursor *c)
{
    if (++c->i < c->n_in_block) {
        c->doc = c->docs[c->i];
        return;
    }
    sr_cursor_next_block(c);
}

static inline uint32_t sr_cursor_freq(sr_cursor *c)
{
    if (!c->tfs_ready)
        sr_cursor_decode_tfs(c);
    return c->tfs[c->i];
}

#endif
