/* nsearch serve: every endpoint, every error status and limit, malformed
 * HTTP over raw sockets, CORS, the log, reloads after a rebuild (with
 * requests running through them), SIGHUP and SIGTERM.  The server runs as
 * the built program on an ephemeral loopback port. */
#define _GNU_SOURCE /* asprintf, strndup */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_S 60
#include "tcli.h"
#include "thttp.h"

/* ---- a corpus ------------------------------------------------------------ */

/* 30 documents: 15 with "oil" (more in the lower numbers), topics on every
 * third, one with text in several scripts before its match, one whose id
 * holds '/' and a space, one with markup in its title. */
static void write_corpus(const char *path, int extra)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < 30 + extra; i++) {
        fprintf(f, "{\"id\":\"d%02d\",\"title\":\"Title %d %s\",\"body\":\"", i, i,
                i < 15 ? "oil" : "gas");
        for (int k = 0; k < (i < 15 ? 15 - i : 0); k++)
            fputs("oil prices rise ", f);
        fprintf(f, "filler words number %d about markets and shipping\"", i);
        if (i % 3 == 0)
            fprintf(f, ",\"topics\":[\"crude\",\"t%d\"],\"place\":\"p%d\"", i, i);
        fputs("}\n", f);
    }
    fputs("{\"id\":\"dir/u 1\",\"title\":\"Unicode\",\"body\":\"caf\\u00e9 \\ud83d\\ude00 "
          "na\\u00efve pipeline\"}\n",
          f);
    fputs("{\"id\":\"x\",\"title\":\"<script>alert(1)</script>\",\"body\":\"tag soup\"}\n", f);
    cr_assert_eq(fclose(f), 0);
}

/* ---- the server ---------------------------------------------------------- */

typedef struct server {
    char *work, *index, *corpus, *log;
    pid_t pid;
    int port;
} server;

static void server_start(server *s, const char *const *extra)
{
    char *argv[48];
    int n = 0;
    argv[n++] = (char *)NS_TEST_NSEARCH;
    argv[n++] = "serve";
    argv[n++] = "-i";
    argv[n++] = s->index;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--reload-ms";
    argv[n++] = "50";
    argv[n++] = "--timeout";
    argv[n++] = "2";
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    s->pid = pid;
    s->port = 0;
    for (int tries = 0; tries < 1000 && !s->port; tries++) {
        char *t = tu_read_file(s->log, NULL);
        const char *p = t ? strstr(t, "on http://127.0.0.1:") : NULL;
        if (p)
            s->port = atoi(p + strlen("on http://127.0.0.1:"));
        free(t);
        if (!s->port)
            usleep(10000);
    }
    cr_assert(s->port > 0, "the server did not say where it listens");
}

/* SIGTERM; returns the exit status (128 + signal when killed; -1 when it
 * did not stop within 10 s, after which it is killed). */
