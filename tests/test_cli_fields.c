/* Stored fields (issue 9, format 3.0): every JSON member kept and given
 * back as it was (nsearch --get, --json hits' "fields"), lookups by id,
 * the docstore with and without a dictionary, and indexes that do not
 * depend on -j or --mem. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "ns_docrec.h"
#include "ns_endian.h"
#include "ns_format.h"
#include "ns_json.h"
#include "sr_index.h"
#include "tutil.h"

#define TIMEOUT_S 60

#include "tcli.h"

static void write_str(const char *path, const char *s)
{
    cr_assert_eq(tu_write_file(path, s, strlen(s)), 0, "cannot write %s", path);
}

/* Builds idx from src, with -j jobs and --mem mem unless NULL (then also
 * with the keyword field tags). */
static void build(const char *idx, const char *src, const char *jobs, const char *mem)
{
    tu_out o = jobs ? NINDEX("-q", "-j", jobs, "--mem", mem, "--field", "tags", "-o", idx, src)
                    : NINDEX("-q", "-o", idx, src);
    cr_assert_eq(o.status, 0, "nindex: %s", o.err);
    tu_out_free(&o);
}

/* The member `name` of the one JSON object in line: its type and its bytes
 * (decoded for a string, JSON text otherwise) into *out (owned). */
static ns_json_type member(const char *line, size_t len, const char *name, char **out,
                           size_t *out_len)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f = {.name = name};
    cr_assert_eq(ns_json_extract(line, len, &f, 1, &sc, &err), NS_OK, "%s: %.*s", err.msg,
                 (int)len, line);
    *out = malloc(f.len + 1);
    memcpy(*out, sc.data + f.off, f.len);
    (*out)[f.len] = 0;
    *out_len = f.len;
    ns_buf_release(&sc);
    return f.type;
}

static void assert_member(const char *line, size_t len, const char *name, ns_json_type type,
                          const char *want, size_t want_len)
{
    char *v;
    size_t vl;
    ns_json_type t = member(line, len, name, &v, &vl);
    cr_assert_eq(t, type, "%s: type %d, want %d in %.200s", name, t, type, line);
    cr_assert_eq(vl, want_len, "%s: %zu bytes, want %zu: '%.80s'", name, vl, want_len, v);
    cr_assert(memcmp(v, want, want_len) == 0, "%s: '%.80s', want '%.80s'", name, v, want);
    free(v);
}

#define LONG_N 5000 /* over NS_DOCS_INLINE_MAX: kept in the frame */

