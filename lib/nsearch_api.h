/* nsearch_api: what the library's modules (lib/nsearch_*.c) share: the
 * mapping of internal codes and errors onto the public ones, and the
 * definitions of the public opaque types. */
#ifndef NSEARCH_API_INTERNAL_H
#define NSEARCH_API_INTERNAL_H

#include "nsearch.h"
#include "ns_err.h"
#include "sr_index.h"
#include "sr_query.h"
#include "sr_render.h"
#include "sr_snippet.h"
#include "sr_topk.h"

struct nsearch_index {
    /* owned, n_parts: one index, or the shards of a set by shard number;
     * used only through views (sr_index_view_init) */
    sr_index **part;
    size_t n_parts;
    int sharded; /* the parts are shards: doc numbers are their ordinals */
};

/* A reader's state for one part of its index. */
typedef struct nsearch_part {
    sr_index view; /* owned per-thread state, read-only fields borrowed */
    sr_query q;    /* the last query (owned), parsed for this part */
} nsearch_part;

struct nsearch_reader {
    const nsearch_index *owner; /* borrowed */
    nsearch_part *p;            /* owned, owner->n_parts */
    size_t n_parts;
    int has_query;
    nsearch_hit *hits;          /* owned, cap_hits entries */
    sr_hit *raw;                /* owned, cap_hits entries (ordinals once merged) */
    sr_hit *part_raw;           /* owned, cap_hits entries: one part's hits */
    size_t cap_hits;
    sr_snippet snip;            /* owned: the last snippet */
    nsearch_span *spans;        /* owned: its highlights, cap_spans entries */
    size_t cap_spans;
    ns_buf text;                /* owned: the last explain / show-query / info */
    sr_render *render;          /* owned: fetch and format of hits */
    ns_buf out;                 /* owned: the last _render / _render_doc text */
};

/* Prefixes over a shard set (lib/nsearch_prefix.c). */
/* Whether a prefix of the parts' last queries may match more terms over
 * the parts than one index keeps (their totals add up past the cap). */
int nsearch_px_may_cut(const nsearch_part *p, size_t n);
/* Appends the candidates blob of p[0..n)'s last queries to out.  NS_E_NOMEM. */
ns_rc nsearch_px_candidates(const nsearch_part *p, size_t n, ns_buf *out);
/* Merges candidate blobs c[0..n) into a cuts blob appended to out (nothing
 * when no prefix needs a cut).  NSEARCH_E_ARG (malformed), _NOMEM. */
nsearch_rc nsearch_px_merge(const void *const *c, const size_t *len, size_t n, ns_buf *out,
                            nsearch_error *err);
/* Decodes a cuts blob.  Returns: owned *cuts (ns_free), *n of them.
 * NSEARCH_E_ARG (malformed), _NOMEM. */
nsearch_rc nsearch_px_cuts_decode(const void *p, size_t len, sr_prefix_cut **cuts, size_t *n,
                                  nsearch_error *err);
/* The cuts that make the parts' last queries expand as one index's:
 * owned *cuts (ns_free; NULL, 0 when none is needed).  _NOMEM. */
nsearch_rc nsearch_px_cuts_of_parts(const nsearch_part *p, size_t n, sr_prefix_cut **cuts,
                                    size_t *n_cuts, nsearch_error *err);

/* Sets the prefixes' counts of the reader's first part's query to the
 * set's (--show-query over several parts).  _CORRUPT, _NOMEM. */
nsearch_rc nsearch_px_show_totals(nsearch_reader *r, nsearch_error *err);

/* The public code of an internal one. */
nsearch_rc nsearch_rc_of(ns_rc rc);
/* Copies e into err (may be NULL) as the public rc; returns it. */
nsearch_rc nsearch_fail(nsearch_error *err, const ns_err *e);
/* Sets err (may be NULL) to rc with a printf-style message; returns rc. */
nsearch_rc nsearch_fail_msg(nsearch_error *err, nsearch_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
