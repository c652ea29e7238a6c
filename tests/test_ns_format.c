/* Tests for the on-disk records (ns_rec) and the file header (ns_format):
 * every put then get gives the values back, and the bytes a put writes
 * are the layout FORMAT.md documents, written out here with its literal
 * offsets (not the NS_META_OFF_* constants), so a swapped or moved field
 * is caught. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns_endian.h"
#include "ns_format.h"
#include "ns_rec.h"
#include "ns_varint.h"
#include "tutil.h"

#define SEED 20261202u

/* An exact-size heap copy, so ASan catches a read past the record. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    cr_assert(c);
    memcpy(c, p, n);
    return c;
}

static ns_meta sample_meta(void)
{
    ns_meta m;
    memset(&m, 0, sizeof m);
    m.n_docs = 0x0102030405060708ull;
    m.n_terms = 0x1112131415161718ull;
    m.n_postings = 0x2122232425262728ull;
    m.total_tokens = 0x3132333435363738ull;
    m.n_live = 0x4142434445464748ull;
    m.tokenizer = 0x51525354u;
    m.stop_list = 0x61626364u;
    m.identity = 0x7172737475767778ull;
    strcpy(m.lang, "english");
    m.k1 = 1.2;
    m.b = 0.75;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        m.file_size[k] = 0x8100000000000000ull + (uint64_t)k * 0x010101u;
    m.analyzer = 0x91929394u;
    m.n_kw = 0xa1a2a3a4u;
    return m;
}

Test(ns_format, meta_round_trip)
{
    ns_meta m = sample_meta(), g;
    uint8_t buf[NS_META_REC_LEN];
    ns_meta_put(buf, &m);
    uint8_t *c = dup_exact(buf, sizeof buf);
    ns_meta_get(c, &g);
    free(c);
    cr_assert_eq(memcmp(&m, &g, sizeof m), 0);
}

Test(ns_format, meta_layout_is_the_documented_one)
{
    ns_meta m = sample_meta();
    uint8_t buf[NS_META_REC_LEN];
    ns_meta_put(buf, &m);
    cr_assert_eq(NS_META_REC_LEN, 168);
    cr_assert_eq(ns_get_u64le(buf + 0), m.n_docs);
    cr_assert_eq(ns_get_u64le(buf + 8), m.n_terms);
    cr_assert_eq(ns_get_u64le(buf + 16), m.n_postings);
    cr_assert_eq(ns_get_u64le(buf + 24), m.total_tokens);
    cr_assert_eq(ns_get_u64le(buf + 32), m.n_live);
    cr_assert_eq(ns_get_u32le(buf + 40), m.tokenizer);
    cr_assert_eq(ns_get_u32le(buf + 44), m.stop_list);
    cr_assert_eq(ns_get_u64le(buf + 48), m.identity);
    uint8_t lang[32] = "english";
    cr_assert_eq(memcmp(buf + 56, lang, 32), 0, "NUL-padded language");
    cr_assert_eq(ns_get_f64le(buf + 88), 1.2);
    cr_assert_eq(ns_get_f64le(buf + 96), 0.75);
    for (int k = 1; k <= 7; k++)
        cr_assert_eq(ns_get_u64le(buf + 104 + 8 * (k - 1)), m.file_size[k], "size of kind %d", k);
    cr_assert_eq(ns_get_u32le(buf + 160), m.analyzer);
    cr_assert_eq(ns_get_u32le(buf + 164), m.n_kw);
}

Test(ns_format, meta_language_is_kept_below_its_field)
{
    ns_meta m = sample_meta(), g;
    memset(m.lang, 'x', NS_META_LANG_LEN);
    m.lang[NS_META_LANG_LEN] = 0;
    uint8_t buf[NS_META_REC_LEN];
    ns_meta_put(buf, &m);
    cr_assert_eq(buf[56 + 31], 0, "the field keeps a NUL");
    ns_meta_get(buf, &g);
    cr_assert_eq(strlen(g.lang), NS_META_LANG_LEN - 1);
    cr_assert_eq(ns_get_f64le(buf + 88), 1.2, "k1 untouched");
}

Test(ns_format, dict_trailer_and_index_entry)
{
    ns_dict_trailer t = {0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull}, tg;
    uint8_t tr[NS_DICT_TRAILER_LEN];
    ns_dict_trailer_put(tr, &t);
    cr_assert_eq(NS_DICT_TRAILER_LEN, 24);
    cr_assert_eq(ns_get_u64le(tr), t.n_terms);
    cr_assert_eq(ns_get_u64le(tr + 8), t.n_blocks);
    cr_assert_eq(ns_get_u64le(tr + 16), t.index_off);
    ns_dict_trailer_get(tr, &tg);
    cr_assert_eq(memcmp(&t, &tg, sizeof t), 0);

    ns_dict_index_entry e = {0x3132333435363738ull, 0x4142434445464748ull, 0x5152535455565758ull}, eg;
    uint8_t ie[NS_DICT_INDEX_ENTRY];
    ns_dict_index_put(ie, &e);
    cr_assert_eq(NS_DICT_INDEX_ENTRY, 24);
    cr_assert_eq(ns_get_u64le(ie), e.block_off);
    cr_assert_eq(ns_get_u64le(ie + 8), e.post_off);
    cr_assert_eq(ns_get_u64le(ie + 16), e.pos_off);
    ns_dict_index_get(ie, &eg);
    cr_assert_eq(memcmp(&e, &eg, sizeof e), 0);
}

static int get_docs(const uint8_t *in)
{
    ns_docs_trailer t;
    return ns_docs_trailer_get(in, &t);
}
static int get_docstore(const uint8_t *in)
{
    ns_docstore_trailer t;
    return ns_docstore_trailer_get(in, &t);
}

/* The trailer tr[0..len) has zero bytes from `from` on, and get refuses
 * each one set. */
