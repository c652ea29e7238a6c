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
#include <sys/stat.h>
#include <unistd.h>

#include "ns_alloc.h"

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

ns_rc ix_tmpdir_create(const char *out_dir, char **target, char **tmp_dir, ns_err *err)
{
    *target = *tmp_dir = NULL;
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
    ix_tmpdir_clean_stale(t);
    char name[512];
    snprintf(name, sizeof name, ".%s.tmp-%ld", base, (long)getpid());
    char *tmp = ix_tmpdir_path(parent, name); /* owned until handed to *tmp_dir */
    ns_free(parent);
    if (!tmp) {
        ns_free(t);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    if (mkdir(tmp, 0755) != 0) {
        rc = ns_err_sys(err, NS_E_IO, errno, "cannot create '%s'", tmp);
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

    /* The target must be absent, empty, or an index of ours. */
    struct stat sb;
    if (lstat(target, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return ns_err_set(err, NS_E_ARG, "'%s' exists and is not a directory; not replacing it",
                              target);
        char *meta = ix_tmpdir_path(target, "meta");
        int is_index = meta && access(meta, F_OK) == 0;
        ns_free(meta);
        int empty = 0;
        if (!is_index && rmdir(target) == 0)
            empty = 1;
        if (!is_index && !empty)
            return ns_err_set(err, NS_E_ARG,
                              "'%s' exists and is not an nsearch index; not replacing it "
                              "(choose another -o or remove it)",
                              target);
        if (is_index) {
            if (renameat2(AT_FDCWD, tmp_dir, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
                /* tmp_dir now holds the old index; if it cannot be removed
                 * now, the next run removes it as stale */
                ix_tmpdir_remove(tmp_dir);
                goto done;
            }
            if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
                return ns_err_sys(err, NS_E_IO, errno, "cannot install '%s' as '%s'", tmp_dir,
                                  target);
            /* No RENAME_EXCHANGE on this file system: move the old index
             * aside first (a reader starting in between sees no index). */
            char aside[4096];
            snprintf(aside, sizeof aside, "%s.old", tmp_dir);
            if (rename(target, aside) != 0)
                return ns_err_sys(err, NS_E_IO, errno, "cannot replace '%s'", target);
            if (rename(tmp_dir, target) != 0) {
                ns_rc rc = ns_err_sys(err, NS_E_IO, errno, "cannot install '%s' as '%s'",
                                      tmp_dir, target);
                if (rename(aside, target) != 0)
                    rc = ns_err_set(err, NS_E_IO, "cannot install '%s'; the old index is at '%s'",
                                    target, aside);
                return rc;
            }
            ix_tmpdir_remove(aside);
            goto done;
        }
    }
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
