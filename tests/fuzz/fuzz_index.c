/* fuzz_index: opening, searching and checking a damaged index (searcher/:
 * sr_index, sr_dict, sr_cursor, the three ranking algorithms in OR and AND
 * mode, sr_docs, sr_snippet, sr_check).
 *
 * Input: the seven index files in a simple container, then an optional
 * query:
 *
 *   for each file in the order of their kinds (meta, terms, postings,
 *   positions, doclens, docstore, docs):  u32 little-endian length L, then
 *              L bytes (fewer if the input ends first: the file is
 *              truncated); a file whose length prefix is missing is not
 *              written at all;
 *   the bytes left after the seven files: one more query (at most 256
 *   bytes), also looked up as a document id.
 *
 * pack_index() of tests/fuzz/make_seeds.py packs an index directory into
 * this format (the seeds: tests/golden/v3, the old-format tests/golden/v2,
 * and small fresh indexes).  Each input is written into a scratch
 * directory; then sr_check_files, sr_index_open, sr_check, every query
 * through every algorithm in both modes with the stored fields and snippets
 * of every hit, and the stored documents of a few doc ids (the first ones,
 * the middle, the last, one past the end): sr_index_doc_head, the other
 * fields before and after sr_index_doc_body, and sr_index_find_id of their
 * ids and of a few fixed strings.
 * Properties (abort when broken): errors are only the documented codes; a
 * hit is a document of the index, hits come best first; a document past
 * the end is NS_E_ARG; once a head is read its fields iterate without
 * error, n_extra of them, and the body keeps the head's length; a document
 * found by id has that id.  When sr_check finds nothing wrong
 * (the index is sound): no posting list is reported damaged and every
 * algorithm returns exactly the exhaustive reference's hits and scores,
 * every head and body reads, every field has a name, a known type and,
 * with the body fetched, a value, a document found by id is live, and
 * every live document is found by its id. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "ns_docrec.h"
#include "ns_format.h"
#include "sr_check.h"
#include "sr_index.h"
#include "sr_query.h"
#include "sr_exec.h"
#include "sr_rank.h"
#include "sr_snippet.h"

#define K 5
#define MAX_QUERY 256

static const char *const fixed_queries[] = {
    "Article Five cocoa", "common words fill document", "filler rare 7",
    "Москва Russia's capital", "the of and", "price price tonnes 1987",
};
#define N_FIXED (sizeof fixed_queries / sizeof fixed_queries[0])

static void on_problem(void *ctx, const char *msg)
{
    uint64_t *n = ctx;
    (void)msg;
    (*n)++;
}

static void expect_rc(ns_rc rc, const char *what, const ns_err *err)
{
    if (rc != NS_OK && rc != NS_E_CORRUPT && rc != NS_E_NOMEM)
        fuzz_fail("%s returned %d: %s", what, (int)rc, err->msg);
}

typedef struct result {
    sr_hit h[K];
    size_t n;
    bool corrupt;
} result;

/* Ranks q one way; with the stored fields and snippets of every hit. */
static ns_rc rank_one(sr_index *ix, const sr_query *q, int algo, result *r, sr_snippet *title,
                      sr_snippet *body)
{
    ns_err err;
    sr_rank_stats st;
    r->n = 0;
    /* algo -1: the tree's reference evaluation, whatever the shape */
    ns_rc rc = algo < 0 ? sr_exec_reference(ix, q, K, r->h, &r->n, &st, &err)
                        : sr_rank(ix, q, (sr_algo)algo, K, r->h, &r->n, &st, &err);
    expect_rc(rc, "sr_rank", &err);
    if (rc)
        return rc;
    r->corrupt = st.corrupt;
    if (r->n > K)
        fuzz_fail("sr_rank gave %zu hits for k = %d", r->n, K);
    for (size_t i = 0; i < r->n; i++) {
        if (r->h[i].doc >= ix->n_docs)
            fuzz_fail("hit %zu is document %u of %llu", i, r->h[i].doc,
                      (unsigned long long)ix->n_docs);
        if (i && sr_hit_worse(&r->h[i - 1], &r->h[i]))
            fuzz_fail("hits %zu and %zu out of order", i - 1, i);
        sr_doc d;
        rc = sr_index_doc(ix, r->h[i].doc, &d, &err);
        expect_rc(rc, "sr_index_doc", &err);
        if (rc)
            continue;
        rc = sr_snippet_make(ix->an, q, d.f[NS_FIELD_TITLE], d.len[NS_FIELD_TITLE], SIZE_MAX,
                             title);
        if (!rc)
            rc = sr_snippet_make(ix->an, q, d.f[NS_FIELD_BODY], d.len[NS_FIELD_BODY],
                                 SR_SNIPPET_WIDTH, body);
        if (rc && rc != NS_E_NOMEM)
            fuzz_fail("sr_snippet_make returned %d", (int)rc);
        if (!rc && body->text.len > 4 * SR_SNIPPET_WIDTH)
            fuzz_fail("snippet of %zu bytes for width %d", body->text.len, SR_SNIPPET_WIDTH);
        for (size_t j = 0; !rc && j < body->n_hl; j++)
            if (body->hl[j].start >= body->hl[j].end || body->hl[j].end > body->text.len ||
                (j && body->hl[j].start < body->hl[j - 1].end))
                fuzz_fail("snippet highlight %zu out of place", j);
    }
    return NS_OK;
}

