/* ns_buf: growable byte buffer used by writers, parsers and output.
 *
 * The buffer always keeps NS_BUF_PAD zeroed, readable bytes after `len`, so
 * that a decoder reading a buffer (or a string consumer needing a NUL) never
 * runs off the end. */
#ifndef NS_BUF_H
#define NS_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

#define NS_BUF_PAD 16

typedef struct ns_buf {
    uint8_t *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;    /* bytes allocated, minus NS_BUF_PAD */
} ns_buf;

void ns_buf_init(ns_buf *b);
/* Frees the storage; accepts NULL; leaves b initialised and empty. */
void ns_buf_release(ns_buf *b);
/* Ensures room for `extra` more bytes. */
ns_rc ns_buf_reserve(ns_buf *b, size_t extra);
ns_rc ns_buf_append(ns_buf *b, const void *src, size_t n);
ns_rc ns_buf_putc(ns_buf *b, uint8_t c);
ns_rc ns_buf_puts(ns_buf *b, const char *s);
ns_rc ns_buf_put_u32le(ns_buf *b, uint32_t v);
ns_rc ns_buf_put_u64le(ns_buf *b, uint64_t v);
ns_rc ns_buf_printf(ns_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sticky appends, after SQLite FTS5's buffer helpers: each does nothing
 * when *rc already holds an error, else appends and stores its result in
 * *rc, so that a chain of them is checked once, at its end, for the first
 * failure. */
void ns_buf_append_s(ns_rc *rc, ns_buf *b, const void *src, size_t n);
void ns_buf_puts_s(ns_rc *rc, ns_buf *b, const char *s);
void ns_buf_putc_s(ns_rc *rc, ns_buf *b, uint8_t c);
void ns_buf_printf_s(ns_rc *rc, ns_buf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for any other call returning an ns_rc: evaluated only while *rc
 * is NS_OK, its result stored in *rc. */
#define NS_STICKY(rc, call) ((void)(*(rc) == NS_OK ? (*(rc) = (call)) : NS_OK))

/* Empties the buffer, keeping its storage. */
static inline void ns_buf_reset(ns_buf *b) { b->len = 0; }
/* Returns: borrowed NUL-terminated view of the contents ("" when empty). */
const char *ns_buf_cstr(const ns_buf *b);

#endif
