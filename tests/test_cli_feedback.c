/* nsearch --expand (RM3) and --like ID on the command line (issue 15):
 * the options in --help, the expanded query in --show-query (text and
 * JSON) and --explain, --queries with --expand, the document itself left
 * out of --like's results and its count, and the exit statuses of bad
 * values, bad combinations and unknown or termless documents. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns_buf.h"
#include "tutil.h"

#define TIMEOUT_S 60

#include "tcli.h"

/* 20 documents: j1..j6 about jets (j1 with the words it alone has:
 * compressor, nacelle), o1..o14 about oil.  With 20 documents a feedback
 * term must be in at most 2 of them (10 %). */
static char *make_index(const char *name)
{
    ns_buf docs;
    ns_buf_init(&docs);
    ns_buf_puts(&docs, "{\"id\":\"j1\",\"title\":\"Jet engine\",\"body\":\"The jet engine "
                       "turbine turbine compressor compressor nacelle.\"}\n");
    for (int i = 2; i <= 6; i++)
        ns_buf_printf(&docs, "{\"id\":\"j%d\",\"body\":\"jet engine turbine report %d\"}\n", i, i);
    for (int i = 1; i <= 14; i++)
        ns_buf_printf(&docs, "{\"id\":\"o%d\",\"body\":\"oil prices crude market %d\"}\n", i, i);
    char *dir = tu_tmpdir(name);
    char *src = tu_path(dir, "docs.jsonl");
    cr_assert_eq(tu_write_file(src, (const char *)docs.data, docs.len), 0);
    char *idx = tu_path(dir, "idx");
    tu_out o = NINDEX("-q", "-o", idx, src);
    cr_assert_eq(o.status, 0, "nindex: %s", o.err);
    tu_out_free(&o);
    ns_buf_release(&docs);
    free(src);
    free(dir);
    return idx;
}

Test(cli_feedback, help_lists_every_option)
{
    tu_out o = NSEARCH("--help");
    cr_assert_eq(o.status, 0);
    for (const char *opt[] = {"--expand", "--fb-docs=N", "--fb-terms=N", "--fb-weight=W",
                              "--like=ID", "nsearch [OPTION]... --like ID", NULL}, **p = opt; *p; p++)
        cr_assert(strstr(o.out, *p), "no %s in --help", *p);
    tu_out_free(&o);
}

Test(cli_feedback, expand_adds_the_feedback_documents_terms)
{
    char *idx = make_index("fb_expand");
    /* the first pass finds j1 (nacelle); its rare terms join the query */
    tu_out o = NSEARCH("-i", idx, "--expand", "--show-query", "nacelle");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "'nacelle' -> term nacell (df 1, idf "), "%s", o.out);
    /* j1's kept terms: compressor 2, nacell 1 (jet, engine, turbine are in
     * more than 2 documents): the model 2/3, 1/3; nacell 0.5 + 0.5 x 1/3 */
    cr_assert(strstr(o.out, "(df 1, idf 2.639) x0.666666667\n"), "%s", o.out);
    cr_assert(strstr(o.out, "added term compressor (df 1, idf 2.639) x0.333333333\n"), "%s", o.out);
    cr_assert_null(strstr(o.out, "added term jet"), "jet is in 6 of 20 documents: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--expand", "--show-query", "--json", "nacelle");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "\"text\":\"\",\"added\":true,\"qtf\":"), "%s", o.out);
    tu_out_free(&o);
    /* without --expand: plain BM25, one clause */
    o = NSEARCH("-i", idx, "--show-query", "nacelle");
    cr_assert_null(strstr(o.out, "added"), "%s", o.out);
    tu_out_free(&o);
    /* the expanded query ranks and explains; --stats tells the first pass */
    o = NSEARCH("-i", idx, "--expand", "--explain", "--stats", "--no-snippets", "nacelle");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "1. [") && strstr(o.out, "   j1\n"), "%s", o.out);
    cr_assert(strstr(o.out, "term (added) compressor = idf "), "%s", o.out);
    cr_assert(strstr(o.err, "nsearch: stats: feedback: docs=1 terms="), "%s", o.err);
    tu_out_free(&o);
    free(idx);
}

