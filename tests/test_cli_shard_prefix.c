/* Shards (README "Shards") and prefixes that match more terms than one
 * query searches (SR_QUERY_MAX_EXPANSIONS, 1,024): the single index keeps
 * the 1,024 most frequent of all its terms with the prefix; a shard set
 * must keep exactly those, each shard its share (lib/nsearch_prefix.c).
 *
 * - Over a generated corpus whose prefix "zq" matches about 2,100 terms
 *   (and "zx" several hundred) of varied document frequencies, with many
 *   ties (so the 1,024th term's df is shared and the term decides), for 2,
 *   3 and 7 shards (2: each shard has over 1,024 of them; 7: none has, the
 *   set has), the single index made by nindex, the shards by the library
 *   (nsearch_builder, nsearch_shards_merge, as nindex does): the TREC
 *   run (OR and AND) and the JSON hits with snippets of queries using the
 *   prefixes (alone, with other words, next to a phrase, excluded,
 *   required, in a title: scope, two capped prefixes and an uncapped one
 *   in one query) are byte for byte the single index's, and so are the
 *   notes on standard error; --show-query gives the set's count of terms;
 * - in process, one reader per shard (what nsearch-mpi does on each rank):
 *   each shard's candidates (nsearch_reader_prefix_candidates) merged into
 *   cuts (nsearch_prefix_cuts_merge) and searched with them
 *   (nsearch_search_opts.prefix_cuts) give, merged, the single index's
 *   hits, scores and notes; malformed bytes are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsearch.h"
#include "tutil.h"

#define TIMEOUT_S 120
#define N_DOCS 700

#include "tcli.h"

/* "zq" + 3-5 letters for w < 3000, "zx" + 3 letters after: one word per
 * number, none a stem of another (no English suffix). */
static void word(unsigned w, char out[8])
{
    unsigned v = w < 3000 ? w : w - 3000;
    out[0] = 'z';
    out[1] = w < 3000 ? 'q' : 'x';
    int i = 2;
    out[i++] = (char)('b' + v % 20);
    v /= 20;
    out[i++] = (char)('b' + v % 20);
    v /= 20;
    out[i++] = (char)('k' + v % 10);
    for (unsigned extra = w % 3; extra > 0; extra--)
        out[i++] = 'o';
    out[i] = 0;
}

static const char *const common_words[] = {"alpha", "beta", "gamma", "delta", "omega"};

/* Each document: a title of 2 words and a body of 10-30, zq and zx words
 * drawn with a skewed distribution (few frequent, many of df 1 or 2) and
 * common words between; every 8th only common words and one rare zq word. */
static void gen(const char *corpus, uint32_t seed)
{
    FILE *f = fopen(corpus, "w");
    cr_assert_not_null(f);
    uint32_t rng = seed;
    for (unsigned d = 0; d < N_DOCS; d++) {
        fprintf(f, "{\"id\":\"p%u\",\"title\":\"", d);
        if (d % 8 == 7) { /* common words and one rare zq word: what -zq* keeps or not */
            char w[8];
            word(2000 + tu_rng_next(&rng) % 1000, w);
            fprintf(f, "%s beta\",\"body\":\"alpha %s gamma\"}\n",
                    common_words[d % 5], w);
            continue;
        }
        unsigned n = 10 + tu_rng_next(&rng) % 20;
        for (unsigned i = 0; i < n + 2; i++) {
            uint32_t r = tu_rng_next(&rng);
            char w[8];
            if (r % 5 == 0) {
                fprintf(f, "%s%s", i == 0 || i == 2 ? "" : " ", common_words[(r >> 8) % 5]);
            } else {
                uint32_t x = (r >> 4) % 3000, pick = x * x / 3000; /* skewed */
                if (r % 3 == 0)
                    pick = 3000 + pick / 2; /* a zx word */
                word(pick, w);
                fprintf(f, "%s%s", i == 0 || i == 2 ? "" : " ", w);
            }
            if (i == 1)
                fputs("\",\"body\":\"", f);
        }
        fputs("\"}\n", f);
    }
    cr_assert_eq(fclose(f), 0);
}

