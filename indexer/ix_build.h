/* ix_build: one index build, from documents in to an atomically installed
 * index directory out.
 *
 *   ix_build_new   makes a temporary directory beside the target (and
 *                  removes stale ones left by killed runs);
 *   ix_build_add   validates/repairs a document, analyses it, feeds the
 *                  inverter and the docstore;
 *   ix_build_commit writes every file, fsyncs them and the directory, and
 *                  swaps the new index into place (renameat2 EXCHANGE, so a
 *                  reader sees the old index or the new one, never a mix);
 *   ix_build_free  removes the temporary directory unless committed.
 *
 * Problems with input are warnings (through the callback), never fatal; the
 * build counts them per kind for the summary and for --strict. */
#ifndef IX_BUILD_H
#define IX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

typedef enum {
    IX_WARN_JSON,      /* malformed JSON line: skipped */
    IX_WARN_UTF8,      /* invalid UTF-8: repaired with U+FFFD */
    IX_WARN_BINARY,    /* binary file: skipped */
    IX_WARN_EMPTY,     /* document without any word: skipped */
    IX_WARN_FIELD,     /* missing or mistyped field: repaired or skipped */
    IX_WARN_DUPLICATE, /* duplicate id: the later document wins */
    IX_WARN_TOOBIG,    /* field or document over the size limit: truncated */
    IX_WARN_IO,        /* unreadable input file: skipped */
    IX_WARN_COUNT
} ix_warn_kind;

/* file may be NULL; line 0 = no line. */
typedef void (*ix_warn_cb)(void *ctx, ix_warn_kind kind, const char *file, uint64_t line,
                           const char *msg);

typedef struct ix_doc {
    const char *id, *title, *body, *date, *url; /* borrowed; NULL = absent */
    size_t id_len, title_len, body_len, date_len, url_len;
    const char *src; /* file name for messages */
    uint64_t line;   /* line in src, 0 if none */
} ix_doc;

typedef struct ix_build_stats {
    uint64_t n_docs_in;   /* documents offered */
    uint64_t n_docs;      /* documents indexed (live) */
    uint64_t n_terms, n_postings, total_tokens, bytes_in;
    uint64_t index_bytes; /* sum of the index files */
    uint64_t bytes[7];    /* per ns_file_kind */
    uint64_t warnings[IX_WARN_COUNT];
} ix_build_stats;

typedef struct ix_build ix_build;

/* Returns: owned *out, free with ix_build_free(). */
ns_rc ix_build_new(const char *out_dir, const char *lang, ix_warn_cb warn, void *warn_ctx,
                   ix_build **out, ns_err *err);
ns_rc ix_build_add(ix_build *b, const ix_doc *doc, ns_err *err);
/* Reports a warning through the callback and counts it. */
void ix_build_warn(ix_build *b, ix_warn_kind kind, const char *file, uint64_t line,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Counts input bytes for statistics/progress. */
void ix_build_count_bytes(ix_build *b, uint64_t n);
void ix_build_get_stats(const ix_build *b, ix_build_stats *st);
ns_rc ix_build_commit(ix_build *b, ns_err *err);
void ix_build_free(ix_build *b);

/* Removes stale temporary directories of out_dir left by dead processes;
 * returns how many were removed.  Called by ix_build_new. */
int ix_build_clean_stale(const char *out_dir);

#endif
