/* nsearch: the search program, on the public API (nsearch.h) and the
 * programs' shared command-line code (cli.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "nsearch.h"

#define PROG "nsearch"

enum { OPT_JSON = 256, OPT_FORMAT, OPT_QUERIES, OPT_COLOR, OPT_CHECK, OPT_VERSION, OPT_ALL,
       OPT_ALGO, OPT_STATS, OPT_NO_SNIPPETS, OPT_GET, OPT_LITERAL, OPT_COUNT, OPT_SHOW_QUERY,
       OPT_OFFSET, OPT_HELP_SYNTAX, OPT_INFO, OPT_EXPLAIN, OPT_EXPAND, OPT_FB_DOCS, OPT_FB_TERMS,
       OPT_FB_WEIGHT, OPT_LIKE };

/* The options, in --help order: getopt_long's table and the help page
 * both come from it. */
static const cli_opt options[] = {
    {"index", 'i', "DIR", 'i',
     "index directory (default: $NSEARCH_INDEX, else 'index');\n"
     "repeated: the shards of one set, searched together\n"
     "(nindex --shard, --merge-stats)"},
    {"top", 'k', "N", 'k',
     "number of results (default 10; 0: none, with --count)"},
    {"offset", 0, "N", OPT_OFFSET,
     "skip the N best results first (pages: --offset 10 -k 10)"},
    {"count", 0, NULL, OPT_COUNT,
     "also print the exact number of matching documents\n(text: 'N matches' first; json: {\"count\":N} first;\ntrec: on stderr)"},
    {"literal", 0, NULL, OPT_LITERAL,
     "QUERY is plain words: no syntax, no operators"},
    {"explain", 0, NULL, OPT_EXPLAIN,
     "with each hit, its score clause by clause: idf, tf\n(a phrase's frequency), document and average\nlength, weight (json: an \"explain\" member)"},
    {"show-query", 0, NULL, OPT_SHOW_QUERY,
     "print how the query was parsed and analysed (each\nclause, its terms, stop words, terms not in the\nindex, df and idf) instead of searching (--json:\none JSON object)"},
    {"json", 0, NULL, OPT_JSON,
     "same as --format json"},
    {"format", 0, "FMT", OPT_FORMAT,
     "text (default), json (one object per hit per line:\nrank, id, title, score, date, url, fields (the\ndocument's other JSON members), snippet,\nhighlights as [start, end) byte offsets into\nsnippet), or trec\n('qid Q0 id rank score nsearch', for trec_eval;\nwhite space, controls and '%' in qid and id are\npercent-encoded: 'a b' is 'a%20b')"},
    {"no-snippets", 0, NULL, OPT_NO_SNIPPETS,
     "no passages: json hits without snippet and highlights,\ntext hits without the snippet line (titles unmarked);\nnothing is decompressed for a hit (unless one of\nits other fields is long)"},
    {"queries", 0, "FILE", OPT_QUERIES,
     "answer one query per line of FILE ('-' for stdin):\n'qid<TAB>text', or just text (qid = line number)"},
    {"color", 0, "WHEN", OPT_COLOR,
     "highlight matches: auto (default: on a terminal,\nunless NO_COLOR is set or TERM=dumb), always, never"},
    {"colour", 0, "WHEN", OPT_COLOR, NULL},
    {"all", 0, NULL, OPT_ALL,
     "AND is the default operator: words side by side must\nall occur (explicit OR still means either)"},
    {"algo", 0, "ALGO", OPT_ALGO,
     "top-k algorithm: maxscore (default, the fastest),\nbmw (Block-Max WAND) or exhaustive (scores every\nposting: the reference the others must match)"},
    {"expand", 0, NULL, OPT_EXPAND,
     "pseudo-relevance feedback (RM3): the first pass's best\ndocuments' frequent terms are added to the query,\nwhich runs again (README \"Feedback\"); plain BM25\nwithout it"},
    {"fb-docs", 0, "N", OPT_FB_DOCS,
     "with --expand: feedback documents (default 10, 1..1000)"},
    {"fb-terms", 0, "N", OPT_FB_TERMS,
     "with --expand: terms kept per document and in the\nmodel (default 10, 1..1000)"},
    {"fb-weight", 0, "W", OPT_FB_WEIGHT,
     "with --expand: the original query's share, 0 < W <= 1\n(default 0.5; the feedback terms have 1 - W)"},
    {"like", 0, "ID", OPT_LIKE,
     "documents like the stored one whose id is ID (its 25\nbest terms by tf x idf, each in it twice or more and\nin 5 documents or more, as a weighted query); the\ndocument itself is left out; exit 1 when ID is not\nin the index or has no such term"},
    {"stats", 0, NULL, OPT_STATS,
     "after each query, print the work it took to stderr:\n'nsearch: stats: postings_decoded=N docs_scored=N hits=N'"},
    {"get", 0, "ID", OPT_GET,
     "print the stored document whose id is ID (JSON, or\n--format text), every field as it was indexed; may\nbe given more than once (exit 1 when one is not\nfound)"},
    {"check", 0, NULL, OPT_CHECK,
     "verify every checksum and invariant of the index\n(3: damaged, rebuild it; 4: cannot be read)"},
    {"info", 0, NULL, OPT_INFO,
     "describe the index: format, counts, analyzer, text,\nkeyword and stored fields, file sizes (--json: one\nJSON object)"},
    {"help", 'h', NULL, 'h',
     "show this help and exit"},
    {"help-syntax", 0, NULL, OPT_HELP_SYNTAX,
     "show the query syntax with examples and exit"},
    {"version", 0, NULL, OPT_VERSION,
     "show version information and exit"},
};

