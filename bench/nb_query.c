/* nb_query: query latency of every algorithm, OR and AND, top 10 and top
 * 1000, single thread, in process: a warm-up pass, then one timed pass per
 * configuration; parsing (analysis + dictionary lookup) and ranking are
 * timed, snippets are not.  Each configuration's results are checked
 * against the exhaustive reference before any figure is printed.  Also
 * measures nsearch's process start-to-exit time for one query.
 *
 * --e2e=FMT,...: end to end instead, per output format: parse + rank with
 * the default algorithm ("rank"), then sr_render, nsearch's own per-hit
 * code, with its timing split (fetch head, fetch body, snippets, format),
 * into a buffer that is never written anywhere. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "nb.h"
#include "ns_alloc.h"
#include "ns_docrec.h"
#include "sr_index.h"
#include "sr_query.h"
#include "sr_feedback.h"
#include "sr_rank.h"
#include "sr_render.h"

extern char **environ;

static const char usage_text[] =
    "Usage: nbench query -i INDEX_DIR -q QUERIES [OPTION]...\n"
    "Query latency per algorithm (single thread, in process).\n"
    "\n"
    "  -i, --index=DIR      the index\n"
    "  -q, --queries=FILE   one query per line, 'qid<TAB>text' (bench/gen_queries.py)\n"
    "  -k, --k=LIST         result counts (default 10,1000)\n"
    "      --modes=LIST     or,and (default both)\n"
    "      --algos=LIST     exhaustive,maxscore,bmw (default all)\n"
    "      --warmup=N       warm-up passes before timing (default 1)\n"
    "      --repeat=N       timed passes; per-query latency is the median (default 1)\n"
    "      --limit=N        use the first N queries\n"
    "      --label=NAME     corpus label for the JSON lines\n"
    "      --run=FILE       write a TREC run (OR, default algorithm, largest k)\n"
    "      --startup=N      also time N runs of the nsearch program (start to exit)\n"
    "      --nsearch=PATH   nsearch binary for --startup (default: beside nbench)\n"
    "      --slowest=N      list the N slowest queries of each configuration\n"
    "      --e2e=FMT,...    end to end instead (text, json, trec): parse + rank with\n"
    "                       the default algorithm, then nsearch's rendering of the\n"
    "                       hits (sr_render: fetch head, fetch body, snippets,\n"
    "                       format), each part timed; JSON lines \"bench\":\"e2e\"\n"
    "      --no-snippets    with --e2e: render as nsearch --no-snippets\n"
    "      --expand         RM3 feedback on every query (nsearch --expand, its\n"
    "                       defaults): timed from text in, both passes included\n"
    "\n"
    "Output: one JSON line per configuration on stdout (p50/p90/p99/mean in\n"
    "microseconds, QPS, postings decoded and documents scored per query),\n"
    "then a table on stderr.  Exit 4 if a fast path disagrees with the\n"
    "exhaustive reference.\n";

typedef struct query {
    char qid[32];
    char *text; /* owned */
} query;

static query *load_queries(const char *path, size_t limit, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "nbench: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    query *q = NULL;
    size_t n = 0, cap = 0, line_no = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0 && n < limit) {
        line_no++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            q = realloc(q, cap * sizeof *q);
        }
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = 0;
            snprintf(q[n].qid, sizeof q[n].qid, "%s", line);
            q[n].text = strdup(tab + 1);
        } else {
            snprintf(q[n].qid, sizeof q[n].qid, "%zu", line_no);
            q[n].text = strdup(line);
        }
        n++;
    }
    free(line);
    fclose(f);
    *n_out = n;
    return q;
}

/* --expand: every query is expanded (NULL: plain BM25). */
static const sr_fb_opts *expand_opts;

/* Parses text, and with --expand runs its feedback (first pass by algo). */
static ns_rc nb_parse(sr_index *ix, const char *text, const sr_query_opts *qo, sr_algo algo,
                      sr_query *q, ns_err *err)
{
    ns_rc rc = sr_query_parse_opts(ix, text, strlen(text), qo, q, err);
    if (!rc && expand_opts && q->root)
        rc = sr_feedback_expand(ix, q, algo, expand_opts, NULL, err);
    return rc;
}

static size_t parse_list(const char *s, char items[][16], size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        size_t l = strcspn(s, ",");
        snprintf(items[n++], 16, "%.*s", (int)l, s);
        s += l + (s[l] == ',');
    }
    return n;
}