/* Every kind of value survives the round trip through the index. */
Test(cli_fields, every_kind_of_field_round_trips_through_get)
{
    char *dir = tu_tmpdir("kinds");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    char *longs = malloc(LONG_N + 1);
    for (int i = 0; i < LONG_N; i++)
        longs[i] = (char)('a' + i % 26);
    longs[LONG_N] = 0;
    char *line = malloc(2 * LONG_N + 4096);
    snprintf(line, 2 * LONG_N + 4096,
             "{\"id\":\"k1\",\"title\":\"Kinds\",\"body\":\"pangolin body\",\"url\":\"http://x/1\","
             "\"esc\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00\","
             "\"int\":42,\"neg\":-7.25e-3,\"yes\":true,\"no\":false,\"nothing\":null,"
             "\"empty\":\"\",\"arr\":[ 1, \"two\" , [ ] ],\"obj\":{ \"k\" : { \"n\" : null } },"
             "\"earr\":[],\"long\":\"%s\",\"bad\":\"x\xff" "y\",\"text\":\"also kept\","
             "\"barr\":[\"\xfe\"],\"long2\":[\"%s\"]}\n"
             "{\"id\":\"k2\",\"body\":\"pangolin plain\"}\n",
             longs, longs);
    write_str(src, line);
    tu_out o = NINDEX("-o", idx, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    /* a string is repaired by the JSON reader, the text of an array by the build */
    cr_assert(strstr(o.err, "invalid UTF-8 sequences or lone surrogates replaced"), "%s", o.err);
    cr_assert(strstr(o.err, "invalid UTF-8 in field 'barr'"), "no repair warning: %s", o.err);
    tu_out_free(&o);

    o = NSEARCH("-i", idx, "--get", "k1");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_eq(o.out[o.out_len - 1], '\n');
    cr_assert_null(memchr(o.out, '\n', o.out_len - 1), "one line: %s", o.out);
    const char *g = o.out;
    size_t gl = o.out_len - 1;
    assert_member(g, gl, "id", NS_JSON_STRING, "k1", 2);
    assert_member(g, gl, "title", NS_JSON_STRING, "Kinds", 5);
    assert_member(g, gl, "url", NS_JSON_STRING, "http://x/1", 10);
    assert_member(g, gl, "body", NS_JSON_STRING, "pangolin body", 13);
    const char esc[] = "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80";
    assert_member(g, gl, "esc", NS_JSON_STRING, esc, sizeof esc - 1);
    assert_member(g, gl, "int", NS_JSON_NUMBER, "42", 2);
    assert_member(g, gl, "neg", NS_JSON_NUMBER, "-7.25e-3", 8);
    assert_member(g, gl, "yes", NS_JSON_BOOL, "true", 4);
    assert_member(g, gl, "no", NS_JSON_BOOL, "false", 5);
    assert_member(g, gl, "nothing", NS_JSON_NULL, "null", 4);
    assert_member(g, gl, "empty", NS_JSON_STRING, "", 0);
    assert_member(g, gl, "arr", NS_JSON_ARRAY, "[1,\"two\",[]]", 12);
    assert_member(g, gl, "obj", NS_JSON_OBJECT, "{\"k\":{\"n\":null}}", 16);
    assert_member(g, gl, "earr", NS_JSON_ARRAY, "[]", 2);
    assert_member(g, gl, "long", NS_JSON_STRING, longs, LONG_N);
    assert_member(g, gl, "bad", NS_JSON_STRING, "x\xef\xbf\xbdy", 5);
    assert_member(g, gl, "text", NS_JSON_STRING, "also kept", 9);
    assert_member(g, gl, "barr", NS_JSON_ARRAY, "[\"\xef\xbf\xbd\"]", 7);
    char *long2 = malloc(LONG_N + 5);
    snprintf(long2, LONG_N + 5, "[\"%s\"]", longs);
    assert_member(g, gl, "long2", NS_JSON_ARRAY, long2, LONG_N + 4);
    /* in input order, after the main fields */
    const char *order[] = {"\"esc\"", "\"int\"", "\"neg\"", "\"yes\"", "\"no\"", "\"nothing\"",
                           "\"empty\"", "\"arr\"", "\"obj\"", "\"earr\"", "\"long\"", "\"bad\"",
                           "\"text\"", "\"barr\""};
    const char *at = strstr(g, "\"body\"");
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const char *p = strstr(g, order[i]);
        cr_assert(p && p > at, "%s out of order in %.300s", order[i], g);
        at = p;
    }
    tu_out_free(&o);
    /* the two long values are in the frame, not in the table */
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    sr_doc h;
    cr_assert_eq(sr_index_doc_head(ix, 0, &h, &err), NS_OK, "%s", err.msg);
    cr_assert(sr_doc_needs_frame(&h));
    cr_assert_eq(h.frame_vals, 2 * LONG_N + 4, "%llu bytes in the frame",
                 (unsigned long long)h.frame_vals);
    cr_assert_lt(ix->f[NS_FILE_DOCS].payload_len, (size_t)LONG_N, "long values in the table");
    sr_index_close(ix);

    /* the hit carries them too, under "fields"; a document without any has none */
    o = NSEARCH("-i", idx, "--json", "-k", "5", "pangolin");
    cr_assert_eq(o.status, 0, "%s", o.err);
    char *l2 = strchr(o.out, '\n');
    cr_assert_not_null(l2);
    const char *hk1 = strstr(o.out, "\"id\":\"k1\"") < l2 ? o.out : l2 + 1;
    const char *hk2 = hk1 == o.out ? l2 + 1 : o.out;
    char *fields;
    size_t fl;
    size_t hk1_len = strcspn(hk1, "\n");
    cr_assert_eq(member(hk1, hk1_len, "fields", &fields, &fl), NS_JSON_OBJECT, "%.300s", hk1);
    assert_member(fields, fl, "arr", NS_JSON_ARRAY, "[1,\"two\",[]]", 12);
    assert_member(fields, fl, "long", NS_JSON_STRING, longs, LONG_N);
    assert_member(fields, fl, "esc", NS_JSON_STRING, esc, sizeof esc - 1);
    free(fields);
    size_t hk2_len = strcspn(hk2, "\n");
    cr_assert_eq(member(hk2, hk2_len, "fields", &fields, &fl), NS_JSON_ABSENT,
                 "k2 has no other fields: %.*s", (int)hk2_len, hk2);
    free(fields);
    tu_out_free(&o);

    o = NSEARCH("-i", idx, "--check");
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    free(line);
    free(long2);
    free(longs);
    free(idx);
    free(src);
    free(dir);
}

