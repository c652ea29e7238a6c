/* nb_store: the docstore trade-off (issue 9): index size against the cost
 * of fetching one document's body, at a few settings of block size,
 * dictionary size and zstd level.
 *
 * The bodies of a JSON Lines corpus are held in memory, in input order, as
 * the indexer sees them.  For each setting they are compressed the way a
 * docstore would hold them: in frames of consecutive bodies of at least B
 * raw bytes (B = 0: one frame per document, format 3.0), with or without a
 * dictionary of at most D bytes trained from the first bodies by
 * indexer/ix_docstore.c's own sample and training (FORMAT.md "docstore"),
 * at level L.  A fetch is what a snippet costs: decompress the frame holding
 * one random document's body with a ZSTD_DCtx (and a ZSTD_DDict made once,
 * as the searcher keeps one), then find the body in it.
 *
 * Checks before any figure is printed: every frame decompresses to exactly
 * its bodies, and every timed fetch gives the document's body back. */
#define ZDICT_STATIC_LINKING_ONLY
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>

#include "ix_docstore.h"
#include "nb.h"
#include "ns_buf.h"
#include "ns_format.h"
#include "ns_json.h"
#include "ns_utf8.h"

#define NB_STORE_SEED 0x9e3779b97f4a7c15ull
#define NB_MAX_SETTINGS 32

/* doc/64K/1 is format 3.0 at level 1; doc/64K/3 is format 3.0 (nindex's
 * default); 32K/0/1 is format 2.0's docstore. */
static const char default_settings[] =
    "doc/64K/1,doc/64K/3,doc/0/3,doc/16K/3,doc/32K/3,4K/0/3,4K/64K/3,32K/0/1";

static const char usage_text[] =
    "Usage: nbench store --corpus FILE.jsonl [OPTION]...\n"
    "The docstore trade-off: compressed size against the time to fetch one body.\n"
    "\n"
    "      --corpus=FILE    JSON Lines; each object's \"body\" (else \"text\")\n"
    "      --settings=LIST  comma-separated B/D/L (default:\n"
    "                       doc/64K/1,doc/64K/3,doc/0/3,doc/16K/3,doc/32K/3,\n"
    "                       4K/0/3,4K/64K/3,32K/0/1):\n"
    "                         B  frames of consecutive bodies of at least B raw\n"
    "                            bytes; 'doc' or 0: one frame per document\n"
    "                         D  dictionary capacity in bytes (0: none), trained\n"
    "                            as nindex does from the first 1 MiB of bodies\n"
    "                         L  zstd level\n"
    "                       (sizes take K and M suffixes)\n"
    "      --fetches=N      random documents fetched per setting (default 20000;\n"
    "                       fixed seed, documents with a non-empty body)\n"
    "      --repeat=N       timed passes over them; each fetch's best time is\n"
    "                       kept (default 3)\n"
    "      --label=NAME     corpus label in the JSON lines (default: file name)\n"
    "\n"
    "Output: one JSON line per setting on stdout (total bytes = frames +\n"
    "dictionary, ratio = body bytes / total, training and compression ms on one\n"
    "thread, fetch mean/p50/p99 in microseconds), then a table on stderr.\n"
    "A corpus that does not exist is skipped (exit 0).  Exit 4 if a round trip\n"
    "fails.\n";

typedef struct setting {
    char name[80];
    size_t block;    /* B: 0 = one frame per document */
    size_t dict_cap; /* D: 0 = no dictionary */
    int level;       /* L */
} setting;

typedef struct corpus {
    ns_buf raw;     /* every body, in input order */
    size_t *off;    /* owned: n + 1 offsets into raw */
    size_t n;       /* documents (JSON objects) */
    size_t n_empty; /* of them with no body */
} corpus;

typedef struct store {
    ns_buf comp;       /* the frames, in order */
    size_t *frame_off; /* owned: n_frames + 1 offsets into comp */
    size_t *first;     /* owned: n_frames + 1 first documents */
    size_t *frame_of;  /* owned: per document, its frame */
    size_t n_frames, max_raw;
    void *dict; /* owned */
    size_t dict_len;
    double train_ms, compress_ms;
} store;

/* ---- arguments ---- */