static const char synopsis[] =
    "Usage: nsearch [OPTION]... QUERY...\n"
    "       nsearch [OPTION]... --queries FILE\n"
    "       nsearch --check [-i INDEX_DIR]\n"
    "       nsearch --info [-i INDEX_DIR] [--json]\n"
    "       nsearch --get ID... [-i INDEX_DIR] [--format text]\n"
    "       nsearch [OPTION]... --like ID\n"
    "       nsearch serve [OPTION]...   (HTTP API and search page: nsearch serve --help;\n"
    "                                    to search for the word serve: nsearch -- serve)\n";

static const char intro[] =
    "Search an nsearch index and print the best matches, ranked by BM25.\n"
    "\n"
    "The words of QUERY are analysed like the documents (case folding and\n"
    "stemming) and ranked OR: a document needs any one of them (--all: every\n"
    "one of them).  QUERY has a syntax: \"a phrase\", \"near words\"~5, +must,\n"
    "-exclude, AND, OR, NOT, ( ), title:word, body:word, keyword fields\n"
    "(topics:crude), prefix* and \\ escapes\n"
    "(nsearch --help-syntax).  A query may have up to 1024 distinct words.\n"
    "Options come before the query: everything from its first word on is the\n"
    "query (nsearch oil -opec); a query that starts with '-' goes after '--'.\n";

static const char outro[] =
    "\n"
    "In the text format, control and bidi characters of stored text are shown\n"
    "as \\xHH or \\uHHHH (in ids and dates '\\' as '\\\\' too), never sent raw.\n";

static const char *const exits[] = {
    "0  at least one document matched (--check: the index is sound;\n"
    "     --get: every ID was found)\n",
    "1  nothing matched, or the query has no searchable words (only stop\n"
    "     words, punctuation, symbols or emoji: a message says which); --get:\n"
    "     an ID is not in the index\n",
    "2  usage error, a malformed query (the message names the column), a\n"
    "     query with more than 1024 distinct words\n",
    "3  index missing, corrupt, or of an unsupported version\n",
    "4  I/O or memory failure (an unreadable index, output that cannot be\n"
    "     written)\n"};

static const cli_prog prog = {PROG, synopsis, intro, options, sizeof options / sizeof *options,
                              23, outro, exits, sizeof exits / sizeof *exits};

/* What a run needs: the index, its reader, the options. */
typedef struct app {
    const char *dir;          /* borrowed: the index directory */
    nsearch_index *ix;        /* owned */
    nsearch_reader *r;        /* owned */
    nsearch_index_stats st;
    nsearch_search_opts so;   /* k, offset, algorithm, flags, count, feedback */
    nsearch_render_opts ro;   /* format, colour, snippets, explain, qid */
    int show_query;           /* --show-query */
    int stats;                /* --stats: each query's work on stderr */
    int damaged_reported;
    int fb_set;               /* --fb-docs, --fb-terms or --fb-weight given */
    const char *like;         /* --like ID */
} app;

/* The command line, parsed. */
typedef struct cmdline {
    const char *index_dir, *queries, *color;
    int check;
    const char **dirs; /* owned array, borrowed strings: every -i, n_dirs */
    int n_dirs;
    const char **words; /* owned array, borrowed strings: the query words in order */
    int n_words;
    const char **get; /* owned array, borrowed strings: the --get ids in order */
    int n_get;
    int fmt_set;      /* --format or --json was given */
    int info;         /* --info */
} cmdline;