static int server_stop(server *s)
{
    if (s->pid <= 0)
        return 0;
    kill(s->pid, SIGTERM);
    int st = 0;
    for (int i = 0; i < 1000; i++) {
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) {
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    return -1;
}

static void setup(server *s, const char *name, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    s->work = tu_tmpdir(name);
    s->index = tu_path(s->work, "idx");
    s->corpus = tu_path(s->work, "c.jsonl");
    s->log = tu_path(s->work, "serve.log");
    write_corpus(s->corpus, 0);
    tu_out o = NINDEX("-q", "--field", "topics", "-o", s->index, s->corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    server_start(s, extra);
}

static void teardown(server *s)
{
    int st = server_stop(s);
    cr_expect_eq(st, 0, "the server exited %d on SIGTERM", st);
    tu_rmrf(s->work);
    free(s->work);
    free(s->index);
    free(s->corpus);
    free(s->log);
}

/* ---- HTTP over a raw socket (thttp) ---------------------------------- */

typedef thttp_resp resp;
#define resp_free thttp_resp_free
#define has_header thttp_has_header

static int connect_to(int port)
{
    int fd = thttp_connect(port);
    cr_assert(fd >= 0, "connect: %s", strerror(errno));
    return fd;
}

static resp http_raw(int port, const char *req, size_t len)
{
    resp r;
    cr_assert_eq(thttp_raw(port, req, len, &r), 0, "connect: %s", strerror(errno));
    return r;
}

static resp http(int port, const char *method, const char *target, const char *body)
{
    resp r;
    cr_assert_eq(thttp(port, method, target, body, &r), 0, "connect: %s", strerror(errno));
    return r;
}

static resp get(int port, const char *target) { return http(port, "GET", target, NULL); }

/* The error's code in an error body, or "" */
static void expect_error(const resp *r, int status, const char *code)
{
    cr_expect_eq(r->status, status, "status %d, not %d: %s", r->status, status, r->body);
    char want[128];
    snprintf(want, sizeof want, "{\"error\":{\"status\":%d,\"code\":\"%s\",\"message\":\"", status,
             code);
    cr_expect(strncmp(r->body, want, strlen(want)) == 0, "not a %s error: %s", code, r->body);
    cr_expect(has_header(r, "Content-Type: application/json; charset=utf-8"), "%s", r->head);
}

/* ---- /search ------------------------------------------------------------- */

/* The server's hits are the CLI's --json lines, each with highlights_utf16
 * added after highlights. */
static void expect_hits_as_cli(const server *s, const char *body, const char *const *cli_args)
{
    char *argv[24];
    int n = 0;
    argv[n++] = (char *)NS_TEST_NSEARCH;
    argv[n++] = "-i";
    argv[n++] = s->index;
    argv[n++] = "--json";
    for (int i = 0; cli_args[i]; i++)
        argv[n++] = (char *)cli_args[i];
    argv[n] = NULL;
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    const char *hits = strstr(body, "\"hits\":[");
    cr_assert(hits, "%s", body);
    const char *at = hits + 8;
    int lines = 0;
    for (char *line = o.out; *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(nl);
        size_t len = (size_t)(nl - line) - 1; /* without the final '}' */
        cr_expect(strncmp(at, line, len) == 0, "hit %d differs:\nserver: %.300s\ncli:    %.*s",
                  lines + 1, at, (int)len, line);
        /* then highlights_utf16 (with snippets) and the end of the hit */
        at += len;
        if (strncmp(at, ",\"highlights_utf16\":[", 21) == 0)
            at = strstr(at, "]}");
        else
            at = *at == '}' ? at - 1 : NULL;
        cr_assert(at, "hit %d ends badly", lines + 1);
        at += 2;
        if (*at == ',')
            at++;
        lines++;
        line = nl + 1;
    }
    cr_expect_str_eq(at, "]}\n", "hits after the CLI's %d: %s", lines, at);
    tu_out_free(&o);
}

Test(cli_serve, search_gives_the_cli_hits_with_total_and_utf16_highlights, .timeout = 60)
{
    server s;
    setup(&s, "serve_search", NULL);
    resp r = get(s.port, "/search?q=oil&k=5");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(has_header(&r, "Content-Type: application/json; charset=utf-8"));
    cr_expect(has_header(&r, "Cache-Control: no-store"));
    static const char head[] =
        "{\"query\":\"oil\",\"total\":15,\"total_exact\":true,\"offset\":0,\"k\":5,\"took_us\":";
    cr_expect(strncmp(r.body, head, sizeof head - 1) == 0, "%s", r.body);
    cr_expect(strstr(r.body, "\"generation\":1,"), "%s", r.body);
    expect_hits_as_cli(&s, r.body, (const char *const[]){"-k", "5", "oil", NULL});
    resp_free(&r);
    /* the second page: ranks 6..10 */
    r = get(s.port, "/search?q=oil&k=5&offset=5");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"hits\":[{\"rank\":6,"), "%s", r.body);
    expect_hits_as_cli(&s, r.body, (const char *const[]){"-k", "5", "--offset", "5", "oil", NULL});
    resp_free(&r);
    /* all, explain, no snippets; '+' and %20 are spaces */
    r = get(s.port, "/search?q=oil+prices%20rise&all=1&explain=true&snippets=0&k=3");
    cr_assert_eq(r.status, 200, "%s", r.body);
    expect_hits_as_cli(&s, r.body,
                       (const char *const[]){"-k", "3", "--all", "--explain", "--no-snippets",
                                             "oil prices rise", NULL});
    cr_expect(strstr(r.body, "\"query\":\"oil prices rise\""), "%s", r.body);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, highlights_utf16_count_utf16_code_units, .timeout = 60)
{
    server s;
    setup(&s, "serve_utf16", NULL);
    resp r = get(s.port, "/search?q=pipeline");
    cr_assert_eq(r.status, 200, "%s", r.body);
    /* "café 😀 naïve pipeline": café is 5 bytes and 4 units, 😀 4 bytes and
     * 2 units (a surrogate pair), naïve 6 bytes and 5 units, with 3 spaces:
     * pipeline at byte 18, unit 14 */
    cr_expect(strstr(r.body, "\"highlights\":[[18,26]],\"highlights_utf16\":[[14,22]]"), "%s",
              r.body);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, post_takes_the_same_arguments_as_json, .timeout = 60)
{
    server s;
    setup(&s, "serve_post", NULL);
    resp g = get(s.port, "/search?q=oil&k=4&offset=2&fields=topics");
    resp p = http(s.port, "POST", "/search",
                  "{\"q\":\"oil\",\"k\":4,\"offset\":2,\"fields\":[\"topics\"]}");
    cr_assert_eq(g.status, 200, "%s", g.body);
    cr_assert_eq(p.status, 200, "%s", p.body);
    /* the same but for took_us */
    const char *gh = strstr(g.body, "\"notes\""), *ph = strstr(p.body, "\"notes\"");
    cr_assert(gh && ph);
    cr_expect_str_eq(ph, gh);
    cr_expect(strstr(g.body, "\"fields\":{\"topics\":[\"crude\",\"t3\"]}"), "%s", g.body);
    cr_expect(!strstr(g.body, "\"place\""), "fields= not applied: %s", g.body);
    resp_free(&g);
    resp_free(&p);
    /* default: every field; an empty list: none */
    g = get(s.port, "/search?q=oil&k=1");
    cr_expect(strstr(g.body, "\"fields\":{\"topics\":[\"crude\",\"t0\"],\"place\":\"p0\"}"), "%s",
              g.body);
    resp_free(&g);
    g = get(s.port, "/search?q=oil&k=1&fields=");
    cr_expect(!strstr(g.body, "\"fields\""), "%s", g.body);
    resp_free(&g);
    /* bodies that are wrong, and what the message must say */
    static const struct {
        const char *target, *body, *says;
    } bad[] = {
        {"/search", "{\"q\":\"oil\",", "not JSON"},
        {"/search", "[1]", "a JSON object"},
        {"/search", "{\"q\":5}", "q must be a string"},
        {"/search", "{\"q\":\"oil\",\"k\":-1}", "k must be"},
        {"/search", "{\"q\":\"oil\",\"all\":\"yes\"}", "all must be"},
        {"/search", "{\"q\":\"oil\",\"q\":\"gas\"}", "duplicate"},
        {"/search", "{\"q\":\"o\\u0000il\"}", "not JSON"},
        {"/search", "{\"q\":\"oil\",\"kk\":1}", "unknown parameter 'kk'"},
        {"/search?q=oil", "{\"q\":\"oil\"}", "in the JSON body"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        p = http(s.port, "POST", bad[i].target, bad[i].body);
        expect_error(&p, 400, "bad_parameter");
        cr_expect(strstr(p.body, bad[i].says), "%s: no '%s' in %s", bad[i].body, bad[i].says,
                  p.body);
        resp_free(&p);
    }
    teardown(&s);
}

Test(cli_serve, bad_queries_and_parameters_are_400_with_a_message, .timeout = 60)
{
    server s;
    setup(&s, "serve_400", NULL);
    resp r = get(s.port, "/search?q=%22oil");
    expect_error(&r, 400, "bad_query");
    cr_expect(strstr(r.body, "\"column\":1}}"), "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/search?q=oil%20AND");
    expect_error(&r, 400, "bad_query");
    cr_expect(strstr(r.body, "\"column\":5}}"), "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/search?q=nofield:oil");
    expect_error(&r, 400, "bad_query");
    resp_free(&r);
    static const char *const bad[] = {
        "/search",                    /* no q */
        "/search?q=oil&k=-1",         "/search?q=oil&k=99999999999",
        "/search?q=oil&k=101",        "/search?q=oil&k=",
        "/search?q=oil&k=1e3",        "/search?q=oil&offset=10001",
        "/search?q=oil&all=2",        "/search?q=oil&kk=1",
        "/search?q=o%00il",           "/search?q=o%FFil",
        "/search?q=o%C0%AFil",        "/search?q=o%ED%A0%80il", /* overlong, surrogate */
        "/search?q=oil&total_limit=-1", "/stats?x=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = get(s.port, bad[i]);
        cr_expect_eq(r.status, 400, "%s: %d %s", bad[i], r.status, r.body);
        cr_expect(strstr(r.body, "\"code\":\"bad_parameter\""), "%s: %s", bad[i], r.body);
        resp_free(&r);
    }
    r = get(s.port, "/search?q=o%zzil");
    expect_error(&r, 400, "bad_request");
    resp_free(&r);
    /* the count stops at total_limit, but never before the page's end */
    static const struct {
        const char *target, *want;
    } totals[] = {
        {"/search?q=oil&k=2&total_limit=5", "\"total\":5,\"total_exact\":false,"},
        {"/search?q=oil&k=2&total_limit=15", "\"total\":15,\"total_exact\":false,"},
        {"/search?q=oil&k=2&total_limit=16", "\"total\":15,\"total_exact\":true,"},
        {"/search?q=oil&k=2&offset=10&total_limit=5", "\"total\":13,\"total_exact\":false,"},
        {"/search?q=oil&k=2&offset=13&total_limit=5", "\"total\":15,\"total_exact\":true,"},
        {"/search?q=oil&k=2&total_limit=0", "\"total\":15,\"total_exact\":true,"},
    };
    for (size_t i = 0; i < sizeof totals / sizeof *totals; i++) {
        r = get(s.port, totals[i].target);
        cr_expect(strstr(r.body, totals[i].want), "%s: %s", totals[i].target, r.body);
        resp_free(&r);
    }
    r = get(s.port, "/search?q=oil&k=0");
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"total\":15,") && strstr(r.body, "\"hits\":[]"), "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/search?q=the");
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"empty_query\":\"stopwords\""), "%s", r.body);
    resp_free(&r);
    /* the server still answers */
    r = get(s.port, "/health");
    cr_expect_eq(r.status, 200);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, limits_give_413_414_and_the_server_lives_on, .timeout = 60)
{
    server s;
    setup(&s, "serve_limits",
          (const char *const[]){"--max-query", "100", "--max-body", "1000", "--max-url", "2000",
                                NULL});
    char target[4096], body[4096];
    strcpy(target, "/search?q=");
    memset(target + 10, 'a', 150);
    target[160] = 0;
    resp r = get(s.port, target);
    expect_error(&r, 414, "uri_too_long");
    resp_free(&r);
    memset(target + 10, 'a', 3000);
    target[3010] = 0;
    r = get(s.port, target);
    expect_error(&r, 414, "uri_too_long");
    resp_free(&r);
    snprintf(body, sizeof body, "{\"q\":\"%0150d\"}", 0);
    r = http(s.port, "POST", "/search", body);
    expect_error(&r, 413, "too_large");
    resp_free(&r);
    memset(body, ' ', 2000);
    memcpy(body + 2000, "{\"q\":\"oil\"}", 12);
    r = http(s.port, "POST", "/search", body);
    expect_error(&r, 413, "too_large");
    resp_free(&r);
    /* a header far over libmicrohttpd's memory: refused, not a crash */
    size_t big = 200000;
    char *req = malloc(big + 200);
    int n = sprintf(req, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + n, 'b', big);
    strcpy(req + n + big, "\r\nConnection: close\r\n\r\n");
    r = http_raw(s.port, req, strlen(req));
    cr_expect_eq(r.status, 431, "status %d", r.status);
    resp_free(&r);
    /* a request line longer than the connection's memory: 414 from
     * libmicrohttpd before --max-url is looked at */
    n = sprintf(req, "GET /");
    memset(req + n, 'a', 40000);
    strcpy(req + n + 40000, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    r = http_raw(s.port, req, strlen(req));
    cr_expect_eq(r.status, 414, "status %d", r.status);
    resp_free(&r);
    free(req);
    r = get(s.port, "/health");
    cr_expect_eq(r.status, 200);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, malformed_http_is_refused_and_the_server_lives_on, .timeout = 60)
{
    server s;
    setup(&s, "serve_malformed", NULL);
    static const char *const junk[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS hello */
        "GET /he\x01lth HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET search HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        resp r = http_raw(s.port, junk[i], strlen(junk[i]));
        cr_expect(r.status == 0 || (r.status >= 400 && r.status < 600), "junk %zu: status %d", i,
                  r.status);
        resp_free(&r);
        r = get(s.port, "/health");
        cr_assert_eq(r.status, 200, "after junk %zu", i);
        resp_free(&r);
    }
    teardown(&s);
}

Test(cli_serve, a_stalled_connection_is_closed_after_the_timeout, .timeout = 60)
{
    server s;
    setup(&s, "serve_slow", NULL);
    int fd = connect_to(s.port);
    thttp_send(fd, "GET /search?q=oil HTTP/1.1\r\nHost: x\r\n", 37);
    /* others are answered meanwhile */
    resp r = get(s.port, "/search?q=oil&k=1");
    cr_expect_eq(r.status, 200);
    resp_free(&r);
    double t0 = tu_now_s();
    size_t n;
    int closed;
    char *got = thttp_read(fd, 8000, &n, &closed);
    double waited = tu_now_s() - t0;
    cr_expect(closed, "still open after %.1f s", waited);
    cr_expect(waited < 6, "closed after %.1f s (--timeout 2)", waited);
    free(got);
    close(fd);
    teardown(&s);
}

Test(cli_serve, past_the_queue_requests_get_503, .timeout = 60)
{
    server s;
    setup(&s, "serve_queue", (const char *const[]){"--max-queue", "1", "--threads", "1", NULL});
    /* a POST whose body never completes holds the one place */
    int fd = connect_to(s.port);
    const char *part = "POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"q\":";
    thttp_send(fd, part, strlen(part));
    usleep(200000);
    resp r = get(s.port, "/health");
    expect_error(&r, 503, "overloaded");
    cr_expect(has_header(&r, "Retry-After: 1"), "%s", r.head);
    resp_free(&r);
    close(fd);
    usleep(200000);
    r = get(s.port, "/health");
    cr_expect_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, past_max_connections_a_connection_is_closed_unanswered, .timeout = 60)
{
    server s;
    setup(&s, "serve_conns", (const char *const[]){"--max-connections", "2", "--threads", "1", NULL});
    int a = connect_to(s.port), b = connect_to(s.port);
    usleep(200000); /* both accepted and idle */
    resp r = get(s.port, "/health");
    cr_expect_eq(r.status, 0, "a third connection was answered: %d %s", r.status, r.body);
    resp_free(&r);
    close(a);
    close(b);
    usleep(200000);
    r = get(s.port, "/health");
    cr_expect_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    teardown(&s);
}

/* ---- other endpoints ---------------------------------------------------- */

Test(cli_serve, doc_stats_health_syntax_and_the_page, .timeout = 60)
{
    server s;
    setup(&s, "serve_other", NULL);
    resp r = get(s.port, "/doc/d03");
    cr_assert_eq(r.status, 200, "%s", r.body);
    tu_out o = NSEARCH("-i", s.index, "--get", "d03");
    cr_expect_str_eq(r.body, o.out);
    tu_out_free(&o);
    resp_free(&r);
    r = get(s.port, "/doc/dir%2Fu%201");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"id\":\"dir/u 1\""), "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/doc/dir/u%201");
    cr_expect_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/doc/nope");
    expect_error(&r, 404, "not_found");
    resp_free(&r);
    r = get(s.port, "/doc/a%00b"); /* NUL in a path: refused as it is decoded */
    expect_error(&r, 400, "bad_request");
    resp_free(&r);
    r = get(s.port, "/doc/");
    expect_error(&r, 404, "not_found");
    resp_free(&r);
    r = get(s.port, "/nothing/here");
    expect_error(&r, 404, "not_found");
    resp_free(&r);
    r = get(s.port, "/stats");
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "{\"index\":{") && strstr(r.body, "\"documents\":32") &&
                  strstr(r.body, "\"generation\":1,\"built\":\"20") &&
                  strstr(r.body, "\",\"opened\":\"20"),
              "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/health");
    cr_expect_str_eq(r.body, "{\"status\":\"ok\",\"documents\":32,\"generation\":1}\n");
    resp_free(&r);
    r = get(s.port, "/syntax");
    o = NSEARCH("--help-syntax");
    cr_expect(has_header(&r, "Content-Type: text/plain; charset=utf-8"));
    cr_expect_str_eq(r.body, o.out);
    tu_out_free(&o);
    resp_free(&r);
    r = get(s.port, "/");
    cr_expect_eq(r.status, 200);
    cr_expect(has_header(&r, "Content-Type: text/html; charset=utf-8"));
    cr_expect(has_header(&r, "Content-Security-Policy:"));
    cr_expect(has_header(&r, "X-Frame-Options: DENY"));
    cr_expect(strstr(r.body, "<script src=\"/app.js\"") || strstr(r.body, "src=\"app.js\""),
              "%.300s", r.body);
    resp_free(&r);
    r = get(s.port, "/?q=oil");
    cr_expect_eq(r.status, 200, "the page takes its own parameters");
    resp_free(&r);
    r = get(s.port, "/app.js");
    cr_expect(has_header(&r, "Content-Type: text/javascript; charset=utf-8"));
    cr_expect(r.body_len > 100);
    resp_free(&r);
    r = http(s.port, "HEAD", "/", NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(r.body_len, 0);
    resp_free(&r);
    r = http(s.port, "DELETE", "/search", NULL);
    expect_error(&r, 405, "method_not_allowed");
    cr_expect(has_header(&r, "Allow: GET, HEAD, POST"), "%s", r.head);
    resp_free(&r);
    r = http(s.port, "POST", "/stats", "{}");
    expect_error(&r, 405, "method_not_allowed");
    cr_expect(has_header(&r, "Allow: GET, HEAD"), "%s", r.head);
    resp_free(&r);
    /* no CORS unless asked */
    r = get(s.port, "/health");
    cr_expect(!has_header(&r, "Access-Control-Allow-Origin:"), "%s", r.head);
    resp_free(&r);
    r = http(s.port, "OPTIONS", "/search", NULL);
    cr_expect_eq(r.status, 405);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, cors_only_for_the_origin_given, .timeout = 60)
{
    server s;
    setup(&s, "serve_cors", (const char *const[]){"--cors", "https://app.example", NULL});
    resp r = get(s.port, "/search?q=oil&k=1");
    cr_expect(has_header(&r, "Access-Control-Allow-Origin: https://app.example"), "%s", r.head);
    resp_free(&r);
    r = http(s.port, "OPTIONS", "/search", NULL);
    cr_expect_eq(r.status, 204);
    cr_expect(has_header(&r, "Access-Control-Allow-Methods: GET, POST"), "%s", r.head);
    resp_free(&r);
    teardown(&s);
}

