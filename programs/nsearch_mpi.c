/* nsearch-mpi: answers a query file over a set of shards, one shard per
 * MPI rank (README "MPI"):
 *
 *   mpiexec -n N nsearch-mpi -i DIR --queries FILE [OPTION]...
 *
 * Rank r opens DIR/r (as nindex-mpi builds it).  Rank 0 reads FILE and
 * broadcasts the queries in batches (--batch); every rank finds its shard's
 * best k for each; the (doc, score) lists are gathered to rank 0 and merged
 * by score, then document number, into the set's best k (the order of
 * nsearch -i DIR/0 ... and of the single index of the same input); the
 * merged lists, with each hit's owner, are broadcast; each rank renders its
 * own hits (nsearch_reader_render on its shard's reader, with the hit's rank
 * in the set's list) and the strings are gathered to rank 0, which prints
 * them in order.  A batch takes about 15 collectives, whatever its size.
 * Standard output is byte for byte that of `nsearch -i SINGLE --queries
 * FILE`; a query that fails stops the run after the answers before it.
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
       OPT_NO_SNIPPETS, OPT_LITERAL, OPT_BATCH, OPT_TIMING };

/* Queries per broadcast: each batch costs about 15 collectives, whatever
 * its size; a batch's hits are held by every rank until it is printed. */
#define DEFAULT_BATCH 64
#define MAX_BATCH 65536
#define MAX_BATCH_HITS (1u << 20) /* --batch x -k, at most: fewer queries */

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
    {"batch", 0, "N", OPT_BATCH,
     "queries per broadcast (default 64, 1 when stdin is a\nterminal): the collectives cost per batch"},
    {"stats", 0, NULL, OPT_STATS,
     "after each query, the work it took on every rank, summed,\non stderr"},
    {"timing", 0, NULL, OPT_TIMING,
     "at the end, the queries' latency (p50, p99, mean: each\nquery's is its batch's) and rate, on stderr"},
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
    if (!b->ok || n == 0) /* nothing: b->p and s may be NULL */
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

/* Room for want elements of size bytes in *p (realloc'd upward, doubling):
 * 0, or -1 (out of memory; *p unchanged). */
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
#define GROW(arr, n) grow((void **)&(arr), &(arr##_cap), (size_t)(n) + 1, sizeof *(arr))

/* One query of a batch. */
typedef struct query {
    const char *qid, *text; /* borrowed from the batch's message */
    unsigned long line;     /* rank 0: its line in FILE */
    int n;                  /* this rank's hits */
    int empty;              /* rank 0: nsearch_results.empty_query */
    size_t notes, notes_len; /* rank 0: its notes, bytes of batch.notes */
    uint64_t work[5];       /* total, count work (decoded, scored), rank work (same) */
    size_t cand, cand_len;  /* its prefix candidates, bytes of batch.cand */
    size_t cut, cut_len;    /* its prefix cut-offs (every rank), bytes of batch.cuts */
} query;

/* A batch of queries and what answering it needs: arrays sized for the
 * largest batch seen so far (each X with its X_cap), owned.  Hits are kept
 * query after query; rank 0's "all" arrays hold every rank's, rank after
 * rank. */
typedef struct batch {
    query *q;
    size_t q_cap;
    int n;                        /* queries */
    size_t n_hits_sum;            /* this rank's hits, all queries */
    int parsed;                   /* the query the reader holds (highlights) */
    bytes msg;                    /* "qid\0text\0" per query, as broadcast */
    bytes notes;                  /* rank 0: the queries' notes */
    bytes err;                    /* rank 0: why the failing query failed */
    bytes cand;                   /* this rank's prefix candidates, query after query */
    bytes all_cand;               /* rank 0: every rank's */
    bytes cuts;                   /* the queries' prefix cut-offs (every rank) */
    int *clen, *all_clen, *cutlen; /* per query: candidates' bytes (this rank; every
                                      rank's, [r * n + i]); cut-offs' bytes */
    uint32_t *doc;                /* this rank's hits */
    double *score;
    int *cnt;                     /* hits per query, this rank's */
    uint64_t *work, *sum;         /* 5 per query: this rank's; summed (rank 0) */
    int *all_cnt;                 /* rank 0: hits per (rank, query): [r * n + i] */
    uint32_t *all_doc;            /* rank 0: every rank's hits */
    double *all_score;
    int *cur, *end;               /* rank 0: merge cursors, one per rank */
    int *m;                       /* the merged hits per query */
    uint32_t *mdoc;               /* the merged lists, query after query */
    double *mscore;
    int *owner;
    int *lens, *all_lens;         /* rendered lengths: this rank's; every rank's */
    int *hit_counts, *hit_displs, *byte_counts, *byte_displs; /* rank 0: per rank */
    bytes out;                    /* this rank's rendered hits */
    bytes all;                    /* rank 0: every rank's */
    size_t doc_cap, score_cap, cnt_cap, work_cap, sum_cap, all_cnt_cap, all_doc_cap,
        all_score_cap, cur_cap, end_cap, m_cap, mdoc_cap, mscore_cap, owner_cap, lens_cap,
        all_lens_cap, hit_counts_cap, hit_displs_cap, byte_counts_cap, byte_displs_cap, clen_cap,
        all_clen_cap, cutlen_cap;
} batch;

