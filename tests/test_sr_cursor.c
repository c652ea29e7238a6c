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
        if (i < 128) /* exactly one full block: skip data with one entry */
            o += snprintf(bodies[i] + o, sizeof bodies[i] - (size_t)o, "onefull ");
        if (i % 2 == 0 && i < 512) /* two full blocks, no tail */
            o += snprintf(bodies[i] + o, sizeof bodies[i] - (size_t)o, "twofull ");
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
    /* the term's own idf: the dictionary's bound includes it */
    sr_cursor_init(c, ix, &ti, 1, ns_bm25_idf((double)ix->n_live, (double)ti.df));
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

/* Lists whose length is a multiple of 128 (skip data, no tail), and the
 * shallow (block-max) interface against the decoded blocks. */
Test(sr_cursor, full_blocks_only_and_shallow_bounds)
{
    sr_index *ix = build("cursor_full");
    sr_cursor c;
    open_cursor(ix, "onefull", &c);
    for (uint32_t d = 0; d < 128; d++) {
        cr_assert_eq(c.doc, d);
        sr_cursor_next(&c);
    }
    cr_assert_eq(c.doc, SR_DOC_END);
    cr_assert_not(c.corrupt);
    open_cursor(ix, "twofull", &c);
    sr_cursor_next_geq(&c, 300);
    cr_assert_eq(c.doc, 300);
    sr_cursor_next_geq(&c, 511);
    cr_assert_eq(c.doc, SR_DOC_END);
    cr_assert_not(c.corrupt);
    /* every target: the shallow block's last doc is the last of the block
     * that holds the first posting >= target, its bound covers the block */
    const char *terms[] = {"every", "third", "twofull", "onefull", "rare"};
    for (size_t t = 0; t < sizeof terms / sizeof *terms; t++) {
        for (uint32_t target = 0; target < N_DOCS + 2; target += 37) {
            sr_cursor s, r;
            open_cursor(ix, terms[t], &s);
            open_cursor(ix, terms[t], &r);
            sr_cursor_shallow_next_geq(&s, target);
            sr_cursor_next_geq(&r, target);
            if (r.doc == SR_DOC_END) {
                cr_assert_eq(sr_cursor_block_last(&s), SR_DOC_END);
                cr_assert_eq(sr_cursor_block_max(&s), 0);
                continue;
            }
            uint32_t last = sr_cursor_block_last(&s);
            cr_assert_eq(last, r.docs[r.n_in_block - 1], "%s %u", terms[t], target);
            double bm = sr_cursor_block_max(&s);
            cr_assert(bm <= s.max_score);
            for (; r.doc != SR_DOC_END && r.doc <= last; sr_cursor_next(&r)) {
                double w = r.scale * ns_bm25_tf(sr_cursor_freq(&r), sr_index_doclen(ix, r.doc),
                                                ix->avgdl);
                cr_assert(w <= bm, "%s %u: %g > %g", terms[t], r.doc, w, bm);
            }
        }
    }
    sr_index_close(ix);
}

/* A few large frequencies in blocks of ones: stored as tf exceptions
 * (patched blocks), restored exactly. */
Test(sr_cursor, patched_frequencies_are_exact)
{
    enum { N = 300 };
    static char bodies[N][700];
    static char ids[N][16];
    static fx_doc docs[N];
    for (int i = 0; i < N; i++) {
        int o = snprintf(bodies[i], sizeof bodies[i], "spike");
        int extra = i == 5 ? 60 : i == 200 ? 100 : i == 201 ? 3 : 0;
        for (int k = 0; k < extra; k++)
            o += snprintf(bodies[i] + o, sizeof bodies[i] - (size_t)o, " spike");
        snprintf(ids[i], sizeof ids[i], "%d", i);
        docs[i] = (fx_doc){ids[i], "", bodies[i]};
    }
    sr_index *ix = fx_build("cursor_patched", "none", docs, N);
    sr_cursor c;
    open_cursor(ix, "spike", &c);
    cr_assert(c.has_skip);
    cr_assert_gt(ns_skip_tf_exc(&c.sk, 0), 0);
    for (uint32_t d = 0; d < N; d++) {
        cr_assert_eq(c.doc, d);
        uint32_t want = d == 5 ? 61 : d == 200 ? 101 : d == 201 ? 4 : 1;
        cr_assert_eq(sr_cursor_freq(&c), want, "doc %u", d);
        sr_cursor_next(&c);
    }
    cr_assert_eq(c.doc, SR_DOC_END);
    cr_assert_not(c.corrupt);
    sr_index_close(ix);
}
