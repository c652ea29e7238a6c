/* ix_docstore: zstd-compressed stored fields writer (see ix_docstore.h). */
#include "ix_docstore.h"

#include <zstd.h>

#include "ix_file.h"
#include "ns_alloc.h"
#include "ns_endian.h"
#include "ns_format.h"

struct ix_docstore {
    ix_file f;
    ZSTD_CCtx *cctx; /* owned */
    ns_buf raw;      /* records of the current block */
    ns_buf comp;     /* compression output */
    ns_buf table;    /* block table */
    uint32_t n_docs, block_first, block_docs;
    uint64_t n_blocks;
};

ns_rc ix_docstore_open(const char *dir, ix_docstore **out, ns_err *err)
{
    ix_docstore *ds = ns_calloc(1, sizeof *ds);
    if (!ds)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ds->f.fd = -1;
    ds->cctx = ZSTD_createCCtx();
    if (!ds->cctx) {
        ix_docstore_free(ds);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    ZSTD_CCtx_setParameter(ds->cctx, ZSTD_c_compressionLevel, NS_DOCSTORE_LEVEL);
    ns_rc rc = ix_file_open(&ds->f, dir, NS_FILE_DOCSTORE, NS_CODEC_ZSTD, err);
    if (rc) {
        ix_docstore_free(ds);
        return rc;
    }
    *out = ds;
    return NS_OK;
}

void ix_docstore_free(ix_docstore *ds)
{
    if (!ds)
        return;
    ix_file_release(&ds->f);
    ZSTD_freeCCtx(ds->cctx);
    ns_buf_release(&ds->raw);
    ns_buf_release(&ds->comp);
    ns_buf_release(&ds->table);
    ns_free(ds);
}

static ns_rc flush_block(ix_docstore *ds, ns_err *err)
{
    if (!ds->block_docs)
        return NS_OK;
    size_t bound = ZSTD_compressBound(ds->raw.len);
    ns_buf_reset(&ds->comp);
    if (ns_buf_reserve(&ds->comp, bound))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t n = ZSTD_compress2(ds->cctx, ds->comp.data, bound, ds->raw.data, ds->raw.len);
    if (ZSTD_isError(n))
        return ns_err_set(err, NS_E_IO, "zstd compression failed: %s", ZSTD_getErrorName(n));
    uint8_t e[NS_DOCSTORE_ENTRY];
    ns_put_u64le(e, ix_file_off(&ds->f));
    ns_put_u32le(e + 8, (uint32_t)n);
    ns_put_u32le(e + 12, (uint32_t)ds->raw.len);
    ns_put_u32le(e + 16, ds->block_first);
    ns_put_u32le(e + 20, ds->block_docs);
    if (ns_buf_append(&ds->table, e, sizeof e))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ix_file_write(&ds->f, ds->comp.data, n);
    ds->n_blocks++;
    ns_buf_reset(&ds->raw);
    ds->block_first = ds->n_docs;
    ds->block_docs = 0;
    return NS_OK;
}

ns_rc ix_docstore_add(ix_docstore *ds, const ns_docrec *r, ns_err *err)
{
    if (ns_docrec_put(&ds->raw, r))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ds->n_docs++;
    ds->block_docs++;
    if (ds->raw.len >= NS_DOCSTORE_BLOCK_RAW)
        return flush_block(ds, err);
    return NS_OK;
}

ns_rc ix_docstore_finish(ix_docstore *ds, uint64_t *size, ns_err *err)
{
    ns_rc rc = flush_block(ds, err);
    if (rc)
        return rc;
    uint64_t table_off = ix_file_off(&ds->f);
    ix_file_write(&ds->f, ds->table.data, ds->table.len);
    uint8_t tr[NS_DOCSTORE_TRAILER_LEN];
    ns_put_u64le(tr, ds->n_blocks);
    ns_put_u64le(tr + 8, table_off);
    ix_file_write(&ds->f, tr, sizeof tr);
    return ix_file_finish(&ds->f, size, err);
}
