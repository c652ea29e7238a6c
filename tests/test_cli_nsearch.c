/* End-to-end tests of the nsearch program: hits, output formats (text, JSON,
 * TREC), highlighting, colour, exit statuses and messages, -i versus
 * $NSEARCH_INDEX, --queries, -k and --check.  Every test indexes corpus/
 * (or a small fixture) into its own scratch directory with the built nindex
 * and runs the built nsearch with NO_COLOR=1 and no TTY (zstd's cli-tests). */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_json.h"
#include "sr_query.h"
#include "tutil.h"

#define TIMEOUT_S 20
#define CORPUS NS_TEST_SRCDIR "/corpus"
/* The only corpus/ document with "Article Five" in it. */
#define ARTICLE_FIVE_ID "000_599a60e16b94297e.txt"

/* ---- helpers ---- */

#include "tcli.h"
#define tc_runv_in(in, ...) tc_runv((in), TIMEOUT_S, __VA_ARGS__)

/* Indexes `input` into dir/name; returns the owned index path. */
static char *build_index_named(const char *dir, const char *name, const char *input)
{
    char *idx = tu_path(dir, name);
    tu_out o = NINDEX("-q", "-o", idx, input);
    cr_assert_eq(o.status, 0, "nindex -o %s %s: status %d, stderr: %s", idx, input, o.status, o.err);
    tu_out_free(&o);
    return idx;
}

/* A fresh scratch directory and an index of corpus/ in it. */
static char *corpus_index(const char *test, char **dir_out)
{
    char *dir = tu_tmpdir(test);
    char *idx = build_index_named(dir, "idx", CORPUS);
    if (dir_out)
        *dir_out = dir;
    else
        free(dir);
    return idx;
}

/* Returns: owned copy of line i (0-based) of s, without its '\n'; NULL past the end. */
static char *line_at(const char *s, size_t i)
{
    for (; i > 0; i--) {
        const char *nl = strchr(s, '\n');
        if (!nl)
            return NULL;
        s = nl + 1;
    }
    if (!*s)
        return NULL;
    size_t n = strcspn(s, "\n");
    char *l = malloc(n + 1);
    memcpy(l, s, n);
    l[n] = 0;
    return l;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* One --json hit line, decoded with the project's own strict JSON reader
 * (so the test also proves each line is one valid JSON object). */
typedef struct hit {
    long rank;
    double score;
    char id[256], title[512], qid[64];
    char snippet[2048];
    size_t snippet_len;
    size_t hl[64][2];
    size_t n_hl;
} hit;

static void copy_field(char *dst, size_t cap, const ns_buf *sc, const ns_json_field *f)
{
    size_t n = f->len < cap - 1 ? f->len : cap - 1;
    memcpy(dst, sc->data + f->off, n);
    dst[n] = 0;
}

/* Parses a JSON hit line; fails the test if it is not one. */
static void parse_hit(const char *line, hit *h)
{
    enum { RANK, ID, TITLE, SCORE, SNIPPET, HL, QID, NF };
    ns_json_field f[NF] = {{.name = "rank"},    {.name = "id"},         {.name = "title"},
                           {.name = "score"},   {.name = "snippet"},    {.name = "highlights"},
                           {.name = "qid"}};
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_err_clear(&err);
    memset(h, 0, sizeof *h);
    cr_assert_eq(ns_json_extract(line, strlen(line), f, NF, &sc, &err), NS_OK,
                 "not a JSON object (%s): %s", err.msg, line);
    cr_assert_eq(f[RANK].type, NS_JSON_NUMBER, "no numeric rank: %s", line);
    cr_assert_eq(f[ID].type, NS_JSON_STRING, "no string id: %s", line);
    cr_assert_eq(f[TITLE].type, NS_JSON_STRING, "no string title: %s", line);
    cr_assert_eq(f[SCORE].type, NS_JSON_NUMBER, "no numeric score: %s", line);
    cr_assert_eq(f[SNIPPET].type, NS_JSON_STRING, "no string snippet: %s", line);
    cr_assert_eq(f[HL].type, NS_JSON_ARRAY, "no highlights array: %s", line);
    char num[64];
    copy_field(num, sizeof num, &sc, &f[RANK]);
    h->rank = strtol(num, NULL, 10);
    copy_field(num, sizeof num, &sc, &f[SCORE]);
    h->score = strtod(num, NULL);
    copy_field(h->id, sizeof h->id, &sc, &f[ID]);
    copy_field(h->title, sizeof h->title, &sc, &f[TITLE]);
    if (f[QID].type == NS_JSON_STRING)
        copy_field(h->qid, sizeof h->qid, &sc, &f[QID]);
    cr_assert_lt(f[SNIPPET].len, sizeof h->snippet, "snippet too long for the test");
    copy_field(h->snippet, sizeof h->snippet, &sc, &f[SNIPPET]);
    h->snippet_len = f[SNIPPET].len;
    /* highlights: [[s,e],[s,e],...] */
    char raw[2048];
    copy_field(raw, sizeof raw, &sc, &f[HL]);
    const char *p = raw;
    size_t vals[128], nv = 0;
    while (*p && nv < 128) {
        if (*p >= '0' && *p <= '9') {
            char *end;
            vals[nv++] = strtoul(p, &end, 10);
            p = end;
        } else {
            p++;
        }
    }
    cr_assert_eq(nv % 2, 0, "odd number of highlight offsets: %s", raw);
    h->n_hl = nv / 2;
    for (size_t i = 0; i < h->n_hl; i++) {
        h->hl[i][0] = vals[2 * i];
        h->hl[i][1] = vals[2 * i + 1];
        cr_assert_lt(h->hl[i][0], h->hl[i][1], "empty or reversed span in %s", raw);
        cr_assert_leq(h->hl[i][1], h->snippet_len, "span past the snippet in %s", raw);
        if (i)
            cr_assert_leq(h->hl[i - 1][1], h->hl[i][0], "spans overlap or unsorted: %s", raw);
    }
    ns_buf_release(&sc);
}

/* Parses every line of --json output into hits (at most cap); checks ranks
 * count 1, 2, ... and scores never increase (per qid). */
static size_t parse_hits(const char *out, hit *hits, size_t cap)
{
    size_t n = 0;
    char *l;
    while ((l = line_at(out, n)) != NULL) {
        cr_assert_lt(n, cap, "more hits than expected");
        parse_hit(l, &hits[n]);
        if (n && !strcmp(hits[n].qid, hits[n - 1].qid)) {
            cr_assert_eq(hits[n].rank, hits[n - 1].rank + 1, "ranks not consecutive: %s", l);
            cr_assert_leq(hits[n].score, hits[n - 1].score, "scores increase: %s", l);
        } else {
            cr_assert_eq(hits[n].rank, 1, "first rank is not 1: %s", l);
        }
        free(l);
        n++;
    }
    return n;
}

/* Text output: the scores of the "N. [score] title" lines, in order. */
static size_t text_scores(const char *out, double *scores, size_t cap)
{
    size_t n = 0, i = 0;
    char *l;
    while ((l = line_at(out, i++)) != NULL) {
        long rank;
        double s;
        int used = 0;
        if (sscanf(l, "%ld. [%lf]%n", &rank, &s, &used) == 2 && used > 0) {
            cr_assert_lt(n, cap);
            cr_assert_eq(rank, (long)n + 1, "text ranks not consecutive: %s", l);
            scores[n++] = s;
        }
        free(l);
    }
    for (size_t k = 1; k < n; k++)
        cr_assert_leq(scores[k], scores[k - 1], "text scores increase at rank %zu", k + 1);
    return n;
}

/* True if some occurrence of word in s is preceded by an SGR escape
 * ("\033[...m") and directly followed by another escape. */
static int wrapped_in_sgr(const char *s, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = strstr(s, word); p; p = strstr(p + 1, word)) {
        if (p == s || p[-1] != 'm' || strncmp(p + wl, "\033[", 2) != 0)
            continue;
        for (const char *q = p - 1; q >= s && p - q < 16; q--) {
            if (q[0] == '\033' && q[1] == '[')
                return 1;
        }
    }
    return 0;
}

