/* ix_docstore: writes the docstore file (FORMAT.md "docstore"): an
 * optional zstd dictionary, then one zstd frame per document (its body and
 * its long field values), then the frames' offsets and a trailer.
 *
 * The dictionary is trained once per build (ix_docstore_dict_train) from a
 * sample of the first documents' bodies chosen by ix_build, so the same
 * input gives the same bytes whatever the thread count or memory budget.
 * Worker threads compress frames with their own ix_docstore_cctx, all
 * sharing the one dictionary; ix_build appends the frames in doc id
 * order. */
#ifndef IX_DOCSTORE_H
#define IX_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"

typedef struct ix_docstore ix_docstore;

/* A trained dictionary, ready to compress with.  Immutable once made:
 * shared by every thread's ix_docstore_cctx. */
typedef struct ix_docstore_dict ix_docstore_dict;

/* Creates dir/docstore.  Returns: owned *out, free with ix_docstore_free(). */
ns_rc ix_docstore_open(const char *dir, ix_docstore **out, ns_err *err);
/* Writes d's bytes as the file's dictionary (d NULL: no dictionary).  Must
 * come before the first frame, at most once. */
ns_rc ix_docstore_set_dict(ix_docstore *ds, const ix_docstore_dict *d, ns_err *err);
/* Appends the next document's frame comp[0..comp_len) (0: nothing stored). */
ns_rc ix_docstore_add(ix_docstore *ds, const void *comp, size_t comp_len, ns_err *err);
/* Writes the offsets, the trailer and the footer, fsyncs. */
ns_rc ix_docstore_finish(ix_docstore *ds, uint64_t *size, ns_err *err);
void ix_docstore_free(ix_docstore *ds);

/* The dictionary's sample (FORMAT.md "docstore"): the first
 * NS_DICT_SAMPLE_DOC bytes of each non-empty body, in input order, until
 * NS_DICT_SAMPLE_BYTES.  Fields are private to ix_docstore.c. */
typedef struct ix_dict_sample {
    ns_buf bytes;
    size_t *len; /* owned: per sampled body */
    size_t n, cap;
} ix_dict_sample;
void ix_dict_sample_init(ix_dict_sample *s);
void ix_dict_sample_release(ix_dict_sample *s);
/* Adds the next body (borrowed).  Returns 1 when the sample is complete
 * (then it takes no more), 0 when it wants more, -1 when out of memory. */
int ix_dict_sample_add(ix_dict_sample *s, const char *body, size_t len);

/* Trains a dictionary of at most NS_DICT_MAX_BYTES for level
 * NS_DOCSTORE_LEVEL from the sample.  *out is NULL when the sample is below
 * NS_DICT_MIN_SAMPLE bytes or NS_DICT_MIN_DOCS bodies, or when zstd finds
 * nothing worth a dictionary: frames are then compressed without one.
 * Deterministic: the same sample gives the same bytes.
 * Returns: owned *out, free with ix_docstore_dict_free(); NS_E_NOMEM. */
ns_rc ix_docstore_dict_train(const ix_dict_sample *s, ix_docstore_dict **out);
/* The same with another capacity (>= ZDICT_DICTSIZE_MIN) and zstd level,
 * for the benchmark of the trade (nbench store). */
ns_rc ix_docstore_dict_train_opts(const ix_dict_sample *s, size_t capacity, int level,
                                  ix_docstore_dict **out);
void ix_docstore_dict_free(ix_docstore_dict *d);
/* The dictionary's bytes (borrowed, valid while d lives). */
size_t ix_docstore_dict_bytes(const ix_docstore_dict *d, const void **p);

/* Compression context of one thread.  Returns: owned, free with
 * ix_docstore_cctx_free(); NULL when out of memory. */
typedef struct ix_docstore_cctx ix_docstore_cctx;
ix_docstore_cctx *ix_docstore_cctx_new(void);
void ix_docstore_cctx_free(ix_docstore_cctx *c);
/* Appends the zstd frame of raw[0..raw_len) to out, with dictionary d (NULL:
 * none; borrowed, must outlive the call); *comp_len gets its length.
 * NS_E_NOMEM, or NS_E_IO if zstd fails. */
ns_rc ix_docstore_compress(ix_docstore_cctx *c, const ix_docstore_dict *d, const void *raw,
                           size_t raw_len, ns_buf *out, size_t *comp_len);

#endif
