/* ix_writer: turns sorted raw postings into the final index files: terms
 * (dictionary), postings, positions, doclens and meta (FORMAT.md).  The
 * docstore is written separately while documents stream in (ix_docstore).
 *
 * Documents whose length is 0 in `doclens` are dead (empty, or replaced by a
 * later duplicate id): their postings are dropped here. */
#ifndef IX_WRITER_H
#define IX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

typedef struct ix_writer ix_writer;

typedef struct ix_writer_stats {
    uint64_t n_terms, n_postings, n_live, total_tokens;
    uint64_t bytes[7]; /* file sizes indexed by ns_file_kind */
} ix_writer_stats;

/* doclens: borrowed until ix_writer_free; n_docs entries.  Creates the files
 * in dir (which must exist).  Returns: owned *out, free with ix_writer_free. */
ns_rc ix_writer_open(const char *dir, const uint32_t *doclens, uint32_t n_docs, ix_writer **out,
                     ns_err *err);
/* Adds one term; terms must come in strictly increasing byte order.  `raw`
 * is in the raw postings format (ix_inv.h), doc ids strictly increasing. */
ns_rc ix_writer_add_term(ix_writer *w, const char *key, size_t key_len, const uint8_t *raw,
                         size_t raw_len, ns_err *err);
/* Writes doclens and meta and closes every file.  docstore_size is the size
 * of the already written docstore file. */
ns_rc ix_writer_finish(ix_writer *w, const char *lang, uint64_t identity, uint64_t docstore_size,
                       ix_writer_stats *st, ns_err *err);
void ix_writer_free(ix_writer *w);

#endif
