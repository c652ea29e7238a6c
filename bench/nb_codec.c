/* nb_codec: `nbench codec`, decode throughput of the packed block codec
 * (ns_block) in integers per second, per implementation (scalar, SSE4.1,
 * AVX2, AVX-512) and variant (plain unpack, fused delta for doc ids):
 *
 *  - "random": per bit width 0..32, a buffer of many blocks of random
 *    values (64 Ki blocks by default: 16*bits MiB, beyond L2 from 3 bits
 *    on, like a long posting list), each decoded into one 128-int buffer
 *    as a cursor does;
 *  - "hot": the same on the first few blocks only (L1-resident);
 *  - "real" (-i INDEX): the full blocks of every term with df >= 128 of an
 *    index: doc-id blocks for delta, their tf blocks for unpack.
 *
 * Every measurement is preceded by a pass that checks the decoded values
 * (against the generated input, or the scalar reference and the skip table
 * for real lists); a mismatch is an error, never a number. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb.h"
#include "ns_block.h"
#include "ns_format.h"
#include "sr_cursor.h"

#define PROG "nbench codec"
#define MAX_TRIALS 100

typedef struct opts {
    size_t n_blocks, hot_blocks;
    unsigned bits_lo, bits_hi;
    double min_time;
    unsigned trials, out_misalign;
    uint32_t seed;
    bool impl_on[NS_BLOCK_IMPL_COUNT];
    bool do_random, do_hot;
    const char *index_dir;
} opts;

/* One block to decode: `bits`-wide packed data at p, its delta base and,
 * when known, the expected last value (UINT64_MAX: unknown). */
typedef struct blk {
    const uint8_t *p;
    uint32_t bits, base;
    uint64_t last;
} blk;

enum { V_UNPACK, V_DELTA, V_COUNT };
static const char *const variant_names[V_COUNT] = {"unpack", "delta"};

/* Results for the table: [data][impl][variant][bits 0..32, 33 = real]. */
enum { D_RANDOM, D_HOT, D_REAL, D_COUNT };
static const char *const data_names[D_COUNT] = {"random", "hot", "real"};
static double g_res[D_COUNT][NS_BLOCK_IMPL_COUNT][V_COUNT][34];

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: nbench codec [OPTIONS]\n"
            "\n"
            "Decode throughput of the 128-integer packed block codec (ns_block), in\n"
            "integers per second, for each implementation available on this CPU and\n"
            "each variant: 'unpack' (plain values) and 'delta' (fused prefix sum, doc ids).\n"
            "Each block is decoded into one 128-int buffer, as a posting cursor does;\n"
            "decoded values are checked before any figure is printed.\n"
            "\n"
            "Options:\n"
            "  -n, --blocks N        blocks per bit width in the 'random' buffer (default 65536)\n"
            "      --hot-blocks N    blocks of the cache-resident 'hot' run (default 32; 0 = skip)\n"
            "      --no-random       skip the 'random' run (e.g. with -i for real lists only)\n"
            "  -b, --bits LO[-HI]    bit widths to measure (default 0-32)\n"
            "  -I, --impl LIST       comma-separated: scalar,sse41,avx2,avx512 (default: all\n"
            "                        available; unavailable ones are skipped with a note)\n"
            "  -i, --index DIR       also decode the real posting lists of the index in DIR:\n"
            "                        every full block of every term with df >= 128 (doc-id\n"
            "                        blocks for delta, tf blocks for unpack)\n"
            "      --out-misalign N  output buffer at N integers past a 64-byte boundary\n"
            "                        (default 0)\n"
            "  -t, --min-time SEC    minimum duration of one trial (default 0.01)\n"
            "  -r, --trials N        trials per measurement, best one kept (default 10); the\n"
            "                        trials of the implementations alternate\n"
            "  -s, --seed N          seed of the random values (default 42)\n"
            "  -h, --help            this help\n"
            "\n"
            "Output: one JSON object per measurement on stdout, with \"bench\":\"codec\",\n"
            "\"codec\" (IMPL-VARIANT, e.g. \"avx2-delta\"), \"data\" (random, hot or real),\n"
            "\"bit_width\" (0..32, or \"real\"), \"ints_per_s\", \"blocks\", \"in_bytes\" and the\n"
            "build and CPU metadata; then a table in billions of integers per second on stderr.\n"
            "The library's own choice can be steered with NS_BLOCK_IMPL=scalar|sse41|avx2|avx512.\n"
            "\n"
            "Exit status: 0 ok, 2 usage error, 3 index missing or corrupt, 4 failure\n"
            "(decoded values differ from the input, or out of memory).\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'nbench codec --help' for more information.\n");
    return 2;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = (size_t)v;
    return true;
}