/* "nsearch: MESSAGE" for a library error; its exit status. */
static int fail(const nsearch_error *err)
{
    fprintf(stderr, PROG ": %s\n", err->message);
    return cli_exit_for(err->rc);
}

/* Writes s[0..len) to stdout: 0, or -1 with the message said. */
static int put_out(const char *s, size_t len)
{
    if (len && fwrite(s, 1, len, stdout) != len) {
        fprintf(stderr, PROG ": cannot write results: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static void report_work(app *a, const nsearch_work *w, size_t hits, int damaged)
{
    if (damaged && !a->damaged_reported) {
        fprintf(stderr,
                PROG ": warning: damaged postings in '%s'; results may be incomplete "
                "(run 'nsearch --check -i %s')\n",
                a->dir, a->dir);
        a->damaged_reported = 1;
    }
    if (a->stats)
        fprintf(stderr, PROG ": stats: postings_decoded=%llu docs_scored=%llu hits=%zu\n",
                (unsigned long long)w->postings_decoded, (unsigned long long)w->docs_scored, hits);
}

/* Prints the results of the reader's last query: the count, the hits (or
 * --show-query's description).  Returns -1 to go on (*n_hits: the hits
 * shown, with -k 0 the count), else an exit status. */
static int put_results(app *a, const nsearch_results *res, const char *text, size_t len,
                       const char *where, long *n_hits)
{
    nsearch_error err;
    *n_hits = 0;
    if (a->show_query) {
        const char *desc;
        if (nsearch_reader_show_query(a->r, a->ro.format == NSEARCH_JSON ? NSEARCH_JSON
                                                                          : NSEARCH_TEXT,
                                      &desc, &err))
            return fail(&err);
        return put_out(desc, strlen(desc)) ? CLI_EXIT_IO : -1;
    }
    if (res->empty_query == NSEARCH_EMPTY_STOPWORDS || res->empty_query == NSEARCH_EMPTY_NOWORDS)
        cli_say_vanished(PROG, res->empty_query, where, a->ro.qid, text, len, a->dir,
                         a->st.stop_words);
    /* the normal (empty) result: nothing in JSON or TREC, a count of 0 */
    if (a->so.count) {
        report_work(a, &res->count_work, 0, res->damaged);
        cli_put_count(PROG, a->ro.format, a->ro.qid, res->total);
    }
    if (a->so.k)
        report_work(a, &res->rank_work, res->n, res->damaged);
    for (size_t i = 0; i < res->n; i++) {
        nsearch_str s;
        if (nsearch_reader_render(a->r, &res->hits[i], a->so.offset + i + 1, &a->ro, &s, &err))
            return fail(&err);
        if (put_out(s.p, s.len))
            return CLI_EXIT_IO;
    }
    if (a->so.k)
        *n_hits = (long)res->n;
    else
        *n_hits = res->total > LONG_MAX ? LONG_MAX : (long)res->total;
    if (*n_hits == 0 && res->empty_query == NSEARCH_EMPTY_NONE && !where && isatty(STDERR_FILENO))
        /* for a person at a terminal; scripts get grep's silence */
        fputs(PROG ": no document matches; 'nsearch --show-query' shows how the query was read\n",
              stderr);
    return -1;
}

/* The search options for one query: --show-query only parses. */
static nsearch_search_opts query_opts(const app *a)
{
    nsearch_search_opts so = a->so;
    if (a->show_query) {
        so.k = 0;
        so.count = 0;
    }
    return so;
}

/* Answers one query text; where names it in messages (NULL: the command
 * line's).  Returns -1 to go on (*n_hits set), else an exit status. */
static int answer(app *a, const char *text, size_t len, const char *where, long *n_hits)
{
    nsearch_error err;
    nsearch_results res;
    nsearch_search_opts so = query_opts(a);
    *n_hits = 0;
    nsearch_rc rc = nsearch_reader_search(a->r, text, len, &so, &res, &err);
    if (rc == NSEARCH_E_QUERY || rc == NSEARCH_E_LIMIT) { /* the query's fault: say which, and where */
        int at_column = !strncmp(err.message, "column ", 7);
        fprintf(stderr, PROG ": %s%s%s%s", where ? where : "", where ? ": " : "",
                at_column ? "bad query: " : "", err.message);
        if (at_column)
            fputs(" (nsearch --help-syntax; --literal searches the words as they are)", stderr);
        fputc('\n', stderr);
        return CLI_EXIT_USAGE;
    }
    if (rc)
        return fail(&err);
    for (const char *l = res.notes; *l;) {
        const char *nl = strchr(l, '\n');
        size_t ll = nl ? (size_t)(nl - l) : strlen(l);
        fputs(PROG ": warning: ", stderr);
        cli_put_safe(stderr, l, ll, NSEARCH_ESCAPE_TEXT);
        fputc('\n', stderr);
        l += ll + (nl != NULL);
    }
    if (a->so.expand && a->stats && res.empty_query == NSEARCH_EMPTY_NONE)
        fprintf(stderr, PROG ": stats: feedback: docs=%zu terms=%zu postings_decoded=%llu "
                        "docs_scored=%llu\n", res.fb_docs_used, res.fb_terms_used,
                (unsigned long long)res.fb_work.postings_decoded,
                (unsigned long long)res.fb_work.docs_scored);
    return put_results(a, &res, text, len, where, n_hits);
}

/* Finds the document whose id is id: 0, or an exit status (1: not found,
 * with a message). */
static int find_doc(app *a, const char *id, uint32_t *doc)
{
    nsearch_error err;
    nsearch_rc rc = nsearch_reader_find(a->r, id, strlen(id), doc, &err);
    if (rc == NSEARCH_E_NOTFOUND) {
        fputs(PROG ": no document with id '", stderr);
        cli_put_safe(stderr, id, strlen(id), NSEARCH_ESCAPE_NAME);
        fprintf(stderr, "' in '%s'\n", a->dir);
        return CLI_EXIT_NONE;
    }
    return rc ? fail(&err) : 0;
}

/* nsearch --like ID: the documents most like a stored one. */
static int do_like(app *a, const char *id)
{
    uint32_t doc;
    int st = find_doc(a, id, &doc);
    if (st)
        return st;
    nsearch_error err;
    nsearch_results res;
    nsearch_search_opts so = query_opts(a);
    if (nsearch_reader_like(a->r, doc, &so, &res, &err))
        return fail(&err);
    if (res.empty_query == NSEARCH_EMPTY_LIKE) {
        fputs(PROG ": document '", stderr);
        cli_put_safe(stderr, id, strlen(id), NSEARCH_ESCAPE_NAME);
        fprintf(stderr, "' has no term that occurs in it %d times or more and in %d documents or "
                        "more; nothing to search for\n", NSEARCH_LIKE_MIN_TF, NSEARCH_LIKE_MIN_DF);
        return CLI_EXIT_NONE;
    }
    long n;
    st = put_results(a, &res, "", 0, NULL, &n);
    return st >= 0 ? st : n > 0 || a->show_query ? CLI_EXIT_OK : CLI_EXIT_NONE;
}

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, PROG ": check: %s\n", msg);
}

/* nsearch --check, before the index is opened: the files' frames. */
static int check_files(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return -1; /* opening it says what is wrong */
    uint64_t bad = 0;
    nsearch_error err;
    if (nsearch_check_files(dir, on_problem, NULL, &bad, &err))
        return fail(&err); /* unreadable is not unsound: rebuilding would not help */
    if (bad) {
        fprintf(stderr, PROG ": index '%s' is NOT sound: %llu damaged file%s; rebuild it with "
                "nindex\n", dir, (unsigned long long)bad, bad == 1 ? "" : "s");
        return CLI_EXIT_INDEX;
    }
    return -1;
}

/* nsearch --check, on the open index: every structure. */
static int check_index(const app *a)
{
    uint64_t n = 0;
    nsearch_error err;
    if (nsearch_index_check(a->ix, on_problem, NULL, &n, &err))
        return fail(&err);
    if (n) {
        fprintf(stderr, PROG ": index '%s' is NOT sound: %llu problem%s; rebuild it with nindex\n",
                a->dir, (unsigned long long)n, n == 1 ? "" : "s");
        return CLI_EXIT_INDEX;
    }
    if (a->st.n_shards)
        printf(PROG ": shard set of '%s' is sound (%zu of %u shards, agreeing on the set's "
               "statistics): %llu documents, %llu terms, %llu postings; all checksums match\n",
               a->dir, a->st.shards_open, a->st.n_shards, (unsigned long long)a->st.live_documents,
               (unsigned long long)a->st.terms, (unsigned long long)a->st.postings);
    else
        printf(PROG ": index '%s' is sound: %llu documents, %llu terms, %llu postings; "
               "all checksums match\n",
               a->dir, (unsigned long long)a->st.live_documents, (unsigned long long)a->st.terms,
               (unsigned long long)a->st.postings);
    return CLI_EXIT_OK;
}

/* nsearch --info: describes the index on stdout. */
static int do_info(app *a)
{
    const char *desc;
    nsearch_error err;
    if (nsearch_reader_info(a->r, a->ro.format == NSEARCH_JSON ? NSEARCH_JSON : NSEARCH_TEXT,
                            &desc, &err))
        return fail(&err);
    fputs(desc, stdout); /* a failed write: cli_close_stdout says so */
    return CLI_EXIT_OK;
}

/* nsearch --get: prints each stored document by id; 0 when all were found,
 * 1 when one was not. */
static int do_get(app *a, const char *const *ids, int n)
{
    int status = CLI_EXIT_OK;
    for (int i = 0; i < n; i++) {
        uint32_t doc;
        int st = find_doc(a, ids[i], &doc);
        if (st == CLI_EXIT_NONE) {
            status = st;
            continue;
        }
        if (st)
            return st;
        nsearch_str s;
        nsearch_error err;
        if (nsearch_reader_render_doc(a->r, doc, &a->ro, &s, &err))
            return fail(&err);
        if (put_out(s.p, s.len))
            return CLI_EXIT_IO;
    }
    return status;
}

static int do_queries(app *a, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, PROG ": cannot open query file '%s': %s\n", path, strerror(errno));
        return CLI_EXIT_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long line_no = 0;
    long total = 0;
    int status = CLI_EXIT_NONE;
    char line_qid[24];
    while ((len = getline(&line, &cap, f)) >= 0) {
        line_no++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *text = line;
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = 0;
            a->ro.qid = line; /* whole, however long: qids must not collide */
            text = tab + 1;
        } else {
            snprintf(line_qid, sizeof line_qid, "%lu", line_no);
            a->ro.qid = line_qid;
        }
        if (!*text && !tab)
            continue;
        char *where = cli_query_place(path, line_no);
        if (!where || cli_put_query_header(a->ro.format, a->ro.qid ? a->ro.qid : "1", text)) {
            free(where);
            fprintf(stderr, PROG ": out of memory\n");
            status = CLI_EXIT_IO;
            break;
        }
        long n;
        int st = answer(a, text, strlen(text), where, &n);
        free(where);
        if (st >= 0) {
            status = st;
            break;
        }
        total += n;
    }
    if (ferror(f)) {
        fprintf(stderr, PROG ": cannot read query file '%s'\n", path);
        status = CLI_EXIT_IO;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    a->ro.qid = NULL; /* pointed into this frame */
    if (status == CLI_EXIT_NONE && total > 0)
        status = CLI_EXIT_OK;
    return status;
}

