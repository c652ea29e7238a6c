/* ns_format: the on-disk format's constants, file header/footer, checksums.
 *
 * FORMAT.md (next to this file) is the normative description; every
 * constant here is referenced there.  Both the writer (indexer/) and the
 * reader (searcher/) include this header, so a layout constant exists once. */
#ifndef NS_FORMAT_H
#define NS_FORMAT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

/* Major versions break readers; minor versions only add.  A reader refuses a
 * newer major version and accepts any minor. */
#define NS_FORMAT_MAJOR 5u
/* 4.0: per document the positions its title takes (`doclens`), and
 * keyword fields (nindex --field: exact keys in the dictionary, names in
 * `meta`), for field queries (FORMAT.md changelog).  3.x files are
 * refused. */
/* 5.1: shards (FORMAT.md changelog): the optional files shard and global. */
#define NS_FORMAT_MINOR 1u

/* Non-ASCII first byte so no text file is taken for an index file; CR LF and
 * ^Z catch text-mode transfers (the PNG trick). */
#define NS_MAGIC "\x89NSX\r\n\x1a\n"
#define NS_MAGIC_LEN 8
#define NS_HEADER_LEN 32u
#define NS_FOOTER_MAGIC 0x5446534eu /* "NSFT" little-endian */
#define NS_FOOTER_LEN 16u

typedef enum {
    NS_FILE_META = 1,
    NS_FILE_TERMS = 2,
    NS_FILE_POSTINGS = 3,
    NS_FILE_POSITIONS = 4,
    NS_FILE_DOCLENS = 5,
    NS_FILE_DOCSTORE = 6,
    NS_FILE_DOCS = 7,
    NS_FILE_SHARD = 8, /* only in a shard (nindex --shard): FORMAT.md "shard" */
    NS_FILE_GLOBAL = 9 /* only in a merged shard (nindex --merge-stats) */
} ns_file_kind;
/* The files every index has (kinds 1..7, recorded in meta); a shard adds
 * kind 8 and, once its set's statistics are merged, kind 9. */
#define NS_FILE_KIND_COUNT 7
#define NS_FILE_KIND_MAX 9

/* Codec ids recorded in the header, so a later codec can coexist. */
#define NS_CODEC_NONE 0u
#define NS_CODEC_BP128_VBYTE 1u /* postings/positions: 4-lane packed blocks + varint tail */
#define NS_CODEC_ZSTD 2u        /* docstore frames */

/* Longest dictionary key, in bytes (FORMAT.md "terms": shared + suffix_len
 * <= 256): a token (NS_TOKEN_MAX_BYTES, 255) or a keyword key
 * (NS_KW_KEY_MAX).  Every writer and reader of keys sizes its buffers by it. */
#define NS_TERM_KEY_MAX 256u

/* Terms per dictionary block: 64 keeps a lookup to one binary search over
 * the block index plus a scan of at most 64 front-coded entries. */
#define NS_DICT_BLOCK_TERMS 64u
/* Bytes of one dictionary block-index entry: u64 block_off, u64 post_off,
 * u64 pos_off. */
#define NS_DICT_INDEX_ENTRY 24u
#define NS_DICT_TRAILER_LEN 24u /* u64 n_terms, u64 n_blocks, u64 index_off */

/* Skip table (present when a term has a full 128-posting block): a widths
 * byte (2 bits each: wl - 1, wt - 1, wn - 1, wp - 1), then per posting block
 * last_doc (wl bytes), bound_tf - 1 (wt), bound_len (wn), u8 doc_bits,
 * u8 tf_bits, u8 tf_exc (bytes of the block's tf exception list, 0: none),
 * pos_off (wp), u8 pos_upto.  BM25 weight(bound_tf, bound_len) bounds every
 * posting of the block; pos_off / pos_upto locate its first position
 * (FORMAT.md "postings"). */
#define NS_SKIP_FIXED_BYTES 4u /* doc_bits, tf_bits, tf_exc, pos_upto */
#define NS_SKIP_MAX_EXC 255u   /* longest tf exception list: its length is a u8 */