static bool parse_impls(const char *s, bool on[NS_BLOCK_IMPL_COUNT])
{
    memset(on, 0, NS_BLOCK_IMPL_COUNT * sizeof *on);
    char buf[128];
    if (strlen(s) >= sizeof buf)
        return false;
    strcpy(buf, s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        ns_block_impl impl;
        if (!ns_block_impl_parse(tok, &impl) || impl == NS_BLOCK_IMPL_AUTO)
            return false;
        on[impl] = true;
    }
    return true;
}

/* xorshift64*: fast and reproducible. */
static uint32_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Decodes every block once with the current implementation and checks it:
 * against vals (128 per block) when given, else against the scalar
 * reference and the expected last value.  Returns the index of the first
 * bad block, or SIZE_MAX. */
static size_t check_pass(const blk *b, size_t n, int variant, const uint32_t *vals)
{
    uint32_t out[NS_BLOCK_LEN], ref[NS_BLOCK_LEN];
    for (size_t i = 0; i < n; i++) {
        if (vals) {
            const uint32_t *v = vals + i * NS_BLOCK_LEN;
            uint32_t prev = b[i].base;
            for (unsigned j = 0; j < NS_BLOCK_LEN; j++)
                ref[j] = variant == V_DELTA ? (prev += v[j] + 1) : v[j];
        } else if (variant == V_DELTA) {
            ns_block_unpack_delta_scalar(b[i].p, b[i].bits, b[i].base, ref);
        } else {
            ns_block_unpack_scalar(b[i].p, b[i].bits, ref);
        }
        memset(out, 0x5A, sizeof out);
        if (variant == V_DELTA)
            ns_block_unpack_delta(b[i].p, b[i].bits, b[i].base, out);
        else
            ns_block_unpack(b[i].p, b[i].bits, out);
        if (memcmp(out, ref, sizeof out))
            return i;
        if (variant == V_DELTA && b[i].last != UINT64_MAX && out[NS_BLOCK_LEN - 1] != b[i].last)
            return i;
    }
    return SIZE_MAX;
}

/* The timed loop: its own function, nothing but the decode calls. */
static uint32_t decode_pass(const blk *restrict b, size_t n, int variant, uint32_t *restrict out)
{
    uint32_t sum = 0;
    if (variant == V_DELTA) {
        for (size_t i = 0; i < n; i++) {
            ns_block_unpack_delta(b[i].p, b[i].bits, b[i].base, out);
            sum += out[NS_BLOCK_LEN - 1];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            ns_block_unpack(b[i].p, b[i].bits, out);
            sum += out[NS_BLOCK_LEN - 1];
        }
    }
    return sum;
}

static volatile uint32_t g_sink;

/* One trial of at least min_time seconds.  Returns integers per second. */
static double trial(const blk *b, size_t n, int variant, uint32_t *out, double min_time)
{
    size_t reps = n >= 4096 ? 1 : (4096 + n - 1) / n; /* passes per clock read */
    size_t passes = 0;
    double t0 = nb_now(), el;
    do {
        for (size_t k = 0; k < reps; k++)
            g_sink += decode_pass(b, n, variant, out);
        passes += reps;
        el = nb_now() - t0;
    } while (el < min_time);
    return (double)passes * (double)n * NS_BLOCK_LEN / el;
}