/* --get: present, absent (exit 1, named on stderr), duplicate-replaced (the
 * later document), text format, and usage errors. */
Test(cli_fields, get_finds_live_documents_by_id)
{
    char *dir = tu_tmpdir("get");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    write_str(src, "{\"id\":\"dup\",\"title\":\"First\",\"body\":\"old wombat\"}\n"
                   "{\"id\":\"a\",\"title\":\"A\",\"body\":\"alpha\",\"tags\":[\"x\"]}\n"
                   "{\"id\":\"ab\",\"title\":\"AB\",\"body\":\"alpha beta\"}\n"
                   "{\"id\":\"empty\",\"title\":\"\",\"body\":\"\"}\n"
                   "{\"id\":\"x10\",\"body\":\"ten\"}\n"
                   "{\"id\":\"x1\",\"body\":\"one\"}\n"
                   "{\"id\":\"dup\",\"title\":\"Second\",\"body\":\"new wombat\"}\n");
    build(idx, src, NULL, NULL);
    /* an id before its prefix in the input: the sorted ids still find both */
    const char *pair[] = {"x1", "x10"};
    for (int i = 0; i < 2; i++) {
        tu_out g = NSEARCH("-i", idx, "--get", pair[i]);
        cr_assert_eq(g.status, 0, "%s: %s", pair[i], g.err);
        assert_member(g.out, g.out_len - 1, "id", NS_JSON_STRING, pair[i], strlen(pair[i]));
        tu_out_free(&g);
    }
    tu_out c = NSEARCH("-i", idx, "--check");
    cr_assert_eq(c.status, 0, "%s", c.err);
    tu_out_free(&c);
    tu_out o = NSEARCH("-i", idx, "--get", "dup");
    cr_assert_eq(o.status, 0, "%s", o.err);
    assert_member(o.out, o.out_len - 1, "body", NS_JSON_STRING, "new wombat", 10);
    assert_member(o.out, o.out_len - 1, "title", NS_JSON_STRING, "Second", 6);
    tu_out_free(&o);
    /* a prefix of an id, an id that only an empty document had, none at all */
    const char *absent[] = {"", "d", "du", "dupe", "empty", "b", "A"};
    for (size_t i = 0; i < sizeof absent / sizeof *absent; i++) {
        o = NSEARCH("-i", idx, "--get", absent[i]);
        cr_assert_eq(o.status, 1, "'%s': %d %s", absent[i], o.status, o.out);
        cr_assert_eq(o.out_len, 0, "'%s': %s", absent[i], o.out);
        cr_assert(strstr(o.err, "no document with id"), "'%s': %s", absent[i], o.err);
        tu_out_free(&o);
    }
    /* an absent id with control characters is named escaped, never raw */
    o = NSEARCH("-i", idx, "--get", "evil\x1b[2J");
    cr_assert_eq(o.status, 1);
    cr_assert_null(strchr(o.err, '\x1b'), "raw escape on stderr: %s", o.err);
    cr_assert(strstr(o.err, "'evil\\x1b[2J'"), "%s", o.err);
    tu_out_free(&o);
    /* several, in order; one missing makes it 1 but the others print */
    o = NSEARCH("-i", idx, "--get", "ab", "--get", "nope", "--get", "a");
    cr_assert_eq(o.status, 1, "%s", o.err);
    char *nl = strchr(o.out, '\n');
    cr_assert_not_null(nl);
    assert_member(o.out, (size_t)(nl - o.out), "id", NS_JSON_STRING, "ab", 2);
    assert_member(nl + 1, strlen(nl + 1) - 1, "id", NS_JSON_STRING, "a", 1);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--get", "a", "--format", "text");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "id: a\ntitle: A\ntags: [\"x\"]\n\n    alpha\n"), "%s", o.out);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--get", "a", "alpha");
    cr_assert_eq(o.status, 2, "a query with --get is a usage error");
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--get", "a", "--check");
    cr_assert_eq(o.status, 2);
    tu_out_free(&o);
    free(idx);
    free(src);
    free(dir);
}

