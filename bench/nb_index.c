/* nb_index: indexing throughput, peak memory and index size of nindex, per
 * corpus and thread count, and the analyzer's tokens/s with and without its
 * stem cache.
 *
 * A build is the real program (nindex beside nbench), timed from fork to
 * exit, its peak RSS and CPU times from wait4(); so the figures are what a
 * user sees, fsync included.  Before any figure is printed each build is
 * checked: nindex exits 0, its index opens, holds as many live documents as
 * nindex reported and no more than the corpus has, and every thread count
 * gives a byte-identical index (the determinism the issue asks for). */
#define _GNU_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "nb.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_format.h"
#include "ns_json.h"
#include "sr_index.h"

static const char usage_text[] =
    "Usage: nbench index [OPTION]... CORPUS.jsonl...\n"
    "Indexing throughput, peak memory and index size of nindex; analyzer tokens/s.\n"
    "\n"
    "  -j, --jobs=LIST       nindex thread counts (default: 1 and all cores)\n"
    "      --mem=SIZE        nindex --mem (default: nindex's own)\n"
    "      --repeat=N        builds per configuration; the median time is\n"
    "                        reported, the largest peak RSS (default 1)\n"
    "      --workdir=DIR     where indexes are built (default: $TMPDIR, else /tmp)\n"
    "      --label=NAME      corpus label in the JSON lines (default: the file name;\n"
    "                        with several corpora, applies to the first)\n"
    "      --nindex=PATH     the nindex program (default: beside nbench)\n"
    "      --analyzer        also time the analyzer on each corpus's text\n"
    "      --analyzer-only   only that\n"
    "      --lang=LANG       stemmer (default english)\n"
    "      --keep            keep the indexes in the workdir\n"
    "\n"
    "Output: one JSON line per measurement on stdout (\"bench\":\"index\": seconds,\n"
    "MB/s of input file and of text, documents/s, CPU, peak RSS, index bytes per\n"
    "file, inverted (terms+postings+positions) and stored (docstore) sizes over\n"
    "the text size; \"bench\":\"analyzer\": tokens/s with the stem cache on and\n"
    "off), then a table on stderr.  Text = the title and body fields.\n"
    "Exit 4 if a build fails or two thread counts give different indexes.\n";

typedef struct corpus_info {
    const char *path, *label;
    uint64_t file_bytes, text_bytes, n_docs;
} corpus_info;

typedef struct build_result {
    double seconds, user_s, sys_s;
    uint64_t peak_rss, n_docs, n_terms, n_postings;
    uint64_t bytes[NS_FILE_KIND_COUNT + 1];
    uint64_t hash[NS_FILE_KIND_COUNT + 1];
} build_result;

/* ---- the corpus ---- */

/* Counts JSON objects and their title + body (or text) bytes; with texts,
 * also keeps the texts (up to max_text bytes) for the analyzer benchmark. */
static int scan_corpus(corpus_info *c, ns_buf *texts, size_t **ends, size_t *n_texts,
                       size_t max_text)
{
    FILE *f = fopen(c->path, "rb");
    if (!f) {
        fprintf(stderr, "nbench: cannot open '%s': %s\n", c->path, strerror(errno));
        return -1;
    }
    struct stat sb;
    c->file_bytes = fstat(fileno(f), &sb) == 0 ? (uint64_t)sb.st_size : 0;
    char *line = NULL;
    size_t cap = 0, n_cap = 0;
    ssize_t len;
    ns_buf scratch;
    ns_buf_init(&scratch);
    while ((len = getline(&line, &cap, f)) >= 0) {
        ns_json_field fl[3] = {{.name = "title"}, {.name = "body"}, {.name = "text"}};
        ns_err err;
        if (ns_json_extract(line, (size_t)len, fl, 3, &scratch, &err) != NS_OK)
            continue;
        c->n_docs++;
        int bi = fl[1].type == NS_JSON_STRING ? 1 : 2;
        size_t tl = fl[0].type == NS_JSON_STRING ? fl[0].len : 0;
        size_t bl = fl[bi].type == NS_JSON_STRING ? fl[bi].len : 0;
        c->text_bytes += tl + bl;
        if (texts && texts->len + tl + bl + 1 <= max_text) {
            if (*n_texts + 2 > n_cap) {
                n_cap = n_cap ? n_cap * 2 : 4096;
                *ends = realloc(*ends, n_cap * sizeof **ends);
            }
            ns_buf_append(texts, scratch.data + fl[0].off, tl);
            (*ends)[(*n_texts)++] = texts->len;
            ns_buf_append(texts, scratch.data + fl[bi].off, bl);
            (*ends)[(*n_texts)++] = texts->len;
        }
    }
    free(line);
    ns_buf_release(&scratch);
    fclose(f);
    return 0;
}

