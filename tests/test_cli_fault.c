/* Failures of the file system during a build, seen from outside nindex.
 *
 * Every call a small build makes to persist data (creating a file or a
 * directory, write, fsync, rename; tests/fault/ns_fault.c lists them) is
 * made to fail, one at a time, with ENOSPC and with EIO, through the
 * LD_PRELOAD shim: -j 1 at every point with both errnos, -j 2 at every
 * point with ENOSPC, -j 1 on a file system without RENAME_EXCHANGE (the
 * two-rename fallback) with EIO, and -j 1 --mem 1M (sorted runs written
 * and merged) with EIO.  The number of points is counted by a
 * run without failures, so added writes are covered without editing this
 * file.  Each failure must end with exit 4 and a message naming the file
 * the failing call was about and the errno text, and:
 *   - before the new index is in place: the old index's files unchanged and
 *     nsearch answering exactly as before;
 *   - after it (only the parent directory's fsync comes after): the new
 *     index answering and a message saying it may not survive a crash;
 * and after the next normal run, no temporary beside the index.
 *
 * A real full disk: a 4 MiB tmpfs (mounted in a private mount namespace, so
 * that nothing outlives the test; skipped where mounting is not allowed),
 * an old index on it, and a rebuild bigger than the file system.
 *
 * nindex --merge-stats over two shards: every counted call failing in turn
 * (ENOSPC), and a kill -9 just before every counted call (the shim's
 * NS_FAULT_ERRNO=KILL): each shard whole, as before or as merged, and the
 * next merge mends the set. */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns_format.h"
#include "rebuild_fixture.h"
#include "tutil.h"

#define TIMEOUT_S 120

typedef struct fixture {
    rb_fixture rb;
    char *files[NS_FILE_KIND_COUNT + 1]; /* owned: the old index's files */
    size_t lens[NS_FILE_KIND_COUNT + 1];
} fixture;

static void snapshot(fixture *f)
{
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char *p = tu_path(f->rb.idx, ns_file_name((ns_file_kind)k));
        f->files[k] = tu_read_file(p, &f->lens[k]);
        cr_assert_not_null(f->files[k], "cannot read %s", p);
        free(p);
    }
}

/* 1 if the index's files are those of the snapshot. */
static int unchanged(const fixture *f)
{
    int same = 1;
    for (int k = 1; k <= NS_FILE_KIND_COUNT && same; k++) {
        char *p = tu_path(f->rb.idx, ns_file_name((ns_file_kind)k));
        size_t l;
        char *d = tu_read_file(p, &l);
        same = d && l == f->lens[k] && !memcmp(d, f->files[k], l);
        free(d);
        free(p);
    }
    return same;
}

/* The old index (of old_src) in dir/idx, the answers of it and of new_src,
 * the old index's files. */
static void fx_init(fixture *f, const char *dir, const char *old_src, const char *new_src)
{
    memset(f, 0, sizeof *f);
    rb_init(&f->rb, dir, old_src, new_src,
            "1\tArticle Five\n2\tmeeting Brussels\n3\tzebrafault\n4\tsulmor kelden\n", "2",
            "1G");
    snapshot(f);
}

static void fx_release(fixture *f)
{
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        free(f->files[k]);
    rb_release(&f->rb);
}

/* The environment of a run under the shim. */
static void fault_env(long at, const char *errname, const char *report, const char *count,
                      int no_exchange)
{
    char s[32];
    snprintf(s, sizeof s, "%ld", at);
    setenv("LD_PRELOAD", NS_TEST_FAULT_SO, 1);
    /* the shim comes before libasan in a sanitizer build */
    setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
    setenv("NS_FAULT_AT", s, 1);
    setenv("NS_FAULT_ERRNO", errname, 1);
    setenv("NS_FAULT_REPORT", report, 1);
    setenv("NS_FAULT_COUNT_FILE", count, 1);
    if (no_exchange)
        setenv("NS_FAULT_NO_EXCHANGE", "1", 1);
}

static void fault_env_clear(void)
{
    unsetenv("LD_PRELOAD");
    unsetenv("ASAN_OPTIONS");
    unsetenv("NS_FAULT_AT");
    unsetenv("NS_FAULT_ERRNO");
    unsetenv("NS_FAULT_REPORT");
    unsetenv("NS_FAULT_COUNT_FILE");
    unsetenv("NS_FAULT_NO_EXCHANGE");
}

/* Runs nindex -j jobs rebuilding f's index from new_src under the shim with
 * the at-th call failing (0: none); *n_calls gets the number of counted
 * calls, report (owned, may be NULL) the shim's line about the failure. */
