/* The query language on the command line (issue 10): operators reach the
 * search (oil -opec without '--'), malformed queries exit 2 naming the
 * column, --count / -k 0 / --offset, --literal, --show-query,
 * --help-syntax, the prefix cap's warning, and --queries lines with
 * syntax. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ns_buf.h"
#include "tutil.h"

#define TIMEOUT_S 60

#include "tcli.h"

/* An index of the JSON Lines docs, built with --field field unless NULL.
 * Returns: owned, the index directory. */
static char *index_of(const char *name, const char *docs, const char *field)
{
    char *dir = tu_tmpdir(name);
    char *src = tu_path(dir, "docs.jsonl");
    cr_assert_eq(tu_write_file(src, docs, strlen(docs)), 0);
    char *idx = tu_path(dir, "idx");
    tu_out o = field ? NINDEX("-q", "--field", field, "-o", idx, src) : NINDEX("-q", "-o", idx, src);
    cr_assert_eq(o.status, 0, "nindex: %s", o.err);
    tu_out_free(&o);
    free(src);
    free(dir);
    return idx;
}

static char *make_index(const char *name)
{
    const char *docs =
        "{\"id\":\"d1\",\"title\":\"Oil prices rise\",\"body\":\"Crude oil prices rose as OPEC met.\"}\n"
        "{\"id\":\"d2\",\"title\":\"Oil output\",\"body\":\"Oil output fell; prices of oil are steady.\"}\n"
        "{\"id\":\"d3\",\"title\":\"Gas\",\"body\":\"Natural gas prices and oil.\"}\n"
        "{\"id\":\"d4\",\"title\":\"Bank of England\",\"body\":\"The Bank of England held rates.\"}\n"
        "{\"id\":\"d5\",\"title\":\"Petroleum\",\"body\":\"Petroleum and petrol exports of the bank.\"}\n";
    return index_of(name, docs, NULL);
}

/* The ids of a TREC run, in order, space separated. */
static char *ids(const char *run)
{
    char *out = calloc(strlen(run) + 1, 1);
    const char *p = run;
    while (*p) {
        char id[64];
        if (sscanf(p, "%*s %*s %63s", id) == 1) {
            if (*out)
                strcat(out, " ");
            strcat(out, id);
        }
        p += strcspn(p, "\n");
        if (*p)
            p++;
    }
    return out;
}

static void run_is(const char *idx, const char *query, int status, const char *want)
{
    tu_out o = NSEARCH("-i", idx, "--format=trec", "--", query);
    cr_assert_eq(o.status, status, "'%s': status %d, stderr: %s", query, o.status, o.err);
    char *got = ids(o.out);
    cr_assert_str_eq(got, want, "'%s'", query);
    free(got);
    tu_out_free(&o);
}

Test(cli_query, operators_change_what_matches)
{
    char *idx = make_index("q_ops");
    run_is(idx, "oil", 0, "d2 d1 d3");
    run_is(idx, "oil -opec", 0, "d2 d3");
    run_is(idx, "oil NOT opec", 0, "d2 d3");
    run_is(idx, "\"oil prices\"", 0, "d1");
    run_is(idx, "\"prices of oil\"", 0, "d3 d2"); /* any stop word fills the gap: "prices and oil" */
    run_is(idx, "\"bank of england\"", 0, "d4");
    run_is(idx, "\"oil prices\"~2", 0, "d1 d2");
    run_is(idx, "gas AND oil", 0, "d3");
    run_is(idx, "+gas oil", 0, "d3");
    run_is(idx, "(gas OR opec) AND prices", 0, "d3 d1");
    run_is(idx, "oil -(gas OR opec)", 0, "d2");
    run_is(idx, "title:oil", 0, "d1 d2"); /* tf 1, equal lengths: the first indexed first */
    run_is(idx, "body:oil", 0, "d2 d3 d1");
    run_is(idx, "body:gas", 0, "d3");
    run_is(idx, "title:gas", 0, "d3");
    run_is(idx, "title:bank", 0, "d4");
    run_is(idx, "petrol*", 0, "d5");
    run_is(idx, "zebra -oil", 1, "");
    free(idx);
}

