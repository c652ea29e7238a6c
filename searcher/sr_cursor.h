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

/* A term's skip table (FORMAT.md "postings"): one fixed-width entry per
 * posting block, present when the term has a full (128-posting) block. */
typedef struct sr_skip {
    const uint8_t *e;         /* entry 0 */
    uint32_t n_blocks, n_full; /* blocks of the term; full ones */
    uint8_t wl, wt, wn, wp;   /* byte widths of last doc, bound tf - 1, bound length, pos offset */
    uint8_t o_bits, o_tf, o_len, o_pos; /* field offsets within an entry (tf_exc: o_bits + 2) */
    uint32_t es;              /* entry size */
} sr_skip;

/* Reads a little-endian field of w (1..4) bytes. */
static inline uint32_t sr_skip_field(const uint8_t *p, unsigned w)
{
    uint32_t v = p[0];
    if (w > 1)
        v |= (uint32_t)p[1] << 8;
    if (w > 2)
        v |= (uint32_t)p[2] << 16;
    if (w > 3)
        v |= (uint32_t)p[3] << 24;
    return v;
}
/* The same without branches, for a field followed by at least 3 more
 * bytes of its entry (last doc, bound tf, bound length): cursors of terms
 * with different widths take turns, which defeats branch prediction. */
static inline uint32_t sr_skip_field4(const uint8_t *p, unsigned w)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return v & (UINT32_MAX >> (32 - 8 * w));
}
/* Entry b's fields. */
static inline uint32_t sr_skip_last(const sr_skip *s, uint32_t b)
{
    return sr_skip_field4(s->e + (size_t)b * s->es, s->wl);
}
static inline unsigned sr_skip_doc_bits(const sr_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_bits];
}
static inline unsigned sr_skip_tf_bits(const sr_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_bits + 1];
}
static inline unsigned sr_skip_tf_exc(const sr_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_bits + 2];
}
/* Bytes of full block b (its widths unchecked). */
static inline uint64_t sr_skip_block_bytes(const sr_skip *s, uint32_t b)
{
    return ns_block_bytes(sr_skip_doc_bits(s, b)) + ns_block_bytes(sr_skip_tf_bits(s, b)) +
           sr_skip_tf_exc(s, b);
}
static inline uint32_t sr_skip_bound_tf(const sr_skip *s, uint32_t b)
{
    return sr_skip_field4(s->e + (size_t)b * s->es + s->o_tf, s->wt) + 1u;
}
static inline uint32_t sr_skip_bound_len(const sr_skip *s, uint32_t b)
{
    return sr_skip_field4(s->e + (size_t)b * s->es + s->o_len, s->wn);
}
static inline uint32_t sr_skip_pos_off(const sr_skip *s, uint32_t b)
{
    return sr_skip_field(s->e + (size_t)b * s->es + s->o_pos, s->wp);
}
static inline unsigned sr_skip_pos_upto(const sr_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_pos + s->wp];
}

/* Parses the head of a term's postings [p, end) holding df postings:
 * *blocks gets the first block; *has_skip tells whether s describes a
 * skip table.  Returns 0, or -1 when the table does not fit. */
int sr_skip_open(sr_skip *s, const uint8_t *p, const uint8_t *end, uint32_t df, bool *has_skip,
                 const uint8_t **blocks);

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
    sr_skip sk;                /* the skip table (has_skip) */
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
