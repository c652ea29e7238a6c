/* nsearch_prefix: a prefix over a shard set expands to the single index's
 * terms (include/nsearch.h "prefixes over a shard set", README "Shards").
 *
 * A prefix matching more than SR_QUERY_MAX_EXPANSIONS terms keeps the
 * most frequent by (gdf descending, term ascending).  A shard alone picks
 * among its own terms, so it can keep a term the single index leaves out.
 * The single index's pick ends at K, the key of the cap-th term of the
 * union of the shards' terms; every term it keeps is in some shard's own
 * top cap (a shard's order is the set's order restricted to its terms), so
 * K is the cap-th distinct term of the shards' kept expansions merged.
 * Each shard then expands again keeping its terms at or before K
 * (sr_query_parse_cut).  Its own file: the bytes a driver moves between
 * processes (MPI), their checks, and the merge, apart from the reader.
 *
 * Candidates (nsearch_reader_prefix_candidates), little-endian:
 *   "NSPX" u32 version (1), u32 records; each record: u64 at (the prefix
 *   clause's byte in the query text), u64 total (terms the part has that
 *   start with it), u32 n (kept, <= cap); n entries: u32 gdf, u16 len
 *   (1..SR_TERM_MAX_BYTES), len bytes of term.
 * Cuts (nsearch_prefix_cuts_merge):
 *   "NSPK" u32 version (1), u32 cuts; each: u64 at, u32 gdf, u16 len, term. */
#include "nsearch_api.h"

#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_endian.h"

#define PX_VERSION 1

/* A bounds-checked reader of the bytes. */
typedef struct px_in {
    const uint8_t *p, *end;
    int bad; /* sticky: read past the end */
} px_in;

static const uint8_t *px_take(px_in *in, size_t n)
{
    if (in->bad || (size_t)(in->end - in->p) < n) {
        in->bad = 1;
        return NULL;
    }
    const uint8_t *p = in->p;
    in->p += n;
    return p;
}

static uint64_t px_u64(px_in *in)
{
    const uint8_t *p = px_take(in, 8);
    return p ? ns_get_u64le(p) : 0;
}

static uint32_t px_u32(px_in *in)
{
    const uint8_t *p = px_take(in, 4);
    return p ? ns_get_u32le(p) : 0;
}

/* A term: u32 gdf, u16 len, the bytes; NULL (in->bad) when malformed. */
static const uint8_t *px_term(px_in *in, uint32_t *gdf, size_t *len)
{
    *gdf = px_u32(in);
    const uint8_t *l = px_take(in, 2);
    *len = l ? ns_get_u16le(l) : 0;
    if (!in->bad && (*len == 0 || *len > SR_TERM_MAX_BYTES))
        in->bad = 1;
    return px_take(in, *len);
}

/* The header: magic, version; the count of what follows. */
static int px_head(px_in *in, const void *p, size_t len, const char magic[4], uint32_t *n)
{
    in->p = p;
    in->end = in->p + len;
    in->bad = 0;
    const uint8_t *m = px_take(in, 4);
    if (!m || memcmp(m, magic, 4) != 0 || px_u32(in) != PX_VERSION)
        return -1;
    *n = px_u32(in);
    return in->bad ? -1 : 0;
}

static void px_put(ns_rc *rc, ns_buf *out, const void *p, size_t n)
{
    ns_buf_append_s(rc, out, p, n);
}

static void px_put_u32(ns_rc *rc, ns_buf *out, uint32_t v)
{
    uint8_t b[4];
    ns_put_u32le(b, v);
    px_put(rc, out, b, 4);
}

static void px_put_u64(ns_rc *rc, ns_buf *out, uint64_t v)
{
    uint8_t b[8];
    ns_put_u64le(b, v);
    px_put(rc, out, b, 8);
}

static void px_put_term(ns_rc *rc, ns_buf *out, uint32_t gdf, const char *term, size_t len)
{
    uint8_t b[2];
    px_put_u32(rc, out, gdf);
    ns_put_u16le(b, (uint16_t)len);
    px_put(rc, out, b, 2);
    px_put(rc, out, term, len);
}

int nsearch_px_may_cut(const nsearch_part *p, size_t n)
{
    for (size_t j = 0; n > 1 && j < p[0].q.n_px; j++) {
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < p[i].q.n_px; k++)
                if (p[i].q.px[k].at == p[0].q.px[j].at)
                    sum += p[i].q.px[k].total;
        if (sum > SR_QUERY_MAX_EXPANSIONS)
            return 1;
    }
    return 0;
}

