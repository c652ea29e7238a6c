/* sr_pos: positions decoding on demand and phrase matching (see sr_pos.h). */
#include "sr_pos.h"

#include <string.h>

#include "ns_alloc.h"
#include "ns_format.h"
#include "ns_rec.h"
#include "ns_varint.h"

void sr_pos_init(sr_pos *p, const sr_index *ix, const sr_term_info *info)
{
    p->base = ix->f[NS_FILE_POSITIONS].payload + info->pos_off;
    p->len = info->pos_len;
    p->cf = info->cf;
    p->tail_off = info->cf < NS_BLOCK_LEN ? 0 : UINT64_MAX;
    p->chunk_off = UINT64_MAX;
    p->next_off = 0;
    p->n_vals = 0;
    p->block = UINT32_MAX;
    p->pi = p->vi = 0;
    p->corrupt = false;
    p->out = NULL;
    p->out_cap = 0;
}

void sr_pos_release(sr_pos *p)
{
    ns_free(p->out);
    p->out = NULL;
    p->out_cap = 0;
}

/* The length of the full chunk at off, or -1. */
static int64_t chunk_len(const sr_pos *p, uint64_t off)
{
    if (off >= p->len)
        return -1;
    return ns_chunk_len(p->base + off, p->base + p->len);
}

/* Finds where the tail starts: after the floor(cf / 128) full chunks. */
static int find_tail(sr_pos *p)
{
    uint64_t off = 0;
    for (uint64_t k = 0; k < p->cf / NS_BLOCK_LEN; k++) {
        int64_t l = chunk_len(p, off);
        if (l < 0)
            return -1;
        off += (uint64_t)l;
    }
    p->tail_off = off;
    return 0;
}

int sr_pos_decode_stream(const uint8_t **pp, const uint8_t *end, uint64_t n, uint32_t *out,
                         uint64_t *coff)
{
    const uint8_t *p = *pp, *start = *pp;
    uint64_t i = 0;
    for (; n - i >= NS_BLOCK_LEN; i += NS_BLOCK_LEN) {
        if (coff)
            coff[i / NS_BLOCK_LEN] = (uint64_t)(p - start);
        if (ns_chunk_get(&p, end, out + i))
            return -1;
    }
    if (coff)
        coff[i / NS_BLOCK_LEN] = (uint64_t)(p - start);
    if (ns_run_get(&p, end, (size_t)(n - i), NS_POS_TAIL_PACKED, out + i))
        return -1;
    *pp = p;
    return 0;
}

/* Decodes the chunk (or the tail) at byte offset off. */
static int load_chunk(sr_pos *p, uint64_t off)
{
    if (p->tail_off == UINT64_MAX && find_tail(p))
        return -1;
    if (off > p->len)
        return -1;
    const uint8_t *s = p->base + off, *end = p->base + p->len;
    if (off == p->tail_off) {
        p->n_vals = (uint32_t)(p->cf % NS_BLOCK_LEN);
        if (ns_run_get(&s, end, p->n_vals, NS_POS_TAIL_PACKED, p->vals))
            return -1;
    } else {
        if (off > p->tail_off || ns_chunk_get(&s, end, p->vals))
            return -1;
        p->n_vals = NS_BLOCK_LEN;
    }
    p->chunk_off = off;
    p->next_off = (uint64_t)(s - p->base);
    return 0;
}

/* Moves the reading point k values on (there are values after them). */
static int skip_values(sr_pos *p, uint64_t k)
{
    uint64_t avail = p->n_vals - p->vi;
    if (k <= avail) {
        p->vi += (uint32_t)k;
        return 0;
    }
    k -= avail;
    uint64_t off = p->next_off;
    /* whole chunks passed over without decoding them */
    while (k >= NS_BLOCK_LEN && off < p->tail_off) {
        int64_t l = chunk_len(p, off);
        if (l < 0)
            return -1;
        off += (uint64_t)l;
        k -= NS_BLOCK_LEN;
    }
    if (load_chunk(p, off) || k >= p->n_vals)
        return -1;
    p->vi = (uint32_t)k;
    return 0;
}

