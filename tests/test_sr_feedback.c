/* sr_feedback: RM3's steps checked by hand on a mini corpus (the term
 * filter, the per-document pruning and its tie rule, the score-weighted
 * sum, the model's pruning, the interpolation), the query language's
 * parts kept (exclusions, required clauses), term vectors equal to what
 * the indexer indexed, and more-like-this's selection and weights. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sr_feedback.h"
#include "sr_fixture.h"

static fx_doc mini_docs[30];

/* mini_docs: 30 documents "filler<i> other<i>" that the tests then change. */
static void filler_docs(void)
{
    static char ids[30][8], bodies[30][64];
    for (int i = 0; i < 30; i++) {
        snprintf(ids[i], sizeof ids[i], "d%d", i);
        snprintf(bodies[i], sizeof bodies[i], "filler%d other%d", i, i);
        mini_docs[i] = (fx_doc){ids[i], NULL, bodies[i]};
    }
}

/* 30 documents: d0 and d1 match "alpha"; "common" is in 4 of them (more
 * than 10 %); "x" is one character; the long word is 21; "foo_bar" is not
 * [a-z0-9]. */
static sr_index *mini(void)
{
    filler_docs();
    mini_docs[0].title = "beta";
    mini_docs[0].body = "alpha beta gamma common x abcdefghijklmnopqrstu foo_bar";
    mini_docs[1].body = "alpha delta common";
    mini_docs[2].body = "common filler";
    mini_docs[3].body = "common other";
    return fx_build("fb_mini", "none", mini_docs, 30);
}

static const sr_qt *clause_of(const sr_query *q, const char *term)
{
    for (size_t i = 0; i < q->root->n_kids; i++) {
        const sr_qt *k = q->root->kids[i];
        if (k->kind == SR_QT_TERM && !strcmp(q->t[k->w[0]].term, term))
            return k;
    }
    return NULL;
}

static void first_pass(sr_index *ix, const char *text, double *s, size_t n);

/* The mini corpus, the first pass's scores of d0 and d1 for "alpha" and
 * the query "alpha" parsed into q. */
static sr_index *alpha_query(double s[2], sr_query *q)
{
    sr_index *ix = mini();
    ns_err err;
    first_pass(ix, "alpha", s, 2);
    cr_assert_eq(sr_query_parse(ix, "alpha", 5, q, &err), NS_OK);
    return ix;
}

static void first_pass(sr_index *ix, const char *text, double *s, size_t n)
{
    sr_query q;
    ns_err err;
    sr_hit h[4];
    size_t nh;
    sr_rank_stats st;
    cr_assert_eq(sr_query_parse(ix, text, strlen(text), &q, &err), NS_OK);
    cr_assert_eq(sr_rank(ix, &q, SR_ALGO_EXHAUSTIVE, 4, h, &nh, &st, &err), NS_OK);
    cr_assert_eq(nh, n);
    for (size_t i = 0; i < n; i++) { /* s by document: d0, d1 */
        cr_assert_lt(h[i].doc, n);
        s[h[i].doc] = h[i].score;
    }
    sr_query_release(&q);
}

Test(sr_feedback, rm3_weights_match_the_hand_computed_model)
{
    double s[2];
    sr_query q;
    ns_err err;
    sr_index *ix = alpha_query(s, &q);
    sr_fb_opts o;
    sr_fb_opts_default(&o);
    sr_fb_stats st;
    cr_assert_eq(sr_feedback_expand(ix, &q, SR_ALGO_MAXSCORE, &o, &st, &err), NS_OK);
    cr_assert_eq(st.docs, 2);
    /* kept terms: d0 alpha 1, beta 2 (title and body), gamma 1 -> norm 4;
     * d1 alpha 1, delta 1 -> norm 2; common (df 4 > 3), x, the 21-letter
     * word and foo_bar are filtered out */
    double alpha = 0.25 * s[0] + 0.5 * s[1], beta = 0.5 * s[0], gamma = 0.25 * s[0],
           delta = 0.5 * s[1], total = alpha + beta + gamma + delta;
    cr_assert_eq(st.terms, 4);
    cr_assert_eq(q.root->n_kids, 4); /* alpha merged into the query's own clause */
    struct { const char *t; double w; } want[] = {
        {"alpha", 0.5 + 0.5 * alpha / total}, {"beta", 0.5 * beta / total},
        {"gamma", 0.5 * gamma / total},      {"delta", 0.5 * delta / total}};
    for (size_t i = 0; i < 4; i++) {
        const sr_qt *k = clause_of(&q, want[i].t);
        cr_assert(k, "no clause for %s", want[i].t);
        cr_assert(fabs(k->qtf - want[i].w) < 1e-12, "%s: %.17g, want %.17g", want[i].t, k->qtf,
                  want[i].w);
        cr_assert_eq(k->added, i > 0);
    }
    for (const char *gone[] = {"common", "x", "abcdefghijklmnopqrstu", "foo_bar", NULL}, **g = gone; *g; g++)
        cr_assert_null(clause_of(&q, *g), "%s is not a feedback term", *g);
    /* the weights sum to 1: half the original query, half the model */
    cr_assert(fabs(sr_query_weight(&q) - 1.0) < 1e-12);
    sr_query_release(&q);
    sr_index_close(ix);
}

