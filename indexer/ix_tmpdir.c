/* ix_tmpdir: temporary directory naming, stale-temporary cleanup and the
 * atomic installation of a finished index (see ix_tmpdir.h). */
#define _GNU_SOURCE /* renameat2 */
#include "ix_tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns_alloc.h"
#include "ns_format.h"

char *ix_tmpdir_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = ns_malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* Splits out_dir into parent (returned: owned, free with ns_free(); NULL
 * when out of memory) and base (*base: borrowed, points into out_dir). */
static char *parent_of(const char *out_dir, const char **base)
{
    const char *slash = strrchr(out_dir, '/');
    if (!slash) {
        *base = out_dir;
        return ns_strndup(".", 1);
    }
    *base = slash + 1;
    return ns_strndup(out_dir, slash == out_dir ? 1 : (size_t)(slash - out_dir));
}

int ix_tmpdir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int fd = dirfd(d);
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(fd, e->d_name, 0);
    }
    closedir(d);
    return rmdir(dir);
}

int ix_tmpdir_clean_stale(const char *target)
{
    const char *base;
    char *parent = parent_of(target, &base);
    if (!parent)
        return 0;
    char prefix[512];
    snprintf(prefix, sizeof prefix, ".%s.tmp-", base);
    size_t pl = strlen(prefix);
    int removed = 0;
    DIR *d = opendir(parent);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strncmp(e->d_name, prefix, pl) != 0)
                continue;
            char *endp;
            long pid = strtol(e->d_name + pl, &endp, 10);
            if ((*endp && strcmp(endp, ".old") != 0) || pid <= 0)
                continue;
            if (pid != (long)getpid() && !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
                continue; /* a live build owns it */
            char *p = ix_tmpdir_path(parent, e->d_name);
            if (p && ix_tmpdir_remove(p) == 0)
                removed++;
            ns_free(p);
        }
        closedir(d);
    }
    ns_free(parent);
    return removed;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

static int is_index_file(const char *name)
{
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++)
        if (strcmp(name, ns_file_name((ns_file_kind)k)) == 0)
            return 1;
    return 0;
}

ns_rc ix_tmpdir_check_target(const char *target, int *is_index, ns_err *err)
{
    *is_index = 0;
    struct stat sb;
    if (lstat(target, &sb) != 0) {
        if (errno == ENOENT)
            return NS_OK;
        return ns_err_sys(err, NS_E_IO, errno, "cannot examine '%s'", target);
    }
    if (!S_ISDIR(sb.st_mode))
        return ns_err_set(err, NS_E_EXISTS, "'%s' exists and is not a directory; not replacing it",
                          target);
    DIR *d = opendir(target);
    if (!d)
        return ns_err_sys(err, NS_E_IO, errno, "cannot read directory '%s'", target);
    /* The first few foreign entries are named; the rest counted. */
    char names[160] = "";
    size_t n_foreign = 0, n_entries = 0, used = 0;
    int has_meta = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n_entries++;
        if (is_index_file(e->d_name)) {
            has_meta |= strcmp(e->d_name, ns_file_name(NS_FILE_META)) == 0;
            continue;
        }
        if (n_foreign++ < 3 && used < sizeof names) {
            int w = snprintf(names + used, sizeof names - used, "%s'%.40s'", used ? ", " : "",
                             e->d_name);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    closedir(d);
    if (n_entries == 0)
        return NS_OK;
    if (!has_meta)
        return ns_err_set(err, NS_E_EXISTS,
                          "'%s' exists and is not an nsearch index; not replacing it "
                          "(choose another -o or remove it)",
                          target);
    if (n_foreign) {
        char more[48] = "";
        if (n_foreign > 3)
            snprintf(more, sizeof more, " and %zu more", n_foreign - 3);
        return ns_err_set(err, NS_E_EXISTS,
                          "index '%s' also holds files that are not part of an index (%s%s); "
                          "not replacing it, which would delete them (move them elsewhere)",
                          target, names, more);
    }
    *is_index = 1;
    return NS_OK;
}

/* Returns: owned path of target's lock file ".NAME.lock" beside it; NULL
 * when out of memory. */
static char *lock_path(const char *target)
{
    const char *base;
    char *parent = parent_of(target, &base);
    if (!parent)
        return NULL;
    size_t n = strlen(base) + 8;
    char *name = ns_malloc(n);
    char *p = name ? (snprintf(name, n, ".%s.lock", base), ix_tmpdir_path(parent, name)) : NULL;
    ns_free(name);
    ns_free(parent);
    return p;
}

/* The pid written in the lock file at fd, or 0. */
static long lock_owner(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    return strtol(buf, NULL, 10);
}

ns_rc ix_tmpdir_lock(const char *target, int wait, ix_lock *lk, ns_err *err)
{
    lk->fd = -1;
    lk->path = lock_path(target);
    if (!lk->path)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (;;) {
        int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            break;
        int r;
        while ((r = flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) != 0 && errno == EINTR)
            ;
        if (r != 0) {
            int e = errno;
            ns_rc rc;
            if (e == EWOULDBLOCK) {
                long pid = lock_owner(fd);
                char who[48] = "another nindex";
                if (pid > 0)
                    snprintf(who, sizeof who, "another nindex (pid %ld)", pid);
                rc = ns_err_set(err, NS_E_BUSY,
                                "'%s' is being built by %s; not starting a second build (--wait "
                                "waits for it; the lock is '%s')",
                                target, who, lk->path);
            } else {
                rc = ns_err_sys(err, NS_E_IO, e, "cannot lock '%s'", lk->path);
            }
            close(fd);
            ns_free(lk->path);
            lk->path = NULL;
            return rc;
        }
        /* The holder before us removes the file as it lets go: ours is
         * the lock only if the name still leads to the file we locked. */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lk->path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
                ns_rc rc = ns_err_sys(err, NS_E_IO, errno ? errno : EIO,
                                      "cannot write the lock file '%s'", lk->path);
                unlink(lk->path);
                close(fd);
                ns_free(lk->path);
                lk->path = NULL;
                return rc;
            }
            lk->fd = fd;
            return NS_OK;
        }
        close(fd);
    }
    ns_rc rc = ns_err_sys(err, NS_E_IO, errno, "cannot create the lock file '%s'", lk->path);
    ns_free(lk->path);
    lk->path = NULL;
    return rc;
}

