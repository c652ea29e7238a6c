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

/* A forward reader of a term's skip data (FORMAT.md "postings"): entry b
 * describes posting block b.  Entries are varints, so they are read in
 * order; a cursor keeps two readers (its decoded block and its shallow
 * block), both moving forward only. */
typedef struct sr_skip {
    const uint8_t *p, *end;  /* the next entry; end of the skip data */
    uint32_t b;              /* block described (UINT32_MAX before the first entry) */
    uint32_t n_blocks, n_full; /* blocks of the term; full (128-posting) ones */
    uint32_t df, n_docs;
    uint32_t n;              /* postings in block b */
    uint32_t last, prev_last; /* last doc id of block b, of b - 1 (UINT32_MAX: none) */
    uint64_t off, next_off;  /* block b and b + 1 from the first block */
    uint64_t blocks_len;     /* bytes of all blocks */
    unsigned doc_bits, tf_bits; /* block b's widths (full blocks) */
    uint32_t bound_tf, bound_len; /* block b's best posting */
    uint64_t pos_off;        /* block b's positions chunk, from the term's first */
    uint32_t pos_upto;       /* index of its first position in that chunk */
} sr_skip;

/* Parses the head of a term's postings [p, end) holding df postings:
 * *blocks gets the first block.  A term with a full block has skip data:
 * then *has_skip is true and s is ready for sr_skip_next (before entry 0).
 * Returns 0, or -1 when the head is corrupt. */
int sr_skip_open(sr_skip *s, const uint8_t *p, const uint8_t *end, uint32_t df, uint32_t n_docs,
                 bool *has_skip, const uint8_t **blocks);
/* Reads the next entry (s->b + 1 < s->n_blocks).  Returns 0, or -1 when it
 * is corrupt (runs past the skip data, a bit width > 32, a doc id >=
 * n_docs, a block past the postings). */
int sr_skip_next(sr_skip *s);

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
    bool tfs_ready, corrupt;
    bool has_skip;             /* false: one block of < 128 postings */
    const uint8_t *base, *end; /* the term's postings */
    const uint8_t *blocks;     /* its first block */
    const uint8_t *block_end;  /* end of the decoded block's bytes */
    const uint8_t *tf_data;    /* frequencies of the current (full) block */
    unsigned tf_bits;
    sr_skip sk;                /* entry of the decoded block */
    sr_skip sh;                /* entry of the shallow block */
    uint64_t n_decoded;        /* postings decoded (statistics) */
    _Alignas(64) uint32_t docs[NS_BLOCK_LEN]; /* aligned: SIMD stores */
    _Alignas(64) uint32_t tfs[NS_BLOCK_LEN];
} sr_cursor;

/* Relative slack added to every upper bound: scores are sums of a few
 * doubles, so any rounding difference is far below 1e-9 relative. */
#define SR_UB_SLACK 1e-9

/* Positions the cursor on the term's first posting.  qtf and idf are the
 * query term's: scores use scale = qtf * idf; the term bound is qtf times
 * the dictionary's max score (which includes idf already). */
void sr_cursor_init(sr_cursor *c, const sr_index *ix, const sr_term_info *info, uint32_t qtf,
                    double idf);
void sr_cursor_next(sr_cursor *c);
/* Moves to the first posting with doc >= target (stays if already there). */
void sr_cursor_next_geq(sr_cursor *c, uint32_t target);
/* Term frequency of the current posting (doc != SR_DOC_END). */
uint32_t sr_cursor_freq(sr_cursor *c);

/* Block-max interface (Block-Max WAND): a "shallow" position over the skip
 * table, moved without decoding anything.  shallow_next_geq moves it to
 * the block that would hold target (never backwards); block_max is the
 * bound of every score in that block, block_last its last doc id
 * (SR_DOC_END past the end). */
void sr_cursor_shallow_next_geq(sr_cursor *c, uint32_t target);
double sr_cursor_block_max(sr_cursor *c);
uint32_t sr_cursor_block_last(const sr_cursor *c);

#endif
