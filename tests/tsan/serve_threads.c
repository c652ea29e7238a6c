/* serve_threads: nsearch serve's threads under ThreadSanitizer (ctest
 * tsan_serve_threads; in a TSan build the server is instrumented and a
 * race makes it exit non-zero).  Starts the server with four threads and
 * a short reload check, then four clients send searches of every kind,
 * documents and stats while the index is rebuilt three times and reopened
 * with SIGHUP twice; every answer must be as expected (200, or 400 for a
 * malformed query) and the server must exit 0
 * on SIGTERM.
 *   serve_threads NSEARCH NINDEX SCRATCH_DIR   exit 0: all well; 1: not */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "thttp.h"

#define N_CLIENTS 4
#define N_REQUESTS 150

static const char *const targets[] = {
    "/search?q=oil", "/search?q=%22oil+prices%22&k=5", "/search?q=oil+-gas&explain=1",
    "/search?q=oil&expand=1&k=3", "/search?q=pri*&offset=3", "/search?q=%22oil", "/doc/d03",
    "/stats", "/health", "/search?q=markets&snippets=0&all=1",
};
#define N_TARGETS (sizeof targets / sizeof targets[0])

static int stop; /* set when the rebuilds are done (atomic builtins) */

typedef struct client {
    int port, id;
    long ok, failed;
    char last[200];
} client;

static void *client_run(void *arg)
{
    client *c = arg;
    /* at least N_REQUESTS, and on until the rebuilds are over */
    for (int i = 0; i < N_REQUESTS || !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); i++) {
        const char *t = targets[(size_t)(i * 7 + c->id) % N_TARGETS];
        thttp_resp r;
        int want = strstr(t, "%22oil&") || !strcmp(t, "/search?q=%22oil") ? 400 : 200;
        if (thttp(c->port, "GET", t, NULL, &r) == 0 && r.status == want) {
            c->ok++;
        } else {
            c->failed++;
            snprintf(c->last, sizeof c->last, "%s: %d %.120s", t, r.status,
                     r.body ? r.body : "");
        }
        thttp_resp_free(&r);
    }
    return NULL;
}

static int run(char *const argv[], const char *out_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (out_path) {
            int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void write_corpus(const char *path, int extra)
{
    FILE *f = fopen(path, "w");
    if (!f)
        exit(1);
    for (int i = 0; i < 40 + extra; i++) {
        fprintf(f, "{\"id\":\"d%02d\",\"title\":\"Title %d\",\"body\":\"", i, i);
        for (int k = 0; k < (i < 20 ? 20 - i : 1); k++)
            fputs(i % 2 ? "oil prices rise " : "gas prices fall ", f);
        fprintf(f, "markets shipping oil %d\"}\n", i);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: serve_threads NSEARCH NINDEX SCRATCH_DIR\n");
        return 2;
    }
    char corpus[4096], index[4096], log[4096];
    mkdir(argv[3], 0755);
    snprintf(corpus, sizeof corpus, "%s/c.jsonl", argv[3]);
    snprintf(index, sizeof index, "%s/idx", argv[3]);
    snprintf(log, sizeof log, "%s/serve.log", argv[3]);
    write_corpus(corpus, 0);
    char *ix_argv[] = {argv[2], "-q", "-o", index, corpus, NULL};
    if (run(ix_argv, NULL) != 0) {
        fprintf(stderr, "serve_threads: nindex failed\n");
        return 1;
    }
    unlink(log); /* a log of an earlier run would give its port */
    pid_t srv = fork();
    if (srv == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        execl(argv[1], argv[1], "serve", "-i", index, "--listen", "127.0.0.1:0", "--threads", "4",
              "--reload-ms", "20", "-q", (char *)NULL);
        _exit(127);
    }
    int port = 0;
    for (int tries = 0; tries < 3000 && !port; tries++) {
        FILE *f = fopen(log, "r");
        char line[512];
        if (f && fgets(line, sizeof line, f)) {
            const char *p = strstr(line, "on http://127.0.0.1:");
            if (p)
                port = atoi(p + 20);
        }
        if (f)
            fclose(f);
        if (!port)
            usleep(10000);
    }
    if (!port) {
        fprintf(stderr, "serve_threads: the server did not start\n");
        kill(srv, SIGKILL);
        return 1;
    }
    client c[N_CLIENTS];
    pthread_t t[N_CLIENTS];
    for (int i = 0; i < N_CLIENTS; i++) {
        c[i] = (client){port, i, 0, 0, ""};
        pthread_create(&t[i], NULL, client_run, &c[i]);
    }
    int bad = 0;
    for (int i = 1; i <= 3; i++) {
        write_corpus(corpus, i);
        bad |= run(ix_argv, NULL) != 0;
        if (i < 3)
            kill(srv, SIGHUP);
        usleep(100000);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    long ok = 0, failed = 0;
    for (int i = 0; i < N_CLIENTS; i++) {
        pthread_join(t[i], NULL);
        ok += c[i].ok;
        failed += c[i].failed;
        if (c[i].failed)
            fprintf(stderr, "serve_threads: client %d: %ld failed; the last: %s\n", i, c[i].failed,
                    c[i].last);
    }
    kill(srv, SIGTERM);
    int st;
    waitpid(srv, &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    int reloads = 0;
    FILE *f = fopen(log, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        reloads += strstr(line, "serving the index now in") != NULL;
        if (code != 0)
            fputs(line, stderr);
    }
    if (f)
        fclose(f);
    printf("serve_threads: %ld answers as expected, %ld not; %d reloads; server exit %d\n", ok,
           failed, reloads, code);
    return failed || code || bad || reloads < 3 ? 1 : 0;
}