static int fail(sr_pos *p, sr_cursor *c)
{
    p->corrupt = true;
    c->corrupt = true;
    return -1;
}

int sr_pos_get(sr_pos *p, sr_cursor *c, const uint32_t **pos, uint32_t *n)
{
    if (p->corrupt)
        return -1;
    uint32_t b = c->block, i = c->i;
    (void)sr_cursor_freq(c); /* the block's frequencies */
    if (p->block != b || p->pi > i) {
        uint64_t off = 0;
        uint32_t upto = 0;
        if (c->has_skip) {
            off = ns_skip_pos_off(&c->sk, b);
            upto = ns_skip_pos_upto(&c->sk, b);
        }
        if (p->chunk_off != off && load_chunk(p, off))
            return fail(p, c);
        if (upto > p->n_vals)
            return fail(p, c);
        p->vi = upto;
        p->block = b;
        p->pi = 0;
    }
    uint64_t skip = 0;
    for (uint32_t j = p->pi; j < i; j++)
        skip += c->tfs[j];
    if (skip && skip_values(p, skip))
        return fail(p, c);
    uint32_t tf = c->tfs[i];
    if (tf > p->out_cap) {
        size_t nc = p->out_cap ? p->out_cap : 16;
        while (nc < tf)
            nc *= 2;
        uint32_t *o = ns_realloc(p->out, nc * sizeof *o);
        if (!o)
            return -1;
        p->out = o;
        p->out_cap = nc;
    }
    uint64_t at = 0;
    for (uint32_t j = 0; j < tf; j++) {
        if (p->vi == p->n_vals) {
            if (load_chunk(p, p->next_off))
                return fail(p, c);
            p->vi = 0;
            if (p->n_vals == 0)
                return fail(p, c);
        }
        uint64_t v = p->vals[p->vi++];
        at = j ? at + v + 1 : v;
        if (at > UINT32_MAX)
            return fail(p, c);
        p->out[j] = (uint32_t)at;
    }
    p->pi = i + 1;
    *pos = p->out;
    *n = tf;
    return 0;
}

uint32_t sr_phrase_exact(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off,
                         size_t n, uint32_t *at)
{
    /* the rarest word leads; the others are probed in order of position */
    size_t lead = 0;
    for (size_t i = 1; i < n; i++)
        if (npos[i] < npos[lead])
            lead = i;
    uint32_t count = 0;
    memset(at, 0, n * sizeof *at); /* each word's probe index */
    for (uint32_t j = 0; j < npos[lead]; j++) {
        if (pos[lead][j] < off[lead])
            continue;
        uint64_t p0 = (uint64_t)pos[lead][j] - off[lead];
        bool ok = true;
        for (size_t i = 0; i < n && ok; i++) {
            if (i == lead)
                continue;
            uint64_t want = p0 + off[i];
            uint32_t k = at[i];
            while (k < npos[i] && pos[i][k] < want)
                k++;
            at[i] = k;
            ok = k < npos[i] && pos[i][k] == want;
        }
        count += ok;
    }
    return count;
}

double sr_phrase_sloppy(const uint32_t *const *pos, const uint32_t *npos, const uint32_t *off,
                        size_t n, uint32_t slop, int64_t *scratch)
{
    int64_t *cur = scratch, *idx = scratch + n, end = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (npos[i] == 0)
            return 0;
        idx[i] = 0;
        cur[i] = (int64_t)pos[i][0] - off[i];
        if (cur[i] > end)
            end = cur[i];
    }
    double freq = 0;
    for (;;) {
        size_t m = 0;
        for (size_t i = 1; i < n; i++)
            if (cur[i] < cur[m])
                m = i;
        int64_t span = end - cur[m];
        if (span <= (int64_t)slop)
            freq += 1.0 / (double)(span + 1);
        if (++idx[m] == npos[m])
            break;
        cur[m] = (int64_t)pos[m][idx[m]] - off[m];
        if (cur[m] > end)
            end = cur[m];
    }
    return freq;
}