/* ---- one build ---- */

static void rm_index(const char *dir)
{
    char p[4096];
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, ns_file_name((ns_file_kind)k)) < sizeof p)
            unlink(p);
    }
    rmdir(dir);
}

static uint64_t hash_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    static char buf[1 << 20];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        XXH3_64bits_update(st, buf, (size_t)n);
    close(fd);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/* Runs nindex; fills r.  Returns 0, or -1 (reported) if it failed. */
static int run_build(const char *nindex, const corpus_info *c, unsigned jobs, const char *mem,
                     const char *lang, const char *out, const char *log, build_result *r)
{
    rm_index(out);
    char jbuf[16];
    snprintf(jbuf, sizeof jbuf, "%u", jobs);
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)nindex;
    argv[n++] = "-j";
    argv[n++] = jbuf;
    argv[n++] = "-l";
    argv[n++] = (char *)lang;
    if (mem) {
        argv[n++] = "--mem";
        argv[n++] = (char *)mem;
    }
    argv[n++] = "-o";
    argv[n++] = (char *)out;
    argv[n++] = (char *)c->path;
    argv[n] = NULL;
    double t0 = nb_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDWR);
        if (fd < 0 || nul < 0)
            _exit(127);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(fd, 2);
        execv(nindex, argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    r->seconds = nb_now() - t0;
    r->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    r->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r->peak_rss = (uint64_t)ru.ru_maxrss * 1024;
    /* the summary line: "nindex: indexed N documents (T terms, P postings) ..." */
    FILE *f = fopen(log, "r");
    char line[8192], last[8192] = "";
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "nindex: indexed "))
            snprintf(last, sizeof last, "%s", line);
    if (f)
        fclose(f);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "nbench: nindex -j %u on '%s' failed (status %d); its messages are in '%s'\n",
                jobs, c->path, status, log);
        return -1;
    }
    unsigned long long d, t, p;
    if (sscanf(last, "nindex: indexed %llu documents (%llu terms, %llu postings)", &d, &t, &p) != 3) {
        fprintf(stderr, "nbench: no summary from nindex in '%s'\n", log);
        return -1;
    }
    r->n_docs = d;
    r->n_terms = t;
    r->n_postings = p;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char path[4096];
        struct stat sb;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", out, ns_file_name((ns_file_kind)k)) >=
            sizeof path)
            return -1;
        r->bytes[k] = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
        r->hash[k] = hash_file(path);
    }
    /* the index opens and agrees with the summary and the corpus */
    sr_index *ix;
    ns_err err;
    if (sr_index_open(out, &ix, &err) != NS_OK) {
        fprintf(stderr, "nbench: the index of nindex -j %u does not open: %s\n", jobs, err.msg);
        return -1;
    }
    int ok = ix->n_live == d && d <= c->n_docs && ix->n_terms == t && ix->n_postings == p;
    sr_index_close(ix);
    if (!ok) {
        fprintf(stderr, "nbench: the index of nindex -j %u disagrees with its summary or the corpus\n",
                jobs);
        return -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- the analyzer ---- */

typedef struct tok_count {
    uint64_t n, bytes, sum;
    int hash;
} tok_count;

static int count_token(void *ctx, const ns_token *t)
{
    tok_count *c = ctx;
    c->n++;
    c->bytes += t->term_len;
    if (c->hash)
        c->sum += XXH3_64bits(t->term, t->term_len) ^ t->pos;
    return 0;
}

/* One pass over the texts; returns seconds. */
static double analyze_all(ns_analyzer *a, const ns_buf *texts, const size_t *ends, size_t n,
                          tok_count *c)
{
    double t0 = nb_now();
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        ns_analyze(a, (const char *)texts->data + start, ends[i] - start, count_token, c);
        start = ends[i];
    }
    return nb_now() - t0;
}