typedef struct stem_ctx {
    char term[NS_TOKEN_MAX_BYTES + 1];
    int n;
} stem_ctx;

static int on_token(void *ctx, const ns_token *t)
{
    stem_ctx *c = ctx;
    if (c->n++ == 0) {
        memcpy(c->term, t->term, t->term_len);
        c->term[t->term_len] = 0;
    }
    return 0;
}

/* The English stem of a one-word text (the test fails if it is not one word). */
static void stem_of(ns_analyzer *an, const char *s, size_t len, char *out)
{
    stem_ctx c = {{0}, 0};
    cr_assert_eq(ns_analyze(an, s, len, on_token, &c), NS_OK);
    cr_assert_eq(c.n, 1, "'%.*s' is not exactly one word", (int)len, s);
    strcpy(out, c.term);
}

/* ---- hits and formats ---- */

Test(cli_nsearch, article_five_first_hit_in_text)
{
    char *idx = corpus_index("article_five_text", NULL);
    tu_out o = NSEARCH("-i", idx, "Article Five");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.err);
    char *l0 = line_at(o.out, 0), *l1 = line_at(o.out, 1);
    cr_assert_not_null(l1, "fewer than two lines: %s", o.out);
    cr_assert(!strncmp(l0, "1. [", 4), "first line is not rank 1: %s", l0);
    cr_assert_str_eq(l1, "   " ARTICLE_FIVE_ID, "the first hit's id line: %s", l1);
    cr_assert(strstr(o.out, "Article Five"), "snippet lacks the phrase: %s", o.out);
    cr_assert_null(strchr(o.out, '\033'), "escape codes without a TTY: %s", o.out);
    double sc[16];
    cr_assert_geq(text_scores(o.out, sc, 16), 1);
    free(l0);
    free(l1);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, article_five_json_highlights_the_adjacent_words)
{
    char *idx = corpus_index("article_five_json", NULL);
    tu_out o = NSEARCH("-i", idx, "--json", "Article Five");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.err);
    hit hits[16];
    size_t n = parse_hits(o.out, hits, 16);
    cr_assert_geq(n, 1);
    hit *h = &hits[0];
    cr_assert_eq(h->rank, 1);
    cr_assert_str_eq(h->id, ARTICLE_FIVE_ID);
    cr_assert_gt(h->score, 0.0);
    cr_assert(strstr(h->snippet, "Article Five"), "snippet: %s", h->snippet);
    /* The spans applied to the snippet give "Article" and then "Five", one
     * space apart. */
    int found = 0;
    for (size_t i = 0; i + 1 < h->n_hl; i++) {
        const char *a = h->snippet + h->hl[i][0], *b = h->snippet + h->hl[i + 1][0];
        size_t al = h->hl[i][1] - h->hl[i][0], bl = h->hl[i + 1][1] - h->hl[i + 1][0];
        if (al == 7 && !memcmp(a, "Article", 7) && bl == 4 && !memcmp(b, "Five", 4) &&
            h->hl[i + 1][0] == h->hl[i][1] + 1 && h->snippet[h->hl[i][1]] == ' ')
            found = 1;
    }
    cr_assert(found, "no adjacent Article/Five spans in %s", o.out);
    /* Every span is one word of the query. */
    ns_analyzer *an;
    ns_err err;
    cr_assert_eq(ns_analyzer_new("english", &an, &err), NS_OK, "%s", err.msg);
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < hits[k].n_hl; i++) {
            char st[NS_TOKEN_MAX_BYTES + 1];
            stem_of(an, hits[k].snippet + hits[k].hl[i][0], hits[k].hl[i][1] - hits[k].hl[i][0], st);
            cr_assert(!strcmp(st, "articl") || !strcmp(st, "five"),
                      "hit %zu highlights a word that is not in the query (stem '%s')", k + 1, st);
        }
    }
    ns_analyzer_free(an);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, color_always_wraps_matches_in_escape_codes)
{
    char *idx = corpus_index("color_always", NULL);
    tu_out o = NSEARCH("-i", idx, "--color", "always", "Article Five");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(wrapped_in_sgr(o.out, "Article"), "'Article' not highlighted: %s", o.out);
    cr_assert(wrapped_in_sgr(o.out, "Five"), "'Five' not highlighted: %s", o.out);
    cr_assert(strstr(o.out, "\033[0m"), "no reset code: %s", o.out);
    cr_assert(strstr(o.out, ARTICLE_FIVE_ID), "the hit's id is missing: %s", o.out);
    tu_out_free(&o);
    /* --colour is an alias */
    o = NSEARCH("-i", idx, "--colour=always", "Article Five");
    cr_assert_eq(o.status, 0);
    cr_assert(wrapped_in_sgr(o.out, "Article"));
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, no_escape_codes_without_tty_or_with_no_color)
{
    char *idx = corpus_index("no_color", NULL);
    const char *modes[] = {NULL, "--color=auto", "--color=never"};
    for (size_t i = 0; i < 3; i++) {
        tu_out o = modes[i] ? NSEARCH("-i", idx, modes[i], "Article Five")
                            : NSEARCH("-i", idx, "Article Five");
        cr_assert_eq(o.status, 0);
        cr_assert_null(strchr(o.out, '\033'), "escape codes with %s: %s",
                       modes[i] ? modes[i] : "no --color", o.out);
        cr_assert_null(strchr(o.err, '\033'));
        tu_out_free(&o);
    }
    free(idx);
}

Test(cli_nsearch, stemmed_forms_are_highlighted)
{
    char *idx = corpus_index("stemmed_highlight", NULL);
    tu_out o = NSEARCH("-i", idx, "--json", "meeting");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    hit hits[16];
    size_t n = parse_hits(o.out, hits, 16);
    cr_assert_eq(n, 3, "every corpus document mentions a meeting: %s", o.out);
    ns_analyzer *an;
    ns_err err;
    cr_assert_eq(ns_analyzer_new("english", &an, &err), NS_OK, "%s", err.msg);
    char want[NS_TOKEN_MAX_BYTES + 1];
    stem_of(an, "meeting", 7, want);
    int exact = 0, other_form = 0;
    size_t spans = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < hits[k].n_hl; i++, spans++) {
            const char *w = hits[k].snippet + hits[k].hl[i][0];
            size_t wl = hits[k].hl[i][1] - hits[k].hl[i][0];
            char st[NS_TOKEN_MAX_BYTES + 1];
            stem_of(an, w, wl, st);
            cr_assert_str_eq(st, want, "highlighted '%.*s' does not stem like 'meeting'", (int)wl, w);
            if (wl == 7 && !memcmp(w, "meeting", 7))
                exact = 1;
            else
                other_form = 1;
        }
    }
    cr_assert_gt(spans, 0);
    cr_assert(exact, "no span is 'meeting': %s", o.out);
    cr_assert(other_form, "no other form ('meets', 'meetings', 'meet') highlighted: %s", o.out);
    ns_analyzer_free(an);
    tu_out_free(&o);
    free(idx);
}

/* A document whose whole body fits in the snippet is not marked as cut:
 * the text reader keeps the body's final newline, and the snippet must not
 * end in "…" because of it. */
