/* nsearch: the searcher's command line (a thin layer over sr_*; the only
 * place in searcher/ that prints or exits). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_term.h"
#include "sr_check.h"
#include "sr_exec.h"
#include "sr_feedback.h"
#include "sr_index.h"
#include "sr_info.h"
#include "sr_output.h"
#include "sr_query.h"
#include "sr_rank.h"
#include "sr_render.h"

#define EXIT_HITS 0
#define EXIT_NOHITS 1
#define EXIT_USAGE 2
#define EXIT_INDEX 3
#define EXIT_IO 4
#define MAX_K 1000000

static const char usage_text[] =
    "Usage: nsearch [OPTION]... QUERY...\n"
    "       nsearch [OPTION]... --queries FILE\n"
    "       nsearch --check [-i INDEX_DIR]\n"
    "       nsearch --info [-i INDEX_DIR] [--json]\n"
    "       nsearch --get ID... [-i INDEX_DIR] [--format text]\n"
    "       nsearch [OPTION]... --like ID\n"
    "Search an nsearch index and print the best matches, ranked by BM25.\n"
    "\n"
    "The words of QUERY are analysed like the documents (case folding and\n"
    "stemming) and ranked OR: a document needs any one of them (--all: every\n"
    "one of them).  QUERY has a syntax: \"a phrase\", \"near words\"~5, +must,\n"
    "-exclude, AND, OR, NOT, ( ), title:word, body:word, keyword fields\n"
    "(topics:crude), prefix* and \\ escapes\n"
    "(nsearch --help-syntax).  A query may have up to 1024 distinct words.\n"
    "Options come before the query: everything from its first word on is the\n"
    "query (nsearch oil -opec); a query that starts with '-' goes after '--'.\n"
    "\n"
    "Options:\n"
    "  -i, --index=DIR      index directory (default: $NSEARCH_INDEX, else 'index')\n"
    "  -k, --top=N          number of results (default 10; 0: none, with --count)\n"
    "      --offset=N       skip the N best results first (pages: --offset 10 -k 10)\n"
    "      --count          also print the exact number of matching documents\n"
    "                       (text: 'N matches' first; json: {\"count\":N} first;\n"
    "                       trec: on stderr)\n"
    "      --literal        QUERY is plain words: no syntax, no operators\n"
    "      --explain        with each hit, its score clause by clause: idf, tf\n"
    "                       (a phrase's frequency), document and average\n"
    "                       length, weight (json: an \"explain\" member)\n"
    "      --show-query     print how the query was parsed and analysed (each\n"
    "                       clause, its terms, stop words, terms not in the\n"
    "                       index, df and idf) instead of searching (--json:\n"
    "                       one JSON object)\n"
    "      --json           same as --format json\n"
    "      --format=FMT     text (default), json (one object per hit per line:\n"
    "                       rank, id, title, score, date, url, fields (the\n"
    "                       document's other JSON members), snippet,\n"
    "                       highlights as [start, end) byte offsets into\n"
    "                       snippet), or trec\n"
    "                       ('qid Q0 id rank score nsearch', for trec_eval;\n"
    "                       white space, controls and '%' in qid and id are\n"
    "                       percent-encoded: 'a b' is 'a%20b')\n"
    "      --no-snippets    no passages: json hits without snippet and highlights,\n"
    "                       text hits without the snippet line (titles unmarked);\n"
    "                       nothing is decompressed for a hit (unless one of\n"
    "                       its other fields is long)\n"
    "      --queries=FILE   answer one query per line of FILE ('-' for stdin):\n"
    "                       'qid<TAB>text', or just text (qid = line number)\n"
    "      --color=WHEN     highlight matches: auto (default: on a terminal,\n"
    "                       unless NO_COLOR is set or TERM=dumb), always, never\n"
    "      --all            AND is the default operator: words side by side must\n"
    "                       all occur (explicit OR still means either)\n"
    "      --algo=ALGO      top-k algorithm: maxscore (default, the fastest),\n"
    "                       bmw (Block-Max WAND) or exhaustive (scores every\n"
    "                       posting: the reference the others must match)\n"
    "      --expand         pseudo-relevance feedback (RM3): the first pass's best\n"
    "                       documents' frequent terms are added to the query,\n"
    "                       which runs again (README \"Feedback\"); plain BM25\n"
    "                       without it\n"
    "      --fb-docs=N      with --expand: feedback documents (default 10, 1..1000)\n"
    "      --fb-terms=N     with --expand: terms kept per document and in the\n"
    "                       model (default 10, 1..1000)\n"
    "      --fb-weight=W    with --expand: the original query's share, 0 < W <= 1\n"
    "                       (default 0.5; the feedback terms have 1 - W)\n"
    "      --like=ID        documents like the stored one whose id is ID (its 25\n"
    "                       best terms by tf x idf, each in it twice or more and\n"
    "                       in 5 documents or more, as a weighted query); the\n"
    "                       document itself is left out; exit 1 when ID is not\n"
    "                       in the index or has no such term\n"
    "      --stats          after each query, print the work it took to stderr:\n"
    "                       'nsearch: stats: postings_decoded=N docs_scored=N hits=N'\n"
    "      --get=ID         print the stored document whose id is ID (JSON, or\n"
    "                       --format text), every field as it was indexed; may\n"
    "                       be given more than once (exit 1 when one is not\n"
    "                       found)\n"
    "      --check          verify every checksum and invariant of the index\n"
    "                       (3: damaged, rebuild it; 4: cannot be read)\n"
    "      --info           describe the index: format, counts, analyzer, text,\n"
    "                       keyword and stored fields, file sizes (--json: one\n"
    "                       JSON object)\n"
    "  -h, --help           show this help and exit\n"
    "      --help-syntax    show the query syntax with examples and exit\n"
    "      --version        show version information and exit\n"
    "\n"
    "In the text format, control and bidi characters of stored text are shown\n"
    "as \\xHH or \\uHHHH (in ids and dates '\\' as '\\\\' too), never sent raw.\n"
    "\n"
    "Exit status:\n"
    "  0  at least one document matched (--check: the index is sound;\n"
    "     --get: every ID was found)\n"
    "  1  nothing matched, or the query has no searchable words (only stop\n"
    "     words, punctuation, symbols or emoji: a message says which); --get:\n"
    "     an ID is not in the index\n"
    "  2  usage error, a malformed query (the message names the column), a\n"
    "     query with more than 1024 distinct words\n"
    "  3  index missing, corrupt, or of an unsupported version\n"
    "  4  I/O or memory failure (an unreadable index, output that cannot be\n"
    "     written)\n";

static const char syntax_text[] =
    "nsearch query syntax\n"
    "\n"
    "  oil prices          either word (OR; with --all, both: AND)\n"
    "  \"oil prices\"        the words one after the other, after stemming\n"
    "  \"bank of england\"   a stop word inside keeps its place: bank, any word,\n"
    "                      england\n"
    "  \"oil prices\"~3      both words within 3 positions of slop, in any order\n"
    "                      (a swap costs 2); closer matches score more\n"
    "  +oil prices         oil must occur; prices adds to the score\n"
    "  oil -opec           oil, but not in documents with opec\n"
    "  oil -\"crude oil\"    oil, but not the phrase; -(a OR b) excludes both\n"
    "  oil AND opec        both (AND, OR, NOT are operators in upper case only)\n"
    "  oil OR gas          either\n"
    "  oil NOT opec        the same as oil -opec\n"
    "  (oil OR gas) AND price   parentheses group; NOT binds tighter than\n"
    "                      AND, AND tighter than OR: a OR b AND c is a OR (b AND c)\n"
    "  title:oil           oil in the title; body:oil, in the body;\n"
    "                      title:\"oil prices\", title:(oil gas) too\n"
    "  topics:crude        the exact value of a keyword field (nindex --field\n"
    "                      topics; nsearch --info lists them); a filter that\n"
    "                      scores 0; topics:\"nat-gas\", topics:na* too\n"
    "  petrol*             every indexed term that starts with petrol (terms are\n"
    "                      stems: petrol* finds petroleum, but petroleu* finds\n"
    "                      nothing); at least 2 characters; the 1024 most\n"
    "                      frequent terms when there are more\n"
    "  \\\"  \\(  \\-  \\:     a backslash makes the next character plain\n"
    "\n"
    "A word is an operator's operand only when the operator touches it: a\n"
    "lone '-' or '+' is punctuation.  A word that analyses into several terms\n"
    "(e-mail, U.S.) is those terms joined by the default operator; a word that\n"
    "is a stop word is left out.  An exclusion alone matches nothing: -opec is\n"
    "an error.  Phrases score as one term whose frequency is the number of\n"
    "matches (sloppy: the sum of 1/(distance+1)) and whose idf is the sum of\n"
    "its words'; excluded clauses do not score.  --literal turns the syntax\n"
    "off; --show-query shows how a query was read.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "nsearch: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'nsearch --help' for more information.\n");
    return EXIT_USAGE;
}

static int exit_for(ns_rc rc)
{
    switch (rc) {
    case NS_E_NOTFOUND:
    case NS_E_BADMAGIC:
    case NS_E_VERSION:
    case NS_E_CORRUPT: return EXIT_INDEX;
    case NS_E_ARG:
    case NS_E_LIMIT: return EXIT_USAGE;
    default: return EXIT_IO;
    }
}

typedef struct app {
    sr_index *ix;
    sr_render_opts ro; /* format, colour, qid, snippets */
    size_t k;
    sr_query_opts qo; /* default operator, --literal */
    sr_algo algo;
    size_t offset;    /* --offset */
    int count;        /* --count */
    int show_query;   /* --show-query */
    sr_hit *hits; /* owned, offset + k entries */
    sr_render *render; /* owned */
    ns_buf buf;
    int damaged_reported;
    int stats; /* --stats: the work of each query on stderr */
    int expand;     /* --expand */
    sr_fb_opts fb;  /* --fb-docs, --fb-terms, --fb-weight */
    int fb_set;     /* one of those was given */
    const char *like; /* --like ID */
    int64_t like_doc; /* its document while answering, else -1 */
} app;

