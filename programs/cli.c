/* cli: the programs' shared command-line code (cli.h). */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_exit_for(nsearch_rc rc)
{
    switch (rc) {
    case NSEARCH_OK: return CLI_EXIT_OK;
    case NSEARCH_E_ARG:
    case NSEARCH_E_QUERY:
    case NSEARCH_E_LIMIT:
    case NSEARCH_E_EMPTY: return CLI_EXIT_USAGE;
    case NSEARCH_E_NOTFOUND:
    case NSEARCH_E_NOT_INDEX:
    case NSEARCH_E_VERSION:
    case NSEARCH_E_CORRUPT:
    case NSEARCH_E_EXISTS: return CLI_EXIT_INDEX;
    case NSEARCH_E_BUSY: return CLI_EXIT_BUSY;
    case NSEARCH_E_NOMEM:
    case NSEARCH_E_IO:
    case NSEARCH_E_INTERNAL: break;
    }
    return CLI_EXIT_IO;
}

void cli_getopt_table(const cli_prog *p, struct option *opts, const char *prefix,
                      char *shortopts)
{
    size_t n = 0;
    char *s = shortopts;
    for (const char *c = prefix; c && *c; c++)
        *s++ = *c;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (o->name) {
            opts[n].name = o->name;
            opts[n].has_arg = o->arg ? required_argument : no_argument;
            opts[n].flag = NULL;
            opts[n].val = o->id;
            n++;
        }
        if (o->short_name) {
            *s++ = (char)o->short_name;
            if (o->arg)
                *s++ = ':';
        }
    }
    *s = 0;
    memset(&opts[n], 0, sizeof opts[n]);
}

/* "  -i, --index=DIR" or "      --count", padded to the help column (or
 * its description on the next line when it is too wide). */
static int put_option(FILE *f, const cli_opt *o, int column)
{
    int w = 0;
    if (o->short_name)
        w += fprintf(f, "  -%c, ", o->short_name);
    else
        w += fprintf(f, "      ");
    w += fprintf(f, "--%s", o->name);
    if (o->arg)
        w += fprintf(f, "=%s", o->arg);
    if (w < 0)
        return -1;
    if (w + 1 > column) {
        fputc('\n', f);
        w = 0;
    }
    for (const char *line = o->help; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (fprintf(f, "%*s%.*s\n", column - w, "", (int)len, line) < 0)
            return -1;
        w = 0;
        line += len + (nl != NULL);
    }
    return 0;
}

int cli_help(const cli_prog *p, FILE *f)
{
    if (fputs(p->synopsis, f) == EOF || fputs(p->intro, f) == EOF || fputs("\nOptions:\n", f) == EOF)
        return -1;
    for (size_t i = 0; i < p->n_opts; i++)
        if (p->opts[i].help && put_option(f, &p->opts[i], p->help_column))
            return -1;
    if (fputs(p->outro, f) == EOF || fputs("\nExit status:\n", f) == EOF)
        return -1;
    for (size_t i = 0; i < p->n_exits; i++)
        if (fprintf(f, "  %s", p->exits[i]) < 0)
            return -1;
    return 0;
}

static int write_failed(const char *prog)
{
    fprintf(stderr, "%s: cannot write to standard output: %s\n", prog, strerror(errno));
    return CLI_EXIT_IO;
}

/* A page longer than stdout's buffer fails here, not at the final flush,
 * so the reason is told here. */
int cli_put_help(const cli_prog *p)
{
    return cli_help(p, stdout) ? write_failed(p->name) : CLI_EXIT_OK;
}

int cli_put_page(const char *prog, const char *text)
{
    return fputs(text, stdout) == EOF ? write_failed(prog) : CLI_EXIT_OK;
}

int cli_version(const char *prog)
{
    unsigned major, minor;
    nsearch_format_version(&major, &minor);
    printf("%s %s (index format %u.%u)\n", prog, nsearch_version(), major, minor);
    return CLI_EXIT_OK;
}