Test(cli_nsearch, whole_short_body_snippet_has_no_ellipsis)
{
    char *dir = tu_tmpdir("short_body");
    char *docs = tu_path(dir, "docs");
    cr_assert_eq(mkdir(docs, 0777), 0);
    char *f = tu_path(docs, "a.txt");
    const char text[] = "A title\nthe whole body of a pangolin\n";
    cr_assert_eq(tu_write_file(f, text, strlen(text)), 0);
    char *idx = build_index_named(dir, "idx", docs);
    tu_out o = NSEARCH("-i", idx, "--json", "pangolin");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    hit h;
    char *l = line_at(o.out, 0);
    cr_assert_not_null(l);
    parse_hit(l, &h);
    cr_assert_str_eq(h.title, "A title");
    cr_assert_str_eq(h.snippet, "the whole body of a pangolin");
    free(l);
    tu_out_free(&o);
    free(idx);
    free(f);
    free(docs);
    free(dir);
}

/* ---- exit statuses ---- */

Test(cli_nsearch, no_match_exits_1_with_empty_stdout)
{
    char *idx = corpus_index("no_match", NULL);
    const char *fmts[] = {"--format=text", "--format=json", "--format=trec"};
    for (size_t i = 0; i < 3; i++) {
        tu_out o = NSEARCH("-i", idx, fmts[i], "zzzyyyxxx");
        cr_assert_eq(o.status, 1, "%s: status %d, stderr: %s", fmts[i], o.status, o.err);
        cr_assert_str_empty(o.out, "%s: stdout: %s", fmts[i], o.out);
        cr_assert_str_empty(o.err, "%s: stderr: %s", fmts[i], o.err);
        tu_out_free(&o);
    }
    free(idx);
}

/* A query whose words all vanish is no usage error: no hits (exit 1), one
 * line saying why, the normal empty result on stdout. */
