/* sr_query: turns query text into query terms: the index's own analyzer
 * (so "Meetings" finds what "meeting" indexed), repeated terms merged with
 * a count (a term repeated in the query weighs once per occurrence), each
 * term looked up once in the dictionary. */
#ifndef SR_QUERY_H
#define SR_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_index.h"

/* The most distinct terms a query may have.  Lucene caps a query at 1,024
 * clauses (maxClauseCount) for the same reason: every term is a cursor the
 * ranking loop visits per document, so cost grows with the term count, and
 * no real query needs more (a pasted document does not either: its 1,024
 * distinct words already find it). */
#define SR_QUERY_MAX_TERMS 1024

typedef struct sr_qterm {
    char term[NS_TOKEN_MAX_BYTES + 1]; /* the stem, NUL-terminated */
    size_t len;
    uint32_t qtf;      /* occurrences in the query */
    bool found;        /* in the dictionary */
    sr_term_info info; /* valid when found */
    double idf;        /* ns_bm25_idf(n_live, df), when found */
} sr_qterm;

typedef struct sr_query {
    sr_qterm *t; /* owned */
    size_t n;    /* distinct terms, in order of first occurrence */
    uint32_t n_words; /* words of the text, stop words included */
} sr_query;

/* Analyses text, in time linear in len (repeated terms are merged through
 * a hash table, keeping the order of first occurrence, which is the order
 * scores are summed in).  A query with no words gives n == 0 and NS_OK; one
 * of stop words only (which the index leaves out) gives n == 0 and
 * n_words > 0.  Errors: NS_E_ARG (more than SR_QUERY_MAX_TERMS distinct
 * terms), NS_E_CORRUPT (dictionary), NS_E_NOMEM.  On error q holds
 * nothing; release with sr_query_release. */
ns_rc sr_query_parse(sr_index *ix, const char *text, size_t len, sr_query *q, ns_err *err);
void sr_query_release(sr_query *q);

#endif