ns_rc nsearch_px_candidates(const nsearch_part *p, size_t n, ns_buf *out)
{
    ns_rc rc = NS_OK;
    uint32_t records = 0;
    for (size_t i = 0; i < n; i++)
        records += (uint32_t)p[i].q.n_px;
    px_put(&rc, out, "NSPX", 4);
    px_put_u32(&rc, out, PX_VERSION);
    px_put_u32(&rc, out, records);
    for (size_t i = 0; i < n; i++) {
        const sr_query *q = &p[i].q;
        for (size_t j = 0; j < q->n_px; j++) {
            const sr_qprefix *x = &q->px[j];
            px_put_u64(&rc, out, x->at);
            px_put_u64(&rc, out, x->total);
            px_put_u32(&rc, out, (uint32_t)x->n);
            for (size_t k = 0; k < x->n; k++) {
                const sr_qterm *t = &q->t[x->t[k]];
                px_put_term(&rc, out, t->info.gdf, t->term, t->len);
            }
        }
    }
    return rc;
}

/* One candidate term of one prefix (the merge's working set). */
typedef struct px_ent {
    uint64_t at;
    uint32_t gdf;
    size_t len;
    const uint8_t *term; /* borrowed from a candidates blob */
} px_ent;

static int px_ent_cmp(const void *a, const void *b)
{
    const px_ent *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return sr_prefix_key_cmp(x->gdf, (const char *)x->term, x->len, y->gdf,
                             (const char *)y->term, y->len);
}

/* Reads every blob into ent (owned) and the prefixes any part capped into
 * capped (owned, their at); -1 when a blob is malformed (*which: its index). */
static int px_gather(const void *const *c, const size_t *len, size_t n, px_ent **ent,
                     size_t *n_ent, uint64_t **capped, size_t *n_capped, size_t *which)
{
    size_t cap_e = 0, cap_c = 0;
    for (size_t b = 0; b < n; b++) {
        px_in in;
        uint32_t records;
        *which = b;
        if (!c[b] || px_head(&in, c[b], len[b], "NSPX", &records))
            return -1;
        for (uint32_t r = 0; r < records; r++) {
            uint64_t at = px_u64(&in), total = px_u64(&in);
            uint32_t kept = px_u32(&in);
            if (in.bad || kept > SR_QUERY_MAX_EXPANSIONS || kept > total)
                return -1;
            if (total > SR_QUERY_MAX_EXPANSIONS) {
                if (*n_capped == cap_c) {
                    cap_c = cap_c ? 2 * cap_c : 8;
                    uint64_t *t = ns_realloc(*capped, cap_c * sizeof *t);
                    if (!t)
                        return -2;
                    *capped = t;
                }
                (*capped)[(*n_capped)++] = at;
            }
            if (*n_ent + kept > cap_e) {
                cap_e = 2 * (*n_ent + kept);
                px_ent *t = ns_realloc(*ent, cap_e * sizeof *t);
                if (!t)
                    return -2;
                *ent = t;
            }
            for (uint32_t k = 0; k < kept; k++) {
                px_ent *e = &(*ent)[(*n_ent)++];
                e->at = at;
                e->term = px_term(&in, &e->gdf, &e->len);
                if (in.bad)
                    return -1;
            }
        }
        if (in.p != in.end)
            return -1;
    }
    return 0;
}

nsearch_rc nsearch_px_merge(const void *const *c, const size_t *len, size_t n, ns_buf *out,
                            nsearch_error *err)
{
    px_ent *ent = NULL;
    uint64_t *capped = NULL;
    size_t n_ent = 0, n_capped = 0, which = 0;
    int g = px_gather(c, len, n, &ent, &n_ent, &capped, &n_capped, &which);
    if (g) {
        ns_free(ent);
        ns_free(capped);
        return g == -2 ? nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory")
                       : nsearch_fail_msg(err, NSEARCH_E_ARG,
                                          "prefix candidates %zu of %zu are malformed (not "
                                          "made by nsearch_reader_prefix_candidates)",
                                          which + 1, n);
    }
    if (n_ent > 1)
        qsort(ent, n_ent, sizeof *ent, px_ent_cmp);
    ns_rc rc = NS_OK;
    ns_buf cuts;
    ns_buf_init(&cuts);
    uint32_t n_cuts = 0;
    for (size_t i = 0; i < n_ent;) {
        /* one prefix: its distinct terms in key order (a term is in several
         * parts with one gdf, the set's: equal terms are adjacent) */
        size_t j = i, distinct = 0;
        const px_ent *kth = NULL;
        for (; j < n_ent && ent[j].at == ent[i].at; j++) {
            if (j > i && ent[j].len == ent[j - 1].len &&
                !memcmp(ent[j].term, ent[j - 1].term, ent[j].len))
                continue;
            if (++distinct == SR_QUERY_MAX_EXPANSIONS)
                kth = &ent[j];
        }
        int was_capped = distinct > SR_QUERY_MAX_EXPANSIONS;
        for (size_t k = 0; k < n_capped && !was_capped; k++)
            was_capped = capped[k] == ent[i].at;
        if (kth && was_capped) {
            px_put_u64(&rc, &cuts, kth->at);
            px_put_term(&rc, &cuts, kth->gdf, (const char *)kth->term, kth->len);
            n_cuts++;
        }
        i = j;
    }
    ns_free(ent);
    ns_free(capped);
    if (n_cuts) {
        px_put(&rc, out, "NSPK", 4);
        px_put_u32(&rc, out, PX_VERSION);
        px_put_u32(&rc, out, n_cuts);
        px_put(&rc, out, cuts.data, cuts.len);
    }
    ns_buf_release(&cuts);
    return rc ? nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory") : NSEARCH_OK;
}

