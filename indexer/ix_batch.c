/* ix_batch: allocation, recycling and growth of batches (see ix_batch.h). */
#include "ix_batch.h"

#include "ns_alloc.h"

void ix_batch_free(ix_batch *bt)
{
    if (!bt)
        return;
    ns_buf_release(&bt->recs);
    ns_buf_release(&bt->comp);
    ns_buf_release(&bt->events);
    ns_buf_release(&bt->strs);
    ns_buf_release(&bt->kw);
    ns_free(bt->title_len);
    ns_free(bt->kw_end);
    ns_free(bt->rec_end);
    ns_free(bt->src);
    ns_free(bt->line);
    ns_free(bt->doclen);
    ns_free(bt->head_end);
    ns_free(bt->comp_len);
    ns_free(bt);
}

ix_batch *ix_batch_get(ix_batch **free_list, uint32_t first_doc)
{
    ix_batch *bt = *free_list;
    if (bt) {
        *free_list = bt->next;
    } else {
        bt = ns_calloc(1, sizeof *bt);
        if (!bt)
            return NULL;
    }
    bt->next = bt->onext = NULL;
    bt->first_doc = first_doc;
    bt->n_docs = 0;
    ns_buf_reset(&bt->recs);
    ns_buf_reset(&bt->comp);
    ns_buf_reset(&bt->events);
    ns_buf_reset(&bt->strs);
    ns_buf_reset(&bt->kw);
    bt->has_src = 0;
    bt->done = 0;
    bt->rc = NS_OK;
    return bt;
}

void ix_batch_put(ix_batch **free_list, ix_batch *bt)
{
    bt->next = *free_list;
    *free_list = bt;
}

static ns_rc grow_u32(uint32_t **p, size_t n)
{
    uint32_t *q = ns_realloc(*p, n * sizeof *q);
    if (!q)
        return NS_E_NOMEM;
    *p = q;
    return NS_OK;
}

ns_rc ix_batch_reserve_doc(ix_batch *bt)
{
    if (bt->n_docs < bt->cap_docs)
        return NS_OK;
    size_t c = bt->cap_docs ? (size_t)bt->cap_docs * 2 : 256;
    if (grow_u32(&bt->rec_end, c) || grow_u32(&bt->head_end, c) || grow_u32(&bt->src, c) ||
        grow_u32(&bt->doclen, c) || grow_u32(&bt->comp_len, c) ||
        grow_u32(&bt->title_len, c) || grow_u32(&bt->kw_end, c))
        return NS_E_NOMEM;
    uint64_t *l = ns_realloc(bt->line, c * sizeof *l);
    if (!l)
        return NS_E_NOMEM;
    bt->line = l;
    bt->cap_docs = (uint32_t)c;
    return NS_OK;
}
