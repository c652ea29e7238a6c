/* nindex: the indexer's command line (a thin layer over ix_build and
 * ix_source; the only place in indexer/ that prints or exits). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ix_build.h"
#include "ix_source.h"
#include "ns_format.h"

#define EXIT_USAGE 2
#define EXIT_INDEX 3
#define EXIT_IO 4
#define MAX_PRINTED_WARNINGS 1000

static const char usage_text[] =
    "Usage: nindex [OPTION]... INPUT...\n"
    "Build an nsearch index from plain-text files, directories and JSON Lines.\n"
    "\n"
    "INPUT is a file, a directory (walked recursively: .txt and .md files are\n"
    "one document each, .jsonl/.ndjson files one document per line), or '-' for\n"
    "JSON Lines on standard input.  JSON members: id, title, body (or text),\n"
    "date, url.  A plain-text document's title is its first non-empty line and\n"
    "its id the path relative to the INPUT directory.\n"
    "\n"
    "The index is built beside INDEX_DIR and swapped into place only when\n"
    "complete, so a failed or interrupted build leaves the old index untouched.\n"
    "\n"
    "Options:\n"
    "  -o, --output=INDEX_DIR  index directory (default: $NSEARCH_INDEX, else 'index')\n"
    "  -l, --lang=LANG         Snowball stemmer language (default: english;\n"
    "                          'none' disables stemming)\n"
    "      --strict            treat any input warning as an error: exit 2 and\n"
    "                          leave the old index untouched\n"
    "  -q, --quiet             print only errors (no warnings or summary)\n"
    "  -h, --help              show this help and exit\n"
    "      --version           show version information and exit\n"
    "\n"
    "Bad input (malformed JSON, invalid UTF-8, binary files, empty documents,\n"
    "missing fields, duplicate ids) is skipped or repaired with a warning that\n"
    "names the file and line; a summary follows.\n"
    "\n"
    "Exit status:\n"
    "  0  the index was built\n"
    "  2  usage error, or input warnings with --strict\n"
    "  3  the output exists and is not an nsearch index\n"
    "  4  I/O or memory failure\n";

typedef struct warn_ctx {
    int quiet;
    unsigned long printed;
} warn_ctx;

static void on_warn(void *ctx, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    (void)kind;
    warn_ctx *w = ctx;
    if (w->quiet)
        return;
    if (++w->printed > MAX_PRINTED_WARNINGS) {
        if (w->printed == MAX_PRINTED_WARNINGS + 1)
            fprintf(stderr, "nindex: warning: more than %d warnings; the rest are only counted\n",
                    MAX_PRINTED_WARNINGS);
        return;
    }
    if (file && line)
        fprintf(stderr, "nindex: warning: %s:%llu: %s\n", file, (unsigned long long)line, msg);
    else if (file)
        fprintf(stderr, "nindex: warning: %s: %s\n", file, msg);
    else
        fprintf(stderr, "nindex: warning: %s\n", msg);
}

static int exit_for(ns_rc rc)
{
    switch (rc) {
    case NS_E_ARG: return EXIT_USAGE;
    case NS_E_BADMAGIC:
    case NS_E_VERSION:
    case NS_E_CORRUPT: return EXIT_INDEX;
    default: return EXIT_IO;
    }
}

static const char *const warn_names[IX_WARN_COUNT] = {
    "malformed JSON", "invalid UTF-8", "binary file", "empty document",
    "missing field",  "duplicate id",  "too large",   "unreadable",
};

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
    int quiet = 0, strict = 0;
    enum { OPT_STRICT = 256, OPT_VERSION };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"lang", required_argument, 0, 'l'},
        {"quiet", no_argument, 0, 'q'},        {"strict", no_argument, 0, OPT_STRICT},
        {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, OPT_VERSION},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:l:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 'l': lang = optarg; break;
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
    if (optind >= argc) {
        fprintf(stderr, "nindex: no INPUT given\nTry 'nindex --help' for more information.\n");
        return EXIT_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    warn_ctx wc = {quiet, 0};
    ix_build *b;
    ns_err err;
    ns_err_clear(&err);
    ns_rc rc = ix_build_new(out_dir, lang, on_warn, &wc, &b, &err);
    if (rc) {
        fprintf(stderr, "nindex: %s\n", err.msg);
        return exit_for(rc);
    }
    for (int i = optind; i < argc && !rc; i++)
        rc = ix_source_add(b, argv[i], &err);
    ix_build_stats st;
    ix_build_get_stats(b, &st);
    uint64_t n_warn = 0;
    for (int k = 0; k < IX_WARN_COUNT; k++)
        n_warn += st.warnings[k];
    if (!rc && strict && n_warn) {
        fprintf(stderr, "nindex: %llu input warning%s with --strict: index not written\n",
                (unsigned long long)n_warn, n_warn == 1 ? "" : "s");
        ix_build_free(b);
        return EXIT_USAGE;
    }
    if (!rc)
        rc = ix_build_commit(b, &err);
    if (rc) {
        fprintf(stderr, "nindex: %s\n", err.msg);
        fprintf(stderr, "nindex: index not written; '%s' is unchanged\n", out_dir);
        ix_build_free(b);
        return rc == NS_E_ARG ? EXIT_INDEX : exit_for(rc);
    }
    ix_build_get_stats(b, &st);
    ix_build_free(b);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
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
        fputc('\n', stderr);
    }
    return 0;
}