Test(cli_query, oil_minus_opec_needs_no_double_dash)
{
    char *idx = make_index("q_nodash");
    tu_out o = NSEARCH("-i", idx, "--format=trec", "oil", "-opec");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    char *got = ids(o.out);
    cr_assert_str_eq(got, "d2 d3");
    free(got);
    tu_out_free(&o);
    /* a query that starts with '-' still needs '--', and the message says so */
    o = NSEARCH("-i", idx, "-opec", "oil");
    cr_assert_eq(o.status, 2);
    cr_assert(strstr(o.err, "put them after '--'"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(idx);
}

Test(cli_query, malformed_queries_exit_2_with_the_column)
{
    char *idx = make_index("q_bad");
    static const struct {
        const char *q, *msg;
    } cases[] = {
        {"oil \"prices", "nsearch: bad query: column 5: '\"' is never closed"},
        {"(oil", "nsearch: bad query: column 1: '(' is never closed"},
        {"oil AND", "nsearch: bad query: column 5: 'AND' with nothing after it"},
        {"-oil", "nsearch: bad query: column 1: only exclusions"},
        {"topics:crude", "nsearch: bad query: column 1: unknown field 'topics'"},
        /* a hostile byte is shown escaped, never raw */
        {"ab\x1b[2Jc*", "nsearch: bad query: column 1: a prefix is letters and digits only: "
                        "'ab\\x1b[2Jc*' is not"},
        {"x \"q1 q2 q3 q4 q5 q6 q7 q8 q9 q10 q11 q12 q13 q14 q15 q16 q17 q18 q19 q20 q21 q22 q23 q24 q25 q26 q27 q28 q29 q30 q31 q32 q33\"~3",
         "nsearch: bad query: column 3: a sloppy phrase of more than 32 words"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_out o = NSEARCH("-i", idx, "--", cases[i].q);
        cr_assert_eq(o.status, 2, "'%s': status %d", cases[i].q, o.status);
        cr_assert_str_empty(o.out);
        cr_assert(!strncmp(o.err, cases[i].msg, strlen(cases[i].msg)), "'%s': %s", cases[i].q,
                  o.err);
        cr_assert_eq(strchr(o.err, '\n'), o.err + strlen(o.err) - 1, "one line: %s", o.err);
        cr_assert_null(strchr(o.err, '\x1b'), "a raw escape: %s", o.err);
        tu_out_free(&o);
    }
    /* a phrase of 257 words: refused, bounded work */
    ns_buf big;
    ns_buf_init(&big);
    ns_buf_putc(&big, '"');
    for (int i = 0; i < 257; i++)
        ns_buf_puts(&big, "oil ");
    ns_buf_putc(&big, '"');
    tu_out o2 = NSEARCH("-i", idx, ns_buf_cstr(&big));
    cr_assert_eq(o2.status, 2);
    cr_assert(strstr(o2.err, "column 1: a phrase of more than 256 words"), "%s", o2.err);
    tu_out_free(&o2);
    ns_buf_release(&big);
    /* the same in a query file names the file and line, and stops there */
    char *dir = tu_tmpdir("q_bad_file");
    char *qf = tu_path(dir, "q.tsv");
    const char *qs = "1\toil\n2\t\"oil\n3\tgas\n";
    cr_assert_eq(tu_write_file(qf, qs, strlen(qs)), 0);
    tu_out o = NSEARCH("-i", idx, "--format=trec", "--queries", qf);
    cr_assert_eq(o.status, 2);
    cr_assert(strstr(o.err, "line 2: bad query: column 1:"), "stderr: %s", o.err);
    cr_assert(strstr(o.out, "1 Q0 d2 1 "), "the first query was answered: %s", o.out);
    tu_out_free(&o);
    free(qf);
    free(dir);
    free(idx);
}

Test(cli_query, literal_searches_the_words_as_they_are)
{
    char *idx = make_index("q_literal");
    tu_out o = NSEARCH("-i", idx, "--format=trec", "--literal", "--", "\"oil", "-opec", "AND");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    char *got = ids(o.out);
    cr_assert_str_eq(got, "d1 d2 d3"); /* opec is searched, not excluded */
    free(got);
    tu_out_free(&o);
    free(idx);
}

Test(cli_query, count_offset_and_k_zero)
{
    char *idx = make_index("q_count");
    tu_out o = NSEARCH("-i", idx, "--count", "-k", "0", "oil");
    cr_assert_eq(o.status, 0);
    cr_assert_str_eq(o.out, "3 matches\n");
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "-k", "0", "zebra");
    cr_assert_eq(o.status, 1);
    cr_assert_str_eq(o.out, "0 matches\n");
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--json", "--count", "-k", "1", "--no-snippets", "oil");
    cr_assert_eq(o.status, 0);
    cr_assert(!strncmp(o.out, "{\"count\":3}\n{\"rank\":1,", 22), "%s", o.out);
    tu_out_free(&o);
    /* pages: hits 2.. of the same ranking, ranks numbered on */
    o = NSEARCH("-i", idx, "--format=trec", "--offset", "1", "-k", "5", "oil");
    cr_assert_eq(o.status, 0);
    char *got = ids(o.out);
    cr_assert_str_eq(got, "d1 d3");
    cr_assert(strstr(o.out, " d1 2 "), "%s", o.out);
    free(got);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--offset", "3", "oil");
    cr_assert_eq(o.status, 1, "past the last hit: none");
    tu_out_free(&o);
    /* TREC: the count on stderr, per query of a query file */
    char *qf = tu_path(idx, "../q.tsv");
    cr_assert_eq(tu_write_file(qf, "a\toil\nb\tgas\n", 12), 0);
    o = NSEARCH("-i", idx, "--format=trec", "--count", "-k", "1", "--queries", qf);
    cr_assert_eq(o.status, 0);
    cr_assert_str_eq(o.err, "nsearch: count: query a: 3\nnsearch: count: query b: 1\n");
    cr_assert(strstr(o.out, "a Q0 d2 1 ") && strstr(o.out, "b Q0 d3 1 "), "%s", o.out);
    tu_out_free(&o);
    free(qf);
    o = NSEARCH("-i", idx, "--offset", "x", "oil");
    cr_assert_eq(o.status, 2);
    tu_out_free(&o);
    free(idx);
}

Test(cli_query, show_query_prints_the_analysed_tree)
{
    char *idx = make_index("q_show");
    tu_out o = NSEARCH("-i", idx, "--show-query", "--",
                       "Oil -\"crude oil\"~2 +(gas OR zebra) the petrol* title:bank");
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    static const char *const want[] = {
        "AND (every + clause",
        "  'Oil' -> term oil (df 3, idf ",
        "  -'\"crude oil\"~2' -> sloppy phrase (slop 2): crude (df 1, ",
        "  +OR (any clause",
        "    'zebra' -> term zebra (not in the index)",
        "  'petrol*' -> prefix: 2 terms; term petrol (df 1, ",
        "  'petrol*' -> term petroleum (df 1, ",
        "  'title:bank' -> title:term bank (df 2,",
        "left out: 'the' (stop words only)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(o.out, want[i]), "no '%s' in:\n%s", want[i], o.out);
    tu_out_free(&o);
    /* the same for tools */
    o = NSEARCH("-i", idx, "--show-query", "--json", "--", "oil -\"crude oil\"~2 petrol* the");
    cr_assert_eq(o.status, 0, "%s", o.err);
    static const char *const want_json[] = {
        "{\"query\":\"oil -\\\"crude oil\\\"~2 petrol* the\",\"default\":\"or\",\"root\":{\"type\":\"or\"",
        "{\"type\":\"term\",\"occur\":\"should\",\"text\":\"oil\",\"qtf\":1,\"terms\":[{\"term\":\"oil\",\"df\":3,",
        "{\"type\":\"phrase\",\"occur\":\"not\",\"text\":\"\\\"crude oil\\\"~2\",\"slop\":2,\"offsets\":[0,1]",
        "\"from_prefix\":true",
        "\"left_out\":[\"the\"]}\n",
    };
    for (size_t i = 0; i < sizeof want_json / sizeof want_json[0]; i++)
        cr_assert(strstr(o.out, want_json[i]), "no '%s' in:\n%s", want_json[i], o.out);
    cr_assert_eq(strchr(o.out, '\n'), o.out + strlen(o.out) - 1, "one line: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("--help-syntax");
    cr_assert_eq(o.status, 0);
    cr_assert(strstr(o.out, "\"bank of england\"") && strstr(o.out, "petrol*"), "%s", o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_query, a_prefix_with_too_many_terms_keeps_the_most_frequent_and_says_so)
{
    char *dir = tu_tmpdir("q_cap");
    char *src = tu_path(dir, "docs");
    cr_assert_eq(mkdir(src, 0755), 0);
    char *a = tu_path(src, "a.txt"), *second = tu_path(src, "b.txt");
    cr_assert_eq(tu_write_file(second, "xq1099\n", 7), 0);
    ns_buf b;
    ns_buf_init(&b);
    ns_buf_puts(&b, "many words\n"); /* the title: the words are the body */
    for (int i = 0; i < 1100; i++)
        ns_buf_printf(&b, "xq%04d ", i);
    ns_buf_puts(&b, "xq0007 xq0007\n");
    cr_assert_eq(tu_write_file(a, (const char *)b.data, b.len), 0);
    ns_buf_release(&b);
    char *idx = tu_path(dir, "idx");
    tu_out o = NINDEX("-q", "-o", idx, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--format=trec", "xq*");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.err, "nsearch: warning: 'xq*' matches more than 1024 terms; searching "
                            "the 1024 most frequent (the limit)\n"), "stderr: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--show-query", "xq*");
    cr_assert(strstr(o.out, "prefix: 1100 terms, the 1024 most frequent searched"), "%s", o.out);
    cr_assert(strstr(o.out, "xq1099 (df 2"), "the most frequent is kept: %s", o.out);
    cr_assert(!strstr(o.out, "xq1098 "), "a least frequent one is not: %s", o.out);
    tu_out_free(&o);
    free(idx);
    free(a);
    free(second);
    free(src);
    free(dir);
}

Test(cli_query, keyword_fields_filter)
{
    const char *docs =
        "{\"id\":\"k1\",\"title\":\"Oil\",\"body\":\"oil oil\",\"topics\":[\"crude\",\"nat-gas\"]}\n"
        "{\"id\":\"k2\",\"title\":\"Oil\",\"body\":\"oil\",\"topics\":[\"crude\"]}\n"
        "{\"id\":\"k3\",\"title\":\"Gas\",\"body\":\"gas and oil\",\"topics\":\"nat-gas\"}\n"
        "{\"id\":\"k4\",\"title\":\"Cocoa\",\"body\":\"cocoa\"}\n";
    char *idx = index_of("q_keyword", docs, "topics");
    tu_out o;
    run_is(idx, "topics:crude", 0, "k1 k2"); /* a filter: score 0, in doc order */
    run_is(idx, "oil +topics:nat-gas", 0, "k1 k3");
    run_is(idx, "oil -topics:crude", 0, "k3");
    run_is(idx, "topics:\"nat-gas\"", 0, "k1 k3");
    run_is(idx, "topics:(crude OR nat-gas) -gas", 0, "k1 k2");
    run_is(idx, "topics:na*", 0, "k1 k3");
    run_is(idx, "topics:Crude", 1, ""); /* exact values: no case folding */
    o = NSEARCH("-i", idx, "--format=trec", "oil topics:crude");
    cr_assert_eq(o.status, 0);
    cr_assert(strstr(o.out, "1 Q0 k1 1 ") && strstr(o.out, "1 Q0 k3 "), "%s", o.out);
    tu_out_free(&o);
    /* oil scores, the filter does not: k1's score is oil's alone */
    tu_out a = NSEARCH("-i", idx, "--format=trec", "+oil +topics:crude");
    tu_out b = NSEARCH("-i", idx, "--format=trec", "oil");
    cr_assert_eq(a.status, 0);
    char sa[32] = "", sb[32] = "";
    cr_assert_eq(sscanf(a.out, "1 Q0 k1 1 %31s", sa), 1, "%s", a.out);
    cr_assert_eq(sscanf(b.out, "1 Q0 k1 1 %31s", sb), 1, "%s", b.out);
    cr_assert_str_eq(sa, sb);
    tu_out_free(&a);
    tu_out_free(&b);
    o = NSEARCH("-i", idx, "--", "colour:red");
    cr_assert_eq(o.status, 2);
    cr_assert(strstr(o.err, "unknown field 'colour': index '") &&
              strstr(o.err, "has the fields title, body, topics"), "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--show-query", "topics:crude");
    cr_assert(strstr(o.out, "keyword (a filter: scores 0) topics=crude (df 2"), "%s", o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_query, explain_sums_to_the_score)
{
    char *idx = make_index("q_explain");
    tu_out o = NSEARCH("-i", idx, "--explain", "--no-snippets", "-k", "3", "--",
                       "oil \"prices of oil\" -opec title:gas");
    cr_assert_eq(o.status, 0, "%s", o.err);
    /* each hit: "N. [score] title", its id, then the group line and one line per clause */
    const char *p = o.out;
    int hits = 0;
    while ((p = strstr(p, ". ["))) {
        double score = atof(p + 3), total = 0, sum = 0;
        const char *g = strstr(p, " or ");
        cr_assert(g, "%s", p);
        const char *line = g;
        while (line > o.out && line[-1] != '\n')
            line--;
        total = atof(line);
        cr_assert(fabs(total - score) < 1e-4, "total %f, score %f", total, score);
        const char *c = strchr(g, '\n') + 1;
        while (*c && *c != '\n') { /* the clause lines, up to the blank line */
            const char *v = c + strspn(c, " +");
            if (strncmp(v, "excluded", 8) != 0)
                sum += atof(v);
            c = strchr(c, '\n') + 1;
        }
        cr_assert(fabs(sum - score) < 1e-4, "clauses sum to %f, score %f:\n%s", sum, score, o.out);
        cr_assert(strstr(g, "term oil = idf ") && strstr(g, "excluded term opec"), "%s", g);
        hits++;
        p = c;
    }
    cr_assert_eq(hits, 2, "d3 and d2; d1 has opec: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--json", "--explain", "--no-snippets", "-k", "1", "\"prices of oil\"");
    cr_assert(strstr(o.out, "\"explain\":{\"occur\":\"should\",\"matched\":true,\"score\":") &&
              strstr(o.out, "\"type\":\"phrase\",\"clause\":\"\\\"prices of oil\\\"\",\"idf\":") &&
              strstr(o.out, "\"tf\":1.000000"), "%s", o.out);
    tu_out_free(&o);
    free(idx);
}
