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

/* Analyses text.  A query with no words gives n == 0 and NS_OK; one of stop
 * words only (which the index leaves out) gives n == 0 and n_words > 0.  Errors:
 * NS_E_CORRUPT (dictionary), NS_E_NOMEM.  Release with sr_query_release. */
ns_rc sr_query_parse(sr_index *ix, const char *text, size_t len, sr_query *q, ns_err *err);
void sr_query_release(sr_query *q);

#endif