/* Positions chunk header: u8 bits | NS_CHUNK_EXC when an exception list
 * (ns_block.h "Patched blocks") follows the packed block. */
#define NS_CHUNK_EXC 0x80u
/* A positions tail of at least NS_POS_TAIL_PACKED values starts with a
 * header byte: NS_TAIL_VARINT (varints follow) or, like a chunk's, bits |
 * NS_CHUNK_EXC, then a bit run (ns_bits_pack) and the exception list. */
#define NS_POS_TAIL_PACKED 4u
#define NS_TAIL_VARINT 0xffu
/* The same for the doc gaps of a partial posting block of at least
 * NS_POST_TAIL_PACKED postings. */
#define NS_POST_TAIL_PACKED 8u

/* Docstore (FORMAT.md "docstore"): one zstd frame per document holding its
 * body and its long field values, compressed with a dictionary trained
 * from the first NS_DICT_SAMPLE_BYTES of bodies (each contributing at most
 * NS_DICT_SAMPLE_DOC bytes) when that sample has at least
 * NS_DICT_MIN_SAMPLE bytes from NS_DICT_MIN_DOCS documents.  Measured on
 * Reuters (README "Benchmarks: docstore", nbench store): per-document frames with a 64 KiB
 * dictionary at level 3 are smaller than 32 KiB blocks at level 1 and cost
 * one body, not a block, per snippet. */
#define NS_DOCSTORE_TRAILER_LEN 32u /* u64 n_docs, u64 dict_len, u64 offsets_off, u8 width, 7 zero */
#define NS_DOCSTORE_LEVEL 3
#define NS_DICT_MAX_BYTES (64u * 1024u)
#define NS_DICT_SAMPLE_BYTES (1024u * 1024u)
#define NS_DICT_SAMPLE_DOC (16u * 1024u)
#define NS_DICT_MIN_SAMPLE (64u * 1024u)
#define NS_DICT_MIN_DOCS 16u
/* The sample also ends once the documents read so far (their table records
 * and frame contents) reach this many bytes: they wait for the dictionary. */
#define NS_DICT_HOLD_BYTES (16u * 1024u * 1024u)

/* Document table (FORMAT.md "docs"). */
#define NS_DOCS_TRAILER_LEN 48u /* u64 n_docs, n_fields, names_off, offsets_off, ids_off, u8 width + pad */
/* Field values longer than this are kept in the document's docstore frame
 * instead of the table. */
#define NS_DOCS_INLINE_MAX 256u
/* Other JSON members kept per document, and distinct names per index;
 * longer names are dropped with a warning. */
#define NS_MAX_EXTRA_FIELDS 256u
#define NS_MAX_FIELD_NAMES 4096u
#define NS_MAX_FIELD_NAME 255u
/* Longest value of another member: strings are truncated, other values
 * dropped, with a warning. */
#define NS_MAX_EXTRA_VALUE (1024u * 1024u)
/* A frame's content: a body plus at most NS_MAX_EXTRA_FIELDS long values. */
#define NS_DOCSTORE_MAX_RAW ((uint64_t)NS_MAX_DOC_BYTES + (uint64_t)NS_MAX_EXTRA_FIELDS * NS_MAX_EXTRA_VALUE)

/* Longest document body kept; longer ones are truncated with a warning. */
#define NS_MAX_DOC_BYTES (32u * 1024u * 1024u)
/* Longest id / title / date / url kept. */
#define NS_MAX_FIELD_BYTES 4096u