Test(cli_serve, the_log_has_a_line_per_request_without_the_query, .timeout = 60)
{
    server s;
    setup(&s, "serve_log", NULL);
    resp r = get(s.port, "/search?q=secretword");
    resp_free(&r);
    r = get(s.port, "/nope");
    resp_free(&r);
    usleep(100000);
    char *log = tu_read_file(s.log, NULL);
    cr_expect(strstr(log, " GET /search 200 "), "%s", log);
    cr_expect(strstr(log, " GET /nope 404 "), "%s", log);
    cr_expect(!strstr(log, "secretword"), "%s", log);
    free(log);
    teardown(&s);
    setup(&s, "serve_logq", (const char *const[]){"--log-queries", NULL});
    r = get(s.port, "/search?q=secretword");
    resp_free(&r);
    usleep(100000);
    log = tu_read_file(s.log, NULL);
    cr_expect(strstr(log, " GET /search?q=secretword 200 "), "%s", log);
    free(log);
    teardown(&s);
}

/* ---- the served index changes ------------------------------------------- */

typedef struct hammer {
    int port;
    volatile int stop;
    long ok, failed;
    char last[256];
} hammer;

static void *hammer_run(void *arg)
{
    hammer *h = arg;
    while (!h->stop) {
        resp r; /* no Criterion assertion off the test's thread */
        if (thttp(h->port, "GET", "/search?q=oil&k=3", NULL, &r) == 0 && r.status == 200 && strstr(r.body, "\"hits\":[{\"rank\":1,"))
            h->ok++;
        else {
            h->failed++;
            snprintf(h->last, sizeof h->last, "%d %s", r.status, r.body);
        }
        resp_free(&r);
    }
    return NULL;
}

