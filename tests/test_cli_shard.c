/* Shards (README "Shards"): nindex --shard I/N and --merge-stats, and
 * nsearch -i S0 -i S1 ...
 *
 * - Over a generated corpus (skewed vocabulary, duplicate ids, documents
 *   without words, documents of identical text, so that scores tie) and
 *   Reuters-21578 when present: for 1, 2, 3, 4 and 7 shards, the TREC run
 *   of a seeded query log (terms, phrases, prefixes, exclusions, fields,
 *   boolean operators) is byte for byte the single index's, OR and AND,
 *   every algorithm, and JSON with snippets too; so are --expand (RM3:
 *   defaults and others, with the feedback documents and terms --stats
 *   reports) and --like for several documents (a tie, a duplicate id, one
 *   with nothing to search for), TREC and JSON, every algorithm; and
 *   --expand of prefixes whose terms some shards lack;
 * - the merged statistics equal the single index's: documents, tokens,
 *   terms, every term's df, and each shard document's ordinal names the
 *   single index's document of the same id;
 * - one shard merged alone is the single index byte for byte (the rewrite
 *   under the set's average length changes nothing when it is the same);
 * - a set with a shard missing, repeated, unmerged or of another set is
 *   refused with a message naming it (exit 2), by nsearch and by
 *   --merge-stats; --check finds a damaged set statistic;
 * - the scheduler contract of --shard auto (Slurm arrays, Kubernetes
 *   indexed jobs) and bad --shard values. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ns_endian.h"
#include "ns_format.h"
#include "ns_rec.h"
#include "sr_cursor.h"
#include "sr_index.h"
#include "tutil.h"

#define TIMEOUT_S 300
#define N_DOCS 2500
#define N_VOCAB 150
#define N_QUERIES 60
#define FB_QUERIES 20 /* of Reuters' log, with --expand */

#include "tcli.h"

static void word(unsigned w, char out[5])
{
    out[0] = 'k';
    out[1] = 'q';
    out[2] = (char)('a' + w / 10);
    out[3] = (char)('0' + w % 10);
    out[4] = 0;
}

/* Writes the generated corpus and its query log into dir.  rare: each
 * document's body ends with 1-3 words of a vocabulary of 700 (zr0 ...),
 * each in a few documents, which RM3 can take (every kq word is in more
 * than 10 % of the documents); a copy has its original's. */
static void gen_words(const char *corpus, const char *qfile, uint32_t seed, int rare)
{
    FILE *f = fopen(corpus, "w");
    cr_assert_not_null(f);
    uint32_t rng = seed;
    for (unsigned d = 0; d < N_DOCS; d++) {
        /* every 40th repeats an earlier id (the later wins); every 97th has
         * no words; every 31st copies the text of the one before (ties) */
        unsigned id = d % 40 == 39 ? d - 17 : d;
        fprintf(f, "{\"id\":\"d%u\",\"title\":\"", id);
        if (d % 97 == 96) {
            fputs("\",\"body\":\"...\"}\n", f);
            continue;
        }
        uint32_t keep = rng;
        if (d % 31 == 30)
            rng = seed + d - 1; /* the same stream as some document: same words */
        uint32_t rr = (rng ^ 0xa5a5a5a5u) | 1; /* the rare words' own stream */
        unsigned nt = 1 + tu_rng_next(&rng) % 4, n = 5 + tu_rng_next(&rng) % 90;
        for (unsigned i = 0; i < nt + n; i++) {
            uint32_t r = tu_rng_next(&rng) % N_VOCAB;
            char s[5];
            word((unsigned)(r * r / N_VOCAB), s);
            fprintf(f, "%s%s", i == 0 || i == nt ? "" : " ", s);
            if (i == nt - 1)
                fputs("\",\"body\":\"", f);
        }
        for (unsigned i = 0, nr = rare ? 1 + tu_rng_next(&rr) % 3 : 0; i < nr; i++)
            fprintf(f, " zr%u", tu_rng_next(&rr) % 700);
        fputs("\"}\n", f);
        if (d % 31 == 30)
            rng = keep;
        else if (d % 31 == 29)
            tu_rng_next(&rng);
    }
    cr_assert_eq(fclose(f), 0);
    f = fopen(qfile, "w");
    cr_assert_not_null(f);
    for (unsigned q = 0; q < N_QUERIES; q++) {
        char a[5], b[5], c[5];
        word(tu_rng_next(&rng) % 12, a);
        word(tu_rng_next(&rng) % 40, b);
        word(tu_rng_next(&rng) % 90, c);
        switch (q % 8) {
        case 0: fprintf(f, "q%u\t%s\n", q, a); break;
        case 1: fprintf(f, "q%u\t%s %s\n", q, a, b); break;
        case 2: fprintf(f, "q%u\t%s %s %s\n", q, a, b, c); break;
        case 3: fprintf(f, "q%u\t\"%s %s\"\n", q, a, b); break;
        case 4: fprintf(f, "q%u\t%.3s* %s\n", q, b, c); break;
        case 5: fprintf(f, "q%u\t%s -%s\n", q, b, a); break;
        case 6: fprintf(f, "q%u\ttitle:%s %s\n", q, a, c); break;
        default: fprintf(f, "q%u\t(%s OR %s) AND %s\n", q, a, b, c); break;
        }
    }
    cr_assert_eq(fclose(f), 0);
}

