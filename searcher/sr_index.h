/* sr_index: an open index: every file mmapped and its frame validated
 * (magic, version, kind, size, footer), the analyzer rebuilt from the
 * recorded language and checked against the recorded identity.  Opening
 * reads no payload beyond the fixed-size trailers, the field names of
 * the document table (at most NS_MAX_FIELD_NAMES) and meta's keyword field
 * names (at most NS_MAX_KW_FIELDS).
 *
 * Every offset read from the files is bounds-checked by the functions here
 * and in sr_cursor before use, so corrupt bytes yield NS_E_CORRUPT (or a
 * cursor that stops) but never a read outside a mapping. */
#ifndef SR_INDEX_H
#define SR_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_analyzer.h"
#include "ns_buf.h"
#include "ns_err.h"
#include "ns_format.h"

typedef struct sr_map {
    const uint8_t *base; /* whole file (mmap), NULL if not mapped */
    size_t size;
    const uint8_t *payload; /* base + NS_HEADER_LEN */
    size_t payload_len;
} sr_map;

/* Read-only once opened; the searcher modules read the fields directly. */
typedef struct sr_index {
    char *dir; /* owned */
    sr_map f[NS_FILE_KIND_MAX + 1]; /* indexed by ns_file_kind; shard and global
                                       only in a shard (base NULL otherwise) */
    unsigned minor; /* format minor version of the index (meta header) */
    uint64_t n_docs, n_live, n_terms, n_postings, total_tokens;
    double avgdl;  /* BM25's: of this index, or of its shard set once merged */
    double bm25_n; /* BM25's N: n_live, or the set's live documents */
    /* A shard (FORMAT.md "shard"): n_shards 0 when the index is not one. */
    uint32_t shard, n_shards;
    uint64_t n_input;          /* documents of the set: ordinals < n_input */
    const uint8_t *ords;       /* n_docs u32: each doc id's ordinal in the set,
                                  increasing (checked by --check) */
    const uint8_t *shard_stats; /* the shard's term statistics (FORMAT.md) */
    uint64_t shard_stats_len;
    uint64_t identity;         /* the analyzer identity recorded in meta */
    /* Merged (FORMAT.md "global"): the set's statistics; set_id 0 when not. */
    uint64_t set_id, set_live, set_tokens, set_terms;
    const uint8_t *gdf;        /* n_terms u32: each term's df in the set */
    char lang[NS_META_LANG_LEN + 1];
    ns_analyzer *an; /* owned */
    /* dictionary */
    const uint8_t *dict_index; /* n_dict_blocks entries of NS_DICT_INDEX_ENTRY */
    uint64_t n_dict_blocks, dict_index_off;
    /* docstore (FORMAT.md "docstore") */
    const uint8_t *ds_offsets; /* n_docs + 1 frame offsets of ds_width bytes */
    unsigned ds_width;
    uint64_t ds_dict_len, ds_offsets_off;
    /* document table (FORMAT.md "docs") */
    const uint8_t *docs_offsets; /* n_docs + 1 record offsets of docs_width bytes */
    unsigned docs_width;
    uint64_t docs_names_off;
    const uint8_t *docs_ids; /* n_live u32 doc ids in the order of their ids */
    uint64_t n_fields;
    struct sr_field_name {
        const char *name; /* borrowed from the mapping */
        size_t len;
    } *field_names; /* owned, n_fields */
    /* keyword fields (FORMAT.md "meta"), in the order given to nindex */
    uint32_t n_kw_fields;
    struct sr_field_name *kw_fields; /* owned, n_kw_fields; names borrowed from the mapping */
    /* the last decompressed frame (mutable: see sr_index_doc_body) */
    void *dctx;        /* owned ZSTD_DCtx */
    void *ddict;       /* owned ZSTD_DDict, made at the first frame */
    ns_buf ds_buf;     /* the frame's content */
    int64_t ds_cached; /* its doc id, -1 none */
} sr_index;

typedef struct sr_term_info {
    uint32_t df;  /* in this index: the postings */
    uint32_t gdf; /* BM25's df: df, or the term's df in a merged shard's set */
    uint64_t cf;
    uint64_t post_off, post_len; /* within the postings payload */
    uint64_t pos_off, pos_len;   /* within the positions payload */
    uint32_t bound_tf, bound_len; /* the best posting: BM25 weight(bound_tf, bound_len)
                                   * bounds every posting of the term; when
                                   * df = 1, bound_len is 0 (the cursor reads
                                   * the document's length) */
} sr_term_info;

/* A stored document.  The head (sr_index_doc_head) borrows from the
 * mapping and lives as long as the index; the body (sr_index_doc_body)
 * borrows the index's frame buffer, valid until the next
 * sr_index_doc_body or sr_index_doc call on the index. */
typedef struct sr_doc {
    uint32_t doc;
    const char *f[5]; /* NS_FIELD_* of ns_docrec.h; f[NS_FIELD_BODY] is NULL
                         until the body is fetched */
    size_t len[5];    /* len[NS_FIELD_BODY] is known from the head */
    uint64_t n_extra; /* other fields: see sr_doc_field_next */
    const uint8_t *extra, *extra_end;
    uint64_t frame_vals; /* bytes of field values kept in the frame */
    const char *frame;   /* with the body: the frame's content */
} sr_doc;

/* One other field of a document (FORMAT.md "docs"). */
typedef struct sr_field {
    const char *name; /* borrowed from the index */
    size_t name_len;
    int type;         /* ns_val_type of ns_docrec.h (without NS_VAL_IN_FRAME) */
    const char *v;    /* a string's UTF-8 or the value's JSON text; NULL for a
                         value kept in the frame while the body is not fetched */
    size_t len;
} sr_field;
typedef struct sr_field_iter {
    const uint8_t *p;
    uint64_t left, frame_off;
} sr_field_iter;

