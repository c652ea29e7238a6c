/* nsearch.h: the nsearch full-text search library.
 *
 * Build an index of documents (nsearch_builder), open it once
 * (nsearch_index) and search it from any number of threads, each with its
 * own nsearch_reader: BM25-ranked hits, stored fields, snippets with
 * highlights.
 *
 * Conventions, for every function below unless its comment says otherwise:
 *  - Errors.  A function that can fail returns an nsearch_rc; NSEARCH_OK
 *    (0) is success.  If the caller passes an nsearch_error (it may be
 *    NULL), a failure fills it with the code and a one-line message that
 *    names the file, field or query column concerned.  Nothing is printed
 *    and nothing exits: the library never writes to stdout or stderr and
 *    never calls exit() or abort() (an assertion build may abort on a
 *    broken internal invariant).
 *  - Strings are UTF-8 with an explicit length, need not be NUL-terminated,
 *    and are borrowed for the duration of the call only.  Path names are
 *    NUL-terminated.
 *  - Ownership.  "Owned" results are the caller's and are released by the
 *    named function; "borrowed" results belong to the object they came from
 *    and stay valid for the time stated at the declaration.
 *  - Threads.  An nsearch_index is immutable once opened: any number of
 *    threads may use it at once (nsearch_reader_new, nsearch_index_stats,
 *    nsearch_index_check) as long as it outlives every reader made from
 *    it.  An nsearch_reader and an nsearch_builder are used by one thread
 *    at a time (like an LMDB transaction or a ZSTD_DCtx); they may move
 *    between threads between calls.
 *
 * Versions: this header describes library version NSEARCH_VERSION_STRING.
 * The minor version adds functions and members at the end of the option
 * structs (always initialise them with their _init function); the major
 * version changes the ABI (the shared library's SONAME is
 * libnsearch.so.NSEARCH_VERSION_MAJOR). */
#ifndef NSEARCH_H
#define NSEARCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(NSEARCH_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#define NSEARCH_API __attribute__((visibility("default")))
#else
#define NSEARCH_API
#endif

#define NSEARCH_VERSION_MAJOR 0
#define NSEARCH_VERSION_MINOR 4
#define NSEARCH_VERSION_PATCH 0
#define NSEARCH_VERSION_NUMBER                                                                     \
    (NSEARCH_VERSION_MAJOR * 10000 + NSEARCH_VERSION_MINOR * 100 + NSEARCH_VERSION_PATCH)
#define NSEARCH_VERSION_STRING "0.4.0"

/* The library's version as NSEARCH_VERSION_NUMBER computes it (that of the
 * library linked, which may be newer than the header compiled against). */
NSEARCH_API unsigned nsearch_version_number(void);
/* Returns: static, e.g. "0.3.0". */
NSEARCH_API const char *nsearch_version(void);
/* The index format this library writes and reads (FORMAT.md): an index of
 * another major version is refused with NSEARCH_E_VERSION. */
NSEARCH_API void nsearch_format_version(unsigned *major, unsigned *minor);

/* ---- errors ----------------------------------------------------------- */

/* Values are pinned: they will not change within a major version. */
typedef enum nsearch_rc {
    NSEARCH_OK = 0,
    NSEARCH_E_NOMEM = 1,     /* an allocation failed */
    NSEARCH_E_IO = 2,        /* a system call failed (sys_errno says why) */
    NSEARCH_E_NOT_INDEX = 3, /* the directory is not an nsearch index */
    NSEARCH_E_VERSION = 4,   /* index of another format, tokenizer or analyzer */
    NSEARCH_E_CORRUPT = 5,   /* an index file (or input data) violates the format */
    NSEARCH_E_ARG = 6,       /* the caller's mistake: a NULL pointer, an option
                                out of range, a call out of order */
    NSEARCH_E_NOTFOUND = 7,  /* no index at that path, no document with that id */
    NSEARCH_E_BUSY = 8,      /* another builder holds the index's lock */
    NSEARCH_E_EXISTS = 9,    /* the output path holds something that is not an
                                index: it is not replaced */
    NSEARCH_E_QUERY = 10,    /* the query's syntax or words (the message gives
                                the column) */
    NSEARCH_E_LIMIT = 11,    /* a documented limit was exceeded (query terms,
                                phrase length, k + offset) */
    NSEARCH_E_EMPTY = 12,    /* commit of a build without any document (see
                                nsearch_builder_opts.allow_empty) */
    NSEARCH_E_INTERNAL = 13  /* a bug: please report it with the message */
} nsearch_rc;

/* Details of a failure.  Plain data: may be on the stack, copied, reused. */
typedef struct nsearch_error {
    nsearch_rc rc;
    int sys_errno;     /* errno of the failed system call, else 0 */
    char message[256]; /* one line, NUL-terminated, without a newline */
} nsearch_error;

/* Returns: static text naming rc, e.g. "corrupt index" (never NULL). */
NSEARCH_API const char *nsearch_strerror(nsearch_rc rc);

/* Frees memory the library gave the caller as "owned, free with
 * nsearch_free" (nsearch_escape).  Accepts NULL. */
NSEARCH_API void nsearch_free(void *p);

/* ---- text for terminals and records ------------------------------------ */

