/* Format 4.0 for the query language (issue 10): the positions each title
 * takes (doclens), keyword fields (nindex --field: exact keys in the
 * dictionary, names in meta), their checks, and nsearch --info. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ns_endian.h"
#include "ns_format.h"
#include "ns_json.h"
#include "ns_keyword.h"
#include "sr_check.h"
#include "sr_index.h"
#include "tutil.h"

#define TIMEOUT_S 60

#include "tcli.h"

static void write_str(const char *path, const char *s)
{
    cr_assert_eq(tu_write_file(path, s, strlen(s)), 0, "cannot write %s", path);
}

/* nindex -q --field topics -o idx src, which must succeed. */
static void build_kw(const char *idx, const char *src)
{
    tu_out o = NINDEX("-q", "--field", "topics", "-o", idx, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
}

static sr_index *open_index(const char *idx)
{
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    return ix;
}

static uint32_t doc_of(const sr_index *ix, const char *id)
{
    uint32_t d;
    bool found;
    ns_err err;
    cr_assert_eq(sr_index_find_id(ix, id, strlen(id), &d, &found, &err), NS_OK);
    cr_assert(found, "no document '%s'", id);
    return d;
}

static void no_problem(void *ctx, const char *msg)
{
    (void)ctx;
    cr_log_error("%s", msg);
}

/* The keyword term of (name, value): found, with its dictionary entry. */
static bool keyword(const sr_index *ix, const char *name, const char *value, sr_term_info *ti)
{
    ns_buf k;
    ns_buf_init(&k);
    cr_assert_eq(ns_keyword_key(&k, name, strlen(name), value, strlen(value)), NS_OK);
    bool found;
    ns_err err;
    cr_assert_eq(sr_index_lookup(ix, (const char *)k.data, k.len, &found, ti, &err), NS_OK);
    ns_buf_release(&k);
    return found;
}

/* Title "The Oil of Kuwait": 4 positions with English stop words (the,
 * of keep theirs); no title, or one of punctuation only: 0; a document
 * replaced by a later one with the same id is dead: 0.  A plain-text
 * file's title is its first line. */
Test(cli_keyword, title_lengths_count_every_word_of_the_title)
{
    char *dir = tu_tmpdir("kw_titles");
    char *src = tu_path(dir, "in.jsonl"), *txt = tu_path(dir, "t.txt"), *idx = tu_path(dir, "idx");
    write_str(src, "{\"id\":\"a\",\"title\":\"The Oil of Kuwait\",\"body\":\"prices rose\"}\n"
                   "{\"id\":\"b\",\"body\":\"no title at all\"}\n"
                   "{\"id\":\"c\",\"title\":\"!!! ...\",\"body\":\"punctuation title\"}\n"
                   "{\"id\":\"d\",\"title\":\"first one\",\"body\":\"old\"}\n"
                   "{\"id\":\"e\",\"title\":\"Title only words\"}\n"
                   "{\"id\":\"d\",\"title\":\"second\",\"body\":\"new text here\"}\n");
    write_str(txt, "A first line, the title\n\nand the body of it\n");
    tu_out o = NINDEX("-q", "--stopwords", "english", "-o", idx, src, txt);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    sr_index *ix = open_index(idx);
    cr_assert_eq(sr_check(ix, no_problem, NULL), 0);
    uint32_t a = doc_of(ix, "a");
    cr_assert_eq(sr_index_title_len(ix, a), 4);
    cr_assert_eq(sr_index_doclen(ix, a), 6);
    cr_assert_eq(sr_index_title_len(ix, doc_of(ix, "b")), 0);
    cr_assert_eq(sr_index_doclen(ix, doc_of(ix, "b")), 4);
    cr_assert_eq(sr_index_title_len(ix, doc_of(ix, "c")), 0);
    uint32_t e = doc_of(ix, "e");
    cr_assert_eq(sr_index_title_len(ix, e), 3);
    cr_assert_eq(sr_index_doclen(ix, e), 3);
    uint32_t d = doc_of(ix, "d");
    cr_assert_eq(d, 5);
    cr_assert_eq(sr_index_title_len(ix, d), 1);
    cr_assert_eq(sr_index_doclen(ix, 3), 0); /* the replaced d */
    cr_assert_eq(sr_index_title_len(ix, 3), 0);
    cr_assert_eq(sr_index_title_len(ix, 6), 5); /* t.txt, the last document */
    sr_index_close(ix);
    free(idx);
    free(txt);
    free(src);
    free(dir);
}

#define KW_CORPUS                                                                                  \
    "{\"id\":\"1\",\"title\":\"Oil\",\"body\":\"crude oil rose\",\"topics\":[\"crude\",\"nat-gas\",\"crude\"]}\n" \
    "{\"id\":\"2\",\"body\":\"cocoa beans\",\"topics\":\"cocoa\",\"n\":5}\n"                         \
    "{\"id\":\"3\",\"body\":\"mixed\",\"topics\":[1,{\"a\":\"b\"},\"\",[\"deep\"],\"Crude\",\"crude\"," \
    "\"a\\\"b\\u00e9\"]}\n"                                                                          \
    "{\"id\":\"4\",\"body\":\"numbers\",\"topics\":42}\n"                                            \
    "{\"id\":\"5\",\"body\":\"object\",\"topics\":{\"x\":\"y\"}}\n"                                  \
    "{\"id\":\"6\",\"body\":\"empty\",\"topics\":\"\"}\n"

/* Strings and each string of an array are keywords, exact bytes (case
 * kept, escapes decoded); numbers, objects, nested arrays and empty
 * strings are not.  tf 1 (a value twice in a document counts once), no
 * positions, no part in lengths; the member is still stored. */
Test(cli_keyword, keyword_terms_come_from_strings_and_arrays_of_strings)
{
    char *dir = tu_tmpdir("kw_terms");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx"), *plain = tu_path(dir, "plain");
    write_str(src, KW_CORPUS);
    build_kw(idx, src);
    tu_out o = NINDEX("-q", "-o", plain, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    sr_index *ix = open_index(idx), *px = open_index(plain);
    cr_assert_eq(sr_check(ix, no_problem, NULL), 0);
    cr_assert_eq(ix->n_kw_fields, 1);
    cr_assert(sr_index_has_keyword_field(ix, "topics", 6));
    cr_assert_not(sr_index_has_keyword_field(ix, "n", 1));
    sr_term_info ti;
    cr_assert(keyword(ix, "topics", "crude", &ti));
    cr_assert_eq(ti.df, 2);
    cr_assert_eq(ti.cf, 2);
    cr_assert_eq(ti.pos_len, 0);
    cr_assert(keyword(ix, "topics", "nat-gas", &ti));
    cr_assert(keyword(ix, "topics", "Crude", &ti));
    cr_assert_eq(ti.df, 1);
    cr_assert(keyword(ix, "topics", "cocoa", &ti));
    cr_assert(keyword(ix, "topics", "a\"b\xc3\xa9", &ti));
    cr_assert_not(keyword(ix, "topics", "deep", &ti));
    cr_assert_not(keyword(ix, "topics", "1", &ti));
    cr_assert_not(keyword(ix, "topics", "42", &ti));
    cr_assert_not(keyword(ix, "topics", "y", &ti));
    cr_assert_not(keyword(ix, "n", "5", &ti));
    /* exactly those five keys, first in the dictionary */
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    ns_err err;
    size_t n_kw = 0;
    while (sr_dict_iter_next(ix, &it, &ti, &err) == 1 && ns_keyword_is_key(it.term, it.term_len))
        n_kw++;
    cr_assert_eq(n_kw, 5);
    cr_assert_eq(ix->n_terms, px->n_terms + 5);
    /* lengths and BM25 statistics as without the field */
    cr_assert_eq(ix->total_tokens, px->total_tokens);
    for (uint32_t d = 0; d < ix->n_docs; d++) {
        cr_assert_eq(sr_index_doclen(ix, d), sr_index_doclen(px, d));
        cr_assert_eq(sr_index_title_len(ix, d), sr_index_title_len(px, d));
    }
    sr_index_close(px);
    sr_index_close(ix);
    /* keywords are not words: "crude" as a word is the body's */
    o = NSEARCH("-i", idx, "--format", "trec", "nat");
    cr_assert_eq(o.status, 1, "%s", o.out);
    tu_out_free(&o);
    tu_out a = NSEARCH("-i", idx, "--format", "trec", "crude", "oil", "cocoa");
    tu_out b = NSEARCH("-i", plain, "--format", "trec", "crude", "oil", "cocoa");
    cr_assert_eq(a.status, 0);
    cr_assert_str_eq(a.out, b.out);
    tu_out_free(&a);
    tu_out_free(&b);
    o = NSEARCH("-i", idx, "--get", "1");
    cr_assert_eq(o.status, 0);
    cr_assert(strstr(o.out, "\"topics\":[\"crude\",\"nat-gas\",\"crude\"]"), "%s", o.out);
    tu_out_free(&o);
    free(plain);
    free(idx);
    free(src);
    free(dir);
}

/* A value whose key would pass the 256-byte term limit is skipped with
 * one warning for the document; the others are indexed. */
Test(cli_keyword, too_long_values_are_skipped_with_a_warning)
{
    char *dir = tu_tmpdir("kw_long");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    char line[1024];
    snprintf(line, sizeof line,
             "{\"id\":\"1\",\"body\":\"w\",\"tag\":[\"%0300d\",\"%0260d\",\"ok\"]}\n", 1, 2);
    write_str(src, line);
    tu_out o = NINDEX("-o", idx, "--field", "tag", src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.err, "keyword field 'tag': 2 values too long to index"), "%s", o.err);
    tu_out_free(&o);
    sr_index *ix = open_index(idx);
    sr_term_info ti;
    cr_assert(keyword(ix, "tag", "ok", &ti));
    cr_assert_eq(ix->n_terms, 2); /* w and the one keyword */
    sr_index_close(ix);
    o = NINDEX("-q", "--strict", "-o", idx, "--field", "tag", src);
    cr_assert_eq(o.status, 2, "%s", o.err);
    tu_out_free(&o);
    free(idx);
    free(src);
    free(dir);
}

Test(cli_keyword, bad_field_names_are_usage_errors)
{
    char *dir = tu_tmpdir("kw_names");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    write_str(src, "{\"id\":\"1\",\"body\":\"w\"}\n");
    char long_name[300];
    memset(long_name, 'x', 256);
    long_name[256] = 0;
    const char *bad[] = {"", "id", "title", "body", "date", "url", "a:b", "a b", "a\tb", "\x1f", long_name};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tu_out o = NINDEX("-o", idx, "--field", bad[i], src);
        cr_assert_eq(o.status, 2, "--field '%s': %d %s", bad[i], o.status, o.err);
        cr_assert(strstr(o.err, "nindex: invalid --field"), "%s", o.err);
        cr_assert(strstr(o.err, "Try 'nindex --help'"), "%s", o.err);
        tu_out_free(&o);
    }
    tu_out o = NSEARCH("-i", idx, "--info");
    cr_assert_eq(o.status, 3, "no index was written: %s", o.err);
    tu_out_free(&o);
    /* a name may repeat and may be any other UTF-8 */
    o = NINDEX("-q", "-o", idx, "--field", "thème", "--field", "thème", "--field", "text", src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    sr_index *ix = open_index(idx);
    cr_assert_eq(ix->n_kw_fields, 2);
    cr_assert(sr_index_has_keyword_field(ix, "thème", strlen("thème")));
    sr_index_close(ix);
    free(idx);
    free(src);
    free(dir);
}

/* The member value of name in the one JSON object line[0..len). */
static ns_json_type json_member(const char *line, const char *name, char *out, size_t cap)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f = {.name = name};
    cr_assert_eq(ns_json_extract(line, strlen(line), &f, 1, &sc, &err), NS_OK, "%s: %s", err.msg,
                 line);
    cr_assert_lt(f.len, cap);
    memcpy(out, sc.data + f.off, f.len);
    out[f.len] = 0;
    ns_buf_release(&sc);
    return f.type;
}

