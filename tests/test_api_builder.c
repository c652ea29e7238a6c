/* test_api_builder: the builder half of the public library (nsearch.h)
 * beyond test_api's basics, as nindex uses it: statistics, warnings and
 * skipped entries by kind, input checks, input sets, progress, input
 * format and encoding options, waiting before commit, keyword names. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsearch.h"
#include "tutil.h"

static nsearch_str S(const char *s)
{
    nsearch_str r = {s, s ? strlen(s) : 0};
    return r;
}

static void write_str(const char *path, const char *text)
{
    cr_assert_eq(tu_write_file(path, text, strlen(text)), 0, "%s", path);
}

static nsearch_builder *new_builder(const char *idx, const nsearch_builder_opts *o)
{
    nsearch_builder *b;
    nsearch_error err;
    cr_assert_eq(nsearch_builder_new(idx, o, &b, &err), NSEARCH_OK, "%s", err.message);
    return b;
}

static void commit(nsearch_builder *b)
{
    nsearch_error err;
    cr_assert_eq(nsearch_builder_commit(b, &err), NSEARCH_OK, "%s", err.message);
}

/* Opens index idx and a reader of it into *ix and *r. */
static void open_reader(const char *idx, nsearch_index **ix, nsearch_reader **r)
{
    nsearch_error err;
    cr_assert_eq(nsearch_index_open(idx, ix, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_reader_new(*ix, r, &err), NSEARCH_OK, "%s", err.message);
}

/* Whether index idx has a document with id (and its title into title). */
static int has_id(const char *idx, const char *id, char *title, size_t title_cap)
{
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    open_reader(idx, &ix, &r);
    uint32_t doc;
    int found = nsearch_reader_find(r, id, strlen(id), &doc, &err) == NSEARCH_OK;
    if (found && title) {
        nsearch_doc d;
        cr_assert_eq(nsearch_reader_doc(r, doc, &d, &err), NSEARCH_OK);
        snprintf(title, title_cap, "%.*s", (int)d.title.len, d.title.p ? d.title.p : "");
    }
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    return found;
}

/* The number of documents of index idx that match query. */
static uint64_t hits(const char *idx, const char *query)
{
    nsearch_index *ix;
    nsearch_reader *r;
    nsearch_error err;
    open_reader(idx, &ix, &r);
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    so.count = 1;
    nsearch_results res;
    cr_assert_eq(nsearch_reader_search(r, query, strlen(query), &so, &res, &err), NSEARCH_OK,
                 "%s", err.message);
    uint64_t n = res.total;
    nsearch_reader_free(r);
    nsearch_index_close(ix);
    return n;
}

Test(api_builder, stats_after_commit_are_the_index_stats)
{
    char *dir = tu_tmpdir("apib_stats");
    char *idx = tu_path(dir, "idx"), *jl = tu_path(dir, "docs.jsonl");
    const char *lines = "{\"id\":\"a\",\"title\":\"Oil\",\"body\":\"crude oil prices rose\"}\n"
                        "{\"id\":\"b\",\"title\":\"Gold\",\"body\":\"gold prices fell\"}\n"
                        "{not json\n"
                        "{\"id\":\"c\",\"title\":\"!!!\",\"body\":\"...\"}\n"
                        "{\"id\":\"a\",\"title\":\"Oil again\",\"body\":\"crude oil\"}\n";
    write_str(jl, lines);
    nsearch_builder *b = new_builder(idx, NULL);
    nsearch_builder_stats st;
    cr_assert_eq(nsearch_builder_stats_get(b, &st), NSEARCH_OK);
    cr_assert_eq(st.documents_in, 0);
    nsearch_error err;
    cr_assert_eq(nsearch_builder_add_path(b, jl, &err), NSEARCH_OK, "%s", err.message);
    nsearch_document d = {S("d"), S("Silver"), S("silver prices steady"), {0}, {0}};
    cr_assert_eq(nsearch_builder_add(b, &d, &err), NSEARCH_OK);
    cr_assert_eq(nsearch_builder_wait(b, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(nsearch_builder_stats_get(b, &st), NSEARCH_OK);
    cr_assert_eq(st.documents_in, 5, "4 JSON documents and one added: %llu",
                 (unsigned long long)st.documents_in);
    cr_assert_eq(st.documents, 3, "a (the later one), b and d: %llu",
                 (unsigned long long)st.documents);
    cr_assert_eq(st.warnings[NSEARCH_WARN_JSON], 1);
    cr_assert_eq(st.warnings[NSEARCH_WARN_EMPTY], 1);
    cr_assert_eq(st.warnings[NSEARCH_WARN_DUPLICATE], 1);
    cr_assert_eq(st.warnings[NSEARCH_WARN_UTF8], 0);
    cr_assert_eq(st.bytes_in, strlen(lines), "%llu", (unsigned long long)st.bytes_in);
    cr_assert_eq(st.raw_in, strlen(lines));
    cr_assert_eq(st.terms, 0, "set by commit");
    cr_assert_eq(st.index_bytes, 0);
    cr_assert_eq(st.installed, 0);
    commit(b);
    cr_assert_eq(nsearch_builder_stats_get(b, &st), NSEARCH_OK, "after commit too");
    cr_assert_eq(nsearch_builder_wait(b, &err), NSEARCH_E_ARG, "wait after commit");
    nsearch_builder_free(b);
    cr_assert_eq(st.installed, 1);
    cr_assert_eq(st.long_words, 0);
    cr_assert_gt(st.index_bytes, 0);

    nsearch_index *ix;
    cr_assert_eq(nsearch_index_open(idx, &ix, &err), NSEARCH_OK, "%s", err.message);
    nsearch_index_stats is;
    cr_assert_eq(nsearch_index_stats_get(ix, &is), NSEARCH_OK);
    cr_assert_eq(st.documents, is.live_documents);
    cr_assert_eq(st.terms, is.terms, "%llu vs %llu", (unsigned long long)st.terms,
                 (unsigned long long)is.terms);
    cr_assert_eq(st.postings, is.postings);
    cr_assert_gt(st.terms, 5);
    nsearch_index_close(ix);
    cr_assert_eq(nsearch_builder_stats_get(NULL, &st), NSEARCH_E_ARG);
    free(jl);
    free(idx);
    free(dir);
}

static int warns_link;
static void count_link_warnings(void *ctx, nsearch_warning_kind kind, const char *file,
                                uint64_t line, const char *message)
{
    (void)ctx;
    (void)file;
    (void)line;
    (void)message;
    warns_link += kind == NSEARCH_WARN_LINK;
}

Test(api_builder, skipped_entries_are_counted_by_kind)
{
    char *dir = tu_tmpdir("apib_skip");
    char *in = tu_path(dir, "in"), *idx = tu_path(dir, "idx");
    cr_assert_eq(mkdir(in, 0755), 0);
    char *a = tu_path(in, "a.txt"), *csv = tu_path(in, "b.csv"), *csv2 = tu_path(in, "c.csv");
    char *hid = tu_path(in, ".hidden.txt"), *sub = tu_path(in, "sub");
    char *ldir = tu_path(in, "ldir"), *dang = tu_path(in, "dangling.txt"), *fifo = tu_path(in, "f.txt");
    write_str(a, "Title\nsome words here\n");
    write_str(csv, "x,y\n");
    write_str(csv2, "x,y\n");
    write_str(hid, "Hidden\nwords\n");
    cr_assert_eq(mkdir(sub, 0755), 0);
    cr_assert_eq(symlink(sub, ldir), 0);
    cr_assert_eq(symlink("/nonexistent/target", dang), 0);
    cr_assert_eq(mkfifo(fifo, 0644), 0);

    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.warn = count_link_warnings;
    warns_link = 0;
    nsearch_builder *b = new_builder(idx, &o);
    const char *set[] = {in, a}; /* a.txt twice: read once */
    nsearch_error err;
    cr_assert_eq(nsearch_builder_add_paths(b, set, 2, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(b, &st);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_OTHER_EXT], 2);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_HIDDEN], 1);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_LINK_DIR], 1);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_DANGLING], 1);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_SPECIAL], 1);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_TWICE], 1);
    /* a second set adds to the counts; a.txt is read again (another set) */
    cr_assert_eq(nsearch_builder_add_path(b, in, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_stats_get(b, &st);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_OTHER_EXT], 4);
    cr_assert_eq(st.skipped[NSEARCH_SKIP_TWICE], 1);
    cr_assert_eq(nsearch_builder_wait(b, &err), NSEARCH_OK);
    nsearch_builder_stats_get(b, &st);
    cr_assert_eq(st.documents_in, 2);
    cr_assert_eq(warns_link, 4, "links not followed are warnings too (both sets): %d", warns_link);
    cr_assert_eq(st.warnings[NSEARCH_WARN_LINK], 4);
    nsearch_builder_free(b);
    free(a), free(csv), free(csv2), free(hid), free(sub), free(ldir), free(dang), free(fifo);
    free(in);
    free(idx);
    free(dir);
}

