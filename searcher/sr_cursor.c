/* sr_cursor: posting-list decoding and skipping (see sr_cursor.h). */
#include "sr_cursor.h"

#include <string.h>

#include "ns_endian.h"
#include "ns_varint.h"

#define TF_VARINT 255u

static void finish(sr_cursor *c, bool corrupt)
{
    c->doc = SR_DOC_END;
    c->n_in_block = 0;
    c->i = 0;
    c->block = c->n_blocks;
    if (corrupt)
        c->corrupt = true;
}

/* Decodes the doc ids of block b and positions the cursor on its first. */
static void load_block(sr_cursor *c, uint32_t b)
{
    if (b >= c->n_blocks) {
        finish(c, false);
        return;
    }
    uint32_t count = b + 1 < c->n_blocks ? NS_BLOCK_LEN : c->df - (c->n_blocks - 1) * NS_BLOCK_LEN;
    size_t avail = (size_t)(c->end - c->base);
    size_t off = 0;
    uint32_t base = UINT32_MAX, expect_last = SR_DOC_END;
    if (c->skip) {
        const uint8_t *s = c->skip + (size_t)b * NS_SKIP_ENTRY;
        off = ns_get_u32le(s + 4);
        expect_last = ns_get_u32le(s);
        if (b)
            base = ns_get_u32le(s - NS_SKIP_ENTRY);
    }
    if (off >= avail) {
        finish(c, true);
        return;
    }
    const uint8_t *p = c->base + off, *end = c->end;
    if (count == NS_BLOCK_LEN) {
        if (end - p < 2) {
            finish(c, true);
            return;
        }
        unsigned bd = p[0], bt = p[1];
        if (bd > 32 || bt > 32 ||
            (size_t)(end - p) < 2 + ns_block_bytes(bd) + ns_block_bytes(bt)) {
            finish(c, true);
            return;
        }
        ns_block_unpack_delta(p + 2, bd, base, c->docs);
        /* ids increase unless the 128 gaps can wrap around 2^32 */
        uint64_t start = (uint64_t)base + 1 == (uint64_t)UINT32_MAX + 1 ? 0 : (uint64_t)base + 1;
        if (start + ((uint64_t)NS_BLOCK_LEN << bd) > UINT32_MAX) {
            uint32_t prev = c->docs[0];
            if (b && prev < start) {
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
        c->tf_data = p + 2 + ns_block_bytes(bd);
        c->tf_bits = bt;
    } else {
        uint64_t prev = b ? (uint64_t)base : 0;
        for (uint32_t i = 0; i < count; i++) {
            uint64_t g;
            if (ns_varint_get(&p, end, &g) || g > UINT32_MAX) {
                finish(c, true);
                return;
            }
            uint64_t d = (i == 0 && b == 0) ? g : prev + g + 1;
            if (d >= c->n_docs) {
                finish(c, true);
                return;
            }
            c->docs[i] = (uint32_t)d;
            prev = d;
        }
        c->tf_data = p;
        c->tf_bits = TF_VARINT;
    }
    uint32_t last = c->docs[count - 1];
    if (last >= c->n_docs || (c->skip && last != expect_last)) {
        finish(c, true);
        return;
    }
    c->n_decoded += count;
    c->block = b;
    c->n_in_block = count;
    c->i = 0;
    c->tfs_ready = false;
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
    c->skip = NULL;
    c->corrupt = false;
    c->n_decoded = 0;
    if (c->n_blocks > 1) {
        if ((uint64_t)c->n_blocks * NS_SKIP_ENTRY > info->post_len) {
            finish(c, true);
            return;
        }
        c->skip = c->base;
    }
    load_block(c, 0);
}

void sr_cursor_next(sr_cursor *c)
{
    if (++c->i < c->n_in_block) {
        c->doc = c->docs[c->i];
        return;
    }
    load_block(c, c->block + 1);
}

void sr_cursor_next_geq(sr_cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return;
    if (c->docs[c->n_in_block - 1] < target) {
        uint32_t b = c->block + 1;
        if (c->skip) {
            /* skip whole blocks whose last doc < target */
            while (b < c->n_blocks && ns_get_u32le(c->skip + (size_t)b * NS_SKIP_ENTRY) < target)
                b++;
        }
        load_block(c, b);
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
    if (c->tf_bits != TF_VARINT) {
        ns_block_unpack(c->tf_data, c->tf_bits, c->tfs);
        for (unsigned i = 0; i < NS_BLOCK_LEN; i++)
            c->tfs[i] += 1;
    } else {
        const uint8_t *p = c->tf_data;
        for (uint32_t i = 0; i < c->n_in_block; i++) {
            uint32_t v;
            if (ns_varint_get32(&p, c->end, &v)) {
                /* damaged frequencies: count 1 and report */
                c->corrupt = true;
                for (; i < c->n_in_block; i++)
                    c->tfs[i] = 1;
                break;
            }
            c->tfs[i] = v + 1;
        }
    }
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
    if (c->sb < c->block) /* the decoded block is never behind */
        c->sb = c->block;
    if (!c->skip) {
        if (c->docs[c->n_in_block - 1] < target)
            c->sb = c->n_blocks;
        return;
    }
    while (c->sb < c->n_blocks && ns_get_u32le(c->skip + (size_t)c->sb * NS_SKIP_ENTRY) < target)
        c->sb++;
}

double sr_cursor_block_max(sr_cursor *c)
{
    if (c->sb >= c->n_blocks)
        return 0;
    if (!c->skip)
        return c->max_score;
    if (c->sb_cached != c->sb) {
        const uint8_t *s = c->skip + (size_t)c->sb * NS_SKIP_ENTRY;
        /* (max tf, min length) in format 1.0, the best posting's (tf,
         * length) in 1.1: the weight of either bounds the block */
        uint32_t tf = ns_get_u32le(s + 12), len = ns_get_u32le(s + 16);
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
    if (!c->skip)
        return c->n_in_block ? c->docs[c->n_in_block - 1] : SR_DOC_END;
    return ns_get_u32le(c->skip + (size_t)c->sb * NS_SKIP_ENTRY);
}
