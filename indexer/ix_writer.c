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
#include "ns_rec.h"
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
    ns_buf skips; /* the term's skip entries, ns_skip_entry each */
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
    w->avgdl = t->bounds_avgdl > 0        ? t->bounds_avgdl
               : w->n_live                ? (double)w->total_tokens / (double)w->n_live
                                          : 1.0;
    ns_rc rc = ix_wpart_new(w, &w->own);
    if (rc) {
        ix_writer_free(w);
        return ns_err_set(err, rc, "out of memory");
    }
    rc = ix_file_open(&w->terms, dir, NS_FILE_TERMS, err);
    if (!rc)
        rc = ix_file_open(&w->postings, dir, NS_FILE_POSTINGS, err);
    if (!rc)
        rc = ix_file_open(&w->positions, dir, NS_FILE_POSITIONS, err);
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

/* Appends n values: a positions chunk when n == 128, else a positions
 * tail (FORMAT.md "positions"). */
static ns_rc put_chunk(ns_buf *b, const uint32_t *v, size_t n)
{
    ns_rc rc = ns_buf_reserve(b, n == NS_BLOCK_LEN ? NS_CHUNK_BOUND : NS_RUN_BOUND(n));
    if (rc)
        return rc;
    b->len += n == NS_BLOCK_LEN ? ns_chunk_put(v, b->data + b->len)
                                : ns_run_put(v, n, NS_POS_TAIL_PACKED, b->data + b->len);
    return NS_OK;
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
    /* the skip entry, written with the term's widths at its end */
    ns_skip_entry e = {p->bdocs[n - 1], bound_tf, bound_len, bd, bt, (uint32_t)texc,
                       (uint32_t)p->block_pfp, p->block_upto};
    if (p->block_pfp > UINT32_MAX)
        return ns_err_set(err, NS_E_ARG, "term has more than 4 GiB of positions");
    ns_rc rc = ns_buf_append(&p->skips, &e, sizeof e);
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
        rc = ns_buf_reserve(&p->tpost,
                            NS_RUN_BOUND(n) + (n + 7) / 8 + (size_t)n * NS_VARINT_MAX_BYTES);
        if (!rc) {
            uint8_t *o = p->tpost.data + p->tpost.len, *o0 = o;
            o += ns_run_put(gaps, n, NS_POST_TAIL_PACKED, o);
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

/* Appends the term's skip table (FORMAT.md "postings"). */
static ns_rc put_skips(ix_wpart *p)
{
    size_t n = p->skips.len / sizeof(ns_skip_entry);
    ns_rc rc = ns_buf_reserve(&p->post, NS_SKIP_TABLE_BOUND(n));
    if (rc)
        return rc;
    p->post.len += ns_skip_table_put((const ns_skip_entry *)(const void *)p->skips.data, n,
                                     p->post.data + p->post.len);
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
        size_t shared = 0, common = 0;
        if (w->n_terms + i > 0) {
            size_t m = key_len < w->prev_len ? key_len : w->prev_len;
            while (common < m && key[common] == w->prev_key[common])
                common++;
        }
        if (w->tables.term_stats) {
            ns_buf *sb = w->tables.term_stats;
            if (ns_buf_reserve(sb, NS_STATS_ENTRY_BOUND))
                return ns_err_set(err, NS_E_NOMEM, "out of memory");
            sb->len += ns_stats_entry_put(sb->data + sb->len, common,
                                          (const uint8_t *)key + common, key_len - common, t->df);
        }
        if (w->in_block) {
            shared = common;
        } else {
            uint8_t e[NS_DICT_INDEX_ENTRY];
            ns_dict_index_put(e, &(ns_dict_index_entry){ix_file_off(&w->terms), post_off, pos_off});
            if (ns_buf_append(&w->dindex, e, sizeof e))
                return ns_err_set(err, NS_E_NOMEM, "out of memory");
            w->n_blocks++;
        }
        ns_dict_entry de = {.shared = shared,
                            .suffix_len = key_len - shared,
                            .suffix = (const uint8_t *)key + shared,
                            .df = t->df,
                            .cf = t->cf,
                            .post_len = t->post_len,
                            .pos_len = t->pos_len,
                            .best_tf = t->bound_tf,
                            .best_len = t->bound_len};
        if (ns_buf_reserve(&w->dblock, NS_DICT_ENTRY_BOUND))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        w->dblock.len += ns_dict_entry_put(w->dblock.data + w->dblock.len, &de);
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
    ns_dict_trailer_put(tr, &(ns_dict_trailer){w->n_terms, w->n_blocks, index_off});
    ix_file_write(&w->terms, tr, sizeof tr);
    ns_rc rc = ix_file_finish(&w->terms, &st->bytes[NS_FILE_TERMS], err);
    if (!rc)
        rc = ix_file_finish(&w->postings, &st->bytes[NS_FILE_POSTINGS], err);
    if (!rc)
        rc = ix_file_finish(&w->positions, &st->bytes[NS_FILE_POSITIONS], err);
    if (rc)
        return rc;

    ix_file f;
    rc = ix_file_open(&f, w->dir, NS_FILE_DOCLENS, err);
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
    /* FORMAT.md "meta": the fixed fields and n_kw, then the names */
    st->bytes[NS_FILE_META] =
        NS_HEADER_LEN + NS_META_REC_LEN + w->tables.kw_list_len + NS_FOOTER_LEN;
    size_t ll = strlen(lang);
    if (ll >= NS_META_LANG_LEN)
        return ns_err_set(err, NS_E_ARG, "language name too long: '%s'", lang);
    ns_meta meta = {.n_docs = w->n_docs,
                    .n_terms = w->n_terms,
                    .n_postings = w->n_postings,
                    .total_tokens = w->total_tokens,
                    .n_live = w->n_live,
                    .tokenizer = NS_TOKENIZER_VERSION,
                    .stop_list = stop_list,
                    .identity = identity,
                    .k1 = NS_BM25_K1,
                    .b = NS_BM25_B,
                    .analyzer = analyzer_flags,
                    .n_kw = w->tables.n_kw};
    memcpy(meta.lang, lang, ll + 1);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        meta.file_size[k] = st->bytes[k];
    uint8_t m[NS_META_REC_LEN];
    ns_meta_put(m, &meta);
    rc = ix_file_open(&f, w->dir, NS_FILE_META, err);
    if (rc)
        return rc;
    ix_file_write(&f, m, sizeof m);
    if (w->tables.kw_list_len)
        ix_file_write(&f, w->tables.kw_list, w->tables.kw_list_len);
    rc = ix_file_finish(&f, NULL, err);
    st->n_terms = w->n_terms;
    st->n_postings = w->n_postings;
    st->n_live = w->n_live;
    st->total_tokens = w->total_tokens;
    return rc;
}
