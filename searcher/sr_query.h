/* sr_query: turns query text into an analysed query tree over the index's
 * terms.  The syntax (sr_qparse.h) is parsed, then every word and phrase
 * is analysed with the index's own analyzer (so "Meetings" finds what
 * "meeting" indexed), each distinct term looked up once in the dictionary,
 * and prefixes expanded over it.
 *
 * The tree (sr_qt) is what ranking runs:
 *   TERM    one term; in a scope (title:, body:) only its positions there
 *           count; a keyword field's value (topics:crude) is a filter that
 *           scores 0
 *   PHRASE  words at given position offsets (stop words keep their gaps),
 *           exact or within a slop
 *   BOOL    clauses, each SHOULD, MUST or NOT: it matches when every MUST
 *           clause does, no NOT clause does and, when there is no MUST
 *           clause, at least one SHOULD clause does; its score is the sum
 *           of its matching MUST and SHOULD clauses' scores in clause order
 * A word that analyses into several terms ("e-mail", "U.S.") is a group of
 * them joined by the default operator; a word that analyses into none (a
 * stop word, punctuation) is left out, and so is a clause left with
 * nothing to search for.  Groups of the same kind are merged into their
 * parent (a OR (b OR c) is a OR b OR c; an optional prefix's expansions
 * become optional terms of its group, so that a prefix query runs the term
 * algorithms), and a term or phrase given twice in one group is one clause
 * of weight 2 (qtf), as before.
 *
 * With syntax off (--literal) the text is plain words joined by the default
 * operator: the tree of the same words typed without operators. */
#ifndef SR_QUERY_H
#define SR_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_index.h"

/* The most distinct terms a query may type.  Lucene caps a query at 1,024
 * clauses (maxClauseCount) for the same reason: every term is a cursor the
 * ranking loop visits per document, so cost grows with the term count, and
 * no real query needs more (a pasted document does not either: its 1,024
 * distinct words already find it). */
#define SR_QUERY_MAX_TERMS 1024
/* The most terms one prefix expands to: its most frequent ones (the
 * query's notes say so when a prefix has more). */
#define SR_QUERY_MAX_EXPANSIONS 1024
/* The most words of a phrase (stop words included), and of a sloppy one
 * (distinct words): phrase matching costs the words times their positions
 * in a document, and no real phrase is longer. */
#define SR_QUERY_MAX_PHRASE_WORDS 256
#define SR_QUERY_MAX_SLOPPY_WORDS 32
/* The most terms of a whole query, expansions included. */
#define SR_QUERY_MAX_ALL_TERMS 8192

#define SR_TERM_MAX_BYTES 256

typedef struct sr_qterm {
    char term[SR_TERM_MAX_BYTES + 1]; /* the stem (or keyword key), NUL-terminated */
    size_t len;
    double qtf;        /* the weight of its clause (flat queries): see sr_qt.qtf */
    bool found;        /* in the dictionary */
    bool highlight;    /* a word of a clause that is not excluded */
    sr_term_info info; /* valid when found */
    double idf;        /* ns_bm25_idf(n_live, df), when found */
} sr_qterm;

typedef enum { SR_QT_TERM, SR_QT_PHRASE, SR_QT_BOOL } sr_qt_kind;
typedef enum { SR_OCC_SHOULD, SR_OCC_MUST, SR_OCC_NOT } sr_occur;
typedef enum { SR_SCOPE_ALL, SR_SCOPE_TITLE, SR_SCOPE_BODY } sr_scope;

