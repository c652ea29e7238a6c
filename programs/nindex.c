/* nindex: the indexer's command line, on the public API (nsearch.h) and
 * the programs' shared code (cli.h) only: options, messages, progress
 * lines and the summary; the library reads the INPUTs and writes the
 * index. */
#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nsearch.h"

#define PROG "nindex"
#define MAX_PRINTED_WARNINGS 1000

enum { OPT_STRICT = 256, OPT_VERSION, OPT_MEM, OPT_STOP, OPT_INFMT, OPT_EMPTY, OPT_WAIT, OPT_FIELD,
       OPT_KEEP_DIACRITICS, OPT_ENCODING, OPT_SHARD, OPT_MERGE };

static const cli_opt options[] = {
    {"output", 'o', "INDEX_DIR", 'o', "index directory (default: $NSEARCH_INDEX, else 'index')"},
    {"jobs", 'j', "N", 'j', "analyse documents on N threads (default: all cores)"},
    {"mem", 0, "SIZE", OPT_MEM,
     "memory budget for postings and batches, with an\n"
     "optional K, M or G suffix (default: a quarter of\n"
     "the RAM, at most 1G); beyond it postings are\n"
     "written to sorted runs and merged at the end"},
    {"lang", 'l', "LANG", 'l',
     "Snowball stemmer language (default: english;\n"
     "'none' disables stemming)"},
    {"stopwords", 0, "LIST", OPT_STOP,
     "words left out of the index: 'english' (the 33\n"
     "words of Lucene's English analyzer: the, of,\n"
     "and, to, a, in, ...) or 'none'; default:\n"
     "'english' for English, else 'none'.  Stop words\n"
     "keep their positions and count in lengths"},
    {"keep-diacritics", 0, NULL, OPT_KEEP_DIACRITICS,
     "keep accents on Latin and Greek letters (cafe and\n"
     "caf\xC3\xA9 become different words); by default they\n"
     "are removed before stemming, as in queries"},
    {"field", 0, "NAME", OPT_FIELD,
     "also index the JSON member NAME as exact keywords:\n"
     "its string value, or each string of an array\n"
     "(Reuters' topics); repeatable; NAME may not be\n"
     "id, title, body, date or url"},
    {"input-format", 0, "FMT", OPT_INFMT,
     "how INPUT files named directly and standard input\n"
     "are read: auto (default: by name, then by\n"
     "content), jsonl or text"},
    {"encoding", 0, "NAME", OPT_ENCODING,
     "read plain text in encoding NAME (any name of\n"
     "'iconv -l': latin1, ISO-8859-15, windows-1252,\n"
     "SHIFT_JIS, UTF-16, ...; default UTF-8), converted\n"
     "to UTF-8; bytes invalid in it become U+FFFD with a\n"
     "warning.  A byte-order mark (UTF-8, UTF-16,\n"
     "UTF-32) wins over it; JSON Lines are always UTF-8"},
    {"shard", 0, "I/N", OPT_SHARD,
     "build shard I (0..N-1) of N: the documents whose id\n"
     "hashes to I (README \"Shards\"); 'auto' or 'auto/N'\n"
     "takes I (and N) from Slurm's SLURM_ARRAY_TASK_ID\n"
     "(less SLURM_ARRAY_TASK_MIN, over _STEP) and\n"
     "SLURM_ARRAY_TASK_COUNT, or Kubernetes'\n"
     "JOB_COMPLETION_INDEX (N required)"},
    {"merge-stats", 0, NULL, OPT_MERGE,
     "the INPUTs are every shard of one set: merge their\n"
     "statistics and write them into each shard, so\n"
     "that the set ranks exactly as one index"},
    {"allow-empty", 0, NULL, OPT_EMPTY, "build an index even when no document is found"},
    {"wait", 0, NULL, OPT_WAIT,
     "if another nindex is building INDEX_DIR, wait for\n"
     "it to finish (default: exit 5 at once)"},
    {"strict", 0, NULL, OPT_STRICT,
     "treat any input warning as an error: exit 2 and\n"
     "leave the old index untouched"},
    {"quiet", 'q', NULL, 'q', "print only errors (no warnings or summary)"},
    {"help", 'h', NULL, 'h', "show this help and exit"},
    {"version", 0, NULL, OPT_VERSION, "show version information and exit"},
};

