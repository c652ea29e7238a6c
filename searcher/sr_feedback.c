/* sr_feedback: RM3 expansion, more-like-this queries and the term vectors
 * both read (see sr_feedback.h; README "Feedback" for each step). */
#include "sr_feedback.h"

#include <stdlib.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "ns_unorm.h"

void sr_fb_opts_default(sr_fb_opts *o)
{
    o->fb_docs = SR_FB_DOCS;
    o->fb_terms = SR_FB_TERMS;
    o->fb_weight = SR_FB_WEIGHT;
}

ns_rc sr_fb_opts_check(const sr_fb_opts *o, ns_err *err)
{
    if (o->fb_docs < 1 || o->fb_docs > SR_FB_MAX)
        return ns_err_set(err, NS_E_ARG, "--fb-docs must be 1..%d", SR_FB_MAX);
    if (o->fb_terms < 1 || o->fb_terms > SR_FB_MAX)
        return ns_err_set(err, NS_E_ARG, "--fb-terms must be 1..%d", SR_FB_MAX);
    if (!(o->fb_weight > 0 && o->fb_weight <= 1))
        return ns_err_set(err, NS_E_ARG, "--fb-weight must be more than 0 and at most 1");
    return NS_OK;
}

/* Term vectors */

void sr_tv_init(sr_tv *tv)
{
    memset(tv, 0, sizeof *tv);
    ns_buf_init(&tv->bytes);
}

void sr_tv_release(sr_tv *tv)
{
    if (!tv)
        return;
    ns_buf_release(&tv->bytes);
    ns_free(tv->e);
    memset(tv, 0, sizeof *tv);
}

typedef struct tv_ctx {
    sr_tv *tv;
    ns_rc rc;
} tv_ctx;

static int tv_on_token(void *ctx, const ns_token *tok)
{
    tv_ctx *c = ctx;
    sr_tv *tv = c->tv;
    if (tv->n == tv->cap) {
        size_t nc = tv->cap ? tv->cap * 2 : 256;
        sr_tv_entry *e = ns_realloc(tv->e, nc * sizeof *e);
        if (!e)
            return c->rc = NS_E_NOMEM, 1;
        tv->e = e;
        tv->cap = nc;
    }
    size_t off = tv->bytes.len;
    if (off > UINT32_MAX - NS_TOKEN_MAX_BYTES || ns_buf_append(&tv->bytes, tok->term, tok->term_len))
        return c->rc = NS_E_NOMEM, 1;
    tv->e[tv->n++] = (sr_tv_entry){(uint32_t)off, (uint32_t)tok->term_len, 1};
    return 0;
}

/* qsort has no context argument: per thread, as readers on different
 * threads expand queries at once (nsearch.h) */
static _Thread_local const uint8_t *sort_bytes;

static int by_term(const void *a, const void *b)
{
    const sr_tv_entry *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(sort_bytes + x->off, sort_bytes + y->off, n);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

ns_rc sr_tv_read(sr_index *ix, uint32_t doc, sr_tv *tv, ns_err *err)
{
    ns_buf_reset(&tv->bytes);
    tv->n = 0;
    sr_doc d;
    ns_rc rc = sr_index_doc(ix, doc, &d, err);
    if (rc)
        return rc;
    tv_ctx c = {tv, NS_OK};
    /* as the indexer: the title, then the body (ix_pipe.c) */
    rc = ns_analyze(ix->an, d.f[NS_FIELD_TITLE], d.len[NS_FIELD_TITLE], tv_on_token, &c);
    if (!rc && !c.rc)
        rc = ns_analyze(ix->an, d.f[NS_FIELD_BODY], d.len[NS_FIELD_BODY], tv_on_token, &c);
    if (!rc)
        rc = c.rc;
    if (rc)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    sort_bytes = tv->bytes.data;
    if (tv->n) /* tv->e is NULL for a document without words */
        qsort(tv->e, tv->n, sizeof *tv->e, by_term);
    size_t n = 0;
    for (size_t i = 0; i < tv->n; i++) {
        if (n && by_term(&tv->e[n - 1], &tv->e[i]) == 0)
            tv->e[n - 1].tf++;
        else
            tv->e[n++] = tv->e[i];
    }
    tv->n = n;
    return NS_OK;
}

/* Weighted terms, pruned by weight with the tie rule of README "Feedback":
 * the greater weight first, then the smaller term in byte order. */

typedef struct sr_fb_term {
    const char *term; /* borrowed from a term vector */
    uint32_t len;
    uint32_t doc_rank; /* the feedback document it came from (summing order) */
    double w;
} wterm;

static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static int by_weight(const void *a, const void *b)
{
    const wterm *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return cmp_bytes(x->term, x->len, y->term, y->len);
}

static int by_term_then_doc(const void *a, const void *b)
{
    const wterm *x = a, *y = b;
    int c = cmp_bytes(x->term, x->len, y->term, y->len);
    return c ? c : (x->doc_rank > y->doc_rank) - (x->doc_rank < y->doc_rank);
}

/* Anserini's feedback-term filter, for every script: 2..20 characters
 * (code points), each a letter or digit ([a-z0-9] for ASCII terms, as
 * Anserini; letters, digits and combining marks of any script otherwise,
 * so that Cyrillic, Greek or CJK text gets feedback terms too), in at most
 * 10 % of the live documents. */
static ns_rc fb_keep(const sr_index *ix, const char *t, size_t len, bool *keep, ns_err *err)
{
    *keep = false;
    size_t chars = 0;
    bool ascii = true;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)t[i];
        ascii &= c < 0x80;
        chars += (c & 0xC0) != 0x80;
    }
    if (chars < SR_FB_MIN_CHARS || chars > SR_FB_MAX_CHARS)
        return NS_OK;
    if (ascii) {
        for (size_t i = 0; i < len; i++)
            if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9')))
                return NS_OK;
    } else if (!ns_unorm_is_wordish(t, len) || !ns_unorm_has_alnum(t, len)) {
        return NS_OK;
    }
    bool found;
    sr_term_info info;
    ns_rc rc = sr_index_lookup(ix, t, len, &found, &info, err);
    if (rc)
        return rc;
    *keep = found && (double)info.gdf <= SR_FB_MAX_DF_RATIO * ix->bm25_n;
    return NS_OK;
}