typedef struct sr_qt {
    sr_qt_kind kind;
    sr_occur occur;   /* in its parent (the root's is SHOULD or MUST) */
    sr_scope scope;   /* TERM, PHRASE */
    bool keyword;     /* TERM: a keyword field's value: matches, scores 0 */
    bool prefix;      /* BOOL: the expansions of a prefix (SHOULD each) */
    bool sloppy;      /* PHRASE: within slop positions */
    uint32_t slop;
    double qtf;       /* TERM, PHRASE: the clause's weight (> 0), a factor of its
                       * score: the times it is given in its group, or, in a
                       * query made by sr_feedback.h, the weight RM3 or
                       * more-like-this gives it */
    size_t n_w;       /* TERM: 1; PHRASE: words, >= 2 */
    uint32_t *w;      /* owned: index into sr_query.t of each word */
    uint32_t *off;    /* owned, PHRASE: each word's position offset from the first */
    double idf;       /* TERM: its idf; PHRASE: the sum of its words' idf */
    bool found;       /* every word is in the index (else it matches nothing) */
    struct sr_qt **kids; /* owned, BOOL */
    size_t n_kids;
    size_t at, end;   /* the clause's bytes in the query text */
    uint64_t expansions; /* prefix: dictionary terms that start with it (kept: n_kids);
                          * also on the first expansion of a prefix merged into
                          * its parent (from_prefix), for --show-query */
    bool from_prefix;    /* TERM: an expansion of the prefix at [at, end) */
    bool added;          /* TERM: added by sr_query_add_terms (no text of its own:
                          * at == end) */
} sr_qt;

typedef struct sr_query {
    sr_qt *root;  /* owned; NULL when nothing is left to search for */
    sr_qterm *t;  /* owned: the distinct terms, in order of first occurrence */
    size_t n;
    uint32_t n_words; /* words of the text, stop words included */
    bool default_and;
    char *text;   /* owned copy of the query text, NUL-terminated */
    size_t len;
    ns_buf notes; /* warnings for the user, one per line (a capped prefix) */
    ns_buf left_out; /* words and phrases left out, one per line, for --show-query */
    struct sr_qprefix *px; /* owned: the prefixes of the text, in order of parsing */
    size_t n_px;
} sr_query;

/* What a prefix expanded to, for a shard set's cut-off (sr_prefix_cut). */
typedef struct sr_qprefix {
    size_t at;      /* the prefix clause's first byte in the query text */
    uint64_t total; /* dictionary terms that start with it */
    uint32_t *t;    /* owned: index into sr_query.t of each expansion kept, in
                     * dictionary order (the term and its gdf are there) */
    size_t n;       /* kept: at most SR_QUERY_MAX_EXPANSIONS */
    bool cut;       /* expanded under a caller's cut-off */
    char pre[SR_TERM_MAX_BYTES + 1]; /* the prefix as the dictionary holds it */
    size_t pre_len;
} sr_qprefix;

/* The distinct terms that start with pre[0..pl) in the dictionaries of
 * ix[0..n) (a shard set's count: a merge of their prefix ranges, in time
 * n times the terms).  NS_E_CORRUPT (dictionary), NS_E_NOMEM. */
ns_rc sr_prefix_union_count(const sr_index *const *ix, size_t n, const char *pre, size_t pl,
                            uint64_t *out, ns_err *err);
/* Sets the count --show-query gives for the prefix clause at byte `at`. */
void sr_query_set_prefix_total(sr_query *q, size_t at, uint64_t total);

/* A cut-off for the prefix clause at byte `at` of the query text: keep the
 * expansions whose key, (gdf descending, term bytes ascending in the
 * dictionary's order), is (gdf, term) or before it.  Over a shard set, the
 * cut-off at the SR_QUERY_MAX_EXPANSIONS-th term of the union of the
 * shards' expansions makes each shard keep exactly its share of what the
 * single index keeps. */
typedef struct sr_prefix_cut {
    size_t at;
    uint32_t gdf;
    size_t len; /* 1..SR_TERM_MAX_BYTES */
    char term[SR_TERM_MAX_BYTES + 1];
} sr_prefix_cut;

/* The key order of sr_prefix_cut: < 0 when (gdf_a, a) comes first. */
int sr_prefix_key_cmp(uint32_t gdf_a, const char *a, size_t la, uint32_t gdf_b, const char *b,
                      size_t lb);

typedef struct sr_query_opts {
    bool default_and; /* juxtaposition (and --literal words) means AND */
    bool literal;     /* no syntax: plain words */
} sr_query_opts;

