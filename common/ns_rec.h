/* ns_rec: the typed records of the index files, one put and one get per
 * on-disk structure (FORMAT.md is the normative layout): the meta payload,
 * the trailers of terms, docs and docstore, the dictionary's block index
 * entries and front-coded entries, the offset tables of docs and docstore,
 * the docs field names, the skip table of a posting list, positions chunks
 * and the short runs (a positions tail, a partial posting block's gaps).
 *
 * The writer (indexer/), the reader (searcher/) and `nsearch --check` all
 * call these, so a field's offset is written once, here.  The skip table's
 * field getters are inline: the cursors call them per block on the query
 * path.  Puts never allocate: the caller sizes the output with the
 * record's length or bound (NS_*_LEN, *_BOUND).  Gets of variable-length
 * records check every byte against `end` and return -1 on malformed input
 * (the caller turns it into NS_E_CORRUPT with context); fixed-size gets
 * read exactly the record's length, which the caller has checked.
 *
 * Records the common/ modules already encode and decode once are not
 * repeated here: the file header and footer (ns_format.h), packed blocks
 * and exception lists (ns_block.h), varints (ns_varint.h), a document's
 * table record (ns_docrec.h) and the keyword field list (ns_keyword.h). */
#ifndef NS_REC_H
#define NS_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_block.h"
#include "ns_format.h"
#include "ns_varint.h"

/* ---- meta (FORMAT.md "meta") ------------------------------------------ */

/* The fixed fields and the keyword field count after them; the names
 * (ns_keyword_list_put) follow. */
#define NS_META_REC_LEN (NS_META_PAYLOAD_LEN + 4u)

typedef struct ns_meta {
    uint64_t n_docs, n_terms, n_postings, total_tokens, n_live;
    uint32_t tokenizer;                         /* NS_TOKENIZER_VERSION of the writer */
    uint32_t stop_list;                         /* NS_STOP_* */
    uint64_t identity;                          /* ns_analyzer_identity */
    char lang[NS_META_LANG_LEN + 1];            /* NUL-terminated; put keeps at most 31 bytes */
    double k1, b;                               /* BM25 parameters of the bounds */
    uint64_t file_size[NS_FILE_KIND_COUNT + 1]; /* by ns_file_kind; [0] unused */
    uint32_t analyzer;                          /* NS_META_ANALYZER_* bits */
    uint32_t n_kw;                              /* keyword field names that follow */
} ns_meta;

void ns_meta_put(uint8_t out[NS_META_REC_LEN], const ns_meta *m);
void ns_meta_get(const uint8_t in[NS_META_REC_LEN], ns_meta *m);

/* ---- terms (FORMAT.md "terms") ---------------------------------------- */

typedef struct ns_dict_trailer {
    uint64_t n_terms, n_blocks, index_off;
} ns_dict_trailer;
void ns_dict_trailer_put(uint8_t out[NS_DICT_TRAILER_LEN], const ns_dict_trailer *t);
void ns_dict_trailer_get(const uint8_t in[NS_DICT_TRAILER_LEN], ns_dict_trailer *t);

/* One block index entry: where dictionary block b starts, and the postings
 * and positions offsets of its first term (payload offsets). */
typedef struct ns_dict_index_entry {
    uint64_t block_off, post_off, pos_off;
} ns_dict_index_entry;
void ns_dict_index_put(uint8_t out[NS_DICT_INDEX_ENTRY], const ns_dict_index_entry *e);
void ns_dict_index_get(const uint8_t in[NS_DICT_INDEX_ENTRY], ns_dict_index_entry *e);

/* A front-coded dictionary entry.  best_tf / best_len are stored only when
 * df > 1; with df = 1 the get sets best_tf = cf and best_len = 0 (the
 * length is the document's, in doclens). */
typedef struct ns_dict_entry {
    size_t shared, suffix_len;
    const uint8_t *suffix; /* borrowed: the put's source, the get's input */
    uint64_t df, cf, post_len, pos_len;
    uint32_t best_tf, best_len;
} ns_dict_entry;
/* Most bytes one entry takes. */
#define NS_DICT_ENTRY_BOUND (NS_TERM_KEY_MAX + 8u * NS_VARINT_MAX_BYTES)
/* Writes the entry (shared + suffix_len <= NS_TERM_KEY_MAX, suffix_len >= 1,
 * 1 <= df <= cf, best_tf >= 1 when df > 1); returns bytes written. */
