/* sr_topk: a bounded min-heap keeping the k best (score, doc) pairs.
 * Order: higher score first, ties by lower doc id; the heap's root is the
 * worst kept hit, so `sr_topk_threshold` is what a new hit must beat. */
#ifndef SR_TOPK_H
#define SR_TOPK_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_hit {
    uint32_t doc;
    double score;
} sr_hit;

typedef struct sr_topk {
    sr_hit *h; /* borrowed storage for k hits */
    size_t n, k;
} sr_topk;

/* true if a is worse than b */
static inline int sr_hit_worse(const sr_hit *a, const sr_hit *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

static inline void sr_topk_init(sr_topk *t, sr_hit *storage, size_t k)
{
    t->h = storage;
    t->n = 0;
    t->k = k;
}

/* Offers a hit; returns 1 if it was kept. */
int sr_topk_push(sr_topk *t, uint32_t doc, double score);
/* Sorts the kept hits best first in place; returns how many. */
size_t sr_topk_finish(sr_topk *t);

#endif
