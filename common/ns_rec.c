/* ns_rec: the typed records of the index files (see ns_rec.h); the only
 * place that knows their field offsets. */
#include "ns_rec.h"

#include <string.h>
#include <xxhash.h>

#include "ns_endian.h"

void ns_meta_put(uint8_t out[NS_META_REC_LEN], const ns_meta *m)
{
    memset(out, 0, NS_META_REC_LEN);
    ns_put_u64le(out + NS_META_OFF_N_DOCS, m->n_docs);
    ns_put_u64le(out + NS_META_OFF_N_TERMS, m->n_terms);
    ns_put_u64le(out + NS_META_OFF_N_POSTINGS, m->n_postings);
    ns_put_u64le(out + NS_META_OFF_TOTAL_TOKENS, m->total_tokens);
    ns_put_u64le(out + NS_META_OFF_N_LIVE, m->n_live);
    ns_put_u32le(out + NS_META_OFF_TOKENIZER, m->tokenizer);
    ns_put_u32le(out + NS_META_OFF_STOP_LIST, m->stop_list);
    ns_put_u64le(out + NS_META_OFF_IDENTITY, m->identity);
    memcpy(out + NS_META_OFF_LANG, m->lang, strnlen(m->lang, NS_META_LANG_LEN - 1));
    ns_put_f64le(out + NS_META_OFF_K1, m->k1);
    ns_put_f64le(out + NS_META_OFF_B, m->b);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        ns_put_u64le(out + NS_META_OFF_SIZES + 8 * (k - 1), m->file_size[k]);
    ns_put_u32le(out + NS_META_OFF_ANALYZER, m->analyzer);
    ns_put_u32le(out + NS_META_OFF_KW_FIELDS, m->n_kw);
}

void ns_meta_get(const uint8_t in[NS_META_REC_LEN], ns_meta *m)
{
    memset(m, 0, sizeof *m);
    m->n_docs = ns_get_u64le(in + NS_META_OFF_N_DOCS);
    m->n_terms = ns_get_u64le(in + NS_META_OFF_N_TERMS);
    m->n_postings = ns_get_u64le(in + NS_META_OFF_N_POSTINGS);
    m->total_tokens = ns_get_u64le(in + NS_META_OFF_TOTAL_TOKENS);
    m->n_live = ns_get_u64le(in + NS_META_OFF_N_LIVE);
    m->tokenizer = ns_get_u32le(in + NS_META_OFF_TOKENIZER);
    m->stop_list = ns_get_u32le(in + NS_META_OFF_STOP_LIST);
    m->identity = ns_get_u64le(in + NS_META_OFF_IDENTITY);
    memcpy(m->lang, in + NS_META_OFF_LANG, NS_META_LANG_LEN);
    m->lang[NS_META_LANG_LEN] = 0;
    m->k1 = ns_get_f64le(in + NS_META_OFF_K1);
    m->b = ns_get_f64le(in + NS_META_OFF_B);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++)
        m->file_size[k] = ns_get_u64le(in + NS_META_OFF_SIZES + 8 * (k - 1));
    m->analyzer = ns_get_u32le(in + NS_META_OFF_ANALYZER);
    m->n_kw = ns_get_u32le(in + NS_META_OFF_KW_FIELDS);
}

void ns_dict_trailer_put(uint8_t out[NS_DICT_TRAILER_LEN], const ns_dict_trailer *t)
{
    ns_put_u64le(out, t->n_terms);
    ns_put_u64le(out + 8, t->n_blocks);
    ns_put_u64le(out + 16, t->index_off);
}

void ns_dict_trailer_get(const uint8_t in[NS_DICT_TRAILER_LEN], ns_dict_trailer *t)
{
    t->n_terms = ns_get_u64le(in);
    t->n_blocks = ns_get_u64le(in + 8);
    t->index_off = ns_get_u64le(in + 16);
}

void ns_dict_index_put(uint8_t out[NS_DICT_INDEX_ENTRY], const ns_dict_index_entry *e)
{
    ns_put_u64le(out, e->block_off);
    ns_put_u64le(out + 8, e->post_off);
    ns_put_u64le(out + 16, e->pos_off);
}

void ns_dict_index_get(const uint8_t in[NS_DICT_INDEX_ENTRY], ns_dict_index_entry *e)
{
    e->block_off = ns_get_u64le(in);
    e->post_off = ns_get_u64le(in + 8);
    e->pos_off = ns_get_u64le(in + 16);
}