/* Appends to *model the fb_terms most frequent kept terms of tv, each
 * tf / (their summed tf) x score: one document's share of the model.
 * Lookups stop once fb_terms terms are kept. */
static ns_rc add_doc(const sr_index *ix, const sr_tv *tv, size_t fb_terms, uint32_t rank,
                     double score, wterm **model, size_t *n_model, size_t *cap, ns_err *err)
{
    wterm *by = ns_malloc((tv->n ? tv->n : 1) * sizeof *by);
    if (!by)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < tv->n; i++)
        by[i] = (wterm){(const char *)tv->bytes.data + tv->e[i].off, tv->e[i].len, rank,
                        (double)tv->e[i].tf};
    qsort(by, tv->n, sizeof *by, by_weight);
    size_t kept = 0;
    ns_rc rc = NS_OK;
    for (size_t i = 0; i < tv->n && kept < fb_terms && !rc; i++) {
        bool keep;
        rc = fb_keep(ix, by[i].term, by[i].len, &keep, err);
        if (!rc && keep)
            by[kept++] = by[i];
    }
    double norm = 0;
    for (size_t i = 0; i < kept; i++)
        norm += by[i].w;
    if (!rc && kept && *n_model + kept > *cap) {
        size_t nc = (*n_model + kept) * 2;
        wterm *m = ns_realloc(*model, nc * sizeof *m);
        if (!m)
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        else
            *model = m, *cap = nc;
    }
    for (size_t i = 0; !rc && i < kept; i++) {
        by[i].w = by[i].w / norm * score;
        (*model)[(*n_model)++] = by[i];
    }
    ns_free(by);
    return rc;
}

void sr_fb_model_init(sr_fb_model *m)
{
    memset(m, 0, sizeof *m);
}

void sr_fb_model_release(sr_fb_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->docs; i++)
        sr_tv_release(&m->tvs[i]);
    ns_free(m->tvs);
    ns_free(m->t);
    ns_free(m->add);
    memset(m, 0, sizeof *m);
}

ns_rc sr_fb_model_add_doc(sr_fb_model *m, sr_index *ix, uint32_t doc, double score,
                          const sr_fb_opts *o, ns_err *err)
{
    if (m->docs == m->cap_docs) {
        size_t nc = m->cap_docs ? m->cap_docs * 2 : 16;
        sr_tv *t = ns_realloc(m->tvs, nc * sizeof *t); /* the bytes stay where they are */
        if (!t)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        m->tvs = t;
        m->cap_docs = nc;
    }
    sr_tv *tv = &m->tvs[m->docs];
    sr_tv_init(tv);
    m->docs++;
    ns_rc rc = sr_tv_read(ix, doc, tv, err);
    if (!rc)
        rc = add_doc(ix, tv, o->fb_terms, (uint32_t)(m->docs - 1), score, &m->t, &m->n_t,
                     &m->cap_t, err);
    return rc;
}

ns_rc sr_fb_model_finish(sr_fb_model *m, const sr_fb_opts *o, ns_err *err)
{
    /* sum each term's shares in feedback-document order, prune, normalise */
    wterm *model = m->t;
    size_t n = 0;
    if (m->n_t) { /* qsort of a NULL model is undefined even when empty */
        qsort(model, m->n_t, sizeof *model, by_term_then_doc);
        for (size_t i = 0; i < m->n_t; i++) {
            if (n && !cmp_bytes(model[n - 1].term, model[n - 1].len, model[i].term, model[i].len))
                model[n - 1].w += model[i].w;
            else
                model[n++] = model[i];
        }
        qsort(model, n, sizeof *model, by_weight);
        if (n > o->fb_terms)
            n = o->fb_terms;
    }
    m->n_t = n;
    m->terms = n;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += model[i].w;
    ns_free(m->add);
    m->n_add = 0;
    m->add = n ? ns_malloc(n * sizeof *m->add) : NULL;
    if (n && !m->add)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        double w = (1.0 - o->fb_weight) * (model[i].w / total);
        if (w > 0 && total > 0)
            m->add[m->n_add++] = (sr_qadd){model[i].term, model[i].len, w};
    }
    return NS_OK;
}