static void check_reserved(uint8_t *tr, int from, int len, int (*get)(const uint8_t *in))
{
    for (int i = from; i < len; i++)
        cr_assert_eq(tr[i], 0, "reserved byte %d", i);
    cr_assert_eq(get(tr), 0);
    for (int i = from; i < len; i++) {
        tr[i] = (uint8_t)(1u << (i % 8));
        cr_assert_eq(get(tr), -1, "reserved byte %d set", i);
        tr[i] = 0;
    }
}

Test(ns_format, docs_trailer)
{
    ns_docs_trailer t = {0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull,
                         0x3132333435363738ull, 0x4142434445464748ull, 8},
                    g;
    uint8_t tr[NS_DOCS_TRAILER_LEN];
    memset(tr, 0xee, sizeof tr);
    ns_docs_trailer_put(tr, &t);
    cr_assert_eq(NS_DOCS_TRAILER_LEN, 48);
    cr_assert_eq(ns_get_u64le(tr), t.n_docs);
    cr_assert_eq(ns_get_u64le(tr + 8), t.n_fields);
    cr_assert_eq(ns_get_u64le(tr + 16), t.names_off);
    cr_assert_eq(ns_get_u64le(tr + 24), t.offsets_off);
    cr_assert_eq(ns_get_u64le(tr + 32), t.ids_off);
    cr_assert_eq(tr[40], 8);
    cr_assert_eq(ns_docs_trailer_get(tr, &g), 0);
    /* member by member: the struct has padding after width */
    cr_assert(g.n_docs == t.n_docs && g.n_fields == t.n_fields && g.names_off == t.names_off &&
              g.offsets_off == t.offsets_off && g.ids_off == t.ids_off && g.width == t.width);
    check_reserved(tr, 41, 48, get_docs);
}