/* "64K" -> 65536; returns 0 on success. */
static int parse_size(const char *s, size_t len, size_t *out)
{
    if (len == 3 && !memcmp(s, "doc", 3)) {
        *out = 0;
        return 0;
    }
    size_t v = 0, i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > SIZE_MAX / 10 - 1)
            return -1;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    if (i == 0)
        return -1;
    size_t mul = 1;
    if (i < len && (s[i] == 'K' || s[i] == 'k'))
        mul = 1024, i++;
    else if (i < len && (s[i] == 'M' || s[i] == 'm'))
        mul = 1024 * 1024, i++;
    if (i != len || v > SIZE_MAX / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static void size_name(char *out, size_t cap, size_t v)
{
    if (v && v % (1024 * 1024) == 0)
        snprintf(out, cap, "%zuM", v / (1024 * 1024));
    else if (v && v % 1024 == 0)
        snprintf(out, cap, "%zuK", v / 1024);
    else
        snprintf(out, cap, "%zu", v);
}

/* Parses LIST into s[]; returns the count, or 0 (reported) when it is bad. */
static size_t parse_settings(const char *list, setting *s, size_t max)
{
    size_t n = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *slash1 = memchr(p, '/', len);
        const char *slash2 = slash1 ? memchr(slash1 + 1, '/', len - (size_t)(slash1 + 1 - p)) : NULL;
        char *end = NULL;
        long level = slash2 ? strtol(slash2 + 1, &end, 10) : 0;
        if (n == max || !slash2 || end != p + len || end == slash2 + 1 ||
            parse_size(p, (size_t)(slash1 - p), &s[n].block) ||
            parse_size(slash1 + 1, (size_t)(slash2 - slash1 - 1), &s[n].dict_cap) ||
            level < ZSTD_minCLevel() || level > ZSTD_maxCLevel() ||
            (s[n].dict_cap && s[n].dict_cap < ZDICT_DICTSIZE_MIN) ||
            s[n].dict_cap > NS_DICT_SAMPLE_BYTES) {
            fprintf(stderr,
                    "nbench: store: bad setting '%.*s' (B/D/L: 'doc' or a block size, a "
                    "dictionary size of 0 or %d..%u bytes, a zstd level; at most %zu settings)\n",
                    (int)len, p, ZDICT_DICTSIZE_MIN, NS_DICT_SAMPLE_BYTES, max);
            return 0;
        }
        s[n].level = (int)level;
        char b[24], d[24];
        size_name(b, sizeof b, s[n].block);
        size_name(d, sizeof d, s[n].dict_cap);
        snprintf(s[n].name, sizeof s[n].name, "%s%s/%s/%d", s[n].block ? "" : "doc",
                 s[n].block ? b : "", d, s[n].level);
        n++;
        p += len + (p[len] == ',');
    }
    if (!n)
        fprintf(stderr, "nbench: store: no settings\n");
    return n;
}

/* ---- the corpus ---- */

/* Reads every object's body; returns 0, 1 when the file does not exist,
 * -1 on another error (reported). */
static int load_corpus(const char *path, corpus *c)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        fprintf(stderr, "nbench: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, off_cap = 1024;
    ssize_t len;
    ns_buf scratch;
    ns_buf_init(&scratch);
    c->off = malloc(off_cap * sizeof *c->off);
    int rc = c->off ? 0 : -1;
    if (c->off)
        c->off[0] = 0;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        ns_json_field fl[2] = {{.name = "body"}, {.name = "text"}};
        ns_err err;
        if (ns_json_extract(line, (size_t)len, fl, 2, &scratch, &err) != NS_OK)
            continue; /* nindex skips it too (with a warning) */
        const ns_json_field *b = fl[0].type == NS_JSON_STRING ? &fl[0]
                                 : fl[1].type == NS_JSON_STRING ? &fl[1]
                                                                : NULL;
        size_t bl = b ? b->len : 0;
        if (bl > NS_MAX_DOC_BYTES) /* nindex truncates it there */
            bl = ns_utf8_floor(scratch.data + b->off, bl, NS_MAX_DOC_BYTES);
        if (c->n + 2 > off_cap) {
            off_cap *= 2;
            size_t *p = realloc(c->off, off_cap * sizeof *p);
            if (!p) {
                rc = -1;
                break;
            }
            c->off = p;
        }
        if (bl && ns_buf_append(&c->raw, scratch.data + b->off, bl))
            rc = -1;
        c->n_empty += bl == 0;
        c->off[++c->n] = c->raw.len;
    }
    if (rc)
        fprintf(stderr, "nbench: out of memory reading '%s'\n", path);
    else if (ferror(f)) {
        fprintf(stderr, "nbench: cannot read '%s': %s\n", path, strerror(errno));
        rc = -1;
    }
    free(line);
    ns_buf_release(&scratch);
    fclose(f);
    return rc;
}