/* What each argv element turned out to be (for the '--' hint). */
enum { ARG_OPT = 1, ARG_WORD, ARG_BAD, ARG_END };

/* Writes s as one shell word (quoted when it needs it), after a space. */
static void put_shell_word(FILE *f, const char *s)
{
    size_t plain = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "-_./:=@%+,");
    fputc(' ', f);
    if (*s && !s[plain]) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++)
        *s == '\'' ? fputs("'\\''", f) : fputc(*s, f);
    fputc('\'', f);
}

/* The name of the long option that element e ("--name[=value]") stands
 * for, with value val: exact, else the first it abbreviates. */
static const char *long_opt_name(const char *e, int val)
{
    size_t n = strcspn(e + 2, "=");
    const char *abbrev = NULL;
    for (size_t i = 0; i < prog.n_opts; i++) {
        const cli_opt *o = &options[i];
        if (o->id != val || strncmp(o->name, e + 2, n) != 0)
            continue;
        if (!o->name[n])
            return o->name;
        if (!abbrev)
            abbrev = o->name;
    }
    return abbrev ? abbrev : e + 2;
}

/* The usage error for argv[at], which getopt_long rejected with c ('?' or
 * ':') and optopt; with a hint at '--' when the rejected option may be
 * meant as a query word (it looks like one, or there are query words). */