double sr_fb_scale(const sr_query *q, const sr_fb_opts *o)
{
    double qw = sr_query_weight(q);
    return qw > 0 ? o->fb_weight / qw : 0;
}

ns_rc sr_fb_model_apply(const sr_fb_model *m, const sr_index *ix, sr_query *q, double scale,
                        ns_err *err)
{
    if (scale > 0)
        sr_query_scale(q, scale);
    return sr_query_add_terms(ix, q, m->add, m->n_add, err);
}

ns_rc sr_feedback_expand(sr_index *ix, sr_query *q, sr_algo algo, const sr_fb_opts *o,
                         sr_fb_stats *st, ns_err *err)
{
    sr_fb_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    ns_rc rc = sr_fb_opts_check(o, err);
    if (rc || !q->root)
        return rc;
    sr_hit *hits = ns_malloc(o->fb_docs * sizeof *hits);
    if (!hits)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t n_hits = 0;
    rc = sr_rank(ix, q, algo, o->fb_docs, hits, &n_hits, &st->first, err);
    sr_fb_model m;
    sr_fb_model_init(&m);
    for (size_t i = 0; !rc && i < n_hits; i++)
        rc = sr_fb_model_add_doc(&m, ix, hits[i].doc, hits[i].score, o, err);
    if (!rc && n_hits)
        rc = sr_fb_model_finish(&m, o, err);
    if (!rc && n_hits) {
        rc = sr_fb_model_apply(&m, ix, q, sr_fb_scale(q, o), err);
        st->docs = n_hits;
        st->terms = m.terms;
    }
    sr_fb_model_release(&m);
    ns_free(hits);
    return rc;
}

ns_rc sr_like_terms(sr_index *ix, uint32_t doc, sr_tv *tv, sr_qadd **add, size_t *n_add,
                    ns_err *err)
{
    *add = NULL;
    *n_add = 0;
    if (doc >= ix->n_docs)
        return ns_err_set(err, NS_E_ARG, "document %u out of range", doc);
    ns_rc rc = sr_tv_read(ix, doc, tv, err);
    wterm *c = rc ? NULL : ns_malloc((tv->n ? tv->n : 1) * sizeof *c);
    if (!rc && !c)
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; !rc && i < tv->n; i++) {
        if (tv->e[i].tf < SR_LIKE_MIN_TF)
            continue;
        const char *t = (const char *)tv->bytes.data + tv->e[i].off;
        bool found;
        sr_term_info info;
        rc = sr_index_lookup(ix, t, tv->e[i].len, &found, &info, err);
        if (rc || !found || info.gdf < SR_LIKE_MIN_DF)
            continue;
        double idf = sr_index_idf(ix, &info);
        c[n++] = (wterm){t, tv->e[i].len, 0, (double)tv->e[i].tf * idf};
    }
    if (!rc && n) {
        qsort(c, n, sizeof *c, by_weight);
        if (n > SR_LIKE_TERMS)
            n = SR_LIKE_TERMS;
        sr_qadd *a = ns_malloc(n * sizeof *a);
        if (!a)
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        for (size_t i = 0; a && i < n; i++)
            a[i] = (sr_qadd){c[i].term, c[i].len, c[i].w / c[0].w};
        if (a)
            *add = a, *n_add = n;
    }
    ns_free(c);
    return rc;
}

/* q overwritten by a query of no words (releasable even on error). */
static ns_rc like_empty(sr_query *q, ns_err *err)
{
    memset(q, 0, sizeof *q);
    ns_buf_init(&q->notes);
    ns_buf_init(&q->left_out);
    q->text = ns_malloc(1);
    if (!q->text)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    q->text[0] = 0;
    return NS_OK;
}

ns_rc sr_like_build(const sr_index *ix, const sr_qadd *add, size_t n, sr_query *q, ns_err *err)
{
    ns_rc rc = like_empty(q, err);
    if (!rc && n)
        rc = sr_query_add_terms(ix, q, add, n, err);
    return rc;
}

ns_rc sr_like_query(sr_index *ix, uint32_t doc, sr_query *q, ns_err *err)
{
    ns_rc rc = like_empty(q, err);
    if (rc)
        return rc;
    sr_tv tv;
    sr_tv_init(&tv);
    sr_qadd *add = NULL;
    size_t n = 0;
    rc = sr_like_terms(ix, doc, &tv, &add, &n, err);
    if (!rc && n)
        rc = sr_query_add_terms(ix, q, add, n, err);
    ns_free(add);
    sr_tv_release(&tv);
    return rc;
}
