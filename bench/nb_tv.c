/* nbench tv: the two ways to get RM3's term vectors (issue 15), measured
 * on the same feedback documents.
 *
 *   nbench tv -i INDEX_DIR -q QUERIES [--fb-docs N] [--limit N]
 *
 * "reanalyse" is what --expand does: sr_tv_read, the stored title and body
 * decompressed and analysed again.  "forward" is a forward index built here
 * in memory from the postings, as nindex would write it: per document its
 * term ordinals in increasing order, each as a varint gap, and its tf as a
 * varint, after a varint count; its size is what the index would grow by,
 * with a 4-byte offset per document and a 4-byte df per term (the filter
 * needs df by ordinal; terms by ordinal need a dictionary addressable by
 * ordinal, not counted).  Both are timed on the first pass's top fb-docs
 * documents of every query (maxscore), and the forward vectors are checked
 * to equal the re-analysed ones term for term.  Prints one JSON line
 * ("bench":"tv") and a table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb.h"
#include "ns_alloc.h"
#include "ns_varint.h"
#include "sr_cursor.h"
#include "sr_feedback.h"
#include "sr_index.h"
#include "sr_query.h"
#include "sr_rank.h"

typedef struct post {
    uint32_t doc, ord, tf;
} post;

typedef struct fwd {
    uint8_t *bytes; /* owned: every document's vector */
    uint64_t *off;  /* owned: n_docs + 1 offsets into bytes */
    char **term;    /* owned: term by ordinal (NUL-terminated, owned) */
    uint32_t *term_len, *df;
    uint64_t n_terms, n_bytes;
} fwd;

static int by_doc(const void *a, const void *b)
{
    const post *x = a, *y = b;
    if (x->doc != y->doc)
        return (x->doc > y->doc) - (x->doc < y->doc);
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* The forward index of ix's text terms (keyword terms left out). */
static int build_fwd(const sr_index *ix, fwd *f)
{
    memset(f, 0, sizeof *f);
    size_t cap = (size_t)ix->n_postings + 1, n = 0;
    post *p = malloc(cap * sizeof *p);
    f->term = calloc((size_t)ix->n_terms + 1, sizeof *f->term);
    f->term_len = calloc((size_t)ix->n_terms + 1, sizeof *f->term_len);
    f->df = calloc((size_t)ix->n_terms + 1, sizeof *f->df);
    sr_cursor *c = aligned_alloc(64, sizeof *c);
    if (!p || !f->term || !f->term_len || !f->df || !c)
        return -1;
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info ti;
    ns_err err;
    int r;
    while ((r = sr_dict_iter_next(ix, &it, &ti, &err)) == 1) {
        if (it.term_len && it.term[0] == 0x1F)
            continue; /* a keyword term: not in the text's vector */
        uint32_t o = (uint32_t)f->n_terms++;
        f->term[o] = strndup(it.term, it.term_len);
        f->term_len[o] = (uint32_t)it.term_len;
        f->df[o] = ti.df;
        sr_cursor_init(c, ix, &ti, 1.0, 1.0);
        for (; c->doc != SR_DOC_END && n < cap; sr_cursor_next(c))
            p[n++] = (post){c->doc, o, sr_cursor_freq(c)};
    }
    free(c);
    if (r < 0) {
        fprintf(stderr, "nbench tv: %s\n", err.msg);
        return -1;
    }
    qsort(p, n, sizeof *p, by_doc);
    f->off = calloc((size_t)ix->n_docs + 1, sizeof *f->off);
    f->bytes = malloc(n * 15 + (size_t)ix->n_docs * 5 + 1);
    if (!f->off || !f->bytes)
        return -1;
    size_t i = 0, at = 0;
    for (uint32_t d = 0; d < ix->n_docs; d++) {
        f->off[d] = at;
        size_t j = i;
        while (j < n && p[j].doc == d)
            j++;
        at += ns_varint_put(f->bytes + at, j - i);
        uint32_t prev = 0;
        for (; i < j; i++) {
            at += ns_varint_put(f->bytes + at, p[i].ord - prev);
            at += ns_varint_put(f->bytes + at, p[i].tf);
            prev = p[i].ord;
        }
    }
    f->off[ix->n_docs] = at;
    f->n_bytes = at;
    free(p);
    return 0;
}

/* Decodes document d's vector into tv (terms by ordinal, in term order as
 * sr_tv_read sorts them). */
static int read_fwd(const fwd *f, uint32_t d, sr_tv *tv)
{
    const uint8_t *p = f->bytes + f->off[d], *end = f->bytes + f->off[d + 1];
    uint64_t n;
    if (ns_varint_get(&p, end, &n))
        return -1;
    ns_buf_reset(&tv->bytes);
    tv->n = 0;
    if (n > tv->cap) {
        sr_tv_entry *e = ns_realloc(tv->e, (size_t)n * sizeof *e);
        if (!e)
            return -1;
        tv->e = e;
        tv->cap = (size_t)n;
    }
    uint64_t o = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t gap, tf;
        if (ns_varint_get(&p, end, &gap) || ns_varint_get(&p, end, &tf))
            return -1;
        o += gap;
        size_t at = tv->bytes.len;
        if (ns_buf_append(&tv->bytes, f->term[o], f->term_len[o]))
            return -1;
        tv->e[tv->n++] = (sr_tv_entry){(uint32_t)at, f->term_len[o], (uint32_t)tf};
    }
    return 0;
}

