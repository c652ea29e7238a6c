/* ix_commit: the final merge of a build: every posting, from the run files
 * and the sorted inverters the pipeline leaves (ix_pipe), merged into the
 * index files in the temporary directory.
 *
 * Too many runs are first merged into bigger runs (at most max_fanin open
 * at once).  With several threads and no runs at all, the term space is
 * cut into slices that threads merge in parallel while the calling thread
 * appends them in order; otherwise one k-way merge (ix_merge) feeds the
 * writer.  The output is the same either way.
 *
 * Its own file because it is the one step of a build that works on all of
 * the postings at once, with its own threads and its own memory plan; the
 * rest of the commit (docstore, installation) is ix_build's sequencing. */
#ifndef IX_COMMIT_H
#define IX_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "ix_pipe.h"
#include "ix_writer.h"
#include "ns_analyzer.h"
#include "ns_err.h"

/* After ix_pipe_finish() and ix_pipe_spill(): merges p's runs and
 * inverters and writes every index file but the docstore and the document
 * table (ds_size and docs_size bytes, already written) into p->tmp_dir, for the documents of
 * `tables` (borrowed) analysed by an.  Consumes p's run files (unlinked and
 * freed, except on an early failure, when ix_pipe_release() does it);
 * *ws gets the writer's statistics. */
ns_rc ix_commit_write(ix_pipe *p, size_t max_fanin, ns_analyzer *an, const ix_doc_tables *tables,
                      uint64_t ds_size, uint64_t docs_size, ix_writer_stats *ws,
                      ns_err *err);

#endif
