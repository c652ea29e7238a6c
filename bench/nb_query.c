/* nb_query: query latency of every algorithm, OR and AND, top 10 and top
 * 1000, single thread, in process: a warm-up pass, then one timed pass per
 * configuration; parsing (analysis + dictionary lookup) and ranking are
 * timed, snippets are not.  Each configuration's results are checked
 * against the exhaustive reference before any figure is printed.  Also
 * measures nsearch's process start-to-exit time for one query. */
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
#include "sr_rank.h"

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

int nb_query_main(int argc, char **argv)
{
    const char *index = NULL, *qpath = NULL, *run_path = NULL, *label = NULL, *nsearch = NULL;
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
        {0, 0, 0, 0}};
    int c;
    optind = 1;
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
    sr_hit *hits = malloc((kmax ? kmax : 1) * sizeof *hits);
    double *lat = malloc(nq * sizeof *lat), *rep = malloc((size_t)repeat * sizeof *rep);
    int status = 0;
    fprintf(stderr, "%-6s %5s %-10s %9s %9s %9s %9s %9s %12s %10s\n", "mode", "k", "algo", "p50 us",
            "p90 us", "p99 us", "mean us", "QPS", "postings/q", "scored/q");
    for (size_t mi = 0; mi < nm && !status; mi++) {
        sr_mode mode = strcmp(ms[mi], "and") ? SR_MODE_OR : SR_MODE_AND;
        for (size_t ki = 0; ki < nk && !status; ki++) {
            size_t k = (size_t)atol(ks[ki]);
            uint64_t ref_sum = 0;
            /* the reference checksum, always computed */
            for (size_t qi = 0; qi < nq; qi++) {
                sr_query q;
                size_t nh = 0;
                sr_rank_stats st;
                if (sr_query_parse(ix, qs[qi].text, strlen(qs[qi].text), &q, &err) ||
                    sr_rank(ix, &q, mode, SR_ALGO_EXHAUSTIVE, k, hits, &nh, &st, &err)) {
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
                        sr_query_parse(ix, qs[qi].text, strlen(qs[qi].text), &q, &err);
                        sr_rank(ix, &q, mode, algo, k, hits, &nh, &st, &err);
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
                       "\"mode\":\"%s\",\"k\":%zu,\"algo\":\"%s\",\"queries\":%zu,\"p50_us\":%.2f,"
                       "\"p90_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f,\"qps\":%.1f,"
                       "\"postings_per_query\":%.1f,\"docs_scored_per_query\":%.1f,"
                       "\"checksum\":\"%016llx\",%s}\n",
                       label, (unsigned long long)ix->n_live, ms[mi], k, as[ai], nq, s.p50, s.p90,
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
            sr_query_parse(ix, qs[qi].text, strlen(qs[qi].text), &q, &err);
            sr_rank(ix, &q, SR_MODE_OR, SR_ALGO_DEFAULT, kmax, hits, &nh, &st, &err);
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
