/* fuzz_util: scratch files and failure reporting for the fuzz harnesses
 * (see fuzz_util.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_dir[4096];
static char path_buf[4096 + 256];

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: property failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void fuzz_remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_scratch(void)
{
    if (scratch_dir[0])
        fuzz_remove_tree(scratch_dir);
}

const char *fuzz_scratch(void)
{
    if (scratch_dir[0])
        return scratch_dir;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    int n = snprintf(scratch_dir, sizeof scratch_dir, "%s/nsfuzz-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof scratch_dir || !mkdtemp(scratch_dir)) {
        fprintf(stderr, "fuzz: cannot make a scratch directory in '%s': %s\n", tmp,
                strerror(errno));
        abort();
    }
    atexit(remove_scratch);
    return scratch_dir;
}

const char *fuzz_path(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", fuzz_scratch(), name);
    return path_buf;
}

void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "fuzz: cannot create '%s': %s\n", path, strerror(errno));
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "fuzz: cannot write '%s': %s\n", path, strerror(errno));
            abort();
        }
        done += (size_t)w;
    }
    close(fd);
}
