/* sr_topk: bounded heap of the best hits (see sr_topk.h). */
#include "sr_topk.h"

#include <stdlib.h>

static void sift_down(sr_hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && sr_hit_worse(&h[l], &h[m]))
            m = l;
        if (r < n && sr_hit_worse(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        sr_hit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int sr_topk_push(sr_topk *t, uint32_t doc, double score)
{
    sr_hit x = {doc, score};
    if (t->k == 0)
        return 0;
    if (t->n < t->k) {
        size_t i = t->n++;
        t->h[i] = x;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!sr_hit_worse(&t->h[i], &t->h[p]))
                break;
            sr_hit tmp = t->h[i];
            t->h[i] = t->h[p];
            t->h[p] = tmp;
            i = p;
        }
        return 1;
    }
    if (!sr_hit_worse(&t->h[0], &x))
        return 0;
    t->h[0] = x;
    sift_down(t->h, t->n, 0);
    return 1;
}

static int cmp_best_first(const void *a, const void *b)
{
    const sr_hit *x = a, *y = b;
    if (sr_hit_worse(x, y))
        return 1;
    if (sr_hit_worse(y, x))
        return -1;
    return 0;
}

size_t sr_topk_finish(sr_topk *t)
{
    qsort(t->h, t->n, sizeof *t->h, cmp_best_first);
    return t->n;
}
