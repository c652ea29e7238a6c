/* sr_render: the per-hit work of a query after ranking: fetch each hit's
 * stored fields, make its snippets, format it (sr_output) into a buffer.
 * nsearch and `nbench query --e2e` both call it, so the benchmark times the
 * code the program runs.
 *
 * What a hit costs depends on the format, and the renderer does only that:
 *
 *   format          head (id, title, date, url)   body   snippets
 *   trec            yes (the id)                  no     no
 *   json            yes                           yes    body passage
 *   text            yes                           yes    title + body passage
 *   json/text with snippets = false: head only, no snippet computed (json:
 *   and the body when other fields' values are kept in the frame)
 *
 * Fetching is two steps, "head" (what a result line shows) and "body"
 * (needed only for a snippet), so that a docstore that keeps them apart
 * can serve a TREC run or a --no-snippets page without decompressing any
 * body.  The renderer never prints and never exits.
 *
 * Usage (one renderer per thread; not thread-safe; sr_index is written to
 * by fetches, see sr_index_doc):
 *
 *     sr_render *r;
 *     if (sr_render_new(&r)) ... out of memory
 *     sr_render_opts o = {{SR_FMT_JSON, false, NULL, false, NULL}, true, false};
 *     rc = sr_render_hits(r, ix, &q, hits, n, &o, &buf, NULL, &err);
 *     sr_render_free(r);
 */
#ifndef SR_RENDER_H
#define SR_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_buf.h"
#include "ns_err.h"
#include "sr_index.h"
#include "sr_output.h"
#include "sr_query.h"
#include "sr_topk.h"

typedef struct sr_render_opts {
    sr_out_opts out; /* format, colour, qid (borrowed for the call) */
    bool snippets;   /* text and json: compute and show snippets; trec ignores it */
    bool explain;    /* text and json: each hit's score clause by clause (sr_exec_explain) */
} sr_render_opts;

/* Where the time of the calls went, in nanoseconds (CLOCK_MONOTONIC),
 * accumulated over every call given this struct: zero it to start. */
typedef struct sr_render_stats {
    uint64_t fetch_head_ns; /* stored id, title, date, url */
    uint64_t fetch_body_ns; /* stored body (snippets only) */
    uint64_t snippet_ns;    /* sr_snippet_make, title and body */
    uint64_t format_ns;     /* sr_output_hit */
    uint64_t n_hits;        /* hits rendered */
} sr_render_stats;

typedef struct sr_render sr_render;

/* Errors: NS_E_NOMEM.  Returns: owned *out, free with sr_render_free(). */
ns_rc sr_render_new(sr_render **out);
void sr_render_free(sr_render *r); /* accepts NULL */

/* Appends hit (ranked `rank`, from 1) of query q to out in the format of o.
 * st: NULL, or where to add the time spent (then each step is timed).
 * Errors: those of sr_index_doc_head/_body and sr_output_hit (NS_E_CORRUPT,
 * NS_E_ARG, NS_E_NOMEM) with their messages, NS_E_NOMEM ("out of memory"
 * from a snippet); err says which.  On error out
 * may hold part of the hit. */
ns_rc sr_render_hit(sr_render *r, sr_index *ix, const sr_query *q, const sr_hit *hit, size_t rank,
                    const sr_render_opts *o, ns_buf *out, sr_render_stats *st, ns_err *err);

/* sr_render_hit for hits[0..n), ranks 1..n; stops at the first error. */
ns_rc sr_render_hits(sr_render *r, sr_index *ix, const sr_query *q, const sr_hit *hits, size_t n,
                     const sr_render_opts *o, ns_buf *out, sr_render_stats *st, ns_err *err);

#endif
