/* sr_cursor: posting-list decoding and skipping (see sr_cursor.h). */
#include "sr_cursor.h"

#include "ns_varint.h"

/* Block changes stay out of line: inlined into the algorithms' loops they
 * crowd the per-posting path (measured with nbench query). */
#if defined(__GNUC__)
#define SR_NOINLINE __attribute__((noinline))
#else
#define SR_NOINLINE
#endif

static void finish(sr_cursor *c, bool corrupt)
{
    c->doc = SR_DOC_END;
    c->n_in_block = 0;
    c->i = 0;
    c->block = c->n_blocks;
    if (corrupt)
        c->corrupt = true;
}

/* Decodes the doc ids of a partial block of count postings at p (a short
 * run of gaps; the frequencies follow) after doc id prev (UINT32_MAX:
 * none).  Returns 0 or -1. */
static int load_tail(sr_cursor *c, const uint8_t *p, uint32_t count, uint32_t prev)
{
    const uint8_t *end = c->end;
    uint64_t start = prev == UINT32_MAX ? 0 : (uint64_t)prev + 1;
    if (ns_run_get(&p, end, count, NS_POST_TAIL_PACKED, c->docs))
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t d = start + c->docs[i];
        c->docs[i] = (uint32_t)d;
        start = d + 1;
    }
    if (start > c->n_docs) /* the last id + 1 */
        return -1;
    c->tf_data = p;
    c->tf_bits = SR_TF_TAIL;
    if (c->tf_all) { /* no frequencies stored */
        for (uint32_t i = 0; i < count; i++)
            c->tfs[i] = c->tf_all;
        c->block_end = p;
        c->tfs_ready = true;
        return 0;
    }
    if ((size_t)(end - p) < (count + 7) / 8)
        return -1;
    c->tfs_ready = false;
    return 0;
}

/* The frequencies of a partial block: the tf == 1 bitmap, then varint
 * (tf - 2) of the others.  Returns 0 or -1. */
static int decode_tail_tfs(sr_cursor *c)
{
    uint32_t n = c->n_in_block;
    const uint8_t *bm = c->tf_data, *p = bm + (n + 7) / 8;
    for (uint32_t i = 0; i < n; i++)
        c->tfs[i] = 1;
    /* visit the clear bits (tf > 1) 64 at a time: no branch per posting */
    for (uint32_t w0 = 0; w0 < n; w0 += 64) {
        uint32_t nb = n - w0 < 64 ? n - w0 : 64;
        uint64_t w = 0;
        for (uint32_t k = 0; k < (nb + 7) / 8; k++)
            w |= (uint64_t)bm[w0 / 8 + k] << (8 * k);
        uint64_t z = ~w & (nb == 64 ? UINT64_MAX : ((uint64_t)1 << nb) - 1);
        while (z) {
            uint32_t i = w0 + (uint32_t)__builtin_ctzll(z);
            z &= z - 1;
            uint32_t v;
            if (ns_varint_get32(&p, c->end, &v) || v > UINT32_MAX - 2)
                return -1;
            c->tfs[i] = v + 2;
        }
    }
    c->block_end = p;
    return 0;
}

/* Decodes the doc ids of block c->block (its bytes at c->off) and
 * positions the cursor on its first. */
static SR_NOINLINE void load_block(sr_cursor *c)
{
    uint32_t count, b = c->block;
    if (!c->has_skip) {
        count = c->df;
        if (load_tail(c, c->blocks, count, UINT32_MAX)) {
            finish(c, true);
            return;
        }
    } else {
        const ns_skip *s = &c->sk;
        size_t avail = (size_t)(c->end - c->blocks);
        uint32_t base = b ? ns_skip_last(s, b - 1) : UINT32_MAX;
        if (c->off > avail) { /* a full block may be empty (both widths 0) */
            finish(c, true);
            return;
        }
        const uint8_t *p = c->blocks + c->off;
        if (b >= s->n_full) { /* the partial last block */
            count = c->df - s->n_full * NS_BLOCK_LEN;
            if (load_tail(c, p, count, base)) {
                finish(c, true);
                return;
            }
            c->next_off = avail;
        } else {
            count = NS_BLOCK_LEN;
            unsigned bd = ns_skip_doc_bits(s, b), bt = ns_skip_tf_bits(s, b);
            size_t packed = ns_block_bytes(bd) + ns_block_bytes(bt), xl = ns_skip_tf_exc(s, b);
            if (bd > 32 || bt > 32 || avail - c->off < packed + xl) {
                finish(c, true);
                return;
            }
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
            c->tf_bits = bt;
            c->tf_exc = xl ? p + packed : NULL;
            c->exc_end = p + packed + xl;
            c->next_off = c->off + packed + xl;
            c->block_end = c->blocks + c->next_off;
            c->tfs_ready = false;
        }
        uint32_t last = c->docs[count - 1];
        if (last >= c->n_docs || last != ns_skip_last(s, b)) {
            finish(c, true);
            return;
        }
    }
    c->n_decoded += count;
    c->n_in_block = count;
    c->i = 0;
    c->doc = c->docs[0];
}