static void emit(int data, ns_block_impl impl, int variant, int bits, size_t n_blocks,
                 double avg_bits, uint64_t in_bytes, double ips)
{
    char bw[16];
    if (bits < 0)
        snprintf(bw, sizeof bw, "\"real\"");
    else
        snprintf(bw, sizeof bw, "%d", bits);
    printf("{\"bench\":\"codec\",\"codec\":\"%s-%s\",\"impl\":\"%s\",\"variant\":\"%s\","
           "\"data\":\"%s\",\"bit_width\":%s,\"avg_bits\":%.3f,\"blocks\":%zu,"
           "\"in_bytes\":%llu,\"ints_per_s\":%.0f,%s}\n",
           ns_block_impl_str(impl), variant_names[variant], ns_block_impl_str(impl),
           variant_names[variant], data_names[data], bw, avg_bits, n_blocks,
           (unsigned long long)in_bytes, ips,
           nb_meta_json());
    fflush(stdout);
    g_res[data][impl][variant][bits < 0 ? 33 : bits] = ips;
}

/* Checks then measures blocks b[0..n) with every selected implementation.
 * Returns 0, or 4 after a message if a decoder is wrong. */
static int run_blocks(const blk *b, size_t n, const uint32_t *vals, int data, int bits,
                      const int *variants, size_t n_variants, const opts *o)
{
    double avg_bits = 0;
    uint64_t in_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        avg_bits += b[i].bits;
        in_bytes += ns_block_bytes(b[i].bits);
    }
    avg_bits = n ? avg_bits / (double)n : 0;
    _Alignas(64) uint32_t buf[NS_BLOCK_LEN + 16];
    uint32_t *out = buf + o->out_misalign;
    double best[NS_BLOCK_IMPL_COUNT][V_COUNT] = {{0}};
    /* check everything first (this also warms the caches up) */
    for (int impl = 0; impl < NS_BLOCK_IMPL_COUNT; impl++) {
        if (!o->impl_on[impl] || !ns_block_set_impl((ns_block_impl)impl))
            continue;
        for (size_t k = 0; k < n_variants; k++) {
            int v = variants[k];
            size_t bad = check_pass(b, n, v, vals);
            if (bad != SIZE_MAX) {
                fprintf(stderr, PROG ": %s-%s decoded block %zu (%s, %u bits) wrong\n",
                        ns_block_impl_str((ns_block_impl)impl), variant_names[v], bad,
                        data_names[data], b[bad].bits);
                ns_block_set_impl(NS_BLOCK_IMPL_AUTO);
                return 4;
            }
        }
    }
    /* trials round-robin over the implementations, so that a noisy
     * neighbour slows them all alike; the best trial of each is kept */
    for (unsigned t = 0; t < o->trials; t++)
        for (int impl = 0; impl < NS_BLOCK_IMPL_COUNT; impl++) {
            if (!o->impl_on[impl] || !ns_block_set_impl((ns_block_impl)impl))
                continue;
            for (size_t k = 0; k < n_variants; k++) {
                int v = variants[k];
                double r = trial(b, n, v, out, o->min_time);
                if (r > best[impl][v])
                    best[impl][v] = r;
            }
        }
    for (int impl = 0; impl < NS_BLOCK_IMPL_COUNT; impl++)
        for (size_t k = 0; k < n_variants; k++)
            if (best[impl][variants[k]] > 0)
                emit(data, (ns_block_impl)impl, variants[k], bits, n, avg_bits, in_bytes,
                     best[impl][variants[k]]);
    ns_block_set_impl(NS_BLOCK_IMPL_AUTO);
    return 0;
}

/* Random blocks of every width: values uniform below 2^bits, one value
 * with the top bit so the width is exact; bases are the previous block's
 * last id, as a skip table gives them. */