/* Stored text and user input may hold ESC, BEL, CR, C1 or bidi controls
 * (U+202E, ...) that redraw or reorder a terminal, and bytes that are not
 * UTF-8.  nsearch_escape writes them visibly:
 *   NSEARCH_ESCAPE_TEXT   prose: tab, LF, VT, FF, CR become a space, other
 *                         unsafe bytes \xHH, unsafe code points \uHHHH;
 *   NSEARCH_ESCAPE_NAME   ids and names: every unsafe byte \xHH (white
 *                         space controls too), code points \uHHHH, '\' as
 *                         "\\": the shown name maps back to one name;
 *   NSEARCH_ESCAPE_TOKEN  one field of a white-space-separated record
 *                         (TREC): unsafe bytes, white space and '%' as %HH;
 *                         "" as "%";
 *   NSEARCH_ESCAPE_JSON   a JSON string literal, quotes included (RFC 8259:
 *                         '"', '\\' and controls escaped; bytes that are not
 *                         UTF-8 become \ufffd): the writer of every JSON text
 *                         the library makes (since 0.3).
 * (The text format of nsearch_reader_render uses the first three.) */
#define NSEARCH_ESCAPE_TEXT 0
#define NSEARCH_ESCAPE_NAME 1
#define NSEARCH_ESCAPE_TOKEN 2
#define NSEARCH_ESCAPE_JSON 3

/* Escapes text[0..len) in mode.  Errors: NSEARCH_E_NOMEM, NSEARCH_E_ARG.
 * Returns: owned *out (NUL-terminated, *out_len bytes before the NUL; may
 * be NULL), free with nsearch_free. */
NSEARCH_API nsearch_rc nsearch_escape(const char *text, size_t len, int mode, char **out,
                                      size_t *out_len, nsearch_error *err);

/* ---- an open index ---------------------------------------------------- */

typedef struct nsearch_index nsearch_index;

/* Opens the index directory dir: maps its files, checks their frames and
 * the analyzer (language, stop words, stemmer and Unicode versions).
 * Errors: NSEARCH_E_NOTFOUND, NSEARCH_E_NOT_INDEX, NSEARCH_E_VERSION,
 * NSEARCH_E_CORRUPT, NSEARCH_E_IO, NSEARCH_E_NOMEM, NSEARCH_E_ARG (NULL).
 * The open index keeps reading the files it opened even if nindex swaps a
 * new index into dir meanwhile.  Returns: owned *out, free with
 * nsearch_index_close after every reader made from it. */
NSEARCH_API nsearch_rc nsearch_index_open(const char *dir, nsearch_index **out,
                                          nsearch_error *err);
/* Opens the shards dirs[0..n) of one set together (nsearch -i A -i B ...;
 * README "Shards"): every shard of the set, each once, all merged with the
 * same statistics (nsearch_shards_merge), in any order.  A search runs on
 * each shard and merges their hits: the same documents, scores and order as
 * the single index of the same input.  Document numbers are the documents'
 * ordinals in the input (the single index's numbers).  One directory: as
 * nsearch_index_open (a shard opened alone searches that shard only, with
 * its set's statistics: its hits merged by score, then document number,
 * with the other shards' give the set's).  expand and nsearch_reader_like
 * too give the single index's results: RM3's first pass ranks the whole
 * set and each feedback document's terms come from its own shard; a
 * more-like-this query's terms come from the document's shard, the same
 * query then runs on every shard.  Errors: as
 * nsearch_index_open; NSEARCH_E_ARG naming the shard missing, repeated,
 * not merged or of another set. */
NSEARCH_API nsearch_rc nsearch_index_open_set(const char *const *dirs, size_t n,
                                              nsearch_index **out, nsearch_error *err);
/* Accepts NULL. */
NSEARCH_API void nsearch_index_close(nsearch_index *ix);

/* ---- shards: a set's statistics (README "Shards") ---------------------- */

/* Merges the statistics of the shards dirs[0..n) (nindex --shard I/N, the
 * whole set: each of 0..N-1 once) and writes them into each shard, whose
 * postings are rewritten so that pruning stays exact under the set's
 * statistics (nindex --merge-stats).  Each shard is replaced atomically;
 * after a failure part-way, run it again.  Errors: NSEARCH_E_ARG (not one
 * complete set of one input: the message names the shard), NSEARCH_E_BUSY
 * (a build holds a shard's lock), NSEARCH_E_NOTFOUND, NSEARCH_E_CORRUPT,
 * NSEARCH_E_IO, NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_shards_merge(const char *const *dirs, size_t n,
                                            nsearch_error *err);
/* The same in three steps, for a driver that moves the bytes itself (MPI):
 * the statistics of shard dir (owned *out, *len bytes, free with
 * nsearch_free); their merge over the shards (stats[i], len[i]; label[i]
 * names shard i in messages); the merged statistics applied to shard dir.
 * The bytes are the same on every machine.  Errors: as above. */
NSEARCH_API nsearch_rc nsearch_shard_stats(const char *dir, void **out, size_t *len,
                                           nsearch_error *err);
NSEARCH_API nsearch_rc nsearch_shard_stats_merge(const void *const *stats, const size_t *len,
                                                 const char *const *label, size_t n, void **out,
                                                 size_t *out_len, nsearch_error *err);
NSEARCH_API nsearch_rc nsearch_shard_apply(const char *dir, const void *global, size_t len,
                                           nsearch_error *err);

