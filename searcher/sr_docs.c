/* sr_docs: stored documents: the head of a document from the document
 * table in O(1) without decompression, its body from its own zstd frame,
 * its other fields, and lookups by id (FORMAT.md "docs", "docstore"). */
#include <string.h>
#include <zstd.h>

#include "ns_docrec.h"
#include "ns_endian.h"
#include "ns_rec.h"
#include "sr_index.h"

static ns_rc bad(const sr_index *ix, ns_err *err, const char *file, uint32_t doc, const char *what)
{
    return ns_err_set(err, NS_E_CORRUPT, "'%s/%s' is corrupt: document %u: %s", ix->dir, file, doc,
                      what);
}

ns_rc sr_index_doc_head(const sr_index *ix, uint32_t doc, sr_doc *d, ns_err *err)
{
    if (doc >= ix->n_docs)
        return ns_err_set(err, NS_E_ARG, "document %u out of range", doc);
    const uint8_t *pay = ix->f[NS_FILE_DOCS].payload;
    unsigned w = ix->docs_width;
    uint64_t a = ns_offset_get(ix->docs_offsets + (size_t)doc * w, w);
    uint64_t b = ns_offset_get(ix->docs_offsets + ((size_t)doc + 1) * w, w);
    if (a > b || b > ix->docs_names_off)
        return bad(ix, err, "docs", doc, "record out of bounds");
    ns_docrec r;
    if (ns_docrec_get(pay + a, pay + b, &r))
        return bad(ix, err, "docs", doc, "bad record");
    memset(d, 0, sizeof *d);
    d->doc = doc;
    for (int k = 0; k < NS_FIELD_COUNT; k++) {
        d->f[k] = r.f[k];
        d->len[k] = (size_t)r.len[k];
    }
    if (r.len[NS_FIELD_BODY] > NS_MAX_DOC_BYTES)
        return bad(ix, err, "docs", doc, "body too long");
    d->n_extra = r.n_extra;
    d->extra = r.extra;
    d->extra_end = r.extra_end;
    const uint8_t *p = r.extra;
    for (uint64_t i = 0; i < r.n_extra; i++) {
        ns_docval v;
        if (ns_docval_get(&p, r.extra_end, &v) || v.field >= ix->n_fields)
            return bad(ix, err, "docs", doc, "bad field");
        if (v.type & NS_VAL_IN_FRAME)
            d->frame_vals += v.len;
    }
    if (p != r.extra_end || d->frame_vals > NS_DOCSTORE_MAX_RAW)
        return bad(ix, err, "docs", doc, "bad fields");
    return NS_OK;
}

int sr_doc_needs_frame(const sr_doc *d) { return d->frame_vals > 0; }

