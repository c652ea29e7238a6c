/* nindex: the indexer's command line (a thin layer over ix_build and
 * ix_source; the only place in indexer/ that prints or exits). */
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

#include "ix_build.h"
#include "ix_encoding.h"
#include "ix_source.h"
#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_format.h"
#include "ns_keyword.h"
#include "ns_term.h"

#define EXIT_USAGE 2
#define EXIT_INDEX 3
#define EXIT_IO 4
#define EXIT_BUSY 5
#define MAX_PRINTED_WARNINGS 1000

static const char usage_text[] =
    "Usage: nindex [OPTION]... INPUT...\n"
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
    "of an index is never replaced.\n"
    "\n"
    "Options:\n"
    "  -o, --output=INDEX_DIR  index directory (default: $NSEARCH_INDEX, else 'index')\n"
    "  -j, --jobs=N            analyse documents on N threads (default: all cores)\n"
    "      --mem=SIZE          memory budget for postings and batches, with an\n"
    "                          optional K, M or G suffix (default: a quarter of\n"
    "                          the RAM, at most 1G); beyond it postings are\n"
    "                          written to sorted runs and merged at the end\n"
    "  -l, --lang=LANG         Snowball stemmer language (default: english;\n"
    "                          'none' disables stemming)\n"
    "      --stopwords=LIST    words left out of the index: 'english' (the 33\n"
    "                          words of Lucene's English analyzer: the, of,\n"
    "                          and, to, a, in, ...) or 'none'; default:\n"
    "                          'english' for English, else 'none'.  Stop words\n"
    "                          keep their positions and count in lengths\n"
    "      --keep-diacritics   keep accents on Latin and Greek letters (cafe and\n"
    "                          caf\xC3\xA9 become different words); by default they\n"
    "                          are removed before stemming, as in queries\n"
    "      --field=NAME        also index the JSON member NAME as exact keywords:\n"
    "                          its string value, or each string of an array\n"
    "                          (Reuters' topics); repeatable; NAME may not be\n"
    "                          id, title, body, date or url\n"
    "      --input-format=FMT  how INPUT files named directly and standard input\n"
    "                          are read: auto (default: by name, then by\n"
    "                          content), jsonl or text\n"
    "      --encoding=NAME     read plain text in encoding NAME (any name of\n"
    "                          'iconv -l': latin1, ISO-8859-15, windows-1252,\n"
    "                          SHIFT_JIS, UTF-16, ...; default UTF-8), converted\n"
    "                          to UTF-8; bytes invalid in it become U+FFFD with a\n"
    "                          warning.  A byte-order mark (UTF-8, UTF-16,\n"
    "                          UTF-32) wins over it; JSON Lines are always UTF-8\n"
    "      --allow-empty       build an index even when no document is found\n"
    "      --wait              if another nindex is building INDEX_DIR, wait for\n"
    "                          it to finish (default: exit 5 at once)\n"
    "      --strict            treat any input warning as an error: exit 2 and\n"
    "                          leave the old index untouched\n"
    "  -q, --quiet             print only errors (no warnings or summary)\n"
    "  -h, --help              show this help and exit\n"
    "      --version           show version information and exit\n"
    "\n"
    "Bad input (malformed JSON, invalid UTF-8 or text invalid in its encoding,\n"
    "binary files, empty documents, missing fields, duplicate ids) is skipped\n"
    "or repaired with a warning that names the file and line; a summary\n"
    "follows.  Progress is shown on standard error when it is a terminal (not\n"
    "with --quiet).\n"
    "\n"
    "The index depends only on the input, not on --jobs or --mem.\n"
    "\n"
    "Exit status:\n"
    "  0  the index was built\n"
    "  2  usage error, an INPUT missing or unreadable, no documents found, or\n"
    "     input warnings with --strict\n"
    "  3  the output exists and is not an nsearch index, or holds other files\n"
    "  4  I/O or memory failure\n"
    "  5  another nindex is building the same INDEX_DIR (see --wait)\n";

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