/* ---- one setting ---- */

static void store_release(store *st)
{
    ns_buf_release(&st->comp);
    free(st->frame_off);
    free(st->first);
    free(st->frame_of);
    free(st->dict);
    memset(st, 0, sizeof *st);
}

/* The dictionary as nindex trains it (ix_docstore), of at most cap bytes;
 * none when the sample is too small or training fails (nindex then writes
 * none). */
static void train(const corpus *c, size_t cap, int level, store *st)
{
    ix_dict_sample sample;
    ix_dict_sample_init(&sample);
    int r = 0;
    for (size_t d = 0; d < c->n && r == 0; d++)
        r = ix_dict_sample_add(&sample, (const char *)c->raw.data + c->off[d],
                               c->off[d + 1] - c->off[d]);
    ix_docstore_dict *dict = NULL;
    double t0 = nb_now();
    if (r >= 0 && ix_docstore_dict_train_opts(&sample, cap, level, &dict) == NS_OK && dict) {
        st->train_ms = (nb_now() - t0) * 1e3;
        const void *bytes;
        size_t len = ix_docstore_dict_bytes(dict, &bytes);
        st->dict = malloc(len);
        if (st->dict) {
            memcpy(st->dict, bytes, len);
            st->dict_len = len;
        }
    }
    ix_docstore_dict_free(dict);
    ix_dict_sample_release(&sample);
}

/* Compresses the bodies into frames; returns 0, or -1 (reported). */
static int build_store(const corpus *c, const setting *s, store *st)
{
    if (s->dict_cap)
        train(c, s->dict_cap, s->level, st);
    st->frame_off = malloc((c->n + 1) * sizeof *st->frame_off);
    st->first = malloc((c->n + 1) * sizeof *st->first);
    st->frame_of = malloc((c->n + 1) * sizeof *st->frame_of);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!st->frame_off || !st->first || !st->frame_of || !cc ||
        ns_buf_reserve(&st->comp, ZSTD_compressBound(c->raw.len))) {
        ZSTD_freeCCtx(cc);
        fprintf(stderr, "nbench: store: out of memory\n");
        return -1;
    }
    double t0 = nb_now();
    ZSTD_CDict *cd = st->dict ? ZSTD_createCDict(st->dict, st->dict_len, s->level) : NULL;
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, s->level);
    if (cd)
        ZSTD_CCtx_refCDict(cc, cd);
    int rc = 0;
    size_t n_frames = 0;
    for (size_t d = 0; d < c->n && !rc;) {
        size_t e = d + 1;
        while (e < c->n && c->off[e] - c->off[d] < s->block)
            e++;
        size_t raw_len = c->off[e] - c->off[d];
        st->frame_off[n_frames] = st->comp.len;
        st->first[n_frames] = d;
        for (size_t k = d; k < e; k++)
            st->frame_of[k] = n_frames;
        if (raw_len) { /* an empty frame is zero bytes, as in the docstore */
            size_t bound = ZSTD_compressBound(raw_len);
            if (ns_buf_reserve(&st->comp, bound)) {
                rc = -1;
                break;
            }
            size_t z = ZSTD_compress2(cc, st->comp.data + st->comp.len, bound,
                                      c->raw.data + c->off[d], raw_len);
            if (ZSTD_isError(z)) {
                fprintf(stderr, "nbench: store: %s: %s\n", s->name, ZSTD_getErrorName(z));
                rc = -1;
                break;
            }
            st->comp.len += z;
        }
        if (raw_len > st->max_raw)
            st->max_raw = raw_len;
        n_frames++;
        d = e;
    }
    st->compress_ms = (nb_now() - t0) * 1e3;
    st->frame_off[n_frames] = st->comp.len;
    st->first[n_frames] = c->n;
    st->n_frames = n_frames;
    ZSTD_freeCDict(cd);
    ZSTD_freeCCtx(cc);
    return rc;
}

/* Decompresses frame f into dst (of st->max_raw bytes); returns its
 * length, or SIZE_MAX when it is not exactly its bodies' length. */