Test(api_builder, input_check_names_a_missing_input_before_anything_is_read)
{
    char *dir = tu_tmpdir("apib_check");
    char *idx = tu_path(dir, "idx"), *a = tu_path(dir, "a.txt"), *gone = tu_path(dir, "gone");
    write_str(a, "Title\nwords\n");
    nsearch_error err;
    cr_assert_eq(nsearch_input_check(a, &err), NSEARCH_OK);
    cr_assert_eq(nsearch_input_check(dir, &err), NSEARCH_OK);
    cr_assert_eq(nsearch_input_check("-", &err), NSEARCH_OK, "standard input");
    cr_assert_eq(nsearch_input_check(gone, &err), NSEARCH_E_NOTFOUND);
    cr_assert_eq(err.rc, NSEARCH_E_NOTFOUND);
    cr_assert_not_null(strstr(err.message, gone), "%s", err.message);
    cr_assert_not_null(strstr(err.message, "cannot read INPUT"), "%s", err.message);
    cr_assert_eq(nsearch_input_check(NULL, &err), NSEARCH_E_ARG);
    if (geteuid() != 0) { /* root reads anything */
        char *locked = tu_path(dir, "locked");
        cr_assert_eq(mkdir(locked, 0), 0);
        cr_assert_eq(nsearch_input_check(locked, &err), NSEARCH_E_IO);
        cr_assert_not_null(strstr(err.message, locked), "%s", err.message);
        rmdir(locked);
        free(locked);
    }
    cr_assert_eq(nsearch_input_size(gone), 0);
    cr_assert_eq(nsearch_input_size(a), strlen("Title\nwords\n"));
    cr_assert_eq(nsearch_input_size(dir), strlen("Title\nwords\n"), "its indexed files");

    nsearch_builder *b = new_builder(idx, NULL);
    const char *set[] = {a, gone};
    cr_assert_eq(nsearch_builder_add_paths(b, set, 2, &err), NSEARCH_E_NOTFOUND);
    cr_assert_not_null(strstr(err.message, gone), "%s", err.message);
    cr_assert_eq(nsearch_builder_add_paths(b, set, 0, &err), NSEARCH_E_ARG);
    cr_assert_eq(nsearch_builder_wait(b, &err), NSEARCH_OK);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(b, &st);
    cr_assert_eq(st.documents_in, 0, "a.txt not read: the set failed its check");
    nsearch_builder_free(b);
    free(gone);
    free(a);
    free(idx);
    free(dir);
}

