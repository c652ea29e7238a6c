/* ns_fault: an LD_PRELOAD shim that makes one chosen call of a process fail,
 * for the fault-injection tests (tests/test_cli_fault.c).
 *
 * It wraps the calls a build makes to persist data: creating a file
 * (open/openat with O_CREAT, creat) or a directory (mkdir, mkdirat),
 * writing (write, pwrite, writev, pwritev, ftruncate, fallocate), syncing
 * (fsync, fdatasync) and renaming (rename, renameat, renameat2).  Calls on
 * file descriptors 0-2 are not counted, so that messages to stderr neither
 * fail nor shift the count.  sync_file_range is not wrapped: the indexer
 * uses it as a writeback hint whose errors fsync reports.  Reads, unlink
 * and rmdir never fail: they persist nothing.
 *
 * Environment:
 *   NS_FAULT_AT=N          the N-th counted call (from 1) fails; unset or 0:
 *                          nothing fails, the calls are only counted
 *   NS_FAULT_ERRNO=E       its errno: ENOSPC (default), EIO, EDQUOT, EROFS or
 *                          a number; or KILL: the process gets SIGKILL just
 *                          before the call is made (a kill -9 at that
 *                          exact moment: the report is written first)
 *   NS_FAULT_COUNT_FILE=F  at exit, the number of counted calls is written
 *                          to F
 *   NS_FAULT_REPORT=F      when the call fails, "op<TAB>path<TAB>errno\n" is
 *                          written to F (path of the file or directory the
 *                          call was about: for a descriptor, what
 *                          /proc/self/fd names; for a rename, the source)
 *   NS_FAULT_TRACE=F       every counted call is appended to F as
 *                          "n<TAB>op<TAB>path\n" (to choose points by hand)
 *   NS_FAULT_NO_EXCHANGE=1 renameat2(RENAME_EXCHANGE) fails with EINVAL, as
 *                          on a file system without it (not counted)
 *   NS_FAULT_DELAY_US=N    every counted call, and unlink, unlinkat and rmdir
 *                          (not counted), first sleeps N microseconds: a slow
 *                          disk, which widens the windows in which a reader
 *                          could catch an index half installed or half removed
 *   NS_FAULT_OPEN_DELAY_US=N  every open/openat without O_CREAT (not counted)
 *                          first sleeps N microseconds: a slow reader, which
 *                          widens the window between its opening the index
 *                          directory and its files
 *
 * Thread-safe: the count is atomic, so with several threads each call gets
 * one number, though which call gets which may vary between runs.
 *
 * Its own file, outside the tree's libraries, because it is loaded into the
 * built programs and must not link them; it is built without sanitizers
 * (under ASan, run with ASAN_OPTIONS=verify_asan_link_order=0). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* snprintf whose truncation is accepted (paths are cut, not overflowed) */
#define FMT(...) ((void)(snprintf(__VA_ARGS__) < 0))

static atomic_long n_calls;
static long fail_at = -1; /* -1: environment not read yet; 0: never */
static int fail_errno = ENOSPC;
static int kill_instead; /* NS_FAULT_ERRNO=KILL */
static long delay_us, open_delay_us;

/* The next definition of name after this library (libc, or ASan's). */
#define REAL(name) ((__typeof__(&name))real_fn(#name))
static void *real_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f)
        abort();
    return f;
}

static void read_env(void)
{
    const char *s = getenv("NS_FAULT_AT");
    long at = s ? strtol(s, NULL, 10) : 0;
    const char *e = getenv("NS_FAULT_ERRNO");
    if (e && *e) {
        if (!strcmp(e, "ENOSPC"))
            fail_errno = ENOSPC;
        else if (!strcmp(e, "EIO"))
            fail_errno = EIO;
        else if (!strcmp(e, "EDQUOT"))
            fail_errno = EDQUOT;
        else if (!strcmp(e, "EROFS"))
            fail_errno = EROFS;
        else if (!strcmp(e, "KILL"))
            kill_instead = 1;
        else if (atoi(e) > 0)
            fail_errno = atoi(e);
    }
    const char *d = getenv("NS_FAULT_DELAY_US");
    delay_us = d ? strtol(d, NULL, 10) : 0;
    const char *od = getenv("NS_FAULT_OPEN_DELAY_US");
    open_delay_us = od ? strtol(od, NULL, 10) : 0;
    fail_at = at > 0 ? at : 0;
}

static void delay(void)
{
    if (delay_us > 0)
        usleep((useconds_t)delay_us);
}

static void open_delay(void)
{
    if (fail_at < 0)
        read_env();
    if (open_delay_us > 0)
        usleep((useconds_t)open_delay_us);
}

__attribute__((constructor)) static void fault_init(void) { read_env(); }

/* Writes s to the file named by env var `var` (appending or replacing),
 * with the real calls, so that nothing is counted. */