typedef struct result {
    uint64_t checksum; /* of every query's (doc, score) list */
} result;

static uint64_t hits_hash(const sr_hit *h, size_t n, uint64_t seed)
{
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t v[2];
        v[0] = h[i].doc;
        memcpy(&v[1], &h[i].score, 8);
        x = XXH64(v, sizeof v, x);
    }
    return x;
}

static int time_startup(const char *nsearch, const char *index, const char *text, int n,
                        const char *label)
{
    double *t = malloc((size_t)n * sizeof *t);
    char *argv[] = {(char *)nsearch, "-i", (char *)index, "-k", "10", (char *)text, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    for (int i = 0; i < n; i++) {
        double t0 = nb_now();
        pid_t pid;
        if (posix_spawn(&pid, nsearch, &fa, NULL, argv, environ) != 0) {
            fprintf(stderr, "nbench: cannot run '%s'\n", nsearch);
            free(t);
            return 4;
        }
        int st;
        waitpid(pid, &st, 0);
        t[i] = (nb_now() - t0) * 1e6;
        if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) {
            fprintf(stderr, "nbench: '%s' failed (status %d)\n", nsearch, st);
            free(t);
            return 4;
        }
    }
    posix_spawn_file_actions_destroy(&fa);
    nb_stats s;
    nb_stats_compute(t, (size_t)n, &s);
    printf("{\"bench\":\"startup\",\"corpus\":\"%s\",\"query\":\"%s\",\"runs\":%d,\"p50_us\":%.1f,"
           "\"p90_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f,%s}\n",
           label, text, n, s.p50, s.p90, s.p99, s.mean, nb_meta_json());
    fprintf(stderr, "nsearch process start-to-exit, %d runs: p50 %.0f us, p90 %.0f us, p99 %.0f us\n",
            n, s.p50, s.p90, s.p99);
    free(t);
    return 0;
}

/* ---- --e2e ---- */

enum { E2E_TOTAL, E2E_RANK, E2E_HEAD, E2E_BODY, E2E_SNIPPET, E2E_FORMAT, E2E_PARTS };
static const char *const e2e_part_name[E2E_PARTS] = {"total", "rank", "fetch_head", "fetch_body",
                                                     "snippet", "format"};

typedef struct e2e_cfg {
    sr_index *ix;
    const query *qs;
    size_t nq;
    sr_query_opts qo; /* the mode: AND is --all */
    const char *mode_name;
    size_t k;
    sr_format fmt;
    const char *fmt_name;
    bool snippets;
    int warmup, repeat;
    const char *label;
} e2e_cfg;

/* One end-to-end configuration: returns 0, or 4 when ranking fails or
 * disagrees with the exhaustive reference, or rendering fails or differs
 * between passes. */