void sr_cursor_init(sr_cursor *c, const sr_index *ix, const sr_term_info *info, double qtf,
                    double idf)
{
    c->scale = qtf * idf;
    c->avgdl = ix->avgdl;
    /* tf values the partial block leaves out */
    c->tf_all = info->cf == info->df ? 1 : info->df == 1 && info->cf <= UINT32_MAX ? (uint32_t)info->cf : 0;
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
    c->block = 0;
    c->off = 0;
    c->max_score = 0;
    if (ns_skip_open(&c->sk, c->base, c->end, c->df, &c->has_skip, &c->blocks)) {
        finish(c, true);
        return;
    }
    load_block(c);
    /* the term's best posting, like a block bound; with df = 1 it is the
     * posting just decoded */
    uint32_t len = info->df == 1 && c->doc != SR_DOC_END ? sr_index_doclen(ix, c->doc)
                                                         : info->bound_len;
    c->max_score = c->scale * ns_bm25_tf(info->bound_tf, len, ix->avgdl) * (1 + SR_UB_SLACK);
}

/* Moves the decoded block to the next one whose last doc >= target
 * (0: the next one), or ends the list. */
static SR_NOINLINE void advance_block(sr_cursor *c, uint32_t target)
{
    if (!c->has_skip) {
        finish(c, false);
        return;
    }
    const ns_skip *s = &c->sk;
    uint32_t b = c->block + 1;
    uint64_t off = c->next_off;
    /* skip whole blocks whose last doc < target (only full blocks have
     * a successor, so each one skipped is full) */
    while (b < c->n_blocks && ns_skip_last(s, b) < target) {
        off += ns_skip_block_bytes(s, b);
        b++;
    }
    if (b >= c->n_blocks) {
        finish(c, false);
        return;
    }
    c->block = b;
    c->off = off;
    load_block(c);
}

void sr_cursor_next_block(sr_cursor *c) { advance_block(c, 0); }

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

SR_NOINLINE void sr_cursor_decode_tfs(sr_cursor *c)
{
    if (c->tf_bits != SR_TF_TAIL) {
        ns_block_unpack(c->tf_data, c->tf_bits, c->tfs);
        const uint8_t *x = c->tf_exc;
        if (x && (ns_block_pfor_patch(&x, c->exc_end, NS_BLOCK_LEN, c->tf_bits, c->tfs) || x != c->exc_end)) {
            c->corrupt = true; /* damaged exceptions: keep the low bits */
            ns_block_unpack(c->tf_data, c->tf_bits, c->tfs);
        }
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            c->tfs[i] += 1;
    } else if (decode_tail_tfs(c)) {
        /* damaged frequencies: count 1 and report */
        c->corrupt = true;
        for (uint32_t i = 0; i < c->n_in_block; i++)
            c->tfs[i] = 1;
    }
    c->tfs_ready = true;
}

void sr_cursor_shallow_next_geq(sr_cursor *c, uint32_t target)
{
    if (c->doc == SR_DOC_END) {
        c->sb = c->n_blocks;
        return;
    }
    if (c->sb < c->block) /* the decoded block is never behind */
        c->sb = c->block;
    if (!c->has_skip) {
        if (c->docs[c->n_in_block - 1] < target)
            c->sb = c->n_blocks;
        return;
    }
    while (c->sb < c->n_blocks && ns_skip_last(&c->sk, c->sb) < target)
        c->sb++;
}

double sr_cursor_block_max(sr_cursor *c)
{
    if (c->sb >= c->n_blocks)
        return 0;
    if (!c->has_skip)
        return c->max_score;
    if (c->sb_cached != c->sb) {
        /* the block's best posting: its weight bounds the block */
        uint32_t tf = ns_skip_bound_tf(&c->sk, c->sb), len = ns_skip_bound_len(&c->sk, c->sb);
        double ub = c->scale * ns_bm25_tf(tf, len, c->avgdl) * (1 + SR_UB_SLACK);
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
    return ns_skip_last(&c->sk, c->sb);
}
