/* The golden indexes, built from tests/golden/v1.jsonl: tests/golden/v5
 * (format 5.0, the current one; with the keyword field `topics`, which no
 * document has) must keep opening, pass --check and answer exactly as a
 * freshly built index of the same input does; tests/golden/v4 (format
 * 4.0), v3 (3.0), v2 (2.0) and v1_1 (1.1) are "old format" fixtures,
 * which a 5.x reader refuses with a message asking for a rebuild.
 *
 * To regenerate v5 after a deliberate format change (same major version):
 *     build/nindex -q --field topics -o tests/golden/v5 tests/golden/v1.jsonl */
#include <math.h>
#include <stdio.h>

#include "ns_docrec.h"
#include "sr_check.h"
#include "sr_fixture.h"
#include "sr_query.h"
#include "sr_rank.h"

#define GOLDEN_1_1 NS_TEST_SRCDIR "/tests/golden/v1_1"
#define GOLDEN_2 NS_TEST_SRCDIR "/tests/golden/v2"
#define GOLDEN_3 NS_TEST_SRCDIR "/tests/golden/v3"
#define GOLDEN_4 NS_TEST_SRCDIR "/tests/golden/v4"
#define GOLDEN_5 NS_TEST_SRCDIR "/tests/golden/v5"

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    cr_log_error("%s", msg);
}

static size_t run(sr_index *ix, const char *text, sr_hit *h, size_t k)
{
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_query_parse(ix, text, strlen(text), &q, &err), NS_OK);
    size_t n;
    sr_rank_stats st;
    cr_assert_eq(sr_rank_exhaustive(ix, &q, k, h, &n, &st, &err), NS_OK);
    sr_query_release(&q);
    return n;
}

static void id_is(sr_index *ix, uint32_t doc, const char *id)
{
    sr_doc d;
    ns_err err;
    cr_assert_eq(sr_index_doc(ix, doc, &d, &err), NS_OK);
    cr_assert_eq(d.len[NS_FIELD_ID], strlen(id));
    cr_assert(memcmp(d.f[NS_FIELD_ID], id, strlen(id)) == 0);
}

static void opens_checks_and_answers(const char *dir, unsigned minor)
{
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(dir, &ix, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix->minor, minor);
    cr_assert_eq(ix->n_docs, 304);
    cr_assert_eq(sr_check(ix, on_problem, NULL), 0);
    sr_hit h[10];
    cr_assert_eq(run(ix, "Article Five cocoa", h, 3), 2);
    id_is(ix, h[0].doc, "7");
    id_is(ix, h[1].doc, "g1");
    cr_assert(fabs(h[0].score - 8.123578) < 1e-6, "%.9f", h[0].score);
    cr_assert(fabs(h[1].score - 6.289995) < 1e-6, "%.9f", h[1].score);
    cr_assert_eq(run(ix, "ΟΔΥΣΣΕΥΣ", h, 3), 1);
    id_is(ix, h[0].doc, "g2");
    cr_assert_eq(run(ix, "russia", h, 3), 1);
    id_is(ix, h[0].doc, "g3");
    cr_assert_eq(run(ix, "common", h, 10), 10); /* 300 postings: three blocks */
    sr_index_close(ix);
}

Test(sr_golden, v5_0_opens_checks_and_answers) { opens_checks_and_answers(GOLDEN_5, 0); }

/* g1's title "Alliance summit in Brussels": 4 positions, the stop word
 * "in" included; the keyword field is recorded though no document has it. */
Test(sr_golden, v5_0_has_title_lengths_and_the_keyword_field)
{
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_5, &ix, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix->n_kw_fields, 1);
    cr_assert(sr_index_has_keyword_field(ix, "topics", 6));
    cr_assert_not(sr_index_has_keyword_field(ix, "topic", 5));
    uint32_t d;
    bool found;
    cr_assert_eq(sr_index_find_id(ix, "g1", 2, &d, &found, &err), NS_OK);
    cr_assert(found);
    cr_assert_eq(sr_index_title_len(ix, d), 4);
    cr_assert_leq(sr_index_title_len(ix, d), sr_index_doclen(ix, d));
    sr_index_close(ix);
}

Test(sr_golden, v4_0_is_refused_with_a_rebuild_message)
{
    sr_index *ix = NULL;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_4, &ix, &err), NS_E_VERSION);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "format version 4.0"), "%s", err.msg);
    cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
}

