/* sr_single: top-k of a one-term query (OR and AND are the same): whole
 * blocks whose bound cannot beat the threshold are skipped without
 * decoding; the others are scored posting by posting in a tight loop. */
#include "sr_run.h"

void sr_single(sr_run *r)
{
    sr_cursor *c = &r->c[0];
    while (c->doc != SR_DOC_END) {
        double theta = sr_run_threshold(r);
        sr_cursor_shallow_next_geq(c, c->doc);
        if (sr_cursor_block_max(c) <= theta) {
            uint32_t last = sr_cursor_block_last(c);
            if (last == SR_DOC_END)
                return;
            sr_cursor_next_geq(c, last + 1);
            continue;
        }
        /* score the rest of the decoded block */
        uint32_t block = c->block;
        while (c->doc != SR_DOC_END && c->block == block) {
            r->contrib[0] = sr_run_score(r, c);
            sr_run_push(r, c->doc);
            sr_cursor_next(c);
        }
    }
}
