/* serve: `nsearch serve`, the command: its options, the listening socket,
 * the signals (SIGHUP reopens the index, SIGTERM and SIGINT drain and
 * stop) and the check that notices a rebuilt index.  HTTP is srv_http's,
 * the answers srv_api's, the index generations srv_pool's. */
#include "serve.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "srv_http.h"

#define PROG "nsearch serve"

enum { OPT_LISTEN = 256, OPT_THREADS, OPT_MAX_CONN, OPT_MAX_QUEUE, OPT_TIMEOUT, OPT_MAX_QUERY,
       OPT_MAX_K, OPT_MAX_OFFSET, OPT_MAX_BODY, OPT_RELOAD, OPT_CORS, OPT_LOG_QUERIES, OPT_VERSION,
       OPT_MAX_URL };

static const cli_opt options[] = {
    {"index", 'i', "DIR", 'i',
     "index directory (default: $NSEARCH_INDEX, else 'index');\nrepeat for every shard of a set"},
    {"listen", 0, "ADDR:PORT", OPT_LISTEN,
     "address to listen on (default 127.0.0.1:7700; [::1]:7700\nfor IPv6; port 0: any free "
     "port); another interface\nonly when given (0.0.0.0:7700: every IPv4 one)"},
    {"threads", 0, "N", OPT_THREADS,
     "threads answering requests, each with its connections\n(default: the number of CPUs, "
     "1..256)"},
    {"max-connections", 0, "N", OPT_MAX_CONN,
     "open connections at most (default 256); more are\nrefused when they connect"},
    {"max-queue", 0, "N", OPT_MAX_QUEUE,
     "requests in progress at most (default 64); more are\nanswered 503 with Retry-After: 1"},
    {"timeout", 0, "SECONDS", OPT_TIMEOUT,
     "close a connection idle or stalled this long\n(default 10, 1..3600)"},
    {"max-query", 0, "BYTES", OPT_MAX_QUERY, "longest q (default 4096; 414 or 413 past it)"},
    {"max-k", 0, "N", OPT_MAX_K, "largest k (default 100; 400 past it)"},
    {"max-offset", 0, "N", OPT_MAX_OFFSET, "largest offset (default 10000; 400 past it)"},
    {"max-body", 0, "BYTES", OPT_MAX_BODY, "largest POST body (default 65536; 413 past it)"},
    {"max-url", 0, "BYTES", OPT_MAX_URL, "longest request target (default 16384; 414 past it)"},
    {"reload-ms", 0, "MS", OPT_RELOAD,
     "check this often whether nindex swapped in a new index,\nand serve it (default 1000; "
     "0: only on SIGHUP)"},
    {"cors", 0, "ORIGIN", OPT_CORS,
     "allow browser pages from ORIGIN (https://example.com, or\n*) to call the API: "
     "Access-Control-Allow-Origin and\npreflight answers (default: no CORS headers)"},
    {"log-queries", 0, NULL, OPT_LOG_QUERIES,
     "log each request's query string too (default: the path\nonly, so that queries stay "
     "out of logs)"},
    {"quiet", 'q', NULL, 'q', "no log line per request"},
    {"help", 'h', NULL, 'h', "show this help and exit"},
    {"version", 0, NULL, OPT_VERSION, "show the version and exit"},
};

static const char synopsis[] = "Usage: nsearch serve [OPTION]...\n";

static const char intro[] =
    "Answer searches of one index, or of the shards of a set (-i S0 -i S1 ...),\n"
    "over HTTP: a JSON API and a search page.\n"
    "\n"
    "  GET  /search?q=QUERY&k=10&offset=0&all=0&expand=0&explain=0&literal=0\n"
    "               &snippets=1&fields=NAME,...&total_limit=1000\n"
    "  POST /search  the same as a JSON object: {\"q\":\"oil\",\"k\":10,\"all\":true}\n"
    "  GET  /doc/ID  a stored document;  GET /stats;  GET /health;  GET /syntax\n"
    "  GET  /        the search page (/?q=QUERY opens with the search done)\n"
    "\n"
    "Errors are JSON {\"error\":{\"status\",\"code\",\"message\",\"column\"}}: 400 a bad\n"
    "query or parameter, 404, 405, 413, 414, 503 overloaded.  One line per\n"
    "request on stderr: time, method, path, status, microseconds.  When nindex\n"
    "rebuilds the index, the new one is served without a failed request.\n";

static const char outro[] =
    "Signals: SIGHUP opens the index again; SIGTERM and SIGINT stop accepting,\n"
    "let the requests in progress finish, and exit 0.  README \"Serving\" has\n"
    "the API in full, with curl examples.\n";