Test(cli_keyword, info_describes_the_index_as_text_and_json)
{
    char *dir = tu_tmpdir("kw_info");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    write_str(src, KW_CORPUS);
    tu_out o = NINDEX("-q", "--field", "topics", "--field", "people", "-o", idx, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--info");
    cr_assert_eq(o.status, 0, "%s", o.err);
    const char *want[] = {"format:         5.1\n", "documents:      6 live, 6 slots\n",
                          "analyzer:       language english, stop words english, diacritics removed, "
                          "Unicode 15.0, tokenizer version",
                          "text fields:    title, body (searchable, with positions)\n",
                          "keyword fields:\n  topics: 5 distinct values, 6 postings\n"
                          "  people: 0 distinct values, 0 postings\n",
                          "stored fields:  id, title, date, url, body, topics, n\n", "  meta ",
                          "  doclens ", "  total "};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert(strstr(o.out, want[i]), "no '%s' in:\n%s", want[i], o.out);
    cr_assert_str_empty(o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--info", "--json");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_eq(strchr(o.out, '\n'), o.out + strlen(o.out) - 1, "one line: %s", o.out);
    char v[1024];
    cr_assert_eq(json_member(o.out, "format", v, sizeof v), NS_JSON_STRING);
    cr_assert_str_eq(v, "5.1");
    cr_assert_eq(json_member(o.out, "documents", v, sizeof v), NS_JSON_NUMBER);
    cr_assert_str_eq(v, "6");
    cr_assert_eq(json_member(o.out, "keyword_fields", v, sizeof v), NS_JSON_ARRAY);
    cr_assert_str_eq(v, "[{\"name\":\"topics\",\"values\":5,\"postings\":6},"
                        "{\"name\":\"people\",\"values\":0,\"postings\":0}]");
    cr_assert_eq(json_member(o.out, "stored_fields", v, sizeof v), NS_JSON_ARRAY);
    cr_assert_str_eq(v, "[\"id\",\"title\",\"date\",\"url\",\"body\",\"topics\",\"n\"]");
    cr_assert_eq(json_member(o.out, "text_fields", v, sizeof v), NS_JSON_ARRAY);
    cr_assert(strstr(v, "{\"name\":\"title\",\"positions\":true}"), "%s", v);
    cr_assert_eq(json_member(o.out, "analyzer", v, sizeof v), NS_JSON_OBJECT);
    cr_assert(strstr(v, "\"language\":\"english\",\"stopwords\":\"english\",\"diacritics\":"
                        "\"removed\",\"unicode\":\"15.0\""),
              "%s", v);
    cr_assert_eq(json_member(o.out, "files", v, sizeof v), NS_JSON_OBJECT);
    cr_assert(strstr(v, "\"doclens\":"), "%s", v);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--info", "oil");
    cr_assert_eq(o.status, 2, "%s", o.err);
    tu_out_free(&o);
    free(idx);
    free(src);
    free(dir);
}

/* Rewrites idx/name with data[off] += delta and a recomputed checksum. */
static void damage(const char *idx, const char *name, size_t off, int delta)
{
    char *path = tu_path(idx, name);
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert_not_null(data);
    cr_assert_lt(off, n - NS_FOOTER_LEN);
    data[off] = (uint8_t)(data[off] + delta);
    ns_put_u64le(data + n - 8, XXH3_64bits(data, n - NS_FOOTER_LEN));
    cr_assert_eq(tu_write_file(path, data, n), 0);
    free(data);
    free(path);
}

/* A title length one off its title's words, or longer than its document,
 * with the checksum recomputed: --check names it. */
Test(cli_keyword, check_finds_a_damaged_title_length)
{
    char *dir = tu_tmpdir("kw_damage");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    write_str(src, KW_CORPUS);
    const int deltas[] = {1, -1, 40};
    for (size_t i = 0; i < sizeof deltas / sizeof *deltas; i++) {
        build_kw(idx, src);
        /* document 0 ("Oil": 1 word): its u16 after the n_docs u32 lengths */
        damage(idx, "doclens", NS_HEADER_LEN + 4 * 6, deltas[i]);
        tu_out o = NSEARCH("-i", idx, "--check");
        cr_assert_eq(o.status, 3, "delta %d: %s", deltas[i], o.out);
        cr_assert(strstr(o.err, "doclens': document 0: title length"), "%s", o.err);
        tu_out_free(&o);
    }
    free(idx);
    free(src);
    free(dir);
}

/* The keyword field list in meta: a renamed field leaves its keys without
 * a field (--check), a name with ':' is no field name (open refuses). */
Test(cli_keyword, damaged_keyword_field_list_is_found)
{
    char *dir = tu_tmpdir("kw_meta");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    write_str(src, KW_CORPUS);
    /* meta: fixed fields, u32 count, u8 length, "topics" */
    size_t name_at = NS_HEADER_LEN + NS_META_OFF_KW_FIELDS + 4 + 1;
    build_kw(idx, src);
    damage(idx, "meta", name_at, 1); /* uopics */
    tu_out o = NSEARCH("-i", idx, "--check");
    cr_assert_eq(o.status, 3, "%s", o.out);
    cr_assert(strstr(o.err, "keyword term 'topics:crude' of no keyword field"), "%s", o.err);
    tu_out_free(&o);
    damage(idx, "meta", name_at, ':' - 'u');
    o = NSEARCH("-i", idx, "oil");
    cr_assert_eq(o.status, 3, "%s", o.out);
    cr_assert(strstr(o.err, "meta' is corrupt: bad keyword field list"), "%s", o.err);
    tu_out_free(&o);
    free(idx);
    free(src);
    free(dir);
}
