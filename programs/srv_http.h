/* srv_http: nsearch serve's HTTP side, on libmicrohttpd: one daemon per
 * thread, each polling its connections with epoll, and an accepting thread
 * that gives each new connection to the least busy; connection limits and
 * timeouts, the bounded queue of requests (503 past it), request
 * bodies (413 past the limit), the request target's decoding (percent
 * escapes, '+' as a space, the query string's parameters: 400 for a
 * malformed one), security and CORS headers, and one log line per request.
 * What to answer is srv_api's. */
#ifndef SRV_HTTP_H
#define SRV_HTTP_H

#include <stddef.h>

#include "srv_api.h"

#define SRV_HTTP_MAX_THREADS 256

typedef struct srv_http_opts {
    int listen_fd;          /* a listening socket: srv_http accepts on it and
                               closes it at srv_http_stop */
    unsigned threads;       /* threads (1..SRV_HTTP_MAX_THREADS), each polling
                               and answering its connections; new ones go to
                               the thread with the fewest */
    unsigned max_connections; /* open connections; more are refused at accept */
    unsigned max_queue;     /* requests in progress at once; more get 503 */
    unsigned timeout_s;     /* an idle or stalled connection is closed after it */
    size_t max_target;      /* bytes of the request target (URL): 414 past it */
    int log;                /* one stderr line per request */
    int log_queries;        /* ... with the query string */
} srv_http_opts;

typedef struct srv_http srv_http;

/* Starts answering on o->listen_fd (which the daemon then owns) with api
 * (borrowed until srv_http_stop).  Returns NULL with a message in
 * msg[0..msg_len) on failure. */
srv_http *srv_http_start(const srv_api *api, const srv_http_opts *o, char *msg, size_t msg_len);

/* Stops accepting, lets the requests in progress finish (at most
 * drain_ms), then stops and frees.  Accepts NULL. */
void srv_http_stop(srv_http *h, unsigned drain_ms);

/* Requests in progress now. */
unsigned srv_http_in_flight(const srv_http *h);

#endif