static uint64_t generation(int port)
{
    resp r = get(port, "/health");
    const char *g = strstr(r.body, "\"generation\":");
    uint64_t n = g ? strtoull(g + 13, NULL, 10) : 0;
    resp_free(&r);
    return n;
}

Test(cli_serve, a_rebuilt_index_is_served_and_no_request_fails, .timeout = 120)
{
    server s;
    setup(&s, "serve_reload", NULL);
    hammer h = {s.port, 0, 0, 0, ""};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, hammer_run, &h), 0);
    for (int i = 1; i <= 3; i++) {
        write_corpus(s.corpus, i);
        tu_out o = NINDEX("-q", "--field", "topics", "-o", s.index, s.corpus);
        cr_assert_eq(o.status, 0, "%s", o.err);
        tu_out_free(&o);
        uint64_t g = 0;
        for (int w = 0; w < 200 && (g = generation(s.port)) != (uint64_t)i + 1; w++)
            usleep(20000);
        cr_expect_eq(g, (uint64_t)i + 1, "rebuild %d: generation %llu", i, (unsigned long long)g);
    }
    h.stop = 1;
    pthread_join(t, NULL);
    cr_expect_eq(h.failed, 0, "%ld of %ld requests failed; the last: %s", h.failed,
                 h.ok + h.failed, h.last);
    cr_expect(h.ok > 0);
    resp r = get(s.port, "/health");
    cr_expect(strstr(r.body, "\"documents\":35,"), "the new index: %s", r.body);
    resp_free(&r);
    /* SIGHUP opens it again */
    kill(s.pid, SIGHUP);
    uint64_t g = 0;
    for (int w = 0; w < 200 && (g = generation(s.port)) != 5; w++)
        usleep(20000);
    cr_expect_eq(g, 5);
    /* a damaged replacement is refused; the old one serves on */
    char *meta = tu_path(s.index, "meta");
    kill(s.pid, SIGSTOP); /* no reload between the rebuild and the damage */
    tu_out o = NINDEX("-q", "-o", s.index, s.corpus);
    tu_out_free(&o);
    cr_assert_eq(tu_write_file(meta, "junk", 4), 0);
    kill(s.pid, SIGCONT);
    usleep(400000);
    cr_expect_eq(generation(s.port), 5, "a damaged index replaced the good one");
    char *log = tu_read_file(s.log, NULL);
    cr_expect(strstr(log, "cannot open the index now in"), "%s", log);
    free(log);
    free(meta);
    teardown(&s);
}