static tu_out fault_run(const fixture *f, long at, const char *errname, const char *jobs,
                        const char *mem, int no_exchange, long *n_calls, char **report)
{
    char *rep = tu_path(NS_TEST_TMPDIR, "fault-report");
    char *cnt = tu_path(NS_TEST_TMPDIR, "fault-count");
    unlink(rep);
    unlink(cnt);
    fault_env(at, errname, rep, cnt, no_exchange);
    tu_out o;
    char *argv[] = {NS_TEST_NINDEX, "-q", "-j", (char *)jobs, "--mem", (char *)mem, "-o",
                    f->rb.idx, f->rb.new_src, NULL};
    int r = tu_run(argv, NULL, 0, TIMEOUT_S, &o);
    fault_env_clear();
    cr_assert_eq(r, 0);
    char *c = tu_read_file(cnt, NULL);
    cr_assert_not_null(c, "the shim was not loaded (%s): %s", NS_TEST_FAULT_SO, o.err);
    *n_calls = atol(c);
    free(c);
    *report = tu_read_file(rep, NULL);
    free(rep);
    free(cnt);
    return o;
}

/* Fails every counted call of a rebuild in turn; returns how many. */
static int every_point(fixture *f, const char *errname, int errnum, const char *jobs,
                       const char *mem, int no_exchange)
{
    long n = 0;
    char *rep = NULL;
    tu_out o = fault_run(f, 0, errname, jobs, mem, no_exchange, &n, &rep);
    cr_assert_eq(o.status, 0, "a run without failures failed: %s", o.err);
    cr_assert_null(rep);
    tu_out_free(&o);
    cr_assert_gt(n, 10, "too few calls counted (%ld): is the shim wrapping the right calls?", n);
    rb_build(&f->rb, f->rb.idx, f->rb.old_src);
    const char *why = strerror(errnum);
    for (long k = 1; k <= n + 1; k++) {
        long nk = 0;
        o = fault_run(f, k, errname, jobs, mem, no_exchange, &nk, &rep);
        if (k == n + 1) { /* past the last point: nothing fails */
            cr_assert_eq(o.status, 0, "k=%ld: %s", k, o.err);
            cr_assert_null(rep, "there are more than %ld points", n);
            tu_out_free(&o);
            break;
        }
        cr_assert_not_null(rep, "-j %s %s: point %ld of %ld was not reached: %s", jobs, errname,
                           k, n, o.err);
        char op[32], path[4096];
        int e = 0;
        cr_assert_eq(sscanf(rep, "%31[^\t]\t%4095[^\t]\t%d", op, path, &e), 3, "report '%s'", rep);
        cr_assert_eq(e, errnum);
        const char *ctx = rep;
        cr_assert_eq(o.status, 4, "-j %s %s at %ld (%s): status %d, stderr: %s", jobs, errname, k,
                     ctx, o.status, o.err);
        cr_assert(strstr(o.err, path), "-j %s %s at %ld (%s): the message does not name '%s': %s",
                  jobs, errname, k, ctx, path, o.err);
        cr_assert(strstr(o.err, why), "-j %s %s at %ld (%s): the message does not say '%s': %s",
                  jobs, errname, k, ctx, why, o.err);
        char *a = rb_answers(&f->rb, f->rb.idx);
        if (!strcmp(a, f->rb.old_ans)) {
            cr_assert(unchanged(f), "-j %s %s at %ld (%s): the old index's files changed", jobs,
                      errname, k, ctx);
        } else {
            /* only a failure after the installation leaves the new index */
            cr_assert_str_eq(a, f->rb.new_ans, "-j %s %s at %ld (%s): neither the old nor the new index "
                             "answers", jobs, errname, k, ctx);
            cr_assert(!strcmp(op, "fsync") && !strcmp(path, f->rb.dir),
                      "-j %s %s at %ld (%s): the failed build replaced the old index", jobs, errname,
                      k, ctx);
            cr_assert(strstr(o.err, "may not survive a crash"), "at %ld: %s", k, o.err);
        }
        free(a);
        free(rep);
        tu_out_free(&o);
        /* the next normal run leaves no temporary and restores the old index */
        rb_build(&f->rb, f->rb.idx, f->rb.old_src);
        cr_assert_eq(tu_count_entries(f->rb.dir, ".idx.tmp-"), 0, "at %ld (%s %s): temporaries left",
                     k, op, path);
        cr_assert(unchanged(f));
    }
    return (int)n;
}

static void new_corpus(const char *path)
{
    cr_assert_gt(tu_gen_corpus(path, "new", 300, 7, "zebrafault"), 0);
}

