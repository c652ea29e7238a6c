/* nb_set: latency of a query over an index or a set of shards in one
 * process, through the public library (nsearch_index_open_set): search
 * (top k) alone, and end to end with every hit rendered as nsearch prints
 * it (TREC, or JSON with snippets), per query of a log; p50/p99/mean.  The
 * figure README "Shards" and docs/SCALING.md compare across shard counts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb.h"
#include "nsearch.h"

static const char usage_text[] =
    "Usage: nbench set -i DIR [-i DIR]... -q QUERIES [-k K] [--format trec|json]\n"
    "                  [--repeat R] [--label NAME]\n"
    "Query latency over one index or the shards of one set (nsearch -i S0 -i S1 ...),\n"
    "in process, through libnsearch: the search, and the search with its hits\n"
    "rendered (TREC by default; JSON with snippets).\n"
    "\n"
    "  -i, --index=DIR   an index, or a shard (repeat for every shard of the set)\n"
    "  -q, --queries=F   queries, 'QID<TAB>TEXT' a line (as nsearch --queries)\n"
    "  -k N              hits per query (default 10)\n"
    "      --format=F    trec (default) or json\n"
    "      --repeat=R    passes over the log (default 3; the first warms up and is\n"
    "                    not counted when R > 1)\n"
    "      --label=NAME  corpus label for the JSON line\n";

#define MAX_DIRS 256

int nb_set_main(int argc, char **argv)
{
    static const struct option opts[] = {{"index", required_argument, 0, 'i'},
                                         {"queries", required_argument, 0, 'q'},
                                         {"format", required_argument, 0, 'f'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"label", required_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dirs[MAX_DIRS], *qpath = NULL, *label = "";
    size_t n_dirs = 0, k = 10, repeat = 3;
    int fmt = NSEARCH_TREC, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:q:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (n_dirs == MAX_DIRS) {
                fprintf(stderr, "nbench: more than %d -i\n", MAX_DIRS);
                return 2;
            }
            dirs[n_dirs++] = optarg;
            break;
        case 'q': qpath = optarg; break;
        case 'k': k = (size_t)strtoull(optarg, NULL, 10); break;
        case 'r': repeat = (size_t)strtoull(optarg, NULL, 10); break;
        case 'l': label = optarg; break;
        case 'f':
            if (!strcmp(optarg, "trec"))
                fmt = NSEARCH_TREC;
            else if (!strcmp(optarg, "json"))
                fmt = NSEARCH_JSON;
            else {
                fputs(usage_text, stderr);
                return 2;
            }
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (!n_dirs || !qpath || k == 0 || repeat == 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    FILE *f = fopen(qpath, "r");
    if (!f) {
        perror(qpath);
        return 3;
    }
    char **qs = NULL, *line = NULL;
    size_t nq = 0, cap = 0, lcap = 0;
    ssize_t got;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = 0;
        char *tab = strchr(line, '\t');
        if (!tab || !tab[1])
            continue;
        if (nq == cap) {
            cap = cap ? 2 * cap : 256;
            qs = realloc(qs, cap * sizeof *qs);
            if (!qs)
                return 4;
        }
        qs[nq++] = strdup(tab + 1);
    }
    free(line);
    fclose(f);
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    if (nsearch_index_open_set(dirs, n_dirs, &ix, &err) || nsearch_reader_new(ix, &r, &err)) {
        fprintf(stderr, "nbench: %s\n", err.message);
        return 3;
    }
    nsearch_index_stats ist;
    nsearch_index_stats_get(ix, &ist);
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    so.k = k;
    nsearch_render_opts ro;
    nsearch_render_opts_init(&ro);
    ro.format = fmt;
    size_t passes = repeat > 1 ? repeat - 1 : 1;
    double *rank = malloc(nq * passes * sizeof *rank), *total = malloc(nq * passes * sizeof *total);
    size_t ns = 0, bytes = 0;
    if (!rank || !total)
        return 4;
    for (size_t pass = 0; pass < repeat; pass++) {
        for (size_t q = 0; q < nq; q++) {
            double t0 = nb_now();
            nsearch_results res;
            if (nsearch_reader_search(r, qs[q], strlen(qs[q]), &so, &res, &err)) {
                if (err.rc == NSEARCH_E_QUERY)
                    continue;
                fprintf(stderr, "nbench: query '%s': %s\n", qs[q], err.message);
                return 4;
            }
            double t1 = nb_now();
            char qid[32];
            snprintf(qid, sizeof qid, "%zu", q);
            ro.qid = qid;
            for (size_t i = 0; i < res.n; i++) {
                nsearch_str out;
                if (nsearch_reader_render(r, &res.hits[i], i + 1, &ro, &out, &err)) {
                    fprintf(stderr, "nbench: render: %s\n", err.message);
                    return 4;
                }
                bytes += out.len;
            }
            double t2 = nb_now();
            if (repeat == 1 || pass > 0) {
                rank[ns] = (t1 - t0) * 1e6;
                total[ns] = (t2 - t0) * 1e6;
                ns++;
            }
        }
    }
    nb_stats sr, st;
    nb_stats_compute(rank, ns, &sr);
    nb_stats_compute(total, ns, &st);
    printf("{\"bench\":\"set\",\"corpus\":\"%s\",\"shards\":%zu,\"docs\":%llu,\"k\":%zu,"
           "\"format\":\"%s\",\"queries\":%zu,\"samples\":%zu,\"search_p50_us\":%.2f,"
           "\"search_p99_us\":%.2f,\"search_mean_us\":%.2f,\"total_p50_us\":%.2f,"
           "\"total_p99_us\":%.2f,\"total_mean_us\":%.2f,\"out_bytes\":%zu,%s}\n",
           label, n_dirs, (unsigned long long)ist.live_documents, k,
           fmt == NSEARCH_TREC ? "trec" : "json", nq, ns, sr.p50, sr.p99, sr.mean, st.p50, st.p99,
           st.mean, bytes, nb_meta_json());
    fprintf(stderr, "set: %zu shard%s, %zu queries x %zu: search p50 %.1f p99 %.1f mean %.1f us; "
                    "with output p50 %.1f p99 %.1f mean %.1f us\n",
            n_dirs, n_dirs == 1 ? "" : "s", nq, passes, sr.p50, sr.p99, sr.mean, st.p50, st.p99,
            st.mean);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    for (size_t q = 0; q < nq; q++)
        free(qs[q]);
    free(qs);
    free(rank);
    free(total);
    return 0;
}