/* META payload layout (fixed size, little-endian; FORMAT.md "meta"). */
#define NS_META_OFF_N_DOCS 0
#define NS_META_OFF_N_TERMS 8
#define NS_META_OFF_N_POSTINGS 16
#define NS_META_OFF_TOTAL_TOKENS 24
#define NS_META_OFF_N_LIVE 32 /* documents with at least one token (duplicates and empties excluded) */
#define NS_META_OFF_TOKENIZER 40
#define NS_META_OFF_STOP_LIST 44 /* NS_STOP_* of ns_analyzer.h */
#define NS_META_OFF_IDENTITY 48
#define NS_META_OFF_LANG 56
#define NS_META_OFF_K1 88
#define NS_META_OFF_B 96
#define NS_META_OFF_SIZES 104
#define NS_META_LANG_LEN 32u
/* The fixed fields; the keyword field list follows them (u32 count, then
 * names as ns_keyword_list_put writes them), so the payload is at least
 * NS_META_PAYLOAD_LEN + 4 bytes. */
#define NS_META_OFF_ANALYZER 160 /* u32: NS_META_ANALYZER_* bits */
#define NS_META_ANALYZER_KEEP_DIACRITICS 1u
#define NS_META_ANALYZER_KNOWN 1u
#define NS_META_PAYLOAD_LEN (8 * 5 + 4 + 4 + 8 + NS_META_LANG_LEN + 8 + 8 + 8 * NS_FILE_KIND_COUNT + 4)
#define NS_META_OFF_KW_FIELDS NS_META_PAYLOAD_LEN
/* doclens: n_docs u32 lengths, then n_docs u16 title lengths. */
#define NS_DOCLENS_ENTRY 6u

/* BM25 parameters: the bounds in the dictionary and skip tables assume them. */
#define NS_BM25_K1 1.2
#define NS_BM25_B 0.75

/* File names inside an index directory, indexed by ns_file_kind. */
const char *ns_file_name(ns_file_kind kind);

/* The codec id a file of `kind` must carry (NS_CODEC_*; FORMAT.md "The
 * directory"): the writer records it, readers refuse any other. */
uint32_t ns_file_codec(ns_file_kind kind);

/* Writes the 32-byte header for a file of `kind` into out. */
void ns_header_write(uint8_t out[NS_HEADER_LEN], ns_file_kind kind, uint32_t codec);
/* The header's fields (the magic is checked by ns_file_check_frame). */
typedef struct ns_header {
    uint16_t major, minor;
    uint32_t kind, codec, header_len;
} ns_header;
void ns_header_get(const uint8_t in[NS_HEADER_LEN], ns_header *h);

/* Checks the header and footer of a whole file image buf[0..len) without
 * reading the payload: magic, major version, kind, codec id
 * (ns_file_codec), header length, footer magic.  `name` is used in
 * messages.  NS_E_BADMAGIC / NS_E_VERSION (a newer major version or an
 * unknown codec) / NS_E_CORRUPT. */
ns_rc ns_file_check_frame(const uint8_t *buf, size_t len, ns_file_kind kind, const char *name,
                          ns_err *err);
/* Verifies the footer checksum over buf[0..len-16).  NS_E_CORRUPT. */
ns_rc ns_file_check_sum(const uint8_t *buf, size_t len, const char *name, ns_err *err);

/* Incremental checksum for writers (XXH3-64 of everything before the footer). */
typedef struct ns_sum {
    void *state; /* owned XXH3_state_t */
} ns_sum;
ns_rc ns_sum_init(ns_sum *s);
void ns_sum_update(ns_sum *s, const void *p, size_t n);
/* Writes the 16-byte footer for the bytes summed so far into out. */
void ns_sum_footer(ns_sum *s, uint8_t out[NS_FOOTER_LEN]);
void ns_sum_release(ns_sum *s);

/* BM25 term weight for one posting (shared by the ranker and by the
 * indexer's bound computation so the two agree exactly). */
static inline double ns_bm25_idf(double n_docs, double df)
{
    return log(1.0 + (n_docs - df + 0.5) / (df + 0.5));
}
static inline double ns_bm25_tf(double tf, double dl, double avgdl)
{
    return tf * (NS_BM25_K1 + 1.0) / (tf + NS_BM25_K1 * (1.0 - NS_BM25_B + NS_BM25_B * dl / avgdl));
}

#endif