static void search(sr_index *ix, const char *text, size_t len, bool sound)
{
    sr_snippet title, body;
    sr_snippet_init(&title);
    sr_snippet_init(&body);
    for (int mode = 0; mode < 2; mode++) {
        sr_query q;
        ns_err err;
        sr_query_opts qo = {mode == 1, false};
        ns_rc rc = sr_query_parse_opts(ix, text, len, &qo, &q, &err);
        if (rc == NS_E_ARG || rc == NS_E_LIMIT) /* a syntax error or a limit: said */
            continue;
        expect_rc(rc, "sr_query_parse", &err);
        if (rc)
            continue;
        result ref, r;
        if (rank_one(ix, &q, -1, &ref, &title, &body)) {
            sr_query_release(&q);
            continue;
        }
        for (int algo = SR_ALGO_EXHAUSTIVE; algo < SR_ALGO_COUNT; algo++) {
            if (rank_one(ix, &q, algo, &r, &title, &body))
                continue;
            if (!sound || ref.corrupt || r.corrupt)
                continue;
            int same = r.n == ref.n;
            for (size_t i = 0; same && i < r.n; i++)
                same = r.h[i].doc == ref.h[i].doc && r.h[i].score == ref.h[i].score;
            if (!same)
                fuzz_fail("'%.*s' %s %s: %zu hits differ from the reference's %zu", (int)len, text,
                          mode ? "AND" : "OR", sr_algo_name((sr_algo)algo), r.n, ref.n);
        }
        sr_query_release(&q);
    }
    sr_snippet_release(&title);
    sr_snippet_release(&body);
}

/* Reads every byte of s[0..len) (so ASan sees a read past a buffer). */
static volatile unsigned char sink;
static void touch(const char *s, size_t len)
{
    unsigned char x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= (unsigned char)s[i];
    sink = x;
}

/* Iterates d's other fields; with_body: after sr_index_doc_body. */
static void walk_fields(const sr_index *ix, const sr_doc *d, bool with_body, bool sound)
{
    sr_field_iter it;
    sr_field f;
    ns_err err;
    uint64_t n = 0;
    int r;
    sr_doc_field_first(d, &it);
    while ((r = sr_doc_field_next(ix, d, &it, &f, &err)) == 1) {
        if (++n > d->n_extra)
            fuzz_fail("document %u: more than its %llu fields", d->doc,
                      (unsigned long long)d->n_extra);
        touch(f.name, f.name_len);
        if (f.v)
            touch(f.v, f.len);
        if (sound && (!f.name || !f.name_len || f.type < NS_VAL_STRING || f.type > NS_VAL_TYPE_MAX ||
                      (with_body && !f.v)))
            fuzz_fail("document %u, sound index: field %llu has no name, type %d or no value",
                      d->doc, (unsigned long long)n, f.type);
    }
    if (r < 0)
        fuzz_fail("document %u: field %llu does not read after its head did: %s", d->doc,
                  (unsigned long long)n + 1, err.msg);
    if (n != d->n_extra)
        fuzz_fail("document %u: %llu fields of %llu", d->doc, (unsigned long long)n,
                  (unsigned long long)d->n_extra);
}

/* Looks id up; the document found must have that id (and, in a sound
 * index, be live). */
static void find_id(sr_index *ix, const char *id, size_t len, bool sound, bool *found,
                    uint32_t *at)
{
    ns_err err;
    *found = false;
    ns_rc rc = sr_index_find_id(ix, id, len, at, found, &err);
    expect_rc(rc, "sr_index_find_id", &err);
    if (rc || !*found)
        return;
    sr_doc d;
    if (*at >= ix->n_docs)
        fuzz_fail("id found at document %u of %llu", *at, (unsigned long long)ix->n_docs);
    rc = sr_index_doc_head(ix, *at, &d, &err);
    expect_rc(rc, "sr_index_doc_head", &err);
    if (!rc && (d.len[NS_FIELD_ID] != len || memcmp(d.f[NS_FIELD_ID], id, len)))
        fuzz_fail("id '%.*s' found at document %u, whose id is '%.*s'", (int)len, id, *at,
                  (int)d.len[NS_FIELD_ID], d.f[NS_FIELD_ID]);
    if (sound && !sr_index_doclen(ix, *at))
        fuzz_fail("id '%.*s' found at dead document %u", (int)len, id, *at);
}

