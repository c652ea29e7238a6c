/* ix_build: one index build, from documents in to an atomically installed
 * index directory out.
 *
 *   ix_build_new   makes a temporary directory beside the target (and
 *                  removes stale ones left by killed runs);
 *   ix_build_set_* threads, memory budget, progress (before the first add);
 *   ix_build_add   validates/repairs a document, gives it the next doc id
 *                  and appends it to the current batch;
 *   ix_build_wait  waits until every document added is analysed and its
 *                  warnings reported;
 *   ix_build_commit merges the postings, writes every file, fsyncs them and
 *                  the directory, and swaps the new index into place
 *                  (renameat2 EXCHANGE, so a reader sees the old index or
 *                  the new one, never a mix);
 *   ix_build_free  removes the temporary directory unless committed.
 *
 * Pipeline.  The calling thread reads, parses and validates documents and
 * assigns doc ids in input order; documents travel in batches to N worker
 * threads, each with its own analyzer (and stem cache), inverter and zstd
 * context, which analyse the documents and compress their docstore frames.
 * The calling thread takes finished batches back in order: it reports
 * their warnings, resolves empty documents and duplicate ids, and appends
 * the records to the document table and the frames to the docstore.
 * The docstore's dictionary is trained from the bodies of the first
 * documents (the first NS_DICT_SAMPLE_BYTES, ns_format.h); batches wait on
 * the calling thread until that sample is complete or ix_build_wait is
 * called, so the first ix_build_wait of a build should come after the last
 * document.  When the inverters outgrow
 * the memory budget, the biggest writes a sorted run into the temporary
 * directory; ix_build_commit merges runs and inverters k-way into the index.
 * The output depends only on the input: not on the thread count, the budget
 * or timing.  With one thread everything runs on the calling thread.
 *
 * Problems with input are warnings (through the callback, always on the
 * calling thread and in input order), never fatal; the build counts them
 * per kind for the summary and for --strict. */
#ifndef IX_BUILD_H
#define IX_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"
#include "ns_format.h"

typedef enum {
    IX_WARN_JSON,      /* malformed JSON line: skipped */
    IX_WARN_UTF8,      /* invalid UTF-8: repaired with U+FFFD */
    IX_WARN_BINARY,    /* binary file: skipped */
    IX_WARN_EMPTY,     /* document without any word: kept as a dead slot */
    IX_WARN_FIELD,     /* missing or mistyped field: repaired or skipped */
    IX_WARN_DUPLICATE, /* duplicate id: the later document wins */
    IX_WARN_TOOBIG,    /* field or document over the size limit: truncated */
    IX_WARN_IO,        /* unreadable input file: skipped */
    IX_WARN_LINK,      /* symbolic link not followed (to a directory, dangling) */
    IX_WARN_ENCODING,  /* invalid in the text's declared encoding (--encoding,
                          UTF-16 by its BOM): repaired with U+FFFD */
    IX_WARN_COUNT
} ix_warn_kind;

/* file may be NULL; line 0 = no line. */
typedef void (*ix_warn_cb)(void *ctx, ix_warn_kind kind, const char *file, uint64_t line,
                           const char *msg);

/* Another member of a document, stored as given and returned with it
 * (FORMAT.md "docs"). */
typedef struct ix_field {
    const char *name; /* borrowed: UTF-8, 1..NS_MAX_FIELD_NAME bytes, not one of
                         id, title, body, date, url */
    size_t name_len;
    int type;         /* ns_val_type (ns_docrec.h) */
    const char *v;    /* borrowed: a string's UTF-8, else the value's JSON text */
    size_t len;
} ix_field;

typedef struct ix_doc {
    const char *id, *title, *body, *date, *url; /* borrowed; NULL = absent */
    size_t id_len, title_len, body_len, date_len, url_len;
    const ix_field *extra; /* borrowed: n_extra other members, in order (a
                              repeated name: the last one wins) */
    size_t n_extra;
    const char *src; /* file name for messages */
    uint64_t line;   /* line in src, 0 if none */
} ix_doc;

typedef struct ix_build_stats {
    uint64_t n_docs_in;   /* documents offered */
    uint64_t n_docs;      /* documents indexed (live) */
    uint64_t n_terms, n_postings, total_tokens;
    uint64_t bytes_in;    /* input text read (after decompression) */
    uint64_t raw_in;      /* input file bytes read (before decompression) */
    uint64_t n_runs;      /* sorted runs written (memory budget exceeded) */
    uint64_t run_bytes;   /* their total size */
    uint64_t index_bytes; /* sum of the index files */
    uint64_t bytes[NS_FILE_KIND_MAX + 1]; /* per ns_file_kind */
    uint64_t warnings[IX_WARN_COUNT];
    uint64_t long_words;  /* words split for being longer than NS_TOKEN_MAX_BYTES */
} ix_build_stats;

typedef struct ix_build ix_build;

/* Progress, reported on the calling thread as batches complete. */
typedef struct ix_progress {
    uint64_t n_docs;    /* documents analysed */
    uint64_t bytes_in;  /* input text read */
    uint64_t raw_in;    /* input file bytes read */
    uint64_t raw_total; /* input file bytes in all, 0 if unknown */
    int merging;        /* input done: merging the postings into the index */
} ix_progress;
typedef void (*ix_progress_cb)(void *ctx, const ix_progress *p);

