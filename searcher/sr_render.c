/* sr_render: fetch, snippets and formatting of ranked hits (see
 * sr_render.h).  Its own file because two programs share it: nsearch, and
 * nbench's end-to-end mode, which times each step. */
#include "sr_render.h"

#include <time.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "sr_snippet.h"

struct sr_render {
    sr_snippet title, body; /* scratch, reused from hit to hit */
};

ns_rc sr_render_new(sr_render **out)
{
    sr_render *r = ns_malloc(sizeof *r);
    *out = r;
    if (!r)
        return NS_E_NOMEM;
    sr_snippet_init(&r->title);
    sr_snippet_init(&r->body);
    return NS_OK;
}

void sr_render_free(sr_render *r)
{
    if (!r)
        return;
    sr_snippet_release(&r->title);
    sr_snippet_release(&r->body);
    ns_free(r);
}

/* The two fetches.  Today's docstore keeps all of a document's fields in
 * one record of a compressed block, and sr_index_doc reads the record
 * whole, so both steps call it: the second finds the block cached (a walk
 * to the record, no decompression) and leaves the head's pointers valid.
 * A docstore with a separate head table swaps in sr_index_doc_head() and
 * sr_index_doc_body() for the two calls below. */
static ns_rc fetch_head(sr_index *ix, uint32_t doc, sr_doc *d, ns_err *err)
{
    return sr_index_doc(ix, doc, d, err); /* id, title, date, url */
}

static ns_rc fetch_body(sr_index *ix, uint32_t doc, sr_doc *d, ns_err *err)
{
    sr_doc b;
    ns_rc rc = sr_index_doc(ix, doc, &b, err); /* the body */
    if (!rc) {
        d->f[NS_FIELD_BODY] = b.f[NS_FIELD_BODY];
        d->len[NS_FIELD_BODY] = b.len[NS_FIELD_BODY];
    }
    return rc;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Adds the time since *t to *acc and restarts *t (no-op without stats). */
static void lap(const sr_render_stats *st, uint64_t *t, uint64_t *acc)
{
    if (!st)
        return;
    uint64_t n = now_ns();
    *acc += n - *t;
    *t = n;
}

ns_rc sr_render_hit(sr_render *r, sr_index *ix, const sr_query *q, const sr_hit *hit, size_t rank,
                    const sr_render_opts *o, ns_buf *out, sr_render_stats *st, ns_err *err)
{
    sr_render_stats dummy; /* lap() targets when st is NULL (never written) */
    sr_render_stats *acc = st ? st : &dummy;
    uint64_t t = st ? now_ns() : 0;
    bool snippets = o->snippets && o->out.fmt != SR_FMT_TREC;
    bool title_marks = snippets && o->out.fmt == SR_FMT_TEXT; /* JSON shows the title as stored */
    sr_doc d;
    ns_rc rc = fetch_head(ix, hit->doc, &d, err);
    lap(st, &t, &acc->fetch_head_ns);
    if (rc)
        return rc;
    if (snippets) {
        rc = fetch_body(ix, hit->doc, &d, err);
        lap(st, &t, &acc->fetch_body_ns);
        if (rc)
            return rc;
        if (title_marks)
            rc = sr_snippet_make(ix->an, q, d.f[NS_FIELD_TITLE], d.len[NS_FIELD_TITLE], SIZE_MAX,
                                 &r->title);
        if (!rc)
            rc = sr_snippet_make(ix->an, q, d.f[NS_FIELD_BODY], d.len[NS_FIELD_BODY],
                                 SR_SNIPPET_WIDTH, &r->body);
        lap(st, &t, &acc->snippet_ns);
        if (rc)
            return ns_err_set(err, rc, "out of memory");
    }
    sr_out_hit h = {rank, hit->score, &d, title_marks ? &r->title : NULL,
                    snippets ? &r->body : NULL};
    rc = sr_output_hit(out, &o->out, &h);
    lap(st, &t, &acc->format_ns);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    if (st)
        st->n_hits++;
    return NS_OK;
}

ns_rc sr_render_hits(sr_render *r, sr_index *ix, const sr_query *q, const sr_hit *hits, size_t n,
                     const sr_render_opts *o, ns_buf *out, sr_render_stats *st, ns_err *err)
{
    ns_rc rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = sr_render_hit(r, ix, q, &hits[i], i + 1, o, out, st, err);
    return rc;
}
