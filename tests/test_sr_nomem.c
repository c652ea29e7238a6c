/* Allocation failures injected at every allocation of a build (one thread,
 * and two: the injection is atomic) and of a search (ns_alloc_fail_after):
 * each step either succeeds or reports NS_E_NOMEM, never crashes, and
 * every NS_E_NOMEM comes with an injected failure; the sanitizer build also
 * checks nothing leaks on those paths. */
#include <stdio.h>

#include "ix_source.h"
#include "ns_alloc.h"
#include "sr_fixture.h"
#include "sr_query.h"
#include "sr_rank.h"
#include "sr_snippet.h"

/* Builds src into dir/idx with the n-th allocation and all after it
 * failing, on n_threads threads; each n either succeeds or reports
 * NS_E_NOMEM.  Returns the number of allocations that had to succeed; the
 * loop must have injected failures on the way (a loop that injects none
 * cannot fail). */
static long build_until_success(const char *name, const char *src, unsigned n_threads,
                                uint64_t mem)
{
    char *dir = tu_tmpdir(name);
    char *out = tu_path(dir, "idx");
    long n = 0, injected = 0, failed = 0;
    int succeeded = 0;
    for (; n < 20000 && !succeeded; n++) {
        ix_build *b = NULL;
        ns_err err;
        ns_alloc_fail_after(n);
        ns_rc rc = ix_build_new(out, "english", NULL, NULL, &b, &err);
        if (!rc)
            rc = ix_build_set_threads(b, n_threads, &err);
        if (!rc)
            rc = ix_build_set_mem(b, mem, &err);
        if (!rc)
            rc = ix_source_add(b, src, &err);
        if (!rc)
            rc = ix_build_commit(b, &err);
        long f = ns_alloc_failures();
        ns_alloc_fail_after(-1);
        ix_build_free(b);
        cr_assert(rc == NS_OK || rc == NS_E_NOMEM, "-j %u n=%ld rc=%d %s", n_threads, n, rc,
                  err.msg);
        if (rc == NS_E_NOMEM) {
            cr_assert_gt(f, 0, "-j %u n=%ld: out of memory without an injected failure", n_threads,
                         n);
            failed++;
        }
        injected += f;
        succeeded = rc == NS_OK;
    }
    cr_assert(succeeded, "-j %u: no success in %ld allocations", n_threads, n);
    cr_assert_eq(failed, n - 1, "-j %u: every run before the first success must fail", n_threads);
    cr_assert_gt(failed, 100, "-j %u: only %ld injected failures", n_threads, failed);
    cr_assert_gt(injected, 0);
    cr_assert_eq(tu_count_entries(dir, ".idx.tmp-"), 0, "a failed build left its temporary");
    free(out);
    free(dir);
    return n - 1;
}

Test(ix_nomem, every_failing_allocation_of_a_build_is_reported, .timeout = 300)
{
    long n = build_until_success("ix_nomem", NS_TEST_SRCDIR "/corpus", 1, IX_DEFAULT_MEM);
    cr_log_info("build -j 1: %ld allocations, each failed in turn", n);
    fprintf(stderr, "ix_nomem: build -j 1: %ld allocation failures injected in turn\n", n);
}

Test(ix_nomem, every_failing_allocation_of_a_threaded_build_is_reported, .timeout = 600)
{
    /* several batches at the smallest budget, so that both threads analyse
     * documents, and the final merge runs on two threads */
    char *src = tu_path(NS_TEST_TMPDIR, "nomem.jsonl");
    cr_assert_gt(tu_gen_corpus(src, "m", 120, 3, NULL), 0);
    long n = build_until_success("ix_nomem_j2", src, 2, IX_MIN_MEM);
    cr_log_info("build -j 2: %ld allocations, each failed in turn", n);
    fprintf(stderr, "ix_nomem: build -j 2: %ld allocation failures injected in turn\n", n);
    free(src);
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
    long failed = 0;
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
        long f = ns_alloc_failures();
        ns_alloc_fail_after(-1);
        sr_snippet_release(&s);
        sr_query_release(&q);
        sr_index_close(ix);
        cr_assert(rc == NS_OK || rc == NS_E_NOMEM, "n=%ld rc=%d %s", n, rc, err.msg);
        if (rc == NS_E_NOMEM)
            cr_assert_gt(f, 0, "n=%ld: out of memory without a failure", n);
        succeeded = rc == NS_OK;
        if (succeeded)
            cr_assert_gt(nh, 0);
        else
            failed++;
    }
    cr_assert(succeeded);
    cr_assert_gt(failed, 10, "only %ld injected failures", failed);
    fprintf(stderr, "sr_nomem: search: %ld allocation failures injected in turn\n", failed);
    free(out);
    free(dir);
}