Test(ns_format, docstore_trailer)
{
    ns_docstore_trailer t = {0x0102030405060708ull, 0x1112131415161718ull, 0x2122232425262728ull, 4},
                        g;
    uint8_t tr[NS_DOCSTORE_TRAILER_LEN];
    memset(tr, 0xee, sizeof tr);
    ns_docstore_trailer_put(tr, &t);
    cr_assert_eq(NS_DOCSTORE_TRAILER_LEN, 32);
    cr_assert_eq(ns_get_u64le(tr), t.n_docs);
    cr_assert_eq(ns_get_u64le(tr + 8), t.dict_len);
    cr_assert_eq(ns_get_u64le(tr + 16), t.offsets_off);
    cr_assert_eq(tr[24], 4);
    cr_assert_eq(ns_docstore_trailer_get(tr, &g), 0);
    cr_assert(g.n_docs == t.n_docs && g.dict_len == t.dict_len && g.offsets_off == t.offsets_off &&
              g.width == t.width);
    check_reserved(tr, 25, 32, get_docstore);
}

Test(ns_format, offsets_of_both_widths)
{
    cr_assert_eq(ns_offset_width(UINT32_MAX), 4);
    cr_assert_eq(ns_offset_width((uint64_t)UINT32_MAX + 1), 8);
    uint8_t b[8];
    ns_offset_put(b, 4, 0xa1b2c3d4u);
    cr_assert_eq(ns_get_u32le(b), 0xa1b2c3d4u);
    cr_assert_eq(ns_offset_get(b, 4), 0xa1b2c3d4u);
    ns_offset_put(b, 8, 0x0102030405060708ull);
    cr_assert_eq(ns_get_u64le(b), 0x0102030405060708ull);
    cr_assert_eq(ns_offset_get(b, 8), 0x0102030405060708ull);
}

static void check_entry(const ns_dict_entry *e, size_t prev_len)
{
    uint8_t buf[NS_DICT_ENTRY_BOUND];
    size_t n = ns_dict_entry_put(buf, e);
    cr_assert_leq(n, sizeof buf);
    uint8_t *c = dup_exact(buf, n);
    const uint8_t *p = c;
    ns_dict_entry g;
    cr_assert_eq(ns_dict_entry_get(&p, c + n, prev_len, &g), 0);
    cr_assert_eq(p, c + n, "the whole entry is read");
    cr_assert_eq(g.shared, e->shared);
    cr_assert_eq(g.suffix_len, e->suffix_len);
    cr_assert_eq(memcmp(g.suffix, e->suffix, e->suffix_len), 0);
    cr_assert_eq(g.df, e->df);
    cr_assert_eq(g.cf, e->cf);
    cr_assert_eq(g.post_len, e->post_len);
    cr_assert_eq(g.pos_len, e->pos_len);
    cr_assert_eq(g.best_tf, e->df > 1 ? e->best_tf : (uint32_t)e->cf);
    cr_assert_eq(g.best_len, e->df > 1 ? e->best_len : 0);
    /* the skip gives the same lengths and the same end */
    p = c;
    cr_assert_eq(ns_dict_key_get(&p, c + n, prev_len, &g), 0);
    uint64_t pl, ql;
    cr_assert_eq(ns_dict_stats_skip(&p, c + n, &pl, &ql), 0);
    cr_assert_eq(p, c + n);
    cr_assert_eq(pl, e->post_len);
    cr_assert_eq(ql, e->pos_len);
    /* every truncation is refused */
    for (size_t k = 0; k < n; k++) {
        uint8_t *t = dup_exact(c, k);
        p = t;
        cr_assert_eq(ns_dict_entry_get(&p, t + k, prev_len, &g), -1, "truncated at %zu of %zu", k, n);
        free(t);
    }
    free(c);
}

Test(ns_format, dict_entry_round_trip)
{
    ns_dict_entry e = {.shared = 3, .suffix_len = 4, .suffix = (const uint8_t *)"ness", .df = 300,
                       .cf = 1000, .post_len = 70000, .pos_len = 1u << 30, .best_tf = 17,
                       .best_len = 123456};
    check_entry(&e, 5);
    ns_dict_entry one = {.shared = 0, .suffix_len = 1, .suffix = (const uint8_t *)"a", .df = 1,
                         .cf = 9, .post_len = 2, .pos_len = 3};
    check_entry(&one, 0);
    uint8_t key[NS_TERM_KEY_MAX];
    memset(key, 'k', sizeof key);
    ns_dict_entry longest = {.shared = 6, .suffix_len = NS_TERM_KEY_MAX - 6, .suffix = key, .df = 2,
                             .cf = UINT64_MAX, .post_len = UINT64_MAX, .pos_len = 0,
                             .best_tf = UINT32_MAX, .best_len = UINT32_MAX};
    check_entry(&longest, 6);
}

