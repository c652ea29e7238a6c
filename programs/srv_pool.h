/* srv_pool: the index `nsearch serve` answers from, and its readers.
 *
 * The served directory, or the shards of a set (nsearch_index_open_set),
 * is opened as a generation: one nsearch_index and the nsearch_readers made
 * from it, lent to requests one at a time.  When nindex swaps a new index
 * into a directory (a new directory inode, see FORMAT.md "The directory"),
 * srv_pool_reload opens them all as the next generation; a set caught half
 * rebuilt or half merged is refused by nsearch_index_open_set and the old
 * generation serves on until the set is whole again; requests already running finish on the old one, which is
 * closed when the last of them gives its reader back.  No request waits
 * for a reload and none fails because of one.
 *
 * Thread rule: every function may be called from any thread at any time,
 * except srv_pool_free (after the last srv_pool_release). */
#ifndef SRV_POOL_H
#define SRV_POOL_H

#include <stdint.h>
#include <time.h>

#include "nsearch.h"

typedef struct srv_pool srv_pool;
typedef struct srv_gen srv_gen;

/* A reader lent to one request: use it, then give it back with
 * srv_pool_release.  Plain data. */
typedef struct srv_lease {
    srv_gen *gen;            /* the generation it belongs to */
    nsearch_reader *reader;  /* borrowed until srv_pool_release */
    const nsearch_index *ix; /* the same generation's index */
    uint64_t generation;     /* 1 for the index opened first, +1 per reload */
    time_t opened;           /* when that generation was opened */
    time_t built;            /* when it was built (its meta file's time; 0:
                                unknown) */
} srv_lease;

/* Opens the index dirs[0] (n 1), or the set of shards dirs[0..n) (n > 1),
 * as generation 1; the names are copied.  Errors: those of
 * nsearch_index_open_set.  Returns: owned *out, free with srv_pool_free. */
nsearch_rc srv_pool_open(const char *const *dirs, size_t n, srv_pool **out, nsearch_error *err);

/* Closes every generation; no lease may be outstanding.  Accepts NULL. */
void srv_pool_free(srv_pool *p);

/* Lends a reader of the newest generation (made on demand; kept for the
 * next request after release).  Errors: NSEARCH_E_NOMEM. */
nsearch_rc srv_pool_acquire(srv_pool *p, srv_lease *out, nsearch_error *err);

/* Gives the lease's reader back; closes its generation if a newer one has
 * replaced it and this was its last lease. */
void srv_pool_release(srv_pool *p, srv_lease *l);

/* What srv_pool_reload did. */
typedef enum srv_reload {
    SRV_RELOAD_SAME = 0,   /* the directory is the one being served */
    SRV_RELOAD_OPENED = 1, /* a new generation is being served */
    SRV_RELOAD_FAILED = 2  /* the directory changed (or force) but could not
                              be opened: err says why; the old one serves on */
} srv_reload;

/* Opens the directories again when one is no longer the directory of the
 * newest generation (another device or inode: nindex swapped a new index
 * in), or always when force.  A directory that is absent for now (between
 * the two renames of a file system without RENAME_EXCHANGE) is SAME.
 * Only one reload runs at a time; the others return SAME. */
srv_reload srv_pool_reload(srv_pool *p, int force, nsearch_error *err);

/* The newest generation's number (1 first). */
uint64_t srv_pool_generation(srv_pool *p);

#endif
