/* sr_docs: stored-field access: binary search of the docstore block table,
 * one-block decompression cache, record walk (FORMAT.md "docstore"). */
#include <zstd.h>

#include "ns_docrec.h"
#include "ns_endian.h"
#include "sr_index.h"

ns_rc sr_index_doc(sr_index *ix, uint32_t doc, sr_doc *out, ns_err *err)
{
    if (doc >= ix->n_docs)
        return ns_err_set(err, NS_E_ARG, "document %u out of range", doc);
    /* last block whose first_doc <= doc */
    uint64_t lo = 0, hi = ix->n_ds_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ns_get_u32le(ix->ds_table + mid * NS_DOCSTORE_ENTRY + 16) <= doc)
            lo = mid;
        else
            hi = mid;
    }
    const uint8_t *e = ix->ds_table + lo * NS_DOCSTORE_ENTRY;
    uint64_t off = ns_get_u64le(e);
    uint32_t clen = ns_get_u32le(e + 8), rlen = ns_get_u32le(e + 12);
    uint32_t first = ns_get_u32le(e + 16), n = ns_get_u32le(e + 20);
    if (doc < first || doc - first >= n)
        return ns_err_set(err, NS_E_CORRUPT, "'%s/docstore' is corrupt: document %u not in its block",
                          ix->dir, doc);
    if ((int64_t)lo != ix->ds_cached) {
        ix->ds_cached = -1;
        if (off > ix->ds_table_off || clen > ix->ds_table_off - off || rlen > NS_DOCSTORE_MAX_RAW)
            return ns_err_set(err, NS_E_CORRUPT, "'%s/docstore' is corrupt: block %llu out of bounds",
                              ix->dir, (unsigned long long)lo);
        if (!ix->dctx && !(ix->dctx = ZSTD_createDCtx()))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        ns_buf_reset(&ix->ds_buf);
        if (ns_buf_reserve(&ix->ds_buf, rlen))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        size_t got = ZSTD_decompressDCtx(ix->dctx, ix->ds_buf.data, rlen,
                                         ix->f[NS_FILE_DOCSTORE].payload + off, clen);
        if (ZSTD_isError(got) || got != rlen)
            return ns_err_set(err, NS_E_CORRUPT, "'%s/docstore' is corrupt: block %llu: %s", ix->dir,
                              (unsigned long long)lo,
                              ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong length");
        ix->ds_buf.len = rlen;
        ix->ds_cached = (int64_t)lo;
    }
    const uint8_t *p = ix->ds_buf.data, *end = p + ix->ds_buf.len;
    ns_docrec r;
    for (uint32_t i = first; i <= doc; i++) {
        if (ns_docrec_get(&p, end, &r))
            return ns_err_set(err, NS_E_CORRUPT, "'%s/docstore' is corrupt: bad record %u", ix->dir, i);
    }
    for (int k = 0; k < 5; k++) {
        out->f[k] = r.f[k];
        out->len[k] = r.len[k];
    }
    return NS_OK;
}