Test(sr_golden, v4_0_is_refused_by_nsearch_with_exit_3)
{
    tu_out o;
    char *argv[] = {NS_TEST_NSEARCH, "-i", GOLDEN_4, "cocoa", NULL};
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 3, "%d: %s", o.status, o.err);
    cr_assert(strstr(o.err, "rebuild the index with nindex"), "%s", o.err);
    tu_out_free(&o);
}

Test(sr_golden, v3_0_is_refused_with_a_rebuild_message)
{
    sr_index *ix = NULL;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_3, &ix, &err), NS_E_VERSION);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "format version 3.0"), "%s", err.msg);
    cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
}

Test(sr_golden, v3_0_is_refused_by_nsearch_with_exit_3)
{
    tu_out o;
    char *argv[] = {NS_TEST_NSEARCH, "-i", GOLDEN_3, "cocoa", NULL};
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 3, "%d: %s", o.status, o.err);
    cr_assert(strstr(o.err, "rebuild the index with nindex"), "%s", o.err);
    tu_out_free(&o);
}

Test(sr_golden, v2_0_is_refused_with_a_rebuild_message)
{
    sr_index *ix = NULL;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_2, &ix, &err), NS_E_VERSION);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "format version 2.0"), "%s", err.msg);
    cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
}

Test(sr_golden, v1_1_is_refused_with_a_rebuild_message)
{
    sr_index *ix = NULL;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_1_1, &ix, &err), NS_E_VERSION);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "format version 1.1"), "%s", err.msg);
    cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
}

Test(sr_golden, v1_1_is_refused_by_nsearch_with_exit_3)
{
    tu_out o;
    char *argv[] = {NS_TEST_NSEARCH, "-i", GOLDEN_1_1, "cocoa", NULL};
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 3, "%d: %s", o.status, o.err);
    cr_assert(strstr(o.err, "rebuild the index with nindex"), "%s", o.err);
    tu_out_free(&o);
}

Test(sr_golden, v5_answers_like_a_fresh_build)
{
    char *dir = tu_tmpdir("golden_fresh");
    char *out = tu_path(dir, "idx");
    tu_out o;
    char *argv[] = {NS_TEST_NINDEX, "-q", "--field", "topics", "-o", out,
                    NS_TEST_SRCDIR "/tests/golden/v1.jsonl", NULL};
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    sr_index *g, *f;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_5, &g, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(sr_index_open(out, &f, &err), NS_OK, "%s", err.msg);
    const char *queries[] = {"common words", "rare filler", "alliance Brussels meeting",
                             "Москва столица", "cocoa price tonnes", "document 17", "nothing"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        sr_hit a[50], b[50];
        size_t na = run(g, queries[i], a, 50), nb = run(f, queries[i], b, 50);
        cr_assert_eq(na, nb, "%s", queries[i]);
        for (size_t j = 0; j < na; j++) {
            cr_assert_eq(a[j].doc, b[j].doc, "%s #%zu", queries[i], j);
            cr_assert_eq(a[j].score, b[j].score, "%s #%zu", queries[i], j);
        }
    }
    sr_index_close(g);
    sr_index_close(f);
    free(out);
    free(dir);
}

/* ---- scores the code under test did not produce ---- */

/* tests/golden/bm25_ref.tsv was written by tests/golden/bm25_ref.py, an
 * independent BM25 (its own tokenizer, no stemmer: the queries' words are
 * left as they are by stemming).  Every algorithm must give its documents,
 * in its order, and its scores: it computes each contribution with the same
 * formula and sums them in query order as nsearch does, so the doubles
 * agree exactly (printed with %.17g, they read back bit for bit); a sum in
 * another order differs in the last bit for some documents. */
