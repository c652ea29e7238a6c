/* nsearch-mpi: answers a query file over a set of shards, one shard per
 * MPI rank (docs/MPI.md):
 *
 *   mpiexec -n N nsearch-mpi -i DIR --queries FILE [OPTION]...
 *
 * Rank r opens DIR/r (as nindex-mpi builds it).  Rank 0 reads FILE and
 * broadcasts each query; every rank finds its shard's best k; the (doc,
 * score) lists are gathered to rank 0 and merged by score, then document
 * number, into the set's best k (the order of nsearch -i DIR/0 ... and of
 * the single index of the same input); the merged list, with each hit's
 * owner, is broadcast; each rank renders its own hits (nsearch_reader_render
 * on its shard's reader, with the hit's rank in the set's list) and the
 * strings are gathered to rank 0, which prints them in order.  Standard
 * output is byte for byte that of `nsearch -i SINGLE --queries FILE`.
 *
 * Every step that can fail ends in a vote (cli_mpi_vote: an MPI_Allreduce of
 * the ranks' statuses) before the next collective, so that all ranks stop
 * together with one exit status.  Its own file because it alone needs MPI;
 * on the public API (nsearch.h) and cli.h only. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "cli_mpi.h"

#include "cli.h"
#include "nsearch.h"

#define PROG "nsearch-mpi"

enum { OPT_JSON = 256, OPT_FORMAT, OPT_QUERIES, OPT_VERSION, OPT_ALL, OPT_ALGO, OPT_STATS,
       OPT_NO_SNIPPETS, OPT_LITERAL };

static const cli_opt options[] = {
    {"index", 'i', "DIR", 'i',
     "the set's directory: rank r opens shard DIR/r (default:\n$NSEARCH_INDEX, else 'index')"},
    {"queries", 0, "FILE", OPT_QUERIES,
     "answer one query per line of FILE ('-' for stdin):\n'qid<TAB>text', or just text (qid = line number);\nrequired"},
    {"top", 'k', "N", 'k', "number of results (default 10; 0: the count only)"},
    {"format", 0, "FMT", OPT_FORMAT, "text (default), json or trec, as nsearch --format"},
    {"json", 0, NULL, OPT_JSON, "same as --format json"},
    {"no-snippets", 0, NULL, OPT_NO_SNIPPETS, "no passages (as nsearch --no-snippets)"},
    {"literal", 0, NULL, OPT_LITERAL, "queries are plain words: no syntax, no operators"},
    {"all", 0, NULL, OPT_ALL, "AND is the default operator (as nsearch --all)"},
    {"algo", 0, "ALGO", OPT_ALGO, "top-k algorithm: maxscore (default), bmw or exhaustive"},
    {"stats", 0, NULL, OPT_STATS,
     "after each query, the work it took on every rank, summed,\non stderr"},
    {"help", 'h', NULL, 'h', "show this help and exit"},
    {"version", 0, NULL, OPT_VERSION, "show version information and exit"},
};

static const char *const exits[] = {
    "0  at least one document matched\n",
    "1  nothing matched, or no query has searchable words\n",
    ("2  usage error, a malformed query (the message names the line and column),\n"
     "     or a set of another number of shards than ranks\n"), /* one entry (clang
                                                               -Wstring-concatenation) */
    "3  a shard missing, corrupt, of an unsupported version, or not of a set\n",
    "4  I/O, memory or MPI failure\n",
};

static const cli_prog prog = {
    PROG,
    "Usage: mpiexec -n N nsearch-mpi -i DIR --queries FILE [OPTION]...\n",
    "Answer a query file over the N shards of an nsearch index set (nindex-mpi,\n"
    "or nindex --shard and --merge-stats into DIR/0 .. DIR/N-1) on N MPI ranks,\n"
    "one shard each.  Standard output is that of 'nsearch --queries FILE' on the\n"
    "single index of the same input; rank 0 prints it.\n",
    options,
    sizeof options / sizeof *options,
    23,
    "",
    exits,
    sizeof exits / sizeof *exits,
};

static int g_rank, g_size;

/* A collective's result, voted: the same status on every rank. */
static int coll(int rc, const char *what)
{
    return cli_mpi_vote(cli_mpi_check(rc, what));
}

/* A growable byte buffer: sticky on failure (ok 0). */
typedef struct bytes {
    char *p;
    size_t len, cap;
    int ok;
} bytes;

