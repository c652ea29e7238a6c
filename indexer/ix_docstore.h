/* ix_docstore: streams stored fields into the docstore file: records are
 * gathered into ~NS_DOCSTORE_BLOCK_RAW-byte blocks, each compressed as one
 * zstd frame, then a block table and trailer (FORMAT.md "docstore"). */
#ifndef IX_DOCSTORE_H
#define IX_DOCSTORE_H

#include <stdint.h>

#include "ns_docrec.h"
#include "ns_err.h"

typedef struct ix_docstore ix_docstore;

/* Returns: owned *out, free with ix_docstore_free(). */
ns_rc ix_docstore_open(const char *dir, ix_docstore **out, ns_err *err);
/* Appends the record of the next document id (0, 1, 2, ...). */
ns_rc ix_docstore_add(ix_docstore *ds, const ns_docrec *r, ns_err *err);
/* Flushes the last block, writes table + trailer + footer, fsyncs. */
ns_rc ix_docstore_finish(ix_docstore *ds, uint64_t *size, ns_err *err);
void ix_docstore_free(ix_docstore *ds);

#endif