size_t ns_dict_entry_put(uint8_t *out, const ns_dict_entry *e);
/* Reads an entry's key part at *p (before end): shared, suffix_len and
 * suffix, checked against the previous term's length prev_len (0 for a
 * block's first term: shared must be 0), suffix_len >= 1 and
 * shared + suffix_len <= NS_TERM_KEY_MAX.  0 and *p advanced, or -1. */
static inline int ns_dict_key_get(const uint8_t **pp, const uint8_t *end, size_t prev_len,
                                  ns_dict_entry *e)
{
    /* inline: a lookup's scan reads up to 64 keys */
    const uint8_t *p = *pp;
    uint64_t shared, suffix;
    if (ns_varint_get(&p, end, &shared) || ns_varint_get(&p, end, &suffix) || shared > prev_len ||
        suffix == 0 || suffix > NS_TERM_KEY_MAX - shared || suffix > (uint64_t)(end - p))
        return -1;
    e->shared = (size_t)shared;
    e->suffix_len = (size_t)suffix;
    e->suffix = p;
    *pp = p + suffix;
    return 0;
}
/* Reads the rest (df .. best_len): df >= 1, cf fits, best_tf and best_len
 * fit in 32 bits.  0 and *p advanced, or -1. */
int ns_dict_stats_get(const uint8_t **p, const uint8_t *end, ns_dict_entry *e);
/* Passes over the rest, giving only post_len and pos_len (a lookup's scan).
 * 0 and *p advanced, or -1. */
int ns_dict_stats_skip(const uint8_t **p, const uint8_t *end, uint64_t *post_len,
                       uint64_t *pos_len);
/* Key then rest. */
int ns_dict_entry_get(const uint8_t **p, const uint8_t *end, size_t prev_len, ns_dict_entry *e);

/* ---- docs and docstore (FORMAT.md "docs", "docstore") ------------------ */

typedef struct ns_docs_trailer {
    uint64_t n_docs, n_fields, names_off, offsets_off, ids_off;
    unsigned width; /* of the record offsets: 4 or 8 */
} ns_docs_trailer;
void ns_docs_trailer_put(uint8_t out[NS_DOCS_TRAILER_LEN], const ns_docs_trailer *t);
/* Returns -1 when the reserved bytes are not zero (t is filled anyway). */
int ns_docs_trailer_get(const uint8_t in[NS_DOCS_TRAILER_LEN], ns_docs_trailer *t);

typedef struct ns_docstore_trailer {
    uint64_t n_docs, dict_len, offsets_off;
    unsigned width; /* of the frame offsets: 4 or 8 */
} ns_docstore_trailer;
void ns_docstore_trailer_put(uint8_t out[NS_DOCSTORE_TRAILER_LEN], const ns_docstore_trailer *t);
/* Returns -1 when the reserved bytes are not zero (t is filled anyway). */
int ns_docstore_trailer_get(const uint8_t in[NS_DOCSTORE_TRAILER_LEN], ns_docstore_trailer *t);

/* One entry of the docs field name list: varint len (1..NS_MAX_FIELD_NAME),
 * then the name's bytes. */
#define NS_FIELD_NAME_BOUND (NS_VARINT_MAX_BYTES + NS_MAX_FIELD_NAME)
size_t ns_field_name_put(uint8_t *out, const char *name, size_t len);
/* Reads one name at *p (before end): *name borrows the input.  0 and *p
 * advanced, or -1 (empty, too long, past end). */
int ns_field_name_get(const uint8_t **p, const uint8_t *end, const char **name, size_t *len);

/* Offset tables (record offsets, frame offsets): little-endian integers
 * of `width` bytes, 4 when the last offset fits in 32 bits, else 8. */