static int flush_out(ns_buf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
        ns_buf_reset(b);
        return -1;
    }
    ns_buf_reset(b);
    return 0;
}

/* Writes the terminal-safe query text for a message. */
static void put_query(FILE *f, const char *text, size_t len)
{
    ns_buf b;
    ns_buf_init(&b);
    ns_term_put(&b, text, len, NS_TERM_TEXT);
    fputs(ns_buf_cstr(&b) ? ns_buf_cstr(&b) : "", f);
    ns_buf_release(&b);
}

static void report_stats(app *a, const sr_rank_stats *st, size_t n)
{
    if (st->corrupt && !a->damaged_reported) {
        fprintf(stderr,
                "nsearch: warning: damaged postings in '%s'; results may be incomplete "
                "(run 'nsearch --check -i %s')\n",
                a->ix->dir, a->ix->dir);
        a->damaged_reported = 1;
    }
    if (a->stats)
        fprintf(stderr, "nsearch: stats: postings_decoded=%llu docs_scored=%llu hits=%zu\n",
                (unsigned long long)st->postings_decoded, (unsigned long long)st->docs_scored, n);
}

/* Runs one parsed query: the count (--count), then the hits after the
 * offset.  Returns the hits written (-k 0: the count), or -1 with err
 * set. */
static long run_query(app *a, const sr_query *q, ns_err *err)
{
    size_t n = 0;
    sr_rank_stats st;
    uint64_t count = 0;
    ns_rc rc = NS_OK;
    if (a->count) {
        rc = sr_exec_count(a->ix, q, &count, &st, err);
        if (!rc && a->like_doc >= 0 && count > 0)
            count--; /* the document itself */
        if (!rc) {
            report_stats(a, &st, 0);
            if (a->ro.out.fmt == SR_FMT_TEXT)
                ns_buf_printf(&a->buf, "%llu match%s\n", (unsigned long long)count,
                              count == 1 ? "" : "es");
            else if (a->ro.out.fmt == SR_FMT_JSON)
                ns_buf_printf(&a->buf, "{\"count\":%llu}\n", (unsigned long long)count);
            else if (a->ro.out.qid) {
                ns_buf qid;
                ns_buf_init(&qid);
                ns_term_put(&qid, a->ro.out.qid, strlen(a->ro.out.qid), NS_TERM_NAME);
                fprintf(stderr, "nsearch: count: query %s: %llu\n",
                        ns_buf_cstr(&qid) ? ns_buf_cstr(&qid) : "", (unsigned long long)count);
                ns_buf_release(&qid);
            } else {
                fprintf(stderr, "nsearch: count: %llu\n", (unsigned long long)count);
            }
        }
    }
    if (!rc && a->k) {
        /* --like: one more, less the document itself (hits has room) */
        size_t want = a->offset + a->k + (a->like_doc >= 0);
        rc = sr_rank(a->ix, q, a->algo, want, a->hits, &n, &st, err);
        if (!rc && a->like_doc >= 0) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (a->hits[i].doc != (uint32_t)a->like_doc)
                    a->hits[m++] = a->hits[i];
            n = m < a->offset + a->k ? m : a->offset + a->k;
        }
        if (!rc)
            report_stats(a, &st, n);
    }
    size_t shown = n > a->offset ? n - a->offset : 0;
    for (size_t i = a->offset; i < n && !rc; i++) {
        rc = sr_render_hit(a->render, a->ix, q, &a->hits[i], i + 1, &a->ro, &a->buf, NULL, err);
        if (!rc && a->buf.len > (1u << 16) && flush_out(&a->buf))
            rc = ns_err_sys(err, NS_E_IO, errno, "cannot write results");
    }
    if (rc)
        return -1;
    if (flush_out(&a->buf)) {
        ns_err_sys(err, NS_E_IO, errno, "cannot write results");
        return -1;
    }
    return a->k ? (long)shown : (long)(count > LONG_MAX ? LONG_MAX : count);
}

