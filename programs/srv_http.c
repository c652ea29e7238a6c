/* srv_http: nsearch serve on libmicrohttpd (see srv_http.h). */
#define _GNU_SOURCE /* accept4 */
#include "srv_http.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* One libmicrohttpd daemon per thread, each polling its own connections
 * (epoll), fed by our accept thread with the least busy first: the
 * daemons' own thread pool lets whichever thread wakes first accept, and
 * under keep-alive load one thread ended up with every connection (one
 * core busy, the other idle: README "Benchmarks: serving"). */
struct srv_http {
    struct MHD_Daemon *d[SRV_HTTP_MAX_THREADS];
    unsigned n_d;
    pthread_t acceptor;
    int acceptor_started;
    atomic_int stopping;
    const srv_api *api;
    srv_http_opts o;
    atomic_uint in_flight;
};

/* One request, from its request line to its completion. */
typedef struct req {
    uint64_t start_ns;
    char *target; /* the request target as sent (owned) */
    size_t target_len;
    int started, counted, too_big;
    int status;
    char method[16];
    srv_buf body;
} req;

/* ---- the request target -------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (room for n bytes); '+' is a space when
 * plus.  Returns the decoded length, or -1 for a malformed escape. */
static long decode(const char *s, size_t n, int plus, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        out[o++] = plus && s[i] == '+' ? ' ' : s[i];
    }
    return (long)o;
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF). */
static int valid_utf8(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                                  : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* The decoded path and parameters of target, into rq; the storage (owned
 * by the caller: free *store, then *params) holds them.  Returns 0, or -1
 * with rs set to the 400 that says what is malformed. */
static int parse_target(const char *t, size_t n, srv_request *rq, char **store,
                        srv_param **params, srv_response *rs)
{
    *store = NULL;
    *params = NULL;
    if (!n || t[0] != '/') {
        srv_api_error(rs, 400, "bad_request", 0, "the request target must begin with '/'");
        return -1;
    }
    const char *q = memchr(t, '?', n);
    size_t path_n = q ? (size_t)(q - t) : n;
    size_t n_params = 0;
    if (q)
        for (const char *p = q + 1; p < t + n; p++)
            n_params += *p == '&';
    n_params += q != NULL;
    char *out = malloc(n + 1);
    srv_param *ps = calloc(n_params ? n_params : 1, sizeof *ps);
    *store = out;
    *params = ps;
    if (!out || !ps) {
        srv_api_error(rs, 503, "overloaded", 0, "out of memory");
        return -1;
    }
    long len = decode(t, path_n, 0, out);
    if (len < 0 || !valid_utf8(out, (size_t)len) || memchr(out, 0, (size_t)len)) {
        srv_api_error(rs, 400, "bad_request", 0,
                      len < 0 ? "malformed percent-encoding in the path"
                              : "the path is not valid UTF-8 without NUL after percent-decoding");
        return -1;
    }
    rq->path = out;
    rq->path_len = (size_t)len;
    size_t used = (size_t)len, k = 0;
    for (const char *p = q ? q + 1 : t + n; p < t + n;) {
        const char *amp = memchr(p, '&', (size_t)(t + n - p));
        const char *end = amp ? amp : t + n;
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            const char *kend = eq ? eq : end;
            srv_param *sp = &ps[k];
            long kl = decode(p, (size_t)(kend - p), 1, out + used);
            sp->key = out + used;
            if (kl >= 0) {
                sp->key_len = (size_t)kl;
                used += (size_t)kl;
            }
            long vl = kl < 0 ? -1 : eq ? decode(eq + 1, (size_t)(end - eq - 1), 1, out + used) : 0;
            sp->val = out + used;
            if (kl < 0 || vl < 0) {
                srv_api_error(rs, 400, "bad_request", 0,
                              "malformed percent-encoding in the query string");
                return -1;
            }
            sp->val_len = (size_t)vl;
            used += (size_t)vl;
            if (!valid_utf8(sp->key, sp->key_len) || !valid_utf8(sp->val, sp->val_len)) {
                char *shown = cli_safe(sp->key, sp->key_len, NSEARCH_ESCAPE_NAME);
                srv_api_error(rs, 400, "bad_parameter", 0,
                              "parameter '%s' is not valid UTF-8 after percent-decoding",
                              shown ? shown : "?");
                nsearch_free(shown);
                return -1;
            }
            k++;
        }
        p = end + (amp != NULL);
    }
    rq->params = ps;
    rq->n_params = k;
    return 0;
}

/* ---- answering ----------------------------------------------------------- */

