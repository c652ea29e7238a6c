/* ix_run: sorted runs on disk, and the k-way merge of runs and in-memory
 * inverters into the final index (or into a bigger run).
 *
 * When an inverter outgrows its share of the memory budget, its terms are
 * sorted and written out as a run file in the build's temporary directory
 * (so a killed build leaves nothing that ix_build_clean_stale does not
 * remove).  A run is a sequence of term records in term order, ending with
 * a zero byte:
 *
 *   varint key_len (>= 1) | key | varint df | varint docs_len |
 *   varint pos_len | doc stream | pos stream
 *
 * with the two streams of ix_inv.h (doc ids absolute: the first gap of a
 * record is the doc id; a keyword term's pos stream is empty).  Internal to one build: no header or checksum, and
 * any inconsistency is an internal error.
 *
 * The merge takes any number of sources (runs and sorted inverters, which
 * hold disjoint sets of doc ids whose ranges may interleave), walks the union
 * of their terms in order, and for each term merges the postings of every
 * source holding it by doc id into a sink: the index writer, or a run
 * writer when there are too many runs to open at once. */
#ifndef IX_RUN_H
#define IX_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "ix_inv.h"
#include "ns_err.h"

/* Writes the (sorted, ix_inv_sort) inverter as a run file at path.
 * *bytes gets the file size. */
ns_rc ix_run_write_inv(const ix_inv *inv, const char *path, uint64_t *bytes, ns_err *err);

/* A consumer of merged postings, term by term in increasing order. */
typedef struct ix_sink {
    void *ctx;
    ns_rc (*term_begin)(void *ctx, const char *key, size_t key_len, ns_err *err);
    /* pos[0..pos_len): the tf position varints of this posting. */
    ns_rc (*posting)(void *ctx, uint32_t doc, uint32_t tf, const uint8_t *pos, size_t pos_len,
                     ns_err *err);
    ns_rc (*term_end)(void *ctx, ns_err *err);
} ix_sink;

/* A sink writing a run file (for intermediate merges). */
typedef struct ix_run_writer ix_run_writer;
ns_rc ix_run_writer_open(const char *path, ix_run_writer **out, ns_err *err);
void ix_run_writer_sink(ix_run_writer *rw, ix_sink *sink);
/* Ends and closes the run; *bytes gets its size. */
ns_rc ix_run_writer_finish(ix_run_writer *rw, uint64_t *bytes, ns_err *err);
void ix_run_writer_free(ix_run_writer *rw);

/* Merges the given sources: run files by path, and sorted inverters.
 * read_buf: bytes of read buffer per run file. */
ns_rc ix_merge(const char *const *runs, size_t n_runs, ix_inv *const *invs, size_t n_invs,
               size_t read_buf, const ix_sink *sink, ns_err *err);
/* The same over sorted terms [begin[i], end[i]) of each inverter only (no
 * runs): one slice of the term space, for merging slices in parallel.  The
 * inverters are only read. */
ns_rc ix_merge_slice(ix_inv *const *invs, const size_t *begin, const size_t *end, size_t n_invs,
                     const ix_sink *sink, ns_err *err);

#endif
