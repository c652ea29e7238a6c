/* ix_batch: consecutive documents on their way from the calling thread
 * through an analysis worker and back.
 *
 * The calling thread fills a batch (ix_build_add: records, sources, lines,
 * queued warnings), a worker analyses it and compresses its blocks
 * (ix_pipe), and the calling thread takes it back in input order
 * (ix_build's collect).  Batches are recycled through a free list so that
 * their buffers keep their capacity.  Its own file because both sides of
 * the pipeline read and write it: this header is the contract between
 * them. */
#ifndef IX_BATCH_H
#define IX_BATCH_H

#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"

/* The fields marked (worker) are written by the worker that processes the
 * batch; all others by the calling thread before it is sent.  Every pointer
 * is owned by the batch and freed by ix_batch_free(). */
typedef struct ix_batch {
    struct ix_batch *next;  /* work queue or free list */
    struct ix_batch *onext; /* batches in flight, in input order */
    uint32_t first_doc, n_docs, cap_docs;
    ns_buf recs;        /* per document: its document table record (ns_docrec)
                           then its docstore frame's content, back to back */
    uint32_t *head_end; /* per document: end of its record in recs */
    uint32_t *rec_end;  /* per document: end of its frame content in recs */
    uint32_t *src;      /* per document: offset of its source name in strs */
    uint64_t *line;     /* per document */
    uint32_t *doclen;   /* per document: tokens (worker) */
    uint32_t *title_len; /* per document: positions of its title (worker) */
    uint32_t *kw_end;   /* per document: end of its keyword keys in kw */
    ns_buf kw;          /* keyword keys (ns_keyword.h) of every document, each
                           a varint length and its bytes, back to back */
    uint32_t *comp_len; /* per document: its compressed frame's length, 0 when the
                           frame is empty (worker) */
    ns_buf comp;   /* the compressed frames, back to back (worker) */
    ns_buf events; /* queued warnings, as ix_build encodes them */
    ns_buf strs;   /* NUL-terminated source names */
    uint32_t last_src;
    int has_src;
    int done; /* under the pipeline's mutex */
    ns_rc rc; /* worker failure */
    ns_err err;
} ix_batch;

/* An empty batch starting at doc id first_doc, taken from *free_list when
 * it has one, else allocated.
 * Returns: owned by the caller until ix_batch_put() or ix_batch_free();
 * NULL when out of memory. */
ix_batch *ix_batch_get(ix_batch **free_list, uint32_t first_doc);
/* Gives bt (owned by the caller) to the free list. */
void ix_batch_put(ix_batch **free_list, ix_batch *bt);
/* Frees one batch (not the batches it links to); NULL is allowed. */
void ix_batch_free(ix_batch *bt);

/* Makes room in the per-document tables for document n_docs. */
ns_rc ix_batch_reserve_doc(ix_batch *bt);
/* Document i's table record and frame content, within bt->recs. */
static inline size_t ix_batch_start(const ix_batch *bt, uint32_t i)
{
    return i ? bt->rec_end[i - 1] : 0;
}

#endif
