/* ix_writer: turns merged postings, term by term, into the final index
 * files: terms (dictionary), postings, positions, doclens and meta
 * (FORMAT.md).  Terms are encoded into an in-memory part (below), appended
 * to the files every few MiB, so memory stays bounded whatever the index
 * size (one term's encoded postings at most).  The docstore is written separately
 * while documents stream in (ix_docstore).
 *
 * Documents whose length is 0 in `doclens` are dead (empty, or replaced by a
 * later duplicate id): their postings are dropped here. */
#ifndef IX_WRITER_H
#define IX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"
#include "ns_format.h"

typedef struct ix_writer ix_writer;

typedef struct ix_writer_stats {
    uint64_t n_terms, n_postings, n_live, total_tokens;
    uint64_t bytes[NS_FILE_KIND_MAX + 1]; /* file sizes indexed by ns_file_kind */
} ix_writer_stats;

/* What the index records besides the postings: per document its length
 * and its title's (FORMAT.md "doclens"), and the build's keyword field
 * names (FORMAT.md "meta").  Everything borrowed until ix_writer_free. */
typedef struct ix_doc_tables {
    const uint32_t *doclens;    /* n_docs lengths in positions; 0 = dead */
    const uint16_t *title_lens; /* n_docs positions of each title, <= its length; 0 when dead */
    uint32_t n_docs;
    const uint8_t *kw_list;     /* n_kw names, each as ns_keyword_list_put writes it */
    size_t kw_list_len;
    uint32_t n_kw;
    /* Shards (FORMAT.md "shard", "global"): */
    double bounds_avgdl; /* > 0: the average length the bounds are best for
                            (a set's, nindex --merge-stats); 0: these documents' */
    struct ns_buf *term_stats; /* not NULL: gets every term's statistics entry
                                  (ns_stats_entry_put), in term order */
} ix_doc_tables;

/* Creates the files in dir (which must exist).
 * Returns: owned *out, free with ix_writer_free. */
ns_rc ix_writer_open(const char *dir, const ix_doc_tables *t, ix_writer **out, ns_err *err);
/* Terms must come in strictly increasing byte order, each as
 * term_begin, its postings in strictly increasing doc id order, term_end.
 * pos[0..pos_len) holds the posting's tf positions as varints, coded as in
 * ix_inv.h (first as is, then gap - 1); a keyword term's (ns_keyword.h)
 * postings have tf 1 and no positions.  Postings of dead documents are
 * dropped; a term left without postings is not written. */
ns_rc ix_writer_term_begin(ix_writer *w, const char *key, size_t key_len, ns_err *err);
ns_rc ix_writer_posting(ix_writer *w, uint32_t doc, uint32_t tf, const uint8_t *pos,
                        size_t pos_len, ns_err *err);
ns_rc ix_writer_term_end(ix_writer *w, ns_err *err);
/* A part: a range of consecutive terms encoded into memory (postings,
 * positions, dictionary entries without file offsets), so that several
 * threads can encode disjoint term ranges at once; ix_writer_append() then
 * adds the parts to the files in term order.  A part reads the writer's
 * doclens and statistics only.  Returns: owned *out, free with
 * ix_wpart_free(). */
typedef struct ix_wpart ix_wpart;
ns_rc ix_wpart_new(const ix_writer *w, ix_wpart **out);
void ix_wpart_free(ix_wpart *p);
/* The same contract as ix_writer_term_begin / _posting / _term_end. */
ns_rc ix_wpart_term_begin(ix_wpart *p, const char *key, size_t key_len, ns_err *err);
ns_rc ix_wpart_posting(ix_wpart *p, uint32_t doc, uint32_t tf, const uint8_t *pos, size_t pos_len,
                       ns_err *err);
ns_rc ix_wpart_term_end(ix_wpart *p, ns_err *err);
/* Bytes the part holds. */
size_t ix_wpart_bytes(const ix_wpart *p);
/* Appends the part's terms (which must follow every term written so far)
 * to the files and empties it. */
ns_rc ix_writer_append(ix_writer *w, ix_wpart *p, ns_err *err);

/* Writes doclens and meta and closes every file.  docstore_size and
 * docs_size are the sizes of the already written docstore and docs files. */
ns_rc ix_writer_finish(ix_writer *w, const char *lang, uint32_t stop_list, uint32_t analyzer_flags,
                       uint64_t identity,
                       uint64_t docstore_size, uint64_t docs_size, ix_writer_stats *st, ns_err *err);
void ix_writer_free(ix_writer *w);

#endif
