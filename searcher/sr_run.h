/* sr_run: the state one ranking algorithm works on (private to sr_rank.c,
 * sr_maxscore.c, sr_bmw.c, sr_and.c): the cursors of the query's terms, the
 * top-k heap, and the canonical scoring every algorithm shares. */
#ifndef SR_RUN_H
#define SR_RUN_H

#include "sr_cursor.h"
#include "sr_exec.h"
#include "sr_rank.h"

typedef struct sr_run {
    const sr_index *ix;
    sr_cursor *c;   /* owned: one per term found, in query order */
    sr_cursor **by; /* owned: the same cursors in an algorithm's order */
    double *contrib; /* owned: per cursor (query order), 0 when absent */
    double *ub;      /* owned: 2n doubles of scratch for the algorithms */
    size_t n;
    sr_topk top;
    sr_rank_stats *st;
    sr_excl *excl; /* owned: the query's excluded clauses, NULL when none */
} sr_run;

/* The contribution of cursor c at its current document. */
static inline double sr_run_score(const sr_run *r, sr_cursor *c)
{
    return c->scale * ns_bm25_tf(sr_cursor_freq(c), sr_index_doclen(r->ix, c->doc), r->ix->avgdl);
}

/* Records cursor c's contribution at its current document. */
static inline double sr_run_take(sr_run *r, sr_cursor *c)
{
    double s = sr_run_score(r, c);
    r->contrib[c - r->c] = s;
    return s;
}

/* What a new hit must beat: the k-th score once k hits are kept. */
static inline double sr_run_threshold(const sr_run *r)
{
    return r->top.n == r->top.k ? r->top.h[0].score : -1.0;
}

/* Sums the recorded contributions in query order (so every algorithm gets
 * the same double), clears them and offers the document to the heap. */
static inline void sr_run_push(sr_run *r, uint32_t doc)
{
    double s = 0;
    for (size_t i = 0; i < r->n; i++) {
        s += r->contrib[i];
        r->contrib[i] = 0;
    }
    r->st->docs_scored++;
    /* a later (higher) doc id with a score <= the k-th never enters */
    if (r->top.n == r->top.k && s <= r->top.h[0].score)
        return;
    if (r->excl && sr_excl_has(r->excl, doc))
        return;
    sr_topk_push(&r->top, doc, s);
}

static inline void sr_run_clear(sr_run *r)
{
    for (size_t i = 0; i < r->n; i++)
        r->contrib[i] = 0;
}

/* Sums the bounds of the blocks holding d (or the first doc after it) in
 * lists c[0..n), storing each in bm[i] when bm is not NULL.  *until gets
 * the nearest block end + 1: the sum bounds every document in [d, *until),
 * since no list changes block before that. */
static inline double sr_run_block_bounds(sr_cursor **c, size_t n, uint32_t d, double *bm,
                                         uint64_t *until)
{
    double sum = 0;
    *until = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        sr_cursor_shallow_next_geq(c[i], d);
        double b = sr_cursor_block_max(c[i]);
        if (bm)
            bm[i] = b;
        sum += b;
        uint32_t last = sr_cursor_block_last(c[i]);
        uint64_t after = last == SR_DOC_END ? (uint64_t)SR_DOC_END : (uint64_t)last + 1;
        if (after < *until)
            *until = after;
    }
    return sum;
}

void sr_maxscore(sr_run *r);
void sr_single(sr_run *r);
void sr_bmw(sr_run *r);
void sr_and_leapfrog(sr_run *r);

#endif