Test(api_builder, ids_are_relative_for_one_input_and_as_given_for_a_set)
{
    char *dir = tu_tmpdir("apib_ids");
    char *A = tu_path(dir, "A"), *B = tu_path(dir, "B");
    cr_assert_eq(mkdir(A, 0755), 0);
    cr_assert_eq(mkdir(B, 0755), 0);
    char *aa = tu_path(A, "a.txt"), *ba = tu_path(B, "a.txt");
    write_str(aa, "First\nalpha words\n");
    write_str(ba, "Second\nbeta words\n");
    char *one = tu_path(dir, "one"), *two = tu_path(dir, "two");

    nsearch_builder *b = new_builder(one, NULL);
    nsearch_error err;
    cr_assert_eq(nsearch_builder_add_path(b, A, &err), NSEARCH_OK, "%s", err.message);
    commit(b);
    nsearch_builder_free(b);
    char title[64];
    cr_assert(has_id(one, "a.txt", title, sizeof title), "relative to the INPUT directory");
    cr_assert_str_eq(title, "First");

    b = new_builder(two, NULL);
    const char *set[] = {A, B};
    cr_assert_eq(nsearch_builder_add_paths(b, set, 2, &err), NSEARCH_OK, "%s", err.message);
    commit(b);
    nsearch_builder_free(b);
    cr_assert_not(has_id(two, "a.txt", NULL, 0));
    cr_assert(has_id(two, aa, title, sizeof title), "the path as given: %s", aa);
    cr_assert_str_eq(title, "First");
    cr_assert(has_id(two, ba, title, sizeof title), "%s", ba);
    cr_assert_str_eq(title, "Second");
    free(one), free(two), free(aa), free(ba), free(A), free(B);
    free(dir);
}

