/* nsearch's --color auto decided by its environment: under a real
 * pseudo-terminal (forkpty) colour comes with TERM=xterm and no NO_COLOR,
 * and never with a non-empty NO_COLOR (no-color.org: set and non-empty) or
 * TERM=dumb; on a pipe, never.  The other CLI suites run with NO_COLOR=1
 * and no terminal, so they cannot see these decisions. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tutil.h"

#define TIMEOUT_S 20
#define CORPUS NS_TEST_SRCDIR "/corpus"
#define C_MATCH "\033[1;31m"

static char *make_index(const char *test)
{
    char *dir = tu_tmpdir(test);
    char *idx = tu_path(dir, "idx");
    char *argv[] = {NS_TEST_NINDEX, "-q", "-o", idx, CORPUS, NULL};
    tu_out o;
    cr_assert_eq(tu_run(argv, NULL, 0, TIMEOUT_S, &o), 0);
    cr_assert_eq(o.status, 0, "nindex: %s", o.err);
    tu_out_free(&o);
    free(dir);
    return idx;
}

/* Runs argv on a pseudo-terminal (stdout and stderr both on it) with the
 * environment changed by env ("NAME=VALUE" sets, "NAME" unsets).  Returns
 * the owned output (NUL-terminated) and the exit status in *status. */
static char *run_pty(char *const argv[], const char *const env[], int *status)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    cr_assert_geq(pid, 0, "forkpty: %s", strerror(errno));
    if (pid == 0) {
        tu_apply_env(env);
        execv(argv[0], argv);
        _exit(127);
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    double t_end = tu_now_s() + TIMEOUT_S;
    for (;;) {
        struct pollfd pf = {master, POLLIN, 0};
        int r = poll(&pf, 1, 200);
        if (r > 0) {
            if (len + 4096 > cap)
                buf = realloc(buf, cap *= 2);
            ssize_t n = read(master, buf + len, cap - len - 1);
            if (n <= 0)
                break; /* EIO once the child has exited and closed the slave */
            len += (size_t)n;
        } else if (tu_now_s() > t_end) {
            kill(pid, SIGKILL);
            break;
        }
    }
    buf[len] = 0;
    close(master);
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    return buf;
}

struct env_case {
    const char *env[4];
    int want_color;
};

/* TERM and NO_COLOR are always set or unset explicitly, whatever the
 * environment ctest runs in. */
static const struct env_case cases[] = {
    {{"TERM=xterm", "NO_COLOR", NULL}, 1},
    {{"TERM=xterm", "NO_COLOR=", NULL}, 1}, /* empty: does not disable */
    {{"TERM=xterm", "NO_COLOR=1", NULL}, 0},
    {{"TERM=xterm", "NO_COLOR=0", NULL}, 0}, /* any non-empty value */
    {{"TERM=dumb", "NO_COLOR", NULL}, 0},
    {{"TERM", "NO_COLOR", NULL}, 1},         /* no TERM: a terminal all the same */
};

static void describe(const struct env_case *c, char *s, size_t n)
{
    s[0] = 0;
    for (size_t i = 0; c->env[i]; i++) {
        strncat(s, c->env[i], n - strlen(s) - 1);
        strncat(s, " ", n - strlen(s) - 1);
    }
}

Test(cli_color, auto_on_a_pty_follows_no_color_and_term, .timeout = 60)
{
    char *idx = make_index("pty");
    const char *modes[] = {"--color=auto", NULL};
    for (size_t m = 0; m < 2; m++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char *argv[] = {NS_TEST_NSEARCH, "-i", idx, (char *)(modes[m] ? modes[m] : "Article Five"),
                            (char *)(modes[m] ? "Article Five" : NULL), NULL};
            int status;
            char *out = run_pty(argv, cases[i].env, &status);
            char what[128];
            describe(&cases[i], what, sizeof what);
            cr_assert_eq(status, 0, "%s%s: status %d: %s", what, modes[m] ? modes[m] : "", status,
                         out);
            cr_assert(strstr(out, "Article") != NULL, "%s: no hit: %s", what, out);
            if (cases[i].want_color)
                cr_assert(strstr(out, C_MATCH "Article") != NULL,
                          "%s%s on a pty: no highlight: %s", what, modes[m] ? modes[m] : "", out);
            else
                cr_assert(strchr(out, '\033') == NULL, "%s%s on a pty: escape codes: %s", what,
                          modes[m] ? modes[m] : "", out);
            free(out);
        }
    }
    free(idx);
}

Test(cli_color, never_on_a_pty_always_on_a_pipe, .timeout = 60)
{
    char *idx = make_index("never");
    static const char *const env[] = {"TERM=xterm", "NO_COLOR", NULL};
    char *argv[] = {NS_TEST_NSEARCH, "-i", idx, "--color=never", "Article Five", NULL};
    int status;
    char *out = run_pty(argv, env, &status);
    cr_assert_eq(status, 0);
    cr_assert(strchr(out, '\033') == NULL, "--color=never on a pty: %s", out);
    free(out);

    /* a pipe with a colour-friendly environment: auto gives none, always some */
    char *auto_argv[] = {NS_TEST_NSEARCH, "-i", idx, "--color=auto", "Article Five", NULL};
    tu_out o;
    cr_assert_eq(tu_run_env(auto_argv, env, NULL, 0, TIMEOUT_S, &o), 0);
    cr_assert_eq(o.status, 0);
    cr_assert(strchr(o.out, '\033') == NULL, "--color=auto on a pipe: %s", o.out);
    tu_out_free(&o);
    char *always_argv[] = {NS_TEST_NSEARCH, "-i", idx, "--color=always", "Article Five", NULL};
    static const char *const env_nc[] = {"TERM=dumb", "NO_COLOR=1", NULL};
    cr_assert_eq(tu_run_env(always_argv, env_nc, NULL, 0, TIMEOUT_S, &o), 0);
    cr_assert(strstr(o.out, C_MATCH) != NULL, "--color=always beats NO_COLOR: %s", o.out);
    tu_out_free(&o);
    free(idx);
}

/* No hits: a hint for a person at a terminal (scripts get an empty stderr,
 * tests/test_cli_nsearch.c no_match_exits_1_with_empty_stdout). */
Test(cli_color, no_hits_on_a_terminal_point_to_show_query, .timeout = 60)
{
    char *idx = make_index("pty_nohits");
    char *argv[] = {NS_TEST_NSEARCH, "-i", idx, (char *)"zzzyyyxxx", NULL};
    const char *const env[] = {NULL};
    int status;
    char *out = run_pty(argv, env, &status);
    cr_assert_eq(status, 1, "%s", out);
    cr_assert(strstr(out, "no document matches; 'nsearch --show-query' shows how the query was read"),
              "%s", out);
    free(out);
    free(idx);
}