static size_t fetch_frame(const corpus *c, const store *st, size_t f, ZSTD_DCtx *dc,
                          const ZSTD_DDict *dd, uint8_t *dst)
{
    size_t raw_len = c->off[st->first[f + 1]] - c->off[st->first[f]];
    const uint8_t *src = st->comp.data + st->frame_off[f];
    size_t src_len = st->frame_off[f + 1] - st->frame_off[f];
    if (!src_len)
        return raw_len ? SIZE_MAX : 0;
    size_t n = dd ? ZSTD_decompress_usingDDict(dc, dst, st->max_raw, src, src_len, dd)
                  : ZSTD_decompressDCtx(dc, dst, st->max_raw, src, src_len);
    return n == raw_len ? n : SIZE_MAX;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Checks the round trip of every frame (which also warms the caches up),
 * then times repeat passes of n_fetch fetches of the documents in docs[];
 * lat[i] is the best time of fetch i (µs).  Returns 0, or -1 (reported). */
static int time_fetches(const corpus *c, const store *st, const setting *s, const size_t *docs,
                        size_t n_fetch, int repeat, double *lat)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    ZSTD_DDict *dd = st->dict ? ZSTD_createDDict(st->dict, st->dict_len) : NULL;
    uint8_t *dst = malloc(st->max_raw ? st->max_raw : 1);
    int rc = dc && dst && (dd || !st->dict) ? 0 : -1;
    if (rc)
        fprintf(stderr, "nbench: store: out of memory\n");
    for (size_t f = 0; !rc && f < st->n_frames; f++) {
        size_t n = fetch_frame(c, st, f, dc, dd, dst);
        if (n == SIZE_MAX || memcmp(dst, c->raw.data + c->off[st->first[f]], n)) {
            fprintf(stderr, "nbench: store: %s: frame %zu does not give its bodies back\n",
                    s->name, f);
            rc = -1;
        }
    }
    for (int pass = 0; !rc && pass < repeat; pass++) {
        for (size_t i = 0; !rc && i < n_fetch; i++) {
            size_t d = docs[i], f = st->frame_of[d];
            double t0 = nb_now();
            size_t n = fetch_frame(c, st, f, dc, dd, dst);
            const uint8_t *body = dst + (c->off[d] - c->off[st->first[f]]);
            double us = (nb_now() - t0) * 1e6;
            if (!pass || us < lat[i])
                lat[i] = us;
            size_t len = c->off[d + 1] - c->off[d];
            if (n == SIZE_MAX || memcmp(body, c->raw.data + c->off[d], len)) {
                fprintf(stderr, "nbench: store: %s: fetch of document %zu failed\n", s->name, d);
                rc = -1;
            }
        }
    }
    free(dst);
    ZSTD_freeDDict(dd);
    ZSTD_freeDCtx(dc);
    return rc;
}

/* ---- the subcommand ---- */

