/* ix_docs: writes the document table (file `docs`, FORMAT.md "docs"): one
 * record per doc id (ns_docrec) with what a result line needs, read by the
 * searcher without decompression; the names of the extra fields; the
 * records' offsets; and the live documents' ids in sorted order for
 * lookups by id.
 *
 * Field names get their ordinals here, on the calling thread, in the order
 * they are first seen (ix_docs_field), so that the same input gives the
 * same ordinals and bytes whatever the threads. */
#ifndef IX_DOCS_H
#define IX_DOCS_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

typedef struct ix_docs ix_docs;

/* Creates dir/docs.  Returns: owned *out, free with ix_docs_free(). */
ns_rc ix_docs_open(const char *dir, ix_docs **out, ns_err *err);
void ix_docs_free(ix_docs *d);

/* The ordinal of field name[0..len) (len <= NS_MAX_FIELD_NAME), given the
 * next one when new.  NS_E_ARG when NS_MAX_FIELD_NAMES names exist and
 * this is not one of them; NS_E_NOMEM. */
ns_rc ix_docs_field(ix_docs *d, const char *name, size_t len, uint32_t *ord);
/* The name of ordinal ord (< the names given out); borrowed until the next
 * ix_docs_field call. */
const char *ix_docs_field_name(const ix_docs *d, uint32_t ord, size_t *len);

/* Appends the record of the next doc id (rec[0..len), an ns_docrec). */
ns_rc ix_docs_add(ix_docs *d, const void *rec, size_t len, ns_err *err);

/* Writes the names, the offsets and ids[0..n_ids) (the live doc ids in the
 * order of their ids' bytes), the trailer and the footer; fsyncs. */
ns_rc ix_docs_finish(ix_docs *d, const uint32_t *ids, size_t n_ids, uint64_t *size, ns_err *err);

#endif