/* Feedback terms in other scripts: characters, not bytes, are counted, and
 * letters of any script are kept (a word joined by '_' or of 21 characters
 * is not). */
Test(sr_feedback, terms_of_any_script_are_feedback_terms)
{
    filler_docs();
    mini_docs[0].body = "alpha \xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0 " /* москва */
                   "\xCE\xB1\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1 "             /* αθηνα */
                   "\xD0\xB0\xD0\xB1_\xD0\xB2";                                /* аб_в */
    mini_docs[1].body = "alpha \xD0\xB0\xD0\xB1\xD0\xB2\xD0\xB3\xD0\xB4\xD0\xB5\xD0\xB6"
                   "\xD0\xB7\xD0\xB8\xD0\xB9\xD0\xBA\xD0\xBB\xD0\xBC\xD0\xBD"
                   "\xD0\xBE\xD0\xBF\xD1\x80\xD1\x81\xD1\x82\xD1\x83\xD1\x84"; /* 21 letters */
    sr_index *ix = fx_build("fb_scripts", "none", mini_docs, 30);
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_query_parse(ix, "alpha", 5, &q, &err), NS_OK);
    sr_fb_opts o;
    sr_fb_opts_default(&o);
    sr_fb_stats st;
    cr_assert_eq(sr_feedback_expand(ix, &q, SR_ALGO_MAXSCORE, &o, &st, &err), NS_OK);
    cr_assert_not_null(clause_of(&q, "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"),
                       "Cyrillic word");
    cr_assert_not_null(clause_of(&q, "\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1"),
                       "Greek word (diacritics folded)");
    cr_assert_eq(st.terms, 3, "alpha, the Cyrillic and the Greek word; not the joined one nor "
                              "the 21-letter one");
    sr_query_release(&q);
    sr_index_close(ix);
}

Test(sr_feedback, equal_frequencies_keep_the_smaller_term)
{
    double s[2];
    sr_query q;
    ns_err err;
    sr_index *ix = alpha_query(s, &q);
    /* 2 terms a document: d0 beta (2) then alpha, not gamma (both 1:
     * alpha < gamma); d1 alpha and delta.  Model: alpha .25 s0 + .5 s1,
     * beta 2/3 s0 ... pruned to 2: alpha and the larger of beta, delta */
    sr_fb_opts o = {10, 2, 0.5};
    cr_assert_eq(sr_feedback_expand(ix, &q, SR_ALGO_BMW, &o, NULL, &err), NS_OK);
    cr_assert_null(clause_of(&q, "gamma"));
    double alpha = s[0] / 3 + 0.5 * s[1], beta = 2 * s[0] / 3, delta = 0.5 * s[1];
    const char *second = beta >= delta ? "beta" : "delta";
    const sr_qt *k = clause_of(&q, second);
    cr_assert(k && k->added);
    double top2 = alpha + (beta >= delta ? beta : delta);
    cr_assert(fabs(k->qtf - 0.5 * (beta >= delta ? beta : delta) / top2) < 1e-12);
    cr_assert(fabs(clause_of(&q, "alpha")->qtf - (0.5 + 0.5 * alpha / top2)) < 1e-12);
    cr_assert_eq(q.root->n_kids, 2);
    sr_query_release(&q);
    sr_index_close(ix);
}

