/* End-to-end tests of the nindex program: usage errors, JSON Lines with
 * broken lines (warnings naming file:LINE, the summary, --strict), standard
 * input, directory walks (binary, empty and invalid UTF-8 files, relative
 * ids), and installing the index (replacement, refusal to replace what is
 * not an index, stale temporaries).  Results are checked by searching the
 * built index with the built nsearch. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns_format.h"
#include "tutil.h"

#define TIMEOUT_S 20

/* ---- helpers ---- */

#include "tcli.h"
#define tc_runv_in(in, ...) tc_runv((in), TIMEOUT_S, __VA_ARGS__)

static void write_str(const char *path, const char *s)
{
    cr_assert_eq(tu_write_file(path, s, strlen(s)), 0, "cannot write %s", path);
}

/* Writes dir/name (name may contain one level of subdirectory) = s. */
static void put(const char *dir, const char *name, const char *s, size_t len)
{
    char *p = tu_path(dir, name);
    char *slash = strrchr(p, '/');
    *slash = 0;
    mkdir(p, 0777);
    *slash = '/';
    cr_assert_eq(tu_write_file(p, s, len), 0, "cannot write %s", p);
    free(p);
}

#define PUTS(dir, name, s) put(dir, name, s, strlen(s))

/* The ids (TREC column 3) nsearch returns for query, space-separated, in
 * rank order; "" when nothing matched.  Asserts the status is 0 or 1. */
static void search_ids(const char *idx, const char *query, char *out, size_t cap)
{
    tu_out o = NSEARCH("-i", idx, "-k", "100", "--format=trec", query);
    cr_assert(o.status == 0 || o.status == 1, "nsearch %s: status %d, stderr: %s", query, o.status,
              o.err);
    out[0] = 0;
    size_t used = 0;
    for (char *l = o.out; *l;) {
        char qid[64], q0[8], id[512];
        cr_assert_eq(sscanf(l, "%63s %7s %511s", qid, q0, id), 3, "bad TREC line: %s", l);
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? " " : "", id);
        cr_assert_lt(used, cap);
        char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    cr_assert_eq(o.status, out[0] ? 0 : 1, "status %d does not match the hits '%s'", o.status, out);
    tu_out_free(&o);
}

static void assert_ids(const char *idx, const char *query, const char *want)
{
    char got[4096];
    search_ids(idx, query, got, sizeof got);
    cr_assert_str_eq(got, want, "query '%s'", query);
}

/* Number of lines of s beginning with prefix. */
static int count_prefixed_lines(const char *s, const char *prefix)
{
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *l = s; *l;) {
        n += strncmp(l, prefix, pl) == 0;
        const char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    return n;
}

/* True if stderr has a warning line naming file:line and containing what. */
static int has_warning(const char *err, const char *file, unsigned long line, const char *what)
{
    char head[4096];
    if (line)
        snprintf(head, sizeof head, "nindex: warning: %s:%lu: ", file, line);
    else
        snprintf(head, sizeof head, "nindex: warning: %s: ", file);
    for (const char *p = strstr(err, head); p; p = strstr(p + 1, head)) {
        if (p != err && p[-1] != '\n')
            continue;
        size_t n = strcspn(p, "\n");
        const char *w = strstr(p, what);
        if (w && (size_t)(w - p) < n)
            return 1;
    }
    return 0;
}

/* Number of entries of dir whose names start with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            !strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    }
    closedir(d);
    return n;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* The broken JSON Lines fixture: line numbers are referred to below. */
static const char bad_jsonl[] =
    "{\"id\":\"a\",\"title\":\"Alpha\",\"body\":\"the quick brown fox jumps\"}\n" /* 1 ok */
    "{\"id\":\"b\",\"title\":\"Bravo\",\"body\":\"truncated pelican\n"             /* 2 cut */
    "{\"id\":\"c\",\"body\":\"bad escape \\q heron\"}\n"                        /* 3 \q */
    "{\"id\":\"d\",\"title\":\"Delta\",\"body\":\"caf\xff\xfe marmot\"}\n"         /* 4 UTF-8 */
    "\n"                                                                        /* 5 blank */
    "{\"title\":\"No id\",\"body\":\"walrus orphan\"}\n"                       /* 6 no id */
    "{\"id\":\"e\",\"title\":\"\",\"body\":\"\"}\n"                             /* 7 empty */
    "{\"id\":\"dup\",\"body\":\"oldversion giraffe\"}\n"                        /* 8 */
    "{\"id\":\"f\",\"body\":\"zebra stripes\"}\n"                               /* 9 ok */
    "{\"id\":\"dup\",\"body\":\"newversion okapi\"}\n";                         /* 10 dup */

/* ---- usage ---- */

Test(cli_nindex, help_and_version_exit_0)
{
    tu_out o = NINDEX("--help");
    cr_assert_eq(o.status, 0);
    cr_assert(!strncmp(o.out, "Usage: nindex", 13), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "Exit status"), "stdout: %s", o.out);
    cr_assert_str_empty(o.err);
    tu_out_free(&o);
    o = NINDEX("-h");
    cr_assert_eq(o.status, 0);
    cr_assert(strstr(o.out, "Usage: nindex"));
    tu_out_free(&o);
    o = NINDEX("--version");
    cr_assert_eq(o.status, 0);
    cr_assert(!strncmp(o.out, "nindex ", 7), "stdout: %s", o.out);
    tu_out_free(&o);
}

Test(cli_nindex, no_input_exits_2)
{
    char *dir = tu_tmpdir("no_input");
    char *idx = tu_path(dir, "idx");
    tu_out o = tc_runv_in(NULL, NS_TEST_NINDEX, (const char *)NULL);
    cr_assert_eq(o.status, 2);
    cr_assert_str_empty(o.out);
    cr_assert(strstr(o.err, "no INPUT"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "Try 'nindex --help'"), "stderr: %s", o.err);
    tu_out_free(&o);
    o = NINDEX("-o", idx);
    cr_assert_eq(o.status, 2);
    cr_assert(strstr(o.err, "Try 'nindex --help'"), "stderr: %s", o.err);
    tu_out_free(&o);
    cr_assert(!exists(idx), "an index was written without input");
    cr_assert_eq(count_entries(dir, ""), 0, "something was left in %s", dir);
    free(idx);
    free(dir);
}