typedef struct prog_seen {
    int calls, merging_calls, backwards, over;
    uint64_t last_docs, raw_total, last_raw;
} prog_seen;

static void on_progress(void *ctx, const nsearch_progress *p)
{
    prog_seen *s = ctx;
    s->calls++;
    if (p->documents < s->last_docs || p->raw_in < s->last_raw)
        s->backwards++;
    if (s->merging_calls && !p->merging)
        s->backwards++; /* analysis after merging began */
    if (p->raw_total && p->raw_in > p->raw_total)
        s->over++;
    s->merging_calls += p->merging != 0;
    s->last_docs = p->documents;
    s->last_raw = p->raw_in;
    s->raw_total = p->raw_total;
}

Test(api_builder, progress_reports_growing_counts_and_the_total)
{
    char *dir = tu_tmpdir("apib_progress");
    char *idx = tu_path(dir, "idx"), *jl = tu_path(dir, "docs.jsonl");
    size_t size = tu_gen_corpus(jl, "p", 3000, 7, NULL);
    cr_assert_gt(size, 0);
    cr_assert_eq(nsearch_input_size(jl), size);
    prog_seen s = {0};
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.progress = on_progress;
    o.progress_ctx = &s;
    o.input_bytes = nsearch_input_size(jl);
    o.threads = 2;
    nsearch_builder *b = new_builder(idx, &o);
    nsearch_error err;
    cr_assert_eq(nsearch_builder_add_path(b, jl, &err), NSEARCH_OK, "%s", err.message);
    commit(b);
    nsearch_builder_free(b);
    cr_assert_geq(s.calls, 2, "batches and the merge: %d", s.calls);
    cr_assert_eq(s.merging_calls, 1);
    cr_assert_eq(s.backwards, 0);
    cr_assert_eq(s.over, 0);
    cr_assert_eq(s.last_docs, 3000);
    cr_assert_eq(s.last_raw, size);
    cr_assert_eq(s.raw_total, size);
    free(jl);
    free(idx);
    free(dir);
}

