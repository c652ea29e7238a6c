/* sh_set: the statistics of a set of shards (FORMAT.md "shard", "global";
 * README "Shards"): each shard's own (its `shard` file's head and term
 * entries, the "stats" a shard contributes), their merge into the set's
 * (documents, tokens and every term's df summed, after checking that the
 * shards form one complete set from one input), and the application of the
 * merged statistics to one shard: its `global` file, and its postings and
 * dictionary rewritten so that every block and term bound is the exact
 * maximum under the set's average length.
 *
 * Its own module because it is the one step that reads an index
 * (searcher/) and writes one (indexer/'s writer); the library's
 * nsearch_shards_merge and the MPI driver (which moves the same bytes with
 * collective operations) both call it.
 *
 * The statistics travel as byte strings, the same on every machine:
 *   stats   NS_SHARD_HEAD_LEN bytes of head, then the shard's entries
 *           (ns_stats_entry_put: every term of its dictionary, in order);
 *   global  NS_GLOBAL_HEAD_LEN bytes of head (n_local: the set's n_terms),
 *           n_shards u64 hashes (XXH64 of each shard's stats, by shard
 *           number), then the set's entries (term, df in the set). */
#ifndef SH_SET_H
#define SH_SET_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"
#include "sr_index.h"

/* Appends ix's stats to out.  NS_E_ARG when ix is not a shard, NS_E_NOMEM. */
ns_rc sh_stats_of(const sr_index *ix, ns_buf *out, ns_err *err);

/* Merges the stats of n shards (stats[i], len[i] bytes; label[i] names
 * shard i in messages, e.g. its directory) into the set's global
 * statistics, appended to out.  The shards must be shards 0..N-1 of one
 * N, each once, built from the same input (same n_input) with the same
 * analyzer: else NS_E_ARG with a message naming the shard that is missing,
 * repeated or does not belong.  NS_E_CORRUPT (malformed stats), NS_E_NOMEM. */
ns_rc sh_merge(const uint8_t *const *stats, const size_t *len, const char *const *label, size_t n,
               ns_buf *out, ns_err *err);

/* Applies the global statistics (global[0..len)) to the shard directory
 * dir: takes its lock (NS_E_BUSY), writes a new directory beside it with
 * the rewritten postings, positions, dictionary, doclens and meta, the
 * unchanged files linked (or copied), and the `global` file, and swaps it
 * into place atomically.  Applying the same statistics again gives the same
 * files.  NS_E_ARG when dir is not a shard whose stats went into global,
 * NS_E_CORRUPT, NS_E_IO, NS_E_NOMEM. */
ns_rc sh_apply(const char *dir, const uint8_t *global, size_t len, ns_err *err);

/* The set's statistics recomputed from the open shards ix[0..n) and checked
 * against each one's `global` file (nsearch --check over a set): fn gets one
 * line per problem (may be NULL); returns the number found, or -1 with err
 * set when the shards are not one set (as sh_merge) or out of memory. */
int64_t sh_check(const sr_index *const *ix, size_t n, void (*fn)(void *ctx, const char *msg),
                 void *ctx, ns_err *err);

#endif
