/* nsearch --all and --algo from the command line, on a generated corpus of
 * 3,000 documents large enough that pruning skips work (k below the number
 * of hits): every --algo prints byte for byte what --algo exhaustive prints,
 * OR and AND, k = 5 and 10; --all returns exactly the documents holding
 * every word (checked against the corpus as generated); and --stats shows
 * that maxscore and bmw scored fewer documents than exhaustive. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tutil.h"

#define TIMEOUT_S 60
#define N_DOCS 3000
#define N_VOCAB 120
#define N_QUERIES 40

/* Vocabulary word w: "kq", a letter and a digit: unchanged by stemming
 * and folding, so the documents holding it are known here. */
static void word(unsigned w, char out[5])
{
    out[0] = 'k';
    out[1] = 'q';
    out[2] = (char)('a' + w / 10);
    out[3] = (char)('0' + w % 10);
    out[4] = 0;
}

/* has[d][w]: document d holds word w. */
static unsigned char has[N_DOCS][N_VOCAB];
static unsigned queries[N_QUERIES][3], q_len[N_QUERIES];

#include "tcli.h"

static char *dir, *idx, *qfile;

static void setup(void)
{
    dir = tu_tmpdir("algo");
    char *corpus = tu_path(dir, "c.jsonl");
    FILE *f = fopen(corpus, "w");
    cr_assert_not_null(f);
    uint32_t rng = 0xa190u;
    memset(has, 0, sizeof has);
    for (unsigned d = 0; d < N_DOCS; d++) {
        fprintf(f, "{\"id\":\"d%u\",\"title\":\"t\",\"body\":\"", d);
        unsigned n = 10 + tu_rng_next(&rng) % 70;
        for (unsigned i = 0; i < n; i++) {
            uint32_t r = tu_rng_next(&rng) % N_VOCAB;
            unsigned w = (unsigned)(r * r / N_VOCAB); /* skewed towards small w */
            char s[5];
            word(w, s);
            fprintf(f, "%s%s", i ? " " : "", s);
            has[d][w] = 1;
        }
        fputs("\"}\n", f);
    }
    cr_assert_eq(fclose(f), 0);
    idx = tu_path(dir, "idx");
    tu_out o = tc_runv(NULL, TIMEOUT_S, NS_TEST_NINDEX, "-q", "-o", idx, corpus, (const char *)NULL);
    cr_assert_eq(o.status, 0, "nindex: %s", o.err);
    tu_out_free(&o);
    free(corpus);
    /* queries of 1-3 words: a frequent one with rarer ones */
    qfile = tu_path(dir, "q.tsv");
    f = fopen(qfile, "w");
    for (unsigned q = 0; q < N_QUERIES; q++) {
        q_len[q] = 1 + q % 3;
        fprintf(f, "q%u\t", q);
        for (unsigned i = 0; i < q_len[q]; i++) {
            queries[q][i] = i == 0 ? tu_rng_next(&rng) % 10 : tu_rng_next(&rng) % 30;
            char s[5];
            word(queries[q][i], s);
            fprintf(f, "%s%s", i ? " " : "", s);
        }
        fputc('\n', f);
    }
    cr_assert_eq(fclose(f), 0);
}

static void teardown(void)
{
    free(qfile);
    free(idx);
    free(dir);
}

TestSuite(cli_algo, .init = setup, .fini = teardown, .timeout = 300);

/* Sums the --stats lines of stderr. */
static void sum_stats(const char *err, unsigned long long *decoded, unsigned long long *scored)
{
    *decoded = *scored = 0;
    unsigned n = 0;
    for (const char *p = err; (p = strstr(p, "nsearch: stats: ")) != NULL; p++, n++) {
        unsigned long long d, s;
        cr_assert_eq(sscanf(p, "nsearch: stats: postings_decoded=%llu docs_scored=%llu", &d, &s),
                     2, "stats line: %.80s", p);
        *decoded += d;
        *scored += s;
    }
    cr_assert_eq(n, N_QUERIES, "%u stats lines for %u queries", n, N_QUERIES);
}

