/* The pruning algorithms (MaxScore, Block-Max WAND, leapfrog AND) against
 * the exhaustive reference: the same documents, in the same order, with the
 * same scores, for every query, on random corpora and on real data
 * (Cranfield with its 225 queries, Reuters-21578 with queries from its
 * titles) when ../shared has them.  Scores are compared with ==: the fast
 * paths must give bit-identical scores, not close ones.  The same holds
 * for weighted queries: random weights on every clause, RM3 expansions
 * (sr_feedback_expand, its first pass run by the algorithm under test)
 * and more-like-this queries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ix_source.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "sr_feedback.h"
#include "sr_fixture.h"
#include "sr_query.h"
#include "sr_rank.h"

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* Zipf-ish word: rank r with probability ~ 1/r over vocab words "wNNNN". */
static uint32_t zipf(uint32_t vocab)
{
    double u = (rnd() + 0.5) / 2147483648.0;
    double r = exp(u * log((double)vocab));
    uint32_t w = (uint32_t)r;
    return w >= vocab ? vocab - 1 : w;
}

static sr_index *random_index(const char *name, uint64_t seed, uint32_t n_docs, uint32_t vocab)
{
    rng_state = seed;
    printf("random corpus %s: seed %llu, %u docs, vocab %u\n", name, (unsigned long long)seed,
           n_docs, vocab);
    char *dir = tu_tmpdir(name);
    char *out = tu_path(dir, "idx");
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "none", NULL, NULL, &b, &err), NS_OK);
    ns_buf body;
    ns_buf_init(&body);
    for (uint32_t d = 0; d < n_docs; d++) {
        ns_buf_reset(&body);
        uint32_t len = 1 + rnd() % (rnd() % 8 == 0 ? 600 : 80);
        for (uint32_t i = 0; i < len; i++)
            ns_buf_printf(&body, "w%u ", zipf(vocab));
        char id[16];
        snprintf(id, sizeof id, "%u", d);
        ix_doc doc = {.id = id, .id_len = strlen(id), .body = (const char *)body.data,
                      .body_len = body.len, .src = name};
        cr_assert_eq(ix_build_add(b, &doc, &err), NS_OK);
    }
    ns_buf_release(&body);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_free(b);
    sr_index *ix;
    cr_assert_eq(sr_index_open(out, &ix, &err), NS_OK, "%s", err.msg);
    free(out);
    free(dir);
    return ix;
}

static uint64_t n_compared;
static uint64_t scored[2][SR_ALGO_COUNT]; /* docs fully scored, by mode and algorithm */

/* How compare() weighs the query: as parsed, random weights on every
 * clause, or expanded by RM3 (the options drawn from fb). */
typedef enum { W_PLAIN, W_RANDOM, W_EXPAND } weighting;
static sr_fb_opts fb;
static uint64_t n_weighted, n_expanded;

static void random_weights(sr_qt *n)
{
    for (size_t i = 0; i < n->n_kids; i++)
        random_weights(n->kids[i]);
    if (n->kind != SR_QT_BOOL)
        n->qtf = 0.01 + (double)(rnd() % 4000) / 1000.0; /* 0.01 .. 4.01 */
}

/* Parses text (and weighs it) as compare() asks; the expansion's first
 * pass runs algo. */
static void make_query(sr_index *ix, const char *text, int mode, weighting wt, uint64_t wseed,
                       sr_algo algo, bool literal, sr_query *q)
{
    ns_err err;
    sr_query_opts qo = {mode == 1, literal}; /* --all; the words as they are */
    cr_assert_eq(sr_query_parse_opts(ix, text, strlen(text), &qo, q, &err), NS_OK, "%s", err.msg);
    if (wt == W_RANDOM && q->root) {
        uint64_t saved = rng_state;
        rng_state = wseed; /* the same weights for every algorithm */
        random_weights(q->root);
        rng_state = saved;
    }
    if (wt == W_EXPAND && q->root)
        cr_assert_eq(sr_feedback_expand(ix, q, algo, &fb, NULL, &err), NS_OK, "%s", err.msg);
}

