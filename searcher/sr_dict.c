/* sr_dict: term dictionary lookup and walk over the mmapped 'terms' file:
 * binary search over the block index by each block's first term, then a
 * scan of at most NS_DICT_BLOCK_TERMS front-coded entries (FORMAT.md
 * "terms").  Every varint and length is checked against the block end. */
#include <string.h>

#include "ns_rec.h"
#include "sr_index.h"

static ns_rc dict_corrupt(const sr_index *ix, ns_err *err, const char *what, uint64_t block)
{
    return ns_err_set(err, NS_E_CORRUPT, "'%s/terms' is corrupt: %s in block %llu", ix->dir, what,
                      (unsigned long long)block);
}

/* Byte range of dictionary block b. */
static int block_range(const sr_index *ix, uint64_t b, const uint8_t **start, const uint8_t **end,
                       uint64_t *post_off, uint64_t *pos_off)
{
    ns_dict_index_entry e, next;
    ns_dict_index_get(ix->dict_index + b * NS_DICT_INDEX_ENTRY, &e);
    uint64_t s = e.block_off, z = ix->dict_index_off;
    if (b + 1 < ix->n_dict_blocks) {
        ns_dict_index_get(ix->dict_index + (b + 1) * NS_DICT_INDEX_ENTRY, &next);
        z = next.block_off;
    }
    if (s > z || z > ix->dict_index_off)
        return -1;
    *start = ix->f[NS_FILE_TERMS].payload + s;
    *end = ix->f[NS_FILE_TERMS].payload + z;
    *post_off = e.post_off;
    *pos_off = e.pos_off;
    return 0;
}

/* Decodes an entry's term; term[0..*term_len) holds the previous term on
 * entry. */
static int entry_key(const uint8_t **pp, const uint8_t *end, char *term, size_t *term_len)
{
    ns_dict_entry e;
    if (ns_dict_key_get(pp, end, *term_len, &e))
        return -1;
    memcpy(term + e.shared, e.suffix, e.suffix_len);
    *term_len = e.shared + e.suffix_len;
    term[*term_len] = 0;
    return 0;
}

/* Decodes the rest of an entry (after its term). */
static int entry_info(const sr_index *ix, const uint8_t **pp, const uint8_t *end, uint64_t ord,
                      sr_term_info *info, uint64_t *post_off, uint64_t *pos_off)
{
    const uint8_t *p = *pp;
    ns_dict_entry e;
    if (ns_dict_stats_get(&p, end, &e) || e.df > ix->n_docs)
        return -1;
    const uint64_t plen = ix->f[NS_FILE_POSTINGS].payload_len, qlen = ix->f[NS_FILE_POSITIONS].payload_len;
    if (*post_off > plen || e.post_len > plen - *post_off || *pos_off > qlen ||
        e.pos_len > qlen - *pos_off)
        return -1;
    info->df = (uint32_t)e.df;
    info->gdf = info->df;
    if (ix->gdf) { /* a merged shard: the set's df (FORMAT.md "global") */
        if (ord >= ix->n_terms)
            return -1;
        const uint8_t *g = ix->gdf + 4 * ord;
        uint32_t v = (uint32_t)g[0] | ((uint32_t)g[1] << 8) | ((uint32_t)g[2] << 16) |
                     ((uint32_t)g[3] << 24);
        if (v < info->df || v > ix->set_live)
            return -1;
        info->gdf = v;
    }
    info->cf = e.cf;
    info->post_off = *post_off;
    info->post_len = e.post_len;
    info->pos_off = *pos_off;
    info->pos_len = e.pos_len;
    info->bound_tf = e.best_tf;
    info->bound_len = e.best_len;
    *post_off += e.post_len;
    *pos_off += e.pos_len;
    *pp = p;
    return 0;
}

/* Passes over the rest of an entry, adding its lengths to the offsets
 * (a lookup's scan: only the matching entry is decoded in full). */
static int entry_skip(const sr_index *ix, const uint8_t **pp, const uint8_t *end,
                      uint64_t *post_off, uint64_t *pos_off)
{
    const uint8_t *p = *pp;
    uint64_t post_len, pos_len;
    if (ns_dict_stats_skip(&p, end, &post_len, &pos_len))
        return -1;
    const uint64_t plen = ix->f[NS_FILE_POSTINGS].payload_len, qlen = ix->f[NS_FILE_POSITIONS].payload_len;
    if (post_len > plen || pos_len > qlen)
        return -1;
    *post_off += post_len;
    *pos_off += pos_len;
    *pp = p;
    return 0;
}

/* Decodes one entry. */
static int entry_next(const sr_index *ix, const uint8_t **pp, const uint8_t *end, uint64_t ord,
                      char *term, size_t *term_len, sr_term_info *info, uint64_t *post_off,
                      uint64_t *pos_off)
{
    return entry_key(pp, end, term, term_len) ||
           entry_info(ix, pp, end, ord, info, post_off, pos_off) ? -1 : 0;
}

static int cmp_term(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = memcmp(a, b, n);
    if (c)
        return c;
    return (al > bl) - (al < bl);
}

