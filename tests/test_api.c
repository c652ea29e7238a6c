/* test_api: the public library through include/nsearch.h only (tutil.h is
 * the tests' own helpers): build, open, search, fetch, snippets, errors.
 * Readers on several threads are checked by tests/tsan/api_threads.c
 * (ctest tsan_api_threads, in every build and under ThreadSanitizer, where
 * Criterion cannot run). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsearch.h"
#include "tutil.h"

static nsearch_str S(const char *s)
{
    nsearch_str r = {s, s ? strlen(s) : 0};
    return r;
}

typedef struct warnings {
    int n;
    nsearch_warning_kind last;
    char msg[256];
} warnings;

static void on_warn(void *ctx, nsearch_warning_kind kind, const char *file, uint64_t line,
                    const char *message)
{
    (void)file;
    (void)line;
    warnings *w = ctx;
    w->n++;
    w->last = kind;
    snprintf(w->msg, sizeof w->msg, "%s", message);
}

/* Builds dir from a few documents; returns the warnings seen. */
static warnings build_small(const char *dir)
{
    warnings w = {0};
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.warn = on_warn;
    o.warn_ctx = &w;
    nsearch_builder *b;
    nsearch_error err;
    cr_assert_eq(nsearch_builder_new(dir, &o, &b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_document docs[] = {
        {S("nato"), S("Alliance summit in Brussels"),
         S("Leaders of the alliance meet in Brussels. Article Five commits every member to "
           "collective defence."),
         S("2022-03-24"), S("https://example.org/nato")},
        {S("cocoa"), S("Cocoa prices"), S("Cocoa rose 3.5% to 1,234 dollars a tonne."), {0}, {0}},
        {S("bad"), S("Invalid \xFF bytes"), S("the café serves coffee"), {0}, {0}},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        cr_assert_eq(nsearch_builder_add(b, &docs[i], &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_builder_commit(b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_document late = {S("late"), S("t"), S("b"), {0}, {0}};
    cr_assert_eq(nsearch_builder_add(b, &late, &err), NSEARCH_E_ARG);
    nsearch_builder_free(b);
    return w;
}

/* Builds the small index in a new directory called name and opens it with
 * a reader: *dir and *idx owned (free), *ix and *r to close and free. */
static void open_small(const char *name, char **dir, char **idx, nsearch_index **ix,
                       nsearch_reader **r)
{
    nsearch_error err;
    *dir = tu_tmpdir(name);
    *idx = tu_path(*dir, "idx");
    build_small(*idx);
    cr_assert_eq(nsearch_index_open(*idx, ix, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_reader_new(*ix, r, &err), NSEARCH_OK, "%s", err.message);
}

Test(api, versions)
{
    cr_assert_str_eq(nsearch_version(), NSEARCH_VERSION_STRING);
    cr_assert_eq(nsearch_version_number(), NSEARCH_VERSION_NUMBER);
    unsigned major = 0, minor = 99;
    nsearch_format_version(&major, &minor);
    cr_assert_geq(major, 5);
    cr_assert_str_eq(nsearch_strerror(NSEARCH_E_QUERY), "invalid query");
    cr_assert_str_eq(nsearch_strerror((nsearch_rc)999), "unknown error");
}

Test(api, build_open_search_fetch_snippet)
{
    char *dir = tu_tmpdir("api_small");
    char *idx = tu_path(dir, "idx");
    warnings w = build_small(idx);
    cr_assert_eq(w.n, 1, "one warning (invalid UTF-8), got %d", w.n);
    cr_assert_eq(w.last, NSEARCH_WARN_UTF8);

    nsearch_index *ix;
    nsearch_error err;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK, "%s", err.message);
    nsearch_index_stats st;
    cr_assert_eq(nsearch_index_stats_get(ix, &st), NSEARCH_OK);
    cr_assert_eq(st.documents, 3);
    cr_assert_eq(st.live_documents, 3);
    cr_assert_str_eq(st.language, "english");
    cr_assert_gt(st.terms, 10);
    nsearch_reader *r;
    cr_assert_eq(nsearch_reader_new(ix, &r, &err), NSEARCH_OK);

    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "Article Five", 12, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 1);
    cr_assert_gt(res.hits[0].score, 0.0);
    nsearch_doc d;
    cr_assert_eq(nsearch_reader_doc(r, res.hits[0].doc, &d, &err), NSEARCH_OK);
    cr_assert_eq(d.id.len, 4);
    cr_assert_eq(memcmp(d.id.p, "nato", 4), 0);
    cr_assert_eq(d.date.len, 10);
    cr_assert_eq(memcmp(d.url.p, "https://example.org/nato", d.url.len), 0);
    cr_assert_not_null(strstr(d.body.p, "collective defence"));

    nsearch_snippet sn;
    cr_assert_eq(nsearch_reader_snippet(r, res.hits[0].doc, NSEARCH_FIELD_BODY, 0, &sn, &err),
                 NSEARCH_OK);
    cr_assert_eq(sn.n_hl, 2, "Article and Five highlighted");
    cr_assert_eq(sn.hl[0].end - sn.hl[0].start, 7);
    cr_assert_eq(memcmp(sn.text.p + sn.hl[0].start, "Article", 7), 0);
    cr_assert_eq(memcmp(sn.text.p + sn.hl[1].start, "Five", 4), 0);

    /* diacritics folded, numbers whole, AND, count, offset */
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    cr_assert_eq(so.k, 10);
    cr_assert_eq(nsearch_reader_search(r, "cafe", 4, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 1);
    uint32_t bad_doc;
    cr_assert_eq(nsearch_reader_find(r, "bad", 3, &bad_doc, &err), NSEARCH_OK);
    cr_assert_eq(res.hits[0].doc, bad_doc);
    cr_assert_eq(nsearch_reader_search(r, "1,234", 5, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 1);
    so.count = 1;
    so.flags = NSEARCH_QUERY_ALL;
    cr_assert_eq(nsearch_reader_search(r, "cocoa brussels", 14, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 0);
    cr_assert_eq(res.total, 0);
    so.flags = 0;
    cr_assert_eq(nsearch_reader_search(r, "cocoa brussels", 14, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 2);
    cr_assert_eq(res.total, 2);
    /* a count limit stops the count, not the ranking */
    so.count_limit = 1;
    cr_assert_eq(nsearch_reader_search(r, "cocoa brussels", 14, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 2);
    cr_assert_eq(res.total, 1, "count_limit 1: %llu", (unsigned long long)res.total);
    so.count_limit = 2;
    cr_assert_eq(nsearch_reader_search(r, "cocoa brussels", 14, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.total, 2);
    so.count_limit = 0;
    so.offset = 1;
    nsearch_hit second = res.hits[1];
    cr_assert_eq(nsearch_reader_search(r, "cocoa brussels", 14, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 1);
    cr_assert_eq(res.hits[0].doc, second.doc);
    cr_assert_eq(res.hits[0].score, second.score);
    /* the query language, and --literal */
    so.offset = 0;
    cr_assert_eq(nsearch_reader_search(r, "brussels -\"article five\"", 24, &so, &res, &err),
                 NSEARCH_OK);
    cr_assert_eq(res.n, 0);
    so.flags = NSEARCH_QUERY_LITERAL;
    cr_assert_eq(nsearch_reader_search(r, "brussels -\"article five\"", 24, &so, &res, &err),
                 NSEARCH_OK);
    cr_assert_eq(res.n, 1);
    /* only stop words: nothing to search for, no error */
    cr_assert_eq(nsearch_reader_search(r, "the of", 6, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 0);
    /* k = 0: the count only */
    so.k = 0;
    so.count = 1;
    so.flags = 0;
    cr_assert_eq(nsearch_reader_search(r, "cocoa", 5, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 0);
    cr_assert_eq(res.total, 1);

    uint64_t problems = 99;
    cr_assert_eq(nsearch_index_check(ix, NULL, NULL, &problems, &err), NSEARCH_OK);
    cr_assert_eq(problems, 0);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    free(idx);
    free(dir);
}

typedef struct field_seen {
    int n;
    char names[256];
    int json_values;
} field_seen;

static int on_field(void *ctx, nsearch_str name, nsearch_value_type type, nsearch_str value)
{
    field_seen *f = ctx;
    (void)value;
    f->n++;
    strncat(f->names, name.p, name.len);
    strcat(f->names, ",");
    f->json_values += type == NSEARCH_VALUE_JSON;
    return 0;
}

/* explain, show-query and info give what nsearch --explain, --show-query
 * and --info print (the same modules), in both formats. */
Test(api, descriptions_are_the_programs_texts)
{
    char *dir, *idx;
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    open_small("api_describe", &dir, &idx, &ix, &r);
    const char *t;
    cr_assert_eq(nsearch_reader_info(r, NSEARCH_JSON, &t, &err), NSEARCH_OK);
    tu_out o;
    char *info_argv[] = {NS_TEST_NSEARCH, "-i", idx, "--info", "--json", NULL};
    cr_assert_eq(tu_run(info_argv, NULL, 0, 30, &o), 0);
    cr_assert_str_eq(t, o.out, "the library's info is nsearch --info's");
    tu_out_free(&o);
    cr_assert_eq(nsearch_reader_info(r, NSEARCH_TEXT, &t, &err), NSEARCH_OK);
    cr_assert_not_null(strstr(t, "english"), "%s", t);

    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "Article Five", 12, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(nsearch_reader_show_query(r, NSEARCH_JSON, &t, &err), NSEARCH_OK);
    char *sq_argv[] = {NS_TEST_NSEARCH, "-i", idx, "--show-query", "--json", "Article Five", NULL};
    cr_assert_eq(tu_run(sq_argv, NULL, 0, 30, &o), 0);
    cr_assert_str_eq(t, o.out, "the library's show-query is nsearch --show-query's");
    tu_out_free(&o);
    cr_assert_eq(nsearch_reader_show_query(r, NSEARCH_TEXT, &t, &err), NSEARCH_OK);
    cr_assert_not_null(strstr(t, "articl"), "the stem: %s", t);

    cr_assert_eq(nsearch_reader_explain(r, res.hits[0].doc, NSEARCH_JSON, &t, &err), NSEARCH_OK);
    char *ex_argv[] = {NS_TEST_NSEARCH, "-i", idx, "--explain", "--json", "-k", "1", "Article Five",
                       NULL};
    cr_assert_eq(tu_run(ex_argv, NULL, 0, 30, &o), 0);
    char *member = strstr(o.out, ",\"explain\":");
    cr_assert_not_null(member, "%s", o.out);
    cr_assert_eq(strncmp(member + 11, t, strlen(t)), 0, "the library's explain is nsearch's: %s",
                 t);
    tu_out_free(&o);
    cr_assert_eq(nsearch_reader_explain(r, res.hits[0].doc, NSEARCH_TEXT, &t, &err), NSEARCH_OK);
    cr_assert_not_null(strstr(t, "idf"), "%s", t);
    cr_assert_eq(nsearch_reader_explain(r, 99, NSEARCH_TEXT, &t, &err), NSEARCH_E_ARG);
    cr_assert_eq(nsearch_reader_info(r, 7, &t, &err), NSEARCH_E_ARG);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    free(idx);
    free(dir);
}

Test(api, add_path_reads_files_and_json_lines_and_their_fields)
{
    char *dir = tu_tmpdir("api_path");
    char *idx = tu_path(dir, "idx"), *jl = tu_path(dir, "docs.jsonl");
    const char *lines = "{\"id\":\"a\",\"title\":\"Oil\",\"body\":\"crude oil prices\","
                        "\"topics\":[\"crude\"],\"stars\":4}\n"
                        "{\"id\":\"b\",\"title\":\"Gold\",\"body\":\"gold prices\"}\n";
    cr_assert_eq(tu_write_file(jl, lines, strlen(lines)), 0);
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    const char *kw[] = {"topics"};
    o.keyword_fields = kw;
    o.n_keyword_fields = 1;
    o.threads = 2;
    nsearch_builder *b;
    nsearch_error err;
    cr_assert_eq(nsearch_builder_new(idx, &o, &b, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_builder_add_path(b, jl, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_builder_add_path(b, NS_TEST_SRCDIR "/corpus", &err), NSEARCH_OK);
    cr_assert_eq(nsearch_builder_add_path(b, "/nonexistent/path", &err), NSEARCH_E_NOTFOUND);
    cr_assert_not_null(strstr(err.message, "/nonexistent/path"), "%s", err.message);
    cr_assert_eq(nsearch_builder_commit(b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_free(b);

    nsearch_index *ix;
    nsearch_reader *r;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK);
    cr_assert_eq(nsearch_reader_new(ix, &r, &err), NSEARCH_OK);
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "topics:crude", 12, NULL, &res, &err), NSEARCH_OK,
                 "%s", err.message);
    cr_assert_eq(res.n, 1);
    field_seen f = {0};
    cr_assert_eq(nsearch_reader_fields(r, res.hits[0].doc, on_field, &f, &err), NSEARCH_OK);
    cr_assert_eq(f.n, 2);
    cr_assert_str_eq(f.names, "topics,stars,");
    cr_assert_eq(f.json_values, 2, "an array and a number");
    cr_assert_eq(nsearch_reader_search(r, "\"Article Five\"", 14, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 1, "the seed corpus's NATO article");
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    free(jl);
    free(idx);
    free(dir);
}

Test(api, errors_have_codes_and_messages)
{
    char *dir = tu_tmpdir("api_errors");
    char *idx = tu_path(dir, "idx"), *file = tu_path(dir, "plain.txt");
    nsearch_index *ix;
    nsearch_error err;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_E_NOTFOUND);
    cr_assert_eq(err.rc, NSEARCH_E_NOTFOUND);
    cr_assert_not_null(strstr(err.message, idx));
    cr_assert_eq(nsearch_index_open(idx, &ix, NULL), NSEARCH_E_NOTFOUND, "err may be NULL");
    cr_assert_eq(nsearch_index_open(NULL, &ix, &err), NSEARCH_E_ARG);
    cr_assert_eq(tu_write_file(file, "hello\n", 6), 0);
    cr_assert_eq(nsearch_index_open(file, &ix, &err), NSEARCH_E_NOT_INDEX);

    /* a builder never replaces what is not an index */
    nsearch_builder *b;
    cr_assert_eq(nsearch_builder_new(file, NULL, &b, &err), NSEARCH_E_EXISTS);
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.language = "klingon";
    cr_assert_eq(nsearch_builder_new(idx, &o, &b, &err), NSEARCH_E_ARG);
    cr_assert_not_null(strstr(err.message, "klingon"), "%s", err.message);

    /* an empty build commits nothing; the good index stays */
    build_small(idx);
    cr_assert_eq(nsearch_builder_new(idx, NULL, &b, &err), NSEARCH_OK);
    nsearch_builder *second;
    cr_assert_eq(nsearch_builder_new(idx, NULL, &second, &err), NSEARCH_E_BUSY);
    cr_assert_eq(nsearch_builder_commit(b, &err), NSEARCH_E_EMPTY);
    nsearch_builder_free(b);
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK);
    nsearch_index_stats st;
    nsearch_index_stats_get(ix, &st);
    cr_assert_eq(st.live_documents, 3);

    nsearch_reader *r;
    cr_assert_eq(nsearch_reader_new(ix, &r, &err), NSEARCH_OK);
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "\"unclosed", 9, NULL, &res, &err), NSEARCH_E_QUERY);
    cr_assert_eq(strncmp(err.message, "column ", 7), 0, "%s", err.message);
    cr_assert_eq(nsearch_reader_search(r, "nosuchfield:x", 13, NULL, &res, &err), NSEARCH_E_QUERY);
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    so.k = NSEARCH_MAX_RESULTS;
    so.offset = 1;
    cr_assert_eq(nsearch_reader_search(r, "cocoa", 5, &so, &res, &err), NSEARCH_E_LIMIT);
    so.offset = 0;
    so.k = 10;
    so.algo = (nsearch_algo)42;
    cr_assert_eq(nsearch_reader_search(r, "cocoa", 5, &so, &res, &err), NSEARCH_E_ARG);
    char many[8192];
    size_t n = 0;
    for (int i = 0; i < 1100; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "w%d ", i);
    cr_assert_eq(nsearch_reader_search(r, many, n, NULL, &res, &err), NSEARCH_E_LIMIT);
    cr_assert_not_null(strstr(err.message, "limit"), "%s", err.message);
    /* after a failed search the reader still works, highlighting nothing */
    nsearch_snippet sn;
    cr_assert_eq(nsearch_reader_snippet(r, 0, NSEARCH_FIELD_TITLE, 0, &sn, &err), NSEARCH_OK);
    cr_assert_eq(sn.n_hl, 0);
    cr_assert_gt(sn.text.len, 0);
    uint32_t doc;
    cr_assert_eq(nsearch_reader_find(r, "nope", 4, &doc, &err), NSEARCH_E_NOTFOUND);
    nsearch_doc d;
    cr_assert_eq(nsearch_reader_doc(r, 3, &d, &err), NSEARCH_E_ARG, "out of range");
    cr_assert_eq(nsearch_reader_snippet(r, 0, 7, 0, &sn, &err), NSEARCH_E_ARG);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    free(file);
    free(idx);
    free(dir);
}

Test(api, check_reports_a_damaged_postings_file)
{
    char *dir = tu_tmpdir("api_check");
    char *idx = tu_path(dir, "idx");
    build_small(idx);
    char *post = tu_path(idx, "postings");
    size_t len;
    char *data = tu_read_file(post, &len);
    cr_assert_not_null(data);
    data[len / 2] ^= 0x5A;
    cr_assert_eq(tu_write_file(post, data, len), 0);
    nsearch_index *ix;
    nsearch_error err;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK, "%s", err.message);
    uint64_t problems = 0;
    cr_assert_eq(nsearch_index_check(ix, NULL, NULL, &problems, &err), NSEARCH_OK);
    cr_assert_gt(problems, 0);
    nsearch_index_close(ix);
    free(data);
    free(post);
    free(idx);
    free(dir);
}

/* 200 documents over 100 words "w00".."w99", each in about 6 % of them
 * (feedback drops terms in more than 10 %), the first word of each twice
 * (more-like-this wants tf >= 2). */
static nsearch_index *build_vocab(const char *name)
{
    char *dir = tu_tmpdir(name);
    char *idx = tu_path(dir, "idx");
    nsearch_builder *b;
    nsearch_error err;
    cr_assert_eq(nsearch_builder_new(idx, NULL, &b, &err), NSEARCH_OK);
    for (int i = 0; i < 200; i++) {
        char id[16], body[256];
        snprintf(id, sizeof id, "d%03d", i);
        int o = 0;
        for (int k = 0; k < 6; k++)
            o += snprintf(body + o, sizeof body - (size_t)o, "w%02d ", (i * 7 + k * 13) % 100);
        snprintf(body + o, sizeof body - (size_t)o, "w%02d", (i * 7) % 100);
        nsearch_document d = {S(id), S("report"), S(body), {0}, {0}};
        cr_assert_eq(nsearch_builder_add(b, &d, &err), NSEARCH_OK);
    }
    cr_assert_eq(nsearch_builder_commit(b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_free(b);
    nsearch_index *ix;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK);
    free(idx);
    free(dir);
    return ix;
}

static void assert_same_results(const nsearch_results *a, const nsearch_hit *b, size_t nb)
{
    cr_assert_eq(a->n, nb);
    for (size_t i = 0; i < nb; i++) {
        cr_assert_eq(a->hits[i].doc, b[i].doc, "hit %zu", i);
        cr_assert_eq(a->hits[i].score, b[i].score, "hit %zu", i);
    }
}

Test(api, expand_and_like_are_exact_and_leave_the_document_out)
{
    nsearch_index *ix = build_vocab("api_fb");
    nsearch_reader *r;
    nsearch_error err;
    cr_assert_eq(nsearch_reader_new(ix, &r, &err), NSEARCH_OK);
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    so.k = 50;
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "w07", 3, &so, &res, &err), NSEARCH_OK);
    size_t plain = res.n;
    cr_assert_gt(plain, 0);
    so.expand = 1;
    cr_assert_eq(nsearch_reader_search(r, "w07", 3, &so, &res, &err), NSEARCH_OK, "%s",
                 err.message);
    cr_assert_gt(res.n, plain, "feedback terms bring documents without 'w07'");
    nsearch_hit fast[200];
    size_t n_fast = res.n;
    memcpy(fast, res.hits, res.n * sizeof *fast);
    so.algo = NSEARCH_ALGO_EXHAUSTIVE;
    cr_assert_eq(nsearch_reader_search(r, "w07", 3, &so, &res, &err), NSEARCH_OK);
    assert_same_results(&res, fast, n_fast);
    so.fb_docs = 5000;
    cr_assert_eq(nsearch_reader_search(r, "w07", 3, &so, &res, &err), NSEARCH_E_ARG);

    uint32_t d0;
    cr_assert_eq(nsearch_reader_find(r, "d001", 4, &d0, &err), NSEARCH_OK);
    nsearch_search_opts lo;
    nsearch_search_opts_init(&lo);
    lo.k = 200;
    lo.count = 1;
    cr_assert_eq(nsearch_reader_like(r, d0, &lo, &res, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_gt(res.n, 0);
    cr_assert_eq(res.total, res.n, "the count leaves the document out too");
    cr_assert_gt(res.total, 3);
    lo.count_limit = 3; /* "3 or more", the document left out */
    uint64_t all = res.total;
    cr_assert_eq(nsearch_reader_like(r, d0, &lo, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.total, 3, "%llu of %llu", (unsigned long long)res.total,
                 (unsigned long long)all);
    lo.count_limit = all; /* exactly all: all */
    cr_assert_eq(nsearch_reader_like(r, d0, &lo, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.total, all);
    lo.count_limit = 0;
    for (size_t i = 0; i < res.n; i++)
        cr_assert_neq(res.hits[i].doc, d0, "the document itself is left out");
    n_fast = res.n;
    memcpy(fast, res.hits, res.n * sizeof *fast);
    lo.algo = NSEARCH_ALGO_BMW;
    cr_assert_eq(nsearch_reader_like(r, d0, &lo, &res, &err), NSEARCH_OK);
    assert_same_results(&res, fast, n_fast);
    lo.offset = 1;
    lo.k = 2;
    cr_assert_eq(nsearch_reader_like(r, d0, &lo, &res, &err), NSEARCH_OK);
    assert_same_results(&res, fast + 1, 2);
    cr_assert_eq(nsearch_reader_like(r, 200, &lo, &res, &err), NSEARCH_E_ARG);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
}

/* Renders every hit of the reader's last results with o, concatenated:
 * owned (free). */
static char *render_all(nsearch_reader *r, const nsearch_results *res, const nsearch_render_opts *o)
{
    size_t len = 0;
    char *all = calloc(1, 1);
    for (size_t i = 0; i < res->n; i++) {
        nsearch_str s;
        nsearch_error err;
        cr_assert_eq(nsearch_reader_render(r, &res->hits[i], i + 1, o, &s, &err), NSEARCH_OK,
                     "%s", err.message);
        all = realloc(all, len + s.len + 1);
        memcpy(all + len, s.p, s.len);
        len += s.len;
        all[len] = 0;
    }
    return all;
}

/* Runs nsearch with args (NULL-terminated, after -i idx) and returns its
 * stdout: owned (free). */
static char *nsearch_out(const char *idx, const char *const *args)
{
    char *argv[16] = {NS_TEST_NSEARCH, "-i", (char *)idx};
    int n = 3;
    for (; *args; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, 30, &o), 0);
    char *out = strdup(o.out);
    tu_out_free(&o);
    return out;
}

Test(api, rendering_is_what_nsearch_prints)
{
    char *dir, *idx;
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    open_small("api_render", &dir, &idx, &ix, &r);
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "alliance OR cocoa", 17, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 2);
    static const struct {
        int format, color, snippets, explain;
        const char *args[6];
    } cases[] = {
        {NSEARCH_TEXT, 0, 1, 0, {"--color", "never"}},
        {NSEARCH_TEXT, 1, 1, 0, {"--color", "always"}},
        {NSEARCH_TEXT, 0, 0, 0, {"--no-snippets"}},
        {NSEARCH_TEXT, 0, 1, 1, {"--explain"}},
        {NSEARCH_JSON, 0, 1, 0, {"--json"}},
        {NSEARCH_JSON, 0, 0, 1, {"--json", "--no-snippets", "--explain"}},
        {NSEARCH_TREC, 0, 1, 0, {"--format", "trec"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nsearch_render_opts o;
        nsearch_render_opts_init(&o);
        o.format = cases[i].format;
        o.color = cases[i].color;
        o.snippets = cases[i].snippets;
        o.explain = cases[i].explain;
        char *mine = render_all(r, &res, &o);
        const char *args[8];
        size_t n = 0;
        for (; cases[i].args[n]; n++)
            args[n] = cases[i].args[n];
        args[n++] = "alliance OR cocoa";
        args[n] = NULL;
        char *theirs = nsearch_out(idx, args);
        cr_assert_str_eq(mine, theirs, "case %zu", i);
        free(mine);
        free(theirs);
    }
    /* a query id goes into TREC and JSON lines */
    nsearch_render_opts o;
    nsearch_render_opts_init(&o);
    o.format = NSEARCH_TREC;
    o.qid = "q 7";
    nsearch_str s;
    cr_assert_eq(nsearch_reader_render(r, &res.hits[0], 3, &o, &s, &err), NSEARCH_OK);
    cr_assert_eq(strncmp(s.p, "q%207 Q0 cocoa 3 ", 17), 0, "%.*s", (int)s.len, s.p);
    o.format = 9;
    cr_assert_eq(nsearch_reader_render(r, &res.hits[0], 1, &o, &s, &err), NSEARCH_E_ARG);
    nsearch_hit far = {99, 1.0};
    cr_assert_eq(nsearch_reader_render(r, &far, 1, NULL, &s, &err), NSEARCH_E_ARG);

    /* whole documents: nsearch --get */
    uint32_t doc;
    cr_assert_eq(nsearch_reader_find(r, "nato", 4, &doc, &err), NSEARCH_OK);
    for (int text = 0; text < 2; text++) {
        nsearch_render_opts_init(&o);
        o.format = text ? NSEARCH_TEXT : NSEARCH_JSON;
        cr_assert_eq(nsearch_reader_render_doc(r, doc, &o, &s, &err), NSEARCH_OK);
        const char *args[] = {"--get", "nato", "--format", text ? "text" : "json", NULL};
        char *theirs = nsearch_out(idx, args);
        cr_assert_eq(s.len, strlen(theirs));
        cr_assert_str_eq(s.p, theirs);
        free(theirs);
    }
    cr_assert_eq(nsearch_reader_render_doc(r, 99, NULL, &s, &err), NSEARCH_E_ARG);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    free(idx);
    free(dir);
}

Test(api, results_say_why_nothing_ran_and_what_the_work_was)
{
    char *dir, *idx;
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    open_small("api_results", &dir, &idx, &ix, &r);
    nsearch_index_stats st;
    cr_assert_eq(nsearch_index_stats_get(ix, &st), NSEARCH_OK);
    cr_assert_str_eq(st.stop_words, "english");
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, "the of", 6, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.empty_query, NSEARCH_EMPTY_STOPWORDS);
    cr_assert_eq(res.n, 0);
    cr_assert_eq(nsearch_reader_search(r, "!!! ?", 5, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.empty_query, NSEARCH_EMPTY_NOWORDS);
    cr_assert_eq(nsearch_reader_search(r, "zebra", 5, NULL, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.empty_query, NSEARCH_EMPTY_NONE, "a word not in the index still ran");

    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    cr_assert_eq(nsearch_reader_search(r, "cocoa", 5, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.empty_query, NSEARCH_EMPTY_NONE);
    cr_assert_eq(res.n, 1);
    cr_assert_eq(res.damaged, 0);
    cr_assert_gt(res.rank_work.postings_decoded, 0);
    cr_assert_gt(res.rank_work.docs_scored, 0);
    cr_assert_eq(res.count_work.postings_decoded, 0, "no count asked for");
    so.count = 1;
    cr_assert_eq(nsearch_reader_search(r, "cocoa", 5, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.total, 1);
    cr_assert_gt(res.count_work.postings_decoded, 0);
    /* k = 0 without a count: parsed only, nothing ranked */
    so.k = 0;
    so.count = 0;
    cr_assert_eq(nsearch_reader_search(r, "cocoa", 5, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.n, 0);
    cr_assert_eq(res.rank_work.postings_decoded, 0);
    const char *t;
    cr_assert_eq(nsearch_reader_show_query(r, NSEARCH_TEXT, &t, &err), NSEARCH_OK);
    cr_assert_not_null(strstr(t, "cocoa"), "%s", t);
    nsearch_search_opts_init(&so);
    so.expand = 1;
    cr_assert_eq(nsearch_reader_search(r, "alliance", 8, &so, &res, &err), NSEARCH_OK);
    cr_assert_eq(res.fb_docs_used, 1, "one document matches");
    cr_assert_gt(res.fb_work.postings_decoded, 0);
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    free(idx);
    free(dir);
}

Test(api, escape_makes_text_safe_for_terminals_and_records)
{
    static const struct {
        int mode;
        const char *in, *out;
    } cases[] = {
        {NSEARCH_ESCAPE_TEXT, "a\x1b[31mb", "a\\x1b[31mb"},
        {NSEARCH_ESCAPE_TEXT, "tab\there\r\n", "tab here  "},
        {NSEARCH_ESCAPE_TEXT, "rtl \xE2\x80\xAE cba", "rtl \\u202e cba"},
        {NSEARCH_ESCAPE_TEXT, "bad \xFF byte \\", "bad \\xff byte \\"},
        {NSEARCH_ESCAPE_NAME, "a\\b\tc d", "a\\\\b\\x09c d"},
        {NSEARCH_ESCAPE_TOKEN, "a b%c", "a%20b%25c"},
        {NSEARCH_ESCAPE_TOKEN, "", "%"},
        {NSEARCH_ESCAPE_TEXT, "caf\xC3\xA9", "caf\xC3\xA9"},
        {NSEARCH_ESCAPE_JSON, "a\"b\\c\n\x01 caf\xC3\xA9", "\"a\\\"b\\\\c\\n\\u0001 caf\xC3\xA9\""},
        {NSEARCH_ESCAPE_JSON, "bad \xFF", "\"bad \\ufffd\""},
        {NSEARCH_ESCAPE_JSON, "", "\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        size_t len = 0;
        nsearch_error err;
        cr_assert_eq(nsearch_escape(cases[i].in, strlen(cases[i].in), cases[i].mode, &out, &len,
                                    &err), NSEARCH_OK);
        cr_assert_str_eq(out, cases[i].out, "case %zu", i);
        cr_assert_eq(len, strlen(cases[i].out));
        nsearch_free(out);
    }
    char *out = NULL;
    size_t len;
    nsearch_error err;
    cr_assert_eq(nsearch_escape("x", 1, 7, &out, &len, &err), NSEARCH_E_ARG);
    cr_assert_null(out);
    cr_assert_eq(nsearch_escape(NULL, 3, 0, &out, &len, &err), NSEARCH_E_ARG);
    nsearch_free(NULL);
}

static void count_problem(void *ctx, const char *msg)
{
    cr_assert_not_null(msg);
    ++*(int *)ctx;
}

Test(api, check_files_finds_damage_in_an_index_that_may_not_open)
{
    char *dir = tu_tmpdir("api_check_files");
    char *idx = tu_path(dir, "idx");
    build_small(idx);
    uint64_t bad = 7;
    int calls = 0;
    nsearch_error err;
    cr_assert_eq(nsearch_check_files(idx, count_problem, &calls, &bad, &err), NSEARCH_OK,
                 "%s", err.message);
    cr_assert_eq(bad, 0);
    cr_assert_eq(calls, 0);
    char *terms = tu_path(idx, "terms");
    size_t len;
    char *data = tu_read_file(terms, &len);
    cr_assert_not_null(data);
    data[len / 2] ^= 0x21;
    cr_assert_eq(tu_write_file(terms, data, len), 0);
    cr_assert_eq(nsearch_check_files(idx, count_problem, &calls, &bad, &err), NSEARCH_OK);
    cr_assert_eq(bad, 1);
    cr_assert_geq(calls, 1);
    cr_assert_eq(nsearch_check_files(NULL, NULL, NULL, &bad, &err), NSEARCH_E_ARG);
    free(data);
    free(terms);
    free(idx);
    free(dir);
}
