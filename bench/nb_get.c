/* nb_get: latency of nsearch --get in process: the lookup by id (binary
 * search of the sorted ids), the document's head and body, and its JSON,
 * per id, for ids drawn from the index (fixed seed) and for absent ids. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_endian.h"
#include "ns_format.h"
#include "sr_index.h"
#include "sr_output.h"

static const char usage_text[] =
    "Usage: nbench get -i INDEX_DIR [--n N] [--label NAME]\n"
    "Latency of a lookup by id with its output (nsearch --get), in process.\n"
    "\n"
    "  -i, --index=DIR   the index\n"
    "      --n=N         ids to look up (default 20000; drawn with a fixed seed)\n"
    "      --label=NAME  corpus label for the JSON lines\n"
    "\n"
    "Output: JSON lines (present ids: find, fetch head and body, JSON; absent\n"
    "ids: find) with p50/p99/mean in microseconds, and a table on stderr.\n";

int nb_get_main(int argc, char **argv)
{
    static const struct option opts[] = {{"index", required_argument, 0, 'i'},
                                         {"n", required_argument, 0, 'n'},
                                         {"label", required_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dir = NULL, *label = "";
    size_t n = 20000;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': dir = optarg; break;
        case 'n': n = (size_t)strtoull(optarg, NULL, 10); break;
        case 'l': label = optarg; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (!dir || n == 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    sr_index *ix;
    ns_err err;
    if (sr_index_open(dir, &ix, &err)) {
        fprintf(stderr, "nbench: %s\n", err.msg);
        return 3;
    }
    if (!ix->n_live) {
        fprintf(stderr, "nbench: index '%s' has no documents\n", dir);
        sr_index_close(ix);
        return 3;
    }
    /* the ids to look up, copied out of the index */
    char **ids = malloc(n * sizeof *ids);
    double *t_hit = malloc(n * sizeof *t_hit), *t_miss = malloc(n * sizeof *t_miss);
    uint32_t seed = 42;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t d = ns_get_u32le(ix->docs_ids + 4 * ((seed >> 4) % ix->n_live));
        sr_doc h;
        if (sr_index_doc_head(ix, d, &h, &err)) {
            fprintf(stderr, "nbench: %s\n", err.msg);
            return 3;
        }
        ids[i] = malloc(h.len[NS_FIELD_ID] + 1);
        memcpy(ids[i], h.f[NS_FIELD_ID], h.len[NS_FIELD_ID]);
        ids[i][h.len[NS_FIELD_ID]] = 0;
    }
    ns_buf out;
    ns_buf_init(&out);
    sr_out_opts o = {SR_FMT_JSON, false, NULL, false, NULL};
    size_t bytes = 0;
    for (int pass = 0; pass < 2; pass++) { /* a warm-up pass, then the timed one */
        for (size_t i = 0; i < n; i++) {
            double t0 = nb_now();
            uint32_t d;
            bool found;
            sr_doc doc;
            ns_buf_reset(&out);
            if (sr_index_find_id(ix, ids[i], strlen(ids[i]), &d, &found, &err) || !found ||
                sr_index_doc(ix, d, &doc, &err) || sr_output_doc(&out, &o, ix, &doc, &err)) {
                fprintf(stderr, "nbench: '%s': %s\n", ids[i], found ? err.msg : "not found");
                return 4;
            }
            t_hit[i] = (nb_now() - t0) * 1e6;
            bytes += out.len;
            /* an absent id: the same one with a byte appended */
            char miss[NS_MAX_FIELD_BYTES + 2];
            snprintf(miss, sizeof miss, "%s\x7f", ids[i]);
            t0 = nb_now();
            if (sr_index_find_id(ix, miss, strlen(miss), &d, &found, &err) || found) {
                fprintf(stderr, "nbench: absent id found\n");
                return 4;
            }
            t_miss[i] = (nb_now() - t0) * 1e6;
        }
    }
    nb_stats sh, sm;
    nb_stats_compute(t_hit, n, &sh);
    nb_stats_compute(t_miss, n, &sm);
    printf("{\"bench\":\"get\",\"label\":\"%s\",\"n\":%zu,\"present\":{\"p50_us\":%.2f,\"p99_us\":%.2f,"
           "\"mean_us\":%.2f},\"absent\":{\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f},"
           "\"json_bytes_mean\":%.0f,%s}\n",
           label, n, sh.p50, sh.p99, sh.mean, sm.p50, sm.p99, sm.mean, (double)bytes / (2.0 * n),
           nb_meta_json());
    fprintf(stderr, "%-28s %10s %10s %10s\n", "get", "p50 us", "p99 us", "mean us");
    fprintf(stderr, "%-28s %10.2f %10.2f %10.2f\n", "present (find+fetch+JSON)", sh.p50, sh.p99,
            sh.mean);
    fprintf(stderr, "%-28s %10.2f %10.2f %10.2f\n", "absent (find)", sm.p50, sm.p99, sm.mean);
    ns_buf_release(&out);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(t_hit);
    free(t_miss);
    sr_index_close(ix);
    return 0;
}
