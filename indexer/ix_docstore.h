/* ix_docstore: streams stored fields into the docstore file: records are
 * gathered into ~NS_DOCSTORE_BLOCK_RAW-byte blocks, each compressed as one
 * zstd frame, then a block table and trailer (FORMAT.md "docstore").
 *
 * The builder forms the blocks in document order and has them compressed
 * by its worker threads (ix_docstore_compress, one ZSTD_CCtx per thread);
 * this file appends the compressed blocks in order. */
#ifndef IX_DOCSTORE_H
#define IX_DOCSTORE_H

#include <stdint.h>

#include "ns_docrec.h"
#include "ns_err.h"

typedef struct ix_docstore ix_docstore;

/* Returns: owned *out, free with ix_docstore_free(). */
ns_rc ix_docstore_open(const char *dir, ix_docstore **out, ns_err *err);
/* Appends the next block: comp[0..comp_len) is the zstd frame of raw_len
 * bytes of records of the next n_docs doc ids. */
ns_rc ix_docstore_add_block(ix_docstore *ds, const void *comp, size_t comp_len, size_t raw_len,
                            uint32_t n_docs, ns_err *err);

/* Compression context of one thread.  Returns: owned, free with
 * ix_docstore_cctx_free(); NULL when out of memory. */
typedef struct ix_docstore_cctx ix_docstore_cctx;
ix_docstore_cctx *ix_docstore_cctx_new(void);
void ix_docstore_cctx_free(ix_docstore_cctx *c);
/* Appends the zstd frame of raw[0..raw_len) to out; *comp_len gets its
 * length.  NS_E_NOMEM, or NS_E_IO if zstd fails. */
ns_rc ix_docstore_compress(ix_docstore_cctx *c, const void *raw, size_t raw_len, ns_buf *out,
                           size_t *comp_len);
/* Flushes the last block, writes table + trailer + footer, fsyncs. */
ns_rc ix_docstore_finish(ix_docstore *ds, uint64_t *size, ns_err *err);
void ix_docstore_free(ix_docstore *ds);

#endif