static int bad_option(int argc, char **argv, const char *kind, int at, int c, int opt)
{
    const char *e = argv[at];
    int is_long = e[0] == '-' && e[1] == '-';
    int name_len = is_long ? (int)strcspn(e, "=") : 2;
    int hint = 0;
    fputs(PROG ": ", stderr);
    if (c == ':' && is_long) {
        fprintf(stderr, "option '--%s' needs an argument", long_opt_name(e, opt));
    } else if (c == ':') {
        fprintf(stderr, "option '-%c' needs an argument", opt);
    } else if (is_long && opt) { /* a known option given a value */
        fprintf(stderr, "option '--%s' takes no argument", long_opt_name(e, opt));
    } else if (is_long) {
        /* Unknown, or an abbreviation of options that differ (getopt_long
         * takes an abbreviation of one, or of --color and --colour). */
        int n_alts = 0;
        for (size_t i = 0; i < prog.n_opts; i++)
            n_alts += !strncmp(options[i].name, e + 2, (size_t)name_len - 2);
        if (n_alts) {
            fprintf(stderr, "option '%.*s' is ambiguous (", name_len, e);
            const char *sep = "";
            for (size_t i = 0; i < prog.n_opts; i++) {
                if (!strncmp(options[i].name, e + 2, (size_t)name_len - 2)) {
                    fprintf(stderr, "%s--%s", sep, options[i].name);
                    sep = ", ";
                }
            }
            fputc(')', stderr);
        } else {
            fprintf(stderr, "invalid option '%.*s'", name_len, e);
            hint = 1;
        }
    } else {
        fprintf(stderr, "invalid option '-%c'", opt);
        if (e[2])
            fprintf(stderr, " in '%s'", e);
        hint = 1;
    }
    int has_words = 0;
    for (int i = 1; i < argc; i++)
        has_words |= kind[i] == ARG_WORD;
    int wordlike = !is_long && (e[2] || (e[1] >= '0' && e[1] <= '9')); /* -opec, -5 */
    if (hint && (has_words || wordlike)) {
        fputs("\nTo search for words that start with '-', put them after '--': " PROG, stderr);
        for (int i = 1; i < argc; i++)
            if (kind[i] == ARG_OPT)
                put_shell_word(stderr, argv[i]);
        fputs(" --", stderr);
        for (int i = 1; i < argc; i++)
            if (kind[i] == ARG_WORD || kind[i] == ARG_BAD)
                put_shell_word(stderr, argv[i]);
    }
    fputs("\nTry 'nsearch --help' for more information.\n", stderr);
    return CLI_EXIT_USAGE;
}

