/* nindex-mpi: builds every shard of a set at once, one per MPI rank, and
 * merges their statistics over MPI (docs/MPI.md):
 *
 *   mpiexec -n N nindex-mpi [OPTION]... -o DIR INPUT...
 *
 * Rank r builds shard r of N into DIR/r (what `nindex --shard r/N -o DIR/r`
 * builds), then the ranks do what `nindex --merge-stats DIR/0 ... DIR/N-1`
 * does, moving the statistics themselves: each rank's nsearch_shard_stats
 * bytes are gathered to rank 0, merged there (nsearch_shard_stats_merge),
 * broadcast, and applied by every rank to its shard (nsearch_shard_apply).
 * The shards are byte for byte those of nindex --shard and --merge-stats.
 *
 * Every step that can fail ends in a vote (step_ok: an MPI_Allreduce of
 * the ranks' exit statuses) before the next collective, so that a failure
 * on one rank stops all of them with the same status; the failing rank
 * says why ("nindex-mpi: rank R: MESSAGE").  It is its own file because it
 * alone needs MPI; on the public API (nsearch.h) and cli.h only. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "cli_mpi.h"

#include "cli.h"
#include "nsearch.h"

#define PROG "nindex-mpi"
#define MAX_PRINTED_WARNINGS 1000 /* per rank */
#define MPI_CHUNK ((size_t)1 << 30) /* bytes per MPI_Bcast call (counts are int) */

enum { OPT_VERSION = 256, OPT_MEM, OPT_STOP, OPT_FIELD };

static const cli_opt options[] = {
    {"output", 'o', "DIR", 'o', "the set's directory: shard r is built into DIR/r\n(required)"},
    {"jobs", 'j', "N", 'j', "analyse documents on N threads per rank (default 1)"},
    {"mem", 0, "SIZE", OPT_MEM,
     "memory budget per rank, with an optional K, M or G\nsuffix (default 256M)"},
    {"lang", 'l', "LANG", 'l',
     "Snowball stemmer language (default: english;\n'none' disables stemming)"},
    {"stopwords", 0, "LIST", OPT_STOP, "'english' or 'none' (as nindex --stopwords)"},
    {"field", 0, "NAME", OPT_FIELD,
     "also index the JSON member NAME as exact keywords\n(as nindex --field); repeatable"},
    {"quiet", 'q', NULL, 'q', "print only errors (no warnings or summary)"},
    {"help", 'h', NULL, 'h', "show this help and exit"},
    {"version", 0, NULL, OPT_VERSION, "show version information and exit"},
};

static const char *const exits[] = {
    "0  every shard was built and holds the set's statistics\n",
    "2  usage error, an INPUT missing or unreadable, or no documents found\n",
    "3  an output DIR/r exists and is not an nsearch index\n",
    "4  I/O, memory or MPI failure\n",
    "5  another nindex is building one of the shards\n",
};

static const cli_prog prog = {
    PROG,
    "Usage: mpiexec -n N nindex-mpi [OPTION]... -o DIR INPUT...\n",
    "Build the N shards of an nsearch index set on N MPI ranks: rank r builds\n"
    "shard r into DIR/r (nindex --shard r/N), then the ranks merge their\n"
    "statistics (nindex --merge-stats), so that the set ranks exactly as one\n"
    "index of the INPUTs.  Search it with 'nsearch -i DIR/0 ... -i DIR/N-1' or\n"
    "'mpiexec -n N nsearch-mpi -i DIR'.  Every rank reads every INPUT (they\n"
    "must be at the same path on every node), so warnings about the input may\n"
    "come from every rank.\n",
    options,
    sizeof options / sizeof options[0],
    23,
    "\n"
    "A failure on any rank stops every rank with the same status; the failing\n"
    "rank says why ('nindex-mpi: rank R: ...').\n",
    exits,
    sizeof exits / sizeof exits[0],
};

static int g_rank, g_size;

/* A missing path is the user's INPUT: 2 (as nindex). */
static int exit_for(nsearch_rc rc)
{
    return rc == NSEARCH_E_NOTFOUND ? CLI_EXIT_USAGE : cli_exit_for(rc);
}

typedef struct warn_ctx {
    int quiet;
    unsigned long printed;
} warn_ctx;