static const char *const queries[] = {
    "zq*",
    "zq* alpha",
    "\"alpha beta\" zq*",
    "alpha -zq*",
    "+zq* gamma",
    "title:zq* delta",
    "zq* zx* zqbb*",
    "(zq* OR omega) AND beta",
    "zx*",
};
#define N_Q (sizeof queries / sizeof *queries)

static void write_queries(const char *qfile)
{
    FILE *f = fopen(qfile, "w");
    cr_assert_not_null(f);
    for (size_t i = 0; i < N_Q; i++)
        fprintf(f, "x%zu\t%s\n", i, queries[i]);
    cr_assert_eq(fclose(f), 0);
}

/* Builds shard i of n of corpus into dir/s<n>-<i> (out[i]) through the
 * library, as nindex --shard i/n does, and merges the set's statistics. */
static void build_set(const char *dir, const char *corpus, unsigned n, char **out)
{
    nsearch_error err;
    for (unsigned i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%u-%u", n, i);
        out[i] = tu_path(dir, name);
        nsearch_builder_opts bo;
        nsearch_builder_opts_init(&bo);
        bo.shard = i;
        bo.n_shards = n;
        nsearch_builder *b;
        cr_assert_eq(nsearch_builder_new(out[i], &bo, &b, &err), NSEARCH_OK, "%s", err.message);
        cr_assert_eq(nsearch_builder_add_path(b, corpus, &err), NSEARCH_OK, "%s", err.message);
        cr_assert_eq(nsearch_builder_commit(b, &err), NSEARCH_OK, "%s", err.message);
        nsearch_builder_free(b);
    }
    cr_assert_eq(nsearch_shards_merge((const char *const *)out, n, &err), NSEARCH_OK, "%s",
                 err.message);
}

/* nsearch -i dirs[0] ... -i dirs[n - 1], then the arguments extra. */
static tu_out search(char **dirs, unsigned n, const char *const *extra)
{
    char *argv[48] = {NS_TEST_NSEARCH};
    for (unsigned i = 0; i < 2 * n; i++)
        argv[1 + i] = i % 2 ? dirs[i / 2] : "-i";
    for (size_t e = 0; extra[e]; e++)
        argv[1 + 2 * n + e] = (char *)extra[e];
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    return o;
}

/* TREC OR and AND, JSON with snippets: stdout and stderr the single's. */
static void same_runs(char *single, char **set, unsigned n, const char *qfile)
{
    const char *const runs[][8] = {
        {"--queries", qfile, "--format", "trec", "-k", "100", NULL},
        {"--queries", qfile, "--format", "trec", "-k", "100", "--all", NULL},
        {"--queries", qfile, "--json", "-k", "5", NULL},
    };
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        tu_out ref = search(&single, 1, runs[r]), got = search(set, n, runs[r]);
        cr_assert_eq(got.status, ref.status, "%u shards: %s", n, got.err);
        cr_assert(strlen(ref.out) > 1000, "too few hits to compare");
        cr_assert(strstr(ref.err, "'zq*' matches more than 1024 terms; searching the 1024 most "
                                  "frequent (the limit)"),
                  "the prefix is not capped: %s", ref.err);
        cr_assert_str_eq(got.out, ref.out, "%u shards, run %zu: the hits differ", n, r);
        cr_assert_str_eq(got.err, ref.err, "%u shards, run %zu: the notes differ", n, r);
        tu_out_free(&ref);
        tu_out_free(&got);
    }
}

/* One reader per shard, as on MPI ranks: first search, candidates, cuts,
 * second search; the hits merged by score then document are the single
 * index's, and shard 0's notes are its notes. */
