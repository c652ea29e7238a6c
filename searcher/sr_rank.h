/* sr_rank: BM25 top-k ranking over posting cursors.
 *
 * score(d) = sum over query terms t in d of
 *            qtf(t) * idf(t) * tf*(k1+1) / (tf + k1*(1 - b + b*dl/avgdl))
 * with idf = ln(1 + (N - df + 0.5)/(df + 0.5)), N = live documents,
 * k1 = 1.2, b = 0.75 (ns_format.h).
 *
 * Every algorithm computes a document's final score the same way (the
 * terms' contributions summed in query order), so the pruning algorithms
 * return bit-identical scores and the same order as the exhaustive
 * reference; ties go to the lower doc id.
 *
 *   OR  exhaustive  every posting of every term scored (the reference)
 *       maxscore    MaxScore: non-essential lists only probed (sr_maxscore.c)
 *       bmw         Block-Max WAND: pivoting with block bounds (sr_bmw.c)
 *   AND exhaustive  union scan keeping documents with every term (reference)
 *       maxscore,bmw leapfrogging next_geq from the rarest term with
 *                   block-max skipping (sr_and.c)
 */
#ifndef SR_RANK_H
#define SR_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_index.h"
#include "sr_query.h"
#include "sr_topk.h"

typedef enum { SR_ALGO_EXHAUSTIVE, SR_ALGO_MAXSCORE, SR_ALGO_BMW } sr_algo;
#define SR_ALGO_COUNT 3
/* The fastest on the query benchmark (README "Benchmarks"). */
#define SR_ALGO_DEFAULT SR_ALGO_MAXSCORE

/* Returns: static name ("exhaustive", "maxscore", "bmw"). */
const char *sr_algo_name(sr_algo a);
/* Returns 0 and sets *a, or -1 for an unknown name. */
int sr_algo_parse(const char *name, sr_algo *a);

typedef struct sr_rank_stats {
    uint64_t docs_scored;      /* documents whose full score was computed */
    uint64_t postings_decoded; /* doc ids decoded from posting blocks */
    bool corrupt;              /* a posting list was damaged: results may be incomplete */
} sr_rank_stats;

/* Fills out[0..*n_out) (caller storage for k hits), best first.  A flat
 * query (sr_query_is_flat: terms all optional or all required, plus
 * exclusions) runs the algorithms above, the excluded clauses filtering
 * the documents they keep; any other tree runs sr_exec (MaxScore over the
 * root's clauses for maxscore and bmw; its reference evaluation for
 * exhaustive).  A required term missing from the index means no hits. */
ns_rc sr_rank(const sr_index *ix, const sr_query *q, sr_algo algo, size_t k, sr_hit *out,
              size_t *n_out, sr_rank_stats *st, ns_err *err);

/* The reference: sr_rank(..., SR_MODE_OR, SR_ALGO_EXHAUSTIVE, ...). */
ns_rc sr_rank_exhaustive(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                         sr_rank_stats *st, ns_err *err);

#endif