static void on_warn(void *ctx, nsearch_warning_kind kind, const char *file, uint64_t line,
                    const char *msg)
{
    (void)kind;
    warn_ctx *w = ctx;
    if (w->quiet)
        return;
    if (++w->printed > MAX_PRINTED_WARNINGS) {
        if (w->printed == MAX_PRINTED_WARNINGS + 1)
            fprintf(stderr, PROG ": rank %d: warning: more than %d warnings; the rest are only "
                            "counted\n", g_rank, MAX_PRINTED_WARNINGS);
        return;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, PROG ": rank %d", g_rank);
    cli_put_warning(prefix, file, line, msg);
}

/* The command line, parsed: strings borrowed from argv. */
typedef struct args {
    nsearch_builder_opts bo;
    const char *out_dir;
    const char *kw_fields[NSEARCH_MAX_KEYWORD_FIELDS];
    int quiet;
    char **inputs;
    int n_inputs;
} args;

/* Returns -1 when the build is to go on, else the exit status (the same
 * on every rank: they parse the same argv). */
static int parse_args(int argc, char **argv, args *a)
{
    nsearch_builder_opts *bo = &a->bo;
    bo->threads = 1;
    bo->memory = (uint64_t)256 << 20;
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
                return cli_mpi_usage("invalid thread count '%s' (1..%u)", optarg,
                                 NSEARCH_MAX_THREADS);
            break;
        case OPT_MEM:
            if (cli_parse_size(optarg, &bo->memory) || bo->memory < NSEARCH_MIN_MEMORY)
                return cli_mpi_usage("invalid memory size '%s' (at least 1M; e.g. 512M, 2G)", optarg);
            break;
        case 'o': a->out_dir = optarg; break;
        case 'l': bo->language = optarg; break;
        case OPT_STOP:
            if (!strcmp(optarg, "none") || !strcmp(optarg, "english"))
                bo->stop_words = !strcmp(optarg, "english");
            else
                return cli_mpi_usage("unknown stop word list '%.40s'; available: none english", optarg);
            break;
        case OPT_FIELD: {
            const char *why = nsearch_keyword_field_problem(optarg, strlen(optarg));
            if (why)
                return cli_mpi_usage("invalid --field '%s': the name %s", optarg, why);
            size_t k = 0;
            while (k < bo->n_keyword_fields && strcmp(a->kw_fields[k], optarg) != 0)
                k++;
            if (k == NSEARCH_MAX_KEYWORD_FIELDS)
                return cli_mpi_usage("more than %u --field names", NSEARCH_MAX_KEYWORD_FIELDS);
            if (k == bo->n_keyword_fields)
                a->kw_fields[bo->n_keyword_fields++] = optarg;
            break;
        }
        case 'q': a->quiet = 1; break;
        case 'h': return g_rank == 0 ? cli_close_stdout(PROG, cli_put_help(&prog)) : 0;
        case OPT_VERSION: return g_rank == 0 ? cli_close_stdout(PROG, cli_version(PROG)) : 0;
        default:
            if (optopt && optopt < 256)
                return cli_mpi_usage("invalid or incomplete option '-%c'", optopt);
            return cli_mpi_usage("invalid or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (!a->out_dir || !*a->out_dir)
        return cli_mpi_usage("no output given: -o DIR (shard r goes into DIR/r)");
    if (optind >= argc)
        return cli_mpi_usage("no INPUT given");
    if ((unsigned)g_size > NSEARCH_MAX_SHARDS)
        return cli_mpi_usage("%d ranks: a set has at most %u shards", g_size, NSEARCH_MAX_SHARDS);
    bo->shard = (unsigned)g_rank;
    bo->n_shards = (unsigned)g_size;
    a->inputs = argv + optind;
    a->n_inputs = argc - optind;
    return -1;
}

/* What this rank's build leaves for the summary. */
typedef struct build_out {
    uint64_t documents_in, documents, bytes_in, warnings;
} build_out;

/* Builds this rank's shard into dir up to (not including) the commit: the
 * commit waits for every rank's vote.  Returns 0 or a status (said). */
static int build_shard(const args *a, const char *dir, warn_ctx *wc, nsearch_builder **b,
                       build_out *out)
{
    nsearch_error err;
    nsearch_builder_opts bo = a->bo;
    bo.warn = on_warn;
    bo.warn_ctx = wc;
    /* A shard may be empty when the input is not (nsearch_builder_opts),
     * but nsearch_builder_commit refuses an empty build unless allow_empty:
     * an input without documents is refused below instead. */
    bo.allow_empty = 1;
    nsearch_rc rc = nsearch_builder_new(dir, &bo, b, &err);
    if (!rc)
        rc = nsearch_builder_add_paths(*b, (const char *const *)a->inputs, (size_t)a->n_inputs,
                                       &err);
    if (!rc)
        rc = nsearch_builder_wait(*b, &err);
    if (rc)
        return cli_mpi_fail(exit_for(rc), "%s", err.message);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(*b, &st);
    out->documents_in = st.documents_in;
    out->documents = st.documents;
    out->bytes_in = st.bytes_in;
    for (int k = 0; k < NSEARCH_WARN_COUNT; k++)
        out->warnings += st.warnings[k];
    if (st.documents_in == 0)
        return cli_mpi_fail(CLI_EXIT_USAGE, "no documents found in the INPUT; '%s' is unchanged",
                         dir);
    return 0;
}

/* Broadcasts buf[0..len) from rank 0 in pieces MPI's int counts can take. */
static int bcast_bytes(unsigned char *buf, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += MPI_CHUNK) {
        uint64_t n = len - off < MPI_CHUNK ? len - off : MPI_CHUNK;
        int rc = MPI_Bcast(buf + off, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return cli_mpi_check(rc, "MPI_Bcast");
    }
    return 0;
}

/* The statistics step: this rank's shard's statistics to rank 0, merged
 * there, the merge to every rank, applied to each shard.  Returns the
 * status, the same on every rank. */
static int merge_stats(const char *dir, char **labels)
{
    nsearch_error err;
    void *mine = NULL, *merged = NULL;
    size_t mine_len = 0, merged_len = 0;
    unsigned char *all = NULL;
    int *lens = NULL, *displs = NULL;
    int st = 0;
    if (nsearch_shard_stats(dir, &mine, &mine_len, &err))
        st = cli_mpi_fail(exit_for(err.rc), "%s", err.message);
    else if (mine_len > INT_MAX)
        st = cli_mpi_fail(CLI_EXIT_IO, "the statistics of '%s' (%zu bytes) are too large for "
                                    "MPI_Gatherv (at most %d)", dir, mine_len, INT_MAX);
    if (g_rank == 0 && !st) {
        lens = calloc((size_t)g_size, sizeof *lens);
        displs = calloc((size_t)g_size, sizeof *displs);
        if (!lens || !displs)
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if ((st = cli_mpi_vote(st)))
        goto out;
    int my_len = (int)mine_len;
    st = cli_mpi_check(MPI_Gather(&my_len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD),
                   "MPI_Gather");
    if (g_rank == 0 && !st) {
        uint64_t total = 0;
        for (int i = 0; i < g_size; i++) {
            displs[i] = (int)total;
            total += (uint64_t)lens[i];
            if (total > INT_MAX) {
                st = cli_mpi_fail(CLI_EXIT_IO, "the shards' statistics (more than %d bytes) are "
                                            "too large for MPI_Gatherv", INT_MAX);
                break;
            }
        }
        if (!st && !(all = malloc(total ? total : 1)))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if ((st = cli_mpi_vote(st)))
        goto out;
    st = cli_mpi_check(MPI_Gatherv(mine, my_len, MPI_BYTE, all, lens, displs, MPI_BYTE, 0,
                               MPI_COMM_WORLD), "MPI_Gatherv");
    if (g_rank == 0 && !st) {
        const void **parts = calloc((size_t)g_size, sizeof *parts);
        size_t *part_len = calloc((size_t)g_size, sizeof *part_len);
        if (!parts || !part_len) {
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
        } else {
            for (int i = 0; i < g_size; i++) {
                parts[i] = all + displs[i];
                part_len[i] = (size_t)lens[i];
            }
            if (nsearch_shard_stats_merge(parts, part_len, (const char *const *)labels,
                                          (size_t)g_size, &merged, &merged_len, &err))
                st = cli_mpi_fail(exit_for(err.rc), "%s", err.message);
        }
        free(parts);
        free(part_len);
    }
    if ((st = cli_mpi_vote(st)))
        goto out;
    uint64_t glen = merged_len;
    st = cli_mpi_check(MPI_Bcast(&glen, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
    if (!st && g_rank != 0 && !(merged = malloc(glen ? glen : 1)))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if ((st = cli_mpi_vote(st)))
        goto out;
    st = bcast_bytes(merged, glen);
    if (!st && nsearch_shard_apply(dir, merged, (size_t)glen, &err))
        st = cli_mpi_fail(exit_for(err.rc), "%s", err.message);
    st = cli_mpi_vote(st);
out:
    /* rank 0's merge is the library's (nsearch_free), the others' malloc's */
    if (g_rank == 0)
        nsearch_free(merged);
    else
        free(merged);
    nsearch_free(mine);
    free(all);
    free(lens);
    free(displs);
    return st;
}

/* The set's terms and postings, from shard 0 as opened after the merge
 * (nsearch_index_stats of a shard gives its set's terms). */
static void set_counts(const char *dir, uint64_t *terms)
{
    nsearch_index *ix = NULL;
    nsearch_index_stats st;
    *terms = 0;
    if (!nsearch_index_open(dir, &ix, NULL) && !nsearch_index_stats_get(ix, &st))
        *terms = st.terms;
    nsearch_index_close(ix);
}

/* Everything after MPI_Init and the command line; returns the status, the
 * same on every rank. */
static int run(const args *a)
{
    nsearch_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int st = 0;
    /* every INPUT readable on every rank before anything is touched */
    for (int i = 0; i < a->n_inputs; i++) {
        if (nsearch_input_check(a->inputs[i], &err))
            st = cli_mpi_fail(CLI_EXIT_USAGE, "%s", err.message);
    }
    size_t dl = strlen(a->out_dir);
    char **labels = calloc((size_t)g_size, sizeof *labels);
    for (int i = 0; labels && i < g_size; i++) {
        if (!(labels[i] = malloc(dl + 16))) {
            for (int j = 0; j < i; j++)
                free(labels[j]);
            free(labels);
            labels = NULL;
            break;
        }
        snprintf(labels[i], dl + 16, "%s/%d", a->out_dir, i);
    }
    if (!st && !labels)
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if ((st = cli_mpi_vote(st))) {
        if (g_rank == 0)
            fprintf(stderr, PROG ": index not written; '%s' is unchanged\n", a->out_dir);
        goto out;
    }
    const char *dir = labels[g_rank];
    struct stat sb;
    if (mkdir(a->out_dir, 0777) != 0 && errno != EEXIST)
        st = cli_mpi_fail(CLI_EXIT_IO, "cannot create '%s': %s", a->out_dir, strerror(errno));
    else if (stat(a->out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        st = cli_mpi_fail(CLI_EXIT_INDEX, "'%s' exists and is not a directory", a->out_dir);
    warn_ctx wc = {a->quiet, 0};
    nsearch_builder *b = NULL;
    build_out bo = {0, 0, 0, 0};
    if (!st)
        st = build_shard(a, dir, &wc, &b, &bo);
    /* no shard is committed unless every rank's build got this far */
    if ((st = cli_mpi_vote(st))) {
        nsearch_builder_free(b);
        if (g_rank == 0)
            fprintf(stderr, PROG ": index not written; the shards in '%s' are unchanged\n",
                    a->out_dir);
        goto out;
    }
    if (nsearch_builder_commit(b, &err))
        st = cli_mpi_fail(exit_for(err.rc), "%s", err.message);
    nsearch_builder_free(b);
    if (!(st = cli_mpi_vote(st)))
        st = merge_stats(dir, labels);
    if (st) {
        if (g_rank == 0)
            fprintf(stderr, PROG ": the set in '%s' is not complete: run nindex-mpi again\n",
                    a->out_dir);
        goto out;
    }
    uint64_t mine[4] = {bo.documents_in, bo.documents, bo.bytes_in, bo.warnings}, sum[4];
    if ((st = cli_mpi_vote(cli_mpi_check(MPI_Reduce(mine, sum, 4, MPI_UINT64_T, MPI_SUM, 0,
                                               MPI_COMM_WORLD), "MPI_Reduce"))))
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (g_rank == 0 && !a->quiet) {
        uint64_t terms;
        set_counts(labels[0], &terms);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr,
                PROG ": indexed %" PRIu64 " documents (%" PRIu64 " terms) of %" PRIu64
                " read into %d shard%s in '%s' in %.2f s; ",
                sum[1], terms, bo.documents_in, g_size, g_size == 1 ? "" : "s", a->out_dir, secs);
        if (sum[3])
            fprintf(stderr, "%" PRIu64 " warning%s (all ranks)\n", sum[3],
                    sum[3] == 1 ? "" : "s");
        else
            fputs("no warnings\n", stderr);
    }
out:
    for (int i = 0; labels && i < g_size; i++)
        free(labels[i]);
    free(labels);
    return st;
}

int main(int argc, char **argv)
{
    if (cli_mpi_init(&argc, &argv, PROG, &g_rank, &g_size))
        return CLI_EXIT_IO;
    args a;
    memset(&a, 0, sizeof a);
    nsearch_builder_opts_init(&a.bo);
    int st = parse_args(argc, argv, &a);
    if (st < 0)
        st = run(&a);
    else /* --help and --version: rank 0's status (stdout) for everyone */
        MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return st;
}
