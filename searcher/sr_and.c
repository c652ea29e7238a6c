/* sr_and: conjunctive (AND) top-k.  Leapfrogging: the rarest list proposes
 * a document, every other list jumps to it with next_geq; a mismatch makes
 * the larger document the new proposal.  Before aligning the lists on a
 * proposal, the block bounds of all lists at that document are checked
 * against the threshold; when they cannot beat it, the proposal jumps past
 * the nearest block end without decoding anything. */
#include <stdbool.h>
#include <stdlib.h>

#include "sr_run.h"

static int by_df(const void *a, const void *b)
{
    const sr_cursor *x = *(sr_cursor *const *)a, *y = *(sr_cursor *const *)b;
    return (x->df > y->df) - (x->df < y->df);
}

void sr_and_leapfrog(sr_run *r)
{
    size_t n = r->n;
    sr_cursor **c = r->by;
    qsort(c, n, sizeof *c, by_df);
    uint32_t d = c[0]->doc;
    /* The block bounds at d hold for every doc up to the nearest block end
     * (bound_until): recomputed only when d passes it. */
    double bub = 0;
    uint64_t bound_until = 0; /* bub valid for docs < bound_until */
    bool have_bound = false;
    while (d != SR_DOC_END) {
        double theta = sr_run_threshold(r);
        if (theta >= 0) {
            if (!have_bound || d >= bound_until) {
                bub = sr_run_block_bounds(c, n, d, NULL, &bound_until);
                have_bound = true;
            }
            if (bub <= theta) {
                uint64_t next = bound_until;
                sr_cursor_next_geq(c[0], next >= SR_DOC_END ? SR_DOC_END : (uint32_t)next);
                d = c[0]->doc;
                continue;
            }
        }
        size_t i = 1;
        for (; i < n; i++) {
            sr_cursor_next_geq(c[i], d);
            if (c[i]->doc != d)
                break;
        }
        if (i < n) {
            if (c[i]->doc == SR_DOC_END)
                return;
            sr_cursor_next_geq(c[0], c[i]->doc);
            d = c[0]->doc;
            continue;
        }
        for (i = 0; i < n; i++)
            sr_run_take(r, c[i]);
        sr_run_push(r, d);
        sr_cursor_next(c[0]);
        d = c[0]->doc;
    }
}
