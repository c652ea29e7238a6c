/* The pruning algorithms (MaxScore, Block-Max WAND, leapfrog AND) against
 * the exhaustive reference: the same documents, in the same order, with the
 * same scores, for every query, on random corpora and on real data
 * (Cranfield with its 225 queries, Reuters-21578 with queries from its
 * titles) when ../shared has them.  Scores are compared with ==: the fast
 * paths must give bit-identical scores, not close ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ix_source.h"
#include "ns_buf.h"
#include "ns_docrec.h"
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

/* Compares every algorithm with the reference for one query text. */
static void compare(sr_index *ix, const char *text, size_t k)
{
    ns_err err;
    static sr_hit ref[1000], got[1000];
    for (int mode = 0; mode < 2; mode++) {
        size_t nr, ng;
        sr_rank_stats st;
        sr_query q;
        sr_query_opts qo = {mode == 1, true}; /* --all; the words as they are */
        cr_assert_eq(sr_query_parse_opts(ix, text, strlen(text), &qo, &q, &err), NS_OK);
        cr_assert_eq(sr_rank(ix, &q, SR_ALGO_EXHAUSTIVE, k, ref, &nr, &st, &err), NS_OK);
        scored[mode][SR_ALGO_EXHAUSTIVE] += st.docs_scored;
        for (int a = SR_ALGO_MAXSCORE; a < SR_ALGO_COUNT; a++) {
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
        }
        sr_query_release(&q);
    }
}

static void random_queries(sr_index *ix, uint32_t vocab, int n_queries)
{
    static const size_t ks[] = {1, 10, 100, 1000};
    char text[256];
    for (int qi = 0; qi < n_queries; qi++) {
        int len = 1 + (int)(rnd() % 5), o = 0;
        for (int i = 0; i < len; i++) {
            uint32_t w = rnd() % 10 == 0 ? vocab + rnd() % 50 /* absent */
                         : rnd() % 3 == 0 ? rnd() % 20      /* frequent */
                                          : zipf(vocab);
            o += snprintf(text + o, sizeof text - (size_t)o, "w%u ", w);
        }
        compare(ix, text, ks[qi % 4]);
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
        random_queries(ix, vocab, 300);
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
    while (fgets(line, sizeof line, f)) {
        char *t = strchr(line, '\t');
        compare(ix, t ? t + 1 : line, n % 2 ? 10 : 1000);
        n++;
    }
    fclose(f);
    cr_assert_eq(n, 225);
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