/* Compares every algorithm with the reference for one query text. */
static void compare_w(sr_index *ix, const char *text, size_t k, weighting wt, bool literal)
{
    ns_err err;
    static sr_hit ref[1000], got[1000];
    uint64_t wseed = rnd();
    for (int mode = 0; mode < 2; mode++) {
        size_t nr, ng;
        sr_rank_stats st;
        sr_query q;
        make_query(ix, text, mode, wt, wseed, SR_ALGO_EXHAUSTIVE, literal, &q);
        cr_assert_eq(sr_rank(ix, &q, SR_ALGO_EXHAUSTIVE, k, ref, &nr, &st, &err), NS_OK);
        scored[mode][SR_ALGO_EXHAUSTIVE] += st.docs_scored;
        for (int a = SR_ALGO_MAXSCORE; a < SR_ALGO_COUNT; a++) {
            if (wt != W_PLAIN) {
                sr_query_release(&q);
                make_query(ix, text, mode, wt, wseed, (sr_algo)a, literal, &q);
            }
            cr_assert_eq(sr_rank(ix, &q, (sr_algo)a, k, got, &ng, &st, &err), NS_OK);
            scored[mode][a] += st.docs_scored;
            cr_assert_eq(ng, nr, "%s %s k=%zu '%s': %zu hits, reference %zu",
                         mode ? "AND" : "OR", sr_algo_name((sr_algo)a), k, text, ng, nr);
            for (size_t i = 0; i < nr; i++) {
                cr_assert_eq(got[i].doc, ref[i].doc, "%s %s k=%zu '%s' rank %zu: doc %u, reference %u",
                             mode ? "AND" : "OR", sr_algo_name((sr_algo)a), k, text, i + 1,
                             got[i].doc, ref[i].doc);
                /* bit-identical, as the README promises: contributions are
                 * summed in query order on every path */
                cr_assert(got[i].score == ref[i].score,
                          "%s %s k=%zu '%s' rank %zu: score %.17g, reference %.17g",
                          mode ? "AND" : "OR", sr_algo_name((sr_algo)a), k, text, i + 1,
                          got[i].score, ref[i].score);
            }
            n_compared++;
            n_weighted += wt == W_RANDOM;
            n_expanded += wt == W_EXPAND;
        }
        sr_query_release(&q);
    }
}

static void compare(sr_index *ix, const char *text, size_t k)
{
    compare_w(ix, text, k, W_PLAIN, true);
}

/* more-like-this queries of some documents: the fast paths equal the
 * reference on them too */
static void compare_like(sr_index *ix, int n_docs)
{
    static sr_hit ref[100], got[100];
    ns_err err;
    int n_like = 0;
    for (int i = 0; i < n_docs; i++) {
        uint32_t d = rnd() % (uint32_t)ix->n_docs;
        sr_query q;
        cr_assert_eq(sr_like_query(ix, d, &q, &err), NS_OK, "%s", err.msg);
        size_t nr, ng;
        sr_rank_stats st;
        cr_assert_eq(sr_rank(ix, &q, SR_ALGO_EXHAUSTIVE, 100, ref, &nr, &st, &err), NS_OK);
        n_like += q.root != NULL;
        for (int a = SR_ALGO_MAXSCORE; a < SR_ALGO_COUNT; a++) {
            cr_assert_eq(sr_rank(ix, &q, (sr_algo)a, 100, got, &ng, &st, &err), NS_OK);
            cr_assert_eq(ng, nr);
            for (size_t j = 0; j < nr; j++)
                cr_assert(got[j].doc == ref[j].doc && got[j].score == ref[j].score,
                          "like doc %u %s rank %zu", d, sr_algo_name((sr_algo)a), j + 1);
        }
        if (q.root) /* the document itself has every term of its query */
            cr_assert_gt(nr, 0);
        sr_query_release(&q);
    }
    cr_assert_gt(n_like, 0);
}