static int run_random(const opts *o)
{
    size_t n = o->n_blocks > o->hot_blocks ? o->n_blocks : o->hot_blocks;
    if (!n)
        return 0;
    uint8_t *data = aligned_alloc(64, n * ns_block_bytes(32) + 64);
    uint32_t *vals = malloc(n * NS_BLOCK_LEN * sizeof *vals);
    blk *b = malloc(n * sizeof *b);
    if (!data || !vals || !b) {
        free(data);
        free(vals);
        free(b);
        fprintf(stderr, PROG ": out of memory for %zu blocks\n", n);
        return 4;
    }
    uint64_t st = 0x9E3779B97F4A7C15ULL ^ o->seed;
    int rc = 0;
    static const int both[] = {V_UNPACK, V_DELTA};
    for (unsigned bits = o->bits_lo; bits <= o->bits_hi && !rc; bits++) {
        uint32_t mask = bits == 32 ? UINT32_MAX : (1u << bits) - 1, prev = UINT32_MAX;
        for (size_t i = 0; i < n; i++) {
            uint32_t *v = vals + i * NS_BLOCK_LEN;
            for (unsigned j = 0; j < NS_BLOCK_LEN; j++)
                v[j] = rng_next(&st) & mask;
            if (bits)
                v[rng_next(&st) % NS_BLOCK_LEN] |= 1u << (bits - 1);
            b[i].p = data + i * ns_block_bytes(bits);
            b[i].bits = bits;
            b[i].base = prev;
            b[i].last = UINT64_MAX;
            ns_block_pack(v, bits, data + i * ns_block_bytes(bits));
            for (unsigned j = 0; j < NS_BLOCK_LEN; j++)
                prev += v[j] + 1;
        }
        if (o->do_random && o->n_blocks)
            rc = run_blocks(b, o->n_blocks, vals, D_RANDOM, (int)bits, both, 2, o);
        if (!rc && o->do_hot && o->hot_blocks)
            rc = run_blocks(b, o->hot_blocks, vals, D_HOT, (int)bits, both, 2, o);
    }
    free(data);
    free(vals);
    free(b);
    return rc;
}

/* Collects the full blocks of every term with df >= 128: doc-id blocks
 * into *docs, tf blocks into *tfs (both owned by the caller). */
static int collect_real(const sr_index *ix, blk **docs, blk **tfs, size_t *n_out)
{
    size_t n = 0, cap = 0;
    blk *d = NULL, *t = NULL;
    const sr_map *pm = &ix->f[NS_FILE_POSTINGS];
    sr_dict_iter it;
    sr_term_info ti;
    ns_err err;
    int r;
    sr_dict_iter_init(&it);
    while ((r = sr_dict_iter_next(ix, &it, &ti, &err)) == 1) {
        if (ti.df < NS_BLOCK_LEN)
            continue;
        if (ti.post_off > pm->payload_len || ti.post_len > pm->payload_len - ti.post_off)
            goto corrupt;
        const uint8_t *base = pm->payload + ti.post_off, *end = base + ti.post_len, *blocks;
        uint32_t n_full = ti.df / NS_BLOCK_LEN;
        ns_skip sk;
        bool has_skip;
        if (ns_skip_open(&sk, base, end, ti.df, &has_skip, &blocks))
            goto corrupt;
        uint64_t off = 0;
        for (uint32_t k = 0; k < n_full; k++) {
            const uint8_t *p = blocks + off;
            /* the packed parts only (tf exceptions are not applied) */
            unsigned bd = ns_skip_doc_bits(&sk, k), bt = ns_skip_tf_bits(&sk, k);
            if (bd > 32 || bt > 32 || off > (uint64_t)(end - blocks) ||
                (size_t)(end - p) < ns_skip_block_bytes(&sk, k))
                goto corrupt;
            off += ns_skip_block_bytes(&sk, k);
            if (n == cap) {
                cap = cap ? 2 * cap : 4096;
                blk *nd = realloc(d, cap * sizeof *d);
                if (nd)
                    d = nd;
                blk *nt = realloc(t, cap * sizeof *t);
                if (nt)
                    t = nt;
                if (!nd || !nt) {
                    free(d);
                    free(t);
                    fprintf(stderr, PROG ": out of memory\n");
                    return 4;
                }
            }
            d[n] = (blk){p, bd, k ? ns_skip_last(&sk, k - 1) : UINT32_MAX, ns_skip_last(&sk, k)};
            t[n] = (blk){p + ns_block_bytes(bd), bt, 0, UINT64_MAX};
            n++;
        }
    }
    if (r < 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        free(d);
        free(t);
        return 3;
    }
    *docs = d;
    *tfs = t;
    *n_out = n;
    return 0;
corrupt:
    fprintf(stderr, PROG ": index '%s': postings of term '%s' are corrupt\n", ix->dir, it.term);
    free(d);
    free(t);
    return 3;
}

