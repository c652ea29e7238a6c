/* sr_render: fetch, snippets and formatting of ranked hits (see
 * sr_render.h).  Its own file because two programs share it: nsearch, and
 * nbench's end-to-end mode, which times each step. */
#include "sr_render.h"

#include "sr_exec.h"

#include <time.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "sr_snippet.h"

struct sr_render {
    sr_snippet title, body; /* scratch, reused from hit to hit */
    ns_buf explain;
};

ns_rc sr_render_new(sr_render **out)
{
    sr_render *r = ns_malloc(sizeof *r);
    *out = r;
    if (!r)
        return NS_E_NOMEM;
    sr_snippet_init(&r->title);
    sr_snippet_init(&r->body);
    ns_buf_init(&r->explain);
    return NS_OK;
}

void sr_render_free(sr_render *r)
{
    if (!r)
        return;
    sr_snippet_release(&r->title);
    sr_snippet_release(&r->body);
    ns_buf_release(&r->explain);
    ns_free(r);
}

/* The two fetches: the head (id, title, date, url, the other fields kept
 * in the table) without decompressing anything, and the body (with the
 * long field values), one docstore frame decompressed. */
static ns_rc fetch_head(sr_index *ix, uint32_t doc, sr_doc *d, ns_err *err)
{
    return sr_index_doc_head(ix, doc, d, err);
}

static ns_rc fetch_body(sr_index *ix, uint32_t doc, sr_doc *d, ns_err *err)
{
    (void)doc; /* d holds it since fetch_head */
    return sr_index_doc_body(ix, d, err);
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
    /* JSON shows the other fields: those kept in the frame need the body */
    bool body = snippets || (o->out.fmt == SR_FMT_JSON && sr_doc_needs_frame(&d));
    if (body) {
        rc = fetch_body(ix, hit->doc, &d, err);
        lap(st, &t, &acc->fetch_body_ns);
        if (rc)
            return rc;
    }
    if (snippets) {
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
    sr_out_hit h = {rank, hit->score, ix, &d, title_marks ? &r->title : NULL,
                    snippets ? &r->body : NULL, NULL, 0};
    if (o->explain && o->out.fmt != SR_FMT_TREC) {
        ns_buf_reset(&r->explain);
        rc = sr_exec_explain(ix, q, hit->doc, o->out.fmt == SR_FMT_JSON, &r->explain, err);
        if (rc)
            return rc;
        h.explain = (const char *)r->explain.data;
        h.explain_len = r->explain.len;
    }
    rc = sr_output_hit(out, &o->out, &h, err);
    lap(st, &t, &acc->format_ns);
    if (rc)
        return rc; /* err set */
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
