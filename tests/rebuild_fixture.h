/* rebuild_fixture: an index built from one corpus, about to be rebuilt
 * from another that answers differently, and the answers of both, for the
 * tests that interrupt or break rebuilds (test_cli_fault, test_cli_kill).
 * Tests only: asserts with Criterion. */
#ifndef REBUILD_FIXTURE_H
#define REBUILD_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tutil.h"

#define RB_TIMEOUT_S 300

typedef struct rb_fixture {
    char *dir;      /* owned: the index's parent */
    char *idx;      /* owned: dir/idx */
    char *old_src;  /* owned: the old index's input */
    char *new_src;  /* owned: the rebuild's input */
    char *queries;  /* owned: the --queries file */
    char *old_ans;  /* owned: rb_answers of the old index */
    char *new_ans;  /* owned: ... of an index of new_src */
    const char *jobs, *mem; /* borrowed: nindex's -j and --mem */
    double build_s; /* seconds of one build of new_src, as measured */
} rb_fixture;

/* Returns: owned; nsearch's exit status, stdout and (when it failed)
 * stderr for f's queries on idx; *status gets the status (-1: could not
 * run).  Never asserts: reader processes use it. */
static inline char *rb_answers_of(const rb_fixture *f, const char *idx, int *status)
{
    char *argv[] = {NS_TEST_NSEARCH, "-i", (char *)idx, "-k", "5", "--queries", f->queries, NULL};
    tu_out o;
    if (tu_run(argv, NULL, 0, RB_TIMEOUT_S, &o) != 0) {
        *status = -1;
        return strdup("cannot run nsearch");
    }
    size_t n = o.out_len + o.err_len + 32;
    char *s = malloc(n);
    snprintf(s, n, "status %d\n%s%s", o.status, o.out, o.status ? o.err : "");
    *status = o.status;
    tu_out_free(&o);
    return s;
}

/* Returns: owned; the answers on idx, which must be those of an index. */
static inline char *rb_answers(const rb_fixture *f, const char *idx)
{
    int st;
    char *a = rb_answers_of(f, idx, &st);
    cr_assert_eq(st, 0, "nsearch -i %s: %s", idx, a);
    return a;
}

/* nindex -q -j f->jobs --mem f->mem -o idx src, which must succeed. */
static inline void rb_build(const rb_fixture *f, const char *idx, const char *src)
{
    char *argv[] = {NS_TEST_NINDEX, "-q", "-j", (char *)f->jobs, "--mem", (char *)f->mem, "-o",
                    (char *)idx, (char *)src, NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, RB_TIMEOUT_S, &o), 0);
    cr_assert_eq(o.status, 0, "nindex -o %s %s: status %d: %s", idx, src, o.status, o.err);
    tu_out_free(&o);
}

/* Builds old_src into dir/idx and new_src aside (timed), records the
 * answers of both to `queries` (lines of qid<TAB>text), which must differ. */
static inline void rb_init(rb_fixture *f, const char *dir, const char *old_src,
                           const char *new_src, const char *queries, const char *jobs,
                           const char *mem)
{
    memset(f, 0, sizeof *f);
    f->dir = strdup(dir);
    f->idx = tu_path(dir, "idx");
    f->old_src = strdup(old_src);
    f->new_src = strdup(new_src);
    f->jobs = jobs;
    f->mem = mem;
    /* named by pid: the parts of one suite run at once (NS_TEST_PARTS) */
    char name[64];
    snprintf(name, sizeof name, "queries-%ld.tsv", (long)getpid());
    f->queries = tu_path(NS_TEST_TMPDIR, name);
    cr_assert_eq(tu_write_file(f->queries, queries, strlen(queries)), 0);
    snprintf(name, sizeof name, "new-aside-%ld", (long)getpid());
    char *aside = tu_path(NS_TEST_TMPDIR, name);
    tu_rmrf(aside);
    double t0 = tu_now_s();
    rb_build(f, aside, new_src);
    f->build_s = tu_now_s() - t0;
    f->new_ans = rb_answers(f, aside);
    tu_rmrf(aside);
    free(aside);
    rb_build(f, f->idx, old_src);
    f->old_ans = rb_answers(f, f->idx);
    cr_assert_str_neq(f->old_ans, f->new_ans, "the two indexes must answer differently");
}

static inline void rb_release(rb_fixture *f)
{
    free(f->dir);
    free(f->idx);
    free(f->old_src);
    free(f->new_src);
    unlink(f->queries);
    free(f->queries);
    free(f->old_ans);
    free(f->new_ans);
}

#endif