typedef struct nsearch_index_stats {
    uint64_t documents;      /* document slots (ids 0 .. documents - 1) */
    uint64_t live_documents; /* those with a stored document */
    uint64_t terms, postings, tokens;
    double avg_length;       /* tokens per document, BM25's avgdl */
    const char *language;    /* borrowed from the index: its Snowball language */
    unsigned format_major, format_minor;
    const char *stop_words;  /* static: the stop list, "english" or "none" */
    /* Since 0.4: an index of shards (nsearch_index_open_set, or one shard
     * opened alone) gives its set's documents, live documents, terms,
     * tokens and average length, and postings of the shards open: */
    unsigned shard, n_shards; /* n_shards 0: not a shard; else the first open
                                 shard's number and the set's shard count */
    size_t shards_open;       /* shards opened (n_shards when the whole set) */
} nsearch_index_stats;

/* Errors: NSEARCH_E_ARG (NULL). */
NSEARCH_API nsearch_rc nsearch_index_stats_get(const nsearch_index *ix, nsearch_index_stats *out);

/* Called once per problem found, with a one-line message (borrowed for the
 * call). */
typedef void (*nsearch_problem_fn)(void *ctx, const char *message);

/* Verifies every structure of the index (what `nsearch --check` does):
 * *n_problems gets the number found, each also given to fn (may be NULL).
 * A damaged index is not an error of this call: it returns NSEARCH_OK with
 * *n_problems > 0.  Errors: NSEARCH_E_NOMEM, NSEARCH_E_ARG. */
NSEARCH_API nsearch_rc nsearch_index_check(const nsearch_index *ix, nsearch_problem_fn fn,
                                           void *ctx, uint64_t *n_problems, nsearch_error *err);

/* The first half of `nsearch --check`, for an index that may not open:
 * every file's frame and checksum in directory dir, each damaged file given
 * to fn (may be NULL) and counted in *n_damaged.  Damage is not an error of
 * this call.  Errors: NSEARCH_E_IO (a file cannot be read: rebuilding would
 * not help), NSEARCH_E_NOMEM, NSEARCH_E_ARG. */
NSEARCH_API nsearch_rc nsearch_check_files(const char *dir, nsearch_problem_fn fn, void *ctx,
                                           uint64_t *n_damaged, nsearch_error *err);

/* ---- a reader: searching, one thread at a time ------------------------ */

typedef struct nsearch_reader nsearch_reader;

/* A reader of ix, with its own analyzer and stem cache, decompression
 * context, document buffer and query scratch.  Errors: NSEARCH_E_NOMEM,
 * NSEARCH_E_ARG.  Returns: owned *out, free with nsearch_reader_free before
 * closing ix. */
NSEARCH_API nsearch_rc nsearch_reader_new(const nsearch_index *ix, nsearch_reader **out,
                                          nsearch_error *err);
/* Accepts NULL. */
NSEARCH_API void nsearch_reader_free(nsearch_reader *r);

typedef enum nsearch_algo {
    NSEARCH_ALGO_DEFAULT = 0,    /* MaxScore */
    NSEARCH_ALGO_MAXSCORE = 1,   /* exact dynamic pruning */
    NSEARCH_ALGO_BMW = 2,        /* block-max WAND, exact */
    NSEARCH_ALGO_EXHAUSTIVE = 3  /* every matching document scored: the reference */
} nsearch_algo;

/* The query language of `nsearch --help-syntax` (phrases, +/-, AND OR NOT,
 * fields, prefixes) unless NSEARCH_QUERY_LITERAL. */
#define NSEARCH_QUERY_ALL 1u     /* juxtaposed words must all match (AND) */
#define NSEARCH_QUERY_LITERAL 2u /* no syntax: the text is plain words */

#define NSEARCH_MAX_RESULTS 1000000u /* largest k + offset */
#define NSEARCH_FB_MAX 1000u         /* largest fb_docs and fb_terms */

typedef struct nsearch_search_opts {
    size_t k;           /* hits wanted (default 10); 0: none, only the count */
    size_t offset;      /* skip the best `offset` first (pages) */
    nsearch_algo algo;  /* default NSEARCH_ALGO_DEFAULT */
    unsigned flags;     /* NSEARCH_QUERY_* */
    int count;          /* also count every matching document (costs a full
                           pass over the postings) */
    int expand;         /* pseudo-relevance feedback (RM3, README "Feedback"):
                           the best fb_docs documents of a first pass give
                           fb_terms terms, weighted and added to the query
                           (fb_weight: the original query's share) */
    size_t fb_docs;     /* 1..1000, default 10 */
    size_t fb_terms;    /* 1..1000, default 10 */
    double fb_weight;   /* (0, 1], default 0.5 */
    /* Since 0.3: */
    uint64_t count_limit; /* with count: stop counting at this many (0,
                             default: count all); total == count_limit then
                             means "count_limit or more" (Lucene's total hits
                             threshold, Elasticsearch's track_total_hits) */
    /* Since 0.4: */
    const void *prefix_cuts; /* borrowed for the call: the bytes of
                                nsearch_prefix_cuts_merge, for a driver with
                                one shard per process (below); NULL (default):
                                none.  A reader of a whole set computes its
                                own */
    size_t prefix_cuts_len;
} nsearch_search_opts;

/* Sets the defaults above. */
NSEARCH_API void nsearch_search_opts_init(nsearch_search_opts *o);