static int bench_analyzer(const corpus_info *c, const ns_buf *texts, const size_t *ends, size_t n,
                          const char *lang)
{
    ns_analyzer *a;
    ns_err err;
    if (ns_analyzer_new(lang, &a, &err)) {
        fprintf(stderr, "nbench: %s\n", err.msg);
        return -1;
    }
    /* check: the cache changes nothing (same tokens, same stems) */
    tok_count on = {0, 0, 0, 1}, off = {0, 0, 0, 1};
    ns_analyzer_set_cache(a, 1);
    analyze_all(a, texts, ends, n, &on);
    ns_analyzer_set_cache(a, 0);
    analyze_all(a, texts, ends, n, &off);
    if (on.n != off.n || on.sum != off.sum) {
        fprintf(stderr, "nbench: the stem cache changes the tokens\n");
        ns_analyzer_free(a);
        return -1;
    }
    for (int cache = 1; cache >= 0; cache--) {
        ns_analyzer_set_cache(a, cache);
        if (cache) /* warm: the pass above filled it */
            analyze_all(a, texts, ends, n, &(tok_count){0, 0, 0, 0});
        ns_analyzer_stats s0, s1;
        ns_analyzer_get_stats(a, &s0);
        double best = 1e30;
        tok_count tc = {0, 0, 0, 0};
        for (int rep = 0; rep < 3; rep++) {
            tc = (tok_count){0, 0, 0, 0};
            double s = analyze_all(a, texts, ends, n, &tc);
            if (s < best)
                best = s;
        }
        ns_analyzer_get_stats(a, &s1);
        double calls = (double)(s1.stem_calls - s0.stem_calls);
        double hit = calls > 0 ? (double)(s1.cache_hits - s0.cache_hits) / calls : 0;
        printf("{\"bench\":\"analyzer\",\"corpus\":\"%s\",\"lang\":\"%s\",\"cache\":%s,"
               "\"tokens\":%llu,\"text_bytes\":%zu,\"seconds\":%.6f,\"tokens_per_s\":%.0f,"
               "\"mb_per_s\":%.1f,\"cache_hit_rate\":%.4f,%s}\n",
               c->label, lang, cache ? "true" : "false", (unsigned long long)tc.n, texts->len, best,
               (double)tc.n / best, (double)texts->len / best / 1e6, hit, nb_meta_json());
        fprintf(stderr, "analyzer  %-28s cache %-3s  %9.2f M tokens/s  %7.1f MB/s  hit rate %5.1f%%\n",
                c->label, cache ? "on" : "off", (double)tc.n / best / 1e6,
                (double)texts->len / best / 1e6, 100 * hit);
    }
    fflush(stdout);
    ns_analyzer_free(a);
    return 0;
}