static const char *const exits[] = {
    "0  the index was built\n",
    ("2  usage error, an INPUT missing or unreadable, no documents found, or\n"
     "     input warnings with --strict\n"), /* one entry (clang -Wstring-concatenation) */
    "3  the output exists and is not an nsearch index, or holds other files\n",
    "4  I/O or memory failure\n",
    "5  another nindex is building the same INDEX_DIR (see --wait)\n",
};

static const cli_prog prog = {
    PROG,
    "Usage: nindex [OPTION]... INPUT...\n"
    "       nindex --merge-stats SHARD_DIR...\n",
    "Build an nsearch index from plain-text files, directories and JSON Lines.\n"
    "\n"
    "INPUT is a file, a directory (walked recursively: .txt and .md files are\n"
    "one document each, .jsonl/.ndjson files one document per line, in any\n"
    "case; hidden entries, other files and links to directories are skipped and\n"
    "counted), or '-' for standard input.  A file named directly, and standard\n"
    "input, are JSON Lines when their name says so or their first line is a JSON\n"
    "object, else plain text (see --input-format).  Input ending in .zst or\n"
    "starting with the zstd magic is decompressed on the fly; a UTF-8\n"
    "byte-order mark is dropped, and plain text with a UTF-16 or UTF-32 one is\n"
    "converted to UTF-8 (see --encoding).  JSON members: id, title, body (or text), date,\n"
    "url; a line without an id gets FILE:LINE; every other member is stored as\n"
    "given (nsearch --get, --json).  A plain-text document's title is\n"
    "its first non-empty line and its id the path relative to the INPUT\n"
    "directory, or with several INPUTs the path as given (A/a.txt, B/a.txt).  A\n"
    "file reached twice (A/a.txt ./A/a.txt) is read once.\n"
    "\n"
    "The index is built beside INDEX_DIR and swapped into place only when\n"
    "complete, so a failed or interrupted build leaves the old index untouched.\n"
    "A missing INPUT, or a build that finds no documents, fails and leaves the\n"
    "old index as it was.  One build at a time per INDEX_DIR (a lock file\n"
    "'.INDEX_DIR.lock' beside it); an INDEX_DIR holding files that are not part\n"
    "of an index is never replaced.\n",
    options,
    sizeof options / sizeof options[0],
    26,
    "\n"
    "Bad input (malformed JSON, invalid UTF-8 or text invalid in its encoding,\n"
    "binary files, empty documents, missing fields, duplicate ids) is skipped\n"
    "or repaired with a warning that names the file and line; a summary\n"
    "follows.  Progress is shown on standard error when it is a terminal (not\n"
    "with --quiet).\n"
    "\n"
    "The index depends only on the input, not on --jobs or --mem.\n",
    exits,
    sizeof exits / sizeof exits[0],
};

/* nindex's statuses are cli_exit_for's, but a path that went missing is
 * the user's INPUT, not an index: 2. */
static int exit_for(nsearch_rc rc)
{
    return rc == NSEARCH_E_NOTFOUND ? CLI_EXIT_USAGE : cli_exit_for(rc);
}

typedef struct warn_ctx {
    int quiet;
    unsigned long printed;
    int progress_shown; /* a progress line is on the terminal */
    double t0, last;    /* start, last progress line */
} warn_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_clear(warn_ctx *w)
{
    if (w->progress_shown) {
        fputs("\r\033[K", stderr);
        w->progress_shown = 0;
    }
}

static void on_progress(void *ctx, const nsearch_progress *p)
{
    warn_ctx *w = ctx;
    double t = now_s();
    if (p->merging) {
        unsigned long s = (unsigned long)(t - w->t0 + 0.5);
        fprintf(stderr, "\rnindex: %" PRIu64 " documents, %.1f MB read in %lu:%02lu; merging postings\033[K",
                p->documents, (double)p->bytes_in / 1e6, s / 60, s % 60);
        fflush(stderr);
        w->progress_shown = 1;
        return;
    }
    if (t - w->last < 0.25)
        return;
    w->last = t;
    double el = t - w->t0, mb = (double)p->bytes_in / 1e6;
    char eta[32] = "";
    if (p->raw_total && p->raw_in && p->raw_in <= p->raw_total) {
        double left = el * ((double)p->raw_total / (double)p->raw_in - 1.0);
        unsigned long s = (unsigned long)(left + 0.5);
        snprintf(eta, sizeof eta, ", ETA %lu:%02lu", s / 60, s % 60);
    }
    fprintf(stderr, "\rnindex: %" PRIu64 " documents, %.1f MB read, %.1f MB/s%s\033[K", p->documents,
            mb, el > 0 ? mb / el : 0.0, eta);
    fflush(stderr);
    w->progress_shown = 1;
}