int cli_usage(const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_color(const char *when, int fd)
{
    if (!strcmp(when, "always"))
        return 1;
    if (!strcmp(when, "never"))
        return 0;
    if (strcmp(when, "auto") != 0)
        return -1;
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    return !(nc && *nc) && !(term && !strcmp(term, "dumb")) && isatty(fd);
}

char *cli_safe(const char *text, size_t len, int mode)
{
    char *out = NULL;
    size_t n;
    if (nsearch_escape(text, len, mode, &out, &n, NULL))
        return NULL;
    return out;
}

int cli_put_safe(FILE *f, const char *text, size_t len, int mode)
{
    char *s = cli_safe(text, len, mode);
    fputs(s ? s : "(not shown)", f);
    nsearch_free(s);
    return s ? 0 : -1;
}

int cli_close_stdout(const char *prog, int status)
{
    int flushed = fflush(stdout) == 0, e = errno;
    int bad = !flushed || ferror(stdout);
    if (fclose(stdout) != 0 && !bad && errno != EBADF) {
        bad = 1;
        flushed = 0;
        e = errno;
    }
    if (!bad)
        return status;
    if (status != CLI_EXIT_IO)
        fprintf(stderr, "%s: cannot write to standard output%s%s\n", prog, flushed ? "" : ": ",
                flushed ? "" : strerror(e));
    return CLI_EXIT_IO;
}

const char cli_syntax_text[] =
    "nsearch query syntax\n"
    "\n"
    "  oil prices          either word (OR; with --all, both: AND)\n"
    "  \"oil prices\"        the words one after the other, after stemming\n"
    "  \"bank of england\"   a stop word inside keeps its place: bank, any word,\n"
    "                      england\n"
    "  \"oil prices\"~3      both words within 3 positions of slop, in any order\n"
    "                      (a swap costs 2); closer matches score more\n"
    "  +oil prices         oil must occur; prices adds to the score\n"
    "  oil -opec           oil, but not in documents with opec\n"
    "  oil -\"crude oil\"    oil, but not the phrase; -(a OR b) excludes both\n"
    "  oil AND opec        both (AND, OR, NOT are operators in upper case only)\n"
    "  oil OR gas          either\n"
    "  oil NOT opec        the same as oil -opec\n"
    "  (oil OR gas) AND price   parentheses group; NOT binds tighter than\n"
    "                      AND, AND tighter than OR: a OR b AND c is a OR (b AND c)\n"
    "  title:oil           oil in the title; body:oil, in the body;\n"
    "                      title:\"oil prices\", title:(oil gas) too\n"
    "  topics:crude        the exact value of a keyword field (nindex --field\n"
    "                      topics; nsearch --info lists them); a filter that\n"
    "                      scores 0; topics:\"nat-gas\", topics:na* too\n"
    "  petrol*             every indexed term that starts with petrol (terms are\n"
    "                      stems: petrol* finds petroleum, but petroleu* finds\n"
    "                      nothing); at least 2 characters; the 1024 most\n"
    "                      frequent terms when there are more\n"
    "  \\\"  \\(  \\-  \\:     a backslash makes the next character plain\n"
    "\n"
    "A word is an operator's operand only when the operator touches it: a\n"
    "lone '-' or '+' is punctuation.  A word that analyses into several terms\n"
    "(e-mail, U.S.) is those terms joined by the default operator; a word that\n"
    "is a stop word is left out.  An exclusion alone matches nothing: -opec is\n"
    "an error.  Phrases score as one term whose frequency is the number of\n"
    "matches (sloppy: the sum of 1/(distance+1)) and whose idf is the sum of\n"
    "its words'; excluded clauses do not score.  --literal turns the syntax\n"
    "off; --show-query shows how a query was read.\n";

int cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
        end += strlen(end);
    else if (!shift && !strcmp(end, "B"))
        end++;
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cli_parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0 || v > (long)NSEARCH_MAX_RESULTS)
        return -1;
    *out = (size_t)v;
    return 0;
}

int cli_parse_algo(const char *s, nsearch_algo *out)
{
    static const struct { const char *name; nsearch_algo algo; } algos[] = {
        {"maxscore", NSEARCH_ALGO_MAXSCORE}, {"bmw", NSEARCH_ALGO_BMW},
        {"exhaustive", NSEARCH_ALGO_EXHAUSTIVE}};
    for (size_t i = 0; i < sizeof algos / sizeof *algos; i++) {
        if (!strcmp(s, algos[i].name)) {
            *out = algos[i].algo;
            return 0;
        }
    }
    return -1;
}