/* Says why a query has nothing to search for (no hits, exit status 1, not
 * a usage error): its words are all stop words of the index, or it has no
 * words (punctuation, symbols, emoji).  where and the qid name a query of
 * a --queries file. */
static void say_vanished(const app *a, const sr_query *q, const char *text, size_t len,
                         const char *where)
{
    fputs("nsearch: ", stderr);
    if (where) {
        const char *qid = a->ro.out.qid ? a->ro.out.qid : "";
        ns_buf b;
        ns_buf_init(&b);
        ns_term_put(&b, qid, strlen(qid), NS_TERM_NAME);
        fprintf(stderr, "%s: query %s: ", where, ns_buf_cstr(&b) ? ns_buf_cstr(&b) : "");
        ns_buf_release(&b);
    }
    fputs("the query '", stderr);
    put_query(stderr, text, len);
    if (q->n_words > 0)
        fprintf(stderr, "' has no searchable words: every word that is not excluded is a stop "
                        "word, which index '%s' leaves out (built with --stopwords %s); nothing "
                        "can match\n",
                a->ix->dir, ns_stop_list_name(ns_analyzer_stop_list(a->ix->an)));
    else
        fputs("' has no searchable words (only punctuation, symbols or emoji); nothing can match\n",
              stderr);
}

static int answer_query(app *a, sr_query *q, const char *text, size_t len, const char *where,
                        long *n_hits);

/* Parses and answers one query text; where names it in messages (NULL: the
 * command line's).  Returns -1 to go on (*n_hits set), else an exit status. */
