/* tutil: helpers shared by the Criterion tests: run a built program and
 * capture its output, make scratch directories, read and write files. */
#ifndef TUTIL_H
#define TUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tu_out {
    char *out;    /* owned: stdout, NUL-terminated */
    size_t out_len;
    char *err;    /* owned: stderr, NUL-terminated */
    size_t err_len;
    int status;   /* exit status, or 128 + signal number */
} tu_out;

/* Runs argv (argv[0] a path) with stdin fed from `in` (may be NULL) and
 * NO_COLOR=1 in the environment; kills it after timeout_s seconds (status
 * then 128 + SIGKILL).  Returns 0, or -1 if it could not be started. */
int tu_run(char *const argv[], const char *in, size_t in_len, int timeout_s, tu_out *o);
/* As tu_run, with the environment changed by env instead: a NULL-terminated
 * list of "NAME=VALUE" (set) and "NAME" (unset) entries (env may be NULL). */
int tu_run_env(char *const argv[], const char *const env[], const char *in, size_t in_len,
               int timeout_s, tu_out *o);
void tu_out_free(tu_out *o);
/* Applies "NAME=VALUE" (set) and "NAME" (unset) entries to this process's
 * environment (names of at most 127 bytes); env may be NULL. */
void tu_apply_env(const char *const env[]);

/* Runs prog with the NULL-terminated (const char *) arguments in ap (at
 * most 63), stdin from `in` (NULL: none).  Returns -1 when there are too
 * many arguments or the program could not be started, else 0. */
int tu_vrun(const char *in, int timeout_s, const char *prog, va_list ap, tu_out *o);

/* Returns: owned path of a fresh, empty directory under the test tmp dir. */
char *tu_tmpdir(const char *name);
/* Returns: owned contents (NUL-terminated) or NULL. */
char *tu_read_file(const char *path, size_t *len);
int tu_write_file(const char *path, const void *data, size_t len);
/* Returns: owned "a/b". */
char *tu_path(const char *a, const char *b);
/* rm -rf */
void tu_rmrf(const char *path);

/* The name of the first index file (in ns_file_kind order) whose bytes
 * differ between the index directories a and b (a file missing in either
 * differs), or NULL when all are the same.  Returns: static string. */
const char *tu_index_diff(const char *a, const char *b);

/* Number of entries of dir whose names start with prefix; -1 if dir
 * cannot be opened. */
int tu_count_entries(const char *dir, const char *prefix);
/* CLOCK_MONOTONIC in seconds. */
double tu_now_s(void);
/* Starts argv (argv[0] a path) with stdin, stdout and stderr on /dev/null
 * and NO_COLOR=1; returns its pid, or -1. */
int tu_spawn(char *const argv[]);

/* Writes n_docs deterministic JSON Lines documents (ids "<tag>-<i>",
 * titles of 2-6 and bodies of 40-400 pseudo-words drawn with a skewed
 * distribution from a vocabulary of a few thousand, seeded by seed) to
 * path; when `marker` is not NULL, every document's body also holds that
 * word.  Returns the bytes written, or 0 on failure. */
size_t tu_gen_corpus(const char *path, const char *tag, unsigned n_docs, uint32_t seed,
                     const char *marker);

/* xorshift32 step of *state (non-zero): deterministic across platforms,
 * unlike rand(). */
uint32_t tu_rng_next(uint32_t *state);
/* The mask of the low `bits` bits, 0 <= bits <= 32. */
uint32_t tu_width_mask(unsigned bits);

#endif
