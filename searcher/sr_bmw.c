/* sr_bmw: Block-Max WAND (Ding & Suel 2011, as in PISA).
 *
 * Cursors are kept sorted by current document.  The pivot is the first
 * cursor at which the summed term bounds exceed the threshold: no document
 * before the pivot's can enter the top k.  The pivot document is then
 * checked against the tighter bounds of the blocks holding it (read from
 * the skip tables without decoding); if those fail too, the search jumps
 * past the end of the shortest of those blocks. */
#include "sr_run.h"

static void sort_by_doc(sr_cursor **c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sr_cursor *x = c[i];
        size_t j = i;
        while (j > 0 && c[j - 1]->doc > x->doc) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
}

void sr_bmw(sr_run *r)
{
    size_t n = r->n;
    sr_cursor **c = r->by;
    sort_by_doc(c, n);
    for (;;) {
        double theta = sr_run_threshold(r);
        /* pivot: first position where the bounds so far beat theta */
        double acc = 0;
        size_t p = n;
        for (size_t i = 0; i < n && c[i]->doc != SR_DOC_END; i++) {
            acc += c[i]->max_score;
            if (acc > theta) {
                p = i;
                break;
            }
        }
        if (p == n)
            return;
        uint32_t pd = c[p]->doc;
        while (p + 1 < n && c[p + 1]->doc == pd)
            p++;
        double bub = 0;
        for (size_t i = 0; i <= p; i++) {
            sr_cursor_shallow_next_geq(c[i], pd);
            bub += sr_cursor_block_max(c[i]);
        }
        if (bub > theta) {
            if (c[0]->doc == pd) {
                for (size_t i = 0; i <= p; i++) {
                    sr_run_take(r, c[i]);
                    sr_cursor_next(c[i]);
                }
                sr_run_push(r, pd);
            } else {
                for (size_t i = 0; i < p && c[i]->doc < pd; i++)
                    sr_cursor_next_geq(c[i], pd);
            }
        } else {
            /* no document before the end of the nearest block boundary can
             * make it: jump there */
            uint64_t next = UINT64_MAX;
            size_t best = 0;
            for (size_t i = 0; i <= p; i++) {
                uint32_t last = sr_cursor_block_last(c[i]);
                uint64_t after = last == SR_DOC_END ? (uint64_t)SR_DOC_END : (uint64_t)last + 1;
                if (after < next)
                    next = after;
                if (c[i]->max_score > c[best]->max_score)
                    best = i;
            }
            if (p + 1 < n && c[p + 1]->doc < next)
                next = c[p + 1]->doc;
            if (next <= pd)
                next = (uint64_t)pd + 1;
            sr_cursor_next_geq(c[best], next >= SR_DOC_END ? SR_DOC_END : (uint32_t)next);
        }
        sort_by_doc(c, n);
    }
}