static int e2e_run(const e2e_cfg *c, sr_hit *hits, sr_render *r, ns_buf *buf, double *lat[E2E_PARTS])
{
    ns_err err;
    uint64_t ref_sum = 0, sum = 0, out_sum = 0, first_out_sum = 0, hits_total = 0, bytes_total = 0;
    for (size_t qi = 0; qi < c->nq; qi++) { /* the reference, untimed */
        sr_query q;
        size_t nh = 0;
        sr_rank_stats st;
        if (nb_parse(c->ix, c->qs[qi].text, &c->qo, SR_ALGO_EXHAUSTIVE, &q, &err) ||
            sr_rank(c->ix, &q, SR_ALGO_EXHAUSTIVE, c->k, hits, &nh, &st, &err)) {
            fprintf(stderr, "nbench: %s\n", err.msg);
            return 4;
        }
        ref_sum = hits_hash(hits, nh, ref_sum);
        sr_query_release(&q);
    }
    sr_render_opts ro = {{c->fmt, false, NULL, false, NULL}, c->snippets, false};
    for (int pass = 0; pass < c->warmup + c->repeat; pass++) {
        int timed = pass >= c->warmup;
        sum = out_sum = hits_total = bytes_total = 0;
        for (size_t qi = 0; qi < c->nq; qi++) {
            ro.out.qid = c->qs[qi].qid;
            sr_render_stats rs = {0};
            sr_query q;
            size_t nh = 0;
            sr_rank_stats st;
            ns_buf_reset(buf);
            double t0 = nb_now();
            ns_rc rc = nb_parse(c->ix, c->qs[qi].text, &c->qo, SR_ALGO_DEFAULT, &q, &err);
            if (!rc) {
                rc = sr_rank(c->ix, &q, SR_ALGO_DEFAULT, c->k, hits, &nh, &st, &err);
                double t1 = nb_now();
                if (!rc)
                    rc = sr_render_hits(r, c->ix, &q, hits, nh, &ro, buf, &rs, &err);
                double t2 = nb_now();
                sr_query_release(&q);
                double tot = (t2 - t0) * 1e6;
                if (!rc && timed && (pass == c->warmup || tot < lat[E2E_TOTAL][qi])) {
                    lat[E2E_TOTAL][qi] = tot; /* the parts of the fastest pass */
                    lat[E2E_RANK][qi] = (t1 - t0) * 1e6;
                    lat[E2E_HEAD][qi] = (double)rs.fetch_head_ns / 1e3;
                    lat[E2E_BODY][qi] = (double)rs.fetch_body_ns / 1e3;
                    lat[E2E_SNIPPET][qi] = (double)rs.snippet_ns / 1e3;
                    lat[E2E_FORMAT][qi] = (double)rs.format_ns / 1e3;
                }
            }
            if (rc || rs.n_hits != nh) {
                fprintf(stderr, "nbench: e2e %s %s k=%zu: query %s: %s\n", c->fmt_name, c->mode_name,
                        c->k, c->qs[qi].qid, rc ? err.msg : "hits not all rendered");
                return 4;
            }
            sum = hits_hash(hits, nh, sum);
            out_sum = XXH64(buf->data, buf->len, out_sum);
            hits_total += nh;
            bytes_total += buf->len;
        }
        if (pass == 0)
            first_out_sum = out_sum;
        if (sum != ref_sum || out_sum != first_out_sum) {
            fprintf(stderr, "nbench: e2e %s %s k=%zu: %s: no figures\n", c->fmt_name, c->mode_name, c->k,
                    sum != ref_sum ? "hits disagree with exhaustive" : "output differs between passes");
            return 4;
        }
    }
    nb_stats s[E2E_PARTS];
    for (int p = 0; p < E2E_PARTS; p++)
        nb_stats_compute(lat[p], c->nq, &s[p]);
    double ratio_mean = s[E2E_RANK].mean > 0 ? s[E2E_TOTAL].mean / s[E2E_RANK].mean : 0;
    double ratio_p99 = s[E2E_RANK].p99 > 0 ? s[E2E_TOTAL].p99 / s[E2E_RANK].p99 : 0;
    printf("{\"bench\":\"e2e\",\"engine\":\"nsearch\",\"corpus\":\"%s\",\"docs\":%llu,\"format\":\"%s\","
           "\"snippets\":%s,\"mode\":\"%s\",\"expand\":%s,\"k\":%zu,\"algo\":\"%s\",\"queries\":%zu,"
           "\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f",
           c->label, (unsigned long long)c->ix->n_live, c->fmt_name,
           c->snippets && c->fmt != SR_FMT_TREC ? "true" : "false", c->mode_name,
           expand_opts ? "true" : "false", c->k,
           sr_algo_name(SR_ALGO_DEFAULT), c->nq, s[E2E_TOTAL].p50, s[E2E_TOTAL].p99,
           s[E2E_TOTAL].mean);
    for (int p = E2E_RANK; p < E2E_PARTS; p++)
        printf(",\"%s_p50_us\":%.2f,\"%s_p99_us\":%.2f,\"%s_mean_us\":%.2f", e2e_part_name[p], s[p].p50,
               e2e_part_name[p], s[p].p99, e2e_part_name[p], s[p].mean);
    printf(",\"total_over_rank_mean\":%.2f,\"total_over_rank_p99\":%.2f,\"hits_per_query\":%.1f,"
           "\"output_bytes_per_query\":%.0f,\"checksum\":\"%016llx\",\"output_xxh64\":\"%016llx\",%s}\n",
           ratio_mean, ratio_p99, (double)hits_total / (double)c->nq,
           (double)bytes_total / (double)c->nq, (unsigned long long)sum,
           (unsigned long long)out_sum, nb_meta_json());
    fprintf(stderr, "%-5s %-4s %5zu %-8s", c->fmt_name, c->mode_name, c->k,
            c->fmt == SR_FMT_TREC ? "-" : c->snippets ? "yes" : "no");
    for (int p = 0; p < E2E_PARTS; p++) {
        if (p < 2)
            fprintf(stderr, " %7.1f %7.1f", s[p].p50, s[p].p99);
        fprintf(stderr, " %7.1f", s[p].mean);
    }
    fprintf(stderr, " %6.2fx %6.2fx\n", ratio_mean, ratio_p99);
    return 0;
}