static const char page_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static enum MHD_Result respond(srv_http *h, struct MHD_Connection *c, req *r, srv_response *rs)
{
    struct MHD_Response *resp;
    if (rs->static_body) {
        resp = MHD_create_response_from_buffer(rs->body.len, rs->body.p, MHD_RESPMEM_PERSISTENT);
    } else {
        size_t len;
        char *p = srv_buf_take(&rs->body, &len);
        resp = MHD_create_response_from_buffer_with_free_callback(len, p, free);
        if (!resp)
            free(p);
    }
    if (!resp)
        return MHD_NO;
    int ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                     rs->type ? rs->type : "text/plain") == MHD_YES &&
             MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES;
    if (rs->type && strncmp(rs->type, "text/html", 9) == 0)
        ok = ok && MHD_add_response_header(resp, "Content-Security-Policy", page_csp) == MHD_YES &&
             MHD_add_response_header(resp, "X-Frame-Options", "DENY") == MHD_YES &&
             MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") == MHD_YES;
    if (!rs->static_body)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
    if (rs->allow)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rs->allow) == MHD_YES;
    if (rs->status == 503)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1") == MHD_YES;
    if (h->api->cors_origin)
        ok = ok &&
             MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN,
                                     h->api->cors_origin) == MHD_YES &&
             MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin") == MHD_YES;
    r->status = rs->status;
    enum MHD_Result ret = ok ? MHD_queue_response(c, (unsigned)rs->status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result respond_error(srv_http *h, struct MHD_Connection *c, req *r, int status,
                                     const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static enum MHD_Result respond_error(srv_http *h, struct MHD_Connection *c, req *r, int status,
                                     const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_response rs;
    memset(&rs, 0, sizeof rs);
    srv_api_error(&rs, status, code, 0, "%s", msg);
    enum MHD_Result ret = respond(h, c, r, &rs);
    if (!rs.static_body)
        srv_buf_release(&rs.body);
    return ret;
}

/* A CORS preflight (only with --cors). */
static enum MHD_Result preflight(srv_http *h, struct MHD_Connection *c, req *r)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    int ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN,
                                     h->api->cors_origin) == MHD_YES &&
             MHD_add_response_header(resp, "Access-Control-Allow-Methods", "GET, POST") == MHD_YES &&
             MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type") == MHD_YES &&
             MHD_add_response_header(resp, "Access-Control-Max-Age", "600") == MHD_YES &&
             MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Origin") == MHD_YES;
    r->status = 204;
    enum MHD_Result ret = ok ? MHD_queue_response(c, 204, resp) : MHD_NO;
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result answer(srv_http *h, struct MHD_Connection *c, req *r)
{
    srv_request rq;
    srv_response rs;
    memset(&rq, 0, sizeof rq);
    memset(&rs, 0, sizeof rs);
    rq.method = r->method;
    rq.start_ns = r->start_ns;
    rq.body = r->body.p;
    rq.body_len = r->body.len;
    char *store;
    srv_param *params;
    if (parse_target(r->target, r->target_len, &rq, &store, &params, &rs) == 0)
        srv_api_handle(h->api, &rq, &rs);
    free(store);
    free(params);
    enum MHD_Result ret = respond(h, c, r, &rs);
    if (!rs.static_body)
        srv_buf_release(&rs.body);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    (void)url;
    (void)version;
    srv_http *h = cls;
    req *r = *req_cls;
    if (!r)
        return MHD_NO; /* the request line's callback could not allocate it */
    if (!r->started) {
        r->started = 1;
        snprintf(r->method, sizeof r->method, "%s", method);
        r->counted = 1;
        unsigned n = atomic_fetch_add(&h->in_flight, 1) + 1;
        if (n > h->o.max_queue)
            return respond_error(h, c, r, 503, "overloaded",
                                 "the server is busy (%u requests in progress): try again", n - 1);
        if (r->target_len > h->o.max_target)
            return respond_error(h, c, r, 414, "uri_too_long",
                                 "the URL is %zu bytes: the limit is %zu", r->target_len,
                                 h->o.max_target);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > h->api->limits.max_body)
            return respond_error(h, c, r, 413, "too_large",
                                 "the request body is %s bytes: the limit is %zu", cl,
                                 h->api->limits.max_body);
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.len + *upload_size > h->api->limits.max_body)
            r->too_big = 1;
        else
            srv_buf_put(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_big)
        return respond_error(h, c, r, 413, "too_large", "the request body is over %zu bytes",
                             h->api->limits.max_body);
    if (r->body.failed)
        return respond_error(h, c, r, 503, "overloaded", "out of memory");
    if (h->api->cors_origin && strcmp(r->method, "OPTIONS") == 0)
        return preflight(h, c, r);
    return answer(h, c, r);
}

static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->start_ns = srv_now_ns();
    r->target_len = strlen(uri);
    r->target = strdup(uri);
    if (!r->target) {
        free(r);
        return NULL;
    }
    return r;
}