static const char *const exits[] = {
    "0  stopped by SIGTERM or SIGINT\n",
    "2  usage error\n",
    "3  index missing, corrupt, or of an unsupported version\n",
    ("4  cannot listen on the address, out of memory (nsearch: nsearch-serve\n"
     "     cannot be run)\n")}; /* one entry (clang -Wstring-concatenation) */

static const cli_prog prog = {PROG, synopsis, intro, options, sizeof options / sizeof *options,
                              24, outro, exits, sizeof exits / sizeof *exits};

typedef struct serve_cfg {
    const char **dirs; /* owned array, borrowed strings: every -i, n_dirs */
    size_t n_dirs;
    const char *listen;
    srv_http_opts http;
    srv_limits limits;
    unsigned reload_ms;
    const char *cors;
} serve_cfg;

/* The numeric options: their range and where they go. */
typedef struct num_opt {
    int id;
    const char *name;
    unsigned long lo, hi;
    size_t serve_cfg_off; /* offsetof the member */
    int is_size;          /* a size_t member, else unsigned */
} num_opt;

#define CFG_U(m) offsetof(serve_cfg, m), 0
#define CFG_Z(m) offsetof(serve_cfg, m), 1
static const num_opt num_opts[] = {
    {OPT_THREADS, "threads", 1, 256, CFG_U(http.threads)},
    {OPT_MAX_CONN, "max-connections", 1, 65536, CFG_U(http.max_connections)},
    {OPT_MAX_QUEUE, "max-queue", 1, 65536, CFG_U(http.max_queue)},
    {OPT_TIMEOUT, "timeout", 1, 3600, CFG_U(http.timeout_s)},
    {OPT_MAX_QUERY, "max-query", 1, 1ul << 20, CFG_Z(limits.max_query)},
    {OPT_MAX_K, "max-k", 1, 10000, CFG_Z(limits.max_k)},
    {OPT_MAX_OFFSET, "max-offset", 0, 990000, CFG_Z(limits.max_offset)},
    {OPT_MAX_BODY, "max-body", 1, 1ul << 24, CFG_Z(limits.max_body)},
    {OPT_MAX_URL, "max-url", 64, 1ul << 20, CFG_Z(http.max_target)},
    {OPT_RELOAD, "reload-ms", 0, 3600000, CFG_U(reload_ms)},
};

/* Applies option c; -1 to go on, else the exit status. */
static int apply(int c, serve_cfg *cfg)
{
    switch (c) {
    case 'i': cfg->dirs[cfg->n_dirs++] = optarg; return -1;
    case OPT_LISTEN: cfg->listen = optarg; return -1;
    case OPT_CORS: cfg->cors = optarg; return -1;
    case OPT_LOG_QUERIES: cfg->http.log_queries = 1; return -1;
    case 'q': cfg->http.log = 0; return -1;
    case 'h': return cli_put_help(&prog);
    case OPT_VERSION: return cli_version("nsearch");
    default: break;
    }
    for (size_t i = 0; i < sizeof num_opts / sizeof *num_opts; i++) {
        const num_opt *n = &num_opts[i];
        if (n->id != c)
            continue;
        char *end;
        errno = 0;
        unsigned long v = strtoul(optarg, &end, 10);
        if (errno || *end || end == optarg || *optarg == '-' || v < n->lo || v > n->hi)
            return cli_usage(PROG, "--%s wants a number from %lu to %lu, not '%s'", n->name,
                             n->lo, n->hi, optarg);
        char *m = (char *)cfg + n->serve_cfg_off;
        if (n->is_size)
            *(size_t *)(void *)m = (size_t)v;
        else
            *(unsigned *)(void *)m = (unsigned)v;
        return -1;
    }
    return cli_usage(PROG, "invalid option");
}

/* A listening socket for ADDR:PORT ("[v6]:PORT" too); its URL into url.
 * Returns the socket, or -1 with a message printed. */
static int listen_on(const char *spec, char *url, size_t url_len)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    const char *h = spec, *hend = colon;
    if (spec[0] == '[') {
        const char *rb = strchr(spec, ']');
        if (!rb || rb[1] != ':') {
            cli_usage(PROG, "--listen wants ADDR:PORT ([::1]:7700 for IPv6), not '%s'", spec);
            return -2;
        }
        h = spec + 1;
        hend = rb;
        colon = rb + 1;
    }
    if (!colon || hend == h || (size_t)(hend - h) >= sizeof host || !colon[1]) {
        cli_usage(PROG, "--listen wants ADDR:PORT (127.0.0.1:7700), not '%s'", spec);
        return -2;
    }
    memcpy(host, h, (size_t)(hend - h));
    host[hend - h] = 0;
    const char *port = colon + 1;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int g = getaddrinfo(host, port, &hints, &ai);
    if (g) {
        fprintf(stderr, PROG ": cannot listen on '%s': %s\n", spec, gai_strerror(g));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
        fprintf(stderr, PROG ": cannot listen on '%s': %s\n", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char num[NI_MAXHOST], serv[NI_MAXSERV];
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) ||
        getnameinfo((struct sockaddr *)&ss, sl, num, sizeof num, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV)) {
        snprintf(num, sizeof num, "%s", host);
        snprintf(serv, sizeof serv, "%s", port);
    }
    snprintf(url, url_len, ss.ss_family == AF_INET6 ? "http://[%s]:%s/" : "http://%s:%s/", num,
             serv);
    freeaddrinfo(ai);
    return fd;
}

