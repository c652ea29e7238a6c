/* srv_buf: the growable text buffer `nsearch serve` writes its answers in,
 * with sticky failure (the first allocation failure is kept and later
 * appends do nothing, as in SQLite FTS5's buffers) and JSON strings written
 * by the library's one JSON escaper (nsearch_escape, NSEARCH_ESCAPE_JSON). */
#ifndef SRV_BUF_H
#define SRV_BUF_H

#include <stddef.h>

typedef struct srv_buf {
    char *p;     /* owned; NUL-terminated when len > 0 and !failed */
    size_t len, cap;
    int failed;  /* an append ran out of memory: the content is incomplete */
} srv_buf;

/* A zeroed srv_buf is empty and valid; srv_buf_release frees it. */
void srv_buf_release(srv_buf *b);
/* Hands the content to the caller (owned, free() it; NULL when empty) and
 * leaves b empty. */
char *srv_buf_take(srv_buf *b, size_t *len);

void srv_buf_put(srv_buf *b, const char *s, size_t n);
void srv_buf_puts(srv_buf *b, const char *s);
void srv_buf_printf(srv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s[0..n) as a JSON string literal, quotes included. */
void srv_buf_json(srv_buf *b, const char *s, size_t n);

#endif