/* Applies option c (argument optarg); returns -1 to go on, else the exit
 * status (after --help, --version or a bad value). */
static int apply_option(int c, cmdline *o, app *a)
{
    switch (c) {
    case 'i': o->dirs[o->n_dirs++] = optarg; break;
    case 'k':
        if (cli_parse_count(optarg, &a->so.k))
            return cli_usage(PROG, "-k wants a number of results from 0 to 1000000, not '%s'",
                             optarg);
        break;
    case OPT_JSON:
        a->ro.format = NSEARCH_JSON;
        o->fmt_set = 1;
        break;
    case OPT_GET: o->get[o->n_get++] = optarg; break;
    case OPT_FORMAT:
        o->fmt_set = 1;
        if (cli_parse_format(optarg, &a->ro.format))
            return cli_usage(PROG, "unknown --format '%s' (text, json or trec)", optarg);
        break;
    case OPT_QUERIES: o->queries = optarg; break;
    case OPT_COLOR:
        if (cli_color(optarg, STDOUT_FILENO) < 0)
            return cli_usage(PROG, "--color wants auto, always or never, not '%s'", optarg);
        o->color = optarg;
        break;
    case OPT_CHECK: o->check = 1; break;
    case OPT_INFO: o->info = 1; break;
    case OPT_EXPLAIN: a->ro.explain = 1; break;
    case OPT_ALL: a->so.flags |= NSEARCH_QUERY_ALL; break;
    case OPT_LITERAL: a->so.flags |= NSEARCH_QUERY_LITERAL; break;
    case OPT_COUNT: a->so.count = 1; break;
    case OPT_SHOW_QUERY: a->show_query = 1; break;
    case OPT_OFFSET:
        if (cli_parse_count(optarg, &a->so.offset))
            return cli_usage(PROG, "--offset wants a number of results to skip from 0 to "
                                   "1000000, not '%s'", optarg);
        break;
    case OPT_EXPAND: a->so.expand = 1; break;
    case OPT_FB_DOCS:
    case OPT_FB_TERMS: {
        size_t v;
        if (cli_parse_count(optarg, &v) || v < 1 || v > NSEARCH_FB_MAX)
            return cli_usage(PROG, "--%s wants a number from 1 to 1000, not '%s'",
                             c == OPT_FB_DOCS ? "fb-docs" : "fb-terms", optarg);
        *(c == OPT_FB_DOCS ? &a->so.fb_docs : &a->so.fb_terms) = v;
        a->fb_set = 1;
        break;
    }
    case OPT_FB_WEIGHT: {
        char *end;
        errno = 0;
        double w = strtod(optarg, &end);
        if (errno || *end || end == optarg || !(w > 0 && w <= 1))
            return cli_usage(PROG, "--fb-weight wants a number more than 0 and at most 1, not "
                                   "'%s'", optarg);
        a->so.fb_weight = w;
        a->fb_set = 1;
        break;
    }
    case OPT_LIKE: a->like = optarg; break;
    case OPT_HELP_SYNTAX: return cli_put_page(PROG, cli_syntax_text);
    case OPT_STATS: a->stats = 1; break;
    case OPT_NO_SNIPPETS: a->ro.snippets = 0; break;
    case OPT_ALGO:
        if (cli_parse_algo(optarg, &a->so.algo))
            return cli_usage(PROG, "--algo wants maxscore, bmw or exhaustive, not '%s'", optarg);
        break;
    case 'h': return cli_put_help(&prog);
    case OPT_VERSION: return cli_version(PROG);
    }
    return -1;
}