int cli_parse_format(const char *s, int *out)
{
    static const struct { const char *name; int format; } formats[] = {
        {"text", NSEARCH_TEXT}, {"json", NSEARCH_JSON}, {"trec", NSEARCH_TREC}};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        if (!strcmp(s, formats[i].name)) {
            *out = formats[i].format;
            return 0;
        }
    }
    return -1;
}

void cli_put_warning(const char *prefix, const char *file, uint64_t line, const char *msg)
{
    /* file names and quoted ids come from the input: never raw on a terminal */
    char *f = file ? cli_safe(file, strlen(file), NSEARCH_ESCAPE_NAME) : NULL;
    char *m = cli_safe(msg, strlen(msg), NSEARCH_ESCAPE_TEXT);
    if ((file && !f) || !m)
        fprintf(stderr, "%s: warning: (not shown: out of memory)\n", prefix);
    else if (file && line)
        fprintf(stderr, "%s: warning: %s:%" PRIu64 ": %s\n", prefix, f, line, m);
    else if (file)
        fprintf(stderr, "%s: warning: %s: %s\n", prefix, f, m);
    else
        fprintf(stderr, "%s: warning: %s\n", prefix, m);
    nsearch_free(f);
    nsearch_free(m);
}

int cli_parse_threads(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < 1 || v > (long)NSEARCH_MAX_THREADS)
        return -1;
    *out = (unsigned)v;
    return 0;
}

char *cli_query_place(const char *path, unsigned long line_no)
{
    char *name = cli_safe(path, strlen(path), NSEARCH_ESCAPE_NAME);
    size_t cap = name ? strlen(name) + 32 : 0;
    char *where = name ? malloc(cap) : NULL;
    if (where)
        snprintf(where, cap, "'%s' line %lu", name, line_no);
    nsearch_free(name);
    return where;
}

int cli_put_query_header(int format, const char *qid, const char *text)
{
    if (format != NSEARCH_TEXT)
        return 0;
    char *q = cli_safe(qid, strlen(qid), NSEARCH_ESCAPE_NAME);
    char *t = cli_safe(text, strlen(text), NSEARCH_ESCAPE_TEXT);
    int rc = q && t ? 0 : -1;
    if (!rc)
        printf("# query %s: %s\n", q, t);
    nsearch_free(q);
    nsearch_free(t);
    return rc;
}

void cli_put_count(const char *prog, int format, const char *qid, uint64_t count)
{
    if (format == NSEARCH_TEXT) {
        printf("%llu match%s\n", (unsigned long long)count, count == 1 ? "" : "es");
    } else if (format == NSEARCH_JSON) {
        printf("{\"count\":%llu}\n", (unsigned long long)count);
    } else if (qid) {
        fprintf(stderr, "%s: count: query ", prog);
        cli_put_safe(stderr, qid, strlen(qid), NSEARCH_ESCAPE_NAME);
        fprintf(stderr, ": %llu\n", (unsigned long long)count);
    } else {
        fprintf(stderr, "%s: count: %llu\n", prog, (unsigned long long)count);
    }
}

void cli_say_vanished(const char *prog, int why, const char *where, const char *qid,
                      const char *text, size_t len, const char *dir, const char *stop_words)
{
    fprintf(stderr, "%s: ", prog);
    if (where) {
        fprintf(stderr, "%s: query ", where);
        cli_put_safe(stderr, qid ? qid : "", qid ? strlen(qid) : 0, NSEARCH_ESCAPE_NAME);
        fputs(": ", stderr);
    }
    fputs("the query '", stderr);
    cli_put_safe(stderr, text, len, NSEARCH_ESCAPE_TEXT);
    if (why == NSEARCH_EMPTY_STOPWORDS)
        fprintf(stderr, "' has no searchable words: every word that is not excluded is a stop "
                        "word, which index '%s' leaves out (built with --stopwords %s); nothing "
                        "can match\n",
                dir, stop_words);
    else
        fputs("' has no searchable words (only punctuation, symbols or emoji); nothing can match\n",
              stderr);
}
