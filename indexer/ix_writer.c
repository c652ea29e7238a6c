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
#include "ns_keyword.h"
#include "ns_varint.h"

/* One term's entry in a part, for the dictionary at append time. */
typedef struct part_term {
    uint64_t df, cf, post_len, pos_len;
    uint32_t key_off, key_len;
    uint32_t bound_tf, bound_len; /* the term's best posting */
} part_term;

struct ix_wpart {
    /* read-only view of the writer */
    const uint32_t *doclens;
    uint32_t n_docs;
    uint64_t n_live;
    double avgdl;
    /* the current term */
    char key[NS_TERM_KEY_MAX];
    size_t key_len;
    int nopos; /* a keyword term: tf 1, no positions */
    uint64_t df, cf, pos_start, post_start;
    double max_w;
    uint32_t max_tf, max_len;           /* the posting reaching max_w first */
    uint32_t prev;                      /* last doc id of the previous block (UINT32_MAX: none) */
    uint32_t bdocs[NS_BLOCK_LEN], btfs[NS_BLOCK_LEN];
    uint32_t n_in_block;
    uint64_t block_pfp;                 /* positions chunk of the block's first position, from pos_start */
    uint32_t block_upto;                /* index of that position in its chunk */
    uint32_t pchunk[NS_BLOCK_LEN];      /* positions not yet packed */
    uint32_t n_pchunk;
    ns_buf tpost; /* the term's posting blocks (the skip data goes before) */
    ns_buf skips; /* the term's skip entries, IX_SKIP_FIELDS u32 each */
    /* output */
    ns_buf post, pos, keys;
    part_term *terms; /* owned */
    size_t n_terms, cap_terms;
    uint64_t n_postings;
};

struct ix_writer {
    char *dir; /* owned */
    ix_file terms, postings, positions;
    const uint32_t *doclens;
    uint32_t n_docs;
    ix_doc_tables tables;
    uint64_t n_live, total_tokens;
    double avgdl;
    ix_wpart *own; /* the part behind ix_writer_term_* */
    ns_buf dblock; /* current dictionary block */
    ns_buf dindex; /* dictionary block index */
    char prev_key[NS_TERM_KEY_MAX + 1];
    size_t prev_len;
    uint32_t in_block;
    uint64_t n_terms, n_blocks, n_postings;
};

/* Fields of a skip entry in their order (FORMAT.md): last doc, bound
 * tf - 1, bound length, doc bits, tf bits, tf exception list bytes,
 * positions chunk offset, upto. */
#define IX_SKIP_FIELDS 8

/* The writer's own part is appended to the files once it holds this much. */
#define IX_WPART_FLUSH ((size_t)4 << 20)

ns_rc ix_wpart_new(const ix_writer *w, ix_wpart **out)
{
    ix_wpart *p = ns_calloc(1, sizeof *p);
    if (!p)
        return NS_E_NOMEM;
    p->doclens = w->doclens;
    p->n_docs = w->n_docs;
    p->n_live = w->n_live;
    p->avgdl = w->avgdl;
    *out = p;
    return NS_OK;
}

void ix_wpart_free(ix_wpart *p)
{
    if (!p)
        return;
    ns_buf_release(&p->tpost);
    ns_buf_release(&p->skips);
    ns_buf_release(&p->post);
    ns_buf_release(&p->pos);
    ns_buf_release(&p->keys);
    ns_free(p->terms);
    ns_free(p);
}

size_t ix_wpart_bytes(const ix_wpart *p) { return p->post.len + p->pos.len + p->keys.len; }