static int same_tv(const sr_tv *a, const sr_tv *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].len != b->e[i].len || a->e[i].tf != b->e[i].tf ||
            memcmp(a->bytes.data + a->e[i].off, b->bytes.data + b->e[i].off, a->e[i].len))
            return 0;
    return 1;
}

static const char usage_text[] =
    "Usage: nbench tv -i INDEX_DIR -q QUERIES [OPTION]...\n"
    "RM3's term vectors: re-analysed stored text against a forward index.\n\n"
    "  -i, --index=DIR      the index\n"
    "  -q, --queries=FILE   one query per line, 'qid<TAB>text'\n"
    "      --fb-docs=N      feedback documents per query (default 10)\n"
    "      --limit=N        use the first N queries\n\n"
    "Output: one JSON line (\"bench\":\"tv\": forward index bytes and its share\n"
    "of the index; per query, mean/p50/p99 microseconds to get the vectors\n"
    "of the top fb-docs documents each way), then a table on stderr.  Exit 4\n"
    "if a forward vector differs from the re-analysed one.\n";

int nb_tv_main(int argc, char **argv)
{
    const char *dir = NULL, *qfile = NULL;
    size_t fb_docs = 10, limit = (size_t)-1;
    static const struct option opts[] = {{"index", required_argument, 0, 'i'},
                                         {"queries", required_argument, 0, 'q'},
                                         {"fb-docs", required_argument, 0, 'd'},
                                         {"limit", required_argument, 0, 'l'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "i:q:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': dir = optarg; break;
        case 'q': qfile = optarg; break;
        case 'd': fb_docs = (size_t)strtoul(optarg, NULL, 10); break;
        case 'l': limit = (size_t)strtoul(optarg, NULL, 10); break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (!dir || !qfile || fb_docs == 0 || fb_docs > 1000) {
        fputs(usage_text, stderr);
        return 2;
    }
    sr_index *ix;
    ns_err err;
    if (sr_index_open(dir, &ix, &err)) {
        fprintf(stderr, "nbench tv: %s\n", err.msg);
        return 3;
    }
    FILE *qf = fopen(qfile, "r");
    if (!qf) {
        perror(qfile);
        sr_index_close(ix);
        return 2;
    }
    fwd f;
    double t0 = nb_now();
    if (build_fwd(ix, &f)) {
        fprintf(stderr, "nbench tv: cannot build the forward index\n");
        return 4;
    }
    double build_s = nb_now() - t0;
    uint64_t index_bytes = 0;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        index_bytes += ix->f[k].size;
    uint64_t fwd_total = f.n_bytes + 4 * (ix->n_docs + 1) + 4 * f.n_terms;

    size_t cap_q = 1024, n_q = 0;
    double *lat_re = malloc(cap_q * sizeof *lat_re), *lat_fw = malloc(cap_q * sizeof *lat_fw);
    sr_hit *hits = malloc(fb_docs * sizeof *hits);
    sr_tv a, b;
    sr_tv_init(&a);
    sr_tv_init(&b);
    char line[4096];
    int bad = 0;
    uint64_t n_vectors = 0;
    while (n_q < limit && fgets(line, sizeof line, qf)) {
        line[strcspn(line, "\r\n")] = 0;
        char *text = strchr(line, '\t');
        text = text ? text + 1 : line;
        sr_query q;
        size_t nh = 0;
        sr_rank_stats st;
        if (sr_query_parse(ix, text, strlen(text), &q, &err))
            continue;
        if (!q.root || sr_rank(ix, &q, SR_ALGO_MAXSCORE, fb_docs, hits, &nh, &st, &err) || !nh) {
            sr_query_release(&q);
            continue;
        }
        sr_query_release(&q);
        if (n_q == cap_q) {
            cap_q *= 2;
            lat_re = realloc(lat_re, cap_q * sizeof *lat_re);
            lat_fw = realloc(lat_fw, cap_q * sizeof *lat_fw);
        }
        double s = nb_now();
        for (size_t i = 0; i < nh; i++)
            if (sr_tv_read(ix, hits[i].doc, &a, &err))
                bad = 1;
        double m = nb_now();
        for (size_t i = 0; i < nh; i++)
            if (read_fwd(&f, hits[i].doc, &b))
                bad = 1;
        double e = nb_now();
        lat_re[n_q] = (m - s) * 1e6;
        lat_fw[n_q] = (e - m) * 1e6;
        n_q++;
        /* the last document's two vectors, compared; then every one of them */
        for (size_t i = 0; i < nh; i++) {
            sr_tv_read(ix, hits[i].doc, &a, &err);
            read_fwd(&f, hits[i].doc, &b);
            n_vectors++;
            if (!same_tv(&a, &b)) {
                if (!bad)
                    fprintf(stderr, "nbench tv: document %u: the forward vector (%zu terms) is not "
                                    "the re-analysed one (%zu terms)\n",
                            hits[i].doc, b.n, a.n);
                bad = 2;
            }
        }
    }
    fclose(qf);
    nb_stats re, fw;
    nb_stats_compute(lat_re, n_q, &re);
    nb_stats_compute(lat_fw, n_q, &fw);
    printf("{\"bench\":\"tv\",\"index\":\"%s\",\"queries\":%zu,\"fb_docs\":%zu,\"vectors_checked\":%llu,"
           "\"index_bytes\":%llu,\"forward_bytes\":%llu,\"growth\":%.4f,\"build_s\":%.3f,"
           "\"reanalyse_us\":{\"mean\":%.2f,\"p50\":%.2f,\"p99\":%.2f},"
           "\"forward_us\":{\"mean\":%.2f,\"p50\":%.2f,\"p99\":%.2f},%s}\n",
           dir, n_q, fb_docs, (unsigned long long)n_vectors, (unsigned long long)index_bytes,
           (unsigned long long)fwd_total, (double)fwd_total / (double)index_bytes, build_s,
           re.mean, re.p50, re.p99, fw.mean, fw.p50, fw.p99, nb_meta_json());
    fprintf(stderr,
            "term vectors of the top %zu, %zu queries (%s)\n"
            "  forward index: %.1f MB, +%.1f %% of the index (%.1f MB)\n"
            "  re-analysis:   mean %.1f us, p50 %.1f, p99 %.1f per query\n"
            "  forward index: mean %.1f us, p50 %.1f, p99 %.1f per query\n",
            fb_docs, n_q, bad == 2 ? "VECTORS DIFFER" : "vectors equal", fwd_total / 1e6,
            100.0 * (double)fwd_total / (double)index_bytes, index_bytes / 1e6, re.mean, re.p50,
            re.p99, fw.mean, fw.p50, fw.p99);
    for (uint64_t o = 0; o < f.n_terms; o++)
        free(f.term[o]);
    free(f.term);
    free(f.term_len);
    free(f.df);
    free(f.off);
    free(f.bytes);
    free(lat_re);
    free(lat_fw);
    free(hits);
    sr_tv_release(&a);
    sr_tv_release(&b);
    sr_index_close(ix);
    return bad == 2 ? 4 : bad ? 3 : 0;
}