static void on_warn(void *ctx, nsearch_warning_kind kind, const char *file, uint64_t line,
                    const char *msg)
{
    (void)kind;
    warn_ctx *w = ctx;
    if (w->quiet)
        return;
    progress_clear(w);
    if (++w->printed > MAX_PRINTED_WARNINGS) {
        if (w->printed == MAX_PRINTED_WARNINGS + 1)
            fprintf(stderr, "nindex: warning: more than %d warnings; the rest are only counted\n",
                    MAX_PRINTED_WARNINGS);
        return;
    }
    cli_put_warning("nindex", file, line, msg);
}

static const char *const warn_names[NSEARCH_WARN_COUNT] = {
    "malformed JSON", "invalid UTF-8", "binary file", "empty document",
    "missing field",  "duplicate id",  "too large",   "unreadable",
    "link not followed", "invalid in its encoding",
};

/* Writes what the walks skipped, e.g. "3 files with other extensions, 1
 * hidden entry", into out ("" when nothing). */
static void print_skipped(char *out, size_t len, const uint64_t n[NSEARCH_SKIP_COUNT])
{
    static const char *const one[NSEARCH_SKIP_COUNT] = {
        "file with another extension", "hidden entry", "link to a directory",
        "dangling link", "special file", "file reached twice"};
    static const char *const many[NSEARCH_SKIP_COUNT] = {
        "files with other extensions", "hidden entries", "links to directories",
        "dangling links", "special files", "files reached twice"};
    size_t used = 0;
    *out = 0;
    for (int k = 0; k < NSEARCH_SKIP_COUNT && used < len; k++) {
        if (!n[k])
            continue;
        int w = snprintf(out + used, len - used, "%s%" PRIu64 " %s", used ? ", " : "", n[k],
                         n[k] == 1 ? one[k] : many[k]);
        used += w > 0 ? (size_t)w : 0;
    }
}

static uint64_t default_mem(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t m = NSEARCH_DEFAULT_MEMORY;
    if (pages > 0 && psize > 0 && (uint64_t)pages * (uint64_t)psize / 4 < m)
        m = (uint64_t)pages * (uint64_t)psize / 4;
    return m < ((uint64_t)64 << 20) ? (uint64_t)64 << 20 : m;
}

static void human_bytes(uint64_t n, char *out, size_t len)
{
    if (n >= 10u << 20)
        snprintf(out, len, "%.1f MiB", (double)n / (1 << 20));
    else if (n >= 10u << 10)
        snprintf(out, len, "%.1f KiB", (double)n / (1 << 10));
    else
        snprintf(out, len, "%" PRIu64 " bytes", n);
}

