/* sr_query: query analysis and term lookup (see sr_query.h). */
#include "sr_query.h"

#include <string.h>

#include "ns_alloc.h"

typedef struct parse_ctx {
    sr_query *q;
    size_t cap;
    ns_rc rc;
} parse_ctx;

static int on_token(void *vctx, const ns_token *tok)
{
    parse_ctx *c = vctx;
    sr_query *q = c->q;
    for (size_t i = 0; i < q->n; i++) {
        if (q->t[i].len == tok->term_len && memcmp(q->t[i].term, tok->term, tok->term_len) == 0) {
            q->t[i].qtf++;
            return 0;
        }
    }
    if (q->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 8;
        sr_qterm *t = ns_realloc(q->t, nc * sizeof *t);
        if (!t) {
            c->rc = NS_E_NOMEM;
            return 1;
        }
        q->t = t;
        c->cap = nc;
    }
    sr_qterm *t = &q->t[q->n++];
    memset(t, 0, sizeof *t);
    memcpy(t->term, tok->term, tok->term_len);
    t->len = tok->term_len;
    t->qtf = 1;
    return 0;
}

ns_rc sr_query_parse(sr_index *ix, const char *text, size_t len, sr_query *q, ns_err *err)
{
    q->t = NULL;
    q->n = 0;
    q->n_words = 0;
    parse_ctx c = {q, 0, NS_OK};
    ns_rc rc = ns_analyze(ix->an, text, len, on_token, &c);
    q->n_words = ns_analyzer_words(ix->an);
    if (!rc)
        rc = c.rc;
    if (rc) {
        sr_query_release(q);
        return ns_err_set(err, rc, "out of memory");
    }
    for (size_t i = 0; i < q->n; i++) {
        sr_qterm *t = &q->t[i];
        rc = sr_index_lookup(ix, t->term, t->len, &t->found, &t->info, err);
        if (rc) {
            sr_query_release(q);
            return rc;
        }
        if (t->found)
            t->idf = ns_bm25_idf((double)ix->n_live, (double)t->info.df);
    }
    return NS_OK;
}

void sr_query_release(sr_query *q)
{
    if (!q)
        return;
    ns_free(q->t);
    q->t = NULL;
    q->n = 0;
}
