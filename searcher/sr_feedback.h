/* sr_feedback: better ranking on request, from the documents themselves:
 *
 *  - RM3 pseudo-relevance feedback (nsearch --expand), as Anserini's
 *    Rm3Reranker defines it, with its published defaults: the first pass's
 *    best fb_docs documents are taken as relevant, their most frequent
 *    terms are weighted into a relevance model, and the query becomes the
 *    interpolation of the original one and that model (README "Feedback"
 *    gives each step and the tie rules);
 *  - more-like-this (nsearch --like ID), as Lucene's MoreLikeThis: a
 *    stored document's best terms by tf x idf as a weighted query.
 *
 * Both make an ordinary weighted query (sr_query_add_terms), which every
 * ranking algorithm runs exactly as the exhaustive reference does.
 *
 * Term vectors come from re-analysing the stored title and body with the
 * index's analyzer, as the indexer analysed them (no forward index on
 * disk: README "Feedback" gives the figures behind the choice).  Not
 * thread-safe: uses the index's frame buffer and analyzer, as
 * sr_index_doc_body does. */
#ifndef SR_FEEDBACK_H
#define SR_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "sr_index.h"
#include "sr_query.h"
#include "sr_rank.h"

/* Anserini's defaults (Rm3Reranker: fbDocs 10, fbTerms 10,
 * originalQueryWeight 0.5), taken from the literature, not tuned. */
#define SR_FB_DOCS 10
#define SR_FB_TERMS 10
#define SR_FB_WEIGHT 0.5
#define SR_FB_MAX 1000 /* the most fb_docs and fb_terms */
/* Anserini's term filter: 2..20 characters of [a-z0-9], in at most 10 %
 * of the documents. */
#define SR_FB_MIN_CHARS 2
#define SR_FB_MAX_CHARS 20
#define SR_FB_MAX_DF_RATIO 0.1

typedef struct sr_fb_opts {
    size_t fb_docs;   /* first-pass documents taken as relevant, 1..SR_FB_MAX */
    size_t fb_terms;  /* terms kept per document and in the model, 1..SR_FB_MAX */
    double fb_weight; /* the original query's share, (0, 1] */
} sr_fb_opts;

/* The defaults above. */
void sr_fb_opts_default(sr_fb_opts *o);
/* NS_E_ARG with err naming the option when o is out of range. */
ns_rc sr_fb_opts_check(const sr_fb_opts *o, ns_err *err);

/* What one expansion did. */
typedef struct sr_fb_stats {
    size_t docs;        /* feedback documents used (<= fb_docs: the first pass's hits) */
    size_t terms;       /* terms in the relevance model */
    sr_rank_stats first; /* the first pass's work */
} sr_fb_stats;

/* RM3: runs q (root not NULL) for its best o->fb_docs documents with algo,
 * and rewrites q into the expanded query: every clause that scores
 * weighted by fb_weight / (the sum of their weights), then the model's
 * terms added with weight (1 - fb_weight) x their probability
 * (sr_query_add_terms: exclusions and required clauses stay).  A first
 * pass without hits leaves q as it is.  st may be NULL.  Errors:
 * NS_E_ARG (o out of range), NS_E_CORRUPT (postings, dictionary or a
 * stored document), NS_E_NOMEM. */
ns_rc sr_feedback_expand(sr_index *ix, sr_query *q, sr_algo algo, const sr_fb_opts *o,
                         sr_fb_stats *st, ns_err *err);

/* Lucene's MoreLikeThis defaults (minTermFreq 2, minDocFreq 5,
 * maxQueryTerms 25), the same as Elasticsearch's more_like_this. */
#define SR_LIKE_TERMS 25
#define SR_LIKE_MIN_TF 2
#define SR_LIKE_MIN_DF 5

/* more-like-this: makes q (overwritten: release it with sr_query_release
 * even on error) the query of doc (< n_docs): the document's terms (title
 * and body) occurring at least SR_LIKE_MIN_TF times in it and in at least
 * SR_LIKE_MIN_DF documents, scored tf x idf (idf as BM25's), the best
 * SR_LIKE_TERMS of them (ties: the smaller term in byte order), each
 * weighted by its score over the best one's (Lucene's boost).  A document
 * without such terms gives root NULL.  The caller leaves doc itself out
 * of the results.  NS_E_CORRUPT, NS_E_NOMEM. */
ns_rc sr_like_query(sr_index *ix, uint32_t doc, sr_query *q, ns_err *err);

/* A document's term vector: its distinct terms in byte order with their
 * frequencies, from re-analysing its stored title and body. */
typedef struct sr_tv_entry {
    uint32_t off, len; /* the term: bytes [off, off + len) of sr_tv.bytes */
    uint32_t tf;
} sr_tv_entry;
typedef struct sr_tv {
    ns_buf bytes;   /* the terms' bytes */
    sr_tv_entry *e; /* owned */
    size_t n, cap;
} sr_tv;
void sr_tv_init(sr_tv *tv);
void sr_tv_release(sr_tv *tv);
/* Fills tv with doc's term vector (replacing what it held).
 * NS_E_CORRUPT, NS_E_NOMEM. */
ns_rc sr_tv_read(sr_index *ix, uint32_t doc, sr_tv *tv, ns_err *err);

#endif