size_t ns_dict_entry_put(uint8_t *out, const ns_dict_entry *e)
{
    uint8_t *o = out;
    o += ns_varint_put(o, e->shared);
    o += ns_varint_put(o, e->suffix_len);
    memcpy(o, e->suffix, e->suffix_len);
    o += e->suffix_len;
    o += ns_varint_put(o, e->df);
    o += ns_varint_put(o, e->cf - e->df);
    o += ns_varint_put(o, e->post_len);
    o += ns_varint_put(o, e->pos_len);
    /* the best posting, when df > 1 (else it is the only one: tf = cf,
     * its length in doclens) */
    if (e->df > 1) {
        o += ns_varint_put(o, e->best_tf - 1);
        o += ns_varint_put(o, e->best_len);
    }
    return (size_t)(o - out);
}

int ns_dict_stats_get(const uint8_t **pp, const uint8_t *end, ns_dict_entry *e)
{
    const uint8_t *p = *pp;
    uint64_t df, cfx, post_len, pos_len, btfx, blen;
    if (ns_varint_get(&p, end, &df) || ns_varint_get(&p, end, &cfx) ||
        ns_varint_get(&p, end, &post_len) || ns_varint_get(&p, end, &pos_len))
        return -1;
    /* the best posting (df = 1: the only one, tf = cf, length not here) */
    btfx = cfx;
    blen = 0;
    if (df > 1 && (ns_varint_get(&p, end, &btfx) || ns_varint_get(&p, end, &blen)))
        return -1;
    if (btfx >= UINT32_MAX || blen > UINT32_MAX || df == 0 || cfx > UINT64_MAX - df)
        return -1;
    e->df = df;
    e->cf = df + cfx;
    e->post_len = post_len;
    e->pos_len = pos_len;
    e->best_tf = (uint32_t)btfx + 1;
    e->best_len = (uint32_t)blen;
    *pp = p;
    return 0;
}

int ns_dict_stats_skip(const uint8_t **pp, const uint8_t *end, uint64_t *post_len,
                       uint64_t *pos_len)
{
    const uint8_t *p = *pp;
    bool df1 = p < end && *p == 1; /* df = 1: no best posting (one-byte varint) */
    if (ns_varint_skip(&p, end, 2) || ns_varint_get(&p, end, post_len) ||
        ns_varint_get(&p, end, pos_len) || ns_varint_skip(&p, end, df1 ? 0 : 2))
        return -1;
    *pp = p;
    return 0;
}

int ns_dict_entry_get(const uint8_t **p, const uint8_t *end, size_t prev_len, ns_dict_entry *e)
{
    return ns_dict_key_get(p, end, prev_len, e) || ns_dict_stats_get(p, end, e) ? -1 : 0;
}

/* 0 when in[from..len) is all zero. */
static int zero_from(const uint8_t *in, size_t from, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = from; i < len; i++)
        acc |= in[i];
    return acc ? -1 : 0;
}

void ns_docs_trailer_put(uint8_t out[NS_DOCS_TRAILER_LEN], const ns_docs_trailer *t)
{
    memset(out, 0, NS_DOCS_TRAILER_LEN);
    ns_put_u64le(out, t->n_docs);
    ns_put_u64le(out + 8, t->n_fields);
    ns_put_u64le(out + 16, t->names_off);
    ns_put_u64le(out + 24, t->offsets_off);
    ns_put_u64le(out + 32, t->ids_off);
    out[40] = (uint8_t)t->width;
}

int ns_docs_trailer_get(const uint8_t in[NS_DOCS_TRAILER_LEN], ns_docs_trailer *t)
{
    t->n_docs = ns_get_u64le(in);
    t->n_fields = ns_get_u64le(in + 8);
    t->names_off = ns_get_u64le(in + 16);
    t->offsets_off = ns_get_u64le(in + 24);
    t->ids_off = ns_get_u64le(in + 32);
    t->width = in[40];
    return zero_from(in, 41, NS_DOCS_TRAILER_LEN);
}

void ns_docstore_trailer_put(uint8_t out[NS_DOCSTORE_TRAILER_LEN], const ns_docstore_trailer *t)
{
    memset(out, 0, NS_DOCSTORE_TRAILER_LEN);
    ns_put_u64le(out, t->n_docs);
    ns_put_u64le(out + 8, t->dict_len);
    ns_put_u64le(out + 16, t->offsets_off);
    out[24] = (uint8_t)t->width;
}

