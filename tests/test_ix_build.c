/* The indexer library: deterministic output, atomic replacement, refusal to
 * replace what is not an index, stale temporaries, warnings. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ix_build.h"
#include "ix_source.h"
#include "ns_format.h"
#include "tutil.h"

typedef struct warns {
    int n[IX_WARN_COUNT];
    char last[512];
    uint64_t last_line;
} warns;

static void on_warn(void *ctx, ix_warn_kind kind, const char *file, uint64_t line, const char *msg)
{
    warns *w = ctx;
    (void)file;
    w->n[kind]++;
    w->last_line = line;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static void build_from(const char *out, const char *input, warns *w)
{
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "english", on_warn, w, &b, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix_source_add(b, input, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_free(b);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = tu_read_file(a, &la), *y = tu_read_file(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

Test(ix_build, same_input_gives_byte_identical_index)
{
    char *dir = tu_tmpdir("ix_determinism");
    char *a = tu_path(dir, "a"), *b = tu_path(dir, "b");
    warns w = {0};
    build_from(a, NS_TEST_SRCDIR "/corpus", &w);
    build_from(b, NS_TEST_SRCDIR "/corpus", &w);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char *fa = tu_path(a, ns_file_name((ns_file_kind)k));
        char *fb = tu_path(b, ns_file_name((ns_file_kind)k));
        cr_assert(same_file(fa, fb), "%s differs", ns_file_name((ns_file_kind)k));
        free(fa);
        free(fb);
    }
    free(a);
    free(b);
    free(dir);
}

Test(ix_build, rebuild_replaces_and_leaves_no_temporaries)
{
    char *dir = tu_tmpdir("ix_replace");
    char *out = tu_path(dir, "idx");
    char *in1 = tu_path(dir, "one.jsonl"), *in2 = tu_path(dir, "two.jsonl");
    const char *j1 = "{\"id\":\"1\",\"title\":\"first\",\"body\":\"alpha\"}\n";
    const char *j2 = "{\"id\":\"2\",\"title\":\"second\",\"body\":\"beta gamma\"}\n"
                     "{\"id\":\"3\",\"title\":\"third\",\"body\":\"delta\"}\n";
    tu_write_file(in1, j1, strlen(j1));
    tu_write_file(in2, j2, strlen(j2));
    warns w = {0};
    build_from(out, in1, &w);
    char *meta = tu_path(out, "meta");
    size_t l1;
    char *m1 = tu_read_file(meta, &l1);
    build_from(out, in2, &w);
    size_t l2;
    char *m2 = tu_read_file(meta, &l2);
    cr_assert(m1 && m2 && l1 == l2 && memcmp(m1, m2, l1) != 0, "meta was replaced");
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        cr_assert(strncmp(e->d_name, ".idx.tmp-", 9) != 0, "left %s", e->d_name);
    closedir(d);
    free(m1);
    free(m2);
    free(meta);
    free(in1);
    free(in2);
    free(out);
    free(dir);
}

Test(ix_build, refuses_to_replace_a_directory_that_is_not_an_index)
{
    char *dir = tu_tmpdir("ix_refuse");
    char *out = tu_path(dir, "docs");
    mkdir(out, 0755);
    char *precious = tu_path(out, "precious.txt");
    tu_write_file(precious, "keep me", 7);
    ix_build *b;
    ns_err err;
    /* refused at once, before any work */
    cr_assert_eq(ix_build_new(out, "english", NULL, NULL, &b, &err), NS_E_EXISTS);
    cr_assert(strstr(err.msg, "not an nsearch index"), "%s", err.msg);
    /* and again at the install, when it appears during the build */
    char *moved = tu_path(dir, "aside");
    cr_assert_eq(rename(out, moved), 0);
    cr_assert_eq(ix_build_new(out, "english", NULL, NULL, &b, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix_source_add(b, NS_TEST_SRCDIR "/corpus", &err), NS_OK);
    cr_assert_eq(rename(moved, out), 0);
    cr_assert_eq(ix_build_commit(b, &err), NS_E_EXISTS);
    cr_assert(strstr(err.msg, "not an nsearch index"), "%s", err.msg);
    ix_build_free(b);
    free(moved);
    size_t n;
    char *s = tu_read_file(precious, &n);
    cr_assert(s && n == 7);
    free(s);
    free(precious);
    free(out);
    free(dir);
}

Test(ix_build, stale_temporary_of_dead_process_is_removed)
{
    char *dir = tu_tmpdir("ix_stale");
    char *out = tu_path(dir, "idx");
    /* pid 2^22 + 1 is above Linux's pid_max default: never alive */
    char *stale = tu_path(dir, ".idx.tmp-4194305");
    mkdir(stale, 0755);
    char *junk = tu_path(stale, "postings");
    tu_write_file(junk, "x", 1);
    cr_assert_eq(ix_build_clean_stale(out), 1);
    struct stat sb;
    cr_assert_neq(stat(stale, &sb), 0);
    /* our own live temporary is left alone by others: a live pid (1) */
    char *live = tu_path(dir, ".idx.tmp-1");
    mkdir(live, 0755);
    cr_assert_eq(ix_build_clean_stale(out), 0);
    cr_assert_eq(stat(live, &sb), 0);
    free(live);
    free(junk);
    free(stale);
    free(out);
    free(dir);
}