Test(ns_format, dict_entry_layout_is_the_documented_one)
{
    ns_dict_entry e = {.shared = 2, .suffix_len = 3, .suffix = (const uint8_t *)"xyz", .df = 5,
                       .cf = 12, .post_len = 200, .pos_len = 7, .best_tf = 4, .best_len = 9};
    /* shared, suffix_len, suffix, df, cf - df, post_len (200: two bytes),
     * pos_len, best_tf - 1, best_len */
    const uint8_t want[] = {2, 3, 'x', 'y', 'z', 5, 7, 0xc8, 0x01, 7, 3, 9};
    uint8_t buf[NS_DICT_ENTRY_BOUND];
    size_t n = ns_dict_entry_put(buf, &e);
    cr_assert_eq(n, sizeof want);
    cr_assert_eq(memcmp(buf, want, n), 0);
    /* df = 1: no best posting */
    e.df = 1;
    const uint8_t want1[] = {2, 3, 'x', 'y', 'z', 1, 11, 0xc8, 0x01, 7};
    n = ns_dict_entry_put(buf, &e);
    cr_assert_eq(n, sizeof want1);
    cr_assert_eq(memcmp(buf, want1, n), 0);
}

Test(ns_format, dict_key_checks)
{
    ns_dict_entry g;
    const uint8_t shared_too_long[] = {3, 1, 'a'};
    const uint8_t *p = shared_too_long;
    cr_assert_eq(ns_dict_key_get(&p, p + sizeof shared_too_long, 2, &g), -1);
    const uint8_t empty_suffix[] = {0, 0};
    p = empty_suffix;
    cr_assert_eq(ns_dict_key_get(&p, p + sizeof empty_suffix, 0, &g), -1);
    uint8_t over[3 + NS_TERM_KEY_MAX];
    memset(over, 'a', sizeof over);
    over[0] = 1;
    over[1] = (uint8_t)(0x80 | (NS_TERM_KEY_MAX & 0x7f)); /* 256 = 0x80 0x02 */
    over[2] = (uint8_t)(NS_TERM_KEY_MAX >> 7);
    p = over;
    cr_assert_eq(ns_dict_key_get(&p, over + sizeof over, 1, &g), -1, "1 + 256 bytes");
    p = over;
    over[0] = 0;
    cr_assert_eq(ns_dict_key_get(&p, over + sizeof over, 1, &g), 0, "256 bytes");
    const uint8_t df0[] = {0, 0, 0, 0};
    p = df0;
    cr_assert_eq(ns_dict_stats_get(&p, p + sizeof df0, &g), -1, "df 0");
}