ns_rc ix_writer_open(const char *dir, const ix_doc_tables *t, ix_writer **out, ns_err *err)
{
    const uint32_t *doclens = t->doclens;
    uint32_t n_docs = t->n_docs;
    for (uint32_t d = 0; d < n_docs; d++)
        if (t->title_lens[d] > doclens[d])
            return ns_err_set(err, NS_E_ARG, "internal error: document %u: title longer than the document", d);
    if (t->n_kw > NS_MAX_KW_FIELDS)
        return ns_err_set(err, NS_E_ARG, "more than %u keyword fields", NS_MAX_KW_FIELDS);
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
    w->tables = *t;
    for (uint32_t d = 0; d < n_docs; d++) {
        if (doclens[d]) {
            w->n_live++;
            w->total_tokens += doclens[d];
        }
    }
    w->avgdl = w->n_live ? (double)w->total_tokens / (double)w->n_live : 1.0;
    ns_rc rc = ix_wpart_new(w, &w->own);
    if (rc) {
        ix_writer_free(w);
        return ns_err_set(err, rc, "out of memory");
    }
    rc = ix_file_open(&w->terms, dir, NS_FILE_TERMS, NS_CODEC_NONE, err);
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
    ix_wpart_free(w->own);
    ns_buf_release(&w->dblock);
    ns_buf_release(&w->dindex);
    ns_free(w);
}

static ns_rc put_varint(ns_buf *b, uint64_t v)
{
    uint8_t t[NS_VARINT_MAX_BYTES];
    return ns_buf_append(b, t, ns_varint_put(t, v));
}

/* Appends n values: a patched packed chunk (u8 bits | NS_CHUNK_EXC, packed
 * block, exception list when flagged) when n == 128, else a positions tail
 * (FORMAT.md "positions"). */
static ns_rc put_chunk(ns_buf *b, const uint32_t *v, size_t n)
{
    if (n == NS_BLOCK_LEN) {
        size_t exc;
        unsigned bits = ns_block_pfor_bits(v, n, &exc);
        ns_rc rc = ns_buf_reserve(b, 1 + ns_block_bytes(bits) + exc);
        if (rc)
            return rc;
        b->data[b->len++] = (uint8_t)(bits | (exc ? NS_CHUNK_EXC : 0));
        ns_block_pack(v, bits, b->data + b->len);
        b->len += ns_block_bytes(bits);
        if (exc)
            b->len += ns_block_pfor_put(v, n, bits, b->data + b->len);
        return NS_OK;
    }
    /* a positions tail: varints, or from NS_POS_TAIL_PACKED values on a
     * header byte and the cheaper of varints and a patched bit run */
    size_t vb = 0;
    for (size_t i = 0; i < n; i++)
        vb += ns_varint_len(v[i]);
    size_t exc = 0;
    unsigned bits = n >= NS_POS_TAIL_PACKED ? ns_block_pfor_bits(v, n, &exc) : 0;
    bool packed = n >= NS_POS_TAIL_PACKED && (n * bits + 7) / 8 + exc < vb;
    ns_rc rc = ns_buf_reserve(b, 1 + n * 6 + 1);
    if (rc)
        return rc;
    if (n >= NS_POS_TAIL_PACKED)
        b->data[b->len++] = packed ? (uint8_t)(bits | (exc ? NS_CHUNK_EXC : 0)) : NS_TAIL_VARINT;
    if (packed) {
        b->len += ns_bits_pack(v, n, bits, b->data + b->len);
        if (exc)
            b->len += ns_block_pfor_put(v, n, bits, b->data + b->len);
        return NS_OK;
    }
    for (size_t i = 0; i < n; i++)
        b->len += ns_varint_put(b->data + b->len, v[i]);
    return NS_OK;
}

/* Writes a partial block's n doc gaps to o (room for n varints + 1):
 * varints, or from NS_POST_TAIL_PACKED gaps on a header byte and the
 * cheaper of varints and a patched bit run.  Returns bytes written. */
static size_t put_gaps(const uint32_t *gaps, uint32_t n, uint8_t *o)
{
    uint8_t *o0 = o;
    size_t vb = 0, exc = 0;
    for (uint32_t i = 0; i < n; i++)
        vb += ns_varint_len(gaps[i]);
    unsigned bits = n >= NS_POST_TAIL_PACKED ? ns_block_pfor_bits(gaps, n, &exc) : 0;
    bool packed = n >= NS_POST_TAIL_PACKED && ((size_t)n * bits + 7) / 8 + exc < vb;
    if (n >= NS_POST_TAIL_PACKED)
        *o++ = packed ? (uint8_t)(bits | (exc ? NS_CHUNK_EXC : 0)) : NS_TAIL_VARINT;
    if (packed) {
        o += ns_bits_pack(gaps, n, bits, o);
        if (exc)
            o += ns_block_pfor_put(gaps, n, bits, o);
    } else {
        for (uint32_t i = 0; i < n; i++)
            o += ns_varint_put(o, gaps[i]);
    }
    return (size_t)(o - o0);
}