Test(ix_build, failed_build_leaves_old_index_and_no_temporary)
{
    char *dir = tu_tmpdir("ix_abort");
    char *out = tu_path(dir, "idx");
    warns w = {0};
    build_from(out, NS_TEST_SRCDIR "/corpus", &w);
    char *meta = tu_path(out, "meta");
    size_t l1;
    char *m1 = tu_read_file(meta, &l1);
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "english", NULL, NULL, &b, &err), NS_OK);
    ix_doc d = {.id = "z", .id_len = 1, .body = "zeta", .body_len = 4, .src = "t"};
    cr_assert_eq(ix_build_add(b, &d, &err), NS_OK);
    ix_build_free(b); /* abandoned before commit */
    size_t l2;
    char *m2 = tu_read_file(meta, &l2);
    cr_assert(m1 && m2 && l1 == l2 && memcmp(m1, m2, l1) == 0);
    DIR *dd = opendir(dir);
    struct dirent *e;
    while ((e = readdir(dd)))
        cr_assert(strncmp(e->d_name, ".idx.tmp-", 9) != 0, "left %s", e->d_name);
    closedir(dd);
    free(m1);
    free(m2);
    free(meta);
    free(out);
    free(dir);
}

Test(ix_build, jsonl_warnings_name_their_lines)
{
    char *dir = tu_tmpdir("ix_jsonl_warn");
    char *out = tu_path(dir, "idx"), *in = tu_path(dir, "in.jsonl");
    const char *j = "{\"id\":1,\"title\":\"ok\",\"body\":\"fine words\"}\n"
                    "{\"id\":2,\"title\":\"broken\"\n"
                    "\n"
                    "{\"id\":3,\"body\":\"bad \\q escape\"}\n"
                    "{\"title\":\"no id\",\"body\":\"still indexed\"}\n"
                    "{\"id\":\"5\",\"body\":\"\"}\n"
                    "{\"id\":1,\"title\":\"again\",\"body\":\"replacement\"}";
    tu_write_file(in, j, strlen(j));
    warns w = {0};
    build_from(out, in, &w);
    cr_assert_eq(w.n[IX_WARN_JSON], 2);
    cr_assert_eq(w.n[IX_WARN_FIELD], 1);
    cr_assert_eq(w.n[IX_WARN_EMPTY], 1);
    cr_assert_eq(w.n[IX_WARN_DUPLICATE], 1);
    cr_assert_eq(w.last_line, 7, "the duplicate is on line 7 (no final newline)");
    free(in);
    free(out);
    free(dir);
}

/* Keyword fields through the library (nindex --field): bad names and a
 * late call are NS_E_ARG; a field added by ix_build_add_keyword_field is
 * recorded in meta (FORMAT.md: u32 count, then u8 length and name). */
Test(ix_build, keyword_fields_are_checked_and_recorded)
{
    char *dir = tu_tmpdir("ix_keyword");
    char *out = tu_path(dir, "idx");
    ix_build *b;
    ns_err err;
    cr_assert_eq(ix_build_new(out, "english", NULL, NULL, &b, &err), NS_OK, "%s", err.msg);
    const char *bad[] = {"", "id", "url", "a:b", "a b", "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(ix_build_add_keyword_field(b, bad[i], strlen(bad[i]), &err), NS_E_ARG, "%s",
                     bad[i]);
    cr_assert_eq(ix_build_add_keyword_field(b, "topics", 6, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix_build_add_keyword_field(b, "topics", 6, &err), NS_OK, "%s", err.msg);
    ix_doc d = {.id = "1", .id_len = 1, .body = "words", .body_len = 5, .src = "t"};
    cr_assert_eq(ix_build_add(b, &d, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix_build_add_keyword_field(b, "late", 4, &err), NS_E_ARG);
    cr_assert_eq(ix_build_commit(b, &err), NS_OK, "%s", err.msg);
    ix_build_free(b);
    char *meta = tu_path(out, "meta");
    size_t n;
    uint8_t *m = (uint8_t *)tu_read_file(meta, &n);
    cr_assert_not_null(m);
    cr_assert_eq(n, NS_HEADER_LEN + NS_META_PAYLOAD_LEN + 4 + 1 + 6 + NS_FOOTER_LEN);
    const uint8_t *p = m + NS_HEADER_LEN + NS_META_OFF_KW_FIELDS;
    cr_assert_eq(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24, 1u);
    cr_assert_eq(p[4], 6);
    cr_assert(memcmp(p + 5, "topics", 6) == 0);
    free(m);
    free(meta);
    free(out);
    free(dir);
}