void ix_tmpdir_unlock(ix_lock *lk)
{
    if (lk->fd >= 0) {
        unlink(lk->path); /* while still holding it: see ix_tmpdir_lock */
        close(lk->fd);
    }
    ns_free(lk->path);
    lk->fd = -1;
    lk->path = NULL;
}

ns_rc ix_tmpdir_create(const char *out_dir, int wait, char **target, char **tmp_dir, ix_lock *lk,
                       ns_err *err)
{
    *target = *tmp_dir = NULL;
    lk->fd = -1;
    lk->path = NULL;
    size_t ol = strlen(out_dir);
    while (ol > 1 && out_dir[ol - 1] == '/')
        ol--;
    char *t = ns_strndup(out_dir, ol); /* owned until handed to *target */
    const char *base;
    char *parent = t ? parent_of(t, &base) : NULL; /* owned */
    if (!parent) {
        ns_free(t);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        ns_free(parent);
        ns_free(t);
        return ns_err_set(err, NS_E_ARG, "'%s' cannot be an index directory: name it, e.g. 'index'",
                          out_dir);
    }
    ns_rc rc;
    struct stat sb;
    if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rc = ns_err_sys(err, NS_E_IO, errno ? errno : ENOTDIR,
                        "cannot create the index in '%s'", parent);
        ns_free(parent);
        ns_free(t);
        return rc;
    }
    int is_index;
    rc = ix_tmpdir_check_target(t, &is_index, err);
    if (!rc)
        rc = ix_tmpdir_lock(t, wait, lk, err);
    if (rc) {
        ns_free(parent);
        ns_free(t);
        return rc;
    }
    ix_tmpdir_clean_stale(t);
    char name[512];
    snprintf(name, sizeof name, ".%s.tmp-%ld", base, (long)getpid());
    char *tmp = ix_tmpdir_path(parent, name); /* owned until handed to *tmp_dir */
    ns_free(parent);
    if (!tmp) {
        ix_tmpdir_unlock(lk);
        ns_free(t);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    if (mkdir(tmp, 0755) != 0) {
        rc = ns_err_sys(err, NS_E_IO, errno, "cannot create '%s'", tmp);
        ix_tmpdir_unlock(lk);
        ns_free(tmp);
        ns_free(t);
        return rc;
    }
    *target = t;
    *tmp_dir = tmp;
    return NS_OK;
}

ns_rc ix_tmpdir_install(const char *tmp_dir, const char *target, int *installed, ns_err *err)
{
    *installed = 0;
    if (fsync_dir(tmp_dir) != 0)
        return ns_err_sys(err, NS_E_IO, errno, "cannot sync '%s'", tmp_dir);

    /* The target must be absent, empty, or an index of ours (checked again:
     * it may have changed since the build started). */
    int is_index;
    ns_rc crc = ix_tmpdir_check_target(target, &is_index, err);
    if (crc)
        return crc;
    if (is_index) {
        if (renameat2(AT_FDCWD, tmp_dir, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
            /* tmp_dir now holds the old index; if it cannot be removed
             * now, the next run removes it as stale */
            ix_tmpdir_remove(tmp_dir);
            goto done;
        }
        if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
            return ns_err_sys(err, NS_E_IO, errno, "cannot install '%s' as '%s'", tmp_dir, target);
        /* No RENAME_EXCHANGE on this file system: move the old index
         * aside first (a reader starting in between sees no index). */
        char aside[4096];
        snprintf(aside, sizeof aside, "%s.old", tmp_dir);
        if (rename(target, aside) != 0)
            return ns_err_sys(err, NS_E_IO, errno, "cannot replace '%s'", target);
        if (rename(tmp_dir, target) != 0) {
            ns_rc rc = ns_err_sys(err, NS_E_IO, errno, "cannot install '%s' as '%s'", tmp_dir,
                                  target);
            if (rename(aside, target) != 0)
                rc = ns_err_set(err, NS_E_IO, "cannot install '%s'; the old index is at '%s'",
                                target, aside);
            return rc;
        }
        ix_tmpdir_remove(aside);
        goto done;
    }
    /* absent, or an empty directory (rename replaces an empty one) */
    if (rename(tmp_dir, target) != 0)
        return ns_err_sys(err, NS_E_IO, errno, "cannot install '%s' as '%s'", tmp_dir, target);
done:
    *installed = 1;
    const char *base;
    char *parent = parent_of(target, &base); /* owned */
    if (!parent)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ns_rc rc = NS_OK;
    if (fsync_dir(parent) != 0)
        rc = ns_err_sys(err, NS_E_IO, errno, "the new index is in '%s' but cannot sync '%s'",
                        target, parent);
    ns_free(parent);
    return rc;
}
