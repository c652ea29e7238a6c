/* The indexing pipeline at scale: the same index whatever the thread count
 * and memory budget (runs, intermediate merges), run files cleaned up,
 * zstd-compressed inputs (files and standard input, corrupt and truncated
 * ones), and the atomic replacement seen from outside: a search running
 * during a rebuild answers from the old index, and a build killed with
 * SIGKILL leaves the old index intact and nothing stray after the next run. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "ix_build.h"
#include "ix_source.h"
#include "ns_format.h"
#include "tutil.h"

/* ---- helpers ---- */

typedef struct warns {
    int n[IX_WARN_COUNT];
    char last_file[512], last_msg[512];
} warns;

static void on_warn(void *ctx, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    warns *w = ctx;
    (void)line;
    w->n[kind]++;
    snprintf(w->last_file, sizeof w->last_file, "%s", file ? file : "");
    snprintf(w->last_msg, sizeof w->last_msg, "%s", msg);
}

/* Builds out from the inputs with the given threads and budget (0: the
 * defaults); returns the build's statistics. */
static ix_build_stats build(const char *out, const char *const *inputs, size_t n_inputs,
                            unsigned threads, uint64_t mem, unsigned fanin, warns *w)
{
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "english", on_warn, w, &b, &err), NS_OK, "%s", err.msg);
    if (threads)
        cr_assert_eq(ix_build_set_threads(b, threads, &err), NS_OK, "%s", err.msg);
    if (mem)
        cr_assert_eq(ix_build_set_mem(b, mem, &err), NS_OK, "%s", err.msg);
    if (fanin)
        ix_build_set_max_fanin(b, fanin);
    ix_build_set_allow_empty(b, 1); /* the damaged-input cases may find none */
    for (size_t i = 0; i < n_inputs; i++)
        cr_assert_eq(ix_source_add(b, inputs[i], &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_stats st;
    ix_build_get_stats(b, &st);
    ix_build_free(b);
    return st;
}

static void assert_same_index(const char *a, const char *b, const char *what)
{
    const char *diff = tu_index_diff(a, b);
    cr_assert_null(diff, "%s: '%s' differs", what, diff);
}

/* Entries of dir whose names start with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            !strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    closedir(d);
    return n;
}

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* A deterministic synthetic JSON Lines corpus of n_docs documents: a
 * vocabulary of made-up words with a skewed distribution, documents of 5 to
 * 400 words, some duplicates ids, empty documents and broken lines. */
static char *synth_corpus(size_t n_docs, uint64_t seed, size_t *len)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "an",
                                      "el", "or", "ul", "ve", "zi", "qu", "ba"};
    size_t cap = n_docs * 2400 + 1024, n = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    uint64_t s = seed;
    for (size_t d = 0; d < n_docs; d++) {
        if (d % 997 == 13) { /* a broken line */
            n += (size_t)snprintf(out + n, cap - n, "{\"id\":\"broken%zu\",\"body\":\"x\n", d);
            continue;
        }
        if (d % 1009 == 7) { /* an empty document */
            n += (size_t)snprintf(out + n, cap - n, "{\"id\":\"e%zu\",\"body\":\"...\"}\n", d);
            continue;
        }
        size_t id = d % 1013 == 5 ? d / 2 : d; /* some duplicate ids */
        n += (size_t)snprintf(out + n, cap - n, "{\"id\":\"d%zu\",\"title\":\"T%zu\",\"body\":\"", id,
                              d % 50);
        size_t words = 5 + rng_next(&s) % 396;
        for (size_t i = 0; i < words; i++) {
            double u = (double)(rng_next(&s) % 1000000) / 1e6;
            unsigned r = (unsigned)(20000.0 * u * u * u * u); /* skewed: low ranks frequent */
            char w[32];
            size_t wl = 0;
            do {
                const char *x = syl[r % 16];
                w[wl++] = x[0];
                w[wl++] = x[1];
                r /= 16;
            } while (r && wl < 24);
            memcpy(out + n, w, wl);
            n += wl;
            out[n++] = i % 17 == 16 ? '.' : ' ';
        }
        n += (size_t)snprintf(out + n, cap - n, "\"}\n");
        cr_assert_lt(n, cap - 3000);
    }
    *len = n;
    return out;
}