static int answer(app *a, const char *text, size_t len, const char *where, long *n_hits)
{
    ns_err err;
    ns_err_clear(&err);
    *n_hits = 0;
    sr_query q;
    if (sr_query_parse_opts(a->ix, text, len, &a->qo, &q, &err)) {
        if (err.rc == NS_E_ARG || err.rc == NS_E_LIMIT) { /* the query's fault: say which, and where */
            fprintf(stderr, "nsearch: %s%s%s", where ? where : "", where ? ": " : "",
                    strncmp(err.msg, "column ", 7) ? "" : "bad query: ");
            fputs(err.msg, stderr);
            if (!strncmp(err.msg, "column ", 7))
                fputs(" (nsearch --help-syntax; --literal searches the words as they are)",
                      stderr);
            fputc('\n', stderr);
        } else {
            fprintf(stderr, "nsearch: %s\n", err.msg);
        }
        return exit_for(err.rc);
    }
    for (const char *l = ns_buf_cstr(&q.notes); l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t ll = nl ? (size_t)(nl - l) : strlen(l);
        fputs("nsearch: warning: ", stderr);
        put_query(stderr, l, ll);
        fputc('\n', stderr);
        l += ll + (nl != NULL);
    }
    if (a->expand && q.root) {
        sr_fb_stats fst;
        if (sr_feedback_expand(a->ix, &q, a->algo, &a->fb, &fst, &err)) {
            fprintf(stderr, "nsearch: %s\n", err.msg);
            sr_query_release(&q);
            return exit_for(err.rc);
        }
        if (a->stats)
            fprintf(stderr, "nsearch: stats: feedback: docs=%zu terms=%zu postings_decoded=%llu "
                            "docs_scored=%llu\n", fst.docs, fst.terms,
                    (unsigned long long)fst.first.postings_decoded,
                    (unsigned long long)fst.first.docs_scored);
    }
    int st = answer_query(a, &q, text, len, where, n_hits);
    sr_query_release(&q);
    return st;
}

/* Answers a parsed query q (--show-query, or the count and the hits). */
static int answer_query(app *a, sr_query *q, const char *text, size_t len, const char *where,
                        long *n_hits)
{
    ns_err err;
    ns_err_clear(&err);
    int st = -1;
    if (a->show_query) {
        ns_rc sr = a->ro.out.fmt == SR_FMT_JSON ? sr_query_show_json(q, &a->buf)
                                                : sr_query_show(a->ix, q, &a->buf);
        if (sr || flush_out(&a->buf)) {
            fprintf(stderr, "nsearch: cannot write the query\n");
            st = EXIT_IO;
        }
    } else {
        if (!q->root && a->like_doc < 0)
            say_vanished(a, q, text, len, where);
        /* the normal (empty) result: nothing in JSON or TREC, a count of 0 */
        *n_hits = run_query(a, q, &err);
        if (*n_hits < 0) {
            fprintf(stderr, "nsearch: %s\n", err.msg);
            st = exit_for(err.rc);
        } else if (*n_hits == 0 && q->root && !where && isatty(STDERR_FILENO)) {
            /* for a person at a terminal; scripts get grep's silence */
            fputs("nsearch: no document matches; 'nsearch --show-query' shows how the query was "
                  "read\n", stderr);
        }
    }
    return st;
}

/* nsearch --like ID: the documents most like a stored one. */
static int do_like(app *a, const char *id)
{
    ns_err err;
    ns_err_clear(&err);
    uint32_t doc;
    bool found;
    ns_rc rc = sr_index_find_id(a->ix, id, strlen(id), &doc, &found, &err);
    ns_buf name;
    ns_buf_init(&name);
    ns_term_put(&name, id, strlen(id), NS_TERM_NAME);
    const char *shown = ns_buf_cstr(&name) ? ns_buf_cstr(&name) : "";
    int st = -1;
    sr_query q;
    memset(&q, 0, sizeof q);
    if (!rc && !found) {
        fprintf(stderr, "nsearch: no document with id '%s' in '%s'\n", shown, a->ix->dir);
        st = EXIT_NOHITS;
    } else if (!rc) {
        rc = sr_like_query(a->ix, doc, &q, &err);
    }
    if (rc) {
        fprintf(stderr, "nsearch: %s\n", err.msg);
        st = exit_for(rc);
    } else if (st < 0 && !q.root) {
        fprintf(stderr, "nsearch: document '%s' has no term that occurs in it %d times or more "
                        "and in %d documents or more; nothing to search for\n", shown,
                SR_LIKE_MIN_TF, SR_LIKE_MIN_DF);
        st = EXIT_NOHITS;
    } else if (st < 0) {
        long n;
        a->like_doc = doc;
        st = answer_query(a, &q, "", 0, NULL, &n);
        a->like_doc = -1;
        if (st < 0)
            st = n > 0 || a->show_query ? EXIT_HITS : EXIT_NOHITS;
    }
    sr_query_release(&q);
    ns_buf_release(&name);
    return st;
}

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "nsearch: check: %s\n", msg);
}