static int parse_input_format(const char *s, int *out)
{
    static const char *const names[] = {"auto", "jsonl", "text"}; /* NSEARCH_INPUT_* */
    for (int i = 0; i < 3; i++) {
        if (!strcmp(s, names[i])) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

/* A non-negative decimal number below limit from the whole of s. */
static int parse_num(const char *s, unsigned long limit, unsigned long *out)
{
    char *end;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v >= limit)
        return -1;
    *out = v;
    return 0;
}

/* --shard I/N, auto/N or auto (the scheduler's environment: README
 * "Shards" gives the contract).  0, or -1 with msg. */
static int parse_shard(const char *spec, unsigned *shard, unsigned *n, char *msg, size_t cap)
{
    const char *slash = strchr(spec, '/');
    unsigned long vi = 0, vn = 0;
    char head[32];
    size_t hl = slash ? (size_t)(slash - spec) : strlen(spec);
    if (hl >= sizeof head) {
        snprintf(msg, cap, "write I/N, auto/N or auto");
        return -1;
    }
    memcpy(head, spec, hl);
    head[hl] = 0;
    if (slash && parse_num(slash + 1, (unsigned long)NSEARCH_MAX_SHARDS + 1, &vn)) {
        snprintf(msg, cap, "N must be 1..%u", NSEARCH_MAX_SHARDS);
        return -1;
    }
    if (slash && vn == 0) {
        snprintf(msg, cap, "N must be 1..%u", NSEARCH_MAX_SHARDS);
        return -1;
    }
    if (strcmp(head, "auto") != 0) {
        if (!slash || parse_num(head, vn, &vi)) {
            snprintf(msg, cap, "write I/N with 0 <= I < N (or auto/N, auto)");
            return -1;
        }
    } else {
        const char *sid = getenv("SLURM_ARRAY_TASK_ID"), *kid = getenv("JOB_COMPLETION_INDEX");
        if (sid && *sid) {
            unsigned long id, lo = 0, step = 1, cnt;
            const char *smin = getenv("SLURM_ARRAY_TASK_MIN"), *sst = getenv("SLURM_ARRAY_TASK_STEP"),
                       *scnt = getenv("SLURM_ARRAY_TASK_COUNT");
            if (parse_num(sid, UINT32_MAX, &id) || (smin && *smin && parse_num(smin, UINT32_MAX, &lo)) ||
                (sst && *sst && parse_num(sst, UINT32_MAX, &step)) || step == 0 || id < lo ||
                (id - lo) % step) {
                snprintf(msg, cap, "SLURM_ARRAY_TASK_ID, _MIN or _STEP is not a task number");
                return -1;
            }
            vi = (id - lo) / step;
            if (!slash) {
                if (!scnt || parse_num(scnt, (unsigned long)NSEARCH_MAX_SHARDS + 1, &cnt) ||
                    cnt == 0) {
                    snprintf(msg, cap, "SLURM_ARRAY_TASK_COUNT is not set: give auto/N");
                    return -1;
                }
                vn = cnt;
            }
        } else if (kid && *kid) {
            if (!slash) {
                snprintf(msg, cap, "JOB_COMPLETION_INDEX gives I but not N: give auto/N");
                return -1;
            }
            if (parse_num(kid, UINT32_MAX, &vi)) {
                snprintf(msg, cap, "JOB_COMPLETION_INDEX '%.20s' is not a number", kid);
                return -1;
            }
        } else {
            snprintf(msg, cap,
                     "neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set (write I/N)");
            return -1;
        }
        if (vi >= vn) {
            snprintf(msg, cap, "the scheduler gives shard %lu, but there are %lu", vi, vn);
            return -1;
        }
    }
    *shard = (unsigned)vi;
    *n = (unsigned)vn;
    return 0;
}

/* The command line, parsed: strings borrowed from argv. */
typedef struct args {
    nsearch_builder_opts bo;
    int merge;
    const char *out_dir;
    const char *kw_fields[NSEARCH_MAX_KEYWORD_FIELDS]; /* all different */
    int quiet, strict, wait_lock;
    char **inputs;
    int n_inputs;
} args;

/* Returns -1 when the build is to go on, else the exit status. */
static int parse_args(int argc, char **argv, args *a)
{
    nsearch_builder_opts *bo = &a->bo;
    nsearch_error err;
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    bo->threads = n_cpu < 1                            ? 1
                  : n_cpu > (long)NSEARCH_MAX_THREADS ? NSEARCH_MAX_THREADS
                                                       : (unsigned)n_cpu;
    bo->memory = default_mem();
    bo->keyword_fields = a->kw_fields;
    struct option opts[sizeof options / sizeof options[0] + 1];
    char shortopts[3 * (sizeof options / sizeof options[0]) + 3];
    cli_getopt_table(&prog, opts, "", shortopts);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (cli_parse_threads(optarg, &bo->threads))
                return cli_usage(PROG, "invalid thread count '%s' (1..%u)", optarg,
                                 NSEARCH_MAX_THREADS);
            break;
        case OPT_MEM:
            if (cli_parse_size(optarg, &bo->memory) || bo->memory < NSEARCH_MIN_MEMORY)
                return cli_usage(PROG, "invalid memory size '%s' (at least 1M; e.g. 512M, 2G)",
                                 optarg);
            break;
        case 'o': a->out_dir = optarg; break;
        case 'l': bo->language = optarg; break;
        case OPT_KEEP_DIACRITICS: bo->keep_diacritics = 1; break;
        case OPT_STOP:
            if (!strcmp(optarg, "none") || !strcmp(optarg, "english"))
                bo->stop_words = !strcmp(optarg, "english");
            else
                return cli_usage(PROG, "unknown stop word list '%.40s'; available: none english",
                                 optarg);
            break;
        case OPT_INFMT:
            if (parse_input_format(optarg, &bo->input_format))
                return cli_usage(PROG, "invalid --input-format '%s' (auto, jsonl or text)", optarg);
            break;
        case OPT_FIELD: {
            const char *why = nsearch_keyword_field_problem(optarg, strlen(optarg));
            if (why)
                return cli_usage(PROG, "invalid --field '%s': the name %s", optarg, why);
            size_t k = 0;
            while (k < bo->n_keyword_fields && strcmp(a->kw_fields[k], optarg) != 0)
                k++;
            if (k == NSEARCH_MAX_KEYWORD_FIELDS)
                return cli_usage(PROG, "more than %u --field names", NSEARCH_MAX_KEYWORD_FIELDS);
            if (k == bo->n_keyword_fields)
                a->kw_fields[bo->n_keyword_fields++] = optarg;
            break;
        }
        case OPT_ENCODING: {
            int utf8;
            nsearch_rc rc = nsearch_encoding_check(optarg, &utf8, &err);
            if (rc) {
                cli_usage(PROG, "%s", err.message);
                return rc == NSEARCH_E_ARG ? CLI_EXIT_USAGE : CLI_EXIT_IO;
            }
            bo->encoding = utf8 ? NULL : optarg;
            break;
        }
        case OPT_SHARD: {
            char msg[256];
            if (parse_shard(optarg, &bo->shard, &bo->n_shards, msg, sizeof msg))
                return cli_usage(PROG, "invalid --shard '%s': %s", optarg, msg);
            break;
        }
        case OPT_MERGE: a->merge = 1; break;
        case OPT_EMPTY: bo->allow_empty = 1; break;
        case OPT_WAIT: a->wait_lock = 1; break;
        case 'q': a->quiet = 1; break;
        case OPT_STRICT: a->strict = 1; break;
        case 'h': return cli_close_stdout(PROG, cli_put_help(&prog));
        case OPT_VERSION: return cli_close_stdout(PROG, cli_version(PROG));
        default:
            if (optopt && optopt < 256)
                return cli_usage(PROG, "invalid or incomplete option '-%c'", optopt);
            return cli_usage(PROG, "invalid or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (bo->encoding && bo->input_format == NSEARCH_INPUT_JSONL)
        return cli_usage(PROG,
                         "--encoding %s applies to plain text, and --input-format jsonl "
                         "reads JSON Lines, which are UTF-8 (RFC 8259)",
                         bo->encoding);
    if (optind >= argc)
        return cli_usage(PROG, a->merge ? "no SHARD_DIR given" : "no INPUT given");
    if (a->merge && bo->n_shards)
        return cli_usage(PROG, "--merge-stats takes the shards built with --shard, not --shard");
    a->inputs = argv + optind;
    a->n_inputs = argc - optind;
    return -1;
}

/* Prints why the build failed and what became of the index; returns the
 * exit status. */
static int build_failed(const args *a, warn_ctx *wc, nsearch_builder *b, nsearch_rc rc,
                        const nsearch_error *err)
{
    nsearch_builder_stats st;
    progress_clear(wc);
    fprintf(stderr, "nindex: %s\n", err->message);
    if (b && !nsearch_builder_stats_get(b, &st) && st.installed)
        fprintf(stderr, "nindex: the new index is in place but may not survive a crash\n");
    else
        fprintf(stderr, "nindex: index not written; '%s' is unchanged\n", a->out_dir);
    nsearch_builder_free(b);
    return exit_for(rc);
}

static void print_summary(const args *a, const nsearch_builder_stats *st, double secs)
{
    char sz[32], in[32];
    human_bytes(st->index_bytes, sz, sizeof sz);
    human_bytes(st->bytes_in, in, sizeof in);
    fprintf(stderr,
            "nindex: indexed %" PRIu64 " documents (%" PRIu64 " terms, %" PRIu64
            " postings) from %s into '%s' (%s) in %.2f s",
            st->documents, st->terms, st->postings, in, a->out_dir, sz, secs);
    uint64_t n_warn = 0;
    for (int k = 0; k < NSEARCH_WARN_COUNT; k++)
        n_warn += st->warnings[k];
    if (n_warn) {
        fprintf(stderr, "; %" PRIu64 " warning%s:", n_warn, n_warn == 1 ? "" : "s");
        const char *sep = " ";
        for (int k = 0; k < NSEARCH_WARN_COUNT; k++) {
            if (st->warnings[k]) {
                fprintf(stderr, "%s%" PRIu64 " %s", sep, st->warnings[k], warn_names[k]);
                sep = ", ";
            }
        }
    } else {
        fprintf(stderr, "; no warnings");
    }
    if (st->long_words)
        fprintf(stderr, "; %" PRIu64 " word%s over %u bytes split", st->long_words,
                st->long_words == 1 ? "" : "s", NSEARCH_TOKEN_MAX_BYTES);
    char why[256];
    print_skipped(why, sizeof why, st->skipped);
    if (*why)
        fprintf(stderr, "; skipped: %s", why);
    fputc('\n', stderr);
}

/* nindex --merge-stats SHARD_DIR... */
static int merge_stats(const args *a)
{
    nsearch_error err;
    if (nsearch_shards_merge((const char *const *)a->inputs, (size_t)a->n_inputs, &err)) {
        fprintf(stderr, "nindex: %s\n", err.message);
        return exit_for(err.rc);
    }
    if (!a->quiet)
        fprintf(stderr, "nindex: merged the statistics of %d shard%s\n", a->n_inputs,
                a->n_inputs == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    nsearch_builder_opts_init(&a.bo);
    a.out_dir = getenv("NSEARCH_INDEX");
    if (!a.out_dir || !*a.out_dir)
        a.out_dir = "index";
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    if (a.merge)
        return merge_stats(&a);
#ifdef __GLIBC__
    /* Blocks of 256 KiB and more (inverter pools, batches, buffers) come
     * from mmap and go back to the system when freed: glibc's default
     * threshold rises after the first such free, and freed heap memory
     * then stays resident, which defeats --mem. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    /* Every INPUT must exist and be readable before anything is touched. */
    nsearch_error err;
    int bad_inputs = 0;
    for (int i = 0; i < a.n_inputs; i++) {
        if (nsearch_input_check(a.inputs[i], &err)) {
            fprintf(stderr, "nindex: %s\n", err.message);
            bad_inputs++;
        }
    }
    if (bad_inputs) {
        fprintf(stderr, "nindex: index not written; '%s' is unchanged\n", a.out_dir);
        return CLI_EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    warn_ctx wc = {a.quiet, 0, 0, now_s(), 0};
    a.bo.warn = on_warn;
    a.bo.warn_ctx = &wc;
    if (!a.quiet && isatty(2)) {
        uint64_t total = 0;
        for (int i = 0; i < a.n_inputs && total != UINT64_MAX; i++) {
            uint64_t n = nsearch_input_size(a.inputs[i]);
            total = n == UINT64_MAX ? UINT64_MAX : total + n;
        }
        a.bo.progress = on_progress;
        a.bo.progress_ctx = &wc;
        a.bo.input_bytes = total == UINT64_MAX ? 0 : total;
    }
    nsearch_builder *b = NULL;
    nsearch_rc rc = nsearch_builder_new(a.out_dir, &a.bo, &b, &err);
    if (rc == NSEARCH_E_BUSY && a.wait_lock) {
        if (!a.quiet)
            fprintf(stderr, "nindex: %s; waiting\n", err.message);
        a.bo.wait = 1;
        rc = nsearch_builder_new(a.out_dir, &a.bo, &b, &err);
    }
    if (!rc)
        rc = nsearch_builder_add_paths(b, (const char *const *)a.inputs, (size_t)a.n_inputs, &err);
    if (!rc)
        rc = nsearch_builder_wait(b, &err);
    if (rc)
        return build_failed(&a, &wc, b, rc, &err);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(b, &st);
    uint64_t n_warn = 0;
    for (int k = 0; k < NSEARCH_WARN_COUNT; k++)
        n_warn += st.warnings[k];
    if (a.strict && n_warn) {
        progress_clear(&wc);
        fprintf(stderr, "nindex: %" PRIu64 " input warning%s with --strict: index not written\n",
                n_warn, n_warn == 1 ? "" : "s");
        nsearch_builder_free(b);
        return CLI_EXIT_USAGE;
    }
    if (st.documents == 0 && !a.bo.allow_empty && !(a.bo.n_shards && st.documents_in > 0)) {
        progress_clear(&wc);
        char why[160];
        print_skipped(why, sizeof why, st.skipped);
        fprintf(stderr,
                "nindex: no documents found in the INPUT (%" PRIu64 " read, none with words%s%s); "
                "'%s' is unchanged (--allow-empty builds an empty index)\n",
                st.documents_in, *why ? "; skipped: " : "", why, a.out_dir);
        nsearch_builder_free(b);
        return CLI_EXIT_USAGE;
    }
    if ((rc = nsearch_builder_commit(b, &err)))
        return build_failed(&a, &wc, b, rc, &err);
    nsearch_builder_stats_get(b, &st);
    nsearch_builder_free(b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    progress_clear(&wc);
    if (!a.quiet)
        print_summary(&a, &st, secs);
    return CLI_EXIT_OK;
}