static void bytes_put(bytes *b, const void *s, size_t n)
{
    if (!b->ok)
        return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + n)
            nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) {
            b->ok = 0;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* Arrays sized for the largest list seen so far (realloc'd upward). */
typedef struct lists {
    uint32_t *doc;   /* every rank's hits, rank after rank (rank 0) */
    double *score;
    int *owner;      /* the merged list's owners */
    uint32_t *mdoc;  /* the merged list */
    double *mscore;
    int *lens;       /* rendered lengths */
    size_t doc_cap, score_cap, owner_cap, mdoc_cap, mscore_cap, lens_cap;
} lists;

static int grow(void **p, size_t *cap, size_t want, size_t size)
{
    if (want <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < want)
        nc *= 2;
    void *q = realloc(*p, nc * size);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* Room for a merged list of n hits: 0, or -1 (out of memory). */
static int merged_room(lists *l, size_t n)
{
    return grow((void **)&l->mdoc, &l->mdoc_cap, n + 1, sizeof *l->mdoc) ||
                   grow((void **)&l->mscore, &l->mscore_cap, n + 1, sizeof *l->mscore) ||
                   grow((void **)&l->owner, &l->owner_cap, n + 1, sizeof *l->owner)
               ? -1
               : 0;
}

/* What a run needs. */
typedef struct app {
    const char *dir;         /* borrowed: the set's directory */
    char *shard_dir;         /* owned: DIR/rank */
    const char *queries;     /* borrowed: the query file */
    nsearch_index *ix;       /* owned */
    nsearch_reader *r;       /* owned */
    nsearch_index_stats st;
    nsearch_search_opts so;
    nsearch_render_opts ro;
    int stats, damaged_reported;
    int write_status;        /* rank 0: CLI_EXIT_IO once stdout failed */
    lists l;
    int *counts, *displs;    /* g_size each */
    bytes out;               /* this rank's rendered hits */
    bytes all;               /* rank 0: every rank's */
} app;

/* A number of results, 0..NSEARCH_MAX_RESULTS; -1 when s is not one. */
static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0 || v > (long)NSEARCH_MAX_RESULTS)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Returns -1 to go on, else the exit status (the same on every rank). */
static int parse_args(int argc, char **argv, app *a)
{
    struct option long_opts[sizeof options / sizeof *options + 1];
    char short_opts[3 * (sizeof options / sizeof *options) + 3];
    cli_getopt_table(&prog, long_opts, "", short_opts);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        switch (c) {
        case 'i': a->dir = optarg; break;
        case OPT_QUERIES: a->queries = optarg; break;
        case 'k':
            if (parse_count(optarg, &a->so.k))
                return cli_mpi_usage("-k wants a number of results from 0 to 1000000, not '%s'", optarg);
            break;
        case OPT_JSON: a->ro.format = NSEARCH_JSON; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "text"))
                a->ro.format = NSEARCH_TEXT;
            else if (!strcmp(optarg, "json"))
                a->ro.format = NSEARCH_JSON;
            else if (!strcmp(optarg, "trec"))
                a->ro.format = NSEARCH_TREC;
            else
                return cli_mpi_usage("unknown --format '%s' (text, json or trec)", optarg);
            break;
        case OPT_NO_SNIPPETS: a->ro.snippets = 0; break;
        case OPT_LITERAL: a->so.flags |= NSEARCH_QUERY_LITERAL; break;
        case OPT_ALL: a->so.flags |= NSEARCH_QUERY_ALL; break;
        case OPT_ALGO:
            if (!strcmp(optarg, "maxscore"))
                a->so.algo = NSEARCH_ALGO_MAXSCORE;
            else if (!strcmp(optarg, "bmw"))
                a->so.algo = NSEARCH_ALGO_BMW;
            else if (!strcmp(optarg, "exhaustive"))
                a->so.algo = NSEARCH_ALGO_EXHAUSTIVE;
            else
                return cli_mpi_usage("--algo wants maxscore, bmw or exhaustive, not '%s'", optarg);
            break;
        case OPT_STATS: a->stats = 1; break;
        case 'h': return g_rank == 0 ? cli_close_stdout(PROG, cli_put_help(&prog)) : 0;
        case OPT_VERSION: return g_rank == 0 ? cli_close_stdout(PROG, cli_version(PROG)) : 0;
        default:
            if (optopt && optopt < 256)
                return cli_mpi_usage("invalid or incomplete option '-%c'", optopt);
            return cli_mpi_usage("invalid or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_mpi_usage("unexpected argument '%s' (queries come from --queries FILE)", argv[optind]);
    if (!a->queries)
        return cli_mpi_usage("no --queries FILE given");
    if (a->so.k == 0)
        a->so.count = 1; /* -k 0: the count only */
    return -1;
}

/* Opens this rank's shard and checks that the set has one shard per rank.
 * Returns 0 or a status (said). */
static int open_shard(app *a)
{
    nsearch_error err;
    size_t n = strlen(a->dir) + 16;
    if (!(a->shard_dir = malloc(n)))
        return cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    snprintf(a->shard_dir, n, "%s/%d", a->dir, g_rank);
    if (nsearch_index_open(a->shard_dir, &a->ix, &err))
        return cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
    nsearch_index_stats_get(a->ix, &a->st);
    if (a->st.n_shards == 0)
        return cli_mpi_fail(CLI_EXIT_INDEX, "'%s' is not a shard of a set (build the set with "
                                         "nindex-mpi, or nindex --shard and --merge-stats)",
                         a->shard_dir);
    if (a->st.n_shards != (unsigned)g_size)
        return cli_mpi_fail(CLI_EXIT_USAGE, "'%s' is a shard of a set of %u, not %d: run "
                                         "mpiexec -n %u", a->shard_dir, a->st.n_shards, g_size,
                         a->st.n_shards);
    if (a->st.shard != (unsigned)g_rank)
        return cli_mpi_fail(CLI_EXIT_INDEX, "'%s' holds shard %u of the set, not %d",
                         a->shard_dir, a->st.shard, g_rank);
    if (nsearch_reader_new(a->ix, &a->r, &err))
        return cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
    if (!(a->counts = calloc((size_t)g_size, sizeof *a->counts)) ||
        !(a->displs = calloc((size_t)g_size, sizeof *a->displs)))
        return cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    return 0;
}

/* "'FILE' line N", FILE terminal-safe: owned (free), or NULL. */
static char *query_place(const char *path, unsigned long line_no)
{
    char *name = cli_safe(path, strlen(path), NSEARCH_ESCAPE_NAME);
    size_t cap = name ? strlen(name) + 32 : 0;
    char *where = name ? malloc(cap) : NULL;
    if (where)
        snprintf(where, cap, "'%s' line %lu", name, line_no);
    nsearch_free(name);
    return where;
}

/* The text format's header of a query: "# query QID: TEXT" (nsearch's). */
static int put_query_header(const app *a, const char *qid, const char *text)
{
    if (a->ro.format != NSEARCH_TEXT)
        return 0;
    char *q = cli_safe(qid, strlen(qid), NSEARCH_ESCAPE_NAME);
    char *t = cli_safe(text, strlen(text), NSEARCH_ESCAPE_TEXT);
    int rc = q && t ? 0 : -1;
    if (!rc)
        printf("# query %s: %s\n", q, t);
    nsearch_free(q);
    nsearch_free(t);
    return rc;
}

/* Why a query has nothing to search for (rank 0, nsearch's message). */
static void say_vanished(const app *a, int why, const char *qid, const char *text,
                         const char *where)
{
    fprintf(stderr, PROG ": %s: query ", where);
    cli_put_safe(stderr, qid, strlen(qid), NSEARCH_ESCAPE_NAME);
    fputs(": the query '", stderr);
    cli_put_safe(stderr, text, strlen(text), NSEARCH_ESCAPE_TEXT);
    if (why == NSEARCH_EMPTY_STOPWORDS)
        fprintf(stderr, "' has no searchable words: every word that is not excluded is a stop "
                        "word, which index '%s' leaves out (built with --stopwords %s); nothing "
                        "can match\n",
                a->dir, a->st.stop_words);
    else
        fputs("' has no searchable words (only punctuation, symbols or emoji); nothing can match\n",
              stderr);
}

/* The count line, in the output's format (nsearch's put_count). */
static void put_count(const app *a, const char *qid, uint64_t count)
{
    if (a->ro.format == NSEARCH_TEXT) {
        printf("%llu match%s\n", (unsigned long long)count, count == 1 ? "" : "es");
    } else if (a->ro.format == NSEARCH_JSON) {
        printf("{\"count\":%llu}\n", (unsigned long long)count);
    } else {
        fputs(PROG ": count: query ", stderr);
        cli_put_safe(stderr, qid, strlen(qid), NSEARCH_ESCAPE_NAME);
        fprintf(stderr, ": %llu\n", (unsigned long long)count);
    }
}

/* Runs the query on this rank's shard: 0 or a status.  A query's own
 * fault is said by rank 0 only (every rank parses it alike). */
static int search_shard(app *a, const char *text, const char *where, nsearch_results *res)
{
    nsearch_error err;
    nsearch_rc rc = nsearch_reader_search(a->r, text, strlen(text), &a->so, res, &err);
    if (rc == NSEARCH_E_QUERY || rc == NSEARCH_E_LIMIT) {
        if (g_rank == 0) {
            int at_column = !strncmp(err.message, "column ", 7);
            fprintf(stderr, PROG ": %s: %s%s", where, at_column ? "bad query: " : "", err.message);
            if (at_column)
                fputs(" (nsearch --help-syntax; --literal searches the words as they are)",
                      stderr);
            fputc('\n', stderr);
        }
        return CLI_EXIT_USAGE;
    }
    if (rc)
        return cli_mpi_fail(cli_exit_for(rc), "%s", err.message);
    if (res->damaged && !a->damaged_reported) {
        cli_mpi_fail(0, "warning: damaged postings in '%s'; results may be incomplete (run "
                     "'nsearch --check -i %s')", a->shard_dir, a->shard_dir);
        a->damaged_reported = 1;
    }
    return 0;
}

/* Rank 0: merges the ranks' lists (each by score descending, then doc
 * ascending) into the best k, with their owners; *m gets their number. */
static void merge_hits(app *a, int *m)
{
    lists *l = &a->l;
    int *pos = a->displs; /* reused as cursors: restored below */
    int *end = malloc((size_t)g_size * sizeof *end);
    int n = 0;
    if (!end) {
        *m = -1;
        return;
    }
    for (int i = 0; i < g_size; i++)
        end[i] = pos[i] + a->counts[i];
    while ((size_t)n < a->so.k) {
        int best = -1;
        for (int i = 0; i < g_size; i++) {
            if (pos[i] == end[i])
                continue;
            if (best < 0 || l->score[pos[i]] > l->score[pos[best]] ||
                (l->score[pos[i]] == l->score[pos[best]] && l->doc[pos[i]] < l->doc[pos[best]]))
                best = i;
        }
        if (best < 0)
            break;
        l->mdoc[n] = l->doc[pos[best]];
        l->mscore[n] = l->score[pos[best]];
        l->owner[n] = best;
        pos[best]++;
        n++;
    }
    for (int i = 0; i < g_size; i++)
        pos[i] = end[i] - a->counts[i];
    free(end);
    *m = n;
}

/* One query on every rank, from the broadcast text to rank 0's output.
 * Returns the status (the same on every rank); *n_hits (rank 0) the hits
 * printed, with -k 0 the count. */
static int answer(app *a, const char *qid, const char *text, const char *where, long *n_hits)
{
    nsearch_results res;
    lists *l = &a->l;
    *n_hits = 0;
    a->ro.qid = qid;
    int st = cli_mpi_vote(search_shard(a, text, where, &res));
    if (st)
        return st;
    if (g_rank == 0) {
        for (const char *s = res.notes; *s;) {
            const char *nl = strchr(s, '\n');
            size_t ll = nl ? (size_t)(nl - s) : strlen(s);
            fputs(PROG ": warning: ", stderr);
            cli_put_safe(stderr, s, ll, NSEARCH_ESCAPE_TEXT);
            fputc('\n', stderr);
            s += ll + (nl != NULL);
        }
        if (res.empty_query == NSEARCH_EMPTY_STOPWORDS || res.empty_query == NSEARCH_EMPTY_NOWORDS)
            say_vanished(a, res.empty_query, qid, text, where);
    }
    /* the count and the work, summed over the shards */
    uint64_t mine[5] = {res.total, res.count_work.postings_decoded, res.count_work.docs_scored,
                        res.rank_work.postings_decoded, res.rank_work.docs_scored},
             sum[5] = {0, 0, 0, 0, 0};
    if ((st = coll(MPI_Reduce(mine, sum, 5, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD),
                   "MPI_Reduce")))
        return st;
    /* every shard's hits to rank 0 */
    int n = (int)res.n, total = 0;
    st = coll(MPI_Gather(&n, 1, MPI_INT, a->counts, 1, MPI_INT, 0, MPI_COMM_WORLD),
              "MPI_Gather");
    if (!st && g_rank == 0) {
        for (int i = 0; i < g_size; i++) {
            a->displs[i] = total;
            total += a->counts[i];
        }
        if (grow((void **)&l->doc, &l->doc_cap, (size_t)total + 1, sizeof *l->doc) ||
            grow((void **)&l->score, &l->score_cap, (size_t)total + 1, sizeof *l->score))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    uint32_t *docs = malloc((res.n + 1) * sizeof *docs);
    double *scores = malloc((res.n + 1) * sizeof *scores);
    if (!docs || !scores)
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    for (size_t i = 0; !st && i < res.n; i++) {
        docs[i] = res.hits[i].doc;
        scores[i] = res.hits[i].score;
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(docs, n, MPI_UINT32_T, l->doc, a->counts, a->displs, MPI_UINT32_T,
                              0, MPI_COMM_WORLD), "MPI_Gatherv");
    if (!st)
        st = coll(MPI_Gatherv(scores, n, MPI_DOUBLE, l->score, a->counts, a->displs, MPI_DOUBLE,
                              0, MPI_COMM_WORLD), "MPI_Gatherv");
    free(docs);
    free(scores);
    /* rank 0 merges: the set's best k, broadcast with their owners */
    int m = 0;
    if (st)
        return st;
    if (g_rank == 0) {
        size_t want = a->so.k < (size_t)total ? a->so.k : (size_t)total;
        if (merged_room(l, want))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
        else
            merge_hits(a, &m);
        if (m < 0)
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if ((st = cli_mpi_vote(st)))
        return st;
    st = coll(MPI_Bcast(&m, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    if (!st && g_rank != 0 && merged_room(l, (size_t)m))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if ((st = cli_mpi_vote(st)))
        return st;
    if (m > 0) {
        st = coll(MPI_Bcast(l->mdoc, m, MPI_UINT32_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (!st)
            st = coll(MPI_Bcast(l->mscore, m, MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (!st)
            st = coll(MPI_Bcast(l->owner, m, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (st)
            return st;
    }
    /* each rank renders its own hits, in the set's order, with the set's ranks */
    a->out.len = 0;
    a->out.ok = 1;
    int mine_n = 0;
    if (grow((void **)&l->lens, &l->lens_cap, (size_t)m + 1, sizeof *l->lens))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    for (int i = 0; !st && i < m; i++) {
        if (l->owner[i] != g_rank)
            continue;
        nsearch_hit hit = {l->mdoc[i], l->mscore[i]};
        nsearch_str s;
        nsearch_error err;
        if (nsearch_reader_render(a->r, &hit, (size_t)i + 1, &a->ro, &s, &err)) {
            st = cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
            break;
        }
        if (s.len > INT_MAX || a->out.len + s.len > INT_MAX) {
            st = cli_mpi_fail(CLI_EXIT_IO, "rendered hits over %d bytes", INT_MAX);
            break;
        }
        bytes_put(&a->out, s.p, s.len);
        l->lens[mine_n++] = (int)s.len;
    }
    if (!st && !a->out.ok)
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if ((st = cli_mpi_vote(st)))
        return st;
    /* their lengths and bytes to rank 0: counts of hits rank 0 knows */
    int *hit_counts = NULL, *hit_displs = NULL, *byte_counts = NULL, *byte_displs = NULL;
    int *all_lens = NULL;
    if (g_rank == 0) {
        hit_counts = calloc((size_t)g_size, sizeof *hit_counts);
        hit_displs = calloc((size_t)g_size, sizeof *hit_displs);
        byte_counts = calloc((size_t)g_size, sizeof *byte_counts);
        byte_displs = calloc((size_t)g_size, sizeof *byte_displs);
        all_lens = malloc(((size_t)m + 1) * sizeof *all_lens);
        if (!hit_counts || !hit_displs || !byte_counts || !byte_displs || !all_lens) {
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
        } else {
            for (int i = 0; i < m; i++)
                hit_counts[l->owner[i]]++;
            for (int i = 1; i < g_size; i++)
                hit_displs[i] = hit_displs[i - 1] + hit_counts[i - 1];
        }
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(l->lens, mine_n, MPI_INT, all_lens, hit_counts, hit_displs, MPI_INT,
                              0, MPI_COMM_WORLD), "MPI_Gatherv");
    int out_len = (int)a->out.len;
    if (!st)
        st = coll(MPI_Gather(&out_len, 1, MPI_INT, byte_counts, 1, MPI_INT, 0, MPI_COMM_WORLD),
                  "MPI_Gather");
    if (!st && g_rank == 0) {
        uint64_t sz = 0;
        for (int i = 0; i < g_size; i++) {
            byte_displs[i] = (int)sz;
            sz += (uint64_t)byte_counts[i];
            if (sz > INT_MAX) {
                st = cli_mpi_fail(CLI_EXIT_IO, "rendered hits over %d bytes", INT_MAX);
                break;
            }
        }
        a->all.len = 0;
        a->all.ok = 1;
        if (!st && sz > a->all.cap) {
            char *q = realloc(a->all.p, sz);
            if (!q)
                st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
            else {
                a->all.p = q;
                a->all.cap = sz;
            }
        }
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(a->out.p, out_len, MPI_BYTE, a->all.p, byte_counts, byte_displs,
                              MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
    /* rank 0 prints: the count, the work, the hits in the set's order */
    if (!st && g_rank == 0) {
        if (a->so.count) {
            if (a->stats)
                fprintf(stderr, PROG ": stats: postings_decoded=%" PRIu64 " docs_scored=%" PRIu64
                                " hits=0\n", sum[1], sum[2]);
            put_count(a, qid, sum[0]);
        }
        if (a->so.k && a->stats)
            fprintf(stderr, PROG ": stats: postings_decoded=%" PRIu64 " docs_scored=%" PRIu64
                            " hits=%d\n", sum[3], sum[4], m);
        int *next_hit = hit_displs; /* cursors, per rank */
        for (int i = 0; i < m; i++) {
            int o = l->owner[i];
            int len = all_lens[next_hit[o]++];
            if (len && fwrite(a->all.p + byte_displs[o], 1, (size_t)len, stdout) != (size_t)len) {
                fprintf(stderr, PROG ": cannot write results: %s\n", strerror(errno));
                a->write_status = CLI_EXIT_IO;
                break;
            }
            byte_displs[o] += len;
        }
        if (a->so.k)
            *n_hits = m;
        else
            *n_hits = sum[0] > LONG_MAX ? LONG_MAX : (long)sum[0];
    }
    free(hit_counts);
    free(hit_displs);
    free(byte_counts);
    free(byte_displs);
    free(all_lens);
    return st; /* rank 0's write failure is a->write_status: its next header stops all */
}

/* Rank 0's next query from f, as do_queries of nsearch reads it: *msg gets
 * "qid\0text\0" (owned by the caller's buffer).  Returns 1 for a query, 0
 * at the end, -1 on a read error, -2 out of memory (or a line over 2 GB). */
static int next_query(FILE *f, char **line, size_t *cap, unsigned long *line_no, bytes *msg,
                      size_t *qid_len)
{
    ssize_t len;
    while ((len = getline(line, cap, f)) >= 0) {
        char *l = *line;
        (*line_no)++;
        while (len > 0 && (l[len - 1] == '\n' || l[len - 1] == '\r'))
            l[--len] = 0;
        char *text = l;
        char *tab = strchr(l, '\t');
        char line_qid[24];
        const char *qid = l;
        if (tab) {
            *tab = 0;
            text = tab + 1;
        } else {
            snprintf(line_qid, sizeof line_qid, "%lu", *line_no);
            qid = line_qid;
        }
        if (!*text && !tab)
            continue;
        if ((uint64_t)len + 2 > INT_MAX) /* one MPI_Bcast of int bytes */
            return -2;
        msg->len = 0;
        msg->ok = 1;
        *qid_len = strlen(qid);
        bytes_put(msg, qid, *qid_len + 1);
        bytes_put(msg, text, strlen(text) + 1);
        return msg->ok ? 1 : -2;
    }
    return ferror(f) ? -1 : 0;
}

/* The query loop: rank 0 reads and broadcasts, every rank answers.  Returns
 * the status, the same on every rank. */
static int run_queries(app *a)
{
    FILE *f = NULL;
    int st = 0;
    if (g_rank == 0) {
        f = strcmp(a->queries, "-") == 0 ? stdin : fopen(a->queries, "r");
        if (!f)
            st = cli_mpi_fail(CLI_EXIT_IO, "cannot open query file '%s': %s", a->queries,
                           strerror(errno));
    }
    if ((st = cli_mpi_vote(st)))
        return st;
    char *line = NULL, *where = NULL;
    size_t cap = 0;
    unsigned long line_no = 0;
    long total = 0;
    bytes msg = {NULL, 0, 0, 1};
    for (;;) {
        /* hdr: [0] 1: a query of hdr[2] bytes follows; 0: the end, with
         * rank 0's status in hdr[1] */
        uint64_t hdr[3] = {0, 0, 0};
        if (g_rank == 0) {
            size_t qid_len = 0;
            int got = a->write_status ? 0 : next_query(f, &line, &cap, &line_no, &msg, &qid_len);
            free(where);
            where = NULL;
            if (got == -1) {
                fprintf(stderr, PROG ": cannot read query file '%s'\n", a->queries);
                st = CLI_EXIT_IO;
            } else if (got == -2 ||
                       (got == 1 && (!(where = query_place(a->queries, line_no)) ||
                                     put_query_header(a, msg.p, msg.p + qid_len + 1)))) {
                st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
                got = 0;
            } else if (a->write_status) {
                st = a->write_status;
            }
            hdr[0] = got == 1;
            hdr[1] = (uint64_t)st;
            hdr[2] = msg.len;
        }
        int rc = coll(MPI_Bcast(hdr, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (rc || !hdr[0]) {
            st = rc ? rc : (int)hdr[1];
            break;
        }
        if (g_rank != 0) {
            msg.ok = !grow((void **)&msg.p, &msg.cap, (size_t)hdr[2], 1);
            msg.len = (size_t)hdr[2];
        }
        if (!(rc = cli_mpi_vote(msg.ok ? 0 : cli_mpi_fail(CLI_EXIT_IO, "out of memory"))))
            rc = coll(MPI_Bcast(msg.p, (int)hdr[2], MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (rc) {
            st = rc;
            break;
        }
        const char *qid = msg.p, *text = msg.p + strlen(msg.p) + 1;
        long n = 0;
        if ((rc = answer(a, qid, text, where ? where : "", &n))) {
            st = rc;
            break;
        }
        total += n;
    }
    free(where);
    free(line);
    free(msg.p);
    a->ro.qid = NULL;
    if (f && f != stdin)
        fclose(f);
    if (st == 0)
        st = total > 0 ? CLI_EXIT_OK : CLI_EXIT_NONE;
    return st;
}

int main(int argc, char **argv)
{
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, PROG ": MPI_Init failed\n");
        return CLI_EXIT_IO;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    cli_mpi_setup(PROG, g_rank);
    app a;
    memset(&a, 0, sizeof a);
    a.dir = getenv("NSEARCH_INDEX");
    if (!a.dir || !*a.dir)
        a.dir = "index";
    nsearch_search_opts_init(&a.so);
    nsearch_render_opts_init(&a.ro);
    int st = parse_args(argc, argv, &a);
    if (st >= 0) { /* --help, --version, usage: rank 0's status for everyone */
        MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    } else {
        /* colour as nsearch's auto: only where rank 0's output is a terminal */
        a.ro.color = g_rank == 0 && cli_color("auto", STDOUT_FILENO) == 1;
        MPI_Bcast(&a.ro.color, 1, MPI_INT, 0, MPI_COMM_WORLD);
        st = cli_mpi_vote(open_shard(&a));
        if (!st)
            st = run_queries(&a);
        if (g_rank == 0)
            st = cli_close_stdout(PROG, st);
        MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    nsearch_reader_free(a.r);
    nsearch_index_close(a.ix);
    free(a.shard_dir);
    free(a.counts);
    free(a.displs);
    free(a.out.p);
    free(a.all.p);
    free(a.l.doc);
    free(a.l.score);
    free(a.l.owner);
    free(a.l.mdoc);
    free(a.l.mscore);
    free(a.l.lens);
    MPI_Finalize();
    return st;
}
