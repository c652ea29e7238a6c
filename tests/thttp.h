/* thttp: a minimal HTTP/1.1 client over raw loopback sockets, for the
 * tests of nsearch serve (test_cli_serve and tsan/serve_threads): it sends
 * exactly the bytes given, malformed or not, and reads until the server
 * closes.  Plain C (no Criterion), so that a ThreadSanitizer program can
 * use it too. */
#ifndef THTTP_H
#define THTTP_H

#include <stddef.h>

typedef struct thttp_resp {
    int status;     /* 0: the server closed without an answer */
    char *head;     /* owned: status line and headers */
    char *body;     /* owned, NUL-terminated */
    size_t body_len;
} thttp_resp;

void thttp_resp_free(thttp_resp *r);

/* A connected socket to 127.0.0.1:port, or -1. */
int thttp_connect(int port);
/* Sends p[0..n) (stops early, quietly, when the server closes). */
void thttp_send(int fd, const char *p, size_t n);
/* Reads until the server closes or nothing comes for timeout_ms: *got
 * bytes, owned (NUL-terminated); *closed says whether it closed. */
char *thttp_read(int fd, int timeout_ms, size_t *got, int *closed);

/* Sends the raw request and reads the answer until the server closes
 * (requests should say Connection: close).  Returns 0, or -1 when it
 * could not connect. */
int thttp_raw(int port, const char *req, size_t len, thttp_resp *out);
/* METHOD TARGET with Connection: close, and a JSON body when body is not
 * NULL. */
int thttp(int port, const char *method, const char *target, const char *body, thttp_resp *out);

/* Whether r has the header "Name: value" (name case-insensitive; an empty
 * value: any). */
int thttp_has_header(const thttp_resp *r, const char *line);

#endif
