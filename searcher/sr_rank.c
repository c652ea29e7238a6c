/* sr_rank: algorithm dispatch, cursor setup and the exhaustive reference
 * evaluations for OR and AND (see sr_rank.h). */
#include "sr_rank.h"

#include <string.h>

#include "ns_alloc.h"
#include "sr_exec.h"
#include "sr_run.h"

static const char *const algo_names[SR_ALGO_COUNT] = {"exhaustive", "maxscore", "bmw"};

const char *sr_algo_name(sr_algo a) { return (unsigned)a < SR_ALGO_COUNT ? algo_names[a] : "?"; }

int sr_algo_parse(const char *name, sr_algo *a)
{
    for (int i = 0; i < SR_ALGO_COUNT; i++) {
        if (!strcmp(name, algo_names[i])) {
            *a = (sr_algo)i;
            return 0;
        }
    }
    return -1;
}

/* Every posting of every list, in doc order; all_terms: AND semantics. */
static void exhaustive(sr_run *r, bool all_terms)
{
    for (;;) {
        uint32_t d = SR_DOC_END;
        for (size_t i = 0; i < r->n; i++)
            if (r->c[i].doc < d)
                d = r->c[i].doc;
        if (d == SR_DOC_END)
            break;
        size_t matched = 0;
        for (size_t i = 0; i < r->n; i++) {
            if (r->c[i].doc == d) {
                sr_run_take(r, &r->c[i]);
                sr_cursor_next(&r->c[i]);
                matched++;
            }
        }
        if (!all_terms || matched == r->n)
            sr_run_push(r, d);
        else
            sr_run_clear(r);
    }
}

/* The flat shapes (sr_query_is_flat): today's term-only algorithms, with
 * the excluded clauses as a filter. */
static ns_rc rank_flat(const sr_index *ix, const sr_query *q, bool all_must, sr_algo algo, size_t k,
                       sr_hit *out, size_t *n_out, sr_rank_stats *st, ns_err *err)
{
    const sr_qt *r = q->root;
    const sr_qt *const *kids = r->kind == SR_QT_BOOL ? (const sr_qt *const *)r->kids : &r;
    size_t n_kids = r->kind == SR_QT_BOOL ? r->n_kids : 1, n = 0, n_pos = 0;
    for (size_t i = 0; i < n_kids; i++) {
        if (kids[i]->occur == SR_OCC_NOT)
            continue;
        n_pos++;
        n += kids[i]->found;
    }
    if (n == 0 || (all_must && n < n_pos))
        return NS_OK;
    sr_run rr;
    memset(&rr, 0, sizeof rr);
    ns_rc rc = sr_excl_new(ix, q, &rr.excl, err);
    if (rc)
        return rc;
    rr.ix = ix;
    rr.n = n;
    rr.st = st;
    rr.c = ns_malloc_aligned(_Alignof(sr_cursor), n * sizeof *rr.c);
    rr.by = ns_malloc(n * sizeof *rr.by);
    rr.contrib = ns_calloc(n, sizeof *rr.contrib);
    rr.ub = ns_malloc(2 * n * sizeof *rr.ub);
    if (!rr.c || !rr.by || !rr.contrib || !rr.ub) {
        ns_free(rr.ub);
        ns_free(rr.c);
        ns_free(rr.by);
        ns_free(rr.contrib);
        sr_excl_free(rr.excl);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    n = 0;
    for (size_t i = 0; i < n_kids; i++) {
        const sr_qt *t = kids[i];
        if (t->occur == SR_OCC_NOT || !t->found)
            continue;
        const sr_qterm *w = &q->t[t->w[0]];
        sr_cursor_init(&rr.c[n], ix, &w->info, t->qtf, w->idf);
        rr.by[n] = &rr.c[n];
        n++;
    }
    sr_topk_init(&rr.top, out, k);
    if (algo == SR_ALGO_EXHAUSTIVE)
        exhaustive(&rr, all_must);
    else if (n == 1) /* OR = AND */
        sr_single(&rr);
    else if (all_must)
        sr_and_leapfrog(&rr);
    else if (algo == SR_ALGO_MAXSCORE)
        sr_maxscore(&rr);
    else
        sr_bmw(&rr);
    for (size_t i = 0; i < n; i++) {
        st->postings_decoded += rr.c[i].n_decoded;
        st->corrupt |= rr.c[i].corrupt;
    }
    if (rr.excl)
        st->corrupt |= sr_excl_corrupt(rr.excl);
    *n_out = sr_topk_finish(&rr.top);
    ns_free(rr.c);
    ns_free(rr.by);
    ns_free(rr.contrib);
    ns_free(rr.ub);
    sr_excl_free(rr.excl);
    return NS_OK;
}

ns_rc sr_rank(const sr_index *ix, const sr_query *q, sr_algo algo, size_t k, sr_hit *out,
              size_t *n_out, sr_rank_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    *n_out = 0;
    if (!q->root || k == 0)
        return NS_OK;
    bool all_must;
    if (sr_query_is_flat(q, &all_must))
        return rank_flat(ix, q, all_must, algo, k, out, n_out, st, err);
    if (algo == SR_ALGO_EXHAUSTIVE)
        return sr_exec_reference(ix, q, k, out, n_out, st, err);
    return sr_exec_topk(ix, q, k, out, n_out, st, err);
}

ns_rc sr_rank_exhaustive(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                         sr_rank_stats *st, ns_err *err)
{
    return sr_rank(ix, q, SR_ALGO_EXHAUSTIVE, k, out, n_out, st, err);
}
