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
 * an old index on it, and a rebuild bigger than the file system. */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
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
