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

/* A held lock of an index directory (ix_tmpdir_lock). */
typedef struct ix_lock {
    int fd;     /* owned; -1 when not held */
    char *path; /* owned: the lock file */
} ix_lock;

/* Checks that out_dir names a directory an index may go to (its parent
 * exists; it is absent, empty or an index: ix_tmpdir_check_target), locks it
 * (ix_tmpdir_lock), removes stale temporaries of it (ix_tmpdir_clean_stale)
 * and creates this process's temporary directory beside it.
 * Returns: owned *target (out_dir without trailing slashes) and *tmp_dir,
 * free with ns_free(); both NULL on failure; *lk held, release with
 * ix_tmpdir_unlock() after the install (not held on failure).  Errors: NS_E_ARG
 * (a name that cannot be an index), NS_E_EXISTS, NS_E_BUSY, NS_E_IO. */
ns_rc ix_tmpdir_create(const char *out_dir, int wait, char **target, char **tmp_dir, ix_lock *lk,
                       ns_err *err);

/* What target is: absent or an empty directory (NS_OK, *is_index = 0), an
 * index directory holding nothing but index files (NS_OK, *is_index = 1),
 * or anything else: NS_E_EXISTS with a message naming the foreign files
 * (replacing it would delete them); NS_E_IO when it cannot be read. */
ns_rc ix_tmpdir_check_target(const char *target, int *is_index, ns_err *err);

/* Takes the exclusive lock of target: flock(2) on ".NAME.lock" beside it,
 * which holds the owner's pid and is removed when the lock is released.
 * The kernel drops the lock when the process exits or is killed, so the
 * file a killed build leaves never blocks (the next build takes it over).
 * wait: block until another build releases it, else fail at once with
 * NS_E_BUSY naming the owner's pid.  On success *lk is held; on failure it
 * is not (and needs no unlock). */
ns_rc ix_tmpdir_lock(const char *target, int wait, ix_lock *lk, ns_err *err);
/* Releases a lock from ix_tmpdir_lock and removes its file; accepts one
 * not held. */
void ix_tmpdir_unlock(ix_lock *lk);

/* Removes the temporary directories of target left by dead processes (and
 * this process's own); returns how many were removed. */
int ix_tmpdir_clean_stale(const char *target);

/* Removes a flat directory of ours (files only, no subdirectories) and the
 * directory itself; 0 on success or if it does not exist, else -1. */
int ix_tmpdir_remove(const char *dir);

/* Returns: owned "a/b", free with ns_free(); NULL when out of memory. */
char *ix_tmpdir_path(const char *a, const char *b);

/* Makes tmp_dir's entries durable and installs tmp_dir as target, which
 * must be absent, an empty directory or an nsearch index holding nothing
 * else (ix_tmpdir_check_target),
 * and then fsyncs target's parent.  An old index is exchanged atomically
 * (or, without RENAME_EXCHANGE, moved aside first) and removed.  On
 * success tmp_dir no longer exists under its name; on failure it is left in
 * place for the caller to remove, and the old index is where it was unless
 * the message says otherwise.  *installed is set once the new index is in
 * place: a failure after that (the parent's fsync: the installation may not
 * survive a crash) returns NS_E_IO with *installed = 1. */
ns_rc ix_tmpdir_install(const char *tmp_dir, const char *target, int *installed, ns_err *err);

#endif