ns_rc ix_wpart_term_begin(ix_wpart *p, const char *key, size_t key_len, ns_err *err)
{
    if (key_len == 0 || key_len > sizeof p->key)
        return ns_err_set(err, NS_E_ARG, "internal error: term length %zu", key_len);
    memcpy(p->key, key, key_len);
    p->key_len = key_len;
    p->nopos = ns_keyword_is_key(key, key_len);
    p->df = p->cf = 0;
    p->max_w = 0;
    p->prev = UINT32_MAX;
    p->n_in_block = 0;
    p->n_pchunk = 0;
    ns_buf_reset(&p->tpost);
    ns_buf_reset(&p->skips);
    p->pos_start = p->pos.len;
    p->post_start = p->post.len;
    return NS_OK;
}

/* Ends the current posting block (full, or the term's last): its postings
 * into tpost, its skip entry into skips (FORMAT.md "postings"). */
static ns_rc end_block(ix_wpart *p, ns_err *err)
{
    uint32_t n = p->n_in_block;
    uint32_t gaps[NS_BLOCK_LEN], tfm1[NS_BLOCK_LEN];
    /* the skip entry's bound: the (tf, length) of the block's posting with
     * the highest BM25 weight, the first one reaching it */
    uint32_t prev = p->prev, bound_tf = 0, bound_len = 0;
    double bound_w = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = p->bdocs[i], tf = p->btfs[i];
        gaps[i] = d - prev - 1;
        prev = d;
        tfm1[i] = tf - 1;
        double w = ns_bm25_tf(tf, p->doclens[d], p->avgdl);
        if (w > bound_w) {
            bound_w = w;
            bound_tf = tf;
            bound_len = p->doclens[d];
        }
    }
    if (bound_w > p->max_w) { /* the term's best: the first block's best reaching it */
        p->max_w = bound_w;
        p->max_tf = bound_tf;
        p->max_len = bound_len;
    }
    unsigned bd = 0, bt = 0;
    size_t texc = 0;
    if (n == NS_BLOCK_LEN) {
        /* doc gaps plain (patching them would slow every block decode),
         * frequencies patched when their list fits the u8 length */
        bd = ns_block_bits(gaps, n);
        bt = ns_block_pfor_bits(tfm1, n, &texc);
        if (texc > NS_SKIP_MAX_EXC) {
            bt = ns_block_bits(tfm1, n);
            texc = 0;
        }
    }
    /* the skip entry's fields, written with the term's widths at its end */
    uint32_t e[IX_SKIP_FIELDS] = {p->bdocs[n - 1], bound_tf - 1, bound_len, bd, bt, (uint32_t)texc,
                                  (uint32_t)p->block_pfp, p->block_upto};
    if (p->block_pfp > UINT32_MAX)
        return ns_err_set(err, NS_E_ARG, "term has more than 4 GiB of positions");
    ns_rc rc = ns_buf_append(&p->skips, e, sizeof e);
    if (!rc && n == NS_BLOCK_LEN) {
        size_t len = ns_block_bytes(bd) + ns_block_bytes(bt) + texc;
        rc = ns_buf_reserve(&p->tpost, len);
        if (!rc) {
            uint8_t *o = p->tpost.data + p->tpost.len;
            ns_block_pack(gaps, bd, o);
            o += ns_block_bytes(bd);
            ns_block_pack(tfm1, bt, o);
            o += ns_block_bytes(bt);
            if (texc)
                o += ns_block_pfor_put(tfm1, n, bt, o);
            p->tpost.len += len;
        }
    } else if (!rc) {
        /* partial block (the term's last, so df and cf are final): n
         * gaps (varints or a patched bit run), then, unless every tf is known (cf == df: all 1;
         * df == 1: cf), a bitmap of tf == 1 and varint (tf - 2) of the
         * others */
        bool tfs = p->cf != p->df && p->df != 1;
        rc = ns_buf_reserve(&p->tpost, (size_t)n * 2 * NS_VARINT_MAX_BYTES + (n + 7) / 8 + 1);
        if (!rc) {
            uint8_t *o = p->tpost.data + p->tpost.len, *o0 = o;
            o += put_gaps(gaps, n, o);
            if (tfs) {
                memset(o, 0, (n + 7) / 8);
                for (uint32_t i = 0; i < n; i++)
                    o[i / 8] |= (uint8_t)((tfm1[i] == 0) << (i % 8));
                o += (n + 7) / 8;
                for (uint32_t i = 0; i < n; i++)
                    if (tfm1[i])
                        o += ns_varint_put(o, tfm1[i] - 1);
            }
            p->tpost.len += (size_t)(o - o0);
        }
    }
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    p->prev = prev;
    p->n_in_block = 0;
    return NS_OK;
}