ns_rc sr_index_doc_body(sr_index *ix, sr_doc *d, ns_err *err)
{
    uint32_t doc = d->doc;
    uint64_t raw = (uint64_t)d->len[NS_FIELD_BODY] + d->frame_vals;
    if ((int64_t)doc == ix->ds_cached && ix->ds_buf.len == raw) {
        d->frame = (const char *)ix->ds_buf.data;
        d->f[NS_FIELD_BODY] = d->frame;
        return NS_OK;
    }
    unsigned w = ix->ds_width;
    uint64_t a = ns_offset_get(ix->ds_offsets + (size_t)doc * w, w);
    uint64_t b = ns_offset_get(ix->ds_offsets + ((size_t)doc + 1) * w, w);
    if (a < ix->ds_dict_len || a > b || b > ix->ds_offsets_off)
        return bad(ix, err, "docstore", doc, "frame out of bounds");
    if (raw == 0) {
        if (a != b)
            return bad(ix, err, "docstore", doc, "a frame where nothing is stored");
        d->frame = "";
        d->f[NS_FIELD_BODY] = d->frame;
        return NS_OK;
    }
    const uint8_t *src = ix->f[NS_FILE_DOCSTORE].payload + a;
    size_t clen = (size_t)(b - a);
    if (ZSTD_getFrameContentSize(src, clen) != raw)
        return bad(ix, err, "docstore", doc, "frame of the wrong size");
    if (!ix->dctx && !(ix->dctx = ZSTD_createDCtx()))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (ix->ds_dict_len && !ix->ddict &&
        !(ix->ddict = ZSTD_createDDict(ix->f[NS_FILE_DOCSTORE].payload, (size_t)ix->ds_dict_len)))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ix->ds_cached = -1;
    ns_buf_reset(&ix->ds_buf);
    if (ns_buf_reserve(&ix->ds_buf, (size_t)raw))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t got = ix->ddict ? ZSTD_decompress_usingDDict(ix->dctx, ix->ds_buf.data, (size_t)raw, src,
                                                         clen, ix->ddict)
                           : ZSTD_decompressDCtx(ix->dctx, ix->ds_buf.data, (size_t)raw, src, clen);
    if (ZSTD_isError(got) || got != raw)
        return ns_err_set(err, NS_E_CORRUPT, "'%s/docstore' is corrupt: document %u: %s", ix->dir,
                          doc, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong length");
    ix->ds_buf.len = (size_t)raw;
    ix->ds_cached = doc;
    d->frame = (const char *)ix->ds_buf.data;
    d->f[NS_FIELD_BODY] = d->frame;
    return NS_OK;
}

ns_rc sr_index_doc(sr_index *ix, uint32_t doc, sr_doc *out, ns_err *err)
{
    ns_rc rc = sr_index_doc_head(ix, doc, out, err);
    return rc ? rc : sr_index_doc_body(ix, out, err);
}

void sr_doc_field_first(const sr_doc *d, sr_field_iter *it)
{
    it->p = d->extra;
    it->left = d->n_extra;
    it->frame_off = d->len[NS_FIELD_BODY];
}

int sr_doc_field_next(const sr_index *ix, const sr_doc *d, sr_field_iter *it, sr_field *out,
                      ns_err *err)
{
    if (!it->left)
        return 0;
    ns_docval v;
    if (ns_docval_get(&it->p, d->extra_end, &v) || v.field >= ix->n_fields) {
        bad(ix, err, "docs", d->doc, "bad field");
        return -1;
    }
    it->left--;
    out->name = ix->field_names[v.field].name;
    out->name_len = ix->field_names[v.field].len;
    out->type = v.type & ~NS_VAL_IN_FRAME;
    out->len = v.len;
    out->v = v.v;
    if (v.type & NS_VAL_IN_FRAME) {
        /* the head checked that the values fit in the frame */
        out->v = d->frame ? d->frame + it->frame_off : NULL;
        it->frame_off += v.len;
    }
    return 1;
}

/* Compares id a[0..la) with doc's id (memcmp order, shorter first). */
static ns_rc cmp_doc_id(const sr_index *ix, uint32_t doc, const char *a, size_t la, int *out,
                        ns_err *err)
{
    sr_doc d;
    ns_rc rc = sr_index_doc_head(ix, doc, &d, err);
    if (rc)
        return rc == NS_E_ARG ? bad(ix, err, "docs", doc, "id list names a missing document") : rc;
    size_t lb = d.len[NS_FIELD_ID];
    int c = memcmp(a, d.f[NS_FIELD_ID], la < lb ? la : lb);
    *out = c ? c : (la > lb) - (la < lb);
    return NS_OK;
}

ns_rc sr_index_find_id(const sr_index *ix, const char *id, size_t len, uint32_t *doc, bool *found,
                       ns_err *err)
{
    *found = false;
    uint64_t lo = 0, hi = ix->n_live; /* the answer is in [lo, hi) */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t m = ns_get_u32le(ix->docs_ids + 4 * mid);
        int c = 0;
        ns_rc rc = cmp_doc_id(ix, m, id, len, &c, err);
        if (rc)
            return rc;
        if (c == 0) {
            *found = true;
            *doc = m;
            return NS_OK;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NS_OK;
}
