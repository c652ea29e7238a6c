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

/* The public code of an internal one. */
nsearch_rc nsearch_rc_of(ns_rc rc);
/* Copies e into err (may be NULL) as the public rc; returns it. */
nsearch_rc nsearch_fail(nsearch_error *err, const ns_err *e);
/* Sets err (may be NULL) to rc with a printf-style message; returns rc. */
nsearch_rc nsearch_fail_msg(nsearch_error *err, nsearch_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