static void same_by_cuts(const char *single, char **set, unsigned n)
{
    nsearch_error err;
    nsearch_index *one, *ix[8];
    nsearch_reader *r1, *r[8];
    cr_assert_eq(nsearch_index_open(single, &one, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_reader_new(one, &r1, &err), NSEARCH_OK, "%s", err.message);
    for (unsigned i = 0; i < n; i++) {
        cr_assert_eq(nsearch_index_open(set[i], &ix[i], &err), NSEARCH_OK, "%s", err.message);
        cr_assert_eq(nsearch_reader_new(ix[i], &r[i], &err), NSEARCH_OK, "%s", err.message);
    }
    enum { K = 50 };
    size_t n_cut = 0;
    for (size_t q = 0; q < N_Q; q++) {
        const char *text = queries[q];
        nsearch_search_opts so;
        nsearch_search_opts_init(&so);
        cr_assert_null(so.prefix_cuts);
        so.k = K;
        nsearch_results ref, res;
        cr_assert_eq(nsearch_reader_search(r1, text, strlen(text), &so, &ref, &err), NSEARCH_OK);
        void *cand[8];
        size_t cand_len[8];
        so.k = q % 2 ? 0 : K; /* the first pass may only parse (k 0, no count) */
        for (unsigned i = 0; i < n; i++) {
            cr_assert_eq(nsearch_reader_search(r[i], text, strlen(text), &so, &res, &err),
                         NSEARCH_OK, "%s", err.message);
            cr_assert_eq(nsearch_reader_prefix_candidates(r[i], &cand[i], &cand_len[i], &err),
                         NSEARCH_OK, "%s", err.message);
        }
        void *cuts;
        size_t cuts_len;
        cr_assert_eq(nsearch_prefix_cuts_merge((const void *const *)cand, cand_len, n, &cuts,
                                               &cuts_len, &err),
                     NSEARCH_OK, "%s", err.message);
        cr_assert_eq(cuts == NULL, cuts_len == 0);
        n_cut += cuts_len > 0;
        so.k = K;
        so.prefix_cuts = cuts;
        so.prefix_cuts_len = cuts_len;
        nsearch_hit all[8 * K];
        size_t got = 0;
        for (unsigned i = 0; i < n; i++) {
            cr_assert_eq(nsearch_reader_search(r[i], text, strlen(text), &so, &res, &err),
                         NSEARCH_OK, "%s", err.message);
            if (i == 0)
                cr_assert_str_eq(res.notes, ref.notes, "'%s': the notes differ", text);
            memcpy(all + got, res.hits, res.n * sizeof *res.hits);
            got += res.n;
        }
        for (size_t a = 1; a < got; a++) /* by score, then document */
            for (size_t b = a; b > 0 && (all[b].score > all[b - 1].score ||
                                         (all[b].score == all[b - 1].score &&
                                          all[b].doc < all[b - 1].doc));
                 b--) {
                nsearch_hit t = all[b];
                all[b] = all[b - 1];
                all[b - 1] = t;
            }
        cr_assert_geq(got, ref.n);
        cr_assert_gt(ref.n, 0, "'%s' finds nothing", text);
        for (size_t h = 0; h < ref.n; h++) {
            cr_assert_eq(all[h].doc, ref.hits[h].doc, "'%s' hit %zu: document %u, want %u", text,
                         h, all[h].doc, ref.hits[h].doc);
            cr_assert(all[h].score == ref.hits[h].score, "'%s' hit %zu: score %.17g, want %.17g",
                      text, h, all[h].score, ref.hits[h].score);
        }
        for (unsigned i = 0; i < n; i++)
            nsearch_free(cand[i]);
        nsearch_free(cuts);
    }
    cr_assert_geq(n_cut, 8, "the capped queries got no cuts");
    for (unsigned i = 0; i < n; i++) {
        nsearch_reader_free(r[i]);
        nsearch_index_close(ix[i]);
    }
    nsearch_reader_free(r1);
    nsearch_index_close(one);
}

/* The terms prefix* matches in the index of dirs[0..n), as --show-query
 * --json says (a shard alone: its own). */
static unsigned long n_terms(char **dirs, unsigned n, const char *prefix)
{
    const char *const extra[] = {"--show-query", "--json", prefix, NULL};
    tu_out o = search(dirs, n, extra);
    cr_assert_eq(o.status, 0, "%s", o.err);
    const char *x = strstr(o.out, "\"expansions\":");
    cr_assert_not_null(x, "%s", o.out);
    unsigned long terms = strtoul(x + 13, NULL, 10);
    tu_out_free(&o);
    return terms;
}

Test(cli_shard_prefix, capped_prefixes_rank_as_one_index, .timeout = TIMEOUT_S)
{
    char *dir = tu_tmpdir("capped");
    char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv");
    gen(corpus, 0x9e3779b9u);
    write_queries(qfile);
    char *single = tu_path(dir, "single");
    tu_out o = NINDEX("-q", "-o", single, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    /* over a cap of 1,024 in the set, and not in any of 7 shards alone */
    unsigned long total = n_terms(&single, 1, "zq*"), zx = n_terms(&single, 1, "zx*");
    cr_assert(total > 2 * 1024 && total < 7 * 1024, "zq* matches %lu terms", total);
    cr_assert_gt(zx, 1024, "zx* matches %lu terms", zx);
#ifdef NS_TEST_SANITIZE
    static const unsigned counts[] = {2, 7}; /* CI's time; every count in the normal build */
#else
    static const unsigned counts[] = {2, 3, 7};
#endif
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        unsigned n = counts[c];
        char *set[8];
        build_set(dir, corpus, n, set);
        for (unsigned i = 0; i < n; i++) { /* 2: each shard capped alone; 7: none */
            unsigned long own = n_terms(&set[i], 1, "zq*");
            cr_assert(n == 7 ? own < 1024 : n == 2 ? own > 1024 : 1,
                      "shard %u of %u: zq* matches %lu terms", i, n, own);
        }
        /* --show-query gives the set's count */
        cr_assert_eq(n_terms(set, n, "zq*"), total, "%u shards", n);
        cr_assert_eq(n_terms(set, n, "alpha +zx*"), zx, "%u shards", n);
        same_runs(single, set, n, qfile);
        same_by_cuts(single, set, n);
        for (unsigned i = 0; i < n; i++)
            free(set[i]); /* the directories go with dir */
    }
    tu_rmrf(dir);
    free(single);
    free(qfile);
    free(corpus);
    free(dir);
}

Test(cli_shard_prefix, malformed_bytes_are_refused, .timeout = TIMEOUT_S)
{
    nsearch_error err;
    void *out = (void *)1;
    size_t len = 1;
    static const unsigned char junk[] = "NSPX\1\0\0\0\1\0\0\0\0";
    const void *c[] = {junk};
    size_t cl[] = {sizeof junk - 1};
    cr_assert_eq(nsearch_prefix_cuts_merge(c, cl, 1, &out, &len, &err), NSEARCH_E_ARG);
    cr_assert_null(out);
    cr_assert(strstr(err.message, "malformed"), "%s", err.message);
    cr_assert_eq(nsearch_prefix_cuts_merge(c, cl, 0, &out, &len, &err), NSEARCH_E_ARG);
    /* no records: no cut */
    static const unsigned char none[] = "NSPX\1\0\0\0\0\0\0\0";
    c[0] = none;
    cl[0] = sizeof none - 1;
    cr_assert_eq(nsearch_prefix_cuts_merge(c, cl, 1, &out, &len, &err), NSEARCH_OK, "%s",
                 err.message);
    cr_assert_null(out);
    cr_assert_eq(len, 0);
    /* cuts that are not cuts, given to a search */
    char *dir = tu_tmpdir("malformed");
    char *corpus = tu_path(dir, "c.jsonl"), *idx = tu_path(dir, "idx");
    cr_assert_eq(tu_write_file(corpus, "{\"id\":\"a\",\"body\":\"zqab\"}\n", 26), 0);
    tu_out o = NINDEX("-q", "-o", idx, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    nsearch_index *ix;
    nsearch_reader *r;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_reader_new(ix, &r, &err), NSEARCH_OK, "%s", err.message);
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    so.prefix_cuts = junk;
    so.prefix_cuts_len = sizeof junk - 1;
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "zq*", 3, &so, &res, &err), NSEARCH_E_ARG);
    cr_assert(strstr(err.message, "malformed"), "%s", err.message);
    so.prefix_cuts = NULL;
    so.prefix_cuts_len = 0;
    cr_assert_eq(nsearch_reader_search(r, "zq*", 3, &so, &res, &err), NSEARCH_OK, "%s",
                 err.message);
    cr_assert_eq(res.n, 1);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    tu_rmrf(dir);
    free(corpus);
    free(idx);
    free(dir);
}