ns_rc sr_index_lookup(const sr_index *ix, const char *q, size_t qlen, bool *found,
                      sr_term_info *info, ns_err *err)
{
    *found = false;
    if (ix->n_dict_blocks == 0 || qlen == 0 || qlen > NS_TERM_KEY_MAX)
        return NS_OK;
    /* largest block whose first term <= q */
    uint64_t lo = 0, hi = ix->n_dict_blocks; /* answer in [lo, hi) once lo's first <= q */
    const uint8_t *s, *e;
    uint64_t po, qo;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (block_range(ix, mid, &s, &e, &po, &qo))
            return dict_corrupt(ix, err, "bad block offset", mid);
        ns_dict_entry first;
        if (ns_dict_key_get(&s, e, 0, &first))
            return dict_corrupt(ix, err, "bad first term", mid);
        if (cmp_term((const char *)first.suffix, first.suffix_len, q, qlen) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    if (block_range(ix, lo, &s, &e, &po, &qo))
        return dict_corrupt(ix, err, "bad block offset", lo);
    /* Front-coded scan without rebuilding terms: every term passed is < q,
     * and m is the length of the current term's common prefix with q.  A
     * term sharing more than m bytes with its predecessor is < q as well;
     * one sharing fewer is > q (its byte at `shared` exceeds the
     * predecessor's, which equals q's); only shared == m needs bytes
     * compared, from m on. */
    const uint8_t *qb = (const uint8_t *)q;
    size_t m = 0, tl = 0;
    for (unsigned i = 0; i < NS_DICT_BLOCK_TERMS && s < e; i++) {
        ns_dict_entry key;
        if (ns_dict_key_get(&s, e, tl, &key))
            return dict_corrupt(ix, err, "bad entry", lo);
        const uint8_t *a = key.suffix;
        size_t shared = key.shared, suffix = key.suffix_len;
        tl = shared + suffix;
        if (shared < m)
            break; /* > q */
        if (shared == m) {
            size_t bl = qlen - m, n = suffix < bl ? suffix : bl, k = 0;
            while (k < n && a[k] == qb[m + k])
                k++;
            if (k == suffix && k == bl) {
                if (entry_info(ix, &s, e, lo * NS_DICT_BLOCK_TERMS + i, info, &po, &qo))
                    return dict_corrupt(ix, err, "bad entry", lo);
                *found = true;
                return NS_OK;
            }
            if (k == bl || (k < suffix && a[k] > qb[m + k]))
                break; /* > q */
            m += k;
        }
        if (entry_skip(ix, &s, e, &po, &qo))
            return dict_corrupt(ix, err, "bad entry", lo);
    }
    return NS_OK;
}

void sr_dict_iter_init(sr_dict_iter *it) { memset(it, 0, sizeof *it); }

ns_rc sr_dict_iter_seek(const sr_index *ix, sr_dict_iter *it, const char *q, size_t qlen, ns_err *err)
{
    sr_dict_iter_init(it);
    /* the last block whose first term is < q: every term >= q comes after its start */
    uint64_t lo = 0, hi = ix->n_dict_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2, po, qo;
        const uint8_t *s, *e;
        ns_dict_entry first;
        if (block_range(ix, mid, &s, &e, &po, &qo))
            return dict_corrupt(ix, err, "bad block offset", mid);
        if (ns_dict_key_get(&s, e, 0, &first))
            return dict_corrupt(ix, err, "bad first term", mid);
        if (cmp_term((const char *)first.suffix, first.suffix_len, q, qlen) < 0)
            lo = mid;
        else
            hi = mid;
    }
    it->block = lo;
    it->n_seen = lo * NS_DICT_BLOCK_TERMS;
    return NS_OK;
}

int sr_dict_iter_next(const sr_index *ix, sr_dict_iter *it, sr_term_info *info, ns_err *err)
{
    while (it->p == it->end || it->in_block == NS_DICT_BLOCK_TERMS || !it->p) {
        if (it->p && it->p != it->end) {
            dict_corrupt(ix, err, "trailing bytes", it->block - 1);
            return -1;
        }
        if (it->block >= ix->n_dict_blocks) {
            if (it->n_seen != ix->n_terms) {
                ns_err_set(err, NS_E_CORRUPT, "'%s/terms' holds %llu terms, meta says %llu",
                           ix->dir, (unsigned long long)it->n_seen, (unsigned long long)ix->n_terms);
                return -1;
            }
            return 0;
        }
        if (block_range(ix, it->block, &it->p, &it->end, &it->post_off, &it->pos_off)) {
            dict_corrupt(ix, err, "bad block offset", it->block);
            return -1;
        }
        it->block++;
        it->in_block = 0;
        it->term_len = 0;
        if (it->p == it->end) {
            dict_corrupt(ix, err, "empty block", it->block - 1);
            return -1;
        }
    }
    if (entry_next(ix, &it->p, it->end, (it->block - 1) * NS_DICT_BLOCK_TERMS + it->in_block,
                   it->term, &it->term_len, info, &it->post_off, &it->pos_off)) {
        dict_corrupt(ix, err, "bad entry", it->block - 1);
        return -1;
    }
    it->in_block++;
    it->n_seen++;
    return 1;
}