ns_rc ix_wpart_posting(ix_wpart *p, uint32_t doc, uint32_t tf, const uint8_t *pos, size_t pos_len,
                       ns_err *err)
{
    if (doc >= p->n_docs)
        return ns_err_set(err, NS_E_CORRUPT, "internal error: doc id out of range");
    uint32_t dl = p->doclens[doc];
    if (dl == 0)
        return NS_OK; /* dead */
    if (p->n_in_block == 0) { /* the chunk the next position goes to */
        p->block_pfp = p->pos.len - p->pos_start;
        p->block_upto = p->n_pchunk;
    }
    p->bdocs[p->n_in_block] = doc;
    p->btfs[p->n_in_block] = tf;
    p->df++;
    p->cf += tf;
    if (p->nopos) {
        if (tf != 1 || pos_len)
            return ns_err_set(err, NS_E_CORRUPT, "internal error: keyword posting with positions");
        tf = 0; /* no positions to copy */
    }
    const uint8_t *q = pos, *end = pos + pos_len;
    for (uint32_t k = 0; k < tf; k++) {
        uint32_t v;
        if (ns_varint_get32(&q, end, &v))
            return ns_err_set(err, NS_E_CORRUPT, "internal error: bad positions");
        p->pchunk[p->n_pchunk++] = v;
        if (p->n_pchunk == NS_BLOCK_LEN) {
            if (put_chunk(&p->pos, p->pchunk, NS_BLOCK_LEN))
                return ns_err_set(err, NS_E_NOMEM, "out of memory");
            p->n_pchunk = 0;
        }
    }
    if (++p->n_in_block == NS_BLOCK_LEN)
        return end_block(p, err);
    return NS_OK;
}

/* Bytes needed for v: 1..4. */
static unsigned width_of(uint32_t v) { return v < (1u << 8) ? 1 : v < (1u << 16) ? 2 : v < (1u << 24) ? 3 : 4; }

/* Appends the term's skip table (FORMAT.md "postings"): the widths byte,
 * then the fixed-width entries. */