/* Every live id is found, to the right document; a dead one to its
 * replacement (library level: sr_index_find_id). */
Test(cli_fields, find_id_finds_every_live_document)
{
    char *dir = tu_tmpdir("find");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    cr_assert_gt(tu_gen_corpus(src, "f", 600, 7, NULL), 0);
    build(idx, src, NULL, NULL);
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    cr_assert_eq(ix->n_live, 600);
    for (uint32_t d = 0; d < ix->n_docs; d++) {
        sr_doc h;
        cr_assert_eq(sr_index_doc_head(ix, d, &h, &err), NS_OK, "%s", err.msg);
        uint32_t got;
        bool found;
        cr_assert_eq(sr_index_find_id(ix, h.f[NS_FIELD_ID], h.len[NS_FIELD_ID], &got, &found, &err),
                     NS_OK);
        cr_assert(found, "doc %u: id %.*s not found", d, (int)h.len[NS_FIELD_ID], h.f[NS_FIELD_ID]);
        cr_assert_eq(got, d);
        char miss[64];
        snprintf(miss, sizeof miss, "%.*s~", (int)h.len[NS_FIELD_ID], h.f[NS_FIELD_ID]);
        cr_assert_eq(sr_index_find_id(ix, miss, strlen(miss), &got, &found, &err), NS_OK);
        cr_assert(!found, "%s", miss);
    }
    sr_index_close(ix);
    free(idx);
    free(src);
    free(dir);
}

/* The dictionary of the trailer (FORMAT.md "docstore"). */
static uint64_t dict_len(const char *idx)
{
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    uint64_t n = ix->ds_dict_len;
    sr_index_close(ix);
    return n;
}

/* Every stored body is the input's, byte for byte. */
static void bodies_round_trip(const char *idx, const char *src)
{
    size_t len;
    char *in = tu_read_file(src, &len);
    cr_assert_not_null(in);
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    uint32_t d = 0;
    for (char *p = in; *p; d++) {
        char *nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        char *body;
        size_t bl;
        cr_assert_eq(member(p, (size_t)(nl - p), "body", &body, &bl), NS_JSON_STRING);
        sr_doc doc;
        cr_assert_eq(sr_index_doc(ix, d, &doc, &err), NS_OK, "%s", err.msg);
        cr_assert_eq(doc.len[NS_FIELD_BODY], bl, "doc %u", d);
        cr_assert(memcmp(doc.f[NS_FIELD_BODY], body, bl) == 0, "doc %u", d);
        free(body);
        p = nl + 1;
    }
    cr_assert_eq(d, ix->n_docs);
    sr_index_close(ix);
    free(in);
}