static int run_real(const opts *o)
{
    sr_index *ix;
    ns_err err;
    ns_rc rc = sr_index_open(o->index_dir, &ix, &err);
    if (rc != NS_OK) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return rc == NS_E_NOMEM ? 4 : 3;
    }
    blk *docs = NULL, *tfs = NULL;
    size_t n = 0;
    int r = collect_real(ix, &docs, &tfs, &n);
    if (!r && !n)
        fprintf(stderr, PROG ": index '%s' has no term with df >= %d; no real-list figures\n",
                o->index_dir, NS_BLOCK_LEN);
    if (!r && n) {
        static const int v_delta[] = {V_DELTA}, v_unpack[] = {V_UNPACK};
        r = run_blocks(docs, n, NULL, D_REAL, -1, v_delta, 1, o);
        if (!r)
            r = run_blocks(tfs, n, NULL, D_REAL, -1, v_unpack, 1, o);
        double bd = 0, bt = 0;
        for (size_t i = 0; i < n; i++) {
            bd += docs[i].bits;
            bt += tfs[i].bits;
        }
        fprintf(stderr, "real lists of '%s': %zu full blocks; mean width %.2f bits (doc gaps), %.2f (tf)\n",
                o->index_dir, n, bd / (double)n, bt / (double)n);
    }
    free(docs);
    free(tfs);
    sr_index_close(ix);
    return r;
}

static void print_table(const opts *o)
{
    for (int data = 0; data < D_COUNT; data++) {
        bool any = false;
        for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
            for (int v = 0; v < V_COUNT; v++)
                for (int k = 0; k < 34; k++)
                    any |= g_res[data][i][v][k] > 0;
        if (!any)
            continue;
        fprintf(stderr, "\n%s: billions of integers decoded per second%s\n", data_names[data],
                data == D_RANDOM ? " (buffer of many blocks)"
                : data == D_HOT  ? " (cache-resident blocks)"
                                 : " (delta: doc-id blocks, unpack: tf blocks)");
        fprintf(stderr, "%5s", "bits");
        for (int v = 0; v < V_COUNT; v++)
            for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
                if (o->impl_on[i] && ns_block_impl_available((ns_block_impl)i)) {
                    char h[32];
                    snprintf(h, sizeof h, "%s-%s", ns_block_impl_str((ns_block_impl)i),
                             variant_names[v]);
                    fprintf(stderr, " %14s", h);
                }
        fprintf(stderr, "\n");
        for (int k = 0; k < 34; k++) {
            bool row = false;
            for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
                for (int v = 0; v < V_COUNT; v++)
                    row |= g_res[data][i][v][k] > 0;
            if (!row)
                continue;
            if (k == 33)
                fprintf(stderr, "%5s", "real");
            else
                fprintf(stderr, "%5d", k);
            for (int v = 0; v < V_COUNT; v++)
                for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
                    if (o->impl_on[i] && ns_block_impl_available((ns_block_impl)i)) {
                        double x = g_res[data][i][v][k];
                        if (x > 0)
                            fprintf(stderr, " %14.2f", x / 1e9);
                        else
                            fprintf(stderr, " %14s", "-");
                    }
            fprintf(stderr, "\n");
        }
    }
}