int ns_docstore_trailer_get(const uint8_t in[NS_DOCSTORE_TRAILER_LEN], ns_docstore_trailer *t)
{
    t->n_docs = ns_get_u64le(in);
    t->dict_len = ns_get_u64le(in + 8);
    t->offsets_off = ns_get_u64le(in + 16);
    t->width = in[24];
    return zero_from(in, 25, NS_DOCSTORE_TRAILER_LEN);
}

size_t ns_field_name_put(uint8_t *out, const char *name, size_t len)
{
    size_t n = ns_varint_put(out, len);
    memcpy(out + n, name, len);
    return n + len;
}

int ns_field_name_get(const uint8_t **pp, const uint8_t *end, const char **name, size_t *len)
{
    const uint8_t *p = *pp;
    uint64_t l;
    if (ns_varint_get(&p, end, &l) || l == 0 || l > NS_MAX_FIELD_NAME || l > (uint64_t)(end - p))
        return -1;
    *name = (const char *)p;
    *len = (size_t)l;
    *pp = p + l;
    return 0;
}

/* Bytes needed for v: 1..4. */
static unsigned width_of(uint32_t v)
{
    return v < (1u << 8) ? 1 : v < (1u << 16) ? 2 : v < (1u << 24) ? 3 : 4;
}

static uint8_t *put_field(uint8_t *o, uint32_t v, unsigned w)
{
    for (unsigned k = 0; k < w; k++)
        *o++ = (uint8_t)(v >> (8 * k));
    return o;
}

size_t ns_skip_table_put(const ns_skip_entry *e, size_t n, uint8_t *out)
{
    uint32_t ml = 0, mt = 0, mn = 0, mp = 0;
    for (size_t b = 0; b < n; b++) {
        ml = e[b].last_doc > ml ? e[b].last_doc : ml;
        mt = e[b].bound_tf - 1 > mt ? e[b].bound_tf - 1 : mt;
        mn = e[b].bound_len > mn ? e[b].bound_len : mn;
        mp = e[b].pos_off > mp ? e[b].pos_off : mp;
    }
    unsigned wl = width_of(ml), wt = width_of(mt), wn = width_of(mn), wp = width_of(mp);
    uint8_t *o = out;
    *o++ = (uint8_t)((wl - 1) | (wt - 1) << 2 | (wn - 1) << 4 | (wp - 1) << 6);
    for (size_t b = 0; b < n; b++) {
        o = put_field(o, e[b].last_doc, wl);
        o = put_field(o, e[b].bound_tf - 1, wt);
        o = put_field(o, e[b].bound_len, wn);
        *o++ = (uint8_t)e[b].doc_bits;
        *o++ = (uint8_t)e[b].tf_bits;
        *o++ = (uint8_t)e[b].tf_exc;
        o = put_field(o, e[b].pos_off, wp);
        *o++ = (uint8_t)e[b].pos_upto;
    }
    return (size_t)(o - out);
}