Test(sr_golden, scores_match_an_independent_bm25)
{
    size_t len;
    char *tsv = tu_read_file(NS_TEST_SRCDIR "/tests/golden/bm25_ref.tsv", &len);
    cr_assert_not_null(tsv);
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_5, &ix, &err), NS_OK, "%s", err.msg);
    size_t n_queries = 0, n_lines = 0;
    for (char *p = tsv; *p;) {
        /* one query's block of lines */
        char query[128];
        size_t ql = strcspn(p, "\t");
        cr_assert_lt(ql, sizeof query);
        memcpy(query, p, ql);
        query[ql] = 0;
        enum { MAX_REF = 400 };
        static char ids[MAX_REF][16];
        static double want[MAX_REF];
        size_t n = 0;
        while (*p && strncmp(p, query, ql) == 0 && p[ql] == '\t') {
            cr_assert_lt(n, MAX_REF);
            cr_assert_eq(sscanf(p + ql + 1, "%15s %lf", ids[n], &want[n]), 2, "%.60s", p);
            n++;
            p += strcspn(p, "\n");
            if (*p)
                p++;
        }
        n_lines += n;
        n_queries++;
        sr_query q;
        cr_assert_eq(sr_query_parse(ix, query, strlen(query), &q, &err), NS_OK);
        static sr_hit h[MAX_REF];
        { /* AND: checked in the hand-computed test */
            for (int algo = 0; algo < SR_ALGO_COUNT; algo++) {
                size_t k = n, got;
                sr_rank_stats st;
                cr_assert_eq(sr_rank(ix, &q, (sr_algo)algo, k, h, &got, &st, &err), NS_OK);
                cr_assert_eq(got, n, "'%s' %s: %zu hits, the reference %zu", query,
                             sr_algo_name((sr_algo)algo), got, n);
                for (size_t j = 0; j < n; j++) {
                    id_is(ix, h[j].doc, ids[j]);
                    cr_assert(h[j].score == want[j],
                              "'%s' %s #%zu: %.17g, the reference %.17g", query,
                              sr_algo_name((sr_algo)algo), j, h[j].score, want[j]);
                }
            }
        }
        sr_query_release(&q);
    }
    cr_assert_geq(n_queries, 9);
    cr_assert_gt(n_lines, 100);
    sr_index_close(ix);
    free(tsv);
}

/* AND by hand.  Four documents, no stop words, no stemming effect:
 *   a "kiwi mango" (dl 2), b "kiwi kiwi mango plum" (dl 4),
 *   c "kiwi plum" (dl 2),  d "mango plum plum" (dl 3)
 * N = 4, avgdl = 11/4 = 2.75; kiwi and mango both have df 3, so
 *   idf = ln(1 + (4 - 3 + 0.5)/(3 + 0.5)) = ln(10/7) = 0.3566749439387324
 * tf part f*2.2 / (f + 1.2*(0.25 + 0.75*dl/2.75)):
 *   a: kiwi f=1 dl=2: 2.2/1.9545454545 = 1.1255813953488372, mango the same
 *   b: kiwi f=2 dl=4: 4.4/3.6090909091 = 1.2191435768261967
 *      mango f=1 dl=4: 2.2/2.6090909091 = 0.8432055749128922
 *   a = idf*1.12558 + idf*1.12558 = 0.8029333621690533
 *   b = idf*1.21914 + idf*0.84321 = 0.7355882680786319
 * "kiwi mango" AND: a then b (the shorter document wins despite b's two
 * kiwis); c and d lack a word.  OR adds c and d after them. */
Test(sr_golden, and_ranking_computed_by_hand)
{
    const fx_doc docs[] = {{"a", NULL, "kiwi mango"},
                           {"b", NULL, "kiwi kiwi mango plum"},
                           {"c", NULL, "kiwi plum"},
                           {"d", NULL, "mango plum plum"}};
    sr_index *ix = fx_build("and_by_hand", "english", docs, 4);
    sr_query q;
    ns_err err;
    sr_query_opts all = {true, false};
    cr_assert_eq(sr_query_parse_opts(ix, "kiwi mango", 10, &all, &q, &err), NS_OK);
    for (int algo = 0; algo < SR_ALGO_COUNT; algo++) {
        for (size_t k = 1; k <= 3; k++) {
            sr_hit h[3];
            size_t n;
            sr_rank_stats st;
            cr_assert_eq(sr_rank(ix, &q, (sr_algo)algo, k, h, &n, &st, &err), NS_OK);
            cr_assert_eq(n, k < 2 ? k : 2, "%s k=%zu: %zu hits", sr_algo_name((sr_algo)algo), k, n);
            id_is(ix, h[0].doc, "a");
            cr_assert(fabs(h[0].score - 0.8029333621690533) < 1e-12, "%.17g", h[0].score);
            if (n > 1) {
                id_is(ix, h[1].doc, "b");
                cr_assert(fabs(h[1].score - 0.7355882680786319) < 1e-12, "%.17g", h[1].score);
            }
        }
    }
    sr_query_release(&q);
    sr_index_close(ix);
}