int nb_codec_main(int argc, char **argv)
{
    opts o = {.n_blocks = 65536, .hot_blocks = 32, .bits_lo = 0, .bits_hi = 32, .min_time = 0.01,
              .trials = 10, .seed = 42, .do_random = true, .do_hot = true};
    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
        o.impl_on[i] = true;
    enum { OPT_HOT = 256, OPT_NO_RANDOM, OPT_MISALIGN };
    static const struct option longopts[] = {
        {"blocks", required_argument, NULL, 'n'},   {"hot-blocks", required_argument, NULL, OPT_HOT},
        {"no-random", no_argument, NULL, OPT_NO_RANDOM}, {"bits", required_argument, NULL, 'b'},
        {"impl", required_argument, NULL, 'I'},     {"index", required_argument, NULL, 'i'},
        {"min-time", required_argument, NULL, 't'}, {"trials", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {"out-misalign", required_argument, NULL, OPT_MISALIGN},
        {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:b:I:i:t:r:s:h", longopts, NULL)) != -1) {
        size_t v;
        char *end;
        switch (c) {
        case 'n':
            if (!parse_size(optarg, &o.n_blocks) || o.n_blocks > ((size_t)1 << 26))
                return usage_error("invalid block count '%s' (0..67108864)", optarg);
            break;
        case OPT_HOT:
            if (!parse_size(optarg, &o.hot_blocks) || o.hot_blocks > 65536)
                return usage_error("invalid hot block count '%s' (0..65536)", optarg);
            o.do_hot = o.hot_blocks > 0;
            break;
        case OPT_MISALIGN:
            if (!parse_size(optarg, &v) || v > 15)
                return usage_error("invalid output misalignment '%s' (0..15 integers)", optarg);
            o.out_misalign = (unsigned)v;
            break;
        case OPT_NO_RANDOM:
            o.do_random = false;
            break;
        case 'b': {
            unsigned long lo, hi;
            errno = 0;
            lo = strtoul(optarg, &end, 10);
            hi = lo;
            if (!errno && end != optarg && *end == '-') {
                const char *q = end + 1;
                hi = strtoul(q, &end, 10);
                if (end == q)
                    hi = 99;
            }
            if (errno || end == optarg || *end || lo > 32 || hi > 32 || lo > hi || optarg[0] == '-')
                return usage_error("invalid bit widths '%s' (LO or LO-HI within 0..32)", optarg);
            o.bits_lo = (unsigned)lo;
            o.bits_hi = (unsigned)hi;
            break;
        }
        case 'I':
            if (!parse_impls(optarg, o.impl_on))
                return usage_error("invalid implementation list '%s' (scalar,sse41,avx2,avx512)",
                                   optarg);
            break;
        case 'i':
            o.index_dir = optarg;
            break;
        case 't':
            errno = 0;
            o.min_time = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(o.min_time >= 0 && o.min_time <= 60))
                return usage_error("invalid trial time '%s' (0..60 seconds)", optarg);
            break;
        case 'r':
            if (!parse_size(optarg, &v) || v < 1 || v > MAX_TRIALS)
                return usage_error("invalid trial count '%s' (1..100)", optarg);
            o.trials = (unsigned)v;
            break;
        case 's':
            if (!parse_size(optarg, &v) || v > UINT32_MAX)
                return usage_error("invalid seed '%s'", optarg);
            o.seed = (uint32_t)v;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);

    for (int i = 0; i < NS_BLOCK_IMPL_COUNT; i++)
        if (o.impl_on[i] && !ns_block_impl_available((ns_block_impl)i))
            fprintf(stderr, PROG ": note: %s is not available on this CPU; skipped\n",
                    ns_block_impl_str((ns_block_impl)i));
    fprintf(stderr, PROG ": default implementation here: %s; seed %u\n", ns_block_impl_name(), o.seed);

    int rc = 0;
    if (o.do_random || o.do_hot)
        rc = run_random(&o);
    if (!rc && o.index_dir)
        rc = run_real(&o);
    print_table(&o);
    return rc;
}