Test(cli_fault, every_failing_write_fsync_and_rename_of_a_build_exits_4_and_keeps_the_old_index,
     .timeout = 900)
{
    char *dir = tu_tmpdir("points");
    char *src = tu_path(NS_TEST_TMPDIR, "new.jsonl");
    new_corpus(src);
    fixture f;
    fx_init(&f, dir, NS_TEST_SRCDIR "/corpus", src);
    int n1 = every_point(&f, "ENOSPC", ENOSPC, "1", "1G", 0);
    int n1e = every_point(&f, "EIO", EIO, "1", "1G", 0);
    int n2 = every_point(&f, "ENOSPC", ENOSPC, "2", "1G", 0);
    int nx = every_point(&f, "EIO", EIO, "1", "1G", 1);
    /* the smallest budget: sorted runs are written and merged too */
    int nr = every_point(&f, "EIO", EIO, "1", "1M", 0);
    char msg[256];
    snprintf(msg, sizeof msg, "failure points: -j 1 %d (ENOSPC) + %d (EIO), -j 2 %d (ENOSPC), "
             "without RENAME_EXCHANGE %d (EIO), -j 1 --mem 1M (sorted runs) %d (EIO)",
             n1, n1e, n2, nx, nr);
    cr_log_info("%s", msg);
    fprintf(stderr, "cli_fault: %s\n", msg);
    cr_assert_eq(n1, n1e);
    cr_assert_eq(nx, n1 + 1, "the fallback makes one more rename");
    cr_assert_gt(nr, n1, "no sorted run was written at --mem 1M");
    fx_release(&f);
    free(src);
    free(dir);
}

/* ---- a real full disk ---- */

Test(cli_fault, a_full_disk_exits_4_naming_enospc_and_keeps_the_old_index, .timeout = 600)
{
    char *mnt = tu_tmpdir("tmpfs");
    if (unshare(CLONE_NEWNS) != 0)
        cr_skip_test("SKIPPED: cannot make a mount namespace (%s): needs CAP_SYS_ADMIN", strerror(errno));
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        cr_skip_test("SKIPPED: cannot make mounts private (%s)", strerror(errno));
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=4m") != 0)
        cr_skip_test("SKIPPED: cannot mount a tmpfs on %s (%s)", mnt, strerror(errno));
    char *big = tu_path(NS_TEST_TMPDIR, "big.jsonl");
    /* ~6 MB of input with a big vocabulary: an index well over 4 MiB */
    cr_assert_gt(tu_gen_corpus(big, "big", 6000, 11, "zebrafault"), 5000000);
    fixture f;
    fx_init(&f, mnt, NS_TEST_SRCDIR "/corpus", big);
    char *argv[] = {NS_TEST_NINDEX, "-q", "-j", "2", "-o", f.rb.idx, big, NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    cr_assert_eq(o.status, 4, "status %d: %s", o.status, o.err);
    cr_assert(strstr(o.err, strerror(ENOSPC)), "%s", o.err);
    cr_assert(strstr(o.err, mnt), "the message names no file on the full disk: %s", o.err);
    cr_log_info("full disk: %s", o.err);
    tu_out_free(&o);
    char *a = rb_answers(&f.rb, f.rb.idx);
    cr_assert_str_eq(a, f.rb.old_ans);
    free(a);
    cr_assert(unchanged(&f));
    rb_build(&f.rb, f.rb.idx, f.rb.old_src);
    cr_assert_eq(tu_count_entries(mnt, ".idx.tmp-"), 0);
    a = rb_answers(&f.rb, f.rb.idx);
    cr_assert_str_eq(a, f.rb.old_ans);
    free(a);
    fx_release(&f);
    cr_assert_eq(umount2(mnt, MNT_DETACH), 0, "umount %s: %s", mnt, strerror(errno));
    free(big);
    free(mnt);
}

/* ---- nindex --merge-stats ---- */

/* 1 when index directories a and b hold the same files of every kind
 * (shard and global included; a kind absent from both is the same). */
static int same_files(const char *a, const char *b)
{
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *pa = tu_path(a, name), *pb = tu_path(b, name);
        size_t la = 0, lb = 0;
        char *x = tu_read_file(pa, &la), *y = tu_read_file(pb, &lb);
        int same = (!x && !y) || (x && y && la == lb && memcmp(x, y, la) == 0);
        free(x);
        free(y);
        free(pa);
        free(pb);
        if (!same)
            return 0;
    }
    return 1;
}