static int do_check(sr_index *ix)
{
    uint64_t n = sr_check(ix, on_problem, NULL);
    if (n) {
        fprintf(stderr, "nsearch: index '%s' is NOT sound: %llu problem%s; rebuild it with nindex\n",
                ix->dir, (unsigned long long)n, n == 1 ? "" : "s");
        return EXIT_INDEX;
    }
    printf("nsearch: index '%s' is sound: %llu documents, %llu terms, %llu postings; "
           "all checksums match\n",
           ix->dir, (unsigned long long)ix->n_live, (unsigned long long)ix->n_terms,
           (unsigned long long)ix->n_postings);
    return 0;
}

/* nsearch --info: describes the index on stdout. */
static int do_info(const sr_index *ix, sr_info_format fmt)
{
    ns_buf b;
    ns_buf_init(&b);
    ns_err err;
    ns_rc rc = sr_info_write(ix, fmt, &b, &err);
    if (rc)
        fprintf(stderr, "nsearch: %s\n", err.msg);
    else
        flush_out(&b); /* a failed write: close_stdout says so */
    ns_buf_release(&b);
    return rc ? exit_for(rc) : EXIT_HITS;
}

/* nsearch --get: prints each stored document by id; 0 when all were found,
 * 1 when one was not. */
static int do_get(app *a, const char *const *ids, int n)
{
    int status = EXIT_HITS;
    for (int i = 0; i < n; i++) {
        ns_err err;
        ns_err_clear(&err);
        uint32_t doc;
        bool found;
        sr_doc d;
        ns_rc rc = sr_index_find_id(a->ix, ids[i], strlen(ids[i]), &doc, &found, &err);
        if (!rc && !found) {
            ns_buf msg;
            ns_buf_init(&msg);
            ns_term_put(&msg, ids[i], strlen(ids[i]), NS_TERM_NAME);
            fprintf(stderr, "nsearch: no document with id '%s' in '%s'\n", ns_buf_cstr(&msg),
                    a->ix->dir);
            ns_buf_release(&msg);
            status = EXIT_NOHITS;
            continue;
        }
        if (!rc)
            rc = sr_index_doc(a->ix, doc, &d, &err);
        if (!rc)
            rc = sr_output_doc(&a->buf, &a->ro.out, a->ix, &d, &err);
        if (!rc && flush_out(&a->buf))
            rc = ns_err_sys(&err, NS_E_IO, errno, "cannot write results");
        if (rc) {
            fprintf(stderr, "nsearch: %s\n", err.msg);
            return exit_for(rc);
        }
    }
    return status;
}

static int do_queries(app *a, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "nsearch: cannot open query file '%s': %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long line_no = 0;
    long total = 0;
    int status = EXIT_NOHITS;
    char line_qid[24];
    while ((len = getline(&line, &cap, f)) >= 0) {
        line_no++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *text = line;
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = 0;
            a->ro.out.qid = line; /* whole, however long: qids must not collide */
            text = tab + 1;
        } else {
            snprintf(line_qid, sizeof line_qid, "%lu", line_no);
            a->ro.out.qid = line_qid;
        }
        if (!*text && !tab)
            continue;
        ns_err err;
        ns_err_clear(&err);
        if (sr_output_query(&a->buf, &a->ro.out, text, strlen(text))) {
            fprintf(stderr, "nsearch: out of memory\n");
            status = EXIT_IO;
            break;
        }
        ns_buf where; /* the file's name, terminal-safe, and the line */
        ns_buf_init(&where);
        ns_buf_putc(&where, '\'');
        ns_term_put(&where, path, strlen(path), NS_TERM_NAME);
        ns_buf_printf(&where, "' line %lu", line_no);
        long n;
        int st = ns_buf_cstr(&where) ? answer(a, text, strlen(text), ns_buf_cstr(&where), &n)
                                     : EXIT_IO;
        ns_buf_release(&where);
        if (st >= 0) {
            status = st;
            break;
        }
        total += n;
    }
    if (ferror(f)) {
        fprintf(stderr, "nsearch: cannot read query file '%s'\n", path);
        status = EXIT_IO;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    a->ro.out.qid = NULL; /* pointed into this frame */
    if (status == EXIT_NOHITS && total > 0)
        status = EXIT_HITS;
    return status;
}

enum { OPT_JSON = 256, OPT_FORMAT, OPT_QUERIES, OPT_COLOR, OPT_CHECK, OPT_VERSION, OPT_ALL,
       OPT_ALGO, OPT_STATS, OPT_NO_SNIPPETS, OPT_GET, OPT_LITERAL, OPT_COUNT, OPT_SHOW_QUERY,
       OPT_OFFSET, OPT_HELP_SYNTAX, OPT_INFO, OPT_EXPLAIN, OPT_EXPAND, OPT_FB_DOCS, OPT_FB_TERMS,
       OPT_FB_WEIGHT, OPT_LIKE };