static void random_queries(sr_index *ix, uint32_t vocab, int n_queries, weighting wt)
{
    static const size_t ks[] = {1, 10, 100, 1000};
    static const size_t fb_n[] = {1, 5, 10, 20};
    static const double fb_w[] = {0.3, 0.5, 0.7, 1.0};
    char text[256];
    for (int qi = 0; qi < n_queries; qi++) {
        int len = 1 + (int)(rnd() % 5), o = 0;
        for (int i = 0; i < len; i++) {
            uint32_t w = rnd() % 10 == 0 ? vocab + rnd() % 50 /* absent */
                         : rnd() % 3 == 0 ? rnd() % 20      /* frequent */
                                          : zipf(vocab);
            o += snprintf(text + o, sizeof text - (size_t)o, "w%u ", w);
        }
        fb = (sr_fb_opts){fb_n[rnd() % 4], fb_n[rnd() % 4], fb_w[rnd() % 4]};
        compare_w(ix, text, ks[qi % 4], wt, true);
    }
}

/* Queries with the syntax: phrases, required and excluded words, groups,
 * so that weights run through the general evaluator (sr_exec_topk). */
static void random_syntax_queries(sr_index *ix, uint32_t vocab, int n_queries, weighting wt)
{
    static const char *const shapes[] = {"+w%u w%u w%u", "w%u -w%u w%u", "\"w%u w%u\" w%u",
                                         "(w%u OR w%u) AND w%u", "w%u \"w%u w%u\"~3",
                                         "+w%u +w%u -w%u"};
    char text[256];
    for (int qi = 0; qi < n_queries; qi++) {
        uint32_t w[3];
        for (int i = 0; i < 3; i++)
            w[i] = rnd() % 3 == 0 ? rnd() % 20 : zipf(vocab);
        snprintf(text, sizeof text, shapes[qi % 6], w[0], w[1], w[2]);
        sr_fb_opts_default(&fb);
        compare_w(ix, text, qi % 2 ? 10 : 100, wt, false);
    }
}

Test(sr_prune, random_corpora_fast_paths_equal_exhaustive, .timeout = 300)
{
    static const uint64_t seeds[] = {1, 20240601, 987654321};
    for (size_t s = 0; s < 3; s++) {
        char name[32];
        snprintf(name, sizeof name, "prune_random_%zu", s);
        uint32_t vocab = s == 0 ? 50 : s == 1 ? 2000 : 20000;
        sr_index *ix = random_index(name, seeds[s], s == 0 ? 3000 : 6000, vocab);
        random_queries(ix, vocab, 300, W_PLAIN);
        sr_index_close(ix);
    }
    printf("compared %llu rankings\n", (unsigned long long)n_compared);
    /* the fast paths must actually prune: fewer documents fully scored */
    for (int a = SR_ALGO_MAXSCORE; a < SR_ALGO_COUNT; a++) {
        printf("OR %s scored %llu documents, exhaustive %llu\n", sr_algo_name((sr_algo)a),
               (unsigned long long)scored[0][a], (unsigned long long)scored[0][0]);
        cr_assert_lt(scored[0][a] * 4, scored[0][SR_ALGO_EXHAUSTIVE] * 3);
        cr_assert_lt(scored[1][a], scored[1][SR_ALGO_EXHAUSTIVE]);
    }
}

Test(sr_prune, random_corpora_weighted_and_expanded_queries_equal_exhaustive, .timeout = 300)
{
    static const uint64_t seeds[] = {7, 31337};
    for (size_t s = 0; s < 2; s++) {
        char name[32];
        snprintf(name, sizeof name, "prune_weighted_%zu", s);
        uint32_t vocab = s == 0 ? 300 : 5000;
        sr_index *ix = random_index(name, seeds[s], 5000, vocab);
        random_queries(ix, vocab, 150, W_RANDOM);
        random_queries(ix, vocab, 150, W_EXPAND);
        random_syntax_queries(ix, vocab, 60, W_RANDOM);
        random_syntax_queries(ix, vocab, 60, W_EXPAND);
        compare_like(ix, 40);
        sr_index_close(ix);
    }
    printf("compared %llu weighted and %llu expanded rankings\n", (unsigned long long)n_weighted,
           (unsigned long long)n_expanded);
    cr_assert_gt(n_weighted, 0);
    cr_assert_gt(n_expanded, 0);
}

/* ---- real data ---- */