Test(api_builder, encoding_and_input_format_options)
{
    char *dir = tu_tmpdir("apib_format");
    char *lat = tu_path(dir, "latin.dat"), *jl = tu_path(dir, "notes.dat");
    write_str(lat, "Menu\ncaf\xE9 cr\xE8me br\xFBl\xE9" "e\n");
    write_str(jl, "{\"id\":\"j1\",\"title\":\"Json\",\"body\":\"zebra stripes\"}\n");
    nsearch_error err;
    int utf8 = -1;
    cr_assert_eq(nsearch_encoding_check("latin1", &utf8, &err), NSEARCH_OK, "%s", err.message);
    cr_assert_eq(utf8, 0);
    cr_assert_eq(nsearch_encoding_check("utf8", &utf8, &err), NSEARCH_OK);
    cr_assert_eq(utf8, 1);
    cr_assert_eq(nsearch_encoding_check("no-such-encoding-42", &utf8, &err), NSEARCH_E_ARG);
    cr_assert_not_null(strstr(err.message, "no-such-encoding-42"), "%s", err.message);
    cr_assert_eq(nsearch_encoding_check(NULL, NULL, &err), NSEARCH_E_ARG);

    /* latin1 plain text, read as text whatever its name */
    char *idx = tu_path(dir, "latin");
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.encoding = "latin1";
    o.input_format = NSEARCH_INPUT_TEXT;
    nsearch_builder *b = new_builder(idx, &o);
    const char *set[] = {lat, jl};
    cr_assert_eq(nsearch_builder_add_paths(b, set, 2, &err), NSEARCH_OK, "%s", err.message);
    commit(b);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(b, &st);
    nsearch_builder_free(b);
    cr_assert_eq(st.warnings[NSEARCH_WARN_UTF8] + st.warnings[NSEARCH_WARN_ENCODING], 0);
    cr_assert_eq(st.documents, 2, "the JSON line is one plain-text document");
    cr_assert_eq(hits(idx, "crème"), 1, "converted from latin1");
    cr_assert(has_id(idx, jl, NULL, 0), "read as text: its path is its id");
    cr_assert_not(has_id(idx, "j1", NULL, 0));

    /* without an encoding the same bytes are not UTF-8: a binary file */
    char *idx2 = tu_path(dir, "utf8");
    b = new_builder(idx2, NULL);
    cr_assert_eq(nsearch_builder_add_paths(b, set, 2, &err), NSEARCH_OK, "%s", err.message);
    commit(b);
    nsearch_builder_stats_get(b, &st);
    nsearch_builder_free(b);
    cr_assert_eq(st.warnings[NSEARCH_WARN_BINARY], 1);
    cr_assert_eq(st.documents, 1);
    cr_assert_eq(hits(idx2, "crème"), 0);
    cr_assert(has_id(idx2, "j1", NULL, 0), "auto: the first line is a JSON object");

    /* forced JSON Lines */
    char *idx3 = tu_path(dir, "jsonl");
    nsearch_builder_opts_init(&o);
    o.input_format = NSEARCH_INPUT_JSONL;
    b = new_builder(idx3, &o);
    cr_assert_eq(nsearch_builder_add_path(b, jl, &err), NSEARCH_OK, "%s", err.message);
    commit(b);
    nsearch_builder_free(b);
    cr_assert(has_id(idx3, "j1", NULL, 0));

    /* bad combinations, at nsearch_builder_new */
    char *idx4 = tu_path(dir, "bad");
    o.encoding = "latin1";
    cr_assert_eq(nsearch_builder_new(idx4, &o, &b, &err), NSEARCH_E_ARG, "JSON Lines are UTF-8");
    o.encoding = "UTF-8";
    cr_assert_eq(nsearch_builder_new(idx4, &o, &b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_free(b);
    nsearch_builder_opts_init(&o);
    o.encoding = "no-such-encoding-42";
    cr_assert_eq(nsearch_builder_new(idx4, &o, &b, &err), NSEARCH_E_ARG);
    cr_assert_not_null(strstr(err.message, "no-such-encoding-42"), "%s", err.message);
    nsearch_builder_opts_init(&o);
    o.input_format = 3;
    cr_assert_eq(nsearch_builder_new(idx4, &o, &b, &err), NSEARCH_E_ARG);
    free(idx), free(idx2), free(idx3), free(idx4), free(lat), free(jl);
    free(dir);
}

Test(api_builder, wait_gives_the_final_counts_before_commit)
{
    char *dir = tu_tmpdir("apib_wait");
    char *idx = tu_path(dir, "idx");
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    o.threads = 4;
    nsearch_builder *b = new_builder(idx, &o);
    nsearch_error err;
    char id[32], body[128];
    const unsigned n = 5000;
    for (unsigned i = 0; i < n; i++) {
        snprintf(id, sizeof id, "d%u", i);
        snprintf(body, sizeof body, "word%u common text number %u %s", i % 97, i,
                 i % 10 == 0 ? "\xFF" : "");
        nsearch_document d = {S(id), S("t"), S(body), {0}, {0}};
        cr_assert_eq(nsearch_builder_add(b, &d, &err), NSEARCH_OK, "%s", err.message);
    }
    cr_assert_eq(nsearch_builder_wait(b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(b, &st);
    cr_assert_eq(st.documents_in, n);
    cr_assert_eq(st.documents, n, "every document analysed: %llu", (unsigned long long)st.documents);
    cr_assert_eq(st.warnings[NSEARCH_WARN_UTF8], n / 10);
    cr_assert_eq(nsearch_builder_wait(b, &err), NSEARCH_OK, "twice is harmless");
    commit(b);
    nsearch_builder_stats_get(b, &st);
    nsearch_builder_free(b);
    cr_assert_eq(st.documents, n);
    cr_assert_eq(hits(idx, "common"), n);
    free(idx);
    free(dir);
}

Test(api_builder, long_words_are_split_and_counted)
{
    char *dir = tu_tmpdir("apib_long");
    char *idx = tu_path(dir, "idx");
    char word[NSEARCH_TOKEN_MAX_BYTES * 2 + 11];
    memset(word, 'x', sizeof word - 1);
    word[sizeof word - 1] = 0;
    nsearch_builder *b = new_builder(idx, NULL);
    nsearch_document d = {S("long"), S("t"), S(word), {0}, {0}};
    nsearch_error err;
    cr_assert_eq(nsearch_builder_add(b, &d, &err), NSEARCH_OK);
    commit(b);
    nsearch_builder_stats st;
    nsearch_builder_stats_get(b, &st);
    nsearch_builder_free(b);
    cr_assert_eq(st.long_words, 1, "%llu", (unsigned long long)st.long_words);
    free(idx);
    free(dir);
}

Test(api_builder, keyword_field_names_are_checked)
{
    cr_assert_null(nsearch_keyword_field_problem("topics", 6));
    cr_assert_str_eq(nsearch_keyword_field_problem("", 0), "is empty");
    cr_assert_not_null(strstr(nsearch_keyword_field_problem("title", 5), "main field"));
    cr_assert_not_null(strstr(nsearch_keyword_field_problem("a:b", 3), "':'"));
    cr_assert_not_null(nsearch_keyword_field_problem("a\xFF", 2));
    char *dir = tu_tmpdir("apib_kw");
    char *idx = tu_path(dir, "idx");
    nsearch_builder_opts o;
    nsearch_builder_opts_init(&o);
    const char *bad[] = {"topics", "title"};
    o.keyword_fields = bad;
    o.n_keyword_fields = 2;
    nsearch_builder *b;
    nsearch_error err;
    cr_assert_eq(nsearch_builder_new(idx, &o, &b, &err), NSEARCH_E_ARG);
    const char *many[NSEARCH_MAX_KEYWORD_FIELDS + 1];
    char names[NSEARCH_MAX_KEYWORD_FIELDS + 1][8];
    for (unsigned i = 0; i <= NSEARCH_MAX_KEYWORD_FIELDS; i++) {
        snprintf(names[i], sizeof names[i], "k%u", i);
        many[i] = names[i];
    }
    o.keyword_fields = many;
    o.n_keyword_fields = NSEARCH_MAX_KEYWORD_FIELDS + 1;
    cr_assert_eq(nsearch_builder_new(idx, &o, &b, &err), NSEARCH_E_ARG);
    o.n_keyword_fields = NSEARCH_MAX_KEYWORD_FIELDS;
    cr_assert_eq(nsearch_builder_new(idx, &o, &b, &err), NSEARCH_OK, "%s", err.message);
    nsearch_builder_free(b);
    free(idx);
    free(dir);
}
