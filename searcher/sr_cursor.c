/* sr_cursor: posting-list decoding and skipping (see sr_cursor.h). */
#include "sr_cursor.h"

#include <string.h>

#include "ns_varint.h"

int sr_skip_open(sr_skip *s, const uint8_t *p, const uint8_t *end, uint32_t df, uint32_t n_docs,
                 bool *has_skip, const uint8_t **blocks)
{
    memset(s, 0, sizeof *s);
    s->b = UINT32_MAX;
    s->last = UINT32_MAX;
    s->df = df;
    s->n_docs = n_docs;
    s->n_blocks = (df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    s->n_full = df / NS_BLOCK_LEN;
    *has_skip = s->n_full > 0;
    if (!*has_skip) {
        *blocks = p;
        s->blocks_len = (uint64_t)(end - p);
        return 0;
    }
    uint64_t len;
    if (ns_varint_get(&p, end, &len) || len > (uint64_t)(end - p))
        return -1;
    s->p = p;
    s->end = p + len;
    *blocks = s->end;
    s->blocks_len = (uint64_t)(end - s->end);
    return 0;
}

int sr_skip_next(sr_skip *s)
{
    uint32_t b = s->b + 1; /* UINT32_MAX + 1 == 0 */
    if (b >= s->n_blocks)
        return -1;
    const uint8_t *p = s->p, *end = s->end;
    uint64_t gap, btf, blen, pos;
    if (ns_varint_get(&p, end, &gap))
        return -1;
    bool full = b < s->n_full;
    uint32_t n = full ? NS_BLOCK_LEN : s->df - s->n_full * NS_BLOCK_LEN;
    /* last_b = last_{b-1} + n_b + gap, last_{-1} = -1 */
    uint64_t last = (b ? (uint64_t)s->last + 1 : 0) + (n - 1) + gap;
    if (gap >= s->n_docs || last >= s->n_docs)
        return -1;
    unsigned bd = 0, bt = 0;
    if (full) {
        if (end - p < 2 || p[0] > 32 || p[1] > 32)
            return -1;
        bd = p[0];
        bt = p[1];
        p += 2;
    }
    if (ns_varint_get(&p, end, &btf) || ns_varint_get(&p, end, &blen) ||
        ns_varint_get(&p, end, &pos) || btf >= UINT32_MAX || blen > UINT32_MAX)
        return -1;
    uint64_t off = b ? s->next_off : 0;
    uint64_t next = full ? off + ns_block_bytes(bd) + ns_block_bytes(bt) : s->blocks_len;
    if (next > s->blocks_len || (!full && off >= next))
        return -1;
    s->p = p;
    s->b = b;
    s->n = n;
    s->prev_last = s->last;
    s->last = (uint32_t)last;
    s->off = off;
    s->next_off = next;
    s->doc_bits = bd;
    s->tf_bits = bt;
    s->bound_tf = (uint32_t)btf + 1;
    s->bound_len = (uint32_t)blen;
    s->pos_off = (b ? s->pos_off : 0) + (pos >> NS_POS_UPTO_BITS);
    s->pos_upto = (uint32_t)(pos & ((1u << NS_POS_UPTO_BITS) - 1));
    return 0;
}

static void finish(sr_cursor *c, bool corrupt)
{
    c->doc = SR_DOC_END;
    c->n_in_block = 0;
    c->i = 0;
    c->block = c->n_blocks;
    if (corrupt)
        c->corrupt = true;
}

/* Decodes count varint postings (doc gap << 1 | tf == 1, then tf - 2 when
 * tf > 1) from p on, after doc id prev (UINT32_MAX: none).  Returns 0 or -1. */
static int load_tail(sr_cursor *c, const uint8_t *p, uint32_t count, uint32_t prev)
{
    const uint8_t *end = c->end;
    uint64_t start = prev == UINT32_MAX ? 0 : (uint64_t)prev + 1;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t v;
        uint32_t tfx = 0;
        if (ns_varint_get(&p, end, &v) || (!(v & 1) && ns_varint_get32(&p, end, &tfx)) ||
            tfx == UINT32_MAX || tfx == UINT32_MAX - 1)
            return -1;
        uint64_t d = start + (v >> 1);
        if (d >= c->n_docs)
            return -1;
        c->docs[i] = (uint32_t)d;
        c->tfs[i] = v & 1 ? 1 : tfx + 2;
        start = d + 1;
    }
    c->block_end = p;
    return 0;
}

/* Decodes the doc ids of block c->sk.b (or the only block) and positions
 * the cursor on its first. */
static void load_block(sr_cursor *c)
{
    uint32_t count;
    if (!c->has_skip) {
        count = c->df;
        if (load_tail(c, c->blocks, count, UINT32_MAX)) {
            finish(c, true);
            return;
        }
        c->block = 0;
        c->tfs_ready = true;
    } else {
        const sr_skip *s = &c->sk;
        const uint8_t *p = c->blocks + s->off;
        count = s->n;
        if (count < NS_BLOCK_LEN) {
            if (load_tail(c, p, count, s->prev_last)) {
                finish(c, true);
                return;
            }
            c->tfs_ready = true;
        } else {
            /* sr_skip_next checked that the block lies within the term */
            uint32_t base = s->prev_last;
            unsigned bd = s->doc_bits;
            ns_block_unpack_delta(p, bd, base, c->docs);
            /* ids increase unless the 128 gaps can wrap around 2^32 */
            uint64_t start = base == UINT32_MAX ? 0 : (uint64_t)base + 1;
            if (start + ((uint64_t)NS_BLOCK_LEN << bd) > UINT32_MAX) {
                uint32_t prev = c->docs[0];
                if (prev < start) {
                    finish(c, true);
                    return;
                }
                for (unsigned i = 1; i < NS_BLOCK_LEN; i++) {
                    if (c->docs[i] <= prev) {
                        finish(c, true);
                        return;
                    }
                    prev = c->docs[i];
                }
            }
            c->tf_data = p + ns_block_bytes(bd);
            c->tf_bits = s->tf_bits;
            c->block_end = c->blocks + s->next_off;
            c->tfs_ready = false;
        }
        if (c->docs[count - 1] != s->last) {
            finish(c, true);
            return;
        }
        c->block = s->b;
    }
    c->n_decoded += count;
    c->n_in_block = count;
    c->i = 0;
    c->doc = c->docs[0];
}