/* dst (removed first) as a copy of index directory src's files. */
static void copy_index(const char *src, const char *dst)
{
    tu_rmrf(dst);
    cr_assert_eq(mkdir(dst, 0755), 0, "mkdir %s: %s", dst, strerror(errno));
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *ps = tu_path(src, name), *pd = tu_path(dst, name);
        size_t n = 0;
        char *d = tu_read_file(ps, &n);
        if (d)
            cr_assert_eq(tu_write_file(pd, d, n), 0);
        free(d);
        free(ps);
        free(pd);
    }
}

static tu_out run_argv(char **argv)
{
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    return o;
}

/* nindex --merge-stats over dir/0 and dir/1 with the at-th counted call
 * failing (0: none); *n_calls: the calls counted; *report (owned, may be
 * NULL): the shim's line about the failure. */
static tu_out merge_run_as(const char *dir, long at, const char *errname, long *n_calls,
                          char **report)
{
    char rn[64], cn[64]; /* one pair per errname: the sweeps may run side by side */
    snprintf(rn, sizeof rn, "merge-report-%s", errname);
    snprintf(cn, sizeof cn, "merge-count-%s", errname);
    char *rep = tu_path(NS_TEST_TMPDIR, rn);
    char *cnt = tu_path(NS_TEST_TMPDIR, cn);
    char *s0 = tu_path(dir, "0"), *s1 = tu_path(dir, "1");
    unlink(rep);
    unlink(cnt);
    fault_env(at, errname, rep, cnt, 0);
    char *argv[] = {NS_TEST_NINDEX, "-q", "--merge-stats", s0, s1, NULL};
    tu_out o = run_argv(argv);
    fault_env_clear();
    char *c = tu_read_file(cnt, NULL); /* none when killed */
    cr_assert(c || o.status == 128 + SIGKILL, "the shim was not loaded (%s): %s",
              NS_TEST_FAULT_SO, o.err);
    *n_calls = c ? atol(c) : 0;
    free(c);
    *report = tu_read_file(rep, NULL);
    free(rep);
    free(cnt);
    free(s0);
    free(s1);
    return o;
}

/* The set's answers (nsearch -i DIR/0 -i DIR/1, TREC) in *out (owned);
 * returns nsearch's status. */
static int set_answers(const char *dir, const char *qfile, char **out)
{
    char *s0 = tu_path(dir, "0"), *s1 = tu_path(dir, "1");
    char *argv[] = {NS_TEST_NSEARCH, "-i", s0, "-i", s1, "--queries", (char *)qfile,
                    "--format", "trec", NULL};
    tu_out o = run_argv(argv);
    int st = o.status;
    *out = o.out;
    o.out = NULL;
    if (st != 0 && st != 1)
        cr_assert(strstr(o.err, "merge"), "a set refused without saying to merge: %s", o.err);
    tu_out_free(&o);
    free(s0);
    free(s1);
    return st;
}

/* Every counted call of a merge of two shards fails in turn (errname
 * ENOSPC: exit 4 naming the file and the errno, and no temporary left), or
 * the merge is killed (KILL: SIGKILL just before that call); each shard is
 * then whole, either as before (not merged) or as the merge makes it; the
 * set either answers as the merged set or is refused with a message saying
 * to merge; and the next merge completes as one without failures and
 * leaves no temporary. */