static void put_file(const char *var, const char *s, int append)
{
    const char *path = getenv(var);
    if (!path || !*path)
        return;
    int fd = REAL(open)(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
    if (fd < 0)
        return;
    ssize_t r = REAL(write)(fd, s, strlen(s));
    (void)r;
    close(fd);
}

__attribute__((destructor)) static void fault_fini(void)
{
    char s[32];
    FMT(s, sizeof s, "%ld\n", (long)atomic_load(&n_calls));
    put_file("NS_FAULT_COUNT_FILE", s, 0);
}

static void fd_path(int fd, char *out, size_t cap)
{
    char link[64];
    FMT(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    out[n > 0 ? (size_t)n : 0] = 0;
}

/* Resolves a path relative to dirfd (AT_FDCWD or a directory). */
static void at_path(int dirfd, const char *p, char *out, size_t cap)
{
    if (dirfd == AT_FDCWD || p[0] == '/') {
        FMT(out, cap, "%s", p);
        return;
    }
    char d[2048];
    fd_path(dirfd, d, sizeof d);
    FMT(out, cap, "%s/%s", d, p);
}

/* Counts one call about `path` (or fd's file when path is NULL); returns
 * 1 if it is to fail (errno set). */
static int hit(const char *op, int fd, const char *path)
{
    if (fail_at < 0)
        read_env();
    delay();
    long n = atomic_fetch_add(&n_calls, 1) + 1;
    int trace = getenv("NS_FAULT_TRACE") != NULL;
    if (n != fail_at && !trace)
        return 0;
    char p[4096];
    if (path)
        FMT(p, sizeof p, "%s", path);
    else
        fd_path(fd, p, sizeof p);
    char line[4200];
    if (trace) {
        FMT(line, sizeof line, "%ld\t%s\t%s\n", n, op, p);
        put_file("NS_FAULT_TRACE", line, 1);
    }
    if (n != fail_at)
        return 0;
    FMT(line, sizeof line, "%s\t%s\t%d\n", op, p, kill_instead ? SIGKILL : fail_errno);
    put_file("NS_FAULT_REPORT", line, 0);
    if (kill_instead)
        raise(SIGKILL);
    errno = fail_errno;
    return 1;
}

#define FD_HIT(op, fd) ((fd) > 2 && hit(op, fd, NULL))

ssize_t write(int fd, const void *buf, size_t n)
{
    if (FD_HIT("write", fd))
        return -1;
    return REAL(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (FD_HIT("pwrite", fd))
        return -1;
    return REAL(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    if (FD_HIT("pwrite", fd))
        return -1;
    return REAL(pwrite64)(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    if (FD_HIT("writev", fd))
        return -1;
    return REAL(writev)(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    if (FD_HIT("pwritev", fd))
        return -1;
    return REAL(pwritev)(fd, iov, cnt, off);
}

int ftruncate(int fd, off_t len)
{
    if (FD_HIT("ftruncate", fd))
        return -1;
    return REAL(ftruncate)(fd, len);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    if (FD_HIT("fallocate", fd))
        return -1;
    return REAL(fallocate)(fd, mode, off, len);
}

int fsync(int fd)
{
    if (FD_HIT("fsync", fd))
        return -1;
    return REAL(fsync)(fd);
}

int fdatasync(int fd)
{
    if (FD_HIT("fdatasync", fd))
        return -1;
    return REAL(fdatasync)(fd);
}

static int creates(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

/* Counts an open that creates (1: it is to fail) or delays one that reads. */
static int open_hit(int dirfd, const char *path, int flags)
{
    if (!creates(flags)) {
        open_delay();
        return 0;
    }
    char p[4096];
    at_path(dirfd, path, p, sizeof p);
    return hit("open", -1, p);
}

/* The mode argument of an open, present only when it creates. */
#define OPEN_MODE(flags, mode)                                                                     \
    mode_t mode = 0;                                                                               \
    if (creates(flags)) {                                                                          \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        mode = (mode_t)va_arg(ap, int);                                                            \
        va_end(ap);                                                                                \
    }

int open(const char *path, int flags, ...)
{
    OPEN_MODE(flags, mode);
    return open_hit(AT_FDCWD, path, flags) ? -1 : REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    OPEN_MODE(flags, mode);
    return open_hit(AT_FDCWD, path, flags) ? -1 : REAL(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    OPEN_MODE(flags, mode);
    return open_hit(dirfd, path, flags) ? -1 : REAL(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    OPEN_MODE(flags, mode);
    return open_hit(dirfd, path, flags) ? -1 : REAL(openat64)(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
    if (hit("open", -1, path))
        return -1;
    return REAL(creat)(path, mode);
}

int mkdir(const char *path, mode_t mode)
{
    if (hit("mkdir", -1, path))
        return -1;
    return REAL(mkdir)(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    char p[4096];
    at_path(dirfd, path, p, sizeof p);
    if (hit("mkdir", -1, p))
        return -1;
    return REAL(mkdirat)(dirfd, path, mode);
}

int rename(const char *from, const char *to)
{
    if (hit("rename", -1, from))
        return -1;
    return REAL(rename)(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    char p[4096];
    at_path(fromfd, from, p, sizeof p);
    if (hit("rename", -1, p))
        return -1;
    return REAL(renameat)(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
    if ((flags & RENAME_EXCHANGE) && getenv("NS_FAULT_NO_EXCHANGE")) {
        errno = EINVAL; /* as on a file system without it; not counted */
        return -1;
    }
    char p[4096];
    at_path(fromfd, from, p, sizeof p);
    if (hit("rename", -1, p))
        return -1;
    return REAL(renameat2)(fromfd, from, tofd, to, flags);
}

int unlink(const char *path)
{
    delay();
    return REAL(unlink)(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    delay();
    return REAL(unlinkat)(dirfd, path, flags);
}

int rmdir(const char *path)
{
    delay();
    return REAL(rmdir)(path);
}