/* ---- the subcommand ---- */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int nb_index_main(int argc, char **argv)
{
    const char *jobs_list = NULL, *mem = NULL, *workdir = getenv("TMPDIR"), *label = NULL;
    const char *nindex = NULL, *lang = "english";
    int repeat = 1, do_analyzer = 0, only_analyzer = 0, keep = 0;
    enum { O_MEM = 256, O_REPEAT, O_WORKDIR, O_LABEL, O_NINDEX, O_ANALYZER, O_ONLY, O_LANG, O_KEEP };
    static const struct option opts[] = {
        {"jobs", required_argument, 0, 'j'},       {"mem", required_argument, 0, O_MEM},
        {"repeat", required_argument, 0, O_REPEAT}, {"workdir", required_argument, 0, O_WORKDIR},
        {"label", required_argument, 0, O_LABEL},   {"nindex", required_argument, 0, O_NINDEX},
        {"analyzer", no_argument, 0, O_ANALYZER},   {"analyzer-only", no_argument, 0, O_ONLY},
        {"lang", required_argument, 0, O_LANG},     {"keep", no_argument, 0, O_KEEP},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "j:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': jobs_list = optarg; break;
        case O_MEM: mem = optarg; break;
        case O_REPEAT: repeat = atoi(optarg); break;
        case O_WORKDIR: workdir = optarg; break;
        case O_LABEL: label = optarg; break;
        case O_NINDEX: nindex = optarg; break;
        case O_ANALYZER: do_analyzer = 1; break;
        case O_ONLY: do_analyzer = only_analyzer = 1; break;
        case O_LANG: lang = optarg; break;
        case O_KEEP: keep = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        default:
            fprintf(stderr, "Try 'nbench index --help' for more information.\n");
            return 2;
        }
    }
    if (optind >= argc || repeat < 1) {
        fprintf(stderr, "nbench: index: no CORPUS given\nTry 'nbench index --help' for more information.\n");
        return 2;
    }
    if (!workdir || !*workdir)
        workdir = "/tmp";
    char self[4096], nindex_buf[4096];
    if (!nindex) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) {
            fprintf(stderr, "nbench: cannot find nindex: give --nindex\n");
            return 2;
        }
        self[n] = 0;
        char *slash = strrchr(self, '/');
        *slash = 0;
        if ((size_t)snprintf(nindex_buf, sizeof nindex_buf, "%s/nindex", self) >= sizeof nindex_buf) {
            fprintf(stderr, "nbench: cannot find nindex: give --nindex\n");
            return 2;
        }
        nindex = nindex_buf;
    }
    if (!only_analyzer && access(nindex, X_OK) != 0) {
        fprintf(stderr, "nbench: cannot run '%s': %s\n", nindex, strerror(errno));
        return 2;
    }
    unsigned jobs[16];
    int n_jobs = 0;
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (!jobs_list) {
        jobs[n_jobs++] = 1;
        if (n_cpu > 1)
            jobs[n_jobs++] = (unsigned)n_cpu;
    } else {
        char *copy = strdup(jobs_list), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t && n_jobs < 16; t = strtok_r(NULL, ",", &save)) {
            int v = atoi(t);
            if (v < 1) {
                fprintf(stderr, "nbench: bad thread count '%s'\n", t);
                free(copy);
                return 2;
            }
            jobs[n_jobs++] = (unsigned)v;
        }
        free(copy);
    }
    int status = 0;
    fprintf(stderr, "%-28s %3s %8s %8s %9s %7s %8s %8s %9s %9s %s\n", "corpus", "-j", "seconds",
            "MB/s", "docs/s", "cpu s", "RSS MB", "index MB", "inverted", "stored", "same");
    for (int ci = optind; ci < argc; ci++) {
        corpus_info c = {argv[ci], ci == optind && label ? label : base_name(argv[ci]), 0, 0, 0};
        ns_buf texts;
        ns_buf_init(&texts);
        size_t *ends = NULL, n_texts = 0;
        if (scan_corpus(&c, do_analyzer ? &texts : NULL, &ends, &n_texts, (size_t)256 << 20)) {
            status = 3;
            continue;
        }
        if (do_analyzer && bench_analyzer(&c, &texts, ends, n_texts, lang))
            status = 4;
        ns_buf_release(&texts);
        free(ends);
        if (only_analyzer)
            continue;
        build_result first = {0};
        for (int ji = 0; ji < n_jobs; ji++) {
            char out[4096], log[4096];
            if ((size_t)snprintf(out, sizeof out, "%s/nbench-index-%ld-j%u", workdir, (long)getpid(),
                                 jobs[ji]) >= sizeof out ||
                (size_t)snprintf(log, sizeof log, "%s/nbench-index-%ld.log", workdir,
                                 (long)getpid()) >= sizeof log) {
                fprintf(stderr, "nbench: workdir path too long\n");
                return 2;
            }
            double secs[64];
            build_result r = {0}, worst = {0};
            int failed = 0;
            for (int rep = 0; rep < repeat && rep < 64; rep++) {
                if (run_build(nindex, &c, jobs[ji], mem, lang, out, log, &r)) {
                    failed = 1;
                    break;
                }
                secs[rep] = r.seconds;
                if (r.peak_rss > worst.peak_rss)
                    worst.peak_rss = r.peak_rss;
            }
            if (failed) {
                status = 4;
                break;
            }
            int n_rep = repeat < 64 ? repeat : 64;
            qsort(secs, (size_t)n_rep, sizeof *secs, cmp_double);
            r.seconds = secs[n_rep / 2];
            r.peak_rss = worst.peak_rss;
            int same = 1;
            if (ji == 0)
                first = r;
            else
                for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
                    same &= first.hash[k] == r.hash[k] && first.bytes[k] == r.bytes[k];
            if (!keep)
                rm_index(out);
            unlink(log);
            if (!same) {
                fprintf(stderr, "nbench: nindex -j %u and -j %u built different indexes from '%s'\n",
                        jobs[0], jobs[ji], c.path);
                status = 4;
                break;
            }
            uint64_t total = 0;
            for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
                total += r.bytes[k];
            uint64_t inverted = r.bytes[NS_FILE_TERMS] + r.bytes[NS_FILE_POSTINGS] +
                                r.bytes[NS_FILE_POSITIONS];
            double text = c.text_bytes ? (double)c.text_bytes : 1;
            printf("{\"bench\":\"index\",\"engine\":\"nsearch\",\"corpus\":\"%s\",\"docs\":%llu,"
                   "\"input_bytes\":%llu,\"text_bytes\":%llu,\"threads\":%u,\"mem\":\"%s\","
                   "\"repeat\":%d,\"seconds\":%.3f,\"input_mb_per_s\":%.2f,\"text_mb_per_s\":%.2f,"
                   "\"docs_per_s\":%.0f,\"user_s\":%.3f,\"sys_s\":%.3f,\"peak_rss_bytes\":%llu,"
                   "\"index_bytes\":%llu,\"terms_bytes\":%llu,\"postings_bytes\":%llu,"
                   "\"positions_bytes\":%llu,\"doclens_bytes\":%llu,\"docstore_bytes\":%llu,"
                   "\"meta_bytes\":%llu,\"inverted_bytes\":%llu,\"inverted_over_text\":%.4f,"
                   "\"stored_over_text\":%.4f,\"live_docs\":%llu,\"terms\":%llu,\"postings\":%llu,"
                   "\"identical_across_threads\":true,%s}\n",
                   c.label, (unsigned long long)c.n_docs, (unsigned long long)c.file_bytes,
                   (unsigned long long)c.text_bytes, jobs[ji], mem ? mem : "default", repeat,
                   r.seconds, (double)c.file_bytes / r.seconds / 1e6,
                   (double)c.text_bytes / r.seconds / 1e6, (double)r.n_docs / r.seconds, r.user_s,
                   r.sys_s, (unsigned long long)r.peak_rss, (unsigned long long)total,
                   (unsigned long long)r.bytes[NS_FILE_TERMS],
                   (unsigned long long)r.bytes[NS_FILE_POSTINGS],
                   (unsigned long long)r.bytes[NS_FILE_POSITIONS],
                   (unsigned long long)r.bytes[NS_FILE_DOCLENS],
                   (unsigned long long)r.bytes[NS_FILE_DOCSTORE],
                   (unsigned long long)r.bytes[NS_FILE_META], (unsigned long long)inverted,
                   (double)inverted / text, (double)r.bytes[NS_FILE_DOCSTORE] / text,
                   (unsigned long long)r.n_docs, (unsigned long long)r.n_terms,
                   (unsigned long long)r.n_postings, nb_meta_json());
            fflush(stdout);
            fprintf(stderr, "%-28s %3u %8.2f %8.1f %9.0f %7.2f %8.1f %8.1f %5.1f(%2.0f%%) %5.1f(%2.0f%%) %s\n",
                    c.label, jobs[ji], r.seconds, (double)c.file_bytes / r.seconds / 1e6,
                    (double)r.n_docs / r.seconds, r.user_s + r.sys_s, (double)r.peak_rss / 1e6,
                    (double)total / 1e6, (double)inverted / 1e6, 100.0 * (double)inverted / text,
                    (double)r.bytes[NS_FILE_DOCSTORE] / 1e6,
                    100.0 * (double)r.bytes[NS_FILE_DOCSTORE] / text, ji ? "yes" : "-");
        }
    }
    if (!only_analyzer)
        fprintf(stderr, "(MB/s of the input file; inverted = terms + postings + positions, stored = "
                        "docstore, in MB and %% of the text)\n");
    return status;
}