Test(cli_nindex, unknown_option_exits_2)
{
    char *dir = tu_tmpdir("unknown_option");
    char *idx = tu_path(dir, "idx");
    const char *opts[] = {"--bogus", "-z", "--output"};
    for (size_t i = 0; i < 3; i++) {
        tu_out o = i == 2 ? NINDEX(opts[i]) : NINDEX("-o", idx, opts[i], NS_TEST_SRCDIR "/corpus");
        cr_assert_eq(o.status, 2, "%s: status %d", opts[i], o.status);
        cr_assert_str_empty(o.out);
        cr_assert(!strncmp(o.err, "nindex: ", 8), "%s: stderr: %s", opts[i], o.err);
        cr_assert(strstr(o.err, "Try 'nindex --help'"), "%s: stderr: %s", opts[i], o.err);
        tu_out_free(&o);
    }
    cr_assert(!exists(idx));
    free(idx);
    free(dir);
}

Test(cli_nindex, unknown_language_exits_2_naming_it)
{
    char *dir = tu_tmpdir("unknown_lang");
    char *idx = tu_path(dir, "idx");
    tu_out o = NINDEX("--lang", "klingon", "-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 2, "status %d", o.status);
    cr_assert_str_empty(o.out);
    cr_assert(strstr(o.err, "klingon"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "english"), "the known languages are not listed: %s", o.err);
    tu_out_free(&o);
    cr_assert_eq(count_entries(dir, ""), 0, "something was left in %s", dir);
    /* a known language other than the default works */
    o = NINDEX("-q", "-l", "french", "-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "Article Five", "000_599a60e16b94297e.txt");
    free(idx);
    free(dir);
}

Test(cli_nindex, english_stop_words_are_left_out_unless_asked_to_keep_them)
{
    char *dir = tu_tmpdir("stopwords");
    char *idx = tu_path(dir, "idx"), *keep = tu_path(dir, "keep"), *fr = tu_path(dir, "fr");
    char *in = tu_path(dir, "in.jsonl");
    write_str(in, "{\"id\":\"w\",\"title\":\"The Who\",\"body\":\"to be or not to be\"}\n"
                  "{\"id\":\"b\",\"body\":\"the bank of england\"}\n");
    /* default for English: the stop list */
    tu_out o = NINDEX("-q", "-o", idx, in);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "who", "w");
    assert_ids(idx, "bank of england", "b");
    o = NSEARCH("-i", idx, "to be or not to be");
    cr_assert_eq(o.status, 1, "status %d", o.status);
    cr_assert_str_empty(o.out);
    cr_assert(strstr(o.err, "stop word") && strstr(o.err, "--stopwords english"), "stderr: %s",
              o.err);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "a stop-word-only document is sound: %s", o.err);
    tu_out_free(&o);
    /* --stopwords none keeps them */
    o = NINDEX("-q", "--stopwords", "none", "-o", keep, in);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(keep, "to be or not to be", "w");
    o = NSEARCH("--check", "-i", keep);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    /* other languages have no list by default, and can ask for it */
    o = NINDEX("-q", "-l", "french", "-o", fr, in);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(fr, "the", "b w"); /* the shorter document first */
    o = NINDEX("-q", "-l", "french", "--stopwords", "english", "-o", fr, in);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(fr, "the", "");
    /* an unknown list is a usage error that leaves nothing behind */
    o = NINDEX("--stopwords", "klingon", "-o", fr, in);
    cr_assert_eq(o.status, 2, "status %d", o.status);
    cr_assert(strstr(o.err, "klingon"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(fr, "the", "");
    free(idx);
    free(keep);
    free(fr);
    free(in);
    free(dir);
}

/* ---- JSON Lines ---- */

Test(cli_nindex, broken_json_lines_are_skipped_with_line_warnings)
{
    char *dir = tu_tmpdir("jsonl_broken");
    char *in = tu_path(dir, "in.jsonl");
    char *idx = tu_path(dir, "idx");
    cr_assert_eq(tu_write_file(in, bad_jsonl, sizeof bad_jsonl - 1), 0);
    tu_out o = NINDEX("-o", idx, in);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert_str_empty(o.out);
    cr_assert(has_warning(o.err, in, 2, "malformed JSON"), "line 2: %s", o.err);
    cr_assert(has_warning(o.err, in, 3, "malformed JSON"), "line 3: %s", o.err);
    cr_assert(has_warning(o.err, in, 4, "UTF-8"), "line 4: %s", o.err);
    cr_assert(has_warning(o.err, in, 6, "id"), "line 6: %s", o.err);
    cr_assert(has_warning(o.err, in, 7, "no words"), "line 7: %s", o.err);
    cr_assert(has_warning(o.err, in, 10, "duplicate id 'dup'"), "line 10: %s", o.err);
    cr_assert_eq(count_prefixed_lines(o.err, "nindex: warning: "), 6, "stderr: %s", o.err);
    /* the summary counts them */
    cr_assert(strstr(o.err, "indexed 5 documents"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "6 warnings: 2 malformed JSON, 1 invalid UTF-8, 1 empty document, "
                            "1 missing field, 1 duplicate id"),
              "stderr: %s", o.err);
    tu_out_free(&o);

    assert_ids(idx, "quick", "a");
    assert_ids(idx, "marmot", "d");   /* repaired, kept */
    char gen[4096];
    snprintf(gen, sizeof gen, "%s:6", in); /* the generated id: FILE:LINE */
    assert_ids(idx, "walrus", gen);
    assert_ids(idx, "zebra", "f");
    assert_ids(idx, "pelican", "");   /* the truncated object */
    assert_ids(idx, "heron", "");     /* the invalid escape */
    /* the duplicate: only the later version */
    assert_ids(idx, "okapi", "dup");
    assert_ids(idx, "giraffe", "");
    assert_ids(idx, "oldversion newversion", "dup");
    o = NSEARCH("-i", idx, "--json", "okapi");
    cr_assert(strstr(o.out, "\"snippet\":\"newversion okapi\""), "stdout: %s", o.out);
    tu_out_free(&o);
    /* the repair is U+FFFD */
    o = NSEARCH("-i", idx, "--json", "marmot");
    cr_assert(strstr(o.out, "\"title\":\"Delta\""), "stdout: %s", o.out);
    cr_assert(strstr(o.out, "caf\xef\xbf\xbd"), "no U+FFFD in: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    free(idx);
    free(in);
    free(dir);
}

Test(cli_nindex, quiet_prints_no_warnings)
{
    char *dir = tu_tmpdir("quiet");
    char *in = tu_path(dir, "in.jsonl");
    char *idx = tu_path(dir, "idx");
    cr_assert_eq(tu_write_file(in, bad_jsonl, sizeof bad_jsonl - 1), 0);
    tu_out o = NINDEX("-q", "-o", idx, in);
    cr_assert_eq(o.status, 0);
    cr_assert_str_empty(o.err);
    cr_assert_str_empty(o.out);
    tu_out_free(&o);
    assert_ids(idx, "zebra", "f");
    free(idx);
    free(in);
    free(dir);
}

Test(cli_nindex, strict_refuses_bad_input_and_keeps_the_old_index)
{
    char *dir = tu_tmpdir("strict");
    char *good = tu_path(dir, "good.jsonl");
    char *bad = tu_path(dir, "bad.jsonl");
    char *idx = tu_path(dir, "idx");
    write_str(good, "{\"id\":\"first\",\"body\":\"firstbuild armadillo\"}\n");
    cr_assert_eq(tu_write_file(bad, bad_jsonl, sizeof bad_jsonl - 1), 0);
    /* --strict on clean input builds */
    tu_out o = NINDEX("--strict", "-o", idx, good);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "armadillo", "first");
    char *meta = tu_path(idx, "meta");
    size_t meta_len;
    char *meta_before = tu_read_file(meta, &meta_len);
    cr_assert_not_null(meta_before);

    o = NINDEX("--strict", "-o", idx, bad);
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    cr_assert(has_warning(o.err, bad, 2, "malformed JSON"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "--strict"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "not written"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "armadillo", "first");
    assert_ids(idx, "zebra", "");
    size_t len;
    char *meta_after = tu_read_file(meta, &len);
    cr_assert(meta_after && len == meta_len && !memcmp(meta_before, meta_after, len),
              "the old index was modified");
    cr_assert_eq(count_entries(dir, ".idx.tmp-"), 0, "a temporary directory was left behind");
    free(meta_after);
    free(meta_before);
    free(meta);
    free(idx);
    free(bad);
    free(good);
    free(dir);
}

Test(cli_nindex, stdin_input_reads_json_lines)
{
    char *dir = tu_tmpdir("stdin");
    char *idx = tu_path(dir, "idx");
    const char in[] = "{\"id\":\"s1\",\"title\":\"Stdin one\",\"body\":\"lemurs climb\"}\n"
                      "not json at all\n"
                      "{\"id\":\"s2\",\"text\":\"lemurs and lorises\",\"date\":\"2024-01-02\"}";
    tu_out o = tc_runv_in(in, NS_TEST_NINDEX, "-o", idx, "-", (const char *)NULL);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(has_warning(o.err, "<stdin>", 2, "malformed JSON"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 2 documents"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "lorises", "s2");
    char ids[256];
    search_ids(idx, "lemur", ids, sizeof ids);
    cr_assert(!strcmp(ids, "s1 s2") || !strcmp(ids, "s2 s1"), "ids: %s", ids);
    o = NSEARCH("-i", idx, "--json", "lorises");
    cr_assert(strstr(o.out, "\"date\":\"2024-01-02\""), "stdout: %s", o.out);
    tu_out_free(&o);
    free(idx);
    free(dir);
}

/* ---- directories and text files ---- */

Test(cli_nindex, directory_walk_follows_file_links_only)
{
    char *dir = tu_tmpdir("dir_links");
    char *docs = tu_path(dir, "docs"), *outside = tu_path(dir, "outside");
    char *idx = tu_path(dir, "idx");
    cr_assert_eq(mkdir(docs, 0777), 0);
    cr_assert_eq(mkdir(outside, 0777), 0);
    PUTS(outside, "f.txt", "Linked\nlinked wombat\n");
    PUTS(outside, "sub/g.txt", "Behind a directory link\nhidden quokka\n");
    PUTS(docs, "a.txt", "Plain\nplain aardvark\n");
    char *f = tu_path(outside, "f.txt"), *sub = tu_path(outside, "sub");
    char *l1 = tu_path(docs, "link.txt"), *l2 = tu_path(docs, "dirlink");
    char *l3 = tu_path(docs, "dangling.txt"), *l4 = tu_path(docs, "self");
    cr_assert_eq(symlink(f, l1), 0);
    cr_assert_eq(symlink(sub, l2), 0);   /* a link to a directory could loop: skipped */
    cr_assert_eq(symlink("nowhere.txt", l3), 0);
    cr_assert_eq(symlink(docs, l4), 0);  /* a loop */
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "indexed 2 documents"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "wombat", "link.txt");
    assert_ids(idx, "aardvark", "a.txt");
    assert_ids(idx, "quokka", "");
    free(f);
    free(sub);
    free(l1);
    free(l2);
    free(l3);
    free(l4);
    free(idx);
    free(outside);
    free(docs);
    free(dir);
}

Test(cli_nindex, directory_walk_skips_binary_and_empty_files)
{
    char *dir = tu_tmpdir("dir_walk");
    char *docs = tu_path(dir, "docs");
    char *idx = tu_path(dir, "idx");
    cr_assert_eq(mkdir(docs, 0777), 0);
    const char bin[] = "binary\0bytes hamster\n";
    PUTS(docs, "a.txt", "Title one\nhello aardvark\n");
    put(docs, "bin.txt", bin, sizeof bin - 1);
    PUTS(docs, "empty.txt", "");
    PUTS(docs, "blank.md", "  \n\n \t\n");
    PUTS(docs, "sub/x.txt", "Sub title\nnested capybara\n");
    PUTS(docs, "m.md", "# heading\nnarwhal notes\n");
    PUTS(docs, "skip.dat", "ignored gerbil\n");
    PUTS(docs, ".hidden.txt", "hidden ferret\n");
    PUTS(docs, "more.jsonl", "{\"id\":\"j1\",\"body\":\"jsonl ocelot\"}\n");
    char *bin_p = tu_path(docs, "bin.txt"), *empty_p = tu_path(docs, "empty.txt");
    char *blank_p = tu_path(docs, "blank.md");

    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(has_warning(o.err, bin_p, 0, "binary"), "stderr: %s", o.err);
    cr_assert(has_warning(o.err, empty_p, 0, "no words"), "stderr: %s", o.err);
    cr_assert(has_warning(o.err, blank_p, 0, "no words"), "stderr: %s", o.err);
    cr_assert_eq(count_prefixed_lines(o.err, "nindex: warning: "), 3, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 4 documents"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "3 warnings"), "stderr: %s", o.err);
    tu_out_free(&o);

    assert_ids(idx, "aardvark", "a.txt");
    assert_ids(idx, "capybara", "sub/x.txt"); /* relative to INPUT */
    assert_ids(idx, "narwhal", "m.md");
    assert_ids(idx, "ocelot", "j1");
    assert_ids(idx, "hamster", "");
    assert_ids(idx, "gerbil", "");
    assert_ids(idx, "ferret", "");
    o = NSEARCH("-i", idx, "--json", "aardvark");
    cr_assert(strstr(o.out, "\"title\":\"Title one\""), "the first line is not the title: %s", o.out);
    tu_out_free(&o);

    /* a trailing slash on INPUT changes no id */
    char *docs_slash = malloc(strlen(docs) + 2);
    sprintf(docs_slash, "%s/", docs);
    o = NINDEX("-q", "-o", idx, docs_slash);
    cr_assert_eq(o.status, 0);
    tu_out_free(&o);
    assert_ids(idx, "capybara", "sub/x.txt");
    /* a single file as INPUT: its id is the path given */
    char *a_p = tu_path(docs, "a.txt");
    o = NINDEX("-q", "-o", idx, a_p);
    cr_assert_eq(o.status, 0);
    tu_out_free(&o);
    assert_ids(idx, "aardvark", a_p);
    free(a_p);
    free(docs_slash);
    free(blank_p);
    free(empty_p);
    free(bin_p);
    free(idx);
    free(docs);
    free(dir);
}

Test(cli_nindex, invalid_utf8_text_file_is_repaired_and_indexed)
{
    char *dir = tu_tmpdir("utf8_text");
    char *docs = tu_path(dir, "docs");
    char *idx = tu_path(dir, "idx");
    cr_assert_eq(mkdir(docs, 0777), 0);
    PUTS(docs, "u.txt", "Bad \xc3 utf\ncaf\xe9 tapir \xf0\x28\x8c\x28 quokka\n");
    PUTS(docs, "ok.txt", "Fine\nplain tapir text\n");
    char *u_p = tu_path(docs, "u.txt");
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    cr_assert(has_warning(o.err, u_p, 0, "UTF-8"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 2 documents"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "quokka", "u.txt");
    char ids[256];
    search_ids(idx, "tapir", ids, sizeof ids);
    cr_assert(!strcmp(ids, "u.txt ok.txt") || !strcmp(ids, "ok.txt u.txt"), "ids: %s", ids);
    o = NSEARCH("-i", idx, "--json", "quokka");
    cr_assert(strstr(o.out, "caf\xef\xbf\xbd tapir"), "no U+FFFD in: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    free(u_p);
    free(idx);
    free(docs);
    free(dir);
}

/* ---- installing the index ---- */

Test(cli_nindex, rebuild_replaces_the_index)
{
    char *dir = tu_tmpdir("rebuild");
    char *idx = tu_path(dir, "idx");
    char *one = tu_path(dir, "one.jsonl"), *two = tu_path(dir, "two.jsonl");
    write_str(one, "{\"id\":\"g1\",\"body\":\"firstgen badger\"}\n");
    write_str(two, "{\"id\":\"g2\",\"body\":\"secondgen wombat\"}\n"
                   "{\"id\":\"g3\",\"body\":\"secondgen dingo\"}\n");
    tu_out o = NINDEX("-q", "-o", idx, one);
    cr_assert_eq(o.status, 0);
    tu_out_free(&o);
    assert_ids(idx, "badger", "g1");
    o = NINDEX("-o", idx, two);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "badger", "");
    assert_ids(idx, "wombat", "g2");
    o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.out, "2 documents"), "stdout: %s", o.out);
    tu_out_free(&o);
    /* nothing left beside it: only the inputs and the index */
    cr_assert_eq(count_entries(dir, ".idx"), 0, "a temporary directory was left behind");
    cr_assert_eq(count_entries(dir, ""), 3);
    cr_assert_eq(count_entries(idx, ""), NS_FILE_KIND_COUNT, "the index holds other than its files");
    free(two);
    free(one);
    free(idx);
    free(dir);
}

Test(cli_nindex, default_output_is_nsearch_index_variable)
{
    char *dir = tu_tmpdir("env_output");
    char *idx = tu_path(dir, "envidx");
    char *in = tu_path(dir, "in.jsonl");
    write_str(in, "{\"id\":\"v1\",\"body\":\"environment mongoose\"}\n");
    cr_assert_eq(setenv("NSEARCH_INDEX", idx, 1), 0);
    tu_out o = NINDEX("-q", in);
    unsetenv("NSEARCH_INDEX");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "mongoose", "v1");
    free(in);
    free(idx);
    free(dir);
}

Test(cli_nindex, refuses_to_replace_a_directory_that_is_not_an_index)
{
    char *dir = tu_tmpdir("not_index_out");
    char *other = tu_path(dir, "other");
    cr_assert_eq(mkdir(other, 0777), 0);
    char *keep = tu_path(other, "keep.txt");
    write_str(keep, "precious\n");
    tu_out o = NINDEX("-o", other, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 3, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "not an nsearch index"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, other), "stderr: %s", o.err);
    tu_out_free(&o);
    cr_assert_eq(count_entries(other, ""), 1, "the directory was changed");
    char *s = tu_read_file(keep, NULL);
    cr_assert_str_eq(s, "precious\n");
    free(s);
    cr_assert_eq(count_entries(dir, ".other.tmp-"), 0, "a temporary directory was left behind");

    /* nor a regular file */
    char *file = tu_path(dir, "file");
    write_str(file, "not a dir\n");
    o = NINDEX("-o", file, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 3, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "not a directory"), "stderr: %s", o.err);
    tu_out_free(&o);
    s = tu_read_file(file, NULL);
    cr_assert_str_eq(s, "not a dir\n");
    free(s);
    /* an existing empty directory is fine */
    char *empty = tu_path(dir, "empty");
    cr_assert_eq(mkdir(empty, 0777), 0);
    o = NINDEX("-q", "-o", empty, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(empty, "Article Five", "000_599a60e16b94297e.txt");
    free(empty);
    free(file);
    free(keep);
    free(other);
    free(dir);
}

Test(cli_nindex, missing_parent_directory_is_an_io_error)
{
    char *dir = tu_tmpdir("missing_parent");
    char *idx = tu_path(dir, "no/such/idx");
    tu_out o = NINDEX("-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 4, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "nindex: "), "stderr: %s", o.err);
    tu_out_free(&o);
    free(idx);
    free(dir);
}

Test(cli_nindex, stale_temporary_of_a_dead_build_is_removed)
{
    const long dead = 999999;
    if (!(kill((pid_t)dead, 0) != 0 && errno == ESRCH))
        cr_skip_test("pid %ld is alive here", dead);
    char *dir = tu_tmpdir("stale_tmp");
    char *stale = tu_path(dir, ".idx.tmp-999999");
    char *stale_old = tu_path(dir, ".idx.tmp-999999.old");
    char live_name[64];
    snprintf(live_name, sizeof live_name, ".idx.tmp-%ld", (long)getpid());
    char *live = tu_path(dir, live_name);
    char *other = tu_path(dir, ".other.tmp-999999"); /* another index's: not ours */
    const char *dirs[] = {stale, stale_old, live, other};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(mkdir(dirs[i], 0777), 0);
        char *f = tu_path(dirs[i], "postings");
        write_str(f, "partial");
        free(f);
    }
    char *idx = tu_path(dir, "idx");
    tu_out o = NINDEX("-q", "-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    cr_assert(!exists(stale), "the dead build's temporary is still there");
    cr_assert(!exists(stale_old), "the dead build's .old directory is still there");
    cr_assert(exists(live), "a live process's temporary was removed");
    cr_assert(exists(other), "another index's temporary was removed");
    assert_ids(idx, "Article Five", "000_599a60e16b94297e.txt");
    free(idx);
    free(other);
    free(live);
    free(stale_old);
    free(stale);
    free(dir);
}

/* ---- rebuilds that must not lose data (issue 8) ---- */

/* Builds corpus/ into dir/idx and returns its owned path. */
static char *good_index(const char *dir)
{
    char *idx = tu_path(dir, "idx");
    tu_out o = NINDEX("-q", "-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    return idx;
}

static void assert_good_index(const char *idx)
{
    assert_ids(idx, "Article Five", "000_599a60e16b94297e.txt");
    tu_out o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
}

Test(cli_nindex, missing_input_fails_with_2_and_keeps_the_index)
{
    char *dir = tu_tmpdir("missing_input");
    char *idx = good_index(dir);
    char *typo = tu_path(dir, "typo/");
    tu_out o = NINDEX("-q", "-o", idx, typo);
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    char want[4096];
    snprintf(want, sizeof want, "nindex: cannot read INPUT '%s': No such file or directory\n", typo);
    cr_assert(strstr(o.err, want), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "is unchanged"), "stderr: %s", o.err);
    tu_out_free(&o);
    /* one missing INPUT among good ones fails the same way, before any work */
    o = NINDEX("-q", "-o", idx, NS_TEST_SRCDIR "/corpus", typo);
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    cr_assert_eq(count_entries(dir, ".idx."), 0, "a temporary or lock was left");
    assert_good_index(idx);
    /* a path through a file is missing too */
    char *through = tu_path(NS_TEST_SRCDIR, "CMakeLists.txt/x");
    o = NINDEX("-q", "-o", idx, through);
    cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    /* an unreadable INPUT (root reads everything: only checked as a user) */
    if (geteuid() != 0) {
        char *locked = tu_path(dir, "locked.txt");
        write_str(locked, "Locked\nlocked text\n");
        cr_assert_eq(chmod(locked, 0), 0);
        o = NINDEX("-q", "-o", idx, locked);
        cr_assert_eq(o.status, 2, "status %d, stderr: %s", o.status, o.err);
        cr_assert(strstr(o.err, "Permission denied"), "stderr: %s", o.err);
        tu_out_free(&o);
        free(locked);
    }
    assert_good_index(idx);
    free(through);
    free(typo);
    free(idx);
    free(dir);
}

Test(cli_nindex, a_build_without_documents_keeps_the_index_unless_allow_empty)
{
    char *dir = tu_tmpdir("no_docs");
    char *idx = good_index(dir);
    char *empty = tu_path(dir, "empty"), *other = tu_path(dir, "other");
    char *junk = tu_path(dir, "junk.jsonl");
    cr_assert_eq(mkdir(empty, 0777), 0);
    PUTS(other, "data.csv", "a,b\n1,2\n");
    PUTS(other, "image.png", "\x89PNG");
    write_str(junk, "not json\n{\"broken\":\n[1,2]\n");
    struct {
        const char *input, *stdin_text, *says;
    } cases[] = {
        {empty, NULL, "0 read"},
        {other, NULL, "skipped: 2 files with other extensions"},
        {"-", "", "1 read, none with words"}, /* empty standard input: one empty text */
        {junk, NULL, "0 read"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_out o = cases[i].stdin_text
                       ? tc_runv_in(cases[i].stdin_text, NS_TEST_NINDEX, "-q", "-o", idx, "-",
                              (const char *)NULL)
                       : NINDEX("-q", "-o", idx, cases[i].input);
        cr_assert_eq(o.status, 2, "%s: status %d, stderr: %s", cases[i].input, o.status, o.err);
        cr_assert(strstr(o.err, "nindex: no documents found in the INPUT"), "stderr: %s", o.err);
        cr_assert(strstr(o.err, cases[i].says), "%s: stderr: %s", cases[i].input, o.err);
        cr_assert(strstr(o.err, "--allow-empty"), "stderr: %s", o.err);
        tu_out_free(&o);
        assert_good_index(idx);
    }
    cr_assert_eq(count_entries(dir, ".idx."), 0, "a temporary or lock was left");
    /* on purpose */
    tu_out o = NINDEX("-q", "--allow-empty", "-o", idx, empty);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "Article Five");
    cr_assert_eq(o.status, 1, "stdout: %s stderr: %s", o.out, o.err);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", idx);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.out, "0 documents"), "stdout: %s", o.out);
    tu_out_free(&o);
    free(junk);
    free(other);
    free(empty);
    free(idx);
    free(dir);
}

Test(cli_nindex, ids_of_several_inputs_are_paths_as_given_and_a_file_is_read_once)
{
    char *dir = tu_tmpdir("multi_ids");
    char *a = tu_path(dir, "A"), *b = tu_path(dir, "B"), *idx = tu_path(dir, "idx");
    PUTS(a, "a.txt", "Alpha\nalpha capybara\n");
    PUTS(b, "a.txt", "Beta\nbeta capybara\n");
    tu_out o = NINDEX("-o", idx, a, b);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(!strstr(o.err, "duplicate id"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 2 documents"), "stderr: %s", o.err);
    tu_out_free(&o);
    char want[8192];
    snprintf(want, sizeof want, "%s/a.txt %s/a.txt", a, b);
    assert_ids(idx, "capybara", want);
    /* a trailing slash on the INPUT does not double in the id */
    char *a_slash = tu_path(a, "");
    o = NINDEX("-q", "-o", idx, a_slash, b);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "capybara", want);
    /* one INPUT directory: ids relative to it, as before */
    o = NINDEX("-q", "-o", idx, a);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "alpha", "a.txt");
    /* the same file reached twice, and a directory with a file inside it */
    char *f = tu_path(a, "a.txt");
    char *dotted = tu_path(dir, "./A/a.txt");
    o = NINDEX("-o", idx, f, dotted, a);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 1 documents"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "skipped: 2 files reached twice"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "capybara", f); /* the first path wins */
    free(dotted);
    free(f);
    free(a_slash);
    free(idx);
    free(b);
    free(a);
    free(dir);
}

Test(cli_nindex, generated_ids_are_file_and_line)
{
    char *dir = tu_tmpdir("gen_ids");
    char *idx = tu_path(dir, "idx"), *docs = tu_path(dir, "docs");
    PUTS(docs, "a.jsonl", "{\"title\":\"One\",\"body\":\"ocelot\"}\n");
    PUTS(docs, "sub/b.jsonl", "{\"id\":\"\",\"body\":\"ocelot\"}\n{\"body\":\"ocelot\"}\n");
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(!strstr(o.err, "duplicate id"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "using 'a.jsonl:1'"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "\"id\" is empty: using 'sub/b.jsonl:1'"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "ocelot", "sub/b.jsonl:1 sub/b.jsonl:2 a.jsonl:1"); /* a.jsonl:1 is longer */
    /* standard input */
    o = tc_runv_in("{\"body\":\"serval\"}\n\n{\"body\":\"serval\"}\n", NS_TEST_NINDEX, "-q", "-o", idx,
             "-", (const char *)NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "serval", "stdin:1 stdin:3");
    free(docs);
    free(idx);
    free(dir);
}

Test(cli_nindex, a_utf8_byte_order_mark_is_dropped_in_every_input_kind)
{
    char *dir = tu_tmpdir("bom");
    char *idx = tu_path(dir, "idx"), *docs = tu_path(dir, "docs");
#define BOM "\xEF\xBB\xBF"
    PUTS(docs, "a.jsonl", BOM "{\"id\":\"j1\",\"title\":\"Jay\",\"body\":\"jaguar\"}\n");
    PUTS(docs, "t.txt", BOM "Tapir title\ntapir body\n");
    PUTS(docs, "m.md", BOM "\nMarkdown title\nmarkdown body\n");
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "no warnings"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "jaguar", "j1");
    o = NSEARCH("-i", idx, "--json", "tapir");
    cr_assert(strstr(o.out, "\"title\":\"Tapir title\""), "stdout: %s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--json", "markdown");
    cr_assert(strstr(o.out, "\"title\":\"Markdown title\""), "stdout: %s", o.out);
    tu_out_free(&o);
    /* standard input, JSON Lines and text */
    o = tc_runv_in(BOM "{\"id\":\"s1\",\"body\":\"stoat\"}\n", NS_TEST_NINDEX, "-q", "-o", idx, "-",
             (const char *)NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "stoat", "s1");
    o = tc_runv_in(BOM "Weasel title\nweasel\n", NS_TEST_NINDEX, "-q", "-o", idx, "-", (const char *)NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--json", "weasel");
    cr_assert(strstr(o.out, "\"id\":\"stdin\",\"title\":\"Weasel title\""), "stdout: %s", o.out);
    tu_out_free(&o);
#undef BOM
    free(docs);
    free(idx);
    free(dir);
}

Test(cli_nindex, an_index_directory_holding_other_files_is_not_replaced)
{
    char *dir = tu_tmpdir("foreign_files");
    char *idx = good_index(dir);
    char *notes = tu_path(idx, "my-notes.txt");
    write_str(notes, "keep me");
    tu_out o = NINDEX("-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 3, "status %d, stderr: %s", o.status, o.err);
    cr_assert(strstr(o.err, "not part of an index ('my-notes.txt')"), "stderr: %s", o.err);
    tu_out_free(&o);
    size_t n;
    char *s = tu_read_file(notes, &n);
    cr_assert(s && n == 7, "the user's file is gone");
    free(s);
    assert_good_index(idx);
    cr_assert_eq(count_entries(dir, ".idx."), 0, "a temporary or lock was left");
    free(notes);
    free(idx);
    free(dir);
}

/* Starts nindex with argv (NULL-terminated, argv[0] ignored) in the
 * background, stdout and stderr to err_path; returns its pid. */
static pid_t spawn_nindex(const char *const *argv, const char *err_path)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        FILE *f = freopen(err_path, "w", stderr);
        if (!f || dup2(fileno(f), 1) < 0)
            _exit(127);
        execv(NS_TEST_NINDEX, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* The lock file's text (owned) once a build has written its pid and a
 * newline into it; NULL after 10 s without. */
static char *wait_for_lock(const char *lock)
{
    char *pid_text = NULL;
    for (int i = 0; i < 2000 && !pid_text; i++) {
        size_t n;
        pid_text = tu_read_file(lock, &n);
        if (pid_text && (n == 0 || pid_text[n - 1] != '\n')) {
            free(pid_text);
            pid_text = NULL;
        }
        if (!pid_text)
            usleep(5000);
    }
    return pid_text;
}

static int wait_status(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(cli_nindex, a_second_build_of_the_same_index_fails_naming_the_first, .timeout = 60)
{
    char *dir = tu_tmpdir("lock");
    char *idx = good_index(dir);
    char *fifo = tu_path(dir, "input.jsonl"), *err1 = tu_path(dir, "err1"), *err2 = tu_path(dir, "err2");
    char *lock = tu_path(dir, ".idx.lock");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    /* the first build blocks reading the FIFO, holding the lock */
    const char *argv1[] = {"nindex", "-q", "-o", idx, fifo, NULL};
    pid_t first = spawn_nindex(argv1, err1);
    char *pid_text = wait_for_lock(lock);
    cr_assert_not_null(pid_text, "the first build never took the lock");
    cr_assert_eq(strtol(pid_text, NULL, 10), (long)first);
    tu_out o = NINDEX("-o", idx, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 5, "status %d, stderr: %s", o.status, o.err);
    char want[128];
    snprintf(want, sizeof want, "is being built by another nindex (pid %ld)", (long)first);
    cr_assert(strstr(o.err, want), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "--wait"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_good_index(idx);
    /* --wait: the second starts, waits, and builds after the first */
    const char *argv2[] = {"nindex", "--wait", "-o", idx, NS_TEST_SRCDIR "/corpus", NULL};
    pid_t second = spawn_nindex(argv2, err2);
    char *e2 = NULL;
    for (int i = 0; i < 2000; i++) {
        free(e2);
        size_t n;
        e2 = tu_read_file(err2, &n);
        if (e2 && strstr(e2, "waiting"))
            break;
        usleep(5000);
    }
    cr_assert(e2 && strstr(e2, "waiting"), "stderr: %s", e2 ? e2 : "");
    free(e2);
    FILE *w = fopen(fifo, "w");
    cr_assert_not_null(w);
    fputs("{\"id\":\"fifo\",\"body\":\"first build\"}\n", w);
    fclose(w);
    cr_assert_eq(wait_status(first), 0);
    cr_assert_eq(wait_status(second), 0);
    e2 = tu_read_file(err2, NULL);
    cr_assert(e2 && strstr(e2, "indexed 3 documents"), "stderr: %s", e2 ? e2 : "");
    free(e2);
    assert_good_index(idx); /* the second ran last */
    cr_assert(!exists(lock), "the lock file stays after the builds");
    cr_assert_eq(count_entries(dir, ".idx."), 0, "a temporary or lock was left");
    free(pid_text);
    free(lock);
    free(err2);
    free(err1);
    free(fifo);
    free(idx);
    free(dir);
}

/* --merge-stats while a build of one of its shards holds that shard's lock:
 * exit 5 naming the build, the locked shard untouched; once the build is
 * done, merging again makes a set that searches. */
Test(cli_nindex, a_merge_of_a_shard_being_built_fails_naming_the_build, .timeout = 60)
{
    char *dir = tu_tmpdir("merge_lock");
    char *s0 = tu_path(dir, "s0"), *s1 = tu_path(dir, "s1");
    char *fifo = tu_path(dir, "input.jsonl"), *err1 = tu_path(dir, "err1");
    char *lock = tu_path(dir, ".s1.lock");
    tu_out o = NINDEX("-q", "--shard", "0/2", "-o", s0, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    o = NINDEX("-q", "--shard", "1/2", "-o", s1, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    char *before = tu_read_file(lock, NULL);
    cr_assert_null(before);
    char *p1 = tu_path(s1, "postings");
    size_t n1 = 0;
    char *postings1 = tu_read_file(p1, &n1);
    cr_assert_not_null(postings1);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    /* a rebuild of shard 1 blocks reading the FIFO, holding its lock */
    const char *argv1[] = {"nindex", "-q", "--shard", "1/2", "-o", s1, fifo, NULL};
    pid_t first = spawn_nindex(argv1, err1);
    char *pid_text = wait_for_lock(lock);
    cr_assert_not_null(pid_text, "the build never took the lock");
    o = NINDEX("-q", "--merge-stats", s0, s1);
    cr_assert_eq(o.status, 5, "status %d, stderr: %s", o.status, o.err);
    char want[128];
    snprintf(want, sizeof want, "another nindex (pid %ld)", (long)first);
    cr_assert(strstr(o.err, want), "stderr: %s", o.err);
    tu_out_free(&o);
    size_t n = 0;
    char *now = tu_read_file(p1, &n);
    cr_assert(now && n == n1 && !memcmp(now, postings1, n), "the locked shard was changed");
    free(now);
    /* the build ends (of other input: the set must be rebuilt), then the
     * shards of one input merge and search */
    FILE *w = fopen(fifo, "w");
    cr_assert_not_null(w);
    fputs("{\"id\":\"fifo\",\"body\":\"first build\"}\n", w);
    fclose(w);
    cr_assert_eq(wait_status(first), 0);
    o = NINDEX("-q", "--shard", "1/2", "-o", s1, NS_TEST_SRCDIR "/corpus");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    o = NINDEX("-q", "--merge-stats", s0, s1);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", s0, "-i", s1, "--format", "trec", "Article Five");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.out, "000_599a60e16b94297e.txt"), "stdout: %s", o.out);
    tu_out_free(&o);
    cr_assert_eq(count_entries(dir, ".s"), 0, "a temporary or lock was left");
    free(postings1);
    free(p1);
    free(pid_text);
    free(lock);
    free(err1);
    free(fifo);
    free(s0);
    free(s1);
    free(dir);
}

Test(cli_nindex, json_lines_under_another_name_are_detected_by_content)
{
    char *dir = tu_tmpdir("sniff");
    char *idx = tu_path(dir, "idx");
    char *json = tu_path(dir, "docs.json"), *noext = tu_path(dir, "export");
    const char *two = "{\"id\":\"k1\",\"body\":\"kinkajou one\"}\n{\"id\":\"k2\",\"body\":\"kinkajou two\"}\n";
    write_str(json, two);
    write_str(noext, two);
    for (int i = 0; i < 2; i++) {
        tu_out o = NINDEX("-o", idx, i ? noext : json);
        cr_assert_eq(o.status, 0, "stderr: %s", o.err);
        cr_assert(strstr(o.err, "indexed 2 documents"), "stderr: %s", o.err);
        tu_out_free(&o);
        assert_ids(idx, "kinkajou", "k1 k2");
    }
    /* /dev/stdin and a pipe: by content too */
    tu_out o = tc_runv_in(two, NS_TEST_NINDEX, "-q", "-o", idx, "/dev/stdin", (const char *)NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "kinkajou", "k1 k2");
    /* forced */
    o = NINDEX("-o", idx, "--input-format=text", json);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 1 documents"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "kinkajou", json);
    char *txt = tu_path(dir, "notes.txt");
    write_str(txt, two);
    o = NINDEX("-q", "-o", idx, "--input-format", "jsonl", txt);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "kinkajou", "k1 k2");
    /* text that only starts like JSON: plain text, with a warning */
    char *brace = tu_path(dir, "brace");
    write_str(brace, "{ not json } margay\nsecond line margay\n");
    o = NINDEX("-o", idx, brace);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(has_warning(o.err, brace, 0, "read as plain text"), "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "margay", brace);
    o = NINDEX("-o", idx, "--input-format=xml", brace);
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "invalid --input-format 'xml'"), "stderr: %s", o.err);
    tu_out_free(&o);
    free(brace);
    free(txt);
    free(noext);
    free(json);
    free(idx);
    free(dir);
}

Test(cli_nindex, directory_walks_count_what_they_skip)
{
    char *dir = tu_tmpdir("walk_counts");
    char *docs = tu_path(dir, "docs"), *idx = tu_path(dir, "idx");
    PUTS(docs, "UPPER.TXT", "Upper\nupper civet\n");
    PUTS(docs, "Mixed.Md", "Mixed\nmixed civet\n");
    PUTS(docs, "Lines.JSONL", "{\"id\":\"jl\",\"body\":\"civet lines\"}\n");
    PUTS(docs, "table.csv", "civet,1\n");
    PUTS(docs, "README", "civet readme\n");
    PUTS(docs, ".hidden.txt", "Hidden\nhidden civet\n");
    PUTS(docs, "sub/x.txt", "Sub\nsub civet\n");
    PUTS(docs, ".git/x.txt", "Git\ngit civet\n");
    char *dangling = tu_path(docs, "gone.txt"), *dirlink = tu_path(docs, "loop");
    cr_assert_eq(symlink("nowhere", dangling), 0);
    cr_assert_eq(symlink(docs, dirlink), 0);
    char *fifo = tu_path(docs, "pipe.txt");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 4 documents"), "stderr: %s", o.err);
    cr_assert(has_warning(o.err, dangling, 0, "symbolic link to nothing"), "stderr: %s", o.err);
    cr_assert(has_warning(o.err, dirlink, 0, "symbolic link to a directory: not followed"),
              "stderr: %s", o.err);
    cr_assert(strstr(o.err, "2 warnings: 2 link not followed; skipped: 2 files with other "
                            "extensions, 2 hidden entries, 1 link to a directory, 1 dangling "
                            "link, 1 special file\n"),
              "stderr: %s", o.err);
    tu_out_free(&o);
    assert_ids(idx, "civet", "jl Mixed.Md UPPER.TXT sub/x.txt");
    free(fifo);
    free(dirlink);
    free(dangling);
    free(idx);
    free(docs);
    free(dir);
}

Test(cli_nindex, text_that_is_mostly_not_utf8_is_skipped_as_binary)
{
    char *dir = tu_tmpdir("not_utf8");
    char *docs = tu_path(dir, "docs"), *idx = tu_path(dir, "idx");
    /* Latin-1 prose: a few invalid bytes, repaired and indexed */
    PUTS(docs, "latin1.txt", "Caf\xe9 au lait\nthe na\xefve genet drinks caf\xe9 in the morning\n");
    /* random high bytes: junk */
    char junk[600];
    uint32_t rng = 12345;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(0x80 | (tu_rng_next(&rng) & 0x7f));
    memcpy(junk, "genet ", 6);
    put(docs, "junk.txt", junk, sizeof junk);
    /* UTF-16 with its byte-order mark: converted (test_cli_encoding.c) */
    put(docs, "utf16.txt", "\xff\xfeg\0e\0n\0e\0t\0", 12);
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    char *jp = tu_path(docs, "junk.txt");
    cr_assert(has_warning(o.err, jp, 0, "are not UTF-8"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "1 binary file"), "stderr: %s", o.err);
    tu_out_free(&o);
    char ids[256];
    search_ids(idx, "genet", ids, sizeof ids);
    cr_assert(!strcmp(ids, "latin1.txt utf16.txt") || !strcmp(ids, "utf16.txt latin1.txt"),
              "ids: %s", ids);
    free(jp);
    free(idx);
    free(docs);
    free(dir);
}

Test(cli_nindex, warnings_never_write_control_characters_from_the_input)
{
    char *dir = tu_tmpdir("warn_controls");
    char *idx = tu_path(dir, "idx"), *docs = tu_path(dir, "docs");
    /* a duplicate id holding ESC sequences and BEL, a file name with ESC */
    PUTS(docs, "a.jsonl",
         "{\"id\":\"x\\u001b]0;pwned\\u0007\",\"body\":\"dhole\"}\n"
         "{\"id\":\"x\\u001b]0;pwned\\u0007\",\"body\":\"dhole again\"}\n");
    PUTS(docs, "evil\x1b[2J.txt", "");
    tu_out o = NINDEX("-o", idx, docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "duplicate id 'x\\x1b]0;pwned\\x07'"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "evil\\x1b[2J.txt"), "stderr: %s", o.err);
    for (const char *p = o.err; *p; p++)
        cr_assert((unsigned char)*p >= 0x20 || *p == '\n', "control byte 0x%02x in stderr: %s",
                  (unsigned char)*p, o.err);
    tu_out_free(&o);
    free(docs);
    free(idx);
    free(dir);
}