Test(sr_feedback, exclusions_and_required_clauses_stay)
{
    sr_index *ix = mini();
    sr_query q;
    ns_err err;
    const char *text = "+alpha -delta";
    cr_assert_eq(sr_query_parse(ix, text, strlen(text), &q, &err), NS_OK);
    sr_fb_opts o;
    sr_fb_opts_default(&o);
    cr_assert_eq(sr_feedback_expand(ix, &q, SR_ALGO_MAXSCORE, &o, NULL, &err), NS_OK);
    /* only d0 matches: its terms alpha, beta, gamma; delta stays excluded */
    size_t must = 0, not = 0, added = 0;
    for (size_t i = 0; i < q.root->n_kids; i++) {
        const sr_qt *k = q.root->kids[i];
        must += k->occur == SR_OCC_MUST;
        not += k->occur == SR_OCC_NOT;
        added += k->added;
        if (k->occur == SR_OCC_NOT)
            cr_assert_str_eq(q.t[k->w[0]].term, "delta");
    }
    cr_assert_eq(must, 1);
    cr_assert_eq(not, 1);
    cr_assert_eq(added, 3); /* alpha (required: its own clause), beta, gamma */
    sr_hit h[10];
    size_t n;
    sr_rank_stats st;
    cr_assert_eq(sr_rank(ix, &q, SR_ALGO_MAXSCORE, 10, h, &n, &st, &err), NS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].doc, 0);
    sr_query_release(&q);
    sr_index_close(ix);
}

Test(sr_feedback, no_first_pass_hits_leave_the_query_alone)
{
    sr_index *ix = mini();
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_query_parse(ix, "nowhere", 7, &q, &err), NS_OK);
    sr_fb_opts o;
    sr_fb_opts_default(&o);
    sr_fb_stats st;
    cr_assert_eq(sr_feedback_expand(ix, &q, SR_ALGO_MAXSCORE, &o, &st, &err), NS_OK);
    cr_assert_eq(st.docs, 0);
    cr_assert_eq(q.root->kind, SR_QT_TERM);
    cr_assert_eq(q.root->qtf, 1);
    o.fb_weight = 0;
    cr_assert_eq(sr_feedback_expand(ix, &q, SR_ALGO_MAXSCORE, &o, &st, &err), NS_E_ARG);
    sr_query_release(&q);
    sr_index_close(ix);
}

Test(sr_feedback, term_vector_is_what_the_index_holds)
{
    sr_index *ix = mini();
    sr_tv tv;
    sr_tv_init(&tv);
    ns_err err;
    cr_assert_eq(sr_tv_read(ix, 0, &tv, &err), NS_OK);
    /* every term of the vector is in the dictionary with df >= 1, and tf
     * sums to the tokens of title and body */
    uint32_t sum = 0;
    for (size_t i = 0; i < tv.n; i++) {
        bool found;
        sr_term_info info;
        cr_assert_eq(sr_index_lookup(ix, (const char *)tv.bytes.data + tv.e[i].off, tv.e[i].len,
                                     &found, &info, &err), NS_OK);
        cr_assert(found);
        sum += tv.e[i].tf;
        if (i) { /* in byte order, each once */
            const sr_tv_entry *x = &tv.e[i - 1], *y = &tv.e[i];
            int c = memcmp(tv.bytes.data + x->off, tv.bytes.data + y->off,
                           x->len < y->len ? x->len : y->len);
            cr_assert(c < 0 || (c == 0 && x->len < y->len));
        }
    }
    cr_assert_eq(sum, 8); /* beta + 7 body words */
    cr_assert_eq(tv.n, 7);
    sr_tv_release(&tv);
    sr_index_close(ix);
}

Test(sr_feedback, like_takes_frequent_terms_weighted_by_tf_idf)
{
    /* d0 has "jet" 3 times (df 6), "wing" 2 times (df 5), "rare" 2 times
     * (df 1 < 5: out), "once" 1 time (tf < 2: out) */
    static fx_doc docs[12];
    static char ids[12][8];
    for (int i = 0; i < 12; i++) {
        snprintf(ids[i], sizeof ids[i], "d%d", i);
        docs[i] = (fx_doc){ids[i], NULL, i < 5 ? "jet wing" : i == 5 ? "jet" : "other"};
    }
    docs[0].body = "jet jet jet wing wing rare rare once";
    sr_index *ix = fx_build("fb_like", "none", docs, 12);
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_like_query(ix, 0, &q, &err), NS_OK);
    cr_assert_eq(q.root->n_kids, 2);
    double jet = 3 * ns_bm25_idf(12, 6), wing = 2 * ns_bm25_idf(12, 5);
    const sr_qt *a = clause_of(&q, jet >= wing ? "jet" : "wing");
    const sr_qt *b = clause_of(&q, jet >= wing ? "wing" : "jet");
    cr_assert(a && b);
    cr_assert_eq(a->qtf, 1.0);
    cr_assert(fabs(b->qtf - (jet >= wing ? wing / jet : jet / wing)) < 1e-12);
    sr_query_release(&q);
    /* a document without such terms: nothing to search for */
    cr_assert_eq(sr_like_query(ix, 11, &q, &err), NS_OK);
    cr_assert_null(q.root);
    sr_query_release(&q);
    sr_index_close(ix);
}