static inline unsigned ns_offset_width(uint64_t last) { return last <= UINT32_MAX ? 4u : 8u; }
static inline void ns_offset_put(uint8_t *out, unsigned width, uint64_t v)
{
    for (unsigned k = 0; k < width; k++)
        out[k] = (uint8_t)(v >> (8 * k));
}
static inline uint64_t ns_offset_get(const uint8_t *p, unsigned width)
{
    return width == 4 ? (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                            (uint64_t)p[3] << 24
                      : (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                            (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                            (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* ---- postings: the skip table (FORMAT.md "postings") ------------------- */

/* One posting block's skip entry, as values (bound_tf itself, not - 1). */
typedef struct ns_skip_entry {
    uint32_t last_doc, bound_tf, bound_len;
    uint32_t doc_bits, tf_bits, tf_exc; /* 0 in a partial block's entry */
    uint32_t pos_off, pos_upto;
} ns_skip_entry;
/* Most bytes a table of n entries takes: the widths byte, 20 per entry. */
#define NS_SKIP_TABLE_BOUND(n) (1u + (size_t)(n) * (16u + NS_SKIP_FIXED_BYTES))
/* Writes the table of e[0..n) (n >= 1) with the smallest widths that hold
 * its largest values; returns bytes written. */
size_t ns_skip_table_put(const ns_skip_entry *e, size_t n, uint8_t *out);

/* A term's skip table as read: one fixed-width entry per posting block. */
typedef struct ns_skip {
    const uint8_t *e;          /* entry 0 */
    uint32_t n_blocks, n_full; /* blocks of the term; full ones */
    uint8_t wl, wt, wn, wp;    /* byte widths of last doc, bound tf - 1, bound length, pos offset */
    uint8_t o_bits, o_tf, o_len, o_pos; /* field offsets within an entry (tf_exc: o_bits + 2) */
    uint32_t es;               /* entry size */
} ns_skip;

/* Parses the head of a term's postings [p, end) holding df postings:
 * *blocks gets the first block; *has_skip tells whether s describes a
 * skip table.  Returns 0, or -1 when the table does not fit. */
int ns_skip_open(ns_skip *s, const uint8_t *p, const uint8_t *end, uint32_t df, bool *has_skip,
                 const uint8_t **blocks);
/* Every field of entry b. */
void ns_skip_get(const ns_skip *s, uint32_t b, ns_skip_entry *out);

/* Reads a little-endian field of w (1..4) bytes. */
static inline uint32_t ns_skip_field(const uint8_t *p, unsigned w)
{
    uint32_t v = p[0];
    if (w > 1)
        v |= (uint32_t)p[1] << 8;
    if (w > 2)
        v |= (uint32_t)p[2] << 16;
    if (w > 3)
        v |= (uint32_t)p[3] << 24;
    return v;
}
/* The same without branches, for a field followed by at least 3 more
 * bytes of its entry (last doc, bound tf, bound length): cursors of terms
 * with different widths take turns, which defeats branch prediction. */
static inline uint32_t ns_skip_field4(const uint8_t *p, unsigned w)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return v & (UINT32_MAX >> (32 - 8 * w));
}
/* Entry b's fields (the cursors' per-block path). */
static inline uint32_t ns_skip_last(const ns_skip *s, uint32_t b)
{
    return ns_skip_field4(s->e + (size_t)b * s->es, s->wl);
}
static inline unsigned ns_skip_doc_bits(const ns_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_bits];
}
static inline unsigned ns_skip_tf_bits(const ns_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_bits + 1];
}
static inline unsigned ns_skip_tf_exc(const ns_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_bits + 2];
}
/* Bytes of full block b (its widths unchecked). */
static inline uint64_t ns_skip_block_bytes(const ns_skip *s, uint32_t b)
{
    return ns_block_bytes(ns_skip_doc_bits(s, b)) + ns_block_bytes(ns_skip_tf_bits(s, b)) +
           ns_skip_tf_exc(s, b);
}
static inline uint32_t ns_skip_bound_tf(const ns_skip *s, uint32_t b)
{
    return ns_skip_field4(s->e + (size_t)b * s->es + s->o_tf, s->wt) + 1u;
}
static inline uint32_t ns_skip_bound_len(const ns_skip *s, uint32_t b)
{
    return ns_skip_field4(s->e + (size_t)b * s->es + s->o_len, s->wn);
}
static inline uint32_t ns_skip_pos_off(const ns_skip *s, uint32_t b)
{
    return ns_skip_field(s->e + (size_t)b * s->es + s->o_pos, s->wp);
}
static inline unsigned ns_skip_pos_upto(const ns_skip *s, uint32_t b)
{
    return s->e[(size_t)b * s->es + s->o_pos + s->wp];
}

/* ---- positions chunks and short runs (FORMAT.md "positions") ----------- */

/* A full positions chunk: u8 bits | NS_CHUNK_EXC, the 128 values' low
 * bits as a packed block, then the exception list when flagged. */
#define NS_CHUNK_BOUND (1u + 16u * 32u)
/* Writes the chunk of v[0..128) with the width that makes it smallest;
 * returns bytes written (at most NS_CHUNK_BOUND). */
size_t ns_chunk_put(const uint32_t *v, uint8_t *out);
/* Decodes the chunk at *p (before end) into out[0..128); 0 and *p
 * advanced, or -1. */
int ns_chunk_get(const uint8_t **p, const uint8_t *end, uint32_t *out);
/* The bytes of the chunk at p (before end) without decoding it, or -1. */
int64_t ns_chunk_len(const uint8_t *p, const uint8_t *end);

/* A short run of n (< 128) values, a positions tail (packed_min =
 * NS_POS_TAIL_PACKED) or a partial posting block's gaps
 * (NS_POST_TAIL_PACKED): n varints when n < packed_min; else a header
 * byte, NS_TAIL_VARINT then n varints, or bits | NS_CHUNK_EXC when
 * patched, then a bit run (ns_bits_pack) and the exception list when
 * flagged.  The put picks the smaller. */
#define NS_RUN_BOUND(n) (1u + (size_t)(n) * 5u)
size_t ns_run_put(const uint32_t *v, size_t n, size_t packed_min, uint8_t *out);
/* Decodes n values at *p (before end) into out[0..n); 0 and *p advanced,
 * or -1. */
int ns_run_get(const uint8_t **p, const uint8_t *end, size_t n, size_t packed_min, uint32_t *out);

/* ---- shard and global (FORMAT.md "shard", "global") ------------------- */

/* The partition rule: the document whose (repaired) id is id[0..len) goes
 * to shard XXH64(id, seed 0) mod n_shards, so that every copy of an id
 * meets in one shard, where the later one wins as in one index. */
#define NS_SHARD_RULE_ID_XXH64 1u
#define NS_MAX_SHARDS 65535u
uint32_t ns_shard_of(const char *id, size_t len, uint32_t n_shards);

#define NS_SHARD_HEAD_LEN 88u
typedef struct ns_shard_head {
    uint32_t shard, n_shards, rule;
    uint64_t n_input;      /* documents of the whole input: ordinals 0..n_input-1 */
    uint64_t n_docs;       /* this shard's slots (meta n_docs) */
    uint64_t n_live, total_tokens, n_terms; /* as meta */
    uint64_t identity;     /* the analyzer identity (meta) */
    uint64_t stats_off;    /* payload offset of the term statistics */
    uint64_t stats_len;    /* their bytes */
    uint64_t input_hash;   /* XXH3-64 of every document of the input (all
                              shards of one input agree) */
} ns_shard_head;
void ns_shard_head_put(uint8_t out[NS_SHARD_HEAD_LEN], const ns_shard_head *h);
/* -1 when a reserved field is not zero. */
int ns_shard_head_get(const uint8_t in[NS_SHARD_HEAD_LEN], ns_shard_head *h);

/* One term's statistics entry: the key front-coded against the previous
 * entry's (no restarts), then its df. */
#define NS_STATS_ENTRY_BOUND (NS_TERM_KEY_MAX + 3u * NS_VARINT_MAX_BYTES)
size_t ns_stats_entry_put(uint8_t *out, size_t shared, const uint8_t *suffix, size_t suffix_len,
                          uint64_t df);
/* Decodes the entry at *p (before end): term[0..*term_len) holds the
 * previous key on entry (length 0 before the first) and the entry's after
 * (term: NS_TERM_KEY_MAX bytes).  0 and *p advanced, or -1 (malformed,
 * shared past the previous key, an empty suffix, a key over
 * NS_TERM_KEY_MAX bytes or df 0). */
int ns_stats_entry_get(const uint8_t **p, const uint8_t *end, char *term, size_t *term_len,
                       uint64_t *df);

#define NS_GLOBAL_HEAD_LEN 64u
typedef struct ns_global_head {
    uint64_t set_id;    /* the same in every shard of a set (FORMAT.md) */
    uint32_t n_shards;
    uint64_t n_input, n_live, total_tokens; /* of the whole set */
    uint64_t n_terms;   /* distinct terms of the set */
    uint64_t n_local;   /* entries that follow: this shard's n_terms */
} ns_global_head;
void ns_global_head_put(uint8_t out[NS_GLOBAL_HEAD_LEN], const ns_global_head *h);
int ns_global_head_get(const uint8_t in[NS_GLOBAL_HEAD_LEN], ns_global_head *h);

#endif