Test(cli_fields, a_tiny_corpus_has_no_dictionary_a_larger_one_has)
{
    char *dir = tu_tmpdir("dict");
    char *small = tu_path(dir, "small.jsonl"), *big = tu_path(dir, "big.jsonl");
    char *is = tu_path(dir, "is"), *ib = tu_path(dir, "ib");
    cr_assert_gt(tu_gen_corpus(small, "s", 10, 3, NULL), 0);
    cr_assert_gt(tu_gen_corpus(big, "b", 800, 4, NULL), 0);
    build(is, small, NULL, NULL);
    build(ib, big, NULL, NULL);
    cr_assert_eq(dict_len(is), 0, "10 documents: no dictionary");
    uint64_t dl = dict_len(ib);
    cr_assert(dl > 0 && dl <= NS_DICT_MAX_BYTES, "800 documents: a dictionary (%llu)",
              (unsigned long long)dl);
    bodies_round_trip(is, small);
    bodies_round_trip(ib, big);
    const char *both[] = {is, ib};
    for (int i = 0; i < 2; i++) {
        tu_out o = NSEARCH("-i", both[i], "--check");
        cr_assert_eq(o.status, 0, "%s", o.err);
        tu_out_free(&o);
    }
    free(is);
    free(ib);
    free(small);
    free(big);
    free(dir);
}

/* Same input, same bytes: whatever the threads and the memory budget (the
 * dictionary's sample is the input's first bodies). */
Test(cli_fields, index_bytes_do_not_depend_on_threads_or_memory)
{
    char *dir = tu_tmpdir("det");
    char *src = tu_path(dir, "in.jsonl");
    cr_assert_gt(tu_gen_corpus(src, "d", 3000, 11, NULL), 0);
    /* and a few documents with other fields, one long */
    FILE *f = fopen(src, "a");
    for (int i = 0; i < 50; i++)
        fprintf(f, "{\"id\":\"x%d\",\"body\":\"extra %d\",\"n\":%d,\"tags\":[\"t%d\"],\"long\":\"%0300d\"}\n",
                i, i, i, i % 7, i);
    fclose(f);
    const char *cfg[][2] = {{"1", "1M"}, {"3", "64M"}, {"2", "2M"}};
    char *idx[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "i%d", i);
        idx[i] = tu_path(dir, name);
        build(idx[i], src, cfg[i][0], cfg[i][1]);
    }
    cr_assert_gt(dict_len(idx[0]), 0);
    for (int i = 1; i < 3; i++) {
        const char *diff = tu_index_diff(idx[0], idx[i]);
        cr_assert_null(diff, "%s differs at -j %s --mem %s", diff, cfg[i][0], cfg[i][1]);
    }
    for (int i = 0; i < 3; i++)
        free(idx[i]);
    free(src);
    free(dir);
}

/* Huge first documents: the dictionary is trained once NS_DICT_HOLD_BYTES
 * of documents wait for it, before its sample is complete; still the same
 * bytes whatever -j and --mem. */
Test(cli_fields, huge_first_documents_train_the_dictionary_early, .timeout = 240)
{
    char *dir = tu_tmpdir("huge");
    char *src = tu_path(dir, "in.jsonl");
    FILE *f = fopen(src, "w");
    cr_assert_not_null(f);
    uint32_t seed = 5;
    size_t total = 0;
    for (int d = 0; total < NS_DICT_HOLD_BYTES + (4u << 20); d++) {
        fprintf(f, "{\"id\":\"h%d\",\"body\":\"", d);
        for (size_t w = 0; w < 120000; w++) {
            uint32_t r = tu_rng_next(&seed);
            total += (size_t)fprintf(f, "%sw%u", w ? " " : "", (r >> 3) % ((r & 7) ? 300 : 20000));
        }
        fprintf(f, "\"}\n");
    }
    cr_assert_eq(fclose(f), 0);
    char *a = tu_path(dir, "a"), *b = tu_path(dir, "b");
    build(a, src, "1", "1M");
    build(b, src, "2", "64M");
    cr_assert_gt(dict_len(a), 0);
    const char *diff = tu_index_diff(a, b);
    cr_assert_null(diff, "%s differs", diff);
    free(a);
    free(b);
    free(src);
    free(dir);
}

/* Limits: a value over NS_MAX_EXTRA_VALUE (a string truncated, an array
 * dropped), more than NS_MAX_EXTRA_FIELDS members, a repeated name (the
 * last value wins), an over-long name: warned, never fatal. */