void sr_cursor_init(sr_cursor *c, const sr_index *ix, const sr_term_info *info, uint32_t qtf,
                    double idf)
{
    c->scale = (double)qtf * idf;
    c->avgdl = ix->avgdl;
    c->max_score = (double)qtf * (double)info->max_score * (1 + SR_UB_SLACK);
    c->sb = 0;
    c->sb_cached = UINT32_MAX;
    c->df = info->df;
    c->n_docs = (uint32_t)ix->n_docs;
    c->n_blocks = (info->df + NS_BLOCK_LEN - 1) / NS_BLOCK_LEN;
    c->base = ix->f[NS_FILE_POSTINGS].payload + info->post_off;
    c->end = c->base + info->post_len;
    c->corrupt = false;
    c->n_decoded = 0;
    c->block_end = NULL;
    if (sr_skip_open(&c->sk, c->base, c->end, c->df, c->n_docs, &c->has_skip, &c->blocks) ||
        (c->has_skip && sr_skip_next(&c->sk))) {
        c->sh = c->sk;
        finish(c, true);
        return;
    }
    c->sh = c->sk;
    load_block(c);
}

/* Moves the decoded block to the next one whose last doc >= target
 * (0: the next one), or ends the list. */
static void advance_block(sr_cursor *c, uint32_t target)
{
    if (!c->has_skip) {
        finish(c, false);
        return;
    }
    do {
        if (c->sk.b + 1 >= c->n_blocks) {
            finish(c, false);
            return;
        }
        if (sr_skip_next(&c->sk)) {
            finish(c, true);
            return;
        }
    } while (c->sk.last < target);
    load_block(c);
}

void sr_cursor_next(sr_cursor *c)
{
    if (++c->i < c->n_in_block) {
        c->doc = c->docs[c->i];
        return;
    }
    advance_block(c, 0);
}

void sr_cursor_next_geq(sr_cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (c->docs[c->n_in_block - 1] < target) {
        advance_block(c, target);
        if (c->doc >= target)
            return;
    }
    /* within the block: the last doc >= target, so this stops in bounds */
    uint32_t i = c->i;
    while (i < c->n_in_block && c->docs[i] < target)
        i++;
    if (i == c->n_in_block) { /* only when the block was corrupt */
        finish(c, true);
        return;
    }
    c->i = i;
    c->doc = c->docs[i];
}

static void decode_tfs(sr_cursor *c)
{
    /* only full blocks are decoded lazily: tails come with their tfs */
    ns_block_unpack(c->tf_data, c->tf_bits, c->tfs);
    for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
        c->tfs[i] += 1;
    c->tfs_ready = true;
}

uint32_t sr_cursor_freq(sr_cursor *c)
{
    if (!c->tfs_ready)
        decode_tfs(c);
    return c->tfs[c->i];
}

void sr_cursor_shallow_next_geq(sr_cursor *c, uint32_t target)
{
    if (c->doc == SR_DOC_END) {
        c->sb = c->n_blocks;
        return;
    }
    if (c->sb >= c->n_blocks) /* never moves backwards */
        return;
    if (!c->has_skip) {
        if (c->docs[c->n_in_block - 1] < target)
            c->sb = c->n_blocks;
        return;
    }
    if (c->sh.b < c->sk.b) /* the decoded block is never behind */
        c->sh = c->sk;
    while (c->sh.last < target) {
        if (c->sh.b + 1 >= c->n_blocks) {
            c->sb = c->n_blocks;
            return;
        }
        if (sr_skip_next(&c->sh)) {
            c->corrupt = true;
            c->sb = c->n_blocks;
            return;
        }
    }
    c->sb = c->sh.b;
}

double sr_cursor_block_max(sr_cursor *c)
{
    if (c->sb >= c->n_blocks)
        return 0;
    if (!c->has_skip)
        return c->max_score;
    if (c->sb_cached != c->sb) {
        /* the block's best posting: its weight bounds the block */
        double ub = c->scale * ns_bm25_tf(c->sh.bound_tf, c->sh.bound_len, c->avgdl) *
                    (1 + SR_UB_SLACK);
        /* a damaged skip entry must not loosen the term's own bound */
        c->sb_max = ub < c->max_score ? ub : c->max_score;
        c->sb_cached = c->sb;
    }
    return c->sb_max;
}

uint32_t sr_cursor_block_last(const sr_cursor *c)
{
    if (c->sb >= c->n_blocks)
        return SR_DOC_END;
    if (!c->has_skip)
        return c->n_in_block ? c->docs[c->n_in_block - 1] : SR_DOC_END;
    return c->sh.last;
}