static void on_progress(void *ctx, const ix_progress *p)
{
    warn_ctx *w = ctx;
    double t = now_s();
    if (p->merging) {
        unsigned long s = (unsigned long)(t - w->t0 + 0.5);
        fprintf(stderr, "\rnindex: %" PRIu64 " documents, %.1f MB read in %lu:%02lu; merging postings\033[K",
                p->n_docs, (double)p->bytes_in / 1e6, s / 60, s % 60);
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
    fprintf(stderr, "\rnindex: %" PRIu64 " documents, %.1f MB read, %.1f MB/s%s\033[K", p->n_docs, mb,
            el > 0 ? mb / el : 0.0, eta);
    fflush(stderr);
    w->progress_shown = 1;
}

static void on_warn(void *ctx, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
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
    /* File names and quoted ids come from the input: never raw on a
     * terminal (ns_term). */
    ns_buf f, m;
    ns_buf_init(&f);
    ns_buf_init(&m);
    if ((file && ns_term_put(&f, file, strlen(file), NS_TERM_NAME)) ||
        ns_term_put(&m, msg, strlen(msg), NS_TERM_TEXT)) {
        fprintf(stderr, "nindex: warning: (not shown: out of memory)\n");
    } else if (file && line) {
        fprintf(stderr, "nindex: warning: %s:%llu: %s\n", ns_buf_cstr(&f), (unsigned long long)line,
                ns_buf_cstr(&m));
    } else if (file) {
        fprintf(stderr, "nindex: warning: %s: %s\n", ns_buf_cstr(&f), ns_buf_cstr(&m));
    } else {
        fprintf(stderr, "nindex: warning: %s\n", ns_buf_cstr(&m));
    }
    ns_buf_release(&f);
    ns_buf_release(&m);
}

static int exit_for(ns_rc rc)
{
    switch (rc) {
    case NS_E_ARG:
    case NS_E_LIMIT:
    case NS_E_NOTFOUND: return EXIT_USAGE;
    case NS_E_BUSY: return EXIT_BUSY;
    case NS_E_EXISTS:
    case NS_E_BADMAGIC:
    case NS_E_VERSION:
    case NS_E_CORRUPT: return EXIT_INDEX;
    default: return EXIT_IO;
    }
}

static const char *const warn_names[IX_WARN_COUNT] = {
    "malformed JSON", "invalid UTF-8", "binary file", "empty document",
    "missing field",  "duplicate id",  "too large",   "unreadable",
    "link not followed", "invalid in its encoding",
};

/* Writes what the walks skipped, e.g. "3 files with other extensions, 1
 * hidden entry", into out ("" when nothing). */
static void print_skipped(char *out, size_t len, const uint64_t n[IX_SKIP_COUNT])
{
    static const char *const one[IX_SKIP_COUNT] = {
        "file with another extension", "hidden entry", "link to a directory",
        "dangling link", "special file", "file reached twice"};
    static const char *const many[IX_SKIP_COUNT] = {
        "files with other extensions", "hidden entries", "links to directories",
        "dangling links", "special files", "files reached twice"};
    size_t used = 0;
    *out = 0;
    for (int k = 0; k < IX_SKIP_COUNT && used < len; k++) {
        if (!n[k])
            continue;
        int w = snprintf(out + used, len - used, "%s%llu %s", used ? ", " : "",
                         (unsigned long long)n[k], n[k] == 1 ? one[k] : many[k]);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Parses SIZE: digits with an optional K, M or G (powers of 1024), an
 * optional "iB" or "B" after it.  Returns 0, or -1 if malformed. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
        end += strlen(end);
    else if (!shift && !strcmp(end, "B"))
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static uint64_t default_mem(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t m = IX_DEFAULT_MEM;
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
        snprintf(out, len, "%llu bytes", (unsigned long long)n);
}

int main(int argc, char **argv)
{
    const char *out_dir = getenv("NSEARCH_INDEX");
    if (!out_dir || !*out_dir)
        out_dir = "index";
    const char *lang = "english";
    uint32_t stop_list = NS_STOP_NONE;
    int stop_set = 0; /* else the language's default list */
    ns_err err;
    ns_err_clear(&err);
    int quiet = 0, strict = 0, allow_empty = 0, wait_lock = 0, keep_diacritics = 0;
    ix_input_format in_fmt = IX_FMT_AUTO;
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = n_cpu < 1 ? 1 : n_cpu > (long)IX_MAX_THREADS ? IX_MAX_THREADS : (unsigned)n_cpu;
    uint64_t mem = default_mem();
    enum { OPT_STRICT = 256, OPT_VERSION, OPT_MEM, OPT_STOP, OPT_INFMT, OPT_EMPTY, OPT_WAIT, OPT_FIELD,
           OPT_KEEP_DIACRITICS, OPT_ENCODING };
    const char *encoding = NULL; /* borrowed from argv; NULL: UTF-8 */
    const char *kw_fields[NS_MAX_KW_FIELDS]; /* borrowed from argv, all different */
    size_t n_kw = 0;
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"lang", required_argument, 0, 'l'},
        {"quiet", no_argument, 0, 'q'},        {"strict", no_argument, 0, OPT_STRICT},
        {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, OPT_VERSION},
        {"jobs", required_argument, 0, 'j'},   {"mem", required_argument, 0, OPT_MEM},
        {"stopwords", required_argument, 0, OPT_STOP},
        {"input-format", required_argument, 0, OPT_INFMT},
        {"allow-empty", no_argument, 0, OPT_EMPTY}, {"wait", no_argument, 0, OPT_WAIT},
        {"field", required_argument, 0, OPT_FIELD},
        {"keep-diacritics", no_argument, 0, OPT_KEEP_DIACRITICS},
        {"encoding", required_argument, 0, OPT_ENCODING},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:l:qhj:", opts, NULL)) != -1) {
        switch (c) {
        case 'j': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 1 || v > (long)IX_MAX_THREADS) {
                fprintf(stderr, "nindex: invalid thread count '%s' (1..%u)\n"
                                "Try 'nindex --help' for more information.\n",
                        optarg, IX_MAX_THREADS);
                return EXIT_USAGE;
            }
            jobs = (unsigned)v;
            break;
        }
        case OPT_MEM:
            if (parse_size(optarg, &mem) || mem < IX_MIN_MEM) {
                fprintf(stderr, "nindex: invalid memory size '%s' (at least 1M; e.g. 512M, 2G)\n"
                                "Try 'nindex --help' for more information.\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o': out_dir = optarg; break;
        case 'l': lang = optarg; break;
        case OPT_KEEP_DIACRITICS: keep_diacritics = 1; break;
        case OPT_STOP:
            if (ns_stop_list_parse(optarg, &stop_list, &err)) {
                fprintf(stderr, "nindex: %s\nTry 'nindex --help' for more information.\n",
                        err.msg);
                return EXIT_USAGE;
            }
            stop_set = 1;
            break;
        case OPT_INFMT:
            if (ix_input_format_parse(optarg, &in_fmt)) {
                fprintf(stderr, "nindex: invalid --input-format '%s' (auto, jsonl or text)\n"
                                "Try 'nindex --help' for more information.\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FIELD: {
            const char *why = ns_keyword_name_problem(optarg, strlen(optarg));
            if (why) {
                fprintf(stderr, "nindex: invalid --field '%s': the name %s\n"
                                "Try 'nindex --help' for more information.\n",
                        optarg, why);
                return EXIT_USAGE;
            }
            size_t k = 0;
            while (k < n_kw && strcmp(kw_fields[k], optarg) != 0)
                k++;
            if (k == NS_MAX_KW_FIELDS) {
                fprintf(stderr, "nindex: more than %u --field names\n"
                                "Try 'nindex --help' for more information.\n",
                        NS_MAX_KW_FIELDS);
                return EXIT_USAGE;
            }
            if (k == n_kw)
                kw_fields[n_kw++] = optarg;
            break;
        }
        case OPT_ENCODING: {
            ix_enc *e = NULL;
            if (!ix_enc_is_utf8(optarg) && ix_enc_new(optarg, &e, &err)) {
                fprintf(stderr, "nindex: %s\nTry 'nindex --help' for more information.\n",
                        err.msg);
                return err.rc == NS_E_ARG ? EXIT_USAGE : EXIT_IO;
            }
            ix_enc_free(e);
            encoding = e ? optarg : NULL;
            break;
        }
        case OPT_EMPTY: allow_empty = 1; break;
        case OPT_WAIT: wait_lock = 1; break;
        case 'q': quiet = 1; break;
        case OPT_STRICT: strict = 1; break;
        case 'h': fputs(usage_text, stdout); return 0;
        case OPT_VERSION:
            printf("nindex %s (index format %u.%u)\n", NS_VERSION_STRING, NS_FORMAT_MAJOR,
                   NS_FORMAT_MINOR);
            return 0;
        default:
            if (optopt && optopt < 256)
                fprintf(stderr, "nindex: invalid or incomplete option '-%c'\n", optopt);
            else
                fprintf(stderr, "nindex: invalid or incomplete option '%s'\n", argv[optind - 1]);
            fprintf(stderr, "Try 'nindex --help' for more information.\n");
            return EXIT_USAGE;
        }
    }
    if (encoding && in_fmt == IX_FMT_JSONL) {
        fprintf(stderr, "nindex: --encoding %s applies to plain text, and --input-format jsonl "
                        "reads JSON Lines, which are UTF-8 (RFC 8259)\n"
                        "Try 'nindex --help' for more information.\n",
                encoding);
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "nindex: no INPUT given\nTry 'nindex --help' for more information.\n");
        return EXIT_USAGE;
    }
#ifdef __GLIBC__
    /* Blocks of 256 KiB and more (inverter pools, batches, buffers) come
     * from mmap and go back to the system when freed: glibc's default
     * threshold rises after the first such free, and freed heap memory
     * then stays resident, which defeats --mem. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    /* Every INPUT must exist and be readable before anything is touched. */
    int bad_inputs = 0;
    for (int i = optind; i < argc; i++) {
        if (ix_source_check(argv[i], &err)) {
            fprintf(stderr, "nindex: %s\n", err.msg);
            bad_inputs++;
        }
    }
    if (bad_inputs) {
        fprintf(stderr, "nindex: index not written; '%s' is unchanged\n", out_dir);
        return EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    warn_ctx wc = {quiet, 0, 0, 0, 0};
    wc.t0 = now_s();
    ix_build *b;
    ix_build_opts bo = {lang, on_warn, &wc, 0};
    ns_rc rc = ix_build_new_opts(out_dir, &bo, &b, &err);
    if (rc == NS_E_BUSY && wait_lock) {
        if (!quiet)
            fprintf(stderr, "nindex: %s; waiting\n", err.msg);
        bo.wait_lock = 1;
        rc = ix_build_new_opts(out_dir, &bo, &b, &err);
    }
    if (rc) {
        fprintf(stderr, "nindex: %s\n", err.msg);
        fprintf(stderr, "nindex: index not written; '%s' is unchanged\n", out_dir);
        return exit_for(rc);
    }
    if (!stop_set && strcmp(ix_build_lang(b), "english") == 0)
        stop_list = NS_STOP_ENGLISH;
    ix_build_set_allow_empty(b, allow_empty);
    rc = ix_build_set_stop_list(b, stop_list, &err);
    if (!rc)
        rc = ix_build_set_keep_diacritics(b, keep_diacritics, &err);
    for (size_t i = 0; i < n_kw && !rc; i++)
        rc = ix_build_add_keyword_field(b, kw_fields[i], strlen(kw_fields[i]), &err);
    if (!rc)
        rc = ix_build_set_threads(b, jobs, &err);
    if (!rc)
        rc = ix_build_set_mem(b, mem, &err);
    if (!rc && !quiet && isatty(2)) {
        uint64_t total = 0;
        for (int i = optind; i < argc && total != UINT64_MAX; i++) {
            uint64_t n = ix_source_size(argv[i]);
            total = n == UINT64_MAX ? UINT64_MAX : total + n;
        }
        ix_build_set_progress(b, on_progress, &wc, total == UINT64_MAX ? 0 : total);
    }
    ix_source *src = NULL;
    if (!rc)
        rc = ix_source_new(b, in_fmt, argc - optind, &src, &err);
    if (!rc)
        rc = ix_source_set_encoding(src, encoding, &err);
    for (int i = optind; i < argc && !rc; i++)
        rc = ix_source_read(src, argv[i], &err);
    if (!rc)
        rc = ix_build_wait(b, &err);
    uint64_t skipped[IX_SKIP_COUNT] = {0};
    if (src)
        ix_source_skipped(src, skipped);
    ix_source_free(src);
    ix_build_stats st;
    ix_build_get_stats(b, &st);
    uint64_t n_warn = 0;
    for (int k = 0; k < IX_WARN_COUNT; k++)
        n_warn += st.warnings[k];
    if (!rc && strict && n_warn) {
        progress_clear(&wc);
        fprintf(stderr, "nindex: %llu input warning%s with --strict: index not written\n",
                (unsigned long long)n_warn, n_warn == 1 ? "" : "s");
        ix_build_free(b);
        return EXIT_USAGE;
    }
    if (!rc && st.n_docs == 0 && !allow_empty) {
        progress_clear(&wc);
        char why[160];
        print_skipped(why, sizeof why, skipped);
        fprintf(stderr,
                "nindex: no documents found in the INPUT (%llu read, none with words%s%s); "
                "'%s' is unchanged (--allow-empty builds an empty index)\n",
                (unsigned long long)st.n_docs_in, *why ? "; skipped: " : "", why, out_dir);
        ix_build_free(b);
        return EXIT_USAGE;
    }
    if (!rc)
        rc = ix_build_commit(b, &err);
    if (rc) {
        progress_clear(&wc);
        fprintf(stderr, "nindex: %s\n", err.msg);
        if (ix_build_installed(b))
            fprintf(stderr, "nindex: the new index is in place but may not survive a crash\n");
        else
            fprintf(stderr, "nindex: index not written; '%s' is unchanged\n", out_dir);
        ix_build_free(b);
        return exit_for(rc);
    }
    ix_build_get_stats(b, &st);
    ix_build_free(b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    progress_clear(&wc);
    if (!quiet) {
        char sz[32], in[32];
        human_bytes(st.index_bytes, sz, sizeof sz);
        human_bytes(st.bytes_in, in, sizeof in);
        fprintf(stderr,
                "nindex: indexed %llu documents (%llu terms, %llu postings) from %s into '%s' "
                "(%s) in %.2f s",
                (unsigned long long)st.n_docs, (unsigned long long)st.n_terms,
                (unsigned long long)st.n_postings, in, out_dir, sz, secs);
        if (n_warn) {
            fprintf(stderr, "; %llu warning%s:", (unsigned long long)n_warn, n_warn == 1 ? "" : "s");
            const char *sep = " ";
            for (int k = 0; k < IX_WARN_COUNT; k++) {
                if (st.warnings[k]) {
                    fprintf(stderr, "%s%llu %s", sep, (unsigned long long)st.warnings[k],
                            warn_names[k]);
                    sep = ", ";
                }
            }
        } else {
            fprintf(stderr, "; no warnings");
        }
        if (st.long_words)
            fprintf(stderr, "; %llu word%s over %u bytes split", (unsigned long long)st.long_words,
                    st.long_words == 1 ? "" : "s", NS_TOKEN_MAX_BYTES);
        char why[256];
        print_skipped(why, sizeof why, skipped);
        if (*why)
            fprintf(stderr, "; skipped: %s", why);
        fputc('\n', stderr);
    }
    return 0;
}