static void gen(const char *corpus, const char *qfile, uint32_t seed)
{
    gen_words(corpus, qfile, seed, 0);
}

/* Builds shard i of n of corpus into dir/s<n>-<i>; the names into out. */
static void build_set(const char *dir, const char *corpus, unsigned n, char **out)
{
    for (unsigned i = 0; i < n; i++) {
        char name[32], spec[32];
        snprintf(name, sizeof name, "s%u-%u", n, i);
        snprintf(spec, sizeof spec, "%u/%u", i, n);
        out[i] = tu_path(dir, name);
        tu_out o = NINDEX("-q", "-j", "2", "--shard", spec, "-o", out[i], corpus);
        cr_assert_eq(o.status, 0, "nindex --shard %s: %s", spec, o.err);
        tu_out_free(&o);
    }
    char *argv[16] = {NS_TEST_NINDEX, "-q", "--merge-stats"};
    for (unsigned i = 0; i < n; i++)
        argv[3 + i] = out[i];
    argv[3 + n] = NULL;
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    cr_assert_eq(o.status, 0, "nindex --merge-stats: %s", o.err);
    tu_out_free(&o);
}

/* nsearch over dirs[0..n) (in the order given) with the extra arguments. */
static tu_out search(char **dirs, unsigned n, const char *const *extra)
{
    char *argv[48] = {NS_TEST_NSEARCH};
    int k = 1;
    for (unsigned i = 0; i < n; i++) {
        argv[k++] = "-i";
        argv[k++] = dirs[(i * 5 + 3) % n]; /* not in shard order */
    }
    for (; *extra; extra++)
        argv[k++] = (char *)*extra;
    argv[k] = NULL;
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    return o;
}

/* Every algorithm, OR and AND, TREC at k 10 and 100, and JSON with
 * snippets: the set prints what the single index prints. */
static void same_runs(char *single, char **set, unsigned n, const char *qfile, int json)
{
    static const char *const algos[] = {"maxscore", "bmw", "exhaustive"};
    for (int all = 0; all < 2; all++) {
        for (int a = 0; a < 3; a++) {
            for (int deep = 0; deep < 2; deep++) {
                const char *extra[] = {"--queries", qfile, "--format", "trec", "-k",
                                       deep ? "100" : "10", "--algo", algos[a],
                                       all ? "--all" : NULL, NULL};
                tu_out ref = search(&single, 1, extra), got = search(set, n, extra);
                cr_assert_eq(got.status, ref.status, "%u shards: %s", n, got.err);
                cr_assert(strlen(ref.out) > 1000, "too few hits to compare");
                cr_assert_str_eq(got.out, ref.out, "%u shards, --algo %s%s -k %s differ", n,
                                 algos[a], all ? " --all" : "", deep ? "100" : "10");
                tu_out_free(&ref);
                tu_out_free(&got);
            }
        }
    }
    if (json) {
        const char *extra[] = {"--queries", qfile, "--json", "-k", "5", NULL};
        tu_out ref = search(&single, 1, extra), got = search(set, n, extra);
        cr_assert_str_eq(got.out, ref.out, "%u shards: JSON hits with snippets differ", n);
        tu_out_free(&ref);
        tu_out_free(&got);
    }
}

/* The set's statistics, as each merged shard holds them, are the single
 * index's; each shard document is the single index's document at its
 * ordinal. */
