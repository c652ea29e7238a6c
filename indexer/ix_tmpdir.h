/* ix_tmpdir: the temporary directory a build writes into, and its atomic
 * installation as the index directory.
 *
 * A build writes every file into `.<name>.tmp-<pid>` beside the target
 * `<name>`, so that a reader never sees a half-written index and a killed
 * build leaves only a directory that the next build recognises as stale (its
 * process is gone) and removes.  The commit fsyncs the files' directory and
 * swaps it with the old index in one renameat2(RENAME_EXCHANGE), falling
 * back to two renames where the file system lacks it.
 *
 * Its own file because none of this is about indexing: it is naming, the
 * POSIX directory calls and their failure cases, which ix_build only
 * sequences. */
#ifndef IX_TMPDIR_H
#define IX_TMPDIR_H

#include "ns_err.h"

/* Checks that out_dir names a directory an index may go to (its parent
 * exists), removes stale temporaries of it (ix_tmpdir_clean_stale) and
 * creates this process's temporary directory beside it.
 * Returns: owned *target (out_dir without trailing slashes) and *tmp_dir,
 * free with ns_free(); both NULL on failure. */
ns_rc ix_tmpdir_create(const char *out_dir, char **target, char **tmp_dir, ns_err *err);

/* Removes the temporary directories of target left by dead processes (and
 * this process's own); returns how many were removed. */
int ix_tmpdir_clean_stale(const char *target);

/* Removes a flat directory of ours (files only, no subdirectories) and the
 * directory itself; 0 on success or if it does not exist, else -1. */
int ix_tmpdir_remove(const char *dir);

/* Returns: owned "a/b", free with ns_free(); NULL when out of memory. */
char *ix_tmpdir_path(const char *a, const char *b);

/* Makes tmp_dir's entries durable and installs tmp_dir as target, which
 * must be absent, an empty directory or an nsearch index (it has a "meta"),
 * and then fsyncs target's parent.  An old index is exchanged atomically
 * (or, without RENAME_EXCHANGE, moved aside first) and removed.  On
 * success tmp_dir no longer exists under its name; on failure it is left in
 * place for the caller to remove, and the old index is where it was unless
 * the message says otherwise.  *installed is set once the new index is in
 * place: a failure after that (the parent's fsync: the installation may not
 * survive a crash) returns NS_E_IO with *installed = 1. */
ns_rc ix_tmpdir_install(const char *tmp_dir, const char *target, int *installed, ns_err *err);

#endif