static sr_index *build_from(const char *name, const char *input)
{
    char *dir = tu_tmpdir(name);
    char *out = tu_path(dir, "idx");
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "english", NULL, NULL, &b, &err), NS_OK);
    cr_assert_eq(ix_source_add(b, input, &err), NS_OK);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_free(b);
    sr_index *ix;
    cr_assert_eq(sr_index_open(out, &ix, &err), NS_OK);
    free(out);
    free(dir);
    return ix;
}

/* Data that is absent skips its test (reported as skipped by ctest), or
 * fails it with NS_REQUIRE_DATA=1 (CI, which has ../shared). */
#define DATA_ABSENT(...)                                                                           \
    do {                                                                                           \
        const char *req_ = getenv("NS_REQUIRE_DATA");                                              \
        if (req_ && !strcmp(req_, "1"))                                                            \
            cr_assert_fail("NS_REQUIRE_DATA=1: " __VA_ARGS__);                                     \
        cr_skip_test("SKIPPED: " __VA_ARGS__);                                                     \
    } while (0)

static const char *shared_path(const char *env, const char *rel)
{
    const char *p = getenv(env);
    return p && *p ? p : rel;
}

Test(sr_prune, cranfield_queries_fast_paths_equal_exhaustive, .timeout = 300)
{
    const char *dir = shared_path("NS_CRANFIELD", NS_TEST_SRCDIR "/../shared/eval/cranfield");
    char docs[1024], queries[1024];
    snprintf(docs, sizeof docs, "%s/docs.jsonl", dir);
    snprintf(queries, sizeof queries, "%s/queries.tsv", dir);
    FILE *f = fopen(queries, "r");
    if (!f || access(docs, R_OK) != 0) {
        if (f)
            fclose(f);
        DATA_ABSENT("no Cranfield collection at %s (set NS_CRANFIELD)", dir);
    }
    sr_index *ix = build_from("prune_cranfield", docs);
    char line[4096];
    int n = 0;
    sr_fb_opts_default(&fb);
    while (fgets(line, sizeof line, f)) {
        char *t = strchr(line, '\t');
        compare(ix, t ? t + 1 : line, n % 2 ? 10 : 1000);
        /* --expand with the defaults, as bench/cranfield.sh runs it */
        compare_w(ix, t ? t + 1 : line, n % 2 ? 10 : 1000, W_EXPAND, true);
        n++;
    }
    fclose(f);
    cr_assert_eq(n, 225);
    cr_assert_eq(n_expanded, 2 * 225 * 2); /* two algorithms, OR and AND */
    sr_index_close(ix);
}

Test(sr_prune, reuters_title_queries_fast_paths_equal_exhaustive, .timeout = 300)
{
    const char *path = shared_path("NS_REUTERS", NS_TEST_SRCDIR "/../shared/corpora/reuters21578.jsonl");
    if (access(path, R_OK) != 0)
        DATA_ABSENT("no Reuters corpus at %s (set NS_REUTERS)", path);
    sr_index *ix = build_from("prune_reuters", path);
    /* queries: 1-4 words from the titles of every 40th document */
    rng_state = 42;
    int n = 0;
    for (uint32_t d = 0; d < ix->n_docs && n < 400; d += 40) {
        sr_doc doc;
        ns_err err;
        cr_assert_eq(sr_index_doc(ix, d, &doc, &err), NS_OK);
        char title[512];
        snprintf(title, sizeof title, "%.*s", (int)doc.len[NS_FIELD_TITLE], doc.f[NS_FIELD_TITLE]);
        char *words[64];
        int nw = 0;
        for (char *w = strtok(title, " ,.-/()\"'"); w && nw < 64; w = strtok(NULL, " ,.-/()\"'"))
            words[nw++] = w;
        if (!nw)
            continue;
        char q[512] = "";
        int len = 1 + (int)(rnd() % 4);
        for (int i = 0; i < len; i++) {
            strcat(q, words[rnd() % (uint32_t)nw]);
            strcat(q, " ");
        }
        compare(ix, q, n % 2 ? 10 : 1000);
        n++;
    }
    cr_assert_gt(n, 300);
    sr_index_close(ix);
}