Test(cli_feedback, expand_in_batch_mode_and_with_other_weights)
{
    char *idx = make_index("fb_batch");
    char *dir = tu_tmpdir("fb_batch_q");
    char *qf = tu_path(dir, "q.tsv");
    const char *qs = "1\tnacelle\n2\tcrude market\n3\tnowhere\n";
    cr_assert_eq(tu_write_file(qf, qs, strlen(qs)), 0);
    tu_out o = NSEARCH("-i", idx, "--expand", "--fb-docs", "3", "--fb-terms", "5", "--fb-weight",
                       "0.7", "--queries", qf, "--format", "trec");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "1 Q0 j1 1 "), "%s", o.out);
    cr_assert(strstr(o.out, "2 Q0 o"), "%s", o.out);
    cr_assert_null(strstr(o.out, "\n3 Q0"), "%s", o.out);
    tu_out_free(&o);
    free(qf);
    free(dir);
    free(idx);
}

Test(cli_feedback, bad_values_and_combinations_are_usage_errors)
{
    char *idx = make_index("fb_bad");
    static const char *const cases[][5] = {
        {"--expand", "--fb-docs", "0", "oil", "--fb-docs wants a number from 1 to 1000, not '0'"},
        {"--expand", "--fb-terms", "1001", "oil", "--fb-terms wants a number from 1 to 1000, not '1001'"},
        {"--expand", "--fb-weight", "1.5", "oil", "--fb-weight wants a number more than 0 and at most 1"},
        {"--expand", "--fb-weight", "0", "oil", "--fb-weight wants a number more than 0 and at most 1"},
        {"--fb-docs", "5", "--", "oil", "--fb-docs, --fb-terms and --fb-weight go with --expand"},
        {"--like", "j1", "--", "oil", "unexpected argument 'oil'"},
        {"--like", "j1", "--expand", "--count", "--like cannot be combined with --expand"},
        {"--like", "j1", "--queries", "-", "--like cannot be combined with --expand, --queries"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_out o = NSEARCH("-i", idx, cases[i][0], cases[i][1], cases[i][2], cases[i][3]);
        cr_assert_eq(o.status, 2, "case %zu: status %d", i, o.status);
        cr_assert(strstr(o.err, cases[i][4]), "case %zu: %s", i, o.err);
        cr_assert(strstr(o.err, "Try 'nsearch --help'"), "case %zu: %s", i, o.err);
        tu_out_free(&o);
    }
    free(idx);
}

Test(cli_feedback, like_finds_similar_documents_but_not_itself)
{
    char *idx = make_index("fb_like");
    /* j1: turbine (tf 2, df 6) is its one term in it twice and in 5
     * documents or more; compressor (tf 2, df 1) is too rare */
    tu_out o = NSEARCH("-i", idx, "--like", "j1", "--show-query");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "added term turbin (df 6, idf "), "%s", o.out);
    cr_assert_null(strstr(o.out, "compressor"), "%s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--like", "j1", "--format", "trec", "-k", "10", "--count");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_null(strstr(o.out, " j1 "), "the document itself: %s", o.out);
    for (int i = 2; i <= 6; i++) {
        char want[16];
        snprintf(want, sizeof want, " j%d ", i);
        cr_assert(strstr(o.out, want), "no j%d: %s", i, o.out);
    }
    cr_assert_null(strstr(o.out, " o1 "), "%s", o.out);
    cr_assert(strstr(o.err, "nsearch: count: 5"), "%s", o.err);
    tu_out_free(&o);
    /* an unknown id, and a document without such a term: exit 1 */
    o = NSEARCH("-i", idx, "--like", "zz");
    cr_assert_eq(o.status, 1);
    cr_assert(strstr(o.err, "no document with id 'zz' in"), "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--like", "o3");
    cr_assert_eq(o.status, 1);
    cr_assert(strstr(o.err, "document 'o3' has no term that occurs in it 2 times or more and in "
                            "5 documents or more"), "%s", o.err);
    tu_out_free(&o);
    free(idx);
}
