/* ix_pipe: the analysis pipeline of a build: N worker threads, each with
 * its own analyzer (and stem cache), inverter and zstd context, which take
 * batches (ix_batch.h) from a queue, analyse their documents into the
 * inverter and compress their docstore frames; the memory accounting that
 * decides when an inverter is written out as a sorted run file; and the
 * list of those runs.
 *
 * The calling thread submits batches in input order and takes them back in
 * the same order once done (ix_pipe_take); what it does with them
 * (warnings, duplicate ids, the docstore) is ix_build's business.  With one
 * thread no thread is started: ix_pipe_process_here and
 * ix_pipe_account_here run the same steps on the calling thread.
 *
 * Its own file because it is the only multi-threaded part of intake: the
 * mutex, the queue and the worker loop live here and nowhere else.  The
 * struct is public so that ix_build can embed it and the commit (ix_commit)
 * can merge the run files and inverters it leaves; the fields below
 * `private` are for ix_pipe.c only. */
#ifndef IX_PIPE_H
#define IX_PIPE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ix_batch.h"
#include "ix_inv.h"
#include "ns_analyzer.h"
#include "ns_err.h"

typedef struct ix_pipe_worker ix_pipe_worker; /* private to ix_pipe.c */

typedef struct ix_pipe {
    /* settings, before ix_pipe_start() */
    unsigned n_threads;
    uint64_t mem;        /* the build's memory budget in bytes */
    const char *tmp_dir; /* borrowed: where run files go */
    /* borrowed: the docstore dictionary (NULL: none); set before the first
     * batch is submitted and unchanged after */
    const struct ix_docstore_dict *dict;
    /* set by ix_pipe_start() */
    size_t batch_target; /* bytes of records at which a batch is sent */
    size_t max_inflight; /* batches submitted and not yet taken back */
    /* run files, oldest first; under mu while threads run */
    char **runs; /* owned, and the paths too; ix_pipe_release() unlinks them */
    size_t n_runs, cap_runs;
    unsigned run_seq;                   /* names the next run file */
    uint64_t n_runs_written, run_bytes; /* for statistics, under mu */

    /* private */
    ix_pipe_worker *workers; /* owned, n_threads; NULL until ix_pipe_start() */
    int threads_running;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    ix_batch *q_head, *q_tail;   /* work queue */
    ix_batch *fl_head, *fl_tail; /* in flight, in order; owned */
    size_t n_inflight;
    int stop, finishing, aborting;
    size_t other_mem; /* batches and per-document tables, under mu */
} ix_pipe;

/* For a pipe the caller embeds: one thread and a budget of mem bytes;
 * tmp_dir is the caller's to set before the first run is written. */
void ix_pipe_init(ix_pipe *p, uint64_t mem);
/* Stops the threads at once, frees the workers and the batches in flight,
 * and unlinks and frees the run files left. */
void ix_pipe_release(ix_pipe *p);

/* Makes the workers, with analyzers like proto's (language, stop list),
 * and starts the threads (none with one thread).  After a failure the
 * pipe is only fit for ix_pipe_release(). */
ns_rc ix_pipe_start(ix_pipe *p, const ns_analyzer *proto, ns_err *err);
/* Whether ix_pipe_start() was called. */
int ix_pipe_started(const ix_pipe *p);

/* Several threads: queues bt (owned by the pipe until taken back). */
void ix_pipe_submit(ix_pipe *p, ix_batch *bt);
/* Several threads: the oldest batch in flight if it is done, waiting for it
 * while more than `keep` are in flight; NULL if it is not done.
 * Returns: owned by the caller again. */
ix_batch *ix_pipe_take(ix_pipe *p, size_t keep);
/* The first failure of a worker (its flush or final sort), if any. */
ns_rc ix_pipe_failure(ix_pipe *p, ns_err *err);

/* One thread: analyses bt on the calling thread (failures in bt->rc). */
void ix_pipe_process_here(ix_pipe *p, ix_batch *bt);
/* One thread, after the batch is collected: measures the worker and writes
 * its inverter out as a run if the budget says so. */
ns_rc ix_pipe_account_here(ix_pipe *p, ns_err *err);

/* Tells the workers how much of the budget the rest of the build holds
 * (batches, per-document tables). */
void ix_pipe_set_other_mem(ix_pipe *p, size_t bytes);

/* Input done: waits until the queue is empty and stops the threads; every
 * inverter is then sorted. */
ns_rc ix_pipe_finish(ix_pipe *p, ns_err *err);
/* After ix_pipe_finish(): writes every non-empty inverter out as a run too,
 * if any run was written (so that the final merge holds read buffers only). */
ns_rc ix_pipe_spill(ix_pipe *p, ns_err *err);
/* After ix_pipe_finish(): worker i's sorted inverter.
 * Returns: borrowed, valid until ix_pipe_release(). */
ix_inv *ix_pipe_inv(const ix_pipe *p, unsigned i);

/* After ix_pipe_finish(): the words the workers' analyzers split for being
 * longer than NS_TOKEN_MAX_BYTES. */
uint64_t ix_pipe_long_words(const ix_pipe *p);

/* Runs written and their bytes so far (takes the mutex). */
void ix_pipe_run_stats(const ix_pipe *p, uint64_t *n_runs, uint64_t *bytes);

#endif