static void same_stats(const char *single, char **set, unsigned n)
{
    sr_index *one;
    ns_err e;
    cr_assert_eq(sr_index_open(single, &one, &e), NS_OK, "%s", e.msg);
    uint64_t terms_seen = 0;
    for (unsigned i = 0; i < n; i++) {
        sr_index *s;
        cr_assert_eq(sr_index_open(set[i], &s, &e), NS_OK, "%s", e.msg);
        cr_assert_eq(s->shard, i);
        cr_assert_eq(s->n_shards, n);
        cr_assert_neq(s->set_id, 0);
        cr_assert_eq(s->set_live, one->n_live);
        cr_assert_eq(s->set_tokens, one->total_tokens);
        cr_assert_eq(s->set_terms, one->n_terms);
        cr_assert_eq(s->n_input, one->n_docs);
        cr_assert_eq(s->avgdl, one->avgdl);
        cr_assert_eq(s->bm25_n, (double)one->n_live);
        sr_dict_iter it;
        sr_dict_iter_init(&it);
        sr_term_info ti, oi;
        int r;
        while ((r = sr_dict_iter_next(s, &it, &ti, &e)) == 1) {
            bool found;
            cr_assert_eq(sr_index_lookup(one, it.term, it.term_len, &found, &oi, &e), NS_OK);
            cr_assert(found, "'%s' is in shard %u, not in the single index", it.term, i);
            cr_assert_eq(ti.gdf, oi.df, "'%s': df %u in the set, %u in the single index", it.term,
                         ti.gdf, oi.df);
            if (ti.df > 1 && it.term[0] != 0x1f) {
                /* the term's bound is its best posting under the set's avgdl */
                sr_cursor c;
                sr_cursor_init(&c, s, &ti, 1.0, 1.0);
                double best = 0;
                for (; c.doc != SR_DOC_END; sr_cursor_next(&c)) {
                    double w = ns_bm25_tf(sr_cursor_freq(&c), sr_index_doclen(s, c.doc), s->avgdl);
                    best = w > best ? w : best;
                }
                cr_assert_eq(ns_bm25_tf(ti.bound_tf, ti.bound_len, s->avgdl), best,
                             "'%s' in shard %u: the bound is not the best posting's under the "
                             "set's average length",
                             it.term, i);
            }
            terms_seen++;
        }
        cr_assert_eq(r, 0, "%s", e.msg);
        for (uint32_t d = 0; d < s->n_docs; d++) {
            uint32_t ord = sr_index_ordinal(s, d);
            sr_doc a, b;
            cr_assert_eq(sr_index_doc_head(s, d, &a, &e), NS_OK);
            cr_assert_eq(sr_index_doc_head(one, ord, &b, &e), NS_OK);
            cr_assert_eq(a.len[0], b.len[0]);
            cr_assert(!memcmp(a.f[0], b.f[0], a.len[0]), "shard %u doc %u: ordinal %u is another id",
                      i, d, ord);
            cr_assert_eq(sr_index_doclen(s, d), sr_index_doclen(one, ord));
        }
        sr_index_close(s);
    }
    cr_assert_geq(terms_seen, one->n_terms); /* every term is in some shard */
    sr_index_close(one);
}

/* --expand (RM3) and --like (more-like-this) over a set: what the single
 * index prints, TREC and JSON, every algorithm.  The single index's output
 * of each case is computed once (fb_refs), then compared with each set's
 * (same_feedback). */
#define FB_MAX_CASES 48
#define FB_MAX_ARGS 20
typedef struct fb_cases {
    const char *argv[FB_MAX_CASES][FB_MAX_ARGS]; /* NULL-terminated; strings borrowed */
    int stats[FB_MAX_CASES]; /* compare the --stats feedback lines of stderr, not stderr */
    int model;               /* fb_spec.model */
    tu_out ref[FB_MAX_CASES];
    size_t n;
} fb_cases;

static void fb_add(fb_cases *c, int stats, const char *const *argv)
{
    cr_assert_lt(c->n, FB_MAX_CASES);
    size_t i = 0;
    for (; argv[i]; i++) {
        cr_assert_lt(i + 1, FB_MAX_ARGS);
        c->argv[c->n][i] = argv[i];
    }
    c->argv[c->n][i] = NULL;
    c->stats[c->n++] = stats;
}

/* What to compare: --expand over qfile, --like for each of ids (NULL-
 * terminated); every algorithm when all_algos, else maxscore only; model:
 * RM3 finds terms (each query's model has fb_terms of them). */
typedef struct fb_spec {
    const char *qfile;
    const char *const *ids;
    int all_algos, model;
} fb_spec;

/* The cases: --expand with the defaults and with other --fb-docs,
 * --fb-terms and --fb-weight, and --like; JSON too when json. */
static void fb_plan(fb_cases *c, const fb_spec *fs, int json)
{
    const char *qfile = fs->qfile, *const *ids = fs->ids;
    int all_algos = fs->all_algos;
    static const char *const algos[] = {"maxscore", "bmw", "exhaustive"};
    memset(c, 0, sizeof *c);
    c->model = fs->model;
    for (int a = 0; a < (all_algos ? 3 : 1); a++) {
        fb_add(c, 0, (const char *const[]){"--queries", qfile, "--format", "trec", "-k", "10",
                                           "--expand", "--algo", algos[a], NULL});
        fb_add(c, 0, (const char *const[]){"--queries", qfile, "--format", "trec", "-k", "20",
                                           "--expand", "--fb-docs", "3", "--fb-terms", "30",
                                           "--fb-weight", "0.3", "--algo", algos[a], NULL});
        for (const char *const *id = ids; *id; id++)
            fb_add(c, 0, (const char *const[]){"--like", *id, "--format", "trec", "-k", "10",
                                               "--algo", algos[a], NULL});
    }
    /* the feedback documents and terms used, per query */
    fb_add(c, 1, (const char *const[]){"--queries", qfile, "--format", "trec", "-k", "1",
                                       "--expand", "--fb-docs", "40", "--stats", NULL});
    if (!json)
        return;
    fb_add(c, 0, (const char *const[]){"--queries", qfile, "--json", "-k", "5", "--expand", NULL});
    for (const char *const *id = ids; *id; id++)
        fb_add(c, 0, (const char *const[]){"--like", *id, "--json", "-k", "5", "--offset", "2",
                                           NULL});
}

/* The "feedback: docs=D terms=T" of each --stats feedback line of err (the
 * work done differs between a set and one index). */
