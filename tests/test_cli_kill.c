/* Rebuilds interrupted and watched, seen from outside nindex.
 *
 * kill -9 at many moments of a Reuters rebuild (-j 2, a small memory
 * budget so that sorted runs and their merges happen too): seeded moments
 * spread over the measured duration of the build, and the moments the
 * postings file and the meta file (the last one written) appear.  After
 * each kill the index answers exactly as the old one did (or, killed after
 * the swap, as the new one), no more than the last killed build's
 * temporary is left (each run removes its dead predecessors'), and after a
 * final normal rebuild none is left.
 *
 * Readers during rebuilds: reader processes query in a loop while the
 * index is rebuilt five times, alternating two corpora that answer
 * differently; every answer must be the old or the new index's, whole, and
 * none may fail.  The shim slows the rebuilds' writes and unlinks and the
 * readers' opens, so that the moments a reader could see a half-installed
 * or half-removed index last long enough to be caught.
 *
 * The rebuild's input is ../shared/corpora/reuters21578.jsonl when present
 * (NS_TEST_REUTERS), else a generated corpus of 4,000 documents. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rebuild_fixture.h"
#include "tutil.h"

#define SEED 20261201u

#ifdef NS_TEST_SANITIZE
#define N_KILLS 10 /* the sanitizer build is ~10 times slower */
#else
#define N_KILLS 24
#endif

/* The old index of a generated corpus; the rebuild's input: Reuters, or a
 * generated corpus without it. */
static void corpora_init(rb_fixture *c, const char *name)
{
    char *dir = tu_tmpdir(name);
    char *old_src = tu_path(NS_TEST_TMPDIR, "old.jsonl");
    cr_assert_gt(tu_gen_corpus(old_src, "old", 1500, 5, "zebrakill"), 0);
    char *new_src;
    struct stat sb;
    if (stat(NS_TEST_REUTERS, &sb) == 0) {
        new_src = strdup(NS_TEST_REUTERS);
    } else {
        new_src = tu_path(NS_TEST_TMPDIR, "new.jsonl");
        cr_assert_gt(tu_gen_corpus(new_src, "new", 4000, 9, NULL), 0);
    }
    rb_init(c, dir, old_src, new_src,
            "1\toil prices\n2\tcocoa\n3\tsulmor kelden\n4\tzebrakill\n5\tbank rate cut\n", "2",
            "8M");
    free(dir);
    free(old_src);
    free(new_src);
}

/* Waits until path exists or pid has exited (then returns 0). */
static int wait_for_file(pid_t pid, const char *path)
{
    struct stat sb;
    for (;;) {
        if (stat(path, &sb) == 0)
            return 1;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            /* reaped: put it back for the caller's waitpid */
            return -1 - (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
        }
        usleep(100);
    }
}

Test(cli_kill, kill_9_at_many_moments_of_a_rebuild_leaves_the_old_index_answering,
     .timeout = 1200)
{
    rb_fixture c;
    corpora_init(&c, "kill");
    uint32_t rng = SEED;
    int kills = 0, completed = 0, answered_old = 0, answered_new = 0;
    char moments[4096] = "";
    size_t ml = 0;
    /* N_KILLS seeded moments, one in each of N_KILLS equal slices of
     * [0, 0.95) of the measured build time, then two event moments; runs
     * that finish before their moment do not count, and more moments are
     * drawn (up to twice as many) until N_KILLS + 2 kills have landed */
    for (int i = 0; kills < N_KILLS + 2 && i < 2 * N_KILLS + 2; i++) {
        char *argv[] = {NS_TEST_NINDEX, "-q", "-j", "2", "--mem", "8M", "-o", c.idx, c.new_src,
                        NULL};
        pid_t pid = tu_spawn(argv);
        cr_assert_gt(pid, 0);
        int ev = i == N_KILLS ? 1 : i == N_KILLS + 1 ? 2 : 0;
        int done_early = 0, status = 0;
        if (ev) {
            char name[64];
            snprintf(name, sizeof name, ".idx.tmp-%ld/%s", (long)pid, ev == 1 ? "postings" : "meta");
            char *p = tu_path(c.dir, name);
            int w = wait_for_file(pid, p);
            free(p);
            if (w < 0) {
                done_early = 1;
                status = -1 - w;
            }
            ml += (size_t)snprintf(moments + ml, sizeof moments - ml, " %s",
                                   ev == 1 ? "postings" : "meta");
        } else {
            int slice = i < N_KILLS ? i : (int)(tu_rng_next(&rng) % N_KILLS);
            double f = 0.95 * (slice + (double)(tu_rng_next(&rng) % 1000) / 1000.0) / N_KILLS;
            usleep((useconds_t)(f * c.build_s * 1e6));
            ml += (size_t)snprintf(moments + ml, sizeof moments - ml, " %.3f", f);
        }
        if (!done_early) {
            cr_assert_eq(kill(pid, SIGKILL), 0);
            cr_assert_eq(waitpid(pid, &status, 0), pid);
            if (WIFSIGNALED(status)) {
                kills++;
            } else {
                done_early = 1;
                status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
            }
        }
        char *a = rb_answers(&c, c.idx);
        int is_old = !strcmp(a, c.old_ans);
        if (done_early) {
            /* the moment came after the build: it must have succeeded */
            completed++;
            cr_assert_eq(status, 0, "a rebuild ended with status %d", status);
            cr_assert_str_eq(a, c.new_ans);
            ml += (size_t)snprintf(moments + ml, sizeof moments - ml, "(done)");
        } else if (is_old) {
            answered_old++;
        } else {
            cr_assert_str_eq(a, c.new_ans, "after kill %d (moments%s), the index answers neither "
                             "as the old nor as the new one", kills, moments);
            answered_new++; /* killed after the swap */
        }
        free(a);
        if (!is_old)
            rb_build(&c, c.idx, c.old_src); /* the old index again, for the next kill */
        /* this run removed the temporaries of the runs killed before it */
        int left = tu_count_entries(c.dir, ".idx.tmp-");
        cr_assert_leq(left, 1, "%d temporaries after kill %d: the runs do not clean up", left,
                      kills);
    }
    cr_log_info("kill -9: seed %u, build %.2f s, %d kills (old index %d, new %d), %d runs "
                "completed first; moments:%s",
                SEED, c.build_s, kills, answered_old, answered_new, completed, moments);
    fprintf(stderr, "cli_kill: seed %u, build %.2f s, %d kills (old index answered %d, new %d), "
                    "%d runs completed first\n",
            SEED, c.build_s, kills, answered_old, answered_new, completed);
    cr_assert_geq(kills, N_KILLS + 2, "only %d kills landed", kills);
    cr_assert_geq(answered_old, N_KILLS, "most kills must come before the swap");
    /* the final normal rebuild removes the last temporary */
    rb_build(&c, c.idx, c.new_src);
    cr_assert_eq(tu_count_entries(c.dir, ".idx.tmp-"), 0, "temporaries after the last run");
    char *a = rb_answers(&c, c.idx);
    cr_assert_str_eq(a, c.new_ans);
    free(a);
    rb_release(&c);
}

