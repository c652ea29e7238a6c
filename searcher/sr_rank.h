/* sr_rank: BM25 top-k ranking.  This file holds the exhaustive
 * document-at-a-time OR evaluation: every posting of every query term is
 * scored.  It is the reference that any pruning algorithm must match.
 *
 * score(d) = sum over query terms t in d of
 *            qtf(t) * idf(t) * tf*(k1+1) / (tf + k1*(1 - b + b*dl/avgdl))
 * with idf = ln(1 + (N - df + 0.5)/(df + 0.5)), N = live documents,
 * k1 = 1.2, b = 0.75 (ns_format.h).  Terms are summed in query order. */
#ifndef SR_RANK_H
#define SR_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_index.h"
#include "sr_query.h"
#include "sr_topk.h"

typedef struct sr_rank_stats {
    uint64_t docs_scored;
    uint64_t postings_decoded;
    bool corrupt; /* a posting list was damaged: results may be incomplete */
} sr_rank_stats;

/* Fills out[0..*n_out) (caller storage for k hits), best first. */
ns_rc sr_rank_exhaustive(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                         sr_rank_stats *st, ns_err *err);

/* The BM25 contribution of one posting, shared by every algorithm. */
static inline double sr_rank_term_score(const sr_index *ix, const sr_qterm *t, uint32_t tf,
                                        uint32_t doc)
{
    return (double)t->qtf * t->idf * ns_bm25_tf(tf, sr_index_doclen(ix, doc), ix->avgdl);
}

#endif