/* "2026-12-03T06:00:00Z GET /search 200 345us", in one write. */
static void log_request(const srv_http *h, const req *r)
{
    size_t n = r->target_len;
    if (!h->o.log_queries) {
        const char *q = memchr(r->target, '?', n);
        if (q)
            n = (size_t)(q - r->target);
    }
    if (n > 2048)
        n = 2048;
    char *shown = cli_safe(r->target, n, NSEARCH_ESCAPE_NAME);
    char method[64];
    char *m = cli_safe(r->method, strlen(r->method), NSEARCH_ESCAPE_NAME);
    snprintf(method, sizeof method, "%s", m ? m : "?");
    nsearch_free(m);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char status[16];
    if (r->status)
        snprintf(status, sizeof status, "%d", r->status);
    else
        snprintf(status, sizeof status, "-"); /* closed before an answer */
    srv_buf line = {0};
    srv_buf_printf(&line, "%s %s %s %s %lluus\n", when, r->method[0] ? method : "-",
                   shown ? shown : "?", status,
                   (unsigned long long)((srv_now_ns() - r->start_ns) / 1000));
    if (!line.failed && write(STDERR_FILENO, line.p, line.len) < 0) {
        /* nowhere to say it */
    }
    srv_buf_release(&line);
    nsearch_free(shown);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)c;
    (void)why;
    srv_http *h = cls;
    req *r = *req_cls;
    if (!r)
        return;
    if (h->o.log)
        log_request(h, r);
    if (r->counted)
        atomic_fetch_sub(&h->in_flight, 1);
    srv_buf_release(&r->body);
    free(r->target);
    free(r);
    *req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = 0;
    fprintf(stderr, "nsearch serve: libmicrohttpd: %s\n", msg);
}

/* The daemon with the fewest connections. */
static struct MHD_Daemon *least_busy(const srv_http *h)
{
    struct MHD_Daemon *best = h->d[0];
    unsigned best_n = UINT32_MAX;
    for (unsigned i = 0; i < h->n_d; i++) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(h->d[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        unsigned n = info ? info->num_connections : 0;
        if (n < best_n) {
            best_n = n;
            best = h->d[i];
        }
    }
    return best;
}

static void *accept_loop(void *arg)
{
    srv_http *h = arg;
    while (!atomic_load(&h->stopping)) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int c = accept4(h->o.listen_fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) {
            if (atomic_load(&h->stopping))
                break;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                struct timespec ts = {0, 10 * 1000 * 1000}; /* out of descriptors: wait */
                nanosleep(&ts, NULL);
            }
            continue; /* EINTR, ECONNABORTED, a network error of that connection */
        }
        /* past --max-connections (the daemons' limits) it is closed at once */
        (void)MHD_add_connection(least_busy(h), c, (struct sockaddr *)&ss, sl);
    }
    return NULL;
}

srv_http *srv_http_start(const srv_api *api, const srv_http_opts *o, char *msg, size_t msg_len)
{
    srv_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(msg, msg_len, "out of memory");
        return NULL;
    }
    h->api = api;
    h->o = *o;
    atomic_init(&h->in_flight, 0);
    atomic_init(&h->stopping, 0);
    h->n_d = o->threads < 1 ? 1 : o->threads > SRV_HTTP_MAX_THREADS ? SRV_HTTP_MAX_THREADS : o->threads;
    unsigned per = (o->max_connections + h->n_d - 1) / h->n_d;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, h}, /* first: MHD wants it so */
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)(per ? per : 1), NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)o->timeout_s, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_line, h},
        {MHD_OPTION_END, 0, NULL}};
    for (unsigned i = 0; i < h->n_d; i++) {
        h->d[i] = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts,
                                   MHD_OPTION_END);
        if (!h->d[i]) {
            snprintf(msg, msg_len, "libmicrohttpd could not start its daemon");
            h->n_d = i;
            close(o->listen_fd);
            srv_http_stop(h, 0);
            return NULL;
        }
    }
    if (pthread_create(&h->acceptor, NULL, accept_loop, h) != 0) {
        snprintf(msg, msg_len, "cannot start the accepting thread");
        close(o->listen_fd);
        srv_http_stop(h, 0);
        return NULL;
    }
    h->acceptor_started = 1;
    return h;
}

unsigned srv_http_in_flight(const srv_http *h) { return atomic_load(&h->in_flight); }

void srv_http_stop(srv_http *h, unsigned drain_ms)
{
    if (!h)
        return;
    if (h->acceptor_started) {
        atomic_store(&h->stopping, 1);
        shutdown(h->o.listen_fd, SHUT_RDWR); /* wakes accept4 */
        pthread_join(h->acceptor, NULL);
        close(h->o.listen_fd);
    }
    for (unsigned waited = 0; waited < drain_ms && atomic_load(&h->in_flight); waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (unsigned i = 0; i < h->n_d; i++)
        MHD_stop_daemon(h->d[i]);
    free(h);
}