/* ---- readers during rebuilds ---- */

#define N_READERS 3
#define N_REBUILDS 5

typedef struct shared {
    atomic_long answers;                /* by all readers */
    atomic_long old_ans, new_ans;
    atomic_int stop, bad;
    char bad_answer[8192];              /* the first bad answer */
} shared;

static void reader(const rb_fixture *c, shared *sh)
{
    while (!atomic_load(&sh->stop)) {
        int st;
        char *a = rb_answers_of(c, c->idx, &st);
        if (!strcmp(a, c->old_ans)) {
            atomic_fetch_add(&sh->old_ans, 1);
        } else if (!strcmp(a, c->new_ans)) {
            atomic_fetch_add(&sh->new_ans, 1);
        } else if (atomic_fetch_add(&sh->bad, 1) == 0) {
            snprintf(sh->bad_answer, sizeof sh->bad_answer, "%s", a);
        }
        atomic_fetch_add(&sh->answers, 1);
        free(a);
    }
}

Test(cli_kill, readers_during_rebuilds_get_whole_answers_from_the_old_or_the_new_index,
     .timeout = 900)
{
    rb_fixture c;
    corpora_init(&c, "readers");
    shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(sh, MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    /* slow readers (through the shim): each open of an index file takes
     * 1 ms more, so that a reader would catch the old index's files being
     * removed after the swap while it opens them */
    setenv("LD_PRELOAD", NS_TEST_FAULT_SO, 1);
    setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
    setenv("NS_FAULT_OPEN_DELAY_US", "1000", 1);
    pid_t kids[N_READERS];
    for (int i = 0; i < N_READERS; i++) {
        kids[i] = fork();
        cr_assert_geq(kids[i], 0);
        if (kids[i] == 0) {
            reader(&c, sh);
            _exit(0);
        }
    }
    unsetenv("NS_FAULT_OPEN_DELAY_US");
    while (atomic_load(&sh->answers) < N_READERS)
        usleep(1000);
    /* a slow disk (through the shim): every write, fsync, rename and
     * unlink of the rebuilds takes 2 ms more, so that a reader would catch
     * an index half removed or half installed */
    setenv("LD_PRELOAD", NS_TEST_FAULT_SO, 1);
    setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
    setenv("NS_FAULT_DELAY_US", "2000", 1);
    long during[N_REBUILDS];
    for (int r = 0; r < N_REBUILDS; r++) {
        long before = atomic_load(&sh->answers);
        rb_build(&c, c.idx, r % 2 == 0 ? c.new_src : c.old_src);
        during[r] = atomic_load(&sh->answers) - before;
    }
    unsetenv("LD_PRELOAD");
    unsetenv("ASAN_OPTIONS");
    unsetenv("NS_FAULT_DELAY_US");
    atomic_store(&sh->stop, 1);
    for (int i = 0; i < N_READERS; i++) {
        int st;
        cr_assert_eq(waitpid(kids[i], &st, 0), kids[i]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    long n = atomic_load(&sh->answers), o = atomic_load(&sh->old_ans),
         w = atomic_load(&sh->new_ans);
    cr_log_info("readers: %ld answers (old %ld, new %ld, bad %d); during the rebuilds: %ld %ld %ld "
                "%ld %ld",
                n, o, w, atomic_load(&sh->bad), during[0], during[1], during[2], during[3],
                during[4]);
    fprintf(stderr, "cli_kill: readers: %ld answers (old index %ld, new %ld), %d bad\n", n, o, w,
            atomic_load(&sh->bad));
    cr_assert_eq(atomic_load(&sh->bad), 0, "%d answers were from neither index; the first:\n%s",
                 atomic_load(&sh->bad), sh->bad_answer);
    for (int r = 0; r < N_REBUILDS; r++)
        cr_assert_gt(during[r], 0, "no answer during rebuild %d", r);
    cr_assert_gt(o, 0);
    cr_assert_gt(w, 0);
    cr_assert_eq(n, o + w);
    munmap(sh, sizeof *sh);
    rb_release(&c);
}