static int run(const serve_cfg *cfg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* blocked in every thread (they inherit the mask); taken by sigtimedwait */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* the address first: a usage error is reported before the index is read */
    char url[600];
    int fd = listen_on(cfg->listen, url, sizeof url);
    if (fd < 0)
        return fd == -2 ? CLI_EXIT_USAGE : CLI_EXIT_IO;
    srv_pool *pool = NULL;
    nsearch_error err = {0};
    if (srv_pool_open(cfg->dirs, cfg->n_dirs, &pool, &err)) {
        fprintf(stderr, PROG ": %s\n", err.message);
        close(fd);
        return cli_exit_for(err.rc);
    }
    srv_api api = {pool, cfg->limits, cfg->cors};
    srv_http_opts ho = cfg->http;
    ho.listen_fd = fd;
    char msg[256];
    srv_http *h = srv_http_start(&api, &ho, msg, sizeof msg);
    if (!h) {
        fprintf(stderr, PROG ": %s\n", msg);
        close(fd);
        srv_pool_free(pool);
        return CLI_EXIT_IO;
    }
    /* what the messages name: the index, or the set's first shard and how
     * many more */
    char *first = cli_safe(cfg->dirs[0], strlen(cfg->dirs[0]), NSEARCH_ESCAPE_NAME);
    char more[64] = "";
    if (cfg->n_dirs > 1)
        snprintf(more, sizeof more, " and %zu more shard%s", cfg->n_dirs - 1,
                 cfg->n_dirs == 2 ? "" : "s");
    const char *shown = first ? first : "?";
    fprintf(stderr, "nsearch: serving '%s'%s on %s\n", shown, more, url);
    for (;;) {
        unsigned ms = cfg->reload_ms ? cfg->reload_ms : 3600000;
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig < 0 && (errno != EAGAIN || !cfg->reload_ms))
            continue;
        nsearch_error e = {0};
        switch (srv_pool_reload(pool, sig == SIGHUP, &e)) {
        case SRV_RELOAD_SAME: break;
        case SRV_RELOAD_OPENED:
            fprintf(stderr, "nsearch: serving the index now in '%s'%s (generation %llu)\n", shown,
                    more, (unsigned long long)srv_pool_generation(pool));
            break;
        case SRV_RELOAD_FAILED:
            fprintf(stderr, "nsearch: cannot open the index now in '%s'%s: %s; still serving "
                            "generation %llu\n",
                    shown, more, e.message, (unsigned long long)srv_pool_generation(pool));
            break;
        }
    }
    fprintf(stderr, "nsearch: stopping: %u requests in progress\n", srv_http_in_flight(h));
    srv_http_stop(h, 10000);
    srv_pool_free(pool);
    nsearch_free(first);
    return CLI_EXIT_OK;
}

int serve_main(int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    if (!dirs) {
        fprintf(stderr, PROG ": out of memory\n");
        return CLI_EXIT_IO;
    }
    serve_cfg cfg = {dirs, 0, "127.0.0.1:7700",
                     {-1, cpus > 0 && cpus <= 256 ? (unsigned)cpus : 1, 256, 64, 10, 16384, 1, 0},
                     {4096, 100, 10000, 65536}, 1000, NULL};
    const char *dflt = getenv("NSEARCH_INDEX");
    struct option lopts[sizeof options / sizeof *options + 1];
    char shortopts[3 * (sizeof options / sizeof *options) + 3];
    cli_getopt_table(&prog, lopts, ":", shortopts);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, lopts, NULL)) != -1) {
        int st;
        if (c == ':' || c == '?')
            st = cli_usage(PROG, "%s '%s'", c == ':' ? "option needs an argument:" : "invalid option",
                           argv[optind - 1]);
        else
            st = apply(c, &cfg);
        if (st >= 0) {
            free(dirs);
            return cli_close_stdout("nsearch", st);
        }
    }
    int st;
    if (optind < argc) {
        st = cli_usage(PROG, "unexpected argument '%s'", argv[optind]);
    } else {
        if (!cfg.n_dirs)
            dirs[cfg.n_dirs++] = dflt && *dflt ? dflt : "index";
        st = cli_close_stdout("nsearch", run(&cfg));
    }
    free(dirs);
    return st;
}