typedef struct nsearch_hit {
    uint32_t doc; /* document number, for nsearch_reader_doc and _snippet */
    double score; /* BM25 */
} nsearch_hit;

/* The work of one pass over the postings. */
typedef struct nsearch_work {
    uint64_t postings_decoded; /* doc ids decoded from posting blocks */
    uint64_t docs_scored;      /* documents whose full score was computed */
} nsearch_work;

/* Why a query had nothing to search for (nsearch_results.empty_query). */
#define NSEARCH_EMPTY_NONE 0      /* it had: it ran */
#define NSEARCH_EMPTY_STOPWORDS 1 /* every word not excluded is a stop word */
#define NSEARCH_EMPTY_NOWORDS 2   /* no words: punctuation, symbols, emoji */
#define NSEARCH_EMPTY_LIKE 3      /* _like: the document has no qualifying term */

typedef struct nsearch_results {
    const nsearch_hit *hits; /* borrowed from the reader: n hits, best first
                                (ties: lower doc first) */
    size_t n;
    uint64_t total;          /* matching documents, when opts.count (at most
                                opts.count_limit when that is not 0); else 0 */
    const char *notes;       /* borrowed: warnings about the query (a prefix
                                that expanded to too many terms, ...), lines
                                ending in '\n'; "" if none */
    int empty_query;         /* NSEARCH_EMPTY_*: no hits because nothing ran */
    int damaged;             /* a posting list was damaged: the results may be
                                incomplete (nsearch_index_check says where) */
    nsearch_work count_work; /* the count's pass (opts.count) */
    nsearch_work rank_work;  /* the ranking's pass (opts.k > 0) */
    size_t fb_docs_used;     /* opts.expand: feedback documents used */
    size_t fb_terms_used;    /* opts.expand: terms of the relevance model */
    nsearch_work fb_work;    /* opts.expand: the first pass's work */
} nsearch_results;

/* Runs the query text[0..len) with opts (NULL: defaults).  The results,
 * and the query itself (which nsearch_reader_snippet highlights), are kept
 * by the reader until its next nsearch_reader_search.  A query with no
 * word left to search for (only stop words or punctuation) gives no hits,
 * NSEARCH_OK and out->empty_query.  With k = 0 and no count the query is
 * only parsed and analysed (and expanded): for nsearch_reader_show_query.  Errors: NSEARCH_E_QUERY (syntax, unknown field: the
 * message gives the column), NSEARCH_E_LIMIT, NSEARCH_E_ARG (also
 * opts.prefix_cuts malformed), NSEARCH_E_CORRUPT
 * (a damaged posting list), NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_search(nsearch_reader *r, const char *text, size_t len,
                                             const nsearch_search_opts *opts,
                                             nsearch_results *out, nsearch_error *err);

/* Prefixes over a shard set, one shard per process (MPI; README "Shards").
 * A prefix matching more than 1,024 terms searches the 1,024 most frequent
 * (by the set's df, then term); a shard alone would pick among its own
 * terms.  A reader of the whole set (nsearch_index_open_set) picks as the
 * single index does by itself.  A driver whose processes each hold one
 * shard's reader does it in three steps, the same query text and flags on
 * every shard:
 *
 *   nsearch_reader_search(r, text, len, &opts, &res, &err);  // any k
 *   nsearch_reader_prefix_candidates(r, &cand, &cand_len, &err);
 *   // gather every shard's candidates (any order); on one process:
 *   nsearch_prefix_cuts_merge(cands, lens, n_shards, &cuts, &cuts_len, &err);
 *   // broadcast cuts; when cuts_len > 0, on every shard:
 *   opts.prefix_cuts = cuts; opts.prefix_cuts_len = cuts_len;
 *   nsearch_reader_search(r, text, len, &opts, &res, &err);  // res.notes too
 *
 * The candidates are, for each prefix of the reader's last query, the
 * terms it kept with their df (at most 1,024 per prefix and shard); owned
 * *out (*len bytes), free with nsearch_free.  Errors: NSEARCH_E_ARG (NULL),
 * NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_prefix_candidates(const nsearch_reader *r, void **out,
                                                        size_t *len, nsearch_error *err);
/* The cut-offs of the candidates cands[i] (len[i] bytes), i < n, of one
 * query on every shard of a set: owned *out (*out_len bytes), free with
 * nsearch_free; *out NULL and *out_len 0 when no prefix needs one (the
 * first search's results stand).  The bytes are the same on every machine.
 * Errors: NSEARCH_E_ARG (NULL, n 0, bytes not made by
 * nsearch_reader_prefix_candidates: the message says which), _NOMEM.
 * Thread-safe. */
NSEARCH_API nsearch_rc nsearch_prefix_cuts_merge(const void *const *cands, const size_t *len,
                                                 size_t n, void **out, size_t *out_len,
                                                 nsearch_error *err);