/* --e2e: every format x mode x k; returns the exit status. */
static int e2e_main(sr_index *ix, const query *qs, size_t nq, const char *fmts, char ms[][16],
                    size_t nm, char ks[][16], size_t nk, size_t kmax, bool snippets, int warmup,
                    int repeat, const char *label)
{
    char fs[3][16];
    size_t nf = parse_list(fmts, fs, 3);
    sr_format fv[3];
    for (size_t i = 0; i < nf; i++) {
        if (!strcmp(fs[i], "text"))
            fv[i] = SR_FMT_TEXT;
        else if (!strcmp(fs[i], "json"))
            fv[i] = SR_FMT_JSON;
        else if (!strcmp(fs[i], "trec"))
            fv[i] = SR_FMT_TREC;
        else {
            fprintf(stderr, "nbench: unknown --e2e format '%s' (text, json, trec)\n", fs[i]);
            return 2;
        }
    }
    sr_hit *hits = malloc((kmax ? kmax : 1) * sizeof *hits);
    double *lat[E2E_PARTS];
    for (int p = 0; p < E2E_PARTS; p++)
        lat[p] = calloc(nq, sizeof *lat[p]);
    sr_render *r = NULL;
    ns_buf buf;
    ns_buf_init(&buf);
    int status = 0;
    if (!hits || sr_render_new(&r)) {
        fprintf(stderr, "nbench: out of memory\n");
        status = 4;
    }
    for (int p = 0; p < E2E_PARTS && !status; p++)
        if (!lat[p]) {
            fprintf(stderr, "nbench: out of memory\n");
            status = 4;
        }
    if (!status)
        fprintf(stderr,
                "end to end, us per query (each query's fastest pass): total and rank p50 p99 "
                "mean, the rendering parts' means\n"
                "%-5s %-4s %5s %-8s %-23s %-23s %7s %7s %7s %7s %-15s\n"
                "%-5s %-4s %5s %-8s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n",
                "fmt", "mode", "k", "snippets", "  total", "  rank", "head", "body", "snip",
                "format", "  total/rank", "", "", "", "", "p50", "p99", "mean", "p50", "p99",
                "mean", "mean", "mean", "mean", "mean", "mean", "p99");
    for (size_t fi = 0; fi < nf && !status; fi++)
        for (size_t mi = 0; mi < nm && !status; mi++)
            for (size_t ki = 0; ki < nk && !status; ki++) {
                e2e_cfg c = {ix, qs, nq, {strcmp(ms[mi], "and") == 0, false}, ms[mi],
                             (size_t)atol(ks[ki]), fv[fi], fs[fi], snippets, warmup, repeat, label};
                status = e2e_run(&c, hits, r, &buf, lat);
            }
    ns_buf_release(&buf);
    sr_render_free(r);
    for (int p = 0; p < E2E_PARTS; p++)
        free(lat[p]);
    free(hits);
    return status;
}