Test(cli_fields, field_limits_are_warnings)
{
    char *dir = tu_tmpdir("limits");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    size_t big = NS_MAX_EXTRA_VALUE + 100;
    ns_buf b;
    ns_buf_init(&b);
    ns_buf_puts(&b, "{\"id\":\"L\",\"body\":\"limits\",\"s\":\"");
    for (size_t i = 0; i < big; i++)
        ns_buf_putc(&b, 'z');
    ns_buf_puts(&b, "\",\"a\":[\"");
    for (size_t i = 0; i < big; i++)
        ns_buf_putc(&b, 'y');
    ns_buf_puts(&b, "\"],\"r\":1,\"r\":2,\"");
    for (int i = 0; i < 300; i++)
        ns_buf_putc(&b, 'n');
    ns_buf_puts(&b, "\":0");
    for (int i = 0; i < 300; i++)
        ns_buf_printf(&b, ",\"f%d\":%d", i, i);
    ns_buf_puts(&b, "}\n");
    cr_assert_eq(tu_write_file(src, b.data, b.len), 0);
    ns_buf_release(&b);
    tu_out o = NINDEX("-o", idx, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.err, "field 's' of 1048676 bytes truncated to 1048576 bytes"), "%s", o.err);
    cr_assert(strstr(o.err, "field 'a' of 1048680 bytes is over 1048576: dropped"), "%s", o.err);
    cr_assert(strstr(o.err, "field name of 300 bytes (1 to 255 bytes allowed)"), "%s", o.err);
    cr_assert(strstr(o.err, "other fields: the last"), "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--get", "L");
    cr_assert_eq(o.status, 0, "%s", o.err);
    char *v;
    size_t vl;
    cr_assert_eq(member(o.out, o.out_len - 1, "s", &v, &vl), NS_JSON_STRING);
    cr_assert_eq(vl, NS_MAX_EXTRA_VALUE);
    free(v);
    cr_assert_eq(member(o.out, o.out_len - 1, "a", &v, &vl), NS_JSON_ABSENT);
    free(v);
    assert_member(o.out, o.out_len - 1, "r", NS_JSON_NUMBER, "2", 1);
    const char *r1 = strstr(o.out, "\"r\":");
    cr_assert(r1 && !strstr(r1 + 1, "\"r\":"), "a repeated name is kept once: %.200s", r1);
    assert_member(o.out, o.out_len - 1, "f0", NS_JSON_NUMBER, "0", 1);
    tu_out_free(&o);
    o = NSEARCH("-i", idx, "--check");
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    free(idx);
    free(src);
    free(dir);
}

/* Two entries of the sorted ids swapped (checksum recomputed): --check
 * reports the order, exit 3. */
Test(cli_fields, check_finds_sorted_ids_out_of_order)
{
    char *dir = tu_tmpdir("idorder");
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    cr_assert_gt(tu_gen_corpus(src, "o", 50, 9, NULL), 0);
    build(idx, src, NULL, NULL);
    sr_index *ix;
    ns_err err;
    cr_assert_eq(sr_index_open(idx, &ix, &err), NS_OK, "%s", err.msg);
    size_t at = (size_t)(ix->docs_ids - ix->f[NS_FILE_DOCS].base);
    sr_index_close(ix);
    char *path = tu_path(idx, "docs");
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert_not_null(data);
    uint8_t t[4];
    memcpy(t, data + at, 4);
    memcpy(data + at, data + at + 4, 4);
    memcpy(data + at + 4, t, 4);
    ns_put_u64le(data + n - 8, XXH3_64bits(data, n - NS_FOOTER_LEN));
    cr_assert_eq(tu_write_file(path, data, n), 0);
    tu_out o = NSEARCH("-i", idx, "--check");
    cr_assert_eq(o.status, 3, "%s", o.out);
    cr_assert(strstr(o.err, "id list out of order"), "%s", o.err);
    tu_out_free(&o);
    free(data);
    free(path);
    free(idx);
    free(src);
    free(dir);
}