/* Documents like document doc (more-like-this, as Lucene's MoreLikeThis):
 * its 25 terms of highest tf x idf among those it has at least twice and
 * that at least 5 documents have, as a weighted query; doc itself is left
 * out of the hits and of the count.  opts as for nsearch_reader_search
 * (flags and expand ignored).  No qualifying term: no hits, NSEARCH_OK.
 * The results and the query are kept as by nsearch_reader_search.  Errors:
 * NSEARCH_E_ARG (doc out of range), NSEARCH_E_LIMIT, NSEARCH_E_CORRUPT,
 * NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_like(nsearch_reader *r, uint32_t doc,
                                           const nsearch_search_opts *opts, nsearch_results *out,
                                           nsearch_error *err);
#define NSEARCH_LIKE_TERMS 25 /* the terms of a more-like-this query, at most */
#define NSEARCH_LIKE_MIN_TF 2 /* ... each in the document this often */
#define NSEARCH_LIKE_MIN_DF 5 /* ... and in this many documents */

/* A string value: borrowed, valid until the reader's next _doc, _snippet or
 * _search call; p NULL when absent. */
typedef struct nsearch_str {
    const char *p;
    size_t len;
} nsearch_str;

typedef struct nsearch_doc {
    uint32_t doc;
    nsearch_str id, title, body, date, url;
} nsearch_doc;

/* The stored fields of document doc (< stats.documents).  Errors:
 * NSEARCH_E_NOTFOUND (a slot without a document), NSEARCH_E_ARG (doc out
 * of range), NSEARCH_E_CORRUPT, NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_doc(nsearch_reader *r, uint32_t doc, nsearch_doc *out,
                                          nsearch_error *err);

/* The value types of other stored members (JSON Lines input). */
typedef enum nsearch_value_type {
    NSEARCH_VALUE_STRING = 1, /* value: the string's UTF-8 */
    NSEARCH_VALUE_JSON = 2    /* value: a number, boolean, null, array or
                                 object, as JSON text */
} nsearch_value_type;

/* Called for each other member of a document, in stored order; name and
 * value are borrowed for the call.  Return nonzero to stop. */
typedef int (*nsearch_field_fn)(void *ctx, nsearch_str name, nsearch_value_type type,
                                nsearch_str value);

/* Gives fn every member of document doc other than id, title, body, date
 * and url.  Errors: as nsearch_reader_doc. */
NSEARCH_API nsearch_rc nsearch_reader_fields(nsearch_reader *r, uint32_t doc, nsearch_field_fn fn,
                                             void *ctx, nsearch_error *err);

/* The document whose id is id[0..len).  Errors: NSEARCH_E_NOTFOUND (no such
 * id), NSEARCH_E_CORRUPT, NSEARCH_E_ARG. */
NSEARCH_API nsearch_rc nsearch_reader_find(nsearch_reader *r, const char *id, size_t len,
                                           uint32_t *doc, nsearch_error *err);

/* Descriptions, for people (NSEARCH_TEXT: lines, stored text escaped for a
 * terminal) or tools (NSEARCH_JSON: one JSON object and a newline): the
 * same texts as `nsearch --explain`, `--show-query` and `--info`.  Each
 * returns a NUL-terminated string borrowed from the reader, valid until
 * its next call of these three. */
#define NSEARCH_TEXT 0
#define NSEARCH_JSON 1
#define NSEARCH_TREC 2 /* nsearch_reader_render only */

/* Why document doc scores what it does for the reader's last query,
 * clause by clause (idf, weight, tf, lengths, k1, b).  Errors:
 * NSEARCH_E_ARG (doc out of range, unknown format), NSEARCH_E_CORRUPT,
 * NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_explain(nsearch_reader *r, uint32_t doc, int format,
                                              const char **out, nsearch_error *err);
/* How the reader's last query was parsed and analysed: each clause, its
 * terms, stop words, terms not in the index, df and idf.  Errors:
 * NSEARCH_E_ARG, NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_show_query(nsearch_reader *r, int format, const char **out,
                                                 nsearch_error *err);
/* The index's format, counts, analyzer, fields and file sizes.  Errors:
 * NSEARCH_E_ARG, NSEARCH_E_CORRUPT, NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_reader_info(nsearch_reader *r, int format, const char **out,
                                           nsearch_error *err);

/* A highlight: bytes [start, end) of the snippet's text. */
typedef struct nsearch_span {
    size_t start, end;
} nsearch_span;

typedef struct nsearch_snippet {
    nsearch_str text;         /* borrowed (see nsearch_str): plain UTF-8 */
    const nsearch_span *hl;   /* borrowed likewise: n_hl spans, increasing */
    size_t n_hl;
} nsearch_snippet;

#define NSEARCH_FIELD_TITLE 0
#define NSEARCH_FIELD_BODY 1

/* The passage of about width bytes (0: 200) of document doc's field
 * (NSEARCH_FIELD_*) that best matches the reader's last query, with the
 * query's words highlighted; the whole field when it is shorter.  Before
 * any search, or after one with nothing to search for, there is nothing to
 * highlight: the field's beginning.  Errors: as nsearch_reader_doc. */
NSEARCH_API nsearch_rc nsearch_reader_snippet(nsearch_reader *r, uint32_t doc, int field,
                                              size_t width, nsearch_snippet *out,
                                              nsearch_error *err);

/* ---- rendering: hits as nsearch prints them --------------------------- */