nsearch_rc nsearch_px_cuts_decode(const void *p, size_t len, sr_prefix_cut **cuts, size_t *n,
                                  nsearch_error *err)
{
    *cuts = NULL;
    *n = 0;
    px_in in;
    uint32_t count = 0;
    if (!p || px_head(&in, p, len, "NSPK", &count) || count > (len - 12) / 15)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "the prefix cuts are malformed (not made "
                                                    "by nsearch_prefix_cuts_merge)");
    sr_prefix_cut *c = ns_calloc(count ? count : 1, sizeof *c);
    if (!c)
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    for (uint32_t i = 0; i < count && !in.bad; i++) {
        c[i].at = (size_t)px_u64(&in);
        const uint8_t *t = px_term(&in, &c[i].gdf, &c[i].len);
        if (t)
            memcpy(c[i].term, t, c[i].len);
    }
    if (in.bad || in.p != in.end) {
        ns_free(c);
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "the prefix cuts are malformed (not made "
                                                    "by nsearch_prefix_cuts_merge)");
    }
    *cuts = c;
    *n = count;
    return NSEARCH_OK;
}

nsearch_rc nsearch_px_cuts_of_parts(const nsearch_part *p, size_t n, sr_prefix_cut **cuts,
                                    size_t *n_cuts, nsearch_error *err)
{
    *cuts = NULL;
    *n_cuts = 0;
    ns_buf cand, merged;
    ns_buf_init(&cand);
    ns_buf_init(&merged);
    nsearch_rc prc = NSEARCH_OK;
    if (nsearch_px_candidates(p, n, &cand))
        prc = nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    const void *blob = cand.data;
    if (!prc)
        prc = nsearch_px_merge(&blob, &cand.len, 1, &merged, err);
    if (!prc && merged.len)
        prc = nsearch_px_cuts_decode(merged.data, merged.len, cuts, n_cuts, err);
    ns_buf_release(&cand);
    ns_buf_release(&merged);
    return prc;
}

nsearch_rc nsearch_px_show_totals(nsearch_reader *r, nsearch_error *err)
{
    if (r->n_parts < 2 || r->p[0].q.n_px == 0)
        return NSEARCH_OK;
    const sr_index **ix = ns_malloc(r->n_parts * sizeof *ix);
    if (!ix)
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_parts; i++)
        ix[i] = &r->p[i].view;
    ns_err e;
    ns_err_clear(&e);
    sr_query *q = &r->p[0].q;
    ns_rc rc = NS_OK;
    for (size_t j = 0; j < q->n_px && !rc; j++) {
        uint64_t total = 0;
        rc = sr_prefix_union_count(ix, r->n_parts, q->px[j].pre, q->px[j].pre_len, &total, &e);
        if (!rc)
            sr_query_set_prefix_total(q, q->px[j].at, total);
    }
    ns_free(ix);
    return rc ? nsearch_fail(err, &e) : NSEARCH_OK;
}

nsearch_rc nsearch_reader_prefix_candidates(const nsearch_reader *r, void **out, size_t *len,
                                            nsearch_error *err)
{
    if (!r || !out || !len)
        return nsearch_fail_msg(err, NSEARCH_E_ARG,
                                "nsearch_reader_prefix_candidates: NULL argument");
    *out = NULL;
    *len = 0;
    ns_buf b;
    ns_buf_init(&b);
    if (nsearch_px_candidates(r->p, r->n_parts, &b)) {
        ns_buf_release(&b);
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    }
    *out = b.data; /* ns_buf's storage is ns_malloc'd: nsearch_free */
    *len = b.len;
    return NSEARCH_OK;
}

nsearch_rc nsearch_prefix_cuts_merge(const void *const *cands, const size_t *len, size_t n,
                                     void **out, size_t *out_len, nsearch_error *err)
{
    if (!cands || !len || !out || !out_len || n == 0)
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_prefix_cuts_merge: NULL argument");
    *out = NULL;
    *out_len = 0;
    ns_buf b;
    ns_buf_init(&b);
    nsearch_rc prc = nsearch_px_merge(cands, len, n, &b, err);
    if (prc || b.len == 0) {
        ns_buf_release(&b);
        return prc;
    }
    *out = b.data;
    *out_len = b.len;
    return NSEARCH_OK;
}
