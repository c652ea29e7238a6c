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

/* RM3 in steps, for a caller that runs the first pass itself and reads
 * each feedback document from the index holding it (the library over the
 * shards of a set, where a merged shard's lookups give the set's df and
 * N):
 *
 *     sr_fb_model m;
 *     sr_fb_model_init(&m);
 *     for (i = 0; i < n_hits; i++)      // the first pass's best o->fb_docs, in rank order
 *         rc = sr_fb_model_add_doc(&m, ix_of(hit[i]), local_doc(hit[i]), hit[i].score, o, err);
 *     rc = sr_fb_model_finish(&m, o, err);
 *     double f = sr_fb_scale(&q0, o);   // one factor for every query
 *     for each query q (over its own index ix):
 *         rc = sr_fb_model_apply(&m, ix, &q, f, err);
 *     sr_fb_model_release(&m);
 *
 * sr_feedback_expand is these steps over one index (when the first pass
 * has hits), so that both compute the model with the same floating-point
 * operations in the same order. */
struct sr_fb_term; /* a term's weight in the model (sr_feedback.c) */
typedef struct sr_fb_model {
    sr_tv *tvs;             /* owned: the feedback documents' term vectors, which the
                             * model's terms borrow their bytes from */
    size_t docs, cap_docs;  /* feedback documents added */
    struct sr_fb_term *t;   /* owned: each document's share, then (finish) the model */
    size_t n_t, cap_t;
    size_t terms;           /* after finish: terms in the model (<= fb_terms) */
    sr_qadd *add;           /* owned, after finish: the terms to add (bytes borrowed from tvs) */
    size_t n_add;
} sr_fb_model;
void sr_fb_model_init(sr_fb_model *m);
/* Accepts NULL. */
void sr_fb_model_release(sr_fb_model *m);
/* Adds document doc of ix (< n_docs), ranked after those added before it
 * with its first-pass score: its o->fb_terms most frequent terms that
 * pass Anserini's filter in ix (README "Feedback").  NS_E_CORRUPT,
 * NS_E_NOMEM. */
ns_rc sr_fb_model_add_doc(sr_fb_model *m, sr_index *ix, uint32_t doc, double score,
                          const sr_fb_opts *o, ns_err *err);
/* Sums each term's shares in document order, keeps the o->fb_terms best
 * and weights each (1 - fb_weight) x its probability in m->add.
 * NS_E_NOMEM. */
ns_rc sr_fb_model_finish(sr_fb_model *m, const sr_fb_opts *o, ns_err *err);
/* The factor that gives q's scoring clauses the weight o->fb_weight in all
 * (fb_weight / sr_query_weight(q)); 0 when they have none. */
double sr_fb_scale(const sr_query *q, const sr_fb_opts *o);
/* Rewrites q (over ix) into the expanded query: its scoring clauses
 * multiplied by scale (0: left as they are), then m's terms added
 * (sr_query_add_terms: a term not in ix matches nothing there).  Errors:
 * as sr_query_add_terms. */
ns_rc sr_fb_model_apply(const sr_fb_model *m, const sr_index *ix, sr_query *q, double scale,
                        ns_err *err);

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

/* more-like-this in steps, for a caller that builds the same query over
 * several indexes (the shards of a set): sr_like_terms on the index
 * holding the document, then sr_like_build over each index.  sr_like_query
 * is the two over one index. */
/* Fills tv (replacing what it held) with doc's term vector and *add with
 * the terms and weights sr_like_query chooses from it, with ix's df and
 * idf: *n of them, 0 when doc has no qualifying term.  Returns: *add
 * owned, free with ns_free (NULL when *n is 0, or on error); its terms
 * borrow tv's bytes.  NS_E_ARG (doc >= n_docs), NS_E_CORRUPT, NS_E_NOMEM. */
ns_rc sr_like_terms(sr_index *ix, uint32_t doc, sr_tv *tv, sr_qadd **add, size_t *n,
                    ns_err *err);
/* Makes q (overwritten: release it with sr_query_release even on error)
 * the query of the terms add[0..n) over ix (root NULL when n is 0; a term
 * not in ix matches nothing there).  Errors: as sr_query_add_terms. */
ns_rc sr_like_build(const sr_index *ix, const sr_qadd *add, size_t n, sr_query *q, ns_err *err);

#endif