typedef struct nsearch_render_opts {
    int format;       /* NSEARCH_TEXT (default), NSEARCH_JSON (one object per
                         line: rank, id, title, score, date, url, fields,
                         snippet, highlights as byte offsets), NSEARCH_TREC
                         ('qid Q0 id rank score nsearch', NSEARCH_ESCAPE_TOKEN) */
    int color;        /* text: ANSI bold and colour for titles and matches */
    int snippets;     /* text and JSON: the best passage (default 1); 0: head
                         fields only, nothing decompressed for most hits */
    int explain;      /* text and JSON: the hit's nsearch_reader_explain */
    const char *qid;  /* the query's id (TREC, and JSON's "qid"); NULL: none
                         ("1" in TREC); borrowed for the call */
    /* Since 0.3: */
    int highlights_utf16; /* JSON: also "highlights_utf16", the highlights as
                             [start, end) offsets in UTF-16 code units of the
                             snippet (for JavaScript strings) */
    const char *fields;   /* JSON hits: the other members to put in "fields",
                             a comma-separated list of names ("topics,places");
                             NULL (default): all; "": none (no "fields");
                             borrowed for the call */
} nsearch_render_opts;

/* Sets the defaults above. */
NSEARCH_API void nsearch_render_opts_init(nsearch_render_opts *o);

/* Formats hit (of the reader's last results), ranked rank (from 1), as
 * `nsearch` prints it: stored fields, snippet and highlights for the
 * reader's last query.  Stored text is made terminal-safe in the text
 * format.  Returns: *out borrowed from the reader (one or more lines, each
 * ending in '\n'), valid until its next _render or _render_doc call.
 * Errors: as nsearch_reader_doc; NSEARCH_E_ARG (an unknown format). */
NSEARCH_API nsearch_rc nsearch_reader_render(nsearch_reader *r, const nsearch_hit *hit,
                                             size_t rank, const nsearch_render_opts *o,
                                             nsearch_str *out, nsearch_error *err);

/* Formats document doc whole, as `nsearch --get` prints it: JSON, one
 * object (id, title, date, url, body, then the other members in stored
 * order), or text, one "name: value" line per field and an empty line;
 * TREC is JSON.  *out as for nsearch_reader_render.  Errors: as
 * nsearch_reader_doc. */
NSEARCH_API nsearch_rc nsearch_reader_render_doc(nsearch_reader *r, uint32_t doc,
                                                 const nsearch_render_opts *o, nsearch_str *out,
                                                 nsearch_error *err);

/* ---- a builder: writing an index --------------------------------------- */

typedef struct nsearch_builder nsearch_builder;

typedef enum nsearch_warning_kind {
    NSEARCH_WARN_JSON = 0,      /* malformed JSON line: skipped */
    NSEARCH_WARN_UTF8 = 1,      /* invalid UTF-8: repaired with U+FFFD */
    NSEARCH_WARN_BINARY = 2,    /* binary file: skipped */
    NSEARCH_WARN_EMPTY = 3,     /* document without any word */
    NSEARCH_WARN_FIELD = 4,     /* missing or mistyped field */
    NSEARCH_WARN_DUPLICATE = 5, /* duplicate id: the later document wins */
    NSEARCH_WARN_TOOBIG = 6,    /* field or document over the size limit: truncated */
    NSEARCH_WARN_IO = 7,        /* unreadable input file: skipped */
    NSEARCH_WARN_LINK = 8,      /* symbolic link not followed */
    NSEARCH_WARN_ENCODING = 9   /* invalid in the text's encoding: repaired */
} nsearch_warning_kind;
#define NSEARCH_WARN_COUNT 10   /* the kinds above (fixed within a major version) */

/* What nsearch_builder_add_path(s) skip without reading, silently (links
 * not followed are also NSEARCH_WARN_LINK warnings). */
typedef enum nsearch_skip_kind {
    NSEARCH_SKIP_OTHER_EXT = 0, /* a file in a directory with an extension not indexed */
    NSEARCH_SKIP_HIDDEN = 1,    /* a hidden entry (name starting with '.'), not entered */
    NSEARCH_SKIP_LINK_DIR = 2,  /* a symbolic link to a directory, not followed */
    NSEARCH_SKIP_DANGLING = 3,  /* a symbolic link to nothing */
    NSEARCH_SKIP_SPECIAL = 4,   /* a device, FIFO or socket inside a directory */
    NSEARCH_SKIP_TWICE = 5      /* a file already read under another path */
} nsearch_skip_kind;
#define NSEARCH_SKIP_COUNT 6    /* the kinds above (fixed within a major version) */

/* Limits and defaults of the options below. */
#define NSEARCH_MAX_THREADS 256u                     /* analysis threads */
#define NSEARCH_MAX_SHARDS 65535u                    /* shards of a set (nindex --shard) */
#define NSEARCH_MIN_MEMORY ((uint64_t)1 << 20)       /* memory budget, at least */
#define NSEARCH_DEFAULT_MEMORY ((uint64_t)1 << 30)   /* memory budget when 0 */
#define NSEARCH_MAX_KEYWORD_FIELDS 64u               /* keyword_fields, at most */
/* Words longer than this many bytes of UTF-8 are split into pieces of at
 * most this length (counted in nsearch_builder_stats.long_words). */
#define NSEARCH_TOKEN_MAX_BYTES 255u

/* How nsearch_builder_add_path(s) read a file named directly and standard
 * input (directory walks always go by extension: .txt and .md plain text,
 * .jsonl and .ndjson JSON Lines). */
#define NSEARCH_INPUT_AUTO 0  /* by name (.jsonl, .ndjson, .txt, .md), else
                                 JSON Lines when the first line is a JSON
                                 object, else plain text */