static char *fb_stats_lines(const char *err)
{
    char *out = calloc(1, strlen(err) + 1), *w = out;
    cr_assert_not_null(out);
    for (const char *l = err; (l = strstr(l, "feedback: docs=")) != NULL;) {
        const char *end = strstr(l, " postings_decoded");
        cr_assert_not_null(end, "%s", l);
        memcpy(w, l, (size_t)(end - l));
        w += end - l;
        *w++ = '\n';
        l = end;
    }
    return out;
}

/* The single index's output of each case, which must have something to
 * compare: hits, or --like's "nothing to search for" (once at least), and
 * feedback terms. */
/* Adds the first pass's work of each --stats feedback line of err to
 * work[2 x line] (postings decoded, documents scored); the lines into *n. */
#define FB_MAX_LINES 256
static void fb_work_add(const char *err, unsigned long long *work, size_t *n)
{
    size_t i = 0;
    for (const char *l = err; (l = strstr(l, "feedback: docs=")) != NULL; l++, i++) {
        unsigned long long pd, ds;
        const char *w = strstr(l, " postings_decoded=");
        cr_assert(w && sscanf(w, " postings_decoded=%llu docs_scored=%llu", &pd, &ds) == 2, "%s",
                  l);
        cr_assert_lt(i, FB_MAX_LINES);
        work[2 * i] += pd;
        work[2 * i + 1] += ds;
    }
    *n = i;
}

/* The set's first pass does each shard's work, as the shard searched alone
 * does it: the feedback work --stats reports is their sum. */
static void fb_work_is_the_sum(const char *const *argv, const char *set_err, char **set,
                               unsigned n)
{
    static unsigned long long want[2 * FB_MAX_LINES], got[2 * FB_MAX_LINES];
    memset(want, 0, sizeof want);
    memset(got, 0, sizeof got);
    size_t lines, l;
    fb_work_add(set_err, got, &lines);
    for (unsigned i = 0; i < n; i++) {
        tu_out one = search(&set[i], 1, argv);
        cr_assert_eq(one.status, 0, "%s", one.err);
        fb_work_add(one.err, want, &l);
        cr_assert_eq(l, lines);
        tu_out_free(&one);
    }
    for (size_t i = 0; i < 2 * lines; i++)
        cr_assert_eq(got[i], want[i], "%u shards, query %zu: the feedback work is %llu, the "
                     "shards' sum %llu", n, i / 2, got[i], want[i]);
}

static void fb_refs(fb_cases *c, char *single)
{
    int empty_like = 0;
    for (size_t i = 0; i < c->n; i++) {
        const tu_out *o = &c->ref[i];
        c->ref[i] = search(&single, 1, c->argv[i]);
        if (o->status == 1 && !strcmp(c->argv[i][0], "--like")) {
            cr_assert(strstr(o->err, "nothing to search for"), "%s", o->err);
            empty_like = 1;
            continue;
        }
        cr_assert_eq(o->status, 0, "%s %s: exit %d: %s", c->argv[i][0], c->argv[i][1], o->status,
                     o->err);
        cr_assert(strlen(o->out) > (c->stats[i] ? 50 : 200), "%s %s: too few hits to compare",
                  c->argv[i][0], c->argv[i][1]);
        if (c->stats[i])
            cr_assert(strstr(o->err, c->model ? "feedback: docs=40 terms=10 "
                                              : "feedback: docs=40 terms=0 "),
                      "%s", o->err);
    }
    cr_assert(empty_like, "no --like case without a term to search for");
}

static void same_feedback(const fb_cases *c, char **set, unsigned n)
{
    for (size_t i = 0; i < c->n; i++) {
        const tu_out *ref = &c->ref[i];
        tu_out got = search(set, n, c->argv[i]);
        cr_assert_eq(got.status, ref->status, "%u shards, case %zu (%s %s): exit %d, want %d: %s", n,
                     i, c->argv[i][0], c->argv[i][1], got.status, ref->status, got.err);
        cr_assert_str_eq(got.out, ref->out, "%u shards, case %zu (%s %s ... %s) differs", n, i,
                         c->argv[i][0], c->argv[i][1], c->argv[i][5] ? c->argv[i][5] : "");
        if (c->stats[i]) {
            char *a = fb_stats_lines(got.err), *b = fb_stats_lines(ref->err);
            cr_assert(strlen(b) > 100, "too few --stats feedback lines: %s", ref->err);
            cr_assert_str_eq(a, b, "%u shards: the feedback documents or terms used differ", n);
            free(a);
            free(b);
            fb_work_is_the_sum(c->argv[i], got.err, set, n);
        } else {
            cr_assert_str_eq(got.err, ref->err, "%u shards, case %zu: stderr differs", n, i);
        }
        tu_out_free(&got);
    }
}

static void fb_cases_free(fb_cases *c)
{
    for (size_t i = 0; i < c->n; i++)
        tu_out_free(&c->ref[i]);
}

/* Each count of shards (few: 2 and 7) of corpus ranks as its single index:
 * the query log, and the --expand and --like cases of fs. */