static void merge_sweep(const char *errname)
{
    int killing = !strcmp(errname, "KILL");
    char tag[32];
    snprintf(tag, sizeof tag, "merge-%s", errname);
    char *dir = tu_tmpdir(tag);
    char *corpus = tu_path(dir, "c.jsonl"), *qfile = tu_path(dir, "q.tsv");
    cr_assert_gt(tu_gen_corpus(corpus, "m", 300, 13, "zebrafault"), 0);
    cr_assert_eq(tu_write_file(qfile, "1\tzebrafault\n2\tArticle Five\n", 28), 0);
    char *base = tu_path(dir, "base"), *ref = tu_path(dir, "ref"), *work = tu_path(dir, "work");
    cr_assert_eq(mkdir(base, 0755), 0);
    for (int i = 0; i < 2; i++) {
        char spec[8], name[2] = {(char)('0' + i), 0};
        snprintf(spec, sizeof spec, "%d/2", i);
        char *out = tu_path(base, name);
        char *argv[] = {NS_TEST_NINDEX, "-q", "--shard", spec, "-o", out, corpus, NULL};
        tu_out o = run_argv(argv);
        cr_assert_eq(o.status, 0, "nindex --shard %s: %s", spec, o.err);
        tu_out_free(&o);
        free(out);
    }
    /* the reference: the merge without failures, counting the calls */
    cr_assert_eq(mkdir(ref, 0755), 0);
    cr_assert_eq(mkdir(work, 0755), 0);
    char *b[2] = {tu_path(base, "0"), tu_path(base, "1")};
    char *r[2] = {tu_path(ref, "0"), tu_path(ref, "1")};
    char *w[2] = {tu_path(work, "0"), tu_path(work, "1")};
    for (int i = 0; i < 2; i++)
        copy_index(b[i], r[i]);
    long n = 0;
    char *rep = NULL;
    tu_out o = merge_run_as(ref, 0, errname, &n, &rep);
    cr_assert_eq(o.status, 0, "a merge without failures failed: %s", o.err);
    cr_assert_null(rep);
    tu_out_free(&o);
    cr_assert_gt(n, 10, "too few calls counted (%ld)", n);
    char *want = NULL;
    cr_assert_eq(set_answers(ref, qfile, &want), 0);
    unsigned merged_some = 0, merged_none = 0;
    for (long k = 1; k <= n + 1; k++) {
        for (int i = 0; i < 2; i++)
            copy_index(b[i], w[i]);
        long nk = 0;
        o = merge_run_as(work, k, errname, &nk, &rep);
        if (k == n + 1) {
            cr_assert_eq(o.status, 0, "k=%ld: %s", k, o.err);
            cr_assert_null(rep, "there are more than %ld points", n);
            tu_out_free(&o);
            break;
        }
        cr_assert_not_null(rep, "point %ld of %ld was not reached: %s", k, n, o.err);
        char op[32], path[4096];
        int e = 0;
        cr_assert_eq(sscanf(rep, "%31[^\t]\t%4095[^\t]\t%d", op, path, &e), 3, "report '%s'", rep);
        if (killing) {
            cr_assert_eq(o.status, 128 + SIGKILL, "at %ld (%s): status %d: %s", k, rep, o.status,
                         o.err);
        } else {
            cr_assert_eq(o.status, 4, "at %ld (%s): status %d: %s", k, rep, o.status, o.err);
            cr_assert(strstr(o.err, path), "at %ld (%s): the message does not name '%s': %s", k,
                      rep, path, o.err);
            cr_assert(strstr(o.err, strerror(ENOSPC)), "at %ld (%s): %s", k, rep, o.err);
            cr_assert_eq(tu_count_entries(work, ".0.tmp-") + tu_count_entries(work, ".1.tmp-"), 0,
                         "at %ld (%s): the failed merge left a temporary", k, rep);
        }
        int done = 0;
        for (int i = 0; i < 2; i++) {
            int as_before = same_files(w[i], b[i]), as_merged = same_files(w[i], r[i]);
            cr_assert(as_before || as_merged,
                      "at %ld (%s): shard %d is neither as before nor as merged", k, rep, i);
            done += as_merged;
        }
        merged_some += done == 1;
        merged_none += done == 0;
        char *got = NULL;
        int st = set_answers(work, qfile, &got);
        if (st == 0)
            cr_assert_str_eq(got, want, "at %ld (%s): the set answers otherwise", k, rep);
        else
            cr_assert(done < 2, "at %ld (%s): a merged set refused (%d)", k, rep, st);
        free(got);
        free(rep);
        tu_out_free(&o);
        /* the next merge mends it, and leaves no temporary */
        o = merge_run_as(work, 0, errname, &nk, &rep);
        cr_assert_eq(o.status, 0, "at %ld: merging again: %s", k, o.err);
        tu_out_free(&o);
        for (int i = 0; i < 2; i++)
            cr_assert(same_files(w[i], r[i]), "at %ld: merging again: shard %d differs", k, i);
        cr_assert_eq(tu_count_entries(work, ".0.tmp-") + tu_count_entries(work, ".1.tmp-"), 0,
                     "at %ld: temporaries left", k);
    }
    /* a failure between the two shards' installations was met */
    cr_assert_gt(merged_some, 0, "no failure point left one shard merged and not the other");
    cr_assert_gt(merged_none, 0);
    fprintf(stderr, "cli_fault: merge %s points: %ld (%u with one shard merged)\n", errname, n,
            merged_some);
    free(want);
    for (int i = 0; i < 2; i++) {
        free(b[i]);
        free(r[i]);
        free(w[i]);
    }
    free(base);
    free(ref);
    free(work);
    free(corpus);
    free(qfile);
    tu_rmrf(dir);
    free(dir);
}

Test(cli_fault, every_failing_call_of_a_merge_leaves_each_shard_whole, .timeout = 900)
{
    merge_sweep("ENOSPC");
}

Test(cli_fault, a_merge_killed_at_every_call_leaves_each_shard_whole, .timeout = 900)
{
    merge_sweep("KILL");
}