static void assert_vanishes(const char *idx, const char *query, const char *why)
{
    const char *fmts[] = {"--format=text", "--json", "--format=trec"};
    for (size_t i = 0; i < 3; i++) {
        tu_out o = NSEARCH("-i", idx, fmts[i], query);
        cr_assert_eq(o.status, 1, "'%s' %s: status %d, stderr: %s", query, fmts[i], o.status, o.err);
        cr_assert_str_empty(o.out, "'%s' %s: stdout: %s", query, fmts[i], o.out);
        cr_assert(!strncmp(o.err, "nsearch: the query '", 20), "stderr: %s", o.err);
        cr_assert(strstr(o.err, query), "the query is not quoted back: %s", o.err);
        cr_assert(strstr(o.err, "has no searchable words"), "stderr: %s", o.err);
        cr_assert(strstr(o.err, why), "'%s': stderr: %s", query, o.err);
        cr_assert_eq(strchr(o.err, '\n'), o.err + strlen(o.err) - 1, "not one line: %s", o.err);
        tu_out_free(&o);
    }
    tu_out o = NSEARCH("-i", idx, "--json", "--count", query);
    cr_assert_eq(o.status, 1, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_eq(o.out, "{\"count\":0}\n");
    tu_out_free(&o);
}

Test(cli_nsearch, punctuation_only_query_exits_1_saying_why)
{
    char *idx = corpus_index("punct_only", NULL);
    assert_vanishes(idx, "!!! ???", "only punctuation, symbols or emoji");
    assert_vanishes(idx, "... -- ,", "only punctuation, symbols or emoji");
    free(idx);
}

Test(cli_nsearch, emoji_only_query_exits_1_saying_why)
{
    char *idx = corpus_index("emoji_only", NULL);
    assert_vanishes(idx, "\xf0\x9f\x99\x82 \xf0\x9f\x98\x80\xe2\x9c\x85",
                    "only punctuation, symbols or emoji");
    free(idx);
}

Test(cli_nsearch, stop_words_only_query_exits_1_saying_why)
{
    char *idx = corpus_index("stop_only", NULL); /* English: the default stop list */
    assert_vanishes(idx, "the of", "every word that is not excluded is a stop word");
    assert_vanishes(idx, "The OF, and!", "(built with --stopwords english)");
    free(idx);
}

/* In a --queries file such a query just has no results; the message names
 * the file, line and qid, and the other queries are answered. */
Test(cli_nsearch, queries_file_query_without_searchable_words_has_no_results)
{
    char *dir;
    char *idx = corpus_index("queries_vanish", &dir);
    char *qf = tu_path(dir, "q.txt");
    static const char q[] = "p1\t!!!\ns1\tthe of\nok\tArticle Five\n";
    cr_assert_eq(tu_write_file(qf, q, sizeof q - 1), 0);
    tu_out o = NSEARCH("-i", idx, "--queries", qf, "--format", "trec", "-k", "1");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(!strncmp(o.out, "ok Q0 ", 6) && !strchr(o.out, '\n')[1], "stdout: %s", o.out);
    cr_assert(strstr(o.err, "line 1: query p1: the query '!!!' has no searchable words"),
              "stderr: %s", o.err);
    cr_assert(strstr(o.err, "line 2: query s1: the query 'the of' has no searchable words"),
              "stderr: %s", o.err);
    tu_out_free(&o);
    /* only such queries: no hits, exit 1 */
    static const char q2[] = "p1\t!!!\n";
    cr_assert_eq(tu_write_file(qf, q2, sizeof q2 - 1), 0);
    o = NSEARCH("-i", idx, "--queries", qf, "--format", "trec");
    cr_assert_eq(o.status, 1, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.out);
    tu_out_free(&o);
    free(qf);
    free(idx);
    free(dir);
}

/* Syntax errors stay usage errors. */
Test(cli_nsearch, a_malformed_query_still_exits_2)
{
    char *idx = corpus_index("malformed", NULL);
    tu_out o = NSEARCH("-i", idx, "\"never closed");
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "bad query: column 1"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, bad_options_exit_2_with_a_hint)
{
    char *idx = corpus_index("bad_options", NULL);
    const char *cases[][3] = {
        {"-k", "-1", "Article"},          {"-k", "abc", "Article"},
        {"-k", "-3", "Article"},          {"-k", "1000001", "Article"},
        {"-k", "5x", "Article"},          {"--format", "xml", "Article"},
        {"--color", "sometimes", "Article"}, {"--bogus", "Article", NULL},
        {"-z", "Article", NULL},          {"--check", "Article", NULL},
        {"-k", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[8] = {(char *)NS_TEST_NSEARCH, (char *)"-i", idx};
        int n = 3;
        for (int j = 0; j < 3 && cases[i][j]; j++)
            argv[n++] = (char *)cases[i][j];
        argv[n] = NULL;
        tu_out o;
        cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
        cr_assert_eq(o.status, 2, "case %zu (%s %s): status %d", i, cases[i][0],
                     cases[i][1] ? cases[i][1] : "", o.status);
        cr_assert_str_empty(o.out, "case %zu: stdout: %s", i, o.out);
        cr_assert(!strncmp(o.err, "nsearch: ", 9), "case %zu: stderr: %s", i, o.err);
        cr_assert(strstr(o.err, "Try 'nsearch --help'"), "case %zu: stderr: %s", i, o.err);
        tu_out_free(&o);
    }
    /* no QUERY at all */
    tu_out o = NSEARCH("-i", idx);
    cr_assert_eq(o.status, 2);
    cr_assert(strstr(o.err, "Try 'nsearch --help'"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, help_and_version_exit_0_on_stdout)
{
    tu_out o = NSEARCH("--help");
    cr_assert_eq(o.status, 0);
    cr_assert(!strncmp(o.out, "Usage: nsearch", 14), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "Exit status"), "stdout: %s", o.out);
    cr_assert_str_empty(o.err);
    tu_out_free(&o);
    o = NSEARCH("-h");
    cr_assert_eq(o.status, 0);
    cr_assert(strstr(o.out, "Exit status"));
    tu_out_free(&o);
    o = NSEARCH("--version");
    cr_assert_eq(o.status, 0);
    cr_assert(!strncmp(o.out, "nsearch ", 8), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "index format"), "stdout: %s", o.out);
    cr_assert_str_empty(o.err);
    tu_out_free(&o);
}

Test(cli_nsearch, missing_index_exits_3_and_says_how_to_build_one)
{
    char *dir = tu_tmpdir("missing_index");
    char *idx = tu_path(dir, "nope");
    tu_out o = NSEARCH("-i", idx, "Article");
    cr_assert_eq(o.status, 3, "status %d", o.status);
    cr_assert_str_empty(o.out);
    cr_assert(strstr(o.err, idx), "the path is not named: %s", o.err);
    cr_assert(strstr(o.err, "nindex"), "no hint to build an index: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 3);
    tu_out_free(&o);
    free(idx);
    free(dir);
}

Test(cli_nsearch, directory_that_is_not_an_index_exits_3)
{
    char *dir = tu_tmpdir("not_an_index");
    char *other = tu_path(dir, "other");
    cr_assert_eq(mkdir(other, 0777), 0);
    char *f = tu_path(other, "notes.txt");
    cr_assert_eq(tu_write_file(f, "hello\n", 6), 0);
    tu_out o = NSEARCH("-i", other, "hello");
    cr_assert_eq(o.status, 3, "status %d", o.status);
    cr_assert_str_empty(o.out);
    cr_assert(strstr(o.err, "not an nsearch index"), "stderr: %s", o.err);
    tu_out_free(&o);
    /* an empty directory, and a regular file given as the index */
    char *empty = tu_path(dir, "empty");
    cr_assert_eq(mkdir(empty, 0777), 0);
    o = NSEARCH("-i", empty, "hello");
    cr_assert_eq(o.status, 3);
    cr_assert(strstr(o.err, "nsearch: "));
    tu_out_free(&o);
    o = NSEARCH("-i", f, "hello");
    cr_assert_eq(o.status, 3);
    cr_assert(strstr(o.err, "not an index"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(empty);
    free(f);
    free(other);
    free(dir);
}

/* ---- index selection ---- */

Test(cli_nsearch, index_option_overrides_environment)
{
    char *dir;
    char *a = corpus_index("index_env", &dir);
    char *jl = tu_path(dir, "b.jsonl");
    const char doc[] = "{\"id\":\"okapi-doc\",\"title\":\"Okapi\",\"body\":\"the okapi lives in forests\"}\n";
    cr_assert_eq(tu_write_file(jl, doc, strlen(doc)), 0);
    char *b = build_index_named(dir, "idx_b", jl);
    char *missing = tu_path(dir, "missing");

    cr_assert_eq(setenv("NSEARCH_INDEX", b, 1), 0);
    tu_out o = NSEARCH("--format=trec", "okapi");
    cr_assert_eq(o.status, 0, "$NSEARCH_INDEX is not used: %d %s", o.status, o.err);
    cr_assert(strstr(o.out, " okapi-doc 1 "), "stdout: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", a, "--format=trec", "okapi");
    cr_assert_eq(o.status, 1, "-i does not override $NSEARCH_INDEX: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("--index", a, "--format=trec", "Article Five");
    cr_assert_eq(o.status, 0);
    cr_assert(strstr(o.out, ARTICLE_FIVE_ID), "stdout: %s", o.out);
    tu_out_free(&o);

    cr_assert_eq(setenv("NSEARCH_INDEX", missing, 1), 0);
    o = NSEARCH("Article Five");
    cr_assert_eq(o.status, 3);
    cr_assert(strstr(o.err, missing), "stderr: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", a, "Article Five");
    cr_assert_eq(o.status, 0, "-i does not override a bad $NSEARCH_INDEX: %s", o.err);
    tu_out_free(&o);
    unsetenv("NSEARCH_INDEX");

    free(missing);
    free(b);
    free(jl);
    free(a);
    free(dir);
}

/* ---- --queries, -k, --check ---- */

Test(cli_nsearch, queries_file_in_trec_format)
{
    char *dir;
    char *idx = corpus_index("queries_trec", &dir);
    char *qf = tu_path(dir, "queries.txt");
    /* line 2 has no tab: its qid is its line number; line 4 is blank */
    const char q[] = "q1\tArticle Five\nmeeting NATO\nq3\tzzzyyyxxx\n\nq5\tRussia\n";
    cr_assert_eq(tu_write_file(qf, q, strlen(q)), 0);
    for (int k = 1; k <= 3; k++) {
        char ks[8];
        snprintf(ks, sizeof ks, "%d", k);
        tu_out o = NSEARCH("-i", idx, "--queries", qf, "--format", "trec", "-k", ks);
        cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
        cr_assert_str_empty(o.err);
        const char *order[] = {"q1", "2", "q5"};
        size_t oi = 0, n_in_q = 0, i = 0;
        char prev_qid[64] = "";
        double prev_score = 0;
        char *l;
        while ((l = line_at(o.out, i++)) != NULL) {
            char qid[64], q0[8], id[256], tag[32];
            long rank;
            double score;
            int used = 0;
            cr_assert_eq(sscanf(l, "%63s %7s %255s %ld %lf %31s%n", qid, q0, id, &rank, &score, tag,
                                &used),
                         6, "not a TREC line: %s", l);
            cr_assert_eq(l[used], 0, "trailing text: %s", l);
            cr_assert_str_eq(q0, "Q0");
            cr_assert_str_eq(tag, "nsearch");
            if (strcmp(qid, prev_qid) != 0) {
                cr_assert_lt(oi, 3, "unexpected qid %s", qid);
                cr_assert_str_eq(qid, order[oi], "qid %zu", oi);
                oi++;
                n_in_q = 0;
                snprintf(prev_qid, sizeof prev_qid, "%s", qid);
            } else {
                cr_assert_leq(score, prev_score, "scores increase: %s", l);
            }
            n_in_q++;
            cr_assert_eq(rank, (long)n_in_q, "rank: %s", l);
            cr_assert_leq(n_in_q, (size_t)k, "-k %d not honoured: %s", k, l);
            if (!strcmp(qid, "q1") && rank == 1)
                cr_assert_str_eq(id, ARTICLE_FIVE_ID);
            prev_score = score;
            free(l);
        }
        cr_assert_eq(oi, 3, "missing queries in: %s", o.out);
        cr_assert_null(strstr(o.out, "q3 "), "a query without hits printed lines");
        tu_out_free(&o);
    }
    /* the same through stdin, as JSON: every line carries its qid */
    tu_out o = tc_runv_in(q, NS_TEST_NSEARCH, "-i", idx, "--queries", "-", "--json", "-k", "1",
                    (const char *)NULL);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    hit hits[8];
    cr_assert_eq(parse_hits(o.out, hits, 8), 3, "stdout: %s", o.out);
    cr_assert_str_eq(hits[0].qid, "q1");
    cr_assert_str_eq(hits[1].qid, "2");
    cr_assert_str_eq(hits[2].qid, "q5");
    tu_out_free(&o);
    free(qf);
    free(idx);
    free(dir);
}

Test(cli_nsearch, queries_file_without_hits_exits_1)
{
    char *dir;
    char *idx = corpus_index("queries_nohits", &dir);
    char *qf = tu_path(dir, "queries.txt");
    const char q[] = "a\tzzzyyyxxx\nb\tqqqwwweee\n";
    cr_assert_eq(tu_write_file(qf, q, strlen(q)), 0);
    tu_out o = NSEARCH("-i", idx, "--queries", qf, "--format=trec");
    cr_assert_eq(o.status, 1, "status %d", o.status);
    cr_assert_str_empty(o.out);
    tu_out_free(&o);
    char *nofile = tu_path(dir, "absent.txt");
    o = NSEARCH("-i", idx, "--queries", nofile);
    cr_assert_eq(o.status, 4, "status %d", o.status);
    cr_assert(strstr(o.err, nofile), "stderr: %s", o.err);
    tu_out_free(&o);
    free(nofile);
    free(qf);
    free(idx);
    free(dir);
}

Test(cli_nsearch, top_k_limits_hits_in_text_and_json)
{
    char *idx = corpus_index("top_k", NULL);
    double sc[16];
    tu_out o = NSEARCH("-i", idx, "meeting");
    cr_assert_eq(o.status, 0);
    cr_assert_eq(text_scores(o.out, sc, 16), 3, "stdout: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "-k", "2", "meeting");
    cr_assert_eq(o.status, 0);
    cr_assert_eq(text_scores(o.out, sc, 16), 2, "stdout: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--top=1", "meeting");
    cr_assert_eq(o.status, 0);
    cr_assert_eq(text_scores(o.out, sc, 16), 1, "stdout: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "-k", "2", "--json", "meeting");
    cr_assert_eq(o.status, 0);
    hit hits[16];
    cr_assert_eq(parse_hits(o.out, hits, 16), 2, "stdout: %s", o.out);
    cr_assert_eq(count_lines(o.out), 2);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "-k", "1000000", "--json", "meeting NATO Russia");
    cr_assert_eq(o.status, 0);
    cr_assert_eq(parse_hits(o.out, hits, 16), 3, "stdout: %s", o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, check_on_a_sound_index_exits_0)
{
    char *idx = corpus_index("check_ok", NULL);
    tu_out o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.out, "is sound"), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "3 documents"), "stdout: %s", o.out);
    cr_assert_str_empty(o.err);
    tu_out_free(&o);
    free(idx);
}

/* ---- hostile stored text: nothing injected (issue 8) ---- */

/* A crawled corpus whose fields try to drive the terminal: OSC set-title,
 * clear-screen, SGR, BEL, CR, C1 controls (NEL, CSI) as UTF-8, bidi
 * overrides and isolates; and ids that break white-space records. */
static const char hostile_jsonl[] =
    "{\"id\":\"evil\\u001b]0;pwned\\u0007id\",\"title\":\"Title \\u001b[2J pangolin\\r\\u0085 "
    "\\u202eright\",\"body\":\"the pangolin \\u001b[31mred\\u001b[0m text\\rover \\u0007bell "
    "\\u009b2J c1 \\u2066iso\\u2069 back\\\\slash\",\"date\":\"2022\\u001b[8m\"}\n"
    "{\"id\":\"a b\",\"title\":\"space\",\"body\":\"pangolin two two\"}\n"
    "{\"id\":\"a\\tb\",\"title\":\"tab\",\"body\":\"pangolin three three three\"}\n"
    "{\"id\":\"a\\nb\",\"title\":\"newline\",\"body\":\"pangolin four four four four\"}\n"
    "{\"id\":\"100%\",\"title\":\"percent\",\"body\":\"pangolin five five five five five\"}\n"
    "{\"id\":\"c\\\\x09d\",\"title\":\"backslash\",\"body\":\"pangolin six six six six six six\"}\n";

static char *hostile_index(const char *test, char **dir_out)
{
    char *dir = tu_tmpdir(test);
    char *jl = tu_path(dir, "hostile.jsonl");
    cr_assert_eq(tu_write_file(jl, hostile_jsonl, strlen(hostile_jsonl)), 0);
    char *idx = build_index_named(dir, "idx", jl);
    free(jl);
    if (dir_out)
        *dir_out = dir;
    else
        free(dir);
    return idx;
}

/* Fails unless s has no control byte but '\n', no C1 control or bidi
 * control as UTF-8; ESC is allowed only as one of nsearch's own SGR codes
 * when `sgr` is set. */
static void assert_terminal_safe(const char *s, int sgr)
{
    static const char *const own[] = {"\033[0m", "\033[1m", "\033[2m", "\033[1;31m"};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\033' && sgr) {
            size_t k = 0;
            while (k < 4 && strncmp((const char *)p, own[k], strlen(own[k])) != 0)
                k++;
            cr_assert_lt(k, 4, "foreign escape at byte %td: %.20s", (const char *)p - s, p);
            continue;
        }
        cr_assert(*p >= 0x20 || *p == '\n', "control byte 0x%02x at byte %td: %s", *p,
                  (const char *)p - s, s);
        cr_assert(*p != 0x7f, "DEL at byte %td", (const char *)p - s);
        cr_assert(!(p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F), "C1 control at byte %td: %s",
                  (const char *)p - s, s);
        cr_assert(!(p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE),
                  "bidi embedding/override at byte %td", (const char *)p - s);
        cr_assert(!(p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9),
                  "bidi isolate at byte %td", (const char *)p - s);
    }
}

Test(cli_nsearch, text_output_escapes_control_and_bidi_characters)
{
    char *idx = hostile_index("hostile_text", NULL);
    tu_out o = NSEARCH("-i", idx, "pangolin");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    assert_terminal_safe(o.out, 0);
    cr_assert_null(strchr(o.out, '\033'), "ESC without --color: %s", o.out);
    /* the visible forms (ns_term.h) */
    cr_assert(strstr(o.out, "Title \\x1b[2J pangolin \\u0085 \\u202eright\n"), "title: %s", o.out);
    cr_assert(strstr(o.out, "\n   evil\\x1b]0;pwned\\x07id  2022\\x1b[8m\n"), "id, date: %s", o.out);
    cr_assert(strstr(o.out, "the pangolin \\x1b[31mred\\x1b[0m text over \\x07bell \\u009b2J c1 "
                            "\\u2066iso\\u2069 back\\slash\n"),
              "snippet: %s", o.out);
    /* ids: white space visible, a stored backslash doubled (unambiguous) */
    cr_assert(strstr(o.out, "\n   a b\n"), "%s", o.out);
    cr_assert(strstr(o.out, "\n   a\\x09b\n"), "%s", o.out);
    cr_assert(strstr(o.out, "\n   a\\x0ab\n"), "%s", o.out);
    cr_assert(strstr(o.out, "\n   c\\\\x09d\n"), "%s", o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, color_output_has_only_its_own_escape_codes)
{
    char *idx = hostile_index("hostile_color", NULL);
    tu_out o = NSEARCH("-i", idx, "--color=always", "pangolin");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    assert_terminal_safe(o.out, 1);
    /* highlights still wrap exactly the word, after escaped text */
    cr_assert(strstr(o.out, "\033[1mTitle \\x1b[2J \033[1;31mpangolin\033[0m\033[1m \\u0085 "),
              "title highlight: %s", o.out);
    cr_assert(strstr(o.out, "the \033[1;31mpangolin\033[0m \\x1b[31mred"), "snippet highlight: %s",
              o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, json_output_keeps_the_stored_text_escaped_as_json)
{
    char *idx = hostile_index("hostile_json", NULL);
    tu_out o = NSEARCH("-i", idx, "--json", "-k", "1", "text");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert_null(strchr(o.out, '\033'), "raw ESC in JSON: %s", o.out);
    hit h;
    char *l = line_at(o.out, 0);
    cr_assert_not_null(l);
    parse_hit(l, &h);
    cr_assert_str_eq(h.id, "evil\033]0;pwned\007id", "the id decodes to the stored bytes");
    free(l);
    tu_out_free(&o);
    free(idx);
}

/* Fails unless every line of out is a TREC line of exactly six fields;
 * stores the third field (the id) of line i in ids[i]. */
static size_t trec_lines(const char *out, char ids[][128], size_t cap)
{
    size_t n = 0;
    char *l;
    while ((l = line_at(out, n)) != NULL) {
        cr_assert_lt(n, cap);
        char f[7][128];
        int used = 0;
        int got = sscanf(l, "%127s %127s %127s %127s %127s %127s%n %127s", f[0], f[1], f[2], f[3],
                         f[4], f[5], &used, f[6]);
        cr_assert_eq(got, 6, "not six fields: '%s'", l);
        cr_assert_eq(strlen(l), (size_t)used, "trailing text: '%s'", l);
        cr_assert_str_eq(f[1], "Q0");
        strcpy(ids[n++], f[2]);
        free(l);
    }
    return n;
}

Test(cli_nsearch, trec_lines_have_six_fields_whatever_the_id)
{
    char *idx = hostile_index("hostile_trec", NULL);
    tu_out o = NSEARCH("-i", idx, "--format=trec", "pangolin");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    char ids[16][128];
    size_t n = trec_lines(o.out, ids, 16);
    cr_assert_eq(n, 6, "stdout: %s", o.out);
    const char *want[] = {"a%20b", "a%09b", "a%0Ab", "100%25", "c\\x09d", "evil%1B]0;pwned%07id"};
    for (size_t i = 0; i < 6; i++) {
        size_t k = 0;
        while (k < n && strcmp(ids[k], want[i]) != 0)
            k++;
        cr_assert_lt(k, n, "id %s missing: %s", want[i], o.out);
    }
    tu_out_free(&o);
    free(idx);
}

Test(cli_nsearch, qids_with_white_space_and_controls_stay_one_field)
{
    char *dir;
    char *idx = hostile_index("hostile_qid", &dir);
    char *qf = tu_path(dir, "q.tsv");
    /* a qid with spaces, one with ESC, one longer than 64 bytes (two that
     * differ only after byte 64 must stay apart) */
    const char q[] = "topic 1\tpangolin two\n"
                     "t\033[2J\tpangolin three\n"
                     "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqA\tfive\n"
                     "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqB\tsix\n";
    cr_assert_eq(tu_write_file(qf, q, strlen(q)), 0);
    tu_out o = NSEARCH("-i", idx, "--queries", qf, "--format=trec", "-k", "1");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    char ids[8][128];
    cr_assert_eq(trec_lines(o.out, ids, 8), 4, "stdout: %s", o.out);
    cr_assert(!strncmp(o.out, "topic%201 Q0 a%20b 1 ", 21), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "\nt%1B[2J Q0 a%09b 1 "), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "qqqqA Q0 100%25 1 "), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "qqqqB Q0 c\\x09d 1 "), "stdout: %s", o.out);
    tu_out_free(&o);
    /* the text format's query lines are escaped too */
    o = NSEARCH("-i", idx, "--queries", qf, "-k", "1");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    assert_terminal_safe(o.out, 0);
    cr_assert(!strncmp(o.out, "# query topic 1: pangolin two\n", 30), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "# query t\\x1b[2J: pangolin three\n"), "stdout: %s", o.out);
    tu_out_free(&o);
    free(qf);
    free(idx);
    free(dir);
}

/* ---- long queries ---- */

/* Word number i of a made-up vocabulary: "z" and three consonants (no
 * vowel, 's' or 'y', so the English stemmer keeps each as it is and no two
 * merge; none is a stop word). */
static void vocab_word(unsigned i, char w[6])
{
    static const char c[] = "bcdfghjklmnpqrtvwx"; /* 18 letters: 5,832 words */
    w[0] = 'z';
    w[1] = c[i / (18 * 18) % 18];
    w[2] = c[i / 18 % 18];
    w[3] = c[i % 18];
    w[4] = 0;
}

/* A query of the first n vocabulary words, each once. */
static char *distinct_query(unsigned n)
{
    ns_buf b;
    ns_buf_init(&b);
    for (unsigned i = 0; i < n; i++) {
        char w[6];
        vocab_word(i, w);
        ns_buf_printf(&b, "%s%s", i ? " " : "", w);
    }
    char *q = strdup(ns_buf_cstr(&b));
    ns_buf_release(&b);
    return q;
}

Test(cli_nsearch, more_than_1024_distinct_words_is_a_usage_error, .timeout = 60)
{
    char *dir;
    char *idx = corpus_index("too_many_terms", &dir);
    char *q = distinct_query(1025);
    tu_out o = NSEARCH("-i", idx, q);
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.out);
    cr_assert_str_eq(o.err, "nsearch: the query has more than 1024 distinct words; 1024 is the "
                            "limit\n");
    tu_out_free(&o);
    /* repeats do not count, and 1,024 are allowed (none of the made-up
     * words is in corpus/, "Article" is) */
    char *q1024 = distinct_query(1024), *q1023 = distinct_query(1023);
    char *q2 = malloc(2 * strlen(q1024) + 16);
    sprintf(q2, "%s %s", q1024, q1024);
    o = NSEARCH("-i", idx, "--format=trec", q2);
    cr_assert_eq(o.status, 1, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.err);
    tu_out_free(&o);
    sprintf(q2, "%s Article", q1023);
    o = NSEARCH("-i", idx, "--format=trec", q2);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.out, " " ARTICLE_FIVE_ID " "), "stdout: %s", o.out);
    tu_out_free(&o);
    free(q1024);
    free(q1023);
    /* in a query file, the message names the file and line */
    char *qf = tu_path(dir, "q.tsv");
    ns_buf b;
    ns_buf_init(&b);
    ns_buf_printf(&b, "q1\tArticle Five\nq2\t%s\n", q);
    cr_assert_eq(tu_write_file(qf, b.data, b.len), 0);
    o = NSEARCH("-i", idx, "--queries", qf, "--format=trec");
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    char want[512];
    snprintf(want, sizeof want,
             "nsearch: '%s' line 2: the query has more than 1024 distinct words; 1024 is the limit\n",
             qf);
    cr_assert_str_eq(o.err, want);
    cr_assert(strstr(o.out, "q1 Q0 " ARTICLE_FIVE_ID " 1 "), "the first query's hits: %s", o.out);
    tu_out_free(&o);
    ns_buf_release(&b);
    free(qf);
    free(q2);
    free(q);
    free(idx);
    free(dir);
}