static ns_rc put_skips(ix_wpart *p)
{
    size_t n = p->skips.len / (IX_SKIP_FIELDS * 4);
    const uint32_t *e = (const uint32_t *)(const void *)p->skips.data;
    uint32_t max[IX_SKIP_FIELDS] = {0};
    for (size_t b = 0; b < n; b++)
        for (int f = 0; f < IX_SKIP_FIELDS; f++)
            if (e[b * IX_SKIP_FIELDS + f] > max[f])
                max[f] = e[b * IX_SKIP_FIELDS + f];
    unsigned wl = width_of(max[0]), wt = width_of(max[1]), wn = width_of(max[2]),
             wp = width_of(max[6]);
    size_t es = wl + wt + wn + wp + NS_SKIP_FIXED_BYTES;
    ns_rc rc = ns_buf_reserve(&p->post, 1 + n * es);
    if (rc)
        return rc;
    uint8_t *o = p->post.data + p->post.len;
    *o++ = (uint8_t)((wl - 1) | (wt - 1) << 2 | (wn - 1) << 4 | (wp - 1) << 6);
    const unsigned fw[IX_SKIP_FIELDS] = {wl, wt, wn, 1, 1, 1, wp, 1};
    for (size_t b = 0; b < n; b++) {
        for (int f = 0; f < IX_SKIP_FIELDS; f++) {
            unsigned w = fw[f];
            uint32_t v = e[b * IX_SKIP_FIELDS + f];
            for (unsigned k = 0; k < w; k++)
                *o++ = (uint8_t)(v >> (8 * k));
        }
    }
    p->post.len += 1 + n * es;
    return NS_OK;
}

ns_rc ix_wpart_term_end(ix_wpart *p, ns_err *err)
{
    ns_rc rc;
    if (p->n_in_block && (rc = end_block(p, err)))
        return rc;
    uint64_t df = p->df;
    if (df == 0)
        return NS_OK; /* every document holding it is dead */
    if (p->n_pchunk && put_chunk(&p->pos, p->pchunk, p->n_pchunk))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    p->n_pchunk = 0;
    /* skip table when the term has a full block */
    if (df >= NS_BLOCK_LEN && put_skips(p))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (ns_buf_append(&p->post, p->tpost.data, p->tpost.len))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    uint64_t post_len = p->post.len - p->post_start;
    if (p->n_terms == p->cap_terms) {
        size_t c = p->cap_terms ? p->cap_terms * 2 : 256;
        part_term *t = ns_realloc(p->terms, c * sizeof *t);
        if (!t)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        p->terms = t;
        p->cap_terms = c;
    }
    if (p->keys.len > UINT32_MAX - p->key_len || ns_buf_append(&p->keys, p->key, p->key_len))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    part_term *t = &p->terms[p->n_terms++];
    t->df = df;
    t->cf = p->cf;
    t->post_len = post_len;
    t->pos_len = p->pos.len - p->pos_start;
    t->key_off = (uint32_t)(p->keys.len - p->key_len);
    t->key_len = (uint32_t)p->key_len;
    t->bound_tf = p->max_tf;
    t->bound_len = p->max_len;
    p->n_postings += df;
    return NS_OK;
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

ns_rc ix_writer_append(ix_writer *w, ix_wpart *p, ns_err *err)
{
    uint64_t post_off = ix_file_off(&w->postings), pos_off = ix_file_off(&w->positions);
    for (size_t i = 0; i < p->n_terms; i++) {
        const part_term *t = &p->terms[i];
        const char *key = (const char *)p->keys.data + t->key_off;
        size_t key_len = t->key_len;
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
            ns_put_u64le(e + 8, post_off);
            ns_put_u64le(e + 16, pos_off);
            if (ns_buf_append(&w->dindex, e, sizeof e))
                return ns_err_set(err, NS_E_NOMEM, "out of memory");
            w->n_blocks++;
        }
        ns_rc rc = put_varint(&w->dblock, shared);
        if (!rc)
            rc = put_varint(&w->dblock, key_len - shared);
        if (!rc)
            rc = ns_buf_append(&w->dblock, key + shared, key_len - shared);
        if (!rc)
            rc = put_varint(&w->dblock, t->df);
        if (!rc)
            rc = put_varint(&w->dblock, t->cf - t->df);
        if (!rc)
            rc = put_varint(&w->dblock, t->post_len);
        if (!rc)
            rc = put_varint(&w->dblock, t->pos_len);
        /* the best posting, when df > 1 (else it is the only one: tf = cf,
         * its length in doclens) */
        if (!rc && t->df > 1)
            rc = put_varint(&w->dblock, t->bound_tf - 1);
        if (!rc && t->df > 1)
            rc = put_varint(&w->dblock, t->bound_len);
        if (rc)
            return ns_err_set(err, rc, "out of memory");
        memcpy(w->prev_key, key, key_len);
        w->prev_len = key_len;
        w->in_block++;
        post_off += t->post_len;
        pos_off += t->pos_len;
    }
    w->n_terms += p->n_terms;
    w->n_postings += p->n_postings;
    ix_file_write(&w->postings, p->post.data, p->post.len);
    ix_file_write(&w->positions, p->pos.data, p->pos.len);
    ns_buf_reset(&p->post);
    ns_buf_reset(&p->pos);
    ns_buf_reset(&p->keys);
    p->n_terms = 0;
    p->n_postings = 0;
    return NS_OK;
}

