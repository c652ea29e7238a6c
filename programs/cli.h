/* cli: what nindex and nsearch share as command-line programs, on the
 * public API (nsearch.h) only: the exit statuses and how library errors
 * map onto them, one option table from which both getopt_long's table and
 * the --help text are made, version lines, the colour rule, usage errors,
 * terminal-safe text and the final check of standard output.
 *
 * Nothing here is used by the library; everything prints to stdout or
 * stderr as the programs do. */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nsearch.h"

/* Exit statuses, as grep's: 0 a result, 1 none, 2 and up errors.  One
 * table for both programs; each documents the ones it uses in --help. */
enum {
    CLI_EXIT_OK = 0,    /* nsearch: a document matched; nindex: the index was built */
    CLI_EXIT_NONE = 1,  /* nsearch: nothing matched, an id not found */
    CLI_EXIT_USAGE = 2, /* usage error, malformed query or input */
    CLI_EXIT_INDEX = 3, /* index missing, corrupt, of another version; output not an index */
    CLI_EXIT_IO = 4,    /* I/O or memory failure */
    CLI_EXIT_BUSY = 5   /* nindex: another build holds the index's lock */
};

/* The exit status for a library error: the caller's (ARG, QUERY, LIMIT,
 * EMPTY) 2; the index's (NOTFOUND, NOT_INDEX, VERSION, CORRUPT, EXISTS) 3;
 * BUSY 5; the rest 4.  (nindex reads NOTFOUND as a missing INPUT: 2.) */
int cli_exit_for(nsearch_rc rc);

/* One option: its getopt_long entry and its --help lines. */
typedef struct cli_opt {
    const char *name; /* long name, without "--" */
    int short_name;   /* 0: none */
    const char *arg;  /* the argument's name in --help ("N", "DIR"); NULL: none */
    int id;           /* what getopt_long returns for it (the short name, or >= 256) */
    const char *help; /* its description: lines separated by '\n', each
                         printed in the help column; NULL: not listed */
} cli_opt;

/* A program's command line and its --help page. */
typedef struct cli_prog {
    const char *name;       /* "nsearch" */
    const char *synopsis;   /* the "Usage:" lines, each ending in '\n' */
    const char *intro;      /* text between the synopsis and "Options:" */
    const cli_opt *opts;    /* n_opts options, in --help order */
    size_t n_opts;
    int help_column;        /* where descriptions start */
    const char *outro;      /* text after the options, before the exit statuses */
    const char *const *exits; /* exit status lines, "N  meaning\n   more\n", in order */
    size_t n_exits;
} cli_prog;

/* getopt_long's table for p (terminated by a zero entry) into opts (room
 * for p->n_opts + 1 entries) and its short-option string, prefixed with
 * prefix (e.g. "-:"), into shortopts (room for 3 * n_opts + 3 bytes). */
void cli_getopt_table(const cli_prog *p, struct option *opts, const char *prefix,
                      char *shortopts);

/* Writes p's --help page to f.  Returns 0, or -1 when it could not be
 * written (errno set). */
int cli_help(const cli_prog *p, FILE *f);

/* Prints p's --help page (or another page) to stdout: CLI_EXIT_OK, or
 * CLI_EXIT_IO with a message when stdout cannot take it. */
int cli_put_help(const cli_prog *p);
int cli_put_page(const char *prog, const char *text);

/* Prints "PROG VERSION (index format MAJOR.MINOR)" on stdout. */
int cli_version(const char *prog);

/* "PROG: MESSAGE\nTry 'PROG --help' for more information.\n" on stderr;
 * returns CLI_EXIT_USAGE. */
int cli_usage(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The --color=WHEN rule: "always" 1, "never" 0, "auto" 1 only when fd is a
 * terminal, NO_COLOR is unset or empty and TERM is not "dumb".  -1 when
 * when is none of those. */
int cli_color(const char *when, int fd);

/* Writes text[0..len) to f made safe for a terminal (nsearch_escape with
 * mode); returns 0 or -1 (out of memory: "(not shown)" is written). */
int cli_put_safe(FILE *f, const char *text, size_t len, int mode);
/* The same as a NUL-terminated string: owned by the caller, freed with
 * nsearch_free; NULL when out of memory. */
char *cli_safe(const char *text, size_t len, int mode);

/* Flushes and closes stdout, as the last thing a program does (gnulib's
 * close_stdout): output that could not be written (a full disk, a closed
 * descriptor) turns status into CLI_EXIT_IO with a message, unless status
 * already is CLI_EXIT_IO (the program said why).  A descriptor closed before
 * anything was written to it is not an error. */
int cli_close_stdout(const char *prog, int status);

/* Option values, shared by nindex, nsearch and their MPI drivers; each
 * returns 0, or -1 when s is not one (the caller says so). */
/* SIZE: digits with an optional K, M or G (powers of 1024), then an
 * optional "iB" or "B" (nindex --mem). */
int cli_parse_size(const char *s, uint64_t *out);
/* A number of results, 0..NSEARCH_MAX_RESULTS (-k, --offset). */
int cli_parse_count(const char *s, size_t *out);
/* maxscore, bmw or exhaustive (--algo). */
int cli_parse_algo(const char *s, nsearch_algo *out);
/* text, json or trec (--format): NSEARCH_TEXT, _JSON or _TREC. */
int cli_parse_format(const char *s, int *out);

/* A thread count, 1..NSEARCH_MAX_THREADS (nindex -j). */
int cli_parse_threads(const char *s, unsigned *out);
/* "'FILE' line N", FILE terminal-safe (a query file's place in messages):
 * owned by the caller (free), or NULL when out of memory. */
char *cli_query_place(const char *path, unsigned long line_no);

/* What nsearch and nsearch-mpi print about a query, alike:
 *  - the text format's header of a query of a query file, "# query QID:
 *    TEXT" on stdout (nothing in the other formats): 0, or -1 out of memory;
 *  - the count line (-k 0 / --count) in format: on stdout, but on stderr in
 *    TREC ("PROG: count: query QID: N"; qid NULL: no query file);
 *  - why a query has nothing to search for (NSEARCH_EMPTY_STOPWORDS or
 *    _NOWORDS), on stderr: where (NULL: not from a query file) and qid name
 *    the query; dir and stop_words (the index's --stopwords) explain. */
int cli_put_query_header(int format, const char *qid, const char *text);
void cli_put_count(const char *prog, int format, const char *qid, uint64_t count);
void cli_say_vanished(const char *prog, int why, const char *where, const char *qid,
                      const char *text, size_t len, const char *dir, const char *stop_words);

/* A builder's warning on stderr, as "PREFIX: warning: FILE:LINE: MSG"
 * (FILE and LINE when given), FILE and MSG made terminal-safe; prefix is
 * the program's name, and its rank under MPI. */
void cli_put_warning(const char *prefix, const char *file, uint64_t line, const char *msg);

/* The query syntax page (nsearch --help-syntax, GET /syntax of nsearch
 * serve). */
extern const char cli_syntax_text[];

#endif