static void batch_free(batch *b)
{
    void *p[] = {b->q,       b->msg.p,    b->notes.p,  b->err.p,     b->doc,        b->score,
                 b->cnt,     b->work,     b->sum,      b->all_cnt,   b->all_doc,    b->all_score,
                 b->cur,     b->end,      b->m,        b->mdoc,      b->mscore,     b->owner,
                 b->lens,    b->all_lens, b->hit_counts, b->hit_displs, b->byte_counts,
                 b->byte_displs, b->out.p, b->all.p, b->cand.p, b->all_cand.p, b->cuts.p,
                 b->clen, b->all_clen, b->cutlen};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        free(p[i]);
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
    int stats, timing, damaged_reported;
    int batch;               /* queries per broadcast; 0: not given */
    int write_status;        /* rank 0: CLI_EXIT_IO once stdout failed */
    int *counts, *displs;    /* g_size each: a Gatherv's */
    double *lat;             /* rank 0, --timing: each query's latency (s), owned */
    size_t n_lat, lat_cap, n_batches;
} app;

/* Returns -1 to go on, else the exit status (the same on every rank). */
static int parse_args(int argc, char **argv, app *a)
{
    struct option long_opts[sizeof options / sizeof *options + 1];
    char short_opts[3 * (sizeof options / sizeof *options) + 3];
    cli_getopt_table(&prog, long_opts, "", short_opts);
    opterr = 0;
    int c;
    size_t want = 0;
    while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        switch (c) {
        case 'i': a->dir = optarg; break;
        case OPT_QUERIES: a->queries = optarg; break;
        case 'k':
            if (cli_parse_count(optarg, &a->so.k))
                return cli_mpi_usage("-k wants a number of results from 0 to 1000000, not '%s'", optarg);
            break;
        case OPT_BATCH:
            if (cli_parse_count(optarg, &want) || want < 1 || want > MAX_BATCH)
                return cli_mpi_usage("--batch wants a number of queries from 1 to %d, not '%s'",
                                     MAX_BATCH, optarg);
            a->batch = (int)want;
            break;
        case OPT_JSON: a->ro.format = NSEARCH_JSON; break;
        case OPT_FORMAT:
            if (cli_parse_format(optarg, &a->ro.format))
                return cli_mpi_usage("unknown --format '%s' (text, json or trec)", optarg);
            break;
        case OPT_NO_SNIPPETS: a->ro.snippets = 0; break;
        case OPT_LITERAL: a->so.flags |= NSEARCH_QUERY_LITERAL; break;
        case OPT_ALL: a->so.flags |= NSEARCH_QUERY_ALL; break;
        case OPT_ALGO:
            if (cli_parse_algo(optarg, &a->so.algo))
                return cli_mpi_usage("--algo wants maxscore, bmw or exhaustive, not '%s'", optarg);
            break;
        case OPT_STATS: a->stats = 1; break;
        case OPT_TIMING: a->timing = 1; break;
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

/* The queries per broadcast: --batch, else 1 for queries typed at a
 * terminal (each is answered as it comes), else DEFAULT_BATCH; fewer when
 * a batch's hits would pass MAX_BATCH_HITS per rank.  Rank 0's choice. */
static int batch_size(const app *a)
{
    size_t b = a->batch ? (size_t)a->batch
               : !strcmp(a->queries, "-") && isatty(STDIN_FILENO) ? 1
                                                                  : DEFAULT_BATCH;
    size_t k = a->so.k ? a->so.k : 1;
    if (b * k > MAX_BATCH_HITS)
        b = MAX_BATCH_HITS / k;
    return b ? (int)b : 1;
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

/* Runs query q on this rank's shard and keeps what the batch needs: 0 or a
 * status.  A query's own fault (every rank parses it alike) is kept in
 * b->err by rank 0, to be said in the output's order. */
static int search_shard(app *a, batch *b, query *q)
{
    nsearch_error err;
    nsearch_results res;
    nsearch_search_opts so = a->so;
    if (q->cut_len) { /* the set's cut-offs of its prefixes (nsearch.h) */
        so.prefix_cuts = b->cuts.p + q->cut;
        so.prefix_cuts_len = q->cut_len;
    }
    nsearch_rc rc = nsearch_reader_search(a->r, q->text, strlen(q->text), &so, &res, &err);
    if (rc == NSEARCH_E_QUERY || rc == NSEARCH_E_LIMIT) {
        if (g_rank == 0) {
            int at_column = !strncmp(err.message, "column ", 7);
            bytes_put(&b->err, at_column ? "bad query: " : "", at_column ? 11 : 0);
            bytes_put(&b->err, err.message, strlen(err.message));
            if (at_column) {
                static const char hint[] =
                    " (nsearch --help-syntax; --literal searches the words as they are)";
                bytes_put(&b->err, hint, sizeof hint - 1);
            }
            bytes_put(&b->err, "", 1);
        }
        return CLI_EXIT_USAGE;
    }
    if (rc)
        return cli_mpi_fail(cli_exit_for(rc), "%s", err.message);
    if (res.damaged && !a->damaged_reported) {
        cli_mpi_fail(0, "warning: damaged postings in '%s'; results may be incomplete (run "
                     "'nsearch --check -i %s')", a->shard_dir, a->shard_dir);
        a->damaged_reported = 1;
    }
    if (res.n > (size_t)INT_MAX - b->n_hits_sum || GROW(b->doc, b->n_hits_sum + res.n) ||
        GROW(b->score, b->n_hits_sum + res.n))
        return cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    for (size_t i = 0; i < res.n; i++) {
        b->doc[b->n_hits_sum + i] = res.hits[i].doc;
        b->score[b->n_hits_sum + i] = res.hits[i].score;
    }
    q->n = (int)res.n;
    b->n_hits_sum += res.n;
    uint64_t w[5] = {res.total, res.count_work.postings_decoded, res.count_work.docs_scored,
                     res.rank_work.postings_decoded, res.rank_work.docs_scored};
    memcpy(q->work, w, sizeof w);
    if (g_rank == 0) {
        q->empty = res.empty_query;
        q->notes = b->notes.len;
        q->notes_len = strlen(res.notes);
        bytes_put(&b->notes, res.notes, q->notes_len);
        if (!b->notes.ok)
            return cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    /* what this shard kept of each prefix, for the set's cut-offs */
    void *cand = NULL;
    size_t cand_len = 0;
    if (nsearch_reader_prefix_candidates(a->r, &cand, &cand_len, &err))
        return cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
    q->cand = b->cand.len;
    q->cand_len = cand_len;
    bytes_put(&b->cand, cand, cand_len);
    nsearch_free(cand);
    if (!b->cand.ok || cand_len > INT_MAX)
        return cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    return 0;
}

/* The set's prefix cut-offs of the first n queries (nsearch.h "Prefixes
 * over a shard set"): every rank's candidates to rank 0, merged there per
 * query, the cut-offs broadcast into each query's cut/cut_len.  *any: some
 * query has cut-offs (then every rank searches the batch again).  Returns
 * the status (the same on every rank). */
static int exchange_cuts(app *a, batch *b, int n, int *any)
{
    *any = 0;
    int mine = (int)b->cand.len, most = 0, st;
    if (b->cand.len > INT_MAX)
        mine = INT_MAX;
    if ((st = coll(MPI_Allreduce(&mine, &most, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD),
                   "MPI_Allreduce")) || most == 0)
        return st; /* no prefix in the batch: nothing to cut */
    if (GROW(b->clen, n) || GROW(b->cutlen, n) ||
        (g_rank == 0 && GROW(b->all_clen, (size_t)g_size * n)))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    for (int i = 0; !st && i < n; i++)
        b->clen[i] = (int)b->q[i].cand_len;
    if ((st = cli_mpi_vote(st)) ||
        (st = coll(MPI_Gather(b->clen, n, MPI_INT, b->all_clen, n, MPI_INT, 0, MPI_COMM_WORLD),
                   "MPI_Gather")))
        return st;
    if (g_rank == 0) {
        uint64_t total = 0;
        for (int r = 0; r < g_size; r++) {
            a->counts[r] = 0;
            for (int i = 0; i < n; i++)
                a->counts[r] += b->all_clen[r * n + i];
            a->displs[r] = (int)total;
            total += (uint64_t)a->counts[r];
        }
        if (total > INT_MAX)
            st = cli_mpi_fail(CLI_EXIT_IO, "a batch's prefix terms over %d bytes: use a smaller "
                              "--batch", INT_MAX);
        else if (grow((void **)&b->all_cand.p, &b->all_cand.cap, (size_t)total + 1, 1))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(b->cand.p, mine, MPI_BYTE, b->all_cand.p, a->counts, a->displs,
                              MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
    if (st)
        return st;
    b->cuts.len = 0;
    b->cuts.ok = 1;
    if (g_rank == 0) {
        const void **cands = calloc((size_t)g_size, sizeof *cands);
        size_t *lens = calloc((size_t)g_size, sizeof *lens), *at = calloc((size_t)g_size, sizeof *at);
        if (!cands || !lens || !at)
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
        for (int r = 0; !st && r < g_size; r++)
            at[r] = (size_t)a->displs[r];
        for (int i = 0; !st && i < n; i++) {
            int some = 0;
            for (int r = 0; r < g_size; r++) {
                lens[r] = (size_t)b->all_clen[r * n + i];
                cands[r] = b->all_cand.p + at[r];
                at[r] += lens[r];
                some |= lens[r] > 0;
            }
            void *cut = NULL;
            size_t cut_len = 0;
            nsearch_error err;
            if (some && nsearch_prefix_cuts_merge(cands, lens, (size_t)g_size, &cut, &cut_len, &err))
                st = cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
            else if (cut_len > INT_MAX - b->cuts.len)
                st = cli_mpi_fail(CLI_EXIT_IO, "a batch's prefix cut-offs over %d bytes", INT_MAX);
            b->cutlen[i] = st ? 0 : (int)cut_len;
            bytes_put(&b->cuts, cut, cut_len);
            nsearch_free(cut);
        }
        if (!st && !b->cuts.ok)
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
        free(cands);
        free(lens);
        free(at);
    }
    if ((st = cli_mpi_vote(st)) ||
        (st = coll(MPI_Bcast(b->cutlen, n, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast")))
        return st;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        b->q[i].cut = total;
        b->q[i].cut_len = (size_t)b->cutlen[i];
        total += (size_t)b->cutlen[i];
    }
    if (g_rank != 0 && grow((void **)&b->cuts.p, &b->cuts.cap, total + 1, 1))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if (!(st = cli_mpi_vote(st)) && total)
        st = coll(MPI_Bcast(b->cuts.p, (int)total, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
    *any = !st && total > 0;
    return st;
}

/* Rank 0: merges the ranks' lists of each of the first n queries (each by
 * score descending, then doc ascending) into the set's best k, with their
 * owners, query after query: b->m[i] hits each.  0, or -1 (no memory). */
static int merge_hits(const app *a, batch *b, int n)
{
    size_t room = 0;
    for (int i = 0; i < n; i++) {
        size_t got = 0;
        for (int r = 0; r < g_size; r++)
            got += (size_t)b->all_cnt[r * n + i];
        room += got < a->so.k ? got : a->so.k;
    }
    if (GROW(b->mdoc, room) || GROW(b->mscore, room) || GROW(b->owner, room) ||
        GROW(b->cur, g_size) || GROW(b->end, g_size))
        return -1;
    for (int r = 0; r < g_size; r++)
        b->end[r] = a->displs[r];
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < g_size; r++) {
            b->cur[r] = b->end[r];
            b->end[r] = b->cur[r] + b->all_cnt[r * n + i];
        }
        int m = 0;
        while ((size_t)m < a->so.k) {
            int best = -1;
            for (int r = 0; r < g_size; r++) {
                if (b->cur[r] == b->end[r])
                    continue;
                double s = b->all_score[b->cur[r]];
                if (best < 0 || s > b->all_score[b->cur[best]] ||
                    (s == b->all_score[b->cur[best]] &&
                     b->all_doc[b->cur[r]] < b->all_doc[b->cur[best]]))
                    best = r;
            }
            if (best < 0)
                break;
            b->mdoc[at] = b->all_doc[b->cur[best]];
            b->mscore[at] = b->all_score[b->cur[best]];
            b->owner[at] = best;
            b->cur[best]++;
            at++;
            m++;
        }
        b->m[i] = m;
    }
    return 0;
}

/* Every rank's hits of the first n queries to rank 0, merged there, the
 * merged lists broadcast: returns the status (the same on every rank); *mm
 * gets the merged hits in all. */
static int gather_and_merge(app *a, batch *b, int n, int *mm)
{
    int st = 0;
    *mm = 0;
    if (GROW(b->work, 5 * (size_t)n) || GROW(b->cnt, n) || GROW(b->m, n) ||
        (g_rank == 0 && (GROW(b->sum, 5 * (size_t)n) || GROW(b->all_cnt, (size_t)g_size * n))))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    int mine = 0;
    for (int i = 0; !st && i < n; i++) {
        memcpy(b->work + 5 * i, b->q[i].work, sizeof b->q[i].work);
        b->cnt[i] = b->q[i].n;
        mine += b->q[i].n;
    }
    if ((st = cli_mpi_vote(st)))
        return st;
    /* the counts and the work, summed over the shards */
    if ((st = coll(MPI_Reduce(b->work, b->sum, 5 * n, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD),
                   "MPI_Reduce")) ||
        (st = coll(MPI_Gather(b->cnt, n, MPI_INT, b->all_cnt, n, MPI_INT, 0, MPI_COMM_WORLD),
                   "MPI_Gather")))
        return st;
    if (g_rank == 0) {
        size_t total = 0;
        for (int r = 0; r < g_size; r++) {
            a->counts[r] = 0;
            for (int i = 0; i < n; i++)
                a->counts[r] += b->all_cnt[r * n + i];
            a->displs[r] = (int)total;
            total += (size_t)a->counts[r];
        }
        if (total > INT_MAX)
            st = cli_mpi_fail(CLI_EXIT_IO, "a batch's hits over %d: use a smaller --batch", INT_MAX);
        else if (GROW(b->all_doc, total) || GROW(b->all_score, total))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(b->doc, mine, MPI_UINT32_T, b->all_doc, a->counts, a->displs,
                              MPI_UINT32_T, 0, MPI_COMM_WORLD), "MPI_Gatherv");
    if (!st)
        st = coll(MPI_Gatherv(b->score, mine, MPI_DOUBLE, b->all_score, a->counts, a->displs,
                              MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
    if (st)
        return st;
    /* rank 0 merges: the set's best k per query, broadcast with their owners */
    if (g_rank == 0 && merge_hits(a, b, n))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if ((st = cli_mpi_vote(st)) ||
        (st = coll(MPI_Bcast(b->m, n, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast")))
        return st;
    int m = 0;
    for (int i = 0; i < n; i++)
        m += b->m[i];
    if (g_rank != 0 && (GROW(b->mdoc, m) || GROW(b->mscore, m) || GROW(b->owner, m)))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if ((st = cli_mpi_vote(st)))
        return st;
    if (m > 0 &&
        ((st = coll(MPI_Bcast(b->mdoc, m, MPI_UINT32_T, 0, MPI_COMM_WORLD), "MPI_Bcast")) ||
         (st = coll(MPI_Bcast(b->mscore, m, MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Bcast")) ||
         (st = coll(MPI_Bcast(b->owner, m, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast"))))
        return st;
    *mm = m;
    return 0;
}

/* Each rank renders its own hits of the merged lists (m in all), in the
 * set's order with the set's ranks; the lengths and bytes go to rank 0.
 * Returns the status (the same on every rank). */
static int render_and_gather(app *a, batch *b, int n, int m)
{
    int st = 0, mine = 0;
    b->out.len = 0;
    b->out.ok = 1;
    if (GROW(b->lens, m))
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    nsearch_search_opts parse_only = a->so;
    parse_only.k = 0;
    parse_only.count = 0;
    for (int i = 0, at = 0; !st && i < n; i++) {
        a->ro.qid = b->q[i].qid;
        for (int j = 0; !st && j < b->m[i]; j++, at++) {
            if (b->owner[at] != g_rank)
                continue;
            if (b->parsed != i) { /* the reader's query, for the highlights */
                nsearch_results res;
                nsearch_error err;
                parse_only.prefix_cuts = b->q[i].cut_len ? b->cuts.p + b->q[i].cut : NULL;
                parse_only.prefix_cuts_len = b->q[i].cut_len;
                if (nsearch_reader_search(a->r, b->q[i].text, strlen(b->q[i].text), &parse_only,
                                          &res, &err)) {
                    st = cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
                    break;
                }
                b->parsed = i;
            }
            nsearch_hit hit = {b->mdoc[at], b->mscore[at]};
            nsearch_str s;
            nsearch_error err;
            if (nsearch_reader_render(a->r, &hit, (size_t)j + 1, &a->ro, &s, &err))
                st = cli_mpi_fail(cli_exit_for(err.rc), "%s", err.message);
            else if (s.len > INT_MAX || b->out.len + s.len > INT_MAX)
                st = cli_mpi_fail(CLI_EXIT_IO, "rendered hits over %d bytes: use a smaller --batch",
                                  INT_MAX);
            else {
                bytes_put(&b->out, s.p, s.len);
                b->lens[mine++] = (int)s.len;
            }
        }
    }
    a->ro.qid = NULL;
    if (!st && !b->out.ok)
        st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    if (g_rank == 0) {
        if (GROW(b->hit_counts, g_size) || GROW(b->hit_displs, g_size) ||
            GROW(b->byte_counts, g_size) || GROW(b->byte_displs, g_size) || GROW(b->all_lens, m)) {
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
        } else {
            memset(b->hit_counts, 0, (size_t)g_size * sizeof *b->hit_counts);
            for (int i = 0; i < m; i++)
                b->hit_counts[b->owner[i]]++;
            b->hit_displs[0] = 0;
            for (int r = 1; r < g_size; r++)
                b->hit_displs[r] = b->hit_displs[r - 1] + b->hit_counts[r - 1];
        }
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(b->lens, mine, MPI_INT, b->all_lens, b->hit_counts, b->hit_displs,
                              MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gatherv");
    int out_len = (int)b->out.len;
    if (!st)
        st = coll(MPI_Gather(&out_len, 1, MPI_INT, b->byte_counts, 1, MPI_INT, 0, MPI_COMM_WORLD),
                  "MPI_Gather");
    if (!st && g_rank == 0) {
        uint64_t sz = 0;
        for (int r = 0; r < g_size && !st; r++) {
            b->byte_displs[r] = (int)sz;
            sz += (uint64_t)b->byte_counts[r];
            if (sz > INT_MAX)
                st = cli_mpi_fail(CLI_EXIT_IO, "rendered hits over %d bytes: use a smaller --batch",
                                  INT_MAX);
        }
        b->all.len = 0;
        if (!st && grow((void **)&b->all.p, &b->all.cap, (size_t)sz + 1, 1))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if (!(st = cli_mpi_vote(st)))
        st = coll(MPI_Gatherv(b->out.p, out_len, MPI_BYTE, b->all.p, b->byte_counts,
                              b->byte_displs, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gatherv");
    return st;
}

/* Rank 0 prints the first n queries of the batch: each one's header,
 * notes, count, work and hits, in the file's order; *n_hits gets the hits
 * printed (with -k 0, the count). */
static void print_batch(app *a, batch *b, int n, long *n_hits)
{
    int *next_hit = b->hit_displs; /* cursors, per rank */
    for (int i = 0, at = 0; i < n && !a->write_status; i++) {
        const query *q = &b->q[i];
        const uint64_t *sum = b->sum + 5 * i;
        char *where = cli_query_place(a->queries, q->line);
        if (!where || cli_put_query_header(a->ro.format, q->qid, q->text)) {
            free(where);
            a->write_status = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
            break;
        }
        for (size_t off = 0; off < q->notes_len;) {
            const char *s = b->notes.p + q->notes + off;
            const char *nl = memchr(s, '\n', q->notes_len - off);
            size_t ll = nl ? (size_t)(nl - s) : q->notes_len - off;
            fputs(PROG ": warning: ", stderr);
            cli_put_safe(stderr, s, ll, NSEARCH_ESCAPE_TEXT);
            fputc('\n', stderr);
            off += ll + (nl != NULL);
        }
        if (q->empty == NSEARCH_EMPTY_STOPWORDS || q->empty == NSEARCH_EMPTY_NOWORDS)
            cli_say_vanished(PROG, q->empty, where, q->qid, q->text, strlen(q->text), a->dir,
                             a->st.stop_words);
        free(where);
        if (a->so.count) {
            if (a->stats)
                fprintf(stderr, PROG ": stats: postings_decoded=%" PRIu64 " docs_scored=%" PRIu64
                                " hits=0\n", sum[1], sum[2]);
            cli_put_count(PROG, a->ro.format, q->qid, sum[0]);
        }
        if (a->so.k && a->stats)
            fprintf(stderr, PROG ": stats: postings_decoded=%" PRIu64 " docs_scored=%" PRIu64
                            " hits=%d\n", sum[3], sum[4], b->m[i]);
        for (int j = 0; j < b->m[i]; j++, at++) {
            int o = b->owner[at];
            int len = b->all_lens[next_hit[o]++];
            if (len && fwrite(b->all.p + b->byte_displs[o], 1, (size_t)len, stdout) != (size_t)len) {
                fprintf(stderr, PROG ": cannot write results: %s\n", strerror(errno));
                a->write_status = CLI_EXIT_IO;
                break;
            }
            b->byte_displs[o] += len;
        }
        if (a->so.k)
            *n_hits += b->m[i];
        else
            *n_hits += sum[0] > (uint64_t)(LONG_MAX - *n_hits) ? LONG_MAX - *n_hits : (long)sum[0];
    }
}

/* A batch on every rank, from the broadcast queries to rank 0's output.
 * Every rank searches until a query fails on it; the batch's answers are
 * those before the first query that failed on any rank, printed; then that
 * query's failure, said.  Returns the status (the same on every rank);
 * *n_hits (rank 0) the hits printed, with -k 0 the counts. */
static int answer_batch(app *a, batch *b, long *n_hits)
{
    int n = b->n, fail = n, my_st = 0, first = n, st, m = 0;
    b->n_hits_sum = 0;
    b->notes.len = 0;
    b->notes.ok = 1;
    b->err.len = 0;
    b->err.ok = 1;
    b->cand.len = 0;
    b->cand.ok = 1;
    for (int i = 0; i < n && !my_st; i++) {
        b->q[i].n = 0;
        b->q[i].cut_len = 0;
        if ((my_st = search_shard(a, b, &b->q[i])))
            fail = i;
        b->parsed = i;
    }
    if ((st = coll(MPI_Allreduce(&fail, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD),
                   "MPI_Allreduce")))
        return st;
    if (first > 0) {
        /* a prefix past the limit somewhere: the batch again, under the
         * set's cut-offs, so that every shard keeps the single index's terms */
        int any = 0;
        if ((st = exchange_cuts(a, b, first, &any)))
            return st;
        if (any) {
            b->n_hits_sum = 0;
            b->notes.len = 0;
            b->cand.len = 0;
            int again = 0;
            for (int i = 0; i < first && !again; i++)
                again = search_shard(a, b, &b->q[i]);
            b->parsed = first - 1;
            if ((st = cli_mpi_vote(again)))
                return st;
        }
        if ((st = gather_and_merge(a, b, first, &m)) || (st = render_and_gather(a, b, first, m)))
            return st;
        if (g_rank == 0)
            print_batch(a, b, first, n_hits);
    }
    if (first == n)
        return 0;
    /* the query that failed: said after the answers before it, as nsearch */
    if (g_rank == 0 && !a->write_status) {
        const query *q = &b->q[first];
        char *where = cli_query_place(a->queries, q->line);
        if (where && !cli_put_query_header(a->ro.format, q->qid, q->text) && fail == first && b->err.len &&
            b->err.ok)
            fprintf(stderr, PROG ": %s: %s\n", where, b->err.p);
        free(where);
    }
    st = cli_mpi_vote(fail == first ? my_st : 0);
    return st ? st : CLI_EXIT_IO;
}

/* Rank 0's next query from f, as do_queries of nsearch reads it, appended
 * to msg as "qid\0text\0".  Returns 1 for a query, 0 at the end, -1 on a
 * read error, -2 out of memory (or a batch over 2 GB). */
static int next_query(FILE *f, char **line, size_t *cap, unsigned long *line_no, bytes *msg)
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
        if ((uint64_t)msg->len + (uint64_t)len + 26 > INT_MAX) /* one MPI_Bcast of int bytes */
            return -2;
        bytes_put(msg, qid, strlen(qid) + 1);
        bytes_put(msg, text, strlen(text) + 1);
        return msg->ok ? 1 : -2;
    }
    return ferror(f) ? -1 : 0;
}

/* Splits the broadcast message into the batch's n queries (every rank). */
static int split_batch(batch *b, int n, const unsigned long *lines)
{
    if (GROW(b->q, n))
        return cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    const char *p = b->msg.p;
    for (int i = 0; i < n; i++) {
        memset(&b->q[i], 0, sizeof b->q[i]);
        b->q[i].qid = p;
        p += strlen(p) + 1;
        b->q[i].text = p;
        p += strlen(p) + 1;
        b->q[i].line = lines ? lines[i] : 0;
    }
    b->n = n;
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* --timing: the queries' latencies (sorted here), on stderr (rank 0). */
static void put_timing(app *a, double wall)
{
    if (!a->n_lat)
        return;
    double sum = 0;
    for (size_t i = 0; i < a->n_lat; i++)
        sum += a->lat[i];
    qsort(a->lat, a->n_lat, sizeof *a->lat, cmp_double);
    size_t i50 = (a->n_lat * 50 + 99) / 100, i99 = (a->n_lat * 99 + 99) / 100;
    fprintf(stderr,
            PROG ": timing: %zu queries in %zu batches on %d ranks, %.3f s; latency (a query's "
                 "batch, from reading to printed) p50 %.1f us, p99 %.1f us, mean %.1f us; "
                 "%.1f queries/s\n",
            a->n_lat, a->n_batches, g_size, wall, a->lat[i50 ? i50 - 1 : 0] * 1e6,
            a->lat[i99 ? i99 - 1 : 0] * 1e6, sum / (double)a->n_lat * 1e6,
            wall > 0 ? (double)a->n_lat / wall : 0.0);
}

/* The query loop: rank 0 reads a batch and broadcasts it, every rank
 * answers it.  Returns the status, the same on every rank. */
static int run_queries(app *a)
{
    FILE *f = NULL;
    int st = 0, per = batch_size(a);
    unsigned long *lines = NULL;
    if (g_rank == 0) {
        f = strcmp(a->queries, "-") == 0 ? stdin : fopen(a->queries, "r");
        if (!f)
            st = cli_mpi_fail(CLI_EXIT_IO, "cannot open query file '%s': %s", a->queries,
                           strerror(errno));
        else if (!(lines = malloc((size_t)per * sizeof *lines)))
            st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
    }
    if ((st = cli_mpi_vote(st)))
        return st;
    char *line = NULL;
    size_t cap = 0;
    unsigned long line_no = 0;
    long total = 0;
    batch b;
    memset(&b, 0, sizeof b);
    b.msg.ok = 1;
    double t_start = MPI_Wtime();
    for (;;) {
        /* hdr: [0] the batch's queries, [1] rank 0's status (after the
         * last batch), [2] the message's bytes */
        uint64_t hdr[3] = {0, 0, 0};
        double t0 = MPI_Wtime();
        if (g_rank == 0) {
            int got = 1, n = 0;
            b.msg.len = 0;
            b.msg.ok = 1;
            while (n < per && !a->write_status &&
                   (got = next_query(f, &line, &cap, &line_no, &b.msg)) == 1)
                lines[n++] = line_no;
            if (got == -1) {
                fprintf(stderr, PROG ": cannot read query file '%s'\n", a->queries);
                st = CLI_EXIT_IO;
            } else if (got == -2) {
                st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
            } else if (a->write_status) {
                st = a->write_status;
            }
            hdr[0] = st ? 0 : (uint64_t)n;
            hdr[1] = (uint64_t)st;
            hdr[2] = b.msg.len;
        }
        int rc = coll(MPI_Bcast(hdr, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (rc || !hdr[0]) {
            st = rc ? rc : (int)hdr[1];
            break;
        }
        if (g_rank != 0) {
            b.msg.ok = !grow((void **)&b.msg.p, &b.msg.cap, (size_t)hdr[2], 1);
            b.msg.len = (size_t)hdr[2];
        }
        if (!(rc = cli_mpi_vote(b.msg.ok ? 0 : cli_mpi_fail(CLI_EXIT_IO, "out of memory"))))
            rc = coll(MPI_Bcast(b.msg.p, (int)hdr[2], MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
        if (!rc)
            rc = cli_mpi_vote(split_batch(&b, (int)hdr[0], g_rank == 0 ? lines : NULL));
        long n = 0;
        if (!rc)
            rc = answer_batch(a, &b, &n);
        if (rc) {
            st = rc;
            break;
        }
        total += n;
        if (g_rank == 0 && a->timing) {
            fflush(stdout);
            double dt = MPI_Wtime() - t0;
            if (grow((void **)&a->lat, &a->lat_cap, a->n_lat + (size_t)b.n, sizeof *a->lat)) {
                st = cli_mpi_fail(CLI_EXIT_IO, "out of memory");
                a->write_status = st; /* stops every rank at the next batch */
            }
            for (int i = 0; !st && i < b.n; i++)
                a->lat[a->n_lat++] = dt;
            a->n_batches++;
        }
    }
    if (g_rank == 0 && a->timing && !st)
        put_timing(a, MPI_Wtime() - t_start);
    batch_free(&b);
    free(lines);
    free(line);
    if (f && f != stdin)
        fclose(f);
    if (st == 0)
        st = total > 0 ? CLI_EXIT_OK : CLI_EXIT_NONE;
    return st;
}

int main(int argc, char **argv)
{
    if (cli_mpi_init(&argc, &argv, PROG, &g_rank, &g_size))
        return CLI_EXIT_IO;
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
    free(a.lat);
    MPI_Finalize();
    return st;
}
