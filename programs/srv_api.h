/* srv_api: what `nsearch serve` answers, apart from HTTP itself: the
 * endpoints (/search, /doc/ID, /stats, /health, /syntax and the page), their
 * parameters and limits, and the JSON of answers and errors.  srv_http
 * turns HTTP requests into srv_request and srv_response into HTTP; this
 * module knows nothing of sockets, so each answer is a plain function of
 * the request and the served index. */
#ifndef SRV_API_H
#define SRV_API_H

#include <stddef.h>
#include <stdint.h>

#include "srv_buf.h"
#include "srv_pool.h"

/* The limits of requests, with their defaults (nsearch serve --help). */
typedef struct srv_limits {
    size_t max_query;  /* bytes of q (4096) */
    size_t max_k;      /* k (100) */
    size_t max_offset; /* offset (10000) */
    size_t max_body;   /* bytes of a POST body (65536) */
} srv_limits;

/* Matching documents counted for "total" unless total_limit says
 * otherwise: past it the count stops and "total_exact" is false (Lucene
 * counts to 1,000 by default, Elasticsearch to 10,000): an exact count is a
 * pass over every posting of the query, several times the ranking's cost on
 * common words. */
#define SRV_TOTAL_LIMIT 1000

/* What every request is answered with. */
typedef struct srv_api {
    srv_pool *pool;          /* borrowed: the served index */
    srv_limits limits;
    const char *cors_origin; /* Access-Control-Allow-Origin; NULL: no CORS */
} srv_api;

/* One decoded query-string parameter (strings borrowed from the request). */
typedef struct srv_param {
    const char *key, *val;
    size_t key_len, val_len;
} srv_param;

typedef struct srv_request {
    const char *method;            /* "GET", "POST", ... */
    const char *path;              /* percent-decoded, without the query;
                                      valid UTF-8 without NUL (srv_http) */
    size_t path_len;
    const srv_param *params;       /* decoded; n_params of them */
    size_t n_params;
    const char *body;              /* POST body (NULL: none) */
    size_t body_len;
    uint64_t start_ns;             /* CLOCK_MONOTONIC when it arrived */
} srv_request;

typedef struct srv_response {
    int status;
    const char *type;  /* static Content-Type */
    srv_buf body;      /* owned by the response */
    const char *allow; /* static: the Allow header (405), else NULL */
    int static_body;   /* body.p points at static data (not freed) */
} srv_response;

/* Answers rq into rs (status, type, body).  Never fails: out of memory is
 * a 503 with a static body. */
void srv_api_handle(const srv_api *api, const srv_request *rq, srv_response *rs);

/* Writes the JSON error answer {"error":{"status","code","message"[,
 * "column"]}} into rs (column 0: none). */
void srv_api_error(srv_response *rs, int status, const char *code, size_t column,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t srv_now_ns(void);

#endif