#define NSEARCH_INPUT_JSONL 1 /* always JSON Lines */
#define NSEARCH_INPUT_TEXT 2  /* always plain text */

/* A problem with the input that does not stop the build.  file may be NULL,
 * line 0 when there is none; strings borrowed for the call.  Called on the
 * thread that called the builder, in input order, as batches of documents
 * complete: every warning of the documents added so far has been given by
 * the time nsearch_builder_wait returns. */
typedef void (*nsearch_warning_fn)(void *ctx, nsearch_warning_kind kind, const char *file,
                                   uint64_t line, const char *message);

/* Where a build is, for a progress line. */
typedef struct nsearch_progress {
    uint64_t documents; /* documents analysed */
    uint64_t bytes_in;  /* input text read (after decompression) */
    uint64_t raw_in;    /* input file bytes read (before decompression) */
    uint64_t raw_total; /* nsearch_builder_opts.input_bytes: raw_in at the end
                           (for an ETA); 0 when unknown */
    int merging;        /* the input is done: the postings are being merged
                           into the index (nsearch_builder_commit) */
} nsearch_progress;

/* Progress, on the thread that called the builder, as batches of
 * documents complete and when merging starts; p borrowed for the call.
 * (Changed in 0.2: it was (ctx, documents, bytes_in, merging).) */
typedef void (*nsearch_progress_fn)(void *ctx, const nsearch_progress *p);

typedef struct nsearch_builder_opts {
    const char *language;     /* Snowball name or alias; NULL: "english";
                                 "none": no stemming */
    int stop_words;           /* -1 (default): the English list for English,
                                 none otherwise; 0: none; 1: English */
    int keep_diacritics;      /* 0 (default): café = cafe */
    uint64_t memory;          /* budget in bytes, 0: NSEARCH_DEFAULT_MEMORY; at
                                 least NSEARCH_MIN_MEMORY */
    unsigned threads;         /* 0: 1; at most NSEARCH_MAX_THREADS */
    const char *const *keyword_fields; /* JSON members indexed as exact
                                          keywords (nindex --field); borrowed
                                          for nsearch_builder_new; each name
                                          as nsearch_keyword_field_problem
                                          accepts */
    size_t n_keyword_fields;  /* at most NSEARCH_MAX_KEYWORD_FIELDS */
    int wait;                 /* another builder holds the lock: wait (1) or
                                 fail with NSEARCH_E_BUSY (0, default) */
    int allow_empty;          /* commit an index without documents */
    nsearch_warning_fn warn;  /* may be NULL */
    void *warn_ctx;
    nsearch_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    int input_format;         /* NSEARCH_INPUT_* (default AUTO) */
    const char *encoding;     /* plain text's encoding (nsearch_encoding_check);
                                 NULL (default): UTF-8; borrowed for
                                 nsearch_builder_new.  JSON Lines are UTF-8:
                                 with NSEARCH_INPUT_JSONL it must be UTF-8 */
    uint64_t input_bytes;     /* the input's size, for progress.raw_total (the
                                 sum of nsearch_input_size); 0: unknown */
    /* Since 0.4: */
    unsigned shard, n_shards; /* n_shards > 0 (at most NSEARCH_MAX_SHARDS):
                                 build shard `shard` (< n_shards) of the input
                                 (nindex --shard; README "Shards"): every
                                 document is read, those whose id hashes to
                                 this shard are indexed.  A shard may have no
                                 documents when the input has some */
} nsearch_builder_opts;

/* Sets the defaults above. */
NSEARCH_API void nsearch_builder_opts_init(nsearch_builder_opts *o);

/* Checks the text encoding name: any name glibc's iconv knows (`iconv -l`:
 * latin1, ISO-8859-15, windows-1252, SHIFT_JIS, UTF-16, ...).  *is_utf8
 * (may be NULL) is set to 1 when name is a spelling of UTF-8 (nothing to
 * convert), else 0.  Errors: NSEARCH_E_ARG (an unknown encoding, NULL),
 * NSEARCH_E_NOMEM, NSEARCH_E_IO.  Thread-safe. */
NSEARCH_API nsearch_rc nsearch_encoding_check(const char *name, int *is_utf8,
                                              nsearch_error *err);

/* Why name[0..len) cannot be a keyword field: NULL when it can, else a
 * static phrase to follow "the name", e.g. "is empty", "is a main field
 * (id, title, body, date, url), not a keyword field".  Thread-safe. */
NSEARCH_API const char *nsearch_keyword_field_problem(const char *name, size_t len);

/* Checks that the INPUT path exists and can be read ("-", standard input,
 * always can), before anything is built: nindex checks every INPUT before
 * it takes the index's lock.  Errors: NSEARCH_E_NOTFOUND (no such path),
 * NSEARCH_E_IO (it cannot be read or listed), NSEARCH_E_ARG (NULL); the
 * message names it.  Thread-safe. */
NSEARCH_API nsearch_rc nsearch_input_check(const char *path, nsearch_error *err);

/* The bytes nsearch_builder_add_path(s) would read from path (a file, a
 * directory's indexed files, "-": standard input when it is a regular
 * file), for nsearch_builder_opts.input_bytes; 0 for a missing path;
 * UINT64_MAX when unknown (a pipe).  Thread-safe. */
NSEARCH_API uint64_t nsearch_input_size(const char *path);

