/* sr_maxscore: MaxScore (Turtle & Flood 1995, as in PISA).
 *
 * Lists are ordered by their upper bound.  Once the top-k threshold exceeds
 * the summed bounds of the lowest lists, those lists are "non-essential": a
 * document found only in them cannot enter the top k, so candidates come
 * from the essential lists alone and the non-essential ones are probed with
 * next_geq only while the document can still beat the threshold. */
#include <stdbool.h>
#include <stdlib.h>

#include "sr_run.h"

static int by_max_score(const void *a, const void *b)
{
    const sr_cursor *x = *(sr_cursor *const *)a, *y = *(sr_cursor *const *)b;
    return (x->max_score > y->max_score) - (x->max_score < y->max_score);
}

void sr_maxscore(sr_run *r)
{
    size_t n = r->n;
    sr_cursor **c = r->by;
    qsort(c, n, sizeof *c, by_max_score);
    double *up = r->ub;     /* up[i] = sum of the bounds of c[0..i] */
    double *bm = r->ub + n; /* bm[i] = bound of c[i]'s block at the candidate */
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        up[i] = acc += c[i]->max_score;
    size_t first = 0; /* c[first..n) are essential */
    double theta = sr_run_threshold(r);
    /* block bounds at the candidate, valid for docs < bound_until */
    double bub = 0;
    uint64_t bound_until = 0;
    bool have_bound = false;
    while (first < n) {
        uint32_t d = SR_DOC_END;
        for (size_t i = first; i < n; i++)
            if (c[i]->doc < d)
                d = c[i]->doc;
        if (d == SR_DOC_END)
            break;
        /* Block-max check: the bounds of the blocks holding d (or the next
         * doc) in every list bound every document up to the nearest block
         * end; if they cannot beat theta, the essential lists jump there. */
        if (theta >= 0) {
            if (!have_bound || d >= bound_until) {
                bub = sr_run_block_bounds(c, n, d, bm, &bound_until);
                have_bound = true;
            }
            if (bub <= theta) {
                uint32_t target = bound_until >= SR_DOC_END ? SR_DOC_END : (uint32_t)bound_until;
                for (size_t i = first; i < n; i++)
                    sr_cursor_next_geq(c[i], target);
                continue;
            }
        }
        double s = 0;
        for (size_t i = first; i < n; i++) {
            if (c[i]->doc == d) {
                s += sr_run_take(r, c[i]);
                sr_cursor_next(c[i]);
            }
        }
        /* non-essential lists, largest bound first, while d can still win:
         * the remaining bound uses their blocks' bounds when known */
        double rest = 0;
        if (theta >= 0)
            for (size_t i = 0; i < first; i++)
                rest += bm[i];
        else
            rest = first ? up[first - 1] : 0;
        size_t i = first;
        for (; i > 0; i--) {
            if (s + rest <= theta)
                break;
            sr_cursor_next_geq(c[i - 1], d);
            rest -= theta >= 0 ? bm[i - 1] : c[i - 1]->max_score;
            if (c[i - 1]->doc == d)
                s += sr_run_take(r, c[i - 1]);
        }
        if (i > 0) {
            sr_run_clear(r);
            continue;
        }
        sr_run_push(r, d);
        theta = sr_run_threshold(r);
        while (first < n && up[first] <= theta)
            first++;
    }
}