int nb_query_main(int argc, char **argv)
{
    const char *index = NULL, *qpath = NULL, *run_path = NULL, *label = NULL, *nsearch = NULL;
    const char *e2e = NULL;
    bool snippets = true;
    const char *klist = "10,1000", *modes = "or,and", *algos = "exhaustive,maxscore,bmw";
    int warmup = 1, repeat = 1, startup = 0, slowest = 0;
    size_t limit = SIZE_MAX;
    static const struct option opts[] = {
        {"index", required_argument, 0, 'i'},   {"queries", required_argument, 0, 'q'},
        {"k", required_argument, 0, 'k'},       {"modes", required_argument, 0, 'm'},
        {"algos", required_argument, 0, 'a'},   {"warmup", required_argument, 0, 'w'},
        {"repeat", required_argument, 0, 'r'},  {"limit", required_argument, 0, 'l'},
        {"label", required_argument, 0, 'L'},   {"run", required_argument, 0, 'R'},
        {"startup", required_argument, 0, 's'}, {"nsearch", required_argument, 0, 'N'},
        {"slowest", required_argument, 0, 'S'}, {"help", no_argument, 0, 'h'},
        {"e2e", required_argument, 0, 'E'},     {"no-snippets", no_argument, 0, 'n'},
        {"expand", no_argument, 0, 'X'},        {0, 0, 0, 0}};
    int c;
    optind = 1;
    expand_opts = NULL;
    while ((c = getopt_long(argc, argv, "i:q:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': index = optarg; break;
        case 'q': qpath = optarg; break;
        case 'k': klist = optarg; break;
        case 'm': modes = optarg; break;
        case 'a': algos = optarg; break;
        case 'w': warmup = atoi(optarg); break;
        case 'r': repeat = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'l': limit = (size_t)strtoull(optarg, NULL, 10); break;
        case 'L': label = optarg; break;
        case 'R': run_path = optarg; break;
        case 's': startup = atoi(optarg); break;
        case 'N': nsearch = optarg; break;
        case 'S': slowest = atoi(optarg); break;
        case 'E': e2e = optarg; break;
        case 'n': snippets = false; break;
        case 'X': {
            static sr_fb_opts fb;
            sr_fb_opts_default(&fb);
            expand_opts = &fb;
            break;
        }
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (!index || !qpath) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (!label)
        label = index;
    sr_index *ix;
    ns_err err;
    if (sr_index_open(index, &ix, &err)) {
        fprintf(stderr, "nbench: %s\n", err.msg);
        return 3;
    }
    size_t nq;
    query *qs = load_queries(qpath, limit, &nq);
    if (!qs || !nq) {
        sr_index_close(ix);
        return 3;
    }
    char ks[8][16], ms[2][16], as[SR_ALGO_COUNT][16];
    size_t nk = parse_list(klist, ks, 8), nm = parse_list(modes, ms, 2), na = parse_list(algos, as, SR_ALGO_COUNT);
    size_t kmax = 0;
    for (size_t i = 0; i < nk; i++)
        if ((size_t)atol(ks[i]) > kmax)
            kmax = (size_t)atol(ks[i]);
    if (e2e) {
        int st = e2e_main(ix, qs, nq, e2e, ms, nm, ks, nk, kmax, snippets, warmup, repeat, label);
        for (size_t i = 0; i < nq; i++)
            free(qs[i].text);
        free(qs);
        sr_index_close(ix);
        return st;
    }
    sr_hit *hits = malloc((kmax ? kmax : 1) * sizeof *hits);
    double *lat = malloc(nq * sizeof *lat), *rep = malloc((size_t)repeat * sizeof *rep);
    int status = 0;
    fprintf(stderr, "%-6s %5s %-10s %9s %9s %9s %9s %9s %12s %10s\n", "mode", "k", "algo", "p50 us",
            "p90 us", "p99 us", "mean us", "QPS", "postings/q", "scored/q");
    for (size_t mi = 0; mi < nm && !status; mi++) {
        sr_query_opts qo = {strcmp(ms[mi], "and") == 0, false};
        for (size_t ki = 0; ki < nk && !status; ki++) {
            size_t k = (size_t)atol(ks[ki]);
            uint64_t ref_sum = 0;
            /* the reference checksum, always computed */
            for (size_t qi = 0; qi < nq; qi++) {
                sr_query q;
                size_t nh = 0;
                sr_rank_stats st;
                if (nb_parse(ix, qs[qi].text, &qo, SR_ALGO_EXHAUSTIVE, &q, &err) ||
                    sr_rank(ix, &q, SR_ALGO_EXHAUSTIVE, k, hits, &nh, &st, &err)) {
                    fprintf(stderr, "nbench: %s\n", err.msg);
                    return 4;
                }
                ref_sum = hits_hash(hits, nh, ref_sum);
                sr_query_release(&q);
            }
            for (size_t ai = 0; ai < na && !status; ai++) {
                sr_algo algo;
                if (sr_algo_parse(as[ai], &algo)) {
                    fprintf(stderr, "nbench: unknown algorithm '%s'\n", as[ai]);
                    return 2;
                }
                uint64_t postings = 0, scored = 0, sum = 0;
                for (int pass = 0; pass < warmup + repeat; pass++) {
                    int timed = pass >= warmup;
                    sum = 0;
                    for (size_t qi = 0; qi < nq; qi++) {
                        double t0 = nb_now();
                        sr_query q;
                        size_t nh = 0;
                        sr_rank_stats st;
                        nb_parse(ix, qs[qi].text, &qo, algo, &q, &err);
                        sr_rank(ix, &q, algo, k, hits, &nh, &st, &err);
                        sr_query_release(&q);
                        double dt = (nb_now() - t0) * 1e6;
                        sum = hits_hash(hits, nh, sum);
                        if (timed) {
                            if (pass == warmup) {
                                lat[qi] = dt;
                                postings += st.postings_decoded;
                                scored += st.docs_scored;
                            } else if (dt < lat[qi]) {
                                lat[qi] = dt; /* best of the timed passes */
                            }
                        }
                    }
                }
                if (sum != ref_sum) {
                    fprintf(stderr, "nbench: %s %s k=%zu disagrees with exhaustive: no figures\n",
                            ms[mi], as[ai], k);
                    status = 4;
                    break;
                }
                double total = 0;
                for (size_t qi = 0; qi < nq; qi++)
                    total += lat[qi];
                for (int sl = 0; sl < slowest && (size_t)sl < nq; sl++) {
                    size_t worst = 0;
                    for (size_t qi = 1; qi < nq; qi++)
                        if (lat[qi] > lat[worst])
                            worst = qi;
                    fprintf(stderr, "  slow %s k=%zu %s: %8.1f us  %s\t%s\n", ms[mi], k, as[ai],
                            lat[worst], qs[worst].qid, qs[worst].text);
                    lat[worst] = -lat[worst];
                }
                for (size_t qi = 0; qi < nq; qi++)
                    if (lat[qi] < 0)
                        lat[qi] = -lat[qi];
                nb_stats s;
                nb_stats_compute(lat, nq, &s);
                double qps = total > 0 ? (double)nq / (total / 1e6) : 0;
                printf("{\"bench\":\"query\",\"engine\":\"nsearch\",\"corpus\":\"%s\",\"docs\":%llu,"
                       "\"mode\":\"%s\",\"expand\":%s,\"k\":%zu,\"algo\":\"%s\",\"queries\":%zu,\"p50_us\":%.2f,"
                       "\"p90_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f,\"qps\":%.1f,"
                       "\"postings_per_query\":%.1f,\"docs_scored_per_query\":%.1f,"
                       "\"checksum\":\"%016llx\",%s}\n",
                       label, (unsigned long long)ix->n_live, ms[mi], expand_opts ? "true" : "false",
                       k, as[ai], nq, s.p50, s.p90,
                       s.p99, s.mean, qps, (double)postings / (double)nq,
                       (double)scored / (double)nq, (unsigned long long)sum, nb_meta_json());
                fprintf(stderr, "%-6s %5zu %-10s %9.1f %9.1f %9.1f %9.1f %9.0f %12.0f %10.0f\n", ms[mi],
                        k, as[ai], s.p50, s.p90, s.p99, s.mean, qps, (double)postings / (double)nq,
                        (double)scored / (double)nq);
            }
        }
    }
    (void)rep;
    if (!status && run_path) {
        FILE *f = fopen(run_path, "w");
        for (size_t qi = 0; f && qi < nq; qi++) {
            sr_query q;
            size_t nh = 0;
            sr_rank_stats st;
            nb_parse(ix, qs[qi].text, NULL, SR_ALGO_DEFAULT, &q, &err);
            sr_rank(ix, &q, SR_ALGO_DEFAULT, kmax, hits, &nh, &st, &err);
            sr_query_release(&q);
            for (size_t i = 0; i < nh; i++) {
                sr_doc d;
                if (sr_index_doc(ix, hits[i].doc, &d, &err) == NS_OK)
                    fprintf(f, "%s Q0 %.*s %zu %.6f nsearch\n", qs[qi].qid, (int)d.len[0], d.f[0],
                            i + 1, hits[i].score);
            }
        }
        if (!f || fclose(f) != 0) {
            fprintf(stderr, "nbench: cannot write '%s'\n", run_path);
            status = 4;
        }
    }
    if (!status && startup > 0) {
        char def[4096];
        if (!nsearch) {
            ssize_t l = readlink("/proc/self/exe", def, sizeof def - 16);
            if (l > 0) {
                def[l] = 0;
                char *slash = strrchr(def, '/');
                strcpy(slash ? slash + 1 : def, "nsearch");
                nsearch = def;
            } else {
                nsearch = "nsearch";
            }
        }
        status = time_startup(nsearch, index, qs[0].text, startup, label);
    }
    for (size_t i = 0; i < nq; i++)
        free(qs[i].text);
    free(qs);
    free(hits);
    free(lat);
    free(rep);
    sr_index_close(ix);
    return status;
}