/* A set of shards (nindex --shard, --merge-stats) served: the hits are the
 * single index's (the CLI's over it), /doc and /health answer for the set,
 * and a rebuild of one shard (not merged yet: the set is refused) keeps the
 * old generation serving until the merge makes the set whole again. */
static void build_shard(const char *corpus, const char *spec, const char *out)
{
    tu_out o = NINDEX("-q", "--field", "topics", "--shard", spec, "-o", out, corpus);
    cr_assert_eq(o.status, 0, "nindex --shard %s: %s", spec, o.err);
    tu_out_free(&o);
}

static void merge_shards(const char *s0, const char *s1)
{
    tu_out o = NINDEX("-q", "--merge-stats", s0, s1);
    cr_assert_eq(o.status, 0, "nindex --merge-stats: %s", o.err);
    tu_out_free(&o);
}

Test(cli_serve, a_set_of_shards_is_served_as_its_single_index, .timeout = 120)
{
    server s;
    memset(&s, 0, sizeof s);
    s.work = tu_tmpdir("serve_set");
    s.corpus = tu_path(s.work, "c.jsonl");
    s.log = tu_path(s.work, "serve.log");
    char *single = tu_path(s.work, "single"), *s1 = tu_path(s.work, "s1");
    s.index = tu_path(s.work, "s0");
    write_corpus(s.corpus, 0);
    tu_out o = NINDEX("-q", "--field", "topics", "-o", single, s.corpus);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    build_shard(s.corpus, "0/2", s.index);
    build_shard(s.corpus, "1/2", s1);
    merge_shards(s.index, s1);
    server_start(&s, (const char *const[]){"-i", s1, NULL});
    char *log = tu_read_file(s.log, NULL);
    cr_expect(strstr(log, "and 1 more shard on http://"), "%s", log);
    free(log);
    server as_single = s; /* the CLI's side of the comparison */
    as_single.index = single;
    resp r = get(s.port, "/search?q=oil&k=12");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"total\":15,"), "%s", r.body);
    expect_hits_as_cli(&as_single, r.body, (const char *const[]){"-k", "12", "oil", NULL});
    resp_free(&r);
    r = get(s.port, "/search?q=oil+prices%20rise&all=1&explain=true&snippets=0&k=4&offset=2");
    cr_assert_eq(r.status, 200, "%s", r.body);
    expect_hits_as_cli(&as_single, r.body,
                       (const char *const[]){"-k", "4", "--offset", "2", "--all", "--explain",
                                             "--no-snippets", "oil prices rise", NULL});
    resp_free(&r);
    r = get(s.port, "/health");
    cr_expect(strstr(r.body, "\"documents\":32,"), "%s", r.body);
    resp_free(&r);
    r = get(s.port, "/doc/d07");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "Title 7 oil"), "%s", r.body);
    resp_free(&r);
    /* shard 1 rebuilt from more documents, not merged: refused, the old
     * set serves on */
    write_corpus(s.corpus, 3);
    build_shard(s.corpus, "1/2", s1);
    usleep(400000);
    cr_expect_eq(generation(s.port), 1, "a set with a shard not merged replaced the good one");
    log = tu_read_file(s.log, NULL);
    cr_expect(strstr(log, "cannot open the index now in"), "%s", log);
    free(log);
    r = get(s.port, "/health");
    cr_expect(strstr(r.body, "\"documents\":32,"), "%s", r.body);
    resp_free(&r);
    /* shard 0 of the new input, the merge: the new set is served */
    build_shard(s.corpus, "0/2", s.index);
    merge_shards(s.index, s1);
    uint64_t g = 0;
    for (int w = 0; w < 200 && (g = generation(s.port)) < 2; w++)
        usleep(20000);
    cr_expect_geq(g, 2, "the merged set was not served");
    r = get(s.port, "/health");
    cr_expect(strstr(r.body, "\"documents\":35,"), "%s", r.body);
    resp_free(&r);
    free(single);
    free(s1);
    teardown(&s);
}