/* Parses argv into *o and *a; returns -1 to go on, else the exit status.
 *
 * getopt_long runs in order ('-' first in the option string) instead of
 * permuting argv: GNU getopt moves elements while it scans, so after an
 * error argv[optind - 1] need not be what it rejected ('nsearch oil -opec'
 * named 'oil', 'nsearch -ax oil' the program's path).  In order, the
 * element being scanned is always argv[optind as it was before the call]
 * (a cluster like -ax included), and query words come back one by one
 * (c == 1).  After an error the rest is still scanned, so the hint can
 * show every word; nothing else is applied. */
static int parse_args(int argc, char **argv, cmdline *o, app *a)
{
    struct option long_opts[sizeof options / sizeof *options + 1];
    char short_opts[3 * (sizeof options / sizeof *options) + 3];
    cli_getopt_table(&prog, long_opts, "-:", short_opts);
    char *kind = calloc((size_t)argc + 1, 1); /* ARG_* per element */
    o->words = calloc((size_t)argc + 1, sizeof *o->words);
    o->get = calloc((size_t)argc + 1, sizeof *o->get);
    o->dirs = calloc((size_t)argc + 1, sizeof *o->dirs);
    if (!kind || !o->words || !o->get || !o->dirs) {
        free(kind);
        fprintf(stderr, PROG ": out of memory\n");
        return CLI_EXIT_IO;
    }
    int bad_at = 0, bad_c = 0, bad_opt = 0, st = -1;
    opterr = 0;
    while (st < 0) {
        int at = optind;
        int c = getopt_long(argc, argv, short_opts, long_opts, NULL);
        if (c == -1) { /* the end, or '--': the rest are words */
            if (optind > at)
                kind[at] = ARG_END;
            for (; optind < argc; optind++) {
                kind[optind] = ARG_WORD;
                o->words[o->n_words++] = argv[optind];
            }
            break;
        }
        if (c == 1) { /* the query's first word: the rest is the query */
            kind[at] = ARG_WORD;
            o->words[o->n_words++] = optarg;
            for (; optind < argc; optind++) {
                kind[optind] = ARG_WORD;
                o->words[o->n_words++] = argv[optind];
            }
            break;
        }
        if (c == '?' || c == ':') {
            if (!bad_at) {
                bad_at = at;
                bad_c = c;
                bad_opt = optopt;
            }
            kind[at] = ARG_BAD;
            continue;
        }
        for (int i = at; i < optind; i++) /* the option and its argument */
            if (!kind[i])
                kind[i] = ARG_OPT;
        if (!bad_at)
            st = apply_option(c, o, a);
    }
    if (bad_at)
        st = bad_option(argc, argv, kind, bad_at, bad_c, bad_opt);
    /* a long option written after the query is almost surely meant as one */
    for (int i = 1; st < 0 && i < o->n_words; i++) {
        const char *w = o->words[i];
        if (w[0] != '-' || w[1] != '-' || !w[2])
            continue;
        size_t n = strcspn(w + 2, "=");
        for (size_t j = 0; j < prog.n_opts; j++) {
            const char *name = options[j].name;
            if (strlen(name) == n && !strncmp(name, w + 2, n)) {
                fprintf(stderr, PROG ": option '--%s' after the query: options go before its "
                                "first word (nsearch --%s QUERY); to search for the text, "
                                "write '\\%s'\nTry 'nsearch --help' for more information.\n",
                        name, name, w);
                st = CLI_EXIT_USAGE;
                break;
            }
        }
    }
    free(kind);
    return st;
}

/* The command line's query words joined by spaces: owned (free), or NULL. */
static char *join_words(const cmdline *o, size_t *len)
{
    size_t n = 0;
    for (int i = 0; i < o->n_words; i++)
        n += strlen(o->words[i]) + 1;
    char *q = malloc(n + 1), *p = q;
    if (!q)
        return NULL;
    for (int i = 0; i < o->n_words; i++) {
        if (i)
            *p++ = ' ';
        size_t l = strlen(o->words[i]);
        memcpy(p, o->words[i], l);
        p += l;
    }
    *p = 0;
    *len = (size_t)(p - q);
    return q;
}

