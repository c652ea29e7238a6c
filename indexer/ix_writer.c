/* ix_writer: final index encoding: dictionary blocks, posting blocks with
 * skip data, positions, doclens, meta (see ix_writer.h and FORMAT.md). */
#include "ix_writer.h"

#include <math.h>
#include <string.h>

#include "ix_file.h"
#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_block.h"
#include "ns_buf.h"
#include "ns_endian.h"
#include "ns_format.h"
#include "ns_varint.h"

typedef struct u32vec {
    uint32_t *v; /* owned */
    size_t n, cap;
} u32vec;

static int u32vec_push(u32vec *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t c = a->cap ? a->cap * 2 : 1024;
        uint32_t *p = ns_realloc(a->v, c * sizeof *p);
        if (!p)
            return -1;
        a->v = p;
        a->cap = c;
    }
    a->v[a->n++] = x;
    return 0;
}

struct ix_writer {
    char *dir; /* owned */
    ix_file terms, postings, positions;
    const uint32_t *doclens;
    uint32_t n_docs;
    uint64_t n_live, total_tokens;
    double avgdl;
    u32vec docs, tfs, pos;
    ns_buf tpost, tpos;    /* current term's postings / positions */
    ns_buf dblock;         /* current dictionary block */
    ns_buf dindex;         /* dictionary block index */
    char prev_key[256 + 1];
    size_t prev_len;
    uint32_t in_block;
    uint64_t n_terms, n_blocks, n_postings;
    ns_rc rc;
};

