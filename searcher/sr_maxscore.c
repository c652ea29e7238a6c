/* sr_maxscore: MaxScore (Turtle & Flood 1995, as in PISA).
 *
 * Lists are ordered by their upper bound.  Once the top-k threshold exceeds
 * the summed bounds of the lowest lists, those lists are "non-essential": a
 * document found only in them cannot enter the top k, so candidates come
 * from the essential lists alone and the non-essential ones are probed with
 * next_geq only while the document can still beat the threshold. */
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
    double *up = r->ub; /* up[i] = sum of the bounds of c[0..i] */
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        up[i] = acc += c[i]->max_score;
    size_t first = 0; /* c[first..n) are essential */
    double theta = sr_run_threshold(r);
    while (first < n) {
        uint32_t d = SR_DOC_END;
        for (size_t i = first; i < n; i++)
            if (c[i]->doc < d)
                d = c[i]->doc;
        if (d == SR_DOC_END)
            break;
        double s = 0;
        for (size_t i = first; i < n; i++) {
            if (c[i]->doc == d) {
                s += sr_run_take(r, c[i]);
                sr_cursor_next(c[i]);
            }
        }
        size_t i = first;
        for (; i > 0; i--) {
            if (s + up[i - 1] <= theta)
                break;
            sr_cursor_next_geq(c[i - 1], d);
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