static char *write_corpus(const char *dir, const char *name, size_t n_docs, uint64_t seed)
{
    size_t len;
    char *c = synth_corpus(n_docs, seed, &len);
    char *p = tu_path(dir, name);
    cr_assert_eq(tu_write_file(p, c, len), 0);
    free(c);
    return p;
}

/* Compresses src into dst with libzstd, in `frames` frames with content
 * checksums (as the zstd command writes them). */
static void zstd_file(const char *src, const char *dst, int frames)
{
    ZSTD_CCtx *z = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
    size_t len;
    char *in = tu_read_file(src, &len);
    cr_assert_not_null(in);
    size_t cap = ZSTD_compressBound(len) + (size_t)frames * 64, n = 0;
    char *out = malloc(cap);
    size_t per = len / (size_t)frames + 1;
    for (size_t off = 0; off < len; off += per) {
        size_t m = len - off < per ? len - off : per;
        size_t r = ZSTD_compress2(z, out + n, cap - n, in + off, m);
        cr_assert(!ZSTD_isError(r));
        n += r;
    }
    cr_assert_eq(tu_write_file(dst, out, n), 0);
    ZSTD_freeCCtx(z);
    free(in);
    free(out);
}

/* ---- determinism ---- */

Test(ix_pipeline, same_index_whatever_threads_and_memory, .timeout = 300)
{
    char *dir = tu_tmpdir("ix_pipe_det");
    char *in = write_corpus(dir, "c.jsonl", 6000, 42);
    const char *inputs[] = {in};
    char *ref = tu_path(dir, "ref");
    warns w0 = {0};
    ix_build_stats st0 = build(ref, inputs, 1, 1, 0, 0, &w0);
    cr_assert_eq(st0.n_runs, 0, "the default budget holds this corpus");
    cr_assert_gt(w0.n[IX_WARN_JSON], 0);
    cr_assert_gt(w0.n[IX_WARN_EMPTY], 0);
    cr_assert_gt(w0.n[IX_WARN_DUPLICATE], 0);
    struct {
        unsigned threads;
        uint64_t mem;
        unsigned fanin;
    } cfg[] = {
        {2, 0, 0},
        {4, 0, 0},
        {1, IX_MIN_MEM, 0},         /* many runs */
        {2, IX_MIN_MEM, 3},         /* many runs, merged three at a time first */
        {4, 3 * IX_MIN_MEM / 2, 0}, /* the inverters flush unevenly */
        {3, 8 * IX_MIN_MEM, 0},
    };
    for (size_t i = 0; i < sizeof cfg / sizeof *cfg; i++) {
        char name[32];
        snprintf(name, sizeof name, "idx%zu", i);
        char *out = tu_path(dir, name);
        warns w = {0};
        ix_build_stats st = build(out, inputs, 1, cfg[i].threads, cfg[i].mem, cfg[i].fanin, &w);
        char what[96];
        snprintf(what, sizeof what, "-j %u --mem %llu fanin %u", cfg[i].threads,
                 (unsigned long long)cfg[i].mem, cfg[i].fanin);
        if (cfg[i].mem && cfg[i].mem <= 2 * IX_MIN_MEM)
            cr_assert_gt(st.n_runs, 3, "%s: only %llu runs", what, (unsigned long long)st.n_runs);
        assert_same_index(ref, out, what);
        cr_assert_eq(st.n_docs, st0.n_docs, "%s", what);
        cr_assert_eq(st.n_terms, st0.n_terms, "%s", what);
        cr_assert_eq(st.n_postings, st0.n_postings, "%s", what);
        cr_assert(memcmp(w.n, w0.n, sizeof w.n) == 0, "%s: other warnings", what);
        /* no run file stays in the index, nothing beside it */
        cr_assert_eq(count_entries(out, IX_RUN_PREFIX), 0, "%s: a run file was left", what);
        cr_assert_eq(count_entries(out, ""), NS_FILE_KIND_COUNT, "%s", what);
        free(out);
    }
    cr_assert_eq(count_entries(dir, "."), 0, "a temporary directory was left");
    free(ref);
    free(in);
    free(dir);
}

