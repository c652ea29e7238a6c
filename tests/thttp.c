/* thttp: see thttp.h. */
#define _GNU_SOURCE /* asprintf, strndup */
#include "thttp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

void thttp_resp_free(thttp_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

int thttp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void thttp_send(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

char *thttp_read(int fd, int timeout_ms, size_t *got, int *closed)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    *closed = 0;
    while (b) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        if (n + 2048 > cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb)
                break;
            b = nb;
        }
        ssize_t r = recv(fd, b + n, cap - n - 1, 0);
        if (r <= 0) {
            *closed = 1;
            break;
        }
        n += (size_t)r;
    }
    if (b)
        b[n] = 0;
    *got = b ? n : 0;
    return b;
}

static void parse(const char *raw, size_t n, thttp_resp *r)
{
    memset(r, 0, sizeof *r);
    const char *sep = strstr(raw, "\r\n\r\n");
    if (strncmp(raw, "HTTP/1.", 7) == 0 && n >= 12)
        r->status = atoi(raw + 9);
    size_t hl = sep ? (size_t)(sep - raw) : n;
    r->head = strndup(raw, hl);
    size_t off = sep ? hl + 4 : n;
    r->body_len = n - off;
    r->body = malloc(r->body_len + 1);
    if (r->body) {
        memcpy(r->body, raw + off, r->body_len);
        r->body[r->body_len] = 0;
    }
}

int thttp_raw(int port, const char *req, size_t len, thttp_resp *out)
{
    memset(out, 0, sizeof *out);
    int fd = thttp_connect(port);
    if (fd < 0)
        return -1;
    thttp_send(fd, req, len);
    size_t n;
    int closed;
    char *raw = thttp_read(fd, 10000, &n, &closed);
    close(fd);
    parse(raw ? raw : "", n, out);
    free(raw);
    return 0;
}

int thttp(int port, const char *method, const char *target, const char *body, thttp_resp *out)
{
    char *req = NULL;
    int n = body ? asprintf(&req,
                            "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                            method, target, strlen(body), body)
                 : asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                            method, target);
    if (n < 0)
        return -1;
    int rc = thttp_raw(port, req, (size_t)n, out);
    free(req);
    return rc;
}

int thttp_has_header(const thttp_resp *r, const char *line)
{
    const char *colon = strchr(line, ':');
    if (!colon || !r->head)
        return 0;
    size_t nl = (size_t)(colon - line);
    const char *want = colon + 1;
    while (*want == ' ')
        want++;
    for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *h = p + 2;
        if (strncasecmp(h, line, nl) != 0 || h[nl] != ':')
            continue;
        const char *v = h + nl + 1;
        while (*v == ' ')
            v++;
        const char *end = strstr(v, "\r\n");
        size_t vl = end ? (size_t)(end - v) : strlen(v);
        if (!*want || (vl == strlen(want) && strncmp(v, want, vl) == 0))
            return 1;
    }
    return 0;
}