static const struct option long_opts[] = {
    {"index", required_argument, 0, 'i'},    {"top", required_argument, 0, 'k'},
    {"json", no_argument, 0, OPT_JSON},       {"format", required_argument, 0, OPT_FORMAT},
    {"queries", required_argument, 0, OPT_QUERIES}, {"color", required_argument, 0, OPT_COLOR},
    {"colour", required_argument, 0, OPT_COLOR},    {"check", no_argument, 0, OPT_CHECK},
    {"help", no_argument, 0, 'h'},            {"version", no_argument, 0, OPT_VERSION},
    {"all", no_argument, 0, OPT_ALL},         {"algo", required_argument, 0, OPT_ALGO},
    {"stats", no_argument, 0, OPT_STATS},     {"no-snippets", no_argument, 0, OPT_NO_SNIPPETS},
    {"get", required_argument, 0, OPT_GET},   {"literal", no_argument, 0, OPT_LITERAL},
    {"count", no_argument, 0, OPT_COUNT},     {"show-query", no_argument, 0, OPT_SHOW_QUERY},
    {"offset", required_argument, 0, OPT_OFFSET},
    {"help-syntax", no_argument, 0, OPT_HELP_SYNTAX},
    {"info", no_argument, 0, OPT_INFO},       {"explain", no_argument, 0, OPT_EXPLAIN},
    {"expand", no_argument, 0, OPT_EXPAND},   {"fb-docs", required_argument, 0, OPT_FB_DOCS},
    {"fb-terms", required_argument, 0, OPT_FB_TERMS},
    {"fb-weight", required_argument, 0, OPT_FB_WEIGHT},
    {"like", required_argument, 0, OPT_LIKE},
    {0, 0, 0, 0}};

/* The command line, parsed. */
typedef struct cli {
    const char *index_dir, *queries, *color;
    int check;
    const char **words; /* owned array, borrowed strings: the query words in order */
    int n_words;
    const char **get; /* owned array, borrowed strings: the --get ids in order */
    int n_get;
    int fmt_set;      /* --format or --json was given */
    int info;         /* --info */
} cli;

/* What each argv element turned out to be (for the '--' hint). */
enum { ARG_OPT = 1, ARG_WORD, ARG_BAD, ARG_END };

/* Appends s as one shell word (quoted when it needs it). */
static void put_shell_word(ns_buf *b, const char *s)
{
    size_t plain = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "-_./:=@%+,");
    ns_buf_putc(b, ' ');
    if (*s && !s[plain]) {
        ns_buf_puts(b, s);
        return;
    }
    ns_buf_putc(b, '\'');
    for (; *s; s++)
        *s == '\'' ? ns_buf_puts(b, "'\\''") : ns_buf_putc(b, (uint8_t)*s);
    ns_buf_putc(b, '\'');
}

/* The name of the long option that element e ("--name[=value]") stands
 * for, with value val: exact, else the first it abbreviates. */