int nb_store_main(int argc, char **argv)
{
    const char *path = NULL, *list = default_settings, *label = NULL;
    long n_fetch = 20000, repeat = 3;
    enum { O_CORPUS = 256, O_SETTINGS, O_FETCHES, O_REPEAT, O_LABEL };
    static const struct option opts[] = {
        {"corpus", required_argument, 0, O_CORPUS}, {"settings", required_argument, 0, O_SETTINGS},
        {"fetches", required_argument, 0, O_FETCHES}, {"repeat", required_argument, 0, O_REPEAT},
        {"label", required_argument, 0, O_LABEL},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case O_CORPUS: path = optarg; break;
        case O_SETTINGS: list = optarg; break;
        case O_FETCHES: n_fetch = strtol(optarg, NULL, 10); break;
        case O_REPEAT: repeat = strtol(optarg, NULL, 10); break;
        case O_LABEL: label = optarg; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default:
            fprintf(stderr, "Try 'nbench store --help' for more information.\n");
            return 2;
        }
    }
    if (!path || optind < argc || n_fetch < 1 || repeat < 1 || repeat > 100) {
        fprintf(stderr, "nbench: store: %s\nTry 'nbench store --help' for more information.\n",
                !path                         ? "no --corpus given"
                : n_fetch < 1                 ? "--fetches must be at least 1"
                : repeat < 1 || repeat > 100 ? "--repeat must be 1 to 100"
                                              : "unexpected argument");
        return 2;
    }
    setting s[NB_MAX_SETTINGS];
    size_t n_set = parse_settings(list, s, NB_MAX_SETTINGS);
    if (!n_set)
        return 2;
    if (!label) {
        const char *slash = strrchr(path, '/');
        label = slash ? slash + 1 : path;
    }
    corpus c;
    memset(&c, 0, sizeof c);
    ns_buf_init(&c.raw);
    int lr = load_corpus(path, &c);
    if (lr) {
        if (lr > 0)
            fprintf(stderr, "nbench: store: corpus '%s' not found: skipped\n", path);
        free(c.off);
        ns_buf_release(&c.raw);
        return lr > 0 ? 0 : 4;
    }
    if (c.n == c.n_empty) {
        fprintf(stderr, "nbench: store: no bodies in '%s'\n", path);
        free(c.off);
        ns_buf_release(&c.raw);
        return 3;
    }
    /* the fetched documents: the same for every setting */
    size_t *docs = malloc((size_t)n_fetch * sizeof *docs);
    double *lat = malloc((size_t)n_fetch * sizeof *lat);
    uint64_t seed = NB_STORE_SEED;
    for (long i = 0; docs && i < n_fetch;) {
        size_t d = (size_t)(splitmix64(&seed) % c.n);
        if (c.off[d + 1] > c.off[d])
            docs[i++] = d;
    }
    if (!docs || !lat) {
        fprintf(stderr, "nbench: store: out of memory\n");
        free(docs);
        free(lat);
        free(c.off);
        ns_buf_release(&c.raw);
        return 4;
    }
    double raw = (double)c.raw.len;
    fprintf(stderr, "%s: %zu documents (%zu without a body), %.2f MB of bodies; %ld fetches, best of %ld\n",
            label, c.n, c.n_empty, raw / 1e6, n_fetch, repeat);
    fprintf(stderr, "%-14s %8s %9s %7s %6s %9s %9s %9s %8s %8s %8s\n", "setting", "frames", "total MB",
            "dict KB", "ratio", "train ms", "comp ms", "raw/fetch", "mean us", "p50 us", "p99 us");
    int status = 0;
    for (size_t i = 0; i < n_set && !status; i++) {
        store st;
        memset(&st, 0, sizeof st);
        ns_buf_init(&st.comp);
        if (build_store(&c, &s[i], &st) || time_fetches(&c, &st, &s[i], docs, (size_t)n_fetch, (int)repeat, lat)) {
            store_release(&st);
            status = 4;
            break;
        }
        double raw_per_fetch = 0;
        for (long k = 0; k < n_fetch; k++) {
            size_t f = st.frame_of[docs[k]];
            raw_per_fetch += (double)(c.off[st.first[f + 1]] - c.off[st.first[f]]);
        }
        raw_per_fetch /= (double)n_fetch;
        nb_stats lt;
        nb_stats_compute(lat, (size_t)n_fetch, &lt);
        size_t total = st.comp.len + st.dict_len;
        printf("{\"bench\":\"store\",\"corpus\":\"%s\",\"docs\":%zu,\"body_bytes\":%zu,"
               "\"setting\":\"%s\",\"block_bytes\":%zu,\"dict_capacity\":%zu,\"level\":%d,"
               "\"frames\":%zu,\"frame_bytes\":%zu,\"dict_bytes\":%zu,\"total_bytes\":%zu,"
               "\"ratio\":%.4f,\"train_ms\":%.2f,\"compress_ms\":%.2f,\"fetches\":%ld,"
               "\"raw_bytes_per_fetch\":%.0f,\"fetch_mean_us\":%.3f,\"fetch_p50_us\":%.3f,"
               "\"fetch_p99_us\":%.3f,\"repeat\":%ld,%s}\n",
               label, c.n, c.raw.len, s[i].name, s[i].block, s[i].dict_cap, s[i].level,
               st.n_frames, st.comp.len, st.dict_len, total, raw / (double)total, st.train_ms,
               st.compress_ms, n_fetch, raw_per_fetch, lt.mean, lt.p50, lt.p99, repeat, nb_meta_json());
        fflush(stdout);
        fprintf(stderr, "%-14s %8zu %9.3f %7.1f %6.3f %9.1f %9.0f %9.0f %8.2f %8.2f %8.2f\n",
                s[i].name, st.n_frames, (double)total / 1e6, (double)st.dict_len / 1024,
                raw / (double)total, st.train_ms, st.compress_ms, raw_per_fetch, lt.mean, lt.p50,
                lt.p99);
        store_release(&st);
    }
    if (!status)
        fprintf(stderr, "(setting B/D/L: frames of at least B raw bytes ('doc': one per document), "
                        "dictionary of at most D bytes, zstd level L; total = frames + dictionary; "
                        "raw/fetch = bytes decompressed per fetch)\n");
    free(docs);
    free(lat);
    free(c.off);
    ns_buf_release(&c.raw);
    return status;
}