/* Opens dir.  Errors: NS_E_NOTFOUND (no index there), NS_E_BADMAGIC,
 * NS_E_VERSION (format or analyzer mismatch), NS_E_CORRUPT, NS_E_IO,
 * NS_E_NOMEM; err->msg names the file and the problem.
 * Returns: owned *out, free with sr_index_close(). */
ns_rc sr_index_open(const char *dir, sr_index **out, ns_err *err);
void sr_index_close(sr_index *ix); /* accepts NULL; not for a view */

/* A view of ix for one thread (nsearch_reader): *view gets ix's read-only
 * fields, borrowed (ix must outlive the view and is not touched through
 * it), and its own analyzer (same language, stop list and options: its own
 * stem cache), zstd context and frame buffer.  Every searcher function
 * takes a view where it takes an index, so views of one index may be used
 * by different threads at once while nobody uses ix itself.  NS_E_NOMEM;
 * on error *view holds nothing.  Release with sr_index_view_release. */
ns_rc sr_index_view_init(const sr_index *ix, sr_index *view, ns_err *err);
void sr_index_view_release(sr_index *view);

static inline uint32_t sr_index_doclen(const sr_index *ix, uint32_t doc)
{
    const uint8_t *p = ix->f[NS_FILE_DOCLENS].payload + 4 * (size_t)doc;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Positions the title of doc (< n_docs) takes: the body's words start at
 * this position (FORMAT.md "doclens"); 0 for a dead document.  O(1): the
 * size of doclens is checked at open. */
static inline uint32_t sr_index_title_len(const sr_index *ix, uint32_t doc)
{
    const uint8_t *p = ix->f[NS_FILE_DOCLENS].payload + 4 * (size_t)ix->n_docs + 2 * (size_t)doc;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

/* BM25's idf of a term of this index (its set's, in a merged shard). */
static inline double sr_index_idf(const sr_index *ix, const sr_term_info *info)
{
    return ns_bm25_idf(ix->bm25_n, (double)info->gdf);
}

/* The ordinal in its set of doc (< n_docs): doc itself but in a shard. */
static inline uint32_t sr_index_ordinal(const sr_index *ix, uint32_t doc)
{
    if (!ix->ords)
        return doc;
    const uint8_t *p = ix->ords + 4 * (size_t)doc;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The doc id whose ordinal is ord: 1 and *doc, or 0 when none has it
 * (binary search of the shard's ordinals; O(1) in an index that is not a
 * shard). */
int sr_index_doc_of_ordinal(const sr_index *ix, uint32_t ord, uint32_t *doc);

/* Whether name[0..len) is one of the index's keyword fields (nindex
 * --field), whether or not any document has a value for it. */
bool sr_index_has_keyword_field(const sr_index *ix, const char *name, size_t len);

/* Looks a term up.  Returns NS_OK with *found set, or NS_E_CORRUPT. */
ns_rc sr_index_lookup(const sr_index *ix, const char *term, size_t len, bool *found,
                      sr_term_info *info, ns_err *err);

/* Dictionary walk in term order (for --check). */
typedef struct sr_dict_iter {
    uint64_t block, in_block, n_seen;
    const uint8_t *p, *end;
    uint64_t post_off, pos_off;
    char term[NS_TERM_KEY_MAX + 1];
    size_t term_len;
} sr_dict_iter;
void sr_dict_iter_init(sr_dict_iter *it);
/* Starts a walk at the dictionary block that holds the first term >= q
 * (the walk then gives earlier terms of that block too: skip them).
 * NS_E_CORRUPT. */
ns_rc sr_dict_iter_seek(const sr_index *ix, sr_dict_iter *it, const char *q, size_t qlen,
                        ns_err *err);
/* Returns 1 with the next term in it->term and *info, 0 at the end, or -1
 * with err set when the dictionary is corrupt. */
int sr_dict_iter_next(const sr_index *ix, sr_dict_iter *it, sr_term_info *info, ns_err *err);

/* The head of doc (< n_docs): id, title, date, url, the body's length and
 * the other fields kept in the table, without decompressing anything.
 * NS_E_ARG out of range, NS_E_CORRUPT. */
ns_rc sr_index_doc_head(const sr_index *ix, uint32_t doc, sr_doc *d, ns_err *err);
/* Fetches d's body (and the long field values) by decompressing its
 * docstore frame; sets d->f[NS_FIELD_BODY].  NS_E_CORRUPT, NS_E_NOMEM. */
ns_rc sr_index_doc_body(sr_index *ix, sr_doc *d, ns_err *err);
/* Head and body. */
ns_rc sr_index_doc(sr_index *ix, uint32_t doc, sr_doc *out, ns_err *err);
/* 1 when some of d's field values are kept in its frame (the body must be
 * fetched before sr_doc_field_next can give them). */
int sr_doc_needs_frame(const sr_doc *d);

/* Iterates d's other fields in stored order: sr_doc_field_first, then
 * sr_doc_field_next until it returns 0 (1: *out is the next field; -1: the
 * record is corrupt, err set). */
void sr_doc_field_first(const sr_doc *d, sr_field_iter *it);
int sr_doc_field_next(const sr_index *ix, const sr_doc *d, sr_field_iter *it, sr_field *out,
                      ns_err *err);

/* The live document with id[0..len): *found, and *doc when found.
 * Binary search of the sorted ids (FORMAT.md "docs").  NS_E_CORRUPT. */
ns_rc sr_index_find_id(const sr_index *ix, const char *id, size_t len, uint32_t *doc, bool *found,
                       ns_err *err);

#endif
