/* nbench: the benchmark driver; dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "nb.h"

static const struct {
    const char *name;
    int (*main)(int, char **);
    const char *what;
} commands[] = {
    {"query", nb_query_main, "query latency per algorithm: p50/p90/p99, QPS (issue: the hot path)"},
    {"codec", nb_codec_main, "block decode ints/s per SIMD implementation and bit width (ns_block)"},
    {"index", nb_index_main, "indexing MB/s, docs/s, peak RSS, index size; analyzer tokens/s"},
    {"get", nb_get_main, "nsearch --get in process: lookup by id, fetch, JSON (p50/p99)"},
    {"fold", nb_fold_main, "diacritics folded before or after stemming, on a word list (issue 11)"},
    {"tv", nb_tv_main, "RM3 term vectors: re-analysed text against a forward index (issue 15)"},
    {"set", nb_set_main, "a query over an index or the shards of a set, in process (issue 14)"},
    {"store", nb_store_main, "docstore size against body fetch time per block/dictionary/level (issue 9)"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: nbench COMMAND [ARGS]...  (nbench COMMAND --help for its options)\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\nEach measurement is one JSON line on stdout, then a readable table on stderr.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "nbench: unknown command '%s'\nTry 'nbench --help' for more information.\n", argv[1]);
    return 2;
}