/* Default memory budget of the library (nindex picks its own). */
#define IX_DEFAULT_MEM ((uint64_t)1 << 30)
/* Smallest accepted budget: below it the batches alone would not fit. */
#define IX_MIN_MEM ((uint64_t)1 << 20)
#define IX_MAX_THREADS 256u

typedef struct ix_build_opts {
    const char *lang;  /* Snowball language (NULL: english; "none": no stemming) */
    ix_warn_cb warn;   /* may be NULL */
    void *warn_ctx;
    int wait_lock;     /* another build holds out_dir's lock: wait for it (1)
                          or fail at once with NS_E_BUSY (0) */
} ix_build_opts;

/* Checks out_dir (absent, empty, or an index holding only index files:
 * else NS_E_EXISTS naming what is in the way), takes its lock (NS_E_BUSY
 * naming the other build's pid), removes stale temporaries and creates the
 * temporary directory.  The lock is held until ix_build_free().
 * Returns: owned *out, free with ix_build_free().  One thread and
 * IX_DEFAULT_MEM until set otherwise. */
ns_rc ix_build_new_opts(const char *out_dir, const ix_build_opts *o, ix_build **out, ns_err *err);
/* ix_build_new_opts with wait_lock = 0. */
ns_rc ix_build_new(const char *out_dir, const char *lang, ix_warn_cb warn, void *warn_ctx,
                   ix_build **out, ns_err *err);
/* By default ix_build_commit refuses to install an index without live
 * documents (NS_E_ARG), so that a wrong INPUT never replaces a good index
 * with an empty one; allow = 1 permits it. */
void ix_build_set_allow_empty(ix_build *b, int allow);
/* Analysis threads, 1..IX_MAX_THREADS (1: no threads are started).
 * NS_E_ARG out of range or after the first document. */
ns_rc ix_build_set_threads(ix_build *b, unsigned n_threads, ns_err *err);
/* Returns: borrowed, valid until ix_build_free(); the canonical language. */
const char *ix_build_lang(const ix_build *b);
/* Stop word list (NS_STOP_*, default NS_STOP_NONE); NS_E_ARG for an unknown
 * list or after the first document. */
ns_rc ix_build_set_stop_list(ix_build *b, uint32_t list, ns_err *err);
/* Keeps Latin and Greek diacritics (nindex --keep-diacritics; default:
 * removed, ns_unorm.h); NS_E_ARG after the first document. */
ns_rc ix_build_set_keep_diacritics(ix_build *b, bool keep, ns_err *err);
/* Makes the member name[0..len) of JSON Lines documents a keyword field
 * (nindex --field): each of its string values, or string elements of an
 * array, is indexed as an exact keyword (ns_keyword.h; empty strings and
 * values too long for a key skipped, the latter with a warning) and the
 * name is recorded in the index even when no document has it.  The member
 * stays a stored field.  NS_E_ARG with a message for a name
 * ns_keyword_name_problem refuses, past NS_MAX_KW_FIELDS names or after the
 * first document; a name given twice counts once. */
ns_rc ix_build_add_keyword_field(ix_build *b, const char *name, size_t len, ns_err *err);
/* Memory budget in bytes for postings in memory, batches and per-document
 * tables (>= IX_MIN_MEM; NS_E_ARG otherwise or after the first document). */
ns_rc ix_build_set_mem(ix_build *b, uint64_t bytes, ns_err *err);
void ix_build_set_progress(ix_build *b, ix_progress_cb cb, void *ctx, uint64_t raw_total);
/* For tests: merge at most n (>= 2) run files at once (default 64), so that
 * a small corpus exercises the intermediate merges. */
void ix_build_set_max_fanin(ix_build *b, unsigned n);
/* Builds shard `shard` of n_shards (nindex --shard, FORMAT.md "shard"):
 * every document is read, those whose id ns_shard_of gives to this shard
 * are indexed, each with its ordinal in the whole input (its doc id in the
 * single index), and the commit adds the file `shard`.  A shard may have no
 * live documents when the input has some.  NS_E_ARG out of range or after
 * the first document. */
ns_rc ix_build_set_shard(ix_build *b, uint32_t shard, uint32_t n_shards, ns_err *err);
ns_rc ix_build_add(ix_build *b, const ix_doc *doc, ns_err *err);
/* Waits until every document added so far is analysed and its warnings
 * reported (ix_build_commit does it too). */
ns_rc ix_build_wait(ix_build *b, ns_err *err);
/* Reports a warning through the callback and counts it. */
void ix_build_warn(ix_build *b, ix_warn_kind kind, const char *file, uint64_t line,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Counts input text bytes / input file bytes for statistics and progress. */
void ix_build_count_bytes(ix_build *b, uint64_t n);
void ix_build_count_raw(ix_build *b, uint64_t n);
void ix_build_get_stats(const ix_build *b, ix_build_stats *st);
ns_rc ix_build_commit(ix_build *b, ns_err *err);
/* 1 once ix_build_commit has put the new index in place, even if it then
 * failed (NS_E_IO: the installation may not survive a crash). */
int ix_build_installed(const ix_build *b);
void ix_build_free(ix_build *b);

/* Run files are named IX_RUN_PREFIX<number> inside the temporary directory. */
#define IX_RUN_PREFIX "run-"

/* Removes stale temporary directories of out_dir left by dead processes;
 * returns how many were removed.  Called by ix_build_new. */
int ix_build_clean_stale(const char *out_dir);

#endif