Test(cli_algo, every_algo_prints_what_exhaustive_prints)
{
    const char *algos[] = {"maxscore", "bmw"};
    const char *ks[] = {"5", "10"};
    for (int all = 0; all < 2; all++) {
        for (size_t ki = 0; ki < 2; ki++) {
            tu_out ref = all ? NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k",
                                       ks[ki], "--algo", "exhaustive", "--all", "--stats")
                             : NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k",
                                       ks[ki], "--algo", "exhaustive", "--stats");
            cr_assert_eq(ref.status, 0, "exhaustive: %s", ref.err);
            unsigned long long ref_dec, ref_sc;
            sum_stats(ref.err, &ref_dec, &ref_sc);
            for (size_t a = 0; a < 2; a++) {
                tu_out o = all ? NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k",
                                         ks[ki], "--algo", algos[a], "--all", "--stats")
                               : NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k",
                                         ks[ki], "--algo", algos[a], "--stats");
                cr_assert_eq(o.status, 0, "%s: %s", algos[a], o.err);
                cr_assert_str_eq(o.out, ref.out, "--algo %s%s -k %s differs from exhaustive",
                                 algos[a], all ? " --all" : "", ks[ki]);
                unsigned long long dec, sc;
                sum_stats(o.err, &dec, &sc);
                /* pruning skipped work: fewer documents fully scored */
                cr_assert_lt(sc, ref_sc, "--algo %s%s -k %s scored %llu documents, exhaustive %llu",
                             algos[a], all ? " --all" : "", ks[ki], sc, ref_sc);
                cr_assert_leq(dec, ref_dec);
                tu_out_free(&o);
            }
            /* the default is maxscore */
            tu_out d = all ? NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k",
                                     ks[ki], "--all")
                           : NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k",
                                     ks[ki]);
            cr_assert_str_eq(d.out, ref.out);
            cr_assert_str_eq(d.err, "", "stderr without --stats: %s", d.err);
            tu_out_free(&d);
            tu_out_free(&ref);
        }
    }
}

/* got[q][d]: TREC output `out` holds the hit "qQ Q0 dD ..." (read once). */
static unsigned char got[N_QUERIES][N_DOCS];

static void read_hits(const char *out)
{
    memset(got, 0, sizeof got);
    for (const char *p = out; *p;) {
        unsigned q, d;
        cr_assert_eq(sscanf(p, "q%u Q0 d%u ", &q, &d), 2, "TREC line: %.60s", p);
        cr_assert(q < N_QUERIES && d < N_DOCS);
        cr_assert_eq(got[q][d], 0, "q%u d%u twice", q, d);
        got[q][d] = 1;
        p += strcspn(p, "\n");
        if (*p)
            p++;
    }
}

Test(cli_algo, all_returns_exactly_the_documents_with_every_word)
{
    const char *algos[] = {"exhaustive", "maxscore", "bmw"};
    for (size_t a = 0; a < 3; a++) {
        tu_out o = NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k", "100000",
                           "--all", "--algo", algos[a]);
        cr_assert_eq(o.status, 0, "%s: %s", algos[a], o.err);
        read_hits(o.out);
        unsigned n_multi = 0;
        for (unsigned q = 0; q < N_QUERIES; q++) {
            unsigned want = 0, any = 0;
            for (unsigned d = 0; d < N_DOCS; d++) {
                int every = 1, some = 0;
                for (unsigned i = 0; i < q_len[q]; i++) {
                    every &= has[d][queries[q][i]];
                    some |= has[d][queries[q][i]];
                }
                want += (unsigned)every;
                any += (unsigned)some;
                cr_assert_eq(got[q][d], every, "--algo %s --all: q%u d%u: %s",
                             algos[a], q, d, every ? "missing" : "has not every word");
            }
            if (want < any)
                n_multi++;
        }
        /* the check is not vacuous: AND and OR differ on most queries */
        cr_assert_gt(n_multi, N_QUERIES / 2);
        tu_out_free(&o);
    }
}

Test(cli_algo, k_is_below_the_hits)
{
    /* every query has more hits than k = 10, so the top k had to be chosen */
    tu_out o = NSEARCH("-i", idx, "--queries", qfile, "--format", "trec", "-k", "11", "--all");
    cr_assert_eq(o.status, 0);
    for (unsigned q = 0; q < N_QUERIES; q++) {
        char key[32];
        snprintf(key, sizeof key, "q%u Q0 ", q);
        unsigned n = 0;
        for (const char *p = o.out; (p = strstr(p, key)) != NULL; p++)
            if (p == o.out || p[-1] == '\n')
                n++;
        cr_assert_eq(n, 11, "q%u: %u AND hits, want more than 10", q, n);
    }
    tu_out_free(&o);
}