/* Everything after the command line, on the open index; returns the exit
 * status. */
static int run_open(const cmdline *o, app *a)
{
    if (o->check)
        return check_index(a);
    if (o->info)
        return do_info(a);
    if (o->n_get)
        return do_get(a, o->get, o->n_get);
    if (a->like)
        return do_like(a, a->like);
    if (o->queries)
        return do_queries(a, o->queries);
    size_t len = 0;
    char *text = join_words(o, &len);
    if (!text) {
        fprintf(stderr, PROG ": out of memory\n");
        return CLI_EXIT_IO;
    }
    long n;
    int status = answer(a, text, len, NULL, &n);
    free(text);
    return status >= 0 ? status : n > 0 || a->show_query ? CLI_EXIT_OK : CLI_EXIT_NONE;
}

/* Everything after the command line; returns the exit status. */
static int run(const cmdline *o, app *a)
{
    const char *one[1] = {o->index_dir};
    const char *const *dirs = o->n_dirs ? o->dirs : one;
    size_t n_dirs = o->n_dirs ? (size_t)o->n_dirs : 1;
    a->dir = dirs[0];
    a->ro.color = cli_color(o->color, STDOUT_FILENO) == 1;
    for (size_t i = 0; o->check && i < n_dirs; i++) {
        int st = check_files(dirs[i]);
        if (st >= 0)
            return st;
    }
    nsearch_error err;
    if (nsearch_index_open_set(dirs, n_dirs, &a->ix, &err))
        return fail(&err);
    int status;
    nsearch_index_stats_get(a->ix, &a->st);
    if (nsearch_reader_new(a->ix, &a->r, &err))
        status = fail(&err);
    else
        status = run_open(o, a);
    nsearch_reader_free(a->r);
    nsearch_index_close(a->ix);
    return status;
}

/* `nsearch serve`: runs nsearch-serve from this program's directory with
 * the arguments after "serve" (nsearch itself does not link libmicrohttpd:
 * serve_main.c).  Returns only when it cannot be run. */
static int run_serve(char **argv)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
    if (n <= 0) {
        fprintf(stderr, PROG ": cannot find nsearch-serve: /proc/self/exe: %s\n", strerror(errno));
        return CLI_EXIT_IO;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    strcpy(slash ? slash + 1 : self, "nsearch-serve");
    argv[0] = self;
    execv(self, argv);
    char *shown = cli_safe(self, strlen(self), NSEARCH_ESCAPE_NAME);
    fprintf(stderr, PROG ": cannot run '%s': %s\n", shown ? shown : "nsearch-serve",
            strerror(errno));
    nsearch_free(shown);
    return CLI_EXIT_IO;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return run_serve(argv + 1);
    cmdline o = {getenv("NSEARCH_INDEX"), NULL, "auto", 0, NULL, 0, NULL, 0, NULL, 0, 0, 0};
    if (!o.index_dir || !*o.index_dir)
        o.index_dir = "index";
    app a;
    memset(&a, 0, sizeof a);
    nsearch_search_opts_init(&a.so);
    nsearch_render_opts_init(&a.ro);
    int st = parse_args(argc, argv, &o, &a);
    int other = o.check || o.info || o.queries || o.n_get || a.like; /* no QUERY words */
    if (st < 0 && !other && o.n_words == 0)
        st = cli_usage(PROG, "no QUERY given");
    if (st < 0 && other && o.n_words > 0)
        st = cli_usage(PROG, "unexpected argument '%s'", o.words[0]);
    if (st < 0 && a.like && (o.check || o.info || o.queries || o.n_get || a.so.expand))
        st = cli_usage(PROG, "--like cannot be combined with --expand, --queries, --get, "
                             "--check or --info");
    if (st < 0 && a.fb_set && !a.so.expand)
        st = cli_usage(PROG, "--fb-docs, --fb-terms and --fb-weight go with --expand");
    if (st < 0 && o.n_get && (o.check || o.queries))
        st = cli_usage(PROG, "--get cannot be combined with --check or --queries");
    if (a.so.k == 0)
        a.so.count = 1; /* -k 0: the count only */
    if (st < 0 && o.n_get && !o.fmt_set)
        a.ro.format = NSEARCH_JSON; /* a document is JSON unless asked for text */
    if (st < 0)
        st = run(&o, &a);
    free(o.words);
    free(o.get);
    free(o.dirs);
    return cli_close_stdout(PROG, st);
}