int ns_skip_open(ns_skip *s, const uint8_t *p, const uint8_t *end, uint32_t df, bool *has_skip,
                 const uint8_t **blocks)
{
    s->n_blocks = (df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    s->n_full = df / NS_BLOCK_LEN;
    *has_skip = s->n_full > 0;
    *blocks = p;
    if (!*has_skip)
        return 0;
    if (p >= end)
        return -1;
    unsigned w = *p++;
    s->wl = (uint8_t)((w & 3) + 1);
    s->wt = (uint8_t)((w >> 2 & 3) + 1);
    s->wn = (uint8_t)((w >> 4 & 3) + 1);
    s->wp = (uint8_t)((w >> 6 & 3) + 1);
    /* last_doc, bound_tf - 1, bound_len, doc_bits, tf_bits, tf_exc,
     * pos_off, pos_upto: the three fields read most are followed by at
     * least 3 bytes (ns_skip_field4) */
    s->o_tf = s->wl;
    s->o_len = (uint8_t)(s->o_tf + s->wt);
    s->o_bits = (uint8_t)(s->o_len + s->wn);
    s->o_pos = (uint8_t)(s->o_bits + 3);
    s->es = (uint32_t)s->wl + s->wt + s->wn + s->wp + NS_SKIP_FIXED_BYTES;
    if ((uint64_t)s->n_blocks * s->es > (uint64_t)(end - p))
        return -1;
    s->e = p;
    *blocks = p + (size_t)s->n_blocks * s->es;
    return 0;
}

void ns_skip_get(const ns_skip *s, uint32_t b, ns_skip_entry *out)
{
    out->last_doc = ns_skip_last(s, b);
    out->bound_tf = ns_skip_bound_tf(s, b);
    out->bound_len = ns_skip_bound_len(s, b);
    out->doc_bits = ns_skip_doc_bits(s, b);
    out->tf_bits = ns_skip_tf_bits(s, b);
    out->tf_exc = ns_skip_tf_exc(s, b);
    out->pos_off = ns_skip_pos_off(s, b);
    out->pos_upto = ns_skip_pos_upto(s, b);
}

size_t ns_chunk_put(const uint32_t *v, uint8_t *out)
{
    size_t exc;
    unsigned bits = ns_block_pfor_bits(v, NS_BLOCK_LEN, &exc);
    uint8_t *o = out;
    *o++ = (uint8_t)(bits | (exc ? NS_CHUNK_EXC : 0));
    ns_block_pack(v, bits, o);
    o += ns_block_bytes(bits);
    if (exc)
        o += ns_block_pfor_put(v, NS_BLOCK_LEN, bits, o);
    return (size_t)(o - out);
}

int ns_chunk_get(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return -1;
    unsigned bits = *p & ~NS_CHUNK_EXC;
    bool exc = *p & NS_CHUNK_EXC;
    if (bits > 32 || (size_t)(end - p - 1) < ns_block_bytes(bits))
        return -1;
    ns_block_unpack(p + 1, bits, out);
    p += 1 + ns_block_bytes(bits);
    if (exc && ns_block_pfor_patch(&p, end, NS_BLOCK_LEN, bits, out))
        return -1;
    *pp = p;
    return 0;
}

/* The bytes of the exception list at p (before end), or -1. */
static int64_t exc_len(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *s = p;
    if (p >= end)
        return -1;
    unsigned n = *p++;
    for (unsigned i = 0; i < n; i++) {
        if (p >= end)
            return -1;
        p++;
        if (ns_varint_skip(&p, end, 1))
            return -1;
    }
    return p - s;
}

int64_t ns_chunk_len(const uint8_t *c, const uint8_t *end)
{
    if (c >= end)
        return -1;
    unsigned bits = *c & ~NS_CHUNK_EXC;
    if (bits > 32 || (uint64_t)(end - c - 1) < ns_block_bytes(bits))
        return -1;
    int64_t l = 1 + (int64_t)ns_block_bytes(bits);
    if (*c & NS_CHUNK_EXC) {
        int64_t x = exc_len(c + l, end);
        if (x < 0)
            return -1;
        l += x;
    }
    return l;
}

size_t ns_run_put(const uint32_t *v, size_t n, size_t packed_min, uint8_t *out)
{
    uint8_t *o = out;
    size_t vb = 0, exc = 0;
    for (size_t i = 0; i < n; i++)
        vb += ns_varint_len(v[i]);
    unsigned bits = n >= packed_min ? ns_block_pfor_bits(v, n, &exc) : 0;
    bool packed = n >= packed_min && (n * bits + 7) / 8 + exc < vb;
    if (n >= packed_min)
        *o++ = packed ? (uint8_t)(bits | (exc ? NS_CHUNK_EXC : 0)) : NS_TAIL_VARINT;
    if (packed) {
        o += ns_bits_pack(v, n, bits, o);
        if (exc)
            o += ns_block_pfor_put(v, n, bits, o);
    } else {
        for (size_t i = 0; i < n; i++)
            o += ns_varint_put(o, v[i]);
    }
    return (size_t)(o - out);
}

int ns_run_get(const uint8_t **pp, const uint8_t *end, size_t n, size_t packed_min, uint32_t *out)
{
    const uint8_t *p = *pp;
    if (n >= packed_min) {
        if (p >= end)
            return -1;
        unsigned h = *p++, bits = h & ~NS_CHUNK_EXC;
        if (h != NS_TAIL_VARINT) {
            if (bits > 32 || (size_t)(end - p) < (n * bits + 7) / 8)
                return -1;
            p += ns_bits_unpack(p, n, bits, out);
            if ((h & NS_CHUNK_EXC) && ns_block_pfor_patch(&p, end, n, bits, out))
                return -1;
            *pp = p;
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (ns_varint_get32(&p, end, &out[i]))
            return -1;
    *pp = p;
    return 0;
}

/* ---- shard and global ---------------------------------------------------- */

uint32_t ns_shard_of(const char *id, size_t len, uint32_t n_shards)
{
    return n_shards ? (uint32_t)(XXH64(id, len, 0) % n_shards) : 0;
}

void ns_shard_head_put(uint8_t out[NS_SHARD_HEAD_LEN], const ns_shard_head *h)
{
    memset(out, 0, NS_SHARD_HEAD_LEN);
    ns_put_u32le(out, h->shard);
    ns_put_u32le(out + 4, h->n_shards);
    ns_put_u32le(out + 8, h->rule);
    ns_put_u64le(out + 16, h->n_input);
    ns_put_u64le(out + 24, h->n_docs);
    ns_put_u64le(out + 32, h->n_live);
    ns_put_u64le(out + 40, h->total_tokens);
    ns_put_u64le(out + 48, h->n_terms);
    ns_put_u64le(out + 56, h->identity);
    ns_put_u64le(out + 64, h->stats_off);
    ns_put_u64le(out + 72, h->stats_len);
    ns_put_u64le(out + 80, h->input_hash);
}

int ns_shard_head_get(const uint8_t in[NS_SHARD_HEAD_LEN], ns_shard_head *h)
{
    h->shard = ns_get_u32le(in);
    h->n_shards = ns_get_u32le(in + 4);
    h->rule = ns_get_u32le(in + 8);
    h->n_input = ns_get_u64le(in + 16);
    h->n_docs = ns_get_u64le(in + 24);
    h->n_live = ns_get_u64le(in + 32);
    h->total_tokens = ns_get_u64le(in + 40);
    h->n_terms = ns_get_u64le(in + 48);
    h->identity = ns_get_u64le(in + 56);
    h->stats_off = ns_get_u64le(in + 64);
    h->stats_len = ns_get_u64le(in + 72);
    h->input_hash = ns_get_u64le(in + 80);
    return ns_get_u32le(in + 12) ? -1 : 0;
}

size_t ns_stats_entry_put(uint8_t *out, size_t shared, const uint8_t *suffix, size_t suffix_len,
                          uint64_t df)
{
    uint8_t *o = out;
    o += ns_varint_put(o, shared);
    o += ns_varint_put(o, suffix_len);
    memcpy(o, suffix, suffix_len);
    o += suffix_len;
    o += ns_varint_put(o, df);
    return (size_t)(o - out);
}

int ns_stats_entry_get(const uint8_t **pp, const uint8_t *end, char *term, size_t *term_len,
                       uint64_t *df)
{
    const uint8_t *p = *pp;
    uint64_t shared, suffix;
    if (ns_varint_get(&p, end, &shared) || ns_varint_get(&p, end, &suffix) || shared > *term_len ||
        suffix == 0 || suffix > NS_TERM_KEY_MAX - shared || suffix > (uint64_t)(end - p))
        return -1;
    memcpy(term + shared, p, suffix);
    p += suffix;
    if (ns_varint_get(&p, end, df) || *df == 0)
        return -1;
    *term_len = shared + suffix;
    *pp = p;
    return 0;
}

void ns_global_head_put(uint8_t out[NS_GLOBAL_HEAD_LEN], const ns_global_head *h)
{
    memset(out, 0, NS_GLOBAL_HEAD_LEN);
    ns_put_u64le(out, h->set_id);
    ns_put_u32le(out + 8, h->n_shards);
    ns_put_u64le(out + 16, h->n_input);
    ns_put_u64le(out + 24, h->n_live);
    ns_put_u64le(out + 32, h->total_tokens);
    ns_put_u64le(out + 40, h->n_terms);
    ns_put_u64le(out + 48, h->n_local);
}

int ns_global_head_get(const uint8_t in[NS_GLOBAL_HEAD_LEN], ns_global_head *h)
{
    h->set_id = ns_get_u64le(in);
    h->n_shards = ns_get_u32le(in + 8);
    h->n_input = ns_get_u64le(in + 16);
    h->n_live = ns_get_u64le(in + 24);
    h->total_tokens = ns_get_u64le(in + 32);
    h->n_terms = ns_get_u64le(in + 40);
    h->n_local = ns_get_u64le(in + 48);
    return ns_get_u32le(in + 12) || ns_get_u64le(in + 56) ? -1 : 0;
}