ns_rc ix_writer_open(const char *dir, const uint32_t *doclens, uint32_t n_docs, ix_writer **out,
                     ns_err *err)
{
    ix_writer *w = ns_calloc(1, sizeof *w);
    if (!w)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    w->terms.fd = w->postings.fd = w->positions.fd = -1;
    w->dir = ns_strndup(dir, strlen(dir));
    if (!w->dir) {
        ns_free(w);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    w->doclens = doclens;
    w->n_docs = n_docs;
    for (uint32_t d = 0; d < n_docs; d++) {
        if (doclens[d]) {
            w->n_live++;
            w->total_tokens += doclens[d];
        }
    }
    w->avgdl = w->n_live ? (double)w->total_tokens / (double)w->n_live : 1.0;
    ns_rc rc = ix_file_open(&w->terms, dir, NS_FILE_TERMS, NS_CODEC_NONE, err);
    if (!rc)
        rc = ix_file_open(&w->postings, dir, NS_FILE_POSTINGS, NS_CODEC_BP128_VBYTE, err);
    if (!rc)
        rc = ix_file_open(&w->positions, dir, NS_FILE_POSITIONS, NS_CODEC_BP128_VBYTE, err);
    if (rc) {
        ix_writer_free(w);
        return rc;
    }
    *out = w;
    return NS_OK;
}

void ix_writer_free(ix_writer *w)
{
    if (!w)
        return;
    ns_free(w->dir);
    ix_file_release(&w->terms);
    ix_file_release(&w->postings);
    ix_file_release(&w->positions);
    ns_free(w->docs.v);
    ns_free(w->tfs.v);
    ns_free(w->pos.v);
    ns_buf_release(&w->tpost);
    ns_buf_release(&w->tpos);
    ns_buf_release(&w->dblock);
    ns_buf_release(&w->dindex);
    ns_free(w);
}

static ns_rc put_varint(ns_buf *b, uint64_t v)
{
    uint8_t t[NS_VARINT_MAX_BYTES];
    return ns_buf_append(b, t, ns_varint_put(t, v));
}

/* Appends n (<= 128) values: a packed chunk (u8 bits + 16*bits bytes) when
 * n == 128, else n varints. */
static ns_rc put_chunk(ns_buf *b, const uint32_t *v, size_t n)
{
    if (n == NS_BLOCK_LEN) {
        unsigned bits = ns_block_bits(v, n);
        ns_rc rc = ns_buf_reserve(b, 1 + ns_block_bytes(bits));
        if (rc)
            return rc;
        b->data[b->len++] = (uint8_t)bits;
        ns_block_pack(v, bits, b->data + b->len);
        b->len += ns_block_bytes(bits);
        return NS_OK;
    }
    ns_rc rc = ns_buf_reserve(b, n * 5);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        b->len += ns_varint_put(b->data + b->len, v[i]);
    return NS_OK;
}

/* Decodes raw postings into w->docs/tfs/pos, dropping dead documents. */
static ns_rc decode_raw(ix_writer *w, const uint8_t *raw, size_t raw_len, ns_err *err)
{
    const uint8_t *p = raw, *end = raw + raw_len;
    w->docs.n = w->tfs.n = w->pos.n = 0;
    uint64_t doc = 0;
    int first = 1;
    while (p < end) {
        uint64_t gap, tf;
        if (ns_varint_get(&p, end, &gap) || ns_varint_get(&p, end, &tf) || tf == 0)
            return ns_err_set(err, NS_E_CORRUPT, "internal error: bad raw postings");
        doc = first ? gap : doc + gap;
        if (!first && gap == 0) /* restart of a segment: gap from 0 */
            return ns_err_set(err, NS_E_CORRUPT, "internal error: unsorted raw postings");
        first = 0;
        if (doc >= w->n_docs)
            return ns_err_set(err, NS_E_CORRUPT, "internal error: doc id out of range");
        int live = w->doclens[doc] != 0;
        if (live && (u32vec_push(&w->docs, (uint32_t)doc) || u32vec_push(&w->tfs, (uint32_t)tf)))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        uint64_t pos = 0;
        for (uint64_t i = 0; i < tf; i++) {
            uint64_t g;
            if (ns_varint_get(&p, end, &g))
                return ns_err_set(err, NS_E_CORRUPT, "internal error: bad raw positions");
            pos = i ? pos + g : g;
            if (live && u32vec_push(&w->pos, (uint32_t)pos))
                return ns_err_set(err, NS_E_NOMEM, "out of memory");
        }
    }
    return NS_OK;
}

static float round_up_f32(double x)
{
    float f = (float)x;
    if ((double)f < x)
        f = nextafterf(f, INFINITY);
    return f;
}

static ns_rc flush_dict_block(ix_writer *w)
{
    if (!w->in_block)
        return NS_OK;
    ix_file_write(&w->terms, w->dblock.data, w->dblock.len);
    ns_buf_reset(&w->dblock);
    w->in_block = 0;
    return NS_OK;
}

ns_rc ix_writer_add_term(ix_writer *w, const char *key, size_t key_len, const uint8_t *raw,
                         size_t raw_len, ns_err *err)
{
    ns_rc rc = decode_raw(w, raw, raw_len, err);
    if (rc)
        return rc;
    size_t df = w->docs.n;
    if (df == 0)
        return NS_OK; /* every document holding it is dead */
    if (key_len == 0 || key_len > 256)
        return ns_err_set(err, NS_E_ARG, "internal error: term length %zu", key_len);
    size_t nb = (df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    ns_buf_reset(&w->tpost);
    ns_buf_reset(&w->tpos);
    size_t skip_len = nb > 1 ? nb * NS_SKIP_ENTRY : 0;
    if (ns_buf_reserve(&w->tpost, skip_len))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    memset(w->tpost.data, 0, skip_len);
    w->tpost.len = skip_len;

    double idf = ns_bm25_idf((double)w->n_live, (double)df);
    double max_w = 0;
    uint64_t cf = 0;
    size_t pi = 0; /* index into w->pos */
    uint32_t gaps[NS_BLOCK_LEN], tfm1[NS_BLOCK_LEN];
    u32vec pstream = {0};
    for (size_t b = 0; b < nb; b++) {
        size_t i0 = b * NS_BLOCK_LEN;
        size_t cnt = df - i0 < NS_BLOCK_LEN ? df - i0 : NS_BLOCK_LEN;
        uint32_t prev = b ? w->docs.v[i0 - 1] : UINT32_MAX;
        uint32_t max_tf = 0, min_len = UINT32_MAX;
        pstream.n = 0;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t d = w->docs.v[i0 + i], tf = w->tfs.v[i0 + i];
            gaps[i] = d - prev - 1;
            prev = d;
            tfm1[i] = tf - 1;
            cf += tf;
            if (tf > max_tf)
                max_tf = tf;
            if (w->doclens[d] < min_len)
                min_len = w->doclens[d];
            double s = ns_bm25_tf(tf, w->doclens[d], w->avgdl);
            if (s > max_w)
                max_w = s;
            for (uint32_t k = 0; k < tf; k++, pi++) {
                uint32_t p = w->pos.v[pi];
                uint32_t v = k ? p - w->pos.v[pi - 1] - 1 : p;
                if (u32vec_push(&pstream, v)) {
                    ns_free(pstream.v);
                    return ns_err_set(err, NS_E_NOMEM, "out of memory");
                }
            }
        }
        if (w->tpost.len > UINT32_MAX || w->tpos.len > UINT32_MAX) {
            ns_free(pstream.v);
            return ns_err_set(err, NS_E_ARG, "term has more than 4 GiB of postings");
        }
        if (nb > 1) {
            uint8_t *s = w->tpost.data + b * NS_SKIP_ENTRY;
            ns_put_u32le(s, w->docs.v[i0 + cnt - 1]);
            ns_put_u32le(s + 4, (uint32_t)w->tpost.len);
            ns_put_u32le(s + 8, (uint32_t)w->tpos.len);
            ns_put_u32le(s + 12, max_tf);
            ns_put_u32le(s + 16, min_len);
        }
        rc = NS_OK;
        if (cnt == NS_BLOCK_LEN) {
            unsigned bd = ns_block_bits(gaps, cnt), bt = ns_block_bits(tfm1, cnt);
            rc = ns_buf_reserve(&w->tpost, 2 + ns_block_bytes(bd) + ns_block_bytes(bt));
            if (!rc) {
                uint8_t *o = w->tpost.data + w->tpost.len;
                o[0] = (uint8_t)bd;
                o[1] = (uint8_t)bt;
                ns_block_pack(gaps, bd, o + 2);
                ns_block_pack(tfm1, bt, o + 2 + ns_block_bytes(bd));
                w->tpost.len += 2 + ns_block_bytes(bd) + ns_block_bytes(bt);
            }
        } else {
            rc = put_chunk(&w->tpost, gaps, cnt);
            if (!rc)
                rc = put_chunk(&w->tpost, tfm1, cnt);
        }
        for (size_t off = 0; !rc && off < pstream.n; off += NS_BLOCK_LEN) {
            size_t m = pstream.n - off < NS_BLOCK_LEN ? pstream.n - off : NS_BLOCK_LEN;
            rc = put_chunk(&w->tpos, pstream.v + off, m);
        }
        if (rc) {
            ns_free(pstream.v);
            return ns_err_set(err, rc, "out of memory");
        }
    }
    ns_free(pstream.v);

    /* dictionary entry */
    if (w->in_block == NS_DICT_BLOCK_TERMS)
        flush_dict_block(w);
    size_t shared = 0;
    if (w->in_block) {
        size_t m = key_len < w->prev_len ? key_len : w->prev_len;
        while (shared < m && key[shared] == w->prev_key[shared])
            shared++;
    } else {
        uint8_t e[NS_DICT_INDEX_ENTRY];
        ns_put_u64le(e, ix_file_off(&w->terms));
        ns_put_u64le(e + 8, ix_file_off(&w->postings));
        ns_put_u64le(e + 16, ix_file_off(&w->positions));
        if (ns_buf_append(&w->dindex, e, sizeof e))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        w->n_blocks++;
    }
    uint8_t msf[4];
    ns_put_f32le(msf, round_up_f32(idf * max_w));
    rc = put_varint(&w->dblock, shared);
    if (!rc)
        rc = put_varint(&w->dblock, key_len - shared);
    if (!rc)
        rc = ns_buf_append(&w->dblock, key + shared, key_len - shared);
    if (!rc)
        rc = put_varint(&w->dblock, df);
    if (!rc)
        rc = put_varint(&w->dblock, cf - df);
    if (!rc)
        rc = put_varint(&w->dblock, w->tpost.len);
    if (!rc)
        rc = put_varint(&w->dblock, w->tpos.len);
    if (!rc)
        rc = ns_buf_append(&w->dblock, msf, 4);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    memcpy(w->prev_key, key, key_len);
    w->prev_len = key_len;
    w->in_block++;
    w->n_terms++;
    w->n_postings += df;
    ix_file_write(&w->postings, w->tpost.data, w->tpost.len);
    ix_file_write(&w->positions, w->tpos.data, w->tpos.len);
    return NS_OK;
}

ns_rc ix_writer_finish(ix_writer *w, const char *lang, uint64_t identity, uint64_t docstore_size,
                       ix_writer_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    flush_dict_block(w);
    uint64_t index_off = ix_file_off(&w->terms);
    ix_file_write(&w->terms, w->dindex.data, w->dindex.len);
    uint8_t tr[NS_DICT_TRAILER_LEN];
    ns_put_u64le(tr, w->n_terms);
    ns_put_u64le(tr + 8, w->n_blocks);
    ns_put_u64le(tr + 16, index_off);
    ix_file_write(&w->terms, tr, sizeof tr);
    ns_rc rc = ix_file_finish(&w->terms, &st->bytes[NS_FILE_TERMS], err);
    if (!rc)
        rc = ix_file_finish(&w->postings, &st->bytes[NS_FILE_POSTINGS], err);
    if (!rc)
        rc = ix_file_finish(&w->positions, &st->bytes[NS_FILE_POSITIONS], err);
    if (rc)
        return rc;

    ix_file f;
    rc = ix_file_open(&f, w->dir, NS_FILE_DOCLENS, NS_CODEC_NONE, err);
    if (rc)
        return rc;
    uint8_t chunk[4096];
    for (uint32_t d = 0; d < w->n_docs;) {
        size_t k = 0;
        for (; k < sizeof chunk / 4 && d < w->n_docs; k++, d++)
            ns_put_u32le(chunk + 4 * k, w->doclens[d]);
        ix_file_write(&f, chunk, 4 * k);
    }
    rc = ix_file_finish(&f, &st->bytes[NS_FILE_DOCLENS], err);
    if (rc)
        return rc;

    st->bytes[NS_FILE_DOCSTORE] = docstore_size;
    st->bytes[NS_FILE_META] = NS_HEADER_LEN + NS_META_PAYLOAD_LEN + NS_FOOTER_LEN;
    uint8_t m[NS_META_PAYLOAD_LEN];
    memset(m, 0, sizeof m);
    ns_put_u64le(m + NS_META_OFF_N_DOCS, w->n_docs);
    ns_put_u64le(m + NS_META_OFF_N_TERMS, w->n_terms);
    ns_put_u64le(m + NS_META_OFF_N_POSTINGS, w->n_postings);
    ns_put_u64le(m + NS_META_OFF_TOTAL_TOKENS, w->total_tokens);
    ns_put_u64le(m + NS_META_OFF_N_LIVE, w->n_live);
    ns_put_u32le(m + NS_META_OFF_TOKENIZER, NS_TOKENIZER_VERSION);
    ns_put_u64le(m + NS_META_OFF_IDENTITY, identity);
    size_t ll = strlen(lang);
    if (ll >= NS_META_LANG_LEN)
        return ns_err_set(err, NS_E_ARG, "language name too long: '%s'", lang);
    memcpy(m + NS_META_OFF_LANG, lang, ll);
    ns_put_f64le(m + NS_META_OFF_K1, NS_BM25_K1);
    ns_put_f64le(m + NS_META_OFF_B, NS_BM25_B);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        ns_put_u64le(m + NS_META_OFF_SIZES + 8 * (k - 1), st->bytes[k]);
    rc = ix_file_open(&f, w->dir, NS_FILE_META, NS_CODEC_NONE, err);
    if (rc)
        return rc;
    ix_file_write(&f, m, sizeof m);
    rc = ix_file_finish(&f, NULL, err);
    st->n_terms = w->n_terms;
    st->n_postings = w->n_postings;
    st->n_live = w->n_live;
    st->total_tokens = w->total_tokens;
    return rc;
}
