/* sr_exec: runs a query tree (sr_query.h) of any shape: phrases, field
 * scopes, required, optional and excluded clauses, nested groups.
 *
 * Every clause is an iterator over the documents it matches, in doc order,
 * with next_geq(target) and its score at the current document: a term is
 * its posting cursor; a phrase intersects its words' cursors (the rarest
 * leading) and reads positions only for the documents in all of them (two
 * phases, as Lucene, tantivy and Xapian do); a scoped term reads its
 * positions to count those in the scope; a group leapfrogs its required
 * clauses (or takes the smallest document of its optional ones), then
 * drops documents an excluded clause matches.
 *
 * Scores (README "Ranking"): a term as in sr_rank.h with its tf (in a
 * scope, its tf there); a phrase as one term of weight qtf x (sum of its
 * words' idf) whose tf is the phrase frequency (exact: its occurrences;
 * sloppy: sum of 1 / (span + 1), sr_pos.h); a keyword value 0; a group the
 * sum of its matching required and optional clauses in clause order.
 *
 * Top k (sr_exec_topk) prunes at the root, exactly: with required clauses
 * their leapfrog drives and the optional clauses are only probed while the
 * document can still beat the k-th score (their bounds: a term's best
 * posting, a phrase's rarest word's, a group's sum); with optional clauses
 * only, MaxScore over them.  A phrase alone skips whole blocks of its
 * rarest word whose bound cannot win, and reads positions only where the
 * frequencies could.  sr_exec_reference scores every document that any
 * clause matches, from plainly decoded position streams: the reference
 * the others must equal (documents, order, scores). */
#ifndef SR_EXEC_H
#define SR_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_query.h"
#include "sr_rank.h"

/* Top k of q's tree (root not NULL) into out (caller storage for k hits).
 * NS_E_NOMEM. */
ns_rc sr_exec_topk(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                   sr_rank_stats *st, ns_err *err);
/* The same by the reference evaluation. */
ns_rc sr_exec_reference(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out,
                        size_t *n_out, sr_rank_stats *st, ns_err *err);
/* The number of documents q matches (0 when root is NULL), or max when it
 * matches max or more (max 0: no limit; counting stops there). */
ns_rc sr_exec_count(const sr_index *ix, const sr_query *q, uint64_t max, uint64_t *count,
                    sr_rank_stats *st, ns_err *err);

/* Appends why doc scores what it does for q (--explain), clause by clause
 * as the reference evaluates it: for a term or phrase its idf, qtf, tf (a
 * phrase's frequency), the document's length, the average length, k1, b
 * and the weight; for a group its clauses.  Text: indented lines; JSON:
 * one object {"occur","matched","score","type","clause",...,"clauses"}.
 * NS_E_NOMEM. */
ns_rc sr_exec_explain(const sr_index *ix, const sr_query *q, uint32_t doc, bool json, ns_buf *out,
                      ns_err *err);

/* The excluded clauses of a flat query (sr_query_is_flat), as a filter
 * the term-only algorithms ask for each document they would keep, in
 * increasing doc order. */
typedef struct sr_excl sr_excl;
/* *out NULL when q has no excluded clause.  Returns: owned, free with
 * sr_excl_free.  NS_E_NOMEM. */
ns_rc sr_excl_new(const sr_index *ix, const sr_query *q, sr_excl **out, ns_err *err);
/* True when an excluded clause matches doc (doc >= every doc asked before). */
bool sr_excl_has(sr_excl *x, uint32_t doc);
/* Damaged postings or positions met (results may be incomplete). */
bool sr_excl_corrupt(const sr_excl *x);
void sr_excl_free(sr_excl *x);

#endif