/* 20,000 words, 1,000 distinct, each first seen in a shuffled order, then
 * repeated (1 + i % 39 times, word 0 more) in a shuffled tail: the same hits
 * and scores as the query with each word's repeats side by side. */
Test(cli_nsearch, long_query_merges_repeats_like_the_hand_merged_query, .timeout = 60)
{
    char *dir = tu_tmpdir("long_query");
    char *jl = tu_path(dir, "docs.jsonl");
    ns_buf docs;
    ns_buf_init(&docs);
    uint32_t rng = 12345;
    for (int d = 0; d < 60; d++) {
        ns_buf_printf(&docs, "{\"id\":\"d%d\",\"title\":\"doc %d\",\"body\":\"", d, d);
        for (int k = 0; k < 40; k++) {
            char w[6];
            vocab_word(tu_rng_next(&rng) % 1500, w);
            ns_buf_printf(&docs, "%s ", w);
        }
        ns_buf_puts(&docs, "\"}\n");
    }
    cr_assert_eq(tu_write_file(jl, docs.data, docs.len), 0);
    char *idx = build_index_named(dir, "idx", jl);
    enum { N_WORDS = 20000, N_DISTINCT = 1000 };
    static unsigned seq[N_WORDS];
    unsigned reps[N_DISTINCT], order[N_DISTINCT], total = 0;
    for (unsigned i = 0; i < N_DISTINCT; i++) {
        total += reps[i] = 1 + i % 39;
        order[i] = i;
    }
    reps[0] += N_WORDS - total;
    for (unsigned i = N_DISTINCT - 1; i > 0; i--) { /* Fisher-Yates */
        unsigned j = tu_rng_next(&rng) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    size_t n_seq = 0;
    for (unsigned i = 0; i < N_DISTINCT; i++)
        seq[n_seq++] = order[i];
    size_t tail = n_seq;
    for (unsigned i = 0; i < N_DISTINCT; i++)
        for (unsigned r = 1; r < reps[i]; r++)
            seq[n_seq++] = i;
    cr_assert_eq(n_seq, (size_t)N_WORDS);
    for (size_t i = N_WORDS - 1; i > tail; i--) {
        size_t j = tail + tu_rng_next(&rng) % (i - tail + 1);
        unsigned t = seq[i];
        seq[i] = seq[j];
        seq[j] = t;
    }
    /* 4 arguments, which nsearch joins with spaces (Linux limits one
     * argument to 128 KiB) */
    ns_buf arg[4], merged;
    for (int k = 0; k < 4; k++)
        ns_buf_init(&arg[k]);
    ns_buf_init(&merged);
    char w[6];
    for (size_t i = 0; i < N_WORDS; i++) {
        vocab_word(seq[i], w);
        ns_buf_printf(&arg[i * 4 / N_WORDS], "%s ", w);
    }
    for (unsigned i = 0; i < N_DISTINCT; i++) {
        vocab_word(order[i], w);
        for (unsigned r = 0; r < reps[order[i]]; r++)
            ns_buf_printf(&merged, "%s ", w);
    }
    char *argv[16] = {(char *)NS_TEST_NSEARCH, (char *)"-i", idx, (char *)"--format=trec",
                      (char *)"-k", (char *)"100"};
    int n = 6;
    for (int k = 0; k < 4; k++)
        argv[n++] = (char *)ns_buf_cstr(&arg[k]);
    argv[n] = NULL;
    tu_out a;
    cr_assert_eq(tu_run(argv, NULL, 0, 50, &a), 0);
    cr_assert_eq(a.status, 0, "status %d, stderr: %s", a.status, a.err);
    tu_out m = NSEARCH("-i", idx, "--format=trec", "-k", "100", ns_buf_cstr(&merged));
    cr_assert_eq(m.status, 0, "status %d, stderr: %s", m.status, m.err);
    cr_assert_eq(count_lines(a.out), 60, "every document matches: %s", a.out);
    cr_assert_str_eq(a.out, m.out);
    tu_out_free(&a);
    tu_out_free(&m);
    /* the parsed query itself: terms in order of first occurrence, counts */
    ns_buf all;
    ns_buf_init(&all);
    for (int k = 0; k < 4; k++)
        ns_buf_append(&all, arg[k].data, arg[k].len);
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    sr_query q;
    cr_assert_eq(sr_query_parse(ix, (const char *)all.data, all.len, &q, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(q.n, (size_t)N_DISTINCT);
    cr_assert_eq(q.n_words, (uint32_t)N_WORDS);
    for (unsigned i = 0; i < N_DISTINCT; i++) {
        vocab_word(order[i], w);
        cr_assert_str_eq(q.t[i].term, w, "term %u", i);
        cr_assert_eq(q.t[i].qtf, reps[order[i]], "qtf of term %u (%s)", i, w);
    }
    sr_query_release(&q);
    sr_index_close(ix);
    ns_buf_release(&all);
    for (int k = 0; k < 4; k++)
        ns_buf_release(&arg[k]);
    ns_buf_release(&merged);
    ns_buf_release(&docs);
    free(idx);
    free(jl);
    free(dir);
}

/* ---- option errors name what was given ---- */

#define TRY "Try 'nsearch --help' for more information.\n"
#define HINT "To search for words that start with '-', put them after '--': "

Test(cli_nsearch, option_errors_name_the_real_option)
{
    /* getopt permutes argv: the old message named the word before the
     * option ('oil') or the program's own path (-ax oil) */
    static const struct {
        const char *args[6];
        const char *err;
    } cases[] = {
        {{"-ax", "oil"}, "nsearch: invalid option '-a' in '-ax'\n" HINT "nsearch -- -ax oil\n" TRY},
        {{"-x"}, "nsearch: invalid option '-x'\n" TRY},
        {{"-5", "barrels"}, "nsearch: invalid option '-5'\n" HINT "nsearch -- -5 barrels\n" TRY},
        {{"-k", "3", "oil", "-opec", "--json", "crude price"},
         "nsearch: option '--json' after the query: options go before its first word (nsearch "
         "--json QUERY); to search for the text, write '\\--json'\n" TRY},
        {{"--bogus"}, "nsearch: invalid option '--bogus'\n" TRY},
        {{"--bogus=3", "oil"}, "nsearch: invalid option '--bogus'\n" HINT "nsearch -- --bogus=3 oil\n" TRY},
        {{"--top"}, "nsearch: option '--top' needs an argument\n" TRY},
        {{"--to"}, "nsearch: option '--top' needs an argument\n" TRY},
        /* everything from the first word on is the query; a long option there
         * is named */
        {{"oil", "--format"}, "nsearch: option '--format' after the query: options go before its "
                              "first word (nsearch --format QUERY); to search for the text, write "
                              "'\\--format'\n" TRY},
        {{"--json=yes", "oil"}, "nsearch: option '--json' takes no argument\n" TRY},
        /* the options it may mean, in --help order */
        {{"--c", "oil"}, "nsearch: option '--c' is ambiguous (--count, --color, --colour, --check)\n" TRY},
        /* the first error is the one reported */
        {{"-x", "-k", "abc", "oil"}, "nsearch: invalid option '-x'\n" HINT "nsearch -k abc -- -x oil\n" TRY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[10] = {(char *)NS_TEST_NSEARCH, (char *)"-i", (char *)"/nonexistent/idx"};
        int n = 3;
        for (int j = 0; j < 6 && cases[i].args[j]; j++)
            argv[n++] = (char *)cases[i].args[j];
        argv[n] = NULL;
        tu_out o;
        cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
        cr_assert_eq(o.status, 2, "case %zu: status %d", i, o.status);
        cr_assert_str_empty(o.out, "case %zu", i);
        /* -i /nonexistent/idx is an option the hint keeps */
        const char *want = cases[i].err;
        char buf[512];
        const char *h = strstr(want, HINT "nsearch");
        if (h) {
            size_t pre = (size_t)(h - want) + strlen(HINT "nsearch");
            snprintf(buf, sizeof buf, "%.*s -i /nonexistent/idx%s", (int)pre, want, want + pre);
            want = buf;
        }
        cr_assert_str_eq(o.err, want, "case %zu", i);
        tu_out_free(&o);
    }
}

Test(cli_nsearch, words_after_double_dash_are_searched)
{
    char *idx = corpus_index("double_dash", NULL);
    /* a query that starts with an exclusion goes after '--' */
    tu_out o = NSEARCH("-i", idx, "--format=trec", "--", "-zebra", "Article", "Five");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.out, " " ARTICLE_FIVE_ID " 1 "), "stdout: %s", o.out);
    tu_out_free(&o);
    /* escaped, '-' is a character (punctuation: nothing to search for) */
    o = NSEARCH("-i", idx, "--format=trec", "--", "\\-Article", "\\-\\-Five");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.out, " " ARTICLE_FIVE_ID " 1 "), "stdout: %s", o.out);
    tu_out_free(&o);
    /* options after the words do not count: the query starts at its first word */
    o = NSEARCH("-i", idx, "Article", "Five", "--format=trec", "-k", "1");
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "option '--format' after the query"), "stderr: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--format=trec", "-k", "1", "Article", "Five");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert_eq(count_lines(o.out), 1, "stdout: %s", o.out);
    tu_out_free(&o);
    free(idx);
}