/* Head, fields, body, fields again, and the lookup of its id. */
static void check_doc(sr_index *ix, uint32_t doc, bool sound)
{
    ns_err err;
    sr_doc d;
    ns_rc rc = sr_index_doc_head(ix, doc, &d, &err);
    if (doc >= ix->n_docs) {
        if (rc != NS_E_ARG)
            fuzz_fail("sr_index_doc_head of document %u of %llu returned %d", doc,
                      (unsigned long long)ix->n_docs, (int)rc);
        return;
    }
    expect_rc(rc, "sr_index_doc_head", &err);
    if (rc) {
        if (sound)
            fuzz_fail("document %u of a sound index: %s", doc, err.msg);
        return;
    }
    for (int k = 0; k < NS_FIELD_COUNT; k++)
        if (k != NS_FIELD_BODY)
            touch(d.f[k], d.len[k]);
    if (d.f[NS_FIELD_BODY])
        fuzz_fail("document %u: a body before sr_index_doc_body", doc);
    size_t body_len = d.len[NS_FIELD_BODY];
    walk_fields(ix, &d, false, sound);
    rc = sr_index_doc_body(ix, &d, &err);
    expect_rc(rc, "sr_index_doc_body", &err);
    if (rc) {
        if (sound)
            fuzz_fail("document %u of a sound index: %s", doc, err.msg);
    } else {
        if (!d.f[NS_FIELD_BODY] || d.len[NS_FIELD_BODY] != body_len)
            fuzz_fail("document %u: the body changed length", doc);
        touch(d.f[NS_FIELD_BODY], body_len);
        walk_fields(ix, &d, true, sound);
        /* again: the cached frame */
        if ((rc = sr_index_doc_body(ix, &d, &err)) != NS_OK)
            fuzz_fail("document %u: the body read once, not twice: %s", doc, err.msg);
        touch(d.f[NS_FIELD_BODY], body_len);
    }
    bool found;
    uint32_t at;
    find_id(ix, d.f[NS_FIELD_ID], d.len[NS_FIELD_ID], sound, &found, &at);
    if (sound && sr_index_doclen(ix, doc) && (!found || at != doc))
        fuzz_fail("live document %u of a sound index is not found by its id '%.*s'", doc,
                  (int)d.len[NS_FIELD_ID], d.f[NS_FIELD_ID]);
}

static void check_docs(sr_index *ix, const char *extra, size_t extra_len, bool sound)
{
    uint64_t n = ix->n_docs;
    uint64_t docs[] = {0, 1, 2, n / 2, n ? n - 1 : 0, n};
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        if (docs[i] <= UINT32_MAX && (i == 0 || docs[i] != docs[i - 1]))
            check_doc(ix, (uint32_t)docs[i], sound);
    static const char *const ids[] = {"", "a", "dup", "1", "000_599a60e16b94297e.txt", "\xff\xff"};
    bool found;
    uint32_t at;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        find_id(ix, ids[i], strlen(ids[i]), sound, &found, &at);
    if (extra_len)
        find_id(ix, extra, extra_len, sound, &found, &at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_path("idx");
    static int made;
    if (!made) {
        char d[4096];
        snprintf(d, sizeof d, "%s", dir);
        mkdir(d, 0755);
        made = 1;
    }
    /* Unpack the container. */
    size_t off = 0;
    for (int kind = NS_FILE_META; kind <= NS_FILE_KIND_COUNT; kind++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ns_file_name((ns_file_kind)kind));
        unlink(path);
        if (size - off < 4) {
            off = size;
            continue;
        }
        uint32_t len = (uint32_t)data[off] | (uint32_t)data[off + 1] << 8 |
                       (uint32_t)data[off + 2] << 16 | (uint32_t)data[off + 3] << 24;
        off += 4;
        if (len > size - off)
            len = (uint32_t)(size - off);
        fuzz_write_file(path, data + off, len);
        off += len;
    }
    const char *extra = (const char *)data + off;
    size_t extra_len = size - off < MAX_QUERY ? size - off : MAX_QUERY;

    uint64_t seen = 0, problems = 0;
    ns_err err;
    ns_rc crc = sr_check_files(dir, on_problem, &seen, &problems, &err);
    if (crc && crc != NS_E_IO && crc != NS_E_NOMEM)
        fuzz_fail("sr_check_files returned %d: %s", (int)crc, err.msg);
    if (crc)
        problems++; /* a file it could not read: not sound */
    sr_index *ix = NULL;
    ns_rc rc = sr_index_open(dir, &ix, &err);
    if (rc) {
        if (rc != NS_E_CORRUPT && rc != NS_E_BADMAGIC && rc != NS_E_VERSION &&
            rc != NS_E_NOTFOUND && rc != NS_E_NOMEM && rc != NS_E_IO)
            fuzz_fail("sr_index_open returned %d: %s", (int)rc, err.msg);
        if (!err.msg[0])
            fuzz_fail("sr_index_open failed (%d) without a message", (int)rc);
        return 0;
    }
    problems += sr_check(ix, on_problem, &seen);
    bool sound = problems == 0;
    for (size_t i = 0; i < N_FIXED; i++)
        search(ix, fixed_queries[i], strlen(fixed_queries[i]), sound);
    if (extra_len)
        search(ix, extra, extra_len, sound);
    check_docs(ix, extra, extra_len, sound);
    sr_index_close(ix);
    return 0;
}
