/* sr_rank: exhaustive document-at-a-time BM25 (see sr_rank.h). */
#include "sr_rank.h"

#include <string.h>

#include "ns_alloc.h"
#include "sr_cursor.h"

ns_rc sr_rank_exhaustive(const sr_index *ix, const sr_query *q, size_t k, sr_hit *out, size_t *n_out,
                         sr_rank_stats *st, ns_err *err)
{
    memset(st, 0, sizeof *st);
    *n_out = 0;
    size_t n = 0;
    for (size_t i = 0; i < q->n; i++)
        n += q->t[i].found;
    if (n == 0 || k == 0)
        return NS_OK;
    sr_cursor *cur = ns_malloc(n * sizeof *cur);
    const sr_qterm **qt = ns_malloc(n * sizeof *qt);
    if (!cur || !qt) {
        ns_free(cur);
        ns_free(qt);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    n = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (q->t[i].found) {
            qt[n] = &q->t[i];
            sr_cursor_init(&cur[n], ix, &q->t[i].info);
            n++;
        }
    }
    sr_topk top;
    sr_topk_init(&top, out, k);
    for (;;) {
        uint32_t d = SR_DOC_END;
        for (size_t i = 0; i < n; i++)
            if (cur[i].doc < d)
                d = cur[i].doc;
        if (d == SR_DOC_END)
            break;
        double s = 0;
        for (size_t i = 0; i < n; i++) {
            if (cur[i].doc == d) {
                s += sr_rank_term_score(ix, qt[i], sr_cursor_freq(&cur[i]), d);
                sr_cursor_next(&cur[i]);
            }
        }
        st->docs_scored++;
        sr_topk_push(&top, d, s);
    }
    for (size_t i = 0; i < n; i++) {
        st->postings_decoded += cur[i].n_decoded;
        st->corrupt |= cur[i].corrupt;
    }
    *n_out = sr_topk_finish(&top);
    ns_free(cur);
    ns_free(qt);
    return NS_OK;
}
