/* sr_rank: algorithm dispatch, cursor setup and the exhaustive reference
 * evaluations for OR and AND (see sr_rank.h). */
#include "sr_rank.h"

#include <string.h>

#include "ns_alloc.h"
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

ns_rc sr_rank(const sr_index *ix, const sr_query *q, sr_mode mode, sr_algo algo, size_t k,
              sr_hit *out, size_t *n_out, sr_rank_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    *n_out = 0;
    size_t n = 0;
    for (size_t i = 0; i < q->n; i++)
        n += q->t[i].found;
    if (n == 0 || k == 0 || (mode == SR_MODE_AND && n < q->n))
        return NS_OK;
    sr_run r;
    memset(&r, 0, sizeof r);
    r.ix = ix;
    r.n = n;
    r.st = st;
    r.c = ns_malloc_aligned(_Alignof(sr_cursor), n * sizeof *r.c);
    r.by = ns_malloc(n * sizeof *r.by);
    r.contrib = ns_calloc(n, sizeof *r.contrib);
    r.ub = ns_malloc(2 * n * sizeof *r.ub);
    if (!r.c || !r.by || !r.contrib || !r.ub) {
        ns_free(r.ub);
        ns_free(r.c);
        ns_free(r.by);
        ns_free(r.contrib);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    n = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (q->t[i].found) {
            sr_cursor_init(&r.c[n], ix, &q->t[i].info, q->t[i].qtf, q->t[i].idf);
            r.by[n] = &r.c[n];
            n++;
        }
    }
    sr_topk_init(&r.top, out, k);
    if (algo == SR_ALGO_EXHAUSTIVE)
        exhaustive(&r, mode == SR_MODE_AND);
    else if (n == 1) /* OR = AND */
        sr_single(&r);
    else if (mode == SR_MODE_AND)
        sr_and_leapfrog(&r);
    else if (algo == SR_ALGO_MAXSCORE)
        sr_maxscore(&r);
    else
        sr_bmw(&r);
    for (size_t i = 0; i < n; i++) {
        st->postings_decoded += r.c[i].n_decoded;
        st->corrupt |= r.c[i].corrupt;
    }
    *n_out = sr_topk_finish(&r.top);
    ns_free(r.c);
    ns_free(r.by);
    ns_free(r.contrib);
    ns_free(r.ub);
    return NS_OK;
}

ns_rc sr_rank_exhaustive(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                         sr_rank_stats *st, ns_err *err)
{
    return sr_rank(ix, q, SR_MODE_OR, SR_ALGO_EXHAUSTIVE, k, out, n_out, st, err);
}