/* Starts building the index dir (absent, empty, or an index: it is
 * replaced atomically at commit, and stays as it was until then, whatever
 * happens).  Takes dir's lock until nsearch_builder_free.  Errors:
 * NSEARCH_E_EXISTS (dir holds something else), NSEARCH_E_BUSY,
 * NSEARCH_E_ARG (an unknown language or encoding, an invalid keyword
 * field, an option out of range), NSEARCH_E_IO, NSEARCH_E_NOMEM.  Returns:
 * owned *out, free with nsearch_builder_free. */
NSEARCH_API nsearch_rc nsearch_builder_new(const char *dir, const nsearch_builder_opts *opts,
                                           nsearch_builder **out, nsearch_error *err);

/* A document to add; every string is borrowed for the call and may be
 * absent (p NULL).  Invalid UTF-8 is repaired (a warning). */
typedef struct nsearch_document {
    nsearch_str id;    /* unique; a later document with the same id wins */
    nsearch_str title, body, date, url;
} nsearch_document;

/* Adds one document.  Errors: NSEARCH_E_NOMEM, NSEARCH_E_IO (a sorted run
 * could not be written), NSEARCH_E_ARG. */
NSEARCH_API nsearch_rc nsearch_builder_add(nsearch_builder *b, const nsearch_document *d,
                                           nsearch_error *err);

/* Adds the documents of path, as nindex reads them: a text file (one
 * document), a directory (its files, recursively), JSON Lines (.jsonl), or
 * either compressed with zstd (.zst); "-" is standard input.  Files named
 * directly are read as opts.input_format says, plain text in
 * opts.encoding.  The same as nsearch_builder_add_paths(b, &path, 1, err).
 * Errors: NSEARCH_E_NOTFOUND (path does not exist), NSEARCH_E_IO,
 * NSEARCH_E_NOMEM; unreadable or malformed parts are warnings. */
NSEARCH_API nsearch_rc nsearch_builder_add_path(nsearch_builder *b, const char *path,
                                                nsearch_error *err);

/* Adds the documents of paths[0..n) as one input set, as nindex reads its
 * INPUTs: a plain-text document's id is its path relative to the INPUT
 * directory when n is 1, else its path as given ("A/a.txt", "B/a.txt"); a
 * file reached twice within the set (A/a.txt and ./A/a.txt) is read once
 * (NSEARCH_SKIP_TWICE).  Every path is checked (nsearch_input_check)
 * before any is read.  Errors: as nsearch_builder_add_path; NSEARCH_E_ARG
 * (n is 0, a NULL path). */
NSEARCH_API nsearch_rc nsearch_builder_add_paths(nsearch_builder *b, const char *const *paths,
                                                 size_t n, nsearch_error *err);

/* Waits until every document added so far is analysed, so that
 * nsearch_builder_stats_get gives the final counts of documents and
 * warnings before nsearch_builder_commit (nindex --strict looks at them).
 * Errors: NSEARCH_E_NOMEM, NSEARCH_E_IO (a sorted run could not be
 * written), NSEARCH_E_ARG (after commit). */
NSEARCH_API nsearch_rc nsearch_builder_wait(nsearch_builder *b, nsearch_error *err);

typedef struct nsearch_builder_stats {
    uint64_t documents_in; /* documents offered (nsearch_builder_add, files, lines) */
    uint64_t documents;    /* documents indexed: those with words */
    uint64_t terms, postings; /* of the index: set by a successful commit, else 0 */
    uint64_t bytes_in;     /* input text read (after decompression) */
    uint64_t raw_in;       /* input file bytes read (before decompression) */
    uint64_t index_bytes;  /* the index files' size: set by a successful commit */
    uint64_t long_words;   /* words split for being longer than
                              NSEARCH_TOKEN_MAX_BYTES: set by commit */
    uint64_t warnings[NSEARCH_WARN_COUNT]; /* per nsearch_warning_kind */
    uint64_t skipped[NSEARCH_SKIP_COUNT];  /* per nsearch_skip_kind */
    int installed;         /* the new index was swapped into place: after a
                              failed commit, it is there but may not survive a
                              crash (a directory could not be synced) */
} nsearch_builder_stats;

/* The builder's counts so far: documents and warnings are final after
 * nsearch_builder_wait, the rest after nsearch_builder_commit.  May be
 * called at any time before nsearch_builder_free, after commit too.
 * Errors: NSEARCH_E_ARG (NULL). */
NSEARCH_API nsearch_rc nsearch_builder_stats_get(const nsearch_builder *b,
                                                 nsearch_builder_stats *out);

/* Writes the index and swaps it into place atomically (the old index, if
 * any, answers until then).  After a commit, successful or not, only
 * nsearch_builder_stats_get and nsearch_builder_free may be called.
 * Errors: NSEARCH_E_EMPTY (no document and not allow_empty: nothing
 * written), NSEARCH_E_IO (e.g. a full disk: the old index is unchanged,
 * unless stats.installed), NSEARCH_E_NOMEM. */
NSEARCH_API nsearch_rc nsearch_builder_commit(nsearch_builder *b, nsearch_error *err);

/* Releases the builder and its lock; without a successful commit, the
 * index directory is left as it was.  Accepts NULL. */
NSEARCH_API void nsearch_builder_free(nsearch_builder *b);

#ifdef __cplusplus
}
#endif

#endif
