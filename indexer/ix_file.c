/* ix_file: buffered, checksummed writer for one index file (see ix_file.h). */
#define _GNU_SOURCE /* sync_file_range */
#include "ix_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ns_alloc.h"
#include "ns_endian.h"
#include "ns_rec.h"

#define IX_FILE_FLUSH (1u << 20)
/* Writeback of what is written is started every this many bytes, so that
 * the disk works while the build goes on and the final fsync finds little
 * left (the docstore's fsync was 2% of a build's time). */
#define IX_FILE_WRITEBEHIND ((uint64_t)8 << 20)

ns_rc ix_file_open(ix_file *f, const char *dir, ns_file_kind kind, ns_err *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    ns_buf_init(&f->buf);
    size_t n = strlen(dir) + strlen(ns_file_name(kind)) + 2;
    f->path = ns_malloc(n);
    if (!f->path || ns_sum_init(&f->sum)) {
        ix_file_release(f);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    snprintf(f->path, n, "%s/%s", dir, ns_file_name(kind));
    f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        ns_rc rc = ns_err_sys(err, NS_E_IO, errno, "cannot create '%s'", f->path);
        ix_file_release(f);
        return rc;
    }
    uint8_t h[NS_HEADER_LEN];
    ns_header_write(h, kind, ns_file_codec(kind));
    if (ns_buf_append(&f->buf, h, sizeof h)) {
        ix_file_release(f);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    ns_sum_update(&f->sum, h, sizeof h);
    return NS_OK;
}

/* Writes p[0..n) at the end of the file (errors are sticky). */
static void write_all(ix_file *f, const void *p, size_t n)
{
    size_t off = 0;
    while (off < n && !f->rc) {
        ssize_t w = write(f->fd, (const uint8_t *)p + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            f->rc = NS_E_IO;
            f->sys_errno = errno;
        } else {
            off += (size_t)w;
        }
    }
    f->written += off;
#ifdef SYNC_FILE_RANGE_WRITE
    if (!f->rc && f->written - f->synced >= IX_FILE_WRITEBEHIND) {
        /* a hint: fsync still decides, so its failure is ignored here */
        (void)sync_file_range(f->fd, (off_t)f->synced, (off_t)(f->written - f->synced),
                              SYNC_FILE_RANGE_WRITE);
        f->synced = f->written;
    }
#endif
}

static void flush(ix_file *f)
{
    write_all(f, f->buf.data, f->buf.len);
    ns_buf_reset(&f->buf);
}

void ix_file_write(ix_file *f, const void *p, size_t n)
{
    if (f->rc)
        return;
    ns_sum_update(&f->sum, p, n);
    f->payload_len += n;
    if (n >= IX_FILE_FLUSH) {
        flush(f);
        write_all(f, p, n);
        return;
    }
    if (ns_buf_append(&f->buf, p, n)) {
        f->rc = NS_E_NOMEM;
        return;
    }
    if (f->buf.len >= IX_FILE_FLUSH)
        flush(f);
}

unsigned ix_file_write_offsets(ix_file *f, uint64_t base, const uint32_t *len, size_t n)
{
    uint64_t last = base;
    for (size_t i = 0; i < n; i++)
        last += len[i];
    unsigned width = ns_offset_width(last);
    uint8_t chunk[4096];
    size_t k = 0;
    uint64_t off = base;
    for (size_t i = 0; i <= n; i++) {
        ns_offset_put(chunk + k, width, off);
        k += width;
        if (k + 8 > sizeof chunk || i == n) {
            ix_file_write(f, chunk, k);
            k = 0;
        }
        if (i < n)
            off += len[i];
    }
    return width;
}

ns_rc ix_file_finish(ix_file *f, uint64_t *size, ns_err *err)
{
    uint8_t foot[NS_FOOTER_LEN];
    ns_sum_footer(&f->sum, foot);
    if (!f->rc && ns_buf_append(&f->buf, foot, sizeof foot))
        f->rc = NS_E_NOMEM;
    flush(f);
    if (!f->rc && fsync(f->fd) != 0) {
        f->rc = NS_E_IO;
        f->sys_errno = errno;
    }
    if (close(f->fd) != 0 && !f->rc) {
        f->rc = NS_E_IO;
        f->sys_errno = errno;
    }
    f->fd = -1;
    ns_rc rc = f->rc;
    if (rc == NS_E_IO)
        ns_err_sys(err, rc, f->sys_errno, "cannot write '%s'", f->path);
    else if (rc)
        ns_err_set(err, rc, "cannot write '%s': %s", f->path, ns_rc_str(rc));
    if (size)
        *size = NS_HEADER_LEN + f->payload_len + NS_FOOTER_LEN;
    ix_file_release(f);
    return rc;
}

void ix_file_release(ix_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    ns_free(f->path);
    f->path = NULL;
    ns_sum_release(&f->sum);
    ns_buf_release(&f->buf);
}