/* Parses and analyses text in time linear in its length plus the prefix
 * expansions.  A query with no words gives root NULL and NS_OK; one of stop
 * words only (which the index leaves out) root NULL and n_words > 0.
 * Errors: NS_E_ARG (syntax: err->msg "column C: ..."; an unknown field,
 * naming the fields the index has; more than SR_QUERY_MAX_TERMS distinct
 * words), NS_E_CORRUPT (dictionary), NS_E_NOMEM.  On error q holds
 * nothing; release with sr_query_release.  opts NULL: OR, with syntax. */
ns_rc sr_query_parse_opts(sr_index *ix, const char *text, size_t len, const sr_query_opts *opts,
                          sr_query *q, ns_err *err);
/* sr_query_parse_opts with cut-offs for prefixes, cuts[0..n_cuts)
 * (borrowed for the call; NULL when n_cuts is 0): a prefix clause whose
 * byte offset is a cut's `at` keeps the expansions at or before the cut
 * (at most SR_QUERY_MAX_EXPANSIONS still) and notes that it is capped;
 * the other prefixes expand as sr_query_parse_opts does.  Errors: as
 * sr_query_parse_opts. */
ns_rc sr_query_parse_cut(sr_index *ix, const char *text, size_t len, const sr_query_opts *opts,
                         const sr_prefix_cut *cuts, size_t n_cuts, sr_query *q, ns_err *err);
/* sr_query_parse_opts with OR and the syntax on. */
ns_rc sr_query_parse(sr_index *ix, const char *text, size_t len, sr_query *q, ns_err *err);
void sr_query_release(sr_query *q);

/* Appends the analysed tree, one clause a line, to out (--show-query): each
 * operator, the words as typed and the terms they became, which words are
 * stop words or not in the index, each term's df and idf. */
ns_rc sr_query_show(const sr_index *ix, const sr_query *q, ns_buf *out);
/* The same as one JSON object (--show-query --json): {"query", "default",
 * "root": a clause {"type" (or, and, prefix, term, keyword, phrase),
 * "occur", "text", "field"?, "clauses" | "terms": [{"term", "df", "idf"?,
 * "field"? for a keyword}], "qtf", "slop"?, "offsets"?, "expansions"?},
 * "left_out": [text...]} and a newline.  NS_E_NOMEM. */
ns_rc sr_query_show_json(const sr_query *q, ns_buf *out);

/* The sum of the weights (qtf) of the clauses that score: terms and
 * phrases that are neither excluded nor keyword filters.  0 with no root. */
double sr_query_weight(const sr_query *q);
/* Multiplies the weight of every clause that scores by f (> 0). */
void sr_query_scale(sr_query *q, double f);

/* A term to add to a query: an index term (a stem as the analyzer makes
 * it, not text to analyse) and its weight (> 0). */
typedef struct sr_qadd {
    const char *term; /* borrowed for the call */
    size_t len;       /* 1..SR_TERM_MAX_BYTES */
    double weight;
} sr_qadd;
/* Adds a[0..n) to the positive part of q as optional (SHOULD) clauses of
 * its root, for feedback and more-like-this (sr_feedback.h): a term the
 * root already has as an optional unscoped term clause gets the weight
 * added to that clause's; any other becomes a clause of its own (marked
 * added).  A root that is not a plain group (a term, a phrase, a prefix)
 * becomes the first clause of a new OR root; no root: the root is an OR
 * of the terms.  Required and excluded clauses stay as they are, so the
 * documents a required clause does not match stay out.  Terms not in the
 * index are added and match nothing.  Errors: NS_E_ARG (more than
 * SR_QUERY_MAX_ALL_TERMS terms in all), NS_E_CORRUPT (dictionary),
 * NS_E_NOMEM; on error q is as it was, but may hold new terms that no
 * clause uses. */
ns_rc sr_query_add_terms(const sr_index *ix, sr_query *q, const sr_qadd *a, size_t n, ns_err *err);

/* True when the tree is a flat list of unscoped terms all SHOULD or all
 * MUST (*all_must), with any NOT clauses besides: the shape the term-only
 * algorithms run (the others run the general evaluator). */
bool sr_query_is_flat(const sr_query *q, bool *all_must);

#endif
