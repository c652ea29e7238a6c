/* Allocation failures injected at every allocation of a build and of a
 * search (ns_alloc_fail_after): each step either succeeds or reports
 * NS_E_NOMEM, never crashes; the sanitizer build also checks nothing leaks
 * on those paths. */
#include "ix_source.h"
#include "ns_alloc.h"
#include "sr_fixture.h"
#include "sr_query.h"
#include "sr_rank.h"
#include "sr_snippet.h"

Test(ix_nomem, every_failing_allocation_of_a_build_is_reported, .timeout = 120)
{
    char *dir = tu_tmpdir("ix_nomem");
    char *out = tu_path(dir, "idx");
    int succeeded = 0;
    for (long n = 0; n < 5000 && !succeeded; n++) {
        ix_build *b = NULL;
        ns_err err;
        ns_alloc_fail_after(n);
        ns_rc rc = ix_build_new(out, "english", NULL, NULL, &b, &err);
        if (!rc)
            rc = ix_source_add(b, NS_TEST_SRCDIR "/corpus", &err);
        if (!rc)
            rc = ix_build_commit(b, &err);
        ns_alloc_fail_after(-1);
        ix_build_free(b);
        cr_assert(rc == NS_OK || rc == NS_E_NOMEM, "n=%ld rc=%d %s", n, rc, err.msg);
        succeeded = rc == NS_OK;
    }
    cr_assert(succeeded);
    free(out);
    free(dir);
}

Test(sr_nomem, every_failing_allocation_of_a_search_is_reported, .timeout = 120)
{
    char *dir = tu_tmpdir("sr_nomem");
    char *out = tu_path(dir, "idx");
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "english", NULL, NULL, &b, &err), NS_OK);
    cr_assert_eq(ix_source_add(b, NS_TEST_SRCDIR "/corpus", &err), NS_OK);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK);
    ix_build_free(b);
    int succeeded = 0;
    for (long n = 0; n < 5000 && !succeeded; n++) {
        sr_index *ix = NULL;
        sr_query q = {0};
        sr_hit hits[10];
        size_t nh = 0;
        sr_rank_stats st;
        sr_snippet s;
        sr_snippet_init(&s);
        ns_alloc_fail_after(n);
        ns_rc rc = sr_index_open(out, &ix, &err);
        if (!rc)
            rc = sr_query_parse(ix, "Article Five meeting", 20, &q, &err);
        if (!rc)
            rc = sr_rank_exhaustive(ix, &q, 10, hits, &nh, &st, &err);
        sr_doc d;
        if (!rc && nh)
            rc = sr_index_doc(ix, hits[0].doc, &d, &err);
        if (!rc && nh)
            rc = sr_snippet_make(ix->an, &q, d.f[2], d.len[2], 200, &s);
        ns_alloc_fail_after(-1);
        sr_snippet_release(&s);
        sr_query_release(&q);
        sr_index_close(ix);
        cr_assert(rc == NS_OK || rc == NS_E_NOMEM, "n=%ld rc=%d %s", n, rc, err.msg);
        succeeded = rc == NS_OK;
        if (succeeded)
            cr_assert_gt(nh, 0);
    }
    cr_assert(succeeded);
    free(out);
    free(dir);
}