ns_rc ix_writer_term_begin(ix_writer *w, const char *key, size_t key_len, ns_err *err)
{
    return ix_wpart_term_begin(w->own, key, key_len, err);
}

ns_rc ix_writer_posting(ix_writer *w, uint32_t doc, uint32_t tf, const uint8_t *pos,
                        size_t pos_len, ns_err *err)
{
    return ix_wpart_posting(w->own, doc, tf, pos, pos_len, err);
}

ns_rc ix_writer_term_end(ix_writer *w, ns_err *err)
{
    ns_rc rc = ix_wpart_term_end(w->own, err);
    if (!rc && ix_wpart_bytes(w->own) >= IX_WPART_FLUSH)
        rc = ix_writer_append(w, w->own, err);
    return rc;
}

ns_rc ix_writer_finish(ix_writer *w, const char *lang, uint32_t stop_list, uint32_t analyzer_flags,
                       uint64_t identity,
                       uint64_t docstore_size, uint64_t docs_size, ix_writer_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    ns_rc rc0 = ix_writer_append(w, w->own, err);
    if (rc0)
        return rc0;
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
    for (uint32_t d = 0; d < w->n_docs;) { /* then the titles' lengths */
        size_t k = 0;
        for (; k < sizeof chunk / 2 && d < w->n_docs; k++, d++)
            ns_put_u16le(chunk + 2 * k, w->tables.title_lens[d]);
        ix_file_write(&f, chunk, 2 * k);
    }
    rc = ix_file_finish(&f, &st->bytes[NS_FILE_DOCLENS], err);
    if (rc)
        return rc;

    st->bytes[NS_FILE_DOCSTORE] = docstore_size;
    st->bytes[NS_FILE_DOCS] = docs_size;
    size_t kw_len = 4 + w->tables.kw_list_len; /* FORMAT.md "meta": after the fixed fields */
    st->bytes[NS_FILE_META] = NS_HEADER_LEN + NS_META_PAYLOAD_LEN + kw_len + NS_FOOTER_LEN;
    uint8_t m[NS_META_PAYLOAD_LEN];
    memset(m, 0, sizeof m);
    ns_put_u64le(m + NS_META_OFF_N_DOCS, w->n_docs);
    ns_put_u64le(m + NS_META_OFF_N_TERMS, w->n_terms);
    ns_put_u64le(m + NS_META_OFF_N_POSTINGS, w->n_postings);
    ns_put_u64le(m + NS_META_OFF_TOTAL_TOKENS, w->total_tokens);
    ns_put_u64le(m + NS_META_OFF_N_LIVE, w->n_live);
    ns_put_u32le(m + NS_META_OFF_TOKENIZER, NS_TOKENIZER_VERSION);
    ns_put_u32le(m + NS_META_OFF_STOP_LIST, stop_list);
    ns_put_u32le(m + NS_META_OFF_ANALYZER, analyzer_flags);
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
    uint8_t nkw[4];
    ns_put_u32le(nkw, w->tables.n_kw);
    ix_file_write(&f, nkw, sizeof nkw);
    if (w->tables.kw_list_len)
        ix_file_write(&f, w->tables.kw_list, w->tables.kw_list_len);
    rc = ix_file_finish(&f, NULL, err);
    st->n_terms = w->n_terms;
    st->n_postings = w->n_postings;
    st->n_live = w->n_live;
    st->total_tokens = w->total_tokens;
    return rc;
}
