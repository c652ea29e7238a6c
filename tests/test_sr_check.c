/* sr_check called directly on damaged indexes.  nsearch --check verifies
 * every file's checksum (sr_check_files) before sr_check runs, which masks
 * both of sr_check's passes; here files are damaged and their XXH3 footers
 * recomputed, so only sr_check's structural checks can see the damage, and
 * one file is damaged with its old footer, to show sr_check's own checksum
 * pass runs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns_endian.h"
#include "ns_format.h"
#include "sr_check.h"
#include "sr_index.h"
#include "tutil.h"

#define CORPUS NS_TEST_SRCDIR "/corpus"

struct problems {
    unsigned n;
    char all[4096];
};

static void on_problem(void *ctx, const char *msg)
{
    struct problems *p = ctx;
    p->n++;
    size_t l = strlen(p->all);
    snprintf(p->all + l, sizeof p->all - l, "%s\n", msg);
}

/* An index of corpus/ in a fresh directory named test. */
static char *make_index(const char *test)
{
    char *dir = tu_tmpdir(test);
    char *idx = tu_path(dir, "idx");
    char *argv[] = {NS_TEST_NINDEX, "-q", "-o", idx, CORPUS, NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
    cr_assert_eq(o.status, 0, "nindex: %s", o.err);
    tu_out_free(&o);
    free(dir);
    return idx;
}

/* Recomputes the footer of the file image b[0..len). */
static void refooter(uint8_t *b, size_t len)
{
    ns_sum s;
    cr_assert_eq(ns_sum_init(&s), NS_OK);
    ns_sum_update(&s, b, len - NS_FOOTER_LEN);
    ns_sum_footer(&s, b + len - NS_FOOTER_LEN);
    ns_sum_release(&s);
}

/* Adds delta to the payload byte at `at` (from the payload's start when
 * at >= 0, from its end when negative) of idx/name; with `resum` the
 * footer's checksum is recomputed so the file is "sound" again. */
static void damage(const char *idx, const char *name, long at, int delta, int resum)
{
    char *path = tu_path(idx, name);
    size_t len;
    uint8_t *b = (uint8_t *)tu_read_file(path, &len);
    cr_assert_not_null(b, "%s", path);
    cr_assert_gt(len, NS_HEADER_LEN + NS_FOOTER_LEN + 8);
    size_t payload = len - NS_HEADER_LEN - NS_FOOTER_LEN;
    size_t off = at >= 0 ? NS_HEADER_LEN + (size_t)at : NS_HEADER_LEN + payload - (size_t)-at;
    cr_assert_lt(off, len - NS_FOOTER_LEN);
    b[off] = (uint8_t)(b[off] + delta);
    if (resum)
        refooter(b, len);
    cr_assert_eq(tu_write_file(path, b, len), 0);
    free(b);
    free(path);
}

/* The problems sr_check_files and sr_check find in idx. */
static void check(const char *idx, struct problems *files, struct problems *full)
{
    memset(files, 0, sizeof *files);
    memset(full, 0, sizeof *full);
    uint64_t n = 0;
    ns_err err;
    cr_assert_eq(sr_check_files(idx, on_problem, files, &n, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(n, files->n);
    sr_index *ix;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    uint64_t m = sr_check(ix, on_problem, full);
    cr_assert_eq(m, full->n);
    sr_index_close(ix);
}

Test(sr_check, a_sound_index_has_no_problem)
{
    char *idx = make_index("sound");
    struct problems f, c;
    check(idx, &f, &c);
    cr_assert_eq(f.n + c.n, 0, "%s%s", f.all, c.all);
    free(idx);
}

/* Each damage keeps every checksum valid: only structure can tell.  The
 * offsets are bytes whose change the invariants can see (a position moved
 * by one inside its document cannot be). */
struct case_ {
    const char *file;
    long at;
    int delta;
};
static const struct case_ structural[] = {
    {"doclens", 0, 1},        /* document 0 one word longer than its postings */
    {"doclens", 8, 3},        /* the last (third) document */
    {"doclens", 12, 1},       /* document 0's title one word longer than it is */
    {"doclens", -2, -1},      /* the last title one word shorter */
    {"doclens", -1, 1},       /* the last title longer than its document */
    {"postings", 1, 1},       /* a list that no longer decodes */
    {"postings", 9, 1},       /* a frequency against the positions */
    {"postings", 14, 1},      /* the stored best posting no longer the best */
    {"positions", 1, 1},      /* a position past its document's end */
    {"positions", 3, 1},      /* a stream that no longer decodes */
    {"terms", 2, 1},          /* dictionary order */
    {"terms", 7, 1},          /* a list's offset */
};

Test(sr_check, structural_damage_with_valid_checksums_is_found)
{
    for (size_t i = 0; i < sizeof structural / sizeof structural[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "structural%zu", i);
        char *idx = make_index(name);
        damage(idx, structural[i].file, structural[i].at, structural[i].delta, 1);
        struct problems f, c;
        check(idx, &f, &c);
        cr_assert_eq(f.n, 0, "%s: checksum not recomputed? %s", structural[i].file, f.all);
        cr_assert_gt(c.n, 0, "%s%+ld: damage with a valid checksum not found by sr_check",
                     structural[i].file, structural[i].at);
        cr_assert(strstr(c.all, "checksum") == NULL, "%s", c.all);
        free(idx);
    }
}

Test(sr_check, its_own_checksum_pass_names_a_bad_checksum)
{
    char *idx = make_index("sum");
    /* a checksum mismatch the structural pass may also see, but only the
     * checksum pass names as one */
    damage(idx, "doclens", 0, 0x40, 0);
    struct problems f, c;
    check(idx, &f, &c);
    cr_assert_eq(f.n, 1, "%s", f.all);
    cr_assert(strstr(c.all, "doclens': checksum mismatch") != NULL,
              "sr_check did not verify the checksum: %s", c.all);
    free(idx);
}

/* Keyword terms (format 4.0) sort first: the dictionary's first entry is
 * shared 0, suffix_len, the key "\x1ftopics\x1f" + "alpha", df, cf - df.
 * A keyword term with cf != df, or with positions, is found. */
Test(sr_check, keyword_term_with_a_frequency_over_one_is_found)
{
    char *dir = tu_tmpdir("keyword");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    const char *text = "{\"id\":\"1\",\"body\":\"one two\",\"topics\":[\"alpha\",\"beta\"]}\n"
                       "{\"id\":\"2\",\"body\":\"two three\",\"topics\":\"alpha\"}\n";
    cr_assert_eq(tu_write_file(src, text, strlen(text)), 0);
    for (int delta = 1; delta <= 2; delta++) {
        char *argv[] = {NS_TEST_NINDEX, "-q", "--field", "topics", "-o", idx, src, NULL};
        tu_out o;
        cr_assert_eq(tu_run(argv, NULL, 0, 60, &o), 0);
        cr_assert_eq(o.status, 0, "nindex: %s", o.err);
        tu_out_free(&o);
        struct problems f, c;
        check(idx, &f, &c);
        cr_assert_eq(f.n + c.n, 0, "%s%s", f.all, c.all);
        size_t key_len = 1 + 6 + 1 + 5;
        /* delta 1: cf - df; delta 2: post_len (a list that no longer fits) */
        damage(idx, "terms", (long)(2 + key_len + delta), 1, 1);
        check(idx, &f, &c);
        cr_assert_eq(f.n, 0, "%s", f.all);
        cr_assert_gt(c.n, 0, "delta %d: not found", delta);
        if (delta == 1)
            cr_assert(strstr(c.all, "keyword term 'topics:alpha' has positions or frequencies"),
                      "%s", c.all);
    }
    free(idx);
    free(src);
    free(dir);
}

/* A file whose header names a codec this reader does not know (with a
 * valid checksum): opening refuses it as an index of a newer writer
 * (NS_E_VERSION) naming the file and the codec, and so does
 * sr_check_files (nsearch --check). */
Test(sr_check, unknown_codec_is_refused_at_open_and_by_check_files)
{
    const char *const files[] = {"meta", "postings", "docstore"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "codec%zu", i);
        char *idx = make_index(name);
        char *path = tu_path(idx, files[i]);
        size_t len;
        uint8_t *b = (uint8_t *)tu_read_file(path, &len);
        cr_assert_not_null(b);
        ns_put_u32le(b + 16, 9);
        refooter(b, len);
        cr_assert_eq(tu_write_file(path, b, len), 0);
        char want[600];
        snprintf(want, sizeof want,
                 "'%s' uses codec 9, which this nsearch cannot read", path);
        sr_index *ix = NULL;
        ns_err err;
        cr_assert_eq(sr_index_open(idx, &ix, &err), NS_E_VERSION, "%s: %s", files[i], err.msg);
        cr_assert(strstr(err.msg, want), "%s", err.msg);
        cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
        struct problems f = {0};
        uint64_t n = 0;
        cr_assert_eq(sr_check_files(idx, on_problem, &f, &n, &err), NS_OK, "%s", err.msg);
        cr_assert_eq(n, 1, "%s", f.all);
        cr_assert(strstr(f.all, want), "%s", f.all);
        free(b);
        free(path);
        free(idx);
    }
}