Test(ix_pipeline, warnings_come_in_input_order_with_threads)
{
    char *dir = tu_tmpdir("ix_pipe_order");
    char *in = tu_path(dir, "in.jsonl");
    /* a JSON error after an empty document and before a duplicate: the
     * reader finds the first kind, the workers the others */
    const char *j = "{\"id\":\"a\",\"body\":\"one\"}\n"
                    "{\"id\":\"b\",\"body\":\"\"}\n"
                    "{broken\n"
                    "{\"id\":\"a\",\"body\":\"two\"}\n";
    cr_assert_eq(tu_write_file(in, j, strlen(j)), 0);
    char *out = tu_path(dir, "idx");
    char *argv[] = {NS_TEST_NINDEX, "-j", "3", "-o", out, in, NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, 30, &o), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    const char *e1 = strstr(o.err, ":2: document 'b' has no words");
    const char *e2 = strstr(o.err, ":3: malformed JSON");
    const char *e3 = strstr(o.err, ":4: duplicate id 'a'");
    cr_assert(e1 && e2 && e3 && e1 < e2 && e2 < e3, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 1 documents"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(out);
    free(in);
    free(dir);
}

/* ---- zstd inputs ---- */

Test(ix_pipeline, zstd_files_index_like_their_plain_text)
{
    char *dir = tu_tmpdir("ix_pipe_zstd");
    char *plain = write_corpus(dir, "c.jsonl", 800, 7);
    char *z1 = tu_path(dir, "c.jsonl.zst"), *z3 = tu_path(dir, "multi.ndjson.zst");
    zstd_file(plain, z1, 1);
    zstd_file(plain, z3, 3); /* concatenated frames */
    char *a = tu_path(dir, "a"), *b = tu_path(dir, "b"), *c = tu_path(dir, "c");
    const char *ia[] = {plain}, *ib[] = {z1}, *ic[] = {z3};
    warns w = {0};
    ix_build_stats sa = build(a, ia, 1, 2, 0, 0, &w);
    ix_build_stats sb = build(b, ib, 1, 2, 0, 0, &w);
    build(c, ic, 1, 1, 0, 0, &w);
    assert_same_index(a, b, "one frame");
    assert_same_index(a, c, "three frames");
    cr_assert_eq(sa.bytes_in, sb.bytes_in, "text bytes are counted after decompression");
    cr_assert_lt(sb.raw_in, sa.raw_in, "file bytes are counted before");
    cr_assert_eq(w.n[IX_WARN_IO], 0, "%s: %s", w.last_file, w.last_msg);

    /* a directory walk picks up .txt.zst and .jsonl.zst */
    char *docs = tu_path(dir, "docs");
    mkdir(docs, 0755);
    char *t = tu_path(docs, "note.txt"), *tz = tu_path(docs, "note2.txt.zst");
    const char *text = "A title here\nsome body about zebras\n";
    cr_assert_eq(tu_write_file(t, text, strlen(text)), 0);
    zstd_file(t, tz, 1);
    unlink(t);
    char *jz = tu_path(docs, "more.jsonl.zst");
    zstd_file(plain, jz, 2);
    char *d = tu_path(dir, "d");
    const char *id[] = {docs};
    ix_build_stats sd = build(d, id, 1, 2, 0, 0, &w);
    cr_assert_eq(sd.n_docs, sa.n_docs + 1, "%llu", (unsigned long long)sd.n_docs);
    free(d);
    free(jz);
    free(t);
    free(tz);
    free(docs);
    free(a);
    free(b);
    free(c);
    free(z1);
    free(z3);
    free(plain);
    free(dir);
}

Test(ix_pipeline, corrupt_or_truncated_zstd_is_a_warning_naming_the_file)
{
    char *dir = tu_tmpdir("ix_pipe_zbad");
    char *plain = write_corpus(dir, "c.jsonl", 400, 9);
    char *z = tu_path(dir, "c.jsonl.zst");
    zstd_file(plain, z, 2);
    size_t len;
    char *zb = tu_read_file(z, &len);
    cr_assert_not_null(zb);

    /* flipped bytes in the middle of the second frame (caught by its
     * checksum, if not before) */
    char *bad = tu_path(dir, "bad.jsonl.zst");
    for (size_t i = len * 3 / 4; i < len * 3 / 4 + 16; i++)
        zb[i] ^= 0x5a;
    cr_assert_eq(tu_write_file(bad, zb, len), 0);
    /* cut short */
    char *cut = tu_path(dir, "cut.jsonl.zst");
    char *zc = tu_read_file(z, &len);
    cr_assert_eq(tu_write_file(cut, zc, len - 100), 0);
    /* not zstd at all */
    char *junk = tu_path(dir, "junk.txt.zst");
    cr_assert_eq(tu_write_file(junk, "plain words, not zstd", 21), 0);

    const char *cases[] = {bad, cut, junk};
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "idx%d", i);
        char *out = tu_path(dir, name);
        warns w = {0};
        ix_build_stats st = build(out, &cases[i], 1, 2, 0, 0, &w);
        cr_assert_eq(w.n[IX_WARN_IO], 1, "%s", cases[i]);
        cr_assert_str_eq(w.last_file, cases[i]);
        cr_assert(strstr(w.last_msg, "zstd"), "%s", w.last_msg);
        if (i < 2)
            cr_assert_gt(st.n_docs, 0, "what came before the damage is kept");
        free(out);
    }
    free(junk);
    free(zc);
    free(cut);
    free(bad);
    free(zb);
    free(z);
    free(plain);
    free(dir);
}

