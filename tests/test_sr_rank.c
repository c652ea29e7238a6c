/* BM25 ranking checked against values computed by hand, and the exhaustive
 * evaluator's ordering rules. */
#include <math.h>

#include "sr_fixture.h"
#include "ns_docrec.h"
#include "sr_query.h"
#include "sr_rank.h"

/* Mini corpus: N = 3 live documents, lengths 2, 3, 1, avgdl = 2.
 *   d0 "cat dog"   d1 "cat cat fish"   d2 "bird"
 * idf(cat)  = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6
 * idf(bird) = ln(1 + (3 - 1 + 0.5) / (1 + 0.5)) = ln(8/3)
 * d0 cat:  tf 1, dl 2: 1*2.2 / (1 + 1.2*(0.25 + 0.75*2/2))   = 1.0
 * d1 cat:  tf 2, dl 3: 2*2.2 / (2 + 1.2*(0.25 + 0.75*3/2))   = 4.4/3.65
 * d2 bird: tf 1, dl 1: 1*2.2 / (1 + 1.2*(0.25 + 0.75*1/2))   = 2.2/1.75
 * Products (Python, double precision): */
#define S_D0_CAT 0.47000362924573563
#define S_D1_CAT 0.5665797174469143
#define S_D2_BIRD 1.2330424895004561

static const fx_doc mini[] = {
    {"d0", "", "cat dog"},
    {"d1", "", "cat cat fish"},
    {"d2", "", "bird"},
};

static size_t rank(sr_index *ix, const char *text, size_t k, sr_hit *hits)
{
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_query_parse(ix, text, strlen(text), &q, &err), NS_OK);
    size_t n;
    sr_rank_stats st;
    cr_assert_eq(sr_rank_exhaustive(ix, &q, k, hits, &n, &st, &err), NS_OK);
    cr_assert_not(st.corrupt);
    sr_query_release(&q);
    return n;
}

Test(sr_rank, bm25_matches_hand_computed_mini_corpus)
{
    sr_index *ix = fx_build("bm25_mini", "english", mini, 3);
    cr_assert_eq(ix->n_live, 3);
    cr_assert(fabs(ix->avgdl - 2.0) < 1e-12);
    sr_hit h[10];
    size_t n = rank(ix, "cat", 10, h);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].doc, 1);
    cr_assert(fabs(h[0].score - S_D1_CAT) < 1e-12, "%.17g", h[0].score);
    cr_assert_eq(h[1].doc, 0);
    cr_assert(fabs(h[1].score - S_D0_CAT) < 1e-12, "%.17g", h[1].score);

    n = rank(ix, "Bird cats", 10, h); /* case folded and stemmed */
    cr_assert_eq(n, 3);
    cr_assert_eq(h[0].doc, 2);
    cr_assert(fabs(h[0].score - S_D2_BIRD) < 1e-12);
    sr_index_close(ix);
}

Test(sr_rank, repeated_query_term_counts_per_occurrence)
{
    sr_index *ix = fx_build("bm25_qtf", "english", mini, 3);
    sr_hit h[10];
    size_t n = rank(ix, "cat CAT", 10, h);
    cr_assert_eq(n, 2);
    cr_assert(fabs(h[0].score - 2 * S_D1_CAT) < 1e-12);
    cr_assert(fabs(h[1].score - 2 * S_D0_CAT) < 1e-12);
    sr_index_close(ix);
}

Test(sr_rank, ties_break_by_lower_doc_id_and_k_limits)
{
    static const fx_doc same[] = {
        {"a", "", "alpha beta"}, {"b", "", "alpha beta"}, {"c", "", "alpha beta"}, {"d", "", "gamma"},
    };
    sr_index *ix = fx_build("bm25_ties", "english", same, 4);
    sr_hit h[10];
    size_t n = rank(ix, "alpha", 10, h);
    cr_assert_eq(n, 3);
    cr_assert_eq(h[0].doc, 0);
    cr_assert_eq(h[1].doc, 1);
    cr_assert_eq(h[2].doc, 2);
    cr_assert_eq(h[0].score, h[2].score);
    n = rank(ix, "alpha", 2, h);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].doc, 0);
    cr_assert_eq(h[1].doc, 1);
    n = rank(ix, "nothing here", 10, h);
    cr_assert_eq(n, 0);
    sr_index_close(ix);
}

Test(sr_rank, duplicate_id_later_document_wins)
{
    static const fx_doc dup[] = {
        {"x", "", "old words only"}, {"y", "", "filler text"}, {"x", "", "new words"},
    };
    sr_index *ix = fx_build("bm25_dup", "english", dup, 3);
    cr_assert_eq(ix->n_live, 2);
    sr_hit h[10];
    cr_assert_eq(rank(ix, "old", 10, h), 0);
    cr_assert_eq(rank(ix, "new", 10, h), 1);
    sr_doc d;
    ns_err err;
    cr_assert_eq(sr_index_doc(ix, h[0].doc, &d, &err), NS_OK);
    cr_assert_eq(d.len[NS_FIELD_ID], 1);
    cr_assert_eq(d.f[NS_FIELD_ID][0], 'x');
    cr_assert_eq(d.len[NS_FIELD_BODY], 9);
    /* N and avgdl count live documents only: "new words" 2 + "filler text" 2 */
    cr_assert(fabs(ix->avgdl - 2.0) < 1e-12);
    sr_index_close(ix);
}