static void run_counts(const char *tag, const char *corpus, const char *qfile, int json,
                       int few, const fb_spec *fs)
{
    char *dir = tu_tmpdir(tag);
    char *single = tu_path(dir, "single");
    tu_out o = NINDEX("-q", "-o", single, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    fb_cases *fb = malloc(sizeof *fb);
    cr_assert_not_null(fb);
    fb_plan(fb, fs, json);
    fb_refs(fb, single);
    static const unsigned counts[] = {1, 2, 3, 4, 7}, some[] = {2, 7};
    size_t n_counts = few ? 2 : 5;
    for (size_t c = 0; c < n_counts; c++) {
        unsigned n = few ? some[c] : counts[c];
        char *set[8];
        build_set(dir, corpus, n, set);
        same_stats(single, set, n);
        same_runs(single, set, n, qfile, json);
        same_feedback(fb, set, n);
        for (unsigned i = 0; i < n; i++) {
            tu_rmrf(set[i]);
            free(set[i]);
        }
    }
    fb_cases_free(fb);
    free(fb);
    tu_rmrf(dir);
    free(single);
    free(dir);
}

Test(cli_shard, generated_corpora_rank_as_one_index, .timeout = TIMEOUT_S)
{
    for (uint32_t seed = 0x5eed1u; seed <= 0x5eed2u; seed++) {
        char *dir = tu_tmpdir("gen");
        char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv");
        gen_words(corpus, qfile, seed, seed == 0x5eed2u);
        /* d5, d30 (the text of d29: a tie), d22 (given again as d39: the
         * later), d2400, and d268 (no word twice in it: nothing to search
         * for, in either corpus) */
        static const char *const ids[] = {"d5", "d30", "d22", "d2400", "d268", NULL};
        fb_spec fs = {qfile, ids, 1, seed == 0x5eed2u};
        run_counts(seed == 0x5eed1u ? "gen1" : "gen2", corpus, qfile, seed == 0x5eed1u, 0, &fs);
        free(corpus);
        free(qfile);
        free(dir);
    }
}

Test(cli_shard, reuters_ranks_as_one_index, .timeout = 900)
{
    struct stat sb;
    if (stat(NS_TEST_REUTERS, &sb) != 0) {
        if (getenv("NS_REQUIRE_DATA"))
            cr_assert_fail("NS_REQUIRE_DATA is set but %s is absent", NS_TEST_REUTERS);
        cr_skip_test("SKIPPED: %s is absent", NS_TEST_REUTERS);
    }
    /* a query log from the corpus' own titles: 2-4 of their words */
    char *dir = tu_tmpdir("reuters");
    char *qfile = tu_path(dir, "q.tsv"), *fbq = tu_path(dir, "fbq.tsv");
    size_t len;
    char *text = tu_read_file(NS_TEST_REUTERS, &len);
    cr_assert_not_null(text);
    FILE *f = fopen(qfile, "w"), *fb = fopen(fbq, "w");
    cr_assert(f && fb);
    uint32_t rng = 0x2e07u;
    unsigned nq = 0;
    for (char *p = text; nq < 150 && (p = strstr(p, "\"title\": \"")) != NULL; p += 10) {
        if (tu_rng_next(&rng) % 100)
            continue;
        char *t = p + 10, *end = strchr(t, '"');
        if (!end || end - t < 12)
            continue;
        fprintf(f, "r%u\t", nq);
        unsigned words = 2 + tu_rng_next(&rng) % 3, w = 0;
        for (char *q = t; q < end && w < words; q++) {
            if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')) {
                char *s = q;
                while (q < end && ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
                    q++;
                fprintf(f, "%s%.*s", w++ ? " " : "", (int)(q - s), s);
            }
        }
        fputc('\n', f);
        nq++;
    }
    cr_assert_eq(fclose(f), 0);
    free(text);
    /* the first FB_QUERIES of the log */
    text = tu_read_file(qfile, &len);
    cr_assert_not_null(text);
    char *cut = text;
    for (int i = 0; i < FB_QUERIES && cut; i++)
        cut = strchr(cut, '\n') ? strchr(cut, '\n') + 1 : NULL;
    cr_assert_not_null(cut);
    cr_assert_eq(fwrite(text, 1, (size_t)(cut - text), fb), (size_t)(cut - text));
    cr_assert_eq(fclose(fb), 0);
    free(text);
    cr_assert_geq(nq, 100);
    /* --expand over the log's first queries (CI's time); --like: a long
     * story, a short one, one whose title words are each in it once
     * (nothing to search for) */
#ifdef NS_TEST_SANITIZE
    /* under the sanitizers (CI's time): 2 and 7 shards, --expand and --like
     * with maxscore only; every count and algorithm in the normal build */
    static const char *const ids[] = {"1", "13364", NULL};
    fb_spec fs = {fbq, ids, 0, 1};
    run_counts("reuters_sets", NS_TEST_REUTERS, qfile, 0, 1, &fs);
#else
    static const char *const ids[] = {"1", "20000", "13364", NULL};
    fb_spec fs = {fbq, ids, 1, 1};
    run_counts("reuters_sets", NS_TEST_REUTERS, qfile, 0, 0, &fs);
#endif
    free(qfile);
    free(fbq);
    tu_rmrf(dir);
    free(dir);
}

Test(cli_shard, one_shard_merged_is_the_single_index, .timeout = TIMEOUT_S)
{
    char *dir = tu_tmpdir("one");
    char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv");
    gen(corpus, qfile, 77);
    char *single = tu_path(dir, "single"), *set[1];
    tu_out o = NINDEX("-q", "-o", single, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    build_set(dir, corpus, 1, set);
    static const char *const same[] = {"terms", "postings", "positions", "doclens", "docs",
                                       "docstore"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        char *a = tu_path(single, same[i]), *b = tu_path(set[0], same[i]);
        size_t la, lb;
        char *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
        cr_assert(x && y);
        cr_assert(la == lb && !memcmp(x, y, la), "'%s' differs from the single index's", same[i]);
        free(x);
        free(y);
        free(a);
        free(b);
    }
    /* merging again gives the same files */
    char *post = tu_path(set[0], "postings");
    size_t l1, l2;
    char *p1 = tu_read_file(post, &l1);
    o = NINDEX("-q", "--merge-stats", set[0]);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    char *p2 = tu_read_file(post, &l2);
    cr_assert(l1 == l2 && !memcmp(p1, p2, l1));
    free(p1);
    free(p2);
    free(post);
    tu_rmrf(dir);
    free(set[0]);
    free(single);
    free(corpus);
    free(qfile);
    free(dir);
}

/* A prefix whose terms some shards lack: each shard expands it over its
 * own terms, and --expand scales the original query by the weight of the
 * union, the single index's. */
Test(cli_shard, expand_of_a_prefix_some_shards_lack_terms_of, .timeout = TIMEOUT_S)
{
    static const char *const words[] = {"oil",   "gas",    "petrol", "crude",   "barrel",
                                        "price", "opec",   "market", "tanker",  "refinery"};
    char *dir = tu_tmpdir("prefix");
    char *corpus = tu_path(dir, "c.jsonl"), *single = tu_path(dir, "single"), *set[7];
    FILE *f = fopen(corpus, "w");
    cr_assert_not_null(f);
    uint32_t rng = 0x0111u;
    for (unsigned d = 0; d < 60; d++) {
        fprintf(f, "{\"id\":\"x%u\",\"body\":\"", d);
        for (unsigned i = 0, n = 5 + tu_rng_next(&rng) % 16; i < n; i++)
            fprintf(f, "%s ", words[tu_rng_next(&rng) % 10]);
        /* each in one document: in one shard */
        fputs(d == 7 ? "oilfield" : d == 8 ? "oilcan" : d == 9 ? "gasket" : "", f);
        fputs("\"}\n", f);
    }
    cr_assert_eq(fclose(f), 0);
    tu_out o = NINDEX("-q", "-o", single, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    build_set(dir, corpus, 7, set);
    static const char *const queries[] = {"gas oil*",  "+oil* gas",     "oil* -gas",
                                          "oil oil*",  "oil* gas* opec", "title:oil* crude"};
    static const char *const algos[] = {"maxscore", "bmw", "exhaustive"};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        for (int a = 0; a < 4; a++) {
            const char *trec[] = {"--expand", "--fb-docs", "3", "--format", "trec", "--algo",
                                  algos[a % 3], "--", queries[q], NULL};
            const char *json[] = {"--expand", "--fb-docs", "3", "--json", "-k", "5", "--",
                                  queries[q], NULL};
            const char *const *extra = a < 3 ? trec : json;
            tu_out ref = search(&single, 1, extra), got = search(set, 7, extra);
            cr_assert_eq(got.status, ref.status, "'%s': %s", queries[q], got.err);
            cr_assert_str_eq(got.out, ref.out, "'%s' %s differs", queries[q],
                             a < 3 ? algos[a] : "JSON");
            tu_out_free(&ref);
            tu_out_free(&got);
        }
    }
    for (unsigned i = 0; i < 7; i++)
        free(set[i]);
    tu_rmrf(dir);
    free(single);
    free(corpus);
    free(dir);
}

/* status 2 and a message holding want. */
static void refused(tu_out o, const char *want)
{
    cr_assert_eq(o.status, 2, "exit %d, want 2: %s", o.status, o.err);
    cr_assert(strstr(o.err, want), "no '%s' in: %s", want, o.err);
    tu_out_free(&o);
}

Test(cli_shard, incomplete_or_mixed_sets_are_refused, .timeout = TIMEOUT_S)
{
    char *dir = tu_tmpdir("refuse");
    char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv");
    char *other = tu_path(dir, "o.jsonl"), *oq = tu_path(dir, "oq.tsv");
    gen(corpus, qfile, 3);
    gen(other, oq, 4);
    char *s[3], *u[3];
    build_set(dir, corpus, 3, s);
    /* missing, repeated */
    refused(NSEARCH("-i", s[0], "-i", s[2], "kqa1"), "shard 1 is missing");
    refused(NSEARCH("-i", s[0], "-i", s[1], "-i", s[1], "kqa1"), "are both shard 1 of 3");
    refused(NINDEX("--merge-stats", s[0], s[2]), "is shard 0 of 3, but 2 shards are given");
    refused(NINDEX("--merge-stats", s[0], s[1], s[1]), "are both shard 1 of 3");
    /* extra: a shard of a 4-shard set */
    char *x = tu_path(dir, "x");
    tu_out o = NINDEX("-q", "--shard", "3/4", "-o", x, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    refused(NINDEX("--merge-stats", s[0], s[1], s[2], x), "is shard 0 of 3, but 4 shards");
    /* not merged */
    refused(NSEARCH("-i", s[0], "-i", s[1], "-i", x, "kqa1"), "has not been merged");
    /* another input: shards of the same numbers */
    for (unsigned i = 0; i < 3; i++) {
        char name[16], spec[16];
        snprintf(name, sizeof name, "u%u", i);
        snprintf(spec, sizeof spec, "%u/3", i);
        u[i] = tu_path(dir, name);
        o = NINDEX("-q", "--shard", spec, "-o", u[i], other);
        cr_assert_eq(o.status, 0, "%s", o.err);
        tu_out_free(&o);
    }
    refused(NINDEX("--merge-stats", s[0], s[1], u[2]), "not shards of one input");
    o = NINDEX("-q", "--merge-stats", u[0], u[1], u[2]);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    refused(NSEARCH("-i", s[0], "-i", s[1], "-i", u[2], "kqa1"), "shards of different sets");
    /* a plain index among shards */
    char *plain = tu_path(dir, "plain");
    o = NINDEX("-q", "-o", plain, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    refused(NSEARCH("-i", s[0], "-i", plain, "kqa1"), "is not a shard");
    refused(NINDEX("--merge-stats", s[0], plain, s[2]), "is not a shard");
    /* the good set still searches, and --check finds it sound */
    o = NSEARCH("-i", s[0], "-i", s[1], "-i", s[2], "--check");
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    /* a set statistic damaged (the checksum made to match): --check says so */
    char *g = tu_path(s[1], "global");
    size_t len;
    uint8_t *b = (uint8_t *)tu_read_file(g, &len);
    cr_assert(b && len > NS_HEADER_LEN + NS_GLOBAL_HEAD_LEN + 4 + NS_FOOTER_LEN);
    uint8_t *v = b + NS_HEADER_LEN + NS_GLOBAL_HEAD_LEN; /* term 0's df in the set */
    ns_put_u32le(v, ns_get_u32le(v) + 1);
    ns_sum sum;
    cr_assert_eq(ns_sum_init(&sum), NS_OK);
    ns_sum_update(&sum, b, len - NS_FOOTER_LEN);
    ns_sum_footer(&sum, b + len - NS_FOOTER_LEN);
    ns_sum_release(&sum);
    cr_assert_eq(tu_write_file(g, b, len), 0);
    free(b);
    o = NSEARCH("-i", s[0], "-i", s[1], "-i", s[2], "--check");
    cr_assert_eq(o.status, 3, "%s", o.err);
    cr_assert(strstr(o.err, "term 0 has df"), "%s", o.err);
    tu_out_free(&o);
    free(g);
    for (unsigned i = 0; i < 3; i++) {
        free(s[i]);
        free(u[i]);
    }
    tu_rmrf(dir);
    free(x);
    free(plain);
    free(corpus);
    free(qfile);
    free(other);
    free(oq);
    free(dir);
}

/* The shard number and count of the shard in dir. */
static void shard_is(const char *dir, unsigned shard, unsigned n)
{
    sr_index *s;
    ns_err e;
    cr_assert_eq(sr_index_open(dir, &s, &e), NS_OK, "%s", e.msg);
    cr_assert_eq(s->shard, shard, "shard %u, want %u", s->shard, shard);
    cr_assert_eq(s->n_shards, n, "%u shards, want %u", s->n_shards, n);
    sr_index_close(s);
}

static tu_out nindex_env(const char *const env[], const char *spec, const char *out,
                         const char *corpus)
{
    char *argv[] = {NS_TEST_NINDEX, "-q", "--shard", (char *)spec, "-o", (char *)out,
                    (char *)corpus, NULL};
    tu_out o;
    cr_assert_eq(tu_run_env(argv, env, NULL, 0, TIMEOUT_S, &o), 0);
    return o;
}

Test(cli_shard, shard_auto_takes_the_scheduler_environment, .timeout = TIMEOUT_S)
{
    char *dir = tu_tmpdir("env");
    char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv"), *out = tu_path(dir, "s");
    gen(corpus, qfile, 9);
    static const struct {
        const char *env[5];
        const char *spec;
        unsigned shard, n;
    } ok[] = {
        {{"SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=4", NULL}, "auto", 2, 4},
        /* --array=1-4: tasks 1..4 are shards 0..3 */
        {{"SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_COUNT=4", NULL},
         "auto", 3, 4},
        /* --array=0-12:4: tasks 0, 4, 8, 12 */
        {{"SLURM_ARRAY_TASK_ID=8", "SLURM_ARRAY_TASK_STEP=4", "SLURM_ARRAY_TASK_COUNT=4", NULL},
         "auto", 2, 4},
        {{"SLURM_ARRAY_TASK_ID=1", NULL}, "auto/3", 1, 3},
        {{"JOB_COMPLETION_INDEX=5", NULL}, "auto/7", 5, 7},
        {{"JOB_COMPLETION_INDEX=9", NULL}, "0/2", 0, 2}, /* I/N wins */
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        tu_out o = nindex_env(ok[i].env, ok[i].spec, out, corpus);
        cr_assert_eq(o.status, 0, "case %zu: %s", i, o.err);
        tu_out_free(&o);
        shard_is(out, ok[i].shard, ok[i].n);
    }
    static const struct {
        const char *env[4];
        const char *spec, *want;
    } bad[] = {
        {{NULL}, "auto", "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX"},
        {{"JOB_COMPLETION_INDEX=1", NULL}, "auto", "give auto/N"},
        {{"SLURM_ARRAY_TASK_ID=1", NULL}, "auto", "SLURM_ARRAY_TASK_COUNT is not set"},
        {{"JOB_COMPLETION_INDEX=7", NULL}, "auto/7", "the scheduler gives shard 7"},
        {{"SLURM_ARRAY_TASK_ID=x", NULL}, "auto/3", "is not a task number"},
        {{NULL}, "3/3", "0 <= I < N"},
        {{NULL}, "1/0", "N must be"},
        {{NULL}, "1/70000", "N must be"},
        {{NULL}, "-1/3", "0 <= I < N"},
        {{NULL}, "2", "0 <= I < N"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tu_out o = nindex_env(bad[i].env, bad[i].spec, out, corpus);
        cr_assert_eq(o.status, 2, "case %zu (%s): exit %d", i, bad[i].spec, o.status);
        cr_assert(strstr(o.err, bad[i].want), "case %zu: no '%s' in: %s", i, bad[i].want, o.err);
        tu_out_free(&o);
    }
    shard_is(out, 0, 2); /* the refused runs left the last shard as it was */
    /* more shards than documents: some are empty, and a set all the same */
    char *tiny = tu_path(dir, "tiny.jsonl");
    static const char docs[] = "{\"id\":\"a\",\"body\":\"oil\"}\n{\"id\":\"b\",\"body\":\"gas\"}\n";
    cr_assert_eq(tu_write_file(tiny, docs, sizeof docs - 1), 0);
    char *t[7];
    build_set(dir, tiny, 7, t);
    tu_out o = search(t, 7, (const char *const[]){"--format", "trec", "oil", NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, " a 1 "), "%s", o.out);
    tu_out_free(&o);
    char *none = tu_path(dir, "none.jsonl");
    cr_assert_eq(tu_write_file(none, "", 0), 0);
    o = NINDEX("-q", "--shard", "0/2", "-o", out, none);
    free(none);
    cr_assert_eq(o.status, 2, "an input without documents: %s", o.err);
    tu_out_free(&o);
    for (int i = 0; i < 7; i++)
        free(t[i]);
    free(tiny);
    tu_rmrf(dir);
    free(out);
    free(corpus);
    free(qfile);
    free(dir);
}

/* The first number after key in s (a JSON member), or -1. */
static long long json_num(const char *s, const char *key)
{
    const char *p = strstr(s, key);
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* --info over a set describes the set (its figures equal the single
 * index's: documents, terms, tokens, postings summed) and then each shard. */
Test(cli_shard, info_over_a_set_describes_the_set_then_each_shard, .timeout = TIMEOUT_S)
{
    char *dir = tu_tmpdir("info");
    char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv");
    gen(corpus, qfile, 91);
    char *single = tu_path(dir, "single"), *set[3];
    tu_out o = NINDEX("-q", "-o", single, corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    build_set(dir, corpus, 3, set);
    tu_out one = NSEARCH("--info", "--json", "-i", single);
    cr_assert_eq(one.status, 0, "%s", one.err);
    o = NSEARCH("--info", "--json", "-i", set[0], "-i", set[1], "-i", set[2]);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(!strncmp(o.out, "{\"set\":\"", 8), "%s", o.out);
    static const char *const keys[] = {"\"documents\":", "\"terms\":", "\"tokens\":",
                                       "\"postings\":"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_expect_eq(json_num(o.out, keys[i]), json_num(one.out, keys[i]), "%s: set %s single %s",
                     keys[i], o.out, one.out);
    cr_expect(strstr(o.out, "\"shards\":3,\"shards_open\":3,"), "%s", o.out);
    unsigned n_index = 0;
    for (const char *p = o.out; (p = strstr(p, "\"index\":")); p++)
        n_index++;
    cr_expect_eq(n_index, 3, "%s", o.out);
    tu_out_free(&o);
    tu_out_free(&one);
    o = NSEARCH("--info", "-i", set[0], "-i", set[1], "-i", set[2]);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_expect(!strncmp(o.out, "set:  ", 6) && strstr(o.out, "3 of 3 shards"), "%s", o.out);
    cr_expect(strstr(o.out, "\nindex:          "), "%s", o.out);
    tu_out_free(&o);
    for (int i = 0; i < 3; i++)
        free(set[i]);
    free(single);
    free(corpus);
    free(qfile);
    tu_rmrf(dir);
    free(dir);
}
