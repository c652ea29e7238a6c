/* ix_file: writes one index file: header, buffered payload, checksum
 * footer, fsync.  Errors are sticky (FTS5 style): ix_file_write records the
 * first failure and ix_file_finish reports it. */
#ifndef IX_FILE_H
#define IX_FILE_H

#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_format.h"

typedef struct ix_file {
    int fd;
    char *path;           /* owned */
    ns_sum sum;
    ns_buf buf;           /* pending bytes */
    uint64_t payload_len; /* bytes of payload written so far (incl. pending) */
    uint64_t written;     /* bytes handed to write() */
    uint64_t synced;      /* bytes whose writeback was started */
    ns_rc rc;             /* sticky */
    int sys_errno;
} ix_file;

/* Creates dir/<ns_file_name(kind)> (truncating) and writes its header,
 * with the kind's codec id (ns_file_codec). */
ns_rc ix_file_open(ix_file *f, const char *dir, ns_file_kind kind, ns_err *err);
void ix_file_write(ix_file *f, const void *p, size_t n);
static inline uint64_t ix_file_off(const ix_file *f) { return f->payload_len; }
/* Writes an offset table (FORMAT.md "docs", "docstore"): n + 1 payload
 * offsets, base then base + len[0] + ... + len[i], each a little-endian
 * integer of 4 bytes when the last fits in 32 bits, else 8.  Returns the
 * width used. */
unsigned ix_file_write_offsets(ix_file *f, uint64_t base, const uint32_t *len, size_t n);
/* Writes the footer, flushes, fsyncs and closes.  *size gets the file size. */
ns_rc ix_file_finish(ix_file *f, uint64_t *size, ns_err *err);
/* Closes without finishing (error paths); accepts a released file. */
void ix_file_release(ix_file *f);

#endif
