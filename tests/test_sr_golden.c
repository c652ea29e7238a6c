/* The golden indexes, built from tests/golden/v1.jsonl: tests/golden/v2
 * (format 2.0, the current one) must keep opening, pass --check and answer
 * exactly as a freshly built index of the same input does; tests/golden/v1_1
 * (format 1.1) is the "old format" fixture, which a 2.x reader refuses with
 * a message asking for a rebuild.
 *
 * To regenerate v2 after a deliberate format change (same major version):
 *     build/nindex -q -o tests/golden/v2 tests/golden/v1.jsonl */
#include <math.h>

#include "ns_docrec.h"
#include "sr_check.h"
#include "sr_fixture.h"
#include "sr_query.h"
#include "sr_rank.h"

#define GOLDEN_1_1 NS_TEST_SRCDIR "/tests/golden/v1_1"
#define GOLDEN_2 NS_TEST_SRCDIR "/tests/golden/v2"

static void on_problem(void *ctx, const char *msg)
{
    (void)ctx;
    cr_log_error("%s", msg);
}

static size_t run(sr_index *ix, const char *text, sr_hit *h, size_t k)
{
    sr_query q;
    ns_err err;
    cr_assert_eq(sr_query_parse(ix, text, strlen(text), &q, &err), NS_OK);
    size_t n;
    sr_rank_stats st;
    cr_assert_eq(sr_rank_exhaustive(ix, &q, k, h, &n, &st, &err), NS_OK);
    sr_query_release(&q);
    return n;
}

static void id_is(sr_index *ix, uint32_t doc, const char *id)
{
    sr_doc d;
    ns_err err;
    cr_assert_eq(sr_index_doc(ix, doc, &d, &err), NS_OK);
    cr_assert_eq(d.len[NS_FIELD_ID], strlen(id));
    cr_assert(memcmp(d.f[NS_FIELD_ID], id, strlen(id)) == 0);
}

static void opens_checks_and_answers(const char *dir, unsigned minor)
{
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(dir, &ix, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix->minor, minor);
    cr_assert_eq(ix->n_docs, 304);
    cr_assert_eq(sr_check(ix, on_problem, NULL), 0);
    sr_hit h[10];
    cr_assert_eq(run(ix, "Article Five cocoa", h, 3), 2);
    id_is(ix, h[0].doc, "7");
    id_is(ix, h[1].doc, "g1");
    cr_assert(fabs(h[0].score - 8.123578) < 1e-6, "%.9f", h[0].score);
    cr_assert(fabs(h[1].score - 6.289995) < 1e-6, "%.9f", h[1].score);
    cr_assert_eq(run(ix, "ΟΔΥΣΣΕΥΣ", h, 3), 1);
    id_is(ix, h[0].doc, "g2");
    cr_assert_eq(run(ix, "russia", h, 3), 1);
    id_is(ix, h[0].doc, "g3");
    cr_assert_eq(run(ix, "common", h, 10), 10); /* 300 postings: three blocks */
    sr_index_close(ix);
}

Test(sr_golden, v2_0_opens_checks_and_answers) { opens_checks_and_answers(GOLDEN_2, 0); }

Test(sr_golden, v1_1_is_refused_with_a_rebuild_message)
{
    sr_index *ix = NULL;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_1_1, &ix, &err), NS_E_VERSION);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "format version 1.1"), "%s", err.msg);
    cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
}

Test(sr_golden, v1_1_is_refused_by_nsearch_with_exit_3)
{
    tu_out o;
    char *argv[] = {NS_TEST_NSEARCH, "-i", GOLDEN_1_1, "cocoa", NULL};
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 3, "%d: %s", o.status, o.err);
    cr_assert(strstr(o.err, "rebuild the index with nindex"), "%s", o.err);
    tu_out_free(&o);
}

Test(sr_golden, v2_answers_like_a_fresh_build)
{
    char *dir = tu_tmpdir("golden_fresh");
    char *out = tu_path(dir, "idx");
    tu_out o;
    char *argv[] = {NS_TEST_NINDEX, "-q", "-o", out, NS_TEST_SRCDIR "/tests/golden/v1.jsonl", NULL};
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    sr_index *g, *f;
    ns_err err;
    cr_assert_eq(sr_index_open(GOLDEN_2, &g, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(sr_index_open(out, &f, &err), NS_OK, "%s", err.msg);
    const char *queries[] = {"common words", "rare filler", "alliance Brussels meeting",
                             "Москва столица", "cocoa price tonnes", "document 17", "nothing"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        sr_hit a[50], b[50];
        size_t na = run(g, queries[i], a, 50), nb = run(f, queries[i], b, 50);
        cr_assert_eq(na, nb, "%s", queries[i]);
        for (size_t j = 0; j < na; j++) {
            cr_assert_eq(a[j].doc, b[j].doc, "%s #%zu", queries[i], j);
            cr_assert_eq(a[j].score, b[j].score, "%s #%zu", queries[i], j);
        }
    }
    sr_index_close(g);
    sr_index_close(f);
    free(out);
    free(dir);
}