Test(cli_serve, startup_errors_have_their_exit_status, .timeout = 60)
{
    char *w = tu_tmpdir("serve_start");
    char *missing = tu_path(w, "none");
    tu_out o = NSEARCH("serve", "-i", missing, "--listen", "127.0.0.1:0");
    cr_expect_eq(o.status, 3, "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("serve", "--listen", "nonsense");
    cr_expect_eq(o.status, 2, "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("serve", "--threads", "0");
    cr_expect_eq(o.status, 2, "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("serve", "extra");
    cr_expect_eq(o.status, 2, "%s", o.err);
    tu_out_free(&o);
    o = NSEARCH("serve", "--help");
    cr_expect_eq(o.status, 0);
    cr_expect(strstr(o.out, "Usage: nsearch serve"), "%s", o.out);
    tu_out_free(&o);
    /* nsearch without nsearch-serve beside it */
    char *lone = tu_path(w, "nsearch");
    size_t n;
    char *bin = tu_read_file(NS_TEST_NSEARCH, &n);
    cr_assert(bin && tu_write_file(lone, bin, n) == 0 && chmod(lone, 0755) == 0);
    free(bin);
    o = tc_runv(NULL, TIMEOUT_S, lone, "serve", "--help", (const char *)NULL);
    cr_expect_eq(o.status, 4, "%s", o.err);
    cr_expect(strstr(o.err, "cannot run '") && strstr(o.err, "nsearch-serve': No such file"), "%s",
              o.err);
    tu_out_free(&o);
    free(lone);
    /* a port in use */
    server s;
    setup(&s, "serve_busy", NULL);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", s.port);
    o = NSEARCH("serve", "-i", s.index, "--listen", addr);
    cr_expect_eq(o.status, 4, "%s", o.err);
    cr_expect(strstr(o.err, "cannot listen on '127.0.0.1:"), "%s", o.err);
    tu_out_free(&o);
    teardown(&s);
    tu_rmrf(w);
    free(w);
    free(missing);
}
