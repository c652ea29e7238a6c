/* sr_index: an open index: every file mmapped and its frame validated
 * (magic, version, kind, size, footer), the analyzer rebuilt from the
 * recorded language and checked against the recorded identity.  Opening
 * reads no payload beyond the fixed-size trailers; nothing is parsed.
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
    sr_map f[NS_FILE_KIND_COUNT + 1]; /* indexed by ns_file_kind */
    unsigned minor; /* format minor version of the index (meta header) */
    uint64_t n_docs, n_live, n_terms, n_postings, total_tokens;
    double avgdl;
    char lang[NS_META_LANG_LEN + 1];
    ns_analyzer *an; /* owned */
    /* dictionary */
    const uint8_t *dict_index; /* n_dict_blocks entries of NS_DICT_INDEX_ENTRY */
    uint64_t n_dict_blocks, dict_index_off;
    /* docstore */
    const uint8_t *ds_table;
    uint64_t n_ds_blocks, ds_table_off;
    void *dctx;    /* owned ZSTD_DCtx */
    ns_buf ds_buf; /* the last decompressed block */
    int64_t ds_cached; /* its number, -1 none */
} sr_index;

typedef struct sr_term_info {
    uint32_t df;
    uint64_t cf;
    uint64_t post_off, post_len; /* within the postings payload */
    uint64_t pos_off, pos_len;   /* within the positions payload */
    uint32_t bound_tf, bound_len; /* the best posting: BM25 weight(bound_tf, bound_len)
                                   * bounds every posting of the term; when
                                   * df = 1, bound_len is 0 (the cursor reads
                                   * the document's length) */
} sr_term_info;

typedef struct sr_doc {
    const char *f[5]; /* borrowed until the next sr_index_doc call; see ns_docrec.h */
    size_t len[5];
} sr_doc;

/* Opens dir.  Errors: NS_E_NOTFOUND (no index there), NS_E_BADMAGIC,
 * NS_E_VERSION (format or analyzer mismatch), NS_E_CORRUPT, NS_E_IO,
 * NS_E_NOMEM; err->msg names the file and the problem.
 * Returns: owned *out, free with sr_index_close(). */
ns_rc sr_index_open(const char *dir, sr_index **out, ns_err *err);
void sr_index_close(sr_index *ix);

static inline uint32_t sr_index_doclen(const sr_index *ix, uint32_t doc)
{
    const uint8_t *p = ix->f[NS_FILE_DOCLENS].payload + 4 * (size_t)doc;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Looks a term up.  Returns NS_OK with *found set, or NS_E_CORRUPT. */
ns_rc sr_index_lookup(const sr_index *ix, const char *term, size_t len, bool *found,
                      sr_term_info *info, ns_err *err);

/* Dictionary walk in term order (for --check). */
typedef struct sr_dict_iter {
    uint64_t block, in_block, n_seen;
    const uint8_t *p, *end;
    uint64_t post_off, pos_off;
    char term[257];
    size_t term_len;
} sr_dict_iter;
void sr_dict_iter_init(sr_dict_iter *it);
/* Returns 1 with the next term in it->term and *info, 0 at the end, or -1
 * with err set when the dictionary is corrupt. */
int sr_dict_iter_next(const sr_index *ix, sr_dict_iter *it, sr_term_info *info, ns_err *err);

/* Fetches the stored fields of doc (< n_docs), decompressing its block. */
ns_rc sr_index_doc(sr_index *ix, uint32_t doc, sr_doc *out, ns_err *err);

#endif
