/* tutil: test helpers (see tutil.h). */
#include "tutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ns_format.h"

static void append(char **buf, size_t *len, size_t *cap, const char *src, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n + 1)
            c *= 2;
        *buf = realloc(*buf, c);
        *cap = c;
    }
    memcpy(*buf + *len, src, n);
    *len += n;
    (*buf)[*len] = 0;
}

void tu_apply_env(const char *const env[])
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq) {
            unsetenv(env[i]);
            continue;
        }
        char name[128];
        size_t n = (size_t)(eq - env[i]);
        if (n >= sizeof name)
            continue;
        memcpy(name, env[i], n);
        name[n] = 0;
        setenv(name, eq + 1, 1);
    }
}

int tu_run(char *const argv[], const char *in, size_t in_len, int timeout_s, tu_out *o)
{
    static const char *const no_color[] = {"NO_COLOR=1", NULL};
    return tu_run_env(argv, no_color, in, in_len, timeout_s, o);
}

int tu_run_env(char *const argv[], const char *const env[], const char *in, size_t in_len,
               int timeout_s, tu_out *o)
{
    int pin[2], pout[2], perr[2];
    memset(o, 0, sizeof *o);
    if (pipe(pin) || pipe(pout) || pipe(perr))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        close(pin[1]);
        close(pout[0]);
        close(perr[0]);
        tu_apply_env(env);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t in_off = 0;
    if (!in || in_len == 0) {
        close(pin[1]);
        pin[1] = -1;
    } else {
        fcntl(pin[1], F_SETFL, O_NONBLOCK);
    }
    size_t ocap = 0, ecap = 0;
    append(&o->out, &o->out_len, &ocap, "", 0);
    append(&o->err, &o->err_len, &ecap, "", 0);
    time_t deadline = time(NULL) + timeout_s;
    int open_fds = 2;
    int killed = 0;
    while (open_fds > 0) {
        struct pollfd fds[3] = {{pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}, {pin[1], POLLOUT, 0}};
        int nf = pin[1] >= 0 ? 3 : 2;
        int r = poll(fds, (nfds_t)nf, 200);
        if (time(NULL) > deadline && !killed) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        if (r <= 0)
            continue;
        char tmp[65536];
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
                ssize_t n = read(fds[i].fd, tmp, sizeof tmp);
                if (n <= 0) {
                    close(fds[i].fd);
                    if (i == 0)
                        pout[0] = -1;
                    else
                        perr[0] = -1;
                    open_fds--;
                } else if (i == 0) {
                    append(&o->out, &o->out_len, &ocap, tmp, (size_t)n);
                } else {
                    append(&o->err, &o->err_len, &ecap, tmp, (size_t)n);
                }
            }
        }
        if (nf == 3 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(pin[1], in + in_off, in_len - in_off);
            if (n > 0)
                in_off += (size_t)n;
            if (n < 0 && errno != EAGAIN) {
                close(pin[1]);
                pin[1] = -1;
            } else if (in_off == in_len) {
                close(pin[1]);
                pin[1] = -1;
            }
        }
    }
    if (pin[1] >= 0)
        close(pin[1]);
    int st = 0;
    waitpid(pid, &st, 0);
    o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

int tu_vrun(const char *in, int timeout_s, const char *prog, va_list ap, tu_out *o)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)prog;
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        if (n == 63)
            return -1;
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
    return tu_run(argv, in, in ? strlen(in) : 0, timeout_s, o);
}

void tu_out_free(tu_out *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
}

char *tu_path(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

void tu_rmrf(const char *path)
{
    char *cmd = malloc(strlen(path) + 16);
    sprintf(cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "tutil: could not remove %s\n", path);
    free(cmd);
}

char *tu_tmpdir(const char *name)
{
    char *parent = strdup(NS_TEST_TMPDIR);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = 0;
        mkdir(parent, 0777);
    }
    free(parent);
    mkdir(NS_TEST_TMPDIR, 0777);
    char *p = tu_path(NS_TEST_TMPDIR, name);
    tu_rmrf(p);
    mkdir(p, 0777);
    return p;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    char tmp[65536];
    size_t r;
    append(&buf, &n, &cap, "", 0);
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
        append(&buf, &n, &cap, tmp, r);
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

uint32_t tu_rng_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

uint32_t tu_width_mask(unsigned bits) { return bits >= 32 ? UINT32_MAX : (1u << bits) - 1; }

int tu_count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    size_t pl = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !strncmp(e->d_name, prefix, pl);
    closedir(d);
    return n;
}

double tu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tu_spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("NO_COLOR", "1", 1);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid < 0 ? -1 : (int)pid;
}

/* A pseudo-word of 2-4 syllables for vocabulary entry w. */
static size_t gen_word(uint32_t w, char *out)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze",
                                      "bar", "den", "fil", "gor", "hun", "jas", "kel", "mor",
                                      "nip", "ost", "pel", "qua", "rin", "sul", "tam", "wex"};
    const uint32_t ns = (uint32_t)(sizeof syl / sizeof *syl);
    uint32_t x = w * 2654435761u + 12345u;
    size_t n = 0;
    unsigned parts = 2 + x % 3;
    for (unsigned i = 0; i < parts; i++) {
        const char *s = syl[(x >> (5 * i + 2)) % ns];
        size_t l = strlen(s);
        memcpy(out + n, s, l);
        n += l;
    }
    return n;
}

size_t tu_gen_corpus(const char *path, const char *tag, unsigned n_docs, uint32_t seed,
                     const char *marker)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    uint32_t st = seed ? seed : 1;
    size_t total = 0;
    char w[64];
    for (unsigned i = 0; i < n_docs; i++) {
        int r = fprintf(f, "{\"id\":\"%s-%u\",\"title\":\"", tag, i);
        total += r > 0 ? (size_t)r : 0;
        unsigned nt = 2 + tu_rng_next(&st) % 5, nb = 40 + tu_rng_next(&st) % 361;
        for (unsigned k = 0; k < nt + nb; k++) {
            /* skewed: a random bound, then a word below it */
            uint32_t bound = 1 + tu_rng_next(&st) % 4000;
            size_t l = gen_word(tu_rng_next(&st) % bound, w);
            if (k == nt) {
                total += (size_t)fprintf(f, "\",\"body\":\"%s%s", marker ? marker : "",
                                         marker ? " " : "");
            } else if (k) {
                fputc(' ', f);
                total++;
            }
            total += fwrite(w, 1, l, f);
        }
        total += (size_t)fprintf(f, "\"}\n");
    }
    return fclose(f) == 0 ? total : 0;
}

const char *tu_index_diff(const char *a, const char *b)
{
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *pa = tu_path(a, name), *pb = tu_path(b, name);
        size_t la = 0, lb = 0;
        char *x = pa ? tu_read_file(pa, &la) : NULL, *y = pb ? tu_read_file(pb, &lb) : NULL;
        int same = x && y && la == lb && memcmp(x, y, la) == 0;
        free(x);
        free(y);
        free(pa);
        free(pb);
        if (!same)
            return name;
    }
    return NULL;
}
