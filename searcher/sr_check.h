/* sr_check: full verification of an index (nsearch --check): every file's
 * checksum, then every structural invariant: dictionary order and offsets,
 * each posting list decoded (ids increasing and live, frequencies summing
 * to the term's total, skip entries matching their blocks, the stored
 * max score bounding the real one), positions increasing within each
 * document and inside it, token counts agreeing with doclens, each title
 * length matching its stored title analysed again (0 when dead), keyword
 * terms of recorded fields with tf 1 and no positions, and every docstore
 * block decompressing to its records. */
#ifndef SR_CHECK_H
#define SR_CHECK_H

#include <stdint.h>

#include "sr_index.h"

/* Called once per problem found; msg names the file and what is wrong. */
typedef void (*sr_check_cb)(void *ctx, const char *msg);

/* Checks each file's frame and checksum without opening the index (so a
 * damaged 'meta' is named as such); *n_problems gets the number of
 * problems (a file missing, empty, not a regular file, or damaged).  A file
 * that cannot be read at all (permissions, an I/O error) says nothing about
 * the index: that stops the check with NS_E_IO (NS_E_NOMEM when it cannot
 * be mapped for lack of memory) and err set. */
ns_rc sr_check_files(const char *dir, sr_check_cb cb, void *ctx, uint64_t *n_problems, ns_err *err);

/* Returns the number of problems found (0: sound).  Stops early after
 * about 100 problems.  NS_E_NOMEM is reported as a problem too. */
uint64_t sr_check(sr_index *ix, sr_check_cb cb, void *ctx);

#endif
