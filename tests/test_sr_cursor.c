/* Posting cursors over multi-block lists: full iteration, frequencies, and
 * next_geq against a reference lower_bound for many targets. */
#include <stdio.h>
#include <stdlib.h>

#include "sr_cursor.h"
#include "sr_fixture.h"

#define N_DOCS 1000

static sr_index *build(const char *name)
{
    static char bodies[N_DOCS][128];
    static char ids[N_DOCS][16];
    static fx_doc docs[N_DOCS];
    for (int i = 0; i < N_DOCS; i++) {
        int o = 0;
        for (int r = 0; r <= i % 5; r++)
            o += snprintf(bodies[i] + o, sizeof bodies[i] - (size_t)o, "every ");
        if (i % 3 == 0)
            o += snprintf(bodies[i] + o, sizeof bodies[i] - (size_t)o, "third ");
        if (i == 500)
            snprintf(bodies[i] + o, sizeof bodies[i] - (size_t)o, "rare");
        snprintf(ids[i], sizeof ids[i], "%d", i);
        docs[i] = (fx_doc){ids[i], "", bodies[i]};
    }
    return fx_build(name, "none", docs, N_DOCS);
}

static void open_cursor(sr_index *ix, const char *t, sr_cursor *c)
{
    bool found;
    sr_term_info ti;
    ns_err err;
    cr_assert_eq(sr_index_lookup(ix, t, strlen(t), &found, &ti, &err), NS_OK);
    cr_assert(found);
    sr_cursor_init(c, ix, &ti, 1, 1.0);
}

Test(sr_cursor, iterates_every_posting_with_freqs)
{
    sr_index *ix = build("cursor_iter");
    sr_cursor c;
    open_cursor(ix, "every", &c);
    for (uint32_t d = 0; d < N_DOCS; d++) {
        cr_assert_eq(c.doc, d);
        cr_assert_eq(sr_cursor_freq(&c), 1 + d % 5);
        sr_cursor_next(&c);
    }
    cr_assert_eq(c.doc, SR_DOC_END);
    cr_assert_not(c.corrupt);
    open_cursor(ix, "third", &c);
    for (uint32_t d = 0; d < N_DOCS; d += 3) {
        cr_assert_eq(c.doc, d);
        cr_assert_eq(sr_cursor_freq(&c), 1);
        sr_cursor_next(&c);
    }
    cr_assert_eq(c.doc, SR_DOC_END);
    open_cursor(ix, "rare", &c);
    cr_assert_eq(c.doc, 500);
    sr_cursor_next(&c);
    cr_assert_eq(c.doc, SR_DOC_END);
    sr_index_close(ix);
}

Test(sr_cursor, next_geq_matches_lower_bound)
{
    sr_index *ix = build("cursor_geq");
    unsigned seed = 1234;
    printf("sr_cursor seed %u\n", seed);
    srand(seed);
    for (int trial = 0; trial < 200; trial++) {
        sr_cursor c;
        open_cursor(ix, "third", &c);
        uint32_t target = 0;
        while (c.doc != SR_DOC_END) {
            target += (uint32_t)(rand() % 300);
            sr_cursor_next_geq(&c, target);
            uint32_t want = target % 3 ? target + 3 - target % 3 : target;
            if (want >= N_DOCS)
                want = SR_DOC_END;
            cr_assert_eq(c.doc, want, "target %u", target);
            if (c.doc != SR_DOC_END)
                cr_assert_eq(sr_cursor_freq(&c), 1);
        }
        cr_assert_not(c.corrupt);
    }
    /* never moves backwards */
    sr_cursor c;
    open_cursor(ix, "every", &c);
    sr_cursor_next_geq(&c, 700);
    cr_assert_eq(c.doc, 700);
    sr_cursor_next_geq(&c, 3);
    cr_assert_eq(c.doc, 700);
    cr_assert_eq(sr_cursor_freq(&c), 1 + 700 % 5);
    sr_cursor_next_geq(&c, N_DOCS);
    cr_assert_eq(c.doc, SR_DOC_END);
    sr_index_close(ix);
}