static const char *long_opt_name(const char *e, int val)
{
    size_t n = strcspn(e + 2, "=");
    const char *abbrev = NULL;
    for (const struct option *o = long_opts; o->name; o++) {
        if (o->val != val || strncmp(o->name, e + 2, n) != 0)
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
    fputs("nsearch: ", stderr);
    if (c == ':' && is_long) {
        fprintf(stderr, "option '--%s' needs an argument", long_opt_name(e, opt));
    } else if (c == ':') {
        fprintf(stderr, "option '-%c' needs an argument", opt);
    } else if (is_long && opt) { /* a known option given a value */
        fprintf(stderr, "option '--%s' takes no argument", long_opt_name(e, opt));
    } else if (is_long) {
        /* Unknown, or an abbreviation of options that differ (getopt_long
         * takes an abbreviation of one, or of --color and --colour). */
        ns_buf alts;
        ns_buf_init(&alts);
        for (const struct option *o = long_opts; o->name; o++)
            if (!strncmp(o->name, e + 2, (size_t)name_len - 2))
                ns_buf_printf(&alts, "%s--%s", alts.len ? ", " : "", o->name);
        if (alts.len) {
            fprintf(stderr, "option '%.*s' is ambiguous (%s)", name_len, e, ns_buf_cstr(&alts));
        } else {
            fprintf(stderr, "invalid option '%.*s'", name_len, e);
            hint = 1;
        }
        ns_buf_release(&alts);
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
        ns_buf cmd;
        ns_buf_init(&cmd);
        ns_buf_puts(&cmd, "nsearch");
        for (int i = 1; i < argc; i++)
            if (kind[i] == ARG_OPT)
                put_shell_word(&cmd, argv[i]);
        ns_buf_puts(&cmd, " --");
        for (int i = 1; i < argc; i++)
            if (kind[i] == ARG_WORD || kind[i] == ARG_BAD)
                put_shell_word(&cmd, argv[i]);
        fprintf(stderr, "\nTo search for words that start with '-', put them after '--': %s",
                ns_buf_cstr(&cmd));
        ns_buf_release(&cmd);
    }
    fputs("\nTry 'nsearch --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

/* Prints a help page; a page longer than stdout's buffer fails here, not
 * at the final flush, so the reason is told here. */
static int put_page(const char *text)
{
    if (fputs(text, stdout) == EOF) {
        fprintf(stderr, "nsearch: cannot write to standard output: %s\n", strerror(errno));
        return EXIT_IO;
    }
    return EXIT_HITS;
}

/* A number of results, 0..MAX_K, in *out; -1 when s is not one. */
static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0 || v > MAX_K)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Applies option c (argument optarg); returns -1 to go on, else the exit
 * status (after --help, --version or a bad value). */
static int apply_option(int c, cli *o, app *a)
{
    switch (c) {
    case 'i': o->index_dir = optarg; break;
    case 'k':
        if (parse_count(optarg, &a->k))
            return usage_error("-k wants a number of results from 0 to 1000000, not '%s'", optarg);
        break;
    case OPT_JSON:
        a->ro.out.fmt = SR_FMT_JSON;
        o->fmt_set = 1;
        break;
    case OPT_GET: o->get[o->n_get++] = optarg; break;
    case OPT_FORMAT:
        o->fmt_set = 1;
        if (!strcmp(optarg, "text"))
            a->ro.out.fmt = SR_FMT_TEXT;
        else if (!strcmp(optarg, "json"))
            a->ro.out.fmt = SR_FMT_JSON;
        else if (!strcmp(optarg, "trec"))
            a->ro.out.fmt = SR_FMT_TREC;
        else
            return usage_error("unknown --format '%s' (text, json or trec)", optarg);
        break;
    case OPT_QUERIES: o->queries = optarg; break;
    case OPT_COLOR:
        if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "always") != 0 &&
            strcmp(optarg, "never") != 0)
            return usage_error("--color wants auto, always or never, not '%s'", optarg);
        o->color = optarg;
        break;
    case OPT_CHECK: o->check = 1; break;
    case OPT_INFO: o->info = 1; break;
    case OPT_EXPLAIN: a->ro.explain = true; break;
    case OPT_ALL: a->qo.default_and = true; break;
    case OPT_LITERAL: a->qo.literal = true; break;
    case OPT_COUNT: a->count = 1; break;
    case OPT_SHOW_QUERY: a->show_query = 1; break;
    case OPT_OFFSET:
        if (parse_count(optarg, &a->offset))
            return usage_error("--offset wants a number of results to skip from 0 to 1000000, "
                               "not '%s'", optarg);
        break;
    case OPT_EXPAND: a->expand = 1; break;
    case OPT_FB_DOCS:
    case OPT_FB_TERMS: {
        size_t v;
        if (parse_count(optarg, &v) || v < 1 || v > SR_FB_MAX)
            return usage_error(c == OPT_FB_DOCS ? "--fb-docs wants a number from 1 to 1000, not '%s'"
                                                : "--fb-terms wants a number from 1 to 1000, not '%s'",
                               optarg);
        *(c == OPT_FB_DOCS ? &a->fb.fb_docs : &a->fb.fb_terms) = v;
        a->fb_set = 1;
        break;
    }
    case OPT_FB_WEIGHT: {
        char *end;
        errno = 0;
        double w = strtod(optarg, &end);
        if (errno || *end || end == optarg || !(w > 0 && w <= 1))
            return usage_error("--fb-weight wants a number more than 0 and at most 1, not '%s'",
                               optarg);
        a->fb.fb_weight = w;
        a->fb_set = 1;
        break;
    }
    case OPT_LIKE: a->like = optarg; break;
    case OPT_HELP_SYNTAX: return put_page(syntax_text);
    case OPT_STATS: a->stats = 1; break;
    case OPT_NO_SNIPPETS: a->ro.snippets = false; break;
    case OPT_ALGO:
        if (sr_algo_parse(optarg, &a->algo))
            return usage_error("--algo wants maxscore, bmw or exhaustive, not '%s'", optarg);
        break;
    case 'h': return put_page(usage_text);
    case OPT_VERSION:
        printf("nsearch %s (index format %u.%u)\n", NS_VERSION_STRING, NS_FORMAT_MAJOR,
               NS_FORMAT_MINOR);
        return EXIT_HITS;
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
static int parse_args(int argc, char **argv, cli *o, app *a)
{
    char *kind = calloc((size_t)argc + 1, 1); /* ARG_* per element */
    o->words = calloc((size_t)argc + 1, sizeof *o->words);
    o->get = calloc((size_t)argc + 1, sizeof *o->get);
    if (!kind || !o->words || !o->get) {
        free(kind);
        fprintf(stderr, "nsearch: out of memory\n");
        return EXIT_IO;
    }
    int bad_at = 0, bad_c = 0, bad_opt = 0, st = -1;
    opterr = 0;
    while (st < 0) {
        int at = optind;
        int c = getopt_long(argc, argv, "-:i:k:h", long_opts, NULL);
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
        for (const struct option *lo = long_opts; lo->name; lo++) {
            if (strlen(lo->name) == n && !strncmp(lo->name, w + 2, n)) {
                fprintf(stderr, "nsearch: option '--%s' after the query: options go before its "
                                "first word (nsearch --%s QUERY); to search for the text, "
                                "write '\\%s'\nTry 'nsearch --help' for more information.\n",
                        lo->name, lo->name, w);
                st = EXIT_USAGE;
                break;
            }
        }
    }
    free(kind);
    return st;
}

/* Flushes and closes stdout, as the last thing nsearch does (gnulib's
 * close_stdout): output that could not be written (a full disk, a closed
 * descriptor) turns status into EXIT_IO with a message, whatever printed it
 * (results, the --check summary, --help).  A descriptor closed before
 * anything was written to it is not an error. */
static int close_stdout(int status)
{
    int flushed = fflush(stdout) == 0, e = errno;
    int bad = !flushed || ferror(stdout);
    if (fclose(stdout) != 0 && !bad && errno != EBADF) {
        bad = 1;
        flushed = 0;
        e = errno;
    }
    if (!bad)
        return status;
    if (status != EXIT_IO) /* else run_query said it already */
        fprintf(stderr, "nsearch: cannot write to standard output%s%s\n", flushed ? "" : ": ",
                flushed ? "" : strerror(e));
    return EXIT_IO;
}

/* Everything after the command line; returns the exit status. */
static int run(const cli *o, app *a)
{
    const char *index_dir = o->index_dir, *color = o->color, *queries = o->queries;
    int check = o->check;
    if (!strcmp(color, "always"))
        a->ro.out.color = true;
    else if (!strcmp(color, "auto")) {
        const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
        a->ro.out.color = !(nc && *nc) && !(term && !strcmp(term, "dumb")) && isatty(STDOUT_FILENO);
    }
    ns_err err;
    ns_err_clear(&err);
    if (check) {
        struct stat sb;
        if (stat(index_dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            uint64_t bad = 0;
            ns_rc rc = sr_check_files(index_dir, on_problem, NULL, &bad, &err);
            if (rc) { /* unreadable is not unsound: rebuilding would not help */
                fprintf(stderr, "nsearch: %s\n", err.msg);
                return exit_for(rc);
            }
            if (bad) {
                fprintf(stderr, "nsearch: index '%s' is NOT sound: %llu damaged file%s; rebuild it "
                        "with nindex\n", index_dir, (unsigned long long)bad, bad == 1 ? "" : "s");
                return EXIT_INDEX;
            }
        }
    }
    ns_rc rc = sr_index_open(index_dir, &a->ix, &err);
    if (rc) {
        fprintf(stderr, "nsearch: %s\n", err.msg);
        return exit_for(rc);
    }
    if (check) {
        int st = do_check(a->ix);
        sr_index_close(a->ix);
        return st;
    }
    if (o->info) {
        int st = do_info(a->ix, a->ro.out.fmt == SR_FMT_JSON ? SR_INFO_JSON : SR_INFO_TEXT);
        sr_index_close(a->ix);
        return st;
    }
    int status;
    a->hits = ns_malloc((a->offset + a->k + 1) * sizeof *a->hits);
    ns_buf_init(&a->buf);
    if (!a->hits || sr_render_new(&a->render)) {
        fprintf(stderr, "nsearch: out of memory\n");
        status = EXIT_IO;
    } else if (o->n_get) {
        status = do_get(a, o->get, o->n_get);
    } else if (a->like) {
        status = do_like(a, a->like);
    } else if (queries) {
        status = do_queries(a, queries);
    } else {
        ns_buf qtext;
        ns_buf_init(&qtext);
        for (int i = 0; i < o->n_words; i++) {
            if (i)
                ns_buf_putc(&qtext, ' ');
            ns_buf_puts(&qtext, o->words[i]);
        }
        long n;
        status = answer(a, ns_buf_cstr(&qtext), qtext.len, NULL, &n);
        if (status < 0)
            status = n > 0 || a->show_query ? EXIT_HITS : EXIT_NOHITS;
        ns_buf_release(&qtext);
    }
    sr_render_free(a->render);
    ns_buf_release(&a->buf);
    ns_free(a->hits);
    sr_index_close(a->ix);
    return status;
}

int main(int argc, char **argv)
{
    cli o = {getenv("NSEARCH_INDEX"), NULL, "auto", 0, NULL, 0, NULL, 0, 0, 0};
    if (!o.index_dir || !*o.index_dir)
        o.index_dir = "index";
    app a;
    memset(&a, 0, sizeof a);
    a.k = 10;
    a.ro.out.fmt = SR_FMT_TEXT;
    a.ro.snippets = true;
    a.algo = SR_ALGO_DEFAULT;
    a.like_doc = -1;
    sr_fb_opts_default(&a.fb);
    int st = parse_args(argc, argv, &o, &a);
    if (st < 0 && !o.check && !o.info && !o.queries && !o.n_get && !a.like && o.n_words == 0)
        st = usage_error("%s", "no QUERY given");
    if (st < 0 && (o.check || o.info || o.queries || o.n_get || a.like) && o.n_words > 0)
        st = usage_error("unexpected argument '%s'", o.words[0]);
    if (st < 0 && a.like && (o.check || o.info || o.queries || o.n_get || a.expand))
        st = usage_error("%s", "--like cannot be combined with --expand, --queries, --get, "
                               "--check or --info");
    if (st < 0 && a.fb_set && !a.expand)
        st = usage_error("%s", "--fb-docs, --fb-terms and --fb-weight go with --expand");
    if (st < 0 && o.n_get && (o.check || o.queries))
        st = usage_error("%s", "--get cannot be combined with --check or --queries");
    if (a.k == 0)
        a.count = 1; /* -k 0: the count only */
    if (st < 0 && o.n_get && !o.fmt_set)
        a.ro.out.fmt = SR_FMT_JSON; /* a document is JSON unless asked for text */
    if (st < 0)
        st = run(&o, &a);
    free(o.words);
    free(o.get);
    return close_stdout(st);
}