Test(ix_pipeline, zstd_on_standard_input_is_detected_by_its_magic)
{
    char *dir = tu_tmpdir("ix_pipe_zstdin");
    char *plain = write_corpus(dir, "c.jsonl", 300, 11);
    char *z = tu_path(dir, "c.zst");
    zstd_file(plain, z, 1);
    size_t zl, pl;
    char *zb = tu_read_file(z, &zl), *pb = tu_read_file(plain, &pl);
    char *a = tu_path(dir, "a"), *b = tu_path(dir, "b");
    char *argv_a[] = {NS_TEST_NINDEX, "-q", "-o", a, "-", NULL};
    char *argv_b[] = {NS_TEST_NINDEX, "-q", "-j", "1", "-o", b, "-", NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv_a, zb, zl, 60, &o), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    cr_assert_eq(tu_run(argv_b, pb, pl, 60, &o), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    assert_same_index(a, b, "zstd stdin");
    free(a);
    free(b);
    free(zb);
    free(pb);
    free(z);
    free(plain);
    free(dir);
}

/* ---- the command line ---- */

Test(ix_pipeline, jobs_and_mem_options_are_checked)
{
    char *dir = tu_tmpdir("ix_pipe_opts");
    char *out = tu_path(dir, "idx");
    const char *bad[][2] = {{"-j", "0"}, {"-j", "x"}, {"--mem", "12Q"}, {"--mem", "100K"},
                            {"--mem", "-1G"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[] = {NS_TEST_NINDEX, (char *)bad[i][0], (char *)bad[i][1], "-o", out,
                        NS_TEST_SRCDIR "/corpus", NULL};
        tu_out o;
        cr_assert_eq(tu_run(argv, NULL, 0, 30, &o), 0);
        cr_assert_eq(o.status, 2, "%s %s: %d", bad[i][0], bad[i][1], o.status);
        cr_assert(strstr(o.err, "Try 'nindex --help'"), "%s", o.err);
        tu_out_free(&o);
    }
    const char *good[][2] = {{"-j", "3"}, {"--mem", "64M"}, {"--mem", "1G"}, {"--mem=2MiB", NULL}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char *argv[8] = {NS_TEST_NINDEX, "-q", (char *)good[i][0]};
        int n = 3;
        if (good[i][1])
            argv[n++] = (char *)good[i][1];
        argv[n++] = "-o";
        argv[n++] = out;
        argv[n++] = NS_TEST_SRCDIR "/corpus";
        argv[n] = NULL;
        tu_out o;
        cr_assert_eq(tu_run(argv, NULL, 0, 30, &o), 0);
        cr_assert_eq(o.status, 0, "%s: %s", good[i][0], o.err);
        tu_out_free(&o);
    }
    /* no progress without a terminal */
    char *argv[] = {NS_TEST_NINDEX, "-o", out, NS_TEST_SRCDIR "/corpus", NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, 30, &o), 0);
    cr_assert(!strchr(o.err, '\r'), "%s", o.err);
    cr_assert(!strncmp(o.err, "nindex: indexed 3 documents", 27), "%s", o.err);
    tu_out_free(&o);
    free(out);
    free(dir);
}

/* ---- the old index survives: concurrent searches, kill -9 ---- */

static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* The ids (TREC column 3) nsearch returns for query, space-separated. */
static int search(const char *idx, const char *query, char *ids, size_t cap)
{
    char *argv[] = {NS_TEST_NSEARCH, "-i", (char *)idx, "-k", "5", "--format=trec", (char *)query,
                    NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, 30, &o), 0);
    ids[0] = 0;
    size_t used = 0;
    for (char *l = o.out; *l;) {
        char qid[64], q0[8], id[256];
        if (sscanf(l, "%63s %7s %255s", qid, q0, id) == 3)
            used += (size_t)snprintf(ids + used, cap - used, "%s%s", used ? " " : "", id);
        char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    int st = o.status;
    tu_out_free(&o);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An old index holding the word "oldmarker" in document "old1", and a big
 * input for the rebuild that has no such word. */
static void old_index_and_big_input(const char *dir, char **idx, char **big)
{
    *idx = tu_path(dir, "idx");
    char *small = tu_path(dir, "small.jsonl");
    const char *j = "{\"id\":\"old1\",\"title\":\"Old\",\"body\":\"oldmarker stays\"}\n";
    cr_assert_eq(tu_write_file(small, j, strlen(j)), 0);
    const char *in[] = {small};
    warns w = {0};
    build(*idx, in, 1, 1, 0, 0, &w);
    free(small);
    *big = write_corpus(dir, "big.jsonl", 30000, 3);
}

Test(ix_pipeline, search_during_rebuild_answers_from_the_old_index, .timeout = 300)
{
    char *dir = tu_tmpdir("ix_pipe_concurrent");
    char *idx, *big;
    old_index_and_big_input(dir, &idx, &big);
    char ids[1024];
    cr_assert_eq(search(idx, "oldmarker", ids, sizeof ids), 0);
    cr_assert_str_eq(ids, "old1");
    char *argv[] = {NS_TEST_NINDEX, "-q", "-j", "2", "--mem", "4M", "-o", idx, big, NULL};
    pid_t pid = spawn(argv);
    int searches = 0, swapped = 0, status = 0;
    double t0 = now_s();
    for (;;) {
        /* every search sees either the old index or, once swapped, the new
         * one: never an error, never a mix, never the old one again */
        int done = waitpid(pid, &status, WNOHANG) == pid;
        int st = search(idx, "oldmarker", ids, sizeof ids);
        if (st == 1) {
            swapped = 1;
        } else {
            cr_assert_eq(st, 0, "a search during the rebuild failed (status %d)", st);
            cr_assert(!swapped, "the old index came back");
            cr_assert_str_eq(ids, "old1");
            searches++;
        }
        if (done)
            break;
        cr_assert_lt(now_s() - t0, 250.0);
    }
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nindex status %d", status);
    cr_assert_gt(searches, 0, "the rebuild ended before any search ran");
    cr_assert_eq(search(idx, "oldmarker", ids, sizeof ids), 1, "the new index is in place");
    cr_assert_eq(search(idx, "kalo", ids, sizeof ids), 0);
    cr_assert_eq(count_entries(dir, ".idx.tmp-"), 0);
    free(idx);
    free(big);
    free(dir);
}

Test(ix_pipeline, kill_9_during_build_leaves_old_index_and_next_run_cleans_up, .timeout = 300)
{
    char *dir = tu_tmpdir("ix_pipe_kill");
    char *idx, *big;
    old_index_and_big_input(dir, &idx, &big);
    char *meta = tu_path(idx, "meta");
    size_t ml;
    char *meta0 = tu_read_file(meta, &ml);
    cr_assert_not_null(meta0);
    /* kill at three moments: at once, once it has written a sorted run, and
     * once it has started writing the index files (the final merge) */
    for (int k = 0; k < 3; k++) {
        char *argv[] = {NS_TEST_NINDEX, "-q", "-j", "2", "--mem", "2M", "-o", idx, big, NULL};
        pid_t pid = spawn(argv);
        char tmpname[64];
        snprintf(tmpname, sizeof tmpname, ".idx.tmp-%ld", (long)pid);
        char *tmp = tu_path(dir, tmpname);
        char *postings = tu_path(tmp, "postings");
        double t0 = now_s();
        struct stat sb;
        if (k == 0)
            usleep(20000);
        while (k == 1 && count_entries(tmp, IX_RUN_PREFIX) <= 0 && now_s() - t0 < 120)
            usleep(1000);
        while (k == 2 && stat(postings, &sb) != 0 && now_s() - t0 < 120)
            usleep(500);
        free(postings);
        cr_assert_eq(kill(pid, SIGKILL), 0);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFSIGNALED(status), "nindex ended before it was killed (delay %d)", k);
        /* the old index is untouched and answers */
        size_t l;
        char *m = tu_read_file(meta, &l);
        cr_assert(m && l == ml && !memcmp(m, meta0, l), "meta changed");
        free(m);
        char ids[256];
        cr_assert_eq(search(idx, "oldmarker", ids, sizeof ids), 0);
        cr_assert_str_eq(ids, "old1");
        free(tmp);
    }
    cr_assert_gt(count_entries(dir, ".idx.tmp-"), 0, "the killed builds left their temporaries");
    /* the next run removes them all and installs its index */
    char *small = tu_path(dir, "next.jsonl");
    const char *j = "{\"id\":\"n1\",\"body\":\"newmarker\"}\n";
    cr_assert_eq(tu_write_file(small, j, strlen(j)), 0);
    char *argv[] = {NS_TEST_NINDEX, "-q", "-o", idx, small, NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    cr_assert_eq(count_entries(dir, ".idx.tmp-"), 0, "stray temporaries after the next run");
    cr_assert_eq(count_entries(idx, ""), NS_FILE_KIND_COUNT);
    char ids[256];
    cr_assert_eq(search(idx, "newmarker", ids, sizeof ids), 0);
    cr_assert_str_eq(ids, "n1");
    free(small);
    free(meta0);
    free(meta);
    free(idx);
    free(big);
    free(dir);
}