/* ---- unreadable indexes and unwritable output ---- */

/* Runs nsearch with the arguments as user nobody when root (for whom
 * chmod denies nothing), through setpriv; skips the test when it cannot. */
static tu_out nsearch_unprivileged(const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *argv[12];
    int n = 0;
    if (geteuid() == 0) {
        if (access("/usr/bin/setpriv", X_OK) != 0)
            cr_skip("SKIPPED: running as root without /usr/bin/setpriv: cannot make a file unreadable");
        argv[n++] = (char *)"/usr/bin/setpriv";
        argv[n++] = (char *)"--reuid=65534";
        argv[n++] = (char *)"--regid=65534";
        argv[n++] = (char *)"--clear-groups";
    }
    argv[n++] = (char *)NS_TEST_NSEARCH;
    const char *rest[] = {a1, a2, a3, a4};
    for (int i = 0; i < 4 && rest[i]; i++)
        argv[n++] = (char *)rest[i];
    argv[n] = NULL;
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    return o;
}

Test(cli_nsearch, check_of_an_unreadable_index_is_an_io_error)
{
    char *idx = corpus_index("check_unreadable", NULL);
    char *post = tu_path(idx, "postings");
    /* the index as nobody sees it, before: sound */
    tu_out o = nsearch_unprivileged("--check", "-i", idx, NULL);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    cr_assert_eq(chmod(post, 0), 0);
    char want[1024];
    snprintf(want, sizeof want, "nsearch: cannot open '%s': Permission denied\n", post);
    o = nsearch_unprivileged("--check", "-i", idx, NULL);
    cr_assert_eq(o.status, 4, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.out);
    cr_assert_str_eq(o.err, want, "stderr: %s", o.err);
    tu_out_free(&o);
    o = nsearch_unprivileged("-i", idx, "Article", NULL); /* as a search says */
    cr_assert_eq(o.status, 4, "status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    cr_assert_eq(chmod(post, 0644), 0);
    free(post);
    free(idx);
}

Test(cli_nsearch, check_does_not_hang_on_a_fifo_in_the_index)
{
    char *idx = corpus_index("check_fifo", NULL);
    char *post = tu_path(idx, "postings");
    cr_assert_eq(unlink(post), 0);
    cr_assert_eq(mkfifo(post, 0644), 0);
    tu_out o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 3, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "postings' is not a regular file"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(post);
    free(idx);
}

/* Runs nsearch with stdout on /dev/full (through sh, which opens it). */
static tu_out nsearch_to_full(const char *a1, const char *a2, const char *a3, const char *a4,
                              const char *a5)
{
    if (access("/dev/full", W_OK) != 0)
        cr_skip("no /dev/full");
    char *argv[10] = {(char *)"/bin/sh", (char *)"-c", (char *)"exec \"$0\" \"$@\" >/dev/full",
                      (char *)NS_TEST_NSEARCH};
    int n = 4;
    const char *rest[] = {a1, a2, a3, a4, a5};
    for (int i = 0; i < 5 && rest[i]; i++)
        argv[n++] = (char *)rest[i];
    argv[n] = NULL;
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    return o;
}

Test(cli_nsearch, write_errors_exit_4_whatever_was_written)
{
    char *dir;
    char *idx = corpus_index("write_errors", &dir);
    char *qf = tu_path(dir, "q.tsv");
    cr_assert_eq(tu_write_file(qf, "q1\tArticle Five\nq2\tmeeting\n", 27), 0);
    const char *cases[][5] = {
        {"--check", "-i", idx},
        {"-i", idx, "Article Five"},
        {"-i", idx, "--format=trec", "meeting"},
        {"-i", idx, "--json", "meeting"},
        {"-i", idx, "--queries", qf},
        {"--help"},
        {"--version"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_out o = nsearch_to_full(cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4]);
        cr_assert_eq(o.status, 4, "case %zu (%s): status %d, stderr: %s", i, cases[i][0], o.status,
                     o.err);
        cr_assert(!strncmp(o.err, "nsearch: cannot write", 21), "case %zu: stderr: %s", i, o.err);
        cr_assert(strstr(o.err, ": No space left on device\n"), "case %zu: stderr: %s", i, o.err);
        cr_assert_eq(count_lines(o.err), 1, "case %zu: one message: %s", i, o.err);
        tu_out_free(&o);
    }
    free(qf);
    free(idx);
    free(dir);
}

/* --no-snippets: JSON lines without snippet and highlights, the same
 * ranks, ids, titles and scores; text without the snippet lines; TREC as
 * without the flag. */
Test(cli_nsearch, no_snippets_drops_the_passages_and_nothing_else)
{
    char *idx = corpus_index("no_snippets", NULL);
    tu_out with = NSEARCH("-i", idx, "--json", "article", "president");
    tu_out without = NSEARCH("-i", idx, "--json", "--no-snippets", "article", "president");
    cr_assert_eq(with.status, 0, "stderr: %s", with.err);
    cr_assert_eq(without.status, 0, "stderr: %s", without.err);
    cr_assert_str_empty(without.err);
    cr_assert(strstr(with.out, "\"snippet\":"), "%s", with.out);
    cr_assert_null(strstr(without.out, "\"snippet\""), "%s", without.out);
    cr_assert_null(strstr(without.out, "\"highlights\""), "%s", without.out);
    ns_buf cut;
    ns_buf_init(&cut);
    size_t lines = 0;
    for (const char *l = with.out; *l; lines++) {
        const char *nl = strchr(l, '\n'), *sn = strstr(l, ",\"snippet\":");
        cr_assert(nl && sn && sn < nl, "%s", l);
        ns_buf_append(&cut, l, (size_t)(sn - l));
        ns_buf_puts(&cut, "}\n");
        l = nl + 1;
    }
    cr_assert_geq(lines, 2, "%s", with.out);
    cr_assert_str_eq(ns_buf_cstr(&cut), without.out);
    ns_buf_release(&cut);
    tu_out_free(&with);
    tu_out_free(&without);

    with = NSEARCH("-i", idx, "article", "five");
    without = NSEARCH("-i", idx, "--no-snippets", "article", "five");
    cr_assert_eq(without.status, 0, "stderr: %s", without.err);
    ns_buf_init(&cut);
    size_t line = 0;
    for (const char *l = with.out; *l; line++) { /* title, id, snippet, blank */
        const char *nl = strchr(l, '\n');
        cr_assert(nl);
        if (line % 4 != 2)
            ns_buf_append(&cut, l, (size_t)(nl + 1 - l));
        else
            cr_assert(!strncmp(l, "   ", 3) && nl - l > 3, "not a snippet line: %.*s", (int)(nl - l), l);
        l = nl + 1;
    }
    cr_assert_str_eq(ns_buf_cstr(&cut), without.out);
    cr_assert_lt(strlen(without.out), strlen(with.out));
    ns_buf_release(&cut);
    tu_out_free(&with);
    tu_out_free(&without);

    with = NSEARCH("-i", idx, "--format", "trec", "article", "five");
    without = NSEARCH("-i", idx, "--format", "trec", "--no-snippets", "article", "five");
    cr_assert_eq(with.status, 0);
    cr_assert_neq(with.out_len, 0);
    cr_assert_str_eq(with.out, without.out);
    tu_out_free(&with);
    tu_out_free(&without);

    tu_out h = NSEARCH("--help");
    cr_assert(strstr(h.out, "--no-snippets"), "%s", h.out);
    tu_out_free(&h);
    free(idx);
}