static void check_skip_table(const ns_skip_entry *e, uint32_t df)
{
    size_t n = (df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    uint8_t *buf = malloc(NS_SKIP_TABLE_BOUND(n));
    size_t len = ns_skip_table_put(e, n, buf);
    cr_assert_leq(len, NS_SKIP_TABLE_BOUND(n));
    uint8_t *c = dup_exact(buf, len);
    ns_skip s;
    bool has;
    const uint8_t *blocks;
    cr_assert_eq(ns_skip_open(&s, c, c + len, df, &has, &blocks), 0);
    cr_assert(has);
    cr_assert_eq(blocks, c + len, "the blocks start after the table");
    for (uint32_t b = 0; b < n; b++) {
        ns_skip_entry g;
        ns_skip_get(&s, b, &g);
        cr_assert_eq(memcmp(&g, &e[b], sizeof g), 0, "entry %u", b);
    }
    if (len > 1)
        cr_assert_eq(ns_skip_open(&s, c, c + len - 1, df, &has, &blocks), -1, "a byte short");
    free(c);
    free(buf);
}

Test(ns_format, skip_table_round_trip_every_width)
{
    uint32_t rng = SEED;
    printf("seed %u\n", SEED);
    const uint32_t tops[4] = {0xffu, 0xffffu, 0xffffffu, UINT32_MAX};
    for (int w = 0; w < 256; w++) {
        uint32_t df = 128 * (1 + w % 5) + (uint32_t)(w % 3) * 7;
        size_t n = (df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
        ns_skip_entry e[8];
        for (size_t b = 0; b < n; b++) {
            uint32_t r = tu_rng_next(&rng);
            e[b].last_doc = b == n - 1 ? tops[w & 3] : r & tops[w & 3];
            e[b].bound_tf = 1 + (b == 0 ? tops[w >> 2 & 3] - 1 : (r & tops[w >> 2 & 3]) / 2);
            e[b].bound_len = b == 0 ? tops[w >> 4 & 3] : tu_rng_next(&rng) & tops[w >> 4 & 3];
            e[b].doc_bits = r % 33;
            e[b].tf_bits = (r >> 8) % 33;
            e[b].tf_exc = (r >> 16) & 0xff;
            e[b].pos_off = b == 0 ? tops[w >> 6 & 3] : tu_rng_next(&rng) & tops[w >> 6 & 3];
            e[b].pos_upto = (r >> 24) % 128;
        }
        check_skip_table(e, df);
    }
}

Test(ns_format, skip_table_layout_is_the_documented_one)
{
    /* two blocks; widths wl 2 (last doc 300), wt 1, wn 3 (70000), wp 1 */
    ns_skip_entry e[2] = {{100, 5, 70000, 7, 3, 0, 9, 4}, {300, 2, 10, 0, 0, 0, 12, 127}};
    const uint8_t want[] = {
        0x01 | 0x00 << 2 | 0x02 << 4 | 0x00 << 6,
        100, 0, 4, 0x70, 0x11, 0x01, 7, 3, 0, 9, 4,
        0x2c, 0x01, 1, 10, 0, 0, 0, 0, 0, 12, 127,
    };
    uint8_t buf[NS_SKIP_TABLE_BOUND(2)];
    size_t n = ns_skip_table_put(e, 2, buf);
    cr_assert_eq(n, sizeof want);
    cr_assert_eq(memcmp(buf, want, n), 0);
}

/* n values of at most `bits` bits, some (one in `rare`) of up to 32. */
static void fill(uint32_t *v, size_t n, unsigned bits, unsigned rare, uint32_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = tu_rng_next(rng);
        v[i] = r & tu_width_mask(bits);
        if (rare && tu_rng_next(rng) % rare == 0)
            v[i] = r >> (tu_rng_next(rng) % 32);
    }
}

Test(ns_format, chunk_round_trip)
{
    uint32_t rng = SEED;
    printf("seed %u\n", SEED);
    uint32_t v[NS_BLOCK_LEN], g[NS_BLOCK_LEN];
    uint8_t buf[NS_CHUNK_BOUND];
    for (unsigned bits = 0; bits <= 32; bits++) {
        for (unsigned rare = 0; rare <= 16; rare += 8) {
            fill(v, NS_BLOCK_LEN, bits, rare, &rng);
            size_t n = ns_chunk_put(v, buf);
            cr_assert_leq(n, sizeof buf);
            uint8_t *c = dup_exact(buf, n);
            cr_assert_eq(ns_chunk_len(c, c + n), (int64_t)n);
            const uint8_t *p = c;
            cr_assert_eq(ns_chunk_get(&p, c + n, g), 0);
            cr_assert_eq(p, c + n);
            cr_assert_eq(memcmp(v, g, sizeof v), 0, "bits %u rare %u", bits, rare);
            p = c;
            cr_assert_eq(ns_chunk_get(&p, c + n - 1, g), -1, "a byte short");
            free(c);
        }
    }
}

Test(ns_format, short_run_round_trip)
{
    uint32_t rng = SEED;
    printf("seed %u\n", SEED);
    const size_t mins[2] = {NS_POS_TAIL_PACKED, NS_POST_TAIL_PACKED};
    uint32_t v[NS_BLOCK_LEN], g[NS_BLOCK_LEN];
    uint8_t buf[NS_RUN_BOUND(NS_BLOCK_LEN)];
    unsigned packed = 0, varint = 0;
    for (int m = 0; m < 2; m++) {
        for (size_t n = 0; n < NS_BLOCK_LEN; n++) {
            for (unsigned bits = 0; bits <= 32; bits += 4) {
                fill(v, n, bits, bits < 16 ? 10 : 0, &rng);
                size_t len = ns_run_put(v, n, mins[m], buf);
                cr_assert_leq(len, NS_RUN_BOUND(n));
                if (n >= mins[m])
                    buf[0] == NS_TAIL_VARINT ? varint++ : packed++;
                uint8_t *c = dup_exact(buf, len);
                const uint8_t *p = c;
                cr_assert_eq(ns_run_get(&p, c + len, n, mins[m], g), 0, "n %zu bits %u", n, bits);
                cr_assert_eq(p, c + len);
                cr_assert_eq(memcmp(v, g, n * sizeof *v), 0, "n %zu bits %u", n, bits);
                if (len) {
                    p = c;
                    cr_assert_eq(ns_run_get(&p, c + len - 1, n, mins[m], g), -1, "a byte short");
                }
                free(c);
            }
        }
    }
    cr_assert_gt(packed, 0);
    cr_assert_gt(varint, 0);
}

Test(ns_format, short_run_layout_is_the_documented_one)
{
    /* 3 values, fewer than NS_POS_TAIL_PACKED: varints, no header */
    const uint32_t a[3] = {1, 300, 2};
    const uint8_t wa[] = {1, 0xac, 0x02, 2};
    uint8_t buf[NS_RUN_BOUND(16)];
    size_t n = ns_run_put(a, 3, NS_POS_TAIL_PACKED, buf);
    cr_assert_eq(n, sizeof wa);
    cr_assert_eq(memcmp(buf, wa, n), 0);
    /* 8 values of 2 bits: header 2, then the 16-bit stream, value i at bits 2i */
    const uint32_t b[8] = {1, 2, 3, 0, 3, 2, 1, 0};
    const uint8_t wb[] = {2, 1 | 2 << 2 | 3 << 4 | 0 << 6, 3 | 2 << 2 | 1 << 4 | 0 << 6};
    n = ns_run_put(b, 8, NS_POST_TAIL_PACKED, buf);
    cr_assert_eq(n, sizeof wb);
    cr_assert_eq(memcmp(buf, wb, n), 0);
}

Test(ns_format, header_round_trip_and_codecs)
{
    cr_assert_eq(ns_file_codec(NS_FILE_META), NS_CODEC_NONE);
    cr_assert_eq(ns_file_codec(NS_FILE_TERMS), NS_CODEC_NONE);
    cr_assert_eq(ns_file_codec(NS_FILE_POSTINGS), NS_CODEC_BP128_VBYTE);
    cr_assert_eq(ns_file_codec(NS_FILE_POSITIONS), NS_CODEC_BP128_VBYTE);
    cr_assert_eq(ns_file_codec(NS_FILE_DOCLENS), NS_CODEC_NONE);
    cr_assert_eq(ns_file_codec(NS_FILE_DOCSTORE), NS_CODEC_ZSTD);
    cr_assert_eq(ns_file_codec(NS_FILE_DOCS), NS_CODEC_NONE);
    uint8_t h[NS_HEADER_LEN];
    ns_header_write(h, NS_FILE_POSITIONS, NS_CODEC_BP128_VBYTE);
    cr_assert_eq(ns_get_u16le(h + 8), NS_FORMAT_MAJOR);
    cr_assert_eq(ns_get_u16le(h + 10), NS_FORMAT_MINOR);
    cr_assert_eq(ns_get_u32le(h + 12), NS_FILE_POSITIONS);
    cr_assert_eq(ns_get_u32le(h + 16), NS_CODEC_BP128_VBYTE);
    cr_assert_eq(ns_get_u32le(h + 20), NS_HEADER_LEN);
    ns_header g;
    ns_header_get(h, &g);
    cr_assert_eq(g.major, NS_FORMAT_MAJOR);
    cr_assert_eq(g.minor, NS_FORMAT_MINOR);
    cr_assert_eq(g.kind, NS_FILE_POSITIONS);
    cr_assert_eq(g.codec, NS_CODEC_BP128_VBYTE);
    cr_assert_eq(g.header_len, NS_HEADER_LEN);
}

/* A whole empty file of `kind` carrying `codec`. */
static void make_file(uint8_t f[NS_HEADER_LEN + NS_FOOTER_LEN], ns_file_kind kind, uint32_t codec)
{
    ns_header_write(f, kind, codec);
    ns_sum s;
    cr_assert_eq(ns_sum_init(&s), NS_OK);
    ns_sum_update(&s, f, NS_HEADER_LEN);
    ns_sum_footer(&s, f + NS_HEADER_LEN);
    ns_sum_release(&s);
}

Test(ns_format, unknown_codec_is_refused_as_a_newer_version)
{
    uint8_t f[NS_HEADER_LEN + NS_FOOTER_LEN];
    ns_err err;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        make_file(f, (ns_file_kind)k, ns_file_codec((ns_file_kind)k));
        cr_assert_eq(ns_file_check_frame(f, sizeof f, (ns_file_kind)k, "x", &err), NS_OK, "%s",
                     err.msg);
        for (uint32_t codec = 0; codec <= 8; codec++) {
            if (codec == ns_file_codec((ns_file_kind)k))
                continue;
            make_file(f, (ns_file_kind)k, codec);
            cr_assert_eq(ns_file_check_sum(f, sizeof f, "x", &err), NS_OK);
            cr_assert_eq(ns_file_check_frame(f, sizeof f, (ns_file_kind)k, "idx/postings", &err),
                         NS_E_VERSION, "kind %d codec %u", k, codec);
            char want[64];
            snprintf(want, sizeof want, "'idx/postings' uses codec %u,", codec);
            cr_assert(strstr(err.msg, want), "%s", err.msg);
            cr_assert(strstr(err.msg, "rebuild the index with nindex"), "%s", err.msg);
        }
    }
}

Test(ns_format, field_name_round_trip_and_limits)
{
    uint8_t buf[NS_FIELD_NAME_BOUND];
    size_t n = ns_field_name_put(buf, "tags", 4);
    const uint8_t want[] = {4, 't', 'a', 'g', 's'};
    cr_assert_eq(n, sizeof want);
    cr_assert_eq(memcmp(buf, want, n), 0);
    const uint8_t *p = buf;
    const char *name;
    size_t len;
    cr_assert_eq(ns_field_name_get(&p, buf + n, &name, &len), 0);
    cr_assert_eq(p, buf + n);
    cr_assert_eq(len, 4);
    cr_assert_eq(memcmp(name, "tags", 4), 0);
    p = buf;
    cr_assert_eq(ns_field_name_get(&p, buf + n - 1, &name, &len), -1, "a byte short");
    char longest[NS_MAX_FIELD_NAME + 1];
    memset(longest, 'n', sizeof longest);
    n = ns_field_name_put(buf, longest, NS_MAX_FIELD_NAME);
    p = buf;
    cr_assert_eq(ns_field_name_get(&p, buf + n, &name, &len), 0);
    cr_assert_eq(len, NS_MAX_FIELD_NAME);
    uint8_t over[2 + NS_MAX_FIELD_NAME + 1] = {0x80, 0x02}; /* 256 */
    p = over;
    cr_assert_eq(ns_field_name_get(&p, over + sizeof over, &name, &len), -1, "256 bytes");
    const uint8_t empty[] = {0};
    p = empty;
    cr_assert_eq(ns_field_name_get(&p, empty + 1, &name, &len), -1, "empty");
}
